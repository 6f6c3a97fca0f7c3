"""淞南镇产业布局规划工具 — the server: ``streamlit run app.py``.

Serves the Streamlit script ``app_main.py`` (navigation and the shared sidebar; the pages
live in ``app_pages/``) and, when the server starts, warms the process up in the background
(:mod:`songnan_ui.warmup`) so the first planner's map does not wait for imports and loading.
"""
import streamlit as st

from songnan_ui.warmup import lifespan

app = st.App("app_main.py", lifespan=lifespan)
