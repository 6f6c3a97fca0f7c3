"""规划指标 — the 18 Table 6 indicators: status as of a date, paths, editors' yearly values, export."""
import datetime as dt

import streamlit as st

from songnan_geo import auth
from songnan_geo.briefing.map import CJKFontMissingError
from songnan_geo.plan import indicators
from songnan_geo.reports import indicators as indicator_report
from songnan_geo.store.indicators import IndicatorStore, indicators_of, read_baseline_tables
from songnan_geo.store.tracker import (
    StaleVersionError,
    StoreConfigError,
    TrackerError,
    format_time,
)
from songnan_geo.text.error_messages import text_of
from songnan_geo.text.glossary import gloss
from songnan_geo.text.i18n import t
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.login import editor_login
from songnan_ui.page import select_per_language
from songnan_ui.plan_select import as_of_input, plan_selector
from songnan_ui.stores import open_stores

lang = st.session_state.get("lang", "zh")
st.title(t("indicators", lang))
st.caption(t("ind_intro", lang))


plan = plan_selector(lang, key="ind")
if plan.indicators_dir is None:
    st.info(t("ind_plan_none", lang))
    st.stop()
try:
    stores = open_stores()
    store = stores.indicators if plan.id == "fyp14" else IndicatorStore(stores.tracker, indicators_of(plan))
except (StoreConfigError, TrackerError) as exc:
    st.error(t("tr_store_error", lang))
    st.code(str(exc), language=None)
    st.stop()

inds = list(store.indicators.values())
as_of = as_of_input(plan, lang, "ind_as_of", t("ind_as_of", lang), min_value=dt.date(2021, 1, 1))
actuals, refs = store.values()   # latest entries; years after as_of are ignored by the rule
table = indicators.evaluation_table(inds, actuals, refs, as_of=as_of)
if not actuals and not refs:
    st.warning(t("ind_enter_hint", lang))
st.info(t("ind_summary", lang).format(date=as_of.isoformat(), **indicator_report.status_counts(table)))
st.dataframe(indicator_report.labelled(table, lang), hide_index=True, width="stretch",
             key="ind_table")
st.caption(t("ind_rule", lang))
st.caption(t("ind_attr_missing", lang))

# ------------------------------------------------------------------ path chart
st.subheader(t("ind_chart", lang))
by_id = {i.id: i for i in inds}
words = (lambda x: gloss(x) or x) if lang == "en" else (lambda x: x)   # the plan's words, glossed in English
left, right = ("（", "）") if lang == "zh" else (" (", ")")
pick = select_per_language(st, t("ind_pick", lang), list(by_id), "ind_pick", lang, lambda i: (
    f"{by_id[i].seq}. {words(by_id[i].name)}{left}{words(by_id[i].target_text)}{right}"))
ind = by_id[pick]
frame = indicators.path_frame(ind, actuals.get(pick, {}), refs.get(pick, {}))
if frame.empty:
    st.caption(t("ind_status_no_data", lang))
else:
    title = f"{words(ind.name)}{left}{words(ind.unit)}{right}"
    st.altair_chart(indicator_report.path_chart(frame, title, lang),
                    width="stretch")

# ------------------------------------------------------------------ entry (editors)
st.subheader(t("ind_entry", lang))
editor = editor_login(store.tracker, lang, key="ind", readonly_note=t("ind_readonly_viewer", lang))
if editor is not None:
    kinds = ["actual", "reference"] if ind.target.worded else ["actual"]
    c1, c2 = st.columns(2)
    # One kind selector per indicator: a worded target offers the reference value too.
    kind = c1.selectbox(t("ind_kind", lang), kinds, key=f"ind_kind_{pick}_{lang}",
                        format_func=lambda k: t(f"ind_kind_{k}", lang))
    year = c2.selectbox(t("ind_year", lang), list(range(ind.base_year + 1, ind.end_year + 1)),
                        key="ind_year")
    if kind == "reference":
        st.caption(t("ind_reference_help", lang).format(target=ind.target_text))
    # The version this session last showed for each (indicator, year, kind): an entry is based
    # on it, so a value someone else saved meanwhile is detected instead of overwritten.
    seen = st.session_state.setdefault("ind_seen_version", {})
    slot = (pick, year, kind)
    version = store.version(pick, year, kind)
    with st.form(f"ind_entry_{pick}", clear_on_submit=True):
        value = st.text_input(t("ind_value", lang), key="ind_value_text")
        source = st.text_input(t("ind_source", lang), key="ind_value_source")
        note = st.text_input(t("ind_note", lang), key="ind_value_note")
        if st.form_submit_button(t("ind_save", lang), type="primary"):
            try:
                row = store.record(pick, year, value, kind=kind, editor=editor,
                                   expected_version=seen.get(slot, version), source=source,
                                   note=note)
                seen[slot] = row["version"]
                st.session_state["ind_flash"] = t("ind_saved", lang).format(version=row["version"])
                st.rerun()
            except StaleVersionError as exc:
                st.error(t("tr_stale", lang).format(
                    name=markdown_text(f"{ind.name} {year} {t(f'ind_kind_{kind}', lang)}"),
                    who=markdown_text(exc.changed_by),
                    when=format_time(exc.changed_at), current=exc.current_version,
                    expected=exc.expected_version))
            except (indicators.IndicatorError, auth.EditorRequiredError, TrackerError) as exc:
                st.error(text_of(exc, lang))   # bad value, logged out, store busy
    seen[slot] = version
if "ind_flash" in st.session_state:
    st.success(st.session_state.pop("ind_flash"))

history = store.history()
with st.expander(t("ind_history", lang)):
    st.dataframe(indicator_report.history_table(history, store.indicators, lang), hide_index=True,
                 width="stretch", key="ind_history_table")

# ------------------------------------------------------------------ mid-term export
st.subheader(t("ind_export", lang))
c1, c2 = st.columns(2)
c1.download_button(t("ind_download_xlsx", lang),
                   indicator_report.evaluation_xlsx(table, history, store.indicators, lang),
                   file_name=f"indicators_{as_of.isoformat()}.xlsx", key="ind_dl_xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
try:
    c2.download_button(t("ind_download_pdf", lang),
                       indicator_report.evaluation_pdf(table, as_of, lang),
                       file_name=f"indicators_{as_of.isoformat()}.pdf", mime="application/pdf",
                       key="ind_dl_pdf")
except CJKFontMissingError as exc:
    c2.error(t("bf_font_missing", lang))
    c2.code(str(exc), language=None)

with st.expander(t("ind_baseline_tables", lang)):
    st.dataframe(read_baseline_tables(plan.indicators_dir).drop(columns=["source", "estimated"]),
                 hide_index=True,
                 width="stretch", key="ind_baseline_table")
