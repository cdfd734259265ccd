"""``riskmap db``: (being written)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="(being written)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ui.cli import CliError

    raise CliError("riskmap db: not written yet")
