"""Hostile text through every renderer: shown literally, never markup, script or template.

The corpus (tests/hostile.py) holds Jinja2 syntax (``{{ }}``, ``{% %}``, ``{#``), ``</script>``,
``<img onerror>``, backticks, ``${}``, quotes, RTL marks, backslashes, Markdown, a 10 kB name
and canaries that would set an environment variable or write a file if a template engine
evaluated them. Each renderer — the map (popups, tooltips, legend, layer control, map
controls, the page st_folium builds), the coverage map, the briefing (HTML, PDF, map image)
and the indicator report PDF — gets them and must show each one literally, with no canary
fired. What Chromium shows is tested in test_hostile_browser.py.
"""
from __future__ import annotations

import copy
import html
import io
import json
import re
from html.parser import HTMLParser

import geopandas as gpd
import hostile
import pandas as pd
import pytest
from conftest import DATA_DIR
from hostile import HOSTILE, canary_fired, reset_canaries, script_markup, script_texts
from pypdf import PdfReader
from shapely.geometry import Point, box

from songnan_geo.layers.io import load_all_layers, read_manifest
from songnan_geo.maps.clicks import pending_point
from songnan_geo.maps.controls import MapControl
from songnan_geo.maps.coverage_map import build_coverage_base_map, coverage_overlays
from songnan_geo.maps.folium_map import build_map
from songnan_geo.maps.popups import popup_html
from songnan_geo.text import safe_text

MARKUP_CHARS = set("<>&")


@pytest.fixture(autouse=True)
def _canaries():
    reset_canaries()
    yield
    assert canary_fired() == [], "a hostile string was evaluated"
    reset_canaries()


def _assert_literal(page: str, strings, where: str) -> None:
    """Each string shows literally in the page's scripts, only escaped in their markup."""
    assert canary_fired(page) == [], where
    assert not safe_text.template_syntax(page), \
        f"{where}: Jinja2 syntax left in the rendered page"
    shown, markup = script_texts(page), script_markup(page)
    for s in strings:
        assert s in shown, f"{where}: {s[:60]!r} not shown literally"
        if set(s) & MARKUP_CHARS:
            assert s not in markup, f"{where}: {s[:60]!r} reaches innerHTML unescaped"


# --------------------------------------------------------------------------- helpers

@pytest.mark.parametrize("s", list(HOSTILE.values()), ids=list(HOSTILE))
def test_html_text_is_literal_and_inert(s):
    out = safe_text.html_text(s)
    assert html.unescape(out) == s
    assert not set(out) & set("<>\"'`{}$\\")
    assert not safe_text.template_syntax(out)


@pytest.mark.parametrize("s", list(HOSTILE.values()), ids=list(HOSTILE))
def test_js_literal_round_trips_without_script_end_or_template_syntax(s):
    for value in (s, {"k": s, "nested": {"list": [s, 1, None, True]}}):
        out = safe_text.js_literal(value)
        assert json.loads(out) == value
        assert "<" not in out and not safe_text.template_syntax(out)
    with pytest.raises(ValueError):
        safe_text.js_literal(float("inf"))


def test_js_literal_writes_chinese_as_itself_and_escapes_what_utf8_or_old_engines_cannot_take():
    text = "淞南镇\u2028第二行\u2029\ud800尾"
    out = safe_text.js_literal(text)
    assert out.startswith('"淞南镇') and "\\u6dde" not in out      # one character, not six
    assert "\u2028" not in out and "\u2029" not in out and "\\u2028" in out and "\\u2029" in out
    assert "\\ud800" in out
    out.encode("utf-8")   # no lone surrogate left: the page can be sent
    assert json.loads(out) == text


@pytest.mark.parametrize("s", list(HOSTILE.values()), ids=list(HOSTILE))
def test_markdown_text_escapes_every_markdown_character(s):
    out = safe_text.markdown_text(s)
    assert re.sub(r"\\(.)", r"\1", out) == s
    # every special character is preceded by a backslash
    assert not re.search(r"[\[\]*_`#<>!:$|~&]", re.sub(r"\\.", "", out))
    for line in re.sub(r"\\.", "", out).splitlines():   # no list/quote marker opens a line
        assert not re.match(r"\s*(\d+[.)]|[-+=>])", line)


def test_markdown_text_leaves_plain_sentences_and_escapes_line_starts():
    assert safe_text.markdown_text("数值（value）'abc' 无法识别，例如 3.5 (x)。") == \
        "数值（value）'abc' 无法识别，例如 3.5 (x)。"
    assert safe_text.markdown_text("1. a\n- b\n> c") == "1\\. a\n\\- b\n\\> c"


def test_pdf_and_plot_text():
    assert safe_text.pdf_text("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert safe_text.plot_text("$x^2$ costs $5") == r"\$x^2\$ costs \$5"


# --------------------------------------------------------------------------- the map

def _hostile_layers():
    """Facilities named by the corpus (one per string), a zone and a parcel too."""
    strings = list(HOSTILE.values())
    n = len(strings)
    fac = gpd.GeoDataFrame({
        "id": [f"f{i}" for i in range(n - 1)] + [HOSTILE["jinja_expr"]],  # one id not plain
        "name": strings, "name_en": strings[::-1],
        "source": [HOSTILE["img_onerror"]] * n, "accuracy_m": [10.0] * n,
        "estimated": [True] * n, "type": [HOSTILE["jinja_block"]] * n, "state": ["现有"] * n,
        "capacity": [None] * n, "capacity_unit": [HOSTILE["template_literal"]] * n,
    }, geometry=[Point(121.47 + 0.002 * i, 31.35) for i in range(n)], crs="EPSG:4326")
    zones = gpd.GeoDataFrame({
        "id": ["centre"], "name": [HOSTILE["jinja_comment_cn"]], "name_en": [HOSTILE["rtl"]],
        "source": ["s"], "accuracy_m": [50.0], "estimated": [True],
    }, geometry=[box(121.47, 31.34, 121.48, 31.35)], crs="EPSG:4326")
    return {"facilities": fac, "zones": zones}


def _hostile_manifest():
    man = copy.deepcopy(read_manifest())
    man["layers"]["facilities"]["title"] = {"zh": HOSTILE["canary_file"],
                                           "en": HOSTILE["canary_system"]}
    man["layers"]["zones"]["title"] = {"zh": HOSTILE["canary_env"], "en": HOSTILE["stfolium_ref"]}
    return man


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_page_shows_every_hostile_text_literally(lang):
    layers, man = _hostile_layers(), _hostile_manifest()
    m = build_map(layers, man, lang=lang)
    page = m.get_root().render()        # what branca renders: each script again as a template
    names = list(HOSTILE.values()) if lang == "zh" else list(layers["facilities"]["name_en"])
    titles = ([HOSTILE["canary_file"], HOSTILE["canary_env"]] if lang == "zh"
              else [HOSTILE["canary_system"], HOSTILE["stfolium_ref"]])
    zone = HOSTILE["jinja_comment_cn"] if lang == "zh" else HOSTILE["rtl"]
    _assert_literal(page, names + titles + [zone, HOSTILE["img_onerror"], HOSTILE["jinja_block"],
                                            HOSTILE["template_literal"]], f"map page ({lang})")
    # the layer control lists the titles; the legend names the zone by its name
    control = next(c for c in m._children.values() if type(c).__name__ == "LayerControl")
    assert {html.unescape(k) for k in control.overlays} >= set(titles)
    legend = next(c for c in m._children.values() if type(c).__name__ == "Legend")
    assert zone in html.unescape(legend.html) and titles[0] in html.unescape(legend.html)
    # the feature whose id is not plain is drawn, under its row number
    gj = [c for g in m._children.values() for c in getattr(g, "_children", {}).values()
          if type(c).__name__ == "GeoJson"]
    ids = [f["id"] for g in gj for f in g.data["features"]]
    assert HOSTILE["jinja_expr"] not in ids and len(ids) == len(HOSTILE) + 1


def test_map_script_st_folium_sends_shows_every_hostile_text_literally():
    """st_folium renders the figure, then sends each element's script macro output."""
    sf = pytest.importorskip("streamlit_folium")
    m = build_map(_hostile_layers(), _hostile_manifest())
    m.get_root().render()
    m.render()
    header, script = sf._get_header(m), sf._get_map_string(m)
    _assert_literal(script, list(HOSTILE.values()) + [HOSTILE["canary_file"]], "st_folium script")
    assert canary_fired(header) == []


def test_popup_html_escapes_keys_values_and_title():
    props = {f"k_{k}": v for k, v in HOSTILE.items()}
    props.update({"name": HOSTILE["script_close"], HOSTILE["img_onerror"]: HOSTILE["quotes"],
                  "estimated": True, "note": [HOSTILE["jinja_expr"]]})
    out = popup_html(props, HOSTILE["jinja_comment_open"], "zh")
    text = html.unescape(out)
    for s in [*HOSTILE.values(), HOSTILE["img_onerror"]]:
        assert s in text
    assert "<img" not in out and "<script" not in out and not safe_text.template_syntax(out)


def test_map_controls_and_pending_point_are_literal():
    m = build_map({}, read_manifest())
    MapControl(HOSTILE["jinja_expr"] + HOSTILE["script_close"]).add_to(m)
    MapControl(safe_text.html_text(HOSTILE["jinja_comment_cn"]), html=True).add_to(m)
    pending_point(121.49, 31.35, HOSTILE["template_literal"] + HOSTILE["backticks"]).add_to(m)
    page = m.get_root().render()
    _assert_literal(page, [HOSTILE["jinja_comment_cn"]], "map controls")
    text = HOSTILE["jinja_expr"] + HOSTILE["script_close"]   # plain text: set as textContent
    assert f"div.textContent = {safe_text.js_literal(text)};" in page and text in script_texts(page)
    # folium's Tooltip writes its text into a JS template literal: no ` or ${ may reach it
    tip = re.search(r"bindTooltip\(\s*`(.*?)`", page, re.S)
    assert tip and "`" not in tip.group(1) and "${" not in tip.group(1)
    assert HOSTILE["template_literal"] + HOSTILE["backticks"] in html.unescape(tip.group(1))


# --------------------------------------------------------------------------- coverage map

def test_coverage_map_shows_hostile_names_and_types_literally():
    types = [HOSTILE["jinja_expr"], HOSTILE["img_onerror"]]
    titles = {types[0]: HOSTILE["canary_env"], types[1]: HOSTILE["jinja_comment_cn"]}
    man = _hostile_manifest()
    ctx = {"zones": _hostile_layers()["zones"]}
    m, control = build_coverage_base_map(ctx, man, service_types=types, type_titles=titles)
    sq = box(121.47, 31.34, 121.48, 31.35)
    names = [HOSTILE["script_close"], HOSTILE["long"]]
    res = gpd.GeoDataFrame({"name": names, "population": [100.0, 200.0],
                            "covered_pop": [50.0, 0.0], "covered_share": [0.5, 0.0]},
                           geometry=[sq, sq], crs="EPSG:4326")
    sa = gpd.GeoDataFrame({"group": types, "radius_m": [300.0, 500.0]},
                          geometry=[sq, sq], crs="EPSG:4326")
    unc = gpd.GeoDataFrame({"name": [HOSTILE["canary_file"]]}, geometry=[sq], crs="EPSG:4326")
    pts = gpd.GeoDataFrame({"name": [HOSTILE["backslash"], HOSTILE["canary_system"]]},
                           geometry=[Point(121.475, 31.345)] * 2, crs="EPSG:4326")
    for g in coverage_overlays(residential=res, service_areas=sa, uncovered=unc, facilities=pts,
                               candidates=pts, best_sites=pts, service_types=types,
                               type_titles=titles):
        g.add_to(m)
    control.add_to(m)
    page = m.get_root().render()
    _assert_literal(page, [*titles.values(), *names, HOSTILE["canary_file"], HOSTILE["backslash"],
                           HOSTILE["canary_system"]], "coverage map")


# --------------------------------------------------------------------------- briefing, report

class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.parts.append(data)


def test_briefing_html_pdf_and_map_show_hostile_names_literally():
    from songnan_geo.briefing.render import make_briefing

    layers = {k: v.copy() for k, v in load_all_layers(DATA_DIR).items()}
    man = copy.deepcopy(read_manifest(DATA_DIR))
    short = [v for k, v in HOSTILE.items() if k != "long"]
    site_name = " | ".join(short)
    p = layers["parcels"]
    p.loc[p["id"] == "p_dongya", "name"] = site_name
    st = layers["metro_stations"]
    st["name"] = [short[i % len(short)] for i in range(len(st))]
    man["layers"]["metro_stations"]["title"]["zh"] = HOSTILE["markdown"] + HOSTILE["canary_file"]
    out = make_briefing(layers, man, "p_dongya", dpi=40,
                        contact=HOSTILE["canary_env"] + HOSTILE["img_onerror"])
    doc = out.documents["html"].decode("utf-8")
    parser = _Text()
    parser.feed(doc)
    text = "".join(parser.parts)
    assert site_name in text and HOSTILE["canary_env"] + HOSTILE["img_onerror"] in text
    assert "script" not in parser.tags and "img" in parser.tags and parser.tags.count("img") == 1
    assert canary_fired(doc) == []
    pdf = re.sub(r"\s+", "", "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(
        out.documents["pdf"])).pages))
    for s in (HOSTILE["jinja_expr"], HOSTILE["script_close"], HOSTILE["img_onerror"],
              HOSTILE["jinja_comment_cn"]):
        assert re.sub(r"\s+", "", s) in pdf, s
    assert canary_fired(pdf) == [] and out.map_image.png.startswith(b"\x89PNG")


def test_indicator_report_pdf_shows_hostile_cells_literally():
    import datetime as dt

    from songnan_geo.plan.indicators import Indicator, evaluation_table
    from songnan_geo.reports import indicators as indicator_report

    inds = [Indicator(id=f"i{i}", seq=i, category=HOSTILE["img_onerror"], name=s,
                      unit=HOSTILE["jinja_comment_open"], target_text="稳步增长",
                      attribute=HOSTILE["script_close"],
                      measure="level", better="higher", baseline=None)
            for i, s in enumerate([HOSTILE["jinja_expr"], HOSTILE["entity"],
                                   HOSTILE["canary_file"]], start=1)]
    table = evaluation_table(inds, {}, {}, as_of=dt.date(2022, 12, 31))
    pdf = indicator_report.evaluation_pdf(table, dt.date(2022, 12, 31), "zh")
    text = re.sub(r"\s+", "", "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pdf)).pages))
    for s in (HOSTILE["jinja_expr"], HOSTILE["entity"], HOSTILE["img_onerror"],
              HOSTILE["script_close"], HOSTILE["jinja_comment_open"]):
        assert re.sub(r"\s+", "", s) in text, s
    assert canary_fired(text) == []


def test_corpus_has_what_the_issue_lists():
    values = "".join(HOSTILE.values())
    for needle in ("{{", "{%", "{#", "</script>", "onerror", "`", "${", "'", '"', "\u202e"):
        assert needle in values
    assert len(hostile.LONG_NAME) >= 10_000
    assert str(hostile.CANARY_FILE) in HOSTILE["canary_file"]


def test_the_canaries_fire_when_a_template_engine_evaluates_them():
    """The canaries are real: evaluated by Jinja2 they set the variable and write the file."""
    import jinja2

    for key in ("canary_env", "canary_file", "canary_system"):
        reset_canaries()
        jinja2.Template(HOSTILE[key]).render()
        assert canary_fired(), key
    reset_canaries()
    assert canary_fired(jinja2.Template(HOSTILE["jinja_expr"]).render()) != []


def test_xlsx_reports_store_formula_like_text_as_text():
    """A name starting with '=' in a tracker/indicator/carrier XLSX is text, never a formula."""
    import openpyxl

    from songnan_geo.reports.tracker import tables_xlsx

    names = ['=HYPERLINK("http://x.invalid","y")', "=1+2", HOSTILE["jinja_expr"], "@SUM(1)"]
    data = tables_xlsx({"t": pd.DataFrame({"name": names, "n": [1, 2.5, None, 4]})})
    ws = openpyxl.load_workbook(io.BytesIO(data))["t"]
    assert [c.value for c in ws["A"]][1:] == names
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert [c.value for c in ws["B"]][1:] == [1, 2.5, None, 4]


def test_the_evaluation_mark_is_a_standalone_1337_not_chance_digits_in_ids():
    """folium's random hex ids once held "1337" and failed a clean page; an evaluation still fails."""
    from jinja2 import Template

    assert hostile.eval_mark_in(Template(HOSTILE["jinja_expr"]).render())
    assert hostile.eval_mark_in(Template("超长名称{{ 7*191 }}长").render())
    assert not hostile.eval_mark_in('var circle_marker_9f1337ab0c = L.circleMarker([31.3, 121.51337])')
    assert not hostile.eval_mark_in('id="map_a1337"; x = 21337; "1337b"')
