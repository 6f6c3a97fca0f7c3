"""``python -m songnan_geo plan``: the plans the tool knows, and adding a new one.

::

    python -m songnan_geo plan list
    python -m songnan_geo plan add FOLDER [--lang zh|en]

``add`` validates the folder (see :mod:`songnan_geo.plan.registry` for its parts), prints **every**
problem in the chosen language and adds nothing when there is one; else it copies the folder
into the user folder's ``plans`` (``SONGNAN_USER_DIR``, default ``~/.songnan_geo``). The
repository's ``data/plans`` is never written.
"""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("plan", help="list the plans, or add a plan folder",
                       description="Plans as data: each plan is a folder (plan.json, the plan text, "
                                   "indicators, projects, targets). 'add' validates a folder, lists "
                                   "every problem, and copies it into the user folder.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="validate a plan folder and add it")
    add.add_argument("folder")
    add.add_argument("--lang", choices=["zh", "en"], default="zh",
                     help="language of the problems listed (default zh)")
    add.set_defaults(func=_add)
    ls = actions.add_parser("list", help="list the plans with their periods")
    ls.add_argument("--lang", choices=["zh", "en"], default="zh")
    ls.set_defaults(func=_list)


def _add(args) -> int:
    from songnan_geo.plan import registry as plans  # noqa: PLC0415  (lazy: --help stays fast)

    try:
        plan = plans.add_plan(args.folder, known_items=plans.known_item_ids(),
                              zones=plans.zone_ids())
    except plans.PlanError as exc:
        print(f"plan add: {exc.text(args.lang)}", file=sys.stderr)
        return 2
    print(f"{plan.id}\t{plan.period_start}–{plan.period_end}\t{plan.name(args.lang)}\t{plan.folder}")
    return 0


def _list(args) -> int:
    from songnan_geo.plan import registry as plans  # noqa: PLC0415

    for plan in plans.list_plans():
        where = "repository" if plan.repository else "user"
        print(f"{plan.id}\t{plan.period_start}–{plan.period_end}\t{plan.name(args.lang)}\t{where}")
    return 0
