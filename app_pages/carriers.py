"""产业载体 — carrier parks per part of 一心三线, the plan's carrier figures and targets, the register."""
import datetime as dt

import streamlit as st
from streamlit_folium import st_folium

from songnan_geo import clock
from songnan_geo.coords.chinacoords import convert_lonlat
from songnan_geo.layers.exporter import export_layer
from songnan_geo.maps.clicks import CLICK_OBJECTS, clicked_lonlat, new_click, pending_point
from songnan_geo.maps.folium_map import build_map
from songnan_geo.plan import carriers
from songnan_geo.reports import carriers as carrier_report
from songnan_geo.store import auth
from songnan_geo.store.carriers import STATES, CarrierError, new_park_id
from songnan_geo.store.indicators import read_carrier_figures
from songnan_geo.store.tracker import StaleVersionError, StoreConfigError, TrackerError, format_time
from songnan_geo.text.error_messages import text_of
from songnan_geo.text.i18n import t
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.login import editor_login
from songnan_ui.stores import open_stores

lang = st.session_state.get("lang", "zh")
layers, manifest = st.session_state["layers"], st.session_state["manifest"]
basemap = st.session_state.get("basemap", "blank")

st.title(t("carriers", lang))
st.caption(t("cr_intro", lang))


try:
    tracker, register_store, indicator_store = open_stores()
    register = register_store.current(layers["carrier_parks"])
except (StoreConfigError, TrackerError) as exc:
    st.error(t("tr_store_error", lang))
    st.code(str(exc), language=None)
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
st.dataframe(carrier_report.comparison_table(carriers.plan_comparison(read_carrier_figures(), town), lang),
             hide_index=True, width="stretch", key="cr_plan_table")
st.caption(t("cr_plan_figures_caption", lang))

st.subheader(t("cr_targets", lang))
as_of = st.date_input(t("ind_as_of", lang), value=clock.today(),
                      min_value=dt.date(2021, 1, 1), max_value=dt.date(2030, 12, 31), key="cr_as_of")
entered, _ = indicator_store.values()
progress = carriers.target_progress(register, list(indicator_store.indicators.values()), entered,
                                    as_of=as_of)
st.dataframe(carrier_report.progress_table(progress, lang), hide_index=True, width="stretch",
             key="cr_progress_table")
pipeline = int(register["state"].isin(["在建", "规划"]).sum())
st.caption(t("cr_targets_caption", lang).format(pipeline=pipeline))

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
    NEW = "__new__"
    by_id = register.set_index("id")
    pick = st.selectbox(t("cr_pick_park", lang), [NEW, *by_id.index], key="cr_pick",
                        format_func=lambda i: t("cr_new_park", lang) if i == NEW else by_id.loc[i, "name"])
    # Load the chosen park into the form once, when the choice changes (or after a save or a
    # refused stale save). The save is based on the version loaded here: if another editor saved
    # the park meanwhile, it is refused naming them, never silently overwritten.
    if st.session_state.get("cr_loaded") is None or st.session_state["cr_loaded"][0] != pick:
        st.session_state["cr_loaded"] = (pick, 0 if pick == NEW else int(by_id.loc[pick, "version"]))
        rec = ({} if pick == NEW else by_id.loc[pick].to_dict())
        for field in ("name", "name_en", "address", "theme", "source", "note", "change_note"):
            st.session_state[f"cr_f_{field}"] = rec.get(field) or ""
        st.session_state["cr_f_state"] = rec.get("state") or STATES[0]
        st.session_state["cr_f_yiyuan_lou"] = bool(rec.get("yiyuan_lou", False))
        st.session_state["cr_f_estimated"] = bool(rec.get("estimated", pick == NEW))
        st.session_state["cr_f_accuracy_m"] = float(rec.get("accuracy_m", 50.0))
        for field in ("floor_area_m2", "tax_10k_yuan", "enterprises", "high_tech", "stats_year",
                      "opened_year"):
            v = rec.get(field)
            st.session_state[f"cr_f_{field}"] = None if v is None or v != v else v
        # the park's own position, or for a new park the pending click (none: empty)
        lonlat = ((float(rec["lon"]), float(rec["lat"])) if pick != NEW
                  else st.session_state.get("cr_last_click") or (None, None))
        st.session_state["cr_lon"], st.session_state["cr_lat"] = lonlat
        st.session_state["cr_datum"] = "wgs84"
    st.caption(t("cr_position_help", lang))
    with st.form("cr_form"):
        p1, p2, p3 = st.columns(3)
        lon = p1.number_input(t("cr_lon", lang), format="%.6f", value=None, key="cr_lon")
        lat = p2.number_input(t("cr_lat", lang), format="%.6f", value=None, key="cr_lat")
        datum = p3.selectbox(t("cr_datum", lang), ["wgs84", "gcj02", "bd09"], key="cr_datum",
                             format_func=lambda d: t(f"cr_datum_{d}", lang))
        f1, f2 = st.columns(2)
        name = f1.text_input(t("cr_col_name", lang), key="cr_f_name")
        name_en = f2.text_input(t("cr_name_en", lang), key="cr_f_name_en")
        address = f1.text_input(t("cr_address", lang), key="cr_f_address")
        theme = f2.text_input(t("cr_theme", lang), key="cr_f_theme")
        state = f1.selectbox(t("cr_col_state", lang), list(STATES), key="cr_f_state")
        accuracy = f2.number_input(t("cr_col_accuracy", lang), min_value=0.0, step=10.0,
                                   key="cr_f_accuracy_m")
        yiyuan = f1.checkbox(t("cr_col_yiyuan", lang), key="cr_f_yiyuan_lou")
        estimated = f2.checkbox(t("cr_col_estimated", lang), key="cr_f_estimated")
        st.markdown(t("cr_figures_help", lang))
        g1, g2, g3 = st.columns(3)
        figures = {
            "floor_area_m2": g1.number_input(t("cr_col_floor_area_m2", lang), value=None, min_value=0.0,
                                             key="cr_f_floor_area_m2"),
            "enterprises": g2.number_input(t("cr_col_enterprises", lang), value=None, min_value=0, step=1,
                                           key="cr_f_enterprises"),
            "tax_10k_yuan": g3.number_input(t("cr_col_tax_10k_yuan", lang), value=None, min_value=0.0,
                                            key="cr_f_tax_10k_yuan"),
            "high_tech": g1.number_input(t("cr_col_high_tech", lang), value=None, min_value=0, step=1,
                                         key="cr_f_high_tech"),
            "stats_year": g2.number_input(t("cr_col_stats_year", lang), value=None, step=1,
                                          key="cr_f_stats_year"),
            "opened_year": g3.number_input(t("cr_col_opened_year", lang), value=None, step=1,
                                           key="cr_f_opened_year"),
        }
        source = st.text_input(t("cr_source", lang), key="cr_f_source")
        note = st.text_input(t("cr_note", lang), key="cr_f_note")
        change_note = st.text_input(t("cr_change_note", lang), key="cr_f_change_note")
        if st.form_submit_button(t("cr_save", lang), type="primary"):
            if lon is not None and lat is not None and datum != "wgs84":
                lon, lat = (float(v[0]) for v in convert_lonlat([lon], [lat], datum, "wgs84"))
            park_id = (new_park_id(name_en or name, set(register["id"])) if pick == NEW else pick)
            record = {"id": park_id, "name": name, "name_en": name_en, "lon": lon, "lat": lat,
                      "address": address, "theme": theme, "state": state, "yiyuan_lou": yiyuan,
                      **figures, "source": source, "accuracy_m": accuracy, "estimated": estimated,
                      "note": note}
            expected = st.session_state["cr_loaded"][1]
            try:
                row = register_store.save(record, editor=editor, expected_version=expected,
                                          town=layers["boundary"], change_note=change_note)
                st.session_state["cr_flash"] = t("cr_saved", lang).format(
                    name=markdown_text(name), version=row["version"])
                st.session_state["cr_loaded"] = None
                st.session_state.pop("cr_last_click", None)
                st.rerun()
            except CarrierError as exc:
                st.error(exc.text(lang))
            except StaleVersionError as exc:
                st.error(t("tr_stale", lang).format(name=markdown_text(exc.name),
                                                    who=markdown_text(exc.changed_by),
                                                    when=format_time(exc.changed_at),
                                                    current=exc.current_version,
                                                    expected=exc.expected_version))
                st.session_state["cr_loaded"] = None   # the next run shows the other editor's values
            except (TrackerError, auth.EditorRequiredError) as exc:   # store busy, logged out
                st.error(text_of(exc, lang))
if "cr_flash" in st.session_state:
    st.success(st.session_state.pop("cr_flash"))
