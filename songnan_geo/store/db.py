"""The database machinery the stores share: engines, transactions, versions, errors.

One database holds the tracker (:mod:`songnan_geo.store.tracker`), the carrier register
(:mod:`songnan_geo.store.carriers`) and the indicator values (:mod:`songnan_geo.store.indicators`).
Two backends, through SQLAlchemy Core:

* **GeoPackage** (embedded SQLite file; :func:`sqlite_engine`): ``synchronous=FULL``, foreign
  keys on; a write transaction takes the file's write lock first (``BEGIN IMMEDIATE``) and a
  writer waits up to :data:`LOCK_TIMEOUT_S` for another one.
* **PostGIS** (:func:`postgis_engine`): reads run at ``REPEATABLE READ``; a write waits up to
  :data:`LOCK_TIMEOUT_S` for a row lock (``lock_timeout``).

:class:`Database` is the base of the stores: :meth:`Database.read` and :meth:`Database.write`
open one transaction each (:class:`Transaction`), :meth:`Database.latest_version` reads an
append-only versions table, :meth:`Database.now_iso` is the time a row records, and
:meth:`Database.ensure_tables` creates a module's tables in two dialects. The other store
modules use only this public API. SQL lives in the store modules (this one, ``store``,
``store_schema``, ``carrier_store``, ``indicator_store``) and nowhere else.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from songnan_geo import clock, config
from songnan_geo.text.error_messages import msg
from songnan_geo.text.messages import LocalisedError

#: File name of the default embedded store in the user folder (see :func:`default_store_path`).
STORE_FILE_NAME = "tracker.gpkg"
#: Seconds a writer waits for another process's write lock (SQLite) before giving up.
LOCK_TIMEOUT_S = 30


# --------------------------------------------------------------------------- errors

class StoreError(Exception):
    """Base class of the stores' errors (``songnan_geo.store.tracker.TrackerError`` is this class)."""


class StoreConfigError(StoreError):
    """The store cannot be opened or created (the message says what to fix)."""


class StoreBusyError(StoreError, LocalisedError):
    """Another process held the store's lock for longer than :data:`LOCK_TIMEOUT_S`
    (``str()`` English, :meth:`text` in the UI's language)."""


def busy_or(exc: OperationalError) -> Exception:
    """A lock timeout as :class:`StoreBusyError`; any other database error unchanged."""
    text_ = str(exc.orig).lower()
    if "locked" in text_ or "lock timeout" in text_ or "lock_timeout" in text_:
        return StoreBusyError(msg("store_busy", seconds=LOCK_TIMEOUT_S))
    return exc


class StaleVersionError(StoreError):
    """The change was based on an old version: someone else changed the record meanwhile."""

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


def redact(url: str) -> str:
    """``url`` without its password."""
    return make_url(url).render_as_string(hide_password=True)


# --------------------------------------------------------------------------- engines

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


def sqlite_engine(path: Path) -> Engine:
    """An engine on the SQLite/GeoPackage file ``path`` (see the module's docstring)."""
    eng = create_engine(f"sqlite:///{path}", connect_args={"timeout": LOCK_TIMEOUT_S,
                                                           "check_same_thread": False})
    event.listen(eng, "connect", _sqlite_connect_hook)
    event.listen(eng, "begin", _sqlite_begin_hook)
    return eng


def postgis_engine(url: str, where: str) -> Engine:
    """An engine on the PostgreSQL ``url``, after checking that the server answers
    (``where`` names it in the :class:`StoreConfigError` otherwise)."""
    engine = create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # connection refused, auth failure, missing database …
        engine.dispose()
        raise StoreConfigError(f"cannot connect to the {where}: {getattr(exc, 'orig', exc)}. "
                               "Check SONGNAN_STORE_URL (postgresql://user:password@host:port/db) "
                               "and that the server is running.") from None
    return engine


# --------------------------------------------------------------------------- transactions

class Transaction:
    """A connection in one transaction: rolled back unless :meth:`commit_now` was called.

    A database that stays locked longer than :data:`LOCK_TIMEOUT_S` (another writer holding
    the lock) becomes a :class:`StoreBusyError` instead of a driver error.
    """

    def __init__(self, conn, on_begin: str | None = None):
        self.conn = conn
        self.tx = None
        self.on_begin = on_begin

    def __enter__(self):
        try:
            self.tx = self.conn.begin()
            if self.on_begin:
                self.conn.execute(text(self.on_begin))
        except OperationalError as exc:
            self.conn.close()
            raise busy_or(exc) from None
        return self

    def execute(self, *a, **kw):
        try:
            return self.conn.execute(*a, **kw)
        except OperationalError as exc:
            raise busy_or(exc) from None

    def commit_now(self):
        try:
            self.tx.commit()
        except OperationalError as exc:
            raise busy_or(exc) from None

    def __exit__(self, *exc):
        try:
            if self.tx.is_active:
                self.tx.rollback()
        finally:
            self.conn.close()
        return False


def write_transaction(engine: Engine) -> Transaction:
    """A write transaction on ``engine`` (SQLite: ``BEGIN IMMEDIATE``; PostGIS: lock timeout)."""
    on_begin = (f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_S}s'"
                if engine.dialect.name == "postgresql" else None)
    return Transaction(engine.connect().execution_options(songnan_write=True), on_begin)


def latest_version(conn, table: str, where: dict) -> tuple[int, str, str]:
    """The highest ``version`` of the rows of an append-only versions table that match
    ``where`` (column → value, all equal), with who saved it and when.

    Parameters
    ----------
    conn : a :class:`Transaction` of :meth:`Database.read` / :meth:`Database.write`
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


# --------------------------------------------------------------------------- the base

class Database:
    """A store's database: an engine and the way to read and write it.

    The stores (:class:`songnan_geo.store.tracker.TrackerStore`, and through it
    :class:`~songnan_geo.store.carriers.CarrierStore` and
    :class:`~songnan_geo.store.indicators.IndicatorStore`) use only the public methods.
    """

    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name  # "sqlite" or "postgresql"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact(self.url)!r})"

    @property
    def description(self) -> str:
        """Where the store is, without a password (for the page)."""
        if self.dialect == "sqlite":
            return f"GeoPackage {self.engine.url.database}"
        return f"PostGIS {redact(self.url)}"

    def dispose(self) -> None:
        self.engine.dispose()

    def read(self) -> Transaction:
        """A read transaction (PostGIS: ``REPEATABLE READ``, one consistent view):
        ``with db.read() as conn: conn.execute(...)``."""
        conn = self.engine.connect()
        if self.dialect == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        return Transaction(conn)

    def write(self) -> Transaction:
        """A write transaction, rolled back unless ``conn.commit_now()`` is called:
        ``with db.write() as conn: ...; conn.commit_now()``. A lock held by another writer
        for longer than :data:`LOCK_TIMEOUT_S` raises :class:`StoreBusyError`."""
        return write_transaction(self.engine)

    @staticmethod
    def latest_version(conn, table: str, where: dict) -> tuple[int, str, str]:
        """See :func:`latest_version`."""
        return latest_version(conn, table, where)

    @staticmethod
    def now_iso() -> str:
        """The time a row records: now, UTC, ISO 8601 (:func:`songnan_geo.clock.now_iso`)."""
        return clock.now_iso()

    def ensure_tables(self, lock_name: str, sqlite_ddl: list[str],
                      postgres_ddl: list[str]) -> None:
        """Create another module's tables in this store (idempotent DDL, one transaction).

        On PostGIS the transaction first takes the advisory lock of
        ``<current schema>.<lock_name>``, so processes that open the store at once do not
        create the same tables twice.
        """
        with self.write() as conn:
            self.ddl_lock(conn, lock_name)
            for stmt in postgres_ddl if self.dialect == "postgresql" else sqlite_ddl:
                conn.execute(text(stmt))
            conn.commit_now()

    def ddl_lock(self, conn, lock_name: str) -> None:
        """On PostGIS, take the transaction's advisory lock of ``<current schema>.<lock_name>``
        (SQLite needs none: :meth:`write` already holds the file's write lock)."""
        if self.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || "
                              "CAST(:lock AS text)))"), {"lock": "." + lock_name})
