"""Helpers shared by the zone and slope tests: random and hand-placed enterprises, GeoTIFFs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
from affine import Affine

from risk.slope_raster import NODATA

GEOD = pyproj.Geod(ellps="WGS84")
UTM50 = "EPSG:32650"  # Shenzhen
ORDER = ["red", "orange", "yellow", "blue"]


def _random_enterprises(n: int, seed: int, *, clusters: int = 8, spread_deg: float = 0.01,
                        duplicates: float = 0.1) -> gpd.GeoDataFrame:
    """Clustered random enterprises around Shenzhen with heavy overlaps and coincident points.

    A share ``duplicates`` of the rows repeat the location of another row, often with another
    grade (same building, several registered companies).
    """
    rng = np.random.default_rng(seed)
    cx = rng.uniform(113.8, 114.5, clusters)
    cy = rng.uniform(22.45, 22.8, clusters)
    pick = rng.integers(0, clusters, n)
    x = cx[pick] + rng.normal(0, spread_deg, n)
    y = cy[pick] + rng.normal(0, spread_deg, n)
    dup = rng.random(n) < duplicates
    src = rng.integers(0, n, n)
    x[dup], y[dup] = x[src[dup]], y[src[dup]]
    grade = rng.choice(ORDER, n, p=[0.1, 0.2, 0.3, 0.4])
    return gpd.GeoDataFrame({"id": [f"e{i}" for i in range(n)], "grade": grade},
                            geometry=gpd.points_from_xy(x, y), crs=4326)


def _enterprises_at(offsets_m: list[tuple[float, float]], grades: list[str], *,
                    origin: tuple[float, float] = (500_000.0, 2_500_000.0)) -> gpd.GeoDataFrame:
    """Enterprises at metre offsets from ``origin`` in UTM 50N (near 114.0 E, 22.6 N)."""
    xy = np.asarray(offsets_m, dtype=float) + origin
    return gpd.GeoDataFrame({"grade": grades}, geometry=gpd.points_from_xy(*xy.T), crs=UTM50)


def _geodesic_km2(geom) -> float:
    area, _ = GEOD.geometry_area_perimeter(geom)
    return abs(area) / 1e6


def _write_tif(path: Path, data: np.ndarray, transform: Affine, crs: str | None = UTM50,
               nodata: float | None = NODATA) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype="float32", crs=crs, transform=transform,
                       nodata=nodata) as dst:
        dst.write(data.astype("float32"), 1)
    return path


@pytest.fixture
def random_enterprises():
    """``random_enterprises(n, seed, *, clusters=8, spread_deg=0.01, duplicates=0.1)``:
    clustered enterprises around Shenzhen (EPSG:4326), a share at coincident points."""
    return _random_enterprises


@pytest.fixture
def enterprises_at():
    """``enterprises_at(offsets_m, grades, *, origin=(500_000, 2_500_000))``: enterprises at
    metre offsets in UTM 50N (EPSG:32650)."""
    return _enterprises_at


@pytest.fixture
def geodesic_km2():
    """``geodesic_km2(geom)``: the area of a lon/lat geometry on the WGS 84 ellipsoid, in km²."""
    return _geodesic_km2


@pytest.fixture
def write_tif():
    """``write_tif(path, data, transform, crs="EPSG:32650", nodata=risk.slope_raster.NODATA)``:
    a one-band float32 GeoTIFF; returns ``path``."""
    return _write_tif
