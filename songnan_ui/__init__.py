"""Streamlit widgets shared by several pages; the only package besides app_pages that imports streamlit."""
