"""In Chromium: hostile names and titles in the data show literally, run nothing, open no dialog.

The app runs on a copy of data/geo (SONGNAN_DATA_DIR) whose facilities are named by the
hostile-string corpus (tests/hostile.py: Jinja2 syntax, ``</script>``, ``<img onerror>``,
backticks, ``${}``, quotes, RTL marks, a 10 kB name, canaries that would write a file on the
server if evaluated), whose facilities layer has a hostile title and a facility a hostile
source. The overview map's popups, tooltips, layer control and legend, the coverage map's
tooltips and the catalogue must show each text as it is, with a dialog listener that records
any ``alert``/``confirm``/``prompt``, no page error, no ``1337`` (``7*191`` evaluated) in any
frame, and no canary file written by the server.
"""
from __future__ import annotations

import json
import shutil

import hostile
import pytest
from conftest import DATA_DIR, open_app_page, serve_app
from hostile import EVAL_MARK, HOSTILE, eval_mark_in
from test_browser import assert_clean, layer_control_titles, map_frame, poll, wait_title

from songnan_geo.text.i18n import t

pytestmark = pytest.mark.browser

NAMES = list(HOSTILE.values())
TITLE = HOSTILE["canary_file"] + " " + HOSTILE["img_onerror"]
SOURCE = HOSTILE["markdown"] + " " + HOSTILE["jinja_expr"]

# In the map frame: fire a click and a mouseover on every facility marker (Leaflet passes them
# to the GeoJson layer's popup and tooltip, as a real click/hover does) and read what shows.
OPEN_ALL_JS = """(layer) => {
    const maps = Object.values(window).filter(v => v instanceof L.Map);
    const out = {popups: [], tooltips: []};
    maps.forEach(m => {
        const feats = [];
        m.eachLayer(l => { if (l.feature && l.feature.properties.layer === layer) feats.push(l); });
        feats.forEach(l => {
            const latlng = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
            l.fire('click', {latlng: latlng}, true);
            const p = document.querySelector('.leaflet-popup-content .sn-popup-name');
            // the name's text node; an "estimated" badge follows it after one space
            out.popups.push(p ? p.firstChild.textContent.replace(
                p.querySelector('.sn-badge') ? / $/ : /^$/, '') : null);
            l.fire('mouseover', {latlng: latlng}, true);
            const tips = document.querySelectorAll('.leaflet-tooltip');
            out.tooltips.push(tips.length ? tips[tips.length - 1].textContent.trim() : null);
            l.fire('mouseout', {latlng: latlng}, true);
            m.closePopup();
        });
    });
    return out;
}"""

COVERAGE_TIPS_JS = """() => {
    const maps = Object.values(window).filter(v => v instanceof L.Map);
    const out = [];
    maps.forEach(m => m.eachLayer(l => {
        if (l.feature && l.getLatLng) {
            l.fire('mouseover', {latlng: l.getLatLng()}, true);
            const tips = document.querySelectorAll('.leaflet-tooltip');
            if (tips.length) out.push(tips[tips.length - 1].textContent.trim());
            l.fire('mouseout', {latlng: l.getLatLng()}, true);
        }
    }));
    return out;
}"""


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory):
    """A copy of data/geo with hostile facility names (zh and en), title and source."""
    hostile.reset_canaries()
    d = tmp_path_factory.mktemp("hostile") / "geo"
    shutil.copytree(DATA_DIR, d)
    path = d / "facilities.geojson"
    doc = json.loads(path.read_text("utf-8"))
    assert len(doc["features"]) >= len(NAMES)
    for f, name in zip(doc["features"], NAMES):
        f["properties"]["name"] = name
        f["properties"]["name_en"] = name
    doc["features"][0]["properties"]["source"] = SOURCE
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    man_path = d / "manifest.json"
    man = json.loads(man_path.read_text("utf-8"))
    man["layers"]["facilities"]["title"]["zh"] = TITLE
    man_path.write_text(json.dumps(man, ensure_ascii=False, indent=2), "utf-8")
    return d


@pytest.fixture(scope="module")
def hostile_server(hostile_data):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SONGNAN_DATA_DIR", str(hostile_data))
        with serve_app("streamlit-server-hostile.log") as base_url:
            yield base_url


@pytest.fixture
def page(chromium, hostile_server):
    with open_app_page(chromium, hostile_server) as ap:
        ap.dialogs = []

        def on_dialog(dialog):
            ap.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        ap.page.on("dialog", on_dialog)
        yield ap
        assert not ap.dialogs, f"a dialog opened: {ap.dialogs}"
        assert hostile.canary_fired() == [], "the server evaluated a hostile string"


def _settled_and_clean(ap) -> None:
    """After a moment (an onerror or a timer would have fired): nothing evaluated in any frame,
    no external request, no browser error."""
    ap.page.wait_for_timeout(500)
    _no_evaluation(ap)
    assert_clean(ap)


def _no_evaluation(ap) -> None:
    for frame in ap.page.frames:
        try:
            text = frame.evaluate("document.documentElement.outerHTML")
        except Exception:   # a frame being replaced
            continue
        assert not eval_mark_in(text), f"{frame.url}: {EVAL_MARK} (7*191 evaluated)"
        assert "xxx" not in frame.evaluate("document.body ? document.body.innerText : ''")


def test_overview_map_shows_hostile_names_and_title_literally(page):
    ap = page
    ap.page.goto(ap.base_url + "/")
    wait_title(ap, "淞南镇产业布局规划工具")
    frame = map_frame(ap)
    poll(ap, lambda: TITLE in layer_control_titles(frame), "the hostile title in the layer control")
    legend = frame.locator(".sn-legend")
    legend.wait_for(state="visible")
    assert TITLE in legend.evaluate("e => e.textContent")
    shown = poll(ap, lambda: (lambda o: o if o["popups"] else None)(
        frame.evaluate(OPEN_ALL_JS, "facilities")), "facility markers in the map")
    for name in NAMES:
        assert name in shown["popups"], f"popup does not show {name[:60]!r} literally"
        assert name in shown["tooltips"], f"tooltip does not show {name[:60]!r} literally"
    # nothing from the data became an element
    assert frame.evaluate("document.querySelectorAll('.leaflet-container img, "
                          ".leaflet-container script').length") == 0
    _settled_and_clean(ap)


def test_coverage_map_tooltips_show_hostile_names_literally(page):
    ap = page
    ap.page.goto(ap.base_url + "/coverage")
    wait_title(ap, t("coverage", "zh"))
    frame = map_frame(ap)
    tips = poll(ap, lambda: frame.evaluate(COVERAGE_TIPS_JS), "facility points on the coverage map")
    # a facility's tooltip is "name · type": the name part is the corpus string, literally
    names = [tip.rsplit(" · ", 1)[0] for tip in tips]
    drawn = [n for n in NAMES if n in names]
    assert drawn, f"no facility tooltip shows a corpus name; tooltips: {tips[:5]}"
    for name in NAMES:   # a name shown at all is shown whole: never evaluated, cut or changed
        assert all(shown == name for shown in names if shown.startswith(name[:12])), name
    _settled_and_clean(ap)


def test_catalogue_shows_hostile_title_and_source_literally(page):
    ap = page
    ap.page.goto(ap.base_url + "/catalogue")
    wait_title(ap, t("catalogue", "zh"))
    box = ap.page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first
    box.click()
    ap.page.get_by_role("option", name=TITLE).click()
    # the source is said in words; the stored text is in the technical-detail expander
    ap.page.get_by_text(t("prov_other", "zh")).first.wait_for(timeout=60_000)
    ap.page.locator('[data-testid="stExpander"] summary').filter(
        has_text=t("prov_detail", "zh")).click()
    caption = ap.page.locator('[data-testid="stCaptionContainer"]').filter(
        has_text=HOSTILE["jinja_expr"])
    caption.first.wait_for(timeout=60_000)
    assert any(c.strip().endswith(" " + SOURCE) for c in caption.all_text_contents())
    main = ap.page.locator('[data-testid="stMain"]')
    assert main.locator("img, a[href^='javascript']").count() == 0
    _settled_and_clean(ap)
