"""The analyst map: rendered HTML, embedded data and what it references."""

import json
import re

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point

from data import BOUNDARIES_DIR
from data.dataset import Dataset
from data.store import FileStore
from layers.map import build_analyst_map, enterprise_columns, enterprise_detail, safe_json

HOSTILE = '</script><script>alert("x")</script>&'


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    store = FileStore(root)
    districts = gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson")[["code", "name", "name_en",
                                                                    "geometry"]]
    store.write_layer("districts", districts)
    pts = [Point(114.05, 22.55), Point(113.93, 22.53), Point(114.25, 22.72), Point(113.88, 22.58)]
    store.write_layer("enterprises", gpd.GeoDataFrame({
        "id": ["E1", "E2", "E3", "E4"],
        "name": ["甲公司", HOSTILE, "丙公司", "丁公司"],
        "industry": ["燃气", "危化品", "工贸", "工贸"],
        "district": ["福田区", "南山区", "龙岗区", "宝安区"],
        "address": ["a", "b", "c", "d"],
        "grade": ["red", "orange", "yellow", "blue"],
        "major_hazard": [True, False, False, False],
        "last_inspection": ["2026-01-01"] * 4,
    }, geometry=pts, crs=4326))
    store.write_layer("shelters", gpd.GeoDataFrame({
        "id": ["S1"], "name": [HOSTILE], "district": ["福田区"], "shelter_type": ["fixed"],
        "area_m2": [2000.0], "capacity": [1000],
    }, geometry=[Point(114.06, 22.54)], crs=4326))
    store.write_meta({"title": "tiny", "synthetic": True, "sources": ["test"]})
    return Dataset.load(root)


def _render(ds, **kw):
    return build_analyst_map(ds, **kw).get_root().render()


def test_page_references_only_local_files(tiny):
    html = _render(tiny, asset_base="/assets")
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the page must load Leaflet from somewhere"
    assert all(u.startswith("/assets/") for u in urls), urls
    assert not re.search(r"https?://", html), "no absolute URL may appear in the map page"
    assert "/assets/vendor/leaflet/leaflet.js" in urls


def test_hostile_names_cannot_break_out_of_the_script(tiny):
    html = _render(tiny)
    # the only </script> tags are the page's own; the name is embedded escaped
    assert HOSTILE not in html
    assert html.count("<script>alert") == 0
    assert "\\u003c/script\\u003e" in html


def test_enterprise_columns_round_trip_coordinates_and_codes(tiny):
    ents = tiny.enterprises
    cols = enterprise_columns(ents)
    assert cols["n"] == len(ents) == 4
    lon = [cols["lon0"] + v / cols["scale"] for v in cols["lon"]]
    lat = [cols["lat0"] + v / cols["scale"] for v in cols["lat"]]
    xy = shapely.get_coordinates(ents.geometry.values)
    assert lon == pytest.approx(xy[:, 0].tolist(), abs=1e-5)
    assert lat == pytest.approx(xy[:, 1].tolist(), abs=1e-5)
    assert [cols["vocab"]["grade"][g] for g in cols["grade"]] == ents["grade"].tolist()
    assert [cols["vocab"]["district"][d] for d in cols["district"]] == ents["district"].tolist()
    assert cols["major"] == [1, 0, 0, 0]


def test_page_embeds_every_enterprise_once(tiny):
    html = _render(tiny)
    block = re.search(r'riskmap\.enterpriseLayer\(riskmap\.data\("([^"]+)"\)', html).group(1)
    data = json.loads(re.search(rf'<script type="application/json" id="{block}">(.*?)</script>',
                                html, re.S).group(1))
    assert data["n"] == 4 and len(data["lon"]) == 4


def test_legend_lists_grades_and_only_present_layers(tiny):
    html = _render(tiny, lang="zh")
    legend = json.loads(re.search(r"div\.innerHTML = (\".*?\");", html).group(1))
    for label in ("重大风险", "较大风险", "一般风险", "低风险", "应急避难场所", "合成样例数据"):
        assert label in legend
    assert "危险边坡" not in legend  # the tiny dataset has no slopes layer
    english = json.loads(re.search(r"div\.innerHTML = (\".*?\");", _render(tiny, lang="en"))
                         .group(1))
    assert "Major risk (red)" in english and "重大风险" not in english


def test_detail_is_plain_text_for_the_page_to_escape(tiny):
    detail = enterprise_detail(tiny.enterprises, 1, lang="zh")
    assert detail["title"] == HOSTILE  # escaped by the browser code, never pre-mangled
    assert dict(detail["rows"])["风险等级"] == "较大风险"
    assert dict(enterprise_detail(tiny.enterprises, 0, lang="en")["rows"])["Major hazard source"] \
        == "yes"


def test_safe_json_escapes_script_breakers():
    text = safe_json({"a": "</script>\u2028&"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script>\u2028&"}


def test_tile_source_is_checked_and_only_drawn_when_given(tiny):
    from layers.map import TileSource

    with pytest.raises(ValueError, match=r"\{z\}"):
        TileSource("http://tiles.example/{x}/{y}.png")
    with pytest.raises(ValueError, match="gcj02"):
        TileSource("http://t/{z}/{x}/{y}.png", coords="bd09")
    html = _render(tiny, tiles=TileSource("http://t.example/{z}/{x}/{y}.png", coords="gcj02"))
    assert 'riskmap.tileLayer("http://t.example/{z}/{x}/{y}.png"' in html
    assert '"gcj02":true' in html
    assert '"fillOpacity":0.0' in html  # the land fill would hide the tiles
    assert "riskmap.tileLayer" not in _render(tiny)


def test_page_loads_the_message_names_then_every_map_script_in_order(tiny):
    from pathlib import Path

    from layers.map import COMMAND_SCRIPTS, MAP_SCRIPTS, PAINT_SCRIPTS, TILES_SCRIPT, TileSource

    assets = Path(__file__).resolve().parents[2] / "assets"
    html = _render(tiny, asset_base="/assets")
    scripts = re.findall(r'<script src="([^"]+)"', html)
    leaflet = ["/assets/vendor/leaflet/leaflet.js"]
    assert scripts == leaflet + [f"/assets/{p}" for p in PAINT_SCRIPTS]
    assert PAINT_SCRIPTS[:2] == ("riskmap-messages.js", "map/riskmap-map-core.js")
    # the command handlers do not hold up the first paint
    assert re.findall(r'<script defer src="([^"]+)"', html) == [
        f"/assets/{p}" for p in COMMAND_SCRIPTS]
    # the tile script only on a page with a tile server, before the map is made
    tiled = _render(tiny, tiles=TileSource("../t/{z}/{x}/{y}.png"))
    assert re.findall(r'<script src="([^"]+)"', tiled) == scripts + [f"/assets/{TILES_SCRIPT}"]
    on_disk = sorted(f"map/{p.name}" for p in (assets / "map").glob("*.js"))
    assert sorted(p for p in MAP_SCRIPTS if p.startswith("map/")) == on_disk
    # the expressions the pages call are defined by the scripts they load before the map
    api = "\n".join((assets / p).read_text(encoding="utf-8") for p in PAINT_SCRIPTS)
    for call in set(re.findall(r"riskmap\.(\w+)\(", html)):
        assert re.search(rf"\b(rm|window\.riskmap)\.{call} = |\b{call}: {call}\b", api), call
    assert "rm.tileLayer = tileLayer" in (assets / TILES_SCRIPT).read_text(encoding="utf-8")


def test_overlay_message_is_an_overlay_command(tiny):
    import folium

    from layers.bridge import OVERLAY
    from layers.map import overlay_message

    geo = {"type": "FeatureCollection", "features": []}
    layer = folium.GeoJson(geo, tooltip=folium.GeoJsonTooltip(fields=["grade"], aliases=["等级"]))
    msg = overlay_message(layer, overlay_id="zones", title="分区", legend=[("#f00", "红")])
    assert msg == {"type": OVERLAY, "id": "zones", "title": "分区", "geojson": geo,
                   "fields": [["grade", "等级"]], "legend": [["#f00", "红"]], "fillOpacity": 0.5}


# -- sensitive sites and incident styles ------------------------------------------------------

@pytest.fixture(scope="module")
def with_sites(tmp_path_factory, tiny):
    root = tmp_path_factory.mktemp("sites")
    store = FileStore(root)
    for name in ("districts", "enterprises"):
        store.write_layer(name, tiny.layer(name))
    store.write_layer("sensitive_sites", gpd.GeoDataFrame({
        "id": ["P1", "P2"], "name": [HOSTILE, "合成一小"], "kind": ["hospital", "school"],
        "people": [800, 1500], "district": ["福田区", "南山区"], "address": ["x", "y"],
    }, geometry=[Point(114.06, 22.55), Point(113.94, 22.52)], crs=4326))
    store.write_meta({"title": "sites", "synthetic": True, "sources": ["test"]})
    return Dataset.load(root)


def _layer_data(html: str, call: str) -> dict:
    block = re.search(rf'riskmap\.{call}\(riskmap\.data\("([^"]+)"\)', html).group(1)
    return json.loads(re.search(rf'<script type="application/json" id="{block}">(.*?)</script>',
                                html, re.S).group(1))


def test_sensitive_sites_are_drawn_as_houses_by_kind_with_a_legend(with_sites, tiny):
    html = _render(with_sites, lang="zh")
    geo = _layer_data(html, "sensitiveLayer")
    assert [f["properties"]["kind"] for f in geo["features"]] == ["hospital", "school"]
    assert geo["features"][1]["properties"]["people"] == 1500
    opts = json.loads(re.search(r'riskmap\.sensitiveLayer\(riskmap\.data\("[^"]+"\), (\{.*?\})\)',
                                html).group(1))
    assert opts["shape"] == "house" and opts["colorBy"]["property"] == "kind"
    from layers.style import GRADE_COLORS, SENSITIVE_COLORS
    assert opts["colorBy"]["colors"] == SENSITIVE_COLORS
    assert not set(SENSITIVE_COLORS.values()) & set(GRADE_COLORS.values())
    legend = json.loads(re.search(r"div\.innerHTML = (\".*?\");", html).group(1))
    for text in ("敏感目标", "学校", "幼儿园", "医院", "养老院", "商场市场", "场馆"):
        assert text in legend
    assert 'data-rm-layer="sensitive_sites"' in legend
    assert HOSTILE not in html
    # a dataset without the layer draws none and lists none
    plain = _render(tiny)
    assert "riskmap.sensitiveLayer(" not in plain and "敏感目标" not in plain
    assert "map/riskmap-map-sensitive.js" in html


def test_incident_styles_reach_the_map_page_and_differ_from_the_grades(tiny):
    from layers.style import GRADE_COLORS, RING_STYLES, ring_label, ring_style

    html = _render(tiny, lang="en")
    opts = json.loads(re.search(r"riskmap\.bridge\([^,]+, (\{.*?\})\);", html).group(1))
    inc = opts["incident"]
    assert set(inc["rings"]) == {"core", "control", "warning"}
    assert inc["text"]["checkpoint"] == "Road checkpoint"
    assert inc["text"]["keepView"] == "Keep the current view"
    colours = {s.color for s in RING_STYLES.values()} | {ring_style("outer1").color}
    assert not colours & set(GRADE_COLORS.values())
    dashes = [s.dash for s in RING_STYLES.values()]
    assert len(set(dashes)) == len(dashes)  # a dash pattern per zone
    assert all(s.weight >= 3 for s in RING_STYLES.values())  # heavy lines
    assert ring_label("警戒区", 10_000.0) == "警戒区 10 km"
    zh = json.loads(re.search(r"riskmap\.bridge\([^,]+, (\{.*?\})\);", _render(tiny)).group(1))
    assert zh["incident"]["text"]["checkpoint"] == "交通管制卡口"


def test_the_popup_shows_the_datasets_extra_columns():
    import geopandas as gpd
    from shapely.geometry import Point

    from layers.map import enterprise_detail

    ents = gpd.GeoDataFrame({
        "id": ["E1"], "name": ["甲"], "industry": ["燃气"], "district": ["南山区"], "address": [""],
        "grade": ["red"], "major_hazard": [False], "last_inspection": [""],
        "法人": ["张三"], "联系电话": [""]}, geometry=[Point(113.95, 22.55)], crs=4326)
    rows = dict(map(tuple, enterprise_detail(ents, 0)["rows"]))
    assert rows["法人"] == "张三" and "联系电话" not in rows  # blank extras are left out


def test_the_basemap_leaves_out_local_streets_and_simplifies_within_10_m():
    import geopandas as gpd
    import shapely

    from layers.map import BASEMAP_SIMPLIFY_DEG, basemap_roads

    wiggle = shapely.LineString([(114.0 + i * 1e-4, 22.5 + (i % 2) * 1e-6) for i in range(50)])
    roads = gpd.GeoDataFrame({"class": ["local", "arterial"], "road_class": ["secondary"] * 2},
                             geometry=[wiggle, wiggle], crs=4326)
    drawn = basemap_roads(roads)
    assert list(drawn["class"]) == ["arterial"]
    line = drawn.geometry.iloc[0]
    assert shapely.get_num_coordinates(line) < shapely.get_num_coordinates(wiggle)
    assert line.hausdorff_distance(wiggle) <= BASEMAP_SIMPLIFY_DEG
    assert list(roads["class"]) == ["local", "arterial"]  # the input is not changed
