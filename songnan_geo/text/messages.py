"""The one message engine: catalogues of codes → zh/en templates, rendered in the UI's language.

A catalogue (:mod:`songnan_geo.text.import_messages`, :mod:`songnan_geo.text.error_messages`) maps a
stable ``code`` to ``{"en": template, "zh": template}``. A :class:`Message` is a code with its
parameters, bound to its catalogue by a subclass (``import_messages.Message``,
``error_messages.ErrorMessage``); ``str()`` is the English text, :meth:`Message.text` renders
it in Chinese (``zh``, the app's default) or English (``en``). A :class:`LocalisedError` is an
exception whose message renders so: pages show ``exc.text(lang)`` for every one of them
(:func:`text_of`).

Templates are :meth:`str.format` strings. Besides the usual format specs (``{d:.0f}``) and
``!r``, a parameter may take a language-aware spec:

``list``   items joined with ", " (en) or "、" (zh);
``or``     items joined with " or " (en) or " 或 " (zh);
``and``    items joined with " and " (en) or " 和 " (zh);
``reprs``  the items' ``repr()`` joined with ", " (en) or "、" (zh);
``were``   "was" for one item, "were" for more (en; empty in zh);
``plural`` "s" unless the number is 1 (en; empty in zh);
``val``    a cell value: its ``repr()``, and in Chinese ``None`` is "空值（null）";
``jtype``  JSON Schema type names: ``'number'`` (en) or 数字 (zh), joined by ", " / "或".

A catalogue may add specs of its own (:func:`render_from`'s ``specs``). A parameter that is
itself :class:`Localised` (a message, a feature reference) is rendered in the same language.
"""
from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

LANGS = ("zh", "en")

_JSON_TYPES_ZH = {"string": "文本", "number": "数字", "integer": "整数", "boolean": "布尔值（是/否）",
                  "null": "空值", "array": "数组", "object": "对象"}
_JOIN = {"list": {"en": ", ", "zh": "、"}, "or": {"en": " or ", "zh": " 或 "},
         "and": {"en": " and ", "zh": " 和 "}}

#: A catalogue's own format spec: ``function(value, lang) -> str``.
Spec = Callable[[object, str], str]


class Localised:
    """Something with a text in either language: :meth:`text` (``str()`` is English)."""

    def text(self, lang: str = "en") -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text("en")


class _Formatter(string.Formatter):
    def __init__(self, lang: str, specs: Mapping[str, Spec] | None = None):
        self.lang = lang
        self.specs = specs or {}

    def convert_field(self, value, conversion):
        return _localise(value, self.lang) if conversion is None else \
            super().convert_field(value, conversion)

    def format_field(self, value, spec):
        lang = self.lang
        if spec in self.specs:
            return self.specs[spec](value, lang)
        if spec in _JOIN:
            return _JOIN[spec][lang].join(str(_localise(v, lang)) for v in value)
        if spec == "reprs":
            return _JOIN["list"][lang].join(repr(v) for v in value)
        if spec == "were":
            return ("was" if len(value) == 1 else "were") if lang == "en" else ""
        if spec == "plural":
            return ("" if value == 1 else "s") if lang == "en" else ""
        if spec == "val":
            return "空值（null）" if value is None and lang == "zh" else repr(value)
        if spec == "jtype":
            types = [value] if isinstance(value, str) else list(value)
            if lang == "zh":
                return "或".join(_JSON_TYPES_ZH.get(t, t) for t in types)
            return ", ".join(repr(t) for t in types)
        return super().format_field(value, spec)


def _localise(value, lang):
    return value.text(lang) if isinstance(value, Localised) else value


def render_from(catalogue: Mapping[str, Mapping[str, str]], where: str, code: str,
                lang: str = "en", params: dict | None = None,
                specs: Mapping[str, Spec] | None = None) -> str:
    """The text of ``code`` in ``lang`` from ``catalogue`` (``where`` names it in errors);
    ``specs`` adds format specs of that catalogue: spec name → ``function(value, lang) -> str``.

    Raises KeyError naming the code (or language) when the catalogue lacks it.
    """
    if lang not in LANGS:
        raise KeyError(f"lang '{lang}' is not one of {', '.join(LANGS)}.")
    try:
        template = catalogue[code][lang]
    except KeyError:
        raise KeyError(f"message code '{code}' has no '{lang}' text in {where}; "
                       "add it there.") from None
    return _Formatter(lang, specs).vformat(template, (), dict(params or {}))


@dataclass(frozen=True)
class Message(Localised):
    """A message by code and parameters; ``str()`` is the English text.

    A catalogue module binds it to its catalogue with a subclass that sets
    :attr:`catalogue`, :attr:`catalogue_name` and (optionally) :attr:`specs`.
    """

    code: str
    params: dict = field(default_factory=dict, hash=False)

    catalogue: ClassVar[Mapping[str, Mapping[str, str]]] = {}
    catalogue_name: ClassVar[str] = "(no catalogue)"
    specs: ClassVar[Mapping[str, Spec]] = {}

    def text(self, lang: str = "en") -> str:
        return render_from(self.catalogue, self.catalogue_name, self.code, lang, self.params,
                           self.specs)

    def __str__(self) -> str:
        return self.text("en")


def text_of(message, lang: str = "en") -> str:
    """A :class:`Message` or :class:`LocalisedError` rendered in ``lang``; plain text (or any
    other exception) as ``str()``."""
    return message.text(lang) if isinstance(message, (Localised, LocalisedError)) \
        else str(message)


class LocalisedError(Exception):
    """An error whose message is a :class:`Message` (or plain text): ``str(exc)`` is English,
    :meth:`text` renders it in the UI's language. A subclass that composes its text (a list
    of problems) overrides :meth:`text` and passes ``self.text("en")`` up."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message

    def text(self, lang: str = "en") -> str:
        return text_of(self.message, lang)
