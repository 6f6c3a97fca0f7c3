"""IndicatorStore: yearly actual/reference values with history, on GeoPackage and PostGIS."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from tracker_testlib import (  # noqa: F401
    editors,
    login,
    postgis_url,
    report_save,
    store,
    store_url,
    two_process_save_race,
)

from songnan_geo.auth import EditorRequiredError
from songnan_geo.plan.indicators import IndicatorError, evaluation_table
from songnan_geo.store.indicators import IndicatorStore
from songnan_geo.store.tracker import StaleVersionError

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def ind_store(store):
    return IndicatorStore(store)


def test_values_are_recorded_with_history_and_versions(ind_store, store):
    alice, bob = login(store, "alice"), login(store, "bob")
    assert ind_store.version("i17", 2021) == 0
    row = ind_store.record("i17", 2021, "96", editor=alice, expected_version=0,
                           source="镇统计", today=TODAY)
    assert row["version"] == 1 and row["username"] == "alice"
    ind_store.record("i17", 2021, "96.5%", editor=bob, expected_version=1, note="更正", today=TODAY)
    ind_store.record("i06", 2021, "2/5.5", editor=bob, expected_version=0, today=TODAY)
    ind_store.record("i12", 2021, "2900", kind="reference", editor=bob, expected_version=0,
                     today=TODAY)
    h = ind_store.history("i17")
    assert h["value"].tolist() == ["96", "96.5"] and h["username"].tolist() == ["alice", "bob"]
    actuals, refs = ind_store.values()
    assert actuals == {"i17": {2021: (96.5,)}, "i06": {2021: (2.0, 5.5)}}
    assert refs == {"i12": {2021: 2900.0}}
    table = evaluation_table(list(ind_store.indicators.values()), actuals, refs, as_of=TODAY)
    assert dict(zip(table["seq"], table["status"]))[17] == "missed"   # 96.5 < 98 after 2025


def test_values_as_known_at_a_date(ind_store, store):
    alice = login(store, "alice")
    ind_store.record("i18", 2021, "97", editor=alice, expected_version=0, today=TODAY)
    tomorrow = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date() + dt.timedelta(days=1)
    assert ind_store.values(as_of=tomorrow)[0] == {"i18": {2021: (97.0,)}}
    assert ind_store.values(as_of=dt.date(2021, 1, 1)) == ({}, {})


def test_a_stale_entry_is_refused_naming_who(ind_store, store):
    alice, bob = login(store, "alice"), login(store, "bob")
    ind_store.record("i05", 2022, "88", editor=alice, expected_version=0, today=TODAY)
    with pytest.raises(StaleVersionError, match="alice.*version 1.*based on version 0"):
        ind_store.record("i05", 2022, "89", editor=bob, expected_version=0, today=TODAY)
    assert ind_store.history("i05")["value"].tolist() == ["88"]


def test_bad_entries_name_every_problem_and_save_nothing(ind_store, store):
    alice = login(store, "alice")
    with pytest.raises(IndicatorError) as e:
        ind_store.record("i06", 2031, "3", editor=alice, expected_version=0, today=TODAY)
    assert "year 2031" in str(e.value) and "number/number" in str(e.value)
    with pytest.raises(IndicatorError, match="only for a worded target"):
        ind_store.record("i05", 2022, "88", kind="reference", editor=alice, expected_version=0,
                         today=TODAY)
    with pytest.raises(IndicatorError, match="after 2022"):
        ind_store.record("i05", 2023, "88", editor=alice, expected_version=0,
                         today=dt.date(2022, 6, 1))
    with pytest.raises(IndicatorError, match="'i99' is unknown"):
        ind_store.record("i99", 2022, "1", editor=alice, expected_version=0, today=TODAY)
    with pytest.raises(EditorRequiredError):
        ind_store.record("i05", 2022, "88", editor="alice", expected_version=0, today=TODAY)
    assert ind_store.history().empty


def test_history_is_append_only_in_the_database(ind_store, store):
    ind_store.record("i05", 2022, "88", editor=login(store, "alice"), expected_version=0,
                     today=TODAY)
    for sql in ("UPDATE indicator_values SET value = '99'", "DELETE FROM indicator_values"):
        with pytest.raises(DBAPIError, match="append-only"):
            with store.engine.begin() as conn:
                conn.execute(text(sql))
    assert ind_store.history()["value"].tolist() == ["88"]
    IndicatorStore(store)   # opening again keeps the tables and their rows
    assert len(ind_store.history()) == 1


def value_race_worker(url: str, user: str, barrier, results) -> None:
    """Read the version of i05/2022 (none yet), wait for the other process, then both enter
    a value at once. Reports (user, "ok"|"stale"|"error", message)."""
    from songnan_geo.store.tracker import open_store

    tracker = open_store(url)
    store = IndicatorStore(tracker)
    try:
        version = store.version("i05", 2022)
        barrier.wait(timeout=60)
        report_save(results, user, lambda: store.record(
            "i05", 2022, "88" if user == "alice" else "89", editor=login(tracker, user),
            expected_version=version, today=TODAY))
    finally:
        tracker.dispose()


@pytest.mark.slow
def test_two_processes_enter_the_same_value_at_once(ind_store, store_url):
    """Both saw no value and submit together: exactly one is kept, the other is told who won."""
    winner, _ = two_process_save_race(value_race_worker, store_url)
    h = ind_store.history("i05")
    assert h["username"].tolist() == [winner] and h["version"].tolist() == [1]
