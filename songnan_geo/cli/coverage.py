"""``python -m songnan_geo coverage``: coverage of demand features by facilities, from files.

::

    python -m songnan_geo coverage --facilities FILE --demand FILE [--type T] --radius-m R \\
        [--method euclidean|network --roads FILE] [--weight FIELD] --out FILE

FILE is anything geopandas reads (GeoJSON, GeoPackage, Shapefile …). Facilities may be
points or polygons. The output has one row per demand feature: its attributes plus
``covered``, ``covered_share``, ``covered_pop`` (with ``--weight``) and ``nearest_m``
(with the network method also ``walk_min`` and ``snap_m``). The format follows the
extension of ``--out``: .geojson/.json (EPSG:4326), .gpkg (the demand's CRS), .csv or
.xlsx (attributes only, no geometry). The last line printed is the summary: total
weight, covered weight, covered share (without ``--weight`` every feature weighs 1).
Bad input prints ``error: …`` naming the problem and the fix, writes nothing and exits 2.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import CRS

from songnan_geo.coords.crs import STORAGE_CRS
from songnan_geo.lifecircle.coverage import METHODS, coverage, coverage_summary
from songnan_geo.lifecircle.network import DEFAULT_WALK_SPEED_KMH, WalkNetwork

_FORMATS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".csv": "csv",
            ".xlsx": "xlsx"}


class InputError(ValueError):
    """Bad command-line input (reported as ``error: …``, exit code 2)."""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "coverage", help="coverage of demand features by facilities within a radius",
        description=__doc__.split("::")[0].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--facilities", required=True, metavar="FILE",
                   help="facility points or polygons (any file geopandas reads)")
    p.add_argument("--demand", required=True, metavar="FILE",
                   help="demand points or polygons (e.g. residential areas)")
    p.add_argument("--type", metavar="T",
                   help="keep only facilities whose 'type' field is T (comma-separate several)")
    p.add_argument("--radius-m", required=True, type=float, metavar="R",
                   help="service distance in metres")
    p.add_argument("--method", choices=METHODS, default="euclidean",
                   help="straight line in the metric CRS, or walking along --roads")
    p.add_argument("--roads", metavar="FILE", help="road centre-lines (needed for --method network)")
    p.add_argument("--weight", metavar="FIELD",
                   help="demand field to weight by (e.g. population) → covered_pop")
    p.add_argument("--walk-speed-kmh", type=float, default=DEFAULT_WALK_SPEED_KMH,
                   help="walking speed for walk_min (network method; default 4.5)")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="output file: .geojson, .json, .gpkg, .csv or .xlsx")
    p.set_defaults(func=run)


def _read(path: str, arg: str) -> gpd.GeoDataFrame:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{arg} file {path} does not exist; check the path.")
    try:
        gdf = gpd.read_file(p)
    except Exception as exc:  # pyogrio/GDAL errors: name the file and what was wrong
        raise InputError(f"{arg} file {path} could not be read as a geographic file ({exc}). "
                         "Give a GeoJSON, GeoPackage or Shapefile.") from exc
    if len(gdf) == 0:
        raise InputError(f"{arg} file {path} has no features.")
    if gdf.crs is None:
        raise InputError(f"{arg} file {path} has no CRS, so its coordinates cannot be measured "
                         "in metres. Declare the CRS in the file (e.g. a .prj for a Shapefile, "
                         "or save it as GeoJSON in EPSG:4326).")
    crs = CRS.from_user_input(gdf.crs)
    if crs.is_geographic:
        x0, y0, x1, y1 = gdf.total_bounds
        if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
            raise InputError(f"{arg} file {path} says it is in {crs.name} (longitude/latitude) but "
                             f"its coordinates reach {x0:.0f}, {y0:.0f} … {x1:.0f}, {y1:.0f}: they are "
                             "projected. Declare the CRS they are really in, or reproject the "
                             "file to EPSG:4326.")
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        raise InputError(f"{arg} file {path} has {int(missing.sum())} feature(s) without geometry "
                         f"(rows {', '.join(map(str, np.flatnonzero(missing.to_numpy())[:10]))}); "
                         "drop or fix them.")
    return gdf


def _select_types(fac: gpd.GeoDataFrame, types: str | None, path: str) -> gpd.GeoDataFrame:
    if not types:
        return fac
    if "type" not in fac.columns:
        raise InputError(f"--type was given but facilities file {path} has no 'type' field; "
                         "drop --type or add the field.")
    wanted = [t.strip() for t in types.split(",") if t.strip()]
    have = fac["type"].astype(str)
    unknown = [t for t in wanted if t not in set(have)]
    if unknown:
        raise InputError(f"--type {', '.join(unknown)} matches no facility in {path}. Types there: "
                         f"{', '.join(sorted(set(have)))}.")
    return fac[have.isin(wanted)]


def _write(result: gpd.GeoDataFrame, out: str) -> None:
    path = Path(out)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt in ("csv", "xlsx"):
        table = result.drop(columns=result.geometry.name)
        if fmt == "csv":
            table.to_csv(path, index=False, encoding="utf-8")
        else:
            table.to_excel(path, index=False, engine="openpyxl")
    elif fmt == "geojson":
        result.to_crs(STORAGE_CRS).to_file(path, driver="GeoJSON")
    else:
        result.to_file(path, driver="GPKG")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (InputError, ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if Path(args.out).suffix.lower() not in _FORMATS:
        raise InputError(f"--out {args.out}: unknown format; end the name with one of "
                         f"{', '.join(_FORMATS)}.")
    if not Path(args.out).resolve().parent.is_dir():
        raise InputError(f"--out {args.out}: the folder does not exist; create it first.")
    if not args.radius_m > 0:
        raise InputError(f"--radius-m is {args.radius_m:g}; give a service distance in metres > 0.")
    if args.method == "network" and not args.roads:
        raise InputError("--method network needs --roads FILE (road centre-lines).")
    fac = _select_types(_read(args.facilities, "facilities"), args.type, args.facilities)
    demand = _read(args.demand, "demand")
    network = WalkNetwork.from_roads(_read(args.roads, "roads")) if args.method == "network" else None
    result = coverage(demand, fac, args.radius_m, method=args.method, network=network,
                      weight=args.weight, walk_speed_kmh=args.walk_speed_kmh)
    result = result.drop(columns="nearest_index")
    _write(result, args.out)
    s = coverage_summary(result, args.weight)
    print(f"wrote {len(result)} demand feature(s) to {args.out}; {len(fac)} facilities, "
          f"radius {args.radius_m:g} m, method {args.method}")
    label = f"field {args.weight}" if args.weight else "each feature counts 1"
    print(f"summary: total weight {s['total']:.6g}, covered weight {s['covered']:.6g}, "
          f"covered share {s['share']:.4f} (weight: {label})")
    return 0
