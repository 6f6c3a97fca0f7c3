"""Datum-offset detection: do the features sit where GCJ-02/BD-09 would put them?

Compares the imported features with stored ones (same id or name, else the nearest point)
as read and as re-read in each other datum; offers the conversion that brings them on.
Distances in metres on a local equirectangular plane (EPSG:4326 input).
"""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from songnan_geo.coords.chinacoords import DATUMS, convert_lonlat
from songnan_geo.layers.import_model import LayerTarget, Offer, is_empty
from songnan_geo.text.import_messages import msg

#: A datum offset is reported when the median distance to the matched features is at least
#: this far as read, and the conversion brings it within OFFSET_FIXED_M (or a third).
OFFSET_MIN_M = 200.0


OFFSET_FIXED_M = 60.0


def move_datum(geoms, src: str, dst: str):
    def f(xy):
        out = xy.copy()
        out[:, 0], out[:, 1] = convert_lonlat(xy[:, 0], xy[:, 1], src, dst)
        return out
    return shapely.transform(geoms, f)


def _points_m(geoms, lat0: float) -> np.ndarray:
    """Representative points of ``geoms`` as local east/north metres (equirectangular)."""
    pts = shapely.get_coordinates(shapely.centroid(np.asarray(geoms, dtype=object)))
    r = 6371008.8
    return np.column_stack([np.radians(pts[:, 0]) * r * math.cos(math.radians(lat0)),
                            np.radians(pts[:, 1]) * r])


def _reference_pairs(gdf, target) -> tuple[list[int], list, str]:
    """Pairs (imported row, reference geometry) by id, else by name; and how they were found."""
    pools = []
    if target.existing is not None and len(target.existing):
        pools.append(target.existing)
    pools += [g for g in target.references.values() if g is not None and len(g)]
    for key in ("id", "name"):
        if key not in gdf.columns:
            continue
        lookup = {}
        for pool in pools:
            if key in pool.columns:
                for v, g in zip(pool[key], pool.geometry):
                    if not is_empty(v) and g is not None and not g.is_empty:
                        lookup.setdefault(str(v), g)
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        rows, refs = [], []
        for i, v in enumerate(gdf[key].tolist()):
            if usable[i] and not is_empty(v) and (ref := lookup.get(str(v))) is not None:
                rows.append(i)
                refs.append(ref)
        if rows:
            return rows, refs, key
    return [], [], ""


def detect_datum_offset(raw, base_datum: str, gdf: gpd.GeoDataFrame, target: LayerTarget
                        ) -> Offer | None:
    """Offer another datum if it puts the features onto the features they match.

    ``raw`` are the geometries as read (lon/lat in ``base_datum``), ``gdf`` the features as
    interpreted (WGS84). For each other datum the features are re-read as if in it and
    compared with the stored features of the same id or name, else with the nearest
    stored point (stations, facilities…, within 2 km). An offer is made when, as read, the
    median distance is at least :data:`OFFSET_MIN_M` and re-read it is within
    :data:`OFFSET_FIXED_M` (or a third of it).
    """
    geoms = gdf.geometry.values
    arr = np.asarray(geoms, dtype=object)
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr)) & shapely.is_valid(arr)
    if not ok.any():
        return None
    lat0 = float(np.nanmean(shapely.get_coordinates(geoms[ok])[:, 1]))
    rows, refs, how = _reference_pairs(gdf, target)
    ref_pts = None
    if not rows:
        pool = [g for layer in target.references.values() if layer is not None
                for g in layer.geometry if g is not None and g.geom_type == "Point"]
        if target.existing is not None:
            pool += [g for g in target.existing.geometry if g is not None and g.geom_type == "Point"]
        if len(pool) < 3:
            return None
        ref_pts = _points_m(pool, lat0)
        rows = list(np.flatnonzero(ok))
        how = "nearest"

    def score(candidate) -> tuple[float, float, float]:
        pts = _points_m(candidate[rows], lat0)
        if ref_pts is None:
            ref = _points_m(refs, lat0)
        else:
            nearest = np.empty(len(pts), dtype=int)
            step = max(1, 4_000_000 // max(len(ref_pts), 1))  # bounded memory: chunks
            for a in range(0, len(pts), step):
                d2 = ((pts[a:a + step, None, :] - ref_pts[None, :, :]) ** 2).sum(axis=2)
                nearest[a:a + step] = d2.argmin(axis=1)
            ref = ref_pts[nearest]
        delta = pts - ref
        dist = np.hypot(delta[:, 0], delta[:, 1])
        if ref_pts is not None:
            near = dist < 2000
            if near.sum() < 3:
                return math.inf, 0.0, 0.0
            delta, dist = delta[near], dist[near]
        return float(np.median(dist)), float(np.median(delta[:, 0])), float(np.median(delta[:, 1]))

    as_read = score(geoms)
    if not math.isfinite(as_read[0]) or as_read[0] < OFFSET_MIN_M:
        return None
    best = None
    for alt in DATUMS:
        if alt == base_datum:
            continue
        cand = score(move_datum(raw, alt, "wgs84"))
        if cand[0] <= max(OFFSET_FIXED_M, as_read[0] / 3) and (best is None or cand[0] < best[1][0]):
            best = (alt, cand)
    if best is None:
        return None
    alt, cand = best
    de, dn = as_read[1], as_read[2]
    direction = msg("offset_direction", east_m=abs(de), ew=msg("east" if de >= 0 else "west"),
                    north_m=abs(dn), ns=msg("north" if dn >= 0 else "south"))
    return Offer("convert_datum",
                 msg("offer_convert_datum", median_m=as_read[0], direction=direction,
                     matched=msg(f"matched_{how}"), datum=msg(f"datum_{alt}"), fixed_m=cand[0]),
                 {"crs": alt})

