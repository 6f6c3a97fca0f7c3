"""Online basemap tiles under the briefing map: drawn from a tile server on 127.0.0.1 (never the
internet), and left out quickly, with the reason, when the server cannot be reached."""
from __future__ import annotations

import io
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer
from test_briefing import layers, manifest  # noqa: F401  (module-scoped data fixtures)

from songnan_geo.briefing.facts import briefing_facts
from songnan_geo.briefing.map import draw_site_map
from songnan_geo.briefing.render import briefing_view, make_briefing
from songnan_geo.maps import tiles as tilefetch

TILE_RGB = (12, 200, 240)  # a colour no layer style uses


@pytest.fixture(autouse=True)
def _fresh_failures():
    tilefetch.forget_failures()
    yield
    tilefetch.forget_failures()


@pytest.fixture
def tile_server():
    """An XYZ tile server on 127.0.0.1 answering every /z/x/y.png with a solid tile."""
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_RGB).save(buf, format="PNG")
    png, paths = buf.getvalue(), []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            paths.append((self.path, self.headers.get("User-Agent")))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/{{z}}/{{x}}/{{y}}.png", paths
    finally:
        srv.shutdown()
        srv.server_close()


def _share_of_tile_colour(m) -> float:
    a = np.asarray(Image.open(io.BytesIO(m.png)).convert("RGB")).astype(int)
    left, top, right, bottom = (int(round(v)) for v in m.frame_px)
    frame = a[top:bottom, left:right]
    return float(np.all(np.abs(frame - TILE_RGB) <= 3, axis=2).mean())


def test_tiles_drawn_under_the_map(layers, manifest, tile_server):
    url, paths = tile_server
    source = {"tiles": url, "attr": "&copy; <a href='x'>Test tiles</a>", "max_zoom": 19}
    m = draw_site_map(layers, manifest, "p_dongya", dpi=60, tile_source=source)
    assert m.tiles_error is None and m.basemap_attribution == "© Test tiles"
    assert paths and all(ua == tilefetch.USER_AGENT for _, ua in paths)
    zooms = {int(p.split("/")[1]) for p, _ in paths}
    assert len(zooms) == 1 and 13 <= zooms.pop() <= 17
    assert _share_of_tile_colour(m) > 0.02, "the tiles are not visible under the layers"
    blank = draw_site_map(layers, manifest, "p_dongya", dpi=60)
    assert _share_of_tile_colour(blank) == 0 and blank.basemap_attribution is None
    b = briefing_facts(layers, "p_dongya")
    assert "Test tiles" in briefing_view(b, "zh", m).map_caption


def test_unreachable_tiles_fail_fast_and_are_not_retried(layers, manifest):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    source = {"tiles": f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png", "attr": "x"}
    start = time.monotonic()
    m = draw_site_map(layers, manifest, "p_dongya", dpi=60, tile_source=source)
    assert time.monotonic() - start < 5
    assert m.tiles_error and "could not be fetched" in m.tiles_error
    assert m.basemap_attribution is None and _share_of_tile_colour(m) == 0
    again = draw_site_map(layers, manifest, "p_dongya", dpi=60, tile_source=source)
    assert "not retried" in again.tiles_error
    b = briefing_facts(layers, "p_dongya")
    assert "不可达" in briefing_view(b, "zh", m).map_caption


def test_keyed_basemap_without_key_draws_no_tiles(layers, manifest, monkeypatch, tmp_path):
    monkeypatch.delenv("SONGNAN_TIANDITU_KEY", raising=False)
    monkeypatch.setenv("SONGNAN_CONFIG", str(tmp_path / "none.toml"))
    out = make_briefing(layers, manifest, "p_dongya", formats=("html",), dpi=40,
                        basemap="tianditu_vector")
    assert "key" in out.map_image.tiles_error
    with pytest.raises(ValueError, match="basemap 'nope' is unknown"):
        draw_site_map(layers, manifest, "p_dongya", basemap="nope")


def test_web_mercator_and_zoom():
    tr = Transformer.from_crs(4326, 3857, always_xy=True)
    for lon, lat in [(121.49, 31.35), (0.0, 0.0), (-70.5, -33.4)]:
        x, y = tilefetch.lonlat_to_3857(lon, lat)
        assert (x, y) == pytest.approx(tr.transform(lon, lat), abs=1e-3)
        assert tilefetch.mercator_to_lonlat(x, y) == pytest.approx((lon, lat), abs=1e-9)
    # zoom 15 is ~4.1 m/px at Songnan's latitude: 5 m/px needs 15, 4 m/px needs 16
    assert tilefetch.zoom_for(5.0, 31.35) == 15 and tilefetch.zoom_for(4.0, 31.35) == 16
    assert tilefetch.zoom_for(0.01, 31.35, max_zoom=18) == 18
    with pytest.raises(tilefetch.TilesUnavailable, match="max_tiles"):
        tilefetch.fetch_mosaic("http://127.0.0.1:9/{z}/{x}/{y}.png", (121.4, 31.3, 121.6, 31.4), 17)
    with pytest.raises(tilefetch.TilesUnavailable, match="not an http"):
        tilefetch.fetch_mosaic("file:///etc/{z}/{x}/{y}", (121.4, 31.3, 121.41, 31.31), 10)
