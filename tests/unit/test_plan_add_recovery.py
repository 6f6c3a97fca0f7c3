"""``plan add`` after a ``kill -9``, and what it writes for a new parcel.

Crash safety: the store's write (one transaction) comes before the plan folder's rename. A
child process running the real ``plan add`` command is killed with SIGKILL right after the
store's write returned, before the rename (``TrackerStore.add_items`` wrapped in the child, no
hook in the product), and right before the write. Running the same command again then
finishes the add (or, before the write, simply makes it); an unauthorised, stale or changed
rerun is refused and changes nothing.

New parcels: ``in_centre`` computed as for the shipped parcels, and the GeoPackage's stored
extent of ``tracker_parcels`` (``gpkg_contents``) kept true after the write.

Both backends: GeoPackage, and PostGIS when ``SONGNAN_TEST_POSTGIS_URL`` is set (slow). The
synthetic 2026–2030 plan is built in the test (tests/plan_testlib.py); nothing is shipped."""
from __future__ import annotations

import datetime as dt
import signal
import sqlite3
from contextlib import closing

import pandas as pd
import pyogrio
import pytest
import shapely
from conftest import python_child
from plan_testlib import ITEMS_CSV, write_items_plan
from tracker_testlib import PASSWORDS, editors, login, postgis_url, store_url  # noqa: F401

from songnan_geo import auth, cli, clock
from songnan_geo.plan import registry as plans
from songnan_geo.plan.zones import in_centre
from songnan_geo.store.tracker import TrackerChangedError, open_store

NEW_IDS = ["p_synth_new", "x_synth_project"]

#: The child: the real command, with the store's write wrapped so that the process kills
#: itself with SIGKILL after (``after``) or before (``before``) the write.
CHILD = """
import datetime as dt, os, signal
from songnan_geo import cli, clock
from songnan_geo.store.tracker import TrackerStore
clock.now = lambda: dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.timezone.utc)
real = TrackerStore.add_items
def add_items(self, *args, **kwargs):
    if {when!r} == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    real(self, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
TrackerStore.add_items = add_items
cli.main(["plan", "add", {folder!r}, "--editor", "alice"])
raise SystemExit("not killed")
"""


@pytest.fixture
def user_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SONGNAN_USER_DIR", str(tmp_path / "user"))
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.timezone.utc))
    return tmp_path / "user"


@pytest.fixture
def app_store(store_url, monkeypatch):  # noqa: F811
    """The app's store (as the command opens it) is ``store_url``: a GeoPackage or PostGIS."""
    monkeypatch.delenv("SONGNAN_STORE_URL", raising=False)
    monkeypatch.delenv("SONGNAN_STORE_PATH", raising=False)
    monkeypatch.setenv("SONGNAN_STORE_URL" if "://" in store_url else "SONGNAN_STORE_PATH",
                       store_url)
    return store_url


def _state(store):
    return (store.items().drop(columns=["updated_at"]),
            store.history().drop(columns=["recorded_at"]), store.parcels())


def _assert_same(store, state):
    for now, then in zip(_state(store), state):
        pd.testing.assert_frame_equal(now, then)


def _kill_child(folder, when: str) -> None:
    proc = python_child(CHILD.format(when=when, folder=str(folder)))
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr[-2000:])


def test_plan_add_killed_between_the_store_and_the_folder_is_finished_by_running_it_again(
        tmp_path, user_dir, editors, app_store, monkeypatch, capsys):  # noqa: F811
    folder = write_items_plan(tmp_path / "src")
    store = open_store(app_store)
    n_history = len(store.history())
    monkeypatch.setenv("SONGNAN_EDITOR_PASSWORD", PASSWORDS["alice"])
    _kill_child(folder, "after")

    # the kill left the items in the store, without their plan folder
    assert set(NEW_IDS) <= set(store.items()["id"])
    assert len(store.history()) == n_history + 2
    assert plans.plan_ids() == ["fyp14"] and not (user_dir / "plans" / "synth30i").exists()
    killed = _state(store)

    # an unauthorised rerun is refused and changes nothing
    monkeypatch.delenv("SONGNAN_EDITOR_PASSWORD")
    assert cli.main(["plan", "add", str(folder)]) == 2
    assert "needs an editor" in capsys.readouterr().err
    monkeypatch.setenv("SONGNAN_EDITOR_PASSWORD", "wrong")
    assert cli.main(["plan", "add", str(folder), "--editor", "alice"]) == 1
    capsys.readouterr()
    _assert_same(store, killed)
    alice = login(store, "alice")
    with pytest.raises(auth.EditorRequiredError):
        plans.add_plan(folder, store=store, editor=None, base_version=store.tracker_version(),
                       **_check(store, "synth30i"))
    # a stale one too (checked against a version the tracker has moved on from)
    with pytest.raises(TrackerChangedError, match="nothing was added"):
        plans.add_plan(folder, store=store, editor=alice, base_version=store.tracker_version() - 1,
                       **_check(store, "synth30i"))
    # and a folder whose items are not the ones written then: a renamed parcel, or one item fewer
    header, parcel, project = ITEMS_CSV.splitlines()
    changed = write_items_plan(tmp_path / "changed", items_csv="\n".join(
        [header, parcel.replace("测试新地块", "改过的地块"), project]) + "\n")
    fewer = write_items_plan(tmp_path / "fewer", items_csv=f"{header}\n{project}\n")
    targets = (fewer / "targets.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (fewer / "targets.csv").write_text("".join(t for t in targets if not t.startswith("p_synth_new")),
                                       encoding="utf-8")
    monkeypatch.setenv("SONGNAN_EDITOR_PASSWORD", PASSWORDS["alice"])
    for other in (changed, fewer):
        assert cli.main(["plan", "add", str(other), "--editor", "alice", "--lang", "en"]) == 1
        err = capsys.readouterr().err
        assert "from an earlier plan add that did not finish" in err and "synth30i" in err
        with pytest.raises(TrackerChangedError) as exc:
            plans.add_plan(other, store=store, editor=alice, base_version=store.tracker_version(),
                           **_check(store, "synth30i"))
        assert "未完成的规划添加" in exc.value.text("zh")
    _assert_same(store, killed)
    assert plans.plan_ids() == ["fyp14"]

    # the items are in the tracker: bob records a change to one meanwhile, which is kept
    bob = login(store, "bob")
    store.change_status("p_synth_new", "出让准备", editor=bob, expected_version=1,
                        effective_date="2026-11")
    before_rerun = _state(store)

    # the dry run says so
    assert cli.main(["plan", "add", str(folder), "--dry-run"]) == 0
    assert ("the tracker holds p_synth_new, x_synth_project from an earlier, interrupted "
            "'plan add synth30i'") in capsys.readouterr().out
    # the same command again: only the folder step is made
    assert cli.main(["plan", "add", str(folder), "--editor", "alice"]) == 0
    out = capsys.readouterr().out
    assert "from an earlier, interrupted 'plan add synth30i' already" in out
    assert plans.plan_ids() == ["fyp14", "synth30i"]
    assert sorted(p.name for p in (user_dir / "plans").iterdir()) == ["synth30i"]  # no temporary
    assert (user_dir / "plans" / "synth30i" / "items.csv").read_text(encoding="utf-8") == ITEMS_CSV
    _assert_same(store, before_rerun)                 # nothing written twice, bob's change kept
    assert store.item("p_synth_new")["status"] == "出让准备"
    assert set(NEW_IDS) <= plans.known_item_ids()
    # and once more: the plan is there, refused, nothing changes
    assert cli.main(["plan", "add", str(folder), "--editor", "alice", "--lang", "en"]) == 2
    assert "synth30i" in capsys.readouterr().err
    _assert_same(store, before_rerun)
    store.dispose()


def test_plan_add_killed_before_the_store_write_changed_nothing_and_runs_again(
        tmp_path, user_dir, editors, app_store, monkeypatch, capsys):  # noqa: F811
    folder = write_items_plan(tmp_path / "src")
    store = open_store(app_store)
    state = _state(store)
    monkeypatch.setenv("SONGNAN_EDITOR_PASSWORD", PASSWORDS["alice"])
    _kill_child(folder, "before")
    _assert_same(store, state)
    assert plans.plan_ids() == ["fyp14"]
    # only the dead process's temporary copy is left, never a plan
    assert [p.name for p in (user_dir / "plans").iterdir()] == [".synth30i.adding"]
    assert cli.main(["plan", "add", str(folder), "--editor", "alice"]) == 0
    assert "added 2 new item(s) to the tracker as alice" in capsys.readouterr().out
    assert sorted(p.name for p in (user_dir / "plans").iterdir()) == ["synth30i"]
    assert set(NEW_IDS) <= set(store.items()["id"])
    assert len(store.history()) == len(state[1]) + 2
    store.dispose()


def _check(store, plan_id):
    return dict(known_items=plans.item_ids_known_before(plan_id, store.items()),
                zones=plans.zone_ids(), town=plans.town_outline())


#: Two new parcels: one inside the public centre (一心) zone, one east of every shipped parcel
#: (outside the stored extent of the tracker's parcels, inside the town); drawn for the test.
CENTRE_WKT = "POLYGON ((121.474 31.340, 121.476 31.340, 121.476 31.342, 121.474 31.342, 121.474 31.340))"
EAST_WKT = "POLYGON ((121.506 31.350, 121.508 31.350, 121.508 31.352, 121.506 31.352, 121.506 31.350))"


def _more_parcels_csv() -> str:
    header, parcel, project = ITEMS_CSV.splitlines()
    old_wkt = parcel.split('"')[1]
    centre = parcel.replace("p_synth_new", "p_synth_centre").replace(old_wkt, CENTRE_WKT)
    east = parcel.replace("p_synth_new", "p_synth_east").replace(old_wkt, EAST_WKT)
    return "\n".join([header, parcel, project, centre, east]) + "\n"


def test_new_parcels_get_in_centre_and_the_geopackage_extent_stays_true(
        tmp_path, user_dir, editors, store_url):  # noqa: F811
    folder = write_items_plan(tmp_path / "src", items_csv=_more_parcels_csv())
    store = open_store(store_url)
    gpkg = "://" not in store_url
    if gpkg:
        with closing(sqlite3.connect(store_url)) as con:
            extent0 = con.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents "
                                  "WHERE table_name = 'tracker_parcels'").fetchone()
        assert extent0[2] < 121.506                      # the east parcel lies beyond it
    plans.add_plan(folder, store=store, editor=login(store, "alice"),
                   base_version=store.tracker_version(), **_check(store, "synth30i"))

    parcels = store.parcels().set_index("id")
    new = ["p_synth_centre", "p_synth_east", "p_synth_new"]
    # computed from the outline as for the shipped parcels (tools/build_data.py)
    assert parcels.loc[new, "in_centre"].tolist() == [True, False, False]
    zones = plans.zones_layer()
    assert parcels.loc[new, "in_centre"].tolist() == in_centre(parcels.loc[new], zones).tolist()
    # the same kind of value as the shipped parcels' (a JSON boolean), a project has none
    shipped = parcels.drop(index=new)["in_centre"]
    assert {type(v) for v in shipped} == {type(v) for v in parcels.loc[new, "in_centre"]} == {bool}
    assert store.item("x_synth_project")["attrs"]["in_centre"] is None

    if gpkg:
        store.dispose()
        gdal = pyogrio.read_dataframe(store_url, layer="tracker_parcels")
        assert set(new) <= set(gdal["id"])
        bounds = tuple(gdal.total_bounds)
        with closing(sqlite3.connect(store_url)) as con:
            rows = dict((r[0], r[1:]) for r in con.execute(
                "SELECT table_name, min_x, min_y, max_x, max_y, last_change FROM gpkg_contents "
                "WHERE table_name IN ('tracker_parcels', 'tracker_parcels_status')"))
        for table in ("tracker_parcels", "tracker_parcels_status"):
            assert rows[table][:4] == pytest.approx(bounds, abs=0), table
        assert rows["tracker_parcels"][2] == 121.508     # grown to take the east parcel
        assert rows["tracker_parcels"][:4] != extent0
        assert dt.datetime.strptime(rows["tracker_parcels"][4], "%Y-%m-%dT%H:%M:%S.%fZ")
        # GDAL reads the same extent from the file
        info = pyogrio.read_info(store_url, layer="tracker_parcels")
        assert tuple(info["total_bounds"]) == pytest.approx(bounds, abs=0)
        with closing(sqlite3.connect(store_url)) as con:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    else:
        store.dispose()
    assert shapely.from_wkt(CENTRE_WKT).equals(parcels.at["p_synth_centre", "geometry"])
