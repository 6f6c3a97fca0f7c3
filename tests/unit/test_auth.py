"""Editor login: salted argon2id hashes outside the repo, throttled failures, the editor CLI."""
from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from tracker_testlib import PASSWORDS, editors, login, postgis_url, store, store_url  # noqa: F401

from songnan_geo import auth


@pytest.fixture
def secrets_file(monkeypatch, tmp_path):
    monkeypatch.delenv("SONGNAN_EDITORS", raising=False)
    path = tmp_path / "s" / "editors.json"
    monkeypatch.setenv("SONGNAN_EDITORS_FILE", str(path))
    return path


def test_hashes_are_salted_argon2id():
    a, b = auth.hash_password("same password"), auth.hash_password("same password")
    assert a != b and a.startswith("$argon2id$") and b.startswith("$argon2id$")


def test_add_editor_writes_a_private_file_without_the_password(secrets_file):
    path = auth.add_editor("wang", "correct horse battery")
    assert path == secrets_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text(encoding="utf-8")
    assert "correct horse battery" not in text
    assert json.loads(text)["editors"]["wang"].startswith("$argon2id$")


def test_default_secrets_file_is_in_the_user_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SONGNAN_EDITORS_FILE", raising=False)
    monkeypatch.setenv("SONGNAN_USER_DIR", str(tmp_path / "u"))
    assert auth.editors_file() == tmp_path / "u" / "editors.json"
    monkeypatch.delenv("SONGNAN_USER_DIR")
    assert auth.editors_file() == Path.home() / ".songnan_geo" / "editors.json"
    assert not str(auth.editors_file()).startswith(str(REPO_ROOT))


def test_new_credentials_report_every_problem(secrets_file):
    with pytest.raises(ValueError) as ei:
        auth.add_editor("x", "short")
    assert "username 'x'" in str(ei.value) and "at least 8" in str(ei.value)
    with pytest.raises(ValueError, match="reserved"):
        auth.add_editor("seed", "long enough pw")
    assert not secrets_file.exists()


def test_login_checks_the_password(store, editors):
    ed = login(store, "alice")
    assert isinstance(ed, auth.Editor) and ed.username == "alice" and ed.is_genuine()
    assert auth.require_editor(ed) is ed
    for user, pw in (("alice", "wrong"), ("mallory", "whatever1")):
        with pytest.raises(auth.LoginFailed, match="wrong username or password"):
            auth.authenticate(user, pw, store=store)


def test_forged_editor_is_not_genuine(editors):
    with pytest.raises(auth.EditorRequiredError):
        auth.require_editor(auth.Editor("alice", "f" * 64))
    with pytest.raises(auth.EditorRequiredError):
        auth.require_editor("alice")


def test_no_editors_means_read_only(store, secrets_file):
    assert auth.load_editors() == {}
    with pytest.raises(auth.EditorConfigError, match="read-only.*editor add"):
        auth.authenticate("alice", "alice-pw-123", store=store)


def test_repeated_failures_are_slowed_down(store, editors):
    t0 = 1_000_000.0
    for i in range(auth.FREE_FAILURES):
        with pytest.raises(auth.LoginFailed):
            auth.authenticate("bob", "nope", store=store, now=t0 + i)
    # Locked out: even the right password is refused, without being checked.
    with pytest.raises(auth.LoginThrottled) as ei:
        auth.authenticate("bob", PASSWORDS["bob"], store=store, now=t0 + 3)
    assert 0 < ei.value.retry_after_s <= auth.BASE_LOCKOUT_S
    assert "try again in" in str(ei.value)
    # Another user is not affected.
    assert auth.authenticate("alice", PASSWORDS["alice"], store=store, now=t0 + 3).username == "alice"
    # After the lockout a failure doubles the next one …
    with pytest.raises(auth.LoginFailed):
        auth.authenticate("bob", "nope again", store=store, now=t0 + 2 + auth.BASE_LOCKOUT_S + 1)
    with pytest.raises(auth.LoginThrottled) as ei:
        auth.authenticate("bob", PASSWORDS["bob"], store=store, now=t0 + 2 + auth.BASE_LOCKOUT_S + 2)
    assert ei.value.retry_after_s > auth.BASE_LOCKOUT_S
    # … and once it has passed, the right password works and clears the count.
    later = t0 + 100
    assert auth.authenticate("bob", PASSWORDS["bob"], store=store, now=later).username == "bob"
    assert store.login_failures("bob", since=0) == []


def test_lockout_grows_and_is_capped():
    assert [auth.lockout_s(n) for n in range(5)] == [0, 0, 0, 5, 10]
    assert auth.lockout_s(50) == auth.MAX_LOCKOUT_S


def test_failures_outside_the_window_are_forgotten(store, editors):
    t0 = 2_000_000.0
    for i in range(5):
        store.record_login_failure("carol", t0 + i)
    ok = auth.authenticate("carol", PASSWORDS["carol"], store=store,
                           now=t0 + auth.FAILURE_WINDOW_S + 10)
    assert ok.username == "carol"


def test_editors_from_the_environment(monkeypatch, store):
    h = auth.hash_password("env-password-1")
    monkeypatch.setenv("SONGNAN_EDITORS", json.dumps({"zhao": h}))
    assert auth.authenticate("zhao", "env-password-1", store=store).username == "zhao"
    assert "environment variable" in auth.editors_source()
    monkeypatch.setenv("SONGNAN_EDITORS", "{not json")
    with pytest.raises(auth.EditorConfigError, match="SONGNAN_EDITORS.*not JSON"):
        auth.load_editors()
    monkeypatch.setenv("SONGNAN_EDITORS", json.dumps({"zhao": "plaintext"}))
    with pytest.raises(auth.EditorConfigError, match="argon2"):
        auth.load_editors()


def _cli(monkeypatch, capsys, *args, stdin: str = ""):
    """Run ``python -m songnan_geo editor ARGS`` in this process; (exit code, stdout, stderr)."""
    import io

    from songnan_geo.cli import main
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["editor", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.slow
def test_editor_cli_add_list_remove(secrets_file, monkeypatch, capsys):
    # The real command line once, in a process of its own …
    r = subprocess.run([sys.executable, "-m", "songnan_geo", "editor", "add", "wang",
                        "--password-stdin"], cwd=REPO_ROOT, input="a-good-password\n",
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "added 'wang'" in r.stdout and "a-good-password" not in r.stdout + r.stderr
    assert "wang" in auth.load_editors()
    # … the rest through the same entry point in this process.
    code, out, err = _cli(monkeypatch, capsys, "add", "li", "--password-stdin", stdin="short\n")
    assert code == 2 and "at least 8" in err
    code, out, err = _cli(monkeypatch, capsys, "add", "li")   # no terminal, no --password-stdin
    assert code == 2 and "--password-stdin" in err
    code, out, err = _cli(monkeypatch, capsys, "add", "wang", "--password-stdin", stdin="new-password-2\n")
    assert code == 0 and "password changed for 'wang'" in out
    code, out, err = _cli(monkeypatch, capsys, "list")
    assert code == 0 and out.splitlines()[1:] == ["wang"]
    code, out, err = _cli(monkeypatch, capsys, "remove", "nobody")
    assert code == 2 and "not an editor" in err
    code, out, err = _cli(monkeypatch, capsys, "remove", "wang")
    assert code == 0 and auth.load_editors() == {}
    code, out, err = _cli(monkeypatch, capsys, "list")
    assert "read-only" in out


# --------------------------------------------------------------------------- per-address throttling

SPRAYER, OTHER = "10.20.30.40", "10.20.30.41"


def _spray(store, client: str, t0: float, n: int = auth.CLIENT_FREE_FAILURES, prefix="guess"):
    """``n`` failed logins from ``client``, each for another username (one failure each)."""
    for i in range(n):
        with pytest.raises(auth.LoginFailed):
            auth.authenticate(f"{prefix}{i}", "Winter2026!", store=store, client=client, now=t0 + i)


@pytest.mark.slow
def test_spraying_usernames_from_one_address_is_throttled(store, editors):
    t0 = 3_000_000.0
    _spray(store, SPRAYER, t0)          # 10 usernames, one failure each: no username limit hit
    assert len(store.login_failures(client=SPRAYER, since=0)) == auth.CLIENT_FREE_FAILURES
    assert store.login_failures("guess0", since=0) == [t0]
    now = t0 + auth.CLIENT_FREE_FAILURES
    # The 11th username from that address is refused without a password check, even alice
    # with her right password, and the message is the same for a username that does not exist.
    refused = {}
    for user, pw in (("alice", PASSWORDS["alice"]), ("no-such-user", "x")):
        with pytest.raises(auth.LoginThrottled) as ei:
            auth.authenticate(user, pw, store=store, client=SPRAYER, now=now)
        refused[user] = str(ei.value)
        assert 0 < ei.value.retry_after_s <= auth.BASE_LOCKOUT_S
    assert refused["alice"] == refused["no-such-user"]
    assert "alice" not in refused["alice"] and "try again in" in refused["alice"]
    # The same address written as IPv4-mapped IPv6 is the same client.
    with pytest.raises(auth.LoginThrottled):
        auth.authenticate("alice", PASSWORDS["alice"], store=store, client="::ffff:" + SPRAYER,
                          now=now)
    # Another address, and an unknown one (None), are not affected.
    assert auth.authenticate("alice", PASSWORDS["alice"], store=store, client=OTHER,
                             now=now).username == "alice"
    assert auth.authenticate("bob", PASSWORDS["bob"], store=store, client=None,
                             now=now).username == "bob"
    # Refused attempts are not recorded; after the lockout the next failure doubles it.
    assert len(store.login_failures(client=SPRAYER, since=0)) == auth.CLIENT_FREE_FAILURES
    with pytest.raises(auth.LoginFailed):
        auth.authenticate("guess-late", "x", store=store, client=SPRAYER,
                          now=now + auth.BASE_LOCKOUT_S)
    with pytest.raises(auth.LoginThrottled) as ei:
        auth.authenticate("carol", PASSWORDS["carol"], store=store, client=SPRAYER,
                          now=now + auth.BASE_LOCKOUT_S + 1)
    assert auth.BASE_LOCKOUT_S < ei.value.retry_after_s <= 2 * auth.BASE_LOCKOUT_S
    # Once the address's failures are older than its window, it may log in again.
    later = t0 + auth.CLIENT_FAILURE_WINDOW_S + 60
    assert auth.authenticate("carol", PASSWORDS["carol"], store=store, client=SPRAYER,
                             now=later).username == "carol"


@pytest.mark.slow
def test_a_success_does_not_reset_the_address_counter_for_other_usernames(store, editors):
    t0 = 4_000_000.0
    _spray(store, SPRAYER, t0, n=auth.CLIENT_FREE_FAILURES - 1)
    with pytest.raises(auth.LoginFailed):   # alice mistypes once, from the same machine
        auth.authenticate("alice", "typo", store=store, client=SPRAYER, now=t0 + 9)
    now = t0 + 9 + auth.BASE_LOCKOUT_S + 1   # the address's first lockout has passed
    assert auth.authenticate("alice", PASSWORDS["alice"], store=store, client=SPRAYER,
                             now=now).username == "alice"
    # Her own failure is forgotten; the other usernames' failures still count for the address.
    assert store.login_failures("alice", since=0) == []
    assert len(store.login_failures(client=SPRAYER, since=0)) == auth.CLIENT_FREE_FAILURES - 1
    with pytest.raises(auth.LoginFailed):
        auth.authenticate("guess-next", "x", store=store, client=SPRAYER, now=now + 1)
    with pytest.raises(auth.LoginThrottled):
        auth.authenticate("bob", PASSWORDS["bob"], store=store, client=SPRAYER, now=now + 2)


def test_the_username_limit_holds_across_addresses(store, editors):
    t0 = 5_000_000.0
    for i in range(auth.FREE_FAILURES):     # one failure each from three machines
        with pytest.raises(auth.LoginFailed):
            auth.authenticate("bob", "nope", store=store, client=f"10.0.0.{i + 1}", now=t0 + i)
    with pytest.raises(auth.LoginThrottled) as ei:
        auth.authenticate("bob", PASSWORDS["bob"], store=store, client="10.0.0.99", now=t0 + 3)
    assert 0 < ei.value.retry_after_s <= auth.BASE_LOCKOUT_S
    # None of those addresses is over its own, larger allowance.
    assert auth.authenticate("alice", PASSWORDS["alice"], store=store, client="10.0.0.1",
                             now=t0 + 3).username == "alice"
    assert store.login_failures("bob", since=0) == [t0, t0 + 1, t0 + 2]


def test_address_lockout_and_client_key():
    free = auth.CLIENT_FREE_FAILURES
    assert [auth.lockout_s(n, free) for n in range(free - 1, free + 3)] == [0, 5, 10, 20]
    assert auth.lockout_s(free + 50, free) == auth.MAX_LOCKOUT_S
    assert auth.CLIENT_FREE_FAILURES > auth.FREE_FAILURES
    assert auth.client_key(None) is None and auth.client_key("  ") is None
    assert auth.client_key(" ::FFFF:10.1.2.3 ") == "10.1.2.3"
    assert auth.client_key("2001:DB8:0:0::1") == "2001:db8::1"
    assert auth.client_key("some-host") == "some-host"


def test_login_failures_needs_exactly_one_of_username_and_client(store):
    for kwargs in ({}, {"username": "bob", "client": SPRAYER}):
        with pytest.raises(ValueError, match="exactly one of username= or client="):
            store.login_failures(since=0, **kwargs)


# The table as stores made before per-address throttling have it.
_OLD_LOGIN_FAILURES_DDL = [
    "DROP TABLE tracker_login_failures",
    """CREATE TABLE tracker_login_failures (
        id {serial}, username TEXT NOT NULL, failed_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX tracker_login_failures_user ON tracker_login_failures (username, failed_at)",
]


def _make_old_store(url: str) -> None:
    from sqlalchemy import text

    from songnan_geo.store.tracker import open_store
    s = open_store(url)
    serial = ("INTEGER PRIMARY KEY AUTOINCREMENT" if s.dialect == "sqlite"
              else "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
    with s.engine.begin() as conn:
        for stmt in _OLD_LOGIN_FAILURES_DDL:
            conn.execute(text(stmt.format(serial=serial)))
        for i, user in enumerate(["bob", "bob", "bob", "dave"]):
            conn.execute(text("INSERT INTO tracker_login_failures (username, failed_at) "
                              "VALUES (:u, :t)"), {"u": user, "t": 6_000_000.0 + i})
        assert "client" not in conn.execute(text("SELECT * FROM tracker_login_failures")).keys()
    s.dispose()


@pytest.mark.slow
def test_an_old_store_gets_the_client_column_in_place_and_keeps_its_rows(store_url, editors):
    """Stores made before per-address throttling: opening adds the column, keeps the rows, by
    several processes' worth of connections at once (re-checked under the lock)."""
    import threading

    from sqlalchemy import text

    from songnan_geo.store.tracker import SCHEMA_VERSION, open_store
    _make_old_store(store_url)
    barrier, opened, errors = threading.Barrier(3), [], []

    def open_at_once():
        try:
            barrier.wait(timeout=60)
            opened.append(open_store(store_url))
        except Exception as exc:  # reported below
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=open_at_once) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert errors == [] and len(opened) == 3
    for s in opened[1:]:
        s.dispose()
    s = opened[0]
    try:
        with s.read() as conn:
            rows = conn.execute(text("SELECT username, failed_at, client FROM "
                                     "tracker_login_failures ORDER BY failed_at")).all()
            assert conn.execute(text("SELECT value FROM tracker_meta WHERE key = "
                                     "'schema_version'")).scalar() == SCHEMA_VERSION
        assert [(r[0], r[2]) for r in rows] == [("bob", None)] * 3 + [("dave", None)]
        # The old rows still throttle bob; new failures are recorded with their address.
        t0 = 6_000_000.0
        with pytest.raises(auth.LoginThrottled):
            auth.authenticate("bob", PASSWORDS["bob"], store=s, client=SPRAYER, now=t0 + 4)
        _spray(s, SPRAYER, t0 + 5)
        with pytest.raises(auth.LoginThrottled):
            auth.authenticate("alice", PASSWORDS["alice"], store=s, client=SPRAYER, now=t0 + 16)
        assert len(s.login_failures(client=SPRAYER, since=0)) == auth.CLIENT_FREE_FAILURES
    finally:
        s.dispose()
    open_store(store_url).dispose()     # opening again: nothing left to add
