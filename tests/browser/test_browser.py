"""End to end: the real app in Debian's Chromium, offline.

The session's server is ``python -m streamlit run app.py`` (see conftest.py). Every
request to a host other than 127.0.0.1/localhost is aborted and recorded: the map must
draw with nothing from the internet (Leaflet is served by the app itself).
"""
from __future__ import annotations

import pytest
from conftest import (
    ARTIFACTS,
    LEAFLET_PATHS,
    MAP_IFRAME,
    AppPage,
    app_page_paths,
    expected_svg_paths,
    read_manifest,
)

pytestmark = pytest.mark.browser

MANIFEST = read_manifest()
PATHS = expected_svg_paths()
TOTAL_PATHS = sum(PATHS.values())
TITLE = {"zh": "淞南镇产业布局规划工具", "en": "Songnan Town Planning Tool"}
CATALOGUE = {"zh": "数据目录", "en": "Data catalogue"}
WAIT_MS = 60_000


# --------------------------------------------------------------------------- helpers

def poll(ap: AppPage, check, what: str, timeout_ms: int = WAIT_MS):
    """Call ``check()`` until it returns a truthy value; fail naming ``what``."""
    waited, last = 0, None
    while waited <= timeout_ms:
        try:
            last = check()
        except Exception as exc:  # a frame being replaced while we look at it
            last = exc
        else:
            if last:
                return last
        ap.page.wait_for_timeout(250)
        waited += 250
    pytest.fail(f"timed out after {timeout_ms / 1000:.0f}s waiting for {what} (last: {last!r})")


def open_app(ap: AppPage, path: str = "/", title: str = TITLE["zh"]) -> None:
    ap.page.goto(ap.base_url + path)
    wait_title(ap, title)


def wait_title(ap: AppPage, title: str) -> None:
    """Wait for the page's <h1> ``title``; fail at once with the traceback if the app shows one."""
    exc = ap.page.locator('[data-testid="stException"]')
    ap.page.locator("h1", has_text=title).or_(exc).first.wait_for(state="visible",
                                                                   timeout=WAIT_MS)
    assert exc.count() == 0, (f"the page shows an exception instead of '{title}':\n"
                              + "\n".join(exc.all_inner_texts()))


def map_frame(ap: AppPage):
    """The Leaflet map's frame once the map container is in it."""
    handle = ap.page.wait_for_selector(MAP_IFRAME, state="attached", timeout=WAIT_MS)
    frame = poll(ap, handle.content_frame, "the st_folium iframe's document")
    frame.wait_for_selector(".leaflet-container", timeout=WAIT_MS)
    return frame


def path_count(frame) -> int:
    return frame.evaluate(f"document.querySelectorAll({LEAFLET_PATHS!r}).length")


def wait_paths(ap: AppPage, frame, n: int, exact: bool = False) -> int:
    cmp = "==" if exact else ">="
    poll(ap, lambda: (path_count(frame) == n) if exact else (path_count(frame) >= n),
         f"{cmp} {n} '{LEAFLET_PATHS}' in the map")
    return path_count(frame)


def layer_control_titles(frame) -> list[str]:
    return [s.strip() for s in frame.locator(
        ".leaflet-control-layers-overlays label").all_inner_texts()]


def sidebar(ap: AppPage):
    return ap.page.locator('[data-testid="stSidebar"]')


def assert_shows(locator, message: str, timeout_ms: int = 20_000) -> None:
    """``locator`` becomes visible within ``timeout_ms``, else fail with ``message``."""
    try:
        locator.first.wait_for(state="visible", timeout=timeout_ms)
    except Exception:
        pytest.fail(f"{message} (waited {timeout_ms / 1000:.0f}s for {locator})", pytrace=False)


def assert_clean(ap: AppPage) -> None:
    """Nothing external was requested and no frame logged an error."""
    ext_assets = [(k, u) for k, u in ap.external_requests if k in ("script", "stylesheet")]
    assert not ext_assets, f"external scripts/stylesheets were requested: {ext_assets}"
    assert not ap.external_requests, f"external requests (aborted): {ap.external_requests}"
    errors = ap.all_errors()
    assert not errors, "browser errors:\n" + "\n".join(errors)


# --------------------------------------------------------------------------- tests

def test_overview_map_draws_offline(app_page):
    ap = app_page
    open_app(ap)
    frame = map_frame(ap)
    n = wait_paths(ap, frame, TOTAL_PATHS)
    assert n >= TOTAL_PATHS, f"{n} paths drawn, expected at least {TOTAL_PATHS} ({PATHS})"

    control = frame.locator(".leaflet-control-layers")
    control.wait_for(state="visible")
    assert layer_control_titles(frame) == [i["title"]["zh"] for i in MANIFEST["layers"].values()]
    legend = frame.locator(".sn-legend")
    legend.wait_for(state="visible")
    assert "图例" in legend.inner_text()

    # Leaflet came from the app itself.
    srcs = frame.evaluate("[...document.querySelectorAll('script[src], link[rel=stylesheet]')]"
                          ".map(e => e.src || e.href)")
    leaflet = [s for s in srcs if "leaflet" in s.lower()]
    assert leaflet and all(s.startswith(ap.base_url + "/app/static/") for s in leaflet), srcs

    ARTIFACTS.mkdir(exist_ok=True)
    # Streamlit scrolls inside its own container, so a tall viewport shows the whole page.
    ap.page.set_viewport_size({"width": 1400, "height": 1800})
    ap.page.wait_for_timeout(1000)
    ap.page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    assert_clean(ap)


def test_layer_can_be_switched_off(app_page):
    ap = app_page
    open_app(ap)
    frame = map_frame(ap)
    before = wait_paths(ap, frame, TOTAL_PATHS)
    name = "roads"
    title = MANIFEST["layers"][name]["title"]["zh"]
    frame.locator(".leaflet-control-layers").hover()   # collapsed: it opens on hover
    box = frame.locator(".leaflet-control-layers-overlays label", has_text=title).locator("input")
    assert box.is_checked()
    box.uncheck()
    after = wait_paths(ap, frame, before - PATHS[name], exact=True)
    assert after < before
    legend_section = frame.locator(f'.sn-legend [data-layer="{name}"]')
    assert legend_section.is_hidden(), "the legend still shows a layer that was switched off"
    box.check()
    wait_paths(ap, frame, before, exact=True)
    assert_clean(ap)


def test_every_layer_checkbox_can_be_clicked(app_page):
    """No other map control (e.g. the legend) covers the layer control's checkboxes."""
    ap = app_page
    open_app(ap)
    frame = map_frame(ap)
    frame.locator(".leaflet-control-layers").wait_for(state="visible")
    frame.locator(".leaflet-control-layers").hover()   # collapsed: it opens on hover
    covered = frame.evaluate("""() => [...document.querySelectorAll(
            '.leaflet-control-layers-overlays label')].flatMap(label => {
        const box = label.querySelector('input');
        const r = box.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        if (hit && label.contains(hit)) return [];
        return [label.innerText.trim() + ' (covered by ' +
                (hit ? hit.tagName.toLowerCase() + '.' + hit.className : 'nothing') + ')'];
    })""")
    assert not covered, ("layer-control checkboxes hidden under another element, so a user "
                         f"cannot switch them: {covered}")


def test_language_switch_to_english(app_page):
    ap = app_page
    open_app(ap)
    map_frame(ap)
    sidebar(ap).get_by_text("English", exact=True).click()
    wait_title(ap, TITLE["en"])
    english = [i["title"]["en"] for i in MANIFEST["layers"].values()]

    def english_control():
        handle = ap.page.query_selector(MAP_IFRAME)
        frame = handle and handle.content_frame()
        return frame if frame and layer_control_titles(frame) == english else None

    frame = poll(ap, english_control, f"the layer control in English ({english})")
    wait_paths(ap, frame, TOTAL_PATHS)
    assert "Legend" in frame.locator(".sn-legend").inner_text()
    # The sidebar follows the language too.
    assert_shows(sidebar(ap).get_by_text("Layer summary", exact=True),
                 "the sidebar summary is not in English")
    assert_clean(ap)


def _open_catalogue_by_its_url(ap) -> None:
    """Open /catalogue directly; the shared sidebar must be there too."""
    open_app(ap, "/catalogue", CATALOGUE["zh"])
    assert_shows(sidebar(ap).get_by_text("English", exact=True),
                 "the sidebar (language, basemap, summary) is missing on /catalogue")


def test_catalogue_opened_by_its_url(app_page):
    ap = app_page
    _open_catalogue_by_its_url(ap)
    assert_clean(ap)


def test_catalogue_url_is_first_request_after_server_start(cold_app_page):
    """A bookmarked /catalogue opened right after the server (re)started."""
    ap = cold_app_page
    _open_catalogue_by_its_url(ap)
    nav = ap.page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    # one link per page registered in app.py (other pages follow the first two)
    assert [n.strip() for n in nav][:2] == ["总览地图", "数据目录"], nav
    assert len(nav) == len(app_page_paths()), nav
    assert_clean(ap)


def test_navigate_to_catalogue_and_back(app_page):
    ap = app_page
    open_app(ap)
    sidebar(ap).get_by_text("English", exact=True).click()
    wait_title(ap, TITLE["en"])
    ap.page.locator('[data-testid="stSidebarNav"] a', has_text=CATALOGUE["en"]).click()
    wait_title(ap, CATALOGUE["en"])
    assert_shows(sidebar(ap).get_by_text("Layer summary", exact=True),
                 "the sidebar summary is missing on the catalogue page")
    ap.page.locator('[data-testid="stSidebarNav"] a', has_text="Overview map").click()
    wait_title(ap, TITLE["en"])
    wait_paths(ap, map_frame(ap), TOTAL_PATHS)
    assert_clean(ap)
