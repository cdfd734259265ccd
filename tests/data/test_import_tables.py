"""Table and vector preparation of an import (data.import_tables), without a store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import pytest

from data.coordsys import WGS84, parse_crs
from data.import_tables import parse_numbers, prepare_layer
from data.readers import ImportFileError, read_source
from risk.coords import wgs84_to_gcj02


def test_parse_numbers_reads_the_spellings_registers_use():
    cells = pd.Series(["114.05", " 22.5 ", "１１４．０５", "114.05°", "东经114.05", "114°3'0\"E",
                       "22度30分", "22°30′S", "", None, "abc"])
    got = parse_numbers(cells)
    expected = [114.05, 22.5, 114.05, 114.05, 114.05, 114.05, 22.5, -22.5]
    np.testing.assert_allclose(got[:8], expected, atol=1e-9)
    assert np.isnan(got[8:]).all()


def _raw(text: str):
    return read_source(text.encode(), filename="t.csv", layer="enterprises")


def _prepare(raw, system, **kw):
    return prepare_layer(raw, "enterprises", system=system, mapping={}, remembered={},
                         swap_xy=kw.get("swap_xy", False), filename="t.csv", region=None)


def test_prepare_layer_converts_with_the_parsed_system():
    x, y = wgs84_to_gcj02(114.0579, 22.5431)
    raw = _raw(f"企业名称,经度,纬度,风险等级\n甲,{float(x):.7f},{float(y):.7f},红\n乙,,,红\n")
    accepted, rejected, rows, used, _warnings, crs_used = _prepare(raw, parse_crs("gcj02"))
    assert rows == [2] and rejected["row"].tolist() == [3]
    assert used == {"企业名称": "name", "经度": "lon", "纬度": "lat", "风险等级": "grade"}
    p = accepted.geometry.iloc[0]
    assert pyproj.Geod(ellps="WGS84").inv(p.x, p.y, 114.0579, 22.5431)[2] < 0.01
    assert crs_used == parse_crs("gcj02").describe()


def test_prepare_layer_reads_tables_as_wgs84_without_a_system():
    raw = _raw("企业名称,经度,纬度,风险等级\n甲,114.1,22.6,红\n")
    accepted, *_rest, crs_used = _prepare(raw, None)
    assert crs_used == WGS84.describe()
    assert (accepted.geometry.iloc[0].x, accepted.geometry.iloc[0].y) == (114.1, 22.6)


def test_prepare_layer_swaps_only_when_asked():
    raw = _raw("企业名称,经度,纬度,风险等级\n甲,22.6,114.1,红\n")
    _acc, rejected, *_ = _prepare(raw, WGS84)
    assert "look swapped" in rejected["reason"].iloc[0]
    accepted, rejected, *_ = _prepare(_raw("企业名称,经度,纬度,风险等级\n甲,22.6,114.1,红\n"),
                                      WGS84, swap_xy=True)
    assert len(rejected) == 0 and accepted.geometry.iloc[0].x == pytest.approx(114.1)


def test_prepare_layer_needs_coordinate_columns():
    with pytest.raises(ImportFileError, match="no longitude/latitude"):
        _prepare(_raw("企业名称,风险等级\n甲,红\n"), WGS84)


def _districts():
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame({"name": ["南山区", "罗湖区"]},
                            geometry=[box(113.9, 22.5, 114.0, 22.6), box(114.1, 22.5, 114.2, 22.6)],
                            crs=4326)


def test_a_csv_cut_off_mid_row_is_refused_unless_allowed():
    text = "企业名称,经度,纬度,风险等级,所属区\n甲,113.95,22.55,红,南山区\n乙,113.96,22.5"
    with pytest.raises(ImportFileError, match="looks truncated: its last line \\(row 3\\)"):
        _prepare(_raw(text), WGS84)
    accepted, rejected, rows, *_rest, warnings, _crs = prepare_layer(
        _raw(text), "enterprises", system=WGS84, mapping={}, remembered={}, swap_xy=False,
        filename="t.csv", region=None, allow_truncated=True)
    assert rows == [2] and 3 in rejected["row"].tolist()
    assert any("cut off" in w for w in warnings)
    # a file without a final line end whose last row is complete is fine
    whole = "企业名称,经度,纬度,风险等级\n甲,113.95,22.55,红"
    assert _prepare(_raw(whole), WGS84)[2] == [2]


def test_unmapped_columns_are_kept_as_extra_attributes_and_listed():
    text = ("序号,企业名称,经度,纬度,风险等级,法人,联系电话\n"
            "SZ00001,甲,113.95,22.55,红,张三,0755-1234\n")
    accepted, _rej, _rows, used, warnings, _crs = _prepare(_raw(text), WGS84)
    row = accepted.iloc[0]
    assert row["序号"] == "SZ00001" and row["法人"] == "张三" and row["联系电话"] == "0755-1234"
    assert any("序号" in w and "extra attributes" in w for w in warnings)
    # a column mapped to "" is dropped on purpose
    dropped = prepare_layer(_raw(text), "enterprises", system=WGS84, mapping={"法人": ""},
                            remembered={}, swap_xy=False, filename="t.csv", region=None)[0]
    assert "法人" not in dropped.columns and "序号" in dropped.columns


def test_districts_are_checked_against_the_coordinates_on_import():
    text = ("企业名称,经度,纬度,风险等级,所属区\n"
            "甲,113.95,22.55,红,罗湖区\n"   # row 2: 南山 coordinates, says 罗湖区
            "乙,114.15,22.55,橙,\n"        # row 3: blank, filled
            "丙,114.05,22.55,黄,南山区\n")  # row 4: between the districts
    accepted, rejected, rows, _used, warnings, _crs = prepare_layer(
        _raw(text), "enterprises", system=WGS84, mapping={}, remembered={}, swap_xy=False,
        filename="t.csv", region=None, districts=_districts())
    assert rows == [2, 3] and accepted["district"].tolist() == ["罗湖区", "罗湖区"]
    assert any(w.startswith("第 2 行") and "does not match" in w for w in warnings)
    assert any(w.startswith("第 3 行") and "filled" in w for w in warnings)
    assert rejected.set_index("row")["reason"][4].find("outside every district") >= 0
    strict = prepare_layer(_raw(text), "enterprises", system=WGS84, mapping={}, remembered={},
                           swap_xy=False, filename="t.csv", region=None, districts=_districts(),
                           on_mismatch="reject")
    assert strict[2] == [3]


def test_columns_the_stores_use_themselves_are_not_kept():
    from data.import_tables import extra_source_columns

    cols = ["fid", "企业名称", "法人", "Geometry", "Unnamed: 3"]
    assert extra_source_columns(cols, {"企业名称": "name"}) == ["法人"]
