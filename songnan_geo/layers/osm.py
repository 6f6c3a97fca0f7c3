"""OpenStreetMap onboarding: read an extract, clip it to the town, build the town's layers.

An office downloads an OSM extract — a ``.osm.pbf`` (e.g. a Shanghai extract) or ``.osm``
XML (an Overpass export) — and :func:`build_from_extract` turns it into the layers the
tool analyses, clipped to the town boundary plus a walking margin:

* ``roads``: the **walking network** from OSM's own node topology. Every feature is one
  edge between two graph nodes (an OSM node shared by two walkable ways, or a way's end),
  with its OSM end-node ids ``u``/``v`` and ``length_m``; :meth:`songnan_geo.lifecircle.network.
  WalkNetwork.from_roads` joins features by those ids, never by geometry, so a footbridge
  over a road does not meet it;
* ``rivers``: waterways (lines) and water areas (polygons);
* ``buildings`` (a new layer on first import): footprints with levels and floor area
  (``footprint_m2 × levels``; a missing ``building:levels`` takes a default by building
  type and is flagged ``levels_estimated``/``estimated``);
* ``facilities``: POIs typed as life-circle facilities through the planner's table
  ``data/osm/poi_types.csv`` (see :func:`read_poi_types`); planned facilities of the
  current layer are kept;
* ``boundary``: the administrative relation named 淞南镇, when the extract has it.

Every feature carries the provenance ``© OpenStreetMap contributors, ODbL 1.0, extract of
<timestamp>`` (the header's ``osmosis_replication_timestamp``, else the newest object
read). :func:`diff_layers` previews the change against the current layers before anything
is written; :func:`write_layers` stores through :class:`songnan_geo.layers.layerstore.LayerStore`
(validated, atomic, undoable).

Why pyosmium
------------
The network must come from OSM's node topology, so the reader must give node ids and
each way's node references, from both PBF and XML.

* GDAL's OSM driver (through pyogrio, already installed) reads both formats but returns
  finished geometries in the layers ``points``/``lines``/``multipolygons``/
  ``other_relations``: the node ids of a line's vertices are gone, so the network could
  only be rebuilt by noding geometry — which joins a bridge to the road under it.
* osmnx's ``graph_from_xml`` reads XML only (a Shanghai PBF would need converting), pyrosm
  reads PBF only, and quackosm needs DuckDB and converts to GeoParquet first.
* pyosmium (``osmium`` on PyPI, BSD-2-Clause, bindings of libosmium, Boost licence) reads
  both formats with way node refs and locations (``with_locations``), filters in C++
  (untagged nodes never reach Python), skips the blocks of object types a pass does not
  ask for, and can also *write* PBF — which the tests and the benchmark use to build
  extracts. One dependency, permissive licence, no network.

Passes over the file: with the current boundary as the first guess of the clip (the
command and the page), the relations (in a forked process on the command line) and the
nodes and ways in the clip box are read at the same time; with no current boundary, the
relations, then the town relation's member ways, then the nodes and ways. Measured on a
generated Shanghai-sized extract (10.2 M nodes, 1.9 M ways; ``benchmarks/osm_extract.py``):
30 s and 0.6 GB (+0.35 GB for the relation process) to clip and build the town on 2 cores.

CRS: OSM is WGS84 longitude/latitude (EPSG:4326); lengths, areas, buffers and the clip are
computed in :data:`songnan_geo.coords.crs.TOWN_CRS` (metres); layers are returned in EPSG:4326.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from songnan_geo.coords.crs import STORAGE_CRS, TOWN_CRS
from songnan_geo.layers.osm_build import (
    BUILDINGS_GEOMETRY_TYPES,
    BUILDINGS_TITLES,
    POI_TYPES_CSV,
    UNNAMED_ROAD,
    boundary_layer,
    buildings,
    buildings_schema,
    empty_layer,
    pois,
    provenance,
    read_poi_types,
    walking_network,
    water,
)
from songnan_geo.layers.osm_read import BOUNDARY_NAME, DEFAULT_MARGIN_M, OsmError, read_extract

#: A matched feature counts as moved when it lies farther than this from its old place, m.
DEFAULT_MOVED_M = 50.0
#: Layers the command can build.
LAYERS = ("roads", "water", "buildings", "pois", "boundary")
#: Layer of the data folder each built layer goes to.
TARGET_LAYER = {"roads": "roads", "water": "rivers", "buildings": "buildings",
                "pois": "facilities", "boundary": "boundary"}


@dataclass
class OsmBuild:
    """The layers built from one extract (EPSG:4326), keyed by target layer name
    (``roads``, ``rivers``, ``buildings``, ``facilities``, ``boundary``)."""

    layers: dict[str, gpd.GeoDataFrame]
    timestamp: str
    source: str
    boundary_from: str                       # "relation r…" or "current boundary layer"
    clip_wgs84: shapely.Geometry
    untyped_pois: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: dict[str, str] = field(default_factory=dict)  # layer → SKIP_REASONS code


#: Why a requested layer was not built (code → English text; the UI has its own words).
SKIP_REASONS = {
    "no_relation": f"the extract has no administrative relation named {BOUNDARY_NAME}; the "
                   "current boundary is kept and was used for the clip.",
    "no_features": "the extract has no such features in the town and its margin.",
}


def parse_layers(text: str | None) -> list[str]:
    """``"roads,water"`` → ``["roads", "water"]``; unknown names raise :class:`OsmError`."""
    if not text:
        return list(LAYERS)
    names = [s.strip() for s in text.split(",") if s.strip()]
    bad = [n for n in names if n not in LAYERS]
    if bad or not names:
        raise OsmError(f"unknown layer(s) {', '.join(bad) or '(none)'}; choose from "
                       f"{','.join(LAYERS)}.")
    return list(dict.fromkeys(names))


def build_from_extract(path, current: dict[str, gpd.GeoDataFrame] | None = None, *,
                       layers=LAYERS, margin_m: float = DEFAULT_MARGIN_M,
                       poi_table=POI_TYPES_CSV, allowed_types=None,
                       keep_planned: bool = True) -> OsmBuild:
    """Read an extract and build the requested layers, clipped to the town + ``margin_m``.

    Parameters
    ----------
    path : str or Path
        The OSM extract (PBF or XML).
    current : dict of GeoDataFrame, optional
        The data folder's current layers (``songnan_geo.layers.io.load_all_layers``): its
        ``boundary`` is the clip area when the extract has no 淞南镇 relation, and its
        planned facilities (``state == "规划"``) are kept when ``keep_planned``.
    layers : iterable of str
        Any of :data:`LAYERS`.
    margin_m : float, default 1000
        Walking margin around the boundary, metres (TOWN_CRS).
    poi_table : path, default ``data/osm/poi_types.csv``
    allowed_types : list of str, optional
        Facility types the table may use (the facilities schema's enum).
    """
    current = current or {}
    layers = list(layers)
    hint = None
    if "boundary" in current and len(current["boundary"]):
        hint = shapely.union_all(current["boundary"].to_crs(STORAGE_CRS).geometry.values)
    rules = read_poi_types(poi_table, allowed_types) if "pois" in layers else []
    data = read_extract(path, clip_hint_wgs84=hint, margin_m=margin_m)
    out, skipped = {}, {}
    untyped = pd.DataFrame(columns=["osm_id", "name", "tag"])
    if "roads" in layers:
        out["roads"] = walking_network(data)
    if "water" in layers:
        out["rivers"] = water(data)
    if "buildings" in layers:
        out["buildings"] = buildings(data)
    if "pois" in layers:
        fac, untyped = pois(data, rules)
        cur = current.get("facilities")
        if keep_planned and cur is not None and len(cur) and "state" in cur.columns:
            planned = cur[cur["state"] == "规划"].to_crs(STORAGE_CRS)
            if len(planned):
                fac = gpd.GeoDataFrame(pd.concat([fac, planned], ignore_index=True),
                                       geometry="geometry", crs=STORAGE_CRS)
        if "osm_id" in fac.columns:
            fac["osm_id"] = fac["osm_id"].astype("Int64")
        out["facilities"] = fac
    if "boundary" in layers:
        if data.boundary is None:
            skipped["boundary"] = "no_relation"
        else:
            out["boundary"] = boundary_layer(data, current.get("boundary"))
    for name in list(out):
        if len(out[name]) == 0:
            skipped[name] = "no_features"
            del out[name]
    return OsmBuild(layers=out, timestamp=data.timestamp, source=provenance(data.timestamp),
                    boundary_from=(f"relation r{data.boundary_osm_id}" if data.boundary is not None
                                   else "current boundary layer"),
                    clip_wgs84=data.clip_wgs84, untyped_pois=untyped, skipped=skipped)


# ---------------------------------------------------------------------------- diff


DIFF_COLUMNS = ["layer", "change", "id", "name", "matched_by", "shift_m", "features"]


def _shift_m(old_town, new_town) -> float:
    """How far the old geometry lies from the new one: the largest distance from any point
    of the old (densified every 10 m) to the new, metres."""
    if old_town.geom_type == "Point" and new_town.geom_type == "Point":
        return float(old_town.distance(new_town))
    if old_town.geom_type in ("Polygon", "MultiPolygon"):
        old_town, new_town = old_town.boundary, new_town.boundary
    pts = shapely.points(shapely.get_coordinates(shapely.segmentize(old_town, 10.0)))
    return float(shapely.distance(pts, new_town).max())


def diff_layer(layer: str, current: gpd.GeoDataFrame | None, new: gpd.GeoDataFrame,
               moved_m: float = DEFAULT_MOVED_M) -> pd.DataFrame:
    """Added, removed, moved and kept features of one layer (a preview; writes nothing).

    Features are matched by ``id`` (OSM ids are ``osm-n…``/``osm-w…``/``osm-r…``), then by
    ``name``. Roads are compared per name (all features of a road together; unnamed OSM
    ways are summarised per road class). ``shift_m`` is the largest distance from the old
    geometry to the new one (:data:`TOWN_CRS`, metres); ``moved`` when it exceeds
    ``moved_m``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DIFF_COLUMNS`; ``features`` counts the features a row stands for.
    """
    cur = current if current is not None else empty_layer(layer)
    cur_t = cur.to_crs(TOWN_CRS) if len(cur) else cur
    new_t = new.to_crs(TOWN_CRS) if len(new) else new
    rows = []
    if layer == "roads":
        def keyed(gdf):
            if not len(gdf):
                return {}, {}
            unnamed = gdf["note"].eq(UNNAMED_ROAD) if "note" in gdf.columns else \
                pd.Series(False, index=gdf.index)
            key = gdf["name"].where(~unnamed, "（无名 " + gdf["road_class"].astype(str) + "）")
            groups = gdf.groupby(key)
            return ({k: shapely.union_all(g.geometry.values) for k, g in groups},
                    groups.size().to_dict())

        groups_new, counts_new = keyed(new_t)
        groups_cur, counts_cur = keyed(cur_t)
        for name, geom in groups_cur.items():
            if name in groups_new:
                shift = _shift_m(geom, groups_new[name])
                rows.append((layer, "moved" if shift > moved_m else "kept", None, name,
                             "road class" if name.startswith("（无名") else "name",
                             round(shift, 1), counts_new[name]))
            else:
                rows.append((layer, "removed", None, name, "", None, counts_cur[name]))
        for name in groups_new:
            if name not in groups_cur:
                rows.append((layer, "added", None, name, "", None, counts_new[name]))
        return pd.DataFrame(rows, columns=DIFF_COLUMNS)
    cur_ids = dict(zip(cur_t["id"], range(len(cur_t)))) if len(cur_t) else {}
    cur_name_col = cur_t["name"].tolist() if len(cur_t) and "name" in cur_t.columns else \
        [None] * len(cur_t)
    cur_names: dict[str, list[int]] = {}
    for i, n in enumerate(cur_name_col):
        cur_names.setdefault(n, []).append(i)
    cur_geoms = cur_t.geometry.values if len(cur_t) else []
    new_ids = new_t["id"].tolist() if len(new_t) else []
    new_names = new_t["name"].tolist() if len(new_t) and "name" in new_t.columns else \
        [None] * len(new_ids)
    new_geoms = new_t.geometry.values if len(new_t) else []
    used = set()
    for j, (fid, name) in enumerate(zip(new_ids, new_names)):
        i, how = cur_ids.get(fid), "id"
        if i is None or i in used:
            i, how = next((k for k in cur_names.get(name, []) if k not in used), None), "name"
        if i is None:
            rows.append((layer, "added", fid, name, "", None, 1))
            continue
        used.add(i)
        shift = _shift_m(cur_geoms[i], new_geoms[j])
        rows.append((layer, "moved" if shift > moved_m else "kept", fid, name, how,
                     round(shift, 1), 1))
    for i in range(len(cur_t)):
        if i not in used:
            rows.append((layer, "removed", cur_t["id"].iloc[i], cur_name_col[i], "", None, 1))
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


def diff_layers(build: OsmBuild, current: dict[str, gpd.GeoDataFrame],
                moved_m: float = DEFAULT_MOVED_M) -> pd.DataFrame:
    """:func:`diff_layer` for every built layer, in one frame."""
    frames = [diff_layer(name, current.get(name), gdf, moved_m)
              for name, gdf in build.layers.items()]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=DIFF_COLUMNS)


def diff_summary(diff: pd.DataFrame) -> pd.DataFrame:
    """Per layer: features added, removed, moved and kept (counts of features)."""
    if len(diff) == 0:
        return pd.DataFrame(columns=["added", "removed", "moved", "kept"])
    table = diff.pivot_table(index="layer", columns="change", values="features",
                             aggfunc="sum", fill_value=0)
    for c in ("added", "removed", "moved", "kept"):
        if c not in table.columns:
            table[c] = 0
    return table[["added", "removed", "moved", "kept"]].astype(int)


def demand_snap_m(roads: gpd.GeoDataFrame, residential: gpd.GeoDataFrame,
                  cell_m: float = 25.0) -> dict:
    """How far residents start from the walking network: the straight-line "snap" of the
    residential demand points (:func:`songnan_geo.lifecircle.coverage.population_grid`, ``cell_m``
    grid, weighted by ``population`` when present) to ``roads``, metres (TOWN_CRS).

    Returns ``{"points", "median_m", "weighted_median_m", "p90_m"}`` — the off-network part
    that every walking distance adds; compare before and after an import.
    """
    from songnan_geo.lifecircle.coverage import population_grid  # noqa: PLC0415
    from songnan_geo.lifecircle.network import WalkNetwork  # noqa: PLC0415

    net = WalkNetwork.from_roads(roads)
    weight = "population" if "population" in residential.columns else None
    grid = population_grid(residential, cell_m=cell_m, weight=weight)
    snap = net.snap(grid.get_coordinates().to_numpy()).snap_m
    w = grid["weight"].to_numpy(float)
    order = np.argsort(snap)
    cum = np.cumsum(w[order])
    wmed = float(snap[order][min(np.searchsorted(cum, cum[-1] / 2), len(snap) - 1)]) \
        if len(snap) and cum[-1] > 0 else float("nan")
    return {"points": int(len(snap)), "median_m": round(float(np.median(snap)), 1),
            "weighted_median_m": round(wmed, 1),
            "p90_m": round(float(np.percentile(snap, 90)), 1)}


@dataclass
class OsmPreview:
    """What an editor sees before anything is written (see :func:`preview_extract`)."""

    build: OsmBuild
    diff: pd.DataFrame          # :data:`DIFF_COLUMNS`
    summary: pd.DataFrame       # per layer: added, removed, moved, kept
    snap_before: dict | None    # :func:`demand_snap_m` on the current roads
    snap_after: dict | None     # … on the new walking network


def preview_extract(path, current: dict[str, gpd.GeoDataFrame], *, layers=LAYERS,
                    margin_m: float = DEFAULT_MARGIN_M, moved_m: float = DEFAULT_MOVED_M,
                    poi_table=POI_TYPES_CSV, allowed_types=None) -> OsmPreview:
    """Build from an extract and compare with ``current`` — the one call behind the
    command's and the 数据管理 page's preview. Writes nothing.

    ``path`` is the extract on disk (an upload must be saved to a temporary file with its
    own suffix, ``.osm.pbf`` or ``.osm``: libosmium picks the format by the name).
    """
    build = build_from_extract(path, current, layers=layers, margin_m=margin_m,
                               poi_table=poi_table, allowed_types=allowed_types)
    diff = diff_layers(build, current, moved_m=moved_m)
    before = after = None
    res, roads = current.get("residential"), current.get("roads")
    if "roads" in build.layers and res is not None and len(res):
        after = demand_snap_m(build.layers["roads"], res)
        if roads is not None and len(roads):
            before = demand_snap_m(roads, res)
    return OsmPreview(build, diff, diff_summary(diff), before, after)


# ---------------------------------------------------------------------------- writing


def check_layers(build: OsmBuild, store) -> list:
    """Validate every built layer against the data folder's schema (or, for a new
    ``buildings`` layer, :func:`buildings_schema`); return all problems of all layers
    (:class:`songnan_geo.layers.io.Problem`), so that nothing is written when any layer fails."""
    from songnan_geo.layers.io import feature_collection, validate_feature_collection  # noqa: PLC0415

    manifest = store.manifest()["layers"]
    problems, old = [], []
    for name, gdf in build.layers.items():
        if name in manifest:
            schema = store.schema(name)
            lacking = [c for c in gdf.columns
                       if c != gdf.geometry.name and c not in schema.get("properties", {})]
            if lacking:
                old.append(f"{name} (lacks {', '.join(lacking)})")
    if old:
        raise OsmError(
            f"the data folder's schema of {'; '.join(old)} predates OpenStreetMap import, "
            "so nothing was stored. Copy the repository's data/geo/schema/*.schema.json into "
            f"{store.data_dir / 'schema'} (or make a fresh editable copy) and run again.")
    for name, gdf in build.layers.items():
        if name in manifest:
            schema, gtypes = store.schema(name), manifest[name]["geometry_types"]
        elif name == "buildings":
            schema, gtypes = buildings_schema(), BUILDINGS_GEOMETRY_TYPES
        else:
            raise OsmError(f"the data folder has no layer '{name}'.")
        doc = feature_collection(gdf, list(schema.get("properties", {})))
        problems += validate_feature_collection(doc, f"{name} (OSM)", schema, gtypes)
    return problems


def store_save(store, name: str, gdf: gpd.GeoDataFrame, *, new: bool, note: str,
               editor, base_version: str):
    """Store one built layer through the layer store (``save_import``: validated, atomic,
    undoable, refused without a logged-in ``editor`` or when the layer changed since
    ``base_version``). Returns the store's operation."""
    kwargs = dict(new=new, note=note)
    if new:
        kwargs.update(schema=buildings_schema(), geometry_types=BUILDINGS_GEOMETRY_TYPES,
                      titles=BUILDINGS_TITLES)
    return store.save_import(name, gdf, **kwargs, editor=editor, base_version=base_version)


def store_undo(store, editor, op_id: str | None = None):
    """Undo the store's latest operation (``op_id``: only if it still is that one)."""
    return store.undo(editor=editor, op_id=op_id)


def layer_versions(store, names) -> dict:
    """The store's version of each layer, read before the preview (``""``: not there yet)."""
    return {n: store.layer_version(n) for n in names}


def write_layers(build: OsmBuild, store, *, editor, base_versions: dict,
                 extract_name: str = "extract") -> list:
    """Validate every built layer, then store each (one undoable operation per layer).

    Nothing is written when any layer has a problem: :class:`songnan_geo.layers.io.
    LayerValidationError` lists them all (:class:`OsmError` when the folder's schemas
    predate the OSM fields). Returns the store's operations, in order;
    undo them (latest first) with :func:`store_undo`.
    """
    from songnan_geo.layers.io import LayerValidationError  # noqa: PLC0415

    problems = check_layers(build, store)
    if problems:
        raise LayerValidationError(problems)
    manifest = store.manifest()["layers"]
    ops = []
    for name, gdf in build.layers.items():
        ops.append(store_save(store, name, gdf, new=name not in manifest,
                              note=f"OSM {extract_name} ({build.timestamp})", editor=editor,
                              base_version=base_versions[name]))
    return ops
