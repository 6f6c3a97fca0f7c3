"""The 地块进度 page under Streamlit's AppTest, on a GeoPackage store of its own per test.

Read-only without editors (and says how to add one); login, failed login; recording a change
(legal, refused, correction); the stale-version message; the as-of date; English; a store that
cannot be opened. Also the exports the page offers, checked at the package level.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from conftest import app_page_paths, button, form_login, open_page, run_app
from streamlit.testing.v1 import AppTest
from tracker_testlib import PASSWORDS, editors, login, postgis_url, store_path  # noqa: F401

from songnan_geo.layers.exporter import export_layer
from songnan_geo.reports import tracker
from songnan_geo.store.tracker import open_store
from songnan_geo.text.i18n import t

PAGE = app_page_paths()["tracker"]


@pytest.fixture
def no_editors(monkeypatch, tmp_path):
    monkeypatch.delenv("SONGNAN_EDITORS", raising=False)
    monkeypatch.setenv("SONGNAN_EDITORS_FILE", str(tmp_path / "none" / "editors.json"))


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.error, *at.success, *at.info,
                               *at.warning, *at.code)]
    return "\n".join(str(p) for p in parts)


def _frame(at: AppTest, first_col_label: str, col_value: str) -> pd.DataFrame:
    for df in (*at.dataframe, *at.table):
        v = df.value.reset_index()
        if first_col_label in v.columns and col_value in set(v[first_col_label]):
            return v
    raise AssertionError(f"no table with {col_value!r} in column {first_col_label!r}")


def test_without_editors_the_page_is_read_only_and_says_how_to_add_one(store_path, no_editors):
    at = open_page(PAGE)
    assert [x.value for x in at.title] == [t("tracker")]
    assert t("tr_readonly_no_editors") in [i.value for i in at.info]
    assert "python -m songnan_geo editor add USER" in [c.value for c in at.code]
    assert not [x for x in at.text_input if x.key == "tracker_user"]          # no login form
    assert not [x for x in at.selectbox if x.key.startswith("tracker_new_status")]  # no change form
    assert store_path.exists()   # created and seeded on first use


def test_tables_list_every_parcel_and_project(store_path, editors):
    at = open_page(PAGE)
    at.date_input(key="tracker_as_of").set_value(dt.date(2024, 6, 30))
    run_app(at)
    name_col = t("tr_col_name")
    parcels = _frame(at, name_col, "东亚地块")
    assert len(parcels) == 12
    assert set(parcels[t("tr_col_plan_target")].dropna()) >= {"出让", "规划调整", "规划编制",
                                                               "先行先试研究", "开发建设"}
    fyp14 = _frame(at, name_col, "微盟总部")
    assert len(fyp14) == 13 and "逸仙公园" in set(fyp14[name_col])
    at.radio(key="tracker_project_group_zh").set_value("table5")
    run_app(at)
    t5 = _frame(at, name_col, "中成智谷二期")
    assert len(t5) == 22
    row = t5.set_index(name_col).loc["中成智谷二期"]
    assert row[t("tr_col_investment_wan")] == 41030 and row[t("tr_col_plan_state")] == "已完成"
    charts = at.get("vega_lite_chart")   # the Gantt charts: parcels, then the chosen projects
    assert len(charts) == 2
    marks = [layer["mark"]["type"] for layer in json.loads(charts[0].proto.spec)["layer"]]
    assert marks == ["bar", "point", "rule"]    # status periods, deadlines, as-of date


def test_viewer_sees_no_change_form_and_a_failed_login_is_refused(store_path, editors):
    at = open_page(PAGE)
    assert [x for x in at.text_input if x.key == "tracker_user"]
    assert not [x for x in at.selectbox if x.key.startswith("tracker_new_status")]
    form_login(at, "tracker", "alice", "wrong password")
    assert t("tr_login_failed") in [e.value for e in at.error]
    assert "tracker_editor" not in at.session_state or at.session_state["tracker_editor"] is None
    assert not [x for x in at.selectbox if x.key.startswith("tracker_new_status")]


def test_editor_logs_in_and_records_a_change(store_path, editors):
    at = open_page(PAGE)
    form_login(at, "tracker", "alice", PASSWORDS["alice"])
    assert t("tr_logged_in").format(user="alice") in [s.value for s in at.success]
    at.selectbox(key="tracker_item_zh").set_value("p_dongya")
    run_app(at)
    assert [x for x in at.selectbox if x.key == "tracker_new_status_p_dongya_zh"]
    at.selectbox(key="tracker_new_status_p_dongya_zh").set_value("出让准备")
    at.text_input(key="tracker_note_p_dongya").input("完成收储，启动出让前期")
    at.text_input(key="tracker_doc_no_p_dongya").input("淞府〔2024〕7号")
    button(at, t("tr_submit")).click()
    run_app(at)
    saved = [s.value for s in at.success if s.value.startswith("已保存")]
    assert saved and "出让准备" in saved[0] and "版本 2" in saved[0]
    s = open_store(store_path)
    it = s.item("p_dongya")
    assert (it["status"], it["version"], it["updated_by"]) == ("出让准备", 2, "alice")
    assert s.history("p_dongya").iloc[-1]["doc_no"] == "淞府〔2024〕7号"
    timeline = _frame(at, t("tr_col_note"), "完成收储，启动出让前期")
    assert timeline.iloc[0][t("tr_col_change")] == "收储 → 出让准备"
    assert timeline.iloc[0][t("tr_col_username")] == "alice"
    s.dispose()


def test_illegal_jump_is_refused_unless_recorded_as_a_correction(store_path, editors):
    at = open_page(PAGE)
    form_login(at, "tracker", "bob", PASSWORDS["bob"])
    at.selectbox(key="tracker_item_zh").set_value("p_songshen_aquatic")
    run_app(at)
    at.selectbox(key="tracker_new_status_p_songshen_aquatic_zh").set_value("在建")
    button(at, t("tr_submit")).click()
    run_app(at)
    errors = [e.value for e in at.error]
    assert "未保存： 研究/先行先试 → 在建 不是地块进度流程中的一步。允许的下一状态：规划调整/编制、暂缓。" \
           "如确需记录（例如更正此前的记录），请填写更正原因（至少 4 个字），更正原因会保存在变更记录中。" \
           in errors, errors
    s = open_store(store_path)
    assert s.item("p_songshen_aquatic")["version"] == 1
    # every problem at once, all in Chinese: the jump, a reason too short, a date before the
    # current status's (2021-01). (A future date cannot be picked: the date picker stops at today.)
    at.selectbox(key="tracker_new_status_p_songshen_aquatic_zh").set_value("在建")
    at.date_input(key="tracker_effective_p_songshen_aquatic").set_value(dt.date(2020, 6, 1))
    at.text_input(key="tracker_reason_p_songshen_aquatic").input("漏记")
    button(at, t("tr_submit")).click()
    run_app(at)
    error = [e.value for e in at.error if e.value.startswith("未保存：")]
    assert len(error) == 1 and error[0].endswith(
        "；更正原因 '漏记' 太短：请用至少 4 个字说明为什么更正这条记录；生效日期 2020-06-01 早于当前状态的"
        "日期 2021-01，属于更正：请填写更正原因。"), error
    assert not re.search("[A-Za-z]", error[0]), error          # no English words
    assert s.item("p_songshen_aquatic")["version"] == 1 and len(s.history("p_songshen_aquatic")) == 1
    at.selectbox(key="tracker_new_status_p_songshen_aquatic_zh").set_value("在建")
    at.text_input(key="tracker_reason_p_songshen_aquatic").input("2022年已开工，此前漏记")
    button(at, t("tr_submit")).click()
    run_app(at)
    last = s.history("p_songshen_aquatic").iloc[-1]
    assert last.to_status == "在建" and last.is_correction and last.username == "bob"
    s.dispose()


def test_stale_edit_is_refused_naming_who_changed_it(store_path, editors):
    at = open_page(PAGE)
    form_login(at, "tracker", "alice", PASSWORDS["alice"])
    at.selectbox(key="tracker_item_zh").set_value("p_hudong_auto")
    run_app(at)                                   # alice sees version 1
    other = open_store(store_path)
    other.change_status("p_hudong_auto", "已出让", editor=login(other, "bob"), expected_version=1)
    at.selectbox(key="tracker_new_status_p_hudong_auto_zh").set_value("暂缓")
    button(at, t("tr_submit")).click()
    run_app(at)
    errors = "\n".join(e.value for e in at.error)
    assert "bob" in errors and "未保存" in errors and "版本 1" in errors
    it = other.item("p_hudong_auto")
    assert (it["status"], it["version"], it["updated_by"]) == ("已出让", 2, "bob")
    other.dispose()


def test_as_of_date_changes_the_progress(store_path, editors):
    at = open_page(PAGE)
    key = "tracker_as_of"
    expected = {dt.date(2023, 1, 1): "on_track", dt.date(2025, 9, 1): "due_soon",
                dt.date(2026, 3, 1): "overdue"}
    for day, state in expected.items():
        at.date_input(key=key).set_value(day)
        run_app(at)
        parcels = _frame(at, t("tr_col_name"), "东亚地块").set_index(t("tr_col_name"))
        assert parcels.loc["东亚地块", t("tr_col_schedule_label")] == t(f"tr_sched_{state}")
    assert "2026-03-01" in _texts(at)


def test_page_in_english(store_path, editors):
    at = open_page(PAGE, "en")
    assert [x.value for x in at.title] == [t("tracker", "en")]
    parcels = _frame(at, t("tr_col_name", "en"), "Dongya parcel (东亚地块)")
    assert t("tr_col_schedule_label", "en") in parcels.columns
    # statuses read in English, with the official Chinese term kept
    row = parcels[parcels[t("tr_col_name", "en")] == "Dongya parcel (东亚地块)"].iloc[0]
    assert row[t("tr_col_status", "en")] == "Land banked (收储)"


def test_store_that_cannot_be_opened_is_an_error_not_a_traceback(monkeypatch, editors):
    monkeypatch.setenv("SONGNAN_STORE_URL", "postgresql://nobody:wrong@127.0.0.1:1/none")
    at = open_page(PAGE)
    assert t("tr_store_error") in [e.value for e in at.error]
    assert "cannot connect" in "\n".join(c.value for c in at.code)
    assert "wrong" not in "\n".join(c.value for c in at.code)   # no password in the message


def test_exports_carry_the_current_status(tmp_path, editors):
    s = open_store(tmp_path / "t.gpkg")
    s.change_status("p_yuanyang", "出让准备", editor=login(s, "alice"), expected_version=1,
                    note="导出测试")
    items, history, parcels = s.snapshot()
    table = tracker.items_table(items, history, dt.date(2024, 1, 1), "zh")
    files = tracker.export_tables(table, history, "zh")
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    assert book.sheetnames == ["地块", "项目", "变更记录"]
    assert [book[n].max_row - 1 for n in book.sheetnames] == [12, len(items) - 12, len(history)]
    changes = pd.read_excel(io.BytesIO(files["xlsx"]), sheet_name="变更记录")
    last = changes[changes[t("tr_col_note")] == "导出测试"].iloc[0]
    assert last[t("tr_col_change")] == "收储 → 出让准备" and last[t("tr_col_username")] == "alice"
    assert last[t("tr_col_name")] == "远洋地块"
    csv = pd.read_csv(io.BytesIO(files["csv"]), encoding="utf-8-sig")
    assert files["csv"].startswith(b"\xef\xbb\xbf") and len(csv) == len(items)
    assert csv.set_index(t("tr_col_id")).loc["p_yuanyang", t("tr_col_status")] == "出让准备"
    gj = json.loads(export_layer(parcels, "geojson", "parcels"))
    status = {f["properties"]["id"]: f["properties"]["status"] for f in gj["features"]}
    assert status["p_yuanyang"] == "出让准备" and len(status) == 12
    path = tmp_path / "out.gpkg"
    path.write_bytes(export_layer(parcels, "gpkg", "parcels"))
    back = gpd.read_file(path, layer="parcels")
    assert back.set_index("id").loc["p_yuanyang", "status"] == "出让准备"
    assert back.crs.to_epsg() == 4326
    s.dispose()


def test_page_offers_the_four_downloads(store_path, editors):
    at = open_page(PAGE)
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == [t(k) for k in ("tr_dl_xlsx", "tr_dl_csv", "tr_dl_geojson", "tr_dl_gpkg")]


def test_gantt_chart_draws_each_status_period_within_the_plan_period(tmp_path, editors):
    s = open_store(tmp_path / "t.gpkg")
    ed = login(s, "alice")
    s.change_status("p_dongya", "出让准备", editor=ed, expected_version=1, effective_date="2023-04-01")
    items, history, _ = s.snapshot()
    table = tracker.items_table(items, history, dt.date(2024, 6, 30), "zh")
    rows = table[table["grp"] == "parcel"]
    from songnan_geo.layers.io import read_manifest
    from songnan_geo.plan.workflow import timeline_segments
    segs = timeline_segments(history[history["item_id"].isin(rows["id"])], dt.date(2024, 6, 30))
    spec = tracker.gantt_chart(segs, rows[["id", "name", "plan_deadline"]],
                               tracker.status_palette("parcel", read_manifest()), "zh",
                               tracker.PLAN_PERIOD, dt.date(2024, 6, 30)).to_dict()
    bars = spec["datasets"][spec["layer"][0]["data"]["name"]]
    dongya = [b for b in bars if b["item"] == "东亚地块"]
    assert [(b["status"], b["start"][:10], b["end"][:10]) for b in dongya] == [
        ("收储", "2021-01-01", "2023-04-01"), ("出让准备", "2023-04-01", "2024-06-30")]
    assert len({b["item"] for b in bars}) == 12
    colors = spec["layer"][0]["encoding"]["color"]["scale"]
    assert dict(zip(colors["domain"], colors["range"]))["出让准备"] == \
        read_manifest()["layers"]["parcels"]["palette"]["出让准备"]
    deadlines = spec["datasets"][spec["layer"][1]["data"]["name"]]
    assert {d["deadline"][:10] for d in deadlines} == {"2025-12-31"}
    s.dispose()


def test_language_switch_keeps_the_chosen_item_and_list(store_path, editors):
    at = open_page(PAGE)
    at.selectbox(key="tracker_item_zh").set_value("p_dongya")
    at.radio(key="tracker_project_group_zh").set_value("table5")
    run_app(at)
    at.sidebar.radio(key="lang").set_value("en")
    run_app(at)
    box = at.selectbox(key="tracker_item_en")
    assert box.value == "p_dongya"
    assert box.options[box.index].startswith("Dongya parcel (东亚地块)")
    assert at.radio(key="tracker_project_group_en").value == "table5"


def test_page_on_a_postgis_store(monkeypatch, postgis_url, editors):
    """SONGNAN_STORE_URL switches the page to PostGIS; a change is recorded there."""
    monkeypatch.setenv("SONGNAN_STORE_URL", postgis_url)
    at = open_page(PAGE)
    assert "PostGIS" in _texts(at) and "***" in _texts(at)      # password hidden
    form_login(at, "tracker", "carol", PASSWORDS["carol"])
    at.selectbox(key="tracker_item_zh").set_value("f14_weimob")
    run_app(at)
    at.selectbox(key="tracker_new_status_f14_weimob_zh").set_value("已完成")
    at.text_input(key="tracker_doc_no_f14_weimob").input("竣工备案 2024-01")
    button(at, t("tr_submit")).click()
    run_app(at)
    s = open_store(postgis_url)
    it = s.item("f14_weimob")
    assert (it["status"], it["version"], it["updated_by"]) == ("已完成", 2, "carol")
    s.dispose()
