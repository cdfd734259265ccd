"""Nearest teams, coverage, next station and evacuation (risk/network_cover.py)."""

import networkx as nx
import numpy as np
import pytest
import shapely

from risk.network_cover import (
    assign_evacuees,
    assignment_routes,
    coverage_times,
    nearest_sources,
    shelter_times,
    suggest_station,
)
from risk.network_graph import build_graph, snap_points

L = shapely.LineString


@pytest.fixture
def street():
    # a 10 km street with a vertex every 500 m, 36 km/h = 10 m/s
    return build_graph([L([(x, 0) for x in range(0, 10_001, 500)])], speed_kmh=[36.0])


def test_nearest_teams_by_time_with_readiness_and_route(street):
    place = snap_points(street, [5000.0], [0.0])
    teams = snap_points(street, [3000.0, 6000.0, 9500.0], [0.0, 0.0, 0.0])
    near = nearest_sources(street, place, teams, n=2, offset_s=[0.0, 300.0, 0.0])
    assert near.index.tolist() == [0, 1]  # 200 s, then 100 + 300 s (the 9.5 km one needs 450 s)
    assert near.time_s.tolist() == pytest.approx([200.0, 400.0])
    assert near.length_m.tolist() == pytest.approx([2000.0, 1000.0])
    assert near.routes[0][0].tolist() == [3000.0, 0.0]
    assert near.routes[0][-1].tolist() == [5000.0, 0.0]
    limited = nearest_sources(street, place, teams, n=3, limit_s=250.0)
    assert limited.index.tolist() == [1, 0]
    with pytest.raises(ValueError, match="`n`"):
        nearest_sources(street, place, teams, n=0)


def test_coverage_times_assign_the_nearest_team_within_the_limit(street):
    teams = snap_points(street, [1000.0, 8000.0], [0.0, 0.0])
    targets = snap_points(street, [0.0, 4000.0, 6000.0, 9900.0], [0.0, 0.0, 0.0, 0.0])
    t, team = coverage_times(street, teams, targets, ready_s=[60.0, 0.0], limit_s=300.0)
    assert t[0] == pytest.approx(160.0) and team[0] == 0
    assert np.isinf(t[1]) and team[1] == -1  # 3 km from either: 360 / 400 s
    assert t[2] == pytest.approx(200.0) and team[2] == 1
    assert t[3] == pytest.approx(190.0) and team[3] == 1


def test_suggest_station_goes_where_the_uncovered_people_are(street):
    cells = snap_points(street, [500.0, 1000.0, 9000.0, 9500.0], [0.0, 0.0, 0.0, 0.0])
    people = np.array([10.0, 10.0, 1000.0, 1000.0])
    node, gain = suggest_station(street, cells, people, np.array([False, False, False, False]),
                                 limit_s=200.0, ready_s=0.0)
    assert street.x[node] >= 8000.0
    assert gain == pytest.approx(2000.0)
    assert suggest_station(street, cells, people, np.ones(4, bool), limit_s=200.0) == (-1, 0.0)


def test_shelter_times_matrix(street):
    origins = snap_points(street, [0.0, 5000.0], [0.0, 0.0])
    shelters = snap_points(street, [10_000.0, 6000.0], [0.0, 0.0])
    t = shelter_times(street, origins, shelters, limit_s=800.0)
    assert np.isinf(t[0, 0])
    assert t[0, 1] == pytest.approx(600.0)
    assert t[1].tolist() == pytest.approx([500.0, 100.0])


def test_shelter_times_stop_once_enough_people_are_reached(street):
    origins = snap_points(street, [0.0, 2000.0, 4000.0, 6000.0], [0.0, 0.0, 0.0, 0.0])
    shelters = snap_points(street, [5000.0], [0.0])
    people = np.array([100.0, 100.0, 100.0, 100.0])
    full = shelter_times(street, origins, shelters, limit_s=7200.0)
    # 150 people needed: the search stops at 100 s (the two origins 1 km away hold 200)
    early = shelter_times(street, origins, shelters, limit_s=7200.0, people=people, need=150.0,
                          start_s=50.0)
    assert early[:, 0].tolist()[2:] == pytest.approx(full[2:, 0].tolist())
    assert np.isinf(early[:2, 0]).all()
    # more than everybody: searched to the limit, every time known
    assert shelter_times(street, origins, shelters, limit_s=7200.0, people=people,
                         need=1e9, start_s=50.0)[:, 0].tolist() == pytest.approx(full[:, 0].tolist())


def test_assignment_respects_capacity_and_reports_unplaced():
    times = np.array([[10.0, 20.0], [15.0, np.inf], [np.inf, np.inf]])
    out = assign_evacuees(times, np.array([100, 50, 7]), np.array([60, 1000]))
    assert out.load().tolist() == [60, 90]
    assert out.flow.tolist() == [[10, 90], [50, 0], [0, 0]]
    assert out.unplaced.tolist() == [0, 0, 7]
    tight = assign_evacuees(times[:2], np.array([100, 50]), np.array([30, 20]))
    assert tight.load().tolist() == [30, 20]
    assert tight.unplaced.sum() == 100


@pytest.mark.parametrize(("seed", "cap_high"), [(0, 1500), (1, 1500), (2, 1500),
                                               (3, 300), (4, 300), (5, 120)])
def test_assignment_cost_equals_networkx_min_cost_flow(seed, cap_high):
    # cap_high 300 / 120: capacity far short of the people, so only each shelter's nearest
    # origins enter the programme; the optimum must still be networkx's
    rng = np.random.default_rng(seed)
    g, s = 25, 6
    times = rng.integers(60, 3600, (g, s)).astype(float)
    times[rng.random((g, s)) < 0.2] = np.inf
    people = rng.integers(0, 400, g)
    capacity = rng.integers(50, cap_high, s)
    if cap_high < 1500:
        assert capacity.sum() < people.sum()
    out = assign_evacuees(times, people, capacity)
    assert (out.load() <= capacity).all()
    assert (out.flow >= 0).all() and (out.unplaced >= 0).all()
    assert (out.flow.sum(axis=1) + out.unplaced == people).all()
    # oracle: max flow at min cost through origin -> shelter edges (networkx, integer weights)
    oracle = nx.DiGraph()
    for i in range(g):
        oracle.add_edge("S", ("g", i), capacity=int(people[i]), weight=0)
        for j in range(s):
            if np.isfinite(times[i, j]):
                oracle.add_edge(("g", i), ("s", j), weight=int(times[i, j]))
    for j in range(s):
        oracle.add_edge(("s", j), "T", capacity=int(capacity[j]), weight=0)
    flow = nx.max_flow_min_cost(oracle, "S", "T")
    assert out.load().sum() == sum(flow[("s", j)]["T"] for j in range(s))
    assert out.cost_s == pytest.approx(nx.cost_of_flow(oracle, flow))


def test_assignment_routes_follow_the_roads_and_one_way_streets():
    # a square block 1 km a side: the south street one-way eastwards, the rest two-way
    south = L([(0, 0), (500, 0), (1000, 0)])
    rest = L([(1000, 0), (1000, 1000), (0, 1000), (0, 0)])
    g = build_graph([south, rest], speed_kmh=[36.0, 36.0], oneway=[True, False])
    origins = snap_points(g, [250.0, 750.0], [0.0, 0.0])
    shelters = snap_points(g, [0.0], [1000.0])
    times = shelter_times(g, origins, shelters)
    paths = assignment_routes(g, origins, shelters, (np.array([0, 1]), np.array([0, 0])), times)
    for path, t in zip(paths, times[:, 0], strict=True):
        assert path[-1].tolist() == [0.0, 1000.0]
        length = float(np.hypot(*np.diff(path, axis=0).T).sum())
        assert length == pytest.approx(t * 10.0)  # 10 m/s: the path is the timed one
    # the south street is one-way eastwards: from x=250 the way west (1.25 km) is barred, so
    # east, north and west round the block (2.75 km); from x=750, 2.25 km
    assert paths[0][:3].tolist() == [[250.0, 0.0], [500.0, 0.0], [1000.0, 0.0]]
    assert times[:, 0].tolist() == pytest.approx([275.0, 225.0])
    assert paths[1][1].tolist() == [1000.0, 0.0]
