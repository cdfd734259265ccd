"""Influence zones (risk/zones.py): invariants on random data and the sample, hand-made fixtures."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from risk import zones as Z
from risk.crs import metric_crs
from risk.zones import (
    DEFAULT_BUFFER_M,
    influence_zones,
    zone_summary,
)

GEOD = pyproj.Geod(ellps="WGS84")
UTM50 = "EPSG:32650"
ORDER = ["red", "orange", "yellow", "blue"]


def naive_zones(enterprises: gpd.GeoDataFrame, radii: dict[str, float], crs) -> dict[str, object]:
    """Reference: buffer + union_all per grade + difference with all higher ones (slow, simple)."""
    metric = enterprises.to_crs(crs)
    out, higher = {}, shapely.Polygon()
    for grade in ORDER:
        pts = metric.geometry[metric["grade"] == grade]
        if not len(pts):
            continue
        buffers = shapely.buffer(pts.to_numpy(), radii[grade], quad_segs=Z.QUAD_SEGS)
        union = shapely.union_all(buffers)
        out[grade] = shapely.difference(union, higher)
        higher = shapely.union(higher, union)
    out["all"] = higher
    return out


# --------------------------------------------------------------------------------------------
# influence zones


@pytest.mark.parametrize(("seed", "radii"), [
    (1, DEFAULT_BUFFER_M),
    (2, DEFAULT_BUFFER_M),
    (3, DEFAULT_BUFFER_M),
    (4, {"red": 150.0, "orange": 300.0, "yellow": 600.0, "blue": 900.0}),  # lower grades wider
])
def test_influence_zones_match_naive_pipeline_and_never_overlap(seed, radii, random_enterprises):
    ents = random_enterprises(1500, seed)
    zones = influence_zones(ents, radii_m=radii)
    crs = metric_crs(ents)
    metric = zones.to_crs(crs).set_index("grade").geometry
    ref = naive_zones(ents, radii, crs)
    assert list(zones["grade"]) == [g for g in ORDER if g in set(ents["grade"])]
    for grade, geom in metric.items():  # same polygons as the naive pipeline, grade by grade
        assert shapely.area(shapely.symmetric_difference(geom, ref[grade])) < 1e-6 * ref[grade].area
    grades = list(metric.index)
    for i, a in enumerate(grades):
        for b in grades[i + 1:]:
            overlap = shapely.area(shapely.intersection(metric[a], metric[b]))
            assert overlap <= 1e-6 * min(metric[a].area, metric[b].area), (a, b, overlap)
    union_area = ref["all"].area / 1e6
    total = float(zones["area_km2"].sum())
    assert total <= union_area * (1 + 1e-6)
    assert total == pytest.approx(union_area, rel=1e-6)


def test_influence_zones_hold_every_enterprise_in_its_grade_or_higher(random_enterprises):
    ents = random_enterprises(2000, 11, duplicates=0.3)
    zones = influence_zones(ents).set_index("grade")
    rank = {g: i for i, g in enumerate(ORDER)}
    for geom in zones.geometry:
        shapely.prepare(geom)
    for point, grade in zip(ents.geometry, ents["grade"], strict=True):
        allowed = [g for g in zones.index if rank[g] <= rank[grade]]
        assert any(zones.geometry[g].covers(point) for g in allowed)


def test_influence_areas_are_metric_and_match_geodesic_areas(random_enterprises, geodesic_km2):
    ents = random_enterprises(800, 5)
    zones = influence_zones(ents)
    for geom, area in zip(zones.geometry, zones["area_km2"], strict=True):
        assert area == pytest.approx(geodesic_km2(geom), rel=0.005)


def test_one_red_enterprise_gets_a_32_gon_of_its_radius(enterprises_at):
    ents = enterprises_at([(0, 0)], ["red"]).to_crs(4326)
    zones = influence_zones(ents, crs=UTM50)
    n, r = 4 * Z.QUAD_SEGS, 1000.0
    polygon_km2 = 0.5 * n * r**2 * math.sin(2 * math.pi / n) / 1e6
    assert zones["area_km2"].iloc[0] == pytest.approx(polygon_km2, rel=1e-9)
    assert polygon_km2 == pytest.approx(math.pi * r**2 / 1e6 * (1 - 0.0064), rel=1e-3)
    # every vertex is 1000 m from the enterprise on the ellipsoid (UTM scale error < 0.1 %)
    lon, lat = ents.geometry.iloc[0].x, ents.geometry.iloc[0].y
    ring = np.asarray(zones.geometry.iloc[0].geoms[0].exterior.coords)
    _, _, dist = GEOD.inv(np.full(len(ring), lon), np.full(len(ring), lat), ring[:, 0], ring[:, 1])
    assert dist == pytest.approx(np.full(len(ring), r), rel=1e-3)
    assert list(zones.columns) == ["grade", "label_zh", "label_en", "color", "area_km2",
                                   "enterprises", "geometry"]
    assert zones["label_zh"].iloc[0] == "重大风险" and zones["color"].iloc[0] == "#d7191c"


def test_radii_can_be_overridden_with_any_grade_spelling(enterprises_at):
    ents = enterprises_at([(0, 0), (10_000, 0)], ["red", "blue"]).to_crs(4326)
    default = influence_zones(ents, crs=UTM50).set_index("grade")["area_km2"]
    bigger = influence_zones(ents, radii_m={"红": 2000, "D": 50}, crs=UTM50).set_index("grade")
    assert bigger["area_km2"]["red"] == pytest.approx(4 * default["red"], rel=1e-9)
    assert bigger["area_km2"]["blue"] == pytest.approx(default["blue"] / 4, rel=1e-9)


def test_coincident_enterprises_higher_grade_wins(enterprises_at):
    ents = enterprises_at([(0, 0), (0, 0), (0, 0), (300, 0)], ["blue", "red", "red", "orange"])
    zones = influence_zones(ents.to_crs(4326), crs=UTM50).set_index("grade")
    assert zones["enterprises"].to_dict() == {"red": 2, "orange": 1, "blue": 1}
    assert zones["area_km2"]["blue"] == 0 and zones.geometry["blue"].is_empty
    # the orange disc (300 m away, radius 500 m) sticks out of the red 1000 m disc on one side
    orange = zones.to_crs(UTM50).geometry["orange"]
    expected = shapely.difference(
        shapely.buffer(shapely.Point(500_300, 2_500_000), 500, quad_segs=Z.QUAD_SEGS),
        shapely.buffer(shapely.Point(500_000, 2_500_000), 1000, quad_segs=Z.QUAD_SEGS))
    assert orange.area == pytest.approx(expected.area, rel=1e-6)


def test_influence_zones_accept_a_given_metric_crs_and_refuse_degrees(random_enterprises):
    ents = random_enterprises(200, 4)
    aeqd = pyproj.CRS.from_proj4("+proj=aeqd +lat_0=22.6 +lon_0=114.1 +datum=WGS84 +units=m")
    a = influence_zones(ents, crs=aeqd)["area_km2"].sum()
    b = influence_zones(ents)["area_km2"].sum()
    assert a == pytest.approx(b, rel=0.003)  # AEQD vs the policy's TM, both near scale 1 here
    for bad in ("EPSG:4326", "EPSG:3857"):
        with pytest.raises(ValueError, match="`crs` must be a projected metric CRS"):
            influence_zones(ents, crs=bad)


def test_influence_zones_do_not_mutate_and_reject_bad_input(random_enterprises):
    ents = random_enterprises(50, 8)
    before = ents.copy()
    influence_zones(ents)
    assert_geodataframe_equal(ents, before)
    bad = ents.copy()
    bad.loc[3, "grade"] = "purple"
    with pytest.raises(ValueError, match=r"'grade' has 1 unknown value\(s\), first at row 3"):
        influence_zones(bad)
    with pytest.raises(ValueError, match=r"`radii_m\['red'\]` must be a positive number"):
        influence_zones(ents, radii_m={"red": 0})
    with pytest.raises(ValueError, match="unknown grade key 'pink'"):
        influence_zones(ents, radii_m={"pink": 10})
    with pytest.raises(ValueError, match="needs a 'grade' column"):
        influence_zones(ents.drop(columns="grade"))
    lines = ents.copy()
    lines.geometry = gpd.GeoSeries([shapely.box(113.9, 22.5, 114.0, 22.6)] * len(lines),
                                   index=lines.index, crs=4326)
    with pytest.raises(ValueError, match="must hold non-empty Points"):
        influence_zones(lines)


def test_influence_zones_of_nothing_is_an_empty_frame():
    empty = gpd.GeoDataFrame({"grade": []}, geometry=gpd.GeoSeries([], crs=4326))
    zones = influence_zones(empty)
    assert len(zones) == 0 and zones.crs.to_epsg() == 4326
    assert zone_summary(zones)["area_km2"].sum() == 0


def test_sample_influence_invariants(small_dataset):
    ents = small_dataset.enterprises
    zones = influence_zones(ents)
    crs = metric_crs(ents)
    metric = zones.to_crs(crs)
    geoms = metric.geometry.to_numpy()
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            overlap = shapely.area(shapely.intersection(geoms[i], geoms[j]))
            assert overlap <= 1e-6 * min(geoms[i].area, geoms[j].area)
    union = naive_zones(ents, DEFAULT_BUFFER_M, crs)["all"]
    assert zones["area_km2"].sum() == pytest.approx(union.area / 1e6, rel=1e-6)
    assert zones["area_km2"].sum() <= union.area / 1e6 * (1 + 1e-6)
    assert zones["enterprises"].sum() == len(ents)


def test_buffer_inside_the_higher_circle_but_poking_out_of_its_polygon_is_kept(enterprises_at):
    # the orange 500 m disc lies inside the red 1000 m circle, yet its 32-gon pokes out between
    # two vertices of the red 32-gon (249 m²): the skip rule must not drop it
    a = math.radians(5.0)
    ents = enterprises_at([(0, 0), (499.9 * math.cos(a), 499.9 * math.sin(a))], ["red", "orange"])
    zones = influence_zones(ents.to_crs(4326), crs=UTM50).set_index("grade")
    metric = ents.geometry.to_numpy()
    expected = shapely.difference(shapely.buffer(metric[1], 500, quad_segs=Z.QUAD_SEGS),
                                  shapely.buffer(metric[0], 1000, quad_segs=Z.QUAD_SEGS))
    assert expected.area > 200
    assert zones["area_km2"]["orange"] * 1e6 == pytest.approx(expected.area, rel=1e-6)
