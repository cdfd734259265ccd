"""Zones by administrative unit (risk/zone_admin.py): by hand and on the sample."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from risk.zone_admin import admin_zones
from risk.zone_export import zone_summary

UTM50 = "EPSG:32650"


def two_districts() -> gpd.GeoDataFrame:
    west = shapely.box(500_000, 2_500_000, 502_000, 2_501_000)  # 2 km²
    east = shapely.box(502_000, 2_500_000, 503_000, 2_501_000)  # 1 km²
    return gpd.GeoDataFrame({"code": ["1", "2"], "name": ["西区", "东区"]},
                            geometry=[west, east], crs=UTM50).to_crs(4326)


def test_admin_zones_hand_computed(enterprises_at):
    ents = enterprises_at([(100, 100), (1500, 900), (2500, 500), (2600, 500), (2700, 500),
                           (2100, 1500), (2000, 5000)],
                     ["red", "blue", "yellow", "yellow", "orange", "blue", "red"])
    zones = admin_zones(ents.to_crs(4326), two_districts(), crs=UTM50, method="score")
    west, east = zones.iloc[0], zones.iloc[1]
    assert (west["name"], east["name"]) == ("西区", "东区")
    assert west["area_km2"] == pytest.approx(2.0, rel=1e-9)
    assert west[["n_red", "n_blue", "n_total"]].tolist() == [1, 1, 2]
    assert west["score"] == pytest.approx((4 + 1) / 2)
    assert west["grade_max"] == "red" and west["grade_score"] == "blue"
    # (2100, 1500) is 500 m north of the east district: counted there; (2000, 5000) is 4 km away
    assert east[["n_orange", "n_yellow", "n_blue", "n_total"]].tolist() == [1, 2, 1, 4]
    assert east["score"] == pytest.approx(3 + 2 * 2 + 1)
    assert east["grade_score"] == "yellow" and east["grade"] == "yellow"
    assert zones.attrs["unassigned"] == 1
    assert zones["n_total"].sum() + zones.attrs["unassigned"] == len(ents)
    strict = admin_zones(ents.to_crs(4326), two_districts(), nearest_m=None)
    assert strict["n_total"].tolist() == [2, 3] and strict.attrs["unassigned"] == 2


def test_admin_zones_reject_units_without_name(random_enterprises):
    ents = random_enterprises(10, 1)
    with pytest.raises(ValueError, match="`units` must be a GeoDataFrame with a 'name' column"):
        admin_zones(ents, two_districts().drop(columns="name"))


def test_sample_admin_counts_sum_to_total(small_dataset, geodesic_km2):
    zones = admin_zones(small_dataset.enterprises, small_dataset.districts)
    assert zones["n_total"].sum() + zones.attrs["unassigned"] == len(small_dataset.enterprises)
    assert zones.attrs["unassigned"] == 0  # the dataset only keeps enterprises near its districts
    for area, geom in zip(zones["area_km2"], zones.geometry, strict=True):
        assert area == pytest.approx(geodesic_km2(geom), rel=0.005)
    summary = zone_summary(zones)
    assert summary["enterprises"].sum() == len(small_dataset.enterprises)
