"""A corpus of hostile strings, and canaries that show whether any of them was evaluated.

Each string must come out of every renderer (map, popup, tooltip, legend, layer control,
briefing, reports) shown literally: as text, never as markup, script or template. Some are
*canaries*: if a Jinja2 environment ever evaluated them as template source they would set
:data:`CANARY_ENV` in the process environment, write :data:`CANARY_FILE`, or print
:data:`EVAL_MARK` (``7*191``). :func:`canary_fired` says whether any of that happened.
"""
from __future__ import annotations

import html
import json
import os
import re
import tempfile
from pathlib import Path

#: Environment variable a canary sets when evaluated.
CANARY_ENV = "SN_HOSTILE_CANARY"
#: File a canary writes when evaluated (server-side; the browser test checks it after a run).
CANARY_FILE = Path(tempfile.gettempdir()) / "songnan_hostile_canary_written"
#: What ``{{ 7*191 }}`` evaluates to: must appear nowhere as a number of its own.
EVAL_MARK = "1337"
# A 1337 standing alone (not inside a longer run of letters and digits): folium's element ids are
# 32 random hex digits and coordinates have many decimals, so "1337" inside them is chance, not
# evaluation. Every corpus string that carries ``{{ 7*191 }}`` puts it next to "_", a space or a
# CJK character ("tpl_{{ 7*191 }}_end"), so an evaluation always leaves a standalone 1337.
_EVAL_MARK_RE = re.compile(r"(?<![0-9A-Za-z])" + EVAL_MARK + r"(?![0-9A-Za-z])")


def eval_mark_in(text: str) -> bool:
    """Whether ``text`` shows :data:`EVAL_MARK` as a number of its own (``7*191`` evaluated)."""
    return _EVAL_MARK_RE.search(text) is not None

CANARY_ENV_NAME = ("canary_env {{ cycler.__init__.__globals__.os.environ.__setitem__('"
                   + CANARY_ENV + "', '1') }}")
CANARY_FILE_NAME = ("canary_file {{ cycler.__init__.__globals__.__builtins__.open('"
                    + str(CANARY_FILE) + "', 'w').write('1') }}")
CANARY_SYSTEM_NAME = ("canary_sys {{ lipsum.__globals__.os.system('touch "
                      + str(CANARY_FILE) + "') }}")

#: A 10 kB name (10,000 characters; CJK, so 20 kB of UTF-8 text).
LONG_NAME = ("超长名称" + "{{ 7*191 }}" + "长" * 5) * 500

HOSTILE: dict[str, str] = {
    "jinja_expr": "tpl_{{ 7*191 }}_end",
    "jinja_block": "{% for x in range(3) %}x{% endfor %}",
    "jinja_comment_open": "{# c",
    "jinja_comment_cn": "仓库 {#3 号}",
    "jinja_raw": "{% raw %}",
    "stfolium_ref": "{{'map_div'}} ref",
    "script_close": "</script><script>alert(1)</script>",
    "img_onerror": "<img src=x onerror=alert(1)>",
    "backticks": "`back` `tick`",
    "template_literal": "${alert(1)}",
    "quotes": "it's \"quoted\" 'single'",
    "rtl": "\u202eRTL\u202c 标记 \u200f",
    "backslash": "C:\\dir\\u0041\\x41 \\",
    "entity": "&lt;b&gt; &amp; &#123;",
    "markdown": "[link](javascript:alert(1)) ![img](http://x/y.png) **bold** :red[red] $x^2$",
    "canary_env": CANARY_ENV_NAME,
    "canary_file": CANARY_FILE_NAME,
    "canary_system": CANARY_SYSTEM_NAME,
    "long": LONG_NAME,
}


def reset_canaries() -> None:
    """Clear what a fired canary leaves (call before rendering)."""
    os.environ.pop(CANARY_ENV, None)
    CANARY_FILE.unlink(missing_ok=True)


def canary_fired(*outputs: str) -> list[str]:
    """What shows that a hostile string was evaluated: an empty list if nothing did.

    Checks this process's environment, the canary file, and the given rendered outputs for
    :data:`EVAL_MARK`.
    """
    fired = []
    if CANARY_ENV in os.environ:
        fired.append(f"os.environ[{CANARY_ENV!r}] was set")
    if CANARY_FILE.exists():
        fired.append(f"{CANARY_FILE} was written")
    for i, out in enumerate(outputs):
        if eval_mark_in(out):
            fired.append(f"output {i} contains {EVAL_MARK} (7*191 evaluated)")
    return fired


_JS_STRING_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def script_texts(page: str) -> str:
    """Every JSON string literal of a rendered page, decoded and HTML-unescaped, one per line.

    This is the text a browser would show from the page's scripts (popups, tooltips, legend,
    layer control): the strings are assigned to ``innerHTML``, so their entities are shown as
    the characters they stand for.
    """
    out = []
    for lit in _JS_STRING_RE.findall(page):
        try:
            out.append(html.unescape(json.loads(lit)))
        except ValueError:
            continue
    return "\n".join(out)


def script_markup(page: str) -> str:
    """Every JSON string literal of a rendered page, decoded but *not* unescaped: the markup
    assigned to ``innerHTML``. Data must appear in it only escaped."""
    out = []
    for lit in _JS_STRING_RE.findall(page):
        try:
            out.append(json.loads(lit))
        except ValueError:
            continue
    return "\n".join(out)
