"""Write the hostile-file corpus of issue 12 into a folder (seeded, reproducible).

    python tests/hostile/make_corpus.py OUT_DIR [--with-upload]

Files (see :data:`CORPUS`):

* ``zip_bomb.zip``: a small zip (a few hundred KB) holding 120 MB of CSV.
* ``wide_1m.csv``: a CSV header of 1,000,000 columns (7.9 MB on one line).
* ``wide_600.csv``: 600 short columns (a line under the line limit: the column limit refuses it).
* ``long_line.csv``: one 50 MB line.
* ``huge_polygon.geojson``: a district polygon of 1,000,000 vertices.
* ``formula_names.csv``: enterprises named ``=1+1``, ``+cmd``, ``-2``, ``@SUM(A1)``, with a
  leading tab or CR …, all valid rows (they import; exports must neutralise them).
* ``mathtext_names.csv``: enterprises named ``$x$``, ``\\alpha``, ``^_{}`` … (PDFs must show them).
* ``upload_80mb.csv`` (``--with-upload``): an ordinary but 80 MB table, over the server's
  upload limit.

Helpers for tests: :func:`locked_store` (another process holds the records database's write
lock) and :func:`read_only_store` (this process may not write the folder; root ignores chmod,
so ``os.access`` is asked).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import sqlite3
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

SEED = 12
HEADER = "企业名称,经度,纬度,风险等级,行业\n"
CENTER = (114.06, 22.54)  # Shenzhen, inside the bundled districts

FORMULA_NAMES = ["=1+1", "+cmd|' /C calc'!A0", "-2", "@SUM(A1:A9)", "\tTAB公司", "\rCR公司",
                 "=HYPERLINK(\"http://x\")", "-", "普通公司"]
"""Names that a spreadsheet would run as formulas (and two harmless ones)."""
MATHTEXT_NAMES = ["$x$ 化工", "\\alpha 公司", "^_{} 仓储", "$\\frac{1}{2}$", "100$ 物流",
                  "a_b^c {d}"]
"""Names matplotlib's mathtext would parse (or crash on)."""

CORPUS = {
    "zip_bomb": "zip_bomb.zip",
    "wide_1m": "wide_1m.csv",
    "wide_600": "wide_600.csv",
    "long_line": "long_line.csv",
    "huge_polygon": "huge_polygon.geojson",
    "formula_names": "formula_names.csv",
    "mathtext_names": "mathtext_names.csv",
}
UPLOAD = "upload_80mb.csv"


def _rows(rng: random.Random, n: int) -> Iterator[str]:
    for i in range(n):
        yield (f"企业{i:07d},{CENTER[0] + rng.uniform(-0.1, 0.1):.6f},"
               f"{CENTER[1] + rng.uniform(-0.1, 0.1):.6f},{rng.choice('红橙黄蓝')},化工\n")


def zip_bomb(path: Path, *, unpacked_mb: int = 120) -> Path:
    """A deflated CSV of ``unpacked_mb`` MB of identical rows (it compresses about 1000:1)."""
    line = "企业甲,114.060000,22.540000,红,化工\n".encode()
    block = line * (1024 * 1024 // len(line) + 1)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("enterprises.csv", "w", force_zip64=True) as fh:
            fh.write(HEADER.encode())
            for _ in range(unpacked_mb):
                fh.write(block[:1024 * 1024])
    return path


def wide_csv(path: Path, columns: int) -> Path:
    """A header of ``columns`` columns and one data row."""
    names = ["企业名称", "经度", "纬度", "风险等级"] + [f"c{i}" for i in range(columns - 4)]
    values = ["甲", "114.06", "22.54", "红"] + [""] * (columns - 4)
    path.write_text(",".join(names) + "\n" + ",".join(values) + "\n", encoding="utf-8")
    return path


def long_line(path: Path, *, mb: int = 50) -> Path:
    """A header, then one line of ``mb`` MB (a name cell that never ends)."""
    with open(path, "wb") as fh:
        fh.write(HEADER.encode())
        chunk = b"x" * (1024 * 1024)
        fh.write(b"\xe7\x94\xb2")  # 甲
        for _ in range(mb):
            fh.write(chunk)
        fh.write(b",114.06,22.54,red,chem\n")
    return path


def huge_polygon(path: Path, *, vertices: int = 1_000_000, seed: int = SEED) -> Path:
    """A districts GeoJSON whose one polygon is a jagged circle of ``vertices`` vertices."""
    import numpy as np

    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * math.pi, vertices, endpoint=False)
    r = 0.05 * (1 + 0.02 * rng.random(vertices))
    xs, ys = CENTER[0] + r * np.cos(t), CENTER[1] + r * np.sin(t)
    coords = ",".join(f"[{x:.6f},{y:.6f}]" for x, y in zip(xs, ys, strict=True))
    first = f"[{xs[0]:.6f},{ys[0]:.6f}]"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
                 '{"name":"巨大区","code":"440399"},"geometry":{"type":"Polygon","coordinates":'
                 f'[[{coords},{first}]]}}}}]}}')
    return path


def names_csv(path: Path, names: list[str], *, seed: int = SEED) -> Path:
    """One valid enterprise row per name (quoted as a spreadsheet would write it)."""
    import csv

    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["编号", "企业名称", "经度", "纬度", "风险等级", "行业", "地址"])
        for i, name in enumerate(names):
            writer.writerow([f"h{i:03d}", name, f"{CENTER[0] + rng.uniform(-0.01, 0.01):.6f}",
                             f"{CENTER[1] + rng.uniform(-0.01, 0.01):.6f}", "红",
                             name if i % 2 else "化工", f"{name} 路 {i} 号"])
    return path


def upload_csv(path: Path, *, mb: int = 80, seed: int = SEED) -> Path:
    """An ordinary table of about ``mb`` MB."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        while fh.tell() < mb * 1024 * 1024:
            fh.writelines(_rows(rng, 10_000))
    return path


def make_corpus(out: Path, *, with_upload: bool = False) -> dict[str, Path]:
    """Write every file of :data:`CORPUS` (and the 80 MB upload) into ``out``; returns
    ``{key: path}``. Files already there are kept (the corpus is deterministic)."""
    out.mkdir(parents=True, exist_ok=True)
    makers = {
        "zip_bomb": zip_bomb,
        "wide_1m": lambda p: wide_csv(p, 1_000_000),
        "wide_600": lambda p: wide_csv(p, 600),
        "long_line": long_line,
        "huge_polygon": huge_polygon,
        "formula_names": lambda p: names_csv(p, FORMULA_NAMES),
        "mathtext_names": lambda p: names_csv(p, MATHTEXT_NAMES),
    }
    paths = {}
    for key, name in CORPUS.items():
        path = out / name
        if not path.is_file():
            makers[key](path)
        paths[key] = path
    if with_upload:
        path = out / UPLOAD
        if not path.is_file():
            upload_csv(path)
        paths["upload_80mb"] = path
    return paths


@contextlib.contextmanager
def locked_store(folder: Path) -> Iterator[sqlite3.Connection]:
    """Hold the write lock of ``folder/riskmap.sqlite`` (as another process would) while the
    block runs."""
    from data.sysdb import SystemDB

    SystemDB.for_folder(folder)  # the records database exists
    other = sqlite3.connect(folder / "riskmap.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.rollback()
        other.close()


@contextlib.contextmanager
def read_only_store(folder: Path) -> Iterator[None]:
    """``folder`` is not writable by this process while the block runs: ``chmod`` for an
    ordinary user, and ``os.access`` answering "no" for writes (root ignores permissions)."""
    import data.sysdb

    real = os.access
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
    for p in modes:
        os.chmod(p, 0o555 if p.is_dir() else 0o444)
    data.sysdb.os.access = (  # type: ignore[attr-defined]
        lambda path, mode, **kw: False if mode & os.W_OK else real(path, mode))
    try:
        yield
    finally:
        data.sysdb.os.access = real  # type: ignore[attr-defined]
        for p, mode in modes.items():
            os.chmod(p, mode)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: make_corpus.py OUT_DIR [--with-upload]")
    made = make_corpus(Path(sys.argv[1]), with_upload="--with-upload" in sys.argv)
    print(json.dumps({k: f"{p} ({p.stat().st_size:,} bytes)" for k, p in made.items()},
                     ensure_ascii=False, indent=1))
