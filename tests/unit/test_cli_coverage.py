"""``python -m songnan_geo coverage`` end to end on files: points and polygon facilities,
both methods, every output format, and bad input (no CRS, unknown type…) → exit 2 with a
message that names the problem and writes nothing."""
from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import pytest
from conftest import DATA_DIR, REPO_ROOT
from shapely.geometry import Point, box

from songnan_geo.cli import main
from songnan_geo.coords.crs import TOWN_CRS

X0, Y0 = 500_000.0, 3_469_000.0


@pytest.fixture
def files(tmp_path):
    fac = gpd.GeoDataFrame(
        {"id": ["a", "b"], "type": ["小学", "公园绿地"]},
        geometry=[Point(X0, Y0), box(X0 + 2000, Y0, X0 + 2200, Y0 + 200)], crs=TOWN_CRS)
    demand = gpd.GeoDataFrame(
        {"name": ["near radius", "half", "far", "in park"], "population": [10, 100, 5, 7]},
        geometry=[Point(X0 + 600, Y0 + 790), box(X0 - 1100, Y0 - 50, X0 - 900, Y0 + 50).buffer(0),
                  Point(X0 + 5000, Y0 + 5000), Point(X0 + 2100, Y0 + 100)], crs=TOWN_CRS)
    # "half": a 200 m wide block straddling x = -1000, the west edge of the 1000 m disk
    # (nearly straight there: the share is just under 0.5).
    paths = {"fac": tmp_path / "fac.geojson", "demand": tmp_path / "demand.geojson"}
    fac.to_crs(4326).to_file(paths["fac"], driver="GeoJSON")
    demand.to_crs(4326).to_file(paths["demand"], driver="GeoJSON")
    return paths


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys):
    """The command in this process (``songnan_geo.cli.main``), as a user would call it."""
    def run(*args):
        capsys.readouterr()
        code = main(["coverage", *map(str, args)])
        out, err = capsys.readouterr()
        return Run(code, out, err)
    return run


def summary_numbers(stdout: str):
    last = stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"summary: total weight (\S+), covered weight (\S+), covered share (\S+) "
                     r"\(weight: .+\)", last)
    assert m, last
    return [float(g) for g in m.groups()]


def test_end_to_end_geojson_points_and_polygon_facility(files, tmp_path, run_cli):
    out = tmp_path / "out.geojson"
    p = run_cli("--facilities", files["fac"], "--demand", files["demand"], "--radius-m", 1000,
                "--weight", "population", "--out", out)
    assert p.returncode == 0, p.stderr
    got = gpd.read_file(out)
    assert got.crs.to_epsg() == 4326
    assert got["name"].tolist() == ["near radius", "half", "far", "in park"]
    assert got["covered"].tolist() == [True, True, False, True]
    assert got["covered_share"].iloc[0] == 1 and got["covered_share"].iloc[2] == 0
    assert 0.45 < got["covered_share"].iloc[1] < 0.5
    assert got["nearest_m"].iloc[0] == pytest.approx(992.0, abs=0.05)  # hypot(600, 790)
    assert got["nearest_m"].iloc[3] == pytest.approx(0)         # inside the park polygon
    assert got["covered_pop"].tolist() == pytest.approx(
        (got["covered_share"] * got["population"]).tolist())
    total, covered, share = summary_numbers(p.stdout)
    assert total == 122 and covered == pytest.approx(got["covered_pop"].sum(), rel=1e-5)
    assert share == pytest.approx(covered / total, abs=1e-4)


def test_type_filter_network_method_and_csv(files, tmp_path, run_cli):
    roads = tmp_path / "roads.geojson"
    gpd.GeoDataFrame(geometry=[__import__("shapely").LineString(
        [(X0 - 3000, Y0), (X0 + 6000, Y0)])], crs=TOWN_CRS).to_crs(4326).to_file(roads)
    out = tmp_path / "out.csv"
    p = run_cli("--facilities", files["fac"], "--demand", files["demand"], "--type", "小学",
                "--radius-m", 1500, "--method", "network", "--roads", roads, "--out", out)
    assert p.returncode == 0, p.stderr
    got = pd.read_csv(out)
    assert "geometry" not in got.columns
    assert {"covered", "covered_share", "nearest_m", "walk_min", "snap_m"} <= set(got.columns)
    # "near radius": 600 along the road + 790 off it = 1390 m walk.
    assert got["nearest_m"].iloc[0] == pytest.approx(1390, abs=0.05)
    assert got["snap_m"].iloc[0] == pytest.approx(790, abs=0.05)
    assert bool(got["covered"].iloc[0])
    # Without --weight every feature weighs 1.
    total, covered, share = summary_numbers(p.stdout)
    assert total == 4 and covered == pytest.approx(got["covered_share"].sum(), rel=1e-5)
    assert "(weight: each feature counts 1)" in p.stdout


def test_xlsx_output_in_process(files, tmp_path, capsys):
    out = tmp_path / "out.xlsx"
    code = main(["coverage", "--facilities", str(files["fac"]), "--demand", str(files["demand"]),
                 "--radius-m", "1000", "--out", str(out)])
    assert code == 0
    got = pd.read_excel(out, engine="openpyxl")
    assert len(got) == 4 and got["covered"].tolist() == [True, True, False, True]


def test_file_without_crs_is_a_clear_error(files, tmp_path, run_cli):
    shp = tmp_path / "nocrs.shp"
    points = gpd.read_file(files["demand"]).iloc[[0, 2, 3]].to_crs(TOWN_CRS)
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        points.set_crs(None, allow_override=True).to_file(shp)
    assert not (tmp_path / "nocrs.prj").exists()
    out = tmp_path / "out.geojson"
    p = run_cli("--facilities", files["fac"], "--demand", shp, "--radius-m", 500, "--out", out)
    assert p.returncode == 2
    assert "demand file" in p.stderr and "has no CRS" in p.stderr and ".prj" in p.stderr
    assert not out.exists()


def test_projected_coordinates_in_a_geojson_are_caught(files, tmp_path, run_cli):
    bad = tmp_path / "projected.geojson"
    bad.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                   f'"geometry":{{"type":"Point","coordinates":[{X0},{Y0}]}}}}]}}', encoding="utf-8")
    p = run_cli("--facilities", bad, "--demand", files["demand"], "--radius-m", 500,
                "--out", tmp_path / "o.geojson")
    assert p.returncode == 2 and "they are projected" in p.stderr


@pytest.mark.parametrize("extra,message", [
    (["--type", "中学"], "--type 中学 matches no facility"),
    (["--method", "network"], "--method network needs --roads FILE"),
    (["--weight", "people"], "weight field 'people' is not a column of demand"),
])
def test_bad_arguments_name_the_fix(files, tmp_path, run_cli, extra, message):
    out = tmp_path / "o.geojson"
    p = run_cli("--facilities", files["fac"], "--demand", files["demand"], "--radius-m", 500,
                "--out", out, *extra)
    assert p.returncode == 2 and message in p.stderr, p.stderr
    assert not out.exists()


def test_bad_output_and_radius(files, tmp_path, run_cli):
    p = run_cli("--facilities", files["fac"], "--demand", files["demand"], "--radius-m", 0,
                "--out", tmp_path / "o.geojson")
    assert p.returncode == 2 and "--radius-m" in p.stderr
    p = run_cli("--facilities", files["fac"], "--demand", files["demand"], "--radius-m", 10,
                "--out", tmp_path / "o.txt")
    assert p.returncode == 2 and "unknown format" in p.stderr
    p = run_cli("--facilities", tmp_path / "nope.geojson", "--demand", files["demand"],
                "--radius-m", 10, "--out", tmp_path / "o.geojson")
    assert p.returncode == 2 and "does not exist" in p.stderr


@pytest.mark.slow
def test_town_layers_as_a_real_process(tmp_path):
    """``python -m songnan_geo coverage`` in a subprocess, on the town's own files."""
    out = tmp_path / "town.geojson"
    args = ["--facilities", DATA_DIR / "facilities.geojson", "--demand",
            DATA_DIR / "residential.geojson", "--type", "初中", "--radius-m", 1000, "--weight",
            "population", "--method", "network", "--roads", DATA_DIR / "roads.geojson", "--out", out]
    p = subprocess.run([sys.executable, "-m", "songnan_geo", "coverage", *map(str, args)],
                       cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    got = gpd.read_file(out)
    assert len(got) == 24 and (got["covered_pop"] <= got["population"]).all()
    assert "method network" in p.stdout
    total, covered, share = summary_numbers(p.stdout)
    assert total == got["population"].sum() and 0 < share < 1


def test_best_sites_with_and_without_capacities(tmp_path, run_cli):
    """``--standard`` with ``--candidates``: MCLP sites, and capacitated ones with
    ``--new-capacity`` once every existing facility of the type has a capacity."""
    fac = gpd.read_file(DATA_DIR / "facilities.geojson")
    res = gpd.read_file(DATA_DIR / "residential.geojson")
    cands = gpd.GeoDataFrame({"name": ["west", "centre", "east"]},
                             geometry=res.to_crs(TOWN_CRS).geometry.representative_point().iloc[[0, 8, 16]]
                             .values, crs=TOWN_CRS)
    paths = {"fac": tmp_path / "fac.geojson", "cands": tmp_path / "cands.geojson"}
    fac.to_file(paths["fac"], driver="GeoJSON")
    cands.to_crs(4326).to_file(paths["cands"], driver="GeoJSON")
    base = ["--facilities", paths["fac"], "--demand", DATA_DIR / "residential.geojson",
            "--standard", "gb50180_2018", "--type", "幼儿园", "--method", "euclidean",
            "--candidates", paths["cands"], "--k", 2, "--out", tmp_path / "o.csv"]
    got = run_cli(*base)
    assert got.returncode == 0, got.stderr
    lines = [x for x in got.stdout.splitlines() if x.startswith("site ")]
    assert len(lines) == 2 and "best sites for 幼儿园 (MCLP, 2 of 3 candidates)" in got.stdout
    assert re.match(r"site 1: (west|centre|east) at lon 121\.\d+, lat 31\.\d+: \+[\d,]+ people "
                    r"\(\+\d+\.\d pp\), share covered after \d+\.\d %", lines[0]), lines[0]
    bad = run_cli(*base, "--new-capacity", 300)
    assert bad.returncode == 2 and "capacitated siting needs the capacity of every existing " \
        "facility; 3 have none" in bad.stderr
    fac.loc[fac["type"] == "幼儿园", "capacity"] = 150
    fac.to_file(paths["fac"], driver="GeoJSON")
    cap = run_cli(*base, "--new-capacity", 300)
    assert cap.returncode == 0, cap.stderr
    assert "capacitated MCLP" in cap.stdout and "share served within capacity" in cap.stdout
    gains = [int(m.replace(",", "")) for m in re.findall(r": \+([\d,]+) people", cap.stdout)]
    assert len(gains) == 2 and all(0 < g <= 300 for g in gains)   # a site serves ≤ 300
    assert run_cli(*base[:-6], "--new-capacity", 300, "--out", tmp_path / "o.csv").returncode == 2
