"""Plan indicators (data/indicators/*.csv) against the plan copy, cell by cell.

Table 6 (the 18 十四五 indicators) and Tables 1–4 (the 13th-FYP targets and results) are
quoted from data/plan/songnan_14th_five_year_plan.txt. The PDF conversion split some of
Table 6's cells across lines (``plan_lines`` lists them, ``;``-separated); a cell of the CSV
must equal the plan's cell, or the concatenation of that column over the listed lines.
Layout (whitespace, ``**``) is ignored through songnan_geo.plan.quotes.normalise.
"""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import REPO_ROOT

from songnan_geo.layers.io import read_plan_text
from songnan_geo.plan.quotes import normalise, quote_in_plan

IND = REPO_ROOT / "data" / "indicators"
PLAN = read_plan_text()
LINES = PLAN.split("\n")
T6 = pd.read_csv(IND / "table6.csv", dtype=str, keep_default_na=False)
BASE = pd.read_csv(IND / "baseline_13th.csv", dtype=str, keep_default_na=False)
TEXT_BASE = pd.read_csv(IND / "baseline_text.csv", dtype=str, keep_default_na=False)


def _plan_cells(plan_lines: str) -> list[str]:
    """Normalised cells of the plan rows at ``plan_lines``, columns concatenated over lines."""
    rows = [LINES[int(n) - 1].split("\t") for n in plan_lines.split(";")]
    width = max(len(r) for r in rows)
    return [normalise("".join(r[i] if i < len(r) else "" for r in rows)) for i in range(width)]


def test_table6_has_18_rows_in_order_under_its_header():
    assert T6["seq"].tolist() == [str(i) for i in range(1, 19)]
    assert T6["id"].is_unique
    assert LINES[276] == "表 6 淞南镇“十四五”规划指标体系"
    assert LINES[278].split("\t") == ["类别", "序号", "具体指标", "单位", "2025 年 目标", "指标 属性"]


@pytest.mark.parametrize("row", T6.to_dict("records"), ids=lambda r: r["id"])
def test_table6_row_is_the_plans_row_cell_by_cell(row):
    cells = _plan_cells(row["plan_lines"])
    for col in ("seq", "name", "unit", "target_2025"):
        assert normalise(row[col]) in cells, (col, row[col], cells)
    if row["attribute"]:
        assert row["attribute"] in ("预期性", "约束性")
        assert row["attribute"] in cells
    else:   # the plan copy shows no 属性 for this row: recorded as missing, never guessed
        assert not {"预期性", "约束性"} & set(cells)
        assert "待核" in row["note"]
    if ";" not in row["plan_lines"]:   # a row split across lines is checked cell by cell only
        assert quote_in_plan(row["name"], PLAN) and quote_in_plan(row["target_2025"], PLAN)
    assert row["estimated"] == "false" and "表6" in row["source"]
    assert row["measure"] in ("level", "annual", "cumulative", "mean_growth")
    assert row["better"] in ("higher", "lower")


def test_table6_categories_fill_down_as_in_the_plan():
    groups = T6.groupby("category", sort=False)["seq"].apply(lambda s: [int(v) for v in s])
    assert groups.to_dict() == {"经济发展": list(range(1, 9)), "城市品质": [9, 10, 11],
                                "民生保障": [12, 13, 14, 15], "社会治理": [16, 17, 18]}
    # 经济发展 is split by the conversion into 经济 (row 1's line) and 发展 (line 283)
    assert LINES[279].split("\t")[0] + LINES[282].split("\t")[0] == "经济发展"
    for cat, line in (("城市品质", 290), ("民生保障", 293), ("社会治理", 297)):
        assert cat in LINES[line - 1].split("\t")


def test_table6_attribute_count_against_the_plans_sentence():
    """The plan says 6 约束性; its table shows 5, and one row (9) shows no 属性 at all."""
    assert quote_in_plan("淞南镇到 2025 年的主要指标 18 个，其中约束性指标 6 个。", PLAN)
    counts = T6["attribute"].value_counts().to_dict()
    assert counts == {"预期性": 12, "约束性": 5, "": 1}
    assert T6.loc[T6["attribute"] == "", "seq"].tolist() == ["9"]


@pytest.mark.parametrize("row", BASE.to_dict("records"), ids=lambda r: r["id"])
def test_baseline_row_is_the_plans_row_cell_by_cell(row):
    cells = [normalise(c) for c in LINES[int(row["plan_line"]) - 1].split("\t")]
    if row["table"] == "1":
        cells[5] = cells[5].removesuffix("¹")    # footnote mark, quoted in the note
        expected = [row[c] for c in ("seq", "name", "target", "target_amount_yi", "result",
                                     "result_amount_yi")]
    else:
        expected = [row[c] for c in ("seq", "name", "target", "result")]
    assert cells[:len(expected)] == [normalise(e) for e in expected]
    assert row["estimated"] == "false" and f"表{row['table']}" in row["source"]


def test_baseline_tables_have_all_their_rows_and_link_table6():
    assert BASE.groupby("table")["seq"].count().to_dict() == {"1": 5, "2": 5, "3": 6, "4": 5}
    linked = BASE[BASE["table6_seq"] != ""]
    assert set(linked["table6_seq"]) <= set(T6["seq"])
    with_value = BASE[BASE["baseline_value"] != ""]
    for r in with_value.itertuples():   # a numeric baseline is the plan's result figure
        assert r.table6_seq and normalise(r.result).rstrip("%") == r.baseline_value
    assert quote_in_plan("1 64.4：因统计制度发生改变，该项指标不再进行统计，数据截止至 2019 年末。", PLAN)


@pytest.mark.parametrize("row", TEXT_BASE.to_dict("records"), ids=lambda r: r["id"])
def test_text_baseline_is_quoted_on_its_plan_line(row):
    assert quote_in_plan(row["plan_quote"], LINES[int(row["plan_line"]) - 1])
    assert normalise(f"累计达到{row['baseline_value']}家") in normalise(row["plan_quote"])
    assert row["table6_seq"] in set(T6["seq"]) and row["table6_seq"] not in set(BASE["table6_seq"])
    assert row["estimated"] == "false"
