"""The downwind protective-action area (risk/cordon/downwind.py)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from risk.cordon import downwind_zone, exposure

SHENZHEN = (114.0579, 22.5431)


def test_downwind_area_lies_downwind(points_at):
    area = downwind_zone(SHENZHEN, wind_from_deg=0.0, distance_m=4000)  # north wind → south
    lon, lat = points_at(SHENZHEN, np.array([3000.0, 3000.0, 3000.0]), np.array([180.0, 0.0, 90]))
    inside = shapely.contains_xy(area, lon, lat)
    assert list(inside) == [True, False, False]
    ent = gpd.GeoDataFrame({"name": ["下风向", "上风向", "侧风"], "grade": ["red", "red", "blue"],
                            "major_hazard": [True, False, False]},
                           geometry=gpd.points_from_xy(lon, lat), crs=4326)
    result = exposure({"enterprises": ent}, SHENZHEN, wind_from_deg=0.0, downwind_m=4000)
    down = result.to_json()["downwind"]
    assert down["enterprises"]["red"] == 1 and down["major_hazard"] == 1
    with pytest.raises(ValueError, match="start_m"):
        downwind_zone(SHENZHEN, wind_from_deg=0.0, distance_m=1000, start_m=2000)
