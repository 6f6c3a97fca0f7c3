"""The walking network against networkx: node distances from many sources, snapped
points (with edges split at the snapped positions, an independent construction),
distance matrices, isochrones and the town's roads."""
from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from songnan_geo.coords.crs import TOWN_CRS
from songnan_geo.layers.io import load_layer
from songnan_geo.lifecircle.network import WalkNetwork, walk_minutes


def random_graph(seed: int, n: int = 80):
    """Random planar-ish graph: nodes in a 3 km square joined to 2–3 nearest neighbours."""
    rng = np.random.default_rng(seed)
    xy = rng.random((n, 2)) * 3000
    d = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    k = rng.integers(1, 4, n)
    u, v = [], []
    for i in range(n):
        for j in np.argsort(d[i])[:k[i]]:
            u.append(i)
            v.append(int(j))
    return xy, np.array(u), np.array(v), rng


def to_nx(net: WalkNetwork) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(net.n_nodes))
    for a, b, w in zip(net.edge_u, net.edge_v, net.edge_length_m):
        g.add_edge(int(a), int(b), weight=float(w))
    return g


@pytest.mark.parametrize("seed", range(6))
def test_multi_source_node_distances_match_networkx(seed):
    xy, u, v, rng = random_graph(seed)
    net = WalkNetwork(xy, u, v)
    g = to_nx(net)
    sources = rng.choice(net.n_nodes, size=5, replace=False)
    dist, nearest = net.node_distance_m(sources)
    expected = nx.multi_source_dijkstra_path_length(g, set(int(s) for s in sources))
    for node in range(net.n_nodes):
        if node in expected:
            assert dist[node] == pytest.approx(expected[node], abs=1e-6)
            s = int(sources[nearest[node]])
            assert nx.dijkstra_path_length(g, s, node) == pytest.approx(dist[node], abs=1e-6)
        else:  # another component
            assert np.isinf(dist[node]) and nearest[node] == -1


def split_graph_distance(net: WalkNetwork, pts, facs):
    """Expected walk: split every edge at the snapped points, then networkx Dijkstra."""
    g = to_nx(net)
    edges = net.edges_gdf().geometry.values
    extra = {}

    def attach(p, label):
        dists = shapely.distance(edges, p)
        e = int(np.argmin(dists))
        t = shapely.line_locate_point(edges[e], p)
        extra.setdefault(e, []).append((t, label))
        return float(dists[e])

    snap_p = [attach(Point(p), ("p", i)) for i, p in enumerate(pts)]
    snap_f = [attach(Point(f), ("f", j)) for j, f in enumerate(facs)]
    for e, items in extra.items():
        a, b = int(net.edge_u[e]), int(net.edge_v[e])
        length = float(net.edge_length_m[e])
        g.remove_edge(a, b)
        chain = [(0.0, a)] + sorted(items) + [(length, b)]
        for (t0, n0), (t1, n1) in zip(chain[:-1], chain[1:]):
            if g.has_edge(n0, n1):
                g[n0][n1]["weight"] = min(g[n0][n1]["weight"], t1 - t0)
            else:
                g.add_edge(n0, n1, weight=t1 - t0)
    # Super source joined to every facility by its snap distance.
    for j, s in enumerate(snap_f):
        g.add_edge("S", ("f", j), weight=s)
    d = nx.single_source_dijkstra_path_length(g, "S")
    return np.array([d.get(("p", i), np.inf) + snap_p[i] for i in range(len(pts))]), np.array(snap_p)


@pytest.mark.parametrize("seed", range(5))
def test_snapped_point_distances_match_networkx_on_split_graph(seed):
    xy, u, v, rng = random_graph(seed + 100, n=50)
    net = WalkNetwork(xy, u, v)
    pts = rng.random((40, 2)) * 3000
    facs = rng.random((4, 2)) * 3000
    walk, snap, nearest = net.point_distance_m(pts, facs)
    expected, snap_expected = split_graph_distance(net, pts, facs)
    assert snap == pytest.approx(snap_expected, abs=1e-6)
    finite = np.isfinite(expected)
    assert (np.isfinite(walk) == finite).all()
    assert walk[finite] == pytest.approx(expected[finite], abs=1e-6)
    # The distance matrix agrees, and its row minimum is the nearest facility.
    m = net.distance_matrix_m(pts, facs)
    assert m.min(axis=1)[finite] == pytest.approx(walk[finite], abs=1e-6)
    assert (m.argmin(axis=1)[finite] == nearest[finite]).all()


def test_facility_and_demand_on_the_same_edge_walk_along_it():
    net = WalkNetwork([[0, 0], [1000, 0]], [0], [1])
    walk, snap, nearest = net.point_distance_m([[600, 10]], [[500, -5]])
    assert walk[0] == pytest.approx(10 + 100 + 5)
    assert nearest[0] == 0


def test_limit_and_unreachable_components():
    net = WalkNetwork([[0, 0], [100, 0], [5000, 0], [5100, 0]], [0, 2], [1, 3])
    walk, _, nearest = net.point_distance_m([[5050, 0], [50, 0]], [[0, 0]])
    assert np.isinf(walk[0]) and nearest[0] == -1
    assert walk[1] == pytest.approx(50)
    assert np.isinf(net.point_distance_m([[90, 0]], [[0, 0]], limit_m=50)[0][0])


def test_isochrone_is_the_cells_within_the_walk():
    net = WalkNetwork([[0, 0], [1000, 0], [2000, 0]], [0, 1], [1, 2])
    iso = net.isochrone([[0, 0]], 500, cell_m=10)
    assert iso.contains(Point(400, 50))        # 400 along + 50 off the road = 450
    assert not iso.contains(Point(480, 60))    # 540
    assert not iso.contains(Point(0, 600))     # 600 off the road
    # East of the facility: x + |y| <= 500 (a half diamond, 500²); west of the road's end
    # the walk is the straight line to (0, 0): a half disk of radius 500.
    assert iso.area == pytest.approx(500 ** 2 + np.pi * 500 ** 2 / 2, rel=0.02)
    grid = net.grid((-600, -600, 600, 600), 10)
    walk = net.point_distance_m(grid.xy, [[0, 0]], snap=grid.snap)[0]
    inside = shapely.contains_xy(iso, grid.xy[:, 0], grid.xy[:, 1])
    assert (inside == (walk <= 500)).all()    # the polygon agrees with the per-point walk


def test_parallel_edges_keep_the_shortest_and_self_loops_drop():
    net = WalkNetwork([[0, 0], [300, 400]], [0, 1, 0], [1, 0, 0])
    assert net.n_edges == 1 and net.edge_length_m[0] == pytest.approx(500)


def test_from_roads_town_network_is_connected():
    net = WalkNetwork.from_roads(load_layer("roads"))
    assert net.n_edges >= 27
    assert len(np.unique(net.components())) == 1
    assert net.crs == TOWN_CRS


def test_from_roads_joins_lines_at_shared_vertices_only():
    roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 100)]),
                                       LineString([(50, -50), (50, 50)])], crs=TOWN_CRS)
    net = WalkNetwork.from_roads(roads)
    labels = net.components()
    assert len(np.unique(labels)) == 2   # the third line crosses without a shared vertex
    with pytest.raises(ValueError, match="roads has no CRS"):
        WalkNetwork.from_roads(gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])]))
    with pytest.raises(ValueError, match="not lines"):
        WalkNetwork.from_roads(gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=TOWN_CRS))


def test_walk_minutes():
    assert walk_minutes(1125) == pytest.approx(15)
    assert walk_minutes(1000, 6) == pytest.approx(10)
    with pytest.raises(ValueError, match="speed_kmh"):
        walk_minutes(100, 0)
