"""Capacitated maximal covering (CapacitatedSiting, spopt's MCLP extended with capacities):
hand-checkable cases, brute force against networkx's maximum flow, unknown capacities,
readable solver errors in zh and en, the GeoDataFrame adapter."""
from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from scipy.spatial.distance import cdist
from shapely.geometry import Point

from songnan_geo.lifecircle.siting import CapacitatedSiting, CoverageSiting, SitingError


def line_case(demand_x, weights, site_x):
    """Demand and sites on a line (metres): distances are |x_i - x_j|."""
    return np.abs(np.subtract.outer(np.asarray(demand_x, float), np.asarray(site_x, float))), \
        np.asarray(weights, float)


def test_two_clusters_capacity_80():
    # 100 people at 0 m, 60 at 1,000 m; a candidate at each; radius 300 m; capacity 80.
    d, w = line_case([0, 1000], [100, 60], [0, 1000])
    model = CapacitatedSiting(d, w, 300, capacity=[80, 80])
    one = model.mclp(1)
    assert one.chosen == [0] and one.served_weight == pytest.approx(80)
    assert one.covered_weight == pytest.approx(100)  # reach, not service
    two = model.mclp(2)
    assert sorted(two.chosen) == [0, 1] and two.served_weight == pytest.approx(80 + 60)
    assert two.chosen == [0] + [1] and two.gain == pytest.approx([80, 60])
    assert two.load == pytest.approx([80, 60]) and two.share == pytest.approx(140 / 160)


def test_capacities_that_make_the_uncapacitated_answer_wrong():
    # A: 110 people at 0 m; B, C: 60 each at 1,000 and 1,400 m. Site 0 at 0 m reaches A;
    # site 1 at 1,200 m reaches B and C (120 people) but can serve only 70.
    d, w = line_case([0, 1000, 1400], [110, 60, 60], [0, 1200])
    assert CoverageSiting(d, w, 300).mclp(1).chosen == [1]  # 120 > 110 covered
    res = CapacitatedSiting(d, w, 300, capacity=[100, 70]).mclp(1)
    assert res.chosen == [0] and res.served_weight == pytest.approx(100)


def test_existing_site_short_of_capacity_draws_the_new_one():
    # An existing site at A (100 people) serves only 10; B has 50 people and no site.
    # Uncapacitated MCLP sees A as covered and puts the new site at B (served 10 + 50);
    # with capacities the new site goes to A (served 10 + 90).
    d, w = line_case([0, 2000], [100, 50], [0, 0, 2000])
    assert CoverageSiting(d, w, 300, n_existing=1).mclp(1).chosen == [1]
    res = CapacitatedSiting(d, w, 300, capacity=[10, 100, 100], n_existing=1).mclp(1)
    assert res.chosen == [0] and res.served_weight == pytest.approx(100)
    assert res.existing_served == pytest.approx(10) and res.gain == pytest.approx([90])
    assert res.load[0] + res.load[1] == pytest.approx(100) and res.load[0] <= 10 + 1e-9


def max_flow_served(d, w, r, cap, sites):
    """Served residents of the open sites as a maximum flow (integer weights and capacities)."""
    g = nx.DiGraph()
    for i, wi in enumerate(w):
        g.add_edge("s", ("d", i), capacity=int(wi))
        for j in sites:
            if d[i, j] <= r:
                g.add_edge(("d", i), ("f", j))  # no capacity attribute: unlimited
    for j in sites:
        if np.isfinite(cap[j]):
            g.add_edge(("f", j), "t", capacity=int(cap[j]))
        else:
            g.add_edge(("f", j), "t")
    return nx.maximum_flow_value(g, "s", "t") if g.has_node("t") else 0


@pytest.mark.parametrize("seed,k,n_existing", [(0, 1, 0), (1, 2, 1), (2, 3, 2), (3, 2, 0)])
def test_matches_brute_force_maximum_flow(seed, k, n_existing):
    rng = np.random.default_rng(seed)
    d = cdist(rng.random((16, 2)) * 2000, rng.random((8, 2)) * 2000)
    w = rng.integers(5, 60, 16).astype(float)
    cap = rng.integers(20, 120, 8).astype(float)
    r = 700.0
    res = CapacitatedSiting(d, w, r, cap, n_existing=n_existing).mclp(k)
    best = max(max_flow_served(d, w, r, cap, list(range(n_existing)) + list(c))
               for c in itertools.combinations(range(n_existing, 8), k))
    assert res.served_weight == pytest.approx(best)
    chosen = [n_existing + c for c in res.chosen]
    assert res.served_weight == pytest.approx(
        max_flow_served(d, w, r, cap, list(range(n_existing)) + chosen))
    assert res.existing_served == pytest.approx(max_flow_served(d, w, r, cap, list(range(n_existing))))
    assert res.existing_served + sum(res.gain) == pytest.approx(res.served_weight)
    assert (res.load <= cap + 1e-6).all() and res.load.sum() == pytest.approx(res.served_weight)


def test_unknown_existing_capacity_is_refused_by_name_or_taken_as_unlimited():
    d, w = line_case([0, 2000], [100, 50], [0, 2000, 0, 2000])
    cap = [np.nan, 30, np.nan, 40]
    names = ["卫生站甲", "卫生站乙", "new 1", "new 2"]
    with pytest.raises(SitingError) as e:
        CapacitatedSiting(d, w, 300, cap, n_existing=3, names=names)
    en, zh = str(e.value), e.value.text("zh")
    assert "2 have none (卫生站甲, new 1)" in en and "Enter their capacity" in en
    assert "有 2 个设施没有容量（卫生站甲、new 1）" in zh
    res = CapacitatedSiting(d, w, 300, cap, n_existing=3, names=names,
                            unknown_capacity="uncapacitated").mclp(1)
    # The unlimited site 0 serves all 100 at 0 m; at 2,000 m 30 + 40 places for 50 people.
    assert res.uncapacitated == [0, 2] and res.served_weight == pytest.approx(100 + 50)
    assert res.existing_served == pytest.approx(130) and res.gain == pytest.approx([20])


def test_every_capacity_problem_is_reported_at_once():
    d, w = line_case([0], [10], [0, 0, 0])
    with pytest.raises(SitingError) as e:
        CapacitatedSiting(d, w, 300, [-5, np.nan, np.inf], n_existing=1,
                          names=["old", "c1", "c2"])
    en = str(e.value)
    assert "capacity of the new sites" in en and "2 candidate(s) have none or an invalid one (c1, c2)" in en
    assert "cannot be negative or infinite: old" in en
    assert "容量不能为负数或无穷大：old" in e.value.text("zh")
    with pytest.raises(SitingError, match="unknown_capacity is 'maybe'"):
        CapacitatedSiting(d, w, 300, [1, 1, 1], unknown_capacity="maybe")


def test_bad_k_and_solver_status_are_readable(monkeypatch):
    import pulp

    d, w = line_case([0, 1000], [100, 60], [0, 1000])
    model = CapacitatedSiting(d, w, 300, [80, 80])
    with pytest.raises(SitingError, match="k is 3 but there are only 2 candidate"):
        model.mclp(3)
    with pytest.raises(SitingError, match="at least 1 new site"):
        model.mclp(0)
    real = pulp.LpProblem.solve
    for status, text in [(pulp.LpStatusNotSolved, "the solver stopped before an answer.*time limit 5 s"),
                         (pulp.LpStatusInfeasible, "no choice of sites satisfies the constraints")]:
        def fake(self, solver=None, _status=status, **kw):
            real(self, solver, **kw)
            self.status = _status
            return self.status

        monkeypatch.setattr(pulp.LpProblem, "solve", fake)
        with pytest.raises(SitingError, match=f"CMCLP: {text}") as e:
            model.mclp(1, time_limit_s=5)
        assert e.value.text("zh").startswith("CMCLP：")


def test_geodataframe_adapter_reads_capacities():
    crs = "EPSG:32651"
    demand = gpd.GeoDataFrame({"weight": [100, 60]}, geometry=[Point(0, 0), Point(1000, 0)], crs=crs)
    existing = gpd.GeoDataFrame({"name": ["站甲"], "capacity": [None]},
                                geometry=[Point(1000, 50)], crs=crs)
    cand = gpd.GeoDataFrame({"name": ["候选1", "候选2"]}, geometry=[Point(0, 10), Point(900, 0)],
                            crs=crs)
    with pytest.raises(SitingError, match=r"1 have none \(站甲\)"):
        CapacitatedSiting.from_geodataframes(demand, cand, 300, new_capacity=80, existing=existing)
    existing["capacity"] = [40]
    model = CapacitatedSiting.from_geodataframes(demand, cand, 300, new_capacity=80,
                                                 existing=existing)
    assert model.capacity.tolist() == [40, 80, 80] and model.n_existing == 1
    res = model.mclp(1)
    assert res.chosen == [0] and res.served_weight == pytest.approx(40 + 80)
    cand["places"] = [10, 50]
    res = CapacitatedSiting.from_geodataframes(demand, cand, 300, new_capacity="places",
                                               existing=existing).mclp(1)
    assert res.chosen == [1] and res.served_weight == pytest.approx(60)
