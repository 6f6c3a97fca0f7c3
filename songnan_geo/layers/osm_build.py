"""Building the town's layers from a read OpenStreetMap extract
(:class:`~songnan_geo.layers.osm_read.OsmData`).

:func:`walking_network` (roads from OSM's node topology), :func:`water`, :func:`buildings`,
:func:`pois` (typed through the planner's table, :func:`read_poi_types`) and
:func:`boundary_layer`. Each returns a GeoDataFrame in EPSG:4326 whose features carry the
provenance (:func:`provenance`), ``accuracy_m`` and ``estimated``; lengths and areas are
computed in :data:`songnan_geo.coords.crs.TOWN_CRS` (metres). The pipeline that calls them
(:func:`songnan_geo.layers.osm.build_from_extract`) is in :mod:`songnan_geo.layers.osm`.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from songnan_geo.coords.crs import STORAGE_CRS, TOWN_CRS
from songnan_geo.layers.osm_read import BOUNDARY_NAME, POI_KEYS, OsmData, OsmError, assemble_area

#: Positional accuracy given to OSM features, metres: an assumed typical value for streets
#: traced from aerial imagery in a Chinese city — not measured per feature.
OSM_ACCURACY_M = 10.0
#: The planner's table from OSM tags to facility types.
POI_TYPES_CSV = Path(__file__).resolve().parent.parent.parent / "data" / "osm" / "poi_types.csv"

#: Walkable ``highway`` values (always, unless ``foot=no`` or private access).
WALK_HIGHWAYS = frozenset({
    "footway", "path", "pedestrian", "steps", "living_street", "residential", "service",
    "unclassified", "track", "corridor", "road", "tertiary", "tertiary_link", "secondary",
    "secondary_link", "primary", "primary_link"})
#: ``highway`` values walkable only when ``foot`` says so (yes/designated/permissive).
FOOT_ONLY_HIGHWAYS = frozenset({"trunk", "trunk_link", "cycleway", "bridleway"})
_FOOT_YES = frozenset({"yes", "designated", "permissive"})
#: ``highway`` → the roads layer's ``road_class``.
ROAD_CLASS = {"trunk": "快速路", "trunk_link": "快速路", "primary": "主干路",
              "primary_link": "主干路", "secondary": "次干路", "secondary_link": "次干路",
              "tertiary": "支路", "tertiary_link": "支路", "unclassified": "支路",
              "residential": "支路", "living_street": "支路", "service": "支路",
              "track": "支路", "road": "支路"}
#: Road class of the other walkable ways (footways, paths, steps…).
FOOTWAY_CLASS = "步行道"
_HIGHWAY_ZH = {"footway": "人行道", "path": "小路", "pedestrian": "步行街", "steps": "台阶",
               "living_street": "生活街道", "residential": "小区道路", "service": "服务道路",
               "unclassified": "无等级道路", "track": "便道", "corridor": "室内通道",
               "cycleway": "自行车道", "bridleway": "小路", "road": "道路"}
#: Default levels of a building without ``building:levels`` (or ``height``), by
#: ``building`` value; ``*`` for all others. Planning assumptions, flagged as estimated.
DEFAULT_LEVELS = {"apartments": 6, "residential": 6, "dormitory": 6, "house": 2,
                  "detached": 2, "terrace": 3, "garage": 1, "garages": 1, "shed": 1,
                  "roof": 1, "kiosk": 1, "*": 3}
#: Storey height used to turn a ``height`` tag into levels, metres.
STOREY_M = 3.0
#: ``waterway`` values kept as river lines.
WATERWAYS = frozenset({"river", "canal", "stream", "ditch", "drain"})



#: ``note`` of a road without a name (named by its road type).
UNNAMED_ROAD = "OSM 无名称（按道路类型命名）"





def provenance(timestamp: str) -> str:
    """The ``source`` text of every OSM feature."""
    return f"© OpenStreetMap contributors, ODbL 1.0, extract of {timestamp}"


def _to_town(lonlat: np.ndarray) -> np.ndarray:
    tr = Transformer.from_crs(STORAGE_CRS, TOWN_CRS, always_xy=True)
    x, y = tr.transform(lonlat[:, 0], lonlat[:, 1])
    return np.c_[x, y]


def _town_geom(geom_wgs84):
    tr = Transformer.from_crs(STORAGE_CRS, TOWN_CRS, always_xy=True)
    return shapely.transform(geom_wgs84, lambda xy: np.c_[tr.transform(xy[:, 0], xy[:, 1])])


def _walkable(tags: dict) -> bool:
    hw = tags.get("highway")
    foot = tags.get("foot")
    if hw is None or foot == "no" or tags.get("area") == "yes" and hw != "pedestrian":
        return False
    if tags.get("access") in ("no", "private") and foot not in _FOOT_YES:
        return False
    if hw in WALK_HIGHWAYS:
        return True
    return hw in FOOT_ONLY_HIGHWAYS and foot in _FOOT_YES


def _name(tags: dict) -> str | None:
    name = (tags.get("name") or tags.get("name:zh") or "").strip()
    return name or None


def _name_en(tags: dict) -> str | None:
    name = (tags.get("name:en") or "").strip()
    return name or None


# ---------------------------------------------------------------------------- network


def walking_network(data: OsmData) -> gpd.GeoDataFrame:
    """The walking network as roads-layer features (EPSG:4326), one per graph edge.

    Graph nodes are the OSM nodes shared by two or more walkable ways (or used twice by
    one) and the ends of every way; each feature runs from node ``u`` to node ``v`` (OSM
    ids) along the way's vertices, with ``length_m`` measured in :data:`TOWN_CRS`.
    Features that touch the clip area are kept whole (never cut), so ``u``/``v`` stay
    real OSM nodes.
    """
    src = provenance(data.timestamp)
    walk = data.ways[[_walkable(t) for t in data.ways["tags"]]] if len(data.ways) else data.ways
    if len(walk) == 0:
        return empty_layer("roads")
    all_refs = np.concatenate(list(walk["refs"]))
    uniq, counts = np.unique(all_refs, return_counts=True)
    shared = set(uniq[counts > 1].tolist())
    rows, geoms = [], []
    for wid, tags, refs, lonlat in zip(walk["osm_id"], walk["tags"], walk["refs"],
                                       walk["lonlat"]):
        if len(refs) < 2:
            continue
        cut = [0] + [i for i in range(1, len(refs) - 1) if int(refs[i]) in shared] + \
            [len(refs) - 1]
        hw = tags["highway"]
        name = _name(tags)
        road_class = ROAD_CLASS.get(hw, FOOTWAY_CLASS)
        label_zh = _HIGHWAY_ZH.get(hw, "道路")
        for k, (a, b) in enumerate(zip(cut[:-1], cut[1:])):
            rows.append({"id": f"osm-w{wid}-{k}", "name": name or label_zh,
                         "name_en": _name_en(tags) or (f"Unnamed {hw.replace('_', ' ')}"
                                                      if name is None else name),
                         "source": src, "accuracy_m": OSM_ACCURACY_M, "estimated": False,
                         "note": None if name else UNNAMED_ROAD,
                         "road_class": road_class, "segment_of": name or f"osm-w{wid}",
                         "osm_id": int(wid), "highway": hw,
                         "u": int(refs[a]), "v": int(refs[b])})
            geoms.append(lonlat[a:b + 1])
    if not rows:
        return empty_layer("roads")
    lens = np.fromiter((len(g) for g in geoms), dtype=np.int64, count=len(geoms))
    lines = shapely.linestrings(np.concatenate(geoms), indices=np.repeat(np.arange(len(geoms)),
                                                                          lens))
    gdf = gpd.GeoDataFrame(rows, geometry=list(lines), crs=STORAGE_CRS)
    town = gdf.to_crs(TOWN_CRS)
    gdf["length_m"] = np.round(town.length.to_numpy(), 2)
    keep = shapely.intersects(gdf.geometry.values, data.clip_wgs84)
    gdf = gdf[keep & (gdf["length_m"] > 0)].reset_index(drop=True)
    return gdf


# ---------------------------------------------------------------------------- areas


def _ways_by_id(data: OsmData) -> dict:
    return dict(zip(data.ways["osm_id"], data.ways["lonlat"])) if len(data.ways) else {}


def _closed_polygons(data: OsmData) -> dict:
    """Polygons of every closed way (≥ 4 vertices, first = last), by way id; built once
    per extract (vectorised) and kept on ``data``."""
    cached = data.cache.get("closed")
    if cached is not None:
        return cached
    ways = data.ways
    closed = [len(c) >= 4 and c[0, 0] == c[-1, 0] and c[0, 1] == c[-1, 1]
              for c in ways["lonlat"]] if len(ways) else []
    sub = ways[np.asarray(closed, dtype=bool)] if len(ways) else ways
    out = {}
    if len(sub):
        coords = list(sub["lonlat"])
        rings = shapely.linearrings(np.concatenate(coords), indices=np.repeat(
            np.arange(len(coords)), [len(c) for c in coords]))
        polys = shapely.polygons(rings)
        bad = ~shapely.is_valid(polys)
        if bad.any():
            polys[bad] = [_polygonal(shapely.make_valid(p)) for p in polys[bad]]
        out = {int(w): p for w, p in zip(sub["osm_id"], polys) if p is not None}
    data.cache["closed"] = out
    return out


def _area_features(data: OsmData, wanted) -> list[tuple[str, int, dict, shapely.Geometry]]:
    """Closed ways and multipolygon relations whose tags pass ``wanted``: (kind, id, tags,
    polygon in EPSG:4326) with kind 'w' or 'r'."""
    out = []
    polys = _closed_polygons(data)
    for wid, tags in zip(data.ways["osm_id"], data.ways["tags"]):
        if tags and wanted(tags):
            poly = polys.get(int(wid))
            if poly is not None:
                out.append(("w", int(wid), tags, poly))
    coords = None
    for rid, tags, members in zip(data.relations["osm_id"], data.relations["tags"],
                                  data.relations["members"]):
        if not wanted(tags):
            continue
        if coords is None:
            coords = _ways_by_id(data)
        if not all(w in coords for w, _ in members):
            continue  # partly outside the extract or the clip box
        area = assemble_area([(coords[w], r) for w, r in members])
        area = _polygonal(area) if area is not None else None
        if area is not None:
            out.append(("r", int(rid), tags, area))
    return out


def _polygonal(geom):
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.unary_union(parts) if parts else None


def _clip_keep(gdf: gpd.GeoDataFrame, clip) -> gpd.GeoDataFrame:
    if len(gdf) == 0:
        return gdf
    return gdf[shapely.intersects(gdf.geometry.values, clip)].reset_index(drop=True)


def water(data: OsmData) -> gpd.GeoDataFrame:
    """Rivers (``waterway`` lines) and water areas as rivers-layer features (EPSG:4326).

    ``kind`` is 江 for names ending in 江, 水面 for unnamed/still water areas (lakes,
    ponds, reservoirs), else 河道. Features touching the clip area are kept whole.
    """
    src = provenance(data.timestamp)
    rows, geoms = [], []

    def kind_of(tags, is_area):
        name = _name(tags) or ""
        if name.endswith("江"):
            return "江"
        if is_area and tags.get("water") not in ("river", "canal", "stream") and \
                tags.get("waterway") != "riverbank":
            return "水面"
        return "河道"

    for wid, tags, lonlat in zip(data.ways["osm_id"], data.ways["tags"], data.ways["lonlat"]):
        if tags.get("waterway") in WATERWAYS and len(lonlat) >= 2:
            rows.append(_water_row(f"osm-w{wid}", int(wid), tags, kind_of(tags, False), src))
            geoms.append(shapely.linestrings(lonlat))

    def is_water_area(tags):
        return (tags.get("natural") == "water" or tags.get("waterway") == "riverbank"
                or tags.get("landuse") in ("reservoir", "basin"))

    for kind, oid, tags, poly in _area_features(data, is_water_area):
        rows.append(_water_row(f"osm-{kind}{oid}", oid, tags, kind_of(tags, True), src))
        geoms.append(poly)
    if not rows:
        return empty_layer("rivers")
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=STORAGE_CRS)
    return _clip_keep(gdf, data.clip_wgs84)


def _water_row(fid, oid, tags, kind, src):
    name = _name(tags)
    label = {"江": "江", "河道": "河道", "水面": "水面"}[kind]
    width = _number(tags.get("width"))
    return {"id": fid, "name": name or f"{label}（OSM {fid[4:]}）",
            "name_en": _name_en(tags) or name or f"Water (OSM {fid[4:]})",
            "source": src, "accuracy_m": OSM_ACCURACY_M, "estimated": False,
            "note": None if name else "OSM 无名称", "kind": kind,
            "width_m": width, "osm_id": oid}


def _number(text) -> float | None:
    if text is None:
        return None
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(m)?\s*$", str(text))
    return float(m.group(1)) if m else None


def buildings(data: OsmData) -> gpd.GeoDataFrame:
    """Buildings (EPSG:4326) with ``levels``, ``footprint_m2`` and ``floor_area_m2``.

    ``levels`` is ``building:levels``; else ``height`` / 3 m (rounded, ≥ 1); else
    :data:`DEFAULT_LEVELS` by building type — the last two set ``levels_estimated`` and
    ``estimated``. ``footprint_m2`` is the polygon area in :data:`TOWN_CRS`;
    ``floor_area_m2 = footprint_m2 × levels`` (gross, above ground).
    """
    src = provenance(data.timestamp)
    feats = _area_features(data, lambda t: t.get("building", "no") not in ("no", ""))
    if not feats:
        return empty_layer("buildings")
    rows, geoms = [], []
    for kind, oid, tags, poly in feats:
        btype = tags.get("building")
        levels = _number(tags.get("building:levels"))
        how = "building:levels"
        if levels is None or levels < 1:
            height = _number(tags.get("height"))
            if height is not None and height > 0:
                levels, how = max(1, round(height / STOREY_M)), "height"
            else:
                levels, how = DEFAULT_LEVELS.get(btype, DEFAULT_LEVELS["*"]), "default"
        levels = int(round(levels))
        name = _name(tags)
        label = "建筑" if btype == "yes" else f"建筑（{btype}）"
        rows.append({"id": f"osm-{kind}{oid}", "name": name or label,
                     "name_en": _name_en(tags) or name or f"Building ({btype})",
                     "source": src, "accuracy_m": OSM_ACCURACY_M, "estimated": how != "building:levels",
                     "note": {"building:levels": None,
                              "height": f"层数由高度 {tags.get('height')} 按每层 {STOREY_M:g} 米估算",
                              "default": f"OSM 无层数，按类型默认 {levels} 层（估计）"}[how],
                     "osm_id": oid, "building": btype, "levels": levels,
                     "levels_estimated": how != "building:levels",
                     "height_m": _number(tags.get("height"))})
        geoms.append(poly)
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=STORAGE_CRS)
    gdf = _clip_keep(gdf, data.clip_wgs84)
    area = gdf.to_crs(TOWN_CRS).area.to_numpy()
    gdf["footprint_m2"] = np.round(area, 1)
    gdf["floor_area_m2"] = np.round(area * gdf["levels"].to_numpy(), 1)
    return gdf[gdf["footprint_m2"] > 0].reset_index(drop=True)


# ---------------------------------------------------------------------------- POIs


@dataclass(frozen=True)
class PoiRule:
    """One row of the POI table: ``tags[key] == value`` (``*``: any key / any value) and
    the name containing one of ``name_contains`` (empty: any name) → ``facility_type``."""

    key: str
    value: str
    name_contains: tuple[str, ...]
    facility_type: str
    note: str = ""

    def matches(self, tags: dict) -> bool:
        if self.key == "*":
            hit = any(k in tags for k in POI_KEYS)
        else:
            hit = self.key in tags and self.value in ("*", tags[self.key])
        if not hit:
            return False
        if not self.name_contains:
            return True
        name = _name(tags) or ""
        return any(s in name for s in self.name_contains)


def read_poi_types(path=POI_TYPES_CSV, allowed_types=None) -> list[PoiRule]:
    """The planner's POI table (CSV, UTF-8): ``key,value,name_contains,facility_type,note``.

    Rules are tried in file order; the first match wins. ``name_contains`` lists plain
    substrings separated by ``|`` (not regular expressions). Every problem (unknown
    facility type, missing column, empty key) is collected and raised together.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OsmError(f"POI table '{path}' could not be read as UTF-8 text ({exc}).") from exc
    reader = csv.DictReader(text.splitlines())
    need = ["key", "value", "name_contains", "facility_type"]
    missing = [c for c in need if c not in (reader.fieldnames or [])]
    if missing:
        raise OsmError(f"POI table '{path.name}' lacks the column(s) {', '.join(missing)}; its "
                       f"header must be: {','.join(need)},note.")
    rules, problems = [], []
    for i, row in enumerate(reader, start=2):
        key, value = (row["key"] or "").strip(), (row["value"] or "").strip()
        ftype = (row["facility_type"] or "").strip()
        if not key or not value:
            problems.append(f"line {i}: key and value must not be empty (use * for any).")
            continue
        if allowed_types is not None and ftype not in allowed_types:
            problems.append(f"line {i}: facility type '{ftype}' is not one of the facilities "
                            f"layer's types ({', '.join(allowed_types)}).")
            continue
        names = tuple(s.strip() for s in (row["name_contains"] or "").split("|") if s.strip())
        rules.append(PoiRule(key, value, names, ftype, (row.get("note") or "").strip()))
    if problems:
        raise OsmError(f"POI table '{path.name}' has {len(problems)} problem(s):\n  - "
                       + "\n  - ".join(problems))
    return rules


def facility_type(tags: dict, rules: list[PoiRule]) -> str | None:
    """The facility type of a POI's tags under ``rules`` (first match), or None."""
    for rule in rules:
        if rule.matches(tags):
            return rule.facility_type
    return None


def pois(data: OsmData, rules: list[PoiRule]) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """POIs typed as facilities (points, EPSG:4326), and the POIs no rule types.

    POIs are tagged nodes and tagged closed ways (their representative point inside the
    clip area). Returns ``(facilities, untyped)``; ``untyped`` lists ``osm_id``, ``name``
    and the tag that made it a POI candidate, so the planner can extend the table.
    """
    src = provenance(data.timestamp)
    cands = [("n", int(i), t, shapely.Point(x, y)) for i, t, x, y in
             zip(data.nodes["osm_id"], data.nodes["tags"], data.nodes["lon"], data.nodes["lat"])]
    cands += [(k, oid, t, poly.point_on_surface()) for k, oid, t, poly in
              _area_features(data, lambda t: any(k in t for k in POI_KEYS))]
    rows, geoms, untyped = [], [], []
    for kind, oid, tags, pt in cands:
        if not shapely.contains(data.clip_wgs84, pt):
            continue
        ftype = facility_type(tags, rules)
        name = _name(tags)
        if ftype is None:
            key = next((k for k in POI_KEYS if k in tags), "")
            untyped.append({"osm_id": f"{kind}{oid}", "name": name, "tag": f"{key}={tags.get(key)}"})
            continue
        street = (tags.get("addr:street") or "").strip()
        address = (street + (tags.get("addr:housenumber") or "").strip()) or None
        fid = f"osm-{kind}{oid}"
        rows.append({"id": fid, "name": name or f"{ftype}（{street or 'OSM ' + fid[4:]}）",
                     "name_en": _name_en(tags) or name or f"{ftype} (OSM {fid[4:]})",
                     "source": src, "accuracy_m": OSM_ACCURACY_M, "estimated": False,
                     "note": None if name else "OSM 无名称（按类型与位置命名）",
                     "type": ftype, "state": "现有", "capacity": None, "capacity_unit": None,
                     "address": address, "osm_id": oid})
        geoms.append(pt)
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=STORAGE_CRS) if rows else empty_layer("facilities")
    return gdf, pd.DataFrame(untyped, columns=["osm_id", "name", "tag"])


# ---------------------------------------------------------------------------- boundary


def boundary_layer(data: OsmData, current: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The town boundary from the extract's relation (EPSG:4326), or an empty frame.

    ``reference_area_km2``/``reference_area_source`` are carried over from ``current``
    (they quote a published figure, not the geometry).
    """
    if data.boundary is None:
        return empty_layer("boundary")
    tags = data.boundary_tags
    area_km2 = float(_town_geom(data.boundary).area) / 1e6
    row = {"id": "songnan", "name": _name(tags) or BOUNDARY_NAME,
           "name_en": _name_en(tags) or "Songnan Town",
           "source": provenance(data.timestamp), "accuracy_m": OSM_ACCURACY_M,
           "estimated": False, "note": f"OSM 行政区划关系 r{data.boundary_osm_id}",
           "area_km2": round(area_km2, 2), "reference_area_km2": None,
           "reference_area_source": None, "osm_id": data.boundary_osm_id}
    if current is not None and len(current):
        for col in ("reference_area_km2", "reference_area_source"):
            if col in current.columns:
                val = current.iloc[0][col]
                row[col] = None if pd.isna(val) else val
    return gpd.GeoDataFrame([row], geometry=[data.boundary], crs=STORAGE_CRS)


# ---------------------------------------------------------------------------- schemas


def empty_layer(layer: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": pd.Series(dtype=str)}, geometry=[], crs=STORAGE_CRS)


_COMMON_FIELDS = ("id", "name", "name_en", "source", "accuracy_m", "estimated", "note")


def buildings_schema() -> dict:
    """Schema of the new ``buildings`` layer (written with the layer on first import): the
    common fields of every layer (as in the repository's roads schema) plus the building's
    own."""
    from songnan_geo.layers.io import DEFAULT_DATA_DIR, layer_schema  # noqa: PLC0415

    common = layer_schema("roads", DEFAULT_DATA_DIR)["properties"]
    own = {
        "osm_id": {"type": ["integer", "null"]},
        "building": {"type": ["string", "null"], "description": "OSM building=* value"},
        "levels": {"type": "integer", "minimum": 1, "description": "Storeys above ground"},
        "levels_estimated": {"type": "boolean",
                             "description": "True when levels come from height or a default"},
        "height_m": {"type": ["number", "null"], "minimum": 0},
        "footprint_m2": {"type": "number", "exclusiveMinimum": 0},
        "floor_area_m2": {"type": "number", "exclusiveMinimum": 0,
                          "description": "footprint_m2 × levels"},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Songnan layer 'buildings': feature properties",
        "type": "object",
        "properties": {**{k: common[k] for k in _COMMON_FIELDS}, **own},
        "required": [*_COMMON_FIELDS[:-1], "levels", "levels_estimated", "footprint_m2",
                     "floor_area_m2"],
        "additionalProperties": False,
    }


BUILDINGS_TITLES = {"zh": "建筑（OSM）", "en": "Buildings (OSM)"}
BUILDINGS_GEOMETRY_TYPES = ["Polygon", "MultiPolygon"]


# ---------------------------------------------------------------------------- build

