"""Questions on the road network: nearest teams, N-minute coverage, next station, evacuation.

- :func:`nearest_sources`: the ``n`` points (teams, depots) with the shortest travel time *to*
  one place (one reverse Dijkstra from the place, limited), with minutes and route length;
- :func:`coverage_times`: time from the nearest team (readiness included) to each target point and
  which team that is (one multi-source Dijkstra, limited to the coverage time);
- :func:`suggest_station`: the street node whose N-minute reach adds the most uncovered people
  (a greedy step over the nodes of the most populous uncovered cells, one batched Dijkstra);
- :func:`assign_evacuees`: people to shelters by travel time within each shelter's capacity, as a
  min-cost flow solved exactly as a transportation linear programme (HiGHS interior point with
  crossover, whose vertex solutions of this totally unimodular problem are whole numbers of
  people; when capacity is short, only each shelter's nearest origins holding the total capacity
  enter it, which keeps the optimum); who cannot be placed (no shelter reachable or capacity
  exhausted) stays ``unplaced``;
- :func:`shelter_times`: the origins × shelters time matrix, each shelter's search stopped once
  it reaches enough people;
- :func:`assignment_routes`: the road path of each assigned (origin, shelter) pair, from the
  shortest-path tree of one reverse Dijkstra per shelter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import dijkstra

from risk.network_graph import ACCESS_KMH, RoadGraph, Snap
from risk.network_route import route_to, times_at, travel_times

__all__ = ["Nearest", "nearest_sources", "coverage_times", "suggest_station", "Assignment",
           "assign_evacuees", "shelter_times", "assignment_routes"]


@dataclass(frozen=True)
class Nearest:
    """The nearest sources: their index, seconds (readiness included), route length (m) and the
    route (metric x/y rows, from the source to the place)."""

    index: NDArray[np.intp]
    time_s: NDArray[np.float64]
    length_m: NDArray[np.float64]
    routes: list[NDArray[np.float64]]


def nearest_sources(graph: RoadGraph, place: Snap, sources: Snap, *, n: int = 5,
                    offset_s: NDArray[np.float64] | float = 0.0,
                    limit_s: float = 3600.0, mask: NDArray[np.bool_] | None = None) -> Nearest:
    """The ``n`` of ``sources`` (only those in ``mask``) fastest to reach ``place`` (one point).

    Times include ``offset_s`` (readiness) and the off-network access at both ends; sources
    beyond ``limit_s`` are left out.
    """
    if n < 1:
        raise ValueError(f"`n` must be >= 1, got {n!r}")
    offsets = np.broadcast_to(np.asarray(offset_s, float), (len(sources),))
    # grow the search until n sources are in (a nearby incident stops after a few hundred nodes)
    search = min(limit_s, 300.0)
    while True:
        reach = travel_times(graph, place, reverse=True, limit_s=search)
        t, _, node = times_at(graph, reach, sources)
        t = t + offsets
        if mask is not None:
            t = np.where(mask, t, np.inf)
        if search >= limit_s or np.count_nonzero(t <= search) >= n:
            break
        search = min(limit_s, search * 2)
    order = np.argsort(t, kind="stable")[:n]
    order = order[np.isfinite(t[order]) & (t[order] <= min(limit_s, search))]
    routes, lengths = [], []
    for i in order:
        path = route_to(graph, reach, int(node[i]), sources=place)
        path = np.vstack([[[sources.x[i], sources.y[i]]], path])
        routes.append(path)
        lengths.append(float(np.hypot(*np.diff(path, axis=0).T).sum()))
    return Nearest(index=order.astype(np.intp), time_s=t[order], length_m=np.asarray(lengths),
                   routes=routes)


def coverage_times(graph: RoadGraph, teams: Snap, targets: Snap, *,
                   ready_s: NDArray[np.float64] | float = 0.0,
                   limit_s: float) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """(seconds from the nearest team, that team's index) for every target; inf / -1 beyond
    ``limit_s``. Readiness (``ready_s``) is added before departure."""
    reach = travel_times(graph, teams, offset_s=ready_s, limit_s=limit_s)
    t, team, _ = times_at(graph, reach, targets)
    late = ~(t <= limit_s)
    return np.where(late, np.inf, t), np.where(late, -1, team)


def suggest_station(graph: RoadGraph, cells: Snap, people: NDArray[np.float64],
                    covered: NDArray[np.bool_], *, limit_s: float, ready_s: float = 60.0,
                    candidates: int = 150) -> tuple[int, float]:
    """(node, people added) of the best new station among the street nodes of the ``candidates``
    most populous uncovered cells: the one whose ``limit_s`` reach (after ``ready_s``) covers
    the most uncovered people. (-1, 0.0) when everybody is covered."""
    todo = np.flatnonzero(~covered & (people > 0))
    if todo.size == 0:
        return -1, 0.0
    top = todo[np.argsort(-people[todo], kind="stable")[:candidates]]
    nodes = np.unique(graph.seg_u[cells.seg[top]])
    budget = limit_s - ready_s
    if budget <= 0:
        return -1, 0.0
    u, v = graph.seg_u[cells.seg[todo]], graph.seg_v[cells.seg[todo]]
    t_seg = graph.seg_time_s[cells.seg[todo]]
    access = cells.dist_m[todo] / (ACCESS_KMH / 3.6)
    best_node, best_gain = -1, 0.0
    for batch in np.array_split(nodes, max(1, nodes.size // 25)):
        dist = dijkstra(graph.csr, directed=True, indices=batch, limit=budget)
        via_u = dist[:, u] + cells.frac[todo] * t_seg
        via_v = np.where(graph.seg_back[cells.seg[todo]], dist[:, v] + (1 - cells.frac[todo]) * t_seg,
                         np.inf)
        reached = np.minimum(via_u, via_v) + access <= budget
        gain = reached.astype(float) @ people[todo]
        k = int(np.argmax(gain))
        if gain[k] > best_gain:
            best_node, best_gain = int(batch[k]), float(gain[k])
    return best_node, best_gain


def shelter_times(graph: RoadGraph, origins: Snap, shelters: Snap, *,
                  limit_s: float = 7200.0, people: NDArray[np.float64] | None = None,
                  need: float | None = None, start_s: float = 600.0) -> NDArray[np.float64]:
    """origins × shelters matrix of travel seconds (inf: not reachable within ``limit_s``);
    one reverse Dijkstra per shelter.

    With ``people`` (per origin) and ``need`` (people), each shelter's search stops early: it
    starts at ``start_s`` and doubles until the origins it reaches hold at least ``need`` people
    (or ``limit_s``); origins beyond that stay inf. With ``need`` = the total capacity this keeps
    every origin the exact assignment can use (see :func:`assign_evacuees`).
    """
    out = np.full((len(origins), len(shelters)), np.inf)
    for j in range(len(shelters)):
        one = shelters.take(np.array([j]))
        search = limit_s if need is None or people is None else min(limit_s, start_s)
        while True:
            reach = travel_times(graph, one, reverse=True, limit_s=search)
            t, _, _ = times_at(graph, reach, origins)
            # beyond the limit a time may miss a shorter way: only the ones within it are known
            t = np.where(t <= search, t, np.inf)
            if search >= limit_s or people is None or need is None or people[t <= search].sum() >= need:
                break
            search = min(limit_s, search * 2)
        out[:, j] = t
    return out


def _nearest_prefix(times_s: NDArray[np.float64], people: NDArray[np.int64],
                    total: int) -> NDArray[np.bool_]:
    """Per shelter (column), the origins in order of time until they hold ``total`` people.

    An optimal assignment needs no other route: if origin k sent someone to shelter j from
    outside j's prefix, some origin i in the prefix (which holds at least every placed person)
    has someone unplaced; sending i's person instead of k's keeps the count placed and costs
    t[i, j] - t[k, j] <= 0 more.
    """
    order = np.argsort(times_s, axis=0, kind="stable")
    ranked = people[order]
    before = np.cumsum(ranked, axis=0) - ranked
    keep = np.zeros(times_s.shape, bool)
    np.put_along_axis(keep, order, before < total, axis=0)
    return keep & np.isfinite(times_s)


@dataclass(frozen=True)
class Assignment:
    """People from each origin to each shelter (``flow``, origins × shelters, whole numbers),
    the people not placed per origin, and the total person-seconds."""

    flow: NDArray[np.int64]
    unplaced: NDArray[np.int64]
    cost_s: float

    def load(self) -> NDArray[np.int64]:
        return self.flow.sum(axis=0)


def assign_evacuees(times_s: NDArray[np.float64], people: NDArray[np.int64],
                    capacity: NDArray[np.int64]) -> Assignment:
    """Assign ``people`` (per origin) to shelters of ``capacity`` minimising total travel time;
    ``times_s`` (origins × shelters, inf: unreachable). No shelter gets more than its capacity;
    whoever cannot be placed is counted in ``unplaced``.

    The most people are placed first (each unplaced person costs more than any route), then
    the total person-seconds is minimal. When the capacity is short of the people, each shelter
    only needs its nearest origins holding the total capacity (an exchange argument, see
    ``_nearest_prefix``), which shrinks the linear programme without changing its optimum.
    """
    times_s = np.asarray(times_s, float)
    supply = np.asarray(people, np.int64)
    cap = np.asarray(capacity, np.int64)
    g, s = times_s.shape
    if supply.shape != (g,) or cap.shape != (s,):
        raise ValueError(f"`people` must have {g} values and `capacity` {s}, got "
                         f"{supply.shape} and {cap.shape}")
    if (supply < 0).any() or (cap < 0).any():
        raise ValueError("`people` and `capacity` must be >= 0")
    usable = np.isfinite(times_s) & (supply[:, None] > 0) & (cap[None, :] > 0)
    if int(cap.sum()) < int(supply.sum()):  # not everybody fits: only each shelter's nearest
        usable &= _nearest_prefix(np.where(usable, times_s, np.inf), supply, int(cap.sum()))
    gi, sj = np.nonzero(usable)
    m = gi.size
    flow = np.zeros((g, s), np.int64)
    if m == 0 or supply.sum() == 0:
        return Assignment(flow=flow, unplaced=supply.copy(), cost_s=0.0)
    big = float(np.nanmax(times_s[gi, sj])) * 10 + 1e6
    # variables: x (m routes), then u (g unplaced)
    cost = np.concatenate([times_s[gi, sj], np.full(g, big)])
    a_eq = sparse.hstack([sparse.csr_array((np.ones(m), (gi, np.arange(m))), shape=(g, m)),
                          sparse.identity(g, format="csr")]).tocsr()
    a_ub = sparse.hstack([sparse.csr_array((np.ones(m), (sj, np.arange(m))), shape=(s, m)),
                          sparse.csr_array((s, g))]).tocsr()
    result = linprog(cost, A_ub=a_ub, b_ub=cap.astype(float), A_eq=a_eq, b_eq=supply.astype(float),
                     bounds=(0, None), method="highs-ipm")
    if result.status != 0:
        raise RuntimeError(f"evacuation assignment failed: {result.message}")
    x = np.rint(result.x[:m]).astype(np.int64)
    np.add.at(flow, (gi, sj), x)
    over = flow.sum(axis=0) - cap
    if (over > 0).any() or (flow.sum(axis=1) > supply).any():  # never: crossover gives a vertex
        raise RuntimeError("evacuation assignment is not integral; refusing to exceed capacity")
    unplaced = supply - flow.sum(axis=1)
    return Assignment(flow=flow, unplaced=unplaced, cost_s=float(times_s[gi, sj] @ x))


def assignment_routes(graph: RoadGraph, origins: Snap, shelters: Snap,
                      pairs: tuple[NDArray[np.intp], NDArray[np.intp]],
                      times_s: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """The road path (metric x/y rows) of each (origin, shelter) pair in ``pairs`` = (origin
    indices, shelter indices): from the origin's snapped point along the fastest roads to the
    shelter's snapped point. One reverse Dijkstra per shelter, limited to the slowest of its
    pairs in ``times_s`` (the matrix the pairs were assigned on)."""
    gi, sj = (np.asarray(a, np.intp) for a in pairs)
    out: list[NDArray[np.float64]] = [np.zeros((0, 2))] * gi.size
    for j in np.unique(sj):
        rows = np.flatnonzero(sj == j)
        one = shelters.take(np.array([j]))
        limit = float(np.max(times_s[gi[rows], j])) + 1.0
        reach = travel_times(graph, one, reverse=True, limit_s=limit)
        _, _, node = times_at(graph, reach, origins.take(gi[rows]))
        for r, start in zip(rows, node, strict=True):
            path = route_to(graph, reach, int(start), sources=one)
            out[r] = np.vstack([[[origins.x[gi[r]], origins.y[gi[r]]]], path])
    return out

