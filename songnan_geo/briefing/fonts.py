"""The CJK font of every PDF the tool writes (briefings, indicator and evaluation reports).

:func:`cjk_pdf_font` finds the font (:func:`songnan_geo.briefing.map.cjk_font_path`: the
``SONGNAN_CJK_FONT`` file, else fonts-wqy-microhei and others) and registers it with reportlab
once per path; reportlab embeds the glyphs used (a subset) in each PDF.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from songnan_geo.briefing.map import CJKFontMissingError, cjk_font_path

__all__ = ["CJKFontMissingError", "cjk_pdf_font", "register_font"]


@lru_cache(maxsize=4)
def register_font(path: str) -> str:
    """Register the TTF/TTC at ``path`` with reportlab; return its font name."""
    name = "SongnanCJK-" + hashlib.sha1(path.encode("utf-8")).hexdigest()[:8]
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    return name


def cjk_pdf_font(font_path: str | os.PathLike | None = None) -> str:
    """The reportlab name of the CJK font (found as :func:`cjk_font_path` finds it).

    Raises :class:`CJKFontMissingError` (naming the fix) when there is none."""
    return register_font(str(cjk_font_path(font_path)))
