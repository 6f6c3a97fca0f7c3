"""The tracker's project tables (data/projects/*.csv) against the plan copy, word for word.

Table 5: every row must be the plan's own row — each of the 8 cells equal to the tab-separated
line at ``plan_line`` of data/plan/songnan_14th_five_year_plan.txt (the merged 类别 cell only on
the first row of its group), and the joined row a quote of the plan (quote_in_plan). The 十四五
projects: each name and quote must be in the plan at the line given.
"""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import DATA_DIR, REPO_ROOT

from songnan_geo.layers.io import load_layer, read_plan_text
from songnan_geo.plan.quotes import quote_in_plan
from songnan_geo.plan.workflow import PROJECT_WORKFLOW, parse_period

PROJECTS = REPO_ROOT / "data" / "projects"
PLAN = read_plan_text()
LINES = PLAN.split("\n")
TABLE5 = pd.read_csv(PROJECTS / "table5_13th_fyp.csv", dtype=str, keep_default_na=False)
FYP14 = pd.read_csv(PROJECTS / "fyp14_projects.csv", dtype=str, keep_default_na=False)
CELLS = ["seq", "category", "name", "positioning", "start", "finish", "investment_wan", "plan_state"]


def test_table5_has_the_22_rows_in_order():
    assert TABLE5["seq"].tolist() == [str(i) for i in range(1, 23)]
    assert TABLE5["id"].is_unique
    header = LINES[int(TABLE5["plan_line"].iloc[0]) - 2]
    assert header.split("\t") == ["序号", "类别", "项目", "项目定位", "启动时间", "竣工时间",
                                  "总投资 (万元)", "完成 情况"]


@pytest.mark.parametrize("row", TABLE5.to_dict("records"), ids=lambda r: r["id"])
def test_table5_row_is_the_plans_row_cell_by_cell(row):
    line = LINES[int(row["plan_line"]) - 1]
    cells = line.split("\t")
    first_of_group = cells[1] != ""
    expected = [row[c] for c in CELLS]
    if not first_of_group:   # merged 类别 cell: empty in the plan's row, filled down in the CSV
        assert row["note"] == "类别为表中合并单元格，按上一行填充"
        expected[1] = ""
    assert cells == expected
    assert quote_in_plan("\t".join(expected), PLAN)
    assert row["investment_wan"].isdigit()
    assert row["estimated"] == "false" and "表5" in row["source"]


def test_table5_categories_fill_down_correctly():
    groups = TABLE5.groupby("category", sort=False)["seq"].apply(lambda s: [int(v) for v in s])
    assert groups.to_dict() == {"产业发展": [1, 2, 3, 4, 5], "公共服务": [6, 7, 8, 9, 10],
                                "市政道路": list(range(11, 20)), "生态环境": [20, 21, 22]}


def test_table5_dates_are_read_by_the_store():
    from songnan_geo.store.schema import plan_month
    for r in TABLE5.itertuples():
        start = parse_period(plan_month(r.start))
        assert 2013 <= start.year <= 2020
        if r.plan_state != "建设中":
            assert parse_period(plan_month(r.finish), end=True) >= start


@pytest.mark.parametrize("row", FYP14.to_dict("records"), ids=lambda r: r["id"])
def test_fyp14_project_is_named_and_quoted_in_the_plan(row):
    line = LINES[int(row["plan_line"]) - 1]
    assert quote_in_plan(row["plan_quote"], line), f"quote not on plan line {row['plan_line']}"
    assert quote_in_plan(row["name"], PLAN)
    assert row["status"] in PROJECT_WORKFLOW.statuses
    assert row["target_status"] in ("", *PROJECT_WORKFLOW.statuses)
    assert row["target_rule"] in ("", "reach", "pass")
    assert bool(row["target_status"]) == bool(row["plan_deadline"]) == bool(row["target_rule"])
    if row["status_estimated"] == "false":   # a status not estimated must be the plan's words
        assert quote_in_plan(row["status_source"], PLAN)
    else:
        assert "估计" in row["status_source"] + row["note"] or "待核实" in row["note"]


def test_the_issues_fyp14_projects_are_all_there():
    names = set(FYP14["name"])
    assert {"微谱宝山基地", "厚友金融云数据中心", "微盟总部", "中科创智国际科创中心",
            "华泽星和直播孵化产业基地", "逸仙公园"} <= names
    assert FYP14["id"].is_unique and not set(FYP14["id"]) & set(TABLE5["id"])


def test_related_ids_point_at_features():
    ids = set()
    for layer in ("carrier_parks", "parcels", "facilities", "rivers"):
        ids |= set(load_layer(layer, DATA_DIR)["id"])
    roads = set(load_layer("roads", DATA_DIR)["segment_of"])
    for rel in list(TABLE5["related_id"]) + list(FYP14["related_id"]):
        for r in filter(None, rel.split(";")):
            assert r in ids or r in roads, f"related_id {r!r} is not a feature id or road"
