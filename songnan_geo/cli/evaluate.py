"""``python -m songnan_geo evaluate``: write a plan's final evaluation (终期评估).

::

    python -m songnan_geo evaluate --plan fyp14 --out DIR [--format pdf|xlsx|html] [--lang zh|en]
                                   [--as-of YYYY-MM-DD]

Reads the tracker's database (``SONGNAN_STORE_URL`` / ``SONGNAN_STORE_PATH`` / the user folder)
and the data folder the app reads, and writes ``DIR/evaluation_<plan>_<as-of>_<lang>.<format>``
(every format when ``--format`` is not given). The as-of date defaults to the period's end once
the period is over (Shanghai calendar).
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from songnan_geo import config

# Spelled out so that ``--help`` loads no geopandas (tests/unit/test_cli_start.py checks them).
FORMAT_CHOICES = ("pdf", "xlsx", "html")
DEFAULT_PLAN_ID = "fyp14"


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="write a plan's final evaluation (终期评估) as PDF, XLSX or HTML",
                       description="The final evaluation of a plan: indicators against their targets, "
                                   "key parcels and projects against their deadlines, carriers, spatial "
                                   "layout, life circle, and the planners' problems and suggestions.")
    p.add_argument("--plan", default=DEFAULT_PLAN_ID, help="plan id or folder (default fyp14)")
    p.add_argument("--out", required=True, help="folder to write the report(s) into (created if missing)")
    p.add_argument("--format", choices=FORMAT_CHOICES, action="append",
                   help="pdf, xlsx or html; repeat for several (default: all three)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                   help="evaluate as of this date (default: the period's end once it is over)")
    p.add_argument("--data-dir", default=None, help="data folder (default: the one the app reads)")
    p.set_defaults(func=run)


def run(args) -> int:
    from songnan_geo.briefing.map import CJKFontMissingError  # noqa: PLC0415  (lazy imports)
    from songnan_geo.layers.io import load_all_layers  # noqa: PLC0415
    from songnan_geo.plan import registry as plans  # noqa: PLC0415
    from songnan_geo.reports import evaluation as evaluation_report  # noqa: PLC0415
    from songnan_geo.store.db import StoreConfigError, StoreError  # noqa: PLC0415
    from songnan_geo.store.tracker import open_store, resolve_store_url  # noqa: PLC0415
    from songnan_geo.text.messages import LocalisedError  # noqa: PLC0415

    try:
        plan = plans.load_plan(args.plan)
    except plans.PlanError as exc:
        print(f"evaluate: {exc.text(args.lang)}", file=sys.stderr)
        return 2
    data_dir = args.data_dir or str(config.data_dir())
    try:
        layers = load_all_layers(data_dir)
        tracker = open_store(resolve_store_url(), data_dir=data_dir)
        ev = evaluation_report.evaluation_for(plan, tracker, layers, as_of=args.as_of, lang=args.lang)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for fmt in args.format or evaluation_report.FORMATS:
            path = out / evaluation_report.filename(ev, fmt)
            path.write_bytes(evaluation_report.write(ev, fmt))
            print(path)
    except CJKFontMissingError as exc:
        print(f"evaluate: {exc}", file=sys.stderr)
        return 2
    except LocalisedError as exc:
        print(f"evaluate: {exc.text(args.lang)}", file=sys.stderr)
        return 2
    except (StoreConfigError, StoreError, OSError) as exc:
        print(f"evaluate: {exc}", file=sys.stderr)
        return 2
    for key, counts in ev.figures.items():
        print(f"{key}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    return 0
