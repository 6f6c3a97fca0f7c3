"""The register of carrier parks (产业载体): editors add a park or edit one, with history.

The parks of ``data/geo/carrier_parks.geojson`` are the starting register. Editors correct a
park (its position, state, figures) or add a new one; each save is one new row in the
tracker's store (:mod:`songnan_geo.store.tracker`: the same GeoPackage or PostGIS database, the same
transactions and the same editors). The store holds only these edits, so the current register
is the layer's parks, each replaced by its latest stored version, plus the parks editors added
(:meth:`CarrierStore.current`).

Records are plain dicts with the fields of :data:`PARK_FIELDS`; positions are EPSG:4326
longitude/latitude in degrees. ``None`` means *unknown* and is never written as 0.
"""
from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from songnan_geo import auth, clock
from songnan_geo.coords.crs import STORAGE_CRS, to_storage_crs, to_town_crs
from songnan_geo.plan.carriers import FIGURE_FIELDS, CarrierError  # noqa: F401 (part of this module's API)
from songnan_geo.store.db import StaleVersionError
from songnan_geo.text.error_messages import msg

#: Fields of a park record, in order, with their meaning and unit:
#:
#: ``id`` (str, ``^[a-z0-9_\-]+$``), ``name`` (Chinese name, required), ``name_en`` (str|None),
#: ``lon``/``lat`` (EPSG:4326 degrees), ``address`` (str|None), ``theme`` (str|None),
#: ``state`` (one of :data:`STATES`), ``yiyuan_lou`` (bool: 亿元楼),
#: ``floor_area_m2`` (building floor area, m², ≥ 0 or None), ``enterprises`` (入驻企业数, int ≥ 0
#: or None), ``tax_10k_yuan`` (annual tax, 万元, ≥ 0 or None), ``high_tech`` (高新技术企业数, int
#: ≥ 0 or None), ``stats_year`` (year the four figures refer to, 2015–this year, required when
#: any figure is given), ``opened_year`` (建成启用, 1990–2035 or None), ``source`` (where position
#: and figures come from, ≥ 3 characters), ``accuracy_m`` (position accuracy, m, ≥ 0),
#: ``estimated`` (bool), ``note`` (str|None).
PARK_FIELDS = ("id", "name", "name_en", "lon", "lat", "address", "theme", "state", "yiyuan_lou",
               "floor_area_m2", "enterprises", "tax_10k_yuan", "high_tech", "stats_year",
               "opened_year", "source", "accuracy_m", "estimated", "note")

#: States of a park: operating, under construction (or pushed forward as a key project), planned.
STATES = ("运营", "在建", "规划")
#: Where a record came from in :meth:`CarrierStore.current`.
ORIGINS = ("layer", "edited", "added")

_ID_RE = re.compile(r"^[a-z0-9_\-]+$")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_OPTIONAL_TEXT = ("name_en", "address", "theme", "note")
_BOOL_FIELDS = ("yiyuan_lou", "estimated")
_INT_FIELDS = ("enterprises", "high_tech", "stats_year", "opened_year")
_FLOAT_FIELDS = ("lon", "lat", "floor_area_m2", "tax_10k_yuan", "accuracy_m")
#: Earliest stats_year and the range of opened_year.
MIN_STATS_YEAR = 2015
OPENED_YEAR_RANGE = (1990, 2035)


# --------------------------------------------------------------------------- validation

def _is_nan(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) and math.isnan(v)


def _check_number(field: str, v, problems: list, *, integer: bool, required: bool,
                  low: float | None = None, high: float | None = None, unit: str = ""):
    """Normalise one number (int or float), appending a problem instead of raising.

    ``unit`` is the code of its unit's message (``unit_m2`` …) or empty."""
    bounds = (msg("bounds_range", low=low, high=high) if high is not None
              else msg("bounds_min", low=low)) if low is not None else ""
    fix = msg("fix_number", kind=msg("kind_whole" if integer else "kind_number"), bounds=bounds,
              unit=msg(unit) if unit else "", unknown="" if required else msg("unknown_none"))

    def add(code: str, **params) -> None:
        problems.append((field, msg(code, field=field, fix=fix, **params)))

    if v is None:
        if required:
            add("number_missing")
        return None
    if isinstance(v, (bool, np.bool_)):
        add("number_bool", value=bool(v))
        return None
    if not isinstance(v, numbers.Real):
        add("number_type", type=type(v).__name__, value=v)
        return None
    if math.isnan(v):
        add("number_nan")
        return None
    if math.isinf(v):
        add("number_inf")
        return None
    if integer:
        if float(v) != int(v):
            add("number_not_whole", value=v)
            return None
        v = int(v)
    else:
        v = float(v)
    if (low is not None and v < low) or (high is not None and v > high):
        add("number_out_of_range", value=v)
        return None
    return v


def _check_text(field: str, v, problems: list, *, required: bool, min_chars: int = 1):
    """Strip a text field; empty → None (or a problem when required)."""
    if v is None or _is_nan(v):
        v = None
    elif not isinstance(v, str):
        problems.append((field, msg("text_type", field=field, type=type(v).__name__, value=v,
                                    or_none="" if required else msg("or_none"))))
        return None
    else:
        v = v.strip() or None
    if required and (v is None or len(v) < min_chars):
        problems.append((field, msg("text_missing", field=field, n=min_chars) if v is None
                         else msg("text_too_short", field=field, value=v, n=min_chars)))
        return None
    return v


def _distance_outside_m(lon: float, lat: float, town: gpd.GeoDataFrame) -> float:
    """Metres from (lon, lat) to the town's area in :data:`TOWN_CRS` (0 inside or on the edge)."""
    area = to_town_crs(town, "town").geometry.union_all()
    point = to_town_crs(gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=STORAGE_CRS),
                        "point").iloc[0]
    return 0.0 if area.covers(point) else float(area.distance(point))


def check_park(record: Mapping, town: gpd.GeoDataFrame | None = None) -> dict:
    """Validate a park record and return it normalised.

    Every problem is collected before raising (unknown or missing fields, wrong types — a
    yes/no value where a number is needed too —, negative numbers, NaN, positions out of
    range, a state not in :data:`STATES`, figures without ``stats_year``, a bad ``id``).

    Parameters
    ----------
    record : mapping
        Every field of :data:`PARK_FIELDS` (``None`` where unknown). ``lon``/``lat`` are
        EPSG:4326 degrees; ``floor_area_m2`` m², ``tax_10k_yuan`` 万元, ``accuracy_m`` metres.
    town : GeoDataFrame, optional
        The town boundary layer (any CRS with a CRS set, normally EPSG:4326). When given the
        park must lie inside it (tested in :data:`songnan_geo.coords.crs.TOWN_CRS`).

    Returns
    -------
    dict
        The record with its fields in :data:`PARK_FIELDS` order: whole-number fields as
        ``int``, other numbers as ``float``, text stripped, empty text as ``None``.

    Raises
    ------
    CarrierError
        Naming each field, its problem and the fix; the message ends "Nothing was saved.".
        ``str(exc)`` is English, ``exc.text("zh")`` Chinese; ``exc.problems`` lists
        ``(field, message)``.
    """
    if not isinstance(record, Mapping):
        raise CarrierError(msg("park_not_dict", fields=PARK_FIELDS, type=type(record).__name__))
    problems: list[tuple[str, object]] = []

    def add(at: str, code: str, **params) -> None:
        problems.append((at, msg(code, **params)))

    unknown = [k for k in record if k not in PARK_FIELDS]
    if unknown:
        add("fields", "park_unknown_fields", unknown=[str(k) for k in unknown], fields=PARK_FIELDS)
    missing = [f for f in PARK_FIELDS if f not in record]
    if missing:
        add("fields", "park_missing_fields", missing=missing)
    r = {f: record.get(f) for f in PARK_FIELDS}
    out: dict = {}

    pid = _check_text("id", r["id"], problems, required=True)
    if pid is not None and not _ID_RE.match(pid):
        add("id", "park_id_pattern", id=pid)
    out["id"] = pid
    name = _check_text("name", r["name"], problems, required=True)
    if name is not None and not _CJK_RE.search(name):
        add("name", "park_name_not_chinese", name=name)
    out["name"] = name
    for f in _OPTIONAL_TEXT:
        out[f] = _check_text(f, r[f], problems, required=False)
    out["lon"] = _check_number("lon", r["lon"], problems, integer=False, required=True,
                               low=-180, high=180, unit="unit_lon")
    out["lat"] = _check_number("lat", r["lat"], problems, integer=False, required=True,
                               low=-90, high=90, unit="unit_lat")
    if r["state"] not in STATES:
        add("state", "park_state", state=r["state"], states=STATES)
    out["state"] = r["state"] if r["state"] in STATES else None
    for f in _BOOL_FIELDS:
        v = r[f]
        if isinstance(v, (bool, np.bool_)):
            out[f] = bool(v)
        else:
            add(f, "park_bool", field=f, value=v)
            out[f] = None
    out["floor_area_m2"] = _check_number("floor_area_m2", r["floor_area_m2"], problems,
                                         integer=False, required=False, low=0, unit="unit_m2")
    out["enterprises"] = _check_number("enterprises", r["enterprises"], problems, integer=True,
                                       required=False, low=0, unit="unit_enterprises")
    out["tax_10k_yuan"] = _check_number("tax_10k_yuan", r["tax_10k_yuan"], problems,
                                        integer=False, required=False, low=0, unit="unit_tax")
    out["high_tech"] = _check_number("high_tech", r["high_tech"], problems, integer=True,
                                     required=False, low=0, unit="unit_high_tech")
    this_year = clock.today().year
    out["stats_year"] = _check_number("stats_year", r["stats_year"], problems, integer=True,
                                      required=False, low=MIN_STATS_YEAR, high=this_year)
    given = [f for f in FIGURE_FIELDS if r[f] is not None and not _is_nan(r[f])]
    if given and r["stats_year"] is None:
        add("stats_year", "park_stats_year_missing", given=given, low=MIN_STATS_YEAR,
            high=this_year)
    out["opened_year"] = _check_number("opened_year", r["opened_year"], problems, integer=True,
                                       required=False, low=OPENED_YEAR_RANGE[0],
                                       high=OPENED_YEAR_RANGE[1], unit="unit_opened")
    out["source"] = _check_text("source", r["source"], problems, required=True, min_chars=3)
    out["accuracy_m"] = _check_number("accuracy_m", r["accuracy_m"], problems, integer=False,
                                      required=True, low=0, unit="unit_accuracy")
    if town is not None and out["lon"] is not None and out["lat"] is not None:
        d = _distance_outside_m(out["lon"], out["lat"], town)
        if d > 0:
            add("lon/lat", "park_outside_town", lon=out["lon"], lat=out["lat"], dist_m=d)
    if problems:
        label = msg("park_label_id", id=pid) if pid else msg("park_label_record")
        raise CarrierError(msg("park_problems", label=label, n=len(problems),
                               problems=[m for _, m in problems]), problems)
    return {f: out[f] for f in PARK_FIELDS}


def _plain(field: str, v):
    """A layer or database value as a plain Python value of its field (None for NaN/missing)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if field in _BOOL_FIELDS:
        return bool(v)
    if field in _INT_FIELDS and isinstance(v, float) and v.is_integer():
        return int(v)
    if field in _FLOAT_FIELDS and isinstance(v, numbers.Real):
        return float(v)
    return v


def layer_records(parks: gpd.GeoDataFrame) -> list[dict]:
    """The parks of the ``carrier_parks`` layer as :data:`PARK_FIELDS` records.

    Parameters
    ----------
    parks : GeoDataFrame
        Point layer with a CRS (normally EPSG:4326; anything else is projected to it).
        Fields the layer lacks (e.g. the figures ``floor_area_m2`` … ``opened_year``) are
        ``None``; columns that are not park fields (``plan_quote``, ``zone_id`` …) are left out.

    Returns
    -------
    list of dict
        ``lon``/``lat`` from the point, EPSG:4326 degrees; NaN becomes ``None``.
    """
    parks = to_storage_crs(parks, "parks")
    bad = [str(i) for i, g in zip(parks["id"], parks.geometry)
           if g is None or g.geom_type != "Point"]
    if bad:
        raise CarrierError(msg("parks_not_points", ids=bad))
    out = []
    rows = parks.drop(columns=parks.geometry.name).to_dict("records")
    for row, geom in zip(rows, parks.geometry):
        rec = {f: _plain(f, row.get(f)) for f in PARK_FIELDS}
        rec["lon"], rec["lat"] = float(geom.x), float(geom.y)
        out.append(rec)
    return out


def new_park_id(name_en_or_name: str, taken: set[str]) -> str:
    """A unique id for a new park: ``c_<ascii slug>`` of the (English) name, else ``c_new_<n>``.

    ``taken`` holds the ids in use (layer and store). A repeated slug gets ``_2``, ``_3`` …;
    a name without Latin letters or digits (Chinese only) gets the first free ``c_new_<n>``.
    """
    ascii_ = unicodedata.normalize("NFKD", str(name_en_or_name)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")[:40].rstrip("_")
    base, n = (f"c_{slug}", 1) if slug else ("c_new", 1)
    candidate = base if slug else f"{base}_{n}"
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    return candidate


# --------------------------------------------------------------------------- the store

_COLUMN_TYPES = {  # (SQLite, PostgreSQL); CHECKs repeat check_park where the database can
    "name": ("TEXT NOT NULL", "TEXT NOT NULL"), "name_en": ("TEXT", "TEXT"),
    "lon": ("REAL NOT NULL CHECK (lon BETWEEN -180 AND 180)",
            "DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180)"),
    "lat": ("REAL NOT NULL CHECK (lat BETWEEN -90 AND 90)",
            "DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90)"),
    "address": ("TEXT", "TEXT"), "theme": ("TEXT", "TEXT"),
    "state": ("TEXT NOT NULL CHECK (state IN ('运营', '在建', '规划'))",) * 2,
    "yiyuan_lou": ("INTEGER NOT NULL CHECK (yiyuan_lou IN (0, 1))", "BOOLEAN NOT NULL"),
    "floor_area_m2": ("REAL CHECK (floor_area_m2 >= 0)",
                      "DOUBLE PRECISION CHECK (floor_area_m2 >= 0)"),
    "enterprises": ("INTEGER CHECK (enterprises >= 0)",) * 2,
    "tax_10k_yuan": ("REAL CHECK (tax_10k_yuan >= 0)",
                     "DOUBLE PRECISION CHECK (tax_10k_yuan >= 0)"),
    "high_tech": ("INTEGER CHECK (high_tech >= 0)",) * 2,
    "stats_year": ("INTEGER",) * 2, "opened_year": ("INTEGER",) * 2,
    "source": ("TEXT NOT NULL",) * 2,
    "accuracy_m": ("REAL NOT NULL CHECK (accuracy_m >= 0)",
                   "DOUBLE PRECISION NOT NULL CHECK (accuracy_m >= 0)"),
    "estimated": ("INTEGER NOT NULL CHECK (estimated IN (0, 1))", "BOOLEAN NOT NULL"),
    "note": ("TEXT", "TEXT"),
}
_DATA_COLUMNS = list(PARK_FIELDS[1:])
_VERSION_COLUMNS = ["seq", "park_id", "version", *_DATA_COLUMNS, "recorded_at", "username",
                    "change_note"]


def _table_ddl(serial: str, dialect: int) -> str:
    cols = ",\n        ".join(f"{c} {_COLUMN_TYPES[c][dialect]}" for c in _DATA_COLUMNS)
    return f"""CREATE TABLE IF NOT EXISTS carrier_park_versions (
        seq {serial},
        park_id TEXT NOT NULL, version INTEGER NOT NULL CHECK (version >= 1),
        {cols},
        recorded_at TEXT NOT NULL, username TEXT NOT NULL, change_note TEXT NOT NULL,
        UNIQUE (park_id, version))"""


_SQLITE_DDL = [
    _table_ddl("INTEGER PRIMARY KEY AUTOINCREMENT", 0),
    """CREATE TRIGGER IF NOT EXISTS carrier_park_versions_no_update BEFORE UPDATE ON carrier_park_versions
       BEGIN SELECT RAISE(ABORT, 'carrier_park_versions is append-only: """
    """a park version cannot be changed'); END""",
    """CREATE TRIGGER IF NOT EXISTS carrier_park_versions_no_delete BEFORE DELETE ON carrier_park_versions
       BEGIN SELECT RAISE(ABORT, 'carrier_park_versions is append-only: """
    """a park version cannot be deleted'); END""",
    # listed in the GeoPackage's contents, so QGIS and GDAL show the table
    """INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
       VALUES ('carrier_park_versions', 'attributes', 'carrier park versions',
               'songnan_geo carrier-park register: every saved version (append-only)')""",
]
_POSTGRES_DDL = [
    _table_ddl("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", 1),
    # tracker_refuse() is the tracker store's refusing trigger function
    """CREATE OR REPLACE TRIGGER carrier_park_versions_append_only """
    """BEFORE UPDATE OR DELETE ON carrier_park_versions
       FOR EACH ROW EXECUTE FUNCTION tracker_refuse("""
    """'carrier_park_versions is append-only: a park version cannot be changed or deleted')""",
    """CREATE OR REPLACE TRIGGER carrier_park_versions_no_truncate BEFORE TRUNCATE ON carrier_park_versions
       FOR EACH STATEMENT EXECUTE FUNCTION tracker_refuse("""
    """'carrier_park_versions is append-only: it cannot be truncated')""",
]


class CarrierStore:
    """Editors' additions and corrections to the carrier-park register, with full history.

    Lives in the tracker's store (:func:`songnan_geo.store.tracker.open_store`): one append-only table
    ``carrier_park_versions`` (triggers refuse UPDATE and DELETE, and TRUNCATE on PostGIS);
    a park's current record is its highest version. A save names the ``expected_version`` it
    was based on (0 for a park never saved: a new park, or a layer park's first edit) and is
    refused with :class:`songnan_geo.store.tracker.StaleVersionError` when someone saved it meanwhile.

    Parameters
    ----------
    tracker : songnan_geo.store.tracker.TrackerStore
        Its table is created on first use (idempotent).
    """

    new_park_id = staticmethod(new_park_id)

    def __init__(self, tracker):
        self.tracker = tracker
        tracker.ensure_tables("songnan_carriers", _SQLITE_DDL, _POSTGRES_DDL)

    # ---------------------------------------------------------------- reads

    def history(self, park_id: str | None = None) -> pd.DataFrame:
        """Every saved version (oldest first), or one park's.

        Columns: ``seq``, ``park_id``, ``version``, the :data:`PARK_FIELDS` except ``id``
        (``lon``/``lat`` EPSG:4326 degrees; ``None`` where unknown), ``recorded_at`` (UTC, ISO
        8601), ``username``, ``change_note``.
        """
        sql = "SELECT * FROM carrier_park_versions" + (
            " WHERE park_id = :id" if park_id is not None else "") + " ORDER BY seq"
        with self.tracker.read() as conn:
            rows = conn.execute(text(sql), {"id": park_id}).mappings().all()
        return self._frame([{c: (_plain(c, r[c]) if c in PARK_FIELDS else r[c])
                             for c in _VERSION_COLUMNS} for r in rows], _VERSION_COLUMNS)

    @staticmethod
    def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
        """Rows as a frame keeping ``None`` (unknown) as ``None``: object columns except
        the always-known numbers and flags."""
        df = pd.DataFrame(rows, columns=columns)
        typed = {"seq": "int64", "version": "int64", "lon": "float64", "lat": "float64",
                 "accuracy_m": "float64", "yiyuan_lou": "bool", "estimated": "bool"}
        df = df.astype({c: typed.get(c, object) for c in columns})
        loose = [c for c in columns if c not in typed]
        df[loose] = df[loose].astype(object).where(df[loose].notna(), None)
        return df

    def version(self, park_id: str) -> int:
        """The park's current stored version (0 when it was never saved: as in the layer)."""
        with self.tracker.read() as conn:
            return self._version(conn, park_id)[0]

    def _version(self, conn, park_id):
        return self.tracker.latest_version(conn, "carrier_park_versions", {"park_id": park_id})

    def current(self, layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The register now: the layer's parks, each replaced by its latest saved version,
        plus the parks editors added.

        Parameters
        ----------
        layer : GeoDataFrame
            The ``carrier_parks`` layer (points, EPSG:4326); figure columns may be absent.

        Returns
        -------
        GeoDataFrame
            EPSG:4326 points built from ``lon``/``lat`` (degrees), sorted by ``id``. Columns
            :data:`PARK_FIELDS`, ``version`` (0: as in the layer, never edited),
            ``updated_by``/``updated_at`` (None for version 0; UTC ISO 8601), ``origin``
            (``"layer"``, ``"edited"`` or ``"added"``) and ``plan_quote`` (the layer's quote of
            the plan naming the park; None for an added park). Unknown values are ``None``.
        """
        register = {r["id"]: {**r, "version": 0, "updated_by": None, "updated_at": None,
                              "origin": "layer"} for r in layer_records(layer)}
        history = self.history()
        latest = history.sort_values("version").groupby("park_id").tail(1)
        for row in latest.to_dict("records"):
            pid = row["park_id"]
            register[pid] = {"id": pid, **{f: _plain(f, row[f]) for f in _DATA_COLUMNS},
                             "version": int(row["version"]), "updated_by": row["username"],
                             "updated_at": row["recorded_at"],
                             "origin": "edited" if pid in register else "added"}
        quotes = (dict(zip(layer["id"], layer["plan_quote"])) if "plan_quote" in layer.columns
                  else {})
        for pid, rec in register.items():
            rec["plan_quote"] = quotes.get(pid)
        columns = [*PARK_FIELDS, "version", "updated_by", "updated_at", "origin", "plan_quote"]
        rows = [register[k] for k in sorted(register)]
        df = self._frame(rows, columns)
        return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                                crs=STORAGE_CRS)

    # ---------------------------------------------------------------- the write

    def save(self, record: Mapping, *, editor, expected_version: int,
             town: gpd.GeoDataFrame | None = None, change_note: str = "") -> dict:
        """Save a park (a new version of it) in one transaction.

        Adding a park is saving a new id with ``expected_version=0``; a park of the layer
        also starts at 0 (its first edit).

        Parameters
        ----------
        record : mapping
            Every field of :data:`PARK_FIELDS` (see :func:`check_park`; ``lon``/``lat``
            EPSG:4326 degrees, ``floor_area_m2`` m², ``tax_10k_yuan`` 万元, ``accuracy_m`` m).
        editor : songnan_geo.auth.Editor
            From :func:`songnan_geo.auth.authenticate`; anything else is refused.
        expected_version : int
            The version the editor saw (:meth:`version`, or ``current(...)["version"]``).
        town : GeoDataFrame, optional
            The boundary layer: the park must lie inside 淞南镇.
        change_note : str
            Why the park was added or changed, kept in the history.

        Returns
        -------
        dict
            The saved record plus ``version``, ``updated_by``, ``updated_at`` (UTC ISO 8601)
            and ``change_note``.

        Raises
        ------
        songnan_geo.auth.EditorRequiredError, CarrierError, songnan_geo.store.tracker.StaleVersionError
            All before anything is written.
        """
        editor = auth.require_editor(editor)
        rec = check_park(record, town)
        if isinstance(expected_version, bool) or not isinstance(expected_version, int) \
                or expected_version < 0:
            raise TypeError(f"expected_version must be the int version (≥ 0) the record is based "
                            f"on (got {expected_version!r}); read it with version(park_id). "
                            "Nothing was saved.")
        if not isinstance(change_note, str):
            raise TypeError(f"change_note must be text (got {type(change_note).__name__}). "
                            "Nothing was saved.")
        pid, name = rec["id"], rec["name"]
        try:
            with self.tracker.write() as conn:
                current, who, when = self._version(conn, pid)
                if expected_version > current:
                    raise ValueError(f"expected_version {expected_version} of {pid} is ahead of "
                                     f"its stored version {current}; read it with "
                                     "version(park_id). Nothing was saved.")
                if current != expected_version:
                    raise StaleVersionError(pid, name, expected_version, current, who, when)
                row = {"park_id": pid, "version": current + 1,
                       **{c: rec[c] for c in _DATA_COLUMNS}, "recorded_at": self.tracker.now_iso(),
                       "username": editor.username, "change_note": change_note.strip()}
                cols = [c for c in _VERSION_COLUMNS if c != "seq"]
                conn.execute(text(f"INSERT INTO carrier_park_versions ({', '.join(cols)}) "
                                  f"VALUES ({', '.join(':' + c for c in cols)})"), row)
                conn.commit_now()
        except IntegrityError as exc:
            if "unique" not in str(exc.orig).lower():
                raise        # a CHECK the database repeats; check_park refuses it first
            # another writer took this version first (PostGIS)
            with self.tracker.read() as conn:
                current, who, when = self._version(conn, pid)
            raise StaleVersionError(pid, name, expected_version, current, who, when) from None
        return {**rec, "version": row["version"], "updated_by": row["username"],
                "updated_at": row["recorded_at"], "change_note": row["change_note"]}
