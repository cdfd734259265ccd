"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from data import SAMPLE_DIR
from data.dataset import Dataset, default_data_dir


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
