"""``riskmap import``: import a register or hazard layer into a store, with a report.

Modes: ``update`` (default; rows matched by id / 统一社会信用代码, new ones added, changed ones
updated, nothing removed), ``append``, ``replace`` (refused on a layer with rows unless
``--yes``, or confirmed at a terminal). Every import of a vector layer makes a new version of the
layer (``riskmap versions list|undo``), recorded with the login name (``cli:<user>``).

Exit codes: 0 when rows were imported (or the file had no data rows, or nothing changed), 1 when
``--strict`` refused the file or every row was rejected, 2 for bad usage, a replace not
confirmed, a file that cannot be read at all, or a CSV whose last line looks cut off (a
truncated download: refused, nothing written, unless ``--allow-truncated``). ``--data DIR`` or ``--store URL`` (or
``$RISKMAP_STORE``) is required: importing never touches the bundled sample by accident.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from data.coordsys import cli_help
from data.schema import LAYERS, RASTER_LAYERS
from ui.commands._common import STORE_HELP

SHOW_REJECTED = 20


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import",
        help="导入台账/图层 import a register (CSV, Excel, GeoJSON, Shapefile zip, GeoPackage, "
             "KML) or a DEM/population GeoTIFF",
        description=(
            "导入企业台账、边坡、积水点、避难场所、行政区划或 DEM/人口栅格，逐行报告未导入的行。 "
            "Import a layer; every row is imported or reported with its row number and reason "
            "(header = row 1, first data row = row 2). 默认按编号更新；每次导入生成图层的新版本，"
            "可用 riskmap versions undo 撤销。 Default: update by id; every import of a vector "
            "layer makes a new version, undone with `riskmap versions undo`."
        ),
    )
    p.add_argument("file", type=Path, metavar="FILE", help="file to import")
    p.add_argument("--layer", required=True, choices=[*LAYERS, *RASTER_LAYERS],
                   help="target layer 目标图层")
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="dataset folder to import into (created if missing) 数据目录; "
                        "this or --store is required")
    p.add_argument("--store", default=None, metavar="URL", help=STORE_HELP)
    p.add_argument("--crs", default=None, metavar="CRS",
                   help=f"coordinates of the file 坐标系: {cli_help()}; default: the file's own, "
                        f"else wgs84")
    p.add_argument("--mapping", default=None, metavar="JSON",
                   help='column mapping, JSON text or file, e.g. \'{"单位名称": "name"}\'; '
                        "remembered for this layer (in a dataset folder)")
    p.add_argument("--mode", choices=("update", "append", "replace"), default="update",
                   help="update by id (default: new rows added, changed rows updated, nothing "
                        "removed) 按编号更新; append 追加 (ids already there are rejected); "
                        "replace 替换 (the file becomes the layer; needs --yes on a layer with "
                        "rows)")
    p.add_argument("--yes", action="store_true",
                   help="confirm a replace that removes the layer's existing rows 确认替换")
    p.add_argument("--strict", action="store_true",
                   help="import nothing if any row fails 严格模式")
    p.add_argument("--swap-xy", action="store_true",
                   help="swap rows whose longitude/latitude look swapped instead of rejecting them")
    p.add_argument("--allow-truncated", action="store_true",
                   help="import a CSV whose last line looks cut off (a download stopped "
                        "mid-row): the rows before the cut are imported, the cut row rejected; "
                        "without it such a file is refused and nothing is written "
                        "文件可能不完整时仍导入截断前的行")
    p.add_argument("--report", type=Path, default=None, metavar="FILE.csv",
                   help="write the rejected-rows report here (CSV, UTF-8 with BOM)")
    p.add_argument("--max-mb", type=float, default=200.0, help="file size limit in MB (200)")
    p.set_defaults(func=run)


def confirm_replace(store, layer: str, *, yes: bool) -> None:
    """Refuse (:class:`ui.cli.CliError`) a replace of a layer with rows unless ``yes`` or the
    person at the terminal types ``y``."""
    import sys

    from data.importer import preview_replace
    from ui.cli import CliError

    going = preview_replace(store, layer)
    if not going or yes:
        return
    question = (f"替换将删除图层 {layer} 现有的 {going:,} 行 / replace would remove the {going:,} "
                f"existing rows of {layer}")
    if sys.stdin.isatty() and sys.stdout.isatty():
        answer = input(f"{question}. 确认？/ go ahead? [y/N] ").strip().lower()
        if answer in ("y", "yes", "是"):
            return
        raise CliError("未替换，未写入任何内容 / not replaced; nothing was written")
    raise CliError(f"{question}; add --yes to confirm 加 --yes 确认")


def run(args: argparse.Namespace) -> int:
    from data.columns import MappingError
    from data.coordsys import parse_crs
    from data.importer import ImportFileError, TruncatedFileError, import_layer
    from data.sysdb import ReadOnlyStore, StoreBusy, StoreUnavailable
    from ui.cli import CliError
    from ui.commands._common import cli_actor, open_cli_store, store_url

    if not args.file.is_file():
        raise CliError(f"FILE {args.file}: no such file")
    if args.data is None and not store_url(args.store):
        raise CliError("--data DIR or --store URL is required: where to import into "
                       "(导入到哪个数据目录或数据库)")
    if args.data is not None and args.data.exists() and not args.data.is_dir():
        raise CliError(f"--data {args.data}: not a folder")
    if args.data is not None and not args.data.exists():
        print(f"创建数据目录 / creating dataset folder {args.data}")
    if args.max_mb <= 0:
        raise CliError(f"--max-mb must be positive, got {args.max_mb}")
    try:
        crs = parse_crs(args.crs)  # parsed once here; the importer gets the CoordSystem
    except ValueError as exc:
        raise CliError(f"--crs: {exc}") from exc
    store = open_cli_store(args.data, args.store, create=True)
    if args.mode == "replace" and args.layer in LAYERS:
        confirm_replace(store, args.layer, yes=args.yes)
    try:
        result = import_layer(
            store, args.layer, args.file, filename=args.file.name, crs=crs,
            mapping=args.mapping, mode=args.mode, strict=args.strict, swap_xy=args.swap_xy,
            max_bytes=int(args.max_mb * 1024 * 1024), actor=cli_actor(),
            allow_truncated=args.allow_truncated,
        )
    except TruncatedFileError as exc:
        raise CliError(f"{args.file}: {exc} (加 --allow-truncated 仍导入截断前的行 / add "
                       f"--allow-truncated to import the rows before row {exc.row})") from exc
    except (ImportFileError, MappingError) as exc:
        raise CliError(f"{args.file}: {exc}") from exc
    except (StoreBusy, StoreUnavailable, ReadOnlyStore) as exc:
        raise CliError(f"{store.describe()}: {exc}") from exc
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
    if getattr(result, "version", None) is not None:
        print(f"第 {result.version} 版 / version {result.version} ({result.mode}): "
              f"新增 added {result.added}, 修改 changed {result.changed}, "
              f"删除 removed {result.removed}"
              + (f", 未变 unchanged {result.unchanged}" if result.unchanged else "")
              + f" — 撤销 / undo: riskmap versions undo --layer {args.layer}")
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
