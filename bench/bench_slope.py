"""Benchmark: slope and dangerous-slope zones on a 5000 x 5000 DEM vs ``gdaldem slope``.

Run ``.venv/bin/python bench/bench_slope.py [--size 5000] [--dir /tmp/bench_slope]``.
Each step runs as its own process and is measured with ``resource.getrusage(RUSAGE_CHILDREN)``
(wall time, peak resident memory). "slope + dangerous_slope_zones" is one pass that writes
the slope raster and returns the zones. The DEM is synthetic and seeded: smooth hills (sum of
Gaussian-filtered noise) in a UTM CRS, 10 m cells, float32, a nodata strip like a coastline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_dem(path: Path, size: int) -> None:
    import numpy as np
    import rasterio
    from affine import Affine
    from scipy import ndimage

    rng = np.random.default_rng(20240601)
    coarse = ndimage.gaussian_filter(rng.normal(size=(size // 10, size // 10)), 3)
    dem = ndimage.zoom(coarse, 10, order=3)[:size, :size] * 600 + 150
    dem = dem.astype("float32")
    dem[:, : size // 50] = -9999  # sea strip
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs="EPSG:32650", nodata=-9999,
                       transform=Affine(10, 0, 500_000, 0, -10, 2_510_000)) as dst:
        dst.write(dem, 1)


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``cmd`` run as a child process."""
    # a fresh wrapper process so that ru_maxrss is this command's alone
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True)\n"
        "dt = time.perf_counter() - t\n"
        "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bench_slope"))
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    dem = args.dir / f"dem_{args.size}.tif"
    if not dem.is_file():
        make_dem(dem, args.size)
    py = sys.executable
    env_path = f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
    steps = {}
    if shutil.which("gdaldem"):
        steps["gdaldem slope"] = ["gdaldem", "slope", "-q", str(dem), str(args.dir / "gd.tif")]
    steps["riskmap write_slope"] = [
        py, "-c", env_path + "from risk.slopes import write_slope; "
        f"write_slope({str(dem)!r}, {str(args.dir / 'ours.tif')!r})",
    ]
    steps["slope + dangerous_slope_zones"] = [
        py, "-c", env_path + "from risk.slopes import dangerous_slope_zones; "
        f"z = dangerous_slope_zones({str(dem)!r}, slope_path={str(args.dir / 'ours2.tif')!r}); "
        "print(len(z), file=__import__('sys').stderr)",
    ]
    results = {}
    for name, cmd in steps.items():
        runs = [measure(cmd) for _ in range(args.repeat)]
        results[name] = (min(r[0] for r in runs), min(r[1] for r in runs))
        print(f"{name:32s} {results[name][0]:6.2f} s  {results[name][1]:7.0f} MB", flush=True)
    if "gdaldem slope" in results:
        g = results["gdaldem slope"]
        o = results["riskmap write_slope"]
        print(f"ratio time {o[0] / g[0]:.2f}x (goal <= 1.2x), "
              f"memory {o[1] / g[1]:.2f}x (goal < 2x)")
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
