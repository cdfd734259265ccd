"""Zones by administrative unit (分区域): districts, streets or any polygon layer with a name,
graded by the rule of :mod:`risk.zone_rules` (documented in :mod:`risk.zones`); import
:func:`admin_zones` from :mod:`risk.zones`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

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

__all__ = ["admin_zones"]


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
        Projected metric CRS for areas and distances; default :func:`risk.crs.metric_crs`
        of the units.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per unit in input order: the unit's columns, then ``grade``,
        ``grade_max``, ``grade_score``, ``score``, ``n_red`` … ``n_blue``, ``n_total``,
        ``area_km2``, ``label_zh``, ``label_en``, ``color``. ``attrs["unassigned"]`` is the
        number of enterprises that fell in no unit.
    """
    ranks = check_enterprises(enterprises)
    if not isinstance(units, gpd.GeoDataFrame) or "name" not in units.columns:
        got = list(units.columns) if isinstance(units, pd.DataFrame) else type(units).__name__
        raise ValueError(f"`units` must be a GeoDataFrame with a 'name' column, got {got}")
    if units.crs is None:
        raise ValueError("`units` has no CRS; expected EPSG:4326 or any CRS that is set")
    kinds = set(units.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise ValueError(f"`units` must hold (Multi)Polygons, got {sorted(kinds)}")
    check_method(method)
    w = check_grade_map(weights, "weights", defaults=DEFAULT_WEIGHTS, positive=False)
    breaks = check_thresholds(thresholds)
    if nearest_m is not None and not (math.isfinite(nearest_m) and nearest_m >= 0):
        msg = f"`nearest_m` must be a distance >= 0 in metres or None, got {nearest_m!r}"
        raise ValueError(msg)
    metric = zone_metric_crs(units, crs, extent=enterprises)
    shapes = units.geometry.to_crs(metric).to_numpy()
    xy = metric_xy(enterprises, metric)
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
    graded = pd.DataFrame(grade_cells(counts, area, w, breaks))
    graded = add_grade_columns(graded, method)
    base = pd.DataFrame(units.drop(columns=units.geometry.name)).reset_index(drop=True)
    base = base.drop(columns=[c for c in graded.columns if c in base.columns])
    frame = pd.concat([base, graded], axis=1)
    out = gpd.GeoDataFrame(frame, geometry=shapes, crs=metric).to_crs(4326)
    out.attrs["unassigned"] = int((~inside).sum())
    return out

