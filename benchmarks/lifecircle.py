"""Performance goals of the life-circle indicators (issue 14), measured in one run.

    PYTHONPATH=. nice -n 10 python benchmarks/lifecircle.py            # full sizes
    PYTHONPATH=. nice -n 10 python benchmarks/lifecircle.py --quick    # smaller sizes, a smoke run

1. Per-type coverage for 14 types on a walking graph of 1.5 million nodes (a 1,225 × 1,225
   street grid, 25 m blocks) with 10,000 facilities and 200,000 sample points
   (:func:`songnan_geo.lifecircle.scenario.covered_points`: the sample and every facility snapped
   once by a KD-tree, one graph with every facility joined, one limited multi-source Dijkstra per
   type, the types shared among forked processes, one per CPU; snapping included). Goal < 5 s.
2. 2SFCA with 1,000,000 demand points × 10,000 facilities, 1 km catchments
   (:func:`songnan_geo.lifecircle.access2sfca.two_step_fca_xy`). Goal < 30 s.
3. The town's whole health-check report (all types, maps, sites, PDF;
   :mod:`songnan_geo.reports.lifecircle`). Goal < 10 s.

The machine is shared (2 cores, several users): each figure is the best of ``--repeat``
runs. Prints measured numbers only; not run by the tests.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from songnan_geo.layers.io import load_all_layers
from songnan_geo.lifecircle import scenario as sc
from songnan_geo.lifecircle.access2sfca import two_step_fca_xy
from songnan_geo.lifecircle.network import WalkNetwork
from songnan_geo.lifecircle.walk_search import parallel_workers
from songnan_geo.reports.lifecircle import build_report, render_pdf


def grid_network(side: int, block_m: float = 25.0) -> WalkNetwork:
    ix, iy = np.meshgrid(np.arange(side), np.arange(side))
    xy = np.c_[ix.ravel(), iy.ravel()] * block_m
    node = np.arange(side * side).reshape(side, side)
    u = np.r_[node[:, :-1].ravel(), node[:-1, :].ravel()]
    v = np.r_[node[:, 1:].ravel(), node[1:, :].ravel()]
    return WalkNetwork(xy, u, v)


def best(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    rng = np.random.default_rng(14)
    side = 300 if a.quick else 1225
    n_fac, n_pts, n_dem = (1000, 20_000, 100_000) if a.quick else (10_000, 200_000, 1_000_000)

    t0 = time.perf_counter()
    net = grid_network(side)
    print(f"graph: {net.n_nodes:,} nodes, {net.n_edges:,} edges (built in {time.perf_counter() - t0:.1f} s)")
    extent = (side - 1) * 25.0
    types = [f"T{i:02d}" for i in range(14)]
    radius = {t: r for t, r in zip(types, [300, 500, 1000] * 5)}
    import geopandas as gpd
    fac = gpd.GeoDataFrame({"type": rng.choice(types, n_fac)},
                           geometry=gpd.points_from_xy(*rng.uniform(0, extent, (2, n_fac))),
                           crs=net.crs)
    sample = sc.Sample(xy=rng.uniform(0, extent, (n_pts, 2)), area_index=np.zeros(n_pts, int),
                       population=np.ones(n_pts), area_m2=np.ones(n_pts))
    def coverage():
        fresh = sc.Sample(sample.xy, sample.area_index, sample.population, sample.area_m2)
        return sc.covered_points(fresh, fac, radius, types, "network", net)  # snap included

    s, cov = best(coverage, a.repeat)
    per, basket = sc.indicator_shares(sample.population, cov)
    print(f"1. per-type walking coverage, {len(types)} types, {n_fac:,} facilities, {n_pts:,} points on "
          f"{net.n_nodes:,} nodes, {parallel_workers(net.n_nodes, len(types))} process(es): {s:.2f} s "
          f"(goal < 5 s, ratio {s / 5:.2f}); shares "
          f"{min(per.values()):.1%}–{max(per.values()):.1%}, basket {basket:.1%}")

    big = extent * 1.0
    dxy = rng.uniform(0, big, (n_dem, 2))
    fxy = rng.uniform(0, big, (n_fac, 2))
    s, acc = best(lambda: two_step_fca_xy(dxy, np.full(n_dem, 2.0), fxy, rng.uniform(10, 200, n_fac),
                                          1000.0), a.repeat)
    print(f"2. 2SFCA {n_dem:,} demand × {n_fac:,} facilities, 1 km: {s:.2f} s (goal < 30 s, ratio "
          f"{s / 30:.2f}); mean {acc.mean():.2f} per 1,000")

    layers = load_all_layers()
    for method in ("euclidean", "network"):
        s, rep = best(lambda: render_pdf(build_report(layers, method=method)), a.repeat)
        print(f"3. town report ({method}), {len(rep):,} bytes PDF: {s:.2f} s "
              f"(goal < 10 s, ratio {s / 10:.2f})")


if __name__ == "__main__":
    main()
