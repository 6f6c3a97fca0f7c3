"""Zone membership and layer summaries on hand-made cases."""
import math

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from songnan_geo.coords.crs import CRSMismatchError
from songnan_geo.layers.io import read_manifest
from songnan_geo.layers.summary import layer_summary
from songnan_geo.plan.zones import in_centre, zone_membership

ZONES = gpd.GeoDataFrame(
    {"id": ["belt", "centre"], "kind": ["belt", "centre"]},
    geometry=[box(121.46, 31.34, 121.48, 31.35), box(121.470, 31.342, 121.474, 31.346)], crs=4326)


def test_polygon_goes_to_the_zone_it_overlaps_most():
    f = gpd.GeoDataFrame(geometry=[
        box(121.462, 31.341, 121.464, 31.343),        # wholly in the belt
        # wholly in the centre: centre covers 100 % too, belt 100 %
        box(121.4705, 31.3425, 121.4735, 31.3455),
        box(121.479, 31.341, 121.483, 31.343),         # a quarter in the belt
        box(121.479, 31.341, 121.499, 31.343),         # 5 % in the belt: below min_share
        box(121.50, 31.30, 121.51, 31.31),             # nowhere
    ], crs=4326)
    z = zone_membership(f, ZONES)
    assert z.iloc[0] == "belt" and z.iloc[2] == "belt"
    assert z.iloc[1] in {"belt", "centre"}
    assert z.iloc[3] is None and z.iloc[4] is None


def test_point_goes_to_the_most_specific_zone():
    f = gpd.GeoDataFrame(geometry=[Point(121.472, 31.344), Point(121.465, 31.345), Point(121.40, 31.3)],
                         crs=4326)
    assert list(zone_membership(f, ZONES)) == ["centre", "belt", None]
    assert list(in_centre(f, ZONES)) == [True, False, False]


def test_membership_checks_crs_and_arguments():
    f = gpd.GeoDataFrame(geometry=[Point(121.472, 31.344)], crs=4326)
    with pytest.raises(CRSMismatchError, match="EPSG:3857"):
        zone_membership(f.to_crs(3857), ZONES)
    with pytest.raises(ValueError, match="min_share"):
        zone_membership(f, ZONES, min_share=2)
    with pytest.raises(ValueError, match="no 'id' column"):
        zone_membership(f, ZONES.drop(columns="id"))


def test_summary_counts_areas_and_lengths():
    manifest = {"layers": {
        "a": {"title": {"zh": "甲", "en": "A"}},
        "b": {"title": {"zh": "乙", "en": "B"}},
        "c": {"title": {"zh": "丙", "en": "C"}},
    }}
    # a 1 km × 1 km square and a 2 km line, built in the town CRS then stored as lon/lat
    from songnan_geo.coords.crs import TOWN_CRS
    sq = gpd.GeoDataFrame({"estimated": [True]}, geometry=[box(500000, 3470000, 501000, 3471000)],
                          crs=TOWN_CRS)
    ln = gpd.GeoDataFrame({"estimated": [False, True]},
                          geometry=[LineString([(500000, 3470000), (502000, 3470000)]),
                                    LineString([(500000, 3470000), (500000, 3470500)])], crs=TOWN_CRS)
    pt = gpd.GeoDataFrame({"estimated": [False]}, geometry=[Point(500000, 3470000)], crs=TOWN_CRS)
    s = layer_summary({"a": sq.to_crs(4326), "b": ln.to_crs(4326), "c": pt.to_crs(4326)}, manifest, "en")
    s = s.set_index("layer")
    assert s.loc["a", "area_km2"] == pytest.approx(1.0, abs=0.01)
    assert s.loc["b", "length_km"] == pytest.approx(2.5, abs=0.01)
    assert list(s["features"]) == [1, 2, 1] and list(s["estimated"]) == [1, 1, 0]
    assert math.isnan(s.loc["c", "area_km2"]) and s.loc["a", "title"] == "A"


def test_summary_of_the_real_data_has_every_layer():
    from songnan_geo.layers.io import load_all_layers
    s = layer_summary(load_all_layers(), read_manifest(), "zh")
    assert list(s["layer"]) == list(read_manifest()["layers"])
    assert s.set_index("layer").loc["boundary", "area_km2"] > 10


def test_vectorised_membership_agrees_with_a_feature_by_feature_reading():
    """zone_membership (spatial index, vectorised) against the rule read one feature at a time,
    on random points, boxes and lines over the real zones, including empty and missing ones."""
    import numpy as np

    from songnan_geo.coords.crs import TOWN_CRS
    from songnan_geo.layers.io import load_layer

    zones = load_layer("zones")
    zt = zones.to_crs(TOWN_CRS)
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = zt.total_bounds
    geoms = []
    for i in range(600):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        kind = i % 3
        geoms.append(Point(x, y) if kind == 0 else
                     box(x, y, x + rng.uniform(20, 900), y + rng.uniform(20, 900)) if kind == 1 else
                     LineString([(x, y), (x + rng.uniform(-800, 800), y + rng.uniform(-800, 800))]))
    geoms += [Point(), None]
    feats = gpd.GeoDataFrame(geometry=geoms, crs=TOWN_CRS).to_crs(zones.crs)

    def expected(g):
        if g is None or g.is_empty:
            return None
        if g.geom_type == "Point":
            hits = zt[zt.geometry.contains(g)]
            return None if hits.empty else hits.loc[hits.geometry.area.idxmin(), "id"]
        inter = zt.geometry.intersection(g)
        shares = inter.area / g.area if g.area > 0 else inter.length / max(g.length, 1e-9)
        best = shares.idxmax()
        return zt.loc[best, "id"] if shares[best] >= 0.10 else None

    want = [expected(g) for g in feats.to_crs(TOWN_CRS).geometry]
    got = zone_membership(feats, zones).tolist()
    assert got == want
    assert sum(v is not None for v in got) > 150        # the sample really hits the zones


def test_sidebar_lines_leave_out_reference_layers_and_stay_in_one_language():
    import re

    from songnan_geo.layers.io import load_all_layers
    from songnan_geo.layers.summary import summary_lines

    layers, manifest = load_all_layers(), read_manifest()
    context = [n for n, i in manifest["layers"].items() if i.get("group") == "context"]
    assert "districts" in context
    for lang in ("zh", "en"):
        lines = summary_lines(layer_summary(layers, manifest, lang), manifest, lang)
        assert len(lines) == len(manifest["layers"]) - len(context)
        assert not any("区界" in x or "District" in x for x in lines), "reference outlines are not the town's"
        boundary = next(x for x in lines if ("镇界" if lang == "zh" else "Town boundary") in x)
        assert re.search(r"\d+\.\d\d km²$", boundary)
    en = summary_lines(layer_summary(layers, manifest, "en"), manifest, "en")
    assert all(not re.search(r"[\u4e00-\u9fff]", x.split("**")[2]) for x in en), "counts in English"
    assert any("estimated" in x for x in en)
