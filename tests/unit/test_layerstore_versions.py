"""The layer store's rules for who writes and against which version, strict JSON, and the
recovery that runs on every open (sweeping temporary files, moving orphans away)."""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
import shutil

import layerstore_testlib as _lt
import pytest

from songnan_geo.auth import EditorRequiredError
from songnan_geo.layers.io import DEFAULT_DATA_DIR, load_all_layers, load_layer, read_manifest
from songnan_geo.layers.layerstore import (
    LayerStore,
    NonFiniteValueError,
    StaleLayerError,
    StoreError,
)

cli_editor_env, editor, editors, layer_editors, store_path = (
    _lt.cli_editor_env, _lt.editor, _lt.editors, _lt.layer_editors, _lt.store_path)


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "geo"
    shutil.copytree(DEFAULT_DATA_DIR, d)
    return d


def files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def stations(folder, note):
    st = load_layer("metro_stations", folder)
    st.loc[0, "note"] = note
    return st


def test_every_write_needs_a_logged_in_editor_and_nothing_is_written_without(folder, editor):
    store = LayerStore(folder)
    before = files(folder)
    version = store.layer_version("metro_stations")
    forged = type(editor)("alice", "0" * 64)
    for nobody in (None, "alice", forged):
        with pytest.raises(EditorRequiredError):
            store.replace_layer("metro_stations", stations(folder, "x"), editor=nobody,
                                base_version=version)
        with pytest.raises(EditorRequiredError):
            store.save_import("metro_stations", stations(folder, "x"), editor=nobody,
                              base_version=version)
        with pytest.raises(EditorRequiredError):
            store.undo(editor=nobody)
    assert files(folder) == before
    op = store.replace_layer("metro_stations", stations(folder, "x"), editor=editor,
                             base_version=version)
    assert op.editor == "alice" and store.history()[-1].editor == "alice"
    journal = (folder / ".backups" / "journal.jsonl").read_text("utf-8")
    assert '"editor": "alice"' in journal


def test_version_changes_on_every_write_and_undo(folder, layer_editors):
    alice, bob = layer_editors["alice"], layer_editors["bob"]
    store = LayerStore(folder)
    assert store.layer_version("nope") == ""
    seen = [store.layer_version("metro_stations")]
    store.replace_layer("metro_stations", stations(folder, "a"), editor=alice,
                        base_version=seen[-1])
    seen.append(store.layer_version("metro_stations"))
    store.replace_layer("metro_stations", stations(folder, "a"), editor=bob,
                        base_version=seen[-1])      # same content, still a new version
    seen.append(store.layer_version("metro_stations"))
    store.undo(editor=alice)
    seen.append(store.layer_version("metro_stations"))
    assert len(set(seen)) == 4
    assert store.layer_version("roads") == LayerStore(folder).layer_version("roads")


def test_a_stale_write_is_refused_naming_who_changed_the_layer_and_when(folder, layer_editors):
    alice, bob = layer_editors["alice"], layer_editors["bob"]
    store = LayerStore(folder)
    base = store.layer_version("metro_stations")
    op = store.replace_layer("metro_stations", stations(folder, "bob's"), editor=bob,
                             base_version=base)
    before = files(folder)
    with pytest.raises(StaleLayerError) as err:
        store.replace_layer("metro_stations", stations(folder, "alice's"), editor=alice,
                            base_version=base)
    exc = err.value
    assert isinstance(exc, StoreError)
    assert (exc.layer, exc.editor) == ("metro_stations", "bob")
    assert exc.time.endswith("+08:00")           # Asia/Shanghai, the same instant as the write
    assert dt.datetime.fromisoformat(exc.time) == dt.datetime.fromisoformat(op.time)
    assert "changed by bob at" in str(exc) and "(UTC+8)" in str(exc) and "not saved" in str(exc)
    assert "已由 bob 于" in exc.text("zh") and "未保存" in exc.text("zh")
    assert files(folder) == before
    assert load_layer("metro_stations", folder).loc[0, "note"] == "bob's"
    # an undo by bob is a change too: a write based on the version before it is refused
    base = store.layer_version("metro_stations")
    store.undo(editor=bob)
    with pytest.raises(StaleLayerError, match="changed by bob"):
        store.replace_layer("metro_stations", stations(folder, "x"), editor=alice,
                            base_version=base)
    # undo with the operation the planner saw: refused when a newer write came meanwhile
    seen = store.replace_layer("metro_stations", stations(folder, "a1"), editor=alice,
                               base_version=store.layer_version("metro_stations"))
    store.replace_layer("metro_stations", stations(folder, "b1"), editor=bob,
                        base_version=store.layer_version("metro_stations"))
    with pytest.raises(StaleLayerError, match="changed by bob"):
        store.undo(editor=alice, op_id=seen.id)
    assert load_layer("metro_stations", folder).loc[0, "note"] == "b1"


def test_a_new_layer_added_meanwhile_is_refused_naming_who_added_it(folder, layer_editors):
    alice, bob = layer_editors["alice"], layer_editors["bob"]
    store = LayerStore(folder)
    pts = load_layer("metro_stations", folder).iloc[:2]
    schema = store.schema("metro_stations")
    assert store.layer_version("survey") == ""
    store.save_import("survey", pts, new=True, schema=schema, geometry_types=["Point"],
                      editor=bob, base_version="")
    with pytest.raises(StaleLayerError, match="'survey' was changed by bob"):
        store.save_import("survey", pts, new=True, schema=schema, geometry_types=["Point"],
                          editor=alice, base_version="")
    with pytest.raises(StoreError, match="already a layer"):     # one of the project's own
        store.save_import("roads", pts, new=True, schema=schema, geometry_types=["Point"],
                          editor=alice, base_version="")


def test_layer_files_are_strict_json_and_non_finite_numbers_are_refused(folder, editor):
    store = LayerStore(folder)
    before = files(folder)
    st = load_layer("metro_stations", folder)
    st["accuracy_m"] = st["accuracy_m"].astype(float)
    st.loc[1, "accuracy_m"] = math.inf
    st.loc[3, "ref_lon"] = -math.inf
    with pytest.raises(NonFiniteValueError) as err:
        store.replace_layer("metro_stations", st, editor=editor,
                            base_version=store.layer_version("metro_stations"))
    text = str(err.value)
    assert "2 values that are not a finite number" in text
    assert "feature 2 (id 'station_01'), field 'accuracy_m': inf" in text
    assert "field 'ref_lon': -inf" in text and "Nothing was written" in text
    assert "不是有限数字" in err.value.text("zh")
    assert files(folder) == before
    store.replace_layer("metro_stations", stations(folder, "ok"), editor=editor,
                        base_version=store.layer_version("metro_stations"))
    for p in folder.rglob("*.json*"):
        json.loads(p.read_text("utf-8").splitlines()[0] if p.suffix == ".jsonl"
                   else p.read_text("utf-8"),
                   parse_constant=lambda c: pytest.fail(f"{p} holds {c}"))


def test_open_sweeps_stale_temp_files_and_moves_orphans_away_with_a_log_line(folder, editor,
                                                                               caplog):
    # what a killed import of the old code left: temporaries, a new layer's file and schema
    # without a manifest entry
    (folder / ".facilities.geojson.1a2b3c4d.tmp").write_text("{", "utf-8")
    (folder / ".manifest.json.5e6f7a8b.tmp").write_text("{", "utf-8")
    (folder / "shops.geojson").write_bytes((folder / "facilities.geojson").read_bytes())
    (folder / "schema" / "shops.schema.json").write_text("{}", "utf-8")
    with caplog.at_level(logging.WARNING, logger="songnan_geo.layers.layerstore"):
        store = LayerStore(folder)
    assert not list(folder.glob(".*.tmp"))
    assert not (folder / "shops.geojson").exists()
    moved = list((folder / ".backups" / "orphans").rglob("shops.geojson"))
    assert len(moved) == 1 and moved[0].read_bytes() == (folder / "facilities.geojson").read_bytes()
    logged = caplog.text
    assert "removed the stale temporary file .facilities.geojson.1a2b3c4d.tmp" in logged
    assert "moved the orphan shops.geojson" in logged and "schema/shops.schema.json" in logged
    assert set(load_all_layers(folder)) == set(read_manifest(DEFAULT_DATA_DIR)["layers"])
    # and the same new layer can now be imported (it was refused until the orphan was deleted)
    pts = load_layer("facilities", folder)
    store.save_import("shops", pts, new=True, schema=store.schema("facilities"),
                      geometry_types=["Point"], editor=editor, base_version="")
    assert "shops" in read_manifest(folder)["layers"]


def test_the_import_command_refuses_a_write_that_landed_after_its_check(
        folder, layer_editors, cli_editor_env, tmp_path, monkeypatch, capsys):
    """The command reads the layer's version when it checks the file: bob storing the layer
    while alice's file is being checked makes alice's store refused, naming bob."""
    from songnan_geo.cli import main
    from songnan_geo.layers import importer as cli_import  # the command imports it when run
    from songnan_geo.layers.exporter import export_layer

    src = tmp_path / "stations.geojson"
    src.write_bytes(export_layer(stations(folder, "alice's file"), "geojson"))
    real_check = cli_import.import_layer

    def check_while_bob_writes(*args, **kwargs):
        result = real_check(*args, **kwargs)
        store = LayerStore(folder)
        store.replace_layer("metro_stations", stations(folder, "bob's"),
                            editor=layer_editors["bob"],
                            base_version=store.layer_version("metro_stations"))
        return result

    monkeypatch.setattr(cli_import, "import_layer", check_while_bob_writes)
    code = main(["import", str(src), "--layer", "metro_stations", "--data-dir", str(folder),
                 *cli_editor_env, "--lang", "zh"])
    err = capsys.readouterr().err
    assert code == 1 and "已由 bob 于" in err and "未保存" in err, err
    assert load_layer("metro_stations", folder).loc[0, "note"] == "bob's"
    assert [o.editor for o in LayerStore(folder).history()] == ["bob"]
