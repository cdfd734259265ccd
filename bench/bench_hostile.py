"""Benchmark: time and peak memory to refuse hostile files (issue 12), printed as a table.

Each case runs in its own process: wall time of the call, and the process's peak resident
memory (``VmHWM``) minus its resident memory just before the call, so GDAL's and numpy's memory
count too. Goals: each refusal under 5 s and under 200 MB. Before the bounded reading (issue 12):
zip bomb 72 s / 3.2 GB (and 2.75 M rows written), 1 M-column CSV 11.8 s / +1 GB (web preview),
80 MB upload accepted (+524 MB).

Run: .venv/bin/python bench/bench_hostile.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import DEFAULT_CACHE  # noqa: E402

CASES = [  # (corpus key, layer, how the file arrives)
    ("zip_bomb", "enterprises", "path"),
    ("wide_1m", "enterprises", "path"),
    ("upload_80mb", "enterprises", "upload"),
    ("long_line", "enterprises", "path"),
    ("huge_polygon", "districts", "path"),
]
ENTRIES = ("preview", "import_layer")


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def run_one(key: str, layer: str, how: str, entry: str, corpus_dir: Path, data_dir: Path) -> dict:
    """One case in this process: ``{"seconds", "peak_mb", "outcome"}``."""
    import shutil

    import geopandas as gpd

    from data import BOUNDARIES_DIR
    from data.importer import import_layer, preview
    from data.limits import current_limits
    from data.readers import ImportFileError
    from data.store import FileStore

    root = data_dir / f"{key}-{entry}"
    shutil.rmtree(root, ignore_errors=True)
    store = FileStore(root)
    store.write_layer("districts", gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson"))
    path = corpus_dir / (f"{key}.csv" if key == "upload_80mb" else {
        "zip_bomb": "zip_bomb.zip", "wide_1m": "wide_1m.csv", "long_line": "long_line.csv",
        "huge_polygon": "huge_polygon.geojson"}[key])
    limits = current_limits()
    kwargs: dict = {"filename": path.name}
    source: object = path
    if how == "upload":  # as the server gets it: the bytes of the posted file, its upload limit
        source = path.read_bytes()
        kwargs["max_bytes"] = limits.max_upload_bytes
    base_kb = _status_kb("VmRSS")
    start = time.perf_counter()
    try:
        if entry == "preview":
            preview(source, layer=layer, store=store, **kwargs)  # type: ignore[arg-type]
        else:
            import_layer(store, layer, source, **kwargs)  # type: ignore[arg-type]
        outcome = "ACCEPTED"
    except ImportFileError as exc:
        outcome = "refused: " + str(exc).split(" / ")[0]
    seconds = time.perf_counter() - start
    peak_mb = (_status_kb("VmHWM") - base_kb) / 1024
    return {"seconds": seconds, "peak_mb": max(peak_mb, 0.0), "outcome": outcome}


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "hostile"))
    from make_corpus import make_corpus  # type: ignore[import-not-found]

    corpus_dir = DEFAULT_CACHE / "hostile"
    t = time.perf_counter()
    make_corpus(corpus_dir, with_upload=True)
    print(f"corpus in {corpus_dir} ({time.perf_counter() - t:.1f} s)")
    data_dir = DEFAULT_CACHE / "hostile-data"
    print(f"{'file':<14} {'entry':<13} {'seconds':>8} {'peak MB':>8}  outcome")
    for key, layer, how in CASES:
        for entry in ENTRIES:
            out = subprocess.run(
                [sys.executable, __file__, "--one", key, layer, how, entry, str(corpus_dir),
                 str(data_dir)], capture_output=True, text=True, check=False)
            if out.returncode:
                print(f"{key:<14} {entry:<13} failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{key:<14} {entry:<13} {r['seconds']:>8.2f} {r['peak_mb']:>8.0f}  "
                  f"{r['outcome'][:60]}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        key, layer, how, entry, corpus, data = sys.argv[2:8]
        print(json.dumps(run_one(key, layer, how, entry, Path(corpus), Path(data)),
                         ensure_ascii=False))
    else:
        main()
