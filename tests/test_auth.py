"""Editor login: salted argon2id hashes outside the repo, throttled failures, the editor CLI."""
from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from songnan_geo import auth

from conftest import REPO_ROOT
from tracker_testlib import PASSWORDS, editors, login, postgis_url, store, store_url  # noqa: F401


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
