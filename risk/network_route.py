"""Travel times on a :class:`risk.network_graph.RoadGraph`: multi-source Dijkstra with a limit.

:func:`travel_times` runs one :func:`scipy.sparse.csgraph.dijkstra` from any number of snapped
points at once: every point becomes a virtual node appended to the CSR arrays (no copy of the
graph's sort, one concatenation), joined to the two ends of its segment by the off-network access
time plus the part of the segment it has to drive, plus a per-source head start or delay
(``offset_s``: a team's readiness). ``min_only`` Dijkstra then gives, for every node, the time
from the *nearest* source and which source that is. ``reverse=True`` gives times *to* the points
(on the transposed graph: teams driving to an incident, people driving to shelters).

:func:`times_at` turns node times into times at other snapped points (entering their segment
from either end the one-way rules allow); :func:`route_to` follows the predecessors back to the
source as a polyline. A source and a target on the same segment are routed via its end nodes
(at most one segment longer than the direct way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from risk.network_graph import ACCESS_KMH, RoadGraph, Snap, _csr

__all__ = ["Reach", "travel_times", "times_at", "route_to", "closed_graph"]


@dataclass(frozen=True)
class Reach:
    """Result of :func:`travel_times`: per node the time (s, inf beyond the limit), the index of
    the nearest source (-1 when unreached) and the Dijkstra predecessor (-9999: none)."""

    time_s: NDArray[np.float64]
    source: NDArray[np.intp]
    pred: NDArray[np.int32]
    n_nodes: int
    reverse: bool
    access_kmh: float


def closed_graph(graph: RoadGraph, closed: NDArray[np.bool_]) -> RoadGraph:
    """The same graph without the segments flagged in ``closed`` (one boolean per segment)."""
    from dataclasses import replace

    keep = ~np.asarray(closed, bool)
    t = graph.seg_time_s
    csr = _csr(graph.n_nodes, graph.seg_u[keep], graph.seg_v[keep], t[keep], graph.seg_back[keep])
    # segments stay in the arrays (snapping must skip them: pass open_segments=~closed)
    return replace(graph, csr=csr, _tree=[], _rev=[])


def _access_edges(graph: RoadGraph, snap: Snap, *, reverse: bool, access_kmh: float,
                  offset_s: NDArray[np.float64]) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """(virtual row, node, weight) of the edges out of each point's virtual node."""
    k = len(snap)
    u, v = graph.seg_u[snap.seg], graph.seg_v[snap.seg]
    t = graph.seg_time_s[snap.seg]
    access = snap.dist_m / (access_kmh / 3.6) + offset_s
    back = graph.seg_back[snap.seg]
    rows = np.arange(k)
    at_u, at_v = snap.frac <= 0.0, snap.frac >= 1.0  # on a node: joined to it both ways
    if not reverse:  # leave the point: towards v always (drawn direction), towards u if two-way
        to_v, to_u = np.ones(k, bool), back | at_u
    else:  # arrive at the point: from u along the drawn direction, from v if two-way
        to_u, to_v = np.ones(k, bool), back | at_v
    w_v, w_u = (1 - snap.frac) * t, snap.frac * t
    r = np.concatenate([rows[to_v], rows[to_u]])
    c = np.concatenate([v[to_v], u[to_u]])
    w = np.concatenate([(access + w_v)[to_v], (access + w_u)[to_u]])
    return r, c, np.maximum(w, 1e-6)


def travel_times(
    graph: RoadGraph,
    sources: Snap,
    *,
    offset_s: NDArray[np.float64] | float = 0.0,
    limit_s: float = np.inf,
    reverse: bool = False,
    access_kmh: float = ACCESS_KMH,
) -> Reach:
    """Time from the nearest of ``sources`` to every node (``reverse``: from every node to the
    nearest source), at most ``limit_s`` seconds (beyond: inf).

    Parameters
    ----------
    sources
        Snapped points (:func:`risk.network_graph.snap_points`).
    offset_s
        Seconds added to each source (scalar or one per source): readiness before departure.
    limit_s
        Stop the search at this time (seconds).
    access_kmh
        Speed of the off-network access between each point and the road.
    """
    if len(sources) == 0:
        raise ValueError("`sources` must hold at least one point, got none")
    n, k = graph.n_nodes, len(sources)
    offsets = np.broadcast_to(np.asarray(offset_s, float), (k,)).astype(float)
    base = graph.reversed_csr() if reverse else graph.csr
    r, c, w = _access_edges(graph, sources, reverse=reverse, access_kmh=access_kmh, offset_s=offsets)
    order = np.lexsort((c, r))
    r, c, w = r[order], c[order], w[order]
    counts = np.bincount(r, minlength=k)
    indptr = np.concatenate([base.indptr, base.indptr[-1] + np.cumsum(counts)])
    aug = sparse.csr_array(
        (np.concatenate([base.data, w]), np.concatenate([base.indices, c.astype(base.indices.dtype)]),
         indptr), shape=(n + k, n + k))
    dist, pred, src = dijkstra(aug, directed=True, indices=np.arange(n, n + k), min_only=True,
                               limit=limit_s, return_predecessors=True)
    source = np.where(src >= n, src - n, -1)
    return Reach(time_s=dist[:n], source=source[:n].astype(np.intp), pred=pred.astype(np.int32),
                 n_nodes=n, reverse=reverse, access_kmh=access_kmh)


def times_at(graph: RoadGraph, reach: Reach, targets: Snap) -> tuple[NDArray[np.float64], NDArray[np.intp], NDArray[np.intp]]:
    """(seconds, source index, the node entered or left) for each target point: the best of
    its segment's two ends plus the part of the segment and the access (inf, -1 when unreached).
    """
    u, v = graph.seg_u[targets.seg], graph.seg_v[targets.seg]
    t = graph.seg_time_s[targets.seg]
    back = graph.seg_back[targets.seg]
    access = targets.dist_m / (reach.access_kmh / 3.6)
    at_u, at_v = targets.frac <= 0.0, targets.frac >= 1.0
    if not reach.reverse:  # arrive: from u forward, from v if two-way
        via_u = reach.time_s[u] + targets.frac * t
        via_v = np.where(back | at_v, reach.time_s[v] + (1 - targets.frac) * t, np.inf)
    else:  # leave: to v forward, to u if two-way
        via_v = reach.time_s[v] + (1 - targets.frac) * t
        via_u = np.where(back | at_u, reach.time_s[u] + targets.frac * t, np.inf)
    use_u = via_u <= via_v
    best = np.where(use_u, via_u, via_v) + access
    node = np.where(use_u, u, v).astype(np.intp)
    src = np.where(np.isfinite(best), reach.source[node], -1)
    return best, src, node


def route_to(graph: RoadGraph, reach: Reach, node: int, *,
             sources: Snap | None = None) -> NDArray[np.float64]:
    """The node path (x, y rows) between ``node`` and its nearest source, in travel order
    (forward reach: from the source to ``node``; reverse: from ``node`` to the source).
    With the ``sources`` the reach was computed from, the source's snapped point is added."""
    path = []
    w = int(node)
    n = reach.n_nodes
    while 0 <= w < n:
        path.append(w)
        w = int(reach.pred[w])
    nodes = np.asarray(path, dtype=np.intp)
    xy = np.column_stack([graph.x[nodes], graph.y[nodes]])
    if sources is not None and nodes.size and reach.source[nodes[0]] >= 0:
        i = int(reach.source[nodes[0]])
        xy = np.vstack([xy, [[sources.x[i], sources.y[i]]]])
    return xy if reach.reverse else xy[::-1]
