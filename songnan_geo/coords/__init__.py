"""Coordinates: the storage and the town's metric CRS, and China's GCJ-02/BD-09 datums.

``crs`` (``STORAGE_CRS`` EPSG:4326 on disk, ``TOWN_CRS`` for metric work; ``set_crs`` never
transforms, ``to_crs`` does), ``chinacoords`` (WGS84 ↔ GCJ-02 ↔ BD-09, which PROJ does not have).

May import: ``songnan_geo.text``. Never ``store``, ``briefing``, ``maps``, ``reports``, ``cli`` or streamlit.
"""
