"""The sample's rescue teams, depots and equipment (data/sample_resources.py)."""


import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data.sample_layers import REFERENCE_DATE
from data.sample_resources import N_DEPOTS, N_TEAMS, TEAM_KINDS
from data.schema import validate_layer


def test_teams_depots_equipment_validate_and_are_labelled_synthetic(small_dataset):
    teams = small_dataset.layer("rescue_teams")
    depots = small_dataset.layer("material_depots")
    equipment = small_dataset.layer("equipment")
    assert len(teams) == N_TEAMS
    assert depots["name"].nunique() == N_DEPOTS
    assert set(teams["kind"]) <= set(TEAM_KINDS)
    for frame in (teams, depots, equipment):
        assert frame["name"].str.startswith("合成").all()
    assert set(equipment["owner"]) <= set(teams["id"])
    assert (teams["ready_min"] >= 0).all()


def test_some_stock_is_low_or_expired_and_hazmat_stock_exists(small_dataset):
    depots = small_dataset.layer("material_depots")
    low = depots["quantity"] < depots["min_level"]
    expiry = pd.to_datetime(depots["expiry"].where(depots["expiry"] != ""))
    expired = expiry < pd.Timestamp(REFERENCE_DATE)
    assert 0 < low.sum() < 0.3 * len(depots)
    assert 0 < expired.sum() < 0.3 * len(depots)
    assert {"吸附棉", "防化服"} <= set(depots["item"])


def test_teams_sit_beside_a_street(small_dataset):
    from risk.network import graph_from_roads, snap_points, to_metric

    graph, _ = graph_from_roads(small_dataset.layer("roads"))
    teams = small_dataset.layer("rescue_teams")
    x, y = to_metric(graph, teams.geometry.x.to_numpy(), teams.geometry.y.to_numpy())
    snap = snap_points(graph, x, y)
    assert snap.dist_m.max() < 61.0


def test_negative_stock_and_minutes_are_rejected_with_their_row():
    frame = gpd.GeoDataFrame(
        {"name": ["库A", "库B", "库C"], "item": ["沙袋", "沙袋", "沙袋"],
         "quantity": [10, -5, "abc"], "min_level": [1, 1, 1]},
        geometry=[shapely.Point(114.0, 22.5)] * 3, crs=4326)
    result = validate_layer("material_depots", frame)
    assert len(result.accepted) == 1
    assert result.rejected["row"].tolist() == [2, 3]
    assert result.rejected["column"].tolist() == ["quantity", "quantity"]
    teams = gpd.GeoDataFrame({"name": ["队"], "ready_min": [-1]},
                             geometry=[shapely.Point(114.0, 22.5)], crs=4326)
    assert validate_layer("rescue_teams", teams).rejected["column"].tolist() == ["ready_min"]
    blank = validate_layer("rescue_teams", teams.assign(ready_min=[None]))
    assert blank.ok and np.isnan(blank.accepted["ready_min"].iloc[0])


