"""``python -m songnan_geo plan``: the plans the tool knows, and adding a new one.

::

    python -m songnan_geo plan list
    python -m songnan_geo plan add FOLDER [--lang zh|en] [--dry-run] [--editor NAME]

``add`` validates the folder (see :mod:`songnan_geo.plan.registry` for its parts), prints **every**
problem in the chosen language and adds nothing when there is one; else it copies the folder
into the user folder's ``plans`` (``SONGNAN_USER_DIR``, default ``~/.songnan_geo``). The
repository's ``data/plans`` is never written.

A plan with its own new parcels and projects (``items.csv``) adds them to the tracker store
too: that is a write, so it needs a logged-in editor (``--editor NAME``; the password from
``SONGNAN_EDITOR_PASSWORD`` or asked for, :mod:`songnan_geo.cli.login`). The tracker's version
is read before the folder is checked; if another editor changes the tracker meanwhile, the
store refuses the write, naming them, and nothing is added. ``--dry-run`` checks the folder
and says what would be added, with no editor and no write.

An add killed after the store's write but before the folder was in place is finished by
running the same command again (:func:`songnan_geo.plan.registry.add_plan`, "Crash safety").
"""
from __future__ import annotations

import sys

from songnan_geo.cli.login import add_editor_argument, login_editor


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
    add.add_argument("--dry-run", action="store_true",
                     help="check the folder and say what would be added; change nothing")
    add_editor_argument(add)
    add.set_defaults(func=_add)
    ls = actions.add_parser("list", help="list the plans with their periods")
    ls.add_argument("--lang", choices=["zh", "en"], default="zh")
    ls.set_defaults(func=_list)


def _add(args) -> int:
    from songnan_geo import auth, config  # noqa: PLC0415  (lazy: --help stays fast)
    from songnan_geo.plan import items as plan_items, registry as plans  # noqa: PLC0415
    from songnan_geo.store.tracker import TrackerError, open_store  # noqa: PLC0415

    try:
        meta = plans.read_plan(args.folder)
    except plans.PlanError:
        meta = None  # the checks below list the folder's problems
    store = base_version = None
    known, resumed = plans.known_item_ids(), set()
    try:
        if meta is not None and meta.items_path is not None:
            data_dir = str(config.data_dir())
            store = open_store(data_dir=data_dir)
            # the version the items are checked against, read before the folder is checked
            base_version = store.tracker_version()
            tracker_items = store.items()
            known = plans.item_ids_known_before(meta.id, tracker_items)
            resumed = set(tracker_items["id"]) - known   # left by an interrupted add of it
        check = dict(known_items=known, zones=plans.zone_ids(), town=plans.town_outline())
        plan = plans.add_plan(args.folder, dry_run=True, **check)
        items, outlines = plan_items.new_item_records(plan, plans.zones_layer())
        if args.dry_run:
            print(f"dry run: plan {plan.id} ({plan.period_start}–{plan.period_end}) would be "
                  f"added with {len(plan.targets())} target(s) and {len(items)} new item(s):")
            for it in items:
                print(f"  {it['id']}\t{it['kind']}\t{it['name']}\t{it['status']} "
                      f"({it['status_date']})\t{'outline' if it['id'] in outlines else '-'}")
            if resumed:
                print(f"the tracker holds {', '.join(sorted(resumed))} from an earlier, "
                      f"interrupted 'plan add {plan.id}': they are not written again, and the "
                      "folder is added only if they are exactly these items.")
            return 0
        editor = None
        if items:
            editor = login_editor(args.editor, data_dir, "plan add")
            if isinstance(editor, tuple):
                print(editor[0], file=sys.stderr)
                return editor[1]
        plan = plans.add_plan(args.folder, store=store, editor=editor,
                              base_version=base_version, **check)
    except plans.PlanError as exc:
        print(f"plan add: {exc.text(args.lang)}", file=sys.stderr)
        return 2
    except (TrackerError, auth.EditorRequiredError) as exc:
        text = exc.text(args.lang) if hasattr(exc, "text") else str(exc)
        print(f"plan add: nothing was added: {text}", file=sys.stderr)
        return 1
    finally:
        if store is not None:
            store.dispose()
    print(f"{plan.id}\t{plan.period_start}–{plan.period_end}\t{plan.name(args.lang)}\t{plan.folder}")
    if items and resumed:
        print(f"the tracker had the {len(items)} new item(s) from an earlier, interrupted "
              f"'plan add {plan.id}' already; the plan folder is now in place: "
              + ", ".join(it["id"] for it in items))
    elif items:
        print(f"added {len(items)} new item(s) to the tracker as {editor.username}: "
              + ", ".join(it["id"] for it in items))
    return 0


def _list(args) -> int:
    from songnan_geo.plan import registry as plans  # noqa: PLC0415

    for plan in plans.list_plans():
        where = "repository" if plan.repository else "user"
        print(f"{plan.id}\t{plan.period_start}–{plan.period_end}\t{plan.name(args.lang)}\t{where}")
    return 0
