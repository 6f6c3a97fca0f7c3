"""The OpenStreetMap section of 数据管理 (songnan_ui.osm_import) in Streamlit's AppTest:
upload → preview (diff, provenance, snap) → store (editor only) → undo; a bad file; English.

The section is rendered by a small script (the page wires it in with one call); the
extract is the XML/PBF one built by tests/unit/test_osm.py.
"""
from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest
from test_osm import TS, write_pbf, write_xml
from tracker_testlib import editors, login, store_path  # noqa: F401

from songnan_geo.layers.io import DEFAULT_DATA_DIR, load_layer
from songnan_geo.layers.layerstore import LayerStore
from songnan_geo.store.tracker import open_store
from songnan_geo.text.i18n import t


def _section(data_dir: str, lang: str, editor):
    """The section as 数据管理 renders it; ``editor`` (a username) is logged in for real
    (tracker_testlib's secrets and store, as the shared login does), None: a viewer."""
    from songnan_geo.layers.io import load_all_layers
    from songnan_geo.layers.layerstore import LayerStore
    from songnan_ui.osm_import import osm_import_section

    if editor is not None:
        from tracker_testlib import login

        from songnan_geo.store.tracker import open_store

        editor = login(open_store(), editor)
    osm_import_section(LayerStore(data_dir), editor, load_all_layers(data_dir), lang)


@pytest.fixture(autouse=True)
def _logins(editors, store_path):  # noqa: F811  (the editors' secrets and a tracker store of the test)
    return editors


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "geo"
    shutil.copytree(DEFAULT_DATA_DIR, d)
    return d


@pytest.fixture
def pbf(tmp_path):
    return write_pbf(write_xml(tmp_path / "town.osm"), tmp_path / "town.osm.pbf").read_bytes()


def _app(data_dir, lang="zh", editor="alice"):
    at = AppTest.from_function(_section, kwargs={"data_dir": str(data_dir), "lang": lang,
                                                 "editor": editor}, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def _preview(at, name, data, margin="200"):
    at.file_uploader(key="osm_file").set_value((name, data, "application/octet-stream"))
    at.number_input(key="osm_margin").set_value(float(margin))
    at.run()
    at.button(key="osm_preview_btn").click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_preview_store_undo(data_dir, pbf):
    before = (data_dir / "roads.geojson").read_bytes()
    at = _preview(_app(data_dir), "town.osm.pbf", pbf)
    caption = " ".join(c.value for c in at.caption)
    assert f"© OpenStreetMap contributors, ODbL 1.0, extract of {TS}" in caption
    assert t("osm_boundary_relation", "zh").format(id="1") in caption
    assert "居民到步行网络的直线接驳距离" in caption
    summary = at.dataframe[0].value
    assert summary.loc["buildings", t("osm_change_added", "zh")] == 3
    changes = at.dataframe[1].value
    assert "宝山区淞南第二小学" in set(changes[t("osm_col_name", "zh")])
    assert (data_dir / "roads.geojson").read_bytes() == before, "a preview writes nothing"
    at.button(key="osm_store").click()
    at.run()
    assert not at.exception, at.exception
    assert any(t("osm_stored", "zh").split("{")[0] in s.value for s in at.success)
    roads = load_layer("roads", data_dir)
    assert {"u", "v"} <= set(roads.columns) and len(roads) == 6
    store = LayerStore(data_dir)
    alice = login(open_store(), "alice")
    while store.last_undoable() is not None:
        assert store.undo(editor=alice).editor == "alice"
    assert (data_dir / "roads.geojson").read_bytes() == before


def test_viewer_cannot_store(data_dir, pbf):
    at = _preview(_app(data_dir, editor=None), "town.osm.pbf", pbf)
    assert at.button(key="osm_store").disabled
    assert any(t("osm_need_editor", "zh") in i.value for i in at.info)


def test_bad_file_is_named_and_nothing_stored(data_dir):
    at = _preview(_app(data_dir, lang="en"), "junk.osm.pbf", b"not an extract" * 20)
    assert [e.value for e in at.error] == [t("osm_read_failed", "en")]
    assert "could not be read as OSM data" in at.code[0].value
    assert not at.dataframe
    assert not (data_dir / ".backups" / "journal.jsonl").exists()   # (opening the store makes its lock file)


def test_english_labels(data_dir, tmp_path):
    xml = write_xml(tmp_path / "t.osm").read_bytes()
    at = _preview(_app(data_dir, lang="en"), "t.osm", xml)
    assert at.subheader[0].value == t("osm_title", "en")
    changes = at.dataframe[1].value
    assert list(changes.columns) == [t(f"osm_col_{c}", "en") for c in
                                     ("layer", "change", "name", "features", "shift")]
    assert set(changes[t("osm_col_change", "en")]) <= {"added", "removed", "moved"}
