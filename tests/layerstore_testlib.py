"""Editors for the layer store's tests: genuine :class:`songnan_geo.auth.Editor` objects made by
a real login (argon2 hashes in a secrets file of the test, failures kept in a GeoPackage tracker
store of the test: ``SONGNAN_STORE_PATH``, tracker_testlib's ``store_path``), as the 数据管理
page and ``python -m songnan_geo import --editor`` make them.

``layer_editors`` logs in alice and bob; ``cli_editor_env`` sets what the import command reads
(``SONGNAN_STORE_PATH``, ``SONGNAN_EDITOR_PASSWORD`` of alice) and returns the CLI arguments.
"""
from __future__ import annotations

import pytest
from tracker_testlib import PASSWORDS, editors, login, store_path  # noqa: F401


@pytest.fixture
def layer_editors(editors, store_path):  # noqa: F811
    """{'alice': Editor, 'bob': Editor}, logged in against a tracker store of the test."""
    from songnan_geo.store.tracker import open_store

    store = open_store(str(store_path))
    try:
        return {u: login(store, u) for u in ("alice", "bob")}
    finally:
        store.dispose()


@pytest.fixture
def editor(layer_editors):
    """alice, logged in."""
    return layer_editors["alice"]


@pytest.fixture
def cli_editor_env(editors, store_path, monkeypatch):  # noqa: F811
    """The import command logs in as alice: returns ['--editor', 'alice']."""
    monkeypatch.setenv("SONGNAN_EDITOR_PASSWORD", PASSWORDS["alice"])
    return ["--editor", "alice"]
