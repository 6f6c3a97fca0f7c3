"""Workflow rules: legal steps, refused jumps, corrections, pause/resume, dates, schedule states."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from conftest import DATA_DIR, read_manifest

from songnan_geo.plan import workflow as wf
from songnan_geo.plan.workflow import (
    PARCEL_WORKFLOW as PW,
    PAUSED,
    PROJECT_WORKFLOW as JW,
    IllegalTransitionError,
    Target,
    WorkflowError,
    check_change,
)

TODAY = dt.date(2024, 6, 1)


def _parcels() -> list[dict]:
    doc = json.loads((DATA_DIR / "parcels.geojson").read_text(encoding="utf-8"))
    return [f["properties"] for f in doc["features"]]


def test_parcel_vocabulary_is_the_data_vocabulary():
    schema = json.loads((DATA_DIR / "schema" / "parcels.schema.json").read_text(encoding="utf-8"))
    assert set(PW.statuses) == set(schema["properties"]["status"]["enum"])
    assert set(PW.statuses) == set(read_manifest()["layers"]["parcels"]["palette"])
    assert {p["status"] for p in _parcels()} <= set(PW.statuses)


def test_every_legal_step_is_accepted():
    n = 0
    for wfl in (PW, JW):
        for status in wfl.statuses:
            paused_from = wfl.path[0] if status == PAUSED else None
            for nxt in wfl.allowed_next(status, paused_from):
                c = check_change(wfl, status, nxt, paused_from=paused_from, today=TODAY)
                assert c.new_status == nxt and not c.correction
                n += 1
    assert n >= 20


def test_illegal_jump_is_refused_naming_the_allowed_steps():
    with pytest.raises(IllegalTransitionError) as ei:
        check_change(PW, "研究/先行先试", "在建", today=TODAY)
    msg = str(ei.value)
    assert "研究/先行先试 → 在建" in msg and "规划调整/编制" in msg and "correction_reason" in msg
    assert ei.value.allowed == ["规划调整/编制", PAUSED]
    with pytest.raises(IllegalTransitionError):
        check_change(PW, "建成", "在建", today=TODAY)          # final: nothing follows
    assert PW.allowed_next("建成") == []
    with pytest.raises(IllegalTransitionError):
        check_change(JW, "谋划", "已完成", today=TODAY)


def test_correction_with_a_reason_is_accepted_and_flagged():
    c = check_change(PW, "研究/先行先试", "在建", correction_reason="补录：2023年已开工，此前漏记",
                     today=TODAY)
    assert c.correction and c.correction_reason == "补录：2023年已开工，此前漏记"
    with pytest.raises(IllegalTransitionError, match="too short"):
        check_change(PW, "研究/先行先试", "在建", correction_reason=" x ", today=TODAY)


def test_pause_resumes_only_to_the_status_it_was_paused_from():
    c = check_change(PW, "收储", PAUSED, today=TODAY)
    assert c.paused_from == "收储"
    assert PW.allowed_next(PAUSED, "收储") == ["收储"]
    assert check_change(PW, PAUSED, "收储", paused_from="收储", today=TODAY).paused_from is None
    with pytest.raises(IllegalTransitionError):
        check_change(PW, PAUSED, "已出让", paused_from="收储", today=TODAY)


def test_every_problem_is_reported_at_once():
    with pytest.raises(WorkflowError) as ei:
        check_change(PW, "收储", "出让准备", effective_date="2030-01-01", note="x" * 600,
                     doc_no="d" * 200, today=TODAY)
    msg = str(ei.value)
    assert len(ei.value.problems) == 3
    assert "in the future" in msg and "note has 600" in msg and "doc_no" in msg
    zh = ei.value.text("zh")                  # the same problems in Chinese, in the same order
    assert zh == "；".join(p.text("zh") for p in ei.value.problems) + "。"
    assert zh.startswith("说明有 600 个字") and "生效日期 2030-01-01 晚于今天" in zh
    with pytest.raises(WorkflowError, match="not in the parcel workflow"):
        check_change(PW, "收储", "已拆除", today=TODAY)
    with pytest.raises(WorkflowError, match="already"):
        check_change(PW, "收储", "收储", today=TODAY)
    with pytest.raises(WorkflowError, match="not a calendar date"):
        check_change(PW, "收储", "出让准备", effective_date="2024-02-30", today=TODAY)


def test_backdated_change_needs_a_reason():
    with pytest.raises(WorkflowError, match="before the current status's date"):
        check_change(PW, "收储", "出让准备", current_date="2024-03", effective_date="2024-01-15",
                     today=TODAY)
    c = check_change(PW, "收储", "出让准备", current_date="2024-03", effective_date="2024-01-15",
                     correction_reason="文件日期为1月15日", today=TODAY)
    assert c.correction and c.effective_date == "2024-01-15"
    # same month as a month-precision status date is not backdated
    assert not check_change(PW, "收储", "出让准备", current_date="2024-03",
                            effective_date="2024-03-01", today=TODAY).correction


def test_parse_period():
    assert wf.parse_period("2025", end=True) == dt.date(2025, 12, 31)
    assert wf.parse_period("2025") == dt.date(2025, 1, 1)
    assert wf.parse_period("2024-02", end=True) == dt.date(2024, 2, 29)
    assert wf.parse_period("2024-12", end=True) == dt.date(2024, 12, 31)
    assert wf.parse_period("2021-01-15", end=True) == dt.date(2021, 1, 15)
    for bad in ("2024/01", "24", "2024-13", ""):
        with pytest.raises(ValueError):
            wf.parse_period(bad)


def test_the_plan_targets_named_in_the_issue():
    """沪北物流/沪东汽车/东亚/远洋: 出让; 中成智谷: 规划调整; 原云峰: 规划编制; 宝武/吴淞煤气厂:
    先行先试研究; 淞申水产: 开发建设 — each has a workflow reading and the deadline 2025."""
    expected = {"沪北物流地块": "出让", "沪东汽车地块": "出让", "东亚地块": "出让", "远洋地块": "出让",
                "中成智谷": "规划调整", "原云峰钢材市场备用地": "规划编制", "宝武不锈钢地块": "先行先试研究",
                "申能吴淞煤气厂地块": "先行先试研究", "淞申水产地块": "开发建设"}
    by_name = {p["name"]: p for p in _parcels()}
    for name, target in expected.items():
        assert by_name[name]["plan_target"] == target
        assert by_name[name]["plan_deadline"] == "2025"
        assert wf.parcel_target(target) is not None
    for p in _parcels():
        wf.parcel_target(p["plan_target"])  # every target in the data has a reading
    assert wf.parcel_target("出让") == Target("已出让", "reach")


def test_schedule_states():
    sale = wf.parcel_target("出让")
    study = wf.parcel_target("先行先试研究")

    def state(status, target, as_of, paused_from=None):
        return wf.schedule_state(PW, status, target, "2025", as_of, paused_from=paused_from)

    assert state("收储", sale, dt.date(2023, 1, 1)) == "on_track"
    assert state("收储", sale, dt.date(2025, 7, 1)) == "due_soon"      # < 183 days to 2025-12-31
    assert state("收储", sale, dt.date(2026, 1, 1)) == "overdue"
    assert state("已出让", sale, dt.date(2026, 1, 1)) == "reached"
    assert state("在建", sale, dt.date(2026, 1, 1)) == "reached"        # beyond the target
    assert state(PAUSED, sale, dt.date(2026, 1, 1), paused_from="在建") == "reached"
    assert state(PAUSED, sale, dt.date(2026, 1, 1), paused_from="收储") == "overdue"
    assert state("研究/先行先试", study, dt.date(2024, 1, 1)) == "on_track"   # study not finished
    assert state("规划调整/编制", study, dt.date(2024, 1, 1)) == "reached"
    assert state("收储", None, dt.date(2024, 1, 1)) == "no_target"
    assert state(None, sale, dt.date(2024, 1, 1)) == "no_data"
    assert wf.schedule_state(PW, "收储", sale, "2025", dt.date(2025, 12, 1), due_soon_days=10) == "on_track"


def _history(rows):
    return pd.DataFrame(rows, columns=["item_id", "version", "effective_date", "from_status",
                                       "to_status"])


def test_status_on_a_date_and_the_schedule_table():
    hist = _history([("a", 1, "2021-01", None, "收储"), ("a", 2, "2022-05-10", "收储", "出让准备"),
                     ("a", 3, "2023-03-01", "出让准备", PAUSED),
                     ("b", 1, "2021-01", None, "已出让")])
    a = hist[hist.item_id == "a"]
    assert wf.status_on(a, dt.date(2020, 12, 31)) == (None, None)
    assert wf.status_on(a, dt.date(2021, 1, 1)) == ("收储", None)
    assert wf.status_on(a, dt.date(2022, 5, 10)) == ("出让准备", None)
    assert wf.status_on(a, dt.date(2024, 1, 1)) == (PAUSED, "出让准备")
    items = pd.DataFrame([("a", "parcel", "已出让", "reach", "2025"),
                          ("b", "parcel", "已出让", "reach", "2025"),
                          ("c", "parcel", None, None, None)],
                         columns=["id", "workflow", "target_status", "target_rule", "plan_deadline"])
    tab = wf.schedule_table(items, hist, dt.date(2025, 9, 1))
    assert tab["status_on_date"].tolist() == [PAUSED, "已出让", None]
    assert tab["schedule"].tolist() == ["due_soon", "reached", "no_data"]
    assert wf.schedule_table(items, hist, dt.date(2026, 1, 1))["schedule"].tolist()[0] == "overdue"


def test_timeline_segments_cover_each_status_period():
    hist = _history([("a", 1, "2021-01", None, "收储"), ("a", 2, "2022-05-10", "收储", "出让准备"),
                     ("a", 3, "2024-03-01", "出让准备", "已出让")])
    seg = wf.timeline_segments(hist, dt.date(2023, 12, 31))
    assert seg["status"].tolist() == ["收储", "出让准备"]       # 2024 change not yet on that date
    assert seg["start"].tolist() == [dt.date(2021, 1, 1), dt.date(2022, 5, 10)]
    assert seg["end"].tolist() == [dt.date(2022, 5, 10), dt.date(2023, 12, 31)]
    assert wf.timeline_segments(hist.iloc[0:0], dt.date(2023, 1, 1)).empty
