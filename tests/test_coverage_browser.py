"""End to end in Debian's Chromium: on the 生活圈覆盖 page a click on the map adds a
candidate site and the covered share changes; the map draws offline."""
from __future__ import annotations

import pytest

from songnan_geo import standards as sd
from songnan_geo.coverage import service_areas, uncovered_parts
from songnan_geo.io import load_layer

from conftest import LEAFLET_PATHS
from test_browser import WAIT_MS, assert_clean, map_frame, open_app, poll

pytestmark = pytest.mark.browser

SHARE_LABEL = "覆盖人口比例（估计）"


def share_text(ap) -> str:
    metric = ap.page.locator('[data-testid="stMetric"]', has_text=SHARE_LABEL)
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def uncovered_spot():
    """Inside the largest residential gap left by all facilities (GB 50180-2018 distances),
    the page's default analysis."""
    fac = load_layer("facilities")
    radius = sd.radius_by_type(sd.load_builtin_standards(), "gb50180_2018", set(fac["type"]))
    gaps = uncovered_parts(load_layer("residential"), service_areas(fac, radius)).to_crs(4326)
    return gaps.sort_values("area_m2").geometry.iloc[-1].representative_point()


def test_click_on_map_adds_a_site_and_the_share_changes(app_page):
    ap = app_page
    open_app(ap, "/coverage", "生活圈覆盖")
    poll(ap, lambda: share_text(ap).endswith("%"), "the covered-share metric")
    before = share_text(ap)
    frame = map_frame(ap)
    poll(ap, lambda: frame.evaluate(f"document.querySelectorAll({LEAFLET_PATHS!r}).length") > 24,
         "service areas, residential areas and facilities drawn")
    spot = uncovered_spot()
    # The pixel of the spot, from the Leaflet map object folium created in the frame.
    xy = poll(ap, lambda: frame.evaluate(
        """([lat, lng]) => {
            const k = Object.keys(window).find(n => n.startsWith('map_') && window[n] instanceof L.Map);
            if (!k) return null;
            const p = window[k].latLngToContainerPoint([lat, lng]);
            return [p.x, p.y];
        }""", [spot.y, spot.x]), "the Leaflet map object")
    left, top, width, height = frame.evaluate(
        "(() => { const r = document.querySelector('.leaflet-container').getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height]; })()")
    assert 0 < xy[0] < width and 0 < xy[1] < height, (xy, width, height)
    iframe = frame.frame_element()
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    # A real mouse click at that pixel (page coordinates: iframe + container + point).
    ap.page.mouse.click(box["x"] + left + xy[0], box["y"] + top + xy[1])
    after = poll(ap, lambda: (lambda s: s if s != before else None)(share_text(ap)),
                 "the covered share to change after the click", timeout_ms=WAIT_MS)
    assert float(after.rstrip("%")) > float(before.rstrip("%"))
    assert ap.page.locator('[data-testid="stMetricDelta"]').filter(has_text="较现状").count() == 1
    # The candidate is listed and drawn (a new frame is rendered after the rerun).
    ap.page.get_by_text("候选点 1").first.wait_for(state="attached", timeout=WAIT_MS)
    assert_clean(ap)
