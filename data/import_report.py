"""What an import or a preview hands back: the counts, the row-by-row report, the first rows.

The report has one line per problem (a row may have several) with the columns
:data:`REPORT_COLUMNS`; every reason is bilingual (Chinese / English), see :func:`bilingual`.
:meth:`ImportResult.report_csv` writes it as CSV in UTF-8 with BOM so that Excel opens it
correctly, with formula-like text neutralised (:func:`data.export.csv_bytes`: a value such as
``=1+1`` from the file is written as ``'=1+1``); :func:`read_report` reads it back.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from risk.files import write_bytes_atomic

__all__ = [
    "REPORT_COLUMNS",
    "ImportResult",
    "Preview",
    "bilingual",
    "problem",
    "short_rows",
    "blank_rows_note",
    "read_report",
]

REPORT_COLUMNS = ["layer", "row", "column", "value", "reason"]


@dataclass
class ImportResult:
    """What an import did: counts, every rejected row with its reasons, the mapping used."""

    layer: str
    total_rows: int
    accepted_count: int
    rejected: pd.DataFrame
    """One line per problem: layer, row, column, value, reason (a row may have several)."""
    mapping_used: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    accepted_rows: list[int] = field(default_factory=list)
    written: bool = False
    refused: bool = False
    """``strict=True`` and some row failed: nothing was written."""
    format: str = ""
    encoding: str | None = None
    crs_used: str = ""

    @property
    def rejected_rows(self) -> list[int]:
        return sorted(set(self.rejected["row"].astype(int).tolist()))

    @property
    def rejected_count(self) -> int:
        return len(self.rejected_rows)

    def report_csv(self) -> bytes:
        """The report as CSV in UTF-8 with BOM (opens correctly in Excel); text that a
        spreadsheet would run as a formula gets a leading ``'`` (:func:`data.export.csv_bytes`)."""
        from data.export import csv_bytes

        return csv_bytes(self.rejected)

    def write_report(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`report_csv` to ``path`` (atomically); returns the path."""
        return write_bytes_atomic(path, self.report_csv())


@dataclass
class Preview:
    """The first rows of a file and the mapping that would be used, for the upload panel."""

    columns: list[str]
    rows: list[dict[str, object]]
    guessed_mapping: dict[str, str]
    encoding: str | None
    detected_crs_hint: str | None
    """A value of the CRS registry (:func:`data.coordsys.parse_crs` accepts it) or ``None``."""
    format: str = ""
    header_row: int | None = None
    total_rows: int = 0
    warnings: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    """Columns the mapping does not use, which an import keeps as extra attributes."""
    truncated_row: int | None = None
    """The row number of a last line that looks cut off (``None``: the file looks whole); an
    import is refused unless ``allow_truncated=True``."""
    blank_rows: list[int] = field(default_factory=list)
    """Row numbers of the blank rows an import skips."""


_ZH_REASONS = (
    ("empty name", "名称为空"),
    ("duplicate id", "编号重复"),
    ("unknown risk grade", "风险等级无法识别"),
    ("risk grade is empty", "风险等级为空"),
    ("missing or empty geometry", "缺少几何图形"),
    ("geometry must be", "几何类型不符"),
    ("invalid geometry", "几何图形无效"),
    ("outside the dataset's region", "不在数据集区域内"),
    ("coordinates out of range", "坐标超出范围"),
    ("not a number", "不是数字"),
    ("not a whole number", "不是整数"),
    ("not yes/no", "不是“是/否”"),
    ("not a date", "不是日期"),
    ("shelter type must be", "避难场所类型无法识别"),
    ("road class must be", "道路等级无法识别"),
)


def bilingual(reason: str) -> str:
    """Prefix an English validation reason with its Chinese; Chinese reasons stay as they are.

    >>> bilingual("empty name")
    '名称为空 / empty name'
    >>> bilingual("缺少坐标 / missing coordinate")
    '缺少坐标 / missing coordinate'
    """
    if any("\u4e00" <= ch <= "\u9fff" for ch in reason[:12]):
        return reason
    for prefix, zh in _ZH_REASONS:
        if reason.startswith(prefix):
            return f"{zh} / {reason}"
    return reason


def problem(layer: str, row: int, column: str, value: object, reason: str) -> dict:
    """One report line."""
    return {"layer": layer, "row": int(row), "column": column, "value": str(value),
            "reason": reason}


def short_rows(rows: list[int], limit: int = 20) -> str:
    """Row numbers for a warning, at most ``limit`` of them.

    >>> short_rows([2, 3, 4], limit=2)
    '2, 3 … (+1)'
    """
    text = ", ".join(str(r) for r in rows[:limit])
    return text + (f" … (+{len(rows) - limit})" if len(rows) > limit else "")


def blank_rows_note(rows: list[int]) -> str:
    """The warning for skipped blank rows, worded as row numbers (never as a count).

    >>> blank_rows_note([10])
    '已跳过空行：第 10 行 / skipped blank row: row 10'
    >>> blank_rows_note([3, 7])
    '已跳过空行：第 3, 7 行 / skipped blank rows: rows 3, 7'
    """
    text = short_rows(rows)
    if len(rows) == 1:
        return f"已跳过空行：第 {text} 行 / skipped blank row: row {text}"
    return f"已跳过空行：第 {text} 行 / skipped blank rows: rows {text}"


def read_report(data: bytes) -> pd.DataFrame:
    """Read a report written by :meth:`ImportResult.report_csv` back (for tests and the UI)."""
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"value": str})
