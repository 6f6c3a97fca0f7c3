"""Folium map of a coverage analysis, on top of the town's base map.

:func:`build_coverage_base_map` takes :func:`songnan_geo.maps.folium_map.build_map` for the context
layers (boundary, roads …; offline Leaflet, basemap, GCJ-02 shift for Gaode tiles) and a
static legend; :func:`coverage_overlays` makes the analysis layers, each a feature group
for the layer control:

* the service areas (one colour per facility type),
* the 居委 residential areas shaded by covered share (tooltip: name, estimated
  population, covered population and share),
* the uncovered parts of the residential areas, in red,
* the existing facilities (a shape per facility category, see
  :func:`songnan_geo.maps.styles.point_shape`), the planner's candidate sites and the best
  sites found by the siting model (circles).

The base map does not change with the analysis, so a Streamlit page can keep it (and
the planner's zoom and pan) while the overlays change: ``st_folium(base,
feature_group_to_add=overlays, layer_control=control)``. Every text is escaped with
:func:`songnan_geo.text.safe_text.html_text` (HTML, and inert as the Jinja2 source branca makes of
each element's script). Inputs may be in any CRS with a CRS set; they are drawn in EPSG:4326
(or shifted to GCJ-02 for Gaode).
Never imports streamlit.
"""
from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np

from songnan_geo.coords.chinacoords import convert_gdf
from songnan_geo.coords.crs import to_storage_crs
from songnan_geo.maps.basemaps import basemap_datum
from songnan_geo.maps.controls import KeepOverlayChoices, MapControl, shape_swatch
from songnan_geo.maps.folium_map import build_map
from songnan_geo.maps.styles import point_shape
from songnan_geo.maps.symbols import ShapeMarker
from songnan_geo.text import i18n
from songnan_geo.text.safe_text import html_text as _esc

#: Colours of service areas, cycled by facility type.
SERVICE_COLOURS = ["#1f78b4", "#33a02c", "#e7298a", "#a6761d", "#b15928", "#a6cee3",
                   "#b2df8a", "#cab2d6", "#fdbf6f", "#1b9e77", "#d95f02", "#7570b3",
                   "#8dd3c7", "#66a61e", "#e6ab02"]
UNCOVERED_COLOUR = "#e31a1c"
FACILITY_COLOUR = "#222222"
CANDIDATE_COLOUR = "#ff7f00"
BEST_COLOUR = "#6a3d9a"
_TOOLTIP = "_tooltip"


def share_colour(share: float) -> str:
    """Fill colour of a covered share (0 → red, 0.5 → yellow, 1 → green)."""
    s = float(np.clip(share if np.isfinite(share) else 0.0, 0, 1))
    stops = [(0.0, (215, 48, 39)), (0.5, (254, 224, 139)), (1.0, (26, 152, 80))]
    for (s0, c0), (s1, c1) in zip(stops[:-1], stops[1:]):
        if s <= s1:
            f = (s - s0) / (s1 - s0)
            rgb = [round(a + (b - a) * f) for a, b in zip(c0, c1)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#1a9850"


def _display(gdf: gpd.GeoDataFrame, basemap: str, arg: str) -> gpd.GeoDataFrame:
    out = to_storage_crs(gdf, arg)
    datum = basemap_datum(basemap)
    return convert_gdf(out, "wgs84", datum, arg) if datum != "wgs84" else out


def _geojson(gdf: gpd.GeoDataFrame, tooltips: list[str], styles: list[dict], group,
             radius: float | None = None) -> None:
    feats = []
    for i, (geom, tip) in enumerate(zip(gdf.geometry, tooltips)):
        if geom is None or geom.is_empty:
            continue
        feats.append({"type": "Feature", "id": str(i), "geometry": geom.__geo_interface__,
                      "properties": {_TOOLTIP: tip}})
    if not feats:
        return
    by_id = {str(i): s for i, s in enumerate(styles)}
    gj = folium.GeoJson({"type": "FeatureCollection", "features": feats},
                        style_function=lambda f, _s=by_id: _s[f["id"]],
                        marker=ShapeMarker(radius=radius) if radius else None,
                        control=False)
    folium.GeoJsonTooltip(fields=[_TOOLTIP], labels=False, localize=False, sticky=True).add_to(gj)
    gj.add_to(group)


def _swatch(colour: str, round_: bool = False) -> str:
    radius = "border-radius:50%;width:10px;" if round_ else ""
    return (f'<span class="sn-sw" style="display:inline-block;width:14px;height:10px;{radius}'
            f'background:{_esc(colour)};border:1px solid #333"></span>')


def _service_colours(service_types) -> dict[str, str]:
    return {g: SERVICE_COLOURS[i % len(SERVICE_COLOURS)] for i, g in enumerate(service_types)}


def build_coverage_base_map(context: dict[str, gpd.GeoDataFrame], manifest: dict, *,
                            service_types: list[str], lang: str = "zh", basemap: str = "blank",
                            type_titles: dict[str, str] | None = None
                            ) -> tuple[folium.Map, folium.LayerControl]:
    """The part of the coverage map that does not change with the analysis.

    The context layers drawn by :func:`build_map` and the legend (its service-area rows
    from ``service_types``, in that order, coloured as :func:`coverage_overlays` draws
    them). Built from the same inputs, its script is the same on every call, so
    ``streamlit_folium.st_folium`` keeps the rendered map (and the planner's zoom and
    pan) and only swaps the overlays passed as ``feature_group_to_add``.

    Parameters
    ----------
    context : dict of layer name → GeoDataFrame
        Manifest layers drawn underneath by :func:`build_map` (e.g. boundary, roads).
    service_types : list of str
        Service-area groups the legend lists (facility types).
    type_titles : dict, optional
        Display title of each service-area group.

    Returns
    -------
    (folium.Map, folium.LayerControl)
        The map, and its layer control taken off it: pass it to ``st_folium`` as
        ``layer_control`` so it also lists the overlays, or add it back last.
    """
    t = lambda k: i18n.t(k, lang)  # noqa: E731
    m = build_map(context, manifest, lang=lang, basemap=basemap)
    titles = type_titles or {}
    rows = [(_swatch(share_colour(0.0)), t("cov_legend_share0")),
            (_swatch(share_colour(1.0)), t("cov_legend_share1")),
            (_swatch(UNCOVERED_COLOUR), t("cov_layer_uncovered")),
            (_swatch(FACILITY_COLOUR, True), t("cov_layer_facilities")),
            (_swatch(CANDIDATE_COLOUR, True), t("cov_layer_candidates")),
            (_swatch(BEST_COLOUR, True), t("cov_layer_best"))]
    # a facility type's row: its marker (shape by category, in the type's colour), which is
    # also the colour of its service areas
    rows += [(shape_swatch(point_shape(g), "#000000", c), f"{titles.get(g, g)}")
             for g, c in _service_colours(service_types).items()]
    html = (f'<button type="button" class="sn-legend-title" aria-expanded="true">'
            f'{_esc(t("cov_legend"))}</button><div class="sn-legend-body">'
            + "".join(f'<div class="sn-legend-item">{sw}<span>{_esc(label)}</span></div>'
                      for sw, label in rows)
            + f'<div style="color:#7a5b00;margin-top:3px">{_esc(t("cov_legend_estimated"))}</div></div>')
    # In the right-hand column with the layer legend, where build_map's first view leaves room.
    MapControl(html, position="topright", css_class="sn-legend sn-coverage-legend", html=True).add_to(m)
    KeepOverlayChoices("coverage").add_to(m)   # an overlay switched off stays off after a click
    control = None
    for key, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            control = m._children.pop(key)
            control._parent = None
    return m, control


def coverage_overlays(*, residential: gpd.GeoDataFrame, service_areas: gpd.GeoDataFrame,
                      uncovered: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                      candidates: gpd.GeoDataFrame | None = None,
                      best_sites: gpd.GeoDataFrame | None = None,
                      service_types: list[str] | None = None,
                      lang: str = "zh", basemap: str = "blank",
                      type_titles: dict[str, str] | None = None) -> list[folium.FeatureGroup]:
    """The analysis layers of the coverage map, as feature groups not yet on a map.

    Parameters
    ----------
    residential : GeoDataFrame
        A :func:`songnan_geo.lifecircle.coverage.coverage_by_area` result with ``name``,
        ``population``, ``covered_pop`` and ``covered_share``.
    service_areas : GeoDataFrame
        :func:`songnan_geo.lifecircle.coverage.service_areas` (``group``, ``radius_m``).
    uncovered : GeoDataFrame
        Residential parts outside every service area.
    facilities, candidates, best_sites : GeoDataFrame
        Points (polygons are drawn at their representative point) with ``name``.
    service_types : list of str, optional
        The legend's service-area groups (see :func:`build_coverage_base_map`), which fix
        the colours; groups not in it follow them. Default: the groups of ``service_areas``.
    type_titles : dict, optional
        Display title of each service-area group.

    Returns
    -------
    list of folium.FeatureGroup
        Service areas, residential areas by covered share, uncovered parts, facilities,
        candidate sites, best sites (bottom first). Pass them to ``st_folium`` as
        ``feature_group_to_add``, or add them to a map.
    """
    t = lambda k: i18n.t(k, lang)  # noqa: E731
    titles = type_titles or {}
    groups = []

    sa = _display(service_areas, basemap, "service_areas")
    g_sa = folium.FeatureGroup(name=_esc(t("cov_layer_service")), show=True)
    colours = _service_colours(dict.fromkeys([*(service_types or []), *sa["group"]]))
    _geojson(sa, [_esc(f"{titles.get(g, g)} · {r:g} m") for g, r in zip(sa["group"], sa["radius_m"])],
             [{"color": colours[g], "weight": 1, "fillColor": colours[g], "fillOpacity": 0.12,
               "opacity": 0.7} for g in sa["group"]], g_sa)
    groups.append(g_sa)

    res = _display(residential, basemap, "residential")
    g_res = folium.FeatureGroup(name=_esc(t("cov_layer_residential")), show=True)
    tips = [_esc(f"{n} — {t('cov_pop_est')} {p:,.0f}; {t('cov_covered_pop')} {c:,.0f} "
                 f"({s:.0%})")
            for n, p, c, s in zip(res["name"], res["population"], res["covered_pop"],
                                  res["covered_share"])]
    _geojson(res, tips, [{"color": "#555555", "weight": 1, "fillColor": share_colour(s),
                          "fillOpacity": 0.45} for s in res["covered_share"]], g_res)
    groups.append(g_res)

    unc = _display(uncovered, basemap, "uncovered")
    g_unc = folium.FeatureGroup(name=_esc(t("cov_layer_uncovered")), show=True)
    _geojson(unc, [_esc(f"{n} — {t('cov_uncovered')}") for n in unc["name"]],
             [{"color": UNCOVERED_COLOUR, "weight": 2, "dashArray": "4 3",
               "fillColor": UNCOVERED_COLOUR, "fillOpacity": 0.35}] * len(unc), g_unc)
    groups.append(g_unc)

    if facilities is not None and len(facilities) and "type" in facilities.columns:
        # One colour per facility type (the service areas' colours), one shape per category.
        g_fac = folium.FeatureGroup(name=_esc(t("cov_layer_facilities")), show=True)
        pts = facilities.copy()
        pts = _display(pts.set_geometry(pts.geometry.representative_point()), basemap, "facilities")
        kinds = pts["type"].astype(str)
        names = pts["name"] if "name" in pts.columns else kinds
        _geojson(pts, [_esc(f"{n} · {titles.get(k, k)}") for n, k in zip(names, kinds)],
                 [{"color": "#000000", "weight": 1.5, "fill": True,
                   "fillColor": colours.get(k, FACILITY_COLOUR),
                   "fillOpacity": 0.95, "radius": 6, "shape": point_shape(k)} for k in kinds],
                 g_fac, radius=6)
        groups.append(g_fac)
        facilities = None
    for key, gdf, colour, radius in (("cov_layer_facilities", facilities, FACILITY_COLOUR, 5),
                                     ("cov_layer_candidates", candidates, CANDIDATE_COLOUR, 7),
                                     ("cov_layer_best", best_sites, BEST_COLOUR, 8)):
        group = folium.FeatureGroup(name=_esc(t(key)), show=True)
        if gdf is not None and len(gdf):
            pts = gdf.copy()
            pts = pts.set_geometry(pts.geometry.representative_point())
            pts = _display(pts, basemap, key)
            names = pts["name"] if "name" in pts.columns else [t(key)] * len(pts)
            _geojson(pts, [_esc(n) for n in names],
                     [{"color": "#000000", "weight": 1.5, "fill": True, "fillColor": colour,
                       "fillOpacity": 0.95, "radius": radius}] * len(pts), group, radius=radius)
        if key != "cov_layer_facilities" or gdf is not None:
            groups.append(group)
    g_lab = folium.FeatureGroup(name=_esc(t("cov_layer_labels")), show=True)
    for name, pt in zip(res["name"], res.geometry.representative_point()):
        # interactive=False: a click on a label reaches the map (adds a candidate there).
        folium.Marker([pt.y, pt.x], interactive=False, icon=folium.DivIcon(
            class_name="sn-juwei-label", icon_size=(0, 0),
            html=f'<div style="font-size:11px;color:#333;white-space:nowrap;pointer-events:none;'
                 f'transform:translate(-50%,-50%)">{_esc(name)}</div>')).add_to(g_lab)
    groups.append(g_lab)
    return groups
