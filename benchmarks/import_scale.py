"""Imports at city scale: time and peak memory as the file grows, measured in one run.

    python -m benchmarks.import_scale [--sizes 10000,100000,1000000] [--only csv,geojson,gpkg,wide]

Issue 17. Each case runs :func:`songnan_geo.layers.importer.import_layer` in its own subprocess
(so peak memory — ``ru_maxrss`` of that process — is the import's own), on a file built
here and passed by path, as the CLI does:

* points: N point features for the ``facilities`` layer (every check: schema, ids, region,
  inside the town, datum offset against the stored stations), as CSV and as GeoJSON;
* 200,000 building polygons from a GeoPackage into a new layer;
* a CSV with 10,000 columns (refused by the column cap, :data:`importer.MAX_COLUMNS`).

Files of :data:`importer.MAX_FILE_BYTES` (100 MB) or more are refused at once (the row
says so and gives that time); the growth beyond it is measured with the cap lifted in the
child process only (rows marked "cap lifted"). Goals: 1M points < 60 s and < 4 GB; 200k
polygons < 60 s; 10k columns < 5 s. The machine may be shared: the load average at the
start and end is printed with the table, and the seconds are wall-clock seconds.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
from songnan_geo.layers import importer
from songnan_geo.layers.importer import ImportOptions, import_layer, layer_target
from songnan_geo.layers.io import layer_schema, load_all_layers, read_manifest
if {lift}:
    importer.MAX_FILE_BYTES = 1 << 40
layers, manifest = load_all_layers(), read_manifest()
new = {new}
target = layer_target({layer!r}, layers, manifest, None if new else layer_schema({layer!r}), new=new)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
res = import_layer({path!r}, None, target, ImportOptions(crs="wgs84"))
seconds = time.perf_counter() - t0
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": seconds, "peak_mb": peak_kb / 1024, "base_mb": base / 1024,
                  "ok": res.ok, "features": res.info.get("features"),
                  "codes": sorted({{p.code for p in res.problems}})[:3]}}))
"""


def _points(n: int, seed: int = 1):
    import numpy as np

    rng = np.random.default_rng(seed)
    # inside the town (Songnan, Baoshan), so the inside-the-town check passes for most
    return 121.462 + rng.random(n) * 0.016, 31.348 + rng.random(n) * 0.01


def write_points_csv(path: Path, n: int) -> None:
    lon, lat = _points(n)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "name_en", "type", "state", "source", "accuracy_m",
                    "estimated", "capacity", "capacity_unit", "lon", "lat"])
        for i in range(n):
            w.writerow([f"p_{i}", f"点{i}", f"P{i}", "幼儿园", "现有", "benchmark", 50, "true",
                        "", "", f"{lon[i]:.6f}", f"{lat[i]:.6f}"])


def write_points_geojson(path: Path, n: int) -> None:
    lon, lat = _points(n)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"type":"FeatureCollection","features":[')
        for i in range(n):
            feat = {"type": "Feature", "properties": {
                "id": f"p_{i}", "name": f"点{i}", "name_en": f"P{i}", "type": "幼儿园",
                "state": "现有", "source": "benchmark", "accuracy_m": 50, "estimated": True,
                "capacity": None, "capacity_unit": None},
                "geometry": {"type": "Point",
                             "coordinates": [round(float(lon[i]), 6), round(float(lat[i]), 6)]}}
            fh.write(("," if i else "") + json.dumps(feat, ensure_ascii=False,
                                                      separators=(",", ":")))
        fh.write("]}\n")


def write_buildings_gpkg(path: Path, n: int) -> None:
    import geopandas as gpd
    import pyogrio
    import shapely

    lon, lat = _points(n, seed=2)
    size = 0.00008  # about 8 m
    geoms = shapely.box(lon, lat, lon + size, lat + size * 0.8)
    gdf = gpd.GeoDataFrame({"id": [f"b_{i}" for i in range(n)],
                            "name": [f"楼{i}" for i in range(n)],
                            "source": ["benchmark"] * n, "accuracy_m": [5.0] * n,
                            "estimated": [True] * n, "floors": (lon * 1e6 % 30).astype(int) + 1},
                           geometry=geoms, crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, path, layer="buildings", driver="GPKG")


def write_wide_csv(path: Path, n: int) -> None:
    head = ["lon", "lat"] + [f"c{i}" for i in range(n - 2)]
    row = ["121.47", "31.35"] + ["1"] * (n - 2)
    path.write_text(",".join(head) + "\n" + ",".join(row) + "\n", encoding="utf-8")


def run_case(path: Path, layer: str, new: bool, lift: bool) -> dict:
    code = CHILD.format(path=str(path), layer=layer, new=new, lift=lift)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=3600, env=env, cwd=str(ROOT))
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--only", default="csv,geojson,gpkg,wide")
    ap.add_argument("--buildings", type=int, default=200_000)
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    only = set(args.only.split(","))
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="songnan-bench-") as tmp:
        tmpdir = Path(tmp)
        cases = []
        for n in sizes:
            if "csv" in only:
                cases.append(("points CSV", n, "csv", write_points_csv, "facilities", False))
            if "geojson" in only:
                cases.append(("points GeoJSON", n, "geojson", write_points_geojson,
                              "facilities", False))
        if "gpkg" in only:
            cases.append(("building polygons GPKG", args.buildings, "gpkg",
                          write_buildings_gpkg, "buildings", True))
        if "wide" in only:
            cases.append(("columns CSV (wide)", 10_000, "csv", write_wide_csv, "wide", True))
        for label, n, suffix, writer, layer, new in cases:
            path = tmpdir / f"{layer}_{n}.{suffix}"
            writer(path, n)
            size = path.stat().st_size
            runs = [(False, run_case(path, layer, new, lift=False))]
            if "too_big" in runs[0][1].get("codes", []):
                runs.append((True, run_case(path, layer, new, lift=True)))
            for lifted, r in runs:
                rows.append((label + (" (cap lifted)" if lifted else ""), n, size, r))
                print(_row(*rows[-1]), flush=True)
            path.unlink()
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    print("\n| case | features/columns | file MB | seconds | peak MB (process) | "
          "of which import | import/file | result |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        print(_row(*row))
    return 0


def _row(label, n, size, r) -> str:
    mb = size / 1024 / 1024
    if "error" in r:
        return f"| {label} | {n:,} | {mb:.1f} | – | – | – | – | error: {r['error']} |"
    result = "ok" if r["ok"] else "refused: " + ", ".join(r["codes"])
    grown = r["peak_mb"] - r["base_mb"]  # above the interpreter, libraries and stored layers
    return (f"| {label} | {n:,} | {mb:.1f} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | "
            f"{grown:.0f} | {grown / max(mb, 1e-9):.1f}× | {result} |")


if __name__ == "__main__":
    sys.exit(main())
