"""Reading the town's GeoJSON layers, with validation that reports every problem.

All disk access of the package for ``data/geo`` lives here. A layer is described in
``data/geo/manifest.json`` (file, titles, geometry types, schema) and its features'
properties are checked against ``data/geo/schema/<layer>.schema.json`` (JSON Schema,
draft 2020-12). Files are GeoJSON (RFC 7946): UTF-8, longitude/latitude in EPSG:4326.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field as dataclass_field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import jsonschema
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from songnan_geo.config import DEFAULT_DATA_DIR
from songnan_geo.coords.crs import STORAGE_CRS
from songnan_geo.text.import_messages import FeatureRef, render
from songnan_geo.text.messages import LocalisedError

# CRS names that mean "longitude/latitude on WGS84" in a GeoJSON ``crs`` member.
_WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG:4326",
}
# A generous box around Shanghai: coordinates outside it are swapped, projected or wrong.
_REGION_LON = (120.8, 122.2)
_REGION_LAT = (30.6, 31.9)


@dataclass(frozen=True)
class Problem:
    """One validation problem: where it is (file, feature, field) and what is wrong.

    ``code`` is the stable key of the message in :mod:`songnan_geo.text.import_messages` and
    ``params`` its values; :meth:`text` renders it in Chinese ('zh') or English ('en').
    ``feature`` is a :class:`~songnan_geo.text.import_messages.FeatureRef` (or None).
    """

    file: str
    feature: FeatureRef | None
    field: str | None
    code: str
    params: dict = dataclass_field(default_factory=dict, hash=False)

    @property
    def message(self) -> str:
        """What is wrong and the fix, in English."""
        return self.text("en")

    def text(self, lang: str = "en") -> str:
        """What is wrong and the fix, in ``lang`` ('zh' or 'en')."""
        return render(self.code, lang, self.params)

    def feature_text(self, lang: str = "en") -> str:
        """The feature or row, in ``lang`` ('' when the problem is about the whole file)."""
        return "" if self.feature is None else self.feature.text(lang)

    def line(self, lang: str = "en") -> str:
        """File, feature, field and message as one line in ``lang``."""
        where = [self.file]
        if self.feature is not None:
            kind = "where_row" if getattr(self.feature, "row", None) is not None else \
                "where_feature"
            where.append(render(kind, lang, {"feature": self.feature}))
        if self.field is not None:
            where.append(render("where_field", lang, {"field": self.field}))
        sep, colon = (", ", ": ") if lang == "en" else ("，", "：")
        return sep.join(where) + colon + self.text(lang)

    def __str__(self) -> str:
        return self.line("en")


class LayerValidationError(LocalisedError, ValueError):
    """A layer file failed validation. ``problems`` lists every problem found; ``str()`` is
    English, :meth:`text` renders it in either language."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        head = render("validation_failed", lang, {"n": len(self.problems)})
        return "\n".join([head] + [f"  - {p.line(lang)}" for p in self.problems])


@lru_cache(maxsize=8)
def _read_json(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def read_manifest(data_dir: str | Path = DEFAULT_DATA_DIR) -> dict:
    """Return the parsed ``manifest.json`` of ``data_dir`` (layer name → description)."""
    path = Path(data_dir) / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(
            f"data_dir '{data_dir}' has no manifest.json. Point data_dir at the project's "
            "data/geo folder (or a copy of it with its manifest and schema files)."
        )
    return _read_json(str(path), path.stat().st_mtime)


def layer_names(data_dir: str | Path = DEFAULT_DATA_DIR) -> list[str]:
    """Names of the layers in ``data_dir``'s manifest, in drawing order (bottom first)."""
    return list(read_manifest(data_dir)["layers"])


def layer_info(name: str, data_dir: str | Path = DEFAULT_DATA_DIR) -> dict:
    """The manifest entry of layer ``name``; an unknown name lists the valid ones."""
    layers = read_manifest(data_dir)["layers"]
    if name not in layers:
        raise KeyError(
            f"name '{name}' is not a layer of {data_dir}. Valid names: {', '.join(layers)}."
        )
    return layers[name]


def layer_schema(name: str, data_dir: str | Path = DEFAULT_DATA_DIR) -> dict:
    """The JSON Schema of layer ``name``'s feature properties (from its manifest entry)."""
    data_dir = Path(data_dir)
    path = data_dir / layer_info(name, data_dir)["schema"]
    return _read_json(str(path), path.stat().st_mtime)


def _crs_problem(doc: dict, fname: str) -> Problem | None:
    crs = doc.get("crs")
    if crs is None:
        return None  # RFC 7946: no crs member means WGS84 lon/lat
    name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
    if name in _WGS84_NAMES:
        return None
    return Problem(fname, None, "crs", "crs_not_wgs84", {"name": name})


def _coords_out_of_region(geom) -> bool:
    xmin, ymin, xmax, ymax = geom.bounds
    return (xmin < _REGION_LON[0] or xmax > _REGION_LON[1]
            or ymin < _REGION_LAT[0] or ymax > _REGION_LAT[1])


def validate_layer_file(path: str | Path, schema: dict, geometry_types: list[str]
                        ) -> tuple[list[Problem], dict | None]:
    """Check one GeoJSON file; return ``(problems, parsed_document)``.

    Every rule is checked for every feature, so one call reports all problems:
    UTF-8 JSON, a FeatureCollection, a WGS84 CRS, unique ``id`` values, the geometry
    type, geometry validity, coordinates inside the Shanghai region, and the
    properties against ``schema``.
    """
    path = Path(path)
    fname = path.name
    if not path.exists():
        return [Problem(fname, None, None, "file_not_found", {"path": str(path)})], None
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        return [Problem(fname, None, None, "not_utf8",
                        {"reason": exc.reason, "byte": exc.start})], None
    except json.JSONDecodeError as exc:
        return [json_problem(fname, exc)], None
    return validate_feature_collection(doc, fname, schema, geometry_types), doc


def validate_feature_collection(doc, fname: str, schema: dict, geometry_types: list[str]
                                ) -> list[Problem]:
    """Check a parsed GeoJSON document (in memory) against a layer's rules; list every problem.

    The rules of :func:`validate_layer_file` after parsing: a FeatureCollection, a WGS84
    CRS, unique ``id`` values, the geometry type, geometry validity, coordinates inside
    the Shanghai region, and the properties against ``schema``. ``fname`` names the
    document in the messages.
    """
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        return [Problem(fname, None, "type", "not_feature_collection")]
    features = doc.get("features")
    if not isinstance(features, list):
        return [Problem(fname, None, "features", "no_features_list")]

    problems: list[Problem] = []
    crs_problem = _crs_problem(doc, fname)
    if crs_problem:
        problems.append(crs_problem)
    validator = jsonschema.Draft202012Validator(schema)
    all_props = [f.get("properties") if isinstance(f, dict) else None for f in features]
    suspects = schema_suspects(_prop_columns(all_props), len(features), schema)
    seen: dict[str, int] = {}
    for i, feat in enumerate(features):
        props = all_props[i]
        fid = props.get("id") if isinstance(props, dict) else None
        label = FeatureRef(index=i, id=fid)
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            problems.append(Problem(fname, label, None, "not_a_feature"))
            continue
        if not isinstance(props, dict):
            problems.append(Problem(fname, label, "properties", "no_properties"))
            props = {}
        if suspects[i] or not isinstance(all_props[i], dict):
            problems += property_problems(props, fname, label, validator, schema)
        else:
            problems += [Problem(fname, label, field, "value_not_finite", {"value": token})
                         for field, token in non_finite_values(props)]
        if fid is not None:
            if fid in seen:
                problems.append(Problem(fname, label, "id", "duplicate_id", {"other": seen[fid]}))
            else:
                seen[fid] = i
        problems += geometry_problems(feat.get("geometry"), fname, label, geometry_types)
    return problems


def _prop_columns(all_props: list) -> dict[str, list]:
    """Each property name with its value in every feature (:data:`ABSENT` where missing)."""
    keys = dict.fromkeys(k for p in all_props if isinstance(p, dict) for k in p)
    return {k: [p.get(k, ABSENT) if isinstance(p, dict) else ABSENT for p in all_props]
            for k in keys}


def property_problems(props: dict, fname: str, label: FeatureRef, validator, schema: dict
                      ) -> list[Problem]:
    """Every problem of one feature's properties: non-finite numbers, then the schema's
    rules (by jsonschema ``validator``), field by field."""
    problems = []
    not_finite = non_finite_values(props)
    for field, token in not_finite:
        problems.append(Problem(fname, label, field, "value_not_finite", {"value": token}))
    skip = {k for k, v in props.items() if not_finite and non_finite_values({k: v})}
    for err in sorted(validator.iter_errors(props), key=lambda e: list(e.path)):
        if err.path and str(err.path[0]) in skip:
            continue  # the non-finite value is the problem, said above
        field = ".".join(str(p) for p in err.path) or None
        if err.validator == "required":
            field = err.message.split("'")[1]
        elif err.validator == "additionalProperties":
            field = ", ".join(sorted(set(props) - set(schema.get("properties", {}))))
        problems.append(Problem(fname, label, field, *_schema_message(err, props, schema)))
    return problems


#: GeoJSON geometry type → how deep its coordinates nest (1: a position).
_DEPTH = {"Point": 1, "MultiPoint": 2, "LineString": 2, "MultiLineString": 3, "Polygon": 3,
          "MultiPolygon": 4}


def coordinates_problem(gj) -> str | None:
    """What is wrong with a GeoJSON geometry's structure (RFC 7946), or None: coordinates
    nested to the depth of the type, each position two or three numbers (not text, not
    true/false). Shapely would read text and extra nesting; a layer file may not hold them."""
    if not isinstance(gj, dict):
        return "not an object"
    gtype = gj.get("type")
    if gtype == "GeometryCollection":
        parts = gj.get("geometries")
        if not isinstance(parts, list):
            return "'geometries' is not a list"
        return next((p for p in map(coordinates_problem, parts) if p), None)
    if gtype not in _DEPTH:
        return None  # the type check names it
    todo = [(gj.get("coordinates"), _DEPTH[gtype])]
    while todo:
        node, depth = todo.pop()
        if not isinstance(node, list):
            return f"{type(node).__name__} where a list is expected"
        if depth == 1:
            if not 2 <= len(node) <= 3:
                return f"a position has {len(node)} values (2 or 3)"
            for v in node:
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    return f"coordinate {json.dumps(v, ensure_ascii=False)[:40]} is not a number"
        else:
            todo += [(child, depth - 1) for child in node]
    return None


def geometry_problems(gj, fname: str, label: FeatureRef, geometry_types: list[str]
                      ) -> list[Problem]:
    """The problem of one feature's GeoJSON geometry (at most one): missing, type,
    structure, unreadable, empty, not finite, invalid (with region), outside the region."""
    if gj is None:
        return [Problem(fname, label, "geometry", "geometry_missing")]
    gtype = gj.get("type") if isinstance(gj, dict) else None
    if gtype not in geometry_types:
        return [Problem(fname, label, "geometry", "geometry_type",
                        {"type": gtype, "allowed": list(geometry_types)})]
    bad = coordinates_problem(gj)
    if bad:
        return [Problem(fname, label, "geometry", "geometry_unreadable", {"error": bad})]
    try:
        geom = shape(gj)
    except Exception as exc:  # malformed coordinates
        return [Problem(fname, label, "geometry", "geometry_unreadable", {"error": str(exc)})]
    if geom.is_empty:
        return [Problem(fname, label, "geometry", "geometry_empty")]
    return _shape_problems(geom, fname, label)


def _shape_problems(geom, fname: str, label: FeatureRef) -> list[Problem]:
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        return [Problem(fname, label, "geometry", "geometry_not_finite")]
    problems = []
    if not geom.is_valid:
        problems.append(Problem(fname, label, "geometry", "geometry_invalid",
                                {"reason": shapely.is_valid_reason(geom)}))
    if _coords_out_of_region(geom):
        problems.append(Problem(fname, label, "geometry", "outside_region", {
            "lon_min": _REGION_LON[0], "lon_max": _REGION_LON[1],
            "lat_min": _REGION_LAT[0], "lat_max": _REGION_LAT[1]}))
    return problems


def validate_frame(gdf: gpd.GeoDataFrame, fname: str, schema: dict, geometry_types: list[str],
                   columns: list[str] | None = None) -> list[Problem]:
    """The problems :func:`validate_feature_collection` finds in the FeatureCollection of
    ``gdf`` (EPSG:4326; properties in the order of ``columns``, then the rest), found column
    by column: only the features a column-wise screen cannot clear are turned into GeoJSON
    and checked one by one, so the work grows linearly with features and columns.
    """
    n = len(gdf)
    geom_col = gdf.geometry.name
    cols = [c for c in (columns or []) if c in gdf.columns]
    cols += [c for c in gdf.columns if c not in cols and c != geom_col]
    values = {}
    for c in cols:
        col = gdf[c]
        obj = col.astype(object)
        missing = col.isna().to_numpy() if col.dtype != object else \
            np.array([v is None or (isinstance(v, float) and v != v) for v in obj], dtype=bool)
        values[str(c)] = [None if m else v for v, m in zip(obj.tolist(), missing)]
    suspects = schema_suspects(values, n, schema)
    ids = values.get("id", [None] * n)
    by_row: dict[int, list[Problem]] = {}
    rows = np.flatnonzero(suspects)
    if len(rows):
        validator = jsonschema.Draft202012Validator(schema)
        sub = gdf.iloc[rows][cols + [geom_col]]
        doc = json.loads(sub.to_json(na="null", drop_id=True, ensure_ascii=False))
        for i, feat in zip(rows, doc["features"]):
            props = {c: feat["properties"].get(c) for c in cols}
            label = FeatureRef(index=int(i), id=props.get("id"))
            by_row[int(i)] = property_problems(props, fname, label, validator, schema)
    # unique ids (the first feature with an id is "the other")
    id_series = pd.Series([v if isinstance(v, (str, int, float, bool)) else repr(v)
                           for v in ids], dtype=object)
    has = id_series.notna().to_numpy() & np.array([v is not None for v in ids], dtype=bool)
    dup = id_series.duplicated().to_numpy() & has
    first: dict = {}
    if dup.any():
        for i in np.flatnonzero(has):
            first.setdefault(id_series.iloc[i], int(i))
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)  # written as null
    type_names = np.array([None if m else g.geom_type for g, m in zip(geoms, missing)],
                          dtype=object)
    wrong_type = ~missing & ~np.isin(type_names, list(geometry_types))
    finite = np.ones(n, dtype=bool)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    finite[np.unique(index[~np.isfinite(coords).all(axis=1)])] = False
    check = ~missing & ~wrong_type
    invalid = check & finite & ~shapely.is_valid(geoms)
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        outside = check & finite & ((bounds[:, 0] < _REGION_LON[0]) | (bounds[:, 2] > _REGION_LON[1])
                                    | (bounds[:, 1] < _REGION_LAT[0]) | (bounds[:, 3] > _REGION_LAT[1]))
    flagged = suspects | dup | missing | wrong_type | (check & ~finite) | invalid | outside
    problems: list[Problem] = []
    for i in np.flatnonzero(flagged):
        i = int(i)
        fid = ids[i]
        label = FeatureRef(index=i, id=fid)
        problems += by_row.get(i, [])
        if dup[i]:
            problems.append(Problem(fname, label, "id", "duplicate_id",
                                    {"other": first[id_series.iloc[i]]}))
        if missing[i]:
            problems.append(Problem(fname, label, "geometry", "geometry_missing"))
        elif wrong_type[i]:
            problems.append(Problem(fname, label, "geometry", "geometry_type",
                                    {"type": type_names[i], "allowed": list(geometry_types)}))
        else:
            problems += _shape_problems(geoms[i], fname, label)
    return problems


def _json_token(value: float) -> str:
    """How a non-finite float is spelled in (non-standard) JSON: NaN, Infinity, -Infinity."""
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def non_finite_values(props) -> list[tuple[str, str]]:
    """``(field, token)`` of every non-finite number (NaN, ±Infinity; ``1e309`` parses as
    Infinity) in a feature's properties, nested lists and objects included (``tags.1``),
    each level before the one nested in it; iterative, so any nesting depth is fine.

    Strict JSON (RFC 8259) has no such numbers, so a layer file may not hold them.
    """
    out: list[tuple[str, str]] = []
    todo = [("", props)]
    while todo:
        path, node = todo.pop()
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, (list, tuple)):
            items = enumerate(node)
        else:
            continue
        nested = []
        for key, value in items:
            where = f"{path}.{key}" if path else str(key)
            if isinstance(value, float) and not math.isfinite(value):
                out.append((where, _json_token(value)))
            elif isinstance(value, (dict, list, tuple)):
                nested.append((where, value))
        todo += reversed(nested)
    return out


#: jsonschema keyword → message code (with the keyword's value as ``limit``).
_SCHEMA_CODES = {"minimum": "value_below_minimum", "maximum": "value_above_maximum",
                 "exclusiveMinimum": "value_not_above", "exclusiveMaximum": "value_not_below",
                 "maxLength": "text_too_long"}


def _schema_message(err, props: dict, schema: dict) -> tuple[str, dict]:
    """The message code and parameters of a jsonschema error on a feature's properties."""
    kind, value, rule = err.validator, err.instance, err.validator_value
    if kind == "required":
        return "field_missing", {}
    if kind == "additionalProperties":
        return "extra_fields", {"extras": sorted(set(props) - set(schema.get("properties", {})))}
    if kind == "type":
        return "value_type", {"value": value, "types": rule}
    if kind == "enum":
        return "value_not_allowed", {"value": value, "allowed": list(rule)}
    if kind == "pattern":
        return "value_pattern", {"value": value, "pattern": rule}
    if kind == "minLength":
        return ("text_empty", {"value": value}) if rule == 1 else \
            ("text_too_short", {"value": value, "limit": rule})
    if kind in _SCHEMA_CODES:
        return _SCHEMA_CODES[kind], {"value": value, "limit": rule}
    return "schema_other", {"detail": err.message}


def json_problem(fname: str, exc: json.JSONDecodeError) -> Problem:
    """The problem of a file that is not valid JSON (line, column and the parser's words)."""
    return Problem(fname, None, None, "json_invalid",
                   {"line": exc.lineno, "column": exc.colno, "error": exc.msg})


def load_layer(name: str, data_dir: str | Path = DEFAULT_DATA_DIR) -> gpd.GeoDataFrame:
    """Load and validate layer ``name`` from ``data_dir``.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326 (longitude/latitude, degrees), one row per feature, with the
        properties as columns and the feature ``id`` as a column (not the index).

    Raises
    ------
    LayerValidationError
        Listing every problem found (file, feature, field, and the fix).
    """
    data_dir = Path(data_dir)
    info = layer_info(name, data_dir)
    schema = layer_schema(name, data_dir)
    path = data_dir / info["file"]
    problems, doc = validate_layer_file(path, schema, info["geometry_types"])
    if problems:
        raise LayerValidationError(problems)
    gdf = gpd.GeoDataFrame.from_features(doc["features"], crs=STORAGE_CRS)
    columns = list(schema.get("properties", {}))
    ordered = [c for c in columns if c in gdf.columns]
    rest = [c for c in gdf.columns if c not in ordered and c != "geometry"]
    return gdf[ordered + rest + ["geometry"]]


def load_all_layers(data_dir: str | Path = DEFAULT_DATA_DIR) -> dict[str, gpd.GeoDataFrame]:
    """Load every layer of the manifest; problems of all layers are raised together."""
    layers, problems = {}, []
    for name in layer_names(data_dir):
        try:
            layers[name] = load_layer(name, data_dir)
        except LayerValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise LayerValidationError(problems)
    return layers


#: The project's copy of the plan text (see data/geo/README.md for its source).
PLAN_TEXT_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "plans" / "fyp14" / \
    "songnan_14th_five_year_plan.txt"


def read_plan_text(path: str | Path = PLAN_TEXT_PATH) -> str:
    """The plan's full text (UTF-8) from the project's own copy."""
    return Path(path).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- column-wise screen

#: Keywords the column-wise screen understands (others: every feature goes to jsonschema).
_SCREEN_TOP = {"$schema", "$id", "$comment", "title", "description", "type", "properties",
               "required", "additionalProperties"}
_SCREEN_PROP = {"type", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
                "exclusiveMinimum", "exclusiveMaximum", "description", "title", "default",
                "$comment", "examples", "format"}
#: Marks a property a feature does not have (a column's cell for a missing key).
ABSENT = object()
_JSON_KIND = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}


def _column_suspects(values: list, spec: dict, required: bool) -> np.ndarray:
    """Rows whose value of one property may break ``spec`` (True: check with jsonschema)."""
    n = len(values)
    kinds = [_JSON_KIND.get(type(v), "absent" if v is ABSENT else "other") for v in values]
    kinds = np.array(kinds, dtype=object) if n else np.zeros(0, dtype=object)
    absent = kinds == "absent"
    bad = kinds == "other"  # lists, dicts, numpy values…: jsonschema decides
    if required:
        bad |= absent
    types = spec.get("type")
    if types is not None:
        allowed = {types} if isinstance(types, str) else set(types)
        if "number" in allowed:
            allowed |= {"integer"}
        ok = np.isin(kinds, list(allowed | {"absent", "other"}))
        if "integer" in allowed and "number" not in allowed:
            ok &= kinds != "number"  # 3.0 is an integer to jsonschema: let it say
        bad |= ~ok
    is_str = kinds == "string"
    rows_str = np.flatnonzero(is_str)
    if "enum" in spec:
        enum = spec["enum"]
        strs = {e for e in enum if isinstance(e, str)}
        present = ~absent
        ok = np.zeros(n, dtype=bool)
        ok[rows_str] = [values[i] in strs for i in rows_str]
        if None in enum:
            ok |= kinds == "null"
        bad |= present & ~ok
    if "pattern" in spec and len(rows_str):
        pat = re.compile(spec["pattern"])
        uniq = {values[i] for i in rows_str}
        failing = {s for s in uniq if not pat.search(s)}
        if failing:
            bad[rows_str] |= np.array([values[i] in failing for i in rows_str])
    if ("minLength" in spec or "maxLength" in spec) and len(rows_str):
        lengths = np.array([len(values[i]) for i in rows_str])
        if "minLength" in spec:
            bad[rows_str] |= lengths < spec["minLength"]
        if "maxLength" in spec:
            bad[rows_str] |= lengths > spec["maxLength"]
    limits = [k for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
              if k in spec]
    if limits:
        rows_num = np.flatnonzero((kinds == "integer") | (kinds == "number"))
        if len(rows_num):
            try:
                nums = np.array([values[i] for i in rows_num], dtype=float)
            except OverflowError:  # an int beyond a float: let jsonschema compare
                bad[rows_num] = True
                nums = None
            if nums is not None:
                b = ~np.isfinite(nums)
                for k in limits:
                    lim = spec[k]
                    b |= {"minimum": nums < lim, "maximum": nums > lim,
                          "exclusiveMinimum": nums <= lim, "exclusiveMaximum": nums >= lim}[k]
                bad[rows_num] |= b
    return bad


def schema_suspects(columns: dict, n: int, schema: dict) -> np.ndarray:
    """Features whose properties may break ``schema``, found column by column.

    ``columns`` maps each property name to its ``n`` values (:data:`ABSENT` where a feature
    lacks it). A feature that passes is certainly valid; the others (True) are checked by
    jsonschema, which words the messages. A schema using keywords this screen does not know
    makes every feature a suspect, so the screen never changes what is reported.
    """
    everything = np.ones(n, dtype=bool)
    props = schema.get("properties") or {}
    if set(schema) - _SCREEN_TOP or schema.get("type", "object") != "object" or \
            not isinstance(props, dict) or any(
                not isinstance(s, dict) or set(s) - _SCREEN_PROP for s in props.values()) or \
            not isinstance(schema.get("additionalProperties", True), bool):
        return everything
    bad = np.zeros(n, dtype=bool)
    required = set(schema.get("required") or [])
    for key in required - set(columns):
        return everything  # every feature lacks it
    for key, values in columns.items():
        if key in props:
            bad |= _column_suspects(values, props[key], key in required)
        elif schema.get("additionalProperties") is False:
            bad |= np.array([v is not ABSENT for v in values], dtype=bool)
    return bad


def feature_collection(gdf: gpd.GeoDataFrame, columns: list[str] | None = None) -> dict:
    """GeoJSON FeatureCollection (dict) of ``gdf`` (EPSG:4326) as written to ``data/geo``.

    Properties in the order of ``columns`` (default: the frame's), then the rest; missing
    values are ``null``; no ``crs`` member (RFC 7946: WGS84).
    """
    if gdf.crs is None or not gdf.crs.equals(STORAGE_CRS):
        raise ValueError(f"gdf is in {gdf.crs}; layers are stored in EPSG:4326. Call "
                         "gdf.to_crs(4326) (or chinacoords.to_wgs84) first.")
    cols = [c for c in (columns or []) if c in gdf.columns]
    cols += [c for c in gdf.columns if c not in cols and c != gdf.geometry.name]
    doc = json.loads(gdf[cols + [gdf.geometry.name]].to_json(na="null", drop_id=True,
                                                             ensure_ascii=False))
    doc.pop("crs", None)
    for feat in doc["features"]:
        feat.pop("bbox", None)
        feat.pop("id", None)
        feat["properties"] = {c: feat["properties"].get(c) for c in cols}
    doc.pop("bbox", None)
    return doc


def _non_finite(value) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _has_non_finite(value) -> bool:
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_non_finite(v) for v in value)
    return _non_finite(value)


def non_finite_features(doc: dict) -> list[tuple]:
    """(feature number from 1, id, field, value) of every non-finite number in ``doc``'s features."""
    found = []
    for i, feat in enumerate(doc.get("features", [])):
        props = feat.get("properties") or {}
        fid = props.get("id")
        for key, value in props.items():
            if _has_non_finite(value):
                found.append((i + 1, fid, key, str(value)))
        if _has_non_finite((feat.get("geometry") or {}).get("coordinates")):
            found.append((i + 1, fid, "geometry", "a non-finite coordinate"))
    return found
