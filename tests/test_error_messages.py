"""The catalogue of carrier-register, standards and siting messages (songnan_geo.error_messages):
every code renders in Chinese and English, every code used exists and every entry is used, and
the exceptions give English by str() and Chinese by .text("zh")."""
from __future__ import annotations

import ast
import inspect
import re
import string

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from songnan_geo import carrier_store, carriers, import_messages, siting, standards
from songnan_geo.error_messages import MESSAGES, msg, render
from songnan_geo.indicator_store import read_carrier_figures
from songnan_geo.io import load_layer

_MODULES = (carrier_store, carriers, standards, siting)
#: Codes chosen by a name at run time (f"layer_hint_{name}").
_DYNAMIC = {"layer_hint_parks", "layer_hint_zones"}
#: Parameters that are themselves messages, with a sample of each.
_MESSAGE_PARAMS = {
    "label": msg("park_label_id", id="c_x"), "where": import_messages.msg("feature_row", row=2),
    "fix": msg("fix_number", kind=msg("kind_whole"), bounds=msg("bounds_min", low=0),
               unit=msg("unit_enterprises"), unknown=msg("unknown_none")),
    "hint": msg("siting_infeasible"), "layer": msg("layer_hint_zones"), "kind": msg("kind_number"),
    "bounds": msg("bounds_range", low=1990, high=2035), "unit": msg("unit_m2"),
    "unknown": msg("unknown_none"), "or_none": msg("or_none"), "arg": msg("standards_custom"),
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
    with pytest.raises(KeyError, match="code 'nope' has no 'zh' text in songnan_geo.error_messages"):
        render("nope", "zh")
    with pytest.raises(KeyError, match="lang 'fr'"):
        render("or_none", "fr")


def test_every_code_used_is_in_the_catalogue_and_every_entry_is_used():
    used = set()
    for mod in _MODULES:
        for node in ast.walk(ast.parse(inspect.getsource(mod))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value in MESSAGES:
                used.add(node.value)
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "msg" \
                    and node.args and isinstance(node.args[0], ast.Constant):
                assert node.args[0].value in MESSAGES, f"{mod.__name__}: {node.args[0].value}"
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

