"""Feature styles of the map layers from the manifest: colours, weights, dashes. No folium.

:func:`feature_style` turns a layer's manifest entry (``style``, ``style_by``, ``palette``,
``weights``, ``planned``) and a feature's properties into Leaflet path options; the folium map,
its legend and the matplotlib briefing map all use it, so they show the same colours. Points
get a marker shape by facility category (:data:`CATEGORY_SHAPE`, :data:`SHAPE_VERTICES`). Every
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

#: Category of each facility type (the facilities layer's ``type`` values); the types of one
#: category share a marker shape and differ by colour.
FACILITY_CATEGORY: dict[str, str] = {
    "社区卫生服务中心": "health", "社区卫生服务站": "health",
    "幼儿园": "education", "小学": "education", "初中": "education", "高中": "education",
    "养老院": "elderly", "长者照护之家": "elderly", "日间照料中心": "elderly", "助餐点": "elderly",
    "文化活动中心": "culture", "市民活动中心": "culture",
    "体育设施": "sport",
    "淞益中心/空间/居": "community",
    "公园绿地": "park",
}

#: Marker shape of each facility category: one distinct shape per category.
CATEGORY_SHAPE: dict[str, str] = {
    "health": "cross", "education": "square", "elderly": "diamond", "culture": "star",
    "sport": "triangle", "community": "hexagon", "park": "circle",
}


def _regular(n: int, outer: float, inner: float | None = None, turn: float = 0.0) -> list:
    """Vertices of a regular polygon (or, with ``inner``, a star) around (0, 0), y down."""
    pts, steps = [], n * (2 if inner else 1)
    for i in range(steps):
        r = outer if not inner or i % 2 == 0 else inner
        a = math.pi * 2 * i / steps - math.pi / 2 + turn
        pts.append([round(r * math.cos(a), 3), round(r * math.sin(a), 3)])
    return pts


#: Outline of each marker shape as vertices around the marker's point, in units of the
#: marker's radius (x right, y down; screen pixels ÷ radius). Sized so each covers about the
#: area of the circle of that radius. "circle" has none: it is Leaflet's own circle marker.
SHAPE_VERTICES: dict[str, list] = {
    "square": [[-0.9, -0.9], [0.9, -0.9], [0.9, 0.9], [-0.9, 0.9]],
    "diamond": [[0.0, -1.25], [1.25, 0.0], [0.0, 1.25], [-1.25, 0.0]],
    "triangle": [[0.0, -1.35], [1.2, 0.75], [-1.2, 0.75]],
    "cross": [[-0.4, -1.15], [0.4, -1.15], [0.4, -0.4], [1.15, -0.4], [1.15, 0.4], [0.4, 0.4],
              [0.4, 1.15], [-0.4, 1.15], [-0.4, 0.4], [-1.15, 0.4], [-1.15, -0.4], [-0.4, -0.4]],
    "star": _regular(5, 1.45, 0.62),
    "hexagon": _regular(6, 1.1),
}


def point_shape(value) -> str:
    """Marker shape of a point whose style category (``style_by`` value) is ``value``:
    its facility category's shape, "circle" for anything else."""
    return CATEGORY_SHAPE.get(FACILITY_CATEGORY.get(value, ""), "circle") if isinstance(value, str) \
        else "circle"


def shape_path(shape: str, cx: float, cy: float, r: float) -> str:
    """SVG path data of ``shape`` centred on (cx, cy) with radius ``r`` (pixels); the same
    outline the map's shape markers draw (a circle as two arcs)."""
    pts = SHAPE_VERTICES.get(shape)
    if not pts:
        return (f"M{cx - r:g},{cy:g}a{r:g},{r:g} 0 1,0 {2 * r:g},0"
                f"a{r:g},{r:g} 0 1,0 {-2 * r:g},0z")
    return "M" + "L".join(f"{cx + x * r:.2f},{cy + y * r:.2f}" for x, y in pts) + "z"

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
        ``radius`` (screen pixels) and ``shape`` (:func:`point_shape`: a facility category's
        shape, else "circle"; drawn by :class:`songnan_geo.maps.symbols.ShapeMarker`). The palette
        colour fills polygons and points and strokes lines; where the style fixes
        ``fill_color``, it strokes instead. A point layer's
        ``stroke_color`` rings every marker in that colour (the layer's mark). A point whose
        ``info["planned"]["field"]`` is one of ``info["planned"]["values"]`` (a planned facility)
        is hollow (white inside) and dashed, outlined in its colour, in its shape.
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
            out["shape"] = point_shape(properties.get(key)) if key else "circle"
    if style.get("dash"):
        out["dashArray"] = _dash(style["dash"], layer)
    planned = info.get("planned") or {}
    if kind == "point" and planned and properties.get(planned.get("field")) in planned.get("values", []):
        # not there yet (a planned facility): a hollow, dashed ring in the category's colour
        out.update(color=out["fillColor"] if out.get("fill") else out["color"], fillColor="#ffffff",
                   fill=True, fillOpacity=0.9, dashArray="3 2", weight=max(out["weight"], 2))
    return out
