"""The tracker's store: parcels' and projects' current status, their full history, login failures.

The store's database machinery (engines, transactions, lock waits, versions, errors) is
:mod:`songnan_geo.store.db`, and its tables, seed and migrations are :mod:`songnan_geo.store.schema`;
the carrier register and the indicator values keep their tables in the same database
(:mod:`songnan_geo.store.carriers`, :mod:`songnan_geo.store.indicators`). Two backends behind
one API (:class:`TrackerStore`), through SQLAlchemy Core:

* **GeoPackage** (default, embedded): one SQLite file in the OGC GeoPackage format, so QGIS or
  GDAL open it too. Path: ``SONGNAN_STORE_PATH``, else ``tracker.gpkg`` in the user folder
  (``SONGNAN_USER_DIR``, default ``~/.songnan_geo``; outside the repository). Created and seeded on first use
  from ``data/geo/parcels.geojson`` and ``data/plans/fyp14/projects/*.csv``: built in a temporary file and
  moved into place with one atomic link, so a crash or a second process starting at the same time never
  leaves a half-made store.
  WAL journal, ``synchronous=FULL``; writes take the write lock first (``BEGIN IMMEDIATE``).
* **PostGIS** (shared server): when ``SONGNAN_STORE_URL`` is a ``postgresql://`` URL. Tables are
  created and seeded in one transaction under an advisory lock. Geometry is
  ``geometry(MultiPolygon, 4326)``; items are locked with ``SELECT … FOR UPDATE`` for a write.

Rules kept by the store (and, where the database can, by the database itself):

* every write is one transaction; a write needs an :class:`songnan_geo.auth.Editor`;
* optimistic locking: a change names the ``expected_version`` it was based on; if the item
  moved on meanwhile the change is refused with :class:`StaleVersionError`, naming who changed
  it and when. No update is lost;
* status changes follow :mod:`songnan_geo.plan.workflow`; an illegal jump needs a correction reason;
* history is append-only and items are never deleted: triggers refuse UPDATE/DELETE (and
  TRUNCATE on PostGIS) of history rows and DELETE of items, and refuse an item update that does
  not raise its version by exactly one with a matching history row.

Times are recorded in UTC (ISO 8601); dates a status took effect are ``YYYY[-MM[-DD]]``.

Schema changes that programs made before them do not notice (a new nullable column, a new
index) keep :data:`SCHEMA_VERSION` and are made in place when a store is opened
(:func:`songnan_geo.store.schema.add_missing_columns`: under the SQLite write lock / the
PostGIS advisory lock that creation takes, re-checked under the lock, one transaction). So far:
``tracker_login_failures.client`` (the client address of a failed login, for per-address
throttling in :mod:`songnan_geo.auth`; NULL in rows recorded before it). Only a change that
older programs would misread raises the version (they then refuse the store by name).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import struct
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import text

from songnan_geo import auth
from songnan_geo.coords.crs import STORAGE_CRS
from songnan_geo.layers.io import DEFAULT_DATA_DIR
from songnan_geo.plan import workflow
from songnan_geo.store import schema as store_schema
from songnan_geo.store.db import (  # noqa: F401 (re-exported: this module's API too)
    LOCK_TIMEOUT_S,
    STORE_FILE_NAME,
    Database,
    StaleVersionError,
    StoreBusyError,
    StoreConfigError,
    StoreError,
    default_store_path,
    format_time,
    latest_version,
    resolve_store_url,
)
from songnan_geo.store.schema import (  # noqa: F401 (this module's API too)
    DEFAULT_PROJECTS_DIR,
    SCHEMA_VERSION,
    SEED_USER,
    Seed,
    build_seed,
)
from songnan_geo.text.error_messages import msg
from songnan_geo.text.messages import LocalisedError

#: The base class of the store's errors (pages and the command line catch it).
TrackerError = StoreError

_ITEM_COLUMNS = ["id", "kind", "grp", "workflow", "name", "name_en", "category", "plan_target",
                 "target_status", "target_rule", "plan_deadline", "status", "status_date",
                 "paused_from", "version", "updated_by", "updated_at", "attrs"]
_HISTORY_COLUMNS = ["seq", "item_id", "version", "effective_date", "recorded_at", "from_status",
                    "to_status", "username", "note", "doc_no", "is_correction", "correction_reason"]


class TrackerChangedError(TrackerError, LocalisedError):
    """Items were to be added on the basis of a tracker version that is no longer the latest
    (someone recorded a change meanwhile), or with ids that exist by now: nothing was added."""


class UnknownItemError(TrackerError, KeyError):
    """No parcel or project has this id."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


def _gpkg_blob(geom) -> bytes:
    """A GeoPackage geometry blob (little-endian, xy envelope, srs 4326) of a shapely geometry."""
    minx, miny, maxx, maxy = geom.bounds
    return (b"GP" + bytes([0, 0b011]) + struct.pack("<i4d", 4326, minx, maxx, miny, maxy)
            + shapely.to_wkb(geom, byte_order=1))


def _gpkg_geom(blob):
    return None if blob is None else shapely.from_wkb(_gpkg_blob_to_wkb(blob))


def _gpkg_functions(dbapi_conn) -> None:
    """The functions GDAL's R-tree triggers of a GeoPackage call (SpatiaLite's names), so a
    plain SQLite connection can insert a feature."""
    dbapi_conn.create_function("ST_IsEmpty", 1, lambda b: None if b is None else
                               int(_gpkg_geom(b).is_empty), deterministic=True)
    for name, i in (("ST_MinX", 0), ("ST_MinY", 1), ("ST_MaxX", 2), ("ST_MaxY", 3)):
        dbapi_conn.create_function(name, 1, lambda b, i=i: None if b is None else
                                   float(_gpkg_geom(b).bounds[i]), deterministic=True)


def _gpkg_blob_to_wkb(blob: bytes) -> bytes:
    """WKB inside a GeoPackage geometry blob (header ``GP``, version, flags, srs_id, envelope)."""
    blob = bytes(blob)
    if blob[:2] != b"GP":
        raise TrackerError("a tracker_parcels geometry is not a GeoPackage geometry blob.")
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0x07]
    return blob[8 + envelope:]


def _first_note(note: str, item: dict) -> str:
    """The note of a new item's first history row: ``note`` and the item's status source."""
    source = item["attrs"].get("status_source") or ""
    return f"{note}：{source}" if note and source else note or source


def _update_gpkg_extent(conn) -> None:
    """Set the extent of ``tracker_parcels`` and of its status view in ``gpkg_contents`` to the
    bounds of every stored outline (EPSG:4326 degrees), in the write transaction ``conn`` (the
    ``ST_Min*``/``ST_Max*`` functions of :func:`_gpkg_functions` registered on it)."""
    bound = "(SELECT {}(ST_{}(geom)) FROM tracker_parcels)"
    conn.execute(text(
        f"UPDATE gpkg_contents SET min_x = {bound.format('min', 'MinX')}, "
        f"min_y = {bound.format('min', 'MinY')}, max_x = {bound.format('max', 'MaxX')}, "
        f"max_y = {bound.format('max', 'MaxY')}, "
        "last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
        "WHERE table_name IN ('tracker_parcels', 'tracker_parcels_status')"))


# --------------------------------------------------------------------------- the store

class TrackerStore(Database):
    """The tracker's store. Open with :func:`open_store` (creates and seeds a new one).

    Reads return pandas/geopandas frames; :meth:`change_status` is the one write of an item,
    :meth:`add_items` adds a later plan's own new items (never changing an existing one).
    """

    # ---------------------------------------------------------------- reads

    def items(self, kind: str | None = None, *, expand: bool = True) -> pd.DataFrame:
        """Current state of every item (``kind``: 'parcel', 'project' or None for all).

        With ``expand`` the JSON ``attrs`` (source, quotes, estimated, …) become columns.
        """
        with self.read() as conn:
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
        with self.read() as conn:
            row = conn.execute(text("SELECT * FROM tracker_items WHERE id = :id"),
                               {"id": item_id}).mappings().first()
        if row is None:
            raise self._unknown(item_id)
        out = dict(row)
        out["attrs"] = json.loads(out["attrs"])
        return out

    def history(self, item_id: str | None = None) -> pd.DataFrame:
        """Every status change (oldest first per item), or one item's."""
        with self.read() as conn:
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
        with self.read() as conn:
            return self._parcels(conn)

    def _parcels(self, conn) -> gpd.GeoDataFrame:
        items = self._items(conn, "parcel", expand=True)
        geoms = self._outlines(conn)
        items = items.assign(status_as_of=items["status_date"])
        cols = ["id", "name", "name_en", "status", "status_as_of", "status_source", "plan_target",
                "plan_deadline", "plan_quote", "planned_use", "area_m2", "zone_id", "in_centre",
                "source", "accuracy_m", "estimated", "note", "version", "updated_by", "updated_at"]
        return gpd.GeoDataFrame(items[cols].reset_index(drop=True),
                                geometry=[geoms.get(i) for i in items["id"]], crs=STORAGE_CRS)

    def snapshot(self) -> tuple[pd.DataFrame, pd.DataFrame, gpd.GeoDataFrame]:
        """``(items, history, parcels)`` read in one transaction (a consistent view)."""
        with self.read() as conn:
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
            A status of the item's workflow (:mod:`songnan_geo.plan.workflow`).
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
        songnan_geo.plan.workflow.WorkflowError (incl. IllegalTransitionError)
        """
        editor = auth.require_editor(editor)
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise TypeError(f"expected_version must be the int version the change is based on "
                            f"(got {expected_version!r}); read it from store.item(id)['version'].")
        with self.write() as conn:
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
            now, version = self.now_iso(), row["version"] + 1
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

    # ---------------------------------------------------------------- new items (a plan's own)

    def tracker_version(self) -> int:
        """The tracker's version: the number of the latest history row (every write adds one).
        A write of new items names the version it was based on (:meth:`add_items`)."""
        with self.read() as conn:
            return int(conn.execute(text("SELECT COALESCE(MAX(seq), 0) FROM tracker_history")
                                    ).scalar())

    def add_items(self, items: list[dict], outlines: dict, *, editor, base_version: int,
                  note: str = "") -> list[str]:
        """Add new parcels and projects (a plan's own, :func:`songnan_geo.plan.items.new_item_records`),
        each with its first history row, in one transaction.

        Parameters
        ----------
        items : list of dict
            Item fields (``id``, ``kind``, ``grp``, ``workflow``, ``name``, ``name_en``,
            ``category``, the target fields, ``status``, ``status_date``, ``attrs``).
        outlines : dict
            Parcel id → shapely MultiPolygon in EPSG:4326 (parcels without one have none).
        editor : songnan_geo.auth.Editor
            From :func:`songnan_geo.auth.authenticate`. Anything else is refused.
        base_version : int
            :meth:`tracker_version` when the items were checked. If the tracker has moved on,
            nothing is written and :class:`TrackerChangedError` names who changed it and when.
        note : str
            Kept in each item's first history row, before the item's ``status_source``.

        Returns
        -------
        list of str
            The ids added; empty when an earlier call wrote these very items already (below).

        Raises
        ------
        songnan_geo.auth.EditorRequiredError, TrackerChangedError

        Notes
        -----
        Finishing an interrupted ``plan add``: the store's write comes before the plan folder is
        renamed into place (:func:`songnan_geo.plan.registry.add_plan`), so a process killed
        between the two leaves the items here without their folder. When every id of ``items``
        is in the store already, the store's items brought by their plan (``attrs["plan_id"]``)
        are exactly these ids, and each was written as ``items`` would write it (the same fields
        and ``attrs``, the same first history row, the same outline or none; later status
        changes by anyone are kept), nothing is written and ``[]`` is returned: the caller then
        only finishes its own step. The editor and ``base_version`` are checked first all the
        same. Stored items of the same plan that differ (or are not exactly these ids), or any
        other existing id, refuse the write (:class:`TrackerChangedError`).

        On a GeoPackage the extent of ``tracker_parcels`` (and of its status view) in
        ``gpkg_contents`` is computed again from every outline in the same transaction, so GIS
        clients see the new parcels inside the layer's extent.
        """
        editor = auth.require_editor(editor)
        if isinstance(base_version, bool) or not isinstance(base_version, int):
            raise TypeError(f"base_version must be the int tracker_version() the items were "
                            f"checked against (got {base_version!r}).")
        ids = [it["id"] for it in items]
        with self.write() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("LOCK TABLE tracker_items IN SHARE ROW EXCLUSIVE MODE"))
            latest = conn.execute(text("SELECT seq, username, recorded_at FROM tracker_history "
                                       "ORDER BY seq DESC LIMIT 1")).first()
            current = int(latest[0]) if latest else 0
            if current != base_version:
                raise TrackerChangedError(msg("tracker_changed", base=base_version,
                                              current=current, editor=latest[1],
                                              time=format_time(latest[2])))
            rows = {r["id"]: dict(r) for r in
                    conn.execute(text("SELECT * FROM tracker_items")).mappings()}
            taken = sorted(set(ids) & set(rows))
            plan_ids = {it["attrs"].get("plan_id") for it in items} - {None}
            claimed = sorted(i for i, r in rows.items()
                             if json.loads(r["attrs"]).get("plan_id") in plan_ids)
            if claimed and self._written_before(conn, items, outlines, note, rows, claimed):
                return []
            if claimed:
                raise TrackerChangedError(msg("tracker_plan_items_differ", ids=claimed,
                                              plan=sorted(plan_ids)[0]))
            if taken:
                raise TrackerChangedError(msg("tracker_items_exist", ids=taken))
            if any(it["grp"] not in ("parcel", "table5", "fyp14") for it in items):
                store_schema.widen_grp_check(conn, self.dialect)
            now = self.now_iso()
            for it in items:
                conn.execute(text(
                    "INSERT INTO tracker_items (id, kind, grp, workflow, name, name_en, category, "
                    "plan_target, target_status, target_rule, plan_deadline, status, status_date, "
                    "paused_from, version, updated_by, updated_at, attrs) VALUES (:id, :kind, "
                    ":grp, :workflow, :name, :name_en, :category, :plan_target, :target_status, "
                    ":target_rule, :plan_deadline, :status, :status_date, NULL, 1, :user, :now, "
                    ":attrs)"),
                    {**it, "user": editor.username, "now": now,
                     "attrs": json.dumps(it["attrs"], ensure_ascii=False)})
                conn.execute(text(
                    "INSERT INTO tracker_history (item_id, version, effective_date, recorded_at, "
                    "from_status, to_status, username, note, doc_no, is_correction, "
                    "correction_reason) VALUES (:id, 1, :eff, :now, NULL, :to, :user, :note, '', "
                    "0, NULL)"),
                    dict(id=it["id"], eff=it["status_date"], now=now, to=it["status"],
                         user=editor.username, note=_first_note(note, it)))
            if outlines and self.dialect == "sqlite":
                _gpkg_functions(conn.conn.connection.driver_connection)
            for pid, geom in outlines.items():
                if self.dialect == "sqlite":
                    conn.execute(text("INSERT INTO tracker_parcels (geom, id) VALUES (:g, :id)"),
                                 {"g": _gpkg_blob(geom), "id": pid})
                else:
                    conn.execute(text("INSERT INTO tracker_parcels (id, geom) "
                                      "VALUES (:id, ST_GeomFromWKB(:wkb, 4326))"),
                                 {"id": pid, "wkb": shapely.to_wkb(geom)})
            if outlines and self.dialect == "sqlite":
                _update_gpkg_extent(conn)
            conn.commit_now()
        return ids

    def _outlines(self, conn) -> dict:
        """Parcel id → stored outline (shapely, EPSG:4326), for every parcel that has one."""
        if self.dialect == "sqlite":
            rows = conn.execute(text("SELECT id, geom FROM tracker_parcels")).all()
            return {r[0]: shapely.from_wkb(_gpkg_blob_to_wkb(r[1])) for r in rows}
        rows = conn.execute(text("SELECT id, ST_AsBinary(geom) FROM tracker_parcels")).all()
        return {r[0]: shapely.from_wkb(bytes(r[1])) for r in rows}

    def _written_before(self, conn, items: list[dict], outlines: dict, note: str, rows: dict,
                        claimed: list[str]) -> bool:
        """True when ``items`` are in the store exactly as :meth:`add_items` writes them, and
        they are all the store holds for their plan (``claimed``: the ids whose ``attrs`` name
        it; ``rows``: every item row by id). See :meth:`add_items`, Notes."""
        ids = {it["id"] for it in items}
        if set(claimed) != ids or len({it["attrs"].get("plan_id") for it in items}) != 1:
            return False
        first = {r[0]: tuple(r[1:]) for r in conn.execute(text(
            "SELECT item_id, from_status, to_status, effective_date, note FROM tracker_history "
            "WHERE version = 1")).all() if r[0] in ids}
        stored = {i: g for i, g in self._outlines(conn).items() if i in ids}
        if set(stored) != set(outlines) or any(
                not shapely.equals_exact(stored[i], g, tolerance=0) for i, g in outlines.items()):
            return False
        same = ("kind", "grp", "workflow", "name", "name_en", "category", "plan_target",
                "target_status", "target_rule", "plan_deadline")
        for it in items:
            row = rows[it["id"]]
            attrs = json.loads(json.dumps(it["attrs"], ensure_ascii=False))
            if (any(row[k] != it[k] for k in same) or json.loads(row["attrs"]) != attrs
                    or first.get(it["id"]) != (None, it["status"], it["status_date"],
                                               _first_note(note, it))):
                return False
        return True

    # ---------------------------------------------------------------- login failures (auth)

    def login_failures(self, username: str | None = None, since: float = 0.0, *,
                       client: str | None = None) -> list[float]:
        """Times (epoch seconds) of failed logins after ``since``: for ``username`` (from any
        address), or from the address ``client`` (for any username). Give exactly one."""
        if (username is None) == (client is None):
            raise ValueError("login_failures needs exactly one of username= or client= "
                             f"(got username={username!r}, client={client!r}).")
        column, value = ("username", username) if client is None else ("client", client)
        with self.read() as conn:
            rows = conn.execute(text(f"SELECT failed_at FROM tracker_login_failures "
                                     f"WHERE {column} = :v AND failed_at > :since"),
                                {"v": value, "since": since}).all()
        return [float(r[0]) for r in rows]

    def record_login_failure(self, username: str, when: float, client: str | None = None) -> None:
        """Keep one failed login for ``username`` from the address ``client`` (None: unknown),
        and forget every failure older than a day."""
        with self.write() as conn:
            conn.execute(text("DELETE FROM tracker_login_failures WHERE failed_at < :old"),
                         {"old": when - 86400})
            conn.execute(text("INSERT INTO tracker_login_failures (username, failed_at, client) "
                              "VALUES (:u, :t, :c)"), {"u": username, "t": when, "c": client})
            conn.commit_now()

    def clear_login_failures(self, username: str) -> None:
        """Forget ``username``'s failures (after its successful login). Other usernames' failures
        from the same address stay, and keep counting against that address."""
        with self.write() as conn:
            conn.execute(text("DELETE FROM tracker_login_failures WHERE username = :u"),
                         {"u": username})
            conn.commit_now()

    def _unknown(self, item_id: str, conn=None) -> UnknownItemError:
        return UnknownItemError(f"no parcel or project has id {item_id!r}; ids are listed by "
                                "store.items()['id'] (e.g. 'p_dongya', 't5_01', 'f14_weimob').")



# --------------------------------------------------------------------------- open

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
        path = Path(resolved[len("sqlite:///"):])
        store = TrackerStore(store_schema.open_gpkg(path, data_dir, projects_dir),
                             f"sqlite:///{path}")
    else:
        store = TrackerStore(store_schema.open_postgis(resolved, data_dir, projects_dir),
                             resolved)
    try:
        store_schema.add_missing_columns(store)
    except BaseException:
        store.dispose()
        raise
    return store
