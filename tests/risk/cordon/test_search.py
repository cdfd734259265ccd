"""Enterprises by name (risk/cordon/search.py)."""

from __future__ import annotations

import geopandas as gpd

from risk.cordon import find_enterprises


def test_find_enterprises_by_partial_chinese_name():
    ent = gpd.GeoDataFrame(
        {"id": ["a", "b", "c", "d"],
         "name": ["深圳华强化工有限公司", "华强", "宝安燃气站", "ＡＢＣ物流"],
         "grade": ["red", "blue", "orange", "yellow"]},
        geometry=gpd.points_from_xy([114.0, 114.1, 113.9, 114.2], [22.5, 22.6, 22.7, 22.8]),
        crs=4326,
    )
    found = find_enterprises(ent, " 华强 ")
    assert list(found["id"]) == ["b", "a"]  # the exact name first
    assert (found.loc[0, "lon"], found.loc[0, "lat"]) == (114.1, 22.6)
    assert list(find_enterprises(ent, "abc")["id"]) == ["d"]  # full-width letters match
    assert find_enterprises(ent, "不存在").empty and find_enterprises(ent, "").empty
    assert len(find_enterprises(ent, "有", limit=1)) == 1
