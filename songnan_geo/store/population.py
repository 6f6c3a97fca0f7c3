"""Each 居委's population as editors enter it (figure, source, year), with its full history.

No public census figure per 居委 exists (``data/geo/README.md``), so the shipped residential layer
carries a labelled estimate; :class:`PopulationStore` keeps the figures editors enter instead, in
the tracker's store (GeoPackage or PostGIS; :mod:`songnan_geo.store.tracker`), append-only (enforced
by triggers) with who and when. The current figure of a 居委 is its highest version.
:func:`songnan_geo.lifecircle.population.resident_demand` spreads it where people live.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from songnan_geo import auth, clock, config
from songnan_geo.layers.io import load_layer
from songnan_geo.store.db import StaleVersionError
from songnan_geo.text.error_messages import LocalisedError, msg

#: Largest population accepted for one 居委 (the town's 居委 hold a few thousand each).
MAX_POPULATION = 100_000
#: Earliest year a figure may refer to.
MIN_YEAR = 2000


class PopulationError(LocalisedError, ValueError):
    """An entry that cannot be saved; the message names every problem (``str(exc)`` English,
    ``exc.text("zh")`` Chinese)."""


_TABLE_DDL = """CREATE TABLE IF NOT EXISTS juwei_population (
        seq {serial},
        juwei_id TEXT NOT NULL, population INTEGER NOT NULL CHECK (population >= 0),
        year INTEGER NOT NULL, source TEXT NOT NULL, note TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        recorded_at TEXT NOT NULL, username TEXT NOT NULL,
        UNIQUE (juwei_id, version))"""

_SQLITE_DDL = [
    _TABLE_DDL.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT"),
    """CREATE TRIGGER IF NOT EXISTS juwei_population_no_update BEFORE UPDATE ON juwei_population
       BEGIN SELECT RAISE(ABORT, 'juwei_population is append-only: a row cannot be changed'); END""",
    """CREATE TRIGGER IF NOT EXISTS juwei_population_no_delete BEFORE DELETE ON juwei_population
       BEGIN SELECT RAISE(ABORT, 'juwei_population is append-only: a row cannot be deleted'); END""",
]
_POSTGRES_DDL = [
    _TABLE_DDL.format(serial="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    # tracker_refuse() is the tracker store's refusing trigger function
    """CREATE OR REPLACE TRIGGER juwei_population_append_only
       BEFORE UPDATE OR DELETE ON juwei_population FOR EACH ROW EXECUTE FUNCTION
       tracker_refuse('juwei_population is append-only: a row cannot be changed or deleted')""",
    """CREATE OR REPLACE TRIGGER juwei_population_no_truncate
       BEFORE TRUNCATE ON juwei_population FOR EACH STATEMENT EXECUTE FUNCTION
       tracker_refuse('juwei_population is append-only: it cannot be truncated')""",
]
COLUMNS = ["seq", "juwei_id", "population", "year", "source", "note", "version", "recorded_at",
           "username"]


def official_juwei(data_dir: str | Path | None = None) -> dict[str, str]:
    """Statistical code → official name of the 居委 of the residential layer in ``data_dir``
    (default: the data folder in use, :func:`songnan_geo.config.data_dir`)."""
    gdf = load_layer("residential", data_dir if data_dir is not None else config.data_dir())
    return dict(zip(gdf["id"].astype(str), gdf["name"].astype(str)))


def _whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    s = re.sub(r"[\s,，]", "", str(value or ""))
    return int(s) if re.fullmatch(r"[+-]?\d+", s) else None


class PopulationStore:
    """The population editors entered per 居委, with its history.

    Parameters
    ----------
    tracker : songnan_geo.store.tracker.TrackerStore
        The store it lives in (same database, transactions and editors).
    juwei : mapping, optional
        Statistical code → official name of the 居委 an entry may name (default:
        :func:`official_juwei` of ``data_dir``).
    """

    def __init__(self, tracker, juwei: Mapping[str, str] | None = None,
                 data_dir: str | Path | None = None):
        self.tracker = tracker
        self.juwei = dict(juwei) if juwei is not None else official_juwei(data_dir)
        tracker.ensure_tables("songnan_population", _SQLITE_DDL, _POSTGRES_DDL)

    # ---------------------------------------------------------------- reads

    def history(self, juwei_id: str | None = None) -> pd.DataFrame:
        """Every entry, oldest first (``juwei_id`` to limit to one 居委)."""
        sql = "SELECT * FROM juwei_population" + (
            " WHERE juwei_id = :id" if juwei_id else "") + " ORDER BY seq"
        with self.tracker.read() as conn:
            rows = conn.execute(text(sql), {"id": juwei_id}).mappings().all()
        return pd.DataFrame(rows, columns=COLUMNS)

    def current(self) -> pd.DataFrame:
        """The latest entry of each 居委 that has one (columns :data:`COLUMNS`)."""
        h = self.history()
        return (h.sort_values("version").groupby("juwei_id").tail(1)
                .sort_values("juwei_id").reset_index(drop=True))

    def entered(self) -> dict[str, dict]:
        """居委 code → {population, source, year, username, recorded_at} of its current entry:
        the ``entered_populations`` of :func:`songnan_geo.lifecircle.population.resident_demand`."""
        return {r["juwei_id"]: {k: r[k] for k in ("population", "source", "year", "username",
                                                  "recorded_at")}
                for r in self.current().to_dict("records")}

    def version(self, juwei_id: str) -> int:
        """Current version of a 居委's figure (0 when none was entered yet)."""
        with self.tracker.read() as conn:
            return self._version(conn, juwei_id)[0]

    def _version(self, conn, juwei_id):
        return self.tracker.latest_version(conn, "juwei_population", {"juwei_id": juwei_id})

    # ---------------------------------------------------------------- write

    def check_entry(self, juwei_id: str, population, year, source: str,
                    today: dt.date | None = None) -> tuple[int, int]:
        """Validate an entry; every problem is collected into one :class:`PopulationError`.

        Returns (population, year) as ints.
        """
        today = today or clock.today()
        problems = []
        if juwei_id not in self.juwei:
            problems.append(msg("pop_unknown_juwei", id=juwei_id, n=len(self.juwei)))
        n = _whole_number(population)
        if n is None:
            problems.append(msg("pop_not_number", text=str(population)))
        elif n < 0:
            problems.append(msg("pop_negative", value=n))
        elif n > MAX_POPULATION:
            problems.append(msg("pop_implausible", value=n, limit=f"{MAX_POPULATION:,}"))
        y = _whole_number(year)
        if y is None or not MIN_YEAR <= y <= today.year:
            problems.append(msg("pop_year", text=str(year), low=MIN_YEAR, high=today.year))
        if not str(source or "").strip():
            problems.append(msg("pop_no_source"))
        if problems:
            raise PopulationError(msg("pop_entry_problems", problems=problems))
        return n, y

    def record(self, juwei_id: str, population, year, source: str, *, editor,
               expected_version: int, note: str = "", today: dt.date | None = None) -> dict:
        """Enter a 居委's population (a new version) in one transaction.

        Parameters
        ----------
        population : int or str
            Residents (``"3,500"`` is read as 3500); 0 … :data:`MAX_POPULATION`.
        year : int or str
            The year the figure refers to, :data:`MIN_YEAR` … this year (Shanghai time).
        source : str
            Where the figure comes from; required.
        editor : songnan_geo.auth.Editor
        expected_version : int
            The version the editor saw (:meth:`version`; 0 for a first entry).

        Raises
        ------
        songnan_geo.auth.EditorRequiredError, PopulationError, StaleVersionError
        """
        editor = auth.require_editor(editor)
        n, y = self.check_entry(juwei_id, population, year, source, today)
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise TypeError(f"expected_version must be the int version the entry is based on "
                            f"(got {expected_version!r}); read it with version(juwei_id).")
        name = self.juwei[juwei_id]
        try:
            with self.tracker.write() as conn:
                current, who, when = self._version(conn, juwei_id)
                if current != expected_version:
                    raise StaleVersionError(juwei_id, name, expected_version, current, who, when)
                row = dict(juwei_id=juwei_id, population=n, year=y, source=str(source).strip(),
                           note=str(note or ""), version=current + 1,
                           recorded_at=self.tracker.now_iso(), username=editor.username)
                conn.execute(text(
                    "INSERT INTO juwei_population (juwei_id, population, year, source, note, "
                    "version, recorded_at, username) VALUES (:juwei_id, :population, :year, "
                    ":source, :note, :version, :recorded_at, :username)"), row)
                conn.commit_now()
        except IntegrityError:   # another writer took this version first (PostGIS)
            with self.tracker.read() as conn:
                current, who, when = self._version(conn, juwei_id)
            raise StaleVersionError(juwei_id, name, expected_version, current, who, when) from None
        return row
