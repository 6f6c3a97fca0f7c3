"""生活圈体检报告 — the life-circle health check as PDF (reportlab, CJK font embedded) or HTML.

:func:`build_report` runs :func:`songnan_geo.scenario.run_scenario` once for every facility
type the standard covers and, per type, draws a map (matplotlib in TOWN_CRS, no tiles),
lists the 居委 short of full coverage and finds recommended new sites (greedy, existing
facilities kept; gain per site in people and percentage points). :func:`render_html` and
:func:`render_pdf` lay out the same texts: a summary table against the city targets,
then one section per type, then the method and data-quality statement (which positions
and populations are estimated). Every data text is escaped (``html_text``, ``pdf_text``,
``plot_text``). Never imports streamlit.
"""
from __future__ import annotations

import base64
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from songnan_geo.briefing.map import cjk_font_path  # noqa: E402
from songnan_geo.clock import today  # noqa: E402
from songnan_geo.lifecircle import (
    recommend,  # noqa: E402
    scenario as sc,  # noqa: E402
    standards as sd,  # noqa: E402
)
from songnan_geo.lifecircle.siting import grid_candidates  # noqa: E402
from songnan_geo.text.safe_text import html_text, pdf_text, plot_text  # noqa: E402

FORMATS = ("pdf", "html")
#: Symbols of the facility types on the maps, cycled.
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "p", "h", "<", ">", "*", "8", "d"]
COLOURS = ["#1f78b4", "#33a02c", "#6a3d9a", "#ff7f00", "#b15928", "#1b9e77", "#d95f02",
           "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#e31a1c"]

_W = {  # words of the report: key → (zh, en)
    "title": ("淞南镇生活圈体检报告", "Songnan life-circle health check"),
    "summary": ("总表：各类设施覆盖率与城市目标",
                "Summary: coverage per facility type against the city targets"),
    "type": ("设施类型", "Facility type"), "radius": ("服务距离", "Distance"),
    "share": ("覆盖率", "Coverage"), "covered": ("覆盖人口", "People covered"),
    "gap": ("与 {year} 年目标 {t} 的差距", "Gap to the {year} target {t}"),
    "basket": ("全部类型同时可达（综合）", "Every type within reach (basket)"),
    "method": ("方法", "Method"), "definition": ("定义", "Definition"),
    "by_area": ("未全覆盖的居委", "Neighbourhoods not fully covered"),
    "area": ("居委", "Neighbourhood"), "status": ("状态", "Status"),
    "covered_status": ("覆盖", "covered"), "partly": ("部分覆盖", "partly"),
    "none": ("未覆盖", "not covered"),
    "sites": ("建议新增设施点（保留现有设施；逐点增益）",
              "Recommended new sites (existing kept; gain of each)"),
    "order": ("序号", "No."), "gain": ("新增覆盖人口", "People gained"),
    "gain_pp": ("提高（百分点）", "Gain (pp)"), "after": ("累计覆盖率", "Coverage after"),
    "no_sites": ("网格候选点中没有可提高覆盖率的位置。", "No candidate site raises the coverage."),
    "all_covered": ("所有居委均已全覆盖。", "Every neighbourhood is fully covered."),
    "supply": ("供给（两步移动搜索法 2SFCA）：每千人 {v:.1f} {unit}（{k}/{n} 处设施容量已知）",
               "Supply (2SFCA): {v:.1f} {unit} per 1,000 residents "
               "({k}/{n} facilities with a known capacity)"),
    "no_capacity": ("容量（床位/名额/座位）未知：不计算供需比。"
                    "可在“数据管理”中导入或编辑设施图层的 capacity 字段。",
                    "Capacity (beds/places/seats) unknown: no supply ratio. Enter it as the facilities "
                    "layer's capacity field via the data manager's import/edit."),
    "quality": ("方法与数据质量说明", "Method and data quality"),
    "map_note": ("图例：彩色符号为本类现有设施，★ 为建议新增点，红色为未覆盖的居住用地，线框为服务范围。",
                 "Legend: coloured symbols are this type's facilities, ★ recommended sites, red the "
                 "residential land not covered, the outline the service area."),
    "people_unit": ("人", "people"),
}


def _w(key: str, lang: str) -> str:
    return _W[key][1 if lang == "en" else 0]


@dataclass
class TypeSection:
    ftype: str
    map_png: bytes
    sites: gpd.GeoDataFrame
    short: list            # rows of the 居委 not fully covered: (name, status, share, people)
    supply: tuple | None


@dataclass
class LifeCircleReport:
    result: sc.LifeCircleResult
    lang: str
    date: str
    sections: list[TypeSection] = field(default_factory=list)
    targets: object = None
    quality: list[str] = field(default_factory=list)


def _font(path=None):
    p = str(cjk_font_path(path))
    font_manager.fontManager.addfont(p)
    return font_manager.FontProperties(fname=p)


def _polys(geoms, **kw):
    """A matplotlib PathCollection of (multi)polygons (holes kept), TOWN_CRS metres."""
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path as MplPath

    paths = []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        for poly in getattr(g, "geoms", [g]):
            if poly.geom_type != "Polygon":
                continue
            verts, codes = [], []
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                verts.append(xy)
                codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
            paths.append(MplPath(np.concatenate(verts), codes))
    return PathCollection(paths, **kw)


def draw_type_maps(result: sc.LifeCircleResult, sites: Mapping[str, gpd.GeoDataFrame],
                   lang: str = "zh", font_path=None, dpi: int = 100) -> dict[str, bytes]:
    """PNG map per type in TOWN_CRS: residential land (uncovered parts red), the type's
    service area, its facilities (own symbol and colour), the other chosen types faintly,
    the recommended sites (★) and 居委 labels. The common part is drawn once."""
    fp = _font(font_path)
    fig = plt.figure(figsize=(6.4, 5.2), dpi=dpi)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.92))
    res = result.residential
    ax.add_collection(_polys(res.geometry, facecolor="#e8e8e8", edgecolor="#888888", linewidth=0.5))
    for name, pt in zip(res["name"], res.geometry.representative_point()):
        ax.annotate(plot_text(name), (pt.x, pt.y), fontproperties=fp, fontsize=5.5,
                    ha="center", va="center", color="#333333", zorder=6)
    x0, y0, x1, y1 = res.total_bounds
    pad = 0.05 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fac = result.facilities
    out = {}
    for i, ftype in enumerate(result.types):
        colour = COLOURS[i % len(COLOURS)]
        artists = [ax.add_collection(_polys(result.uncovered(ftype).geometry, facecolor="#e31a1c",
                                            alpha=0.55, linewidth=0, zorder=2)),
                   ax.add_collection(_polys(result.service_areas(ftype).geometry, facecolor="none",
                                            edgecolor=colour, linewidth=1.0, zorder=3))]
        others = fac[fac["type"] != ftype].geometry.representative_point()
        own = fac[fac["type"] == ftype].geometry.representative_point()
        artists.append(ax.scatter(others.x, others.y, s=6, c="#bbbbbb", marker=".", zorder=3))
        artists.append(ax.scatter(own.x, own.y, s=42, c=colour, marker=MARKERS[i % len(MARKERS)],
                                  edgecolors="black", linewidths=0.6, zorder=4))
        st = sites.get(ftype)
        if st is not None and len(st):
            pts = st.geometry.representative_point()
            artists.append(ax.scatter(pts.x, pts.y, s=120, c="#ffd92f", marker="*",
                                      edgecolors="black", linewidths=0.6, zorder=5))
        artists.append(ax.set_title(plot_text(f"{ftype} · {result.radius_m[ftype]:g} m · "
                                              f"{result.method_label(lang)}"), fontproperties=fp,
                                    fontsize=10))
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        out[ftype] = buf.getvalue()
        for a in artists[:-1]:
            a.remove()
    plt.close(fig)
    return out


def _quality(layers: Mapping[str, gpd.GeoDataFrame], result: sc.LifeCircleResult, lang: str) -> list[str]:
    fac, res = layers["facilities"], layers["residential"]
    est = int(fac["estimated"].fillna(True).astype(bool).sum()) if "estimated" in fac else len(fac)
    pop_est = (int(res["population_estimated"].fillna(True).astype(bool).sum())
               if "population_estimated" in res else len(res))
    res_est = int(res["estimated"].fillna(True).astype(bool).sum()) if "estimated" in res else len(res)
    zh = lang != "en"
    note = result.upper_bound_note(lang)
    method = (f"方法：{result.method_label(lang)}。{result.method_reason}" + (f"（{note}）" if note else "")
              if zh else f"Method: {result.method_label(lang)}. {result.method_reason}"
              + (f" ({note})" if note else ""))
    lines = [
        method,
        result.definition(sc.BASKET, lang),
        (f"设施位置：{len(fac)} 处中 {est} 处为估计位置（见各要素的 source、accuracy_m）。" if zh else
         f"Facility positions: {est} of {len(fac)} are estimated "
         "(see each feature's source and accuracy_m)."),
        (f"居委：{len(res)} 个中 {res_est} 个边界为估计，{pop_est} 个人口为估计值。" if zh else
         f"Neighbourhoods: {res_est} of {len(res)} boundaries estimated, {pop_est} populations estimated."),
        (f"标准：{sd.standard_title(sd.load_standards(), result.standard, lang)}；"
         "城市目标原文待核。" if zh else
         f"Standard: {sd.standard_title(sd.load_standards(), result.standard, lang)}; the city targets' "
         "source text is to be verified."),
        ("建议新增点：镇域 250 米网格候选点上逐次选取增益最大者（贪心法，保留现有设施）。" if zh else
         "Recommended sites: the 250 m grid over the town, taking the largest gain each time "
         "(greedy; existing facilities kept)."),
    ]
    return lines


def build_report(layers: Mapping[str, gpd.GeoDataFrame], method: str = "auto", lang: str = "zh",
                 standard: str = "gb50180_2018", basis: str = "population", k_sites: int = 3,
                 network=None, font_path=None) -> LifeCircleReport:
    """Everything the report shows (maps rendered), for every type the standard covers."""
    result = sc.run_scenario(layers, None, standard, method, basis, network=network, lang=lang)
    cands = grid_candidates(layers["boundary"], 250.0) if "boundary" in layers else None
    rep = LifeCircleReport(result=result, lang=lang, date=today().isoformat(),
                           targets=result.targets_table(), quality=_quality(layers, result, lang))
    sites = {ftype: (recommend.recommend_sites(result, ftype, cands, k=k_sites, model="greedy")
                     if cands is not None else gpd.GeoDataFrame(geometry=[])) for ftype in result.types}
    maps = draw_type_maps(result, sites, lang, font_path)
    for ftype in result.types:
        area = result.area_table(ftype)
        short = [(n, _w({"covered": "covered_status"}.get(s, s), lang), sc.pct(sh), sc.people(p - c))
                 for n, s, sh, p, c in zip(area["name"], area["status"], area["share"],
                                           area["population"], area["covered_pop"]) if s != "covered"]
        rep.sections.append(TypeSection(ftype, maps[ftype], sites[ftype], short,
                                        recommend.supply_per_1000(result, ftype)))
    return rep


def _summary_rows(rep: LifeCircleReport) -> tuple[list[str], list[list[str]]]:
    lang, r = rep.lang, rep.result
    tg = rep.targets
    years = list(dict.fromkeys(zip(tg["year"], tg["target_share"])))
    head = [_w("type", lang), _w("radius", lang), _w("share", lang), _w("covered", lang)]
    head += [_w("gap", lang).format(year=y, t=sc.pct(s)) for y, s in years]
    rows = []
    for ftype, radius, share, cov in [(sc.BASKET, None, r.basket["share"], r.basket["covered"])] + list(
            zip(r.per_type["type"], r.per_type["radius_m"], r.per_type["share"], r.per_type["covered"])):
        row = [_w("basket", lang) if ftype == sc.BASKET else ftype,
               "—" if radius is None else f"{radius:g} m", sc.pct(share),
               sc.people(cov) if r.basis == "population" else f"{cov / 1e4:,.1f} ha"]
        for y, _ in years:
            g = tg[(tg["year"] == y) & (tg["type"] == ftype)]["gap_pp"].iloc[0]
            row.append(sc.pp(g, lang))
        rows.append(row)
    return head, rows


def _type_texts(rep: LifeCircleReport, sec: TypeSection) -> dict:
    lang, r = rep.lang, rep.result
    row = r.per_type.set_index("type").loc[sec.ftype]
    headline = (f"{sec.ftype}：{sc.pct(row['share'])}（{r.method_label(lang)}，{row['radius_m']:g} 米）"
                if lang != "en" else f"{sec.ftype}: {sc.pct(row['share'])} ({r.method_label(lang)}, "
                f"{row['radius_m']:g} m)")
    sites = [[str(int(o)), sc.people(g), f"{gp:+.1f}", sc.pct(a)] for o, g, gp, a in
             zip(sec.sites.get("order", []), sec.sites.get("gain", []), sec.sites.get("gain_pp", []),
                 sec.sites.get("share_after", []))]
    if sec.supply is None:
        supply = _w("no_capacity", lang)
    else:
        fac = r.facilities[r.facilities["type"] == sec.ftype]
        unit = (str(fac["capacity_unit"].dropna().iloc[0]) if "capacity_unit" in fac and
                fac["capacity_unit"].notna().any() else ("单位" if lang != "en" else "units"))
        supply = _w("supply", lang).format(v=sec.supply[0], unit=unit, k=sec.supply[2], n=sec.supply[3])
    return {"headline": headline, "definition": r.definition(sec.ftype, lang), "sites": sites,
            "supply": supply}


def render_html(rep: LifeCircleReport) -> str:
    """A self-contained HTML report (maps inline as base64 PNG); every text escaped."""
    lang, e = rep.lang, html_text
    head, rows = _summary_rows(rep)

    def table(h, body):
        return ("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in h) + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in body)
                + "</table>")

    parts = [f"<h1>{e(_w('title', lang))}</h1><p>{e(rep.date)} · {e(rep.result.method_label(lang))}</p>",
             f"<h2>{e(_w('summary', lang))}</h2>", table(head, rows),
             f"<p class='note'>{e(rep.result.definition(sc.BASKET, lang))}</p>"]
    for sec in rep.sections:
        tx = _type_texts(rep, sec)
        parts += [f"<section class='type'><h2>{e(tx['headline'])}</h2>",
                  f"<p class='note'>{e(_w('definition', lang))}: {e(tx['definition'])}</p>",
                  f"<img alt='{e(sec.ftype)}' src='data:image/png;base64,"
                  f"{base64.b64encode(sec.map_png).decode('ascii')}'>",
                  f"<p class='note'>{e(_w('map_note', lang))}</p>",
                  f"<h3>{e(_w('by_area', lang))}</h3>",
                  table([_w("area", lang), _w("status", lang), _w("share", lang),
                         ("未覆盖人口" if lang != "en" else "People not covered")], sec.short)
                  if sec.short else f"<p>{e(_w('all_covered', lang))}</p>",
                  f"<h3>{e(_w('sites', lang))}</h3>",
                  table([_w("order", lang), _w("gain", lang), _w("gain_pp", lang), _w("after", lang)],
                        tx["sites"]) if tx["sites"] else f"<p>{e(_w('no_sites', lang))}</p>",
                  f"<p>{e(tx['supply'])}</p></section>"]
    parts += [f"<h2>{e(_w('quality', lang))}</h2>"] + [f"<p>{e(q)}</p>" for q in rep.quality]
    style = ("body{font-family:'WenQuanYi Micro Hei',sans-serif;max-width:900px;margin:auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}"
             ".note{color:#555;font-size:12px}img{max-width:100%}")
    return (f"<!doctype html><html lang='{'en' if lang == 'en' else 'zh-CN'}'><head><meta charset='utf-8'>"
            f"<title>{e(_w('title', lang))}</title><style>{style}</style></head><body>"
            + "".join(parts) + "</body></html>")


def render_pdf(rep: LifeCircleReport, font_path: str | os.PathLike | None = None) -> bytes:
    """An A4 PDF report, CJK font embedded (subset)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from songnan_geo.briefing.fonts import cjk_pdf_font

    lang = rep.lang
    font = cjk_pdf_font(font_path)

    def style(name, size, color=colors.black):
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.35,
                              textColor=color, wordWrap="CJK")

    s_h1, s_h2, s_h3 = style("h1", 16), style("h2", 12), style("h3", 10)
    s_body, s_note = style("body", 8.5), style("note", 7.5, colors.HexColor("#555555"))

    def p(text, st=s_body):
        return Paragraph(pdf_text(text), st)

    width = A4[0] - 28 * mm
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8c8c8")),
                       ("FONTNAME", (0, 0), (-1, -1), font),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3"))])

    def table(head, body):
        t = Table([[p(c) for c in head]] + [[p(c) for c in r] for r in body], repeatRows=1,
                  colWidths=[width / len(head)] * len(head))
        t.setStyle(grid)
        return t

    head, rows = _summary_rows(rep)
    story = [p(_w("title", lang), s_h1), p(f"{rep.date} · {rep.result.method_label(lang)}", s_note),
             Spacer(1, 3 * mm), p(_w("summary", lang), s_h2), table(head, rows),
             p(rep.result.definition(sc.BASKET, lang), s_note)]
    for sec in rep.sections:
        tx = _type_texts(rep, sec)
        story += [Spacer(1, 4 * mm), p(tx["headline"], s_h2),
                  p(f"{_w('definition', lang)}: {tx['definition']}", s_note),
                  Image(io.BytesIO(sec.map_png), width=width * 0.7, height=width * 0.7 * 5.2 / 6.4,
                        kind="proportional"),
                  p(_w("map_note", lang), s_note), p(_w("by_area", lang), s_h3)]
        story.append(table([_w("area", lang), _w("status", lang), _w("share", lang),
                            "未覆盖人口" if lang != "en" else "People not covered"], sec.short)
                     if sec.short else p(_w("all_covered", lang)))
        story.append(p(_w("sites", lang), s_h3))
        story.append(table([_w("order", lang), _w("gain", lang), _w("gain_pp", lang), _w("after", lang)],
                           tx["sites"]) if tx["sites"] else p(_w("no_sites", lang)))
        story.append(p(tx["supply"], s_note))
    story += [Spacer(1, 4 * mm), p(_w("quality", lang), s_h2)] + [p(q, s_note) for q in rep.quality]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=12 * mm,
                      bottomMargin=12 * mm, title=_w("title", lang), initialFontName=font).build(story)
    return buf.getvalue()


def report_bytes(rep: LifeCircleReport, fmt: str = "pdf", font_path=None) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"format is {fmt!r}; use one of {', '.join(FORMATS)}.")
    return render_pdf(rep, font_path) if fmt == "pdf" else render_html(rep).encode("utf-8")


def report_filename(rep: LifeCircleReport, fmt: str) -> str:
    return f"songnan_lifecircle_{rep.result.method}_{rep.lang}_{rep.date}.{fmt}"


def write_report(rep: LifeCircleReport, out_dir: str | os.PathLike, fmt: str = "pdf",
                 font_path=None) -> Path:
    """Write the report into ``out_dir`` (created) atomically; returns the file path."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / report_filename(rep, fmt)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(report_bytes(rep, fmt, font_path))
    os.replace(tmp, path)
    return path
