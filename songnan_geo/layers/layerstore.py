"""Writing layers into a data folder: serialised, version-checked, crash-safe writes, with undo.

The app reads its layers from ``SONGNAN_DATA_DIR`` (a copy of the repository's
``data/geo``); this module is the only code that writes there. The repository's own
``data/geo`` is refused as a target: it is the project's reviewed data, changed only by
``tools/build_data.py`` and a commit.

Who and which version
---------------------
Every write (:meth:`LayerStore.replace_layer`, :meth:`LayerStore.add_layer`,
:meth:`LayerStore.save_import`, :meth:`LayerStore.undo`, :func:`make_editable_copy`) needs a
logged-in editor (a genuine :class:`songnan_geo.auth.Editor`; anything else raises
:class:`songnan_geo.auth.EditorRequiredError` and nothing is written). The editor's name is
recorded in the operation and the journal (``Operation.editor``; an undo records
``undone_by``). A layer write also carries the version of the layer it was previewed against
(:meth:`LayerStore.layer_version`; ``""`` for a layer that does not exist yet). Under the lock
the version is read again; if the layer changed meanwhile the write raises
:class:`StaleLayerError`, naming who changed it and when, and nothing is written.

The write protocol
------------------
Every write and undo runs under one exclusive ``fcntl`` lock (``.backups/.lock``), so writes
from pages, the CLI and the Python API of any number of processes are serialised. Under the
lock the manifest, journal and layer versions are read afresh (never before the lock). Then:

1. *intent*: ``.backups/intent.json`` is written (temporary file, fsync, rename, fsync of
   the folder) naming the operation, its editor, and for every file that will change its
   backup and the temporary name of its new content; phase ``prepared``;
2. *backups*: every existing file that will change is copied to ``.backups/<op id>/`` and
   fsynced;
3. *temps*: each file's new content is written to ``.<name>.<op id>.tmp`` next to it and
   fsynced;
4. *applying*: the intent is rewritten with phase ``applying`` (from here on the backups are
   complete);
5. *rename*: each temporary file is renamed over its target (``os.replace``; readers see the
   old file or the new one). A new layer's GeoJSON and schema come first, the manifest last;
6. *journal*: the operation is appended to ``.backups/journal.jsonl`` (atomic rewrite). This
   is the commit point;
7. the intent is deleted.

An undo writes an intent (kind ``undo``, phase ``applying``), restores the operation's files
from its backups (the manifest first), marks the operation undone in the journal (the commit
point) and deletes the intent.

Recovery (:meth:`LayerStore.recover`) runs under the lock whenever a :class:`LayerStore` is
opened (unless another process holds the lock: it is then writing and recovers itself) and
before every write:

* an intent whose operation is in the journal (a write) or marked undone (an undo) was
  committed: only the intent is removed;
* a write intent in phase ``prepared`` changed no file: its temporary files and backups are
  removed (old state);
* a write intent in phase ``applying`` is rolled back: every file is restored from its backup
  and every new file removed, the manifest first (old state);
* an undo intent not yet committed is rolled forward: the files are restored (again) and the
  operation marked undone (new state);
* stale ``.*.tmp`` files (of this protocol, of a killed process) are deleted;
* an orphan — a ``*.geojson`` or ``schema/*.schema.json`` that the manifest does not name,
  e.g. left by a version of this module without this protocol — is moved to
  ``.backups/orphans/<time>/`` (kept, never silently lost).

Each of these logs one line (logger ``songnan_geo.layers.layerstore``). So after ``kill -9`` at any
point the next open finds the old state or the new state, never a mix, and :meth:`undo`
always undoes the newest operation in effect (the journal is only ever changed atomically, at
the commit points).

Layer files are strict JSON (``allow_nan=False``): a non-finite number (``inf``, ``nan``)
raises :class:`NonFiniteValueError`, naming the layer, feature and field, and nothing is
written.

The test hook :func:`songnan_geo.layers.journal.crash_point` kills the process with SIGKILL at
a named step when the environment variable ``SONGNAN_TEST_CRASH_AT`` names it (see
:data:`songnan_geo.layers.journal.CRASH_POINTS`); the tests use it to kill a write at every step.
"""
from __future__ import annotations

import datetime as _dt
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import geopandas as gpd

from songnan_geo import clock
from songnan_geo.auth import require_editor
from songnan_geo.config import editable_data_dir, is_repository_data
from songnan_geo.layers.io import (
    DEFAULT_DATA_DIR,
    LayerValidationError,
    feature_collection,
    non_finite_features,
    validate_feature_collection,
)
from songnan_geo.layers.journal import (
    BACKUP_DIR,
    CRASH_ENV,
    INTENT,
    JOURNAL,
    Operation,
    atomic_write,
    crash_point,
    dump_json,
    fsync_dir,
    fsync_file,
    journal_bytes,
    move_orphans,
    new_id,
    op_from,
    remove_temps,
    sweep_temps,
    write_durable,
)
from songnan_geo.text.error_messages import LocalisedError, msg

log = logging.getLogger(__name__)

#: Layer names a new layer may take: lower-case letters, digits, underscores.
LAYER_NAME_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"
#: Colour of layers added by an import (the manifest entry can be edited afterwards).
NEW_LAYER_COLOR = "#9467bd"
#: Operations :meth:`LayerStore.undo` can revert ("copy", the making of the folder, is not).
UNDOABLE = ("replace", "add")
class StoreError(RuntimeError):
    """A write to the data folder was refused or failed; nothing was changed."""


class RepositoryDataError(StoreError, LocalisedError):
    """The folder is the repository's own ``data/geo``, which the app never writes.

    :meth:`text` is the planner's sentence (no paths); ``str()`` the detail for the command line
    and logs (the folder, and how to make an editable copy).
    """

    def __init__(self, data_dir: str | Path):
        LocalisedError.__init__(self, msg("layer_repository_data"))
        self.args = (
            f"data_dir '{data_dir}' is the repository's own data/geo, which only "
            "tools/build_data.py and a reviewed commit change. Make an editable copy "
            f"(数据管理 → 创建可编辑副本, or make_editable_copy() → {editable_data_dir()}) "
            "or point SONGNAN_DATA_DIR at a copy of data/geo.",)

    def __str__(self) -> str:
        return self.args[0]


class StaleLayerError(StoreError, LocalisedError):
    """The write was based on an older version of the layer: someone changed it meanwhile.

    ``layer``, ``editor`` (who changed it; "" when it was changed outside the app) and
    ``time`` (ISO time, Asia/Shanghai, of that change). ``str()`` English, :meth:`text` in
    the UI's language. Nothing was written.
    """

    def __init__(self, layer: str, editor: str, time: str):
        self.layer, self.editor, self.time = layer, editor, time
        shown = _shown_time(time)
        message = (msg("layer_stale", layer=layer, editor=editor, time=shown) if editor
                   else msg("layer_stale_outside", layer=layer, time=shown))
        LocalisedError.__init__(self, message)


class NonFiniteValueError(StoreError, LocalisedError):
    """A value to be written is not a finite number (layer files are strict JSON).

    ``problems`` lists ``(feature index, feature id, field, value)``; nothing was written.
    """

    def __init__(self, layer: str, problems: list[tuple]):
        self.layer, self.problems = layer, problems
        where = [msg("layer_not_finite_where", index=i, id=fid, field=f, value=v)
                 for i, fid, f, v in problems]
        LocalisedError.__init__(self, msg("layer_not_finite", layer=layer, n=len(problems),
                                          problems=where))


def _shanghai(iso: str) -> _dt.datetime | None:
    """An ISO time (UTC when it names no zone) in Asia/Shanghai; None when not a time."""
    try:
        t = _dt.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return None
    return (t if t.tzinfo else t.replace(tzinfo=_dt.UTC)).astimezone(clock.TZ)


def _shown_time(iso: str) -> str:
    t = _shanghai(iso)
    return t.strftime("%Y-%m-%d %H:%M:%S") + " (UTC+8)" if t else str(iso)


def _shanghai_iso(iso_utc: str) -> str:
    t = _shanghai(iso_utc)
    return t.isoformat(timespec="seconds") if t else str(iso_utc)


def make_editable_copy(source: str | Path = DEFAULT_DATA_DIR, dest: str | Path | None = None,
                       *, editor) -> Path:
    """Copy the layers in ``source`` (default: the repository's ``data/geo``) to ``dest``.

    ``dest`` defaults to :func:`songnan_geo.config.editable_data_dir`, which the app then reads
    (unless ``SONGNAN_DATA_DIR`` says otherwise). The copy is made in a temporary sibling folder
    and renamed into place, so a failure leaves nothing half-copied. An existing copy is kept.
    The copy's journal starts with a ``copy`` operation naming ``editor`` (who made it; it
    cannot be undone).

    Raises
    ------
    songnan_geo.auth.EditorRequiredError
        Unless ``editor`` is a logged-in editor (nothing is copied).
    StoreError
        When ``source`` is not a data folder, or ``dest`` exists without a manifest.
    """
    editor = require_editor(editor)
    source = Path(source)
    dest = Path(dest) if dest is not None else editable_data_dir()
    if (dest / "manifest.json").is_file():
        return dest
    if not (source / "manifest.json").is_file():
        raise StoreError(f"source '{source}' has no manifest.json; point it at a data/geo folder.")
    if dest.exists():
        raise StoreError(f"dest '{dest}' exists but holds no manifest.json; move it away or pick "
                         "another folder.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".copying-", dir=dest.parent))
    try:
        shutil.copytree(source, tmp / "data", ignore=shutil.ignore_patterns(BACKUP_DIR))
        op_id, now = new_id()
        op = Operation(id=op_id, time=now, action="copy", layer="", features=0,
                       note=f"copy of {source}", editor=editor.username)
        (tmp / "data" / BACKUP_DIR).mkdir()
        write_durable(tmp / "data" / BACKUP_DIR / JOURNAL, journal_bytes([op]))
        os.replace(tmp / "data", dest)
        fsync_dir(dest.parent)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


class LayerStore:
    """The layers of one data folder (a copy of ``data/geo``), with backups and undo.

    Opening a store runs :meth:`recover` (see the module docstring).

    Parameters
    ----------
    data_dir : str or Path
        The folder the app reads (``SONGNAN_DATA_DIR``). Must hold ``manifest.json``.
    allow_repository_data : bool, default False
        The repository's own ``data/geo`` is refused unless this is True.
    """

    def __init__(self, data_dir: str | Path, allow_repository_data: bool = False):
        self.data_dir = Path(data_dir).resolve()
        if not (self.data_dir / "manifest.json").is_file():
            raise StoreError(f"data_dir '{data_dir}' has no manifest.json. Point it at a copy of "
                             "the project's data/geo (cp -r data/geo ~/songnan-data).")
        if is_repository_data(self.data_dir) and not allow_repository_data:
            raise RepositoryDataError(data_dir)
        self.backup_dir = self.data_dir / BACKUP_DIR
        try:
            with self._locked(blocking=False) as got:
                if got:
                    self._recover()
        except OSError as exc:   # a read-only folder: nothing can have been half-written
            log.info("layer store %s: no recovery on open (%s)", self.data_dir, exc)

    # ------------------------------------------------------------------ reading
    def manifest(self) -> dict:
        """The manifest, read afresh from disk (a new dict each time)."""
        return json.loads((self.data_dir / "manifest.json").read_text(encoding="utf-8"))

    def _entry(self, name: str) -> dict:
        """The manifest entry of layer ``name``; an unknown name lists the valid ones."""
        layers = self.manifest()["layers"]
        if name not in layers:
            raise KeyError(f"name '{name}' is not a layer of {self.data_dir}. Valid names: "
                           f"{', '.join(layers)}.")
        return layers[name]

    def schema(self, name: str) -> dict:
        """The JSON Schema of layer ``name``."""
        return json.loads((self.data_dir / self._entry(name)["schema"]).read_text(encoding="utf-8"))

    def history(self) -> list[Operation]:
        """Every operation in the journal, oldest first (with who made and undid it)."""
        path = self.backup_dir / JOURNAL
        if not path.exists():
            return []
        return [op_from(json.loads(line))
                for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def last_undoable(self) -> Operation | None:
        """The newest operation in effect (what :meth:`undo` would revert)."""
        ops = [op for op in self.history() if not op.undone and op.action in UNDOABLE]
        return ops[-1] if ops else None

    def layer_version(self, name: str) -> str:
        """Opaque token of layer ``name``'s current state; ``""`` when there is no such layer.

        It changes with every write and undo of the layer (and with any change of its file
        made outside the store). Pass it as ``base_version`` of the write previewed now.
        """
        with self._locked(shared=True):
            return self._version(name, self.manifest(), self.history())

    def _version(self, name: str, manifest: dict, ops: list[Operation]) -> str:
        entry = manifest["layers"].get(name)
        if entry is None:
            return ""
        event = self._last_event(name, ops)
        try:
            digest = hashlib.sha256((self.data_dir / entry["file"]).read_bytes()).hexdigest()
        except FileNotFoundError:
            digest = "missing"
        return f"{event[0] if event else 'base'}:{digest[:16]}"

    @staticmethod
    def _last_event(name: str, ops: list[Operation]) -> tuple[str, str, str] | None:
        """(event id, editor, ISO UTC time) of the newest write or undo of layer ``name``."""
        events = [(o.id, o.editor, o.time) for o in ops if o.layer == name]
        events += [(o.undo_id, o.undone_by, o.undone_time) for o in ops
                   if o.layer == name and o.undone and o.undo_id]
        return max(events) if events else None

    def _stale(self, name: str, ops: list[Operation]) -> StaleLayerError:
        event = self._last_event(name, ops)
        if event is not None:
            return StaleLayerError(name, event[1], _shanghai_iso(event[2]))
        entry = self.manifest()["layers"].get(name)
        path = self.data_dir / entry["file"] if entry else self.data_dir / "manifest.json"
        when = _dt.datetime.fromtimestamp(path.stat().st_mtime, _dt.UTC)
        return StaleLayerError(name, "", _shanghai_iso(when.isoformat(timespec="seconds")))

    # ------------------------------------------------------------------ locking, recovery
    @contextmanager
    def _locked(self, blocking: bool = True, shared: bool = False):
        self.backup_dir.mkdir(exist_ok=True)
        with open(self.backup_dir / ".lock", "a") as lock:
            flags = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            try:
                fcntl.flock(lock, flags if blocking else flags | fcntl.LOCK_NB)
            except OSError as exc:
                if blocking or exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def recover(self) -> None:
        """Finish or roll back an interrupted write, sweep temporary files, move orphans away
        (see the module docstring). Safe to call at any time; runs under the lock."""
        with self._locked():
            self._recover()

    def _recover(self) -> None:
        intent_path = self.backup_dir / INTENT
        if intent_path.exists():
            intent = json.loads(intent_path.read_text(encoding="utf-8"))
            self._resolve(intent)
            intent_path.unlink()
            fsync_dir(self.backup_dir)
        sweep_temps(self.data_dir, self.backup_dir)
        move_orphans(self.data_dir, self.backup_dir, self.manifest())

    def _resolve(self, intent: dict) -> None:
        ops = self.history()
        by_id = {o.id: o for o in ops}
        if intent["kind"] == "write":
            op = op_from(intent["op"])
            if op.id in by_id:
                return                                   # committed
            if intent["phase"] == "applying":
                self._restore(op)
                log.warning("layer store %s: rolled back the interrupted %s of layer '%s' by "
                            "%s (op %s); the old state is back", self.data_dir, op.action,
                            op.layer, op.editor, op.id)
            else:
                log.warning("layer store %s: dropped the interrupted %s of layer '%s' by %s "
                            "(op %s) before it changed any file", self.data_dir, op.action,
                            op.layer, op.editor, op.id)
            remove_temps(self.data_dir, intent)
            shutil.rmtree(self.backup_dir / op.id, ignore_errors=True)
            return
        # an undo: rolled forward
        target = by_id.get(intent["target"])
        if target is None or target.undone:
            return                                       # committed (or nothing to do)
        self._restore(target)
        self._mark_undone(ops, target, intent["editor"], intent["id"], intent["time"])
        log.warning("layer store %s: completed the interrupted undo of %s of layer '%s' by %s "
                    "(op %s)", self.data_dir, target.action, target.layer, intent["editor"],
                    target.id)

    # ------------------------------------------------------------------ writing
    def _validated_bytes(self, name: str, gdf: gpd.GeoDataFrame, schema: dict,
                         geometry_types: list[str]) -> bytes:
        doc = feature_collection(gdf, list(schema.get("properties", {})))
        bad = non_finite_features(doc)
        if bad:
            raise NonFiniteValueError(name, bad)
        problems = validate_feature_collection(doc, f"{name} (to be written)", schema,
                                               geometry_types)
        if problems:
            raise LayerValidationError(problems)
        return dump_json(doc)

    def _write_intent(self, intent: dict) -> None:
        atomic_write(self.backup_dir / INTENT, dump_json(intent))

    def _commit(self, op: Operation, writes: dict[str, bytes]) -> Operation:
        """Write ``writes`` (relative path → bytes, in order) by the protocol of the module
        docstring. Called under the lock, after :meth:`_recover`."""
        files = {}
        for rel in writes:
            backup = str(Path(op.id) / rel) if (self.data_dir / rel).exists() else None
            op.files[rel] = backup
            p = Path(rel)
            files[rel] = {"backup": backup,
                          "temp": str(p.parent / f".{p.name}.{op.id}.tmp")}
        intent = {"kind": "write", "id": op.id, "phase": "prepared", "op": asdict(op),
                  "files": files}
        self._write_intent(intent)
        crash_point("write:intent")
        try:
            for rel, spec in files.items():                       # backups
                if spec["backup"] is not None:
                    dst = self.backup_dir / spec["backup"]
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(self.data_dir / rel, dst)
                    fsync_file(dst)
                    fsync_dir(dst.parent)
            crash_point("write:backups")
            for rel, data in writes.items():                      # temps
                temp = self.data_dir / files[rel]["temp"]
                temp.parent.mkdir(parents=True, exist_ok=True)
                if os.environ.get(CRASH_ENV) == "write:temp_partial":
                    write_durable(temp, data[: len(data) // 2])
                    crash_point("write:temp_partial")
                write_durable(temp, data)
            crash_point("write:temps")
            intent["phase"] = "applying"
            self._write_intent(intent)
            crash_point("write:applying")
            for i, rel in enumerate(writes):                      # renames
                os.replace(self.data_dir / files[rel]["temp"], self.data_dir / rel)
                fsync_dir((self.data_dir / rel).parent)
                crash_point(f"write:rename:{i}")
            atomic_write(self.backup_dir / JOURNAL, journal_bytes(self.history() + [op]))
            crash_point("write:journal")
        except BaseException:
            try:
                self._resolve(intent)
                (self.backup_dir / INTENT).unlink(missing_ok=True)
            except Exception:   # the disk refuses even that: the next open rolls back
                log.exception("layer store %s: rolling back op %s failed; the intent is kept "
                              "for the next recovery", self.data_dir, op.id)
            raise
        (self.backup_dir / INTENT).unlink()
        fsync_dir(self.backup_dir)
        crash_point("write:done")
        return op

    def _restore(self, op: Operation) -> None:
        """Put back the files ``op`` changed (idempotent): the manifest (written last) first."""
        for rel in reversed(list(op.files)):
            backup = op.files[rel]
            target = self.data_dir / rel
            if backup is None:
                target.unlink(missing_ok=True)
                fsync_dir(target.parent)
            else:
                data = (self.backup_dir / backup).read_bytes()
                if not (target.is_file() and target.read_bytes() == data):
                    atomic_write(target, data)

    def _mark_undone(self, ops: list[Operation], op: Operation, editor: str, undo_id: str,
                     time: str) -> None:
        for o in ops:
            if o.id == op.id:
                o.undone, o.undone_by, o.undo_id, o.undone_time = True, editor, undo_id, time
        atomic_write(self.backup_dir / JOURNAL, journal_bytes(ops))

    def _check_version(self, name: str, base_version: str, ops: list[Operation],
                       manifest: dict) -> None:
        if not isinstance(base_version, str):
            raise TypeError("base_version must be the str from layer_version(name) read when "
                            "the change was previewed ('' for a new layer).")
        if self._version(name, manifest, ops) != base_version:
            raise self._stale(name, ops)

    def replace_layer(self, name: str, gdf: gpd.GeoDataFrame, note: str = "", *, editor,
                      base_version: str) -> Operation:
        """Replace layer ``name``'s file with ``gdf`` (EPSG:4326), keeping a backup.

        Parameters
        ----------
        editor : songnan_geo.auth.Editor
            The logged-in editor making the change (recorded in the journal).
        base_version : str
            :meth:`layer_version` of ``name`` when the change was previewed.

        Raises
        ------
        songnan_geo.auth.EditorRequiredError
            Without a logged-in editor.
        StaleLayerError
            If the layer changed since ``base_version`` (names who changed it and when).
        LayerValidationError, NonFiniteValueError
            If ``gdf`` fails the layer's schema or geometry rules, or holds a non-finite
            number.
        KeyError
            For an unknown layer name (the message lists the valid ones).

        In every case nothing is written.
        """
        editor = require_editor(editor)
        info = self._entry(name)
        data = self._validated_bytes(name, gdf, self.schema(name), info["geometry_types"])
        with self._locked():
            self._recover()
            crash_point("write:locked")
            ops, manifest = self.history(), self.manifest()
            self._check_version(name, base_version, ops, manifest)
            op_id, now = new_id()
            op = Operation(id=op_id, time=now, action="replace", layer=name, features=len(gdf),
                           note=note, editor=editor.username)
            return self._commit(op, {manifest["layers"][name]["file"]: data})

    def add_layer(self, name: str, gdf: gpd.GeoDataFrame, entry: dict, schema: dict,
                  note: str = "", *, editor, base_version: str = "") -> Operation:
        """Add a new layer: its GeoJSON, its schema, then its manifest entry (last).

        ``entry`` is the manifest entry without ``file``/``schema`` (titles, geometry_types,
        style…); ``schema`` is the JSON Schema of its properties. ``base_version`` is ``""``
        (the layer did not exist when previewed): if another editor added it meanwhile, the
        write raises :class:`StaleLayerError` naming them. Otherwise as :meth:`replace_layer`.
        """
        editor = require_editor(editor)
        if not re.match(LAYER_NAME_PATTERN, name or ""):
            raise StoreError(f"name '{name}' is not a valid layer name: use 2–40 lower-case "
                             "letters, digits or underscores, starting with a letter.")
        data = self._validated_bytes(name, gdf, schema, entry["geometry_types"])
        schema_bytes = dump_json(schema, indent=2)
        file_rel, schema_rel = f"{name}.geojson", f"schema/{name}.schema.json"
        with self._locked():
            self._recover()
            crash_point("write:locked")
            ops, manifest = self.history(), self.manifest()
            if name in manifest["layers"] and (base_version or self._last_event(name, ops) is None):
                raise StoreError(f"name '{name}' is already a layer; choose another name, or "
                                 "update that layer instead.")
            self._check_version(name, base_version, ops, manifest)
            for rel in (file_rel, schema_rel):
                if (self.data_dir / rel).exists():
                    raise StoreError(f"'{rel}' already exists in the data folder although no "
                                     "layer uses it; move it away or choose another name.")
            manifest["layers"][name] = {"file": file_rel, "schema": schema_rel, **entry}
            op_id, now = new_id()
            op = Operation(id=op_id, time=now, action="add", layer=name, features=len(gdf),
                           note=note, editor=editor.username)
            return self._commit(op, {file_rel: data, schema_rel: schema_bytes,
                                     "manifest.json": dump_json(manifest, indent=2)})

    def save_import(self, name: str, gdf: gpd.GeoDataFrame, new: bool = False,
                    schema: dict | None = None, geometry_types: list[str] | None = None,
                    titles: dict | None = None, note: str = "", *, editor,
                    base_version: str) -> Operation:
        """Store an import's result: replace layer ``name``, or (``new``) add it with
        ``schema``, ``geometry_types`` and ``titles`` ({'zh': …, 'en': …}). ``editor`` and
        ``base_version`` as in :meth:`replace_layer` / :meth:`add_layer`."""
        if not new:
            return self.replace_layer(name, gdf, note, editor=editor, base_version=base_version)
        titles = {k: (titles or {}).get(k) or name for k in ("zh", "en")}
        entry = {"title": titles, "geometry_types": list(geometry_types or []),
                 "group": "imported", "inside_boundary": False,
                 "inside_reason": {"zh": "导入的图层，范围不限于镇界。",
                                   "en": "An imported layer; not limited to the town."},
                 "style": {"color": NEW_LAYER_COLOR, "weight": 2, "fill_opacity": 0.3}}
        return self.add_layer(name, gdf, entry, schema or {}, note, editor=editor,
                              base_version=base_version)

    def undo(self, *, editor, op_id: str | None = None) -> Operation | None:
        """Revert the newest operation in effect; return it (None if there is none).

        ``op_id`` (optional): the id of the operation the planner saw as the one to undo
        (:meth:`last_undoable`); if another write came after it, :class:`StaleLayerError`
        names that write's editor and nothing is undone.
        """
        editor = require_editor(editor)
        with self._locked():
            self._recover()
            crash_point("undo:locked")
            ops = self.history()
            todo = [o for o in ops if not o.undone and o.action in UNDOABLE]
            if not todo:
                return None
            op = todo[-1]
            if op_id is not None and op.id != op_id:
                raise StaleLayerError(op.layer, op.editor, _shanghai_iso(op.time))
            for backup in op.files.values():
                if backup is not None and not (self.backup_dir / backup).is_file():
                    raise StoreError(f"the backup {backup} of operation {op.id} is missing from "
                                     f"{self.backup_dir}; it cannot be undone.")
            undo_id, now = new_id()
            self._write_intent({"kind": "undo", "id": undo_id, "phase": "applying",
                                "target": op.id, "editor": editor.username, "time": now,
                                "files": {}})
            crash_point("undo:intent")
            for i, rel in enumerate(reversed(list(op.files))):
                self._restore(Operation(**{**asdict(op), "files": {rel: op.files[rel]}}))
                crash_point(f"undo:restore:{i}")
            self._mark_undone(ops, op, editor.username, undo_id, now)
            crash_point("undo:journal")
            (self.backup_dir / INTENT).unlink()
            fsync_dir(self.backup_dir)
            crash_point("undo:done")
            return next(o for o in ops if o.id == op.id)
