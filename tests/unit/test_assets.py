"""Tests of songnan_geo.maps.assets: Leaflet copied from the installed XStatic package."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from xstatic.pkg import leaflet as xleaflet

from songnan_geo.maps import assets

SRC = Path(xleaflet.BASE_DIR)
REPO = Path(__file__).resolve().parent.parent.parent


def test_copies_leaflet_files_from_the_installed_package(tmp_path):
    out = assets.ensure_static_assets(tmp_path / "static")
    assert out == tmp_path / "static" / "vendor" / "leaflet"
    for rel in ["leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png",
                "images/marker-icon.png"]:
        assert (out / rel).read_bytes() == (SRC / rel).read_bytes(), rel
    assert (out / "VERSION").read_text(encoding="utf-8").split()[-1] == xleaflet.PACKAGE_VERSION
    assert assets.LEAFLET_VERSION == "1.9.3"
    # leaflet.css refers to its images relative to itself: they must all be there.
    css = (out / "leaflet.css").read_text(encoding="utf-8")
    for name in ["layers.png", "layers-2x.png", "marker-icon.png"]:
        assert f"url(images/{name})" in css
        assert (out / "images" / name).is_file()


def test_is_idempotent_and_leaves_no_temp_folders(tmp_path):
    out = assets.ensure_static_assets(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    inode = out.stat().st_ino
    again = assets.ensure_static_assets(tmp_path)
    assert again == out
    assert out.stat().st_ino == inode  # not replaced
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    assert sorted(p.name for p in (tmp_path / "vendor").iterdir()) == ["leaflet"]


def test_replaces_a_stale_or_incomplete_copy(tmp_path):
    out = assets.ensure_static_assets(tmp_path)
    (out / "VERSION").write_text("XStatic-Leaflet 1.0.0\n", encoding="utf-8")
    (out / "leaflet.js").write_text("stale", encoding="utf-8")
    assets.ensure_static_assets(tmp_path)
    assert (out / "leaflet.js").read_bytes() == (SRC / "leaflet.js").read_bytes()
    assert xleaflet.PACKAGE_VERSION in (out / "VERSION").read_text(encoding="utf-8")

    (out / "images" / "layers.png").unlink()
    assets.ensure_static_assets(tmp_path)
    assert (out / "images" / "layers.png").is_file()
    assert sorted(p.name for p in (tmp_path / "vendor").iterdir()) == ["leaflet"]


def test_url_prefix_matches_streamlit_static_serving():
    assert assets.LEAFLET_URL_PREFIX == "/app/static/vendor/leaflet/"
    assert assets.leaflet_url_prefix() == assets.LEAFLET_URL_PREFIX
    # Streamlit serves <folder of app.py>/static at /app/static: the default folder is
    # <repo>/static and the copied files end up under the prefix's path.
    assert assets.DEFAULT_STATIC_DIR == REPO / "static"
    rel = assets.LEAFLET_URL_PREFIX.removeprefix("/app/static/")
    assert Path(rel) == assets.LEAFLET_SUBDIR


def test_copied_folder_is_git_ignored():
    probe = "static/vendor/leaflet/leaflet.js"
    res = subprocess.run(["git", "check-ignore", "-q", probe], cwd=REPO)
    assert res.returncode == 0, f"{probe} must be git-ignored (vendored files are not committed)"


def test_static_dir_that_is_a_file_names_the_argument(tmp_path):
    not_a_dir = tmp_path / "static"
    not_a_dir.write_text("oops", encoding="utf-8")
    with pytest.raises(OSError, match="static_dir .* writable folder"):
        assets.ensure_static_assets(not_a_dir)


def test_assets_module_does_not_import_streamlit_or_folium():
    src = Path(assets.__file__).read_text(encoding="utf-8")
    assert "import streamlit" not in src and "import folium" not in src
