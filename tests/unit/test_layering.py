"""The folder tree is the architecture: who may import whom (issue 12).

Checked on the source (AST) of every module, including imports inside functions:

* nothing under ``songnan_geo/{lifecircle,plan,layers,coords}`` imports ``songnan_geo.store``,
  ``songnan_geo.briefing``, ``songnan_geo.maps`` or streamlit;
* ``songnan_geo/maps`` never imports streamlit;
* nothing in ``songnan_geo`` imports streamlit, ``app_pages`` or ``songnan_ui``;
* no page (``app_pages/*.py``) imports another page.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = ROOT / "songnan_geo"
PAGES = ROOT / "app_pages"

LOWER = ("lifecircle", "plan", "layers", "coords")
LOWER_MAY_NOT = ("songnan_geo.store", "songnan_geo.briefing", "songnan_geo.maps", "streamlit")
PACKAGE_MAY_NOT = ("streamlit", "app_pages", "songnan_ui")

#: Known uses that break a rule, each with the reason it stays; a use that goes away must leave
#: this list too (the test says so), and none may be added.
KNOWN: dict[str, list[str]] = {}


def imported_modules(path: Path) -> set[str]:
    """Every absolute module name ``path`` imports (``from a.b import c`` gives ``a.b`` and ``a.b.c``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _hits(names: set[str], banned: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == b or n.startswith(b + ".") for b in banned))


def violations(root: Path = ROOT) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    package, pages = root / "songnan_geo", root / "app_pages"
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        names = imported_modules(path)
        banned = PACKAGE_MAY_NOT
        if rel.parts[0] in LOWER:
            banned = banned + LOWER_MAY_NOT
        hits = _hits(names, banned)
        if hits:
            out[f"songnan_geo/{rel.as_posix()}"] = hits
    page_names = {p.stem for p in pages.glob("*.py") if p.stem != "__init__"}
    for path in sorted(pages.glob("*.py")):
        others = tuple(f"app_pages.{n}" for n in page_names - {path.stem})
        hits = _hits(imported_modules(path), others)
        if hits:
            out[f"app_pages/{path.name}"] = hits
    return out


def test_the_layers_import_only_downwards():
    found = violations()
    new = {m: [h for h in hs if h not in KNOWN.get(m, ())] for m, hs in found.items()}
    assert {m: hs for m, hs in new.items() if hs} == {}
    gone = {m: [h for h in hs if h not in found.get(m, ())] for m, hs in KNOWN.items()}
    assert {m: hs for m, hs in gone.items() if hs} == {}, "fixed: remove these from KNOWN"


def test_the_check_finds_violations(tmp_path):
    (tmp_path / "songnan_geo" / "layers").mkdir(parents=True)
    (tmp_path / "songnan_geo" / "maps").mkdir()
    (tmp_path / "app_pages").mkdir()
    (tmp_path / "songnan_geo" / "layers" / "a.py").write_text(
        "from songnan_geo.store import auth\n\ndef f():\n    import streamlit as st\n", encoding="utf-8")
    (tmp_path / "songnan_geo" / "layers" / "ok.py").write_text(
        "from songnan_geo.coords.crs import TOWN_CRS\nimport songnan_geo.layers.io\n", encoding="utf-8")
    (tmp_path / "songnan_geo" / "maps" / "m.py").write_text("from streamlit import cache_data\n",
                                                            encoding="utf-8")
    (tmp_path / "app_pages" / "one.py").write_text("from app_pages.two import x\n", encoding="utf-8")
    (tmp_path / "app_pages" / "two.py").write_text("import songnan_ui\n", encoding="utf-8")
    assert violations(tmp_path) == {
        "app_pages/one.py": ["app_pages.two", "app_pages.two.x"],
        "songnan_geo/layers/a.py": ["songnan_geo.store", "songnan_geo.store.auth", "streamlit"],
        "songnan_geo/maps/m.py": ["streamlit", "streamlit.cache_data"],
    }
