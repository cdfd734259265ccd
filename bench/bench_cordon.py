"""Benchmark: cordon exposure for all layers around one incident, data loaded once.

    .venv/bin/python bench/bench_cordon.py                    # 15k, 100k, 1M enterprises
    .venv/bin/python bench/bench_cordon.py --sizes 15000 --calls 30

For each size the synthetic sample (``data.sample.generate_sample``, cached in ``--cache``) is
loaded once with :meth:`data.dataset.Dataset.load`, indexed once with
:meth:`risk.cordon.ExposureIndex.from_layers`, then :func:`risk.cordon.exposure` is timed around
incidents placed at random enterprises (median and 90th percentile of ``--calls`` calls; wall
clock, and the process's CPU time, which a machine shared with other jobs inflates less). Also
timed: the whole click answer a Dash callback would build (exposure + the rings' GeoJSON from
the vertex arrays + to_json, each encoded with ``json.dumps``).
Goal: exposure < 50 ms at 1M enterprises.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import cached_sample  # noqa: E402 - bench/ is on sys.path when run as a script

from data.dataset import Dataset  # noqa: E402
from risk.cordon import ExposureIndex, exposure  # noqa: E402


def _sample(cache: Path, n: int) -> Path:
    return cached_sample(n, cache)


def _ms(times: list[float]) -> str:
    times = sorted(times)
    p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
    return f"median {statistics.median(times) * 1e3:7.1f} ms   p90 {p90 * 1e3:7.1f} ms"


def bench(n: int, *, cache: Path, calls: int, seed: int) -> dict[str, float]:
    root = _sample(cache, n)
    t = time.perf_counter()
    cached = root / "layers.pkl"  # validated layers, so that reruns skip the slow validation
    if cached.is_file() and cached.stat().st_mtime > (root / "dataset.json").stat().st_mtime:
        layers = pd.read_pickle(cached)
    else:
        layers = Dataset.load(root).layers
        pd.to_pickle(layers, cached)
    load_s = time.perf_counter() - t
    population = root / "population.tif"
    t = time.perf_counter()
    index = ExposureIndex.from_layers(layers, population=population)
    index_s = time.perf_counter() - t
    rng = np.random.default_rng(seed)
    ent = layers["enterprises"]
    picks = rng.integers(0, len(ent), size=calls)
    centres = [(float(ent.geometry.iloc[i].x), float(ent.geometry.iloc[i].y)) for i in picks]
    exposure(index, centres[0])  # warm caches (proj CRS objects)
    plain, cpu, full, counts = [], [], [], []
    for c in centres:
        t, tc = time.perf_counter(), time.process_time()
        result = exposure(index, c)
        plain.append(time.perf_counter() - t)
        cpu.append(time.process_time() - tc)
        counts.append(int(result.enterprises_by_grade.sum()))
    for c in centres:
        t = time.perf_counter()
        result = exposure(index, c)
        json.dumps(result.to_json(limit=200), ensure_ascii=False)
        json.dumps(result.rings_geojson())  # as the incident tab sends them to the map
        full.append(time.perf_counter() - t)
    print(f"{n:>9,} enterprises: load {load_s:6.1f} s, index {index_s * 1e3:7.1f} ms; "
          f"~{int(np.median(counts)):,} enterprises within 10 km", flush=True)
    print(f"    exposure (all layers + population)     {_ms(plain)}")
    print(f"    same, CPU time of this process           {_ms(cpu)}")
    print(f"    + rings GeoJSON + to_json (click answer) {_ms(full)}", flush=True)
    return {"n": n, "exposure_ms": statistics.median(plain) * 1e3,
            "exposure_cpu_ms": statistics.median(cpu) * 1e3,
            "click_ms": statistics.median(full) * 1e3}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="15000,100000,1000000")
    p.add_argument("--cache", type=Path, default=Path("/tmp/riskmap-bench-cordon"))
    p.add_argument("--calls", type=int, default=21)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    for n in (int(s.replace("_", "")) for s in args.sizes.split(",")):
        bench(n, cache=args.cache, calls=args.calls, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
