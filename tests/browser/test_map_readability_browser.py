"""Maps a planner can read: on every page with a map, at 1440×900 and 1280×720, in Chinese and
English, the map's controls (layer list, legend, scale, zoom, notices) cover less than 5 % of the
town.

How it is measured: points on a 40 m grid inside the town outline (data/geo/boundary.geojson,
WGS84) are projected through the page's own Leaflet map (``map.latLngToContainerPoint`` in the
st_folium iframe); a point counts as hidden when it falls outside the map's frame or when
``document.elementFromPoint`` there is inside a ``.leaflet-control``. The share of hidden points
is the share of the town's area the planner cannot see on the first view.

Screenshots of every page in both languages and both sizes go to ``artifacts/screenshots/``.
The data manager shows a map only for the preview of an uploaded file; its preview uses the same
``build_map`` and is not opened here.
"""
from __future__ import annotations

import json

import pytest
from conftest import ARTIFACTS, DATA_DIR, MAP_IFRAME, AppPage
from shapely.geometry import Point, shape
from shapely.ops import unary_union
from test_browser import poll, wait_title

from songnan_geo.coords.crs import TOWN_CRS

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "screenshots"
WAIT_MS = 90_000
MAX_HIDDEN = 0.05
SIZES = [(1440, 900), (1280, 720)]
# page URL path, the page's title in zh and en (its <h1>)
PAGES = {
    "overview": ("/", "淞南镇产业布局规划工具", "Songnan Town Planning Tool"),
    "tracker": ("/tracker", "地块进度", "Parcel tracker"),
    "carriers": ("/carriers", "产业载体", "Carrier parks"),
    "coverage": ("/coverage", "生活圈覆盖", "Life-circle coverage"),
}


def town_sample(step_m: float = 40.0) -> list[list[float]]:
    """[lat, lon] (degrees) of points on a ``step_m`` grid inside the town outline."""
    import geopandas as gpd

    with open(DATA_DIR / "boundary.geojson", encoding="utf-8") as f:
        gj = json.load(f)
    town = gpd.GeoSeries([unary_union([shape(ft["geometry"]) for ft in gj["features"]])],
                         crs="EPSG:4326").to_crs(TOWN_CRS)
    poly = town.iloc[0]
    minx, miny, maxx, maxy = poly.bounds
    pts = [Point(minx + (i + 0.5) * step_m, miny + (j + 0.5) * step_m)
           for i in range(int((maxx - minx) / step_m)) for j in range(int((maxy - miny) / step_m))]
    inside = gpd.GeoSeries([p for p in pts if poly.contains(p)], crs=TOWN_CRS).to_crs("EPSG:4326")
    return [[p.y, p.x] for p in inside]


SAMPLE = town_sample()

# Share of the sample that the planner cannot see, and which controls hide it.
_HIDDEN_JS = """(pts) => {
    const map = window.map;
    if (!map || !map.latLngToContainerPoint) return null;
    const box = map.getContainer().getBoundingClientRect();
    if (box.width < 200 || box.height < 200) return null;   // not laid out yet: look again
    const w = Math.min(box.right, window.innerWidth), h = Math.min(box.bottom, window.innerHeight);
    let hidden = 0; const by = {};
    for (const [lat, lng] of pts) {
        const p = map.latLngToContainerPoint([lat, lng]);
        const x = box.left + p.x, y = box.top + p.y;
        let why = null;
        if (x < Math.max(box.left, 0) || y < Math.max(box.top, 0) || x >= w || y >= h) {
            why = 'outside the map frame';
        } else {
            const el = document.elementFromPoint(x, y);
            const c = el && el.closest('.leaflet-control');
            if (c) why = c.className.split(' ').filter(n => n.startsWith('sn-') ||
                         n.startsWith('leaflet-control-')).join(' ') || c.className;
        }
        if (why) { hidden += 1; by[why] = (by[why] || 0) + 1; }
    }
    return {hidden: hidden / pts.length, by: by, n: pts.length, zoom: map.getZoom(), fit: map.snFit};
}"""


def _map_frame(ap: AppPage, lang: str):
    """The st_folium frame once its Leaflet map is drawn in ``lang`` (a legend in that language)."""
    word = {"zh": "图例", "en": "Legend"}[lang]

    def ready():
        for handle in ap.page.query_selector_all(MAP_IFRAME):
            frame = handle.content_frame()
            if frame and frame.evaluate(
                    "(w) => !!(window.map && window.map.getContainer && "
                    "document.querySelectorAll('path.leaflet-interactive').length > 0 && "
                    "document.body.textContent.includes(w))", word):
                return handle, frame
        return None

    return poll(ap, ready, f"a drawn map in {lang}")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("page", list(PAGES))
def test_controls_leave_the_town_visible(chromium, streamlit_server, page, size):
    path, title_zh, title_en = PAGES[page]
    ctx = chromium.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    ctx.set_default_timeout(WAIT_MS)
    ctx.route("**/*", lambda r: r.abort() if r.request.url.startswith(("http:", "https:")) and
              "127.0.0.1" not in r.request.url else r.continue_())
    ap = AppPage(page=ctx.new_page(), base_url=streamlit_server)
    SHOTS.mkdir(parents=True, exist_ok=True)
    results = {}
    try:
        ap.page.goto(streamlit_server + path)
        for lang, title in (("zh", title_zh), ("en", title_en)):
            if lang == "en":
                ap.page.locator('[data-testid="stSidebar"]').get_by_text(
                    "English", exact=True).click()
            wait_title(ap, title)

            def measure():
                handle, frame = _map_frame(ap, lang)
                handle.scroll_into_view_if_needed()
                ap.page.wait_for_timeout(1500)   # the first view is fitted, the controls settle
                return frame.evaluate(_HIDDEN_JS, SAMPLE)

            # Streamlit may replace the map's frame once more after it first drew, and the
            # frame gets its final size late: the result is the settled view (at most 15 s).
            result = None
            for _ in range(6):
                result = poll(ap, measure, f"the map of {page} in {lang} to hold still")
                if result["hidden"] < MAX_HIDDEN:
                    break
                ap.page.wait_for_timeout(1000)
            results[lang] = result
            ap.page.screenshot(path=str(SHOTS / f"{page}-{lang}-{size[0]}x{size[1]}.png"))
    finally:
        ctx.close()
    bad = {lang: r for lang, r in results.items() if r is None or r["hidden"] >= MAX_HIDDEN}
    print(page, size, {k: (round(v["hidden"] * 100, 1), v["by"], v["zoom"])
                       for k, v in results.items() if v})
    assert not bad, (f"{page} at {size[0]}×{size[1]}: the map's controls or frame hide "
                     f"≥{MAX_HIDDEN:.0%} of the town: {bad}")
