"""Grid zones (网格化): square or hexagonal cells in metres, graded by the rule of
:mod:`risk.zone_rules` (documented in :mod:`risk.zones`); import them from :mod:`risk.zones`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from risk.zone_rules import (
    DEFAULT_THRESHOLDS,
    DEFAULT_WEIGHTS,
    add_grade_columns,
    check_enterprises,
    check_grade_map,
    check_method,
    check_thresholds,
    grade_cells,
    metric_xy,
    zone_metric_crs,
)

__all__ = ["grid_zones"]


def _unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``(a, b)`` integer pairs (n x 2, sorted) and each input's position among them."""
    if not len(a):
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.intp)
    a0, b0 = a.min(), b.min()
    span = int(b.max() - b0) + 1
    keys, inverse = np.unique((a - a0) * span + (b - b0), return_inverse=True)
    pairs = np.column_stack([keys // span + a0, keys % span + b0])
    return pairs, inverse.ravel()



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
        Projected metric CRS of the grid; default :func:`risk.crs.metric_crs` of the
        enterprises (of ``extent`` when there are none).
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
    ranks = check_enterprises(enterprises)
    try:
        cell = float(cell_m)
    except (TypeError, ValueError):
        raise ValueError(f"`cell_m` must be a positive number of metres, got {cell_m!r}") from None
    if not math.isfinite(cell) or cell <= 0:
        raise ValueError(f"`cell_m` must be a positive number of metres, got {cell_m!r}")
    if shape not in ("square", "hex"):
        raise ValueError(f"`shape` must be 'square' or 'hex', got {shape!r}")
    w = check_grade_map(weights, "weights", defaults=DEFAULT_WEIGHTS, positive=False)
    breaks = check_thresholds(thresholds)
    check_method(method)
    metric = zone_metric_crs(enterprises, crs, extent=extent)
    xy = metric_xy(enterprises, metric)
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
    frame = pd.DataFrame(grade_cells(counts, area, w, breaks))
    frame["cell_i"], frame["cell_j"] = keys[:, 0], keys[:, 1]
    frame = add_grade_columns(frame, method)
    return gpd.GeoDataFrame(frame, geometry=cells, crs=metric).to_crs(4326)

