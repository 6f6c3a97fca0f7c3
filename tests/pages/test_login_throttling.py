"""The login box passes the client's address (``st.context.ip_address``) to the throttling.

Under AppTest there is no connection, so the address is None: the per-username limit still
applies and failures are recorded without an address. In Chromium against ``streamlit run``
the address is real: Streamlit (uvicorn) takes it from ``X-Forwarded-For`` only when the
connection comes from a trusted proxy address (loopback by default), which is how the test
gives two browsers two addresses.
"""
from __future__ import annotations

import time

import pytest
from conftest import app_page_paths, form_login, open_app_page, open_page
from test_browser import assert_clean, open_app
from test_tracker_browser import settle, tracker_server  # noqa: F401
from tracker_testlib import PASSWORDS, editors, store_path  # noqa: F401

from songnan_geo import auth
from songnan_geo.store.tracker import open_store
from songnan_geo.text.i18n import t

PAGE = app_page_paths()["tracker"]
SPRAYER, NEIGHBOUR = "203.0.113.9", "203.0.113.10"


def _spray(store, client: str) -> None:
    """A password-spraying run from ``client`` that just ended: one failure per username, 15 in
    all, so that the address is locked out for the next 160 s."""
    now = time.time()
    for i in range(auth.CLIENT_FREE_FAILURES + 5):
        store.record_login_failure(f"guess{i}", now - 1 + i / 100, client=client)


def test_page_logs_in_with_an_unknown_address_and_keeps_the_username_limit(store_path, editors):
    s = open_store(store_path)
    _spray(s, SPRAYER)                      # another machine's spraying does not concern None
    for i in range(auth.FREE_FAILURES + 3):     # locked out for 40 s from the last one
        s.record_login_failure("bob", time.time() - 5 + i)
    at = open_page(PAGE)
    form_login(at, "tracker", "carol", "wrong password")
    assert t("tr_login_failed") in [e.value for e in at.error]
    rows = [r for r in _failures(s) if r[0] == "carol"]
    assert [r[1] for r in rows] == [None]   # AppTest has no client address
    form_login(at, "tracker", "bob", PASSWORDS["bob"])     # bob's own failures still lock him out
    assert [w.value for w in at.warning if w.value.startswith("登录失败次数过多")]
    assert not at.success and "tracker_editor" not in at.session_state
    form_login(at, "tracker", "alice", PASSWORDS["alice"])
    assert t("tr_logged_in").format(user="alice") in [x.value for x in at.success]
    s.dispose()


def _failures(store) -> list[tuple[str, str | None]]:
    from sqlalchemy import text
    with store.read() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT username, client FROM tracker_login_failures ORDER BY failed_at"))]


def _open_login(page) -> None:
    page.get_by_test_id("stExpander").get_by_text("编辑登录", exact=True).click()


@pytest.mark.browser
def test_the_browser_address_is_throttled_and_a_neighbour_is_not(chromium, tracker_server):
    base_url, store_path = tracker_server
    s = open_store(store_path)
    _spray(s, SPRAYER)
    # The sprayer's browser: alice's right password is refused, the address is over its limit.
    with open_app_page(chromium, base_url) as ap:
        ap.page.context.set_extra_http_headers({"X-Forwarded-For": SPRAYER})
        open_app(ap, "/tracker", "地块进度")
        _open_login(ap.page)
        ap.page.get_by_label("用户名").fill("alice")
        ap.page.get_by_label("密码").fill(PASSWORDS["alice"])
        ap.page.get_by_role("button", name="登录").click()
        ap.page.get_by_text("登录失败次数过多", exact=False).wait_for(timeout=60_000)
        assert ap.page.get_by_text("已登录编辑：alice").count() == 0
        assert_clean(ap)
    # A neighbour's browser: a typo is recorded under its own address, then alice logs in.
    with open_app_page(chromium, base_url) as ap:
        ap.page.context.set_extra_http_headers({"X-Forwarded-For": NEIGHBOUR})
        open_app(ap, "/tracker", "地块进度")
        _open_login(ap.page)
        ap.page.get_by_label("用户名").fill("dave")
        ap.page.get_by_label("密码").fill("not the password")
        ap.page.get_by_role("button", name="登录").click()
        ap.page.get_by_text("用户名或密码错误").wait_for(timeout=60_000)
        settle(ap.page)                     # the form stays open for the next try
        ap.page.get_by_label("用户名").fill("alice")
        ap.page.get_by_label("密码").fill(PASSWORDS["alice"])
        ap.page.get_by_role("button", name="登录").click()
        ap.page.get_by_text("已登录编辑：alice").wait_for(timeout=60_000)
        assert_clean(ap)
    assert ("dave", NEIGHBOUR) in _failures(s)
    assert len(s.login_failures(client=SPRAYER, since=0)) == auth.CLIENT_FREE_FAILURES + 5
    s.dispose()
