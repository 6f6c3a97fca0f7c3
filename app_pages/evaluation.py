"""终期评估 — a plan's final evaluation: sections as a 规划实施评估 report, planners' texts, exports."""
import streamlit as st

from songnan_geo import auth
from songnan_geo.briefing.fonts import cjk_pdf_font
from songnan_geo.briefing.map import CJKFontMissingError
from songnan_geo.plan import evaluation
from songnan_geo.reports import evaluation as evaluation_report
from songnan_geo.store.evaluation import EvaluationStore, EvaluationTextError
from songnan_geo.store.tracker import StaleVersionError, TrackerError, format_time
from songnan_geo.text.error_messages import text_of
from songnan_geo.text.i18n import t
from songnan_geo.text.safe_text import markdown_text
from songnan_ui.login import editor_login
from songnan_ui.page import stores_or_stop
from songnan_ui.plan_select import as_of_input, plan_selector

lang = st.session_state.get("lang", "zh")
layers = st.session_state["layers"]
st.title(t("evaluation", lang))
st.caption(t("ev_intro", lang))

tracker = stores_or_stop(lang).tracker
texts = EvaluationStore(tracker)

top_left, top_right = st.columns([3, 2])
with top_right:
    editor = editor_login(tracker, lang, key="ev", readonly_note=t("ev_readonly_viewer", lang))
with top_left:
    plan = plan_selector(lang, key="ev")
    as_of = as_of_input(plan, lang, "ev_as_of", t("tr_as_of", lang))

ev = evaluation_report.evaluation_for(plan, tracker, layers, as_of=as_of, lang=lang)
st.subheader(markdown_text(ev.title))
st.caption(markdown_text(ev.subtitle))
st.altair_chart(evaluation_report.results_chart(ev), width="stretch")
for sec in ev.sections:
    st.subheader(sec.title)
    for paragraph in sec.paragraphs:   # planners' texts among them: shown as plain text
        st.text(paragraph)
    if sec.key == "spatial" and ev.map_png:
        st.image(ev.map_png, caption=t("ev_map_caption", lang))
    for tab in sec.tables:
        st.markdown(f"**{tab.title}**")
        st.dataframe(tab.frame, hide_index=True, width="stretch", key=f"ev_tbl_{tab.key}")
        if tab.note:
            st.caption(tab.note)

# ------------------------------------------------------------------ planners' texts (editors)
st.divider()
st.subheader(t("ev_edit", lang))
if editor is not None:
    part = st.selectbox(t("ev_edit_section", lang), list(evaluation.TEXT_PARTS), key=f"ev_part_{lang}",
                        format_func=lambda p: t(f"ev_planner_{p}", lang))
    # The version this session last showed: a save is based on it, so one someone else saved
    # meanwhile is reported instead of overwritten.
    seen = st.session_state.setdefault("ev_seen_version", {})
    slot = (plan.id, part)
    version = texts.version(plan.id, part)
    current = texts.texts(plan.id).get(part)
    with st.form(f"ev_form_{plan.id}_{part}"):
        body = st.text_area(t("ev_edit_text", lang), value=current.text if current else "", height=200,
                            key=f"ev_text_{plan.id}_{part}")
        if st.form_submit_button(t("ev_save", lang), type="primary"):
            try:
                row = texts.save(plan.id, part, body, editor=editor, expected_version=seen.get(slot, version))
                seen[slot] = row["version"]
                st.session_state["ev_flash"] = t("ev_saved", lang).format(version=row["version"])
                st.rerun()
            except StaleVersionError as exc:
                st.error(t("tr_stale", lang).format(
                    name=t(f"ev_planner_{part}", lang), who=markdown_text(exc.changed_by),
                    when=format_time(exc.changed_at),
                    current=exc.current_version, expected=exc.expected_version))
            except (EvaluationTextError, auth.EditorRequiredError, TrackerError) as exc:
                st.error(text_of(exc, lang))
    seen[slot] = version
if "ev_flash" in st.session_state:
    st.success(st.session_state.pop("ev_flash"))
with st.expander(t("ev_history", lang)):
    st.dataframe(evaluation_report.texts_history_table(texts.history(plan.id), lang), hide_index=True,
                 width="stretch", key="ev_history_table")

# ------------------------------------------------------------------ exports
st.subheader(t("ev_downloads", lang))
mimes = {"pdf": "application/pdf", "html": "text/html",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
for col, fmt in zip(st.columns(3), evaluation_report.FORMATS):
    try:
        if fmt == "pdf":
            cjk_pdf_font()   # fail here, not on click, when the font is missing
    except CJKFontMissingError as exc:
        col.error(t("bf_font_missing", lang))
        col.code(str(exc), language=None)
        continue
    # written on click (a PDF takes seconds)
    col.download_button(t(f"ev_download_{fmt}", lang), lambda fmt=fmt: evaluation_report.write(ev, fmt),
                        file_name=evaluation_report.filename(ev, fmt), mime=mimes[fmt], on_click="ignore",
                        key=f"ev_dl_{fmt}")
