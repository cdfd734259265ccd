"""The metric-CRS policy (risk/crs.py) checked against pyproj.Geod on the WGS 84 ellipsoid."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from risk.crs import aeqd_crs, aeqd_transformers, check_metric_crs, metric_crs

GEOD = pyproj.Geod(ellps="WGS84")
SHENZHEN = (114.0, 22.5)
MID_LATITUDE = (9.0, 45.0)


def _segments(lon0: float, lat0: float, n: int, seed: int) -> tuple[np.ndarray, ...]:
    """``n`` random segments up to 50 km long, both ends within 50 km of (lon0, lat0)."""
    rng = np.random.default_rng(seed)
    az = rng.uniform(0, 360, (2, n))
    dist = rng.uniform(0, 25_000, (2, n))
    lon1, lat1, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), az[0], dist[0])
    lon2, lat2, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), az[1], dist[1])
    return lon1, lat1, lon2, lat2


@pytest.mark.parametrize("centre", [SHENZHEN, MID_LATITUDE])
def test_metric_crs_distances_match_geodesics_within_1e4(centre):
    lon0, lat0 = centre
    bounds = (lon0 - 0.25, lat0 - 0.25, lon0 + 0.25, lat0 + 0.25)
    crs = metric_crs(bounds)
    assert crs.is_projected and crs.coordinate_operation.method_name == "Transverse Mercator"
    to_m = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    lon1, lat1, lon2, lat2 = _segments(lon0, lat0, 500, seed=int(lat0))
    x1, y1 = to_m.transform(lon1, lat1)
    x2, y2 = to_m.transform(lon2, lat2)
    planar = np.hypot(x2 - x1, y2 - y1)
    _, _, geodesic = GEOD.inv(lon1, lat1, lon2, lat2)
    keep = geodesic > 100
    assert np.abs(planar[keep] / geodesic[keep] - 1).max() < 1e-4


@pytest.mark.parametrize("centre", [SHENZHEN, MID_LATITUDE])
def test_equal_area_crs_areas_match_geodesic_areas_within_1e6(centre):
    lon0, lat0 = centre
    polygon = shapely.Polygon([(lon0 - 0.3, lat0 - 0.2), (lon0 + 0.25, lat0 - 0.25),
                               (lon0 + 0.3, lat0 + 0.2), (lon0 - 0.1, lat0 + 0.3)])
    polygon = shapely.segmentize(polygon, 0.001)  # geodesic and projected edges agree
    crs = metric_crs(polygon, equal_area=True)
    assert crs.coordinate_operation.method_name == "Lambert Azimuthal Equal Area"
    to_m = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    projected = shapely.transform(polygon, lambda xy: np.column_stack(to_m.transform(*xy.T)))
    area, _ = GEOD.geometry_area_perimeter(polygon)
    assert projected.area == pytest.approx(abs(area), rel=1e-6)


@pytest.mark.parametrize("centre", [SHENZHEN, MID_LATITUDE])
def test_aeqd_distance_from_centre_is_the_geodesic_within_1_cm(centre):
    lon0, lat0 = centre
    fwd, _ = aeqd_transformers(lon0, lat0)
    crs_fwd = pyproj.Transformer.from_crs(4326, aeqd_crs(lon0, lat0), always_xy=True)
    az = np.linspace(0, 360, 73)
    dist = np.tile([10.0, 1_000.0, 25_000.0, 100_000.0], 19)[:73]
    lon, lat, _ = GEOD.fwd(np.full(73, lon0), np.full(73, lat0), az, dist)
    for transformer in (fwd, crs_fwd):
        x, y = transformer.transform(lon, lat)
        assert np.abs(np.hypot(x, y) - dist).max() < 0.01


def test_aeqd_transformers_round_trip():
    fwd, inv = aeqd_transformers(*SHENZHEN)
    lon, lat = inv.transform(*fwd.transform(114.3, 22.7))
    assert (lon, lat) == pytest.approx((114.3, 22.7), abs=1e-9)


@pytest.mark.parametrize("bad", ["EPSG:4326", "EPSG:3857", 4326, "EPSG:4490"])
def test_check_metric_crs_refuses_degrees_and_web_mercator(bad):
    with pytest.raises(ValueError, match="`crs` must be a projected metric CRS"):
        check_metric_crs(bad)


def test_check_metric_crs_names_the_argument_and_refuses_nonsense():
    with pytest.raises(ValueError, match="`target` must be a projected metric CRS"):
        check_metric_crs("EPSG:3857", name="target")
    with pytest.raises(ValueError, match="`crs` must be a projected metric CRS, got 'nope'"):
        check_metric_crs("nope")


@pytest.mark.parametrize("good", ["EPSG:32650", "EPSG:4547", 32649])
def test_check_metric_crs_accepts_utm_and_cgcs2000_gauss_kruger(good):
    out = check_metric_crs(good)
    assert isinstance(out, pyproj.CRS) and out.is_projected


def test_metric_crs_accepts_frames_points_and_bounds_alike():
    import geopandas as gpd

    pts = gpd.GeoDataFrame(geometry=[shapely.Point(114.0, 22.5), shapely.Point(114.2, 22.7)],
                           crs=4326)
    expected = metric_crs((114.0, 22.5, 114.2, 22.7))
    assert metric_crs(pts) == expected
    assert metric_crs(pts.to_crs(32650)) == expected
    assert metric_crs(shapely.box(114.0, 22.5, 114.2, 22.7)) == expected
    assert metric_crs((114.1, 22.6)) == expected


@pytest.mark.parametrize("bad", [
    (1.0, 2.0, 3.0),                        # not 2 or 4 numbers
    (114.0, 22.5, float("nan"), 22.7),      # not finite
    (500_000.0, 2_500_000.0, 501_000.0, 2_501_000.0),  # metres, not degrees
    (114.2, 22.5, 114.0, 22.7),             # west > east
])
def test_bad_extents_raise_value_error_naming_extent(bad):
    with pytest.raises(ValueError, match="`extent`"):
        metric_crs(bad)


def test_empty_frame_has_no_extent():
    import geopandas as gpd

    with pytest.raises(ValueError, match="`extent`"):
        metric_crs(gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=4326)))
