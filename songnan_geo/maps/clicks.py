"""Clicks on a folium map in st_folium: where the planner clicked, in WGS84; the pending point.

Over a GCJ-02 basemap (Gaode) the map is drawn in GCJ-02, so a click is converted back to WGS84
(the data's datum) and a point to show is shifted onto the tiles.
"""
from __future__ import annotations

from collections.abc import Mapping

import folium

from songnan_geo.coords.chinacoords import convert_lonlat
from songnan_geo.maps.basemaps import basemap_datum
from songnan_geo.text.safe_text import html_text as _esc


def clicked_lonlat(click: Mapping | None, basemap: str) -> tuple[float, float] | None:
    """WGS84 (lon, lat) in degrees of a map click, or None.

    ``click`` is st_folium's ``last_clicked`` (``{"lat": …, "lng": …}``) on a map built by
    :func:`build_map` with ``basemap``: over a GCJ-02 basemap (Gaode) the map is drawn in GCJ-02,
    so the click is converted back to WGS84, the datum of the data.
    """
    if not click or "lng" not in click or "lat" not in click:
        return None
    lon, lat = float(click["lng"]), float(click["lat"])
    if basemap_datum(basemap) != "wgs84":
        lon, lat = (float(v[0]) for v in convert_lonlat([lon], [lat], basemap_datum(basemap), "wgs84"))
    return lon, lat

#: What a page asks st_folium to return to see every click: on the map's background
#: (``last_clicked``) and on a feature (``last_object_clicked``: Leaflet does not pass a click on an
#: interactive polygon, such as the town boundary, on to the map).
CLICK_OBJECTS = ["last_clicked", "last_object_clicked"]

def new_click(returned: Mapping | None, seen: tuple | None) -> tuple[dict | None, tuple]:
    """The click in st_folium's ``returned`` value that was not handled yet.

    Parameters
    ----------
    returned : mapping or None
        What ``st_folium(..., returned_objects=CLICK_OBJECTS)`` gave on the last rerun.
    seen : tuple or None
        The second value this function returned last time (None at first).

    Returns
    -------
    (click, seen)
        ``click`` is ``{"lat": …, "lng": …}`` (map coordinates) or None when nothing is new;
        keep ``seen`` for the next call.
    """
    returned = returned or {}
    now = tuple(tuple(sorted((returned.get(k) or {}).items())) for k in CLICK_OBJECTS)
    if seen is None or len(seen) != len(now):
        seen = ((),) * len(now)
    for key, new, old in zip(CLICK_OBJECTS, now, seen):
        if new and new != old:
            return dict(returned[key]), now
    return None, now

def pending_point(lon: float, lat: float, label: str, basemap: str = "blank") -> folium.FeatureGroup:
    """A feature group with one highlighted point at WGS84 ``lon``/``lat`` (degrees): a place the
    planner clicked and has not saved yet. Shifted to GCJ-02 over a Gaode basemap, like
    :func:`build_map`'s layers. Pass it to st_folium's ``feature_group_to_add``."""
    if basemap_datum(basemap) != "wgs84":
        lon, lat = (float(v[0]) for v in convert_lonlat([lon], [lat], "wgs84", basemap_datum(basemap)))
    group = folium.FeatureGroup(name=_esc(label))
    folium.CircleMarker([lat, lon], radius=9, color="#d7191c", weight=3, fill=True,
                        fill_color="#ffffff", fill_opacity=0.9, tooltip=_esc(label),
                        class_name="sn-pending").add_to(group)
    return group
