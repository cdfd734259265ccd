"""``riskmap zones``: graded risk zones (安全风险空间分布图) exported as GeoPackage or GeoJSON.

    riskmap zones --method influence --out zones.gpkg
    riskmap zones --method influence --radii-m red=2000,orange=800 --out zones.geojson
    riskmap zones --method grid --cell-m 500 --shape hex --grade-by score --out grid.gpkg
    riskmap zones --method admin --data /path/to/dataset --out districts.geojson
    riskmap zones --method admin --units streets.gpkg --out streets.gpkg

The rules of each method are documented in :mod:`risk.zones`; the options are checked and the
method dispatched by :mod:`ui.workflows.zones` (the same functions as the zones tab); the
per-grade summary (area and enterprise count) is printed in Chinese and English.
"""

from __future__ import annotations

import argparse
import os
import unicodedata
from pathlib import Path
from typing import Any

from ui.workflows.zones import GRADE_BY, METHODS, SHAPES, ZoneParams


def _cli_error(message: str) -> Exception:
    from ui.cli import CliError

    return CliError(message)


def _option(name: str) -> str:
    """How the workflow's parameter ``name`` is spelled on the command line."""
    return "--" + name.replace("_", "-")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "zones", help="graded risk zones map, exported / 安全风险空间分布图（分区分级）",
        description="Red/orange/yellow/blue risk zones from the enterprise register, by one of "
                    "three methods: influence (buffer each enterprise by its grade's radius, "
                    "higher grade wins), grid (square or hexagonal cells in metres) or admin "
                    "(districts or any polygon layer with a name). Writes a GeoPackage or "
                    "GeoJSON and prints the area and enterprise count of each grade. "
                    "按影响范围、网格或行政单元划分红橙黄蓝风险区，导出并统计各级面积与企业数。",
    )
    p.add_argument("--method", default="influence", metavar="|".join(METHODS),
                   help="influence (影响范围), grid (网格) or admin (行政单元) "
                        "(default influence)")
    p.add_argument("--cell-m", default="1000", metavar="N",
                   help="grid cell size in metres (square side / hexagon width) "
                        "/ 网格边长（米） (default 1000)")
    p.add_argument("--shape", default="square", metavar="|".join(SHAPES),
                   help="grid cell shape / 网格形状 (default square)")
    p.add_argument("--radii-m", default=None, metavar="red=1000,orange=500,...",
                   help="influence radius by grade in metres; unnamed grades keep the "
                        "defaults red=1000,orange=500,yellow=300,blue=100 / 各级影响半径（米）")
    p.add_argument("--grade-by", default="max", metavar="|".join(GRADE_BY),
                   help="grid/admin: colour cells by the highest grade present (max, 就高) or "
                        "by the weighted density score (score) / 定级方式 (default max)")
    p.add_argument("--weights", default=None, metavar="red=4,orange=3,...",
                   help="grid/admin: severity weights for the score / 评分权重")
    p.add_argument("--thresholds", default=None, metavar="red=30,orange=12,yellow=4",
                   help="grid/admin: lower bounds of the score classes, weighted enterprises "
                        "per km² / 评分分级阈值")
    p.add_argument("--units", type=Path, default=None, metavar="FILE",
                   help="admin: polygon layer (GeoPackage/GeoJSON/Shapefile) with a 'name' "
                        "column instead of the dataset's districts, e.g. streets / 自定义单元")
    p.add_argument("--out", type=Path, required=True, metavar="FILE",
                   help="output file, .gpkg or .geojson / 输出文件")
    from ui.commands._common import add_data_option

    add_data_option(p)
    p.set_defaults(func=run)


def _check_args(args: argparse.Namespace) -> ZoneParams:
    """Every user-input problem as a CliError, before any work is done."""
    from risk.zones import EXPORT_FORMATS
    from ui.workflows.zones import zone_params

    try:
        params = zone_params(method=args.method, cell_m=args.cell_m, shape=args.shape,
                             grade_by=args.grade_by, radii_m=args.radii_m, weights=args.weights,
                             thresholds=args.thresholds, spell=_option)
    except ValueError as exc:
        raise _cli_error(str(exc)) from None
    out = Path(args.out)
    if out.suffix.lower() not in EXPORT_FORMATS:
        raise _cli_error(f"--out {out}: the file name must end in .gpkg or .geojson "
                         f"(got {out.suffix or 'no extension'!r})")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise _cli_error(f"--out {out}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise _cli_error(f"--out {out}: cannot write there (permission denied)")
    if out.is_dir():
        raise _cli_error(f"--out {out}: is a folder, expected a file name")
    if args.units is not None and not Path(args.units).is_file():
        raise _cli_error(f"--units {args.units}: no such file")
    return params


def _read_units(path: Path) -> Any:
    import geopandas as gpd

    try:
        units = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several kinds for unreadable files
        raise _cli_error(f"--units {path}: cannot read: {exc}") from None
    if "name" not in units.columns:
        raise _cli_error(f"--units {path}: needs a 'name' column; columns are "
                         f"{[c for c in units.columns if c != units.geometry.name]}")
    return units


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text: str, width: int, *, right: bool = True) -> str:
    pad = " " * max(0, width - _width(text))
    return pad + text if right else text + pad


def summary_text(summary: Any, *, method: str) -> str:
    """The per-grade summary as a table aligned for a terminal, Chinese and English labels."""
    zh, en = METHODS[method]
    rows = [("等级 Grade", "区块 Zones", "面积 Area km²", "企业 Enterprises")]
    for row in summary.itertuples(index=False):
        rows.append((f"{row.label_zh} {row.label_en}", f"{row.zones:d}",
                     f"{row.area_km2:.3f}", f"{row.enterprises:d}"))
    rows.append(("合计 Total", f"{int(summary['zones'].sum()):d}",
                 f"{float(summary['area_km2'].sum()):.3f}",
                 f"{int(summary['enterprises'].sum()):d}"))
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    lines = [f"风险分区（{zh}） Risk zones ({en})"]
    for r in rows:
        lines.append("  ".join([_cell(r[0], widths[0], right=False)]
                               + [_cell(r[i], widths[i]) for i in (1, 2, 3)]))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from risk.zones import write_zones, zone_summary
    from ui.commands._common import load_dataset
    from ui.workflows.zones import dataset_zones

    params = _check_args(args)
    units = _read_units(args.units) if args.method == "admin" and args.units else None
    dataset = load_dataset(args.data, quiet=True, store=args.store)
    if not len(dataset.enterprises):
        raise _cli_error(f"dataset {dataset.title}: no enterprises to grade")
    if params.method == "admin" and units is None and not len(dataset.districts):
        raise _cli_error(f"dataset {dataset.title}: no districts; give --units FILE")
    try:
        zones = dataset_zones(dataset, params, units=units)
    except ValueError as exc:
        raise _cli_error(str(exc)) from None
    try:
        write_zones(zones, args.out)
    except OSError as exc:
        raise _cli_error(f"--out {args.out}: cannot write: {exc}") from None
    print(summary_text(zone_summary(zones), method=args.method))
    unassigned = zones.attrs.get("unassigned", 0)
    if unassigned:
        print(f"注意 note: {unassigned} 家企业不在任何单元内 enterprises lie in no unit")
    print(f"已写出 wrote {args.out} ({len(zones)} features / 个要素)")
    return 0
