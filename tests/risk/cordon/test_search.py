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


# -- search_enterprises: any part of name, address or id, tolerant ----------------------------

import pytest  # noqa: E402

from risk.cordon.search import search_enterprises  # noqa: E402


@pytest.fixture()
def registry() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["E002241", "E002242", "E000007", "E000008", "E000009"],
         "name": ["深圳市南达化工有限公司", "深圳市宝安燃气站", "南达物流", "华强电子", "深圳市南山达成仓储"],
         "address": ["龙岗区坪地街道利隆街175号", "福田区华强北路12号", "宝安区松岗街道", "南山区科技园",
                     "南山区蛇口"],
         "grade": ["red", "blue", "orange", "yellow", "blue"],
         "district": ["龙岗区", "福田区", "宝安区", "南山区", "南山区"]},
        geometry=gpd.points_from_xy([114.25, 114.08, 113.85, 113.95, 113.92],
                                    [22.72, 22.55, 22.78, 22.54, 22.48]),
        crs=4326,
    )


def test_search_finds_an_address_and_an_id(registry):
    found = search_enterprises(registry, "华强北")
    assert found.loc[0, "id"] == "E002242" and found.loc[0, "matched"] == "address"
    # 华强电子 lacks 北: a weaker, fuzzy match, listed after
    assert list(found["id"]) == ["E002242", "E000008"]
    assert found.loc[1, "score"] < 75
    hit = search_enterprises(registry, "e002241")
    assert (hit.loc[0, "id"], hit.loc[0, "matched"], hit.loc[0, "score"]) == ("E002241", "id", 103.0)
    assert (hit.loc[0, "lon"], hit.loc[0, "lat"]) == (114.25, 22.72)
    assert list(hit.columns) == ["id", "name", "address", "grade", "district", "lon", "lat",
                                 "score", "matched"]


def test_search_tolerates_left_out_characters_best_first(registry):
    found = search_enterprises(registry, "深圳南达")
    # 深圳市南达… spells the query out with one character left out; 深圳市南山达成 with two
    assert list(found["id"][:2]) == ["E002241", "E000009"]
    assert found.loc[0, "score"] > found.loc[1, "score"]
    # contained beats spelled-out-with-gaps; a name beats an address on equal terms
    found = search_enterprises(registry, "南达")
    assert list(found["id"][:2]) == ["E000007", "E002241"]  # prefix of a name first


def test_search_orders_equal_matches_by_distance(registry):
    # 南山区 is in two addresses (E000008, E000009) with the same score
    near_a = search_enterprises(registry, "南山区", near=(113.95, 22.54))
    near_b = search_enterprises(registry, "南山区", near=(113.92, 22.48))
    assert list(near_a["id"][:2]) == ["E000008", "E000009"]
    assert list(near_b["id"][:2]) == ["E000009", "E000008"]


def test_search_nothing(registry):
    assert search_enterprises(registry, "").empty
    assert search_enterprises(registry, "   ").empty
    assert search_enterprises(registry, "完全无关的查询词语").empty
    assert len(search_enterprises(registry, "深圳", limit=2)) == 2
    bare = gpd.GeoDataFrame({"grade": ["red"]}, geometry=gpd.points_from_xy([114.0], [22.5]))
    assert search_enterprises(bare, "abc").empty
