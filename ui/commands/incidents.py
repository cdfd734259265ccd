"""``riskmap incidents``: list, show, delete or export the incidents kept with a dataset.

    riskmap incidents list [--json] [--limit 50] [--offset 0] [--search 液氨]
    riskmap incidents show ID            # the incident and its cordon summary (JSON)
    riskmap incidents delete ID
    riskmap incidents export ID --out cordon.kml

The incidents live in the store's records database (``riskmap.sqlite`` in a dataset folder,
or the ``--store`` database); a delete is audited as ``cli:<login>``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ui.commands._common import add_data_option, cli_actor, open_cli_store

LIST_LIMIT = 50
"""Incidents ``riskmap incidents list`` prints at most by default (one page)."""


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 0, got {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "incidents", help="saved incidents: list/show/delete/export / 事件记录",
        description="Incidents saved with a dataset (in its records database: riskmap.sqlite "
                    "in the dataset folder, or the --store database), newest first. "
                    "查看、删除或导出已保存的事件。",
    )
    p.add_argument("action", choices=("list", "show", "delete", "export"),
                   help="list, show ID, delete ID, export ID --out FILE")
    p.add_argument("id", nargs="?", type=int, help="incident id / 事件编号")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="for export: .geojson, .kml, .csv, .zip or .json")
    p.add_argument("--json", action="store_true", help="list as JSON / 以 JSON 输出列表")
    p.add_argument("--limit", type=_count, default=LIST_LIMIT, metavar="N",
                   help=f"list: at most N incidents, 0 for all / 每页条数 (default {LIST_LIMIT})")
    p.add_argument("--offset", type=_count, default=0, metavar="N",
                   help="list: skip the N newest first / 跳过最新的 N 条 (default 0)")
    p.add_argument("--search", default=None, metavar="TEXT",
                   help="list: only incidents whose id, note or type matches TEXT / 按编号、备注"
                        "或类型筛选")
    add_data_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from data.dataset import Dataset
    from data.export import write_export
    from data.incidents import incidents_for
    from risk.cordon import exposure
    from ui.cli import CliError

    if args.action != "list" and args.id is None:
        raise CliError(
            f"incidents {args.action} needs an incident ID (see: riskmap incidents list)"
        )
    if args.action == "export" and args.out is None:
        raise CliError("incidents export needs --out FILE (.geojson, .kml, .csv, .zip or .json)")
    try:
        store = open_cli_store(args.data, args.store, quiet=True)
        incidents = incidents_for(store)
        if args.action == "list":
            return _list(incidents, args)
        if args.action == "delete":
            try:
                incidents.delete(args.id, actor=cli_actor())
            except KeyError as exc:
                raise CliError(str(exc.args[0])) from None
            print(f"已删除 deleted incident {args.id}")
            return 0
        try:
            incident = incidents.get(args.id)  # validated once, here where it is loaded
        except KeyError as exc:
            raise CliError(str(exc.args[0])) from None
        except ValueError as exc:
            raise CliError(f"incident {args.id}: {exc}") from None
    except OSError as exc:  # read-only, disk full, busy, database down: nothing was changed
        raise CliError(f"incidents {args.action}: {exc}") from None
    dataset = Dataset.load(store)
    result = exposure(dataset.layers, incident.cordon,
                      population=dataset.raster_path("population"))
    if args.action == "show":
        print(json.dumps({"incident": incident.to_dict(), "cordon": result.to_json(limit=20)},
                         ensure_ascii=False, indent=2))
        return 0
    try:
        path = write_export(result, args.out)
    except ValueError as exc:
        raise CliError(f"--out: {exc}") from None
    except OSError as exc:
        raise CliError(f"--out {args.out}: cannot write: {exc}") from None
    print(f"已写出 wrote {path}")
    return 0


def _list(incidents, args: argparse.Namespace) -> int:
    """One page of incidents: JSON (a list) or one line each, the page's place on stderr."""
    limit = args.limit or None
    items = incidents.list(offset=args.offset, limit=limit, search=args.search)
    if args.json:
        print(json.dumps([i.to_dict() for i in items], ensure_ascii=False, indent=2))
        return 0
    total = incidents.count(search=args.search)
    if not total:
        print("没有保存的事件 no saved incidents")
        return 0
    for i in items:
        radii = "/".join(f"{r / 1000:g}" for r in i.radii_m)
        print(f"{i.id:>4}  {i.created}  {i.type_zh:<6} {i.lon:.6f},{i.lat:.6f}  "
              f"{radii} km  {i.note}")
    first, last = args.offset + 1, args.offset + len(items)
    more = (f"; --offset {last} for the next page / 下一页" if last < total else "")
    shown = f"{first}–{last}" if items else "none"
    print(f"第 {shown} 条，共 {total} 条 / incidents {shown} of {total}{more}", file=sys.stderr)
    return 0
