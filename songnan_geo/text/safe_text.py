"""Text from data into HTML, scripts, Markdown, PDF markup and plot labels — shown, never run.

Every text that comes from data (layer files, manifest titles from ``import --title-zh``,
standards files, the stores) is *data*: wherever it meets a markup or template language it is
escaped here, by one function per context:

* :func:`html_text` — HTML element content or a quoted attribute value. Besides
  :func:`html.escape` it writes ``{ } $ \\ `` ` `` as character references, so the result is
  also inert as Jinja2 template source and inside a JavaScript template literal. That matters
  because folium/branca render the output of every map element *again* as a Jinja2 template
  (``branca.element.MacroElement.render`` wraps it in ``Element(...)``): a name containing
  ``{{ … }}`` would run on the server, ``{#`` would break the page. With no ``{`` left in any
  data text, no data can form ``{{``, ``{%`` or ``{#``.
* :func:`js_literal` — a JavaScript value written into a ``<script>`` by a map element: JSON
  with ``< > & '`` and ``{ }`` inside strings as ``\\uXXXX`` escapes (so neither ``</script>``
  nor a Jinja2 delimiter can appear in it).
* :func:`markdown_text` — text shown with Streamlit's Markdown (``st.markdown``, ``st.caption``,
  ``st.info`` …): Markdown, HTML, Streamlit's ``:colour[…]``/``:icon:`` directives and ``$``
  (LaTeX) are all backslash-escaped.
* :func:`pdf_text` — reportlab ``Paragraph`` mini-markup (``<b>``, ``<img>``, ``&``).
* :func:`plot_text` — matplotlib labels (an even number of ``$`` would switch on mathtext).

:func:`template_syntax` tells whether a text would be read as Jinja2 syntax (for tests and
checks). This module has no dependencies beyond the standard library.
"""
from __future__ import annotations

import html
import json
import re

# After html.escape: characters that still mean something to Jinja2 ({ }), to a JS template
# literal (` $ { \) or could be read as an escape. All as decimal character references.
_HTML_EXTRA = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "\\": "&#92;",
                             "`": "&#96;"})

# In a JSON string written into a <script>: what could end the script element or form a
# Jinja2 delimiter, the two line terminators older JS engines reject in strings, and lone
# surrogates (not encodable as UTF-8). Every other character is written as itself: a Chinese
# character is one character in the page, not the six of "\\uXXXX" (issue 16, map size).
_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027",
               "{": "\\u007b", "}": "\\u007d"}
_JS_RE = re.compile("[<>&'{}\u2028\u2029\ud800-\udfff]")

# What makes Markdown (GFM, as Streamlit renders it) from inline text: emphasis, code, links,
# images, HTML, entities, tables, strikethrough, headings; Streamlit's ':' directives, emoji
# shortcodes and '$' (LaTeX); ':' also stops bare-URL autolinks. Escaped wherever they are.
_MARKDOWN_INLINE_RE = re.compile(r"([\\`*_{}\[\]<>!|~:$&#])")
# What makes a block only at the start of a line: lists, quotes, setext underlines.
_MARKDOWN_LINE_RE = re.compile(r"^([ \t]*)(\d*)([-+=>.)])", re.M)

# What opens a Jinja2 expression, statement or comment (closing delimiters alone are plain text).
_TEMPLATE_SYNTAX_RE = re.compile(r"\{[{%#]")


def html_text(text) -> str:
    """``text`` as HTML that shows it literally (element content or a quoted attribute).

    Parameters
    ----------
    text : object
        Converted with ``str``.

    Returns
    -------
    str
        With ``& < > " '`` escaped by :func:`html.escape` and ``{ } $ \\ `` ` `` as numeric
        character references: safe for ``innerHTML``, inside an HTML attribute, inside a JS
        template literal, and inert as Jinja2 template source.
    """
    return html.escape(str(text), quote=True).translate(_HTML_EXTRA)


def _js_escape(match: re.Match) -> str:
    char = match.group()
    return _JS_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def js_literal(value) -> str:
    """``value`` (str, number, bool, None, list, dict) as a JavaScript literal for a ``<script>``.

    JSON, with every ``< > & '`` and ``{ }`` inside strings written as ``\\uXXXX``: it cannot
    close the script element, and no Jinja2 delimiter (``{{``, ``{%``, ``{#``) can appear in it
    (object braces are always followed by a quote or ``}``). U+2028, U+2029 and lone surrogates
    are escaped too; every other character is written as itself (the page is UTF-8). Non-finite
    floats are refused.
    """
    if isinstance(value, str):
        return _JS_RE.sub(_js_escape, json.dumps(value, ensure_ascii=False))
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value, allow_nan=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{js_literal(str(k))}: {js_literal(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(js_literal(v) for v in value) + "]"
    raise TypeError(f"js_literal: a {type(value).__name__} is not a JSON value; pass str, "
                    "number, bool, None, list or dict.")


def markdown_text(text) -> str:
    """``text`` for Streamlit Markdown (``st.markdown``, ``st.caption``, ``st.info``, labels).

    Every character that makes inline Markdown or HTML (``\\ ` * _ [ ] < > ! | ~ & #``),
    ``:`` (Streamlit's ``:red[…]`` and ``:icon:`` directives, bare-URL links), ``$`` (LaTeX) and
    ``{ }`` is backslash-escaped everywhere, and a list, quote or underline marker at the start
    of a line too, so the text shows as it is: no link, image, emphasis, colour or formula is made
    from data. Plain sentences (``. , ( ) ' " -`` inside a line) are left as they are, so a
    catalogue message with data in it reads the same in the page's source. Line breaks are kept.
    """
    out = _MARKDOWN_INLINE_RE.sub(r"\\\1", str(text))
    return _MARKDOWN_LINE_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}\\{m.group(3)}", out)


def pdf_text(text) -> str:
    """``text`` for a reportlab ``Paragraph`` (whose mini-markup reads ``<b>``, ``<img>``, ``&``)."""
    return html.escape(str(text), quote=False)


def plot_text(text) -> str:
    """``text`` for a matplotlib label: every ``$`` escaped, so mathtext is never switched on."""
    return str(text).replace("$", r"\$")


def template_syntax(text) -> bool:
    """True if ``text`` contains what opens Jinja2 syntax (``{{``, ``{%`` or ``{#``)."""
    return bool(_TEMPLATE_SYNTAX_RE.search(str(text)))
