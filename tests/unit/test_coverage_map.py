"""The coverage map in two parts: a base map whose script does not depend on the analysis
(st_folium keeps the drawn map, and the planner's view, while its script is the same) and
the analysis overlays, which carry the candidate sites."""
from __future__ import annotations

import json

import folium
import geopandas as gpd
import pandas as pd
from streamlit_folium import generate_leaflet_string

from songnan_geo.layers.io import load_layer, read_manifest
from songnan_geo.lifecircle import standards as sd
from songnan_geo.lifecircle.coverage import coverage_by_area, service_areas, uncovered_parts
from songnan_geo.maps.coverage_map import SERVICE_COLOURS, build_coverage_base_map, coverage_overlays

CONTEXT = ("boundary", "roads")


def js(text: str) -> str:
    """``text`` as it appears in a script (Jinja's tojson escapes non-ASCII)."""
    return json.dumps(text)[1:-1]


def analysis(candidates: gpd.GeoDataFrame | None):
    fac, res = load_layer("facilities"), load_layer("residential")
    radius = sd.radius_by_type(sd.load_builtin_standards(), "gb50180_2018", set(fac["type"]))
    sites = fac if candidates is None else gpd.GeoDataFrame(
        pd.concat([fac, candidates], ignore_index=True), crs=fac.crs)
    areas = service_areas(sites, radius)
    return dict(residential=coverage_by_area(res, sites, radius), service_areas=areas,
                uncovered=uncovered_parts(res, areas), facilities=fac, candidates=candidates)


def base_script(types):
    m, control = build_coverage_base_map({n: load_layer(n) for n in CONTEXT}, read_manifest(),
                                         service_types=types)
    assert isinstance(control, folium.LayerControl)
    assert not any(isinstance(c, folium.LayerControl) for c in m._children.values())
    m.get_root().render()
    return generate_leaflet_string(m)  # what st_folium hashes to decide to re-draw the map


def test_base_map_script_is_the_same_on_every_build():
    types = sorted(set(load_layer("facilities")["type"]))
    first = base_script(types)
    assert first == base_script(types)
    assert "sn-coverage-legend" in first
    # No analysis in it: the legend names the candidate layer, nothing draws a candidate.
    # (the legend's words are written by js_literal as themselves; folium's tojson escapes them)
    assert "候选点" in first or js("候选点") in first
    assert "候选点 1" not in first and js("候选点 1") not in first


def test_overlays_carry_the_candidates_and_change_with_them():
    fac = load_layer("facilities")
    spot = fac.to_crs(3857).geometry.iloc[0].buffer(1500).centroid
    cand = gpd.GeoDataFrame({"id": ["cand_1"], "name": ["候选点 1"], "type": [fac["type"].iloc[0]],
                             "estimated": [True]}, geometry=[spot], crs=3857).to_crs(fac.crs)
    without, with_one = coverage_overlays(**analysis(None)), coverage_overlays(**analysis(cand))
    assert [g.layer_name for g in without] == [g.layer_name for g in with_one]
    assert len(with_one) == 7   # … + the 居委 labels

    def script(group):
        m = folium.Map()
        group.add_to(m)
        m.get_root().render()
        return generate_leaflet_string(group)

    cand_without, cand_with = script(without[4]), script(with_one[4])
    assert js("候选点 1") in cand_with and js("候选点 1") not in cand_without
    # The service areas grow with the candidate.
    assert script(without[0]) != script(with_one[0])


def test_facilities_coloured_by_type_and_juwei_labels_escaped():
    a = analysis(None)
    res = a["residential"].copy()
    res.loc[res.index[0], "name"] = "<b>{{ 7*7 }}</b>"
    a["residential"] = res
    groups = coverage_overlays(**a)
    names = [g.layer_name for g in groups]
    fac_group, labels = groups[3], groups[-1]
    m = folium.Map()
    for g in (fac_group, labels):
        g.add_to(m)
    html = m.get_root().render()
    colours = {c for c in SERVICE_COLOURS if c in generate_leaflet_string(fac_group)}
    assert len(colours) > 1                       # not one black dot for every type
    assert "<b>{{ 7*7 }}" not in html and "{{" not in generate_leaflet_string(labels)
    assert "\\u0026lt;b\\u0026gt;" in generate_leaflet_string(labels)   # shown as text
    assert names[-1] == "居委名称"
