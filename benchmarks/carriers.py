"""How fast the 产业载体 page's work is: aggregation per zone and the carrier register.

Not a test: it prints measured numbers, as ratios where a baseline exists. In one run:

1. ``carriers_by_zone`` on N random parks inside the town (default 20,000) against the real
   zones — against the same counts done with a plain geopandas ``sjoin`` (the baseline; the
   function does more: membership uncertainty, figure sums with known counts), and a check
   that both give the same park count per zone;
2. the register on a new GeoPackage: ``save`` one at a time (median, 95th percentile), then
   ``current`` with E edits stored (what every page run reads).

Usage (from the repo root)::

    .venv/bin/python -m benchmarks.carriers [--parks N] [--edits E]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent

from songnan_geo.coords.crs import STORAGE_CRS  # noqa: E402
from songnan_geo.layers.io import load_layer  # noqa: E402
from songnan_geo.plan import carriers  # noqa: E402
from songnan_geo.plan.zones import zone_membership  # noqa: E402
from songnan_geo.store.carriers import CarrierStore, layer_records  # noqa: E402
from songnan_geo.store.tracker import open_store  # noqa: E402
from tests.tracker_testlib import editor_hashes, login  # noqa: E402


def _best(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def random_parks(n: int, town: gpd.GeoDataFrame, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` points inside the town with random accuracies and figures (some unknown)."""
    rng = np.random.default_rng(seed)
    shape = town.geometry.union_all()
    minx, miny, maxx, maxy = shape.bounds
    pts = []
    while len(pts) < n:
        xy = rng.uniform([minx, miny], [maxx, maxy], size=(2 * n, 2))
        cand = gpd.points_from_xy(xy[:, 0], xy[:, 1], crs=STORAGE_CRS)
        pts.extend(cand[cand.within(shape)][: n - len(pts)])
    area = rng.uniform(2000, 80000, n)
    area[rng.random(n) < 0.3] = np.nan
    return gpd.GeoDataFrame({
        "id": [f"p{i}" for i in range(n)], "accuracy_m": rng.choice([30.0, 250.0, 800.0], n),
        "yiyuan_lou": rng.random(n) < 0.05, "floor_area_m2": area,
        "enterprises": np.where(rng.random(n) < 0.4, np.nan, rng.integers(0, 400, n)),
        "tax_10k_yuan": np.where(rng.random(n) < 0.5, np.nan, rng.uniform(0, 5000, n)),
        "high_tech": np.where(rng.random(n) < 0.6, np.nan, rng.integers(0, 20, n))},
        geometry=pts, crs=STORAGE_CRS)


def bench_aggregation(n: int) -> None:
    zones, town = load_layer("zones"), load_layer("boundary")
    parks = random_parks(n, town)
    t_fn, table = _best(lambda: carriers.carriers_by_zone(parks, zones))

    def baseline():   # counts only: the smallest containing zone per park, by spatial join
        joined = gpd.sjoin(parks[["id", "geometry"]], zones[["id", "geometry"]].assign(
            _area=zones.to_crs(carriers.to_town_crs(zones).crs).area), predicate="within")
        first = joined.sort_values("_area").drop_duplicates("id_left")
        return first["id_right"].value_counts()

    t_base, counts = _best(baseline)
    t_member, member = _best(lambda: zone_membership(parks, zones))
    got = table.set_index("zone_id")["parks"]
    same = all(int(got[z]) == int(counts.get(z, 0)) for z in zones["id"])
    print(f"aggregation, {n:,} parks × {len(zones)} zones: carriers_by_zone {t_fn * 1000:.0f} ms, "
          f"sjoin counts only {t_base * 1000:.0f} ms (ratio {t_fn / t_base:.1f}×), "
          f"zone_membership alone {t_member * 1000:.0f} ms; counts per zone agree: {same}")
    print(f"  parks per zone: {dict(zip(table['zone_id'], table['parks']))}, "
          f"uncertain {int(table.set_index('zone_id').loc['town', 'parks_uncertain']):,}")


def bench_register(edits: int) -> None:
    import json
    import os

    tmp = Path(tempfile.mkdtemp())
    (tmp / "editors.json").write_text(json.dumps({"editors": editor_hashes()}), encoding="utf-8")
    os.environ["SONGNAN_EDITORS_FILE"] = str(tmp / "editors.json")
    tracker = open_store(str(tmp / "tracker.gpkg"))
    store, layer, town = CarrierStore(tracker), load_layer("carrier_parks"), load_layer("boundary")
    editor = login(tracker, "alice")
    base = {r["id"]: r for r in layer_records(layer)}
    ids = list(base)
    times, versions = [], dict.fromkeys(ids, 0)
    for i in range(edits):
        pid = ids[i % len(ids)]
        rec = {**base[pid], "enterprises": i, "stats_year": 2024}
        t0 = time.perf_counter()
        store.save(rec, editor=editor, expected_version=versions[pid], town=town)
        times.append(time.perf_counter() - t0)
        versions[pid] += 1
    t_cur, reg = _best(lambda: store.current(layer))
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    print(f"register (GeoPackage): save median {statistics.median(times) * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms over {edits} saves; current() with {edits} stored versions "
          f"of {len(reg)} parks: {t_cur * 1000:.0f} ms")
    tracker.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parks", type=int, default=20_000)
    ap.add_argument("--edits", type=int, default=200)
    args = ap.parse_args()
    bench_aggregation(args.parks)
    bench_register(args.edits)


if __name__ == "__main__":
    main()
