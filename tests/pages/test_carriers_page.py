"""The 产业载体 page under AppTest (own GeoPackage store per test): per-zone table, plan figures,
target progress, and an editor adding and editing parks through the page."""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import app_page_paths, button, form_login, frame_with_column, open_page, run_app
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest
from tracker_testlib import PASSWORDS, editors, store_path  # noqa: F401

from songnan_geo.coords.chinacoords import convert_lonlat
from songnan_geo.layers.io import load_layer
from songnan_geo.store.carriers import CarrierStore
from songnan_geo.store.tracker import open_store
from songnan_geo.text.i18n import t

PAGE = app_page_paths()["carriers"]
# a point well inside the 一心 (public centre) outline of the zones layer
_CENTRE = load_layer("zones").set_index("id").geometry["centre"]
CENTRE_LONLAT = (round(_CENTRE.centroid.x, 6), round(_CENTRE.centroid.y, 6))


def _zone_table(at: AppTest, lang: str = "zh") -> pd.DataFrame:
    return frame_with_column(at, t("cr_col_uncertain", lang)).set_index(t("cr_col_zone", lang))


def _login(at: AppTest, user: str = "alice", password: str | None = None) -> AppTest:
    return form_login(at, "cr", user, PASSWORDS[user] if password is None else password)


def _fill(at: AppTest, **values) -> AppTest:
    for key, v in values.items():
        w = at.number_input(key=f"cr_{key}") if key in ("lon", "lat") else None
        if w is None:
            kind = ("number_input" if key in ("floor_area_m2", "tax_10k_yuan", "enterprises", "high_tech",
                                              "stats_year", "opened_year", "accuracy_m")
                    else "selectbox" if key == "state" else "text_input")
            w = getattr(at, kind)(key=f"cr_f_{key}")
        w.set_value(v)
    return at


def _save(at: AppTest, lang: str = "zh") -> AppTest:
    button(at, t("cr_save", lang)).click()
    return run_app(at)


def _register(url: str):
    return CarrierStore(open_store(url)).current(load_layer("carrier_parks")).set_index("id")


def test_viewer_sees_counts_per_belt_figures_and_targets(store_path, editors):
    at = open_page(PAGE)
    zt = _zone_table(at)
    assert zt[t("cr_col_parks")].to_dict() == {
        "一心：公共中心（小五角场区域）": 0, "逸仙路沿线 科技产业发展带": 4,
        "长江（西）路沿线 科技企业总部集聚带": 3,
        "江杨南路沿线 综合产业发展带": 2, "不在一心三线范围内": 4, "全镇": 13}
    assert zt.loc["逸仙路沿线 科技产业发展带", t("cr_col_yiyuan")] == 2
    assert zt.loc["全镇", t("cr_col_area")] == "未知"       # the layer has no floor areas
    plan = frame_with_column(at, t("cr_col_plan_value")).set_index(t("cr_col_plan_value"))
    assert {"44.47 万平方米", "61.09 万平方米", "7524 家", "1753.73 元/平方米", "2 个",
            "63 家"} == set(plan.index)
    assert ("载体空间从“十三五”初期的 44.47 万平方米扩展到 61.09 万平方米"
            in plan.loc["61.09 万平方米", t("cr_col_quote")])
    prog = frame_with_column(at, t("cr_col_share"))
    assert set(prog[t("cr_col_target")]) == {"6 个（表6原文“6/20”）", "20 万平方米（表6原文“6/20”）",
                                               "120 个（表6原文“120”）"}
    # a viewer gets the login form, no edit form
    assert at.text_input(key="cr_user") is not None
    assert not [b for b in at.button if b.label == t("cr_save")]
    assert t("cr_readonly_viewer") in [c.value for c in at.caption]


def test_english_page(store_path, editors):
    at = open_page(PAGE, "en")
    zt = _zone_table(at, "en")
    assert zt.loc["Whole town", t("cr_col_parks", "en")] == 13
    assert zt.loc["Whole town", t("cr_col_area", "en")] == "unknown"


def test_editor_adds_a_park_by_gcj02_coordinates_and_the_centre_count_rises(store_path, editors):
    assert _CENTRE.contains(Point(CENTRE_LONLAT))
    at = _login(open_page(PAGE))
    gcj = [float(v[0]) for v in convert_lonlat([CENTRE_LONLAT[0]], [CENTRE_LONLAT[1]], "wgs84", "gcj02")]
    at.selectbox(key="cr_datum").set_value("gcj02")
    _fill(at, lon=gcj[0], lat=gcj[1], name="淞南测试园", name_en="Songnan Test Park",
          floor_area_m2=12000.0, enterprises=35, tax_10k_yuan=900.0, high_tech=3, stats_year=2024,
          opened_year=2023, source="镇经发办 2024 年载体统计（测试）", accuracy_m=20.0,
          change_note="新增")
    at = _save(at)
    assert not at.error, [e.value for e in at.error]
    zt = _zone_table(at)
    assert zt.loc["一心：公共中心（小五角场区域）", t("cr_col_parks")] == 1
    assert zt.loc["一心：公共中心（小五角场区域）", t("cr_col_area")] == "1.20"
    assert zt.loc["一心：公共中心（小五角场区域）", t("cr_col_tax_per_m2")] == "750.00"  # 900万 / 12,000 m²
    assert zt.loc["全镇", t("cr_col_parks")] == 14
    reg = _register(str(store_path))
    new = reg[reg["name"] == "淞南测试园"].iloc[0]
    # stored in WGS84: the GCJ-02 input was converted back (exact inverse, < 0.5 m)
    assert abs(new["lon"] - CENTRE_LONLAT[0]) < 5e-6 and abs(new["lat"] - CENTRE_LONLAT[1]) < 5e-6
    assert new["origin"] == "added" and new["version"] == 1 and new["updated_by"] == "alice"
    hist = frame_with_column(at, t("cr_col_change_note"))
    assert hist[t("cr_col_username")].tolist() == ["alice"]
    # the register's opening year counts towards the 新增服务载体 target
    prog = frame_with_column(at, t("cr_col_share"))
    reg_rows = prog[prog[t("cr_col_source")] == t("cr_source_register")]
    assert reg_rows.iloc[0][t("cr_col_value")] == "1"


def test_editor_edits_an_existing_park_and_a_map_click_moves_it(store_path, editors):
    at = _login(open_page(PAGE))
    at.selectbox(key="cr_pick").set_value("c_huazi_benteng")
    at = run_app(at)
    assert at.text_input(key="cr_f_name").value == "华滋奔腾大厦"
    # a click on the map (what st_folium returns) fills the position
    at.session_state[f"cr_map_zh_{at.session_state['basemap']}"] = {
        "last_clicked": {"lat": 31.3396, "lng": 121.4897}}
    at = run_app(at)
    assert at.number_input(key="cr_lon").value == pytest.approx(121.4897)
    _fill(at, floor_area_m2=30000.0, stats_year=2024, change_note="核实面积")
    at = _save(at)
    assert not at.error, [e.value for e in at.error]
    reg = _register(str(store_path))
    assert reg.loc["c_huazi_benteng", "floor_area_m2"] == 30000.0
    assert reg.loc["c_huazi_benteng", "lat"] == pytest.approx(31.3396)
    assert reg.loc["c_huazi_benteng", "version"] == 1 and reg.loc["c_huazi_benteng", "origin"] == "edited"
    zt = _zone_table(at)
    assert zt.loc["逸仙路沿线 科技产业发展带", t("cr_col_area")] == "3.00 （1/4 个载体有数）"


#: What the page says about the bad input below, in the UI's language.
BAD_INPUT_WORDS = {
    "zh": ("有 4 个问题", "名称（name）缺失", "数据来源（source）缺失：请至少填写 3 个字符",
           "已填写入驻企业数（enterprises），但缺少统计年份（stats_year）", "位于镇界以外",
           "请把载体放在淞南镇镇界以内", "未保存任何内容"),
    "en": ("has 4 problems", "name is missing", "source is missing: give at least 3 characters",
           "stats_year is missing but enterprises is given", "m outside the town boundary",
           "place the park inside 淞南镇", "Nothing was saved"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bad_input_names_each_problem_in_the_ui_language_and_stores_nothing(store_path, editors,
                                                                            lang):
    at = _login(open_page(PAGE))
    if lang == "en":   # the planner switches the language after logging in
        at.sidebar.radio(key="lang").set_value("en")
        at = run_app(at)
    # outside the town (in Yangpu, ~3 km south), figures without their year, no name, no source
    _fill(at, lon=121.52, lat=31.30, name="", enterprises=10, source="")
    at = _save(at, lang)
    text = " ".join(e.value for e in at.error)
    for words in BAD_INPUT_WORDS[lang]:
        assert words in text, (words, text)
    if lang == "zh":   # no English sentence left in the Chinese message
        assert "missing" not in text and "Nothing" not in text, text
    reg = _register(str(store_path))
    assert len(reg) == 13 and (reg["version"] == 0).all()
    assert CarrierStore(open_store(str(store_path))).history().empty


def test_wrong_password_stays_read_only(store_path, editors):
    at = _login(open_page(PAGE), "alice", "not-her-password")
    assert [e.value for e in at.error] == [t("tr_login_failed")]
    assert not [b for b in at.button if b.label == t("cr_save")]


def test_a_park_saved_meanwhile_by_another_editor_is_not_overwritten(store_path, editors):
    at = _login(open_page(PAGE))
    at.selectbox(key="cr_pick").set_value("c_zhongcheng")
    at = run_app(at)
    # bob saves the same park from another session while alice's form is open
    from songnan_geo import auth
    from songnan_geo.store.carriers import layer_records
    tracker = open_store(str(store_path))
    bob = auth.authenticate("bob", PASSWORDS["bob"], store=tracker)
    rec = next(r for r in layer_records(load_layer("carrier_parks")) if r["id"] == "c_zhongcheng")
    CarrierStore(tracker).save({**rec, "enterprises": 300, "stats_year": 2024}, editor=bob,
                               expected_version=0, town=load_layer("boundary"))
    _fill(at, floor_area_m2=41000.0, stats_year=2024)
    at = _save(at)
    stale = t("tr_stale").split("{")[0]                 # "未保存："
    assert any(e.value.startswith(stale) and "被 bob 修改" in e.value and "中成智谷" in e.value
               for e in at.error), [e.value for e in at.error]
    reg = _register(str(store_path))
    assert reg.loc["c_zhongcheng", "version"] == 1 and reg.loc["c_zhongcheng", "enterprises"] == 300
    assert pd.isna(reg.loc["c_zhongcheng", "floor_area_m2"])        # alice's change was refused
    # the form now shows bob's version; alice's second save goes through on top of it
    at = run_app(at)
    assert at.number_input(key="cr_f_enterprises").value == 300
    _fill(at, floor_area_m2=41000.0)
    at = _save(at)
    assert not at.error, [e.value for e in at.error]
    reg = _register(str(store_path))
    assert reg.loc["c_zhongcheng", "version"] == 2
    assert (reg.loc["c_zhongcheng", "enterprises"] == 300
            and reg.loc["c_zhongcheng", "floor_area_m2"] == 41000.0)
    tracker.dispose()


def test_switching_back_to_a_new_park_does_not_keep_the_last_parks_position(store_path, editors):
    at = _login(open_page(PAGE))
    assert at.number_input(key="cr_lon").value is None            # a new park starts empty
    at.selectbox(key="cr_pick").set_value("c_zhongcheng")
    at = run_app(at)
    assert at.number_input(key="cr_lon").value == pytest.approx(
        load_layer("carrier_parks").set_index("id").geometry["c_zhongcheng"].x)
    at.selectbox(key="cr_pick").set_value("__new__")
    at = run_app(at)
    assert at.number_input(key="cr_lon").value is None
    assert at.text_input(key="cr_f_name").value == ""


def test_a_busy_store_is_said_in_chinese_not_a_traceback(store_path, editors, monkeypatch):
    """Another process holding the database's lock past the timeout: the page says so in the
    UI's language (StoreBusyError is localised) and nothing is stored."""
    from songnan_geo.store.db import StoreBusyError, busy_or

    class _Locked:
        orig = "database is locked"

    def busy(self, *args, **kwargs):
        raise busy_or(_Locked())

    at = _login(open_page(PAGE))
    monkeypatch.setattr(CarrierStore, "save", busy)
    _fill(at, lon=CENTRE_LONLAT[0], lat=CENTRE_LONLAT[1], name="忙碌测试园", source="测试录入")
    at = _save(at)
    assert [e.value for e in at.error] == [busy_or(_Locked()).text("zh")]
    assert "数据库被另一项写入占用" in at.error[0].value
    assert isinstance(busy_or(_Locked()), StoreBusyError)
    monkeypatch.undo()
    assert len(_register(str(store_path))) == 13
