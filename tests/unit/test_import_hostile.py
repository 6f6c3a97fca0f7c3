"""Hostile and broken files (issue 11, findings 5-7), each generated here: refused with its
own message code, in Chinese and English naming the file (and feature and field), with no
Python exception names, no warning printed, and nothing stored. And a Google Earth KML,
whose ids are in ExtendedData, accepted."""
from __future__ import annotations

import io
import json
import re
import shutil
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pyogrio
import pytest
from shapely.geometry import Point
from test_importer import tree_hash

from songnan_geo.cli import main as cli_main
from songnan_geo.layers import importer as importer_module
from songnan_geo.layers.exporter import export_layer
from songnan_geo.layers.importer import MAX_COLUMNS, ImportOptions, import_layer, layer_target
from songnan_geo.layers.io import (
    DEFAULT_DATA_DIR,
    LayerValidationError,
    load_all_layers,
    load_layer,
    read_manifest,
    validate_feature_collection,
)

LAYERS = load_all_layers()
MANIFEST = read_manifest()
#: Python exception class names that must never reach a planner.
PYTHON_NAMES = re.compile(r"BadZipFile|UnicodeDecodeError|RecursionError|KeyError|ValueError|"
                          r"TypeError|Traceback|IsADirectoryError|Errno|RuntimeWarning")


def schema_of(name):
    return json.loads((DEFAULT_DATA_DIR / MANIFEST["layers"][name]["schema"]).read_text("utf-8"))


def target(name, new=False):
    return layer_target(name, LAYERS, MANIFEST, None if new else schema_of(name), new=new)


@pytest.fixture
def data_dir(tmp_path):
    """A copy of the data folder to import into."""
    return Path(shutil.copytree(DEFAULT_DATA_DIR, tmp_path / "geo"))


def _cli(args, capsys):
    code = cli_main(["import", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def _one_feature(layer: str, **props) -> dict:
    """The first stored feature of ``layer`` with ``props`` changed (a parsed dict)."""
    doc = json.loads((DEFAULT_DATA_DIR / MANIFEST["layers"][layer]["file"]).read_text("utf-8"))
    feat = doc["features"][0]
    feat["properties"].update(props)
    return feat


def _geojson_text(layer: str, field: str, token: str) -> bytes:
    """A one-feature FeatureCollection of ``layer`` whose ``field`` is the JSON token
    ``token`` written as is (Infinity, NaN and 1e309 are not strict JSON)."""
    feat = _one_feature(layer, **{field: "@@TOKEN@@"})
    text = json.dumps({"type": "FeatureCollection", "features": [feat]}, ensure_ascii=False)
    return text.replace('"@@TOKEN@@"', token).encode("utf-8")


def _assert_refused(res, code: str, fname: str, field: str | None = None, fid=None):
    """Refused with ``code`` only; the zh and en lines name file, feature and field; no
    Python names."""
    assert not res.ok and res.layer is None
    assert [p.code for p in res.problems] == [code] * len(res.problems) and res.problems, \
        res.report()
    for p in res.problems:
        for lang in ("zh", "en"):
            line = p.line(lang)
            assert fname in line, line
            if field is not None:
                assert field in line, line
            if fid is not None:
                assert str(fid) in line, line
            assert not PYTHON_NAMES.search(line), line
        assert re.search("[\u4e00-\u9fff]", p.line("zh")), p.line("zh")


# --------------------------------------------------------------------------- finding 5

@pytest.mark.parametrize("layer,field,token,shown", [
    ("metro_stations", "accuracy_m", "1e309", "Infinity"),
    ("metro_stations", "accuracy_m", "Infinity", "Infinity"),
    ("metro_stations", "accuracy_m", "-Infinity", "-Infinity"),
    ("metro_stations", "accuracy_m", "NaN", "NaN"),
    ("facilities", "capacity", "Infinity", "Infinity"),
    ("facilities", "capacity", "-1e400", "-Infinity"),
])
def test_non_finite_number_in_geojson_is_refused_naming_feature_and_field(layer, field, token,
                                                                          shown, recwarn):
    data = _geojson_text(layer, field, token)
    res = import_layer(data, "bad.geojson", target(layer))
    fid = _one_feature(layer)["properties"]["id"]
    _assert_refused(res, "value_not_finite", "bad.geojson", field, fid)
    assert len(res.problems) == 1 and res.problems[0].params["value"] == shown
    assert res.problems[0].feature.index == 0
    assert "不是有限数值" in res.problems[0].text("zh")
    assert not res.offers  # no "fill in the missing accuracy_m" offer for a NaN
    assert not recwarn.list


def test_non_finite_values_everywhere_are_all_listed():
    feats = [_one_feature("facilities", capacity=None) for _ in range(3)]
    for i, f in enumerate(feats):
        f["properties"]["id"] = f"f_x{i}"
    text = json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False)
    text = text.replace('"capacity": null', '"capacity": Infinity', 2)
    text = text.replace('"accuracy_m": 500', '"accuracy_m": NaN', 1)
    res = import_layer(text.encode(), "f.geojson", target("facilities"))
    got = sorted((p.feature.index, p.field, p.params["value"]) for p in res.problems)
    assert got == [(0, "accuracy_m", "NaN"), (0, "capacity", "Infinity"),
                   (1, "capacity", "Infinity")], res.report()


def test_non_finite_text_in_a_csv_number_field_and_coordinates():
    head = "id,name,name_en,source,accuracy_m,estimated,note,lines,state,ref_lon,ref_lat,lon,lat"
    row = "s1,新站,New,test src,{acc},true,,3,运营,,,{lon},31.35"
    res = import_layer(f"{head}\n{row.format(acc='1e309', lon='121.49')}".encode(), "a.csv",
                       target("metro_stations"), ImportOptions(crs="wgs84"))
    _assert_refused(res, "value_not_finite", "a.csv", "accuracy_m", "s1")
    assert res.problems[0].params["value"] == "1e309"
    res = import_layer(f"{head}\n{row.format(acc='20', lon='inf')}".encode(), "a.csv",
                       target("metro_stations"), ImportOptions(crs="wgs84"))
    _assert_refused(res, "value_not_finite", "a.csv", "lon")
    assert "第 2 行" in res.problems[0].line("zh") and "row 2" in res.problems[0].line("en")


def test_non_finite_number_in_a_geopackage(tmp_path):
    fac = LAYERS["facilities"].iloc[:2].copy()
    fac["capacity"] = [np.inf, 3.0]
    path = tmp_path / "f.gpkg"
    pyogrio.write_dataframe(fac, path)
    res = import_layer(path, None, target("facilities"))
    _assert_refused(res, "value_not_finite", "f.gpkg", "capacity", fac["id"].iloc[0])


def test_non_finite_default_is_refused(tmp_path):
    data = json.dumps({"type": "FeatureCollection",
                       "features": [_one_feature("metro_stations")]}).encode()
    for value in (float("inf"), float("nan")):
        res = import_layer(data, "a.geojson", target("metro_stations"),
                           ImportOptions(defaults={"accuracy_m": value}))
        _assert_refused(res, "option_not_finite", "a.geojson", "accuracy_m")


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_cli_accuracy_m_inf_is_refused_and_nothing_stored(value, data_dir, tmp_path, capsys):
    f = tmp_path / "pts.csv"
    f.write_text("name,lon,lat\n甲,121.49,31.35\n", encoding="utf-8")
    before = tree_hash(data_dir)
    args = [str(f), "--layer", "survey_points", "--new", "--crs", "wgs84", "--auto-ids",
            "--source", "现场踏勘 2025-06", f"--accuracy-m={value}", "--estimated", "no",
            "--data-dir", str(data_dir)]
    code, out = _cli(args + ["--lang", "zh"], capsys)
    assert code == 1 and "不是有限数值" in out and "accuracy_m" in out, out
    code, out = _cli(args, capsys)
    assert code == 1 and "is not a finite number" in out, out
    assert not PYTHON_NAMES.search(out)
    assert tree_hash(data_dir) == before


def test_cli_refuses_infinity_in_a_file_and_stores_nothing(data_dir, tmp_path, capsys):
    f = tmp_path / "s.geojson"
    f.write_bytes(_geojson_text("metro_stations", "accuracy_m", "Infinity"))
    before = tree_hash(data_dir)
    code, out = _cli([str(f), "--layer", "metro_stations", "--mode", "upsert",
                      "--data-dir", str(data_dir)], capsys)
    assert code == 1 and "field 'accuracy_m': Infinity is not a finite number" in out, out
    assert tree_hash(data_dir) == before
    assert "Infinity" not in (data_dir / "metro_stations.geojson").read_text("utf-8")


@pytest.mark.parametrize("token", ["Infinity", "1e309", "NaN"])
def test_the_loader_refuses_a_layer_file_with_non_finite_numbers(token, data_dir):
    path = data_dir / MANIFEST["layers"]["facilities"]["file"]
    text = path.read_text("utf-8")
    assert '"capacity": null' in text
    path.write_text(text.replace('"capacity": null', f'"capacity": {token}', 1), "utf-8")
    with pytest.raises(LayerValidationError) as err:
        load_layer("facilities", data_dir)
    (p,) = err.value.problems
    assert p.code == "value_not_finite" and p.field == "capacity" and p.feature.index == 0
    assert path.name in err.value.text("zh") and "字段“capacity”" in err.value.text("zh")
    assert "field 'capacity'" in str(err.value)


def test_validation_finds_non_finite_values_nested_and_says_nothing_else():
    feat = _one_feature("metro_stations", accuracy_m=float("inf"))
    feat["properties"]["note"] = None
    problems = validate_feature_collection({"type": "FeatureCollection", "features": [feat]},
                                           "x.geojson", schema_of("metro_stations"), ["Point"])
    assert [(p.code, p.field) for p in problems] == [("value_not_finite", "accuracy_m")]
    schema = {"type": "object"}
    problems = validate_feature_collection(
        {"type": "FeatureCollection", "features": [{**feat, "properties": {
            "tags": [1, float("nan"), {"a": float("-inf")}]}}]}, "x.geojson", schema, ["Point"])
    assert [(p.field, p.params["value"]) for p in problems] == [("tags.1", "NaN"),
                                                                ("tags.2.a", "-Infinity")]


# --------------------------------------------------------------------------- finding 6

def test_a_folder_given_as_file(tmp_path, data_dir, capsys):
    folder = tmp_path / "shapefile_folder"
    folder.mkdir()
    res = import_layer(folder, None, target("roads"))
    _assert_refused(res, "path_is_folder", "shapefile_folder")
    before = tree_hash(data_dir)
    code, out = _cli([str(folder), "--layer", "roads", "--data-dir", str(data_dir)], capsys)
    assert code == 1 and "is a folder, not a file" in out, out
    assert not PYTHON_NAMES.search(out)
    code, out = _cli([str(folder), "--layer", "roads", "--data-dir", str(data_dir),
                      "--lang", "zh"], capsys)
    assert code == 1 and "是一个文件夹，不是文件" in out
    assert tree_hash(data_dir) == before


def test_a_missing_path(tmp_path):
    res = import_layer(tmp_path / "nope.geojson", None, target("roads"))
    _assert_refused(res, "path_not_found", "nope.geojson")


def _shp_zip(members: dict[str, bytes], stored: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _roads_members() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(export_layer(LAYERS["roads"], "shp", "roads"))) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_a_zip_failing_its_crc():
    members = _roads_members()
    data = bytearray(_shp_zip(members, stored=True))
    dbf = members["roads.dbf"]
    at = data.find(dbf[300:340])
    assert at > 0
    data[at + 3] ^= 0xFF  # one byte of the stored .dbf changed: its CRC no longer matches
    res = import_layer(bytes(data), "roads.zip", target("roads"))
    _assert_refused(res, "zip_member_corrupt", "roads.zip")
    assert "roads.dbf" in res.problems[0].text("zh")


def test_an_xlsx_failing_its_crc():
    with zipfile.ZipFile(io.BytesIO(export_layer(LAYERS["metro_stations"], "xlsx"))) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    sheet = next(n for n in members if n.startswith("xl/worksheets/"))
    data = bytearray(_shp_zip(members, stored=True))
    at = data.find(members[sheet][-200:-160])
    assert at > 0
    data[at + 3] ^= 0xFF
    res = import_layer(bytes(data), "s.xlsx", target("metro_stations"), ImportOptions(crs="wgs84"))
    _assert_refused(res, "xlsx_damaged", "s.xlsx")  # GDAL alone said "has no worksheet"
    assert sheet in res.problems[0].text("zh")


def test_fields_csv_not_utf8():
    members = _roads_members()
    members["fields.csv"] = "short,full\nname,名称\n".encode("gbk")
    res = import_layer(_shp_zip(members), "roads.zip", target("roads"))
    _assert_refused(res, "field_map_not_utf8", "roads.zip")
    assert "fields.csv" in res.problems[0].text("zh")


def test_fields_csv_renaming_a_field_to_geometry():
    members = _roads_members()
    members["fields.csv"] = b"short,full\nname,geometry\n"
    res = import_layer(_shp_zip(members), "roads.zip", target("roads"))
    _assert_refused(res, "field_map_reserved", "roads.zip")
    assert "'name'" in res.problems[0].text("en") and "geometry" in res.problems[0].text("zh")


def test_fields_csv_giving_two_fields_one_name():
    members = _roads_members()
    members["fields.csv"] = b"short,full\nname,label\nname_en,label\n"
    res = import_layer(_shp_zip(members), "roads.zip", target("roads"))
    _assert_refused(res, "field_map_duplicate", "roads.zip")
    members["fields.csv"] = b"short,full\nname,name_en\n"  # onto a field the file has
    res = import_layer(_shp_zip(members), "roads.zip", target("roads"))
    _assert_refused(res, "field_map_duplicate", "roads.zip")
    members["fields.csv"] = b"a;b\n1;2\n"
    res = import_layer(_shp_zip(members), "roads.zip", target("roads"))
    _assert_refused(res, "field_map_bad", "roads.zip")


def test_json_nested_too_deep():
    res = import_layer(b"[" * 100_000 + b"]" * 100_000, "deep.geojson", target("roads"))
    _assert_refused(res, "json_too_deep", "deep.geojson")


def test_an_unforeseen_reader_failure_has_no_python_names(monkeypatch):
    def boom(*_a, **_k):
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr(importer_module, "_read_geojson", boom)
    res = import_layer(b'{"type": "FeatureCollection", "features": []}', "a.geojson",
                       target("roads"))
    _assert_refused(res, "read_failed", "a.geojson")


def _wide_csv(n: int) -> bytes:
    return (",".join(f"c{i}" for i in range(n)) + "\n" + ",".join("1" for _ in range(n))
            + "\n").encode()


@pytest.mark.parametrize("n", [MAX_COLUMNS + 1, 10_000, 1_000_000])
def test_a_csv_with_too_many_columns_is_refused_before_it_is_parsed(n, monkeypatch):
    def no_pandas(*_a, **_k):
        raise AssertionError("pandas was asked to parse a file past the column cap")
    monkeypatch.setattr(importer_module.pd, "read_csv", no_pandas)
    res = import_layer(_wide_csv(n), "wide.csv", target("metro_stations"),
                       ImportOptions(crs="wgs84"))
    _assert_refused(res, "too_many_columns", "wide.csv")
    assert res.problems[0].params == {"count": n, "limit": MAX_COLUMNS}


def test_a_csv_at_the_column_cap_is_read():
    res = import_layer(_wide_csv(MAX_COLUMNS - 2).replace(b"c0,c1,", b"lon,lat,", 1)
                       .replace(b"\n1,1,", b"\n121.49,31.35,", 1), "wide.csv",
                       target("metro_stations"), ImportOptions(crs="wgs84"))
    assert "too_many_columns" not in [p.code for p in res.problems]
    assert res.info["columns"][:2] == ["lon", "lat"] and len(res.info["columns"]) == MAX_COLUMNS - 2


def test_an_xlsx_geopackage_and_geojson_with_too_many_columns(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append([f"c{i}" for i in range(MAX_COLUMNS + 1)])
    wb.active.append([1] * (MAX_COLUMNS + 1))
    buf = io.BytesIO()
    wb.save(buf)
    res = import_layer(buf.getvalue(), "wide.xlsx", target("metro_stations"),
                       ImportOptions(crs="wgs84"))
    _assert_refused(res, "too_many_columns", "wide.xlsx")
    cols = {f"c{i}": [1] for i in range(MAX_COLUMNS + 1)}
    gdf = gpd.GeoDataFrame(cols, geometry=[Point(121.49, 31.35)], crs=4326)
    pyogrio.write_dataframe(gdf, tmp_path / "wide.gpkg")
    res = import_layer(tmp_path / "wide.gpkg", None, target("metro_stations"))
    _assert_refused(res, "too_many_columns", "wide.gpkg")
    feat = {"type": "Feature", "properties": {f"p{i}": i for i in range(MAX_COLUMNS + 1)},
            "geometry": {"type": "Point", "coordinates": [121.49, 31.35]}}
    res = import_layer(json.dumps({"type": "FeatureCollection", "features": [feat]}).encode(),
                       "wide.geojson", target("metro_stations"))
    _assert_refused(res, "too_many_columns", "wide.geojson")


def test_numpy_warnings_are_not_printed(capsys, recwarn):
    # Coordinates of 1e308 overflow in the BD-09 conversion (numpy warns "overflow
    # encountered"); the planner gets the region message and nothing else.
    head = "id,name,name_en,source,accuracy_m,estimated,note,lines,state,ref_lon,ref_lat,lon,lat"
    data = f"{head}\ns1,新站,New,test src,20,true,,3,运营,,,1e308,31.35\n".encode()
    with warnings.catch_warnings(record=True) as raw:  # the same conversion, unguarded, warns
        warnings.simplefilter("always")
        from songnan_geo.coords.chinacoords import convert_lonlat
        convert_lonlat(np.array([1e308]), np.array([31.35]), "bd09", "wgs84")
    assert any(issubclass(w.category, RuntimeWarning) for w in raw)
    for crs in ("bd09", "EPSG:4549"):  # the conversion makes them infinite: not the file's
        res = import_layer(data, "a.csv", target("metro_stations"), ImportOptions(crs=crs))
        assert [p.code for p in res.problems] == ["outside_region"], res.report()
        assert not res.warnings
    assert not recwarn.list
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_reader_warnings_become_notes_and_others_are_dropped():
    res = importer_module.ImportResult(filename="a.gpkg")
    caught = [
        warnings.WarningMessage(RuntimeWarning("GDAL: field 'x' in /tmp/songnan-import-ab12/"
                                               "upload.gpkg parsed incompletely"),
                                RuntimeWarning, "/venv/lib/python3.11/site-packages/pyogrio/"
                                "raw.py", 1),
        warnings.WarningMessage(RuntimeWarning("overflow encountered in multiply"),
                                RuntimeWarning, "/venv/lib/numpy/core.py", 1),
    ]
    importer_module._warnings_to_notes(caught, "a.gpkg", res)
    assert [w.code for w in res.warnings] == ["reader_note"]
    assert "/tmp/songnan-import" not in res.warnings[0].text("en")
    assert res.warnings[0].text("zh").startswith("a.gpkg：读取程序提示")


# --------------------------------------------------------------------------- finding 7

def _ge_placemark(pid: str, name: str, lon: float, lat: float, with_attr: bool) -> str:
    data = {"id": pid, "name_en": "New", "source": "Google Earth 现场标注", "accuracy_m": "20",
            "estimated": "true", "lines": "3", "state": "运营", "ref_lon": "", "ref_lat": ""}
    ext = "".join(f'<Data name="{k}"><value>{v}</value></Data>' for k, v in data.items())
    attr = f' id="0A{pid}"' if with_attr else ""
    return (f"<Placemark{attr}><name>{name}</name><styleUrl>#m_ylw-pushpin</styleUrl>"
            f"<ExtendedData>{ext}</ExtendedData><Point><gx:drawOrder>1</gx:drawOrder>"
            f"<coordinates>{lon},{lat},0</coordinates></Point></Placemark>")


def _google_earth_kml(with_attr: bool = False) -> bytes:
    """A KML as Google Earth Pro saves it: styles, a folder, ids in untyped ExtendedData."""
    pms = _ge_placemark("s_ge1", "新站一", 121.49, 31.35, with_attr) + \
        _ge_placemark("s_ge2", "新站二", 121.495, 31.355, with_attr)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2" '
        'xmlns:gx="http://www.google.com/kml/ext/2.2" xmlns:kml="http://www.opengis.net/kml/2.2"'
        ' xmlns:atom="http://www.w3.org/2005/Atom"><Document><name>站点.kml</name>'
        '<Style id="s_ylw-pushpin"><IconStyle><scale>1.1</scale></IconStyle></Style>'
        '<StyleMap id="m_ylw-pushpin"><Pair><key>normal</key><styleUrl>#s_ylw-pushpin'
        f'</styleUrl></Pair></StyleMap><Folder><name>站点</name><open>1</open>{pms}</Folder>'
        "</Document></kml>").encode("utf-8")


@pytest.mark.parametrize("with_attr", [False, True], ids=["plain", "placemark-id-attribute"])
def test_a_google_earth_kml_reads_ids_from_extended_data(with_attr):
    res = import_layer(_google_earth_kml(with_attr), "站点.kml", target("metro_stations"),
                       ImportOptions(mode="upsert"))
    assert res.ok, res.report()
    new = res.layer[res.layer["id"].isin(["s_ge1", "s_ge2"])]
    assert new["name"].tolist() == ["新站一", "新站二"]
    assert new["accuracy_m"].tolist() == [20, 20] and new["estimated"].tolist() == [True, True]
    assert len(res.layer) == len(LAYERS["metro_stations"]) + 2


def test_a_google_earth_kmz_and_the_old_kml_driver(monkeypatch):
    kmz = _shp_zip({"doc.kml": _google_earth_kml()})
    res = import_layer(kmz, "站点.kmz", target("metro_stations"), ImportOptions(mode="upsert"))
    assert res.ok, res.report()
    assert {"s_ge1", "s_ge2"} <= set(res.layer["id"])
    # GDAL's KML driver (no LIBKML) drops ExtendedData: the fields are read by our parser.
    rows = importer_module._kml_placemarks(_google_earth_kml(), lambda *a, **k: None)
    frame = gpd.GeoDataFrame({"Name": ["新站一", "新站二"], "Description": ["", ""]},
                             geometry=[Point(121.49, 31.35), Point(121.495, 31.355)])
    tidy = importer_module._tidy_kml(frame, importer_module._placemarks_of(rows, "站点", frame))
    assert tidy["id"].tolist() == ["s_ge1", "s_ge2"] and tidy["state"].tolist() == ["运营"] * 2
    assert "Description" not in tidy.columns and tidy["name"].tolist() == ["新站一", "新站二"]


def test_kml_placemarks_are_not_guessed_when_names_do_not_match():
    rows = importer_module._kml_placemarks(_google_earth_kml(), lambda *a, **k: None)
    frame = gpd.GeoDataFrame({"Name": ["别的", "新站二"]},
                             geometry=[Point(121.49, 31.35), Point(121.495, 31.355)])
    assert importer_module._placemarks_of(rows, "站点", frame) is None


def test_a_kmz_declaring_entities_is_refused():
    kml = (b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">'
           b']><kml><Document><Placemark><name>&b;</name><Point><coordinates>121.49,31.35'
           b"</coordinates></Point></Placemark></Document></kml>")
    res = import_layer(_shp_zip({"doc.kml": kml}), "a.kmz", target("metro_stations"))
    _assert_refused(res, "kml_entities", "a.kmz")
    # in UTF-16 the byte search cannot see the declaration: the parser refuses it
    res = import_layer(kml.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16"),
                       "b.kml", target("metro_stations"))
    _assert_refused(res, "kml_entities", "b.kml")
