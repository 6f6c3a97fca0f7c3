"""Writing layers into a data folder: atomic replace, a backup of every file changed, undo.

The app reads its layers from ``SONGNAN_DATA_DIR`` (a copy of the repository's
``data/geo``); this module is the only code that writes there. The repository's own
``data/geo`` is refused as a target: it is the project's reviewed data, changed only by
``tools/build_data.py`` and a commit.

How a write works (:meth:`LayerStore.replace_layer`, :meth:`LayerStore.add_layer`):

1. the new layer is serialised to GeoJSON and validated again with
   :func:`songnan_geo.io.validate_feature_collection` — nothing invalid is ever written;
2. under an exclusive lock (``.backups/.lock``), every file that will change is copied to
   ``.backups/<operation id>/``;
3. each new file is written under a temporary name in the same folder, flushed to disk and
   renamed over the old one (``os.replace``: readers see the old file or the new one, never
   a mix). A new layer's GeoJSON and schema are written first and the manifest last, so the
   app does not see the layer until everything it needs is in place;
4. the operation is appended to ``.backups/journal.jsonl``.

If any step fails, the files already replaced are put back and the new files removed.
:meth:`LayerStore.undo` restores the files of the latest operation not yet undone (again
atomically) and marks it undone; repeated undos walk further back.
"""
from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import re
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import geopandas as gpd

from songnan_geo import clock
from songnan_geo.config import editable_data_dir, is_repository_data
from songnan_geo.crs import STORAGE_CRS
from songnan_geo.io import (
    DEFAULT_DATA_DIR,
    LayerValidationError,
    layer_info,
    layer_schema,
    read_manifest,
    validate_feature_collection,
)

#: Folder (inside the data folder) holding backups and the journal.
BACKUP_DIR = ".backups"
JOURNAL = "journal.jsonl"
#: Layer names a new layer may take: lower-case letters, digits, underscores.
LAYER_NAME_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"
#: Colour of layers added by an import (the manifest entry can be edited afterwards).
NEW_LAYER_COLOR = "#9467bd"


class StoreError(RuntimeError):
    """A write to the data folder was refused or failed; nothing was changed."""


@dataclass
class Operation:
    """One write (or undo target): which files changed and where their backups are."""

    id: str
    time: str
    action: str                      # "replace" | "add"
    layer: str
    features: int
    files: dict[str, str | None] = field(default_factory=dict)  # file → backup (None: new file)
    note: str = ""
    undone: bool = False


def feature_collection(gdf: gpd.GeoDataFrame, columns: list[str] | None = None) -> dict:
    """GeoJSON FeatureCollection (dict) of ``gdf`` (EPSG:4326) as written to ``data/geo``.

    Properties in the order of ``columns`` (default: the frame's), then the rest; missing
    values are ``null``; no ``crs`` member (RFC 7946: WGS84).
    """
    if gdf.crs is None or not gdf.crs.equals(STORAGE_CRS):
        raise ValueError(f"gdf is in {gdf.crs}; layers are stored in EPSG:4326. Call "
                         "gdf.to_crs(4326) (or chinacoords.to_wgs84) first.")
    cols = [c for c in (columns or []) if c in gdf.columns]
    cols += [c for c in gdf.columns if c not in cols and c != gdf.geometry.name]
    doc = json.loads(gdf[cols + [gdf.geometry.name]].to_json(na="null", drop_id=True,
                                                             ensure_ascii=False))
    doc.pop("crs", None)
    for feat in doc["features"]:
        feat.pop("bbox", None)
        feat.pop("id", None)
        feat["properties"] = {c: feat["properties"].get(c) for c in cols}
    doc.pop("bbox", None)
    return doc


def _dump(doc: dict) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_editable_copy(source: str | Path = DEFAULT_DATA_DIR, dest: str | Path | None = None) -> Path:
    """Copy the layers in ``source`` (default: the repository's ``data/geo``) to ``dest``.

    ``dest`` defaults to :func:`songnan_geo.config.editable_data_dir`, which the app then reads
    (unless ``SONGNAN_DATA_DIR`` says otherwise). The copy is made in a temporary sibling folder
    and renamed into place, so a failure leaves nothing half-copied. An existing copy is kept.
    """
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
        os.replace(tmp / "data", dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


class LayerStore:
    """The layers of one data folder (a copy of ``data/geo``), with backups and undo.

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
            raise StoreError(
                f"data_dir '{data_dir}' is the repository's own data/geo, which only "
                "tools/build_data.py and a reviewed commit change. Make an editable copy "
                f"(数据管理 → 创建可编辑副本, or make_editable_copy() → {editable_data_dir()}) "
                "or point SONGNAN_DATA_DIR at a copy of data/geo.")
        self.backup_dir = self.data_dir / BACKUP_DIR

    # ------------------------------------------------------------------ reading
    def manifest(self) -> dict:
        return read_manifest(self.data_dir)

    def schema(self, name: str) -> dict:
        """The JSON Schema of layer ``name``."""
        return layer_schema(name, self.data_dir)

    def history(self) -> list[Operation]:
        """Every operation in the journal, oldest first."""
        path = self.backup_dir / JOURNAL
        if not path.exists():
            return []
        ops = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                ops.append(Operation(**json.loads(line)))
        return ops

    def last_undoable(self) -> Operation | None:
        """The latest operation not yet undone (what :meth:`undo` would revert)."""
        ops = [op for op in self.history() if not op.undone]
        return ops[-1] if ops else None

    # ------------------------------------------------------------------ writing
    @contextmanager
    def _locked(self):
        self.backup_dir.mkdir(exist_ok=True)
        with open(self.backup_dir / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _validated_bytes(self, name: str, gdf: gpd.GeoDataFrame, schema: dict,
                         geometry_types: list[str]) -> bytes:
        doc = feature_collection(gdf, list(schema.get("properties", {})))
        problems = validate_feature_collection(doc, f"{name} (to be written)", schema,
                                               geometry_types)
        if problems:
            raise LayerValidationError(problems)
        return _dump(doc)

    def _new_op(self, action: str, layer: str, features: int, note: str) -> Operation:
        now = clock.now().astimezone(_dt.UTC)
        op_id = now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]
        return Operation(id=op_id, time=now.isoformat(timespec="seconds"), action=action,
                         layer=layer, features=features, note=note)

    def _commit(self, op: Operation, writes: dict[str, bytes]) -> Operation:
        """Back up, then write ``writes`` (relative path → bytes) in order; roll back on error."""
        op_dir = self.backup_dir / op.id
        op_dir.mkdir(parents=True)
        for rel in writes:
            src = self.data_dir / rel
            if src.exists():
                dst = op_dir / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
                op.files[rel] = str(Path(op.id) / rel)
            else:
                op.files[rel] = None
        done: list[str] = []
        try:
            for rel, data in writes.items():
                target = self.data_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                _atomic_write(target, data)
                done.append(rel)
            self._append_journal(op)
        except BaseException:
            self._restore(op, only=done)
            raise
        return op

    def _restore(self, op: Operation, only: list[str] | None = None) -> None:
        # Reverse order: the manifest (written last) is put back first.
        for rel in reversed(list(op.files)):
            if only is not None and rel not in only:
                continue
            backup = op.files[rel]
            target = self.data_dir / rel
            if backup is None:
                if target.exists():
                    target.unlink()
            else:
                _atomic_write(target, (self.backup_dir / backup).read_bytes())

    def _append_journal(self, op: Operation) -> None:
        ops = self.history() + [op]
        data = "".join(json.dumps(asdict(o), ensure_ascii=False) + "\n" for o in ops)
        _atomic_write(self.backup_dir / JOURNAL, data.encode("utf-8"))

    def replace_layer(self, name: str, gdf: gpd.GeoDataFrame, note: str = "") -> Operation:
        """Replace layer ``name``'s file with ``gdf`` (EPSG:4326), atomically, keeping a backup.

        Raises
        ------
        LayerValidationError
            If ``gdf`` fails the layer's schema or geometry rules (nothing is written).
        KeyError
            For an unknown layer name (the message lists the valid ones).
        """
        info = layer_info(name, self.data_dir)
        data = self._validated_bytes(name, gdf, self.schema(name), info["geometry_types"])
        with self._locked():
            op = self._new_op("replace", name, len(gdf), note)
            return self._commit(op, {info["file"]: data})

    def add_layer(self, name: str, gdf: gpd.GeoDataFrame, entry: dict, schema: dict,
                  note: str = "") -> Operation:
        """Add a new layer: its GeoJSON, its schema, then its manifest entry (last).

        ``entry`` is the manifest entry without ``file``/``schema`` (titles, geometry_types,
        style…); ``schema`` is the JSON Schema of its properties.
        """
        if not re.match(LAYER_NAME_PATTERN, name or ""):
            raise StoreError(f"name '{name}' is not a valid layer name: use 2–40 lower-case "
                             "letters, digits or underscores, starting with a letter.")
        manifest = self.manifest()
        if name in manifest["layers"]:
            raise StoreError(f"name '{name}' is already a layer; choose another name, or update "
                             "that layer instead.")
        file_rel, schema_rel = f"{name}.geojson", f"schema/{name}.schema.json"
        for rel in (file_rel, schema_rel):
            if (self.data_dir / rel).exists():
                raise StoreError(f"'{rel}' already exists in the data folder although no layer "
                                 "uses it; move it away or choose another name.")
        data = self._validated_bytes(name, gdf, schema, entry["geometry_types"])
        new_manifest = json.loads(json.dumps(manifest))
        new_manifest["layers"][name] = {"file": file_rel, "schema": schema_rel, **entry}
        with self._locked():
            op = self._new_op("add", name, len(gdf), note)
            return self._commit(op, {
                file_rel: data,
                schema_rel: (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode(),
                "manifest.json": (json.dumps(new_manifest, ensure_ascii=False, indent=2)
                                  + "\n").encode("utf-8"),
            })

    def save_import(self, name: str, gdf: gpd.GeoDataFrame, new: bool = False,
                    schema: dict | None = None, geometry_types: list[str] | None = None,
                    titles: dict | None = None, note: str = "") -> Operation:
        """Store an import's result: replace layer ``name``, or (``new``) add it with
        ``schema``, ``geometry_types`` and ``titles`` ({'zh': …, 'en': …})."""
        if not new:
            return self.replace_layer(name, gdf, note)
        titles = {k: (titles or {}).get(k) or name for k in ("zh", "en")}
        entry = {"title": titles, "geometry_types": list(geometry_types or []),
                 "group": "imported", "inside_boundary": False,
                 "inside_reason": {"zh": "导入的图层，范围不限于镇界。",
                                   "en": "An imported layer; not limited to the town."},
                 "style": {"color": NEW_LAYER_COLOR, "weight": 2, "fill_opacity": 0.3}}
        return self.add_layer(name, gdf, entry, schema or {}, note)

    def undo(self) -> Operation | None:
        """Revert the latest operation not yet undone; return it (None if there is none)."""
        with self._locked():
            ops = self.history()
            todo = [o for o in ops if not o.undone]
            if not todo:
                return None
            op = todo[-1]
            self._restore(op)
            op.undone = True
            data = "".join(json.dumps(asdict(o), ensure_ascii=False) + "\n" for o in ops)
            _atomic_write(self.backup_dir / JOURNAL, data.encode("utf-8"))
            return op
