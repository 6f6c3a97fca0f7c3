"""Folium map of the town's layers: styled, escaped, and fully offline.

:func:`build_map` turns the layers (GeoDataFrames in EPSG:4326, longitude/latitude in
degrees) and the manifest (``data/geo/manifest.json``) into a :class:`folium.Map`:

* one :class:`folium.FeatureGroup` per layer, in manifest order, named by its title in
  the chosen language and switched on/off with a :class:`folium.LayerControl`;
* colours, line weights and dashes from the manifest ``style`` / ``style_by`` /
  ``palette`` / ``weights``; points as circle markers (no icon markers, which would need
  CSS that is not served);
* a tooltip (the feature's name) and a popup (every property, labelled in the language,
  with an "estimated" badge) per feature;
* a legend control and a metric scale bar.

Safety: every text from data or manifest is escaped here with
:func:`songnan_geo.text.safe_text.html_text` before it reaches the page: HTML-escaped, and with
``{ } $ \\ `` ` `` as character references. The second part matters because branca renders the
script of every map element once more as Jinja2 template source (a name ``{{ 7*191 }}`` would
be evaluated on the server, ``{#`` would break the page); with no ``{`` in any data text no
Jinja2 delimiter can form. Folium's ``GeoJsonPopup``/``GeoJsonTooltip`` insert property
values into ``innerHTML`` as they are (no escaping, no un-escaping), so each feature
carries its pre-escaped popup and tooltip HTML in the hidden properties ``_popup`` and
``_tooltip``, and no other data text: a feature's ``id`` is kept only when plain
(letters, digits, ``_.:-``), else replaced by its row number. The GeoJSON is embedded with
Jinja's ``tojson`` (``<``, ``>``, ``&``, ``'`` escaped, so nothing closes the ``<script>``);
this module's own elements write data with :func:`songnan_geo.text.safe_text.js_literal`.

Offline: the page references only Leaflet's JS and CSS, at ``asset_base_url`` (served
by the app, see :mod:`songnan_geo.maps.assets`). Tile URLs appear only when an online
basemap is chosen; without tiles the vector layers still draw on a grey background.

This module never imports streamlit.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections.abc import Mapping

import branca.colormap
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from pyproj import CRS

from songnan_geo.coords.chinacoords import convert_gdf, convert_lonlat
from songnan_geo.coords.crs import STORAGE_CRS, to_storage_crs
from songnan_geo.maps.assets import LEAFLET_CSS, LEAFLET_JS, LEAFLET_URL_PREFIX
from songnan_geo.maps.tilekeys import KEY_LOOKUP
from songnan_geo.text import i18n
from songnan_geo.text.safe_text import html_text, js_literal

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

# Hidden feature properties holding the pre-escaped HTML shown by Leaflet.
POPUP_PROPERTY = "_popup"
TOOLTIP_PROPERTY = "_tooltip"

_POINT_TYPES = {"Point", "MultiPoint"}
_LINE_TYPES = {"LineString", "MultiLineString"}
_POLYGON_TYPES = {"Polygon", "MultiPolygon"}
_DEFAULT_COLOR = "#3388ff"
_COLOR_RE = re.compile(r"^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{4}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,20})$")
_PLAIN_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,200}$")
_DASH_RE = re.compile(r"^\d+(\.\d+)?([ ,]+\d+(\.\d+)?)*$")
# What streamlit_folium loads for a branca ColorMap (it inserts these CDN URLs itself).
_COLORMAP_JS = ("https://d3js.org/d3.v4.min.js",
                "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js")


# --------------------------------------------------------------------------- helpers

def basemap_title(basemap: str, lang: str = "zh") -> str:
    """Title of a :data:`BASEMAPS` entry in ``lang`` (for a basemap selector).

    A basemap whose key is not configured says so in its title.
    """
    base = _basemap(basemap)
    title = base["title"]["en" if lang == "en" else "zh"]
    if base.get("key") and basemap_key(basemap) is None:
        title += i18n.t("basemap_no_key_suffix", lang)
    return title


def basemap_key(basemap: str) -> str | None:
    """The configured key a basemap's tile URLs need; None if it needs none or none is set."""
    service = _basemap(basemap).get("key")
    return KEY_LOOKUP[service]() if service else None


def basemap_datum(basemap: str) -> str:
    """'gcj02' for basemaps drawn in GCJ-02 (Gaode), else 'wgs84'."""
    return _basemap(basemap).get("datum", "wgs84")


def _basemap(basemap: str) -> dict:
    if basemap not in BASEMAPS:
        raise ValueError(
            f"basemap '{basemap}' is unknown. Valid basemaps: {', '.join(BASEMAPS)} "
            "('blank' works without internet)."
        )
    return BASEMAPS[basemap]


def _check_lang(lang: str) -> None:
    if lang not in i18n.LANGS:
        raise ValueError(f"lang '{lang}' is not supported. Use one of: {', '.join(i18n.LANGS)}.")


def _color(value, layer: str, where: str) -> str:
    """Return ``value`` if it is a plain CSS colour (hex or name), else raise."""
    if not isinstance(value, str) or not _COLOR_RE.match(value):
        raise ValueError(
            f"manifest layer '{layer}': {where} is {value!r}, not a CSS colour such as "
            "'#1f78b4'. Fix it in tools/write_schemas.py and rerun it to rewrite "
            "data/geo/manifest.json."
        )
    return value


def _number(value, layer: str, where: str) -> float:
    """Return ``value`` if it is a finite non-negative number, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value >= 0):
        raise ValueError(
            f"manifest layer '{layer}': {where} is {value!r}, not a non-negative number. "
            "Fix it in tools/write_schemas.py and rerun it to rewrite data/geo/manifest.json."
        )
    return value


def _dash(value, layer: str) -> str:
    """Return ``value`` if it is an SVG dash pattern such as ``"6 4"``, else raise."""
    if not isinstance(value, str) or not _DASH_RE.match(value):
        raise ValueError(
            f"manifest layer '{layer}': style.dash is {value!r}, not a dash pattern of pixel "
            "lengths such as '6 4'. Fix it in tools/write_schemas.py and rerun it."
        )
    return value


def _geom_kind(geom_type: str) -> str:
    if geom_type in _POINT_TYPES:
        return "point"
    if geom_type in _LINE_TYPES:
        return "line"
    return "area"


def _layer_kind(info: dict) -> str:
    """Swatch kind of a layer for the legend: 'point', 'line' or 'area'."""
    types = set(info.get("geometry_types") or [])
    if types and types <= _POINT_TYPES:
        return "point"
    if types & _LINE_TYPES:
        return "line"
    return "area"


def _plain(value):
    """Convert numpy/pandas scalars to plain Python values; missing values to None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):  # includes pandas.Timestamp
        return value.isoformat()
    return value


def _format_value(value, lang: str) -> str:
    """Human text of a property value (not yet escaped)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return i18n.t("yes" if value else "no", lang)
    if isinstance(value, float):
        return format(value, ".10g")
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return i18n.value_label(str(value), lang)   # a status or state in English in English


def _esc(text) -> str:
    """``text`` as HTML showing it literally, inert as Jinja2 source (:func:`safe_text.html_text`)."""
    return html_text(text)


def feature_name(properties: Mapping, lang: str = "zh") -> str:
    """Display name of a feature in ``lang`` (``name_en`` for English when present)."""
    if lang == "en" and properties.get("name_en"):
        return str(properties["name_en"])
    for key in ("name", "name_en", "id"):
        if properties.get(key) not in (None, ""):
            return str(properties[key])
    return ""


#: Properties a popup card never shows as a row: the name (its title), internal ids and
#: reference coordinates, flags said in words elsewhere, and provenance (said in words at the end).
CARD_HIDDEN = {"id", "name", "name_en", "layer", "zone_id", "adcode", "segment_of", "ref_lon",
               "ref_lat", "name_verified", "population_estimated", "population_method",
               "source", "accuracy_m", "estimated", "note", "kind", "in_centre"}
#: Long texts (plan quotes, sources of a status) a card folds away under "更多 / More".
CARD_FOLDED_SUFFIXES = ("_quote", "status_source")

# Repository paths and file names in a source text: "owner/repo:data/x.json", "via shared/…csv".
_PATH_RE = re.compile(r"(\bvia\s+)?[\w.-]+(/[\w.-]+)+(:[\w./-]+)?|\b[\w-]+\.(json|csv|geojson|py|xlsx)\b")


def source_words(source) -> str:
    """A feature's ``source`` for a reader: the text without repository paths or file names.

    ``"JoJo/ShanghaiSubwayFilter:data/raw.json (Amap GCJ-02 → WGS84), via shared/reference/x.csv"``
    becomes ``"(Amap GCJ-02 → WGS84)"``; an empty result means the source said nothing but paths.
    """
    if source is None:
        return ""
    text = _PATH_RE.sub("", str(source))
    text = re.sub(r"\s+([,，;；)）])", r"\1", text)
    text = re.sub(r"[,，;；]\s*(?=[,，;；)）]|$)", "", text)
    return re.sub(r"\s{2,}", " ", text).strip(" ,，;；")


def accuracy_words(properties: Mapping, kind: str, lang: str = "zh") -> str:
    """How sure a feature's position is, in words: "位置为估计，误差约 500 米" /
    "Position estimated, about 500 m". ``kind`` is 'point', 'line' or 'area'. Empty when the
    feature says neither ``accuracy_m`` nor ``estimated``."""
    acc = properties.get("accuracy_m")
    est = properties.get("estimated") is True
    what = i18n.t(f"card_what_{kind}", lang)
    if isinstance(acc, (int, float)) and not isinstance(acc, bool) and math.isfinite(acc):
        key = "card_acc_estimated" if est else "card_acc_measured"
        return i18n.t(key, lang).format(what=what, m=f"{acc:,.0f}")
    return i18n.t("card_estimated", lang).format(what=what) if est else ""


def _card_value(field: str, value, lang: str) -> str:
    """A property value as a card shows it (not yet escaped); areas in hectares."""
    if field == "area_m2" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return i18n.t("card_area_ha", lang).format(ha=value / 10_000)
    return _format_value(value, lang)


def popup_html(properties: Mapping, layer_title: str = "", lang: str = "zh",
               kind: str = "point") -> str:
    """Escaped HTML of a feature's popup card.

    The card shows the name (with an "estimated" badge), the layer, one row per fact that has a
    value (no internal ids, reference coordinates or empty rows; areas in hectares), long quotes
    folded under "更多 / More", and at the end the source (without repository paths) and the
    accuracy in words (:func:`accuracy_words`). Every text is escaped with
    :func:`songnan_geo.text.safe_text.html_text`, so the card can be assigned to ``innerHTML``.
    Properties whose name starts with ``_`` are internal and left out.
    """
    name = _esc(feature_name(properties, lang))
    badge = ""
    if properties.get("estimated") is True:
        badge = f' <span class="sn-badge">{_esc(i18n.t("estimated_badge", lang))}</span>'

    def empty(v):
        return v is None or (isinstance(v, str) and not v.strip())

    shown = [k for k in properties if not str(k).startswith("_") and k not in CARD_HIDDEN
             and not empty(properties[k])]
    folded = [k for k in shown if str(k).endswith(CARD_FOLDED_SUFFIXES)]
    facts = [k for k in shown if k not in folded]
    rows = "".join(
        f"<tr><th>{_esc(i18n.field_label(k, lang))}</th>"
        f"<td>{_esc(_card_value(k, properties[k], lang))}</td></tr>" for k in facts)
    more = [(i18n.field_label(k, lang), _format_value(properties[k], lang)) for k in folded]
    if not empty(properties.get("note")):
        more.append((i18n.field_label("note", lang), str(properties["note"])))
    more_html = ""
    if more:
        more_html = (f'<details class="sn-more"><summary>{_esc(i18n.t("card_more", lang))}</summary>'
                     + "".join(f"<p><b>{_esc(k)}</b>：{_esc(v)}</p>" if lang == "zh" else
                               f"<p><b>{_esc(k)}</b>: {_esc(v)}</p>" for k, v in more)
                     + "</details>")
    prov = []
    src = source_words(properties.get("source"))
    if src:
        prov.append(f'{_esc(i18n.t("card_source", lang))}{_esc(src)}')
    acc = accuracy_words(properties, kind, lang)
    if acc:
        prov.append(_esc(acc))
    prov_html = "".join(f'<div class="sn-prov">{p}</div>' for p in prov)
    sub = f'<div class="sn-popup-layer">{_esc(layer_title)}</div>' if layer_title else ""
    table = f'<table class="sn-props">{rows}</table>' if rows else ""
    return (f'<div class="sn-popup"><div class="sn-popup-name">{name}{badge}</div>{sub}'
            f"{table}{more_html}{prov_html}</div>")


def feature_style(info: dict, properties: Mapping, geom_type: str, layer: str = "?") -> dict:
    """Leaflet path options of one feature from its manifest layer entry.

    Parameters
    ----------
    info : dict
        The layer's manifest entry (``style``, optional ``style_by``, ``palette``,
        ``weights``).
    properties : Mapping
        The feature's properties; ``properties[info["style_by"]]`` picks the palette
        colour (and, for roads, the weight in ``weights``).
    geom_type : str
        GeoJSON geometry type of the feature.
    layer : str
        Layer name, used in error messages.

    Returns
    -------
    dict
        Leaflet options: ``color``, ``weight`` (screen pixels), ``opacity``, ``fill``,
        ``fillColor``, ``fillOpacity``, ``dashArray`` (pixels) and, for points,
        ``radius`` (screen pixels). The palette colour fills polygons and points and
        strokes lines; where the style fixes ``fill_color``, it strokes instead. A point layer's
        ``stroke_color`` rings every marker in that colour (the layer's mark). A point whose
        ``info["planned"]["field"]`` is one of ``info["planned"]["values"]`` (a planned facility)
        is a hollow dashed ring in its colour.
    """
    style = info.get("style") or {}
    kind = _geom_kind(geom_type)
    base = _color(style.get("color", _DEFAULT_COLOR), layer, "style.color")
    fixed_fill = style.get("fill_color")
    if fixed_fill is not None:
        _color(fixed_fill, layer, "style.fill_color")
    picked = None
    weight = _number(style.get("weight", 1.5 if kind == "point" else 2), layer, "style.weight")
    key = info.get("style_by")
    if key:
        value = properties.get(key)
        palette = info.get("palette") or {}
        if value in palette:
            picked = _color(palette[value], layer, f"palette[{value!r}]")
        weights = info.get("weights") or {}
        if value in weights:
            weight = _number(weights[value], layer, f"weights[{value!r}]")
    out = {"color": base, "weight": weight, "opacity": 1.0}
    if kind == "line":
        out.update(color=picked or base, fill=False)
    else:
        fill_opacity = _number(style.get("fill_opacity", 0.2), layer, "style.fill_opacity")
        if kind == "point":
            ring = style.get("stroke_color")   # a fixed ring marks the layer (carrier parks)
            stroke = _color(ring, layer, "style.stroke_color") if ring else picked or base
            fill = fixed_fill or picked or base
        elif fixed_fill:
            stroke, fill = picked or base, fixed_fill
        else:
            stroke, fill = base, picked or base
        out.update(color=stroke, fill=fill_opacity > 0, fillColor=fill, fillOpacity=fill_opacity)
        if kind == "point":
            out["radius"] = _number(style.get("radius", 6), layer, "style.radius")
    if style.get("dash"):
        out["dashArray"] = _dash(style["dash"], layer)
    planned = info.get("planned") or {}
    if kind == "point" and planned and properties.get(planned.get("field")) in planned.get("values", []):
        # not there yet (a planned facility): a hollow, dashed ring in the category's colour
        out.update(color=out["fillColor"] if out.get("fill") else out["color"], fillColor="#ffffff",
                   fill=True, fillOpacity=0.9, dashArray="3 2", weight=max(out["weight"], 2))
    return out


# --------------------------------------------------------------------------- elements

class _PageStyle(MacroElement):
    """CSS for the map background, the legend and the popups (in the page header)."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
            #{{ this._parent.get_name() }} { background: {{ this.background }}; }
            /* metric scale only: hide Leaflet's second (imperial) scale line */
            #{{ this._parent.get_name() }} .leaflet-control-scale-line + .leaflet-control-scale-line { display: none; }
            .sn-legend { background: rgba(255,255,255,0.94); padding: 4px 8px; border-radius: 4px;
                box-shadow: 0 1px 4px rgba(0,0,0,0.35); font-size: 12px; line-height: 1.3;
                max-width: 230px; }
            .sn-legend-body { overflow-y: auto; max-height: 40vh; padding-right: 2px; }
            .sn-legend.sn-folded .sn-legend-body { display: none; }
            .sn-legend-title { font-weight: bold; margin: 0; cursor: pointer; user-select: none;
                display: flex; justify-content: space-between; gap: 8px; background: none; border: 0;
                padding: 2px 0; font: inherit; font-weight: bold; width: 100%; text-align: left; }
            .sn-legend-title::after { content: "▾"; color: #555; }
            .sn-legend.sn-folded .sn-legend-title::after { content: "▸"; }
            .sn-labels-switch { display: flex; align-items: center; gap: 4px; margin: 2px 0 4px;
                color: #333; cursor: pointer; }
            .sn-label { background: none; border: 0; }
            .sn-label span { display: inline-block; transform: translate(-50%, -50%); white-space: nowrap;
                font-size: 11px; line-height: 1.2; color: #222; pointer-events: none;
                text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
            .sn-label-metro_stations span { transform: translate(6px, -50%); font-weight: 600; }
            .sn-label-carrier_parks span { transform: translate(8px, -50%); color: #7f0000; }
            .sn-label-residential span { color: #6b4e00; font-size: 10.5px; }
            .sn-label-parcels span { font-weight: 600; }
            .sn-prov { color: #555; font-size: 11px; margin-top: 3px; }
            .sn-more { margin-top: 3px; font-size: 11px; }
            .sn-more summary { cursor: pointer; color: #245; }
            .sn-more p { margin: 2px 0; }
            .sn-notice { background: #fff3cd; color: #5c4500; border: 1px solid #e0c36a;
                border-radius: 4px; padding: 4px 8px; font-size: 12px; max-width: 280px; }
            .sn-legend-layer { margin-top: 4px; }
            .sn-legend-layer-title { font-weight: 600; }
            .sn-legend-item { display: flex; align-items: center; gap: 5px; margin-left: 4px; }
            .sn-sw { display: inline-block; flex: none; width: 14px; height: 10px; box-sizing: border-box; }
            .sn-sw-area { border: 1.5px solid; }
            .sn-sw-line { height: 0; }
            .sn-sw-point { width: 10px; height: 10px; border-radius: 50%; border: 1.5px solid; }
            .sn-popup { font-size: 12px; max-height: 300px; overflow-y: auto; max-width: 300px; }
            .sn-popup-name { font-weight: bold; font-size: 13px; }
            .sn-popup-layer { color: #666; margin-bottom: 4px; }
            .sn-props th { text-align: left; vertical-align: top; padding: 1px 8px 1px 0; color: #444;
                white-space: nowrap; font-weight: 600; }
            .sn-props td { vertical-align: top; padding: 1px 0; word-break: break-word; }
            .sn-badge { display: inline-block; background: #fff3cd; color: #7a5b00; border: 1px solid #e0c36a;
                border-radius: 3px; padding: 0 4px; font-size: 11px; font-weight: normal; }
        </style>
        {% endmacro %}
    """)

    def __init__(self, background: str = BACKGROUND):
        super().__init__()
        self._name = "PageStyle"
        self.background = background


class Legend(MacroElement):
    """Legend as a Leaflet control (plain JS, no jQuery) that the planner can fold.

    ``sections`` is a list of ``(layer_name, feature_group, escaped_html)``; each section is
    shown only while its feature group is on the map, so the legend follows the layer control.
    Its title is a button that folds the legend to one line; the body scrolls within the map's
    height (never past it). When ``labels_text`` is given, a checkbox under the title switches
    the name labels (:class:`NameLabels`) on and off. :class:`FitTown` folds the legend on its
    own when the map is too narrow to show both it and the town.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var legend = L.control({position: {{ this.position_js }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "sn-legend");
                div.innerHTML = {{ this.html_js }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                var title = div.querySelector(".sn-legend-title");
                title.addEventListener("click", function () {
                    var folded = div.classList.toggle("sn-folded");
                    title.setAttribute("aria-expanded", folded ? "false" : "true");
                    div.snUserChoice = true;
                });
                var box = div.querySelector(".sn-labels-switch input");
                if (box) {
                    box.addEventListener("change", function () {
                        map.fire("sn:labels", {on: box.checked});
                    });
                }
                return div;
            };
            legend.addTo(map);
            map.snLegend = legend;
            var groups = {
                {%- for key_js, group in this.groups %}
                {{ key_js }}: {{ group.get_name() }},
                {%- endfor %}
            };
            function fitHeight() {
                var body = legend.getContainer().querySelector(".sn-legend-body");
                var others = 0;
                legend.getContainer().parentNode.childNodes.forEach(function (el) {
                    if (el !== legend.getContainer()) { others += el.offsetHeight + 10; }
                });
                body.style.maxHeight = Math.max(60, map.getSize().y - others - 70) + "px";
            }
            function sync() {
                var any = false;
                legend.getContainer().querySelectorAll("[data-layer]").forEach(function (el) {
                    var g = groups[el.getAttribute("data-layer")];
                    var on = !!g && map.hasLayer(g);
                    el.style.display = on ? "" : "none";
                    any = any || on;
                });
                legend.getContainer().style.display = any ? "" : "none";
                fitHeight();
            }
            map.on("overlayadd overlayremove", sync);
            map.on("resize", fitHeight);
            sync();
        })();
        {% endmacro %}
    """)

    def __init__(self, title: str, sections: list, position: str = "topright",
                 labels_text: str | None = None):
        super().__init__()
        self._name = "Legend"
        self.sections = sections
        self.position = position
        body = "".join(section for _, _, section in sections)
        switch = ""
        if labels_text:
            switch = (f'<label class="sn-labels-switch"><input type="checkbox" checked> '
                      f"{_esc(labels_text)}</label>")
        self.html = (f'<button type="button" class="sn-legend-title" aria-expanded="true">'
                     f'{_esc(title)}</button><div class="sn-legend-body">{switch}{body}</div>')
        # Written into the script as JS literals (never as Jinja2 source: see safe_text).
        self.position_js, self.html_js = js_literal(position), js_literal(self.html)
        self.groups = [(js_literal(name), group) for name, group, _ in sections]


class FitTown(MacroElement):
    """Fits the first view to ``bounds`` in the room the map's controls leave free.

    Run after every control is on the map: the padding on the right is the width of the widest
    control in the right-hand corners (layer control, legend, notices; not the one-line
    attribution), on the left the zoom buttons, at the bottom the scale bar and attribution.
    When the controls would leave the town less than half the map's width, the legend is folded
    first (unless the planner opened it). It fits again when the map frame changes size, until the
    planner pans or zooms. ``bounds`` is ``[[south, west], [north, east]]`` in degrees.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var bounds = L.latLngBounds({{ this.bounds_js }});
            var c = map.getContainer(), moved = false, fitting = false;
            function widest(sel, skip) {
                var w = 0;
                c.querySelectorAll(sel + " > .leaflet-control").forEach(function (el) {
                    if (skip && el.classList.contains(skip)) { return; }
                    if (el.offsetParent !== null) { w = Math.max(w, el.offsetWidth + 10); }
                });
                return w;
            }
            function tallest(sel) {
                var h = 0;
                c.querySelectorAll(sel + " > .leaflet-control").forEach(function (el) {
                    if (el.offsetParent !== null && !el.classList.contains("sn-legend")) {
                        h = Math.max(h, el.offsetHeight + 10);
                    }
                });
                return h;
            }
            function pads() {
                var right = Math.max(widest(".leaflet-top.leaflet-right"),
                                     widest(".leaflet-bottom.leaflet-right", "leaflet-control-attribution"));
                var left = Math.max(widest(".leaflet-top.leaflet-left"),
                                    widest(".leaflet-bottom.leaflet-left", "leaflet-control-scale"), 10);
                var bottom = Math.max(tallest(".leaflet-bottom.leaflet-left"),
                                      tallest(".leaflet-bottom.leaflet-right"), 10);
                return {left: left, right: Math.max(right, 10), bottom: bottom};
            }
            function fit() {
                if (moved) { return; }
                var legend = map.snLegend && map.snLegend.getContainer();
                if (legend && !legend.snUserChoice) {   // open unless it leaves the town too little room
                    legend.classList.remove("sn-folded");
                    var open = pads();
                    legend.classList.toggle("sn-folded", open.left + open.right > 0.5 * map.getSize().x);
                }
                var p = pads(), size = map.getSize();
                if (size.x - p.left - p.right < 120 || size.y - 10 - p.bottom < 120) {
                    return;   // not laid out yet (or a tiny frame): fit when it has its size
                }
                fitting = true;
                map.fitBounds(bounds, {paddingTopLeft: [p.left, 10],
                                       paddingBottomRight: [p.right, p.bottom], animate: false});
                fitting = false;
            }
            ["mousedown", "wheel", "touchstart", "keydown", "dblclick"].forEach(function (ev) {
                c.addEventListener(ev, function () { moved = true; }, {passive: true});
            });
            map.on("resize", fit);
            // The frame may get its size after the script ran without a window resize event.
            if (window.ResizeObserver) {
                new ResizeObserver(function () { map.invalidateSize({pan: false}); fit(); }).observe(c);
            }
            fit();
            setTimeout(fit, 0);
        })();
        {% endmacro %}
    """)

    def __init__(self, bounds):
        super().__init__()
        self._name = "FitTown"
        self.bounds = bounds
        self.bounds_js = js_literal([[float(v) for v in corner] for corner in bounds])


class NameLabels(MacroElement):
    """Name labels of features, shown where they fit.

    ``layers`` is a list of ``(layer_name, feature_group, min_zoom, labels)`` in priority order;
    ``labels`` a list of ``(lat, lon, escaped_html)``. A layer's labels show while its feature
    group is on the map and the zoom is at least ``min_zoom``; a label that would overlap one
    shown before it (higher priority first) is hidden, so the labels never pile up. The labels
    take no clicks. The legend's checkbox switches them all off and on (``sn:labels`` event).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var on = true;
            var specs = [
                {%- for name_js, group, min_zoom, labels_js in this.specs %}
                {name: {{ name_js }}, group: {{ group.get_name() }}, minZoom: {{ min_zoom }},
                 labels: {{ labels_js }}},
                {%- endfor %}
            ];
            var pane = map.createPane("snLabels");
            pane.style.zIndex = 450;
            pane.style.pointerEvents = "none";
            specs.forEach(function (spec) {
                spec.layer = L.layerGroup();
                spec.markers = spec.labels.map(function (l) {
                    return L.marker([l[0], l[1]], {pane: "snLabels", interactive: false, keyboard: false,
                        icon: L.divIcon({className: "sn-label sn-label-" + spec.name, iconSize: null,
                                         html: "<span>" + l[2] + "</span>"})}).addTo(spec.layer);
                });
            });
            function overlaps(a, b) {
                return !(a.right < b.left || b.right < a.left || a.bottom < b.top || b.bottom < a.top);
            }
            function update() {
                var zoom = map.getZoom(), placed = [];
                specs.forEach(function (spec) {
                    var want = on && map.hasLayer(spec.group) && zoom >= spec.minZoom;
                    if (!want) { if (map.hasLayer(spec.layer)) { map.removeLayer(spec.layer); } return; }
                    if (!map.hasLayer(spec.layer)) { spec.layer.addTo(map); }
                    spec.markers.forEach(function (m) {
                        var span = m.getElement() && m.getElement().firstChild;
                        if (!span) { return; }
                        span.style.visibility = "";
                        var r = span.getBoundingClientRect();
                        var box = {left: r.left - 2, right: r.right + 2, top: r.top - 1, bottom: r.bottom + 1};
                        if (placed.some(function (p) { return overlaps(p, box); })) {
                            span.style.visibility = "hidden";
                        } else {
                            placed.push(box);
                        }
                    });
                });
            }
            map.on("zoomend overlayadd overlayremove resize", function () { setTimeout(update, 0); });
            map.on("sn:labels", function (e) { on = e.on; update(); });
            setTimeout(update, 0);
        })();
        {% endmacro %}
    """)

    def __init__(self, specs: list):
        super().__init__()
        self._name = "NameLabels"
        self.specs = [(js_literal(name), group, float(min_zoom), js_literal(labels))
                      for name, group, min_zoom, labels in specs]


class Attribution(MacroElement):
    """Adds ``text`` (plain text, shown literally) to the map's attribution line."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html_js }});
        {% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text
        self.html_js = js_literal(_esc(text))


def _swatch(kind: str, st: dict) -> str:
    """Escaped HTML of a legend swatch drawn with the feature style ``st``."""
    stroke = _esc(st["color"])
    border = "dashed" if st.get("dashArray") else "solid"
    if kind == "line":
        w = max(1.0, min(float(st.get("weight", 2)), 6.0))
        return (f'<span class="sn-sw sn-sw-line" style="border-top-color:{stroke};'
                f'border-top-width:{w:g}px;border-top-style:{border}"></span>')
    fill = _esc(st["fillColor"]) if st.get("fill") else "transparent"
    cls = "sn-sw-point" if kind == "point" else "sn-sw-area"
    return (f'<span class="sn-sw {cls}" style="border-color:{stroke};border-style:{border};'
            f'background:{fill}"></span>')


def _legend_section(name: str, info: dict, title: str, id_names: dict, shown: bool,
                    lang: str = "zh") -> str:
    kind = _layer_kind(info)
    geom = {"point": "Point", "line": "LineString", "area": "Polygon"}[kind]
    key, palette = info.get("style_by"), info.get("palette") or {}
    items = []
    if key and palette:
        for value in palette:
            st = feature_style(info, {key: value}, geom, name)
            label = id_names.get(value, value) if key == "id" else i18n.value_label(value, lang, False)
            items.append((label, st))
    else:
        items.append(("", feature_style(info, {}, geom, name)))
    rows = [(_swatch(kind, st), label) for label, st in items]
    planned = info.get("planned") or {}
    if kind == "point" and planned.get("values"):
        st = feature_style(info, {planned["field"]: planned["values"][0]}, geom, name)
        words = "、".join if lang == "zh" else ", ".join
        rows.append((_swatch(kind, st), i18n.t("map_planned_symbol", lang).format(
            what=words(i18n.value_label(v, lang, False) for v in planned["values"]))))
    if len(rows) == 1 and not rows[0][1]:
        # A single style: the swatch sits next to the layer title.
        body = (f'<div class="sn-legend-item">{rows[0][0]}'
                f'<span class="sn-legend-layer-title">{_esc(title)}</span></div>')
    else:
        body = f'<div class="sn-legend-layer-title">{_esc(title)}</div>' + "".join(
            f'<div class="sn-legend-item">{sw}<span>{_esc(label)}</span></div>'
            for sw, label in rows)
    hidden = "" if shown else ' style="display:none"'
    return (f'<div class="sn-legend-layer" data-layer="{_esc(name)}"{hidden}>'
            f"{body}</div>")


# --------------------------------------------------------------------------- building

def _prepare(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326, reprojecting if needed (a missing CRS is an error)."""
    arg = f"layers['{name}']"
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{arg} is a {type(gdf).__name__}; pass a geopandas.GeoDataFrame "
                        "(e.g. from songnan_geo.layers.io.load_layer).")
    if gdf.crs is not None and CRS.from_user_input(gdf.crs).equals(STORAGE_CRS):
        return gdf
    return to_storage_crs(gdf, arg)  # raises, naming arg, when the CRS is missing


def _feature_collection(name: str, gdf: gpd.GeoDataFrame, info: dict, title: str,
                        lang: str) -> tuple[dict, dict, bool]:
    """GeoJSON for folium with only id/layer and the escaped HTML as properties.

    Returns ``(collection, styles by feature id, has_points)``.
    """
    geom_col = gdf.geometry.name
    cols = [c for c in gdf.columns if c != geom_col]
    ids = gdf["id"].tolist() if "id" in gdf.columns else []
    # Feature ids are written into the page's script as they are (folium's style map and
    # GeoJSON): only plain ids are used, else the row number (see safe_text).
    use_ids = (len(ids) == len(gdf) and all(isinstance(v, str) and _PLAIN_ID_RE.match(v) for v in ids)
               and len(set(ids)) == len(ids))
    features, styles, has_points = [], {}, False
    rows = gdf[cols].itertuples(index=False, name=None)
    for i, (geom, row) in enumerate(zip(gdf.geometry, rows)):
        if geom is None or geom.is_empty:
            continue
        props = {c: _plain(v) for c, v in zip(cols, row)}
        fid = ids[i] if use_ids else str(i)
        gtype = geom.geom_type
        has_points = has_points or gtype in _POINT_TYPES
        styles[fid] = feature_style(info, props, gtype, name)
        features.append({
            "type": "Feature",
            "id": fid,
            "geometry": geom.__geo_interface__,
            "properties": {
                "id": fid,
                "layer": name,
                TOOLTIP_PROPERTY: _esc(feature_name(props, lang)),
                POPUP_PROPERTY: popup_html(props, title, lang, _geom_kind(gtype)),
            },
        })
    return {"type": "FeatureCollection", "features": features}, styles, has_points


def build_map(layers: dict[str, gpd.GeoDataFrame], manifest: dict, lang: str = "zh",
              basemap: str = "blank", visible: set[str] | None = None,
              asset_base_url: str = LEAFLET_URL_PREFIX) -> folium.Map:
    """Build the interactive map of the town's layers.

    Parameters
    ----------
    layers : dict of str to geopandas.GeoDataFrame
        Layer name (a key of ``manifest["layers"]``) → its features. Expected in
        EPSG:4326 (longitude/latitude, degrees); another CRS is reprojected, a missing
        CRS is an error. Layers are drawn in manifest order (bottom first); manifest
        layers missing from ``layers`` are left out.
    manifest : dict
        The parsed ``data/geo/manifest.json`` (see :func:`songnan_geo.layers.io.read_manifest`).
    lang : {"zh", "en"}, default "zh"
        Language of layer titles, popups, tooltips and legend.
    basemap : str, default "blank"
        A key of :data:`BASEMAPS`. "blank" draws no tiles (offline-safe); the online
        basemaps degrade to the grey background when tiles cannot be fetched. Over a
        GCJ-02 basemap (Gaode) every layer is drawn shifted to GCJ-02 so it sits on the
        tiles; the GeoDataFrames passed in are not changed. A basemap whose key is not
        configured (Tianditu) draws no tiles and shows a notice saying how to set it.
    visible : set of str, optional
        Layers switched on when the map opens; the others are in the layer control but
        off. Default: all given layers.
    asset_base_url : str, default ``/app/static/vendor/leaflet/``
        URL prefix under which ``leaflet.js`` and ``leaflet.css`` are served (see
        :func:`songnan_geo.maps.assets.ensure_static_assets`); e.g. a ``file://`` URL for a
        standalone HTML file.

    Returns
    -------
    folium.Map
        Whose ``default_js``/``default_css`` reference only Leaflet at
        ``asset_base_url``. Pass it to ``streamlit_folium.st_folium`` or save it.
        Line weights and marker radii are in screen pixels; the scale bar shows metres.

    Raises
    ------
    ValueError
        For an unknown ``lang``, ``basemap`` or layer name (the message lists the valid
        ones) or a style colour in the manifest that is not a CSS colour.
    """
    _check_lang(lang)
    base = _basemap(basemap)
    if not isinstance(manifest, Mapping) or not isinstance(manifest.get("layers"), Mapping):
        raise ValueError("manifest has no 'layers' mapping. Pass the parsed "
                         "data/geo/manifest.json, e.g. songnan_geo.layers.io.read_manifest().")
    infos = manifest["layers"]
    unknown = [n for n in layers if n not in infos]
    if unknown:
        raise ValueError(f"layers has unknown layer name(s) {', '.join(map(repr, unknown))}. "
                         f"Valid names (from the manifest): {', '.join(infos)}.")
    if visible is None:
        visible = set(layers)
    else:
        bad = sorted(set(visible) - set(infos))
        if bad:
            raise ValueError(f"visible has unknown layer name(s) {', '.join(map(repr, bad))}. "
                             f"Valid names: {', '.join(infos)}.")
    if not asset_base_url.endswith("/"):
        asset_base_url += "/"

    prepared = {name: _prepare(gdf, name) for name, gdf in layers.items()}
    if basemap_datum(basemap) != "wgs84":
        # Tiles in GCJ-02: move what is drawn onto them (copies; the data stay WGS84).
        prepared = {name: convert_gdf(gdf, "wgs84", basemap_datum(basemap), f"layers['{name}']")
                    for name, gdf in prepared.items()}

    # zoomSnap 0.25: the first view fits the town closely (Leaflet scales tiles in between).
    m = folium.Map(location=TOWN_CENTRE, zoom_start=14, tiles=None, control_scale=True,
                   maxZoom=base.get("max_zoom", 20), zoomSnap=0.25)
    # Instance attributes: never mutate folium's class-level CDN lists.
    m.default_js = [("leaflet", asset_base_url + LEAFLET_JS)]
    m.default_css = [("leaflet_css", asset_base_url + LEAFLET_CSS)]
    _add_tiles(m, basemap, lang)
    _PageStyle().add_to(m)

    sections, label_specs = [], []
    for name, info in infos.items():
        if name not in prepared:
            continue
        gdf = prepared[name]
        title = i18n.layer_title(info, lang)
        shown = name in visible
        group = folium.FeatureGroup(name=_esc(title), show=shown)
        data, styles, has_points = _feature_collection(name, gdf, info, title, lang)
        if data["features"]:
            radius = (info.get("style") or {}).get("radius", 6)
            # A layer made from others' data (e.g. OpenStreetMap, ODbL) names them in the map's
            # attribution control while it is shown. Escaped (the control sets innerHTML) and
            # braces as entities (folium renders options through Jinja2).
            attribution = {"attribution": _esc(info["attribution"]).replace("{", "&#123;")
                           .replace("}", "&#125;")} if info.get("attribution") else {}
            gj = folium.GeoJson(
                data,
                style_function=lambda f, _s=styles: _s[f["id"]],
                marker=folium.CircleMarker(radius=radius) if has_points else None,
                control=False,
                **attribution,
            )
            folium.GeoJsonTooltip(fields=[TOOLTIP_PROPERTY], labels=False, localize=False,
                                  sticky=True, class_name="sn-tooltip").add_to(gj)
            folium.GeoJsonPopup(fields=[POPUP_PROPERTY], labels=False, localize=False,
                                class_name="sn-popup-wrap", max_width=380).add_to(gj)
            gj.add_to(group)
        group.add_to(m)
        id_names = {}
        if info.get("style_by") == "id" and "id" in gdf.columns:
            records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
            id_names = {str(r["id"]): feature_name({k: _plain(v) for k, v in r.items()}, lang)
                        for r in records}
        sections.append((name, group, _legend_section(name, info, title, id_names, shown, lang)))
        if name in LABEL_MIN_ZOOM and len(gdf):
            label_specs.append((LABEL_MIN_ZOOM[name], name, group, _labels(gdf, lang)))

    # Collapsed: one button in the corner; the list opens on hover or tap.
    folium.LayerControl(collapsed=True).add_to(m)
    label_specs.sort(key=lambda spec: spec[0])   # lowest zoom first: they have priority
    NameLabels([(name, group, z, labels) for z, name, group, labels in label_specs]).add_to(m)
    Legend(i18n.t("legend", lang), sections,
           labels_text=i18n.t("map_labels", lang) if label_specs else None).add_to(m)
    if any(_mentions_osm(gdf) for gdf in prepared.values()):
        Attribution(i18n.t("map_osm_attribution", lang)).add_to(m)

    bounds = _bounds(prepared)
    if bounds is not None:
        FitTown(bounds).add_to(m)   # last: it measures the controls above
    return m


#: Layers whose names are written on the map, and the zoom from which they are; at that zoom a
#: label still shows only where it does not overlap one with priority (lower zoom first).
LABEL_MIN_ZOOM = {"metro_stations": 12.5, "carrier_parks": 13.0, "parcels": 13.0, "residential": 14.5}


def _labels(gdf: gpd.GeoDataFrame, lang: str) -> list:
    """``[lat, lon, escaped name]`` of each feature at its representative point (degrees)."""
    out = []
    cols = [c for c in ("name", "name_en", "id") if c in gdf.columns]
    for geom, *vals in zip(gdf.geometry, *(gdf[c] for c in cols)):
        if geom is None or geom.is_empty:
            continue
        text = feature_name({c: _plain(v) for c, v in zip(cols, vals)}, lang)
        if not text:
            continue
        pt = geom if geom.geom_type == "Point" else geom.representative_point()
        out.append([round(pt.y, 7), round(pt.x, 7), _esc(text)])
    return out


def _mentions_osm(gdf: gpd.GeoDataFrame) -> bool:
    """True if any feature's ``source`` names OpenStreetMap (its data need the ODbL credit)."""
    if "source" not in gdf.columns:
        return False
    return bool(gdf["source"].astype(str).str.contains(r"OpenStreetMap|\bOSM\b", regex=True).any())


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


class KeepOverlayChoices(MacroElement):
    """Keeps the planner's on/off choice of overlays across st_folium updates.

    When a page passes ``feature_group_to_add`` and ``layer_control`` to st_folium, every rerun
    that changes the overlays replaces them and the layer control, and the new groups are all
    switched on: an overlay the planner had switched off came back after each map click. This
    script (added once to the base map, which st_folium keeps) remembers the overlays the
    planner switched off *by clicking the layer control* (Leaflet marks those events with the
    control's ``_handlingClick``; st_folium's own removals are not choices) by their name, in the
    tab's ``sessionStorage`` under ``key`` (so a reloaded map frame remembers them too), and
    switches them off again whenever a group of that name is on the map. It uses st_folium's
    ``window.map`` and ``window.layer_control``; outside st_folium it does nothing.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var storeKey = "sn-hidden-overlays:" + {{ this.key_js }};
            function load() {
                try { return JSON.parse(window.sessionStorage.getItem(storeKey) || "{}"); }
                catch (err) { return {}; }
            }
            function save(hidden) {
                try { window.sessionStorage.setItem(storeKey, JSON.stringify(hidden)); } catch (err) {}
            }
            function bind() {
                var map = window.map;
                if (!map || !map.on) { return setTimeout(bind, 100); }
                if (map._snKeepOverlays) { return; }
                map._snKeepOverlays = true;
                var byUser = function () { return window.layer_control && window.layer_control._handlingClick; };
                map.on("overlayremove", function (e) {
                    if (byUser()) { var h = load(); h[e.name] = true; save(h); }
                });
                map.on("overlayadd", function (e) {
                    if (byUser()) { var h = load(); delete h[e.name]; save(h); }
                });
                setInterval(function () {
                    var control = window.layer_control;
                    if (!control || !control._layers) { return; }
                    var hidden = load();
                    control._layers.forEach(function (entry) {
                        if (entry.overlay && hidden[entry.name] && map.hasLayer(entry.layer)) {
                            map.removeLayer(entry.layer);
                        }
                    });
                }, {{ this.interval_ms }});
            }
            bind();
        })();
        {% endmacro %}
    """)

    def __init__(self, key: str, interval_ms: int = 100):
        super().__init__()
        self._name = "KeepOverlayChoices"
        self.key, self.interval_ms = str(key), int(interval_ms)
        self.key_js = js_literal(self.key)


class MapControl(MacroElement):
    """A fixed box in a map corner: a Leaflet control holding text or pre-escaped HTML.

    Parameters
    ----------
    content : str
        Plain text (shown with ``textContent``, never parsed), or, with ``html=True``, markup
        whose data the caller has already escaped (assigned to ``innerHTML``).
    position : str
        Leaflet corner: 'topleft', 'topright', 'bottomleft' or 'bottomright'.
    css_class : str
        Class of the box (``sn-notice`` and ``sn-legend`` are styled by this module). A box whose
        HTML has a ``<button class="sn-legend-title">`` folds its ``.sn-legend-body`` when it is
        clicked, like the layer legend.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var box = L.control({position: {{ this.position_js }}});
            box.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.css_class_js }});
                {% if this.html %}div.innerHTML{% else %}div.textContent{% endif %} = {{ this.content_js }};
                // a box with a .sn-legend-title button folds like the legend
                var title = div.querySelector && div.querySelector(".sn-legend-title");
                if (title) {
                    title.addEventListener("click", function () {
                        var folded = div.classList.toggle("sn-folded");
                        title.setAttribute("aria-expanded", folded ? "false" : "true");
                        div.snUserChoice = true;
                    });
                }
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            box.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, content: str, position: str = "topright", css_class: str = "sn-notice",
                 html: bool = False):
        super().__init__()
        if position not in ("topleft", "topright", "bottomleft", "bottomright"):
            raise ValueError(f"position '{position}' is not a Leaflet corner; use topleft, topright, "
                             "bottomleft or bottomright.")
        self._name = "MapControl"
        self.content, self.position, self.css_class, self.html = content, position, css_class, html
        # Written into the script as JS literals (never as Jinja2 source: see safe_text).
        self.content_js, self.position_js = js_literal(str(content)), js_literal(position)
        self.css_class_js = js_literal(str(css_class))


def _add_tiles(m: folium.Map, basemap: str, lang: str) -> None:
    """The basemap's tile layer (and label layer), or a notice when its key is missing."""
    base = _basemap(basemap)
    if not base["tiles"]:
        return
    key = ""
    if base.get("key"):
        key = basemap_key(basemap)
        if key is None:
            MapControl(i18n.t("basemap_no_key", lang)).add_to(m)
            return
    for i, url in enumerate(u for u in (base["tiles"], base.get("labels")) if u):
        # Leaflet shows an attribution once however many layers carry it.
        folium.TileLayer(tiles=url.replace("{tk}", key), attr=base["attr"], name=f"{basemap}_{i}",
                         control=False, max_zoom=base.get("max_zoom", 19),
                         subdomains=base.get("subdomains", "abc")).add_to(m)


def _bounds(prepared: dict[str, gpd.GeoDataFrame]):
    """[[south, west], [north, east]] of the boundary layer, else of all layers."""
    def finite(b):
        return all(math.isfinite(v) for v in b)

    order = [prepared["boundary"]] if "boundary" in prepared else []
    order.append(None)
    for gdf in order:
        frames = [gdf] if gdf is not None else list(prepared.values())
        boxes = [f.total_bounds for f in frames if len(f) and finite(f.total_bounds)]
        if boxes:
            w = min(b[0] for b in boxes)
            s = min(b[1] for b in boxes)
            e = max(b[2] for b in boxes)
            n = max(b[3] for b in boxes)
            return [[float(s), float(w)], [float(n), float(e)]]
    return None


def asset_urls(m: folium.Map) -> list[str]:
    """Every JS/CSS URL the map and its children make a browser load.

    Walks the element tree as ``streamlit_folium.st_folium`` does (``default_js`` and
    ``default_css`` of every ``JSCSSMixin``; a branca ColorMap makes st_folium add d3
    from a CDN, so those URLs are reported too) and also reports explicit
    ``JavascriptLink``/``CssLink`` elements, including those in the figure header.

    Returns
    -------
    list of str
        Unique URLs in first-seen order.
    """
    urls: list[str] = []

    def walk(el):
        if isinstance(el, branca.colormap.ColorMap):
            urls.extend(_COLORMAP_JS)
        if isinstance(el, JSCSSMixin):
            urls.extend(url for _, url in getattr(el, "default_js", []))
            urls.extend(url for _, url in getattr(el, "default_css", []))
        if isinstance(el, (JavascriptLink, CssLink)):
            urls.append(el.url)
        for child in getattr(el, "_children", {}).values():
            walk(child)

    walk(m)
    root = m.get_root()
    if root is not m:
        for part in ("header", "html", "script"):
            el = getattr(root, part, None)
            if isinstance(el, Element):
                walk(el)
    return list(dict.fromkeys(urls))
