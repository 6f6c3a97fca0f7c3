"""地块进度 — parcels and projects: status on a map, progress against the plan, history, editing."""
import datetime as dt

import streamlit as st
from streamlit_folium import st_folium

from songnan_geo import clock
from songnan_geo.layers.exporter import export_layer
from songnan_geo.maps.folium_map import build_map
from songnan_geo.plan import workflow
from songnan_geo.reports import tracker
from songnan_geo.store import auth
from songnan_geo.store.tracker import StaleVersionError, StoreConfigError, TrackerError, format_time
from songnan_geo.text.error_messages import text_of
from songnan_geo.text.i18n import t, value_label
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.login import editor_login
from songnan_ui.stores import open_stores

lang = st.session_state.get("lang", "zh")
layers, manifest = st.session_state["layers"], st.session_state["manifest"]

st.title(t("tracker", lang))
st.caption(t("tr_intro", lang))


try:
    store = open_stores().tracker
    items, history, parcels = store.snapshot()
except (StoreConfigError, TrackerError) as exc:
    st.error(t("tr_store_error", lang))
    st.code(str(exc), language=None)
    st.stop()

# ------------------------------------------------------------------ login
top_left, top_right = st.columns([3, 2])
with top_right:
    editor = editor_login(store, lang, key="tracker")

with top_left:
    as_of = st.date_input(t("tr_as_of", lang), value=clock.today(),
                          min_value=dt.date(2013, 1, 1), max_value=dt.date(2030, 12, 31),
                          key="tracker_as_of",
                          help=t("tr_as_of_help", lang).format(days=workflow.DUE_SOON_DAYS))
    st.caption(t("tr_store", lang).format(where=store.description))

table = tracker.items_table(items, history, as_of, lang)


def _summary(rows):
    counts = rows["schedule"].value_counts()
    return t("tr_summary", lang).format(date=as_of.isoformat(), **{
        k: int(counts.get(k, 0)) for k in ("reached", "on_track", "due_soon", "overdue")})


def _filtered(rows, key: str):
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


def _gantt(rows, workflow_name: str, period):
    segs = workflow.timeline_segments(history[history["item_id"].isin(rows["id"])],
                                      max(as_of, period[0]))
    st.subheader(t("tr_gantt", lang).format(start=period[0].year, end=period[1].year))
    chart = tracker.gantt_chart(segs, rows[["id", "name", "plan_deadline"]],
                                tracker.status_palette(workflow_name, manifest), lang, period, as_of)
    st.altair_chart(chart, width="stretch")
    st.caption(t("tr_gantt_caption", lang))


PARCEL_COLS = ["name", "status", "status_date", "status_on_date", "plan_target", "target",
               "plan_deadline", "schedule_label", "version", "updated_by", "updated_at", "estimated"]
PROJECT_COLS = ["name", "category", "status", "status_date", "status_on_date", "plan_target",
                "target", "plan_deadline", "schedule_label", "version", "updated_by", "estimated"]
TABLE5_COLS = ["name", "category", "investment_wan", "start", "finish", "plan_state", "status",
               "status_date", "version", "updated_by"]

tab_parcels, tab_projects = st.tabs([t("tr_tab_parcels", lang), t("tr_tab_projects", lang)])
with tab_parcels:
    rows = table[table["grp"] == "parcel"]
    st.markdown(f"**{_summary(rows)}**")
    # The map's parcels layer is the store's (current status); the other layers as loaded.
    map_layers = {**layers, "parcels": parcels.drop(columns=["version", "updated_by", "updated_at"])}
    fmap = build_map(map_layers, manifest, lang=lang, basemap=st.session_state.get("basemap", "blank"),
                     visible={"boundary", "parcels"})
    state_key = "-".join(f"{i}{v}" for i, v in zip(parcels["id"], parcels["version"]))
    st_folium(fmap, height=520, use_container_width=True, returned_objects=[],
              key=f"tracker_map_{lang}_{abs(hash(state_key))}")
    st.caption(t("tr_map_caption", lang))
    shown = _filtered(rows, "tracker_parcels")
    st.dataframe(tracker.labelled(shown, PARCEL_COLS, lang).fillna("—"), hide_index=True, width="stretch")
    st.caption(t("tr_target_note", lang) + " " + t("tr_estimated_note", lang))
    _gantt(rows, "parcel", tracker.PLAN_PERIOD)

with tab_projects:
    # Widgets whose option labels follow the language have one key per language (as the
    # sidebar's basemap selector); the choice itself is kept across the switch.
    groups = ["fyp14", "table5"]
    grp = st.radio(t("tr_filter_group", lang), groups, horizontal=True,
                   index=groups.index(st.session_state.get("tracker_group", "fyp14")),
                   format_func=lambda g: t(f"tr_grp_{g}", lang), key=f"tracker_project_group_{lang}")
    st.session_state["tracker_group"] = grp
    rows = table[table["grp"] == grp]
    if grp == "fyp14":
        st.markdown(f"**{_summary(rows)}**")
    shown = _filtered(rows, f"tracker_{grp}")
    cols = PROJECT_COLS if grp == "fyp14" else TABLE5_COLS
    st.dataframe(tracker.labelled(shown, cols, lang).fillna("—"), hide_index=True, width="stretch")
    st.caption(t("tr_estimated_note", lang) if grp == "fyp14" else t("tr_target_note", lang))
    _gantt(rows, "project", tracker.PLAN_PERIOD if grp == "fyp14" else tracker.TABLE5_PERIOD)

# ------------------------------------------------------------------ one item: timeline and change
st.divider()
st.subheader(t("tr_timeline", lang))
order = table.assign(_g=table["grp"].map({"parcel": 0, "fyp14": 1, "table5": 2})).sort_values(["_g", "id"])
names = dict(zip(order["id"], order["name"]))
ids = list(names)
previous = st.session_state.get("tracker_item_id")
item_id = st.selectbox(t("tr_choose_item", lang), ids, key=f"tracker_item_{lang}",
                       index=ids.index(previous) if previous in ids else 0,
                       format_func=lambda i: f"{names[i]} · {items.set_index('id').at[i, 'status']}")
st.session_state["tracker_item_id"] = item_id
item = items.set_index("id").loc[item_id]
quote = item.get("plan_quote") if isinstance(item.get("plan_quote"), str) else None
if quote:
    st.caption(f"{t('tr_plan_quote', lang)}{'：' if lang == 'zh' else ': '}{markdown_text(quote)}")
# A plain table (a few rows per item): every entry is text on the page, easy to read and copy.
st.table(tracker.timeline_table(history[history["item_id"] == item_id], lang).set_index(
    t("tr_col_effective_date", lang)))

# The version this session last showed for each item: a change is based on it, so a change
# someone else saved meanwhile is detected (optimistic locking) instead of overwritten.
seen = st.session_state.setdefault("tracker_seen_version", {})
if editor is not None:
    st.subheader(t("tr_change", lang))
    st.caption(t("tr_current", lang).format(status=value_label(item["status"], lang), version=int(item["version"]),
                                            date=item["status_date"]))
    wf = workflow.get_workflow(item["workflow"])
    legal = wf.allowed_next(item["status"], item["paused_from"])
    options = legal + [s for s in wf.statuses if s not in legal and s != item["status"]]
    with st.form(f"tracker_change_{item_id}", clear_on_submit=True):
        new_status = st.selectbox(t("tr_new_status", lang), options, key=f"tracker_new_status_{item_id}_{lang}",
                                  format_func=lambda s: value_label(s, lang) + (
                                      "" if s in legal else t("tr_needs_correction", lang)))
        eff = st.date_input(t("tr_effective_date", lang), value=clock.today(),
                            max_value=clock.today(), key=f"tracker_effective_{item_id}")
        note = st.text_input(t("tr_note", lang), key=f"tracker_note_{item_id}", max_chars=workflow.MAX_NOTE_CHARS)
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
                name=markdown_text(names[item_id]), status=out["status"], version=out["version"])
            st.rerun()
        except StaleVersionError as exc:
            st.error(t("tr_stale", lang).format(name=markdown_text(names[item_id]),
                                                who=markdown_text(exc.changed_by),
                                                when=format_time(exc.changed_at),
                                                current=exc.current_version, expected=exc.expected_version))
        except (workflow.WorkflowError, auth.EditorRequiredError, TrackerError) as exc:
            st.error(t("tr_rejected", lang) + " " + text_of(exc, lang))
flash = st.session_state.pop("tracker_flash", None)
if flash:
    st.success(flash)
seen[item_id] = int(item["version"])

# ------------------------------------------------------------------ exports
@st.cache_data(show_spinner=False, max_entries=8)
def _downloads(data_key: tuple, lang: str, _table, _history, _parcels) -> dict[str, bytes]:
    """The export files; rebuilt only when the data (history is append-only, so its last
    sequence number identifies the state), the date or the language change."""
    files = tracker.export_tables(_table, _history, lang)
    files["geojson"] = export_layer(_parcels, "geojson", "parcels")
    files["gpkg"] = export_layer(_parcels, "gpkg", "parcels")
    return files


st.divider()
st.subheader(t("tr_exports", lang))
files = _downloads((store.description, int(history["seq"].max()), as_of.isoformat()), lang,
                   table, history, parcels)
stamp = as_of.isoformat()
downloads = [("xlsx", "tr_dl_xlsx", f"songnan_tracker_{stamp}.xlsx",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
             ("csv", "tr_dl_csv", f"songnan_tracker_{stamp}.csv", "text/csv"),
             ("geojson", "tr_dl_geojson", "songnan_parcels_status.geojson", "application/geo+json"),
             ("gpkg", "tr_dl_gpkg", "songnan_parcels_status.gpkg", "application/geopackage+sqlite3")]
for col, (fmt, label, name, mime) in zip(st.columns(4), downloads):
    col.download_button(t(label, lang), files[fmt], file_name=name, mime=mime, on_click="ignore",
                        key=f"tracker_dl_{fmt}")
