"""Which part of 一心三线 (the centre and the three industry belts) a feature lies in.

Membership is computed from geometry in the town's metric CRS (:data:`TOWN_CRS`): a
polygon belongs to the zone it overlaps most (ties and overlaps between the centre and a
belt go to the larger overlap); a point to the zone that contains it. Features outside every
zone get ``None``.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from songnan_geo.coords.crs import require_same_crs, to_town_crs


def zone_membership(features: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
                    min_share: float = 0.10) -> pd.Series:
    """Zone id for every feature.

    Parameters
    ----------
    features : GeoDataFrame
        Points or polygons, in any CRS shared with ``zones`` (usually EPSG:4326).
    zones : GeoDataFrame
        The ``zones`` layer, with an ``id`` column.
    min_share : float
        A polygon belongs to a zone only if at least this share (0–1) of its area lies in it.

    Returns
    -------
    pandas.Series
        Indexed like ``features``: the zone ``id`` or ``None``.
    """
    require_same_crs(features, zones, "features", "zones")
    if "id" not in zones.columns:
        raise ValueError("zones has no 'id' column; pass the zones layer (load_layer('zones')).")
    if not 0 <= min_share <= 1:
        raise ValueError(f"min_share must be between 0 and 1, got {min_share}.")
    f = to_town_crs(features, "features").geometry.to_numpy()
    z = to_town_crs(zones, "zones")
    zgeom, zarea, zid = z.geometry.to_numpy(), z.geometry.area.to_numpy(), z["id"].to_numpy()
    out = np.full(len(f), None, dtype=object)
    valid = ~(shapely.is_missing(f) | shapely.is_empty(f))
    points = valid & (shapely.get_type_id(f) == 0)
    # points: the smallest containing zone is the most specific (the centre inside a belt)
    fi, zi = containing_zones(f, z)
    keep = points[fi]
    fi, zi = fi[keep], zi[keep]
    if len(fi):
        order = np.lexsort((zarea[zi], fi))
        fi, zi = fi[order], zi[order]
        first = np.r_[True, fi[1:] != fi[:-1]]
        out[fi[first]] = zid[zi[first]]
    # lines and polygons: the zone with the largest share, the first zone among equals
    others = np.flatnonzero(valid & ~points)
    if len(others):
        oi, zi = z.sindex.query(f[others], predicate="intersects")
        fi = others[oi]
        inter = shapely.intersection(f[fi], zgeom[zi])
        area = shapely.area(f[fi])
        share = np.where(area > 0, shapely.area(inter) / np.where(area > 0, area, 1.0),
                         shapely.length(inter) / np.maximum(shapely.length(f[fi]), 1e-9))
        order = np.lexsort((zi, -share, fi))
        fi, zi, share = fi[order], zi[order], share[order]
        first = np.r_[True, fi[1:] != fi[:-1]] if len(fi) else np.zeros(0, bool)
        best = first & (share >= min_share)
        out[fi[best]] = zid[zi[best]]
    return pd.Series(out, index=features.index, dtype=object)


def containing_zones(geoms: np.ndarray, zones_town: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (geometry position, zone position) where the zone contains the geometry; both
    inputs in the town's metric CRS (``geoms`` a shapely array, ``zones_town`` a GeoDataFrame).
    Sorted by geometry position, then zone position."""
    fi, zi = zones_town.sindex.query(geoms, predicate="within")
    order = np.lexsort((zi, fi))
    return fi[order], zi[order]


def in_centre(features: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.Series:
    """True for every feature that intersects a zone of kind ``centre`` (the 公共中心)."""
    require_same_crs(features, zones, "features", "zones")
    centre = zones[zones["kind"] == "centre"]
    if centre.empty:
        return pd.Series(False, index=features.index)
    c = to_town_crs(centre, "zones").geometry.union_all()
    return to_town_crs(features, "features").geometry.intersects(c)
