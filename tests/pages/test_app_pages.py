"""Every page of the Streamlit app, run headless with streamlit.testing.v1.AppTest.

AppTest executes app_main.py in this process (app root = repo root), so what a user sees is
asserted without a browser: titles, the "estimated data" banner, the sidebar summary,
the language switch, the catalogue's per-layer numbers and the parcels table, and that a
broken data file shows the validation problems instead of a traceback.
"""
from __future__ import annotations

import json
import re
import shutil

import pytest
import streamlit as st
from conftest import APP_PATH, DATA_DIR, app_page_paths, feature_counts, read_manifest, run_app
from streamlit.testing.v1 import AppTest

import songnan_geo.layers.io as sio
from songnan_geo.maps.basemaps import BASEMAPS as _BASEMAPS
from songnan_geo.text.i18n import layer_title, t
from songnan_geo.text.safe_text import markdown_text

PAGES = app_page_paths()
MANIFEST = read_manifest()
BASEMAPS_KEYS = list(_BASEMAPS)
COUNTS = feature_counts()
LAYERS = list(MANIFEST["layers"])


def _page(stem: str) -> str:
    assert stem in PAGES, f"app_main.py registers no st.Page for '{stem}.py' (found: {PAGES})"
    return PAGES[stem]


def _titles(at: AppTest) -> list[str]:
    return [e.value for e in at.title]


def _estimated_in_file(name: str) -> int:
    doc = json.loads((DATA_DIR / MANIFEST["layers"][name]["file"]).read_text(encoding="utf-8"))
    return sum(1 for f in doc["features"] if f["properties"].get("estimated") is True)


def _assert_sidebar_present(at: AppTest, lang: str) -> None:
    """The shared sidebar (language, basemap, layer summary) is on every page."""
    keys = [w.key for w in at.sidebar.radio]
    assert "lang" in keys, (
        "the sidebar's language radio is missing on this page: app_main.py did not run before it. "
        "One known cause: Streamlit treats a folder named 'pages/' next to the main script as an "
        "old-style multipage app and may run a page file on its own; keep st.navigation "
        "pages in a folder with another name (e.g. 'app_pages/').")
    assert [s.value for s in at.sidebar.subheader] == [t("summary", lang)]
    assert sidebar_summary(at), "the sidebar's layer summary is missing"


def sidebar_summary(at) -> dict[str, int]:
    """The sidebar's layer summary: title (as written, Markdown-escaped) → feature count."""
    rows = {}
    for m in at.sidebar.markdown:
        found = re.fullmatch(r"\*\*(.+)\*\*  \n(\d[\d,]*)\D.*", m.value, re.S)
        if found:
            rows[found.group(1)] = int(found.group(2).replace(",", ""))
    return rows


@pytest.fixture
def at() -> AppTest:
    """A fresh app session, run once (lands on the default page, the overview)."""
    app = AppTest.from_file(str(APP_PATH), default_timeout=120)
    return run_app(app)


# --------------------------------------------------------------------------- overview

def test_overview_is_default_page_in_chinese(at):
    assert _titles(at) == [t("app_title", "zh")] == ["淞南镇产业布局规划工具"]
    banners = [i.value for i in at.info]
    assert banners == [t("estimated_banner", "zh")]
    assert "估计" in banners[0]
    assert not at.error
    assert at.session_state["lang"] == "zh"
    assert at.session_state["basemap"] == "blank"


def test_sidebar_summary_has_one_row_per_manifest_layer(at):
    _assert_sidebar_present(at, "zh")
    rows = sidebar_summary(at)
    town = [n for n in LAYERS if MANIFEST["layers"][n].get("group") != "context"]  # not 区界（参考）
    assert len(LAYERS) == 11 and len(town) == 10
    assert list(rows) == [markdown_text(layer_title(MANIFEST["layers"][n], "zh")) for n in town]
    assert list(rows.values()) == [COUNTS[n] for n in town]
    assert any("估计" in c.value for c in at.sidebar.caption)


def test_overview_parcels_table_lists_every_parcel(at):
    tables = [d.value for d in at.main.table]
    assert len(tables) == 1 and not at.main.dataframe, (
        "the overview shows exactly one table (the key parcels), a static one")
    assert len(tables[0]) >= 12
    assert len(tables[0]) == COUNTS["parcels"]
    assert at.main.subheader[0].value == t("parcels_table", "zh")


def test_language_switch_to_english(at):
    at.radio(key="lang").set_value("en")
    run_app(at)
    assert _titles(at) == ["Songnan Town Planning Tool"]
    assert [i.value for i in at.info] == [t("estimated_banner", "en")]
    assert "estimated" in at.info[0].value
    _assert_sidebar_present(at, "en")
    assert list(sidebar_summary(at)) == [markdown_text(MANIFEST["layers"][n]["title"]["en"]) for n in LAYERS
                                         if MANIFEST["layers"][n].get("group") != "context"]
    assert at.main.subheader[0].value == "Key parcels"
    assert len(at.main.table[0].value) == COUNTS["parcels"]
    # The basemap choice is labelled in English too, options included.
    from songnan_geo.maps.basemaps import basemap_title
    box = at.selectbox(key="basemap_en")
    assert box.label == "Basemap" and box.options == [basemap_title(k, "en") for k in BASEMAPS_KEYS]


def test_basemap_choice_survives_the_language_switch(at):
    at.selectbox(key="basemap_zh").set_value("osm")
    run_app(at)
    at.radio(key="lang").set_value("en")
    run_app(at)
    assert at.session_state["basemap"] == "osm"
    assert at.selectbox(key="basemap_en").value == "osm"


def test_every_basemap_choice_renders(at):
    from songnan_geo.maps.basemaps import BASEMAPS

    assert len(at.selectbox(key="basemap_zh").options) == len(BASEMAPS)
    for key in BASEMAPS:
        at.selectbox(key="basemap_zh").set_value(key)
        run_app(at)
        _assert_sidebar_present(at, "zh")
        assert _titles(at) == [t("app_title", "zh")]
        assert at.session_state["basemap"] == key


# --------------------------------------------------------------------------- catalogue

def test_catalogue_page(at):
    at.switch_page(_page("catalogue"))
    run_app(at)
    assert _titles(at) == [t("catalogue", "zh")] == ["数据目录"]
    assert [i.value for i in at.info] == [t("estimated_banner", "zh")]
    assert "估计" in at.info[0].value
    assert not at.error
    _assert_sidebar_present(at, "zh")


def test_catalogue_feature_count_of_every_layer(at):
    at.switch_page(_page("catalogue"))
    run_app(at)
    box = at.selectbox(key="catalogue_layer")
    assert box.options == [layer_title(MANIFEST["layers"][n], "zh") for n in LAYERS]
    for name in LAYERS:
        at.selectbox(key="catalogue_layer").set_value(name)
        run_app(at)
        metrics = {m.label: m.value for m in at.metric}
        assert metrics[t("features", "zh")] == str(COUNTS[name]), name
        assert metrics[t("estimated_count", "zh")] == str(_estimated_in_file(name)), name
        assert len(at.main.dataframe[0].value) == COUNTS[name], name
        assert at.get("download_button")[0].proto.label == t("download_geojson", "zh")


def test_catalogue_in_english(at):
    at.radio(key="lang").set_value("en")
    run_app(at)
    at.switch_page(_page("catalogue"))
    run_app(at)
    assert _titles(at) == ["Data catalogue"], (
        "the language chosen on the overview was lost on the catalogue page")
    _assert_sidebar_present(at, "en")
    at.selectbox(key="catalogue_layer").set_value("roads")
    run_app(at)
    assert {m.label: m.value for m in at.metric}["Features"] == str(COUNTS["roads"])


def test_catalogue_then_back_to_overview(at):
    at.switch_page(_page("catalogue"))
    run_app(at)
    at.switch_page(_page("overview"))
    run_app(at)
    assert _titles(at) == [t("app_title", "zh")]
    assert len(at.main.table[0].value) == COUNTS["parcels"]
    _assert_sidebar_present(at, "zh")


# --------------------------------------------------------------------------- bad data

def _break_missing_property(d):
    path = d / "parcels.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    fid = doc["features"][0]["properties"]["id"]
    del doc["features"][0]["properties"]["source"]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return [f"parcels.geojson, feature #0 (id '{fid}'), field 'source'", "is missing"]


def _break_json_syntax(d):
    path = d / "roads.geojson"
    path.write_text(path.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    return ["roads.geojson", "is not valid JSON"]


def _break_swapped_coordinates(d):
    path = d / "boundary.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    geom = doc["features"][0]["geometry"]
    geom["coordinates"] = [[[lat, lon] for lon, lat in ring] for ring in geom["coordinates"]]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return ["boundary.geojson, feature #0", "outside the Shanghai region"]


BREAKAGES = [_break_missing_property, _break_json_syntax, _break_swapped_coordinates]


@pytest.fixture
def broken_data_dir(tmp_path):
    d = tmp_path / "geo"
    shutil.copytree(DATA_DIR, d)
    return d


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda f: f.__name__[len("_break_"):])
def test_validation_problems_at_package_level(broken_data_dir, breakage):
    expected = breakage(broken_data_dir)
    with pytest.raises(sio.LayerValidationError) as info:
        sio.load_all_layers(broken_data_dir)
    text = str(info.value)
    assert text.startswith("1 problem(s) found; nothing was loaded:")
    for part in expected:
        assert part in text
    assert len(info.value.problems) == 1


@pytest.fixture
def app_on_broken_data(broken_data_dir, monkeypatch):
    """Point the app at ``broken_data_dir`` through its SONGNAN_DATA_DIR setting.

    The cached layers are dropped before and after.
    """
    monkeypatch.setenv("SONGNAN_DATA_DIR", str(broken_data_dir))
    st.cache_resource.clear()
    yield broken_data_dir
    st.cache_resource.clear()


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda f: f.__name__[len("_break_"):])
def test_invalid_data_file_shows_error_not_traceback(app_on_broken_data, breakage):
    expected = breakage(app_on_broken_data)
    with pytest.raises(sio.LayerValidationError) as info:
        sio.load_all_layers(app_on_broken_data)
    at = run_app(AppTest.from_file(str(APP_PATH), default_timeout=120))
    assert [e.value for e in at.error] == [t("data_error", "zh")]
    shown = "\n".join(c.value for c in at.code)
    # in Chinese: the problems as the catalogue words them in Chinese, naming the file
    assert shown == info.value.text("zh") and "发现" in shown and expected[0].split(",")[0] in shown
    assert not at.title, "no page may render on invalid data"
    # The language switch still works on the error screen, and the problems follow it.
    at.radio(key="lang").set_value("en")
    run_app(at)
    assert [e.value for e in at.error] == [t("data_error", "en")]
    shown = "\n".join(c.value for c in at.code)
    for part in expected:
        assert part in shown, f"{part!r} not in the error shown:\n{shown}"
