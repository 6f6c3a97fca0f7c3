"""The plan's own words: checking that a quoted passage really is in the plan text.

The project keeps a copy of the plan (``data/plan/songnan_14th_five_year_plan.txt``, read by
:func:`songnan_geo.layers.io.read_plan_text`). The copy was converted from the published document:
page breaks split some sentences across lines and bold markup (``**``) survives in places.
:func:`normalise` removes both, so a quote is checked word for word, not layout for layout.
"""
from __future__ import annotations

import re

_LAYOUT = re.compile(r"\s+|\*\*")


def normalise(text: str) -> str:
    """``text`` without whitespace and ``**`` markup (layout, not words)."""
    return _LAYOUT.sub("", text)


def quote_in_plan(quote: str, plan_text: str) -> bool:
    """True if ``quote`` appears word for word in ``plan_text`` (layout ignored)."""
    q = normalise(quote)
    return bool(q) and q in normalise(plan_text)


def missing_quotes(quotes: dict[str, str], plan_text: str) -> list[str]:
    """Keys of ``quotes`` whose text is not in ``plan_text``; empty when all are exact."""
    norm_plan = normalise(plan_text)
    return [k for k, q in quotes.items() if not q or normalise(q) not in norm_plan]
