"""人口录入 — each 居委's population as editors enter it (source, year, history); the estimate until then."""
import streamlit as st

from songnan_geo import auth, clock
from songnan_geo.lifecircle.population import ESTIMATE_SOURCE, population_table
from songnan_geo.store.population import MIN_YEAR, PopulationError
from songnan_geo.store.tracker import StaleVersionError, StoreConfigError, TrackerError, format_time
from songnan_geo.text.error_messages import text_of
from songnan_geo.text.i18n import t
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.login import editor_login
from songnan_ui.stores import open_stores

lang = st.session_state.get("lang", "zh")
st.title(t("population", lang))
st.caption(t("pop_intro", lang))

try:
    store = open_stores().population
except (StoreConfigError, TrackerError) as exc:
    st.error(t("tr_store_error", lang))
    st.code(str(exc), language=None)
    st.stop()

juwei = st.session_state["layers"]["residential"]
table = population_table(juwei, store.current())
names = dict(zip(table["juwei_id"], table["name"]))
COLS = {"juwei_id": "pop_col_id", "name": "pop_col_name", "population": "pop_col_population",
        "source": "pop_col_source", "year": "pop_col_year", "estimated": "pop_col_estimated",
        "username": "pop_col_by", "recorded_at": "pop_col_at", "version": "pop_col_version",
        "note": "pop_col_note"}


def shown(frame):
    """The frame with local times and the page's column names."""
    out = frame.copy()
    if "source" in out:
        out["source"] = out["source"].replace(ESTIMATE_SOURCE, t("pop_estimate_source", lang))
    out["recorded_at"] = out["recorded_at"].map(lambda v: format_time(v) if v else "")
    return out.rename(columns={c: t(k, lang) for c, k in COLS.items() if c in out})


est = table[table["estimated"]]
st.info(t("pop_summary", lang).format(entered=int((table["version"] > 0).sum()), total=len(table),
                                      people=table["population"].sum(),
                                      estimated=est["population"].sum()))
st.dataframe(shown(table), hide_index=True, width="stretch", key="pop_table")

# ------------------------------------------------------------------ entry (editors)
st.subheader(t("pop_entry", lang))
editor = editor_login(store.tracker, lang, key="pop", readonly_note=t("pop_readonly_viewer", lang))
if editor is not None:
    pick = st.selectbox(t("pop_pick", lang), list(names), key="pop_pick",
                        format_func=lambda i: f"{names[i]}（{i}）")
    # The version this session last showed for the 居委: an entry is based on it, so a figure
    # someone else saved meanwhile is detected instead of overwritten.
    seen = st.session_state.setdefault("pop_seen_version", {})
    version = store.version(pick)
    with st.form(f"pop_entry_{pick}", clear_on_submit=True):
        value = st.text_input(t("pop_value", lang), key="pop_value_text")
        year = st.text_input(t("pop_year", lang), key="pop_year_text",
                             placeholder=f"{MIN_YEAR}–{clock.today().year}")
        source = st.text_input(t("pop_source", lang), key="pop_source_text")
        note = st.text_input(t("pop_note", lang), key="pop_note_text")
        if st.form_submit_button(t("pop_save", lang), type="primary"):
            try:
                row = store.record(pick, value, year, source, editor=editor, note=note,
                                   expected_version=seen.get(pick, version))
                seen[pick] = row["version"]
                st.session_state["pop_flash"] = t("pop_saved", lang).format(version=row["version"])
                st.rerun()
            except StaleVersionError as exc:
                st.error(t("tr_stale", lang).format(
                    name=markdown_text(names[pick]), who=markdown_text(exc.changed_by),
                    when=format_time(exc.changed_at), current=exc.current_version,
                    expected=exc.expected_version))
            except (PopulationError, auth.EditorRequiredError, TrackerError) as exc:
                st.error(markdown_text(text_of(exc, lang)))   # bad figure, logged out, store busy
    seen[pick] = version
if "pop_flash" in st.session_state:
    st.success(st.session_state.pop("pop_flash"))

with st.expander(t("pop_history", lang)):
    history = store.history().drop(columns=["seq"])
    history.insert(1, "name", history["juwei_id"].map(names))
    st.dataframe(shown(history), hide_index=True, width="stretch", key="pop_history_table")
