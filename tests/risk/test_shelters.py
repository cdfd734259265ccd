"""Shelter capacity and coverage, against an independent pyproj.Geod count and hand counts."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Geod

from risk.rasters import RasterError
from risk.shelters import SHELTER_CLASSES, ShelterClass, capacity, coverage, service_radius

GEOD = Geod(ellps="WGS84")
RES = 0.0025  # like the bundled population.tif
ORIGIN = (113.95, 22.60)


def write_pop(path: Path, data: np.ndarray, *, crs: str = "EPSG:4326",
              transform: Affine | None = None) -> Path:
    transform = transform or Affine(RES, 0, ORIGIN[0], 0, -RES, ORIGIN[1])
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype="float32", crs=crs, transform=transform,
                       nodata=-1) as dst:
        dst.write(data.astype("float32"), 1)
    return path


def shelters_at(lonlats: list[tuple[float, float]], types: list[str], **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"s{i}" for i in range(len(types))],
                             "shelter_type": types, **cols},
                            geometry=[shapely.Point(xy) for xy in lonlats], crs=4326)


def test_capacity_from_area_unless_given() -> None:
    s = shelters_at([(114, 22.5)] * 4, ["emergency", "fixed", "central", "fixed"],
                    area_m2=[1000.0, 1001.0, 3000.0, np.nan], capacity=[0, None, 50, None])
    assert capacity(s).tolist() == [1000, 500, 50, 0]
    custom = {**SHELTER_CLASSES, "emergency": ShelterClass("emergency", "紧急", "E", 300, 2.0)}
    assert capacity(s, classes=custom).tolist()[0] == 500


def test_service_radius_by_class_or_own_column() -> None:
    s = shelters_at([(114, 22.5)] * 3, ["emergency", "fixed", "central"],
                    service_radius_m=[None, 800, 0])
    assert service_radius(s).tolist() == [500.0, 800.0, 5000.0]


def test_unknown_shelter_type_is_named() -> None:
    with pytest.raises(ValueError, match=r"shelter_type must be one of emergency, fixed, central, "
                                         r"got \['tent'\]"):
        capacity(shelters_at([(114, 22.5)], ["tent"]))


def independent_count(pop: np.ndarray, shelters: gpd.GeoDataFrame) -> tuple[float, np.ndarray]:
    """Covered people by brute force with geodesic distances (pyproj.Geod), cell by cell."""
    radii = service_radius(shelters).to_numpy()
    covered = np.zeros(pop.shape, bool)
    margin = np.inf
    for r in range(pop.shape[0]):
        for c in range(pop.shape[1]):
            lon = ORIGIN[0] + RES * (c + 0.5)
            lat = ORIGIN[1] - RES * (r + 0.5)
            n = len(shelters)
            _, _, d = GEOD.inv([lon] * n, [lat] * n, shelters.geometry.x.to_numpy(),
                               shelters.geometry.y.to_numpy())
            covered[r, c] = bool((d <= radii).any())
            margin = min(margin, np.abs(d - radii).min())
    assert margin > 2.0, "fixture too close to a radius for a fair comparison"
    return float(pop[covered].sum()), covered


def test_coverage_agrees_with_geodesic_brute_force(tmp_path: Path) -> None:
    rng = np.random.default_rng(42)
    pop = rng.integers(0, 50, size=(24, 30)).astype(float)
    pop[3, 4] = -1  # nodata counts as nobody
    path = write_pop(tmp_path / "pop.tif", pop)
    shelters = shelters_at([(113.975, 22.585), (114.0101, 22.57), (113.96, 22.553)],
                           ["emergency", "fixed", "emergency"], area_m2=[2000.0, 4000.0, 100.0])
    result = coverage(shelters, path)
    pop0 = np.where(pop < 0, 0, pop)
    expected, covered = independent_count(pop0, shelters)
    assert result.covered == pytest.approx(expected)
    assert result.population == pytest.approx(pop0.sum())
    np.testing.assert_allclose(result.uncovered, np.where(covered, 0, pop0))
    assert result.hexagons["people"].sum() == pytest.approx(pop0.sum() - expected)
    # demand goes to one shelter per cell: it adds up to the covered population
    assert result.shelters["demand"].sum() == pytest.approx(expected)
    assert (result.shelters["people_within"] >= result.shelters["demand"]).all()
    assert result.shelters["capacity"].tolist() == [2000, 2000, 100]
    shortfall = np.maximum(0, result.shelters["demand"] - result.shelters["capacity"])
    np.testing.assert_allclose(result.shelters["shortfall"], shortfall, atol=0.1)
    assert "capacity" not in shelters.columns  # input untouched


def test_hand_counted_coverage_and_district_table(tmp_path: Path) -> None:
    # 100 m cells in UTM 50N, 1 person per cell, 10 x 20 cells; an emergency shelter (500 m)
    # in the middle of the west half: by hand, the cells whose centres are within 500 m of
    # (x=500 500, y=2 500 500) are those with dx, dy in ±50, ±150, … : count them exactly.
    pop = np.ones((10, 20))
    t = Affine(100, 0, 500_000, 0, -100, 2_501_000)
    path = write_pop(tmp_path / "pop.tif", pop, crs="EPSG:32650", transform=t)
    centre = (500_500, 2_500_500)
    xs = 500_050 + 100 * np.arange(20)
    ys = 2_500_950 - 100 * np.arange(10)
    d = np.hypot(*np.meshgrid(xs - centre[0], ys - centre[1]))
    assert np.abs(d - 500).min() > 2  # no cell on the boundary
    expected = int((d <= 500).sum())  # 76 cells
    shelter = gpd.GeoDataFrame({"name": ["A"], "shelter_type": ["emergency"], "area_m2": [30.0]},
                               geometry=[shapely.Point(centre)], crs="EPSG:32650")
    west = shapely.box(500_000, 2_500_000, 501_000, 2_501_000)
    east = shapely.box(501_000, 2_500_000, 502_000, 2_501_000)
    districts = gpd.GeoDataFrame({"name": ["西区", "东区"]}, geometry=[west, east],
                                 crs="EPSG:32650")
    result = coverage(shelter, path, districts=districts)
    assert result.covered == expected
    table = result.districts.set_index("district")
    assert table.loc["西区"].to_dict() == {
        "population": 100.0, "covered": float(expected), "uncovered": 100.0 - expected,
        "covered_pct": round(expected, 1), "shelters": 1, "capacity": 30,
        "capacity_gap": 70.0,
    }
    assert table.loc["东区", "covered"] == 0 and table.loc["东区", "population"] == 100
    assert result.shelters.loc[0, "shortfall"] == expected - 30


def test_no_shelters_leaves_everyone_uncovered(tmp_path: Path) -> None:
    pop = np.full((4, 4), 5.0)
    result = coverage(shelters_at([], []), write_pop(tmp_path / "pop.tif", pop))
    assert result.covered == 0 and result.uncovered_total == 80
    assert result.hexagons["people"].sum() == pytest.approx(80)


def test_bad_population_raster_is_named(tmp_path: Path) -> None:
    path = write_pop(tmp_path / "allnodata.tif", np.full((4, 4), -1.0))
    with pytest.raises(RasterError, match=r"population .*allnodata\.tif: every cell is nodata"):
        coverage(shelters_at([(114, 22.5)], ["fixed"]), path)
    bj54 = tmp_path / "bj54.tif"
    with rasterio.open(bj54, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32",
                       crs="EPSG:4214", transform=Affine(RES, 0, 114, 0, -RES, 22.6)) as dst:
        dst.write(np.ones((1, 4, 4), "float32"))
    with pytest.raises(RasterError, match=r"bj54\.tif: its CRS EPSG:4214 is not the CRS"):
        coverage(shelters_at([(114, 22.5)], ["fixed"]), bj54)

