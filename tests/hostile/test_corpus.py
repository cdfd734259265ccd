"""The hostile corpus (issue 12) through the CLI and the importer, as a user would send it.

Every hostile file is refused with a clear bilingual message (exit 2, no traceback), within
5 s and 200 MB (tracemalloc peak), and the dataset stays exactly as it was; formula names are
neutral in every export; mathtext names print literally; a locked or read-only store refuses
writes with the reason; a layer write leaves no temporary file behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
import time
import tracemalloc
from pathlib import Path

import geopandas as gpd
import pytest
from hostile_make_corpus import (  # type: ignore[import-not-found]
    CENTER,
    FORMULA_NAMES,
    MATHTEXT_NAMES,
    locked_store,
    read_only_store,
)

from data import BOUNDARIES_DIR
from data.dataset import Dataset
from data.importer import ImportFileError, import_layer, preview
from data.limits import current_limits
from data.store import FileStore
from risk.files import TMP_MARK
from ui.cli import main

MAX_SECONDS = 5.0
MAX_PEAK_BYTES = 200 * 1024 * 1024
HOSTILE = {  # corpus key: (layer, what the message must name)
    "zip_bomb": ("enterprises", "RISKMAP_MAX_ZIP_RATIO"),
    "wide_1m": ("enterprises", "RISKMAP_MAX_COLUMNS"),
    "wide_600": ("enterprises", "RISKMAP_MAX_COLUMNS"),
    "long_line": ("enterprises", "RISKMAP_MAX_LINE_KB"),
    "huge_polygon": ("districts", "RISKMAP_MAX_VERTICES"),
}


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A dataset folder: the bundled districts and three enterprises."""
    store = FileStore(tmp_path / "ds")
    store.write_layer("districts", gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson"))
    store.write_layer("enterprises", gpd.GeoDataFrame(
        {"id": ["a1", "a2", "a3"], "name": ["甲", "乙", "丙"], "grade": ["red", "blue", "yellow"],
         "industry": ["化工"] * 3, "major_hazard": [True, False, False]},
        geometry=gpd.points_from_xy([114.05, 114.06, 114.07], [22.54, 22.55, 22.56]), crs=4326))
    return store.root


def _layer_files(root: Path) -> dict[str, str]:
    """What a dataset is: its layer, raster and description files, by content."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.iterdir())
            if p.suffix in (".gpkg", ".tif", ".json")}


def _no_temporaries(root: Path) -> None:
    left = [p.name for p in root.rglob("*") if TMP_MARK in p.name or p.name.endswith(".previous")]
    assert left == []


def _bounded(call):
    """Run ``call()``; returns ``(result or exception, CPU seconds, peak bytes)``.

    CPU time, not wall time: the test suite shares the machine (bench/bench_hostile.py reports
    wall times)."""
    tracemalloc.start()
    start = time.process_time()
    try:
        out = call()
    except Exception as exc:  # the caller checks what it was
        out = exc
    seconds = time.process_time() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, seconds, peak


# -- every hostile file refused, fast, small, nothing changed -----------------------------------

@pytest.mark.parametrize("key", list(HOSTILE))
def test_cli_import_refuses_with_a_clear_message(key, corpus, dataset, capsys):
    layer, limit = HOSTILE[key]
    before = _layer_files(dataset)
    code, seconds, peak = _bounded(lambda: main(
        ["import", str(corpus[key]), "--layer", layer, "--data", str(dataset)]))
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("riskmap: error: ") and limit in err and "Traceback" not in err
    assert " / " in err  # 中文 / English
    assert seconds < MAX_SECONDS and peak < MAX_PEAK_BYTES, (seconds, peak)
    assert _layer_files(dataset) == before
    _no_temporaries(dataset)
    assert len(Dataset.load(dataset).enterprises) == 3


@pytest.mark.parametrize("entry", ["preview", "import_layer"])
@pytest.mark.parametrize("key", list(HOSTILE))
def test_importer_refuses_in_bounded_time_and_memory(key, entry, corpus, dataset):
    layer, limit = HOSTILE[key]
    store = FileStore(dataset)
    before = _layer_files(dataset)
    if entry == "preview":
        out, seconds, peak = _bounded(lambda: preview(corpus[key], layer=layer, store=store))
    else:
        out, seconds, peak = _bounded(lambda: import_layer(store, layer, corpus[key]))
    assert isinstance(out, ImportFileError) and limit in str(out), out
    assert seconds < MAX_SECONDS and peak < MAX_PEAK_BYTES, (seconds, peak)
    assert _layer_files(dataset) == before


def test_an_upload_over_the_server_limit_is_refused_before_reading(tmp_path, dataset):
    big = tmp_path / "upload_80mb.csv"
    with open(big, "wb") as fh:  # sparse: 80 MB on paper, nothing on disk
        fh.write("企业名称,经度,纬度,风险等级\n".encode())
        fh.truncate(80 * 1024 * 1024)
    limit = current_limits().max_upload_bytes
    for call in (lambda: preview(big, layer="enterprises", max_bytes=limit),
                 lambda: import_layer(FileStore(dataset), "enterprises", big, max_bytes=limit)):
        out, seconds, peak = _bounded(call)
        assert isinstance(out, ImportFileError) and "80 MB" in str(out) and "50 MB" in str(out)
        assert seconds < 1 and peak < 10 * 1024 * 1024


# -- formula names: stored as given, neutral in every spreadsheet export -------------------------

def _cells(data: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [c for row in rows for c in row]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _assert_neutral(cells: list[str]) -> None:
    from data.export import FORMULA_PREFIXES

    assert [c for c in cells if c.startswith(FORMULA_PREFIXES) and not _is_number(c)] == []


def test_formula_names_import_as_given_and_export_neutral(corpus, dataset, capsys):
    assert main(["import", str(corpus["formula_names"]), "--layer", "enterprises",
                 "--data", str(dataset)]) == 0
    names = set(Dataset.load(dataset).enterprises["name"])
    assert {"=1+1", "@SUM(A1:A9)", "-2"} <= names  # stored exactly as given
    capsys.readouterr()
    for table in ("priority_enterprises", "zones"):
        code = main(["cordon", "--data", str(dataset), "--lon", str(CENTER[0]), "--lat",
                     str(CENTER[1]), "--radii-km", "1,5,10", "--format", "csv", "--table",
                     table])
        assert code == 0
        cells = _cells(capsys.readouterr().out.encode())
        _assert_neutral(cells)
    assert "'=1+1" in _cells(_priority_csv(dataset))


def _priority_csv(root: Path) -> bytes:
    from data.export import to_csv
    from risk.cordon import exposure

    return to_csv(exposure(Dataset.load(root).layers, CENTER), table="priority_enterprises")


def test_import_report_of_formula_values_is_neutral(tmp_path, dataset):
    bad = tmp_path / "bad.csv"
    with open(bad, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["企业名称", "经度", "纬度", "风险等级"])
        for name in FORMULA_NAMES:
            writer.writerow([name, "=HYPERLINK(1)", "22.5", "@紫"])
    result = import_layer(FileStore(dataset), "enterprises", bad)
    assert result.accepted_count == 0 and result.rejected_count == len(FORMULA_NAMES)
    cells = _cells(result.report_csv())
    assert "'=HYPERLINK(1), 22.5" in cells or "'=HYPERLINK(1)" in " ".join(cells)
    _assert_neutral(cells)


# -- mathtext names: the PDF renders and shows them literally ------------------------------------

@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.usefixtures("font_cache")
def test_pdf_with_mathtext_names_renders_them_literally(corpus, dataset, tmp_path, capsys):
    assert main(["import", str(corpus["mathtext_names"]), "--layer", "enterprises",
                 "--data", str(dataset)]) == 0
    out = tmp_path / "m.pdf"
    code = main(["pdf", "--data", str(dataset), "--lon", str(CENTER[0]), "--lat",
                 str(CENTER[1]), "--radii-km", "0.3,1,5", "--tables", "--title", "$x$ 图 \\a_b",
                 "--subtitle", "^{} 5$", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "$x$ 图 \\a_b" in text and "^{} 5$" in text
    shown = [n for n in MATHTEXT_NAMES if n in text]
    assert len(shown) >= 4, shown  # the nearest priority enterprises table lists them


# -- failing stores: locked, read-only ----------------------------------------------------------

def test_a_locked_store_refuses_the_import_with_the_reason(corpus, dataset, capsys,
                                                           monkeypatch):
    import data.sysdb

    monkeypatch.setattr(data.sysdb, "LOCK_TIMEOUT_S", 0.2)
    before = _layer_files(dataset)
    with locked_store(dataset):
        code = main(["import", str(corpus["formula_names"]), "--layer", "enterprises",
                     "--data", str(dataset)])
    err = capsys.readouterr().err
    assert code == 2 and "busy" in err and "Traceback" not in err
    assert _layer_files(dataset) == before
    _no_temporaries(dataset)


def test_a_read_only_store_refuses_the_import_with_the_reason(corpus, dataset, capsys):
    before = _layer_files(dataset)
    with read_only_store(dataset):
        code = main(["import", str(corpus["formula_names"]), "--layer", "enterprises",
                     "--data", str(dataset)])
    err = capsys.readouterr().err
    assert code == 2 and "只读" in err and "read-only" in err and "Traceback" not in err
    assert _layer_files(dataset) == before


# -- a layer write leaves no temporary file, after success or failure ---------------------------

def test_layer_writes_leave_no_temporary_file(dataset, monkeypatch):
    store = FileStore(dataset)
    frame = store.read_layer("enterprises")
    store.write_layer("enterprises", frame.head(2))
    _no_temporaries(dataset)
    before = _layer_files(dataset)

    real = gpd.GeoDataFrame.to_file

    def half_then_fail(self, path, *args, **kwargs):
        real(self.head(1), path, *args, **kwargs)  # the temporary exists, then the disk fails
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", half_then_fail)
    with pytest.raises(OSError, match="No space"):
        store.write_layer("enterprises", frame)
    _no_temporaries(dataset)
    assert _layer_files(dataset) == before
    assert [p for p in os.listdir(dataset) if p.endswith("-journal")] == []


def test_a_failed_layer_change_puts_the_layer_back_and_leaves_no_file(dataset, monkeypatch):
    """A layer change whose version record fails (disk full at the commit) restores the layer
    from its ``.previous`` backup, which is then gone too."""
    import data.store

    store = FileStore(dataset)
    frame = store.read_layer("enterprises")
    before = _layer_files(dataset)

    real = data.store.record_version
    calls = []

    def full(db, conn, info):
        calls.append(info.mode)
        if info.mode == "baseline":  # the layer as found is kept first, then the change fails
            return real(db, conn, info)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(data.store, "record_version", full)
    with pytest.raises(OSError, match="No space"):
        store.change_layer("enterprises", lambda old: data.store.LayerChange(
            frame=frame.head(1), added=0, changed=0, removed=2), actor="test", mode="replace")
    assert _layer_files(dataset) == before
    _no_temporaries(dataset)
    assert calls == ["baseline", "replace"]  # it failed in the version record, after the copy
