"""Tests of songnan_geo.maps.folium_map: layers, styles, escaping, offline assets, legend.

The layer files in data/geo are written separately, so these tests build small layers
of their own (EPSG:4326, properties as in data/geo/schema) and use the real manifest.
"""
from __future__ import annotations

import copy
import html
import json
import re
import time
from pathlib import Path

import folium
import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from songnan_geo.layers.io import read_manifest
from songnan_geo.maps.assets import LEAFLET_URL_PREFIX, ensure_static_assets
from songnan_geo.maps.basemaps import BASEMAPS
from songnan_geo.maps.controls import FitTown, Legend, PopupCards
from songnan_geo.maps.folium_map import asset_urls, build_map
from songnan_geo.maps.popups import TOOLTIP_PROPERTY
from songnan_geo.maps.styles import feature_style
from songnan_geo.text import i18n

EVIL = "<script>alert(1)</script>\"'`<img src=x onerror=alert(2)>"
EVIL_EN = "Evil `${document.title}` \"quoted\" 'single' </script><b>bold</b>"
COMMON = {"source": "test fixture", "accuracy_m": 20.0}


def _gdf(rows, geoms):
    return gpd.GeoDataFrame([{**COMMON, **r} for r in rows], geometry=geoms, crs="EPSG:4326")


@pytest.fixture(scope="module")
def manifest():
    return read_manifest()


@pytest.fixture()
def layers():
    boundary = _gdf([{"id": "songnan", "name": "淞南镇", "name_en": "Songnan Town",
                      "estimated": True, "area_km2": 7.6, "reference_area_km2": None,
                      "reference_area_source": None}],
                    [box(121.46, 31.33, 121.52, 31.37)])
    parcels = _gdf([
        {"id": "p_evil", "name": EVIL, "name_en": EVIL_EN, "estimated": True, "status": "已出让",
         "status_source": "s", "plan_target": None, "plan_deadline": "2025", "plan_quote": "q",
         "area_m2": 12345.5, "zone_id": "centre", "in_centre": True},
        {"id": "p_build", "name": "在建地块", "name_en": "Building plot", "estimated": False,
         "status": "在建", "status_source": "s", "plan_target": "商办", "plan_deadline": None,
         "plan_quote": "q", "area_m2": 8000.0, "zone_id": None, "in_centre": False},
        {"id": "p_done", "name": "建成地块", "name_en": "Finished plot", "estimated": False,
         "status": "建成", "status_source": "s", "plan_target": None, "plan_deadline": None,
         "plan_quote": "q", "area_m2": 9000.0, "zone_id": None, "in_centre": False},
    ], [box(121.470, 31.340, 121.480, 31.350), box(121.490, 31.340, 121.500, 31.350),
        box(121.505, 31.355, 121.515, 31.365)])
    facilities = _gdf([
        {"id": "f_school", "name": "淞南小学", "name_en": "Songnan Primary", "estimated": True,
         "type": "小学", "state": "现有", "capacity": 900, "capacity_unit": "人"},
        {"id": "f_clinic", "name": "卫生中心", "name_en": "Health centre", "estimated": False,
         "type": "社区卫生服务中心", "state": "规划", "capacity": None, "capacity_unit": None},
    ], [Point(121.495, 31.362), Point(121.465, 31.360)])
    roads = _gdf([
        {"id": "r_fast", "name": "快速路", "name_en": "Expressway", "estimated": False,
         "road_class": "快速路", "segment_of": "逸仙路"},
        {"id": "r_minor", "name": "支路", "name_en": "Lane", "estimated": False,
         "road_class": "支路", "segment_of": "长江西路"},
    ], [LineString([(121.46, 31.352), (121.52, 31.352)]),
        LineString([(121.485, 31.33), (121.485, 31.37)])])
    districts = _gdf([{"id": "baoshan", "name": "宝山区", "name_en": "Baoshan", "estimated": False,
                       "adcode": 310113}], [box(121.40, 31.30, 121.60, 31.45)])
    # Deliberately not in manifest order: drawing order must come from the manifest.
    return {"facilities": facilities, "parcels": parcels, "roads": roads,
            "boundary": boundary, "districts": districts}


def _groups(m):
    return [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]


def _geojson(m, layer):
    for group in _groups(m):
        for child in group._children.values():
            if isinstance(child, folium.GeoJson) and child.data["features"] and \
                    child.data["features"][0]["properties"]["layer"] == layer:
                return child
    raise AssertionError(f"no GeoJson for layer {layer}")


def _cards(m, layer):
    """Feature id -> popup card HTML of ``layer`` (its GeoJson's one PopupCards)."""
    cards = [c for c in _geojson(m, layer)._children.values() if isinstance(c, PopupCards)]
    assert len(cards) == 1, f"layer {layer} has {len(cards)} PopupCards"
    return cards[0].cards


def _rendered_styles(gj):
    """Feature id -> style dict, as written into the page's styler switch."""
    assert gj.style_map, "render the map first"
    out = {}
    for key, ids in gj.style_map.items():
        if key == "default":
            continue
        for fid in ids:
            out[fid] = json.loads(key)
    default = json.loads(gj.style_map["default"])
    for f in gj.data["features"]:
        out.setdefault(f["id"], default)
    return out


# --------------------------------------------------------------------------- layers

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_one_feature_group_per_layer_in_manifest_order_named_in_language(layers, manifest, lang):
    m = build_map(layers, manifest, lang=lang)
    expected = [n for n in manifest["layers"] if n in layers]
    assert expected == ["districts", "boundary", "roads", "parcels", "facilities"]
    names = [g.layer_name for g in _groups(m)]
    assert names == [i18n.layer_title(manifest["layers"][n], lang) for n in expected]
    controls = [c for c in m._children.values() if isinstance(c, folium.LayerControl)]
    # collapsed: one button in the corner, so the list does not cover the town
    assert len(controls) == 1 and controls[0].options["collapsed"] is True
    page = m.get_root().render()
    for n in expected:
        assert json.dumps(i18n.layer_title(manifest["layers"][n], lang)) in page


def test_visible_sets_which_groups_start_switched_on(layers, manifest):
    m = build_map(layers, manifest, visible={"parcels", "boundary"})
    shown = {g.layer_name: g.show for g in _groups(m)}
    assert shown == {"区界（参考）": False, "镇界": True, "道路": False, "重点地块": True,
                     "15分钟生活圈设施": False}


def test_parcel_colours_follow_the_status_palette(layers, manifest):
    m = build_map(layers, manifest)
    m.get_root().render()
    styles = _rendered_styles(_geojson(m, "parcels"))
    palette = manifest["layers"]["parcels"]["palette"]
    outline = manifest["layers"]["parcels"]["style"]["color"]
    for _, row in layers["parcels"].iterrows():
        st = styles[row["id"]]
        assert st["fillColor"] == palette[row["status"]]
        assert st["color"] == outline and st["fill"] is True
    assert len({styles[i]["fillColor"] for i in styles}) == 3


def test_roads_weighted_by_class_and_districts_dashed(layers, manifest):
    m = build_map(layers, manifest)
    m.get_root().render()
    roads = _rendered_styles(_geojson(m, "roads"))
    info = manifest["layers"]["roads"]
    assert roads["r_fast"]["weight"] == info["weights"]["快速路"]
    assert roads["r_fast"]["color"] == info["palette"]["快速路"]
    assert roads["r_minor"]["weight"] == info["weights"]["支路"]
    assert roads["r_fast"]["fill"] is False
    districts = _rendered_styles(_geojson(m, "districts"))
    assert districts["baoshan"]["dashArray"] == "6 4"
    assert "dashArray" not in roads["r_fast"]


def test_points_are_circle_markers_coloured_by_type(layers, manifest):
    m = build_map(layers, manifest)
    page = m.get_root().render()
    gj = _geojson(m, "facilities")
    assert isinstance(gj.marker, folium.CircleMarker)
    styles = _rendered_styles(gj)
    palette = manifest["layers"]["facilities"]["palette"]
    assert styles["f_school"]["fillColor"] == palette["小学"]
    # a planned facility (state 规划): a hollow dashed ring in its type's colour
    assert styles["f_clinic"]["color"] == palette["社区卫生服务中心"]
    assert styles["f_clinic"]["fillColor"] == "#ffffff" and styles["f_clinic"]["dashArray"] == "3 2"
    assert styles["f_school"]["fillColor"] == palette["小学"] and "dashArray" not in styles["f_school"]
    legend = next(c for c in m._children.values() if isinstance(c, Legend)).html
    assert i18n.t("map_planned_symbol", "zh").format(what="规划") in legend
    assert styles["f_school"]["radius"] == manifest["layers"]["facilities"]["style"]["radius"]
    assert "new L.SnShapeMarker(" in page and "L.SnShapeMarker = L.CircleMarker.extend(" in page
    # The only L.marker is the name labels' text (a divIcon: no icon image or icon CSS needed).
    assert page.count("L.marker(") == 1 and "icon: L.divIcon(" in page
    assert "AwesomeMarkers" not in page and "new L.Marker(" not in page


def test_feature_style_unknown_category_falls_back_to_the_layer_colour(manifest):
    info = manifest["layers"]["parcels"]
    st = feature_style(info, {"status": "not-a-status"}, "Polygon")
    assert st["fillColor"] == info["style"]["color"]
    stations = manifest["layers"]["metro_stations"]
    st = feature_style(stations, {"state": "未开通"}, "Point")
    assert st["fillColor"] == "#ffffff" and st["color"] == stations["palette"]["未开通"]


def test_bad_manifest_style_is_rejected_naming_layer_and_fix(layers, manifest):
    bad = copy.deepcopy(manifest)
    bad["layers"]["districts"]["style"]["dash"] = "1</script><script>alert(3)//"
    with pytest.raises(ValueError, match=r"'districts'.*style.dash.*write_schemas"):
        build_map(layers, bad)
    bad = copy.deepcopy(manifest)
    bad["layers"]["parcels"]["palette"]["建成"] = "red;background:url(http://x)"
    with pytest.raises(ValueError, match=r"'parcels'.*palette.*CSS colour"):
        build_map(layers, bad)


def test_fits_the_boundary_and_has_a_scale_bar(layers, manifest):
    m = build_map(layers, manifest)
    fits = [c for c in m._children.values() if isinstance(c, FitTown)]
    assert len(fits) == 1
    assert list(m._children.values())[-1] is fits[0], "the fit must come after every control"
    w, s, e, n = layers["boundary"].total_bounds
    assert fits[0].bounds == [[pytest.approx(s), pytest.approx(w)], [pytest.approx(n), pytest.approx(e)]]
    assert m.control_scale is True
    page = m.get_root().render()
    assert "L.control.scale()" in page
    assert "paddingBottomRight" in page and "fitBounds" in page


def test_without_boundary_fits_all_layers(layers, manifest):
    del layers["boundary"]
    m = build_map(layers, manifest)
    fit = next(c for c in m._children.values() if isinstance(c, FitTown))
    w, s, e, n = layers["districts"].total_bounds  # the largest layer here
    assert fit.bounds == [[pytest.approx(s), pytest.approx(w)], [pytest.approx(n), pytest.approx(e)]]


# --------------------------------------------------------------------------- popups / escaping

def test_popup_is_a_card_of_facts_with_provenance_in_words(layers, manifest):
    for lang in ("zh", "en"):
        m = build_map(layers, manifest, lang=lang)
        cards = _cards(m, "parcels")
        card = cards["p_evil"]
        popup = html.unescape(re.sub(r"<[^>]+>", "|", card))
        # facts with a value, labelled in the language; an area in hectares
        for field in ("status", "plan_deadline", "area_m2"):
            assert f"|{i18n.field_label(field, lang)}|" in popup, field
        assert ("|1.2 公顷|" if lang == "zh" else "|1.2 ha|") in popup
        # no internal ids, no empty rows, no flags as rows
        for field in ("id", "zone_id", "in_centre", "estimated", "plan_target", "accuracy_m"):
            assert f"|{i18n.field_label(field, lang)}|" not in popup, field
        assert "p_evil" not in popup and "centre" not in popup and "|—|" not in popup
        # quotes folded under "more"; source and accuracy in words at the end
        assert 'class="sn-more"' in card and i18n.t("card_more", lang) in popup
        assert ("范围为估计，误差约 20 米" if lang == "zh" else "Outline estimated, about 20 m") in popup
        assert i18n.t("card_source", lang) + i18n.t("prov_other", lang) in popup   # in words
        assert "test fixture" not in popup                                        # not as stored
        assert 'class="sn-badge"' in card and i18n.t("estimated_badge", lang) in popup
        assert 'class="sn-badge"' not in cards["p_build"]
        # a status in the reader's language (the official Chinese term kept in English)
        assert ("|已出让|" if lang == "zh" else "|Land sold (已出让)|") in popup
    assert "Position accurate to about 20 m" in html.unescape(_cards(m, "facilities")["f_clinic"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_popup_says_the_source_in_words_as_the_catalogue_does(lang):
    """The card's source is the data catalogue's words for it (layers.provenance), in the
    card's language: no repository path, file name or OSM id of the stored text."""
    from songnan_geo.layers.provenance import source_in_words
    from songnan_geo.maps.popups import popup_html

    def said(source):
        card = html.unescape(re.sub(r"<[^>]+>", "|", popup_html({"name": "站", "source": source},
                                                               "", lang)))
        return [p for p in card.split("|") if p.startswith(i18n.t("card_source", lang))]

    metro = ("JoJoJoJoJoJoJo/ShanghaiSubwayFilter:data/raw_subway_info.json (Amap GCJ-02 → WGS84), "
             "via shared/reference/metro_stations.csv; OpenStreetMap node/123456")
    words = said(metro)
    sep = "；" if lang == "zh" else "; "
    assert words == [i18n.t("card_source", lang) + sep.join((i18n.t("prov_osm", lang),
                                                            i18n.t("prov_gaode", lang)))]
    assert words == [i18n.t("card_source", lang) + source_in_words(metro, lang)]
    assert not any(x in words[0] for x in ("/", ".json", ".csv", "123456", "JoJo"))
    plan = "《淞南镇“十四五”规划纲要》(2021年1月)；点位为估计"
    assert said(plan) == [i18n.t("card_source", lang) + source_in_words(plan, lang)]
    assert i18n.t("prov_drawn", lang) in said(plan)[0]
    assert said(None) == [] and said("  ") == []
    assert said("tools/x.py") == [i18n.t("card_source", lang) + i18n.t("prov_other", lang)]


def test_popup_cards_travel_once_per_layer_in_utf8(layers, manifest):
    m = build_map(layers, manifest, lang="zh")
    geojsons = [c for g in _groups(m) for c in g._children.values() if isinstance(c, folium.GeoJson)]
    for layer in ("parcels", "facilities"):
        ids = {f["id"] for f in _geojson(m, layer).data["features"]}
        assert set(_cards(m, layer)) == ids
    assert all("_popup" not in f["properties"] for gj in geojsons for f in gj.data["features"])
    page = m.get_root().render()
    badge = i18n.t("estimated_badge", "zh")
    assert badge in page, "Chinese card text is written as itself"
    assert "\\u" + format(ord(badge[0]), "04x") not in page
    assert page.count(".bindPopup(") == len(geojsons)


def test_tooltip_is_the_name_in_the_language(layers, manifest):
    zh = build_map(layers, manifest, lang="zh")
    en = build_map(layers, manifest, lang="en")
    tip = lambda m: {f["id"]: html.unescape(f["properties"][TOOLTIP_PROPERTY])  # noqa: E731
                     for f in _geojson(m, "facilities").data["features"]}
    assert tip(zh) == {"f_school": "淞南小学", "f_clinic": "卫生中心"}
    assert tip(en) == {"f_school": "Songnan Primary", "f_clinic": "Health centre"}


def test_names_are_escaped_exactly_once(layers, manifest):
    m = build_map(layers, manifest, lang="zh")
    props = {f["id"]: f["properties"] for f in _geojson(m, "parcels").data["features"]}["p_evil"]
    escaped = html.escape(EVIL, quote=True).replace("`", "&#96;")
    assert props[TOOLTIP_PROPERTY] == escaped
    card = _cards(m, "parcels")["p_evil"]
    assert escaped in card
    # Unescaping once gives the literal name back: not double-escaped.
    assert html.unescape(props[TOOLTIP_PROPERTY]) == EVIL
    for bad in ("<script", "<img", "`", "'", '"' + "'"):
        assert bad not in props[TOOLTIP_PROPERTY]
    # The popup's own markup is the only markup.
    tags = set(re.findall(r"<(\w+)", card))
    assert tags <= {"div", "span", "table", "tr", "th", "td", "details", "summary", "p", "b"}
    en = build_map(layers, manifest, lang="en")
    props = {f["id"]: f["properties"] for f in _geojson(en, "parcels").data["features"]}["p_evil"]
    assert html.unescape(props[TOOLTIP_PROPERTY]) == EVIL_EN
    assert "<b>" not in props[TOOLTIP_PROPERTY] and "</script>" not in _cards(en, "parcels")["p_evil"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rendered_html_has_no_raw_markup_from_data(layers, manifest, lang):
    page = build_map(layers, manifest, lang=lang).get_root().render()
    assert "<script>alert" not in page
    assert "alert(1)</script>" not in page
    assert "<img" not in page and "<b>bold" not in page
    # No data value closed a <script> element early: every opening tag has its closing,
    # and the only script tags are inline ones and the local Leaflet.
    opens = re.findall(r"<script\b[^>]*>", page)
    assert len(opens) == page.count("</script>")
    assert set(opens) == {"<script>", f'<script src="{LEAFLET_URL_PREFIX}leaflet.js">'}
    # The escaped name is there, JSON-encoded (with \\u0026 for &) inside the script.
    shown = ("\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" if lang == "zh"
             else "\\u0026lt;/script\\u0026gt;\\u0026lt;b\\u0026gt;bold")
    assert shown in page


def test_titles_from_the_manifest_are_escaped_too(layers, manifest):
    evil = copy.deepcopy(manifest)
    evil["layers"]["parcels"]["title"]["zh"] = "<b>地块</b>\"'`"
    evil["layers"]["parcels"]["palette"] = {"<i>x</i>": "#123456", "在建": "#74c476"}
    m = build_map(layers, evil)
    group = next(g for g in _groups(m) if "地块" in g.layer_name)
    assert group.layer_name == "&lt;b&gt;地块&lt;/b&gt;&quot;&#x27;&#96;"
    legend = next(c for c in m._children.values() if isinstance(c, Legend))
    assert "&lt;b&gt;地块&lt;/b&gt;" in legend.html and "&lt;i&gt;x&lt;/i&gt;" in legend.html
    assert "<b>" not in legend.html and "<i>" not in legend.html
    page = m.get_root().render()
    assert "<b>地块" not in page and "<i>x" not in page


# --------------------------------------------------------------------------- offline

def _external_links(page):
    return (re.findall(r'<script[^>]+src="(https?:[^"]*)"', page)
            + re.findall(r'<link[^>]+href="(https?:[^"]*)"', page))


def test_blank_map_references_only_local_leaflet(layers, manifest):
    m = build_map(layers, manifest)
    urls = asset_urls(m)
    assert urls == [LEAFLET_URL_PREFIX + "leaflet.js", LEAFLET_URL_PREFIX + "leaflet.css"]
    page = m.get_root().render()
    assert asset_urls(m) == urls  # rendering adds nothing
    assert _external_links(page) == []
    assert "http://" not in page and "https://" not in page
    assert "L.tileLayer" not in page
    for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "fontawesome"):
        assert cdn not in page
    assert "$(" not in page and "jQuery" not in page  # nothing needs jQuery


def test_folium_class_defaults_are_not_mutated(layers, manifest):
    before_js, before_css = list(folium.Map.default_js), list(folium.Map.default_css)
    build_map(layers, manifest, asset_base_url="/x/").get_root().render()
    assert folium.Map.default_js == before_js and folium.Map.default_css == before_css
    # ... and a plain folium map still works as folium intends (CDN), untouched by us.
    assert any("jsdelivr" in u for u in asset_urls(folium.Map()))


@pytest.mark.parametrize("basemap", ["osm", "cartodb_positron"])
def test_online_basemaps_add_only_a_tile_url(layers, manifest, basemap):
    m = build_map(layers, manifest, basemap=basemap)
    assert all(u.startswith(LEAFLET_URL_PREFIX) for u in asset_urls(m))
    page = m.get_root().render()
    assert _external_links(page) == []
    assert json.dumps(BASEMAPS[basemap]["tiles"]) in page
    # The tile layer is not a switchable overlay and the vector groups are all there.
    assert len(_groups(m)) == 5


def test_asset_urls_sees_what_streamlit_folium_would_load(layers, manifest):
    import branca.colormap
    m = build_map(layers, manifest)
    branca.colormap.LinearColormap(["red", "blue"]).add_to(m)
    assert any(u.startswith("https://") for u in asset_urls(m))


def test_asset_base_url_is_used_and_normalised(layers, manifest):
    m = build_map(layers, manifest, asset_base_url="file:///tmp/leaflet")
    assert asset_urls(m) == ["file:///tmp/leaflet/leaflet.js", "file:///tmp/leaflet/leaflet.css"]


# --------------------------------------------------------------------------- legend

def test_legend_lists_visible_layers_with_palette_entries(layers, manifest):
    m = build_map(layers, manifest, lang="en", visible={"parcels", "facilities", "boundary"})
    legends = [c for c in m._children.values() if isinstance(c, Legend)]
    assert len(legends) == 1
    legend = legends[0].html
    assert i18n.t("legend", "en") in legend
    for name in ("parcels", "facilities", "boundary"):
        title = html.escape(i18n.layer_title(manifest["layers"][name], "en"))
        section = re.search(rf'<div class="sn-legend-layer" data-layer="{name}"( style="[^"]*")?>',
                            legend)
        assert section and section.group(1) is None, name
        assert title in legend
    for status, colour in manifest["layers"]["parcels"]["palette"].items():
        assert html.escape(i18n.value_label(status, "en", False)) in legend and colour in legend
    # Layers that start switched off are in the legend but hidden until switched on.
    assert re.search(r'data-layer="roads" style="display:none"', legend)
    page = m.get_root().render()
    assert "L.control({position:" in page and 'map.on("overlayadd overlayremove"' in page


def test_zone_legend_uses_feature_names_for_ids(manifest):
    zones = _gdf([{"id": "centre", "name": "公共中心", "name_en": "Public centre", "estimated": True,
                   "kind": "centre", "functions": "f", "role_quote": "q", "plan_ref": "p",
                   "area_km2": 0.5}], [box(121.48, 31.34, 121.49, 31.35)])
    m = build_map({"zones": zones}, manifest, lang="en")
    legend = next(c for c in m._children.values() if isinstance(c, Legend)).html
    assert "Public centre" in legend and "belt_yixian" in legend


# --------------------------------------------------------------------------- errors, CRS, speed

def test_errors_name_the_argument_and_the_valid_values(layers, manifest):
    with pytest.raises(ValueError, match=r"basemap 'google'.*blank, osm, cartodb_positron"):
        build_map(layers, manifest, basemap="google")
    with pytest.raises(ValueError, match=r"lang 'fr'.*zh, en"):
        build_map(layers, manifest, lang="fr")
    with pytest.raises(ValueError, match=r"layers has unknown .*'lakes'.*parcels"):
        build_map({**layers, "lakes": layers["parcels"]}, manifest)
    with pytest.raises(ValueError, match=r"visible has unknown .*'lakes'"):
        build_map(layers, manifest, visible={"lakes"})
    with pytest.raises(ValueError, match=r"manifest has no 'layers'"):
        build_map(layers, {})


def test_projected_layer_is_reprojected_and_missing_crs_is_an_error(layers, manifest):
    projected = dict(layers, parcels=layers["parcels"].to_crs(3857))
    m = build_map(projected, manifest)
    xy = _geojson(m, "parcels").data["features"][0]["geometry"]["coordinates"][0][0]
    assert xy[0] == pytest.approx(121.48, abs=1e-7) and xy[1] == pytest.approx(31.34, abs=1e-7)
    naive = dict(layers, parcels=layers["parcels"].set_crs(None, allow_override=True))
    with pytest.raises(ValueError, match=r"layers\['parcels'\] has no CRS.*set_crs"):
        build_map(naive, manifest)


def test_empty_layer_and_missing_values_do_not_break_the_map(layers, manifest):
    layers["roads"] = layers["roads"].iloc[0:0]
    layers["facilities"].loc[0, "address"] = float("nan")
    m = build_map(layers, manifest)
    page = m.get_root().render()
    assert "NaN" not in page
    assert len(_groups(m)) == 5


def test_300_features_build_and_render_fast(manifest):
    rows, geoms = [], []
    statuses = list(manifest["layers"]["parcels"]["palette"])
    for i in range(300):
        x, y = 121.46 + (i % 20) * 0.003, 31.33 + (i // 20) * 0.0025
        rows.append({"id": f"p{i}", "name": f"地块 {i} <{i}>", "name_en": f"Plot {i}",
                     "estimated": i % 2 == 0, "status": statuses[i % len(statuses)],
                     "status_source": "s", "plan_target": None, "plan_deadline": None,
                     "plan_quote": "q", "area_m2": 1000.0 + i, "zone_id": None, "in_centre": False})
        geoms.append(box(x, y, x + 0.002, y + 0.002))
    parcels = _gdf(rows, geoms)
    t0 = time.perf_counter()
    page = build_map({"parcels": parcels}, manifest).get_root().render()
    elapsed = time.perf_counter() - t0
    assert elapsed < 3.0, f"build+render of 300 features took {elapsed:.2f}s"
    # One styler case per palette colour, not one style object per feature.
    styler = page[page.index("_styler(feature)"):page.index("_onEachFeature")]
    assert styler.count("return {") == len(statuses)


def test_mapping_module_does_not_import_streamlit():
    import songnan_geo.maps.folium_map as mapping
    assert "import streamlit" not in Path(mapping.__file__).read_text(encoding="utf-8")


def test_streamlit_folium_translation_keeps_legend_references(layers, manifest):
    """st_folium renames every folium variable; the legend must follow the renaming."""
    sf = pytest.importorskip("streamlit_folium")
    m = build_map(layers, manifest)
    m.get_root().render()
    m.render()
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    declared = set(re.findall(r"var (feature_group_\w+)", script))
    legend_js = script[script.index("var groups = {"):]
    referenced = set(re.findall(r"feature_group_\w+", legend_js[:legend_js.index("};")]))
    assert referenced and referenced <= declared
    assert "#map_div { background" in header


# --------------------------------------------------------------------------- real browser

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


class _Page:
    """A page that loads only file:// URLs and records dialogs, errors and requests."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1100, "height": 760})
        self.blocked, self.dialogs, self.errors = [], [], []
        self.page.route("**/*", self._route)
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda msg: self.errors.append(msg.text)
                     if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def point(self, m, lat, lon):
        """Page coordinates (CSS pixels) of a lat/lon on the folium map ``m``."""
        name = m.get_name()
        return self.page.evaluate(
            f"""() => {{ const p = {name}.latLngToContainerPoint([{lat}, {lon}]);
                      const r = document.getElementById('{name}').getBoundingClientRect();
                      return [p.x + r.left, p.y + r.top]; }}""")


@pytest.fixture(scope="module")
def leaflet_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    return ensure_static_assets(root)


def _open(browser, m, tmp_path):
    path = tmp_path / "map.html"
    path.write_text(m.get_root().render(), encoding="utf-8")
    p = _Page(browser)
    p.page.goto(path.as_uri())
    p.page.wait_for_selector(".leaflet-container path.leaflet-interactive", state="attached",
                             timeout=10_000)
    p.page.wait_for_timeout(300)
    return p


@pytest.mark.browser
def test_browser_renders_offline_and_shows_evil_names_as_text(browser, leaflet_dir, layers,
                                                               manifest, tmp_path):
    evil = copy.deepcopy(manifest)
    evil["layers"]["roads"]["title"]["zh"] = "<img src=y onerror=alert(3)>道路"
    m = build_map(layers, evil, asset_base_url=leaflet_dir.as_uri() + "/")
    p = _open(browser, m, tmp_path)
    page = p.page
    try:
        assert page.locator(".leaflet-container").count() == 1
        n_vector = sum(len(layers[k]) for k in ("districts", "boundary", "roads", "parcels",
                                                "facilities"))
        assert page.locator("svg path.leaflet-interactive").count() == n_vector
        assert page.evaluate("typeof jQuery") == "undefined"
        assert page.locator(".leaflet-tile").count() == 0

        # Hover then click the evil parcel (centre of its square).
        x, y = p.point(m, 31.345, 121.475)
        page.mouse.move(x, y)
        page.wait_for_timeout(200)
        tip = page.locator(".leaflet-tooltip").text_content()
        assert EVIL in tip
        page.mouse.click(x, y)
        page.wait_for_timeout(300)
        popup = page.locator(".leaflet-popup-content")
        assert popup.count() == 1
        text = popup.text_content()
        assert "<script>alert(1)</script>" in text and EVIL in text
        assert i18n.t("estimated_badge", "zh") in text
        assert popup.locator("script, img").count() == 0
        assert popup.locator(".sn-badge").count() == 1

        # Layer control and legend show the evil title as text, not as an <img>.
        control = page.locator(".leaflet-control-layers")
        assert "<img src=y onerror=alert(3)>道路" in control.text_content()
        assert page.locator("img[src='y']").count() == 0
        legend = page.locator(".sn-legend")
        assert legend.is_visible()
        assert "<img src=y onerror=alert(3)>道路" in legend.text_content()

        # Switching a layer off in the control hides its legend entry.
        roads_section = page.locator('.sn-legend-layer[data-layer="roads"]')
        assert roads_section.is_visible()
        control.hover()   # the collapsed layer control opens on hover
        control.locator("label", has_text="道路").locator("input").click()
        page.wait_for_timeout(200)
        assert not roads_section.is_visible()
        assert page.locator("svg path.leaflet-interactive").count() == n_vector - 2

        assert p.dialogs == []
        assert p.errors == []
        assert p.blocked == [], "the blank map must not request anything off the disk"
    finally:
        page.close()


@pytest.mark.browser
def test_browser_vector_layers_draw_when_tiles_are_unreachable(browser, leaflet_dir, layers,
                                                               manifest, tmp_path):
    m = build_map(layers, manifest, basemap="osm", lang="en",
                  asset_base_url=leaflet_dir.as_uri() + "/")
    p = _open(browser, m, tmp_path)
    try:
        assert p.page.locator("svg path.leaflet-interactive").count() == 9
        assert p.blocked and all(u.startswith("https://tile.openstreetmap.org/")
                                 for u in p.blocked)
        assert p.dialogs == []
        # The only errors are the aborted tile requests.
        assert all("ERR_FAILED" in e or "Failed to load resource" in e for e in p.errors)
    finally:
        p.page.close()


def test_popup_puts_planning_facts_before_provenance():
    from songnan_geo.maps.popups import popup_html
    props = {"id": "p1", "name": "地块", "name_en": "Parcel", "source": "src", "accuracy_m": 500,
             "estimated": True, "status": "收储", "plan_target": "出让", "note": None, "lines": ""}
    html_text = popup_html(props, "重点地块", "zh", "point")
    order = [html_text.index(part) for part in ("<th>状态</th>", "<th>规划目标</th>", "来源：其他来源",
                                                "位置为估计，误差约 500 米")]
    assert order == sorted(order)
    assert "<th>编号</th>" not in html_text and "p1" not in html_text
    assert "<th>说明</th>" not in html_text and "<th>线路</th>" not in html_text   # empty: no row
    assert "sn-more" not in html_text   # nothing to fold


def test_new_click_reports_each_click_once_on_the_background_or_on_a_feature():
    from songnan_geo.maps.clicks import new_click

    click, seen = new_click(None, None)
    assert click is None
    # a click on a feature (the town boundary) comes as last_object_clicked
    ret = {"last_clicked": None, "last_object_clicked": {"lat": 31.34, "lng": 121.49}}
    click, seen = new_click(ret, seen)
    assert click == {"lat": 31.34, "lng": 121.49}
    assert new_click(ret, seen)[0] is None            # the same value on the next rerun: not new
    ret = {**ret, "last_clicked": {"lat": 31.35, "lng": 121.48}}
    click, seen = new_click(ret, seen)
    assert click == {"lat": 31.35, "lng": 121.48}     # then a click on the background
    assert new_click(ret, seen)[0] is None


def test_clicked_lonlat_undoes_the_gaode_shift_and_pending_point_applies_it():
    from songnan_geo.coords.chinacoords import convert_lonlat
    from songnan_geo.maps.clicks import clicked_lonlat, pending_point

    wgs = (121.49, 31.34)
    gcj = [float(v[0]) for v in convert_lonlat([wgs[0]], [wgs[1]], "wgs84", "gcj02")]
    assert clicked_lonlat({"lat": wgs[1], "lng": wgs[0]}, "blank") == wgs
    back = clicked_lonlat({"lat": gcj[1], "lng": gcj[0]}, "gaode_vector")
    assert abs(back[0] - wgs[0]) < 1e-7 and abs(back[1] - wgs[1]) < 1e-7
    assert clicked_lonlat(None, "blank") is None and clicked_lonlat({"lat": 1}, "blank") is None
    marker = next(iter(pending_point(*wgs, label="待保存", basemap="gaode_vector")._children.values()))
    assert marker.location == pytest.approx([gcj[1], gcj[0]])


@pytest.mark.browser
def test_browser_shows_the_openstreetmap_attribution_while_such_a_layer_is_on(browser, leaflet_dir, layers,
                                                                             manifest, tmp_path):
    assert manifest["layers"]["roads"]["attribution"] == "© OpenStreetMap contributors, ODbL 1.0"
    odd = copy.deepcopy(manifest)
    odd["layers"]["parcels"]["attribution"] = "{{ 7*7 }} <b>x</b>"
    m = build_map(layers, odd, asset_base_url=leaflet_dir.as_uri() + "/")
    p = _open(browser, m, tmp_path)
    page = p.page
    try:
        attr = page.locator(".leaflet-control-attribution")
        assert "© OpenStreetMap contributors, ODbL 1.0" in attr.text_content()
        assert "{{ 7*7 }} <b>x</b>" in attr.text_content() and attr.locator("b").count() == 0
        # switched off, the roads (the only OSM-derived layer here) take their attribution along
        title = i18n.layer_title(manifest["layers"]["roads"], "zh")
        page.locator(".leaflet-control-layers").hover()   # collapsed: it opens on hover
        page.locator(".leaflet-control-layers label", has_text=title).locator("input").click()
        page.wait_for_timeout(200)
        assert "OpenStreetMap" not in attr.text_content()
        assert p.errors == [] and p.blocked == []
    finally:
        page.close()


def test_osm_sourced_layers_get_the_odbl_credit(layers, manifest):
    from songnan_geo.maps.controls import Attribution

    def credits(m):
        return [c.text for c in m._children.values() if isinstance(c, Attribution)]

    assert credits(build_map(layers, manifest)) == []
    layers["roads"] = layers["roads"].assign(source="© OpenStreetMap contributors, extract 2026-11")
    bare = copy.deepcopy(manifest)
    bare["layers"]["roads"].pop("attribution", None)
    assert credits(build_map(layers, bare, lang="en")) == ["© OpenStreetMap contributors (ODbL)"]
    # a layer whose manifest names its attribution credits itself (Leaflet, while it is shown)
    named = copy.deepcopy(bare)
    named["layers"]["roads"]["attribution"] = "© OpenStreetMap contributors, ODbL 1.0"
    m = build_map(layers, named, lang="en")
    assert credits(m) == [] and "ODbL 1.0" in m.get_root().render()
