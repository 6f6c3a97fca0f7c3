"""The pure helpers behind the thin pages: songnan_geo.layers.preview (the data manager's import
preview and export name), songnan_geo.plan.carriers.form_values/pipeline_count (the 产业载体 form)
and songnan_ui.page's error and stale-version texts."""
from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from songnan_geo.auth import EditorRequiredError, require_editor
from songnan_geo.briefing.facts import parks_version_key
from songnan_geo.layers.preview import (
    PREVIEW_COLOR,
    epsg_crs,
    export_filename,
    field_shown,
    import_facts,
    parse_defaults,
    preview_inputs,
)
from songnan_geo.plan.carriers import form_values, pipeline_count
from songnan_geo.store.db import StaleVersionError, StoreConfigError
from songnan_geo.text.i18n import field_label, t
from songnan_ui.page import error_text, stale_text


def test_field_shown_labels_in_chinese_only_for_labelled_data_fields():
    assert field_shown("source", "zh") == f"{field_label('source', 'zh')}（source）"
    assert field_shown("source", "en") == "source"
    assert field_shown("features", "zh") == "features"      # the file's own structure
    assert field_shown("no_such_column", "zh") == "no_such_column"
    assert field_shown(None, "zh") == ""


def test_import_facts_lists_only_what_was_read():
    assert import_facts({"format": "CSV"}, "en") == f"{t('dm_format', 'en')}: CSV"
    line = import_facts({"format": "GeoJSON", "encoding": "utf-8", "crs": "EPSG:4326", "features": 3}, "en")
    assert line.split(" · ") == [f"{t('dm_format', 'en')}: GeoJSON", f"{t('dm_encoding', 'en')}: utf-8",
                                 "CRS: EPSG:4326", f"{t('features', 'en')}: 3"]


def test_parse_defaults_reports_a_bad_accuracy_and_leaves_it_out():
    assert parse_defaults("", "", "") == ({}, False)
    assert parse_defaults("survey", "12.5", "no") == (
        {"source": "survey", "accuracy_m": 12.5, "estimated": False}, False)
    assert parse_defaults("", "about ten", "yes") == ({"estimated": True}, True)


def test_epsg_crs_and_export_filename():
    assert epsg_crs(" epsg:4549 ") == "EPSG:4549"
    assert epsg_crs("4490") == "EPSG:4490"
    assert epsg_crs("") == "EPSG:"
    assert export_filename("roads", ".gpkg", "wgs84") == "songnan_roads.gpkg"
    assert export_filename("roads", ".zip", "EPSG:4549") == "songnan_roads_epsg4549.zip"
    assert export_filename("roads", ".csv", "gcj02") == "songnan_roads_gcj02.csv"


def test_preview_inputs_never_change_the_manifest():
    manifest = {"layers": {"roads": {"title": {"zh": "道路", "en": "Roads"}}}}
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(121.45, 31.38)], crs="EPSG:4326")
    shown, shown_manifest = preview_inputs({"roads": "old"}, manifest, "shops", frame, new=True,
                                           titles={"zh": "商店", "en": ""}, geometry_types=["Point"])
    assert list(manifest["layers"]) == ["roads"]
    assert shown_manifest["layers"]["shops"] == {"title": {"zh": "商店", "en": "shops"},
                                                 "geometry_types": ["Point"],
                                                 "style": {"color": PREVIEW_COLOR}}
    assert shown["shops"] is frame and shown["roads"] == "old"
    shown, same = preview_inputs({"roads": "old"}, manifest, "roads", frame, new=False, titles=None,
                                 geometry_types=["Point"])
    assert same is manifest and shown["roads"] is frame


def test_form_values_of_a_park_and_of_a_new_one():
    rec = {"name": "智慧湾", "name_en": None, "state": "运营", "lon": "121.47", "lat": 31.37,
           "enterprises": 12, "tax_10k_yuan": math.nan, "accuracy_m": 20, "estimated": False}
    v = form_values(rec, "运营")
    assert v["name"] == "智慧湾" and v["name_en"] == "" and v["state"] == "运营"
    assert v["enterprises"] == 12 and v["tax_10k_yuan"] is None and v["stats_year"] is None
    assert (v["lon"], v["lat"]) == (121.47, 31.37) and v["accuracy_m"] == 20.0
    assert v["estimated"] is False and v["yiyuan_lou"] is False
    new = form_values(None, "运营", (121.5, 31.4))
    assert (new["lon"], new["lat"]) == (121.5, 31.4) and new["estimated"] is True
    assert new["accuracy_m"] == 50.0 and new["name"] == "" and new["state"] == "运营"
    assert (form_values(None, "规划")["lon"], form_values(None, "规划")["state"]) == (None, "规划")


def test_pipeline_count_counts_parks_under_construction_or_planned():
    assert pipeline_count(pd.DataFrame({"state": ["运营", "在建", "规划", "规划"]})) == 3


def test_error_text_localises_and_never_shows_a_traceback():
    with pytest.raises(EditorRequiredError) as info:
        require_editor(None)
    exc = info.value
    assert error_text(exc, "zh") == exc.text("zh") != error_text(exc, "en")
    assert error_text(StoreConfigError("set SONGNAN_STORE_URL"), "zh") == "set SONGNAN_STORE_URL"
    assert error_text(KeyError("x"), "en") == "KeyError: 'x'"
    assert "Traceback" not in error_text(RuntimeError("boom"), "zh")


def test_stale_text_names_who_changed_it_and_escapes_markdown():
    exc = StaleVersionError("p1", "*Park*", 2, 3, "bob_[x]", "2026-11-28T06:03:00+00:00")
    text = stale_text(exc, "en")
    assert "2026-11-28 14:03 (UTC+8)" in text and "*Park*" not in text and "bob_[x]" not in text
    assert "3" in text and "2" in text
    assert "Other name" in stale_text(exc, "en", name="Other name")


def test_parks_version_key_changes_with_a_saved_park():

    assert parks_version_key(pd.DataFrame({"id": ["a", "b"]})) == "a:0,b:0"
    assert parks_version_key(pd.DataFrame({"id": ["a", "b"], "version": [1, 2]})) == "a:1,b:2"
