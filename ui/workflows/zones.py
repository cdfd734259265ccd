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
"""

from __future__ import annotations

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
    "METHODS", "SHAPES", "GRADE_BY", "ZoneParams", "zone_params", "parse_grade_values",
    "compute_zones", "dataset_zones", "state_zones",
]

METHODS: dict[str, tuple[str, str]] = {
    "influence": ("影响范围", "influence zones"),
    "grid": ("网格", "grid"),
    "admin": ("行政单元", "administrative units"),
}
"""The zone methods and their names ``(zh, en)``."""
SHAPES = ("square", "hex")
GRADE_BY = ("max", "score")
DEFAULT_CELL_M = 1000.0


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

    def key(self) -> tuple:
        """A hashable key (for caches): every field, mappings as sorted items."""
        return tuple((k, tuple(sorted(v.items())) if isinstance(v, Mapping) else v)
                     for k, v in asdict(self).items())


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
    spell: Callable[[str], str] = _backticks,
) -> ZoneParams:
    """Check the zones parameters once; errors name the parameter as ``spell(name)`` spells it.

    Parameters
    ----------
    method
        ``influence``, ``grid`` or ``admin`` (:data:`METHODS`).
    cell_m
        Grid cell size in metres (a number or its text), > 0.
    shape, grade_by
        ``square``/``hex`` and ``max``/``score``.
    radii_m, weights, thresholds
        By grade, as a mapping or as text ``"red=1000,orange=500"``; ``None`` keeps the
        defaults of :mod:`risk.zones`.
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
    try:
        cell = float(cell_m)
    except (TypeError, ValueError):
        cell = math.nan
    if not math.isfinite(cell) or cell <= 0:
        raise ValueError(f"{spell('cell_m')} must be a positive number of metres; got {cell_m!r}")
    return ZoneParams(
        method=method, cell_m=cell, shape=shape, grade_by=grade_by,
        radii_m=_grade_values(radii_m, "radii_m", spell),
        weights=_grade_values(weights, "weights", spell),
        thresholds=_grade_values(thresholds, "thresholds", spell),
    )


def compute_zones(enterprises: gpd.GeoDataFrame, params: ZoneParams, *,
                  units: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The zones of ``enterprises`` by ``params.method`` (``units``: the polygons of ``admin``)."""
    from risk.zones import (
        DEFAULT_BUFFER_M,
        DEFAULT_THRESHOLDS,
        DEFAULT_WEIGHTS,
        admin_zones,
        grid_zones,
        influence_zones,
    )

    weights = DEFAULT_WEIGHTS if params.weights is None else params.weights
    thresholds = DEFAULT_THRESHOLDS if params.thresholds is None else params.thresholds
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
