"""Plans as data (songnan_geo.plan.registry): the 14th plan's folder, validation listing every problem,
``plan add`` / ``plan list``, and a second (synthetic, built here) plan whose targets drive
the tracker's status while the first plan's history stays as it was."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from plan_testlib import write_synthetic_plan

from songnan_geo import cli, clock
from songnan_geo.plan import registry as plans, workflow
from songnan_geo.store.schema import build_seed
from songnan_geo.store.tracker import open_store


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SONGNAN_USER_DIR", str(tmp_path / "user"))
    return tmp_path / "user"


def test_fyp14_is_a_valid_plan_folder_with_its_period():
    plan = plans.load_plan("fyp14")
    assert plan.period == (dt.date(2021, 1, 1), dt.date(2025, 12, 31))
    assert plan.repository and plan.baseline_year == 2020
    assert plans.validate_plan_folder(plan.folder, known_items=plans.known_item_ids(),
                                      zone_ids=plans.zone_ids()) == plan
    assert plan.zone_ids == ["centre", "belt_yixian", "belt_changjiang", "belt_jiangyang"]


def test_fyp14_targets_are_the_seeded_targets_word_for_word():
    """targets.csv holds what the parcels layer and the 十四五 project table say, not more."""
    seed = {i["id"]: i for i in build_seed().items}
    targets = plans.load_plan("fyp14").targets()
    with_target = {i for i, it in seed.items() if it["target_status"]}
    assert set(targets["item_id"]) == with_target
    for row in targets.itertuples():
        item = seed[row.item_id]
        assert (row.plan_target, row.target_status, row.target_rule, row.plan_deadline) == (
            item["plan_target"], item["target_status"], item["target_rule"], item["plan_deadline"])
        assert row.plan_quote == item["attrs"]["plan_quote"]


def test_period_end_is_the_default_date_once_the_period_is_over(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 12, 3, 17, 0, tzinfo=dt.timezone.utc))
    plan = plans.load_plan()
    assert plan.ended() and plan.default_as_of() == dt.date(2025, 12, 31)
    assert plans.period_state(plan, dt.date(2025, 12, 31)) == "ended"
    assert plans.period_state(plan, dt.date(2026, 12, 4)) == "ended_as_of_after"
    assert plans.period_state(plan, dt.date(2023, 1, 1), today=dt.date(2023, 6, 1)) == "running"


def test_lateness_counts_days_late_or_early():
    assert plans.lateness("2025", None, dt.date(2026, 12, 4)) == ("late", 338)
    assert plans.lateness("2025", None, dt.date(2025, 6, 1)) is None
    assert plans.lateness("2025", dt.date(2026, 1, 31), dt.date(2026, 12, 4)) == ("done_late", 31)
    assert plans.lateness("2025-06", dt.date(2025, 6, 1), dt.date(2026, 1, 1)) == ("done_on_time", 29)
    assert plans.lateness(None, None, dt.date(2026, 1, 1)) is None


def test_a_bad_plan_folder_lists_every_problem(tmp_path):
    folder = write_synthetic_plan(tmp_path, "synth30", id="Bad Id", period_start="2031-01-01")
    (folder / "plan.txt").unlink()
    (folder / "targets.csv").write_text(
        "item_id,plan_target,target_status,target_rule,plan_deadline,plan_quote\n"
        "no_such_item,x,飞起来,sometimes,2040,\n"
        "p_dongya,x,已出让,reach,20x5,不在原文中的句子\n", encoding="utf-8")
    with pytest.raises(plans.PlanError) as err:
        plans.validate_plan_folder(folder, known_items=plans.known_item_ids())
    codes = [p.code for p in err.value.problems]
    # plan.json's own problems come first; the parts are only checked once it is readable
    assert codes == ["plan_bad_id", "plan_period_order"]
    (folder / "plan.json").write_text(json.dumps({**json.loads(
        (folder / "plan.json").read_text(encoding="utf-8")), "id": "synth30",
        "period_start": "2026-01-01", "zones": ["centre", "nowhere"]}), encoding="utf-8")
    with pytest.raises(plans.PlanError) as err:
        plans.validate_plan_folder(folder, known_items=plans.known_item_ids(),
                                   zone_ids=plans.zone_ids(), existing_ids={"synth30"})
    codes = [p.code for p in err.value.problems]
    assert codes == ["plan_id_taken", "plan_missing_file", "plan_target_unknown_item",
                     "plan_target_status", "plan_target_rule", "plan_deadline_outside",
                     "plan_target_no_quote", "plan_deadline_form", "plan_unknown_zones"]
    zh, en = err.value.text("zh"), err.value.text("en")
    assert "9 个问题" in zh and "未添加任何内容" in zh and "no_such_item" in zh
    assert "9 problems" in en and "Nothing was added" in en


def test_a_quote_not_in_the_plan_text_is_a_problem(tmp_path):
    folder = write_synthetic_plan(tmp_path)
    t = (folder / "targets.csv").read_text(encoding="utf-8").replace("推进逸仙公园提升。",
                                                                     "推进逸仙公园扩建。")
    (folder / "targets.csv").write_text(t, encoding="utf-8")
    with pytest.raises(plans.PlanError) as err:
        plans.validate_plan_folder(folder)
    assert [p.code for p in err.value.problems] == ["plan_quote_not_in_text"]


def test_plan_add_copies_to_the_user_folder_and_never_the_repository(tmp_path, user_dir, capsys):
    before = sorted(p.name for p in plans.REPO_PLANS_DIR.iterdir())
    folder = write_synthetic_plan(tmp_path / "src")
    assert cli.main(["plan", "add", str(folder)]) == 0
    assert (user_dir / "plans" / "synth30" / "plan.json").is_file()
    assert sorted(p.name for p in plans.REPO_PLANS_DIR.iterdir()) == before
    assert plans.plan_ids() == ["fyp14", "synth30"]
    assert cli.main(["plan", "list", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "synth30\t2026-01-01–2030-12-31\tSynthetic test plan (2026–2030)\tuser" in out
    # adding it again is refused (the id is taken), nothing changes
    assert cli.main(["plan", "add", str(folder), "--lang", "en"]) == 2
    assert "exists already" in capsys.readouterr().err


def test_plan_add_reports_problems_in_chinese_and_adds_nothing(tmp_path, user_dir, capsys):
    folder = write_synthetic_plan(tmp_path / "src", period_end="2026-12-31")
    assert cli.main(["plan", "add", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "不在规划期" in err and "未添加任何内容" in err
    assert not (user_dir / "plans" / "synth30").exists()


def test_the_second_plans_targets_drive_the_status_and_the_first_plans_history_is_intact(
        tmp_path, user_dir):
    plans.add_plan(write_synthetic_plan(tmp_path / "src"))
    store = open_store(tmp_path / "tracker.gpkg")
    items, history = store.items(), store.history()
    as_of = dt.date(2026, 12, 4)
    fyp14 = workflow.schedule_table(plans.with_plan_targets(items, plans.load_plan("fyp14")),
                                    history, as_of).set_index("id")
    fyp15 = workflow.schedule_table(plans.with_plan_targets(items, plans.load_plan("synth30")),
                                    history, as_of).set_index("id")
    # the 14th plan: 沪北物流 was to be sold by 2025 and is still 出让准备 → overdue
    assert fyp14.at["p_hubei_logistics", "schedule"] == "overdue"
    # the synthetic plan asks it to be under construction by 2027: still running
    assert fyp15.at["p_hubei_logistics", "schedule"] == "on_track"
    assert fyp15.at["p_hubei_logistics", "plan_deadline"] == "2027"
    assert fyp15.at["p_dongya", "schedule"] == "no_target"
    assert fyp14.at["p_dongya", "schedule"] == "overdue"
    # one history for both plans, unchanged by the second plan
    pd.testing.assert_frame_equal(store.history(), history)
    assert set(fyp14.index) == set(fyp15.index)


def test_gantt_axis_reaches_the_as_of_date_after_the_period(tmp_path):
    """Finding of issue 15: with today's date the as-of line was off the axis (not drawn)."""
    from songnan_geo.reports import tracker

    store = open_store(tmp_path / "tracker.gpkg")
    items, history = store.items(), store.history()
    rows = tracker.items_table(items, history, dt.date(2026, 12, 4), "zh",
                               plan=plans.load_plan())
    rows = rows[rows["grp"] == "parcel"]
    segs = workflow.timeline_segments(history[history["item_id"].isin(rows["id"])],
                                      dt.date(2026, 12, 4))
    spec = tracker.gantt_chart(segs, rows[["id", "name", "plan_deadline"]],
                               {"出让准备": "#111111"}, "zh", plans.load_plan().period,
                               dt.date(2026, 12, 4)).to_dict()
    domains = {tuple(layer["encoding"]["x"]["scale"]["domain"]) for layer in spec["layer"]}
    assert domains == {("2021-01-01T00:00:00", "2026-12-04T00:00:00")}
    rules = [layer for layer in spec["layer"] if layer["mark"].get("type") == "rule"
             or layer["mark"] == "rule"]
    assert len(rules) == 2          # the period's end (solid) and the as-of date (dashed)
    datasets = spec["datasets"].values()
    assert any(d == [{"as_of": "2026-12-04T00:00:00"}] for d in datasets)
    # within the period: the axis is the period, one rule
    spec = tracker.gantt_chart(segs, rows[["id", "name", "plan_deadline"]], {"出让准备": "#111111"},
                               "zh", plans.load_plan().period, dt.date(2024, 1, 1)).to_dict()
    assert {tuple(layer["encoding"]["x"]["scale"]["domain"]) for layer in spec["layer"]} == {
        ("2021-01-01T00:00:00", "2025-12-31T00:00:00")}
