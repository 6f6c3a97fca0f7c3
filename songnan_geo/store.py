"""The tracker's store: parcels' and projects' current status, their full history, login failures.

This module is the package's only database access. Two backends behind one API
(:class:`TrackerStore`), through SQLAlchemy Core:

* **GeoPackage** (default, embedded): one SQLite file in the OGC GeoPackage format, so QGIS or
  GDAL open it too. Path: ``SONGNAN_STORE_PATH``, else ``tracker.gpkg`` in the user folder
  (``SONGNAN_USER_DIR``, default ``~/.songnan_geo``; outside the repository). Created and seeded on first use from ``data/geo/parcels.geojson``
  and ``data/projects/*.csv``: built in a temporary file and moved into place with one atomic
  link, so a crash or a second process starting at the same time never leaves a half-made store.
  WAL journal, ``synchronous=FULL``; writes take the write lock first (``BEGIN IMMEDIATE``).
* **PostGIS** (shared server): when ``SONGNAN_STORE_URL`` is a ``postgresql://`` URL. Tables are
  created and seeded in one transaction under an advisory lock. Geometry is
  ``geometry(MultiPolygon, 4326)``; items are locked with ``SELECT … FOR UPDATE`` for a write.

Rules kept by the store (and, where the database can, by the database itself):

* every write is one transaction; a write needs an :class:`songnan_geo.auth.Editor`;
* optimistic locking: a change names the ``expected_version`` it was based on; if the item
  moved on meanwhile the change is refused with :class:`StaleVersionError`, naming who changed
  it and when. No update is lost;
* status changes follow :mod:`songnan_geo.workflow`; an illegal jump needs a correction reason;
* history is append-only and items are never deleted: triggers refuse UPDATE/DELETE (and
  TRUNCATE on PostGIS) of history rows and DELETE of items, and refuse an item update that does
  not raise its version by exactly one with a matching history row.

Times are recorded in UTC (ISO 8601); dates a status took effect are ``YYYY[-MM[-DD]]``.

Schema changes that programs made before them do not notice (a new nullable column, a new
index) keep :data:`SCHEMA_VERSION` and are made in place when a store is opened
(:func:`_add_missing_columns`: under the SQLite write lock / the PostGIS advisory lock that
creation takes, re-checked under the lock, one transaction). So far:
``tracker_login_failures.client`` (the client address of a failed login, for per-address
throttling in :mod:`songnan_geo.auth`; NULL in rows recorded before it). Only a change that
older programs would misread raises the version (they then refuse the store by name).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from songnan_geo import auth, clock, config, workflow
from songnan_geo.error_messages import LocalisedError, msg
from songnan_geo.crs import STORAGE_CRS
from songnan_geo.io import DEFAULT_DATA_DIR, load_layer

#: File name of the default embedded store in the user folder (see :func:`default_store_path`).
STORE_FILE_NAME = "tracker.gpkg"
#: The plan's project tables (Table 5 and the 十四五 projects), with source lines.
DEFAULT_PROJECTS_DIR = Path(__file__).resolve().parent.parent / "data" / "projects"
SCHEMA_VERSION = "1"
#: Username under which the seed rows (the plan's own statuses) are recorded.
SEED_USER = "seed"
#: Seconds a writer waits for another process's write lock (SQLite) before giving up.
LOCK_TIMEOUT_S = 30

_GROUPS = ("parcel", "table5", "fyp14")
_ITEM_COLUMNS = ["id", "kind", "grp", "workflow", "name", "name_en", "category", "plan_target",
                 "target_status", "target_rule", "plan_deadline", "status", "status_date",
                 "paused_from", "version", "updated_by", "updated_at", "attrs"]
_HISTORY_COLUMNS = ["seq", "item_id", "version", "effective_date", "recorded_at", "from_status",
                    "to_status", "username", "note", "doc_no", "is_correction", "correction_reason"]


class TrackerError(Exception):
    """Base class of the store's errors."""


class StoreConfigError(TrackerError):
    """The store cannot be opened or created (the message says what to fix)."""


class StoreBusyError(TrackerError, LocalisedError):
    """Another process held the store's lock for longer than :data:`LOCK_TIMEOUT_S`
    (``str()`` English, :meth:`text` in the UI's language)."""


def _busy_or(exc: OperationalError) -> Exception:
    """A lock timeout as :class:`StoreBusyError`; any other database error unchanged."""
    text_ = str(exc.orig).lower()
    if "locked" in text_ or "lock timeout" in text_ or "lock_timeout" in text_:
        return StoreBusyError(msg("store_busy", seconds=LOCK_TIMEOUT_S))
    return exc


class UnknownItemError(TrackerError, KeyError):
    """No parcel or project has this id."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class StaleVersionError(TrackerError):
    """The change was based on an old version: someone else changed the item meanwhile."""

    def __init__(self, item_id: str, name: str, expected_version: int, current_version: int,
                 changed_by: str, changed_at: str):
        self.item_id, self.name = item_id, name
        self.expected_version, self.current_version = expected_version, current_version
        self.changed_by, self.changed_at = changed_by, changed_at
        super().__init__(
            f"{name} ({item_id}) was changed by {changed_by} at {format_time(changed_at)} "
            f"(now version {current_version}); your change was based on version "
            f"{expected_version} and was not saved. Reload to see the change, then record "
            "yours again if it still applies.")


def format_time(iso_utc: str) -> str:
    """``2026-11-28T06:03:00+00:00`` → ``2026-11-28 14:03 (UTC+8)`` (Shanghai time)."""
    try:
        t = dt.datetime.fromisoformat(iso_utc)
    except (TypeError, ValueError):
        return str(iso_utc)
    return clock.local(t).strftime("%Y-%m-%d %H:%M") + " (UTC+8)"


def _now_iso() -> str:
    return clock.now_iso()


# --------------------------------------------------------------------------- configuration

def resolve_store_url(url: str | os.PathLike | None = None) -> str:
    """The store in use: ``url`` if given, else ``SONGNAN_STORE_URL``, else
    ``SONGNAN_STORE_PATH``, else :func:`default_store_path`.

    Returns a SQLAlchemy URL: ``postgresql+psycopg://…`` or ``sqlite:////abs/path.gpkg``.
    A plain path (or ``gpkg:`` / ``sqlite:`` URL) means a GeoPackage file.
    """
    raw = str(url) if url is not None else (os.environ.get("SONGNAN_STORE_URL")
                                            or os.environ.get("SONGNAN_STORE_PATH")
                                            or str(default_store_path()))
    raw = raw.strip()
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    if raw.startswith(("postgresql+", "mysql", "oracle", "mssql")):
        raise StoreConfigError(f"store URL {raw.split('@')[-1]!r}: only PostgreSQL/PostGIS "
                               "(postgresql://user:password@host/db) or a GeoPackage path is "
                               "supported.")
    for prefix in ("sqlite:///", "gpkg://", "gpkg:"):
        if raw.startswith(prefix):
            raw = raw[len(prefix):]
            break
    path = Path(raw).expanduser().resolve()
    return f"sqlite:///{path}"


def default_store_path() -> Path:
    """``tracker.gpkg`` in the user folder (``SONGNAN_USER_DIR``, default ``~/.songnan_geo``;
    see :mod:`songnan_geo.config`): outside the repository."""
    return config.user_dir() / STORE_FILE_NAME


def _redact(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# --------------------------------------------------------------------------- DDL

def _status_check() -> str:
    allowed = sorted({s for w in workflow.WORKFLOWS.values() for s in w.statuses})
    return ", ".join("'" + s + "'" for s in allowed)


def _common_ddl(serial: str) -> list[str]:
    statuses = _status_check()
    return [
        "CREATE TABLE tracker_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"""CREATE TABLE tracker_items (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('parcel', 'project')),
            grp TEXT NOT NULL CHECK (grp IN ('parcel', 'table5', 'fyp14')),
            workflow TEXT NOT NULL CHECK (workflow IN ('parcel', 'project')),
            name TEXT NOT NULL, name_en TEXT, category TEXT,
            plan_target TEXT, target_status TEXT, target_rule TEXT, plan_deadline TEXT,
            status TEXT NOT NULL CHECK (status IN ({statuses})),
            status_date TEXT NOT NULL, paused_from TEXT,
            version INTEGER NOT NULL CHECK (version >= 1),
            updated_by TEXT NOT NULL, updated_at TEXT NOT NULL,
            attrs TEXT NOT NULL)""",
        f"""CREATE TABLE tracker_history (
            seq {serial},
            item_id TEXT NOT NULL REFERENCES tracker_items (id),
            version INTEGER NOT NULL,
            effective_date TEXT NOT NULL, recorded_at TEXT NOT NULL,
            from_status TEXT, to_status TEXT NOT NULL CHECK (to_status IN ({statuses})),
            username TEXT NOT NULL, note TEXT NOT NULL, doc_no TEXT NOT NULL,
            is_correction INTEGER NOT NULL CHECK (is_correction IN (0, 1)),
            correction_reason TEXT,
            UNIQUE (item_id, version))""",
        "CREATE INDEX tracker_history_item ON tracker_history (item_id, version)",
        f"""CREATE TABLE tracker_login_failures (
            id {serial}, username TEXT NOT NULL, failed_at DOUBLE PRECISION NOT NULL,
            client TEXT)""",
        "CREATE INDEX tracker_login_failures_user ON tracker_login_failures (username, failed_at)",
        _LOGIN_CLIENT_INDEX,
    ]


#: Columns added to schema version 1 after stores were made with it: (table, column, type).
#: New stores get them from :func:`_common_ddl`; older ones from :func:`_add_missing_columns`.
_ADDED_COLUMNS = [("tracker_login_failures", "client", "TEXT")]
_LOGIN_CLIENT_INDEX = ("CREATE INDEX IF NOT EXISTS tracker_login_failures_client "
                       "ON tracker_login_failures (client, failed_at)")


#: A view of the parcels with their current status, for GIS clients (QGIS opens it as a layer).
_STATUS_VIEW_COLUMNS = ("i.id AS id, i.name AS name, i.name_en AS name_en, i.status AS status, "
                        "i.status_date AS status_date, i.plan_target AS plan_target, "
                        "i.plan_deadline AS plan_deadline, i.version AS version, "
                        "i.updated_by AS updated_by, i.updated_at AS updated_at")
_SQLITE_VIEW = [
    f"""CREATE VIEW tracker_parcels_status AS SELECT p.fid AS fid, p.geom AS geom, {_STATUS_VIEW_COLUMNS}
        FROM tracker_parcels p JOIN tracker_items i ON i.id = p.id""",
    """INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y,
        max_x, max_y, srs_id) SELECT 'tracker_parcels_status', 'features', 'tracker parcels status',
        'parcels with their current status (songnan_geo tracker; read-only view)', min_x, min_y,
        max_x, max_y, srs_id FROM gpkg_contents WHERE table_name = 'tracker_parcels'""",
    """INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
        SELECT 'tracker_parcels_status', column_name, geometry_type_name, srs_id, z, m
        FROM gpkg_geometry_columns WHERE table_name = 'tracker_parcels'""",
]

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER tracker_history_no_update BEFORE UPDATE ON tracker_history
       BEGIN SELECT RAISE(ABORT, 'tracker_history is append-only: a history row cannot be changed'); END""",
    """CREATE TRIGGER tracker_history_no_delete BEFORE DELETE ON tracker_history
       BEGIN SELECT RAISE(ABORT, 'tracker_history is append-only: a history row cannot be deleted'); END""",
    """CREATE TRIGGER tracker_items_no_delete BEFORE DELETE ON tracker_items
       BEGIN SELECT RAISE(ABORT, 'tracker items are never deleted: record the status 暂缓 instead'); END""",
    """CREATE TRIGGER tracker_items_versioned BEFORE UPDATE ON tracker_items
       WHEN NEW.id <> OLD.id OR NEW.version <> OLD.version + 1 OR NOT EXISTS (
            SELECT 1 FROM tracker_history h WHERE h.item_id = NEW.id AND h.version = NEW.version
              AND h.to_status = NEW.status AND h.username = NEW.updated_by)
       BEGIN SELECT RAISE(ABORT, 'tracker_items: an update must raise the version by one and have its history row'); END""",
]

_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION tracker_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $$""",
    """CREATE TRIGGER tracker_history_append_only BEFORE UPDATE OR DELETE ON tracker_history
       FOR EACH ROW EXECUTE FUNCTION tracker_refuse('tracker_history is append-only: a history row cannot be changed or deleted')""",
    """CREATE TRIGGER tracker_history_no_truncate BEFORE TRUNCATE ON tracker_history
       FOR EACH STATEMENT EXECUTE FUNCTION tracker_refuse('tracker_history is append-only: it cannot be truncated')""",
    """CREATE TRIGGER tracker_items_no_delete BEFORE DELETE ON tracker_items
       FOR EACH ROW EXECUTE FUNCTION tracker_refuse('tracker items are never deleted: record the status 暂缓 instead')""",
    """CREATE TRIGGER tracker_items_no_truncate BEFORE TRUNCATE ON tracker_items
       FOR EACH STATEMENT EXECUTE FUNCTION tracker_refuse('tracker items are never deleted')""",
    """CREATE FUNCTION tracker_items_check() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.id <> OLD.id OR NEW.version <> OLD.version + 1 OR NOT EXISTS (
              SELECT 1 FROM tracker_history h WHERE h.item_id = NEW.id AND h.version = NEW.version
                AND h.to_status = NEW.status AND h.username = NEW.updated_by) THEN
           RAISE EXCEPTION 'tracker_items: an update must raise the version by one and have its history row'
             USING ERRCODE = 'restrict_violation';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER tracker_items_versioned BEFORE UPDATE ON tracker_items
       FOR EACH ROW EXECUTE FUNCTION tracker_items_check()""",
    """CREATE TABLE tracker_parcels (
         id TEXT PRIMARY KEY REFERENCES tracker_items (id),
         geom geometry(MultiPolygon, 4326) NOT NULL)""",
    "CREATE INDEX tracker_parcels_geom ON tracker_parcels USING GIST (geom)",
    f"""CREATE VIEW tracker_parcels_status AS SELECT p.geom AS geom, {_STATUS_VIEW_COLUMNS}
        FROM tracker_parcels p JOIN tracker_items i ON i.id = p.id""",
]


# --------------------------------------------------------------------------- seed data

@dataclass
class Seed:
    """What a new store starts with: items, their history, and the parcels' outlines."""

    items: list[dict]
    history: list[dict]
    parcels: gpd.GeoDataFrame  # id + geometry (MultiPolygon), EPSG:4326


def _plan_month(text: str) -> str:
    """Table 5 dates: '2013年6月' → '2013-06', '2017年' → '2017'."""
    s = text.strip()
    if s.endswith("月"):
        y, m = s[:-1].split("年")
        return f"{int(y):04d}-{int(m):02d}"
    return f"{int(s.rstrip('年')):04d}"


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _bool(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(f"expected 'true' or 'false', got {value!r}")
    return value == "true"


def build_seed(data_dir: str | Path = DEFAULT_DATA_DIR,
               projects_dir: str | Path = DEFAULT_PROJECTS_DIR) -> Seed:
    """Items and history as the plan describes them (January 2021), from the repo's data.

    Parcels come from the validated parcels layer; Table 5 projects get their start (建设中)
    and, when finished, their finish (已完成 / 基本完成) from the table; the 十四五 projects
    their status as of 2021-01 (mostly estimated, as ``data/projects/fyp14_projects.csv`` says).
    """
    items, history = [], []

    def add(item: dict, steps: list[tuple[str, str | None, str, str]]):
        """steps: (effective_date, from, to, note)."""
        for v, (eff, frm, to, note) in enumerate(steps, start=1):
            history.append(dict(item_id=item["id"], version=v, effective_date=eff, from_status=frm,
                                to_status=to, username=SEED_USER, note=note, doc_no="",
                                is_correction=0, correction_reason=None))
        item.update(status=steps[-1][2], status_date=steps[-1][0], paused_from=None,
                    version=len(steps), updated_by=SEED_USER)
        items.append(item)

    parcels = load_layer("parcels", data_dir)
    static = ["plan_quote", "status_source", "status_as_of", "planned_use", "area_m2", "zone_id",
              "in_centre", "source", "accuracy_m", "estimated", "note"]
    for row in parcels.drop(columns=parcels.geometry.name).to_dict("records"):
        row = {k: _json_value(v) for k, v in row.items()}
        target = workflow.parcel_target(row["plan_target"])
        attrs = {k: row.get(k) for k in static}
        add(dict(id=row["id"], kind="parcel", grp="parcel", workflow="parcel", name=row["name"],
                 name_en=row["name_en"], category=row.get("planned_use"),
                 plan_target=row["plan_target"],
                 target_status=target.status if target else None,
                 target_rule=target.rule if target else None,
                 plan_deadline=row["plan_deadline"], attrs=attrs),
            [(row["status_as_of"] or "2021-01", None, row["status"], row["status_source"])])

    projects_dir = Path(projects_dir)
    for row in _read_csv(projects_dir / "table5_13th_fyp.csv").to_dict("records"):
        start, finish, state = row["start"], row["finish"], row["plan_state"]
        steps = [(_plan_month(start), None, "建设中", f"表5 启动时间：{start}")]
        if state in ("已完成", "基本完成"):
            steps.append((_plan_month(finish), "建设中", state,
                          f"表5 竣工时间：{finish}；完成情况：{state}"))
        elif state != "建设中":
            raise ValueError(f"{projects_dir / 'table5_13th_fyp.csv'}: row {row['id']} has "
                             f"plan_state {state!r}; expected 已完成, 基本完成 or 建设中.")
        attrs = {k: row[k] for k in ("seq", "positioning", "start", "finish", "plan_state",
                                     "plan_line", "related_id", "source", "note")}
        attrs["investment_wan"] = int(row["investment_wan"])
        attrs["estimated"] = _bool(row["estimated"])
        add(dict(id=row["id"], kind="project", grp="table5", workflow="project", name=row["name"],
                 name_en=None, category=row["category"], plan_target=None, target_status=None,
                 target_rule=None, plan_deadline=None, attrs=attrs), steps)

    for row in _read_csv(projects_dir / "fyp14_projects.csv").to_dict("records"):
        attrs = {k: row[k] for k in ("plan_quote", "plan_line", "status_source", "related_id",
                                     "source", "note")}
        attrs["estimated"] = _bool(row["estimated"])
        attrs["status_estimated"] = _bool(row["status_estimated"])
        add(dict(id=row["id"], kind="project", grp="fyp14", workflow="project", name=row["name"],
                 name_en=row["name_en"], category=row["category"],
                 plan_target=row["plan_target"] or None,
                 target_status=row["target_status"] or None, target_rule=row["target_rule"] or None,
                 plan_deadline=row["plan_deadline"] or None, attrs=attrs),
            [(row["status_as_of"], None, row["status"], row["status_source"])])

    ids = [i["id"] for i in items]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"item ids must be unique across parcels and projects; repeated: {dupes}")
    geoms = [g if isinstance(g, MultiPolygon) else MultiPolygon([g]) if isinstance(g, Polygon) else g
             for g in parcels.geometry]
    outlines = gpd.GeoDataFrame({"id": parcels["id"].tolist()}, geometry=geoms, crs=STORAGE_CRS)
    return Seed(items=items, history=history, parcels=outlines)


def _json_value(v):
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


# --------------------------------------------------------------------------- GeoPackage helpers

def _gpkg_blob_to_wkb(blob: bytes) -> bytes:
    """WKB inside a GeoPackage geometry blob (header ``GP``, version, flags, srs_id, envelope)."""
    blob = bytes(blob)
    if blob[:2] != b"GP":
        raise TrackerError("a tracker_parcels geometry is not a GeoPackage geometry blob.")
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0x07]
    return blob[8 + envelope:]


def _sqlite_connect_hook(dbapi_conn, _record):
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin_hook)
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {LOCK_TIMEOUT_S * 1000}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = FULL")
    cur.close()


def _sqlite_begin_hook(conn):
    write = conn.get_execution_options().get("songnan_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _sqlite_engine(path: Path) -> Engine:
    eng = create_engine(f"sqlite:///{path}", connect_args={"timeout": LOCK_TIMEOUT_S,
                                                           "check_same_thread": False})
    event.listen(eng, "connect", _sqlite_connect_hook)
    event.listen(eng, "begin", _sqlite_begin_hook)
    return eng


# --------------------------------------------------------------------------- the store

def latest_version(conn, table: str, where: dict) -> tuple[int, str, str]:
    """The highest ``version`` of the rows of an append-only versions table that match
    ``where`` (column → value, all equal), with who saved it and when.

    Parameters
    ----------
    conn : connection of :meth:`TrackerStore._read` / :meth:`TrackerStore._write`
    table : str
        The table, a constant of the calling module (never user input).
    where : dict
        Column names (constants of the calling module) → values; the values are bound
        parameters.

    Returns
    -------
    (version, username, recorded_at)
        ``recorded_at`` in UTC, ISO 8601; ``(0, "", "")`` when no row matches.
    """
    if not where or not all(n.isidentifier() for n in (table, *where)):
        raise ValueError(f"latest_version needs a table name and at least one column name, "
                         f"plain identifiers (got table {table!r}, columns {list(where)!r}).")
    cond = " AND ".join(f"{c} = :{c}" for c in where)
    row = conn.execute(text(f"SELECT version, username, recorded_at FROM {table} WHERE {cond} "
                            "ORDER BY version DESC LIMIT 1"), where).first()
    return (0, "", "") if row is None else (int(row[0]), row[1], row[2])


class TrackerStore:
    """The tracker's store. Open with :func:`open_store` (creates and seeds a new one).

    Reads return pandas/geopandas frames; :meth:`change_status` is the one write of an item.
    """

    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name  # "sqlite" or "postgresql"

    def __repr__(self) -> str:
        return f"TrackerStore({_redact(self.url)!r})"

    @property
    def description(self) -> str:
        """Where the store is, without a password (for the page)."""
        if self.dialect == "sqlite":
            return f"GeoPackage {self.engine.url.database}"
        return f"PostGIS {_redact(self.url)}"

    def dispose(self) -> None:
        self.engine.dispose()

    # ---------------------------------------------------------------- transactions

    def _read(self):
        conn = self.engine.connect()
        if self.dialect == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        return _Tx(conn)

    def _write(self):
        tx = _Tx(self.engine.connect().execution_options(songnan_write=True))
        if self.dialect == "postgresql":
            tx.on_begin = f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_S}s'"
        return tx

    # ---------------------------------------------------------------- reads

    def items(self, kind: str | None = None, *, expand: bool = True) -> pd.DataFrame:
        """Current state of every item (``kind``: 'parcel', 'project' or None for all).

        With ``expand`` the JSON ``attrs`` (source, quotes, estimated, …) become columns.
        """
        with self._read() as conn:
            return self._items(conn, kind, expand)

    def _items(self, conn, kind, expand) -> pd.DataFrame:
        sql = "SELECT * FROM tracker_items" + (" WHERE kind = :kind" if kind else "") + " ORDER BY id"
        df = pd.DataFrame(conn.execute(text(sql), {"kind": kind}).mappings().all(),
                          columns=_ITEM_COLUMNS)
        df["version"] = df["version"].astype("int64")
        df = df.astype({c: object for c in df.columns if c != "version"})
        df = df.where(df.notna(), None)
        attrs = df.pop("attrs").map(json.loads)
        if expand and len(df):
            extra = pd.DataFrame(list(attrs), index=df.index)
            extra = extra[[c for c in extra.columns if c not in df.columns]]
            df = pd.concat([df, extra], axis=1)
        elif not expand:
            df["attrs"] = attrs
        return df

    def item(self, item_id: str) -> dict:
        """One item's current state (raises :class:`UnknownItemError`)."""
        with self._read() as conn:
            row = conn.execute(text("SELECT * FROM tracker_items WHERE id = :id"),
                               {"id": item_id}).mappings().first()
        if row is None:
            raise self._unknown(item_id)
        out = dict(row)
        out["attrs"] = json.loads(out["attrs"])
        return out

    def history(self, item_id: str | None = None) -> pd.DataFrame:
        """Every status change (oldest first per item), or one item's."""
        with self._read() as conn:
            return self._history(conn, item_id)

    def _history(self, conn, item_id) -> pd.DataFrame:
        sql = "SELECT * FROM tracker_history" + (" WHERE item_id = :id" if item_id else "")
        rows = conn.execute(text(sql + " ORDER BY item_id, version"), {"id": item_id}).mappings().all()
        df = pd.DataFrame(rows, columns=_HISTORY_COLUMNS)
        for c in ("seq", "version", "is_correction"):
            df[c] = df[c].astype("int64")
        df["is_correction"] = df["is_correction"].astype(bool)
        text_cols = [c for c in df.columns if c not in ("seq", "version", "is_correction")]
        df = df.astype({c: object for c in text_cols})
        df[text_cols] = df[text_cols].where(df[text_cols].notna(), None)
        return df

    def parcels(self) -> gpd.GeoDataFrame:
        """The parcels with their current status, as a layer (EPSG:4326).

        Columns follow ``data/geo/parcels.geojson`` (``status_as_of`` is the date of the current
        status) plus ``version``, ``updated_by`` and ``updated_at``.
        """
        with self._read() as conn:
            return self._parcels(conn)

    def _parcels(self, conn) -> gpd.GeoDataFrame:
        items = self._items(conn, "parcel", expand=True)
        if self.dialect == "sqlite":
            rows = conn.execute(text("SELECT id, geom FROM tracker_parcels")).all()
            geoms = {r[0]: shapely.from_wkb(_gpkg_blob_to_wkb(r[1])) for r in rows}
        else:
            rows = conn.execute(text("SELECT id, ST_AsBinary(geom) FROM tracker_parcels")).all()
            geoms = {r[0]: shapely.from_wkb(bytes(r[1])) for r in rows}
        items = items.assign(status_as_of=items["status_date"])
        cols = ["id", "name", "name_en", "status", "status_as_of", "status_source", "plan_target",
                "plan_deadline", "plan_quote", "planned_use", "area_m2", "zone_id", "in_centre",
                "source", "accuracy_m", "estimated", "note", "version", "updated_by", "updated_at"]
        return gpd.GeoDataFrame(items[cols].reset_index(drop=True),
                                geometry=[geoms.get(i) for i in items["id"]], crs=STORAGE_CRS)

    def snapshot(self) -> tuple[pd.DataFrame, pd.DataFrame, gpd.GeoDataFrame]:
        """``(items, history, parcels)`` read in one transaction (a consistent view)."""
        with self._read() as conn:
            return self._items(conn, None, True), self._history(conn, None), self._parcels(conn)

    # ---------------------------------------------------------------- the write

    def change_status(self, item_id: str, new_status: str, *, editor, expected_version: int,
                      effective_date: str | dt.date | None = None, note: str = "",
                      doc_no: str = "", correction_reason: str | None = None,
                      today: dt.date | None = None) -> dict:
        """Record a new status of one item, in one transaction.

        Parameters
        ----------
        item_id : str
        new_status : str
            A status of the item's workflow (:mod:`songnan_geo.workflow`).
        editor : songnan_geo.auth.Editor
            From :func:`songnan_geo.auth.authenticate`. Anything else is refused.
        expected_version : int
            The ``version`` the editor saw. If the item has moved on, nothing is written and
            :class:`StaleVersionError` names who changed it and when.
        effective_date : str or datetime.date, optional
            When the status took effect (default today, Shanghai); not in the future.
        note, doc_no : str
            Note and document number (e.g. the approval's 文号), kept in the history.
        correction_reason : str, optional
            Needed to record a jump that is not a workflow step, or a backdated change.

        Returns
        -------
        dict
            The item after the change (``version`` raised by one).

        Raises
        ------
        songnan_geo.auth.EditorRequiredError, UnknownItemError, StaleVersionError,
        songnan_geo.workflow.WorkflowError (incl. IllegalTransitionError)
        """
        editor = auth.require_editor(editor)
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise TypeError(f"expected_version must be the int version the change is based on "
                            f"(got {expected_version!r}); read it from store.item(id)['version'].")
        with self._write() as conn:
            lock = " FOR UPDATE" if self.dialect == "postgresql" else ""
            row = conn.execute(text("SELECT * FROM tracker_items WHERE id = :id" + lock),
                               {"id": item_id}).mappings().first()
            if row is None:
                raise self._unknown(item_id, conn)
            if row["version"] != expected_version:
                raise StaleVersionError(item_id, row["name"], expected_version, row["version"],
                                        row["updated_by"], row["updated_at"])
            change = workflow.check_change(
                workflow.get_workflow(row["workflow"]), row["status"], new_status,
                paused_from=row["paused_from"], current_date=row["status_date"],
                effective_date=effective_date, note=note, doc_no=doc_no,
                correction_reason=correction_reason, today=today)
            now, version = _now_iso(), row["version"] + 1
            conn.execute(text(
                "INSERT INTO tracker_history (item_id, version, effective_date, recorded_at, "
                "from_status, to_status, username, note, doc_no, is_correction, correction_reason) "
                "VALUES (:item_id, :version, :eff, :now, :frm, :to, :user, :note, :doc, :corr, :reason)"),
                dict(item_id=item_id, version=version, eff=change.effective_date, now=now,
                     frm=row["status"], to=change.new_status, user=editor.username, note=change.note,
                     doc=change.doc_no, corr=int(change.correction), reason=change.correction_reason))
            res = conn.execute(text(
                "UPDATE tracker_items SET status = :to, status_date = :eff, paused_from = :paused, "
                "version = :version, updated_by = :user, updated_at = :now "
                "WHERE id = :id AND version = :expected"),
                dict(to=change.new_status, eff=change.effective_date, paused=change.paused_from,
                     version=version, user=editor.username, now=now, id=item_id,
                     expected=expected_version))
            if res.rowcount != 1:  # cannot happen under the lock; never write blind
                raise TrackerError(f"{item_id}: the item changed during the write; nothing saved.")
            written = dict(conn.execute(text("SELECT * FROM tracker_items WHERE id = :id"),
                                        {"id": item_id}).mappings().first())
            conn.commit_now()
        written["attrs"] = json.loads(written["attrs"])
        return written

    # ---------------------------------------------------------------- login failures (auth)

    def login_failures(self, username: str | None = None, since: float = 0.0, *,
                       client: str | None = None) -> list[float]:
        """Times (epoch seconds) of failed logins after ``since``: for ``username`` (from any
        address), or from the address ``client`` (for any username). Give exactly one."""
        if (username is None) == (client is None):
            raise ValueError("login_failures needs exactly one of username= or client= "
                             f"(got username={username!r}, client={client!r}).")
        column, value = ("username", username) if client is None else ("client", client)
        with self._read() as conn:
            rows = conn.execute(text(f"SELECT failed_at FROM tracker_login_failures "
                                     f"WHERE {column} = :v AND failed_at > :since"),
                                {"v": value, "since": since}).all()
        return [float(r[0]) for r in rows]

    def record_login_failure(self, username: str, when: float, client: str | None = None) -> None:
        """Keep one failed login for ``username`` from the address ``client`` (None: unknown),
        and forget every failure older than a day."""
        with self._write() as conn:
            conn.execute(text("DELETE FROM tracker_login_failures WHERE failed_at < :old"),
                         {"old": when - 86400})
            conn.execute(text("INSERT INTO tracker_login_failures (username, failed_at, client) "
                              "VALUES (:u, :t, :c)"), {"u": username, "t": when, "c": client})
            conn.commit_now()

    def clear_login_failures(self, username: str) -> None:
        """Forget ``username``'s failures (after its successful login). Other usernames' failures
        from the same address stay, and keep counting against that address."""
        with self._write() as conn:
            conn.execute(text("DELETE FROM tracker_login_failures WHERE username = :u"),
                         {"u": username})
            conn.commit_now()

    # ---------------------------------------------------------------- helpers

    def ensure_tables(self, lock_name: str, sqlite_ddl: list[str],
                      postgres_ddl: list[str]) -> None:
        """Create another module's tables in this store (idempotent DDL, one transaction).

        On PostGIS the transaction first takes the advisory lock of
        ``<current schema>.<lock_name>``, so processes that open the store at once do not
        create the same tables twice.
        """
        with self._write() as conn:
            self._ddl_lock(conn, lock_name)
            for stmt in postgres_ddl if self.dialect == "postgresql" else sqlite_ddl:
                conn.execute(text(stmt))
            conn.commit_now()

    def _ddl_lock(self, conn, lock_name: str) -> None:
        """On PostGIS, take the transaction's advisory lock of ``<current schema>.<lock_name>``
        (SQLite needs none: :meth:`_write` already holds the file's write lock)."""
        if self.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || "
                              "CAST(:lock AS text)))"), {"lock": "." + lock_name})

    def _unknown(self, item_id: str, conn=None) -> UnknownItemError:
        return UnknownItemError(f"no parcel or project has id {item_id!r}; ids are listed by "
                                "store.items()['id'] (e.g. 'p_dongya', 't5_01', 'f14_weimob').")


class _Tx:
    """A connection in one transaction: rolled back unless :meth:`commit_now` was called.

    A database that stays locked longer than :data:`LOCK_TIMEOUT_S` (another writer holding
    the lock) becomes a :class:`StoreBusyError` instead of a driver error.
    """

    def __init__(self, conn):
        self.conn = conn
        self.tx = None
        self.on_begin = None

    def __enter__(self):
        try:
            self.tx = self.conn.begin()
            if self.on_begin:
                self.conn.execute(text(self.on_begin))
        except OperationalError as exc:
            self.conn.close()
            raise _busy_or(exc) from None
        return self

    def execute(self, *a, **kw):
        try:
            return self.conn.execute(*a, **kw)
        except OperationalError as exc:
            raise _busy_or(exc) from None

    def commit_now(self):
        try:
            self.tx.commit()
        except OperationalError as exc:
            raise _busy_or(exc) from None

    def __exit__(self, *exc):
        try:
            if self.tx.is_active:
                self.tx.rollback()
        finally:
            self.conn.close()
        return False


# --------------------------------------------------------------------------- open / create

def open_store(url: str | os.PathLike | None = None, *, data_dir: str | Path = DEFAULT_DATA_DIR,
               projects_dir: str | Path = DEFAULT_PROJECTS_DIR) -> TrackerStore:
    """Open the tracker store, creating and seeding it on first use.

    Parameters
    ----------
    url : str or path, optional
        A GeoPackage path or a ``postgresql://user:password@host:port/db`` URL. Default: see
        :func:`resolve_store_url` (``SONGNAN_STORE_URL`` / ``SONGNAN_STORE_PATH`` /
        ``~/.songnan_geo/tracker.gpkg``).
    data_dir, projects_dir : path
        Seed data (only read when the store is created).

    Raises
    ------
    StoreConfigError
        When the file or server cannot be used; the message says what to fix.
    """
    resolved = resolve_store_url(url)
    if resolved.startswith("sqlite:"):
        store = _open_gpkg(Path(resolved[len("sqlite:///"):]), data_dir, projects_dir)
    else:
        store = _open_postgis(resolved, data_dir, projects_dir)
    try:
        _add_missing_columns(store)
    except BaseException:
        store.dispose()
        raise
    return store


def _missing_columns(conn) -> list[tuple[str, str, str]]:
    return [(table, column, type_) for table, column, type_ in _ADDED_COLUMNS
            if column not in conn.execute(text(f"SELECT * FROM {table} LIMIT 0")).keys()]


def _add_missing_columns(store: TrackerStore) -> None:
    """Bring a store made before :data:`_ADDED_COLUMNS` up to date, keeping every row.

    Checked first with a plain read (no lock, the usual case: nothing to do); when something
    is missing, one write transaction takes the lock that creation takes (PostGIS: the advisory
    lock ``<schema>.songnan_tracker``; SQLite: the write lock), checks again (another process
    may have just done it), adds the columns (NULL in the existing rows) and their indexes.
    """
    with store._read() as conn:
        if not _missing_columns(conn):
            return
    try:
        with store._write() as conn:
            store._ddl_lock(conn, "songnan_tracker")
            for table, column, type_ in _missing_columns(conn):
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {type_}"))
            conn.execute(text(_LOGIN_CLIENT_INDEX))
            conn.commit_now()
    except (OperationalError, ProgrammingError) as exc:
        raise StoreConfigError(f"the {store.description} predates the column(s) "
                               f"{', '.join(f'{t}.{c}' for t, c, _ in _ADDED_COLUMNS)} and they "
                               f"cannot be added ({exc.orig}); open it once as a user who may "
                               "change its tables.") from None


def _check_meta(conn, where: str) -> None:
    try:
        version = conn.execute(text("SELECT value FROM tracker_meta WHERE key = 'schema_version'")
                               ).scalar()
    except (OperationalError, ProgrammingError):
        raise StoreConfigError(f"{where} exists but is not a tracker store (no tracker_meta table). "
                               "Point SONGNAN_STORE_PATH / SONGNAN_STORE_URL at a new location.") from None
    if version != SCHEMA_VERSION:
        raise StoreConfigError(f"{where} has tracker schema version {version!r}; this program "
                               f"needs {SCHEMA_VERSION!r}.")


def _insert_seed(conn, seed: Seed, dialect: str) -> None:
    now = _now_iso()
    for key, value in (("schema_version", SCHEMA_VERSION), ("created_at", now),
                       ("seed", "data/geo/parcels.geojson, data/projects/*.csv")):
        conn.execute(text("INSERT INTO tracker_meta (key, value) VALUES (:k, :v)"),
                     {"k": key, "v": value})
    for it in seed.items:
        conn.execute(text(
            "INSERT INTO tracker_items (id, kind, grp, workflow, name, name_en, category, "
            "plan_target, target_status, target_rule, plan_deadline, status, status_date, "
            "paused_from, version, updated_by, updated_at, attrs) VALUES (:id, :kind, :grp, "
            ":workflow, :name, :name_en, :category, :plan_target, :target_status, :target_rule, "
            ":plan_deadline, :status, :status_date, :paused_from, :version, :updated_by, :now, :attrs)"),
            {**it, "now": now, "attrs": json.dumps(it["attrs"], ensure_ascii=False)})
    for h in seed.history:
        conn.execute(text(
            "INSERT INTO tracker_history (item_id, version, effective_date, recorded_at, "
            "from_status, to_status, username, note, doc_no, is_correction, correction_reason) "
            "VALUES (:item_id, :version, :effective_date, :now, :from_status, :to_status, "
            ":username, :note, :doc_no, :is_correction, :correction_reason)"), {**h, "now": now})
    if dialect == "postgresql":
        for pid, geom in zip(seed.parcels["id"], seed.parcels.geometry):
            conn.execute(text("INSERT INTO tracker_parcels (id, geom) "
                              "VALUES (:id, ST_GeomFromWKB(:wkb, 4326))"),
                         {"id": pid, "wkb": shapely.to_wkb(geom)})


def _remove_stale_temporaries(path: Path) -> None:
    """Delete temporary stores left by a creating process that died (its pid is gone)."""
    for tmp in path.parent.glob(f".{path.stem}.*.tmp.gpkg*"):
        try:
            pid = int(tmp.name.split(".")[2])
            os.kill(pid, 0)          # raises if no such process
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except (ValueError, IndexError, PermissionError, OSError):
            continue


def _open_gpkg(path: Path, data_dir, projects_dir) -> TrackerStore:
    where = f"GeoPackage {path}"
    if path.parent.is_dir():
        _remove_stale_temporaries(path)
    if not path.exists():
        _create_gpkg(path, data_dir, projects_dir)
    if not os.access(path, os.R_OK):
        raise StoreConfigError(f"{where} is not readable by this user; fix its permissions or "
                               "set SONGNAN_STORE_PATH to another file.")
    engine = _sqlite_engine(path)
    try:
        with _Tx(engine.connect()) as conn:
            _check_meta(conn, where)
    except OperationalError as exc:
        engine.dispose()
        raise StoreConfigError(f"{where} cannot be opened ({exc.orig}).") from None
    except StoreConfigError:
        engine.dispose()
        raise
    return TrackerStore(engine, f"sqlite:///{path}")


def _create_gpkg(path: Path, data_dir, projects_dir) -> None:
    """Build a seeded store in a temporary file, then link it into place atomically."""
    seed = build_seed(data_dir, projects_dir)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreConfigError(f"cannot create the folder {path.parent} for the tracker store "
                               f"({exc}); set SONGNAN_STORE_PATH to a writable location.") from None
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp.gpkg")
    try:
        # GDAL writes a proper GeoPackage (spatial_ref_sys, contents, geometry columns, R-tree).
        seed.parcels.to_file(tmp, layer="tracker_parcels", driver="GPKG", engine="pyogrio")
        engine = _sqlite_engine(tmp)
        try:
            raw = engine.raw_connection()  # outside any transaction, as the pragma needs
            try:
                raw.driver_connection.execute("PRAGMA journal_mode = WAL")
            finally:
                raw.close()
            with _Tx(engine.connect().execution_options(songnan_write=True)) as conn:
                for stmt in _common_ddl("INTEGER PRIMARY KEY AUTOINCREMENT") + _SQLITE_TRIGGERS + \
                        _SQLITE_VIEW:
                    conn.execute(text(stmt))
                for table, ident in (("tracker_items", "tracker items"),
                                     ("tracker_history", "tracker history")):
                    conn.execute(text(
                        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                        "VALUES (:t, 'attributes', :i, :d)"),
                        {"t": table, "i": ident, "d": "songnan_geo tracker (append-only history)"})
                _insert_seed(conn, seed, "sqlite")
                conn.commit_now()
        finally:
            engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        try:
            os.link(tmp, path)  # atomic; fails if another process created the store first
        except FileExistsError:
            pass
    except OSError as exc:
        raise StoreConfigError(f"cannot create the tracker store {path} ({exc}); set "
                               "SONGNAN_STORE_PATH to a writable location.") from None
    finally:
        tmp.unlink(missing_ok=True)


def _open_postgis(url: str, data_dir, projects_dir) -> TrackerStore:
    where = f"PostGIS database {_redact(url)}"
    engine = create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # connection refused, auth failure, missing database …
        engine.dispose()
        raise StoreConfigError(f"cannot connect to the {where}: {getattr(exc, 'orig', exc)}. "
                               "Check SONGNAN_STORE_URL (postgresql://user:password@host:port/db) "
                               "and that the server is running.") from None
    try:
        with _Tx(engine.connect()) as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || "
                              "'.songnan_tracker'))"))
            if conn.execute(text("SELECT to_regclass('tracker_meta')")).scalar() is None:
                has_postgis = conn.execute(text(
                    "SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).scalar()
                if not has_postgis:
                    raise StoreConfigError(
                        f"the {where} has no PostGIS extension. As a superuser run: "
                        "CREATE EXTENSION postgis; (Debian: apt-get install postgresql-postgis).")
                for stmt in _common_ddl("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY") + \
                        _POSTGRES_TRIGGERS:
                    conn.execute(text(stmt))
                _insert_seed(conn, build_seed(data_dir, projects_dir), "postgresql")
                conn.commit_now()
        with _Tx(engine.connect()) as conn:
            _check_meta(conn, where)
    except StoreConfigError:
        engine.dispose()
        raise
    except (OperationalError, ProgrammingError) as exc:
        engine.dispose()
        raise StoreConfigError(f"cannot set up the tracker in the {where}: {exc.orig}") from None
    return TrackerStore(engine, url)
