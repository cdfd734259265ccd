"""The dangerous-slope workflow: zones from the DEM, checked against the registered slopes.

``riskmap slopes`` and the terrain tab call :func:`dangerous_slopes`; the DEM and population
rasters are the caller's files or, by default, the dataset's. The rule itself is documented in
:mod:`risk.slopes`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from risk.rasters import RasterError

if TYPE_CHECKING:
    import geopandas as gpd

    from data.dataset import Dataset

__all__ = ["MissingRasterError", "SlopeResult", "dataset_raster", "dangerous_slopes",
           "check_slope_thresholds", "ANGLE_RANGE_DEG", "RELIEF_RANGE_M"]


class MissingRasterError(RasterError):
    """The dataset has no raster ``name`` (``dem``, ``population``) and none was given."""

    def __init__(self, name: str) -> None:
        super().__init__(f"the dataset has no {name}.tif")
        self.name = name


@dataclass(frozen=True)
class SlopeResult:
    """Computed dangerous-slope zones and the registered slopes with ``overlap``/``confirmed``."""

    zones: gpd.GeoDataFrame
    registered: gpd.GeoDataFrame


def dataset_raster(dataset: Dataset, name: str, given: str | os.PathLike[str] | None = None,
                   *, required: bool = True) -> Path | None:
    """``given`` if not ``None``, else the dataset's raster ``name``.

    Raises :class:`MissingRasterError` when neither exists and ``required``.
    """
    if given is not None:
        return Path(given)
    path = dataset.raster_path(name)
    if path is None and required:
        raise MissingRasterError(name)
    return path


ANGLE_RANGE_DEG = (5.0, 80.0)
"""Slope-angle thresholds the terrain tab and ``riskmap slopes`` accept, in degrees."""
RELIEF_RANGE_M = (1.0, 500.0)
"""Relief (height difference) thresholds accepted, in metres."""


def check_slope_thresholds(angle: object, relief: object) -> tuple[float, float]:
    """``(angle, relief)`` as numbers within :data:`ANGLE_RANGE_DEG` / :data:`RELIEF_RANGE_M`;
    a ValueError naming the value otherwise (never a silent default).

    >>> check_slope_thresholds("30", 12)
    (30.0, 12.0)
    >>> check_slope_thresholds(100, 10)
    Traceback (most recent call last):
    ...
    ValueError: `min_angle_deg` must be between 5 and 80 degrees; got 100
    """
    out = []
    for value, name, (lo, hi), unit in ((angle, "min_angle_deg", ANGLE_RANGE_DEG, "degrees"),
                                        (relief, "min_relief_m", RELIEF_RANGE_M, "metres")):
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = float("nan")
        if not lo <= number <= hi:
            raise ValueError(f"`{name}` must be between {lo:g} and {hi:g} {unit}; got {value!r}")
        out.append(number)
    return out[0], out[1]


def dangerous_slopes(
    dataset: Dataset,
    *,
    dem: str | os.PathLike[str] | None = None,
    population: str | os.PathLike[str] | None = None,
    min_angle_deg: float = 25.0,
    min_relief_m: float = 10.0,
    min_area_m2: float = 2_000.0,
    buffer_m: float = 100.0,
    slope_path: str | os.PathLike[str] | None = None,
) -> SlopeResult:
    """Dangerous-slope zones of ``dataset`` and its registered slopes checked against them.

    Parameters
    ----------
    dataset
        The enterprises below a zone, the registered ``slopes`` and (by default) the rasters.
    dem, population
        GeoTIFFs to use instead of the dataset's ``dem.tif`` / ``population.tif`` (the
        population is optional: without one nobody counts as below a zone).
    min_angle_deg, min_relief_m, min_area_m2, buffer_m
        The thresholds of :func:`risk.slopes.dangerous_slope_zones`, checked there.
    slope_path
        Also write the slope raster there, in the same pass.

    Raises
    ------
    MissingRasterError
        No ``dem`` given and the dataset has none.
    risk.rasters.RasterError, ValueError
        A raster that cannot be used, a threshold out of range.
    """
    from risk.slopes import compare_registered, dangerous_slope_zones

    dem_path = dataset_raster(dataset, "dem", dem)
    assert dem_path is not None  # required: dataset_raster raised otherwise
    pop_path = dataset_raster(dataset, "population", population, required=False)
    zones = dangerous_slope_zones(
        dem_path, min_angle_deg=float(min_angle_deg), min_relief_m=float(min_relief_m),
        min_area_m2=float(min_area_m2), population=pop_path, enterprises=dataset.enterprises,
        buffer_m=float(buffer_m), slope_path=slope_path,
    )
    return SlopeResult(zones=zones, registered=compare_registered(zones, dataset.layer("slopes")))
