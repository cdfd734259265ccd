"""Options and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from data import SAMPLE_DIR
from data.dataset import Dataset, default_data_dir
from data.store import FileStore, Store, is_store_url, open_store
from data.sysdb import SchemaError
from risk.cordon import DEFAULT_RADII_M, format_radii_km, parse_radii_km

STORE_HELP = ("central store instead of a folder, e.g. postgresql://user@host/db "
              "(default: $RISKMAP_STORE; see `riskmap db init`)")


def add_data_option(parser: argparse.ArgumentParser, *, store: bool = True) -> None:
    """``--data DIR`` and (with ``store``) ``--store URL``: where the dataset lives."""
    parser.add_argument(
        "--data", type=Path, default=None, metavar="DIR",
        help="dataset folder (default: $RISKMAP_DATA, else the bundled Shenzhen sample in the "
             f"per-user data folder {SAMPLE_DIR}, generated there on first use)",
    )
    if store:
        parser.add_argument("--store", default=None, metavar="URL", help=STORE_HELP)


def store_url(store: str | None) -> str | None:
    """``--store`` or ``$RISKMAP_STORE`` (``None``: use a folder)."""
    return store or os.environ.get("RISKMAP_STORE") or None


def open_cli_store(data: Path | None, store: str | None = None, *, quiet: bool = False,
                   create: bool = False) -> Store:
    """The store the options name: ``--store URL`` (or ``$RISKMAP_STORE``), else the folder
    ``--data`` (or the default, the bundled sample generated first if it is missing).
    ``create``: make a missing ``--data`` folder instead of refusing it."""
    from ui.cli import CliError

    url = store_url(store)
    if url and data is not None and store:
        raise CliError("--data and --store name two different stores: give one of them")
    if url:
        if not is_store_url(url):
            raise CliError(f"--store {url!r}: not a database URL (postgresql://user@host/db); "
                           f"for a folder use --data DIR")
        try:
            opened = open_store(url)
            opened.db.check_schema(hint=f"riskmap db init --store {url}")
        except (SchemaError, OSError) as exc:
            raise CliError(f"--store: {exc}") from exc
        return opened
    root = data or default_data_dir()
    if data is None and not os.environ.get("RISKMAP_DATA"):  # the bundled sample
        from data.sample import ensure_sample

        ensure_sample(root, quiet=quiet)
    elif create and not root.exists():
        root.mkdir(parents=True)
    elif not root.is_dir():
        raise CliError(f"--data {root}: no such folder")
    folder = FileStore(root)
    try:
        folder.clean_stale_temps()  # what a killed write left behind
    except (SchemaError, OSError) as exc:  # busy, unavailable, disk full, newer schema …
        raise CliError(f"--data {root}: {exc}") from exc
    return folder


def load_dataset(data: Path | None, *, quiet: bool = False, store: str | None = None) -> Dataset:
    """Load the dataset the options name (see :func:`open_cli_store`)."""
    return Dataset.load(open_cli_store(data, store, quiet=quiet))


def cli_actor() -> str:
    """Who the audit log records for a CLI change: ``cli:<login name>``."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def radii_km_arg(text: str) -> tuple[float, ...]:
    """argparse type of ``--radii-km``: :func:`risk.cordon.parse_radii_km` (kilometres → metres,
    checked by the same rules as the incident tab), its message shown by argparse."""
    try:
        return parse_radii_km(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def incident_id_arg(text: str) -> int:
    """argparse type of ``--incident``: a saved incident's number (a positive whole number).

    >>> incident_id_arg("12")
    12
    """
    if not text.strip().isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(
            f"事件编号须为正整数 / --incident must be a positive whole number, got {text!r}")
    return int(text)


def saved_incident(store: Store, number: int, *, region: object = None) -> Any:
    """Saved incident ``number`` of ``store`` (:class:`data.incidents.Incident`, validated, within
    ``region``), or a ``CliError`` naming why not: unknown, no longer valid, records unreadable."""
    from data.incidents import incidents_for
    from ui.cli import CliError

    try:
        return incidents_for(store).get(number, region=region)
    except KeyError:
        raise CliError(f"没有事件 {number} / no incident {number} "
                       "(riskmap incidents list)") from None
    except ValueError as exc:
        raise CliError(f"保存的事件 {number} 无效 / the saved incident "
                       f"{number} is not valid: {exc}") from None
    except OSError as exc:
        raise CliError(str(exc)) from None


RADII_HELP = (f"ring radii in km, inner to outer / 半径（公里） "
              f"(default {format_radii_km(DEFAULT_RADII_M)})")
"""Help of ``--radii-km`` (``riskmap cordon`` and ``riskmap pdf``)."""
