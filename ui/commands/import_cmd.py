"""``riskmap import``: import a register or hazard layer into a dataset folder, with a report.

Exit codes: 0 when rows were imported (or the file had no data rows), 1 when ``--strict`` refused
the file or every row was rejected, 2 for bad usage or a file that cannot be read at all.
``--data`` is required: importing never touches the bundled sample by accident.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from data.coordsys import cli_help
from data.schema import LAYERS, RASTER_LAYERS

SHOW_REJECTED = 20


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import",
        help="导入台账/图层 import a register (CSV, Excel, GeoJSON, Shapefile zip, GeoPackage, "
             "KML) or a DEM/population GeoTIFF",
        description=(
            "导入企业台账、边坡、积水点、避难场所、行政区划或 DEM/人口栅格，逐行报告未导入的行。 "
            "Import a layer; every row is imported or reported with its row number and reason "
            "(header = row 1, first data row = row 2)."
        ),
    )
    p.add_argument("file", type=Path, metavar="FILE", help="file to import")
    p.add_argument("--layer", required=True, choices=[*LAYERS, *RASTER_LAYERS],
                   help="target layer 目标图层")
    p.add_argument("--data", type=Path, required=True, metavar="DIR",
                   help="dataset folder to import into (required; created if missing) 数据目录")
    p.add_argument("--crs", default=None, metavar="CRS",
                   help=f"coordinates of the file 坐标系: {cli_help()}; default: the file's own, "
                        f"else wgs84")
    p.add_argument("--mapping", default=None, metavar="JSON",
                   help='column mapping, JSON text or file, e.g. \'{"单位名称": "name"}\'; '
                        "remembered for this layer")
    p.add_argument("--mode", choices=("replace", "append"), default="replace",
                   help="replace the layer (default) or append to it 替换或追加")
    p.add_argument("--strict", action="store_true",
                   help="import nothing if any row fails 严格模式")
    p.add_argument("--swap-xy", action="store_true",
                   help="swap rows whose longitude/latitude look swapped instead of rejecting them")
    p.add_argument("--report", type=Path, default=None, metavar="FILE.csv",
                   help="write the rejected-rows report here (CSV, UTF-8 with BOM)")
    p.add_argument("--max-mb", type=float, default=200.0, help="file size limit in MB (200)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from data.columns import MappingError
    from data.coordsys import parse_crs
    from data.importer import ImportFileError, import_layer
    from data.store import FileStore
    from ui.cli import CliError

    if not args.file.is_file():
        raise CliError(f"FILE {args.file}: no such file")
    if args.data.exists() and not args.data.is_dir():
        raise CliError(f"--data {args.data}: not a folder")
    if not args.data.exists():
        print(f"创建数据目录 / creating dataset folder {args.data}")
    if args.max_mb <= 0:
        raise CliError(f"--max-mb must be positive, got {args.max_mb}")
    try:
        crs = parse_crs(args.crs)  # parsed once here; the importer gets the CoordSystem
    except ValueError as exc:
        raise CliError(f"--crs: {exc}") from exc
    store = FileStore(args.data)
    try:
        result = import_layer(
            store, args.layer, args.file, filename=args.file.name, crs=crs,
            mapping=args.mapping, mode=args.mode, strict=args.strict, swap_xy=args.swap_xy,
            max_bytes=int(args.max_mb * 1024 * 1024),
        )
    except (ImportFileError, MappingError) as exc:
        raise CliError(f"{args.file}: {exc}") from exc
    except ValueError as exc:
        raise CliError(str(exc)) from exc

    label = (LAYERS[args.layer].label_zh + " " + LAYERS[args.layer].label_en
             if args.layer in LAYERS else " ".join(RASTER_LAYERS[args.layer]))
    print(f"{label}: {args.file.name} ({result.format}, {result.encoding or '-'}; "
          f"{result.crs_used or '-'})")
    if result.mapping_used:
        print("列映射 / mapping: " + ", ".join(f"{s} → {t}" for s, t in
                                             result.mapping_used.items()))
    for w in result.warnings:
        print(f"  ! {w}")
    print(f"共 {result.total_rows} 行 / rows: 导入 imported {result.accepted_count}, "
          f"未导入 rejected {result.rejected_count}"
          + (" — 已写入 written" if result.written else " — 未写入 nothing written"))
    if len(result.rejected):
        print("未导入的行 / rejected rows (row, column, value: reason):")
        for rec in result.rejected.head(SHOW_REJECTED).itertuples(index=False):
            print(f"  {rec.row}\t{rec.column}\t{str(rec.value)[:40]!r}: {rec.reason}")
        more = len(result.rejected) - SHOW_REJECTED
        if more > 0:
            print(f"  … (+{more}; see --report)")
    if args.report is not None:
        try:
            result.write_report(args.report)
        except OSError as exc:
            raise CliError(f"--report {args.report}: cannot write: {exc}") from exc
        print(f"报告 / report: {args.report}")
    if result.refused:
        return 1
    if result.total_rows and not result.accepted_count:
        return 1
    return 0
