"""Life-circle indicators (songnan_geo.scenario) on small synthetic towns computed by hand:
per-type shares, the basket (every type, never "any"), per-居委 status, targets in
percentage points, walking vs straight line, and the basis."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from songnan_geo.coords.crs import TOWN_CRS
from songnan_geo.lifecircle import standards as sd
from songnan_geo.lifecircle.recommend import capacities_known, recommend_sites, supply_per_1000
from songnan_geo.lifecircle.scenario import BASKET, ScenarioError, pct, people, pp, run_scenario
from songnan_geo.lifecircle.siting import SitingError


def _standards(radius: dict[str, float]) -> pd.DataFrame:
    return sd.validate_standards(pd.DataFrame([
        {"standard": "t", "standard_zh": "测试", "standard_en": "test", "facility_type": k,
         "tier_min": 15, "radius_m": v, "source": "test", "certain": True, "note": ""}
        for k, v in radius.items()]))


def town(facilities, radius, residential=None, roads=None):
    """Two 居委: A = 1000 × 100 m strip at the origin (1,000 people), B = 100 × 100 m far
    east (1,000 people)."""
    res = residential if residential is not None else gpd.GeoDataFrame(
        {"id": ["a", "b"], "name": ["A", "B"], "population": [1000.0, 1000.0]},
        geometry=[box(0, 0, 1000, 100), box(5000, 0, 5100, 100)], crs=TOWN_CRS)
    fac = gpd.GeoDataFrame({"type": [f[0] for f in facilities], "name": [f[0] for f in facilities]},
                           geometry=[Point(f[1], f[2]) for f in facilities], crs=TOWN_CRS)
    layers = {"residential": res, "facilities": fac}
    if roads is not None:
        layers["roads"] = gpd.GeoDataFrame(geometry=roads, crs=TOWN_CRS)
    return layers, _standards(radius)


def test_per_type_basket_and_status_by_hand():
    # X at the strip's west end reaches x ≤ 498.6 m of A's 25 m grid (20 of 40 columns);
    # Y at the east end within 300 m reaches x ≥ 702 (12 columns). No point reaches both.
    layers, std = town([("X", 0, 50), ("Y", 1000, 50)], {"X": 500, "Y": 300})
    r = run_scenario(layers, ["X", "Y"], "t", method="euclidean", standards=std)
    share = dict(zip(r.per_type["type"], r.per_type["share"]))
    assert share == pytest.approx({"X": 0.25, "Y": 0.15})
    assert r.basket["share"] == 0.0          # nobody reaches both: "any type" would be 40 %
    assert r.per_type["covered"].round().tolist() == [500, 300]
    a = r.by_area[r.by_area["id"] == "a"].set_index("type")
    b = r.by_area[r.by_area["id"] == "b"].set_index("type")
    assert a.loc["X", "status"] == "partly" and a.loc["X", "share"] == pytest.approx(0.5)
    assert b.loc["X", "status"] == "none" and a.loc[BASKET, "status"] == "none"
    assert "不超过 500 米" in r.definition("X") and "500 m" in r.definition("X", "en")
    assert "全部 2 类" in r.definition(BASKET)
    assert r.method_label() == "直线距离（上限）"
    t = r.targets_table().set_index(["year", "type"])
    assert t.loc[(2025, "X"), "gap_pp"] == pytest.approx(25.0 - 85.0)
    assert t.loc[(2035, BASKET), "gap_pp"] == pytest.approx(-99.0)
    assert pct(0.8781) == "87.8 %" and people(5191.8) == "5,192" and pp(-11.24) == "-11.2 个百分点"


def test_a_neighbourhood_entirely_within_reach_is_covered_and_a_small_share_is_not():
    layers, std = town([("X", 5050, 50), ("Y", 0, 50)], {"X": 200, "Y": 200})
    r = run_scenario(layers, ["X", "Y"], "t", method="euclidean", standards=std)
    rows = r.by_area.set_index(["id", "type"])
    assert rows.loc[("b", "X"), "status"] == "covered" and rows.loc[("b", "X"), "share"] == 1.0
    assert rows.loc[("a", "Y"), "status"] == "partly" and rows.loc[("a", "Y"), "share"] < 0.25


def test_area_basis_counts_land_not_people():
    # B has 9× the people of A but the same land: X covers all of B and none of A.
    res = gpd.GeoDataFrame({"id": ["a", "b"], "name": ["A", "B"], "population": [100.0, 900.0]},
                           geometry=[box(0, 0, 100, 100), box(5000, 0, 5100, 100)], crs=TOWN_CRS)
    layers, std = town([("X", 5050, 50)], {"X": 200}, residential=res)
    by_pop = run_scenario(layers, ["X"], "t", method="euclidean", standards=std)
    by_land = run_scenario(layers, ["X"], "t", method="euclidean", basis="area", standards=std)
    assert by_pop.per_type["share"].iloc[0] == pytest.approx(0.9)
    assert by_land.per_type["share"].iloc[0] == pytest.approx(0.5)
    assert "居住用地面积" in by_land.definition("X")


def test_walking_is_never_above_the_straight_line_and_auto_walks_only_on_a_dense_network():
    # A road along the strip's axis: every home is at most 50 m from it.
    roads = [LineString([(-100, 50), (1100, 50)])]
    layers, std = town([("X", 0, 50)], {"X": 500}, roads=roads)
    walk = run_scenario(layers, ["X"], "t", method="network", standards=std)
    line = run_scenario(layers, ["X"], "t", method="euclidean", standards=std)
    auto = run_scenario(layers, ["X"], "t", method="auto", standards=std)
    # walk = |y − 50| + x (facility on the road): x + |y−50| ≤ 500 on the 25 m grid.
    xy = walk.sample.xy
    # 40 × 4 points in A, which holds half the people
    expected = ((xy[:, 0] + np.abs(xy[:, 1] - 50)) <= 500).sum() / 320.0
    assert walk.per_type["share"].iloc[0] == pytest.approx(expected)
    assert walk.per_type["share"].iloc[0] <= line.per_type["share"].iloc[0]
    assert auto.method == "network" and walk.method_label("en") == "walking network"
    # B is 3.9 km from the road: the median access is far over the limit → straight line.
    far = [LineString([(0, 3000), (1000, 3000)])]
    layers, std = town([("X", 0, 50)], {"X": 500}, roads=far)
    r = run_scenario(layers, ["X"], "t", method="auto", standards=std)
    assert r.method == "euclidean" and "中位数" in r.method_reason


@pytest.mark.parametrize("seed", range(25))
def test_basket_never_exceeds_the_lowest_per_type_share(seed):
    rng = np.random.default_rng(seed)
    n_area = int(rng.integers(1, 6))
    boxes = []
    for _ in range(n_area):
        x, y = rng.uniform(0, 2000, 2)
        boxes.append(box(x, y, x + rng.uniform(50, 600), y + rng.uniform(50, 600)))
    res = gpd.GeoDataFrame({"id": [f"r{i}" for i in range(n_area)], "name": [f"R{i}" for i in range(n_area)],
                            "population": rng.integers(0, 5000, n_area).astype(float)},
                           geometry=boxes, crs=TOWN_CRS)
    types = [f"T{i}" for i in range(int(rng.integers(1, 5)))]
    fac = [(str(rng.choice(types)), *rng.uniform(-200, 2800, 2)) for _ in range(int(rng.integers(1, 12)))]
    fac += [(t_, *rng.uniform(-200, 2800, 2)) for t_ in types]  # every type has a facility
    radius = {t_: float(rng.choice([300, 500, 800, 1000])) for t_ in types}
    roads = [LineString([(x, -500), (x, 3500)]) for x in range(-200, 3000, 400)] + \
            [LineString([(-500, y), (3500, y)]) for y in range(-200, 3000, 400)]
    layers, std = town(fac, radius, residential=res, roads=roads)
    for method in ("euclidean", "network"):
        for basis in ("population", "area"):
            r = run_scenario(layers, types, "t", method=method, basis=basis, standards=std, cell_m=50)
            assert r.basket["share"] <= r.per_type["share"].min() + 1e-12
            # the basket is the share reaching every type on the same points, by hand
            w = r.sample.population if basis == "population" else r.sample.area_m2
            every = np.all([r.covered[t_] for t_ in types], axis=0)
            total = w.sum()
            assert r.basket["share"] == pytest.approx(w[every].sum() / total if total else 0.0)
            basket_rows = r.by_area[r.by_area["type"] == BASKET]
            for t_ in types:
                rows = r.by_area[r.by_area["type"] == t_]
                assert (basket_rows["share"].to_numpy() <= rows["share"].to_numpy() + 1e-12).all()


def test_bad_inputs_are_named_together():
    layers, std = town([("X", 0, 50)], {"X": 500})
    with pytest.raises(ScenarioError, match="basis.*method"):
        run_scenario(layers, ["X"], "t", method="fly", basis="votes", standards=std)
    with pytest.raises(ScenarioError, match="no distance for Z"):
        run_scenario(layers, ["X", "Z"], "t", standards=std)


def test_recommended_sites_keep_the_existing_ones_and_report_the_gain_of_each():
    layers, std = town([("X", 0, 50)], {"X": 500})
    r = run_scenario(layers, ["X"], "t", method="euclidean", standards=std)
    cands = gpd.GeoDataFrame({"name": ["east of A", "in B", "nowhere", "on the existing"]},
                             geometry=[Point(750, 50), Point(5050, 50), Point(3000, 3000), Point(10, 50)],
                             crs=TOWN_CRS)
    best = recommend_sites(r, "X", cands, k=2)
    greedy = recommend_sites(r, "X", cands, k=2, model="greedy")
    assert greedy["name"].tolist() == best["name"].tolist()
    assert best["name"].tolist() == ["in B", "east of A"]   # B's 1,000 people first
    assert best["gain"].round().tolist() == [1000, 500]      # A's x > 500 m: 20 of 40 columns
    assert best["gain_pp"].round(1).tolist() == [50.0, 25.0]
    assert best["share_after"].round(3).tolist() == [0.75, 1.0]


@pytest.mark.parametrize("method", ["euclidean", "network"])
def test_capacitated_sites_count_residents_served(method):
    # X (capacity 200) reaches A's x ≤ 500 m (500 people) and alone x < 250 m (250 people).
    # New sites serve 900 each: "in B" serves 900 of B's 1,000; then "east of A" serves the
    # 750 people of A's x > 250 m: 200 + 900 + 750 = 1,850 of 2,000.
    roads = [LineString([(-100, 50), (5200, 50)])] if method == "network" else None
    layers, std = town([("X", 0, 50)], {"X": 500}, roads=roads)
    layers["facilities"]["capacity"] = [200.0]
    r = run_scenario(layers, ["X"], "t", method=method, standards=std)
    cands = gpd.GeoDataFrame({"name": ["east of A", "in B", "nowhere"]},
                             geometry=[Point(750, 50), Point(5050, 50), Point(3000, 3000)],
                             crs=TOWN_CRS)
    assert capacities_known(r, "X")
    best = recommend_sites(r, "X", cands, k=2, model="capacitated", new_capacity=900)
    assert best["name"].tolist() == ["in B", "east of A"]
    assert best["gain"].iloc[0] == pytest.approx(900) and best["load"].iloc[0] == pytest.approx(900)
    assert best.attrs["served_before"] == pytest.approx(0.1)
    assert best["share_after"].iloc[-1] == pytest.approx(0.1 + best["gain"].sum() / 2000)
    if method == "euclidean":  # the walk adds the snap to the road: exact figures straight-line
        assert best["gain"].round().tolist() == [900, 750] and best["load"].round().tolist() == [900, 750]
        assert best["share_after"].round(4).tolist() == [0.55, 0.925]
        # Uncapacitated, A's x ≤ 500 m counts as covered already: the second site adds 500.
        assert recommend_sites(r, "X", cands, k=2)["gain"].round().tolist() == [1000, 500]


def test_capacitated_sites_refuse_unknown_capacity_and_the_area_basis():
    layers, std = town([("X", 0, 50)], {"X": 500})
    cands = gpd.GeoDataFrame({"name": ["in B"]}, geometry=[Point(5050, 50)], crs=TOWN_CRS)
    r = run_scenario(layers, ["X"], "t", method="euclidean", standards=std)
    assert not capacities_known(r, "X")
    with pytest.raises(SitingError) as e:
        recommend_sites(r, "X", cands, k=1, model="capacitated", new_capacity=900)
    assert "1 have none (X)" in str(e.value) and "有 1 个设施没有容量（X）" in e.value.text("zh")
    lenient = recommend_sites(r, "X", cands, k=1, model="capacitated", new_capacity=900,
                              unknown_capacity="uncapacitated")
    assert lenient["gain"].round().tolist() == [900] and lenient.attrs["served_before"] == 0.25
    area = run_scenario(layers, ["X"], "t", method="euclidean", basis="area", standards=std)
    with pytest.raises(ScenarioError, match="choose the population basis"):
        recommend_sites(area, "X", cands, k=1, model="capacitated", new_capacity=900)


def test_supply_per_1000_by_2sfca_where_capacity_is_known():
    layers, std = town([("X", 5050, 50), ("Y", 0, 50)], {"X": 200, "Y": 200})
    layers["facilities"]["capacity"] = [30.0, None]
    r = run_scenario(layers, ["X", "Y"], "t", method="euclidean", standards=std)
    town_value, table, known, n = supply_per_1000(r, "X")
    assert table.set_index("id")["per_1000"].round(6).to_dict() == {"a": 0.0, "b": 30.0}
    assert town_value == pytest.approx(15.0) and (known, n) == (1, 1)
    assert supply_per_1000(r, "Y") is None   # no capacity known: no figure, not a guess


def test_sparse_2sfca_core_by_hand():
    from songnan_geo.lifecircle.access2sfca import two_step_fca_xy

    # Two facilities (capacity 10 and 30); demand points 0,1 reach only A, 2 reaches both.
    a = two_step_fca_xy([[0, 0], [50, 0], [150, 0], [900, 0]], [100, 100, 200, 50],
                        [[0, 0], [250, 0]], [10, 30], [200, 150])
    ra, rb = 10 / 400, 30 / 200
    assert a == pytest.approx([ra * 1000, ra * 1000, (ra + rb) * 1000, 0.0])


def test_entered_populations_place_residents_and_change_the_count():
    """Editors' figures (store/population) replace a 居委's estimate in the indicators."""
    from songnan_geo.layers.io import load_all_layers
    from songnan_geo.lifecircle import scenario as sc

    layers = load_all_layers()
    res = layers["residential"]
    jid = str(res["id"].iloc[0])
    base = sc.run_scenario(layers, ["初中"], method="euclidean")
    entered = {jid: {"population": 1, "source": "test", "year": 2025}}
    r = sc.run_scenario(layers, ["初中"], method="euclidean", populations=entered)
    total_before = float(base.per_type.iloc[0]["total"])
    total_after = float(r.per_type.iloc[0]["total"])
    est = float(res["population"].iloc[0])
    assert total_after == pytest.approx(total_before - est + 1, abs=1.0)


def test_scenario_error_is_localised_and_collects_every_problem():
    from songnan_geo.text.messages import LocalisedError

    layers, std = town([("X", 0, 50)], {"X": 500})
    no_roads = {k: v for k, v in layers.items() if k != "roads"}
    with pytest.raises(ScenarioError) as info:
        run_scenario(no_roads, ["X", "Z"], "t", method="network", basis="votes", standards=std)
    exc = info.value
    assert isinstance(exc, LocalisedError) and isinstance(exc, ValueError)
    codes = [p.code for p in exc.problems]
    assert codes == ["scenario_basis", "scenario_network_roads", "scenario_no_distance"]
    en, zh = exc.text("en"), exc.text("zh")
    assert str(exc) == en
    assert "basis is 'votes'" in en and "needs a roads layer" in en and "no distance for Z" in en
    assert "统计口径 'votes' 无效" in zh and "需要道路图层" in zh and "未给出 Z 的服务距离" in zh
    assert "；" in zh and zh.endswith("。")
    with pytest.raises(ScenarioError) as info:
        run_scenario({}, ["X"], "t", standards=std)
    assert [p.code for p in info.value.problems] == ["scenario_layer_missing"] * 2
    assert "缺少图层 facilities" in info.value.text("zh")
