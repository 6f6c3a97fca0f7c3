"""Carrier targets per plan (songnan_geo.plan.carriers.plan_target_progress): a synthetic
2026–2030 plan built here counts parks opened in its own period against its own rows, a plan
without carrier targets gives None, and a plan folder naming bad carrier rows or a missing
figures file is refused with every problem listed."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from plan_testlib import write_carrier_plan, write_synthetic_plan
from test_carriers import _parks

from songnan_geo.plan import carriers, registry as plans
from songnan_geo.store.indicators import indicators_of, read_plan_indicators

PARKS = _parks([dict(id="n0", xy=(100, 100), opened_year=2025, floor_area_m2=10000.0),
                dict(id="n1", xy=(200, 200), opened_year=2026, floor_area_m2=20000.0),
                dict(id="n2", xy=(300, 300), opened_year=2027, floor_area_m2=None),
                dict(id="h1", xy=(400, 300), high_tech=12, stats_year=2026)])


def test_a_second_plan_counts_its_own_period_against_its_own_rows(tmp_path):
    plan = plans.read_plan(write_carrier_plan(tmp_path))
    p = carriers.plan_target_progress(plan, PARKS, indicators_of(plan), {"s03": {2026: (15.0,)}},
                                      as_of=dt.date(2027, 6, 30))
    reg = p[p["source"] == "register"].set_index(["seq", "component"])
    assert set(p["seq"]) == {2, 3}
    # opened 2026 and 2027 (2025 is the new plan's baseline year): 2 parks, 2 万 m² known
    assert reg.loc[(2, 0), "value"] == 2 and reg.loc[(2, 0), "share"] == pytest.approx(1.0)
    assert reg.loc[(2, 1), "value"] == pytest.approx(2.0) and reg.loc[(2, 1), "unknown_parks"] == 1
    assert reg.loc[(3, 0), "value"] == 12 and reg.loc[(3, 0), "year"] == 2026
    ent = p[p["source"] == "entered"].set_index(["seq", "component"])
    assert ent.loc[(3, 0), "value"] == 15
    # the same parks against the 14th plan: only the 2025 park is in its period
    old = carriers.target_progress(PARKS, read_plan_indicators(), {}, as_of=dt.date(2027, 6, 30))
    assert old[(old["source"] == "register") & (old["seq"] == 6)]["value"].tolist() == [1, 1]


def test_a_plan_without_carrier_targets_gives_none(tmp_path):
    plan = plans.read_plan(write_synthetic_plan(tmp_path))
    assert carriers.plan_target_progress(plan, PARKS, indicators_of(plan), {},
                                         as_of=dt.date(2027, 6, 30)) is None


def test_fyp14_progress_is_what_it_was():
    plan = plans.load_plan("fyp14")
    as_of = dt.date(2023, 6, 1)
    by_plan = carriers.plan_target_progress(plan, PARKS, indicators_of(plan), {}, as_of=as_of)
    assert by_plan.equals(carriers.target_progress(PARKS, read_plan_indicators(), {}, as_of=as_of))


def test_bad_carrier_rows_and_a_missing_figures_file_are_all_listed(tmp_path):
    folder = write_carrier_plan(tmp_path, carrier_indicator_seqs=[2, 9], carrier_figures="cf.csv")
    with pytest.raises(plans.PlanError) as err:
        plans.validate_plan_folder(folder)
    codes = [p.code for p in err.value.problems]
    assert codes == ["plan_carrier_seqs_unknown", "plan_missing_file"]
    assert "[9]" in str(err.value.problems[0]) and "cf.csv" in str(err.value.problems[1])
    meta = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    meta.update(carrier_indicator_seqs=[1, 2, 3], carrier_figures=None)
    (folder / "plan.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(plans.PlanError) as err:
        plans.validate_plan_folder(folder)
    assert [p.code for p in err.value.problems] == ["carrier_seqs_not_two"]
    with pytest.raises(carriers.CarrierError):
        carriers.plan_target_progress(plans.read_plan(folder), PARKS, [], {}, as_of=dt.date(2027, 1, 1))


def test_the_synthetic_carrier_plan_is_valid(tmp_path):
    plan = plans.validate_plan_folder(write_carrier_plan(tmp_path))
    assert plan.carrier_indicator_seqs == [2, 3] and plan.carrier_figures_path is None
