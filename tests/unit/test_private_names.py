"""No module of songnan_geo uses another module's private names.

A private name (``_x``) is the business of the module that defines it. Checked on the source
(AST) of every ``songnan_geo/*.py``:

* ``from songnan_geo.mod import _x`` / ``from songnan_geo import _x``;
* ``mod._x`` where ``mod`` is a songnan_geo module imported by that name;
* in the store modules, ``obj._x`` on any object other than ``self`` / ``cls`` (another
  store's private methods: the stores use only :class:`songnan_geo.store.db.Database`'s public
  ``read`` / ``write`` / ``latest_version`` / ``now_iso``).
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent.parent / "songnan_geo"
STORE_MODULES = ("store.db", "store.tracker", "store.schema", "store.carriers", "store.indicators")

#: Uses outside the store modules that issue 12 names and other work removes; a use that
#: goes away must leave this list too (the test says so), and none may be added.
KNOWN: dict[str, list[str]] = {}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_module(package: str, name: str) -> bool:
    """``from package import name`` binds a module (or sub-package) of songnan_geo."""
    path = PACKAGE.joinpath(*package.split(".")[1:], name)
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _module_name(path: Path) -> str:
    """Dotted name inside songnan_geo (``store.carriers``); a sample file outside the package is
    named by its folder and stem."""
    try:
        return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    except ValueError:
        return ".".join(path.with_suffix("").parts[-2:])


def private_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()      # local names bound to songnan_geo modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("songnan_geo.") and a.asname:
                    modules.add(a.asname)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("songnan_geo"):
            for a in node.names:
                if _private(a.name):
                    found.append(f"from {node.module} import {a.name}")
                elif _is_module(node.module, a.name):
                    modules.add(a.asname or a.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            if isinstance(base, ast.Name) and base.id in modules:
                found.append(f"{base.id}.{node.attr}")
            elif _module_name(path) in STORE_MODULES and not (
                    isinstance(base, ast.Name) and base.id in ("self", "cls")):
                found.append(f"{ast.unparse(base)}.{node.attr}")
    return sorted(set(found))


def _all_uses() -> dict[str, list[str]]:
    uses = {".".join(p.relative_to(PACKAGE).with_suffix("").parts): private_uses(p)
            for p in sorted(PACKAGE.rglob("*.py"))}
    return {m: u for m, u in uses.items() if u}


def test_store_modules_use_no_private_names_of_others():
    uses = _all_uses()
    assert {m: uses[m] for m in STORE_MODULES if m in uses} == {}


def test_no_new_private_names_cross_modules():
    uses = _all_uses()
    new = {m: [u for u in us if u not in KNOWN.get(m, ())] for m, us in uses.items()}
    assert {m: us for m, us in new.items() if us} == {}, "private names used across modules"
    gone = {m: [u for u in us if u not in uses.get(m, ())] for m, us in KNOWN.items()}
    assert {m: us for m, us in gone.items() if us} == {}, "fixed: remove these from KNOWN"


def test_the_check_finds_private_uses(tmp_path):
    src = tmp_path / "store" / "carriers.py"
    src.parent.mkdir()
    src.write_text("from songnan_geo.store.tracker import _now_iso\n"
                   "from songnan_geo.lifecircle import coverage\n"
                   "import songnan_geo.maps.folium_map as mapping\n"
                   "def f(self):\n    coverage._geoms(1)\n    mapping._esc('x')\n"
                   "    with self.tracker._read() as conn:\n        self._ok()\n",
                   encoding="utf-8")
    assert private_uses(src) == ["coverage._geoms", "from songnan_geo.store.tracker import _now_iso",
                                 "mapping._esc", "self.tracker._read"]
