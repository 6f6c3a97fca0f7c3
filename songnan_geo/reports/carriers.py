"""产业载体 tables as the planners read them: labelled columns, unknowns said, units in headers.

Pure functions (no streamlit): they turn the frames of :mod:`songnan_geo.plan.carriers` and the
register's history (:mod:`songnan_geo.store.carriers`) into display tables in Chinese or English.
An unknown figure reads 未知 / unknown with how many parks have it, never 0.
"""
from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd

from songnan_geo.plan.carriers import FIGURE_FIELDS, M2_PER_10K_M2, OUTSIDE, TOWN
from songnan_geo.store.tracker import format_time
from songnan_geo.text.i18n import t, value_label


def _num(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def _known(value: float, known: int, parks: int, lang: str, digits: int = 0) -> str:
    """``1,234（3/5 个载体有数）`` or ``未知`` when no park has the figure."""
    if parks == 0:
        return "—"
    if known == 0 or value is None or (isinstance(value, float) and math.isnan(value)):
        return t("cr_unknown", lang)
    text = _num(value, digits)
    return text if known == parks else f"{text} " + t("cr_known_of", lang).format(k=known, n=parks)


def zone_names(zones: gpd.GeoDataFrame, lang: str) -> dict[str, str]:
    """Zone id → display name, plus the ``outside`` and ``town`` rows."""
    col = "name" if lang == "zh" else "name_en"
    names = dict(zip(zones["id"], zones[col]))
    names.update({OUTSIDE: t("cr_outside", lang), TOWN: t("cr_town", lang)})
    return names


def zone_table(by_zone: pd.DataFrame, zones: gpd.GeoDataFrame, lang: str = "zh") -> pd.DataFrame:
    """:func:`songnan_geo.plan.carriers.carriers_by_zone` with labelled columns (floor area in 万m²)."""
    names = zone_names(zones, lang)
    rows = []
    for r in by_zone.to_dict("records"):
        n = int(r["parks"])
        rows.append({
            t("cr_col_zone", lang): names.get(r["zone_id"], r["zone_id"]),
            t("cr_col_parks", lang): n,
            t("cr_col_uncertain", lang): int(r["parks_uncertain"]),
            t("cr_col_yiyuan", lang): int(r["yiyuan_lou"]),
            t("cr_col_area", lang): _known(r["floor_area_m2"] / M2_PER_10K_M2, r["floor_area_m2_known"], n,
                                           lang, 2),
            t("cr_col_enterprises", lang): _known(r["enterprises"], r["enterprises_known"], n, lang),
            t("cr_col_tax_per_m2", lang): _known(r["tax_per_m2"], r["tax_per_m2_known"], n, lang, 2),
            t("cr_col_high_tech", lang): _known(r["high_tech"], r["high_tech_known"], n, lang),
        })
    return pd.DataFrame(rows)


def comparison_table(comparison: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """:func:`songnan_geo.plan.carriers.plan_comparison` with labelled columns and the plan's words."""
    rows = []
    for r in comparison.to_dict("records"):
        digits = 2 if r["unit"] in ("万平方米", "元/平方米") else 0
        rows.append({
            t("cr_col_figure", lang): r["label_zh"] if lang == "zh" else r["label_en"],
            t("cr_col_period", lang): r["period"] if lang == "zh" else r["period_en"],
            t("cr_col_plan_value", lang): f"{r['plan_value']:g} {r['unit']}",
            t("cr_col_register", lang): _known(r["register_value"], r["register_known"], r["parks"],
                                               lang, digits),
            t("cr_col_quote", lang): (f"“{r['plan_quote']}”"
                                      f"（{t('cr_plan_line', lang).format(n=r['plan_line'])}）"),
        })
    return pd.DataFrame(rows)


def progress_table(progress: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """:func:`songnan_geo.plan.carriers.target_progress` with labelled columns."""
    rows = []
    for r in progress.to_dict("records"):
        units = r["unit"].split("/")
        unit = units[r["component"]] if len(units) > 1 else r["unit"]
        name = t(f"cr_target_{r['role']}_{r['component']}", lang)
        value = r["value"]
        if pd.isna(value):
            shown = t("cr_unknown", lang) if r["source"] == "register" else "—"
        else:
            shown = f"{value:g}"
        if r["source"] == "register" and r["unknown_parks"] and not pd.isna(value):
            shown += " " + t("cr_lower_bound", lang).format(n=int(r["unknown_parks"]))
        rows.append({
            t("cr_col_target_name", lang): name,
            t("cr_col_target", lang): (f"{r['target']:g} {unit}"
                                       f"（{t('cr_plan_words', lang)}“{r['target_text']}”）"),
            t("cr_col_baseline", lang): "" if pd.isna(r["baseline_2020"]) else f"{r['baseline_2020']:g}",
            t("cr_col_source", lang): t(f"cr_source_{r['source']}", lang),
            t("cr_col_year", lang): "" if r["year"] is None or pd.isna(r["year"]) else int(r["year"]),
            t("cr_col_value", lang): shown,
            t("cr_col_share", lang): "" if pd.isna(r["share"]) else f"{r['share']:.0%}",
            t("cr_col_status", lang): t(f"ind_status_{r['status']}", lang),
        })
    return pd.DataFrame(rows)


def register_table(register: pd.DataFrame, membership: pd.DataFrame, zones: gpd.GeoDataFrame,
                   lang: str = "zh") -> pd.DataFrame:
    """The carrier register, one labelled row per park, with its zone and whether that is certain."""
    names = zone_names(zones, lang)
    out = pd.DataFrame({
        t("cr_col_name", lang): register["name" if lang == "zh" else "name_en"].fillna(register["name"]),
        t("cr_col_zone", lang): [names[z] if isinstance(z, str) else names[OUTSIDE]
                                 for z in membership["zone_id"]],
        t("cr_col_zone_certain", lang): [t("cr_no", lang) if u else t("cr_yes", lang)
                                         for u in membership["uncertain"]],
        t("cr_col_state", lang): register["state"].map(lambda v: value_label(v, lang)),
        t("cr_col_yiyuan", lang): [t("cr_yes", lang) if v else "" for v in register["yiyuan_lou"]],
    })
    for col in (*FIGURE_FIELDS, "stats_year", "opened_year"):
        values = register[col] if col in register.columns else pd.Series(None, index=register.index)
        out[t(f"cr_col_{col}", lang)] = [
            t("cr_unknown", lang) if v is None or pd.isna(v) else f"{v:,.0f}" if col in FIGURE_FIELDS
            else str(int(v)) for v in values]
    out[t("cr_col_accuracy", lang)] = register["accuracy_m"].map(lambda v: f"±{v:g}")
    out[t("cr_col_estimated", lang)] = [t("cr_yes", lang) if v else "" for v in register["estimated"]]
    out[t("cr_col_version", lang)] = register["version"].astype(int)
    out[t("cr_col_updated", lang)] = [
        t("cr_from_layer", lang) if int(v) == 0 else f"{u} {format_time(a)}"
        for v, u, a in zip(register["version"], register["updated_by"], register["updated_at"])]
    return out


def history_table(history: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The register's history (oldest first) with labelled columns."""
    cols = {"park_id": "cr_col_id", "version": "cr_col_version", "name": "cr_col_name",
            "state": "cr_col_state", "lon": "cr_col_lon", "lat": "cr_col_lat",
            "floor_area_m2": "cr_col_floor_area_m2", "enterprises": "cr_col_enterprises",
            "tax_10k_yuan": "cr_col_tax_10k_yuan", "high_tech": "cr_col_high_tech",
            "stats_year": "cr_col_stats_year", "opened_year": "cr_col_opened_year",
            "username": "cr_col_username", "recorded_at": "cr_col_recorded_at",
            "change_note": "cr_col_change_note"}
    shown = history[[c for c in cols if c in history.columns]].copy()
    if "recorded_at" in shown.columns:
        shown["recorded_at"] = shown["recorded_at"].map(format_time)
    return shown.rename(columns={c: t(k, lang) for c, k in cols.items()})
