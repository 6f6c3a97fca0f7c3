"""Two editors writing layers at the same time, in two processes (issue 11, finding 3).

Each of 20 rounds, both processes (alice and bob, each logged in in its own process) read the
version of what they will write, wait for each other, then write at once:

* a new layer of their own (both must land: the manifest is re-read under the lock);
* the same new layer name (one lands; the other is refused, naming the winner);
* an upsert of one feature into the same layer (one lands; the other is refused, naming the
  winner: never silently overwritten).

Afterwards every write reported as stored is in the manifest and its file, every refused one is
not, every refusal names the other editor, the journal holds exactly the stored writes, and
every layer validates.
"""
from __future__ import annotations

import multiprocessing as mp
import shutil

import layerstore_testlib as _lt
import pytest

from songnan_geo.layers.io import DEFAULT_DATA_DIR, load_all_layers, load_layer, read_manifest
from songnan_geo.layers.layerstore import LayerStore

#: Many processes at once: outside the fast loop (-m "(unit or data) and not slow").
pytestmark = pytest.mark.slow

editors, store_path = _lt.editors, _lt.store_path
ROUNDS = 20
UPSERT_LAYER = "metro_stations"


def _write_round(store, editor, rnd: int, barrier, results) -> None:
    import json

    import pandas as pd

    from songnan_geo.layers.layerstore import StaleLayerError

    user = editor.username
    schema = json.loads((DEFAULT_DATA_DIR / "schema" / "metro_stations.schema.json")
                        .read_text(encoding="utf-8"))
    pts = load_layer(UPSERT_LAYER, store.data_dir).iloc[:2].copy()
    attempts = []
    # 1. a new layer of one's own; 2. the same new layer name
    for kind, name in (("own", f"{user}_r{rnd:02d}"), ("shared", f"shared_r{rnd:02d}")):
        base = store.layer_version(name)
        attempts.append((kind, name, lambda name=name, base=base: store.save_import(
            name, pts, new=True, schema=schema, geometry_types=["Point"],
            titles={"zh": name, "en": name}, note=f"{user} round {rnd}", editor=editor,
            base_version=base)))
    # 3. an upsert of one feature into the same layer, against the version previewed
    base = store.layer_version(UPSERT_LAYER)
    current = load_layer(UPSERT_LAYER, store.data_dir)
    row = current.iloc[[0]].copy()
    row["id"], row["name"], row["name_en"] = f"{user}_{rnd:02d}", f"{user}站{rnd}", f"{user} {rnd}"
    merged = pd.concat([current, row], ignore_index=True)
    attempts.append(("upsert", UPSERT_LAYER, lambda: store.save_import(
        UPSERT_LAYER, merged, note=f"{user} upsert {rnd}", editor=editor, base_version=base)))
    for kind, name, write in attempts:
        barrier.wait(120)
        try:
            op = write()
            results.put((user, rnd, kind, name, "ok", op.id, ""))
        except StaleLayerError as exc:
            results.put((user, rnd, kind, name, "stale", exc.editor, str(exc)))
        except Exception as exc:  # reported to the test, which fails on it
            results.put((user, rnd, kind, name, "error", type(exc).__name__, str(exc)))


def editor_worker(folder: str, tracker: str, user: str, barrier, results) -> None:
    """Log in as ``user`` in this process, then write :data:`ROUNDS` rounds."""
    from tracker_testlib import PASSWORDS

    from songnan_geo import auth
    from songnan_geo.layers.layerstore import LayerStore
    from songnan_geo.store.tracker import open_store

    tracker_store = open_store(tracker)
    editor = auth.authenticate(user, PASSWORDS[user], store=tracker_store)
    tracker_store.dispose()
    store = LayerStore(folder)
    for rnd in range(ROUNDS):
        _write_round(store, editor, rnd, barrier, results)


def test_two_editors_writing_at_once_every_write_lands_or_is_refused_naming_the_other(
        tmp_path, editors, store_path):
    folder = tmp_path / "geo"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    from songnan_geo.store.tracker import open_store
    open_store(str(store_path)).dispose()          # created (and seeded) once, before the race
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=editor_worker, name=u,
                         args=(str(folder), str(store_path), u, barrier, results))
             for u in ("alice", "bob")]
    for p in procs:
        p.start()
    out = [results.get(timeout=600) for _ in range(2 * 3 * ROUNDS)]
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    errors = [r for r in out if r[4] == "error"]
    assert errors == []
    manifest = read_manifest(folder)
    layers = load_all_layers(folder)                  # every layer validates
    upserted = set(layers[UPSERT_LAYER]["id"])
    other = {"alice": "bob", "bob": "alice"}
    for user, rnd, kind, name, status, detail, text in out:
        if status == "stale":                          # refused, naming the other editor
            assert detail == other[user] and f"changed by {other[user]}" in text, text
        if kind == "own":
            assert status == "ok" and name in manifest["layers"] and name in layers
            assert (folder / f"{name}.geojson").is_file()
        elif kind == "upsert":
            assert (f"{user}_{rnd:02d}" in upserted) == (status == "ok")
    for rnd in range(ROUNDS):
        for kind in ("shared", "upsert"):
            got = sorted(r[4] for r in out if r[1] == rnd and r[2] == kind)
            assert got == ["ok", "stale"], (rnd, kind, got)
        assert f"shared_r{rnd:02d}" in manifest["layers"]
    # the journal holds exactly the writes reported as stored, each with its editor
    stored = {detail: user for user, _, _, _, status, detail, _ in out if status == "ok"}
    history = LayerStore(folder).history()
    assert {o.id: o.editor for o in history} == stored
    assert len(stored) == 4 * ROUNDS
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
