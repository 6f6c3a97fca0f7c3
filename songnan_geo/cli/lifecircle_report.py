"""``python -m songnan_geo lifecircle-report``: the 生活圈体检报告 of the town's data.

::

    python -m songnan_geo lifecircle-report --out DIR [--method auto|network|euclidean]
        [--lang zh|en] [--format pdf|html] [--standard ID] [--basis population|area]

Reads the shipped layers (``--data-dir``), runs the life-circle indicators for every
facility type the standard covers (:mod:`songnan_geo.lifecircle_report`) and writes one
file into DIR; prints its path and the per-type figures. Bad input prints ``error: …``
and exits 2.
"""
from __future__ import annotations

import argparse
import sys

from songnan_geo.config import DEFAULT_DATA_DIR

# Spelled out so that ``--help`` loads no geopandas (tests/unit/test_cli_start.py checks them).
METHOD_CHOICES = ("auto", "network", "euclidean")
BASIS_CHOICES = ("population", "area")
FORMAT_CHOICES = ("pdf", "html")


def register(subparsers) -> None:
    p = subparsers.add_parser("lifecircle-report", help="生活圈体检报告 (PDF or HTML)",
                              description=__doc__.split("::")[0].strip())
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the report into")
    p.add_argument("--method", choices=METHOD_CHOICES, default="auto",
                   help="auto (walk when the roads reach the homes), network or euclidean")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--format", choices=FORMAT_CHOICES, default="pdf")
    p.add_argument("--standard", default="gb50180_2018")
    p.add_argument("--basis", choices=BASIS_CHOICES, default="population")
    p.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from songnan_geo.layers.io import load_all_layers  # noqa: PLC0415  (lazy imports)
    from songnan_geo.lifecircle import scenario as sc  # noqa: PLC0415
    from songnan_geo.reports.lifecircle import build_report, write_report  # noqa: PLC0415

    try:
        layers = load_all_layers(args.data_dir)
        rep = build_report(layers, method=args.method, lang=args.lang, standard=args.standard,
                           basis=args.basis)
        path = write_report(rep, args.out, args.format)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    r = rep.result
    print(f"wrote {path}")
    print(f"method: {r.method} ({r.method_label('en')})")
    for row in r.per_type.itertuples():
        print(f"{row.type}\t{row.radius_m:g} m\t{sc.pct(row.share)}\t{sc.people(row.covered)}")
    print(f"basket\t-\t{sc.pct(r.basket['share'])}\t{sc.people(r.basket['covered'])}")
    return 0
