"""``kill -9`` at every step of the layer store's write protocol (issue 11, finding 4).

Each case runs the import command (``import``, or ``import --undo``; :func:`songnan_geo.cli.main`
in a child process forked from the test) that SIGKILLs itself at one named step (``SONGNAN_TEST_CRASH_AT``, see
:data:`songnan_geo.layers.layerstore.CRASH_POINTS`). Then the folder is opened again (recovery runs),
every layer validates (:func:`songnan_geo.layers.io.load_all_layers`), no temporary file or intent is
left, the layer files are exactly the old state or exactly the new one (never a mix), and
``import --undo`` undoes the newest import in effect: the killed one if it landed, else the
one before it.
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import layerstore_testlib as _lt
import pytest
from tracker_testlib import PASSWORDS

from songnan_geo.cli import main as cli_main
from songnan_geo.layers.exporter import export_layer
from songnan_geo.layers.io import DEFAULT_DATA_DIR, load_all_layers, load_layer
from songnan_geo.layers.layerstore import CRASH_ENV, LayerStore

editor, editors, layer_editors, store_path = (_lt.editor, _lt.editors, _lt.layer_editors,
                                                _lt.store_path)

WRITE_STEPS = ["write:locked", "write:intent", "write:backups", "write:temp_partial",
               "write:temps", "write:applying"]
#: Steps after which the write has landed (the journal holds it: the commit point).
LANDED = {"write:journal", "write:done"}
CASES = ([("replace", s) for s in WRITE_STEPS + ["write:rename:0", "write:journal", "write:done"]]
         + [("add", s) for s in WRITE_STEPS + ["write:rename:0", "write:rename:1",
                                               "write:rename:2", "write:journal", "write:done"]])
UNDO_STEPS = ["undo:locked", "undo:intent", "undo:restore:0", "undo:restore:1", "undo:restore:2",
              "undo:journal", "undo:done"]


def layer_state(folder: Path) -> dict[str, bytes]:
    """Every file of the data folder except the store's own (.backups)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".backups" not in p.relative_to(folder).parts}


def leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name.endswith(".tmp") or p.name == "intent.json"
                  or p.name.startswith(".copying-"))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("crash_inputs")
    st = load_layer("metro_stations")
    st.loc[0, "note"] = "bob's import"
    (d / "stations.geojson").write_bytes(export_layer(st, "geojson"))
    (d / "points.csv").write_text("name,lon,lat\n甲,121.49,31.35\n乙,121.5,31.36\n",
                                  encoding="utf-8")
    return d


def import_args(kind: str, inputs: Path, folder: Path) -> list[str]:
    if kind == "replace":
        return [str(inputs / "stations.geojson"), "--layer", "metro_stations",
                "--data-dir", str(folder)]
    return [str(inputs / "points.csv"), "--layer", "survey_points", "--new", "--crs", "wgs84",
            "--auto-ids", "--source", "现场踏勘 2025-06", "--accuracy-m", "10", "--estimated", "no",
            "--data-dir", str(folder)]


def run_cli(args: list[str], user: str = "bob", crash_at: str | None = None) -> int:
    """Run ``import ARGS --editor USER`` in a child process (forked from this one: imports
    are shared, so a case costs no interpreter start); return its exit code (-9: SIGKILL)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:                                          # the child
        code = 99
        try:
            os.environ["SONGNAN_EDITOR_PASSWORD"] = PASSWORDS[user]
            if crash_at:
                os.environ[CRASH_ENV] = crash_at
            code = cli_main(["import", *args, "--editor", user])
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.fixture
def folder_with_one_import(tmp_path, editor):
    """A data folder where alice has imported once (metro_stations' second note changed)."""
    folder = tmp_path / "geo"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    original = layer_state(folder)
    store = LayerStore(folder)
    st = load_layer("metro_stations", folder)
    st.loc[1, "note"] = "alice's import"
    first = store.replace_layer("metro_stations", st, editor=editor,
                                base_version=store.layer_version("metro_stations"))
    return folder, original, layer_state(folder), first


_NEW_STATES: dict[str, dict[str, bytes]] = {}


@pytest.fixture
def new_states(tmp_path, inputs, editor):
    """The layer files after each import ran without a crash (on a folder like the fixture's);
    made once per test session (kept in :data:`_NEW_STATES`)."""
    states = _NEW_STATES
    for kind in [k for k in ("replace", "add") if k not in states]:
        folder = tmp_path / f"ref_{kind}" / "geo"
        shutil.copytree(DEFAULT_DATA_DIR, folder)
        store = LayerStore(folder)
        st = load_layer("metro_stations", folder)
        st.loc[1, "note"] = "alice's import"
        store.replace_layer("metro_stations", st, editor=editor,
                            base_version=store.layer_version("metro_stations"))
        assert run_cli(import_args(kind, inputs, folder)) == 0
        states[kind] = layer_state(folder)
    return states


def check_folder(folder: Path) -> LayerStore:
    store = LayerStore(folder)                  # recovery runs here
    assert leftovers(folder) == []
    load_all_layers(folder)                     # raises LayerValidationError on any problem
    return store


@pytest.mark.parametrize("kind,step", CASES, ids=[f"{k}-{s}" for k, s in CASES])
def test_import_killed_at_every_step_leaves_old_or_new_state_and_undo_undoes_the_right_one(
        kind, step, folder_with_one_import, inputs, new_states):
    folder, original, old, first = folder_with_one_import
    code = run_cli(import_args(kind, inputs, folder), crash_at=step)
    assert code == -signal.SIGKILL, f"the crash point {step} was not reached (exit {code})"
    store = check_folder(folder)
    state = layer_state(folder)
    landed = step in LANDED
    assert state == (new_states[kind] if landed else old), \
        f"after a kill at {step} the layer files are neither the old nor the new state"
    ops = [o for o in store.history() if o.action in ("replace", "add")]
    assert [o.editor for o in ops] == (["alice", "bob"] if landed else ["alice"])
    # the same new layer imported again is not refused by anything the killed one left
    if not landed and kind == "add":
        assert run_cli(import_args(kind, inputs, folder)) == 0
        assert layer_state(folder) == new_states[kind]
    # --undo undoes the newest import in effect: bob's (if it is), then alice's
    bobs = landed or kind == "add"
    if bobs:
        assert run_cli(["--undo", "--data-dir", str(folder)], "alice") == 0
        assert layer_state(folder) == old
    assert run_cli(["--undo", "--data-dir", str(folder)], "alice") == 0
    assert layer_state(folder) == original
    by_undo = sorted((o for o in LayerStore(folder).history() if o.undone), key=lambda o: o.undo_id)
    assert [o.editor for o in by_undo] == (["bob", "alice"] if bobs else ["alice"])
    assert by_undo[-1].id == first.id and {o.undone_by for o in by_undo} == {"alice"}
    check_folder(folder)


@pytest.mark.parametrize("step", UNDO_STEPS)
def test_undo_killed_at_every_step_is_completed_or_not_started(
        step, folder_with_one_import, inputs, new_states):
    folder, original, old, first = folder_with_one_import
    assert run_cli(import_args("add", inputs, folder)) == 0
    code = run_cli(["--undo", "--data-dir", str(folder)], crash_at=step)
    assert code == -signal.SIGKILL, f"the crash point {step} was not reached (exit {code})"
    store = check_folder(folder)
    # killed before its intent was written, the undo did not start; after, it is completed
    undone = step != "undo:locked"
    assert layer_state(folder) == (old if undone else new_states["add"])
    [add] = [o for o in store.history() if o.action == "add"]
    assert add.undone == undone and add.undone_by == ("bob" if undone else "")
    assert run_cli(["--undo", "--data-dir", str(folder)], "alice") == 0
    assert layer_state(folder) == (original if undone else old)
    check_folder(folder)
