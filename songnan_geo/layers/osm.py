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

import csv
import datetime as _dt
import inspect
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from songnan_geo.coords.crs import STORAGE_CRS, TOWN_CRS

#: Name of the town's administrative relation.
BOUNDARY_NAME = "淞南镇"
#: Default walking margin around the town boundary, metres.
DEFAULT_MARGIN_M = 1000.0
#: A matched feature counts as moved when it lies farther than this from its old place, m.
DEFAULT_MOVED_M = 50.0
#: Layers the command can build.
LAYERS = ("roads", "water", "buildings", "pois", "boundary")
#: Layer of the data folder each built layer goes to.
TARGET_LAYER = {"roads": "roads", "water": "rivers", "buildings": "buildings",
                "pois": "facilities", "boundary": "boundary"}
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

_POI_KEYS = ("amenity", "healthcare", "social_facility", "leisure")
_AREA_KEYS = ("building", "natural", "water", "waterway", "landuse", "leisure", "amenity",
              "healthcare", "social_facility")


_UNNAMED_ROAD = "OSM 无名称（按道路类型命名）"


class OsmError(ValueError):
    """The extract cannot be read or does not give what was asked; nothing is written."""


# ---------------------------------------------------------------------------- reading


@dataclass
class OsmData:
    """What the reader kept of an extract (EPSG:4326, degrees).

    ``ways`` has one row per kept way: ``osm_id``, ``tags`` (dict), ``refs`` (int64 node
    ids) and ``lonlat`` ((n, 2) float; vertices whose node is missing from the extract are
    dropped together with their ref). ``nodes`` has tagged nodes: ``osm_id``, ``tags``,
    ``lon``, ``lat``. ``relations`` has multipolygon-like relations: ``osm_id``, ``tags``,
    ``members`` (list of (way id, role)).
    """

    ways: pd.DataFrame
    nodes: pd.DataFrame
    relations: pd.DataFrame
    boundary: shapely.Geometry | None      # the town relation's area, EPSG:4326
    boundary_osm_id: int | None
    boundary_tags: dict
    timestamp: str                          # ISO 8601, UTC, "Z"
    clip_wgs84: shapely.Geometry            # the clip area, EPSG:4326
    cache: dict = field(default_factory=dict, repr=False)   # built once per extract


def _import_osmium():
    try:
        import osmium  # noqa: PLC0415 — optional at import time of the package
    except ImportError as exc:  # pragma: no cover - pinned in requirements.txt
        raise OsmError("reading OSM extracts needs the 'osmium' package (pip install "
                       "osmium==4.3.2).") from exc
    return osmium


def _iso(ts) -> str | None:
    if ts is None:
        return None
    if isinstance(ts, str):
        ts = ts.strip()
        if not ts:
            return None
        try:
            ts = _dt.datetime.fromisoformat(ts.replace("Z", "+00:00"))
        except ValueError:
            return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=_dt.UTC)
    if ts.year < 2000:  # unset timestamps read as 1970
        return None
    return ts.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _apply(osmium, path: Path, entities, locations: bool, *handlers) -> None:
    """Run ``handlers`` over the file, decoding only ``entities`` (libosmium skips the rest;
    ``SimpleHandler.apply_file`` would decode every object), with node locations stored
    for the ways when ``locations``."""
    reader = osmium.io.Reader(str(path), entities)
    try:
        if locations:
            index = osmium.index.create_map("flex_mem")
            locs = osmium.NodeLocationsForWays(index)
            locs.ignore_errors()   # a way's node missing from the extract: skipped, no crash
            handlers = (locs, *handlers)
        osmium.apply(reader, *handlers)
    finally:
        reader.close()


def _read_relations(osmium, path: Path, boundary_name: str):
    """Pass 1: the town's relation and multipolygon relations of interest.

    Only relations pass libosmium's filters (type=multipolygon/boundary or
    boundary=administrative); nodes and ways are skipped undecoded."""
    town, rels = [], []

    class _Rels(osmium.SimpleHandler):
        def relation(self, rel):
            tags = rel.tags
            rtype = tags.get("type")
            if rtype == "multipolygon":
                if any(k in tags for k in _AREA_KEYS):
                    rels.append((rel.id, dict(tags), rel.timestamp,
                                 [(m.ref, m.role) for m in rel.members if m.type == "w"]))
            elif tags.get("name") == boundary_name and not town and (
                    rtype == "boundary" or tags.get("boundary") == "administrative"):
                town.append((rel.id, dict(tags),
                             [(m.ref, m.role) for m in rel.members if m.type == "w"],
                             rel.timestamp))

    _apply(osmium, path, osmium.osm.RELATION, False,
           osmium.filter.TagFilter(("type", "multipolygon"), ("type", "boundary"),
                                   ("boundary", "administrative")), _Rels())
    return (town[0] if town else None,
            pd.DataFrame(rels, columns=["osm_id", "tags", "timestamp", "members"]))


def _relations_job(path: str, boundary_name: str):
    """:func:`_read_relations` in a worker process (runs beside the main pass)."""
    return _read_relations(_import_osmium(), Path(path), boundary_name)


def _start_relations(path: Path, boundary_name: str):
    """Start the relation pass in a forked process; return its future, or None when this
    process runs other threads (a Streamlit server): a fork could inherit their held locks,
    and a spawned child would re-run the ``__main__`` script — the pass then runs here,
    after the main one."""
    import concurrent.futures  # noqa: PLC0415
    import multiprocessing  # noqa: PLC0415
    import threading  # noqa: PLC0415

    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    pool = concurrent.futures.ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("fork"))
    future = pool.submit(_relations_job, str(path), boundary_name)
    pool.shutdown(wait=False)
    return future


_INVALID_XY = 1_800_000_000  # |x| beyond 180° (in 1e-7°) marks a missing node location


def _way_nodes(way):
    """Node ids and x, y (integers, 1e-7°) of a way's nodes whose location is known.

    Goes through the C++ node list directly (``_pyosmium_data.nodes()``; pyosmium 4.3,
    pinned): iterating ``way.nodes`` costs about twice as much per node.
    """
    buf = way._pyosmium_data
    lst = buf.nodes()
    get = lst.get
    refs, xs, ys = [], [], []
    for i in range(lst.size(buf)):
        r = get(buf, i)
        loc = r.location
        refs.append(r.ref)
        xs.append(loc.x)
        ys.append(loc.y)
    if xs and (max(xs) > _INVALID_XY or min(xs) < -_INVALID_XY or max(ys) > _INVALID_XY // 2
               or min(ys) < -_INVALID_XY // 2):
        keep = [i for i in range(len(xs)) if abs(xs[i]) <= _INVALID_XY
                and abs(ys[i]) <= _INVALID_XY // 2]
        refs, xs, ys = [refs[i] for i in keep], [xs[i] for i in keep], [ys[i] for i in keep]
    return refs, xs, ys


def _as_arrays(refs, xs, ys):
    return np.array(refs, dtype=np.int64), np.array((xs, ys), dtype=float).T * 1e-7


def _way_lonlat(way):
    """Node ids (int64) and lon/lat ((n, 2) float) of a way's located nodes."""
    return _as_arrays(*_way_nodes(way))


def _read_member_ways(osmium, path: Path, way_ids: set[int]) -> dict[int, list]:
    """Pass 2 (only without a clip hint): coordinates of the given ways."""
    out = {}

    class _Members(osmium.SimpleHandler):
        def way(self, w):
            out[w.id] = _way_lonlat(w)[1]

    _apply(osmium, path, osmium.osm.NODE | osmium.osm.WAY, True,
           osmium.filter.EntityFilter(osmium.osm.WAY),
           osmium.filter.IdFilter(way_ids).enable_for(osmium.osm.WAY), _Members())
    return out


def _assemble_area(member_lines: list[tuple[list, str]]) -> shapely.Geometry | None:
    """An area from member ways ``[(lonlat list, role)]``: outer rings minus inner rings."""
    outer = [shapely.linestrings(np.asarray(c)) for c, role in member_lines
             if len(c) >= 2 and role != "inner"]
    inner = [shapely.linestrings(np.asarray(c)) for c, role in member_lines
             if len(c) >= 2 and role == "inner"]
    if not outer:
        return None
    area = shapely.unary_union(list(shapely.get_parts(shapely.polygonize(outer))))
    if inner:
        holes = shapely.unary_union(list(shapely.get_parts(shapely.polygonize(inner))))
        area = area.difference(holes)
    return None if area.is_empty else shapely.make_valid(area)


def _town_buffer_wgs84(area_wgs84: shapely.Geometry, margin_m: float) -> shapely.Geometry:
    to_town = Transformer.from_crs(STORAGE_CRS, TOWN_CRS, always_xy=True)
    to_wgs = Transformer.from_crs(TOWN_CRS, STORAGE_CRS, always_xy=True)
    town = shapely.transform(area_wgs84, lambda xy: np.c_[to_town.transform(xy[:, 0], xy[:, 1])])
    clip = town.buffer(margin_m) if margin_m > 0 else town
    return shapely.transform(clip, lambda xy: np.c_[to_wgs.transform(xy[:, 0], xy[:, 1])])


_WAY_KEYS = ("highway", "building", "waterway", "natural", "water", "boundary", "landuse",
             "leisure", "amenity", "healthcare", "social_facility")


def _wanted_way(tags) -> bool:
    return any(k in tags for k in _WAY_KEYS)


def read_extract(path, *, clip_hint_wgs84: shapely.Geometry | None = None,
                 margin_m: float = DEFAULT_MARGIN_M, boundary_name: str = BOUNDARY_NAME,
                 parallel: bool = True) -> OsmData:
    """Read the parts of an OSM extract that lie in the town plus ``margin_m``.

    Parameters
    ----------
    path : str or Path
        ``.osm.pbf``, ``.osm`` (XML; also ``.osm.gz``/``.osm.bz2``).
    clip_hint_wgs84 : shapely geometry, optional
        The current town boundary (EPSG:4326). The clip area is the extract's relation
        named ``boundary_name`` when it has one, else this; either is buffered by
        ``margin_m``. With neither, :class:`OsmError`.
    margin_m : float, default 1000
        Walking margin around the town, metres (in :data:`TOWN_CRS`).
    boundary_name : str, default "淞南镇"
        ``name`` of the administrative relation of the town.
    parallel : bool, default True
        With a hint, read the relations in a forked second process while this one reads
        the nodes and ways (the machine's second core); only in a single-threaded process
        (the command line), never in a server with threads.

    Returns
    -------
    OsmData
    """
    path = Path(path)
    if not path.is_file():
        raise OsmError(f"extract '{path}' does not exist; give the path of a .osm.pbf or "
                       ".osm file.")
    if not (margin_m >= 0 and math.isfinite(margin_m)):
        raise OsmError(f"margin_m is {margin_m!r}; give a walking margin in metres ≥ 0.")
    osmium = _import_osmium()
    no_ring = (f"the relation {boundary_name} has no closed outer ring in this extract; "
               "export it with its member ways and their nodes.")
    try:
        header = osmium.io.Reader(str(path), osmium.osm.NOTHING).header()
        header_ts = _iso(header.get("osmosis_replication_timestamp")) or \
            _iso(header.get("timestamp"))
        boundary = None
        if clip_hint_wgs84 is not None:
            # Two passes at once: relations (another process) and everything in the
            # hint's clip box (here); a third only if the relation reaches beyond the hint.
            clip = _town_buffer_wgs84(clip_hint_wgs84, margin_m)
            future = _start_relations(path, boundary_name) if parallel else None
            ways, nodes = _read_main(osmium, path, clip, set())
            town, rels = future.result() if future is not None else \
                _read_relations(osmium, path, boundary_name)
            if town is not None:
                member_ids = {w for w, _ in town[2]}
                have = dict(zip(ways["osm_id"], ways["lonlat"])) if len(ways) else {}
                if member_ids <= set(have):
                    boundary = _assemble_area([(have[w], r) for w, r in town[2]])
                if boundary is None or not clip.buffer(1e-9).contains(
                        _town_buffer_wgs84(boundary, margin_m)):
                    boundary, clip, ways, nodes = _read_by_relation(osmium, path, town,
                                                                    margin_m, no_ring)
                else:
                    clip = _town_buffer_wgs84(boundary, margin_m)
        else:
            town, rels = _read_relations(osmium, path, boundary_name)
            if town is None:
                raise OsmError(f"the extract has no administrative relation named "
                               f"{boundary_name} and no current town boundary was given: run "
                               "it against a data folder with a boundary layer, or use an "
                               "extract with the relation.")
            member_ids = {w for w, _ in town[2]}
            boundary, clip, ways, nodes = _read_by_relation(osmium, path, town, margin_m,
                                                            no_ring)
    except OsmError:
        raise
    except RuntimeError as exc:  # libosmium: unreadable / truncated / unknown format
        raise OsmError(f"extract '{path.name}' could not be read as OSM data ({exc}). Give an "
                       "OSM PBF (.osm.pbf) or XML (.osm) file.") from exc
    rel_ts = list(rels["timestamp"])
    stamps = [t for t in (list(ways["timestamp"]) + list(nodes["timestamp"]) + rel_ts
                          + [town[3] if town else None]) if t is not None]
    timestamp = header_ts or (_iso(max(stamps)) if stamps else None)
    if timestamp is None:
        raise OsmError(f"extract '{path.name}' has no timestamp (no replication timestamp in "
                       "its header and none on its objects); the provenance needs the date of "
                       "the extract. Export it with metadata.")
    return OsmData(ways=ways, nodes=nodes, relations=rels, boundary=boundary,
                   boundary_osm_id=town[0] if town else None,
                   boundary_tags=town[1] if town else {}, timestamp=timestamp,
                   clip_wgs84=clip)


def _read_by_relation(osmium, path: Path, town, margin_m: float, no_ring: str):
    """The town relation's member ways → its area → the clip → the main pass."""
    member_ids = {w for w, _ in town[2]}
    coords = _read_member_ways(osmium, path, member_ids)
    boundary = _assemble_area([(coords.get(w, []), r) for w, r in town[2]])
    if boundary is None:
        raise OsmError(no_ring)
    clip = _town_buffer_wgs84(boundary, margin_m)
    return (boundary, clip, *_read_main(osmium, path, clip, member_ids))


#: Ways with fewer nodes than this are tested by their two end nodes against the clip box
#: grown by :data:`PREFILTER_M`; longer ways by their whole box (see :func:`_read_main`).
LONG_WAY_NODES = 16
#: Growth of the clip box for the end-node test of short ways, metres.
PREFILTER_M = 1500.0


def _read_main(osmium, path: Path, clip: shapely.Geometry, member_ids: set[int]):
    """Pass 3: tagged nodes and wanted ways whose box meets the clip box (with locations).

    Speed matters here (a Shanghai extract has ~1.5 M ways, almost all far from the
    town), so each way is first tested cheaply: a way with fewer than
    :data:`LONG_WAY_NODES` nodes is read only when the box of its first, middle and last
    node meets the clip box grown by :data:`PREFILTER_M` (exact for ways of 2 or 3
    nodes); a longer way by its whole box (libosmium builds its WKB). A way of 4–15 nodes
    whose other nodes reach more than 1.5 km beyond the box of those three and into the
    town is missed — segments of 1.5 km, which a city's streets do not have. Members of the town relation are kept wherever they
    run; untagged ways in the box are kept too (they may be multipolygon members).
    """
    minx, miny, maxx, maxy = clip.bounds
    pad_lat = PREFILTER_M / 110_000.0
    pad_lon = PREFILTER_M / (110_000.0 * max(math.cos(math.radians(max(abs(miny), abs(maxy)))),
                                             0.1))
    # osmium Location.x/.y are integers in 1e-7 degrees (invalid ones fall far outside).
    ex = [int((minx - pad_lon) * 1e7), int((miny - pad_lat) * 1e7),
          int((maxx + pad_lon) * 1e7), int((maxy + pad_lat) * 1e7)]
    box = [math.floor(minx * 1e7), math.floor(miny * 1e7), math.ceil(maxx * 1e7),
           math.ceil(maxy * 1e7)]
    wkb = osmium.geom.WKBFactory()
    ways, nodes = [], []

    class _Main(osmium.SimpleHandler):
        def way(self, w):
            wid = w.id
            forced = wid in member_ids       # the town's boundary: wherever it runs
            if not forced:
                # pyosmium 4.3 internals (pinned): the C++ node list without the Python
                # wrappers of ``w.nodes`` — this test runs for every way of the extract.
                buf = w._pyosmium_data
                lst = buf.nodes()
                n = lst.size(buf)
                if n < 2:
                    return
                if n < LONG_WAY_NODES:
                    get = lst.get
                    a, m, b = (get(buf, 0).location, get(buf, n // 2).location,
                               get(buf, n - 1).location)
                    ax, mx, bx_, ay, my, by = a.x, m.x, b.x, a.y, m.y, b.y
                    if (max(ax, mx, bx_) < ex[0] or min(ax, mx, bx_) > ex[2]
                            or max(ay, my, by) < ex[1] or min(ay, my, by) > ex[3]):
                        return
                else:
                    try:
                        bx = shapely.bounds(shapely.from_wkb(wkb.create_linestring(w)))
                        if bx[2] < minx or bx[0] > maxx or bx[3] < miny or bx[1] > maxy:
                            return
                    except Exception:  # noqa: BLE001 - missing node locations: test below
                        pass
                tags = w.tags
                if len(tags) and not _wanted_way(tags):
                    return      # untagged ways stay: they may be multipolygon members
            refs, xs, ys = _way_nodes(w)
            if not xs:
                return
            # The way's box meets the clip box (a long river may have no vertex inside).
            if not forced and (max(xs) < box[0] or min(xs) > box[2] or max(ys) < box[1]
                               or min(ys) > box[3]):
                return
            refs, lonlat = _as_arrays(refs, xs, ys)
            ways.append((wid, dict(w.tags), refs, lonlat, w.timestamp))

        def node(self, n):
            loc = n.location
            if not (ex[0] <= loc.x <= ex[2] and ex[1] <= loc.y <= ex[3]):
                return
            tags = n.tags
            if any(k in tags for k in _POI_KEYS):
                nodes.append((n.id, dict(tags), loc.lon, loc.lat, n.timestamp))

    _apply(osmium, path, osmium.osm.NODE | osmium.osm.WAY, True,
           osmium.filter.EmptyTagFilter().enable_for(osmium.osm.NODE), _Main())
    ways = pd.DataFrame(ways, columns=["osm_id", "tags", "refs", "lonlat", "timestamp"])
    nodes = pd.DataFrame(nodes, columns=["osm_id", "tags", "lon", "lat", "timestamp"])
    if len(nodes):
        inside = shapely.contains_xy(clip, nodes["lon"].to_numpy(), nodes["lat"].to_numpy())
        nodes = nodes[inside].reset_index(drop=True)
    return ways, nodes


# ---------------------------------------------------------------------------- helpers


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
        return _empty("roads")
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
                         "note": None if name else _UNNAMED_ROAD,
                         "road_class": road_class, "segment_of": name or f"osm-w{wid}",
                         "osm_id": int(wid), "highway": hw,
                         "u": int(refs[a]), "v": int(refs[b])})
            geoms.append(lonlat[a:b + 1])
    if not rows:
        return _empty("roads")
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
        area = _assemble_area([(coords[w], r) for w, r in members])
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
        return _empty("rivers")
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
        return _empty("buildings")
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
            hit = any(k in tags for k in _POI_KEYS)
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
              _area_features(data, lambda t: any(k in t for k in _POI_KEYS))]
    rows, geoms, untyped = [], [], []
    for kind, oid, tags, pt in cands:
        if not shapely.contains(data.clip_wgs84, pt):
            continue
        ftype = facility_type(tags, rules)
        name = _name(tags)
        if ftype is None:
            key = next((k for k in _POI_KEYS if k in tags), "")
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
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=STORAGE_CRS) if rows else _empty("facilities")
    return gdf, pd.DataFrame(untyped, columns=["osm_id", "name", "tag"])


# ---------------------------------------------------------------------------- boundary


def boundary_layer(data: OsmData, current: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The town boundary from the extract's relation (EPSG:4326), or an empty frame.

    ``reference_area_km2``/``reference_area_source`` are carried over from ``current``
    (they quote a published figure, not the geometry).
    """
    if data.boundary is None:
        return _empty("boundary")
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


def _empty(layer: str) -> gpd.GeoDataFrame:
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
    cur = current if current is not None else _empty(layer)
    cur_t = cur.to_crs(TOWN_CRS) if len(cur) else cur
    new_t = new.to_crs(TOWN_CRS) if len(new) else new
    rows = []
    if layer == "roads":
        def keyed(gdf):
            if not len(gdf):
                return {}, {}
            unnamed = gdf["note"].eq(_UNNAMED_ROAD) if "note" in gdf.columns else \
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
    from songnan_geo.layers.io import validate_feature_collection  # noqa: PLC0415
    from songnan_geo.layers.layerstore import feature_collection  # noqa: PLC0415

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
               editor=None, base_version=None):
    """The one place that calls the layer store (its API is changing: ``save_import(...,
    *, editor, base_version)``). Returns the store's operation."""
    kwargs = dict(new=new, note=note)
    if new:
        kwargs.update(schema=buildings_schema(), geometry_types=BUILDINGS_GEOMETRY_TYPES,
                      titles=BUILDINGS_TITLES)
    params = inspect.signature(store.save_import).parameters
    if "editor" in params:
        kwargs["editor"] = editor
    if "base_version" in params:
        kwargs["base_version"] = base_version
    return store.save_import(name, gdf, **kwargs)


def store_undo(store, editor=None):
    """Undo the store's latest operation (adapts to ``undo(*, editor)``)."""
    if "editor" in inspect.signature(store.undo).parameters:
        return store.undo(editor=editor)
    return store.undo()


def layer_versions(store, names) -> dict:
    """The store's version of each layer (``layer_version(name)``; None before that API)."""
    fn = getattr(store, "layer_version", None)
    return {n: (fn(n) if fn is not None and n in store.manifest()["layers"] else None)
            for n in names}


def write_layers(build: OsmBuild, store, *, editor=None, base_versions: dict | None = None,
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
    base_versions = base_versions or {}
    manifest = store.manifest()["layers"]
    ops = []
    for name, gdf in build.layers.items():
        ops.append(store_save(store, name, gdf, new=name not in manifest,
                              note=f"OSM {extract_name} ({build.timestamp})", editor=editor,
                              base_version=base_versions.get(name)))
    return ops
