"""Benchmark: the one-page A4 field briefing (goal: each < 3 s, < 3 MB).

    .venv/bin/python bench/bench_briefing.py                  # 15k and 100k enterprises
    .venv/bin/python bench/bench_briefing.py --n 15000 --runs 5

Cases, on the synthetic sample (seed 42, cached in ``--cache``): the 1/5/10 km cordon in Futian
without wind and with the wind from the south-west (downwind area), in Chinese and English, as
the server makes it (a prepared :class:`risk.cordon.ExposureIndex`) and as the CLI makes it
(indexing the layers each time). Each case is rendered ``--runs`` times after a warm-up: median
and max wall time, median CPU time, and the PDF's size. The last PDF of each case is kept in
``--cache`` for a look.
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
from layers.print_briefing import Briefing, render_briefing  # noqa: E402
from risk.cordon import ExposureIndex, validate_incident  # noqa: E402

CENTER = (114.0579, 22.5431)
LINK = "https://risk.example.gov.cn/?incident=12&lang=zh"
GOAL_S, GOAL_MB = 3.0, 3.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", default=None,
                        help="enterprises (repeatable; default 15000 and 100000)")
    parser.add_argument("--runs", type=int, default=3, help="renders per case (default 3)")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "risk-map-bench")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    failed = 0
    for n in args.n or [15_000, 100_000]:
        t = time.perf_counter()
        dataset = Dataset.load(cached_sample(n, args.cache))
        print(f"\n{len(dataset.enterprises):,} enterprises, loaded in "
              f"{time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        index = ExposureIndex.from_layers(dataset.layers,
                                          population=dataset.raster_path("population"))
        print(f"exposure index built in {time.perf_counter() - t:.2f} s (once per data version "
              "on a server)")
        cordon = validate_incident(*CENTER, region=dataset.region)
        calm = Briefing(cordon=cordon, type="hazmat", created="2026-12-01T14:30:00+08:00",
                        number=12)
        windy = Briefing(cordon=cordon, type="hazmat", created="2026-12-01T14:30:00+08:00",
                         number=12, wind_from_deg=225.0)
        cases = [
            ("server, zh, no wind", calm, "zh", index),
            ("server, zh, wind 225°", windy, "zh", index),
            ("server, en, wind 225°", windy, "en", index),
            ("CLI (no index), zh, wind", windy, "zh", None),
        ]
        render_briefing(dataset, calm, link=LINK, index=index)  # warm-up: imports, font
        print(f"{'case':<30} {'median s':>9} {'max s':>7} {'CPU s':>7} {'MB':>6}  goal")
        for i, (label, briefing, lang, idx) in enumerate(cases, start=1):
            times, cpu, size = [], [], 0
            for _ in range(args.runs):
                t, c = time.perf_counter(), time.process_time()
                pdf = render_briefing(dataset, briefing, lang=lang, link=LINK, index=idx)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
                size = len(pdf)
            (args.cache / f"briefing_{n}_{i}.pdf").write_bytes(pdf)
            med, mb = statistics.median(times), size / 1e6
            ok = med < GOAL_S and mb < GOAL_MB
            failed += not ok
            print(f"{label:<30} {med:>9.2f} {max(times):>7.2f} {statistics.median(cpu):>7.2f} "
                  f"{mb:>6.2f}  {'ok' if ok else 'MISSED'} (< {GOAL_S:g} s, < {GOAL_MB:g} MB)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
