"""Fitting a file's columns to a layer's schema: labels to fields, coercion, inferred schemas.

Column-wise where the values allow (each distinct value converted once); geometry
single parts and repairs' debris. No I/O.
"""
from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from songnan_geo.layers.import_model import CORE_FIELDS, is_empty
from songnan_geo.text.i18n import FIELD_LABELS

_TRUE = {"true", "t", "yes", "y", "1", "是", "真", "对"}


_FALSE = {"false", "f", "no", "n", "0", "否", "假", "错"}


SINGLE_PARTS = {"MultiPoint": "Point", "MultiLineString": "LineString", "MultiPolygon": "Polygon"}


KINDS = {"Point": "point", "MultiPoint": "point", "LineString": "line",
          "MultiLineString": "line", "Polygon": "polygon", "MultiPolygon": "polygon"}


KIND_TYPES = {"point": ["Point", "MultiPoint"], "line": ["LineString", "MultiLineString"],
               "polygon": ["Polygon", "MultiPolygon"]}


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


def single_parts(geoms, allowed) -> np.ndarray:
    """:func:`single_part` of each geometry; only multi-part ones are looked at."""
    out = np.asarray(geoms, dtype=object).copy()
    multi = np.isin(shapely.get_type_id(out), (4, 5, 6))
    out[multi] = [single_part(g, allowed) for g in out[multi]]
    return out


def single_part(g, allowed):
    if g is None or not allowed:
        return g
    one = SINGLE_PARTS.get(g.geom_type)
    if one and g.geom_type not in allowed and one in allowed and len(g.geoms) == 1:
        return g.geoms[0]
    return g


def only_kind(g):
    """After make_valid: drop lower-dimension debris (points/lines) from a collection."""
    if g is None or g.geom_type != "GeometryCollection":
        return g
    parts = [p for p in g.geoms if not p.is_empty]
    top = max((p.geom_type for p in parts), key=lambda t: ("Point", "LineString",
                                                           "Polygon").index(SINGLE_PARTS.get(t, t)),
              default=None)
    keep = [p for p in parts if SINGLE_PARTS.get(p.geom_type, p.geom_type) == SINGLE_PARTS.get(top, top)]
    return shapely.union_all(keep) if keep else g


def empty_mask(values: list) -> np.ndarray:
    """:func:`is_empty` of each value, as a (writable) boolean array."""
    return np.array([v is None or (v != v if type(v) is float else
                                   (not v.strip() if type(v) is str else is_empty(v)))
                     for v in values], dtype=bool)


def fill_ids(gdf, target):
    used = set(gdf["id"].dropna().astype(str)) if "id" in gdf.columns else set()
    if target.existing is not None and "id" in target.existing.columns:
        used |= set(target.existing["id"].astype(str))
    ids, n = [], 1
    current = gdf["id"] if "id" in gdf.columns else [None] * len(gdf)
    for v in current:
        if is_empty(v):
            while f"{target.name}_{n:03d}" in used:
                n += 1
            v = f"{target.name}_{n:03d}"
            used.add(v)
        ids.append(v)
    gdf = gdf.copy()
    gdf["id"] = ids
    return gdf


_JSON_TYPE = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def schema_types(spec: dict) -> set[str]:
    """JSON types a schema property takes (an enum's from its values)."""
    t = spec.get("type")
    if t is None and "enum" in spec:
        return {_JSON_TYPE.get(type(v), "string") for v in spec["enum"]}
    return {t} if isinstance(t, str) else set(t or [])


def _coerce(v, types: set[str]):
    if is_empty(v):
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


def _coerce_column(values: list, types: set[str]) -> list:
    """:func:`_coerce` of every value; text in a text-only field is stripped in one pass and
    every other value is converted once per distinct value."""
    text_only = types <= {"string", "null"} and "string" in types
    cache: dict = {}
    out = []
    for v in values:
        if text_only and type(v) is str:
            out.append(v.strip() or None)
            continue
        key = (type(v), v) if isinstance(v, (str, int, float, bool)) and v == v else None
        if key is None:
            out.append(_coerce(v, types))
        elif key in cache:
            out.append(cache[key])
        else:
            out.append(cache.setdefault(key, _coerce(v, types)))
    return out


def coerce_to_schema(gdf: gpd.GeoDataFrame, schema: dict) -> gpd.GeoDataFrame:
    """Convert cell values to the schema's types where that loses nothing.

    Text '12' → 12 for numbers, 'true'/'是'/1 → True for booleans, 3.0 → 3 for integers,
    numbers → text for text fields; empty cells → null. Values that cannot be converted stay
    as they are, for validation to report.
    """
    out = gdf.copy()
    for col, spec in (schema.get("properties") or {}).items():
        if col in out.columns:
            out[col] = pd.Series(_coerce_column(out[col].tolist(), schema_types(spec)),
                                 index=out.index, dtype=object)
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
        values = [v for v in gdf[col] if not is_empty(v)]
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

