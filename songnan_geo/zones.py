"""Which part of 一心三线 (the centre and the three industry belts) a feature lies in.

Membership is computed from geometry in the town's metric CRS (:data:`TOWN_CRS`): a
polygon belongs to the zone it overlaps most (ties and overlaps between the centre and a
belt go to the larger overlap); a point to the zone that contains it. Features outside every
zone get ``None``.
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd

from songnan_geo.crs import require_same_crs, to_town_crs


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
    f = to_town_crs(features, "features")
    z = to_town_crs(zones, "zones")
    out = pd.Series([None] * len(f), index=features.index, dtype=object)
    for idx, geom in f.geometry.items():
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type == "Point":
            hits = z[z.geometry.contains(geom)]
            if len(hits):
                # the smallest containing zone is the most specific (the centre inside a belt)
                out[idx] = hits.loc[hits.geometry.area.idxmin(), "id"]
            continue
        shares = z.geometry.intersection(geom).area / geom.area if geom.area > 0 else \
            z.geometry.intersection(geom).length / max(geom.length, 1e-9)
        best = shares.idxmax() if len(shares) else None
        if best is not None and shares[best] >= min_share:
            out[idx] = z.loc[best, "id"]
    return out


def in_centre(features: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.Series:
    """True for every feature that intersects a zone of kind ``centre`` (the 公共中心)."""
    require_same_crs(features, zones, "features", "zones")
    centre = zones[zones["kind"] == "centre"]
    if centre.empty:
        return pd.Series(False, index=features.index)
    c = to_town_crs(centre, "zones").geometry.union_all()
    return to_town_crs(features, "features").geometry.intersects(c)
