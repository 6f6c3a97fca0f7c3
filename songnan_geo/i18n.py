"""User-interface words in Chinese (default) and English.

Chinese is the planners' working language and the default; every label the app or the
map shows comes from here so that the language switch covers it.
"""
from __future__ import annotations

LANGS = ("zh", "en")

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "name_en": ("英文名", "English name"),
    "source": ("来源", "Source"),
    "accuracy_m": ("位置精度（米）", "Positional accuracy (m)"),
    "estimated": ("估计数据", "Estimated"),
    "note": ("说明", "Note"),
    "adcode": ("行政区划代码", "Admin code"),
    "area_km2": ("面积（平方公里）", "Area (km²)"),
    "area_m2": ("面积（平方米）", "Area (m²)"),
    "reference_area_km2": ("参考面积（平方公里）", "Reference area (km²)"),
    "reference_area_source": ("参考面积来源", "Reference area source"),
    "kind": ("类别", "Kind"),
    "width_m": ("宽度（米）", "Width (m)"),
    "road_class": ("道路等级", "Road class"),
    "segment_of": ("所属道路", "Road"),
    "road": ("依托道路", "Along road"),
    "functions": ("功能布局", "Functions"),
    "role_quote": ("规划定位（原文）", "Role (plan text)"),
    "industries_quote": ("重点产业（原文）", "Target industries (plan text)"),
    "plan_ref": ("规划章节", "Plan section"),
    "population": ("人口", "Population"),
    "population_estimated": ("人口为估计值", "Population estimated"),
    "population_method": ("人口估算方法", "Population method"),
    "name_verified": ("名称已核实", "Name verified"),
    "status": ("状态", "Status"),
    "status_as_of": ("状态日期", "Status as of"),
    "status_source": ("状态依据", "Status source"),
    "plan_target": ("规划目标", "Plan target"),
    "plan_deadline": ("目标期限", "Deadline"),
    "plan_quote": ("规划原文", "Plan text"),
    "planned_use": ("规划用途", "Planned use"),
    "zone_id": ("所在一心/三线", "Centre / belt"),
    "in_centre": ("位于公共中心", "In the centre"),
    "address": ("地址", "Address"),
    "theme": ("主题", "Theme"),
    "yiyuan_lou": ("亿元楼", "¥100m-tax building"),
    "state": ("状态", "State"),
    "type": ("类型", "Type"),
    "capacity": ("规模", "Capacity"),
    "capacity_unit": ("规模单位", "Capacity unit"),
    "line": ("线路", "Line"),
    "phase": ("工程期", "Phase"),
    "lines": ("线路", "Lines"),
    "ref_lon": ("参考经度", "Reference lon"),
    "ref_lat": ("参考纬度", "Reference lat"),
}

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("淞南镇产业布局规划工具", "Songnan Town Planning Tool"),
    "overview": ("总览地图", "Overview map"),
    "catalogue": ("数据目录", "Data catalogue"),
    "language": ("语言 / Language", "语言 / Language"),
    "basemap": ("底图", "Basemap"),
    "layers": ("图层", "Layers"),
    "legend": ("图例", "Legend"),
    "features": ("要素数", "Features"),
    "area_km2": ("面积（平方公里）", "Area (km²)"),
    "length_km": ("长度（公里）", "Length (km)"),
    "estimated_count": ("估计", "Estimated"),
    "size": ("面积/长度", "Area/length"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "estimated_badge": ("估计", "estimated"),
    "estimated_banner": (
        "提示：图中标注“估计”的要素（镇界西、南段，地块与居委范围、人口，多数设施位置等）为依据公开资料绘制或推算，"
        "并非官方数据；规划数字均引自《淞南镇“十四五”规划纲要》原文。各要素的来源与位置精度见弹窗与数据目录。",
        "Note: features marked 'estimated' (the west and south edges of the town boundary, parcel and "
        "neighbourhood outlines, populations, most facility positions) are drawn or inferred from public "
        "material and are not official data; plan figures are quoted from the 14th Five-Year Plan text. "
        "Each feature's source and positional accuracy are in its popup and in the data catalogue.",
    ),
    "basemap_hint": ("在线底图需要互联网；无法访问时矢量图层照常显示。",
                     "Online basemaps need the internet; vector layers draw even when tiles cannot load."),
    "summary": ("图层统计", "Layer summary"),
    "parcels_table": ("重点地块一览", "Key parcels"),
    "choose_layer": ("选择图层", "Choose a layer"),
    "download_geojson": ("下载 GeoJSON", "Download GeoJSON"),
    "layer_source": ("来源与方法", "Source and method"),
    "inside_reason": ("范围说明", "Extent"),
    "data_error": ("数据文件校验未通过，地图未加载：", "A data file failed validation; the map was not loaded:"),
    # China basemaps (songnan_geo.mapping) and the data manager (app_pages/data_manager.py)
    "basemap_no_key_suffix": ("（未配置密钥）", " (no key configured)"),
    "basemap_no_key": ("天地图需要密钥：请在服务器上设置环境变量 SONGNAN_TIANDITU_KEY，或在 "
                       "~/.config/songnan_geo/config.toml 的 [tianditu] 下写 key = \"…\"，然后重启应用。"
                       "现仅显示矢量图层。",
                       "Tianditu needs a key: set SONGNAN_TIANDITU_KEY on the server, or key = \"…\" "
                       "under [tianditu] in ~/.config/songnan_geo/config.toml, then restart the app. "
                       "Only the vector layers are drawn."),
}


def t(key: str, lang: str = "zh") -> str:
    """The UI text ``key`` in ``lang`` ('zh' or 'en')."""
    zh, en = TEXT[key]
    return en if lang == "en" else zh


def field_label(field: str, lang: str = "zh") -> str:
    """Human label of a property name; unknown fields are shown by their own name."""
    if field not in FIELD_LABELS:
        return field
    zh, en = FIELD_LABELS[field]
    return en if lang == "en" else zh


def layer_title(info: dict, lang: str = "zh") -> str:
    """Title of a manifest layer entry in ``lang``."""
    return info["title"]["en" if lang == "en" else "zh"]
