"""数据目录 — each layer's source, method, extent and attributes, with a GeoJSON download."""
import streamlit as st

from songnan_geo.layers.provenance import layer_provenance, table_in_words
from songnan_geo.text.i18n import field_label, layer_title, t
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.page import page_context

ctx = page_context()
lang, layers, manifest = ctx.lang, ctx.layers, ctx.manifest

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

# Sources in words; the stored records (paths, files, ids) only as technical detail.
prov = layer_provenance(gdf, info, lang)
st.markdown(f"**{t('layer_source', lang)}**")
st.markdown("\n".join(
    "- " + markdown_text(t("prov_count_one" if n == 1 else "prov_count", lang).format(what=w, n=n))
    for w, n in prov.words))
with st.expander(t("prov_detail", lang)):
    st.caption(markdown_text(t("prov_data_file", lang).format(file=prov.data_file)))
    for src, n in prov.records:   # data: shown as it is, never as Markdown
        st.caption(markdown_text(t("prov_record_one" if n == 1 else "prov_record", lang).format(n=n)
                                 + " " + src))

attrs = table_in_words(gdf, lang)
st.dataframe(attrs.rename(columns={c: field_label(c, lang) for c in attrs.columns}),
             hide_index=True, width="stretch")
st.download_button(t("download_geojson", lang), gdf.to_json(drop_id=True, ensure_ascii=False),
                   file_name=f"songnan_{name}.geojson", mime="application/geo+json")
