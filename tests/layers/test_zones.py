"""The zones layer: rendered GeoJSON and style, legend data, and what Chromium draws."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely

from layers.zones import zones_kind, zones_layer, zones_legend
from risk.grades import GRADES
from risk.zones import admin_zones, grid_zones, influence_zones

ROOT = Path(__file__).resolve().parents[2]
LEAFLET = ROOT / "assets" / "vendor" / "leaflet"
COLORS = {g.value: g.color for g in GRADES}


def enterprises(n: int = 400, seed: int = 3) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(114.0, 114.1, n)
    y = rng.uniform(22.5, 22.6, n)
    grade = rng.choice(["red", "orange", "yellow", "blue"], n, p=[0.05, 0.15, 0.3, 0.5])
    return gpd.GeoDataFrame({"grade": grade}, geometry=gpd.points_from_xy(x, y), crs=4326)


def render(layer: folium.GeoJson) -> str:
    m = folium.Map(location=[22.55, 114.05], zoom_start=12, tiles=None)
    layer.add_to(m)
    return m.get_root().render()


def embedded_geojson(html: str) -> dict:
    match = re.search(r"_add\((\{\"features\".*?\})\);\n", html, re.S)
    assert match, "no embedded GeoJSON"
    return json.loads(match.group(1))


def test_influence_layer_embeds_one_feature_per_non_empty_zone():
    pts = enterprises()
    pts.loc[0, "grade"] = "blue"  # blue on top of a red: still some blue elsewhere
    zones = influence_zones(pts)
    html = render(zones_layer(zones, lang="en"))
    data = embedded_geojson(html)
    grades = [f["properties"]["grade"] for f in data["features"]]
    assert grades == [g for g, geom in zip(zones["grade"], zones.geometry, strict=True)
                      if not geom.is_empty]
    props = data["features"][0]["properties"]
    assert props["label"] == "Major risk (red)"
    assert props["area_km2"] == pytest.approx(zones["area_km2"].iloc[0], abs=1e-3)
    assert props["enterprises"] == int(zones["enterprises"].iloc[0])
    # one JS style function for every feature, no per-feature switch written by folium
    assert html.count("L.geoJson(") == 1
    assert "_styler" not in html
    assert html.count('"red": "#d7191c"') == 1
    # rounded to 6 decimals
    coords = data["features"][0]["geometry"]["coordinates"][0][0][:5]
    for lon, lat in coords:
        assert round(lon, 6) == lon and round(lat, 6) == lat
    assert 'let aliases = ["Grade", "Area (km\\u00b2)", "Enterprises of this grade"]' in html


def test_grid_layer_with_thousands_of_cells_is_one_geojson():
    zones = grid_zones(enterprises(5000), cell_m=200)
    assert len(zones) > 2000
    layer = zones_layer(zones)
    assert layer.layer_name == "风险网格 Risk grid"
    html = render(layer)
    data = embedded_geojson(html)
    assert len(data["features"]) == len(zones)
    assert html.count("L.geoJson(") == 1 and "_styler" not in html
    first = data["features"][0]["properties"]
    row = zones.iloc[0]
    assert first["counts"] == f"{row.n_red}/{row.n_orange}/{row.n_yellow}/{row.n_blue}"
    assert first["label"] in {g.label_zh for g in GRADES}


def test_cells_without_grade_are_left_out():
    pts = enterprises(3)
    zones = grid_zones(pts, cell_m=1000, extent=(114.0, 22.5, 114.1, 22.6))
    assert zones["grade"].isna().sum() > 0
    data = embedded_geojson(render(zones_layer(zones)))
    assert len(data["features"]) == zones["grade"].notna().sum()


def test_admin_layer_and_legend():
    units = gpd.GeoDataFrame({"name": ["甲区", "乙区"]}, crs=4326,
                             geometry=[shapely.box(114.0, 22.5, 114.05, 22.6),
                                       shapely.box(114.05, 22.5, 114.1, 22.6)])
    zones = admin_zones(enterprises(), units)
    assert zones_kind(zones) == "admin"
    data = embedded_geojson(render(zones_layer(zones, name="街道风险")))
    assert [f["properties"]["name"] for f in data["features"]] == ["甲区", "乙区"]
    assert zones_legend(zones) == [(GRADES[0].color, "重大风险")]
    assert zones_legend(lang="en") == [(g.color, g.label_en) for g in GRADES]


def test_zones_layer_rejects_other_frames():
    with pytest.raises(ValueError, match="must be the output of risk.zones"):
        zones_layer(gpd.GeoDataFrame({"x": [1]}, geometry=[shapely.Point(0, 0)], crs=4326))
    with pytest.raises(ValueError, match="`lang` must be 'zh' or 'en', got 'fr'"):
        zones_layer(influence_zones(enterprises(20)), lang="fr")


@pytest.mark.browser
def test_chromium_draws_each_zone_in_its_grade_colour(tmp_path, browser):
    zones = influence_zones(enterprises())
    m = folium.Map(location=[22.55, 114.05], zoom_start=12, tiles=None, width=900, height=700)
    m.default_js = [("leaflet", (LEAFLET / "leaflet.js").as_uri())]
    m.default_css = [("leaflet_css", (LEAFLET / "leaflet.css").as_uri())]
    zones_layer(zones, fill_opacity=0.5).add_to(m)
    page_file = tmp_path / "zones.html"
    m.save(page_file)
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_file.as_uri())
    page.wait_for_selector("path.leaflet-interactive")
    drawn = page.eval_on_selector_all(
        "path.leaflet-interactive",
        "els => els.map(e => [e.getAttribute('fill'), e.getAttribute('fill-opacity'),"
        " e.getAttribute('stroke')])",
    )
    page.close()
    assert not errors
    expected = [COLORS[g] for g in zones["grade"]]
    assert sorted(f for f, _, _ in drawn) == sorted(expected)
    assert {o for _, o, _ in drawn} == {"0.5"}
    assert all(fill == stroke for fill, _, stroke in drawn)
