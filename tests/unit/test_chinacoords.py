"""WGS84 ↔ GCJ-02 ↔ BD-09 on the public test vectors, round trips, every geometry type,
CGCS2000 Gauss–Krüger zones, and the ``convert`` command."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import DATA_DIR, REPO_ROOT
from pyproj import Geod
from shapely.geometry import (
    GeometryCollection,
    LinearRing,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)

from songnan_geo.cli import main as cli_main
from songnan_geo.coords import chinacoords as cc

VECTORS = Path(__file__).parent.parent / "fixtures" / "coord_test_vectors.csv"
GEOD = Geod(ellps="WGS84")
_NAMES = {"WGS84": "wgs84", "GCJ-02": "gcj02", "BD-09": "bd09"}


def _rows():
    with open(VECTORS, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def dist_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(np.ravel(lon1), np.ravel(lat1), np.ravel(lon2), np.ravel(lat2))[2])


def test_vectors_file_is_the_standard_subset():
    rows = _rows()
    assert len(rows) == 13
    assert not [r for r in rows if "VARIANT" in r["expected_method"]], \
        "eviltransform's variant BD-09 rows must stay out"


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["test"])
def test_public_vector_within_half_a_metre(row):
    x, y = cc.convert_lonlat(float(row["in_lon"]), float(row["in_lat"]),
                             _NAMES[row["from_crs"]], _NAMES[row["to_crs"]])
    err = dist_m(x, y, float(row["expected_lon"]), float(row["expected_lat"]))[0]
    assert err < 0.5, f"{row['test']}: {err:.3f} m from the expected value"


def test_forward_vectors_are_exact():
    """The forward formulas reproduce the sources to 1 mm (they are the same formula)."""
    for row in _rows():
        if row["expected_method"].startswith(("forward", "standard x_pi")) and \
                row["from_crs"] != "BD-09":
            x, y = cc.convert_lonlat(float(row["in_lon"]), float(row["in_lat"]),
                                     _NAMES[row["from_crs"]], _NAMES[row["to_crs"]])
            assert dist_m(x, y, float(row["expected_lon"]), float(row["expected_lat"]))[0] < 0.002


def _grid():
    lon, lat = np.meshgrid(np.linspace(121.30, 121.70, 41), np.linspace(31.10, 31.50, 41))
    # plus points all over China
    lon = np.concatenate([lon.ravel(), np.linspace(75, 135, 61)])
    lat = np.concatenate([lat.ravel(), np.linspace(18, 53, 61)])
    return lon, lat


@pytest.mark.parametrize("a,b", [("wgs84", "gcj02"), ("wgs84", "bd09"), ("gcj02", "bd09")])
def test_round_trip_under_a_centimetre(a, b):
    lon, lat = _grid()
    x, y = cc.convert_lonlat(lon, lat, a, b)
    assert dist_m(lon, lat, x, y).min() > 100, "the conversion must actually move the points"
    x2, y2 = cc.convert_lonlat(x, y, b, a)
    err = dist_m(lon, lat, x2, y2)
    assert err.max() < 0.01, f"round trip {a}→{b}→{a}: max {err.max():.2e} m"


def test_exact_inverse_beats_the_one_step_shortcut():
    lon, lat = 116.404, 39.915
    one_step = 2 * np.array([lon, lat]) - np.array(cc.wgs84_to_gcj02(lon, lat))
    exact = cc.gcj02_to_wgs84(lon, lat)
    fwd = cc.wgs84_to_gcj02(*exact)
    assert dist_m(*fwd, lon, lat)[0] < 1e-6
    assert dist_m(*one_step, *exact)[0] > 0.05  # the shortcut is ~0.06 m off here


def test_shift_size_and_direction_in_songnan():
    e, n = cc.shift_m(121.49, 31.35, "wgs84", "gcj02")
    assert 400 < e < 450 and -240 < n < -190  # about 480 m to the east-south-east
    e, n = cc.shift_m(121.49, 31.35, "wgs84", "bd09")
    assert 1000 < np.hypot(e, n) < 1200


def test_outside_china_is_unchanged_like_the_standard_formula():
    lon = np.array([2.35, -74.0, 139.69, 121.49])
    lat = np.array([48.85, 40.7, 35.69, 31.35])
    x, y = cc.wgs84_to_gcj02(lon, lat)
    assert np.array_equal(x[:3], lon[:3]) and np.array_equal(y[:3], lat[:3])
    assert x[3] != lon[3]
    x, y = cc.gcj02_to_wgs84(lon[:3], lat[:3])
    assert np.array_equal(x, lon[:3]) and np.array_equal(y, lat[:3])
    assert cc.out_of_china(lon, lat).tolist() == [True, True, True, False]


def test_arrays_keep_their_shape_and_nan_passes_through():
    lon = np.full((3, 4), 121.49)
    lat = np.full((3, 4), 31.35)
    lon[1, 2] = np.nan
    x, y = cc.convert_lonlat(lon, lat, "bd09", "wgs84")
    assert x.shape == (3, 4) and np.isnan(x[1, 2]) and np.isfinite(x[0, 0])
    with pytest.raises(ValueError, match="same shape"):
        cc.convert_lonlat([1, 2], [3], "wgs84", "gcj02")
    with pytest.raises(ValueError, match="src 'utm' is not one of wgs84, gcj02, bd09"):
        cc.convert_lonlat(1, 2, "utm", "gcj02")


def _every_geometry():
    ring = [(121.48, 31.34), (121.50, 31.34), (121.50, 31.36), (121.48, 31.36), (121.48, 31.34)]
    hole = [(121.485, 31.345), (121.49, 31.345), (121.49, 31.35), (121.485, 31.345)]
    return [
        Point(121.49, 31.35), Point(121.49, 31.35, 7.5),
        MultiPoint([(121.48, 31.34), (121.5, 31.36)]),
        LineString(ring[:3]), LinearRing(ring),
        MultiLineString([ring[:2], ring[2:4]]),
        Polygon(ring, [hole]), MultiPolygon([Polygon(ring), Polygon(hole)]),
        GeometryCollection([Point(121.49, 31.35), LineString(ring[:2])]),
        Polygon(), None,
    ]


def test_every_geometry_type_moves_vertex_by_vertex():
    geoms = np.array(_every_geometry(), dtype=object)
    out = cc.convert_geometry(geoms, "wgs84", "gcj02")
    for g, o in zip(geoms, out):
        if g is None:
            assert o is None
            continue
        assert o.geom_type == g.geom_type and o.has_z == g.has_z
        if g.is_empty:
            assert o.is_empty
            continue
        xy = shapely.get_coordinates(g, include_z=g.has_z)
        oxy = shapely.get_coordinates(o, include_z=o.has_z)
        ex, ey = cc.wgs84_to_gcj02(xy[:, 0], xy[:, 1])
        assert np.allclose(oxy[:, 0], ex, atol=0, rtol=0) and np.allclose(oxy[:, 1], ey, atol=0,
                                                                          rtol=0)
        if g.has_z:
            assert np.array_equal(oxy[:, 2], xy[:, 2]), "Z values stay unchanged"
    # Holes stay holes, rings stay closed.
    assert len(out[6].interiors) == 1 and out[4].is_ring


def test_geodataframe_conversion_keeps_rows_columns_and_crs_label():
    stations = gpd.read_file(DATA_DIR / "metro_stations.geojson")
    gcj = cc.convert_gdf(stations, "wgs84", "gcj02")
    assert list(gcj.columns) == list(stations.columns) and gcj.crs == stations.crs
    assert gcj.index.equals(stations.index)
    d = dist_m(stations.geometry.x, stations.geometry.y, gcj.geometry.x, gcj.geometry.y)
    assert (d > 400).all() and (d < 600).all()
    back = cc.to_wgs84(gcj, "gcj02")
    assert dist_m(stations.geometry.x, stations.geometry.y, back.geometry.x,
                  back.geometry.y).max() < 0.01
    assert stations.geometry.x.iloc[0] != gcj.geometry.x.iloc[0], "input was not modified"
    with pytest.raises(ValueError, match="projected CRS"):
        cc.convert_gdf(stations.to_crs(4549), "wgs84", "gcj02")


def test_reference_stations_agree_with_their_gcj_source():
    """data/geo/reference/metro_stations.csv keeps each station's raw Amap GCJ-02 position
    (lon_src/lat_src, 6 decimals) next to the WGS84 one the data were built from: the exact
    inverse lands within 0.5 m of it (6-decimal rounding is ~0.1 m)."""
    with open(DATA_DIR / "reference" / "metro_stations.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["source_crs"] == "GCJ-02"]
    assert len(rows) >= 30
    src = np.array([[float(r["lon_src"]), float(r["lat_src"])] for r in rows])
    wgs = np.array([[float(r["lon_wgs84"]), float(r["lat_wgs84"])] for r in rows])
    x, y = cc.gcj02_to_wgs84(src[:, 0], src[:, 1])
    err = dist_m(x, y, wgs[:, 0], wgs[:, 1])
    assert err.max() < 0.5, err.max()
    assert dist_m(src[:, 0], src[:, 1], wgs[:, 0], wgs[:, 1]).min() > 400


# --------------------------------------------------------------------------- CGCS2000

@pytest.mark.parametrize("lon,epsg,prefixed", [
    (121.49, 4549, 4528), (121.4999999, 4549, 4528), (121.5, 4550, 4529), (121.51, 4550, 4529),
    (116.4, 4548, 4527), (75.0, 4534, 4513), (135.0, 4554, 4533)])
def test_gk3_zone_for_longitude(lon, epsg, prefixed):
    assert cc.gk3_zone_crs(lon).to_epsg() == epsg
    assert cc.gk3_zone_crs(lon, zone_prefix=True).to_epsg() == prefixed
    assert f"{3 * cc.gk3_zone(lon)}E" in cc.gk3_zone_crs(lon).name


def test_gk3_zone_outside_china_is_an_error():
    with pytest.raises(ValueError, match="outside China's CGCS2000 zones"):
        cc.gk3_zone_crs(10.0)


def test_songnan_straddles_the_zone_seam():
    """The town boundary falls in both zones: the reason the town CRS is a local TM."""
    boundary = gpd.read_file(DATA_DIR / "boundary.geojson")
    zones = {cc.gk3_zone_crs(x).to_epsg() for x in shapely.get_coordinates(boundary.geometry)[:, 0]}
    assert zones == {4549, 4550}


def test_cgcs2000_projection_round_trip_through_pyproj():
    pt = gpd.GeoDataFrame(geometry=[Point(121.49, 31.35)], crs=cc.CGCS2000)
    gk = pt.to_crs(cc.gk3_zone_crs(121.49))
    assert 600_000 < gk.geometry.x.iloc[0] < 700_000  # 1.5° east of 120°E
    back = cc.to_wgs84(gk)
    assert dist_m(back.geometry.x, back.geometry.y, 121.49, 31.35)[0] < 0.001


@pytest.mark.parametrize("spec,datum,epsg", [
    ("WGS84", "wgs84", 4326), ("GCJ-02", "gcj02", 4326), ("bd09", "bd09", 4326),
    ("cgcs2000", None, 4490), ("EPSG:4549", None, 4549), ("4550", None, 4550)])
def test_parse_coord_system(spec, datum, epsg):
    d, crs = cc.parse_coord_system(spec)
    assert d == datum and crs.to_epsg() == epsg


def test_parse_coord_system_names_the_argument():
    with pytest.raises(ValueError, match="--from 'mars' is neither a datum"):
        cc.parse_coord_system("mars", "--from")


# --------------------------------------------------------------------------- CLI

def _cli(args, capsys):
    code = cli_main(["convert", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_lonlat_prints_seven_decimals(capsys):
    code, out, _ = _cli(["--from", "bd09", "--to", "wgs84", "--lonlat", "116.404", "39.915"],
                        capsys)
    assert code == 0
    x, y = out.split()
    assert len(x.split(".")[1]) == 7 and len(y.split(".")[1]) == 7
    ex, ey = cc.bd09_to_wgs84(116.404, 39.915)
    assert out.strip() == f"{float(ex):.7f} {float(ey):.7f}"


def test_cli_lonlat_to_a_gauss_kruger_zone(capsys):
    code, out, _ = _cli(["--from", "wgs84", "--to", "EPSG:4550", "--lonlat", "121.51", "31.35"],
                        capsys)
    assert code == 0
    x, y = map(float, out.split())
    assert 300_000 < x < 500_000 and 3_460_000 < y < 3_480_000


def test_cli_bad_arguments_exit_2_with_a_message(capsys):
    code, _, err = _cli(["--from", "mars", "--to", "wgs84", "--lonlat", "1", "2"], capsys)
    assert code == 2 and "--from 'mars'" in err
    code, _, err = _cli(["--from", "wgs84", "--to", "gcj02"], capsys)
    assert code == 2 and "IN OUT" in err
    code, _, err = _cli(["--from", "wgs84", "--to", "gcj02", "nope.geojson", "x.geojson"], capsys)
    assert code == 2 and "does not exist" in err


def test_cli_file_round_trip_through_gpkg_and_zip(tmp_path, capsys):
    src = DATA_DIR / "metro_stations.geojson"
    gpkg, shp, back = tmp_path / "st.gpkg", tmp_path / "st.zip", tmp_path / "back.geojson"
    assert _cli(["--from", "wgs84", "--to", "gcj02", str(src), str(gpkg)], capsys)[0] == 0
    assert _cli(["--from", "gcj02", "--to", "bd09", str(gpkg), str(shp)], capsys)[0] == 0
    assert _cli(["--from", "bd09", "--to", "wgs84", str(shp), str(back)], capsys)[0] == 0
    a, b = gpd.read_file(src), gpd.read_file(back)
    assert len(a) == len(b) == 15
    assert dist_m(a.geometry.x, a.geometry.y, b.geometry.x, b.geometry.y).max() < 0.01
    mid = gpd.read_file(gpkg)
    gx, gy = cc.wgs84_to_gcj02(a.geometry.x, a.geometry.y)
    assert dist_m(mid.geometry.x, mid.geometry.y, gx, gy).max() < 0.001


def test_cli_refuses_to_relabel_a_projected_file(tmp_path, capsys):
    src = tmp_path / "gk.gpkg"
    gpd.read_file(DATA_DIR / "metro_stations.geojson").to_crs(4549).to_file(src)
    code, _, err = _cli(["--from", "wgs84", "--to", "gcj02", str(src), str(tmp_path / "o.geojson")],
                        capsys)
    assert code == 2 and "declares EPSG:4549" in err and not (tmp_path / "o.geojson").exists()
    code, _, _ = _cli(["--from", "EPSG:4549", "--to", "gcj02", str(src), str(tmp_path / "o.geojson")],
                      capsys)
    assert code == 0


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "songnan_geo", "convert", "--from", "wgs84",
                           "--to", "gcj02", "--lonlat", "121.49", "31.35"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    x, y = cc.wgs84_to_gcj02(121.49, 31.35)
    assert proc.stdout.strip() == f"{float(x):.7f} {float(y):.7f}"
