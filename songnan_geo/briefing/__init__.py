"""Investment briefings (招商简报): the facts of a site, its map image, the HTML/PDF document.

``facts`` (what a briefing says, from layers and plan rules), ``map`` (matplotlib site map, no
folium), ``render`` (HTML and PDF with the CJK font).

May import: ``songnan_geo.text``, ``songnan_geo.coords``, ``songnan_geo.layers``,
``songnan_geo.lifecircle``, ``songnan_geo.plan.quotes``, ``songnan_geo.store.tracker``, ``songnan_geo.maps``
(basemaps and tiles). Never ``cli`` or streamlit.
"""
