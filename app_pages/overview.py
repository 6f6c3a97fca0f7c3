"""总览地图 — every layer of the plan on one map, with the parcels' status table."""
import streamlit as st
from streamlit_folium import st_folium

from songnan_geo.maps.folium_map import build_map
from songnan_geo.plan.registry import load_plan
from songnan_geo.reports.tracker import with_tracked_state
from songnan_geo.store.tracker import TrackerError
from songnan_geo.text.i18n import field_label, t, value_label
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.page import page_context
from songnan_ui.stores import open_stores

ctx = page_context()
lang, layers, manifest = ctx.lang, ctx.layers, ctx.manifest

st.title(t("app_title", lang))
st.info(t("estimated_banner", lang), icon="ℹ️")

# Parcel status as tracked on 地块进度 and carrier parks as registered on 产业载体, when the
# store opens; else the layers as shipped (the plan's state), said in the caption.
try:
    stores = open_stores()
    layers = with_tracked_state(layers, stores.tracker.parcels(),
                                stores.carriers.current(layers["carrier_parks"]))
    state_note = t("ov_state_from_store", lang)
except TrackerError as exc:
    state_note = t("ov_state_from_layer", lang) + f" ({markdown_text(exc)})"

fmap = build_map(layers, manifest, lang=lang, basemap=ctx.basemap)
# returned_objects=[]: panning or zooming does not rerun the script.
st_folium(fmap, height=640, use_container_width=True, returned_objects=[], key=f"overview_{lang}")
st.caption(state_note)

st.subheader(t("parcels_table", lang))
cols = ["name" if lang == "zh" else "name_en", "status", "plan_target", "plan_deadline", "zone_id",
        "area_m2", "accuracy_m", "estimated"]
zone_names = dict(zip(layers["zones"]["id"], layers["zones"]["name" if lang == "zh" else "name_en"]))
table = layers["parcels"][cols].assign(zone_id=lambda d: d["zone_id"].map(zone_names),
                                       status=lambda d: d["status"].map(lambda v: value_label(v, lang)))
table = table.fillna("—").rename(columns={c: field_label(c, lang) for c in cols})
# A static table, not the interactive grid: twelve rows need no scrolling or sorting, and the
# grid's ~1.3 MB of JavaScript competed with the first map for the browser (issue 16, speed).
st.table(table, hide_index=True, width="stretch")
plan = load_plan()   # the targets and deadlines in the table are the default plan's
if plan.ended():
    st.caption(t("ov_plan_ended", lang).format(name=markdown_text(plan.name(lang)),
                                               start=plan.period_start, end=plan.period_end))
