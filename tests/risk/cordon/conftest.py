"""Helpers shared by the cordon tests: points at known geodesic distances from a centre."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest

GEOD = pyproj.Geod(ellps="WGS84")
GRADES = ["red", "orange", "yellow", "blue"]


def _points_at(center, distances, azimuths):
    n = len(distances)
    lon, lat, _ = GEOD.fwd(np.full(n, center[0]), np.full(n, center[1]), azimuths, distances)
    return np.asarray(lon), np.asarray(lat)


def _ring_test_points(center, radii, *, n_random=3000, seed=0):
    """Points 1 m inside/outside every boundary, plus random ones."""
    rng = np.random.default_rng(seed)
    dists, azs = [], []
    for r in radii:
        for offset in (-1.0, -0.05, 0.05, 1.0):
            az = rng.random(20) * 360
            dists.extend([r + offset] * 20)
            azs.extend(az)
    dists.extend(rng.random(n_random) * radii[-1] * 1.3)
    azs.extend(rng.random(n_random) * 360)
    lon, lat = _points_at(center, np.asarray(dists), np.asarray(azs))
    n = len(lon)
    gdf = gpd.GeoDataFrame(
        {
            "id": [f"e{i}" for i in range(n)],
            "name": [f"企业{i}" for i in range(n)],
            "grade": rng.choice(GRADES, n),
            "major_hazard": rng.random(n) < 0.1,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=4326,
    )
    return gdf


@pytest.fixture
def points_at():
    """``points_at(center, distances, azimuths) -> (lon, lat)`` by ``pyproj.Geod.fwd``."""
    return _points_at


@pytest.fixture
def ring_test_points():
    """``ring_test_points(center, radii, *, n_random=3000, seed=0)``: enterprises 5 cm and 1 m
    inside/outside every boundary, plus random ones (a GeoDataFrame)."""
    return _ring_test_points
