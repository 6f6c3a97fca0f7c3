"""Reading an OpenStreetMap extract: the passes over a ``.osm.pbf`` / ``.osm`` file with pyosmium.

:func:`read_extract` reads the town's administrative relation, the member ways of its
boundary and the nodes and ways inside the clip (the town plus a walking margin) into an
:class:`OsmData` (EPSG:4326, degrees). Why pyosmium, the passes and the measured cost are in
:mod:`songnan_geo.layers.osm`; the layers are built from :class:`OsmData` by
:mod:`songnan_geo.layers.osm_build`.
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from songnan_geo.coords.crs import STORAGE_CRS, TOWN_CRS

#: Name of the town's administrative relation.
BOUNDARY_NAME = "淞南镇"
#: Default walking margin around the town boundary, metres.
DEFAULT_MARGIN_M = 1000.0
#: Tag keys that make a node or area a candidate facility (POI).
POI_KEYS = ("amenity", "healthcare", "social_facility", "leisure")
_AREA_KEYS = ("building", "natural", "water", "waterway", "landuse", "leisure", "amenity",
              "healthcare", "social_facility")
#: A matched feature counts as moved when it lies farther than this from its old place, m.

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


def assemble_area(member_lines: list[tuple[list, str]]) -> shapely.Geometry | None:
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
                    boundary = assemble_area([(have[w], r) for w, r in town[2]])
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
    boundary = assemble_area([(coords.get(w, []), r) for w, r in town[2]])
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
    town is missed — segments of 1.5 km, which a city's streets do not have. Members of the
    town relation are kept wherever they run; untagged ways in the box are kept too (they may
    be multipolygon members).
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
            if any(k in tags for k in POI_KEYS):
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
