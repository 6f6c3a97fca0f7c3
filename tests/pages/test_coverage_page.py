"""The 生活圈覆盖 page in AppTest: each figure equals the ``coverage --standard`` command's
for the same inputs (one scenario call behind both), the basket headline, targets in
percentage points, method and type switches, candidate sites, best sites, the custom
standard."""
from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from conftest import DATA_DIR, app_page_paths, open_page, run_app

from songnan_geo.cli import main
from songnan_geo.layers.io import load_layer
from songnan_geo.lifecircle import scenario as sc, standards as sd
from songnan_geo.text.i18n import t

PAGE = app_page_paths()["coverage"]
LAYERS = {n: load_layer(n) for n in ("facilities", "residential", "roads", "boundary")}


def command_figures(*args) -> pd.DataFrame:
    """The per-type table the command prints for the shipped layers."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["coverage", "--facilities", str(DATA_DIR / "facilities.geojson"),
                     "--demand", str(DATA_DIR / "residential.geojson"),
                     "--roads", str(DATA_DIR / "roads.geojson"), "--standard", "gb50180_2018",
                     "--out", str(_tmp / "c.csv"), *args])
    assert code == 0
    lines = out.getvalue().splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("Facility type"))
    return pd.read_csv(io.StringIO("\n".join(lines[start:])), sep="\t", dtype=str)


def metrics(at):
    return {m.label: m for m in at.metric}


def type_frame(at) -> pd.DataFrame:
    return next(d.value for d in at.main.dataframe if "定义" in d.value.columns)


@pytest.fixture
def at(tmp_path, monkeypatch):
    global _tmp
    _tmp = tmp_path
    monkeypatch.setenv(sd.USER_DIR_ENV, str(tmp_path / "user"))
    return open_page(PAGE)


def test_page_figures_equal_the_command_and_the_headline_is_the_basket(at):
    assert [x.value for x in at.title] == ["生活圈覆盖"]
    assert "估计" in at.info[0].value and "估计" in at.caption[0].value
    cli = command_figures()      # method auto, as the page's default
    page = type_frame(at)
    assert page["覆盖率"].tolist() == cli["Coverage"].tolist()
    assert page["覆盖人口"].astype(str).tolist() == cli["People covered"].tolist()
    m = metrics(at)
    basket = m[t("cov_basket_metric")].value
    assert basket == cli["Coverage"].iloc[0]
    per_type = [float(x.rstrip(" %")) for x in cli["Coverage"].iloc[1:]]
    assert float(basket.rstrip(" %")) <= min(per_type)           # never "any type"
    assert m[t("cov_total_pop")].value == f"{LAYERS['residential']['population'].sum():,.0f}"
    # Targets against the defined indicator, gaps in percentage points.
    gap = 100 * (float(basket.rstrip(" %")) / 100 - 0.85)
    assert m["2025 目标 85%"].value == f"差距 {gap:+.1f} 个百分点"
    assert any("待核" in c.value and "15分钟社区生活圈" in c.value for c in at.caption)
    assert any("直线距离（上限）" in c.value and "中位数" in c.value for c in at.caption)
    areas = next(d.value for d in at.main.dataframe if "覆盖状态" in d.value.columns)
    assert len(areas) == 24
    full = areas["覆盖状态"] == "全覆盖"
    assert (areas.loc[full, "覆盖率"] == "100.0 %").all()       # no 18.8 % ticked covered
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载 CSV", "下载 XLSX", "下载 GeoJSON"]


def test_network_method_single_type_and_area_basis_equal_the_command(at):
    at.radio(key="cov_method").set_value("network")
    at.selectbox(key="cov_type_zh").set_value("初中")
    run_app(at)
    cli = command_figures("--method", "network", "--type", "初中")
    assert metrics(at)[t("cov_share_metric")].value == cli["Coverage"].iloc[0]
    assert type_frame(at)["方法"].iloc[0] == "步行网络"
    assert any("接入距离中位数" in c.value for c in at.caption)
    at.radio(key="cov_basis").set_value("area")
    run_app(at)
    cli = command_figures("--method", "network", "--type", "初中", "--basis", "area")
    assert metrics(at)[t("cov_share_metric")].value == cli["Coverage"].iloc[0]


def test_candidate_site_raises_the_types_coverage(at):
    at.selectbox(key="cov_type_zh").set_value("幼儿园")
    at.radio(key="cov_method").set_value("euclidean")
    run_app(at)
    before = metrics(at)[t("cov_share_metric")].value
    r = sc.run_scenario(LAYERS, ["幼儿园"], method="euclidean")
    gaps = r.uncovered("幼儿园").to_crs(4326)
    spot = gaps.sort_values("area_m2").geometry.iloc[-1].representative_point()
    at.session_state["cov_candidates"] = [{"lon": spot.x, "lat": spot.y}]
    run_app(at)
    m = metrics(at)[t("cov_cand_share_metric")]
    assert float(m.value.rstrip(" %")) > float(before.rstrip(" %"))
    assert "个百分点 较现状" in m.delta
    at.button(key="cov_clear").click()
    run_app(at)
    assert metrics(at)[t("cov_share_metric")].value == before


def test_best_sites_mclp(at):
    at.selectbox(key="cov_type_zh").set_value("幼儿园")
    run_app(at)
    at.number_input(key="cov_spacing").set_value(400)
    at.button(key="cov_solve").click()
    run_app(at)
    best = at.session_state["cov_best"]
    assert best["n"] == 3 and best["after"] > best["before"]
    assert any("结果：新增 3 处" in s.value for s in at.success)
    # The shipped kindergartens have no capacity: no capacitated model, and the page says why.
    assert t("cov_capacitated") not in at.radio(key="cov_model").options
    assert any(c.value == t("cov_capacitated_unavailable") for c in at.caption)
    at.button(key="cov_best_add").click()
    run_app(at)
    assert len(at.session_state["cov_candidates"]) == 3


def test_best_sites_capacitated_where_capacities_are_known(tmp_path, monkeypatch):
    data = tmp_path / "geo"
    shutil.copytree(DATA_DIR, data)
    doc = json.loads((data / "facilities.geojson").read_text(encoding="utf-8"))
    for f in doc["features"]:
        if f["properties"]["type"] == "幼儿园":
            f["properties"]["capacity"] = 150
    (data / "facilities.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("SONGNAN_DATA_DIR", str(data))
    monkeypatch.setenv(sd.USER_DIR_ENV, str(tmp_path / "user"))
    st.cache_resource.clear()
    try:
        at = open_page(PAGE)
        at.selectbox(key="cov_type_zh").set_value("幼儿园")
        run_app(at)
        at.radio(key="cov_model").set_value("capacitated")
        run_app(at)
        at.number_input(key="cov_spacing").set_value(400)
        at.number_input(key="cov_new_capacity").set_value(200)
        at.button(key="cov_solve").click()
        run_app(at)
        best = at.session_state["cov_best"]
        assert best["capacitated"] and best["n"] == 3 and best["after"] > best["before"]
        # Before: what 3 kindergartens of 150 places can serve, not the share within reach.
        total = at.session_state["layers"]["residential"]["population"].sum()
        assert 0 < best["before"] <= 3 * 150 / total + 1e-9
        assert best["after"] <= best["before"] + 3 * 200 / total + 1e-9
        assert any("容量内可服务人口比例" in s.value for s in at.success)
    finally:
        st.cache_resource.clear()


def test_custom_standard_saved_outside_the_repo(at, tmp_path):
    at.button(key="cov_custom_save").click()
    run_app(at)
    saved = tmp_path / "user" / "custom_standards.csv"
    assert saved.exists() and any(str(saved) in s.value for s in at.success)
    run_app(at)
    assert "自定义标准" in at.selectbox(key="cov_standard").options


def _run_with_table_edits(at, key: str, edited_rows: dict):
    """Run the app as the browser does after cells of the st.data_editor ``key`` were edited
    (and any button clicked): AppTest cannot edit a data editor, so its widget state (the
    editor's JSON edit list) is added to the other widgets' states."""
    states = at._tree.get_widget_states()
    editor = next(d for d in at.dataframe if d.key == key)
    state = states.widgets.add()
    state.id = editor.proto.id
    state.string_value = json.dumps({"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []})
    at._run(widget_state=states)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_bad_custom_standard_is_refused_in_the_ui_language(tmp_path, monkeypatch, lang):
    monkeypatch.setenv(sd.USER_DIR_ENV, str(tmp_path / "user"))
    at = open_page(PAGE, lang)
    at.button(key="cov_custom_save").click()
    _run_with_table_edits(at, "cov_custom_editor", {"0": {"radius_m": 0, "tier_min": 7, "source": ""}})
    text = " ".join(e.value for e in at.error)
    expected = {
        "zh": ("自定义标准：发现 3 个问题，未保存任何内容：",
               "第 1 行：数据来源（source）为空；请填写（注明数字的出处",
               "第 1 行：服务距离（radius_m）为 0", "请填写大于 0、不超过 10000 的距离（米）",
               "第 1 行：生活圈层级（tier_min）为 7；请填写 5、10 或 15（分钟）"),
        "en": ("custom standard: 3 problem(s) found; nothing was saved:",
               "row 1: 'source' is empty; fill it in", "row 1: radius_m is 0",
               "row 1: tier_min is 7; use 5, 10 or 15 (minutes)"),
    }[lang]
    for words in expected:
        assert words in text, (words, text)
    if lang == "zh":
        assert "problem" not in text and "row" not in text, text
    assert not (tmp_path / "user" / "custom_standards.csv").exists()   # nothing saved
    assert not at.success


def test_english(at):
    at.radio(key="lang").set_value("en")
    run_app(at)
    assert [x.value for x in at.title] == ["Life-circle coverage"]
    m = metrics(at)
    assert t("cov_basket_metric", "en") in m and m["2025 Target 85%"].value.endswith(" pp")
    assert "Definition" in next(d.value for d in at.main.dataframe if "Method" in d.value.columns).columns


@pytest.mark.parametrize("today, notice", [("2026-12-04", True), ("2025-06-30", False)])
def test_a_target_whose_year_is_over_says_the_figure_is_todays(tmp_path, monkeypatch, today, notice):
    import datetime as dt

    from songnan_geo import clock

    monkeypatch.setenv(sd.USER_DIR_ENV, str(tmp_path / "user"))
    monkeypatch.setattr(clock, "today", lambda: dt.date.fromisoformat(today))
    at = open_page(PAGE)
    said = [i.value for i in at.info if "2025 年的目标期限已过" in i.value]
    assert said == ([t("cov_target_year_past").format(years="2025", today=today)] if notice else [])


def test_the_past_target_notice_reads_the_clock_once(tmp_path, monkeypatch):
    """Midnight passes while the page runs: the page's first reading of the clock is 23:59:59.9
    in Shanghai, any later one of the page the next day. The notice names the day whose year
    made 2025 past, not a second, later reading. (Readings made by the package for the page, a
    store's timestamps, stay before midnight.)"""
    import datetime as dt
    import inspect

    from songnan_geo import clock

    before = dt.datetime(2026, 6, 30, 23, 59, 59, 900_000, tzinfo=clock.TZ)
    page_readings = []

    def read_by_the_page() -> bool:
        """Whether the clock's caller (past clock.py's own frames) is app_pages/coverage.py."""
        caller = next(Path(f.filename) for f in inspect.stack(context=0)[2:]
                      if Path(f.filename).name != "clock.py")
        return caller.name == "coverage.py" and caller.parent.name == "app_pages"

    def now():
        if not read_by_the_page():
            return before
        page_readings.append(before if not page_readings else before + dt.timedelta(seconds=1))
        return page_readings[-1]

    monkeypatch.setenv(sd.USER_DIR_ENV, str(tmp_path / "user"))
    monkeypatch.setattr(clock, "now", now)
    at = open_page(PAGE)
    assert page_readings, "the page reads the tool's clock"
    said = [i.value for i in at.info if "2025 年的目标期限已过" in i.value]
    assert said == [t("cov_target_year_past").format(years="2025", today="2026-06-30")]


def test_the_type_choice_survives_the_language_switch_and_reads_in_english(at):
    at.selectbox(key="cov_type_zh").set_value("幼儿园")
    run_app(at)
    at.sidebar.radio(key="lang").set_value("en")
    run_app(at)
    box = at.selectbox(key="cov_type_en")
    assert box.value == "幼儿园" and "Kindergarten" in box.options and "幼儿园" not in box.options
    assert any(h.value.endswith("· Kindergarten") for h in at.subheader)
