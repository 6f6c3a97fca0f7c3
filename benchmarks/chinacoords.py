"""Throughput of the datum conversions and of an import check, measured in one run.

    python -m benchmarks.chinacoords

Prints points per second of the vectorised WGS84→GCJ-02 and GCJ-02→WGS84 (exact inverse) against
a per-point Python loop over the same functions, the ratio between them, and the time the importer
takes to check a 10 000-point CSV against the facilities layer's rules.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from songnan_geo.coords import chinacoords as cc
from songnan_geo.layers.importer import ImportOptions, import_layer, layer_target
from songnan_geo.layers.io import layer_schema, load_all_layers, read_manifest


def rate(fn, n: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n / best


def main() -> None:
    rng = np.random.default_rng(0)
    n = 1_000_000
    lon, lat = rng.uniform(121.3, 121.7, n), rng.uniform(31.1, 31.5, n)
    glon, glat = cc.wgs84_to_gcj02(lon, lat)
    m = 20_000
    fwd_vec = rate(lambda: cc.wgs84_to_gcj02(lon, lat), n)
    inv_vec = rate(lambda: cc.gcj02_to_wgs84(glon, glat), n)
    fwd_loop = rate(lambda: [cc.wgs84_to_gcj02(x, y) for x, y in zip(lon[:m], lat[:m])], m, 1)
    inv_loop = rate(lambda: [cc.gcj02_to_wgs84(x, y) for x, y in zip(glon[:m], glat[:m])], m, 1)
    print(f"wgs84->gcj02  vectorised {fwd_vec:12,.0f} pt/s   per-point loop {fwd_loop:10,.0f} pt/s"
          f"   ratio {fwd_vec / fwd_loop:6.0f}x")
    print(f"gcj02->wgs84  vectorised {inv_vec:12,.0f} pt/s   per-point loop {inv_loop:10,.0f} pt/s"
          f"   ratio {inv_vec / inv_loop:6.0f}x   (exact inverse)")

    layers, manifest = load_all_layers(), read_manifest()
    target = layer_target("facilities", layers, manifest, layer_schema("facilities"))
    k = 10_000
    df = pd.DataFrame({"id": [f"f_{i}" for i in range(k)], "name": ["点"] * k, "name_en": ["p"] * k,
                       "source": ["benchmark"] * k, "accuracy_m": [10] * k, "estimated": [True] * k,
                       "type": ["小学"] * k, "state": ["现有"] * k, "capacity": [""] * k,
                       "capacity_unit": [""] * k,
                       "lon": rng.uniform(121.48, 121.50, k), "lat": rng.uniform(31.345, 31.355, k)})
    data = df.to_csv(index=False).encode()
    t0 = time.perf_counter()
    res = import_layer(data, "bench.csv", target, ImportOptions(crs="gcj02"))
    dt = time.perf_counter() - t0
    print(f"import check of a {len(data) / 1e6:.1f} MB CSV with {k} points: {dt:.2f} s "
          f"({'ok' if res.ok else f'{len(res.problems)} problems'})")


if __name__ == "__main__":
    main()
