"""Format readers of the importer: GeoJSON, Shapefile zip, GeoPackage, KML/KMZ, CSV, XLSX.

Each reader takes the file's bytes and returns a GeoDataFrame and the file's CRS (or None),
recording problems on the :class:`~songnan_geo.layers.import_model.ImportResult` and
stopping with ``stop(code, ...)`` when reading cannot go on. Text encodings are decided
here (UTF-8, a byte-order mark, charset-normalizer's detection, GB18030).
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
import warnings
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from songnan_geo.coords.crs import STORAGE_CRS
from songnan_geo.layers.containers import check_crc, check_zip, container_stop, extract_members
from songnan_geo.layers.exporter import SHP_FIELD_MAP
from songnan_geo.layers.fitting import SINGLE_PARTS
from songnan_geo.layers.import_model import (
    FORMATS,
    MAX_COLUMNS,
    ImportResult,
    ImportStopped,
    Offer,
    gdal_message,
    unflagged,
)
from songnan_geo.layers.io import (
    Problem,
    coordinates_problem,
    json_problem,
    non_finite_values,
    validate_feature_collection,
)
from songnan_geo.layers.kml import kml_placemarks, placemarks_of, tidy_kml
from songnan_geo.text.import_messages import FeatureRef, msg

_LON_NAMES = ("lon", "lng", "longitude", "long", "x", "经度", "东经", "lon_wgs84", "lng_wgs84")


_LAT_NAMES = ("lat", "latitude", "y", "纬度", "北纬", "lat_wgs84")


_WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "shape", "几何")


#: Codecs of the GB family (GBK, GB2312…), all read as their superset GB18030.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936", "euc_cn"}


#: Byte-order marks and the codec each announces (the longest first).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


#: A detected encoding is trusted only when its text is this coherent (charset-normalizer's
#: "chaos", 0 = clean); a rival within CHAOS_MARGIN that gives other text makes it uncertain.
MAX_CHAOS = 0.2


CHAOS_MARGIN = 0.1


def _decode(data: bytes, fname: str, encoding: str | None, res: ImportResult, stop,
            detect: bool = False) -> str:
    """The text of ``data``: in the planner's ``encoding``, else UTF-8 (a byte-order mark
    honoured), else — ``detect`` (CSV) — the encoding charset-normalizer finds, else GB18030.

    The encoding used is in ``res.info['encoding']``, and said (a note) when it is not
    UTF-8. Text whose encoding is uncertain (two readings differ), or that would hold
    replacement characters, is refused: garbled names are never stored.
    """
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            stop("encoding_failed", encoding=encoding, error=str(exc))
        res.info["encoding"] = encoding
        return text.lstrip("\ufeff")
    bom = next((codec for mark, codec in _BOMS if data.startswith(mark)), None)
    if bom in ("utf-16", "utf-32"):
        try:
            text = data.decode(bom)
        except UnicodeDecodeError as exc:
            stop("encoding_failed", encoding=bom, error=str(exc))
        res.info["encoding"] = bom
        res.warnings.append(msg("read_as_encoding", file=fname, encoding=bom.upper()))
        return text.lstrip("\ufeff")
    try:
        text = data.decode("utf-8-sig")
        res.info["encoding"] = "utf-8"
        return text
    except UnicodeDecodeError as exc:
        first = exc
    if detect:
        codec = _detect_encoding(data, first, stop)
        if codec not in _GB_FAMILY:
            text = data.decode(codec)
            res.info["encoding"] = codec
            res.warnings.append(msg("read_as_encoding", file=fname, encoding=codec))
            return text.lstrip("\ufeff")
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        stop("not_utf8_nor_gbk", reason=first.reason, byte=first.start)
    res.info["encoding"] = "gb18030"
    res.warnings.append(msg("read_as_gbk", file=fname))
    res.offers.append(Offer("encoding", msg("offer_encoding"), {"encoding": "gb18030"}))
    return text


def _detect_encoding(data: bytes, first: UnicodeDecodeError, stop) -> str:
    """The codec charset-normalizer finds for ``data`` (not UTF-8), when it is sure;
    GB18030 when that is one of the fitting readings (the usual encoding of Chinese
    Excel/WPS files, said with an offer to choose); otherwise the file is refused naming
    the candidates."""
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        stop("not_utf8_nor_gbk", reason=first.reason, byte=first.start)
    codec = best.encoding
    if any(m.encoding in _GB_FAMILY and m.chaos <= best.chaos + CHAOS_MARGIN for m in matches):
        return "gb18030"  # a planner's file in Shanghai: GBK when it reads as GBK (and said)
    text = str(best)
    rivals = [m.encoding for m in matches
              if m is not best and m.chaos <= best.chaos + CHAOS_MARGIN
              and not (m.encoding in _GB_FAMILY and codec in _GB_FAMILY) and str(m) != text]
    if best.chaos > MAX_CHAOS or rivals or "\ufffd" in text:
        stop("encoding_uncertain", candidates=[codec] + rivals[:4])
    return codec


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


def read_geojson(data, fname, res, stop, target, flagged):
    text = _decode(data, fname, None, res, stop)
    non_finite: list = []  # set while parsing: a NaN, ±Infinity or 1e309 in the file

    def number(token: str) -> float:
        value = float(token)
        if not math.isfinite(value):
            non_finite.append(token)
        return value

    try:
        doc = json.loads(text, parse_float=number,
                         parse_constant=lambda token: number(token.replace("Infinity", "inf")))
    except json.JSONDecodeError as exc:
        res.problems.append(json_problem(fname, exc))
        raise ImportStopped from None
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
        raise ImportStopped
    if not doc["features"]:
        stop("no_features")
    names: set = set()
    for feat in doc["features"]:
        props = feat.get("properties") if isinstance(feat, dict) else None
        if isinstance(props, dict):
            names.update(props)
            if len(names) > MAX_COLUMNS:
                stop("too_many_columns", count=f">{MAX_COLUMNS}", limit=MAX_COLUMNS)
    # What the loader refuses is refused here too, not normalised by the reader: an item that
    # is not a Feature, coordinates that are text or nested too deep (io.coordinates_problem).
    malformed = []
    for i, feat in enumerate(doc["features"]):
        props = feat.get("properties") if isinstance(feat, dict) else None
        label = FeatureRef(index=i, id=props.get("id") if isinstance(props, dict) else None)
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            malformed.append(Problem(fname, label, None, "not_a_feature"))
        elif isinstance(feat.get("geometry"), dict) and \
                (bad := coordinates_problem(feat["geometry"])):
            malformed.append(Problem(fname, label, "geometry", "geometry_unreadable",
                                     {"error": bad}))
    if malformed:
        res.problems += malformed
        raise ImportStopped
    # Non-finite numbers (NaN, Infinity, 1e309): said here, where NaN is still told apart
    # from null; the value is then read as empty so that nothing else is said about it.
    # (Only when the parser met one: most files have none.)
    for i, feat in enumerate(doc["features"] if non_finite else ()):
        props = feat.get("properties") if isinstance(feat, dict) else None
        if not isinstance(props, dict) or not non_finite_values(props):
            continue
        for key in list(props):  # field by field, in the properties' order
            bad = non_finite_values({key: props[key]})
            for where, token in bad:
                res.problems.append(Problem(fname, FeatureRef(index=i, id=props.get("id")),
                                            where, "value_not_finite", {"value": token}))
            if bad:
                props[key] = None
                flagged.add((i, str(key)))
    try:
        gdf = frame_from_features(doc["features"])
    except Exception:
        # A malformed feature or geometry: the layer rules name each one.
        schema = target.schema or {"type": "object"}
        doc = {k: v for k, v in doc.items() if k != "crs"}
        res.problems += unflagged(validate_feature_collection(
            doc, fname, schema, target.geometry_types or list(SINGLE_PARTS) + list(SINGLE_PARTS.values())),
            flagged)
        if not res.problems:
            stop("features_unreadable")
        raise ImportStopped
    return gdf, (file_crs or STORAGE_CRS)


def frame_from_features(features: list) -> gpd.GeoDataFrame:
    """``GeoDataFrame.from_features`` (same rows, columns and errors), with the points of a
    point layer built at once rather than feature by feature."""
    if not all(isinstance(f, dict) and "geometry" in f and not (
            isinstance(f.get("properties"), dict) and "geometry" in f["properties"])
            for f in features):
        return gpd.GeoDataFrame.from_features(features)
    gjs = [f["geometry"] for f in features]
    geoms = None
    if all(isinstance(g, dict) and g.get("type") == "Point" for g in gjs):
        coords = [g["coordinates"] for g in gjs]
        if all(isinstance(c, list) and len(c) == 2 for c in coords):
            geoms = shapely.points(np.array(coords, dtype=float))
    if geoms is None:
        geoms = [shapely.geometry.shape(g) if g else None for g in gjs]
    props = pd.DataFrame([f.get("properties") or {} for f in features])
    return gpd.GeoDataFrame(props, geometry=gpd.GeoSeries(list(geoms) if not isinstance(
        geoms, np.ndarray) else geoms, index=props.index))


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


def read_gdal(data, fname, fmt, opts, res, stop, tmpdir: Path):
    field_map: dict[str, str] = {}
    if fmt == "shapefile":
        kmz = fname.lower().endswith(".kmz")
        zstop = container_stop(stop, "kmz" if kmz else "shapefile")
        zf = check_zip(data, fname, zstop)
        names = [i.filename for i in zf.infolist() if not i.is_dir()
                 and not Path(i.filename).name.startswith(("._", "."))]
        nested = [n for n in names if n.lower().endswith((".zip", ".kmz", ".7z", ".rar"))]
        if nested:
            zstop("zip_nested", member=nested[0])
        stems: dict[str, dict[str, str]] = {}
        for n in names:
            p = Path(n)
            stems.setdefault(str(p.with_suffix("")), {})[p.suffix.lower()] = n
        shps = {Path(s).name: parts for s, parts in stems.items() if ".shp" in parts}
        if not shps:
            others = [n for n in names if n.lower().endswith((".geojson", ".json", ".gpkg",
                                                              ".kml", ".csv"))]
            if kmz and any(n.lower().endswith(".kml") for n in names):
                kml = next(n for n in names if n.lower().endswith(".kml"))
                extract_members(zf, [kml], tmpdir, zstop)
                return _read_gdal_file(tmpdir / Path(kml).name, fname, "kml", opts, res, stop, {})
            if kmz:
                stop("kmz_no_kml", files=names[:3])
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
        extract_members(zf, members + fmap, tmpdir, stop)
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
        containers = kml_placemarks(data, stop)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's notes; errors raise
            layers = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:
        stop("gdal_unreadable", format=FORMATS[fmt][0], error=gdal_message(exc))
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
            stop("sublayer_unreadable", name=sub or layer, error=gdal_message(exc))
        if n_fields > MAX_COLUMNS:
            stop("too_many_columns", count=n_fields, limit=MAX_COLUMNS)
        try:  # GDAL's warnings about the file become notes (import_layer)
            gdf = pyogrio.read_dataframe(path, layer=layer if fmt != "shapefile" else None)
        except Exception as exc:
            stop("sublayer_unreadable", name=sub or layer, error=gdal_message(exc))
        if not isinstance(gdf, gpd.GeoDataFrame):
            stop("sublayer_no_geometry", name=sub or layer)
        if fmt == "kml":
            gdf = tidy_kml(gdf, placemarks_of(containers, layer, gdf))
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


def read_table(data, fname, fmt, opts, res, stop, tmpdir: Path):
    """CSV or XLSX → GeoDataFrame from the lon/lat (or WKT) columns; every cell is text."""
    if fmt == "csv":
        text = _decode(data, fname, opts.encoding, res, stop, detect=True)
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
        # an XLSX is a zip: refuse bombs before GDAL opens it (said in a workbook's terms)
        zf = check_zip(data, fname, container_stop(stop, "xlsx"))
        check_crc(zf, stop, "xlsx_damaged")  # damage, which GDAL takes for "no worksheet"
        path = tmpdir / "upload.xlsx"
        path.write_bytes(data)
        width = _xlsx_width(path, opts.sublayer)
        if width > MAX_COLUMNS:
            stop("too_many_columns", count=width, limit=MAX_COLUMNS)
        try:
            sheets = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
        except Exception as exc:
            stop("xlsx_unreadable", error=gdal_message(exc))
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
            stop("sheet_unreadable", name=sheet, error=gdal_message(exc))
        df = pd.DataFrame(df).fillna("")
    df.columns = [str(c).strip() for c in df.columns]
    res.info["columns"] = list(df.columns)
    if df.empty:
        stop("table_no_rows")
    dupes = sorted({c for c, n in Counter(df.columns).items() if n > 1})
    if dupes:
        stop("duplicate_columns", columns=dupes)
    for c in range(df.shape[1]):  # empty (blank) cells → None, column by column
        col = df.iloc[:, c].astype(str).astype(object)
        keep = np.array([bool(v.strip()) for v in col.tolist()], dtype=bool)
        df.isetitem(c, col.where(keep, None))

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
        raise ImportStopped
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

