"""Chinese map coordinates: WGS84 ↔ GCJ-02 ↔ BD-09, and CGCS2000 with its Gauss–Krüger zones.

Web maps in China do not draw in WGS84. Gaode/Amap (and Tencent, and Google's China tiles)
use **GCJ-02**, WGS84 passed through a published obfuscation formula (Krasovsky
ellipsoid constants, offsets of about 300–700 m, around +460 m east / −220 m north in
Songnan); Baidu uses **BD-09**, GCJ-02 with a further polar twist of about 1 km. Neither is
a CRS PROJ knows: GCJ-02 and BD-09 coordinates are longitude/latitude in degrees, carried
in arrays or in a GeoDataFrame labelled EPSG:4326, and this module moves them.

* Forward (WGS84 → GCJ-02, GCJ-02 → BD-09) are the standard public formulas, exactly.
* Inverses are **exact**: fixed-point iteration on the forward formula until the residual
  is under 1e-10° (about 0.01 mm), so a round trip returns the input to well under 1 mm.
  The common one-step shortcut ``2·p − f(p)`` is 0.06 m off at Beijing; the common closed
  form for BD-09 → GCJ-02 is up to 0.13 m off, and is the iteration's start.
* **Outside China** (the standard rectangle lon 72.004–137.8347°E, lat 0.8293–55.8271°N)
  the GCJ-02 shift is zero: points there are returned unchanged, as the standard formula
  does. The BD-09 step has no such test (Baidu applies it everywhere).

CGCS2000 (EPSG:4490, China's geodetic datum; the GRS80 ellipsoid, within a few
centimetres of WGS84 today) and its 3-degree Gauss–Krüger zones (EPSG:4534–4554, central
meridians 75°E–135°E, false easting 500 km) go through pyproj. Songnan straddles 121.5°E,
the seam of EPSG:4549 (120°E) and EPSG:4550 (123°E): :func:`gk3_zone_crs` picks the zone of
a longitude, and for areas the town's own :data:`songnan_geo.coords.crs.TOWN_CRS` is better.

Every function here is pure (no disk access) and vectorised with numpy.
"""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from songnan_geo.coords.crs import STORAGE_CRS, require_crs

#: Names of the coordinate systems this module converts between.
DATUMS = ("wgs84", "gcj02", "bd09")

#: Krasovsky 1940 semi-major axis and eccentricity², as used by the GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323
#: Baidu's constant: π·3000/180.
_X_PI = math.pi * 3000.0 / 180.0

#: The rectangle outside which GCJ-02 applies no shift (lon_min, lat_min, lon_max, lat_max).
CHINA_BOUNDS = (72.004, 0.8293, 137.8347, 55.8271)

#: Fixed-point iteration stops when the residual is below this (degrees ≈ 0.01 mm).
INVERSE_TOLERANCE_DEG = 1e-10
_MAX_ITER = 30

#: CGCS2000 geographic (longitude/latitude, degrees; GRS80).
CGCS2000 = CRS.from_epsg(4490)

# EPSG codes of "CGCS2000 / 3-degree Gauss-Kruger CM nnE": 4534 (75°E) … 4554 (135°E).
_GK3_CM_FIRST, _GK3_EPSG_FIRST, _GK3_EPSG_LAST = 75, 4534, 4554
# ... and with the zone number in the false easting ("3-degree Gauss-Kruger zone 25" … 45).
_GK3_ZONE_EPSG_FIRST, _GK3_ZONE_FIRST = 4513, 25


# --------------------------------------------------------------------------- arrays

def _arrays(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.shape != lat.shape:
        raise ValueError(f"lon has shape {lon.shape} but lat has shape {lat.shape}; pass "
                         "longitudes and latitudes of the same points (same shape).")
    return lon, lat


def out_of_china(lon, lat) -> np.ndarray:
    """True where (lon, lat) lies outside :data:`CHINA_BOUNDS` (no GCJ-02 shift there)."""
    lon, lat = _arrays(lon, lat)
    w, s, e, n = CHINA_BOUNDS
    return (lon < w) | (lon > e) | (lat < s) | (lat > n)


def _gcj_delta(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 shift (dlon, dlat) in degrees at WGS84 (lon, lat); zero outside China."""
    x, y = lon - 105.0, lat - 35.0
    sq = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq + common
            + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq + common
            + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * math.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _invert(forward, lon, lat, start_lon, start_lat) -> tuple[np.ndarray, np.ndarray]:
    """Solve forward(x) = (lon, lat) by fixed-point iteration from (start_lon, start_lat).

    forward is a near-identity map (derivative within 1e-2 of the identity), so
    x ← x − (forward(x) − target) contracts by a factor of ~100 per step.
    """
    x, y = start_lon.copy(), start_lat.copy()
    for _ in range(_MAX_ITER):
        fx, fy = forward(x, y)
        ex, ey = fx - lon, fy - lat
        x, y = x - ex, y - ey
        finite = np.isfinite(ex) & np.isfinite(ey)
        if not finite.any() or np.max(np.maximum(np.abs(ex[finite]), np.abs(ey[finite]))) \
                < INVERSE_TOLERANCE_DEG:
            break
    return x, y


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → GCJ-02 (the standard formula). Degrees in, degrees out; any array shape.

    Points outside :data:`CHINA_BOUNDS` are returned unchanged.
    """
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS84, the exact inverse of :func:`wgs84_to_gcj02` (residual < 1e-10°)."""
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _gcj_delta(lon, lat)  # one-step estimate as the start
    return _invert(wgs84_to_gcj02, lon, lat, lon - dlon, lat - dlat)


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (the standard formula, x_pi = π·3000/180). Degrees."""
    lon, lat = _arrays(lon, lat)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02, the exact inverse of :func:`gcj02_to_bd09`.

    Starts from the usual closed form (up to ~0.13 m off) and iterates to 1e-10°.
    """
    lon, lat = _arrays(lon, lat)
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _invert(gcj02_to_bd09, lon, lat, z * np.cos(theta), z * np.sin(theta))


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS84 (exact inverses via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_STEPS = {
    ("wgs84", "gcj02"): (wgs84_to_gcj02,),
    ("gcj02", "wgs84"): (gcj02_to_wgs84,),
    ("gcj02", "bd09"): (gcj02_to_bd09,),
    ("bd09", "gcj02"): (bd09_to_gcj02,),
    ("wgs84", "bd09"): (wgs84_to_gcj02, gcj02_to_bd09),
    ("bd09", "wgs84"): (bd09_to_gcj02, gcj02_to_wgs84),
}


def normalize_datum(name: str, arg: str = "datum") -> str:
    """'WGS84', 'wgs-84', 'GCJ-02', 'gcj02', 'BD-09', 'bd09' … → one of :data:`DATUMS`."""
    key = str(name).lower().replace("-", "").replace("_", "").replace(" ", "")
    aliases = {"wgs84": "wgs84", "epsg:4326": "wgs84", "4326": "wgs84",
               "gcj02": "gcj02", "gcj": "gcj02", "amap": "gcj02", "gaode": "gcj02",
               "bd09": "bd09", "bd09ll": "bd09", "baidu": "bd09"}
    if key not in aliases:
        raise ValueError(f"{arg} '{name}' is not one of {', '.join(DATUMS)}. Use 'wgs84' for "
                         "GPS/OSM data, 'gcj02' for Gaode/Amap/Tencent coordinates, 'bd09' for "
                         "Baidu coordinates.")
    return aliases[key]


def convert_lonlat(lon, lat, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert longitudes/latitudes (degrees, any array shape) from ``src`` to ``dst``.

    ``src`` and ``dst`` are datum names (see :func:`normalize_datum`).
    """
    src, dst = normalize_datum(src, "src"), normalize_datum(dst, "dst")
    lon, lat = _arrays(lon, lat)
    if src == dst:
        return lon.copy(), lat.copy()
    for step in _STEPS[(src, dst)]:
        lon, lat = step(lon, lat)
    return lon, lat


# --------------------------------------------------------------------------- geometries

def convert_geometry(geoms, src: str, dst: str):
    """Convert shapely geometries (lon/lat degrees) from datum ``src`` to ``dst``.

    Works on a single geometry or an array of them, of every type (points, lines,
    polygons with holes, multi-parts, collections); Z values are kept unchanged,
    empty and missing geometries pass through.
    """
    src, dst = normalize_datum(src, "src"), normalize_datum(dst, "dst")

    def move(xy: np.ndarray) -> np.ndarray:
        out = xy.copy()
        out[:, 0], out[:, 1] = convert_lonlat(xy[:, 0], xy[:, 1], src, dst)
        return out

    return shapely.transform(geoms, move, include_z=None)


def convert_gdf(gdf: gpd.GeoDataFrame, src: str, dst: str, arg: str = "gdf") -> gpd.GeoDataFrame:
    """A copy of ``gdf`` with its geometries moved from datum ``src`` to ``dst``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Longitude/latitude in degrees: its CRS must be geographic on WGS84 or CGCS2000
        (EPSG:4326/4490; GCJ-02 and BD-09 data are carried labelled EPSG:4326). A
        projected or missing CRS is an error: reproject with ``to_crs(4326)`` first.
    src, dst : str
        'wgs84', 'gcj02' or 'bd09' (see :func:`normalize_datum`).

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows, columns and CRS label; only coordinates change.
    """
    require_crs(gdf, arg)
    crs = CRS.from_user_input(gdf.crs)
    if not crs.is_geographic:
        raise ValueError(f"{arg} is in {crs.name}, a projected CRS; GCJ-02/BD-09 conversion "
                         f"works on longitude/latitude. Call {arg}.to_crs(4326) first.")
    out = gdf.copy()
    out[gdf.geometry.name] = gpd.GeoSeries(
        convert_geometry(gdf.geometry.values.to_numpy(), src, dst), index=gdf.index,
        crs=gdf.crs)
    return out


def shift_m(lon, lat, src: str = "wgs84", dst: str = "gcj02") -> tuple[np.ndarray, np.ndarray]:
    """East and north displacement in metres that converting ``src`` → ``dst`` applies at
    (lon, lat) (local spherical approximation, good to 0.5 % at these distances)."""
    lon, lat = _arrays(lon, lat)
    x, y = convert_lonlat(lon, lat, src, dst)
    r = 6371008.8
    return (np.radians(x - lon) * r * np.cos(np.radians(lat)), np.radians(y - lat) * r)


# --------------------------------------------------------------------------- CGCS2000

def gk3_zone(lon: float) -> int:
    """Number of the 3-degree Gauss–Krüger zone of longitude ``lon`` (degrees east).

    Zone n has its central meridian at 3n°E and covers [3n − 1.5°, 3n + 1.5°); a
    longitude exactly on a seam (e.g. 121.5°E) belongs to the zone east of it.
    """
    lon = float(lon)
    if not math.isfinite(lon):
        raise ValueError(f"lon {lon!r} is not a finite longitude in degrees east.")
    return int(math.floor((lon + 1.5) / 3.0))


def gk3_zone_crs(lon: float, zone_prefix: bool = False) -> CRS:
    """The CGCS2000 3-degree Gauss–Krüger CRS (pyproj) for longitude ``lon``.

    Parameters
    ----------
    lon : float
        Degrees east; China's zones run from 75°E to 135°E (zones 25–45).
    zone_prefix : bool, default False
        False: "CM nnE" (EPSG:4534–4554, false easting 500 000 m). True: the zone number
        in front of the easting (EPSG:4513–4533, false easting zone·1e6 + 500 000 m).

    Notes
    -----
    Songnan straddles 121.5°E: 121.49°E → EPSG:4549 (CM 120°E), 121.51°E → EPSG:4550
    (CM 123°E). Either is 1.5° from its central meridian (scale error 2.5e-4); for areas
    and distances use :data:`songnan_geo.coords.crs.TOWN_CRS` instead.
    """
    zone = gk3_zone(lon)
    cm = 3 * zone
    if not _GK3_CM_FIRST <= cm <= _GK3_CM_FIRST + 3 * (_GK3_EPSG_LAST - _GK3_EPSG_FIRST):
        raise ValueError(f"lon {lon} is in 3-degree zone {zone} (CM {cm}°E), outside China's "
                         "CGCS2000 zones 25–45 (75°E–135°E).")
    if zone_prefix:
        return CRS.from_epsg(_GK3_ZONE_EPSG_FIRST + zone - _GK3_ZONE_FIRST)
    return CRS.from_epsg(_GK3_EPSG_FIRST + (cm - _GK3_CM_FIRST) // 3)


def parse_coord_system(spec: str, arg: str = "crs") -> tuple[str | None, CRS]:
    """Read a user's coordinate system: a datum name or any CRS pyproj understands.

    Returns ``(datum, crs)``: for 'wgs84'/'gcj02'/'bd09' the datum and EPSG:4326 (their
    coordinates are lon/lat degrees); for 'cgcs2000' ``(None, EPSG:4490)``; for
    'EPSG:n' (or a PROJ/WKT string) ``(None, that CRS)``. An unknown spec raises
    ``ValueError`` naming ``arg`` and the accepted forms.
    """
    text = str(spec).strip()
    try:
        return normalize_datum(text, arg), STORAGE_CRS
    except ValueError:
        pass
    if text.lower().replace("-", "").replace(" ", "") == "cgcs2000":
        return None, CGCS2000
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        return None, CRS.from_user_input(text)
    except Exception as exc:
        raise ValueError(f"{arg} '{spec}' is neither a datum (wgs84, gcj02, bd09), 'cgcs2000' "
                         f"nor a CRS pyproj knows ({exc}). Use e.g. EPSG:4326, EPSG:4490 or "
                         "EPSG:4549.") from None


def to_wgs84(gdf: gpd.GeoDataFrame, spec: str | None = None, arg: str = "gdf") -> gpd.GeoDataFrame:
    """``gdf`` in WGS84 lon/lat (EPSG:4326), whatever ``spec`` says its coordinates are.

    ``spec`` (see :func:`parse_coord_system`) declares the coordinates' system; None uses
    ``gdf.crs`` (a missing CRS is then an error). GCJ-02/BD-09 coordinates are converted
    with the exact inverse; any pyproj CRS is reprojected.
    """
    if spec is None:
        require_crs(gdf, arg)
        return gdf if CRS.from_user_input(gdf.crs).equals(STORAGE_CRS) else gdf.to_crs(STORAGE_CRS)
    datum, crs = parse_coord_system(spec, "spec")
    if datum is not None:
        return convert_gdf(gdf.set_crs(STORAGE_CRS, allow_override=True), datum, "wgs84", arg)
    return gdf.set_crs(crs, allow_override=True).to_crs(STORAGE_CRS)


def from_wgs84(gdf: gpd.GeoDataFrame, spec: str, arg: str = "gdf") -> gpd.GeoDataFrame:
    """``gdf`` (any CRS; WGS84 datum) expressed in ``spec``: a datum or a pyproj CRS.

    For 'gcj02'/'bd09' the result is labelled EPSG:4326 (lon/lat degrees) with the
    coordinates moved; for a CRS it is ``to_crs(spec)``.
    """
    datum, crs = parse_coord_system(spec, "spec")
    wgs = to_wgs84(gdf, None, arg)
    if datum is not None:
        return convert_gdf(wgs, "wgs84", datum, arg)
    return wgs.to_crs(crs)
