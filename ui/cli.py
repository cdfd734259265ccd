"""The ``riskmap`` command line: one subcommand per module in :mod:`ui.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = (
    "serve",
    "sample",
    "info",
    "cordon",
    "incidents",
    "zones",
    "terrain",
    "pdf",
    "import_cmd",
    "versions",
    "users",
    "audit",
    "db",
    "hazards",
    "network",
    "export",
    "briefing",
)
"""Subcommand modules under ``ui.commands``, in the order ``--help`` lists them."""


class CliError(Exception):
    """A problem with the user's input: printed as ``riskmap: error: …``, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="riskmap",
        description=(
            "安全风险地图 risk-map: risk-grade maps, incident cordons and print maps for "
            "emergency-management bureaus. Runs offline on the bundled Shenzhen sample "
            "(real district boundaries, synthetic registers) or on your own data (--data DIR)."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"ui.commands.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except CliError as exc:
        print(f"riskmap: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `riskmap info | head`: the reader has gone; not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return int(code or 0)


if __name__ == "__main__":  # `python -m ui.cli`: run the imported module, so that CliError is
    from ui.cli import main as _main  # the class the commands raise, not a copy in __main__

    sys.exit(_main())
