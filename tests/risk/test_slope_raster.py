"""Slope rasters (risk/slope_raster.py, Horn as gdaldem): against gdaldem, pyproj.Geod, by hand."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import Geod
from scipy import ndimage

from risk.slope_raster import NODATA, slope_degrees, write_slope

GDALDEM = shutil.which("gdaldem")
needs_gdaldem = pytest.mark.skipif(GDALDEM is None,
                                   reason="gdaldem (Debian gdal-bin) not installed")
UTM = "EPSG:32650"  # Shenzhen
GEOD = Geod(ellps="WGS84")


def read(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1)


def gdaldem(dem: Path, out: Path, *extra: str) -> np.ndarray:
    subprocess.run([GDALDEM, "slope", "-q", *extra, str(dem), str(out)], check=True)
    return read(out)


def hills(n: int, seed: int, *, amplitude: float = 2000.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return ndimage.gaussian_filter(rng.normal(size=(n, n)), 4) * amplitude + 300


def test_plane_has_its_known_slope_and_nodata_edges() -> None:
    # z = 0.3 x + 0.4 y (metres) → gradient 0.5 → atan(0.5) everywhere inside
    x = np.arange(10) * 10.0
    y = 90.0 - np.arange(10) * 10.0
    dem = 0.3 * x[None, :] + 0.4 * y[:, None]
    slope = slope_degrees(dem, Affine(10, 0, 0, 0, -10, 95), UTM)
    assert slope[1:-1, 1:-1] == pytest.approx(math.degrees(math.atan(0.5)), abs=1e-4)
    assert np.isnan(slope[0]).all() and np.isnan(slope[-1]).all()
    assert np.isnan(slope[:, 0]).all() and np.isnan(slope[:, -1]).all()


def test_nodata_cell_blanks_its_3x3_neighbourhood() -> None:
    dem = np.arange(100, dtype=float).reshape(10, 10)
    dem[5, 5] = -1.0
    slope = slope_degrees(dem, Affine(1, 0, 0, 0, -1, 10), UTM, nodata=-1.0)
    expected = np.ones((10, 10), bool)
    expected[1:-1, 1:-1] = False
    expected[4:7, 4:7] = True
    np.testing.assert_array_equal(np.isnan(slope), expected)


@needs_gdaldem
@pytest.mark.parametrize("n, block", [(10, 3), (300, 64)])
def test_write_slope_equals_gdaldem_on_projected_dem(tmp_path: Path, n: int, block: int,
                                                     write_tif) -> None:
    dem = hills(n, seed=n)
    dem[n // 3 : n // 3 + 2, n // 2] = NODATA  # a nodata hole
    dem[0, : n // 2] = NODATA  # nodata on the edge
    src = write_tif(tmp_path / "dem.tif", dem, Affine(30, 0, 500_000, 0, -30, 2_500_000))
    ours = read(write_slope(src, tmp_path / "ours.tif", block=block))
    ref = gdaldem(src, tmp_path / "gd.tif")
    np.testing.assert_array_equal(ours == NODATA, ref == NODATA)
    valid = ref != NODATA
    assert valid.sum() > 0.4 * n * n
    assert np.abs(ours[valid] - ref[valid]).max() < 0.01
    assert ref[valid].max() > 20  # the test covers steep ground, not only flats


@needs_gdaldem
def test_write_slope_equals_gdaldem_on_a_dem_without_nodata(tmp_path: Path, write_tif) -> None:
    dem = hills(60, seed=3)
    src = write_tif(tmp_path / "dem.tif", dem, Affine(5, 0, 0, 0, -5, 300), nodata=None)
    ours = read(write_slope(src, tmp_path / "ours.tif"))
    ref = gdaldem(src, tmp_path / "gd.tif")
    np.testing.assert_array_equal(ours == NODATA, ref == NODATA)
    assert np.abs(ours[ref != NODATA] - ref[ref != NODATA]).max() < 0.01


def test_array_and_file_versions_agree(tmp_path: Path, write_tif) -> None:
    dem = hills(50, seed=5)
    t = Affine(0.0005, 0, 114.0, 0, -0.0005, 22.6)
    src = write_tif(tmp_path / "dem.tif", dem, t, crs="EPSG:4326")
    ours = read(write_slope(src, tmp_path / "s.tif", block=7))
    mem = slope_degrees(dem.astype("float32"), t, "EPSG:4326")
    np.testing.assert_array_equal(np.isnan(mem), ours == NODATA)
    np.testing.assert_allclose(ours[~np.isnan(mem)], mem[~np.isnan(mem)], atol=1e-5)


def test_geographic_dem_matches_geodesic_gradient() -> None:
    # z linear in column and row at 22.5°N; the true gradient along each axis is the height
    # change over the geodesic distance between the neighbours (pyproj.Geod), as Horn uses it.
    res, lat0, lon0 = 0.0005, 22.6, 114.0
    rows, cols = np.mgrid[0:12, 0:12]
    k_col, k_row = 3.0, -2.0  # metres per cell
    dem = k_col * cols + k_row * rows
    slope = slope_degrees(dem, Affine(res, 0, lon0, 0, -res, lat0), "EPSG:4326")
    for r in (1, 5, 10):
        lat = lat0 - res * (r + 0.5)
        lon = lon0 + res * 5.5
        _, _, ew = GEOD.inv(lon - res, lat, lon + res, lat)
        _, _, ns = GEOD.inv(lon, lat - res, lon, lat + res)
        expected = math.degrees(math.atan(math.hypot(2 * k_col / ew, 2 * k_row / ns)))
        assert slope[r, 5] == pytest.approx(expected, abs=0.005)
    # with a single equator scale (what `gdaldem -s 111120` does) the answer would be wrong
    naive = math.degrees(math.atan(math.hypot(k_col / (res * 111120), k_row / (res * 111120))))
    assert abs(slope[5, 5] - naive) > 0.1  # 20x the tolerance above


@needs_gdaldem
@pytest.mark.parametrize("axis", ["ns", "ew"])
def test_geographic_dem_matches_gdaldem_with_the_exact_scale(tmp_path: Path, axis: str,
                                                             write_tif) -> None:
    # On a DEM that varies along one axis only, gdaldem -s <metres per degree of that axis>
    # is exact for a narrow latitude band; our per-row ellipsoidal spacing must agree.
    res, lat0, lon0 = 0.0005, 22.55, 114.0
    rng = np.random.default_rng(11)
    profile = np.cumsum(rng.uniform(-20, 40, size=40))
    dem = np.tile(profile[:, None], (1, 40)) if axis == "ns" else np.tile(profile, (40, 1))
    src = write_tif(tmp_path / "dem.tif", dem, Affine(res, 0, lon0, 0, -res, lat0),
                    crs="EPSG:4326")
    lat_c = lat0 - res * 20
    if axis == "ns":
        scale = GEOD.inv(lon0, lat_c - 0.5, lon0, lat_c + 0.5)[2]
    else:
        scale = GEOD.inv(lon0, lat_c, lon0 + 1.0, lat_c)[2]
    ref = gdaldem(src, tmp_path / "gd.tif", "-s", f"{scale:.4f}")
    ours = read(write_slope(src, tmp_path / "ours.tif"))
    valid = ref != NODATA
    np.testing.assert_array_equal(ours == NODATA, ~valid)
    assert np.abs(ours[valid] - ref[valid]).max() < 0.01


@needs_gdaldem
def test_bundled_sample_dem_against_gdaldem_row_by_row(tmp_path: Path, small_sample: Path,
                                                       write_tif) -> None:
    # The sample DEM is EPSG:4326. For an exact gdaldem reference, each checked row is copied
    # with its two neighbours into a 3-row strip whose pixel size is that row's true size in
    # metres (pyproj.Geod); gdaldem's middle row is then Horn with that row's spacing.
    dem_path = small_sample / "dem.tif"
    ours = read(write_slope(dem_path, tmp_path / "ours.tif"))
    with rasterio.open(dem_path) as src:
        dem, t, nodata = src.read(1), src.transform, src.nodata
    checked = 0
    for r in np.linspace(1, dem.shape[0] - 2, 8).astype(int):
        lat = t.f + t.e * (r + 0.5)
        lon = t.c + t.a * dem.shape[1] / 2
        ew = GEOD.inv(lon, lat, lon + t.a, lat)[2]
        ns = GEOD.inv(lon, lat + t.e / 2, lon, lat - t.e / 2)[2]
        strip = write_tif(tmp_path / f"strip{r}.tif", dem[r - 1 : r + 2],
                          Affine(ew, 0, 0, 0, -ns, 0), nodata=nodata)
        ref = gdaldem(strip, tmp_path / f"gd{r}.tif")[1]
        np.testing.assert_array_equal(ours[r] == NODATA, ref == NODATA)
        valid = ref != NODATA
        if valid.any():
            assert np.abs(ours[r][valid] - ref[valid]).max() < 0.01
        checked += valid.sum()
    assert checked > 1000


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="`dem` must be at least 3x3"):
        slope_degrees(np.zeros((2, 5)), Affine.identity(), UTM)
    with pytest.raises(ValueError, match="`dem` must be a 2-D array"):
        slope_degrees(np.zeros(5), Affine.identity(), UTM)
