"""Coverage of residents by facilities: within a service distance or not, and how far.

Every distance is in metres in a metric CRS: geographic inputs are projected to
:data:`songnan_geo.coords.crs.TOWN_CRS`; projected inputs (in metres) are used as they are,
the facilities reprojected to the demand's CRS. Results keep the demand's own
geometry and CRS.

Two methods:

``euclidean``
    Straight-line distance. Points: a KD-tree (:class:`scipy.spatial.cKDTree`) when
    facilities are points, else :class:`shapely.STRtree` nearest queries (exact
    distance to a facility polygon, 0 inside it). Polygons: the covered share is the
    area of the polygon inside the union of the service areas (facility geometry
    buffered by its radius) divided by its area.
``network``
    Walking distance along the roads (:class:`songnan_geo.lifecircle.network.WalkNetwork`),
    including the straight-line access to the nearest road at both ends (``snap_m``).
    Polygons are represented by a regular grid of points inside them
    (:func:`population_grid`), each carrying an equal part of the polygon's weight;
    the covered share is the share of those points within the radius.

A facility's service distance (``radius_m``) is one number, a mapping from facility
type to metres (a standard, see :mod:`songnan_geo.lifecircle.standards`) or one number per
facility. A demand feature is ``covered`` when any part of it is within the radius
of some facility (distance ≤ radius: a facility exactly on the radius counts);
``covered_share`` is 0–1 (1 or 0 for points); ``covered_pop`` = ``covered_share`` ×
weight; ``nearest_m`` is the distance to the nearest facility of any radius.
"""
from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.spatial import cKDTree

from songnan_geo.coords.crs import TOWN_CRS, require_crs
from songnan_geo.lifecircle.network import DEFAULT_WALK_SPEED_KMH, WalkNetwork, walk_minutes

METHODS = ("euclidean", "network")
#: Default grid cell for spreading a polygon's population (metres).
DEFAULT_CELL_M = 25.0
#: Segments per quarter circle of a buffer: the polygon's area is within 0.01 % of the
#: circle's.
QUAD_SEGS = 64

OUTPUT_COLUMNS = ("covered", "covered_share", "covered_pop", "nearest_m")


# --------------------------------------------------------------------------- inputs

def metric_crs(gdf: gpd.GeoDataFrame, arg: str = "demand") -> CRS:
    """The CRS to compute ``gdf``'s distances in: TOWN_CRS if geographic, else its own.

    Raises ``ValueError`` when the CRS is missing or projected in units other than
    metres (naming ``arg`` and the fix).
    """
    require_crs(gdf, arg)
    crs = CRS.from_user_input(gdf.crs)
    if crs.is_geographic:
        return TOWN_CRS
    units = {a.unit_name for a in crs.axis_info}
    if not units <= {"metre", "meter"}:
        raise ValueError(f"{arg} is in {crs.name} with units {', '.join(sorted(units))}; "
                         "distances need metres. Reproject it with .to_crs(...) to a metric CRS "
                         "or to EPSG:4326 (it is then projected to the town's CRS).")
    return crs


def projected_geoms(gdf: gpd.GeoDataFrame, crs: CRS, arg: str) -> np.ndarray:
    """The geometries of ``gdf`` in ``crs``, checked: every row has one.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any CRS set on it (a frame without a CRS is refused, never guessed).
    crs : pyproj.CRS
        The metric CRS of the analysis (``TOWN_CRS``); ``gdf`` is transformed with ``to_crs``
        when it differs.
    arg : str
        The argument's name, for the messages.

    Returns
    -------
    numpy.ndarray of shapely geometries, in ``crs`` (metres).

    Raises
    ------
    TypeError, ValueError
        Not a GeoDataFrame; no CRS; rows with missing or empty geometry (the rows are named).
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{arg} is a {type(gdf).__name__}; pass a geopandas.GeoDataFrame.")
    require_crs(gdf, arg)
    geoms = gdf.geometry.to_crs(crs).values.to_numpy() if not CRS.from_user_input(
        gdf.crs).equals(crs) else gdf.geometry.values.to_numpy()
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if bad.any():
        raise ValueError(f"{arg} has {int(bad.sum())} feature(s) with no geometry (rows "
                         f"{', '.join(map(str, np.flatnonzero(bad)[:10]))}); drop or fix them.")
    return geoms


def facility_radius_m(facilities: gpd.GeoDataFrame, radius_m, type_field: str = "type") -> np.ndarray:
    """Service distance (metres) of each facility.

    Parameters
    ----------
    facilities : GeoDataFrame
    radius_m : float, mapping of type → float, or array-like of floats
        One distance for all; per ``facilities[type_field]`` value (a standard); or one
        per facility.
    type_field : str, default "type"

    Raises
    ------
    ValueError
        If a distance is not positive, or a facility's type has no distance (the
        message lists the types and how to fix it).
    """
    n = len(facilities)
    if isinstance(radius_m, Mapping):
        if type_field not in facilities.columns:
            raise ValueError(f"radius_m is given per facility type but facilities has no "
                             f"'{type_field}' column; pass one radius_m for all or name the type "
                             "column with type_field.")
        types = facilities[type_field].astype(str)
        missing = sorted(set(types) - set(map(str, radius_m)))
        if missing:
            raise ValueError(f"radius_m has no distance for facility type(s) {', '.join(missing)}; "
                             "add them to the standard (e.g. the custom standard) or leave those "
                             "facilities out.")
        r = types.map({str(k): float(v) for k, v in radius_m.items()}).to_numpy(float)
    elif np.ndim(radius_m) == 0:
        r = np.full(n, float(radius_m))
    else:
        r = np.asarray(radius_m, dtype=float)
        if r.shape != (n,):
            raise ValueError(f"radius_m has {r.size} values for {n} facilities; give one "
                             "number, one per facility, or a mapping by type.")
    if n and not (np.isfinite(r).all() and (r > 0).all()):
        raise ValueError("radius_m must be positive distances in metres (got "
                         f"{sorted(set(r[~(np.isfinite(r) & (r > 0))].tolist()))[:5]}).")
    return r


# --------------------------------------------------------------------------- euclidean core

def point_coverage(demand_xy, facility_xy, radius_m: float, workers: int = -1):
    """Coverage and nearest distance of points by point facilities (KD-tree).

    Parameters
    ----------
    demand_xy : array (n, 2), facility_xy : array (k, 2)
        Coordinates in metres (one metric CRS).
    radius_m : float
        Service distance, metres; a point at exactly this distance is covered.
    workers : int, default -1
        Threads for the query (-1: all cores).

    Returns
    -------
    covered : bool ndarray (n,)
    nearest_m : float ndarray (n,) — ``inf`` when there is no facility
    nearest : int ndarray (n,) — index into ``facility_xy`` (-1 when none)
    """
    demand_xy = np.asarray(demand_xy, dtype=float).reshape(-1, 2)
    facility_xy = np.asarray(facility_xy, dtype=float).reshape(-1, 2)
    if len(facility_xy) == 0:
        n = len(demand_xy)
        return np.zeros(n, bool), np.full(n, np.inf), np.full(n, -1)
    dist, idx = cKDTree(facility_xy).query(demand_xy, k=1, workers=workers)
    return dist <= radius_m, dist, idx


def _nearest(demand_geoms: np.ndarray, fac_geoms: np.ndarray):
    """Nearest facility distance (metres) and index for any geometry types."""
    n = len(demand_geoms)
    if len(fac_geoms) == 0:
        return np.full(n, np.inf), np.full(n, -1)
    if (shapely.get_type_id(fac_geoms) == 0).all() and (shapely.get_type_id(demand_geoms) == 0).all():
        _, d, i = point_coverage(shapely.get_coordinates(demand_geoms),
                                 shapely.get_coordinates(fac_geoms), 0.0)
        return d, i
    (src, tgt), d = shapely.STRtree(fac_geoms).query_nearest(
        demand_geoms, return_distance=True, all_matches=False)
    dist, idx = np.full(n, np.inf), np.full(n, -1)
    dist[src], idx[src] = d, tgt
    return dist, idx


def _by_radius(radius: np.ndarray):
    """(radius, facility positions) for each distinct radius."""
    for r in np.unique(radius):
        yield float(r), np.flatnonzero(radius == r)


def _euclidean(demand: np.ndarray, fac: np.ndarray, radius: np.ndarray):
    """covered, covered_share, nearest_m, nearest index (metric geometries)."""
    n = len(demand)
    covered = np.zeros(n, bool)
    nearest_m, nearest = _nearest(demand, fac)
    for r, sel in _by_radius(radius):
        d, _ = _nearest(demand, fac[sel]) if len(sel) < len(fac) else (nearest_m, None)
        covered |= d <= r
    share = covered.astype(float)
    is_area = shapely.get_dimensions(demand) == 2
    todo = np.flatnonzero(is_area & covered)
    if len(todo):
        service = shapely.union_all(shapely.buffer(fac, radius, quad_segs=QUAD_SEGS))
        shapely.prepare(service)
        area = shapely.area(demand[todo])
        inside = shapely.area(shapely.intersection(demand[todo], service))
        share[todo] = np.clip(np.where(area > 0, inside / np.where(area > 0, area, 1), 1.0), 0, 1)
    return covered, share, nearest_m, nearest


# --------------------------------------------------------------------------- grid

def population_grid(areas: gpd.GeoDataFrame, cell_m: float = DEFAULT_CELL_M,
                    weight: str | None = None) -> gpd.GeoDataFrame:
    """Points spreading each polygon's weight evenly over its area.

    The points are the centres of a regular ``cell_m`` grid (aligned to multiples of
    ``cell_m`` in the metric CRS) that fall inside each polygon; a polygon too small to
    hold a centre gets its representative point. Each point carries
    ``weight / points in its polygon`` (areal weighting at grid resolution).

    Parameters
    ----------
    areas : GeoDataFrame
        Polygons (e.g. the 居委 residential areas), any CRS with a CRS set.
    cell_m : float, default 25
        Grid spacing, metres.
    weight : str, optional
        Column to spread (e.g. ``"population"``); default 1 per polygon.

    Returns
    -------
    GeoDataFrame
        Points in the metric CRS (TOWN_CRS for geographic input) with ``area_index``
        (row position in ``areas``) and ``weight``.
    """
    if not cell_m > 0:
        raise ValueError(f"cell_m is {cell_m!r}; give a grid spacing in metres > 0 (e.g. 25).")
    crs = metric_crs(areas, "areas")
    polys = projected_geoms(areas, crs, "areas")
    w = demand_weights(areas, weight, "areas")
    bounds = shapely.bounds(polys)
    x0 = np.floor(bounds[:, 0] / cell_m) * cell_m
    y0 = np.floor(bounds[:, 1] / cell_m) * cell_m
    nx = np.maximum(np.ceil((bounds[:, 2] - x0) / cell_m).astype(np.int64), 1)
    ny = np.maximum(np.ceil((bounds[:, 3] - y0) / cell_m).astype(np.int64), 1)
    count = nx * ny
    if count.sum() > 50_000_000:
        raise ValueError(f"areas at cell_m={cell_m} would need {count.sum():,} grid points; use a "
                         "larger cell_m.")
    owner = np.repeat(np.arange(len(polys)), count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    x = x0[owner] + (k % nx[owner] + 0.5) * cell_m
    y = y0[owner] + (k // nx[owner] + 0.5) * cell_m
    shapely.prepare(polys)
    inside = shapely.contains_xy(polys[owner], x, y)
    owner, x, y = owner[inside], x[inside], y[inside]
    empty = np.setdiff1d(np.arange(len(polys)), owner)
    if len(empty):
        rep = shapely.get_coordinates(shapely.point_on_surface(polys[empty]))
        owner = np.concatenate([owner, empty])
        x = np.concatenate([x, rep[:, 0]])
        y = np.concatenate([y, rep[:, 1]])
    per = np.bincount(owner, minlength=len(polys))
    pw = w[owner] / per[owner]
    return gpd.GeoDataFrame({"area_index": owner, "weight": pw},
                            geometry=shapely.points(x, y), crs=crs)


def demand_weights(gdf: gpd.GeoDataFrame, weight: str | None, arg: str) -> np.ndarray:
    """The weight of each row of ``gdf`` (people, m² of residential land): ``weight`` column or 1.

    Parameters
    ----------
    gdf : GeoDataFrame
    weight : str or None
        Column of non-negative numbers; ``None`` counts every row once.
    arg : str
        The argument's name, for the messages.

    Raises
    ------
    ValueError
        The column is missing, or holds values that are not non-negative numbers (rows named).
    """
    if weight is None:
        return np.ones(len(gdf))
    if weight not in gdf.columns:
        raise ValueError(f"weight field '{weight}' is not a column of {arg}. Columns: "
                         f"{', '.join(c for c in gdf.columns if c != gdf.geometry.name)}.")
    w = pd.to_numeric(gdf[weight], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise ValueError(f"weight field '{weight}' of {arg} has {int(bad.sum())} value(s) that are "
                         "not non-negative numbers (rows "
                         f"{', '.join(map(str, np.flatnonzero(bad)[:10]))}); fix or fill them.")
    return w


# --------------------------------------------------------------------------- network core

def access_points(network: WalkNetwork, geoms: np.ndarray) -> np.ndarray:
    """Where each facility meets the network, as (k, 2) metres.

    Points are themselves; a polygon or line enters at its point nearest to the road
    network (so a road crossing a park reaches it with no extra walk).
    """
    xy = np.zeros((len(geoms), 2))
    pts = shapely.get_type_id(geoms) == 0
    if pts.any():
        xy[pts] = shapely.get_coordinates(geoms[pts])
    other = np.flatnonzero(~pts)
    if len(other):
        (_, edge), _ = network._edge_tree.query_nearest(geoms[other], all_matches=False,
                                                        return_distance=True)
        line = shapely.shortest_line(geoms[other], network.edge_geoms[edge])
        xy[other] = shapely.get_coordinates(shapely.get_point(line, 0))
    return xy


def _network(demand: np.ndarray, fac: np.ndarray, radius: np.ndarray, network: WalkNetwork,
             cell_m: float):
    """covered, covered_share, nearest_m (walk), nearest index, snap_m for demand geometries."""
    n = len(demand)
    fxy = access_points(network, fac)
    is_pt = shapely.get_type_id(demand) == 0
    # Demand sample points: points as they are, polygons/lines on the grid.
    owner = np.flatnonzero(is_pt)
    pxy = shapely.get_coordinates(demand[is_pt]) if is_pt.any() else np.zeros((0, 2))
    pw = np.ones(len(owner))
    if (~is_pt).any():
        idx = np.flatnonzero(~is_pt)
        sub = demand[idx]
        lines = shapely.get_dimensions(sub) < 2
        if lines.any():  # a line stands for the thin strip along it
            sub = sub.copy()
            sub[lines] = shapely.buffer(sub[lines], cell_m / 2)
        grid = population_grid(gpd.GeoDataFrame(geometry=sub, crs=TOWN_CRS), cell_m)
        owner = np.concatenate([owner, idx[grid["area_index"].to_numpy()]])
        pxy = np.concatenate([pxy, shapely.get_coordinates(grid.geometry.values.to_numpy())])
        pw = np.concatenate([pw, grid["weight"].to_numpy()])
    psnap = network.snap(pxy)
    walk, snap_m, near = network.point_distance_m(pxy, fxy, snap=psnap)
    covered_pt = np.zeros(len(owner), bool)
    for r, sel in _by_radius(radius):
        d = walk if len(sel) == len(fac) else network.point_distance_m(pxy, fxy[sel], snap=psnap)[0]
        covered_pt |= d <= r
    covered = np.bincount(owner, weights=covered_pt, minlength=n) > 0
    share = (np.bincount(owner, weights=pw * covered_pt, minlength=n)
             / np.maximum(np.bincount(owner, weights=pw, minlength=n), 1e-300))
    order = np.lexsort((walk, owner))
    first = np.ones(len(order), bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    best = order[first]
    nearest_m = np.full(n, np.inf)
    nearest = np.full(n, -1)
    snap = np.full(n, np.nan)
    nearest_m[owner[best]] = walk[best]
    nearest[owner[best]] = near[best]
    snap[owner[best]] = snap_m[best]
    return covered, np.clip(share, 0, 1), nearest_m, nearest, snap


# --------------------------------------------------------------------------- public API

def coverage(demand: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, radius_m,
             method: str = "euclidean", network: WalkNetwork | None = None,
             weight: str | None = None, type_field: str = "type",
             cell_m: float = DEFAULT_CELL_M,
             walk_speed_kmh: float = DEFAULT_WALK_SPEED_KMH) -> gpd.GeoDataFrame:
    """Coverage of every demand feature by the facilities.

    Parameters
    ----------
    demand : GeoDataFrame
        Points or polygons (e.g. 居委 areas); CRS required.
    facilities : GeoDataFrame
        Points or polygons; CRS required (reprojected to the demand's metric CRS).
    radius_m : float, mapping type → float, or array-like
        Service distance in metres (see :func:`facility_radius_m`).
    method : {"euclidean", "network"}
    network : WalkNetwork, required for ``method="network"``
        Built from the roads (:meth:`WalkNetwork.from_roads`); distances are then
        computed in the network's CRS (:data:`TOWN_CRS`).
    weight : str, optional
        Demand column (e.g. ``"population"``) multiplied by ``covered_share`` into
        ``covered_pop``.
    cell_m : float, default 25
        Grid spacing (metres) used for polygons with the network method.
    walk_speed_kmh : float, default 4.5
        For ``walk_min`` (network method).

    Returns
    -------
    GeoDataFrame
        The demand rows (attributes and geometry in their own CRS) plus ``covered``
        (bool), ``covered_share`` (0–1), ``covered_pop`` (when ``weight``), ``nearest_m``
        (metres; walking metres with the network method) and ``nearest_index`` (row
        position in ``facilities``, -1 if none); with the network method also
        ``walk_min`` and ``snap_m`` (straight-line metres from the demand point, or the
        polygon's best grid point, to the nearest road — included in ``nearest_m``).
    """
    if method not in METHODS:
        raise ValueError(f"method is {method!r}; use one of {', '.join(METHODS)}.")
    crs = metric_crs(demand, "demand")
    if method == "network":
        if not isinstance(network, WalkNetwork):
            raise ValueError("method='network' needs network=WalkNetwork.from_roads(roads); "
                             "pass the roads layer (or use method='euclidean').")
        crs = CRS.from_user_input(network.crs)  # walk in the network's own metric CRS
    dgeom = projected_geoms(demand, crs, "demand")
    fgeom = projected_geoms(facilities, crs, "facilities")
    radius = facility_radius_m(facilities, radius_m, type_field)
    w = demand_weights(demand, weight, "demand")
    out = demand.copy()
    if method == "network":
        covered, share, nearest_m, nearest, snap = _network(dgeom, fgeom, radius, network, cell_m)
    else:
        covered, share, nearest_m, nearest = _euclidean(dgeom, fgeom, radius)
    out["covered"] = covered
    out["covered_share"] = share
    if weight is not None:
        out["covered_pop"] = share * w
    out["nearest_m"] = nearest_m
    out["nearest_index"] = nearest
    if method == "network":
        out["walk_min"] = walk_minutes(nearest_m, walk_speed_kmh)
        out["snap_m"] = snap
    return out


def coverage_summary(result: pd.DataFrame, weight: str | None = None) -> dict:
    """Total weight, covered weight and covered share of a :func:`coverage` result.

    Without ``weight`` every feature weighs 1 (so covered weight is the sum of covered
    shares). Returns ``{"total": float, "covered": float, "share": float}`` (share is
    0 when the total is 0).
    """
    w = np.ones(len(result)) if weight is None else pd.to_numeric(result[weight]).to_numpy(float)
    total = float(w.sum())
    covered = float((result["covered_share"].to_numpy(float) * w).sum())
    return {"total": total, "covered": covered, "share": covered / total if total > 0 else 0.0}


def coverage_by_area(residential: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, radius_m,
                     method: str = "euclidean", network: WalkNetwork | None = None,
                     pop_field: str = "population", **kwargs) -> gpd.GeoDataFrame:
    """Population covered in each 居委 (area): :func:`coverage` weighted by ``pop_field``.

    The population of a 居委 is taken as spread evenly over its residential polygon,
    so ``covered_pop`` = population × covered share of the area. Returns the
    :func:`coverage` columns (``covered_pop`` in persons).
    """
    return coverage(residential, facilities, radius_m, method=method, network=network,
                    weight=pop_field, **kwargs)


def service_areas(facilities: gpd.GeoDataFrame, radius_m, method: str = "euclidean",
                  network: WalkNetwork | None = None, type_field: str = "type",
                  cell_m: float = DEFAULT_CELL_M) -> gpd.GeoDataFrame:
    """Service areas dissolved per facility type (or per radius when no type column).

    Euclidean: the facilities buffered by their radius. Network: the isochrone of the
    walking budget (:meth:`WalkNetwork.isochrone`, on a ``cell_m`` grid). Returns a GeoDataFrame with
    ``group``, ``radius_m``, ``facilities`` (count), ``area_km2`` and the polygon, in
    the facilities' metric CRS (TOWN_CRS for geographic input).
    """
    if method not in METHODS:
        raise ValueError(f"method is {method!r}; use one of {', '.join(METHODS)}.")
    crs = metric_crs(facilities, "facilities")
    fgeom = projected_geoms(facilities, crs, "facilities")
    radius = facility_radius_m(facilities, radius_m, type_field)
    if type_field in facilities.columns:
        group = facilities[type_field].astype(str).to_numpy()
    else:
        group = np.array([f"{r:g} m" for r in radius])
    if method == "network" and not isinstance(network, WalkNetwork):
        raise ValueError("method='network' needs network=WalkNetwork.from_roads(roads).")
    rows = []
    if method == "network" and len(fgeom):
        fxy = access_points(network, fgeom)
        # One grid over every reachable place, snapped once, shared by all isochrones.
        grid = network.grid((*(fxy.min(axis=0) - radius.max()), *(fxy.max(axis=0) + radius.max())),
                            cell_m)
    for g in dict.fromkeys(group):
        sel = np.flatnonzero(group == g)
        r = radius[sel]
        if method == "network":
            geom = shapely.union_all([network.isochrone(fxy[sel][r == rr], rr, grid=grid)
                                      for rr in np.unique(r)])
        else:
            geom = shapely.union_all(shapely.buffer(fgeom[sel], r, quad_segs=16))
        rows.append({"group": g, "radius_m": float(r.max()), "facilities": len(sel),
                     "area_km2": shapely.area(geom) / 1e6, "geometry": geom})
    if not rows:
        return gpd.GeoDataFrame({"group": [], "radius_m": [], "facilities": [], "area_km2": []},
                                geometry=[], crs=crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def uncovered_parts(areas: gpd.GeoDataFrame, service: gpd.GeoDataFrame,
                    keep: tuple[str, ...] = ("id", "name")) -> gpd.GeoDataFrame:
    """The parts of each area outside every service area (empty parts dropped).

    Both inputs need a CRS; the result is in ``areas``' metric CRS, with the ``keep``
    columns of ``areas`` and ``area_m2`` (square metres).
    """
    crs = metric_crs(areas, "areas")
    geoms = projected_geoms(areas, crs, "areas")
    cover = (shapely.union_all(projected_geoms(service, crs, "service")) if len(service)
             else shapely.Polygon())
    rest = shapely.difference(geoms, cover) if not cover.is_empty else geoms
    area = shapely.area(rest)
    mask = area > 1.0  # slivers under 1 m² are drawing noise
    cols = {c: areas[c].to_numpy()[mask] for c in keep if c in areas.columns}
    return gpd.GeoDataFrame({**cols, "area_m2": area[mask]}, geometry=rest[mask], crs=crs)
