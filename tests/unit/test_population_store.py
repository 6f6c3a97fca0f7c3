"""PopulationStore: each 居委's population as editors enter it, with history, on GeoPackage and PostGIS."""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import signal
import time

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
from songnan_geo.store.population import PopulationError, PopulationStore, official_juwei
from songnan_geo.store.tracker import StaleVersionError

TODAY = dt.date(2026, 11, 27)
J1, J2 = "310113113001", "310113113002"


@pytest.fixture
def pop_store(store):
    return PopulationStore(store)


def test_the_24_official_juwei_are_known():
    juwei = official_juwei()
    assert len(juwei) == 24 and juwei[J1] == "淞南一村居委会"


def test_figures_are_recorded_with_history_and_versions(pop_store, store):
    alice, bob = login(store, "alice"), login(store, "bob")
    assert pop_store.version(J1) == 0 and pop_store.entered() == {}
    row = pop_store.record(J1, "3,520", 2024, "居委台账", editor=alice, expected_version=0,
                           today=TODAY)
    assert row["version"] == 1 and row["population"] == 3520 and row["username"] == "alice"
    pop_store.record(J1, 3610, "2025", "居委台账 2025", editor=bob, expected_version=1,
                     note="更正", today=TODAY)
    pop_store.record(J2, 4100, 2023, "街镇统计", editor=bob, expected_version=0, today=TODAY)
    h = pop_store.history(J1)
    assert h["population"].tolist() == [3520, 3610] and h["username"].tolist() == ["alice", "bob"]
    entered = pop_store.entered()
    assert set(entered) == {J1, J2}
    assert entered[J1]["population"] == 3610 and entered[J1]["year"] == 2025
    assert entered[J1]["source"] == "居委台账 2025" and entered[J1]["username"] == "bob"


def test_a_stale_entry_is_refused_naming_who(pop_store, store):
    alice, bob = login(store, "alice"), login(store, "bob")
    pop_store.record(J1, 3500, 2024, "台账", editor=alice, expected_version=0, today=TODAY)
    with pytest.raises(StaleVersionError, match="alice.*version 1.*based on version 0"):
        pop_store.record(J1, 3600, 2024, "台账", editor=bob, expected_version=0, today=TODAY)
    assert pop_store.history(J1)["population"].tolist() == [3500]


@pytest.mark.parametrize("population, year, source, found", [
    ("三千", 2024, "台账", ["not a whole number"]),
    ("3500.5", 2024, "台账", ["not a whole number"]),
    (-5, 2024, "台账", ["negative"]),
    (150000, 2024, "台账", ["implausible", "100,000"]),
    (3500, 1999, "台账", ["year '1999'", "2000–2026"]),
    (3500, 2027, "台账", ["year '2027'"]),
    (3500, "今年", "台账", ["year '今年'"]),
    (3500, 2024, "  ", ["no source"]),
    ("abc", 1990, "", ["not a whole number", "year '1990'", "no source"]),
])
def test_bad_entries_name_every_problem_and_save_nothing(pop_store, store, population, year,
                                                          source, found):
    with pytest.raises(PopulationError) as e:
        pop_store.record(J1, population, year, source, editor=login(store, "alice"),
                         expected_version=0, today=TODAY)
    for f in found:
        assert f in str(e.value)
    assert "Nothing was saved" in str(e.value) and "未保存" in e.value.text("zh")
    assert pop_store.history().empty


def test_unknown_juwei_and_no_editor_are_refused(pop_store, store):
    with pytest.raises(PopulationError, match="'999' is unknown.*24 official"):
        pop_store.record("999", 10, 2024, "x", editor=login(store, "alice"), expected_version=0,
                         today=TODAY)
    with pytest.raises(EditorRequiredError):
        pop_store.record(J1, 3500, 2024, "x", editor="alice", expected_version=0, today=TODAY)
    assert pop_store.history().empty


def test_history_is_append_only_in_the_database(pop_store, store):
    pop_store.record(J1, 3500, 2024, "台账", editor=login(store, "alice"), expected_version=0,
                     today=TODAY)
    for sql in ("UPDATE juwei_population SET population = 1", "DELETE FROM juwei_population"):
        with pytest.raises(DBAPIError, match="append-only"):
            with store.engine.begin() as conn:
                conn.execute(text(sql))
    PopulationStore(store)   # opening again keeps the table and its rows
    assert pop_store.history()["population"].tolist() == [3500]


def population_race_worker(url: str, user: str, barrier, results) -> None:
    """Read the version of J1 (none yet), wait for the other process, then both enter a figure
    at once. Reports (user, "ok"|"stale"|"error", message)."""
    from songnan_geo.store.tracker import open_store

    tracker = open_store(url)
    store = PopulationStore(tracker)
    try:
        version = store.version(J1)
        barrier.wait(timeout=60)
        report_save(results, user, lambda: store.record(
            J1, 3500 if user == "alice" else 3600, 2024, f"{user}'s count", editor=login(tracker, user),
            expected_version=version, today=TODAY))
    finally:
        tracker.dispose()


@pytest.mark.slow
def test_two_processes_enter_the_same_juwei_at_once(pop_store, store_url):
    """Both saw no figure and submit together: exactly one is kept, the other is told who won."""
    winner, loser_message = two_process_save_race(population_race_worker, store_url)
    assert winner in loser_message
    h = pop_store.history(J1)
    assert h["username"].tolist() == [winner] and h["version"].tolist() == [1]


def killed_population_writer(url: str, in_commit) -> None:
    """Enter a figure and stop just before its COMMIT reaches the database, waiting to be killed
    (SQLAlchemy's ``commit`` event fires after the INSERT, before the driver's commit)."""
    from sqlalchemy import event

    from songnan_geo.store.tracker import open_store

    tracker = open_store(url)
    store = PopulationStore(tracker)
    editor = login(tracker, "bob")

    def hang(conn):
        in_commit.set()
        time.sleep(120)   # the test kills this process long before

    event.listen(tracker.engine, "commit", hang)
    store.record(J1, 9999, 2024, "never committed", editor=editor, expected_version=0,
                 today=TODAY)


@pytest.mark.slow
def test_a_writer_killed_in_its_commit_leaves_nothing_and_no_lock(pop_store, store, store_url):
    ctx = mp.get_context("spawn")
    in_commit = ctx.Event()
    proc = ctx.Process(target=killed_population_writer, args=(store_url, in_commit))
    proc.start()
    try:
        assert in_commit.wait(120), "the writer never reached its commit"
        assert pop_store.history().empty          # readers see only committed rows meanwhile
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(120)
    assert proc.exitcode == -signal.SIGKILL
    assert pop_store.history().empty and pop_store.version(J1) == 0
    if store.dialect == "sqlite":
        with store.engine.connect() as c:
            assert c.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    row = pop_store.record(J1, 3500, 2024, "台账", editor=login(store, "alice"), expected_version=0,
                           today=TODAY)      # the lock died with the process
    assert row["version"] == 1
