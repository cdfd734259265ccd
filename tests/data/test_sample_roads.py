"""The sample's synthetic road network (data/sample_roads.py)."""

import numpy as np
import pyproj
import pytest
import shapely

from data.sample import _read_districts
from data.sample_roads import ARTERIAL_EVERY, _street_lines, make_road_network
from risk.crs import metric_crs
from risk.network import graph_from_roads, snap_points, times_at, travel_times


@pytest.fixture(scope="module")
def network():
    districts = _read_districts()
    land = shapely.union_all(districts.geometry.to_numpy())
    metric = metric_crs(districts)
    to_metric = pyproj.Transformer.from_crs(4326, metric, always_xy=True)
    to_wgs = pyproj.Transformer.from_crs(metric, 4326, always_xy=True)
    hill = shapely.Point(114.2, 22.6).buffer(0.03)  # a round "mountain" east of the centre
    roads = make_road_network(np.random.default_rng(7), districts, land, hill, to_metric, to_wgs)
    return roads, hill


def test_columns_classes_and_synthetic_names(network):
    roads, _ = network
    assert {"id", "name", "road_class", "class", "speed_kmh", "oneway"} <= set(roads.columns)
    assert set(roads["class"]) == {"expressway", "arterial", "secondary", "local"}
    assert roads["name"].str.startswith("合成").all()
    assert roads["id"].is_unique
    assert (roads["speed_kmh"] > 0).all()
    assert roads["oneway"].any() and not roads["oneway"].all()
    assert roads.crs.to_epsg() == 4326


def test_city_scale_graph_mostly_one_component(network):
    roads, _ = network
    graph, report = graph_from_roads(roads)
    assert graph.n_edges > 200_000
    assert report.island_nodes < 0.02 * graph.n_nodes
    assert report.defaulted_speed == 0 and report.defaulted_class == 0


def test_no_street_on_the_mountain_but_expressways_may_cross(network):
    roads, hill = network
    inner = hill.buffer(-0.005)
    streets = roads[roads["class"] != "expressway"]
    assert not streets.intersects(inner).any()


def test_network_time_exceeds_straight_line_time(network):
    roads, _ = network
    graph, _ = graph_from_roads(roads)
    rng = np.random.default_rng(0)
    pick = rng.choice(graph.n_nodes, 40, replace=False)
    src = snap_points(graph, graph.x[pick[:1]], graph.y[pick[:1]])
    reach = travel_times(graph, src)
    tgt = snap_points(graph, graph.x[pick[1:]], graph.y[pick[1:]])
    t, _, _ = times_at(graph, reach, tgt)
    straight = np.hypot(graph.x[pick[1:]] - graph.x[pick[0]], graph.y[pick[1:]] - graph.y[pick[0]])
    ok = np.isfinite(t)
    assert ok.mean() > 0.9
    # nobody beats the fastest road speed in a straight line
    assert np.all(t[ok] >= straight[ok] / (80 / 3.6) - 1e-6)


def test_only_arterials_bridge_the_river():
    px, py = np.meshgrid(np.arange(0, 2000.0, 100.0), np.arange(0, 2000.0, 100.0))
    valid = np.ones(px.shape, bool)
    river = shapely.LineString([(950, -100), (950, 2100)])  # between columns 9 and 10
    lines = _street_lines(px, py, valid, river)
    for cls, _oneway, coords in lines:
        crosses = shapely.LineString(coords).intersects(river)
        horizontal = coords[0, 1] == coords[-1, 1]
        if horizontal and cls != "arterial":
            assert not crosses
    arterial_rows = [c for cls, _o, c in lines if cls == "arterial" and c[0, 1] == c[-1, 1]]
    assert len(arterial_rows) == len(range(0, 20, ARTERIAL_EVERY))
    assert all(shapely.LineString(c).intersects(river) for c in arterial_rows)


def test_same_seed_same_network(network):
    roads, hill = network
    districts = _read_districts()
    land = shapely.union_all(districts.geometry.to_numpy())
    metric = metric_crs(districts)
    again = make_road_network(
        np.random.default_rng(7), districts, land, hill,
        pyproj.Transformer.from_crs(4326, metric, always_xy=True),
        pyproj.Transformer.from_crs(metric, 4326, always_xy=True))
    assert again.geometry.geom_equals_exact(roads.geometry, 1e-12).all()
