"""The shipped data: schemas, places, references, the plan's words and counts."""
import csv
import re

import geopandas as gpd
import numpy as np
import pytest

from songnan_geo.crs import area_m2, to_town_crs
from songnan_geo.io import DEFAULT_DATA_DIR, load_all_layers, read_manifest, read_plan_text
from songnan_geo.plan import quote_in_plan
from songnan_geo.zones import in_centre, zone_membership

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
    assert abs(b["area_km2"] - 13.65) / 13.65 < 0.20     # the README discusses the difference
    assert bool(b["estimated"])


def _reference_stations():
    with open(DEFAULT_DATA_DIR / "reference" / "metro_stations.csv", encoding="utf-8") as fh:
        return {(r["name"], r["line"]): (float(r["lon_wgs84"]), float(r["lat_wgs84"])) for r in csv.DictReader(fh)}


def test_stations_match_the_reference_they_cite(L):
    ref = _reference_stations()
    st = L["metro_stations"]
    cited = st[st["ref_lon"].notna()]
    assert len(cited) >= 10
    dists = []
    for _, s in cited.iterrows():
        lines = s["lines"].split("、")
        refs = {ref[(s["name"], line)] for line in lines}
        assert refs == {(s["ref_lon"], s["ref_lat"])}, s["name"]          # cites the CSV exactly
        pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([s.geometry.x, s["ref_lon"]],
                                                           [s.geometry.y, s["ref_lat"]]), crs=4326)
        p = to_town_crs(pts).geometry
        dists.append(p.iloc[0].distance(p.iloc[1]))
    assert max(dists) <= 30.0
    uncited = st[st["ref_lon"].isna()]
    assert uncited["estimated"].all() and set(uncited["name"]) >= {"通南路", "江杨南路"}


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
              "中节能铁合金厂地块", "淞申水产地块", "原云峰钢材市场备用地", "中成智谷", "侨福芳草地", "上港集发地块（配套）"]:
        assert n in p.index, n
    assert p.loc["沪北物流地块", "plan_target"] == "出让" and p.loc["东亚地块", "status"] == "收储"
    assert p.loc["中成智谷", "plan_target"] == "规划调整"
    assert p.loc["原云峰钢材市场备用地", "plan_target"] == "规划编制"
    assert p.loc["宝武不锈钢地块", "plan_target"] == "先行先试研究"
    assert p.loc["淞申水产地块", "plan_target"] == "开发建设"
    assert p["estimated"].all()


def test_carrier_parks_named_in_the_plan(L):
    names = " ".join(L["carrier_parks"]["name"])
    for n in ["复旦软件园", "华滋奔腾", "中成智谷", "同济创园一期", "同济创园二期", "上海国际工业设计中心", "中城制造产业园",
              "上海移动互联网创新园", "华泽星和直播园", "微盟总部", "微谱宝山基地", "厚友金融云数据中心", "中科创智国际科创中心"]:
        assert n in names, n
    yy = L["carrier_parks"][L["carrier_parks"]["yiyuan_lou"]]["name"]
    assert len(yy) == 2          # the plan: “建成华滋奔腾、复旦软件园高新技术产业基地 2 个亿元楼”


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


def test_accuracy_and_estimated_flags_are_consistent(L):
    for name, gdf in L.items():
        exact = gdf[~gdf["estimated"]]
        assert (exact["accuracy_m"] <= 100).all(), f"{name}: unestimated features claim > 100 m accuracy"
        assert re.search(r"\S", " ".join(gdf["source"]))
