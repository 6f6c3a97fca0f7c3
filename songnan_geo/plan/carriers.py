"""产业载体: the carrier parks per part of 一心三线, against the plan's figures and targets.

Pure functions over GeoDataFrames (no disk, no database). The parks come from the carrier
register (:class:`songnan_geo.store.carriers.CarrierStore`: the ``carrier_parks`` layer with
editors' changes) or straight from the layer; the zones from the ``zones`` layer.

Membership (:func:`park_zones`)
    A park belongs to the zone whose polygon contains its point, the smallest one where
    zones overlap (:func:`songnan_geo.plan.zones.zone_membership`), so every park is counted once
    and the zone rows add up to the town. Zone outlines are drawn estimates (300 m either side
    of the road, see data/geo/README.md) and many park positions are estimates too: a park's
    membership is **uncertain** when its position's accuracy circle (``accuracy_m``) reaches
    the edge of any zone, or when its point lies in two zones.

Figures (:func:`carriers_by_zone`)
    ``floor_area_m2``, ``enterprises``, ``tax_10k_yuan`` (annual tax, 万元) and ``high_tech``
    are per park and may be unknown (NaN/None). A zone's sum counts the parks that have a
    value and says how many (``*_known``); with no park known the sum is NaN, never 0. Tax
    per m² is the zone's tax over the floor area of the parks that have both.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from songnan_geo.coords.crs import require_same_crs, to_town_crs
from songnan_geo.plan.indicators import PLAN_END_YEAR, PLAN_START_YEAR, Indicator, assess
from songnan_geo.plan.zones import containing_zones, zone_membership
from songnan_geo.text.error_messages import msg
from songnan_geo.text.messages import LocalisedError

#: Per-park figures that may be unknown (they need a ``stats_year``); summed per zone over the
#: parks that have them.
FIGURE_FIELDS = ("floor_area_m2", "enterprises", "tax_10k_yuan", "high_tech")
#: Row ids of :func:`carriers_by_zone` besides the zones' own ids.
OUTSIDE, TOWN = "outside", "town"
#: Table 6 rows the carrier targets come from (新增服务载体数量/面积, 高新技术企业数).
NEW_CARRIERS_SEQ, HIGH_TECH_SEQ = 6, 8
M2_PER_10K_M2 = 10_000.0


class CarrierError(LocalisedError, ValueError):
    """Parks, zones or a park record that cannot be used; the message names every problem and
    the fix. ``problems`` lists ``(field, message)`` where a record's fields are at fault.

    ``message`` and the problems' messages are :class:`songnan_geo.text.error_messages.ErrorMessage`
    (code and values): ``str(exc)`` is English, ``exc.text("zh")`` Chinese."""

    def __init__(self, message, problems: list[tuple[str, object]] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])


@dataclass(frozen=True)
class PlanFigure:
    """One carrier figure quoted from the plan (``data/plans/fyp14/indicators/carrier_figures.csv``)."""

    id: str
    period: str            # the plan's words (十三五初期, 十三五末)
    period_en: str
    year: int
    label_zh: str
    label_en: str
    value: float
    unit: str
    register_field: str    # the register's comparable figure (a FIGURE_FIELDS name, tax_per_m2, yiyuan_lou)
    plan_quote: str
    plan_line: int
    note: str = ""


def _figures(parks: pd.DataFrame) -> pd.DataFrame:
    """The parks' figure columns as floats (NaN = unknown); a missing column is all unknown."""
    out = pd.DataFrame(index=parks.index)
    for col in FIGURE_FIELDS:
        out[col] = (pd.to_numeric(parks[col], errors="coerce").astype(float)
                    if col in parks.columns else np.nan)
    return out


def _check(parks: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> None:
    problems = []
    for name, gdf, cols in (("parks", parks, ("id", "accuracy_m")), ("zones", zones, ("id", "kind"))):
        if not isinstance(gdf, gpd.GeoDataFrame):
            problems.append(msg("input_not_gdf", name=name, type=type(gdf).__name__))
            continue
        missing = [c for c in cols if c not in gdf.columns]
        if missing:
            problems.append(msg("input_lacks_columns", name=name, columns=missing,
                                layer=msg(f"layer_hint_{name}")))
    if not problems and len(parks) and not parks.geometry.geom_type.eq("Point").all():
        bad = parks.loc[~parks.geometry.geom_type.eq("Point"), "id"].tolist()
        problems.append(msg("parks_must_be_points", ids=[str(b) for b in bad]))
    if problems:
        raise CarrierError(msg("inputs_problems", problems=problems))


def park_zones(parks: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Zone of every park, and whether that membership is certain.

    Parameters
    ----------
    parks : GeoDataFrame
        Points with ``id`` and ``accuracy_m`` (metres), in the CRS of ``zones``
        (usually EPSG:4326).
    zones : GeoDataFrame
        The ``zones`` layer (polygons with ``id``).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``parks``: ``zone_id`` (None outside every zone), ``zones_containing``
        (all zone ids whose polygon contains the point), ``edge_dist_m`` (metres from the point
        to the nearest zone edge, in the town's metric CRS) and ``uncertain`` (the accuracy
        circle reaches a zone edge, or the point lies in two zones).
    """
    _check(parks, zones)
    require_same_crs(parks, zones, "parks", "zones")
    out = pd.DataFrame({"zone_id": zone_membership(parks, zones)}, index=parks.index)
    if parks.empty:
        return out.assign(zones_containing=[], edge_dist_m=[], uncertain=[])
    p = to_town_crs(parks, "parks").geometry
    z = to_town_crs(zones, "zones")
    edges = z.geometry.boundary.union_all()
    fi, zi = containing_zones(p.to_numpy(), z)
    zid = z["id"].to_numpy()
    containing = [[] for _ in range(len(p))]
    for f, zone in zip(fi, zi):
        containing[f].append(zid[zone])
    out["zones_containing"] = [tuple(c) for c in containing]
    out["edge_dist_m"] = p.distance(edges).to_numpy()
    acc = pd.to_numeric(parks["accuracy_m"], errors="coerce").fillna(np.inf)
    out["uncertain"] = (out["edge_dist_m"] < acc) | (out["zones_containing"].map(len) > 1)
    return out


def _aggregate(rows: pd.DataFrame, figs: pd.DataFrame, yiyuan: pd.Series) -> dict:
    agg = {"parks": len(rows), "parks_uncertain": int(rows["uncertain"].sum()),
           "yiyuan_lou": int(yiyuan.loc[rows.index].sum())}
    f = figs.loc[rows.index]
    for col in FIGURE_FIELDS:
        known = f[col].notna()
        agg[f"{col}_known"] = int(known.sum())
        agg[col] = float(f.loc[known, col].sum()) if known.any() else np.nan
    both = f["tax_10k_yuan"].notna() & f["floor_area_m2"].notna() & (f["floor_area_m2"] > 0)
    agg["tax_per_m2_known"] = int(both.sum())
    agg["tax_per_m2"] = (float(f.loc[both, "tax_10k_yuan"].sum() * M2_PER_10K_M2
                               / f.loc[both, "floor_area_m2"].sum()) if both.any() else np.nan)
    return agg


def carriers_by_zone(parks: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Carrier parks summed per zone of 一心三线, outside them, and for the town.

    Parameters
    ----------
    parks : GeoDataFrame
        Points (CRS of ``zones``) with ``id``, ``accuracy_m`` (m), ``yiyuan_lou`` (bool) and
        optionally ``floor_area_m2`` (m²), ``enterprises``, ``tax_10k_yuan`` (annual tax,
        万元), ``high_tech`` (high-tech enterprises); missing values are unknown.
    zones : GeoDataFrame
        The ``zones`` layer: ``id``, ``kind`` ("centre" or "belt"), polygons.

    Returns
    -------
    pandas.DataFrame
        One row per zone (in the layer's order), then ``outside`` (parks in no zone) and
        ``town`` (all parks). Columns: ``zone_id``, ``kind``, ``parks``, ``parks_uncertain``,
        ``yiyuan_lou`` (count), and for each of floor_area_m2, enterprises, tax_10k_yuan,
        high_tech the sum over parks with a value (NaN when none has one) and ``<name>_known``
        (how many parks have it); ``tax_per_m2`` (元/m²) and ``tax_per_m2_known``.
    """
    rows = park_zones(parks, zones)
    figs = _figures(parks)
    yiyuan = (parks["yiyuan_lou"].fillna(False).astype(bool) if "yiyuan_lou" in parks.columns
              else pd.Series(False, index=parks.index))
    out = []
    for zid, kind in zip(zones["id"], zones["kind"]):
        out.append({"zone_id": zid, "kind": kind,
                    **_aggregate(rows[rows["zone_id"] == zid], figs, yiyuan)})
    out.append({"zone_id": OUTSIDE, "kind": OUTSIDE,
                **_aggregate(rows[rows["zone_id"].isna()], figs, yiyuan)})
    out.append({"zone_id": TOWN, "kind": TOWN, **_aggregate(rows, figs, yiyuan)})
    return pd.DataFrame(out)


def plan_comparison(figures: list[PlanFigure], town: pd.Series) -> pd.DataFrame:
    """The plan's 13th-FYP carrier figures beside the register's town totals.

    Parameters
    ----------
    figures : list of PlanFigure
        From :func:`songnan_geo.store.indicators.read_carrier_figures`.
    town : pandas.Series
        The ``town`` row of :func:`carriers_by_zone`.

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``id``, ``period``, ``period_en``, ``year``, ``label_zh``, ``label_en``,
        ``plan_value``, ``unit``, ``plan_quote``, ``plan_line``, ``register_value`` (in the
        figure's unit: floor area in 万m²; NaN when no park has the figure), ``register_known``
        (parks with the figure) and ``parks`` (parks in the register).
    """
    rows = []
    for f in figures:
        if f.register_field == "yiyuan_lou":
            value, known = float(town["yiyuan_lou"]), int(town["parks"])
        elif f.register_field in FIGURE_FIELDS or f.register_field == "tax_per_m2":
            value, known = float(town[f.register_field]), int(town[f"{f.register_field}_known"])
            if f.register_field == "floor_area_m2" and f.unit == "万平方米":
                value /= M2_PER_10K_M2
        else:
            raise CarrierError(msg("figure_field_unknown", id=f.id, field=f.register_field,
                                   allowed=[*FIGURE_FIELDS, "tax_per_m2", "yiyuan_lou"]))
        rows.append({"id": f.id, "period": f.period, "period_en": f.period_en, "year": f.year,
                     "label_zh": f.label_zh, "label_en": f.label_en, "plan_value": f.value, "unit": f.unit,
                     "plan_quote": f.plan_quote, "plan_line": f.plan_line,
                     "register_value": value, "register_known": known, "parks": int(town["parks"])})
    return pd.DataFrame(rows)


def register_actuals(parks: pd.DataFrame, *, seqs: tuple[int, int] = (NEW_CARRIERS_SEQ, HIGH_TECH_SEQ),
                     start_year: int = PLAN_START_YEAR,
                     end_year: int = PLAN_END_YEAR) -> dict[int, dict[int, tuple[float, ...]]]:
    """Yearly values of the two carrier targets as the register shows them.

    ``seqs`` are the plan's indicator rows for (new carriers, high-tech enterprises) and
    ``start_year``/``end_year`` its baseline year and last year (the 14th plan's by default).

    Returns
    -------
    dict
        Table 6 seq → year → values, as :func:`songnan_geo.plan.indicators.assess` takes them:
        6 (新增服务载体数量/面积): per year 2021–2025, (parks opened that year, their floor area
        in 万m², unknown areas left out); 8 (高新技术企业数): for the latest ``stats_year``, the
        sum of ``high_tech`` over the parks that have it.
    """
    new_seq, high_seq = seqs
    out: dict[int, dict[int, tuple[float, ...]]] = {new_seq: {}, high_seq: {}}
    figs = _figures(parks)
    opened = (pd.to_numeric(parks["opened_year"], errors="coerce") if "opened_year" in parks.columns
              else pd.Series(np.nan, index=parks.index))
    for year in range(start_year + 1, end_year + 1):
        new = opened == year
        if new.any():
            out[new_seq][year] = (
                float(new.sum()), float(figs.loc[new, "floor_area_m2"].fillna(0).sum()) / M2_PER_10K_M2)
    known = figs["high_tech"].notna()
    if known.any() and "stats_year" in parks.columns:
        years = pd.to_numeric(parks.loc[known, "stats_year"], errors="coerce").dropna()
        if len(years):
            out[high_seq][int(years.max())] = (float(figs.loc[known, "high_tech"].sum()),)
    return out


def target_progress(parks: pd.DataFrame, indicators: list[Indicator],
                    entered: dict[str, dict[int, tuple[float, ...]]], *, as_of: dt.date,
                    seqs: tuple[int, int] = (NEW_CARRIERS_SEQ, HIGH_TECH_SEQ),
                    start_year: int = PLAN_START_YEAR, end_year: int = PLAN_END_YEAR) -> pd.DataFrame:
    """Progress towards the 十四五 carrier targets (Table 6 rows 6 and 8), from two sources.

    Parameters
    ----------
    parks : DataFrame
        The carrier register (see :func:`register_actuals` for the columns used).
    indicators : list of Indicator
        The Table 6 indicators (:func:`songnan_geo.store.indicators.read_plan_indicators`).
    entered : dict
        Indicator id → year → values entered on the 规划指标 page
        (:meth:`songnan_geo.store.indicators.IndicatorStore.values`).
    as_of : datetime.date
        Years after ``as_of.year`` are ignored.
    seqs, start_year, end_year
        The plan's indicator rows for (new carriers, high-tech enterprises), its baseline year
        and last year; the 14th plan's (rows 6 and 8, 2020, 2025) by default.

    Returns
    -------
    pandas.DataFrame
        One row per target component and source (``register`` or ``entered``): ``seq``,
        ``role`` (``new`` for the new-carriers row, ``high_tech``), ``indicator_id``, ``name``,
        ``unit``, ``target_text``, ``component`` (0 count, 1 area for the new-carriers row),
        ``target``, ``baseline_2020``, ``source``, ``year``, ``value``, ``share`` (value / target),
        ``status`` (as on the 规划指标 page, for the whole indicator),
        ``expected`` (the linear path's value for ``year``, NaN where none) and
        ``unknown_parks`` (register rows only: parks counted whose figure for this component is
        unknown, so the value is a lower bound).
    """
    by_seq = {i.seq: i for i in indicators}
    new_seq, high_seq = seqs
    missing = [s for s in seqs if s not in by_seq]
    if missing:
        raise CarrierError(msg("indicators_lack_rows", rows=missing))
    reg = register_actuals(parks, seqs=seqs, start_year=start_year, end_year=end_year)
    figs = _figures(parks)
    opened = (pd.to_numeric(parks["opened_year"], errors="coerce") if "opened_year" in parks.columns
              else pd.Series(np.nan, index=parks.index))
    new = opened.between(start_year + 1, min(as_of.year, end_year))
    unknown = {(new_seq, 0): 0,
               (new_seq, 1): int(figs.loc[new, "floor_area_m2"].isna().sum()),
               (high_seq, 0): int(figs["high_tech"].isna().sum())}
    rows = []
    for seq, role in zip(seqs, ("new", "high_tech")):
        ind = by_seq[seq]
        for source, actuals in (("register", reg[seq]), ("entered", entered.get(ind.id, {}))):
            a = assess(ind, actuals, as_of=as_of)
            for comp, target in enumerate(ind.target.values):
                value = None if a.value is None else a.value[comp]
                expected = None if a.expected is None else a.expected[comp]
                rows.append({
                    "seq": seq, "role": role, "indicator_id": ind.id, "name": ind.name, "unit": ind.unit,
                    "target_text": ind.target_text, "component": comp, "target": target,
                    "baseline_2020": ind.baseline if ind.baseline is not None else np.nan,
                    "source": source, "year": a.year,
                    "value": np.nan if value is None else value,
                    "share": np.nan if value is None else value / target,
                    "status": a.status,
                    "expected": np.nan if expected is None else expected,
                    "unknown_parks": unknown[(seq, comp)] if source == "register" else 0})
    return pd.DataFrame(rows)


def plan_target_progress(plan, parks: pd.DataFrame, indicators: list[Indicator],
                         entered: dict[str, dict[int, tuple[float, ...]]], *,
                         as_of: dt.date) -> pd.DataFrame | None:
    """:func:`target_progress` for a plan (:class:`songnan_geo.plan.registry.Plan`): its
    ``carrier_indicator_seqs`` (new carriers, high-tech enterprises), baseline year and last year.

    Returns None when the plan names no carrier targets (the page says so in words); raises
    :class:`CarrierError` when it names other than two rows or rows its indicators lack."""
    seqs = tuple(plan.carrier_indicator_seqs)
    if not seqs:
        return None
    if len(seqs) != 2:
        raise CarrierError(msg("carrier_seqs_not_two", plan=plan.id, seqs=list(seqs)))
    return target_progress(parks, indicators, entered, as_of=as_of, seqs=seqs,
                           start_year=plan.baseline_year, end_year=plan.period_end.year)


#: States of a park counted as the pipeline (under construction or planned).
PIPELINE_STATES = ("在建", "规划")
#: A park record's text fields an editor fills in (besides its state and figures).
TEXT_FIELDS = ("name", "name_en", "address", "theme", "source", "note", "change_note")
#: The numbers an editor may leave empty: the figures and the years they are for.
OPTIONAL_NUMBERS = (*FIGURE_FIELDS, "stats_year", "opened_year")
DEFAULT_ACCURACY_M = 50.0


def pipeline_count(parks: pd.DataFrame) -> int:
    """How many parks are under construction or planned (:data:`PIPELINE_STATES`)."""
    return int(parks["state"].isin(PIPELINE_STATES).sum())


def form_values(record: dict | None, first_state: str,
                pending_lonlat: tuple[float, float] | None = None) -> dict:
    """The values an edit form starts from: a park's ``record`` (a register row as a dict), or for
    a new park (``record`` None) empty fields, ``first_state``, estimated, ``DEFAULT_ACCURACY_M``
    and the clicked position ``pending_lonlat`` (WGS84 lon, lat; None: empty). Unknown numbers
    (None, NaN) are None. Keys: :data:`TEXT_FIELDS`, ``state``, ``yiyuan_lou``, ``estimated``,
    ``accuracy_m``, :data:`OPTIONAL_NUMBERS`, ``lon``, ``lat``."""
    new = record is None
    rec = record or {}
    values: dict = {field: rec.get(field) or "" for field in TEXT_FIELDS}
    values.update(state=rec.get("state") or first_state, yiyuan_lou=bool(rec.get("yiyuan_lou", False)),
                  estimated=bool(rec.get("estimated", new)),
                  accuracy_m=float(rec.get("accuracy_m", DEFAULT_ACCURACY_M)))
    for field in OPTIONAL_NUMBERS:
        v = rec.get(field)
        values[field] = None if v is None or v != v else v
    values["lon"], values["lat"] = ((float(rec["lon"]), float(rec["lat"])) if not new
                                    else pending_lonlat or (None, None))
    return values
