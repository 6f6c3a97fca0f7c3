"""Loading and validation: good files load; each rule has its own bad file; all problems are reported."""
import json
import shutil

import pytest

from songnan_geo.layers.io import (
    DEFAULT_DATA_DIR,
    LayerValidationError,
    layer_info,
    load_all_layers,
    load_layer,
)


def _good_parcel(fid="p1", **over):
    props = {
        "id": fid, "name": "测试地块", "name_en": "Test parcel", "source": "test fixture",
        "accuracy_m": 10, "estimated": True, "status": "收储", "status_source": "fixture",
        "plan_target": "出让", "plan_deadline": "2025", "plan_quote": "q", "area_m2": 100.0,
        "zone_id": None, "in_centre": False,
    }
    props.update(over)
    return {"type": "Feature", "properties": props, "geometry": {
        "type": "Polygon",
        "coordinates": [[[121.47, 31.35], [121.471, 31.35], [121.471, 31.351], [121.47, 31.351],
                         [121.47, 31.35]]]}}


@pytest.fixture
def data_dir(tmp_path):
    """A copy of data/geo whose parcels file each test overwrites."""
    d = tmp_path / "geo"
    shutil.copytree(DEFAULT_DATA_DIR, d)
    return d


def _write(data_dir, obj=None, raw=None):
    path = data_dir / layer_info("parcels", data_dir)["file"]
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def _fc(*features, **extra):
    return {"type": "FeatureCollection", "features": list(features), **extra}


def test_good_file_loads(data_dir):
    _write(data_dir, _fc(_good_parcel("a"), _good_parcel("b")))
    gdf = load_layer("parcels", data_dir)
    assert list(gdf["id"]) == ["a", "b"]
    assert gdf.crs.to_epsg() == 4326
    assert gdf.columns[0] == "id" and gdf.columns[-1] == "geometry"


def test_all_real_layers_load():
    layers = load_all_layers()
    assert set(layers) == set(json.loads((DEFAULT_DATA_DIR / "manifest.json").read_text("utf-8"))["layers"])
    assert all(len(g) > 0 for g in layers.values())


BOWTIE = {"type": "Polygon", "coordinates": [[[121.47, 31.35], [121.471, 31.351], [121.471, 31.35],
                                               [121.47, 31.351], [121.47, 31.35]]]}
PROJECTED = {"type": "Polygon", "coordinates": [[[500000, 3468000], [500100, 3468000], [500100, 3468100],
                                                  [500000, 3468000]]]}
SWAPPED = {"type": "Point", "coordinates": [31.35, 121.47]}

BAD_CASES = {
    # rule: (file content, expected words in the message, field)
    "not_utf8": (dict(raw="名称".encode("gbk")), "not UTF-8", None),
    "not_json": (dict(raw=b'{"type": "FeatureCollection", '), "not valid JSON", None),
    "not_feature_collection": (dict(obj={"type": "Feature"}), "not a GeoJSON FeatureCollection", "type"),
    "foreign_crs": (dict(obj=_fc(_good_parcel(), crs={"type": "name", "properties": {"name": "EPSG:3857"}})),
                    "EPSG:4326", "crs"),
    "missing_field": (dict(obj=_fc(_good_parcel(source=None) | {"properties": {
        k: v for k, v in _good_parcel()["properties"].items() if k != "source"}})), "is missing", "source"),
    "bad_vocabulary": (dict(obj=_fc(_good_parcel(status="完成"))), "'完成' is not one of", "status"),
    "wrong_type": (dict(obj=_fc(_good_parcel(accuracy_m="10 m"))), "is not of type 'number'", "accuracy_m"),
    "unknown_field": (dict(obj=_fc(_good_parcel(colour="red"))), "Additional properties", None),
    "duplicate_id": (dict(obj=_fc(_good_parcel("same"), _good_parcel("same"))), "duplicates the id", "id"),
    "null_geometry": (dict(obj=_fc(_good_parcel() | {"geometry": None})), "is missing (null)", "geometry"),
    "wrong_geometry_type": (dict(obj=_fc(_good_parcel()
                                         | {"geometry": {"type": "Point", "coordinates": [121.47, 31.35]}})),
                            "has type 'Point'", "geometry"),
    "invalid_geometry": (dict(obj=_fc(_good_parcel() | {"geometry": BOWTIE})), "is invalid", "geometry"),
    "projected_coordinates": (dict(obj=_fc(_good_parcel() | {"geometry": PROJECTED})),
                              "outside the Shanghai region", "geometry"),
}


@pytest.mark.parametrize("rule", sorted(BAD_CASES))
def test_each_rule_has_a_clear_message(data_dir, rule):
    content, words, field = BAD_CASES[rule]
    path = _write(data_dir, **content)
    before = path.read_bytes()
    with pytest.raises(LayerValidationError) as err:
        load_layer("parcels", data_dir)
    msg = str(err.value)
    assert words in msg, msg
    assert path.name in msg                      # names the file
    if field:
        assert any(p.field == field for p in err.value.problems), err.value.problems
    assert path.read_bytes() == before           # validation changes nothing on disk


def test_problems_are_collected_not_first_only(data_dir):
    _write(data_dir, _fc(_good_parcel("a", status="完成"),
                         _good_parcel("b", accuracy_m=-1) | {"geometry": BOWTIE},
                         _good_parcel("a")))
    with pytest.raises(LayerValidationError) as err:
        load_layer("parcels", data_dir)
    fields = sorted(p.field for p in err.value.problems)
    assert fields == ["accuracy_m", "geometry", "id", "status"]
    assert "feature #1 (id 'b')" in str(err.value)


def test_load_all_layers_reports_problems_of_every_layer(data_dir):
    _write(data_dir, _fc(_good_parcel(status="完成")))
    (data_dir / "facilities.geojson").write_text("[]", encoding="utf-8")
    with pytest.raises(LayerValidationError) as err:
        load_all_layers(data_dir)
    files = {p.file for p in err.value.problems}
    assert files == {"parcels.geojson", "facilities.geojson"}


def test_unknown_layer_lists_valid_names():
    with pytest.raises(KeyError, match="Valid names: districts, boundary"):
        load_layer("parcel")


def test_missing_manifest_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="has no manifest.json"):
        load_layer("parcels", tmp_path)


def test_swapped_point_is_reported(data_dir):
    path = data_dir / "facilities.geojson"
    doc = json.loads(path.read_text("utf-8"))
    doc["features"][0]["geometry"] = SWAPPED
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LayerValidationError, match="lat/lon swapped"):
        load_layer("facilities", data_dir)
