"""The README's layout table is the tree (issue 12): every module is named in its folder's row.

A module added without a word in the README, or a row naming a module that is gone, fails here.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = ROOT / "songnan_geo"


def layout_rows(readme: str) -> dict[str, str]:
    """``{first cell: rest of the row}`` of the README's "## Layout" table."""
    section = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) >= 4 and cells[1].strip().startswith("`"):
            rows[cells[1].strip()] = "|".join(cells[2:])
    return rows


def named(text: str) -> set[str]:
    """The names a row writes as code (`` `tracker` ``, `` `overview.py` `` → ``overview``)."""
    found = re.findall(r"`([A-Za-z_][A-Za-z0-9_./]*)`", text)
    return {re.sub(r"\.py$", "", n.rstrip("/").rsplit("/", 1)[-1]) for n in found}


def modules(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "__main__")}


ROWS = layout_rows((ROOT / "README.md").read_text(encoding="utf-8"))
FOLDERS = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_subpackage_has_a_row_naming_each_module(folder):
    row = ROWS.get(f"`songnan_geo/{folder}/`")
    assert row is not None, f"README layout: no row for songnan_geo/{folder}/"
    assert modules(PACKAGE / folder) - named(row) == set(), f"songnan_geo/{folder}/ modules the README omits"
    docstring = (PACKAGE / folder / "__init__.py").read_text(encoding="utf-8").lstrip()
    assert docstring.startswith('"""') and "May import" in docstring.split('"""')[1], folder


@pytest.mark.parametrize("folder, key", [("app_pages", "`app_pages/`"), ("songnan_ui", "`songnan_ui/`")])
def test_pages_and_ui_rows_name_each_file(folder, key):
    assert modules(ROOT / folder) - named(ROWS[key]) == set()


def test_top_level_modules_are_named():
    key = next(k for k in ROWS if k.startswith("`songnan_geo/config.py`"))
    assert modules(PACKAGE) - named(key + ROWS[key]) == set()


def test_the_check_sees_an_omission():
    rows = layout_rows("## Layout\n\n| path | what |\n|---|---|\n| `songnan_geo/x/` | `a`, `b.py` |\n")
    assert named(rows["`songnan_geo/x/`"]) == {"a", "b"}
    assert {"a", "b", "c"} - named(rows["`songnan_geo/x/`"]) == {"c"}
