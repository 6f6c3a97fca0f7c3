"""How fast the app comes up and draws its map, and how much the browser transfers.

Not a test: it prints measured numbers. One run starts four cold servers, one after the
other on one free port (``python -m streamlit run app.py`` from the repo root), and opens
each once in Debian's Chromium (nothing outside 127.0.0.1 is allowed):

1. the moment ``/_stcore/health`` answers "ok", while the server's warm-up
   (:mod:`songnan_ui.warmup`) still runs: times process start → health, server start →
   the map drawn (every expected Leaflet SVG path in the st_folium iframe) and navigation →
   map drawn, in a fresh browser (cache off);
2. once the server's log says its warm-up ended: navigation → map drawn, fresh browser;
3. and 4. the same with a browser that opened the app before (server 3), with its cache as
   a planner's browser has it (server 4 is measured). The ratios to the 3 s goal of issue
   16 are printed.

The package's bytecode is compiled first, as a deployed server has it after its first start
(this machine's environment sets PYTHONDONTWRITEBYTECODE, which would otherwise make every
server compile the package from source again).

For the first load it also sums what the page transferred, from Chrome DevTools Protocol
events: HTTP bytes on the wire (``Network.loadingFinished.encodedDataLength``, headers
included) and number of requests, plus the WebSocket bytes Streamlit pushes (the map's HTML
and the tables travel over the WebSocket, not HTTP).

Usage (from anywhere)::

    .venv/bin/python -m benchmarks.browser_load [--runs N] [--proxy] [--pin]

``--pin`` keeps Chromium on one CPU and the servers on the others, as when the planners'
browsers run on their own PCs (on one two-core machine the browser's JavaScript otherwise
competes with the server's start for the same cores).

``--proxy`` also loads the app a second time through nginx with ``deploy/nginx/songnan.conf``
(gzip; Debian's nginx-light) and prints the bytes transferred both ways and their ratio.
The measuring itself is :func:`tests.first_load.measure_first_load`, shared with the tests.
"""
from __future__ import annotations

import argparse
import compileall
import os
import re
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import (  # noqa: E402
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO_ROOT,
    free_port,
    start_streamlit,
    stop_process_group,
    wait_healthy,
)
from tests.first_load import measure_first_load, nginx_in_front  # noqa: E402

GOAL_FIRST_MAP_S = 3.0   # issue 16: the first map on a cold server within 3 s
WARM_UP_LOG = re.compile(r"warm-up (done|failed)")


@contextmanager
def _server(port: int, log_path: Path):
    """A new server process on ``port``; yields (its start time, seconds to health)."""
    t0 = time.perf_counter()
    proc = start_streamlit(port, log_path)
    try:
        wait_healthy(proc, f"http://127.0.0.1:{port}", log_path)
        yield t0, time.perf_counter() - t0
    finally:
        stop_process_group(proc)


def _wait_warm(log_path: Path, timeout_s: float = 20.0) -> float | None:
    """Wait until the server's log says its warm-up ended; the time it was seen, or None when
    no warm-up line came within ``timeout_s`` (a server without a warm-up, e.g. an older
    commit measured for comparison: it has then been idle for ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = WARM_UP_LOG.search(log_path.read_text(encoding="utf-8", errors="replace"))
        if found:
            if found.group(1) == "failed":
                raise RuntimeError(f"the warm-up failed; see {log_path}")
            return time.perf_counter()
        time.sleep(0.05)
    return None


def one_run(browser, proxy: bool = False) -> dict:
    """Four cold servers on one port, each opened once:

    1. the moment ``/_stcore/health`` answers (its warm-up still running), a first visit
       (cache off) — also the bytes transferred;
    2. once its warm-up has ended, a first visit (cache off);
    3. + 4. once its warm-up has ended, a browser that opened the app before, with its cache
       (server 3 fills the cache; server 4 is measured).
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = ARTIFACTS / "benchmark-server.log"
    with _server(port, log_path) as (t0, health_s):
        r = measure_first_load(browser, base_url)
        out = {"health_s": health_s, "map_from_server_start_s": r["map_drawn_at"] - t0, **r}
        if proxy:
            with tempfile.TemporaryDirectory(prefix="songnan-nginx-") as tmp, \
                    nginx_in_front(base_url, free_port(), Path(tmp)) as proxy_url:
                out["proxy"] = measure_first_load(browser, proxy_url)
    with _server(port, log_path) as (t0, _):
        warm = _wait_warm(log_path)
        out["warm_up_s"] = float("nan") if warm is None else warm - t0
        out["warmed"] = measure_first_load(browser, base_url)["map_from_navigation_s"]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        with _server(port, log_path):
            _wait_warm(log_path)
            measure_first_load(browser, base_url, context=ctx)
        with _server(port, log_path):
            _wait_warm(log_path)
            out["warmed_cached"] = measure_first_load(browser, base_url, context=ctx)["map_from_navigation_s"]
    finally:
        ctx.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1, help="server starts to measure (default 1)")
    ap.add_argument("--proxy", action="store_true",
                    help="also load through nginx with deploy/nginx/songnan.conf (gzip)")
    ap.add_argument("--pin", action="store_true",
                    help="browser on the last CPU, servers on the others: as when planners' "
                         "browsers run on their own PCs, not on the server's cores")
    args = ap.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing. Install it with: apt-get install "
                 "--no-install-recommends chromium fonts-wqy-microhei")
    from playwright.sync_api import sync_playwright

    # A deployed server writes its modules' bytecode (__pycache__, git-ignored) on its first
    # start and reuses it on every later one. An environment with PYTHONDONTWRITEBYTECODE set
    # (as this development machine's) would make every server here compile the package from
    # source again (about 0.3 s), so it is compiled once, as after a first start.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    for package in ("songnan_geo", "songnan_ui"):
        compileall.compile_dir(REPO_ROOT / package, quiet=1)
    print("package bytecode compiled as after a server's first start")

    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) < 2:
        sys.exit("--pin needs two CPUs at least")
    if args.pin:   # what is started now (Playwright's driver, Chromium) keeps the last CPU
        os.sched_setaffinity(0, cpus[-1:])
    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        if args.pin:   # the servers started from here on get the other CPUs
            os.sched_setaffinity(0, cpus[:-1])
            print(f"browser on CPU {cpus[-1]}, servers on CPU {', '.join(map(str, cpus[:-1]))}")
        try:
            for i in range(args.runs):
                r = one_run(browser, args.proxy)
                results.append(r)
                print(f"run {i + 1}/{args.runs}:")
                print(f"  server process start -> /_stcore/health ok : {r['health_s']:7.2f} s")
                print(f"  server process start -> map drawn          : "
                      f"{r['map_from_server_start_s']:7.2f} s")
                print(f"  page navigation      -> map drawn          : "
                      f"{r['map_from_navigation_s']:7.2f} s  (navigated at health, warm-up running)")
                print(f"  server process start -> warm-up ended      : {r['warm_up_s']:7.2f} s")
                print(f"  navigation -> map, server warmed up        : {r['warmed']:7.2f} s  "
                      f"(first visit, cache off; {r['warmed'] / GOAL_FIRST_MAP_S:.2f}x the 3 s goal)")
                print(f"  navigation -> map, warmed, browser cache   : {r['warmed_cached']:7.2f} s  "
                      f"(a browser that opened the app before; {r['warmed_cached'] / GOAL_FIRST_MAP_S:.2f}x)")
                print(f"  Leaflet SVG paths drawn                    : {r['paths']:7d} "
                      f"(expected >= {r['expected_paths']})")
                print(f"  HTTP requests                              : {r['requests']:7d}")
                print(f"  HTTP bytes transferred (encoded, w/ hdrs)  : {r['http_bytes']:7d} B "
                      f"({r['http_bytes'] / 1024:.1f} KiB)")
                print(f"  WebSocket bytes received / sent            : {r['ws_in']:7d} B / "
                      f"{r['ws_out']} B")
                print(f"  total bytes received (HTTP + WebSocket)    : "
                      f"{r['http_bytes'] + r['ws_in']:7d} B "
                      f"({(r['http_bytes'] + r['ws_in']) / 1024:.1f} KiB)")
                print(f"  requests to other hosts                    : {len(r['external']):7d}")
                top = sorted(r["by_url"].items(), key=lambda kv: -kv[1])[:5]
                print("  largest HTTP responses:")
                for url, n in top:
                    print(f"    {n:9d} B  {urlsplit(url).path}")
                if "proxy" in r:
                    q = r["proxy"]
                    print("  through nginx (gzip), warm server: map drawn "
                          f"{q['map_from_navigation_s']:.2f} s after navigation")
                    print(f"  HTTP bytes through nginx                   : {q['http_bytes']:7d} B "
                          f"({q['http_bytes'] / 1024:.1f} KiB; direct/nginx = "
                          f"{r['http_bytes'] / max(q['http_bytes'], 1):.2f}x)")
                    print(f"  total bytes through nginx (HTTP + WS)      : "
                          f"{q['http_bytes'] + q['ws_in']:7d} B "
                          f"({(q['http_bytes'] + q['ws_in']) / 1024:.1f} KiB)")
        finally:
            browser.close()
    if len(results) > 1:
        for key, label in [("health_s", "health ok"),
                           ("map_from_server_start_s", "map drawn from server start"),
                           ("map_from_navigation_s", "map from navigation at health"),
                           ("warm_up_s", "warm-up ended from server start"),
                           ("warmed", "map from navigation, warmed server, cache off"),
                           ("warmed_cached", "map from navigation, warmed server, browser cache")]:
            vals = [r[key] for r in results]
            print(f"median {label}: {statistics.median(vals):.2f} s "
                  f"(min {min(vals):.2f}, max {max(vals):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
