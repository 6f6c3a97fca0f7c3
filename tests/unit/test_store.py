"""The tracker store, the same tests on the GeoPackage file and on PostGIS.

Seeding from data/geo and data/plans/fyp14/projects; one write per transaction with its history row; the
workflow, the editor requirement and optimistic locking enforced by the store; history
append-only and items undeletable enforced by the database's own triggers.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from conftest import DATA_DIR, REPO_ROOT
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from tracker_testlib import PASSWORDS, editors, login, postgis_url, store, store_url  # noqa: F401

from songnan_geo import auth
from songnan_geo.layers.io import load_layer
from songnan_geo.plan.workflow import IllegalTransitionError, WorkflowError
from songnan_geo.store.tracker import (
    SEED_USER,
    StaleVersionError,
    StoreConfigError,
    UnknownItemError,
    format_time,
    latest_version,
    open_store,
    resolve_store_url,
)

TABLE5 = pd.read_csv(REPO_ROOT / "data" / "plans" / "fyp14" / "projects" / "table5_13th_fyp.csv", dtype=str,
                     keep_default_na=False)
FYP14 = pd.read_csv(REPO_ROOT / "data" / "plans" / "fyp14" / "projects" / "fyp14_projects.csv", dtype=str,
                    keep_default_na=False)


def _counts(store):
    return len(store.history()), store.items(expand=False).set_index("id")["version"].to_dict()


# --------------------------------------------------------------------------- seed

def test_new_store_is_seeded_from_the_repo_data(store):
    items = store.items()
    parcels = load_layer("parcels", DATA_DIR)
    assert (items["kind"] == "parcel").sum() == len(parcels) == 12
    assert (items["grp"] == "table5").sum() == 22
    assert (items["grp"] == "fyp14").sum() == len(FYP14)
    by_id = items.set_index("id")
    for p in parcels.itertuples():
        assert by_id.loc[p.id, "status"] == p.status
        assert by_id.loc[p.id, "plan_target"] == (p.plan_target if isinstance(p.plan_target, str) else None)
        assert by_id.loc[p.id, "status_date"] == p.status_as_of
    for r in TABLE5.itertuples():   # the store's status is the plan's 完成情况
        assert by_id.loc[r.id, "status"] == r.plan_state
        assert by_id.loc[r.id, "investment_wan"] == int(r.investment_wan)
    hist = store.history()
    assert set(hist["username"]) == {SEED_USER}
    # Table 5: a start row, and a finish row for every finished project
    finished = TABLE5["plan_state"].isin(["已完成", "基本完成"]).sum()
    assert len(hist) == 12 + len(FYP14) + 22 + finished
    t501 = hist[hist.item_id == "t5_01"]
    assert t501[["effective_date", "to_status"]].values.tolist() == [["2013-06", "建设中"],
                                                                      ["2016-10", "已完成"]]


def test_parcels_layer_keeps_the_outlines_and_shows_current_status(store, editors):
    gdf = store.parcels()
    src = load_layer("parcels", DATA_DIR).set_index("id")
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == 12
    for row in gdf.itertuples():
        assert row.geometry.equals_exact(src.loc[row.id].geometry.normalize(), 1e-9) or \
            row.geometry.symmetric_difference(src.loc[row.id].geometry).area < 1e-12
    ed = login(store, "alice")
    store.change_status("p_dongya", "出让准备", editor=ed, expected_version=1)
    assert store.parcels().set_index("id").loc["p_dongya", "status"] == "出让准备"


def test_reopening_does_not_seed_again(store_url, editors):
    s1 = open_store(store_url)
    ed = login(s1, "alice")
    s1.change_status("p_dongya", "出让准备", editor=ed, expected_version=1)
    s1.dispose()
    s2 = open_store(store_url)
    assert s2.item("p_dongya")["status"] == "出让准备"
    assert len(s2.items()) == 12 + 22 + len(FYP14)
    s2.dispose()


def test_latest_version_reads_the_highest_version_with_who_and_when(store, editors):
    with store.read() as conn:
        assert latest_version(conn, "tracker_history", {"item_id": "p_dongya"})[:2] == (
            1, SEED_USER)
        assert latest_version(conn, "tracker_history", {"item_id": "no_such"}) == (0, "", "")
    out = store.change_status("p_dongya", "出让准备", editor=login(store, "alice"),
                              expected_version=1)
    with store.read() as conn:
        assert latest_version(conn, "tracker_history", {"item_id": "p_dongya", "version": 2}) \
            == (2, "alice", out["updated_at"])
        for table, where in (("tracker_history; DROP TABLE x", {"item_id": "p_dongya"}),
                             ("tracker_history", {"item_id = item_id OR 1": 1}),
                             ("tracker_history", {})):
            with pytest.raises(ValueError, match="plain identifiers"):
                latest_version(conn, table, where)


# --------------------------------------------------------------------------- writes

def test_change_is_recorded_with_user_note_and_document(store, editors):
    ed = login(store, "alice")
    before = len(store.history())
    out = store.change_status("p_hubei_logistics", "已出让", editor=ed, expected_version=1,
                              effective_date="2023-09-15", note="土地出让合同已签",
                              doc_no="沪规土〔2023〕12号")
    assert out["status"] == "已出让" and out["version"] == 2 and out["updated_by"] == "alice"
    assert out["status_date"] == "2023-09-15"
    h = store.history("p_hubei_logistics")
    assert len(store.history()) == before + 1
    last = h.iloc[-1]
    assert (last.version, last.from_status, last.to_status, last.username, last.note, last.doc_no) == \
        (2, "出让准备", "已出让", "alice", "土地出让合同已签", "沪规土〔2023〕12号")
    assert last.effective_date == "2023-09-15" and not last.is_correction
    assert dt.datetime.fromisoformat(last.recorded_at).tzinfo is not None


def test_illegal_jump_is_refused_and_nothing_is_written(store, editors):
    ed = login(store, "alice")
    before = _counts(store)
    with pytest.raises(IllegalTransitionError, match="研究/先行先试 → 在建"):
        store.change_status("p_songshen_aquatic", "在建", editor=ed, expected_version=1)
    with pytest.raises(WorkflowError, match="in the future"):
        store.change_status("p_songshen_aquatic", "规划调整/编制", editor=ed, expected_version=1,
                            effective_date="2999-01-01")
    assert _counts(store) == before


def test_correction_with_reason_is_kept_in_the_history(store, editors):
    ed = login(store, "bob")
    store.change_status("p_songshen_aquatic", "在建", editor=ed, expected_version=1,
                        correction_reason="2022年已开工，此前漏记", effective_date="2022-04-01")
    last = store.history("p_songshen_aquatic").iloc[-1]
    assert last.is_correction and last.correction_reason == "2022年已开工，此前漏记"
    assert last.username == "bob"


def test_pause_and_resume_go_back_to_the_paused_status(store, editors):
    ed = login(store, "alice")
    store.change_status("p_yuanyang", "暂缓", editor=ed, expected_version=1, note="规划调整中")
    assert store.item("p_yuanyang")["paused_from"] == "收储"
    with pytest.raises(IllegalTransitionError):
        store.change_status("p_yuanyang", "已出让", editor=ed, expected_version=2)
    out = store.change_status("p_yuanyang", "收储", editor=ed, expected_version=2)
    assert out["status"] == "收储" and out["paused_from"] is None and out["version"] == 3


def test_projects_follow_the_project_workflow(store, editors):
    ed = login(store, "carol")
    out = store.change_status("f14_weimob", "已完成", editor=ed, expected_version=1,
                              doc_no="竣工备案 2023-001")
    assert out["status"] == "已完成"
    with pytest.raises(WorkflowError, match="not in the project workflow"):
        store.change_status("f14_weipu", "已出让", editor=ed, expected_version=1)


def test_stale_version_is_refused_naming_who_and_when(store, editors):
    alice, bob = login(store, "alice"), login(store, "bob")
    store.change_status("p_dongya", "出让准备", editor=alice, expected_version=1)
    changed_at = store.item("p_dongya")["updated_at"]
    before = _counts(store)
    with pytest.raises(StaleVersionError) as ei:
        store.change_status("p_dongya", "暂缓", editor=bob, expected_version=1)
    msg = str(ei.value)
    assert "alice" in msg and format_time(changed_at) in msg and "version 1" in msg
    assert ei.value.changed_by == "alice" and ei.value.current_version == 2
    assert _counts(store) == before


def test_a_viewer_cannot_write_through_the_api(store, editors):
    before = _counts(store)
    forged = auth.Editor("alice", "0" * 64)
    for who in (None, "alice", forged):
        with pytest.raises(auth.EditorRequiredError, match="editor add"):
            store.change_status("p_dongya", "出让准备", editor=who, expected_version=1)
    removed = login(store, "carol")
    auth.remove_editor("carol")
    with pytest.raises(auth.EditorRequiredError, match="no longer an editor"):
        store.change_status("p_dongya", "出让准备", editor=removed, expected_version=1)
    assert _counts(store) == before


def test_unknown_item_and_bad_version(store, editors):
    ed = login(store, "alice")
    with pytest.raises(UnknownItemError, match="no parcel or project has id 'p_nowhere'"):
        store.change_status("p_nowhere", "收储", editor=ed, expected_version=1)
    with pytest.raises(TypeError, match="expected_version"):
        store.change_status("p_dongya", "出让准备", editor=ed, expected_version="1")


# --------------------------------------------------------------------------- database rules

def _raw(store, sql: str):
    with store.engine.connect() as conn:
        with conn.begin():
            conn.execute(text(sql))


@pytest.mark.parametrize("sql", [
    "UPDATE tracker_history SET note = 'rewritten' WHERE item_id = 'p_dongya'",
    "DELETE FROM tracker_history WHERE item_id = 'p_dongya'",
    "DELETE FROM tracker_items WHERE id = 'p_dongya'",
    "UPDATE tracker_items SET status = '已出让', version = version + 1 WHERE id = 'p_dongya'",
    "UPDATE tracker_items SET status = '已出让' WHERE id = 'p_dongya'",
])
def test_database_triggers_keep_history_append_only(store, sql):
    before = _counts(store)
    with pytest.raises(DBAPIError, match="append-only|never deleted|raise the version"):
        _raw(store, sql)
    assert _counts(store) == before


def test_postgis_refuses_truncating_history(postgis_url, editors):
    s = open_store(postgis_url)
    with pytest.raises(DBAPIError, match="cannot be truncated|never deleted"):
        _raw(s, "TRUNCATE tracker_history")
    assert len(s.history()) > 0
    s.dispose()


def test_database_refuses_a_status_outside_the_vocabulary(store):
    with pytest.raises(DBAPIError):
        _raw(store, "INSERT INTO tracker_history (item_id, version, effective_date, recorded_at, "
                    "from_status, to_status, username, note, doc_no, is_correction) VALUES "
                    "('p_dongya', 9, '2024', '2024', '收储', '拆除', 'x', '', '', 0)")


# --------------------------------------------------------------------------- configuration

def test_store_location_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("SONGNAN_STORE_URL", raising=False)
    monkeypatch.setenv("SONGNAN_STORE_PATH", str(tmp_path / "x.gpkg"))
    assert resolve_store_url() == f"sqlite:///{tmp_path / 'x.gpkg'}"
    monkeypatch.setenv("SONGNAN_STORE_URL", "postgresql://u:p@localhost/db")
    assert resolve_store_url() == "postgresql+psycopg://u:p@localhost/db"
    monkeypatch.delenv("SONGNAN_STORE_URL")
    monkeypatch.delenv("SONGNAN_STORE_PATH")
    monkeypatch.setenv("SONGNAN_USER_DIR", str(tmp_path / "user"))   # the one folder setting
    assert resolve_store_url() == f"sqlite:///{tmp_path / 'user' / 'tracker.gpkg'}"
    monkeypatch.delenv("SONGNAN_USER_DIR")
    default = resolve_store_url()
    assert default == f"sqlite:///{Path.home() / '.songnan_geo' / 'tracker.gpkg'}"
    assert str(REPO_ROOT) not in default          # never inside the repository


def test_gpkg_store_opens_in_gdal(tmp_path, editors):
    path = tmp_path / "t.gpkg"
    s = open_store(path)
    layers = dict(pyogrio.list_layers(path))
    assert layers["tracker_parcels"] == "MultiPolygon"
    assert {"tracker_items", "tracker_history"} <= set(layers)
    assert len(pyogrio.read_dataframe(path, layer="tracker_parcels")) == 12
    s.dispose()


def test_not_a_tracker_store_is_a_clear_error(tmp_path):
    other = tmp_path / "other.gpkg"
    load_layer("zones", DATA_DIR).to_file(other, driver="GPKG", engine="pyogrio")
    with pytest.raises(StoreConfigError, match="not a tracker store"):
        open_store(other)
    with pytest.raises(StoreConfigError, match="cannot connect"):
        open_store("postgresql://nobody:wrong@127.0.0.1:1/none")


def test_two_stores_created_at_once_do_not_clash(tmp_path):
    """Creation builds a temporary file and links it into place: both openers see one store."""
    import concurrent.futures as cf
    path = tmp_path / "same.gpkg"
    with cf.ThreadPoolExecutor(2) as ex:
        stores = list(ex.map(lambda _: open_store(path), range(2)))
    assert all(len(s.items()) == 12 + 22 + len(FYP14) for s in stores)
    assert [p.name for p in tmp_path.iterdir()] == ["same.gpkg"] or \
        {p.name for p in tmp_path.iterdir()} <= {"same.gpkg", "same.gpkg-wal", "same.gpkg-shm"}
    for s in stores:
        s.dispose()


def test_gis_view_shows_the_current_status(store, editors):
    """tracker_parcels_status: a layer QGIS/GDAL opens, always in step with the tracker."""
    store.change_status("p_zhongcheng", "收储", editor=login(store, "alice"), expected_version=1)
    if store.dialect == "sqlite":
        path = store.engine.url.database
        assert dict(pyogrio.list_layers(path))["tracker_parcels_status"] == "MultiPolygon"
        view = pyogrio.read_dataframe(path, layer="tracker_parcels_status").set_index("id")
        assert view.crs.to_epsg() == 4326
    else:
        with store.engine.connect() as c:
            rows = c.execute(text("SELECT id, status, version, ST_GeometryType(geom), ST_SRID(geom) "
                                  "FROM tracker_parcels_status")).all()
        view = pd.DataFrame(rows, columns=["id", "status", "version", "gtype", "srid"]).set_index("id")
        assert set(view["gtype"]) == {"ST_MultiPolygon"} and set(view["srid"]) == {4326}
    assert len(view) == 12
    assert view.loc["p_zhongcheng", "status"] == "收储" and view.loc["p_zhongcheng", "version"] == 2
    assert view.loc["p_dongya", "status"] == "收储" and view.loc["p_dongya", "version"] == 1
