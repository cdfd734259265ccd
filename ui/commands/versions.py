"""``riskmap versions list|show|undo --layer L``: the versions of a layer, and undo.

Every import (and every undo) of a vector layer makes a new version (see
:meth:`data.store.Store.change_layer`); the last :data:`data.store.KEEP_VERSIONS` of each layer
keep their data and can be restored, older ones are still listed. ``undo`` restores the version
before the current one (or ``--to VERSION``) as a new version, so an undo can itself be undone.
Works on a folder (``--data``) or a central store (``--store``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from data.schema import LAYERS
from ui.commands._common import add_data_option

SHOW_ROWS = 10

FIELDS = ("version", "at", "actor", "mode", "file", "rows", "added", "changed", "removed", "kept")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "versions",
        help="图层版本与撤销 list, show and undo the versions of a layer",
        description="每次导入都会生成图层的新版本；可查看并恢复最近的版本。 Every import makes a new "
                    "version of the layer; list them, show one, or undo.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--layer", required=True, choices=list(LAYERS), help="layer 图层")
        add_data_option(q)

    q = actions.add_parser("list", help="版本列表（最新在前） the versions, newest first")
    common(q)
    q.add_argument("--json", action="store_true", help="print JSON")
    q = actions.add_parser("show", help="一个版本及其前几行 one version and its first rows")
    common(q)
    q.add_argument("version", type=int, metavar="VERSION", help="version number 版本号")
    q.add_argument("--json", action="store_true", help="print JSON")
    q = actions.add_parser(
        "undo", help="撤销：恢复上一版本（或 --to 指定版本）为新版本 restore the previous version "
                     "(or --to VERSION) as a new version")
    common(q)
    q.add_argument("--to", type=int, default=None, metavar="VERSION",
                   help="the version to restore (default: the one before the current)")
    p.set_defaults(func=run)


def _table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    cells = [[str(c) for c in columns]] + [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip()
                     for line in cells)


def _row(info) -> dict[str, Any]:
    row = info.to_dict()
    row["kept"] = bool(row["kept"])
    return row


def undo_target(versions: list, to: int | None, *, layer: str) -> int:
    """The version ``undo`` restores: ``to``, else the newest kept one before the current.

    Raises :class:`ui.cli.CliError` with the reason when there is none."""
    from ui.cli import CliError

    if not versions:
        raise CliError(f"图层 {layer} 还没有版本，无可撤销 / layer {layer!r} has no versions yet: "
                       f"nothing to undo")
    current = versions[0]
    if to is not None:
        match = [v for v in versions if v.version == to]
        if not match:
            raise CliError(f"图层 {layer} 没有第 {to} 版 / layer {layer!r} has no version {to}; "
                           f"versions: {', '.join(str(v.version) for v in versions)}")
        if not match[0].kept:
            raise CliError(f"第 {to} 版的数据已不再保留 / the data of version {to} is no longer "
                           f"kept (only the last ones are)")
        if to == current.version:
            raise CliError(f"第 {to} 版就是当前版本 / version {to} is the current version")
        return to
    before = [v for v in versions[1:] if v.kept]
    if not before:
        raise CliError(f"图层 {layer} 只有当前版本，无可撤销 / layer {layer!r} has only its current "
                       f"version {current.version} kept: nothing to undo")
    return int(before[0].version)


def run(args: argparse.Namespace) -> int:
    from data.store import VersionError
    from data.sysdb import ReadOnlyStore, StoreBusy, StoreUnavailable
    from ui.cli import CliError
    from ui.commands._common import cli_actor, open_cli_store

    store = open_cli_store(args.data, args.store, quiet=True)
    layer = args.layer
    try:
        versions = store.list_versions(layer)
        if args.action == "list":
            rows = [_row(v) for v in versions]
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=1))
            elif not rows:
                print(f"图层 {layer} 还没有版本 / layer {layer} has no versions yet "
                      f"(imports make them)")
            else:
                print(_table(rows, FIELDS))
            return 0
        if args.action == "show":
            match = [v for v in versions if v.version == args.version]
            if not match:
                raise CliError(f"图层 {layer} 没有第 {args.version} 版 / layer {layer!r} has no "
                               f"version {args.version}")
            row = _row(match[0])
            head: list[dict[str, Any]] = []
            if match[0].kept:
                frame = store.read_version(layer, args.version)
                shown = frame.drop(columns=frame.geometry.name).head(SHOW_ROWS)
                head = json.loads(shown.to_json(orient="records", force_ascii=False,
                                                default_handler=str))
            if args.json:
                print(json.dumps({**row, "first_rows": head}, ensure_ascii=False, indent=1))
                return 0
            for key, value in row.items():
                print(f"{key}: {value}")
            if head:
                print(f"前 {len(head)} 行 / first {len(head)} rows:")
                print(_table(head, tuple(head[0])))
            elif not match[0].kept:
                print("数据已不再保留 / its data is no longer kept")
            return 0
        target = undo_target(versions, args.to, layer=layer)
        info = store.restore_version(layer, target, actor=cli_actor())
    except VersionError as exc:
        raise CliError(str(exc)) from exc
    except (StoreBusy, StoreUnavailable, ReadOnlyStore) as exc:
        raise CliError(f"{store.describe()}: {exc}") from exc
    print(f"已恢复第 {target} 版为第 {info.version} 版（{info.rows:,} 行） / restored version {target} "
          f"of {layer} as version {info.version} ({info.rows:,} rows)")
    return 0
