"""Streamlit's own widget texts in the UI's language.

Streamlit 1.67 has no locale setting: the file uploader's button says "Upload" and its note
"200MB per file • …", and an empty multiselect "Choose options", in English whatever the page's
language. The multiselect takes ``placeholder=`` (pages pass ``t("choose_options", lang)``).
The uploader's two texts are replaced here by a style sheet: the original words are drawn at
size 0 and the catalogue's words are drawn in their place (CSS ``::after``), keyed on the
uploader's ``data-testid`` attributes. No script, no component; if a Streamlit upgrade changes
those attributes the English words come back (tests/browser/test_language_browser.py sees it).
"""
from __future__ import annotations

import streamlit as st

from songnan_geo.text.i18n import t


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes, backslashes and line ends escaped)."""
    return '"' + "".join(f"\\{ord(c):06x}" if c in '"\\<>\n\r' else c for c in text) + '"'


def localise_builtin_widgets(lang: str) -> None:
    """Replace Streamlit's English uploader texts with the catalogue's, in ``lang``."""
    if lang == "en":
        return  # Streamlit's own words are English already
    button, limit = _css_string(t("upload_button", lang)), _css_string(t("upload_limit", lang))
    st.html(f"""<style>
[data-testid="stFileUploaderDropzone"] button p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button p::after {{ content: {button}; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: {limit}; font-size: 0.8rem; }}
</style>""")
