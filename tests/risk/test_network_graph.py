"""Graph building and snapping (risk/network_graph.py) on hand-made lines in metres."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from risk.network_graph import (
    DEFAULT_SPEED_KMH,
    NetworkError,
    build_graph,
    graph_from_roads,
    parse_road_class,
    snap_points,
)

L = shapely.LineString


def test_shared_vertices_join_and_crossings_without_one_do_not():
    # a cross of two lines sharing (500, 0), and a "bridge" crossing the first at (250, 0)
    lines = [L([(0, 0), (500, 0), (1000, 0)]), L([(500, -500), (500, 0), (500, 500)]),
             L([(250, -500), (250, 500)])]
    g = build_graph(lines, speed_kmh=[36.0, 36.0, 36.0])
    assert g.n_nodes == 3 + 2 + 2
    count, labels = g.components()
    assert count == 2  # the bridge is its own part
    centre = np.flatnonzero((g.x == 500) & (g.y == 0))
    assert centre.size == 1
    assert g.csr[[centre[0]], :].nnz == 4


def test_travel_time_is_length_over_speed_and_duplicates_keep_the_fastest():
    lines = [L([(0, 0), (1000, 0)]), L([(0, 0), (1000, 0)])]
    g = build_graph(lines, speed_kmh=[36.0, 72.0])
    assert g.n_edges == 2
    assert g.csr.data.tolist() == pytest.approx([50.0, 50.0])


def test_oneway_only_in_drawn_direction():
    g = build_graph([L([(0, 0), (1000, 0)])], speed_kmh=[36.0], oneway=[True])
    a = int(np.flatnonzero(g.x == 0)[0])
    b = int(np.flatnonzero(g.x == 1000)[0])
    assert g.csr[a, b] == pytest.approx(100.0)
    assert g.csr[b, a] == 0  # no edge


def test_near_vertices_merge_within_tolerance_only():
    g = build_graph([L([(0, 0), (100, 0)]), L([(100.001, 0), (200, 0)])], speed_kmh=[36.0, 36.0])
    assert g.n_nodes == 3
    g = build_graph([L([(0, 0), (100, 0)]), L([(100.5, 0), (200, 0)])], speed_kmh=[36.0, 36.0])
    assert g.n_nodes == 4


def test_bad_speed_and_empty_layer_are_refused():
    with pytest.raises(ValueError, match="speed_kmh"):
        build_graph([L([(0, 0), (1, 0)])], speed_kmh=[0.0])
    with pytest.raises(NetworkError, match="empty"):
        build_graph([], speed_kmh=[])


def test_snap_finds_nearest_segment_fraction_and_refuses_far_points():
    g = build_graph([L([(0, 0), (1000, 0)]), L([(0, 200), (1000, 200)])], speed_kmh=[36.0, 36.0])
    s = snap_points(g, [250.0, 900.0], [-30.0, 150.0])
    assert s.dist_m.tolist() == pytest.approx([30.0, 50.0])
    assert s.x.tolist() == pytest.approx([250.0, 900.0])
    assert s.y.tolist() == pytest.approx([0.0, 200.0])
    u = g.seg_u[s.seg]
    frac_from_x0 = np.where(g.x[u] == 0, s.frac, 1 - s.frac)
    assert frac_from_x0.tolist() == pytest.approx([0.25, 0.9])
    with pytest.raises(NetworkError, match="5,000 m"):
        snap_points(g, [0.0], [6000.0], max_m=5000.0)
    open_segments = np.ones(g.seg_u.size, bool)
    open_segments[s.seg[0]] = False  # close the road at y = 0
    again = snap_points(g, [250.0], [-30.0], open_segments=open_segments)
    assert again.y[0] == pytest.approx(200.0)
    assert again.dist_m[0] == pytest.approx(230.0)


def test_graph_from_roads_defaults_by_class_and_reports_what_it_filled():
    roads = gpd.GeoDataFrame(
        {"class": ["arterial", "", "主干道"], "road_class": ["", "primary", ""],
         "speed_kmh": [np.nan, 30.0, np.nan], "oneway": [False, True, False]},
        geometry=[L([(114.0, 22.5), (114.01, 22.5)]), L([(114.01, 22.5), (114.02, 22.5)]),
                  L([(114.05, 22.5), (114.06, 22.5)])], crs=4326)
    g, report = graph_from_roads(roads)
    assert report.defaulted_speed == 2
    assert report.defaulted_class == 0
    assert report.islands == 2
    assert report.island_nodes == 2
    assert any("isolated" in m or "do not connect" in m for m in report.messages())
    speeds = g.seg_speed * 3.6
    assert sorted(np.round(speeds).tolist()) == [30.0, DEFAULT_SPEED_KMH["arterial"],
                                                 DEFAULT_SPEED_KMH["arterial"]]
    with pytest.raises(NetworkError):
        graph_from_roads(roads.iloc[:0])


def test_parse_road_class_spellings():
    assert parse_road_class("Expressway") == "expressway"
    assert parse_road_class("支路") == "local"
    assert parse_road_class("trunk") == "arterial"
    assert parse_road_class(None) is None
