"""A routable road graph as compact arrays, and snapping points onto it.

:func:`build_graph` turns road lines (metric coordinates) into a :class:`RoadGraph`: one node per
distinct line vertex (vertices closer than :data:`MERGE_M` are one node), one directed edge per
line segment and direction allowed (a one-way line only in its drawn direction), weighted by
travel time in seconds ``length_m / (speed_kmh / 3.6)``. Lines connect only where they share a
vertex: two lines that cross without one (a bridge, an overpass) do not meet. The travel times are
held as a :class:`scipy.sparse.csr_array` (parallel segments between the same two nodes keep the
fastest), so routing is :mod:`scipy.sparse.csgraph` on arrays, never Python objects per edge.

Nodes sit on every vertex, not only at intersections: the graph is exact for the geometry, and a
point snapped onto a segment (:func:`snap_points`) enters the network at a fraction of one edge.

:func:`graph_from_roads` does the same from a ``roads`` layer in EPSG:4326 with the columns
``class``, ``speed_kmh`` and ``oneway`` (or the legacy ``road_class``), filling speeds from
:data:`DEFAULT_SPEED_KMH` by class and reporting what it filled (:class:`BuildReport`).

>>> import shapely
>>> g = build_graph([shapely.LineString([(0, 0), (1000, 0), (1000, 1000)])], speed_kmh=[36.0])
>>> g.n_nodes, g.n_edges, float(g.time_s.sum())
(3, 4, 400.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components

__all__ = [
    "ROAD_CLASSES",
    "DEFAULT_SPEED_KMH",
    "LEGACY_CLASS",
    "MERGE_M",
    "ACCESS_KMH",
    "MAX_SNAP_M",
    "RoadGraph",
    "BuildReport",
    "Snap",
    "NetworkError",
    "parse_road_class",
    "build_graph",
    "graph_from_roads",
    "snap_points",
]

ROAD_CLASSES = {
    "expressway": ("快速路/高速公路", "Expressway"),
    "arterial": ("主干路", "Arterial"),
    "secondary": ("次干路", "Secondary road"),
    "local": ("支路/街巷", "Local street"),
}
"""The network classes of the ``roads`` column ``class``."""
DEFAULT_SPEED_KMH = {"expressway": 80.0, "arterial": 50.0, "secondary": 40.0, "local": 25.0}
"""Speed used when a line has no ``speed_kmh``: typical urban travel speeds (km/h) by class,
below the posted limits (CJJ 37 design speeds 80/60/50/30 less junction delay)."""
LEGACY_CLASS = {"expressway": "expressway", "trunk": "arterial", "primary": "arterial",
                "secondary": "secondary"}
"""The older ``road_class`` vocabulary mapped onto :data:`ROAD_CLASSES`."""
_CLASS_SPELLINGS = {
    **{k: k for k in ROAD_CLASSES}, **LEGACY_CLASS,
    "快速路": "expressway", "高速": "expressway", "高速公路": "expressway", "motorway": "expressway",
    "主干路": "arterial", "主干道": "arterial", "干道": "arterial",
    "次干路": "secondary", "次干道": "secondary", "tertiary": "secondary",
    "支路": "local", "街巷": "local", "residential": "local", "unclassified": "local",
    "service": "local", "living_street": "local",
}
MERGE_M = 0.01
"""Vertices closer than this (metres, on a grid) are one node: the snapping tolerance of lines."""
ACCESS_KMH = 15.0
"""Speed (km/h) of the off-network access from a point to its snapped place on the network
(a vehicle leaving a yard, people walking briskly or cycling to the street)."""
MAX_SNAP_M = 2_000.0
"""A point farther than this from every road is refused as off the network (in the sea, outside)."""


class NetworkError(ValueError):
    """The road network cannot answer (no roads, a point off the network, …)."""


def parse_road_class(value: Any) -> str | None:
    """The class code for one spelling (English, Chinese, OSM ``highway``, legacy), else None.

    >>> parse_road_class("主干道"), parse_road_class("residential"), parse_road_class("x")
    ('arterial', 'local', None)
    """
    if value is None or value != value:
        return None
    return _CLASS_SPELLINGS.get(str(value).strip().lower())


@dataclass(frozen=True)
class RoadGraph:
    """A directed road graph in a metric CRS; travel times in seconds.

    ``x``/``y``: node coordinates (metres). ``seg_u``/``seg_v``: the two end nodes of every line
    segment (in drawn order), ``seg_len_m``, ``seg_speed`` (m/s), ``seg_fwd``/``seg_back``:
    whether u→v / v→u may be driven, ``seg_line``: the input row of the line. ``csr``: the
    n_nodes × n_nodes travel-time matrix (entry [u, v] = fastest segment u→v).
    """

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    seg_u: NDArray[np.int32]
    seg_v: NDArray[np.int32]
    seg_len_m: NDArray[np.float64]
    seg_speed: NDArray[np.float64]
    seg_fwd: NDArray[np.bool_]
    seg_back: NDArray[np.bool_]
    seg_line: NDArray[np.int32]
    csr: sparse.csr_array
    crs: Any = None
    _tree: list[Any] = field(default_factory=list, repr=False, compare=False)
    _rev: list[Any] = field(default_factory=list, repr=False, compare=False)
    _transformers: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _seg_t: list[Any] = field(default_factory=list, repr=False, compare=False)

    def transformer(self, direction: str) -> pyproj.Transformer:
        """``"to_metric"`` (EPSG:4326 → the graph's CRS) or ``"to_lonlat"``, made once (about
        30 ms each), then kept."""
        if direction not in self._transformers:
            src, dst = (4326, self.crs) if direction == "to_metric" else (self.crs, 4326)
            self._transformers[direction] = pyproj.Transformer.from_crs(src, dst, always_xy=True)
        return self._transformers[direction]

    @property
    def n_nodes(self) -> int:
        return int(self.x.size)

    @property
    def n_edges(self) -> int:
        """Directed edges (a two-way segment counts twice)."""
        return int(self.csr.nnz)

    @property
    def time_s(self) -> NDArray[np.float64]:
        return np.asarray(self.csr.data)

    def segment_tree(self) -> shapely.STRtree:
        """The STRtree of the segments (built on first use, then kept)."""
        if not self._tree:
            self._tree.append(shapely.STRtree(self.segments()))
        return self._tree[0]

    def reversed_csr(self) -> sparse.csr_array:
        """The transposed matrix (times *to* a place), built on first use, then kept."""
        if not self._rev:
            self._rev.append(sparse.csr_array(self.csr.T.tocsr()))
        return self._rev[0]

    @property
    def seg_time_s(self) -> NDArray[np.float64]:
        """Seconds to drive each segment (computed on first use, then kept; read-only)."""
        if not self._seg_t:
            t = np.maximum(self.seg_len_m / self.seg_speed, 1e-6)
            t.flags.writeable = False
            self._seg_t.append(t)
        return self._seg_t[0]

    def segments(self) -> NDArray[np.object_]:
        xy = np.stack([np.column_stack([self.x[self.seg_u], self.y[self.seg_u]]),
                       np.column_stack([self.x[self.seg_v], self.y[self.seg_v]])], axis=1)
        return np.asarray(shapely.linestrings(xy), dtype=object)

    def components(self) -> tuple[int, NDArray[np.int32]]:
        """(count, label per node) of the weakly connected parts (islands)."""
        n, labels = connected_components(self.csr, directed=True, connection="weak")
        return int(n), labels

    def nbytes(self) -> int:
        arrays = [self.x, self.y, self.seg_u, self.seg_v, self.seg_len_m, self.seg_speed,
                  self.seg_fwd, self.seg_back, self.seg_line, self.csr.data, self.csr.indices,
                  self.csr.indptr]
        return int(sum(a.nbytes for a in arrays))


@dataclass(frozen=True)
class BuildReport:
    """What :func:`graph_from_roads` filled in or found: counts and readable lines."""

    lines: int
    defaulted_class: int
    defaulted_speed: int
    islands: int
    island_nodes: int

    def messages(self) -> list[str]:
        out = []
        if self.defaulted_class:
            out.append(f"{self.defaulted_class} 条道路无等级，按支路计 / {self.defaulted_class} "
                       "lines without a class were taken as local streets")
        if self.defaulted_speed:
            out.append(f"{self.defaulted_speed} 条道路无车速，按等级默认车速 / "
                       f"{self.defaulted_speed} lines without speed_kmh use the class default "
                       f"({', '.join(f'{k} {v:g}' for k, v in DEFAULT_SPEED_KMH.items())} km/h)")
        if self.islands > 1:
            out.append(f"路网有 {self.islands - 1} 个孤立部分（共 {self.island_nodes} 个节点）不与主网"
                       f"相连（端点相距超过 {MERGE_M} 米不连通）/ {self.islands - 1} parts of the "
                       f"network ({self.island_nodes} nodes) do not connect to the main one "
                       f"(vertices farther apart than {MERGE_M} m do not join)")
        return out


def build_graph(
    lines: Sequence[Any] | NDArray[np.object_],
    *,
    speed_kmh: Sequence[float] | NDArray[np.float64],
    oneway: Sequence[bool] | NDArray[np.bool_] | None = None,
    crs: Any = None,
) -> RoadGraph:
    """Build the graph of ``lines`` (shapely (Multi)LineStrings in a metric CRS).

    Parameters
    ----------
    lines
        The road lines, metres. Multi-lines are split into their parts.
    speed_kmh
        Travel speed of each line, km/h, > 0.
    oneway
        True: only the drawn direction may be driven (default: every line two-way).
    crs
        The metric CRS of the coordinates, kept on the graph.
    """
    geoms = np.asarray(lines, dtype=object)
    speed = np.asarray(speed_kmh, dtype=float)
    one = np.zeros(geoms.size, bool) if oneway is None else np.asarray(oneway, dtype=bool)
    if speed.shape != geoms.shape or one.shape != geoms.shape:
        raise ValueError(f"`speed_kmh` and `oneway` must have one value per line ({geoms.size}), "
                         f"got {speed.size} and {one.size}")
    if geoms.size == 0:
        raise NetworkError("道路图层为空，无法建立路网 / the roads layer is empty: no network")
    if not np.all(np.isfinite(speed) & (speed > 0)):
        raise ValueError(f"`speed_kmh` must be > 0 km/h, got {speed[~(speed > 0)][:3].tolist()}")
    parts, line_of = shapely.get_parts(geoms, return_index=True)
    is_line = shapely.get_type_id(parts) == 1
    parts, line_of = parts[is_line], line_of[is_line]
    coords, part_of = shapely.get_coordinates(parts, return_index=True)
    if coords.shape[0] < 2:
        raise NetworkError("道路图层没有线段 / the roads layer has no line segments")
    key = np.round(coords / MERGE_M).astype(np.int64)
    _, first, node_of = np.unique(key, axis=0, return_index=True, return_inverse=True)
    node_of = node_of.ravel()
    xy = coords[first]
    same = part_of[:-1] == part_of[1:]
    u, v = node_of[:-1][same], node_of[1:][same]
    seg_part = part_of[:-1][same]
    seg_line = line_of[seg_part].astype(np.int32)
    keep = u != v
    u, v, seg_line = u[keep], v[keep], seg_line[keep]
    length = np.hypot(xy[v, 0] - xy[u, 0], xy[v, 1] - xy[u, 1])
    mps = speed[seg_line] / 3.6
    fwd = np.ones(u.size, bool)
    back = ~one[seg_line]
    csr = _csr(xy.shape[0], u, v, length / mps, back)
    return RoadGraph(
        x=np.ascontiguousarray(xy[:, 0]), y=np.ascontiguousarray(xy[:, 1]),
        seg_u=u.astype(np.int32), seg_v=v.astype(np.int32), seg_len_m=length, seg_speed=mps,
        seg_fwd=fwd, seg_back=back, seg_line=seg_line, csr=csr, crs=crs,
    )


def _csr(n: int, u: NDArray[Any], v: NDArray[Any], t: NDArray[np.float64],
         back: NDArray[np.bool_]) -> sparse.csr_array:
    """The n × n matrix of the fastest directed segment between each pair (no summed duplicates)."""
    rows = np.concatenate([u, v[back]])
    cols = np.concatenate([v, u[back]])
    w = np.concatenate([t, t[back]])
    # a zero weight would be an implicit "no edge" in csgraph: keep it tiny instead
    w = np.maximum(w, 1e-6)
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.ones(rows.size, bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, w = rows[first], cols[first], w[first]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sparse.csr_array((w, cols.astype(np.int32), indptr), shape=(n, n))


def graph_from_roads(roads: Any, *, crs: Any = None) -> tuple[RoadGraph, BuildReport]:
    """Build the graph of a ``roads`` GeoDataFrame (any CRS; projected to ``crs``, by default
    :func:`risk.crs.metric_crs` of the layer) with its class / speed / one-way columns."""
    from risk.crs import metric_crs

    if roads is None or len(roads) == 0:
        raise NetworkError("数据集没有道路，无法计算通行时间 / the dataset has no roads: travel "
                           "times need a road network")
    target = crs if crs is not None else metric_crs(roads)
    frame = roads.to_crs(target)
    n = len(frame)
    classes = np.full(n, None, dtype=object)
    for column in ("class", "road_class"):
        if column in frame.columns:
            parsed = np.array([parse_road_class(v) for v in frame[column].to_numpy()], dtype=object)
            classes = np.where(classes == None, parsed, classes)  # noqa: E711
    no_class = classes == None  # noqa: E711
    classes[no_class] = "local"
    speed = np.full(n, np.nan)
    if "speed_kmh" in frame.columns:
        speed = np.asarray(frame["speed_kmh"].astype(float).to_numpy(), dtype=float)
    no_speed = ~(np.isfinite(speed) & (speed > 0))
    speed = np.where(no_speed, [DEFAULT_SPEED_KMH[c] for c in classes], speed)
    oneway = (np.asarray(frame["oneway"].fillna(False).astype(bool).to_numpy())
              if "oneway" in frame.columns else None)
    graph = build_graph(frame.geometry.to_numpy(), speed_kmh=speed, oneway=oneway, crs=target)
    count, labels = graph.components()
    sizes = np.bincount(labels)
    report = BuildReport(lines=n, defaulted_class=int(no_class.sum()),
                         defaulted_speed=int(no_speed.sum()), islands=count,
                         island_nodes=int(sizes.sum() - sizes.max()))
    return graph, report


@dataclass(frozen=True)
class Snap:
    """Where points join the network: segment, fraction along it (from ``seg_u``), the
    straight distance to it (metres) and the snapped coordinates."""

    seg: NDArray[np.intp]
    frac: NDArray[np.float64]
    dist_m: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.seg.size)

    def take(self, index: Any) -> Snap:
        return Snap(self.seg[index], self.frac[index], self.dist_m[index], self.x[index],
                    self.y[index])


def snap_points(
    graph: RoadGraph,
    x: Sequence[float] | NDArray[np.float64],
    y: Sequence[float] | NDArray[np.float64],
    *,
    max_m: float | None = MAX_SNAP_M,
    open_segments: NDArray[np.bool_] | None = None,
    what: tuple[str, str] = ("点", "point"),
) -> Snap:
    """Snap points (graph CRS metres) to the nearest point of the nearest segment.

    Parameters
    ----------
    max_m
        Refuse (:class:`NetworkError`) a point farther than this from every road; None: no limit.
    open_segments
        Boolean per segment: only these may be snapped to (closed roads are skipped).
    what
        (Chinese, English) name of the points in messages.
    """
    px, py = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if px.size == 0:
        empty = np.zeros(0)
        return Snap(np.zeros(0, np.intp), empty, empty, empty, empty)
    points = shapely.points(px, py)
    if open_segments is None or open_segments.all():
        seg, dist = graph.segment_tree().query_nearest(points, return_distance=True, all_matches=False)
        seg = seg[1]
    else:
        keep = np.flatnonzero(open_segments)
        if keep.size == 0:
            raise NetworkError("所有道路均已封闭 / every road is closed")
        tree = shapely.STRtree(graph.segments()[keep])
        found, dist = tree.query_nearest(points, return_distance=True, all_matches=False)
        seg = keep[found[1]]
    if max_m is not None and np.any(dist > max_m):
        bad = np.flatnonzero(dist > max_m)
        raise NetworkError(
            f"{bad.size} 个{what[0]}距最近道路超过 {max_m:,.0f} 米（在海上或区域外？），未计算 / "
            f"{bad.size} {what[1]}(s) lie more than {max_m:,.0f} m from any road (in the sea or "
            f"outside the area?); the first is {dist[bad[0]]:,.0f} m away; nothing computed"
        )
    ux, uy = graph.x[graph.seg_u[seg]], graph.y[graph.seg_u[seg]]
    vx, vy = graph.x[graph.seg_v[seg]], graph.y[graph.seg_v[seg]]
    dx, dy = vx - ux, vy - uy
    len2 = dx * dx + dy * dy
    frac = np.clip(np.where(len2 > 0, ((px - ux) * dx + (py - uy) * dy) / np.where(len2 > 0, len2, 1), 0), 0, 1)
    return Snap(seg.astype(np.intp), frac, np.asarray(dist, float), ux + frac * dx, uy + frac * dy)


def to_metric(graph: RoadGraph, lon: Any, lat: Any) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """EPSG:4326 longitude/latitude to the graph's metric coordinates."""
    ex, ny = graph.transformer("to_metric").transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(ex, float), np.asarray(ny, float)


def to_lonlat(graph: RoadGraph, x: Any, y: Any) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    lon, lat = graph.transformer("to_lonlat").transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)
