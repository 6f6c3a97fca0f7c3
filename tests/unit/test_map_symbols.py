"""Facility markers by type and state (issue 16): a distinct shape per facility category,
hollow when planned, drawn as Leaflet paths; both legends show the same shapes."""
from __future__ import annotations

import html
import re

import folium

from songnan_geo.layers.io import load_all_layers, load_layer, read_manifest
from songnan_geo.maps.controls import Legend
from songnan_geo.maps.coverage_map import build_coverage_base_map, coverage_overlays
from songnan_geo.maps.folium_map import build_map
from songnan_geo.maps.styles import (
    CATEGORY_SHAPE,
    FACILITY_CATEGORY,
    SHAPE_VERTICES,
    feature_style,
    point_shape,
    shape_path,
)
from songnan_geo.maps.symbols import SHAPE_MARKER_CLASS, ShapeMarker
from songnan_geo.text import i18n

MANIFEST = read_manifest()
FAC = MANIFEST["layers"]["facilities"]

# a legend row: its swatch, then its label
ROW_RE = re.compile(r'<div class="sn-legend-item">(<svg.*?</svg>|<span class="sn-sw[^"]*"[^>]*></span>)'
                    r"<span>(.*?)</span></div>")


def legend_rows(markup: str) -> dict[str, str]:
    return {html.unescape(label): swatch for swatch, label in ROW_RE.findall(markup)}


def test_each_category_has_its_own_shape_and_every_facility_type_a_category():
    assert len(set(CATEGORY_SHAPE.values())) == len(CATEGORY_SHAPE)
    assert set(FACILITY_CATEGORY.values()) == set(CATEGORY_SHAPE)
    assert set(FAC["palette"]) <= set(FACILITY_CATEGORY), "a facility type without a shape"
    assert set(CATEGORY_SHAPE.values()) - {"circle"} <= set(SHAPE_VERTICES)
    assert point_shape("社区卫生服务站") == "cross" and point_shape("小学") == "square"
    assert point_shape("养老院") == "diamond" and point_shape("not a type") == "circle"
    assert point_shape(None) == "circle"


def test_feature_style_gives_the_shape_by_type_and_planned_ones_are_hollow():
    for ftype, category in FACILITY_CATEGORY.items():
        st = feature_style(FAC, {"type": ftype, "state": "现有"}, "Point", "facilities")
        assert st["shape"] == CATEGORY_SHAPE[category], ftype
        assert st["fillColor"] == FAC["palette"][ftype] and "dashArray" not in st
        planned = feature_style(FAC, {"type": ftype, "state": "规划"}, "Point", "facilities")
        assert planned["shape"] == st["shape"]
        assert planned["fillColor"] == "#ffffff" and planned["dashArray"]
    # other point layers keep circles
    stations = feature_style(MANIFEST["layers"]["metro_stations"], {"state": "运营"}, "Point")
    assert stations["shape"] == "circle"


def test_map_draws_facilities_as_shape_markers_and_the_legend_lists_each_shape():
    layers = load_all_layers()
    for lang in ("zh", "en"):
        m = build_map(layers, MANIFEST, lang=lang)
        page = m.get_root().render()
        assert f"new L.{SHAPE_MARKER_CLASS}(" in page
        gj = next(c for g in m._children.values() if isinstance(g, folium.FeatureGroup)
                  for c in g._children.values() if isinstance(c, folium.GeoJson)
                  and c.data["features"] and c.data["features"][0]["properties"]["layer"] == "facilities")
        assert isinstance(gj.marker, ShapeMarker)
        legend = next(c for c in m._children.values() if isinstance(c, Legend)).html
        rows = legend_rows(legend)
        for ftype in FAC["palette"]:
            label = i18n.value_label(ftype, lang, False)
            assert label in rows, (lang, ftype, list(rows))
            shape = point_shape(ftype)
            if shape == "circle":
                assert "sn-sw-point" in rows[label]
            else:
                assert shape_path(shape, 7, 7, 4.6) in rows[label], (ftype, shape)
        # shapes differ between categories in the legend too
        by_category = {FACILITY_CATEGORY[f]: rows[i18n.value_label(f, lang, False)]
                       .split('fill="')[0] for f in FAC["palette"]}
        assert len(set(by_category.values())) == len(CATEGORY_SHAPE)


def test_coverage_map_legend_and_facilities_use_the_same_shapes():
    fac = load_layer("facilities")
    types = sorted(set(fac["type"]))
    m, _ = build_coverage_base_map({n: load_layer(n) for n in ("boundary", "roads")}, MANIFEST,
                                   service_types=types)
    legend = next(c for c in m._children.values()
                  if getattr(c, "_name", "") == "MapControl" and "sn-coverage-legend" in c.css_class)
    rows = legend_rows(legend.content)
    for ftype in types:
        shape = point_shape(ftype)
        assert ftype in rows
        assert shape_path(shape, 7, 7, 4.6) in rows[ftype], (ftype, shape)
    empty = fac.iloc[:0]
    groups = coverage_overlays(residential=load_layer("residential").assign(
        population=1.0, covered_pop=1.0, covered_share=1.0), service_areas=empty.assign(
        group=[], radius_m=[]), uncovered=empty, facilities=fac)
    gjs = [c for g in groups for c in g._children.values() if isinstance(c, folium.GeoJson)]
    fac_gj = next(g for g in gjs if isinstance(g.marker, ShapeMarker) and len(g.data["features"]) == len(fac))
    shapes = {s["shape"] for s in (fac_gj.style_function({"id": str(i)}) for i in range(len(fac)))}
    assert shapes == {point_shape(t) for t in fac["type"]}
