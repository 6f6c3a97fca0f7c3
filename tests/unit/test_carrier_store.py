"""Carrier parks (产业载体): validation of a park record and the register of edits in the
tracker's store, on GeoPackage and PostGIS."""
from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from tracker_testlib import (  # noqa: F401
    editors,
    login,
    postgis_url,
    report_save,
    store,
    store_url,
    two_process_save_race,
)

from songnan_geo.auth import EditorRequiredError
from songnan_geo.coords.crs import TOWN_CRS
from songnan_geo.layers.io import load_layer
from songnan_geo.store.carriers import (
    PARK_FIELDS,
    CarrierError,
    CarrierStore,
    check_park,
    layer_records,
    new_park_id,
)
from songnan_geo.store.tracker import StaleVersionError


@pytest.fixture(scope="module")
def parks():
    return load_layer("carrier_parks")


@pytest.fixture(scope="module")
def town():
    return load_layer("boundary")


@pytest.fixture
def carriers(store):
    return CarrierStore(store)


def layer_park(parks, park_id: str) -> dict:
    return next(r for r in layer_records(parks) if r["id"] == park_id)


def new_park(**changes) -> dict:
    rec = dict(id="c_test_hub", name="淞南测试创新园", name_en="Songnan Test Hub", lon=121.4905,
               lat=31.344, address="长逸路1号", theme="科技研发", state="规划", yiyuan_lou=False,
               floor_area_m2=None, enterprises=None, tax_10k_yuan=None, high_tech=None,
               stats_year=None, opened_year=None, source="镇经发办 2026 年调查", accuracy_m=50,
               estimated=True, note=None)
    rec.update(changes)
    return rec


# --------------------------------------------------------------------------- validation (pure)

def test_the_layer_parks_are_valid_records_inside_the_town(parks, town):
    records = layer_records(parks)
    assert [r["id"] for r in records] == parks["id"].tolist() and len(records) == 13
    for r in records:
        assert list(r) == list(PARK_FIELDS)
        assert check_park(r, town) == r
        assert all(r[f] is None for f in ("floor_area_m2", "enterprises", "tax_10k_yuan",
                                          "high_tech", "stats_year", "opened_year"))
    fudan = layer_park(parks, "c_fudan_software")
    assert (fudan["lon"], fudan["lat"]) == (121.4895, 31.3413) and fudan["yiyuan_lou"] is True


def test_check_park_names_every_problem_at_once():
    bad = new_park(id="Bad ID", lon=200, state="建成", enterprises=True, tax_10k_yuan=-1.5,
                   floor_area_m2=float("nan"), high_tech=3.5, opened_year=1980, source="x",
                   estimated="yes", name="Test Hub", colour="red")
    del bad["note"]
    with pytest.raises(CarrierError) as e:
        check_park(bad)
    msg = str(e.value)
    for part in ("unknown field(s) colour", "missing field(s) note", "id 'Bad ID'",
                 "lon 200.0 is out of range", "state '建成' is not allowed: use one of 运营, 在建, 规划",
                 "floor_area_m2 is NaN", "enterprises is the yes/no value True",
                 "tax_10k_yuan -1.5 is out of range", "high_tech 3.5 is not whole",
                 "opened_year 1980 is out of range", "stats_year is missing",
                 "source is too short", "estimated is 'yes': give True or False",
                 "name 'Test Hub' has no Chinese character"):
        assert part in msg, (part, msg)
    assert msg.endswith("Nothing was saved.")
    assert {f for f, _ in e.value.problems} >= {"fields", "id", "lon", "state", "floor_area_m2",
                                                 "enterprises", "tax_10k_yuan", "high_tech",
                                                 "opened_year", "stats_year", "source",
                                                 "estimated", "name"}


def test_check_park_refuses_wrong_types_and_ranges():
    with pytest.raises(CarrierError) as e:
        check_park(new_park(lat="31.3", accuracy_m=None, stats_year=dt.date.today().year + 1,
                            name_en=5, yiyuan_lou=1, enterprises=-2))
    msg = str(e.value)
    for part in ("lat is str '31.3'", "accuracy_m is missing", "stats_year", "out of range",
                 "name_en is int 5", "yiyuan_lou is 1", "enterprises -2 is out of range"):
        assert part in msg, (part, msg)
    with pytest.raises(CarrierError, match="must be a dict"):
        check_park(["c_x"])


def test_check_park_normalises_and_keeps_unknown_as_none():
    out = check_park(new_park(name="  淞南测试创新园 ", name_en="  ", address="", lon=121, lat=31,
                              floor_area_m2=12000, enterprises=35.0, tax_10k_yuan=0,
                              stats_year=2024.0, accuracy_m=50))
    assert out["name"] == "淞南测试创新园" and out["name_en"] is None and out["address"] is None
    assert type(out["lon"]) is float and type(out["floor_area_m2"]) is float
    assert type(out["enterprises"]) is int and out["enterprises"] == 35
    assert type(out["stats_year"]) is int and out["stats_year"] == 2024
    assert out["tax_10k_yuan"] == 0.0 and out["high_tech"] is None   # a real 0 vs unknown
    assert list(out) == list(PARK_FIELDS)


def test_a_park_outside_the_town_is_refused_with_its_distance(town):
    east = town.geometry.iloc[0].exterior.coords
    lon, lat = max(east)                            # the boundary's easternmost vertex
    outside_lon, _, _ = Geod(ellps="WGS84").fwd(lon, lat, 90, 1000)   # 1000 m due east
    with pytest.raises(CarrierError) as e:
        check_park(new_park(lon=outside_lon, lat=lat), town)
    msg = str(e.value)
    assert "outside the town boundary" in msg and "place the park inside 淞南镇" in msg
    metres = float(re.search(r"is ([\d,]+) m outside", msg).group(1).replace(",", ""))
    assert 500 < metres <= 1001        # the nearest edge is at most the 1000 m to that vertex
    assert check_park(new_park(lon=outside_lon, lat=lat))["lon"] == outside_lon   # no town: no check


def test_new_park_ids_are_unique_slugs():
    assert new_park_id("Songnan Test Hub", set()) == "c_songnan_test_hub"
    assert new_park_id("Songnan Test Hub", {"c_songnan_test_hub"}) == "c_songnan_test_hub_2"
    assert new_park_id("淞南测试创新园", set()) == "c_new_1"
    assert new_park_id("淞南测试创新园", {"c_new_1", "c_new_2"}) == "c_new_3"
    assert new_park_id("Café Zone №5", set()) == "c_cafe_zone_no5"
    assert CarrierStore.new_park_id("X", {"c_x"}) == "c_x_2"


# --------------------------------------------------------------------------- the store

def test_an_edit_and_an_addition_show_in_the_register(carriers, store, parks):
    alice, bob = login(store, "alice"), login(store, "bob")
    before = carriers.current(parks)
    assert before["id"].tolist() == sorted(parks["id"]) and set(before["origin"]) == {"layer"}
    assert (before["version"] == 0).all() and before.crs.to_epsg() == 4326
    assert carriers.version("c_fudan_software") == 0

    edit = dict(layer_park(parks, "c_fudan_software"), floor_area_m2=52000.0, enterprises=120,
                tax_10k_yuan=8600.5, stats_year=2024, lon=121.4910, source="园区 2024 年报")
    saved = carriers.save(edit, editor=alice, expected_version=0, change_note="2024 年报数据")
    assert saved["version"] == 1 and saved["updated_by"] == "alice"
    added = carriers.save(new_park(), editor=bob, expected_version=0, change_note="新增")
    assert added["version"] == 1
    carriers.save(dict(edit, high_tech=18), editor=bob, expected_version=1)

    now = carriers.current(parks).set_index("id")
    fudan = now.loc["c_fudan_software"]
    assert (fudan["version"], fudan["origin"], fudan["updated_by"]) == (2, "edited", "bob")
    assert (fudan["enterprises"], fudan["high_tech"], fudan["tax_10k_yuan"]) == (120, 18, 8600.5)
    assert fudan.geometry.x == 121.4910 and fudan["lon"] == 121.4910
    hub = now.loc["c_test_hub"]
    assert (hub["version"], hub["origin"], hub["updated_by"]) == (1, "added", "bob")
    assert now.loc["c_weimob", "origin"] == "layer" and now.loc["c_weimob", "version"] == 0
    assert now.loc["c_weimob", "updated_by"] is None
    assert len(now) == 14 and list(now.reset_index().columns[:len(PARK_FIELDS)]) == list(PARK_FIELDS)
    h = carriers.history("c_fudan_software")
    assert h["version"].tolist() == [1, 2] and h["username"].tolist() == ["alice", "bob"]
    assert h["change_note"].tolist() == ["2024 年报数据", ""]
    assert carriers.version("c_fudan_software") == 2 and len(carriers.history()) == 3


def test_unknown_stays_none_never_zero(carriers, store, parks):
    carriers.save(new_park(enterprises=12, stats_year=2025), editor=login(store, "alice"),
                  expected_version=0)
    row = carriers.current(parks).set_index("id").loc["c_test_hub"]
    assert row["enterprises"] == 12
    for f in ("floor_area_m2", "tax_10k_yuan", "high_tech", "opened_year", "note"):
        assert row[f] is None, (f, row[f])
    h = carriers.history("c_test_hub").iloc[0]
    assert h["floor_area_m2"] is None and h["tax_10k_yuan"] is None and h["enterprises"] == 12


def test_a_stale_save_is_refused_naming_who(carriers, store, parks):
    alice, bob = login(store, "alice"), login(store, "bob")
    rec = layer_park(parks, "c_weimob")
    carriers.save(dict(rec, state="运营"), editor=alice, expected_version=0)
    with pytest.raises(StaleVersionError, match="changed by alice.*version 1.*based on version 0"):
        carriers.save(dict(rec, state="规划"), editor=bob, expected_version=0)
    carriers.save(new_park(), editor=alice, expected_version=0)
    with pytest.raises(StaleVersionError, match="changed by alice"):   # the same new id twice
        carriers.save(new_park(name="另一个园区"), editor=bob, expected_version=0)
    with pytest.raises(ValueError, match="ahead of its stored version 1"):
        carriers.save(new_park(), editor=bob, expected_version=5)
    h = carriers.history()
    assert h["username"].tolist() == ["alice", "alice"] and h["state"].tolist() == ["运营", "规划"]


def test_a_viewer_cannot_save(carriers, store):
    for who in (None, "alice"):
        with pytest.raises(EditorRequiredError, match="log in"):
            carriers.save(new_park(), editor=who, expected_version=0)
    assert carriers.history().empty


def test_a_bad_record_changes_nothing_stored(carriers, store, parks, town):
    alice = login(store, "alice")
    carriers.save(new_park(), editor=alice, expected_version=0)
    with pytest.raises(CarrierError, match="Nothing was saved"):
        carriers.save(new_park(enterprises=-1, name="淞南测试创新园 二期"), editor=alice,
                      expected_version=1)
    with pytest.raises(CarrierError, match="outside the town boundary"):
        carriers.save(new_park(lon=121.7), editor=alice, expected_version=1, town=town)
    with pytest.raises(TypeError, match="expected_version"):
        carriers.save(new_park(), editor=alice, expected_version="1")
    h = carriers.history()
    assert len(h) == 1 and h["name"].tolist() == ["淞南测试创新园"]
    assert carriers.current(parks).set_index("id").loc["c_test_hub", "version"] == 1


def test_versions_are_append_only_in_the_database(carriers, store):
    carriers.save(new_park(), editor=login(store, "alice"), expected_version=0)
    sqls = ["UPDATE carrier_park_versions SET enterprises = 0",
            "DELETE FROM carrier_park_versions"]
    if store.dialect == "postgresql":
        sqls.append("TRUNCATE carrier_park_versions")
    for sql in sqls:
        with pytest.raises(DBAPIError, match="append-only"):
            with store.engine.begin() as conn:
                conn.execute(text(sql))
    h = carriers.history()
    assert len(h) == 1 and h["enterprises"].tolist() == [None]
    CarrierStore(store)   # opening again keeps the table and its rows
    assert len(carriers.history()) == 1
    if store.dialect == "sqlite":   # GDAL/QGIS list the table as a GeoPackage attribute table
        import pyogrio
        layers = dict(pyogrio.list_layers(store.engine.url.database).tolist())
        assert layers["carrier_park_versions"] is None
        table = pyogrio.read_dataframe(store.engine.url.database, layer="carrier_park_versions")
        assert table["park_id"].tolist() == ["c_test_hub"]


def test_the_register_reads_a_layer_with_or_without_figures(carriers, store, parks):
    with_figures = parks.copy()
    with_figures["enterprises"] = [40.0] + [math.nan] * (len(parks) - 1)
    with_figures["stats_year"] = [2023.0] + [math.nan] * (len(parks) - 1)
    with_figures["floor_area_m2"] = [None] * len(parks)
    recs = {r["id"]: r for r in layer_records(with_figures)}
    assert recs["c_fudan_software"]["enterprises"] == 40 and \
        type(recs["c_fudan_software"]["enterprises"]) is int
    assert recs["c_weimob"]["enterprises"] is None and recs["c_weimob"]["stats_year"] is None
    reg = carriers.current(with_figures).set_index("id")
    assert reg.loc["c_fudan_software", "stats_year"] == 2023
    assert reg.loc["c_weimob", "enterprises"] is None
    bare = carriers.current(parks)           # the layer as shipped: no figure columns at all
    assert all(bare[f].isna().all() and bare[f].map(lambda v: v is None).all()
               for f in ("floor_area_m2", "enterprises", "tax_10k_yuan", "high_tech",
                         "stats_year", "opened_year"))
    assert bare.geometry.geom_type.eq("Point").all()
    assert (bare.geometry.x == bare["lon"]).all() and (bare.geometry.y == bare["lat"]).all()
    with pytest.raises(CarrierError, match="not points"):
        layer_records(parks.to_crs(TOWN_CRS).buffer(50).to_crs(4326).to_frame("geometry")
                      .assign(id=parks["id"]))


# --------------------------------------------------------------------------- two processes

def park_race_worker(url: str, user: str, barrier, results) -> None:
    """Read c_weimob's version (0: never edited), wait for the other process, then both save
    it at once."""
    from songnan_geo.store.tracker import open_store

    tracker = open_store(url)
    carriers = CarrierStore(tracker)
    rec = layer_park(load_layer("carrier_parks"), "c_weimob")
    try:
        version = carriers.version("c_weimob")
        barrier.wait(timeout=60)
        report_save(results, user, lambda: carriers.save(
            dict(rec, enterprises=10 if user == "alice" else 20, stats_year=2025),
            editor=login(tracker, user), expected_version=version, change_note=f"by {user}"))
    finally:
        tracker.dispose()


@pytest.mark.slow
def test_two_processes_save_the_same_park_at_once(carriers, store_url, parks):
    """Both saw version 0 and save together: exactly one is kept, the other is told who won."""
    winner, _ = two_process_save_race(park_race_worker, store_url)
    h = carriers.history("c_weimob")
    assert h["username"].tolist() == [winner] and h["version"].tolist() == [1]
    assert h["enterprises"].tolist() == [10 if winner == "alice" else 20]
    assert carriers.current(parks).set_index("id").loc["c_weimob", "updated_by"] == winner
