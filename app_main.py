"""淞南镇产业布局规划工具 — the Streamlit script: navigation and the shared sidebar.

Served by ``streamlit run app.py`` (``app.py`` is the server: it runs this script for every
session and warms the process up when it starts). Every page reads what the sidebar set from
``st.session_state`` (``lang``, ``basemap``) and the layers through
:func:`songnan_ui.app_data.load_layers`, cached once per process.
"""
from __future__ import annotations

import streamlit as st

from songnan_geo import config
from songnan_geo.layers.io import LayerValidationError
from songnan_geo.maps.basemaps import BASEMAPS, basemap_title
from songnan_geo.text.i18n import t
from songnan_ui.app_data import load_layers, sidebar_summary, static_assets
from songnan_ui.page import show_error
from songnan_ui.widget_text import localise_builtin_widgets

# no page_icon: an icon name makes the browser fetch it from a font CDN
st.set_page_config(page_title="淞南镇产业布局规划工具", layout="wide")

static_assets()

with st.sidebar:
    lang = st.radio(t("language"), ["zh", "en"], horizontal=True, key="lang",
                    format_func=lambda v: "中文" if v == "zh" else "English")
    # One widget per language (its option labels change with it); the choice itself is kept
    # in st.session_state["basemap"] across the switch.
    names = list(BASEMAPS)
    st.session_state["basemap"] = st.selectbox(
        t("basemap", lang), names, index=names.index(st.session_state.get("basemap", "blank")),
        key=f"basemap_{lang}", format_func=lambda k: basemap_title(k, lang), help=t("basemap_hint", lang))

try:
    layers, manifest = load_layers(str(config.data_dir()))
except LayerValidationError as exc:
    show_error(exc, lang, t("data_error", lang))   # the problems in the UI's language
    st.stop()

localise_builtin_widgets(lang)  # Streamlit's own "Upload" / "200MB per file" in the UI's language

# Pages read these (and "lang", "basemap") from the session; no page imports another.
st.session_state["layers"], st.session_state["manifest"] = layers, manifest

with st.sidebar:
    st.subheader(t("summary", lang))
    # a compact list, not a table: a narrow sidebar clipped the table's titles and headers
    for line in sidebar_summary(id(layers), lang, layers, manifest):
        st.markdown(line)
    st.caption(t("estimated_banner", lang))

pages = [
    st.Page("app_pages/overview.py", title=t("overview", lang), default=True),
    st.Page("app_pages/catalogue.py", title=t("catalogue", lang), url_path="catalogue"),
    st.Page("app_pages/data_manager.py", title=t("data_manager", lang), url_path="data"),
    st.Page("app_pages/tracker.py", title=t("tracker", lang), url_path="tracker"),
    st.Page("app_pages/coverage.py", title=t("coverage", lang), url_path="coverage"),
    st.Page("app_pages/population.py", title=t("population", lang), url_path="population"),
    st.Page("app_pages/briefing.py", title=t("briefing", lang), url_path="briefing"),
    st.Page("app_pages/indicators.py", title=t("indicators", lang), url_path="indicators"),
    st.Page("app_pages/carriers.py", title=t("carriers", lang), url_path="carriers"),
    st.Page("app_pages/evaluation.py", title=t("evaluation", lang), url_path="evaluation"),
]
st.navigation(pages).run()
