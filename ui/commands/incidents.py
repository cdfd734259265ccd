"""``riskmap incidents``: list, show, delete or export the incidents kept with a dataset.

    riskmap incidents list [--json] [--limit 50] [--offset 0] [--search 液氨]
    riskmap incidents show ID            # the incident, its history and cordon summary (JSON)
    riskmap incidents delete ID
    riskmap incidents export ID --out cordon.kml           # format from the suffix
    riskmap incidents export ID --format geojson           # to standard output
    riskmap incidents export --all --format kml --out all.kml

An incident keeps its wind: ``show`` and ``export`` carry it (the downwind area, the incident
point as its own placemark, the open hidden dangers per zone). ``export --all`` writes every
incident (points, rings, downwind areas; geojson, kml, csv or json) without computing exposure.

The incidents live in the store's records database (``riskmap.sqlite`` in a dataset folder,
or the ``--store`` database); a delete is audited as ``cli:<login>``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from risk.files import write_bytes_atomic
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
                   help="list, show ID (with its history and wind), delete ID, export ID "
                        "--out FILE | --format F, export --all --format F")
    p.add_argument("id", nargs="?", type=int, help="incident id / 事件编号")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="for export: .geojson, .kml, .csv, .zip or .json (standard output "
                        "when left out, with --format) / 输出文件")
    p.add_argument("--format", default=None, choices=("geojson", "kml", "csv", "zip", "json"),
                   help="for export: the format (default from the --out suffix) / 导出格式")
    p.add_argument("--all", action="store_true",
                   help="for export: every incident (points, rings, downwind areas) in one "
                        "file: geojson, kml, csv or json / 导出全部事件")
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
    from data.cordon_hazards import open_hazards
    from data.dataset import Dataset
    from data.export import export_bytes, to_json_doc, write_export
    from data.incidents import incidents_for
    from risk.cordon import exposure
    from ui.cli import CliError

    if args.all and (args.action != "export" or args.id is not None):
        raise CliError("--all 只用于 export 且不带编号 / --all is for `incidents export` "
                       "without an ID")
    if args.action != "list" and args.id is None and not args.all:
        raise CliError(
            f"incidents {args.action} needs an incident ID (see: riskmap incidents list)"
        )
    if args.action == "export" and args.out is None and args.format is None:
        raise CliError("incidents export needs --out FILE (.geojson, .kml, .csv, .zip or .json) "
                       "or --format FORMAT")
    if args.action == "export" and (args.format == "zip" and args.out is None):
        raise CliError("--format zip needs --out FILE.zip")
    if args.all:
        return _export_all(args)
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
                      population=dataset.raster_path("population"),
                      wind_from_deg=incident.wind_from_deg, downwind_m=incident.downwind_m)
    hazards = open_hazards(dataset, incident.cordon)
    if args.action == "show":
        try:
            history = incidents.history(args.id)
        except OSError as exc:
            raise CliError(f"incidents show: {exc}") from None
        cordon = to_json_doc(result, incident=incident.to_dict(), hazards=hazards)
        for name in ("priority_enterprises", "evacuation_shelters", "checkpoints"):
            cordon[name] = cordon[name][:20]
        print(json.dumps({"incident": incident.to_dict(), "history": history, "cordon": cordon},
                         ensure_ascii=False, indent=2))
        return 0
    try:
        if args.out is None:
            _stdout(export_bytes(result, args.format, incident=incident.to_dict(),
                                 hazards=hazards), args.format)
            return 0
        path = write_export(result, args.out, fmt=args.format, incident=incident.to_dict(),
                            hazards=hazards)
    except ValueError as exc:
        raise CliError(f"--out: {exc}") from None
    except OSError as exc:
        raise CliError(f"--out {args.out}: cannot write: {exc}") from None
    print(f"已写出 wrote {path}")
    return 0


def _stdout(data: bytes, fmt: str | None) -> None:
    if fmt == "csv":  # the BOM is for Excel files, not for a terminal
        data = data.removeprefix(b"\xef\xbb\xbf")
    sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
    sys.stdout.flush()


def _export_all(args: argparse.Namespace) -> int:
    """``incidents export --all``: every incident, newest first, in one file."""
    from data.incident_export import ALL_FORMATS, incidents_bytes
    from data.incidents import incidents_for
    from ui.cli import CliError

    fmt = args.format
    if fmt is None:
        fmt = {".geojson": "geojson", ".kml": "kml", ".csv": "csv", ".json": "json"}.get(
            args.out.suffix.lower())
    if fmt not in ALL_FORMATS:
        raise CliError(f"--all: 格式须为 {', '.join(ALL_FORMATS)} / --all exports "
                       f"{', '.join(ALL_FORMATS)}, got {fmt or args.out.suffix!r}")
    try:
        store = incidents_for(open_cli_store(args.data, args.store, quiet=True))
        items = [i.to_dict() for i in store.list()]
        if fmt == "json":
            items = [{**i, "history": store.history(i["id"])} for i in items]
        data = incidents_bytes(items, fmt)
    except OSError as exc:
        raise CliError(f"incidents export: {exc}") from None
    except ValueError as exc:
        raise CliError(f"incidents export --all: {exc}") from None
    if args.out is None:
        _stdout(data, fmt)
        return 0
    try:
        write_bytes_atomic(args.out, data)
    except OSError as exc:
        raise CliError(f"--out {args.out}: cannot write: {exc}") from None
    print(f"已写出 wrote {args.out} ({len(items)} incidents / 个事件)")
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
        wind = ("" if i.wind_from_deg is None else
                f"  风 wind {i.wind_from_deg:g}°/{(i.downwind_m or 0) / 1000:g} km")
        print(f"{i.id:>4}  {i.created}  {i.type_zh:<6} {i.lon:.6f},{i.lat:.6f}  "
              f"{radii} km{wind}  {i.note}")
    first, last = args.offset + 1, args.offset + len(items)
    more = (f"; --offset {last} for the next page / 下一页" if last < total else "")
    shown = f"{first}–{last}" if items else "none"
    print(f"第 {shown} 条，共 {total} 条 / incidents {shown} of {total}{more}", file=sys.stderr)
    return 0
