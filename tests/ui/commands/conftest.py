"""Fixtures shared by the CLI command tests: the real ``riskmap`` parser, every subcommand."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pytest

from ui.cli import build_parser


@pytest.fixture
def parse_cli() -> Callable[[list[str]], argparse.Namespace]:
    """Parse ``riskmap ARGV…`` with the real parser (argparse errors raise ``SystemExit``)."""
    return lambda argv: build_parser().parse_args(argv)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[[list[str]], tuple[int, str, str]]:
    """Run ``riskmap ARGV…`` and return ``(exit code, stdout, stderr)``.

    Unlike :func:`ui.cli.main`, a :class:`ui.cli.CliError` propagates, so that tests can check
    its message with ``pytest.raises``; use ``ui.cli.main`` to test the exit code 2 path.
    """
    def run(argv: list[str]) -> tuple[int, str, str]:
        args = build_parser().parse_args(argv)
        code = args.func(args)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
