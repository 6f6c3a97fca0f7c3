"""产业载体 — carrier parks per part of 一心三线, the plan's carrier figures and targets, the register."""
import datetime as dt

import streamlit as st
from streamlit_folium import st_folium

from songnan_geo.layers.exporter import export_layer
from songnan_geo.maps.clicks import CLICK_OBJECTS, clicked_lonlat, new_click, pending_point
from songnan_geo.maps.folium_map import build_map
from songnan_geo.plan import carriers, registry as plans
from songnan_geo.reports import carriers as carrier_report
from songnan_geo.store.db import StoreError
from songnan_geo.store.indicators import indicators_of, read_carrier_figures
from songnan_geo.text.i18n import t
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.carrier_edit import carrier_edit_form
from songnan_ui.login import editor_login
from songnan_ui.page import page_context, show_error, stores_or_stop
from songnan_ui.plan_select import as_of_input, plan_selector

ctx = page_context()
lang, layers, manifest, basemap = ctx.lang, ctx.layers, ctx.manifest, ctx.basemap

st.title(t("carriers", lang))
st.caption(t("cr_intro", lang))
plan = plan_selector(lang, key="cr")
plan_name = markdown_text(plan.name(lang))
stores = stores_or_stop(lang)
tracker, register_store, indicator_store = stores.tracker, stores.carriers, stores.indicators
try:
    register = register_store.current(layers["carrier_parks"])
except StoreError as exc:
    show_error(exc, lang, t("tr_store_error", lang))
    st.stop()

zones = layers["zones"]
membership = carriers.park_zones(register, zones)
by_zone = carriers.carriers_by_zone(register, zones)

# ------------------------------------------------------------------ map (click places a park)
map_key = f"cr_map_{lang}_{basemap}"
click, st.session_state["cr_seen_clicks"] = new_click(st.session_state.get(map_key),
                                                     st.session_state.get("cr_seen_clicks"))
picked = clicked_lonlat(click, basemap)
if picked:
    st.session_state["cr_last_click"] = picked
    st.session_state["cr_lon"], st.session_state["cr_lat"] = round(picked[0], 6), round(picked[1], 6)
    st.session_state["cr_datum"] = "wgs84"

shown = {n: layers[n] for n in ("boundary", "roads", "zones") if n in layers}
shown["carrier_parks"] = register
base_map = build_map(shown, manifest, lang=lang, basemap=basemap)
pending = None
if st.session_state.get("cr_last_click"):
    pending = pending_point(*st.session_state["cr_last_click"], label=t("cr_pending", lang),
                            basemap=basemap)
st_folium(base_map, height=560, use_container_width=True, returned_objects=CLICK_OBJECTS,
          feature_group_to_add=pending, key=map_key)
st.caption(t("cr_map_caption", lang))

# ------------------------------------------------------------------ per zone
st.subheader(t("cr_by_zone", lang))
st.dataframe(carrier_report.zone_table(by_zone, zones, lang), hide_index=True, width="stretch",
             key="cr_zone_table")
st.caption(t("cr_membership_rule", lang))

# ------------------------------------------------------------------ plan figures and targets
st.subheader(t("cr_plan_figures", lang))
town = by_zone.set_index("zone_id").loc[carriers.TOWN]
if plan.carrier_figures_path is None:
    st.info(t("cr_no_plan_figures", lang).format(name=plan_name))
else:
    figures = read_carrier_figures(plan.carrier_figures_path)
    st.dataframe(carrier_report.comparison_table(carriers.plan_comparison(figures, town), lang),
                 hide_index=True, width="stretch", key="cr_plan_table")
    st.caption(t("cr_plan_figures_caption", lang))

seqs = plan.carrier_indicator_seqs
st.subheader(t("cr_targets", lang) if plan.id == plans.DEFAULT_PLAN_ID else
             t("cr_targets_plan", lang).format(name=plan_name, seqs="、".join(map(str, seqs))))
# The chosen plan's period decides the default date (the one selector every page shares).
as_of = as_of_input(plan, lang, "cr_as_of", t("ind_as_of", lang), min_value=dt.date(2021, 1, 1))
entered, _ = indicator_store.values()
try:
    progress = carriers.plan_target_progress(plan, register, indicators_of(plan), entered, as_of=as_of)
except carriers.CarrierError as exc:
    show_error(exc, lang)
    progress = None
if progress is None:
    st.info(t("cr_no_plan_targets", lang).format(name=plan_name))
else:
    st.dataframe(carrier_report.progress_table(progress, lang), hide_index=True, width="stretch",
                 key="cr_progress_table")
    st.caption(t("cr_targets_caption", lang).format(pipeline=carriers.pipeline_count(register)))

# ------------------------------------------------------------------ the register
st.subheader(t("cr_register", lang))
st.dataframe(carrier_report.register_table(register, membership, zones, lang), hide_index=True,
             width="stretch", key="cr_register_table")
c1, c2 = st.columns(2)
c1.download_button(t("cr_download_geojson", lang), export_layer(register, "geojson", "carrier_parks"),
                   file_name="carrier_parks_register.geojson", mime="application/geo+json",
                   key="cr_dl_geojson")
c2.download_button(t("cr_download_xlsx", lang), export_layer(register, "xlsx", "carrier_parks"),
                   file_name="carrier_parks_register.xlsx", key="cr_dl_xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
with st.expander(t("cr_history", lang)):
    st.dataframe(carrier_report.history_table(register_store.history(), lang), hide_index=True,
                 width="stretch", key="cr_history_table")

# ------------------------------------------------------------------ editing (editors)
st.subheader(t("cr_edit", lang))
editor = editor_login(tracker, lang, key="cr", readonly_note=t("cr_readonly_viewer", lang))
if editor is not None:
    carrier_edit_form(register, register_store, layers["boundary"], editor, lang)
if "cr_flash" in st.session_state:
    st.success(st.session_state.pop("cr_flash"))
