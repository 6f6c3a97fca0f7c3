"""Reading a planner's file into a layer, with every problem found before anything is stored.

:func:`import_layer` takes the bytes (or path) of an uploaded file and returns an
:class:`ImportResult`: the candidate layer (EPSG:4326, WGS84) and every problem, warning
and offer. It never raises on bad input and never writes anything (storing is
:mod:`songnan_geo.layers.layerstore`'s job, after the planner has seen the preview).

Formats: GeoJSON; a zipped Shapefile (one or more ``.shp`` with their ``.shx``/``.dbf``,
``.prj`` for the CRS; a ``fields.csv`` written by :mod:`songnan_geo.layers.exporter` restores
long field names); GeoPackage; KML (or KMZ); CSV and XLSX with longitude/latitude columns (or a WKT
column) that the planner picks. The coordinates may be WGS84, GCJ-02 (Gaode/Amap/Tencent),
BD-09 (Baidu), CGCS2000 or any EPSG CRS (:func:`songnan_geo.coords.chinacoords.parse_coord_system`).

The pipeline lives here; its parts in sibling modules: :mod:`~songnan_geo.layers.import_model`
(options, target, result, limits), :mod:`~songnan_geo.layers.readers` (the formats, text
encodings), :mod:`~songnan_geo.layers.containers` (zip checks), :mod:`~songnan_geo.layers.kml`,
:mod:`~songnan_geo.layers.fitting` (schema fitting, coercion, inferred schemas) and
:mod:`~songnan_geo.layers.datum` (datum-offset detection).

Checks, all collected before returning:

* the file: a file (not a folder) that can be read, size (:data:`MAX_FILE_BYTES`),
  columns (:data:`MAX_COLUMNS`, counted before the file is parsed), empty, format, text
  encoding (UTF-8; a CSV's other encodings — GBK/GB18030, Big5, Shift-JIS, UTF-16 — are
  detected with charset-normalizer and said, an uncertain one refused; or the planner
  chooses), JSON syntax, zip safety (no
  absolute or ``../`` member paths, no links, no nested archives, at most
  :data:`MAX_UNZIPPED_BYTES` unpacked and a compression ratio under
  :data:`MAX_COMPRESSION_RATIO` — a zip bomb is refused before it is unpacked; a member
  failing its CRC is named), a KML's entities (refused) and ExtendedData (read here);
* numbers: NaN, ±Infinity and 1e309 (beyond a float) are refused naming feature and field;
* a CRS: declared by the file or chosen by the planner (a projected CRS in a file can not
  be silently re-labelled);
* the target layer's rules, by the same code that checks ``data/geo``
  (:func:`songnan_geo.layers.io.validate_feature_collection`): the schema (missing fields, types,
  vocabularies), unique ids, geometry type, validity (with an offer to repair with
  ``make_valid``), coordinates inside the Shanghai region — and, for layers that hold only
  features inside the town, inside the town boundary;
* the datum: when the features sit about 500 m (GCJ-02) or 1 km (BD-09) from the features
  they match (same id or name in the store, else the nearest station/facility), and the
  conversion brings them onto those features, an offer to convert says so.
"""
from __future__ import annotations

import logging
import math
import re
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from songnan_geo.coords.chinacoords import parse_coord_system
from songnan_geo.coords.crs import STORAGE_CRS, crs_name, to_town_crs
from songnan_geo.layers.datum import OFFSET_FIXED_M, OFFSET_MIN_M, detect_datum_offset, move_datum
from songnan_geo.layers.fitting import (
    KIND_TYPES,
    KINDS,
    coerce_to_schema,
    empty_mask,
    fill_ids,
    infer_schema,
    only_kind,
    rename_labelled_columns,
    schema_types,
    single_part,
    single_parts,
)
from songnan_geo.layers.import_model import (
    CORE_FIELDS,
    ENCODINGS,
    FORMATS,
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_FILE_BYTES,
    MAX_FILE_LABEL,
    MAX_READER_NOTES,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_MEMBERS,
    SUFFIXES,
    ImportOptions,
    ImportResult,
    ImportStopped,
    LayerTarget,
    Offer,
    gdal_message,
    is_empty,
    unflagged,
)
from songnan_geo.layers.io import Problem, validate_frame
from songnan_geo.layers.layerstore import LAYER_NAME_PATTERN
from songnan_geo.layers.readers import read_gdal, read_geojson, read_table
from songnan_geo.text.import_messages import FeatureRef, msg

#: The importer's public names (the data classes, limits and fitting functions live in
#: import_model, fitting and datum and are re-exported here, the pipeline's one entry).
__all__ = [
    "CORE_FIELDS", "ENCODINGS", "FORMATS", "MAX_COLUMNS", "MAX_COMPRESSION_RATIO",
    "MAX_FILE_BYTES", "MAX_FILE_LABEL", "MAX_READER_NOTES", "MAX_UNZIPPED_BYTES",
    "MAX_ZIP_MEMBERS", "OFFSET_FIXED_M", "OFFSET_MIN_M", "OUTSIDE_TOWN_M", "SUFFIXES",
    "ImportOptions", "ImportResult", "LayerTarget", "Offer", "coerce_to_schema",
    "detect_datum_offset", "detect_format", "import_layer", "infer_schema", "layer_target",
    "merge", "rename_labelled_columns",
]

_log = logging.getLogger(__name__)


#: Outside-the-town tolerance for layers that hold only features inside the town (the
#: drawn edges of the boundary are estimated to ~300 m).
OUTSIDE_TOWN_M = 300.0


def import_layer(source, filename: str | None, target: LayerTarget,
                 options: ImportOptions | None = None) -> ImportResult:
    """Read and check a planner's file as a candidate for layer ``target``.

    Parameters
    ----------
    source : bytes or str or pathlib.Path
        The file's content, or its path (its size is checked before it is read).
    filename : str, optional
        The name the planner gave (for the format and the messages); default: the path's.
    target : LayerTarget
        The layer it goes to, with its schema and the stored data to compare with.
    options : ImportOptions, optional

    Returns
    -------
    ImportResult
        Never raises for bad input: each problem is in ``problems`` naming the file, the
        feature/row and field, what is wrong and how to fix it. ``layer`` (EPSG:4326) is
        set only when there are no problems. Warnings raised while reading are never
        printed: GDAL's become notes (``reader_note``), the others are logged.
    """
    options = options or ImportOptions()
    if isinstance(source, (str, Path)):
        path = Path(source)
        filename = filename or path.name or str(path)
        result = ImportResult(filename=filename)
        data = _read_path(path, filename, result)
        if data is None:
            return result
    else:
        data = bytes(source)
        filename = filename or "upload"
        result = ImportResult(filename=filename)
    # Reader, numpy, shapely and pandas warnings are never printed: the meaningful ones
    # (GDAL's notes about the file) become notes, the rest go to the log.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _import(data, filename, target, options, result)
        except ImportStopped:
            pass
        except Exception:  # a reader failing in a way not foreseen: report, never crash
            _log.warning("import of %r failed unexpectedly", filename, exc_info=True)
            result.problems.append(Problem(filename, None, None, "read_failed"))
    _warnings_to_notes(caught, filename, result)
    if result.problems:
        result.layer = None
    return result


def _read_path(path: Path, filename: str, result: ImportResult) -> bytes | None:
    """The bytes of the file at ``path``; None (with the problem recorded) when it is a
    folder, missing, unreadable or too big."""
    def problem(code, **params):
        result.problems.append(Problem(filename, None, None, code, params))

    try:
        if path.is_dir():
            problem("path_is_folder", path=str(path))
            return None
        size = path.stat().st_size
        if size >= MAX_FILE_BYTES:
            result.problems.append(_too_big(filename, size))
            return None
        return path.read_bytes()
    except FileNotFoundError:
        problem("path_not_found", path=str(path))
    except IsADirectoryError:
        problem("path_is_folder", path=str(path))
    except PermissionError:
        problem("path_no_permission", path=str(path))
    except OSError as exc:
        problem("open_failed", error=exc.strerror or str(exc))
    return None


def _warnings_to_notes(caught, filename: str, result: ImportResult) -> None:
    """GDAL's warnings about the file (issued by pyogrio) as notes; all others logged."""
    seen = []
    for w in caught:
        text = gdal_message(Exception(str(w.message)))
        from_reader = "pyogrio" in (w.filename or "") or \
            w.category.__module__.startswith("pyogrio")
        if from_reader and text and text not in seen and len(seen) < MAX_READER_NOTES:
            seen.append(text)
            result.warnings.append(msg("reader_note", file=filename, text=text))
        else:
            _log.info("import of %r: %s: %s", filename, w.category.__name__, w.message)


def _too_big(fname: str, size: int) -> Problem:
    return Problem(fname, None, None, "too_big", {
        "size_mb": size / 1024 / 1024, "limit": MAX_FILE_LABEL, "limit_bytes": MAX_FILE_BYTES})


def _import(data: bytes, fname: str, target: LayerTarget, opts: ImportOptions,
            res: ImportResult) -> None:
    def stop(code: str, fld=None, **params):
        """Record the problem ``code`` (with ``params``) about the file and stop reading."""
        res.problems.append(Problem(fname, None, fld, code, params))
        raise ImportStopped

    if len(data) >= MAX_FILE_BYTES:
        res.problems.append(_too_big(fname, len(data)))
        raise ImportStopped
    if not data.strip():
        stop("empty")
    if opts.mode not in ("replace", "upsert"):
        stop("bad_mode", mode=opts.mode)
    if target.new and not re.match(LAYER_NAME_PATTERN, target.name or ""):
        stop("bad_layer_name", name=target.name)
    bad_defaults = [Problem(fname, None, key, "option_not_finite", {"value": token})
                    for key, value in (opts.defaults or {}).items()
                    if (token := _non_finite_token(value, numeric=True))]
    if bad_defaults:
        res.problems += bad_defaults
        raise ImportStopped
    fmt = detect_format(data, fname)
    if fmt is None and Path(fname).suffix.lower() in (".xls", ".et", ".ods"):
        stop("old_workbook", suffix=Path(fname).suffix)
    if fmt is None:
        stop("unsupported_format", suffix=Path(fname).suffix, suffixes=SUFFIXES)
    res.info["format"] = fmt
    if fmt == "shp-loose":
        stop("bare_shp")

    flagged: set[tuple[int, str]] = set()  # (row, field) of non-finite values, reported
    with tempfile.TemporaryDirectory(prefix="songnan-import-") as tmp:
        tmpdir = Path(tmp)
        if fmt == "geojson":
            gdf, file_crs = read_geojson(data, fname, res, stop, target, flagged)
        elif fmt in ("csv", "xlsx"):
            gdf, file_crs = read_table(data, fname, fmt, opts, res, stop, tmpdir)
        else:
            gdf, file_crs = read_gdal(data, fname, fmt, opts, res, stop, tmpdir)
    _finish(gdf, file_crs, fname, target, opts, res, stop, flagged)


def _non_finite_token(value, numeric: bool) -> str | None:
    """How a non-finite number is written ('NaN', 'Infinity', '-Infinity', or the text as
    given, e.g. '1e309'), None for anything else. Text counts only in a ``numeric`` field."""
    if isinstance(value, (float, np.floating)) and not isinstance(value, bool):
        if math.isfinite(value):
            return None
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if numeric and isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            return None
        return None if math.isfinite(f) else value.strip()
    return None


def detect_format(data: bytes, fname: str) -> str | None:
    """Format key of :data:`FORMATS` from the name's suffix and the first bytes."""
    suffix = Path(fname).suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06"
    if suffix == ".shp":
        return "shp-loose"
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in (".zip", ".kmz") or (is_zip and not suffix):
        return "shapefile"
    if suffix == ".gpkg" or data[:16] == b"SQLite format 3\x00":
        return "gpkg"
    for key, (_, sfx) in FORMATS.items():
        if suffix in sfx:
            return key
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "geojson"
    if head[:5] == b"<?xml" or head[:4] == b"<kml":
        return "kml"
    return None


def _finish(gdf, file_crs, fname, target: LayerTarget, opts: ImportOptions, res, stop,
            flagged: set[tuple[int, str]]) -> None:
    if gdf is None or not len(gdf):
        stop("no_features")
    gdf = gdf.reset_index(drop=True)
    geom_col = gdf.geometry.name
    if geom_col != "geometry":
        gdf = gdf.rename_geometry("geometry")

    # 1. The CRS: the planner's choice, else the file's; never re-label a projected file.
    declared = file_crs
    datum = None
    if opts.crs:
        try:
            datum, chosen = parse_coord_system(opts.crs, "crs")
        except ValueError as exc:
            stop("crs_unknown", fld="crs", spec=opts.crs, detail=str(exc))
        if file_crs is not None and not file_crs.equals(chosen) and not (
                file_crs.is_geographic and chosen.is_geographic):
            stop("crs_relabel", fld="crs", declared=crs_name(file_crs), chosen=opts.crs)
        declared = chosen
    if declared is None:
        stop("no_crs", fld="crs")
    res.info["crs"] = opts.crs or crs_name(declared)
    base_datum = datum or "wgs84"
    gdf = gdf.set_crs(declared, allow_override=True)
    as_read = gdf.geometry.values.copy()  # in the file's CRS, before any conversion
    if not declared.is_geographic or not declared.equals(STORAGE_CRS):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                gdf = gdf.to_crs(STORAGE_CRS)
        except Exception as exc:
            stop("reproject_failed", fld="crs", crs=crs_name(declared), error=str(exc))
    raw = gdf.geometry.values.copy()  # lon/lat as in the file (in base_datum)
    if base_datum != "wgs84":
        gdf["geometry"] = move_datum(raw, base_datum, "wgs84")

    # 2. Geometries: 2D; single parts where the layer takes no multi-parts; repairs.
    gdf["geometry"] = shapely.force_2d(gdf.geometry.values)
    if target.geometry_types:
        gdf["geometry"] = single_parts(gdf.geometry.values, target.geometry_types)
    invalid = ~gdf.geometry.is_valid & gdf.geometry.notna()
    invalid.iloc[_non_finite_rows(gdf.geometry.values)] = False  # said in step 4
    if invalid.any():
        if opts.make_valid:
            gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry[invalid].values)
            gdf["geometry"] = [single_part(only_kind(g), target.geometry_types) for g in gdf.geometry]
            res.warnings.append(msg("repaired", n=int(invalid.sum())))
        else:
            res.offers.append(Offer("make_valid", msg("offer_make_valid", n=int(invalid.sum())),
                                    {"make_valid": True}))

    # 3. Columns: labelled names back to fields, default values, ids, the schema's types.
    fields = list((target.schema or {}).get("properties", {})) if not target.new else \
        list(CORE_FIELDS) + ["name_en", "note"]
    gdf = rename_labelled_columns(gdf, fields)
    for key, value in (opts.defaults or {}).items():
        if value is None or value == "":
            continue
        if key not in gdf.columns:
            gdf[key] = [value] * len(gdf)
        else:
            gdf[key] = [value if is_empty(v) else v for v in gdf[key]]
    if opts.auto_ids:
        gdf = fill_ids(gdf, target)

    schema = target.schema
    if target.new:
        schema = infer_schema(gdf, target.name)
        types = sorted({t for g in gdf.geometry.dropna() for t in
                        KIND_TYPES.get(KINDS.get(g.geom_type, ""), [g.geom_type])})
        target = replace(target, schema=schema, geometry_types=types)
    props = schema.get("properties", {})
    gdf = coerce_to_schema(gdf, schema)
    clean = _flag_non_finite(gdf, as_read, props, fname, res, flagged)
    extra = [c for c in gdf.columns if c != "geometry" and c not in props]
    if extra and schema.get("additionalProperties") is False:
        if opts.drop_extra:
            gdf = gdf.drop(columns=extra)
            res.warnings.append(msg("dropped_columns", columns=extra))
        else:
            res.offers.append(Offer("drop_extra", msg("offer_drop_extra", columns=extra,
                                                      layer=target.name), {"drop_extra": True}))
    missing_core = [c for c in CORE_FIELDS if c in schema.get("required", [])
                    and (c not in gdf.columns or _any_empty(gdf[c], c, flagged))]
    if missing_core:
        res.offers.append(Offer("defaults", msg("offer_defaults", fields=missing_core),
                                {"defaults": {}, "auto_ids": "id" in missing_core}))

    # Column order as io.load_layer gives it: the schema's, the rest, then the geometry.
    ordered = [c for c in props if c in gdf.columns]
    order = ordered + [c for c in gdf.columns if c not in ordered and c != "geometry"] \
        + ["geometry"]
    gdf = gdf[order]
    clean = clean[[c for c in order if c in clean.columns]]

    # 4. The layer's rules (schema, ids, geometry type and validity, Shanghai region), on
    # the values that are numbers (the non-finite ones are said above).
    res.problems += unflagged(validate_frame(clean, fname, schema, target.geometry_types,
                                              list(props)), flagged)
    res.schema, res.geometry_types = schema, target.geometry_types
    res.info["features"] = len(gdf)

    # 5. Inside the town, and the datum offset.
    if target.inside_boundary and target.boundary is not None:
        _check_inside_town(clean, target, fname, res)
    offer = detect_datum_offset(raw, base_datum, gdf, target)
    if offer is not None:
        res.offers.insert(0, offer)
    res.imported = gdf
    if not res.problems:
        res.layer = merge(target.existing, gdf, opts.mode)


def _flag_non_finite(gdf, as_read, props: dict, fname: str, res: ImportResult,
                     flagged: set[tuple[int, str]]) -> gpd.GeoDataFrame:
    """Report every non-finite value (NaN, ±Infinity, text such as '1e309' in a number
    field) and non-finite coordinate, naming the feature and field; return a copy of ``gdf``
    with those values empty, for the remaining checks (which then say nothing more about
    them). ``flagged`` gets the (row, field) of each. A geometry that only the conversion
    from its CRS or datum made infinite (coordinates far beyond any real place) keeps its
    coordinates as read, for the region check to name."""
    clean = gdf
    ids = gdf["id"] if "id" in gdf.columns else pd.Series([None] * len(gdf), index=gdf.index)
    for col in gdf.columns:
        if col == "geometry":
            continue
        numeric = bool(schema_types(props.get(col, {})) & {"number", "integer"})
        values = gdf[col]
        if values.dtype.kind == "f":
            rows = np.flatnonzero(np.isinf(values.to_numpy()))
        elif values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            # only floats (and, in a number field, text) can be non-finite; a NaN float in
            # a frame is an empty cell
            plain = (int, bool, type(None)) if numeric else (int, bool, type(None), str)
            rows = [i for i, v in enumerate(values.tolist()) if type(v) not in plain
                    and not (isinstance(v, float) and math.isnan(v))
                    and (type(v) is not float or math.isinf(v))
                    and _non_finite_token(v, numeric)]
        else:
            continue
        for i in rows:
            v = values.iloc[i]
            res.problems.append(Problem(fname, FeatureRef(index=int(i), id=_plain(ids.iloc[i])),
                                        str(col), "value_not_finite",
                                        {"value": _non_finite_token(v, numeric)}))
            flagged.add((int(i), str(col)))
        if len(rows):
            if clean is gdf:
                clean = gdf.copy()
            clean[col] = clean[col].astype(object)
            clean.iloc[list(rows), clean.columns.get_loc(col)] = None
    bad = _non_finite_rows(gdf.geometry.values)
    in_file = np.intersect1d(bad, _non_finite_rows(as_read))
    far = np.setdiff1d(bad, in_file)
    if len(far):
        clean = clean.copy() if clean is gdf else clean
        geom = clean.geometry.values.copy()
        geom[far] = np.asarray(as_read, dtype=object)[far]
        clean["geometry"] = geom
    bad = in_file
    for i in bad:
        res.problems.append(Problem(fname, FeatureRef(index=int(i), id=_plain(ids.iloc[i])),
                                    "geometry", "geometry_not_finite"))
        flagged.add((int(i), "geometry"))
    if len(bad):
        clean = clean.copy() if clean is gdf else clean
        geom = clean.geometry.values.copy()
        geom[bad] = None
        clean["geometry"] = geom
    return clean


def _any_empty(values: pd.Series, col: str, flagged: set[tuple[int, str]]) -> bool:
    """Whether a cell of ``values`` is empty, not counting those emptied as non-finite."""
    empty = empty_mask(values.tolist())
    for i, c in flagged:
        if c == col:
            empty[i] = False
    return bool(empty.any())


def _non_finite_rows(geoms) -> np.ndarray:
    """Positions of the geometries with a NaN or infinite coordinate."""
    coords, index = shapely.get_coordinates(np.asarray(geoms, dtype=object), return_index=True)
    return np.unique(index[~np.isfinite(coords).all(axis=1)])


def _plain(v):
    """A cell value as a plain Python value for a message (None when empty)."""
    if isinstance(v, np.generic):
        v = v.item()
    return None if is_empty(v) else v


def merge(existing: gpd.GeoDataFrame | None, imported: gpd.GeoDataFrame,
          mode: str = "replace") -> gpd.GeoDataFrame:
    """The layer after the import: ``imported`` alone ('replace'), or 'upsert': stored
    features keep their order, those whose id is imported take the new version, new ids
    are added at the end."""
    imported = imported.set_crs(STORAGE_CRS, allow_override=True)
    if mode == "replace" or existing is None or not len(existing):
        return imported.reset_index(drop=True)
    new_by_id = {fid: i for i, fid in enumerate(imported["id"])}
    rows, used = [], set()
    for _, row in existing.iterrows():
        if row["id"] in new_by_id:
            rows.append(imported.iloc[new_by_id[row["id"]]])
            used.add(row["id"])
        else:
            rows.append(row)
    rows += [imported.iloc[i] for fid, i in new_by_id.items() if fid not in used]
    cols = list(dict.fromkeys(list(existing.columns) + list(imported.columns)))
    out = gpd.GeoDataFrame([r.reindex(cols) for r in rows], columns=cols, geometry="geometry",
                           crs=STORAGE_CRS)
    return out.reset_index(drop=True)


def _check_inside_town(gdf, target, fname, res) -> None:
    town = to_town_crs(gpd.GeoDataFrame(geometry=[target.boundary], crs=STORAGE_CRS)).geometry.iloc[0]
    geoms = np.asarray(to_town_crs(gdf[["geometry"]]).geometry.values, dtype=object)
    check = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    check[check] = shapely.is_valid(geoms[check])
    rows = np.flatnonzero(check)
    dist = np.zeros(len(geoms))
    if len(rows):
        shapely.prepare(town)
        outside = rows[~shapely.intersects(geoms[rows], town)]
        dist[outside] = shapely.distance(geoms[outside], town)
    ids = gdf["id"].tolist() if "id" in gdf.columns else [None] * len(gdf)
    for i in np.flatnonzero(dist > 0):
        d = float(dist[i])
        label = FeatureRef(index=int(i), id=ids[i])
        if d > OUTSIDE_TOWN_M:
            res.problems.append(Problem(fname, label, "geometry", "outside_town",
                                        {"dist_m": d, "layer": target.name}))
        else:
            res.warnings.append(msg("near_town", feature=label, dist_m=d))


def layer_target(name: str, layers: dict, manifest: dict, schema: dict | None = None,
                 new: bool = False) -> LayerTarget:
    """The :class:`LayerTarget` for layer ``name`` from the loaded ``layers`` (EPSG:4326).

    ``schema`` is the layer's JSON Schema (required unless ``new``). Point layers other
    than the target serve as references for the datum-offset check; the ``boundary``
    layer gives the town outline.
    """
    refs = {n: g for n, g in layers.items()
            if n != name and len(g) and set(g.geom_type.dropna()) <= {"Point"}}
    boundary = None
    if "boundary" in layers and len(layers["boundary"]):
        boundary = shapely.union_all(layers["boundary"].geometry.values)
    if new:
        return LayerTarget(name=name, schema=None, geometry_types=None, references=refs,
                           boundary=boundary, new=True)
    info = manifest["layers"][name]
    return LayerTarget(name=name, schema=schema, geometry_types=list(info["geometry_types"]),
                       inside_boundary=bool(info.get("inside_boundary", True)),
                       existing=layers.get(name), references=refs, boundary=boundary)

