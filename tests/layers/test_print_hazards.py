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
    majors = int(((frame["level"] == "major") & (frame["found_at"] <= "2026-06-30")
                  & ~(frame["closed_at"].fillna("9999") <= "2026-06-30")).sum())
    assert f"未整改重大事故隐患（共 {majors} 项" in text.replace("\n", "")  # all, listed or not


def test_the_report_follows_the_history_of_a_reopened_hazard(small_dataset, tmp_path):
    hz = HazardStore(FileStore(tmp_path).db)
    today = dt.date(2026, 8, 1)
    hid = hz.add({"title": "反复出现的隐患", "lon": 114.05, "lat": 22.54, "found_at": "2026-03-01",
                  "district": "福田区"}, actor="t", today=today)
    steps = [("registered", {}), ("assessed", {"level": "major"}), ("reported", {}),
             ("monitored", {}), ("rectifying", {"deadline": "2026-05-31",
                                                "responsible_unit": "甲",
                                                "responsible_person": "王五"}),
             ("closed", {"reviewed_by": "赵六", "review_result": "合格",
                         "closed_at": "2026-04-10"})]
    for to, given in steps:
        hz.transition(hid, to, given, actor="t", at="2026-03-05", today=today)
    hz.transition(hid, "rectifying", {"deadline": "2026-07-31"}, actor="t",
                  at="2026-06-02", note="复查反弹", today=today)
    frame, events = hz.frame(), hz.all_events()
    april = _text(hazard_report_pdf(frame, small_dataset, month=dt.date(2026, 4, 1),
                                    events=events), tmp_path)
    assert "本月核销 closed this month: 1" in april and "未整改 open: 0" in april
    june = _text(hazard_report_pdf(frame, small_dataset, month=dt.date(2026, 6, 1),
                                   events=events), tmp_path)
    assert "未整改 open: 1" in june and "重大未整改 major open: 1" in june
    assert "反复出现的隐患" in june  # listed among the open majors


def test_an_empty_register_still_gives_a_report(small_dataset, tmp_path):
    frame = HazardStore(FileStore(tmp_path).db).frame()
    text = _text(hazard_report_pdf(frame, small_dataset, month=dt.date(2026, 2, 1)), tmp_path)
    assert "没有隐患记录" in text and "2026年2月" in text


def test_month_end():
    assert month_end(dt.date(2026, 12, 5)) == dt.date(2026, 12, 31)
