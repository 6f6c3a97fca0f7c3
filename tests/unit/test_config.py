"""Folder settings: the user folder, and which data folder the app reads."""
import json

import layerstore_testlib as _lt
import pytest

from songnan_geo import config
from songnan_geo.auth import EditorRequiredError
from songnan_geo.layers.io import DEFAULT_DATA_DIR, load_all_layers
from songnan_geo.layers.layerstore import LayerStore, StoreError, make_editable_copy

# fixtures: a logged-in editor (alice), and the import command's --editor login
cli_editor_env, editor, editors, layer_editors, store_path = (
    _lt.cli_editor_env, _lt.editor, _lt.editors, _lt.layer_editors, _lt.store_path)


@pytest.fixture
def user(tmp_path, monkeypatch):
    monkeypatch.setenv(config.USER_DIR_ENV, str(tmp_path / "user"))
    monkeypatch.delenv(config.DATA_DIR_ENV, raising=False)
    return tmp_path / "user"


def test_defaults_to_the_repository_data_until_a_copy_is_made(user, editor):
    assert config.data_dir() == DEFAULT_DATA_DIR
    copy = make_editable_copy(editor=editor)
    assert copy == user / "data" and config.data_dir() == copy
    assert not config.is_repository_data(copy) and config.is_repository_data(DEFAULT_DATA_DIR)
    assert set(load_all_layers(copy)) == set(load_all_layers(DEFAULT_DATA_DIR))


def test_env_setting_wins(user, tmp_path, monkeypatch, editor):
    make_editable_copy(editor=editor)
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path / "elsewhere"))
    assert config.data_dir() == tmp_path / "elsewhere"


def test_copy_is_kept_not_overwritten(user, editor):
    copy = make_editable_copy(editor=editor)
    manifest = copy / "manifest.json"
    doc = json.loads(manifest.read_text("utf-8"))
    doc["note"] = "edited by a planner"
    manifest.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    assert make_editable_copy(editor=editor) == copy
    assert json.loads(manifest.read_text("utf-8"))["note"] == "edited by a planner"


def test_copy_refuses_a_foreign_folder_and_leaves_no_half_copy(user, editor):
    (user / "data").mkdir(parents=True)
    (user / "data" / "something.txt").write_text("x")
    with pytest.raises(StoreError, match="holds no manifest.json"):
        make_editable_copy(editor=editor)
    assert [p.name for p in user.iterdir()] == ["data"]
    with pytest.raises(StoreError, match="no manifest.json"):
        make_editable_copy(user / "nowhere", user / "other", editor=editor)
    assert not (user / "other").exists()


def test_copy_needs_a_logged_in_editor_and_records_who_made_it(user, editor):
    for nobody in (None, "alice", type(editor)("alice", "forged-seal")):
        with pytest.raises(EditorRequiredError, match="need an editor"):
            make_editable_copy(editor=nobody)
        assert not (user / "data").exists()
    copy = make_editable_copy(editor=editor)
    [op] = LayerStore(copy).history()
    assert (op.action, op.editor) == ("copy", "alice")
    assert LayerStore(copy).last_undoable() is None     # the copy itself cannot be undone


def test_import_command_writes_to_the_editable_copy_by_default(user, tmp_path, capsys, editor,
                                                               cli_editor_env):
    """`python -m songnan_geo import` with no --data-dir uses the folder the app reads."""
    from songnan_geo.cli import main
    from songnan_geo.layers.exporter import export_layer
    from songnan_geo.layers.io import load_layer

    src = tmp_path / "stations.geojson"
    src.write_bytes(export_layer(load_layer("metro_stations"), "geojson"))
    before = sorted(p.name for p in DEFAULT_DATA_DIR.iterdir())
    assert main(["import", str(src), "--layer", "metro_stations"]) == 2   # repository data: refused
    assert "repository's own data/geo" in capsys.readouterr().err
    copy = make_editable_copy(editor=editor)
    assert main(["import", str(src), "--layer", "metro_stations", *cli_editor_env]) == 0
    assert (copy / ".backups").is_dir()
    assert sorted(p.name for p in DEFAULT_DATA_DIR.iterdir()) == before
