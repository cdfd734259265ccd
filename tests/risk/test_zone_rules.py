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


def test_relative_breaks_follow_the_scores_and_keep_ties_in_the_lower_class():
    import numpy as np
    import pytest

    from risk.zone_rules import (
        DEFAULT_QUANTILES,
        QuantileThresholds,
        check_thresholds,
        grade_cells,
        score_breaks,
    )

    weights = {"red": 4.0, "orange": 3.0, "yellow": 2.0, "blue": 1.0}
    # 10 cells of 1 km²: six with one blue, then 2, 3, 5 and 9 weighted enterprises
    counts = np.zeros((10, 4), dtype=np.int64)
    counts[:6, 3] = 1
    counts[6, 2] = 1
    counts[7, 1] = 1
    counts[8, [3, 0]] = 1
    counts[9, 0], counts[9, 3] = 2, 1
    area = np.ones(10)
    q = QuantileThresholds(red=0.9, orange=0.7, yellow=0.5)
    out = grade_cells(counts, area, weights, check_thresholds(q))
    assert out["score"].tolist() == [1, 1, 1, 1, 1, 1, 2, 3, 5, 9]
    assert score_breaks(out["score"], q) == {"red": 5.0, "orange": 2.0, "yellow": 1.0}
    # tied single-blue cells stay blue; above each break the next class
    assert out["grade_score"].tolist() == ["blue"] * 6 + ["yellow", "orange", "orange", "red"]
    # the same cells 25 times smaller (200 m squares): absolute breaks leave no yellow or blue,
    # relative breaks give the same classes
    small = grade_cells(counts, area / 25, weights, check_thresholds(q))
    assert small["grade_score"].tolist() == out["grade_score"].tolist()
    absolute = grade_cells(counts, area / 25, weights, check_thresholds(None))
    assert set(absolute["grade_score"]) == {"red", "orange"}
    assert isinstance(check_thresholds(DEFAULT_QUANTILES), QuantileThresholds)
    with pytest.raises(ValueError, match="between 0 and 1"):
        check_thresholds(QuantileThresholds(red=1.5))
    with pytest.raises(ValueError, match="red >= orange >= yellow"):
        check_thresholds(QuantileThresholds(red=0.5, orange=0.8))


def test_hexagons_of_200_m_graded_by_relative_score_come_out_in_all_four_grades(
        random_enterprises):
    from risk.zone_rules import DEFAULT_QUANTILES

    ents = random_enterprises(3000, 5)
    relative = grid_zones(ents, cell_m=200, shape="hex", method="score",
                          thresholds=DEFAULT_QUANTILES)
    assert set(relative["grade"]) == {"red", "orange", "yellow", "blue"}
