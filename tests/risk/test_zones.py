"""Graded risk zones: invariants on random data and the sample, hand-made fixtures, export."""

from __future__ import annotations

import json
import math
import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

import risk.files
from risk import zones as Z
from risk.crs import check_metric_crs, metric_crs
from risk.zone_rules import zone_metric_crs
from risk.zones import (
    DEFAULT_BUFFER_M,
    admin_zones,
    grid_zones,
    influence_zones,
    write_zones,
    zone_summary,
    zones_to_bytes,
)

GEOD = pyproj.Geod(ellps="WGS84")
UTM50 = "EPSG:32650"
ORDER = ["red", "orange", "yellow", "blue"]


def random_enterprises(n: int, seed: int, *, clusters: int = 8, spread_deg: float = 0.01,
                       duplicates: float = 0.1) -> gpd.GeoDataFrame:
    """Clustered random enterprises around Shenzhen with heavy overlaps and coincident points.

    A share ``duplicates`` of the rows repeat the location of another row, often with another
    grade (same building, several registered companies).
    """
    rng = np.random.default_rng(seed)
    cx = rng.uniform(113.8, 114.5, clusters)
    cy = rng.uniform(22.45, 22.8, clusters)
    pick = rng.integers(0, clusters, n)
    x = cx[pick] + rng.normal(0, spread_deg, n)
    y = cy[pick] + rng.normal(0, spread_deg, n)
    dup = rng.random(n) < duplicates
    src = rng.integers(0, n, n)
    x[dup], y[dup] = x[src[dup]], y[src[dup]]
    grade = rng.choice(ORDER, n, p=[0.1, 0.2, 0.3, 0.4])
    return gpd.GeoDataFrame({"id": [f"e{i}" for i in range(n)], "grade": grade},
                            geometry=gpd.points_from_xy(x, y), crs=4326)


def points_at(offsets_m: list[tuple[float, float]], grades: list[str], *,
              origin: tuple[float, float] = (500_000.0, 2_500_000.0)) -> gpd.GeoDataFrame:
    """Enterprises at metre offsets from ``origin`` in UTM 50N (near 114.0 E, 22.6 N)."""
    xy = np.asarray(offsets_m, dtype=float) + origin
    return gpd.GeoDataFrame({"grade": grades}, geometry=gpd.points_from_xy(*xy.T), crs=UTM50)


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


def geodesic_km2(geom) -> float:
    area, _ = GEOD.geometry_area_perimeter(geom)
    return abs(area) / 1e6


# --------------------------------------------------------------------------------------------
# influence zones


@pytest.mark.parametrize(("seed", "radii"), [
    (1, DEFAULT_BUFFER_M),
    (2, DEFAULT_BUFFER_M),
    (3, DEFAULT_BUFFER_M),
    (4, {"red": 150.0, "orange": 300.0, "yellow": 600.0, "blue": 900.0}),  # lower grades wider
])
def test_influence_zones_match_naive_pipeline_and_never_overlap(seed, radii):
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


def test_influence_zones_hold_every_enterprise_in_its_grade_or_higher():
    ents = random_enterprises(2000, 11, duplicates=0.3)
    zones = influence_zones(ents).set_index("grade")
    rank = {g: i for i, g in enumerate(ORDER)}
    for geom in zones.geometry:
        shapely.prepare(geom)
    for point, grade in zip(ents.geometry, ents["grade"], strict=True):
        allowed = [g for g in zones.index if rank[g] <= rank[grade]]
        assert any(zones.geometry[g].covers(point) for g in allowed)


def test_influence_areas_are_metric_and_match_geodesic_areas():
    ents = random_enterprises(800, 5)
    zones = influence_zones(ents)
    for geom, area in zip(zones.geometry, zones["area_km2"], strict=True):
        assert area == pytest.approx(geodesic_km2(geom), rel=0.005)


def test_one_red_enterprise_gets_a_32_gon_of_its_radius():
    ents = points_at([(0, 0)], ["red"]).to_crs(4326)
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


def test_radii_can_be_overridden_with_any_grade_spelling():
    ents = points_at([(0, 0), (10_000, 0)], ["red", "blue"]).to_crs(4326)
    default = influence_zones(ents, crs=UTM50).set_index("grade")["area_km2"]
    bigger = influence_zones(ents, radii_m={"红": 2000, "D": 50}, crs=UTM50).set_index("grade")
    assert bigger["area_km2"]["red"] == pytest.approx(4 * default["red"], rel=1e-9)
    assert bigger["area_km2"]["blue"] == pytest.approx(default["blue"] / 4, rel=1e-9)


def test_coincident_enterprises_higher_grade_wins():
    ents = points_at([(0, 0), (0, 0), (0, 0), (300, 0)], ["blue", "red", "red", "orange"])
    zones = influence_zones(ents.to_crs(4326), crs=UTM50).set_index("grade")
    assert zones["enterprises"].to_dict() == {"red": 2, "orange": 1, "blue": 1}
    assert zones["area_km2"]["blue"] == 0 and zones.geometry["blue"].is_empty
    # the orange disc (300 m away, radius 500 m) sticks out of the red 1000 m disc on one side
    orange = zones.to_crs(UTM50).geometry["orange"]
    expected = shapely.difference(
        shapely.buffer(shapely.Point(500_300, 2_500_000), 500, quad_segs=Z.QUAD_SEGS),
        shapely.buffer(shapely.Point(500_000, 2_500_000), 1000, quad_segs=Z.QUAD_SEGS))
    assert orange.area == pytest.approx(expected.area, rel=1e-6)


def test_influence_zones_accept_a_given_metric_crs_and_refuse_degrees():
    ents = random_enterprises(200, 4)
    aeqd = pyproj.CRS.from_proj4("+proj=aeqd +lat_0=22.6 +lon_0=114.1 +datum=WGS84 +units=m")
    a = influence_zones(ents, crs=aeqd)["area_km2"].sum()
    b = influence_zones(ents)["area_km2"].sum()
    assert a == pytest.approx(b, rel=0.003)  # AEQD vs the policy's TM, both near scale 1 here
    for bad in ("EPSG:4326", "EPSG:3857"):
        with pytest.raises(ValueError, match="`crs` must be a projected metric CRS"):
            influence_zones(ents, crs=bad)


def test_influence_zones_do_not_mutate_and_reject_bad_input():
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


def test_default_metric_crs_is_the_policys():
    ents = random_enterprises(100, 9)
    policy = metric_crs(ents)
    assert zone_metric_crs(ents, None) == policy
    assert zone_metric_crs(ents, "EPSG:32650") == check_metric_crs("EPSG:32650")
    assert_geodataframe_equal(grid_zones(ents, cell_m=500), grid_zones(ents, cell_m=500, crs=policy))
    assert_geodataframe_equal(influence_zones(ents), influence_zones(ents, crs=policy))
    extent = (113.9, 22.5, 114.0, 22.6)
    assert zone_metric_crs(ents.iloc[:0], None, extent=extent) == metric_crs(extent)


# --------------------------------------------------------------------------------------------
# grid


def test_grid_hand_computed_cells_and_scores():
    # cell (0,0) holds a red and a blue; cell (1,0) three yellows; cell (0,1) one orange
    ents = points_at([(100, 100), (900, 900), (1100, 50), (1500, 500), (1999, 999), (10, 1500)],
                     ["red", "blue", "yellow", "yellow", "yellow", "orange"])
    cells = grid_zones(ents, cell_m=1000, crs=UTM50, thresholds={"yellow": 5.5})
    cells = cells.set_index(["cell_i", "cell_j"]).sort_index()
    i0, j0 = 500, 2500  # the origin offset in 1000 m cells
    assert cells.loc[(i0, j0), ["grade_max", "n_red", "n_blue", "n_total"]].tolist() == [
        "red", 1, 1, 2]
    assert cells.loc[(i0, j0), "score"] == pytest.approx(4 + 1)
    assert cells.loc[(i0 + 1, j0), "score"] == pytest.approx(3 * 2)
    assert cells.loc[(i0 + 1, j0), "grade_max"] == "yellow"
    assert cells.loc[(i0 + 1, j0), "grade_score"] == "yellow"  # 6 >= 5.5
    assert cells.loc[(i0, j0), "grade_score"] == "blue"  # 5 < 5.5
    assert cells.loc[(i0, j0 + 1), "grade_score"] == "blue"
    assert cells["grade"].tolist() == cells["grade_max"].tolist()
    assert cells["n_total"].sum() == len(ents)


@pytest.mark.parametrize("cell_m", [250.0, 1000.0])
def test_square_cells_are_cell_m_wide_in_metres(cell_m):
    ents = random_enterprises(500, 21)
    cells = grid_zones(ents, cell_m=cell_m)
    metric = cells.to_crs(metric_crs(ents))
    b = metric.bounds
    assert np.allclose(b["maxx"] - b["minx"], cell_m, atol=1e-6)
    assert np.allclose(b["maxy"] - b["miny"], cell_m, atol=1e-6)
    assert np.allclose(cells["area_km2"], cell_m**2 / 1e6, rtol=1e-9)
    # on the ellipsoid the edges are cell_m within the metric CRS's scale error (< 0.2 % here)
    ring = np.asarray(cells.geometry.iloc[0].exterior.coords)
    _, _, edges = GEOD.inv(ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1])
    assert edges == pytest.approx(np.full(4, cell_m), rel=0.002)
    for area, geom in zip(cells["area_km2"][:20], cells.geometry[:20], strict=True):
        assert area == pytest.approx(geodesic_km2(geom), rel=0.005)


def test_hex_cells_are_equal_area_cell_m_across_and_hold_their_points():
    ents = random_enterprises(1500, 22)
    cell_m = 800.0
    cells = grid_zones(ents, cell_m=cell_m, shape="hex")
    crs = metric_crs(ents)
    metric = cells.to_crs(crs)
    areas = metric.area.to_numpy()
    assert np.allclose(areas, math.sqrt(3) / 2 * cell_m**2, rtol=1e-6)
    assert np.allclose(cells["area_km2"], areas / 1e6, rtol=1e-6)
    ring = np.asarray(metric.geometry.iloc[0].exterior.coords)
    assert len(ring) == 7
    across = np.linalg.norm(ring[0] - ring[3])  # vertex to opposite vertex = 2 / sqrt(3) * width
    assert across == pytest.approx(2 / math.sqrt(3) * cell_m, rel=1e-9)
    # every enterprise lies in the hexagon it was counted in, and the counts add up
    pts = ents.to_crs(crs)
    joined = gpd.sjoin(pts, metric[["n_total", "geometry"]], predicate="within", how="left")
    assert joined["index_right"].notna().all()
    counts = joined.groupby("index_right").size()
    assert (metric.loc[counts.index, "n_total"].to_numpy() == counts.to_numpy()).all()
    assert cells["n_total"].sum() == len(ents)
    # neighbouring hexagons share an edge and their centres are cell_m apart
    c = metric.centroid
    d = np.hypot(c.x.to_numpy()[:, None] - c.x.to_numpy(), c.y.to_numpy()[:, None] - c.y.to_numpy())
    d[d == 0] = np.inf
    assert d.min() == pytest.approx(cell_m, rel=1e-6)


def test_grid_counts_each_enterprise_in_the_square_holding_it():
    ents = random_enterprises(1000, 23)
    cells = grid_zones(ents, cell_m=500, weights={"red": 10}, method="score")
    crs = metric_crs(ents)
    joined = gpd.sjoin(ents.to_crs(crs), cells.to_crs(crs), predicate="within")
    assert len(joined) == len(ents)
    for grade in ORDER:
        per_cell = joined[joined["grade_left"] == grade].groupby("index_right").size()
        assert (cells.loc[per_cell.index, f"n_{grade}"] == per_cell).all()
    weights = cells[["n_red", "n_orange", "n_yellow", "n_blue"]].to_numpy() @ [10, 3, 2, 1]
    assert np.allclose(cells["score"], weights / cells["area_km2"])
    assert cells["grade"].tolist() == cells["grade_score"].tolist()
    by_rank = cells[["n_red", "n_orange", "n_yellow", "n_blue"]].to_numpy() > 0
    expected_max = np.array(ORDER)[np.argmax(by_rank, axis=1)]
    assert (cells["grade_max"].to_numpy() == expected_max).all()


@pytest.mark.parametrize("shape", ["square", "hex"])
def test_grid_with_extent_returns_every_cell_meeting_it(shape):
    ents = points_at([(100, 100)], ["red"]).to_crs(4326)
    extent = gpd.GeoSeries([shapely.box(500_000, 2_500_000, 502_500, 2_501_500)], crs=UTM50)
    cells = grid_zones(ents, cell_m=1000, crs=UTM50, extent=extent, shape=shape)
    metric = cells.to_crs(UTM50).geometry.to_numpy()
    assert shapely.intersects(metric, extent.iloc[0]).all()  # no cell beyond the extent
    if shape == "square":
        assert len(cells) == 3 * 2
    assert cells["n_total"].sum() == 1
    empty = cells[cells["n_total"] == 0]
    assert empty["grade"].isna().all() and (empty["score"] == 0).all()
    covered = shapely.union_all(cells.to_crs(UTM50).geometry.to_numpy())
    assert covered.covers(shapely.buffer(extent.iloc[0], -1e-3))


def test_grid_rejects_bad_parameters():
    ents = random_enterprises(20, 1)
    with pytest.raises(ValueError, match="`cell_m` must be a positive number of metres, got 0"):
        grid_zones(ents, cell_m=0)
    with pytest.raises(ValueError, match="`shape` must be 'square' or 'hex', got 'circle'"):
        grid_zones(ents, shape="circle")
    with pytest.raises(ValueError, match="`method` must be 'max' or 'score'"):
        grid_zones(ents, method="mean")
    with pytest.raises(ValueError, match="red >= orange >= yellow"):
        grid_zones(ents, thresholds={"red": 1, "orange": 5})


# --------------------------------------------------------------------------------------------
# administrative units


def two_districts() -> gpd.GeoDataFrame:
    west = shapely.box(500_000, 2_500_000, 502_000, 2_501_000)  # 2 km²
    east = shapely.box(502_000, 2_500_000, 503_000, 2_501_000)  # 1 km²
    return gpd.GeoDataFrame({"code": ["1", "2"], "name": ["西区", "东区"]},
                            geometry=[west, east], crs=UTM50).to_crs(4326)


def test_admin_zones_hand_computed():
    ents = points_at([(100, 100), (1500, 900), (2500, 500), (2600, 500), (2700, 500),
                      (2100, 1500), (2000, 5000)],
                     ["red", "blue", "yellow", "yellow", "orange", "blue", "red"])
    zones = admin_zones(ents.to_crs(4326), two_districts(), crs=UTM50, method="score")
    west, east = zones.iloc[0], zones.iloc[1]
    assert (west["name"], east["name"]) == ("西区", "东区")
    assert west["area_km2"] == pytest.approx(2.0, rel=1e-9)
    assert west[["n_red", "n_blue", "n_total"]].tolist() == [1, 1, 2]
    assert west["score"] == pytest.approx((4 + 1) / 2)
    assert west["grade_max"] == "red" and west["grade_score"] == "blue"
    # (2100, 1500) is 500 m north of the east district: counted there; (2000, 5000) is 4 km away
    assert east[["n_orange", "n_yellow", "n_blue", "n_total"]].tolist() == [1, 2, 1, 4]
    assert east["score"] == pytest.approx(3 + 2 * 2 + 1)
    assert east["grade_score"] == "yellow" and east["grade"] == "yellow"
    assert zones.attrs["unassigned"] == 1
    assert zones["n_total"].sum() + zones.attrs["unassigned"] == len(ents)
    strict = admin_zones(ents.to_crs(4326), two_districts(), nearest_m=None)
    assert strict["n_total"].tolist() == [2, 3] and strict.attrs["unassigned"] == 2


def test_admin_zones_reject_units_without_name():
    ents = random_enterprises(10, 1)
    with pytest.raises(ValueError, match="`units` must be a GeoDataFrame with a 'name' column"):
        admin_zones(ents, two_districts().drop(columns="name"))


# --------------------------------------------------------------------------------------------
# the generated sample


@pytest.fixture(scope="module")
def sample(small_dataset):
    return small_dataset


def test_sample_influence_invariants(sample):
    ents = sample.enterprises
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


def test_sample_admin_counts_sum_to_total(sample):
    zones = admin_zones(sample.enterprises, sample.districts)
    assert zones["n_total"].sum() + zones.attrs["unassigned"] == len(sample.enterprises)
    assert zones.attrs["unassigned"] == 0  # the dataset only keeps enterprises near its districts
    for area, geom in zip(zones["area_km2"], zones.geometry, strict=True):
        assert area == pytest.approx(geodesic_km2(geom), rel=0.005)
    summary = zone_summary(zones)
    assert summary["enterprises"].sum() == len(sample.enterprises)


def test_sample_grid_counts_sum_to_total(sample):
    for shape in ("square", "hex"):
        cells = grid_zones(sample.enterprises, cell_m=2000, shape=shape)
        assert cells["n_total"].sum() == len(sample.enterprises)


# --------------------------------------------------------------------------------------------
# summary and export


def test_zone_summary_per_grade():
    ents = points_at([(0, 0), (5000, 0), (5000, 0), (20_000, 0)], ["red", "blue", "blue", "yellow"])
    zones = influence_zones(ents.to_crs(4326), crs=UTM50)
    summary = zone_summary(zones)
    assert summary["grade"].tolist() == ORDER
    assert summary["enterprises"].tolist() == [1, 0, 1, 2]
    assert summary["zones"].tolist() == [1, 0, 1, 1]
    expected = zones.set_index("grade")["area_km2"]
    assert summary.set_index("grade")["area_km2"].to_dict() == pytest.approx(
        {"red": expected["red"], "orange": 0.0, "yellow": expected["yellow"],
         "blue": expected["blue"]})
    assert summary["label_zh"].tolist() == ["重大风险", "较大风险", "一般风险", "低风险"]


def test_zones_to_bytes_round_trips_both_formats(tmp_path):
    zones = influence_zones(random_enterprises(100, 3))
    data = json.loads(zones_to_bytes(zones, "geojson"))
    assert [f["properties"]["grade"] for f in data["features"]] == zones["grade"].tolist()
    assert data["features"][0]["properties"]["label_zh"] == "重大风险"
    path = tmp_path / "zones.gpkg"
    path.write_bytes(zones_to_bytes(zones, "gpkg"))
    back = pyogrio.read_dataframe(path)
    assert back.crs.to_epsg() == 4326
    assert back["area_km2"].tolist() == pytest.approx(zones["area_km2"].tolist())
    assert back.to_crs(UTM50).area.tolist() == pytest.approx(zones.to_crs(UTM50).area.tolist())
    with pytest.raises(ValueError, match="`fmt` must be 'geojson' or 'gpkg', got 'shp'"):
        zones_to_bytes(zones, "shp")


def test_write_zones_is_atomic(tmp_path, monkeypatch):
    zones = grid_zones(random_enterprises(100, 3))
    target = tmp_path / "zones.geojson"
    target.write_text("old")
    with pytest.raises(ValueError, match=r"`path` must end in \.gpkg"):
        write_zones(zones, tmp_path / "zones.shp")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(risk.files.os, "replace", broken_replace)  # the writer zones use
    with pytest.raises(OSError, match="disk full"):
        write_zones(zones, target)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zones.geojson"]
    monkeypatch.undo()
    target.unlink()
    write_zones(zones, target)
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # like any new file, not 0600
    back = gpd.read_file(target)
    assert len(back) == len(zones)
    assert pd.Series(back["n_total"]).sum() == 100


def test_buffer_inside_the_higher_circle_but_poking_out_of_its_polygon_is_kept():
    # the orange 500 m disc lies inside the red 1000 m circle, yet its 32-gon pokes out between
    # two vertices of the red 32-gon (249 m²): the skip rule must not drop it
    a = math.radians(5.0)
    ents = points_at([(0, 0), (499.9 * math.cos(a), 499.9 * math.sin(a))], ["red", "orange"])
    zones = influence_zones(ents.to_crs(4326), crs=UTM50).set_index("grade")
    metric = ents.geometry.to_numpy()
    expected = shapely.difference(shapely.buffer(metric[1], 500, quad_segs=Z.QUAD_SEGS),
                                  shapely.buffer(metric[0], 1000, quad_segs=Z.QUAD_SEGS))
    assert expected.area > 200
    assert zones["area_km2"]["orange"] * 1e6 == pytest.approx(expected.area, rel=1e-6)
