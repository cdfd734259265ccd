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


def test_validate_wind_normalises_and_words_distances_in_km():
    from risk.cordon import validate_wind

    assert validate_wind("  ", None, radii_m=(1000.0,)) == (None, None)
    assert validate_wind("360", None, radii_m=(1000.0, 8000.0)) == (0.0, 8000.0)
    assert validate_wind(12.5, 2500, radii_m=(1000.0,)) == (12.5, 2500.0)
    with pytest.raises(ValueError, match=r"0–360.*got -1"):
        validate_wind(-1, None, radii_m=(1000.0,))
    with pytest.raises(ValueError, match="needs a wind direction"):
        validate_wind(None, 5000, radii_m=(1000.0,))
    with pytest.raises(ValueError, match="at most 100 km, got 120 km"):
        validate_wind(90, 120_000, radii_m=(1000.0,))
    with pytest.raises(ValueError, match="positive kilometres"):
        validate_wind(90, "abc", radii_m=(1000.0,))
