"""Plans as data: each plan is a folder; its period, targets and deadlines belong to it.

A plan folder (the 14th plan: ``data/plans/fyp14/``) holds:

``plan.json``
    ``id`` (lower-case letters, digits, ``_``), ``name_zh``, ``name_en``, ``period_start`` and
    ``period_end`` (ISO dates), ``baseline_year``, and the relative paths of the parts below;
    ``zones``: the ids of the zones layer (``data/geo/zones.geojson``) the plan names;
    ``carrier_indicator_seqs``: the indicator rows the carrier register feeds.
``text`` (e.g. ``songnan_14th_five_year_plan.txt``)
    The plan's text, UTF-8, byte for byte as published; every quote of the folder is checked
    against it (:func:`songnan_geo.plan.quotes.quote_in_plan`).
``indicators/``
    ``table6.csv`` (the indicator table), ``baseline_13th.csv``, ``baseline_text.csv`` and
    ``carrier_figures.csv`` (optional).
``projects/``
    The project tables the tracker is seeded from (optional).
``targets.csv``
    ``item_id, plan_target, target_status, target_rule, plan_deadline, plan_quote``: what the plan
    asks of a parcel or project of the tracker, by when. Items (parcels, projects, carrier
    parks) continue across plans with their history (the store keys them by item id, not by
    plan); a plan's targets are laid over them (:func:`with_plan_targets`).
``items.csv`` (optional, ``"items"`` in plan.json)
    The plan's **own new** parcels and projects (:data:`songnan_geo.plan.items.ITEM_COLUMNS`):
    id, kind, names, category, zone, the status they start with and since when (with its
    source), and for a parcel optionally its outline as WKT in **EPSG:4326** (lon/lat degrees)
    with ``source``, ``accuracy_m`` (metres) and ``estimated``; checked and turned into tracker
    rows by :mod:`songnan_geo.plan.items`. ``plan add`` adds them to the tracker store, each
    with its first history entry recorded by the editor; targets may name them. Projects of a
    later plan are listed under the plan's id (``grp``).

The repository's plans (``data/plans``) are never written by the app; ``plan add`` copies a
validated folder into the user folder (``<user_dir>/plans``, :func:`user_plans_dir`).
:func:`validate_plan_folder` lists **every** problem (codes of
:mod:`songnan_geo.text.error_messages`) before anything is copied.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from songnan_geo import clock, config
from songnan_geo.plan import items as plan_items, workflow
from songnan_geo.plan.items import ITEM_COLUMNS
from songnan_geo.plan.quotes import normalise
from songnan_geo.text.error_messages import msg
from songnan_geo.text.i18n import t
from songnan_geo.text.messages import LocalisedError

#: The repository's plans (read-only for the app).
REPO_PLANS_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "plans"
#: The plan the tool opens with.
DEFAULT_PLAN_ID = "fyp14"

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_REQUIRED_KEYS = ("id", "name_zh", "name_en", "period_start", "period_end", "text", "targets")
TARGET_COLUMNS = ("item_id", "plan_target", "target_status", "target_rule", "plan_deadline",
                  "plan_quote")
TABLE6_COLUMNS = ("id", "category", "seq", "name", "unit", "target_2025", "attribute",
                  "measure", "better")


class PlanError(LocalisedError, ValueError):
    """A plan folder that cannot be used; ``problems`` lists every reason (error messages)."""

    def __init__(self, folder, problems: list):
        self.folder, self.problems = str(folder), list(problems)
        super().__init__(msg("plan_problems", folder=self.folder, n=len(self.problems),
                             problems=self.problems))


@dataclass(frozen=True)
class Plan:
    """One plan: its id, names, period and where its parts are.

    ``period_start`` / ``period_end`` are Shanghai calendar dates (inclusive)."""

    id: str
    name_zh: str
    name_en: str
    period_start: dt.date
    period_end: dt.date
    folder: Path
    baseline_year: int
    meta: dict = field(default_factory=dict, hash=False, compare=False)

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh

    @property
    def text_path(self) -> Path:
        return self.folder / self.meta["text"]

    @property
    def indicators_dir(self) -> Path | None:
        part = self.meta.get("indicators")
        return self.folder / part if part else None

    @property
    def projects_dir(self) -> Path | None:
        part = self.meta.get("projects")
        return self.folder / part if part else None

    @property
    def carrier_figures_path(self) -> Path | None:
        part = self.meta.get("carrier_figures")
        return self.folder / part if part else None

    @property
    def zone_ids(self) -> list[str]:
        return list(self.meta.get("zones", []))

    @property
    def carrier_indicator_seqs(self) -> list[int]:
        return [int(s) for s in self.meta.get("carrier_indicator_seqs", [])]

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        return self.period_start, self.period_end

    @property
    def repository(self) -> bool:
        """True for a plan shipped in the repository (``data/plans``)."""
        return REPO_PLANS_DIR.resolve() in self.folder.resolve().parents

    @property
    def items_path(self) -> Path | None:
        part = self.meta.get("items")
        return self.folder / part if part else None

    def new_items(self) -> pd.DataFrame:
        """The plan's own new parcels and projects (``items.csv``, all text, '' where empty);
        no rows for a plan without them."""
        path = self.items_path
        if path is None:
            return pd.DataFrame(columns=list(ITEM_COLUMNS))
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")

    def read_text(self) -> str:
        return self.text_path.read_text(encoding="utf-8")

    def targets(self) -> pd.DataFrame:
        """The plan's targets (``targets.csv``), all text ('' where empty)."""
        return pd.read_csv(self.folder / self.meta["targets"], dtype=str, keep_default_na=False)

    def target_quotes(self) -> dict[str, str]:
        """Item id → the plan's words for its target (``plan_quote`` of ``targets.csv``)."""
        targets = self.targets()
        return dict(zip(targets["item_id"], targets["plan_quote"]))

    def ended(self, today: dt.date | None = None) -> bool:
        """True when ``today`` (default: :func:`songnan_geo.clock.today`) is after the period."""
        return (today or clock.today()) > self.period_end

    def default_as_of(self, today: dt.date | None = None) -> dt.date:
        """The date a page evaluates on by default: today, or the period's end once it is over
        (and the start before it has begun)."""
        today = today or clock.today()
        return min(max(today, self.period_start), self.period_end)


# --------------------------------------------------------------------------- where plans live

def user_plans_dir() -> Path:
    """Plans added with ``plan add``: ``<user_dir>/plans``."""
    return config.user_dir() / "plans"


def _plan_folders() -> dict[str, Path]:
    """Plan id → folder; a user plan never shadows a repository plan of the same id. Hidden
    folders (``.<id>.adding``: :func:`add_plan`'s temporary copy, left by a killed add) are
    not plans."""
    out: dict[str, Path] = {}
    for root in (REPO_PLANS_DIR, user_plans_dir()):
        if not root.is_dir():
            continue
        for sub in sorted(root.iterdir()):
            if not sub.name.startswith(".") and (sub / "plan.json").is_file() and sub.name not in out:
                out[sub.name] = sub
    return out


def plan_ids() -> list[str]:
    """Ids of the plans available, ordered by period start (then id)."""
    return [p.id for p in list_plans()]


def list_plans() -> list[Plan]:
    """Every plan (repository and user folder) that loads, ordered by period start."""
    plans = []
    for folder in _plan_folders().values():
        try:
            plans.append(read_plan(folder))
        except PlanError:
            continue
    return sorted(plans, key=lambda p: (p.period_start, p.id))


def load_plan(plan: str | Path | Plan | None = None) -> Plan:
    """A plan by id (``"fyp14"``), folder, or as given; None for :data:`DEFAULT_PLAN_ID`."""
    if isinstance(plan, Plan):
        return plan
    plan = DEFAULT_PLAN_ID if plan is None else plan
    folders = _plan_folders()
    if isinstance(plan, str) and plan in folders:
        return read_plan(folders[plan])
    if Path(plan).is_dir():
        return read_plan(plan)
    raise PlanError(plan, [msg("plan_unknown", plan=str(plan), known=sorted(folders))])


def _read_meta(folder: Path, problems: list) -> dict | None:
    path = folder / "plan.json"
    if not path.is_file():
        problems.append(msg("plan_no_meta", folder=str(folder)))
        return None
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(msg("plan_meta_unreadable", path=str(path), error=str(exc)))
        return None
    if not isinstance(meta, dict):
        problems.append(msg("plan_meta_unreadable", path=str(path), error="not a JSON object"))
        return None
    missing = [k for k in _REQUIRED_KEYS if not meta.get(k)]
    if missing:
        problems.append(msg("plan_meta_missing", keys=missing))
    return meta


def _date(meta: dict, key: str, problems: list) -> dt.date | None:
    value = meta.get(key)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(msg("plan_bad_date", key=key, value=str(value)))
        return None


def read_plan(folder: str | Path) -> Plan:
    """Read ``plan.json`` of ``folder`` (only the metadata is checked; see
    :func:`validate_plan_folder` for the whole folder). Raises :class:`PlanError`."""
    folder = Path(folder)
    problems: list = []
    meta = _read_meta(folder, problems)
    if meta is None or problems:
        raise PlanError(folder, problems)
    start, end = _date(meta, "period_start", problems), _date(meta, "period_end", problems)
    if not _ID_RE.match(str(meta["id"])):
        problems.append(msg("plan_bad_id", id=str(meta["id"])))
    if start and end and start >= end:
        problems.append(msg("plan_period_order", start=start.isoformat(), end=end.isoformat()))
    baseline = meta.get("baseline_year", (start.year - 1) if start else None)
    if not isinstance(baseline, int):
        problems.append(msg("plan_bad_baseline", value=str(baseline)))
    if problems:
        raise PlanError(folder, problems)
    return Plan(id=meta["id"], name_zh=meta["name_zh"], name_en=meta["name_en"],
                period_start=start, period_end=end, folder=folder, baseline_year=baseline,
                meta=meta)


# --------------------------------------------------------------------------- validation

def _read_csv(path: Path, columns, problems: list) -> pd.DataFrame | None:
    if not path.is_file():
        problems.append(msg("plan_missing_file", path=str(path)))
        return None
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.append(msg("plan_csv_unreadable", path=str(path), error=str(exc).strip()))
        return None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        problems.append(msg("plan_csv_columns", path=str(path), missing=missing))
        return None
    return frame


def _check_targets(plan: Plan, text: str | None, known_items, problems: list) -> None:
    path = plan.folder / plan.meta["targets"]
    frame = _read_csv(path, TARGET_COLUMNS, problems)
    if frame is None:
        return
    statuses = {s for w in workflow.WORKFLOWS.values() for s in w.statuses}
    norm_text = normalise(text) if text else None
    seen = set()
    for n, row in enumerate(frame.itertuples(index=False), start=2):
        where = f"{path.name}:{n}"
        if row.item_id in seen:
            problems.append(msg("plan_target_duplicate", where=where, item=row.item_id))
        seen.add(row.item_id)
        if known_items is not None and row.item_id not in known_items:
            problems.append(msg("plan_target_unknown_item", where=where, item=row.item_id))
        if row.target_status not in statuses:
            problems.append(msg("plan_target_status", where=where, status=row.target_status,
                                statuses=sorted(statuses)))
        if row.target_rule not in ("reach", "pass"):
            problems.append(msg("plan_target_rule", where=where, rule=row.target_rule))
        try:
            due = workflow.parse_period(row.plan_deadline, end=True)
            if not plan.period_start <= due <= plan.period_end:
                problems.append(msg("plan_deadline_outside", where=where, deadline=row.plan_deadline,
                                    start=plan.period_start.isoformat(),
                                    end=plan.period_end.isoformat()))
        except workflow.PeriodError:
            problems.append(msg("plan_deadline_form", where=where, deadline=row.plan_deadline))
        if not row.plan_quote.strip():
            problems.append(msg("plan_target_no_quote", where=where, item=row.item_id))
        elif norm_text is not None and normalise(row.plan_quote) not in norm_text:
            problems.append(msg("plan_quote_not_in_text", where=where, quote=row.plan_quote))


def _check_indicators(plan: Plan, problems: list) -> None:
    from songnan_geo.plan.indicators import IndicatorError, indicators_from_frames

    folder = plan.indicators_dir
    if folder is None:
        return
    table = _read_csv(folder / "table6.csv", TABLE6_COLUMNS, problems)
    if table is None:
        return
    dupes = sorted({i for i in table["id"] if (table["id"] == i).sum() > 1})
    if dupes:
        problems.append(msg("plan_indicator_duplicate", ids=dupes))
    empty = pd.DataFrame(columns=["table6_seq", "baseline_value", "table", "seq", "name"])
    for n, row in enumerate(table.to_dict("records"), start=2):
        try:
            indicators_from_frames(pd.DataFrame([{**row, "note": row.get("note", "")}]), empty)
        except IndicatorError as exc:
            problems.append(msg("plan_indicator_row", where=f"table6.csv:{n}", error=exc.message))


def _check_carriers(plan: Plan, problems: list) -> None:
    """``carrier_indicator_seqs``: none, or two rows of the plan's indicator table (new carriers,
    high-tech enterprises); ``carrier_figures``: a file that is there."""
    raw = plan.meta.get("carrier_indicator_seqs", [])
    try:
        seqs = [int(s) for s in raw]
    except (TypeError, ValueError):
        seqs = None
    if seqs is None or (seqs and len(seqs) != 2):
        problems.append(msg("carrier_seqs_not_two", plan=plan.id, seqs=raw))
    elif seqs:
        table = plan.indicators_dir / "table6.csv" if plan.indicators_dir is not None else None
        known = (sorted(int(s) for s in pd.read_csv(table, dtype=str)["seq"] if str(s).isdigit())
                 if table is not None and table.is_file() else [])
        unknown = [s for s in seqs if s not in known]
        if unknown:
            problems.append(msg("plan_carrier_seqs_unknown", seqs=unknown, known=known))
    path = plan.carrier_figures_path
    if path is not None and not path.is_file():
        problems.append(msg("plan_missing_file", path=str(path)))


def validate_plan_folder(folder: str | Path, *, known_items=None, zone_ids=None,
                         existing_ids=(), town=None) -> Plan:
    """Check a plan folder; return its :class:`Plan` or raise :class:`PlanError` listing
    **every** problem found.

    Parameters
    ----------
    folder : path
    known_items : set of str, optional
        The tracker's item ids (parcels and projects); targets must name one of them.
    zone_ids : set of str, optional
        The zones layer's ids; ``zones`` of plan.json must name them.
    existing_ids : iterable of str
        Plan ids already present (a new plan may not reuse one).
    town : shapely geometry, optional
        The town's boundary (EPSG:4326); a new parcel's outline must touch it.
    """
    folder = Path(folder)
    problems: list = []
    meta = _read_meta(folder, problems)
    if meta is None:
        raise PlanError(folder, problems)
    try:
        plan = read_plan(folder)
    except PlanError as exc:
        problems.extend(p for p in exc.problems if p not in problems)
        raise PlanError(folder, problems) from None
    if plan.id in set(existing_ids):
        problems.append(msg("plan_id_taken", id=plan.id))
    text = None
    if not plan.text_path.is_file():
        problems.append(msg("plan_missing_file", path=str(plan.text_path)))
    else:
        try:
            text = plan.read_text()
            if not text.strip():
                problems.append(msg("plan_text_empty", path=str(plan.text_path)))
                text = None
        except UnicodeDecodeError:
            problems.append(msg("plan_text_encoding", path=str(plan.text_path)))
    new_ids: set[str] = set()
    if plan.items_path is not None:
        frame = _read_csv(plan.items_path, ITEM_COLUMNS, problems)
        if frame is not None:
            new_ids = plan_items.check_item_rows(frame, plan.items_path.name, known_items,
                                                 zone_ids, town, problems)
    if known_items is not None:
        known_items = set(known_items) | new_ids
    _check_targets(plan, text, known_items, problems)
    _check_indicators(plan, problems)
    _check_carriers(plan, problems)
    if zone_ids is not None:
        unknown = [z for z in plan.zone_ids if z not in set(zone_ids)]
        if unknown:
            problems.append(msg("plan_unknown_zones", zones=unknown, known=sorted(zone_ids)))
    if problems:
        raise PlanError(folder, problems)
    return plan


def known_item_ids(layers_dir: str | Path | None = None) -> set[str]:
    """Ids of the items the tracker knows: the parcels layer, every plan's project tables and
    every added plan's own new items."""
    from songnan_geo.layers.io import load_layer

    ids = set(load_layer("parcels", layers_dir or config.data_dir())["id"])
    for plan in list_plans():
        if plan.projects_dir and plan.projects_dir.is_dir():
            for csv in sorted(plan.projects_dir.glob("*.csv")):
                ids |= set(pd.read_csv(csv, dtype=str, keep_default_na=False)["id"])
        if plan.items_path is not None and plan.items_path.is_file():
            ids |= set(plan.new_items()["id"])
    return ids


def item_ids_known_before(plan_id: str, tracker_items: pd.DataFrame,
                          layers_dir: str | Path | None = None) -> set[str]:
    """Ids the new items of plan ``plan_id`` may not reuse: :func:`known_item_ids` and the
    tracker's items (``tracker_items``, :meth:`songnan_geo.store.tracker.TrackerStore.items`),
    except the tracker's items brought by this same plan (``plan_id``), which a ``plan add``
    of it killed before its folder was in place leaves behind. The store then takes them only
    if they are exactly the folder's (:meth:`~songnan_geo.store.tracker.TrackerStore.add_items`),
    and :func:`add_plan` finishes the folder step; once the folder is in place the plan's id is
    taken and its items are known by :func:`known_item_ids`."""
    brought = (tracker_items["plan_id"] if "plan_id" in tracker_items.columns
               else pd.Series(None, index=tracker_items.index, dtype=object))
    return known_item_ids(layers_dir) | set(tracker_items["id"][brought != plan_id])


def zones_layer(layers_dir: str | Path | None = None):
    """The zones layer (GeoDataFrame, EPSG:4326, ``id`` and ``kind``)."""
    from songnan_geo.layers.io import load_layer

    return load_layer("zones", layers_dir or config.data_dir())


def zone_ids(layers_dir: str | Path | None = None) -> set[str]:
    """Ids of the zones layer."""
    return set(zones_layer(layers_dir)["id"])


def town_outline(layers_dir: str | Path | None = None):
    """The town's boundary (one shapely geometry, EPSG:4326)."""
    from songnan_geo.layers.io import load_layer

    return load_layer("boundary", layers_dir or config.data_dir()).geometry.union_all()


def add_plan(folder: str | Path, *, dest: str | Path | None = None, known_items=None,
             zones=None, town=None, store=None, editor=None, base_version: int | None = None,
             dry_run: bool = False, zone_layer=None) -> Plan:
    """Validate ``folder`` (every problem listed, nothing copied on a problem) and copy it to
    ``dest`` (default :func:`user_plans_dir`) as ``<dest>/<id>``; return the added plan.

    A plan with its own new items (``items.csv``) adds them to the tracker ``store``
    (:meth:`songnan_geo.store.tracker.TrackerStore.add_items`) as ``editor``, based on the
    store's ``base_version`` (:meth:`~songnan_geo.store.tracker.TrackerStore.tracker_version`,
    read before the folder was checked): a store that changed meanwhile, or a missing editor,
    refuses the write and nothing is added, neither the items nor the folder.

    ``zone_layer`` (default :func:`zones_layer`) gives the new parcels' ``in_centre``
    (:func:`songnan_geo.plan.items.new_item_records`).

    Crash safety: the copy is made in a temporary folder beside the target, the store's write
    (one transaction) follows, and the folder is renamed into place last (one ``rename``). A
    process killed (``kill -9``) before the store's commit changes nothing that counts (a
    stale temporary copy is replaced by the next run); killed after the commit but before the
    rename, it leaves the items in the store without their folder. Running the same
    ``plan add`` again then finishes it: the items brought by this plan are not counted as
    existing (:func:`item_ids_known_before`), and the store writes nothing when it holds
    exactly this folder's items (same fields, first history row and outline; later status
    changes kept) and returns no ids, so only the folder step is made. An editor and a
    current ``base_version`` are needed for that run too; a folder whose items differ from
    the stored ones is refused and nothing changes. With ``dry_run`` the folder is only
    checked (the plan returned is the folder's; nothing is written).
    """
    dest = Path(dest) if dest else user_plans_dir()
    existing = set(_plan_folders()) | ({p.name for p in dest.iterdir()} if dest.is_dir() else set())
    plan = validate_plan_folder(folder, known_items=known_items, zone_ids=zones,
                                existing_ids=existing, town=town)
    if dry_run:
        return plan
    items, outlines = plan_items.new_item_records(
        plan, zone_layer if zone_layer is not None else zones_layer())
    if items and (store is None or base_version is None):
        raise ValueError(f"plan {plan.id} brings {len(items)} new item(s): pass the tracker "
                         "store, the editor and the store's base_version to add them.")
    dest.mkdir(parents=True, exist_ok=True)
    tmp = dest / f".{plan.id}.adding"
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(folder, tmp)
    if items:
        try:
            store.add_items(items, outlines, editor=editor, base_version=base_version,
                            note=f"plan add {plan.id}")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    tmp.rename(dest / plan.id)
    return read_plan(dest / plan.id)


# --------------------------------------------------------------------------- targets over items

def with_plan_targets(items: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The tracker's items with the targets and deadlines of ``plan``.

    ``plan_target``, ``target_status``, ``target_rule`` and ``plan_deadline`` are replaced by
    the plan's (None for an item the plan sets no target for); every other column, and the
    items' history, are the store's.
    """
    targets = plan.targets().set_index("item_id")
    out = items.copy()
    for col in ("plan_target", "target_status", "target_rule", "plan_deadline"):
        out[col] = out["id"].map(targets[col]).where(out["id"].isin(targets.index), None)
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def period_state(plan: Plan, as_of: dt.date, today: dt.date | None = None) -> str:
    """Where ``as_of`` and today stand against the plan's period.

    ``"running"`` (today within the period), ``"ended"`` (today after it; ``as_of`` within),
    ``"ended_as_of_after"`` (today after it and ``as_of`` after the end too: results are "as of
    today", beyond the period), ``"not_started"`` (today before it), ``"as_of_outside"`` (the
    period runs, but ``as_of`` is outside it)."""
    today = today or clock.today()
    inside = plan.period_start <= as_of <= plan.period_end
    if today > plan.period_end:
        return "ended" if inside else "ended_as_of_after" if as_of > plan.period_end \
            else "as_of_outside"
    if today < plan.period_start:
        return "not_started"
    return "running" if inside else "as_of_outside"


def lateness(deadline: str | None, done_on: dt.date | None, as_of: dt.date) -> tuple[str, int] | None:
    """How late an item is, or when it was done: ``("late", days)`` past ``deadline`` on
    ``as_of`` for an unfinished item, ``("done_late", days)`` / ``("done_on_time", days_early)``
    for an item done on ``done_on``; None without a deadline."""
    if not deadline:
        return None
    due = workflow.parse_period(deadline, end=True)
    if done_on is not None:
        return ("done_late", (done_on - due).days) if done_on > due else \
            ("done_on_time", (due - done_on).days)
    return ("late", (as_of - due).days) if as_of > due else None


def lateness_text(kind_days: tuple[str, int] | None, done_on: dt.date | None, lang: str) -> str:
    """:func:`lateness` in words: '逾期 338 天（约 11 个月）', '2024-03-01 达成（期限内）', or ''."""
    if kind_days is None:
        return ""
    kind, days = kind_days
    if kind == "late":
        return t("tr_late_days", lang).format(days=days, months=round(days / 30.44))
    return t(f"tr_{kind}", lang).format(date=done_on.isoformat(), days=days)
