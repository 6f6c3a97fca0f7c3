"""Where Streamlit may be imported: app.py, app_main.py, app_pages/ and the shared widgets of songnan_ui/.

songnan_geo stays free of Streamlit (usable from the command line and tests), pages never
import each other, and songnan_ui imports no page.
"""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO_ROOT


def _imports(path: Path) -> set[str]:
    """Top-level module names and full dotted names imported by ``path``."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names | {n.split(".")[0] for n in names}


def test_songnan_geo_never_imports_streamlit():
    offenders = [p.name for p in (REPO_ROOT / "songnan_geo").rglob("*.py")
                 if {"streamlit", "streamlit_folium"} & _imports(p)]
    assert offenders == [], f"songnan_geo modules importing Streamlit: {offenders}"


def test_shared_widgets_import_no_page_and_pages_import_no_page():
    files = [*(REPO_ROOT / "songnan_ui").glob("*.py"), *(REPO_ROOT / "app_pages").glob("*.py")]
    offenders = [p.relative_to(REPO_ROOT).as_posix() for p in files if "app_pages" in _imports(p)]
    assert offenders == []
    assert "streamlit" in _imports(REPO_ROOT / "songnan_ui" / "login.py")


def test_editing_pages_use_the_shared_login():
    for page in ("tracker.py", "indicators.py"):
        src = (REPO_ROOT / "app_pages" / page).read_text(encoding="utf-8")
        assert "editor_login(" in src and "auth.authenticate(" not in src, page
