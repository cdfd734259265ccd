"""Rules shared by the zone methods (risk/zone_rules.py): the metric CRS."""

from __future__ import annotations

from geopandas.testing import assert_geodataframe_equal

from risk.crs import check_metric_crs, metric_crs
from risk.zone_grid import grid_zones
from risk.zone_rules import zone_metric_crs
from risk.zones import influence_zones


def test_default_metric_crs_is_the_policys(random_enterprises):
    ents = random_enterprises(100, 9)
    policy = metric_crs(ents)
    assert zone_metric_crs(ents, None) == policy
    assert zone_metric_crs(ents, "EPSG:32650") == check_metric_crs("EPSG:32650")
    assert_geodataframe_equal(grid_zones(ents, cell_m=500), grid_zones(ents, cell_m=500, crs=policy))
    assert_geodataframe_equal(influence_zones(ents), influence_zones(ents, crs=policy))
    extent = (113.9, 22.5, 114.0, 22.6)
    assert zone_metric_crs(ents.iloc[:0], None, extent=extent) == metric_crs(extent)
