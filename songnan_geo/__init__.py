"""songnan_geo: spatial analysis for the 14th Five-Year Plan of 淞南镇 (Songnan, Baoshan, Shanghai).

Pure functions over GeoDataFrames, one module per planning question. Disk access lives in
:mod:`songnan_geo.io` (layers) and :mod:`songnan_geo.assets` (browser assets); map building in
:mod:`songnan_geo.mapping` (folium, no streamlit).
"""
from songnan_geo.crs import STORAGE_CRS, TOWN_CRS
from songnan_geo.io import LayerValidationError, load_all_layers, load_layer

__all__ = ["STORAGE_CRS", "TOWN_CRS", "LayerValidationError", "load_layer", "load_all_layers"]
