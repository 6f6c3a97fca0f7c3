"""The plan's Table 6 indicators: targets, yearly actual values, and status as of a date.

Pure functions (no disk, no database): the indicator table comes from
``data/plans/fyp14/indicators/table6.csv`` (read by
:func:`songnan_geo.store.indicators.read_plan_indicators`), the actual and reference values from the
indicator store.

Targets (:func:`parse_target`)
    * numeric: ``"≥98%"``, ``"7"``, ``"50"``, ``"6/20"`` (two components: count / area). A bare
      number is a floor when more is better, a ceiling when less is better (``better``);
    * worded, compared with a **reference value an editor enters** for the year:
      ``高于全区平均水平`` (actual > reference), ``完成区下达目标`` / ``完成区下达指标`` (actual ≥
      reference, ≤ when less is better), ``控制在下达的目标数内`` (actual ≤ reference),
      ``稳步增长`` (actual > reference; without an entered reference, the previous year's
      actual — or the 2020 baseline — is the reference).

How a year's actuals are read (``measure``, a column of table6.csv; the project's reading)
    * ``level``: the latest year's value (e.g. 第三产业占比);
    * ``annual``: the latest year's value, each year on its own (e.g. 城镇污水收集处理率);
    * ``cumulative``: the sum of the yearly values 2021…latest year (new items of the period);
    * ``mean_growth``: the compound mean of the yearly growth rates in % 2021…latest year
      (年均增长率).

Status as of a date (:func:`assess`) — the rule
    Only years up to the year of ``as_of`` count; the latest such year ``y`` is assessed.
    The assessment is *final* when ``y`` is 2025 or ``as_of`` is after 2025.

    * ``no_data``: no actual value yet, or a worded target's reference is missing;
    * the target met (by the comparison above) → ``on_track``;
    * not met and final → ``missed``;
    * not met, not final: ``level`` and ``cumulative`` measures follow a **linear path** —
      from the 2020 baseline (Tables 1–4 or the plan's text where the same indicator has a
      numeric figure; 0 for ``cumulative``; otherwise the first entered year's value) to the
      2025 target.
      On or beyond the path's value for ``y`` → ``on_track``, behind it → ``at_risk``.
      ``annual`` and ``mean_growth`` have no path: not met → ``at_risk``.
    * a target of several components (``6/20``) takes the worst component's status.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

import pandas as pd

from songnan_geo.text.error_messages import msg
from songnan_geo.text.messages import LocalisedError

PLAN_START_YEAR = 2020   # the baseline year (end of the 13th FYP)
PLAN_END_YEAR = 2025
STATUSES = ("on_track", "at_risk", "missed", "no_data")
_SEVERITY = {"on_track": 0, "no_data": 1, "at_risk": 2, "missed": 3}
MEASURES = ("level", "annual", "cumulative", "mean_growth")

#: Worded targets: words → (comparison when more is better, when less is better).
WORDED_TARGETS = {
    "高于全区平均水平": (">", "<"),
    "完成区下达目标": (">=", "<="),
    "完成区下达指标": (">=", "<="),
    "控制在下达的目标数内": ("<=", "<="),
    "稳步增长": (">", "<"),
}
_NUMBER = re.compile(r"^(≥|>=|≤|<=|>|<)?\s*(\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)*)\s*%?$")
_OPS = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", ">": ">", "<": "<"}


class IndicatorError(LocalisedError, ValueError):
    """A target or value that cannot be read; the message names it and the accepted forms
    (``str(exc)`` English, ``exc.text("zh")`` Chinese)."""


@dataclass(frozen=True)
class Target:
    """A parsed 2025 target: ``values`` for a numeric one, empty for a worded one."""

    text: str
    op: str                         # one of > >= < <=
    values: tuple[float, ...] = ()  # numeric target components; () when worded
    worded: bool = False

    @property
    def n_components(self) -> int:
        return max(1, len(self.values))

    @property
    def steady_growth(self) -> bool:
        return self.text == "稳步增长"


def parse_target(text: str, better: str = "higher") -> Target:
    """Read a Table 6 target text.

    Parameters
    ----------
    text : str
        The plan's words, e.g. ``"≥98%"``, ``"6/20"``, ``"控制在下达的目标数内"``.
    better : {"higher", "lower"}
        Whether more is better (growth, coverage) or less (pollution, unemployment).
    """
    if better not in ("higher", "lower"):
        raise IndicatorError(msg("ind_better", better=better))
    words = re.sub(r"\s+", "", text or "")
    if words in WORDED_TARGETS:
        up, down = WORDED_TARGETS[words]
        return Target(words, up if better == "higher" else down, (), True)
    m = _NUMBER.match(words)
    if not m:
        raise IndicatorError(msg("ind_target_unknown", text=text, worded=list(WORDED_TARGETS)))
    op = _OPS[m.group(1)] if m.group(1) else (">=" if better == "higher" else "<=")
    return Target(words, op, tuple(float(v) for v in m.group(2).split("/")), False)


def parse_value(text: str, n_components: int = 1, *, name: str = "value") -> tuple[float, ...]:
    """An editor's value: ``"87.5"`` or, for a two-part target, ``"2/5.5"``.

    Raises :class:`IndicatorError` naming ``name``, the text and the expected form.
    """
    parts = [p.strip().rstrip("%") for p in str(text).split("/")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != n_components or not all(math.isfinite(v) for v in values):
        raise IndicatorError(msg("ind_value_unknown", name=name, text=text, n=n_components,
                                 example="/".join(["3"] * n_components)))
    return values


def compare(value: float, op: str, reference: float) -> bool:
    """``value op reference`` for op in > >= < <=."""
    return {">": value > reference, ">=": value >= reference,
            "<": value < reference, "<=": value <= reference}[op]


@dataclass(frozen=True)
class Indicator:
    """One Table 6 row with its parsed target and (where the plan gives one) 2020 baseline."""

    id: str
    seq: int
    category: str
    name: str
    unit: str
    target_text: str
    attribute: str                  # 预期性 / 约束性, "" when the plan copy shows none (待核)
    measure: str
    better: str
    baseline: float | None = None   # 2020 value (Tables 1–4 or the plan text), same measure
    baseline_source: str = ""
    note: str = ""
    #: The plan's baseline year and its last year (the target's year): 2020 and 2025 for the
    #: 14th plan; a later plan's come from its plan.json (:mod:`songnan_geo.plan.registry`).
    base_year: int = PLAN_START_YEAR
    end_year: int = PLAN_END_YEAR
    target: Target = field(init=False)

    def __post_init__(self):
        if self.measure not in MEASURES:
            raise IndicatorError(msg("ind_measure", id=self.id, measure=self.measure,
                                     measures=MEASURES))
        object.__setattr__(self, "target", parse_target(self.target_text, self.better))


def indicators_from_frames(table6: pd.DataFrame, baseline: pd.DataFrame,
                           baseline_text: pd.DataFrame | None = None, *,
                           base_year: int = PLAN_START_YEAR,
                           end_year: int = PLAN_END_YEAR) -> list[Indicator]:
    """Indicators from table6.csv, baseline_13th.csv (Tables 1–4) and baseline_text.csv
    (2020 figures quoted from the plan's text) as read (all columns text); ``base_year`` and
    ``end_year`` are the plan's (``target_2025`` is the column of the target for ``end_year``)."""
    base = {r.table6_seq: (float(r.baseline_value), f"表{r.table} 第{r.seq}项 {r.name}")
            for r in baseline.itertuples() if r.table6_seq and r.baseline_value}
    if baseline_text is not None:
        for r in baseline_text.itertuples():
            if r.table6_seq in base:
                raise IndicatorError(msg("ind_two_baselines", seq=r.table6_seq))
            base[r.table6_seq] = (float(r.baseline_value), r.plan_quote)
    out = []
    for r in table6.itertuples():
        value, source = base.get(r.seq, (None, ""))
        out.append(Indicator(
            id=r.id, seq=int(r.seq), category=r.category, name=r.name, unit=r.unit,
            target_text=r.target_2025, attribute=r.attribute, measure=r.measure, better=r.better,
            baseline=value, baseline_source=source, note=r.note, base_year=base_year,
            end_year=end_year))
    return out


@dataclass(frozen=True)
class Assessment:
    """An indicator's status as of a date (see the module docstring for the rule)."""

    indicator_id: str
    status: str
    year: int | None = None                       # the latest year assessed
    value: tuple[float, ...] | None = None        # the measure's value for that year
    target: tuple[float, ...] | None = None       # numeric target or entered reference
    expected: tuple[float | None, ...] | None = None   # linear path value for that year
    final: bool = False
    reason: str = ""


def _years(ind: Indicator, values: dict[int, tuple[float, ...]], as_of: dt.date) -> list[int]:
    return sorted(y for y in values if ind.base_year < y <= min(as_of.year, ind.end_year))


def measure_value(ind: Indicator, actuals: dict[int, tuple[float, ...]], year: int) -> tuple[float, ...]:
    """The measure of ``ind`` for ``year`` from the yearly ``actuals`` (see the module docstring)."""
    years = [y for y in sorted(actuals) if ind.base_year < y <= year]
    if ind.measure in ("level", "annual"):
        return tuple(actuals[year])
    cols = list(zip(*(actuals[y] for y in years)))
    if ind.measure == "cumulative":
        return tuple(round(sum(c), 9) for c in cols)
    # mean_growth: compound mean of the yearly growth rates (%)
    # (rounded to 1e-9 so that one year's 6 % reads back as 6, not 6.000000000000005)
    return tuple(round((math.prod(1 + v / 100 for v in c) ** (1 / len(c)) - 1) * 100, 9)
                 for c in cols)


def path_value(ind: Indicator, target: tuple[float, ...], actuals: dict[int, tuple[float, ...]],
               year: int) -> tuple[float | None, ...]:
    """The linear path's value for ``year`` (None per component where there is no path)."""
    if ind.measure == "cumulative":
        return tuple(t * (year - ind.base_year) / (ind.end_year - ind.base_year) for t in target)
    if ind.measure != "level":
        return (None,) * len(target)
    if ind.baseline is not None:
        y0, start = ind.base_year, (ind.baseline,) * len(target)
    else:
        y0 = min(y for y in actuals if y > ind.base_year)
        start = actuals[y0]
    if year <= y0:
        return tuple(start)
    frac = (year - y0) / (ind.end_year - y0)
    return tuple(s + (t - s) * frac for s, t in zip(start, target))


def assess(ind: Indicator, actuals: dict[int, tuple[float, ...]],
           references: dict[int, float] | None = None, *, as_of: dt.date) -> Assessment:
    """Status of ``ind`` as of ``as_of``.

    Parameters
    ----------
    actuals : dict
        year → tuple of values (one per target component), as entered by editors.
    references : dict, optional
        year → reference value for a worded target (e.g. the district average), as entered.
    as_of : datetime.date
        Years after ``as_of.year`` are ignored.
    """
    references = references or {}
    years = _years(ind, actuals, as_of)
    if not years:
        return Assessment(ind.id, "no_data", reason="no actual value entered yet")
    year = years[-1]
    final = year == ind.end_year or as_of.year > ind.end_year
    value = measure_value(ind, actuals, year)
    if ind.target.worded:
        ref = references.get(year)
        if ref is None and ind.target.steady_growth:
            prev = [y for y in years if y < year]
            ref = actuals[prev[-1]][0] if prev else ind.baseline
        if ref is None:
            return Assessment(ind.id, "no_data", year, value, final=final,
                              reason=f"reference value for {year} not entered")
        target = (float(ref),)
    else:
        target = ind.target.values
    expected = path_value(ind, target, actuals, year)
    statuses = []
    for v, t, e in zip(value, target, expected):
        if compare(v, ind.target.op, t):
            statuses.append("on_track")
        elif final:
            statuses.append("missed")
        elif e is not None and compare(v, ind.target.op.rstrip("=") + "=", e):
            statuses.append("on_track")
        else:
            statuses.append("at_risk")
    status = max(statuses, key=_SEVERITY.__getitem__)
    return Assessment(ind.id, status, year, value, target, expected, final)


def _fmt(values) -> str:
    if values is None:
        return ""
    return "/".join("" if v is None else f"{v:.4g}" for v in values)


def evaluation_table(indicators: list[Indicator], actuals: dict[str, dict[int, tuple[float, ...]]],
                     references: dict[str, dict[int, float]], *, as_of: dt.date) -> pd.DataFrame:
    """The mid-term evaluation (plan section 十(四)): one row per indicator as of ``as_of``.

    Columns: seq, category, name, unit, target_2025, attribute, baseline_2020, year, value,
    reference_or_target, expected, status, final, reason. Values are formatted text
    (``"/"`` between components).
    """
    rows = []
    for ind in indicators:
        a = assess(ind, actuals.get(ind.id, {}), references.get(ind.id, {}), as_of=as_of)
        rows.append({
            "seq": ind.seq, "category": ind.category, "name": ind.name, "unit": ind.unit,
            "target_2025": ind.target_text, "attribute": ind.attribute or "待核",
            "baseline_2020": "" if ind.baseline is None else f"{ind.baseline:g}",
            "year": a.year, "value": _fmt(a.value), "reference_or_target": _fmt(a.target),
            "expected": _fmt(a.expected) if a.expected and any(e is not None for e in a.expected) else "",
            "status": a.status, "final": a.final, "reason": a.reason})
    return pd.DataFrame(rows)


def path_frame(ind: Indicator, actuals: dict[int, tuple[float, ...]],
               references: dict[int, float] | None = None) -> pd.DataFrame:
    """Long table for a chart of ``ind``: year, component, series (actual/measure/path/target), value."""
    references = references or {}
    rows = []
    years = sorted(y for y in actuals if ind.base_year < y <= ind.end_year)
    for y in years:
        for i, v in enumerate(actuals[y]):
            rows.append({"year": y, "component": i, "series": "actual", "value": v})
        if ind.measure in ("cumulative", "mean_growth"):
            for i, v in enumerate(measure_value(ind, actuals, y)):
                rows.append({"year": y, "component": i, "series": "measure", "value": v})
        if y in references:
            rows.append({"year": y, "component": 0, "series": "reference", "value": references[y]})
    if not ind.target.worded:
        for i, t in enumerate(ind.target.values):
            rows.append({"year": ind.end_year, "component": i, "series": "target", "value": t})
        if ind.measure == "cumulative" or (ind.measure == "level" and (ind.baseline is not None or years)):
            for y in range(ind.base_year, ind.end_year + 1):
                if ind.measure == "level" and ind.baseline is None and y < years[0]:
                    continue
                for i, p in enumerate(path_value(ind, ind.target.values, actuals, y)):
                    rows.append({"year": y, "component": i, "series": "path", "value": p})
    if ind.baseline is not None:
        rows.append({"year": ind.base_year, "component": 0, "series": "actual", "value": ind.baseline})
    return pd.DataFrame(rows, columns=["year", "component", "series", "value"])
