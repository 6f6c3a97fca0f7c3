"""The crash-safe write protocol's files: the journal, the intent, durable and atomic writes.

Used by :class:`songnan_geo.layers.layerstore.LayerStore`, which describes the protocol (lock,
intent, backups, temps, rename, journal; recovery after ``kill -9``). Here: the names of the
files under ``.backups``, :class:`Operation` (one journal line), strict JSON (:func:`dump_json`),
fsync'd and atomic writes, and the test hook :func:`crash_point`.
The recovery helpers (stale temporary files, orphans) log to the layer store's logger
(``songnan_geo.layers.layerstore``). No I/O beyond the data folder it is given; no SQL.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import signal
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from songnan_geo import clock

#: Folder (inside the data folder) holding backups, the journal, the intent and the lock.
log = logging.getLogger("songnan_geo.layers.layerstore")

BACKUP_DIR = ".backups"
JOURNAL = "journal.jsonl"
INTENT = "intent.json"
#: Where orphan layer files are moved (inside :data:`BACKUP_DIR`).
ORPHANS = "orphans"
#: Environment variable naming the step at which :func:`crash_point` kills the process (tests).
CRASH_ENV = "SONGNAN_TEST_CRASH_AT"
#: The named steps of the protocol, in order ("write:rename:<i>" and "undo:restore:<i>" for
#: each file i of the operation, 0-based).
CRASH_POINTS = ("write:locked", "write:intent", "write:backups", "write:temp_partial",
                "write:temps", "write:applying", "write:rename:<i>", "write:journal",
                "write:done", "undo:locked", "undo:intent", "undo:restore:<i>",
                "undo:journal", "undo:done")


def crash_point(name: str) -> None:
    """Test hook: SIGKILL this process when ``SONGNAN_TEST_CRASH_AT`` is ``name``."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Operation:
    """One write: which files changed and where their backups are, and who made it.

    ``time`` is ISO UTC. ``files`` maps each changed file (relative to the data folder) to its
    backup (relative to ``.backups``; None: the file was new). An undo sets ``undone``,
    ``undone_by``, ``undone_time`` and ``undo_id`` (the id of the undo, a version token).
    """

    id: str
    time: str
    action: str                      # "replace" | "add" | "copy"
    layer: str
    features: int
    files: dict[str, str | None] = field(default_factory=dict)  # file → backup (None: new file)
    note: str = ""
    undone: bool = False
    editor: str = ""
    undone_by: str = ""
    undone_time: str = ""
    undo_id: str = ""


_OP_FIELDS = {f.name for f in fields(Operation)}


def op_from(doc: dict) -> Operation:
    return Operation(**{k: v for k, v in doc.items() if k in _OP_FIELDS})


def new_id() -> tuple[str, str]:
    """(operation id, ISO UTC time): ids sort by time."""
    now = clock.now().astimezone(_dt.UTC)
    return (now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6],
            now.isoformat(timespec="seconds"))


def dump_json(doc: dict, indent: int = 1) -> bytes:
    """Strict JSON (no NaN/Infinity tokens), UTF-8, newline-terminated."""
    return (json.dumps(doc, ensure_ascii=False, indent=indent, allow_nan=False)
            + "\n").encode("utf-8")


def fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def write_durable(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write_durable(tmp, data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def journal_bytes(ops: list[Operation]) -> bytes:
    return "".join(json.dumps(asdict(o), ensure_ascii=False, allow_nan=False) + "\n"
                   for o in ops).encode("utf-8")


# ---------------------------------------------------------------- recovery helpers


def remove_temps(data_dir: Path, intent: dict) -> None:
    """Delete the temporary files an intent names."""
    for spec in intent["files"].values():
        if spec.get("temp"):
            (data_dir / spec["temp"]).unlink(missing_ok=True)

def sweep_temps(data_dir: Path, backup_dir: Path) -> None:
    """Delete stale ``.*.tmp`` files of this protocol (of a killed process)."""
    for folder in (data_dir, data_dir / "schema", backup_dir):
        if not folder.is_dir():
            continue
        for p in folder.glob(".*.tmp"):
            if p.is_file():
                p.unlink()
                log.warning("layer store %s: removed the stale temporary file %s",
                            data_dir, p.relative_to(data_dir))

def move_orphans(data_dir: Path, backup_dir: Path, manifest: dict) -> None:
    """Move layer files the manifest does not name to ``<backup_dir>/orphans/<time>/``."""
    named = set()

    def walk(value):
        if isinstance(value, str):
            named.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(manifest)
    candidates = list(data_dir.glob("*.geojson")) + \
        list((data_dir / "schema").glob("*.schema.json"))
    orphans = [p for p in candidates
               if p.is_file() and str(p.relative_to(data_dir)) not in named]
    if not orphans:
        return
    stamp = new_id()[0]
    for p in orphans:
        rel = p.relative_to(data_dir)
        dst = backup_dir / ORPHANS / stamp / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(p, dst)
        log.warning("layer store %s: moved the orphan %s (no manifest entry names it) to %s",
                    data_dir, rel, dst.relative_to(data_dir))
    fsync_dir(data_dir)
