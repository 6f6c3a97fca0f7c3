"""The 人口录入 page under AppTest (own GeoPackage store per test): viewer, editor, bad input, history."""
from __future__ import annotations

from conftest import app_page_paths, button, form_login, frame_with_column, open_page, run_app
from streamlit.testing.v1 import AppTest
from tracker_testlib import PASSWORDS, editors, login, store_path  # noqa: F401

from songnan_geo.store.population import PopulationStore
from songnan_geo.store.tracker import open_store
from songnan_geo.text.i18n import t

PAGE = app_page_paths()["population"]
J1 = "310113113001"


def _table(at: AppTest, lang: str = "zh"):
    return frame_with_column(at, t("pop_col_population", lang)).set_index(t("pop_col_id", lang))


def _save(at: AppTest, value: str, year: str, source: str, lang: str = "zh") -> AppTest:
    at.text_input(key="pop_value_text").input(value)
    at.text_input(key="pop_year_text").input(year)
    at.text_input(key="pop_source_text").input(source)
    button(at, t("pop_save", lang)).click()
    return run_app(at)


def _history(store_path):
    s = open_store(store_path)
    try:
        return PopulationStore(s).history()
    finally:
        s.dispose()


def test_viewer_sees_the_24_official_juwei_with_the_labelled_estimate_and_no_form(store_path, editors):
    at = open_page(PAGE)
    assert [x.value for x in at.title] == [t("population")]
    table = _table(at)
    assert len(table) == 24 and table.loc[J1, t("pop_col_name")] == "淞南一村居委会"
    assert set(table[t("pop_col_source")]) == {t("pop_estimate_source")}
    assert table[t("pop_col_estimated")].all() and (table[t("pop_col_version")] == 0).all()
    assert t("pop_readonly_viewer") in [c.value for c in at.caption]
    assert [x for x in at.text_input if x.key == "pop_user"]          # the login form
    assert not [x for x in at.text_input if x.key == "pop_value_text"]


def test_editor_saves_a_figure_and_the_history_names_the_editor(store_path, editors):
    at = open_page(PAGE)
    form_login(at, "pop", "alice", PASSWORDS["alice"])
    at.selectbox(key="pop_pick").set_value(J1)
    run_app(at)
    _save(at, "3,520", "2024", "居委台账")
    assert t("pop_saved").format(version=1) in [s.value for s in at.success]
    row = _table(at).loc[J1]
    assert row[t("pop_col_population")] == 3520 and row[t("pop_col_source")] == "居委台账"
    assert row[t("pop_col_year")] == 2024 and row[t("pop_col_by")] == "alice"
    assert not row[t("pop_col_estimated")] and row[t("pop_col_at")].endswith("(UTC+8)")
    history = frame_with_column(at, t("pop_col_note"))    # only the history has notes
    assert history[t("pop_col_by")].tolist() == ["alice"]
    assert history[t("pop_col_name")].tolist() == ["淞南一村居委会"]
    h = _history(store_path)
    assert h["population"].tolist() == [3520] and h["username"].tolist() == ["alice"]


def test_bad_input_is_refused_in_chinese_and_english_and_nothing_is_stored(store_path, editors):
    at = open_page(PAGE)
    form_login(at, "pop", "bob", PASSWORDS["bob"])
    _save(at, "三千", "1999", "")
    [err] = [e.value for e in at.error]
    assert "不是整数人数" in err and "1999" in err and "未填写来源" in err and "未保存任何内容" in err
    at.sidebar.radio(key="lang").set_value("en")     # the same session, now in English
    run_app(at)
    _save(at, "250000", "2024", "guess", lang="en")
    [err] = [e.value for e in at.error]
    assert "implausible" in err and "Nothing was saved" in err
    assert _history(store_path).empty
    assert set(_table(at, "en")[t("pop_col_source", "en")]) == {t("pop_estimate_source", "en")}


def test_a_figure_saved_meanwhile_by_another_editor_is_not_overwritten(store_path, editors):
    at = open_page(PAGE)
    form_login(at, "pop", "alice", PASSWORDS["alice"])
    at.selectbox(key="pop_pick").set_value(J1)
    run_app(at)
    s = open_store(store_path)
    PopulationStore(s).record(J1, 4000, 2025, "街镇统计", editor=login(s, "bob"), expected_version=0)
    s.dispose()
    _save(at, "3500", "2024", "居委台账")
    [err] = [e.value for e in at.error]
    assert "bob" in err and "淞南一村居委会" in err
    assert _history(store_path)["population"].tolist() == [4000]


def test_hostile_source_text_is_kept_as_data(store_path, editors):
    hostile = "**粗体** [链接](http://example.com) {{ 7*7 }} <b>x</b>"
    at = open_page(PAGE)
    form_login(at, "pop", "carol", PASSWORDS["carol"])
    at.selectbox(key="pop_pick").set_value(J1)
    run_app(at)
    _save(at, "3000", "2023", hostile)
    assert _table(at).loc[J1, t("pop_col_source")] == hostile      # the frame holds the text as is
    assert _history(store_path)["source"].tolist() == [hostile]
    _save(at, "x{{1}}", "2023", hostile)                             # echoed in the error, escaped
    [err] = [e.value for e in at.error]
    assert "x\\{\\{1\\}\\}" in err
