"""The final evaluation (终期评估) of a plan, as data: sections, tables and sentences, no I/O.

:func:`build_evaluation` takes what the stores and layers hold (read by
:func:`songnan_geo.reports.evaluation.evaluation_for`) and returns an :class:`Evaluation` whose
sections follow a 规划实施评估 report: overall assessment, indicators, key parcels and projects,
spatial layout (一心三线), public services (life circle), problems and suggestions.

The rules (shown in the report):

* **Indicators** — the value entered for the plan's last year (2025 for the 14th plan), as
  measured (:mod:`songnan_geo.plan.indicators`: level, annual, cumulative, mean growth), against the
  target: 完成 (achieved) / 未完成 (not achieved) / 无数据 (no value for that year, or a worded
  target's reference missing). Nothing is estimated or filled in.
* **Parcels and projects** — met the plan's target (:func:`songnan_geo.plan.workflow.Target`) by its
  deadline → 完成; met later (by the as-of date) → 逾期完成; not met → 未完成; no target → 无目标.
* **Carrier targets** (the indicator rows of ``carrier_indicator_seqs``) — the register's count
  by opening year and the values entered, each against the target for the last year.
* **Life circle** — the population share within a facility type's radius against the city's
  target (an adapter supplies the rows: :func:`songnan_geo.reports.evaluation.life_circle_rows`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from songnan_geo import clock
from songnan_geo.plan import registry as plans, workflow
from songnan_geo.plan.indicators import Indicator, assess
from songnan_geo.text.glossary import glossed
from songnan_geo.text.i18n import t, value_label

#: Sections in report order.
SECTIONS = ("overall", "indicators", "parcels_projects", "spatial", "public_services", "problems")
#: Results of one row, in the order counts are given.
RESULTS = ("done", "done_late", "not_done", "no_data", "no_target")
#: The planners' texts: overall assessment, problems, suggestions.
TEXT_PARTS = ("overall", "problems", "suggestions")
_OPS = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}


@dataclass(frozen=True)
class Table:
    """A table of a section: ``frame`` has the columns named in the report's language."""

    key: str
    title: str
    frame: pd.DataFrame
    note: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class PlannerText:
    """One planners' text as last saved: the text, who, when (ISO UTC) and its version."""

    part: str
    text: str
    username: str
    recorded_at: str
    version: int


@dataclass(frozen=True)
class Evaluation:
    plan_id: str
    lang: str
    title: str
    subtitle: str
    as_of: dt.date
    sections: tuple[Section, ...]
    #: The counts behind the overall assessment (``indicators``, ``items``, ``carriers``, ``life``:
    #: result → count), for notes and tests.
    figures: dict = field(default_factory=dict)
    #: Every parcel and project with its result (:func:`item_results`, unlabelled columns).
    items: pd.DataFrame | None = field(default=None, compare=False)
    #: A map of the parcels by result (PNG), added by the report module when it can draw one.
    map_png: bytes | None = field(default=None, compare=False)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def result_label(result: str, lang: str) -> str:
    return t(f"ev_result_{result}", lang)


def _fmt(values) -> str:
    if values is None:
        return ""
    return "/".join("" if v is None else f"{v:.4g}" for v in values)


def _labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = frame.copy()
    if "result" in out.columns:
        out["result"] = [result_label(r, lang) for r in out["result"]]
    return out.rename(columns={c: t(f"ev_col_{c}", lang) for c in out.columns})


# --------------------------------------------------------------------------- indicators

def indicator_rule(ind: Indicator, lang: str) -> str:
    """The rule an indicator is judged by, e.g. '2025 年值 ≥ 98' or 'sum 2021–2025 ≥ 6/20'."""
    year, start = ind.end_year, ind.base_year + 1
    op = _OPS[ind.target.op]
    if ind.target.worded:
        target = t("ev_rule_reference", lang).format(year=year, words=ind.target_text)
        if ind.target.steady_growth:
            target += " / " + t("ev_rule_previous", lang)
    else:
        target = "/".join(f"{v:g}" for v in ind.target.values)
    return t(f"ev_rule_{ind.measure}", lang).format(year=year, start=start, op=op, target=target)


def indicator_results(indicators: list[Indicator], actuals: dict, refs: dict,
                      lang: str) -> pd.DataFrame:
    """One row per indicator: the value of its plan's last year against the target.

    Columns (unlabelled): ``seq``, ``category``, ``name``, ``unit``, ``target``, ``attribute``,
    ``year``, ``value``, ``reference``, ``rule``, ``result`` (done / not_done / no_data),
    ``note``."""
    rows = []
    for ind in indicators:
        end = ind.end_year
        a = assess(ind, actuals.get(ind.id, {}), refs.get(ind.id, {}), as_of=dt.date(end, 12, 31))
        note = ""
        if a.year != end:
            result = "no_data"
            note = (t("ev_note_latest", lang).format(latest=a.year, year=end) if a.year
                    else t("ev_note_no_value", lang).format(year=end))
        elif a.status == "no_data":
            result, note = "no_data", t("ev_note_no_reference", lang).format(year=end)
        else:
            result = "done" if a.status == "on_track" else "not_done"
        rows.append({"seq": ind.seq, "category": glossed(ind.category, lang),
                     "name": glossed(ind.name, lang), "unit": glossed(ind.unit, lang),
                     "target": glossed(ind.target_text, lang),
                     "attribute": value_label(ind.attribute, lang),
                     "year": end, "value": _fmt(a.value) if a.year == end else "",
                     "reference": _fmt(a.target) if ind.target.worded and a.year == end else "",
                     "rule": indicator_rule(ind, lang), "result": result, "note": note})
    return pd.DataFrame(rows, columns=["seq", "category", "name", "unit", "target", "attribute",
                                       "year", "value", "reference", "rule", "result", "note"])


def carrier_results(progress: pd.DataFrame | None, end_year: int, lang: str) -> pd.DataFrame:
    """The carrier targets from :func:`songnan_geo.plan.carriers.target_progress` (as of the period's
    end): one row per indicator, component and source, with the result for ``end_year``."""
    cols = ["seq", "name", "component", "target", "source", "year", "value", "result"]
    if progress is None or progress.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for r in progress.itertuples(index=False):
        year = None if pd.isna(r.year) else int(r.year)
        if year != end_year or pd.isna(r.value):
            result = "no_data"
        else:
            result = "done" if r.value >= r.target else "not_done"
        rows.append({"seq": int(r.seq), "name": r.name, "component": f"{r.unit.split('/')[r.component]}"
                     if "/" in r.unit else r.unit, "target": f"{r.target:g}",
                     "source": t(f"ev_src_{r.source}", lang), "year": year or "",
                     "value": "" if pd.isna(r.value) else f"{r.value:.4g}", "result": result})
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- parcels and projects

def _history_text(h: pd.DataFrame) -> str:
    h = h.assign(start_d=h["effective_date"].map(workflow.parse_period)).sort_values(
        ["start_d", "version"])
    return "；".join(f"{r.effective_date} {r.to_status}" for r in h.itertuples())


def item_results(items: pd.DataFrame, history: pd.DataFrame, plan: plans.Plan, as_of: dt.date,
                 lang: str) -> pd.DataFrame:
    """Every parcel and project with the plan's target, its status at the period's end and on
    ``as_of``, the result and its history.

    Columns (unlabelled): ``id``, ``group`` (parcel / fyp14 / table5 key), ``name``,
    ``plan_target``, ``reading``, ``deadline``, ``status_end``, ``status_now``, ``done_on``,
    ``lateness``, ``result``, ``history``, ``estimated``."""
    items = plans.with_plan_targets(items, plan)
    end = min(as_of, plan.period_end)
    met_end = workflow.target_met_since(items, history, end)
    met_now = workflow.target_met_since(items, history, as_of)
    by_item = {k: g for k, g in history.groupby("item_id")}
    rows = []
    for it in items.to_dict("records"):
        h = by_item.get(it["id"], history.iloc[0:0])
        target = it["target_status"]
        due = workflow.parse_period(it["plan_deadline"], end=True) if it["plan_deadline"] else None
        done_on = met_end.get(it["id"]) or met_now.get(it["id"])
        if not target or due is None:
            result = "no_target"
        elif done_on is not None and done_on <= due:
            result = "done"
        elif done_on is not None:
            result = "done_late"
        else:
            result = "not_done"
        late = plans.lateness(it["plan_deadline"], done_on, as_of) if target else None
        name = it["name"] if lang != "en" or not it.get("name_en") else f"{it['name_en']} ({it['name']})"
        reading = "" if not target else t("tr_target_pass" if it["target_rule"] == "pass"
                                          else "tr_target_reach", lang).format(status=target)
        estimated = bool(it.get("estimated") is True or it.get("status_estimated") is True)
        rows.append({"id": it["id"], "group": it["grp"], "name": name,
                     "plan_target": it["plan_target"] or "", "reading": reading,
                     "deadline": it["plan_deadline"] or "",
                     "status_end": value_label(workflow.status_on(h, end)[0] or "", lang),
                     "status_now": value_label(workflow.status_on(h, as_of)[0] or "", lang),
                     "done_on": done_on.isoformat() if done_on else "",
                     "lateness": plans.lateness_text(late, done_on, lang),
                     "result": result, "history": _history_text(h) if len(h) else "",
                     "estimated": estimated})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- spatial, life circle

def zone_results(plan: plans.Plan, zones: pd.DataFrame | None, items: pd.DataFrame,
                 results: pd.DataFrame, zone_carriers: pd.DataFrame | None,
                 lang: str) -> pd.DataFrame:
    """One row per zone the plan names: its role (the plan's words), the parcels with a target
    there and how many were achieved, and the carrier parks registered in it."""
    cols = ["zone", "role", "parcels", "parcels_done", "parks", "floor_area"]
    if zones is None:
        return pd.DataFrame(columns=cols)
    zmap = zones.set_index("id")
    res = results.set_index("id")
    parcel_zone = items.set_index("id")["zone_id"] if "zone_id" in items.columns else pd.Series(dtype=object)
    carriers = zone_carriers.set_index("zone_id") if zone_carriers is not None else None
    rows = []
    for zid in plan.zone_ids:
        if zid not in zmap.index:
            continue
        z = zmap.loc[zid]
        in_zone = [i for i, zz in parcel_zone.items() if zz == zid and i in res.index
                   and res.at[i, "result"] != "no_target"]
        done = sum(res.at[i, "result"] in ("done", "done_late") for i in in_zone)
        parks = area = ""
        if carriers is not None and zid in carriers.index:
            parks = int(carriers.at[zid, "parks"])
            a = carriers.at[zid, "floor_area_m2"]
            area = "" if pd.isna(a) else f"{a / 1e4:.2f}"
        name = z.get("name_en") if lang == "en" and isinstance(z.get("name_en"), str) else z["name"]
        rows.append({"zone": name, "role": z.get("role_quote") or "", "parcels": len(in_zone),
                     "parcels_done": done, "parks": parks, "floor_area": area})
    return pd.DataFrame(rows, columns=cols)


def life_results(rows: pd.DataFrame | None) -> pd.DataFrame:
    """Life-circle rows (``facility_type``, ``radius``, ``facilities``, ``covered_share``,
    ``target_share``) with the result: covered share ≥ target → done, else not_done."""
    cols = ["facility_type", "radius", "facilities", "covered", "city_target", "result"]
    if rows is None or rows.empty:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame({
        "facility_type": rows["facility_type"], "radius": rows["radius_m"].map("{:g}".format),
        "facilities": rows["facilities"], "covered": rows["covered_share"].map("{:.1%}".format),
        "city_target": rows["target_share"].map("{:.0%}".format),
        "result": ["done" if c >= s else "not_done"
                   for c, s in zip(rows["covered_share"], rows["target_share"])]})[cols]


# --------------------------------------------------------------------------- the whole evaluation

def _counts(results) -> dict[str, int]:
    s = pd.Series(list(results), dtype=object)
    return {r: int((s == r).sum()) for r in RESULTS}


def _planner_paragraphs(texts: dict, parts, lang: str) -> list[str]:
    out = []
    for part in parts:
        pt = texts.get(part)
        head = t(f"ev_planner_{part}", lang)
        if pt is None or not pt.text.strip():
            out.append(f"{head}：{t('ev_not_written', lang)}" if lang == "zh"
                       else f"{head}: {t('ev_not_written', lang)}")
        else:
            when = clock.local(dt.datetime.fromisoformat(pt.recorded_at)).strftime("%Y-%m-%d %H:%M")
            by = t("ev_written_by", lang).format(user=pt.username, when=when, version=pt.version)
            out.append(f"{head}（{by}）：" if lang == "zh" else f"{head} ({by}):")
            out.extend(p for p in pt.text.splitlines() if p.strip())
    return out


def build_evaluation(plan: plans.Plan, *, lang: str, as_of: dt.date, generated: str,
                     indicators: list[Indicator], actuals: dict, refs: dict,
                     items: pd.DataFrame, history: pd.DataFrame,
                     carrier_progress: pd.DataFrame | None = None,
                     zones: pd.DataFrame | None = None, zone_carriers: pd.DataFrame | None = None,
                     life_circle: pd.DataFrame | None = None,
                     city_target_title: str = "",
                     texts: dict[str, PlannerText] | None = None,
                     seed_user: str | None = None) -> Evaluation:
    """The final evaluation of ``plan`` as of ``as_of`` (usually the period's end or today).

    Parameters
    ----------
    indicators, actuals, refs
        The plan's indicators and the values entered (:meth:`IndicatorStore.values`).
    items, history
        The tracker's items and history (:meth:`TrackerStore.items`, ``history``).
    carrier_progress
        :func:`songnan_geo.plan.carriers.target_progress` as of the period's end (optional).
    zones, zone_carriers
        The zones layer's attributes (``id``, ``name``, ``name_en``, ``role_quote``) and
        :func:`songnan_geo.plan.carriers.carriers_by_zone` (optional).
    life_circle
        Rows of :func:`songnan_geo.reports.evaluation.life_circle_rows` (optional).
    texts
        The planners' texts by part (:data:`TEXT_PARTS`).
    seed_user
        The username of the store's seed rows (the plan's own statuses): items whose history
        has no other entry are counted as "no progress recorded".
    generated
        When the report was made (Shanghai time, text).
    """
    texts = texts or {}
    end_year = plan.period_end.year
    ind = indicator_results(indicators, actuals, refs, lang)
    car = carrier_results(carrier_progress, end_year, lang)
    itm = item_results(items, history, plan, as_of, lang)
    zon = zone_results(plan, zones, items, itm, zone_carriers, lang)
    life = life_results(life_circle)
    ind_counts = _counts(ind["result"])
    targeted = itm[itm["result"] != "no_target"]
    item_counts = _counts(targeted["result"])
    life_counts = _counts(life["result"])
    fmt = dict(name=plan.name(lang), start=plan.period_start.isoformat(),
               end=plan.period_end.isoformat(), as_of=as_of.isoformat(), generated=generated)

    overall = [t("ev_overall_indicators", lang).format(total=len(ind), done=ind_counts["done"],
                                                       not_done=ind_counts["not_done"],
                                                       no_data=ind_counts["no_data"])]
    if ind_counts["no_data"]:
        overall.append(t("ev_overall_no_values", lang).format(no_data=ind_counts["no_data"],
                                                              year=end_year))
    overall.append(t("ev_overall_items", lang).format(total=len(targeted), as_of=as_of.isoformat(),
                                                      **{k: item_counts[k] for k in
                                                         ("done", "done_late", "not_done")}))
    if targeted["estimated"].any():
        overall.append(t("ev_overall_items_estimated", lang))
    if seed_user is not None:
        recorded = set(history.loc[history["username"] != seed_user, "item_id"])
        unrecorded = int((targeted["result"].eq("not_done") & ~targeted["id"].isin(recorded)).sum())
        if unrecorded:
            overall.append(t("ev_overall_items_unrecorded", lang).format(n=unrecorded))
    if len(life):
        overall.append(t("ev_overall_life", lang).format(
            n=len(life), met=life_counts["done"], target=life["city_target"].iloc[0],
            target_title=city_target_title))
    overall += _planner_paragraphs(texts, ["overall"], lang)

    def items_table(group_keys, key):
        rows = itm[itm["group"].isin(group_keys)].assign(
            group=lambda d: d["group"].map(lambda g: t(f"ev_grp_{g}", lang)),
            estimated=lambda d: d["estimated"].map(lambda e: "✓" if e else ""))
        return Table(key, t(f"ev_tbl_{key}", lang),
                     _labelled(rows.drop(columns=["id"]), lang),
                     t("ev_table5_note", lang) if "table5" in group_keys else "")

    sections = (
        Section("overall", t("ev_sec_overall", lang), tuple(overall)),
        Section("indicators", t("ev_sec_indicators", lang), (), (
            Table("indicators", t("ev_tbl_indicators", lang), _labelled(ind, lang)),
            Table("carriers", t("ev_tbl_carriers", lang), _labelled(car, lang),
                  t("ev_carrier_note", lang)))),
        Section("parcels_projects", t("ev_sec_parcels_projects", lang), (), (
            items_table(["parcel"], "parcels"), items_table(["fyp14", "table5"], "projects"))),
        Section("spatial", t("ev_sec_spatial", lang), (), (
            Table("zones", t("ev_tbl_zones", lang), _labelled(zon, lang), t("ev_zones_note", lang)),)),
        Section("public_services", t("ev_sec_public_services", lang), (), (
            Table("life", t("ev_tbl_life", lang), _labelled(life, lang), t("ev_life_note", lang)),)),
        Section("problems", t("ev_sec_problems", lang),
                tuple(_planner_paragraphs(texts, ["problems", "suggestions"], lang))),
    )
    return Evaluation(plan_id=plan.id, lang=lang, title=t("ev_title", lang).format(**fmt),
                      subtitle=t("ev_subtitle", lang).format(**fmt), as_of=as_of,
                      sections=sections, items=itm,
                      figures={"indicators": ind_counts, "items": item_counts,
                               "carriers": _counts(car["result"]), "life": life_counts})
