"""Point markers shaped by facility category, drawn by Leaflet itself (no icon font, no image).

:class:`ShapeMarkers` defines ``L.SnShapeMarker`` once per page: a Leaflet ``CircleMarker``
whose SVG path is the outline of its ``shape`` option (:data:`songnan_geo.maps.styles.SHAPE_VERTICES`:
cross, square, diamond, triangle, star, hexagon; "circle" or an unknown shape is the plain
circle). It is still one ``<path class="leaflet-interactive">`` in the overlay pane, so styles
(colour, fill, dashes for planned facilities), tooltips, popups and clicks work as for circle
markers, and its size follows ``radius`` in screen pixels at every zoom.
:class:`ShapeMarker` is the folium marker to pass as ``folium.GeoJson(marker=...)``; the
feature's style (``feature_style``) carries its ``shape``.

The outlines are written into the script with :func:`songnan_geo.text.safe_text.js_literal`
(numbers only); no data text reaches this element. Never imports streamlit.
"""
from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.template import Template

from songnan_geo.maps.styles import SHAPE_VERTICES
from songnan_geo.text.safe_text import js_literal

#: Leaflet class name of the shaped marker (``new L.SnShapeMarker(latlng, options)``).
SHAPE_MARKER_CLASS = "SnShapeMarker"


class ShapeMarkers(MacroElement):
    """Defines ``L.SnShapeMarker`` on the page (add to the map before any layer using it)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            if (L.SnShapeMarker) { return; }
            var shapes = {{ this.shapes_js }};
            L.SnShapeMarker = L.CircleMarker.extend({
                _updatePath: function () {
                    var pts = shapes[this.options.shape], renderer = this._renderer;
                    if (!pts || !(renderer instanceof L.SVG) || this._empty()) {
                        return L.CircleMarker.prototype._updatePath.call(this);
                    }
                    var p = this._point, r = Math.max(this._radius, 1);
                    renderer._setPath(this, pts.map(function (v, i) {
                        return (i ? "L" : "M") + (p.x + v[0] * r).toFixed(2) + "," +
                            (p.y + v[1] * r).toFixed(2);
                    }).join("") + "z");
                }
            });
        })();
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "ShapeMarkers"
        self.shapes_js = js_literal(SHAPE_VERTICES)


class ShapeMarker(folium.CircleMarker):
    """A ``folium.GeoJson`` point marker drawn as ``L.SnShapeMarker`` (see :class:`ShapeMarkers`);
    the ``shape`` comes with each feature's style."""

    def __init__(self, radius: float = 6, **kwargs):
        super().__init__(radius=radius, **kwargs)
        self._name = SHAPE_MARKER_CLASS
