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
