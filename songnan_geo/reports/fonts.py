"""The CJK font of the PDFs (briefings, indicator reports), registered once with reportlab.

The font file is found by :func:`songnan_geo.briefing.map.cjk_font_path` (``$SONGNAN_CJK_FONT`` or
Debian's ``fonts-wqy-microhei``); this module only registers it. It imports nothing of the package,
so both ``briefing.render`` and ``reports`` use it.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont


@lru_cache(maxsize=4)
def register_cjk_font(path: str) -> str:
    """Register the TTF/TTC at ``path`` (first face of a collection) with reportlab; return its
    font name. Registered once per path and process."""
    name = "SongnanCJK-" + hashlib.sha1(path.encode("utf-8")).hexdigest()[:8]
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    return name
