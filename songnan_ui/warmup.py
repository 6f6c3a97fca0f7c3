"""The server's start: the work the first planner's map would otherwise wait for, done at once.

A cold server process pays, on its first page, for importing geopandas, folium with
streamlit-folium and SQLAlchemy, reading every layer and opening the tracker's store (about
2 s of CPU on the office's two-core server; issue 16). :func:`lifespan` (given to
``st.App`` in ``app.py``) starts :func:`warm_up` in a background thread when the server
starts, so ``/_stcore/health`` answers at once and the first session finds the imports done and the caches of
:mod:`songnan_ui.app_data` and :mod:`songnan_ui.stores` filled. A session that arrives
during the warm-up waits only for what is still running: Python's import lock and the
per-key locks of ``st.cache_resource`` stop any work being done twice.

The warm-up renders nothing into any session and builds no map: each page builds its
own from the layers (a folium map rendered twice is not repeatable). A failure here
is logged and changes nothing; the page that needs the failing part shows the error in
the UI's language.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import asynccontextmanager

from streamlit.logger import get_logger

_LOGGER = get_logger(__name__)
WARM_UP_THREAD = "songnan-warm-up"
# Streamlit warns "missing ScriptRunContext" when a cached function runs outside a session;
# for the warm-up that is expected, and the warning would only alarm whoever reads the log.
_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


def _not_from_warm_up(record: logging.LogRecord) -> bool:
    return record.threadName != WARM_UP_THREAD


def warm_up(lang: str = "zh") -> dict[str, float]:
    """Do once, in this process, what the first overview page in ``lang`` needs.

    Imports the map stack and fills the caches of the layers, the sidebar summary and the
    store. The map itself is left to the page: building and rendering it costs a page about
    0.15 s whether or not one was rendered before in the process (measured), so doing it
    here would only compete with a first session for the CPU.

    Returns
    -------
    dict of str to float
        Seconds taken by each step, by step name, in the order done.

    Raises
    ------
    Exception
        Whatever the failing step raised (:func:`lifespan`'s thread logs it).
    """
    seconds: dict[str, float] = {}
    t = time.perf_counter()

    def step(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        seconds[name] = now - t
        t = now

    from songnan_geo import config
    from songnan_ui.app_data import load_layers, sidebar_summary, static_assets
    step("imports_data")
    static_assets()
    layers, manifest = load_layers(str(config.data_dir()))
    sidebar_summary(id(layers), lang, layers, manifest)
    step("layers")
    # What streamlit_folium imports, but not streamlit_folium itself: it declares its map
    # component only when imported by a session's script (a declaration outside one is lost,
    # and the browser then gets 404 for the component).
    import folium.plugins  # noqa: F401

    import songnan_geo.maps.folium_map  # noqa: F401
    import songnan_geo.reports.tracker  # noqa: F401
    from songnan_geo.store.tracker import TrackerError
    from songnan_ui.stores import open_stores
    step("imports_map")
    try:
        open_stores()   # the engine, and the schema checked or created, once per process
    except TrackerError:   # no store here: the page says so itself
        pass
    step("store")
    return seconds


def _warm_up_logged() -> None:
    start = time.perf_counter()
    try:
        seconds = warm_up()
    except Exception:  # noqa: BLE001 - the server must start; the page shows the error
        _LOGGER.exception("warm-up failed after %.2f s; the first page does this work itself",
                          time.perf_counter() - start)
        return
    _LOGGER.info("warm-up done in %.2f s (%s)", time.perf_counter() - start,
                 ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items()))


@asynccontextmanager
async def lifespan(app):
    """``st.App``'s lifespan: start :func:`warm_up` in a daemon thread; nothing at shutdown."""
    context_logger = logging.getLogger(_CONTEXT_LOGGER)
    if _not_from_warm_up not in context_logger.filters:
        context_logger.addFilter(_not_from_warm_up)
    threading.Thread(target=_warm_up_logged, name=WARM_UP_THREAD, daemon=True).start()
    yield None
