"""Print maps: the checks of every argument and the selection of what to draw.

Each ``_check_*`` function turns one argument of :func:`layers.printmap.render_map_pdf` into a
value it can use or raises :class:`PrintMapError` naming the argument and listing the valid
values. The incident is checked by the one incident validation,
:func:`risk.cordon.validate_incident` (:func:`check_incident`), once per request.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data.schema import VECTOR_LAYERS
from risk.cordon import Cordon, validate_incident
from risk.grades import Grade, GradeError, parse_grade

__all__ = [
    "PrintMapError",
    "EmptyMapError",
    "DEFAULT_LAYERS",
    "PRINT_LAYERS",
    "CONTEXT_LAYERS",
    "resolve_districts",
    "check_incident",
]

DEFAULT_LAYERS: tuple[str, ...] = ("districts", "roads", "enterprises")
PRINT_LAYERS: tuple[str, ...] = tuple(VECTOR_LAYERS)
"""Layers a print map can show (drawn bottom to top in :data:`layers.print_draw.DRAW_ORDER`)."""
CONTEXT_LAYERS = frozenset({"districts", "roads"})
"""Layers drawn for context: shown whole in the frame, never filtered to the chosen districts."""


class PrintMapError(ValueError):
    """A print-map argument that cannot be used; the message names it and lists valid values."""


class EmptyMapError(PrintMapError):
    """The extent and filters leave nothing to draw."""


def _check_choice(name: str, value: str, valid: Iterable[str]) -> str:
    valid = list(valid)
    for option in valid:
        if str(value).strip().lower() == option.lower():
            return option
    raise PrintMapError(f"`{name}` must be one of {', '.join(valid)}, got {value!r}")


def _check_layers(layers: Sequence[str]) -> tuple[str, ...]:
    if isinstance(layers, str):
        layers = [p for p in layers.split(",") if p.strip()]
    names = [str(n).strip() for n in layers]
    unknown = [n for n in names if n not in PRINT_LAYERS]
    if unknown:
        msg = (f"`layers`: unknown layer(s) {', '.join(map(repr, unknown))}; valid layers: "
               f"{', '.join(PRINT_LAYERS)}")
        raise PrintMapError(msg)
    if not names:
        raise PrintMapError(f"`layers` is empty; choose from {', '.join(PRINT_LAYERS)}")
    return tuple(dict.fromkeys(names))


def _check_grades(grades: Iterable[object] | None) -> tuple[Grade, ...] | None:
    if grades is None:
        return None
    if isinstance(grades, str):
        grades = [p for p in grades.split(",") if p.strip()]
    try:
        parsed = sorted({parse_grade(g) for g in grades})
    except GradeError as exc:
        raise PrintMapError(f"`grades`: {exc}") from exc
    if not parsed:
        raise PrintMapError("`grades` is empty; give at least one of red, orange, yellow, blue")
    return tuple(parsed)


def _check_districts(names: Iterable[str] | str | None, districts: gpd.GeoDataFrame) -> list[str]:
    if names is None:
        return []
    if isinstance(names, str):
        names = [names]
    lookup: dict[str, str] = {}
    for _, row in districts.iterrows():
        for key in (row.get("name", ""), row.get("name_en", ""), row.get("code", "")):
            if key:
                lookup[str(key).strip().lower()] = row["name"]
    chosen, unknown = [], []
    for name in names:
        hit = lookup.get(str(name).strip().lower())
        if hit is None:
            unknown.append(name)
        elif hit not in chosen:
            chosen.append(hit)
    if unknown:
        valid = ", ".join(f"{r['name']} ({r['name_en']})" if r.get("name_en") else r["name"]
                          for _, r in districts.iterrows()) or "none (the dataset has no districts)"
        msg = f"`districts_filter`: unknown district(s) {', '.join(map(repr, unknown))}; " \
              f"valid districts: {valid}"
        raise PrintMapError(msg)
    return chosen


def resolve_districts(dataset: Any, names: Iterable[str] | str) -> list[str]:
    """The dataset's district names (``name`` column) for names given in 中文, English or adcode.

    Raises :class:`PrintMapError` listing the valid districts when one is unknown.
    """
    return _check_districts(names, dataset.districts)


def _check_industries(values: Iterable[str] | str | None, present: pd.Series) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [p for p in values.split(",") if p.strip()]
    from data.schema import INDUSTRIES

    valid = list(dict.fromkeys([*INDUSTRIES, *sorted(set(present.dropna().astype(str)) - {""})]))
    out: list[str] = []
    unknown: list[str] = []
    for value in values:
        text = str(value).strip()
        match = next((v for v in valid if text.lower() in (v.lower(),
                                                            INDUSTRIES.get(v, "").lower())), None)
        (out if match else unknown).append(match or value)
    if unknown:
        raise PrintMapError(f"`industries`: unknown industr(ies) {', '.join(map(repr, unknown))};"
                            f" valid: {', '.join(valid)}")
    return out


def _check_extent(extent: Sequence[float] | None) -> tuple[float, float, float, float] | None:
    if extent is None:
        return None
    try:
        west, south, east, north = (float(v) for v in extent)
    except (TypeError, ValueError) as exc:
        msg = f"`extent` must be (west, south, east, north) in degrees, got {extent!r}"
        raise PrintMapError(msg) from exc
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        msg = (f"`extent` must be (west, south, east, north) with west < east, south < north, "
               f"longitudes -180..180 and latitudes -90..90, got {extent!r}")
        raise PrintMapError(msg)
    return west, south, east, north



def check_incident(incident: Cordon | Sequence[Any] | None, *,
                   region: shapely.Geometry | None = None) -> Cordon | None:
    """The print map's incident: a :class:`~risk.cordon.Cordon` as it is (validated by the
    caller), or ``(lon, lat, radii_m)`` validated here by :func:`risk.cordon.validate_incident`
    with ``region`` (the same rules as the incident tab: nothing is sorted or de-duplicated)."""
    if incident is None or isinstance(incident, Cordon):
        return incident
    try:
        lon, lat, radii = incident
    except (TypeError, ValueError) as exc:
        msg = f"`incident` must be (lon, lat, radii_m), e.g. (114.05, 22.54, (1000, 5000)), " \
              f"got {incident!r}"
        raise PrintMapError(msg) from exc
    try:
        return validate_incident(lon, lat, radii, region=region)
    except ValueError as exc:
        raise PrintMapError(f"`incident`: {exc}") from exc


def _in_bbox(gdf: gpd.GeoDataFrame, bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """The rows of ``gdf`` whose geometry intersects ``bbox``: decided on the geometries' bounds,
    and only those crossing the box's edge tested exactly (a page of the atlas selects from
    every layer twice)."""
    if gdf.empty:
        return gdf
    geoms = gdf.geometry.values
    b = shapely.bounds(geoms)  # NaN for empty geometries: never kept
    w, s, e, n = bbox
    inside = (b[:, 0] >= w) & (b[:, 2] <= e) & (b[:, 1] >= s) & (b[:, 3] <= n)
    edge = (b[:, 0] <= e) & (b[:, 2] >= w) & (b[:, 1] <= n) & (b[:, 3] >= s) & ~inside
    if edge.any():
        inside[edge] = shapely.intersects(np.asarray(geoms)[edge], shapely.box(*bbox))
    return gdf[inside]


def _filter_to_districts(gdf: gpd.GeoDataFrame, chosen: list[str],
                         area: shapely.Geometry | None) -> gpd.GeoDataFrame:
    if not chosen or gdf.empty:
        return gdf
    keep = pd.Series(False, index=gdf.index)
    if "district" in gdf.columns:
        keep |= gdf["district"].astype(str).isin(chosen)
    if area is not None:
        area = shapely.from_wkb(shapely.to_wkb(area))  # a copy to prepare (10x faster)
        shapely.prepare(area)
        keep |= shapely.intersects(area, np.asarray(gdf.geometry.values))
    return gdf[keep]


def _data_frames(dataset: Any, layers: tuple[str, ...], *, grades: tuple[Grade, ...] | None,
                 industries: list[str] | None, chosen: list[str], area: shapely.Geometry | None,
                 major_only: bool) -> dict[str, gpd.GeoDataFrame]:
    frames: dict[str, gpd.GeoDataFrame] = {}
    for name in layers:
        gdf = dataset.layer(name)
        if name == "enterprises" and len(gdf):
            if grades is not None:
                gdf = gdf[gdf["grade"].isin([g.value for g in grades])]
            if industries is not None:
                gdf = gdf[gdf["industry"].astype(str).isin(industries)]
            if major_only:
                gdf = gdf[gdf["major_hazard"].fillna(False).astype(bool)]
        if name not in CONTEXT_LAYERS:
            gdf = _filter_to_districts(gdf, chosen, area)
        frames[name] = gdf
    return frames


def _padded(bounds: tuple[float, float, float, float], frac: float = 0.05,
            ) -> tuple[float, float, float, float]:
    w, s, e, n = bounds
    dx, dy = max(e - w, 0.005) * frac, max(n - s, 0.005) * frac
    if e - w < 0.005:
        w, e = w - 0.0025, e + 0.0025
    if n - s < 0.005:
        s, n = s - 0.0025, n + 0.0025
    return w - dx, s - dy, e + dx, n + dy
