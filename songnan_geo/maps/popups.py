"""Popup cards and tooltips of map features: escaped HTML, no folium.

:func:`popup_html` makes the small card a planner sees on a click (name, state, the facts that
matter, source and accuracy in words: the source as the data catalogue says it,
:mod:`songnan_geo.layers.provenance`); :func:`feature_name` the name in the language. Every text
from data is escaped with :func:`songnan_geo.text.safe_text.html_text`.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from songnan_geo.layers.provenance import source_in_words
from songnan_geo.text import i18n
from songnan_geo.text.safe_text import html_text

#: Hidden feature property holding the pre-escaped tooltip HTML shown by Leaflet (the popup
#: cards travel apart: :class:`songnan_geo.maps.controls.PopupCards`).
TOOLTIP_PROPERTY = "_tooltip"


def plain_value(value):
    """Convert numpy/pandas scalars to plain Python values; missing values to None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):  # includes pandas.Timestamp
        return value.isoformat()
    return value

def _format_value(value, lang: str) -> str:
    """Human text of a property value (not yet escaped)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return i18n.t("yes" if value else "no", lang)
    if isinstance(value, float):
        return format(value, ".10g")
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return i18n.value_label(str(value), lang)   # a status or state in English in English

def feature_name(properties: Mapping, lang: str = "zh") -> str:
    """Display name of a feature in ``lang`` (``name_en`` for English when present)."""
    if lang == "en" and properties.get("name_en"):
        return str(properties["name_en"])
    for key in ("name", "name_en", "id"):
        if properties.get(key) not in (None, ""):
            return str(properties[key])
    return ""

#: Properties a popup card never shows as a row: the name (its title), internal ids and
#: reference coordinates, flags said in words elsewhere, and provenance (said in words at the end).
CARD_HIDDEN = {"id", "name", "name_en", "layer", "zone_id", "adcode", "segment_of", "ref_lon",
               "ref_lat", "name_verified", "population_estimated", "population_method",
               "source", "accuracy_m", "estimated", "note", "kind", "in_centre"}

#: Long texts (plan quotes, sources of a status) a card folds away under "更多 / More".
CARD_FOLDED_SUFFIXES = ("_quote", "status_source")

def accuracy_words(properties: Mapping, kind: str, lang: str = "zh") -> str:
    """How sure a feature's position is, in words: "位置为估计，误差约 500 米" /
    "Position estimated, about 500 m". ``kind`` is 'point', 'line' or 'area'. Empty when the
    feature says neither ``accuracy_m`` nor ``estimated``."""
    acc = properties.get("accuracy_m")
    est = properties.get("estimated") is True
    what = i18n.t(f"card_what_{kind}", lang)
    if isinstance(acc, (int, float)) and not isinstance(acc, bool) and math.isfinite(acc):
        key = "card_acc_estimated" if est else "card_acc_measured"
        return i18n.t(key, lang).format(what=what, m=f"{acc:,.0f}")
    return i18n.t("card_estimated", lang).format(what=what) if est else ""

def _card_value(field: str, value, lang: str) -> str:
    """A property value as a card shows it (not yet escaped); areas in hectares."""
    if field == "area_m2" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return i18n.t("card_area_ha", lang).format(ha=value / 10_000)
    return _format_value(value, lang)

def popup_html(properties: Mapping, layer_title: str = "", lang: str = "zh",
               kind: str = "point") -> str:
    """Escaped HTML of a feature's popup card.

    The card shows the name (with an "estimated" badge), the layer, one row per fact that has a
    value (no internal ids, reference coordinates or empty rows; areas in hectares), long quotes
    folded under "更多 / More", and at the end the source in words in ``lang``
    (:func:`songnan_geo.layers.provenance.source_in_words`: the plan, OpenStreetMap, a drawn
    estimate …; never the stored text's paths, file names or ids) and the accuracy in words
    (:func:`accuracy_words`). Every text is escaped with
    :func:`songnan_geo.text.safe_text.html_text`, so the card can be assigned to ``innerHTML``.
    Properties whose name starts with ``_`` are internal and left out.
    """
    name = html_text(feature_name(properties, lang))
    badge = ""
    if properties.get("estimated") is True:
        badge = f' <span class="sn-badge">{html_text(i18n.t("estimated_badge", lang))}</span>'

    def empty(v):
        return v is None or (isinstance(v, str) and not v.strip())

    shown = [k for k in properties if not str(k).startswith("_") and k not in CARD_HIDDEN
             and not empty(properties[k])]
    folded = [k for k in shown if str(k).endswith(CARD_FOLDED_SUFFIXES)]
    facts = [k for k in shown if k not in folded]
    rows = "".join(
        f"<tr><th>{html_text(i18n.field_label(k, lang))}</th>"
        f"<td>{html_text(_card_value(k, properties[k], lang))}</td></tr>" for k in facts)
    more = [(i18n.field_label(k, lang), _format_value(properties[k], lang)) for k in folded]
    if not empty(properties.get("note")):
        more.append((i18n.field_label("note", lang), str(properties["note"])))
    more_html = ""
    if more:
        more_html = (f'<details class="sn-more"><summary>{html_text(i18n.t("card_more", lang))}</summary>'
                     + "".join(f"<p><b>{html_text(k)}</b>：{html_text(v)}</p>" if lang == "zh" else
                               f"<p><b>{html_text(k)}</b>: {html_text(v)}</p>" for k, v in more)
                     + "</details>")
    prov = []
    src = source_in_words(properties.get("source"), lang)
    if src:
        prov.append(f'{html_text(i18n.t("card_source", lang))}{html_text(src)}')
    acc = accuracy_words(properties, kind, lang)
    if acc:
        prov.append(html_text(acc))
    prov_html = "".join(f'<div class="sn-prov">{p}</div>' for p in prov)
    sub = f'<div class="sn-popup-layer">{html_text(layer_title)}</div>' if layer_title else ""
    table = f'<table class="sn-props">{rows}</table>' if rows else ""
    return (f'<div class="sn-popup"><div class="sn-popup-name">{name}{badge}</div>{sub}'
            f"{table}{more_html}{prov_html}</div>")
