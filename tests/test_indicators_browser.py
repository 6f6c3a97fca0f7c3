"""规划指标 in Debian's Chromium: the page loads offline, the table of 18 shows, choosing an
indicator draws its path chart, and both mid-term downloads are offered."""
from __future__ import annotations

import pytest

from conftest import ARTIFACTS
from test_browser import assert_clean, poll, wait_title
from test_tracker_browser import choose, settle

pytestmark = pytest.mark.browser


def test_indicators_page_draws_its_table_and_chart(app_page):
    ap, page = app_page, app_page.page
    try:
        page.goto(ap.base_url + "/indicators")
        wait_title(ap, "规划指标")
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
        assert_clean(ap)
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "indicators-fail.png"), full_page=True)
        raise
