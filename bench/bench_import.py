"""Benchmark: import a 100k-row GBK CSV with GCJ-02 coordinates (goal < 20 s, < 2 GB peak).

Run: .venv/bin/python bench/bench_import.py [N_ROWS]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data import BOUNDARIES_DIR  # noqa: E402
from data.coordsys import parse_crs  # noqa: E402
from data.importer import import_layer  # noqa: E402
from data.store import FileStore  # noqa: E402
from risk.coords import wgs84_to_gcj02  # noqa: E402


def make_csv(n: int, seed: int = 7) -> bytes:
    rng = np.random.default_rng(seed)
    lon, lat = wgs84_to_gcj02(rng.uniform(113.85, 114.35, n), rng.uniform(22.52, 22.75, n))
    grades = np.array(["红", "橙", "黄", "蓝", "重大风险", "C"])[rng.integers(0, 6, n)]
    lines = ["企业名称,统一社会信用代码,经度,纬度,风险等级,行业类别,所属区,详细地址,检查日期"]
    lines += [
        f"测试企业{i}有限公司,E{i:07d},{lon[i]:.6f},{lat[i]:.6f},{grades[i]},工贸,南山区,"
        f"科技园{i}号,2024-05-{1 + i % 28:02d}"
        for i in range(n)
    ]
    return ("\n".join(lines) + "\n").encode("gbk")


def main(n: int = 100_000) -> None:
    data = make_csv(n)
    with tempfile.TemporaryDirectory() as tmp:
        store = FileStore(tmp)
        store.write_layer("districts", gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson"))
        t0 = time.perf_counter()
        result = import_layer(store, "enterprises", data, filename="bench.csv", crs=parse_crs("gcj02"))
        elapsed = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows {n:,}, file {len(data) / 1e6:.1f} MB: imported {result.accepted_count:,}, "
          f"rejected {result.rejected_count:,}; {elapsed:.1f} s, peak RSS {peak_mb:.0f} MB "
          f"(goal < 20 s, < 2048 MB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
