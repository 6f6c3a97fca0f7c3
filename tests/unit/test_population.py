"""lifecircle.population: each 居委's residents spread over its buildings by floor area, or its land."""
from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from songnan_geo.coords.crs import TOWN_CRS
from songnan_geo.layers.io import load_layer
from songnan_geo.lifecircle.coverage import coverage
from songnan_geo.lifecircle.population import (
    ESTIMATE_SOURCE,
    demand_points,
    juwei_populations,
    resident_demand,
)


def juwei(populations=(1000.0, 2000.0)) -> gpd.GeoDataFrame:
    """Two 200 m × 100 m 居委 side by side (TOWN_CRS metres), with the layer's estimate."""
    return gpd.GeoDataFrame(
        {"id": ["A", "B"], "name": ["甲居委会", "乙居委会"], "population": list(populations),
         "population_estimated": [True, True]},
        geometry=[box(0, 0, 200, 100), box(200, 0, 400, 100)], crs=TOWN_CRS)


def buildings(rows) -> gpd.GeoDataFrame:
    """(x, y, side_m, levels, building tag) → square footprints."""
    return gpd.GeoDataFrame(
        {"levels": [r[3] for r in rows], "building": [r[4] for r in rows]},
        geometry=[box(x, y, x + s, y + s) for x, y, s, _, _ in rows], crs=TOWN_CRS)


def test_an_entered_figure_spreads_by_floor_area_25_75():
    # 1,000 m² (10 m × 10 m × 10 storeys) and 3,000 m² (10 m × 10 m × 30 storeys) in 居委 A
    b = buildings([(10, 10, 10, 10, "apartments"), (100, 10, 10, 30, "apartments")])
    pts = demand_points(juwei(), {"A": {"population": 4000, "source": "居委台账", "year": 2024}}, b)
    a = pts[pts["juwei_id"] == "A"].sort_values("floor_area_m2")
    assert a["floor_area_m2"].tolist() == pytest.approx([1000, 3000])
    assert a["population"].tolist() == pytest.approx([1000, 3000])   # 25 % / 75 % of 4,000
    assert set(a["population_source"]) == {"entered by editor, 居委台账 2024"}
    assert not a["estimated"].any() and set(a["method"]) == {"buildings"}
    assert a.geometry.x.tolist() == pytest.approx([15, 105])       # at the buildings
    assert pts.crs == TOWN_CRS


def test_floor_area_column_wins_over_footprint_times_levels():
    b = buildings([(10, 10, 10, 1, "residential"), (100, 10, 10, 1, "residential")])
    b["floor_area_m2"] = [1000.0, 3000.0]
    a = demand_points(juwei(), None, b).query("juwei_id == 'A'")
    assert sorted(a["population"]) == pytest.approx([250, 750])     # the estimate 1,000: 25/75
    assert set(a["population_source"]) == {ESTIMATE_SOURCE} and a["estimated"].all()


def test_only_residential_buildings_hold_residents_when_known():
    b = buildings([(10, 10, 10, 2, "apartments"), (50, 10, 10, 2, "school"),
                   (100, 10, 10, 2, "yes")])
    a = demand_points(juwei(), None, b).query("juwei_id == 'A'")
    assert len(a) == 1 and a["population"].sum() == pytest.approx(1000)
    # none known residential: every building not known non-residential (untagged "yes") counts
    b2 = buildings([(10, 10, 10, 1, "yes"), (50, 10, 10, 3, "school"), (100, 10, 10, 3, None)])
    a2 = demand_points(juwei(), None, b2).query("juwei_id == 'A'").sort_values("population")
    assert a2["population"].tolist() == pytest.approx([250, 750])


def test_a_juwei_without_buildings_spreads_over_its_land():
    b = buildings([(10, 10, 10, 1, "house")])                         # only in A
    pts = demand_points(juwei(), None, b, cell_m=50)
    bpts = pts[pts["juwei_id"] == "B"]
    # B: 200 m × 100 m at 50 m cells = 8 cells of 2,000 / 8 = 250 each
    assert len(bpts) == 8 and set(bpts["method"]) == {"land"}
    assert bpts["population"].tolist() == pytest.approx([250] * 8)
    assert pts.groupby("juwei_id")["population"].sum().to_dict() == pytest.approx(
        {"A": 1000, "B": 2000})


def test_residential_land_limits_the_spread():
    land = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs=TOWN_CRS)   # west half of A
    pts = demand_points(juwei(), None, None, residential_land=land, cell_m=50)
    a = pts[pts["juwei_id"] == "A"]
    assert len(a) == 4 and (a.geometry.x < 100).all()
    assert a["population"].sum() == pytest.approx(1000)
    assert len(pts[pts["juwei_id"] == "B"]) == 8                     # no land in B: all of B


def test_estimate_without_a_population_column_is_area_times_density():
    j = juwei().drop(columns=["population", "population_estimated"])
    p = juwei_populations(j)
    assert p["population"].tolist() == pytest.approx([0.02 * 21000] * 2)   # 0.02 km² each
    assert p["population_source"].tolist() == ["estimated 21,000/km²"] * 2


def test_geographic_input_is_projected_and_totals_kept():
    j = juwei().to_crs(4326)
    b = buildings([(10, 10, 10, 10, "apartments"), (100, 10, 10, 30, "apartments")]).to_crs(4326)
    pts = demand_points(j, {"B": {"population": 500, "source": "普查", "year": 2020}}, b)
    assert pts.crs == TOWN_CRS
    totals = pts.groupby("juwei_id")["population"].sum()
    assert totals["A"] == pytest.approx(1000) and totals["B"] == pytest.approx(500)
    with pytest.raises(ValueError, match="juwei has no CRS"):
        demand_points(juwei().set_crs(None, allow_override=True))


def test_shipped_layers_give_the_labelled_estimate_and_coverage_accepts_it():
    layers = {"residential": load_layer("residential"), "facilities": load_layer("facilities")}
    pts = resident_demand(layers, None)
    assert pts["population"].sum() == pytest.approx(layers["residential"]["population"].sum())
    assert set(pts["population_source"]) == {ESTIMATE_SOURCE} and pts["estimated"].all()
    assert pts["juwei_id"].nunique() == 24
    r = coverage(pts, layers["facilities"], 500.0, weight="population")
    assert 0 < r["covered_pop"].sum() <= pts["population"].sum() + 1e-6
    entered = {"310113113001": {"population": 5000, "source": "居委台账", "year": 2025}}
    pts2 = resident_demand(layers, entered)
    one = pts2[pts2["juwei_id"] == "310113113001"]
    assert one["population"].sum() == pytest.approx(5000) and not one["estimated"].any()


def test_a_building_on_no_juwei_is_ignored():
    b = buildings([(1000, 1000, 10, 5, "apartments")])
    pts = demand_points(juwei(), None, b, cell_m=100)
    assert set(pts["method"]) == {"land"} and pts["population"].sum() == pytest.approx(3000)


def test_2sfca_uses_residents_where_they_live():
    from songnan_geo.lifecircle.access2sfca import two_step_fca

    # one clinic (capacity 10) at the west end of A; 居委 A's 1,000 residents live in two
    # buildings: 50 m and 180 m from it. With a 100 m catchment only the near building counts.
    j = juwei()
    clinic = gpd.GeoDataFrame({"type": ["卫生站"], "capacity": [10]},
                              geometry=[box(0, 40, 10, 60).centroid], crs=TOWN_CRS)
    b = buildings([(50, 45, 10, 1, "apartments"), (175, 45, 10, 3, "apartments")])
    pts = demand_points(j, None, b, cell_m=50)
    r = two_step_fca(j, clinic, 100.0, demand=pts)
    # near building: 250 residents (1/4 of A's floor area) share 10 places → 40 per 1,000;
    # A's mean over its residents: 40 × 250 / 1000 = 10 per 1,000; B: none in reach
    assert r["access_per_1000"].tolist() == pytest.approx([10.0, 0.0])
    with pytest.raises(ValueError, match="area_index"):
        two_step_fca(j, clinic, 100.0, demand=pts.drop(columns="area_index"))
