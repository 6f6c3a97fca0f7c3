"""数据目录 — each layer's source, method, extent and attributes, with a GeoJSON download."""
import streamlit as st

from songnan_geo.text.i18n import field_label, layer_title, t
from songnan_geo.text.safe_text import markdown_text

lang = st.session_state.get("lang", "zh")
layers, manifest = st.session_state["layers"], st.session_state["manifest"]

st.title(t("catalogue", lang))
st.info(t("estimated_banner", lang), icon="ℹ️")

names = list(manifest["layers"])
name = st.selectbox(t("choose_layer", lang), names, key="catalogue_layer",
                    format_func=lambda n: layer_title(manifest["layers"][n], lang))
info, gdf = manifest["layers"][name], layers[name]

c1, c2 = st.columns(2)
c1.metric(t("features", lang), len(gdf))
c2.metric(t("estimated_count", lang), int(gdf["estimated"].sum()))
if not info.get("inside_boundary", True):
    st.caption(f"{t('inside_reason', lang)}: {markdown_text(info['inside_reason'][lang])}")
st.markdown(f"**{t('layer_source', lang)}**")
for src in sorted(set(gdf["source"])):
    st.caption(markdown_text(src))   # data: shown as it is, never as Markdown

attrs = gdf.drop(columns="geometry")
st.dataframe(attrs.rename(columns={c: field_label(c, lang) for c in attrs.columns}),
             hide_index=True, width="stretch")
st.download_button(t("download_geojson", lang), gdf.to_json(drop_id=True, ensure_ascii=False),
                   file_name=f"songnan_{name}.geojson", mime="application/geo+json")
