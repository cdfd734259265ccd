"""Benchmark: the hidden-dangers time slider with 10,000 hazards over five years, offline.

    .venv/bin/python bench/bench_hazards.py [--n 10000] [--calls 50]

Writes ``--n`` synthetic hazards (:func:`data.sample_hazards.make_hazard_history` scaled to five
years, at the sample's enterprises) into a fresh records database, then times, median and 90th
percentile of ``--calls`` calls:

- ``states_at``: the masks as of a day from the cached arrays;
- ``slider step``: the whole body of the tab's callback for a slider move
  (:func:`ui.panels.hazards.update`: counts, table, chart and the ``HAZARDS_AT`` command);
- ``filter change``: the same with a filter change (sends the compact arrays again; size given);
- ``stats_at`` from the arrays, and with the history as the CLI's ``hazards stats --at`` runs it
  (arrays rebuilt from the table and its history each call); loading the table and the history.

The state as of a date follows the history (:func:`risk.hazards.timeline`); a twentieth of the
closed hazards are reopened a month after their review so that some need their segments.

Goal: a slider answer well under 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _time(fn, calls: int) -> tuple[float, float]:
    runs = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    runs.sort()
    return statistics.median(runs), runs[int(len(runs) * 0.9) - 1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()

    from data.hazards import HISTORY_COLUMNS, HazardStore, arrays_of, stats_at
    from data.sample import generate_sample
    from data.sample_hazards import make_hazard_history
    from data.store import FileStore
    from risk.hazards import states_at
    from ui import ids
    from ui.panels import hazards as panel
    from ui.state import AppState

    root = Path(tempfile.mkdtemp(prefix="bench-hazards-"))
    generate_sample(root, seed=3, n_enterprises=5_000, quiet=True)
    store = FileStore(root)
    ent = store.read_layer("enterprises")
    hazards, events = [], []
    rng = np.random.default_rng(5)
    while len(hazards) < args.n:  # five years of the sample's rates, more if asked
        h, e = make_hazard_history(rng, ent, end=dt.date(2026, 11, 1), months=60)
        hazards += h
        events += e
    hazards, events = hazards[:args.n], events[:args.n]
    t0 = time.perf_counter()
    HazardStore(store.db).add_history(hazards, events, actor="bench", replace=True)
    print(f"wrote {len(hazards):,} hazards, {sum(map(len, events)):,} history rows in "
          f"{time.perf_counter() - t0:.2f} s")

    state = AppState(root)
    t0 = time.perf_counter()
    frame = HazardStore(store.db).frame()
    print(f"load the table: {(time.perf_counter() - t0) * 1000:.0f} ms")
    t0 = time.perf_counter()
    events = HazardStore(store.db).all_events(HISTORY_COLUMNS)
    print(f"load the history: {(time.perf_counter() - t0) * 1000:.0f} ms ({len(events):,} rows)")
    t0 = time.perf_counter()
    arrays = arrays_of(frame, events)
    print(f"arrays with history: {(time.perf_counter() - t0) * 1000:.0f} ms "
          f"({len(set(arrays.seg_hazard.tolist())):,} hazards need segments)")
    reopen = _reopen_some(store, frame, n=max(1, args.n // 20))
    events = HazardStore(store.db).all_events(HISTORY_COLUMNS)
    frame = HazardStore(store.db).frame()
    arrays = arrays_of(frame, events)
    print(f"after reopening {reopen:,} closed hazards: "
          f"{len(set(arrays.seg_hazard.tolist())):,} hazards need segments")
    day = dt.date(2024, 6, 30)
    med, p90 = _time(lambda: states_at(arrays, day), args.calls)
    print(f"states_at (arrays):           median {med:6.2f} ms  p90 {p90:6.2f} ms")
    panel.hazard_data(state)  # cache warm, as after the first view
    filters = {"levels": None, "categories": None, "districts": None, "sources": None,
               "supervised": None}
    months = panel.months_of(panel.hazard_data(state), dt.date(2026, 11, 1))
    k = iter(range(10**9))

    def step():
        panel.update(state, trigger=ids.HAZ_SLIDER, slider=next(k) % len(months),
                     date_text=None, filters=filters, states=["open", "overdue"],
                     tab="hazards", lang="zh")

    med, p90 = _time(step, args.calls)
    print(f"slider step (callback body):  median {med:6.2f} ms  p90 {p90:6.2f} ms")
    out = {}

    def change():
        out["r"] = panel.update(state, trigger=ids.HAZ_LEVEL, slider=10, date_text=None,
                                filters=filters, states=["open", "overdue"], tab="hazards",
                                lang="zh")

    med, p90 = _time(change, max(5, args.calls // 5))
    size = len(json.dumps(out["r"][-1], ensure_ascii=False).encode())
    print(f"filter change (callback body): median {med:6.2f} ms  p90 {p90:6.2f} ms  "
          f"map command {size / 1024:.0f} KB")
    med, p90 = _time(lambda: stats_at(frame, day, arrays=arrays), args.calls)
    print(f"stats_at (per district):      median {med:6.2f} ms  p90 {p90:6.2f} ms")
    med, p90 = _time(lambda: stats_at(frame, day, events=events), max(3, args.calls // 10))
    print(f"stats_at with history (CLI):  median {med:6.2f} ms  p90 {p90:6.2f} ms")
    return 0


def _reopen_some(store, frame, *, n: int) -> int:
    """Reopen ``n`` closed hazards a month after their review (with a new deadline), as a
    bureau's ledger has some: these need their segments."""
    import json

    from data.sysdb import hazard_events, hazards

    closed = frame[frame["status"] == "closed"].head(n)
    rows = []
    for hid, at in zip(closed["id"].tolist(), closed["closed_at"].tolist(), strict=True):
        day = dt.date.fromisoformat(str(at)) + dt.timedelta(days=30)
        rows.append({"hazard_id": int(hid), "at": day.isoformat(), "actor": "bench", "by": "",
                     "from_status": "closed", "to_status": "rectifying", "note": "reopened",
                     "fields": json.dumps({"deadline": (day + dt.timedelta(days=60))
                                           .isoformat()})})
    with store.db.transaction() as conn:
        conn.execute(hazard_events.insert(), rows)
        conn.execute(hazards.update().where(hazards.c.id.in_(closed["id"].tolist()))
                     .values(status="rectifying", closed_at=None, updated_at="bench"))
    return len(rows)


if __name__ == "__main__":
    sys.exit(main())
