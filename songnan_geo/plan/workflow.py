"""Status workflow of the tracker: legal steps, corrections, and on-track / due-soon / overdue.

Pure functions and small classes, no I/O: :mod:`songnan_geo.store.tracker` calls
:func:`check_change` inside its write transaction, and the tracker page calls
:func:`schedule_table` and :func:`timeline_segments` on what the store returns.

Two workflows:

* :data:`PARCEL_WORKFLOW` — the parcel vocabulary of ``data/geo/parcels.geojson``
  (研究/先行先试 → 规划调整/编制 → 收储 → 出让准备 → 已出让 → 在建 → 建成, and 暂缓);
* :data:`PROJECT_WORKFLOW` — the project states of the plan's Table 5 (建设中, 基本完成,
  已完成), preceded by 谋划 and 前期准备, and 暂缓.

A change that is not a step of the workflow (e.g. 研究/先行先试 → 在建) is an
:class:`IllegalTransitionError` unless the editor records it as a *correction* with a reason;
the reason is kept in the history.

Dates: a status date is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (the plan dates its statuses
by month, e.g. "2021-01"). A deadline such as "2025" means the **end** of that period
(2025-12-31); a status date means its **start** (2021-01 → 2021-01-01).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from songnan_geo import clock
from songnan_geo.text.error_messages import msg
from songnan_geo.text.messages import LocalisedError

#: The status "on hold"; resuming returns to the status held before the pause.
PAUSED = "暂缓"

#: Default window before a deadline in which an unfinished item is "due soon" (days).
DUE_SOON_DAYS = 183

#: Schedule states, in the order the page lists them.
SCHEDULE_STATES = ("reached", "on_track", "due_soon", "overdue", "no_target", "no_data")

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_MIN_REASON_CHARS = 4
MAX_NOTE_CHARS = 500
MAX_DOC_NO_CHARS = 100


class WorkflowError(LocalisedError, ValueError):
    """A status change that the workflow does not allow; ``problems`` lists every reason.

    The problems are :class:`songnan_geo.text.error_messages.ErrorMessage` (code and values):
    ``str(exc)`` is English, ``exc.text("zh")`` Chinese."""

    def __init__(self, problems: list):
        self.problems = list(problems)
        super().__init__(msg("workflow_problems", problems=self.problems))


class IllegalTransitionError(WorkflowError):
    """A jump that is not a step of the workflow, recorded without a correction reason;
    ``problems`` lists it first, then the change's ``other_problems``."""

    def __init__(self, workflow: "Workflow", current: str, new: str, allowed: list[str],
                 other_problems: list = ()):
        self.workflow, self.current, self.new, self.allowed = workflow.name, current, new, allowed
        super().__init__([msg("workflow_illegal_step", current=current, new=new,
                              workflow=msg(f"workflow_{workflow.name}"),
                              allowed="、".join(allowed) if allowed else msg("workflow_final"),
                              n=_MIN_REASON_CHARS), *other_problems])


@dataclass(frozen=True)
class Workflow:
    """A status vocabulary and its legal steps.

    Parameters
    ----------
    name : str
        ``"parcel"`` or ``"project"``.
    path : tuple of str
        The statuses in their normal order (rank 0 first). :data:`PAUSED` is not on it.
    steps : dict of str to tuple of str
        For each status on ``path``, the statuses it may move to without a correction.
        Every non-final status may also move to :data:`PAUSED`; from :data:`PAUSED` the
        item resumes to the status it was paused from.
    """

    name: str
    path: tuple[str, ...]
    steps: dict[str, tuple[str, ...]] = field(hash=False)

    @property
    def statuses(self) -> tuple[str, ...]:
        return self.path + (PAUSED,)

    @property
    def final(self) -> str:
        return self.path[-1]

    def rank(self, status: str, paused_from: str | None = None) -> int | None:
        """Position of ``status`` on the path (:data:`PAUSED` counts as ``paused_from``)."""
        if status == PAUSED:
            return self.path.index(paused_from) if paused_from in self.path else None
        return self.path.index(status) if status in self.path else None

    def allowed_next(self, status: str, paused_from: str | None = None) -> list[str]:
        """Statuses reachable from ``status`` in one legal step."""
        if status == PAUSED:
            if paused_from in self.path:
                return [paused_from]
            return [s for s in self.path if s != self.final]  # pause of unknown origin
        if status not in self.steps:
            return []
        nxt = list(self.steps[status])
        if status != self.final:
            nxt.append(PAUSED)
        return nxt


PARCEL_WORKFLOW = Workflow(
    name="parcel",
    path=("研究/先行先试", "规划调整/编制", "收储", "出让准备", "已出让", "在建", "建成"),
    steps={
        "研究/先行先试": ("规划调整/编制",),
        # back to study; to land reserve; to sale preparation where the land is already
        # held by the state; straight to construction where the owner renews its own
        # site without a sale (e.g. a park such as 中成智谷).
        "规划调整/编制": ("研究/先行先试", "收储", "出让准备", "在建"),
        "收储": ("出让准备",),
        "出让准备": ("已出让", "收储"),
        "已出让": ("在建",),
        "在建": ("建成",),
        "建成": (),
    },
)

PROJECT_WORKFLOW = Workflow(
    name="project",
    path=("谋划", "前期准备", "建设中", "基本完成", "已完成"),
    steps={
        "谋划": ("前期准备",),
        "前期准备": ("谋划", "建设中"),
        "建设中": ("基本完成", "已完成"),
        "基本完成": ("已完成",),
        "已完成": (),
    },
)

WORKFLOWS = {w.name: w for w in (PARCEL_WORKFLOW, PROJECT_WORKFLOW)}


def get_workflow(name: str) -> Workflow:
    if name not in WORKFLOWS:
        raise ValueError(f"workflow '{name}' is unknown. Valid workflows: {', '.join(WORKFLOWS)}.")
    return WORKFLOWS[name]


# --------------------------------------------------------------------------- targets

@dataclass(frozen=True)
class Target:
    """What a plan target means in workflow terms.

    ``rule`` is ``"reach"`` (done once the item is at ``status`` or beyond) or ``"pass"``
    (done once it has moved beyond ``status``: the work of that stage is finished).
    """

    status: str
    rule: str  # "reach" | "pass"

    def reached(self, workflow: Workflow, status: str, paused_from: str | None = None) -> bool:
        have = workflow.rank(status, paused_from)
        want = workflow.rank(self.status)
        if have is None or want is None:
            return False
        return have > want if self.rule == "pass" else have >= want


#: The parcels' ``plan_target`` words (from the plan) read as workflow targets. This is the
#: tool's reading of the plan, shown as such on the page:
#: 出让 — the sale is done (已出让); 规划调整/规划编制 — "完成…规划调整/规划编制": the planning stage
#: is finished; 先行先试研究 — "开展先行先试研究": the study is finished and the parcel has moved
#: on to planning; 开发建设 — construction has started (在建); 配套设施建设 — "重点推进…配套设施
#: 建设": tracked to completion (建成) by the end of the plan period.
PARCEL_TARGETS: dict[str, Target] = {
    "出让": Target("已出让", "reach"),
    "规划调整": Target("规划调整/编制", "pass"),
    "规划编制": Target("规划调整/编制", "pass"),
    "先行先试研究": Target("研究/先行先试", "pass"),
    "开发建设": Target("在建", "reach"),
    "配套设施建设": Target("建成", "reach"),
}


def parcel_target(plan_target: str | None) -> Target | None:
    """The :class:`Target` of a parcel's ``plan_target`` (None when the plan sets none)."""
    if plan_target in (None, ""):
        return None
    if plan_target not in PARCEL_TARGETS:
        raise ValueError(f"plan_target '{plan_target}' has no workflow reading. Add it to "
                         f"songnan_geo.plan.workflow.PARCEL_TARGETS (known: {', '.join(PARCEL_TARGETS)}).")
    return PARCEL_TARGETS[plan_target]


# --------------------------------------------------------------------------- dates

class PeriodError(LocalisedError, ValueError):
    """A date that is not ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or not a calendar date."""


def parse_period(text: str | dt.date, *, end: bool = False) -> dt.date:
    """First (or, with ``end=True``, last) day of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Raises :class:`PeriodError` (a ValueError) naming the text and the accepted forms."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    m = _DATE_RE.match(str(text).strip()) if text is not None else None
    if not m:
        raise PeriodError(msg("period_form", text=text))
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    if not dt.MINYEAR <= y <= dt.MAXYEAR:
        raise PeriodError(msg("period_not_calendar", text=text, reason=msg("period_bad_year", year=y)))
    if mo and not 1 <= int(mo) <= 12:
        raise PeriodError(msg("period_not_calendar", text=text, reason=msg("period_bad_month")))
    try:
        if d:
            return dt.date(y, int(mo), int(d))
        if mo:
            first = dt.date(y, int(mo), 1)
            if not end:
                return first
            nxt = dt.date(y + (first.month == 12), first.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(y, 12, 31) if end else dt.date(y, 1, 1)
    except ValueError:   # the day (the year and month are checked above)
        raise PeriodError(msg("period_not_calendar", text=text,
                              reason=msg("period_bad_day"))) from None


# --------------------------------------------------------------------------- checks

@dataclass(frozen=True)
class CheckedChange:
    """A change that passed :func:`check_change`."""

    new_status: str
    effective_date: str          # ISO date (YYYY-MM-DD)
    paused_from: str | None      # the item's paused_from after the change
    correction: bool             # True when the step is not legal and a reason was given
    correction_reason: str | None
    note: str
    doc_no: str


def check_change(workflow: Workflow, current: str, new: str, *, paused_from: str | None = None,
                 current_date: str | None = None, effective_date: str | dt.date | None = None,
                 note: str = "", doc_no: str = "", correction_reason: str | None = None,
                 today: dt.date | None = None) -> CheckedChange:
    """Check one status change; return it normalised or raise listing **every** problem.

    Parameters
    ----------
    workflow : Workflow
    current, new : str
        The item's status now and the status to record.
    paused_from : str, optional
        The status the item was paused from, when ``current`` is :data:`PAUSED`.
    current_date : str, optional
        Date of the current status (``YYYY[-MM[-DD]]``). A new status may not take effect
        before it, except as a correction.
    effective_date : str or datetime.date, optional
        When the new status took effect (default: today in Shanghai). Not in the future.
    note, doc_no : str
        Free note (≤ 500 characters) and document number (≤ 100), e.g. a 批复 number.
    correction_reason : str, optional
        Needed for a jump that is not a legal step, or a backdated change: at least 4
        characters saying why.

    Raises
    ------
    IllegalTransitionError
        For a jump that is not a step, without ``correction_reason``.
    WorkflowError
        For an unknown status, a date that is not a date or in the future, a note too long.
    """
    problems = []
    today = today or clock.today()
    reason = (correction_reason or "").strip() or None
    if reason is not None and len(reason) < _MIN_REASON_CHARS:
        problems.append(msg("workflow_reason_short", reason=reason, n=_MIN_REASON_CHARS))
        reason = None
    wf_name = msg(f"workflow_{workflow.name}")
    if new not in workflow.statuses:
        problems.append(msg("workflow_unknown_status", new=new, workflow=wf_name,
                            statuses=list(workflow.statuses)))
    elif new == current:
        problems.append(msg("workflow_same_status", current=current))
    note = (note or "").strip()
    doc_no = (doc_no or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        problems.append(msg("workflow_note_long", n=len(note), max=MAX_NOTE_CHARS))
    if len(doc_no) > MAX_DOC_NO_CHARS:
        problems.append(msg("workflow_doc_no_long", n=len(doc_no), max=MAX_DOC_NO_CHARS))
    eff = None
    try:
        eff = parse_period(effective_date) if effective_date not in (None, "") else today
    except PeriodError as exc:
        problems.append(msg("workflow_bad_date", error=exc.message))
    if eff is not None and eff > today:
        problems.append(msg("workflow_future", date=eff.isoformat(), today=today.isoformat()))
    backdated = False
    if eff is not None and current_date:
        backdated = eff < parse_period(current_date)
        if backdated and reason is None:
            problems.append(msg("workflow_backdated", date=eff.isoformat(),
                                current_date=current_date))
    illegal = False
    if new in workflow.statuses and new != current:
        allowed = workflow.allowed_next(current, paused_from)
        illegal = new not in allowed
        if illegal and reason is None:
            raise IllegalTransitionError(workflow, current, new, allowed, problems)
    if problems:
        raise WorkflowError(problems)
    if new == PAUSED:
        new_paused_from = current if current != PAUSED else paused_from
    else:
        new_paused_from = None
    return CheckedChange(new_status=new, effective_date=eff.isoformat(), paused_from=new_paused_from,
                         correction=bool(illegal or backdated),
                         correction_reason=reason, note=note, doc_no=doc_no)


# --------------------------------------------------------------------------- schedule

def schedule_state(workflow: Workflow, status: str | None, target: Target | None,
                   deadline: str | None, as_of: dt.date, *, paused_from: str | None = None,
                   due_soon_days: int = DUE_SOON_DAYS) -> str:
    """Where an item stands against its plan target on ``as_of``.

    Returns one of ``"reached"`` (target met), ``"on_track"`` (not met, deadline more than
    ``due_soon_days`` away), ``"due_soon"`` (not met, deadline within ``due_soon_days``
    days), ``"overdue"`` (not met, deadline passed), ``"no_target"`` (the plan sets no
    target or deadline) and ``"no_data"`` (no status recorded by ``as_of``).
    """
    if status is None:
        return "no_data"
    if target is None or not deadline:
        return "no_target"
    if target.reached(workflow, status, paused_from):
        return "reached"
    due = parse_period(deadline, end=True)
    if as_of > due:
        return "overdue"
    if (due - as_of).days <= due_soon_days:
        return "due_soon"
    return "on_track"


def status_on(history: pd.DataFrame, as_of: dt.date) -> tuple[str | None, str | None]:
    """``(status, paused_from)`` of one item on ``as_of`` from its history rows.

    ``history`` has ``effective_date``, ``version``, ``from_status``, ``to_status``; the row
    with the latest effective date on or before ``as_of`` wins (ties: the later version).
    """
    if history.empty:
        return None, None
    starts = history["effective_date"].map(parse_period)
    rows = history.assign(start_d=starts)[starts <= as_of]
    if rows.empty:
        return None, None
    last = rows.sort_values(["start_d", "version"]).iloc[-1]
    paused_from = None
    if last["to_status"] == PAUSED:
        paused_from = last["from_status"]
    return last["to_status"], paused_from


def schedule_table(items: pd.DataFrame, history: pd.DataFrame, as_of: dt.date,
                   due_soon_days: int = DUE_SOON_DAYS) -> pd.DataFrame:
    """The items with their status on ``as_of`` and schedule state.

    ``items`` as from :meth:`songnan_geo.store.tracker.TrackerStore.items` (``id``, ``workflow``,
    ``target_status``, ``target_rule``, ``plan_deadline``); ``history`` as from
    :meth:`~songnan_geo.store.tracker.TrackerStore.history`. Adds ``status_on_date`` and ``schedule``.
    """
    by_item = {k: g for k, g in history.groupby("item_id")} if len(history) else {}
    status_col, sched_col = [], []
    for row in items.itertuples(index=False):
        wf = get_workflow(row.workflow)
        st, paused = status_on(by_item.get(row.id, history.iloc[0:0]), as_of)
        target = Target(row.target_status, row.target_rule) if row.target_status else None
        status_col.append(st)
        sched_col.append(schedule_state(wf, st, target, row.plan_deadline, as_of,
                                        paused_from=paused, due_soon_days=due_soon_days))
    return items.assign(status_on_date=pd.Series(status_col, index=items.index, dtype=object),
                        schedule=pd.Series(sched_col, index=items.index, dtype=object))


def timeline_segments(history: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Gantt bars: one row per status period of each item, up to ``as_of``.

    Returns columns ``item_id``, ``status``, ``start``, ``end`` (``datetime.date``; a period
    ends where the next status starts, the last one at ``as_of``) and ``version``. Periods
    starting after ``as_of`` are left out.
    """
    cols = ["item_id", "status", "start", "end", "version"]
    if history.empty:
        return pd.DataFrame(columns=cols)
    out = []
    for item_id, g in history.groupby("item_id", sort=False):
        g = g.assign(start_d=g["effective_date"].map(parse_period)).sort_values(["start_d", "version"])
        g = g[g["start_d"] <= as_of]
        starts = list(g["start_d"])
        for i, row in enumerate(g.itertuples(index=False)):
            end = starts[i + 1] if i + 1 < len(starts) else as_of
            out.append((item_id, row.to_status, row.start_d, end, row.version))
    return pd.DataFrame(out, columns=cols)
