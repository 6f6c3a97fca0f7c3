"""The fast per-type walking coverage (every facility snapped once, one graph, one limited
Dijkstra per type, optionally in forked processes) gives exactly the covered sets of the
straightforward computation (one :meth:`WalkNetwork.point_distance_m` per type), and the
KD-tree snap finds the nearest edge as GEOS does."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from test_network import random_graph

from songnan_geo.lifecircle import scenario as sc
from songnan_geo.lifecircle.network import WalkNetwork

TYPES = ["clinic", "canteen", "daycare", "park", "none"]
RADIUS = {"clinic": 300.0, "canteen": 500.0, "daycare": 800.0, "park": 1500.0, "none": 500.0}


def case(seed: int):
    xy, u, v, rng = random_graph(seed, n=150)
    net = WalkNetwork(xy, u, v)
    kinds = rng.choice(TYPES[:-1], 40)
    fxy = rng.uniform(-200, 3200, (40, 2))
    fac = gpd.GeoDataFrame({"type": kinds}, geometry=gpd.points_from_xy(*fxy.T), crs=net.crs)
    pts = rng.uniform(-200, 3200, (3000, 2))
    sample = sc.Sample(xy=pts, area_index=np.zeros(len(pts), int), population=np.ones(len(pts)),
                       area_m2=np.ones(len(pts)))
    return net, fac, fxy, kinds, sample


def straightforward(net, fxy, kinds, pts):
    out = {}
    for t in TYPES:
        sel = kinds == t
        walk = (net.point_distance_m(pts, fxy[sel], limit_m=RADIUS[t])[0] if sel.any()
                else np.full(len(pts), np.inf))
        out[t] = walk <= RADIUS[t]
    return out


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_fast_covered_sets_equal_per_type_computation(seed):
    net, fac, fxy, kinds, sample = case(seed)
    want = straightforward(net, fxy, kinds, sample.xy)
    got = sc.covered_points(sample, fac, RADIUS, TYPES, "network", net)
    assert list(got) == TYPES
    for t in TYPES:
        np.testing.assert_array_equal(got[t], want[t], err_msg=t)
    assert not got["none"].any()
    # Every type covers some points and misses some: the comparison can fail.
    assert all(0 < want[t].sum() < len(sample.xy) for t in TYPES[:-1])


@pytest.mark.parametrize("workers", [1, 2])
def test_group_distances_equal_per_group_walks(workers):
    net, _, fxy, kinds, sample = case(7)
    group = np.array([TYPES.index(k) for k in kinds])
    limit = np.array([RADIUS[t] for t in TYPES])
    walk = net.group_distance_m(sample.xy, fxy, group, limit, workers=workers)
    assert walk.shape == (len(TYPES), len(sample.xy))
    for g, t in enumerate(TYPES):
        sel = kinds == t
        want = (net.point_distance_m(sample.xy, fxy[sel], limit_m=limit[g])[0] if sel.any()
                else np.full(len(sample.xy), np.inf))
        np.testing.assert_array_equal(np.isfinite(walk[g]), np.isfinite(want), err_msg=t)
        np.testing.assert_allclose(walk[g][np.isfinite(want)], want[np.isfinite(want)],
                                   rtol=1e-12, err_msg=t)


def test_group_distance_refuses_groups_without_limit():
    net, _, fxy, _, sample = case(1)
    with pytest.raises(ValueError, match="source_group"):
        net.group_distance_m(sample.xy, fxy, np.full(len(fxy), 3), [300.0, 500.0])


@pytest.mark.parametrize("seed", [1, 5])
def test_kdtree_snap_is_the_nearest_edge(seed):
    xy, u, v, rng = random_graph(seed, n=150)
    # Long edges are cut into several pieces for the search: add some across the square.
    u = np.r_[u, [0, 1, 2]]
    v = np.r_[v, [149, 148, 147]]
    net = WalkNetwork(xy, u, v)
    pts = rng.uniform(-1000, 4000, (5000, 2))
    snap = net.snap(pts)
    p = shapely.points(pts)
    _, dist = shapely.STRtree(net.edge_geoms).query_nearest(p, return_distance=True,
                                                            all_matches=False)
    np.testing.assert_allclose(snap.snap_m, dist, atol=1e-9)
    line = net.edge_geoms[snap.edge]
    np.testing.assert_allclose(shapely.distance(p, line), dist, atol=1e-9)
    # along_m is the position of the nearest point on the chosen edge from its first node.
    np.testing.assert_allclose(snap.along_m, shapely.line_locate_point(line, p), atol=1e-6)
