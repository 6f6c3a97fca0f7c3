"""The 产业载体 page's edit form for editors: pick a park (or a new one), change it, save.

The form starts from :func:`songnan_geo.plan.carriers.form_values`; the save goes through
:meth:`songnan_geo.store.carriers.CarrierStore.save` with the version loaded into the form, so a
change another editor saved meanwhile is refused naming them, never overwritten.
"""
from __future__ import annotations

import streamlit as st

from songnan_geo import auth
from songnan_geo.coords.chinacoords import convert_lonlat
from songnan_geo.plan import carriers
from songnan_geo.store.carriers import STATES, CarrierError, CarrierStore, new_park_id
from songnan_geo.store.db import StaleVersionError, StoreError
from songnan_geo.text.i18n import t
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.page import show_error, show_stale

NEW = "__new__"


def carrier_edit_form(register, register_store: CarrierStore, town, editor, lang: str) -> None:
    """The form over ``register`` (:meth:`CarrierStore.current`); ``town`` the boundary layer
    (a park must lie in it); ``editor`` the logged-in editor. A save reruns the page with
    ``st.session_state["cr_flash"]`` set."""
    by_id = register.set_index("id")
    pick = st.selectbox(t("cr_pick_park", lang), [NEW, *by_id.index], key="cr_pick",
                        format_func=lambda i: t("cr_new_park", lang) if i == NEW else by_id.loc[i, "name"])
    # Load the chosen park into the form once, when the choice changes (or after a save or a
    # refused stale save). The save is based on the version loaded here: if another editor saved
    # the park meanwhile, it is refused naming them, never silently overwritten.
    if st.session_state.get("cr_loaded") is None or st.session_state["cr_loaded"][0] != pick:
        st.session_state["cr_loaded"] = (pick, 0 if pick == NEW else int(by_id.loc[pick, "version"]))
        values = carriers.form_values(None if pick == NEW else by_id.loc[pick].to_dict(), STATES[0],
                                      st.session_state.get("cr_last_click"))
        st.session_state["cr_lon"], st.session_state["cr_lat"] = values.pop("lon"), values.pop("lat")
        st.session_state.update({f"cr_f_{field}": v for field, v in values.items()})
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
                                          town=town, change_note=change_note)
                st.session_state["cr_flash"] = t("cr_saved", lang).format(
                    name=markdown_text(name), version=row["version"])
                st.session_state["cr_loaded"] = None
                st.session_state.pop("cr_last_click", None)
                st.rerun()
            except CarrierError as exc:
                st.error(exc.text(lang))
            except StaleVersionError as exc:
                show_stale(exc, lang)
                st.session_state["cr_loaded"] = None   # the next run shows the other editor's values
            except (StoreError, auth.EditorRequiredError) as exc:   # store busy, logged out
                show_error(exc, lang)
