"""Road checkpoints on the zone boundaries (risk/cordon/checkpoints.py)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from risk.cordon import exposure

GEOD = pyproj.Geod(ellps="WGS84")
SHENZHEN = (114.0579, 22.5431)


def test_checkpoints_where_a_road_crosses_the_5_and_10_km_boundaries(points_at):
    lon, lat = points_at(SHENZHEN, np.array([15000.0, 15000.0]), np.array([90.0, 270.0]))
    road = shapely.LineString([(lon[1], lat[1]), (lon[0], lat[0])])  # W-E through the centre
    end = points_at(SHENZHEN, np.array([7000.0]), np.array([0.0]))
    short = shapely.LineString([SHENZHEN, (end[0][0], end[1][0])])  # crosses 5 km only
    lon2, lat2 = points_at(SHENZHEN, np.array([30000.0]), np.array([0.0]))
    far = shapely.LineString([(lon2[0], lat2[0]), (lon2[0] + 0.1, lat2[0])])
    roads = gpd.GeoDataFrame(
        {"id": ["r1", "r2", "r3"], "name": ["深南大道", "支路 <A&B>", "远路"],
         "road_class": ["trunk", "secondary", "primary"]},
        geometry=[road, short, far], crs=4326,
    )
    cps = exposure({"roads": roads}, SHENZHEN).checkpoints
    assert len(cps) == 5
    assert sorted(cps["kind"]) == ["管制点"] * 3 + ["警戒点"] * 2
    assert set(cps.loc[cps["road_id"] == "r2", "boundary_m"]) == {5000.0}
    _, _, d = GEOD.inv(np.full(len(cps), SHENZHEN[0]), np.full(len(cps), SHENZHEN[1]),
                       cps["lon"].to_numpy(), cps["lat"].to_numpy())
    assert np.abs(d - cps["boundary_m"].to_numpy()).max() < 0.01
    assert set(cps["road_name"]) == {"深南大道", "支路 <A&B>"}


def test_local_streets_of_a_routable_network_get_no_checkpoint():
    import geopandas as gpd
    import shapely

    from risk.cordon import ExposureIndex, exposure, validate_incident

    # two straight roads through the 1 km ring, one a local street
    lines = [shapely.LineString([(114.0, 22.45), (114.0, 22.55)]),
             shapely.LineString([(113.95, 22.5), (114.05, 22.5)])]
    roads = gpd.GeoDataFrame({"id": ["A", "L"], "name": ["主干道", "小街"],
                              "road_class": ["primary", "secondary"],
                              "class": ["arterial", "local"]}, geometry=lines, crs=4326)
    cordon = validate_incident(114.0, 22.5, (1000.0, 5000.0))
    found = exposure(ExposureIndex.from_layers({"roads": roads}), cordon).checkpoints
    assert len(found) and set(found["road_id"]) == {"A"}
    without_class = roads.drop(columns="class")
    found = exposure(ExposureIndex.from_layers({"roads": without_class}), cordon).checkpoints
    assert set(found["road_id"]) == {"A", "L"}  # a plain road layer keeps every road
