"""The shipped data: schemas, places, references, the plan's words and counts."""
import csv
import re

import geopandas as gpd
import numpy as np
import pytest

from songnan_geo.coords.crs import area_m2, to_town_crs
from songnan_geo.layers.io import DEFAULT_DATA_DIR, load_all_layers, read_manifest, read_plan_text
from songnan_geo.plan.quotes import quote_in_plan
from songnan_geo.plan.zones import in_centre, zone_membership

MANIFEST = read_manifest()
README = (DEFAULT_DATA_DIR / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def L():
    return load_all_layers()


@pytest.fixture(scope="module")
def town_m(L):
    return to_town_crs(L["boundary"]).geometry.iloc[0]


def test_every_layer_is_documented_and_common_fields_present(L):
    for name, info in MANIFEST["layers"].items():
        assert f"`{info['file']}`" in README, f"data/geo/README.md has no entry for {info['file']}"
        gdf = L[name]
        for col in ("id", "name", "name_en", "source", "accuracy_m", "estimated"):
            assert gdf[col].notna().all(), (name, col)
        assert gdf.geometry.is_valid.all(), name


@pytest.mark.parametrize("name", [n for n, i in MANIFEST["layers"].items() if i.get("inside_boundary", True)])
def test_features_lie_inside_the_town(L, town_m, name):
    geoms = to_town_crs(L[name]).geometry
    outside = L[name].loc[~geoms.within(town_m.buffer(1.0)), "name"].tolist()   # 1 m for rounding
    assert outside == [], f"{name}: outside the town boundary: {outside}"


def test_layers_that_extend_beyond_the_town_say_why():
    for name, info in MANIFEST["layers"].items():
        if not info.get("inside_boundary", True):
            reason = info.get("inside_reason", {})
            assert len(reason.get("zh", "")) > 8 and len(reason.get("en", "")) > 10, name


def test_boundary_lies_in_baoshan_and_follows_the_yangpu_border_and_yunzaobang(L, town_m):
    d = to_town_crs(L["districts"]).set_index("name").geometry
    assert town_m.difference(d["宝山区"]).area < 10.0        # inside Baoshan (m²; 1e-6° rounding)
    along_yangpu = town_m.boundary.intersection(d["杨浦区"].buffer(15)).length
    assert along_yangpu > 3000, along_yangpu                                # shares ≥ 3 km of its border
    rivers = to_town_crs(L["rivers"]).set_index("id").geometry
    along_yzb = town_m.boundary.intersection(rivers["yunzaobang"].buffer(5)).length
    assert along_yzb > 4000, along_yzb                                      # north edge is 蕰藻浜
    along_xst = town_m.boundary.intersection(rivers["xisitang"].buffer(5)).length
    assert along_xst > 2000, along_xst                                      # west edge is 西泗塘河
    # the town does not reach Hongkou (the README explains); it stays ≥ 1 km away
    assert town_m.distance(d["虹口区"]) > 1000
    assert "虹口" in README


def test_boundary_area_is_stored_and_near_the_published_figure(L, town_m):
    b = L["boundary"].iloc[0]
    assert b["area_km2"] == pytest.approx(town_m.area / 1e6, abs=0.01)
    assert b["reference_area_km2"] == 13.65
    # c. 2002 figure; the outline holds Huangpu water and reaches over 一二八纪念路 (README discusses it)
    assert abs(b["area_km2"] - 13.65) / 13.65 < 0.30
    assert bool(b["estimated"])


def _reference_csv(name):
    with open(DEFAULT_DATA_DIR / "reference" / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _metric_points(lon_lat):
    lon, lat = zip(*lon_lat)
    return list(to_town_crs(gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)).geometry)


def test_every_station_is_within_30_m_of_openstreetmap(L):
    osm = {r["osm_id"]: r for r in _reference_csv("osm_metro_stations.csv")}
    st = L["metro_stations"]
    assert st["osm_id"].notna().all() and not st["estimated"].any()
    for _, s in st.iterrows():
        r = osm[s["osm_id"]]                                   # cites an OSM feature of the reference
        assert s["name"].split("（")[0] == r["name"], (s["name"], r["name"])
        assert (s["ref_lon"], s["ref_lat"]) == (float(r["lon_wgs84"]), float(r["lat_wgs84"]))
        assert "© OpenStreetMap contributors, ODbL 1.0" in s["source"] and s["osm_id"] in s["source"]
    here = _metric_points(zip(st.geometry.x, st.geometry.y))
    ref = _metric_points((float(osm[i]["lon_wgs84"]), float(osm[i]["lat_wgs84"])) for i in st["osm_id"])
    dists = [a.distance(b) for a, b in zip(here, ref)]                 # TOWN_CRS metres
    assert max(dists) <= 30.0, dict(zip(st["name"], dists))
    assert "© OpenStreetMap contributors, ODbL 1.0" in README


def test_layers_made_from_openstreetmap_carry_its_attribution(L):
    osm = "© OpenStreetMap contributors, ODbL 1.0"
    from_osm = {name for name, gdf in L.items() if gdf["source"].str.contains("OpenStreetMap").any()}
    assert {"metro_stations", "metro_lines", "zones", "roads"} <= from_osm
    for name in from_osm:
        assert MANIFEST["layers"][name].get("attribution") == osm, name
        assert all(osm in src for src in L[name]["source"] if "OpenStreetMap" in src), name


def test_line_18_runs_through_its_stations_in_order(L):
    order = ["复旦大学", "上海财经大学", "殷高路", "长江南路（18号线）", "通南路", "长江西路", "江杨南路",
             "爱辉路", "呼兰路", "康文路"]
    st = to_town_crs(L["metro_stations"]).set_index("name").geometry
    line = to_town_crs(L["metro_lines"]).set_index("line").geometry["18号线"]
    along = [line.project(st[n]) for n in order]
    assert all(line.distance(st[n]) < 1.0 for n in order)
    assert along == sorted(along) and len(set(along)) == len(order)
    # the separate Line 18 platform at 长江南路, ~290 m west of Line 3's station
    assert 250 < st["长江南路（18号线）"].distance(st["长江南路"]) < 330
    l3 = to_town_crs(L["metro_lines"]).set_index("line").geometry["3号线"]
    assert l3.distance(st["长江南路"]) < 1.0 and l3.distance(st["长江南路（18号线）"]) > 200


def test_songnan_stations_are_in_town(L, town_m):
    st = L["metro_stations"].set_index("name")
    pts = to_town_crs(st).geometry
    for name in ("长江南路", "淞发路", "张华浜", "通南路", "长江西路", "江杨南路"):
        assert pts[name].within(town_m), name


@pytest.mark.parametrize("zone_id,road", [("belt_yixian", "逸仙路"), ("belt_changjiang", "长江西路"),
                                          ("belt_changjiang", "长江路"), ("belt_jiangyang", "江杨南路")])
def test_each_belt_runs_along_its_road(L, zone_id, road):
    z = to_town_crs(L["zones"]).set_index("id").geometry[zone_id]
    r = to_town_crs(L["roads"][L["roads"]["segment_of"] == road]).geometry.union_all()
    assert z.intersects(r)
    assert r.intersection(z).length > 500       # not a touch: the road runs inside the belt


def test_centre_holds_tongnan_road_station_and_culture_sports_centre(L):
    c = to_town_crs(L["zones"]).set_index("id").geometry["centre"]
    st = to_town_crs(L["metro_stations"]).set_index("name").geometry
    fac = to_town_crs(L["facilities"]).set_index("name").geometry
    assert c.contains(st["通南路"]) and c.contains(fac["淞南镇文体中心"])
    # drawn around the real (OSM) station, not at its edge (the earlier centre missed it by 383 m)
    assert c.exterior.distance(st["通南路"]) > 300


def test_roads_are_noded_into_a_connected_network(L):
    import networkx as nx
    g = nx.Graph()
    for geom in to_town_crs(L["roads"]).geometry:
        a, b = geom.coords[0], geom.coords[-1]
        g.add_edge(tuple(np.round(a, 1)), tuple(np.round(b, 1)))
    assert nx.number_connected_components(g) == 1


def test_plan_quotes_are_word_for_word():
    plan = read_plan_text()
    layers = load_all_layers()
    checked = 0
    for name, gdf in layers.items():
        for col in [c for c in gdf.columns if c.endswith("_quote")]:
            for fid, q in zip(gdf["id"], gdf[col]):
                if q:
                    assert quote_in_plan(q, plan), f"{name}/{fid}/{col} is not in the plan: {q[:40]}…"
                    checked += 1
    assert checked >= 30


def test_plan_quote_check_can_fail():
    assert not quote_in_plan("完成沪北物流地块出让并建成", read_plan_text())


def test_derived_fields_agree_with_geometry(L):
    p = L["parcels"]
    assert np.allclose(p["area_m2"], area_m2(p), atol=1.0)
    def norm(s):
        return [v if isinstance(v, str) else None for v in s]
    assert norm(zone_membership(p, L["zones"])) == norm(p["zone_id"])
    assert list(in_centre(p, L["zones"])) == list(p["in_centre"])
    r = L["residential"]
    assert np.allclose(r["area_m2"], area_m2(r), atol=1.0)


def test_parcels_named_in_the_plan_with_status_and_targets(L):
    p = L["parcels"].set_index("name")
    for n in ["沪北物流地块", "沪东汽车地块", "东亚地块", "远洋地块", "宝武不锈钢地块", "申能吴淞煤气厂地块",
              "中节能铁合金厂地块", "淞申水产地块", "原云峰钢材市场备用地", "中成智谷", "侨福芳草地",
              "上港集发地块（配套）"]:
        assert n in p.index, n
    assert p.loc["沪北物流地块", "plan_target"] == "出让" and p.loc["东亚地块", "status"] == "收储"
    assert p.loc["中成智谷", "plan_target"] == "规划调整"
    assert p.loc["原云峰钢材市场备用地", "plan_target"] == "规划编制"
    assert p.loc["宝武不锈钢地块", "plan_target"] == "先行先试研究"
    assert p.loc["淞申水产地块", "plan_target"] == "开发建设"
    assert p["estimated"].all()


def test_carrier_parks_named_in_the_plan(L):
    names = " ".join(L["carrier_parks"]["name"])
    for n in ["复旦软件园", "华滋奔腾", "中成智谷", "同济创园一期", "同济创园二期", "上海国际工业设计中心",
              "中城制造产业园", "上海移动互联网创新园", "华泽星和直播园", "微盟总部", "微谱宝山基地",
              "厚友金融云数据中心", "中科创智国际科创中心"]:
        assert n in names, n
    yy = L["carrier_parks"][L["carrier_parks"]["yiyuan_lou"]]["name"]
    assert len(yy) == 2          # the plan: “建成华滋奔腾、复旦软件园高新技术产业基地 2 个亿元楼”


def test_no_placeholder_names_anywhere_in_the_shipped_data():
    for f in sorted(DEFAULT_DATA_DIR.glob("*.geojson")):
        assert "名称待核" not in f.read_text(encoding="utf-8"), f.name
        assert "name unverified" not in f.read_text(encoding="utf-8"), f.name


def test_facilities_carry_the_public_names_or_type_and_place(L):
    fac = L["facilities"].set_index("id")
    assert fac.loc["f_school_cj2", "name"] == "上海市长江第二中学"
    assert {"宝山区淞南中心校", "宝山区淞南第二小学"} <= set(fac["name"])
    assert (fac["type"] == "社区卫生服务中心").sum() == 1          # the public list: one, no 分中心
    assert fac["name"].is_unique
    unnamed = fac[fac["type"].isin(["社区卫生服务站", "助餐点", "日间照料中心", "长者照护之家"])]
    assert unnamed["name"].str.fullmatch(r"[^（]+（[^（）]+路[东西南北]）").all(), unnamed["name"].tolist()
    assert fac["estimated"].all()


def test_facilities_match_the_plan_counts(L):
    counts = L["facilities"]["type"].value_counts()
    assert counts["社区卫生服务站"] == 5
    assert counts["长者照护之家"] == 1 and counts["日间照料中心"] == 3 and counts["助餐点"] == 2
    names = set(L["facilities"]["name"])
    assert {"淞南镇养老院", "淞南镇市民活动中心", "淞南镇市民文化中心", "淞南镇社区卫生服务中心"} <= names


def test_24_neighbourhoods_with_estimated_population(L):
    r = L["residential"]
    assert len(r) == 24 and r["population"].gt(0).all()
    assert r["population_estimated"].all() and r["estimated"].all()
    assert r["population_method"].str.contains("估计").all()
    assert r["population_method"].str.contains("非统计数据").all()      # never presented as official


def test_the_24_official_juwei_with_their_codes_and_names(L):
    official = {row["code"]: row["name"] for row in _reference_csv("juwei_nbs2021.csv")}
    assert len(official) == 24
    r = L["residential"].set_index("id")
    assert dict(zip(r.index, r["name"])) == official
    assert r["name_verified"].all()
    assert r["source"].str.contains("统计用区划代码 2021").all()


def test_every_public_point_of_the_towns_juwei_lies_in_the_town_and_its_juwei(L, town_m):
    pts = _reference_csv("juwei_points.csv")
    official = {row["code"] for row in _reference_csv("juwei_nbs2021.csv")}
    assert {p["code"] for p in pts} == official
    r = to_town_crs(L["residential"]).set_index("id").geometry
    for p, pt in zip(pts, _metric_points((float(p["lon_wgs84"]), float(p["lat_wgs84"])) for p in pts)):
        assert pt.within(town_m), (p["name"], p["address"])
        assert r[p["code"]].contains(pt), (p["name"], p["address"])
    # the facts that moved the south edge: both 一二八纪念路 居委 are inside
    south = {p["name"] for p in pts if p["code"] in ("310113113018", "310113113019")}
    assert south == {"嘉骏花苑居委会", "盛达家园居委会"}
    # the one public coordinate (Baidu POI) is copied, not drawn
    poi = next(p for p in pts if p["basis"] == "poi")
    baidu = next(row for row in _reference_csv("pois.csv") if row["name"] == "华浜二村")
    assert ((float(poi["lon_wgs84"]), float(poi["lat_wgs84"]))
            == (float(baidu["lon_wgs84"]), float(baidu["lat_wgs84"])))


def test_accuracy_and_estimated_flags_are_consistent(L):
    for name, gdf in L.items():
        exact = gdf[~gdf["estimated"]]
        assert (exact["accuracy_m"] <= 100).all(), f"{name}: unestimated features claim > 100 m accuracy"
        assert re.search(r"\S", " ".join(gdf["source"]))
