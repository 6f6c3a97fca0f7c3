"""Reading the town's GeoJSON layers, with validation that reports every problem.

All disk access of the package for ``data/geo`` lives here. A layer is described in
``data/geo/manifest.json`` (file, titles, geometry types, schema) and its features'
properties are checked against ``data/geo/schema/<layer>.schema.json`` (JSON Schema,
draft 2020-12). Files are GeoJSON (RFC 7946): UTF-8, longitude/latitude in EPSG:4326.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import jsonschema
import shapely
from shapely.geometry import shape

from songnan_geo.crs import STORAGE_CRS

#: The package's default data folder: ``<repo>/data/geo``.
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "geo"

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
    """One validation problem: where it is (file, feature, field) and what is wrong."""

    file: str
    feature: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.feature is not None:
            where += f", feature {self.feature}"
        if self.field is not None:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class LayerValidationError(ValueError):
    """A layer file failed validation. ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) found; nothing was loaded:"
        super().__init__("\n".join([head] + [f"  - {p}" for p in self.problems]))


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
    return Problem(fname, None, "crs",
                   f"declares CRS {name!r}; files in data/geo must be EPSG:4326 "
                   "longitude/latitude. Reproject the file (e.g. gdf.to_crs(4326)) and "
                   "remove the crs member.")


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
        return [Problem(fname, None, None, f"file not found at {path}. Restore it from the "
                        "repository or remove the layer from manifest.json.")], None
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        return [Problem(fname, None, None, f"is not UTF-8 ({exc.reason} at byte "
                        f"{exc.start}). Save it as UTF-8.")], None
    except json.JSONDecodeError as exc:
        return [Problem(fname, None, None, f"is not valid JSON (line {exc.lineno}, column "
                        f"{exc.colno}: {exc.msg}). Fix the syntax or re-export it.")], None
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
        return [Problem(fname, None, "type", "is not a GeoJSON FeatureCollection. Export "
                        "the layer as a FeatureCollection.")]
    features = doc.get("features")
    if not isinstance(features, list):
        return [Problem(fname, None, "features", "has no 'features' list.")]

    problems: list[Problem] = []
    crs_problem = _crs_problem(doc, fname)
    if crs_problem:
        problems.append(crs_problem)
    validator = jsonschema.Draft202012Validator(schema)
    seen: dict[str, int] = {}
    for i, feat in enumerate(features):
        props = feat.get("properties") if isinstance(feat, dict) else None
        fid = props.get("id") if isinstance(props, dict) else None
        label = f"#{i}" + (f" (id {fid!r})" if fid is not None else "")
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            problems.append(Problem(fname, label, None, "is not a GeoJSON Feature."))
            continue
        if not isinstance(props, dict):
            problems.append(Problem(fname, label, "properties", "has no properties object."))
            props = {}
        for err in sorted(validator.iter_errors(props), key=lambda e: list(e.path)):
            field, msg = ".".join(str(p) for p in err.path) or None, err.message
            if err.validator == "required":
                field = err.message.split("'")[1]
                msg = "is missing; every feature of this layer needs it."
            elif err.validator == "additionalProperties":
                extra = sorted(set(props) - set(schema.get("properties", {})))
                field = ", ".join(extra)
                msg = (f"{err.message}. Remove the field(s) or add them to the layer's schema "
                       "(tools/write_schemas.py).")
            problems.append(Problem(fname, label, field, msg))
        if fid is not None:
            if fid in seen:
                problems.append(Problem(fname, label, "id", f"duplicates the id of feature "
                                        f"#{seen[fid]}; ids must be unique in a layer."))
            else:
                seen[fid] = i
        gj = feat.get("geometry")
        if gj is None:
            problems.append(Problem(fname, label, "geometry", "is missing (null)."))
            continue
        gtype = gj.get("type") if isinstance(gj, dict) else None
        if gtype not in geometry_types:
            problems.append(Problem(fname, label, "geometry", f"has type {gtype!r}; this "
                                    f"layer takes {' or '.join(geometry_types)}."))
            continue
        try:
            geom = shape(gj)
        except Exception as exc:  # malformed coordinates
            problems.append(Problem(fname, label, "geometry", f"cannot be read ({exc})."))
            continue
        if geom.is_empty:
            problems.append(Problem(fname, label, "geometry", "is empty."))
            continue
        coords = shapely.get_coordinates(geom)
        if not all(math.isfinite(v) for v in coords.ravel()):
            problems.append(Problem(fname, label, "geometry", "has non-finite coordinates."))
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            problems.append(Problem(fname, label, "geometry", f"is invalid ({reason}). "
                                    "Repair it, e.g. with shapely.make_valid."))
        if _coords_out_of_region(geom):
            problems.append(Problem(fname, label, "geometry", "has coordinates outside the "
                                    "Shanghai region (lon 120.8–122.2, lat 30.6–31.9): are "
                                    "they projected metres or lat/lon swapped?"))
    return problems


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
PLAN_TEXT_PATH = Path(__file__).resolve().parent.parent / "data" / "plan" / \
    "songnan_14th_five_year_plan.txt"


def read_plan_text(path: str | Path = PLAN_TEXT_PATH) -> str:
    """The plan's full text (UTF-8) from the project's own copy."""
    return Path(path).read_text(encoding="utf-8")
