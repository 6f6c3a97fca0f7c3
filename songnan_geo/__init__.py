"""songnan_geo: spatial analysis for the 14th Five-Year Plan of 淞南镇 (Songnan, Baoshan, Shanghai).

Pure functions over GeoDataFrames, one module per planning question. Disk access lives in
:mod:`songnan_geo.layers.io` (layers) and :mod:`songnan_geo.maps.assets` (browser assets); map building in
:mod:`songnan_geo.maps.folium_map` (folium, no streamlit).

The public names below are imported on first use (module ``__getattr__``), so that
``import songnan_geo`` — and ``python -m songnan_geo --help`` — does not load geopandas.
"""
from __future__ import annotations

import importlib

#: Public name → the module that defines it.
_LAZY = {
    "STORAGE_CRS": "songnan_geo.coords.crs",
    "TOWN_CRS": "songnan_geo.coords.crs",
    "LayerValidationError": "songnan_geo.layers.io",
    "load_layer": "songnan_geo.layers.io",
    "load_all_layers": "songnan_geo.layers.io",
}

__all__ = ["STORAGE_CRS", "TOWN_CRS", "LayerValidationError", "load_layer", "load_all_layers"]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'songnan_geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
