"""The zones workflow: parameters checked once, one dispatch for the tab and the CLI."""

from __future__ import annotations

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
    ents, units = dataset.enterprises, dataset.districts
    cases = [
        (zone_params(radii_m={"red": 800}), influence_zones(ents, radii_m={"red": 800})),
        (zone_params(method="grid", cell_m=2000, shape="hex", grade_by="score",
                     weights={"red": 5}),
         grid_zones(ents, cell_m=2000, shape="hex", method="score", weights={"red": 5})),
        (zone_params(method="admin", thresholds={"red": 50}),
         admin_zones(ents, units, thresholds={"red": 50})),
    ]
    for params, expected in cases:
        assert_geodataframe_equal(dataset_zones(dataset, params), expected)
    own = units.iloc[:3]
    assert_geodataframe_equal(compute_zones(ents, zone_params(method="admin"), units=own),
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
