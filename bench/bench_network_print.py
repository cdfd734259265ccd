"""Benchmark: the one-page coverage and evacuation PDFs (goal: each < 5 s, < 10 MB).

    .venv/bin/python bench/bench_network_print.py              # 15k-enterprise sample, 3 runs
    .venv/bin/python bench/bench_network_print.py --runs 1

The synthetic sample (seed 42) is cached in ``--cache``; the road graph, the 10-minute coverage
and the evacuation around Futian (1 / 5 / 10 km) are computed once (their times printed), then
each page (:mod:`layers.print_network`) is rendered ``--runs`` times: median and max wall time,
median CPU time of this process and file size. The PDFs are kept in ``--cache`` for a look.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import cached_sample  # noqa: E402 - bench/ is on sys.path when run as a script

from data.dataset import Dataset  # noqa: E402
from layers.print_network import render_coverage_pdf, render_evacuation_pdf  # noqa: E402
from risk.cordon import DEFAULT_RADII_M  # noqa: E402
from ui.workflows.network import coverage, evacuate, network_of  # noqa: E402

CENTER = (114.0579, 22.5431)
CASES = [
    ("coverage 10 min, A3 zh", "coverage", {"paper": "A3", "lang": "zh"}),
    ("coverage 10 min, A4 en", "coverage", {"paper": "A4", "lang": "en"}),
    ("evacuation 1/5/10 km, A3 zh", "evacuation", {"paper": "A3", "lang": "zh"}),
    ("evacuation 1/5/10 km, A4 en", "evacuation", {"paper": "A4", "lang": "en"}),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=15_000, help="enterprises (default 15000)")
    parser.add_argument("--runs", type=int, default=3, help="renders per case (default 3)")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "risk-map-bench-network",
                        help="sample cache (its own: older bench samples have no teams)")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    dataset = Dataset.load(cached_sample(args.n, args.cache))
    t = time.perf_counter()
    graph, _ = network_of(dataset)
    print(f"road graph {len(graph.x):,} nodes "
          f"in {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    results = {"coverage": coverage(dataset, minutes=10, graph=graph)}
    print(f"coverage in {time.perf_counter() - t:.2f} s ({len(results['coverage'].areas):,} "
          f"areas, {len(results['coverage'].gaps):,} gap cells)")
    t = time.perf_counter()
    results["evacuation"] = evacuate(dataset, *CENTER, radii_m=DEFAULT_RADII_M, graph=graph)
    print(f"evacuation in {time.perf_counter() - t:.2f} s "
          f"({len(results['evacuation'].flows):,} flows)")
    render_coverage_pdf(dataset, results["coverage"])  # warm-up: imports, font registration

    print(f"\n{'case':<32} {'median s':>9} {'max s':>7} {'CPU s':>7} {'MB':>6}  goal")
    for i, (label, which, kwargs) in enumerate(CASES, start=1):
        render = render_coverage_pdf if which == "coverage" else render_evacuation_pdf
        times, cpu, data = [], [], b""
        for _ in range(args.runs):
            t, c = time.perf_counter(), time.process_time()
            data = render(dataset, results[which], **kwargs)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        out = args.cache / f"bench_network_{i}.pdf"
        out.write_bytes(data)
        median, cpu_median = statistics.median(times), statistics.median(cpu)
        size_ok = len(data) < 10e6
        verdict = ("ok" if median < 5 and size_ok else
                   "ok on CPU" if cpu_median < 5 and size_ok else "MISSED")
        print(f"{label:<32} {median:>9.2f} {max(times):>7.2f} {cpu_median:>7.2f} "
              f"{len(data) / 1e6:>6.2f}  {verdict} (< 5 s, < 10 MB)   {out.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
