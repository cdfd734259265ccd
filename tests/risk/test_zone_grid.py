"""Grid zones (risk/zone_grid.py): square and hexagonal cells, by hand and on the sample."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from risk.crs import metric_crs
from risk.zone_grid import grid_zones

GEOD = pyproj.Geod(ellps="WGS84")
UTM50 = "EPSG:32650"
ORDER = ["red", "orange", "yellow", "blue"]


def test_grid_hand_computed_cells_and_scores(enterprises_at):
    # cell (0,0) holds a red and a blue; cell (1,0) three yellows; cell (0,1) one orange
    ents = enterprises_at([(100, 100), (900, 900), (1100, 50), (1500, 500), (1999, 999),
                           (10, 1500)],
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
def test_square_cells_are_cell_m_wide_in_metres(cell_m, random_enterprises, geodesic_km2):
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


def test_hex_cells_are_equal_area_cell_m_across_and_hold_their_points(random_enterprises):
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


def test_grid_counts_each_enterprise_in_the_square_holding_it(random_enterprises):
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
def test_grid_with_extent_returns_every_cell_meeting_it(shape, enterprises_at):
    ents = enterprises_at([(100, 100)], ["red"]).to_crs(4326)
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


def test_grid_rejects_bad_parameters(random_enterprises):
    ents = random_enterprises(20, 1)
    with pytest.raises(ValueError, match="`cell_m` must be a positive number of metres, got 0"):
        grid_zones(ents, cell_m=0)
    with pytest.raises(ValueError, match="`shape` must be 'square' or 'hex', got 'circle'"):
        grid_zones(ents, shape="circle")
    with pytest.raises(ValueError, match="`method` must be 'max' or 'score'"):
        grid_zones(ents, method="mean")
    with pytest.raises(ValueError, match="red >= orange >= yellow"):
        grid_zones(ents, thresholds={"red": 1, "orange": 5})


def test_sample_grid_counts_sum_to_total(small_dataset):
    for shape in ("square", "hex"):
        cells = grid_zones(small_dataset.enterprises, cell_m=2000, shape=shape)
        assert cells["n_total"].sum() == len(small_dataset.enterprises)
