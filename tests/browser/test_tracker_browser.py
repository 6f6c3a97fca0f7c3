"""End to end in Debian's Chromium: an editor logs in on 地块进度, records a status change, and the
map's colour and the timeline change.

The server is a ``streamlit run app.py`` of this module with its own GeoPackage store and
secrets file (never the user's), offline like every browser test.
"""
from __future__ import annotations

import json

import pytest
from conftest import ARTIFACTS, app_page_with_screenshot, open_app_page, serve_app
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from test_browser import assert_clean, map_frame, open_app, poll
from tracker_testlib import PASSWORDS, editor_hashes

from songnan_geo.layers.io import read_manifest
from songnan_geo.store.tracker import open_store

pytestmark = pytest.mark.browser

PALETTE = read_manifest()["layers"]["parcels"]["palette"]
NOTE = "浏览器测试：东亚地块收储完成"


@pytest.fixture(scope="module")
def tracker_server(tmp_path_factory):
    """The app with a fresh store and editors alice/bob/carol; yields (base_url, store path)."""
    tmp = tmp_path_factory.mktemp("tracker_browser")
    secrets = tmp / "editors.json"
    secrets.write_text(json.dumps({"editors": editor_hashes()}), encoding="utf-8")
    store_path = tmp / "tracker.gpkg"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SONGNAN_STORE_URL", raising=False)
        mp.delenv("SONGNAN_EDITORS", raising=False)
        mp.setenv("SONGNAN_STORE_PATH", str(store_path))
        mp.setenv("SONGNAN_EDITORS_FILE", str(secrets))
        with serve_app("streamlit-server-tracker.log") as base_url:
            mp.undo()   # the server has its environment; the tests' own is restored
            yield base_url, store_path


def fill_counts(frame) -> dict[str, int]:
    """Number of drawn SVG paths per fill colour in the map."""
    return frame.evaluate("""() => {
        const out = {};
        for (const p of document.querySelectorAll('path.leaflet-interactive')) {
            const f = (p.getAttribute('fill') || '').toLowerCase();
            out[f] = (out[f] || 0) + 1;
        }
        return out;
    }""")


def choose(page, label: str, text: str) -> None:
    """Pick ``text`` in the Streamlit selectbox labelled ``label``."""
    box = page.get_by_label(label, exact=False).first
    box.click()
    page.keyboard.type(text)
    # Wait for the filtered list, then take its (focused) first entry with Enter: clicking the
    # option itself can chase a list that is re-rendered while the app is busy.
    page.get_by_role("option", name=text, exact=False).first.wait_for(timeout=60_000)
    page.keyboard.press("Enter")


def settle(page) -> None:
    """Wait until the app has finished its rerun (Streamlit's "running" status is gone)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=60_000)


def log_in(page, username: str) -> None:
    """Log ``username`` in with the page's own 编辑登录 form and wait for the app to rerun."""
    page.get_by_test_id("stExpander").get_by_text("编辑登录", exact=True).click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORDS[username])
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"已登录编辑：{username}").wait_for(timeout=60_000)
    settle(page)


def test_editor_changes_a_status_and_sees_map_and_timeline_change(chromium, tracker_server):
    base_url, store_path = tracker_server
    with app_page_with_screenshot(chromium, base_url, "tracker") as ap:
        _change_status_in_the_browser(ap)

    s = open_store(store_path)
    it = s.item("p_dongya")
    assert (it["status"], it["version"], it["updated_by"]) == ("出让准备", 2, "alice")
    s.dispose()


def _change_status_in_the_browser(ap):
    page = ap.page
    open_app(ap, "/tracker", "地块进度")
    frame = map_frame(ap)
    before = poll(ap, lambda: (c := fill_counts(frame)) and sum(c.values()) >= 13 and c,
                  "the boundary and 12 parcels drawn")
    sold_prep, reserve = PALETTE["出让准备"].lower(), PALETTE["收储"].lower()
    assert before.get(sold_prep) == 2 and before.get(reserve) == 2, before

    # Log in.
    log_in(page, "alice")

    # Choose 东亚地块 (收储) and record 出让准备, the workflow's next step (the default choice).
    # (A choice made while the app still reruns from the login can be lost, as Streamlit drops
    # widget input during a rerun: choose again, at most three times, until the page shows it.)
    for attempt in range(3):
        choose(page, "选择地块或项目", "东亚地块")
        try:
            page.get_by_text("当前状态：收储").wait_for(timeout=20_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            settle(page)
    settle(page)
    timeline = page.locator('[data-testid="stTable"]')
    assert NOTE not in timeline.inner_text()
    page.get_by_label("说明", exact=True).fill(NOTE)
    page.get_by_role("button", name="保存变更").click()
    page.get_by_text("已保存：东亚地块 → 出让准备").wait_for(timeout=60_000)

    # The timeline has the new entry, with who did it.
    poll(ap, lambda: NOTE in timeline.inner_text(), "the new entry in the timeline")
    row = timeline.locator("tr", has_text=NOTE).inner_text()
    assert "收储 → 出让准备" in row and "alice" in row

    # The map is redrawn from the store: one more parcel in 出让准备's colour, one fewer in 收储's.
    frame = map_frame(ap)
    after = poll(ap, lambda: (c := fill_counts(frame)).get(sold_prep) == 3 and c,
                 "the parcel redrawn in the colour of 出让准备")
    assert after.get(reserve) == 1, after
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "tracker.png"), full_page=True)
    assert_clean(ap)


def test_viewer_sees_no_change_form(chromium, tracker_server):
    base_url, _ = tracker_server
    with open_app_page(chromium, base_url) as ap:
        open_app(ap, "/tracker", "地块进度")
        ap.page.get_by_text("只读：编辑登录后可记录状态变更。").wait_for(timeout=60_000)
        assert ap.page.get_by_role("button", name="保存变更").count() == 0
        assert_clean(ap)
