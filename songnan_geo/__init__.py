"""songnan_geo: spatial analysis for the 14th Five-Year Plan of 淞南镇 (Songnan, Baoshan, Shanghai).

Pure functions over GeoDataFrames, one module per planning question. Disk access lives in
:mod:`songnan_geo.layers.io` (layers) and :mod:`songnan_geo.maps.assets` (browser assets); map building in
:mod:`songnan_geo.maps.folium_map` (folium, no streamlit).
"""
from songnan_geo.coords.crs import STORAGE_CRS, TOWN_CRS
from songnan_geo.layers.io import LayerValidationError, load_all_layers, load_layer

__all__ = ["STORAGE_CRS", "TOWN_CRS", "LayerValidationError", "load_layer", "load_all_layers"]
