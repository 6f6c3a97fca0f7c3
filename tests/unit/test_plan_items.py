"""A plan's own new parcels and projects (issue 15: "Parcels, projects and carrier parks continue
across plans with their history; targets and deadlines belong to a plan").

``plan add`` checks a plan folder's ``items.csv`` (every problem listed, zh/en, nothing changed),
says what it would add (``--dry-run``), and with a logged-in editor adds the new items to the
tracker store with their first history entry, based on the tracker version read before the
check: a stale or unauthorised write is refused and changes nothing. The synthetic 2026–2030
plan is built in the test (tests/plan_testlib.py); nothing of it is shipped."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd
import pyogrio
import pytest
import shapely
from plan_testlib import ITEMS_CSV, write_items_plan
from tracker_testlib import PASSWORDS, editors, login, postgis_url, store_path  # noqa: F401

from songnan_geo import auth, cli, clock
from songnan_geo.plan import registry as plans
from songnan_geo.reports import tracker as tracker_report
from songnan_geo.store import schema
from songnan_geo.store.tracker import TrackerChangedError, open_store

NEW_IDS = {"p_synth_new", "x_synth_project"}
AS_OF = dt.date(2026, 12, 4)


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SONGNAN_USER_DIR", str(tmp_path / "user"))
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.timezone.utc))
    return tmp_path / "user"


def _state(store):
    items, history = store.items(), store.history()
    return items.drop(columns=["updated_at"]), history.drop(columns=["recorded_at"])


def _check(store=None):
    known = plans.known_item_ids() | (set(store.items()["id"]) if store is not None else set())
    return dict(known_items=known, zones=plans.zone_ids(), town=plans.town_outline())


def test_plan_add_brings_the_plans_own_items_into_the_tracker(tmp_path, user_dir, editors,  # noqa: F811
                                                              store_path, monkeypatch, capsys):
    folder = write_items_plan(tmp_path / "src")
    store = open_store(store_path)
    items0, history0 = _state(store)
    # --dry-run says what would be added, and adds nothing
    assert cli.main(["plan", "add", str(folder), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would be added with 4 target(s) and 2 new item(s)" in out
    assert "p_synth_new\tparcel\t测试新地块\t收储 (2026-03)\toutline" in out
    assert "x_synth_project\tproject\t测试新项目\t前期准备 (2026-02)\t-" in out
    # no editor: refused, nothing changes
    assert cli.main(["plan", "add", str(folder)]) == 2
    assert "needs an editor" in capsys.readouterr().err
    for _ in range(2):
        pd.testing.assert_frame_equal(_state(store)[0], items0)
        pd.testing.assert_frame_equal(_state(store)[1], history0)
        assert plans.plan_ids() == ["fyp14"]
        # a wrong password: not logged in, nothing changes
        monkeypatch.setenv("SONGNAN_EDITOR_PASSWORD", "wrong")
        assert cli.main(["plan", "add", str(folder), "--editor", "alice"]) == 1
        assert "not logged in, nothing was changed" in capsys.readouterr().err

    monkeypatch.setenv("SONGNAN_EDITOR_PASSWORD", PASSWORDS["alice"])
    assert cli.main(["plan", "add", str(folder), "--editor", "alice"]) == 0
    assert "added 2 new item(s) to the tracker as alice: p_synth_new, x_synth_project" in \
        capsys.readouterr().out
    assert plans.plan_ids() == ["fyp14", "synth30i"]

    items, history = store.items().set_index("id"), store.history()
    # the new items, with the plan that brought them, their status and one history entry each
    new = items.loc[sorted(NEW_IDS)]
    assert list(new["kind"]) == ["parcel", "project"]
    assert list(new["grp"]) == ["parcel", "synth30i"]
    assert list(new["status"]) == ["收储", "前期准备"]
    assert list(new["version"]) == [1, 1] and set(new["updated_by"]) == {"alice"}
    assert set(new["plan_id"]) == {"synth30i"} and new.at["p_synth_new", "zone_id"] == "centre"
    first = history[history["item_id"].isin(NEW_IDS)].set_index("item_id")
    assert list(first.loc[sorted(NEW_IDS), "effective_date"]) == ["2026-03", "2026-02"]
    assert set(first["username"]) == {"alice"} and first["from_status"].isna().all()
    assert first.at["p_synth_new", "note"] == "plan add synth30i：合成测试状态"
    # the new parcel's outline, in the store and readable by GDAL (a GeoPackage feature)
    parcels = store.parcels().set_index("id")
    outline = shapely.from_wkt("POLYGON ((121.488 31.345, 121.490 31.345, 121.490 31.347, "
                               "121.488 31.347, 121.488 31.345))")
    assert parcels.at["p_synth_new", "geometry"].equals(shapely.MultiPolygon([outline]))
    assert 40000 < parcels.at["p_synth_new", "area_m2"] < 50000   # ~190 m × ~220 m
    gdal = pyogrio.read_dataframe(store_path, layer="tracker_parcels")
    assert "p_synth_new" in set(gdal["id"]) and len(gdal) == len(parcels)

    # fyp14's items and their history are unchanged
    old = items0.set_index("id")
    pd.testing.assert_frame_equal(store.items().drop(columns=["updated_at"]).set_index("id")
                                  .loc[old.index, old.columns], old)
    pd.testing.assert_frame_equal(
        store.history().drop(columns=["recorded_at"]).query("item_id not in @NEW_IDS")
        .reset_index(drop=True), history0)

    # the new plan's targets drive the status of its own items and of the existing ones
    raw_items, raw_history = store.items(), store.history()
    new_plan = tracker_report.items_table(raw_items, raw_history, AS_OF, "zh",
                                          plan=plans.load_plan("synth30i")).set_index("id")
    first_plan = tracker_report.items_table(raw_items, raw_history, AS_OF, "zh",
                                            plan=plans.load_plan("fyp14")).set_index("id")
    assert new_plan.loc[sorted(NEW_IDS), "plan_deadline"].tolist() == ["2028", "2029"]
    assert new_plan.loc[sorted(NEW_IDS), "schedule"].tolist() == ["on_track", "on_track"]
    assert new_plan.at["p_hubei_logistics", "schedule"] == "on_track"
    assert new_plan.at["p_dongya", "schedule"] == "no_target"
    assert first_plan.loc[sorted(NEW_IDS), "schedule"].tolist() == ["no_target", "no_target"]
    assert first_plan.at["p_hubei_logistics", "schedule"] == "overdue"
    # a later plan may set targets on them: they are known items now
    assert NEW_IDS <= plans.known_item_ids()
    store.dispose()


def test_a_bad_items_file_lists_every_problem_and_adds_nothing(tmp_path, user_dir, editors,  # noqa: F811
                                                               store_path, monkeypatch, capsys):
    header, parcel, project = ITEMS_CSV.splitlines()
    bad = "\n".join([
        header, parcel, project,
        parcel,                                                     # listed twice
        project.replace("x_synth_project", "p_dongya"),             # an existing item
        project.replace("x_synth_project", "X-1").replace(",project,", ",site,"),
        project.replace("x_synth_project", "x_b").replace(",,前期准备", ",nowhere,已出让")
        .replace("测试新项目", " ").replace("2026-02", "2027-05"),
        project.replace("x_synth_project", "x_c").replace("2026-02", "2026/02")
        .replace(",true,,", ",yes,\"POLYGON ((121.488 31.345, 121.49 31.345, 121.49 31.347, "
                 "121.488 31.345))\","),
        parcel.replace("p_synth_new", "p_swapped").replace("121.488 31.345", "31.345 121.488")
        .replace(",100,", ",,"),
        parcel.replace("p_synth_new", "p_line").replace("POLYGON ((", "LINESTRING (")
        .replace("))", ")"),
        parcel.replace("p_synth_new", "p_broken").replace("POLYGON ((", "POLYGON ((("),
    ]) + "\n"
    folder = write_items_plan(tmp_path / "src", items_csv=bad)
    store = open_store(store_path)
    with pytest.raises(plans.PlanError) as err:
        plans.validate_plan_folder(folder, known_items=_check(store)["known_items"],
                                   zone_ids=plans.zone_ids(), town=plans.town_outline())
    assert [(p.code, p.params["where"]) for p in err.value.problems] == [
        ("plan_item_duplicate", "items.csv:4"),
        ("plan_item_exists", "items.csv:5"),
        ("plan_item_bad_id", "items.csv:6"), ("plan_item_kind", "items.csv:6"),
        ("plan_item_status", "items.csv:7"), ("plan_item_empty", "items.csv:7"),
        ("plan_item_date_future", "items.csv:7"), ("plan_item_zone", "items.csv:7"),
        ("plan_item_date_form", "items.csv:8"), ("plan_item_estimated", "items.csv:8"),
        ("plan_item_wkt_project", "items.csv:8"),
        ("plan_item_outside_town", "items.csv:9"), ("plan_item_accuracy", "items.csv:9"),
        ("plan_item_wkt_type", "items.csv:10"),
        ("plan_item_wkt_bad", "items.csv:11"),
    ]
    zh, en = err.value.text("zh"), err.value.text("en")
    assert "15 个问题" in zh and "已在进度跟踪中，沿用其历史记录" in zh and "经度在前" in zh
    assert "15 problems" in en and "continues with its history" in en
    items0, history0 = _state(store)
    monkeypatch.setenv("SONGNAN_EDITOR_PASSWORD", PASSWORDS["alice"])
    assert cli.main(["plan", "add", str(folder), "--editor", "alice", "--lang", "en"]) == 2
    assert "15 problems" in capsys.readouterr().err
    pd.testing.assert_frame_equal(_state(store)[0], items0)
    pd.testing.assert_frame_equal(_state(store)[1], history0)
    assert plans.plan_ids() == ["fyp14"] and not (user_dir / "plans" / "synth30i").exists()
    store.dispose()


def test_a_stale_or_unauthorised_write_is_refused_and_changes_nothing(tmp_path, user_dir,
                                                                      editors, store_path):  # noqa: F811
    folder = write_items_plan(tmp_path / "src")
    store = open_store(store_path)
    alice, bob = login(store, "alice"), login(store, "bob")
    check = _check(store)
    base = store.tracker_version()
    # no editor: refused before anything is written
    with pytest.raises(auth.EditorRequiredError):
        plans.add_plan(folder, store=store, editor=None, base_version=base, **check)
    # bob records a change after the folder was checked against `base`
    dongya = store.item("p_dongya")
    store.change_status("p_dongya", "出让准备", editor=bob, expected_version=dongya["version"],
                        effective_date="2026-11", doc_no="测试")
    items0, history0 = _state(store)
    with pytest.raises(TrackerChangedError) as err:
        plans.add_plan(folder, store=store, editor=alice, base_version=base, **check)
    assert "bob" in str(err.value) and "nothing was added" in str(err.value)
    assert "未添加任何内容" in err.value.text("zh")
    pd.testing.assert_frame_equal(_state(store)[0], items0)
    pd.testing.assert_frame_equal(_state(store)[1], history0)
    assert plans.plan_ids() == ["fyp14"]
    assert not any((user_dir / "plans").iterdir())          # no folder, no temporary copy
    # checked again against the tracker as it is now: added
    plans.add_plan(folder, store=store, editor=alice, base_version=store.tracker_version(), **check)
    assert NEW_IDS <= set(store.items()["id"])
    assert store.item("p_dongya")["status"] == "出让准备"    # bob's change kept
    store.dispose()


def test_a_store_made_before_plans_had_projects_takes_them(tmp_path, user_dir, editors,  # noqa: F811
                                                           store_path, monkeypatch):
    """Stores made with the old ``grp`` check (parcel/table5/fyp14 only) get the wider check
    in the write that adds a later plan's first project; every row is kept."""
    with monkeypatch.context() as m:
        m.setattr(schema, "GRP_CHECK", schema.OLD_GRP_CHECK)
        store = open_store(store_path)
    old_sql = sqlite3.connect(store_path).execute(
        "SELECT sql FROM sqlite_master WHERE name = 'tracker_items'").fetchone()[0]
    assert schema.OLD_GRP_CHECK in old_sql
    n = len(store.items())
    folder = write_items_plan(tmp_path / "src")
    plans.add_plan(folder, store=store, editor=login(store, "alice"),
                   base_version=store.tracker_version(), **_check(store))
    store.dispose()
    con = sqlite3.connect(store_path)
    sql = con.execute("SELECT sql FROM sqlite_master WHERE name = 'tracker_items'").fetchone()[0]
    assert schema.GRP_CHECK in sql and schema.OLD_GRP_CHECK not in sql
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT count(*) FROM tracker_items").fetchone() == (n + 2,)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        con.execute("INSERT INTO tracker_items (id, kind, grp, workflow, name, status, status_date, "
                    "version, updated_by, updated_at, attrs) VALUES ('x', 'project', '', 'project', "
                    "'x', '谋划', '2026', 1, 'a', 'b', '{}')")
    con.close()


@pytest.mark.slow
def test_on_postgis_an_old_store_takes_a_later_plans_items_and_keeps_its_own(tmp_path, user_dir,
                                                                              editors, postgis_url):  # noqa: F811
    """The same write on PostGIS: the old ``grp`` check is dropped and added again in the
    write's transaction, the new items land with their outline, fyp14's rows are unchanged."""
    import sqlalchemy as sa

    with pytest.MonkeyPatch.context() as m:
        m.setattr(schema, "GRP_CHECK", schema.OLD_GRP_CHECK)
        store = open_store(postgis_url)
    items0, history0 = _state(store)
    folder = write_items_plan(tmp_path / "src")
    plans.add_plan(folder, store=store, editor=login(store, "alice"),
                   base_version=store.tracker_version(), **_check(store))
    items = store.items().set_index("id")
    assert list(items.loc[sorted(NEW_IDS), "grp"]) == ["parcel", "synth30i"]
    assert store.parcels().set_index("id").at["p_synth_new", "geometry"].area > 0
    old = items0.set_index("id")
    pd.testing.assert_frame_equal(items.drop(columns=["updated_at"]).loc[old.index, old.columns], old)
    assert len(store.history()) == len(history0) + 2
    store.dispose()
    engine = sa.create_engine(postgis_url)
    with engine.connect() as conn:
        checks = conn.execute(sa.text(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE t.relname = 'tracker_items' AND n.nspname = current_schema() "
            "AND c.conname = 'tracker_items_grp_check'")).scalars().all()
    engine.dispose()
    assert len(checks) == 1 and "length(grp)" in checks[0] and "table5" not in checks[0]

