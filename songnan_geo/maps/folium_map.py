"""Folium map of the town's layers: styled, escaped, and fully offline.

:func:`build_map` turns the layers (GeoDataFrames in EPSG:4326, longitude/latitude in
degrees) and the manifest (``data/geo/manifest.json``) into a :class:`folium.Map`:

* one :class:`folium.FeatureGroup` per layer, in manifest order, named by its title in
  the chosen language and switched on/off with a :class:`folium.LayerControl`;
* colours, line weights and dashes from the manifest ``style`` / ``style_by`` /
  ``palette`` / ``weights``; points as shape markers, a shape per facility category and
  hollow when planned (:mod:`~songnan_geo.maps.symbols`: Leaflet paths, no icon font or image);
* a tooltip (the feature's name) and a popup (every property, labelled in the language,
  with an "estimated" badge) per feature;
* a legend control and a metric scale bar.

The parts live beside it: :mod:`~songnan_geo.maps.basemaps` (catalogue),
:mod:`~songnan_geo.maps.styles` (colours), :mod:`~songnan_geo.maps.popups` (cards),
:mod:`~songnan_geo.maps.controls` (legend, fit, labels) and :mod:`~songnan_geo.maps.clicks`.

Safety: every text from data or manifest is escaped here with
:func:`songnan_geo.text.safe_text.html_text` before it reaches the page: HTML-escaped, and with
``{ } $ \\ `` ` `` as character references. The second part matters because branca renders the
script of every map element once more as Jinja2 template source (a name ``{{ 7*191 }}`` would
be evaluated on the server, ``{#`` would break the page); with no ``{`` in any data text no
Jinja2 delimiter can form. Folium's ``GeoJsonTooltip`` inserts property values into
``innerHTML`` as they are (no escaping, no un-escaping), so each feature carries its
pre-escaped tooltip HTML in the hidden property ``_tooltip`` and no other data text; its
popup card, pre-escaped the same way, travels in the layer's one
:class:`~songnan_geo.maps.controls.PopupCards` object (by feature id). A feature's ``id`` is
kept only when plain (letters, digits, ``_.:-``), else replaced by its row number. The
GeoJSON is embedded with Jinja's ``tojson`` (``<``, ``>``, ``&``, ``'`` escaped, so nothing
closes the ``<script>``); this module's own elements write data with
:func:`songnan_geo.text.safe_text.js_literal`.

Offline: the page references only Leaflet's JS and CSS, at ``asset_base_url`` (served
by the app, see :mod:`songnan_geo.maps.assets`). Tile URLs appear only when an online
basemap is chosen; without tiles the vector layers still draw on a grey background.

This module never imports streamlit.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping

import branca.colormap
import folium
import geopandas as gpd
from branca.element import CssLink, Element, JavascriptLink
from folium.elements import JSCSSMixin
from pyproj import CRS

from songnan_geo.coords.chinacoords import convert_gdf
from songnan_geo.coords.crs import STORAGE_CRS, to_storage_crs
from songnan_geo.maps.assets import LEAFLET_CSS, LEAFLET_JS, LEAFLET_URL_PREFIX
from songnan_geo.maps.basemaps import (
    BASEMAPS,
    TOWN_CENTRE,
    basemap_datum,
    basemap_entry,
    basemap_key,
    basemap_title,
)
from songnan_geo.maps.clicks import CLICK_OBJECTS, clicked_lonlat, new_click, pending_point
from songnan_geo.maps.controls import (
    Attribution,
    FitTown,
    KeepOverlayChoices,
    Legend,
    MapControl,
    NameLabels,
    PageStyle,
    PopupCards,
    legend_section,
)
from songnan_geo.maps.popups import TOOLTIP_PROPERTY, feature_name, plain_value, popup_html
from songnan_geo.maps.styles import feature_style, geom_kind
from songnan_geo.maps.symbols import ShapeMarker, ShapeMarkers
from songnan_geo.text import i18n
from songnan_geo.text.safe_text import html_text as _esc

__all__ = [
    "LABEL_MIN_ZOOM", "asset_urls", "build_map",
    # Names that lived here before the split (issue 12), re-exported for callers that other
    # branches still write against; new code imports them from their own modules.
    "BASEMAPS", "CLICK_OBJECTS", "KeepOverlayChoices", "MapControl", "PopupCards", "TOOLTIP_PROPERTY",
    "basemap_datum", "basemap_title", "clicked_lonlat", "feature_style", "new_click", "pending_point",
    "popup_html",
]

_PLAIN_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,200}$")

# What streamlit_folium loads for a branca ColorMap (it inserts these CDN URLs itself).
_COLORMAP_JS = ("https://d3js.org/d3.v4.min.js",
                "https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js")

def _check_lang(lang: str) -> None:
    if lang not in i18n.LANGS:
        raise ValueError(f"lang '{lang}' is not supported. Use one of: {', '.join(i18n.LANGS)}.")

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
                        lang: str) -> tuple[dict, dict, dict, bool]:
    """GeoJSON for folium with only id/layer and the escaped tooltip as properties.

    Returns ``(collection, styles by feature id, popup cards by feature id, has_points)``.
    """
    geom_col = gdf.geometry.name
    cols = [c for c in gdf.columns if c != geom_col]
    ids = gdf["id"].tolist() if "id" in gdf.columns else []
    # Feature ids are written into the page's script as they are (folium's style map and
    # GeoJSON): only plain ids are used, else the row number (see safe_text).
    use_ids = (len(ids) == len(gdf) and all(isinstance(v, str) and _PLAIN_ID_RE.match(v) for v in ids)
               and len(set(ids)) == len(ids))
    features, styles, cards, has_points = [], {}, {}, False
    rows = gdf[cols].itertuples(index=False, name=None)
    for i, (geom, row) in enumerate(zip(gdf.geometry, rows)):
        if geom is None or geom.is_empty:
            continue
        props = {c: plain_value(v) for c, v in zip(cols, row)}
        fid = ids[i] if use_ids else str(i)
        gtype = geom.geom_type
        has_points = has_points or geom_kind(gtype) == "point"
        styles[fid] = feature_style(info, props, gtype, name)
        cards[fid] = popup_html(props, title, lang, geom_kind(gtype))
        features.append({
            "type": "Feature",
            "id": fid,
            "geometry": geom.__geo_interface__,
            "properties": {
                "id": fid,
                "layer": name,
                TOOLTIP_PROPERTY: _esc(feature_name(props, lang)),
            },
        })
    return {"type": "FeatureCollection", "features": features}, styles, cards, has_points

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
    base = basemap_entry(basemap)
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
    PageStyle().add_to(m)
    ShapeMarkers().add_to(m)   # before the layers: their points are L.SnShapeMarker

    sections, label_specs = [], []
    for name, info in infos.items():
        if name not in prepared:
            continue
        gdf = prepared[name]
        title = i18n.layer_title(info, lang)
        shown = name in visible
        group = folium.FeatureGroup(name=_esc(title), show=shown)
        data, styles, cards, has_points = _feature_collection(name, gdf, info, title, lang)
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
                marker=ShapeMarker(radius=radius) if has_points else None,
                control=False,
                **attribution,
            )
            folium.GeoJsonTooltip(fields=[TOOLTIP_PROPERTY], labels=False, localize=False,
                                  sticky=True, class_name="sn-tooltip").add_to(gj)
            PopupCards(cards, css_class="sn-popup-wrap", max_width_px=380).add_to(gj)
            gj.add_to(group)
        group.add_to(m)
        id_names = {}
        if info.get("style_by") == "id" and "id" in gdf.columns:
            records = gdf.drop(columns=gdf.geometry.name).to_dict("records")
            id_names = {str(r["id"]): feature_name({k: plain_value(v) for k, v in r.items()}, lang)
                        for r in records}
        sections.append((name, group, legend_section(name, info, title, id_names, shown, lang)))
        if name in LABEL_MIN_ZOOM and len(gdf):
            label_specs.append((LABEL_MIN_ZOOM[name], name, group, _labels(gdf, lang)))

    # Collapsed: one button in the corner; the list opens on hover or tap.
    folium.LayerControl(collapsed=True).add_to(m)
    label_specs.sort(key=lambda spec: spec[0])   # lowest zoom first: they have priority
    NameLabels([(name, group, z, labels) for z, name, group, labels in label_specs]).add_to(m)
    Legend(i18n.t("legend", lang), sections,
           labels_text=i18n.t("map_labels", lang) if label_specs else None).add_to(m)
    # A layer whose manifest names its attribution credits it itself while shown (above); one
    # whose source mentions OpenStreetMap without that (e.g. an import) gets the ODbL credit here.
    if any(_mentions_osm(gdf) for name, gdf in prepared.items() if not infos[name].get("attribution")):
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
        text = feature_name({c: plain_value(v) for c, v in zip(cols, vals)}, lang)
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

def _add_tiles(m: folium.Map, basemap: str, lang: str) -> None:
    """The basemap's tile layer (and label layer), or a notice when its key is missing."""
    base = basemap_entry(basemap)
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
