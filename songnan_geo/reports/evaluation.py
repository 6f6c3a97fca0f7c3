"""The final evaluation (终期评估) for people: gathered from the stores and layers, written as
PDF (CJK font embedded), XLSX (one sheet per section) or HTML (every text escaped).

:func:`evaluation_for` is the one call of the page and of ``python -m songnan_geo evaluate``:
it reads the tracker's items and history, the indicator values, the carrier register, the
zones and the life-circle coverage (:func:`life_circle_rows`, an adapter over
:mod:`songnan_geo.lifecircle.coverage`), and the planners' texts, and returns
:func:`songnan_geo.plan.evaluation.build_evaluation`'s :class:`~songnan_geo.plan.evaluation.Evaluation`.
:data:`WRITERS` turns one into bytes.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import io
import os
from collections.abc import Mapping

import altair as alt
import geopandas as gpd
import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from songnan_geo import clock
from songnan_geo.briefing.fonts import cjk_pdf_font
from songnan_geo.briefing.map import CJKFontMissingError, cjk_font_path
from songnan_geo.coords.crs import TOWN_CRS
from songnan_geo.layers import spreadsheet
from songnan_geo.lifecircle.coverage import coverage_by_area, coverage_summary
from songnan_geo.lifecircle.standards import city_targets, load_builtin_standards
from songnan_geo.plan import carriers, registry as plans
from songnan_geo.plan.evaluation import Evaluation, build_evaluation, result_label
from songnan_geo.store.carriers import CarrierStore
from songnan_geo.store.db import format_time
from songnan_geo.store.evaluation import EvaluationStore
from songnan_geo.store.indicators import IndicatorStore, indicators_of
from songnan_geo.store.schema import SEED_USER
from songnan_geo.text.i18n import t
from songnan_geo.text.safe_text import pdf_text

FORMATS = ("pdf", "xlsx", "html")
#: The life-circle standard the evaluation measures coverage with, and the city target.
LIFE_STANDARD = "gb50180_2018"
CITY_TARGET = "sh_2025"


# --------------------------------------------------------------------------- gathering

def life_circle_rows(layers: Mapping[str, gpd.GeoDataFrame], standard: str = LIFE_STANDARD,
                     target: str = CITY_TARGET, lang: str = "zh") -> tuple[pd.DataFrame, str]:
    """Population coverage of each facility type of ``standard`` against the city's target.

    An adapter over :func:`songnan_geo.lifecircle.coverage.coverage_by_area` (straight-line distance,
    the residential layer's ``population``), kept small so that it can follow the coverage
    indicators' own API later.

    Returns
    -------
    (DataFrame, str)
        Rows ``facility_type``, ``radius_m`` (m), ``facilities`` (count), ``covered_share``
        (0–1), ``target_share`` (0–1); and the target's title in ``lang`` with 待核 / "to be
        verified" when its figure is not certain.
    """
    std = load_builtin_standards()
    std = std[std["standard"] == standard]
    targets = city_targets().set_index("target")
    share = float(targets.at[target, "share"])
    title = targets.at[target, "title_en" if lang == "en" else "title_zh"]
    if not bool(targets.at[target, "certain"]):
        title += " (to be verified)" if lang == "en" else "（待核）"
    residential, facilities = layers["residential"], layers["facilities"]
    rows = []
    for r in std.itertuples():
        fac = facilities[facilities["type"] == r.facility_type]
        covered = 0.0
        if len(fac):
            covered = coverage_summary(coverage_by_area(residential, fac, float(r.radius_m)),
                                       "population")["share"]
        rows.append({"facility_type": r.facility_type, "radius_m": float(r.radius_m),
                     "facilities": len(fac), "covered_share": covered, "target_share": share})
    return pd.DataFrame(rows), title


def evaluation_for(plan: plans.Plan, tracker, layers: Mapping[str, gpd.GeoDataFrame], *,
                   as_of: dt.date | None = None, lang: str = "zh") -> Evaluation:
    """The final evaluation of ``plan`` from the tracker's database and the layers.

    Parameters
    ----------
    plan : songnan_geo.plan.registry.Plan
    tracker : songnan_geo.store.tracker.TrackerStore
        The database with the items, their history, the indicator values, the carrier
        register and the planners' texts.
    layers : dict of str to GeoDataFrame
        The data layers (EPSG:4326): ``zones``, ``carrier_parks``, ``residential``,
        ``facilities``.
    as_of : datetime.date, optional
        Default: the period's end once it is over, else today (:meth:`Plan.default_as_of`).
    """
    as_of = as_of or plan.default_as_of()
    inds = indicators_of(plan)
    values = IndicatorStore(tracker, inds).values() if inds else ({}, {})
    items, history = tracker.items(), tracker.history()
    register = CarrierStore(tracker).current(layers["carrier_parks"])
    by_seq = {i.seq for i in inds}
    progress = None
    if plan.carrier_indicator_seqs and set(plan.carrier_indicator_seqs) <= by_seq:
        progress = carriers.target_progress(register, inds, values[0], as_of=plan.period_end)
    zones = layers["zones"]
    zone_carriers = carriers.carriers_by_zone(register.to_crs(zones.crs), zones)
    life, title = life_circle_rows(layers, lang=lang)
    texts = EvaluationStore(tracker).texts(plan.id)
    ev = build_evaluation(
        plan, lang=lang, as_of=as_of, generated=clock.now().strftime("%Y-%m-%d %H:%M"),
        indicators=inds, actuals=values[0], refs=values[1], items=items, history=history,
        carrier_progress=progress, zones=pd.DataFrame(zones.drop(columns=zones.geometry.name)),
        zone_carriers=zone_carriers, life_circle=life, city_target_title=title, texts=texts,
        seed_user=SEED_USER)
    try:
        return dataclasses.replace(ev, map_png=results_map_png(layers, ev.items, lang))
    except CJKFontMissingError:     # the report says the rest; the PDF writer names the fix
        return ev


#: Colours of the results on the map and in the chart.
RESULT_COLOURS = {"done": "#2e7d32", "done_late": "#9ccc65", "not_done": "#c62828",
                  "no_data": "#9e9e9e", "no_target": "#cfd8dc"}


def results_map_png(layers: Mapping[str, gpd.GeoDataFrame], items: pd.DataFrame, lang: str,
                    font_path: str | os.PathLike | None = None) -> bytes:
    """A map of the town (boundary, the zones of 一心三线) with the parcels coloured by their
    result (:data:`RESULT_COLOURS`), drawn in :data:`songnan_geo.coords.crs.TOWN_CRS`; PNG bytes.
    Parcel outlines are estimated (as the layer says), and the caption says so."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    from matplotlib.patches import Patch

    font_path = str(cjk_font_path(font_path))
    font_manager.fontManager.addfont(font_path)
    fp = font_manager.FontProperties(fname=font_path, size=8)
    res = items.set_index("id")["result"]
    parcels = layers["parcels"].to_crs(TOWN_CRS)
    parcels = parcels.assign(result=parcels["id"].map(res).fillna("no_target"))
    fig, ax = plt.subplots(figsize=(7.5, 5.2), dpi=150)
    layers["boundary"].to_crs(TOWN_CRS).boundary.plot(ax=ax, color="#444444", linewidth=0.8)
    layers["zones"].to_crs(TOWN_CRS).plot(ax=ax, color="#fff3c4", edgecolor="#d9a400", linewidth=0.6,
                                          alpha=0.6)
    parcels.plot(ax=ax, color=[RESULT_COLOURS[r] for r in parcels["result"]], edgecolor="#333333",
                 linewidth=0.4)
    shown = [r for r in RESULT_COLOURS if r in set(parcels["result"])]
    ax.legend(handles=[Patch(color=RESULT_COLOURS[r], label=result_label(r, lang)) for r in shown],
              prop=fp, loc="lower left", frameon=True)
    ax.set_title(t("ev_map_title", lang), fontproperties=font_manager.FontProperties(fname=font_path,
                                                                                    size=10))
    ax.set_axis_off()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def results_chart(ev: Evaluation) -> alt.Chart:
    """Bars of the results (完成 / 逾期完成 / 未完成 / 无数据) of the indicators, the parcels and
    projects with a target, the carrier targets and the life-circle facility types."""
    rows = [{"part": t(f"ev_chart_{part}", ev.lang), "result": result_label(r, ev.lang), "key": r,
             "count": n} for part, counts in ev.figures.items() for r, n in counts.items() if n]
    colours = {"done": "#2e7d32", "done_late": "#9ccc65", "not_done": "#c62828", "no_data": "#9e9e9e",
               "no_target": "#cfd8dc"}
    keys = [k for k in colours if any(r["key"] == k for r in rows)]
    return alt.Chart(pd.DataFrame(rows, columns=["part", "result", "key", "count"])).mark_bar().encode(
        y=alt.Y("part:N", title=None, sort=None), x=alt.X("count:Q", title=None, stack="zero"),
        color=alt.Color("result:N", title=None,
                        scale=alt.Scale(domain=[result_label(k, ev.lang) for k in keys],
                                        range=[colours[k] for k in keys])),
        tooltip=["part:N", "result:N", "count:Q"]).properties(height=160)


def texts_history_table(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The planners' texts' history for people, newest first: part, version, who, when, text."""
    h = history.sort_values("seq", ascending=False)
    return pd.DataFrame({
        t("ev_edit_section", lang): [t(f"ev_planner_{p}", lang) for p in h["part"]],
        t("tr_col_version", lang): h["version"].tolist(),
        t("tr_col_username", lang): h["username"].tolist(),
        t("tr_col_recorded_at", lang): [format_time(x) for x in h["recorded_at"]],
        t("ev_edit_text", lang): h["text"].tolist()})


# --------------------------------------------------------------------------- writers

def to_xlsx(ev: Evaluation) -> bytes:
    """One sheet per section: its sentences, then each table under its title.

    Every text is stored as text (one starting with ``=`` never becomes a formula)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for sec in ev.sections:
            name = sec.title[:31]
            head = pd.DataFrame({sec.title: [ev.title, ev.subtitle, *sec.paragraphs]})
            head.to_excel(xw, sheet_name=name, index=False)
            row = len(head) + 2
            for tab in sec.tables:
                pd.DataFrame({tab.title: [tab.note] if tab.note else []}).to_excel(
                    xw, sheet_name=name, index=False, startrow=row)
                row += 2 + bool(tab.note)
                tab.frame.to_excel(xw, sheet_name=name, index=False, startrow=row)
                row += len(tab.frame) + 3
        spreadsheet.protect_workbook(xw.book)
    return buf.getvalue()


_CSS = ("body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;"
        "font-size:12px;margin:.5em 0 1.5em}td,th{border:1px solid #bbb;padding:3px 5px;"
        "vertical-align:top}th{background:#f0f0f0}.note{color:#555;font-size:12px}")


def to_html(ev: Evaluation) -> str:
    """A self-contained HTML page; every text (names, values, planners' texts) is escaped."""
    esc = html.escape
    parts = [f'<!DOCTYPE html><html lang="{esc(ev.lang)}"><head><meta charset="utf-8">',
             f"<title>{esc(ev.title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{esc(ev.title)}</h1><p class=\"note\">{esc(ev.subtitle)}</p>"]
    for sec in ev.sections:
        parts.append(f'<section id="{esc(sec.key)}"><h2>{esc(sec.title)}</h2>')
        parts += [f"<p>{esc(p)}</p>" for p in sec.paragraphs]
        if sec.key == "spatial" and ev.map_png:
            parts.append(f'<img alt="{esc(t("ev_map_title", ev.lang))}" style="max-width:100%" '
                         f'src="data:image/png;base64,{base64.b64encode(ev.map_png).decode("ascii")}">'
                         f'<p class="note">{esc(t("ev_map_caption", ev.lang))}</p>')
        for tab in sec.tables:
            parts.append(f"<h3>{esc(tab.title)}</h3>")
            if tab.note:
                parts.append(f'<p class="note">{esc(tab.note)}</p>')
            parts.append(tab.frame.to_html(index=False, escape=True, na_rep="", border=0))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def to_pdf(ev: Evaluation, font_path: str | os.PathLike | None = None) -> bytes:
    """An A4 landscape PDF with the CJK font embedded; every text is escaped for reportlab's
    paragraph markup."""
    font = cjk_pdf_font(font_path)

    def style(name, size, **kw):   # CJK wrapping breaks anywhere: only for Chinese
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.35,
                              wordWrap="CJK" if ev.lang == "zh" else None, bulletFontName=font, **kw)

    s_title, s_sub, s_h2 = style("title", 16), style("sub", 8.5), style("h2", 12.5, spaceBefore=8)
    s_h3, s_body, s_cell = style("h3", 10, spaceBefore=4), style("body", 9), style("cell", 6.8)
    s_note = style("note", 7.5, textColor=colors.HexColor("#555555"))
    width = landscape(A4)[0] - 20 * mm

    def para(text, st):
        return Paragraph(pdf_text(str(text)).replace("\n", "<br/>"), st)

    story = [para(ev.title, s_title), para(ev.subtitle, s_sub), Spacer(1, 3 * mm)]
    for sec in ev.sections:
        story.append(para(sec.title, s_h2))
        story += [para(p, s_body) for p in sec.paragraphs]
        if sec.key == "spatial" and ev.map_png:
            story += [Image(io.BytesIO(ev.map_png), width=150 * mm, height=104 * mm, kind="proportional"),
                      para(t("ev_map_caption", ev.lang), s_note)]
        for tab in sec.tables:
            story.append(para(tab.title, s_h3))
            if tab.note:
                story.append(para(tab.note, s_note))
            frame = tab.frame.astype(object).where(tab.frame.notna(), "")
            data = [[para(c, s_cell) for c in frame.columns]]
            data += [[para(v, s_cell) for v in row] for row in frame.itertuples(index=False)]
            lengths = [max([min(len(w), 14) for w in str(c).split()] +
                           [min(len(str(v)), 60) for v in frame[c]]) + 3 for c in frame.columns]
            total = sum(lengths) or 1
            grid = Table(data, colWidths=[width * n / total for n in lengths], repeatRows=1)
            grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                                      ("FONTNAME", (0, 0), (-1, -1), font),
                                      ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0")),
                                      ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story += [grid, Spacer(1, 2 * mm)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=10 * mm, bottomMargin=10 * mm, title=ev.title,
                            initialFontName=font)  # so the PDF references no unembedded font
    doc.build(story)
    return buf.getvalue()


def write(ev: Evaluation, fmt: str, font_path: str | os.PathLike | None = None) -> bytes:
    """The evaluation as ``fmt`` (pdf, xlsx or html) bytes."""
    if fmt == "pdf":
        return to_pdf(ev, font_path)
    if fmt == "xlsx":
        return to_xlsx(ev)
    if fmt == "html":
        return to_html(ev).encode("utf-8")
    raise ValueError(f"format {fmt!r} unknown; use one of {', '.join(FORMATS)}.")


def filename(ev: Evaluation, fmt: str) -> str:
    """``evaluation_fyp14_2025-12-31_zh.pdf``."""
    return f"evaluation_{ev.plan_id}_{ev.as_of.isoformat()}_{ev.lang}.{fmt}"
