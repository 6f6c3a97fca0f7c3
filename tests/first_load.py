"""The first page load: what the browser transfers until the map is drawn, and nginx in front.

Shared by tests/browser/test_nginx_proxy.py and benchmarks/browser_load.py (``--proxy``).
:func:`measure_first_load` opens the app in Chromium and counts bytes from Chrome DevTools
Protocol events; :func:`nginx_in_front` starts Debian's nginx with ``deploy/nginx/songnan.conf``
in front of a running Streamlit. The shipped server block is used as it is, with its two port
numbers (``listen 8080``, upstream ``127.0.0.1:8501``) replaced by the test's; nginx runs
unprivileged in a folder of its own.
"""
from __future__ import annotations

import base64
import shutil
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

try:
    from conftest import LEAFLET_PATHS, LOCAL_HOSTS, MAP_IFRAME, expected_svg_paths
except ModuleNotFoundError:   # imported as tests.first_load (python -m benchmarks.browser_load)
    from tests.conftest import LEAFLET_PATHS, LOCAL_HOSTS, MAP_IFRAME, expected_svg_paths

REPO_ROOT = Path(__file__).resolve().parent.parent
CONF = REPO_ROOT / "deploy" / "nginx" / "songnan.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

_MAIN = """daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {d}/access.log;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/songnan.conf;
}}
"""


def server_block(listen_port: int, upstream_port: int) -> str:
    """The shipped server block with the given ports."""
    text = CONF.read_text(encoding="utf-8")
    assert "listen 8080;" in text and "http://127.0.0.1:8501;" in text, "songnan.conf changed shape"
    return (text.replace("listen 8080;", f"listen 127.0.0.1:{listen_port};")
            .replace("http://127.0.0.1:8501;", f"http://127.0.0.1:{upstream_port};"))


@contextmanager
def nginx_in_front(upstream_url: str, listen_port: int, workdir: Path):
    """Run nginx on ``127.0.0.1:listen_port`` proxying to ``upstream_url``; yield its base URL."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is missing: apt-get install --no-install-recommends nginx-light")
    upstream_port = int(upstream_url.rsplit(":", 1)[1].rstrip("/"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "songnan.conf").write_text(server_block(listen_port, upstream_port), encoding="utf-8")
    (workdir / "nginx.conf").write_text(_MAIN.format(d=workdir), encoding="utf-8")
    check = subprocess.run([NGINX, "-t", "-p", str(workdir), "-c", str(workdir / "nginx.conf")],
                           capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t refused the configuration:\n{check.stderr}")
    proc = subprocess.Popen([NGINX, "-p", str(workdir), "-c", str(workdir / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{listen_port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = workdir / "error.log"
                    raise RuntimeError("nginx did not come up:\n"
                                       + (log.read_text() if log.exists() else "")) from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_map_drawn(page, expected: int, timeout_s: float = 120.0) -> int:
    """Wait until some frame of ``page`` holds ``expected`` Leaflet SVG paths; return the count.

    Every frame is asked each time: the map's iframe may be replaced while the page settles, and
    a wait bound to the first iframe would then never end.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        best = 0
        for frame in page.frames:
            try:
                best = max(best, frame.evaluate(f"document.querySelectorAll({LEAFLET_PATHS!r}).length"))
            except Exception:   # noqa: BLE001 - a frame detached or navigating meanwhile
                continue
        if best >= expected:
            return best
        if time.monotonic() > deadline:
            raise TimeoutError(f"the map drew {best} of {expected} paths in {timeout_s:.0f} s")
        page.wait_for_timeout(20)


def measure_first_load(browser, base_url: str, viewport=(1400, 1000), context=None) -> dict:
    """Open ``base_url``; wait for the map to be drawn.

    In a fresh browser context with the cache off (a first visit), or in ``context`` with its
    cache as it is (a planner's browser that has opened the app before).

    Returns seconds from navigation to the map drawn (every expected Leaflet SVG path), HTTP
    bytes on the wire (``Network.loadingFinished.encodedDataLength``, headers included: what
    was really transferred, compressed or not), requests, WebSocket bytes in/out, bytes per URL
    and the requests made to other hosts (``external``).

    Requests are watched through the DevTools protocol, not intercepted: Playwright's request
    routing turns the browser's cache off and sends every request through this process, which
    would slow what is being timed (the machine has no internet; an external request fails
    and is listed).
    """
    expected = sum(expected_svg_paths().values())
    own_context = context is None
    ctx = context or browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    external: list[str] = []
    page = ctx.new_page()
    try:
        cdp = ctx.new_cdp_session(page)
        net = {"requests": 0, "http_bytes": 0, "ws_in": 0, "ws_out": 0, "by_url": {}}
        urls: dict[str, str] = {}

        def on_request(e):
            net["requests"] += 1
            url = urls[e["requestId"]] = e["request"]["url"]
            if url.startswith(("http:", "https:")) and urlsplit(url).hostname not in LOCAL_HOSTS:
                external.append(url)

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
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": own_context})

        t_nav = time.perf_counter()
        page.goto(base_url + "/")
        page.wait_for_selector(MAP_IFRAME, state="attached", timeout=120_000)
        drawn = wait_map_drawn(page, expected)
        t_map = time.perf_counter()
        page.wait_for_timeout(1500)  # late requests (fonts, images) finish before counting
        return {"map_from_navigation_s": t_map - t_nav, "map_drawn_at": t_map, "paths": drawn,
                "expected_paths": expected, "external": external, **net}
    finally:
        page.close()
        if own_context:
            ctx.close()
