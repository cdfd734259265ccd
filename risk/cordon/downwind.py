"""The downwind protective-action area (ERG style) and what lies in it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from risk.cordon.index import ExposureIndex
from risk.cordon.rings import Cordon, _radii_problems, validate_incident
from risk.crs import aeqd_transformers
from risk.grades import GRADES

__all__ = ["downwind_zone", "validate_wind"]


def validate_wind(
    wind_from_deg: object, downwind_m: object = None, *, radii_m: Sequence[float],
) -> tuple[float | None, float | None]:
    """Check an incident's wind: ``(wind_from_deg, downwind_m)`` normalised, or ``ValueError``
    in Chinese and English (distances worded in km, as the user types them).

    ``wind_from_deg``: where the wind blows *from*, degrees clockwise from north, 0–360 (360 is
    kept as 0); ``None`` or empty: no wind, and then no downwind distance may be given.
    ``downwind_m``: how far the downwind area reaches, by the radii rules (positive, at most
    :data:`~risk.cordon.rings.MAX_RADIUS_M`); left out, it is the outer radius of ``radii_m``
    (the default the incident keeps).

    >>> validate_wind(90, None, radii_m=(1000.0, 5000.0))
    (90.0, 5000.0)
    >>> validate_wind(None, None, radii_m=(1000.0,))
    (None, None)
    """
    wind = _number_or_none(wind_from_deg)
    reach = _number_or_none(downwind_m)
    problems: list[str] = []
    if wind is not None and not (math.isfinite(wind) and 0 <= wind <= 360):
        problems.append(f"风向须为 0–360 度 / `wind_from_deg` must be 0–360 degrees, got "
                        f"{wind_from_deg!r}")
    if reach is not None:
        if wind is None:
            problems.append("给出下风向距离时须同时给出风向 / a downwind distance needs a wind "
                            "direction (`wind_from_deg`)")
        else:
            problems += [f"下风向距离 downwind distance: {p}"
                         for p in _radii_problems([reach / 1000.0], unit="km")]
    if problems:
        raise ValueError("; ".join(problems))
    if wind is None:
        return None, None
    return float(wind) % 360.0, float(reach) if reach is not None else float(max(radii_m))


def _number_or_none(value: object) -> float | None:
    """A number from ``value`` (``None`` or blank text: ``None``; not a number: NaN)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def downwind_zone(
    center: tuple[float, float] | Cordon,
    *,
    wind_from_deg: float,
    distance_m: float,
    width_m: float | None = None,
    start_m: float = 0.0,
) -> shapely.Polygon:
    """An ERG-style protective-action area downwind of the incident, in EPSG:4326.

    A rectangle in the incident's azimuthal-equidistant CRS: it runs from ``start_m`` to
    ``distance_m`` downwind (the wind blows *from* ``wind_from_deg``, clockwise from north) and is
    ``width_m`` wide (default: as wide as it is long, the ERG "square" downwind of the
    isolation zone).

    ``center`` is ``(lon, lat)`` (validated here) or a :class:`~risk.cordon.rings.Cordon`
    (already validated; only ``distance_m`` is checked, by the radii rules).
    """
    if isinstance(center, Cordon):
        lon, lat = center.lon, center.lat
        problems = _radii_problems([float(distance_m)])
        if problems:
            raise ValueError("; ".join(problems))
    else:
        lon, lat, _ = validate_incident(center[0], center[1], [distance_m])
    if not 0 <= start_m < distance_m:
        msg = f"`start_m` must be 0 <= start_m < distance_m ({distance_m:g}), got {start_m!r}"
        raise ValueError(msg)
    width = float(width_m) if width_m is not None else float(distance_m)
    if width <= 0:
        raise ValueError(f"`width_m` must be positive metres, got {width_m!r}")
    to_az = math.radians((float(wind_from_deg) + 180.0) % 360.0)
    ux, uy = math.sin(to_az), math.cos(to_az)  # downwind unit vector (east, north)
    px, py = uy, -ux  # perpendicular
    half = width / 2
    corners = [
        (start_m * ux + half * px, start_m * uy + half * py),
        (distance_m * ux + half * px, distance_m * uy + half * py),
        (distance_m * ux - half * px, distance_m * uy - half * py),
        (start_m * ux - half * px, start_m * uy - half * py),
    ]
    local = shapely.segmentize(shapely.Polygon(corners), 100.0)
    to_geo = aeqd_transformers(lon, lat)[1]
    geo = shapely.transform(local, lambda xy: np.column_stack(to_geo.transform(*xy.T)))
    return shapely.orient_polygons(geo) if hasattr(shapely, "orient_polygons") else geo



def _downwind_exposure(
    index: ExposureIndex, cordon: Cordon, *, wind_from_deg: float, distance_m: float,
) -> dict[str, Any]:
    """The downwind area of ``cordon`` and the enterprises, major hazards and shelters in it."""
    area = downwind_zone(cordon, wind_from_deg=wind_from_deg, distance_m=distance_m)
    ent, sh = index.enterprises, index.shelters
    dbox = shapely.bounds(area)
    dpos = ent.in_box(tuple(dbox))
    inside = shapely.contains_xy(area, ent.lon[dpos], ent.lat[dpos])
    dpos = dpos[inside]
    g = index.grade_code[dpos]
    spos = sh.in_box(tuple(dbox))
    spos = spos[shapely.contains_xy(area, sh.lon[spos], sh.lat[spos])]
    return {
        "wind_from_deg": float(wind_from_deg), "distance_m": distance_m, "geometry": area,
        "enterprises": {gr.value: int(np.sum(g == i)) for i, gr in enumerate(GRADES)},
        "major_hazard": int(index.major_hazard[dpos].sum()),
        "shelters": int(spos.size),
    }
