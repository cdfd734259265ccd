"""Dijkstra on the road graph (risk/network_route.py): hand-made graphs with known times, and
networkx (the test oracle only) on random graphs."""

import networkx as nx
import numpy as np
import pytest
import shapely

from risk.network_graph import build_graph, snap_points
from risk.network_route import closed_graph, route_to, times_at, travel_times

L = shapely.LineString


def _node(g, x, y):
    return int(np.flatnonzero((g.x == x) & (g.y == y))[0])


def test_oneway_street_forces_the_detour():
    # square 0-1000; the bottom edge is one-way eastwards; speed 36 km/h = 10 m/s
    lines = [L([(0, 0), (1000, 0)]), L([(1000, 0), (1000, 1000), (0, 1000), (0, 0)])]
    g = build_graph(lines, speed_kmh=[36.0, 36.0], oneway=[True, False])
    src = snap_points(g, [0.0], [0.0])
    reach = travel_times(g, src)
    assert reach.time_s[_node(g, 1000, 0)] == pytest.approx(100.0)
    back = snap_points(g, [1000.0], [0.0])
    reach = travel_times(g, back)
    assert reach.time_s[_node(g, 0, 0)] == pytest.approx(300.0)  # around the other three sides
    # times *to* (0, 0) from (1000, 0) are the same 300 s on the reversed graph
    rev = travel_times(g, src, reverse=True)
    assert rev.time_s[_node(g, 1000, 0)] == pytest.approx(300.0)


def test_river_crossed_only_at_the_bridge_and_island_unreached():
    # two banks (y=0 and y=400) joined by one bridge at x=2000; the river road at y=200 crosses
    # the street x=0 without a shared vertex (an overpass), an island far away
    lines = [L([(0, 0), (2000, 0)]), L([(0, 400), (2000, 400)]), L([(2000, 0), (2000, 400)]),
             L([(0, -100), (0, 500)]), L([(9000, 0), (9500, 0)])]
    g = build_graph(lines, speed_kmh=[36.0] * 5)
    start = snap_points(g, [10.0], [-3.0])  # on the bank road at (10, 0), 3 m away
    assert start.dist_m[0] == pytest.approx(3.0)
    reach = travel_times(g, start, access_kmh=36.0)
    # the x=0 street passes both banks without a shared vertex: an overpass, no shortcut
    assert reach.time_s[_node(g, 0, 400)] == pytest.approx((1990 + 400 + 2000) / 10 + 0.3)
    assert np.isinf(reach.time_s[_node(g, 9000, 0)])
    assert reach.source[_node(g, 9000, 0)] == -1
    # the same street with vertices on both banks joins them
    lines[3] = L([(0, -100), (0, 0), (0, 400), (0, 500)])
    g2 = build_graph(lines, speed_kmh=[36.0] * 5)
    reach = travel_times(g2, snap_points(g2, [10.0], [-3.0]), access_kmh=36.0)
    assert reach.time_s[_node(g2, 0, 400)] == pytest.approx(41.3)


def test_snapped_points_offsets_limit_and_nearest_source():
    g = build_graph([L([(x, 0) for x in range(0, 10_001, 1000)])], speed_kmh=[36.0])
    src = snap_points(g, [1000.0, 9000.0], [0.0, 0.0])
    reach = travel_times(g, src, offset_s=[0.0, 500.0], limit_s=np.inf)
    target = snap_points(g, [6000.0, 7000.0], [30.0, 0.0])
    t, s, _ = times_at(g, reach, target, )
    # from 1000: 500 s; from 9000: 300 + 500 s; access 30 m at 15 km/h = 7.2 s
    assert t.tolist() == pytest.approx([500.0 + 7.2, 600.0])
    assert s.tolist() == [0, 0]
    limited = travel_times(g, src, limit_s=150.0)
    t, s, _ = times_at(g, limited, target)
    assert np.isinf(t).all() and (s == -1).all()


def test_route_follows_the_network():
    lines = [L([(0, 0), (1000, 0), (1000, 1000)])]
    g = build_graph(lines, speed_kmh=[36.0])
    reach = travel_times(g, snap_points(g, [0.0], [0.0]))
    path = route_to(g, reach, _node(g, 1000, 1000))
    assert path.tolist() == [[1000, 0], [1000, 1000]]
    src = snap_points(g, [300.0], [10.0])
    path = route_to(g, travel_times(g, src), _node(g, 1000, 1000), sources=src)
    assert path.tolist() == [[300, 0], [1000, 0], [1000, 1000]]


def test_closed_segments_are_avoided():
    lines = [L([(0, 0), (1000, 0)]), L([(0, 0), (0, 1000), (1000, 1000), (1000, 0)])]
    g = build_graph(lines, speed_kmh=[36.0, 36.0])
    closed = g.seg_line == 0
    cg = closed_graph(g, closed)
    reach = travel_times(cg, snap_points(cg, [0.0], [0.0], open_segments=~closed))
    assert reach.time_s[_node(g, 1000, 0)] == pytest.approx(300.0)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_graphs_match_networkx(seed):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 5000, (60, 2)).round(1)
    lines, speeds, oneway = [], [], []
    for _ in range(150):
        a, b, c = rng.choice(60, 3, replace=False)
        lines.append(L([pts[a], pts[b], pts[c]]))
        speeds.append(float(rng.choice([25.0, 40.0, 50.0, 80.0])))
        oneway.append(bool(rng.random() < 0.3))
    g = build_graph(lines, speed_kmh=speeds, oneway=oneway)
    oracle = nx.DiGraph()
    for line, v, one in zip(lines, speeds, oneway, strict=True):
        xy = np.asarray(line.coords)
        for p, q in zip(map(tuple, xy[:-1]), map(tuple, xy[1:]), strict=True):
            t = float(np.hypot(q[0] - p[0], q[1] - p[1])) / (v / 3.6)
            for a, b in [(p, q)] + ([] if one else [(q, p)]):
                if not oracle.has_edge(a, b) or oracle[a][b]["t"] > t:
                    oracle.add_edge(a, b, t=t)
    sources = rng.choice(60, 3, replace=False)
    offsets = rng.uniform(0, 100, 3)
    snap = snap_points(g, pts[sources, 0], pts[sources, 1])
    assert snap.dist_m.max() == pytest.approx(0.0, abs=1e-9)
    reach = travel_times(g, snap, offset_s=offsets)
    oracle.add_node("S")
    for s, off in zip(sources, offsets, strict=True):
        oracle.add_edge("S", tuple(pts[s]), t=float(off))
    want = nx.single_source_dijkstra_path_length(oracle, "S", weight="t")
    for i in range(g.n_nodes):
        key = (g.x[i], g.y[i])
        if key in want:
            assert reach.time_s[i] == pytest.approx(want[key], rel=1e-9, abs=1e-6)
        else:
            assert np.isinf(reach.time_s[i])
    # reverse: time from every node to the nearest source
    rev = travel_times(g, snap, offset_s=offsets, reverse=True)
    back = oracle.reverse(copy=True)
    back.remove_node("S")
    for s, off in zip(sources, offsets, strict=True):
        back.add_edge("S", tuple(pts[s]), t=float(off))
    want = nx.single_source_dijkstra_path_length(back, "S", weight="t")
    for i in range(g.n_nodes):
        key = (g.x[i], g.y[i])
        assert rev.time_s[i] == pytest.approx(want.get(key, np.inf), rel=1e-9, abs=1e-6)
