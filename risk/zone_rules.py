"""The grading rules shared by the zone methods: validation, metric CRS, weights and classes.

:func:`risk.zones.grid_zones` and :func:`risk.zones.admin_zones` grade a cell or a unit by the same
rule (documented in :mod:`risk.zones`): ``grade_max`` is the highest grade present, ``score`` the
severity-weighted enterprise density per km², ``grade_score`` that score classed by
:data:`DEFAULT_THRESHOLDS` (absolute breaks, per km²) or, when the thresholds are a
:class:`QuantileThresholds`, by breaks taken from the scores themselves (relative: they follow
the cell size). Every method measures in :func:`zone_metric_crs`: the given ``crs``
(checked by :func:`risk.crs.check_metric_crs`) or the policy's :func:`risk.crs.metric_crs` of
the data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from risk.crs import check_metric_crs, metric_crs
from risk.grades import GRADES, GradeError, parse_grade, parse_grades

__all__ = [
    "DEFAULT_WEIGHTS",
    "DEFAULT_THRESHOLDS",
    "QuantileThresholds",
    "DEFAULT_QUANTILES",
    "score_breaks",
    "zone_metric_crs",
    "check_enterprises",
    "check_grade_map",
    "check_thresholds",
    "check_method",
    "metric_xy",
    "grade_cells",
    "add_grade_columns",
]

DEFAULT_WEIGHTS: dict[str, float] = {g.value: float(g.severity) for g in GRADES}
"""Severity weight by grade for the weighted score: red 4, orange 3, yellow 2, blue 1."""

DEFAULT_THRESHOLDS: dict[str, float] = {"red": 30.0, "orange": 12.0, "yellow": 4.0}
"""Lower bounds of the score classes (weighted enterprises per km²); any positive score is blue."""



class QuantileThresholds(dict):
    """Relative score classes: ``{"red": 0.95, "orange": 0.80, "yellow": 0.50}`` are quantiles
    of the scores of the cells (or units) that hold enterprises.

    A cell is blue up to the ``yellow`` quantile of those scores, yellow above it up to the
    ``orange`` quantile, orange above that up to the ``red`` quantile, red above it ("above":
    strictly, so cells tied at a break stay in the lower class, and the many cells holding a
    single low-risk enterprise stay blue). The breaks therefore scale with the cell size:
    200 m hexagons and 1 km squares of the same data both come out in every class the data
    supports. :func:`score_breaks` gives the breaks in weighted enterprises per km².
    """


DEFAULT_QUANTILES = QuantileThresholds(red=0.95, orange=0.80, yellow=0.50)
"""Default relative breaks: the top 5 % of non-empty cells' scores red, the next 15 % orange,
the next 30 % yellow, the rest blue (ties stay in the lower class)."""

COUNT_COLUMNS = [f"n_{g.value}" for g in GRADES]


def check_enterprises(enterprises: gpd.GeoDataFrame) -> np.ndarray:
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



def metric_xy(gdf: gpd.GeoDataFrame, metric: pyproj.CRS) -> np.ndarray:
    """Point coordinates (n x 2) in ``metric``, transformed as arrays (no geometries built)."""
    xy = shapely.get_coordinates(gdf.geometry.to_numpy())
    if not len(xy):
        return xy.reshape(0, 2)
    to_metric = pyproj.Transformer.from_crs(gdf.crs, metric, always_xy=True)
    x, y = to_metric.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def zone_metric_crs(gdf: gpd.GeoDataFrame, crs: Any | None, *, extent: Any | None = None
                    ) -> pyproj.CRS:
    """The CRS the zones of ``gdf`` are measured in: ``crs`` if given (checked), else the policy.

    ``crs`` must be a projected metric CRS (:func:`risk.crs.check_metric_crs`: geographic CRSs
    and Web Mercator are refused). By default it is :func:`risk.crs.metric_crs` of ``gdf``, or
    of ``extent`` when ``gdf`` is empty; with neither there is nothing to measure and any metric
    CRS will do.

    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame(geometry=[Point(114.0, 22.5), Point(114.2, 22.7)], crs=4326)
    >>> zone_metric_crs(pts, None).name
    'WGS 84 / local TM 114.10°E'
    >>> zone_metric_crs(pts, "EPSG:4547").to_epsg()
    4547
    """
    if crs is not None:
        return check_metric_crs(crs)
    for place in (gdf, extent):
        if place is None or (isinstance(place, (gpd.GeoDataFrame, gpd.GeoSeries)) and not len(place)):
            continue
        return metric_crs(place)
    return metric_crs((0.0, 0.0))  # nothing to measure: the result is empty


def check_grade_map(values: Mapping[Any, float] | None, name: str, *, defaults: Mapping[str, float],
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


def check_thresholds(thresholds: Mapping[Any, float] | None) -> dict[str, float]:
    """Absolute breaks over :data:`DEFAULT_THRESHOLDS`, or a :class:`QuantileThresholds` (each
    level 0 < q < 1, over :data:`DEFAULT_QUANTILES`); red >= orange >= yellow either way."""
    relative = isinstance(thresholds, QuantileThresholds)
    out: dict[str, float] = check_grade_map(
        thresholds, "thresholds", defaults=DEFAULT_QUANTILES if relative else DEFAULT_THRESHOLDS)
    out.pop("blue", None)  # blue is "any positive score"
    if relative:
        bad = {k: v for k, v in out.items() if not 0 < v < 1}
        if bad:
            raise ValueError(f"relative `thresholds` must be quantiles between 0 and 1 "
                             f"(0.95 = top 5 %), got {bad}")
    if not out["red"] >= out["orange"] >= out["yellow"]:
        msg = f"`thresholds` must satisfy red >= orange >= yellow, got {out}"
        raise ValueError(msg)
    return QuantileThresholds(out) if relative else out


def score_breaks(score: np.ndarray, thresholds: Mapping[str, float]) -> dict[str, float]:
    """The score class breaks in weighted enterprises per km²: ``thresholds`` as they are, or,
    for a :class:`QuantileThresholds`, those quantiles of the positive scores.

    >>> score_breaks(np.array([1.0, 1, 1, 1, 2, 2, 3, 8]), QuantileThresholds(
    ...     red=0.9, orange=0.7, yellow=0.5))
    {'red': 3.0, 'orange': 2.0, 'yellow': 1.0}
    """
    if not isinstance(thresholds, QuantileThresholds):
        return {k: float(thresholds[k]) for k in ("red", "orange", "yellow")}
    positive = score[score > 0]
    if not len(positive):
        return {k: math.inf for k in ("red", "orange", "yellow")}
    return {k: float(np.quantile(positive, thresholds[k], method="lower"))
            for k in ("red", "orange", "yellow")}


def check_method(method: str) -> str:
    if method not in ("max", "score"):
        raise ValueError(f"`method` must be 'max' or 'score', got {method!r}")
    return method



def grade_cells(counts: np.ndarray, area_km2: np.ndarray, weights: dict[str, float],
                 thresholds: dict[str, float]) -> dict[str, Any]:
    """Grade rows of per-grade ``counts`` (n x 4, red first) by the documented rules."""
    w = np.array([weights[g.value] for g in GRADES])
    total = counts.sum(axis=1)
    score = np.divide(counts @ w, area_km2, out=np.zeros(len(counts)), where=area_km2 > 0)
    codes = np.array([g.value for g in GRADES], dtype=object)
    first = np.argmax(counts > 0, axis=1)
    grade_max = np.where(total > 0, codes[first], None)
    if isinstance(thresholds, QuantileThresholds):  # relative: strictly above the quantile
        b = score_breaks(score, thresholds)
        tests = [score > b["red"], score > b["orange"], score > b["yellow"], score > 0]
    else:
        tests = [score >= thresholds["red"], score >= thresholds["orange"],
                 score >= thresholds["yellow"], score > 0]
    classes = np.select(tests, ["red", "orange", "yellow", "blue"], default="").astype(object)
    # numpy's stubs reject None as a branch value; at run time it gives an object array
    grade_score = np.where((total > 0) & (classes != ""), classes, None)  # type: ignore[call-overload]
    out: dict[str, Any] = {"grade_max": grade_max, "grade_score": grade_score, "score": score}
    for j, col in enumerate(COUNT_COLUMNS):
        out[col] = counts[:, j].astype(np.int64)
    out["n_total"] = total.astype(np.int64)
    out["area_km2"] = area_km2
    return out


def add_grade_columns(frame: pd.DataFrame, method: str) -> pd.DataFrame:
    grade = frame["grade_max" if method == "max" else "grade_score"]
    by_code = {g.value: g for g in GRADES}
    frame.insert(0, "grade", grade)
    for attr in ("label_zh", "label_en", "color"):
        frame[attr] = grade.map(lambda c, a=attr: getattr(by_code[c], a) if c in by_code else None)
    return frame

