"""The basemap catalogue: titles, tile URLs, keys and datums. No folium.

:data:`BASEMAPS` lists the basemaps a planner may choose ("blank" works offline); the folium map
(:mod:`songnan_geo.maps.folium_map`) and the matplotlib briefing map
(:mod:`songnan_geo.briefing.map`) both draw from it. Imports only the standard library,
:mod:`songnan_geo.text.i18n` and :mod:`songnan_geo.maps.tilekeys`.
"""
from __future__ import annotations

from songnan_geo.maps.tilekeys import KEY_LOOKUP
from songnan_geo.text import i18n

#: Map centre used when no layer has features: the middle of Songnan (lat, lon; degrees).
TOWN_CENTRE = (31.352, 121.490)

#: Background colour of the map where no tile covers it (always, for the blank basemap).
BACKGROUND = "#eeeeee"

#: Basemaps offered to the user. ``tiles`` is a Leaflet URL template, or None for no
#: tile layer at all. "blank" is the default and the offline fallback.
BASEMAPS: dict[str, dict] = {
    "blank": {
        "title": {"zh": "空白底图（离线可用）", "en": "Blank (works offline)"},
        "tiles": None,
    },
    "osm": {
        "title": {"zh": "OpenStreetMap 地图", "en": "OpenStreetMap"},
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
                "contributors",
        "subdomains": "abc",
        "max_zoom": 19,
    },
    "cartodb_positron": {
        "title": {"zh": "CARTO 浅色底图", "en": "CARTO Positron (light)"},
        "tiles": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        "attr": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
                'contributors &copy; <a href="https://carto.com/attributions">CARTO</a>',
        "subdomains": "abcd",
        "max_zoom": 20,
    },
    # Gaode/Amap tiles are drawn in GCJ-02 ("datum"): build_map moves the overlays onto
    # them when drawing (the stored data stay WGS84).
    "gaode_vector": {
        "title": {"zh": "高德矢量地图（GCJ-02）", "en": "Gaode/Amap streets (GCJ-02)"},
        "tiles": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                 "&style=8&x={x}&y={y}&z={z}",
        "attr": "&copy; 高德地图 AutoNavi",
        "subdomains": "1234",
        "max_zoom": 18,
        "datum": "gcj02",
    },
    "gaode_satellite": {
        "title": {"zh": "高德卫星影像（GCJ-02）", "en": "Gaode/Amap satellite (GCJ-02)"},
        "tiles": "https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
        "labels": "https://webst0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}",
        "attr": "&copy; 高德地图 AutoNavi",
        "subdomains": "1234",
        "max_zoom": 18,
        "datum": "gcj02",
    },
    # Tianditu is CGCS2000 (within centimetres of WGS84: no shift). Its tile URLs need a
    # key from the deployment's configuration ("key"; see songnan_geo.maps.tilekeys), put in
    # place of {tk}; without one the basemap draws no tiles and says why.
    "tianditu_vector": {
        "title": {"zh": "天地图矢量", "en": "Tianditu streets"},
        "tiles": "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                 "&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                 "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
        "labels": "https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                  "&VERSION=1.0.0&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                  "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
        "attr": "&copy; 天地图 国家地理信息公共服务平台",
        "subdomains": "01234567",
        "max_zoom": 18,
        "key": "tianditu",
    },
    "tianditu_satellite": {
        "title": {"zh": "天地图影像", "en": "Tianditu imagery"},
        "tiles": "https://t{s}.tianditu.gov.cn/img_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                 "&VERSION=1.0.0&LAYER=img&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                 "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
        "labels": "https://t{s}.tianditu.gov.cn/cia_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                  "&VERSION=1.0.0&LAYER=cia&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                  "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}",
        "attr": "&copy; 天地图 国家地理信息公共服务平台",
        "subdomains": "01234567",
        "max_zoom": 18,
        "key": "tianditu",
    },
}


def basemap_title(basemap: str, lang: str = "zh") -> str:
    """Title of a :data:`BASEMAPS` entry in ``lang`` (for a basemap selector).

    A basemap whose key is not configured says so in its title.
    """
    base = basemap_entry(basemap)
    title = base["title"]["en" if lang == "en" else "zh"]
    if base.get("key") and basemap_key(basemap) is None:
        title += i18n.t("basemap_no_key_suffix", lang)
    return title

def basemap_key(basemap: str) -> str | None:
    """The configured key a basemap's tile URLs need; None if it needs none or none is set."""
    service = basemap_entry(basemap).get("key")
    return KEY_LOOKUP[service]() if service else None

def basemap_datum(basemap: str) -> str:
    """'gcj02' for basemaps drawn in GCJ-02 (Gaode), else 'wgs84'."""
    return basemap_entry(basemap).get("datum", "wgs84")

def basemap_entry(basemap: str) -> dict:
    """The :data:`BASEMAPS` entry of ``basemap``; an unknown name raises, listing the valid ones."""
    if basemap not in BASEMAPS:
        raise ValueError(
            f"basemap '{basemap}' is unknown. Valid basemaps: {', '.join(BASEMAPS)} "
            "('blank' works without internet)."
        )
    return BASEMAPS[basemap]
