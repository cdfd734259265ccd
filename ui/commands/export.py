"""``riskmap export enterprises``: the enterprise attribute table as Excel, CSV or GeoJSON.

    riskmap export enterprises --format xlsx --out 企业台账.xlsx
    riskmap export enterprises --grade red,orange --district 南山区 --major --out red.csv
    riskmap export enterprises --inspected-before 2026-06-01 --format xlsx --out overdue.xlsx

The same rows and columns as the analyst tab's attribute table (:mod:`data.table_export`):
Chinese headers, the dataset's own extra columns, cells that cannot run as formulas.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from data.table_export import TABLE_FORMATS


def _cli_error(message: str) -> Exception:
    from ui.cli import CliError

    return CliError(message)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export", help="export the enterprise table (xlsx/csv/geojson) / 导出企业属性表",
        description="Write the enterprises that pass the filters as an Excel workbook, a CSV "
                    "(UTF-8 with BOM) or GeoJSON, with Chinese headers and the dataset's extra "
                    "columns. 按条件导出企业属性表（Excel/CSV/GeoJSON）。",
    )
    p.add_argument("what", choices=["enterprises"], help="what to export / 导出内容")
    p.add_argument("--format", default=None, choices=list(TABLE_FORMATS),
                   help="file format (default: from the --out suffix, else xlsx) / 格式")
    p.add_argument("--grade", default=None, metavar="red,orange,...",
                   help="only these grades (any spelling: 红,橙 / 重大,较大 …) / 风险等级")
    p.add_argument("--district", action="append", default=None, metavar="NAME",
                   help="only this district (repeatable) / 所属区")
    p.add_argument("--industry", action="append", default=None, metavar="NAME",
                   help="only this industry (repeatable) / 行业")
    p.add_argument("--major", action="store_true",
                   help="only major hazard sources / 仅重大危险源")
    p.add_argument("--inspected-before", default=None, metavar="YYYY-MM-DD",
                   help="only enterprises last inspected before this date, or never / "
                        "最近检查早于该日期（含从未检查）")
    p.add_argument("--lang", default="zh", choices=["zh", "en"],
                   help="header language of xlsx/csv (default zh) / 表头语言")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="output file / 输出文件")
    from ui.commands._common import add_data_option

    add_data_option(p)
    p.set_defaults(func=run)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = args.out.suffix.lower().lstrip(".")
    if suffix in TABLE_FORMATS:
        return suffix
    if suffix in ("json",):
        return "geojson"
    if suffix:
        raise _cli_error(f"--out {args.out}: unknown suffix .{suffix}; use .xlsx, .csv or "
                         f".geojson, or give --format / 文件后缀无法识别")
    return "xlsx"


def _filter(args: argparse.Namespace) -> tuple[dict, dt.date | None]:
    from risk.grades import GradeError, parse_grade

    grades = None
    if args.grade is not None:
        try:
            grades = [parse_grade(g).value for g in args.grade.replace("，", ",").split(",")
                      if g.strip()]
        except GradeError as exc:
            raise _cli_error(f"--grade: {exc}") from None
        if not grades:
            raise _cli_error("--grade needs at least one grade, e.g. --grade red,orange")
    before = None
    if args.inspected_before:
        try:
            before = dt.date.fromisoformat(args.inspected_before)
        except ValueError:
            raise _cli_error(f"--inspected-before must be a date YYYY-MM-DD; got "
                             f"{args.inspected_before!r} / 日期格式应为 YYYY-MM-DD") from None
    return ({"grades": grades, "industries": args.industry or [],
             "districts": args.district or [], "major": bool(args.major)}, before)


def run(args: argparse.Namespace) -> int:
    from data.table_export import overdue_mask, table_bytes
    from risk.files import write_bytes_atomic
    from risk.stats import filter_mask
    from ui.commands._common import load_dataset

    fmt = _format(args)
    flt, before = _filter(args)
    ds = load_dataset(args.data, quiet=True, store=args.store)
    ents = ds.enterprises
    known = set(ents["district"].astype(str)) | (
        set(ds.districts["name"].astype(str)) if len(ds.districts) else set())
    unknown = [d for d in flt["districts"] if d not in known]
    if unknown:
        raise _cli_error(f"--district {', '.join(unknown)}: no such district; districts: "
                         f"{', '.join(sorted(known))} / 没有该区")
    mask = filter_mask(ents, flt)
    if before is not None:
        mask &= overdue_mask(ents, before=before)
    order = [int(i) for i in mask.to_numpy().nonzero()[0]]
    data = table_bytes(ents, fmt, lang=args.lang, order=order)
    try:
        write_bytes_atomic(args.out, data)
    except OSError as exc:
        raise _cli_error(f"--out {args.out}: {exc.strerror or exc}") from None
    print(f"已导出 {len(order):,} 家企业 / exported {len(order):,} enterprises "
          f"({fmt}) -> {args.out}")
    return 0
