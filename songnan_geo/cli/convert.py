"""``python -m songnan_geo convert``: coordinates between WGS84, GCJ-02, BD-09 and any EPSG CRS.

::

    python -m songnan_geo convert --from wgs84|gcj02|bd09|EPSG:n --to wgs84|gcj02|bd09|EPSG:n IN OUT
    python -m songnan_geo convert --from bd09 --to wgs84 --lonlat LON LAT   # prints "LON LAT"

A file is read with GDAL (GeoJSON, GeoPackage, Shapefile or a zip of one, KML, …) and
written in the format of OUT's suffix (see :mod:`songnan_geo.layers.exporter`). ``--from`` says
what IN's coordinates are; a file that declares a different CRS is refused rather than
silently re-labelled (``set_crs`` never moves coordinates). GCJ-02/BD-09 output is
longitude/latitude labelled EPSG:4326 (their coordinates are degrees on no PROJ datum).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pyogrio
from pyproj import CRS

from songnan_geo.coords.chinacoords import from_wgs84, parse_coord_system, to_wgs84
from songnan_geo.coords.crs import STORAGE_CRS
from songnan_geo.layers.exporter import format_for_path, write_layer

_SPEC_HELP = "wgs84, gcj02, bd09, cgcs2000 or a CRS such as EPSG:4490 / EPSG:4549"


def register(sub) -> None:
    p = sub.add_parser(
        "convert", help="convert coordinates between WGS84, GCJ-02, BD-09 and EPSG CRSs",
        description="Convert a file, or one point with --lonlat, between WGS84, GCJ-02 "
                    "(Gaode/Amap), BD-09 (Baidu) and any EPSG CRS (e.g. CGCS2000 EPSG:4490, "
                    "its Gauss-Kruger zones EPSG:4549/4550). Inverses are exact (< 1 mm).")
    p.add_argument("--from", dest="src", required=True, metavar="SRC",
                   help=f"coordinates of the input: {_SPEC_HELP}")
    p.add_argument("--to", dest="dst", required=True, metavar="DST",
                   help=f"coordinates of the output: {_SPEC_HELP}")
    p.add_argument("--lonlat", nargs=2, type=float, metavar=("LON", "LAT"),
                   help="convert one point (x y in the --from system) and print 'X Y' "
                        "with 7 decimals")
    p.add_argument("paths", nargs="*", metavar="IN OUT",
                   help="input file and output file (format from OUT's suffix: .geojson, "
                        ".gpkg, .zip (Shapefile), .csv, .xlsx)")
    p.set_defaults(func=run)


def _fail(message: str) -> int:
    print(f"convert: {message}", file=sys.stderr)
    return 2


def convert_point(x: float, y: float, src: str, dst: str) -> tuple[float, float]:
    """One point from ``src`` to ``dst`` (datum names or CRSs, see parse_coord_system)."""
    import geopandas as gpd
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame(geometry=[Point(x, y)], crs=STORAGE_CRS)
    out = from_wgs84(to_wgs84(gdf, src), dst)
    p = out.geometry.iloc[0]
    return float(p.x), float(p.y)


def run(args) -> int:
    try:
        parse_coord_system(args.src, "--from")
        parse_coord_system(args.dst, "--to")
    except ValueError as exc:
        return _fail(str(exc))
    if args.lonlat is not None:
        if args.paths:
            return _fail("give either --lonlat LON LAT or IN OUT, not both.")
        x, y = convert_point(args.lonlat[0], args.lonlat[1], args.src, args.dst)
        print(f"{x:.7f} {y:.7f}")
        return 0
    if len(args.paths) != 2:
        return _fail("give an input and an output file (IN OUT), or --lonlat LON LAT.")
    src_path, dst_path = Path(args.paths[0]), Path(args.paths[1])
    if not src_path.exists():
        return _fail(f"input file '{src_path}' does not exist.")
    try:
        format_for_path(dst_path)
    except ValueError as exc:
        return _fail(str(exc))
    read_path = f"/vsizip/{src_path.resolve()}" if src_path.suffix.lower() == ".zip" \
        else str(src_path)
    try:
        gdf = pyogrio.read_dataframe(read_path)
    except Exception as exc:  # GDAL's message names the file and the reason
        return _fail(f"cannot read '{src_path}': {exc}")
    _, crs = parse_coord_system(args.src, "--from")
    declared = CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
    if declared is not None and not declared.equals(crs) and not (
            declared.is_geographic and crs.is_geographic):
        name = declared.to_string()
        return _fail(f"'{src_path}' declares {name} but --from is {args.src}. Give --from "
                     f"{name} (or fix the file's CRS): coordinates are never re-labelled "
                     "silently.")
    try:
        wgs = to_wgs84(gdf, args.src, "input")
        write_layer(wgs, dst_path, target=args.dst)
    except Exception as exc:
        return _fail(f"cannot convert '{src_path}' to '{dst_path}': {exc}")
    print(f"wrote {len(wgs)} feature(s) to {dst_path} ({args.src} -> {args.dst})")
    return 0
