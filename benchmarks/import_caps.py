"""How fast the importer refuses files past its column cap, measured in one run.

    python -m benchmarks.import_caps

Issue 11/17: a CSV with 10,000 columns ran 95 s and one with 1,000,000 columns never
finished (a quadratic duplicate-column check after pandas had parsed everything). The cap
(``importer.MAX_COLUMNS``, 1,000) is now checked on the header record before pandas parses
the file. Prints, for CSVs of 1,001, 10,000 and 1,000,000 columns (two rows) and for an
XLSX and a GeoPackage just past the cap, the file size, the seconds to the refusal (best
of 3) and the message code; and, for scale, the seconds to read a CSV with 1,000 columns
(at the cap, read in full). The goal: every refusal in a few seconds (under 5 s).
"""
from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

import geopandas as gpd  # noqa: E402
import openpyxl  # noqa: E402
import pyogrio  # noqa: E402
from shapely.geometry import Point  # noqa: E402

from songnan_geo.layers.importer import MAX_COLUMNS, ImportOptions, import_layer, layer_target  # noqa: E402
from songnan_geo.layers.io import layer_schema, load_all_layers, read_manifest  # noqa: E402


def wide_csv(n: int) -> bytes:
    head = ["lon", "lat"] + [f"c{i}" for i in range(n - 2)]
    row = ["121.49", "31.35"] + ["1"] * (n - 2)
    return (",".join(head) + "\n" + ",".join(row) + "\n").encode()


def wide_xlsx(n: int) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append([f"c{i}" for i in range(n)])
    wb.active.append([1] * n)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def wide_gpkg(n: int) -> bytes:
    path = Path(tempfile.mkdtemp()) / "wide.gpkg"
    gdf = gpd.GeoDataFrame({f"c{i}": [1] for i in range(n)}, geometry=[Point(121.49, 31.35)],
                           crs=4326)
    pyogrio.write_dataframe(gdf, path)
    return path.read_bytes()


def timed(data: bytes, fname: str, target, options, repeat: int = 3) -> tuple[float, list[str]]:
    best, codes = float("inf"), []
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = import_layer(data, fname, target, options)
        best = min(best, time.perf_counter() - t0)
        codes = sorted({p.code for p in res.problems}) or ["(read)"]
    return best, codes


def main() -> None:
    layers, manifest = load_all_layers(), read_manifest()
    target = layer_target("metro_stations", layers, manifest, layer_schema("metro_stations"))
    csv_opts = ImportOptions(crs="wgs84")
    cases = [(f"CSV {n:,} columns", wide_csv(n), "wide.csv", csv_opts)
             for n in (MAX_COLUMNS, MAX_COLUMNS + 1, 10_000, 1_000_000)]
    cases += [(f"XLSX {MAX_COLUMNS + 1:,} columns", wide_xlsx(MAX_COLUMNS + 1), "wide.xlsx",
               csv_opts),
              (f"GPKG {MAX_COLUMNS + 1:,} fields", wide_gpkg(MAX_COLUMNS + 1), "wide.gpkg",
               ImportOptions())]
    print(f"column cap: {MAX_COLUMNS:,}")
    print(f"{'file':<24}{'size':>12}{'seconds':>10}  answer")
    for label, data, fname, options in cases:
        seconds, codes = timed(data, fname, target, options)
        print(f"{label:<24}{len(data) / 1e6:>10.2f} MB{seconds:>10.3f}  {', '.join(codes)}")


if __name__ == "__main__":
    main()
