"""Coverage on hand-computed cases: a facility exactly on the radius, a demand polygon half
inside, polygon facilities, several radii, the population grid and the town's own layers.

Coordinates are built in the town's metric CRS (metres) around a base point so every
expected number can be worked out by hand.
"""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from songnan_geo.coords.crs import TOWN_CRS
from songnan_geo.layers.io import load_layer
from songnan_geo.lifecircle import coverage as cv
from songnan_geo.lifecircle.network import WalkNetwork

X0, Y0 = 500_000.0, 3_469_000.0  # a point in Songnan, TOWN_CRS metres


def gdf(geoms, crs=TOWN_CRS, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=crs)


# --------------------------------------------------------------------------- euclidean points

def test_facility_exactly_on_the_radius_is_covered():
    fac = gdf([Point(X0, Y0)])
    demand = gdf([Point(X0 + 1000, Y0), Point(X0 + 1000.001, Y0), Point(X0 + 600, Y0 + 800),
                  Point(X0, Y0)])
    out = cv.coverage(demand, fac, 1000)
    assert out["covered"].tolist() == [True, False, True, True]
    assert out["covered_share"].tolist() == [1.0, 0.0, 1.0, 1.0]
    assert out["nearest_m"].tolist() == pytest.approx([1000, 1000.001, 1000, 0], abs=1e-9)
    assert out["nearest_index"].tolist() == [0, 0, 0, 0]


def test_point_coverage_core_matches_brute_force():
    rng = np.random.default_rng(3)
    d, f = rng.random((400, 2)) * 3000, rng.random((25, 2)) * 3000
    covered, dist, idx = cv.point_coverage(d, f, 400)
    brute = np.hypot(*(d[:, None, :] - f[None, :, :]).transpose(2, 0, 1))
    assert np.allclose(dist, brute.min(1))
    assert (idx == brute.argmin(1)).all()
    assert (covered == (brute.min(1) <= 400)).all()


def test_no_facilities_covers_nothing():
    out = cv.coverage(gdf([Point(X0, Y0)]), gdf([]), 500)
    assert out["covered"].tolist() == [False] and math.isinf(out["nearest_m"].iloc[0])


def test_radius_per_type_each_facility_its_own_distance():
    fac = gdf([Point(X0, Y0), Point(X0 + 2000, Y0)], type=["幼儿园", "初中"])
    demand = gdf([Point(X0 + 300, Y0),      # 300 from the kindergarten (300 m): covered
                  Point(X0 + 301, Y0),      # 301 from it, 1699 from the school: not covered
                  Point(X0 + 1000, Y0)])    # 1000 from the school (1000 m): covered
    out = cv.coverage(demand, fac, {"幼儿园": 300, "初中": 1000})
    assert out["covered"].tolist() == [True, False, True]
    assert out["nearest_m"].tolist() == pytest.approx([300, 301, 1000])
    with pytest.raises(ValueError, match="no distance for facility type\\(s\\) 初中"):
        cv.coverage(demand, fac, {"幼儿园": 300})


# --------------------------------------------------------------------------- polygons

def _strip_facility():
    # A long thin polygon facility: its 100 m service area has a straight edge at Y0 + 100.
    return gdf([box(X0 - 5000, Y0 - 10, X0 + 5000, Y0)])


def test_demand_polygon_half_inside():
    demand = gdf([box(X0, Y0 + 50, X0 + 100, Y0 + 150)], population=[800])
    out = cv.coverage_by_area(demand, _strip_facility(), 100)
    assert out["covered"].iloc[0]
    assert out["covered_share"].iloc[0] == pytest.approx(0.5, abs=1e-9)
    assert out["covered_pop"].iloc[0] == pytest.approx(400, abs=1e-6)
    assert out["nearest_m"].iloc[0] == pytest.approx(50)


def test_polygon_touching_the_radius_is_covered_with_zero_share():
    demand = gdf([box(X0, Y0 + 100, X0 + 100, Y0 + 200)])
    out = cv.coverage(demand, _strip_facility(), 100)
    assert out["covered"].iloc[0] and out["covered_share"].iloc[0] == pytest.approx(0, abs=1e-9)


def test_polygon_facility_distance_is_to_its_edge_and_zero_inside():
    fac = gdf([box(X0, Y0, X0 + 200, Y0 + 200)])  # a park
    demand = gdf([Point(X0 + 100, Y0 + 100), Point(X0 + 230, Y0 + 100), Point(X0 + 230, Y0 + 240)])
    out = cv.coverage(demand, fac, 30)
    assert out["nearest_m"].tolist() == pytest.approx([0, 30, 50])
    assert out["covered"].tolist() == [True, True, False]


def test_disk_inside_a_large_square_share_is_pi_r2_over_area():
    r = 300.0
    demand = gdf([box(X0 - 1000, Y0 - 1000, X0 + 1000, Y0 + 1000)], population=[4000])
    out = cv.coverage_by_area(demand, gdf([Point(X0, Y0)]), r)
    expected = math.pi * r * r / 2000 ** 2
    assert out["covered_share"].iloc[0] == pytest.approx(expected, rel=2e-4)
    assert out["covered_pop"].iloc[0] == pytest.approx(4000 * expected, rel=2e-4)


def test_geographic_inputs_are_projected_and_results_keep_demand_crs():
    fac = gdf([Point(X0, Y0)]).to_crs(4326)
    demand = gdf([Point(X0 + 600, Y0 + 800)])
    out = cv.coverage(demand, fac, 1000)
    assert out.crs == demand.crs
    assert out["nearest_m"].iloc[0] == pytest.approx(1000, abs=1e-3)
    out2 = cv.coverage(demand.to_crs(4326), fac, 1000)
    assert out2.crs.to_epsg() == 4326
    assert out2["nearest_m"].iloc[0] == pytest.approx(1000, abs=1e-3)


def test_missing_crs_and_bad_weight_are_clear_errors():
    fac = gdf([Point(X0, Y0)])
    demand = gpd.GeoDataFrame({"population": [1]}, geometry=[Point(X0, Y0)])
    with pytest.raises(ValueError, match="demand has no CRS.*set_crs"):
        cv.coverage(demand, fac, 100)
    with pytest.raises(ValueError, match="weight field 'pop' is not a column of demand"):
        cv.coverage(demand.set_crs(TOWN_CRS), fac, 100, weight="pop")
    with pytest.raises(ValueError, match="method is 'walk'"):
        cv.coverage(demand.set_crs(TOWN_CRS), fac, 100, method="walk")
    with pytest.raises(ValueError, match="needs network="):
        cv.coverage(demand.set_crs(TOWN_CRS), fac, 100, method="network")
    with pytest.raises(ValueError, match="radius_m must be positive"):
        cv.coverage(demand.set_crs(TOWN_CRS), fac, -5)


# --------------------------------------------------------------------------- grid

def test_population_grid_spreads_weight_evenly():
    areas = gdf([box(X0, Y0, X0 + 100, Y0 + 50), box(X0 + 500, Y0, X0 + 503, Y0 + 3)],
                population=[1000, 7])
    grid = cv.population_grid(areas, cell_m=25, weight="population")
    counts = grid["area_index"].value_counts().to_dict()
    assert counts == {0: 8, 1: 1}  # 4 × 2 centres; the tiny block gets its representative point
    sums = grid.groupby("area_index")["weight"].sum()
    assert sums.tolist() == pytest.approx([1000, 7])
    assert grid.geometry.within(areas.geometry.iloc[0].union(areas.geometry.iloc[1])).all()


# --------------------------------------------------------------------------- network method

def _line_network():
    # One straight road along y = Y0 from X0 to X0 + 2000.
    roads = gdf([__import__("shapely").LineString([(X0, Y0), (X0 + 1000, Y0), (X0 + 2000, Y0)])])
    return WalkNetwork.from_roads(roads)


def test_network_walk_adds_both_snaps():
    net = _line_network()
    fac = gdf([Point(X0, Y0 - 20)])                      # 20 m off the road at x = 0
    demand = gdf([Point(X0 + 500, Y0 + 100)])            # 100 m off the road at x = 500
    out = cv.coverage(demand, fac, 620, method="network", network=net)
    assert out["nearest_m"].iloc[0] == pytest.approx(620)
    assert out["snap_m"].iloc[0] == pytest.approx(100)
    assert out["covered"].iloc[0]
    assert out["walk_min"].iloc[0] == pytest.approx(620 / 75)  # 4.5 km/h = 75 m/min
    assert not cv.coverage(demand, fac, 619.9, method="network", network=net)["covered"].iloc[0]


def test_network_polygon_share_from_grid():
    net = _line_network()
    fac = gdf([Point(X0, Y0)])
    # A 200 × 50 block just above the road, x in [400, 600]: grid centres at x = 412.5 … 587.5,
    # y = 12.5, 37.5. Walk = x + y ≤ 500 for x + y ≤ 500.
    demand = gdf([box(X0 + 400, Y0, X0 + 600, Y0 + 50)], population=[160])
    out = cv.coverage_by_area(demand, fac, 500, method="network", network=net)
    xs = np.arange(412.5, 600, 25)
    ys = np.array([12.5, 37.5])
    expected = ((xs[:, None] + ys[None, :]) <= 500).mean()
    assert out["covered_share"].iloc[0] == pytest.approx(expected)
    assert out["covered_pop"].iloc[0] == pytest.approx(160 * expected)
    assert out["nearest_m"].iloc[0] == pytest.approx(412.5 + 12.5)


def test_polygon_facility_enters_the_network_where_it_is_closest():
    net = _line_network()
    park = gdf([box(X0 + 900, Y0 + 30, X0 + 1100, Y0 + 300)])   # 30 m north of the road
    demand = gdf([Point(X0 + 200, Y0)])
    out = cv.coverage(demand, park, 1000, method="network", network=net)
    assert out["nearest_m"].iloc[0] == pytest.approx(700 + 30)


# --------------------------------------------------------------------------- the town

@pytest.fixture(scope="module")
def town():
    return {n: load_layer(n) for n in ("facilities", "residential", "roads")}


@pytest.mark.parametrize("method", ["euclidean", "network"])
def test_town_coverage_is_consistent(town, method):
    net = WalkNetwork.from_roads(town["roads"]) if method == "network" else None
    fac, res = town["facilities"], town["residential"]
    allr = cv.coverage_by_area(res, fac, 1000, method=method, network=net)
    assert len(allr) == len(res) == 24
    assert (allr["covered_pop"] <= res["population"] + 1e-6).all()
    assert allr["covered_share"].between(0, 1).all()
    assert (allr["covered"] == (allr["nearest_m"] <= 1000)).all()
    whole = cv.coverage_summary(allr, "population")
    assert whole["total"] == res["population"].sum()
    one = cv.coverage_summary(cv.coverage_by_area(res, fac[fac["type"] == "初中"], 1000,
                                                  method=method, network=net), "population")
    assert 0 < one["share"] < whole["share"] <= 1  # adding facilities never lowers coverage
    if method == "network":  # walking never beats the straight line
        euc = cv.coverage_by_area(res, fac, 1000)
        assert (allr["nearest_m"] >= euc["nearest_m"] - 1e-6).all()


def test_service_areas_per_type(town):
    fac = town["facilities"]
    sa = cv.service_areas(fac, {t: 500.0 for t in fac["type"].unique()})
    assert sorted(sa["group"]) == sorted(fac["type"].unique())
    one = sa.set_index("group").loc["初中"]
    assert one["facilities"] == 1
    assert one["area_km2"] == pytest.approx(math.pi * 0.25, rel=2e-3)  # 16 segments per quarter
    net = WalkNetwork.from_roads(town["roads"])
    san = cv.service_areas(fac, 500.0, method="network", network=net).set_index("group")
    # A walking area lies inside the straight-line disk of the same distance.
    for g in san.index:
        assert san.loc[g, "area_km2"] <= sa.set_index("group").loc[g, "area_km2"] + 1e-9
