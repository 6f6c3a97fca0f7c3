"""How fast the tracker store is, on the GeoPackage file and (if configured) on PostGIS.

Not a test: it prints measured numbers. For each backend, in a new store (a temporary
GeoPackage; for PostGIS a temporary schema in the database of ``SONGNAN_TEST_POSTGIS_URL``):

1. creating and seeding the store (``open_store`` on a new location);
2. reopening it, and one consistent read of everything the page shows (``snapshot``);
3. ``change_status`` one at a time (median and 95th percentile of N writes);
4. contention: P processes each making K changes to the **same** parcel, retrying after a
   stale version as an editor would — total wall time, changes per second, stale retries.

Usage (from the repo root)::

    .venv/bin/python -m benchmarks.tracker_store [--writes N] [--procs P] [--per-proc K]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

from songnan_geo.plan.workflow import PAUSED  # noqa: E402
from songnan_geo.store.tracker import open_store  # noqa: E402
from tests.tracker_testlib import editor_hashes, login, postgis_schema, retry_worker  # noqa: E402


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def bench(url: str, label: str, writes: int, procs: int, per_proc: int) -> None:
    t0 = time.perf_counter()
    store = open_store(url)
    create = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = open_store(url)
    reopen = time.perf_counter() - t0
    snaps = []
    for _ in range(10):
        t0 = time.perf_counter()
        again.snapshot()
        snaps.append(time.perf_counter() - t0)
    again.dispose()
    editor = login(store, "alice")
    lat = []
    for _ in range(writes):
        it = store.item("p_dongya")
        new = it["paused_from"] if it["status"] == PAUSED else PAUSED
        t0 = time.perf_counter()
        store.change_status("p_dongya", new, editor=editor, expected_version=it["version"])
        lat.append(time.perf_counter() - t0)
    lat.sort()
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(procs + 1), ctx.Queue()
    users = ["alice", "bob", "carol"]
    ps = [ctx.Process(target=retry_worker, args=(url, users[i % 3], "p_yuanyang", per_proc,
                                                  barrier, results)) for i in range(procs)]
    for p in ps:
        p.start()
    barrier.wait(timeout=120)      # every worker has started, imported and logged in
    t0 = time.perf_counter()
    out = [results.get(timeout=600) for _ in ps]
    wall = time.perf_counter() - t0
    for p in ps:
        p.join(60)
    stale = sum(o[2] for o in out)
    done = sum(o[1] for o in out)
    errors = [o[3] for o in out if o[3]]
    store.dispose()
    print(f"{label}:")
    print(f"  create + seed            {_ms(create)}")
    print(f"  reopen                   {_ms(reopen)}")
    print(f"  snapshot (median of 10)  {_ms(statistics.median(snaps))}")
    print(f"  change_status, {writes} writes: median {_ms(statistics.median(lat))}, "
          f"p95 {_ms(lat[int(0.95 * (len(lat) - 1))])}")
    print(f"  {procs} processes x {per_proc} changes to one parcel: {done} saved in "
          f"{wall:.2f} s ({done / wall:.0f}/s), {stale} stale-version retries"
          + (f", ERRORS: {errors}" if errors else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--writes", type=int, default=50)
    ap.add_argument("--procs", type=int, default=3)
    ap.add_argument("--per-proc", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as tmp:
        secrets_file = Path(tmp) / "editors.json"
        import json
        secrets_file.write_text(json.dumps({"editors": editor_hashes()}), encoding="utf-8")
        os.environ.pop("SONGNAN_EDITORS", None)
        os.environ["SONGNAN_EDITORS_FILE"] = str(secrets_file)
        bench(str(Path(tmp) / "bench.gpkg"), "GeoPackage", args.writes, args.procs, args.per_proc)
        base = os.environ.get("SONGNAN_TEST_POSTGIS_URL")
        if not base:
            print("PostGIS: skipped (set SONGNAN_TEST_POSTGIS_URL, e.g. from scripts/start_postgis.sh)")
            return
        with postgis_schema(base, "bench") as url:
            bench(url, "PostGIS", args.writes, args.procs, args.per_proc)


if __name__ == "__main__":
    main()
