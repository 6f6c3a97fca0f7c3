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

Checks, all collected before returning:

* the file: a file (not a folder) that can be read, size (:data:`MAX_FILE_BYTES`),
  columns (:data:`MAX_COLUMNS`, counted before the file is parsed), empty, format, text
  encoding (UTF-8, else GBK/
  GB18030 is detected and said; or the planner chooses), JSON syntax, zip safety (no
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

import csv
import io
import json
import logging
import math
import re
import stat
import sys
import tempfile
import warnings
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.parsers import expat

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from songnan_geo.coords.chinacoords import DATUMS, convert_lonlat, parse_coord_system
from songnan_geo.coords.crs import STORAGE_CRS, to_town_crs
from songnan_geo.layers.exporter import SHP_FIELD_MAP
from songnan_geo.layers.io import Problem, json_problem, non_finite_values, validate_feature_collection
from songnan_geo.layers.layerstore import LAYER_NAME_PATTERN, feature_collection
from songnan_geo.text.i18n import FIELD_LABELS
from songnan_geo.text.import_messages import FeatureRef, Message, msg, render

#: Largest file accepted: 100 MB (files of this size or more are refused).
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_FILE_LABEL = "100 MB"
#: Largest total size of a zip's members once unpacked.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
#: Largest uncompressed/compressed size ratio of a zip member (larger: a zip bomb).
MAX_COMPRESSION_RATIO = 200
MAX_ZIP_MEMBERS = 500
#: Most columns (fields) a file may have: 1,000. A layer has a few dozen; a file with more is
#: refused before it is parsed (a CSV's header line, an XLSX sheet's width, a GDAL layer's
#: field list, a GeoJSON's property names), so that even a million columns answer at once.
MAX_COLUMNS = 1000
#: Reader warnings turned into notes, at most this many (the rest are logged).
MAX_READER_NOTES = 5

_log = logging.getLogger(__name__)

#: Formats read, by key: label and file suffixes.
FORMATS = {
    "geojson": ("GeoJSON", (".geojson", ".json")),
    "shapefile": ("Shapefile (zip)", (".zip",)),
    "gpkg": ("GeoPackage", (".gpkg",)),
    "kml": ("KML", (".kml",)),
    "csv": ("CSV", (".csv", ".txt")),
    "xlsx": ("Excel (XLSX)", (".xlsx",)),
}
SUFFIXES = sorted({s for _, sfx in FORMATS.values() for s in sfx})
#: Text encodings offered for CSV files (GB18030 is the superset of GBK and GB2312).
ENCODINGS = ("utf-8", "gb18030")
#: Fields every layer's features carry; the planner may fill them for a whole file.
CORE_FIELDS = ("id", "name", "source", "accuracy_m", "estimated")

_LON_NAMES = ("lon", "lng", "longitude", "long", "x", "经度", "东经", "lon_wgs84", "lng_wgs84")
_LAT_NAMES = ("lat", "latitude", "y", "纬度", "北纬", "lat_wgs84")
_WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "shape", "几何")
_KML_FIELDS = {"Name": "name", "description": None, "Description": None, "timestamp": None, "begin": None,
               "end": None, "altitudeMode": None, "tessellate": None, "extrude": None,
               "visibility": None, "drawOrder": None, "icon": None, "snippet": None}
_TRUE = {"true", "t", "yes", "y", "1", "是", "真", "对"}
_FALSE = {"false", "f", "no", "n", "0", "否", "假", "错"}
_SINGLE = {"MultiPoint": "Point", "MultiLineString": "LineString", "MultiPolygon": "Polygon"}
_KINDS = {"Point": "point", "MultiPoint": "point", "LineString": "line",
          "MultiLineString": "line", "Polygon": "polygon", "MultiPolygon": "polygon"}
_KIND_TYPES = {"point": ["Point", "MultiPoint"], "line": ["LineString", "MultiLineString"],
               "polygon": ["Polygon", "MultiPolygon"]}
#: A datum offset is reported when the median distance to the matched features is at least
#: this far as read, and the conversion brings it within OFFSET_FIXED_M (or a third).
OFFSET_MIN_M = 200.0
OFFSET_FIXED_M = 60.0
#: Outside-the-town tolerance for layers that hold only features inside the town (the
#: drawn edges of the boundary are estimated to ~300 m).
OUTSIDE_TOWN_M = 300.0


# --------------------------------------------------------------------------- data classes

@dataclass
class ImportOptions:
    """What the planner chose. Every field has a default that reads the file as it is.

    crs : the coordinates' system ('wgs84', 'gcj02', 'bd09', 'cgcs2000', 'EPSG:n'); None
        takes the file's own (a GeoJSON without ``crs`` is WGS84; a CSV has none).
    lon_col, lat_col, wkt_col : CSV/XLSX geometry columns; None guesses from the names.
    encoding : CSV text encoding; None detects UTF-8, else GB18030 (GBK).
    sublayer : GeoPackage table, KML folder, XLSX sheet or Shapefile in the zip; None
        reads the only one (GeoPackage/XLSX: the first; KML/zip: all of them).
    make_valid : repair invalid geometries with shapely.make_valid.
    drop_extra : drop columns the layer's schema does not have.
    defaults : values for missing fields (e.g. source, accuracy_m, estimated), applied
        where a column is absent or a value empty.
    auto_ids : give features without an id one (``<layer>_<n>``).
    mode : 'replace' the layer, or 'upsert' (features with a known id replace the stored
        ones, the others are added).
    """

    crs: str | None = None
    lon_col: str | None = None
    lat_col: str | None = None
    wkt_col: str | None = None
    encoding: str | None = None
    sublayer: str | None = None
    make_valid: bool = False
    drop_extra: bool = False
    defaults: dict = field(default_factory=dict)
    auto_ids: bool = False
    mode: str = "replace"


@dataclass
class LayerTarget:
    """Where the import goes: an existing layer (with its rules) or a new one.

    existing : the stored layer (None for a new one); references : other stored layers,
    used to recognise a datum offset; boundary : the town boundary (EPSG:4326).
    """

    name: str
    schema: dict | None
    geometry_types: list[str] | None
    inside_boundary: bool = False
    existing: gpd.GeoDataFrame | None = None
    references: dict = field(default_factory=dict)
    boundary: object | None = None
    new: bool = False


@dataclass
class Offer:
    """A fix the planner can accept: ``options`` are the ImportOptions to set.

    ``note`` is the offer's :class:`~songnan_geo.text.import_messages.Message` (code and values);
    :meth:`text` renders it in 'zh' or 'en', ``message`` is the English text."""

    kind: str          # convert_datum | make_valid | drop_extra | defaults | encoding
    note: Message
    options: dict

    @property
    def message(self) -> str:
        return self.note.text("en")

    def text(self, lang: str = "en") -> str:
        return self.note.text(lang)


@dataclass
class ImportResult:
    """What :func:`import_layer` found. ``layer`` is what would be stored (``ok`` only).

    ``problems`` (:class:`~songnan_geo.layers.io.Problem`), ``warnings``
    (:class:`~songnan_geo.text.import_messages.Message`) and ``offers`` carry message codes and
    values; each renders its text in Chinese or English (``.text(lang)``)."""

    filename: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    info: dict = field(default_factory=dict)
    imported: gpd.GeoDataFrame | None = None
    layer: gpd.GeoDataFrame | None = None
    schema: dict | None = None
    geometry_types: list[str] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.layer is not None

    def report(self, lang: str = "en") -> str:
        """All problems, warnings and offers as plain text in ``lang`` ('en' or 'zh'; the CLI)."""
        lines = []
        if self.problems:
            lines.append(render("report_problems", lang, {"n": len(self.problems)}))
            lines += [f"  - {p.line(lang)}" for p in self.problems]
        lines += ["  " + render("report_note", lang, {"text": w}) for w in self.warnings]
        lines += ["  " + render("report_offer", lang, {"text": o.note}) for o in self.offers]
        return "\n".join(lines)


class _Stop(Exception):
    """Internal: reading cannot continue; the problems are already recorded."""


# --------------------------------------------------------------------------- entry point

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
        except _Stop:
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
        text = _gdal_message(Exception(str(w.message)))
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
        raise _Stop

    if len(data) >= MAX_FILE_BYTES:
        res.problems.append(_too_big(fname, len(data)))
        raise _Stop
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
        raise _Stop
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
            gdf, file_crs = _read_geojson(data, fname, res, stop, target, flagged)
        elif fmt in ("csv", "xlsx"):
            gdf, file_crs = _read_table(data, fname, fmt, opts, res, stop, tmpdir)
        else:
            gdf, file_crs = _read_gdal(data, fname, fmt, opts, res, stop, tmpdir)
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


# --------------------------------------------------------------------------- readers

def _decode(data: bytes, fname: str, encoding: str | None, res: ImportResult, stop) -> str:
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            stop("encoding_failed", encoding=encoding, error=str(exc))
        res.info["encoding"] = encoding
        return text.lstrip("\ufeff")
    try:
        text = data.decode("utf-8-sig")
        res.info["encoding"] = "utf-8"
        return text
    except UnicodeDecodeError as exc:
        first = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        stop("not_utf8_nor_gbk", reason=first.reason, byte=first.start)
    res.info["encoding"] = "gb18030"
    res.warnings.append(msg("read_as_gbk", file=fname))
    res.offers.append(Offer("encoding", msg("offer_encoding"), {"encoding": "gb18030"}))
    return text


def _crs_from_member(doc: dict) -> CRS | None:
    crs = doc.get("crs")
    if not isinstance(crs, dict):
        return None
    name = (crs.get("properties") or {}).get("name")
    if not name:
        return None
    try:
        return CRS.from_user_input(name)
    except Exception:
        return None


def _read_geojson(data, fname, res, stop, target, flagged):
    text = _decode(data, fname, None, res, stop)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        res.problems.append(json_problem(fname, exc))
        raise _Stop from None
    except RecursionError:
        stop("json_too_deep", limit=sys.getrecursionlimit())
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if isinstance(doc, dict) and doc.get("type") in ("Point", "MultiPoint", "LineString",
                                                     "MultiLineString", "Polygon",
                                                     "MultiPolygon", "GeometryCollection"):
        stop("bare_geometry", type=doc["type"])
    file_crs = None
    if isinstance(doc, dict) and "crs" in doc:
        file_crs = _crs_from_member(doc)
        if file_crs is None:
            stop("crs_member_unknown", fld="crs", crs=json.dumps(doc["crs"])[:120])
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or \
            not isinstance(doc.get("features"), list):
        res.problems += validate_feature_collection(doc, fname, {}, [])
        raise _Stop
    if not doc["features"]:
        stop("no_features")
    names: set = set()
    for feat in doc["features"]:
        props = feat.get("properties") if isinstance(feat, dict) else None
        if isinstance(props, dict):
            names.update(props)
            if len(names) > MAX_COLUMNS:
                stop("too_many_columns", count=f">{MAX_COLUMNS}", limit=MAX_COLUMNS)
    # Non-finite numbers (NaN, Infinity, 1e309): said here, where NaN is still told apart
    # from null; the value is then read as empty so that nothing else is said about it.
    for i, feat in enumerate(doc["features"]):
        props = feat.get("properties") if isinstance(feat, dict) else None
        if not isinstance(props, dict):
            continue
        for key in list(props):
            bad = non_finite_values({key: props[key]})
            for where, token in bad:
                res.problems.append(Problem(fname, FeatureRef(index=i, id=props.get("id")),
                                            where, "value_not_finite", {"value": token}))
            if bad:
                props[key] = None
                flagged.add((i, str(key)))
    try:
        gdf = gpd.GeoDataFrame.from_features(doc["features"])
    except Exception:
        # A malformed feature or geometry: the layer rules name each one.
        schema = target.schema or {"type": "object"}
        doc = {k: v for k, v in doc.items() if k != "crs"}
        res.problems += _unflagged(validate_feature_collection(
            doc, fname, schema, target.geometry_types or list(_SINGLE) + list(_SINGLE.values())),
            flagged)
        if not res.problems:
            stop("features_unreadable")
        raise _Stop
    return gdf, (file_crs or STORAGE_CRS)


def _unflagged(problems: list[Problem], flagged: set[tuple[int, str]]) -> list[Problem]:
    """``problems`` without those about a value already reported as non-finite."""
    if not flagged:
        return problems
    return [p for p in problems if p.feature is None or p.field is None
            or (p.feature.index, p.field.split(".", 1)[0]) not in flagged]


def _check_zip(data: bytes, fname: str, stop) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        stop("zip_unreadable", error=str(exc))
    if len(infos) > MAX_ZIP_MEMBERS:
        stop("zip_too_many", count=len(infos), limit=MAX_ZIP_MEMBERS)
    total = 0
    for info in infos:
        name = info.filename
        parts = re.split(r"[\\/]", name)
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            stop("zip_slip", member=name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            stop("zip_symlink", member=name)
        if info.flag_bits & 0x1:
            stop("zip_encrypted", member=name)
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_COMPRESSION_RATIO * max(
                info.compress_size, 1):
            stop("zip_bomb_ratio", member=name, packed=info.compress_size,
                 unpacked=info.file_size, ratio=info.file_size // max(info.compress_size, 1),
                 limit=MAX_COMPRESSION_RATIO)
    if total > MAX_UNZIPPED_BYTES:
        stop("zip_too_large", size_mb=total / 1024 / 1024,
             limit_mb=MAX_UNZIPPED_BYTES // 1024 // 1024)
    return zf


def _extract(zf: zipfile.ZipFile, names: list[str], dest: Path, stop) -> None:
    """Extract ``names`` flat into ``dest``, counting real bytes (headers may lie)."""
    budget = MAX_UNZIPPED_BYTES
    for name in names:
        out = dest / Path(name).name
        with zf.open(name) as src, open(out, "wb") as dst:
            while True:
                try:
                    chunk = src.read(1 << 20)
                except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
                    stop("zip_member_corrupt", member=name)  # CRC, broken or unknown data
                if not chunk:
                    break
                budget -= len(chunk)
                if budget < 0:
                    stop("zip_member_grows", member=name,
                         limit_mb=MAX_UNZIPPED_BYTES // 1024 // 1024)
                dst.write(chunk)


def _check_crc(zf: zipfile.ZipFile, stop, code: str) -> None:
    """Read every member once (its size already checked by :func:`_check_zip`), refusing the
    first whose data fails its CRC or cannot be unpacked with message ``code``."""
    for info in zf.infolist():
        if info.is_dir():
            continue
        try:
            with zf.open(info) as src:
                while src.read(1 << 20):
                    pass
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
            stop(code, member=info.filename)


def _read_field_map(path: Path, stop) -> dict[str, str]:
    """The exporter's ``fields.csv`` (short → full field names), checked: UTF-8, the two
    columns, no field renamed to the geometry, no two fields given one name."""
    member = SHP_FIELD_MAP
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        stop("field_map_not_utf8", member=member, byte=exc.start)
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error:
        stop("field_map_bad", member=member)
    if rows and not {"short", "full"} <= set(rows[0]):
        stop("field_map_bad", member=member)
    field_map = {}
    for r in rows:
        short, full = (r.get("short") or "").strip(), (r.get("full") or "").strip()
        if not short or not full:
            continue
        if full.lower() == "geometry":
            stop("field_map_reserved", member=member, short=short, full=full)
        field_map[short] = full
    counts = Counter(field_map.values())
    for full, n in counts.items():
        if n > 1:
            stop("field_map_duplicate", member=member, full=full,
                 shorts=[k for k, v in field_map.items() if v == full])
    return field_map


def _read_gdal(data, fname, fmt, opts, res, stop, tmpdir: Path):
    field_map: dict[str, str] = {}
    if fmt == "shapefile":
        zf = _check_zip(data, fname, stop)
        names = [i.filename for i in zf.infolist() if not i.is_dir()
                 and not Path(i.filename).name.startswith(("._", "."))]
        nested = [n for n in names if n.lower().endswith((".zip", ".kmz", ".7z", ".rar"))]
        if nested:
            stop("zip_nested", member=nested[0])
        stems: dict[str, dict[str, str]] = {}
        for n in names:
            p = Path(n)
            stems.setdefault(str(p.with_suffix("")), {})[p.suffix.lower()] = n
        shps = {Path(s).name: parts for s, parts in stems.items() if ".shp" in parts}
        if not shps:
            others = [n for n in names if n.lower().endswith((".geojson", ".json", ".gpkg",
                                                              ".kml", ".csv"))]
            if fname.lower().endswith(".kmz") and any(n.lower().endswith(".kml") for n in names):
                kml = next(n for n in names if n.lower().endswith(".kml"))
                _extract(zf, [kml], tmpdir, stop)
                return _read_gdal_file(tmpdir / Path(kml).name, fname, "kml", opts, res, stop, {})
            if others:
                stop("zip_no_shp_other", files=others[:3])
            stop("zip_no_shp")
        for stem, parts in shps.items():
            missing = [s for s in (".shx", ".dbf") if s not in parts]
            if missing:
                stop("shp_missing_parts", stem=stem, missing=missing)
        if len({Path(s).name.lower() for s in shps}) != len(shps):
            stop("shp_same_name")
        wanted = list(shps)
        res.info["sublayers"] = wanted
        if opts.sublayer:
            if opts.sublayer not in shps:
                stop("no_such_shapefile", name=opts.sublayer, names=list(shps))
            wanted = [opts.sublayer]
        members = [m for s in wanted for m in shps[s].values()]
        fmap = [n for n in names if Path(n).name == SHP_FIELD_MAP]
        _extract(zf, members + fmap, tmpdir, stop)
        if fmap:
            field_map = _read_field_map(tmpdir / SHP_FIELD_MAP, stop)
        frames, crs = [], None
        for stem in wanted:
            gdf, c = _read_gdal_file(tmpdir / f"{stem}.shp", fname, "shapefile", opts, res, stop,
                                     field_map, sub=stem)
            if frames and not (c == crs if c is None or crs is None else c.equals(crs)):
                stop("shp_mixed_crs", crs1=str(crs), crs2=str(c))
            frames.append(gdf)
            crs = c
        if len(frames) == 1:
            return frames[0], crs
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True)), crs
    suffix = {"gpkg": ".gpkg", "kml": ".kml"}[fmt]
    path = tmpdir / f"upload{suffix}"
    path.write_bytes(data)
    return _read_gdal_file(path, fname, fmt, opts, res, stop, {})


def _read_gdal_file(path: Path, fname, fmt, opts, res, stop, field_map, sub=None):
    containers = None
    if fmt == "kml":
        data = path.read_bytes()
        if re.search(rb"<\s*(kml:)?NetworkLink\b", data):
            stop("kml_network_link")
        if re.search(rb"<!ENTITY", data):
            stop("kml_entities")
        containers = _kml_placemarks(data, stop)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's notes; errors raise
            layers = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:
        stop("gdal_unreadable", format=FORMATS[fmt][0], error=_gdal_message(exc))
    if fmt != "shapefile":
        res.info["sublayers"] = layers
    if not layers:
        stop("no_layer")
    wanted = layers
    if fmt != "shapefile" and opts.sublayer:
        if opts.sublayer not in layers:
            stop("no_such_sublayer", name=opts.sublayer, names=layers)
        wanted = [opts.sublayer]
    elif fmt == "gpkg" and len(layers) > 1:
        wanted = layers[:1]
        res.warnings.append(msg("gpkg_many_tables", file=fname, count=len(layers),
                                names=layers, first=layers[0]))
    frames, crs = [], None
    for layer in wanted:
        try:
            n_fields = len(pyogrio.read_info(path, layer=layer if fmt != "shapefile" else None)
                           ["fields"])
        except Exception as exc:
            stop("sublayer_unreadable", name=sub or layer, error=_gdal_message(exc))
        if n_fields > MAX_COLUMNS:
            stop("too_many_columns", count=n_fields, limit=MAX_COLUMNS)
        try:  # GDAL's warnings about the file become notes (import_layer)
            gdf = pyogrio.read_dataframe(path, layer=layer if fmt != "shapefile" else None)
        except Exception as exc:
            stop("sublayer_unreadable", name=sub or layer, error=_gdal_message(exc))
        if not isinstance(gdf, gpd.GeoDataFrame):
            stop("sublayer_no_geometry", name=sub or layer)
        if fmt == "kml":
            gdf = _tidy_kml(gdf, _placemarks_of(containers, layer, gdf))
        if field_map:
            gdf = gdf.rename(columns={c: field_map[c] for c in gdf.columns if c in field_map})
            twice = sorted({c for c, n in Counter(gdf.columns).items() if n > 1})
            if twice:
                stop("field_map_duplicate", member=SHP_FIELD_MAP, full=twice[0],
                     shorts=[k for k, v in field_map.items() if v == twice[0]] + [twice[0]])
        if len(gdf):
            frames.append(gdf)
            crs = CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
    if not frames:
        stop("no_features")
    if len(frames) == 1:
        return frames[0], crs
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs), crs


def _gdal_message(exc: Exception) -> str:
    text = str(exc)
    return re.sub(r"/tmp/songnan-import-[^/\s]+/", "", text).strip()[:300]


class _KmlEntity(Exception):
    """Internal: the KML declares an XML entity."""


#: KML elements that give a placemark its geometry (gx:Track, gx:MultiTrack included).
_KML_GEOMETRIES = {"Point", "LineString", "LinearRing", "Polygon", "MultiGeometry", "Track",
                   "MultiTrack", "Model"}


def _kml_placemarks(data: bytes, stop) -> list[dict] | None:
    """Each Document/Folder of a KML with its placemarks, in document order: the
    container's ``name`` and ``placemarks`` (each: ``name``, ``data`` — the ExtendedData
    ``<Data name=…><value>`` and ``<SimpleData name=…>`` values as text — and whether it has
    a ``geometry``). GDAL's LIBKML driver reads an ExtendedData ``id`` into its own placemark
    id field (or ``id2``) and GDAL's KML driver drops ExtendedData altogether, so it is read
    here. The parser refuses any entity declaration (no expansion, no external files) and
    reads no DTD. None when the XML cannot be parsed (GDAL then says why)."""
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*_args):
        raise _KmlEntity

    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    containers: list[dict] = []
    open_containers: list[dict] = []
    tags: list[str] = []
    text: list[str] = []
    state: dict = {"pm": None, "data_name": None}

    def start(tag, attrs):
        name = tag.rsplit("}", 1)[-1]
        tags.append(name)
        text.clear()
        pm = state["pm"]
        if name in ("Document", "Folder"):
            open_containers.append({"name": None, "placemarks": []})
            containers.append(open_containers[-1])
        elif name == "Placemark":
            state["pm"] = {"name": None, "data": {}, "geometry": False}
            if not open_containers:
                containers.append({"name": None, "placemarks": []})
                open_containers.append(containers[-1])
            open_containers[-1]["placemarks"].append(state["pm"])
        elif pm is not None and name in ("Data", "SimpleData"):
            state["data_name"] = attrs.get("name")
        elif pm is not None and name in _KML_GEOMETRIES:
            pm["geometry"] = True

    def end(tag):
        name = tags.pop()
        parent = tags[-1] if tags else None
        value = "".join(text)
        text.clear()
        pm, key = state["pm"], state["data_name"]
        if name == "name" and parent == "Placemark" and pm is not None:
            pm["name"] = value.strip()
        elif name == "name" and parent in ("Document", "Folder") and open_containers:
            if open_containers[-1]["name"] is None:
                open_containers[-1]["name"] = value.strip()
        elif pm is not None and key and ((name == "value" and parent == "Data")
                                         or name == "SimpleData"):
            pm["data"][key] = value
        elif name == "Placemark":
            state["pm"] = None
        elif name in ("Document", "Folder") and open_containers:
            open_containers.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    try:
        parser.Parse(data, True)
    except _KmlEntity:
        stop("kml_entities")
    except expat.ExpatError:
        return None
    return containers


def _placemarks_of(containers: list[dict] | None, layer: str, gdf) -> list[dict] | None:
    """The placemarks of GDAL layer ``layer`` row by row, or None when they cannot be told
    for sure (the container's name must be unique and the placemark names match GDAL's)."""
    if containers is None:
        return None
    same = [c for c in containers if c["name"] == layer and c["placemarks"]]
    if len(same) != 1:
        return None
    pms = same[0]["placemarks"]
    if len(pms) != len(gdf):
        pms = [pm for pm in pms if pm["geometry"]]  # GDAL's KML driver skips the others
    if len(pms) != len(gdf):
        return None
    names = gdf["Name"] if "Name" in gdf.columns else [None] * len(gdf)
    for pm, name in zip(pms, names):
        if (pm["name"] or "") != ("" if _empty(name) else str(name).strip()):
            return None
    return pms


def _tidy_kml(gdf: gpd.GeoDataFrame, placemarks: list[dict] | None = None) -> gpd.GeoDataFrame:
    """GDAL's KML columns back to the file's own fields: 'Name' → name, the ExtendedData
    fields (read by :func:`_kml_placemarks` where GDAL's reading is not enough; the id from
    ExtendedData, else the placemark id GDAL gives unless it is GDAL's own 'layer.1'), KML's
    own display fields dropped."""
    out = gdf.copy()
    ext_id = placemarks is not None and any("id" in pm["data"] for pm in placemarks)
    if placemarks is not None:
        keys = list(dict.fromkeys(k for pm in placemarks for k in pm["data"]))
        for key in keys:
            if key not in out.columns or key == "id":
                out[key] = [pm["data"].get(key) for pm in placemarks]
        if ext_id:
            out = out.drop(columns=[c for c in ("id2",) if c in out.columns])
    if not ext_id and "id2" in out.columns:
        id2 = out["id2"]
        given = id2.notna() & (id2.astype(str).str.strip() != "")
        out["id"] = id2.where(given, out["id"]) if "id" in out.columns else id2
        out = out.drop(columns=["id2"])
    if not ext_id and "id" in out.columns and \
            out["id"].astype(str).str.match(r"^.+\.\d+$").all():
        out = out.drop(columns=["id"])  # GDAL's own placemark ids ("layer.1")
    for col, new in _KML_FIELDS.items():
        if col not in out.columns:
            continue
        if new and new not in out.columns:
            out = out.rename(columns={col: new})
        else:
            out = out.drop(columns=[col])
    return out


def _read_table(data, fname, fmt, opts, res, stop, tmpdir: Path):
    """CSV or XLSX → GeoDataFrame from the lon/lat (or WKT) columns; every cell is text."""
    if fmt == "csv":
        text = _decode(data, fname, opts.encoding, res, stop)
        try:
            sample = text[:20000]
            try:
                sep = csv.Sniffer().sniff(sample.split("\n", 1)[0] + "\n", delimiters=",;\t|").delimiter
            except csv.Error:
                sep = ","
            header = next(csv.reader(io.StringIO(text), delimiter=sep), [])  # one record
            if len(header) > MAX_COLUMNS:  # before pandas: a million columns answer at once
                stop("too_many_columns", count=len(header), limit=MAX_COLUMNS)
            dupes = sorted({h.strip() for h, n in Counter(header).items() if n > 1})
            if dupes:
                stop("duplicate_columns", columns=dupes)
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            stop("csv_unreadable", error=str(exc).strip())
        res.info["sublayers"] = []
    else:
        zf = _check_zip(data, fname, stop)  # an XLSX is a zip: refuse bombs before GDAL opens it
        _check_crc(zf, stop, "xlsx_damaged")  # damage, which GDAL takes for "no worksheet"
        path = tmpdir / "upload.xlsx"
        path.write_bytes(data)
        width = _xlsx_width(path, opts.sublayer)
        if width > MAX_COLUMNS:
            stop("too_many_columns", count=width, limit=MAX_COLUMNS)
        try:
            sheets = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
        except Exception as exc:
            stop("xlsx_unreadable", error=_gdal_message(exc))
        res.info["sublayers"] = sheets
        if not sheets:
            stop("xlsx_no_sheet")
        sheet = opts.sublayer or sheets[0]
        if sheet not in sheets:
            stop("no_such_sheet", name=sheet, names=sheets)
        try:
            df = pyogrio.read_dataframe(path, layer=sheet, read_geometry=False,
                                        HEADERS="FORCE", FIELD_TYPES="STRING")
        except Exception as exc:
            stop("sheet_unreadable", name=sheet, error=_gdal_message(exc))
        df = pd.DataFrame(df).fillna("")
    df.columns = [str(c).strip() for c in df.columns]
    res.info["columns"] = list(df.columns)
    if df.empty:
        stop("table_no_rows")
    dupes = sorted({c for c, n in Counter(df.columns).items() if n > 1})
    if dupes:
        stop("duplicate_columns", columns=dupes)
    df = df.map(lambda v: None if isinstance(v, str) and not v.strip() else v)

    cols = list(df.columns)
    wkt_col = opts.wkt_col
    lon_col, lat_col = opts.lon_col, opts.lat_col
    if not (lon_col or lat_col or wkt_col):
        lon_col, lat_col = _guess(cols, _LON_NAMES), _guess(cols, _LAT_NAMES)
        if not (lon_col and lat_col):
            wkt_col = _guess(cols, _WKT_NAMES)
            if wkt_col:
                lon_col = lat_col = None
    res.info.update(lon_col=lon_col, lat_col=lat_col, wkt_col=wkt_col)
    for arg, col in (("lon_col", lon_col), ("lat_col", lat_col), ("wkt_col", wkt_col)):
        if col and col not in cols:
            stop("no_such_column", column=col, arg=arg, columns=cols)
    if wkt_col:
        geoms, bad = [], []
        for i, v in enumerate(df[wkt_col]):
            try:
                geoms.append(shapely.from_wkt(v) if v else None)
            except Exception:
                geoms.append(None)
                bad.append(i)
            if v is None:
                bad.append(i)
        for i in bad:
            res.problems.append(Problem(fname, FeatureRef(row=i + 2), wkt_col, "wkt_invalid",
                                        {"value": df[wkt_col].iloc[i]}))
        drop = [wkt_col]
    elif lon_col or lat_col:
        if not (lon_col and lat_col):
            stop("only_longitude" if lon_col else "only_latitude", column=lon_col or lat_col,
                 columns=cols)
        if lon_col == lat_col:
            stop("same_lonlat_column", column=lon_col)
        x = pd.to_numeric(df[lon_col], errors="coerce")
        y = pd.to_numeric(df[lat_col], errors="coerce")
        for i in np.flatnonzero(x.isna() | y.isna()):
            which = lon_col if pd.isna(x.iloc[i]) else lat_col
            res.problems.append(Problem(fname, FeatureRef(row=i + 2), which, "not_a_number",
                                        {"value": df[which].iloc[i]}))
        for i in np.flatnonzero(np.isinf(x.to_numpy(dtype=float, na_value=0.0))
                                | np.isinf(y.to_numpy(dtype=float, na_value=0.0))):
            which = lon_col if np.isinf(x.iloc[i]) else lat_col
            res.problems.append(Problem(fname, FeatureRef(row=i + 2), which, "value_not_finite",
                                        {"value": str(df[which].iloc[i]).strip()}))
        geoms = gpd.points_from_xy(x.fillna(0), y.fillna(0))
        drop = [lon_col, lat_col]
    else:
        stop("no_coordinate_columns", columns=cols)
    if res.problems:
        raise _Stop
    props = df.drop(columns=drop)
    return gpd.GeoDataFrame(props, geometry=list(geoms)), None


def _xlsx_width(path: Path, sheet: str | None) -> int:
    """Columns of the sheet to read (the first unless ``sheet``): the larger of its declared
    dimension and its header row, read by openpyxl in read-only mode (the header row only).
    0 when openpyxl cannot tell (GDAL then reads the file and says what is wrong)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            if not wb.sheetnames or (sheet and sheet not in wb.sheetnames):
                return 0
            ws = wb[sheet or wb.sheetnames[0]]
            declared = ws.max_column or 0
            head = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
            return max(declared, len(head))
        finally:
            wb.close()
    except Exception:  # a damaged workbook: GDAL's reading reports it
        return 0


def _guess(cols: list[str], names: tuple[str, ...]) -> str | None:
    low = {c.lower().strip(): c for c in cols}
    for n in names:
        if n in low:
            return low[n]
    return None


# --------------------------------------------------------------------------- after reading

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
            stop("crs_relabel", fld="crs", declared=_crs_label(file_crs), chosen=opts.crs)
        declared = chosen
    if declared is None:
        stop("no_crs", fld="crs")
    res.info["crs"] = opts.crs or _crs_label(declared)
    base_datum = datum or "wgs84"
    gdf = gdf.set_crs(declared, allow_override=True)
    as_read = gdf.geometry.values.copy()  # in the file's CRS, before any conversion
    if not declared.is_geographic or not declared.equals(STORAGE_CRS):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                gdf = gdf.to_crs(STORAGE_CRS)
        except Exception as exc:
            stop("reproject_failed", fld="crs", crs=_crs_label(declared), error=str(exc))
    raw = gdf.geometry.values.copy()  # lon/lat as in the file (in base_datum)
    if base_datum != "wgs84":
        gdf["geometry"] = _move(raw, base_datum, "wgs84")

    # 2. Geometries: 2D; single parts where the layer takes no multi-parts; repairs.
    gdf["geometry"] = shapely.force_2d(gdf.geometry.values)
    if target.geometry_types:
        gdf["geometry"] = [_single(g, target.geometry_types) for g in gdf.geometry]
    invalid = ~gdf.geometry.is_valid & gdf.geometry.notna()
    invalid.iloc[_non_finite_rows(gdf.geometry.values)] = False  # said in step 4
    if invalid.any():
        if opts.make_valid:
            gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry[invalid].values)
            gdf["geometry"] = [_single(_only_kind(g), target.geometry_types) for g in gdf.geometry]
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
            gdf[key] = [value if _empty(v) else v for v in gdf[key]]
    if opts.auto_ids:
        gdf = _fill_ids(gdf, target)

    schema = target.schema
    if target.new:
        schema = infer_schema(gdf, target.name)
        types = sorted({t for g in gdf.geometry.dropna() for t in
                        _KIND_TYPES.get(_KINDS.get(g.geom_type, ""), [g.geom_type])})
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
    doc = feature_collection(clean, list(props))
    res.problems += _unflagged(validate_feature_collection(doc, fname, schema,
                                                           target.geometry_types), flagged)
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
        numeric = bool(_types(props.get(col, {})) & {"number", "integer"})
        values = gdf[col]
        if values.dtype.kind == "f":
            rows = np.flatnonzero(np.isinf(values.to_numpy()))
        elif values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            try:  # vectorised: only cells that may be non-finite are looked at one by one
                num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float,
                                                                       na_value=np.nan)
                maybe = np.isinf(num)
                if numeric:  # 'nan' text reads as NaN, like text that is no number
                    maybe |= np.isnan(num) & values.notna().to_numpy()
                candidates = np.flatnonzero(maybe)
            except (TypeError, ValueError):  # lists, dicts…: every cell
                candidates = range(len(values))
            rows = [i for i in candidates  # a NaN float in a frame: an empty cell
                    if not (isinstance(v := values.iloc[i], float) and math.isnan(v))
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
    empty = np.array(values.map(_empty), dtype=bool)  # a copy (pandas views are read-only)
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
    return None if _empty(v) else v


def rename_labelled_columns(gdf: gpd.GeoDataFrame, fields: list[str]) -> gpd.GeoDataFrame:
    """Columns named by a field's label (as the app shows it: '名称', 'Source', '位置精度（米）')
    or its name in another case are renamed to the field, when that field is not present."""
    labels = {}
    for fld, pair in FIELD_LABELS.items():
        for label in pair:
            labels.setdefault(label.strip().lower(), fld)
    labels.update({"备注": "note", "名字": "name", "编码": "id", "英文名称": "name_en"})
    renames = {}
    for col in gdf.columns:
        if col == gdf.geometry.name or col in fields:
            continue
        key = str(col).strip().lower()
        fld = key if key in fields else labels.get(key)
        if fld in fields and fld not in gdf.columns and fld not in renames.values():
            renames[col] = fld
    return gdf.rename(columns=renames)


def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def _move(geoms, src: str, dst: str):
    def f(xy):
        out = xy.copy()
        out[:, 0], out[:, 1] = convert_lonlat(xy[:, 0], xy[:, 1], src, dst)
        return out
    return shapely.transform(geoms, f)


def _single(g, allowed):
    if g is None or not allowed:
        return g
    one = _SINGLE.get(g.geom_type)
    if one and g.geom_type not in allowed and one in allowed and len(g.geoms) == 1:
        return g.geoms[0]
    return g


def _only_kind(g):
    """After make_valid: drop lower-dimension debris (points/lines) from a collection."""
    if g is None or g.geom_type != "GeometryCollection":
        return g
    parts = [p for p in g.geoms if not p.is_empty]
    top = max((p.geom_type for p in parts), key=lambda t: ("Point", "LineString",
                                                           "Polygon").index(_SINGLE.get(t, t)),
              default=None)
    keep = [p for p in parts if _SINGLE.get(p.geom_type, p.geom_type) == _SINGLE.get(top, top)]
    return shapely.union_all(keep) if keep else g


def _empty(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str)
                                                                      and not v.strip())


def _fill_ids(gdf, target):
    used = set(gdf["id"].dropna().astype(str)) if "id" in gdf.columns else set()
    if target.existing is not None and "id" in target.existing.columns:
        used |= set(target.existing["id"].astype(str))
    ids, n = [], 1
    current = gdf["id"] if "id" in gdf.columns else [None] * len(gdf)
    for v in current:
        if _empty(v):
            while f"{target.name}_{n:03d}" in used:
                n += 1
            v = f"{target.name}_{n:03d}"
            used.add(v)
        ids.append(v)
    gdf = gdf.copy()
    gdf["id"] = ids
    return gdf


_JSON_TYPE = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def _types(spec: dict) -> set[str]:
    """JSON types a schema property takes (an enum's from its values)."""
    t = spec.get("type")
    if t is None and "enum" in spec:
        return {_JSON_TYPE.get(type(v), "string") for v in spec["enum"]}
    return {t} if isinstance(t, str) else set(t or [])


def _coerce(v, types: set[str]):
    if _empty(v):
        return None
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, float) and math.isinf(v):
        return v  # not a value of any type: validation names it
    if isinstance(v, (pd.Timestamp,)) or hasattr(v, "isoformat"):
        return v.isoformat() if "string" in types else v
    if "boolean" in types:
        if isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    if "integer" in types and not isinstance(v, bool):
        try:
            f = float(str(v).strip())
            if f.is_integer():
                return int(f)
        except ValueError:
            pass
    if "number" in types and not isinstance(v, bool):
        if isinstance(v, int) or re.fullmatch(r"[+-]?\d+", str(v).strip()):
            return int(str(v).strip())  # "30" stays 30, not 30.0
        try:
            f = float(str(v).strip())
            if math.isfinite(f):
                return f
        except ValueError:
            pass
    if "string" in types:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return str(v)
        if isinstance(v, str):
            return v.strip()
    return v


def coerce_to_schema(gdf: gpd.GeoDataFrame, schema: dict) -> gpd.GeoDataFrame:
    """Convert cell values to the schema's types where that loses nothing.

    Text '12' → 12 for numbers, 'true'/'是'/1 → True for booleans, 3.0 → 3 for integers,
    numbers → text for text fields; empty cells → null. Values that cannot be converted stay
    as they are, for validation to report.
    """
    out = gdf.copy()
    for col, spec in (schema.get("properties") or {}).items():
        if col in out.columns:
            types = _types(spec)
            out[col] = pd.Series([_coerce(v, types) for v in out[col]], index=out.index,
                                 dtype=object)
    return out


def infer_schema(gdf: gpd.GeoDataFrame, name: str) -> dict:
    """JSON Schema for a new layer: the core fields required, the others typed from the data."""
    core = {
        "id": {"type": "string", "pattern": "^[A-Za-z0-9_\\-\\.]+$", "description": "Stable id"},
        "name": {"type": "string", "minLength": 1, "description": "Chinese name"},
        "name_en": {"type": ["string", "null"]},
        "source": {"type": "string", "minLength": 3,
                   "description": "Where the geometry and values come from"},
        "accuracy_m": {"type": "number", "minimum": 0,
                       "description": "Estimated positional accuracy, metres"},
        "estimated": {"type": "boolean",
                      "description": "True where a shape or value is drawn or guessed"},
        "note": {"type": ["string", "null"]},
    }
    props = dict(core)
    for col in gdf.columns:
        if col == gdf.geometry.name or col in props:
            continue
        values = [v for v in gdf[col] if not _empty(v)]
        kind = "string"
        if values and all(str(v).strip().lower() in _TRUE | _FALSE and not str(v).strip()
                          .lstrip("-").isdigit() or isinstance(v, bool) for v in values):
            kind = "boolean"
        elif values and all(_is_number(v) for v in values):
            kind = "integer" if all(float(str(v)).is_integer() for v in values) else "number"
        props[str(col)] = {"type": [kind, "null"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Songnan layer '{name}': feature properties (imported)",
        "type": "object",
        "properties": props,
        "required": list(CORE_FIELDS),
        "additionalProperties": False,
    }


def _is_number(v) -> bool:
    if isinstance(v, bool):
        return False
    try:
        return math.isfinite(float(str(v).strip()))
    except ValueError:
        return False


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
    geoms = to_town_crs(gdf[["geometry"]]).geometry
    for i, g in enumerate(geoms):
        if g is None or g.is_empty or not g.is_valid:
            continue
        d = g.distance(town) if not g.intersects(town) else 0.0
        if d == 0:
            continue
        fid = gdf["id"].iloc[i] if "id" in gdf.columns else None
        label = FeatureRef(index=i, id=fid)
        if d > OUTSIDE_TOWN_M:
            res.problems.append(Problem(fname, label, "geometry", "outside_town",
                                        {"dist_m": d, "layer": target.name}))
        else:
            res.warnings.append(msg("near_town", feature=label, dist_m=d))


# --------------------------------------------------------------------------- datum offset

def _points_m(geoms, lat0: float) -> np.ndarray:
    """Representative points of ``geoms`` as local east/north metres (equirectangular)."""
    pts = shapely.get_coordinates(shapely.centroid(np.asarray(geoms, dtype=object)))
    r = 6371008.8
    return np.column_stack([np.radians(pts[:, 0]) * r * math.cos(math.radians(lat0)),
                            np.radians(pts[:, 1]) * r])


def _reference_pairs(gdf, target) -> tuple[list[int], list, str]:
    """Pairs (imported row, reference geometry) by id, else by name; and how they were found."""
    pools = []
    if target.existing is not None and len(target.existing):
        pools.append(target.existing)
    pools += [g for g in target.references.values() if g is not None and len(g)]
    for key in ("id", "name"):
        if key not in gdf.columns:
            continue
        lookup = {}
        for pool in pools:
            if key in pool.columns:
                for v, g in zip(pool[key], pool.geometry):
                    if not _empty(v) and g is not None and not g.is_empty:
                        lookup.setdefault(str(v), g)
        rows, refs = [], []
        for i, v in enumerate(gdf[key]):
            g = gdf.geometry.iloc[i]
            if not _empty(v) and str(v) in lookup and g is not None and not g.is_empty:
                rows.append(i)
                refs.append(lookup[str(v)])
        if rows:
            return rows, refs, key
    return [], [], ""


def detect_datum_offset(raw, base_datum: str, gdf: gpd.GeoDataFrame, target: LayerTarget
                        ) -> Offer | None:
    """Offer another datum if it puts the features onto the features they match.

    ``raw`` are the geometries as read (lon/lat in ``base_datum``), ``gdf`` the features as
    interpreted (WGS84). For each other datum the features are re-read as if in it and
    compared with the stored features of the same id or name, else with the nearest
    stored point (stations, facilities…, within 2 km). An offer is made when, as read, the
    median distance is at least :data:`OFFSET_MIN_M` and re-read it is within
    :data:`OFFSET_FIXED_M` (or a third of it).
    """
    geoms = gdf.geometry.values
    ok = np.array([g is not None and not g.is_empty and g.is_valid for g in geoms])
    if not ok.any():
        return None
    lat0 = float(np.nanmean(shapely.get_coordinates(geoms[ok])[:, 1]))
    rows, refs, how = _reference_pairs(gdf, target)
    ref_pts = None
    if not rows:
        pool = [g for layer in target.references.values() if layer is not None
                for g in layer.geometry if g is not None and g.geom_type == "Point"]
        if target.existing is not None:
            pool += [g for g in target.existing.geometry if g is not None and g.geom_type == "Point"]
        if len(pool) < 3:
            return None
        ref_pts = _points_m(pool, lat0)
        rows = list(np.flatnonzero(ok))
        how = "nearest"

    def score(candidate) -> tuple[float, float, float]:
        pts = _points_m(candidate[rows], lat0)
        if ref_pts is None:
            ref = _points_m(refs, lat0)
        else:
            d2 = ((pts[:, None, :] - ref_pts[None, :, :]) ** 2).sum(axis=2)
            ref = ref_pts[d2.argmin(axis=1)]
        delta = pts - ref
        dist = np.hypot(delta[:, 0], delta[:, 1])
        if ref_pts is not None:
            near = dist < 2000
            if near.sum() < 3:
                return math.inf, 0.0, 0.0
            delta, dist = delta[near], dist[near]
        return float(np.median(dist)), float(np.median(delta[:, 0])), float(np.median(delta[:, 1]))

    as_read = score(geoms)
    if not math.isfinite(as_read[0]) or as_read[0] < OFFSET_MIN_M:
        return None
    best = None
    for alt in DATUMS:
        if alt == base_datum:
            continue
        cand = score(_move(raw, alt, "wgs84"))
        if cand[0] <= max(OFFSET_FIXED_M, as_read[0] / 3) and (best is None or cand[0] < best[1][0]):
            best = (alt, cand)
    if best is None:
        return None
    alt, cand = best
    de, dn = as_read[1], as_read[2]
    direction = msg("offset_direction", east_m=abs(de), ew=msg("east" if de >= 0 else "west"),
                    north_m=abs(dn), ns=msg("north" if dn >= 0 else "south"))
    return Offer("convert_datum",
                 msg("offer_convert_datum", median_m=as_read[0], direction=direction,
                     matched=msg(f"matched_{how}"), datum=msg(f"datum_{alt}"), fixed_m=cand[0]),
                 {"crs": alt})


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
