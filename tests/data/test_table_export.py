"""The enterprise attribute table and its export (xlsx, CSV, GeoJSON)."""

import datetime as dt
import io
import json

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point

from data.table_export import (
    extra_columns,
    months_before,
    overdue_mask,
    table_bytes,
    table_frame,
)


@pytest.fixture()
def ents():
    return gpd.GeoDataFrame({
        "id": ["E1", "E2", "E3"], "name": ["=HYPERLINK(\"x\")", "乙公司", "丙公司"],
        "industry": ["燃气", "危化品", "工贸"], "district": ["南山区", "福田区", "南山区"],
        "address": ["", "-", "深南大道"], "grade": ["red", "blue", "yellow"],
        "major_hazard": [True, False, False],
        "last_inspection": ["2026-01-02", "", "2026-11-30"],
        "法人": ["张三", "李四", "王五"], "联系电话": ["+86 755 1", "0755-2", "@x"],
    }, geometry=[Point(113.93, 22.53), Point(114.05, 22.54), Point(113.94, 22.52)], crs=4326)


def test_months_before_clips_to_the_month_end_and_refuses_negative():
    assert months_before(dt.date(2026, 5, 31), 3) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 1) == dt.date(2025, 12, 15)
    with pytest.raises(ValueError, match="months"):
        months_before(dt.date(2026, 1, 1), -1)


def test_overdue_counts_blank_as_never_inspected(ents):
    assert overdue_mask(ents, before=dt.date(2026, 6, 1)).tolist() == [True, True, False]


def test_table_has_chinese_headers_words_and_the_extra_columns(ents):
    assert extra_columns(ents) == ["法人", "联系电话"]
    frame = table_frame(ents)
    assert list(frame.columns)[:4] == ["编号", "名称", "风险等级", "行业"]
    assert list(frame.columns)[-2:] == ["法人", "联系电话"]
    assert frame["风险等级"].tolist() == ["重大风险", "低风险", "一般风险"]
    assert frame["重大危险源"].tolist() == ["是", "否", "否"]
    assert frame["经度"].iloc[0] == pytest.approx(113.93)
    en = table_frame(ents, lang="en")
    assert en["Industry"].iloc[0] != "燃气" and en["Major hazard source"].iloc[0] == "yes"


def test_xlsx_rows_equal_the_rows_asked_for_and_cells_cannot_run(ents):
    data = table_bytes(ents, "xlsx", order=[2, 0])
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("编号", "名称") and "法人" in rows[0]
    assert [r[0] for r in rows[1:]] == ["E3", "E1"]  # the order asked for, nothing else
    assert rows[2][1] == "'=HYPERLINK(\"x\")"  # text, not a formula
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    phone = rows[0].index("联系电话")
    assert rows[1][phone] == "'@x"


def test_csv_has_a_bom_and_the_extra_columns(ents):
    data = table_bytes(ents, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert len(frame) == 3 and frame["法人"].tolist() == ["张三", "李四", "王五"]


def test_geojson_keeps_codes_and_extra_columns(ents):
    doc = json.loads(table_bytes(ents, "geojson", order=[1]))
    (feat,) = doc["features"]
    assert feat["properties"]["grade"] == "blue" and feat["properties"]["联系电话"] == "0755-2"
    assert feat["geometry"]["coordinates"] == [114.05, 22.54]


def test_unknown_format_is_refused(ents):
    with pytest.raises(ValueError, match="xlsx"):
        table_bytes(ents, "pdf")


def test_an_unrecognised_column_survives_an_import_and_an_export(districts_store):
    from data.dataset import Dataset
    from data.importer import import_layer

    text = ("序号,企业名称,经度,纬度,风险等级,法人,联系电话\n"
            "SZ00001,甲公司,113.95,22.55,红,张三,=cmd|' /C calc'!A0\n"
            "SZ00002,乙公司,114.05,22.55,蓝,李四,0755-1234\n")
    import_layer(districts_store, "enterprises", text.encode("utf-8"), filename="r.csv",
                 mode="replace")
    ents = Dataset.load(districts_store).enterprises
    assert ents["序号"].tolist() == ["SZ00001", "SZ00002"] and ents["法人"].tolist() == ["张三", "李四"]
    ws = load_workbook(io.BytesIO(table_bytes(ents, "xlsx"))).active
    rows = list(ws.iter_rows(values_only=True))
    assert {"序号", "法人", "联系电话"} <= set(rows[0])
    phone = rows[0].index("联系电话")
    assert rows[1][phone].startswith("'=")  # the formula-like phone stays text
    doc = json.loads(table_bytes(ents, "geojson"))
    assert doc["features"][1]["properties"]["序号"] == "SZ00002"
