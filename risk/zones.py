"""Graded risk zones (安全风险空间分布图): areas coloured by the risk of what lies in them.

Three methods turn the enterprise register into red/orange/yellow/blue zones ("分区域、分级别、
网格化"). All geometry work happens in a metric CRS: the project's policy
:func:`risk.crs.metric_crs` of the data (a transverse Mercator centred on it) unless a projected
``crs`` is given (checked by :func:`risk.crs.check_metric_crs`: EPSG:3857 and geographic CRSs are
refused); results come back in EPSG:4326 with areas (``area_km2``) measured in that metric CRS.
The methods live in :mod:`risk.zone_grid`, :mod:`risk.zone_admin` (with the shared grading rule
in :mod:`risk.zone_rules`) and the summary/export in :mod:`risk.zone_export`; import them all
from here.

Influence zones (:func:`influence_zones`)
    Every enterprise is buffered by the radius of its grade (:data:`DEFAULT_BUFFER_M`: red 1000 m,
    orange 500 m, yellow 300 m, blue 100 m; any subset can be overridden). The buffers are
    dissolved per grade and, where grades overlap, the higher grade wins (红 > 橙 > 黄 > 蓝): the
    zone of a grade is the union of its buffers minus the zones of all higher grades. The result
    has one row per grade present, the zones never overlap, and together they cover exactly the
    union of all buffers. Buffers are regular polygons with ``4 * quad_segs`` vertices on the
    circle (:data:`QUAD_SEGS` = 8, i.e. 32-gons), whose area is 0.64 % below the true circle's
    (16 segments per quarter: 0.16 %; 4: 2.6 %).

    How it stays fast (100k enterprises in a few seconds): exact duplicate locations are buffered
    once; a buffer that lies inside the circle inscribed in one buffer of a higher grade is
    skipped, since that area goes to the higher grade anyway (this leaves the result unchanged);
    the remaining buffers of a grade are split into clusters of mutually overlapping buffers
    (centres closer than twice the radius, found with a k-d tree) and each cluster is unioned on
    its own; the higher-grade area is subtracted cluster by cluster, using only the higher-grade
    clusters that touch it, large ones cut into squares :data:`TILE_FACTOR` radii wide. On the
    100k sample this takes ~2.3 s CPU against ~17 s for the naive buffer + union + difference
    pipeline, with the same areas (to 1e-14).

Grid (:func:`grid_zones`)
    A regular grid in metres, anchored at the metric CRS origin (cell edges or hexagon centres on
    multiples of the cell size, so the same data, settings and ``crs`` give the same cells; pass
    ``crs`` to share one grid between different sets of enterprises). ``square``
    cells are ``cell_m`` by ``cell_m``; ``hex`` cells are pointy-top hexagons ``cell_m`` wide
    between opposite sides (area √3/2 · cell_m², neighbours' centres ``cell_m`` apart). By
    default only cells holding enterprises are returned; with ``extent`` every cell meeting the
    extent is returned as well (empty cells have no grade and score 0).

By administrative unit (:func:`admin_zones`)
    Any polygon layer with a ``name`` column (districts, streets/街道, communities…). Each
    enterprise counts in the unit containing it; one just outside every unit (coast, piers) counts
    in the nearest unit within ``nearest_m`` (2000 m, as the dataset's region margin); the rest are
    counted in ``zones.attrs["unassigned"]``.

Grading a grid cell or a unit (same rule for both)
    ``grade_max`` is the highest grade present (就高原则). ``score`` is a weighted density: the
    sum of the enterprises' severity weights (:data:`DEFAULT_WEIGHTS`: red 4, orange 3, yellow 2,
    blue 1, as :attr:`risk.grades.Grade.severity`) per km² of the cell or unit, so it compares
    across cell sizes, hexagons and districts. ``grade_score`` classifies the score with
    :data:`DEFAULT_THRESHOLDS` (lower bounds, weighted enterprises per km²): red ≥ 30, orange ≥ 12,
    yellow ≥ 4, blue > 0; a cell or unit without enterprises has no grade. These breaks are
    starting values to be calibrated by each bureau; both weights and thresholds are arguments.
    Absolute breaks do not follow the cell size: one low-risk enterprise alone in a 200 m
    hexagon (0.035 km²) already scores 29 per km². Relative breaks do: pass ``thresholds`` as a
    :class:`QuantileThresholds` (:data:`DEFAULT_QUANTILES`: red above the 95th percentile of the
    non-empty cells' scores, orange above the 80th, yellow above the 50th, the rest blue; ties
    stay in the lower class). The zones workflow (:mod:`ui.workflows.zones`, the zones tab and
    ``riskmap zones``) uses relative breaks unless absolute thresholds are given.
    ``grade`` is ``grade_max`` or ``grade_score`` depending on ``method``.

>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> pts = gpd.GeoDataFrame({"grade": ["red", "blue"]},
...                        geometry=[Point(114.05, 22.55), Point(114.06, 22.55)], crs=4326)
>>> zones = influence_zones(pts)
>>> list(zones["grade"]), list(zones["enterprises"])
(['red', 'blue'], [1, 1])
>>> round(float(zones["area_km2"].iloc[0]), 2)  # a 1000 m disc as a 32-gon: 3.14 km² - 0.64 %
3.12
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from risk.grades import GRADES
from risk.zone_admin import admin_zones
from risk.zone_export import EXPORT_FORMATS, write_zones, zone_summary, zones_to_bytes
from risk.zone_grid import grid_zones
from risk.zone_rules import (
    DEFAULT_QUANTILES,
    DEFAULT_THRESHOLDS,
    DEFAULT_WEIGHTS,
    QuantileThresholds,
    check_enterprises,
    check_grade_map,
    metric_xy,
    zone_metric_crs,
)

__all__ = [
    "DEFAULT_BUFFER_M",
    "DEFAULT_WEIGHTS",
    "DEFAULT_THRESHOLDS",
    "DEFAULT_QUANTILES",
    "QuantileThresholds",
    "QUAD_SEGS",
    "EXPORT_FORMATS",
    "influence_zones",
    "grid_zones",
    "admin_zones",
    "zone_summary",
    "zones_to_bytes",
    "write_zones",
]

DEFAULT_BUFFER_M: dict[str, float] = {"red": 1000.0, "orange": 500.0, "yellow": 300.0, "blue": 100.0}
"""Influence buffer radius by grade, metres (the grade buffers; the incident cordon radii are
another rule, in :mod:`risk.cordon`)."""

QUAD_SEGS = 8
"""Segments per quarter circle of an influence buffer (32-gon, area 0.64 % below the circle)."""

TILE_FACTOR = 4.0
"""Large higher-grade zones are cut into squares this many radii wide before subtracting."""

_EPS_M = 1e-6


# --------------------------------------------------------------------------------------------
# influence zones


def _covered_by_higher(xy: np.ndarray, r: float, higher: list[tuple[cKDTree, float]],
                       quad_segs: int) -> np.ndarray:
    """Mask of points whose ``r`` buffer lies inside one higher-grade buffer (exactly)."""
    covered = np.zeros(len(xy), dtype=bool)
    inscribed = math.cos(math.pi / (4 * quad_segs))  # inscribed circle of the buffer polygon
    for tree, radius in higher:
        reach = radius * inscribed - r - _EPS_M
        if reach < 0 or not len(xy):
            continue
        todo = np.flatnonzero(~covered)
        dist, _ = tree.query(xy[todo], k=1, distance_upper_bound=reach)
        covered[todo[np.isfinite(dist)]] = True
    return covered


def _cluster_unions(xy: np.ndarray, r: float, quad_segs: int) -> np.ndarray:
    """Union of the ``r`` buffers around ``xy``, one polygonal geometry per overlapping cluster."""
    buffers = cast(np.ndarray, shapely.buffer(shapely.points(xy), r, quad_segs=quad_segs))
    if len(xy) < 2:
        return buffers
    pairs = cKDTree(xy).query_pairs(2 * r + _EPS_M, output_type="ndarray")
    if not len(pairs):
        return buffers
    n = len(xy)
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])),
                       shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    out = []
    for members in np.split(order, bounds):
        one = len(members) == 1
        out.append(buffers[members[0]] if one else shapely.union_all(buffers[members]))
    return np.asarray(out, dtype=object)


def _tiled(parts: list[BaseGeometry], tile_m: float, *, max_vertices: int = 256
           ) -> list[shapely.Geometry]:
    """``parts`` with each large polygon cut into ``tile_m`` squares (same area, smaller pieces).

    Subtracting a large higher-grade zone from many small clusters would otherwise process the
    whole large zone once per cluster.
    """
    out: list[shapely.Geometry] = []
    for part in parts:
        if shapely.get_num_coordinates(part) <= max_vertices:
            out.append(part)
            continue
        xmin, ymin, xmax, ymax = part.bounds
        xs, ys = np.meshgrid(np.arange(xmin, xmax, tile_m), np.arange(ymin, ymax, tile_m))
        boxes = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + tile_m, ys.ravel() + tile_m)
        shapely.prepare(part)
        boxes = boxes[shapely.intersects(part, boxes)]
        pieces = shapely.intersection(part, boxes)
        pieces = pieces[~shapely.is_empty(pieces) & (shapely.area(pieces) > 0)]
        out.extend(pieces.tolist())
    return out


def _subtract(parts: np.ndarray, higher: list[shapely.Geometry]) -> np.ndarray:
    """``parts`` minus the union of the ``higher`` geometries, touching ones only."""
    if not higher or not len(parts):
        return parts
    tree = shapely.STRtree(higher)
    hit_part, hit_higher = tree.query(parts, predicate="intersects")
    out = parts.copy()
    if not len(hit_part):
        return out
    order = np.argsort(hit_part, kind="stable")
    hit_part, hit_higher = hit_part[order], hit_higher[order]
    bounds = np.flatnonzero(np.diff(hit_part)) + 1
    for idx_part, idx_higher in zip(np.split(hit_part, bounds), np.split(hit_higher, bounds),
                                    strict=True):
        blocker = tree.geometries.take(idx_higher)
        block = blocker[0] if len(blocker) == 1 else shapely.union_all(blocker)
        out[idx_part[0]] = shapely.difference(parts[idx_part[0]], block)
    return out


def _multipolygon(parts: np.ndarray) -> shapely.MultiPolygon:
    polys = shapely.get_parts(shapely.get_parts(parts))  # flatten Multi*/collections
    polys = polys[(shapely.get_type_id(polys) == 3) & ~shapely.is_empty(polys)]
    polys = polys[shapely.area(polys) > 0]
    return shapely.multipolygons(polys)


def _graded_frame(rows: list[dict[str, Any]], columns: list[str], metric: pyproj.CRS
                  ) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=[*columns, "geometry"]),
                             geometry="geometry", crs=metric)
    return frame.to_crs(4326)


def influence_zones(
    enterprises: gpd.GeoDataFrame,
    *,
    radii_m: Mapping[Any, float] = DEFAULT_BUFFER_M,
    crs: Any | None = None,
    quad_segs: int = QUAD_SEGS,
) -> gpd.GeoDataFrame:
    """Non-overlapping influence zones, one (Multi)Polygon per grade present.

    Parameters
    ----------
    enterprises
        Points with a ``grade`` column (codes or any spelling :func:`risk.grades.parse_grade`
        accepts), in any CRS.
    radii_m
        Radius in metres by grade; grades left out keep :data:`DEFAULT_BUFFER_M`.
    crs
        Projected metric CRS to buffer in; default :func:`risk.crs.metric_crs` of the
        enterprises.
    quad_segs
        Segments per quarter circle of each buffer (:data:`QUAD_SEGS`).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, most severe grade first, columns ``grade``, ``label_zh``, ``label_en``,
        ``color``, ``area_km2`` (in the metric CRS), ``enterprises`` (how many of that grade).
    """
    ranks = check_enterprises(enterprises)
    radii = check_grade_map(radii_m, "radii_m", defaults=DEFAULT_BUFFER_M)
    if not isinstance(quad_segs, (int, np.integer)) or quad_segs < 1:
        raise ValueError(f"`quad_segs` must be a positive integer, got {quad_segs!r}")
    metric = zone_metric_crs(enterprises, crs)
    xy_all = metric_xy(enterprises, metric)
    columns = ["grade", "label_zh", "label_en", "color", "area_km2", "enterprises"]
    rows: list[dict[str, Any]] = []
    higher_trees: list[tuple[cKDTree, float]] = []
    higher_parts: list[shapely.Geometry] = []
    for grade in GRADES:
        chosen = ranks == grade.rank
        if not chosen.any():
            continue
        r = radii[grade.value]
        xy = xy_all[chosen]
        xy = xy[~pd.DataFrame(xy).duplicated().to_numpy()]
        keep = ~_covered_by_higher(xy, r, higher_trees, quad_segs)
        higher_trees.append((cKDTree(xy), r))
        clusters = _cluster_unions(xy[keep], r, quad_segs)
        zone = _multipolygon(_subtract(clusters, higher_parts))
        higher_parts.extend(_tiled(clusters.tolist(), TILE_FACTOR * r))
        rows.append({
            "grade": grade.value, "label_zh": grade.label_zh, "label_en": grade.label_en,
            "color": grade.color, "area_km2": shapely.area(zone) / 1e6,
            "enterprises": int(chosen.sum()), "geometry": zone,
        })
    return _graded_frame(rows, columns, metric)
