"""Coordinate reference systems for Songnan.

Data on disk is EPSG:4326 (WGS84 lon/lat). Every metric computation (areas, buffers,
distances) uses one projected CRS chosen once for the town: :data:`TOWN_CRS`.

Why a local Transverse Mercator and not a published zone
--------------------------------------------------------
Songnan straddles 121.5°E, the seam between the CGCS2000 3-degree Gauss-Kruger zones
EPSG:4549 (central meridian 120°E) and EPSG:4550 (123°E). In either zone the town lies
1.5° from the central meridian, where the point scale is about 1.00025 (areas 0.05 % too
large) and, worse, half the town would be outside the nominal zone. Web Mercator
(EPSG:3857) has a scale of sec(31.35°) ≈ 1.17 here: a "1000 m" buffer drawn in it is only
about 854 m on the ground. A Transverse Mercator on the CGCS2000 ellipsoid (GRS80, which
agrees with WGS84 to well under a millimetre at this scale) centred on 121.49°E, the
middle of the town, keeps the scale error under 1e-6 (0.0001 %) across the whole town
and its 5 km surroundings. It is defined by a PROJ string that any GIS reads.
"""
from __future__ import annotations

import geopandas as gpd
from pyproj import CRS

#: Geographic CRS of every file in ``data/geo`` (and of every export).
STORAGE_CRS = CRS.from_epsg(4326)

#: Central meridian of the town's Transverse Mercator, degrees east.
TOWN_CENTRAL_MERIDIAN = 121.49

#: The metric CRS of the town (metres, easting/northing). See the module docstring.
TOWN_CRS = CRS.from_proj4(
    f"+proj=tmerc +lat_0=0 +lon_0={TOWN_CENTRAL_MERIDIAN} +k=1 +x_0=500000 +y_0=0 "
    "+ellps=GRS80 +units=m +no_defs +type=crs"
)


class CRSMismatchError(ValueError):
    """Two inputs that must share a CRS do not."""


def _crs_name(crs) -> str:
    if crs is None:
        return "no CRS"
    crs = CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.name


def require_crs(gdf: gpd.GeoDataFrame, arg: str = "gdf") -> None:
    """Raise ``ValueError`` if ``gdf`` has no CRS, naming ``arg`` and the fix."""
    if gdf.crs is None:
        raise ValueError(
            f"{arg} has no CRS. Declare the CRS its coordinates are in with "
            f"{arg}.set_crs(...) (set_crs never moves coordinates), e.g. set_crs(4326) "
            "for longitude/latitude in WGS84."
        )


def require_same_crs(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, a_name: str = "left",
                     b_name: str = "right") -> None:
    """Raise :class:`CRSMismatchError` naming both CRSs if ``a`` and ``b`` differ."""
    require_crs(a, a_name)
    require_crs(b, b_name)
    if not CRS.from_user_input(a.crs).equals(CRS.from_user_input(b.crs)):
        raise CRSMismatchError(
            f"CRS mismatch: {a_name} is in {_crs_name(a.crs)} but {b_name} is in "
            f"{_crs_name(b.crs)}. Reproject one with .to_crs(...) before combining them."
        )


def to_town_crs(gdf: gpd.GeoDataFrame, arg: str = "gdf") -> gpd.GeoDataFrame:
    """Project ``gdf`` to :data:`TOWN_CRS` (metres). A missing CRS is an error."""
    require_crs(gdf, arg)
    return gdf.to_crs(TOWN_CRS)


def to_storage_crs(gdf: gpd.GeoDataFrame, arg: str = "gdf") -> gpd.GeoDataFrame:
    """Project ``gdf`` to :data:`STORAGE_CRS` (EPSG:4326). A missing CRS is an error."""
    require_crs(gdf, arg)
    return gdf.to_crs(STORAGE_CRS)


def area_m2(gdf: gpd.GeoDataFrame) -> "gpd.pd.Series":
    """Area of each geometry in square metres, computed in :data:`TOWN_CRS`."""
    return to_town_crs(gdf).geometry.area


def length_m(gdf: gpd.GeoDataFrame) -> "gpd.pd.Series":
    """Length of each geometry in metres, computed in :data:`TOWN_CRS`."""
    return to_town_crs(gdf).geometry.length
