"""China basemaps: Gaode tiles are GCJ-02, so overlays are drawn shifted (never the data);
Tianditu needs a key from configuration, and says so when it has none."""
from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pytest
from conftest import REPO_ROOT, python_child
from pyproj import Geod

from songnan_geo.coords import chinacoords as cc
from songnan_geo.layers.io import load_layer, read_manifest
from songnan_geo.maps import tilekeys
from songnan_geo.maps.basemaps import BASEMAPS, basemap_datum, basemap_title
from songnan_geo.maps.folium_map import build_map
from songnan_geo.text.i18n import t

GEOD = Geod(ellps="WGS84")
STATION = "station_03"  # 淞发路
FAKE_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def stations():
    return load_layer("metro_stations")


@pytest.fixture(autouse=True)
def no_configured_key(monkeypatch, tmp_path):
    """Each test starts with no Tianditu key (none in the environment or config)."""
    monkeypatch.delenv(tilekeys.TIANDITU_ENV, raising=False)
    monkeypatch.setenv(tilekeys.CONFIG_ENV, str(tmp_path / "absent.toml"))


def drawn_features(html: str) -> dict[str, dict]:
    """Every GeoJSON feature folium embedded in the page (``<geo_json>_add({...})``), by id."""
    out, dec = {}, json.JSONDecoder()
    for m in re.finditer(r"geo_json_[0-9a-f]+_add\(", html):
        doc, _ = dec.raw_decode(html, m.end())
        for f in doc["features"]:
            out[f["id"]] = f
    return out


def _render(layers, basemap):
    return build_map(layers, read_manifest(), basemap=basemap).get_root().render()


def test_station_over_gaode_is_at_its_gcj02_position_and_over_osm_at_wgs84(stations):
    row = stations[stations["id"] == STATION].iloc[0]
    lon, lat = row.geometry.x, row.geometry.y
    glon, glat = cc.wgs84_to_gcj02(lon, lat)

    osm = drawn_features(_render({"metro_stations": stations}, "osm"))[STATION]
    assert osm["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-12)

    for basemap in ("gaode_vector", "gaode_satellite"):
        gaode = drawn_features(_render({"metro_stations": stations}, basemap))[STATION]
        x, y = gaode["geometry"]["coordinates"]
        assert (x, y) == pytest.approx((float(glon), float(glat)), abs=1e-12)
        moved = GEOD.inv(lon, lat, x, y)[2]
        assert 400 < moved < 600, f"{basemap}: drawn {moved:.0f} m from the WGS84 point"
    # The data passed in were not touched.
    assert stations[stations["id"] == STATION].geometry.iloc[0].x == lon


def test_every_geometry_type_is_shifted_over_gaode():
    layers = {n: load_layer(n) for n in ("boundary", "roads", "rivers", "metro_stations")}
    plain = drawn_features(_render(layers, "blank"))
    shifted = drawn_features(_render(layers, "gaode_vector"))
    assert plain.keys() == shifted.keys() and len(plain) > 20
    for fid, f in plain.items():
        a = np.array(_coords(f["geometry"]["coordinates"]))
        b = np.array(_coords(shifted[fid]["geometry"]["coordinates"]))
        ex, ey = cc.wgs84_to_gcj02(a[:, 0], a[:, 1])
        assert np.allclose(b[:, 0], ex, rtol=0, atol=1e-12) and np.allclose(b[:, 1], ey, rtol=0,
                                                                            atol=1e-12), fid


def _coords(c):
    if isinstance(c[0], (int, float)):
        return [c]
    return [p for part in c for p in _coords(part)]


def test_map_view_follows_the_shift():
    layers = {"boundary": load_layer("boundary")}
    m_plain = build_map(layers, read_manifest(), basemap="osm")
    m_gcj = build_map(layers, read_manifest(), basemap="gaode_vector")
    (s0, w0), _ = _fit(m_plain)
    (s1, w1), _ = _fit(m_gcj)
    ex, ey = cc.wgs84_to_gcj02(w0, s0)
    assert w1 == pytest.approx(float(ex), abs=1e-3) and s1 == pytest.approx(float(ey), abs=1e-3)


def _fit(m):
    for child in m._children.values():
        if type(child).__name__ == "FitTown":
            return child.bounds
    raise AssertionError("no fit_bounds on the map")


def test_datums_of_the_basemaps():
    assert {k for k in BASEMAPS if basemap_datum(k) == "gcj02"} == {"gaode_vector",
                                                                    "gaode_satellite"}
    assert basemap_datum("tianditu_vector") == "wgs84"  # CGCS2000 ≈ WGS84


def test_gaode_tiles_and_attribution_in_the_page(stations):
    html = _render({"metro_stations": stations}, "gaode_satellite")
    assert "webst0{s}.is.autonavi.com/appmaptile?style=6" in html
    assert "style=8" in html  # the label layer over the imagery
    assert json.dumps("高德地图")[1:-1] in html  # attribution (JSON-escaped in the script)


def test_tianditu_without_key_draws_no_tiles_and_explains(stations):
    assert basemap_title("tianditu_vector", "zh").endswith(t("basemap_no_key_suffix", "zh"))
    assert "no key configured" in basemap_title("tianditu_vector", "en")
    html = _render({"metro_stations": stations}, "tianditu_vector")
    assert "tianditu.gov.cn" not in html
    assert json.loads(_notice_text(html)) == t("basemap_no_key", "zh")
    assert STATION in drawn_features(html)  # the layers still draw


def _notice_text(html: str) -> str:
    m = re.search(r"div\.textContent = (\".*?\");", html)
    assert m, "no notice on the map"
    return m.group(1)


def test_tianditu_key_from_environment(stations, monkeypatch):
    monkeypatch.setenv(tilekeys.TIANDITU_ENV, FAKE_KEY)
    assert basemap_title("tianditu_vector", "zh") == "天地图矢量"
    html = _render({"metro_stations": stations}, "tianditu_vector")
    assert html.count(f"tk={FAKE_KEY}") == 2  # streets + labels
    assert "LAYER=vec" in html and "LAYER=cva" in html
    assert "div.textContent" not in html


def test_tianditu_key_from_config_file(stations, monkeypatch, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[tianditu]\nkey = "{FAKE_KEY}"\n', encoding="utf-8")
    monkeypatch.setenv(tilekeys.CONFIG_ENV, str(cfg))
    assert tilekeys.tianditu_key() == FAKE_KEY
    html = _render({"metro_stations": stations}, "tianditu_satellite")
    assert "img_w/wmts?" in html and f"tk={FAKE_KEY}" in html


@pytest.mark.parametrize("bad", ["short", FAKE_KEY + "&x=<script>", "g" * 32, ""])
def test_malformed_key_counts_as_absent(monkeypatch, bad):
    monkeypatch.setenv(tilekeys.TIANDITU_ENV, bad)
    assert tilekeys.tianditu_key() is None


def test_no_key_in_the_repository():
    """No 32-hex Tianditu key is committed anywhere in the repository."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    pattern = re.compile(r"(tk=|tianditu[^\n]{0,40}key\s*=\s*[\"'])([0-9a-fA-F]{32})")
    hits = []
    for name in files:
        path = REPO_ROOT / name
        if path.suffix in {".png", ".jpg", ".gpkg", ".xlsx", ".zip"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        hits += [f"{name}: {m.group(0)}" for m in pattern.finditer(text)
                 if m.group(2) != FAKE_KEY]
    assert not hits, hits


@pytest.mark.slow
def test_briefing_map_and_the_map_catalogue_do_not_load_folium():
    """The matplotlib briefing map takes basemaps and styles only: a PDF never loads folium
    (checked in a new Python process, whose modules are only these)."""
    light = ["songnan_geo.briefing.map"] + [f"songnan_geo.maps.{m}" for m in ("basemaps", "styles", "popups")]
    out = python_child(f"import sys, {', '.join(light)}; "
                       "print(sorted(m for m in ('folium', 'branca', 'streamlit') if m in sys.modules))")
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr
