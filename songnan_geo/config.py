"""Where the tool keeps things on this machine: one place for every folder setting.

* ``SONGNAN_USER_DIR`` — the user-writable folder (default ``~/.songnan_geo``): the planners'
  editable copy of the layers, custom standards, the tracker store, editors' password hashes.
  Nothing there is part of the repository.
* ``SONGNAN_DATA_DIR`` — the layers the app reads. When unset: the editable copy in the user
  folder if one has been made (数据管理 → 创建可编辑副本), else the repository's ``data/geo``.
"""
from __future__ import annotations

import os
from pathlib import Path

from songnan_geo.layers.io import DEFAULT_DATA_DIR

USER_DIR_ENV = "SONGNAN_USER_DIR"
DATA_DIR_ENV = "SONGNAN_DATA_DIR"


def user_dir() -> Path:
    """The user-writable folder: ``$SONGNAN_USER_DIR``, else ``~/.songnan_geo``."""
    env = os.environ.get(USER_DIR_ENV)
    return Path(env).expanduser() if env else Path.home() / ".songnan_geo"


def editable_data_dir() -> Path:
    """Where the editable copy of the layers lives: ``<user_dir>/data``."""
    return user_dir() / "data"


def data_dir() -> Path:
    """The layers the app reads (see the module docstring for the order)."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    copy = editable_data_dir()
    return copy if (copy / "manifest.json").is_file() else DEFAULT_DATA_DIR


def is_repository_data(folder: str | Path) -> bool:
    """True if ``folder`` is the repository's own ``data/geo`` (never written by the app)."""
    return Path(folder).resolve() == DEFAULT_DATA_DIR.resolve()
