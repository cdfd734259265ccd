"""The zones workflow: parameters parsed once, one dispatch to the three zone methods.

``riskmap zones`` and the zones tab (and the print tab, which prints the zones the tab shows)
call the same functions:

>>> params = zone_params(method="grid", cell_m="500", shape="hex")
>>> params.method, params.cell_m, params.shape
('grid', 500.0, 'hex')
>>> zone_params(method="voronoi")
Traceback (most recent call last):
...
ValueError: `method` must be one of influence, grid, admin; got 'voronoi'
>>> parse_grade_values("red=2000，橙=800", name="--radii-m")
{'red': 2000.0, 'orange': 800.0}

Score breaks (``grade_by="score"``): ``breaks="quantile"`` classes the cells relative to each
other (``thresholds`` are percentiles of the non-empty cells' scores, default red 95, orange 80,
yellow 50: :data:`risk.zone_rules.DEFAULT_QUANTILES`), so the classes follow the cell size;
``breaks="absolute"`` uses ``thresholds`` as weighted enterprises per km² (default red 30,
orange 12, yellow 4). ``breaks="auto"`` (the default) is quantile unless thresholds are given.

Zones follow the analyst's filter when ``enterprise_filter`` is given (the analyst tab's grades,
industries, districts, major-hazard flag and ``inspected_before`` date).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from risk.grades import GradeError, parse_grade

if TYPE_CHECKING:
    import geopandas as gpd

    from data.dataset import Dataset
    from ui.state import AppState

__all__ = [
    "METHODS", "SHAPES", "GRADE_BY", "BREAKS", "ZoneParams", "zone_params", "parse_grade_values",
    "compute_zones", "dataset_zones", "state_zones", "filtered_enterprises",
    "CELL_RANGE_M", "RADIUS_RANGE_M",
]

METHODS: dict[str, tuple[str, str]] = {
    "influence": ("影响范围", "influence zones"),
    "grid": ("网格", "grid"),
    "admin": ("行政单元", "administrative units"),
}
"""The zone methods and their names ``(zh, en)``."""
SHAPES = ("square", "hex")
GRADE_BY = ("max", "score")
BREAKS = ("auto", "quantile", "absolute")
DEFAULT_CELL_M = 1000.0
CELL_RANGE_M = (50.0, 50_000.0)
"""Grid cell sizes accepted, in metres (smaller cells hold at most one enterprise each)."""
RADIUS_RANGE_M = (1.0, 20_000.0)
"""Influence radii accepted, in metres."""
FILTER_KEYS = ("grades", "industries", "districts", "major", "inspected_before")


def _backticks(name: str) -> str:
    return f"`{name}`"


@dataclass(frozen=True)
class ZoneParams:
    """Checked parameters of one zones computation (see :func:`zone_params`)."""

    method: str = "influence"
    cell_m: float = DEFAULT_CELL_M
    shape: str = "square"
    grade_by: str = "max"
    radii_m: Mapping[str, float] | None = None
    weights: Mapping[str, float] | None = None
    thresholds: Mapping[str, float] | None = None
    breaks: str = "auto"
    enterprise_filter: Mapping[str, Any] | None = None

    def key(self) -> tuple:
        """A hashable key (for caches): every field, mappings as sorted JSON."""
        return tuple((k, json.dumps(v, sort_keys=True, ensure_ascii=False)
                      if isinstance(v, Mapping) else v) for k, v in asdict(self).items())

    @property
    def relative(self) -> bool:
        """Whether score classes are quantiles (``breaks`` quantile, or auto without thresholds)."""
        return self.breaks == "quantile" or (self.breaks == "auto" and self.thresholds is None)


def parse_grade_values(text: str, *, name: str = "values") -> dict[str, float]:
    """``"red=1000,橙=500"`` (also ``，`` and ``:``/``：``) → ``{"red": 1000.0, "orange": 500.0}``.

    Raises ``ValueError`` naming ``name`` for a missing ``=``, an unknown grade, a value that is
    not a positive number, or nothing at all.
    """
    out: dict[str, float] = {}
    for item in [p for p in str(text).replace("，", ",").split(",") if p.strip()]:
        key, sep, value = item.replace("：", "=").replace(":", "=").partition("=")
        if not sep:
            raise ValueError(f"{name} must look like red=1000,orange=500; got {item!r}")
        try:
            code = parse_grade(key).value
        except GradeError as exc:
            raise ValueError(f"{name}: {exc}") from None
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{name}: {key.strip()}= needs a number, got {value!r}") from None
        if not math.isfinite(number) or number <= 0:
            raise ValueError(f"{name}: {key.strip()}= must be positive, got {value!r}")
        out[code] = number
    if not out:
        raise ValueError(f"{name} must look like red=1000,orange=500; got {text!r}")
    return out


def _grade_values(value: Any, field: str, spell: Callable[[str], str]
                  ) -> dict[str, float] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_grade_values(value, name=spell(field))
    if not isinstance(value, Mapping):
        raise ValueError(f"{spell(field)} must map grades to numbers, got {value!r}")
    return dict(value)  # keys and numbers are checked by risk.zones, which owns the rule


def zone_params(
    *,
    method: str = "influence",
    cell_m: Any = DEFAULT_CELL_M,
    shape: str = "square",
    grade_by: str = "max",
    radii_m: Mapping[str, float] | str | None = None,
    weights: Mapping[str, float] | str | None = None,
    thresholds: Mapping[str, float] | str | None = None,
    breaks: str = "auto",
    enterprise_filter: Mapping[str, Any] | None = None,
    spell: Callable[[str], str] = _backticks,
) -> ZoneParams:
    """Check the zones parameters once; errors name the parameter as ``spell(name)`` spells it.

    Parameters
    ----------
    method
        ``influence``, ``grid`` or ``admin`` (:data:`METHODS`).
    cell_m
        Grid cell size in metres (a number or its text), 50 to 50,000 (:data:`CELL_RANGE_M`).
    shape, grade_by
        ``square``/``hex`` and ``max``/``score``.
    radii_m, weights, thresholds
        By grade, as a mapping or as text ``"red=1000,orange=500"``; ``None`` keeps the
        defaults of :mod:`risk.zones`. Radii 1 to 20,000 m; thresholds are percentiles
        (0–100) with quantile breaks, weighted enterprises per km² with absolute breaks.
    breaks
        ``auto`` (quantile unless thresholds are given), ``quantile`` or ``absolute``.
    enterprise_filter
        Only the enterprises passing this filter (keys :data:`FILTER_KEYS`).
    spell
        How a parameter is named in messages: ```cell_m``` by default, ``--cell-m`` for the CLI.

    Raises
    ------
    ValueError
        The first bad parameter, e.g. ``--method must be one of influence, grid, admin; got 'x'``.
    """
    if method not in METHODS:
        raise ValueError(f"{spell('method')} must be one of {', '.join(METHODS)}; got {method!r}")
    if shape not in SHAPES:
        raise ValueError(f"{spell('shape')} must be square or hex; got {shape!r}")
    if grade_by not in GRADE_BY:
        raise ValueError(f"{spell('grade_by')} must be max or score; got {grade_by!r}")
    if breaks not in BREAKS:
        raise ValueError(f"{spell('breaks')} must be one of {', '.join(BREAKS)}; got {breaks!r}")
    try:
        cell = float(cell_m)
    except (TypeError, ValueError):
        cell = math.nan
    if not math.isfinite(cell) or cell <= 0:
        raise ValueError(f"{spell('cell_m')} must be a positive number of metres; got {cell_m!r}")
    lo, hi = CELL_RANGE_M
    if not lo <= cell <= hi:
        raise ValueError(f"{spell('cell_m')} must be between {lo:,.0f} and {hi:,.0f} metres; "
                         f"got {cell_m!r}")
    radii = _grade_values(radii_m, "radii_m", spell)
    for grade, value in (radii or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not RADIUS_RANGE_M[0] <= number <= RADIUS_RANGE_M[1]:
            raise ValueError(f"{spell('radii_m')} {grade} must be between "
                             f"{RADIUS_RANGE_M[0]:,.0f} and {RADIUS_RANGE_M[1]:,.0f} metres; "
                             f"got {value!r}")
    levels = _grade_values(thresholds, "thresholds", spell)
    params = ZoneParams(
        method=method, cell_m=cell, shape=shape, grade_by=grade_by, radii_m=radii,
        weights=_grade_values(weights, "weights", spell), thresholds=levels, breaks=breaks,
        enterprise_filter=_check_filter(enterprise_filter, spell),
    )
    if params.relative and levels is not None:
        bad = {k: v for k, v in levels.items() if not 0 < float(v) < 100}
        if bad:
            raise ValueError(f"{spell('thresholds')} with quantile breaks are percentiles "
                             f"between 0 and 100 (95 = top 5 %); got {bad}")
    return params


def _check_filter(flt: Mapping[str, Any] | None, spell: Callable[[str], str]
                  ) -> dict[str, Any] | None:
    if flt is None:
        return None
    if not isinstance(flt, Mapping) or set(flt) - set(FILTER_KEYS):
        raise ValueError(f"{spell('enterprise_filter')} must have only the keys "
                         f"{', '.join(FILTER_KEYS)}; got {flt!r}")
    out: dict[str, Any] = {}
    for key in ("grades", "industries", "districts"):
        if flt.get(key) is not None:
            out[key] = sorted(str(v) for v in flt[key])
    out["major"] = bool(flt.get("major"))
    before = flt.get("inspected_before")
    if before:
        try:
            out["inspected_before"] = dt.date.fromisoformat(str(before)).isoformat()
        except ValueError:
            raise ValueError(f"{spell('enterprise_filter')} inspected_before must be a date "
                             f"YYYY-MM-DD; got {before!r}") from None
    return out


def filtered_enterprises(enterprises: gpd.GeoDataFrame, flt: Mapping[str, Any] | None
                         ) -> gpd.GeoDataFrame:
    """The enterprises that pass ``flt`` (see :func:`zone_params`); all of them for ``None``."""
    if not flt:
        return enterprises
    from data.table_export import overdue_mask
    from risk.stats import filter_mask

    mask = filter_mask(enterprises, dict(flt))
    if flt.get("inspected_before"):
        mask &= overdue_mask(enterprises, before=dt.date.fromisoformat(flt["inspected_before"]))
    return enterprises[mask]


def compute_zones(enterprises: gpd.GeoDataFrame, params: ZoneParams, *,
                  units: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The zones of ``enterprises`` by ``params.method`` (``units``: the polygons of ``admin``)."""
    from risk.zone_rules import DEFAULT_QUANTILES, QuantileThresholds
    from risk.zones import (
        DEFAULT_BUFFER_M,
        DEFAULT_THRESHOLDS,
        DEFAULT_WEIGHTS,
        admin_zones,
        grid_zones,
        influence_zones,
    )

    weights = DEFAULT_WEIGHTS if params.weights is None else params.weights
    thresholds: Mapping[str, float]
    if params.relative:
        thresholds = DEFAULT_QUANTILES if params.thresholds is None else QuantileThresholds(
            {k: float(v) / 100 for k, v in params.thresholds.items()})
    else:
        thresholds = DEFAULT_THRESHOLDS if params.thresholds is None else params.thresholds
    enterprises = filtered_enterprises(enterprises, params.enterprise_filter)
    if params.method == "grid":
        return grid_zones(enterprises, cell_m=params.cell_m, shape=params.shape,
                          method=params.grade_by, weights=weights, thresholds=thresholds)
    if params.method == "admin":
        if units is None:
            raise ValueError("`units` must be given for method 'admin' (districts or any "
                             "polygon layer with a 'name' column)")
        return admin_zones(enterprises, units, method=params.grade_by, weights=weights,
                           thresholds=thresholds)
    return influence_zones(enterprises,
                           radii_m=DEFAULT_BUFFER_M if params.radii_m is None else params.radii_m)


def dataset_zones(dataset: Dataset, params: ZoneParams, *,
                  units: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """:func:`compute_zones` of a dataset's enterprises; ``admin`` uses its districts by default."""
    if params.method == "admin" and units is None:
        units = dataset.districts
    return compute_zones(dataset.enterprises, params, units=units)


def state_zones(state: AppState, params: ZoneParams | Mapping[str, Any]) -> gpd.GeoDataFrame:
    """:func:`dataset_zones` of the app's dataset, cached per data version and parameters.

    ``params`` may be the plain dict the zones tab stores (``method``, ``radii_m``, ``cell_m``,
    ``shape``, ``grade_by``); it is checked by :func:`zone_params`.
    """
    checked = params if isinstance(params, ZoneParams) else zone_params(**params)
    return state.cached(("zones", checked.key()), lambda: dataset_zones(state.dataset, checked))
