"""songnan_geo.plan.indicators: target parsing, status as of a date, the mid-term table."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from songnan_geo.plan.indicators import (
    Indicator,
    IndicatorError,
    assess,
    evaluation_table,
    parse_target,
    parse_value,
    path_frame,
    path_value,
)
from songnan_geo.store.indicators import read_plan_indicators

D = dt.date


def ind(target, measure="level", better="higher", baseline=None, id_="x"):
    return Indicator(id=id_, seq=1, category="c", name="n", unit="%", target_text=target,
                     attribute="预期性", measure=measure, better=better, baseline=baseline)


@pytest.mark.parametrize("text,better,op,values,worded", [
    ("≥98%", "higher", ">=", (98.0,), False),
    ("7", "higher", ">=", (7.0,), False),
    ("50", "lower", "<=", (50.0,), False),
    ("6/20", "higher", ">=", (6.0, 20.0), False),
    ("12.4", "higher", ">=", (12.4,), False),
    ("高于全区平均 水平", "higher", ">", (), True),
    ("完成区下达目标", "lower", "<=", (), True),
    ("完成区下达指标", "higher", ">=", (), True),
    ("控制在下达的目标数内", "lower", "<=", (), True),
    ("稳步增长", "higher", ">", (), True),
])
def test_parse_target(text, better, op, values, worded):
    t = parse_target(text, better)
    assert (t.op, t.values, t.worded) == (op, values, worded)


def test_bad_target_and_value_name_the_problem():
    with pytest.raises(IndicatorError, match="'大幅提高' is not understood.*稳步增长"):
        parse_target("大幅提高")
    with pytest.raises(IndicatorError, match="better='up'"):
        parse_target("7", "up")
    with pytest.raises(IndicatorError, match="actual '3' .*number/number"):
        parse_value("3", 2, name="actual")
    with pytest.raises(IndicatorError, match="abc"):
        parse_value("abc")
    assert parse_value("2/5.5", 2) == (2.0, 5.5) and parse_value("98%") == (98.0,)


def test_every_plan_target_parses_and_the_table_has_18():
    inds = read_plan_indicators()
    assert len(inds) == 18
    worded = {i.seq for i in inds if i.target.worded}
    assert worded == {1, 2, 10, 12, 13, 16}
    by_seq = {i.seq: i for i in inds}
    assert by_seq[6].target.values == (6.0, 20.0)
    assert (by_seq[5].baseline, by_seq[17].baseline, by_seq[18].baseline) == (87.0, 95.0, 96.0)
    assert by_seq[8].baseline == 63.0 and "累计达到 63 家" in by_seq[8].baseline_source
    assert by_seq[9].attribute == "" and by_seq[9].baseline is None


def test_level_follows_the_linear_path_from_the_baseline():
    i = ind("98", baseline=95.0)          # 95 (2020) → 98 (2025): 0.6 a year
    assert path_value(i, (98.0,), {}, 2023) == pytest.approx((96.8,))
    assert assess(i, {2023: (96.8,)}, as_of=D(2024, 3, 1)).status == "on_track"
    a = assess(i, {2023: (96.7,)}, as_of=D(2024, 3, 1))
    assert a.status == "at_risk" and a.expected == pytest.approx((96.8,)) and not a.final
    assert assess(i, {2023: (98.0,)}, as_of=D(2024, 1, 1)).status == "on_track"
    assert assess(i, {2025: (97.9,)}, as_of=D(2026, 1, 1)).status == "missed"
    assert assess(i, {2025: (98.0,)}, as_of=D(2026, 1, 1)).status == "on_track"
    # a year after as_of does not count yet
    assert assess(i, {2023: (96.0,), 2024: (99.0,)}, as_of=D(2023, 12, 31)).year == 2023
    # after 2025 with the last value short of the target: missed, not at risk
    assert assess(i, {2024: (97.9,)}, as_of=D(2026, 6, 1)).status == "missed"


def test_level_without_baseline_starts_from_the_first_entered_year():
    i = ind("120")                         # no 2020 figure in the plan (as for 公园绿地人均面积)
    acts = {2021: (70.0,), 2023: (95.0,)}  # path 70 (2021) → 120 (2025): 12.5 a year → 95 in 2023
    assert assess(i, acts, as_of=D(2023, 12, 1)).status == "on_track"
    assert assess(i, {2021: (70.0,), 2023: (94.0,)}, as_of=D(2023, 12, 1)).status == "at_risk"
    assert assess(i, {}, as_of=D(2023, 1, 1)).status == "no_data"


def test_lower_is_better_level():
    i = ind("10", better="lower", baseline=20.0)   # path 20 → 10: 18 in 2021
    assert assess(i, {2021: (18.0,)}, as_of=D(2022, 1, 1)).status == "on_track"
    assert assess(i, {2021: (18.5,)}, as_of=D(2022, 1, 1)).status == "at_risk"


def test_cumulative_compound_target_takes_the_worst_component():
    i = ind("6/20", measure="cumulative")  # path 1.2 carriers / 4 万 m² a year
    acts = {2021: (1.0, 5.0), 2022: (2.0, 4.0)}    # by 2022: 3 / 9 vs path 2.4 / 8
    a = assess(i, acts, as_of=D(2022, 12, 31))
    assert a.value == (3.0, 9.0) and a.status == "on_track"
    acts[2022] = (1.0, 4.0)                        # 2 carriers < 2.4 on the path
    assert assess(i, acts, as_of=D(2022, 12, 31)).status == "at_risk"
    acts.update({2023: (2.0, 3.0), 2024: (1.0, 3.0), 2025: (1.0, 6.0)})   # 6 / 21 in 2025
    assert assess(i, acts, as_of=D(2025, 12, 31)).status == "on_track"
    acts[2025] = (0.0, 6.0)                        # 5 carriers at the end
    a = assess(i, acts, as_of=D(2026, 1, 1))
    assert a.status == "missed" and a.final


def test_annual_and_mean_growth_have_no_path():
    i = ind("≥98%", measure="annual")
    assert assess(i, {2022: (97.0,)}, as_of=D(2023, 1, 1)).status == "at_risk"
    assert assess(i, {2022: (97.0,), 2023: (98.5,)}, as_of=D(2024, 1, 1)).status == "on_track"
    g = ind("7", measure="mean_growth")
    acts = {2021: (10.0,), 2022: (4.0,)}           # compound mean 6.95 %
    a = assess(g, acts, as_of=D(2023, 1, 1))
    assert a.value == pytest.approx((((1.1 * 1.04) ** 0.5 - 1) * 100,)) and a.status == "at_risk"
    acts[2022] = (4.2,)                            # compound mean 7.05 %
    assert assess(g, acts, as_of=D(2023, 1, 1)).status == "on_track"


def test_worded_targets_compare_with_the_entered_reference():
    above = ind("高于全区平均水平", measure="mean_growth")
    assert assess(above, {2021: (6.0,)}, {}, as_of=D(2022, 1, 1)).status == "no_data"
    assert assess(above, {2021: (6.0,)}, {2021: 5.5}, as_of=D(2022, 1, 1)).status == "on_track"
    assert assess(above, {2021: (6.0,)}, {2021: 6.0}, as_of=D(2022, 1, 1)).status == "at_risk"
    assert assess(above, {2025: (6.0,)}, {2025: 6.0}, as_of=D(2026, 1, 1)).status == "missed"
    cap = ind("控制在下达的目标数内", measure="annual", better="lower")
    assert assess(cap, {2022: (2900.0,)}, {2022: 2900.0}, as_of=D(2023, 1, 1)).status == "on_track"
    assert assess(cap, {2022: (2901.0,)}, {2022: 2900.0}, as_of=D(2023, 1, 1)).status == "at_risk"
    air = ind("完成区下达目标", measure="annual", better="lower")
    assert assess(air, {2022: (0.035,)}, {2022: 0.035}, as_of=D(2023, 1, 1)).status == "on_track"
    beds = ind("完成区下达指标", measure="cumulative")   # reference = the period's assigned total
    a = assess(beds, {2021: (50.0,), 2022: (60.0,)}, {2022: 400.0}, as_of=D(2023, 1, 1))
    assert a.value == (110.0,) and a.expected == pytest.approx((160.0,)) and a.status == "at_risk"


def test_steady_growth_uses_the_previous_year_unless_a_reference_is_entered():
    s = ind("稳步增长", measure="annual")
    assert assess(s, {2021: (95.0,)}, as_of=D(2022, 1, 1)).status == "no_data"
    assert assess(s, {2021: (95.0,), 2022: (95.5,)}, as_of=D(2023, 1, 1)).status == "on_track"
    assert assess(s, {2021: (95.0,), 2022: (95.0,)}, as_of=D(2023, 1, 1)).status == "at_risk"
    assert assess(s, {2021: (95.0,)}, {2021: 94.0}, as_of=D(2022, 1, 1)).status == "on_track"


def test_evaluation_table_has_every_indicator():
    inds = read_plan_indicators()
    acts = {"i17": {2021: (96.0,), 2022: (96.0,)}, "i11": {2022: (99.0,)},
            "i06": {2021: (2.0, 8.0)}}
    table = evaluation_table(inds, acts, {"i12": {2022: 2900.0}}, as_of=D(2022, 12, 31))
    assert len(table) == 18 and table["seq"].tolist() == list(range(1, 19))
    st = dict(zip(table["seq"], table["status"]))
    assert st[17] == "at_risk"        # path 95 → 98: 96.2 due in 2022
    assert st[11] == "on_track" and st[6] == "on_track"
    assert st[12] == "no_data"        # a reference but no actual
    assert (table["status"] == "no_data").sum() == 15
    assert table.loc[table["seq"] == 9, "attribute"].item() == "待核"
    assert table.loc[table["seq"] == 17, "expected"].item() == "96.2"


def test_path_frame_series():
    i = ind("98", baseline=95.0)
    f = path_frame(i, {2022: (96.0,)})
    assert set(f["series"]) == {"actual", "path", "target"}
    assert f[f["series"] == "path"]["year"].tolist() == list(range(2020, 2026))
    c = path_frame(ind("6/20", measure="cumulative"), {2021: (1.0, 3.0), 2022: (1.0, 3.0)})
    m = c[c["series"] == "measure"]
    assert m[m["year"] == 2022]["value"].tolist() == [2.0, 6.0]
    w = path_frame(ind("稳步增长", measure="annual"), {2021: (90.0,)}, {2021: 89.0})
    assert set(w["series"]) == {"actual", "reference"} and isinstance(w, pd.DataFrame)


def test_high_tech_enterprises_follow_the_path_from_the_plans_63():
    inds = {i.seq: i for i in read_plan_indicators()}
    hi = inds[8]                                  # 63 (2020, plan text) → 120 (2025): 11.4 a year
    a = assess(hi, {2022: (85.8,)}, as_of=D(2022, 12, 31))
    assert a.expected == pytest.approx((85.8,)) and a.status == "on_track"
    assert assess(hi, {2022: (85.0,)}, as_of=D(2022, 12, 31)).status == "at_risk"


def test_two_baselines_for_one_indicator_are_refused():
    from songnan_geo.plan.indicators import indicators_from_frames
    from songnan_geo.store.indicators import DEFAULT_INDICATORS_DIR
    read = lambda n: pd.read_csv(DEFAULT_INDICATORS_DIR / n, dtype=str, keep_default_na=False)  # noqa: E731
    text_base = read("baseline_text.csv").assign(table6_seq="17")
    with pytest.raises(IndicatorError, match="indicator 17: two 2020 baselines"):
        indicators_from_frames(read("table6.csv"), read("baseline_13th.csv"), text_base)


def test_labelled_table_glosses_the_plan_attribute_in_english():
    """预期性/约束性 are the plan's words: English mode shows the English term with them quoted."""
    import pandas as pd

    from songnan_geo.reports.indicators import EVALUATION_COLUMNS, labelled
    from songnan_geo.text.i18n import t

    row = dict.fromkeys(EVALUATION_COLUMNS, "")
    rows = [{**row, "attribute": a, "status": "on_track", "year": 2024} for a in ("预期性", "约束性", "待核")]
    table = pd.DataFrame(rows)
    en = labelled(table, "en")[t("ind_col_attribute", "en")].tolist()
    assert en == ["Expected (预期性)", "Binding (约束性)", "待核"]
    assert labelled(table, "zh")[t("ind_col_attribute", "zh")].tolist() == ["预期性", "约束性", "待核"]


def test_every_indicator_of_the_plan_reads_in_english_with_its_chinese_original():
    """Table 6's categories, names, units and worded targets are the plan's words: in English
    each has a gloss, followed by the original in brackets; in Chinese they are unchanged."""
    from songnan_geo.plan import registry as plans
    from songnan_geo.reports.indicators import EVALUATION_COLUMNS, labelled
    from songnan_geo.text.i18n import t

    table6 = pd.read_csv(plans.load_plan().indicators_dir / "table6.csv", dtype=str, keep_default_na=False)
    table = pd.DataFrame([{**dict.fromkeys(EVALUATION_COLUMNS, ""), "category": r.category, "name": r.name,
                           "unit": r.unit, "target_2025": r.target_2025, "status": "no_data", "year": None}
                          for r in table6.itertuples()])
    en, zh = labelled(table, "en"), labelled(table, "zh")
    for col in ("category", "name"):
        for original, shown in zip(table6[col], en[t(f"ind_col_{col}", "en")]):
            assert shown.endswith(f" ({original})") and shown[0].isascii(), shown
        assert zh[t(f"ind_col_{col}", "zh")].tolist() == table6[col].tolist()
    worded = [v for v in table6["target_2025"] if any("\u4e00" <= ch <= "\u9fff" for ch in v)]
    shown = set(en[t("ind_col_target_2025", "en")])
    assert worded and all(any(s.endswith(f" ({w})") for s in shown) for w in worded)
