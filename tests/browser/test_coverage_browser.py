"""End to end in Debian's Chromium: on the 生活圈覆盖 page a click on the map adds a
candidate site and the covered share changes, while the map keeps the planner's zoom and
pan; the map draws offline."""
from __future__ import annotations

import pytest
from conftest import LEAFLET_PATHS
from test_browser import WAIT_MS, assert_clean, map_frame, open_app, poll

from songnan_geo.layers.io import load_layer
from songnan_geo.lifecircle import standards as sd
from songnan_geo.lifecircle.coverage import service_areas, uncovered_parts
from songnan_geo.maps.coverage_map import CANDIDATE_COLOUR

pytestmark = pytest.mark.browser

SHARE_LABEL = "新增设施类型覆盖率（估计）"  # the candidates' type (default: the first type)


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


MAP_JS = "Object.keys(window).find(n => n.startsWith('map_') && window[n] instanceof L.Map)"
CANDIDATE_PATHS = f'path[fill="{CANDIDATE_COLOUR}"][fill-opacity="0.95"]'  # not a service area


def leaflet(frame, body: str, arg=None):
    """Evaluate ``body`` with ``map`` bound to the Leaflet map folium created in the frame."""
    return frame.evaluate(f"(arg) => {{ const k = {MAP_JS}; if (!k) return null;"
                          f" const map = window[k]; {body} }}", arg)


def test_click_on_map_adds_a_site_and_the_share_changes_keeping_the_view(app_page):
    ap = app_page
    open_app(ap, "/coverage", "生活圈覆盖")
    poll(ap, lambda: share_text(ap).endswith("%"), "the covered-share metric")
    before = share_text(ap)
    frame = map_frame(ap)
    poll(ap, lambda: frame.evaluate(f"document.querySelectorAll({LEAFLET_PATHS!r}).length") > 24,
         "service areas, residential areas and facilities drawn")
    assert frame.locator(CANDIDATE_PATHS).count() == 0
    zoom0 = poll(ap, lambda: leaflet(frame, "return map.getZoom();"), "the Leaflet map object")
    # The planner zooms in twice with the map's + button ...
    for n in (1, 2):
        def zoomed_in(target=zoom0 + n):
            # Leaflet ignores a click on + while it animates (also the first view's own move):
            # click again, once the map is still, until the zoom is the target.
            z = leaflet(frame, "return document.querySelector('.leaflet-zoom-anim') || "
                               "map._animatingZoom ? -1 : map.getZoom();")
            if z is not None and 0 <= z < target:
                frame.locator(".leaflet-control-zoom-in").click()
            return z == target
        poll(ap, zoomed_in, f"zoom {zoom0 + n}")
    zoom = zoom0 + 2
    spot = uncovered_spot()
    left, top, width, height = frame.evaluate(
        "(() => { const r = document.querySelector('.leaflet-container').getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height]; })()")
    iframe = frame.frame_element()
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    ox, oy = box["x"] + left, box["y"] + top  # page coordinates of the map's corner

    def pixel():  # the spot's pixel in the map, from the Leaflet map object
        return leaflet(frame, "const p = map.latLngToContainerPoint(arg); return [p.x, p.y];",
                       [spot.y, spot.x])

    # ... and drags the gap to the middle of the map (real mouse drags, a screen at most each).
    def near_middle():
        p = pixel()
        return p if abs(p[0] - width / 2) < 40 and abs(p[1] - height / 2) < 40 else None

    for _ in range(6):
        if near_middle():
            break
        x, y = pixel()
        dx = max(-width / 3, min(width / 3, width / 2 - x))
        dy = max(-height / 3, min(height / 3, height / 2 - y))
        ap.page.mouse.move(ox + width / 2, oy + height / 2)
        ap.page.mouse.down()
        ap.page.mouse.move(ox + width / 2 + dx, oy + height / 2 + dy, steps=12)
        ap.page.mouse.up()
        ap.page.wait_for_timeout(300)
    x, y = poll(ap, near_middle, "the map dragged to the gap")
    ap.page.wait_for_timeout(500)  # no rerun from the drag (only clicks are returned)
    assert share_text(ap) == before
    centre = leaflet(frame, "const c = map.getCenter(); return [c.lat, c.lng];")
    # A real mouse click on the gap.
    ap.page.mouse.click(ox + x, oy + y)
    after = poll(ap, lambda: (lambda s: s if s != before else None)(share_text(ap)),
                 "the covered share to change after the click", timeout_ms=WAIT_MS)
    assert float(after.rstrip(" %")) > float(before.rstrip(" %"))
    assert ap.page.locator('[data-testid="stMetricDelta"]').filter(has_text="较现状").count() == 1
    ap.page.get_by_text("候选点 1").first.wait_for(state="attached", timeout=WAIT_MS)
    # The candidate is drawn on the map the planner was looking at: same zoom, same centre.
    frame = map_frame(ap)
    poll(ap, lambda: frame.locator(CANDIDATE_PATHS).count() == 1, "the candidate marker drawn",
         timeout_ms=WAIT_MS)
    assert leaflet(frame, "return map.getZoom();") == zoom
    assert leaflet(frame, "const c = map.getCenter(); return [c.lat, c.lng];") == \
        pytest.approx(centre, abs=1e-6)
    # The marker sits where the planner clicked (within a few pixels).
    mx, my = frame.evaluate(f"(() => {{ const r = document.querySelector({CANDIDATE_PATHS!r})"
                            ".getBoundingClientRect(); return [r.left + r.width / 2,"
                            " r.top + r.height / 2]; })()")
    assert abs(mx - left - x) < 4 and abs(my - top - y) < 4, ((mx, my), (left + x, top + y))
    assert_clean(ap)


def test_an_overlay_switched_off_stays_off_after_a_click(app_page):
    """The planner switches the uncovered-land overlay off in the layer control, then clicks the map
    (a candidate site: the overlays are rebuilt): the overlay stays off (KeepOverlayChoices)."""
    from songnan_geo.maps.coverage_map import UNCOVERED_COLOUR
    from songnan_geo.text.i18n import t

    ap = app_page
    open_app(ap, "/coverage", "生活圈覆盖")
    poll(ap, lambda: share_text(ap).endswith("%"), "the covered-share metric")
    frame = map_frame(ap)
    red = f'path.leaflet-interactive[fill="{UNCOVERED_COLOUR}"]'
    shown = poll(ap, lambda: frame.locator(red).count(), "uncovered land drawn")
    label = frame.locator(".leaflet-control-layers-overlays label",
                          has_text=t("cov_layer_uncovered", "zh"))
    box = label.locator("input[type=checkbox]")
    assert box.is_checked()
    frame.locator(".leaflet-control-layers").hover()   # collapsed: it opens on hover
    label.click()
    poll(ap, lambda: not box.is_checked(), "the overlay switched off")
    off = poll(ap, lambda: (lambda n: n if n < shown else None)(frame.locator(red).count()) or
               (frame.locator(red).count() == 0 and "0"), "uncovered land hidden")
    off = int(off)
    before = share_text(ap)
    # a click on the map adds a candidate site: the page reruns and the overlays are replaced
    spot = uncovered_spot()
    frame.locator(".leaflet-container").wait_for()
    x, y = leaflet(frame, "const p = map.latLngToContainerPoint(arg); return [p.x, p.y];",
                   [spot.y, spot.x])
    iframe = frame.frame_element()
    iframe.scroll_into_view_if_needed()
    fb = iframe.bounding_box()
    left, top = frame.evaluate("(() => { const r = document.querySelector('.leaflet-container')"
                               ".getBoundingClientRect(); return [r.left, r.top]; })()")
    ap.page.mouse.click(fb["x"] + left + x, fb["y"] + top + y)
    poll(ap, lambda: share_text(ap) != before, "the page to rerun after the click")
    frame = map_frame(ap)
    poll(ap, lambda: frame.locator(CANDIDATE_PATHS).count() == 1, "the candidate drawn")
    ap.page.wait_for_timeout(800)
    label = frame.locator(".leaflet-control-layers-overlays label",
                          has_text=t("cov_layer_uncovered", "zh"))
    assert not label.locator("input[type=checkbox]").is_checked()
    assert frame.locator(red).count() <= off
    assert_clean(ap)
