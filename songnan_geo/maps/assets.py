"""Browser assets (Leaflet JS/CSS and images) served by the app itself.

The map must work without internet, so nothing is loaded from a CDN. Leaflet comes from
the ``XStatic-Leaflet`` package (installed from the package registry, pinned in
``requirements.txt``) and is copied at start-up into ``<repo>/static/vendor/leaflet/``
(git-ignored). Streamlit, with ``server.enableStaticServing = true``, serves
``<folder of app.py>/static/`` at the URL path ``/app/static/``, so the files are
reachable at :data:`LEAFLET_URL_PREFIX`. The streamlit-folium component iframe has the
app's origin, so those root-relative URLs resolve there too.

Only disk access lives here: this module imports neither streamlit nor folium.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from xstatic.pkg import leaflet as _xleaflet

#: The repository's static folder, served by Streamlit at ``/app/static/``.
DEFAULT_STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"

#: Sub-folder of the static folder that receives the Leaflet files.
LEAFLET_SUBDIR = Path("vendor") / "leaflet"

#: URL path under which Streamlit serves the Leaflet files (note the trailing slash).
LEAFLET_URL_PREFIX = "/app/static/vendor/leaflet/"

#: File names, relative to the Leaflet folder/URL prefix.
LEAFLET_JS = "leaflet.js"
LEAFLET_CSS = "leaflet.css"

#: Leaflet version shipped by the installed XStatic package, e.g. ``"1.9.3"``.
LEAFLET_VERSION: str = _xleaflet.VERSION

# Written last into the copied folder; its content identifies the copy.
_VERSION_FILE = "VERSION"
_VERSION_TEXT = f"{_xleaflet.PACKAGE_NAME} {_xleaflet.PACKAGE_VERSION}\n"
# leaflet.js ends with "//# sourceMappingURL=leaflet.js.map": ship the map so browser
# developer tools do not log a 404.
_TOP_FILES = (LEAFLET_JS, LEAFLET_CSS, "leaflet.js.map")


def leaflet_url_prefix() -> str:
    """URL path prefix of the served Leaflet files: ``/app/static/vendor/leaflet/``."""
    return LEAFLET_URL_PREFIX


def _source_dir() -> Path:
    src = Path(_xleaflet.BASE_DIR)
    if not (src / LEAFLET_JS).is_file():
        raise FileNotFoundError(
            f"The installed XStatic-Leaflet package has no {LEAFLET_JS} in {src}. "
            "Reinstall it: /work/venv/bin/pip install --force-reinstall -r requirements.txt"
        )
    return src


def _expected_files(src: Path) -> list[Path]:
    """Paths (relative to the Leaflet folder) that a complete copy contains."""
    files = [Path(name) for name in _TOP_FILES if (src / name).is_file()]
    images = src / "images"
    if images.is_dir():
        files += [Path("images") / p.name for p in sorted(images.iterdir()) if p.is_file()]
    return files


def _is_complete(dest: Path, files: list[Path]) -> bool:
    version = dest / _VERSION_FILE
    try:
        if version.read_text(encoding="utf-8") != _VERSION_TEXT:
            return False
    except OSError:
        return False
    return all((dest / f).is_file() for f in files)


def ensure_static_assets(static_dir: str | Path = DEFAULT_STATIC_DIR) -> Path:
    """Copy Leaflet's files from the installed XStatic-Leaflet package into ``static_dir``.

    Idempotent and atomic: if ``<static_dir>/vendor/leaflet/`` already holds this
    package version (its ``VERSION`` file matches and every file is present) nothing is
    written. Otherwise the files are copied into a temporary folder next to the target
    and renamed into place, so a browser or a concurrent app process never sees a
    half-written folder. An older copy is replaced.

    Parameters
    ----------
    static_dir : str or pathlib.Path, default ``<repo>/static``
        The folder Streamlit serves at ``/app/static/`` (next to ``app.py``). Tests
        may pass a temporary folder.

    Returns
    -------
    pathlib.Path
        The Leaflet folder, ``<static_dir>/vendor/leaflet``, containing ``leaflet.js``,
        ``leaflet.css``, ``leaflet.js.map``, ``images/*.png`` and ``VERSION``.

    Raises
    ------
    FileNotFoundError
        If the XStatic-Leaflet package is installed without its files.
    OSError
        (e.g. ``PermissionError``) if ``static_dir`` cannot be written or is not a
        folder; the message names it and the fix.
    """
    src = _source_dir()
    dest = Path(static_dir) / LEAFLET_SUBDIR
    files = _expected_files(src)
    if _is_complete(dest, files):
        return dest
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".leaflet-tmp-", dir=dest.parent))
    except OSError as exc:
        raise type(exc)(
            exc.errno,
            f"static_dir '{static_dir}' cannot receive the Leaflet files ({exc.strerror}: "
            f"{exc.filename}). Make it a writable folder for the app's user, or pass another "
            "static_dir that Streamlit serves.",
        ) from exc
    try:
        for rel in files:
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / rel, tmp / rel)
        (tmp / _VERSION_FILE).write_text(_VERSION_TEXT, encoding="utf-8")
        old = None
        if dest.exists():
            # Move the stale copy aside first: rename() cannot replace a non-empty folder.
            old = Path(tempfile.mkdtemp(prefix=".leaflet-old-", dir=dest.parent))
            try:
                os.rename(dest, old / "leaflet")
            except FileNotFoundError:
                pass  # a concurrent call moved it aside already
        try:
            os.rename(tmp, dest)
        except OSError:
            # Another process installed a copy between our check and our rename.
            if not _is_complete(dest, files):
                raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest
