"""The message catalogue of the carrier register, standards tables, siting, the tracker's status
changes and the plan indicators' entries, in zh and en.

A problem found by :func:`songnan_geo.store.carriers.check_park`, :mod:`songnan_geo.plan.carriers`,
:func:`songnan_geo.lifecircle.standards.validate_standards`,
:class:`songnan_geo.lifecircle.siting.CoverageSiting`,
:class:`songnan_geo.lifecircle.siting.CapacitatedSiting`,
:func:`songnan_geo.lifecircle.scenario.run_scenario`,
:func:`songnan_geo.plan.workflow.check_change`, :func:`songnan_geo.auth.require_editor`,
:mod:`songnan_geo.plan.indicators` or :meth:`songnan_geo.store.indicators.IndicatorStore.check_entry`
is an :class:`ErrorMessage`: a stable ``code`` and its parameters. Its text is rendered here in
Chinese (``zh``, the app's default) or English (``en``, the text of ``str()`` and of the
exceptions' ``str(exc)``) by the one message engine, :mod:`songnan_geo.text.messages` (its
templates and format specs), plus:

``field``  a field name: itself in English; in Chinese its meaning and the name, 入驻企业数（enterprises）;
``fields`` field names so, joined with ", " (en) or "、" (zh);
``semi``   items joined with "; " (en) or "；" (zh);
``isare``  "is" for one item, "are" for more (en; empty in zh);
``numbers`` the form of an n-part value: number/number (en) or 数字/数字 (zh).

Every code has both languages (``tests/unit/test_error_messages.py`` renders each one).
"""
from __future__ import annotations

from dataclasses import dataclass

from songnan_geo.text import messages
from songnan_geo.text.messages import (  # noqa: F401 (LocalisedError, text_of: this module's API too)
    LocalisedError,
    Message,
    render_from,
    text_of,
)

#: Chinese meaning of the field names the messages name (park records, standards tables).
FIELD_ZH = {
    "id": "编号", "name": "名称", "name_en": "英文名", "lon": "经度", "lat": "纬度",
    "address": "地址", "theme": "产业方向", "state": "状态", "yiyuan_lou": "亿元楼",
    "floor_area_m2": "建筑面积", "enterprises": "入驻企业数", "tax_10k_yuan": "年税收",
    "high_tech": "高新技术企业数", "stats_year": "统计年份", "opened_year": "启用年份",
    "source": "数据来源", "accuracy_m": "位置精度", "estimated": "位置为估计", "note": "说明",
    "standard": "标准", "facility_type": "设施类型", "tier_min": "生活圈层级",
    "radius_m": "服务距离", "certain": "数值确定",
    "value": "数值", "actual": "实际值", "reference": "参考值",
}

MESSAGES: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- park records (check_park)
    "park_problems": {
        "en": "{label} has {n} problem{n:plural}: {problems:semi}. Nothing was saved.",
        "zh": "{label}有 {n} 个问题：{problems:semi}。未保存任何内容。",
    },
    "park_label_id": {"en": "park {id!r}", "zh": "载体 {id!r} "},
    "park_label_record": {"en": "the park record", "zh": "载体记录"},
    "park_not_dict": {
        "en": "a park record must be a dict with the fields {fields:list}; got {type}. "
              "Nothing was saved.",
        "zh": "载体记录必须是含有以下字段的字典：{fields:list}；收到的却是 {type}。未保存任何内容。",
    },
    "park_unknown_fields": {
        "en": "unknown field(s) {unknown:list}: remove them (the fields are {fields:list})",
        "zh": "有未知字段 {unknown:list}：请删除（载体记录的字段为 {fields:list}）",
    },
    "park_missing_fields": {
        "en": "missing field(s) {missing:fields}: give every field, None where unknown",
        "zh": "缺少字段 {missing:fields}：请给出全部字段，未知的留空（None）",
    },
    "park_id_pattern": {
        "en": "id {id!r} may only hold a–z, 0–9, '_' and '-': use e.g. new_park_id(name, taken)",
        "zh": "编号（id）{id!r} 只能包含 a–z、0–9、“_”和“-”：请改用例如 new_park_id(name, taken) "
              "生成的编号",
    },
    "park_name_not_chinese": {
        "en": "name {name!r} has no Chinese character: give the Chinese name (the English one "
              "goes in name_en)",
        "zh": "名称 {name!r} 不含汉字：请填写中文名称（英文名请填在“英文名”name_en 中）",
    },
    "park_state": {
        "en": "state {state!r} is not allowed: use one of {states:list}",
        "zh": "状态 {state!r} 不是允许的取值：请使用 {states:list} 之一",
    },
    "park_bool": {
        "en": "{field:field} is {value!r}: give True or False",
        "zh": "{field:field}的值 {value!r} 无效：请填写 True（是）或 False（否）",
    },
    "park_stats_year_missing": {
        "en": "stats_year is missing but {given:fields} {given:isare} given: give the year the "
              "figures refer to ({low}–{high})",
        "zh": "已填写{given:fields}，但缺少统计年份（stats_year）：请填写这些数据所属的年份"
              "（{low}–{high}）",
    },
    "park_outside_town": {
        "en": "lon/lat ({lon:.6f}, {lat:.6f}) is {dist_m:,.0f} m outside the town boundary: "
              "place the park inside 淞南镇",
        "zh": "坐标（经度 {lon:.6f}，纬度 {lat:.6f}）位于镇界以外 {dist_m:,.0f} 米：请把载体放在"
              "淞南镇镇界以内",
    },
    "text_type": {
        "en": "{field:field} is {type} {value!r}: give text{or_none}",
        "zh": "{field:field}为 {type} 类型的 {value!r}：请填写文本{or_none}",
    },
    "or_none": {"en": " or None", "zh": "，或留空"},
    "text_missing": {
        "en": "{field:field} is missing: give at least {n} character{n:plural}",
        "zh": "{field:field}缺失：请至少填写 {n} 个字符",
    },
    "text_too_short": {
        "en": "{field:field} is too short ({value!r}): give at least {n} character{n:plural}",
        "zh": "{field:field}太短（{value!r}）：请至少填写 {n} 个字符",
    },
    "number_missing": {
        "en": "{field:field} is missing: {fix}",
        "zh": "{field:field}缺失：{fix}",
    },
    "number_bool": {
        "en": "{field:field} is the yes/no value {value!r}: {fix}",
        "zh": "{field:field}是“是/否”值 {value!r}，不是数字：{fix}",
    },
    "number_type": {
        "en": "{field:field} is {type} {value!r}: {fix}",
        "zh": "{field:field}为 {type} 类型的 {value!r}，不是数字：{fix}",
    },
    "number_nan": {
        "en": "{field:field} is NaN: {fix}",
        "zh": "{field:field}为 NaN（非数）：{fix}",
    },
    "number_inf": {
        "en": "{field:field} is infinite: {fix}",
        "zh": "{field:field}为无穷大：{fix}",
    },
    "number_not_whole": {
        "en": "{field:field} {value!r} is not whole: {fix}",
        "zh": "{field:field}为 {value!r}，不是整数：{fix}",
    },
    "number_out_of_range": {
        "en": "{field:field} {value!r} is out of range: {fix}",
        "zh": "{field:field}为 {value!r}，超出范围：{fix}",
    },
    "fix_number": {
        "en": "give {kind}{bounds}{unit}{unknown}",
        "zh": "请填写{bounds}{kind}{unit}{unknown}",
    },
    "kind_whole": {"en": "a whole number", "zh": "整数"},
    "kind_number": {"en": "a number", "zh": "数字"},
    "bounds_range": {"en": " from {low:g} to {high:g}", "zh": " {low:g} 至 {high:g} 之间的"},
    "bounds_min": {"en": " ≥ {low:g}", "zh": "不小于 {low:g} 的"},
    "unknown_none": {"en": ", or None when unknown (never 0)", "zh": "，未知时留空（不要填 0）"},
    "unit_lon": {"en": " (EPSG:4326 longitude, degrees)", "zh": "（EPSG:4326 经度，单位：度）"},
    "unit_lat": {"en": " (EPSG:4326 latitude, degrees)", "zh": "（EPSG:4326 纬度，单位：度）"},
    "unit_m2": {"en": " m²", "zh": "（单位：平方米）"},
    "unit_enterprises": {"en": " (入驻企业数)", "zh": "（入驻企业数，单位：家）"},
    "unit_tax": {"en": " 万元", "zh": "（单位：万元）"},
    "unit_high_tech": {"en": " (高新技术企业数)", "zh": "（高新技术企业数，单位：家）"},
    "unit_opened": {"en": " (建成启用)", "zh": "（建成启用年份）"},
    "unit_accuracy": {"en": " (position accuracy, metres)", "zh": "（位置精度，单位：米）"},
    "parks_not_points": {
        "en": "parks: {ids:list} are not points; carrier parks are Point features (EPSG:4326).",
        "zh": "载体图层中 {ids:list} 不是点要素；产业载体必须是点（Point）要素（EPSG:4326）。",
    },

    # ---------------------------------------------------------------- aggregation (carriers.py)
    "inputs_problems": {"en": "{problems:semi}.", "zh": "{problems:semi}。"},
    "input_not_gdf": {
        "en": "{name} must be a GeoDataFrame (got {type})",
        "zh": "{name} 必须是 GeoDataFrame（收到的是 {type}）",
    },
    "input_lacks_columns": {
        "en": "{name} lacks column(s) {columns:list}; pass the {layer}",
        "zh": "{name} 缺少列 {columns:list}；请传入{layer}",
    },
    "layer_hint_parks": {"en": "carrier register or carrier_parks layer",
                         "zh": "载体登记册或 carrier_parks 图层"},
    "layer_hint_zones": {"en": "zones layer", "zh": "zones（一心三线范围）图层"},
    "parks_must_be_points": {
        "en": "parks must be points; not points: {ids:list}",
        "zh": "载体必须是点要素；以下载体不是点：{ids:list}",
    },
    "figure_field_unknown": {
        "en": "figure {id}: register_field {field!r} is unknown; use one of {allowed:list}",
        "zh": "规划数字 {id}：register_field {field!r} 无法识别；请使用 {allowed:list} 之一",
    },
    "carrier_seqs_not_two": {
        "en": "plan {plan}: carrier_indicator_seqs must name two indicator rows (new carriers, high-tech "
              "enterprises), not {seqs}; fix plan.json",
        "zh": "规划 {plan}：carrier_indicator_seqs 须列出两项指标（新增载体、高新技术企业），"
              "而不是 {seqs}；请修改 plan.json",
    },
    "indicators_lack_rows": {
        "en": "indicators lack Table 6 row(s) {rows}; pass read_plan_indicators()",
        "zh": "指标中缺少表6的第 {rows} 项；请传入 read_plan_indicators() 的结果",
    },

    # ---------------------------------------------------------------- standards tables
    "standards_problems": {
        "en": "{arg}: {n} problem(s) found; nothing was saved:",
        "zh": "{arg}：发现 {n} 个问题，未保存任何内容：",
    },
    "standards_custom": {"en": "custom standard", "zh": "自定义标准"},
    "standards_missing_columns": {
        "en": "column(s) {missing:list} missing; a standards table has the columns {columns:list}",
        "zh": "缺少列 {missing:list}；标准表应有以下列：{columns:list}",
    },
    "standards_empty": {
        "en": "{where}: '{column:field}' is empty; fill it in{hint}",
        "zh": "{where}：{column:field}为空；请填写{hint}",
    },
    "standards_source_hint": {
        "en": " (say where the number comes from, or '待核')",
        "zh": "（注明数字的出处，或填“待核”）",
    },
    "standards_radius": {
        "en": "{where}: radius_m is {value!r}; give a distance in metres greater than 0 and at "
              "most 10000",
        "zh": "{where}：服务距离（radius_m）为 {value!r}；请填写大于 0、不超过 10000 的距离（米）",
    },
    "standards_tier": {
        "en": "{where}: tier_min is {value!r}; use 5, 10 or 15 (minutes)",
        "zh": "{where}：生活圈层级（tier_min）为 {value!r}；请填写 5、10 或 15（分钟）",
    },
    "standards_certain": {
        "en": "{where}: certain is {value!r}; use true or false",
        "zh": "{where}：数值确定（certain）为 {value!r}；请填写 true（是）或 false（否）",
    },
    "standards_duplicate": {
        "en": "standard '{standard}' lists facility_type '{facility_type}' more than once; keep "
              "one row",
        "zh": "标准“{standard}”中设施类型“{facility_type}”出现了不止一次；请只保留一行",
    },

    # ---------------------------------------------------------------- siting (MCLP/LSCP)
    "siting_solver_failed": {
        "en": "{model}: the CBC solver failed ({error}). Check that PuLP's bundled CBC binary "
              "can run on this machine.",
        "zh": "{model}：CBC 求解器运行失败（{error}）。请检查 PuLP 自带的 CBC 求解器程序能否在本机运行。",
    },
    "siting_not_optimal": {
        "en": "{model}: {hint} (solver status: {status}).",
        "zh": "{model}：{hint}（求解器状态：{status}）。",
    },
    "siting_infeasible": {
        "en": "no choice of sites satisfies the constraints",
        "zh": "任何选址方案都无法满足约束条件",
    },
    "siting_time_limit": {
        "en": "the solver stopped before an answer (time limit {time_limit_s:g} s); allow more "
              "time or fewer candidates",
        "zh": "求解器在得出结果前已停止（时间上限 {time_limit_s:g} 秒）；请放宽时间上限或减少候选点",
    },
    "siting_unbounded": {
        "en": "the model is unbounded (a bug: please report it)",
        "zh": "模型无界（这是程序缺陷，请报告）",
    },
    "siting_no_optimum": {"en": "no optimal solution", "zh": "没有得到最优解"},
    "siting_k_too_small": {
        "en": "k is {k!r}; ask for at least 1 new site.",
        "zh": "新增站点数 k 为 {k!r}；请至少选择 1 个新站点。",
    },
    "siting_k_too_large": {
        "en": "k is {k} but there are only {n} candidate site(s); lower k or add candidates.",
        "zh": "新增站点数 k 为 {k}，但只有 {n} 个候选点；请减小 k 或增加候选点。",
    },
    "siting_uncoverable": {
        "en": "LSCP is infeasible: {n} demand point(s) (rows {rows:list}{more}, weight {weight:g}) "
              "have no existing or candidate site within {radius_m:g} m. Add candidates near "
              "them, raise the radius, or leave them out (uncoverable='drop').",
        "zh": "LSCP 无可行解：{n} 个需求点（编号 {rows:list}{more}，权重 {weight:g}）在 {radius_m:g} 米"
              "范围内既没有现有站点也没有候选点。请在其附近增加候选点、加大服务半径，或将其排除"
              "（uncoverable='drop'）。",
    },
    "siting_problems": {"en": "{problems:semi}.", "zh": "{problems:semi}。"},
    "siting_capacity_unknown": {
        "en": "capacitated siting needs the capacity of every existing facility; {n} have none "
              "({names:list}{more}). Enter their capacity (beds, places or seats), or treat them as "
              "unlimited (unknown_capacity='uncapacitated')",
        "zh": "按容量选址需要每个现有设施的容量；有 {n} 个设施没有容量（{names:list}{more}）。请录入其容量"
              "（床位、名额或座位数），或将其视为不限容量（unknown_capacity='uncapacitated'）",
    },
    "siting_capacity_new": {
        "en": "give the capacity of the new sites (residents each can serve, a number ≥ 0); "
              "{n} candidate(s) have none or an invalid one ({names:list}{more})",
        "zh": "请给出新站点的容量（每个站点可服务的居民数，不小于 0 的数）；有 {n} 个候选点没有容量或容量无效"
              "（{names:list}{more}）",
    },
    "siting_capacity_negative": {
        "en": "a capacity cannot be negative or infinite: {names:list}{more}",
        "zh": "容量不能为负数或无穷大：{names:list}{more}",
    },
    "siting_unknown_capacity_option": {
        "en": "unknown_capacity is {value!r}; use 'refuse' or 'uncapacitated'",
        "zh": "unknown_capacity 为 {value!r}；请使用 'refuse' 或 'uncapacitated'",
    },

    # ---------------------------------------------------------------- status changes (workflow.py)
    # The problems of one change are joined by "; " (en) / "；" (zh); the Chinese ones end
    # without "。", which workflow_problems adds.
    "workflow_problems": {"en": "{problems:semi}", "zh": "{problems:semi}。"},
    "workflow_parcel": {"en": "parcel", "zh": "地块进度流程"},
    "workflow_project": {"en": "project", "zh": "项目进度流程"},
    "workflow_illegal_step": {
        "en": "{current} → {new} is not a step of the {workflow} workflow. Allowed next: {allowed}. "
              "To record it anyway (e.g. to correct an earlier entry), an editor passes "
              "correction_reason='...' (at least {n} characters); the reason is kept in the history.",
        "zh": "{current} → {new} 不是{workflow}中的一步。允许的下一状态：{allowed}。如确需记录"
              "（例如更正此前的记录），请填写更正原因（至少 {n} 个字），更正原因会保存在变更记录中",
    },
    "workflow_final": {"en": "none (final status)", "zh": "无（已是最终状态）"},
    "workflow_reason_short": {
        "en": "correction_reason {reason!r} is too short: say in at least {n} characters why the "
              "record is corrected.",
        "zh": "更正原因 {reason!r} 太短：请用至少 {n} 个字说明为什么更正这条记录",
    },
    "workflow_unknown_status": {
        "en": "status {new!r} is not in the {workflow} workflow. Valid statuses: {statuses:list}.",
        "zh": "状态 {new!r} 不在{workflow}中。有效的状态：{statuses:list}",
    },
    "workflow_same_status": {
        "en": "the status is already {current!r}; choose a different status.",
        "zh": "当前状态已经是 {current!r}，请选择另一个状态",
    },
    "workflow_note_long": {
        "en": "note has {n} characters; keep it to {max} (put long text in the referenced "
              "document).",
        "zh": "说明有 {n} 个字，最多 {max} 个字（较长的内容请写在所引用的文件中）",
    },
    "workflow_doc_no_long": {
        "en": "doc_no has {n} characters; at most {max}.",
        "zh": "文件编号（文号）有 {n} 个字，最多 {max} 个字",
    },
    "workflow_bad_date": {"en": "effective_date: {error}", "zh": "生效日期：{error}"},
    "workflow_future": {
        "en": "effective_date {date} is in the future (today is {today}); record a status once it "
              "has taken effect.",
        "zh": "生效日期 {date} 晚于今天（{today}），请在状态实际生效后再记录",
    },
    "workflow_backdated": {
        "en": "effective_date {date} is before the current status's date {current_date}; that is "
              "a correction: give correction_reason.",
        "zh": "生效日期 {date} 早于当前状态的日期 {current_date}，属于更正：请填写更正原因",
    },
    "period_form": {
        "en": "date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD (e.g. '2025' or '2023-06-30').",
        "zh": "日期 {text!r} 不是 YYYY、YYYY-MM 或 YYYY-MM-DD 格式（例如 '2025' 或 '2023-06-30'）",
    },
    "period_not_calendar": {
        "en": "date {text!r} is not a calendar date ({reason}).",
        "zh": "日期 {text!r} 不是有效的日历日期（{reason}）",
    },
    "period_bad_year": {"en": "year {year} is out of range", "zh": "年份 {year} 超出范围"},
    "period_bad_month": {"en": "month must be in 1..12", "zh": "月份必须在 1 到 12 之间"},
    "period_bad_day": {"en": "day is out of range for month", "zh": "该月没有这一天"},

    # ---------------------------------------------------------------- editors (auth.py)
    "editor_how": {
        "en": "writes to the tracker need an editor: log in with "
              "songnan_geo.auth.authenticate(username, password, store=store) and pass the Editor "
              "it returns as editor=. Add an editor with: python -m songnan_geo editor add USER",
        "zh": "写入需要编辑身份：请先以编辑身份登录（程序中用 songnan_geo.auth.authenticate(username, "
              "password, store=store) 登录，并把返回的 Editor 作为 editor= 传入）。添加编辑："
              "python -m songnan_geo editor add USER",
    },
    "editor_required": {"en": "{how}.", "zh": "{how}。"},
    # ---------------------------------------------------------------- the tracker's store
    "store_busy": {
        "en": "the tracker store stayed locked by another writer for more than {seconds} s; "
              "nothing was saved. Try again in a moment.",
        "zh": "数据库被另一项写入占用超过 {seconds} 秒，未保存任何内容。请稍后再试。",
    },
    "editor_removed": {
        "en": "'{username}' is no longer an editor ({source}); {how}.",
        "zh": "“{username}”已不再是编辑（{source}）；{how}。",
    },
    "editors_env": {"en": "environment variable SONGNAN_EDITORS",
                    "zh": "见环境变量 SONGNAN_EDITORS"},
    "editors_file": {"en": "secrets file {path}", "zh": "见密钥文件 {path}"},

    # ---------------------------------------------------------------- indicators (Table 6)
    "ind_better": {
        "en": "better={better!r}: use 'higher' or 'lower'",
        "zh": "better={better!r} 无效：请使用 'higher'（越高越好）或 'lower'（越低越好）",
    },
    "ind_target_unknown": {
        "en": "target {text!r} is not understood: give a number (\"50\", \"≥98%\", \"6/20\") or "
              "one of the worded targets {worded:list}",
        "zh": "目标 {text!r} 无法识别：请填写数字（“50”“≥98%”“6/20”）或以下文字目标之一："
              "{worded:list}",
    },
    "ind_value_unknown": {
        "en": "{name} {text!r} is not understood: enter {n:numbers}, e.g. {example}",
        "zh": "{name:field}{text!r} 无法识别：请填写{n:numbers}，例如 {example}",
    },
    "ind_measure": {
        "en": "indicator {id}: measure={measure!r}; use one of {measures}",
        "zh": "指标 {id}：measure={measure!r} 无效；请使用 {measures} 之一",
    },
    "ind_two_baselines": {
        "en": "indicator {seq}: two 2020 baselines (Tables 1–4 and the plan text); keep one",
        "zh": "指标 {seq}：有两个 2020 年基期值（表1–4 和规划正文各一个）；请只保留一个",
    },
    "ind_unknown_id": {
        "en": "indicator_id {id!r} is unknown; use one of {ids:list}",
        "zh": "指标编号 {id!r} 不存在；请使用以下之一：{ids:list}",
    },
    "ind_entry_problems": {
        "en": "{problems:semi}. Nothing was saved.",
        "zh": "{problems:semi}。未保存任何内容。",
    },
    "ind_kind": {
        "en": "kind {given!r}: use 'actual' or 'reference'",
        "zh": "类型 {given!r} 无效：请使用 'actual'（实际值）或 'reference'（参考值）",
    },
    "ind_reference_numeric": {
        "en": "{name}: a reference value is only for a worded target; this target is the number "
              "{target!r}",
        "zh": "{name}：只有文字表述的目标才填写参考值；该指标的目标是数值 {target!r}",
    },
    "ind_year_range": {
        "en": "year {year!r}: use a year of the plan, {low}–{high}",
        "zh": "年份 {year!r} 无效：请填写规划期内的年份（{low}–{high}）",
    },
    "ind_year_future": {
        "en": "year {year}: a value cannot be entered for a year after {this_year}",
        "zh": "年份 {year}：不能填写 {this_year} 年以后的数值",
    },
    # ------------------------------------------------------------- plan folders (songnan_geo.plan.registry)
    "plan_problems": {
        "en": "the plan folder {folder} has {n} problem{n:plural}: {problems:semi}. Nothing was added.",
        "zh": "规划文件夹 {folder} 有 {n} 个问题：{problems:semi}。未添加任何内容。",
    },
    "plan_unknown": {
        "en": "no plan {plan!r}: give a plan id ({known:list}) or a plan folder",
        "zh": "没有规划 {plan!r}：请给出规划编号（{known:list}）或规划文件夹",
    },
    "plan_no_meta": {
        "en": "{folder} has no plan.json (the plan's id, names, period and parts)",
        "zh": "{folder} 中没有 plan.json（规划的编号、名称、期限和组成文件）",
    },
    "plan_meta_unreadable": {
        "en": "{path} is not a JSON object in UTF-8 ({error})",
        "zh": "{path} 不是 UTF-8 编码的 JSON 对象（{error}）",
    },
    "plan_meta_missing": {
        "en": "plan.json lacks {keys:reprs}",
        "zh": "plan.json 缺少 {keys:reprs}",
    },
    "plan_bad_date": {
        "en": "{key} {value!r} is not a date (YYYY-MM-DD)",
        "zh": "{key} {value!r} 不是日期（应为 YYYY-MM-DD）",
    },
    "plan_bad_id": {
        "en": "id {id!r}: use 2–32 lower-case letters, digits or _, starting with a letter (e.g. fyp15)",
        "zh": "编号 {id!r} 无效：请用 2–32 个小写字母、数字或下划线，以字母开头（如 fyp15）",
    },
    "plan_period_order": {
        "en": "the period starts ({start}) on or after its end ({end})",
        "zh": "规划期起始日（{start}）不早于结束日（{end}）",
    },
    "plan_bad_baseline": {
        "en": "baseline_year {value!r} is not a whole year",
        "zh": "baseline_year {value!r} 不是年份（整数）",
    },
    "plan_carrier_seqs_unknown": {
        "en": "plan.json: carrier_indicator_seqs {seqs} are not rows of the plan's indicator table "
              "(rows: {known}); name rows of table6.csv or leave the list empty",
        "zh": "plan.json：carrier_indicator_seqs {seqs} 不是本规划指标表中的项（现有：{known}）；"
              "请填写 table6.csv 中的项，或留空",
    },
    "plan_missing_file": {"en": "{path} is missing", "zh": "缺少文件 {path}"},
    "plan_csv_unreadable": {
        "en": "{path} is not a UTF-8 CSV table ({error})",
        "zh": "{path} 不是 UTF-8 编码的 CSV 表（{error}）",
    },
    "plan_csv_columns": {
        "en": "{path} lacks the column(s) {missing:reprs}",
        "zh": "{path} 缺少列 {missing:reprs}",
    },
    "plan_target_duplicate": {
        "en": "{where}: item {item!r} has a second target",
        "zh": "{where}：对象 {item!r} 的目标重复",
    },
    "plan_target_unknown_item": {
        "en": "{where}: item {item!r} is not a parcel or project of the tracker",
        "zh": "{where}：{item!r} 不是进度跟踪中的地块或项目",
    },
    "plan_target_status": {
        "en": "{where}: target_status {status!r} is not a status ({statuses:list})",
        "zh": "{where}：target_status {status!r} 不是有效状态（{statuses:list}）",
    },
    "plan_target_rule": {
        "en": "{where}: target_rule {rule!r}: use 'reach' or 'pass'",
        "zh": "{where}：target_rule {rule!r} 无效：请用 'reach'（达到）或 'pass'（完成该阶段）",
    },
    "plan_deadline_form": {
        "en": "{where}: plan_deadline {deadline!r} is not YYYY, YYYY-MM or YYYY-MM-DD",
        "zh": "{where}：plan_deadline {deadline!r} 应为 YYYY、YYYY-MM 或 YYYY-MM-DD",
    },
    "plan_deadline_outside": {
        "en": "{where}: plan_deadline {deadline!r} is outside the plan's period {start}–{end}",
        "zh": "{where}：plan_deadline {deadline!r} 不在规划期 {start}–{end} 内",
    },
    "plan_target_no_quote": {
        "en": "{where}: item {item!r} has no plan_quote (the plan's words for the target)",
        "zh": "{where}：{item!r} 缺少 plan_quote（规划原文中的目标表述）",
    },
    "plan_quote_not_in_text": {
        "en": "{where}: the plan_quote {quote!r} is not in the plan text word for word",
        "zh": "{where}：plan_quote {quote!r} 与规划原文不一致",
    },
    "plan_indicator_duplicate": {
        "en": "table6.csv repeats the indicator id(s) {ids:reprs}",
        "zh": "table6.csv 中指标编号 {ids:reprs} 重复",
    },
    "plan_indicator_row": {"en": "{where}: {error}", "zh": "{where}：{error}"},
    "plan_id_taken": {
        "en": "a plan with the id {id!r} exists already: give the new plan another id",
        "zh": "编号为 {id!r} 的规划已存在：请为新规划另取编号",
    },
    "plan_text_empty": {"en": "the plan text {path} is empty", "zh": "规划原文 {path} 为空"},
    "plan_text_encoding": {
        "en": "the plan text {path} is not UTF-8",
        "zh": "规划原文 {path} 不是 UTF-8 编码",
    },
    "plan_unknown_zones": {
        "en": "zones {zones:reprs} are not ids of the zones layer ({known:list})",
        "zh": "分区 {zones:reprs} 不是分区图层中的编号（{known:list}）",
    },
    "plan_item_bad_id": {
        "en": "{where}: item id {item!r}: use 2–64 lower-case letters, digits or _, starting with "
              "a letter (e.g. p_new_site)",
        "zh": "{where}：对象编号 {item!r} 无效：请用 2–64 个小写字母、数字或下划线，以字母开头"
              "（如 p_new_site）",
    },
    "plan_item_duplicate": {
        "en": "{where}: item {item!r} is listed twice",
        "zh": "{where}：对象 {item!r} 重复列出",
    },
    "plan_item_exists": {
        "en": "{where}: item {item!r} is in the tracker already; it continues with its history: "
              "give it this plan's target in targets.csv instead of listing it as new",
        "zh": "{where}：{item!r} 已在进度跟踪中，沿用其历史记录：请在 targets.csv 中为其设定本规划的目标，"
              "不要作为新对象列出",
    },
    "plan_item_kind": {
        "en": "{where}: kind {value!r}: use 'parcel' or 'project'",
        "zh": "{where}：类型 {value!r} 无效：请用 'parcel'（地块）或 'project'（项目）",
    },
    "plan_item_status": {
        "en": "{where}: status {status!r} is not a status of its kind ({statuses:list})",
        "zh": "{where}：状态 {status!r} 不是该类对象的状态（{statuses:list}）",
    },
    "plan_item_empty": {
        "en": "{where}: the column {column!r} is empty",
        "zh": "{where}：列 {column!r} 为空",
    },
    "plan_item_date_form": {
        "en": "{where}: status_date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD",
        "zh": "{where}：status_date {date!r} 应为 YYYY、YYYY-MM 或 YYYY-MM-DD",
    },
    "plan_item_date_future": {
        "en": "{where}: status_date {date!r} is in the future",
        "zh": "{where}：status_date {date!r} 晚于今天",
    },
    "plan_item_zone": {
        "en": "{where}: zone_id {zone!r} is not an id of the zones layer ({known:list})",
        "zh": "{where}：zone_id {zone!r} 不是分区图层中的编号（{known:list}）",
    },
    "plan_item_estimated": {
        "en": "{where}: estimated {value!r}: use 'true' or 'false'",
        "zh": "{where}：estimated {value!r} 无效：请用 'true'（估计）或 'false'",
    },
    "plan_item_wkt_project": {
        "en": "{where}: item {item!r} is a project; only parcels have an outline (wkt)",
        "zh": "{where}：{item!r} 是项目；只有地块可以有范围（wkt）",
    },
    "plan_item_wkt_bad": {
        "en": "{where}: the outline (wkt) cannot be read ({error})",
        "zh": "{where}：范围（wkt）无法读取（{error}）",
    },
    "plan_item_wkt_type": {
        "en": "{where}: the outline (wkt) is a {got}; a parcel needs a Polygon or MultiPolygon",
        "zh": "{where}：范围（wkt）是 {got}；地块需要 Polygon 或 MultiPolygon（面）",
    },
    "plan_item_wkt_invalid": {
        "en": "{where}: the outline (wkt) is not a valid polygon ({reason})",
        "zh": "{where}：范围（wkt）不是有效的面（{reason}）",
    },
    "plan_item_outside_town": {
        "en": "{where}: the outline of {item!r} (centre {lon}, {lat}) is not in the town: give "
              "EPSG:4326 longitude, latitude in degrees (longitude first)",
        "zh": "{where}：{item!r} 的范围（中心 {lon}, {lat}）不在本镇：请用 EPSG:4326 经纬度（度，经度在前）",
    },
    "plan_item_accuracy": {
        "en": "{where}: accuracy_m {value!r}: give the outline's accuracy in metres (0 or more)",
        "zh": "{where}：accuracy_m {value!r} 无效：请填写范围的精度（米，不小于 0）",
    },
    # ---------------------------------------------------------------- tracker: a plan's new items
    "tracker_changed": {
        "en": "the tracker was changed by {editor} at {time} (version {current}) after the new "
              "items were checked against version {base}; nothing was added. Run the command "
              "again to check them against the tracker as it is now.",
        "zh": "新对象按进度跟踪第 {base} 版核对后，{editor} 于 {time} 修改了进度跟踪（现为第 {current} 版）；"
              "未添加任何内容。请重新运行命令，按当前进度跟踪重新核对。",
    },
    "tracker_items_exist": {
        "en": "the tracker has items {ids:reprs} already; nothing was added",
        "zh": "进度跟踪中已有对象 {ids:reprs}；未添加任何内容",
    },
    "tracker_plan_items_differ": {
        "en": "the tracker has items {ids:reprs} of plan {plan!r} already, from an earlier plan "
              "add that did not finish, and they are not exactly this folder's new items; "
              "nothing was added. Add the folder as it was then to finish that add",
        "zh": "进度跟踪中已有规划 {plan!r} 的对象 {ids:reprs}（来自此前未完成的规划添加），且与本文件夹的"
              "新对象不完全相同；未添加任何内容。请用当时的文件夹重新添加以完成那次添加",
    },
    # ---------------------------------------------------------------- evaluation texts (evaluation_store)
    "eval_problems": {"en": "{problems:semi}. Nothing was saved.", "zh": "{problems:semi}。未保存任何内容。"},
    "eval_part_unknown": {
        "en": "part {part!r} is not one of {parts:reprs}",
        "zh": "{part!r} 不是可填写的部分（{parts:reprs}）",
    },
    "eval_text_long": {
        "en": "the text has {n} characters; at most {max} are kept",
        "zh": "内容有 {n} 个字符，最多 {max} 个",
    },
    # ---------------------------------------------------------------- layer store (layerstore.py)
    "layer_stale": {
        "en": "layer '{layer}' was changed by {editor} at {time} after you opened it; your "
              "change was not saved. Reload to see their change, then make yours again if it "
              "still applies.",
        "zh": "图层“{layer}”在您打开之后已由 {editor} 于 {time} 修改；您的修改未保存。请刷新查看"
              "对方的修改，如仍需要，再重新提交您的修改。",
    },
    "layer_repository_data": {
        "en": "The app reads the layers shipped with the tool. They are read-only: only a reviewed "
              "update of the tool changes them. To import or edit layers, make an editable copy "
              "first (button below).",
        "zh": "本工具当前读取的是随工具发布的图层，只读，仅在工具经审核更新时才会改变。如需导入或修改图层，"
              "请先创建可编辑副本（见下方按钮）。",
    },
    "layer_stale_outside": {
        "en": "layer '{layer}' was changed outside the app at {time} after you opened it; "
              "your change was not saved. Reload, then make it again if it still applies.",
        "zh": "图层“{layer}”在您打开之后已于 {time} 在本工具之外被修改；您的修改未保存。请刷新后，"
              "如仍需要，再重新提交。",
    },
    "layer_not_finite": {
        "en": "layer '{layer}' has {n} value{n:plural} that {problems:isare} not a finite number "
              "({problems:semi}); layer files hold only finite numbers (strict JSON). Nothing "
              "was written.",
        "zh": "图层“{layer}”有 {n} 个值不是有限数字（{problems:semi}）；图层文件只能保存有限数字"
              "（严格 JSON）。未写入任何内容。",
    },
    "layer_not_finite_where": {
        "en": "feature {index} (id {id!r}), field '{field}': {value}",
        "zh": "第 {index} 个要素（编号 {id!r}），字段“{field}”：{value}",
    },

    # ---------------------------------------------------------------- 居委 population (store/population.py)
    "pop_unknown_juwei": {
        "en": "neighbourhood committee {id!r} is unknown; use the statistical code of one of the {n} "
              "official neighbourhood committees (juwei)",
        "zh": "居委编号 {id!r} 不存在；请使用 {n} 个官方居委之一的统计用区划代码",
    },
    "pop_not_number": {
        "en": "population {text!r} is not a whole number of residents (e.g. 3500)",
        "zh": "人口 {text!r} 不是整数人数（例如 3500）",
    },
    "pop_negative": {
        "en": "population {value} is negative; enter the number of residents (0 or more)",
        "zh": "人口 {value} 为负数；请填写常住人数（0 或以上）",
    },
    "pop_implausible": {
        "en": "population {value} is implausible for one neighbourhood committee (more than "
              "{limit}); check the figure",
        "zh": "人口 {value} 对一个居委而言不合理（超过 {limit}）；请核对数字",
    },
    "pop_year": {
        "en": "year {text!r}: give the year the figure refers to, {low}–{high}",
        "zh": "年份 {text!r} 无效：请填写该数字所指的年份，{low}–{high}",
    },
    "pop_no_source": {
        "en": "no source: say where the figure comes from (e.g. the committee's register, the 2020 "
              "census tables)",
        "zh": "未填写来源：请说明数字出处（例如 居委台账、第七次人口普查汇总表）",
    },
    # ---------------------------------------------------------------- life-circle scenarios
    "scenario_problems": {
        "en": "{problems:semi}.",
        "zh": "{problems:semi}。",
    },
    "scenario_layer_missing": {
        "en": "the {name} layer is missing",
        "zh": "缺少图层 {name}",
    },
    "scenario_basis": {
        "en": "basis is {basis!r}; use one of {choices:list}",
        "zh": "统计口径 {basis!r} 无效；可选 {choices:list}",
    },
    "scenario_method": {
        "en": "method is {method!r}; use one of {choices:list}",
        "zh": "计算方法 {method!r} 无效；可选 {choices:list}",
    },
    "scenario_network_roads": {
        "en": "method 'network' needs a roads layer (road centre-lines)",
        "zh": "步行网络方法（network）需要道路图层（道路中心线）",
    },
    "scenario_no_distance": {
        "en": "standard '{standard}' gives no distance for {types:list}",
        "zh": "标准 {standard} 未给出 {types:list} 的服务距离",
    },
    "scenario_no_type": {
        "en": "no facility type chosen",
        "zh": "未选择设施类型",
    },
    "scenario_capacity_basis": {
        "en": "capacitated siting counts residents served; choose the population basis",
        "zh": "按容量选址统计的是可服务的居民人数；请选择按人口计算",
    },
    "pop_entry_problems": {
        "en": "{problems:semi}. Nothing was saved.",
        "zh": "{problems:semi}。未保存任何内容。",
    },
}


def _field(value, lang: str) -> str:
    return f"{FIELD_ZH[value]}（{value}）" if lang == "zh" and value in FIELD_ZH else str(value)


def _fields(value, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(_field(v, lang) for v in value)


def _semi(value, lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(
        v.text(lang) if isinstance(v, Message) else str(v) for v in value)


def _isare(value, lang: str) -> str:
    return ("is" if len(value) == 1 else "are") if lang == "en" else ""


def _numbers(value, lang: str) -> str:
    return "/".join(["number" if lang == "en" else "数字"] * value)


_SPECS = {"field": _field, "fields": _fields, "semi": _semi, "isare": _isare,
          "numbers": _numbers}


def render(code: str, lang: str = "en", params: dict | None = None) -> str:
    """The text of message ``code`` in ``lang`` ('zh' or 'en') with ``params`` filled in.

    Raises KeyError naming the code (or language) when the catalogue lacks it.
    """
    return render_from(MESSAGES, "songnan_geo.text.error_messages.MESSAGES", code, lang, params,
                       _SPECS)


@dataclass(frozen=True)
class ErrorMessage(messages.Message):
    """A message of this catalogue by code and parameters; ``str()`` is the English text."""

    catalogue = MESSAGES
    catalogue_name = "songnan_geo.text.error_messages.MESSAGES"
    specs = _SPECS


def msg(code: str, **params) -> ErrorMessage:
    """Shorthand: ``msg('siting_k_too_small', k=0)``."""
    return ErrorMessage(code, params)
