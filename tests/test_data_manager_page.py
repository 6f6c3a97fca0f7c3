"""The 数据管理 page in Streamlit's AppTest: upload → report → preview → confirm → undo, the
datum-offset offer, bad files (no traceback, nothing stored), a new layer, and export."""
from __future__ import annotations

import io
import json
import re
import shutil
import zipfile

import geopandas as gpd
import pytest
import streamlit as st
from conftest import DATA_DIR, app_page_paths, open_page, run_app
from test_importer import BAD, STATION_CSV_HEAD, target, tree_hash

from songnan_geo.chinacoords import convert_gdf
from songnan_geo.exporter import FORMATS as EXPORT_FORMATS
from songnan_geo.exporter import export_layer
from songnan_geo.i18n import t
from songnan_geo.importer import ImportOptions, import_layer
from songnan_geo.io import load_all_layers, load_layer, read_manifest

PAGE = app_page_paths()["data_manager"]
UPLOAD = "dm_file_0"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """The app on its own copy of data/geo (SONGNAN_DATA_DIR), caches dropped around it."""
    d = tmp_path / "geo"
    shutil.copytree(DATA_DIR, d)
    monkeypatch.setenv("SONGNAN_DATA_DIR", str(d))
    st.cache_resource.clear()
    yield d
    st.cache_resource.clear()


def _upload(at, name, data, layer=None, **widgets):
    at.file_uploader(key=UPLOAD).set_value((name, data, "application/octet-stream"))
    if layer:
        at.selectbox(key="dm_layer").set_value(layer)
    run_app(at)
    if widgets:  # the option widgets exist once a file is there
        for key, value in widgets.items():
            getattr(at, _kind(key))(key=key).set_value(value)
        run_app(at)
    return at


def _kind(key):
    return {"dm_crs": "selectbox", "dm_lon_col": "selectbox", "dm_lat_col": "selectbox",
            "dm_encoding": "selectbox", "dm_target_kind": "radio", "dm_mode": "radio",
            "dm_new_name": "text_input", "dm_title_zh": "text_input",
            "dm_def_source": "text_input", "dm_def_accuracy": "text_input",
            "dm_def_estimated": "selectbox", "dm_auto_ids": "checkbox",
            "dm_keep_datum": "checkbox"}[key]


def test_page_renders_in_both_languages(data_dir):
    at = open_page(PAGE)
    assert [x.value for x in at.title] == ["数据管理"]
    assert not at.warning, "a writable data folder shows no read-only warning"
    assert at.file_uploader(key=UPLOAD).label == t("dm_file", "zh")
    assert [b.label for b in at.get("download_button")] == [t("dm_download", "zh")]
    at = open_page(PAGE, "en")
    assert [x.value for x in at.title] == ["Data manager"]


def test_repository_data_is_read_only_with_the_fix_named(monkeypatch):
    monkeypatch.delenv("SONGNAN_DATA_DIR", raising=False)
    st.cache_resource.clear()
    at = open_page(PAGE)
    assert [w.value for w in at.warning] == [t("dm_read_only", "zh")]
    assert "SONGNAN_DATA_DIR" in at.code[0].value
    # Checking and previewing still work; confirming is disabled.
    at = _upload(at, "st.geojson", export_layer(load_layer("metro_stations"), "geojson"),
                 "metro_stations")
    assert at.button(key="dm_confirm").disabled


def test_editable_copy_makes_the_page_writable(monkeypatch, tmp_path):
    monkeypatch.delenv("SONGNAN_DATA_DIR", raising=False)
    monkeypatch.setenv("SONGNAN_USER_DIR", str(tmp_path / "user"))
    st.cache_resource.clear()
    at = open_page(PAGE)
    before = tree_hash(DATA_DIR)
    at.button(key="dm_make_copy").click()
    run_app(at)
    copy = tmp_path / "user" / "data"
    assert (copy / "manifest.json").is_file()
    assert not at.warning and t("dm_copy_made", "zh").format(path=copy) in [s.value for s in at.success]
    at = _upload(at, "st.geojson", export_layer(load_layer("metro_stations"), "geojson"), "metro_stations")
    assert not at.button(key="dm_confirm").disabled
    assert tree_hash(DATA_DIR) == before          # the repository's data is never written
    st.cache_resource.clear()


def test_update_preview_confirm_and_undo(data_dir):
    stations = load_layer("metro_stations", data_dir)
    changed = stations.copy()
    changed.loc[0, "note"] = "页面导入测试"
    before = (data_dir / "metro_stations.geojson").read_bytes()
    at = _upload(open_page(PAGE), "stations.gpkg", export_layer(changed, "gpkg"), "metro_stations")
    assert not at.error
    assert at.subheader[0].value == t("dm_preview", "zh")
    assert len(at.main.dataframe[-1].value) == len(stations)
    assert (data_dir / "metro_stations.geojson").read_bytes() == before, "nothing stored yet"
    at.button(key="dm_confirm").click()
    run_app(at)
    assert [s.value for s in at.success] == [t("dm_stored", "zh").format(n=len(stations),
                                                                        layer="metro_stations")]
    assert load_layer("metro_stations", data_dir).loc[0, "note"] == "页面导入测试"
    assert at.file_uploader(key="dm_file_1").value is None, "the uploader is cleared after storing"
    at.button(key="dm_undo").click()
    run_app(at)
    assert [s.value for s in at.success] == [t("dm_undone", "zh").format(layer="metro_stations")]
    assert (data_dir / "metro_stations.geojson").read_bytes() == before


def test_sidebar_counts_follow_a_replace(data_dir):
    roads = load_layer("roads", data_dir)
    at = _upload(open_page(PAGE), "roads.geojson", export_layer(roads.iloc[:4], "geojson"), "roads")
    at.button(key="dm_confirm").click()
    run_app(at)
    df = at.sidebar.dataframe[0].value
    row = df[df[t("layers", "zh")] == read_manifest(data_dir)["layers"]["roads"]["title"]["zh"]]
    assert row[t("features", "zh")].tolist() == [4]


def test_gcj_offset_is_offered_and_blocks_until_decided(data_dir):
    stations = load_layer("metro_stations", data_dir)
    shifted = export_layer(convert_gdf(stations, "wgs84", "gcj02"), "geojson")
    at = _upload(open_page(PAGE), "amap.geojson", shifted, "metro_stations")
    assert at.info[0].value.startswith(t("dm_offer_convert_datum", "zh"))
    assert "GCJ-02" in at.info[0].value
    assert at.button(key="dm_confirm").disabled, "an offset must be decided first"
    at.button(key="dm_offer_0_convert_datum").click()
    run_app(at)
    assert at.selectbox(key="dm_crs").value == "gcj02" and not at.info
    assert not at.button(key="dm_confirm").disabled
    at.button(key="dm_confirm").click()
    run_app(at)
    stored = load_layer("metro_stations", data_dir)
    assert max(a.distance(b) for a, b in zip(stored.geometry, stations.geometry)) < 1e-8


def test_keep_as_is_is_possible_after_saying_so(data_dir):
    stations = load_layer("metro_stations", data_dir)
    shifted = export_layer(convert_gdf(stations, "wgs84", "gcj02"), "geojson")
    at = _upload(open_page(PAGE), "amap.geojson", shifted, "metro_stations", dm_keep_datum=True)
    assert not at.button(key="dm_confirm").disabled


def test_csv_columns_picked_and_new_layer_created(data_dir):
    text = "名称,东经度,北纬度\n甲,121.49,31.35\n乙,121.495,31.355\n"
    at = open_page(PAGE)
    at.radio(key="dm_target_kind").set_value("new")
    run_app(at)
    at.text_input(key="dm_new_name").set_value("survey")
    at.text_input(key="dm_title_zh").set_value("踏勘点")
    at = _upload(at, "survey.csv", text.encode("gbk"))
    assert at.selectbox(key="dm_lon_col").options == ["(auto)", "名称", "东经度", "北纬度"]
    at = _upload(at, "survey.csv", text.encode("gbk"), dm_lon_col="东经度", dm_lat_col="北纬度",
                 dm_crs="wgs84", dm_def_source="现场踏勘 2025", dm_def_accuracy="10",
                 dm_def_estimated="no", dm_auto_ids=True)
    assert any("GBK" in w.value for w in at.warning)
    assert not at.error, [e.value for e in at.error]
    at.button(key="dm_confirm").click()
    run_app(at)
    assert read_manifest(data_dir)["layers"]["survey"]["title"]["zh"] == "踏勘点"
    assert load_layer("survey", data_dir)["name"].tolist() == ["甲", "乙"]
    assert len(at.sidebar.dataframe[0].value) == len(load_all_layers(data_dir))


#: The page's bad files and the Chinese words their problem shows in zh mode (the English
#: words are the corpus's own, checked in en mode).
PAGE_BAD_ZH = {
    "empty": "文件为空（没有内容）",
    "not_json": "不是有效的 JSON（第 1 行",
    "line_into_points": "几何类型为 'LineString'，本图层只接受 Point",
    "missing_property": "状态（state）：缺少该字段",
    "duplicate_ids": "与要素 #0 的 id 重复",
    "nan_coordinates": "坐标中有非有限数值",
    "zip_slip": "路径指向压缩包之外",
    "zip_bomb_ratio": "属于 zip 炸弹",
    "zip_missing_dbf": "缺少 .dbf 文件",
    "gpkg_garbage": "无法按 GeoPackage 格式读取",
    "kml_network_link": "KML 网络链接（NetworkLink",
    "csv_no_crs": "文件没有坐标参考系",
    "csv_not_a_number": "第 2 行，lon：'121°29′' 不是数字",
    "xlsx_garbage": "无法作为 Excel 工作簿读取",
    "unsupported_docx": "文件格式不受支持（后缀“.docx”）",
    "self_intersecting": "几何无效（Self-intersection",
    "outside_town": "位于镇界以外",
    "not_utf8_nor_gbk": "也不是 GBK/GB18030 编码",
}
PAGE_BAD = [c for c in BAD if c[0] in PAGE_BAD_ZH]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", PAGE_BAD, ids=[c[0] for c in PAGE_BAD])
def test_bad_file_on_the_page_shows_the_problem_and_stores_nothing(case, lang, data_dir):
    name, fname, content, layer, opts, expected = case
    h = tree_hash(data_dir)
    widgets = {"dm_crs": opts["crs"]} if "crs" in opts else {}
    at = _upload(open_page(PAGE, lang), fname, content, layer, **widgets)
    table = at.main.dataframe[0].value
    assert at.error and at.error[0].value == t("dm_problems", lang).format(n=len(table))
    rows = list(zip(table[t("dm_col_feature", lang)], table[t("dm_col_field", lang)],
                    table[t("dm_col_message", lang)]))
    # The table shows every problem the importer finds, rendered in the page's language.
    res = import_layer(content, fname, target(layer), ImportOptions(**opts))
    assert [m for _, _, m in rows] == [p.text(lang) for p in res.problems]
    assert [f for f, _, _ in rows] == [p.feature_text(lang) for p in res.problems]
    if lang == "zh":
        shown = "\n".join(f"{'，'.join(x for x in (f, d) if x)}：{m}" if (f or d) else m
                          for f, d, m in rows)
        assert PAGE_BAD_ZH[name] in shown, shown
        assert not any(p.message in shown for p in res.problems), "English in Chinese mode"
        assert all(_CJK.search(m) for _, _, m in rows), rows
    else:
        shown = "\n".join(f"{f}, field '{d}': {m}" if d else f"{f}: {m}" for f, d, m in rows)
        assert expected in shown, shown
        assert not any(_CJK.search(m.replace("淞南镇", "").replace("另存为", ""))
                       for _, _, m in rows), rows
    assert not [b for b in at.button if b.key == "dm_confirm"], "no confirm button on bad input"
    assert tree_hash(data_dir) == h


_CJK = re.compile("[\u4e00-\u9fff]")


def test_offers_and_notes_follow_the_language(data_dir):
    """A GBK CSV with an extra column: the note and the offers in Chinese, then in English."""
    text = (STATION_CSV_HEAD + ",lon,lat,客流\n"
            "s_new,新站,New,test fixture,20,true,,3,运营,,,121.49,31.35,高\n").encode("gbk")
    for lang in ("zh", "en"):
        at = _upload(open_page(PAGE, lang), "a.csv", text, "metro_stations", dm_crs="wgs84")
        res = import_layer(text, "a.csv", target("metro_stations"), ImportOptions(crs="wgs84"))
        assert [w.value for w in at.warning] == [w.text(lang) for w in res.warnings]
        assert [i.value for i in at.info] == [t(f"dm_offer_{o.kind}", lang) + "\n\n" + o.text(lang)
                                              for o in res.offers]
        words = ("已按 GBK", "不是图层“metro_stations”的字段") if lang == "zh" else \
            ("read as GBK", "are not fields of layer 'metro_stations'")
        page_text = "\n".join([w.value for w in at.warning] + [i.value for i in at.info])
        assert all(w in page_text for w in words), page_text


@pytest.mark.parametrize("fmt", list(EXPORT_FORMATS))
def test_export_every_format(data_dir, fmt):
    at = open_page(PAGE)
    at.selectbox(key="dm_export_format").set_value(fmt)
    at.selectbox(key="dm_export_layer").set_value("facilities")
    run_app(at)
    button = at.get("download_button")[0]
    assert button.proto.label == t("dm_download", "zh")
    # The bytes offered are the exporter's (the page is thin).
    data = export_layer(load_layer("facilities", data_dir), fmt, "facilities")
    if fmt == "geojson":
        assert len(json.loads(data)["features"]) == len(load_layer("facilities", data_dir))
    elif fmt == "shp":
        assert "facilities.shp" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    elif fmt == "gpkg":
        (data_dir.parent / "f.gpkg").write_bytes(data)
        assert len(gpd.read_file(data_dir.parent / "f.gpkg")) == len(load_layer("facilities",
                                                                               data_dir))
