"""The zones workflow: parameters checked once, one dispatch for the tab and the CLI."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from geopandas.testing import assert_geodataframe_equal

from risk.zones import admin_zones, grid_zones, influence_zones
from ui.state import AppState
from ui.workflows.zones import (
    ZoneParams,
    compute_zones,
    dataset_zones,
    parse_grade_values,
    state_zones,
    zone_params,
)


@pytest.fixture(scope="module")
def dataset(small_dataset):
    return small_dataset


def test_zone_params_parse_text_and_numbers_once():
    p = zone_params(method="grid", cell_m="750", shape="hex", grade_by="score",
                    weights="red=10,蓝=0.5", thresholds={"yellow": 3})
    assert p == ZoneParams(method="grid", cell_m=750.0, shape="hex", grade_by="score",
                           weights={"red": 10.0, "blue": 0.5}, thresholds={"yellow": 3})
    assert zone_params() == ZoneParams()
    assert hash(p.key()) == hash(zone_params(**{**p.__dict__}).key())


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"method": "voronoi"}, "`method` must be one of influence, grid, admin; got 'voronoi'"),
    ({"shape": "circle"}, "`shape` must be square or hex; got 'circle'"),
    ({"grade_by": "mean"}, "`grade_by` must be max or score; got 'mean'"),
    ({"cell_m": 0}, "`cell_m` must be a positive number of metres; got 0"),
    ({"cell_m": "abc"}, "`cell_m` must be a positive number of metres; got 'abc'"),
    ({"cell_m": float("inf")}, "`cell_m` must be a positive number"),
    ({"radii_m": "red=-1"}, "`radii_m`: red= must be positive"),
    ({"radii_m": 5}, "`radii_m` must map grades to numbers"),
])
def test_zone_params_name_the_bad_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        zone_params(**kwargs)


def test_zone_params_spell_parameters_as_the_caller_does():
    with pytest.raises(ValueError, match="--cell-m must be a positive number"):
        zone_params(cell_m=-5, spell=lambda n: "--" + n.replace("_", "-"))


def test_parse_grade_values():
    assert parse_grade_values("red=1000，橙：500, D:50", name="x") == {
        "red": 1000.0, "orange": 500.0, "blue": 50.0}
    for text, match in [("1000", "x must look like red=1000"), ("purple=1", "x: unknown"),
                        ("red=abc", "x: red= needs a number"), (" , ", "x must look like")]:
        with pytest.raises(ValueError, match=match):
            parse_grade_values(text, name="x")


def test_compute_zones_dispatches_to_the_risk_functions(dataset):
    from risk.zone_rules import DEFAULT_QUANTILES, QuantileThresholds

    ents, units = dataset.enterprises, dataset.districts
    cases = [
        (zone_params(radii_m={"red": 800}), influence_zones(ents, radii_m={"red": 800})),
        (zone_params(method="grid", cell_m=2000, shape="hex", grade_by="score",
                     weights={"red": 5}, breaks="absolute"),
         grid_zones(ents, cell_m=2000, shape="hex", method="score", weights={"red": 5})),
        # relative breaks by default: percentiles of the cells' scores
        (zone_params(method="grid", cell_m=2000, shape="hex", grade_by="score",
                     weights={"red": 5}),
         grid_zones(ents, cell_m=2000, shape="hex", method="score", weights={"red": 5},
                    thresholds=DEFAULT_QUANTILES)),
        (zone_params(method="grid", cell_m=1000, grade_by="score", breaks="quantile",
                     thresholds={"red": 90, "orange": 60, "yellow": 30}),
         grid_zones(ents, cell_m=1000, method="score", thresholds=QuantileThresholds(
             red=0.9, orange=0.6, yellow=0.3))),
        (zone_params(method="admin", thresholds={"red": 50}),
         admin_zones(ents, units, thresholds={"red": 50})),
    ]
    for params, expected in cases:
        assert_geodataframe_equal(dataset_zones(dataset, params), expected)
    own = units.iloc[:3]
    assert_geodataframe_equal(compute_zones(ents, zone_params(method="admin", breaks="absolute"),
                                            units=own),
                              admin_zones(ents, own))
    with pytest.raises(ValueError, match="`units` must be given for method 'admin'"):
        compute_zones(ents, zone_params(method="admin"))


def test_state_zones_accept_the_stored_dict_and_cache(small_sample):
    state = AppState(small_sample)
    stored = {"method": "grid", "radii_m": {"red": 1000.0}, "cell_m": 2000.0, "shape": "square",
              "grade_by": "max"}
    first = state_zones(state, stored)
    assert isinstance(first, gpd.GeoDataFrame) and len(first)
    assert state_zones(state, zone_params(**stored)) is first  # same key, computed once
    with pytest.raises(ValueError, match="`shape` must be square or hex"):
        state_zones(state, {**stored, "shape": "round"})


@pytest.mark.parametrize("kwargs, words", [
    ({"cell_m": 10}, "`cell_m` must be between 50 and 50,000 metres; got 10"),
    ({"cell_m": "60000"}, "between 50 and 50,000"),
    ({"radii_m": {"red": 50_000}}, "`radii_m` red must be between 1 and 20,000 metres"),
    ({"breaks": "jenks"}, "`breaks` must be one of auto, quantile, absolute"),
    ({"breaks": "quantile", "thresholds": {"red": 150}}, "percentiles between 0 and 100"),
    ({"enterprise_filter": {"colour": "red"}}, "only the keys"),
    ({"enterprise_filter": {"inspected_before": "last year"}}, "YYYY-MM-DD"),
])
def test_out_of_range_parameters_are_refused_not_replaced(kwargs, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        zone_params(method="grid", **kwargs)


def test_zones_follow_the_enterprise_filter(dataset):
    flt = {"grades": ["red", "orange"], "districts": ["南山区"], "major": False}
    params = zone_params(method="grid", cell_m=1000, enterprise_filter=flt)
    zones = dataset_zones(dataset, params)
    ents = dataset.enterprises
    keep = ents[ents["grade"].isin(["red", "orange"]) & (ents["district"] == "南山区")]
    assert int(zones["n_total"].sum()) == len(keep) > 0
    assert zone_params(enterprise_filter=flt).key() != zone_params().key()


def test_relative_breaks_give_every_grade_on_small_hexagons(dataset):
    zones = dataset_zones(dataset, zone_params(method="grid", cell_m=200, shape="hex",
                                               grade_by="score"))
    assert set(zones["grade"].dropna()) == {"red", "orange", "yellow", "blue"}
