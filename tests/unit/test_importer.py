"""Import and export of planners' files: every format both ways, the datum-offset check, the
layer store (atomic replace, backup, undo), the ``import`` command, and a corpus of bad files
(generated here) each refused with its message and leaving the data folder unchanged."""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import stat
import string
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import layerstore_testlib as _lt
import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import catalogue_codes_used
from shapely.geometry import Point, Polygon

from songnan_geo.cli import main as cli_main
from songnan_geo.coords import chinacoords as cc
from songnan_geo.layers import importer as importer_module, io as io_module
from songnan_geo.layers.exporter import (
    FORMATS as EXPORT_FORMATS,
    export_layer,
    shapefile_field_names,
    write_layer,
)
from songnan_geo.layers.importer import (
    MAX_FILE_BYTES,
    ImportOptions,
    import_layer,
    layer_target,
    merge,
)
from songnan_geo.layers.io import (
    DEFAULT_DATA_DIR,
    LayerValidationError,
    Problem,
    load_all_layers,
    load_layer,
    read_manifest,
)
from songnan_geo.layers.layerstore import LayerStore, StoreError
from songnan_geo.text.import_messages import MESSAGES, FeatureRef, msg, render

# fixtures: a logged-in editor (alice), and the import command's --editor login
cli_editor_env, editor, editors, layer_editors, store_path = (
    _lt.cli_editor_env, _lt.editor, _lt.editors, _lt.layer_editors, _lt.store_path)

LAYERS = load_all_layers()
MANIFEST = read_manifest()
ALL = list(MANIFEST["layers"])
SHP_TEXT_BYTES = 254  # dBase limit of a text field


def schema_of(name):
    return json.loads((DEFAULT_DATA_DIR / MANIFEST["layers"][name]["schema"]).read_text("utf-8"))


def target(name, new=False, layers=None):
    return layer_target(name, layers or LAYERS, MANIFEST, None if new else schema_of(name), new=new)


def tree_hash(folder: Path) -> str:
    """Hash of every file (path and bytes) under ``folder``, backups included."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != ".lock":
            h.update(str(p.relative_to(folder)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "geo"
    shutil.copytree(DEFAULT_DATA_DIR, d)
    return d


def _opts(fmt, **kw):
    return ImportOptions(crs="wgs84", **kw) if fmt in ("csv", "xlsx") else ImportOptions(**kw)


def _assert_same_layer(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, fmt: str):
    assert list(b.columns) == list(a.columns)
    assert len(a) == len(b)
    for col in a.columns:
        if col == "geometry":
            for x, y in zip(a.geometry, b.geometry):
                assert x.equals_exact(y, 1e-7) or x.equals(y), (col, x.wkt[:80], y.wkt[:80])
            continue
        for x, y in zip(a[col], b[col]):
            x = None if x is None or (isinstance(x, float) and np.isnan(x)) else x
            y = None if y is None or (isinstance(y, float) and np.isnan(y)) else y
            if fmt == "shp" and isinstance(x, str) and len(x.encode()) > SHP_TEXT_BYTES:
                assert isinstance(y, str) and x.startswith(y) and len(y.encode()) <= SHP_TEXT_BYTES
                continue
            if isinstance(x, (int, float)) and not isinstance(x, bool):
                assert x == y and not isinstance(y, bool), (col, x, y)  # JSON: 60 == 60.0
                continue
            assert x == y and type(x) is type(y), (col, x, y)


# --------------------------------------------------------------------------- every format

# The fast loop round-trips a point and a polygon layer through every format; the full suite
# (the `slow` rest) every layer.
_FAST_ROUND_TRIP = {"metro_stations", "zones"}


@pytest.mark.parametrize("fmt", list(EXPORT_FORMATS))
@pytest.mark.parametrize("name", [n if n in _FAST_ROUND_TRIP else pytest.param(n, marks=pytest.mark.slow)
                                  for n in ALL])
def test_every_layer_exports_and_imports_back_in_every_format(name, fmt):
    data = export_layer(LAYERS[name], fmt, name)
    res = import_layer(data, f"{name}{EXPORT_FORMATS[fmt][0]}", target(name), _opts(fmt))
    assert res.ok, res.report()
    assert not res.offers, [o.message for o in res.offers]
    _assert_same_layer(LAYERS[name], res.layer, fmt)


def test_export_bytes_are_what_each_format_says():
    st = LAYERS["metro_stations"]
    assert json.loads(export_layer(st, "geojson"))["type"] == "FeatureCollection"
    assert export_layer(st, "gpkg")[:16] == b"SQLite format 3\x00"
    assert export_layer(st, "xlsx")[:2] == b"PK"
    csv_text = export_layer(st, "csv").decode("utf-8-sig")
    assert csv_text.splitlines()[0].endswith(",lon,lat") and "淞发路" in csv_text
    roads_csv = export_layer(LAYERS["roads"], "csv").decode("utf-8-sig")
    assert roads_csv.splitlines()[0].endswith(",wkt") and "LINESTRING" in roads_csv
    mixed = pd.concat([LAYERS["rivers"].iloc[:2], LAYERS["parcels"].iloc[:1][["id", "name",
                       "name_en", "source", "accuracy_m", "estimated", "geometry"]]])
    names = zipfile.ZipFile(io.BytesIO(export_layer(mixed, "shp", "rivers"))).namelist()
    # a layer mixing lines and polygons: one Shapefile per kind, plus the field-name map
    assert {"rivers_lines.shp", "rivers_polygons.shp", "rivers_lines.prj", "fields.csv"} <= set(names)


def test_export_in_another_datum_or_crs():
    st = LAYERS["metro_stations"]
    gcj = gpd.read_file(io.BytesIO(export_layer(st, "geojson", target="gcj02")))
    x, y = cc.wgs84_to_gcj02(st.geometry.x, st.geometry.y)
    assert np.allclose(gcj.geometry.x, x, atol=1e-9) and np.allclose(gcj.geometry.y, y, atol=1e-9)
    f = Path(tempfile.mkdtemp()) / "gk.gpkg"
    f.write_bytes(export_layer(st, "gpkg", target="EPSG:4549"))
    gk = pyogrio.read_dataframe(f)
    assert gk.crs.to_epsg() == 4549 and gk.geometry.x.min() > 500_000


def test_shapefile_field_names_are_unique_and_short():
    cols = ["population", "population_estimated", "population_method", "reference_area_km2",
            "reference_area_source", "id"]
    short = shapefile_field_names(cols)
    assert all(len(s) <= 10 for s in short.values())
    assert len({s.lower() for s in short.values()}) == len(cols)
    assert short["id"] == "id" and short["population"] == "population"


def test_write_layer_is_atomic_and_by_suffix(tmp_path):
    out = write_layer(LAYERS["roads"], tmp_path / "roads.gpkg")
    assert pyogrio.read_info(out)["features"] == len(LAYERS["roads"])
    with pytest.raises(ValueError, match="suffix '.shp'.*written as a .zip"):
        write_layer(LAYERS["roads"], tmp_path / "roads.shp")
    assert [p.name for p in tmp_path.iterdir()] == ["roads.gpkg"]


def test_kml_import():
    st = LAYERS["metro_stations"]
    buf = Path(tempfile.mkdtemp()) / "st.kml"
    pyogrio.write_dataframe(st, buf, driver="KML")
    res = import_layer(buf, None, target("metro_stations"))
    assert res.ok, res.report()
    _assert_same_layer(st, res.layer, "kml")


def test_kmz_import():
    st = LAYERS["metro_stations"]
    kml = Path(tempfile.mkdtemp()) / "doc.kml"
    pyogrio.write_dataframe(st, kml, driver="KML")
    res = import_layer(_zip({"doc.kml": kml.read_bytes()}), "stations.kmz", target("metro_stations"))
    assert res.ok, res.report()
    _assert_same_layer(st, res.layer, "kml")


def test_gbk_csv_is_detected_and_read_correctly():
    # GB18030 (the superset GBK readers use): the stations carry "©" (OpenStreetMap), which GBK lacks
    st = LAYERS["metro_stations"]
    text = export_layer(st, "csv").decode("utf-8-sig")
    res = import_layer(text.encode("gb18030"), "stations.csv", target("metro_stations"),
                       ImportOptions(crs="wgs84"))
    assert res.ok, res.report()
    assert res.info["encoding"] == "gb18030"
    assert any("GBK" in str(w) for w in res.warnings)
    assert res.layer["name"].tolist() == st["name"].tolist()


def test_csv_with_chinese_headers_and_picked_columns_into_a_new_layer(data_dir, editor):
    rows = ["名称,来源,位置精度（米）,估计数据,X坐标,Y坐标,类型"]
    for i, (x, y) in enumerate([(121.49, 31.35), (121.495, 31.352), (121.487, 31.345)]):
        rows.append(f"商店{i},街道调查 2025,15,否,{x},{y},便利店")
    data = "\n".join(rows).encode("gbk")
    store = LayerStore(data_dir)
    layers = load_all_layers(data_dir)
    tgt = layer_target("shops", layers, read_manifest(data_dir), None, new=True)
    res = import_layer(data, "shops.csv", tgt, ImportOptions(crs="wgs84", lon_col="X坐标",
                                                              lat_col="Y坐标", auto_ids=True))
    assert res.ok, res.report()
    assert res.layer["id"].tolist() == ["shops_001", "shops_002", "shops_003"]
    assert res.layer["estimated"].tolist() == [False] * 3 and res.layer["accuracy_m"].iloc[0] == 15
    assert res.schema["properties"]["类型"] == {"type": ["string", "null"]}
    op = store.save_import("shops", res.layer, new=True, schema=res.schema,
                           geometry_types=res.geometry_types, titles={"zh": "商店", "en": "Shops"},
                           editor=editor, base_version="")
    assert op.action == "add" and op.editor == "alice"
    loaded = load_layer("shops", data_dir)
    assert loaded["name"].tolist() == ["商店0", "商店1", "商店2"]
    assert read_manifest(data_dir)["layers"]["shops"]["title"] == {"zh": "商店", "en": "Shops"}
    assert len(load_all_layers(data_dir)) == len(ALL) + 1
    store.undo(editor=editor)
    assert "shops" not in read_manifest(data_dir)["layers"]
    assert not (data_dir / "shops.geojson").exists()
    assert not (data_dir / "schema" / "shops.schema.json").exists()


def test_xlsx_with_wkt_column_and_sheet_choice(tmp_path):
    df = export_layer(LAYERS["roads"], "xlsx", "道路")
    res = import_layer(df, "roads.xlsx", target("roads"), ImportOptions(crs="wgs84", sublayer="道路"))
    assert res.ok, res.report() and res.info["wkt_col"] == "wkt"
    res = import_layer(df, "roads.xlsx", target("roads"), ImportOptions(crs="wgs84", sublayer="nope"))
    assert "has no sheet 'nope'; it has 道路" in res.report()


def test_projected_gpkg_in_a_cgcs2000_zone_is_reprojected():
    gk = LAYERS["carrier_parks"].to_crs(cc.gk3_zone_crs(121.49))
    data = export_layer(gk.to_crs(4326), "gpkg", "parks", target="EPSG:4549")
    res = import_layer(data, "parks.gpkg", target("carrier_parks"))
    assert res.ok, res.report() and res.info["crs"] == "EPSG:4549"
    d = [a.distance(b) for a, b in zip(res.layer.geometry, LAYERS["carrier_parks"].geometry)]
    assert max(d) < 1e-8


def test_csv_in_cgcs2000_projected_metres_with_epsg_choice():
    gk = LAYERS["facilities"].to_crs(4549)
    df = pd.DataFrame(LAYERS["facilities"].drop(columns="geometry"))
    df["x"], df["y"] = gk.geometry.x, gk.geometry.y
    res = import_layer(df.to_csv(index=False).encode(), "f.csv", target("facilities"),
                       ImportOptions(crs="EPSG:4549", lon_col="x", lat_col="y"))
    assert res.ok, res.report()
    assert max(a.distance(b) for a, b in zip(res.layer.geometry, LAYERS["facilities"].geometry)) < 1e-8


def test_upsert_replaces_by_id_and_adds_new_ones():
    st = LAYERS["metro_stations"]
    part = st.iloc[[3]].copy()
    part["note"] = "位置已核对"
    extra = st.iloc[[0]].copy()
    extra["id"], extra["name"] = "station_99", "新站"
    upd = pd.concat([part, extra])
    res = import_layer(export_layer(upd, "geojson"), "upd.geojson", target("metro_stations"),
                       ImportOptions(mode="upsert"))
    assert res.ok, res.report()
    assert res.layer["id"].tolist() == st["id"].tolist() + ["station_99"]
    assert res.layer.set_index("id").loc["station_03", "note"] == "位置已核对"
    assert merge(st, upd, "replace")["id"].tolist() == ["station_03", "station_99"]


def test_make_valid_offer_and_repair():
    parcels = LAYERS["parcels"].copy()
    bow = Polygon([(121.49, 31.35), (121.495, 31.355), (121.495, 31.35), (121.49, 31.355)])
    parcels.loc[parcels.index[0], "geometry"] = bow
    data = json.dumps(json.loads(parcels.to_json(drop_id=True))).encode()
    res = import_layer(data, "p.geojson", target("parcels"))
    assert not res.ok and "is invalid (Self-intersection" in res.report()
    assert [o.kind for o in res.offers] == ["make_valid"]
    fixed = import_layer(data, "p.geojson", target("parcels"), ImportOptions(**res.offers[0].options))
    assert fixed.ok, fixed.report()
    assert fixed.layer.geometry.iloc[0].geom_type == "MultiPolygon" and fixed.layer.is_valid.all()


def test_drop_extra_offer():
    st = LAYERS["metro_stations"].assign(客流="高")
    res = import_layer(export_layer(st, "geojson"), "s.geojson", target("metro_stations"))
    assert not res.ok and "客流" in res.report()
    assert "drop_extra" in [o.kind for o in res.offers]
    assert import_layer(export_layer(st, "geojson"), "s.geojson", target("metro_stations"),
                        ImportOptions(drop_extra=True)).ok


# --------------------------------------------------------------------------- datum offset

@pytest.mark.parametrize("datum,lo,hi", [("gcj02", 400, 600), ("bd09", 900, 1300)])
def test_offset_by_id_is_recognised_and_the_conversion_offered(datum, lo, hi):
    shifted = cc.convert_gdf(LAYERS["metro_stations"], "wgs84", datum)
    res = import_layer(export_layer(shifted, "geojson"), "s.geojson", target("metro_stations"))
    offer = next(o for o in res.offers if o.kind == "convert_datum")
    assert offer.options == {"crs": datum}
    dist = float(offer.message.split("median ")[1].split(" m")[0])
    assert lo < dist < hi and "same id" in offer.message
    fixed = import_layer(export_layer(shifted, "geojson"), "s.geojson", target("metro_stations"),
                         ImportOptions(**offer.options))
    assert fixed.ok and not fixed.offers
    d = cc.shift_m(fixed.layer.geometry.x, fixed.layer.geometry.y)  # sanity: still in Songnan
    assert np.all(np.isfinite(d[0]))
    assert max(a.distance(b) for a, b in zip(fixed.layer.geometry, LAYERS["metro_stations"].geometry)) < 1e-8


def test_offset_by_name_and_by_nearest_point_in_a_new_layer():
    st = LAYERS["metro_stations"].iloc[:10]
    gcj = cc.convert_gdf(st, "wgs84", "gcj02")
    by_name = pd.DataFrame({"name": st["name"], "lon": gcj.geometry.x, "lat": gcj.geometry.y})
    res = import_layer(by_name.to_csv(index=False).encode(), "n.csv", target("visits", new=True),
                       ImportOptions(crs="wgs84"))
    assert "same name" in res.offers[0].message and res.offers[0].options == {"crs": "gcj02"}
    anon = by_name.assign(name=[f"点{i}" for i in range(10)])
    res = import_layer(anon.to_csv(index=False).encode(), "a.csv", target("visits", new=True),
                       ImportOptions(crs="wgs84"))
    assert "nearest stored" in res.offers[0].message


def test_wgs84_declared_as_gcj02_is_recognised_too():
    """Converting already-WGS84 points again moves them ~480 m the other way: say so."""
    res = import_layer(export_layer(LAYERS["metro_stations"], "geojson"), "s.geojson",
                       target("metro_stations"), ImportOptions(crs="gcj02"))
    assert res.offers[0].kind == "convert_datum" and res.offers[0].options == {"crs": "wgs84"}


def test_no_offset_offer_for_correct_or_unrelated_points():
    assert not import_layer(export_layer(LAYERS["facilities"], "geojson"), "f.geojson",
                            target("facilities")).offers
    rng = np.random.default_rng(7)
    pts = pd.DataFrame({"name": [f"p{i}" for i in range(30)],
                        "lon": rng.uniform(121.46, 121.52, 30), "lat": rng.uniform(31.33, 31.37, 30)})
    res = import_layer(pts.to_csv(index=False).encode(), "r.csv", target("random", new=True),
                       ImportOptions(crs="wgs84"))
    assert not [o for o in res.offers if o.kind == "convert_datum"]


# --------------------------------------------------------------------------- the store

def test_store_replace_keeps_a_backup_and_undo_restores(data_dir, editor):
    store = LayerStore(data_dir)
    path = data_dir / "metro_stations.geojson"
    before = path.read_bytes()
    st = LAYERS["metro_stations"].copy()
    st.loc[0, "note"] = "改"
    op = store.replace_layer("metro_stations", st, note="test", editor=editor,
                             base_version=store.layer_version("metro_stations"))
    assert (store.backup_dir / op.files["metro_stations.geojson"]).read_bytes() == before
    assert load_layer("metro_stations", data_dir).loc[0, "note"] == "改"
    op2 = store.replace_layer("metro_stations", LAYERS["metro_stations"].iloc[:3], editor=editor,
                              base_version=store.layer_version("metro_stations"))
    assert len(load_layer("metro_stations", data_dir)) == 3
    assert [o.id for o in store.history()] == [op.id, op2.id]
    assert store.undo(editor=editor).id == op2.id
    assert load_layer("metro_stations", data_dir).loc[0, "note"] == "改"
    assert store.undo(editor=editor).id == op.id
    assert path.read_bytes() == before
    assert store.undo(editor=editor) is None
    assert all(o.undone for o in store.history())


def test_store_refuses_invalid_layers_and_writes_nothing(data_dir, editor):
    store = LayerStore(data_dir)
    kw = {"editor": editor, "base_version": store.layer_version("roads")}
    h = tree_hash(data_dir)
    bad = LAYERS["roads"].drop(columns="source")
    with pytest.raises(LayerValidationError, match="field 'source': is missing"):
        store.replace_layer("roads", bad, **kw)
    with pytest.raises(KeyError, match="not a layer"):
        store.replace_layer("nope", bad, **kw)
    with pytest.raises(StoreError, match="already a layer"):
        store.add_layer("roads", LAYERS["roads"], {"geometry_types": ["LineString"]}, {},
                        editor=editor, base_version="")
    with pytest.raises(StoreError, match="not a valid layer name"):
        store.add_layer("Bad Name", LAYERS["roads"], {"geometry_types": ["LineString"]}, {},
                        editor=editor, base_version="")
    assert tree_hash(data_dir) == h
    assert (data_dir / "roads.geojson").read_bytes() == (DEFAULT_DATA_DIR / "roads.geojson").read_bytes()


def test_store_rolls_back_when_a_write_fails(data_dir, monkeypatch, editor):
    """A crash while adding a layer (the manifest write fails) leaves no new file behind."""
    store = LayerStore(data_dir)
    layer_files = {p.relative_to(data_dir): p.read_bytes() for p in data_dir.rglob("*")
                   if p.is_file() and ".backups" not in p.parts}
    real_replace = os.replace

    def failing(src, dst):
        if str(dst).endswith("manifest.json"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    pts = LAYERS["facilities"].copy()
    with pytest.raises(OSError, match="No space left"):
        store.add_layer("copy_of_facilities", pts, {"title": {"zh": "x", "en": "x"},
                                                    "geometry_types": ["Point"]},
                        schema_of("facilities"), editor=editor, base_version="")
    monkeypatch.setattr(os, "replace", real_replace)
    now = {p.relative_to(data_dir): p.read_bytes() for p in data_dir.rglob("*")
           if p.is_file() and ".backups" not in p.parts}
    assert now == layer_files
    assert store.history() == []
    assert not list(data_dir.glob(".*.tmp"))


def test_store_refuses_the_repository_data():
    with pytest.raises(StoreError, match="repository's own data/geo") as info:
        LayerStore(DEFAULT_DATA_DIR)
    # the page shows the planner's sentence: no paths, no file names, one language at a time
    zh, en = info.value.text("zh"), info.value.text("en")
    for text in (zh, en):
        assert "/" not in text and ".py" not in text and "data_dir" not in text
    assert "可编辑副本" in zh and not re.search(r"[A-Za-z]{3,}", zh)
    assert "editable copy" in en and not re.search(r"[\u4e00-\u9fff]", en)
    with pytest.raises(StoreError, match="has no manifest.json"):
        LayerStore("/tmp")


# --------------------------------------------------------------------------- CLI import

def _cli(args, capsys):
    code = cli_main(["import", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_cli_import_dry_run_store_and_undo(data_dir, tmp_path, capsys, cli_editor_env):
    f = tmp_path / "roads.gpkg"
    write_layer(LAYERS["roads"].iloc[:5], f)
    h = tree_hash(data_dir)
    code, out = _cli([str(f), "--layer", "roads", "--data-dir", str(data_dir), "--dry-run"], capsys)
    assert code == 0 and "would be stored" in out and tree_hash(data_dir) == h
    code, out = _cli([str(f), "--layer", "roads", "--data-dir", str(data_dir)], capsys)
    assert code == 2 and "needs an editor: add --editor NAME" in out and tree_hash(data_dir) == h
    code, out = _cli([str(f), "--layer", "roads", "--data-dir", str(data_dir), *cli_editor_env],
                     capsys)
    assert code == 0 and "stored 5 feature(s)" in out and "by alice" in out
    assert len(load_layer("roads", data_dir)) == 5
    assert LayerStore(data_dir).history()[-1].editor == "alice"
    code, out = _cli(["--undo", "--data-dir", str(data_dir)], capsys)
    assert code == 2 and "needs an editor" in out and len(load_layer("roads", data_dir)) == 5
    code, out = _cli(["--undo", "--data-dir", str(data_dir), *cli_editor_env], capsys)
    assert code == 0 and "undone" in out
    assert len(load_layer("roads", data_dir)) == len(LAYERS["roads"])


def test_cli_import_new_layer_from_csv_with_defaults(data_dir, tmp_path, capsys, cli_editor_env):
    f = tmp_path / "pts.csv"
    f.write_text("name,lon,lat\n甲,121.49,31.35\n乙,121.5,31.36\n", encoding="utf-8")
    code, out = _cli([str(f), "--layer", "survey_points", "--new", "--crs", "wgs84", "--auto-ids",
                      "--source", "现场踏勘 2025-06", "--accuracy-m", "10", "--estimated", "no",
                      "--title-zh", "踏勘点", "--data-dir", str(data_dir), *cli_editor_env], capsys)
    assert code == 0, out
    gdf = load_layer("survey_points", data_dir)
    assert gdf["source"].tolist() == ["现场踏勘 2025-06"] * 2 and gdf["accuracy_m"].tolist() == [10, 10]


def test_cli_import_needs_a_data_folder(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("SONGNAN_DATA_DIR", raising=False)
    code, out = _cli(["x.geojson", "--layer", "roads"], capsys)
    assert code == 2 and "SONGNAN_DATA_DIR" in out
    code, out = _cli(["x.geojson", "--layer", "roads", "--data-dir", str(DEFAULT_DATA_DIR)], capsys)
    assert code == 2 and "repository's own data/geo" in out


# --------------------------------------------------------------------------- bad files

def _fc(features):
    return {"type": "FeatureCollection", "features": features}


def _station(**over):
    props = {"id": "s_new", "name": "新站", "name_en": "New", "source": "test fixture",
             "accuracy_m": 20, "estimated": True, "note": None, "lines": "3", "state": "运营",
             "ref_lon": None, "ref_lat": None}
    props.update(over)
    geom = props.pop("_geom", {"type": "Point", "coordinates": [121.49, 31.35]})
    return {"type": "Feature", "properties": props, "geometry": geom}


def _j(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def _zip(members: dict[str, bytes], mode_of: dict[str, int] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode_of and name in mode_of:
                info.external_attr = mode_of[name] << 16
            zf.writestr(info, data)
    return buf.getvalue()


def _shp_members(gdf, drop=(), crs=True) -> dict[str, bytes]:
    data = export_layer(gdf, "shp", "layer")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        out = {n: zf.read(n) for n in zf.namelist()}
    return {n: b for n, b in out.items() if Path(n).suffix not in drop
            and (crs or not n.endswith(".prj"))}


def _csv(rows: list[str], enc="utf-8") -> bytes:
    return "\n".join(rows).encode(enc)


STATION_CSV_HEAD = "id,name,name_en,source,accuracy_m,estimated,note,lines,state,ref_lon,ref_lat"


def _station_csv(lon="121.49", lat="31.35", **kw) -> list[str]:
    return [STATION_CSV_HEAD + ",lon,lat",
            f"s_new,新站,New,test fixture,20,true,,3,运营,,,{lon},{lat}"]


def _bad_cases():
    """(case id, file name, bytes or callable(tmpdir)->path, layer, options, expected text)."""
    st = LAYERS["metro_stations"]
    roads = LAYERS["roads"]
    good = _j(_fc([_station()]))
    big = b"{" + b" " * (MAX_FILE_BYTES - 1)
    gk_gpkg = export_layer(st, "gpkg", "s", target="EPSG:4549")
    return [
        ("empty", "a.geojson", b"", "metro_stations", {}, "is empty"),
        ("blank", "a.geojson", b"  \n\t ", "metro_stations", {}, "is empty"),
        ("not_json", "a.geojson", b"hello, world", "metro_stations", {}, "is not valid JSON (line 1"),
        ("truncated_json", "a.geojson", good[:-7], "metro_stations", {}, "is not valid JSON"),
        ("json_array", "a.geojson", b"[1, 2, 3]", "metro_stations", {},
         "is not a GeoJSON FeatureCollection"),
        ("bare_geometry", "a.geojson", b'{"type":"Point","coordinates":[121.49,31.35]}',
         "metro_stations", {}, "bare Point geometry"),
        ("no_features", "a.geojson", _j(_fc([])), "metro_stations", {}, "has no features"),
        ("features_not_list", "a.geojson", b'{"type":"FeatureCollection","features":{}}',
         "metro_stations", {}, "has no 'features' list"),
        ("line_into_points", "a.geojson", _j(_fc([_station(_geom={"type": "LineString",
         "coordinates": [[121.49, 31.35], [121.5, 31.36]]})])), "metro_stations", {},
         "has type 'LineString'; this layer takes Point"),
        ("polygon_into_roads", "a.geojson", export_layer(LAYERS["parcels"].iloc[:1].assign(
            road_class="支路", segment_of="x").drop(columns=["status", "status_as_of",
            "status_source", "plan_target", "plan_deadline", "plan_quote", "planned_use",
            "area_m2", "zone_id", "in_centre"]), "geojson"), "roads", {},
         "this layer takes LineString"),
        ("missing_field", "a.geojson", _j(_fc([_station(lines=None)])), "metro_stations", {},
         "None is not of type 'string'"),
        ("missing_property", "a.geojson", _j(_fc([{**_station(), "properties": {
            k: v for k, v in _station()["properties"].items() if k != "state"}}])),
         "metro_stations", {}, "field 'state': is missing"),
        ("wrong_type", "a.geojson", _j(_fc([_station(accuracy_m="about 20")])), "metro_stations",
         {}, "'about 20' is not of type 'number'"),
        ("bad_vocabulary", "a.geojson", _j(_fc([_station(state="废弃")])), "metro_stations", {},
         "'废弃' is not one of"),
        ("duplicate_ids", "a.geojson", _j(_fc([_station(), _station()])), "metro_stations", {},
         "duplicates the id of feature #0"),
        ("bad_id", "a.geojson", _j(_fc([_station(id="Station 1!")])), "metro_stations", {},
         "does not match"),
        ("extra_field", "a.geojson", _j(_fc([_station(客流="高")])), "metro_stations", {},
         "Additional properties are not allowed ('客流'"),
        ("null_geometry", "a.geojson", _j(_fc([_station(_geom=None)])), "metro_stations", {},
         "field 'geometry': is missing (null)"),
        ("malformed_coordinates", "a.geojson", _j(_fc([_station(_geom={"type": "Point",
         "coordinates": [121.49]})])), "metro_stations", {}, "cannot be read"),
        ("nan_coordinates", "a.geojson", good.replace(b"121.49", b"NaN"), "metro_stations", {},
         "non-finite coordinates"),
        ("swapped_lonlat", "a.geojson", _j(_fc([_station(_geom={"type": "Point",
         "coordinates": [31.35, 121.49]})])), "metro_stations", {}, "lat/lon swapped"),
        ("projected_without_crs", "a.geojson", _j(_fc([_station(_geom={"type": "Point",
         "coordinates": [641786.3, 3470738.9]})])), "metro_stations", {},
         "outside the Shanghai region"),
        ("unknown_crs_member", "a.geojson", _j({**_fc([_station()]), "crs": {"type": "name",
         "properties": {"name": "urn:ogc:def:crs:FOO::1"}}}), "metro_stations", {},
         "names no known CRS"),
        ("self_intersecting", "a.geojson", export_layer(LAYERS["parcels"].iloc[:1].assign(
            geometry=[Polygon([(121.49, 31.35), (121.495, 31.355), (121.495, 31.35),
                               (121.49, 31.355)])]), "geojson"), "parcels", {},
         "is invalid (Self-intersection"),
        ("outside_town", "a.geojson", export_layer(LAYERS["facilities"].iloc[:1].assign(
            geometry=[Point(121.40, 31.25)]), "geojson"), "facilities", {},
         "outside the town boundary"),
        ("not_utf8_nor_gbk", "a.geojson", b"\xff\xff\xff" + good, "metro_stations", {},
         "nor GBK/GB18030"),
        ("too_big_bytes", "big.geojson", big, "metro_stations", {}, "size limit is 100 MB"),
        ("too_big_path", "big.geojson", lambda d: _sparse(d / "big.geojson", MAX_FILE_BYTES + 5),
         "metro_stations", {}, "size limit is 100 MB"),
        ("zip_slip", "a.zip", _zip({"../evil.shp": b"x", "a.shx": b"x"}), "roads", {},
         "outside the archive (absolute or with '../')"),
        ("zip_absolute", "a.zip", _zip({"/etc/evil.shp": b"x"}), "roads", {},
         "outside the archive"),
        ("zip_backslash", "a.zip", _zip({"..\\..\\evil.shp": b"x"}), "roads", {},
         "outside the archive"),
        ("zip_bomb_ratio", "a.zip", _zip({"a.shp": b"\0" * (20 * 1024 * 1024)}), "roads", {},
         "a zip bomb"),
        ("zip_nested", "a.zip", _zip({"inner.zip": _zip({"a.shp": b"x"})}), "roads", {},
         "holds another archive"),
        ("zip_symlink", "a.zip", _zip({"a.shp": b"/etc/passwd"}, {"a.shp": stat.S_IFLNK | 0o777}),
         "roads", {}, "symbolic link"),
        ("zip_no_shp", "a.zip", _zip({"readme.txt": b"hello"}), "roads", {}, "holds no .shp file"),
        ("zip_geojson_inside", "a.zip", _zip({"roads.geojson": b"{}"}), "roads", {},
         "it holds roads.geojson"),
        ("zip_missing_dbf", "a.zip", _zip(_shp_members(roads, drop=(".dbf",))), "roads", {},
         "lacks its .dbf"),
        ("zip_without_prj", "a.zip", _zip(_shp_members(roads, crs=False)), "roads", {},
         "has no CRS"),
        ("not_a_zip", "a.zip", b"PK\x03\x04 this is not really a zip", "roads", {},
         "is not a readable zip"),
        ("bare_shp", "a.shp", b"\x00\x00\x27\x0a", "roads", {}, "bare .shp"),
        ("unsupported_docx", "plan.docx", b"PK\x03\x04whatever", "roads", {},
         "is not a supported format"),
        ("old_xls", "a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "roads", {},
         "old or non-Excel workbook"),
        ("gpkg_garbage", "a.gpkg", b"SQLite format 3\x00" + b"\x01" * 500, "roads", {},
         "cannot be read as GeoPackage"),
        ("gpkg_missing_fields", "a.gpkg", export_layer(roads.drop(columns=["road_class"]), "gpkg"),
         "roads", {}, "field 'road_class': is missing"),
        ("gpkg_projected_relabel", "a.gpkg", gk_gpkg, "metro_stations", {"crs": "wgs84"},
         "declares EPSG:4549 but wgs84 was chosen"),
        ("kml_network_link", "a.kml", b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/'
         b'kml/2.2"><NetworkLink><Link><href>http://example.com/a.kml</href></Link></NetworkLink>'
         b"</kml>", "metro_stations", {}, "NetworkLink"),
        ("kml_entity", "a.kml", b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM '
         b'"file:///etc/passwd">]><kml><Placemark><name>&x;</name></Placemark></kml>',
         "metro_stations", {}, "declares XML entities"),
        ("kml_broken", "a.kml", b"<kml><Document><Placemark><name>x", "metro_stations", {},
         "cannot be read as KML"),
        ("csv_no_crs", "a.csv", _csv(_station_csv()), "metro_stations", {}, "has no CRS"),
        ("csv_no_coordinate_columns", "a.csv", _csv(["name,address", "a,b"]), "metro_stations",
         {"crs": "wgs84"}, "no longitude/latitude columns"),
        ("csv_not_a_number", "a.csv", _csv(_station_csv(lon="121°29′")), "metro_stations",
         {"crs": "wgs84"}, "row 2, field 'lon': '121°29′' is not a number"),
        ("csv_header_only", "a.csv", _csv([STATION_CSV_HEAD + ",lon,lat"]), "metro_stations",
         {"crs": "wgs84"}, "header but no rows"),
        ("csv_duplicate_columns", "a.csv", _csv(["lon,lat,lon", "1,2,3"]), "metro_stations",
         {"crs": "wgs84"}, "more than once"),
        ("csv_only_longitude", "a.csv", _csv(["name,经度", "a,121.49"]), "metro_stations",
         {"crs": "wgs84"}, "but no latitude column"),
        ("csv_picked_missing_column", "a.csv", _csv(_station_csv()), "metro_stations",
         {"crs": "wgs84", "lon_col": "X", "lat_col": "lat"}, "has no column 'X' (lon_col)"),
        ("csv_same_column_twice", "a.csv", _csv(_station_csv()), "metro_stations",
         {"crs": "wgs84", "lon_col": "lon", "lat_col": "lon"}, "both 'lon'"),
        ("csv_gbk_read_as_utf8", "a.csv", _csv(_station_csv(), "gbk"), "metro_stations",
         {"crs": "wgs84", "encoding": "utf-8"}, "cannot be read as utf-8"),
        ("csv_ragged", "a.csv", _csv(["name,lon,lat", "a,121.49,31.35", "b,121.5,31.36,x,y"]),
         "metro_stations", {"crs": "wgs84"}, "is not a readable CSV table"),
        ("csv_bad_wkt", "a.csv", _csv(["name,wkt", "a,POINT (121.49"]), "metro_stations",
         {"crs": "wgs84"}, "is not a WKT geometry"),
        ("csv_gbk_missing_fields", "a.csv", _csv(["名称,经度,纬度", "新站,121.49,31.35"], "gbk"),
         "metro_stations", {"crs": "wgs84"}, "field 'source': is missing"),
        ("csv_unknown_crs", "a.csv", _csv(_station_csv()), "metro_stations",
         {"crs": "EPSG:999999"}, "is neither a datum"),
        ("xlsx_garbage", "a.xlsx", _zip({"xl/workbook.xml": b"<nope"}), "metro_stations",
         {"crs": "wgs84"}, "cannot be read as an Excel workbook"),
        ("xlsx_bomb", "a.xlsx", _zip({"xl/sheet1.xml": b" " * (20 * 1024 * 1024)}),
         "metro_stations", {"crs": "wgs84"}, "a zip bomb"),
        ("xlsx_no_crs", "a.xlsx", export_layer(st, "xlsx"), "metro_stations", {},
         "has no CRS"),
        ("new_layer_bad_name", "a.geojson", good, "Bad Name!", {"new": True},
         "new layer name 'Bad Name!' is not valid"),
        ("gcj_shifted_kept", "a.geojson", export_layer(cc.convert_gdf(st, "wgs84", "gcj02"),
                                                       "geojson"), "metro_stations", {},
         "look shifted"),
        # issue 11: non-finite numbers and reader errors (more in test_import_hostile.py)
        ("accuracy_infinity", "a.geojson", good.replace(b'"accuracy_m": 20', b'"accuracy_m": '
                                                        b"Infinity"), "metro_stations", {},
         "field 'accuracy_m': Infinity is not a finite number"),
        ("csv_accuracy_1e309", "a.csv", _csv(_station_csv()).replace(b",20,", b",1e309,"),
         "metro_stations", {"crs": "wgs84"}, "field 'accuracy_m': 1e309 is not a finite number"),
        ("zip_crc", "a.zip", _crc_broken(_shp_members(roads), "layer.dbf"), "roads", {},
         "member 'layer.dbf' is damaged"),
        ("zip_fields_csv_gbk", "a.zip", _zip({**_shp_members(roads), "fields.csv":
                                              "short,full\nname,名称\n".encode("gbk")}),
         "roads", {}, "'fields.csv' (the long field names) but it is not UTF-8"),
        ("zip_fields_csv_geometry", "a.zip", _zip({**_shp_members(roads),
                                                   "fields.csv": b"short,full\nname,geometry\n"}),
         "roads", {}, "a name reserved for the geometry"),
        ("csv_10k_columns", "a.csv", _csv([",".join(f"c{i}" for i in range(10_000)),
                                           ",".join("1" * 10_000)]), "metro_stations",
         {"crs": "wgs84"}, "has 10000 columns (fields); at most 1000"),
        ("json_too_deep", "a.geojson", b"[" * 100_000 + b"]" * 100_000, "metro_stations", {},
         "is nested too deeply"),
    ]


def _crc_broken(members: dict[str, bytes], name: str) -> bytes:
    """A stored (uncompressed) zip of ``members`` with one byte of ``name`` changed: its
    CRC no longer matches."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    out = bytearray(buf.getvalue())
    at = out.find(members[name][-64:-32])
    out[at + 3] ^= 0xFF
    return bytes(out)


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.truncate(size)  # a sparse file: 100 MB on paper, no disk used
    return path


BAD = _bad_cases()


def test_the_bad_corpus_has_at_least_50_files():
    assert len(BAD) >= 50
    assert len({c[0] for c in BAD}) == len(BAD)


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory):
    """The corpus written to disk (the CLI reads paths), once per module."""
    d = tmp_path_factory.mktemp("bad")
    paths = {}
    for case, fname, content, *_ in BAD:
        sub = d / case
        sub.mkdir()
        if callable(content):
            paths[case] = content(sub)
        else:
            (sub / fname).write_bytes(content)
            paths[case] = sub / fname
    return paths


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("store") / "geo"
    shutil.copytree(DEFAULT_DATA_DIR, d)
    return d


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_file_is_refused_with_its_message_and_changes_nothing(case, bad_dir, store_dir,
                                                                  capsys):
    name, fname, content, layer, opts, expected = case
    opts = dict(opts)
    new = opts.pop("new", False)
    before = tree_hash(store_dir)
    # 1. the importer itself
    if name != "gcj_shifted_kept":
        tgt = target(layer, new=new) if new or layer in MANIFEST["layers"] else None
        source = bad_dir[name] if callable(content) else content  # bytes, as uploaded
        res = import_layer(source, fname, tgt, ImportOptions(**opts))
        assert not res.ok
        assert res.layer is None
        assert expected in res.report(), res.report()
        # and every problem has its Chinese text (the page's default language)
        assert all(p.text("zh") != p.message for p in res.problems), res.report("zh")
    # 2. the command that would store it
    args = [str(bad_dir[name]), "--layer", layer, "--data-dir", str(store_dir)]
    if new:
        args.append("--new")
    for key, value in opts.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    code, out = _cli(args, capsys)
    assert code in (1, 2)
    assert expected in out, out
    assert tree_hash(store_dir) == before, "a refused import changed the data folder"


# --------------------------------------------------------------------------- messages in zh and en

_LIST_SPECS = {"list", "or", "and", "reprs", "were"}
#: Codes whose Chinese is the English by design (numbers, names, a bare placeholder).
_SAME_IN_BOTH = {"feature_index", "feature_index_id", "datum_wgs84", "where_row"}
#: Codes built at run time (f"matched_{how}", FeatureRef, directions, the report's framing).
_DYNAMIC = {"matched_id", "matched_name", "matched_nearest", "datum_wgs84", "datum_gcj02",
            "datum_bd09", "east", "west", "north", "south", "feature_index", "feature_index_id",
            "feature_row", "where_feature", "where_row", "where_field"}


def _fields(template: str) -> dict[str, str]:
    return {name.split(".")[0].split("[")[0]: spec or ""
            for _, name, spec, _ in string.Formatter().parse(template) if name}


def _sample(name: str, spec: str):
    if spec in _LIST_SPECS:
        return ["客流", "x"]
    if spec == "jtype":
        return ["number", "null"]
    if spec.endswith("f") or name in ("n", "count", "limit", "index", "row", "other"):
        return 12.5 if spec.endswith("f") else 3
    if name in ("direction", "matched", "datum", "ew", "ns"):
        return msg({"ew": "east", "ns": "south", "matched": "matched_id",
                    "datum": "datum_gcj02"}.get(name, "east"))
    if name == "feature":
        return FeatureRef(index=2, id="s_1")
    return f"<{name}>"


def test_every_message_code_renders_in_both_languages():
    for code, texts in MESSAGES.items():
        assert set(texts) == {"zh", "en"}, f"{code}: has {sorted(texts)}, needs zh and en"
        fields = {**_fields(texts["en"]), **_fields(texts["zh"])}
        params = {name: _sample(name, spec) for name, spec in fields.items()}
        zh, en = render(code, "zh", params), render(code, "en", params)
        assert zh.strip() and en.strip(), code
        assert "{" not in zh.replace("{'", "") and "{" not in en.replace("{'", ""), code
        if code in _SAME_IN_BOTH:
            continue
        assert zh != en and re.search("[\u4e00-\u9fff]", zh), f"{code}: zh is not Chinese: {zh}"
        if code != "crs_unknown":  # English: the parser's own text; Chinese: the spec
            # A translation names the same values.
            assert set(_fields(texts["en"])) == set(_fields(texts["zh"])), code


def test_a_missing_code_or_language_fails_loudly():
    with pytest.raises(KeyError, match="code 'no_such_code' has no 'zh' text"):
        render("no_such_code", "zh")
    with pytest.raises(KeyError, match="lang 'fr'"):
        render("empty", "fr")


def test_every_code_used_is_in_the_catalogue_and_every_entry_is_used():
    # stop("code"), msg("code"), render("code"), Problem(f, ft, fld, "code")
    from songnan_geo.layers import containers, datum, fitting, import_model, kml, readers

    modules = (importer_module, io_module, import_model, readers, containers, kml, fitting, datum)
    used = catalogue_codes_used(modules, MESSAGES,
                                {"stop": 0, "msg": 0, "render": 0, "Problem": 3})
    assert used - set(MESSAGES) == set(), "codes without a catalogue entry"
    assert set(MESSAGES) - used - _DYNAMIC == set(), "catalogue entries never used"


def test_problem_renders_where_and_what_in_either_language():
    p = Problem("a.csv", FeatureRef(row=2), "lon", "not_a_number", {"value": "121°29′"})
    assert str(p) == ("a.csv, feature row 2, field 'lon': '121°29′' is not a number. Use decimal "
                      "degrees such as 121.4912 (no °, ′ or letters).")
    assert p.line("zh").startswith("a.csv，第 2 行，字段“lon”：'121°29′' 不是数字。")
    q = Problem("s.geojson", FeatureRef(index=0, id="s_1"), "lines", "value_type",
                {"value": None, "types": "string"})
    assert q.message.startswith("None is not of type 'string'")
    assert q.line("zh").startswith("s.geojson，要素 #0（id 's_1'），字段“lines”：空值（null） 不是文本")
    err = LayerValidationError([p, q])
    assert str(err).startswith("2 problem(s) found; nothing was loaded:")
    assert err.text("zh").startswith("发现 2 个问题，未载入任何数据：")


def test_offers_and_notes_carry_codes_and_render_in_chinese():
    shifted = cc.convert_gdf(LAYERS["metro_stations"], "wgs84", "gcj02")
    res = import_layer(export_layer(shifted, "geojson"), "s.geojson", target("metro_stations"))
    offer = next(o for o in res.offers if o.kind == "convert_datum")
    assert offer.note.code == "offer_convert_datum"
    zh = offer.text("zh")
    assert ("库中 id 相同的要素" in zh and "GCJ-02（高德）" in zh
            and "是否从 GCJ-02（高德） 转换为 WGS84" in zh)
    assert re.search(r"偏[东西] \d+ 米、偏[南北] \d+ 米", zh), zh
    csv_gbk = export_layer(LAYERS["metro_stations"], "csv").decode("utf-8-sig").encode("gb18030")
    res = import_layer(csv_gbk, "s.csv", target("metro_stations"), ImportOptions(crs="wgs84"))
    assert [w.code for w in res.warnings] == ["read_as_gbk"]
    assert "已按 GBK（GB18030）读取" in res.warnings[0].text("zh")


def test_cli_prints_problems_in_chinese_with_lang_zh(data_dir, tmp_path, capsys):
    f = tmp_path / "a.csv"
    f.write_bytes(_csv(_station_csv(lon="121°29′")))
    h = tree_hash(data_dir)
    args = [str(f), "--layer", "metro_stations", "--data-dir", str(data_dir), "--crs", "wgs84"]
    code, out = _cli(args + ["--lang", "zh"], capsys)
    assert code == 1 and tree_hash(data_dir) == h
    assert "发现 1 个问题，不能保存：" in out and "第 2 行，字段“lon”：'121°29′' 不是数字" in out
    code, out = _cli(args, capsys)  # English by default
    assert code == 1 and "row 2, field 'lon': '121°29′' is not a number" in out
    assert "不是数字" not in out
