"""``python -m songnan_geo editor``: manage the tracker's editors (salted argon2id hashes).

::

    python -m songnan_geo editor add USER             # asks for the password twice
    printf '%s\\n' "$PW" | python -m songnan_geo editor add USER --password-stdin
    python -m songnan_geo editor list
    python -m songnan_geo editor remove USER

Editors are kept in the secrets file ``SONGNAN_EDITORS_FILE`` (default ``editors.json`` in the
user folder ``SONGNAN_USER_DIR``, itself by default ``~/.songnan_geo``; mode 0600, outside the
repository); see :mod:`songnan_geo.auth`. Removing an editor keeps their name in the history.
"""
from __future__ import annotations

import getpass
import sys


def register(sub) -> None:
    p = sub.add_parser("editor", help="add, list or remove editors of the parcel tracker",
                       description="Manage who may record status changes in the tracker (地块进度). "
                                   "Passwords are stored only as salted argon2id hashes in "
                                   "SONGNAN_EDITORS_FILE (default: editors.json in the user folder, "
                                   "SONGNAN_USER_DIR or ~/.songnan_geo).")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an editor, or set a new password for one")
    add.add_argument("username")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input (scripts)")
    add.set_defaults(func=_add)
    ls = actions.add_parser("list", help="list the editors (names only)")
    ls.set_defaults(func=_list)
    rm = actions.add_parser("remove", help="remove an editor (the history keeps their name)")
    rm.add_argument("username")
    rm.set_defaults(func=_remove)


def _fail(message: str) -> int:
    print(f"editor: {message}", file=sys.stderr)
    return 2


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise ValueError("the two passwords differ; nothing was changed.")
    return first


def _add(args) -> int:
    from songnan_geo import auth  # noqa: PLC0415

    try:
        password = _read_password(args.password_stdin)
    except ValueError as exc:
        return _fail(str(exc))
    if password is None:
        return _fail("no terminal to ask for the password: run it in a terminal, or pipe the "
                     "password in with --password-stdin.")
    try:
        existed = args.username in auth.load_editors()
        path = auth.add_editor(args.username, password)
    except (ValueError, auth.EditorConfigError) as exc:
        return _fail(str(exc))
    verb = "password changed for" if existed else "added"
    print(f"editor {verb} '{args.username}' in {path}")
    return 0


def _list(args) -> int:
    from songnan_geo import auth  # noqa: PLC0415

    try:
        users = auth.load_editors()
    except auth.EditorConfigError as exc:
        return _fail(str(exc))
    print(f"# {auth.editors_source()}")
    for name in sorted(users):
        print(name)
    if not users:
        print("# no editors: the tracker is read-only. Add one with: python -m songnan_geo editor add USER")
    return 0


def _remove(args) -> int:
    from songnan_geo import auth  # noqa: PLC0415

    try:
        path = auth.remove_editor(args.username)
    except (KeyError, auth.EditorConfigError) as exc:
        return _fail(exc.args[0] if isinstance(exc, KeyError) else str(exc))
    print(f"editor removed '{args.username}' from {path}")
    return 0
