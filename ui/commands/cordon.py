"""``riskmap cordon``: cordon rings around an incident and what lies in each zone.

    riskmap cordon --lon 114.0579 --lat 22.5431                     # JSON to stdout
    riskmap cordon --enterprise 华强 --radii-km 1,5,10,15 --format kml --out cordon.kml
    riskmap cordon --lon 114.06 --lat 22.54 --format csv --table priority_enterprises
    riskmap cordon --lon 114.06 --lat 22.54 --save --type 危化品泄漏 --note "储罐泄漏"
    riskmap cordon --lon 114.06 --lat 22.54 --wind-from 45 --downwind-km 8 --format kml --out f.kml

Every format carries the incident point (type, note, wind), the downwind area when
``--wind-from`` is given (default reach: the outer radius) and the open hidden dangers per zone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from data.cordon_hazards import open_hazards, zone_hazards
from data.export import FORMATS, export_bytes
from risk.cordon import DEFAULT_RADII_M, Cordon, ExposureIndex, exposure
from risk.files import write_bytes_atomic
from ui.commands._common import (
    RADII_HELP,
    add_data_option,
    cli_actor,
    open_cli_store,
    radii_km_arg,
)

TABLES = ("zones", "priority_enterprises", "shelters", "evacuation_shelters", "slopes",
          "waterlogging", "checkpoints", "incident", "downwind")
"""The tables of ``--format csv --table`` (:func:`data.export.export_tables`; ``downwind``
needs ``--wind-from``)."""

__all__ = ["TABLES", "add_parser", "cordon_json", "open_hazards", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cordon", help="incident cordon rings and exposure / 事发点警戒圈与影响范围",
        description="Geodesic cordon rings around an incident (default 1 km core no-entry zone, "
                    "5 km traffic-control zone, 10 km warning zone) and what lies in each zone: "
                    "enterprises by grade, major hazard sources, shelters, population, slopes, "
                    "waterlogging points and road checkpoints. "
                    "按“10 公里警戒、5 公里管制、1 公里核心区禁入”生成警戒圈"
                    "并统计各区内的风险要素。",
    )
    where = p.add_argument_group("incident place / 事发点")
    where.add_argument("--lon", type=float, help="longitude (WGS 84) / 经度")
    where.add_argument("--lat", type=float, help="latitude (WGS 84) / 纬度")
    where.add_argument("--enterprise", metavar="NAME",
                       help="place the incident at the enterprise whose name contains NAME "
                            "/ 按企业名称（部分匹配）定位")
    p.add_argument("--radii-km", type=radii_km_arg, default=DEFAULT_RADII_M,
                   metavar="R1,R2,...", help=RADII_HELP)
    p.add_argument("--format", choices=tuple(FORMATS), default="json",
                   help="json (summary), geojson, kml, csv (one table), zip (all tables as CSV) "
                        "/ 输出格式 (default json)")
    p.add_argument("--table", choices=TABLES, default="zones",
                   help="table for --format csv / CSV 导出的表 (default zones)")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="write to FILE instead of standard output / 输出文件")
    p.add_argument("--wind-from", type=float, default=None, metavar="DEG",
                   help="wind direction (from, degrees clockwise from north, 0-360): add the "
                        "downwind protective-action area to every format / 风向（来向，度），"
                        "附加下风向防护区")
    p.add_argument("--downwind-km", type=float, default=None, metavar="KM",
                   help="how far the downwind area reaches (needs --wind-from; default the "
                        "outer radius) / 下风向距离（公里，默认最大半径）")
    from ui.commands.network import add_nearest_arguments

    add_nearest_arguments(p)  # --teams N [--item NAME --quantity Q]: with --format json
    p.add_argument("--save", action="store_true",
                   help="keep the incident in the store's records database (audited as "
                        "cli:<login>; the output is written only once it is saved) / 保存事件记录")
    p.add_argument("--type", default="other",
                   help="incident type for --save: 危化品泄漏/火灾爆炸/燃气泄漏/其他")
    p.add_argument("--note", default="", help="note for --save / 备注")
    add_data_option(p)
    p.set_defaults(func=run)


def cordon_json(dataset: Any, cordon: Cordon, *, wind_from_deg: float | None = None,
                index: ExposureIndex | None = None,
                downwind_m: float | None = None) -> dict[str, Any]:
    """What ``riskmap cordon --format json`` prints, as a JSON-ready dict: the exposure around
    a validated ``cordon`` in ``dataset`` (a :class:`data.dataset.Dataset`, or a district view
    of one), with the downwind area when ``wind_from_deg`` is given (reaching ``downwind_m``,
    default the outer radius).

    ``index``: a prepared :class:`risk.cordon.ExposureIndex` of the same dataset (a server
    keeps one per data version) instead of indexing ``dataset.layers`` again. The HTTP API's
    ``GET /api/v1/cordon`` answers with this dict.

    Each zone also holds ``sensitive_sites`` (sites, people, by kind, the nearest:
    :func:`risk.cordon.with_sensitive_sites`, with the whole list as ``sensitive_sites`` at the
    top) and ``hazards`` (``major_open``, ``general_open``: the hidden dangers open today,
    :func:`data.hazards.hazards_in_rings`, only the dataset's districts for a district view;
    zeros when the store keeps no hazards or they cannot be read).
    """
    from risk.cordon import with_sensitive_sites

    result = exposure(
        index if index is not None else dataset.layers, cordon,
        population=dataset.raster_path("population"), wind_from_deg=wind_from_deg,
        downwind_m=downwind_m,
    )
    doc = with_sensitive_sites(result.to_json(), _layer_or_none(dataset, "sensitive_sites"),
                               cordon)
    counts = open_hazards(dataset, cordon)
    doc["zones"] = [{**z, "hazards": zone_hazards(counts, z["zone"])} for z in doc["zones"]]
    return doc


def _layer_or_none(dataset: Any, name: str) -> Any:
    try:
        return dataset.layer(name)
    except (KeyError, ValueError):  # a dataset without that layer
        return None


def _place(args: argparse.Namespace, dataset: Any) -> tuple[float, float, str]:
    """Where the incident is: ``--lon/--lat``, or the enterprise named by ``--enterprise``
    (:func:`risk.cordon.find_enterprises`; an exact name wins, several matches are refused)."""
    from risk.cordon import find_enterprises
    from ui.cli import CliError

    if args.enterprise:
        if args.lon is not None or args.lat is not None:
            raise CliError("give either --enterprise or --lon/--lat, not both")
        ent = dataset.enterprises
        hits = find_enterprises(ent, args.enterprise, limit=max(len(ent), 1))
        exact = hits[hits["name"] == args.enterprise]
        if len(exact) == 1:
            hits = exact
        if len(hits) == 0:
            raise CliError(f"--enterprise: no enterprise name contains {args.enterprise!r}")
        if len(hits) > 1:
            shown = "、".join(hits["name"].astype(str).head(10))
            more = f" … ({len(hits)} in all)" if len(hits) > 10 else ""
            raise CliError(
                f"--enterprise {args.enterprise!r} matches {len(hits)} enterprises "
                f"/ 匹配到多个企业: "
                f"{shown}{more}; give more of the name"
            )
        return float(hits["lon"].iloc[0]), float(hits["lat"].iloc[0]), str(hits["name"].iloc[0])
    if args.lon is None or args.lat is None:
        raise CliError("give --lon and --lat (WGS 84 degrees), or --enterprise NAME")
    return args.lon, args.lat, ""


def run(args: argparse.Namespace) -> int:
    from data.dataset import Dataset
    from data.incidents import Incident, incidents_for
    from risk.cordon import validate_incident, validate_wind
    from ui.cli import CliError

    if args.format == "zip" and args.out is None:
        raise CliError("--format zip needs --out FILE.zip")
    nearest = bool(args.teams or args.item or args.quantity)
    if nearest and args.format != "json":
        raise CliError("--teams/--item 仅用于 --format json / --teams and --item go with "
                       "--format json")
    try:
        store = open_cli_store(args.data, args.store, quiet=True)
        dataset = Dataset.load(store)
    except OSError as exc:  # the records database is busy, full or unreachable at opening
        raise CliError(str(exc)) from None
    lon, lat, at = _place(args, dataset)
    incident = None
    try:
        cordon = validate_incident(lon, lat, args.radii_km, region=dataset.region)  # once
        wind, reach = validate_wind(
            args.wind_from, None if args.downwind_km is None else args.downwind_km * 1000.0,
            radii_m=cordon.radii_m)
        record = Incident.from_cordon(cordon, type=args.type,
                                      note=args.note or (f"{at}" if at else ""),
                                      wind_from_deg=wind, downwind_m=reach)
        if args.save:
            incident = record
        if args.format == "json":
            doc = cordon_json(dataset, cordon, wind_from_deg=wind, downwind_m=reach)
            if nearest:  # the nearest teams and depots by road (ui/commands/network.py)
                from ui.commands.network import nearest_cordon_json

                doc.update(nearest_cordon_json(dataset, cordon.lon, cordon.lat, args))
            data = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
        else:
            result = exposure(
                dataset.layers, cordon, population=dataset.raster_path("population"),
                wind_from_deg=wind, downwind_m=reach,
            )
            data = export_bytes(result, args.format, table=args.table,
                                incident=record.to_dict(), hazards=open_hazards(dataset, cordon))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    new_id = None
    if incident is not None:  # saved first: nothing is printed for an incident not kept
        try:
            new_id = incidents_for(store).add(incident, actor=cli_actor())
        except OSError as exc:  # read-only, disk full, busy, database down
            raise CliError(f"--save: 事件未保存 the incident was not saved: {exc}") from None
    if args.out is not None:
        try:
            write_bytes_atomic(args.out, data)
        except OSError as exc:
            raise CliError(f"--out {args.out}: cannot write: {exc}") from None
        print(f"已写出 wrote {args.out} ({len(data)} bytes)")
    else:
        if args.format == "csv":  # the BOM is for Excel files, not for a terminal
            data = data.removeprefix(b"\xef\xbb\xbf")
        sys.stdout.buffer.write(data)
        if not data.endswith(b"\n"):
            sys.stdout.buffer.write(b"\n")
        sys.stdout.flush()
    if new_id is not None:
        print(json.dumps({"saved_incident": new_id}, ensure_ascii=False), file=sys.stderr)
    return 0
