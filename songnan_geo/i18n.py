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
    # investment briefing (songnan_geo.briefing_render, app_pages/briefing.py)
    "briefing": ("招商简报", "Investment briefing"),
    "bf_kind_parcel": ("重点地块", "Key parcel"),
    "bf_kind_park": ("载体园区", "Carrier park"),
    "bf_kind_zone": ("一心三线", "Centre / belt"),
    "bf_date": ("日期", "Date"),
    "bf_facts": ("基本情况", "Site facts"),
    "bf_area": ("面积", "Area"),
    "bf_area_fmt": ("{ha} 公顷（{m2} 平方米）", "{ha} ha ({m2} m²)"),
    "bf_area_point": ("点位（数据中无占地范围）", "a point (no outline in the data)"),
    "bf_location": ("位置", "Position"),
    "bf_location_fmt": ("{est}，精度约 ±{acc} 米", "{est}, accurate to about ±{acc} m"),
    "bf_estimated_pos": ("估计位置/范围", "estimated position/outline"),
    "bf_surveyed_pos": ("依据资料定位", "placed from a source"),
    "bf_zone": ("所在一心/三线", "Centre / belt"),
    "bf_zone_none": ("不在“一心三线”范围内", "outside the centre and the three belts"),
    "bf_plan_words": ("规划定位（原文）", "Role (plan text)"),
    "bf_industries": ("重点产业（原文）", "Target industries (plan text)"),
    "bf_status": ("现状", "Current status"),
    "bf_status_fmt": ("{status}（截至 {as_of}）", "{status} (as of {as_of})"),
    "bf_status_source": ("状态依据", "Status source"),
    "bf_milestone": ("下一节点", "Next milestone"),
    "bf_milestone_fmt": ("{target}（期限：{deadline}）", "{target} (by {deadline})"),
    "bf_not_given": ("规划未给出", "not given in the plan"),
    "bf_planned_use": ("规划用途", "Planned use"),
    "bf_plan_quote": ("规划原文", "Plan text"),
    "bf_theme": ("产业方向", "Industries"),
    "bf_address": ("地址", "Address"),
    "bf_parcels_inside": ("区内重点地块", "Key parcels inside"),
    "bf_transit": ("轨道交通（最近车站）", "Metro (nearest stations)"),
    "bf_station": ("车站", "Station"),
    "bf_line": ("线路", "Line"),
    "bf_state": ("状态", "State"),
    "bf_straight": ("直线距离", "Straight-line"),
    "bf_walk": ("步行距离", "Walking"),
    "bf_walk_na": ("未计算", "not computed"),
    "bf_walk_note": ("步行距离沿道路图层（仅主、次干道，未含支路）量算，自地块离车站最近处起，含两端至道路的直线接驳，"
                     "为估算值，通常偏长。",
                     "Walking distances follow the roads layer (main and secondary roads only, no local "
                     "streets) from the site's point nearest the station, including the straight-line "
                     "access to the road at both ends: estimates, usually on the long side."),
    "bf_walk_na_note": ("步行距离：步行网络尚未接入简报，仅给出直线距离。",
                        "Walking distance: no walking network is connected to briefings yet; "
                        "straight-line distances only."),
    "bf_neighbours": ("周边载体与企业（{r} 公里内）", "Carrier parks and enterprises within {r} km"),
    "bf_name": ("名称", "Name"),
    "bf_detail": ("方向/说明", "Focus / note"),
    "bf_distance": ("距离", "Distance"),
    "bf_none_within": ("范围内无", "none within the radius"),
    "bf_yiyuan": ("亿元楼", "¥100m-tax building"),
    "bf_enterprises": ("规划点名企业（{r} 公里内）", "Enterprises named in the plan, within {r} km"),
    "bf_unplaced": ("规划点名、但无位置数据的企业（未计入）：{names}",
                    "Named in the plan but with no known position (not counted): {names}"),
    "bf_facilities": ("15 分钟生活圈设施（{r} 公里内计数）",
                      "15-minute life-circle facilities (count within {r} km)"),
    "bf_type": ("类型", "Type"),
    "bf_nearest": ("最近设施", "Nearest"),
    "bf_count_within": ("范围内数量", "Count within"),
    "bf_contact": ("联系方式", "Contact"),
    "bf_est_mark": ("估", "est."),
    "bf_notes": ("说明", "Notes"),
    "bf_note_estimated": (
        "标“估”的位置、范围与距离为估算值（依据公开资料绘制），非官方测绘数据；距离自地块边界（点位自该点）起、"
        "在本镇平面坐标系中量算。规划文字均引自《淞南镇“十四五”规划纲要》原文。",
        "Positions, outlines and distances marked 'est.' are estimates drawn from public material, "
        "not official survey data; distances are measured from the site's edge (or point) in the "
        "town's metric CRS. Plan passages are quoted word for word from the 14th Five-Year Plan."),
    "bf_map_caption": ("位置示意图（无底图瓦片；虚线圈为 {r} 公里范围；图中位置多为估计）",
                       "Location map (no basemap tiles; dashed ring: {r} km; most positions are estimated)"),
    "bf_map_caption_tiles": ("位置示意图（底图：{attr}；虚线圈为 {r} 公里范围；图中位置多为估计）",
                             "Location map (basemap: {attr}; dashed ring: {r} km; most positions are estimated)"),
    "bf_map_tiles_failed": ("；所选在线底图不可达，未加载", "; the online basemap chosen could not be reached"),
    "bf_map_site": ("本项目", "This site"),
    "bf_map_ring": ("{r:g} 公里范围", "{r:g} km radius"),
    "bf_m": ("{m} 米", "{m} m"),
    "bf_choose_kind": ("简报对象", "Brief a"),
    "bf_choose_site": ("选择", "Choose"),
    "bf_download_html": ("下载 HTML", "Download HTML"),
    "bf_download_pdf": ("下载 PDF", "Download PDF"),
    "bf_preview": ("预览", "Preview"),
    "bf_nearest_station": ("最近车站", "Nearest station"),
    "bf_area_ha": ("面积（公顷）", "Area (ha)"),
    "bf_font_missing": ("无法生成 PDF：缺少中文字体。", "Cannot make the PDF: no CJK font."),
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
