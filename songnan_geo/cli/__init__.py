"""Command line: ``python -m songnan_geo <command> ...`` for batch work and checking.

Each command lives in its own module ``songnan_geo/cli/<command>.py`` exposing
``register(subparsers)``, which adds its parser and sets ``func`` (taking the parsed
arguments and returning an exit code). Add a command by adding its module name to
:data:`COMMAND_MODULES`. The command modules import their heavy dependencies inside the
command function, so that ``--help`` stays fast.

May import: everything in ``songnan_geo`` (the CLI is the top layer, beside the pages). Never
streamlit, ``app_pages`` or ``songnan_ui``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

#: Modules that each register one sub-command.
COMMAND_MODULES: list[str] = [
    "editor",
    "convert",
    "import_layer",
    "coverage",
    "briefing",
    "osm",
    "plan",
    "evaluate",
    "lifecircle_report",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m songnan_geo",
        description="淞南镇 planning tool: analyses from the command line.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"songnan_geo.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return int(args.func(args) or 0)
