"""Cordon rings and exposure, checked against pyproj.Geod and hand-computed answers."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from risk.cordon import (
    DEFAULT_ZONES,
    ExposureIndex,
    cordon_rings,
    downwind_zone,
    exposure,
    find_enterprises,
    local_crs,
    validate_incident,
    zones_for,
)

GEOD = pyproj.Geod(ellps="WGS84")
SHENZHEN = (114.0579, 22.5431)
GRADES = ["red", "orange", "yellow", "blue"]


def _points_at(center, distances, azimuths):
    n = len(distances)
    lon, lat, _ = GEOD.fwd(np.full(n, center[0]), np.full(n, center[1]), azimuths, distances)
    return np.asarray(lon), np.asarray(lat)


def _random_centres(lat0, n, seed):
    rng = np.random.default_rng(seed)
    return [(float(100 + rng.random() * 20), float(lat0 + rng.random() - 0.5)) for _ in range(n)]


# ---------------------------------------------------------------------------------------------
# rings


@pytest.mark.parametrize("lat0", [22.5, 45.0])
def test_ring_vertices_lie_on_the_geodesic_circle(lat0):
    for center in _random_centres(lat0, 4, seed=int(lat0)):
        rings = cordon_rings(center, radii_m=(1000, 5000, 10000, 25000))
        for poly, inner, outer in zip(rings.geometry, rings["inner_m"], rings["outer_m"],
                                      strict=True):
            boundaries = [(poly.exterior, outer)] + [(h, inner) for h in poly.interiors]
            assert len(boundaries) == (1 if inner == 0 else 2)
            for ring, radius in boundaries:
                xy = np.asarray(ring.coords)
                assert len(xy) >= 257  # at least 256 segments
                _, _, d = GEOD.inv(np.full(len(xy), center[0]), np.full(len(xy), center[1]),
                                   xy[:, 0], xy[:, 1])
                assert np.max(np.abs(d - radius)) / radius < 1e-3  # the 0.1 % requirement
                assert np.max(np.abs(d - radius)) < 0.01  # in fact exact to a centimetre
                # chord sag: midpoints between vertices stay within 0.5 m of the circle
                mid = (xy[:-1] + xy[1:]) / 2
                _, _, dm = GEOD.inv(np.full(len(mid), center[0]), np.full(len(mid), center[1]),
                                    mid[:, 0], mid[:, 1])
                assert np.max(radius - dm) < 0.6


@pytest.mark.parametrize("center", [SHENZHEN, (8.0, 45.0)])
def test_rings_tile_the_disk_without_overlap(center):
    radii = (1000.0, 5000.0, 10000.0)
    rings = cordon_rings(center, radii_m=radii)
    assert list(rings["zone"]) == ["core", "control", "warning"]
    assert rings.crs.to_epsg() == 4326
    metric = rings.to_crs(local_crs(center))
    areas = metric.area.to_numpy()
    inner = 0.0
    for area, outer in zip(areas, radii, strict=True):
        assert area == pytest.approx(math.pi * (outer**2 - inner**2), rel=1e-3)
        inner = outer
    assert areas.sum() == pytest.approx(math.pi * radii[-1] ** 2, rel=1e-3)
    geoms = list(metric.geometry)
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert geoms[i].intersection(geoms[j]).area < 1e-6 * areas.sum()
    assert shapely.union_all(geoms).area == pytest.approx(areas.sum(), rel=1e-9)
    # the same check in UTM (a CRS chosen independently of ours)
    utm = rings.to_crs(rings.estimate_utm_crs())
    assert utm.area.sum() == pytest.approx(math.pi * radii[-1] ** 2, rel=2e-3)
    assert all(g.is_valid for g in rings.geometry)
    assert all(shapely.is_ccw(g.exterior) for g in rings.geometry)


def test_zone_names_and_extra_rings():
    assert [z.zone for z in DEFAULT_ZONES] == ["core", "control", "warning"]
    assert DEFAULT_ZONES[0].name_zh == "核心区（禁入）"
    zones = zones_for([1000, 5000, 10000, 15000])
    assert zones[3].zone == "outer1"
    assert zones[3].name_zh == "外围 10–15 km"
    assert (zones[3].inner_m, zones[3].outer_m) == (10000.0, 15000.0)
    rings = cordon_rings(SHENZHEN, radii_m=[2000, 3000], names=[("甲", "A"), "乙"])
    assert list(rings["name_zh"]) == ["甲", "乙"]
    assert list(rings["inner_m"]) == [0.0, 2000.0]


# ---------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    ("lon", "lat", "radii", "match"),
    [
        (200.0, 22.5, (1000,), "out of range"),
        (114.0, -95.0, (1000,), "swapped|out of range"),
        (22.5, 114.0, (1000,), "swapped.*lon=114"),
        (float("nan"), 22.5, (1000,), "finite"),
        ("abc", 22.5, (1000,), "must be numbers"),
        (114.0, 22.5, (-1000, 5000), "positive"),
        (114.0, 22.5, (0, 5000), "positive"),
        (114.0, 22.5, (5000, 1000), "ascending"),
        (114.0, 22.5, (1000, 1000, 5000), "duplicate"),
        (114.0, 22.5, tuple(range(1000, 10000, 1000)), "too many rings"),
        (114.0, 22.5, (1000, 150_000), "too large"),
        (114.0, 22.5, (), "at least one"),
    ],
)
def test_bad_input_is_refused(lon, lat, radii, match):
    with pytest.raises(ValueError, match=match):
        validate_incident(lon, lat, radii)


def test_far_from_region_is_refused_with_geodesic_distance():
    region = shapely.box(113.75, 22.4, 114.65, 22.87)
    validate_incident(114.0, 22.5, (1000,), region=region)
    # 0.4 degrees east of the region's edge at 22.5 N is ~41 km: inside the 50 km allowance
    validate_incident(115.05, 22.6, (1000,), region=region)
    with pytest.raises(ValueError, match="from the dataset's region") as info:
        validate_incident(115.3, 22.6, (1000,), region=region)
    _, _, d = GEOD.inv(114.65, 22.6, 115.3, 22.6)
    assert f"{d / 1000:.1f} km" in str(info.value)
    with pytest.raises(ValueError, match="swapped"):
        validate_incident(22.6, 50.0, (1000,), region=shapely.box(49.5, 22.0, 50.5, 23.0))
    with pytest.raises(ValueError):
        exposure({}, (115.3, 22.6), region=region)


# ---------------------------------------------------------------------------------------------
# exposure: membership exactly by Geod distance


def _ring_test_points(center, radii, *, n_random=3000, seed=0):
    """Points 1 m inside/outside every boundary, plus random ones."""
    rng = np.random.default_rng(seed)
    dists, azs = [], []
    for r in radii:
        for offset in (-1.0, -0.05, 0.05, 1.0):
            az = rng.random(20) * 360
            dists.extend([r + offset] * 20)
            azs.extend(az)
    dists.extend(rng.random(n_random) * radii[-1] * 1.3)
    azs.extend(rng.random(n_random) * 360)
    lon, lat = _points_at(center, np.asarray(dists), np.asarray(azs))
    n = len(lon)
    gdf = gpd.GeoDataFrame(
        {
            "id": [f"e{i}" for i in range(n)],
            "name": [f"企业{i}" for i in range(n)],
            "grade": rng.choice(GRADES, n),
            "major_hazard": rng.random(n) < 0.1,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=4326,
    )
    return gdf


def _independent_zone(center, gdf, radii):
    """Zone index by a per-point Geod.inv loop (n = outside)."""
    out = []
    for x, y in zip(gdf.geometry.x, gdf.geometry.y, strict=True):
        _, _, d = GEOD.inv(center[0], center[1], x, y)
        out.append(sum(d >= r for r in radii))
    return np.asarray(out)


@pytest.mark.parametrize("center", [SHENZHEN, (8.3, 45.2)])
def test_enterprise_counts_equal_independent_geod_count(center):
    radii = (1000.0, 5000.0, 10000.0)
    ent = _ring_test_points(center, radii)
    result = exposure({"enterprises": ent}, center, radii_m=radii)
    zone = _independent_zone(center, ent, radii)
    for i in range(len(radii)):
        for j, g in enumerate(GRADES):
            expected = int(np.sum((zone == i) & (ent["grade"] == g).to_numpy()))
            assert result.enterprises_by_grade[i, j] == expected
        assert result.major_hazard[i] == int(np.sum((zone == i) & ent["major_hazard"].to_numpy()))
    # priority list: every red/orange/major enterprise inside, nearest first, with its zone
    want = ((zone < 3) & (ent["grade"].isin(["red", "orange"]) | ent["major_hazard"])).to_numpy()
    pri = result.priority_enterprises
    assert sorted(pri["id"]) == sorted(ent["id"][want])
    assert (np.diff(pri["distance_m"].to_numpy()) >= 0).all()
    by_id = dict(zip(ent["id"], zone, strict=True))
    codes = ["core", "control", "warning"]
    assert all(codes[by_id[i]] == z for i, z in zip(pri["id"], pri["zone"], strict=True))
    n = len(pri)
    az, _, d = GEOD.inv(np.full(n, center[0]), np.full(n, center[1]), pri["lon"].to_numpy(),
                        pri["lat"].to_numpy())
    assert np.abs(pri["distance_m"].to_numpy() - d).max() <= 0.06  # shown to 0.1 m
    assert np.abs((pri["bearing_deg"].to_numpy() - az % 360 + 180) % 360 - 180).max() < 0.1  # deg
    assert set(pri["grade_zh"]) <= {"重大风险", "较大风险", "一般风险", "低风险"}


def test_index_and_layers_give_the_same_answer_and_inputs_untouched():
    ent = _ring_test_points(SHENZHEN, (1000, 5000, 10000), n_random=500)
    before = ent.copy()
    index = ExposureIndex.from_layers({"enterprises": ent})
    a = exposure(index, SHENZHEN)
    b = exposure({"enterprises": ent}, SHENZHEN)
    assert (a.enterprises_by_grade == b.enterprises_by_grade).all()
    assert ent.equals(before)


def test_empty_and_missing_layers():
    empty = gpd.GeoDataFrame({"name": [], "grade": []}, geometry=gpd.GeoSeries([], crs=4326))
    result = exposure({"enterprises": empty, "shelters": None}, SHENZHEN)
    data = result.to_json()
    assert [z["enterprises"] for z in data["zones"]] == [dict.fromkeys(GRADES, 0)] * 3
    assert data["evacuation_shelters"] == [] and data["checkpoints"] == []
    assert all(z["population"] is None for z in data["zones"])
    json.dumps(data)


# ---------------------------------------------------------------------------------------------
# shelters, slopes, waterlogging, checkpoints


def test_shelters_per_zone_and_evacuation_outside_control_zone():
    dists = np.array([500.0, 4999.0, 5001.0, 7000.0, 12000.0, 30000.0])
    lon, lat = _points_at(SHENZHEN, dists, np.array([10, 100, 200, 300, 45, 90.0]))
    shelters = gpd.GeoDataFrame(
        {"id": list("abcdef"), "name": ["甲", "乙", "丙", "丁", "戊", "己"],
         "capacity": [100, 200, 300, 400, 500, 600], "shelter_type": ["fixed"] * 6},
        geometry=gpd.points_from_xy(lon, lat), crs=4326,
    )
    result = exposure({"shelters": shelters}, SHENZHEN)
    zones = result.to_json()["zones"]
    assert [z["shelters"] for z in zones] == [1, 1, 2]
    assert [z["shelter_capacity"] for z in zones] == [100, 200, 700]
    evac = result.evacuation_shelters
    assert list(evac["id"]) == ["c", "d", "e", "f"]  # >= 5 km, nearest first
    assert evac["distance_m"].to_numpy() == pytest.approx(dists[2:], abs=0.06)
    few = exposure({"shelters": shelters}, SHENZHEN, n_evacuation=2, evacuate_beyond_m=10000)
    assert list(few.evacuation_shelters["id"]) == ["e", "f"]


def test_slopes_by_nearest_point_and_waterlogging_points():
    to_local = pyproj.Transformer.from_crs(4326, local_crs(SHENZHEN), always_xy=True)
    to_geo = pyproj.Transformer.from_crs(local_crs(SHENZHEN), 4326, always_xy=True)

    def local_box(x0, y0, x1, y1):
        poly = shapely.segmentize(shapely.box(x0, y0, x1, y1), 10)
        return shapely.transform(poly, lambda xy: np.column_stack(to_geo.transform(*xy.T)))

    slopes = gpd.GeoDataFrame(
        {"id": ["s1", "s2", "s3"], "name": ["跨核心区边坡", "管制区边坡", "区外边坡"]},
        geometry=[local_box(900, -50, 1500, 50),  # nearest point 900 m: core, centroid 1200 m
                  local_box(-3000, 2000, -2900, 2100),
                  local_box(20000, 0, 20100, 100)],
        crs=4326,
    )
    lon, lat = _points_at(SHENZHEN, np.array([999.0, 1001.0, 9999.0, 10001.0]), np.zeros(4))
    water = gpd.GeoDataFrame({"id": list("wxyz"), "name": list("WXYZ"),
                              "max_depth_cm": [10.0] * 4},
                             geometry=gpd.points_from_xy(lon, lat), crs=4326)
    result = exposure({"slopes": slopes, "waterlogging": water}, SHENZHEN)
    zones = result.to_json()["zones"]
    assert [z["slopes"] for z in zones] == [1, 1, 0]
    assert [z["waterlogging"] for z in zones] == [1, 1, 1]
    s1 = result.slopes.set_index("id").loc["s1"]
    assert s1["zone"] == "core" and s1["distance_m"] == pytest.approx(900, abs=1)
    del to_local


def test_checkpoints_where_a_road_crosses_the_5_and_10_km_boundaries():
    lon, lat = _points_at(SHENZHEN, np.array([15000.0, 15000.0]), np.array([90.0, 270.0]))
    road = shapely.LineString([(lon[1], lat[1]), (lon[0], lat[0])])  # W-E through the centre
    end = _points_at(SHENZHEN, np.array([7000.0]), np.array([0.0]))
    short = shapely.LineString([SHENZHEN, (end[0][0], end[1][0])])  # crosses 5 km only
    lon2, lat2 = _points_at(SHENZHEN, np.array([30000.0]), np.array([0.0]))
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


# ---------------------------------------------------------------------------------------------
# population


def _brute_population(center, array, transform, radii, k=1):
    """Loop over every (sub-)cell centre and measure it with Geod.inv."""
    totals = np.zeros(len(radii))
    subs = [(i + 0.5) / k for i in range(k)]
    for row in range(array.shape[0]):
        for col in range(array.shape[1]):
            for dr in subs:
                for dc in subs:
                    x, y = transform @ (col + dc, row + dr)
                    _, _, d = GEOD.inv(center[0], center[1], x, y)
                    zone = sum(d >= r for r in radii)
                    if zone < len(radii):
                        totals[zone] += array[row, col] / (k * k)
    return totals


def test_population_equals_an_independent_cell_centre_count(tmp_path):
    rng = np.random.default_rng(3)
    radii = (300.0, 800.0, 1500.0)
    transform = from_origin(114.03, 22.57, 0.0005, 0.0005)  # ~51 x 55 m cells
    array = rng.integers(0, 50, size=(120, 120)).astype("float32")
    expected = _brute_population(SHENZHEN, array, transform, radii)
    result = exposure({}, SHENZHEN, radii_m=radii, population=(array, transform, "EPSG:4326"),
                      population_subcells=1)
    assert result.population == pytest.approx(expected, abs=1e-3)
    # sub-cells (sampled fractional coverage), on a smaller window
    small = array[30:90, 30:90]
    shifted = transform @ transform.translation(30, 30)
    expected = _brute_population(SHENZHEN, small, shifted, radii, k=3)
    result = exposure({}, SHENZHEN, radii_m=radii, population=(small, shifted, "EPSG:4326"),
                      population_subcells=3)
    assert result.population == pytest.approx(expected, abs=1e-3)
    # the same raster from a GeoTIFF, with nodata cells
    array[0:5, :] = -9999
    path = tmp_path / "population.tif"
    with rasterio.open(path, "w", driver="GTiff", height=120, width=120, count=1,
                       dtype="float32", crs="EPSG:4326", transform=transform,
                       nodata=-9999) as dst:
        dst.write(array, 1)
    clean = np.where(array == -9999, 0, array)
    expected = _brute_population(SHENZHEN, clean, transform, radii)
    index = ExposureIndex.from_layers({}, population=path)
    got = exposure(index, SHENZHEN, radii_m=radii, population_subcells=1).population
    assert got == pytest.approx(expected, abs=1e-3)


def test_population_in_a_projected_raster_matches_disk_areas():
    crs = pyproj.CRS.from_epsg(32650)  # UTM 50N covers Shenzhen
    x0, y0 = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform(*SHENZHEN)
    cell = 20.0
    transform = from_origin(x0 - 3000, y0 + 3000, cell, cell)
    array = np.ones((300, 300), dtype="float32")  # one person per 20 m cell
    radii = (1000.0, 2000.0)
    pop = exposure({}, SHENZHEN, radii_m=radii, population=(array, transform, crs)).population
    # UTM scale factor at Shenzhen (~0.9997 near the central meridian 117 E: ~1.0004) is tiny
    assert pop[0] == pytest.approx(math.pi * 1000**2 / cell**2, rel=0.005)
    assert pop[1] == pytest.approx(math.pi * (2000**2 - 1000**2) / cell**2, rel=0.005)
    # coarse 250 m cells: sub-cells keep the 1 km core within 3 %, plain centres do not promise it
    coarse = np.full((24, 24), 62_500.0 / cell**2, dtype="float32")  # same density
    big = from_origin(x0 - 3000, y0 + 3000, 250.0, 250.0)
    pop = exposure({}, SHENZHEN, radii_m=radii, population=(coarse, big, crs)).population
    assert pop[0] == pytest.approx(math.pi * 1000**2 / cell**2, rel=0.03)


# ---------------------------------------------------------------------------------------------
# downwind and JSON


def test_downwind_area_lies_downwind():
    area = downwind_zone(SHENZHEN, wind_from_deg=0.0, distance_m=4000)  # north wind → south
    lon, lat = _points_at(SHENZHEN, np.array([3000.0, 3000.0, 3000.0]), np.array([180.0, 0.0, 90]))
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


def test_to_json_shape_and_tables():
    ent = _ring_test_points(SHENZHEN, (1000, 5000, 10000), n_random=200)
    result = exposure({"enterprises": ent}, SHENZHEN)
    data = json.loads(json.dumps(result.to_json(), ensure_ascii=False))
    assert data["radii_m"] == [1000.0, 5000.0, 10000.0]
    assert [z["name"] for z in data["zones"]] == ["核心区（禁入）", "管制区", "警戒区"]
    for z in data["zones"]:
        assert {"name", "inner_m", "outer_m", "enterprises", "shelters", "shelter_capacity",
                "population", "slopes", "waterlogging", "major_hazard"} <= set(z)
    assert len(result.to_json(limit=3)["priority_enterprises"]) == 3
    tables = result.tables()
    assert set(tables) >= {"zones", "priority_enterprises", "evacuation_shelters", "checkpoints"}
    assert tables["zones"]["red"].sum() == result.enterprises_by_grade[:, 0].sum()


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
