"""Raster checks: each bad input gets a message naming the file and the problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Geod

from risk.rasters import (
    RasterError,
    cell_size_m,
    check_raster,
    check_same_crs,
    metres_per_degree,
    read_band,
)

T = Affine(10, 0, 500_000, 0, -10, 2_500_000)


def write(path: Path, data: np.ndarray, *, crs: str | None = "EPSG:32650", nodata=-9999.0,
          transform: Affine = T) -> Path:
    data = np.atleast_3d(data).transpose(2, 0, 1) if data.ndim == 2 else data
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1],
                       count=data.shape[0], dtype="float32", crs=crs, transform=transform,
                       nodata=nodata) as dst:
        dst.write(data.astype("float32"))
    return path


def test_good_raster_is_described(tmp_path: Path) -> None:
    info = check_raster(write(tmp_path / "ok.tif", np.ones((4, 5))), what="DEM")
    assert (info.width, info.height, info.nodata) == (5, 4, -9999.0)
    assert info.bounds == (500_000, 2_499_960, 500_050, 2_500_000)
    assert not info.geographic


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RasterError, match=r"DEM .*nope\.tif: no such file"):
        check_raster(tmp_path / "nope.tif", what="DEM")


def test_not_a_raster(tmp_path: Path) -> None:
    path = tmp_path / "notes.tif"
    path.write_text("not a raster", encoding="utf-8")
    with pytest.raises(RasterError, match=r"notes\.tif: not a readable raster"):
        check_raster(path)


def test_no_crs(tmp_path: Path) -> None:
    path = write(tmp_path / "nocrs.tif", np.ones((4, 4)), crs=None)
    with pytest.raises(RasterError, match=r"nocrs\.tif: has no coordinate reference system"):
        check_raster(path, what="DEM")


def test_wrong_band_count(tmp_path: Path) -> None:
    path = write(tmp_path / "rgb.tif", np.ones((3, 4, 4)))
    with pytest.raises(RasterError, match=r"rgb\.tif: expected 1 band\(s\), found 3"):
        check_raster(path)


def test_all_nodata(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.tif", np.full((4, 4), -9999.0))
    with pytest.raises(RasterError, match=r"empty\.tif: every cell is nodata \(nodata value -9999"):
        check_raster(path, what="population")
    path = write(tmp_path / "nan.tif", np.full((4, 4), np.nan), nodata=None)
    with pytest.raises(RasterError, match="every cell is nodata"):
        check_raster(path)


def test_too_small(tmp_path: Path) -> None:
    with pytest.raises(RasterError, match="expected at least 3x3 cells, got 2x4"):
        check_raster(write(tmp_path / "tiny.tif", np.ones((4, 2))))


def test_projected_crs_in_feet_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "ft.tif", np.ones((4, 4)), crs="EPSG:2227")  # California, US feet
    with pytest.raises(RasterError, match=r"ft\.tif: projected CRS must be in metres"):
        check_raster(path)


def test_crs_mismatch_with_vectors(tmp_path: Path) -> None:
    geo = Affine(0.001, 0, 114, 0, -0.001, 22.6)
    beijing54 = check_raster(write(tmp_path / "bj54.tif", np.ones((4, 4)), crs="EPSG:4214",
                                   transform=geo))
    with pytest.raises(RasterError, match=r"bj54\.tif: its CRS EPSG:4214 is not the CRS of the "
                                          r"shelters layer \(EPSG:4326\)"):
        check_same_crs(beijing54, "EPSG:4326", layer="shelters layer")
    cgcs2000 = check_raster(write(tmp_path / "cgcs.tif", np.ones((4, 4)), crs="EPSG:4490",
                                  transform=geo))
    check_same_crs(cgcs2000, "EPSG:4326")  # within centimetres of WGS 84: accepted
    check_same_crs(check_raster(write(tmp_path / "utm.tif", np.ones((4, 4)))), "EPSG:4326")


def test_metres_per_degree_against_geod() -> None:
    geod = Geod(ellps="WGS84")
    for lat in (0.0, 22.5, 45.0, 70.0):
        ew, ns = metres_per_degree(lat)
        d = 1e-4  # small arc: geodesic ≈ arc length
        assert ew == pytest.approx(geod.inv(0, lat, d, lat)[2] / d, rel=1e-7)
        assert ns == pytest.approx(geod.inv(0, lat - d / 2, 0, lat + d / 2)[2] / d, rel=1e-7)


def test_cell_size_and_read_band(tmp_path: Path) -> None:
    geo = Affine(0.0005, 0, 114, 0, -0.0005, 22.6)
    data = np.arange(16, dtype=float).reshape(4, 4)
    data[0, 0] = -9999
    info = check_raster(write(tmp_path / "g.tif", data, crs="EPSG:4326", transform=geo))
    w, h = cell_size_m(info, 22.599)
    geod = Geod(ellps="WGS84")
    assert w == pytest.approx(geod.inv(114, 22.599, 114.0005, 22.599)[2], rel=1e-6)
    assert h == pytest.approx(geod.inv(114, 22.59875, 114, 22.59925)[2], rel=1e-6)
    band = read_band(info)
    assert np.isnan(band[0, 0]) and band[3, 3] == 15
