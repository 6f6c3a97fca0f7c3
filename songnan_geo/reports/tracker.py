"""What the tracker page shows: labelled tables, the timeline, the Gantt chart and table exports.

Pure functions over the frames :class:`songnan_geo.store.tracker.TrackerStore` returns (no database,
no streamlit). Colours: parcels use the manifest's palette for ``status`` (the map's colours),
projects :data:`PROJECT_PALETTE`.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from songnan_geo.layers import spreadsheet
from songnan_geo.plan import registry as plans, workflow
from songnan_geo.store.tracker import SEED_USER, format_time
from songnan_geo.text import i18n

if TYPE_CHECKING:   # altair is imported where a chart is made: the overview map needs none
    import altair as alt

#: Colours of the project statuses (grey for the pause, greens as work completes).
PROJECT_PALETTE = {"谋划": "#9e9ac8", "前期准备": "#6baed6", "建设中": "#fd8d3c",
                   "基本完成": "#74c476", "已完成": "#238b45", workflow.PAUSED: "#bdbdbd"}

#: Plan periods for the Gantt chart: the 14th FYP (the tracker's targets) and the 13th (Table 5).
PLAN_PERIOD = (dt.date(2021, 1, 1), dt.date(2025, 12, 31))
TABLE5_PERIOD = (dt.date(2013, 1, 1), dt.date(2020, 12, 31))

#: Colours of the schedule states (for the table's badge column and the chart's markers).
SCHEDULE_COLORS = {"reached": "#238b45", "on_track": "#3182bd", "due_soon": "#e6a100",
                   "overdue": "#d62728", "no_target": "#888888", "no_data": "#bbbbbb"}


def status_palette(workflow_name: str, manifest: dict) -> dict[str, str]:
    """Status → colour: the parcels layer's map palette, or :data:`PROJECT_PALETTE`."""
    if workflow_name == "parcel":
        return dict(manifest["layers"]["parcels"]["palette"])
    return dict(PROJECT_PALETTE)


def item_name(row, lang: str) -> str:
    """Display name of an item row (English name first in English, when there is one)."""
    name_en = getattr(row, "name_en", None) if not isinstance(row, dict) else row.get("name_en")
    name = row["name"] if isinstance(row, dict) else row.name
    if lang == "en" and isinstance(name_en, str) and name_en:
        return f"{name_en} ({name})"
    return name


def user_label(username: str, lang: str) -> str:
    return i18n.t("tr_seed_user", lang) if username == SEED_USER else username


def target_text(target_status: str | None, target_rule: str | None, lang: str) -> str:
    """The tool's reading of a plan target, e.g. '达到「已出让」' or '完成「规划调整/编制」阶段'."""
    if not target_status:
        return "—"
    key = "tr_target_pass" if target_rule == "pass" else "tr_target_reach"
    return i18n.t(key, lang).format(status=target_status)


def schedule_label(state: str, lang: str) -> str:
    return i18n.t(f"tr_sched_{state}", lang)


def items_table(items: pd.DataFrame, history: pd.DataFrame, as_of: dt.date, lang: str,
                due_soon_days: int = workflow.DUE_SOON_DAYS, plan: plans.Plan | None = None,
                ) -> pd.DataFrame:
    """One row per item with its status on ``as_of`` and the schedule state (unlabelled keys).

    Columns: ``id``, ``name``, ``grp``, ``category``, ``status`` (current), ``status_date``,
    ``status_on_date``, ``plan_target``, ``target``, ``plan_deadline``, ``schedule`` (key),
    ``schedule_label``, ``done_on`` (when the target was met, ISO date), ``late_days`` (days
    past the deadline on ``as_of``, unfinished items), ``lateness`` (the two in words),
    ``version``, ``updated_by``, ``updated_at`` (Shanghai time), plus ``investment_wan``,
    ``start``, ``finish``, ``plan_state`` for Table 5 projects and ``estimated`` (status or
    outline estimated). With ``plan``, the targets and deadlines are that plan's
    (:func:`songnan_geo.plan.registry.with_plan_targets`); else the store's (the 14th plan's).
    """
    if plan is not None:
        items = plans.with_plan_targets(items, plan)
    tab = workflow.schedule_table(items, history, as_of, due_soon_days)
    done = workflow.target_met_since(tab, history, as_of)
    late = [plans.lateness(d, done.get(i), as_of) if s in ("reached", "overdue") else None
            for i, d, s in zip(tab["id"], tab["plan_deadline"], tab["schedule"])]
    out = pd.DataFrame({
        "id": tab["id"],
        "name": [item_name(r, lang) for r in tab.to_dict("records")],
        "grp": tab["grp"],
        "category": tab["category"],
        "status": tab["status"],
        "status_date": tab["status_date"],
        "status_on_date": tab["status_on_date"],
        "plan_target": tab["plan_target"],
        "target": [target_text(s, r, lang) for s, r in zip(tab["target_status"], tab["target_rule"])],
        "plan_deadline": tab["plan_deadline"],
        "schedule": tab["schedule"],
        "schedule_label": [schedule_label(s, lang) for s in tab["schedule"]],
        "done_on": [done[i].isoformat() if i in done else None for i in tab["id"]],
        "late_days": pd.array([k[1] if k and k[0] == "late" else None for k in late], dtype="Int64"),
        "lateness": [plans.lateness_text(k, done.get(i), lang) or None for k, i in zip(late, tab["id"])],
        "version": tab["version"],
        "updated_by": [user_label(u, lang) for u in tab["updated_by"]],
        "updated_at": tab["updated_at"].map(format_time),
    }, index=tab.index)
    for col in ("investment_wan", "start", "finish", "plan_state"):
        if col in tab.columns:
            out[col] = tab[col]
    est = pd.Series(False, index=tab.index)
    for col in ("estimated", "status_estimated"):
        if col in tab.columns:
            est = est | tab[col].fillna(False).astype(bool)
    out["estimated"] = est
    return out.reset_index(drop=True)


def project_groups(table: pd.DataFrame, plan: plans.Plan) -> list[str]:
    """The project lists (``grp``) of :func:`items_table`'s rows, the chosen ``plan``'s own
    first (``fyp14`` for the 14th plan, a later plan's id for the projects it brought), then the
    other plans' lists, Table 5 last."""
    present = set(table.loc[table["grp"] != "parcel", "grp"])
    return sorted(present, key=lambda g: (g != plan.id, g == "table5", g))


def group_label(grp: str, lang: str) -> str:
    """A project list's name: the 14th plan's, Table 5, or 'New projects of <plan>'."""
    if grp in ("fyp14", "table5"):
        return i18n.t(f"tr_grp_{grp}", lang)
    try:
        name = plans.load_plan(grp).name(lang)
    except plans.PlanError:
        name = grp
    return i18n.t("tr_grp_plan", lang).format(name=name)


#: Columns whose values are statuses (shown with their English term in English).
STATUS_COLUMNS = ("status", "status_on_date")


def labelled(table: pd.DataFrame, columns: list[str], lang: str) -> pd.DataFrame:
    """``table[columns]`` with the columns named in ``lang`` (``tr_col_<name>`` keys) and, in
    English, statuses with their English term (:func:`songnan_geo.text.i18n.value_label`)."""
    out = table[columns].copy()
    for col in STATUS_COLUMNS:
        if col in out.columns:
            out[col] = out[col].map(lambda v: i18n.value_label(v, lang))
    return out.rename(columns={c: i18n.t(f"tr_col_{c}", lang) for c in columns})


def timeline_table(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One item's history, newest first: date, from → to, who, note, document, correction."""
    out = _history_rows(history.sort_values("version", ascending=False), lang)
    return labelled(out, list(out.columns), lang)


def history_table(history: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    """Every item's history (item by item, oldest first), with the item's id and name."""
    h = history.sort_values(["item_id", "version"])
    out = _history_rows(h, lang)
    out.insert(0, "name", h["item_id"].map(names).tolist())
    out.insert(0, "id", h["item_id"].tolist())
    return labelled(out, list(out.columns), lang)


def _history_rows(h: pd.DataFrame, lang: str) -> pd.DataFrame:
    arrow = [f"{f or '—'} → {t_}" for f, t_ in zip(h["from_status"], h["to_status"])]
    out = pd.DataFrame({
        "effective_date": h["effective_date"],
        "change": arrow,
        "username": [user_label(u, lang) for u in h["username"]],
        "note": h["note"],
        "doc_no": h["doc_no"].replace("", "—"),
        "correction": [r if c else "" for c, r in zip(h["is_correction"], h["correction_reason"])],
        "version": h["version"],
        "recorded_at": h["recorded_at"].map(format_time),
    })
    return out.reset_index(drop=True)


def gantt_chart(segments: pd.DataFrame, items: pd.DataFrame, palette: dict[str, str], lang: str,
                period: tuple[dt.date, dt.date] = PLAN_PERIOD, as_of: dt.date | None = None,
                ) -> alt.Chart:
    """Status periods of each item as bars over ``period``, with deadlines and the as-of date.

    Parameters
    ----------
    segments : DataFrame
        From :func:`songnan_geo.plan.workflow.timeline_segments` (``item_id``, ``status``,
        ``start``, ``end``).
    items : DataFrame
        ``id``, ``name`` (display name) and ``plan_deadline`` of the items to draw (row order
        is the chart's order).
    palette : dict
        Status → colour (see :func:`status_palette`).
    period : (date, date)
        The plan period. The x-axis spans it and, when ``as_of`` lies outside it, reaches
        ``as_of`` too (the period's end is then drawn as a solid rule); bars are clipped to the
        axis.
    as_of : date, optional
        Drawn as a dashed vertical rule, always within the axis.
    """
    import altair as alt  # noqa: PLC0415 (lazy: not needed for the first map)

    lo, hi = period
    period_end = hi
    if as_of is not None:
        lo, hi = min(lo, as_of), max(hi, as_of)
    names = dict(zip(items["id"], items["name"]))
    seg = segments[segments["item_id"].isin(names)].copy()
    seg["start"] = seg["start"].map(lambda d: max(d, lo))
    seg["end"] = seg["end"].map(lambda d: min(d, hi))
    seg = seg[seg["end"] > seg["start"]]
    seg["item"] = seg["item_id"].map(names)
    seg["start"] = pd.to_datetime(seg["start"])
    seg["end"] = pd.to_datetime(seg["end"])
    order = [names[i] for i in items["id"]]
    y = alt.Y("item:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False))
    x_scale = alt.Scale(domain=[pd.Timestamp(lo).isoformat(), pd.Timestamp(hi).isoformat()])
    statuses = [s for s in palette if s in set(seg["status"])] or list(palette)
    color = alt.Color("status:N", title=i18n.t("tr_col_status", lang),
                      scale=alt.Scale(domain=statuses, range=[palette[s] for s in statuses]))
    bars = alt.Chart(seg).mark_bar(height=14).encode(
        x=alt.X("start:T", scale=x_scale, title=None,
                axis=alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1})),
        x2="end:T", y=y, color=color,
        tooltip=[alt.Tooltip("item:N", title=i18n.t("tr_col_name", lang)),
                 alt.Tooltip("status:N", title=i18n.t("tr_col_status", lang)),
                 alt.Tooltip("start:T", title=i18n.t("tr_col_from", lang), format="%Y-%m-%d"),
                 alt.Tooltip("end:T", title=i18n.t("tr_col_to", lang), format="%Y-%m-%d")])
    layers = [bars]
    dl = items.dropna(subset=["plan_deadline"])
    if len(dl):
        marks = pd.DataFrame({
            "item": dl["name"],
            "deadline": pd.to_datetime([workflow.parse_period(d, end=True) for d in dl["plan_deadline"]]),
            "label": i18n.t("tr_col_plan_deadline", lang)})
        marks = marks[(marks["deadline"] >= pd.Timestamp(lo)) & (marks["deadline"] <= pd.Timestamp(hi))]
        layers.append(alt.Chart(marks).mark_point(shape="diamond", size=90, filled=True,
                                                  color="#d62728").encode(
            x=alt.X("deadline:T", scale=x_scale), y=y,
            tooltip=[alt.Tooltip("item:N"), alt.Tooltip("deadline:T", title=marks["label"].iloc[0]
                                                        if len(marks) else "", format="%Y-%m-%d")]))
    if period_end < hi:
        layers.append(alt.Chart(pd.DataFrame({"end": [pd.Timestamp(period_end)],
                                              "label": [i18n.t("tr_gantt_period_end", lang)]})
                                ).mark_rule(color="#d62728").encode(
            x=alt.X("end:T", scale=x_scale), tooltip=[alt.Tooltip("label:N", title=""),
                                                       alt.Tooltip("end:T", format="%Y-%m-%d")]))
    if as_of is not None:
        layers.append(alt.Chart(pd.DataFrame({"as_of": [pd.Timestamp(as_of)]})).mark_rule(
            color="#333333", strokeDash=[4, 3]).encode(x=alt.X("as_of:T", scale=x_scale)))
    return alt.layer(*layers).properties(height=max(120, 26 * len(order)))


# --------------------------------------------------------------------------- exports

def export_tables(table: pd.DataFrame, history: pd.DataFrame, lang: str) -> dict[str, bytes]:
    """The page's table downloads: ``{"xlsx": …, "csv": …}``.

    XLSX: sheets of parcels, projects (Table 5 and 十四五) and every change; CSV: the progress
    table of every item. Columns are named in ``lang``.
    """
    cols = ["id", "grp", "name", "category", "status", "status_date", "status_on_date", "plan_target",
            "target", "plan_deadline", "schedule_label", "done_on", "late_days", "lateness", "version",
            "updated_by", "updated_at", "investment_wan", "start", "finish", "plan_state", "estimated"]
    cols = [c for c in cols if c in table.columns]
    parcels = labelled(table[table["grp"] == "parcel"], [c for c in cols if c not in (
        "investment_wan", "start", "finish", "plan_state")], lang)
    projects = labelled(table[table["grp"] != "parcel"], cols, lang)
    changes = history_table(history, dict(zip(table["id"], table["name"])), lang)
    return {"xlsx": tables_xlsx({i18n.t("tr_sheet_parcels", lang): parcels,
                                 i18n.t("tr_sheet_projects", lang): projects,
                                 i18n.t("tr_sheet_history", lang): changes}),
            "csv": table_csv(labelled(table, cols, lang))}


def table_csv(table: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so Excel shows the Chinese text correctly;
    formula-like text neutralised (:mod:`songnan_geo.layers.spreadsheet`)."""
    return spreadsheet.table_csv(table)


def tables_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per table (names cut to Excel's 31 characters);
    formula-like text stored as text (:mod:`songnan_geo.layers.spreadsheet`)."""
    return spreadsheet.tables_xlsx(sheets)



def with_tracked_state(layers: dict, parcels: pd.DataFrame | None = None,
                       register=None) -> dict:
    """The layers as they stand now: parcel status from the tracker, carrier parks from the register.

    Parameters
    ----------
    layers : dict of str to GeoDataFrame
        The data layers as loaded (EPSG:4326).
    parcels : DataFrame, optional
        The tracker's current parcels (:meth:`songnan_geo.store.tracker.TrackerStore.parcels`): their
        ``status``, ``status_as_of`` and ``status_source`` replace the layer's for the same id;
        the layer's geometry and other fields are kept. Parcels the tracker lacks keep the
        layer's status.
    register : GeoDataFrame, optional
        The carrier register (:meth:`songnan_geo.store.carriers.CarrierStore.current`); it
        replaces the ``carrier_parks`` layer.

    Returns
    -------
    dict
        A new dict; the GeoDataFrames passed in are not changed.
    """
    out = dict(layers)
    if parcels is not None and "parcels" in layers:
        now = parcels.set_index("id")
        layer = layers["parcels"].copy()
        for col in ("status", "status_as_of", "status_source"):
            if col in now.columns and col in layer.columns:
                tracked = layer["id"].map(now[col])
                layer[col] = tracked.where(layer["id"].isin(now.index), layer[col])
        out["parcels"] = layer
    if register is not None:
        out["carrier_parks"] = register
    return out
