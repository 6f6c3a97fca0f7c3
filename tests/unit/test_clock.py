"""One clock: Asia/Shanghai for every date the tool shows, stores or defaults to.

At 2026-12-03T17:00Z the server's (UTC) calendar says 12-03 and Shanghai's says 12-04. With
the tool's clock frozen at that instant every default date is 2026-12-04 — the tracker's
status date and as-of date, the indicators' as-of date, the briefing's date — and every
recorded time is that instant. A static check keeps other clocks out of the code.
"""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from conftest import DATA_DIR
from tracker_testlib import editors, login  # noqa: F401

from songnan_geo import clock
from songnan_geo.briefing import facts as briefing
from songnan_geo.layers.io import load_all_layers
from songnan_geo.plan import workflow
from songnan_geo.store import carriers as carrier_store
from songnan_geo.store.indicators import IndicatorStore

INSTANT = dt.datetime(2026, 12, 3, 17, 0, tzinfo=dt.timezone.utc)
SHANGHAI_DAY = dt.date(2026, 12, 4)
REPO = Path(__file__).resolve().parent.parent.parent


def _freeze(monkeypatch, instant: dt.datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: instant.astimezone(clock.TZ))


@pytest.fixture
def frozen(monkeypatch):
    _freeze(monkeypatch, INSTANT)


@pytest.fixture
def tracker_store(tmp_path, editors):  # noqa: F811
    from songnan_geo.store.tracker import open_store

    s = open_store(tmp_path / "tracker.gpkg")
    yield s
    s.dispose()


def test_the_clock_is_shanghai(frozen):
    assert INSTANT.date() == dt.date(2026, 12, 3)            # the server's calendar
    assert clock.today() == SHANGHAI_DAY
    assert clock.now().utcoffset() == dt.timedelta(hours=8)
    assert clock.now_iso() == "2026-12-03T17:00:00.000000+00:00"
    assert str(clock.TZ) == "Asia/Shanghai"


def test_unfrozen_clock_is_now_in_shanghai():
    before = dt.datetime.now(dt.timezone.utc)
    got = clock.now()
    after = dt.datetime.now(dt.timezone.utc)
    assert before <= got <= after and got.utcoffset() == dt.timedelta(hours=8)
    assert clock.today() in {(before + dt.timedelta(hours=8)).date(),
                             (after + dt.timedelta(hours=8)).date()}


def test_workflow_default_date_is_shanghai_today(frozen):
    wf = workflow.get_workflow("project")
    change = workflow.check_change(wf, "建设中", "已完成", current_date="2021-01")
    assert change.effective_date == "2026-12-04"
    # 12-04 is today, not the future (it would be on the server's UTC calendar)
    change = workflow.check_change(wf, "建设中", "已完成", current_date="2021-01",
                                   effective_date="2026-12-04")
    assert change.effective_date == "2026-12-04"
    with pytest.raises(workflow.WorkflowError):
        workflow.check_change(wf, "建设中", "已完成", current_date="2021-01",
                              effective_date="2026-12-05")


def test_briefing_default_date_is_shanghai_today(frozen):
    layers = load_all_layers(DATA_DIR)
    facts = briefing.briefing_facts(layers, "p_dongya")
    assert facts.as_of == SHANGHAI_DAY


def test_tracker_store_records_the_instant_and_the_shanghai_date(frozen, tracker_store):
    item = tracker_store.item("p_dongya")
    target = sorted(workflow.get_workflow(item["workflow"]).allowed_next(item["status"],
                                                                        item["paused_from"]))[0]
    written = tracker_store.change_status("p_dongya", target, editor=login(tracker_store, "alice"),
                                          expected_version=item["version"])
    assert written["status_date"] == "2026-12-04"
    assert written["updated_at"] == "2026-12-03T17:00:00.000000+00:00"


def test_stats_year_follows_shanghai_new_year(monkeypatch):
    # 2026-12-31T16:30Z is already 2027-01-01 in Shanghai: 2027 is this year, not the future.
    _freeze(monkeypatch, dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.timezone.utc))
    record = carrier_store.layer_records(load_all_layers(DATA_DIR)["carrier_parks"])[0]
    assert carrier_store.check_park({**record, "stats_year": 2027,
                                     "floor_area_m2": 1000.0})["stats_year"] == 2027
    with pytest.raises(carrier_store.CarrierError):
        carrier_store.check_park({**record, "stats_year": 2028, "floor_area_m2": 1000.0})


def test_indicator_as_of_day_ends_at_shanghai_midnight(frozen, tracker_store):
    store = IndicatorStore(tracker_store)
    ind = next(iter(store.indicators))
    store.record(ind, 2025, "1", kind="reference", editor=login(tracker_store, "alice"),
                 expected_version=0)
    # recorded 2026-12-04 01:00 Shanghai: known at the end of 12-04, not of 12-03
    assert len(store.current(as_of=SHANGHAI_DAY)) == 1
    assert len(store.current(as_of=dt.date(2026, 12, 3))) == 0


# --------------------------------------------------------------------------- no other clocks

_OTHER_CLOCKS = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"),
                 ("datetime", "today"), ("time", "strftime"), ("time", "localtime")}


def _other_clocks(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            base = node.value
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
            if (name, node.attr) in _OTHER_CLOCKS:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {name}.{node.attr}")
        if isinstance(node, ast.Name) and node.id == "ZoneInfo":
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: ZoneInfo")
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "timezone" \
                and node.args:
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: a fixed-offset timezone")
    return found


def test_no_other_clock_in_the_code():
    files = [p for d in ("songnan_geo", "songnan_ui", "app_pages") for p in (REPO / d).rglob("*.py")]
    files += [REPO / "app.py", REPO / "app_main.py"]
    found = [f for p in files if p.exists() and p.name != "clock.py" for f in _other_clocks(p)]
    assert not found, "use songnan_geo.clock instead:\n" + "\n".join(found)
