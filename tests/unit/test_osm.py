"""OpenStreetMap onboarding (songnan_geo.layers.osm, osm_read, osm_build; cli.osm): extracts built
in the test itself.

The extract is laid out in TOWN_CRS metres around (121.49°E, 31.34°N) so that every expected
distance and area is exact arithmetic; it is written as OSM XML text, and converted to PBF
with pyosmium's writer (no network, no fixture files).

Layout (x, y in metres from the origin; the town is the square 0..1000 × 0..1000):

* 淞南路 (residential): A(100,500) – X(300,500) – B(500,500) – C(900,500)
* 长江路 (tertiary):    D(500,100) – B – E(500,900)
* unnamed footway:      F(100,100) – G(100,300) – A
* 天桥 (footway, bridge): P(300,300) – X'(300,700)… via its own node X2 at (300,500) — same place
  as X, different OSM node: a bridge over 淞南路, not a junction
* excluded: a motorway, a footway with foot=no, a footway 5 km away
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import layerstore_testlib as _lt
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from songnan_geo.coords.crs import STORAGE_CRS, TOWN_CRS
from songnan_geo.layers import osm, osm_build
from songnan_geo.layers.io import DEFAULT_DATA_DIR, LayerValidationError, load_all_layers, load_layer
from songnan_geo.layers.layerstore import LayerStore
from songnan_geo.lifecircle.network import WalkNetwork

osmium = pytest.importorskip("osmium")

# Genuine logged-in editors (a real login against a tracker store of the test).
cli_editor_env, editor, editors, layer_editors, store_path = (
    _lt.cli_editor_env, _lt.editor, _lt.editors, _lt.layer_editors, _lt.store_path)

REPO = Path(__file__).resolve().parent.parent.parent
TS = "2026-11-28T21:00:00Z"
_TO_TOWN = Transformer.from_crs(STORAGE_CRS, TOWN_CRS, always_xy=True)
_TO_WGS = Transformer.from_crs(TOWN_CRS, STORAGE_CRS, always_xy=True)
X0, Y0 = _TO_TOWN.transform(121.49, 31.34)


def lonlat(x, y):
    return _TO_WGS.transform(X0 + x, Y0 + y)


NODES = {  # id: (x, y, tags)
    1: (100, 500, {}), 2: (300, 500, {}), 3: (500, 500, {}), 4: (900, 500, {}),   # A X B C
    5: (500, 100, {}), 6: (500, 900, {}),                                           # D E
    7: (100, 100, {}), 8: (100, 300, {}),                                           # F G
    9: (300, 300, {}), 10: (300, 500, {}), 11: (300, 700, {}),                      # P X2 Q
    # boundary square corners
    20: (0, 0, {}), 21: (1000, 0, {}), 22: (1000, 1000, {}), 23: (0, 1000, {}),
    # excluded ways
    30: (50, 950, {}), 31: (950, 950, {}), 32: (50, 900, {}), 33: (950, 900, {}),
    34: (5000, 0, {}), 35: (5000, 400, {}),
    # river line (runs past the clip) and a lake with an island (multipolygon)
    40: (-2000, 980, {}), 41: (3000, 980, {}),
    42: (700, 700, {}), 43: (800, 700, {}), 44: (800, 800, {}), 45: (700, 800, {}),
    46: (740, 740, {}), 47: (760, 740, {}), 48: (760, 760, {}), 49: (740, 760, {}),
    # a pond (closed way)
    50: (850, 150, {}), 51: (870, 150, {}), 52: (870, 170, {}), 53: (850, 170, {}),
    # buildings: 20 × 40 m with 6 levels; 10 × 10 m no levels (yes); 10 × 20 m height 30 m
    60: (200, 600, {}), 61: (220, 600, {}), 62: (220, 640, {}), 63: (200, 640, {}),
    64: (600, 600, {}), 65: (610, 600, {}), 66: (610, 610, {}), 67: (600, 610, {}),
    68: (600, 300, {}), 69: (610, 300, {}), 70: (610, 320, {}), 71: (600, 320, {}),
    # park (closed way, POI)
    72: (150, 750, {}), 73: (250, 750, {}), 74: (250, 850, {}), 75: (150, 850, {}),
    # a long ditch (17 nodes) that starts, turns and ends 3 km away but crosses the town
    **{200 + k: (xy[0], xy[1], {}) for k, xy in enumerate(
        [(-3000, 3000)] + [(-3000 + 600 * k, 2400 - 600 * k) for k in range(1, 7)]
        + [(600, 300), (-3000, 3100)] + [(600 - 600 * k, 300 + 400 * k) for k in range(1, 8)]
        + [(-3000, 3200)])},
    # POI nodes
    100: (520, 520, {"amenity": "school", "name": "宝山区试验小学"}),
    101: (540, 520, {"amenity": "school", "name": "上海市长江第二中学"}),
    102: (560, 520, {"amenity": "school", "name": "淞南高级中学"}),
    103: (580, 520, {"amenity": "kindergarten", "addr:street": "淞南路"}),
    104: (600, 520, {"amenity": "clinic", "name": "淞南镇社区卫生服务中心"}),
    105: (620, 520, {"healthcare": "doctor", "name": "张华浜卫生站"}),
    106: (640, 520, {"amenity": "social_facility", "social_facility": "nursing_home",
                     "name": "淞南养老院"}),
    107: (660, 520, {"amenity": "restaurant", "name": "饭店"}),
    108: (4000, 4000, {"amenity": "school", "name": "远处小学"}),
    109: (680, 520, {"amenity": "school", "name": "<script>{{ x }}</script>小学"}),
}
WAYS = {  # id: (node ids, tags)
    1: ([1, 2, 3, 4], {"highway": "residential", "name": "淞南路"}),
    2: ([5, 3, 6], {"highway": "tertiary", "name": "长江路"}),
    3: ([7, 8, 1], {"highway": "footway"}),
    4: ([9, 10, 11], {"highway": "footway", "bridge": "yes", "name": "天桥"}),
    5: ([30, 31], {"highway": "motorway", "name": "外环"}),
    6: ([32, 33], {"highway": "footway", "foot": "no"}),
    7: ([34, 35], {"highway": "footway", "name": "远路"}),
    # boundary sides (untagged members)
    10: ([20, 21], {}), 11: ([21, 22], {}), 12: ([22, 23], {}), 13: ([23, 20], {}),
    20: ([40, 41], {"waterway": "river", "name": "蕰藻浜", "width": "60"}),
    21: ([42, 43, 44, 45, 42], {}), 22: ([46, 47, 48, 49, 46], {}),
    23: ([50, 51, 52, 53, 50], {"natural": "water"}),
    24: (list(range(200, 217)), {"waterway": "ditch", "name": "长沟"}),
    30: ([60, 61, 62, 63, 60], {"building": "apartments", "building:levels": "6",
                                "name": "淞南一村1号楼"}),
    31: ([64, 65, 66, 67, 64], {"building": "yes"}),
    32: ([68, 69, 70, 71, 68], {"building": "residential", "height": "30"}),
    33: ([72, 73, 74, 75, 72], {"leisure": "park", "name": "淞南公园"}),
}
RELATIONS = {
    1: ([(10, "outer"), (11, "outer"), (12, "outer"), (13, "outer")],
        {"type": "boundary", "boundary": "administrative", "admin_level": "8",
         "name": "淞南镇", "name:en": "Songnan"}),
    2: ([(21, "outer"), (22, "inner")], {"type": "multipolygon", "natural": "water",
                                         "name": "小湖"}),
}


def _esc(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _tags(tags: dict) -> str:
    return "".join(f'<tag k="{_esc(k)}" v="{_esc(v)}"/>' for k, v in tags.items())


def write_xml(path: Path, *, with_boundary=True, nodes=NODES, ways=WAYS, header_ts=True) -> Path:
    """The layout as OSM XML (objects dated 2026-11-0x; header timestamp TS)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<osm version="0.6" generator="test"{f" timestamp={chr(34)}{TS}{chr(34)}" if header_ts else ""}>']
    for nid, (x, y, tags) in nodes.items():
        lon, lat = lonlat(x, y)
        out.append(f'<node id="{nid}" version="1" timestamp="2026-11-01T00:00:00Z" '
                   f'lat="{lat:.9f}" lon="{lon:.9f}">{_tags(tags)}</node>')
    for wid, (refs, tags) in ways.items():
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        out.append(f'<way id="{wid}" version="1" timestamp="2026-11-02T00:00:00Z">'
                   f'{nds}{_tags(tags)}</way>')
    for rid, (members, tags) in RELATIONS.items():
        if rid == 1 and not with_boundary:
            continue
        mem = "".join(f'<member type="way" ref="{r}" role="{role}"/>' for r, role in members)
        out.append(f'<relation id="{rid}" version="1" timestamp="2026-11-03T00:00:00Z">'
                   f'{mem}{_tags(tags)}</relation>')
    out.append("</osm>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def write_pbf(xml: Path, path: Path, replication_ts: str | None = TS) -> Path:
    """The same extract as PBF, written by pyosmium's writer (header timestamp set)."""
    header = osmium.io.Header()
    if replication_ts:
        header.set("osmosis_replication_timestamp", replication_ts)
    writer = osmium.SimpleWriter(str(path), header=header)
    try:
        osmium.apply(str(xml), writer)
    finally:
        writer.close()
    return path


@pytest.fixture
def extracts(tmp_path):
    xml = write_xml(tmp_path / "town.osm")
    return {"xml": xml, "pbf": write_pbf(xml, tmp_path / "town.osm.pbf")}


@pytest.fixture
def data_dir(tmp_path):
    dest = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, dest)
    return dest


def town_xy(gdf):
    return np.c_[gdf.to_crs(TOWN_CRS).get_coordinates().to_numpy()] - [X0, Y0]


# ---------------------------------------------------------------------------- reading


@pytest.mark.parametrize("fmt", ["xml", "pbf"])
def test_network_follows_osm_topology(extracts, fmt):
    build = osm.build_from_extract(extracts[fmt], {}, layers=["roads"], margin_m=200)
    roads = build.layers["roads"]
    # 淞南路 split at A and B (shared with the footway and 长江路), 长江路 at B; the bridge whole
    assert sorted(zip(roads["u"], roads["v"])) == [(1, 3), (3, 4), (3, 6), (5, 3), (7, 1),
                                                   (9, 11)]
    np.testing.assert_allclose(sorted(roads["length_m"]), [400.0] * 6, atol=0.02)
    assert set(roads["name"]) >= {"淞南路", "长江路", "天桥", "人行道"}
    assert "外环" not in set(roads["name"]) and "远路" not in set(roads["name"])
    assert set(roads["road_class"]) == {"支路", "步行道"}
    net = WalkNetwork.from_roads(roads)
    pts = np.c_[[X0 + 100, X0 + 300], [Y0 + 100, Y0 + 300]]       # F, P
    src = np.c_[[X0 + 500], [Y0 + 900]]                            # E
    walk, snap, _ = net.point_distance_m(pts, src)
    # F → G → A → X → B → E = 200 + 200 + 200 + 200 + 400; P is on the bridge: unreachable
    assert walk[0] == pytest.approx(1200.0, abs=0.05)
    assert math.isinf(walk[1])
    # Noded by geometry instead, the bridge would meet 淞南路 at X: P → X → B → E = 800
    geo = WalkNetwork.from_roads(roads.drop(columns=["u", "v"]))
    assert geo.point_distance_m(pts, src)[0][1] == pytest.approx(800.0, abs=0.05)


def test_mixed_roads_join_hand_drawn_lines_by_place(extracts):
    roads = osm.build_from_extract(extracts["pbf"], {}, layers=["roads"],
                                   margin_m=200).layers["roads"]
    x, y = lonlat(900, 500), lonlat(900, 800)       # from C northwards, drawn by hand
    drawn = gpd.GeoDataFrame({"u": [None], "v": [None]},
                             geometry=[shapely.LineString([x, y])], crs=STORAGE_CRS)
    both = gpd.GeoDataFrame(
        __import__("pandas").concat([roads[["u", "v", "geometry"]], drawn], ignore_index=True),
        geometry="geometry", crs=STORAGE_CRS)
    net = WalkNetwork.from_roads(both)
    walk = net.point_distance_m(np.c_[[X0 + 900], [Y0 + 800]], np.c_[[X0 + 500], [Y0 + 500]])[0]
    assert walk[0] == pytest.approx(700.0, abs=0.05)      # 300 drawn + C → B 400


@pytest.mark.parametrize("fmt", ["xml", "pbf"])
def test_boundary_water_buildings_pois(extracts, data_dir, fmt):
    current = load_all_layers(data_dir)
    build = osm.build_from_extract(extracts[fmt], current, margin_m=200,
                                   allowed_types=_facility_types(data_dir))
    assert build.timestamp == TS if fmt == "pbf" else build.timestamp.startswith("2026-11-0")
    # boundary: the relation's square, 1 km²
    b = build.layers["boundary"]
    assert b["name"].tolist() == ["淞南镇"] and b["osm_id"].tolist() == [1]
    assert b["area_km2"].iloc[0] == pytest.approx(1.0, abs=0.005)
    assert b["reference_area_km2"].iloc[0] == current["boundary"]["reference_area_km2"].iloc[0]
    assert build.boundary_from == "relation r1"
    # water: river line, the lake minus its island (10000 − 400 m²), the pond (400 m²)
    w = build.layers["rivers"].set_index("id")
    assert w.loc["osm-w20", "kind"] == "河道" and w.loc["osm-w20", "width_m"] == 60
    # a long way is tested by its whole box, not by its first, middle and last node
    assert w.loc["osm-w24", "name"] == "长沟" and len(w.loc["osm-w24", "geometry"].coords) == 17
    areas = w[w.geometry.geom_type == "Polygon"].to_crs(TOWN_CRS).area
    assert areas["osm-r2"] == pytest.approx(9600, rel=1e-3)
    assert areas["osm-w23"] == pytest.approx(400, rel=1e-3)
    assert w.loc["osm-r2", "name"] == "小湖" and w.loc["osm-w23", "kind"] == "水面"
    # buildings: levels from the tag, from height, from the default
    bl = build.layers["buildings"].set_index("id")
    assert bl.loc["osm-w30", ["levels", "levels_estimated", "estimated"]].tolist() == [6, False, False]
    assert bl.loc["osm-w30", "footprint_m2"] == pytest.approx(800, rel=1e-3)
    assert bl.loc["osm-w30", "floor_area_m2"] == pytest.approx(4800, rel=1e-3)
    assert bl.loc["osm-w32", ["levels", "levels_estimated"]].tolist() == [10, True]
    assert bl.loc["osm-w31", "levels"] == osm_build.DEFAULT_LEVELS["*"]
    assert bl.loc["osm-w31", "estimated"] and "默认" in bl.loc["osm-w31", "note"]
    # POIs typed by the planner's table
    f = build.layers["facilities"]
    osm_f = f[f["id"].str.startswith("osm-")].set_index("id")
    assert osm_f.loc["osm-n100", "type"] == "小学"
    assert osm_f.loc["osm-n101", "type"] == "初中"
    assert osm_f.loc["osm-n102", "type"] == "高中"
    assert osm_f.loc["osm-n103", ["type", "name"]].tolist() == ["幼儿园", "幼儿园（淞南路）"]
    assert osm_f.loc["osm-n104", "type"] == "社区卫生服务中心"
    assert osm_f.loc["osm-n105", "type"] == "社区卫生服务站"
    assert osm_f.loc["osm-n106", "type"] == "养老院"
    assert osm_f.loc["osm-w33", "type"] == "公园绿地"
    assert "osm-n108" not in osm_f.index             # outside the town + margin
    assert build.untyped_pois["name"].tolist() == ["饭店"]
    # names are data, kept as written (escaping is the renderer's job)
    assert osm_f.loc["osm-n109", ["name", "type"]].tolist() == ["<script>{{ x }}</script>小学",
                                                               "小学"]
    # planned facilities of the current layer are kept
    planned = current["facilities"][current["facilities"]["state"] == "规划"]
    assert set(planned["id"]) <= set(f["id"])
    # provenance on every feature of every layer
    for name, gdf in build.layers.items():
        src = gdf[gdf["id"].str.startswith("osm-") | (gdf["id"] == "songnan")]["source"]
        assert len(src) and (src == f"© OpenStreetMap contributors, ODbL 1.0, extract of "
                                    f"{build.timestamp}").all(), name


def _facility_types(data_dir):
    schema = json.loads((data_dir / "schema" / "facilities.schema.json").read_text("utf-8"))
    return schema["properties"]["type"]["enum"]


def test_poi_table_is_read_in_order_and_checked(tmp_path):
    rules = osm_build.read_poi_types()
    assert osm_build.facility_type({"amenity": "school", "name": "淞南中学"}, rules) == "初中"
    assert osm_build.facility_type({"amenity": "school", "name": "淞南高级中学"}, rules) == "高中"
    assert osm_build.facility_type({"amenity": "school", "name": "淞南幼儿园"}, rules) == "幼儿园"
    assert osm_build.facility_type({"amenity": "cafe"}, rules) is None
    bad = tmp_path / "t.csv"
    bad.write_text("key,value,name_contains,facility_type,note\namenity,school,,大学,\n"
                   ",x,,小学,\n", encoding="utf-8")
    with pytest.raises(osm.OsmError) as exc:
        osm_build.read_poi_types(bad, allowed_types=["小学"])
    assert "2 problem(s)" in str(exc.value) and "大学" in str(exc.value)
    # the planner changes the table: a school becomes 初中 by name
    mine = tmp_path / "mine.csv"
    mine.write_text("key,value,name_contains,facility_type,note\n"
                    "amenity,school,第二小学,初中,试验\n", encoding="utf-8")
    assert osm_build.facility_type({"amenity": "school", "name": "宝山区淞南第二小学"},
                             osm_build.read_poi_types(mine)) == "初中"


def test_no_relation_clips_to_the_current_boundary(tmp_path, data_dir):
    xml = write_xml(tmp_path / "nob.osm", with_boundary=False)
    current = load_all_layers(data_dir)
    build = osm.build_from_extract(xml, current, layers=["roads", "boundary"], margin_m=200)
    assert "boundary" not in build.layers and build.skipped["boundary"] == "no_relation"
    assert "淞南镇" in osm.SKIP_REASONS["no_relation"]
    assert build.boundary_from == "current boundary layer"
    with pytest.raises(osm.OsmError, match="no administrative relation named 淞南镇"):
        osm.build_from_extract(xml, {}, layers=["roads"])


def test_unreadable_and_undated_extracts(tmp_path):
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"not an extract" * 10)
    with pytest.raises(osm.OsmError, match="could not be read as OSM data"):
        osm.build_from_extract(junk, {}, layers=["roads"])
    with pytest.raises(osm.OsmError, match="does not exist"):
        osm.build_from_extract(tmp_path / "missing.osm", {}, layers=["roads"])
    with pytest.raises(osm.OsmError, match="unknown layer"):
        osm.parse_layers("roads,metro")
    # a way that refers to a node the extract lacks (a cut-off Overpass export): no crash,
    # the way runs between the nodes it has
    gap = write_xml(tmp_path / "gap.osm", ways={**WAYS, 8: ([7, 999, 5], {"highway": "footway"})})
    roads = osm.build_from_extract(gap, {}, layers=["roads"], margin_m=200).layers["roads"]
    edge = roads[(roads["u"] == 7) & (roads["v"] == 5)]
    assert edge["length_m"].tolist() == [pytest.approx(400.0, abs=0.02)]
    undated = {k: v for k, v in NODES.items()}
    xml = write_xml(tmp_path / "u.osm", nodes=undated, header_ts=False)
    text = xml.read_text("utf-8").replace(' timestamp="2026-11-0', ' x="')
    xml.write_text(text, "utf-8")
    with pytest.raises(osm.OsmError, match="no timestamp"):
        osm.build_from_extract(xml, {}, layers=["roads"])


# ---------------------------------------------------------------------------- diff, write, undo


def _versions(store, build):
    """The layer versions a preview of ``build`` was made against."""
    return osm.layer_versions(store, list(build.layers))


def test_a_write_needs_an_editor_and_a_current_version(extracts, data_dir, layer_editors):
    """Refused without a logged-in editor, or when another editor changed a layer since the
    preview (naming them); nothing is written either way."""
    from songnan_geo.auth import EditorRequiredError
    from songnan_geo.layers.layerstore import StaleLayerError

    build = osm.build_from_extract(extracts["pbf"], load_all_layers(data_dir), margin_m=200,
                                   layers=["roads"])
    store = LayerStore(data_dir)
    seen = _versions(store, build)
    before = (data_dir / "roads.geojson").read_bytes()
    with pytest.raises(EditorRequiredError):
        osm.write_layers(build, store, editor=None, base_versions=seen)
    assert (data_dir / "roads.geojson").read_bytes() == before
    bob = layer_editors["bob"]
    osm.write_layers(build, store, editor=bob, base_versions=seen)   # bob stores first
    after_bob = (data_dir / "roads.geojson").read_bytes()
    with pytest.raises(StaleLayerError) as exc:
        osm.write_layers(build, store, editor=layer_editors["alice"], base_versions=seen)
    assert exc.value.editor == "bob"
    assert (data_dir / "roads.geojson").read_bytes() == after_bob


def test_diff_previews_added_removed_moved(extracts, data_dir, editor):
    current = load_all_layers(data_dir)
    build = osm.build_from_extract(extracts["pbf"], current, margin_m=200,
                                   allowed_types=_facility_types(data_dir))
    diff = osm.diff_layers(build, current, moved_m=50)
    fac = diff[diff["layer"] == "facilities"].set_index("name")
    # matched by name: the shipped health centre, moved to the OSM position
    old = current["facilities"].set_index("name").loc[["淞南镇社区卫生服务中心"]]
    new_xy = np.array([[X0 + 600, Y0 + 520]])
    expect = float(np.hypot(*(town_xy(old)[0] + [X0, Y0] - new_xy[0])))
    row = fac.loc["淞南镇社区卫生服务中心"]
    assert row["matched_by"] == "name" and row["change"] == "moved"
    assert row["shift_m"] == pytest.approx(expect, abs=0.2)
    assert fac.loc["宝山区试验小学", "change"] == "added"
    removed = set(diff[(diff["layer"] == "facilities") & (diff["change"] == "removed")]["id"])
    existing = current["facilities"][current["facilities"]["state"] == "现有"]
    osm_names = set(build.layers["facilities"]["name"])
    assert {"淞南镇社区卫生服务中心", "淞南公园"} <= osm_names & set(existing["name"])
    assert removed == set(existing[~existing["name"].isin(osm_names)]["id"])
    assert fac.loc["淞南公园", "matched_by"] == "name"
    roads = diff[diff["layer"] == "roads"].set_index("name")
    assert roads.loc["淞南路", "matched_by"] == "name" and roads.loc["淞南路", "change"] == "moved"
    assert roads.loc["天桥", "change"] == "added"
    assert roads.loc["（无名 步行道）", "features"] == 1
    assert roads.loc["逸仙路", "change"] == "removed"
    assert diff[diff["layer"] == "buildings"]["change"].eq("added").all()
    summary = osm.diff_summary(diff)
    assert summary.loc["buildings", "added"] == 3
    assert summary.loc["boundary", "moved"] == 1
    # a second import of the same extract after writing: everything kept, nothing moved
    store = LayerStore(data_dir)
    osm.write_layers(build, store, editor=editor, base_versions=_versions(store, build))
    again = osm.diff_layers(build, load_all_layers(data_dir), moved_m=50)
    assert set(again["change"]) == {"kept"}
    assert again["shift_m"].max() == pytest.approx(0.0, abs=1e-6)


def test_write_validates_stores_and_undoes(extracts, data_dir, editor):
    before = {p.name: p.read_bytes() for p in data_dir.glob("*.geojson")}
    before_manifest = (data_dir / "manifest.json").read_bytes()
    current = load_all_layers(data_dir)
    build = osm.build_from_extract(extracts["xml"], current, margin_m=200,
                                   allowed_types=_facility_types(data_dir))
    store = LayerStore(data_dir)
    ops = osm.write_layers(build, store, editor=editor, base_versions=_versions(store, build),
                           extract_name="town.osm")
    assert [op.layer for op in ops] == list(build.layers)
    assert {op.action for op in ops} == {"replace", "add"}
    roads = load_layer("roads", data_dir)
    assert {"u", "v", "length_m", "osm_id"} <= set(roads.columns)
    assert load_layer("buildings", data_dir)["floor_area_m2"].sum() == pytest.approx(
        build.layers["buildings"]["floor_area_m2"].sum())
    # the walking network of the stored layer is the OSM one
    net = WalkNetwork.from_roads(roads)
    assert net.n_edges == 9 and len(set(net.components())) == 2   # town + the bridge
    for op in reversed(ops):
        assert osm.store_undo(store, editor, op_id=op.id).id == op.id
        assert op.editor == "alice"
    assert {p.name: p.read_bytes() for p in data_dir.glob("*.geojson")} == before
    assert (data_dir / "manifest.json").read_bytes() == before_manifest


def test_invalid_build_writes_nothing(extracts, data_dir, editor):
    current = load_all_layers(data_dir)
    build = osm.build_from_extract(extracts["pbf"], current, margin_m=200,
                                   allowed_types=_facility_types(data_dir))
    build.layers["facilities"].loc[0, "type"] = "大学"
    build.layers["roads"].loc[0, "road_class"] = "高速"
    before = {p.name: p.read_bytes() for p in data_dir.glob("*.geojson")}
    with pytest.raises(LayerValidationError) as exc:
        store = LayerStore(data_dir)
        osm.write_layers(build, store, editor=editor, base_versions=_versions(store, build))
    text = str(exc.value)
    assert "大学" in text and "高速" in text          # every layer's problems together
    assert {p.name: p.read_bytes() for p in data_dir.glob("*.geojson")} == before
    assert not (data_dir / ".backups" / "journal.jsonl").exists()


def test_demand_snap_before_and_after(extracts, data_dir):
    current = load_all_layers(data_dir)
    roads = osm.build_from_extract(extracts["pbf"], current, margin_m=200,
                                   layers=["roads"]).layers["roads"]
    # one square residential block 0..100 × 0..100 m right of the footway F–G (x = 100)
    x0, y0 = lonlat(100, 100)
    x1, y1 = lonlat(200, 200)
    res = gpd.GeoDataFrame({"population": [100]}, geometry=[shapely.box(x0, y0, x1, y1)],
                           crs=STORAGE_CRS)
    got = osm.demand_snap_m(roads, res, cell_m=25)
    # TOWN_CRS puts 121.49°E at x = 500000 exactly, so the 25 m grid is aligned with the
    # block: centres at 12.5, 37.5, 62.5, 87.5 m from the footway (x) — nearer to it than to
    # anything else: median of the 16 distances = (37.5 + 62.5) / 2
    assert got["points"] == 16
    assert got["median_m"] == pytest.approx(50.0, abs=0.2)
    assert got["weighted_median_m"] in (pytest.approx(37.5, abs=0.2), pytest.approx(62.5, abs=0.2))


def test_old_schema_is_named_and_nothing_written(extracts, data_dir, editor):
    build = osm.build_from_extract(extracts["pbf"], load_all_layers(data_dir), margin_m=200,
                                   layers=["roads"])
    path = data_dir / "schema" / "roads.schema.json"
    schema = json.loads(path.read_text("utf-8"))
    for field in ("u", "v", "osm_id", "highway", "length_m"):
        del schema["properties"][field]
    path.write_text(json.dumps(schema, ensure_ascii=False), "utf-8")
    before = (data_dir / "roads.geojson").read_bytes()
    with pytest.raises(osm.OsmError, match="predates OpenStreetMap import") as exc:
        store = LayerStore(data_dir)
        osm.write_layers(build, store, editor=editor, base_versions=_versions(store, build))
    assert "u, v" in str(exc.value) or "osm_id" in str(exc.value)
    assert (data_dir / "roads.geojson").read_bytes() == before


# ---------------------------------------------------------------------------- CLI


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "songnan_geo", "osm", *map(str, args)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)


@pytest.mark.slow
def test_cli_dry_run_write_and_errors(extracts, data_dir, tmp_path, cli_editor_env):
    before = (data_dir / "roads.geojson").read_bytes()
    r = _cli(extracts["pbf"], "--data-dir", data_dir, "--margin-m", 200, "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "dry run" in r.stdout and "roads" in r.stdout and "added" in r.stdout
    assert "snap to the walking network" in r.stdout
    assert "© OpenStreetMap contributors, ODbL 1.0, extract of 2026-11-28T21:00:00Z" in r.stdout
    assert (data_dir / "roads.geojson").read_bytes() == before
    r = _cli(extracts["pbf"], "--data-dir", data_dir, "--margin-m", 200, "--layers", "roads")
    assert r.returncode == 2 and "needs an editor" in r.stderr        # no --editor: refused
    assert (data_dir / "roads.geojson").read_bytes() == before
    r = _cli(extracts["pbf"], "--data-dir", data_dir, "--margin-m", 200, "--layers", "roads",
             *cli_editor_env)
    assert r.returncode == 0, r.stderr
    assert "stored 6 feature(s) in layer 'roads'" in r.stdout
    assert (data_dir / "roads.geojson").read_bytes() != before
    r = _cli("--undo", "--data-dir", data_dir, *cli_editor_env)
    assert r.returncode == 0 and "undone" in r.stdout
    assert (data_dir / "roads.geojson").read_bytes() == before
    r = _cli(tmp_path / "nope.osm.pbf", "--data-dir", data_dir)
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = _cli(extracts["pbf"], "--data-dir", data_dir, "--layers", "roads,metro")
    assert r.returncode == 2 and "unknown layer" in r.stderr
    r = _cli(extracts["pbf"], "--data-dir", DEFAULT_DATA_DIR, "--dry-run")
    assert r.returncode == 2 and "repository's own data/geo" in r.stderr
