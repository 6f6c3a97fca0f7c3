"""The 生活圈覆盖 page in AppTest: numbers equal the package's, method and type switches,
candidate sites change the covered share, downloads, best sites, the custom standard."""
from __future__ import annotations

import json

import pytest
from conftest import app_page_paths, open_page, run_app

from songnan_geo.layers.io import load_layer
from songnan_geo.lifecircle import standards as sd
from songnan_geo.lifecircle.coverage import coverage_by_area, coverage_summary, service_areas, uncovered_parts
from songnan_geo.lifecircle.network import WalkNetwork
from songnan_geo.text.i18n import t

PAGE = app_page_paths()["coverage"]
LAYERS = {n: load_layer(n) for n in ("facilities", "residential", "roads", "boundary")}
GB = sd.radius_by_type(sd.load_builtin_standards(), "gb50180_2018", set(LAYERS["facilities"]["type"]))


def share(facilities, method="euclidean"):
    net = WalkNetwork.from_roads(LAYERS["roads"]) if method == "network" else None
    return coverage_summary(coverage_by_area(LAYERS["residential"], facilities, GB, method=method,
                                             network=net), "population")["share"]


def metrics(at):
    return {m.label: m for m in at.metric}


@pytest.fixture
def at(tmp_path, monkeypatch):
    monkeypatch.setenv(sd.USER_DIR_ENV, str(tmp_path / "user"))
    return open_page(PAGE)


def test_page_shows_coverage_of_all_types(at):
    assert [x.value for x in at.title] == ["生活圈覆盖"]
    assert "估计" in at.info[0].value and "估计" in at.caption[0].value
    m = metrics(at)
    expected = share(LAYERS["facilities"])
    assert m[t("cov_share_metric")].value == f"{expected:.1%}"
    assert m[t("cov_total_pop")].value == f"{LAYERS['residential']['population'].sum():,.0f}"
    # The targets (2025: 85 %, 2035: 99 %) are shown with their source marked 待核.
    assert "2025 目标 85%" in m and "2035 目标 99%" in m
    assert any("待核" in c.value and "15分钟社区生活圈" in c.value for c in at.caption)
    tables = [d.value for d in at.main.dataframe]
    table = next(x for x in tables if "是否覆盖" in x.columns)
    assert len(table) == 24 and "覆盖人口（估计）" in table.columns
    assert table["人口为估计值"].all()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载 CSV", "下载 XLSX", "下载 GeoJSON"]


def test_network_method_and_single_type(at):
    at.radio(key="cov_method").set_value("network")
    run_app(at)
    assert metrics(at)[t("cov_share_metric")].value == f"{share(LAYERS['facilities'], 'network'):.1%}"
    assert any("接入距离中位数" in c.value for c in at.caption)
    at.selectbox(key="cov_type").set_value("初中")
    run_app(at)
    only = LAYERS["facilities"][LAYERS["facilities"]["type"] == "初中"]
    assert metrics(at)[t("cov_share_metric")].value == f"{share(only, 'network'):.1%}"


def test_candidate_site_raises_the_covered_share(at):
    at.selectbox(key="cov_type").set_value("幼儿园")
    run_app(at)
    before = metrics(at)[t("cov_share_metric")].value
    kg = LAYERS["facilities"][LAYERS["facilities"]["type"] == "幼儿园"]
    gaps = uncovered_parts(LAYERS["residential"], service_areas(kg, GB)).to_crs(4326)
    spot = gaps.sort_values("area_m2").geometry.iloc[-1].representative_point()
    at.session_state["cov_candidates"] = [{"lon": spot.x, "lat": spot.y}]
    run_app(at)
    m = metrics(at)[t("cov_share_metric")]
    assert float(m.value.rstrip("%")) > float(before.rstrip("%"))
    assert "较现状" in m.delta
    lists = [d.value for d in at.main.dataframe if "经度" in d.value.columns or "lon" in d.value.columns]
    assert [len(x) for x in lists] == [1]  # the candidate list
    at.button(key="cov_clear").click()
    run_app(at)
    assert metrics(at)[t("cov_share_metric")].value == before


def test_best_sites_mclp(at):
    at.selectbox(key="cov_type").set_value("幼儿园")
    run_app(at)
    at.number_input(key="cov_spacing").set_value(400)
    at.button(key="cov_solve").click()
    run_app(at)
    best = at.session_state["cov_best"]
    assert best["n"] == 3 and best["after"] > best["before"]
    assert any("结果：新增 3 处" in s.value for s in at.success)
    at.button(key="cov_best_add").click()
    run_app(at)
    assert len(at.session_state["cov_candidates"]) == 3


def test_lscp_reports_uncoverable_cells(at):
    at.selectbox(key="cov_type").set_value("幼儿园")
    run_app(at)
    at.radio(key="cov_model").set_value("lscp")
    at.radio(key="cov_cand_src").set_value("parcels")
    at.button(key="cov_solve").click()
    run_app(at)
    best = at.session_state["cov_best"]
    assert best["uncoverable"] > 0  # 12 parcels at 300 m cannot reach every block
    assert any("没有任何候选点可覆盖" in w.value for w in at.warning)


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
        "zh": ("自定义标准：发现 3 个问题，未保存任何内容：", "第 1 行：数据来源（source）为空；请填写（注明数字的出处",
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
    assert t("cov_share_metric", "en") in metrics(at)
