"""终期评估 in Debian's Chromium, as a viewer, in Chinese and then English: the page loads offline,
says the 14th plan's period is over, shows every section in the order of a 规划实施评估 report
and the indicator table with all 18 indicators, and offers no planners' text form to a viewer.

The server is the tracker browser tests' ``streamlit run app.py`` with its own GeoPackage store
and secrets file (never the user's). Screenshots: ``artifacts/screenshots/evaluation-{zh,en}.png``.
"""
from __future__ import annotations

import pytest
from conftest import ARTIFACTS, app_page_with_screenshot
from test_browser import assert_clean, open_app, poll
from test_tracker_browser import settle, tracker_server  # noqa: F401

from songnan_geo import clock
from songnan_geo.plan import evaluation, registry as plans
from songnan_geo.text.i18n import t

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "screenshots"


def _check_page(ap, lang: str) -> None:
    page = ap.page
    plan = plans.load_plan("fyp14")
    # the period is over: the notice names the plan, its period and today (Shanghai)
    notice = t("plan_ended", lang).format(name=plan.name(lang), start="2021-01-01", end="2025-12-31",
                                          today=clock.today().isoformat())
    page.get_by_text(notice, exact=True).first.wait_for(timeout=60_000)
    # every section, in the order of a 规划实施评估 report
    wanted = [t(f"ev_sec_{key}", lang) for key in evaluation.SECTIONS]

    def headings():
        found = [h.strip() for h in page.locator("h3").all_inner_texts() if h.strip() in wanted]
        return found if len(found) >= len(wanted) else None

    assert poll(ap, headings, "every section heading", timeout_ms=180_000) == wanted
    # the indicator table (the one with the category column, one of its first: the grid puts
    # only the columns in view into its accessible table, and the English names are wide):
    # 18 indicators (the grid's row count is the header and the rows)
    # (the grid's accessible table is hidden from view, so it is found by its tags)
    category = t("ev_col_category", lang)
    grid = page.locator('[data-testid="stDataFrame"]').filter(
        has=page.locator("th", has_text=category))
    rows = poll(ap, lambda: grid.count() == 1 and grid.locator("table[aria-rowcount]").first
                .get_attribute("aria-rowcount"), "the indicator table's row count")
    assert int(rows) == 18 + 1
    # a viewer: the read-only note, and no form to write the planners' texts
    page.get_by_text(t("ev_readonly_viewer", lang), exact=True).wait_for(timeout=60_000)
    assert page.get_by_role("button", name=t("ev_save", lang), exact=True).count() == 0
    assert page.locator("textarea").count() == 0
    assert page.get_by_text(t("ev_edit_section", lang), exact=True).count() == 0


def _screenshot(page, name: str) -> None:
    """The whole page (Streamlit scrolls inside its own container: a tall viewport shows it)."""
    page.set_viewport_size({"width": 1400, "height": 5000})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_evaluation_page_in_both_languages_for_a_viewer(chromium, tracker_server):  # noqa: F811
    base_url, _ = tracker_server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with app_page_with_screenshot(chromium, base_url, "evaluation") as ap:
        page = ap.page
        page.set_viewport_size({"width": 1400, "height": 1000})
        open_app(ap, "/evaluation", t("evaluation", "zh"))
        settle(page)
        _check_page(ap, "zh")
        _screenshot(page, "evaluation-zh.png")
        page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
        page.locator("h1", has_text=t("evaluation", "en")).wait_for(timeout=120_000)
        settle(page)
        _check_page(ap, "en")
        _screenshot(page, "evaluation-en.png")
        assert_clean(ap)
