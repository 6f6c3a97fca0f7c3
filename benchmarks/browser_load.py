"""How fast the app comes up and draws its map, and how much the browser transfers.

Not a test: it prints measured numbers. One run:

1. starts ``python -m streamlit run app.py`` on a free port (from the repo root);
2. times process start → ``/_stcore/health`` answers "ok";
3. opens the app in Debian's Chromium (nothing outside 127.0.0.1 is allowed) and times
   server start → the map drawn (every expected Leaflet SVG path in the st_folium
   iframe), and navigation start → map drawn;
4. sums what the page transferred, from Chrome DevTools Protocol events:
   HTTP bytes on the wire (``Network.loadingFinished.encodedDataLength``, headers
   included) and number of requests, plus the WebSocket bytes Streamlit pushes (the
   map's HTML and the tables travel over the WebSocket, not HTTP).

Usage (from anywhere)::

    .venv/bin/python -m benchmarks.browser_load [--runs N]
"""
from __future__ import annotations

import argparse
import base64
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent

from tests.conftest import (  # noqa: E402
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    LEAFLET_PATHS,
    LOCAL_HOSTS,
    MAP_IFRAME,
    expected_svg_paths,
    free_port,
    start_streamlit,
    stop_process_group,
    wait_healthy,
)


def one_run(browser) -> dict:
    expected = sum(expected_svg_paths().values())
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = ARTIFACTS / "benchmark-server.log"
    t0 = time.perf_counter()
    proc = start_streamlit(port, log_path)
    try:
        wait_healthy(proc, base_url, log_path)
        t_health = time.perf_counter() - t0

        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        blocked: list[str] = []

        def route(r):
            host = urlsplit(r.request.url).hostname
            if r.request.url.startswith(("http:", "https:")) and host not in LOCAL_HOSTS:
                blocked.append(r.request.url)
                r.abort()
            else:
                r.continue_()

        ctx.route("**/*", route)
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        net = {"requests": 0, "http_bytes": 0, "ws_in": 0, "ws_out": 0, "by_url": {}}
        urls: dict[str, str] = {}

        def on_request(e):
            net["requests"] += 1
            urls[e["requestId"]] = e["request"]["url"]

        def on_finished(e):
            n = int(e.get("encodedDataLength", 0))
            net["http_bytes"] += n
            url = urls.get(e["requestId"], "?")
            net["by_url"][url] = net["by_url"].get(url, 0) + n

        def frame_len(e):
            r = e["response"]
            data = r.get("payloadData", "")
            return len(base64.b64decode(data)) if r.get("opcode") == 2 else len(data.encode())

        cdp.on("Network.requestWillBeSent", on_request)
        cdp.on("Network.loadingFinished", on_finished)
        cdp.on("Network.webSocketFrameReceived",
               lambda e: net.__setitem__("ws_in", net["ws_in"] + frame_len(e)))
        cdp.on("Network.webSocketFrameSent",
               lambda e: net.__setitem__("ws_out", net["ws_out"] + frame_len(e)))
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

        t_nav = time.perf_counter()
        page.goto(base_url + "/")
        frame = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=120_000)
        doc = None
        while doc is None:
            doc = frame.content_frame()
            if doc is None:
                page.wait_for_timeout(50)
        doc.wait_for_function(
            f"n => document.querySelectorAll({LEAFLET_PATHS!r}).length >= n",
            arg=expected, timeout=120_000, polling="raf")
        t_map = time.perf_counter()
        drawn = doc.evaluate(f"document.querySelectorAll({LEAFLET_PATHS!r}).length")
        # Let late requests (fonts, images) finish before counting bytes.
        page.wait_for_timeout(1500)
        ctx.close()
        return {
            "health_s": t_health, "map_from_server_start_s": t_map - t0,
            "map_from_navigation_s": t_map - t_nav, "paths": drawn, "expected_paths": expected,
            "blocked": blocked, **net,
        }
    finally:
        stop_process_group(proc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1, help="server starts to measure (default 1)")
    args = ap.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing. Install it with: apt-get install "
                 "--no-install-recommends chromium fonts-wqy-microhei")
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for i in range(args.runs):
                r = one_run(browser)
                results.append(r)
                print(f"run {i + 1}/{args.runs}:")
                print(f"  server process start -> /_stcore/health ok : {r['health_s']:7.2f} s")
                print(f"  server process start -> map drawn          : "
                      f"{r['map_from_server_start_s']:7.2f} s")
                print(f"  page navigation      -> map drawn          : "
                      f"{r['map_from_navigation_s']:7.2f} s")
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
                print(f"  external requests (blocked)                : {len(r['blocked']):7d}")
                top = sorted(r["by_url"].items(), key=lambda kv: -kv[1])[:5]
                print("  largest HTTP responses:")
                for url, n in top:
                    print(f"    {n:9d} B  {urlsplit(url).path}")
        finally:
            browser.close()
    if len(results) > 1:
        for key, label in [("health_s", "health ok"), ("map_from_server_start_s",
                                                     "map drawn from server start")]:
            vals = [r[key] for r in results]
            print(f"median {label}: {statistics.median(vals):.2f} s "
                  f"(min {min(vals):.2f}, max {max(vals):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
