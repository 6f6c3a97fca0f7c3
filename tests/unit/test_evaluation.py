"""The final evaluation (终期评估): rules as data (songnan_geo.plan.evaluation), the planners' texts
(songnan_geo.store.evaluation), the report in PDF / XLSX / HTML read back (pypdf, openpyxl),
``python -m songnan_geo evaluate``, and a second (synthetic) plan's evaluation."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pypdf
import pytest
from conftest import DATA_DIR
from plan_testlib import write_synthetic_plan
from tracker_testlib import editors, login, postgis_url, store, store_url  # noqa: F401

from songnan_geo import cli
from songnan_geo.auth import EditorRequiredError
from songnan_geo.layers.io import load_all_layers
from songnan_geo.plan import evaluation, registry as plans
from songnan_geo.reports import evaluation as evaluation_report
from songnan_geo.store.evaluation import EvaluationStore, EvaluationTextError
from songnan_geo.store.indicators import IndicatorStore, indicators_of
from songnan_geo.store.tracker import StaleVersionError
from songnan_geo.text.glossary import glossed
from songnan_geo.text.i18n import t

TODAY = dt.date(2026, 12, 4)
HOSTILE = "<script>alert(1)</script> {{ 7*7 }} {% raw %} =HYPERLINK(\"http://x\") & <b>粗</b>"


@pytest.fixture(scope="module")
def layers():
    return load_all_layers(DATA_DIR)


def _ind(seq):
    return next(i for i in indicators_of(plans.load_plan()) if i.seq == seq)


# --------------------------------------------------------------------------- rules as data

def test_indicator_results_use_the_last_years_value_and_show_the_rule():
    inds = indicators_of(plans.load_plan())
    actuals = {"i05": {2025: (91.0,)}, "i11": {2025: (97.0,)}, "i04": {2021: (10.0,), 2024: (30.0,)},
               "i01": {2025: (6.0,)}, "i02": {2025: (5.0,)}, "i14": {2022: (1.0,), 2025: (0.0,)}}
    refs = {"i02": {2025: 4.0}}
    res = evaluation.indicator_results(inds, actuals, refs, "zh").set_index("seq")
    assert len(res) == 18
    assert res.at[5, "result"] == "done" and res.at[5, "value"] == "91"
    assert res.at[5, "rule"] == "2025 年值 ≥ 90"
    assert res.at[11, "result"] == "not_done"
    assert res.at[4, "result"] == "no_data" and res.at[4, "note"] == "最近录入年份 2024，未录入 2025 年值"
    assert res.at[4, "rule"] == "2021–2025 年累计 ≥ 50"
    assert res.at[1, "result"] == "no_data" and res.at[1, "note"] == "未录入 2025 年参考值"
    assert res.at[2, "result"] == "done" and res.at[2, "reference"] == "4"
    assert res.at[14, "result"] == "done"          # cumulative: 1 school over the period
    assert (res.drop(index=[1, 2, 4, 5, 11, 14])["result"] == "no_data").all()
    en = evaluation.indicator_results(inds, {}, {}, "en").set_index("seq")
    assert en.at[3, "rule"] == "mean growth 2021–2025 ≥ 7" and en.at[3, "note"] == "no 2025 value entered"


def test_items_reached_by_the_deadline_late_or_not(store):
    alice = login(store, "alice")
    plan = plans.load_plan()
    store.change_status("p_hubei_logistics", "已出让", editor=alice, expected_version=1,
                        effective_date="2024-05-01", today=TODAY)
    store.change_status("p_hudong_auto", "已出让", editor=alice, expected_version=1,
                        effective_date="2026-03-01", today=TODAY)
    items, history = store.items(), store.history()
    res = evaluation.item_results(items, history, plan, TODAY, "zh").set_index("id")
    assert len(res) == len(items)                 # every parcel and project
    assert res.at["p_hubei_logistics", "result"] == "done"
    assert res.at["p_hubei_logistics", "done_on"] == "2024-05-01"
    assert res.at["p_hubei_logistics", "status_end"] == "已出让"
    assert res.at["p_hudong_auto", "result"] == "done_late"
    assert res.at["p_hudong_auto", "status_end"] == "出让准备"
    assert res.at["p_hudong_auto", "lateness"] == "2026-03-01 达成（逾期 60 天）"
    assert res.at["p_hudong_auto", "history"] == "2021-01 出让准备；2026-03-01 已出让"
    assert res.at["p_dongya", "result"] == "not_done"
    assert res.at["p_dongya", "lateness"] == "逾期 338 天（约 11 个月）"
    assert res.at["p_ferroalloy", "result"] == "no_target"
    assert (res[res["group"] == "table5"]["result"] == "no_target").all()
    # as of the period's end the late sale is not done yet
    at_end = evaluation.item_results(items, history, plan, plan.period_end, "zh").set_index("id")
    assert at_end.at["p_hudong_auto", "result"] == "not_done"


# --------------------------------------------------------------------------- planners' texts

def test_planner_texts_need_an_editor_keep_history_and_refuse_stale_saves(store):
    texts = EvaluationStore(store)
    alice, bob = login(store, "alice"), login(store, "bob")
    with pytest.raises(EditorRequiredError):
        texts.save("fyp14", "problems", "x", editor=None, expected_version=0)
    texts.save("fyp14", "problems", "土地出让进度滞后。", editor=alice, expected_version=0)
    texts.save("fyp14", "problems", "土地出让进度滞后；配套设施建设未完成。", editor=bob, expected_version=1)
    with pytest.raises(StaleVersionError, match="bob.*version 2.*based on version 1"):
        texts.save("fyp14", "problems", "覆盖", editor=alice, expected_version=1)
    with pytest.raises(EvaluationTextError) as err:
        texts.save("fyp14", "nonsense", "x" * 30_000, editor=alice, expected_version=0)
    assert "nonsense" in err.value.text("zh") and "30000" in err.value.text("en")
    h = texts.history("fyp14")
    assert h["username"].tolist() == ["alice", "bob"] and h["version"].tolist() == [1, 2]
    current = texts.texts("fyp14")["problems"]
    assert (current.text, current.username, current.version) == (
        "土地出让进度滞后；配套设施建设未完成。", "bob", 2)
    assert texts.texts("synth30") == {}
    with store.write() as conn, pytest.raises(Exception, match="append-only"):
        from sqlalchemy import text
        conn.execute(text("UPDATE evaluation_texts SET text = 'x'"))


# --------------------------------------------------------------------------- the report, read back

def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "".join(p.extract_text() for p in reader.pages).replace("\n", "")


def _pdf_fonts(data: bytes) -> dict[str, bool]:
    """Base font name → embedded (its descriptor has a font file)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    fonts = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            fonts[str(font.get("/BaseFont"))] = any(k in desc for k in ("/FontFile", "/FontFile2",
                                                                          "/FontFile3"))
    return fonts


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_has_every_indicator_item_and_section_in_pdf_xlsx_html(store, layers, lang):
    alice = login(store, "alice")
    EvaluationStore(store).save("fyp14", "suggestions", HOSTILE, editor=alice, expected_version=0)
    EvaluationStore(store).save("fyp14", "problems", FORMULA, editor=alice, expected_version=0)
    IndicatorStore(store).record("i05", 2025, "91", editor=alice, expected_version=0, today=TODAY)
    ev = evaluation_report.evaluation_for(plans.load_plan(), store, layers, lang=lang)
    assert ev.as_of == dt.date(2025, 12, 31)
    assert [s.key for s in ev.sections] == list(evaluation.SECTIONS)
    assert ev.figures["indicators"]["no_data"] == 17 and ev.figures["indicators"]["done"] == 1
    items = store.items()
    names = [n if lang == "zh" or not isinstance(e, str) or not e else f"{e} ({n})"
             for n, e in zip(items["name"], items["name_en"])]
    # English: the plan's indicator names glossed, the original after them in brackets
    inds = [glossed(i.name, lang) for i in indicators_of(plans.load_plan())]
    assert lang == "zh" or "average annual growth of the town's GDP (地区生产总值年均增长率)" in inds
    titles = [t(f"ev_sec_{k}", lang) for k in evaluation.SECTIONS]

    assert ev.map_png.startswith(b"\x89PNG")          # the parcels by result
    pdf = evaluation_report.write(ev, "pdf")
    assert sum(len(p.images) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1
    text = _pdf_text(pdf)
    squash = lambda s: s.replace(" ", "")  # noqa: E731  (PDF text extraction drops/inserts spaces)
    flat = squash(text)
    for word in inds + names + titles + [ev.title]:
        assert squash(word) in flat, word
    assert squash(t("ev_overall_no_values", lang).format(no_data=17, year=2025)) in flat
    fonts = _pdf_fonts(pdf)
    assert fonts and all(fonts.values()), fonts          # every font embedded
    assert any("WenQuanYi" in f for f in fonts)
    assert "<script>" in text        # the planners' text, as text

    book = openpyxl.load_workbook(io.BytesIO(evaluation_report.write(ev, "xlsx")))
    assert book.sheetnames == [s[:31] for s in titles]
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None}
    for word in inds + names:
        assert word in cells, word
    assert HYPER in cells and FORMULA in cells       # stored as the text written, not a formula
    assert not any(c.data_type == "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)

    page = evaluation_report.write(ev, "html").decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page and "{{ 7*7 }}" in page
    assert page.count('src="data:image/png;base64,') == 1
    for word in titles:
        assert word in page


HYPER = HOSTILE.splitlines()[0]
FORMULA = '=HYPERLINK("http://example.invalid","click")'


@pytest.mark.slow
def test_evaluate_command_writes_the_three_formats(tmp_path, editors, monkeypatch, capsys):
    monkeypatch.delenv("SONGNAN_STORE_URL", raising=False)
    monkeypatch.setenv("SONGNAN_STORE_PATH", str(tmp_path / "tracker.gpkg"))
    assert cli.main(["evaluate", "--plan", "fyp14", "--out", str(tmp_path / "out"),
                     "--lang", "en"]) == 0
    out = capsys.readouterr().out
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == [f"evaluation_fyp14_2025-12-31_en.{f}" for f in ("html", "pdf", "xlsx")]
    assert "indicators: no_data 18" in out
    assert cli.main(["evaluate", "--plan", "nope", "--out", str(tmp_path / "x")]) == 2
    assert "没有规划" in capsys.readouterr().err
    assert cli.main(["evaluate", "--out", str(tmp_path / "o2"), "--format", "xlsx",
                     "--as-of", "2026-12-04"]) == 0
    assert [p.name for p in (tmp_path / "o2").iterdir()] == ["evaluation_fyp14_2026-12-04_zh.xlsx"]


@pytest.mark.slow
def test_a_second_plan_is_evaluated_by_its_own_targets(store, layers, tmp_path, monkeypatch):
    monkeypatch.setenv("SONGNAN_USER_DIR", str(tmp_path / "user"))
    plan = plans.add_plan(write_synthetic_plan(tmp_path / "src"))
    ev = evaluation_report.evaluation_for(plan, store, layers, as_of=TODAY)
    ind = ev.section("indicators").tables[0].frame
    assert ind[t("ev_col_name")].tolist() == ["合成测试指标"]
    assert ind[t("ev_col_rule")].tolist() == ["2026–2030 年累计 ≥ 3"]
    parcels = ev.section("parcels_projects").tables[0].frame.set_index(t("ev_col_name"))
    assert parcels.at["沪北物流地块", t("ev_col_deadline")] == "2027"
    assert parcels.at["东亚地块", t("ev_col_result")] == t("ev_result_no_target")
    assert ev.figures["items"]["not_done"] == 2
    assert "2026-01-01" in ev.subtitle and "2030-12-31" in ev.subtitle
    # the 14th plan's evaluation is unchanged by the second plan
    first = evaluation_report.evaluation_for(plans.load_plan(), store, layers)
    assert first.figures["items"]["not_done"] == 22 and first.figures["indicators"]["no_data"] == 18
