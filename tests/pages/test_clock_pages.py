"""Pages under a frozen Shanghai clock (issue 15: one clock, period awareness): past the
14th plan's period the pages default to its end and offer the Shanghai "today"."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import app_page_paths, open_page, run_app
from test_clock import SHANGHAI_DAY, frozen  # noqa: F401


@pytest.mark.parametrize("page,key", [("tracker", "tracker_as_of"), ("indicators", "ind_as_of")])
def test_pages_default_to_the_period_end_and_offer_shanghai_today(frozen, tmp_path, monkeypatch,
                                                                  page, key):
    """The 14th plan's period ended 2025-12-31: that is the default; "as of today" is the
    Shanghai day (issue 15: period awareness)."""
    monkeypatch.delenv("SONGNAN_STORE_URL", raising=False)
    monkeypatch.setenv("SONGNAN_STORE_PATH", str(tmp_path / "tracker.gpkg"))
    at = open_page(app_page_paths()[page])
    assert [d.value for d in at.date_input if d.key == key] == [dt.date(2025, 12, 31)]
    at.button(key=f"{key}_today").click()
    run_app(at)
    assert [d.value for d in at.date_input if d.key == key] == [SHANGHAI_DAY]
