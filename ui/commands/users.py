"""``riskmap users``: the accounts of a dataset (who may log in, with which role and districts).

    riskmap users add li --role commander --districts 南山区,福田区   # asks for the password
    printf '%s\\n' "$PW" | riskmap users add wang --role admin --password-stdin
    riskmap users list [--json]
    riskmap users passwd li [--password-stdin]
    riskmap users disable li | enable li | remove li
    riskmap users role li --role planner [--districts 南山区]

On a file dataset (``--data DIR``) the accounts live in ``riskmap.sqlite`` in the folder; on a
central store (``--store URL``) in its database. Roles (:data:`data.accounts.ROLES`, lowest
first): analyst, commander, planner, data, admin; districts are checked against the dataset's
districts layer. Every change is written to the audit log with the actor ``cli:<login>``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from data.accounts import ROLES, AccountError, Accounts, User, role_label
from data.store import Store
from data.sysdb import SchemaError
from ui.commands._common import add_data_option, cli_actor, open_cli_store

__all__ = ["add_parser", "run", "read_password", "display_table",
           "display_width"]

_ROLE_HELP = ("role / 角色: " + ", ".join(f"{code} ({zh})" for code, (zh, _) in ROLES.items())
              + " (each can do everything of the ones before it)")
_DISTRICTS_HELP = ("limit the user to these districts, comma-separated (e.g. 南山区,福田区); "
                   "names as in the dataset's districts layer / 限定可见的区（逗号分隔）")
_DISTRICTS_ROLE_HELP = _DISTRICTS_HELP + "; an empty value (--districts '') lifts the limit"
_STDIN_HELP = ("read the password from the first line of standard input instead of asking "
               "/ 从标准输入读取密码")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "users", help="accounts and roles / 用户与角色",
        description="Manage the accounts of a dataset: add, list, change the password, disable, "
                    "enable, remove, change role or districts. Every change is audited. "
                    "管理数据集的用户账户（每次更改都记入审计日志）。",
    )
    ops = p.add_subparsers(dest="users_cmd", metavar="ACTION", required=True)

    add = ops.add_parser("add", help="add a user / 新增用户")
    add.add_argument("name", help="user name / 用户名 (letters, digits, . _ - @)")
    add.add_argument("--role", required=True, help=_ROLE_HELP)
    add.add_argument("--districts", default=None, help=_DISTRICTS_HELP)
    add.add_argument("--password-stdin", action="store_true", help=_STDIN_HELP)

    ls = ops.add_parser("list", help="list the users / 列出用户")
    ls.add_argument("--json", action="store_true", help="JSON instead of a table")

    pw = ops.add_parser("passwd", help="set a new password (also unlocks) / 修改密码")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true", help=_STDIN_HELP)

    for action, text in (("disable", "disable a user (sessions and tokens end) / 停用用户"),
                         ("enable", "enable a disabled user / 启用用户"),
                         ("remove", "remove a user / 删除用户")):
        op = ops.add_parser(action, help=text)
        op.add_argument("name")

    role = ops.add_parser("role", help="change role and/or districts / 修改角色或区")
    role.add_argument("name")
    role.add_argument("--role", default=None, help=_ROLE_HELP)
    role.add_argument("--districts", default=None, help=_DISTRICTS_ROLE_HELP)

    for op in ops.choices.values():
        add_data_option(op)
    p.set_defaults(func=run)


def read_password(*, from_stdin: bool) -> str:
    """The new password: the first line of standard input (``from_stdin``), else asked twice
    on the terminal; refused when standard input is not a terminal."""
    import getpass

    from ui.cli import CliError

    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CliError("--password-stdin: standard input is empty / 标准输入为空")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError("没有终端可输入密码 / standard input is not a terminal: give "
                       "--password-stdin and pipe the password in")
    try:
        first = getpass.getpass("密码 password: ")
        second = getpass.getpass("再次输入 again: ")
    except (EOFError, KeyboardInterrupt):
        raise CliError("已取消 / cancelled") from None
    if first != second:
        raise CliError("两次输入的密码不一致 / the two passwords differ")
    return first


def _known_districts(store: Store) -> list[str]:
    """The district names of the dataset's districts layer (empty without one)."""
    if not store.has_layer("districts"):
        return []
    frame = store.read_layer("districts")
    if "name" not in frame.columns:
        return []
    return [str(n) for n in frame["name"].dropna().unique()]


def _table(users: list[User]) -> str:
    rows = [("name", "role", "districts", "status", "created_at")]
    for u in users:
        status = "disabled 已停用" if u.disabled else (
            f"locked until {u.locked_until}" if u.locked_until else "active 正常")
        rows.append((u.name, f"{u.role} ({role_label(u.role)})",
                     ",".join(u.districts) or "(all 全部)", status, u.created_at))
    return display_table(rows)


def display_table(rows: Sequence[Sequence[str]]) -> str:
    """``rows`` (the first one the header) as aligned text columns; the last column is left
    unpadded (it may be long)."""
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for r in rows:
        cells = [cell + " " * (w - display_width(cell))
                 for cell, w in zip(r[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, r[-1]]).rstrip())
    return "\n".join(lines)


def display_width(text: str) -> int:
    """Terminal columns of ``text`` (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def run(args: argparse.Namespace) -> int:
    from ui.cli import CliError

    actor = cli_actor()
    try:
        store = open_cli_store(args.data, args.store, quiet=True)
        if args.users_cmd in ("add", "role"):
            accounts = Accounts(store.db, known_districts=_known_districts(store))
        else:
            accounts = Accounts(store.db)
        cmd = args.users_cmd
        if cmd == "list":
            found = accounts.list()
            if args.json:
                print(json.dumps([u.to_dict() for u in found], ensure_ascii=False, indent=2))
            elif found:
                print(_table(found))
            else:
                print("还没有用户 / no users yet: add an admin with "
                      "`riskmap users add NAME --role admin`")
            return 0
        if cmd == "add":
            from data.accounts import parse_role

            parse_role(args.role)  # refuse a wrong role before asking for a password
            accounts.check_districts(args.districts)
            password = read_password(from_stdin=args.password_stdin)
            user = accounts.add(args.name, role=args.role, password=password,
                                districts=args.districts, actor=actor)
            print(f"已添加用户 added user {user.name} ({user.role}, "
                  f"{','.join(user.districts) or 'all districts 全部区'})")
        elif cmd == "passwd":
            accounts.get(args.name)
            user = accounts.passwd(args.name, read_password(from_stdin=args.password_stdin),
                                   actor=actor)
            print(f"已修改密码 password changed for {user.name}; older sessions and tokens end")
        elif cmd in ("disable", "enable"):
            user = accounts.set_disabled(args.name, cmd == "disable", actor=actor)
            print(f"{'已停用 disabled' if user.disabled else '已启用 enabled'} {user.name}")
        elif cmd == "remove":
            accounts.remove(args.name, actor=actor)
            print(f"已删除用户 removed user {args.name}")
        elif cmd == "role":
            if args.role is None and args.districts is None:
                raise CliError("give --role ROLE and/or --districts LIST")
            user = accounts.set_role(args.name, role=args.role, districts=args.districts,
                                     actor=actor)
            print(f"已更改 changed {user.name}: {user.role} ({role_label(user.role)}), "
                  f"{','.join(user.districts) or 'all districts 全部区'}")
    except (AccountError, ValueError, SchemaError, OSError) as exc:
        raise CliError(str(exc)) from None
    return 0
