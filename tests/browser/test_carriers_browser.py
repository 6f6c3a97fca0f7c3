"""产业载体 in Debian's Chromium: the map draws offline with the zones and every park, the
per-belt table shows, and an editor logs in, places a new park with a real mouse click on the
map, saves it, and sees it drawn and counted in the centre's row.

The server is the tracker browser tests' ``streamlit run app.py`` with its own GeoPackage store
and secrets file (never the user's).
"""
from __future__ import annotations

import pytest
from conftest import app_page_with_screenshot, read_manifest
from test_browser import assert_clean, map_frame, open_app, poll
from test_coverage_browser import leaflet
from test_tracker_browser import log_in, settle, tracker_server  # noqa: F401

from songnan_geo.layers.io import load_layer
from songnan_geo.store.carriers import CarrierStore
from songnan_geo.store.tracker import open_store

pytestmark = pytest.mark.browser

#: 运营 / 在建 / 规划: the carrier layer's palette in the manifest (black-ringed state colours).
PARK_COLOURS = {c.lower() for c in read_manifest()["layers"]["carrier_parks"]["palette"].values()}
PARK_FILL_OPACITY = str(read_manifest()["layers"]["carrier_parks"]["style"]["fill_opacity"])
PENDING = 'path.sn-pending'


def _parks_drawn(frame) -> int:
    """Circle markers in a park colour at the parks' fill opacity (zones are paler)."""
    return frame.evaluate("(colours) => [...document.querySelectorAll('path.leaflet-interactive')]"
                          ".filter(p => colours.includes((p.getAttribute('fill') || '').toLowerCase())"
                          " && p.getAttribute('fill-opacity') === arguments_opacity).length"
                          .replace("arguments_opacity", repr(PARK_FILL_OPACITY)), sorted(PARK_COLOURS))


def _centre_row(ap) -> list[str]:
    """The cells of the per-zone table's first row (the public centre)."""
    grid = ap.page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').first
    grid.wait_for(state="visible", timeout=60_000)
    cells = poll(ap, lambda: grid.locator("[role=gridcell]").all_inner_texts(), "the zone table")
    return [c.strip() for c in cells[:8]]


def test_carrier_map_draws_and_an_editor_places_a_park_by_clicking_the_map(chromium, tracker_server):
    base_url, store_path = tracker_server
    with app_page_with_screenshot(chromium, base_url, "carriers") as ap:
        _place_a_park(ap)
    s = open_store(store_path)
    reg = CarrierStore(s).current(load_layer("carrier_parks"))
    new = reg[reg["name"] == "浏览器测试园"]
    assert len(new) == 1 and new["updated_by"].tolist() == ["alice"]
    centre = load_layer("zones").set_index("id").geometry["centre"]
    assert centre.contains(new.geometry.iloc[0])     # saved where the planner clicked
    s.dispose()


def _place_a_park(ap):
    page = ap.page
    open_app(ap, "/carriers", "产业载体")
    settle(page)
    frame = map_frame(ap)
    n_parks = len(load_layer("carrier_parks"))
    poll(ap, lambda: _parks_drawn(frame) == n_parks, f"all {n_parks} parks drawn")
    assert _centre_row(ap)[:2] == ["一心：公共中心（小五角场区域）", "0"]

    # Log in with the page's own form.
    log_in(page, "alice")

    # A real mouse click inside the public centre's outline.
    frame = map_frame(ap)
    poll(ap, lambda: _parks_drawn(frame) == n_parks, "the map drawn again")
    spot = load_layer("zones").set_index("id").geometry["centre"].representative_point()
    iframe = frame.frame_element()
    iframe.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = iframe.bounding_box()
    left, top = frame.evaluate("(() => { const r = document.querySelector('.leaflet-container')"
                               ".getBoundingClientRect(); return [r.left, r.top]; })()")
    x, y = poll(ap, lambda: leaflet(frame, "const p = map.latLngToContainerPoint(arg);"
                                           " return [p.x, p.y];", [spot.y, spot.x]), "the map object")
    page.mouse.click(box["x"] + left + x, box["y"] + top + y)
    settle(page)
    lon_box = page.get_by_label("经度")
    poll(ap, lambda: abs(float(lon_box.input_value() or 0) - spot.x) < 2e-4,
         "the clicked longitude in the form")
    frame = map_frame(ap)
    poll(ap, lambda: frame.locator(PENDING).count() == 1, "the red ring where the park will go")

    page.get_by_label("名称", exact=True).fill("浏览器测试园")
    page.get_by_label("数据来源（位置与数值）").fill("浏览器测试")
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_text("已保存：浏览器测试园（第 1 版）").wait_for(timeout=60_000)
    settle(page)
    frame = map_frame(ap)
    poll(ap, lambda: _parks_drawn(frame) == n_parks + 1, "the new park drawn")
    assert frame.locator(PENDING).count() == 0
    poll(ap, lambda: _centre_row(ap)[:2] == ["一心：公共中心（小五角场区域）", "1"],
         "the centre's row counting the new park")
    assert_clean(ap)
