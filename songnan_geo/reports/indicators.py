"""The plan indicators for people: labelled tables, the path chart, the mid-term export.

The mid-term evaluation (plan section 十(四) 实施过程监督评估) is
:func:`songnan_geo.plan.indicators.evaluation_table` at a chosen date; here it gets the page's
labels, an XLSX workbook (:func:`evaluation_xlsx`, through the tracker's
:func:`songnan_geo.reports.tracker.tables_xlsx`) and an A4 landscape PDF (:func:`evaluation_pdf`,
reportlab with the CJK font of the briefings, :func:`songnan_geo.briefing.map.cjk_font_path`).
"""
from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Mapping

import altair as alt
import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from songnan_geo.briefing.fonts import cjk_pdf_font
from songnan_geo.plan.indicators import STATUSES, Indicator
from songnan_geo.reports.tracker import tables_xlsx
from songnan_geo.store.tracker import format_time
from songnan_geo.text.glossary import glossed
from songnan_geo.text.i18n import t, value_label
from songnan_geo.text.safe_text import pdf_text

EVALUATION_COLUMNS = ["seq", "category", "name", "unit", "target_2025", "attribute",
                      "baseline_2020", "year", "value", "reference_or_target", "expected",
                      "status", "reason"]
#: Columns of :func:`history_table` (before labelling), in order.
HISTORY_COLUMNS = ["indicator", "year", "kind", "value", "version", "recorded_at", "username",
                   "source", "note"]
STATUS_COLOURS = {"on_track": "#2e7d32", "at_risk": "#ef6c00", "missed": "#c62828",
                  "no_data": "#9e9e9e"}


def status_label(status: str, lang: str) -> str:
    return t(f"ind_status_{status}", lang)


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    counts = table["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def labelled(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The evaluation table with the page's column names and status words."""
    out = table[EVALUATION_COLUMNS].copy()
    out["status"] = [status_label(s, lang) for s in out["status"]]
    out["attribute"] = [value_label(a, lang) for a in out["attribute"]]  # 预期性 → Expected (预期性)
    for col in ("category", "name", "unit", "target_2025"):   # the plan's words, glossed in English
        out[col] = [glossed(v, lang) for v in out[col]]
    out["year"] = [("" if pd.isna(y) else str(int(y))) for y in out["year"]]
    return out.rename(columns={c: t(f"ind_col_{c}", lang) for c in EVALUATION_COLUMNS})


def history_table(history: pd.DataFrame, indicators: Mapping[str, Indicator],
                  lang: str) -> pd.DataFrame:
    """The value history for people: labelled columns in ``lang``, oldest entry first.

    Parameters
    ----------
    history : pandas.DataFrame
        :meth:`songnan_geo.store.indicators.IndicatorStore.history` (columns seq, indicator_id,
        year, kind, value, version, recorded_at, username, note, source).
    indicators : mapping of str to Indicator
        Indicator id → :class:`songnan_geo.plan.indicators.Indicator` (for the names); an id not in
        it is shown as is.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS` under their ``ind_hcol_*`` labels: the indicator's
        name instead of its id, the kind as 实际值 / 参考值, the time recorded in Shanghai time
        (:func:`songnan_geo.store.tracker.format_time`) and the editor who entered it.
    """
    out = pd.DataFrame({
        "indicator": [indicators[i].name if i in indicators else str(i)
                      for i in history["indicator_id"]],
        "year": [int(y) for y in history["year"]],
        "kind": [t(f"ind_kind_{k}", lang) for k in history["kind"]],
        "value": list(history["value"]),
        "version": [int(v) for v in history["version"]],
        "recorded_at": [format_time(x) for x in history["recorded_at"]],
        "username": list(history["username"]),
        "source": list(history["source"]),
        "note": list(history["note"]),
    }, columns=HISTORY_COLUMNS)
    return out.rename(columns={c: t(f"ind_hcol_{c}", lang) for c in HISTORY_COLUMNS})


def evaluation_xlsx(table: pd.DataFrame, history: pd.DataFrame,
                    indicators: Mapping[str, Indicator], lang: str) -> bytes:
    """XLSX: the evaluation (one row per indicator) and every entry of the value history
    (:func:`history_table`; ``indicators`` maps id → Indicator for the names)."""
    return tables_xlsx({t("ind_sheet_eval", lang): labelled(table, lang),
                        t("ind_sheet_history", lang): history_table(history, indicators, lang)})


def evaluation_pdf(table: pd.DataFrame, as_of: dt.date, lang: str = "zh",
                   font_path: str | os.PathLike | None = None) -> bytes:
    """An A4 landscape PDF of the evaluation with the CJK font embedded; returns the bytes."""
    font = cjk_pdf_font(font_path)

    def style(name, size):
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3,
                              wordWrap="CJK")

    s_title, s_cell, s_note = style("title", 14), style("cell", 7.5), style("note", 7.5)
    shown = labelled(table, lang)
    # Paragraph reads mini-markup (<b>, <img>, &): every text goes in escaped (safe_text).
    data = [[Paragraph(pdf_text(c), s_cell) for c in shown.columns]]
    data += [[Paragraph(pdf_text(v), s_cell) for v in row] for row in shown.itertuples(index=False)]
    widths = [10, 18, 44, 16, 26, 14, 14, 12, 20, 20, 16, 16, 40]
    grid = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    cmds = [("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
            ("VALIGN", (0, 0), (-1, -1), "TOP")]
    col = EVALUATION_COLUMNS.index("status")
    for i, s in enumerate(table["status"], start=1):
        cmds.append(("BACKGROUND", (col, i), (col, i), colors.HexColor(STATUS_COLOURS[s] + "33")))
    grid.setStyle(TableStyle(cmds))
    counts = status_counts(table)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=10 * mm, bottomMargin=10 * mm,
                            title=t("ind_eval_title", lang).format(date=as_of.isoformat()))
    doc.build([Paragraph(pdf_text(t("ind_eval_title", lang).format(date=as_of.isoformat())), s_title),
               Spacer(1, 3 * mm),
               Paragraph(pdf_text(t("ind_summary", lang).format(date=as_of.isoformat(), **counts)),
                         s_note),
               Spacer(1, 2 * mm), grid, Spacer(1, 3 * mm),
               Paragraph(pdf_text(t("ind_rule", lang)), s_note),
               Paragraph(pdf_text(t("ind_attr_missing", lang)), s_note)])
    return buf.getvalue()


def path_chart(frame: pd.DataFrame, title: str, lang: str) -> alt.Chart:
    """Altair chart of :func:`songnan_geo.plan.indicators.path_frame`: one line/point per series
    (and component of a two-part target)."""
    f = frame.copy()
    f["series_label"] = [t(f"ind_series_{s}", lang) + ("" if c == 0 else f" ({c + 1})")
                         for s, c in zip(f["series"], f["component"])]
    base = alt.Chart(f).encode(
        x=alt.X("year:O", title=t("ind_year", lang)),
        y=alt.Y("value:Q", title=None),
        color=alt.Color("series_label:N", title=None),
        tooltip=["year", "series_label", alt.Tooltip("value:Q", format=".4g")])
    return (base.mark_line(point=True) + base.mark_point(size=80, filled=True)).properties(
        title=title, height=260)
