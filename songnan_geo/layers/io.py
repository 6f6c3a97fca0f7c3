"""Reading the town's GeoJSON layers, with validation that reports every problem.

All disk access of the package for ``data/geo`` lives here. A layer is described in
``data/geo/manifest.json`` (file, titles, geometry types, schema) and its features'
properties are checked against ``data/geo/schema/<layer>.schema.json`` (JSON Schema,
draft 2020-12). Files are GeoJSON (RFC 7946): UTF-8, longitude/latitude in EPSG:4326.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field as dataclass_field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import jsonschema
import shapely
from shapely.geometry import shape

from songnan_geo.coords.crs import STORAGE_CRS
from songnan_geo.text.import_messages import FeatureRef, render
from songnan_geo.text.messages import LocalisedError

#: The package's default data folder: ``<repo>/data/geo``.
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "geo"

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
    seen: dict[str, int] = {}
    for i, feat in enumerate(features):
        props = feat.get("properties") if isinstance(feat, dict) else None
        fid = props.get("id") if isinstance(props, dict) else None
        label = FeatureRef(index=i, id=fid)
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            problems.append(Problem(fname, label, None, "not_a_feature"))
            continue
        if not isinstance(props, dict):
            problems.append(Problem(fname, label, "properties", "no_properties"))
            props = {}
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
        if fid is not None:
            if fid in seen:
                problems.append(Problem(fname, label, "id", "duplicate_id", {"other": seen[fid]}))
            else:
                seen[fid] = i
        gj = feat.get("geometry")
        if gj is None:
            problems.append(Problem(fname, label, "geometry", "geometry_missing"))
            continue
        gtype = gj.get("type") if isinstance(gj, dict) else None
        if gtype not in geometry_types:
            problems.append(Problem(fname, label, "geometry", "geometry_type",
                                    {"type": gtype, "allowed": list(geometry_types)}))
            continue
        try:
            geom = shape(gj)
        except Exception as exc:  # malformed coordinates
            problems.append(Problem(fname, label, "geometry", "geometry_unreadable",
                                    {"error": str(exc)}))
            continue
        if geom.is_empty:
            problems.append(Problem(fname, label, "geometry", "geometry_empty"))
            continue
        coords = shapely.get_coordinates(geom)
        if not all(math.isfinite(v) for v in coords.ravel()):
            problems.append(Problem(fname, label, "geometry", "geometry_not_finite"))
            continue
        if not geom.is_valid:
            problems.append(Problem(fname, label, "geometry", "geometry_invalid",
                                    {"reason": shapely.is_valid_reason(geom)}))
        if _coords_out_of_region(geom):
            problems.append(Problem(fname, label, "geometry", "outside_region", {
                "lon_min": _REGION_LON[0], "lon_max": _REGION_LON[1],
                "lat_min": _REGION_LAT[0], "lat_max": _REGION_LAT[1]}))
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
PLAN_TEXT_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "plan" / \
    "songnan_14th_five_year_plan.txt"


def read_plan_text(path: str | Path = PLAN_TEXT_PATH) -> str:
    """The plan's full text (UTF-8) from the project's own copy."""
    return Path(path).read_text(encoding="utf-8")
