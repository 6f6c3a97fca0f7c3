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

    .venv/bin/python -m benchmarks.browser_load [--runs N] [--proxy]

``--proxy`` also loads the app a second time through nginx with ``deploy/nginx/songnan.conf``
(gzip; Debian's nginx-light) and prints the bytes transferred both ways and their ratio.
The measuring itself is :func:`tests.first_load.measure_first_load`, shared with the tests.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import (  # noqa: E402
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    start_streamlit,
    stop_process_group,
    wait_healthy,
)
from tests.first_load import measure_first_load, nginx_in_front  # noqa: E402


def one_run(browser, proxy: bool = False) -> dict:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = ARTIFACTS / "benchmark-server.log"
    t0 = time.perf_counter()
    proc = start_streamlit(port, log_path)
    try:
        wait_healthy(proc, base_url, log_path)
        t_health = time.perf_counter() - t0

        r = measure_first_load(browser, base_url)
        out = {"health_s": t_health, "map_from_server_start_s": r["map_drawn_at"] - t0, **r}
        if proxy:
            with tempfile.TemporaryDirectory(prefix="songnan-nginx-") as tmp, \
                    nginx_in_front(base_url, free_port(), Path(tmp)) as proxy_url:
                out["proxy"] = measure_first_load(browser, proxy_url)
        return out
    finally:
        stop_process_group(proc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1, help="server starts to measure (default 1)")
    ap.add_argument("--proxy", action="store_true",
                    help="also load through nginx with deploy/nginx/songnan.conf (gzip)")
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
                r = one_run(browser, args.proxy)
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
        for key, label in [("health_s", "health ok"), ("map_from_server_start_s",
                                                     "map drawn from server start")]:
            vals = [r[key] for r in results]
            print(f"median {label}: {statistics.median(vals):.2f} s "
                  f"(min {min(vals):.2f}, max {max(vals):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
