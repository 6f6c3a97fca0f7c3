"""The tracker page's widget groups (地块进度): filters, the status-change form, the downloads.

Widgets only; every decision is the package's (:mod:`songnan_geo.plan.workflow`,
:mod:`songnan_geo.reports.tracker`, :class:`songnan_geo.store.tracker.TrackerStore`).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from songnan_geo import auth, clock
from songnan_geo.layers.exporter import export_layer
from songnan_geo.plan import workflow
from songnan_geo.reports import tracker
from songnan_geo.store.tracker import StaleVersionError, TrackerError, format_time
from songnan_geo.text.error_messages import text_of
from songnan_geo.text.i18n import t, value_label
from songnan_geo.text.safe_text import markdown_text


def filtered(rows: pd.DataFrame, key: str, lang: str) -> pd.DataFrame:
    """The table rows after the user's status / progress / name filters."""
    c1, c2, c3 = st.columns(3)
    statuses = c1.multiselect(t("tr_filter_status", lang), sorted(set(rows["status"])),
                              key=f"{key}_status", format_func=lambda s: value_label(s, lang))
    states = c2.multiselect(t("tr_filter_schedule", lang), list(workflow.SCHEDULE_STATES),
                            format_func=lambda s: tracker.schedule_label(s, lang), key=f"{key}_sched_{lang}")
    text = c3.text_input(t("tr_filter_text", lang), key=f"{key}_text").strip()
    if statuses:
        rows = rows[rows["status"].isin(statuses)]
    if states:
        rows = rows[rows["schedule"].isin(states)]
    if text:
        rows = rows[rows["name"].str.contains(text, case=False, regex=False)]
    return rows


def change_form(store, editor, item_id: str, item, name: str, lang: str) -> None:
    """The status-change form of one item (editors only), with the optimistic version check:
    a change is based on the version this session last showed, so one saved meanwhile by
    someone else is reported instead of overwritten."""
    seen = st.session_state.setdefault("tracker_seen_version", {})
    if editor is not None:
        st.subheader(t("tr_change", lang))
        st.caption(t("tr_current", lang).format(status=value_label(item["status"], lang),
                                                version=int(item["version"]), date=item["status_date"]))
        wf = workflow.get_workflow(item["workflow"])
        legal = wf.allowed_next(item["status"], item["paused_from"])
        options = legal + [s for s in wf.statuses if s not in legal and s != item["status"]]
        with st.form(f"tracker_change_{item_id}", clear_on_submit=True):
            new_status = st.selectbox(t("tr_new_status", lang), options,
                                      key=f"tracker_new_status_{item_id}_{lang}",
                                      format_func=lambda s: value_label(s, lang) + (
                                          "" if s in legal else t("tr_needs_correction", lang)))
            eff = st.date_input(t("tr_effective_date", lang), value=clock.today(),
                                max_value=clock.today(), key=f"tracker_effective_{item_id}")
            note = st.text_input(t("tr_note", lang), key=f"tracker_note_{item_id}",
                                 max_chars=workflow.MAX_NOTE_CHARS)
            doc_no = st.text_input(t("tr_doc_no", lang), key=f"tracker_doc_no_{item_id}",
                                   max_chars=workflow.MAX_DOC_NO_CHARS)
            reason = st.text_input(t("tr_correction_reason", lang), key=f"tracker_reason_{item_id}")
            submitted = st.form_submit_button(t("tr_submit", lang), type="primary")
        if submitted:
            expected = seen.get(item_id, int(item["version"]))
            try:
                out = store.change_status(item_id, new_status, editor=editor, expected_version=expected,
                                          effective_date=eff, note=note, doc_no=doc_no,
                                          correction_reason=reason or None)
                seen[item_id] = out["version"]
                st.session_state["tracker_flash"] = t("tr_saved", lang).format(
                    name=markdown_text(name), status=out["status"], version=out["version"])
                st.rerun()
            except StaleVersionError as exc:
                st.error(t("tr_stale", lang).format(
                    name=markdown_text(name), who=markdown_text(exc.changed_by),
                    when=format_time(exc.changed_at), current=exc.current_version,
                    expected=exc.expected_version))
            except (workflow.WorkflowError, auth.EditorRequiredError, TrackerError) as exc:
                st.error(t("tr_rejected", lang) + " " + text_of(exc, lang))
    flash = st.session_state.pop("tracker_flash", None)
    if flash:
        st.success(flash)
    seen[item_id] = int(item["version"])


@st.cache_data(show_spinner=False, max_entries=8)
def _downloads(data_key: tuple, lang: str, _table, _history, _parcels) -> dict[str, bytes]:
    """The export files; rebuilt only when the data (history is append-only, so its last
    sequence number identifies the state), the date, the plan or the language change."""
    files = tracker.export_tables(_table, _history, lang)
    files["geojson"] = export_layer(_parcels, "geojson", "parcels")
    files["gpkg"] = export_layer(_parcels, "gpkg", "parcels")
    return files


def downloads(store, table, history, parcels, as_of, plan_id: str, lang: str) -> None:
    """The four download buttons (XLSX, CSV, parcels GeoJSON and GeoPackage)."""
    files = _downloads((store.description, int(history["seq"].max()), as_of.isoformat(), plan_id),
                       lang, table, history, parcels)
    stamp = f"{plan_id}_{as_of.isoformat()}"
    rows = [("xlsx", "tr_dl_xlsx", f"songnan_tracker_{stamp}.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("csv", "tr_dl_csv", f"songnan_tracker_{stamp}.csv", "text/csv"),
            ("geojson", "tr_dl_geojson", "songnan_parcels_status.geojson", "application/geo+json"),
            ("gpkg", "tr_dl_gpkg", "songnan_parcels_status.gpkg", "application/geopackage+sqlite3")]
    for col, (fmt, label, name, mime) in zip(st.columns(4), rows):
        col.download_button(t(label, lang), files[fmt], file_name=name, mime=mime, on_click="ignore",
                            key=f"tracker_dl_{fmt}")
