"""Shared test helpers: repo paths, expected counts from data/geo, and the browser fixtures.

The browser fixtures (``streamlit_server``, ``chromium``, ``app_page``) start the real app
with ``python -m streamlit run app.py`` on a free port and drive it with Playwright in
Debian's Chromium (``/usr/bin/chromium``; Playwright's own browser downloads are not
used). Every request to a host other than 127.0.0.1/localhost is aborted and recorded,
so a test can assert that the app never tried to reach the internet.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Tests never read or write the real user folder (~/.songnan_geo: editable data copy, store,
# editors, custom standards) nor a data folder set in the caller's shell: every process the
# tests start, Streamlit servers included, inherits these.
os.environ["SONGNAN_USER_DIR"] = tempfile.mkdtemp(prefix="songnan-test-user-")
os.environ.pop("SONGNAN_DATA_DIR", None)

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_PATH = REPO_ROOT / "app_main.py"
DATA_DIR = REPO_ROOT / "data" / "geo"
ARTIFACTS = REPO_ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SERVER_START_TIMEOUT_S = 120

# Title attribute of the streamlit-folium component iframe ("streamlit_folium.st_folium").
MAP_IFRAME = 'iframe[title*="streamlit_folium"]'
# Paths Leaflet draws in SVG for polygons, lines and circle markers.
LEAFLET_PATHS = "path.leaflet-interactive"


# --------------------------------------------------------------------------- data facts

def read_manifest() -> dict:
    return json.loads((DATA_DIR / "manifest.json").read_text(encoding="utf-8"))


def feature_counts() -> dict[str, int]:
    """Number of features of each manifest layer, read straight from its GeoJSON file."""
    counts = {}
    for name, info in read_manifest()["layers"].items():
        doc = json.loads((DATA_DIR / info["file"]).read_text(encoding="utf-8"))
        counts[name] = len(doc["features"])
    return counts


def expected_svg_paths() -> dict[str, int]:
    """SVG paths Leaflet draws per layer: one per (Multi)Polygon/(Multi)LineString feature,
    one circle marker per point of a (Multi)Point."""
    out = {}
    for name, info in read_manifest()["layers"].items():
        doc = json.loads((DATA_DIR / info["file"]).read_text(encoding="utf-8"))
        n = 0
        for feat in doc["features"]:
            geom = feat.get("geometry") or {}
            n += len(geom.get("coordinates", [])) if geom.get("type") == "MultiPoint" else 1
        out[name] = n
    return out


def catalogue_codes_used(modules, catalogue: dict, calls: dict[str, int]) -> set:
    """Message codes the source of ``modules`` names: string constants that are codes of
    ``catalogue`` (codes chosen in a table or an expression), and the constant argument at
    position ``calls[name]`` of every call of ``name`` (so a misspelt code shows as unknown)."""
    import ast
    import inspect

    used = set()
    for mod in modules:
        for node in ast.walk(ast.parse(inspect.getsource(mod))):
            if isinstance(node, ast.Call):
                pos = calls.get(getattr(node.func, "id", getattr(node.func, "attr", "")))
                if pos is not None and len(node.args) > pos and \
                        isinstance(node.args[pos], ast.Constant):
                    used.add(node.args[pos].value)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value in catalogue:
                used.add(node.value)
    return used


def python_child(code: str) -> subprocess.CompletedProcess:
    """``python -c code`` in a new process from the repository root (the package importable
    from there), its output captured as text; two minutes at most."""
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}, timeout=120)

def app_page_paths() -> dict[str, str]:
    """Page files registered in app_main.py with ``st.Page("<path>.py", ...)``, by file stem.

    Read from app_main.py (the Streamlit script ``app.py`` serves) so the tests follow the pages
    wherever they live (e.g. ``pages/`` or another folder).
    """
    src = APP_PATH.read_text(encoding="utf-8")
    paths = re.findall(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"']", src)
    return {Path(p).stem: p for p in paths}


# --------------------------------------------------------------------------- server

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(port: int, log_path: Path) -> subprocess.Popen:
    """Start ``python -m streamlit run app.py`` from the repo root in its own process group
    (the server of :mod:`app`: ``app_main.py`` per session, the warm-up at start)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", PYTHONUNBUFFERED="1")
    log = open(log_path, "wb")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        log.close()  # the child keeps its own descriptor


def wait_healthy(proc: subprocess.Popen, base_url: str, log_path: Path,
                 timeout: float = SERVER_START_TIMEOUT_S) -> None:
    """Poll ``/_stcore/health`` until it answers "ok"; fail with the server log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before it was "
                               f"healthy. Log ({log_path}):\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(base_url + "/_stcore/health", timeout=2) as resp:
                if resp.status == 200 and resp.read().strip() == b"ok":
                    return
        except OSError:
            pass
        try:
            proc.wait(timeout=0.2)  # doubles as the pause between polls; notices an exit
        except subprocess.TimeoutExpired:
            pass
    raise RuntimeError(f"streamlit did not answer {base_url}/_stcore/health within "
                       f"{timeout:.0f}s. Log ({log_path}):\n{_tail(log_path)}")


def stop_process_group(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, then SIGKILL if it has not exited in 10 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def _tail(path: Path, n: int = 60) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


@contextmanager
def serve_app(log_name: str = "streamlit-server.log"):
    """Run ``streamlit run app.py`` on a free port; yield its base URL; stop it after."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = ARTIFACTS / log_name
    proc = start_streamlit(port, log_path)
    try:
        wait_healthy(proc, base_url, log_path)
        yield base_url
    finally:
        stop_process_group(proc)


@pytest.fixture(scope="session")
def streamlit_server():
    """Base URL (``http://127.0.0.1:<port>``) of ``streamlit run app.py``, for the session."""
    with serve_app() as base_url:
        yield base_url


@pytest.fixture
def cold_streamlit_server():
    """A server of its own that no browser session has visited yet."""
    with serve_app("streamlit-server-cold.log") as base_url:
        yield base_url


# --------------------------------------------------------------------------- browser

@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright (sync API).

    Module scope: only one sync Playwright can run at a time in a process, so this one
    stops before another test module starts its own.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests use Debian's Chromium. Install it "
                    "with: apt-get install --no-install-recommends chromium fonts-wqy-microhei",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            yield browser
        finally:
            browser.close()


# Runs in every frame (the app and the map iframe) before its own scripts.
_ERROR_HOOK = """
window.__snErrors = [];
window.addEventListener('error', function (e) {
    window.__snErrors.push('error: ' + (e && e.message ? e.message : String(e)));
});
window.addEventListener('unhandledrejection', function (e) {
    window.__snErrors.push('unhandledrejection: ' + String(e && e.reason));
});
"""


@dataclass
class AppPage:
    """A Playwright page on the app plus what the test asserts on afterwards."""

    page: object
    base_url: str
    external_requests: list = field(default_factory=list)   # (resource_type, url)
    console_errors: list = field(default_factory=list)      # (frame url, text)
    page_errors: list = field(default_factory=list)

    def _is_base_path_probe(self, url: str, text: str) -> bool:
        """Streamlit's frontend, opened on a page URL such as /catalogue, first probes
        /catalogue/_stcore/health and /catalogue/_stcore/host-config to find the server's
        base path; those two 404s are logged by Chromium and are not the app's errors."""
        return (text.startswith("Failed to load resource: the server responded with a status "
                                "of 404")
                and re.fullmatch(re.escape(self.base_url) + r"/[\w-]+/_stcore/(health|host-config)",
                                 url) is not None)

    def frame_errors(self) -> list[str]:
        """Uncaught errors recorded by the init script in every live frame."""
        out = []
        for frame in self.page.frames:
            try:
                errs = frame.evaluate("window.__snErrors || []")
            except Exception:  # detached or navigating frame
                continue
            out += [f"{frame.url}: {e}" for e in errs]
        return out

    def all_errors(self) -> list[str]:
        return ([f"console error in {u}: {t}" for u, t in self.console_errors
                 if not self._is_base_path_probe(u, t)]
                + [f"pageerror: {e}" for e in self.page_errors] + self.frame_errors())


@contextmanager
def open_app_page(browser, base_url: str):
    """A fresh browser context and page on the app at ``base_url`` (a new Streamlit session)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    ctx.set_default_timeout(60_000)
    ap = AppPage(page=None, base_url=base_url)

    def route(r):
        host = urlsplit(r.request.url).hostname
        if r.request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS:
            ap.external_requests.append((r.request.resource_type, r.request.url))
            r.abort()
        else:
            r.continue_()

    ctx.route("**/*", route)
    ctx.add_init_script(_ERROR_HOOK)
    page = ctx.new_page()
    ap.page = page
    # Page-level events cover the main frame and its iframes (msg.location names the frame).
    page.on("console", lambda m: ap.console_errors.append(
        (m.location.get("url", ""), m.text)) if m.type == "error" else None)
    page.on("pageerror", lambda e: ap.page_errors.append(str(e)))
    try:
        yield ap
    finally:
        ctx.close()


@contextmanager
def app_page_with_screenshot(browser, base_url: str, name: str):
    """``open_app_page``, and if the body fails, a full-page screenshot of where it stopped in
    ``artifacts/<name>-fail.png`` before the error goes on."""
    with open_app_page(browser, base_url) as ap:
        try:
            yield ap
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            ap.page.screenshot(path=str(ARTIFACTS / f"{name}-fail.png"), full_page=True)
            raise


@pytest.fixture
def app_page(chromium, streamlit_server):
    """A page on the session's server (one Streamlit session per test)."""
    with open_app_page(chromium, streamlit_server) as ap:
        yield ap


@pytest.fixture
def cold_app_page(chromium, cold_streamlit_server):
    """A page on a server that has served nobody yet (as after a restart)."""
    with open_app_page(chromium, cold_streamlit_server) as ap:
        yield ap


# --------------------------------------------------------------------------- AppTest helpers

def run_app(at):
    """Run an AppTest and fail with the app's own error text if it raised."""
    at.run()
    assert not at.exception, "the page raised:\n" + "\n".join(str(e.value) for e in at.exception)
    return at


def _pages_found_by_file_name() -> set[str]:
    """Page files whose URL is their file name (no other ``url_path``), and the default page.

    AppTest finds such a page by its file name before the app's first run, so a test can open it
    directly; a page with another URL (数据管理 at /data) is found only once ``st.navigation`` has
    registered it, after a first run of the default page.
    """
    src = APP_PATH.read_text(encoding="utf-8")
    found = set()
    for path, args in re.findall(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"']([^\n]*)", src):
        url = re.search(r"url_path\s*=\s*[\"']([^\"']*)[\"']", args)
        if url is None or url.group(1) == Path(path).stem:
            found.add(path)
    return found


def open_page(page: str, lang: str = "zh"):
    """A fresh AppTest of app_main.py in ``lang`` on ``page`` (a path in app_pages/).

    One run of the page itself where AppTest can find it by its file name (the language set in
    the session before it, as the sidebar's radio keeps it); otherwise the default page first.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP_PATH), default_timeout=120)
    at.session_state["lang"] = lang
    if page in _pages_found_by_file_name():
        return run_app(at.switch_page(page))
    run_app(at)
    at.switch_page(page)
    return run_app(at)


def button(at, label: str):
    """The AppTest button labelled ``label``; fails naming the buttons the page has."""
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return found[0]


def frame_with_column(at, column: str):
    """The first st.dataframe of the page (a pandas DataFrame) that has ``column``."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, (f"no table with column {column!r}; tables: "
                   f"{[list(d.value.columns) for d in at.dataframe]}")
    return found[0]


def form_login(at, key: str, user: str, password: str):
    """Log in with the editor login form of the page shown (widget keys ``{key}_user`` and
    ``{key}_password``), then run the app."""
    from songnan_geo.text.i18n import t

    at.text_input(key=f"{key}_user").input(user)
    at.text_input(key=f"{key}_password").input(password)
    button(at, t("tr_login_button")).click()
    return run_app(at)


# --------------------------------------------------------------------------- categories

#: tests/<folder>/ → marker; the fast loop is ``python -m pytest -m "unit or data"``.
TEST_CATEGORIES = ("unit", "data", "pages", "browser")


def pytest_collection_modifyitems(config, items):
    """Mark each test by its folder (tests/unit, tests/data, tests/pages, tests/browser).

    A test already marked ``browser`` by hand (a browser check inside a unit or page module)
    keeps only that marker, so ``-m "unit or data"`` never starts Chromium.
    """
    tests_dir = Path(__file__).resolve().parent
    for item in items:
        if "postgis_url" in item.fixturenames:   # a PostGIS server: outside the fast loop
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("browser"):
            continue
        try:
            folder = Path(str(item.path)).resolve().relative_to(tests_dir).parts[0]
        except ValueError:
            continue
        if folder in TEST_CATEGORIES:
            item.add_marker(getattr(pytest.mark, folder))
