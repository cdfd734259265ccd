"""The CRS registry of the import (data.coordsys): parsing, labels, the preview's guess."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from data.coordsys import (
    CHOICES,
    FILE_OWN,
    CoordSystem,
    choice_for,
    cli_help,
    gauss_kruger_cm,
    guess_table_crs,
    parse_crs,
)
from risk.coords import wgs84_to_bd09, wgs84_to_gcj02


def test_parse_crs_errors():
    assert parse_crs(None) is None
    assert parse_crs("百度").name == "bd09"
    assert parse_crs("CGCS2000").crs.to_epsg() == 4490
    with pytest.raises(ValueError, match="`crs` must be one of"):
        parse_crs("mars")


def test_every_choice_and_alias_parses_back_to_itself():
    for choice in CHOICES:
        system = parse_crs(choice.value)
        assert system is not None and system.value == choice.value
        assert system.crs.to_epsg() == choice.epsg
        assert bool(system.offset) == choice.offset
        for alias in choice.aliases:
            assert parse_crs(alias).value == choice.value, alias
        assert parse_crs(system) is system  # a parsed value travels as it is
        assert choice_for(choice.value) is choice
    assert parse_crs("  EPSG:4326 ").value == "wgs84" and parse_crs("epsg:4490").value == "cgcs2000"
    assert parse_crs("") is None and choice_for("") is FILE_OWN


def test_other_epsg_codes_are_values_too():
    system = parse_crs("4526")
    assert system.value == "EPSG:4526" and not system.geographic
    assert parse_crs(system.value) == system
    label = choice_for("EPSG:4526")
    assert label.value == "EPSG:4526" and "zone 38" in label.label_en


def test_cli_help_names_every_choice_once():
    text = cli_help()
    named = [part.split(" = ")[0].strip() for part in text.split(" | ")[:-1]]
    assert named == [c.value for c in CHOICES]


@pytest.mark.parametrize(("name", "forward"), [("gcj02", wgs84_to_gcj02),
                                               ("bd09", wgs84_to_bd09)])
def test_offset_systems_are_undone_exactly(name, forward):
    lon, lat = np.array([114.0579, 113.93]), np.array([22.5431, 22.533])
    x, y = forward(lon, lat)
    back = parse_crs(name).to_wgs84(np.asarray(x), np.asarray(y))
    np.testing.assert_allclose(back, (lon, lat), atol=1e-7)


def test_projected_to_wgs84_matches_pyproj():
    e, n = pyproj.Transformer.from_crs(4326, 4547, always_xy=True).transform(114.0579, 22.5431)
    lon, lat = parse_crs("EPSG:4547").to_wgs84(np.array([e]), np.array([n]))
    assert lon[0] == pytest.approx(114.0579, abs=1e-9) and lat[0] == pytest.approx(22.5431,
                                                                                  abs=1e-9)
    wgs = CoordSystem("wgs84", pyproj.CRS.from_epsg(4326))
    x = np.array([114.0])
    assert wgs.to_wgs84(x, x)[0] is not x  # never the caller's array


def test_describe_names_the_system():
    assert parse_crs("gcj02").describe().endswith("GCJ-02 (Amap/Gaode, Tencent)")
    assert parse_crs("EPSG:4547").describe().startswith("EPSG:4547 (CGCS2000")


def test_gauss_kruger_cm_covers_china():
    assert gauss_kruger_cm(75.0) == "EPSG:4534" and gauss_kruger_cm(135.0) == "EPSG:4554"
    assert gauss_kruger_cm(114.06) == "EPSG:4547" and gauss_kruger_cm(120.2) == "EPSG:4549"
    for lon in (75.0, 100.0, 114.06, 135.0):
        name = pyproj.CRS.from_user_input(gauss_kruger_cm(lon)).name
        assert name == f"CGCS2000 / 3-degree Gauss-Kruger CM {3 * round(lon / 3)}E"


@pytest.mark.parametrize(
    ("x", "y", "headers", "region_lon", "expected"),
    [
        ([114.05, 114.1], [22.55, 22.6], "经度 纬度", None, "wgs84"),
        ([22.55, 22.6], [114.05, 114.1], "经度 纬度", None, "wgs84"),  # swapped still lon/lat
        ([114.05], [22.55], "经度(高德) 纬度(高德)", None, "gcj02"),
        ([114.05], [22.55], "百度经度 百度纬度", None, "bd09"),
        ([2_495_000.0], [505_000.0], "X坐标 Y坐标", None, "EPSG:4547"),
        ([2_495_000.0], [505_000.0], "X坐标 Y坐标", 120.2, "EPSG:4549"),
        ([38_505_000.0], [2_495_000.0], "x y", None, "EPSG:4526"),
        ([19_505_000.0], [2_495_000.0], "x y", None, "EPSG:4497"),
        ([float("nan")], [1.0], "x y", None, None),
        ([5.0], [7.0], "x y", None, None),
    ],
)
def test_guess_table_crs_answers_registry_values(x, y, headers, region_lon, expected):
    hint, why = guess_table_crs(np.array(x), np.array(y), headers=headers,
                                region_lon=region_lon)
    assert hint == expected
    if hint is not None:
        assert why and parse_crs(hint).value == hint
