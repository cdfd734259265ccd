"""Benchmark: graded risk zones by each method at 15k and 100k enterprises.

    .venv/bin/python bench/bench_zones.py                       # 15k and 100k, median of 3
    .venv/bin/python bench/bench_zones.py --sizes 15000 --naive  # also the naive pipeline

Enterprises come from the synthetic sample (``data.sample.generate_sample``, seed 42, cached in
``--cache``; a sample of the same size already made by ``bench_cordon.py`` is reused) or, with
``--random`` or when the generator is missing, from seeded random clustered points around
Shenzhen. Each method is timed ``--repeat`` times and the median reported (wall clock and CPU
time of this process, since the machine may be shared). ``--naive`` also times the reference
pipeline (buffer + union_all per grade + difference) and checks that the areas agree.

Goals (issue 5): influence zones for 100k enterprises < 3 s, grid < 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from layers.zones import zones_layer  # noqa: E402
from risk.crs import metric_crs  # noqa: E402
from risk.zones import (  # noqa: E402
    DEFAULT_BUFFER_M,
    QUAD_SEGS,
    admin_zones,
    grid_zones,
    influence_zones,
)

ORDER = ["red", "orange", "yellow", "blue"]


def random_enterprises(n: int, seed: int = 42) -> gpd.GeoDataFrame:
    """Clustered random points in 113.8–114.5 E, 22.45–22.8 N (60 'parks'), skewed grades."""
    rng = np.random.default_rng(seed)
    parks = 60
    cx, cy = rng.uniform(113.8, 114.5, parks), rng.uniform(22.45, 22.8, parks)
    spread = rng.uniform(0.005, 0.03, parks)
    pick = rng.integers(0, parks, n)
    x = cx[pick] + rng.normal(0, 1, n) * spread[pick]
    y = cy[pick] + rng.normal(0, 1, n) * spread[pick]
    grade = rng.choice(ORDER, n, p=[0.03, 0.12, 0.35, 0.5])
    return gpd.GeoDataFrame({"grade": grade}, geometry=gpd.points_from_xy(x, y), crs=4326)


def load_sample(n: int, cache: Path, reuse: list[Path]) -> tuple[gpd.GeoDataFrame, Any, str]:
    """Enterprises and districts of the seed-42 sample with ``n`` enterprises."""
    from data.dataset import Dataset

    for folder in [cache, *reuse]:
        root = folder / f"sample_{n}"
        if (root / "dataset.json").is_file():
            break
    else:
        from data.sample import generate_sample

        root = cache / f"sample_{n}"
        t = time.perf_counter()
        generate_sample(root, seed=42, n_enterprises=n, quiet=True)
        print(f"  generated {n:,} enterprises in {time.perf_counter() - t:.1f} s", flush=True)
    dataset = Dataset.load(root)
    return dataset.enterprises, dataset.districts, f"sample {root}"


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of ``repeat`` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = func()
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return statistics.median(walls), statistics.median(cpus), result


def render_layer(zones: gpd.GeoDataFrame) -> int:
    """Build the folium layer on a bare map and render the page; return its size in bytes."""
    m = folium.Map(tiles=None)
    zones_layer(zones).add_to(m)
    return len(m.get_root().render())


def naive_influence(enterprises: gpd.GeoDataFrame) -> list[float]:
    """Reference pipeline: buffer all, union_all per grade, subtract the higher grades."""
    metric = enterprises.to_crs(metric_crs(enterprises))
    areas, higher = [], shapely.Polygon()
    for grade in ORDER:
        pts = metric.geometry[metric["grade"] == grade].to_numpy()
        union = shapely.union_all(shapely.buffer(pts, DEFAULT_BUFFER_M[grade], quad_segs=QUAD_SEGS))
        areas.append(shapely.area(shapely.difference(union, higher)) / 1e6)
        higher = shapely.union(higher, union)
    return areas


def bench(n: int, args: argparse.Namespace) -> dict[str, float]:
    districts = None
    if args.random:
        enterprises, source = random_enterprises(n), "random clustered points"
    else:
        try:
            enterprises, districts, source = load_sample(n, args.cache, args.reuse)
        except ImportError:
            enterprises, source = random_enterprises(n), "random clustered points"
    print(f"{len(enterprises):>9,} enterprises ({source})", flush=True)
    results: dict[str, float] = {"n": float(len(enterprises))}
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("influence (1000/500/300/100 m)", lambda: influence_zones(enterprises)),
        ("grid square 1000 m", lambda: grid_zones(enterprises, cell_m=1000)),
        ("grid hex 1000 m", lambda: grid_zones(enterprises, cell_m=1000, shape="hex")),
        ("grid square 200 m", lambda: grid_zones(enterprises, cell_m=200)),
    ]
    if districts is not None and len(districts):
        cases.append(("admin (districts)", lambda: admin_zones(enterprises, districts)))
    for name, func in cases:
        wall, cpu, out = timed(func, args.repeat)
        results[name] = wall
        extra = ""
        if name.startswith("influence"):
            vertices = int(shapely.get_num_coordinates(out.geometry.to_numpy()).sum())
            areas = ", ".join(f"{g} {a:.1f}" for g, a in zip(out["grade"], out["area_km2"],
                                                             strict=True))
            extra = f"  [{areas} km²; {vertices:,} vertices]"
            layer_wall, _, _ = timed(lambda z=out: render_layer(z), 1)
            extra += f"  layer+HTML {layer_wall:.2f} s"
        else:
            extra = f"  [{len(out):,} features]"
        print(f"    {name:<32} median {wall:6.2f} s wall, {cpu:6.2f} s CPU{extra}", flush=True)
    if args.naive:
        wall, cpu, areas = timed(lambda: naive_influence(enterprises), 1)
        fast = influence_zones(enterprises).set_index("grade")["area_km2"]
        worst = max(abs(a - fast.get(g, 0.0)) / max(a, 1e-9) for g, a in zip(ORDER, areas,
                                                                            strict=True))
        print(f"    {'naive influence pipeline':<32}        {wall:6.2f} s wall, {cpu:6.2f} s CPU"
              f"  [largest relative area difference {worst:.1e}]", flush=True)
        results["naive"] = wall
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="15000,100000")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--cache", type=Path, default=Path("/tmp/riskmap-bench-zones"))
    p.add_argument("--reuse", type=Path, nargs="*", default=[Path("/tmp/riskmap-bench-cordon")],
                   help="folders whose sample_N datasets (seed 42) may be reused")
    p.add_argument("--random", action="store_true", help="random clustered points, no sample")
    p.add_argument("--naive", action="store_true", help="also time the naive pipeline")
    args = p.parse_args(argv)
    for n in (int(s) for s in args.sizes.split(",")):
        bench(n, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
