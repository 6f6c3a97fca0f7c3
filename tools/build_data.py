"""Build data/geo/*.geojson for 淞南镇 from public reference coordinates and drawn estimates.

This script is the *method* behind the data: every coordinate that is not copied from a cited
reference file is written below, with the reason, and every such feature is flagged
``estimated``. It reads ``../shared/reference`` (the team's reference folder) only here, at
build time; the app and the tests read nothing but ``data/``.

Run:  python tools/build_data.py [--reference ../shared/reference]
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import LineString, Point, Polygon, box, mapping
from shapely.ops import substring

ROOT = Path(__file__).resolve().parent.parent

from songnan_geo.coords.crs import STORAGE_CRS, TOWN_CRS, area_m2  # noqa: E402
from songnan_geo.layers.io import read_plan_text  # noqa: E402
from songnan_geo.plan.quotes import missing_quotes  # noqa: E402
from songnan_geo.plan.zones import in_centre, zone_membership  # noqa: E402

OUT = ROOT / "data" / "geo"
PLAN = "《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月)"
MQZH = "宝山区概况·淞南镇 (mqzh.com.cn/sh/bsgk13.html, c. 2002)"
DATAV = "tnnevol/gmap:310113.json etc. (Aliyun DataV.GeoAtlas 2019-11-06), via shared/reference/districts_baoshan_neighbours_wgs84.geojson"
DRAWN = "绘制估计：依据街道走向的公开常识与参考站点相对位置 (drawn estimate)"
L18_PHASE2 = "18号线二期站序（康文路—呼兰路—爱辉路—江杨南路—长江西路—通南路—长江南路）据申通地铁公告"

# ----------------------------------------------------------------------------------------
# Lines drawn by hand (WGS84 lon, lat). Accuracy is what we believe, not what we measured.
# ----------------------------------------------------------------------------------------
# 蕰藻浜: flows east into the 黄浦江 at the river's westward bend north of 张华浜 station; it is
# the town's north edge (MQZH: "北有蕴藻浜"). It crosses 逸仙路/Line 3 between 张华浜 (31.3600)
# and 淞滨路 (31.3729) stations; the mouth point is snapped to the district outline below.
YUNZAOBANG = [(121.4300, 31.3505), (121.4400, 31.3530), (121.4500, 31.3558), (121.4546, 31.3570),
              (121.4650, 31.3598), (121.4760, 31.3626), (121.4850, 31.3649), (121.4915, 31.3665),
              (121.4960, 31.3679), (121.5010, 31.3690)]
# 西泗塘河: the town's west edge (MQZH: "西至西泗塘河"); 张庙街道 lies west of it. North of
# 蕰藻浜 the same waterway is 泗塘河, the west edge of 吴淞街道.
XISITANG = [(121.4546, 31.3570), (121.4549, 31.3480), (121.4552, 31.3400), (121.4555, 31.3340),
            (121.4558, 31.3260)]
SITANG = [(121.4546, 31.3570), (121.4556, 31.3660), (121.4570, 31.3780)]
# South edge with 高境镇 (MQZH: "南接江湾机场，与高境镇毗邻"): no public line exists. The public
# facts put two official 居委 on 一二八纪念路 (盛达家园 at 一二八纪念路55弄; 嘉骏花苑 beside it) and a
# Songnan planning block (N12-0402 M2-01A) between 一二八纪念路 (south), 淞南路 (west) and 长逸路
# (north), so the town reaches south over 一二八纪念路. East of 新二路 the edge is drawn about 250 m
# south of the drawn 一二八纪念路, to the Baoshan–Yangpu border (which it meets at its kink south of
# 长江南路); the earlier edge ran just south of 长江南路 station, ~600 m further north. West of 新二路
# no fact bears on it and it stays where it was (from 西泗塘河 east at lat ≈ 31.334).
SOUTH_EDGE = [(121.4555, 31.3340), (121.4650, 31.3336), (121.4672, 31.3300), (121.4750, 31.3268),
              (121.4845, 31.3265), (121.4960, 31.3265)]
XISITANG_SOUTH = SOUTH_EDGE[0]   # 西泗塘河 at the south edge (the drawn river runs on south)

# OpenStreetMap metro stations (shared/reference/osm_metro_stations.csv). Where OSM has more than one
# feature of a name, the one of the line we draw is chosen by its OSM id.
OSM = "© OpenStreetMap contributors, ODbL 1.0"
OSM_STATIONS_SRC = (f"OpenStreetMap railway=station (Overpass snapshot 2026-08-18, BLOSEregedit/MetroRestroom:"
                    f"data/osm-shanghai-metro.snapshot.json), via shared/reference/osm_metro_stations.csv; {OSM}")
L3 = ["江湾镇", "殷高西路", "长江南路", "淞发路", "张华浜", "淞滨路", "水产路"]
# Line 18 in running order: phase 1 from 复旦大学 to 长江南路, phase 2 (opened 2025-12-27, 江杨南路 not
# yet open) from 长江南路 to 康文路. 长江南路 has a separate Line 18 platform ~290 m west of Line 3's.
L18 = ["复旦大学", "上海财经大学", "殷高路", "长江南路（18号线）", "通南路", "长江西路", "江杨南路", "爱辉路",
       "呼兰路", "康文路"]
OSM_PICK = {  # station name in our layer -> OSM id (names with more than one OSM feature)
    "长江南路": "way/97666208",             # Line 3 station (the eastern of the two)
    "长江南路（18号线）": "way/1355316014",   # Line 18 platform, ~290 m west
    "呼兰路": "way/1354602381",              # Line 18 station (way/460289575 is Line 1's)
    "江杨南路": "way/1355316018",            # the station way (node/13192138989 is 36 m away)
}

# 淞南镇文体中心 (plan Table 5: 2014-09–2018-09, 5030 m²): no public coordinate or address was found.
# The plan makes it, with 通南路 station, the landmark of the 一心 (小五角场区域); drawn just north-east of
# the 小五角场 junction, between 通南路 and 淞南路 (estimate, ~500 m).
CULTURE_SPORTS_CENTRE = (121.4768, 31.3418)

ROADS = {
    # name: (class, name_en, accuracy_m, coordinates). Roads end on a vertex of the road they meet so
    # that noding joins them. Positions are drawn estimates unless a comment names a source.
    "逸仙路": ("快速路", "Yixian Road (elevated + ground)", 80,
             [(121.4800, 31.3150), (121.47995, 31.3219), (121.4836, 31.3285), (121.48387, 31.3290),
              (121.4866, 31.3340), (121.4907, 31.3400), (121.49146, 31.3412), (121.4926, 31.3430),
              (121.49366, 31.3445), (121.4955, 31.3471), (121.4950, 31.3530), (121.49421, 31.3576),
              (121.4938, 31.3600), (121.4911, 31.3665), (121.4879, 31.3729)]),
    # Line 18 phase 2 runs under 长江西路 west of 长江西路 station: the road is drawn through the OSM
    # positions of 呼兰路, 爱辉路, 江杨南路 and 长江西路 stations, then east to 逸仙路 where 长江路 begins
    # (中成智谷, 长江路258号, "逸仙路长江路出口处").
    "长江西路": ("主干路", "Changjiang West Road", 200,
              [(121.4290, 31.3409), (121.4305562, 31.3413238), (121.4446366, 31.34601),
               (121.4620267, 31.3518625), (121.4705382, 31.3481133), (121.4752, 31.3468),
               (121.4840, 31.3455), (121.4898, 31.3448), (121.49366, 31.3445)]),
    # 长逸路: north side of planning block M2-01A (public facts); from 淞南路 east to 逸仙路 near
    # 逸仙路3000号 (上海国际工业设计中心, "近长逸路", Baidu POI at lat 31.3423).
    "长逸路": ("支路", "Changyi Road", 250, [(121.4795, 31.3370), (121.4850, 31.3390), (121.49146, 31.3412)]),
    "长江路": ("主干路", "Changjiang Road", 250,
             [(121.49366, 31.3445), (121.4975, 31.3482), (121.5010, 31.3505), (121.5060, 31.3540)]),
    "军工路": ("主干路", "Jungong Road", 250,
             [(121.5160, 31.3330), (121.5115, 31.3436), (121.5085, 31.3495), (121.5060, 31.3540),
              (121.5025, 31.3590), (121.4998, 31.3645), (121.4978, 31.3672)]),
    # through the OSM position of 江杨南路 station (its cross street)
    "江杨南路": ("主干路", "Jiangyang South Road", 200,
              [(121.4628, 31.3640), (121.4624, 31.3575), (121.4620267, 31.3518625), (121.4616, 31.3440),
               (121.4612, 31.3380), (121.4608, 31.3300), (121.4604, 31.3220)]),
    # 通南路 begins at the 小五角场 junction, where the OSM 通南路 station is (通南路3号 = 淞南一村).
    "通南路": ("次干路", "Tongnan Road", 250,
             [(121.4752177, 31.3395488), (121.4752, 31.3468), (121.4763, 31.3510), (121.4760, 31.3548),
              (121.4757, 31.3600)]),
    # 淞南路: west side of block M2-01A, from 一二八纪念路 (淞南四村 at 淞南路4弄, the south end) north
    # to 小五角场, then north-west (淞南三村 at 淞南路301号) to 江杨南路.
    "淞南路": ("次干路", "Songnan Road", 300,
             [(121.4800, 31.3290), (121.4795, 31.3370), (121.4752177, 31.3395488), (121.4700, 31.3425),
              (121.4616, 31.3440)]),
    # 一二八纪念路: south side of block M2-01A; 盛达家园 at 一二八纪念路55弄 (numbers from 逸仙路).
    "一二八纪念路": ("次干路", "Yi'erba Memorial Road", 300,
                [(121.4690, 31.3298), (121.4750, 31.3294), (121.4800, 31.3290), (121.48387, 31.3290)]),
    # 新二路: from 高境镇 north to 小五角场 (淞南十村 at 新二路1398弄, near its north end).
    "新二路": ("次干路", "Xin'er Road", 300,
             [(121.4680, 31.3220), (121.4690, 31.3298), (121.4725, 31.3360), (121.4752177, 31.3395488)]),
    # 淞肇路 (新城尚景 at 淞肇路333弄): an east–west street in the north of the town; its name and
    # line are estimates (this line was labelled 淞南路 before the public facts showed 淞南路 runs
    # north–south by 一二八纪念路).
    "淞肇路": ("次干路", "Songzhao Road", 400,
             [(121.4620267, 31.3518625), (121.4680, 31.3534), (121.4760, 31.3548), (121.4850, 31.3563),
              (121.49421, 31.3576)]),
    "淞发路": ("次干路", "Songfa Road", 250,
             [(121.4763, 31.3510), (121.4850, 31.3495), (121.4955, 31.3471), (121.5000, 31.3480)]),
    "长江南路": ("主干路", "Changjiang South Road", 150,
              [(121.4911, 31.3237), (121.4890, 31.3290), (121.4866, 31.3340)]),
}

# The 24 official 居委 (shared/reference/juwei_nbs2021.csv), each at one point:
# code: (estate, address or what placed it, basis, (lon, lat) WGS84, accuracy_m)
#   basis "address": an estate address of shared/reference/songnan_public_facts.csv on the drawn streets;
#   "poi": the Baidu POI of shared/reference/pois.csv; "name": no public address, placed by name.
JUWEI_RADIUS_M = 400
JUWEI = {
    "310113113001": ("淞南一村", "通南路3号", "address", (121.4762, 31.3408), 300),
    "310113113002": ("淞南三村", "淞南路301号", "address", (121.4690, 31.3440), 400),
    "310113113003": ("淞南四村", "淞南路4弄", "address", (121.4788, 31.3310), 300),
    "310113113004": ("淞南五村", "淞南新村各村以序号环绕镇中心（小五角场）；长逸路北", "name", (121.4815, 31.3425), 800),
    "310113113005": ("淞南五村", "淞南新村各村以序号环绕镇中心（小五角场）；长逸路北", "name", (121.4860, 31.3420), 800),
    "310113113006": ("淞南七村", "淞南新村各村以序号环绕镇中心（小五角场）；淞南路南", "name", (121.4685, 31.3405), 800),
    "310113113007": ("淞南八村", "淞南新村各村以序号环绕镇中心（小五角场）；长江西路南", "name", (121.4715, 31.3460), 800),
    "310113113008": ("淞南九村", "淞南新村各村以序号环绕镇中心（小五角场）；通南路东", "name", (121.4775, 31.3445), 800),
    "310113113009": ("淞南九村", "淞南新村各村以序号环绕镇中心（小五角场）；长江西路北", "name", (121.4790, 31.3490), 800),
    "310113113010": ("淞南十村", "新二路1398弄", "address", (121.4745, 31.3362), 400),
    "310113113011": ("长江路一", "居委以长江路得名；长江路南侧", "name", (121.4985, 31.3470), 600),
    "310113113013": ("长江路五", "居委以长江路得名；长江路南侧", "name", (121.5025, 31.3500), 600),
    "310113113014": ("华浜新村", "长江路军工路西南侧", "address", (121.5052, 31.3515), 300),
    "310113113015": ("张华浜", "居委以张华浜得名；张华浜站东北、蕰藻浜以南", "name", (121.4970, 31.3650), 600),
    "310113113016": ("华浜二村", "华浜二村20～78号", "poi", (121.495403, 31.348216), 30),
    "310113113017": ("长宏新苑", "淞南路211弄", "address", (121.4812, 31.3345), 300),
    "310113113018": ("嘉骏花苑", "与盛达家园同在一二八纪念路一带（镇南部）", "name", (121.4765, 31.3280), 500),
    "310113113019": ("盛达家园", "一二八纪念路55弄", "address", (121.4822, 31.3278), 300),
    "310113113020": ("淞南六村", "淞南新村各村以序号环绕镇中心（小五角场）；新二路西", "name", (121.4715, 31.3372), 800),
    "310113113021": ("新梅淞南苑", "镇北部（淞肇路北、通南路东）", "name", (121.4778, 31.3603), 1000),
    "310113113022": ("新城尚景", "淞肇路333弄", "address", (121.4858, 31.3550), 400),
    "310113113023": ("嘉骏香山苑", "与嘉骏花苑同一开发商，推定在其附近（一二八纪念路北）", "name", (121.4730, 31.3310), 800),
    "310113113024": ("盛世宝邸", "镇西部（江杨南路西）", "name", (121.4585, 31.3478), 1000),
    "310113113025": ("三湘海尚", "镇西部（江杨南路西、长江西路南）", "name", (121.4585, 31.3390), 1000),
}
JUWEI_EN = {
    "310113113001": "Songnan No.1 Village NC", "310113113002": "Songnan No.3 Village NC 1",
    "310113113003": "Songnan No.4 Village NC 1", "310113113004": "Songnan No.5 Village NC 1",
    "310113113005": "Songnan No.5 Village NC 2", "310113113006": "Songnan No.7 Village NC 1",
    "310113113007": "Songnan No.8 Village NC", "310113113008": "Songnan No.9 Village NC 1",
    "310113113009": "Songnan No.9 Village NC 2", "310113113010": "Songnan No.10 Village NC",
    "310113113011": "Changjiang Road NC 1", "310113113013": "Changjiang Road NC 5",
    "310113113014": "Huabang NC", "310113113015": "Zhanghuabang NC", "310113113016": "Huabang No.2 Village NC",
    "310113113017": "Changhong Xinyuan NC", "310113113018": "Jiajun Huayuan NC", "310113113019": "Shengda Jiayuan NC",
    "310113113020": "Songnan No.6 Village NC", "310113113021": "Xinmei Songnan Yuan NC",
    "310113113022": "Xincheng Shangjing NC", "310113113023": "Jiajun Xiangshan Yuan NC",
    "310113113024": "Shengshi Baodi NC", "310113113025": "Sanxiang Haishang NC",
}

RIVERS = [
    # id, name, name_en, kind, width_m, accuracy_m, coords, estimated, note
    ("yunzaobang", "蕰藻浜", "Yunzaobang Creek", "河道", 60, 250, YUNZAOBANG, True,
     "镇北界（宝山区概况：北有蕴藻浜）；走向为绘制估计"),
    ("xisitang", "西泗塘河", "West Sitang River", "河道", 20, 300, XISITANG, True,
     "镇西界（宝山区概况：西至西泗塘河）；走向为绘制估计"),
    ("sitang", "泗塘河", "Sitang River", "河道", 20, 300, SITANG, True,
     "蕰藻浜以北，吴淞街道西界；镇外，作参照"),
    ("xiangyang", "向阳河", "Xiangyang River", "河道", 12, 500,
     [(121.4552, 31.3500), (121.4620, 31.3505), (121.4700, 31.3512), (121.4740, 31.3515)], True,
     "规划表5“向阳河综合整治”（2016–2017）；镇内位置为示意，待核实"),
    ("dingchen", "丁陈河", "Dingchen River", "河道", 10, 500,
     [(121.4700, 31.3470), (121.4702, 31.3540), (121.4705, 31.3605)], True,
     "规划表5“丁陈河、大周浜等河道综合整治”（2017）；位置为示意，待核实"),
    ("dazhoubang", "大周浜", "Dazhou Creek", "河道", 10, 500,
     [(121.4620, 31.3395), (121.4700, 31.3392), (121.4760, 31.3388)], True,
     "规划表5“丁陈河、大周浜等河道综合整治”（2017）；位置为示意，待核实"),
]

# ----------------------------------------------------------------------------------------
# Plan text quoted in the data; build fails if any is not word for word in the plan copy.
# ----------------------------------------------------------------------------------------
Q = {
    "centre_role": "“一心”（公共中心）是指淞南“小五角场区域”，以地铁18号线通南路站上盖和文体中心为地标，布局为繁华商业服务区、文化体育活动区。通过整合淞南建材市场、世纪联华超市、上坤红街、祥腾广场等资源，研究制定新的产城融合方案，主导方向为商业、娱乐、文化休闲、体育竞技等，真正打造一个氛围浓郁、人气聚集的淞南商业中心区域。",
    "centre_ind": "主导方向为商业、娱乐、文化休闲、体育竞技等",
    "yixian_role": "以“逸仙路沿线”为重点区域，布局为科技产业发展带。以打造上海科创中心主阵地为方向，聚合现有亿元楼、产业链等科创元素，打造科创经济核心区。在全力实现科创产业集聚成型的基础上，融合发展“在线新经济”，以“移动互联网创新园”“华泽星和直播园”等在线新经济载体为依托，重点布局在线视听、在线设计、在线医疗、在线零售、在线文娱等在线新经济业态。同时推进侨福芳草地等商业项目发展，带动沪东汽车、淞申水产等地块的开发建设。",
    "yixian_ind": "重点布局在线视听、在线设计、在线医疗、在线零售、在线文娱等在线新经济业态",
    "changjiang_role": "以“长江（西）路沿线”为重点区域，布局为科技企业总部集聚带。以转型重生为主旨，提升空间能级，主导科创产业，重点引进总部型科创企业。对吴淞创新城的开发，从“结合”转向“契合”，从“配合”走向“联合”，积极主动融入淞南区域以宝武不锈钢为代表的转型发展，明确思路、建立机制，投入人力、全面服务，充分发挥这一区域吸引科创产业所具备的“空间、层高、承重、绿化”等独特优势，引进具有影响力和引领效应的重大项目，打造淞南未来发展的希望空间。力争完成中成智谷规划调整、原云峰钢材市场备用地规划编制工作。完成沪北物流地块、沪东汽车地块出让。",
    "changjiang_ind": "主导科创产业，重点引进总部型科创企业",
    "jiangyang_role": "以“江杨南路沿线”为重点区域，布局为综合产业发展带。以产业升级为主旨，分门别类——继续壮大汽车销售业，规范汽配、汽修业，提升汽车服务业整体面貌，打造汽车文化产业；以点带面——以典型地块为突破口，通过“新型园区”打造，提高城市更新力度，建设一批业态多元化、内容丰富化的新型园区，将其纳入到科创中心主阵地的产业承载区，打造成为形象面貌焕然一新的多元化产业带。",
    "jiangyang_ind": "继续壮大汽车销售业，规范汽配、汽修业，提升汽车服务业整体面貌，打造汽车文化产业",
    "transfer4": "节约集约利用土地资源，完成沪北物流、沪东汽车、东亚、远洋等地块出让。",
    "done13_transfer_prep": "完成沪北物流、沪东汽车出让前期准备工作和东亚、远洋地块收储。",
    "cj_transfer": "完成沪北物流地块、沪东汽车地块出让。",
    "pilot": "重点对宝武不锈钢、吴淞煤气厂等地块开展先行先试研究。",
    "big_dev": "吴淞创新城转型发展，意味着镇域范围内宝武不锈钢厂、申能集团吴淞煤气厂、中节能铁合金厂等多个地块，将进入大开发、大变革时代。",
    "zhongcheng_yunfeng": "力争完成中成智谷规划调整、原云峰钢材市场备用地规划编制工作。",
    "yixian_build": "带动沪东汽车、淞申水产等地块的开发建设。",
    "qiaofu_shanggang": "重点推进侨福、上港集发地块等配套设施建设",
    "qiaofu_t5": "侨福芳草地	高端办公、商业服务	2016年3月	—	151091	建设中",
    "zhongcheng_t5": "中成智谷二期	科技研发、文化创意、文化展示、 互联网经济	2013年6月	2016年10月	41030	已完成",
    "tongji1_t5": "同济创园一期	规划设计、文化创意	2015年1月	2016年7月	20248	已完成",
    "tongji2_t5": "同济创园二期	规划设计、文化创意	2016年1月	2018年11月	100017	已完成",
    "carriers13": "复旦软件园、华滋奔腾、中成智谷、同济创园等载体项目建成启用",
    "yiyuan": "建成华滋奔腾、复旦软件园高新技术产业基地 2 个亿元楼",
    "cluster": "逐步形成以华滋奔腾、中成智谷、上海国际工业设计中心、同济创园、中城制造产业园、复旦软件园等载体为核心的科创创意产业集群",
    "key_projects": "加快推进微谱宝山基地、厚友金融云数据中心、微盟总部、中科创智国际科创中心、华泽星和直播孵化产业基地等重点项目建设",
    "online": "以“移动互联网创新园”“华泽星和直播园”等在线新经济载体为依托",
    "mobile_incubator": "深化上海移动互联网创新园、复旦软件园高新技术产业基地等市、区两级创业孵化基地建设",
    "health5": "建设社区卫生服务站5个，居民步行15分钟就能得到基本医疗服务。",
    "health_centre": "镇卫生中心获评全国“百强”社区卫生服务中心",
    "elderly13": "建设并投入运营 1 家公办养老机构，引入 1 家民办养老机构，完成 1 家长者照护之家、3 家老年人日间照护中心和 2 个老年助餐服务场所建设。",
    "t5_activity": "淞南镇市民活动中心	市民休闲	2014年9月	2020年8月	18700	已完成",
    "t5_sports": "淞南镇文体中心	文体服务	2014年9月	2018年9月	5030	已完成",
    "t5_elderly": "淞南镇养老院	养老服务	2014年4月	2019年8月	7680	已完成",
    "culture13": "淞南养老院、市民服务中心、文化中心等一批民生工程竣工。",
    "facilities14": "配齐淞南养老院、市民文化中心、市民活动中心等功能设施。",
    "school": "加速长江二中等学校现代化硬件设施改造",
    "kinder": "区示范幼儿园达到2所",
    "songyi": "打造集助老助餐、文化活动、健康小站、公益空间等多元服务为一体的辐射街区片区的“淞益中心”，辐射社区小区的“淞益空间”；推动集居委开放办公和居民活动一体转型升级的“淞益居”全覆盖",
    "songnan10": "淞南十村成为宝山街镇公共空间打造的典型案例",
    "park_t5": "淞南公园、绿地改造	休闲绿化	2018年2月	2018年5月	104	已完成",
    "yixian_park": "加快推进逸仙公园建设",
    "songzhao": "淞肇路绿地、长逸路等美丽街区建设让城市面貌焕然一新。",
    "juwei24": "24个居委均建立公共法律工作室",
}


def fc(features):
    return {"type": "FeatureCollection", "features": features}


def feature(geom, **props):
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def write(name, features):
    for f in features:  # 6 decimals ≈ 0.1 m: enough, and keeps files small
        f["geometry"] = json.loads(json.dumps(mapping(shapely.set_precision(
            shapely.geometry.shape(f["geometry"]), 1e-6))))
    text = json.dumps(fc(features), ensure_ascii=False, indent=1)
    (OUT / f"{name}.geojson").write_text(text + "\n", encoding="utf-8")
    print(f"{name}: {len(features)} features")


def metric(geoms):
    return gpd.GeoSeries(geoms, crs=STORAGE_CRS).to_crs(TOWN_CRS)


def wgs(geoms_m):
    return list(gpd.GeoSeries(geoms_m, crs=TOWN_CRS).to_crs(STORAGE_CRS))


def rect(lon0, lat0, lon1, lat1):
    return box(min(lon0, lon1), min(lat0, lat1), max(lon0, lon1), max(lat0, lat1))


SCHOOL_LIST = "宝山区学校名录（公开 GitHub 文件，见 shared/reference/songnan_public_facts.csv school_names）"
HEALTH_LIST = ("宝山区社区卫生服务中心名录：淞南镇仅此 1 家，无分中心"
               "（公开 GitHub 文件，见 shared/reference/songnan_public_facts.csv health）")
LABEL_EN = {"社区卫生服务站": "Community health station", "长者照护之家": "Elderly care home",
            "日间照料中心": "Elderly day-care centre", "助餐点": "Elderly meal point",
            "区示范幼儿园": "District model kindergarten", "幼儿园": "Kindergarten"}
UNNAMED_LABEL = {"f_kg1": "区示范幼儿园", "f_kg2": "区示范幼儿园"}   # the plan's "区示范幼儿园达到2所"
LABEL_ZH = {"日间照料中心": "老年人日间照护中心", "助餐点": "老年助餐服务点"}
SIDE_EN = {"北": "north of", "南": "south of", "东": "east of", "西": "west of"}


def place_name(label: str, pt: Point, lines: dict) -> tuple[str, str]:
    """Name a facility that has no public name by its type and place: ``label（road side）``.

    The place is the nearest drawn road and the side of it the point lies on (north/south of a road
    running east–west, east/west of one running north–south), in lon/lat (EPSG:4326) — a naming
    aid, not a measurement.
    """
    road = min(lines, key=lambda n: lines[n].distance(pt))
    line = lines[road]
    d = line.project(pt)
    a, b = line.interpolate(max(d - 1e-4, 0)), line.interpolate(min(d + 1e-4, line.length))
    near = line.interpolate(d)
    if abs(b.x - a.x) >= abs(b.y - a.y):
        side = "北" if pt.y > near.y else "南"
    else:
        side = "东" if pt.x > near.x else "西"
    zh = f"{LABEL_ZH.get(label, label)}（{road}{side}）"
    return zh, f"{LABEL_EN[label]} ({SIDE_EN[side]} {ROADS[road][1].split(' (')[0]})"


def read_osm_stations(reference: Path) -> dict:
    """Our station name -> {pt, osm_id} from osm_metro_stations.csv (WGS84 lon/lat)."""
    rows = list(csv.DictReader(open(reference / "osm_metro_stations.csv", encoding="utf-8")))
    out = {}
    for n in dict.fromkeys(L3 + L18):
        if n in OSM_PICK:
            r = next(r for r in rows if r["osm_id"] == OSM_PICK[n])
        else:
            found = [r for r in rows if r["name"] == n]
            if len(found) != 1:
                raise SystemExit(f"{n}: {len(found)} OSM stations of that name; add it to OSM_PICK")
            r = found[0]
        out[n] = dict(pt=(float(r["lon_wgs84"]), float(r["lat_wgs84"])), osm_id=r["osm_id"])
    return out


def main(reference: Path):
    plan_text = read_plan_text()
    bad = missing_quotes(Q, plan_text)
    if bad:
        raise SystemExit(f"quotes not found word for word in the plan: {bad}")
    # the public facts the tests check the layers against travel with the data
    for fn in ("osm_metro_stations.csv", "juwei_nbs2021.csv", "songnan_public_facts.csv"):
        shutil.copyfile(reference / fn, OUT / "reference" / fn)

    # --- districts (reference copy) -------------------------------------------------------
    dist = gpd.read_file(reference / "districts_baoshan_neighbours_wgs84.geojson")
    en = {"宝山区": "Baoshan District", "虹口区": "Hongkou District", "杨浦区": "Yangpu District",
          "静安区": "Jing'an District", "普陀区": "Putuo District"}
    write("districts", [feature(r.geometry, id=f"district_{r.adcode}", name=r["name"],
                                name_en=en[r["name"]], adcode=int(r.adcode), source=DATAV,
                                accuracy_m=100, estimated=False,
                                note="GCJ-02 原始坐标逐点换算为 WGS84；DataV 面积含部分水域")
                        for _, r in dist.iterrows()])
    baoshan = dist[dist["name"] == "宝山区"].geometry.iloc[0]

    # --- boundary ------------------------------------------------------------------------
    # Rough outline that overshoots east and south-east into the Huangpu and Yangpu; the
    # intersection with the Baoshan outline makes those edges follow the district border.
    north = LineString(YUNZAOBANG)
    mouth = north.intersection(baoshan.boundary)
    mouth_pt = min(getattr(mouth, "geoms", [mouth]), key=lambda p: p.x)
    west = [p for p in YUNZAOBANG if p[0] >= XISITANG[0][0]]
    west_edge = substring(LineString(XISITANG), 0, LineString(XISITANG).project(Point(XISITANG_SOUTH)))
    rough = Polygon(west + [(121.5400, 31.3700), (121.5400, SOUTH_EDGE[-1][1])]
                    + SOUTH_EDGE[::-1] + list(west_edge.coords)[::-1][1:])
    town = rough.intersection(baoshan)
    if town.geom_type != "Polygon":
        town = max(town.geoms, key=lambda g: g.area)
    town = shapely.set_precision(town, 1e-6).buffer(0)
    town_area_km2 = float(area_m2(gpd.GeoDataFrame(geometry=[town], crs=STORAGE_CRS)).iloc[0]) / 1e6
    write("boundary", [feature(
        town, id="songnan", name="淞南镇", name_en="Songnan Town",
        source=f"东、东南界：{DATAV}（宝山区与杨浦区界及黄浦江岸）；北界蕰藻浜、西界西泗塘河、南界（与高境镇）："
               f"{DRAWN}；四至依据 {MQZH}",
        accuracy_m=300, estimated=True, area_km2=round(town_area_km2, 2), reference_area_km2=13.65,
        reference_area_source=f"{MQZH}：“全镇总面积13.65平方千米”（非本工具测算）",
        note="东、东南段沿区界（精度约100米）；北、西、南段为绘制估计（精度约300米）。镇界非官方数据。")])

    # --- rivers --------------------------------------------------------------------------
    rivers = []
    for rid, name, name_en, kind, width, acc, coords, est, note in RIVERS:
        line = LineString(coords)
        if rid == "yunzaobang":
            line = substring(line, 0, line.project(mouth_pt))
        rivers.append(feature(line, id=rid, name=name, name_en=name_en, kind=kind, width_m=width,
                              source=DRAWN if est else DATAV, accuracy_m=acc, estimated=est, note=note))
    # 黄浦江 west shore = the Baoshan outline between the Yangpu border and the 蕰藻浜 mouth.
    shore = baoshan.boundary.intersection(box(121.4985, 31.3485, 121.5215, 31.3695))
    shore = shapely.line_merge(shore) if shore.geom_type == "MultiLineString" else shore
    rivers.append(feature(shore, id="huangpu", name="黄浦江", name_en="Huangpu River", kind="江",
                          width_m=None, source=f"宝山区界沿江段：{DATAV}", accuracy_m=100,
                          estimated=False, note="以区界沿江段表示黄浦江西岸（区界可能取江中线）"))
    write("rivers", rivers)

    # --- roads: noded at every crossing so they form a walking network ------------------
    lines = {n: LineString(c) for n, (_, _, _, c) in ROADS.items()}
    station_pts = {s_["pt"] for s_ in read_osm_stations(reference).values()}
    all_lines = shapely.unary_union(list(lines.values()))  # nodes at intersections
    roads = []
    for seg in shapely.get_parts(shapely.line_merge(all_lines) if False else all_lines):
        mid = seg.interpolate(0.5, normalized=True)
        name = min(lines, key=lambda n: lines[n].distance(mid))
        cls, name_en, acc, _ = ROADS[name]
        roads.append((name, cls, name_en, acc, seg))
    feats = []
    counter = {}
    for name, cls, name_en, acc, seg in roads:
        counter[name] = counter.get(name, 0) + 1
        rid = f"road_{list(ROADS).index(name):02d}_{counter[name]:02d}"
        src = DRAWN
        if any(p in station_pts for p in ROADS[name][3]):
            src += f"；经过 OpenStreetMap 车站位置（{OSM}）"
        feats.append(feature(seg, id=rid, name=name, name_en=name_en, road_class=cls, segment_of=name,
                             source=src, accuracy_m=acc, estimated=True,
                             note="中心线为绘制估计；按交叉口打断，可用作步行网络"))
    write("roads", feats)

    # --- zones (一心三线) ----------------------------------------------------------------
    town_m = metric([town]).iloc[0]
    belt_width_m = 300
    centre_radius_m = 400
    stations_osm = read_osm_stations(reference)
    zone_defs = [
        ("centre", "一心：公共中心（小五角场区域）", "One centre: public centre (Little Wujiaochang)", "centre", None,
         "繁华商业服务区、文化体育活动区", Q["centre_role"], Q["centre_ind"],
         metric([Point(stations_osm["通南路"]["pt"]), Point(CULTURE_SPORTS_CENTRE)]).buffer(centre_radius_m)
         .union_all().convex_hull),
        ("belt_yixian", "逸仙路沿线 科技产业发展带", "Yixian Road belt: technology industry", "belt", "逸仙路",
         "科技产业发展带", Q["yixian_role"], Q["yixian_ind"],
         metric([lines["逸仙路"]]).iloc[0].buffer(belt_width_m)),
        ("belt_changjiang", "长江（西）路沿线 科技企业总部集聚带", "Changjiang (West) Road belt: tech headquarters",
         "belt", "长江西路、长江路", "科技企业总部集聚带", Q["changjiang_role"], Q["changjiang_ind"],
         metric([shapely.unary_union([lines["长江西路"], lines["长江路"]])]).iloc[0].buffer(belt_width_m)),
        ("belt_jiangyang", "江杨南路沿线 综合产业发展带", "Jiangyang South Road belt: mixed industry", "belt", "江杨南路",
         "综合产业发展带", Q["jiangyang_role"], Q["jiangyang_ind"],
         metric([lines["江杨南路"]]).iloc[0].buffer(belt_width_m)),
    ]
    zfeats = []
    for zid, name, name_en, kind, road, functions, role, ind, geom_m in zone_defs:
        g = geom_m.intersection(town_m)
        method = (f"范围为估计：通南路站（OpenStreetMap 位置，{OSM}）与淞南镇文体中心（估计点位）两点各 "
                  f"{centre_radius_m} 米范围的凸包" if kind == "centre" else
                  f"范围为估计：道路中心线两侧各 {belt_width_m} 米、镇界以内"
                  + (f"；长江西路、江杨南路按 OpenStreetMap 车站位置绘制（{OSM}）" if zid != "belt_yixian" else ""))
        zfeats.append(feature(wgs([g])[0], id=zid, name=name, name_en=name_en, kind=kind, road=road,
                              functions=functions, role_quote=role, industries_quote=ind,
                              plan_ref="四（二）“一心三线”，优化产业布局空间", area_km2=round(g.area / 1e6, 3),
                              source=f"{PLAN} 四（二）；{method}", accuracy_m=300, estimated=True,
                              note="规划原文为示意图，无精确范围"))
    write("zones", zfeats)
    zones_gdf = gpd.GeoDataFrame.from_features(zfeats, crs=STORAGE_CRS)

    # --- parcels -------------------------------------------------------------------------
    # (id, name, name_en, rect, status, status_source, target, deadline, quote, use, accuracy)
    # Schematic rectangles. 沪北物流, 中节能铁合金 and 云峰 moved east (same size) with 江杨南路 when it was
    # redrawn through its station; 沪北物流 stays on the 长江西路 belt, where the plan names it.
    P = [
        ("p_hubei_logistics", "沪北物流地块", "Hubei Logistics parcel", (121.4650, 31.3443, 121.4705, 31.3478),
         "出让准备", Q["done13_transfer_prep"], "出让", "2025", Q["transfer4"], "科创产业（总部型）", 500),
        ("p_hudong_auto", "沪东汽车地块", "Hudong Auto parcel", (121.4838, 31.3468, 121.4872, 31.3492),
         "出让准备", Q["done13_transfer_prep"], "出让", "2025", Q["cj_transfer"], "科创产业（总部型）", 500),
        ("p_dongya", "东亚地块", "Dongya parcel", (121.4700, 31.3560, 121.4740, 31.3590),
         "收储", Q["done13_transfer_prep"], "出让", "2025", Q["transfer4"], None, 800),
        ("p_yuanyang", "远洋地块", "Yuanyang parcel", (121.4800, 31.3565, 121.4840, 31.3590),
         "收储", Q["done13_transfer_prep"], "出让", "2025", Q["transfer4"], None, 800),
        ("p_baowu_stainless", "宝武不锈钢地块", "Baowu Stainless Steel site", (121.4985, 31.3512, 121.5040, 31.3575),
         "研究/先行先试", Q["pilot"], "先行先试研究", "2025", Q["pilot"], "吴淞创新城转型（科创产业）", 600),
        ("p_wusong_gas", "申能吴淞煤气厂地块", "Shenergy Wusong Gas Works site", (121.4860, 31.3590, 121.4915, 31.3640),
         "研究/先行先试", Q["pilot"], "先行先试研究", "2025", Q["pilot"], "吴淞创新城转型", 600),
        ("p_ferroalloy", "中节能铁合金厂地块", "CECEP Ferroalloy Works site", (121.4632, 31.3540, 121.4692, 31.3575),
         "研究/先行先试", Q["big_dev"], None, None, Q["big_dev"], "吴淞创新城转型", 700),
        ("p_songshen_aquatic", "淞申水产地块", "Songshen Aquatic parcel", (121.4955, 31.3600, 121.4985, 31.3630),
         "研究/先行先试", "规划未说明该地块现状；状态为估计，待核实", "开发建设", "2025", Q["yixian_build"], None, 700),
        ("p_yunfeng_steel", "原云峰钢材市场备用地", "Former Yunfeng steel market reserve land", (121.4625, 31.3378, 121.4665, 31.3418),
         "规划调整/编制", Q["zhongcheng_yunfeng"], "规划编制", "2025", Q["zhongcheng_yunfeng"], None, 600),
        ("p_zhongcheng", "中成智谷", "Zhongcheng Zhigu", (121.4872, 31.3450, 121.4898, 31.3468),
         "规划调整/编制", Q["zhongcheng_yunfeng"], "规划调整", "2025", Q["zhongcheng_yunfeng"], "科技研发、文化创意", 400),
        ("p_qiaofu", "侨福芳草地", "Parkview Green (Qiaofu)", (121.4880, 31.3352, 121.4900, 31.3380),
         "在建", f"表5：{Q['qiaofu_t5']}", "配套设施建设", "2025", Q["qiaofu_shanggang"], "高端办公、商业服务", 500),
        ("p_shanggang_jifa", "上港集发地块（配套）", "SIPG Jifa parcel (amenities)", (121.4990, 31.3578, 121.5013, 31.3602),
         "在建", "“十三五”：持续推进侨福、上港地块配套设施建设", "配套设施建设", "2025", Q["qiaofu_shanggang"], "配套设施", 700),
    ]
    pfeats = []
    for pid, name, name_en, r, status, ssrc, target, deadline, quote, use, acc in P:
        g = rect(*r)
        pfeats.append(feature(g, id=pid, name=name, name_en=name_en, status=status, status_as_of="2021-01",
                              status_source=ssrc, plan_target=target,
                              plan_deadline=deadline, plan_quote=quote, planned_use=use, area_m2=0.0,
                              zone_id=None, in_centre=False,
                              source=f"名称、目标：{PLAN}；范围：绘制估计（位置示意，未取自宗地图）",
                              accuracy_m=acc, estimated=True,
                              note="期限“2025”指规划期末（十四五，2021–2025），规划未给出更细期限"
                              if deadline else "规划未给出该地块的目标"))
    parcels = gpd.GeoDataFrame.from_features(pfeats, crs=STORAGE_CRS)
    parcels["area_m2"] = area_m2(parcels).round(0)
    parcels["zone_id"] = zone_membership(parcels, zones_gdf)
    parcels["in_centre"] = in_centre(parcels, zones_gdf)
    for f, (_, row) in zip(pfeats, parcels.iterrows()):
        f["properties"].update(area_m2=float(row.area_m2), zone_id=row.zone_id, in_centre=bool(row.in_centre))
    write("parcels", pfeats)

    # --- metro ---------------------------------------------------------------------------
    # Every station at its OpenStreetMap position (a station way's centre as Overpass gives it, or the
    # station node). ``ref_lon``/``ref_lat`` repeat the OSM coordinate and ``osm_id`` names the feature,
    # so the test can check each against data/geo/reference/osm_metro_stations.csv. Ids keep the order
    # of the earlier layer (station_03 is still 淞发路); the new 长江南路 Line 18 platform and 康文路
    # come last.
    order = L3 + ["复旦大学", "上海财经大学", "殷高路", "通南路", "长江西路", "江杨南路", "爱辉路", "呼兰路",
                  "长江南路（18号线）", "康文路"]
    en_st = {"江湾镇": "Jiangwan Town", "殷高西路": "West Yingao Road", "长江南路": "South Changjiang Road",
             "淞发路": "Songfa Road", "张华浜": "Zhanghuabang", "淞滨路": "Songbin Road", "水产路": "Shuichan Road",
             "复旦大学": "Fudan University", "上海财经大学": "Shanghai Univ. of Finance and Economics",
             "殷高路": "Yingao Road", "通南路": "Tongnan Road", "长江西路": "West Changjiang Road",
             "江杨南路": "South Jiangyang Road", "爱辉路": "Aihui Road", "呼兰路": "Hulan Road",
             "长江南路（18号线）": "South Changjiang Road (Line 18 platform)", "康文路": "Kangwen Road"}
    notes = {
        "长江南路": "3号线车站；18号线站台在其西约 290 米（另列“长江南路（18号线）”），站内换乘",
        "长江南路（18号线）": "18号线长江南路站台，与3号线长江南路站换乘；OpenStreetMap 中为单独车站",
        "江杨南路": "二期开通时暂不同步开通（申通地铁公告；OpenStreetMap 标为未开通）；未来与19号线换乘",
        "呼兰路": "与1号线呼兰路站换乘；此为18号线车站（1号线车站为 OpenStreetMap way/460289575）",
        "康文路": "18号线二期西端（起点）站",
    }
    sfeats = []
    for i, n in enumerate(order):
        s_ = stations_osm[n]
        lines_ = ["3号线", "18号线"] if n in L3 and n in L18 else (["3号线"] if n in L3 else ["18号线"])
        sfeats.append(feature(Point(s_["pt"]), id=f"station_{i:02d}", name=n, name_en=en_st[n],
                              lines="、".join(lines_), state="未开通" if n == "江杨南路" else "运营",
                              ref_lon=s_["pt"][0], ref_lat=s_["pt"][1], osm_id=s_["osm_id"],
                              source=f"{OSM_STATIONS_SRC}；OSM {s_['osm_id']}", accuracy_m=30, estimated=False,
                              note=notes.get(n)))
    write("metro_stations", sfeats)
    write("metro_lines", [
        feature(LineString([stations_osm[n]["pt"] for n in L3]), id="line_3", name="轨道交通3号线",
                name_en="Metro Line 3", line="3号线", phase=None,
                source=f"车站：{OSM_STATIONS_SRC}；站间以直线连接", accuracy_m=150, estimated=True,
                note="线路为站点连线（示意），非实际轨道中心线"),
        feature(LineString([stations_osm[n]["pt"] for n in L18]), id="line_18", name="轨道交通18号线",
                name_en="Metro Line 18", line="18号线",
                phase="一期（复旦大学—长江南路）+ 二期（长江南路—康文路，2025-12-27 开通，江杨南路站暂未开通）",
                source=f"车站：{OSM_STATIONS_SRC}；站序：{L18_PHASE2}；站间以直线连接", accuracy_m=150,
                estimated=True, note="线路为按站序的站点连线（示意），非实际轨道中心线；经18号线长江南路站台"),
    ])

    # --- carrier parks -------------------------------------------------------------------
    poi = {r["name"]: (float(r["lon_wgs84"]), float(r["lat_wgs84"]))
           for r in csv.DictReader(open(reference / "pois.csv", encoding="utf-8"))}
    C = [  # id, name, name_en, (lon, lat) or None, address, theme, yiyuan, state, quote, acc, est, src
        ("c_fudan_software", "复旦软件园（宝山）高新技术产业基地", "Fudan Software Park (Baoshan)", (121.4895, 31.3413),
         "长逸路15号", "高新技术产业、创业孵化", True, "运营", Q["yiyuan"], 250, True, "地址见参考资料；点位按长逸路估计"),
        ("c_huazi_benteng", "华滋奔腾大厦", "Huazi Benteng Building", (121.4898, 31.3395),
         "逸仙路2816号", "科创", True, "运营", Q["yiyuan"], 300, True, "地址见参考资料（另一来源作2890号）；点位沿逸仙路估计"),
        ("c_zhongcheng", "中成智谷", "Zhongcheng Zhigu", (121.4885, 31.3459),
         "长江路258号", "科技研发、文化创意、文化展示、互联网经济", False, "运营", Q["zhongcheng_t5"], 400, True,
         "地址见参考资料；点位估计"),
        ("c_tongji_1", "同济创园一期", "Tongji Creative Park phase 1", (121.4830, 31.3520),
         None, "规划设计、文化创意", False, "运营", Q["tongji1_t5"], 800, True, "位置未找到公开坐标，示意"),
        ("c_tongji_2", "同济创园二期", "Tongji Creative Park phase 2", (121.4845, 31.3530),
         None, "规划设计、文化创意", False, "运营", Q["tongji2_t5"], 800, True, "位置未找到公开坐标，示意"),
        ("c_design_centre", "上海国际工业设计中心", "Shanghai International Industrial Design Centre", poi["上海国际工业设计中心"],
         "逸仙路3000号", "工业设计", False, "运营", Q["cluster"], 30, False, "坐标：shared/reference/pois.csv（百度 BD-09 → WGS84）"),
        ("c_zhongcheng_mfg", "中城制造产业园", "Zhongcheng Manufacturing Park", (121.4640, 31.3505),
         None, "科创创意", False, "运营", Q["cluster"], 800, True, "位置未找到公开坐标，示意"),
        ("c_mobile_internet", "上海移动互联网创新园", "Shanghai Mobile Internet Innovation Park", (121.4920, 31.3480),
         None, "在线新经济、创业孵化", False, "运营", Q["online"], 800, True, "位置未找到公开坐标，沿逸仙路示意"),
        ("c_huaze_live", "华泽星和直播园", "Huaze Xinghe Live-streaming Park", (121.4935, 31.3540),
         None, "在线新经济（直播）", False, "在建", Q["online"], 800, True, "位置未找到公开坐标，沿逸仙路示意"),
        ("c_weimob", "微盟总部", "Weimob Headquarters", (121.4890, 31.3463),
         "长江路258号 中成智谷B1", "总部经济、在线新经济", False, "在建", Q["key_projects"], 400, True,
         "参考资料：微盟大厦为中成智谷B1楼；点位估计"),
        ("c_weipu", "微谱宝山基地", "Weipu Baoshan Base", (121.4650, 31.3430),
         None, "科技服务（检测）", False, "在建", Q["key_projects"], 800, True, "位置未找到公开坐标，示意"),
        ("c_houyou_dc", "厚友金融云数据中心", "Houyou Financial Cloud Data Centre", (121.4625, 31.3405),
         None, "数据中心", False, "在建", Q["key_projects"], 800, True, "位置未找到公开坐标，示意"),
        ("c_zkcz", "中科创智国际科创中心", "Zhongke Chuangzhi International S&T Centre", (121.5000, 31.3525),
         None, "科创", False, "在建", Q["key_projects"], 800, True, "位置未找到公开坐标，示意"),
    ]
    cfeats = []
    for cid, name, name_en, pt, addr, theme, yy, state, quote, acc, est, srcnote in C:
        cfeats.append(feature(Point(pt), id=cid, name=name, name_en=name_en, address=addr, theme=theme,
                              yiyuan_lou=yy, state=state, plan_quote=quote, zone_id=None,
                              source=f"名称、状态依据：{PLAN}；{srcnote}", accuracy_m=acc, estimated=est,
                              note="“在建”指规划列为重点推进项目，开工情况待核实" if state == "在建" else None))
    parks = gpd.GeoDataFrame.from_features(cfeats, crs=STORAGE_CRS)
    for f, z in zip(cfeats, zone_membership(parks, zones_gdf)):
        f["properties"]["zone_id"] = z
    write("carrier_parks", cfeats)

    # --- residential (24 居委) ------------------------------------------------------------
    # The 24 official 居委 (国家统计局 统计用区划代码 2021) with their codes as ids. Each is placed at
    # one point (JUWEI: an estate address on the drawn streets, the one Baidu POI, or, with no public
    # address, by name near the centre); its area is that point's Voronoi cell inside the town, cut to
    # JUWEI_RADIUS_M around the point and minus parcels (20 m), rivers (30 m) and roads (25 m) except
    # near the point itself (the point is the better fact where a drawn road crosses it).
    juwei = {r["code"]: r for r in csv.DictReader(open(reference / "juwei_nbs2021.csv", encoding="utf-8"))}
    if sorted(juwei) != sorted(JUWEI):
        raise SystemExit(f"居委 codes differ from juwei_nbs2021.csv: {sorted(set(juwei) ^ set(JUWEI))}")
    density = 21000  # persons per km² of the drawn 居委 area (assumed gross density, not a statistic)
    anchors = {code: Point(j[3]) for code, j in JUWEI.items()}
    anchors_m = dict(zip(anchors, metric(list(anchors.values()))))
    cut = shapely.unary_union(
        list(metric([rect(*p[3]) for p in P]).buffer(20))
        + list(metric([LineString(r[6]) for r in RIVERS]).buffer(30))
        + list(metric(list(lines.values())).buffer(25)))
    cells = shapely.voronoi_polygons(shapely.MultiPoint(list(anchors_m.values())), extend_to=town_m.buffer(2000))
    rfeats, points, total = [], [], 0
    for code, (estate, address, basis, pt, acc) in JUWEI.items():
        a_m = anchors_m[code]
        if not a_m.within(town_m.buffer(-30)):
            raise SystemExit(f"{code} {estate}: its point is not inside the town")
        cell = next(c for c in shapely.get_parts(cells) if c.contains(a_m))
        g = (cell.intersection(town_m).intersection(a_m.buffer(JUWEI_RADIUS_M))
             .difference(cut.difference(a_m.buffer(60))))
        g = next(part for part in shapely.get_parts(g) if part.buffer(1).contains(a_m))
        g_wgs = shapely.set_precision(wgs([g])[0], 1e-6)   # as stored, so area_m2 matches the file
        g = metric([g_wgs]).iloc[0]
        if not g.contains(a_m):
            raise SystemExit(f"{code} {estate}: the drawn area does not contain its point")
        pop = int(round(g.area / 1e6 * density, -1))
        total += pop
        name = juwei[code]["name"]
        placed = {"address": f"按地址 {address} 定位于绘制的道路上（估计，约 {acc} 米）",
                  "poi": f"百度 POI（{address}，BD-09 → WGS84，shared/reference/pois.csv）",
                  "name": f"无公开地址：{address}（估计，约 {acc} 米）"}[basis]
        rfeats.append(feature(
            g_wgs, id=code, name=name, name_en=JUWEI_EN[code], address=address if basis != "name" else None,
            population=pop, population_estimated=True,
            population_method=f"估计：绘制的居委范围面积 × 假定毛密度 {density} 人/平方公里；无分居委的人口普查公开数据，非统计数据",
            name_verified=True, area_m2=round(g.area, 0),
            source=(f"名称、代码：国家统计局 统计用区划代码 2021（{juwei[code]['source']}）；定位：{placed}；"
                    f"范围：按各居委定位点划分的泰森多边形，限 {JUWEI_RADIUS_M} 米内、扣除地块与河道道路（估计）"),
            accuracy_m=max(acc, 400), estimated=True,
            note="名称与代码为官方；范围与人口为估计，待镇政府以居委界线与人口替换；作为覆盖分析的需求侧"))
        points.append(dict(code=code, name=name, estate=estate, address=address or "", basis=basis,
                           lon_wgs84=f"{pt[0]:.6f}", lat_wgs84=f"{pt[1]:.6f}", accuracy_m=acc,
                           estimated=str(basis != "poi").lower()))
    write("residential", rfeats)
    with open(OUT / "reference" / "juwei_points.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(points[0]))
        w.writeheader()
        w.writerows(points)
    print(f"residential population (estimated) total: {total}")

    # --- facilities ----------------------------------------------------------------------
    Fc = [  # id, name, name_en, type, (lon, lat), state, capacity, unit, quote-or-source, acc, address
        ("f_chc", "淞南镇社区卫生服务中心", "Songnan Community Health Centre", "社区卫生服务中心", (121.4740, 31.3525), "现有", None, None, Q["health_centre"], 500),
        ("f_hs1", None, None, "社区卫生服务站", (121.4630, 31.3575), "现有", None, None, Q["health5"], 700),
        ("f_hs2", None, None, "社区卫生服务站", (121.4860, 31.3500), "现有", None, None, Q["health5"], 700),
        ("f_hs3", None, None, "社区卫生服务站", (121.4980, 31.3540), "现有", None, None, Q["health5"], 700),
        ("f_hs4", None, None, "社区卫生服务站", (121.4690, 31.3400), "现有", None, None, Q["health5"], 700),
        ("f_hs5", None, None, "社区卫生服务站", (121.4800, 31.3575), "现有", None, None, Q["health5"], 700),
        ("f_civic", "淞南镇市民活动中心", "Songnan Citizens' Activity Centre", "市民活动中心", (121.4790, 31.3470), "现有", None, None, Q["t5_activity"], 500),
        ("f_culture", "淞南镇市民文化中心", "Songnan Citizens' Culture Centre", "文化活动中心", (121.4755, 31.3478), "现有", None, None, Q["facilities14"], 500),
        ("f_sports", "淞南镇文体中心", "Songnan Culture & Sports Centre", "体育设施", CULTURE_SPORTS_CENTRE, "现有", None, None, Q["t5_sports"], 500),
        ("f_eldhome", "淞南镇养老院", "Songnan Elderly Home", "养老院", (121.4680, 31.3500), "现有", None, None, Q["t5_elderly"], 500),
        ("f_carehome", None, None, "长者照护之家", (121.4720, 31.3570), "现有", None, None, Q["elderly13"], 700),
        ("f_day1", None, None, "日间照料中心", (121.4640, 31.3480), "现有", None, None, Q["elderly13"], 700),
        ("f_day2", None, None, "日间照料中心", (121.4850, 31.3545), "现有", None, None, Q["elderly13"], 700),
        ("f_day3", None, None, "日间照料中心", (121.4975, 31.3500), "现有", None, None, Q["elderly13"], 700),
        ("f_meal1", None, None, "助餐点", (121.4700, 31.3545), "现有", None, None, Q["elderly13"], 700),
        ("f_meal2", None, None, "助餐点", (121.4910, 31.3530), "现有", None, None, Q["elderly13"], 700),
        ("f_school_cj2", "上海市长江第二中学", "Shanghai Changjiang No.2 Middle School", "初中", (121.4720, 31.3490), "现有", None, None, Q["school"], 600),
        ("f_primary1", "宝山区淞南中心校", "Songnan Central School (Baoshan)", "小学", (121.4660, 31.3540), "现有", None, None, SCHOOL_LIST, 800),
        ("f_primary2", "宝山区淞南第二小学", "Songnan No.2 Primary School (Baoshan)", "小学", (121.4870, 31.3530), "现有", None, None, SCHOOL_LIST, 800),
        ("f_kg1", None, None, "幼儿园", (121.4670, 31.3580), "现有", None, None, Q["kinder"], 800),
        ("f_kg2", None, None, "幼儿园", (121.4820, 31.3480), "现有", None, None, Q["kinder"], 800),
        ("f_kg3", None, None, "幼儿园", (121.4975, 31.3530), "现有", None, None, "位置为示意；类型依据规划（幼儿园）", 800),
        ("f_songyi_centre", "淞益中心", "Songyi Centre", "淞益中心/空间/居", (121.4745, 31.3505), "规划", None, None, Q["songyi"], 800),
        ("f_songyi_10", "淞益空间（淞南十村）", "Songyi Space (Songnan No.10 Village)", "淞益中心/空间/居", (121.4750, 31.3358), "现有", None, None, Q["songnan10"], 800),
        ("f_park_songnan", "淞南公园", "Songnan Park", "公园绿地", (121.4735, 31.3550), "现有", None, None, Q["park_t5"], 600),
        ("f_park_yixian", "逸仙公园", "Yixian Park", "公园绿地", (121.4925, 31.3610), "规划", None, None, Q["yixian_park"], 800),
        ("f_green_songzhao", "淞肇路绿地", "Songzhao Road green", "公园绿地", (121.4795, 31.3560), "现有", None, None, Q["songzhao"], 800),
    ]
    # A facility with a name on a public list keeps it; one without is named by type and place: the
    # nearest drawn road and the side of it ("社区卫生服务站（淞肇路北）"), computed here.
    ffeats = []
    for fid, name, name_en, typ, pt, state, cap, unit, quote, acc in Fc:
        if name is None:
            name, name_en = place_name(UNNAMED_LABEL.get(fid, typ), Point(pt), lines)
        if quote == SCHOOL_LIST:
            src = f"名称：{SCHOOL_LIST}；点位为估计"
        elif quote in Q.values():
            src = f"存在与数量依据：{PLAN}（“{quote}”）；点位为估计"
        else:
            src = f"{quote}；类型依据 {PLAN}"
        if fid == "f_chc":
            src += f"；{HEALTH_LIST}"
        elif fid == "f_school_cj2":
            src += f"；名称：{SCHOOL_LIST}"
        ffeats.append(feature(Point(pt), id=fid, name=name, name_en=name_en, type=typ, state=state, capacity=cap,
                              capacity_unit=unit, address=None, source=src, accuracy_m=acc, estimated=True,
                              note="点位未取自公开坐标，待以实测地址替换"))
    dup = [n for n in {f["properties"]["name"] for f in ffeats}
           if sum(f["properties"]["name"] == n for f in ffeats) > 1]
    if dup:
        raise SystemExit(f"facility names not unique: {dup}")
    write("facilities", ffeats)
    print(f"town area {town_area_km2:.2f} km² (reference 13.65)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, default=ROOT.parent / "shared" / "reference")
    main(ap.parse_args().reference)
