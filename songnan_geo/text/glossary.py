"""English glosses of the data's Chinese free text: plan quotations, themes, planned uses, notes.

The layers keep the plan's own words in Chinese (quoted exactly; ``tests/data`` checks them against
the plan text), and names, themes and notes as the data has them. Enumerated values (statuses,
states, facility types, road classes) are translated by :data:`songnan_geo.text.i18n.VALUE_LABELS`;
this catalogue covers the free text an English document prints, e.g. the investment briefing
(:mod:`songnan_geo.briefing.render`):

* :data:`TEXTS`: whole texts (plan quotations, status sources, notes, sources), looked up by the
  exact Chinese text. A text that changes (an editor's correction, a status source typed on
  地块进度) loses its gloss and is printed in Chinese, never with a stale translation;
* :data:`TERMS`: terms of the lists joined by 、 or ，(themes, planned uses, functions), glossed
  term by term; a list with one unknown term is not glossed at all.

The glosses are this tool's own translations, not official wording: a document that prints one
says so and gives the Chinese original. Data text only: the UI's words are in
:mod:`songnan_geo.text.i18n`.
"""
from __future__ import annotations

import re

#: Terms of themes, planned uses and zone functions (lists joined by 、).
TERMS: dict[str, str] = {
    # carrier park themes (产业方向)
    "高新技术产业": "high-tech industry", "创业孵化": "start-up incubation", "科创": "sci-tech innovation",
    "科技研发": "R&D", "文化创意": "creative industries", "文化展示": "cultural exhibitions",
    "互联网经济": "internet economy", "规划设计": "planning and design", "工业设计": "industrial design",
    "科创创意": "sci-tech and creative industries", "在线新经济": "online new economy",
    "在线新经济（直播）": "online new economy (live streaming)", "总部经济": "headquarters economy",
    "科技服务（检测）": "technology services (testing)", "数据中心": "data centre",
    # parcels' planned uses
    "科创产业（总部型）": "sci-tech industry (headquarters)",
    "吴淞创新城转型（科创产业）": "Wusong Innovation City transformation (sci-tech industry)",
    "吴淞创新城转型": "Wusong Innovation City transformation", "高端办公": "high-end offices",
    "商业服务": "commercial services", "配套设施": "supporting facilities",
    # zones' functions
    "繁华商业服务区": "busy commercial service area", "文化体育活动区": "culture and sports area",
    "科技产业发展带": "technology industry belt", "科技企业总部集聚带": "belt of tech company headquarters",
    "综合产业发展带": "mixed industry belt",
}

#: Whole texts, by their exact Chinese.
TEXTS: dict[str, str] = {
    # the plan's groups of named enterprises (section 五)
    "重点企业": "key enterprise",
    "优质企业（培育扶持）": "quality enterprise (to be fostered)",
    # parcels: plan targets
    "出让": "land sale", "先行先试研究": "pilot study", "开发建设": "development",
    "规划编制": "plan drafting", "规划调整": "plan revision",
    "配套设施建设": "building the supporting facilities",
    # the layers' plan quotations, status sources, notes and sources (data/geo: parcels, carrier
    # parks, zones), one entry each: the Chinese exactly as in the layer, then its gloss
    '名称、目标：《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月)；范围：绘制估计（位置示意，未取自宗地图）':
        'Name and target: the Songnan Town 14th Five-Year Plan for Economic and Social Development (January 2021); outline: drawn as an estimate (an indicative position, not taken from the cadastral map)',
    '《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月) 四（二）；范围为估计：通南路站（OpenStreetMap 位置，© OpenStreetMap contributors, ODbL 1.0）与淞南镇文体中心（估计点位）两点各 400 米范围的凸包':
        'the Songnan Town 14th Five-Year Plan for Economic and Social Development (January 2021), section 4(2); the extent is an estimate: the convex hull of 400 m around Tongnan Road station (position from OpenStreetMap, © OpenStreetMap contributors, ODbL 1.0) and around the Songnan Culture & Sports Centre (an estimated position)',
    '《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月) 四（二）；范围为估计：道路中心线两侧各 300 米、镇界以内':
        "the Songnan Town 14th Five-Year Plan for Economic and Social Development (January 2021), section 4(2); the extent is an estimate: 300 m either side of the road's centre line, within the town boundary",
    '《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月) 四（二）；范围为估计：道路中心线两侧各 300 米、镇界以内；长江西路、江杨南路按 OpenStreetMap 车站位置绘制（© OpenStreetMap contributors, ODbL 1.0）':
        "the Songnan Town 14th Five-Year Plan for Economic and Social Development (January 2021), section 4(2); the extent is an estimate: 300 m either side of the road's centre line, within the town boundary; Changjiang West Road and Jiangyang South Road drawn through the stations' OpenStreetMap positions (© OpenStreetMap contributors, ODbL 1.0)",
    '名称、状态依据：《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月)；地址见参考资料；点位按长逸路估计':
        'Name and status: the Songnan Town 14th Five-Year Plan for Economic and Social Development (January 2021); address from the reference material; position estimated from Changyi Road',
    '名称、状态依据：《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月)；地址见参考资料（另一来源作2890号）；点位沿逸仙路估计':
        'Name and status: the Songnan Town 14th Five-Year Plan for Economic and Social Development (January 2021); address from the reference material (another source gives No. 2890); position estimated along Yixian Road',
    '名称、状态依据：《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月)；地址见参考资料；点位估计':
        'Name and status: the Songnan Town 14th Five-Year Plan for Economic and Social Development (January 2021); address from the reference material; position estimated',
    '名称、状态依据：《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月)；位置未找到公开坐标，示意':
        'Name and status: the Songnan Town 14th Five-Year Plan for Economic and Social Development (January 2021); no public coordinates found; the position is indicative',
    '名称、状态依据：《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月)；坐标：shared/reference/pois.csv（百度 BD-09 → WGS84）':
        "Name and status: the Songnan Town 14th Five-Year Plan for Economic and Social Development (January 2021); coordinates: the project's reference points of interest (Baidu BD-09, converted to WGS84)",
    '名称、状态依据：《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月)；位置未找到公开坐标，沿逸仙路示意':
        'Name and status: the Songnan Town 14th Five-Year Plan for Economic and Social Development (January 2021); no public coordinates found; the position is indicative, along Yixian Road',
    '名称、状态依据：《宝山区淞南镇国民经济和社会发展第十四个五年规划纲要》(2021年1月)；参考资料：微盟大厦为中成智谷B1楼；点位估计':
        'Name and status: the Songnan Town 14th Five-Year Plan for Economic and Social Development (January 2021); reference material: the Weimob Building is building B1 of Zhongcheng Zhigu; position estimated',
    '期限“2025”指规划期末（十四五，2021–2025），规划未给出更细期限':
        'the deadline ‘2025’ is the end of the plan period (14th Five-Year Plan, 2021–2025); the plan gives no finer deadline',
    '规划未给出该地块的目标':
        'the plan gives no target for this parcel',
    '“在建”指规划列为重点推进项目，开工情况待核实':
        '‘under construction’ means the plan lists it as a key project to push forward; whether work has started is still to be checked',
    '规划未说明该地块现状；状态为估计，待核实':
        "the plan does not state this parcel's status; the status is an estimate, still to be checked",
    '完成沪北物流、沪东汽车出让前期准备工作和东亚、远洋地块收储。':
        'Complete the preparations for selling the North Shanghai Logistics and Hudong Auto parcels, and the land banking of the Dongya and Yuanyang parcels.',
    '重点对宝武不锈钢、吴淞煤气厂等地块开展先行先试研究。':
        'Carry out pilot studies above all on parcels such as Baowu Stainless Steel and the Wusong Gas Works.',
    '吴淞创新城转型发展，意味着镇域范围内宝武不锈钢厂、申能集团吴淞煤气厂、中节能铁合金厂等多个地块，将进入大开发、大变革时代。':
        "The transformation of Wusong Innovation City means that several parcels in the town, among them the Baowu Stainless Steel Works, Shenergy's Wusong Gas Works and CECEP's Ferroalloy Works, will enter an era of major development and change.",
    '力争完成中成智谷规划调整、原云峰钢材市场备用地规划编制工作。':
        'Strive to complete the plan revision for Zhongcheng Zhigu and the plan for the reserve land of the former Yunfeng steel market.',
    '表5：侨福芳草地\t高端办公、商业服务\t2016年3月\t—\t151091\t建设中':
        'Table 5 (key projects of the 13th Five-Year Plan period): Parkview Green (Qiaofu); positioning: high-end offices, commercial services; started March 2016; completed —; total investment 151091 (×10,000 yuan); under construction',
    '“十三五”：持续推进侨福、上港地块配套设施建设':
        '13th Five-Year Plan: keep pushing forward the supporting facilities of the Qiaofu and SIPG parcels',
    '节约集约利用土地资源，完成沪北物流、沪东汽车、东亚、远洋等地块出让。':
        'Use land economically and intensively; complete the sale of parcels such as North Shanghai Logistics, Hudong Auto, Dongya and Yuanyang.',
    '完成沪北物流地块、沪东汽车地块出让。':
        'Complete the sale of the North Shanghai Logistics and Hudong Auto parcels.',
    '带动沪东汽车、淞申水产等地块的开发建设。':
        'drive the development of parcels such as Hudong Auto and Songshen Aquatic.',
    '重点推进侨福、上港集发地块等配套设施建设':
        'Push forward above all the supporting facilities of the Qiaofu and SIPG Jifa parcels, among others',
    '建成华滋奔腾、复旦软件园高新技术产业基地 2 个亿元楼':
        'Build 2 ¥100m-tax buildings: Huazi Benteng and the Fudan Software Park high-tech industry base',
    '中成智谷二期\t科技研发、文化创意、文化展示、 互联网经济\t2013年6月\t2016年10月\t41030\t已完成':
        'Table 5 (key projects of the 13th Five-Year Plan period): Zhongcheng Zhigu phase 2; positioning: R&D, creative industries, cultural exhibitions, internet economy; started June 2013; completed October 2016; total investment 41030 (×10,000 yuan); completed',
    '同济创园一期\t规划设计、文化创意\t2015年1月\t2016年7月\t20248\t已完成':
        'Table 5 (key projects of the 13th Five-Year Plan period): Tongji Creative Park phase 1; positioning: planning and design, creative industries; started January 2015; completed July 2016; total investment 20248 (×10,000 yuan); completed',
    '同济创园二期\t规划设计、文化创意\t2016年1月\t2018年11月\t100017\t已完成':
        'Table 5 (key projects of the 13th Five-Year Plan period): Tongji Creative Park phase 2; positioning: planning and design, creative industries; started January 2016; completed November 2018; total investment 100017 (×10,000 yuan); completed',
    '逐步形成以华滋奔腾、中成智谷、上海国际工业设计中心、同济创园、中城制造产业园、复旦软件园等载体为核心的科创创意产业集群':
        'Gradually form a sci-tech and creative industry cluster centred on carriers such as Huazi Benteng, Zhongcheng Zhigu, the Shanghai International Industrial Design Centre, Tongji Creative Park, Zhongcheng Manufacturing Park and Fudan Software Park',
    '以“移动互联网创新园”“华泽星和直播园”等在线新经济载体为依托':
        'relying on online-new-economy carriers such as the ‘Mobile Internet Innovation Park’ and the ‘Huaze Xinghe Live-streaming Park’',
    '加快推进微谱宝山基地、厚友金融云数据中心、微盟总部、中科创智国际科创中心、华泽星和直播孵化产业基地等重点项目建设':
        'Speed up key projects such as the Weipu Baoshan Base, the Houyou Financial Cloud Data Centre, the Weimob Headquarters, the Zhongke Chuangzhi International S&T Centre and the Huaze Xinghe live-streaming incubation base',
    '“一心”（公共中心）是指淞南“小五角场区域”，以地铁18号线通南路站上盖和文体中心为地标，布局为繁华商业服务区、文化体育活动区。通过整合淞南建材市场、世纪联华超市、上坤红街、祥腾广场等资源，研究制定新的产城融合方案，主导方向为商业、娱乐、文化休闲、体育竞技等，真正打造一个氛围浓郁、人气聚集的淞南商业中心区域。':
        "‘One centre’ (the public centre) is Songnan's ‘Little Wujiaochang area’, with the development above Tongnan Road station of Metro Line 18 and the Culture & Sports Centre as its landmarks, laid out as a busy commercial service area and a culture and sports area. By bringing together resources such as the Songnan building-materials market, the Century Lianhua supermarket, Shangkun Red Street and Xiangteng Plaza, a new plan integrating industry and town is to be studied and drawn up, with commerce, entertainment, culture and leisure, and sports as the leading directions, to create a truly lively and busy commercial centre for Songnan.",
    '主导方向为商业、娱乐、文化休闲、体育竞技等':
        'the leading directions are commerce, entertainment, culture and leisure, sports and the like',
    '四（二）“一心三线”，优化产业布局空间':
        'section 4(2), ‘One centre, three belts’: optimising the spatial layout of industry',
    '规划原文为示意图，无精确范围':
        'the plan shows this as a sketch, with no exact extent',
    '以“逸仙路沿线”为重点区域，布局为科技产业发展带。以打造上海科创中心主阵地为方向，聚合现有亿元楼、产业链等科创元素，打造科创经济核心区。在全力实现科创产业集聚成型的基础上，融合发展“在线新经济”，以“移动互联网创新园”“华泽星和直播园”等在线新经济载体为依托，重点布局在线视听、在线设计、在线医疗、在线零售、在线文娱等在线新经济业态。同时推进侨福芳草地等商业项目发展，带动沪东汽车、淞申水产等地块的开发建设。':
        "With the ‘Yixian Road corridor’ as its focus area, laid out as a technology industry belt. Aiming to become a main base of Shanghai's sci-tech innovation centre, it brings together the existing ¥100m-tax buildings, industrial chains and other sci-tech elements to create a core area of the sci-tech economy. On the basis of fully achieving a cluster of sci-tech industry, it develops the ‘online new economy’ alongside, relying on online-new-economy carriers such as the ‘Mobile Internet Innovation Park’ and the ‘Huaze Xinghe Live-streaming Park’, and focuses on online new-economy businesses such as online audio-visual, online design, online medicine, online retail and online entertainment. At the same time it advances commercial projects such as Parkview Green (Qiaofu), driving the development of parcels such as Hudong Auto and Songshen Aquatic.",
    '重点布局在线视听、在线设计、在线医疗、在线零售、在线文娱等在线新经济业态':
        'focus on online new-economy businesses such as online audio-visual, online design, online medicine, online retail and online entertainment',
    '以“长江（西）路沿线”为重点区域，布局为科技企业总部集聚带。以转型重生为主旨，提升空间能级，主导科创产业，重点引进总部型科创企业。对吴淞创新城的开发，从“结合”转向“契合”，从“配合”走向“联合”，积极主动融入淞南区域以宝武不锈钢为代表的转型发展，明确思路、建立机制，投入人力、全面服务，充分发挥这一区域吸引科创产业所具备的“空间、层高、承重、绿化”等独特优势，引进具有影响力和引领效应的重大项目，打造淞南未来发展的希望空间。力争完成中成智谷规划调整、原云峰钢材市场备用地规划编制工作。完成沪北物流地块、沪东汽车地块出让。':
        "With the ‘Changjiang (West) Road corridor’ as its focus area, laid out as a belt of tech company headquarters. With transformation and renewal as its theme, it raises the quality of its space, leads with sci-tech industry and attracts above all sci-tech companies' headquarters. The development of Wusong Innovation City moves from ‘combining’ to ‘fitting together’ and from ‘cooperating’ to ‘uniting’: actively joining the transformation of the Songnan area represented by Baowu Stainless Steel, with clear ideas, working mechanisms, staff and full service, it makes the most of the area's unique advantages for sci-tech industry — ‘space, storey height, load-bearing capacity and greenery’ — to bring in major projects with influence and a leading effect, and to create a space of hope for Songnan's future. Strive to complete the plan revision for Zhongcheng Zhigu and the plan for the reserve land of the former Yunfeng steel market. Complete the sale of the North Shanghai Logistics and Hudong Auto parcels.",
    '主导科创产业，重点引进总部型科创企业':
        "lead with sci-tech industry, attracting above all sci-tech companies' headquarters",
    '以“江杨南路沿线”为重点区域，布局为综合产业发展带。以产业升级为主旨，分门别类——继续壮大汽车销售业，规范汽配、汽修业，提升汽车服务业整体面貌，打造汽车文化产业；以点带面——以典型地块为突破口，通过“新型园区”打造，提高城市更新力度，建设一批业态多元化、内容丰富化的新型园区，将其纳入到科创中心主阵地的产业承载区，打造成为形象面貌焕然一新的多元化产业带。':
        "With the ‘Jiangyang South Road corridor’ as its focus area, laid out as a mixed industry belt. With industrial upgrading as its theme — sector by sector: keep growing car sales, regulate car parts and car repairs, improve the car services sector as a whole and build a car culture industry; from points to the whole: with typical parcels as breakthroughs and by building ‘new-type parks’, it steps up urban renewal, building a number of new-type parks with diverse businesses and rich content, makes them part of the industrial carrier area of the sci-tech innovation centre's main base, and turns the road into a diversified industry belt with a completely new look.",
    '继续壮大汽车销售业，规范汽配、汽修业，提升汽车服务业整体面貌，打造汽车文化产业':
        'keep growing car sales, regulate car parts and car repairs, improve the car services sector as a whole and build a car culture industry',
}

#: Table 6 of the plan (the 18 indicators): categories, names, units and worded targets.
INDICATOR_TEXTS: dict[str, str] = {
    "经济发展": "economic development", "城市品质": "urban quality", "民生保障": "livelihoods",
    "社会治理": "social governance",
    "地区生产总值年均增长率": "average annual growth of the town's GDP",
    "区级一般公共预算收入年均增长率": "average annual growth of district-level general budget revenue",
    "社会消费品零售总额年均增长率": "average annual growth of retail sales of consumer goods",
    "全社会固定资产投资总额": "total fixed-asset investment",
    "第三产业占比": "share of the tertiary sector",
    "新增服务载体数量/面积": "new service carriers (number / floor area)",
    "合同利用外资额": "contracted foreign investment",
    "高新技术企业数": "number of high-tech enterprises",
    "公园绿地人均面积": "park and green space per resident",
    "大气常规污染物年均浓度": "annual mean concentration of common air pollutants",
    "城镇污水收集处理率": "urban sewage collection and treatment rate",
    "城镇登记失业人数": "registered urban unemployed",
    "新增养老床位数": "new elderly-care beds",
    "新建学校（含幼儿园）": "new schools (kindergartens included)",
    "新建社区卫生服务站数": "new community health stations",
    "公众安全感指数": "public sense-of-safety index",
    "文明小区创建率": "share of estates certified as civilised communities",
    "业委会组建率": "share of estates with an owners' committee",
    "亿元": "100 million yuan", "亿美元": "100 million US dollars", "个": "number",
    "个/万平方米": "number / 10,000 m²", "人": "people", "张": "beds", "所": "schools",
    "高于全区平均水平": "above the district average", "完成区下达目标": "meet the district's target",
    "控制在下达的目标数内": "within the number set by the district",
    "完成区下达指标": "meet the district's quota", "稳步增长": "steady growth",
}
TEXTS.update(INDICATOR_TEXTS)


def glossed(text, lang: str):
    """``text`` as an English table shows data text: its gloss followed by the Chinese original
    in brackets (the gloss is this tool's own wording); unchanged in Chinese, when it has no
    gloss, or when it is not text."""
    if lang != "en" or not isinstance(text, str):
        return text
    g = gloss(text)
    return f"{g} ({text})" if g else text

_LIST_SEP = re.compile(r"[、，,]")


def gloss(text: str | None) -> str | None:
    """The English gloss of data text ``text``, or None when the catalogue has none.

    Whole texts first (:data:`TEXTS`, then a single term of :data:`TERMS`); else a list of
    terms joined by 、 or ， whose every term is known, glossed term by term (joined by ", ").
    """
    if text is None:
        return None
    key = str(text).strip()
    if not key:
        return None
    if key in TEXTS:
        return TEXTS[key]
    if key in TERMS:
        return TERMS[key]
    parts = [p.strip() for p in _LIST_SEP.split(key)]
    if len(parts) > 1 and all(p in TERMS for p in parts):
        return ", ".join(TERMS[p] for p in parts)
    return None
