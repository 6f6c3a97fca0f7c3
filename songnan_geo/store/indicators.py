"""The plan indicators on disk and in the store.

:func:`read_plan_indicators` reads the project's copy of Table 6 (``data/plans/fyp14/indicators/table6.csv``)
the 13th-FYP baselines of Tables 1–4 (``data/plans/fyp14/indicators/baseline_13th.csv``) and 2020 figures
quoted from the plan's text (``data/plans/fyp14/indicators/baseline_text.csv``); all are
checked word for word against the plan copy by tests/data/test_indicator_data.py.

:class:`IndicatorStore` keeps the yearly actual and reference values editors enter, in the
tracker's store (GeoPackage or PostGIS; :mod:`songnan_geo.store.tracker`), append-only with history.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from songnan_geo import auth, clock
from songnan_geo.plan.carriers import PlanFigure
from songnan_geo.plan.indicators import (
    PLAN_END_YEAR,
    PLAN_START_YEAR,
    Indicator,
    IndicatorError,
    indicators_from_frames,
    parse_value,
)
from songnan_geo.store.db import StaleVersionError
from songnan_geo.text.error_messages import msg

#: The project's copy of the plan's indicator tables.
DEFAULT_INDICATORS_DIR = (Path(__file__).resolve().parent.parent.parent
                          / "data" / "plans" / "fyp14" / "indicators")


def read_baseline_tables(folder: str | Path = DEFAULT_INDICATORS_DIR) -> pd.DataFrame:
    """Tables 1–4 of the plan (13th-FYP targets and results, the plan's words), all text."""
    return pd.read_csv(Path(folder) / "baseline_13th.csv", dtype=str, keep_default_na=False)


def read_plan_indicators(folder: str | Path = DEFAULT_INDICATORS_DIR, *,
                         base_year: int = PLAN_START_YEAR,
                         end_year: int = PLAN_END_YEAR) -> list[Indicator]:
    """The 18 Table 6 indicators, with 2020 baselines where the plan gives one (Tables 1–4 or
    text); another plan's indicator folder with its ``base_year`` and ``end_year``."""
    read = lambda name: pd.read_csv(Path(folder) / name, dtype=str, keep_default_na=False)  # noqa: E731
    return indicators_from_frames(read("table6.csv"), read_baseline_tables(folder),
                                  read("baseline_text.csv"), base_year=base_year,
                                  end_year=end_year)


def indicators_of(plan) -> list[Indicator]:
    """The indicators of a plan (:class:`songnan_geo.plan.registry.Plan`) with its baseline and end
    years; [] for a plan without an indicator table."""
    if plan.indicators_dir is None:
        return []
    return read_plan_indicators(plan.indicators_dir, base_year=plan.baseline_year,
                                end_year=plan.period_end.year)


def read_carrier_figures(folder: str | Path = DEFAULT_INDICATORS_DIR) -> list[PlanFigure]:
    """The plan's 13th-FYP carrier figures (``carrier_figures.csv``: 载体空间, 入驻企业, 单位面积税收,
    亿元楼, 高新技术企业), each with its quote and line in the plan copy. ``folder`` may also be the
    CSV file itself (a plan's ``carrier_figures`` path)."""
    path = Path(folder)
    path = path if path.suffix == ".csv" else path / "carrier_figures.csv"
    d = pd.read_csv(path, dtype=str, keep_default_na=False)
    return [PlanFigure(id=r.id, period=r.period, period_en=r.period_en, year=int(r.year), label_zh=r.label_zh,
                       label_en=r.label_en, value=float(r.value), unit=r.unit,
                       register_field=r.register_field, plan_quote=r.plan_quote,
                       plan_line=int(r.plan_line), note=r.note) for r in d.itertuples()]


# --------------------------------------------------------------------------- the store

#: Kinds of value an editor enters: the year's actual value, or a worded target's reference.
VALUE_KINDS = ("actual", "reference")


def _table_ddl(serial: str) -> str:
    return f"""CREATE TABLE IF NOT EXISTS indicator_values (
        seq {serial},
        indicator_id TEXT NOT NULL, year INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('actual', 'reference')),
        value TEXT NOT NULL, version INTEGER NOT NULL CHECK (version >= 1),
        recorded_at TEXT NOT NULL, username TEXT NOT NULL, note TEXT NOT NULL, source TEXT NOT NULL,
        UNIQUE (indicator_id, year, kind, version))"""


_SQLITE_DDL = [
    _table_ddl("INTEGER PRIMARY KEY AUTOINCREMENT"),
    """CREATE TRIGGER IF NOT EXISTS indicator_values_no_update BEFORE UPDATE ON indicator_values
       BEGIN SELECT RAISE(ABORT, 'indicator_values is append-only: a value row cannot be changed'); END""",
    """CREATE TRIGGER IF NOT EXISTS indicator_values_no_delete BEFORE DELETE ON indicator_values
       BEGIN SELECT RAISE(ABORT, 'indicator_values is append-only: a value row cannot be deleted'); END""",
]
_POSTGRES_DDL = [
    _table_ddl("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    # tracker_refuse() is the tracker store's refusing trigger function
    """CREATE OR REPLACE TRIGGER indicator_values_append_only BEFORE UPDATE OR DELETE ON indicator_values
       FOR EACH ROW EXECUTE FUNCTION tracker_refuse("""
    """'indicator_values is append-only: a value row cannot be changed or deleted')""",
    """CREATE OR REPLACE TRIGGER indicator_values_no_truncate BEFORE TRUNCATE ON indicator_values
       FOR EACH STATEMENT EXECUTE FUNCTION tracker_refuse("""
    """'indicator_values is append-only: it cannot be truncated')""",
]
_VALUE_COLUMNS = ["seq", "indicator_id", "year", "kind", "value", "version", "recorded_at",
                  "username", "note", "source"]


class IndicatorStore:
    """Yearly actual and reference values of the plan indicators, with their full history.

    Lives in the tracker's store (:func:`songnan_geo.store.tracker.open_store`: same database, same
    transactions, same editors). Every entry is a new row (append-only, enforced by triggers);
    the current value of (indicator, year, kind) is its highest version. A write names the
    ``expected_version`` it was based on (0 for a first entry) and is refused with
    :class:`songnan_geo.store.tracker.StaleVersionError` when someone else entered a value meanwhile.
    """

    def __init__(self, tracker, indicators: list[Indicator] | None = None):
        self.tracker = tracker
        self.indicators = {i.id: i for i in (indicators or read_plan_indicators())}
        tracker.ensure_tables("songnan_indicators", _SQLITE_DDL, _POSTGRES_DDL)

    # ---------------------------------------------------------------- reads

    def history(self, indicator_id: str | None = None) -> pd.DataFrame:
        """Every entry (oldest first); ``indicator_id`` to limit to one indicator."""
        sql = "SELECT * FROM indicator_values" + (
            " WHERE indicator_id = :id" if indicator_id else "") + " ORDER BY seq"
        with self.tracker.read() as conn:
            rows = conn.execute(text(sql), {"id": indicator_id}).mappings().all()
        return pd.DataFrame(rows, columns=_VALUE_COLUMNS)

    def current(self, as_of: dt.date | None = None) -> pd.DataFrame:
        """The latest entry of each (indicator, year, kind), as known at the end of ``as_of``
        (Shanghai time; default: now)."""
        h = self.history()
        if as_of is not None:
            end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(),
                                      tzinfo=clock.TZ).astimezone(dt.timezone.utc)
            h = h[h["recorded_at"].map(lambda t: dt.datetime.fromisoformat(t) < end).astype(bool)]
        h = h.sort_values("version").groupby(["indicator_id", "year", "kind"]).tail(1)
        return h.sort_values(["indicator_id", "year", "kind"]).reset_index(drop=True)

    def values(self, as_of: dt.date | None = None) -> tuple[dict, dict]:
        """(actuals, references) for :func:`songnan_geo.plan.indicators.evaluation_table`:
        indicator id → year → tuple of values (actuals) or value (references)."""
        actuals: dict[str, dict[int, tuple[float, ...]]] = {}
        refs: dict[str, dict[int, float]] = {}
        for r in self.current(as_of).itertuples():
            if r.indicator_id not in self.indicators:   # another plan's indicator
                continue
            n = self.indicators[r.indicator_id].target.n_components if r.kind == "actual" else 1
            v = parse_value(r.value, n)
            if r.kind == "actual":
                actuals.setdefault(r.indicator_id, {})[int(r.year)] = v
            else:
                refs.setdefault(r.indicator_id, {})[int(r.year)] = v[0]
        return actuals, refs

    def version(self, indicator_id: str, year: int, kind: str = "actual") -> int:
        """Current version of a value (0 when none was entered yet)."""
        with self.tracker.read() as conn:
            return self._version(conn, indicator_id, year, kind)[0]

    def _version(self, conn, indicator_id, year, kind):
        return self.tracker.latest_version(conn, "indicator_values",
                                           {"indicator_id": indicator_id, "year": year, "kind": kind})

    # ---------------------------------------------------------------- write

    def check_entry(self, indicator_id: str, year, kind: str, value,
                    today: dt.date | None = None) -> tuple[float, ...]:
        """Validate an entry; every problem is collected into one :class:`IndicatorError`."""
        today = today or clock.today()
        problems = []
        ind = self.indicators.get(indicator_id)
        if ind is None:
            raise IndicatorError(msg("ind_unknown_id", id=indicator_id, ids=list(self.indicators)))
        if kind not in VALUE_KINDS:
            problems.append(msg("ind_kind", given=kind))
        elif kind == "reference" and not ind.target.worded:
            problems.append(msg("ind_reference_numeric", name=ind.name, target=ind.target_text))
        if isinstance(year, bool) or not isinstance(year, int) or not (
                ind.base_year < year <= ind.end_year):
            problems.append(msg("ind_year_range", year=year, low=ind.base_year + 1,
                                high=ind.end_year))
        elif year > today.year:
            problems.append(msg("ind_year_future", year=year, this_year=today.year))
        parsed = ()
        try:
            parsed = parse_value(value, ind.target.n_components if kind == "actual" else 1,
                                 name="value")
        except IndicatorError as exc:
            problems.append(exc.message)
        if problems:
            raise IndicatorError(msg("ind_entry_problems", problems=problems))
        return parsed

    def record(self, indicator_id: str, year: int, value: str, *, editor, expected_version: int,
               kind: str = "actual", note: str = "", source: str = "",
               today: dt.date | None = None) -> dict:
        """Enter a value (a new version of indicator/year/kind) in one transaction.

        Parameters
        ----------
        value : str
            ``"87.5"``, or ``"2/5.5"`` for a two-part target (count / 万 m²).
        editor : songnan_geo.auth.Editor
        expected_version : int
            The version the editor saw (:meth:`version`; 0 for a first entry).
        source : str
            Where the figure comes from (统计年鉴, 区下达文件 …), kept in the history.

        Raises
        ------
        songnan_geo.auth.EditorRequiredError, IndicatorError,
        songnan_geo.store.tracker.StaleVersionError
        """
        editor = auth.require_editor(editor)
        values = self.check_entry(indicator_id, year, kind, value, today)
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise TypeError(f"expected_version must be the int version the entry is based on "
                            f"(got {expected_version!r}); read it with version(id, year, kind).")
        stored = "/".join(f"{v:g}" for v in values)
        name = f"{self.indicators[indicator_id].name} {year} {kind}"
        try:
            with self.tracker.write() as conn:
                current, who, when = self._version(conn, indicator_id, year, kind)
                if current != expected_version:
                    raise StaleVersionError(indicator_id, name, expected_version, current, who, when)
                row = dict(indicator_id=indicator_id, year=year, kind=kind, value=stored,
                           version=current + 1, recorded_at=self.tracker.now_iso(),
                           username=editor.username, note=note, source=source)
                conn.execute(text(
                    "INSERT INTO indicator_values (indicator_id, year, kind, value, version, "
                    "recorded_at, username, note, source) VALUES (:indicator_id, :year, :kind, "
                    ":value, :version, :recorded_at, :username, :note, :source)"), row)
                conn.commit_now()
        except IntegrityError:   # another writer took this version first (PostGIS)
            with self.tracker.read() as conn:
                current, who, when = self._version(conn, indicator_id, year, kind)
            raise StaleVersionError(indicator_id, name, expected_version, current, who, when) from None
        return row
