"""Benchmark: print maps of the whole city at 15,000 enterprises (goal: each < 5 s, < 10 MB).

    .venv/bin/python bench/bench_pdf.py                    # 15k enterprises, 3 runs per case
    .venv/bin/python bench/bench_pdf.py --n 100000 --runs 1

Cases: A3 city maps with labels of the key enterprises, graticule and inset as PDF, PNG at
300 dpi and SVG; a georeferenced 1:50,000 sheet; the older PDF cases; and the atlas of all
districts (index page + one page per district, one PDF: the goal is for the whole atlas).

The synthetic sample (``data.sample.generate_sample``, seed 42) is cached in ``--cache`` and
loaded once. The one-off build of the print font subset (:func:`layers.fonts.print_font_path`)
is timed separately, then each case is rendered ``--runs`` times (median and max wall time,
median CPU time of this process, which a busy machine inflates less, and file size). The PDFs are kept in ``--cache`` for a look.
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
from layers.fonts import print_font_path  # noqa: E402
from layers.print_atlas import render_atlas  # noqa: E402
from layers.printmap import render_map, render_map_pdf  # noqa: E402
from risk.cordon import DEFAULT_RADII_M  # noqa: E402

CITY = ("districts", "roads", "enterprises")
ALL = ("districts", "roads", "slopes", "waterlogging", "shelters", "enterprises")
FULL = {"paper": "A3", "layers": CITY, "graticule": True, "inset": True, "labels": True}
CASES = [
    ("A3 city, labels+grid+inset, PDF", {**FULL, "format": "pdf"}),
    ("A3 city, labels+grid+inset, PNG 300", {**FULL, "format": "png", "dpi": 300}),
    ("A3 city, labels+grid+inset, SVG", {**FULL, "format": "svg"}),
    ("A3 1:50,000 georef PDF", {**FULL, "scale": 50_000, "center": (114.05, 22.54),
                                "georef": True}),
    ("A4 landscape, city", {"paper": "A4", "layers": CITY}),
    ("A3 landscape, city", {"paper": "A3", "layers": CITY}),
    ("A3 landscape, all layers + tables", {"paper": "A3", "layers": ALL, "tables_page": True}),
    ("A3 portrait, incident + tables", {"paper": "A3", "orientation": "portrait", "layers": ALL,
                                        "incident": (114.05, 22.55, DEFAULT_RADII_M),
                                        "tables_page": True}),
]


def _sample(cache: Path, n: int) -> Path:
    return cached_sample(n, cache)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=15_000, help="enterprises (default 15000)")
    parser.add_argument("--runs", type=int, default=3, help="renders per case (default 3)")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "risk-map-bench")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)

    t = time.perf_counter()
    cached = print_font_path(build=False) is not None
    font = print_font_path()
    print(f"print font {'cached' if cached else 'built'} in {time.perf_counter() - t:.1f} s: "
          f"{font} ({font.stat().st_size / 1e6:.1f} MB)" if font else "print font: none (full "
          "font used)")
    t = time.perf_counter()
    dataset = Dataset.load(_sample(args.cache, args.n))
    print(f"loaded {len(dataset.enterprises):,} enterprises in {time.perf_counter() - t:.1f} s")
    render_map_pdf(dataset, title="热身 warm-up")  # imports, font registration

    print(f"\n{'case':<38} {'median s':>9} {'max s':>7} {'CPU s':>7} {'MB':>6}  goal")
    for i, (label, kwargs) in enumerate(CASES, start=1):
        times, cpu, size = [], [], 0
        out = args.cache / f"bench_{i}_{kwargs['paper']}.{kwargs.get('format', 'pdf')}"
        for _ in range(args.runs):
            t, c = time.perf_counter(), time.process_time()
            data = render_map(dataset, out=out, title="深圳市安全风险分布图",
                              subtitle=f"{args.n:,} 家企业 · 基准测试 benchmark", **kwargs)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            size = len(data)
        _report(label, times, cpu, size, out.name)
    times, cpu = [], []
    for _ in range(args.runs):
        t, c = time.perf_counter(), time.process_time()
        atlas = render_atlas(dataset, title="深圳市安全风险分布图", paper="A3", labels=True)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    out = args.cache / "bench_atlas.pdf"
    out.write_bytes(atlas.pdf)
    _report(f"atlas A3, {len(atlas.pages)} districts + index", times, cpu, len(atlas.pdf),
            out.name)
    return 0


def _report(label: str, times: list[float], cpu: list[float], size: int, name: str) -> None:
    """One row; the goal is judged on the median wall time and, since other work on the
    machine inflates that, also shown for the median CPU time."""
    median, cpu_median = statistics.median(times), statistics.median(cpu)
    ok = median < 5 and size < 10e6
    cpu_ok = cpu_median < 5 and size < 10e6
    verdict = "ok" if ok else ("ok on CPU" if cpu_ok else "MISSED")
    print(f"{label:<38} {median:>9.2f} {max(times):>7.2f} {cpu_median:>7.2f} "
          f"{size / 1e6:>6.2f}  {verdict} (< 5 s, < 10 MB)   {name}")


if __name__ == "__main__":
    sys.exit(main())
