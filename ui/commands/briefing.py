"""``riskmap briefing``: the one-page A4 field briefing PDF of an incident.

    riskmap briefing --incident 12 --out briefing.pdf --url https://risk.example.gov.cn/
    riskmap briefing --lon 114.0579 --lat 22.5431 --wind-from 225 --type 危化品泄漏 --out b.pdf
    riskmap briefing --incident 12 --lang en --out briefing-en.pdf

The page (:func:`layers.print_briefing.render_briefing`): the incident's title (type, time,
place), the map with the rings, the downwind area, checkpoints, sensitive sites and the shelters
to evacuate to; exposure by zone, sensitive sites by zone, the checkpoints roster (lon/lat to 6
decimals) and the shelters to evacuate to; with ``--url`` (and a saved ``--incident``) a QR code
of the share link.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from ui.commands._common import (
    RADII_HELP,
    add_data_option,
    incident_id_arg,
    open_cli_store,
    radii_km_arg,
    saved_incident,
)


def _wind(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 360:
        raise argparse.ArgumentTypeError(
            f"风向须为 0–360 度 / --wind-from must be 0–360 degrees, got {text!r}")
    return value % 360


def _km(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(
            f"下风向距离须为 0–100 公里 / --downwind-km must be more than 0 and at most 100 km, "
            f"got {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "briefing", help="one-page A4 field briefing PDF of an incident / 现场处置简报",
        description="A one-page A4 PDF for the field teams: the incident's title (type, time, "
                    "place), a map with the cordon rings, the downwind area (with a wind), "
                    "road checkpoints, sensitive sites and the shelters to evacuate to; exposure "
                    "by zone, sensitive sites by zone with their people, the checkpoints roster "
                    "with coordinates to 6 decimals and the shelters to evacuate to (capacity, "
                    "distance); a QR code of the share link with --url. "
                    "生成一页 A4 现场处置简报：警戒圈地图、各区暴露、敏感目标、卡口名册（经纬度 6 位小数）、"
                    "疏散去向，附事件分享二维码。",
    )
    where = p.add_argument_group("incident / 事件")
    where.add_argument("--incident", type=incident_id_arg, metavar="ID",
                       help="a saved incident's number (riskmap incidents list) / 已保存事件编号")
    where.add_argument("--lon", type=float, help="longitude (WGS 84) of an unsaved incident / 经度")
    where.add_argument("--lat", type=float, help="latitude (WGS 84) / 纬度")
    where.add_argument("--radii-km", type=radii_km_arg, default=None, metavar="R1,R2,...",
                       help=RADII_HELP)
    where.add_argument("--type", default=None,
                       help="incident type with --lon/--lat: 危化品泄漏/火灾爆炸/燃气泄漏/其他 "
                            "(default 其他 other)")
    where.add_argument("--wind-from", type=_wind, default=None, metavar="DEG",
                       help="wind direction (from, degrees clockwise from north): draws and counts "
                            "the downwind area; with --incident it replaces the saved one "
                            "/ 风向（来向，度）")
    where.add_argument("--downwind-km", type=_km, default=None, metavar="KM",
                       help="downwind distance in km (default: the largest radius) / 下风向距离")
    out = p.add_argument_group("output / 输出")
    out.add_argument("--out", type=Path, required=True, metavar="FILE.pdf",
                     help="the PDF to write / 输出文件")
    out.add_argument("--lang", default="zh", choices=("zh", "en"),
                     help="zh: Chinese first, English alongside; en: the other way round")
    out.add_argument("--url", default=None, metavar="BASE",
                     help="the app's address as the field teams reach it, e.g. "
                          "https://risk.example.gov.cn/: the page gets a QR code of the share "
                          "link (needs --incident) / 应用地址，用于分享二维码")
    add_data_option(p)
    p.set_defaults(func=run)


def _briefing(args: argparse.Namespace, store: Any, dataset: Any) -> Any:
    """The :class:`layers.print_briefing.Briefing` the options name (validated once here)."""
    from dataclasses import replace

    from data.incidents import parse_incident_type
    from layers.print_briefing import Briefing, briefing_of
    from risk.cordon import DEFAULT_RADII_M, validate_incident
    from ui.cli import CliError

    place = args.lon is not None or args.lat is not None
    if args.incident is not None:
        given = [o for o, v in (("--lon/--lat", place), ("--radii-km", args.radii_km),
                                ("--type", args.type)) if v]
        if given:
            raise CliError(f"--incident 与 {', '.join(given)} 不能同时使用 / --incident cannot be "
                           f"combined with {', '.join(given)}: the saved incident has its own")
        saved = saved_incident(store, args.incident, region=dataset.region)
        briefing = briefing_of(saved)
        if args.wind_from is not None:
            briefing = replace(briefing, wind_from_deg=args.wind_from)
        if args.downwind_km is not None:
            briefing = replace(briefing, downwind_m=args.downwind_km * 1000)
    else:
        if args.lon is None or args.lat is None:
            raise CliError("给出 --incident ID，或 --lon 与 --lat / give --incident ID, or both "
                           "--lon and --lat (WGS 84 degrees)")
        if args.url:
            raise CliError("--url 需要 --incident（只有已保存的事件才有分享链接） / --url needs "
                           "--incident: only a saved incident has a share link")
        try:
            cordon = validate_incident(args.lon, args.lat, args.radii_km or DEFAULT_RADII_M,
                                       region=dataset.region)
            kind = parse_incident_type(args.type)
        except ValueError as exc:
            raise CliError(f"--lon/--lat/--radii-km/--type: {exc}") from None
        briefing = Briefing(cordon=cordon, type=kind, wind_from_deg=args.wind_from,
                            downwind_m=None if args.downwind_km is None
                            else args.downwind_km * 1000)
    if briefing.downwind_m is not None and briefing.wind_from_deg is None:
        raise CliError("--downwind-km 需要风向 / --downwind-km needs a wind direction "
                       "(--wind-from DEG)")
    return briefing


def run(args: argparse.Namespace) -> int:
    from data.dataset import Dataset
    from data.share import share_url
    from layers.print_briefing import render_briefing
    from layers.print_frames import PrintMapError
    from risk.files import write_bytes_atomic
    from ui.cli import CliError

    out: Path = args.out
    if out.is_dir():
        raise CliError(f"--out {out}: 是文件夹 / is a folder; expected a file name such as "
                       "briefing.pdf")
    if not out.parent.is_dir():
        raise CliError(f"--out {out}: 文件夹不存在 / folder {out.parent} does not exist")
    try:
        store = open_cli_store(args.data, args.store, quiet=True)
        dataset = Dataset.load(store)
    except OSError as exc:
        raise CliError(str(exc)) from None
    briefing = _briefing(args, store, dataset)
    link = None
    if args.url:
        try:
            link = share_url(args.url, args.incident, lang=args.lang)
        except ValueError as exc:
            raise CliError(f"--url: {exc}") from None
    try:
        pdf = render_briefing(dataset, briefing, lang=args.lang, link=link)
    except PrintMapError as exc:
        raise CliError(str(exc)) from None
    try:
        write_bytes_atomic(out, pdf)
    except OSError as exc:
        raise CliError(f"--out {out}: 无法写入 / cannot write: {exc.strerror or exc}") from None
    print(f"已写入 wrote {out} ({len(pdf) / 1e6:.2f} MB)")
    return 0
