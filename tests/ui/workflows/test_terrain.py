"""The dangerous-slope workflow shared by the terrain tab and ``riskmap slopes``."""

from __future__ import annotations

import shutil

import pytest
from geopandas.testing import assert_geodataframe_equal

from data.dataset import Dataset
from risk.slopes import compare_registered, dangerous_slope_zones
from ui.workflows.terrain import MissingRasterError, dangerous_slopes, dataset_raster


@pytest.fixture(scope="module")
def dataset(small_dataset):
    return small_dataset


def test_dangerous_slopes_is_the_risk_rule_on_the_datasets_rasters(dataset, small_sample):
    result = dangerous_slopes(dataset, min_angle_deg=30, min_relief_m=12)
    zones = dangerous_slope_zones(small_sample / "dem.tif", min_angle_deg=30, min_relief_m=12,
                                  population=small_sample / "population.tif",
                                  enterprises=dataset.enterprises)
    assert_geodataframe_equal(result.zones, zones)
    assert_geodataframe_equal(result.registered,
                              compare_registered(zones, dataset.layer("slopes")))


def test_given_rasters_win_and_the_slope_raster_is_written(dataset, small_sample, tmp_path):
    dem = tmp_path / "my_dem.tif"
    shutil.copy(small_sample / "dem.tif", dem)
    slope = tmp_path / "slope.tif"
    result = dangerous_slopes(dataset, dem=dem, population=None, slope_path=slope)
    assert slope.is_file() and len(result.zones)
    assert dataset_raster(dataset, "dem", dem) == dem
    assert dataset_raster(dataset, "dem") == small_sample / "dem.tif"


def test_a_dataset_without_a_dem_raises_missing_raster(small_sample, tmp_path):
    shutil.copytree(small_sample, tmp_path, dirs_exist_ok=True)
    (tmp_path / "dem.tif").unlink()
    with pytest.raises(MissingRasterError, match="no dem.tif") as info:
        dangerous_slopes(Dataset.load(tmp_path))
    assert info.value.name == "dem"
    assert dataset_raster(Dataset.load(tmp_path), "dem", required=False) is None


def test_slope_thresholds_out_of_range_are_refused():
    import pytest

    from ui.workflows.terrain import check_slope_thresholds

    assert check_slope_thresholds("30", 12) == (30.0, 12.0)
    for angle, relief, name in [(100, 10, "min_angle_deg"), ("x", 10, "min_angle_deg"),
                                (25, None, "min_relief_m"), (25, 501, "min_relief_m")]:
        with pytest.raises(ValueError, match=name):
            check_slope_thresholds(angle, relief)
