"""产业载体 aggregation (songnan_geo.plan.carriers, carrier_report) against hand counts, and the
project's copy of the plan's carrier figures (data/plans/fyp14/indicators/carrier_figures.csv) against the
plan.

The synthetic town: three square zones in the town's metric CRS (a 1 km "belt_a", a 1 km
"belt_b" east of it, and a 200 m "centre" inside belt_a) and parks placed at known distances,
so every count, sum and tax rate below was worked out by hand.
"""
from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from songnan_geo.coords.crs import STORAGE_CRS, TOWN_CRS
from songnan_geo.layers.io import load_layer, read_plan_text
from songnan_geo.plan import carriers
from songnan_geo.plan.quotes import normalise
from songnan_geo.reports import carriers as carrier_report
from songnan_geo.store.indicators import read_carrier_figures, read_plan_indicators

PLAN_LINES = read_plan_text().split("\n")


def _zones() -> gpd.GeoDataFrame:
    z = gpd.GeoDataFrame(
        {"id": ["centre", "belt_a", "belt_b"], "kind": ["centre", "belt", "belt"],
         "name": ["中心", "甲带", "乙带"], "name_en": ["Centre", "Belt A", "Belt B"]},
        geometry=[box(400, 400, 600, 600), box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        crs=TOWN_CRS)
    return z.to_crs(STORAGE_CRS)


def _parks(rows: list[dict]) -> gpd.GeoDataFrame:
    base = {"accuracy_m": 10.0, "yiyuan_lou": False, "state": "运营", "floor_area_m2": None,
            "enterprises": None, "tax_10k_yuan": None, "high_tech": None, "stats_year": None,
            "opened_year": None}
    recs = [{**base, **r} for r in rows]
    g = gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "xy"} for r in recs],
                         geometry=[Point(r["xy"]) for r in recs], crs=TOWN_CRS)
    return g.to_crs(STORAGE_CRS)


HAND = [  # id, position (m), figures
    dict(id="a1", xy=(100, 100), floor_area_m2=20000.0, enterprises=100, tax_10k_yuan=3000.0,
         high_tech=4, stats_year=2023, yiyuan_lou=True),
    dict(id="a2", xy=(200, 800), floor_area_m2=10000.0, enterprises=None, tax_10k_yuan=None,
         high_tech=1, stats_year=2023),
    dict(id="a3", xy=(800, 300)),                                    # all figures unknown
    dict(id="c1", xy=(500, 500), floor_area_m2=5000.0, tax_10k_yuan=500.0, stats_year=2022,
         enterprises=0),                                             # centre, inside belt_a too
    dict(id="b1", xy=(1500, 500), floor_area_m2=40000.0, tax_10k_yuan=2000.0, enterprises=50,
         stats_year=2024, yiyuan_lou=True, accuracy_m=600.0),        # 500 m from belt_b's edges
    dict(id="o1", xy=(500, 1500), enterprises=7, stats_year=2024),   # outside every zone
]


def _by_zone() -> pd.DataFrame:
    return carriers.carriers_by_zone(_parks(HAND), _zones()).set_index("zone_id")


def test_counts_per_zone_match_the_hand_count():
    t = _by_zone()
    assert t.index.tolist() == ["centre", "belt_a", "belt_b", carriers.OUTSIDE, carriers.TOWN]
    # c1 lies in the centre and in belt_a: it counts once, in the smaller zone (the centre)
    assert t["parks"].to_dict() == {"centre": 1, "belt_a": 3, "belt_b": 1, "outside": 1, "town": 6}
    assert t["yiyuan_lou"].to_dict() == {"centre": 0, "belt_a": 1, "belt_b": 1, "outside": 0, "town": 2}
    zone_rows = t.drop(index=carriers.TOWN)
    for col in ("parks", "yiyuan_lou", "floor_area_m2", "enterprises", "tax_10k_yuan"):
        assert zone_rows[col].sum() == pytest.approx(t.loc[carriers.TOWN, col]), col


def test_sums_count_only_known_values_and_say_how_many():
    t = _by_zone()
    a = t.loc["belt_a"]
    assert a["floor_area_m2"] == 30000.0 and a["floor_area_m2_known"] == 2
    assert a["enterprises"] == 100 and a["enterprises_known"] == 1
    assert a["high_tech"] == 5 and a["high_tech_known"] == 2
    # tax per m²: only a1 has both (3000 万元 over 20,000 m²) → 30,000,000 / 20,000 = 1500 元/m²
    assert a["tax_per_m2"] == pytest.approx(1500.0) and a["tax_per_m2_known"] == 1
    # the centre's one park has 0 enterprises: a known zero, not unknown
    assert t.loc["centre", "enterprises"] == 0 and t.loc["centre", "enterprises_known"] == 1
    # town: (3000 + 500 + 2000) 万元 over (20,000 + 5,000 + 40,000) m² = 846.15… 元/m²
    assert t.loc["town", "tax_per_m2"] == pytest.approx(55_000_000 / 65_000)
    assert t.loc["town", "floor_area_m2"] == 75000.0 and t.loc["town", "floor_area_m2_known"] == 4


def test_a_figure_nobody_knows_is_nan_not_zero():
    t = _by_zone()
    assert math.isnan(t.loc["outside", "floor_area_m2"]) and t.loc["outside", "floor_area_m2_known"] == 0
    assert math.isnan(t.loc["belt_b", "high_tech"])
    assert math.isnan(t.loc["outside", "tax_per_m2"])
    table = carrier_report.zone_table(t.reset_index(), _zones(), "zh")
    row = table.set_index("范围").loc["不在一心三线范围内"]
    assert row["载体面积（万平方米）"] == "未知" and row["入驻企业（家）"] == "7"
    assert table.set_index("范围").loc["甲带", "入驻企业（家）"] == "100 （1/3 个载体有数）"
    assert table.set_index("范围").loc["甲带", "载体面积（万平方米）"] == "3.00 （2/3 个载体有数）"


def test_membership_uncertainty_from_position_accuracy():
    m = carriers.park_zones(_parks(HAND), _zones()).set_index(_parks(HAND)["id"])
    assert m.loc["a1", "edge_dist_m"] == pytest.approx(100.0, abs=0.01)
    assert not m.loc["a1", "uncertain"]                 # 10 m accuracy, 100 m from an edge
    assert m.loc["b1", "uncertain"]                      # 600 m accuracy, 500 m from an edge
    assert m.loc["c1", "uncertain"]                      # in two zones
    assert m.loc["c1", "zones_containing"] == ("centre", "belt_a")
    assert m.loc["o1", "zone_id"] is None and not m.loc["o1", "uncertain"]   # 500 m out, ±10 m
    assert _by_zone().loc["belt_b", "parks_uncertain"] == 1


def test_real_register_counts_per_belt_match_the_hand_count():
    """Counted by hand from the positions in data/geo/carrier_parks.geojson and the zone outlines."""
    parks, zones = load_layer("carrier_parks"), load_layer("zones")
    m = carriers.park_zones(parks, zones)
    got = {z: sorted(parks.loc[m["zone_id"] == z, "id"]) for z in zones["id"]}
    assert got == {
        "centre": [], "belt_jiangyang": ["c_houyou_dc", "c_zhongcheng_mfg"],
        "belt_yixian": ["c_design_centre", "c_fudan_software", "c_huaze_live", "c_huazi_benteng"],
        "belt_changjiang": ["c_weimob", "c_zhongcheng", "c_zkcz"]}
    t = carriers.carriers_by_zone(parks, zones).set_index("zone_id")
    assert t["parks"].to_dict() == {"centre": 0, "belt_yixian": 4, "belt_changjiang": 3,
                                    "belt_jiangyang": 2, "outside": 4, "town": 13}
    # the plan's two 亿元楼 (华滋奔腾, 复旦软件园) both lie on the 逸仙路 belt
    assert t.loc["belt_yixian", "yiyuan_lou"] == 2 and t.loc["town", "yiyuan_lou"] == 2
    # the layer has no figures: every figure unknown, nothing invented
    assert (t[[f"{c}_known" for c in carriers.FIGURE_FIELDS]] == 0).all().all()
    # the layer's own zone_id (computed when the data were built) agrees
    assert m["zone_id"].fillna("-").tolist() == parks["zone_id"].fillna("-").tolist()


def test_bad_input_is_named_and_collected():
    parks = _parks(HAND)
    with pytest.raises(carriers.CarrierError) as e:
        carriers.carriers_by_zone(parks.drop(columns=["accuracy_m"]), _zones().drop(columns=["kind"]))
    assert "parks lacks column(s) accuracy_m" in str(e.value) and "zones lacks column(s) kind" in str(e.value)
    with pytest.raises(ValueError, match="CRS mismatch: parks is in .* but zones is in EPSG:4326"):
        carriers.carriers_by_zone(parks.to_crs(TOWN_CRS), _zones())
    poly = parks.copy()
    poly.loc[0, "geometry"] = box(121.49, 31.34, 121.491, 31.341)
    with pytest.raises(carriers.CarrierError, match="parks must be points; not points: a1"):
        carriers.carriers_by_zone(poly, _zones())


def test_plan_comparison_converts_floor_area_to_10k_m2():
    town = _by_zone().loc[carriers.TOWN]
    comp = carriers.plan_comparison(read_carrier_figures(), town).set_index("id")
    assert comp.loc["cf_space_end", "plan_value"] == 61.09
    assert comp.loc["cf_space_end", "register_value"] == pytest.approx(7.5)   # 75,000 m²
    assert comp.loc["cf_tax_per_m2", "register_value"] == pytest.approx(55_000_000 / 65_000)
    assert comp.loc["cf_yiyuan_lou", "register_value"] == 2
    assert comp.loc["cf_enterprises", "register_known"] == 4


def test_target_progress_from_the_register_and_from_entered_values():
    inds = read_plan_indicators()
    opened = _parks([dict(id="n1", xy=(100, 100), opened_year=2021, floor_area_m2=30000.0),
                     dict(id="n2", xy=(200, 200), opened_year=2022, floor_area_m2=None),
                     dict(id="n3", xy=(300, 300), opened_year=2019, floor_area_m2=50000.0),
                     dict(id="h1", xy=(400, 300), high_tech=40, stats_year=2022),
                     dict(id="h2", xy=(500, 300), high_tech=30, stats_year=2023)])
    entered = {"i06": {2021: (1.0, 4.0), 2022: (2.0, 6.0)}, "i08": {2022: (90.0,)}}
    p = carriers.target_progress(opened, inds, entered, as_of=dt.date(2022, 12, 31))
    reg = p[p["source"] == "register"].set_index(["seq", "component"])
    # opened 2021 and 2022 (2019 is before the plan): 2 carriers, 3 万 m² known, n2's area unknown
    assert reg.loc[(6, 0), "value"] == 2 and reg.loc[(6, 0), "share"] == pytest.approx(2 / 6)
    assert reg.loc[(6, 1), "value"] == pytest.approx(3.0) and reg.loc[(6, 1), "unknown_parks"] == 1
    # cumulative path to 6/20 by 2022: 2.4 / 8 → both components behind it → at risk
    assert reg.loc[(6, 0), "expected"] == pytest.approx(2.4) and reg.loc[(6, 0), "status"] == "at_risk"
    # high-tech: 70 known in the parks, figures of 2023 are after as_of's year → not counted yet
    assert reg.loc[(8, 0), "status"] == "no_data"
    later = carriers.target_progress(opened, inds, entered, as_of=dt.date(2023, 6, 1))
    reg8 = later[(later["source"] == "register") & (later["seq"] == 8)].iloc[0]
    assert reg8["value"] == 70 and reg8["year"] == 2023 and reg8["unknown_parks"] == 3
    ent = p[p["source"] == "entered"].set_index(["seq", "component"])
    assert ent.loc[(6, 0), "value"] == 3 and ent.loc[(6, 1), "value"] == 10     # cumulative sums
    assert ent.loc[(6, 0), "status"] == "on_track"                                # 3 ≥ 2.4, 10 ≥ 8
    # 高新技术企业: path from the plan's 63 (2020) to 120 (2025): 2022 → 85.8; 90 is ahead
    assert ent.loc[(8, 0), "expected"] == pytest.approx(63 + (120 - 63) * 2 / 5)
    assert ent.loc[(8, 0), "status"] == "on_track" and ent.loc[(8, 0), "baseline_2020"] == 63
    labelled = carrier_report.progress_table(p, "en")
    assert labelled["Source"].tolist().count("Register") == 3
    assert "(1 parks unknown: a lower bound)" in labelled.loc[1, "Value"]


# --------------------------------------------------------------------------- plan figures

FIGS = read_carrier_figures()


def test_the_issues_carrier_figures_are_all_there():
    values = {f.id: f.value for f in FIGS}
    assert values == {"cf_space_start": 44.47, "cf_space_end": 61.09, "cf_enterprises": 7524,
                      "cf_tax_per_m2": 1753.73, "cf_yiyuan_lou": 2, "cf_high_tech": 63}
    inds = {i.seq: i for i in read_plan_indicators()}
    assert inds[6].target.values == (6.0, 20.0) and inds[6].unit == "个/万平方米"
    assert inds[8].target.values == (120.0,) and inds[8].baseline == 63


@pytest.mark.parametrize("fig", FIGS, ids=lambda f: f.id)
def test_each_carrier_figure_is_quoted_on_its_plan_line(fig):
    line = normalise(PLAN_LINES[fig.plan_line - 1])
    assert normalise(fig.plan_quote) in line, (fig.plan_line, fig.plan_quote)
    assert normalise(f"{fig.value:g}") in normalise(fig.plan_quote)
    assert normalise(fig.unit.replace("个", "")) in normalise(fig.plan_quote) or fig.unit == "个"
    assert fig.register_field in (*carriers.FIGURE_FIELDS, "tax_per_m2", "yiyuan_lou")


def test_a_wrong_figure_would_fail_the_check():
    """The check above is not vacuous: a figure altered by one digit is not on its line."""
    fig = next(f for f in FIGS if f.id == "cf_enterprises")
    assert normalise(fig.plan_quote.replace("7524", "7525")) not in normalise(PLAN_LINES[fig.plan_line - 1])


def test_history_table_labels():
    hist = pd.DataFrame([{"park_id": "c_x", "version": 1, "name": "某园", "state": "运营", "lon": 121.49,
                          "lat": 31.34, "username": "alice", "recorded_at": "2026-11-27T06:00:00+00:00",
                          "change_note": "新增"}])
    out = carrier_report.history_table(hist, "zh")
    assert out.columns.tolist()[:3] == ["编号", "版本", "名称"]
    assert out.loc[0, "修改时间"] == "2026-11-27 14:00 (UTC+8)" and out.loc[0, "修改人"] == "alice"
    assert np.isfinite(out.loc[0, "经度"])
