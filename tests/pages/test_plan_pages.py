"""Pages under AppTest with the clock frozen after the 14th plan's period (2026-12-04 Shanghai):
the period notices and defaults of 地块进度 and 规划指标, one plan selector shared by the pages
(a second, synthetic plan added in the test), and the 终期评估 page (sections, planners' texts
with editor and version check, exports)."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import app_page_paths, button, form_login, frame_with_column, open_page, run_app
from plan_testlib import write_carrier_plan, write_synthetic_plan
from tracker_testlib import PASSWORDS, editors, store_path  # noqa: F401

from songnan_geo import clock
from songnan_geo.plan import registry as plans
from songnan_geo.text.i18n import t

INSTANT = dt.datetime(2026, 12, 3, 17, 0, tzinfo=dt.timezone.utc)
TODAY = dt.date(2026, 12, 4)
FYP14 = dict(name=plans.load_plan().name_zh, start="2021-01-01", end="2025-12-31", today="2026-12-04")


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: INSTANT.astimezone(clock.TZ))


@pytest.fixture
def second_plan(tmp_path, monkeypatch):
    monkeypatch.setenv("SONGNAN_USER_DIR", str(tmp_path / "user"))
    return plans.add_plan(write_synthetic_plan(tmp_path / "src"))


def _warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def test_tracker_says_the_period_is_over_and_offers_today(frozen, store_path, editors):
    at = open_page(app_page_paths()["tracker"])
    assert t("plan_ended").format(**FYP14) in _warnings(at)
    assert at.date_input(key="tracker_as_of").value == dt.date(2025, 12, 31)
    table = frame_with_column(at, t("tr_col_lateness")).set_index(t("tr_col_name"))
    assert (table[t("tr_col_lateness")] == "—").all()    # on the deadline day nothing is late yet
    at.button(key="tracker_as_of_today").click()
    run_app(at)
    assert t("plan_as_of_after").format(as_of="2026-12-04", **FYP14) in _warnings(at)
    table = frame_with_column(at, t("tr_col_lateness")).set_index(t("tr_col_name"))
    assert table.at["东亚地块", t("tr_col_lateness")] == "逾期 338 天（约 11 个月）"
    assert table.at["东亚地块", t("tr_col_schedule_label")] == t("tr_sched_overdue")
    assert table.at["中节能铁合金厂地块", t("tr_col_lateness")] == "—"   # no target
    at.button(key="tracker_as_of_end").click()
    run_app(at)
    assert at.date_input(key="tracker_as_of").value == dt.date(2025, 12, 31)


def test_indicators_page_says_the_period_is_over_and_what_to_enter(frozen, store_path, editors):
    at = open_page(app_page_paths()["indicators"], lang="en")
    warnings = _warnings(at)
    assert t("plan_ended", "en").format(**{**FYP14, "name": plans.load_plan().name_en}) in warnings
    assert t("ind_enter_hint", "en") in warnings
    assert at.date_input(key="ind_as_of").value == dt.date(2025, 12, 31)


def test_one_plan_selector_for_all_pages_and_the_second_plans_targets(frozen, store_path, editors,
                                                                      second_plan):
    at = open_page(app_page_paths()["tracker"])
    assert at.selectbox(key="tracker_plan_zh").value == "fyp14"       # the default plan
    assert len(at.selectbox(key="tracker_plan_zh").options) == 2
    at.selectbox(key="tracker_plan_zh").set_value("synth30")
    run_app(at)
    assert at.session_state["plan_id"] == "synth30"
    assert at.date_input(key="tracker_as_of").value == TODAY          # the period runs
    assert not any("已结束" in w for w in _warnings(at))
    table = frame_with_column(at, t("tr_col_lateness")).set_index(t("tr_col_name"))
    assert table.at["沪北物流地块", t("tr_col_plan_deadline")] == "2027"
    assert table.at["沪北物流地块", t("tr_col_schedule_label")] == t("tr_sched_on_track")
    assert table.at["东亚地块", t("tr_col_schedule_label")] == t("tr_sched_no_target")
    at.switch_page(app_page_paths()["indicators"])
    run_app(at)
    assert at.selectbox(key="ind_plan_zh").value == "synth30"
    assert frame_with_column(at, t("ind_col_status"))[t("ind_col_name")].tolist() == ["合成测试指标"]
    at.selectbox(key="ind_plan_zh").set_value("fyp14")
    run_app(at)
    assert len(frame_with_column(at, t("ind_col_status"))) == 18


def test_evaluation_page_shows_every_section_and_keeps_the_planners_texts(frozen, store_path, editors):
    at = open_page(app_page_paths()["evaluation"])
    heads = [s.value for s in at.subheader]
    for key in ("overall", "indicators", "parcels_projects", "spatial", "public_services", "problems"):
        assert t(f"ev_sec_{key}") in heads
    texts = [x.value for x in at.text]
    assert t("ev_overall_no_values").format(no_data=18, year=2025) in texts
    assert f"{t('ev_planner_problems')}：{t('ev_not_written')}" in texts
    assert len(frame_with_column(at, t("ev_col_rule"))) == 18
    assert {b.label for b in at.get("download_button")} >= {t("ev_download_pdf"), t("ev_download_xlsx"),
                                                             t("ev_download_html")}
    assert t("ev_readonly_viewer") in [c.value for c in at.caption]
    form_login(at, "ev", "alice", PASSWORDS["alice"])
    at.selectbox(key="ev_part_zh").set_value("problems")
    run_app(at)
    hostile = "出让滞后 <script>alert(1)</script> {{ 7*7 }}"
    at.text_area(key="ev_text_fyp14_problems").input(hostile)
    button(at, t("ev_save")).click()
    run_app(at)
    assert t("ev_saved").format(version=1) in [s.value for s in at.success]
    assert hostile in [x.value for x in at.text]          # shown as plain text, as written
    history = frame_with_column(at, t("ev_edit_text"))
    assert history[t("tr_col_username")].tolist() == ["alice"]
    # someone else saves meanwhile: this session's next save is refused, naming them
    from songnan_geo.auth import authenticate
    from songnan_geo.store.evaluation import EvaluationStore
    from songnan_geo.store.tracker import open_store
    other = open_store(store_path)
    EvaluationStore(other).save("fyp14", "problems", "bob 的版本", expected_version=1,
                                editor=authenticate("bob", PASSWORDS["bob"], store=other))
    at.text_area(key="ev_text_fyp14_problems").input("alice 的第二版")
    button(at, t("ev_save")).click()
    run_app(at)
    assert any("bob" in e.value for e in at.error)
    assert EvaluationStore(other).texts("fyp14")["problems"].text == "bob 的版本"


def test_carriers_targets_default_to_the_period_end_and_say_so(frozen, store_path, editors):
    at = open_page(app_page_paths()["carriers"])
    assert t("plan_ended").format(**FYP14) in _warnings(at)
    assert at.date_input(key="cr_as_of").value == dt.date(2025, 12, 31)
    at.button(key="cr_as_of_today").click()
    run_app(at)
    assert t("plan_as_of_after").format(as_of="2026-12-04", **FYP14) in _warnings(at)


def test_carriers_page_follows_the_one_plan_selector_and_says_what_a_plan_lacks(
        frozen, store_path, editors, second_plan):
    at = open_page(app_page_paths()["tracker"])
    at.selectbox(key="tracker_plan_zh").set_value("synth30")
    run_app(at)
    at.switch_page(app_page_paths()["carriers"])
    run_app(at)
    assert not at.exception and not at.error
    assert at.selectbox(key="cr_plan_zh").value == "synth30"          # the plan chosen on 地块进度
    assert at.date_input(key="cr_as_of").value == TODAY               # synth30's period runs
    name = plans.load_plan("synth30").name_zh
    infos = [i.value for i in at.info]
    assert t("cr_no_plan_figures").format(name=name) in infos
    assert t("cr_no_plan_targets").format(name=name) in infos
    # zones, register, history: no plan-figure or progress table for a plan without them
    assert len(at.dataframe) == 3
    assert frame_with_column(at, t("cr_col_uncertain")).set_index(t("cr_col_zone")).at[
        "全镇", t("cr_col_parks")] == 13                                 # the register is the same
    at.selectbox(key="cr_plan_zh").set_value("fyp14")
    run_app(at)
    assert at.session_state["plan_id"] == "fyp14"
    assert len(at.dataframe) == 5
    assert len(frame_with_column(at, t("cr_col_plan_value"))) == 6    # the 14th plan's figures
    assert len(frame_with_column(at, t("cr_col_share"))) == 6
    assert at.date_input(key="cr_as_of").value == dt.date(2025, 12, 31)
    assert not at.info


def test_carriers_page_shows_the_second_plans_carrier_targets(frozen, store_path, editors, tmp_path,
                                                              monkeypatch):
    monkeypatch.setenv("SONGNAN_USER_DIR", str(tmp_path / "user"))
    plans.add_plan(write_carrier_plan(tmp_path / "src"))
    at = open_page(app_page_paths()["carriers"], lang="en")
    at.selectbox(key="cr_plan_en").set_value("synth30c")
    run_app(at)
    assert not at.exception and not at.error
    name = plans.load_plan("synth30c").name_en
    assert t("cr_targets_plan", "en").format(name=name, seqs="2、3") in [s.value for s in at.subheader]
    assert [i.value for i in at.info] == [t("cr_no_plan_figures", "en").format(name=name)]
    prog = frame_with_column(at, t("cr_col_share", "en"))
    assert len(prog) == 6                                   # 3 components × (register, entered)
    assert set(prog[t("cr_col_target", "en")]) == {"2 个（Table 6: “2/5”）", "5 万平方米（Table 6: “2/5”）",
                                                    "30 个（Table 6: “30”）"}
    # no park of the register opened in 2026 or later: nothing counted yet, never a 14th-plan value
    assert set(prog[t("cr_col_value", "en")]) == {"unknown", "—"}


def test_tracker_lists_the_chosen_plans_items_and_own_projects(frozen, store_path, editors, tmp_path,
                                                               monkeypatch):
    """A plan with its own new items (added by an editor): chosen on 地块进度, its targets and
    deadlines drive the tables, its own projects are the list shown first, and items it sets no
    target for are never overdue against it; the 14th plan still sees its own."""
    from plan_testlib import write_items_plan
    from tracker_testlib import login

    from songnan_geo.store.tracker import open_store

    monkeypatch.setenv("SONGNAN_USER_DIR", str(tmp_path / "user"))
    store = open_store(store_path)
    plans.add_plan(write_items_plan(tmp_path / "src"), store=store, editor=login(store, "alice"),
                   base_version=store.tracker_version(),
                   known_items=plans.known_item_ids() | set(store.items()["id"]),
                   zones=plans.zone_ids(), town=plans.town_outline())
    store.dispose()
    at = open_page(app_page_paths()["tracker"])
    at.selectbox(key="tracker_plan_zh").set_value("synth30i")
    run_app(at)
    sched, deadline = t("tr_col_schedule_label"), t("tr_col_plan_deadline")
    parcels, projects = [d.value.set_index(t("tr_col_name")) for d in at.dataframe
                         if t("tr_col_lateness") in d.value.columns][:2]
    assert parcels.at["测试新地块", deadline] == "2028"
    assert parcels.at["测试新地块", sched] == t("tr_sched_on_track")
    assert parcels.at["沪北物流地块", sched] == t("tr_sched_on_track")
    assert parcels.at["东亚地块", sched] == t("tr_sched_no_target")
    assert t("tr_sched_overdue") not in set(parcels[sched]) | set(projects[sched])
    radio = at.radio(key="tracker_project_group_zh")
    assert radio.value == "synth30i" and radio.options == [
        t("tr_grp_plan").format(name=plans.load_plan("synth30i").name_zh), t("tr_grp_fyp14"),
        t("tr_grp_table5")]
    assert projects.index.tolist() == ["测试新项目"]
    assert projects.at["测试新项目", deadline] == "2029"
    summaries = [m.value for m in at.markdown if "已逾期" in m.value]
    assert summaries and all(s.endswith("已逾期 0**") for s in summaries)
    # the 14th plan: its own list first; the new items have no target in it, so never overdue
    at.selectbox(key="tracker_plan_zh").set_value("fyp14")
    run_app(at)
    assert at.radio(key="tracker_project_group_zh").value == "fyp14"
    parcels = frame_with_column(at, t("tr_col_lateness")).set_index(t("tr_col_name"))
    # on the 14th plan's end (the default date) the new parcel had no record yet
    assert parcels.at["测试新地块", sched] == t("tr_sched_no_data")
    at.button(key="tracker_as_of_today").click()
    run_app(at)
    parcels = frame_with_column(at, t("tr_col_lateness")).set_index(t("tr_col_name"))
    assert parcels.at["测试新地块", sched] == t("tr_sched_no_target")
    assert parcels.at["东亚地块", sched] == t("tr_sched_overdue")


@pytest.mark.parametrize("instant, said", [(INSTANT, True),
                                           (dt.datetime(2025, 6, 30, 4, 0, tzinfo=dt.timezone.utc), False)])
def test_overview_says_its_deadlines_belong_to_an_ended_plan(monkeypatch, store_path, instant, said):
    monkeypatch.setattr(clock, "now", lambda: instant.astimezone(clock.TZ))
    at = open_page(app_page_paths()["overview"])
    note = t("ov_plan_ended").format(name=FYP14["name"], start=FYP14["start"], end=FYP14["end"])
    assert (note in [c.value for c in at.caption]) is said
