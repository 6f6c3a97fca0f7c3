"""Leaflet controls and page elements of the folium map (branca ``MacroElement`` s).

:class:`Legend` (foldable, follows the layer control), :class:`FitTown` (the first view, fitted
into the room the controls leave), :class:`NameLabels` (names where they fit),
:class:`Attribution`, :class:`MapControl` (a box of text), :class:`PopupCards` (a layer's
popups, sent once), :class:`KeepOverlayChoices` and :class:`PageStyle` (the CSS). Data text
reaches their scripts only through :func:`songnan_geo.text.safe_text.js_literal` and their HTML
only through
:func:`~songnan_geo.text.safe_text.html_text`.
"""
from __future__ import annotations

from branca.element import MacroElement
from folium.template import Template

from songnan_geo.maps.basemaps import BACKGROUND
from songnan_geo.maps.styles import feature_style, layer_kind, shape_path
from songnan_geo.text import i18n
from songnan_geo.text.safe_text import html_text as _esc, js_literal


class PageStyle(MacroElement):
    """CSS for the map background, the legend and the popups (in the page header)."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
            #{{ this._parent.get_name() }} { background: {{ this.background }}; }
            /* metric scale only: hide Leaflet's second (imperial) scale line */
            #{{ this._parent.get_name() }} .leaflet-control-scale-line + .leaflet-control-scale-line {
                display: none; }
            .sn-legend { background: rgba(255,255,255,0.94); padding: 4px 8px; border-radius: 4px;
                box-shadow: 0 1px 4px rgba(0,0,0,0.35); font-size: 12px; line-height: 1.3;
                max-width: 230px; }
            .sn-legend-body { overflow-y: auto; max-height: 40vh; padding-right: 2px; }
            .sn-legend.sn-folded .sn-legend-body { display: none; }
            .sn-legend-title { font-weight: bold; margin: 0; cursor: pointer; user-select: none;
                display: flex; justify-content: space-between; gap: 8px; background: none; border: 0;
                padding: 2px 0; font: inherit; font-weight: bold; width: 100%; text-align: left; }
            .sn-legend-title::after { content: "▾"; color: #555; }
            .sn-legend.sn-folded .sn-legend-title::after { content: "▸"; }
            .sn-labels-switch { display: flex; align-items: center; gap: 4px; margin: 2px 0 4px;
                color: #333; cursor: pointer; }
            .sn-label { background: none; border: 0; }
            .sn-label span { display: inline-block; transform: translate(-50%, -50%); white-space: nowrap;
                font-size: 11px; line-height: 1.2; color: #222; pointer-events: none;
                text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
            .sn-label-metro_stations span { transform: translate(6px, -50%); font-weight: 600; }
            .sn-label-carrier_parks span { transform: translate(8px, -50%); color: #7f0000; }
            .sn-label-residential span { color: #6b4e00; font-size: 10.5px; }
            .sn-label-parcels span { font-weight: 600; }
            .sn-prov { color: #555; font-size: 11px; margin-top: 3px; }
            .sn-more { margin-top: 3px; font-size: 11px; }
            .sn-more summary { cursor: pointer; color: #245; }
            .sn-more p { margin: 2px 0; }
            .sn-notice { background: #fff3cd; color: #5c4500; border: 1px solid #e0c36a;
                border-radius: 4px; padding: 4px 8px; font-size: 12px; max-width: 280px; }
            .sn-legend-layer { margin-top: 4px; }
            .sn-legend-layer-title { font-weight: 600; }
            .sn-legend-item { display: flex; align-items: center; gap: 5px; margin-left: 4px; }
            .sn-sw { display: inline-block; flex: none; width: 14px; height: 10px; box-sizing: border-box; }
            .sn-sw-area { border: 1.5px solid; }
            .sn-sw-line { height: 0; }
            .sn-sw-point { width: 10px; height: 10px; border-radius: 50%; border: 1.5px solid; }
            .sn-sw-shape { width: 14px; height: 14px; overflow: visible; }
            .sn-popup { font-size: 12px; max-height: 300px; overflow-y: auto; max-width: 300px; }
            .sn-popup-name { font-weight: bold; font-size: 13px; }
            .sn-popup-layer { color: #666; margin-bottom: 4px; }
            .sn-props th { text-align: left; vertical-align: top; padding: 1px 8px 1px 0; color: #444;
                white-space: nowrap; font-weight: 600; }
            .sn-props td { vertical-align: top; padding: 1px 0; word-break: break-word; }
            .sn-badge { display: inline-block; background: #fff3cd; color: #7a5b00; border: 1px solid #e0c36a;
                border-radius: 3px; padding: 0 4px; font-size: 11px; font-weight: normal; }
        </style>
        {% endmacro %}
    """)

    def __init__(self, background: str = BACKGROUND):
        super().__init__()
        self._name = "PageStyle"
        self.background = background

class Legend(MacroElement):
    """Legend as a Leaflet control (plain JS, no jQuery) that the planner can fold.

    ``sections`` is a list of ``(layer_name, feature_group, escaped_html)``; each section is
    shown only while its feature group is on the map, so the legend follows the layer control.
    Its title is a button that folds the legend to one line; the body scrolls within the map's
    height (never past it). When ``labels_text`` is given, a checkbox under the title switches
    the name labels (:class:`NameLabels`) on and off. :class:`FitTown` folds the legend on its
    own when the map is too narrow to show both it and the town.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var legend = L.control({position: {{ this.position_js }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "sn-legend");
                div.innerHTML = {{ this.html_js }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                var title = div.querySelector(".sn-legend-title");
                title.addEventListener("click", function () {
                    var folded = div.classList.toggle("sn-folded");
                    title.setAttribute("aria-expanded", folded ? "false" : "true");
                    div.snUserChoice = true;
                });
                var box = div.querySelector(".sn-labels-switch input");
                if (box) {
                    box.addEventListener("change", function () {
                        map.fire("sn:labels", {on: box.checked});
                    });
                }
                return div;
            };
            legend.addTo(map);
            map.snLegend = legend;
            var groups = {
                {%- for key_js, group in this.groups %}
                {{ key_js }}: {{ group.get_name() }},
                {%- endfor %}
            };
            function fitHeight() {
                var body = legend.getContainer().querySelector(".sn-legend-body");
                var others = 0;
                legend.getContainer().parentNode.childNodes.forEach(function (el) {
                    if (el !== legend.getContainer()) { others += el.offsetHeight + 10; }
                });
                body.style.maxHeight = Math.max(60, map.getSize().y - others - 70) + "px";
            }
            function sync() {
                var any = false;
                legend.getContainer().querySelectorAll("[data-layer]").forEach(function (el) {
                    var g = groups[el.getAttribute("data-layer")];
                    var on = !!g && map.hasLayer(g);
                    el.style.display = on ? "" : "none";
                    any = any || on;
                });
                legend.getContainer().style.display = any ? "" : "none";
                fitHeight();
            }
            map.on("overlayadd overlayremove", sync);
            map.on("resize", fitHeight);
            sync();
        })();
        {% endmacro %}
    """)

    def __init__(self, title: str, sections: list, position: str = "topright",
                 labels_text: str | None = None):
        super().__init__()
        self._name = "Legend"
        self.sections = sections
        self.position = position
        body = "".join(section for _, _, section in sections)
        switch = ""
        if labels_text:
            switch = (f'<label class="sn-labels-switch"><input type="checkbox" checked> '
                      f"{_esc(labels_text)}</label>")
        self.html = (f'<button type="button" class="sn-legend-title" aria-expanded="true">'
                     f'{_esc(title)}</button><div class="sn-legend-body">{switch}{body}</div>')
        # Written into the script as JS literals (never as Jinja2 source: see safe_text).
        self.position_js, self.html_js = js_literal(position), js_literal(self.html)
        self.groups = [(js_literal(name), group) for name, group, _ in sections]

class FitTown(MacroElement):
    """Fits the first view to ``bounds`` in the room the map's controls leave free.

    Run after every control is on the map: the padding on the right is the width of the widest
    control in the right-hand corners (layer control, legend, notices; not the one-line
    attribution), on the left the zoom buttons, at the bottom the scale bar and attribution.
    When the controls would leave the town less than half the map's width, the legend is folded
    first (unless the planner opened it). It fits again when the map frame changes size, until the
    planner pans or zooms. ``bounds`` is ``[[south, west], [north, east]]`` in degrees.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var bounds = L.latLngBounds({{ this.bounds_js }});
            var c = map.getContainer(), moved = false, fitting = false;
            function widest(sel, skip) {
                var w = 0;
                c.querySelectorAll(sel + " > .leaflet-control").forEach(function (el) {
                    if (skip && el.classList.contains(skip)) { return; }
                    if (el.offsetParent !== null) { w = Math.max(w, el.offsetWidth + 10); }
                });
                return w;
            }
            function tallest(sel) {
                var h = 0;
                c.querySelectorAll(sel + " > .leaflet-control").forEach(function (el) {
                    if (el.offsetParent !== null && !el.classList.contains("sn-legend")) {
                        h = Math.max(h, el.offsetHeight + 10);
                    }
                });
                return h;
            }
            function pads() {
                var right = Math.max(widest(".leaflet-top.leaflet-right"),
                                     widest(".leaflet-bottom.leaflet-right", "leaflet-control-attribution"));
                var left = Math.max(widest(".leaflet-top.leaflet-left"),
                                    widest(".leaflet-bottom.leaflet-left", "leaflet-control-scale"), 10);
                var bottom = Math.max(tallest(".leaflet-bottom.leaflet-left"),
                                      tallest(".leaflet-bottom.leaflet-right"), 10);
                return {left: left, right: Math.max(right, 10), bottom: bottom};
            }
            var log = map.snFit = {fits: 0, last: "not run"};
            function fit() {
                if (moved) { log.last = "planner moved the map"; return; }
                var legend = map.snLegend && map.snLegend.getContainer();
                if (legend && !legend.snUserChoice) {   // open unless it leaves the town too little room
                    legend.classList.remove("sn-folded");
                    var open = pads();
                    legend.classList.toggle("sn-folded", open.left + open.right > 0.5 * map.getSize().x);
                }
                var p = pads(), size = map.getSize();
                if (size.x - p.left - p.right < 120 || size.y - 10 - p.bottom < 120) {
                    log.last = "no room " + size.x + "x" + size.y;
                    return;   // not laid out yet (or a tiny frame): fit when it has its size
                }
                fitting = true;
                map.fitBounds(bounds, {paddingTopLeft: [p.left, 10],
                                       paddingBottomRight: [p.right, p.bottom], animate: false});
                fitting = false;
                log.fits += 1;
                log.last = "fitted " + size.x + "x" + size.y + " pad " + [p.left, p.right, p.bottom];
            }
            ["mousedown", "wheel", "touchstart", "keydown", "dblclick"].forEach(function (ev) {
                c.addEventListener(ev, function () { moved = true; }, {passive: true});
            });
            // The zoom buttons and other controls stop their mouse events: watch the map itself too.
            map.on("zoomstart dragstart", function () { if (!fitting) { moved = true; } });
            map.on("resize", fit);
            // The frame may get its size after the script ran without a window resize event.
            if (window.ResizeObserver) {
                new ResizeObserver(function () { map.invalidateSize({pan: false}); fit(); }).observe(c);
            }
            fit();
            // and again while the page settles (frames resized, controls filled), until the planner moves
            [0, 300, 1000, 2500].forEach(function (ms) { setTimeout(fit, ms); });
        })();
        {% endmacro %}
    """)

    def __init__(self, bounds):
        super().__init__()
        self._name = "FitTown"
        self.bounds = bounds
        self.bounds_js = js_literal([[float(v) for v in corner] for corner in bounds])

class NameLabels(MacroElement):
    """Name labels of features, shown where they fit.

    ``layers`` is a list of ``(layer_name, feature_group, min_zoom, labels)`` in priority order;
    ``labels`` a list of ``(lat, lon, escaped_html)``. A layer's labels show while its feature
    group is on the map and the zoom is at least ``min_zoom``; a label that would overlap one
    shown before it (higher priority first) is hidden, so the labels never pile up. The labels
    take no clicks. The legend's checkbox switches them all off and on (``sn:labels`` event).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var on = true;
            var specs = [
                {%- for name_js, group, min_zoom, labels_js in this.specs %}
                {name: {{ name_js }}, group: {{ group.get_name() }}, minZoom: {{ min_zoom }},
                 labels: {{ labels_js }}},
                {%- endfor %}
            ];
            var pane = map.createPane("snLabels");
            pane.style.zIndex = 450;
            pane.style.pointerEvents = "none";
            specs.forEach(function (spec) {
                spec.layer = L.layerGroup();
                spec.markers = spec.labels.map(function (l) {
                    return L.marker([l[0], l[1]], {pane: "snLabels", interactive: false, keyboard: false,
                        icon: L.divIcon({className: "sn-label sn-label-" + spec.name, iconSize: null,
                                         html: "<span>" + l[2] + "</span>"})}).addTo(spec.layer);
                });
            });
            function overlaps(a, b) {
                return !(a.right < b.left || b.right < a.left || a.bottom < b.top || b.bottom < a.top);
            }
            function update() {
                var zoom = map.getZoom(), placed = [];
                specs.forEach(function (spec) {
                    var want = on && map.hasLayer(spec.group) && zoom >= spec.minZoom;
                    if (!want) { if (map.hasLayer(spec.layer)) { map.removeLayer(spec.layer); } return; }
                    if (!map.hasLayer(spec.layer)) { spec.layer.addTo(map); }
                    spec.markers.forEach(function (m) {
                        var span = m.getElement() && m.getElement().firstChild;
                        if (!span) { return; }
                        span.style.visibility = "";
                        var r = span.getBoundingClientRect();
                        var box = {left: r.left - 2, right: r.right + 2,
                                   top: r.top - 1, bottom: r.bottom + 1};
                        if (placed.some(function (p) { return overlaps(p, box); })) {
                            span.style.visibility = "hidden";
                        } else {
                            placed.push(box);
                        }
                    });
                });
            }
            map.on("zoomend overlayadd overlayremove resize", function () { setTimeout(update, 0); });
            map.on("sn:labels", function (e) { on = e.on; update(); });
            setTimeout(update, 0);
        })();
        {% endmacro %}
    """)

    def __init__(self, specs: list):
        super().__init__()
        self._name = "NameLabels"
        self.specs = [(js_literal(name), group, float(min_zoom), js_literal(labels))
                      for name, group, min_zoom, labels in specs]

class Attribution(MacroElement):
    """Adds ``text`` (plain text, shown literally) to the map's attribution line."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html_js }});
        {% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = text
        self.html_js = js_literal(_esc(text))

class MapControl(MacroElement):
    """A fixed box in a map corner: a Leaflet control holding text or pre-escaped HTML.

    Parameters
    ----------
    content : str
        Plain text (shown with ``textContent``, never parsed), or, with ``html=True``, markup
        whose data the caller has already escaped (assigned to ``innerHTML``).
    position : str
        Leaflet corner: 'topleft', 'topright', 'bottomleft' or 'bottomright'.
    css_class : str
        Class of the box (``sn-notice`` and ``sn-legend`` are styled by this module). A box whose
        HTML has a ``<button class="sn-legend-title">`` folds its ``.sn-legend-body`` when it is
        clicked, like the layer legend.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var box = L.control({position: {{ this.position_js }}});
            box.onAdd = function () {
                var div = L.DomUtil.create("div", {{ this.css_class_js }});
                {% if this.html %}div.innerHTML{% else %}div.textContent{% endif %} = {{ this.content_js }};
                // a box with a .sn-legend-title button folds like the legend
                var title = div.querySelector && div.querySelector(".sn-legend-title");
                if (title) {
                    title.addEventListener("click", function () {
                        var folded = div.classList.toggle("sn-folded");
                        title.setAttribute("aria-expanded", folded ? "false" : "true");
                        div.snUserChoice = true;
                    });
                }
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            box.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, content: str, position: str = "topright", css_class: str = "sn-notice",
                 html: bool = False):
        super().__init__()
        if position not in ("topleft", "topright", "bottomleft", "bottomright"):
            raise ValueError(f"position '{position}' is not a Leaflet corner; use topleft, topright, "
                             "bottomleft or bottomright.")
        self._name = "MapControl"
        self.content, self.position, self.css_class, self.html = content, position, css_class, html
        # Written into the script as JS literals (never as Jinja2 source: see safe_text).
        self.content_js, self.position_js = js_literal(str(content)), js_literal(position)
        self.css_class_js = js_literal(str(css_class))

class PopupCards(MacroElement):
    """The popups of one GeoJSON layer: each feature's card, sent once as ``{feature id: HTML}``.

    Added as a child of a :class:`folium.GeoJson`. Leaflet builds a popup only when it opens, from
    the card of the clicked feature's ``id``. The cards are written with
    :func:`~songnan_geo.text.safe_text.js_literal` (UTF-8, ``< > & ' { }`` escaped) in one object,
    not one ``\\uXXXX``-escaped property per feature (folium's ``GeoJsonPopup``): a Chinese card
    is about a third of the characters, and the overview's map about half (issue 16, first map).

    Parameters
    ----------
    cards : dict of str to str
        Card HTML by feature id; every data text in it already escaped
        (:func:`songnan_geo.maps.popups.popup_html`). The HTML is assigned as the popup's content.
    css_class : str
        Class of the popup's wrapper.
    max_width_px : int
        Widest a popup may grow, in CSS pixels.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var cards = {{ this.cards_js }};
            {{ this._parent.get_name() }}.bindPopup(function (layer) {
                return cards[layer.feature.id] || "";
            }, {className: {{ this.css_class_js }}, maxWidth: {{ this.max_width_px }}});
        })();
        {% endmacro %}
    """)

    def __init__(self, cards: dict[str, str], css_class: str = "sn-popup-wrap", max_width_px: int = 380):
        super().__init__()
        self._name = "PopupCards"
        self.cards = dict(cards)
        self.cards_js = js_literal({str(k): str(v) for k, v in self.cards.items()})
        self.css_class_js, self.max_width_px = js_literal(str(css_class)), int(max_width_px)

class KeepOverlayChoices(MacroElement):
    """Keeps the planner's on/off choice of overlays across st_folium updates.

    When a page passes ``feature_group_to_add`` and ``layer_control`` to st_folium, every rerun
    that changes the overlays replaces them and the layer control, and the new groups are all
    switched on: an overlay the planner had switched off came back after each map click. This
    script (added once to the base map, which st_folium keeps) remembers the overlays the
    planner switched off *by clicking the layer control* (Leaflet marks those events with the
    control's ``_handlingClick``; st_folium's own removals are not choices) by their name, in the
    tab's ``sessionStorage`` under ``key`` (so a reloaded map frame remembers them too), and
    switches them off again whenever a group of that name is on the map. It uses st_folium's
    ``window.map`` and ``window.layer_control``; outside st_folium it does nothing.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var storeKey = "sn-hidden-overlays:" + {{ this.key_js }};
            function load() {
                try { return JSON.parse(window.sessionStorage.getItem(storeKey) || "{}"); }
                catch (err) { return {}; }
            }
            function save(hidden) {
                try { window.sessionStorage.setItem(storeKey, JSON.stringify(hidden)); } catch (err) {}
            }
            function bind() {
                var map = window.map;
                if (!map || !map.on) { return setTimeout(bind, 100); }
                if (map._snKeepOverlays) { return; }
                map._snKeepOverlays = true;
                var byUser = function () {
                    return window.layer_control && window.layer_control._handlingClick;
                };
                map.on("overlayremove", function (e) {
                    if (byUser()) { var h = load(); h[e.name] = true; save(h); }
                });
                map.on("overlayadd", function (e) {
                    if (byUser()) { var h = load(); delete h[e.name]; save(h); }
                });
                setInterval(function () {
                    var control = window.layer_control;
                    if (!control || !control._layers) { return; }
                    var hidden = load();
                    control._layers.forEach(function (entry) {
                        if (entry.overlay && hidden[entry.name] && map.hasLayer(entry.layer)) {
                            map.removeLayer(entry.layer);
                        }
                    });
                }, {{ this.interval_ms }});
            }
            bind();
        })();
        {% endmacro %}
    """)

    def __init__(self, key: str, interval_ms: int = 100):
        super().__init__()
        self._name = "KeepOverlayChoices"
        self.key, self.interval_ms = str(key), int(interval_ms)
        self.key_js = js_literal(self.key)

def _swatch(kind: str, st: dict) -> str:
    """Escaped HTML of a legend swatch drawn with the feature style ``st``."""
    stroke = _esc(st["color"])
    border = "dashed" if st.get("dashArray") else "solid"
    if kind == "line":
        w = max(1.0, min(float(st.get("weight", 2)), 6.0))
        return (f'<span class="sn-sw sn-sw-line" style="border-top-color:{stroke};'
                f'border-top-width:{w:g}px;border-top-style:{border}"></span>')
    fill = _esc(st["fillColor"]) if st.get("fill") else "transparent"
    if kind == "point" and st.get("shape", "circle") != "circle":
        return shape_swatch(st["shape"], st["color"], fill,
                            dashed=bool(st.get("dashArray")), weight=float(st.get("weight", 1.5)))
    cls = "sn-sw-point" if kind == "point" else "sn-sw-area"
    return (f'<span class="sn-sw {cls}" style="border-color:{stroke};border-style:{border};'
            f'background:{fill}"></span>')

def shape_swatch(shape: str, stroke: str, fill: str, dashed: bool = False,
                 weight: float = 1.5) -> str:
    """A legend swatch: the marker ``shape`` (:func:`songnan_geo.maps.styles.shape_path`, the
    outline the map draws) as a 14 px inline SVG, stroked and filled with CSS colours."""
    dash = ' stroke-dasharray="2 1.5"' if dashed else ""
    w = max(1.0, min(weight, 2.0))
    return (f'<svg class="sn-sw sn-sw-shape" width="14" height="14" viewBox="0 0 14 14" '
            f'aria-hidden="true"><path d="{shape_path(shape, 7, 7, 4.6)}" fill="{_esc(fill)}" '
            f'stroke="{_esc(stroke)}" stroke-width="{w:g}"{dash}/></svg>')

def legend_section(name: str, info: dict, title: str, id_names: dict, shown: bool,
                    lang: str = "zh") -> str:
    kind = layer_kind(info)
    geom = {"point": "Point", "line": "LineString", "area": "Polygon"}[kind]
    key, palette = info.get("style_by"), info.get("palette") or {}
    items = []
    if key and palette:
        for value in palette:
            st = feature_style(info, {key: value}, geom, name)
            label = id_names.get(value, value) if key == "id" else i18n.value_label(value, lang, False)
            items.append((label, st))
    else:
        items.append(("", feature_style(info, {}, geom, name)))
    rows = [(_swatch(kind, st), label) for label, st in items]
    planned = info.get("planned") or {}
    if kind == "point" and planned.get("values"):
        st = feature_style(info, {planned["field"]: planned["values"][0]}, geom, name)
        words = "、".join if lang == "zh" else ", ".join
        rows.append((_swatch(kind, st), i18n.t("map_planned_symbol", lang).format(
            what=words(i18n.value_label(v, lang, False) for v in planned["values"]))))
    if len(rows) == 1 and not rows[0][1]:
        # A single style: the swatch sits next to the layer title.
        body = (f'<div class="sn-legend-item">{rows[0][0]}'
                f'<span class="sn-legend-layer-title">{_esc(title)}</span></div>')
    else:
        body = f'<div class="sn-legend-layer-title">{_esc(title)}</div>' + "".join(
            f'<div class="sn-legend-item">{sw}<span>{_esc(label)}</span></div>'
            for sw, label in rows)
    hidden = "" if shown else ' style="display:none"'
    return (f'<div class="sn-legend-layer" data-layer="{_esc(name)}"{hidden}>'
            f"{body}</div>")
