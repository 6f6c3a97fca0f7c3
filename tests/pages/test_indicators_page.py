"""The 规划指标 page under AppTest (own GeoPackage store per test), and its mid-term exports."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import openpyxl
import pandas as pd
from conftest import app_page_paths, button, form_login, frame_with_column, open_page, run_app
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest
from tracker_testlib import PASSWORDS, editors, login, store_path  # noqa: F401

from songnan_geo.plan.indicators import evaluation_table
from songnan_geo.reports import indicators as indicator_report
from songnan_geo.store.indicators import IndicatorStore, read_plan_indicators
from songnan_geo.store.tracker import open_store
from songnan_geo.text.i18n import t

PAGE = app_page_paths()["indicators"]
TRACKER = app_page_paths()["tracker"]


def _table(at: AppTest):
    return frame_with_column(at, t("ind_col_status", "en" if at.session_state["lang"] == "en" else "zh"))


def _save(at: AppTest, value: str, source: str = "", note: str = "", lang: str = "zh") -> AppTest:
    at.text_input(key="ind_value_text").input(value)
    at.text_input(key="ind_value_source").input(source)
    at.text_input(key="ind_value_note").input(note)
    button(at, t("ind_save", lang)).click()
    return run_app(at)


def _logged_in_as(at: AppTest) -> str | None:
    """The editor the page says is logged in (None when it shows the login form)."""
    for s in at.success:
        for user in PASSWORDS:
            if s.value == t("tr_logged_in").format(user=user):
                return user
    return None


def test_viewer_sees_all_18_without_data_and_the_login_form(store_path, editors):
    at = open_page(PAGE)
    assert [x.value for x in at.title] == [t("indicators")]
    table = _table(at)
    assert len(table) == 18
    assert table[t("ind_col_target_2025")].tolist()[10] == "≥98%"
    assert set(table[t("ind_col_status")]) == {t("ind_status_no_data")}
    assert table[t("ind_col_attribute")].tolist()[8] == "待核"
    assert [x for x in at.text_input if x.key == "ind_user"]          # the page's own login form
    assert t("ind_readonly_viewer") in [c.value for c in at.caption]
    assert not [x for x in at.text_input if x.key == "ind_value_text"]
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == [t("ind_download_xlsx"), t("ind_download_pdf")]


def test_without_editors_the_page_says_how_to_add_one(store_path, monkeypatch, tmp_path):
    monkeypatch.delenv("SONGNAN_EDITORS", raising=False)
    monkeypatch.setenv("SONGNAN_EDITORS_FILE", str(tmp_path / "none" / "editors.json"))
    at = open_page(PAGE)
    assert t("tr_readonly_no_editors") in [i.value for i in at.info]
    assert "python -m songnan_geo editor add USER" in [c.value for c in at.code]
    assert not [x for x in at.text_input if x.key in ("ind_user", "ind_value_text")]


def test_editor_logs_in_on_this_page_and_enters_actual_and_reference_values(store_path, editors):
    at = open_page(PAGE)
    form_login(at, "ind", "alice", PASSWORDS["alice"])
    assert _logged_in_as(at) == "alice"
    at.date_input(key="ind_as_of").set_value(dt.date(2022, 12, 31))
    at.selectbox(key="ind_pick_zh").set_value("i12")       # 控制在下达的目标数内 (worded, lower)
    run_app(at)
    assert at.selectbox(key="ind_kind_i12_zh").options == [t("ind_kind_actual"),
                                                           t("ind_kind_reference")]
    at.selectbox(key="ind_year").set_value(2021)
    run_app(at)
    _save(at, "2800", source="区人社局", note="年末数")
    assert t("ind_saved").format(version=1) in [s.value for s in at.success]
    row = _table(at).iloc[11]
    # an actual value without the district's figure to compare with: no status yet
    assert row[t("ind_col_value")] == "2800" and row[t("ind_col_status")] == t("ind_status_no_data")

    at.selectbox(key="ind_kind_i12_zh").set_value("reference")
    run_app(at)
    assert t("ind_reference_help").format(target="控制在下达的目标数内") in [c.value for c in at.caption]
    _save(at, "abc")                           # not stored: the history below has two rows
    assert [e.value for e in at.error] == ["数值（value）'abc' 无法识别：请填写数字，例如 3。"
                                           "未保存任何内容。"]
    _save(at, "2900", source="区下达目标")
    assert t("ind_saved").format(version=1) in [s.value for s in at.success]
    row = _table(at).iloc[11]
    assert row[t("ind_col_reference_or_target")] == "2900"
    assert row[t("ind_col_status")] == t("ind_status_on_track")      # 2800 ≤ 2900

    history = frame_with_column(at, t("ind_hcol_username"))
    assert list(history.columns) == [t(f"ind_hcol_{c}") for c in indicator_report.HISTORY_COLUMNS]
    assert history[t("ind_hcol_indicator")].tolist() == ["城镇登记失业人数"] * 2
    assert history[t("ind_hcol_kind")].tolist() == [t("ind_kind_actual"), t("ind_kind_reference")]
    assert history[t("ind_hcol_value")].tolist() == ["2800", "2900"]
    assert history[t("ind_hcol_username")].tolist() == ["alice", "alice"]
    assert history[t("ind_hcol_source")].tolist() == ["区人社局", "区下达目标"]
    assert all(x.endswith("(UTC+8)") for x in history[t("ind_hcol_recorded_at")])
    s = open_store(store_path)
    actuals, refs = IndicatorStore(s).values()
    assert actuals == {"i12": {2021: (2800.0,)}} and refs == {"i12": {2021: 2900.0}}
    s.dispose()


def test_numeric_indicator_value_and_path_chart(store_path, editors):
    at = open_page(PAGE)
    form_login(at, "ind", "bob", PASSWORDS["bob"])
    at.date_input(key="ind_as_of").set_value(dt.date(2022, 12, 31))
    at.selectbox(key="ind_pick_zh").set_value("i17")
    run_app(at)
    assert at.selectbox(key="ind_kind_i17_zh").options == [t("ind_kind_actual")]
    at.selectbox(key="ind_year").set_value(2021)
    run_app(at)
    _save(at, "95.5", source="镇统计")
    assert t("ind_saved").format(version=1) in [s.value for s in at.success]
    row = _table(at).iloc[16]
    # path 95 (2020) → 98 (2025): 95.6 due in 2021, 95.5 is behind it
    assert row[t("ind_col_status")] == t("ind_status_at_risk")
    assert row[t("ind_col_expected")] == "95.6" and row[t("ind_col_value")] == "95.5"
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert spec["title"] == "文明小区创建率（%）"
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "point"]


def test_a_value_saved_meanwhile_by_another_editor_is_not_overwritten(store_path, editors):
    at = open_page(PAGE)
    form_login(at, "ind", "alice", PASSWORDS["alice"])
    at.selectbox(key="ind_pick_zh").set_value("i12")
    run_app(at)
    at.selectbox(key="ind_year").set_value(2021)
    run_app(at)                                 # alice sees 2021's actual value: none (version 0)
    s = open_store(store_path)
    IndicatorStore(s).record("i12", 2021, "2700", editor=login(s, "bob"), expected_version=0)
    _save(at, "2800")
    stale = [e.value for e in at.error if e.value.startswith("未保存")]
    assert stale and "bob" in stale[0] and "版本 1" in stale[0] and "城镇登记失业人数 2021" in stale[0]
    assert IndicatorStore(s).history()["value"].tolist() == ["2700"]     # bob's value stands
    _save(at, "2800")                        # after seeing the message, alice saves again
    assert t("ind_saved").format(version=2) in [x.value for x in at.success]
    assert IndicatorStore(s).history()["value"].tolist() == ["2700", "2800"]
    s.dispose()


def test_wrong_password_is_refused_and_nothing_can_be_stored(store_path, editors):
    at = open_page(PAGE)
    form_login(at, "ind", "alice", "wrong password")
    assert t("tr_login_failed") in [e.value for e in at.error]
    assert "tracker_editor" not in at.session_state or at.session_state["tracker_editor"] is None
    assert _logged_in_as(at) is None
    assert not [x for x in at.text_input if x.key == "ind_value_text"]
    s = open_store(store_path)
    assert IndicatorStore(s).history().empty
    assert len(s.login_failures("alice", since=0)) == 1      # counted for throttling
    s.dispose()


def test_one_login_for_both_pages_and_logout_on_either(store_path, editors):
    at = open_page(PAGE)
    at.switch_page(TRACKER)
    run_app(at)
    form_login(at, "tracker", "carol", PASSWORDS["carol"])
    assert _logged_in_as(at) == "carol"
    at.switch_page(PAGE)
    run_app(at)
    assert _logged_in_as(at) == "carol"                      # no second login
    assert [x for x in at.text_input if x.key == "ind_value_text"]
    button(at, t("tr_logout")).click()                      # log out here ...
    run_app(at)
    assert _logged_in_as(at) is None and [x for x in at.text_input if x.key == "ind_user"]
    at.switch_page(TRACKER)
    run_app(at)
    assert _logged_in_as(at) is None                         # ... and the tracker is logged out
    assert [x for x in at.text_input if x.key == "tracker_user"]
    assert not [x for x in at.selectbox if x.key.startswith("tracker_new_status")]

    at.switch_page(PAGE)                                     # log in here, out on the tracker
    run_app(at)
    form_login(at, "ind", "alice", PASSWORDS["alice"])
    at.switch_page(TRACKER)
    run_app(at)
    assert _logged_in_as(at) == "alice"
    button(at, t("tr_logout")).click()
    run_app(at)
    at.switch_page(PAGE)
    run_app(at)
    assert _logged_in_as(at) is None
    assert not [x for x in at.text_input if x.key == "ind_value_text"]


def test_an_editor_removed_meanwhile_is_logged_out(store_path, editors):
    at = open_page(PAGE)
    form_login(at, "ind", "alice", PASSWORDS["alice"])
    assert _logged_in_as(at) == "alice"
    path = Path(os.environ["SONGNAN_EDITORS_FILE"])
    users = json.loads(path.read_text(encoding="utf-8"))["editors"]
    del users["alice"]
    path.write_text(json.dumps({"editors": users}), encoding="utf-8")
    run_app(at)
    assert _logged_in_as(at) is None
    assert not [x for x in at.text_input if x.key == "ind_value_text"]
    assert at.session_state["tracker_editor"] is None


def test_history_table_labels_columns_names_and_kinds():
    inds = {i.id: i for i in read_plan_indicators()}
    history = pd.DataFrame([
        dict(seq=1, indicator_id="i12", year=2021, kind="actual", value="2800", version=1,
             recorded_at="2026-11-28T06:03:00+00:00", username="alice", note="年末数", source="区人社局"),
        dict(seq=2, indicator_id="i12", year=2021, kind="reference", value="2900", version=1,
             recorded_at="2026-11-28T07:00:00+00:00", username="bob", note="", source="区下达"),
        dict(seq=3, indicator_id="i99", year=2022, kind="actual", value="1", version=2,
             recorded_at="2026-11-29T00:00:00+00:00", username="carol", note="", source="")])
    zh = indicator_report.history_table(history, inds, "zh")
    assert list(zh.columns) == ["指标", "年份", "类别", "数值", "版本", "录入时间", "录入人",
                                "数据来源", "备注"]
    assert zh["指标"].tolist() == ["城镇登记失业人数", "城镇登记失业人数", "i99"]   # unknown id as is
    assert zh["类别"].tolist() == ["实际值", "参考值（文字目标）", "实际值"]
    assert zh["录入时间"].tolist()[0] == "2026-11-28 14:03 (UTC+8)"
    assert zh["录入人"].tolist() == ["alice", "bob", "carol"]
    assert zh["年份"].tolist() == [2021, 2021, 2022] and zh["版本"].tolist() == [1, 1, 2]
    en = indicator_report.history_table(history, inds, "en")
    assert list(en.columns) == ["Indicator", "Year", "Kind", "Value", "Version", "Recorded",
                                "Entered by", "Source", "Note"]
    assert en["Kind"].tolist()[1] == "Reference value (worded target)"
    empty = indicator_report.history_table(history.iloc[:0], inds, "zh")
    assert empty.empty and list(empty.columns) == list(zh.columns)


def test_english_page(store_path, editors):
    at = open_page(PAGE, "en")
    assert [x.value for x in at.title] == ["Plan indicators"]
    assert set(_table(at)["Status"]) == {"No data"}
    at.sidebar.radio(key="lang").set_value("zh")       # log in (the helper speaks Chinese) ...
    form_login(run_app(at), "ind", "alice", PASSWORDS["alice"])
    at.sidebar.radio(key="lang").set_value("en")       # ... and enter a bad value in English
    run_app(at)
    pick = at.selectbox(key="ind_pick_en")             # the plan's words glossed, not Chinese
    assert "17. share of estates certified as civilised communities (98)" in pick.options
    pick.set_value("i17")
    run_app(at)
    _save(at, "9O", lang="en")                         # a letter O for a zero
    assert [e.value for e in at.error] == ["value '9O' is not understood: enter number, e.g. 3. "
                                           "Nothing was saved."]
    s = open_store(store_path)
    assert IndicatorStore(s).history().empty
    s.dispose()


def test_mid_term_exports_contain_every_indicator(tmp_path, editors):
    s = open_store(tmp_path / "t.gpkg")
    store = IndicatorStore(s)
    ed = login(s, "alice")
    store.record("i06", 2021, "2/5", editor=ed, expected_version=0, today=dt.date(2026, 1, 1))
    store.record("i12", 2021, "2800", editor=ed, expected_version=0, today=dt.date(2026, 1, 1))
    store.record("i12", 2021, "2900", kind="reference", editor=ed, expected_version=0,
                 today=dt.date(2026, 1, 1))
    inds = read_plan_indicators()
    actuals, refs = store.values()
    as_of = dt.date(2022, 6, 30)
    table = evaluation_table(inds, actuals, refs, as_of=as_of)
    xlsx = indicator_report.evaluation_xlsx(table, store.history(), store.indicators, "zh")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert wb.sheetnames == [t("ind_sheet_eval"), t("ind_sheet_history")]
    rows = list(wb[t("ind_sheet_eval")].iter_rows(values_only=True))
    assert len(rows) == 19
    names = [r[2] for r in rows[1:]]
    assert names == [i.name for i in inds]
    status = {r[0]: r[11] for r in rows[1:]}
    assert status[6] == t("ind_status_on_track") and status[12] == t("ind_status_on_track")
    entries = list(wb[t("ind_sheet_history")].iter_rows(values_only=True))
    assert len(entries) == 4
    assert list(entries[0]) == [t(f"ind_hcol_{c}") for c in indicator_report.HISTORY_COLUMNS]
    assert [r[0] for r in entries[1:]] == ["新增服务载体数量/面积", "城镇登记失业人数", "城镇登记失业人数"]
    assert {r[6] for r in entries[1:]} == {"alice"}
    pdf = indicator_report.evaluation_pdf(table, as_of, "zh")

    def squash(x):
        return "".join(c for c in x if c not in " \n（）()")

    text = squash("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    for i in inds:   # every indicator's full name (a cell may wrap it over lines)
        assert squash(i.name) in text, i.name
    assert "2022-06-30" in text
    s.dispose()
