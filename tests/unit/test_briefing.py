"""Investment briefings: facts, map image, HTML/PDF documents and the batch command.

Facts are checked against independent computations where possible: areas and distances
against geodesic measurements on the WGS84 ellipsoid (pyproj.Geod, no projection at all),
zone membership against the parcels layer's own ``zone_id``. The PDF's text is read back with
pypdf; the map's pixels with Pillow.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import shutil

import numpy as np
import pytest
import shapely
from conftest import DATA_DIR
from PIL import Image
from pypdf import PdfReader
from pyproj import Geod, Transformer

from songnan_geo.briefing import facts as bf, map as bmap
from songnan_geo.briefing.map import HIGHLIGHT, CJKFontMissingError, cjk_font_path, draw_site_map
from songnan_geo.briefing.render import (
    briefing_view,
    format_area,
    format_m,
    make_briefing,
    render_html,
    render_pdf,
)
from songnan_geo.cli import main as cli_main
from songnan_geo.coords.crs import TOWN_CRS, to_town_crs
from songnan_geo.layers.io import load_all_layers, read_manifest, read_plan_text
from songnan_geo.lifecircle.network import WalkNetwork
from songnan_geo.plan.quotes import quote_in_plan

GEOD = Geod(ellps="WGS84")
DPI = 72  # modest resolution keeps the tests quick


@pytest.fixture(scope="module")
def layers():
    return load_all_layers(DATA_DIR)


@pytest.fixture(scope="module")
def manifest():
    return read_manifest(DATA_DIR)


def _row(layers, layer, site_id):
    gdf = layers[layer]
    return gdf[gdf["id"] == site_id].iloc[0]


def _geodesic_area_m2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def _geodesic_dist_m(geom, pt) -> float:
    """Geodesic distance from point ``pt`` to ``geom`` (lon/lat), 0 inside a polygon.

    The boundary is densified to ~1 m and the closest vertex taken: no projection involved.
    """
    if geom.geom_type in ("Polygon", "MultiPolygon") and geom.covers(pt):
        return 0.0
    if geom.geom_type == "Point":
        return GEOD.inv(geom.x, geom.y, pt.x, pt.y)[2]
    line = geom.boundary if geom.geom_type in ("Polygon", "MultiPolygon") else geom
    coords = shapely.get_coordinates(shapely.segmentize(line, 1e-5))
    _, _, d = GEOD.inv(coords[:, 0], coords[:, 1], np.full(len(coords), pt.x),
                       np.full(len(coords), pt.y))
    return float(np.min(d))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --------------------------------------------------------------------------- sites

def test_sites_are_every_parcel_park_and_zone(layers):
    sites = bf.list_sites(layers)
    for kind, layer in bf.SITE_LAYERS.items():
        assert [s.id for s in sites if s.kind == kind] == list(layers[layer]["id"])
    assert len(sites) == len(layers["parcels"]) + len(layers["carrier_parks"]) + len(layers["zones"])


def test_unknown_site_lists_every_valid_id(layers):
    with pytest.raises(bf.UnknownSiteError) as exc:
        bf.briefing_facts(layers, "no_such_site")
    msg = str(exc.value)
    assert "no_such_site" in msg
    for s in bf.list_sites(layers):
        assert s.id in msg


# --------------------------------------------------------------------------- facts

@pytest.mark.parametrize("site_id", ["p_hubei_logistics", "p_zhongcheng", "p_qiaofu"])
def test_parcel_facts_match_independent_measurements(layers, site_id):
    b = bf.briefing_facts(layers, site_id)
    row = _row(layers, "parcels", site_id)
    # area: TOWN_CRS against the geodesic area (scale error of the town's TM < 1e-6)
    assert b.area_m2 == pytest.approx(_geodesic_area_m2(row.geometry), rel=1e-4)
    assert b.area_ha == pytest.approx(b.area_m2 / 1e4)
    # zone: the same as the layer's own zone_id (computed when the data was built)
    expected_zone = row["zone_id"] if isinstance(row["zone_id"], str) else None
    assert (b.zones[0].id if b.zones else None) == expected_zone
    for z in b.zones:
        assert z.role_quote and quote_in_plan(z.role_quote, read_plan_text())
    assert b.status == row["status"] and b.status_as_of == row["status_as_of"]
    assert b.plan_target == (row["plan_target"] if isinstance(row["plan_target"], str) else None)
    assert b.plan_deadline == (row["plan_deadline"] if isinstance(row["plan_deadline"], str) else None)
    assert b.geometry_estimated is True


def test_stations_sorted_and_distances_geodesic(layers):
    site_id = "p_hubei_logistics"
    geom = _row(layers, "parcels", site_id).geometry
    b = bf.briefing_facts(layers, site_id, n_stations=4)
    assert len(b.stations) == 4
    dists = {r["id"]: _geodesic_dist_m(geom, r.geometry)
             for _, r in layers["metro_stations"].iterrows()}
    want = sorted(dists, key=dists.get)[:4]
    assert [s.id for s in b.stations] == want
    for s in b.stations:
        assert s.straight_m == pytest.approx(dists[s.id], rel=1e-3, abs=1.0)
        assert s.walk_m is None and s.estimated
    assert not b.walking_available


def test_point_site_neighbours_within_radius_only(layers):
    site_id = "c_zhongcheng"
    pt = _row(layers, "carrier_parks", site_id).geometry
    b = bf.briefing_facts(layers, site_id)
    assert b.area_m2 is None
    listed = {p.id: p.dist_m for p in b.parks}
    assert site_id not in listed
    for _, r in layers["carrier_parks"].iterrows():
        if r["id"] == site_id:
            continue
        d = GEOD.inv(pt.x, pt.y, r.geometry.x, r.geometry.y)[2]
        if r["id"] in listed:
            assert listed[r["id"]] == pytest.approx(d, rel=1e-3) and d <= 1000 + 1
        else:
            assert d > 1000 - 1, f"{r['name']} is {d:.0f} m away but not listed"
    assert [p.dist_m for p in b.parks] == sorted(p.dist_m for p in b.parks)


def test_facilities_one_row_per_type_with_counts(layers):
    site_id = "p_dongya"
    geom = _row(layers, "parcels", site_id).geometry
    b = bf.briefing_facts(layers, site_id, facility_radius_m=800)
    fac = layers["facilities"]
    assert sorted(f.type for f in b.facilities) == sorted(fac["type"].unique())
    for f in b.facilities:
        d = [_geodesic_dist_m(geom, g) for g in fac.loc[fac["type"] == f.type, "geometry"]]
        assert f.dist_m == pytest.approx(min(d), rel=1e-3, abs=1.0)
        assert f.count_within == sum(x <= 800 for x in d)


def test_enterprises_are_the_plans_words_and_placed_at_their_park(layers):
    plan = read_plan_text()
    park_ids = set(layers["carrier_parks"]["id"])
    for ent in bf.PLAN_ENTERPRISES:
        assert ent["name"] in ent["quote"] and quote_in_plan(ent["quote"], plan)
        assert ent["park_id"] is None or ent["park_id"] in park_ids
    b = bf.briefing_facts(layers, "c_weimob")
    assert [e.name for e in b.enterprises if e.dist_m == 0] == ["微盟"]
    assert "同济科技" in b.enterprises_unplaced and all(e.estimated for e in b.enterprises)


def test_zone_site_lists_its_parcels(layers):
    b = bf.briefing_facts(layers, "belt_yixian")
    parcels = layers["parcels"]
    assert {p.id for p in b.parcels_inside} == set(parcels.loc[parcels["zone_id"] == "belt_yixian", "id"])
    assert b.zones[0].id == "belt_yixian" and b.plan_quote == b.zones[0].role_quote


def test_status_comes_from_a_store_when_given(layers):
    store = {"p_dongya": {"status": "出让准备", "status_as_of": "2024-06-30",
                          "status_source": "tracker: 2024-06 收储完成"}}
    b = bf.briefing_facts(layers, "p_dongya", status=store)
    assert (b.status, b.status_as_of, b.status_source) == ("出让准备", "2024-06-30",
                                                            "tracker: 2024-06 收储完成")
    other = bf.briefing_facts(layers, "p_yuanyang", status=store)
    assert other.status == _row(layers, "parcels", "p_yuanyang")["status"]
    # a parcels table (layer or tracker) becomes the mapping
    tracked = layers["parcels"].assign(status="已出让", status_as_of="2025-03-01")
    b = bf.briefing_facts(layers, "p_hudong_auto", status=bf.status_by_parcel(tracked))
    assert (b.status, b.status_as_of) == ("已出让", "2025-03-01")
    with pytest.raises(KeyError, match="status_source"):
        bf.status_by_parcel(tracked.drop(columns="status_source"))


def test_walking_distances_from_a_walk_function(layers):
    calls = []

    def walk(site, stations):
        calls.append(stations.crs)
        return [1.4 * site.distance(g) + 50 for g in stations.geometry]

    b = bf.briefing_facts(layers, "p_dongya", walk_fn=walk)
    assert b.walking_available and calls and calls[0].is_projected
    for s in b.stations:
        assert s.walk_m == pytest.approx(1.4 * s.straight_m + 50)
    with pytest.raises(ValueError, match="walk_fn returned 1 distances"):
        bf.briefing_facts(layers, "p_dongya", walk_fn=lambda site, st: [1.0])


def test_walking_along_the_roads(layers):
    site_id = "c_zkcz"
    b = bf.briefing_facts(layers, site_id, walk_fn=bf.roads_walk_fn(layers["roads"]))
    net = WalkNetwork.from_roads(layers["roads"])
    site = to_town_crs(layers["carrier_parks"][layers["carrier_parks"]["id"] == site_id]).geometry.iloc[0]
    stations = to_town_crs(layers["metro_stations"]).set_index(layers["metro_stations"]["id"])
    assert b.walking_available
    for s in b.stations:
        st_pt = stations.geometry[s.id]
        walk, _, _ = net.point_distance_m([(site.x, site.y)], [(st_pt.x, st_pt.y)])
        assert s.walk_m == pytest.approx(walk[0], rel=1e-6)
        assert s.walk_m >= s.straight_m - 0.01
    inside = bf.briefing_facts(layers, "centre", walk_fn=bf.roads_walk_fn(layers["roads"]))
    assert inside.stations[0].straight_m == 0 and inside.stations[0].walk_m == 0


def test_contact_placeholder_env_and_argument(layers, monkeypatch):
    monkeypatch.delenv(bf.CONTACT_ENV, raising=False)
    b = bf.briefing_facts(layers, "p_dongya")
    assert b.contact_is_placeholder and "待填写" in b.contact
    assert not re.search(r"\d{7,}", b.contact), "the placeholder must not look like a phone number"
    monkeypatch.setenv(bf.CONTACT_ENV, "淞南镇经济发展办公室 021-0000")
    assert bf.briefing_facts(layers, "p_dongya").contact == "淞南镇经济发展办公室 021-0000"
    b = bf.briefing_facts(layers, "p_dongya", contact="张三")
    assert (b.contact, b.contact_is_placeholder) == ("张三", False)


@pytest.mark.parametrize("kwargs, name", [({"neighbour_radius_m": 0}, "neighbour_radius_m"),
                                          ({"facility_radius_m": float("nan")}, "facility_radius_m"),
                                          ({"n_stations": 0}, "n_stations")])
def test_bad_arguments_name_the_argument(layers, kwargs, name):
    with pytest.raises(ValueError, match=name):
        bf.briefing_facts(layers, "p_dongya", **kwargs)


# --------------------------------------------------------------------------- map

def _highlight_pixels(img: Image.Image, frame_px, tol: int = 12) -> np.ndarray:
    """(row, col) of the pixels inside the map frame that have the highlight colour."""
    a = np.asarray(img.convert("RGB")).astype(int)
    target = np.array([int(HIGHLIGHT[i:i + 2], 16) for i in (1, 3, 5)])
    mask = np.all(np.abs(a - target) <= tol, axis=2)
    left, top, right, bottom = (int(round(v)) for v in frame_px)
    inside = np.zeros_like(mask)
    inside[top:bottom, left:right] = True
    return np.argwhere(mask & inside)


@pytest.mark.parametrize("site_id, layer", [("p_hubei_logistics", "parcels"),
                                            ("p_qiaofu", "parcels"),
                                            ("c_design_centre", "carrier_parks")])
def test_map_is_not_blank_and_draws_the_site_where_it_is(layers, manifest, site_id, layer):
    m = draw_site_map(layers, manifest, site_id, dpi=DPI)
    img = Image.open(io.BytesIO(m.png))
    assert img.format == "PNG" and img.size == (m.width_px, m.height_px)
    gray = np.asarray(img.convert("L")).astype(float)
    assert gray.std() > 20, "the map looks blank"
    assert len(np.unique(np.asarray(img.convert("RGB")).reshape(-1, 3), axis=0)) > 50

    geom = _row(layers, layer, site_id).geometry
    tr = Transformer.from_crs(4326, TOWN_CRS, always_xy=True)
    town = shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    centre = town.centroid
    col, row = m.to_pixel(centre.x, centre.y)
    hits = _highlight_pixels(img, m.frame_px)
    assert len(hits) > 15, "the site's highlight colour is not on the map"
    # the highlighted pixels sit around the site: their centre is within a few pixels of it
    mean_row, mean_col = hits.mean(axis=0)
    xmin, ymin, xmax, ymax = town.bounds
    half_w_px = max(abs(m.to_pixel(xmax, ymin)[0] - m.to_pixel(xmin, ymin)[0]) / 2, 6)
    assert abs(mean_col - col) < half_w_px and abs(mean_row - row) < half_w_px + 6
    # and none lies outside the site's box (+ line width), except the label's border
    c0, r1 = m.to_pixel(xmin, ymin)
    c1, r0 = m.to_pixel(xmax, ymax)
    near = ((hits[:, 1] > c0 - 8) & (hits[:, 1] < c1 + 8) & (hits[:, 0] > r0 - 30) & (hits[:, 0] < r1 + 8))
    assert near.mean() > 0.6


def test_map_frame_covers_site_and_ring(layers, manifest):
    m = draw_site_map(layers, manifest, "p_dongya", dpi=DPI, ring_m=1000)
    row = _row(layers, "parcels", "p_dongya")
    b = bf.briefing_facts(layers, "p_dongya")
    xmin, ymin, xmax, ymax = m.extent
    assert xmax - xmin > 2000 and ymax - ymin > 2000  # the 1 km ring fits
    left, top, right, bottom = m.frame_px
    # equal scale on both axes (metres per pixel)
    assert (xmax - xmin) / (right - left) == pytest.approx((ymax - ymin) / (bottom - top), rel=0.01)
    assert row is not None and b.area_m2 > 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_map_legend_is_whole_and_below_the_map(layers, manifest, lang):
    """Issue 16: the English legend was cut at both ends ("n radius", "rict outlines")."""
    m = draw_site_map(layers, manifest, "p_hubei_logistics", dpi=DPI, lang=lang)
    x0, y0, x1, y1 = m.legend_px
    assert 0 <= x0 < x1 <= m.width_px and 0 <= y0 < y1 <= m.height_px, (m.legend_px, m.width_px)
    assert y0 >= m.frame_px[3] - 1, "the legend overlaps the map frame"


def test_map_attributes_the_openstreetmap_data_it_draws(layers, manifest):
    m = draw_site_map(layers, manifest, "p_hubei_logistics", dpi=DPI)
    assert m.data_attribution == "© OpenStreetMap contributors, ODbL 1.0"   # stations, lines, zones…
    plain = {"layers": {k: {kk: vv for kk, vv in v.items() if kk != "attribution"}
                        for k, v in manifest["layers"].items()}}
    assert draw_site_map(layers, plain, "p_hubei_logistics", dpi=DPI).data_attribution is None


def test_missing_font_names_the_package(layers, manifest, monkeypatch, tmp_path):
    monkeypatch.setenv(bmap.CJK_FONT_ENV, str(tmp_path / "nope.ttc"))
    with pytest.raises(CJKFontMissingError, match="fonts-wqy-microhei"):
        cjk_font_path()
    monkeypatch.delenv(bmap.CJK_FONT_ENV)
    monkeypatch.setattr(bmap, "CJK_FONT_CANDIDATES", ())
    with pytest.raises(CJKFontMissingError, match="apt-get install .*fonts-wqy-microhei"):
        make_briefing(layers, manifest, "p_dongya", formats=("pdf",))


# --------------------------------------------------------------------------- documents

@pytest.fixture(scope="module")
def hubei(layers, manifest):
    return make_briefing(layers, manifest, "p_hubei_logistics", dpi=DPI)


def test_pdf_text_has_name_area_and_nearest_station(layers, hubei):
    pdf = hubei.documents["pdf"]
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2
    text = _squash(_pdf_text(pdf))
    row = _row(layers, "parcels", "p_hubei_logistics")
    area = _geodesic_area_m2(row.geometry)
    assert row["name"] in text
    assert f"{area / 1e4:.2f}公顷" in text and f"{round(area):,}" in text
    nearest = min(layers["metro_stations"].itertuples(),
                  key=lambda r: _geodesic_dist_m(row.geometry, r.geometry))
    assert nearest.name in text
    assert reader.metadata.title == row["name"]
    # walking distance along the roads, by default, with its caveat
    walk = hubei.facts.nearest_station.walk_m
    assert walk is not None and _squash(format_m(walk, "zh", True)) in text
    assert "步行距离沿道路图层" in text


def test_pdf_embeds_every_font(hubei):
    reader = PdfReader(io.BytesIO(hubei.documents["pdf"]))
    fonts = {}
    for page in reader.pages:
        for name, ref in page["/Resources"]["/Font"].items():
            fonts[name] = ref.get_object()
    assert fonts
    for font in fonts.values():
        desc = font.get("/FontDescriptor")
        assert desc is not None, f"font {font.get('/BaseFont')} has no descriptor (not embedded)"
        desc = desc.get_object()
        assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
            f"font {font.get('/BaseFont')} is not embedded"
    assert any("WenQuanYi" in str(f.get("/BaseFont")) for f in fonts.values())


def test_html_is_self_contained_with_the_map(hubei):
    html = hubei.documents["html"].decode("utf-8")
    assert "沪北物流地块" in html and "20.31 公顷" in html and "长江西路" in html
    found = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert found
    assert base64.b64decode(found.group(1)) == hubei.map_image.png
    assert not re.search(r'(src|href)="(https?:)?//', html), "the HTML must not load anything"
    assert "待填写" in html  # contact placeholder, marked


def test_documents_escape_data(layers, manifest):
    hostile = {k: v.copy() for k, v in layers.items()}
    p = hostile["parcels"]
    p.loc[p["id"] == "p_dongya", "name"] = '<script>alert(1)</script>东亚 & <b>'
    out = make_briefing(hostile, manifest, "p_dongya", dpi=40)
    html = out.documents["html"].decode("utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;东亚 &amp; &lt;b&gt;" in html
    assert "<script>alert(1)</script>东亚&<b>" in _squash(_pdf_text(out.documents["pdf"]))


def test_english_briefing(layers, manifest):
    out = make_briefing(layers, manifest, "p_qiaofu", lang="en", dpi=40)
    text = _squash(_pdf_text(out.documents["pdf"]))
    assert "Investmentbriefing" in text and "ParkviewGreen(Qiaofu)" in text
    assert "ha(" in text and "Nearest" in text


def test_view_marks_estimates_and_formats_area(layers):
    b = bf.briefing_facts(layers, "p_hubei_logistics")
    v = briefing_view(b, "zh")
    facts = dict(v.facts)
    assert facts["面积"] == format_area(b.area_m2, "zh", True) and facts["面积"].endswith("〔估〕")
    assert all(row[3].endswith("〔估〕") for row in v.tables[0].rows)
    with pytest.raises(ValueError, match="lang"):
        briefing_view(b, "fr")


@pytest.mark.parametrize("as_of, passed", [(dt.date(2026, 12, 4), True), (dt.date(2025, 6, 30), False)])
def test_a_milestone_whose_deadline_is_over_says_so(layers, as_of, passed):
    """The plan's period has ended: a deadline before the briefing's date is said to be past."""
    b = bf.briefing_facts(layers, "p_hubei_logistics", as_of=as_of)
    assert b.plan_target and b.plan_deadline and b.plan_deadline.startswith("2025")
    zh = dict(briefing_view(b, "zh").facts)["下一节点"]
    en = dict(briefing_view(b, "en").facts)["Next milestone"]
    assert (f"期限 {b.plan_deadline} 已过（简报日期 {as_of.isoformat()}）" in zh) is passed
    assert (f"the {b.plan_deadline} deadline has passed" in en) is passed


@pytest.mark.parametrize("deadline, as_of, zh_tail, en_tail", [
    ("2025-06", dt.date(2025, 7, 1), "（期限：2025-06）；期限 2025-06 已过（简报日期 2025-07-01）",
     " (by 2025-06); the 2025-06 deadline has passed (briefing of 2025-07-01)"),
    ("2025-06", dt.date(2025, 6, 30), "（期限：2025-06）", " (by 2025-06)"),     # its last day: not yet
    ("2025", dt.date(2026, 1, 1), "（期限：2025）；期限 2025 已过（简报日期 2026-01-01）",
     " (by 2025); the 2025 deadline has passed (briefing of 2026-01-01)"),
    ("2027-03-31", dt.date(2026, 12, 4), "（期限：2027-03-31）", " (by 2027-03-31)"),
    ("待定", dt.date(2026, 12, 4), "（期限：待定）", " (by 待定)"),          # no period: never past
])
def test_the_deadline_wording_is_the_registrys_lateness(layers, deadline, as_of, zh_tail, en_tail):
    """The milestone's words, in full, for a deadline past and one to come: past exactly when the
    plan registry calls an unfinished item with that deadline late on the briefing's date."""
    import dataclasses

    from songnan_geo.plan.registry import lateness
    from songnan_geo.plan.workflow import PeriodError

    b = dataclasses.replace(bf.briefing_facts(layers, "p_hubei_logistics", as_of=as_of),
                            plan_deadline=deadline, milestone_note=None)
    zh = dict(briefing_view(b, "zh").facts)["下一节点"]
    en = dict(briefing_view(b, "en").facts)["Next milestone"]
    assert zh == b.plan_target + zh_tail
    assert en.endswith(en_tail) and en.count(" (by ") == 1
    try:
        late = lateness(deadline, None, as_of) is not None
    except PeriodError:
        late = False
    assert ("已过" in zh_tail) is late


def test_render_functions_agree_with_make_briefing(layers, hubei):
    html = render_html(hubei.facts, hubei.map_image, "zh")
    assert html.encode("utf-8") == hubei.documents["html"]
    assert _pdf_text(render_pdf(hubei.facts, hubei.map_image, "zh")) == _pdf_text(hubei.documents["pdf"])


# --------------------------------------------------------------------------- command line

#: An investor briefing is never exported without a contact (issue 16): every run passes one.
CONTACT = ["--contact", "淞南镇经济发展办公室（测试）"]


def test_cli_refuses_without_a_contact(tmp_path, capsys, monkeypatch):
    """No --contact and no SONGNAN_BRIEFING_CONTACT: exit 2, a message naming both, nothing written."""
    monkeypatch.delenv(bf.CONTACT_ENV, raising=False)
    out = tmp_path / "never"
    assert cli_main(["briefing", "--site", "p_dongya", "--out", str(out), "--format", "html"]) == 2
    err = capsys.readouterr().err
    assert "--contact" in err and bf.CONTACT_ENV in err
    assert not out.exists()
    assert cli_main(["briefing", "--site", "p_dongya", "--out", str(out), "--format", "html",
                     "--contact", "   "]) == 2, "a blank contact is no contact"


def test_cli_takes_the_configured_contact(tmp_path, monkeypatch):
    monkeypatch.setenv(bf.CONTACT_ENV, "招商服务中心 021-0000")
    assert cli_main(["briefing", "--site", "p_dongya", "--out", str(tmp_path), "--format", "html",
                     "--dpi", "40"]) == 0
    html = (tmp_path / "briefing_p_dongya.html").read_text(encoding="utf-8")
    assert "招商服务中心 021-0000" in html and "待填写" not in html

@pytest.mark.slow
def test_batch_over_all_parcels(layers, tmp_path, capsys):
    out = tmp_path / "out"
    rc = cli_main(["briefing", "--site", "all", "--kind", "parcel", "--out", str(out),
                   "--format", "pdf", "--dpi", "50", "--date", "2026-01-15", *CONTACT])
    assert rc == 0
    captured = capsys.readouterr()
    # stderr is not a terminal here: no progress bar, so a redirected log has no carriage returns
    assert "\r" not in captured.err and "12/12" not in captured.err
    assert "12 site(s)" in captured.err
    files = sorted(out.glob("*.pdf"))
    assert len(files) == len(layers["parcels"]) and not list(out.glob("*.html"))
    for _, row in layers["parcels"].iterrows():
        data = (out / f"briefing_{row['id']}.pdf").read_bytes()
        text = _squash(_pdf_text(data))
        assert data.startswith(b"%PDF-") and row["name"] in text and "2026-01-15" in text
        assert "待填写" not in text
    assert not list(out.glob("*.part"))


def test_batch_both_formats_for_a_list(tmp_path, capsys):
    rc = cli_main(["briefing", "--site", "centre,c_weimob", "--out", str(tmp_path), "--dpi", "40", *CONTACT])
    assert rc == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "briefing_c_weimob.html", "briefing_c_weimob.pdf", "briefing_centre.html", "briefing_centre.pdf"]
    printed = capsys.readouterr().out.split()
    assert len(printed) == 4


def test_unknown_site_is_an_error_listing_valid_ids(layers, tmp_path, capsys):
    out = tmp_path / "never"
    rc = cli_main(["briefing", "--site", "p_dongya,p_nowhere", "--out", str(out), *CONTACT])
    assert rc == 2
    err = capsys.readouterr().err
    assert "p_nowhere" in err
    for s in bf.list_sites(layers):
        assert s.id in err
    assert not out.exists(), "nothing may be written when an id is unknown"


def test_kind_needs_all(tmp_path, capsys):
    assert cli_main(["briefing", "--site", "p_dongya", "--kind", "parcel", "--out", str(tmp_path),
                     *CONTACT]) == 2
    assert "--kind only narrows --site all" in capsys.readouterr().err


def test_cli_reports_invalid_data(tmp_path, capsys):
    data = tmp_path / "geo"
    shutil.copytree(DATA_DIR, data)
    doc = json.loads((data / "parcels.geojson").read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["accuracy_m"] = "far"
    (data / "parcels.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    rc = cli_main(["briefing", "--site", "all", "--out", str(tmp_path / "o"), "--data-dir", str(data),
                 *CONTACT])
    assert rc == 2 and "accuracy_m" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_from_store_prints_the_tracked_status_and_registered_parks(tmp_path, capsys, monkeypatch):
    """--from-store: the status recorded on 地块进度 and a park added on 产业载体 are in the PDF;
    without it the layers as shipped are."""
    import json as _json

    from tracker_testlib import editor_hashes, login

    from songnan_geo.store.carriers import CarrierStore, layer_records
    from songnan_geo.store.tracker import open_store

    secrets = tmp_path / "editors.json"
    secrets.write_text(_json.dumps({"editors": editor_hashes()}), encoding="utf-8")
    monkeypatch.setenv("SONGNAN_EDITORS_FILE", str(secrets))
    monkeypatch.delenv("SONGNAN_STORE_URL", raising=False)
    monkeypatch.setenv("SONGNAN_STORE_PATH", str(tmp_path / "tracker.gpkg"))
    layers = load_all_layers(DATA_DIR)
    parcel = layers["parcels"].set_index("id").loc["p_dongya"]
    tracker = open_store()
    alice = login(tracker, "alice")
    item = tracker.item("p_dongya")
    tracker.change_status("p_dongya", "出让准备", editor=alice, expected_version=item["version"],
                          note="test")
    spot = parcel.geometry.representative_point()
    rec = layer_records(layers["carrier_parks"])[0]
    CarrierStore(tracker).save({**rec, "id": "c_cli_test", "name": "命令行测试园", "lon": spot.x,
                                "lat": spot.y}, editor=alice, expected_version=0,
                               town=layers["boundary"])
    tracker.dispose()
    for flag, out in (([], tmp_path / "layers"), (["--from-store"], tmp_path / "store")):
        assert cli_main(["briefing", "--site", "p_dongya", "--out", str(out), "--format", "pdf",
                         "--dpi", "40", *CONTACT, *flag]) == 0
    shipped = _squash(_pdf_text((tmp_path / "layers" / "briefing_p_dongya.pdf").read_bytes()))
    tracked = _squash(_pdf_text((tmp_path / "store" / "briefing_p_dongya.pdf").read_bytes()))
    assert "命令行测试园" in tracked and "命令行测试园" not in shipped
    assert "出让准备" in tracked and parcel["status"] != "出让准备"
    assert "status and carrier parks from the store" in capsys.readouterr().err


def test_every_enumerated_value_has_an_english_term():
    """Statuses and states of every layer schema and workflow are in i18n.VALUE_LABELS."""
    from songnan_geo.plan import workflow
    from songnan_geo.text.i18n import VALUE_LABELS, value_label

    values = set()
    for path in (DATA_DIR / "schema").glob("*.schema.json"):
        props = json.loads(path.read_text(encoding="utf-8"))["properties"]
        for field in ("status", "state"):
            values |= set(props.get(field, {}).get("enum", []))
    for wf in workflow.WORKFLOWS.values():
        values |= set(wf.statuses)
    assert len(values) >= 15 and values - set(VALUE_LABELS) == set()
    assert value_label("收储", "en") == "Land banked (收储)"
    assert value_label("运营", "en", with_original=False) == "Operating"
    assert value_label("收储", "zh") == "收储" and value_label("东亚地块", "en") == "东亚地块"


def test_english_briefing_translates_status_and_states(layers, manifest):
    row = layers["parcels"].set_index("id").loc["p_dongya"]
    out = make_briefing(layers, manifest, "p_dongya", lang="en", dpi=40)
    text = _squash(_pdf_text(out.documents["pdf"]))
    from songnan_geo.text.i18n import VALUE_LABELS
    assert _squash(f"{VALUE_LABELS[row['status']]} ({row['status']})") in text
    html = out.documents["html"].decode("utf-8")
    assert "Operating" in html            # station / park state columns in English
    zh = _squash(_pdf_text(make_briefing(layers, manifest, "p_dongya", dpi=40).documents["pdf"]))
    assert VALUE_LABELS[row["status"]].replace(" ", "") not in zh
