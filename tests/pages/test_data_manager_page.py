"""The 数据管理 page in Streamlit's AppTest: a viewer sees layers and exports only (no write
widget, and a forged login writes nothing); an editor logs in (the app's one login) and goes
upload → report → preview → confirm → undo, each write in the history under the editor's name; a
preview made stale by another editor's write is refused naming them; the datum-offset offer, bad
files (no traceback, nothing stored), a new layer, and export."""
from __future__ import annotations

import io
import json
import re
import shutil
import zipfile

import geopandas as gpd
import pytest
import streamlit as st
from conftest import DATA_DIR, app_page_paths, button, frame_with_column, open_page, run_app
from test_importer import BAD, STATION_CSV_HEAD, target, tree_hash
from tracker_testlib import PASSWORDS, editors, store_path  # noqa: F401

from songnan_geo import auth
from songnan_geo.coords.chinacoords import convert_gdf
from songnan_geo.layers.exporter import FORMATS as EXPORT_FORMATS, export_layer
from songnan_geo.layers.importer import ImportOptions, import_layer, layer_target
from songnan_geo.layers.io import load_all_layers, load_layer, read_manifest
from songnan_geo.layers.layerstore import LayerStore, StaleLayerError
from songnan_geo.store.tracker import format_time, open_store
from songnan_geo.text.i18n import t

PAGE = app_page_paths()["data_manager"]
UPLOAD = "dm_file_0"


@pytest.fixture
def data_dir(tmp_path, monkeypatch, editors, store_path):  # noqa: F811
    """The app on its own copy of data/geo (SONGNAN_DATA_DIR), with editors alice, bob and carol
    and a store of its own; caches dropped around it."""
    d = tmp_path / "geo"
    shutil.copytree(DATA_DIR, d)
    monkeypatch.setenv("SONGNAN_DATA_DIR", str(d))
    st.cache_resource.clear()
    yield d
    st.cache_resource.clear()


def _authenticate(user: str) -> auth.Editor:
    """``user`` logged in outside the page (another editor's session, the CLI), on the store
    the page uses (SONGNAN_STORE_PATH)."""
    store = open_store()
    try:
        return auth.authenticate(user, PASSWORDS[user], store=store)
    finally:
        store.dispose()


def _login(at, user: str = "alice", lang: str = "zh"):
    """Log ``user`` in with the page's own login form (keys dm_user / dm_password)."""
    at.text_input(key="dm_user").input(user)
    at.text_input(key="dm_password").input(PASSWORDS[user])
    button(at, t("tr_login_button", lang)).click()
    run_app(at)
    assert t("tr_logged_in", lang).format(user=user) in [s.value for s in at.success]
    return at


def editor_page(lang: str = "zh", user: str = "alice"):
    """The page in ``lang`` with ``user`` logged in."""
    return _login(open_page(PAGE, lang), user, lang)


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


def _successes(at) -> list[str]:
    """The page's success messages other than the login box's "logged in as"."""
    return [s.value for s in at.success if not s.value.startswith(("已登录编辑", "Logged in as"))]


WRITE_KEYS = {"dm_confirm", "dm_undo", "dm_make_copy"}


def _assert_viewer_only(at, lang: str) -> None:
    """Layers and exports, the login form and its note; no upload widget, no write button, no
    import tab, no history."""
    assert not at.get("file_uploader"), "a viewer has no upload widget"
    assert not WRITE_KEYS & {b.key for b in at.button}, [b.key for b in at.button]
    assert not at.tabs, "no import tab"
    assert [s.value for s in at.main.subheader] == [t("dm_layers", lang)]
    assert [b.label for b in at.get("download_button")] == [t("dm_download", lang)]
    assert [d.value.shape[0] for d in at.main.dataframe] == [len(load_layer("districts"))]
    assert t("dm_readonly_viewer", lang) in [c.value for c in at.caption]
    assert at.text_input(key="dm_user").label == t("tr_username", lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_viewer_sees_layers_and_exports_only(data_dir, lang):
    # An import in the journal: an editor would see the undo button and the history here.
    alice = _authenticate("alice")
    store = LayerStore(data_dir)
    store.save_import("roads", load_layer("roads", data_dir).iloc[:4], editor=alice,
                      base_version=store.layer_version("roads"), note="by alice")
    at = open_page(PAGE, lang)
    assert [x.value for x in at.title] == [t("data_manager", lang)]
    assert not at.warning and not at.error
    _assert_viewer_only(at, lang)
    # the same page once logged in: the import tab with its upload widget, undo and history
    at = _login(at, "alice", lang)
    assert [tab.label for tab in at.tabs] == [t("dm_import", lang), t("osm_title", lang),
                                            t("dm_layers", lang)]
    assert at.file_uploader(key=UPLOAD).label == t("dm_file", lang)
    assert at.button(key="dm_undo").label == t("dm_undo", lang)
    hist = frame_with_column(at, t("dm_hcol_editor", lang))
    assert hist[t("dm_hcol_editor", lang)].tolist() == ["alice"]
    # logging out is back to read-only
    at.button(key="dm_logout").click()
    _assert_viewer_only(run_app(at), lang)


def test_no_editors_configured_means_read_only_naming_the_command(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("SONGNAN_EDITORS_FILE", str(tmp_path / "none" / "editors.json"))
    at = open_page(PAGE)
    assert [i.value for i in at.info] == [t("tr_readonly_no_editors", "zh")]
    assert [c.value for c in at.code] == ["python -m songnan_geo editor add USER"]
    assert not at.get("file_uploader") and not WRITE_KEYS & {b.key for b in at.button}
    assert [b.label for b in at.get("download_button")] == [t("dm_download", "zh")]


def test_a_forged_login_writes_nothing(data_dir):
    """An Editor in the session that no password check made is dropped by the login (no write
    widget), and the store refuses it (and no editor) outright: nothing is changed."""
    before = tree_hash(data_dir)
    forged = auth.Editor("alice", "0" * 64)
    at = open_page(PAGE)
    at.session_state["tracker_editor"] = forged
    at = run_app(at)
    assert at.session_state["tracker_editor"] is None
    _assert_viewer_only(at, "zh")
    store = LayerStore(data_dir)
    roads = load_layer("roads", data_dir)
    for who in (forged, None, "alice"):
        with pytest.raises(auth.EditorRequiredError):
            store.save_import("roads", roads.iloc[:2], editor=who,
                              base_version=store.layer_version("roads"))
        with pytest.raises(auth.EditorRequiredError):
            store.undo(editor=who)
    assert tree_hash(data_dir) == before


def test_repository_data_is_read_only_with_the_fix_named(monkeypatch, editors, store_path):  # noqa: F811
    monkeypatch.delenv("SONGNAN_DATA_DIR", raising=False)
    st.cache_resource.clear()
    at = editor_page()
    assert [w.value for w in at.warning] == [t("dm_read_only", "zh")]
    # the planner's sentence, in the page's language, with no paths (those stay in the CLI's text)
    from songnan_geo.text.error_messages import render
    sentence = render("layer_repository_data", "zh")
    assert sentence in [c.value for c in at.caption]
    assert "/" not in sentence and not any("data/geo" in c.value for c in at.code)
    # Checking and previewing still work; confirming is disabled.
    at = _upload(at, "st.geojson", export_layer(load_layer("metro_stations"), "geojson"),
                 "metro_stations")
    assert at.button(key="dm_confirm").disabled


def test_editable_copy_makes_the_page_writable(monkeypatch, tmp_path, editors, store_path):  # noqa: F811
    monkeypatch.delenv("SONGNAN_DATA_DIR", raising=False)
    monkeypatch.setenv("SONGNAN_USER_DIR", str(tmp_path / "user"))
    st.cache_resource.clear()
    at = editor_page()
    before = tree_hash(DATA_DIR)
    at.button(key="dm_make_copy").click()
    run_app(at)
    copy = tmp_path / "user" / "data"
    assert (copy / "manifest.json").is_file()
    assert not at.warning and _successes(at) == [t("dm_copy_made", "zh").format(path=copy)]
    at = _upload(at, "st.geojson", export_layer(load_layer("metro_stations"), "geojson"), "metro_stations")
    assert not at.button(key="dm_confirm").disabled
    assert tree_hash(DATA_DIR) == before          # the repository's data is never written
    st.cache_resource.clear()


def test_update_preview_confirm_and_undo(data_dir):
    stations = load_layer("metro_stations", data_dir)
    changed = stations.copy()
    changed.loc[0, "note"] = "页面导入测试"
    before = (data_dir / "metro_stations.geojson").read_bytes()
    at = _upload(editor_page(), "stations.gpkg", export_layer(changed, "gpkg"), "metro_stations")
    assert not at.error
    assert at.subheader[0].value == t("dm_preview", "zh")
    assert len(at.main.dataframe[0].value) == len(stations)
    assert (data_dir / "metro_stations.geojson").read_bytes() == before, "nothing stored yet"
    at.button(key="dm_confirm").click()
    run_app(at)
    assert _successes(at) == [t("dm_stored", "zh").format(n=len(stations), layer="metro_stations")]
    assert load_layer("metro_stations", data_dir).loc[0, "note"] == "页面导入测试"
    assert at.file_uploader(key="dm_file_1").value is None, "the uploader is cleared after storing"
    at.button(key="dm_undo").click()
    run_app(at)
    assert _successes(at) == [t("dm_undone", "zh").format(layer="metro_stations")]
    assert (data_dir / "metro_stations.geojson").read_bytes() == before
    # the write and who made it: in the journal and in the page's history (newest first)
    op = LayerStore(data_dir).history()[-1]
    assert (op.layer, op.editor, op.undone) == ("metro_stations", "alice", True)
    hist = frame_with_column(at, t("dm_hcol_editor", "zh"))
    assert hist[[t("dm_hcol_layer", "zh"), t("dm_hcol_editor", "zh"),
                 t("dm_hcol_undone", "zh")]].values.tolist() == [["metro_stations", "alice", True]]
    assert hist[t("dm_hcol_action", "zh")].tolist() == [t("dm_action_replace", "zh")]


def test_sidebar_counts_follow_a_replace(data_dir):
    roads = load_layer("roads", data_dir)
    at = _upload(editor_page(), "roads.geojson", export_layer(roads.iloc[:4], "geojson"), "roads")
    at.button(key="dm_confirm").click()
    run_app(at)
    from test_app_pages import sidebar_summary
    assert sidebar_summary(at)[read_manifest(data_dir)["layers"]["roads"]["title"]["zh"]] == 4


def test_gcj_offset_is_offered_and_blocks_until_decided(data_dir):
    stations = load_layer("metro_stations", data_dir)
    shifted = export_layer(convert_gdf(stations, "wgs84", "gcj02"), "geojson")
    at = _upload(editor_page(), "amap.geojson", shifted, "metro_stations")
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
    at = _upload(editor_page(), "amap.geojson", shifted, "metro_stations", dm_keep_datum=True)
    assert not at.button(key="dm_confirm").disabled


def test_csv_columns_picked_and_new_layer_created(data_dir):
    text = "名称,东经度,北纬度\n甲,121.49,31.35\n乙,121.495,31.355\n"
    at = editor_page()
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
    from test_app_pages import sidebar_summary
    manifest = read_manifest(data_dir)
    assert len(sidebar_summary(at)) == len([n for n in load_all_layers(data_dir)
                                            if manifest["layers"][n].get("group") != "context"])


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
    at = _upload(editor_page(lang), fname, content, layer, **widgets)
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
        at = _upload(editor_page(lang), "a.csv", text, "metro_stations", dm_crs="wgs84")
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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_preview_made_stale_by_another_editor_is_refused_naming_them(data_dir, lang):
    """alice previews an update of the stations; bob stores his own meanwhile (another session,
    the CLI); alice's confirmation is refused naming bob and when, and bob's layer stays. The
    page then previews against bob's layer, and confirming again stores alice's."""
    stations = load_layer("metro_stations", data_dir)
    mine = stations.copy()
    mine.loc[0, "note"] = "alice 的修改"
    at = _upload(editor_page(lang), "stations.gpkg", export_layer(mine, "gpkg"), "metro_stations")
    assert not at.error and not at.button(key="dm_confirm").disabled
    previewed = LayerStore(data_dir).layer_version("metro_stations")

    bob, store = _authenticate("bob"), LayerStore(data_dir)
    store.save_import("metro_stations", stations.iloc[:-1], editor=bob,
                      base_version=store.layer_version("metro_stations"), note="bob's import")
    bobs = (data_dir / "metro_stations.geojson").read_bytes()

    at.button(key="dm_confirm").click()
    run_app(at)
    assert (data_dir / "metro_stations.geojson").read_bytes() == bobs, "bob's layer stays"
    assert [op.editor for op in LayerStore(data_dir).history()] == ["bob"]
    # the refusal is the store's own message, in the page's language, naming bob and when
    with pytest.raises(StaleLayerError) as refused:
        store.save_import("metro_stations", mine, editor=_authenticate("alice"),
                          base_version=previewed)
    assert refused.value.editor == "bob" and refused.value.layer == "metro_stations"
    assert [e.value for e in at.error] == [refused.value.text(lang)]
    assert "bob" in at.error[0].value
    assert [i.value for i in at.info] == [t("dm_stale_note", lang)]
    assert not _successes(at)
    # the preview now counts bob's layer as the one being replaced
    assert t("dm_preview_counts", lang).format(before=len(stations) - 1, after=len(stations)) \
        in [c.value for c in at.caption]

    at.button(key="dm_confirm").click()
    run_app(at)
    assert _successes(at) == [t("dm_stored", lang).format(n=len(stations), layer="metro_stations")]
    assert load_layer("metro_stations", data_dir).loc[0, "note"] == "alice 的修改"
    hist = frame_with_column(at, t("dm_hcol_editor", lang))
    assert hist[t("dm_hcol_editor", lang)].tolist() == ["alice", "bob"]


def test_a_new_layer_created_meanwhile_by_another_editor_is_refused(data_dir):
    """Two editors add a layer of the same name: the second confirmation is refused naming the
    first, whose layer stays."""
    text = "name,lon,lat\n甲,121.49,31.35\n".encode()
    defaults = {"source": "现场踏勘", "accuracy_m": 10.0, "estimated": False}
    at = editor_page()
    at.radio(key="dm_target_kind").set_value("new")
    run_app(at)
    at.text_input(key="dm_new_name").set_value("survey")
    at = _upload(at, "survey.csv", text)
    at = _upload(at, "survey.csv", text, dm_lon_col="lon", dm_lat_col="lat", dm_crs="wgs84",
                 dm_def_source=defaults["source"], dm_def_accuracy="10", dm_def_estimated="no",
                 dm_auto_ids=True)
    assert not at.error, [e.value for e in at.error]

    # bob adds his own "survey" (two points) meanwhile
    bobs = import_layer(text + "乙,121.495,31.355\n".encode(), "survey.csv",
                        layer_target("survey", load_all_layers(data_dir), read_manifest(data_dir),
                                     new=True),
                        ImportOptions(crs="wgs84", defaults=defaults, auto_ids=True))
    assert bobs.ok, bobs.problems
    bob, store = _authenticate("bob"), LayerStore(data_dir)
    store.save_import("survey", bobs.layer, new=True, schema=bobs.schema,
                      geometry_types=bobs.geometry_types, editor=bob, base_version="")
    before = tree_hash(data_dir)
    at.button(key="dm_confirm").click()
    run_app(at)
    assert "bob" in at.error[0].value and not _successes(at)
    assert tree_hash(data_dir) == before
    assert len(load_layer("survey", data_dir)) == 2


def test_undo_refuses_when_another_editors_import_became_the_latest(data_dir):
    """alice sees her import as the last one; bob imports meanwhile; alice's undo is refused
    naming bob, and both imports stay."""
    at = _upload(editor_page(), "roads.geojson",
                 export_layer(load_layer("roads", data_dir).iloc[:4], "geojson"), "roads")
    at.button(key="dm_confirm").click()
    run_app(at)
    bob, store = _authenticate("bob"), LayerStore(data_dir)
    store.save_import("districts", load_layer("districts", data_dir).iloc[:3], editor=bob,
                      base_version=store.layer_version("districts"))
    before = tree_hash(data_dir)
    at.button(key="dm_undo").click()
    run_app(at)
    last = LayerStore(data_dir).last_undoable()
    assert [e.value for e in at.error] == [t("dm_stale_undo", "zh").format(
        who="bob", when=format_time(last.time), layer="districts")]
    assert tree_hash(data_dir) == before
    # now that the page shows bob's import as the last one, undo reverts exactly that
    at.button(key="dm_undo").click()
    run_app(at)
    assert _successes(at) == [t("dm_undone", "zh").format(layer="districts")]
    assert len(load_layer("districts", data_dir)) == len(load_layer("districts"))
    assert len(load_layer("roads", data_dir)) == 4
