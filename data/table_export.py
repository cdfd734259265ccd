"""The enterprise attribute table: which rows (filters, overdue inspections), which columns
(Chinese headers, the schema's columns then the dataset's own extra columns), and its export to
Excel (xlsx), CSV and GeoJSON.

The attribute table of the analyst tab and ``riskmap export enterprises`` build the same frame
here. Every cell of an xlsx or CSV passes through :func:`data.export.neutralise_frame` (formula
text such as ``=HYPERLINK(…)`` in a name is written as text, see :mod:`data.export`).

Overdue inspections: a row is overdue when its ``last_inspection`` is before the cut-off date
(``months`` before ``today``) or is blank (never inspected counts as overdue).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from data.export import csv_bytes, neutralise_frame
from data.schema import INDUSTRIES, LAYERS
from risk.grades import GRADES

__all__ = [
    "TABLE_FORMATS",
    "TABLE_COLUMNS",
    "months_before",
    "overdue_mask",
    "extra_columns",
    "table_frame",
    "table_bytes",
]

TABLE_FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "csv": ("text/csv", ".csv"),
    "geojson": ("application/geo+json", ".geojson"),
}

TABLE_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "grade": ("风险等级", "Risk grade"),
    "industry": ("行业", "Industry"),
    "district": ("所属区", "District"),
    "address": ("地址", "Address"),
    "major_hazard": ("重大危险源", "Major hazard source"),
    "last_inspection": ("最近检查", "Last inspection"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
}
"""The schema's columns of the table, in order, with their (Chinese, English) headers."""

_SCHEMA = set(LAYERS["enterprises"].columns) | {"geometry"}


def months_before(today: dt.date, months: int) -> dt.date:
    """The date ``months`` calendar months before ``today`` (the day clipped to the month's end).

    >>> months_before(dt.date(2026, 3, 31), 1)
    datetime.date(2026, 2, 28)
    >>> months_before(dt.date(2026, 12, 1), 12)
    datetime.date(2025, 12, 1)
    """
    if not isinstance(months, int) or isinstance(months, bool) or months < 0:
        raise ValueError(f"`months` must be a whole number ≥ 0, got {months!r}")
    total = today.year * 12 + (today.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(today.day, last))


def overdue_mask(enterprises: pd.DataFrame, *, before: dt.date) -> pd.Series:
    """Rows whose last inspection is before ``before`` or blank (aligned to ``enterprises``).

    >>> df = pd.DataFrame({"last_inspection": ["2025-01-02", "2026-05-01", "", None]})
    >>> overdue_mask(df, before=dt.date(2026, 1, 1)).tolist()
    [True, False, True, True]
    """
    dates = pd.to_datetime(enterprises["last_inspection"].astype("string"), errors="coerce",
                           format="ISO8601")
    return (dates.isna() | (dates < pd.Timestamp(before))).fillna(True).astype(bool)


def extra_columns(enterprises: pd.DataFrame) -> list[str]:
    """The dataset's own columns that the schema does not know (序号, 法人, 联系电话 …), in order."""
    return [str(c) for c in enterprises.columns if c not in _SCHEMA]


def table_frame(enterprises: gpd.GeoDataFrame, *, lang: str = "zh",
                headers: bool = True) -> pd.DataFrame:
    """The attribute table of ``enterprises``: schema columns, longitude/latitude, extra columns.

    Grades and yes/no are words in ``lang``; with ``headers`` the columns carry their Chinese
    (or English) names, else the column codes.
    """
    en = lang == "en"
    grade_words = {g.value: g.label(lang) for g in GRADES}
    yes, no = ("yes", "no") if en else ("是", "否")
    out = pd.DataFrame(index=enterprises.index)
    for col in ("id", "name"):
        out[col] = enterprises[col].astype("string").fillna("") if col in enterprises else ""
    out["grade"] = enterprises["grade"].map(grade_words).fillna(enterprises["grade"])
    industry = enterprises["industry"].astype("string").fillna("")
    out["industry"] = industry.map(lambda v: INDUSTRIES.get(v, v)) if en else industry
    for col in ("district", "address", "last_inspection"):
        out[col] = enterprises[col].astype("string").fillna("") if col in enterprises else ""
    out["major_hazard"] = np.where(enterprises["major_hazard"].astype(bool), yes, no)
    geoms = enterprises.geometry
    out["lon"] = geoms.x.round(6)
    out["lat"] = geoms.y.round(6)
    out = out[list(TABLE_COLUMNS)]
    for col in extra_columns(enterprises):
        out[col] = enterprises[col].astype("string").fillna("")
    if headers:
        pick = 1 if en else 0
        out.columns = [TABLE_COLUMNS[c][pick] if c in TABLE_COLUMNS else c for c in out.columns]
    return out.reset_index(drop=True)


def _xlsx_bytes(frame: pd.DataFrame, *, sheet: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    safe = neutralise_frame(frame)
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([str(c) for c in safe.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in safe.itertuples(index=False, name=None):
        # every text cell is written as a string value: openpyxl never turns it into a formula
        ws.append([None if (isinstance(v, float) and v != v) or v is pd.NA else v for v in row])
    for cell in (c for r in ws.iter_rows(min_row=2) for c in r):
        if isinstance(cell.value, str):
            cell.data_type = "s"
    ws.freeze_panes = "A2"
    widths = {0: 10, 1: 30, 5: 34}
    for i, _ in enumerate(safe.columns):
        ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = widths.get(i, 14)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _geojson_bytes(enterprises: gpd.GeoDataFrame) -> bytes:
    props = enterprises.drop(columns="geometry")
    features = []
    for rec, geom in zip(props.to_dict("records"), enterprises.geometry, strict=True):
        clean: dict[str, Any] = {}
        for k, v in rec.items():
            if isinstance(v, np.generic):
                v = v.item()
            if v is pd.NA or (isinstance(v, float) and v != v):
                v = None
            clean[str(k)] = v
        features.append({"type": "Feature", "properties": clean,
                         "geometry": {"type": "Point", "coordinates": [geom.x, geom.y]}})
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False).encode("utf-8")


def table_bytes(enterprises: gpd.GeoDataFrame, fmt: str, *, lang: str = "zh",
                order: Sequence[int] | None = None) -> bytes:
    """``enterprises`` as an xlsx, CSV (UTF-8 with BOM) or GeoJSON file.

    ``order`` (positions into ``enterprises``) picks and orders the rows, e.g. as the attribute
    table shows them after its own sort and column filters. GeoJSON keeps the column codes and
    values as stored (the round trip of an import); xlsx and CSV carry the headers of ``lang``.
    """
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"`fmt` must be one of {', '.join(TABLE_FORMATS)}, got {fmt!r}")
    rows = enterprises if order is None else enterprises.iloc[list(order)]
    if fmt == "geojson":
        return _geojson_bytes(rows)
    frame = table_frame(rows, lang=lang)
    if fmt == "csv":
        return csv_bytes(frame)
    return _xlsx_bytes(frame, sheet="企业风险点" if lang != "en" else "Enterprises")
