"""Waterlogging depth classes and ponding areas from the DEM, on hand-computed fixtures."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine

from risk.waterlogging import classify_depth, depth_classes, fill_depth, ponding_areas

UTM = "EPSG:32650"


def points(depths: list[float | None]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"p{i}" for i in range(len(depths))],
                             "max_depth_cm": depths},
                            geometry=[shapely.Point(114.0 + i / 100, 22.5)
                                      for i in range(len(depths))],
                            crs=4326)


def test_default_classes_and_their_bounds() -> None:
    out = classify_depth(points([0, 14.9, 15, 29.9, 30, 49.9, 50, 120, None]))
    assert out["depth_class"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3, -1]
    assert out["grade"].tolist()[:8] == ["blue", "blue", "yellow", "yellow", "orange", "orange",
                                         "red", "red"]
    assert out.loc[2, "class_zh"] == "积水 15–30 cm" and out.loc[7, "class_en"] == "Ponding ≥ 50 cm"
    assert out.loc[8, "grade"] == ""


def test_custom_thresholds_and_input_untouched() -> None:
    pts = points([10, 25, 40])
    out = classify_depth(pts, thresholds_cm=(10, 20, 40))
    assert out["depth_class"].tolist() == [1, 2, 3]
    assert "depth_class" not in pts.columns


@pytest.mark.parametrize("bad", [(15, 30), (30, 15, 50), (0, 10, 20), (15, 15, 50)])
def test_bad_thresholds_are_named(bad: tuple) -> None:
    with pytest.raises(ValueError, match="`thresholds_cm` must be three increasing positive"):
        depth_classes(bad)


def test_missing_depth_column_is_named() -> None:
    with pytest.raises(ValueError, match="must have a max_depth_cm column, got columns name"):
        classify_depth(points([1.0]).drop(columns="max_depth_cm"))


def test_fill_depth_of_a_bowl_with_a_spill_point() -> None:
    # rim at 10 m with a notch at 9 m: the bowl fills to 9 m
    dem = np.full((7, 7), 10.0)
    dem[1:6, 1:6] = 8.0
    dem[3, 3] = 6.5
    dem[0, 3] = 9.0
    depth = fill_depth(dem)
    expected = np.zeros((7, 7))
    expected[1:6, 1:6] = 1.0
    expected[3, 3] = 2.5
    np.testing.assert_allclose(depth, expected)


def test_nodata_is_an_outlet() -> None:
    dem = np.full((5, 6), 10.0)
    dem[1:4, 1:3] = 5.0  # closed pit
    dem[1:4, 4] = 5.0  # pit next to the sea
    dem[2, 5] = np.nan  # the sea, on the border
    dem[2, 4] = 5.0
    depth = fill_depth(dem)
    assert depth[2, 1] == 5.0
    assert depth[2, 4] == 0.0 and np.isnan(depth[2, 5])


def write(path: Path, data: np.ndarray, transform: Affine, crs: str = UTM) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype="float32", crs=crs, transform=transform,
                       nodata=-9999) as dst:
        dst.write(data.astype("float32"), 1)
    return path


def test_ponding_areas_by_hand(tmp_path: Path) -> None:
    # 10 m cells; pit A: 4x5 cells 1 m deep (one cell 2 m); pit B: 2x2 cells 0.2 m deep (too
    # shallow); pit C: 1 cell 1 m deep (too small for 500 m²)
    dem = np.full((20, 20), 50.0)
    dem[2:6, 2:7] = 49.0
    dem[3, 3] = 48.0
    dem[10:12, 10:12] = 49.8
    dem[15, 15] = 49.0
    t = Affine(10, 0, 500_000, 0, -10, 2_500_000)
    ponds = ponding_areas(write(tmp_path / "dem.tif", dem, t), min_depth_m=0.3, min_area_m2=500)
    assert len(ponds) == 1
    pond = ponds.iloc[0]
    # true ground area (Geod); the fixture's UTM map metres are 0.9996 true metres at x=500 km
    from pyproj import Geod

    assert pond["area_m2"] == pytest.approx(
        abs(Geod(ellps="WGS84").geometry_area_perimeter(pond.geometry)[0]), rel=1e-4)
    assert pond["area_m2"] == pytest.approx(20 * 100 / 0.9996**2, rel=1e-4)
    assert pond["max_depth_m"] == pytest.approx(2.0)
    assert pond["mean_depth_m"] == pytest.approx(21 / 20)
    assert pond["volume_m3"] == pytest.approx(21 * 100 / 0.9996**2, rel=1e-4)
    x0, y0, x1, y1 = gpd.GeoSeries([pond.geometry], crs=4326).to_crs(UTM).total_bounds
    assert (x0, y0, x1, y1) == pytest.approx((500_020, 2_499_940, 500_070, 2_499_980), abs=0.01)
    assert ponds.crs.to_epsg() == 4326


def test_ponding_area_measured_in_metres_on_a_geographic_dem(tmp_path: Path) -> None:
    dem = np.full((12, 12), 20.0)
    dem[3:9, 3:9] = 19.0
    t = Affine(0.0005, 0, 114.0, 0, -0.0005, 22.6)
    ponds = ponding_areas(write(tmp_path / "g.tif", dem, t, crs="EPSG:4326"), min_area_m2=0)
    from pyproj import Geod

    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(ponds.geometry.iloc[0])
    assert ponds.iloc[0]["area_m2"] == pytest.approx(abs(area), rel=1e-3)
    assert ponds.iloc[0]["area_m2"] == pytest.approx(36 * 51.4 * 55.3, rel=0.01)


def test_no_depression_gives_an_empty_layer(tmp_path: Path) -> None:
    x = np.arange(10.0)
    dem = np.add.outer(x, x)
    ponds = ponding_areas(write(tmp_path / "tilt.tif", dem, Affine(10, 0, 0, 0, -10, 100)))
    assert len(ponds) == 0 and "max_depth_m" in ponds.columns
