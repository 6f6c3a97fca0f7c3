"""Sources said in words (songnan_geo.layers.provenance): no path, file name or id kept."""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from songnan_geo.layers.provenance import layer_provenance, source_in_words, table_in_words
from songnan_geo.text.i18n import t

OSM = ("OpenStreetMap railway=station (Overpass snapshot 2026-08-18, owner/repo:data/x.json), "
       "via shared/reference/osm_metro_stations.csv; © OpenStreetMap contributors, ODbL 1.0；OSM node/1")
PLAN_BAIDU = ("名称、状态依据：《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月)；"
              "坐标：shared/reference/pois.csv（百度 BD-09 → WGS84）")


def test_known_sources_in_words_in_each_language():
    assert source_in_words(OSM, "en") == "OpenStreetMap contributors (ODbL 1.0)"
    assert source_in_words(OSM, "zh") == t("prov_osm", "zh")
    assert source_in_words(PLAN_BAIDU, "en") == (
        t("prov_plan14", "en") + "; " + t("prov_baidu", "en"))
    for lang in ("zh", "en"):
        for text in (OSM, PLAN_BAIDU):
            said = source_in_words(text, lang)
            assert "/" not in said and ".csv" not in said and "node" not in said


def test_unknown_and_empty_sources():
    assert source_in_words("a note from an import, see C:/x.txt", "en") == t("prov_other", "en")
    assert source_in_words("", "zh") == "" and source_in_words(None, "en") == ""


def test_layer_provenance_counts_and_keeps_the_records():
    gdf = gpd.GeoDataFrame({"source": [OSM, OSM, PLAN_BAIDU], "osm_id": ["node/1", "node/1", None],
                            "note": ["换乘（OpenStreetMap way/46）", None, "x"]},
                           geometry=[Point(121.5, 31.3)] * 3, crs="EPSG:4326")
    prov = layer_provenance(gdf, {"file": "metro_stations.geojson"}, "en")
    assert prov.words == [(t("prov_osm", "en"), 2), (t("prov_plan14", "en"), 1),
                          (t("prov_baidu", "en"), 1)]
    assert prov.records == [(OSM, 2), (PLAN_BAIDU, 1)]
    assert prov.data_file == "metro_stations.geojson"
    table = table_in_words(gdf, "zh")
    assert list(table.columns) == ["source", "note"]
    assert table["note"][0] == "换乘（OpenStreetMap）"
    assert table["source"][0] == t("prov_osm", "zh")
