"""Benchmark the analyst filter's answer to the map: bytes of the FILTER command and time.

Usage::

    .venv/bin/python bench/bench_filter.py [--sizes 15000,100000] [--months 1,6,24]

For each size the seeded synthetic sample (``bench.common.cached_sample``) is loaded and the
analyst callback body (``ui.panels.analysis.update_filters``) runs with every grade and the
overdue-inspection filter at each month count. Reported per case: the overdue rows kept, the
FILTER command as JSON (what goes to the browser), the size the same rows took as the former
list of row numbers (``rows``), and the callback's median time over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import cached_sample  # noqa: E402 - bench/ is on sys.path when run as a script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="15000,100000")
    parser.add_argument("--months", default="1,6,24")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from plotly.io.json import to_json_plotly

    from data.table_export import months_before, overdue_mask
    from ui.panels.analysis import update_filters
    from ui.state import AppState

    grades = ["red", "orange", "yellow", "blue"]
    print("enterprises  months  overdue   command KB  row-list KB  callback ms")
    for n in (int(s) for s in args.sizes.split(",")):
        state = AppState(cached_sample(n))
        _ = state.dataset.enterprises
        for months in (int(m) for m in args.months.split(",")):
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                out = update_filters(state, grades, [], [], False, "zh", overdue=months)
                times.append(time.perf_counter() - t0)
            cmd = out[3]
            mask = overdue_mask(state.dataset.enterprises,
                                before=months_before(dt.date.today(), months)).to_numpy()
            rows = [int(i) for i in mask.nonzero()[0]]
            size = len(to_json_plotly(cmd))
            old = len(to_json_plotly({**{k: v for k, v in cmd.items() if k != "rowmask"},
                                      "rows": rows}))
            print(f"{n:>11,}  {months:>6}  {len(rows):>7,}  {size / 1024:>11.1f}  "
                  f"{old / 1024:>11.1f}  {statistics.median(times) * 1000:>11.0f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
