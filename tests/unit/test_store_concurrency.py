"""Several processes on one store (GeoPackage file and PostGIS): races, retries, a killed writer.

Each worker is a separate Python process (multiprocessing, ``spawn``) with its own engine and
its own login, as two planners' app sessions on two servers would be.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time

import pytest
from sqlalchemy import text
from tracker_testlib import (  # noqa: F401
    editors,
    killed_writer,
    login,
    postgis_url,
    race_worker,
    retry_worker,
    store_url,
)

from songnan_geo.plan.workflow import PAUSED
from songnan_geo.store.tracker import open_store

#: Many processes at once: outside the fast loop (-m "(unit or data) and not slow").
pytestmark = pytest.mark.slow

CTX = mp.get_context("spawn")
TIMEOUT_S = 120


def _join(procs):
    for p in procs:
        p.join(TIMEOUT_S)
        assert p.exitcode == 0, f"worker {p.name} exited with {p.exitcode}"


def test_two_processes_change_the_same_parcel_at_once(store_url, editors):
    """Both read version N and submit together: exactly one wins; the other is told who won.
    Three rounds on three parcels."""
    store = open_store(store_url)   # created here, so the race is on the write, not the seed
    rounds = [("p_dongya", "出让准备"), ("p_hudong_auto", "已出让"), ("p_zhongcheng", "收储")]
    before = {i: store.item(i) for i, _ in rounds}
    hist_before = {i: len(store.history(i)) for i, _ in rounds}
    barrier, results = CTX.Barrier(2), CTX.Queue()
    procs = [CTX.Process(target=race_worker, name=user,
                         args=(store_url, user, rounds, barrier, results))
             for user in ("alice", "bob")]
    for p in procs:
        p.start()
    out = [results.get(timeout=TIMEOUT_S) for _ in range(2 * len(rounds))]
    _join(procs)
    for n, (item_id, new_status) in enumerate(rounds):
        mine = sorted((kind, user, msg) for i, user, kind, msg in out if i == n)
        assert [k for k, _, _ in mine] == ["ok", "stale"], mine
        winner, loser_msg = mine[0][1], mine[1][2]
        after = store.item(item_id)
        assert after["version"] == before[item_id]["version"] + 1 and after["status"] == new_status
        assert after["updated_by"] == winner
        assert f"changed by {winner}" in loser_msg and "was not saved" in loser_msg
        hist = store.history(item_id)
        assert len(hist) == hist_before[item_id] + 1 and hist.iloc[-1]["username"] == winner
    store.dispose()


def test_no_update_is_lost_when_editors_retry(store_url, editors):
    """Three processes make 4 changes each to one parcel, retrying after a stale version:
    all 12 land, versions are consecutive and every change starts from the previous one."""
    store = open_store(store_url)
    item_id, per_worker = "p_yuanyang", 4
    v0 = store.item(item_id)["version"]
    barrier, results = CTX.Barrier(3), CTX.Queue()
    users = ("alice", "bob", "carol")
    procs = [CTX.Process(target=retry_worker, name=u,
                         args=(store_url, u, item_id, per_worker, barrier, results)) for u in users]
    for p in procs:
        p.start()
    out = [results.get(timeout=TIMEOUT_S) for _ in procs]
    _join(procs)
    assert all(err == "" for *_, err in out), out
    assert sum(done for _, done, _, _ in out) == 3 * per_worker
    hist = store.history(item_id)
    assert store.item(item_id)["version"] == v0 + 3 * per_worker
    assert hist["version"].tolist() == list(range(1, v0 + 3 * per_worker + 1))
    for prev, cur in zip(hist.itertuples(), list(hist.itertuples())[1:]):
        assert cur.from_status == prev.to_status
    assert {n.split(" #")[0] for n in hist["note"].iloc[v0:]} == set(users)
    assert set(hist["to_status"].iloc[v0:]) == {PAUSED, "收储"}
    store.dispose()


def test_process_killed_in_the_middle_of_a_write_leaves_the_last_committed_state(store_url, editors):
    store = open_store(store_url)
    ed = login(store, "alice")
    store.change_status("p_dongya", "出让准备", editor=ed, expected_version=1, note="committed")
    state = store.item("p_dongya")
    n_hist = len(store.history())
    in_commit = CTX.Event()
    proc = CTX.Process(target=killed_writer, args=(store_url, "bob", "p_dongya", "已出让", in_commit))
    proc.start()
    try:
        assert in_commit.wait(TIMEOUT_S), "the writer never reached its commit"
        # While the writer holds its transaction open, readers still see the committed state.
        assert store.item("p_dongya")["version"] == state["version"]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(TIMEOUT_S)
    assert proc.exitcode == -signal.SIGKILL

    reopened = open_store(store_url)
    assert reopened.item("p_dongya") == state
    assert len(reopened.history()) == n_hist
    assert "never committed" not in set(reopened.history()["note"])
    if reopened.dialect == "sqlite":
        with reopened.engine.connect() as c:
            assert c.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    # The lock died with the process: the next write goes through.
    out = reopened.change_status("p_dongya", "已出让", editor=ed, expected_version=state["version"])
    assert out["version"] == state["version"] + 1
    reopened.dispose()
    store.dispose()


def test_process_killed_while_creating_the_store_leaves_no_half_store(tmp_path):
    """A GeoPackage store appears whole or not at all (built aside, then linked into place)."""
    path = tmp_path / "new" / "tracker.gpkg"
    proc = CTX.Process(target=open_store, args=(str(path),))
    proc.start()
    # Kill it as soon as anything appears in the folder (the temporary file is being written).
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline and not (path.parent.exists() and any(path.parent.iterdir())):
        proc.join(0.005)
        if proc.exitcode is not None:
            break
    if proc.exitcode is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.join(TIMEOUT_S)
    if path.exists():   # the child finished first: then the store is complete
        assert len(open_store(path).items()) > 0
    s = open_store(path)   # either way, opening now gives a complete store
    assert len(s.items()) == len(s.items().drop_duplicates("id")) > 40
    # and the dead process's temporary file is cleared away
    assert not [p.name for p in path.parent.iterdir() if ".tmp.gpkg" in p.name]
    s.dispose()


def test_login_failures_are_shared_between_processes(store_url, editors):
    from tracker_testlib import failing_login_worker

    from songnan_geo import auth

    store = open_store(store_url)
    results = CTX.Queue()
    procs = [CTX.Process(target=failing_login_worker, args=(store_url, "alice", 2, results))
             for _ in range(2)]
    for p in procs:
        p.start()
        p.join(TIMEOUT_S)   # one after the other: 4 failures in all
    outs = [results.get(timeout=TIMEOUT_S) for _ in procs]
    assert outs[0] == ["failed", "failed"]
    assert outs[1][0] == "failed" and outs[1][1] == "throttled"   # 3 failures → locked out
    with pytest.raises(auth.LoginThrottled):   # this process sees the lockout too
        auth.authenticate("alice", "alice-pw-123", store=store)
    store.dispose()


def test_a_write_blocked_too_long_is_refused_as_busy(store_url, editors, monkeypatch):
    """Another writer holding the lock past the timeout: a clear 'busy' error, nothing written."""
    import songnan_geo.store.db as db

    monkeypatch.setattr(db, "LOCK_TIMEOUT_S", 1)
    store = open_store(store_url)
    ed = login(store, "alice")
    holder = store.engine.connect()
    tx = holder.begin()
    if store.dialect == "sqlite":
        holder.exec_driver_sql("SELECT 1")          # BEGIN (deferred) …
        holder.exec_driver_sql("UPDATE tracker_meta SET value = value WHERE key = 'x'")  # … now writing
    else:
        holder.execute(text("SELECT 1 FROM tracker_items WHERE id = 'p_dongya' FOR UPDATE"))
    t0 = time.monotonic()
    with pytest.raises(db.StoreBusyError, match="locked by another writer"):
        store.change_status("p_dongya", "出让准备", editor=ed, expected_version=1)
    assert time.monotonic() - t0 < 10
    tx.rollback()
    holder.close()
    assert store.item("p_dongya")["version"] == 1
    assert store.change_status("p_dongya", "出让准备", editor=ed, expected_version=1)["version"] == 2
    store.dispose()
