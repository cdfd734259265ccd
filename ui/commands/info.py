"""``riskmap info``: what a dataset holds (layers, rasters, enterprises by grade and district)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data.dataset import Dataset
from data.schema import LAYERS, RASTER_LAYERS
from risk.grades import GRADES
from ui.commands._common import add_data_option, load_dataset

if TYPE_CHECKING:
    import pandas as pd


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info", help="describe a dataset / 数据集概况",
        description="For each layer its file, row count, CRS and extent; rasters; enterprises "
                    "by grade and by district; rejected rows; sources. "
                    "列出每个图层的文件、行数、坐标系与范围，企业按等级与行政区统计，被拒绝的行和数据来源。",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object / 输出 JSON")
    add_data_option(p)
    p.set_defaults(func=run)


def _bounds(values: Any) -> list[float] | None:
    bounds = [round(float(v), 6) for v in values]
    return None if any(v != v for v in bounds) else bounds


def _raster_info(path: Path) -> dict[str, Any]:
    import rasterio

    with rasterio.open(path) as src:
        return {
            "file": str(path),
            "size": [src.width, src.height],
            "bytes": path.stat().st_size,
            "crs": src.crs.to_string() if src.crs else None,
            "bounds": _bounds(src.bounds),
            "resolution": [float(r) for r in src.res],
            "dtype": src.dtypes[0],
            "nodata": src.nodata,
        }


def describe_dataset(dataset: Dataset) -> dict[str, Any]:
    """Everything ``riskmap info`` reports, as a JSON-ready dict with stable keys."""
    store = dataset.store
    layers = {
        name: {
            "file": store.layer_location(name),
            "rows": int(len(gdf)),
            "crs": gdf.crs.to_string() if gdf.crs is not None else None,
            "bounds": _bounds(gdf.total_bounds) if len(gdf) else None,
        }
        for name, gdf in dataset.layers.items()
    }
    rasters = {
        name: _raster_info(path)
        for name in RASTER_LAYERS
        if (path := dataset.raster_path(name)) is not None
    }
    ent = dataset.enterprises
    grades = [g.value for g in GRADES]
    by_grade = {g: int((ent["grade"] == g).sum()) for g in grades}
    order = [d for d in dataset.districts.get("name", []) if d in set(ent["district"])]
    order += sorted(set(ent["district"]) - set(order))
    table = ent.groupby(["district", "grade"]).size() if len(ent) else {}
    by_district = {d: {g: int(table.get((d, g), 0)) for g in grades} for d in order}
    rejected = dataset.rejected
    counts: pd.Series | dict[str, int] = (rejected.groupby("layer")["row"].nunique()
                                          if len(rejected) else {})
    return {
        "data": store.describe(),
        "title": dataset.title,
        "title_en": str(dataset.meta.get("title_en", "")),
        "synthetic": dataset.synthetic,
        "sources": dataset.sources,
        "layers": layers,
        "rasters": rasters,
        "enterprises": int(len(ent)),
        "enterprises_by_grade": by_grade,
        "enterprises_by_district": by_district,
        "rejected": {name: int(counts.get(name, 0)) for name in [*layers, *dataset.errors]},
        "errors": dict(dataset.errors),
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def format_info(info: dict[str, Any]) -> str:
    """The human-readable report (Chinese with English alongside)."""
    lines = [f"数据集 / dataset: {info['title']}"
             + (f" / {info['title_en']}" if info.get("title_en") else ""),
             f"位置 / location: {info['data']}"]
    if info["synthetic"]:
        lines.append("⚠ 合成数据（非真实登记信息）/ synthetic data, not real registers")
    lines.append("")
    lines.append("图层 / layers:")
    for name, layer in info["layers"].items():
        spec = LAYERS.get(name)
        label = f"{spec.label_zh} {name}" if spec else name
        bounds = layer["bounds"]
        extent = ("—" if bounds is None
                  else f"{bounds[0]:.4f},{bounds[1]:.4f} … {bounds[2]:.4f},{bounds[3]:.4f}")
        lines.append(f"  {_pad(label, 28)}{layer['rows']:>9,} 行/rows  {layer['crs']}  "
                     f"范围/extent {extent}")
        lines.append(f"  {'':28}{layer['file']}")
    for name, error in info["errors"].items():
        lines.append(f"  {_pad(name, 28)}无法使用 / unusable: {error}")
    if info["rasters"]:
        lines.append("栅格 / rasters:")
        for name, r in info["rasters"].items():
            label = f"{RASTER_LAYERS[name][0]} {name}"
            b = r["bounds"]
            lines.append(
                f"  {_pad(label, 28)}{r['size'][0]}×{r['size'][1]} 像元/cells, "
                f"分辨率/resolution {r['resolution'][0]:g}°×{r['resolution'][1]:g}°, {r['crs']}, "
                f"范围/extent {b[0]:.4f},{b[1]:.4f} … {b[2]:.4f},{b[3]:.4f}"
            )
            lines.append(f"  {'':28}{r['file']} ({r['bytes'] / 1e6:.1f} MB)")
    lines.append("")
    grades = list(GRADES)
    lines.append(f"企业 / enterprises: {info['enterprises']:,}")
    lines.append("  按等级 / by grade: " + ", ".join(
        f"{g.label_zh} {g.value} {info['enterprises_by_grade'][g.value]:,}" for g in grades))
    if info["enterprises_by_district"]:
        lines.append("  按行政区 × 等级 / by district × grade:")
        head = _pad("行政区 district", 18) + "".join(
            _pad(f"{g.short_zh} {g.value}", 11, right=True) for g in grades
        ) + _pad("合计 total", 12, right=True)
        lines.append("    " + head)
        for district, row in info["enterprises_by_district"].items():
            cells = "".join(_pad(f"{row[g.value]:,}", 11, right=True) for g in grades)
            total = sum(row.values())
            lines.append("    " + _pad(district or "（空）(blank)", 18) + cells
                         + _pad(f"{total:,}", 12, right=True))
    lines.append("")
    rejected = {k: v for k, v in info["rejected"].items() if v}
    if rejected:
        lines.append("被拒绝的行 / rejected rows: " + ", ".join(
            f"{k} {v:,}" for k, v in rejected.items()))
    else:
        lines.append("被拒绝的行 / rejected rows: 无 / none")
    if info["sources"]:
        lines.append("来源 / sources:")
        lines += [f"  - {s}" for s in info["sources"]]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.json:  # keep stdout pure JSON; progress of a first-start generation goes to stderr
        with contextlib.redirect_stdout(sys.stderr):
            dataset = load_dataset(args.data, store=args.store)
    else:
        dataset = load_dataset(args.data, store=args.store)
    info = describe_dataset(dataset)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
    else:
        print(format_info(info))
    return 0
