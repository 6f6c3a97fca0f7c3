"""The tracker's schema: its tables in two dialects, the seed, creating a store, migrations.

:func:`open_gpkg` and :func:`open_postgis` return an engine on a store that exists, is a
tracker store of :data:`SCHEMA_VERSION`, and was created and seeded on first use:

* **GeoPackage**: built in a temporary file and moved into place with one atomic link, so a
  crash or a second process starting at the same time never leaves a half-made store
  (WAL journal).
* **PostGIS**: created and seeded in one transaction under an advisory lock.

The seed is the plan's own state (January 2021): the parcels layer and the project tables
(:func:`build_seed`). Schema changes that programs made before them do not notice (a new
nullable column, a new index) keep :data:`SCHEMA_VERSION` and are made in place
(:func:`add_missing_columns`). :class:`songnan_geo.store.tracker.TrackerStore` reads and writes the
tables.
"""
from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from songnan_geo import clock
from songnan_geo.coords.crs import STORAGE_CRS
from songnan_geo.layers.io import DEFAULT_DATA_DIR, load_layer
from songnan_geo.plan import workflow
from songnan_geo.store.db import (
    Database,
    StoreConfigError,
    Transaction,
    postgis_engine,
    redact,
    sqlite_engine,
    write_transaction,
)

#: The plan's project tables (Table 5 and the 十四五 projects), with source lines.
DEFAULT_PROJECTS_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "plans" / "fyp14" / "projects"
SCHEMA_VERSION = "1"
#: Username under which the seed rows (the plan's own statuses) are recorded.
SEED_USER = "seed"


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
            grp TEXT NOT NULL {GRP_CHECK},
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
#: New stores get them from :func:`_common_ddl`; older ones from :func:`add_missing_columns`.
_ADDED_COLUMNS = [("tracker_login_failures", "client", "TEXT")]
_LOGIN_CLIENT_INDEX = ("CREATE INDEX IF NOT EXISTS tracker_login_failures_client "
                       "ON tracker_login_failures (client, failed_at)")


#: ``tracker_items.grp`` as stores made before plans brought their own projects check it: the
#: parcels, Table 5 and the 14th plan's projects only. A later plan's projects are listed under
#: the plan's id, so :func:`widen_grp_check` loosens it (to what new stores check) when the
#: first of them is added.
OLD_GRP_CHECK = "CHECK (grp IN ('parcel', 'table5', 'fyp14'))"
GRP_CHECK = "CHECK (length(grp) BETWEEN 1 AND 32)"


def widen_grp_check(conn, dialect: str) -> None:
    """Replace :data:`OLD_GRP_CHECK` by :data:`GRP_CHECK` in the write transaction ``conn``
    (a no-op on a store that has it already). Every existing row meets the new check.

    SQLite: the documented in-place change of a table's CHECK constraint
    (``PRAGMA writable_schema``, https://www.sqlite.org/lang_altertable.html, "making other
    kinds of table schema changes"), the schema version raised by one. PostGIS: the
    constraint dropped and added again.
    """
    if dialect == "postgresql":
        conn.execute(text("ALTER TABLE tracker_items DROP CONSTRAINT IF EXISTS "
                          "tracker_items_grp_check"))
        conn.execute(text(f"ALTER TABLE tracker_items ADD CONSTRAINT tracker_items_grp_check "
                          f"{GRP_CHECK}"))
        return
    sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'table' "
                            "AND name = 'tracker_items'")).scalar()
    if OLD_GRP_CHECK not in sql:
        return
    version = int(conn.execute(text("PRAGMA schema_version")).scalar())
    conn.execute(text("PRAGMA writable_schema = ON"))
    conn.execute(text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' "
                      "AND name = 'tracker_items'"),
                 {"sql": sql.replace(OLD_GRP_CHECK, GRP_CHECK)})
    conn.execute(text(f"PRAGMA schema_version = {version + 1}"))
    conn.execute(text("PRAGMA writable_schema = OFF"))


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
       BEGIN SELECT RAISE(ABORT, """
    """'tracker_items: an update must raise the version by one and have its history row'); END""",
]

_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION tracker_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $$""",
    """CREATE TRIGGER tracker_history_append_only BEFORE UPDATE OR DELETE ON tracker_history
       FOR EACH ROW EXECUTE FUNCTION tracker_refuse("""
    """'tracker_history is append-only: a history row cannot be changed or deleted')""",
    """CREATE TRIGGER tracker_history_no_truncate BEFORE TRUNCATE ON tracker_history
       FOR EACH STATEMENT EXECUTE FUNCTION tracker_refuse("""
    """'tracker_history is append-only: it cannot be truncated')""",
    """CREATE TRIGGER tracker_items_no_delete BEFORE DELETE ON tracker_items
       FOR EACH ROW EXECUTE FUNCTION tracker_refuse("""
    """'tracker items are never deleted: record the status 暂缓 instead')""",
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


def plan_month(text: str) -> str:
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
    their status as of 2021-01 (mostly estimated, as ``data/plans/fyp14/projects/fyp14_projects.csv`` says).
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
        steps = [(plan_month(start), None, "建设中", f"表5 启动时间：{start}")]
        if state in ("已完成", "基本完成"):
            steps.append((plan_month(finish), "建设中", state,
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


# --------------------------------------------------------------------------- open / create / migrate

def _missing_columns(conn) -> list[tuple[str, str, str]]:
    return [(table, column, type_) for table, column, type_ in _ADDED_COLUMNS
            if column not in conn.execute(text(f"SELECT * FROM {table} LIMIT 0")).keys()]


def add_missing_columns(store: Database) -> None:
    """Bring a store made before :data:`_ADDED_COLUMNS` up to date, keeping every row.

    Checked first with a plain read (no lock, the usual case: nothing to do); when something
    is missing, one write transaction takes the lock that creation takes (PostGIS: the advisory
    lock ``<schema>.songnan_tracker``; SQLite: the write lock), checks again (another process
    may have just done it), adds the columns (NULL in the existing rows) and their indexes.
    """
    with store.read() as conn:
        if not _missing_columns(conn):
            return
    try:
        with store.write() as conn:
            store.ddl_lock(conn, "songnan_tracker")
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
    now = clock.now_iso()
    for key, value in (("schema_version", SCHEMA_VERSION), ("created_at", now),
                       ("seed", "data/geo/parcels.geojson, data/plans/fyp14/projects/*.csv")):
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


def open_gpkg(path: Path, data_dir, projects_dir) -> Engine:
    """An engine on the tracker GeoPackage ``path``, created and seeded if it does not exist."""
    where = f"GeoPackage {path}"
    if path.parent.is_dir():
        _remove_stale_temporaries(path)
    if not path.exists():
        _create_gpkg(path, data_dir, projects_dir)
    if not os.access(path, os.R_OK):
        raise StoreConfigError(f"{where} is not readable by this user; fix its permissions or "
                               "set SONGNAN_STORE_PATH to another file.")
    engine = sqlite_engine(path)
    try:
        with Transaction(engine.connect()) as conn:
            _check_meta(conn, where)
    except OperationalError as exc:
        engine.dispose()
        raise StoreConfigError(f"{where} cannot be opened ({exc.orig}).") from None
    except StoreConfigError:
        engine.dispose()
        raise
    return engine


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
        engine = sqlite_engine(tmp)
        try:
            raw = engine.raw_connection()  # outside any transaction, as the pragma needs
            try:
                raw.driver_connection.execute("PRAGMA journal_mode = WAL")
            finally:
                raw.close()
            with write_transaction(engine) as conn:
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


def open_postgis(url: str, data_dir, projects_dir) -> Engine:
    """An engine on the PostGIS ``url`` whose tracker tables exist (created and seeded, in one
    transaction under the advisory lock ``<schema>.songnan_tracker``, if they did not)."""
    where = f"PostGIS database {redact(url)}"
    engine = postgis_engine(url, where)
    try:
        with Transaction(engine.connect()) as conn:
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
        with Transaction(engine.connect()) as conn:
            _check_meta(conn, where)
    except StoreConfigError:
        engine.dispose()
        raise
    except (OperationalError, ProgrammingError) as exc:
        engine.dispose()
        raise StoreConfigError(f"cannot set up the tracker in the {where}: {exc.orig}") from None
    return engine
