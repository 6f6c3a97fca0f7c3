"""End to end in Chromium: on the 数据管理 page a viewer has no upload or write button until an
editor logs in; an editor's import from upload to a confirmed layer shows their name in the
history (and undo); and a station drawn over Gaode at its GCJ-02 position, over OSM at its
WGS84 one.

The app runs on its own copy of data/geo (SONGNAN_DATA_DIR), so the import writes there, with its
own store and editors' secrets file (never the user's).
"""
from __future__ import annotations

import json
import shutil

import pytest
from conftest import DATA_DIR, MAP_IFRAME, open_app_page, serve_app
from test_browser import map_frame, poll, wait_title
from test_tracker_browser import log_in, settle
from tracker_testlib import editor_hashes

from songnan_geo.coords.chinacoords import wgs84_to_gcj02
from songnan_geo.layers.exporter import export_layer
from songnan_geo.layers.io import load_layer
from songnan_geo.layers.layerstore import LayerStore
from songnan_geo.maps.basemaps import basemap_title
from songnan_geo.text.i18n import t

pytestmark = pytest.mark.browser

STATION = "station_03"
MARKER_JS = """(fid) => {
    const maps = Object.values(window).filter(v => v instanceof L.Map);
    let found = null;
    maps.forEach(m => m.eachLayer(l => {
        if (l.feature && l.feature.id === fid && l.getLatLng) { found = l.getLatLng(); }
    }));
    return found ? [found.lng, found.lat] : null;
}"""


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory):
    d = tmp_path_factory.mktemp("dm") / "geo"
    shutil.copytree(DATA_DIR, d)
    return d


@pytest.fixture(scope="module")
def dm_server(data_copy, tmp_path_factory):
    """``streamlit run app.py`` with SONGNAN_DATA_DIR on the module's copy of data/geo, editors
    alice/bob/carol and a store of its own."""
    tmp = tmp_path_factory.mktemp("dm_secrets")
    secrets = tmp / "editors.json"
    secrets.write_text(json.dumps({"editors": editor_hashes()}), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SONGNAN_DATA_DIR", str(data_copy))
        mp.delenv("SONGNAN_STORE_URL", raising=False)
        mp.delenv("SONGNAN_EDITORS", raising=False)
        mp.setenv("SONGNAN_STORE_PATH", str(tmp / "tracker.gpkg"))
        mp.setenv("SONGNAN_EDITORS_FILE", str(secrets))
        with serve_app("streamlit-server-data-manager.log") as base_url:
            yield base_url


@pytest.fixture
def page(chromium, dm_server):
    with open_app_page(chromium, dm_server) as ap:
        yield ap


def _assert_no_errors(ap, allowed_hosts=()):
    bad = [(k, u) for k, u in ap.external_requests
           if not any(h in u for h in allowed_hosts) or k != "image"]
    assert not bad, f"external requests other than basemap tiles: {bad}"
    errors = [e for e in ap.all_errors() if not any(h in e for h in allowed_hosts)
              and "net::ERR_FAILED" not in e]
    assert not errors, "browser errors:\n" + "\n".join(errors)


FILE_INPUT = '[data-testid="stFileUploader"] input[type="file"]'
WRITE_BUTTONS = [t(k, "zh") for k in ("dm_confirm", "dm_undo", "dm_make_copy")]


def _open_data_page(ap) -> None:
    ap.page.goto(ap.base_url + "/data")
    wait_title(ap, "数据管理")
    ap.page.get_by_role("button", name=t("dm_download", "zh")).wait_for(timeout=60_000)
    settle(ap.page)


def _assert_viewer_only(ap) -> None:
    """The read-only note and the download; no upload widget, no write button, no import tab."""
    ap.page.get_by_text(t("dm_readonly_viewer", "zh")).wait_for(timeout=60_000)
    assert ap.page.locator(FILE_INPUT).count() == 0
    assert ap.page.locator('[data-testid="stFileUploader"]').count() == 0
    for name in WRITE_BUTTONS:
        assert ap.page.get_by_role("button", name=name).count() == 0, name
    assert ap.page.get_by_role("tab", name=t("dm_import", "zh")).count() == 0
    assert ap.page.get_by_role("button", name=t("dm_download", "zh")).count() == 1


def _import_input(ap):
    """The import tab's file input (the OpenStreetMap tab has an uploader of its own)."""
    return ap.page.get_by_test_id("stFileUploader").filter(has_text=t("dm_file", "zh")).locator(
        'input[type="file"]')


def test_a_viewer_has_no_upload_or_write_button_until_logged_in(page):
    ap = page
    _open_data_page(ap)
    _assert_viewer_only(ap)
    log_in(ap.page, "alice")
    ap.page.get_by_role("tab", name=t("dm_import", "zh"), exact=True).wait_for(timeout=60_000)
    _import_input(ap).wait_for(state="attached", timeout=60_000)
    settle(ap.page)
    assert _import_input(ap).count() == 1
    assert ap.page.get_by_text(t("dm_readonly_viewer", "zh")).count() == 0
    _assert_no_errors(ap)


def _history_cells(ap) -> list[str]:
    """The cells of the import history table (opened in its expander)."""
    box = ap.page.get_by_test_id("stExpander").filter(has_text=t("dm_history", "zh"))
    box.get_by_text(t("dm_history", "zh"), exact=True).click()
    grid = box.locator('[data-testid="stDataFrame"]')
    grid.wait_for(state="visible", timeout=60_000)
    return poll(ap, lambda: grid.locator("[role=gridcell]").all_inner_texts(), "the history table")


def test_import_from_upload_to_confirmed_layer_and_undo(page, chromium, dm_server, data_copy,
                                                        tmp_path):
    ap = page
    districts = load_layer("districts", data_copy)
    upload = tmp_path / "districts_update.geojson"
    upload.write_bytes(export_layer(districts.iloc[:3], "geojson"))

    _open_data_page(ap)
    log_in(ap.page, "alice")
    # the default target is the first layer, districts, replaced as a whole
    _import_input(ap).set_input_files(str(upload))
    ap.page.get_by_text(t("dm_preview", "zh"), exact=True).wait_for(timeout=60_000)
    # the import tab (first) holds the preview map, the layers tab (hidden) the layer's map
    maps = ap.page.locator(MAP_IFRAME)
    poll(ap, lambda: maps.count() == 2, "the preview map besides the layer map")
    frame = poll(ap, lambda: maps.first.element_handle().content_frame(), "the preview map frame")
    frame.wait_for_selector(".leaflet-container", timeout=60_000)
    poll(ap, lambda: frame.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
         >= 3 + 1, "the preview map to draw the 3 districts and the boundary")
    assert json.loads((data_copy / "districts.geojson").read_text("utf-8"))["features"].__len__() \
        == 5, "nothing is stored before the confirmation"

    ap.page.get_by_role("button", name=t("dm_confirm", "zh")).click()
    stored = t("dm_stored", "zh").format(n=3, layer="districts")
    ap.page.get_by_text(stored).wait_for(timeout=60_000)
    assert len(load_layer("districts", data_copy)) == 3
    assert len(list((data_copy / ".backups").glob("*/districts.geojson"))) == 1
    assert [op.editor for op in LayerStore(data_copy).history()] == ["alice"]
    settle(ap.page)
    cells = [c.strip() for c in _history_cells(ap)]
    assert "alice" in cells and "districts" in cells, cells
    # Another browser, not logged in, meanwhile: no undo button although there is an import.
    with open_app_page(chromium, dm_server) as viewer:
        _open_data_page(viewer)
        _assert_viewer_only(viewer)
        _assert_no_errors(viewer)
    # The app reloaded the layers: the catalogue counts 3 districts now.
    ap.page.goto(ap.base_url + "/catalogue")
    wait_title(ap, t("catalogue", "zh"))
    metric = ap.page.locator('[data-testid="stMetric"]').filter(has_text=t("features", "zh"))
    poll(ap, lambda: metric.inner_text().split()[-1] == "3", "the catalogue to count 3 districts")

    _open_data_page(ap)   # a new page load is a new session: log in again
    log_in(ap.page, "alice")
    ap.page.get_by_role("button", name=t("dm_undo", "zh")).click()
    ap.page.get_by_text(t("dm_undone", "zh").format(layer="districts")).wait_for(timeout=60_000)
    assert len(load_layer("districts", data_copy)) == 5
    _assert_no_errors(ap)


def _choose_basemap(ap, key: str) -> None:
    box = ap.page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(
        has_text=t("basemap", "zh"))
    box.click()
    ap.page.get_by_role("option", name=basemap_title(key, "zh")).click()


def _marker(ap):
    handle = ap.page.wait_for_selector(MAP_IFRAME, state="attached", timeout=60_000)
    frame = handle.content_frame()
    return frame.evaluate(MARKER_JS, STATION) if frame else None


def test_station_over_gaode_at_gcj02_and_over_osm_at_wgs84_in_the_browser(page, data_copy):
    ap = page
    st = load_layer("metro_stations", data_copy).set_index("id").loc[STATION].geometry
    glon, glat = (float(v) for v in wgs84_to_gcj02(st.x, st.y))
    ap.page.goto(ap.base_url + "/")
    wait_title(ap, "淞南镇产业布局规划工具")
    map_frame(ap)

    _choose_basemap(ap, "osm")
    lon, lat = poll(ap, lambda: (p := _marker(ap)) and abs(p[0] - st.x) < 1e-9 and p,
                    "the station at its WGS84 position over OSM")
    assert (lon, lat) == pytest.approx((st.x, st.y), abs=1e-9)

    _choose_basemap(ap, "gaode_vector")
    lon, lat = poll(ap, lambda: (p := _marker(ap)) and abs(p[0] - glon) < 1e-9 and p,
                    "the station at its GCJ-02 position over Gaode")
    assert (lon, lat) == pytest.approx((glon, glat), abs=1e-9)
    assert 400 < (lon - st.x) * 95_000 < 460, "about 430 m east of the WGS84 point"
    tiles = [u for k, u in ap.external_requests if "autonavi.com/appmaptile" in u]
    assert tiles, "Gaode tiles were asked for (and blocked: the test is offline)"
    _assert_no_errors(ap, allowed_hosts=("autonavi.com", "tile.openstreetmap.org"))
