"""The import report (data.import_report): bilingual reasons, CSV for Excel, atomic writing."""

from __future__ import annotations

import pandas as pd

from data.import_report import (
    REPORT_COLUMNS,
    ImportResult,
    bilingual,
    problem,
    read_report,
    short_rows,
)


def _result() -> ImportResult:
    rejected = pd.DataFrame([problem("enterprises", 3, "名称 (name)", "", bilingual("empty name")),
                             problem("enterprises", 3, "grade", "紫", "unknown risk grade 紫"),
                             problem("enterprises", 5, "经度", "abc", "坐标不是数字 / not a number")],
                            columns=REPORT_COLUMNS)
    return ImportResult(layer="enterprises", total_rows=4, accepted_count=2, rejected=rejected,
                        mapping_used={})


def test_reasons_are_bilingual_once():
    assert bilingual("unknown risk grade 'x'") == "风险等级无法识别 / unknown risk grade 'x'"
    assert bilingual("名称为空 / empty name") == "名称为空 / empty name"
    assert bilingual("something else") == "something else"


def test_rows_are_counted_once_per_row():
    result = _result()
    assert result.rejected_rows == [3, 5] and result.rejected_count == 2
    assert short_rows(list(range(2, 30))).endswith("… (+8)")


def test_report_round_trips_and_is_written_atomically(tmp_path):
    result = _result()
    target = tmp_path / "report.csv"
    target.write_text("old")
    assert result.write_report(target) == target
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data == result.report_csv()
    back = read_report(data)
    assert back["row"].tolist() == [3, 3, 5] and back["value"].tolist()[2] == "abc"
    assert back["reason"].iloc[0] == "名称为空 / empty name"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_report_csv_neutralises_formulas_from_the_file():
    rejected = pd.DataFrame([problem("enterprises", 2, "=cmd (name)", "=1+1", "empty name"),
                             problem("enterprises", 3, "经度", "-2", "not a number"),
                             problem("enterprises", 4, "名称", "@SUM(A1)", "x")],
                            columns=REPORT_COLUMNS)
    result = ImportResult(layer="enterprises", total_rows=3, accepted_count=0, rejected=rejected,
                          mapping_used={})
    back = read_report(result.report_csv())
    assert back["value"].tolist() == ["'=1+1", "-2", "'@SUM(A1)"]
    assert back["column"].iloc[0] == "'=cmd (name)"
    assert back["row"].tolist() == [2, 3, 4]  # numbers stay numbers
