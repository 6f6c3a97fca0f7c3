"""Feature styles of the map layers from the manifest: colours, weights, dashes. No folium.

:func:`feature_style` turns a layer's manifest entry (``style``, ``style_by``, ``palette``,
``weights``, ``planned``) and a feature's properties into Leaflet path options; the folium map,
its legend and the matplotlib briefing map all use it, so they show the same colours. Every
colour and dash is checked (a manifest value is never written into a page unless it is a plain
CSS colour or a dash pattern). Imports only the standard library.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping

_POINT_TYPES = {"Point", "MultiPoint"}

_LINE_TYPES = {"LineString", "MultiLineString"}

_POLYGON_TYPES = {"Polygon", "MultiPolygon"}

_DEFAULT_COLOR = "#3388ff"

_COLOR_RE = re.compile(r"^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{4}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,20})$")

_DASH_RE = re.compile(r"^\d+(\.\d+)?([ ,]+\d+(\.\d+)?)*$")


def _color(value, layer: str, where: str) -> str:
    """Return ``value`` if it is a plain CSS colour (hex or name), else raise."""
    if not isinstance(value, str) or not _COLOR_RE.match(value):
        raise ValueError(
            f"manifest layer '{layer}': {where} is {value!r}, not a CSS colour such as "
            "'#1f78b4'. Fix it in tools/write_schemas.py and rerun it to rewrite "
            "data/geo/manifest.json."
        )
    return value

def _number(value, layer: str, where: str) -> float:
    """Return ``value`` if it is a finite non-negative number, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value >= 0):
        raise ValueError(
            f"manifest layer '{layer}': {where} is {value!r}, not a non-negative number. "
            "Fix it in tools/write_schemas.py and rerun it to rewrite data/geo/manifest.json."
        )
    return value

def _dash(value, layer: str) -> str:
    """Return ``value`` if it is an SVG dash pattern such as ``"6 4"``, else raise."""
    if not isinstance(value, str) or not _DASH_RE.match(value):
        raise ValueError(
            f"manifest layer '{layer}': style.dash is {value!r}, not a dash pattern of pixel "
            "lengths such as '6 4'. Fix it in tools/write_schemas.py and rerun it."
        )
    return value

def geom_kind(geom_type: str) -> str:
    """'point', 'line' or 'area' for a GeoJSON geometry type."""
    if geom_type in _POINT_TYPES:
        return "point"
    if geom_type in _LINE_TYPES:
        return "line"
    return "area"

def layer_kind(info: dict) -> str:
    """Swatch kind of a layer for the legend: 'point', 'line' or 'area'."""
    types = set(info.get("geometry_types") or [])
    if types and types <= _POINT_TYPES:
        return "point"
    if types & _LINE_TYPES:
        return "line"
    return "area"

def feature_style(info: dict, properties: Mapping, geom_type: str, layer: str = "?") -> dict:
    """Leaflet path options of one feature from its manifest layer entry.

    Parameters
    ----------
    info : dict
        The layer's manifest entry (``style``, optional ``style_by``, ``palette``,
        ``weights``).
    properties : Mapping
        The feature's properties; ``properties[info["style_by"]]`` picks the palette
        colour (and, for roads, the weight in ``weights``).
    geom_type : str
        GeoJSON geometry type of the feature.
    layer : str
        Layer name, used in error messages.

    Returns
    -------
    dict
        Leaflet options: ``color``, ``weight`` (screen pixels), ``opacity``, ``fill``,
        ``fillColor``, ``fillOpacity``, ``dashArray`` (pixels) and, for points,
        ``radius`` (screen pixels). The palette colour fills polygons and points and
        strokes lines; where the style fixes ``fill_color``, it strokes instead. A point layer's
        ``stroke_color`` rings every marker in that colour (the layer's mark). A point whose
        ``info["planned"]["field"]`` is one of ``info["planned"]["values"]`` (a planned facility)
        is a hollow dashed ring in its colour.
    """
    style = info.get("style") or {}
    kind = geom_kind(geom_type)
    base = _color(style.get("color", _DEFAULT_COLOR), layer, "style.color")
    fixed_fill = style.get("fill_color")
    if fixed_fill is not None:
        _color(fixed_fill, layer, "style.fill_color")
    picked = None
    weight = _number(style.get("weight", 1.5 if kind == "point" else 2), layer, "style.weight")
    key = info.get("style_by")
    if key:
        value = properties.get(key)
        palette = info.get("palette") or {}
        if value in palette:
            picked = _color(palette[value], layer, f"palette[{value!r}]")
        weights = info.get("weights") or {}
        if value in weights:
            weight = _number(weights[value], layer, f"weights[{value!r}]")
    out = {"color": base, "weight": weight, "opacity": 1.0}
    if kind == "line":
        out.update(color=picked or base, fill=False)
    else:
        fill_opacity = _number(style.get("fill_opacity", 0.2), layer, "style.fill_opacity")
        if kind == "point":
            ring = style.get("stroke_color")   # a fixed ring marks the layer (carrier parks)
            stroke = _color(ring, layer, "style.stroke_color") if ring else picked or base
            fill = fixed_fill or picked or base
        elif fixed_fill:
            stroke, fill = picked or base, fixed_fill
        else:
            stroke, fill = base, picked or base
        out.update(color=stroke, fill=fill_opacity > 0, fillColor=fill, fillOpacity=fill_opacity)
        if kind == "point":
            out["radius"] = _number(style.get("radius", 6), layer, "style.radius")
    if style.get("dash"):
        out["dashArray"] = _dash(style["dash"], layer)
    planned = info.get("planned") or {}
    if kind == "point" and planned and properties.get(planned.get("field")) in planned.get("values", []):
        # not there yet (a planned facility): a hollow, dashed ring in the category's colour
        out.update(color=out["fillColor"] if out.get("fill") else out["color"], fillColor="#ffffff",
                   fill=True, fillOpacity=0.9, dashArray="3 2", weight=max(out["weight"], 2))
    return out
