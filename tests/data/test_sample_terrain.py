"""The sample's rasters (data/sample_terrain.py): hills where Shenzhen has them, people."""

from __future__ import annotations

import pytest
import rasterio

from data.sample_terrain import TOTAL_POPULATION


def test_dem_has_hills_where_shenzhen_has_them(small_sample):
    with rasterio.open(small_sample / "dem.tif") as src:
        assert src.crs.to_epsg() == 4326
        assert src.res == pytest.approx((0.0005, 0.0005))
        assert src.nodata == -9999
        assert src.profile["compress"] == "deflate" and src.profile["tiled"]
        wutong, cbd, sea = (v[0] for v in src.sample([(114.20, 22.58), (114.055, 22.54),
                                                       (114.40, 22.42)]))
        band = src.read(1, masked=True)
    assert wutong > 600 and cbd < 100
    assert sea == -9999
    assert 800 < band.max() < 1300 and band.min() >= 0


def test_population_total_and_density(small_sample):
    with rasterio.open(small_sample / "population.tif") as src:
        assert src.crs.to_epsg() == 4326
        assert src.res == pytest.approx((0.0025, 0.0025))
        people = src.read(1).astype(float)
        futian, dapeng, sea = (v[0] for v in src.sample([(114.055, 22.54), (114.50, 22.55),
                                                          (114.40, 22.42)]))
    assert people.sum() == pytest.approx(TOTAL_POPULATION, rel=1e-3)
    assert (people >= 0).all()
    assert sea == 0
    assert futian > 5 * dapeng
