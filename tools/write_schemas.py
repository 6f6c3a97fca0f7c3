"""Write data/geo/manifest.json and data/geo/schema/*.schema.json.

The schema files are data, checked in; this script is how they were made and is rerun
when a field or vocabulary changes. Vocabularies are defined once here.
"""
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data" / "geo"

PARCEL_STATUSES = ["研究/先行先试", "规划调整/编制", "收储", "出让准备", "已出让", "在建", "建成", "暂缓"]
PARK_STATES = ["运营", "在建", "规划"]
FACILITY_TYPES = [
    "社区卫生服务中心", "社区卫生服务站", "幼儿园", "小学", "初中", "高中", "养老院", "长者照护之家",
    "日间照料中心", "助餐点", "文化活动中心", "市民活动中心", "体育设施", "淞益中心/空间/居", "公园绿地",
]
FACILITY_STATES = ["现有", "规划"]
ROAD_CLASSES = ["快速路", "主干路", "次干路", "支路", "步行道"]
RIVER_KINDS = ["河道", "江", "水面"]
# OpenStreetMap id of a feature built from an extract (songnan_geo.layers.osm); null otherwise.
OSM_ID = {"type": ["integer", "null"], "description": "OpenStreetMap id (node/way/relation)"}
ZONE_KINDS = ["centre", "belt"]
STATION_STATES = ["运营", "未开通"]
# Layers made from OpenStreetMap data (the stations) or drawn from it (lines, belts, the centre, the
# streets through the stations): the map shows this next to them (ODbL 1.0, section 4.3).
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

COMMON = {
    "id": {"type": "string", "pattern": "^[a-z0-9_\\-]+$", "description": "Stable id"},
    "name": {"type": "string", "minLength": 1, "description": "Chinese name"},
    "name_en": {"type": "string", "minLength": 1, "description": "English name"},
    "source": {"type": "string", "minLength": 3, "description": "Where the geometry and values come from"},
    "accuracy_m": {"type": "number", "minimum": 0, "description": "Estimated positional accuracy, metres"},
    "estimated": {"type": "boolean", "description": "True where a shape or value is drawn or guessed"},
    "note": {"type": ["string", "null"]},
}
REQUIRED_COMMON = ["id", "name", "name_en", "source", "accuracy_m", "estimated"]
TEXT = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
NUM_OR_NULL = {"type": ["number", "null"], "minimum": 0}
INT_OR_NULL = {"type": ["integer", "null"], "minimum": 0}
YEAR_OR_NULL = {"type": ["integer", "null"], "minimum": 1990, "maximum": 2035}
DATE_OR_NULL = {"type": ["string", "null"], "pattern": "^\\d{4}(-\\d{2}(-\\d{2})?)?$"}


def schema(name, extra, required_extra):
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Songnan layer '{name}': feature properties",
        "type": "object",
        "properties": {**COMMON, **extra},
        "required": REQUIRED_COMMON + required_extra,
        "additionalProperties": False,
    }


LAYERS = {
    "districts": dict(
        title={"zh": "区界（参考）", "en": "District outlines (reference)"},
        geometry_types=["Polygon", "MultiPolygon"], group="context",
        inside_boundary=False,
        inside_reason={"zh": "参照：镇周边各区的完整区界。", "en": "Context: whole district outlines around the town."},
        style={"color": "#7f7f7f", "weight": 1.5, "fill_opacity": 0.0, "dash": "6 4"},
        fields={"adcode": {"type": "integer"}}, required=["adcode"]),
    "boundary": dict(
        title={"zh": "镇界", "en": "Town boundary"},
        geometry_types=["Polygon", "MultiPolygon"], group="base",
        style={"color": "#d62728", "weight": 3, "fill_opacity": 0.03},
        fields={"area_km2": {"type": "number", "exclusiveMinimum": 0},
                "reference_area_km2": NUM_OR_NULL, "reference_area_source": TEXT_OR_NULL,
                "osm_id": OSM_ID},
        required=["area_km2"]),
    "rivers": dict(
        title={"zh": "河道", "en": "Rivers"},
        geometry_types=["LineString", "MultiLineString", "Polygon", "MultiPolygon"], group="base",
        inside_boundary=False,
        inside_reason={"zh": "河道延伸出镇界；蕰藻浜、西泗塘河为镇界，黄浦江为东岸。", "en": "Rivers run on past the town; 蕰藻浜 and 西泗塘河 form its edges and the 黄浦江 is its east shore."},
        style={"color": "#3a8fd6", "weight": 4, "fill_opacity": 0.5},
        fields={"kind": {"enum": RIVER_KINDS}, "width_m": NUM_OR_NULL, "osm_id": OSM_ID},
        required=["kind"]),
    "roads": dict(
        attribution=OSM_ATTRIBUTION,
        title={"zh": "道路", "en": "Roads"},
        geometry_types=["LineString"], group="base",
        inside_boundary=False,
        inside_reason={"zh": "道路延伸至镇界外一段，使步行网络与周边相连。", "en": "Roads run one link beyond the edge so the walking network connects to neighbours."},
        style={"color": "#555555", "weight": 2},
        style_by="road_class",
        palette={"快速路": "#8c510a", "主干路": "#444444", "次干路": "#777777", "支路": "#aaaaaa",
                 "步行道": "#c7a17a"},
        weights={"快速路": 5, "主干路": 3.5, "次干路": 2.5, "支路": 1.5, "步行道": 1},
        # osm_id/highway/u/v/length_m: set by an OSM import; u and v are the OSM node ids of the
        # feature's ends, and the walking network joins features by them (songnan_geo.lifecircle.network).
        fields={"road_class": {"enum": ROAD_CLASSES}, "segment_of": TEXT, "osm_id": OSM_ID,
                "highway": TEXT_OR_NULL, "u": {"type": ["integer", "null"]},
                "v": {"type": ["integer", "null"]}, "length_m": NUM_OR_NULL},
        required=["road_class", "segment_of"]),
    "zones": dict(
        attribution=OSM_ATTRIBUTION,
        title={"zh": "一心三线", "en": "One centre, three belts"},
        geometry_types=["Polygon", "MultiPolygon"], group="plan",
        style={"color": "#333333", "weight": 1.5, "fill_opacity": 0.22},
        style_by="id",
        palette={"centre": "#e6550d", "belt_yixian": "#6a3d9a", "belt_changjiang": "#1f78b4", "belt_jiangyang": "#33a02c"},
        fields={"kind": {"enum": ZONE_KINDS}, "road": TEXT_OR_NULL, "functions": TEXT, "role_quote": TEXT,
                "industries_quote": TEXT_OR_NULL, "plan_ref": TEXT, "area_km2": {"type": "number", "exclusiveMinimum": 0}},
        required=["kind", "functions", "role_quote", "plan_ref", "area_km2"]),
    "residential": dict(
        title={"zh": "居住区（居委）", "en": "Residential areas (neighbourhood committees)"},
        geometry_types=["Polygon", "MultiPolygon"], group="people",
        style={"color": "#b8860b", "weight": 1, "fill_opacity": 0.25, "fill_color": "#f4d58d"},
        fields={"population": {"type": "integer", "minimum": 0}, "population_estimated": {"type": "boolean"},
                "population_method": TEXT, "name_verified": {"type": "boolean"}, "address": TEXT_OR_NULL,
                "area_m2": {"type": "number", "exclusiveMinimum": 0}},
        required=["population", "population_estimated", "population_method", "name_verified", "area_m2"]),
    "parcels": dict(
        title={"zh": "重点地块", "en": "Key parcels"},
        geometry_types=["Polygon", "MultiPolygon"], group="plan",
        style={"color": "#222222", "weight": 2, "fill_opacity": 0.55},
        style_by="status",
        palette={"研究/先行先试": "#9e9ac8", "规划调整/编制": "#6baed6", "收储": "#fdae6b", "出让准备": "#fd8d3c",
                 "已出让": "#e6550d", "在建": "#74c476", "建成": "#238b45", "暂缓": "#bdbdbd"},
        fields={"status": {"enum": PARCEL_STATUSES}, "status_as_of": DATE_OR_NULL, "status_source": TEXT,
                "plan_target": TEXT_OR_NULL, "plan_deadline": DATE_OR_NULL, "plan_quote": TEXT,
                "planned_use": TEXT_OR_NULL, "area_m2": {"type": "number", "exclusiveMinimum": 0},
                "zone_id": TEXT_OR_NULL, "in_centre": {"type": "boolean"}},
        required=["status", "status_source", "plan_target", "plan_deadline", "plan_quote", "area_m2", "zone_id", "in_centre"]),
    "carrier_parks": dict(
        title={"zh": "产业载体", "en": "Carrier parks"},
        geometry_types=["Point"], group="plan",
        # black ring, and state colours unlike the 一心三线 belts' purple/blue/green
        style={"color": "#000000", "stroke_color": "#000000", "weight": 2, "radius": 7, "fill_opacity": 0.95},
        style_by="state", palette={"运营": "#d7301f", "在建": "#fdae61", "规划": "#ffffff"},
        fields={"address": TEXT_OR_NULL, "theme": TEXT_OR_NULL, "yiyuan_lou": {"type": "boolean"},
                "state": {"enum": PARK_STATES}, "plan_quote": TEXT, "zone_id": TEXT_OR_NULL,
                # optional park figures (null = unknown, never 0); the 产业载体 page's register
                # keeps editors' values in the tracker store
                "floor_area_m2": NUM_OR_NULL, "enterprises": INT_OR_NULL, "tax_10k_yuan": NUM_OR_NULL,
                "high_tech": INT_OR_NULL, "stats_year": YEAR_OR_NULL, "opened_year": YEAR_OR_NULL},
        required=["address", "theme", "yiyuan_lou", "state", "plan_quote", "zone_id"]),
    "facilities": dict(
        title={"zh": "15分钟生活圈设施", "en": "15-minute life-circle facilities"},
        geometry_types=["Point"], group="people",
        style={"color": "#1b9e77", "radius": 6, "fill_opacity": 0.9},
        style_by="type", planned={"field": "state", "values": ["规划"]},
        palette={"社区卫生服务中心": "#e31a1c", "社区卫生服务站": "#fb9a99", "幼儿园": "#ffcc33", "小学": "#ff9900",
                 "初中": "#cc6600", "高中": "#993300", "养老院": "#1f78b4", "长者照护之家": "#4393c3",
                 "日间照料中心": "#92c5de", "助餐点": "#80cdc1", "文化活动中心": "#c51b7d", "市民活动中心": "#de77ae",
                 "体育设施": "#7570b3", "淞益中心/空间/居": "#66a61e", "公园绿地": "#1a9850"},
        fields={"type": {"enum": FACILITY_TYPES}, "state": {"enum": FACILITY_STATES},
                "capacity": NUM_OR_NULL, "capacity_unit": TEXT_OR_NULL, "address": TEXT_OR_NULL,
                "osm_id": OSM_ID},
        required=["type", "state", "capacity", "capacity_unit"]),
    "metro_lines": dict(
        attribution=OSM_ATTRIBUTION,
        title={"zh": "轨道交通线路", "en": "Metro lines"},
        geometry_types=["LineString", "MultiLineString"], group="transport",
        inside_boundary=False, inside_reason={"zh": "轨道交通线路穿过本镇通往相邻各区。", "en": "Metro lines run through the town to neighbouring districts."},
        style={"weight": 5}, style_by="line", palette={"3号线": "#f2c500", "18号线": "#c09a6b"},
        fields={"line": TEXT, "phase": TEXT_OR_NULL}, required=["line"]),
    "metro_stations": dict(
        attribution=OSM_ATTRIBUTION,
        title={"zh": "轨道交通车站", "en": "Metro stations"},
        geometry_types=["Point"], group="transport",
        inside_boundary=False,
        inside_reason={"zh": "镇界外的殷高西路、殷高路、淞滨路、爱辉路、呼兰路、康文路等站为本镇最近车站或18号线站序所需，保留用于可达性分析。", "en": "Stations outside the town (殷高西路, 殷高路, 淞滨路, 爱辉路, 呼兰路, 康文路) are its nearest stations or complete Line 18's order; they are kept for access analysis."},
        style={"color": "#000000", "radius": 5, "fill_opacity": 1.0, "fill_color": "#ffffff"},
        style_by="state", palette={"运营": "#000000", "未开通": "#999999"},
        fields={"lines": TEXT, "state": {"enum": STATION_STATES}, "ref_lon": NUM_OR_NULL, "ref_lat": NUM_OR_NULL,
                "osm_id": {"type": ["string", "null"], "pattern": "^(node|way|relation)/[0-9]+$"}},
        required=["lines", "state", "ref_lon", "ref_lat"]),
}

DRAW_ORDER = ["districts", "boundary", "rivers", "zones", "residential", "roads", "parcels",
              "metro_lines", "metro_stations", "carrier_parks", "facilities"]


def main():
    (OUT / "schema").mkdir(parents=True, exist_ok=True)
    manifest = {"version": 1, "crs": "EPSG:4326", "layers": {}}
    for name in DRAW_ORDER:
        spec = dict(LAYERS[name])
        fields, required = spec.pop("fields"), spec.pop("required")
        sch = schema(name, fields, required)
        sfile = f"schema/{name}.schema.json"
        (OUT / sfile).write_text(json.dumps(sch, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        entry = {"file": f"{name}.geojson", "schema": sfile, **spec}
        entry.setdefault("inside_boundary", True)
        manifest["layers"][name] = entry
    (OUT / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
