"""GCJ-02 / BD-09 conversions in risk.coords against published reference pairs and pyproj.Geod."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest

from risk.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = pyproj.Geod(ellps="WGS84")

# Published test vectors of the eviltransform project (github.com/googollee/eviltransform,
# test files of every language port): (wgs lat, wgs lon) -> (gcj lat, gcj lon).
EVIL_WGS_GCJ = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]
def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.abs(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@pytest.mark.parametrize(("wgs", "gcj"), EVIL_WGS_GCJ)
def test_forward_matches_published_vectors(wgs, gcj):
    lon, lat = wgs84_to_gcj02(wgs[1], wgs[0])
    assert float(lon) == pytest.approx(gcj[1], abs=1e-9)
    assert float(lat) == pytest.approx(gcj[0], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVIL_WGS_GCJ)
def test_inverse_recovers_published_wgs_below_1mm(wgs, gcj):
    lon, lat = gcj02_to_wgs84(gcj[1], gcj[0])
    assert _metres(lon, lat, wgs[1], wgs[0]) < 1e-3


def _bd_encrypt_reference(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 forward, transcribed independently from Baidu's published bd_encrypt formula."""
    x_pi = math.pi * 3000.0 / 180.0
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * x_pi)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def test_gcj_to_bd_matches_scalar_reference():
    rng = np.random.default_rng(7)
    lon = rng.uniform(113.7, 114.7, 50)
    lat = rng.uniform(22.4, 22.9, 50)
    blon, blat = gcj02_to_bd09(lon, lat)
    ref = np.array([_bd_encrypt_reference(a, b) for a, b in zip(lon, lat, strict=True)])
    assert np.max(np.abs(blon - ref[:, 0])) < 1e-12
    assert np.max(np.abs(blat - ref[:, 1])) < 1e-12


def test_round_trips_below_1m_over_china():
    lon, lat = np.meshgrid(np.linspace(75, 134, 25), np.linspace(5, 53, 25))
    lon, lat = lon.ravel(), lat.ravel()
    for forward, inverse in ((wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84),
                             (gcj02_to_bd09, bd09_to_gcj02)):
        back = inverse(*forward(lon, lat))
        assert _metres(lon, lat, *back).max() < 1.0, forward.__name__


def test_offset_size_in_shenzhen_is_hundreds_of_metres():
    lon, lat = 114.0579, 22.5431
    glon, glat = wgs84_to_gcj02(lon, lat)
    shift = _metres(lon, lat, glon, glat)
    assert 200 < shift < 1000
    blon, blat = wgs84_to_bd09(lon, lat)
    assert 500 < _metres(lon, lat, blon, blat) < 2000


def test_outside_china_is_not_shifted():
    lon, lat = wgs84_to_gcj02(-104.9903, 39.7392)  # Denver, an eviltransform edge case
    assert float(lon) == -104.9903 and float(lat) == 39.7392


# -- coordinates as people type them -----------------------------------------------------------

from risk.coords import parse_angle, parse_lonlat  # noqa: E402

DMS_114 = 114 + 3 / 60 + 28 / 3600  # 114°03'28"
DMS_22 = 22 + 32 / 60 + 35 / 3600   # 22°32'35"


@pytest.mark.parametrize("text, expected", [
    ("114.0579", 114.0579),
    (" 114.0579 ", 114.0579),
    ("114°03'28\"", DMS_114),
    ("114°03′28″", DMS_114),
    ("114度03分28秒", DMS_114),
    ("114度3分28秒", DMS_114),
    ("114 03 28", DMS_114),
    ("114:03:28", DMS_114),
    ("１１４°０３′２８″", DMS_114),        # full-width digits
    ("114°03'28\"E", DMS_114),
    ("E114°03'28\"", DMS_114),
    ("东经114°03'28\"", DMS_114),
    ("114.0579E", 114.0579),
    ("114°03.5'", 114 + 3.5 / 60),
    ("114°", 114.0),
    ("114°03'28.5\"", 114 + 3 / 60 + 28.5 / 3600),
    ("-114.0579", -114.0579),
    ("114.0579W", -114.0579),
    ("西经114.0579", -114.0579),
])
def test_parse_angle_reads_decimal_and_dms_longitudes(text, expected):
    assert parse_angle(text, axis="lon") == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("text, expected", [
    ("22.5431N", 22.5431), ("N22.5431", 22.5431), ("北纬22°32'35\"", DMS_22),
    ("22°32'35\"S", -DMS_22), ("南纬22.5", -22.5), ("22度32分35秒", DMS_22),
])
def test_parse_angle_reads_latitudes(text, expected):
    assert parse_angle(text, axis="lat") == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("text, axis, match", [
    ("", "lon", "经度为空 / the longitude is empty"),
    ("abc", "lon", "经度「abc」无法识别 / the longitude “abc” is not understood"),
    ("114°61'", "lon", "须小于 60 .*minutes must be below 60, got 61"),
    ("114°03'75\"", "lon", "seconds must be below 60, got 75"),
    ("114.5°30'", "lon", "decimal degrees and minutes"),
    ("114°03.5'20\"", "lon", "decimal minutes and seconds"),
    ("-22.5S", "lat", "both a minus sign and the hemisphere S"),
    ("22.5431N", "lon", "经度「22.5431N」带了纬度方位 N .* is marked N, a latitude"),
    ("114.05E", "lat", "is marked E, a longitude"),
    ("190", "lon", "outside -180…180"),
    ("91°", "lat", "outside -90…90"),
])
def test_parse_angle_refuses_in_both_languages_without_python_repr(text, axis, match):
    with pytest.raises(ValueError, match=match) as err:
        parse_angle(text, axis=axis)
    assert "'" + text + "'" not in str(err.value) or not text  # never a Python repr


def test_parse_angle_checks_axis_argument():
    assert parse_angle("200") == 200.0  # no axis: no range check
    with pytest.raises(ValueError, match="`axis` must be"):
        parse_angle("1", axis="x")


@pytest.mark.parametrize("args, expected", [
    (("114.0579", "22.5431"), (114.0579, 22.5431)),
    (("114°03'28\"", "22°32'35\""), (DMS_114, DMS_22)),
    (("114.0579, 22.5431",), (114.0579, 22.5431)),
    (("114.0579，22.5431",), (114.0579, 22.5431)),
    (("114.0579 22.5431",), (114.0579, 22.5431)),
    (("22.5431N, 114.0579E",), (114.0579, 22.5431)),         # marks decide the order
    (("22°32'35\"N 114°03'28\"E",), (DMS_114, DMS_22)),
    (("114°03'28\"22°32'35\"",), (DMS_114, DMS_22)),         # no marks: longitude first
    (("北纬22.5431，东经114.0579",), (114.0579, 22.5431)),
    (("22度32分35秒北 114度03分28秒东",), (DMS_114, DMS_22)),
    (("114.0579, 22.5431", ""), (114.0579, 22.5431)),        # both typed in the first box
])
def test_parse_lonlat_reads_two_boxes_or_one_text(args, expected):
    assert parse_lonlat(*args) == pytest.approx(expected, abs=1e-12)


def test_parse_lonlat_refuses_what_is_not_a_pair():
    with pytest.raises(ValueError, match="不是一对经纬度 / .* is not a longitude and latitude pair"):
        parse_lonlat("114.0579")
    with pytest.raises(ValueError, match="纬度为空 / the latitude is empty"):
        parse_lonlat("114.0579", " ")
    with pytest.raises(ValueError, match="the latitude “95” is outside"):
        parse_lonlat("114", "95")
