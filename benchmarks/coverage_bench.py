"""Performance goals of the life-circle coverage (issue 3), measured in one run.

    python -m benchmarks.coverage_bench            # full sizes (a few minutes on 2 cores)
    python -m benchmarks.coverage_bench --quick    # smaller sizes, for a smoke run

1. 1,000,000 demand points × 10,000 facilities, radius 1 km, over a Shanghai-sized extent
   (80 × 80 km): coverage + nearest distance (``coverage.point_coverage`` on arrays and
   ``coverage.coverage`` on GeoDataFrames) against a bare ``cKDTree`` query on the same
   coordinates (goal ≤ 2×) and against buffer → union → sjoin (goal ≥ 5× faster).
2. Walking network: nearest-facility distance of every node of a 100,000-node graph with
   1,000 facilities (one multi-source Dijkstra; goal < 2 s).
3. The town, all facility types, both methods (goal < 0.5 s).
4. MCLP, 500 demand cells × 200 candidates, k = 5 (goal < 5 s).

Not run by the tests (timings are not assertions); prints measured numbers only.
"""
from __future__ import annotations

import argparse
import os
import time

import geopandas as gpd  # noqa: E402
import numpy as np
import shapely  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from songnan_geo.coords.crs import TOWN_CRS  # noqa: E402
from songnan_geo.layers.io import load_layer  # noqa: E402
from songnan_geo.lifecircle import (
    coverage as cv,  # noqa: E402
    standards as sd,  # noqa: E402
)
from songnan_geo.lifecircle.network import WalkNetwork  # noqa: E402
from songnan_geo.lifecircle.siting import CoverageSiting  # noqa: E402


def timed(fn, repeat=1):
    best = np.inf
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def bench_points(n_demand: int, n_fac: int, extent_m: float = 80_000.0, radius_m: float = 1000.0):
    rng = np.random.default_rng(0)
    x0, y0 = 460_000.0, 3_430_000.0
    d = rng.random((n_demand, 2)) * extent_m + (x0, y0)
    f = rng.random((n_fac, 2)) * extent_m + (x0, y0)
    t_bare, (dist, _) = timed(lambda: cKDTree(f).query(d, k=1, workers=-1), repeat=3)
    t_core, (covered, nearest, _) = timed(lambda: cv.point_coverage(d, f, radius_m), repeat=3)
    assert np.allclose(nearest, dist)
    demand = gpd.GeoDataFrame(geometry=shapely.points(d), crs=TOWN_CRS)
    fac = gpd.GeoDataFrame(geometry=shapely.points(f), crs=TOWN_CRS)
    t_gdf, res = timed(lambda: cv.coverage(demand, fac, radius_m), repeat=3)
    assert (res["covered"].to_numpy() == covered).all()

    def naive():
        zone = gpd.GeoDataFrame(geometry=[fac.buffer(radius_m).union_all()], crs=TOWN_CRS)
        hit = gpd.sjoin(demand, zone, predicate="within", how="left")
        return hit["index_right"].notna().to_numpy()

    t_naive, naive_cov = timed(naive)
    agree = float((naive_cov == covered).mean())
    print(f"1. {n_demand:,} points × {n_fac:,} facilities, r = {radius_m:g} m, "
          f"{extent_m / 1000:g} km extent; covered {covered.mean():.1%}")
    print(f"   bare cKDTree build+query (workers=-1):        {t_bare:7.3f} s")
    print(f"   coverage.point_coverage (arrays):            {t_core:7.3f} s  "
          f"→ {t_core / t_bare:.2f}× bare (goal ≤ 2×)")
    print(f"   coverage.coverage (GeoDataFrames, adapter):  {t_gdf:7.3f} s  "
          f"→ {t_gdf / t_bare:.2f}× bare")
    print(f"   buffer → union → sjoin:                      {t_naive:7.3f} s  "
          f"→ ours {t_naive / t_gdf:.1f}× faster (goal ≥ 5×); agreement {agree:.5f} "
          "(polygonal buffers miss points at the rim)")


def bench_network(n_side: int, n_fac: int):
    rng = np.random.default_rng(1)
    # A jittered grid street network of n_side² nodes, ~80 m blocks.
    ix, iy = np.meshgrid(np.arange(n_side), np.arange(n_side))
    xy = np.c_[ix.ravel(), iy.ravel()] * 80.0 + rng.normal(0, 8, (n_side * n_side, 2))
    node = np.arange(n_side * n_side).reshape(n_side, n_side)
    u = np.r_[node[:, :-1].ravel(), node[:-1, :].ravel()]
    v = np.r_[node[:, 1:].ravel(), node[1:, :].ravel()]
    keep = rng.random(len(u)) > 0.1  # drop 10 % of the links
    t_build, net = timed(lambda: WalkNetwork(xy, u[keep], v[keep]))
    src = rng.choice(net.n_nodes, n_fac, replace=False)
    t, (dist, nearest) = timed(lambda: net.node_distance_m(src), repeat=3)
    reach = np.isfinite(dist).mean()
    print(f"2. walking network: {net.n_nodes:,} nodes, {net.n_edges:,} edges (built in {t_build:.2f} s), "
          f"{n_fac:,} facilities: nearest distance of every node in {t:.3f} s (goal < 2 s); "
          f"{reach:.1%} of nodes reachable")


def bench_town():
    fac, res, roads = (load_layer(n) for n in ("facilities", "residential", "roads"))
    radius = sd.radius_by_type(sd.load_builtin_standards(), "gb50180_2018", set(fac["type"]))
    t_net, net = timed(lambda: WalkNetwork.from_roads(roads))

    def all_types_both():
        return [cv.coverage_by_area(res, fac, radius, method=m, network=net)
                for m in ("euclidean", "network")]

    def each_type_both():
        return [cv.coverage_by_area(res, fac[fac["type"] == x], radius, method=m, network=net)
                for x in radius for m in ("euclidean", "network")]

    def with_areas():
        return [(cv.coverage_by_area(res, fac, radius, method=m, network=net),
                 cv.service_areas(fac, radius, method=m, network=net)) for m in ("euclidean", "network")]

    t_all, _ = timed(all_types_both, repeat=3)
    t_each, _ = timed(each_type_both, repeat=3)
    t_areas, _ = timed(with_areas, repeat=3)
    print(f"3. the town ({len(res)} 居委, {len(fac)} facilities, {len(radius)} types; network "
          f"built once in {t_net * 1000:.0f} ms):")
    print(f"   all types together, both methods:            {t_all:7.3f} s (goal < 0.5 s)")
    print(f"   each type separately, both methods ({2 * len(radius)} runs): {t_each:7.3f} s")
    print(f"   all types + service-area polygons, both:     {t_areas:7.3f} s")


def bench_mclp(n_demand: int, n_cand: int, k: int):
    rng = np.random.default_rng(2)
    d = rng.random((n_demand, 2)) * 5000
    c = rng.random((n_cand, 2)) * 5000
    dist = np.hypot(*(d[:, None] - c[None]).transpose(2, 0, 1))
    w = rng.integers(10, 500, n_demand)
    CoverageSiting(dist[:5, :5], w[:5], 800).mclp(1)  # import spopt/pulp once, outside the timing
    t, out = timed(lambda: CoverageSiting(dist, w, 800).mclp(k))
    print(f"4. MCLP {n_demand} demand cells × {n_cand} candidates, k = {k}: {t:.2f} s (goal < 5 s), "
          f"covers {out.share:.1%}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    args = ap.parse_args()
    q = 10 if args.quick else 1
    print(f"cores: {os.cpu_count()}")
    bench_points(1_000_000 // q, 10_000 // q)
    bench_network(int(np.sqrt(100_000 // q)) + 1, 1_000 // q)
    bench_town()
    bench_mclp(500, 200, 5)


if __name__ == "__main__":
    main()
