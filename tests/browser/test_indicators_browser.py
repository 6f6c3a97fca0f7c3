"""规划指标 in Debian's Chromium: the page loads offline, the table of 18 shows, choosing an
indicator draws its path chart, both mid-term downloads are offered, and an editor logs in
with the page's own login form and saves a yearly value that the table and history show.

The server is the tracker browser tests' ``streamlit run app.py`` with its own GeoPackage
store and secrets file (never the user's).
"""
from __future__ import annotations

import pytest
from conftest import app_page_with_screenshot
from test_browser import assert_clean, open_app, poll
from test_tracker_browser import choose, log_in, settle, tracker_server  # noqa: F401

from songnan_geo.store.indicators import IndicatorStore
from songnan_geo.store.tracker import open_store

pytestmark = pytest.mark.browser


def test_indicators_page_draws_its_table_and_chart_and_an_editor_saves_a_value(chromium,
                                                                               tracker_server):
    base_url, store_path = tracker_server
    with app_page_with_screenshot(chromium, base_url, "indicators") as ap:
        _view_and_enter(ap)
    s = open_store(store_path)
    h = IndicatorStore(s).history()
    assert h[["indicator_id", "year", "kind", "value", "username"]].values.tolist() == [
        ["i05", 2021, "actual", "88.5", "alice"]]
    s.dispose()


def _view_and_enter(ap):
    page = ap.page
    open_app(ap, "/indicators", "规划指标")
    settle(page)
    page.get_by_text("暂无数据 18 项", exact=False).first.wait_for(timeout=60_000)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(state="visible", timeout=60_000)
    assert grid.bounding_box()["height"] > 200          # 18 rows drawn, not an empty frame
    choose(page, "选择指标", "第三产业占比")
    settle(page)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.wait_for(state="visible", timeout=60_000)
    drawn = poll(ap, lambda: chart.locator("canvas, svg").count(), "the path chart drawn")
    assert drawn >= 1
    for label in ("下载 XLSX", "下载 PDF"):
        assert page.get_by_role("button", name=label).count() == 1

    # Log in with this page's own form (no visit to 地块进度).
    assert page.get_by_role("button", name="保存").count() == 0
    log_in(page, "alice")

    # Enter 2021's actual value of 第三产业占比 (the year offered first).
    page.get_by_label("数值", exact=False).fill("88.5")
    page.get_by_label("数据来源").fill("浏览器测试")
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_text("已保存（第 1 版）").wait_for(timeout=60_000)
    settle(page)
    page.get_by_text("暂无数据 17 项", exact=False).first.wait_for(timeout=60_000)

    # The entry is in the history, under labelled columns, with who entered it.
    box = page.get_by_test_id("stExpander").filter(has_text="录入记录")
    box.get_by_text("录入记录", exact=True).click()
    history = box.locator('[data-testid="stDataFrame"]')
    history.wait_for(state="visible", timeout=60_000)
    headers = poll(ap, lambda: history.locator("[role=columnheader]").all_inner_texts(),
                   "the history table's column headers")
    assert headers[:4] == ["指标", "年份", "类别", "数值"], headers
    cells = history.locator("[role=gridcell]").all_inner_texts()
    assert cells[:4] == ["第三产业占比", "2021", "实际值", "88.5"], cells
    assert "alice" in cells and "浏览器测试" in cells, cells
    assert_clean(ap)
