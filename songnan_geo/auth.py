"""Editor logins for the tracker: salted argon2id hashes kept outside the repository.

Where editors are kept (first that is set wins):

1. ``SONGNAN_EDITORS`` — environment variable holding JSON ``{"username": "<argon2 hash>", ...}``
   (for containers and secret managers);
2. ``SONGNAN_EDITORS_FILE`` — path of a JSON secrets file;
3. ``editors.json`` in the user folder (``SONGNAN_USER_DIR``, default ``~/.songnan_geo``) — the
   default secrets file (created mode 0600 by ``python -m songnan_geo editor add USER``).

A password is never stored: :func:`hash_password` makes an argon2id hash with a random salt
(argon2-cffi's defaults: 64 MiB, 3 passes). :func:`authenticate` checks a password and returns
an :class:`Editor`, the identity every write of :mod:`songnan_geo.store.tracker` requires. An
``Editor`` cannot be made without a password check (its seal is an HMAC with a key that
lives only in this process), and the store re-checks that the user is still configured.

Repeated failures are slowed down: after :data:`FREE_FAILURES` failed logins for a username
within :data:`FAILURE_WINDOW_S`, the next attempt is refused without checking the password
until a lockout has passed (5 s, doubling with each further failure, at most 5 minutes).
The same holds per client address, with a larger allowance (:data:`CLIENT_FREE_FAILURES`
within :data:`CLIENT_FAILURE_WINDOW_S`, any usernames), so that trying many usernames from
one machine (password spraying) is slowed down too; an attempt is refused when either
limit is reached. Failures are kept in the tracker store, so the lockout holds across
processes, sessions and app servers sharing the store.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from songnan_geo import config
from songnan_geo.text.error_messages import msg
from songnan_geo.text.messages import LocalisedError

#: File name of the default secrets file in the user folder (see :func:`editors_file`).
EDITORS_FILE_NAME = "editors.json"

#: Failed logins for one username allowed within :data:`FAILURE_WINDOW_S` before lockouts start.
FREE_FAILURES = 3
#: Window over which failures count, seconds.
FAILURE_WINDOW_S = 15 * 60
#: Failed logins from one client address (for any usernames) allowed within
#: :data:`CLIENT_FAILURE_WINDOW_S` before lockouts of that address start.
CLIENT_FREE_FAILURES = 10
#: Window over which an address's failures count, seconds.
CLIENT_FAILURE_WINDOW_S = 15 * 60
#: First lockout, seconds; doubles with each further failure, capped at :data:`MAX_LOCKOUT_S`.
BASE_LOCKOUT_S = 5.0
MAX_LOCKOUT_S = 300.0

MIN_PASSWORD_CHARS = 8
#: Usernames reserved by the store (the seed rows are recorded under "seed").
RESERVED_USERNAMES = {"seed"}
_USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,32}$")

_HASHER = PasswordHasher()
_SEAL_KEY = secrets.token_bytes(32)  # per process: an Editor is only made by authenticate()
_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """Verified against when the username is unknown, so that the time a failed login takes
    does not tell whether the username exists (made on first use: hashing takes ~0.5 s)."""
    if not _DUMMY:
        _DUMMY.append(_HASHER.hash(secrets.token_urlsafe(16)))
    return _DUMMY[0]


class AuthError(Exception):
    """Base class of login problems."""


class LoginFailed(AuthError):
    """Wrong username or password (the message does not say which)."""


class LoginThrottled(AuthError):
    """Too many recent failures for this username or from this address; ``retry_after_s``
    says when to try again. The message is the same for both, and for usernames that exist
    and that do not."""

    def __init__(self, username: str, retry_after_s: float):
        self.username, self.retry_after_s = username, retry_after_s
        super().__init__(f"too many failed logins for this username or from this address: try "
                         f"again in {retry_after_s:.0f} s.")


class EditorRequiredError(LocalisedError, PermissionError):
    """A write was attempted without a logged-in editor (``str(exc)`` English,
    ``exc.text("zh")`` Chinese)."""


class EditorConfigError(AuthError):
    """The editors' secrets are unreadable or malformed (the message names the source)."""


def _seal(username: str) -> str:
    return hmac.new(_SEAL_KEY, username.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Editor:
    """A user whose password was checked by :func:`authenticate` in this process."""

    username: str
    seal: str = field(repr=False)

    def is_genuine(self) -> bool:
        return hmac.compare_digest(self.seal, _seal(self.username))


# --------------------------------------------------------------------------- secrets

def editors_source() -> str:
    """Human description of where editors are read from (for messages)."""
    return str(_editors_source_msg())


def _editors_source_msg():
    if os.environ.get("SONGNAN_EDITORS"):
        return msg("editors_env")
    return msg("editors_file", path=editors_file())


def editors_file() -> Path:
    """The secrets file in use: ``SONGNAN_EDITORS_FILE``, else ``editors.json`` in the user
    folder (``SONGNAN_USER_DIR``, default ``~/.songnan_geo``; see :mod:`songnan_geo.config`)."""
    env = os.environ.get("SONGNAN_EDITORS_FILE")
    return Path(env).expanduser() if env else config.user_dir() / EDITORS_FILE_NAME


def load_editors() -> dict[str, str]:
    """``{username: argon2 hash}`` of the configured editors (empty when none).

    Raises
    ------
    EditorConfigError
        When the variable or file is not a JSON object of username → hash strings.
    """
    raw = os.environ.get("SONGNAN_EDITORS")
    where = "environment variable SONGNAN_EDITORS"
    if not raw:
        path = editors_file()
        where = f"secrets file {path}"
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise EditorConfigError(f"cannot read the {where}: {exc}.") from None
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise EditorConfigError(f"the {where} is not JSON ({exc}). It must be an object "
                                '{"editors": {"username": "<argon2 hash>"}}; recreate it with '
                                "python -m songnan_geo editor add USER.") from None
    users = doc.get("editors", doc) if isinstance(doc, dict) else None
    if not isinstance(users, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.startswith("$argon2")
            for k, v in users.items()):
        raise EditorConfigError(f"the {where} must map usernames to argon2 hashes, e.g. "
                                '{"editors": {"wang": "$argon2id$v=19$..."}}; recreate it with '
                                "python -m songnan_geo editor add USER.")
    return dict(users)


def hash_password(password: str) -> str:
    """A salted argon2id hash of ``password`` (the salt is random and part of the hash)."""
    return _HASHER.hash(password)


def check_new_credentials(username: str, password: str) -> list[str]:
    """Every problem with a new editor's username and password (empty when fine)."""
    problems = []
    if not _USERNAME_RE.match(username or ""):
        problems.append(f"username {username!r} must be 2–32 letters, digits, Chinese "
                        "characters, '.', '_' or '-'.")
    elif username.lower() in RESERVED_USERNAMES:
        problems.append(f"username {username!r} is reserved; choose another.")
    if len(password or "") < MIN_PASSWORD_CHARS:
        problems.append(f"the password must have at least {MIN_PASSWORD_CHARS} characters.")
    return problems


def _write_editors(users: dict[str, str]) -> Path:
    """Write the secrets file atomically with mode 0600 (directory 0700)."""
    if os.environ.get("SONGNAN_EDITORS"):
        raise EditorConfigError("editors come from the environment variable SONGNAN_EDITORS; "
                                "change that variable instead (or unset it to use a file).")
    path = editors_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".editors.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"editors": users}, f, ensure_ascii=False, indent=1)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def add_editor(username: str, password: str) -> Path:
    """Add (or re-key) an editor in the secrets file; return the file's path.

    Raises
    ------
    ValueError
        Listing every problem with the username and password.
    """
    problems = check_new_credentials(username, password)
    if problems:
        raise ValueError("; ".join(problems))
    users = load_editors()
    users[username] = hash_password(password)
    return _write_editors(users)


def remove_editor(username: str) -> Path:
    """Remove an editor from the secrets file (history keeps their name)."""
    users = load_editors()
    if username not in users:
        raise KeyError(f"'{username}' is not an editor in the {editors_source()}. "
                       f"Editors: {', '.join(sorted(users)) or 'none'}.")
    del users[username]
    return _write_editors(users)


# --------------------------------------------------------------------------- login

def lockout_s(failures: int, free: int = FREE_FAILURES) -> float:
    """Seconds to wait after ``failures`` recent failures (0 while within the ``free`` ones:
    :data:`FREE_FAILURES` for a username, :data:`CLIENT_FREE_FAILURES` for an address)."""
    if failures < free:
        return 0.0
    return min(BASE_LOCKOUT_S * 2 ** (failures - free), MAX_LOCKOUT_S)


def client_key(client: str | None) -> str | None:
    """The address failures are counted under: an IP address in its canonical text (an
    IPv4-mapped IPv6 address as IPv4); other text stripped; None when unknown."""
    text = (client or "").strip()
    if not text:
        return None
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text
    return str(ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped else ip)


def _wait_s(failed_at: list[float], free: int, now: float) -> float:
    """Seconds left of the lockout that the failures at ``failed_at`` impose (<= 0: none)."""
    return lockout_s(len(failed_at), free) - (now - max(failed_at)) if failed_at else 0.0


def authenticate(username: str, password: str, *, store, client: str | None = None,
                 now: float | None = None) -> Editor:
    """Check a password; return the :class:`Editor` that writes need.

    Parameters
    ----------
    username, password : str
    store : songnan_geo.store.tracker.TrackerStore
        Keeps the failed attempts (shared by every process using the store).
    client : str, optional
        The client's address (e.g. ``st.context.ip_address``); None when unknown, in which
        case only the per-username limit applies. Failures are counted per address as well
        as per username (see :func:`client_key`).
    now : float, optional
        Current time, seconds since the epoch (tests).

    Raises
    ------
    LoginThrottled
        After repeated failures for this username or from this address, until the lockout
        has passed (the password is not checked).
    LoginFailed
        Wrong username or password.
    EditorConfigError
        When no editor is configured or the secrets cannot be read.
    """
    now = time.time() if now is None else now
    users = load_editors()
    if not users:
        raise EditorConfigError(f"no editors are configured ({editors_source()}): the tracker "
                                "is read-only. Add one with: python -m songnan_geo editor add USER")
    key, address = (username or "").strip(), client_key(client)
    wait = _wait_s(store.login_failures(key, since=now - FAILURE_WINDOW_S), FREE_FAILURES, now)
    if address is not None:
        wait = max(wait, _wait_s(store.login_failures(client=address,
                                                      since=now - CLIENT_FAILURE_WINDOW_S),
                                 CLIENT_FREE_FAILURES, now))
    if wait > 0:
        raise LoginThrottled(key, wait)
    stored = users.get(key)
    try:
        ok = _HASHER.verify(stored or _dummy_hash(), password or "") and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        store.record_login_failure(key, now, client=address)
        raise LoginFailed("wrong username or password.")
    store.clear_login_failures(key)
    return Editor(key, _seal(key))


def require_editor(editor) -> Editor:
    """Return ``editor`` if it is a genuine, still configured editor; else raise.

    Raises
    ------
    EditorRequiredError
        For anything else (None, a name, a forged or removed editor), with how to log in.
    """
    how = msg("editor_how")
    if not isinstance(editor, Editor) or not editor.is_genuine():
        raise EditorRequiredError(msg("editor_required", how=how))
    if editor.username not in load_editors():
        raise EditorRequiredError(msg("editor_removed", username=editor.username,
                                      source=_editors_source_msg(), how=how))
    return editor
