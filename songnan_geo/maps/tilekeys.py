"""Keys for online basemaps that need one (Tianditu), read from the deployment's configuration.

No key is ever stored in the repository. The key is looked up, in order, in:

1. the environment variable ``SONGNAN_TIANDITU_KEY``;
2. the TOML file named by ``SONGNAN_CONFIG``, else ``~/.config/songnan_geo/config.toml``::

       [tianditu]
       key = "0123456789abcdef0123456789abcdef"

A Tianditu key ("浏览器端" key from console.tianditu.gov.cn) is 32 hexadecimal characters;
anything else is treated as absent, so no text from the configuration can reach a tile URL
unchecked. The key is sent to the browser inside the tile URLs, as Tianditu requires.
"""
from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

#: Environment variable holding the Tianditu key.
TIANDITU_ENV = "SONGNAN_TIANDITU_KEY"
#: Environment variable naming the configuration file.
CONFIG_ENV = "SONGNAN_CONFIG"
#: Default configuration file (outside the repository).
DEFAULT_CONFIG = Path("~/.config/songnan_geo/config.toml")

_KEY_RE = re.compile(r"^[0-9a-fA-F]{32}$")


def config_path() -> Path:
    """The configuration file consulted (it need not exist)."""
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG).expanduser()


def _from_config(service: str) -> str | None:
    path = config_path()
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return None
    section = doc.get(service)
    value = section.get("key") if isinstance(section, dict) else None
    return value if isinstance(value, str) else None


def tianditu_key() -> str | None:
    """The configured Tianditu key, or None when none (or a malformed one) is configured."""
    value = os.environ.get(TIANDITU_ENV) or _from_config("tianditu")
    value = value.strip() if value else None
    return value if value and _KEY_RE.match(value) else None


#: Lookup functions by the name used in :data:`songnan_geo.maps.basemaps.BASEMAPS` ``"key"``.
KEY_LOOKUP = {"tianditu": tianditu_key}
