"""The monthly hidden-danger report PDF (layers/print_hazards.py), read back as text."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from data.hazards import HazardStore, monthly_stats
from data.store import FileStore
from layers.print_hazards import hazard_report_pdf, month_end

pytestmark = pytest.mark.usefixtures("font_cache")


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_report_has_the_map_page_and_the_district_tables(small_sample, small_dataset,
                                                             tmp_path):
    frame = HazardStore(FileStore(small_sample).db).frame()
    pdf = hazard_report_pdf(frame, small_dataset, month=dt.date(2026, 6, 1))
    text = _text(pdf, tmp_path)
    assert pdf.startswith(b"%PDF") and "附表 Tables" in text  # the tables page
    assert "隐患排查治理月报（2026年6月）" in text and "合成" in text
    stats = monthly_stats(frame, [dt.date(2026, 6, 30)])
    total = stats[stats["district"] == "合计"].iloc[0]
    assert f"本月发现 found this month: {total['found']}" in text
    assert f"逾期 overdue: {total['overdue']}" in text
    for name in sorted(set(frame["district"]))[:3]:
        assert name in text
    assert "未整改重大事故隐患" in text


def test_an_empty_register_still_gives_a_report(small_dataset, tmp_path):
    frame = HazardStore(FileStore(tmp_path).db).frame()
    text = _text(hazard_report_pdf(frame, small_dataset, month=dt.date(2026, 2, 1)), tmp_path)
    assert "没有隐患记录" in text and "2026年2月" in text


def test_month_end():
    assert month_end(dt.date(2026, 12, 5)) == dt.date(2026, 12, 31)
