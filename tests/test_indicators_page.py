"""The 规划指标 page under AppTest (own GeoPackage store per test), and its mid-term exports."""
from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from songnan_geo import indicator_report
from songnan_geo.i18n import t
from songnan_geo.indicator_store import IndicatorStore, read_plan_indicators
from songnan_geo.indicators import evaluation_table
from songnan_geo.store import open_store

from conftest import APP_PATH, app_page_paths, open_page, run_app
from tracker_testlib import PASSWORDS, editors, login, store_path  # noqa: F401

PAGE = app_page_paths()["indicators"]
TRACKER = app_page_paths()["tracker"]


def _run(at: AppTest) -> AppTest:
    return run_app(at)


def _open(lang: str = "zh") -> AppTest:
    return open_page(PAGE, lang)


def _frame(at: AppTest, column: str):
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with column {column!r}"
    return found[0]


def _table(at: AppTest):
    return _frame(at, t("ind_col_status", "en" if at.session_state["lang"] == "en" else "zh"))


def test_viewer_sees_all_18_without_data_and_the_login_hint(store_path, editors):
    at = _open()
    assert [x.value for x in at.title] == [t("indicators")]
    table = _table(at)
    assert len(table) == 18
    assert table[t("ind_col_target_2025")].tolist()[10] == "≥98%"
    assert set(table[t("ind_col_status")]) == {t("ind_status_no_data")}
    assert table[t("ind_col_attribute")].tolist()[8] == "待核"
    assert t("ind_login_hint") in [i.value for i in at.info]
    assert not [x for x in at.text_input if x.key == "ind_value_text"]
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == [t("ind_download_xlsx"), t("ind_download_pdf")]


def test_editor_logged_in_on_the_tracker_enters_a_value(store_path, editors):
    at = AppTest.from_file(str(APP_PATH), default_timeout=120)
    _run(at)
    at.switch_page(TRACKER)
    _run(at)
    at.text_input(key="tracker_user").input("alice")
    at.text_input(key="tracker_password").input(PASSWORDS["alice"])
    [b for b in at.button if b.label == t("tr_login_button")][0].click()
    _run(at)
    at.switch_page(PAGE)
    _run(at)
    at.date_input(key="ind_as_of").set_value(dt.date(2022, 12, 31))
    at.selectbox(key="ind_pick").set_value("i17")
    _run(at)
    at.selectbox(key="ind_year").set_value(2021)
    _run(at)
    at.text_input(key="ind_value_text").input("abc")
    [b for b in at.button if b.label == t("ind_save")][0].click()
    _run(at)
    assert any("'abc' is not understood" in e.value for e in at.error)
    at.text_input(key="ind_value_text").input("95.5")
    at.text_input(key="ind_value_source").input("镇统计")
    [b for b in at.button if b.label == t("ind_save")][0].click()
    _run(at)
    assert t("ind_saved").format(version=1) in [s.value for s in at.success]
    row = _table(at).iloc[16]
    # path 95 (2020) → 98 (2025): 95.6 due in 2021, 95.5 is behind it
    assert row[t("ind_col_status")] == t("ind_status_at_risk")
    assert row[t("ind_col_expected")] == "95.6" and row[t("ind_col_value")] == "95.5"
    history = _frame(at, "username")
    assert history["username"].tolist() == ["alice"] and history["source"].tolist() == ["镇统计"]
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert spec["title"] == "文明小区创建率（%）"
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "point"]


def test_english_page(store_path, editors):
    at = _open("en")
    assert [x.value for x in at.title] == ["Plan indicators"]
    assert set(_table(at)["Status"]) == {"No data"}


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
    wb = openpyxl.load_workbook(io.BytesIO(indicator_report.evaluation_xlsx(table, store.history(), "zh")))
    assert wb.sheetnames == [t("ind_sheet_eval"), t("ind_sheet_history")]
    rows = list(wb[t("ind_sheet_eval")].iter_rows(values_only=True))
    assert len(rows) == 19
    names = [r[2] for r in rows[1:]]
    assert names == [i.name for i in inds]
    status = {r[0]: r[11] for r in rows[1:]}
    assert status[6] == t("ind_status_on_track") and status[12] == t("ind_status_on_track")
    assert len(list(wb[t("ind_sheet_history")].iter_rows())) == 4
    pdf = indicator_report.evaluation_pdf(table, as_of, "zh")
    squash = lambda x: "".join(c for c in x if c not in " \n（）()")
    text = squash("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    for i in inds:   # every indicator's full name (a cell may wrap it over lines)
        assert squash(i.name) in text, i.name
    assert "2022-06-30" in text
    s.dispose()
