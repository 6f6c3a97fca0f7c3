"""Online basemap tiles for printed maps: a small XYZ mosaic, fetched only when asked, failing fast.

The briefing map (:mod:`songnan_geo.briefing.map`) draws without tiles; when the planner picks
an online basemap it calls :func:`fetch_mosaic` for the few Web-Mercator tiles behind the map
frame. This is the package's only network access. It never blocks for long: each request has
a short timeout, the whole mosaic a time budget, and a host that failed is not asked again for
:data:`RETRY_AFTER_S` seconds (an intranet without internet pays the timeout once, not once
per briefing). Any failure raises :class:`TilesUnavailable` naming the reason; the caller then
draws without tiles.
"""
from __future__ import annotations

import io
import math
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from PIL import Image

#: Sent with every tile request (tile servers such as OpenStreetMap's require a real agent).
USER_AGENT = "songnan_geo-briefing/1.0 (Songnan town planning tool; static briefing maps)"

#: Seconds a host that failed is skipped before it is tried again.
RETRY_AFTER_S = 300.0

#: Half the Web Mercator world width, metres (EPSG:3857).
_ORIGIN = 20037508.342789244
_TILE_PX = 256

_failed_hosts: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


class TilesUnavailable(RuntimeError):
    """The tiles could not be fetched (offline, timeout, HTTP error, too many tiles, …)."""


@dataclass(frozen=True)
class TileMosaic:
    """Tiles stitched into one RGBA image covering ``bounds_3857`` (xmin, ymin, xmax, ymax)."""

    image: Image.Image
    bounds_3857: tuple[float, float, float, float]
    zoom: int


def lonlat_to_3857(lon: float, lat: float) -> tuple[float, float]:
    """Spherical Web Mercator metres of a longitude/latitude (degrees)."""
    x = lon / 180.0 * _ORIGIN
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi * _ORIGIN
    return x, y


def mercator_to_lonlat(x: float, y: float) -> tuple[float, float]:
    """Longitude/latitude (degrees) of spherical Web Mercator metres."""
    return x / _ORIGIN * 180.0, math.degrees(2 * math.atan(math.exp(y / _ORIGIN * math.pi)) - math.pi / 2)


def zoom_for(metres_per_px: float, lat: float, max_zoom: int = 19) -> int:
    """The lowest zoom whose tiles are at least as sharp as ``metres_per_px`` at ``lat``."""
    if not metres_per_px > 0:
        raise ValueError(f"metres_per_px must be positive, got {metres_per_px!r}.")
    ground = 2 * _ORIGIN / _TILE_PX * math.cos(math.radians(lat))  # m/px at zoom 0
    return max(0, min(max_zoom, math.ceil(math.log2(ground / metres_per_px))))


def _url(template: str, x: int, y: int, z: int, subdomains: str, key: str) -> str:
    s = subdomains[(x + y) % len(subdomains)] if subdomains else ""
    return (template.replace("{s}", s).replace("{x}", str(x)).replace("{y}", str(y))
            .replace("{z}", str(z)).replace("{r}", "").replace("{tk}", key))


def _get(url: str, timeout_s: float) -> Image.Image:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310 (http/https only)
        data = resp.read()
    return Image.open(io.BytesIO(data)).convert("RGBA")


def fetch_mosaic(template: str, bounds_lonlat: tuple[float, float, float, float], zoom: int, *,
                 subdomains: str = "", key: str = "", timeout_s: float = 2.0,
                 budget_s: float = 8.0, max_tiles: int = 64) -> TileMosaic:
    """Fetch and stitch the XYZ tiles covering ``bounds_lonlat`` (west, south, east, north).

    Parameters
    ----------
    template : str
        Tile URL with ``{x}``, ``{y}``, ``{z}`` and optionally ``{s}`` (a subdomain), ``{r}``
        (dropped) and ``{tk}`` (``key``). Only ``http``/``https``.
    bounds_lonlat : tuple
        Longitude/latitude in the tiles' own datum (GCJ-02 for Gaode).
    zoom : int
        Tile zoom level (:func:`zoom_for`).
    timeout_s, budget_s : float
        Timeout of one request, and of the whole mosaic (seconds).
    max_tiles : int
        Refuse more tiles than this (the map is small; more means a wrong zoom).

    Raises
    ------
    TilesUnavailable
        With the reason; nothing is retried against a host that failed within
        :data:`RETRY_AFTER_S` seconds.
    """
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TilesUnavailable(f"tile URL {template!r} is not an http(s) URL.")
    host = parts.hostname.replace("{s}", "*")
    with _lock:
        failed = _failed_hosts.get(host)
    if failed and time.monotonic() - failed[0] < RETRY_AFTER_S:
        raise TilesUnavailable(f"{host} failed {time.monotonic() - failed[0]:.0f} s ago "
                               f"({failed[1]}); not retried before {RETRY_AFTER_S:.0f} s.")
    west, south, east, north = bounds_lonlat
    n = 2 ** zoom
    x0, y1 = lonlat_to_3857(west, south)
    x1, y0 = lonlat_to_3857(east, north)
    size = 2 * _ORIGIN / n
    tx0, tx1 = int((x0 + _ORIGIN) // size), int((x1 + _ORIGIN) // size)
    ty0, ty1 = int((_ORIGIN - y0) // size), int((_ORIGIN - y1) // size)
    tiles = [(x, y) for y in range(ty0, ty1 + 1) for x in range(tx0, tx1 + 1)]
    if len(tiles) > max_tiles:
        raise TilesUnavailable(f"{len(tiles)} tiles needed at zoom {zoom}; more than max_tiles "
                               f"({max_tiles}). Use a lower zoom.")
    mosaic = Image.new("RGBA", ((tx1 - tx0 + 1) * _TILE_PX, (ty1 - ty0 + 1) * _TILE_PX))
    deadline = time.monotonic() + budget_s

    def one(xy):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the {budget_s:g} s budget for the mosaic ran out")
        return xy, _get(_url(template, xy[0], xy[1], zoom, subdomains, key),
                        min(timeout_s, left))

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            for (x, y), img in pool.map(one, tiles):
                mosaic.paste(img.resize((_TILE_PX, _TILE_PX)),
                             ((x - tx0) * _TILE_PX, (y - ty0) * _TILE_PX))
    except (OSError, urllib.error.URLError, TimeoutError, ValueError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        with _lock:
            _failed_hosts[host] = (time.monotonic(), reason)
        raise TilesUnavailable(f"tiles from {host} could not be fetched ({reason}).") from exc
    bounds = (tx0 * size - _ORIGIN, _ORIGIN - (ty1 + 1) * size,
              (tx1 + 1) * size - _ORIGIN, _ORIGIN - ty0 * size)
    return TileMosaic(mosaic, bounds, zoom)


def forget_failures() -> None:
    """Clear the memory of failed hosts (after the network came back, or in tests)."""
    with _lock:
        _failed_hosts.clear()
