"""Maps: basemaps and styles, the folium map and its controls, the coverage map, tiles, assets.

``basemaps`` (the basemap catalogue) and ``styles`` (feature colours from the manifest) import no
folium: the matplotlib briefing map uses only them. ``popups`` (cards and names, escaped HTML; no
folium either), ``controls`` (legend, first-view fit, name labels, map boxes, page CSS), ``clicks``
(st_folium clicks in WGS84), ``folium_map`` (``build_map``), ``coverage_map``, ``tiles`` (tile
mosaics for the briefing map), ``tilekeys`` (optional Tianditu key), ``assets`` (Leaflet from
XStatic-Leaflet, served by the app).

May import: ``songnan_geo.text``, ``songnan_geo.coords``, ``songnan_geo.layers``,
``songnan_geo.lifecircle``, ``songnan_geo.plan.quotes``. Never ``store``, ``briefing``, ``cli`` or streamlit
(maps never import streamlit).
"""
