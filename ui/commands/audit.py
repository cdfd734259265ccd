"""``riskmap audit``: the audit log of a dataset, oldest first.

    riskmap audit                                   # the last 100 rows as a table
    riskmap audit --since 2026-12-01 --action login.failed
    riskmap audit --json --since 2026-12-01T08:00 --limit 1000

Every state change is in it (logins good and bad, imports, undos, incidents created, updated
and deleted, user changes): when (China Standard Time), who, what, on which target and ids,
whether it succeeded, and the details. The app only ever appends to it.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime
from typing import Any

from data.sysdb import CST, SchemaError
from ui.commands._common import add_data_option, open_cli_store

__all__ = ["add_parser", "run", "parse_since", "DEFAULT_LIMIT"]

DEFAULT_LIMIT = 100
"""Rows shown without ``--limit`` (the most recent ones)."""
_COLUMNS = ("at", "actor", "action", "target", "ids", "ok", "detail")


def parse_since(text: str) -> str:
    """``--since``: a date (``2026-12-01``) or an ISO date-time (``2026-12-01T08:00``,
    ``2026-12-01 08:00:00+08:00``) → the ISO text the log is compared with (China Standard
    Time when no offset is given).

    >>> parse_since("2026-12-01"), parse_since("2026-12-01T08:30")
    ('2026-12-01', '2026-12-01T08:30:00+08:00')
    >>> parse_since("2026-12-01T00:00:00Z")
    '2026-12-01T08:00:00+08:00'
    """
    value = (text or "").strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since 须为日期或时间 / --since must be a date (2026-12-01) or an ISO "
                         f"date-time (2026-12-01T08:00), got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CST)
    return moment.astimezone(CST).isoformat(timespec="seconds")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit", help="the audit log / 审计日志",
        description="Show the audit log (oldest first): logins, imports, undos, incident and "
                    "user changes, with who, when, what and the affected ids. "
                    "显示审计日志（按时间先后）。",
    )
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.add_argument("--since", type=str, default=None, metavar="DATE|DATETIME",
                   help="only rows from then on, e.g. 2026-12-01 or 2026-12-01T08:00 (China "
                        "Standard Time unless an offset is given) / 起始日期或时间")
    p.add_argument("--action", default=None, metavar="A",
                   help="only this action, e.g. login.ok, login.failed, incident.create, "
                        "user.add, layer.update, layer.restore / 只显示该操作")
    p.add_argument("--limit", type=_positive, default=DEFAULT_LIMIT, metavar="N",
                   help=f"at most the last N rows (default {DEFAULT_LIMIT}) / 最多显示最近 N 条")
    add_data_option(p)
    p.set_defaults(func=run)


def _cell(row: dict[str, Any], column: str) -> str:
    value = row[column]
    if column == "ids":
        return ",".join(str(v) for v in value)
    if column == "ok":
        return "ok" if value else "FAILED 失败"
    if column == "detail":
        return json.dumps(value, ensure_ascii=False) if value else ""
    return str(value)


def _table(rows: list[dict[str, Any]]) -> str:
    from ui.commands.users import display_table

    return display_table([list(_COLUMNS), *([_cell(r, c) for c in _COLUMNS] for r in rows)])


def run(args: argparse.Namespace) -> int:
    from ui.cli import CliError

    try:
        since = parse_since(args.since) if args.since is not None else None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    try:
        store = open_cli_store(args.data, args.store, quiet=True)
        rows = store.db.audit_rows(since=since, limit=args.limit, action=args.action)
    except (SchemaError, OSError) as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps([{c: r[c] for c in ("id", *_COLUMNS)} for r in rows],
                         ensure_ascii=False, indent=2))
    elif rows:
        print(_table(rows))
    else:
        print("审计日志中没有符合条件的记录 / no audit rows match")
    return 0
