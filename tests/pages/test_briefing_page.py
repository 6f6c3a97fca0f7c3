"""The 招商简报 page under Streamlit's AppTest: site choice, facts shown, downloads offered."""
from __future__ import annotations

import pytest
import streamlit as st
from conftest import DATA_DIR, app_page_paths, open_page, run_app
from streamlit.testing.v1 import AppTest
from tracker_testlib import editors, store_path  # noqa: F401

from songnan_geo.briefing import map as briefing_map
from songnan_geo.briefing.facts import briefing_facts
from songnan_geo.briefing.render import format_m
from songnan_geo.layers.io import load_all_layers
from songnan_geo.text.i18n import t

PAGE = app_page_paths().get("briefing")
LAYERS = load_all_layers(DATA_DIR)


@pytest.fixture
def at() -> AppTest:
    assert PAGE, "app_main.py registers no st.Page for app_pages/briefing.py"
    return open_page(PAGE)


def _metrics(at) -> dict[str, str]:
    """The facts row: three st.metric and the status, shown as text ("label  \\n**value**") so that
    a long status is never cut short."""
    facts = {m.label: m.value for m in at.metric}
    for md in at.markdown:
        label, sep, rest = md.value.partition("  \n**")
        if sep and rest.endswith("**"):
            facts[label] = rest[:-2]
    return facts


def _downloads(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def _enabled(at) -> list[bool]:
    return [not b.proto.disabled for b in at.get("download_button")]


def test_downloads_wait_for_a_contact(at, monkeypatch):
    """Issue 16: an investor document is never exported with the 【待填写】 placeholder."""
    monkeypatch.delenv("SONGNAN_BRIEFING_CONTACT", raising=False)
    assert _enabled(at) == [False, False]
    assert [w.value for w in at.warning] == [t("bf_contact_needed", "zh")]
    at.text_input(key="briefing_contact").set_value("淞南镇经济发展办公室 021-0000")
    run_app(at)
    assert _enabled(at) == [True, True] and not at.warning
    html = at.get("download_button")[0].proto
    assert html.label == "下载 HTML"
    assert "淞南镇经济发展办公室 021-0000" in at.get("iframe")[0].proto.srcdoc
    assert "待填写" not in at.get("iframe")[0].proto.srcdoc


def test_page_shows_first_parcel_with_downloads(at):
    assert [x.value for x in at.title] == [t("briefing", "zh")] == ["招商简报"]
    assert [i.value for i in at.info] == [t("estimated_banner", "zh")]
    first = LAYERS["parcels"].iloc[0]["id"]
    b = briefing_facts(LAYERS, first)
    m = _metrics(at)
    assert m["面积（公顷）"] == f"{b.area_m2 / 1e4:,.2f}〔估〕"
    near = b.nearest_station
    assert m["最近车站"] == near.name
    assert m["直线距离"] == format_m(near.straight_m, "zh", True)
    assert m["现状"] == b.status
    assert _downloads(at) == ["下载 HTML", "下载 PDF"]
    assert not at.error


def test_every_kind_and_site_can_be_chosen(at):
    at.radio(key="briefing_kind_zh").set_value("park")
    run_app(at)
    box = at.selectbox(key="briefing_site_park_zh")
    assert len(box.options) == len(LAYERS["carrier_parks"])
    box.set_value("c_weimob")
    run_app(at)
    m = _metrics(at)
    assert m["面积（公顷）"] == "—" and m["现状"] == "在建"
    at.radio(key="briefing_kind_zh").set_value("zone")
    run_app(at)
    at.selectbox(key="briefing_site_zone_zh").set_value("belt_jiangyang")
    run_app(at)
    b = briefing_facts(LAYERS, "belt_jiangyang")
    assert _metrics(at)["面积（公顷）"] == f"{b.area_m2 / 1e4:,.2f}〔估〕"
    assert _downloads(at) == ["下载 HTML", "下载 PDF"]


def test_the_kind_and_site_chosen_survive_the_language_switch(at):
    """Streamlit keeps a choice as its label, which the switch changes: the park chosen in Chinese
    is still the one briefed in English (and back), and each kind keeps its own site."""
    at.selectbox(key="briefing_site_parcel_zh").set_value("p_ferroalloy")
    run_app(at)
    at.radio(key="briefing_kind_zh").set_value("park")
    run_app(at)
    at.selectbox(key="briefing_site_park_zh").set_value("c_weimob")
    run_app(at)
    at.sidebar.radio(key="lang").set_value("en")
    run_app(at)
    assert at.radio(key="briefing_kind_en").value == "park"
    box = at.selectbox(key="briefing_site_park_en")
    assert box.value == "c_weimob"
    name_en = LAYERS["carrier_parks"].set_index("id").loc["c_weimob", "name_en"]
    assert name_en and any(o.startswith(name_en) for o in box.options)
    assert _metrics(at)["Current status"] == "Under construction"
    at.radio(key="briefing_kind_en").set_value("parcel")
    run_app(at)
    assert at.selectbox(key="briefing_site_parcel_en").value == "p_ferroalloy"
    at.sidebar.radio(key="lang").set_value("zh")
    run_app(at)
    assert at.radio(key="briefing_kind_zh").value == "parcel"
    assert at.selectbox(key="briefing_site_parcel_zh").value == "p_ferroalloy"
    name = LAYERS["parcels"].set_index("id").loc["p_ferroalloy", "name"]
    assert name in at.get("iframe")[0].proto.srcdoc


def test_page_in_english(at):
    at.radio(key="lang").set_value("en")
    run_app(at)
    assert [x.value for x in at.title] == ["Investment briefing"]
    assert set(_metrics(at)) == {"Area (ha)", "Nearest station", "Straight-line", "Current status"}
    from songnan_geo.text.i18n import VALUE_LABELS
    assert _metrics(at)["Current status"] in VALUE_LABELS.values()     # not the Chinese term
    assert _downloads(at) == ["Download HTML", "Download PDF"]


def test_missing_font_is_a_clear_error(at, monkeypatch):
    st.cache_data.clear()
    monkeypatch.setattr(briefing_map, "CJK_FONT_CANDIDATES", ())
    monkeypatch.delenv(briefing_map.CJK_FONT_ENV, raising=False)
    at.selectbox(key="briefing_site_parcel_zh").set_value("p_ferroalloy")
    run_app(at)
    assert [e.value for e in at.error] == [t("bf_font_missing", "zh")]
    assert "fonts-wqy-microhei" in at.code[0].value
    assert not at.get("download_button")
    st.cache_data.clear()


def test_briefing_shows_the_status_recorded_in_the_tracker(monkeypatch, tmp_path):
    """A status recorded on 地块进度 is the status the briefing prints (store, not the layer)."""
    import json as _json

    from argon2 import PasswordHasher

    from songnan_geo import auth
    from songnan_geo.store.tracker import open_store

    path = tmp_path / "editors.json"
    path.write_text(_json.dumps({"editors": {"alice": PasswordHasher(time_cost=1, memory_cost=8192,
                                                                     parallelism=1).hash("pw-alice-1")}}))
    path.chmod(0o600)
    monkeypatch.setenv("SONGNAN_EDITORS_FILE", str(path))
    monkeypatch.setenv("SONGNAN_STORE_PATH", str(tmp_path / "tracker.gpkg"))
    st.cache_resource.clear()
    st.cache_data.clear()
    store = open_store()
    first = LAYERS["parcels"].iloc[0]
    item = store.item(first["id"])
    assert item["status"] == first["status"] == "出让准备"
    store.change_status(first["id"], "已出让", editor=auth.authenticate("alice", "pw-alice-1", store=store),
                        expected_version=item["version"], note="test")
    store.dispose()
    app = open_page(PAGE)
    assert _metrics(app)["现状"] == "已出让"
    assert t("bf_status_from_store", "zh") in [c.value for c in app.caption]
    st.cache_resource.clear()
    st.cache_data.clear()


def test_a_park_added_on_the_carrier_page_can_be_briefed_and_is_a_neighbour(store_path, editors):
    """The briefing reads the carrier register (产业载体), not only the layer: an added park is a
    site of its own and shows among a nearby parcel's parks within 1 km."""
    from tracker_testlib import login

    from songnan_geo.store.carriers import CarrierStore
    from songnan_geo.store.tracker import open_store

    st.cache_resource.clear()
    st.cache_data.clear()
    tracker = open_store()
    parcel = LAYERS["parcels"].iloc[0]
    spot = parcel.geometry.representative_point()
    CarrierStore(tracker).save(
        {"id": "c_test_added", "name": "测试新载体", "name_en": "Test Park", "lon": spot.x, "lat": spot.y,
         "address": None, "theme": "测试", "state": "运营", "yiyuan_lou": False, "floor_area_m2": None,
         "enterprises": None, "tax_10k_yuan": None, "high_tech": None, "stats_year": None,
         "opened_year": 2024, "source": "测试录入", "accuracy_m": 10.0, "estimated": False, "note": None},
        editor=login(tracker, "alice"), expected_version=0, town=LAYERS["boundary"])
    tracker.dispose()
    app = open_page(PAGE)
    html = app.get("iframe")[0].proto.srcdoc if app.get("iframe") else ""
    assert "测试新载体" in html, "the parcel's briefing lists the added park among its neighbours"
    app.radio(key="briefing_kind_zh").set_value("park")
    run_app(app)
    box = app.selectbox(key="briefing_site_park_zh")
    assert "c_test_added" in box.options or "测试新载体" in box.options
    st.cache_resource.clear()
    st.cache_data.clear()
