"""总览地图 shows the state as tracked: parcel status from the tracker's store and carrier parks
from the register (songnan_geo.reports.tracker.with_tracked_state), not only the plan-time layers."""
from __future__ import annotations

import pandas as pd
import streamlit as st
from conftest import DATA_DIR, app_page_paths, open_page
from tracker_testlib import editors, login, store_path  # noqa: F401

from songnan_geo.layers.io import load_all_layers
from songnan_geo.reports.tracker import with_tracked_state
from songnan_geo.store.tracker import open_store
from songnan_geo.text.i18n import field_label, t

LAYERS = load_all_layers(DATA_DIR)


def test_tracked_status_replaces_the_layers_and_nothing_passed_in_changes():
    parcels = LAYERS["parcels"]
    first, second = parcels["id"].iloc[0], parcels["id"].iloc[1]
    tracked = pd.DataFrame({"id": [first], "status": ["已出让"], "status_as_of": ["2024-05"],
                            "status_source": ["测试"]})
    register = LAYERS["carrier_parks"].iloc[:3]
    before = parcels.copy()
    out = with_tracked_state(LAYERS, tracked, register)
    got = out["parcels"].set_index("id")
    assert got.loc[first, "status"] == "已出让" and got.loc[first, "status_as_of"] == "2024-05"
    assert got.loc[second, "status"] == parcels.set_index("id").loc[second, "status"]  # untracked: kept
    assert out["carrier_parks"] is register and out["zones"] is LAYERS["zones"]
    pd.testing.assert_frame_equal(parcels, before)               # the input is not changed
    assert with_tracked_state(LAYERS) == LAYERS


def test_overview_shows_the_tracked_status(store_path, editors):
    st.cache_resource.clear()
    tracker = open_store()
    first = LAYERS["parcels"].iloc[0]
    item = tracker.item(first["id"])
    assert item["status"] != "已出让"
    tracker.change_status(first["id"], "已出让", editor=login(tracker, "alice"),
                          expected_version=item["version"], note="test")
    tracker.dispose()
    at = open_page(app_page_paths()["overview"])
    table = at.main.table[0].value
    row = table[table[field_label("name", "zh")] == first["name"]].iloc[0]
    assert row[field_label("status", "zh")] == "已出让"
    assert t("ov_state_from_store", "zh") in [c.value for c in at.caption]
    st.cache_resource.clear()


def test_overview_in_english_shows_statuses_in_english(store_path, editors):
    st.cache_resource.clear()
    at = open_page(app_page_paths()["overview"], "en")
    table = at.main.table[0].value
    row = table[table[field_label("name_en", "en")] == "Dongya parcel"].iloc[0]
    assert row[field_label("status", "en")] == "Land banked (收储)"
    st.cache_resource.clear()
