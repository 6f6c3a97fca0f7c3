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

With ``--standard`` and one ``--type``, ``--candidates FILE [--k N]`` also prints the best
``N`` new sites among the candidates (MCLP, the existing facilities kept) with the gain of
each; ``--new-capacity C`` makes it capacitated: each new site serves at most ``C`` residents
and each existing facility at most its ``capacity`` field (a facility without one is an
error naming it), and the gains count residents served.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from songnan_geo import config

if TYPE_CHECKING:
    import geopandas as gpd

# Spelled out so that ``--help`` loads no geopandas (tests/unit/test_cli_start.py checks them
# against lifecircle.scenario.METHODS / BASES and lifecircle.network.DEFAULT_WALK_SPEED_KMH).
METHOD_CHOICES = ("auto", "network", "euclidean")
BASIS_CHOICES = ("population", "area")
DEFAULT_WALK_SPEED_KMH = 4.5

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
    p.add_argument("--radius-m", type=float, metavar="R",
                   help="service distance in metres (one for all; or give --standard)")
    p.add_argument("--standard", metavar="ID",
                   help="life-circle indicators instead: each type at its distance under this "
                        "standard (e.g. gb50180_2018), the basket, per-居委 status; --demand is "
                        "the residential layer with population")
    p.add_argument("--basis", choices=BASIS_CHOICES, default="population",
                   help="with --standard: share of residents or of residential land")
    p.add_argument("--method", choices=METHOD_CHOICES, default=None,
                   help="euclidean (straight line), network (walking along --roads) or auto "
                        "(with --standard: walk where the roads reach the homes); default "
                        "euclidean, or auto with --standard")
    p.add_argument("--roads", metavar="FILE", help="road centre-lines (needed for --method network)")
    p.add_argument("--candidates", metavar="FILE",
                   help="with --standard and one --type: candidate sites; print the best --k new "
                        "sites (existing facilities kept) and the gain of each")
    p.add_argument("--k", type=int, default=3, metavar="N", help="new sites with --candidates (default 3)")
    p.add_argument("--new-capacity", type=float, metavar="C",
                   help="with --candidates: capacitated siting, each new site serving at most C "
                        "residents and each existing facility at most its 'capacity' field")
    p.add_argument("--weight", metavar="FIELD",
                   help="demand field to weight by (e.g. population) → covered_pop")
    p.add_argument("--walk-speed-kmh", type=float, default=DEFAULT_WALK_SPEED_KMH,
                   help="walking speed for walk_min (network method; default 4.5)")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="output file: .geojson, .json, .gpkg, .csv or .xlsx")
    p.set_defaults(func=run)


def _read(path: str, arg: str) -> gpd.GeoDataFrame:
    import geopandas as gpd  # noqa: PLC0415  (lazy: --help stays fast)
    import numpy as np  # noqa: PLC0415
    from pyproj import CRS  # noqa: PLC0415

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
    if config.is_inside_repository(args.out):
        raise InputError(f"--out {args.out} is inside the project's folder ({config.REPO_DIR}), "
                         f"which holds only reviewed files; write elsewhere, e.g. "
                         f"{config.output_dir() / Path(args.out).name}.")
    if args.standard:
        return _run_standard(args)
    if args.candidates or args.new_capacity is not None:
        raise InputError("--candidates and --new-capacity need --standard ID and one --type.")
    args.method = args.method or "euclidean"
    if args.method == "auto":
        raise InputError("--method auto needs --standard; give euclidean or network.")
    if args.radius_m is None or not args.radius_m > 0:
        raise InputError(f"--radius-m is {args.radius_m}; give a service distance in metres > 0 "
                         "(or --standard ID for the life-circle indicators).")
    if args.method == "network" and not args.roads:
        raise InputError("--method network needs --roads FILE (road centre-lines).")
    from songnan_geo.layers.exporter import write_layer  # noqa: PLC0415
    from songnan_geo.lifecircle.coverage import coverage, coverage_summary  # noqa: PLC0415
    from songnan_geo.lifecircle.network import WalkNetwork  # noqa: PLC0415

    fac = _select_types(_read(args.facilities, "facilities"), args.type, args.facilities)
    demand = _read(args.demand, "demand")
    network = WalkNetwork.from_roads(_read(args.roads, "roads")) if args.method == "network" else None
    result = coverage(demand, fac, args.radius_m, method=args.method, network=network,
                      weight=args.weight, walk_speed_kmh=args.walk_speed_kmh)
    result = result.drop(columns="nearest_index")
    if Path(args.out).suffix.lower() in (".csv", ".xlsx"):
        result = result.drop(columns=result.geometry.name)
        _table(result, args.out)
    else:
        write_layer(result, args.out)
    s = coverage_summary(result, args.weight)
    print(f"wrote {len(result)} demand feature(s) to {args.out}; {len(fac)} facilities, "
          f"radius {args.radius_m:g} m, method {args.method}")
    label = f"field {args.weight}" if args.weight else "each feature counts 1"
    print(f"summary: total weight {s['total']:.6g}, covered weight {s['covered']:.6g}, "
          f"covered share {s['share']:.4f} (weight: {label})")
    return 0


def _table(frame, out: str) -> None:
    """An attribute table (no geometry) as CSV (UTF-8) or XLSX; formula-like text neutralised
    (:mod:`songnan_geo.layers.spreadsheet`)."""
    from songnan_geo.layers.spreadsheet import table_csv, table_xlsx  # noqa: PLC0415

    data = table_csv(frame, bom=False) if Path(out).suffix.lower() == ".csv" else table_xlsx(frame)
    Path(out).write_bytes(data)


def _run_standard(args: argparse.Namespace) -> int:
    """The life-circle indicators (songnan_geo.scenario, the page's own call)."""
    import geopandas as gpd  # noqa: PLC0415

    from songnan_geo.layers.exporter import write_layer  # noqa: PLC0415
    from songnan_geo.lifecircle import scenario as sc  # noqa: PLC0415

    layers = {"facilities": _read(args.facilities, "facilities"),
              "residential": _read(args.demand, "demand")}
    if args.roads:
        layers["roads"] = _read(args.roads, "roads")
    types = [x.strip() for x in args.type.split(",") if x.strip()] if args.type else None
    if (args.candidates or args.new_capacity is not None) and (not types or len(types) != 1):
        raise InputError("--candidates sites new facilities of one type: give one --type T.")
    if args.new_capacity is not None and not args.candidates:
        raise InputError("--new-capacity needs --candidates FILE (the sites to choose from).")
    if args.candidates and args.k < 1:
        raise InputError(f"--k is {args.k}; ask for at least 1 new site.")
    if args.new_capacity is not None and not args.new_capacity >= 0:
        raise InputError(f"--new-capacity is {args.new_capacity:g}; give the residents each new "
                         "site can serve (a number ≥ 0).")
    cands = _read(args.candidates, "candidates") if args.candidates else None
    try:
        r = sc.run_scenario(layers, types, args.standard, args.method or "auto", args.basis, lang="en")
    except sc.ScenarioError as exc:
        raise InputError(str(exc)) from exc
    ftype = sc.BASKET if len(r.types) > 1 else r.types[0]
    table = sc.area_display(r, ftype, "en")
    if Path(args.out).suffix.lower() in (".csv", ".xlsx"):
        _table(table, args.out)
    else:
        write_layer(gpd.GeoDataFrame(table, geometry=r.residential.geometry.values,
                                     crs=r.residential.crs), args.out)
    print(f"wrote {len(table)} neighbourhood(s) to {args.out}; standard {args.standard}, "
          f"method {r.method} ({r.method_label('en')}), basis {r.basis}")
    if r.method_reason:
        print(f"method: {r.method_reason}")
    print(sc.type_table(r, "en").drop(columns="Definition").to_csv(sep="\t", index=False).strip())
    if cands is not None:
        _print_sites(r, types[0], cands, args)
    return 0


def _print_sites(r, ftype: str, cands, args: argparse.Namespace) -> None:
    """The best new sites (songnan_geo.lifecircle.recommend.recommend_sites), one line each."""
    from songnan_geo.lifecircle import recommend, scenario as sc  # noqa: PLC0415
    from songnan_geo.lifecircle.siting import SitingError  # noqa: PLC0415

    capacitated = args.new_capacity is not None
    try:
        out = recommend.recommend_sites(r, ftype, cands, k=args.k,
                                 model="capacitated" if capacitated else "mclp",
                                 new_capacity=args.new_capacity)
    except (SitingError, sc.ScenarioError) as exc:
        raise InputError(str(exc)) from exc
    what = "served within capacity" if capacitated else "covered"
    before = out.attrs.get("served_before", float(r.per_type.iloc[0]["share"]))
    print(f"best sites for {ftype} ({'capacitated MCLP' if capacitated else 'MCLP'}, "
          f"{len(out)} of {len(cands)} candidates): share {what} {sc.pct(before)} before")
    unit = "people" if r.basis == "population" else "m² of residential land"
    names = out["name"].astype(str).tolist() if "name" in out.columns else [""] * len(out)
    where = out.to_crs(4326).geometry.representative_point()
    for row, name, pt in zip(out.itertuples(), names, where):
        print(f"site {row.order}: {name} at lon {pt.x:.6f}, lat {pt.y:.6f}: +{sc.people(row.gain)} "
              f"{unit} ({sc.pp(row.gain_pp, 'en')}), share {what} after {sc.pct(row.share_after)}")
