"""The editor of a writing command: ``--editor NAME``, the password from the environment or the terminal.

Layer writes from the command line (``import``, ``osm``) need a logged-in editor, as the
app's pages do: the password is read from :data:`PASSWORD_ENV` (scripts), else asked for on
the terminal, and checked by :func:`songnan_geo.auth.authenticate` against the tracker
store (with its login throttling).
"""
from __future__ import annotations

import getpass
import os
import sys

#: Environment variable holding the editor's password (scripts); else a terminal prompt.
PASSWORD_ENV = "SONGNAN_EDITOR_PASSWORD"


def add_editor_argument(parser) -> None:
    """``--editor NAME`` on a writing command's parser."""
    parser.add_argument("--editor", help="editor making the change (needed to store or undo; "
                                         f"password from {PASSWORD_ENV} or asked for)")


def login_editor(editor_name: str | None, data_dir: str, command: str):
    """The :class:`songnan_geo.auth.Editor` named ``editor_name``, logged in; else a
    ``(message, exit code)`` pair saying why not (nothing is changed either way)."""
    if not editor_name:
        return (f"storing or undoing needs an editor: add --editor NAME (the password is read "
                f"from {PASSWORD_ENV} or asked for). Check without storing with --dry-run.", 2)
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            return (f"no terminal to ask for {editor_name}'s password: set {PASSWORD_ENV}.", 2)
        password = getpass.getpass(f"Password for {editor_name}: ")
    from songnan_geo import auth  # noqa: PLC0415  (lazy: --help stays fast)
    from songnan_geo.store.tracker import TrackerError, open_store  # noqa: PLC0415

    try:
        tracker = open_store(data_dir=data_dir)
    except TrackerError as exc:
        return (f"cannot open the tracker store to check the login: {exc}", 2)
    try:
        return auth.authenticate(editor_name, password, store=tracker)
    except auth.AuthError as exc:
        return (f"{command}: not logged in, nothing was changed: {exc}", 1)
