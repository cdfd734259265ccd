"""``riskmap incidents``: list, show, delete or export the incidents kept with a dataset.

    riskmap incidents list [--json]
    riskmap incidents show ID            # the incident and its cordon summary (JSON)
    riskmap incidents delete ID
    riskmap incidents export ID --out cordon.kml
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ui.commands._common import add_data_option, load_dataset


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "incidents", help="saved incidents: list/show/delete/export / 事件记录",
        description="Incidents saved with a dataset (incidents.sqlite in the dataset folder). "
                    "查看、删除或导出已保存的事件。",
    )
    p.add_argument("action", choices=("list", "show", "delete", "export"),
                   help="list, show ID, delete ID, export ID --out FILE")
    p.add_argument("id", nargs="?", type=int, help="incident id / 事件编号")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="for export: .geojson, .kml, .csv, .zip or .json")
    p.add_argument("--json", action="store_true", help="list as JSON / 以 JSON 输出列表")
    add_data_option(p)
    p.set_defaults(func=run)


def _store(dataset: Any) -> Any:
    from data.incidents import IncidentStore, incidents_path
    from ui.cli import CliError

    root = getattr(dataset.store, "root", None)
    if root is None:
        raise CliError("this dataset's store has no folder for incidents.sqlite")
    return IncidentStore(incidents_path(root))


def run(args: argparse.Namespace) -> int:
    from data.export import write_export
    from risk.cordon import exposure
    from ui.cli import CliError

    if args.action != "list" and args.id is None:
        raise CliError(
            f"incidents {args.action} needs an incident ID (see: riskmap incidents list)"
        )
    if args.action == "export" and args.out is None:
        raise CliError("incidents export needs --out FILE (.geojson, .kml, .csv, .zip or .json)")
    dataset = load_dataset(args.data, quiet=True, store=args.store)
    store = _store(dataset)
    if args.action == "list":
        items = store.list()
        if args.json:
            print(json.dumps([i.to_dict() for i in items], ensure_ascii=False, indent=2))
        elif not items:
            print("没有保存的事件 no saved incidents")
        for i in items if not args.json else []:
            radii = "/".join(f"{r / 1000:g}" for r in i.radii_m)
            print(f"{i.id:>4}  {i.created}  {i.type_zh:<6} {i.lon:.6f},{i.lat:.6f}  "
                  f"{radii} km  {i.note}")
        return 0
    if args.action == "delete":
        try:
            store.delete(args.id)
        except KeyError as exc:
            raise CliError(str(exc.args[0])) from None
        print(f"已删除 deleted incident {args.id}")
        return 0
    try:
        incident = store.get(args.id)  # validated once, here where it is loaded
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    except ValueError as exc:
        raise CliError(f"incident {args.id}: {exc}") from None
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
    print(f"已写出 wrote {path}")
    return 0
