"""The shipped reverse proxy (deploy/nginx/songnan.conf) in front of the running app (issue 16).

Streamlit 1.67 sends its JavaScript uncompressed and has no option to compress it; nginx gzips
it. Through the proxy: the JavaScript arrives gzip-encoded and unchanged, the WebSocket works
(the map is drawn), and the first load transfers under 3 MB. nginx is Debian's nginx-light,
installed by .ci/run and the README's test command.
"""
from __future__ import annotations

import gzip
import re
import urllib.request

import pytest
from conftest import ARTIFACTS, free_port
from first_load import measure_first_load, nginx_in_front, server_block

#: Issue 16's goal for the first page load, bytes on the wire (HTTP + WebSocket).
FIRST_LOAD_LIMIT_B = 3_000_000


@pytest.fixture(scope="module")
def proxy_url(streamlit_server, tmp_path_factory):
    with nginx_in_front(streamlit_server, free_port(), tmp_path_factory.mktemp("nginx")) as url:
        yield url


def _get(url: str, gzip_ok: bool) -> tuple[bytes, dict]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read(), {k.lower(): v for k, v in r.headers.items()}


def test_server_block_keeps_its_shape():
    block = server_block(18080, 18501)
    assert "listen 127.0.0.1:18080;" in block and "proxy_pass http://127.0.0.1:18501;" in block
    assert re.search(r"^\s*gzip on;", block, re.M)
    assert "application/javascript" in block and "text/css" in block
    assert "$connection_upgrade" in block, "the WebSocket must be proxied"


def test_javascript_arrives_gzipped_and_unchanged(streamlit_server, proxy_url):
    page, _ = _get(streamlit_server + "/", gzip_ok=False)
    scripts = re.findall(rb'src="\.?/?(static/js/[^"]+\.js)"', page)
    assert scripts, "Streamlit's index.html names no script?"
    direct, direct_headers = _get(f"{streamlit_server}/{scripts[0].decode()}", gzip_ok=True)
    assert direct_headers.get("content-encoding") is None, "Streamlit now compresses by itself?"
    body, headers = _get(f"{proxy_url}/{scripts[0].decode()}", gzip_ok=True)
    assert headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body) == direct
    assert len(body) < 0.4 * len(direct), (len(body), len(direct))


def test_first_load_through_the_proxy_under_3_mb(chromium, proxy_url):
    r = measure_first_load(chromium, proxy_url)
    total = r["http_bytes"] + r["ws_in"]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "first_load_bytes.txt").write_text(
        f"through nginx: HTTP {r['http_bytes']} B, WebSocket in {r['ws_in']} B, total {total} B, "
        f"{r['requests']} requests, map drawn {r['map_from_navigation_s']:.2f} s after navigation\n")
    assert r["paths"] >= r["expected_paths"], "the map was not drawn through the proxy"
    assert not r["external"]
    assert total < FIRST_LOAD_LIMIT_B, (
        f"first load {total} B through nginx; largest: "
        f"{sorted(r['by_url'].items(), key=lambda kv: -kv[1])[:5]}")
