"""Words and messages: the UI words, the message catalogues and the engine that renders them.

``i18n`` (UI words, zh/en), ``import_messages`` and ``error_messages`` (catalogues of coded messages
with their parameters), ``messages`` (the one formatting engine and ``LocalisedError``),
``safe_text`` (data text escaped for HTML, scripts, Markdown, PDF markup and plot labels).

May import: the standard library only (and ``songnan_geo.config``). Everything else may import text.
"""
