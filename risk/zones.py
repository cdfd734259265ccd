"""Graded risk zones (安全风险空间分布图): areas coloured by the risk of what lies in them.

Three methods turn the enterprise register into red/orange/yellow/blue zones ("分区域、分级别、
网格化"). All geometry work happens in a metric CRS (``enterprises.estimate_utm_crs()`` unless a
projected ``crs`` is given; EPSG:3857 and geographic CRSs are refused); results come back in
EPSG:4326 with areas (``area_km2``) measured in that metric CRS.

Influence zones (:func:`influence_zones`)
    Every enterprise is buffered by the radius of its grade (:data:`DEFAULT_RADII_M`: red 1000 m,
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
    multiples of the cell size, so the same settings give the same cells on any data). ``square``
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
import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
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

from risk.grades import GRADES, GradeError, parse_grade, parse_grades

__all__ = [
    "DEFAULT_RADII_M",
    "DEFAULT_WEIGHTS",
    "DEFAULT_THRESHOLDS",
    "QUAD_SEGS",
    "EXPORT_FORMATS",
    "influence_zones",
    "grid_zones",
    "admin_zones",
    "zone_summary",
    "zones_to_bytes",
    "write_zones",
]

DEFAULT_RADII_M: dict[str, float] = {"red": 1000.0, "orange": 500.0, "yellow": 300.0, "blue": 100.0}
"""Influence radius by grade, metres."""

DEFAULT_WEIGHTS: dict[str, float] = {g.value: float(g.severity) for g in GRADES}
"""Severity weight by grade for the weighted score: red 4, orange 3, yellow 2, blue 1."""

DEFAULT_THRESHOLDS: dict[str, float] = {"red": 30.0, "orange": 12.0, "yellow": 4.0}
"""Lower bounds of the score classes (weighted enterprises per km²); any positive score is blue."""

QUAD_SEGS = 8
"""Segments per quarter circle of an influence buffer (32-gon, area 0.64 % below the circle)."""

EXPORT_FORMATS = {".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson"}
"""File extensions :func:`write_zones` understands, and the format each one means."""

TILE_FACTOR = 4.0
"""Large higher-grade zones are cut into squares this many radii wide before subtracting."""

_COUNT_COLUMNS = [f"n_{g.value}" for g in GRADES]
_EPS_M = 1e-6


# --------------------------------------------------------------------------------------------
# validation helpers


def _check_enterprises(enterprises: gpd.GeoDataFrame) -> np.ndarray:
    """Validate the enterprise layer; return grade ranks (0 = red … 3 = blue) per row."""
    if not isinstance(enterprises, gpd.GeoDataFrame):
        msg = f"`enterprises` must be a GeoDataFrame, got {type(enterprises).__name__}"
        raise TypeError(msg)
    if enterprises.crs is None:
        raise ValueError("`enterprises` has no CRS; expected EPSG:4326 (or any CRS that is set)")
    if "grade" not in enterprises.columns:
        msg = f"`enterprises` needs a 'grade' column; columns are {list(enterprises.columns)}"
        raise ValueError(msg)
    geom = enterprises.geometry
    bad = geom.isna() | geom.is_empty | (geom.geom_type != "Point")
    if bad.any():
        rows = list(enterprises.index[bad.to_numpy()][:5])
        msg = (f"`enterprises` must hold non-empty Points; rows {rows} "
               f"({int(bad.sum())} in all) do not")
        raise ValueError(msg)
    codes, uniques = pd.factorize(enterprises["grade"], use_na_sentinel=False)
    lookup, errors = parse_grades(pd.Series(uniques, dtype=object))  # each distinct value once
    bad_values = np.flatnonzero(errors.notna().to_numpy())
    if len(bad_values):
        bad_rows = np.flatnonzero(np.isin(codes, bad_values))
        msg = (f"`enterprises` column 'grade' has {len(bad_rows)} unknown value(s), first at row "
               f"{enterprises.index[bad_rows[0]]!r}: {errors.dropna().iloc[0]}")
        raise ValueError(msg)
    rank = {g.value: g.rank for g in GRADES}
    return lookup.map(rank).to_numpy(dtype=np.int8)[codes]


def _utm_crs(gdf: gpd.GeoDataFrame) -> pyproj.CRS:
    """The WGS 84 UTM zone of the centre of ``gdf`` (what ``estimate_utm_crs()`` picks, faster)."""
    geom = gdf.geometry if gdf.crs.to_epsg() == 4326 else gdf.geometry.to_crs(4326)
    xmin, ymin, xmax, ymax = geom.total_bounds
    lon, lat = (xmin + xmax) / 2, (ymin + ymax) / 2
    zone = min(int((lon + 180) // 6) + 1, 60)
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _metric_xy(gdf: gpd.GeoDataFrame, metric: pyproj.CRS) -> np.ndarray:
    """Point coordinates (n x 2) in ``metric``, transformed as arrays (no geometries built)."""
    xy = shapely.get_coordinates(gdf.geometry.to_numpy())
    if not len(xy):
        return xy.reshape(0, 2)
    to_metric = pyproj.Transformer.from_crs(gdf.crs, metric, always_xy=True)
    x, y = to_metric.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``(a, b)`` integer pairs (n x 2, sorted) and each input's position among them."""
    if not len(a):
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.intp)
    a0, b0 = a.min(), b.min()
    span = int(b.max() - b0) + 1
    keys, inverse = np.unique((a - a0) * span + (b - b0), return_inverse=True)
    pairs = np.column_stack([keys // span + a0, keys % span + b0])
    return pairs, inverse.ravel()


def _metric_crs(gdf: gpd.GeoDataFrame, crs: Any | None) -> pyproj.CRS:
    if crs is None:
        if len(gdf) == 0:
            return pyproj.CRS.from_epsg(32650)  # UTM 50N (Shenzhen); only used for empty inputs
        return _utm_crs(gdf)
    try:
        out = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        raise ValueError(f"`crs` must be a projected metric CRS, got {crs!r}: {exc}") from exc
    if not out.is_projected or out.to_epsg() in (3857, 900913, 3395):
        msg = (f"`crs` must be a projected metric CRS such as a UTM zone (not geographic, not "
               f"Web Mercator), got {out.to_string()!r}")
        raise ValueError(msg)
    return out


def _grade_map(values: Mapping[Any, float] | None, name: str, *, defaults: Mapping[str, float],
               positive: bool = True) -> dict[str, float]:
    """Merge user ``values`` keyed by any grade spelling over ``defaults``; check the numbers."""
    out = dict(defaults)
    for key, value in (values or {}).items():
        try:
            code = parse_grade(key).value
        except GradeError as exc:
            raise ValueError(f"`{name}` has an unknown grade key {key!r}: {exc}") from exc
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"`{name}[{key!r}]` must be a number, got {value!r}") from None
        if not math.isfinite(number) or (number <= 0 if positive else number < 0):
            kind = "a positive" if positive else "a non-negative"
            raise ValueError(f"`{name}[{key!r}]` must be {kind} number, got {value!r}")
        out[code] = number
    return out


def _check_thresholds(thresholds: Mapping[Any, float] | None) -> dict[str, float]:
    out = _grade_map(thresholds, "thresholds", defaults=DEFAULT_THRESHOLDS)
    out.pop("blue", None)  # blue is "any positive score"
    if not out["red"] >= out["orange"] >= out["yellow"]:
        msg = f"`thresholds` must satisfy red >= orange >= yellow, got {out}"
        raise ValueError(msg)
    return out


def _check_method(method: str) -> str:
    if method not in ("max", "score"):
        raise ValueError(f"`method` must be 'max' or 'score', got {method!r}")
    return method


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
    radii_m: Mapping[Any, float] = DEFAULT_RADII_M,
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
        Radius in metres by grade; grades left out keep :data:`DEFAULT_RADII_M`.
    crs
        Projected metric CRS to buffer in; default ``enterprises.estimate_utm_crs()``.
    quad_segs
        Segments per quarter circle of each buffer (:data:`QUAD_SEGS`).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, most severe grade first, columns ``grade``, ``label_zh``, ``label_en``,
        ``color``, ``area_km2`` (in the metric CRS), ``enterprises`` (how many of that grade).
    """
    ranks = _check_enterprises(enterprises)
    radii = _grade_map(radii_m, "radii_m", defaults=DEFAULT_RADII_M)
    if not isinstance(quad_segs, (int, np.integer)) or quad_segs < 1:
        raise ValueError(f"`quad_segs` must be a positive integer, got {quad_segs!r}")
    metric = _metric_crs(enterprises, crs)
    xy_all = _metric_xy(enterprises, metric)
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


# --------------------------------------------------------------------------------------------
# grid and administrative units


def _grade_cells(counts: np.ndarray, area_km2: np.ndarray, weights: dict[str, float],
                 thresholds: dict[str, float]) -> dict[str, Any]:
    """Grade rows of per-grade ``counts`` (n x 4, red first) by the documented rules."""
    w = np.array([weights[g.value] for g in GRADES])
    total = counts.sum(axis=1)
    score = np.divide(counts @ w, area_km2, out=np.zeros(len(counts)), where=area_km2 > 0)
    codes = np.array([g.value for g in GRADES], dtype=object)
    first = np.argmax(counts > 0, axis=1)
    grade_max = np.where(total > 0, codes[first], None)
    classes = np.select(
        [score >= thresholds["red"], score >= thresholds["orange"],
         score >= thresholds["yellow"], score > 0],
        ["red", "orange", "yellow", "blue"], default="",
    ).astype(object)
    # numpy's stubs reject None as a branch value; at run time it gives an object array
    grade_score = np.where((total > 0) & (classes != ""), classes, None)  # type: ignore[call-overload]
    out: dict[str, Any] = {"grade_max": grade_max, "grade_score": grade_score, "score": score}
    for j, col in enumerate(_COUNT_COLUMNS):
        out[col] = counts[:, j].astype(np.int64)
    out["n_total"] = total.astype(np.int64)
    out["area_km2"] = area_km2
    return out


def _add_grade_columns(frame: pd.DataFrame, method: str) -> pd.DataFrame:
    grade = frame["grade_max" if method == "max" else "grade_score"]
    by_code = {g.value: g for g in GRADES}
    frame.insert(0, "grade", grade)
    for attr in ("label_zh", "label_en", "color"):
        frame[attr] = grade.map(lambda c, a=attr: getattr(by_code[c], a) if c in by_code else None)
    return frame


def _hex_axial(x: np.ndarray, y: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial (q, r) of the pointy-top hexagon of circumradius ``size`` holding each point."""
    qf = (math.sqrt(3) / 3 * x - y / 3) / size
    rf = (2 / 3 * y) / size
    sf = -qf - rf
    q, r, s = np.round(qf), np.round(rf), np.round(sf)
    dq, dr, ds = np.abs(q - qf), np.abs(r - rf), np.abs(s - sf)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    q = np.where(fix_q, -r - s, q)
    r = np.where(fix_r, -q - s, r)
    return q.astype(np.int64), r.astype(np.int64)


def _cell_polygons(keys: np.ndarray, cell_m: float, shape: str) -> np.ndarray:
    if shape == "square":
        x0, y0 = keys[:, 0] * cell_m, keys[:, 1] * cell_m
        return shapely.box(x0, y0, x0 + cell_m, y0 + cell_m)
    size = cell_m / math.sqrt(3)
    q, r = keys[:, 0].astype(float), keys[:, 1].astype(float)
    cx = size * math.sqrt(3) * (q + r / 2)
    cy = size * 1.5 * r
    angles = np.deg2rad(30 + 60 * np.arange(7))
    ring = np.stack([cx[:, None] + size * np.cos(angles), cy[:, None] + size * np.sin(angles)],
                    axis=-1)
    return cast(np.ndarray, shapely.polygons(ring))


def _cells_meeting(extent: BaseGeometry, cell_m: float, shape: str) -> np.ndarray:
    """Keys of every cell that intersects ``extent`` (metric CRS)."""
    xmin, ymin, xmax, ymax = extent.bounds
    if shape == "square":
        i = np.arange(math.floor(xmin / cell_m), math.floor(xmax / cell_m) + 1)
        j = np.arange(math.floor(ymin / cell_m), math.floor(ymax / cell_m) + 1)
    else:
        size = cell_m / math.sqrt(3)
        j = np.arange(math.floor(ymin / (1.5 * size)) - 1, math.ceil(ymax / (1.5 * size)) + 2)
        i = np.arange(math.floor(xmin / cell_m - j.max() / 2) - 1,
                      math.ceil(xmax / cell_m - j.min() / 2) + 2)
    ii, jj = np.meshgrid(i, j)
    keys = np.column_stack([ii.ravel(), jj.ravel()])
    cells = _cell_polygons(keys, cell_m, shape)
    shapely.prepare(extent)
    return keys[shapely.intersects(extent, cells)]


def _extent_geometry(extent: Any, metric: pyproj.CRS) -> BaseGeometry:
    if isinstance(extent, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if extent.crs is None:
            raise ValueError("`extent` has no CRS; expected EPSG:4326 or any CRS that is set")
        return extent.to_crs(metric).union_all()
    if isinstance(extent, shapely.Geometry):
        return gpd.GeoSeries([extent], crs=4326).to_crs(metric).iloc[0]
    if isinstance(extent, (tuple, list)) and len(extent) == 4:
        return gpd.GeoSeries([shapely.box(*extent)], crs=4326).to_crs(metric).iloc[0]
    msg = ("`extent` must be a GeoDataFrame/GeoSeries, a shapely geometry in EPSG:4326 or "
           f"(minx, miny, maxx, maxy) in degrees, got {type(extent).__name__}")
    raise TypeError(msg)


def grid_zones(
    enterprises: gpd.GeoDataFrame,
    *,
    cell_m: float = 1000.0,
    shape: str = "square",
    weights: Mapping[Any, float] = DEFAULT_WEIGHTS,
    thresholds: Mapping[Any, float] = DEFAULT_THRESHOLDS,
    method: str = "max",
    crs: Any | None = None,
    extent: Any | None = None,
) -> gpd.GeoDataFrame:
    """Grade a regular grid (网格化): each cell by its highest grade and by its weighted score.

    Parameters
    ----------
    enterprises
        Points with a ``grade`` column, in any CRS.
    cell_m
        Square side, or hexagon width between opposite sides, in metres.
    shape
        ``"square"`` or ``"hex"``.
    weights, thresholds
        Severity weights and score class breaks (see the module docstring); grades left out keep
        :data:`DEFAULT_WEIGHTS` / :data:`DEFAULT_THRESHOLDS`.
    method
        Which grade goes into ``grade`` (and colours the map): ``"max"`` or ``"score"``.
    crs
        Projected metric CRS of the grid; default ``enterprises.estimate_utm_crs()``.
    extent
        Also return the empty cells meeting this area (GeoDataFrame/GeoSeries, EPSG:4326 shapely
        geometry or degree bounds).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per cell: ``grade``, ``grade_max``, ``grade_score``, ``score``,
        ``n_red`` … ``n_blue``, ``n_total``, ``area_km2``, ``label_zh``, ``label_en``,
        ``color``, ``cell_i``, ``cell_j`` (column/row, or axial q/r for hexagons).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame({"grade": ["blue", "red", "blue"]}, crs=32650,
    ...     geometry=[Point(500100, 2500100), Point(500900, 2500900), Point(501500, 2500500)])
    >>> cells = grid_zones(pts, cell_m=1000, crs=32650)
    >>> cells[["grade_max", "n_total", "score", "grade_score"]].to_numpy().tolist()
    [['red', 2, 5.0, 'yellow'], ['blue', 1, 1.0, 'blue']]
    """
    ranks = _check_enterprises(enterprises)
    try:
        cell = float(cell_m)
    except (TypeError, ValueError):
        raise ValueError(f"`cell_m` must be a positive number of metres, got {cell_m!r}") from None
    if not math.isfinite(cell) or cell <= 0:
        raise ValueError(f"`cell_m` must be a positive number of metres, got {cell_m!r}")
    if shape not in ("square", "hex"):
        raise ValueError(f"`shape` must be 'square' or 'hex', got {shape!r}")
    w = _grade_map(weights, "weights", defaults=DEFAULT_WEIGHTS, positive=False)
    breaks = _check_thresholds(thresholds)
    _check_method(method)
    metric = _metric_crs(enterprises, crs)
    xy = _metric_xy(enterprises, metric)
    if shape == "square":
        ki = np.floor(xy[:, 0] / cell).astype(np.int64)
        kj = np.floor(xy[:, 1] / cell).astype(np.int64)
    else:
        ki, kj = _hex_axial(xy[:, 0], xy[:, 1], cell / math.sqrt(3))
    keys, inverse = _unique_pairs(ki, kj)
    counts = np.zeros((len(keys), 4), dtype=np.int64)
    np.add.at(counts, (inverse, ranks.astype(np.intp)), 1)
    if extent is not None:
        extra = _cells_meeting(_extent_geometry(extent, metric), cell, shape)
        all_keys = np.unique(np.concatenate([keys, extra.reshape(-1, 2)]), axis=0)
        pos = {tuple(k): n for n, k in enumerate(all_keys.tolist())}
        full = np.zeros((len(all_keys), 4), dtype=np.int64)
        full[[pos[tuple(k)] for k in keys.tolist()]] = counts
        keys, counts = all_keys, full
    cells = _cell_polygons(keys, cell, shape)
    area = shapely.area(cells) / 1e6
    frame = pd.DataFrame(_grade_cells(counts, area, w, breaks))
    frame["cell_i"], frame["cell_j"] = keys[:, 0], keys[:, 1]
    frame = _add_grade_columns(frame, method)
    return gpd.GeoDataFrame(frame, geometry=cells, crs=metric).to_crs(4326)


def admin_zones(
    enterprises: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    method: str = "max",
    weights: Mapping[Any, float] = DEFAULT_WEIGHTS,
    thresholds: Mapping[Any, float] = DEFAULT_THRESHOLDS,
    nearest_m: float | None = 2000.0,
    crs: Any | None = None,
) -> gpd.GeoDataFrame:
    """Grade administrative units (分区域): districts, streets or any polygon layer with ``name``.

    Parameters
    ----------
    enterprises
        Points with a ``grade`` column, in any CRS.
    units
        (Multi)Polygons with a ``name`` column, in any CRS; other columns are kept.
    method
        Which grade goes into ``grade`` (and colours the map): ``"max"`` or ``"score"``.
    weights, thresholds
        As in :func:`grid_zones`.
    nearest_m
        Enterprises outside every unit count in the nearest unit up to this many metres away;
        ``None`` or 0 counts only those inside.
    crs
        Projected metric CRS for areas and distances; default ``units.estimate_utm_crs()``.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per unit in input order: the unit's columns, then ``grade``,
        ``grade_max``, ``grade_score``, ``score``, ``n_red`` … ``n_blue``, ``n_total``,
        ``area_km2``, ``label_zh``, ``label_en``, ``color``. ``attrs["unassigned"]`` is the
        number of enterprises that fell in no unit.
    """
    ranks = _check_enterprises(enterprises)
    if not isinstance(units, gpd.GeoDataFrame) or "name" not in units.columns:
        got = list(units.columns) if isinstance(units, pd.DataFrame) else type(units).__name__
        raise ValueError(f"`units` must be a GeoDataFrame with a 'name' column, got {got}")
    if units.crs is None:
        raise ValueError("`units` has no CRS; expected EPSG:4326 or any CRS that is set")
    kinds = set(units.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise ValueError(f"`units` must hold (Multi)Polygons, got {sorted(kinds)}")
    _check_method(method)
    w = _grade_map(weights, "weights", defaults=DEFAULT_WEIGHTS, positive=False)
    breaks = _check_thresholds(thresholds)
    if nearest_m is not None and not (math.isfinite(nearest_m) and nearest_m >= 0):
        msg = f"`nearest_m` must be a distance >= 0 in metres or None, got {nearest_m!r}"
        raise ValueError(msg)
    metric = _metric_crs(units, crs)
    shapes = units.geometry.to_crs(metric).to_numpy()
    xy = _metric_xy(enterprises, metric)
    unit_of = np.full(len(xy), -1, dtype=np.int64)
    for k in range(len(shapes)):  # in input order: on a shared boundary the first unit wins
        if shapes[k] is None or shapes[k].is_empty:
            continue
        xmin, ymin, xmax, ymax = shapes[k].bounds
        todo = np.flatnonzero((unit_of < 0) & (xy[:, 0] >= xmin) & (xy[:, 0] <= xmax)
                              & (xy[:, 1] >= ymin) & (xy[:, 1] <= ymax))
        shapely.prepare(shapes[k])
        hit = shapely.intersects_xy(shapes[k], xy[todo, 0], xy[todo, 1])
        unit_of[todo[hit]] = k
    outside = np.flatnonzero(unit_of < 0)
    if len(outside) and nearest_m and len(shapes):
        tree = shapely.STRtree(shapes)
        near_pt, near_unit = tree.query_nearest(shapely.points(xy[outside]),
                                                max_distance=nearest_m, all_matches=False)
        unit_of[outside[near_pt]] = near_unit
    counts = np.zeros((len(units), 4), dtype=np.int64)
    inside = unit_of >= 0
    np.add.at(counts, (unit_of[inside], ranks[inside].astype(np.intp)), 1)
    area = shapely.area(shapes) / 1e6
    graded = pd.DataFrame(_grade_cells(counts, area, w, breaks))
    graded = _add_grade_columns(graded, method)
    base = pd.DataFrame(units.drop(columns=units.geometry.name)).reset_index(drop=True)
    base = base.drop(columns=[c for c in graded.columns if c in base.columns])
    frame = pd.concat([base, graded], axis=1)
    out = gpd.GeoDataFrame(frame, geometry=shapes, crs=metric).to_crs(4326)
    out.attrs["unassigned"] = int((~inside).sum())
    return out


# --------------------------------------------------------------------------------------------
# summary and export


def zone_summary(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area and enterprise count per grade, most severe first, for the stats panel and export.

    Works on the output of any of the three methods. ``enterprises`` is, for influence zones, the
    number of enterprises of that grade; for grid cells and units, the number of enterprises lying
    in the cells/units of that grade. Cells or units without a grade are left out.

    Returns
    -------
    pandas.DataFrame
        One row per grade (all four, zeros where absent): ``grade``, ``label_zh``,
        ``label_en``, ``color``, ``zones`` (features), ``area_km2``, ``enterprises``.
    """
    if not isinstance(zones, pd.DataFrame) or not {"grade", "area_km2"} <= set(zones.columns):
        got = list(zones.columns) if isinstance(zones, pd.DataFrame) else type(zones).__name__
        raise ValueError(f"`zones` must be a zones frame with 'grade' and 'area_km2', got {got}")
    count_col = "enterprises" if "enterprises" in zones.columns else "n_total"
    rows = []
    for grade in GRADES:
        part = zones[zones["grade"] == grade.value]
        rows.append({
            "grade": grade.value, "label_zh": grade.label_zh, "label_en": grade.label_en,
            "color": grade.color, "zones": len(part),
            "area_km2": float(part["area_km2"].sum()),
            "enterprises": int(part[count_col].sum()) if count_col in part else 0,
        })
    return pd.DataFrame(rows)


def _export_frame(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(zones, gpd.GeoDataFrame) or zones.crs is None:
        raise ValueError("`zones` must be a GeoDataFrame with a CRS (the output of *_zones)")
    out = zones.to_crs(4326) if zones.crs.to_epsg() != 4326 else zones
    return out.reset_index(drop=True)


def zones_to_bytes(zones: gpd.GeoDataFrame, fmt: str) -> bytes:
    """The zones as a GeoJSON (``fmt="geojson"``) or GeoPackage (``"gpkg"``) file's bytes.

    For the app's download button; GeoPackages go through a temporary file.
    """
    fmt_key = str(fmt).lower().lstrip(".")
    if fmt_key == "json":
        fmt_key = "geojson"
    if fmt_key not in ("geojson", "gpkg"):
        raise ValueError(f"`fmt` must be 'geojson' or 'gpkg', got {fmt!r}")
    frame = _export_frame(zones)
    if fmt_key == "geojson":
        return frame.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="riskmap-zones-") as tmp:
        path = Path(tmp) / "zones.gpkg"
        frame.to_file(path, layer="zones", driver="GPKG", engine="pyogrio")
        return path.read_bytes()


def write_zones(zones: gpd.GeoDataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the zones to ``path`` (.gpkg, .geojson or .json) atomically; return the path.

    The file is written beside the target under a temporary name and moved over it with
    :func:`os.replace`, so a failure leaves no half-written file (and any old file intact).
    """
    target = Path(path)
    fmt = EXPORT_FORMATS.get(target.suffix.lower())
    if fmt is None:
        msg = (f"`path` must end in {', '.join(EXPORT_FORMATS)}, got {str(target)!r}")
        raise ValueError(msg)
    data = zones_to_bytes(zones, fmt)
    tmp = target.with_name(f".{target.stem}-{secrets.token_hex(6)}{target.suffix}")
    try:
        with open(tmp, "xb") as handle:  # a new file, permissions from the umask
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
