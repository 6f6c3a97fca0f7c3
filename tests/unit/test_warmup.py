"""The server's warm-up (songnan_ui.warmup) and the launcher that runs it (app.py).

The warm-up runs in a child process here: it fills process-wide caches, imports modules and
(through Streamlit's cache) would leak into this test process otherwise.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from pathlib import Path

import pytest
from conftest import REPO_ROOT, python_child

_CHILD = """
import json, sys
from songnan_geo import config
from songnan_ui import warmup
from songnan_ui.app_data import load_layers
from songnan_ui.stores import open_stores
seconds = warmup.warm_up()
d = str(config.data_dir())
print(json.dumps({
    "steps": list(seconds),
    "all_timed": all(v >= 0 for v in seconds.values()),
    "layers_cached": load_layers(d) is load_layers(d),
    "store_cached": open_stores() is open_stores(),
    "map_stack_imported": all(m in sys.modules for m in ("folium.plugins", "geopandas", "sqlalchemy",
                                                       "songnan_geo.maps.folium_map")),
    "streamlit_folium_imported": "streamlit_folium" in sys.modules,
}))
"""


@pytest.mark.slow
def test_warm_up_imports_the_map_stack_and_fills_the_caches_the_first_page_reads(tmp_path, monkeypatch):
    monkeypatch.setenv("SONGNAN_STORE_PATH", str(tmp_path / "tracker.gpkg"))
    monkeypatch.delenv("SONGNAN_STORE_URL", raising=False)
    done = python_child(_CHILD)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["steps"] == ["imports_data", "layers", "imports_map", "store"]
    assert out["all_timed"] and out["layers_cached"] and out["store_cached"] and out["map_stack_imported"]
    # streamlit_folium declares its map component only when a session's script imports it: a
    # warm-up that imported it would leave the browser with 404 for the component.
    assert out["streamlit_folium_imported"] is False
    assert (tmp_path / "tracker.gpkg").exists(), "the store was opened where the configuration says"


def _run_lifespan(monkeypatch, warm_up) -> list[logging.LogRecord]:
    """Enter and leave :func:`warmup.lifespan` with ``warm_up`` in place; the records it logged."""
    from songnan_ui import warmup
    monkeypatch.setattr(warmup, "warm_up", warm_up)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger(warmup.__name__)
    logger.addHandler(handler)

    async def serve():
        async with warmup.lifespan(None):
            pass   # the server would serve here; the warm-up runs beside it

    try:
        asyncio.run(serve())
        for thread in threading.enumerate():
            if thread.name == warmup.WARM_UP_THREAD:
                thread.join(30)
    finally:
        logger.removeHandler(handler)
    return records


def test_the_server_starts_at_once_and_the_warm_up_runs_beside_it(monkeypatch):
    started, release = threading.Event(), threading.Event()

    def slow_warm_up():
        started.set()
        release.wait(30)
        return {"imports_data": 0.1}

    from songnan_ui import warmup
    monkeypatch.setattr(warmup, "warm_up", slow_warm_up)

    async def serve():
        async with warmup.lifespan(None):
            assert started.wait(10), "the warm-up did not start"
            assert not release.is_set()   # still warming up, and the server is already serving
    asyncio.run(serve())
    release.set()
    for thread in threading.enumerate():
        if thread.name == warmup.WARM_UP_THREAD:
            thread.join(30)


def test_a_failing_warm_up_is_logged_and_changes_nothing(monkeypatch):
    def broken():
        raise OSError("data folder unreadable")

    records = _run_lifespan(monkeypatch, broken)
    failed = [r for r in records if r.levelno >= logging.ERROR]
    assert failed and "warm-up failed" in failed[0].getMessage()
    assert "data folder unreadable" in logging.Formatter().format(failed[0])


def test_a_finished_warm_up_logs_its_steps(monkeypatch):
    records = _run_lifespan(monkeypatch, lambda: {"imports_data": 0.5, "map": 0.25})
    assert any("warm-up done" in r.getMessage() and "map 0.25 s" in r.getMessage() for r in records)


def test_the_warm_up_thread_does_not_fill_the_log_with_context_warnings(monkeypatch):
    """Streamlit's "missing ScriptRunContext" warning is expected from the warm-up thread only."""
    from songnan_ui import warmup
    context_logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda r: seen.append(r.threadName)
    context_logger.addHandler(handler)

    def warn_like_streamlit():
        context_logger.warning("Thread '%s': missing ScriptRunContext!", threading.current_thread().name)
        return {}

    try:
        _run_lifespan(monkeypatch, warn_like_streamlit)
        context_logger.warning("from another thread")   # still logged
    finally:
        context_logger.removeHandler(handler)
        for f in list(context_logger.filters):
            if getattr(f, "__module__", "") == warmup.__name__:
                context_logger.removeFilter(f)
    assert seen == [threading.current_thread().name]


@pytest.mark.slow
def test_streamlit_run_app_py_serves_app_main_through_st_app_with_the_warm_up():
    from streamlit.web.server.app_discovery import discover_asgi_app
    found = discover_asgi_app(REPO_ROOT / "app.py")
    assert found.is_asgi_app and found.app_name == "app"
    done = python_child(
        "import app, json, streamlit as st, songnan_ui.warmup as w;"
        "print(json.dumps([isinstance(app.app, st.App), str(app.app.script_path),"
        " app.app._user_lifespan is w.lifespan]))")
    assert done.returncode == 0, done.stderr
    is_app, script, lifespan_given = json.loads(done.stdout.strip().splitlines()[-1])
    assert is_app and Path(script).name == "app_main.py" and lifespan_given
