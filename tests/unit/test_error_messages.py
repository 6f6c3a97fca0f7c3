"""The catalogue of carrier-register, standards, siting, status-change, editor and indicator
messages (songnan_geo.text.error_messages):
every code renders in Chinese and English, every code used exists and every entry is used, and
the exceptions give English by str() and Chinese by .text("zh")."""
from __future__ import annotations

import datetime as dt
import json
import re
import string

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import catalogue_codes_used
from shapely.geometry import box

from songnan_geo import auth
from songnan_geo.layers import layerstore
from songnan_geo.layers.io import load_layer
from songnan_geo.lifecircle import scenario, siting, standards
from songnan_geo.plan import carriers, indicators, registry as plans, workflow
from songnan_geo.store import (
    carriers as carrier_store,
    db,
    evaluation as evaluation_store,
    indicators as indicator_store,
    population as population_store,
    tracker as store,
)
from songnan_geo.store.indicators import read_carrier_figures
from songnan_geo.text import import_messages
from songnan_geo.text.error_messages import MESSAGES, msg, render


def _modules_using_the_catalogue() -> tuple:
    """Every module of the package that imports from this catalogue (found, not listed: a
    module split off another keeps being checked)."""
    import importlib
    from pathlib import Path

    import songnan_geo

    root = Path(songnan_geo.__file__).parent
    names = [".".join(("songnan_geo", *p.relative_to(root).with_suffix("").parts))
             for p in sorted(root.rglob("*.py"))
             if p.stem != "error_messages"
             and "songnan_geo.text.error_messages import" in p.read_text(encoding="utf-8")]
    return tuple(importlib.import_module(n) for n in names)


_MODULES = _modules_using_the_catalogue()
assert {carrier_store, carriers, standards, siting, scenario, workflow, auth, indicators,
        indicator_store, population_store, store, db, layerstore, plans,
        evaluation_store} <= set(_MODULES)
#: Codes chosen by a name at run time (f"layer_hint_{name}", f"workflow_{workflow.name}").
_DYNAMIC = {"layer_hint_parks", "layer_hint_zones", "workflow_parcel", "workflow_project"}
#: Parameters that are themselves messages, with a sample of each.
_MESSAGE_PARAMS = {
    "label": msg("park_label_id", id="c_x"), "where": import_messages.msg("feature_row", row=2),
    "fix": msg("fix_number", kind=msg("kind_whole"), bounds=msg("bounds_min", low=0),
               unit=msg("unit_enterprises"), unknown=msg("unknown_none")),
    "hint": msg("siting_infeasible"), "layer": msg("layer_hint_zones"), "kind": msg("kind_number"),
    "bounds": msg("bounds_range", low=1990, high=2035), "unit": msg("unit_m2"),
    "unknown": msg("unknown_none"), "or_none": msg("or_none"), "arg": msg("standards_custom"),
    "workflow": msg("workflow_project"), "error": msg("period_form", text="2024/3"),
    "how": msg("editor_how"), "source": msg("editors_file", path="/x/editors.json"),
}


def _fields(template: str) -> dict[str, str]:
    return {name: spec or "" for _, name, spec, _ in string.Formatter().parse(template) if name}


def _sample(name: str, spec: str):
    if name in _MESSAGE_PARAMS:
        return _MESSAGE_PARAMS[name]
    if spec == "semi":
        return [msg("siting_no_optimum"), msg("parks_must_be_points", ids=["a1"])]
    if spec in ("list", "fields", "isare"):
        return ["enterprises", "high_tech"]
    if spec == "field" or name == "field":
        return "stats_year"
    if spec in ("plural",) or name in ("n", "k", "row"):
        return 3
    if spec and spec[-1] in "fg":
        return 1234.5
    return f"<{name}>"


def test_every_code_renders_in_both_languages():
    assert len(MESSAGES) >= 60
    for code, texts in MESSAGES.items():
        assert set(texts) == {"zh", "en"}, f"{code}: has {sorted(texts)}, needs zh and en"
        fields = {**_fields(texts["en"]), **_fields(texts["zh"])}
        assert set(_fields(texts["en"])) == set(_fields(texts["zh"])), code  # same values named
        params = {name: _sample(name, spec) for name, spec in fields.items()}
        zh, en = render(code, "zh", params), render(code, "en", params)
        assert zh.strip() and en.strip() and zh != en, code
        assert "{" not in zh and "{" not in en, code
        assert re.search("[\u4e00-\u9fff]", zh), f"{code}: zh is not Chinese: {zh}"
        # the English has no Chinese of its own (only names such as 淞南镇, 万元 and the samples')
        own = re.sub(r"淞南镇|万元|入驻企业数|高新技术企业数|建成启用|待核", "", texts["en"])
        assert not re.search("[\u4e00-\u9fff]", own), f"{code}: en has Chinese: {en}"


def test_language_aware_specs():
    assert render("park_stats_year_missing", "en", {"given": ["enterprises"], "low": 2015,
                                                     "high": 2026}).startswith(
        "stats_year is missing but enterprises is given")
    assert render("park_stats_year_missing", "zh", {"given": ["enterprises", "high_tech"],
                                                     "low": 2015, "high": 2026}).startswith(
        "已填写入驻企业数（enterprises）、高新技术企业数（high_tech），但缺少统计年份（stats_year）")
    label = msg("park_label_record")
    assert render("park_problems", "en", {"label": label, "n": 1, "problems": ["x"]}) == \
        "the park record has 1 problem: x. Nothing was saved."
    assert render("park_problems", "zh", {"label": label, "n": 2, "problems": ["x", "y"]}) == \
        "载体记录有 2 个问题：x；y。未保存任何内容。"
    with pytest.raises(KeyError, match="code 'nope' has no 'zh' text in songnan_geo.text.error_messages"):
        render("nope", "zh")
    with pytest.raises(KeyError, match="lang 'fr'"):
        render("or_none", "fr")


def test_every_code_used_is_in_the_catalogue_and_every_entry_is_used():
    used = catalogue_codes_used(_MODULES, MESSAGES, {"msg": 0})
    # a few codes (feature_row) are the import catalogue's, called as import_messages.msg
    assert used - set(MESSAGES) - set(import_messages.MESSAGES) == set(), \
        "codes without a catalogue entry"
    assert set(MESSAGES) - used - _DYNAMIC == set(), "catalogue entries never used"


# --------------------------------------------------------------------------- the exceptions

def _park(**changes) -> dict:
    rec = next(r for r in carrier_store.layer_records(load_layer("carrier_parks"))
               if r["id"] == "c_zhongcheng")
    return {**rec, **changes}


def test_a_bad_park_record_in_both_languages():
    assert carrier_store.check_park(_park(), load_layer("boundary"))   # inside the town as it is
    with pytest.raises(carrier_store.CarrierError) as e:
        carrier_store.check_park(_park(lon=121.7, enterprises=-3, stats_year=2024, estimated="yes"),
                                 load_layer("boundary"))
    en, zh = str(e.value), e.value.text("zh")
    assert e.value.text("en") == en and en.startswith("park 'c_zhongcheng' has 3 problems: ")
    assert "enterprises -3 is out of range: give a whole number ≥ 0 (入驻企业数), or None when " \
           "unknown (never 0)" in en
    assert zh.startswith("载体 'c_zhongcheng' 有 3 个问题：") and zh.endswith("。未保存任何内容。")
    assert "入驻企业数（enterprises）为 -3，超出范围：请填写不小于 0 的整数（入驻企业数，单位：家），" \
           "未知时留空（不要填 0）" in zh
    assert "位置为估计（estimated）的值 'yes' 无效：请填写 True（是）或 False（否）" in zh
    metres = re.search(r"位于镇界以外 ([\d,]+) 米", zh).group(1)
    assert f"is {metres} m outside the town boundary" in en           # the same distance
    assert {f for f, _ in e.value.problems} == {"enterprises", "estimated", "lon/lat"}
    assert all(p.text("zh") in zh and str(p) in en for _, p in e.value.problems)
    with pytest.raises(carrier_store.CarrierError) as e:
        carrier_store.check_park(["c_x"])
    assert e.value.text("zh").startswith("载体记录必须是含有以下字段的字典：id、name")


def test_aggregation_errors_in_both_languages():
    parks = gpd.GeoDataFrame({"id": ["a1"], "accuracy_m": [10.0]},
                             geometry=[box(121.49, 31.34, 121.491, 31.341)], crs=4326)
    zones = load_layer("zones")
    with pytest.raises(carriers.CarrierError) as e:
        carriers.park_zones(parks, zones)
    assert str(e.value) == "parks must be points; not points: a1."
    assert e.value.text("zh") == "载体必须是点要素；以下载体不是点：a1。"
    with pytest.raises(carriers.CarrierError) as e:
        carriers.park_zones(parks.drop(columns="accuracy_m"), zones.drop(columns="kind"))
    assert e.value.text("zh") == ("parks 缺少列 accuracy_m；请传入载体登记册或 carrier_parks 图层；"
                                  "zones 缺少列 kind；请传入zones（一心三线范围）图层。")
    fig = read_carrier_figures()[0]
    bad = type(fig)(**{**fig.__dict__, "register_field": "rent"})
    with pytest.raises(carriers.CarrierError) as e:
        carriers.plan_comparison([bad], pd.Series({"parks": 1}))
    assert "register_field 'rent' is unknown; use one of floor_area_m2" in str(e.value)
    assert "无法识别" in e.value.text("zh")
    with pytest.raises(carrier_store.CarrierError) as e:
        carrier_store.layer_records(gpd.GeoDataFrame({"id": ["p1"]}, geometry=[box(0, 0, 1, 1)],
                                                     crs=4326))
    assert str(e.value).startswith("parks: p1 are not points")
    assert e.value.text("zh").startswith("载体图层中 p1 不是点要素")


def test_standards_errors_in_both_languages(tmp_path):
    table = standards.custom_template(standards.load_builtin_standards())
    table["certain"] = table["certain"].astype(object)
    table.loc[0, "certain"] = "maybe"
    table = pd.concat([table, table.iloc[[1]]], ignore_index=True)
    with pytest.raises(standards.StandardsError) as e:
        standards.save_custom_standards(table, tmp_path)
    assert str(e.value).startswith("custom standard: 2 problem(s) found; nothing was saved:")
    assert "row 1: certain is 'maybe'; use true or false" in str(e.value)
    zh = e.value.text("zh")
    assert zh.startswith("自定义标准：发现 2 个问题，未保存任何内容：")
    assert "第 1 行：数值确定（certain）为 'maybe'；请填写 true（是）或 false（否）" in zh
    assert "中设施类型“" in zh and "出现了不止一次；请只保留一行" in zh
    assert not (tmp_path / standards.CUSTOM_FILE_NAME).exists()
    with pytest.raises(standards.StandardsError) as e:
        standards.validate_standards(table.drop(columns=["radius_m"]))
    assert e.value.text("zh").startswith("table：发现 1 个问题")
    assert "缺少列 radius_m；标准表应有以下列：standard、" in e.value.text("zh")


def test_siting_errors_in_both_languages():
    dist = np.array([[100.0, 900.0], [800.0, 200.0], [5000.0, 6000.0]])
    model = siting.CoverageSiting(dist, np.array([1.0, 2.0, 5.0]), 300.0)
    with pytest.raises(siting.SitingError) as e:
        model.lscp()
    assert str(e.value).startswith("LSCP is infeasible: 1 demand point(s) (rows 2, weight 5)")
    assert e.value.text("zh").startswith("LSCP 无可行解：1 个需求点（编号 2，权重 5）在 300 米范围内"
                                         "既没有现有站点也没有候选点。")
    with pytest.raises(siting.SitingError) as e:
        model.mclp(5)
    assert str(e.value) == "k is 5 but there are only 2 candidate site(s); lower k or add candidates."
    assert e.value.text("zh") == "新增站点数 k 为 5，但只有 2 个候选点；请减小 k 或增加候选点。"



def test_status_change_errors_in_both_languages():
    today = dt.date(2026, 11, 27)
    with pytest.raises(workflow.IllegalTransitionError) as e:
        workflow.check_change(workflow.PROJECT_WORKFLOW, "谋划", "已完成", effective_date="2026-12",
                              correction_reason="x", doc_no="d" * 120, today=today)
    assert str(e.value) == (
        "谋划 → 已完成 is not a step of the project workflow. Allowed next: 前期准备、暂缓. To record "
        "it anyway (e.g. to correct an earlier entry), an editor passes correction_reason='...' (at "
        "least 4 characters); the reason is kept in the history.; correction_reason 'x' is too "
        "short: say in at least 4 characters why the record is corrected.; doc_no has 120 "
        "characters; at most 100.; effective_date 2026-12-01 is in the future (today is "
        "2026-11-27); record a status once it has taken effect.")
    assert e.value.text("zh") == (
        "谋划 → 已完成 不是项目进度流程中的一步。允许的下一状态：前期准备、暂缓。如确需记录（例如更正此前的"
        "记录），请填写更正原因（至少 4 个字），更正原因会保存在变更记录中；更正原因 'x' 太短：请用至少 4 "
        "个字说明为什么更正这条记录；文件编号（文号）有 120 个字，最多 100 个字；生效日期 2026-12-01 晚于"
        "今天（2026-11-27），请在状态实际生效后再记录。")
    assert len(e.value.problems) == 4
    with pytest.raises(workflow.IllegalTransitionError) as e:
        workflow.check_change(workflow.PARCEL_WORKFLOW, "建成", "在建", today=today)
    assert "Allowed next: none (final status)." in str(e.value)
    assert "允许的下一状态：无（已是最终状态）。" in e.value.text("zh")
    with pytest.raises(workflow.WorkflowError) as e:
        workflow.check_change(workflow.PARCEL_WORKFLOW, "收储", "已拆除", effective_date="2024-02-30",
                              today=today)
    assert e.value.text("zh") == (
        "状态 '已拆除' 不在地块进度流程中。有效的状态：研究/先行先试、规划调整/编制、收储、出让准备、已出让、"
        "在建、建成、暂缓；生效日期：日期 '2024-02-30' 不是有效的日历日期（该月没有这一天）。")
    assert str(e.value).endswith("effective_date: date '2024-02-30' is not a calendar date (day is "
                                 "out of range for month).")
    for text, en, zh in (("2024-13", "month must be in 1..12", "月份必须在 1 到 12 之间"),
                         ("0000", "year 0 is out of range", "年份 0 超出范围")):
        with pytest.raises(workflow.PeriodError) as e:
            workflow.parse_period(text)
        assert str(e.value) == f"date {text!r} is not a calendar date ({en})."
        assert e.value.text("zh") == f"日期 {text!r} 不是有效的日历日期（{zh}）"
    with pytest.raises(ValueError, match=r"is not YYYY, YYYY-MM or YYYY-MM-DD \(e.g. '2025'"):
        workflow.parse_period("2024/3")


def test_editor_required_in_both_languages(monkeypatch):
    monkeypatch.setenv("SONGNAN_EDITORS", json.dumps({"bob": auth.hash_password("long enough pw")}))
    with pytest.raises(auth.EditorRequiredError) as e:
        auth.require_editor("alice")
    assert str(e.value).startswith("writes to the tracker need an editor: log in with ")
    assert str(e.value).endswith("python -m songnan_geo editor add USER.")
    assert e.value.text("zh").startswith("写入需要编辑身份：请先以编辑身份登录")
    gone = auth.Editor("alice", auth._seal("alice"))
    with pytest.raises(auth.EditorRequiredError) as e:
        auth.require_editor(gone)
    assert str(e.value).startswith("'alice' is no longer an editor (environment variable "
                                   "SONGNAN_EDITORS); writes to the tracker need an editor")
    assert e.value.text("zh").startswith("“alice”已不再是编辑（见环境变量 SONGNAN_EDITORS）；写入需要"
                                         "编辑身份")
    assert auth.editors_source() == "environment variable SONGNAN_EDITORS"


def test_indicator_errors_in_both_languages(tmp_path):
    from songnan_geo.store.tracker import open_store
    store = indicator_store.IndicatorStore(open_store(tmp_path / "t.gpkg"))
    with pytest.raises(indicators.IndicatorError) as e:
        store.check_entry("i06", 2030, "reference", "2/x", today=dt.date(2026, 1, 1))
    assert str(e.value) == (
        "新增服务载体数量/面积: a reference value is only for a worded target; this target is the "
        "number '6/20'; year 2030: use a year of the plan, 2021–2025; value '2/x' is not "
        "understood: enter number, e.g. 3. Nothing was saved.")
    assert e.value.text("zh") == (
        "新增服务载体数量/面积：只有文字表述的目标才填写参考值；该指标的目标是数值 '6/20'；年份 2030 无效："
        "请填写规划期内的年份（2021–2025）；数值（value）'2/x' 无法识别：请填写数字，例如 3。"
        "未保存任何内容。")
    with pytest.raises(indicators.IndicatorError) as e:
        store.check_entry("i06", 2024, "guess", "2", today=dt.date(2023, 6, 1))
    assert e.value.text("zh") == ("类型 'guess' 无效：请使用 'actual'（实际值）或 'reference'（参考值）；"
                                  "年份 2024：不能填写 2023 年以后的数值。未保存任何内容。")
    with pytest.raises(indicators.IndicatorError) as e:      # a two-part target: count/area
        store.check_entry("i06", 2024, "actual", "2", today=dt.date(2026, 1, 1))
    assert str(e.value) == "value '2' is not understood: enter number/number, e.g. 3/3. Nothing " \
                           "was saved."
    assert e.value.text("zh") == "数值（value）'2' 无法识别：请填写数字/数字，例如 3/3。未保存任何内容。"
    with pytest.raises(indicators.IndicatorError) as e:
        store.check_entry("i99", 2024, "actual", "2")
    assert str(e.value).startswith("indicator_id 'i99' is unknown; use one of i01, i02")
    assert e.value.text("zh").startswith("指标编号 'i99' 不存在；请使用以下之一：i01、i02")
    with pytest.raises(indicators.IndicatorError) as e:
        indicators.parse_target("大幅提高")
    assert e.value.text("zh").startswith("目标 '大幅提高' 无法识别：请填写数字（“50”“≥98%”“6/20”）")
    store.tracker.dispose()
