"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from data import SAMPLE_DIR
from data.dataset import Dataset, default_data_dir
from risk.cordon import DEFAULT_RADII_M, format_radii_km, parse_radii_km


def add_data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, default=None, metavar="DIR",
        help="dataset folder (default: $RISKMAP_DATA, else the bundled Shenzhen sample in the "
             f"per-user data folder {SAMPLE_DIR}, generated there on first use)",
    )


def load_dataset(data: Path | None, *, quiet: bool = False) -> Dataset:
    """Load ``data`` (or the default), generating the bundled sample first if it is missing."""
    from ui.cli import CliError

    root = data or default_data_dir()
    if data is None and not os.environ.get("RISKMAP_DATA"):  # the bundled sample
        from data.sample import ensure_sample

        ensure_sample(root, quiet=quiet)
    elif not root.is_dir():
        raise CliError(f"--data {root}: no such folder")
    return Dataset.load(root)


def radii_km_arg(text: str) -> tuple[float, ...]:
    """argparse type of ``--radii-km``: :func:`risk.cordon.parse_radii_km` (kilometres → metres,
    checked by the same rules as the incident tab), its message shown by argparse."""
    try:
        return parse_radii_km(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


RADII_HELP = (f"ring radii in km, inner to outer / 半径（公里） "
              f"(default {format_radii_km(DEFAULT_RADII_M)})")
"""Help of ``--radii-km`` (``riskmap cordon`` and ``riskmap pdf``)."""
