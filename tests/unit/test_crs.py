"""The town's metric CRS: buffers and areas agree with geodesic truth; CRS mistakes are errors."""
import math

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point, Polygon

from songnan_geo.coords.crs import TOWN_CRS, CRSMismatchError, area_m2, require_same_crs, to_town_crs

GEOD = Geod(ellps="WGS84")
# centre, north-east corner (beyond 121.5°E, the 3-degree zone seam) and west edge of the town
PLACES = [(121.478, 31.348), (121.520, 31.369), (121.455, 31.334)]


def _geodesic_circle_area_m2(lon, lat, r_m, n=720):
    az = np.linspace(0, 360, n, endpoint=False)
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, r_m))
    area, _ = GEOD.polygon_area_perimeter(lons, lats)
    return abs(area)


@pytest.mark.parametrize("lon,lat", PLACES)
def test_1000m_buffer_matches_geodesic_circle(lon, lat):
    pt = gpd.GeoDataFrame(geometry=[Point(lon, lat)], crs=4326)
    buf = to_town_crs(pt).buffer(1000, quad_segs=256)
    # measure the buffer on the ellipsoid, back in lon/lat
    ring = gpd.GeoSeries(buf, crs=TOWN_CRS).to_crs(4326).iloc[0].exterior
    got, _ = GEOD.polygon_area_perimeter(*ring.xy)
    want = _geodesic_circle_area_m2(lon, lat, 1000)
    assert abs(abs(got) - want) / want < 0.005
    assert abs(abs(got) - want) / want < 1e-4   # in fact far better than required


def test_web_mercator_would_be_wrong_here():
    """Documents why not EPSG:3857: its '1000 m' buffer is ~15 % short in radius here."""
    lon, lat = PLACES[0]
    pt = gpd.GeoDataFrame(geometry=[Point(lon, lat)], crs=4326)
    ring = gpd.GeoSeries(pt.to_crs(3857).buffer(1000, quad_segs=256), crs=3857).to_crs(4326).iloc[0].exterior
    got, _ = GEOD.polygon_area_perimeter(*ring.xy)
    ratio = abs(got) / _geodesic_circle_area_m2(lon, lat, 1000)
    assert 0.70 < ratio < 0.75          # area ≈ cos²(31.35°) ≈ 0.73: radius ≈ 854 m


def test_area_of_a_known_square():
    # a 0.01° square at the town centre, measured on the ellipsoid
    sq = Polygon([(121.47, 31.34), (121.48, 31.34), (121.48, 31.35), (121.47, 31.35)])
    want = abs(GEOD.geometry_area_perimeter(sq)[0])
    got = area_m2(gpd.GeoDataFrame(geometry=[sq], crs=4326)).iloc[0]
    assert math.isclose(got, want, rel_tol=1e-4)


def test_missing_crs_is_an_error_naming_the_fix():
    gdf = gpd.GeoDataFrame(geometry=[Point(121.47, 31.35)])
    with pytest.raises(ValueError, match=r"has no CRS.*set_crs"):
        to_town_crs(gdf, "facilities")


def test_crs_mismatch_names_both():
    a = gpd.GeoDataFrame(geometry=[Point(121.47, 31.35)], crs=4326)
    b = a.to_crs(3857)
    with pytest.raises(CRSMismatchError, match=r"EPSG:4326.*EPSG:3857"):
        require_same_crs(a, b, "parcels", "zones")


def test_set_crs_never_moves_coordinates():
    a = gpd.GeoDataFrame(geometry=[Point(121.47, 31.35)])
    assert a.set_crs(4326).geometry.iloc[0].equals(Point(121.47, 31.35))
    assert not to_town_crs(a.set_crs(4326)).geometry.iloc[0].equals(Point(121.47, 31.35))
