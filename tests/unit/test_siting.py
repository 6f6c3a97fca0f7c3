"""MCLP and LSCP (spopt + CBC) against brute force on small instances; readable errors;
no PuLP deprecation noise; the GeoDataFrame adapter on the town."""
from __future__ import annotations

import itertools
import warnings

import geopandas as gpd
import numpy as np
import pytest
from scipy.spatial.distance import cdist
from shapely.geometry import Point

from songnan_geo.layers.io import load_layer
from songnan_geo.lifecircle.coverage import population_grid
from songnan_geo.lifecircle.network import WalkNetwork
from songnan_geo.lifecircle.siting import CoverageSiting, SitingError, grid_candidates


def instance(seed, n_demand=14, n_sites=8, size=2000.0):
    rng = np.random.default_rng(seed)
    d = cdist(rng.random((n_demand, 2)) * size, rng.random((n_sites, 2)) * size)
    return d, rng.integers(1, 20, n_demand).astype(float)


def brute_mclp(d, w, r, k, n_existing):
    cover = d <= r
    best = 0.0
    for combo in itertools.combinations(range(n_existing, d.shape[1]), k):
        cols = list(range(n_existing)) + list(combo)
        best = max(best, w[cover[:, cols].any(1)].sum())
    return best


def brute_lscp(d, r, n_existing):
    cover = d <= r
    for size in range(0, d.shape[1] - n_existing + 1):
        for combo in itertools.combinations(range(n_existing, d.shape[1]), size):
            if cover[:, list(range(n_existing)) + list(combo)].any(1).all():
                return size
    return None


@pytest.mark.parametrize("seed,k,n_existing", [(0, 1, 0), (1, 2, 0), (2, 3, 1), (3, 2, 2), (4, 4, 0)])
def test_mclp_matches_brute_force(seed, k, n_existing):
    d, w = instance(seed)
    model = CoverageSiting(d, w, 600, n_existing=n_existing)
    res = model.mclp(k)
    assert len(res.chosen) == k
    assert res.covered_weight == pytest.approx(brute_mclp(d, w, 600, k, n_existing))
    # The reported coverage is what the chosen sites plus the existing ones really cover.
    cols = list(range(n_existing)) + [n_existing + c for c in res.chosen]
    assert res.covered_weight == pytest.approx(w[(d[:, cols] <= 600).any(1)].sum())
    assert res.share == pytest.approx(res.covered_weight / w.sum())


@pytest.mark.parametrize("seed,n_existing", [(10, 0), (11, 1), (12, 2), (13, 0)])
def test_lscp_matches_brute_force(seed, n_existing):
    d, w = instance(seed, n_demand=12, n_sites=9)
    r = 900.0
    reach = (d <= r).any(1)
    model = CoverageSiting(d[reach], w[reach], r, n_existing=n_existing)
    res = model.lscp()
    assert len(res.chosen) == brute_lscp(d[reach], r, n_existing)
    assert res.share == pytest.approx(1.0)


def test_lscp_infeasible_is_a_readable_error_and_drop_works():
    d = np.array([[100.0, 5000.0], [5000.0, 200.0], [9000.0, 9000.0]])
    model = CoverageSiting(d, [1, 1, 5], 500)
    with pytest.raises(SitingError, match=r"LSCP is infeasible: 1 demand point\(s\) \(rows 2, weight 5\)"
                                          r".*Add candidates near them"):
        model.lscp()
    res = model.lscp(uncoverable="drop")
    assert res.chosen == [0, 1] and res.uncoverable == [2]
    assert res.share == pytest.approx(2 / 7)


def test_existing_sites_already_cover_everyone():
    d = np.array([[100.0, 5000.0], [200.0, 200.0]])
    assert CoverageSiting(d, [1, 1], 500, n_existing=1).lscp().chosen == []


def test_bad_k_and_inputs_are_readable():
    d, w = instance(5, n_sites=3)
    with pytest.raises(SitingError, match="only 3 candidate site"):
        CoverageSiting(d, w, 500).mclp(4)
    with pytest.raises(SitingError, match="at least 1 new site"):
        CoverageSiting(d, w, 500).mclp(0)
    with pytest.raises(ValueError, match="weights has 2 values for 14 demand rows"):
        CoverageSiting(d, [1, 2], 500)
    with pytest.raises(ValueError, match="radius_m"):
        CoverageSiting(d, w, 0)


def test_solver_time_limit_becomes_a_readable_error(monkeypatch):
    import pulp

    d, w = instance(6)
    model = CoverageSiting(d, w, 600)
    # A status of "Not Solved" from the solver must come out as a SitingError.
    real = pulp.LpProblem.solve

    def not_solved(self, solver=None, **kw):
        real(self, solver, **kw)
        self.status = pulp.LpStatusNotSolved
        return self.status

    monkeypatch.setattr(pulp.LpProblem, "solve", not_solved)
    with pytest.raises(SitingError, match="stopped before an answer.*time limit"):
        model.mclp(2, time_limit_s=5)


def test_no_pulp_deprecation_warnings():
    d, w = instance(7)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CoverageSiting(d, w, 600).mclp(2)
        CoverageSiting(d, w, 3000).lscp()
    noisy = [str(c.message)[:80] for c in caught if issubclass(c.category, DeprecationWarning)]
    assert noisy == []


@pytest.mark.parametrize("method", ["euclidean", "network"])
def test_adapter_on_the_town(method):
    res = load_layer("residential")
    fac = load_layer("facilities")
    demand = population_grid(res, cell_m=200, weight="population")
    cands = grid_candidates(load_layer("boundary"), spacing_m=600)
    net = WalkNetwork.from_roads(load_layer("roads")) if method == "network" else None
    existing = fac[fac["type"] == "幼儿园"]
    model = CoverageSiting.from_geodataframes(demand, cands, 300, existing=existing,
                                              method=method, network=net)
    assert model.n_existing == 3 and model.n_candidates == len(cands)
    before = model._result("none", []).share
    out = model.mclp(3)
    assert len(out.chosen) == 3 and out.share > before
    assert out.total_weight == pytest.approx(res["population"].sum())


def test_grid_candidates_inside_the_area():
    b = load_layer("boundary")
    c = grid_candidates(b, spacing_m=500)
    assert len(c) > 30
    assert c.to_crs(4326).within(b.geometry.iloc[0].buffer(1e-9)).all()
    assert isinstance(c.geometry.iloc[0], Point) and isinstance(c, gpd.GeoDataFrame)
