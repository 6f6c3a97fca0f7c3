"""One definition of a valid layer, and refusals in the terms of the format given.

* The importer and the loader (io.validate_feature_collection) agree on a corpus of
  malformed GeoJSON: whatever the loader refuses, the importer refuses too (nothing is
  normalised silently).
* io.validate_frame (column-wise, used by the importer) finds exactly what
  validate_feature_collection finds on the same features.
* Refused .xlsx and .kmz files are explained as workbooks and KMZs, never as Shapefiles.
"""
from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from songnan_geo.layers.importer import ImportOptions, import_layer, layer_target
from songnan_geo.layers.io import (
    DEFAULT_DATA_DIR,
    layer_schema,
    load_all_layers,
    read_manifest,
    validate_feature_collection,
    validate_frame,
)

LAYERS = load_all_layers()
MANIFEST = read_manifest()
TYPES = MANIFEST["layers"]["metro_stations"]["geometry_types"]
SCHEMA = layer_schema("metro_stations")


def _station(geom=None, ftype="Feature", **over):
    props = {"id": "s_new", "name": "新站", "name_en": "New", "source": "test fixture",
             "accuracy_m": 20, "estimated": True, "note": None, "lines": "3", "state": "运营",
             "ref_lon": None, "ref_lat": None}
    props.update(over)
    feat = {"type": ftype, "properties": props,
            "geometry": geom or {"type": "Point", "coordinates": [121.49, 31.35]}}
    if ftype is None:
        del feat["type"]
    return feat


MALFORMED = {
    "type_misspelt": _station(ftype="Featur"),
    "type_missing": _station(ftype=None),
    "coords_text": _station({"type": "Point", "coordinates": ["121.49", "31.35"]}),
    "coords_one_level_deep": _station({"type": "Point", "coordinates": [[121.49, 31.35]]}),
    "coords_boolean": _station({"type": "Point", "coordinates": [True, 31.35]}),
    "coords_one_value": _station({"type": "Point", "coordinates": [121.49]}),
    "coords_four_values": _station({"type": "Point", "coordinates": [121.49, 31.35, 0, 1]}),
    "coords_not_list": _station({"type": "Point", "coordinates": "121.49,31.35"}),
    "multipoint_too_shallow": _station({"type": "MultiPoint", "coordinates": [121.49, 31.35]}),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_importer_and_loader_agree_on_malformed_geojson(case):
    feat = MALFORMED[case]
    doc = {"type": "FeatureCollection", "features": [feat]}
    loader = validate_feature_collection(json.loads(json.dumps(doc)), "a.geojson", SCHEMA,
                                         TYPES + ["MultiPoint"])
    assert loader, f"the loader accepts {case}"
    target = layer_target("metro_stations", LAYERS, MANIFEST, SCHEMA)
    res = import_layer(json.dumps(doc).encode(), "a.geojson", target)
    assert not res.ok and res.layer is None, f"the importer accepts {case}"
    assert {p.code for p in res.problems} & {p.code for p in loader}, (
        [p.code for p in res.problems], [p.code for p in loader])
    new = import_layer(json.dumps(doc).encode(), "a.geojson",
                       layer_target("pois", LAYERS, MANIFEST, None, new=True))
    assert not new.ok  # a new layer has no schema to lean on: the structure still counts


def test_well_formed_station_is_accepted_by_both():
    doc = {"type": "FeatureCollection", "features": [_station()]}
    assert validate_feature_collection(doc, "a.geojson", SCHEMA, TYPES) == []
    target = layer_target("metro_stations", LAYERS, MANIFEST, SCHEMA)
    res = import_layer(json.dumps(doc).encode(), "a.geojson", target, ImportOptions(mode="upsert"))
    assert res.ok, res.report()


def _frame(features: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")


def test_validate_frame_matches_the_document_check():
    """Every kind of problem, on a frame: the same problems, in the same order."""
    feats = [
        _station(id="a1"),
        _station(id="a1"),                                  # duplicate id
        _station(id="BAD ID!", name=""),                    # pattern, minLength
        _station(id="a3", state="废弃"),                     # enum
        _station(id="a4", accuracy_m=-5),                   # minimum
        _station(id="a5", accuracy_m="20"),                 # type
        _station(id="a6", estimated="yes"),                 # type
        _station(id="a7", geom={"type": "Point", "coordinates": [2.35, 48.85]}),  # region
        _station(id="a8", extra_field=1),                   # additional property
        _station(id="a9", geom={"type": "LineString",
                                "coordinates": [[121.49, 31.35], [121.5, 31.36]]}),  # type
        _station(id="a10", geom=None),
    ]
    feats[-1]["geometry"] = None
    frame = _frame(feats)
    # the document the importer used to build (every column in every feature, nulls)
    cols = [c for c in SCHEMA["properties"] if c in frame.columns] + ["extra_field"]
    doc = json.loads(frame[cols + ["geometry"]].to_json(na="null", drop_id=True))
    expected = validate_feature_collection(doc, "f", SCHEMA, TYPES)
    got = validate_frame(frame, "f", SCHEMA, TYPES, list(SCHEMA["properties"]))
    assert [(p.feature, p.field, p.code, p.params) for p in got] == \
        [(p.feature, p.field, p.code, p.params) for p in expected]
    assert len(expected) >= 10


@pytest.mark.parametrize("layer", ["facilities", "parcels", "roads", "zones"])
def test_validate_frame_on_stored_layers_and_invalid_polygon(layer):
    gdf = LAYERS[layer]
    schema = layer_schema(layer)
    types = MANIFEST["layers"][layer]["geometry_types"]
    assert validate_frame(gdf, layer, schema, types, list(schema["properties"])) == []
    if "Polygon" in types:
        bow = gdf.iloc[:2].copy()
        bow["geometry"] = [Polygon([(121.49, 31.35), (121.495, 31.355), (121.495, 31.35),
                                    (121.49, 31.355)]), Point(121.49, 31.35)]
        doc = json.loads(bow.to_json(na="null", drop_id=True))
        expected = validate_feature_collection(doc, "f", schema, types)
        got = validate_frame(bow, "f", schema, types, list(schema["properties"]))
        assert [p.code for p in got] == [p.code for p in expected]
        assert [p.code for p in got][-2:] == ["geometry_invalid", "geometry_type"]


# --------------------------------------------------------------------------- refusal terms

def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


CONTAINER_CASES = {
    "not_a_zip": b"PK\x03\x04 this is not really a zip",
    "slip": _zip({"../evil.xml": b"1"}),
    "nested": _zip({"inner.zip": _zip({"a.txt": b"1"})}),
    "bomb": _zip({"big.xml": b"0" * 30_000_000}),
}


@pytest.mark.parametrize("case", sorted(CONTAINER_CASES))
@pytest.mark.parametrize("suffix, code, word_en, word_zh", [
    (".xlsx", "xlsx_refused", "Excel workbook", "Excel 工作簿"),
    (".kmz", "kmz_refused", "KMZ", "KMZ"),
])
def test_refusals_speak_of_the_format_given(case, suffix, code, word_en, word_zh):
    target = layer_target("pois", LAYERS, MANIFEST, None, new=True)
    res = import_layer(CONTAINER_CASES[case], "upload" + suffix, target,
                       ImportOptions(crs="wgs84"))
    assert not res.ok
    if case == "nested" and suffix == ".xlsx":
        return  # a workbook with an archive inside is no workbook: GDAL says so, as XLSX
    assert [p.code for p in res.problems] == [code]
    for lang, word in (("en", word_en), ("zh", word_zh)):
        text = res.problems[0].text(lang)
        assert word in text, text
        assert "Shapefile" not in text and ".shp" not in text, text


def test_kmz_without_kml_says_kml_not_shapefile():
    target = layer_target("pois", LAYERS, MANIFEST, None, new=True)
    res = import_layer(_zip({"notes.txt": b"hello"}), "places.kmz", target)
    assert [p.code for p in res.problems] == ["kmz_no_kml"]
    for lang in ("en", "zh"):
        text = res.problems[0].text(lang)
        assert ".kml" in text and "Shapefile" not in text and ".shp" not in text


def test_zip_still_speaks_of_shapefiles():
    target = layer_target("pois", LAYERS, MANIFEST, None, new=True)
    res = import_layer(_zip({"notes.txt": b"hello"}), "layer.zip", target)
    assert [p.code for p in res.problems] == ["zip_no_shp"]
    assert DEFAULT_DATA_DIR.exists()
