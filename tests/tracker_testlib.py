"""Fixtures and process workers shared by the tracker's tests (test_store*, test_auth, tracker page).

``store_url`` is parametrised over both backends: a new GeoPackage file per test, and a new
schema per test in the PostGIS database of ``SONGNAN_TEST_POSTGIS_URL`` (made by
``scripts/start_postgis.sh``). Without that variable the PostGIS cases fail under CI (CI=true)
and are skipped, with the reason, on a developer's machine.

The worker functions run in child processes started with the ``spawn`` method (a clean
interpreter: no engine or lock is inherited), so they must stay importable top-level functions.
"""
from __future__ import annotations

import json
import os
import secrets
import time
from contextlib import contextmanager
from urllib.parse import quote

import pytest

PASSWORDS = {"alice": "alice-pw-123", "bob": "bob-pw-4567", "carol": "carol-pw-890"}


def postgis_base_url() -> str:
    url = os.environ.get("SONGNAN_TEST_POSTGIS_URL")
    if not url:
        msg = ("SONGNAN_TEST_POSTGIS_URL is not set, so the store tests cannot run on PostGIS. "
               "Start the server with: SONGNAN_TEST_POSTGIS_URL=\"$(bash scripts/start_postgis.sh)\" "
               "&& export SONGNAN_TEST_POSTGIS_URL (needs apt packages postgresql postgresql-postgis)")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return url


def _pg_engine(url: str):
    from sqlalchemy import create_engine

    from songnan_geo.store.tracker import resolve_store_url
    return create_engine(resolve_store_url(url), isolation_level="AUTOCOMMIT")


def _schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema},public')}"


@contextmanager
def postgis_schema(base: str, prefix: str = "t"):
    """A URL of the PostGIS database ``base`` whose tables live in a new schema of their own
    (``<prefix>_<random hex>``), dropped with everything in it afterwards."""
    from sqlalchemy import text

    schema = f"{prefix}_{secrets.token_hex(6)}"
    eng = _pg_engine(base)
    with eng.connect() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _schema_url(base, schema)
    finally:
        with eng.connect() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        eng.dispose()


@pytest.fixture
def postgis_url():
    """A PostGIS URL whose tables live in a schema of their own, dropped after the test."""
    with postgis_schema(postgis_base_url()) as url:
        yield url


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.slow)])
def store_url(request, tmp_path):
    """A new, empty store location: a GeoPackage path, or a PostGIS URL (fresh schema)."""
    if request.param == "gpkg":
        return str(tmp_path / "store" / "tracker.gpkg")
    return request.getfixturevalue("postgis_url")


_HASHES: dict[str, str] = {}


def editor_hashes() -> dict[str, str]:
    """argon2 hashes of :data:`PASSWORDS`, made once per test process (hashing is slow)."""
    from argon2 import PasswordHasher

    if not _HASHES:
        # Real argon2id hashes, with lighter parameters than the app's (which take ~0.5 s per
        # check on this machine); verification reads the parameters from the hash.
        light = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
        _HASHES.update({u: light.hash(pw) for u, pw in PASSWORDS.items()})
    return dict(_HASHES)


@pytest.fixture
def editors(monkeypatch, tmp_path):
    """Editors alice, bob and carol in a secrets file of this test (never the user's own)."""
    monkeypatch.delenv("SONGNAN_EDITORS", raising=False)
    path = tmp_path / "secrets" / "editors.json"
    path.parent.mkdir(mode=0o700)
    path.write_text(json.dumps({"editors": editor_hashes()}), encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("SONGNAN_EDITORS_FILE", str(path))
    return dict(PASSWORDS)


@pytest.fixture
def store_path(monkeypatch, tmp_path):
    """The app's store is a new GeoPackage file of this test (SONGNAN_STORE_PATH)."""
    monkeypatch.delenv("SONGNAN_STORE_URL", raising=False)
    path = tmp_path / "tracker.gpkg"
    monkeypatch.setenv("SONGNAN_STORE_PATH", str(path))
    return path


@pytest.fixture
def store(store_url, editors):
    from songnan_geo.store.tracker import open_store

    s = open_store(store_url)
    yield s
    s.dispose()


def login(store, user: str):
    from songnan_geo import auth
    return auth.authenticate(user, PASSWORDS[user], store=store)


# --------------------------------------------------------------------------- process workers

def race_worker(url: str, user: str, rounds: list, barrier, results) -> None:
    """For each (item_id, new_status): read the item's version, wait for the other process,
    then both submit the change at once. Reports (round, user, "ok"|"stale"|"error", message)."""
    from songnan_geo.store.tracker import StaleVersionError, open_store

    store = open_store(url)
    editor = login(store, user)
    try:
        for i, (item_id, new_status) in enumerate(rounds):
            version = store.item(item_id)["version"]
            barrier.wait(timeout=60)
            try:
                store.change_status(item_id, new_status, editor=editor, expected_version=version,
                                    note=f"by {user}")
                results.put((i, user, "ok", ""))
            except StaleVersionError as exc:
                results.put((i, user, "stale", str(exc)))
            except Exception as exc:  # reported to the test, which fails on it
                results.put((i, user, "error", f"{type(exc).__name__}: {exc}"))
            barrier.wait(timeout=60)  # both done before the next round reads
    finally:
        store.dispose()


def retry_worker(url: str, user: str, item_id: str, changes: int, barrier, results) -> None:
    """Make ``changes`` changes (pause / resume) to one item, re-reading and retrying on a stale
    version, as an editor does after the stale-version message. Reports (user, changes, stales)."""
    from songnan_geo.plan.workflow import PAUSED
    from songnan_geo.store.tracker import StaleVersionError, open_store

    store = open_store(url)
    editor = login(store, user)
    barrier.wait(timeout=60)
    done = stale = 0
    try:
        while done < changes:
            it = store.item(item_id)
            new = it["paused_from"] if it["status"] == PAUSED else PAUSED
            try:
                store.change_status(item_id, new, editor=editor, expected_version=it["version"],
                                    note=f"{user} #{done}")
                done += 1
            except StaleVersionError:
                stale += 1
        results.put((user, done, stale, ""))
    except Exception as exc:
        results.put((user, done, stale, f"{type(exc).__name__}: {exc}"))
    finally:
        store.dispose()


def killed_writer(url: str, user: str, item_id: str, new_status: str, in_commit) -> None:
    """Start a change and stop just before its COMMIT reaches the database, waiting to be killed.

    SQLAlchemy's ``commit`` event fires after the history row is inserted and the item updated,
    before the driver's commit: the write is complete but not committed when SIGKILL arrives.
    """
    from sqlalchemy import event

    from songnan_geo.store.tracker import open_store

    store = open_store(url)
    editor = login(store, user)
    version = store.item(item_id)["version"]

    def hang(conn):
        in_commit.set()
        time.sleep(120)  # the test kills this process long before

    event.listen(store.engine, "commit", hang)
    store.change_status(item_id, new_status, editor=editor, expected_version=version,
                        note="never committed")


def failing_login_worker(url: str, user: str, attempts: int, results) -> None:
    """Try ``attempts`` wrong passwords; report what each attempt raised."""
    from songnan_geo import auth
    from songnan_geo.store.tracker import open_store

    store = open_store(url)
    out = []
    for _ in range(attempts):
        try:
            auth.authenticate(user, "wrong-password", store=store)
            out.append("ok")
        except auth.LoginThrottled:
            out.append("throttled")
        except auth.LoginFailed:
            out.append("failed")
    results.put(out)
    store.dispose()


def report_save(results, user: str, save) -> None:
    """Run ``save()`` in a race worker; put (user, "ok"|"stale"|"error", message) on ``results``."""
    from songnan_geo.store.tracker import StaleVersionError

    try:
        save()
        results.put((user, "ok", ""))
    except StaleVersionError as exc:
        results.put((user, "stale", str(exc)))
    except Exception as exc:  # reported to the test, which fails on it
        results.put((user, "error", f"{type(exc).__name__}: {exc}"))


def two_process_save_race(worker, url: str, users=("alice", "bob")) -> tuple[str, str]:
    """Run ``worker(url, user, barrier, results)`` for two editors in spawned processes that
    save the same thing at once; check that exactly one save is kept and the other is told who
    won. Returns (winner, the loser's message)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(len(users)), ctx.Queue()
    procs = [ctx.Process(target=worker, name=u, args=(url, u, barrier, results)) for u in users]
    for p in procs:
        p.start()
    out = sorted((kind, user, msg) for user, kind, msg in (results.get(timeout=120) for _ in procs))
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert [k for k, _, _ in out] == ["ok", "stale"], out
    winner, loser_msg = out[0][1], out[1][2]
    assert f"changed by {winner}" in loser_msg and "was not saved" in loser_msg
    return winner, loser_msg
