"""Standards tables (built-in, custom saved outside the repo), city targets, and 2SFCA
against a hand computation."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from songnan_geo.coords.crs import TOWN_CRS
from songnan_geo.layers.io import DEFAULT_DATA_DIR, load_layer
from songnan_geo.lifecircle import standards as sd
from songnan_geo.lifecircle.access2sfca import two_step_fca
from songnan_geo.plan.quotes import quote_in_plan

REPO = DEFAULT_DATA_DIR.parent.parent


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    d = tmp_path / "user"
    monkeypatch.setenv(sd.USER_DIR_ENV, str(d))
    return d


def test_builtin_tiers_and_every_row_has_a_source():
    df = sd.load_builtin_standards()
    gb = sd.radius_by_type(df, "gb50180_2018", ["初中", "社区卫生服务中心", "养老院", "文化活动中心",
                                                "小学", "幼儿园", "社区卫生服务站", "日间照料中心"])
    assert gb == {"初中": 1000, "社区卫生服务中心": 1000, "养老院": 1000, "文化活动中心": 1000,
                  "小学": 500, "幼儿园": 300, "社区卫生服务站": 300, "日间照料中心": 300}
    assert (df["source"].str.len() > 10).all()
    # Uncertain rows say so in the source text.
    assert df.loc[~df["certain"], "source"].str.contains("待核").all()
    # The Shanghai guidance applies ~1 km to every type.
    assert sd.radius_by_type(df, "sh_15min_2016", ["幼儿园", "公园绿地"]) == {"幼儿园": 1000,
                                                                          "公园绿地": 1000}


def test_every_facility_type_in_the_data_has_a_gb_distance():
    types = set(load_layer("facilities")["type"])
    assert types <= set(sd.radius_by_type(sd.load_builtin_standards(), "gb50180_2018", types))


def test_unknown_standard_lists_the_valid_ones():
    with pytest.raises(ValueError, match="standard 'x' is not in the standards table. Valid: gb50180_2018"):
        sd.radius_by_type(sd.load_builtin_standards(), "x", ["小学"])


def test_targets_are_labelled_uncertain_with_source():
    t = sd.city_targets()
    assert t[["year", "share"]].values.tolist() == [[2025, 0.85], [2035, 0.99]]
    assert not t["certain"].any() and t["source"].str.contains("待核").all()
    assert t["title_zh"].str.contains("15分钟社区生活圈").all()


def test_plan_quote_about_the_life_circle_is_in_the_plan():
    text = (REPO / "data" / "plan" / "songnan_14th_five_year_plan.txt").read_text(encoding="utf-8")
    assert quote_in_plan("以构建多元融合的15分钟社区生活圈为目标", text)


def test_user_dir_default_and_env(monkeypatch, tmp_path):
    monkeypatch.delenv(sd.USER_DIR_ENV, raising=False)
    assert sd.user_dir().name == ".songnan_geo"
    monkeypatch.setenv(sd.USER_DIR_ENV, str(tmp_path / "x"))
    assert sd.user_dir() == tmp_path / "x"


def test_custom_standard_round_trip_outside_the_repo(user_dir):
    assert sd.load_custom_standards().empty
    table = sd.custom_template(sd.load_standards())
    assert set(table["standard"]) == {"custom"} and len(table) == 14
    table.loc[table["facility_type"] == "小学", "radius_m"] = 650
    path = sd.save_custom_standards(table)
    assert path == user_dir / "custom_standards.csv"
    assert not str(path.resolve()).startswith(str(REPO.resolve()))
    both = sd.load_standards()
    assert "custom" in sd.standard_ids(both)
    assert sd.radius_by_type(both, "custom", ["小学"]) == {"小学": 650}
    # The next template starts from the saved table.
    assert sd.custom_template(both).set_index("facility_type").loc["小学", "radius_m"] == 650


def test_invalid_custom_table_lists_every_problem_and_changes_nothing(user_dir):
    good = sd.custom_template(sd.load_standards())
    path = sd.save_custom_standards(good)
    before = path.read_bytes()
    bad = good.copy()
    bad.loc[0, "radius_m"] = -3
    bad.loc[1, "tier_min"] = 7
    bad.loc[2, "source"] = ""
    bad = pd.concat([bad, bad.iloc[[3]]], ignore_index=True)
    with pytest.raises(sd.StandardsError) as info:
        sd.save_custom_standards(bad)
    msg = str(info.value)
    assert "4 problem(s) found; nothing was saved" in msg
    assert "row 1: radius_m is -3" in msg and "row 2: tier_min is 7" in msg
    assert "row 3: 'source' is empty" in msg and "more than once" in msg
    assert path.read_bytes() == before
    assert list(user_dir.iterdir()) == [path]  # no temporary file left behind


def test_missing_columns_are_named():
    with pytest.raises(sd.StandardsError, match="column\\(s\\) facility_type, radius_m missing"):
        sd.validate_standards(pd.DataFrame({"standard": ["a"], "standard_zh": [""], "standard_en": [""],
                                            "tier_min": [5], "source": ["x"]}))


# --------------------------------------------------------------------------- 2SFCA

def test_two_step_fca_by_hand():
    # Three tiny blocks (one grid point each) with 100, 200 and 300 residents, and two
    # facilities: A (capacity 1, radius 1000) and B (capacity 2, radius 1000).
    x0, y0 = 500_000.0, 3_469_000.0
    blocks = [box(x0 + x - 1, y0 - 1, x0 + x + 1, y0 + 1) for x in (0, 600, 1500)]
    res = gpd.GeoDataFrame({"population": [100, 200, 300]}, geometry=blocks, crs=TOWN_CRS)
    fac = gpd.GeoDataFrame({"capacity": [1.0, 2.0]},
                           geometry=[Point(x0 - 100, y0), Point(x0 + 900, y0)], crs=TOWN_CRS)
    out = two_step_fca(res, fac, 1000, per=1)
    # A reaches blocks 1, 2 (300 people): R_A = 1/300. B reaches all (600): R_B = 2/600.
    expected = [1 / 300 + 2 / 600, 1 / 300 + 2 / 600, 2 / 600]
    assert out["access_per_1"].to_numpy() == pytest.approx(expected)
    assert not out["capacity_assumed"].any()
    # Unknown capacity counts as 1 and is flagged.
    fac["capacity"] = [None, 2.0]
    out = two_step_fca(res, fac, 1000, per=1000)
    assert out["capacity_assumed"].all()
    assert out["access_per_1000"].iloc[2] == pytest.approx(1000 * 2 / 600)


def test_two_step_fca_town_both_methods():
    from songnan_geo.lifecircle.network import WalkNetwork

    res, fac = load_layer("residential"), load_layer("facilities")
    net = WalkNetwork.from_roads(load_layer("roads"))
    for method in ("euclidean", "network"):
        out = two_step_fca(res, fac, 1000, method=method, network=net)
        assert len(out) == 24 and (out["access_per_1000"] >= 0).all()
        # Every facility counts as 1 (no capacities): the population-weighted mean access
        # times the population served equals the facilities that reach anyone.
        assert out["capacity_assumed"].all()
        served = (out["access_per_1000"] / 1000 * res["population"]).sum()
        assert 0 < served <= len(fac) + 1e-6
