"""``riskmap users``: (being written)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="(being written)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ui.cli import CliError

    raise CliError("riskmap users: not written yet")
