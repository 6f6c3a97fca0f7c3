"""What the data manager shows of an import before it is confirmed, and of a layer to export.

Pure functions over the importer's result (:class:`songnan_geo.layers.importer.ImportResult`) and
the manifest: the problems as a table, the file's facts in one line, the layers and manifest the
preview map draws, the default values a planner typed, the export's file name. No I/O.
"""
from __future__ import annotations

import copy

import pandas as pd

from songnan_geo.text.i18n import field_label, t

PREVIEW_COLOR = "#9467bd"
"""The colour of a new layer on the preview map (it has no style in the manifest yet)."""

_STRUCTURE_FIELDS = ("type", "features", "properties", "crs")


def field_shown(field: str | None, lang: str) -> str:
    """A problem's field: in Chinese with its label first ('来源（source）'); the file's own
    structure members (type, features, crs…) and unlabelled columns by their name."""
    if not field:
        return ""
    label = field_label(field, lang)
    if lang == "en" or label == field or field in _STRUCTURE_FIELDS:
        return field
    return f"{label}（{field}）"


def problem_frame(problems, lang: str) -> pd.DataFrame:
    """One row per problem (feature, field, message), with column titles in ``lang``."""
    rows = [{"feature": p.feature_text(lang), "field": field_shown(p.field, lang),
             "message": p.text(lang)} for p in problems]
    return pd.DataFrame(rows, columns=["feature", "field", "message"]).rename(columns={
        "feature": t("dm_col_feature", lang), "field": t("dm_col_field", lang),
        "message": t("dm_col_message", lang)})


def import_facts(info: dict, lang: str) -> str:
    """The file's format, encoding, CRS and feature count as read, in one line ('·' between)."""
    facts = [f"{t('dm_format', lang)}: {info.get('format', '?')}"]
    if "encoding" in info:
        facts.append(f"{t('dm_encoding', lang)}: {info['encoding']}")
    if "crs" in info:
        facts.append(f"CRS: {info['crs']}")
    if "features" in info:
        facts.append(f"{t('features', lang)}: {info['features']}")
    return " · ".join(facts)


def parse_defaults(source: str, accuracy_m: str, estimated: str) -> tuple[dict, bool]:
    """The values to fill into features that lack them, from the three text widgets
    (``estimated``: ``""``, ``"yes"`` or ``"no"``), and whether ``accuracy_m`` was not a number
    (then it is left out)."""
    defaults: dict = {}
    bad_accuracy = False
    if source:
        defaults["source"] = source
    if accuracy_m:
        try:
            defaults["accuracy_m"] = float(accuracy_m)
        except ValueError:
            bad_accuracy = True
    if estimated:
        defaults["estimated"] = estimated == "yes"
    return defaults, bad_accuracy


def epsg_crs(code: str) -> str:
    """``"4549"``, ``"epsg:4549"`` → ``"EPSG:4549"``; empty → ``"EPSG:"`` (the importer names
    it as an incomplete CRS)."""
    code = code.strip()
    return f"EPSG:{code.upper().removeprefix('EPSG:')}" if code else "EPSG:"


def preview_inputs(base_layers: dict, manifest: dict, layer: str, frame, *, new: bool,
                   titles: dict | None, geometry_types) -> tuple[dict, dict]:
    """The layers and manifest the preview map draws: ``base_layers`` with ``layer`` replaced by
    the imported ``frame`` (EPSG:4326); a new layer gets a manifest entry (titles, geometry types,
    :data:`PREVIEW_COLOR`) in a copy of ``manifest``, which is never changed."""
    shown = dict(base_layers)
    shown_manifest = manifest
    if new:
        titles = titles or {}
        shown_manifest = copy.deepcopy(manifest)
        shown_manifest["layers"][layer] = {
            "title": {"zh": titles.get("zh") or layer, "en": titles.get("en") or layer},
            "geometry_types": geometry_types, "style": {"color": PREVIEW_COLOR}}
    shown[layer] = frame
    return shown, shown_manifest


def export_filename(layer: str, suffix: str, target: str) -> str:
    """``songnan_<layer>[_<crs>]<suffix>``: the CRS tag is left out for WGS84 (``"wgs84"``),
    else ``"EPSG:4549"`` → ``_epsg4549``, ``"gcj02"`` → ``_gcj02``."""
    tag = "" if target == "wgs84" else "_" + target.replace(":", "").lower()
    return f"songnan_{layer}{tag}{suffix}"
