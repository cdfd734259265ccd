"""Folium layers for computed terrain results: one GeoJson each, colours as data, legends."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import shapely

from layers.terrain import (
    PONDING_CLASSES,
    UNCOVERED_CLASSES,
    ponding_layer,
    registered_slopes_layer,
    slope_zone_legend,
    slope_zones_layer,
    uncovered_layer,
    uncovered_legend,
)
from risk.grades import Grade


def render(layer: folium.GeoJson) -> str:
    fmap = folium.Map(location=(22.55, 114.05), zoom_start=11, tiles=None)
    layer.add_to(fmap)
    return fmap.get_root().render()


def features(html: str) -> list[dict]:
    match = re.search(r"_add\((\{\"features\".*?\})\);\n", html, re.S)
    assert match, "GeoJSON data not found in the page"
    return json.loads(match.group(1))["features"]


def boxes(n: int) -> list[shapely.Polygon]:
    return [shapely.box(114 + i / 100, 22.5, 114.005 + i / 100, 22.505) for i in range(n)]


def test_zones_coloured_by_grade_without_python_style_function() -> None:
    zones = gpd.GeoDataFrame(
        {"id": ["a", "b"], "grade": ["red", "blue"], "height_m": [40.0, 8.0],
         "max_angle_deg": [50.0, 26.0], "area_m2": [5000.0, 2500.0],
         "people_below": [300.0, 0.0], "enterprises_below": [2, 0]},
        geometry=boxes(2), crs=4326)
    layer = slope_zones_layer(zones, lang="en")
    assert not hasattr(layer, "style_function")
    html = render(layer)
    feats = features(html)
    assert [f["properties"]["_c"] for f in feats] == [Grade.RED.color, Grade.BLUE.color]
    assert feats[0]["properties"]["grade"] == "Major risk (red)"
    assert "setStyle" in html and layer.layer_name == "Computed dangerous slopes (DEM)"


def test_registered_ponding_and_uncovered_layers() -> None:
    reg = gpd.GeoDataFrame({"name": ["<b>坡</b>", "y"], "overlap": [0.8, 0.0],
                            "confirmed": [True, False]}, geometry=boxes(2), crs=4326)
    feats = features(render(registered_slopes_layer(reg)))
    assert [f["properties"]["check"] for f in feats] == ["计算结果确认", "计算结果未确认"]
    ponds = gpd.GeoDataFrame({"id": ["p1", "p2"], "max_depth_m": [0.4, 1.5],
                              "mean_depth_m": [0.2, 0.9], "area_m2": [6000.0, 9000.0],
                              "volume_m3": [1200.0, 8100.0]}, geometry=boxes(2), crs=4326)
    feats = features(render(ponding_layer(ponds)))
    assert [f["properties"]["_c"] for f in feats] == [PONDING_CLASSES[0][1], PONDING_CLASSES[2][1]]
    hexes = gpd.GeoDataFrame({"people": [50.0, 20_000.0]}, geometry=boxes(2), crs=4326)
    feats = features(render(uncovered_layer(hexes)))
    assert [f["properties"]["_c"] for f in feats] == [UNCOVERED_CLASSES[0][1],
                                                      UNCOVERED_CLASSES[3][1]]


def test_legends_are_data_in_both_languages() -> None:
    assert [c for c, _ in slope_zone_legend()] == [g.color for g in Grade]
    assert uncovered_legend("en")[0][1] == "Uncovered < 100 people"
    assert uncovered_legend("zh")[0][1] == "未覆盖 < 100 人"


def test_empty_frames_render() -> None:
    empty = gpd.GeoDataFrame({"people": []}, geometry=gpd.GeoSeries([], crs=4326))
    assert "geo_json" in render(uncovered_layer(empty))
