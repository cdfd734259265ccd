"""People per cordon zone from a population raster (risk/cordon/population.py)."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import rasterio
from rasterio.transform import from_origin

from risk.cordon import ExposureIndex, exposure

GEOD = pyproj.Geod(ellps="WGS84")
SHENZHEN = (114.0579, 22.5431)


# ---------------------------------------------------------------------------------------------
# population


def _brute_population(center, array, transform, radii, k=1):
    """Loop over every (sub-)cell centre and measure it with Geod.inv."""
    totals = np.zeros(len(radii))
    subs = [(i + 0.5) / k for i in range(k)]
    for row in range(array.shape[0]):
        for col in range(array.shape[1]):
            for dr in subs:
                for dc in subs:
                    x, y = transform @ (col + dc, row + dr)
                    _, _, d = GEOD.inv(center[0], center[1], x, y)
                    zone = sum(d >= r for r in radii)
                    if zone < len(radii):
                        totals[zone] += array[row, col] / (k * k)
    return totals


def test_population_equals_an_independent_cell_centre_count(tmp_path):
    rng = np.random.default_rng(3)
    radii = (300.0, 800.0, 1500.0)
    transform = from_origin(114.03, 22.57, 0.0005, 0.0005)  # ~51 x 55 m cells
    array = rng.integers(0, 50, size=(120, 120)).astype("float32")
    expected = _brute_population(SHENZHEN, array, transform, radii)
    result = exposure({}, SHENZHEN, radii_m=radii, population=(array, transform, "EPSG:4326"),
                      population_subcells=1)
    assert result.population == pytest.approx(expected, abs=1e-3)
    # sub-cells (sampled fractional coverage), on a smaller window
    small = array[30:90, 30:90]
    shifted = transform @ transform.translation(30, 30)
    expected = _brute_population(SHENZHEN, small, shifted, radii, k=3)
    result = exposure({}, SHENZHEN, radii_m=radii, population=(small, shifted, "EPSG:4326"),
                      population_subcells=3)
    assert result.population == pytest.approx(expected, abs=1e-3)
    # the same raster from a GeoTIFF, with nodata cells
    array[0:5, :] = -9999
    path = tmp_path / "population.tif"
    with rasterio.open(path, "w", driver="GTiff", height=120, width=120, count=1,
                       dtype="float32", crs="EPSG:4326", transform=transform,
                       nodata=-9999) as dst:
        dst.write(array, 1)
    clean = np.where(array == -9999, 0, array)
    expected = _brute_population(SHENZHEN, clean, transform, radii)
    index = ExposureIndex.from_layers({}, population=path)
    got = exposure(index, SHENZHEN, radii_m=radii, population_subcells=1).population
    assert got == pytest.approx(expected, abs=1e-3)


def test_population_in_a_projected_raster_matches_disk_areas():
    crs = pyproj.CRS.from_epsg(32650)  # UTM 50N covers Shenzhen
    x0, y0 = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(*SHENZHEN)
    cell = 20.0
    transform = from_origin(x0 - 3000, y0 + 3000, cell, cell)
    array = np.ones((300, 300), dtype="float32")  # one person per 20 m cell
    radii = (1000.0, 2000.0)
    pop = exposure({}, SHENZHEN, radii_m=radii, population=(array, transform, crs)).population
    # UTM scale factor at Shenzhen (~0.9997 near the central meridian 117 E: ~1.0004) is tiny
    assert pop[0] == pytest.approx(math.pi * 1000**2 / cell**2, rel=0.005)
    assert pop[1] == pytest.approx(math.pi * (2000**2 - 1000**2) / cell**2, rel=0.005)
    # coarse 250 m cells: sub-cells keep the 1 km core within 3 %, plain centres do not promise it
    coarse = np.full((24, 24), 62_500.0 / cell**2, dtype="float32")  # same density
    big = from_origin(x0 - 3000, y0 + 3000, 250.0, 250.0)
    pop = exposure({}, SHENZHEN, radii_m=radii, population=(coarse, big, crs)).population
    assert pop[0] == pytest.approx(math.pi * 1000**2 / cell**2, rel=0.03)
