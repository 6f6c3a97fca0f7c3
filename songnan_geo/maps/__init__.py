"""Maps: basemaps and styles, the folium map and its controls, the coverage map, tiles, assets.

``folium_map`` (``build_map``, popups, legend, click helpers), ``coverage_map``, ``tiles`` (tile
mosaics for the briefing map), ``tilekeys`` (optional Tianditu key), ``assets`` (Leaflet from
XStatic-Leaflet, served by the app).

May import: ``songnan_geo.text``, ``songnan_geo.coords``, ``songnan_geo.layers``,
``songnan_geo.lifecircle``, ``songnan_geo.plan.quotes``. Never ``store``, ``briefing``, ``cli`` or streamlit
(maps never import streamlit).
"""
