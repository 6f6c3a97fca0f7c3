"""The data every page starts from, loaded once per server process and shared by all sessions.

``app_main.py`` (the Streamlit script) reads the layers and the sidebar's summary through these
cached functions, and :mod:`songnan_ui.warmup` calls the same functions when the server starts,
so the first planner's page finds them ready. Nothing here renders anything.
"""
from __future__ import annotations

import streamlit as st

from songnan_geo.layers.io import load_all_layers, read_manifest
from songnan_geo.layers.summary import layer_summary, summary_lines
from songnan_geo.maps.assets import ensure_static_assets


@st.cache_resource(show_spinner=False)
def static_assets():
    """Leaflet's files in ``static/`` (:func:`songnan_geo.maps.assets.ensure_static_assets`), once."""
    return ensure_static_assets()


@st.cache_resource(show_spinner=False)
def load_layers(data_dir: str):
    """All layers of ``data_dir`` (EPSG:4326, validated) and its manifest.

    Raises
    ------
    songnan_geo.layers.io.LayerValidationError
        Every problem found in the data folder.
    """
    return load_all_layers(data_dir), read_manifest(data_dir)


@st.cache_resource(show_spinner=False, max_entries=8)
def sidebar_summary(layers_id: int, lang: str, _layers, _manifest) -> list[str]:
    """The sidebar's layer summary lines, measured once per loaded layers (``layers_id``, the
    id of :func:`load_layers`' result, changes when the layers are reloaded) and language."""
    return summary_lines(layer_summary(_layers, _manifest, lang), _manifest, lang)
