"""地块进度 — parcels and projects: status on a map, progress against the chosen plan, history, editing."""
import streamlit as st
from streamlit_folium import st_folium

from songnan_geo.maps.folium_map import build_map
from songnan_geo.plan import workflow
from songnan_geo.reports import tracker
from songnan_geo.store.tracker import TrackerError
from songnan_geo.text.i18n import t
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.login import editor_login
from songnan_ui.page import show_error, stores_or_stop
from songnan_ui.plan_select import as_of_input, plan_selector
from songnan_ui.tracker_parts import change_form, downloads, filtered

lang = st.session_state.get("lang", "zh")
layers, manifest = st.session_state["layers"], st.session_state["manifest"]

st.title(t("tracker", lang))
st.caption(t("tr_intro", lang))

store = stores_or_stop(lang).tracker
try:
    items, history, parcels = store.snapshot()
except TrackerError as exc:
    show_error(exc, lang, heading=t("tr_store_error", lang))
    st.stop()

top_left, top_right = st.columns([3, 2])
with top_right:
    editor = editor_login(store, lang, key="tracker")
with top_left:
    plan = plan_selector(lang, key="tracker")
    as_of = as_of_input(plan, lang, "tracker_as_of", t("tr_as_of", lang),
                        help=t("tr_as_of_help", lang).format(days=workflow.DUE_SOON_DAYS))
    st.caption(t("tr_store", lang).format(where=store.description))

table = tracker.items_table(items, history, as_of, lang, plan=plan)


def _summary(rows):
    counts = rows["schedule"].value_counts()
    return t("tr_summary", lang).format(date=as_of.isoformat(), **{
        k: int(counts.get(k, 0)) for k in ("reached", "on_track", "due_soon", "overdue")})


def _gantt(rows, workflow_name: str, period):
    segs = workflow.timeline_segments(history[history["item_id"].isin(rows["id"])],
                                      max(as_of, period[0]))
    st.subheader(t("tr_gantt", lang).format(start=period[0].year, end=period[1].year))
    chart = tracker.gantt_chart(segs, rows[["id", "name", "plan_deadline"]],
                                tracker.status_palette(workflow_name, manifest), lang, period, as_of)
    st.altair_chart(chart, width="stretch")
    st.caption(t("tr_gantt_caption", lang))


PARCEL_COLS = ["name", "status", "status_date", "status_on_date", "plan_target", "target",
               "plan_deadline", "schedule_label", "lateness", "version", "updated_by", "updated_at",
               "estimated"]
PROJECT_COLS = ["name", "category", "status", "status_date", "status_on_date", "plan_target",
                "target", "plan_deadline", "schedule_label", "lateness", "version", "updated_by",
                "estimated"]
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
    shown = filtered(rows, "tracker_parcels", lang)
    st.dataframe(tracker.labelled(shown, PARCEL_COLS, lang).fillna("—"), hide_index=True, width="stretch")
    st.caption(t("tr_target_note", lang) + " " + t("tr_estimated_note", lang))
    _gantt(rows, "parcel", plan.period)

with tab_projects:
    # The chosen plan's own list first (its targets and deadlines); widgets whose option labels
    # follow the language have one key per language, the choice is kept across the switch.
    groups, group_key = tracker.project_groups(table, plan), f"tracker_project_group_{lang}"
    kept = st.session_state.get(group_key, st.session_state.get("tracker_group"))
    if st.session_state.get("tracker_group_plan") != plan.id or kept not in groups:
        kept, st.session_state["tracker_group_plan"] = groups[0], plan.id
    st.session_state[group_key] = kept
    grp = st.radio(t("tr_filter_group", lang), groups, horizontal=True, key=group_key,
                   format_func=lambda g: tracker.group_label(g, lang))
    st.session_state["tracker_group"] = grp
    rows = table[table["grp"] == grp]
    if grp != "table5":
        st.markdown(f"**{_summary(rows)}**")
    shown = filtered(rows, f"tracker_{grp}", lang)
    cols = TABLE5_COLS if grp == "table5" else PROJECT_COLS
    st.dataframe(tracker.labelled(shown, cols, lang).fillna("—"), hide_index=True, width="stretch")
    st.caption(t("tr_target_note", lang) if grp == "table5" else t("tr_estimated_note", lang))
    _gantt(rows, "project", tracker.TABLE5_PERIOD if grp == "table5" else plan.period)

# ------------------------------------------------------------------ one item: timeline and change
st.divider()
st.subheader(t("tr_timeline", lang))
order = table.assign(_g=table["grp"].map({"parcel": 0, "table5": 2}).fillna(1)).sort_values(["_g", "id"])
names = dict(zip(order["id"], order["name"]))
ids = list(names)
previous = st.session_state.get("tracker_item_id")
item_id = st.selectbox(t("tr_choose_item", lang), ids, key=f"tracker_item_{lang}",
                       index=ids.index(previous) if previous in ids else 0,
                       format_func=lambda i: f"{names[i]} · {items.set_index('id').at[i, 'status']}")
st.session_state["tracker_item_id"] = item_id
item = items.set_index("id").loc[item_id]
# The chosen plan's words for the item's target; else the plan quote the item was seeded with.
seeded = item.get("plan_quote")
quote = plan.target_quotes().get(item_id) or (seeded if isinstance(seeded, str) else None)
if quote:
    st.caption(f"{t('tr_plan_quote', lang)}{'：' if lang == 'zh' else ': '}{markdown_text(quote)}")
# A plain table (a few rows per item): every entry is text on the page, easy to read and copy.
st.table(tracker.timeline_table(history[history["item_id"] == item_id], lang).set_index(
    t("tr_col_effective_date", lang)))
change_form(store, editor, item_id, item, names[item_id], lang)

st.divider()
st.subheader(t("tr_exports", lang))
downloads(store, table, history, parcels, as_of, plan.id, lang)
