"""Briefing documents: HTML (Jinja2, map embedded as a base64 PNG) and PDF (reportlab, CJK font
embedded).

:func:`briefing_view` turns a :class:`songnan_geo.briefing.facts.Briefing` into the texts both
formats print (labels in the chosen language, numbers formatted, estimated values marked), so
the HTML and the PDF say the same thing. :func:`render_html` and :func:`render_pdf` lay them
out; :func:`make_briefing` runs the whole chain for one site and :func:`write_briefing` writes
the files, as the page and the ``briefing`` command do.

The PDF embeds a subset of a TrueType font with Chinese glyphs (reportlab always embeds
TrueType fonts), found by :func:`songnan_geo.briefing.map.cjk_font_path`
(``$SONGNAN_CJK_FONT`` or Debian's ``fonts-wqy-microhei``); without one,
:class:`~songnan_geo.briefing.map.CJKFontMissingError` names the package to install.
"""
from __future__ import annotations

import base64
import datetime as _dt
import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import jinja2
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from songnan_geo.briefing.facts import Briefing, WalkFn, briefing_facts, roads_walk_fn
from songnan_geo.briefing.fonts import cjk_pdf_font
from songnan_geo.briefing.map import HIGHLIGHT, MapImage, draw_site_map
from songnan_geo.plan.registry import lateness
from songnan_geo.plan.workflow import PeriodError
from songnan_geo.text.glossary import gloss
from songnan_geo.text.i18n import LANGS, t, value_label
from songnan_geo.text.safe_text import pdf_text

#: Output formats and their file suffixes / MIME types.
FORMATS: dict[str, str] = {"html": "text/html", "pdf": "application/pdf"}

#: The tool's name in Chinese (a document in ``lang`` prints ``t("app_title", lang)``).
TOOL_NAME = t("app_title", "zh")


@dataclass
class DocTable:
    """A table of the briefing: title, column headers, rows of texts, and a note below."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    empty: str = ""
    note: str = ""
    widths: tuple[float, ...] = ()   # relative column widths (PDF); equal when empty


@dataclass
class BriefingView:
    """The texts of a briefing in one language, ready to lay out."""

    lang: str
    title: str
    subtitle: str
    date_line: str
    facts_title: str
    facts: list[tuple[str, str]]
    map_caption: str
    tables: list[DocTable] = field(default_factory=list)
    contact_label: str = ""
    contact: str = ""
    contact_is_placeholder: bool = True
    notes_title: str = ""
    notes: list[str] = field(default_factory=list)
    colon: str = "："          # between a label and its text
    tool: str = ""             # the tool's name, in the footer
    originals_title: str = ""
    originals: list[str] = field(default_factory=list)   # quoted plan text in Chinese (English view)


# --------------------------------------------------------------------------- formatting

def _km(m: float) -> str:
    return f"{m / 1000:g}"


def format_m(m: float | None, lang: str, estimated: bool = False) -> str:
    """A distance in whole metres with thousands separators, e.g. ``1,030 米〔估〕``."""
    if m is None:
        return t("bf_walk_na", lang)
    return t("bf_m", lang).format(m=f"{round(m):,}") + (_est(lang) if estimated else "")


def format_area(area_m2: float | None, lang: str, estimated: bool = False) -> str:
    """Area as hectares (2 decimals) and square metres, e.g. ``20.31 公顷（203,097 平方米）``."""
    if area_m2 is None:
        return t("bf_area_point", lang)
    return t("bf_area_fmt", lang).format(ha=f"{area_m2 / 1e4:,.2f}", m2=f"{round(area_m2):,}") + (
        _est(lang) if estimated else "")


def _est(lang: str) -> str:
    return f"〔{t('bf_est_mark', lang)}〕" if lang == "zh" else f" [{t('bf_est_mark', lang)}]"


def est_mark(lang: str) -> str:
    """The mark after an estimated value: ``〔估〕`` in Chinese, `` [est.]`` in English."""
    return _est(lang)


def _or_not_given(value: str | None, lang: str) -> str:
    return value if value else t("bf_not_given", lang)


def _join(items, lang: str) -> str:
    """A list in running text: joined by 、 in Chinese, by ", " in English."""
    return ("、" if lang == "zh" else ", ").join(items)


def _paren(text: str, lang: str) -> str:
    """`` (text)`` in English, ``（text）`` in Chinese."""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def _name(zh: str, en: str | None, lang: str) -> str:
    """A proper name in ``lang``: the English form in English when the data has one, else the
    Chinese (a name with no English form stays as it is)."""
    return en if lang == "en" and en else zh


def _lines(lines: str, lang: str) -> str:
    """Metro lines (``3号线``, or several joined by 、 ; ,) in ``lang``: ``Line 3``."""
    if lang == "zh" or not lines:
        return lines
    return ", ".join(value_label(x.strip(), lang, False) for x in re.split(r"[、;；,，]", lines) if x.strip())


class _Words:
    """Data text in ``lang``: unchanged in Chinese; in English the catalogue's gloss
    (:func:`songnan_geo.text.glossary.gloss`), or the Chinese marked as untranslated. Quoted plan
    text gets its gloss in quotation marks, and its Chinese original is kept for the appendix."""

    def __init__(self, lang: str):
        self.lang = lang
        self.originals: list[str] = []

    def text(self, value: str | None, start: bool = True) -> str | None:
        """``value`` in the view's language; in English with a capital when it starts a cell."""
        if self.lang == "zh" or not value:
            return value
        en = gloss(value)
        if en is None:
            return f"{value}{_paren(t('bf_untranslated', self.lang), self.lang)}"
        return en[:1].upper() + en[1:] if start else en

    def quote(self, value: str) -> str:
        if self.lang == "zh":
            return f"“{value}”"
        if value not in self.originals:
            self.originals.append(value)
        en = gloss(value)
        return f"“{en}”" if en else f"“{value}”{_paren(t('bf_untranslated', self.lang), self.lang)}"


def _deadline_passed(deadline: str | None, as_of: _dt.date) -> bool:
    """Whether a plan deadline (``YYYY``, ``YYYY-MM`` or a date) ended before ``as_of``, as the
    plan registry judges an unfinished item (:func:`songnan_geo.plan.registry.lateness`); a
    deadline that is no period is not said to be past."""
    try:
        return lateness(deadline, None, as_of) is not None
    except PeriodError:
        return False


def briefing_view(b: Briefing, lang: str = "zh", map_image: MapImage | None = None
                  ) -> BriefingView:
    """The texts of briefing ``b`` in ``lang`` ('zh' or 'en'); ``map_image`` for the caption
    (which basemap, if any, is under the map).

    In English every label, enumerated value and unit is English; names are the data's English
    names where it has them (``name_en``; names without one stay Chinese); quoted plan text and
    other data text are glossed from :mod:`songnan_geo.text.glossary`, and the quoted passages'
    Chinese originals are listed in ``originals``.
    """
    if lang not in LANGS:
        raise ValueError(f"lang '{lang}' is not supported. Use one of: {', '.join(LANGS)}.")
    words = _Words(lang)
    site = b.site
    kind = t(f"bf_kind_{site.kind}", lang)
    title = site.name if lang == "zh" or site.name_en in ("", site.name) else \
        f"{site.name_en} ({site.name})"
    colon = "：" if lang == "zh" else ": "
    facts: list[tuple[str, str]] = [
        (t("bf_area", lang), format_area(b.area_m2, lang, b.geometry_estimated)),
        (t("bf_location", lang), t("bf_location_fmt", lang).format(
            est=t("bf_estimated_pos" if b.geometry_estimated else "bf_surveyed_pos", lang),
            acc=f"{b.accuracy_m:g}" if b.accuracy_m is not None else "?")),
    ]
    if site.kind != "zone":
        zones = _join([_name(z.name, z.name_en, lang) for z in b.zones], lang)
        facts.append((t("bf_zone", lang), zones or t("bf_zone_none", lang)))
    for z in b.zones:
        ref = _paren(words.text(z.plan_ref, start=False), lang) if z.plan_ref else ""
        facts.append((t("bf_plan_words", lang),
                      f"{_name(z.name, z.name_en, lang)}{colon}{words.quote(z.role_quote)}{ref}"))
        if z.industries_quote:
            facts.append((t("bf_industries", lang), words.quote(z.industries_quote)))
    if site.kind == "parcel":
        facts.append((t("bf_status", lang), t("bf_status_fmt", lang).format(
            status=_or_not_given(value_label(b.status, lang), lang), as_of=b.status_as_of or "?")))
        if b.status_source:
            facts.append((t("bf_status_source", lang), words.text(b.status_source)))
        milestone = t("bf_milestone_fmt", lang).format(
            target=_or_not_given(words.text(b.plan_target), lang),
            deadline=_or_not_given(b.plan_deadline, lang)) if b.plan_target else \
            t("bf_not_given", lang)
        if b.plan_target and _deadline_passed(b.plan_deadline, b.as_of):
            milestone += ("；" if lang == "zh" else "; ") + t("bf_deadline_passed", lang).format(
                deadline=b.plan_deadline, as_of=b.as_of.isoformat())
        if b.milestone_note:
            milestone += ("；" if lang == "zh" else "; ") + words.text(b.milestone_note, start=False)
        facts.append((t("bf_milestone", lang), milestone))
        facts.append((t("bf_planned_use", lang), _or_not_given(words.text(b.planned_use), lang)))
    elif site.kind == "park":
        facts.append((t("bf_status", lang), _or_not_given(value_label(b.status, lang), lang) + (
            _paren(words.text(b.status_source, start=False), lang) if b.status_source else "")))
        facts.append((t("bf_theme", lang), _or_not_given(words.text(b.theme), lang)))
        if b.address:
            facts.append((t("bf_address", lang), b.address))   # a proper name: no English form
    else:
        facts.append((t("bf_planned_use", lang), _or_not_given(words.text(b.planned_use), lang)))
        facts.append((t("bf_parcels_inside", lang),
                      _join([_name(p.name, p.name_en, lang) for p in b.parcels_inside], lang)
                      or t("bf_none_within", lang)))
    if b.plan_quote and site.kind != "zone":
        facts.append((t("bf_plan_quote", lang), words.quote(b.plan_quote)))

    r_km = _km(b.neighbour_radius_m)
    # English states are longer ("Under construction" against 在建): a wider state column
    neighbour_widths = (32, 38, 10, 20) if lang == "zh" else (30, 34, 16, 20)
    transit = DocTable(
        t("bf_transit", lang),
        [t("bf_station", lang), t("bf_line", lang), t("bf_state", lang), t("bf_straight", lang),
         t("bf_walk", lang)],
        [[_name(s.name, s.name_en, lang), _lines(s.lines, lang), value_label(s.state, lang, False),
          format_m(s.straight_m, lang, s.estimated), format_m(s.walk_m, lang, s.estimated)]
         for s in b.stations],
        note=t("bf_walk_note" if b.walking_available else "bf_walk_na_note", lang),
        widths=(24, 16, 12, 24, 24))
    parks = DocTable(
        t("bf_neighbours", lang).format(r=r_km),
        [t("bf_name", lang), t("bf_detail", lang), t("bf_state", lang), t("bf_distance", lang)],
        [[_name(p.name, p.name_en, lang) + (_paren(t("bf_yiyuan", lang), lang) if p.yiyuan_lou else ""),
          p.detail if lang == "zh" else (words.text(p.theme) or ""),
          value_label(p.state, lang, False),
          format_m(p.dist_m, lang, p.estimated)] for p in b.parks],
        empty=t("bf_none_within", lang), widths=neighbour_widths)
    enterprises = DocTable(
        t("bf_enterprises", lang).format(r=r_km),
        [t("bf_name", lang), t("bf_detail", lang), t("bf_state", lang), t("bf_distance", lang)],
        [[_name(e.name, e.name_en, lang),
          e.detail if lang == "zh" else t("bf_enterprise_at", lang).format(
              group=words.text(e.group), park=_name(e.park_name, e.park_name_en, lang)),
          value_label(e.state, lang, False), format_m(e.dist_m, lang, e.estimated)]
         for e in b.enterprises],
        empty=t("bf_none_within", lang),
        note=t("bf_unplaced", lang).format(names=_join(
            b.enterprises_unplaced if lang == "zh" else b.enterprises_unplaced_en, lang))
        if b.enterprises_unplaced else "", widths=neighbour_widths)
    facilities = DocTable(
        t("bf_facilities", lang).format(r=_km(b.facility_radius_m)),
        [t("bf_type", lang), t("bf_nearest", lang), t("bf_distance", lang),
         t("bf_count_within", lang)],
        [[value_label(f.type, lang, False), _name(f.nearest_name, f.nearest_name_en, lang),
          format_m(f.dist_m, lang, f.estimated), f"{f.count_within:,}"]
         for f in b.facilities],
        empty=t("bf_none_within", lang), widths=(26, 40, 20, 14))
    notes = [t("bf_note_estimated", lang), words.text(b.source)] if b.source else \
        [t("bf_note_estimated", lang)]
    return BriefingView(
        lang=lang, title=title, subtitle=f"{t('briefing', lang)} · {kind}",
        date_line=f"{t('bf_date', lang)}{colon}{b.as_of.isoformat()}",
        facts_title=t("bf_facts", lang), facts=facts,
        map_caption=_map_caption(map_image, r_km, lang),
        tables=[transit, parks, enterprises, facilities],
        contact_label=t("bf_contact", lang),
        contact=t("bf_contact_placeholder", lang) if b.contact_is_placeholder else b.contact,
        contact_is_placeholder=b.contact_is_placeholder,
        notes_title=t("bf_notes", lang), notes=notes, colon=colon, tool=t("app_title", lang),
        originals_title=t("bf_originals", lang).format(n=len(words.originals)),
        originals=words.originals)


def _map_caption(map_image: MapImage | None, r_km: str, lang: str) -> str:
    if map_image is not None and map_image.basemap_attribution:
        return t("bf_map_caption_tiles", lang).format(r=r_km, attr=map_image.basemap_attribution)
    caption = t("bf_map_caption", lang).format(r=r_km)
    if map_image is not None and map_image.tiles_error:
        caption += t("bf_map_tiles_failed", lang)
    return caption


# --------------------------------------------------------------------------- HTML

_HTML = jinja2.Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="{{ 'zh-CN' if v.lang == 'zh' else 'en' }}">
<head>
<meta charset="utf-8">
<title>{{ v.title }} — {{ v.subtitle }}</title>
<style>
  @page { size: A4; margin: 14mm; }
  body { font-family: {% if v.lang == 'en' %}"Liberation Sans", Arial, "DejaVu Sans",
         {% endif %}"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC",
         sans-serif; color: #222; max-width: 190mm; margin: 0 auto; padding: 8px; font-size: 13px;
         line-height: 1.45; }
  header { border-bottom: 3px solid {{ highlight }}; margin-bottom: 8px; }
  h1 { font-size: 22px; margin: 0; }
  .sub { color: #555; display: flex; justify-content: space-between; }
  h2 { font-size: 15px; margin: 12px 0 4px; border-left: 4px solid {{ highlight }}; padding-left: 6px; }
  figure { margin: 6px 0; } figure img { width: 100%; height: auto; border: 1px solid #ccc; }
  figcaption { color: #666; font-size: 11px; }
  table { border-collapse: collapse; width: 100%; margin: 2px 0 4px; }
  th, td { border: 1px solid #d0d0d0; padding: 3px 6px; text-align: left; vertical-align: top; }
  th { background: #f3f3f3; font-weight: 600; }
  table.facts th { width: 9em; }
  .note, .empty { color: #666; font-size: 11.5px; }
  details:not([open]) > :not(summary) { display: none; }  /* folded: not laid out at all */
  .placeholder { background: #fff3cd; border: 1px dashed #c9a227; padding: 0 4px; }
  footer { margin-top: 10px; border-top: 1px solid #ccc; padding-top: 4px; font-size: 11.5px; color: #555; }
</style>
</head>
<body>
<header>
  <h1>{{ v.title }}</h1>
  <div class="sub"><span>{{ v.subtitle }}</span><span>{{ v.date_line }}</span></div>
</header>
<figure>
  <img alt="{{ v.map_caption }}" width="{{ map_w }}" height="{{ map_h }}"
       src="data:image/png;base64,{{ map_b64 }}">
  <figcaption>{{ v.map_caption }}</figcaption>
</figure>
<h2>{{ v.facts_title }}</h2>
<table class="facts">
{% for label, value in v.facts %}  <tr><th>{{ label }}</th><td>{{ value }}</td></tr>
{% endfor %}</table>
{% for tb in v.tables %}
<h2>{{ tb.title }}</h2>
{% if tb.rows %}<table>
  <tr>{% for h in tb.headers %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in tb.rows %}  <tr>{% for c in row %}<td>{{ c }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% else %}<p class="empty">{{ tb.empty }}</p>{% endif %}
{% if tb.note %}<p class="note">{{ tb.note }}</p>{% endif %}
{% endfor %}
<footer>
  <p><strong>{{ v.contact_label }}</strong>{{ v.colon }}<span
     class="{{ 'placeholder' if v.contact_is_placeholder else '' }}">{{ v.contact }}</span></p>
  <p><strong>{{ v.notes_title }}</strong></p>
  {% for n in v.notes %}<p class="note">{{ n }}</p>{% endfor %}
  {%- if v.originals %}<details class="originals"><summary class="note">{{ v.originals_title }}</summary>
  {% for o in v.originals %}<p class="note" lang="zh-CN">“{{ o }}”</p>{% endfor %}
  </details>{% endif %}
  <p class="note">{{ v.tool }} · {{ v.date_line }}</p>
</footer>
</body>
</html>
""")


def render_html(b: Briefing, map_image: MapImage, lang: str = "zh") -> str:
    """A self-contained HTML briefing (UTF-8 text; the map inline as a base64 PNG)."""
    # the image's size in the markup: its space is laid out before it decodes, so a frame that
    # measures the document's height (the page's preview) measures it whole
    return _HTML.render(v=briefing_view(b, lang, map_image), highlight=HIGHLIGHT,
                        map_w=map_image.width_px, map_h=map_image.height_px,
                        map_b64=base64.b64encode(map_image.png).decode("ascii"))


# --------------------------------------------------------------------------- PDF

def render_pdf(b: Briefing, map_image: MapImage, lang: str = "zh",
               font_path: str | os.PathLike | None = None) -> bytes:
    """An A4 PDF briefing with the CJK font embedded (subset); returns the PDF bytes."""
    v = briefing_view(b, lang, map_image)
    font = cjk_pdf_font(font_path)

    def style(name, size, leading=None, color=colors.black, **kw):
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.35,
                              textColor=color, alignment=TA_LEFT,
                              # Chinese breaks between any two characters; English at spaces (a
                              # word longer than its cell is still split: splitLongWords)
                              wordWrap="CJK" if lang == "zh" else None,
                              bulletFontName=font, **kw)

    s_title, s_sub = style("title", 18, 23), style("sub", 9.5, color=colors.HexColor("#555555"))
    s_h2, s_body = style("h2", 11.5, 15, spaceBefore=6, spaceAfter=3), style("body", 8.6)
    s_note = style("note", 7.6, color=colors.HexColor("#555555"))
    s_th = style("th", 8.6, color=colors.HexColor("#222222"))

    def p(text, st=s_body):
        return Paragraph(pdf_text(text), st)   # its mini-markup never reads data

    width = A4[0] - 28 * mm
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8c8c8")),
                       ("FONTNAME", (0, 0), (-1, -1), font),
                       ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                       ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                       ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)])
    story = [p(v.title, s_title), p(f"{v.subtitle}    {v.date_line}", s_sub), Spacer(1, 3 * mm)]
    img_w = width * 0.86
    img_h = img_w * map_image.height_px / map_image.width_px
    story += [Image(io.BytesIO(map_image.png), width=img_w, height=img_h),
              p(v.map_caption, s_note), p(v.facts_title, s_h2)]
    facts = Table([[p(k, s_th), p(val)] for k, val in v.facts], colWidths=[26 * mm, width - 26 * mm])
    facts.setStyle(grid)
    facts.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f3f3"))]))
    story.append(facts)
    for tb in v.tables:
        block = [p(tb.title, s_h2)]
        if tb.rows:
            rel = tb.widths or (1,) * len(tb.headers)
            table = Table([[p(h, s_th) for h in tb.headers]] + [[p(c) for c in row] for row in tb.rows],
                          colWidths=[width * w / sum(rel) for w in rel], repeatRows=1)
            table.setStyle(grid)
            table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3"))]))
            block.append(table)
        else:
            block.append(p(tb.empty, s_note))
        if tb.note:
            block.append(p(tb.note, s_note))
        story.append(KeepTogether(block))
    contact = f"{v.contact_label}{v.colon}{v.contact}"
    story += [Spacer(1, 3 * mm), p(contact, style("contact", 9, color=colors.HexColor(
        "#8a6d00" if v.contact_is_placeholder else "#222222"))), p(v.notes_title, s_h2)]
    story += [p(n, s_note) for n in v.notes]
    if v.originals:   # the Chinese of the plan passages an English briefing quotes in translation
        story += [p(v.originals_title, s_h2)] + [p(f"“{o}”", s_note) for o in v.originals]

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=v.title,
                            subject=v.subtitle, author=v.tool, creator=v.tool,
                            initialFontName=font)  # so the PDF references no unembedded font
    doc.build(story)
    return buf.getvalue()


# --------------------------------------------------------------------------- one site

@dataclass
class BriefingOutput:
    """One site's briefing: its facts, its map and the documents (``{format: bytes}``)."""

    facts: Briefing
    map_image: MapImage
    documents: dict[str, bytes]


def make_briefing(layers: Mapping[str, gpd.GeoDataFrame], manifest: dict, site_id: str, *,
                  lang: str = "zh", formats: tuple[str, ...] = ("html", "pdf"), dpi: float = 110,
                  status: Mapping[str, Mapping] | None = None, contact: str | None = None,
                  as_of: _dt.date | None = None, walk_fn: WalkFn | None = None,
                  walking: bool = True, basemap: str = "blank",
                  font_path: str | os.PathLike | None = None) -> BriefingOutput:
    """Facts, map and documents (``formats``: 'html', 'pdf') of one site.

    See :func:`songnan_geo.briefing.facts.briefing_facts` for ``status``, ``contact``, ``as_of``
    and ``walk_fn``; without ``walk_fn`` and with ``walking`` (default), walking distances
    follow the ``roads`` layer (:func:`songnan_geo.briefing.facts.roads_walk_fn`). ``dpi`` is the
    map's resolution; ``basemap`` an optional online basemap drawn under it when reachable
    (:func:`songnan_geo.briefing.map.draw_site_map`).

    Raises
    ------
    CJKFontMissingError
        Before any drawing, when no CJK font is found (the map's labels need it too).
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"formats {bad} unknown. Use any of: {', '.join(FORMATS)}.")
    cjk_pdf_font(font_path)  # fail before any work when the font is missing
    if walk_fn is None and walking and "roads" in layers:
        walk_fn = roads_walk_fn(layers["roads"])
    facts = briefing_facts(layers, site_id, status=status, contact=contact, as_of=as_of,
                           walk_fn=walk_fn)
    image = draw_site_map(layers, manifest, site_id, lang=lang, dpi=dpi,
                          ring_m=facts.neighbour_radius_m, font_path=font_path, basemap=basemap)
    docs = {}
    if "html" in formats:
        docs["html"] = render_html(facts, image, lang).encode("utf-8")
    if "pdf" in formats:
        docs["pdf"] = render_pdf(facts, image, lang, font_path)
    return BriefingOutput(facts, image, docs)


def briefing_filename(site_id: str, fmt: str, lang: str = "zh") -> str:
    """File name of a briefing: ``briefing_<site id>[_en].<format>``."""
    return f"briefing_{site_id}{'' if lang == 'zh' else '_' + lang}.{fmt}"


def write_briefing(out_dir: str | os.PathLike, site_id: str, documents: Mapping[str, bytes],
                   lang: str = "zh") -> list[Path]:
    """Write ``documents`` (``make_briefing(...).documents``) to ``out_dir``; return the paths.

    Each file is written to a temporary name and renamed, so a reader never sees half a file.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt, data in documents.items():
        path = out / briefing_filename(site_id, fmt, lang)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        paths.append(path)
    return paths
