"""Benchmark: the road network (risk/network*.py) against networkx doing the same work.

Run ``.venv/bin/python bench/bench_network.py [--edges 1000000] [--skip-networkx]``.

On the bundled sample's network (15,000 enterprises, seed 42) and on a seeded synthetic lattice
of about ``--edges`` directed edges (a jittered square street grid, 10 % one-way, speeds
25-80 km/h): graph build time and size; 10-minute coverage from 200 teams (readiness 1-5 min,
one multi-source Dijkstra with a limit); the nearest 5 of 200 teams to one incident (snap +
one reverse Dijkstra); the evacuation of the 5 km zone (on the sample: its people and shelters;
on the lattice: 1,000 seeded cells and 60 shelters; times, assignment and road routes). networkx
(test oracle, not used by the app) does the same: graph from the same edges,
``multi_source_dijkstra_path_length`` with a super source and a cutoff, one
``single_source_dijkstra_path_length`` on the reversed graph, ``max_flow_min_cost`` on the
same time matrix. Goals (issue 14): coverage < 0.5 s at 1 M edges, nearest < 50 ms,
evacuation < 2 s.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
from common import DEFAULT_CACHE, cached_sample  # type: ignore[import-not-found]


def _t(fn, *a, repeat: int = 1, **k):  # type: ignore[no-untyped-def]
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*a, **k)
        best = min(best, time.perf_counter() - t)
    return best, out


def lattice(edges: int, seed: int = 1):  # type: ignore[no-untyped-def]
    import shapely

    rng = np.random.default_rng(seed)
    side = int(np.sqrt(edges / 4)) + 1  # 2 segments per node, 2 directions
    gx, gy = np.meshgrid(np.arange(side) * 150.0, np.arange(side) * 150.0)
    gx = gx + rng.uniform(-20, 20, gx.shape)
    gy = gy + rng.uniform(-20, 20, gy.shape)
    lines, speed, oneway = [], [], []
    for axis in (0, 1):
        xs, ys = (gx, gy) if axis == 0 else (gx.T, gy.T)
        for i in range(side):
            lines.append(shapely.LineString(np.column_stack([xs[i], ys[i]])))
            speed.append(80.0 if i % 40 == 0 else 50.0 if i % 10 == 0 else 25.0)
            oneway.append(bool(rng.random() < 0.1))
    return np.array(lines, dtype=object), np.array(speed), np.array(oneway)


def to_networkx(graph):  # type: ignore[no-untyped-def]
    import networkx as nx

    coo = graph.csr.tocoo()
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(),
                                  strict=True))
    return g


def bench_graph(name: str, graph, build_s: float, *, skip_nx: bool, sample=None) -> None:  # type: ignore[no-untyped-def]
    from risk.network import coverage_times, nearest_sources, snap_points, travel_times

    rng = np.random.default_rng(3)
    print(f"\n== {name}: {graph.n_nodes:,} nodes, {graph.n_edges:,} directed edges ==")
    print(f"  build graph                 {build_s * 1000:8.0f} ms   arrays "
          f"{graph.nbytes() / 1e6:.0f} MB (peak RSS so far "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    t, _ = _t(graph.segment_tree)
    print(f"  segment index (STRtree)     {t * 1000:8.0f} ms (once per data version)")
    pick = rng.choice(graph.n_nodes, 201, replace=False)
    teams = snap_points(graph, graph.x[pick[:200]] + 30, graph.y[pick[:200]] + 30)
    ready = rng.uniform(60, 300, 200)
    t_cov, reach = _t(travel_times, graph, teams, offset_s=ready, limit_s=600.0, repeat=3)
    print(f"  10-min coverage, 200 teams  {t_cov * 1000:8.0f} ms   "
          f"{np.isfinite(reach.time_s).mean():.0%} of nodes reached")
    place = snap_points(graph, graph.x[pick[200:]] + 10, graph.y[pick[200:]] - 10)
    t_near, near = _t(nearest_sources, graph, place, teams, n=5, offset_s=ready, limit_s=1800.0,
                      repeat=3)
    t_snap, _ = _t(snap_points, graph, graph.x[pick[200:]] + 10, graph.y[pick[200:]] - 10, repeat=3)
    print(f"  nearest 5 of 200 teams      {(t_near + t_snap) * 1000:8.1f} ms   "
          f"(snap {t_snap * 1000:.1f} ms) first {near.time_s[0] / 60:.1f} min")
    if sample is not None:
        from ui.workflows.network import evacuate

        t_ev, ev = _t(evacuate, sample, 114.0579, 22.5431, radii_m=(1000.0, 5000.0), graph=graph,
                     repeat=3)
        print(f"  evacuation, 5 km zone       {t_ev * 1000:8.0f} ms   {ev.population:,} people, "
              f"{len(ev.shelters)} shelters, {ev.unplaced:,} unplaced")
        t_c, cov = _t(coverage_times, graph, teams, place, ready_s=ready, limit_s=600.0)
    else:
        bench_lattice_evacuation(graph)
    if skip_nx:
        return
    import networkx as nx

    t_b, g = _t(to_networkx, graph)
    print(f"  networkx: graph             {t_b * 1000:8.0f} ms")
    seeds = {int(graph.seg_v[s]): float(r) for s, r in zip(teams.seg, ready, strict=True)}
    g.add_node("S")
    for node, r in seeds.items():
        g.add_edge("S", node, weight=max(r, 1e-6))
    t_nx, _ = _t(nx.single_source_dijkstra_path_length, g, "S", cutoff=600.0, weight="weight")
    print(f"  networkx: 10-min coverage   {t_nx * 1000:8.0f} ms   ({t_nx / t_cov:.0f}x slower)")
    g.remove_node("S")
    rev = g.reverse(copy=False)
    src = int(graph.seg_u[place.seg[0]])
    t_nn, _ = _t(nx.single_source_dijkstra_path_length, rev, src, cutoff=1800.0, weight="weight")
    print(f"  networkx: nearest (1 run)   {t_nn * 1000:8.0f} ms   ({t_nn / (t_near + t_snap):.0f}x)")


def bench_lattice_evacuation(graph) -> None:  # type: ignore[no-untyped-def]
    """The evacuation steps on a synthetic network: 1,000 populated cells within 5 km of the
    centre (roads within 1 km closed), 60 shelters 5-9 km out, capacity short of the people."""
    from risk.network import (
        assign_evacuees,
        assignment_routes,
        closed_graph,
        shelter_times,
        snap_points,
    )

    rng = np.random.default_rng(5)
    cx, cy = float(np.median(graph.x)), float(np.median(graph.y))
    r = np.hypot(graph.x - cx, graph.y - cy)
    closed = (r[graph.seg_u] <= 1000) | (r[graph.seg_v] <= 1000)
    open_graph = closed_graph(graph, closed)
    ang, dist = rng.uniform(0, 2 * np.pi, 1000), 1000 + 4000 * np.sqrt(rng.random(1000))
    people = rng.integers(100, 3000, 1000)
    ring = np.flatnonzero((r > 5000) & (r < 9000))
    hs = rng.choice(ring, 60, replace=False)
    capacity = rng.integers(2000, 12000, 60)

    def run():  # type: ignore[no-untyped-def]
        snap = snap_points(open_graph, np.concatenate([cx + dist * np.cos(ang), graph.x[hs]]),
                           np.concatenate([cy + dist * np.sin(ang), graph.y[hs]]),
                           open_segments=~closed)
        origins, shelters = snap.take(np.arange(1000)), snap.take(np.arange(1000, 1060))
        times = shelter_times(open_graph, origins, shelters, people=people.astype(float),
                              need=float(capacity.sum()))
        out = assign_evacuees(times, people, capacity)
        gi, sj = np.nonzero(out.flow)
        assignment_routes(open_graph, origins, shelters, (gi, sj), times)
        return out

    t, out = _t(run, repeat=2)
    print(f"  evacuation, 5 km zone       {t * 1000:8.0f} ms   {int(people.sum()):,} people "
          f"in 1,000 cells, 60 shelters, {int(out.unplaced.sum()):,} unplaced (synthetic)")


def bench_flow(sample, graph) -> None:  # type: ignore[no-untyped-def]
    """The assignment step alone, HiGHS vs networkx max_flow_min_cost, on the 5 km zone."""
    import networkx as nx

    import risk.network_cover as cover
    from ui.workflows.network import evacuate

    seen = {}
    original = cover.assign_evacuees

    def spy(times, people, capacity):  # type: ignore[no-untyped-def]
        seen.update(times=times, people=people, capacity=capacity)
        return original(times, people, capacity)

    import ui.workflows.network as wf
    wf.assign_evacuees = spy  # type: ignore[assignment]
    evacuate(sample, 114.0579, 22.5431, radii_m=(1000.0, 5000.0), graph=graph)
    wf.assign_evacuees = original  # type: ignore[assignment]
    times, people, capacity = seen["times"], seen["people"], seen["capacity"]
    t_lp, out = _t(original, times, people, capacity)
    g = nx.DiGraph()
    for i in range(len(people)):
        g.add_edge("S", ("g", i), capacity=int(people[i]), weight=0)
        for j in np.flatnonzero(np.isfinite(times[i])):
            g.add_edge(("g", i), ("s", int(j)), weight=int(times[i, j]))
    for j in range(len(capacity)):
        g.add_edge(("s", j), "T", capacity=int(capacity[j]), weight=0)
    t_nx, _ = _t(nx.max_flow_min_cost, g, "S", "T")
    print(f"  assignment only: HiGHS {t_lp * 1000:.0f} ms vs networkx max_flow_min_cost "
          f"{t_nx * 1000:.0f} ms ({times.shape[0]} cells x {times.shape[1]} shelters, "
          f"{int(out.load().sum()):,} placed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--skip-networkx", action="store_true")
    args = parser.parse_args()

    from data.dataset import Dataset
    from data.sample import SAMPLE_VERSION
    from risk.network import build_graph
    from ui.workflows.network import network_of

    sample = Dataset.load(cached_sample(15_000, DEFAULT_CACHE / f"network-v{SAMPLE_VERSION}"))
    t, (graph, _) = _t(network_of, sample)
    bench_graph("sample network", graph, t, skip_nx=args.skip_networkx, sample=sample)
    if not args.skip_networkx:
        bench_flow(sample, graph)
    lines, speed, oneway = lattice(args.edges)
    t, big = _t(build_graph, lines, speed_kmh=speed, oneway=oneway)
    bench_graph(f"synthetic lattice (~{args.edges:,} edges)", big, t, skip_nx=args.skip_networkx)


if __name__ == "__main__":
    main()
