"""Road-network workflows (ui/workflows/network.py)."""

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely

from risk.network import NetworkError
from ui.workflows.network import coverage, evacuate, nearest, stock_status


def test_stock_status_flags_low_and_expired_first():
    depots = gpd.GeoDataFrame(
        {"name": ["A", "B", "C"], "district": ["", "", ""], "item": ["沙袋", "饮用水", "帐篷"],
         "quantity": [100.0, 5.0, 50.0], "unit": ["个", "箱", "顶"],
         "min_level": [10.0, 10.0, 10.0], "expiry": ["", "2030-01-01", "2026-01-01"]},
        geometry=[shapely.Point(114, 22.5)] * 3, crs=4326)
    table = stock_status(depots, on=dt.date(2026, 6, 1))
    assert table["depot"].tolist() == ["B", "C", "A"]
    assert table["low"].tolist() == [True, False, False]
    assert table["expired"].tolist() == [False, True, False]


def test_coverage_kinds_filter_and_suggestion(small_dataset):
    fire = coverage(small_dataset, minutes=8, kinds=("综合消防",))
    every = coverage(small_dataset, minutes=8, suggest=False)
    assert fire.summary["overall"]["population_reached"] <= every.summary["overall"]["population_reached"]
    assert every.suggestion is None
    assert fire.suggestion is not None and fire.suggestion["population_added"] > 0
    assert set(fire.enterprises["team_id"]) - {""} <= set(
        small_dataset.layer("rescue_teams").query("kind == '综合消防'")["id"])
    assert len(fire.areas) > 0 and fire.areas.geometry.is_valid.all()


def test_nearest_and_evacuate_refuse_the_sea(small_dataset):
    with pytest.raises(NetworkError, match="in the sea"):
        nearest(small_dataset, 114.3, 22.2)
    with pytest.raises(NetworkError, match="in the sea"):
        evacuate(small_dataset, 114.3, 22.2, radii_m=(1000.0, 5000.0))


def test_evacuation_loads_within_capacity(small_dataset):
    out = evacuate(small_dataset, 114.0579, 22.5431, radii_m=(500.0, 2000.0))
    assert (out.shelters["assigned"] <= out.shelters["capacity"]).all()
    assert int(out.shelters["assigned"].sum()) + out.unplaced == out.population
    assert int(out.flows["people"].sum()) == int(out.shelters["assigned"].sum())
    assert np.all(out.flows["minutes"] >= 0)
    # each assignment follows the roads from its cell to its shelter
    shelters = small_dataset.layer("shelters").set_index("id").geometry
    for row in out.flows.head(40).itertuples():
        line = row.geometry
        assert line.geom_type == "LineString" and len(line.coords) > 2
        end = shapely.Point(line.coords[-1])
        assert end.distance(shelters[row.shelter_id]) < 1e-9
        assert row.route_m > 0


def test_nearest_for_cordon_teams_and_depots(small_dataset):
    from pyproj import Geod

    from ui.workflows.network import DEPOT_KEYS, TEAM_KEYS, nearest_for_cordon

    depots = small_dataset.layer("material_depots")
    item = depots["item"].value_counts().index[0]
    quantity = float(depots.loc[depots["item"] == item, "quantity"].median())
    out = nearest_for_cordon(small_dataset, 114.0579, 22.5431, n=3, item=item, quantity=quantity)
    assert set(out) == {"teams", "depots"}
    assert len(out["teams"]) == 3 and all(tuple(t) == TEAM_KEYS for t in out["teams"])
    minutes = [t["minutes"] for t in out["teams"]]
    assert minutes == sorted(minutes)
    teams = small_dataset.layer("rescue_teams").set_index("id")
    geod = Geod(ellps="WGS84")
    for t in out["teams"]:
        assert t["minutes"] >= (t["ready_min"] or 0)  # readiness is part of the time
        p = teams.loc[t["id"]].geometry
        straight = geod.inv(p.x, p.y, 114.0579, 22.5431)[2]
        assert t["route_m"] >= straight - 50  # along the road is never shorter (snap slack)
    assert out["depots"] and all(tuple(d) == DEPOT_KEYS for d in out["depots"])
    assert all(d["item"] == item and d["quantity"] >= quantity for d in out["depots"])
    import json

    json.dumps(out, allow_nan=False)  # plain JSON: no numpy values, no NaN
    assert nearest_for_cordon(small_dataset, 114.0579, 22.5431, n=2)["depots"] == []


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n": 0}, "`teams`"), ({"quantity": -1.0, "item": "x"}, "`quantity`"),
    ({"quantity": 5.0}, "needs an `item`"), ({"item": "不存在的物资"}, "no depot stocks"),
])
def test_nearest_for_cordon_refusals(small_dataset, kwargs, match):
    from ui.workflows.network import nearest_for_cordon

    with pytest.raises(ValueError, match=match):
        nearest_for_cordon(small_dataset, 114.0579, 22.5431, **kwargs)


def test_neighbouring_population_cells_merge_into_one_service_area():
    from ui.workflows.network import _cells

    step = 0.00833333  # a 30" grid: corners computed from float centres differ in the last bits
    lon, lat = 113.9 + np.arange(40) * step, np.full(40, 22.51)
    boxes = _cells(lon, lat, step / 2)
    merged = shapely.coverage_union_all(boxes)
    assert shapely.get_num_geometries(merged) == 1
    assert merged.area == pytest.approx(40 * step * step, rel=1e-4)
