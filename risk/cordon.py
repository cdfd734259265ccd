"""Incident cordons: geodesic 1/5/10 km rings and what lies in each zone.

The rule in force is "10 公里警戒、5 公里管制、1 公里核心区禁入": a core no-entry disk of 1 km,
a 1–5 km traffic-control ring and a 5–10 km warning ring. Radii are configurable and extra
rings may be added (named "外围 10–15 km" …).

Geometry
    Rings are built in a local azimuthal-equidistant CRS centred on the incident
    (``+proj=aeqd +lat_0 +lon_0 +datum=WGS84 +units=m``), where the distance of any point from
    the centre *is* its geodesic distance, so every boundary vertex lies on the true geodesic
    circle (to proj's precision, ~1e-9 m). The number of vertices is chosen so that the chord
    sag between vertices, ``r * (1 - cos(pi / n))``, stays below ``max_sag_m`` (0.5 m by default):
    at least 256 segments; 10 km → 320 segments, sag 0.48 m; 1 km → 256, sag 0.08 m.

Membership
    Points are classified EXACTLY by ``pyproj.Geod.inv`` distance from the centre (a point at
    distance ``d`` is in the zone with ``inner_m <= d < outer_m``). For speed, points are first
    cut to a lon/lat box around the largest ring (lat-sorted arrays + binary search), then
    measured with an ellipsoidal mid-latitude formula whose error is below 2e-5 of the distance
    at 45 N (1.3e-4 at 70 N, 120 km); every point whose approximate distance lies within
    ``1e-3 * r + 1 m`` of a boundary ``r`` is re-measured with ``Geod.inv``. The result is
    identical to measuring every point with ``Geod.inv``, at a fraction of the cost.

Population
    Only the raster window around the incident is read. Each cell is split into k x k sub-cells
    carrying 1/k² of its people (people assumed uniform within a cell), and each sub-cell goes to
    the zone holding its centre by geodesic distance: a sampled fractional coverage. k is chosen
    so that sub-cells are at most 1/16 of the smallest radius (≤ 8 x 8; ``population_subcells=1``
    gives plain cell centres); only cells that a boundary may cross are split. On a uniform
    raster this matches π r² to within 1 % (tested). A GeoTIFF of up to 25M cells is read into
    memory once by :class:`ExposureIndex`; a larger one is read window by window.

Dangerous slopes
    A slope polygon is counted in the zone of its nearest point to the incident (measured in the
    incident's azimuthal-equidistant CRS), so a slope reaching into the core counts as core.

>>> rings = cordon_rings((114.0579, 22.5431))
>>> list(rings["zone"]), list(rings["outer_m"])
(['core', 'control', 'warning'], [1000.0, 5000.0, 10000.0])
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from risk.grades import GRADES

__all__ = [
    "Zone",
    "DEFAULT_ZONES",
    "DEFAULT_RADII_M",
    "MAX_RINGS",
    "MAX_RADIUS_M",
    "REGION_LIMIT_M",
    "zones_for",
    "validate_incident",
    "cordon_rings",
    "ExposureIndex",
    "Exposure",
    "exposure",
    "downwind_zone",
    "geodesic_distance",
    "find_enterprises",
    "local_crs",
]

GEOD = pyproj.Geod(ellps="WGS84")
_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)

MAX_RINGS = 8
MAX_RADIUS_M = 100_000.0
REGION_LIMIT_M = 50_000.0
"""An incident more than this far (geodesic) from the dataset's region is refused."""


@dataclass(frozen=True)
class Zone:
    """One cordon zone: ``inner_m <= distance < outer_m`` from the incident."""

    zone: str
    name_zh: str
    name_en: str
    inner_m: float
    outer_m: float

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


DEFAULT_RADII_M: tuple[float, ...] = (1_000.0, 5_000.0, 10_000.0)
DEFAULT_ZONES: tuple[Zone, ...] = (
    Zone("core", "核心区（禁入）", "Core zone (no entry)", 0.0, 1_000.0),
    Zone("control", "管制区", "Traffic-control zone", 1_000.0, 5_000.0),
    Zone("warning", "警戒区", "Warning zone", 5_000.0, 10_000.0),
)
_CHECKPOINT_NAMES = {
    "control": ("管制点", "Traffic-control checkpoint"),
    "warning": ("警戒点", "Warning-line checkpoint"),
}
_DIRECTIONS = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
_DIRECTIONS_EN = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def _km(value: float) -> str:
    return f"{value / 1000:g}"


def zones_for(
    radii_m: Sequence[float] = DEFAULT_RADII_M,
    *,
    names: Sequence[tuple[str, str] | str] | None = None,
) -> tuple[Zone, ...]:
    """The zones for ``radii_m`` (ascending): core, control, warning, then "外围 a–b km" rings.

    ``names`` optionally gives one ``(zh, en)`` pair (or a Chinese string) per ring.

    >>> [z.name_zh for z in zones_for([1000, 5000, 10000, 15000])]
    ['核心区（禁入）', '管制区', '警戒区', '外围 10–15 km']
    """
    radii = [float(r) for r in radii_m]
    if names is not None and len(names) != len(radii):
        msg = f"`names` must have one entry per ring ({len(radii)}), got {len(names)}"
        raise ValueError(msg)
    zones = []
    inner = 0.0
    for i, outer in enumerate(radii):
        if i < len(DEFAULT_ZONES):
            base = DEFAULT_ZONES[i]
            code, zh, en = base.zone, base.name_zh, base.name_en
        else:
            code = f"outer{i - len(DEFAULT_ZONES) + 1}"
            zh = f"外围 {_km(inner)}–{_km(outer)} km"
            en = f"Outer ring {_km(inner)}–{_km(outer)} km"
        if names is not None:
            given = names[i]
            zh, en = (given, given) if isinstance(given, str) else (given[0], given[1])
        zones.append(Zone(code, zh, en, inner, outer))
        inner = outer
    return tuple(zones)


# ---------------------------------------------------------------------------------------------
# validation


def _region_distance_m(lon: float, lat: float, region: shapely.Geometry) -> float:
    """Geodesic distance (m) from (lon, lat) to ``region`` (EPSG:4326); 0 inside."""
    if shapely.contains_xy(region, lon, lat):
        return 0.0
    to_local = _aeqd(lon, lat)[0]
    local = shapely.transform(region, lambda xy: np.column_stack(to_local.transform(*xy.T)))
    return float(shapely.distance(shapely.Point(0.0, 0.0), local))


def validate_incident(
    lon: float,
    lat: float,
    radii_m: Sequence[float] = DEFAULT_RADII_M,
    *,
    region: shapely.Geometry | None = None,
    region_limit_m: float = REGION_LIMIT_M,
) -> tuple[float, float, tuple[float, ...]]:
    """Check an incident's place and radii; return ``(lon, lat, radii_m)`` as floats.

    Raises
    ------
    ValueError
        With every problem found, in Chinese and English: coordinates out of range or not
        numbers, longitude/latitude likely swapped, a point more than ``region_limit_m`` from
        ``region`` (geodesic), radii not positive, not ascending, duplicated, more than
        :data:`MAX_RINGS` rings or larger than :data:`MAX_RADIUS_M`.
    """
    problems: list[str] = []
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        msg = f"坐标必须是数字 coordinates must be numbers: lon={lon!r}, lat={lat!r}"
        raise ValueError(msg) from None
    coords_ok = False
    if not (math.isfinite(x) and math.isfinite(y)):
        problems.append(
            f"坐标必须是有限数字 coordinates must be finite numbers, got lon={x}, lat={y}"
        )
    elif abs(y) > 90 and abs(x) <= 90 and abs(y) <= 180:
        problems.append(
            f"经纬度可能写反了 longitude/latitude look swapped: got lon={x:g}, lat={y:g} "
            f"(latitude must be -90..90); did you mean lon={y:g}, lat={x:g}?"
        )
    elif abs(x) > 180 or abs(y) > 90:
        problems.append(
            f"坐标超出范围 coordinates out of range: expected lon -180..180 and lat -90..90, "
            f"got lon={x:g}, lat={y:g}"
        )
    else:
        coords_ok = True
    if coords_ok and region is not None and not shapely.is_empty(region):
        far = _region_distance_m(x, y, region)
        if far > region_limit_m:
            hint = ""
            if abs(x) <= 90 and _region_distance_m(y, x, region) <= region_limit_m:
                hint = f"; 经纬度可能写反了 looks swapped: did you mean lon={y:g}, lat={x:g}?"
            problems.append(
                f"事发点距数据区域 {far / 1000:.1f} km，超出 {region_limit_m / 1000:g} km "
                f"the incident (lon={x:g}, lat={y:g}) is {far / 1000:.1f} km from the dataset's "
                f"region, expected within {region_limit_m / 1000:g} km{hint}"
            )
    radii: list[float] = []
    try:
        radii = [float(r) for r in radii_m]
    except (TypeError, ValueError):
        problems.append(f"半径必须是数字 `radii_m` must be numbers (metres), got {radii_m!r}")
    if radii or not problems:
        shown = ", ".join(f"{r:g}" for r in radii)
        if not radii:
            problems.append("至少需要一个半径 `radii_m` needs at least one radius, got none")
        if len(radii) > MAX_RINGS:
            problems.append(
                f"圈层过多 too many rings: at most {MAX_RINGS}, got {len(radii)} ({shown} m)"
            )
        bad = [r for r in radii if not math.isfinite(r) or r <= 0]
        if bad:
            problems.append(
                f"半径必须为正数 radii must be positive metres, got {', '.join(map(str, bad))} "
                f"in [{shown}]"
            )
        big = [r for r in radii if math.isfinite(r) and r > MAX_RADIUS_M]
        if big:
            problems.append(
                f"半径过大 radius too large: at most {MAX_RADIUS_M / 1000:g} km, got "
                f"{', '.join(_km(r) for r in big)} km"
            )
        dup = sorted({r for r in radii if radii.count(r) > 1})
        if dup:
            problems.append(f"半径重复 duplicate radii: {', '.join(f'{r:g}' for r in dup)} m")
        elif any(b <= a for a, b in zip(radii, radii[1:], strict=False)):
            problems.append(
                f"半径须由小到大 radii must be in ascending order (inner to outer), got [{shown}] m"
            )
    if problems:
        raise ValueError("; ".join(problems))
    return x, y, tuple(radii)


# ---------------------------------------------------------------------------------------------
# rings


@lru_cache(maxsize=256)
def _aeqd(lon: float, lat: float) -> tuple[pyproj.Transformer, pyproj.Transformer]:
    """(EPSG:4326 → local, local → EPSG:4326) for the azimuthal-equidistant CRS centred on a
    point. Built as proj pipelines: ~0.5 ms instead of ~50 ms for ``Transformer.from_crs``
    (which searches the proj database), and a new incident needs new ones."""
    aeqd = f"+proj=aeqd +lat_0={lat!r} +lon_0={lon!r} +ellps=WGS84 +x_0=0 +y_0=0"
    fwd = pyproj.Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step {aeqd}"
    )
    inv = pyproj.Transformer.from_pipeline(
        f"+proj=pipeline +step +inv {aeqd} +step +proj=unitconvert +xy_in=rad +xy_out=deg"
    )
    return fwd, inv


def local_crs(center: tuple[float, float]) -> pyproj.CRS:
    """The azimuthal-equidistant CRS (metres) centred on ``center`` = (lon, lat)."""
    lon, lat = float(center[0]), float(center[1])
    return pyproj.CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat!r} +lon_0={lon!r} +datum=WGS84 +units=m +no_defs"
    )


def _segments(radius: float, max_sag_m: float) -> int:
    n = math.pi / math.acos(max(-1.0, 1.0 - max_sag_m / radius)) if radius > max_sag_m else 4
    return int(max(256, math.ceil(n / 8) * 8))


def _circle(radius: float, max_sag_m: float) -> NDArray[np.float64]:
    n = _segments(radius, max_sag_m)
    t = np.linspace(0.0, 2 * np.pi, n + 1)
    t[-1] = 0.0  # close exactly
    return np.column_stack([radius * np.sin(t), radius * np.cos(t)])[::-1]  # counter-clockwise


def cordon_rings(
    center: tuple[float, float],
    *,
    radii_m: Sequence[float] = DEFAULT_RADII_M,
    names: Sequence[tuple[str, str] | str] | None = None,
    max_sag_m: float = 0.5,
) -> gpd.GeoDataFrame:
    """Non-overlapping geodesic annuli around ``center`` = (lon, lat), in EPSG:4326.

    Returns
    -------
    GeoDataFrame
        One row per zone from the centre out: ``zone``, ``name_zh``, ``name_en``, ``inner_m``,
        ``outer_m``, geometry (the core disk, then rings with the inner circle as a hole; rings
        share their boundary vertices exactly, exteriors counter-clockwise as in RFC 7946).
    """
    lon, lat, radii = validate_incident(center[0], center[1], radii_m)
    zones = zones_for(radii, names=names)
    _, to_geo = _aeqd(lon, lat)
    circles = []
    for r in radii:
        xy = _circle(r, max_sag_m)
        glon, glat = to_geo.transform(xy[:, 0], xy[:, 1])
        circles.append(np.column_stack([glon, glat]))
    geoms = []
    for i, ring in enumerate(circles):
        holes = [circles[i - 1][::-1]] if i else []  # holes clockwise
        geoms.append(shapely.Polygon(ring, holes))
    return gpd.GeoDataFrame(
        {
            "zone": [z.zone for z in zones],
            "name_zh": [z.name_zh for z in zones],
            "name_en": [z.name_en for z in zones],
            "inner_m": [z.inner_m for z in zones],
            "outer_m": [z.outer_m for z in zones],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


# ---------------------------------------------------------------------------------------------
# exact geodesic classification


def geodesic_distance(
    center: tuple[float, float], lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(distance_m, azimuth_deg)`` from ``center`` to each point, by ``pyproj.Geod.inv``."""
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    if lon.size == 0:
        return np.empty(0), np.empty(0)
    az, _, dist = GEOD.inv(np.full(lon.shape, center[0]), np.full(lon.shape, center[1]), lon, lat)
    return np.asarray(dist, dtype=np.float64), np.mod(np.asarray(az, dtype=np.float64), 360.0)


def _approx_offsets(
    lon0: float, lat0: float, lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """East and north offsets (m) with the ellipsoid's radii of curvature at mid-latitude."""
    p0 = math.radians(lat0)
    w = 1.0 - _E2 * math.sin(p0) ** 2
    m = _A * (1.0 - _E2) / (w * math.sqrt(w)) * (math.pi / 180.0)  # metres per degree north
    n = _A / math.sqrt(w) * (math.pi / 180.0)
    dx = lat + lat0
    dx *= math.pi / 360.0
    np.cos(dx, out=dx)
    dx *= n
    dx *= lon - lon0
    dy = lat - lat0
    dy *= m
    return dx, dy


def _approx_distance(
    lon0: float, lat0: float, lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Ellipsoidal local distance (relative error < 3e-4 within 120 km below 70 N; tested)."""
    dx, dy = _approx_offsets(lon0, lat0, lon, lat)
    dx *= dx
    dy *= dy
    dx += dy
    return np.sqrt(dx, out=dx)


def _exact_distances(
    center: tuple[float, float],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    radii: Sequence[float],
) -> NDArray[np.float64]:
    """Distances, exact (``Geod.inv``) wherever they decide a zone, approximate elsewhere."""
    dist = _approx_distance(center[0], center[1], lon, lat)
    bounds = np.asarray(radii, dtype=np.float64)
    k = np.searchsorted(bounds, dist)  # the boundary at or beyond each point, and the one before
    above = bounds[np.minimum(k, bounds.size - 1)]
    below = bounds[np.maximum(k - 1, 0)]
    near = np.abs(above - dist) <= 1e-3 * above + 1.0
    near |= np.abs(dist - below) <= 1e-3 * below + 1.0
    if near.any():
        dist[near] = geodesic_distance(center, lon[near], lat[near])[0]
    return dist


def _zone_of(dist: NDArray[np.float64], radii: Sequence[float]) -> NDArray[np.intp]:
    """Zone index (0 = core) for ``inner <= d < outer``; ``len(radii)`` beyond the last ring."""
    return np.searchsorted(np.asarray(radii, dtype=np.float64), dist, side="right")


def _box(center: tuple[float, float], radius: float) -> tuple[float, float, float, float]:
    """A lon/lat box that holds the geodesic disk of ``radius`` around ``center``."""
    az = np.linspace(0.0, 360.0, 73)
    reach = radius * 1.002 + 5.0
    lon, lat, _ = GEOD.fwd(np.full(az.shape, center[0]), np.full(az.shape, center[1]), az,
                           np.full(az.shape, reach))
    pad = 1e-4
    return (float(np.min(lon)) - pad, float(np.min(lat)) - pad,
            float(np.max(lon)) + pad, float(np.max(lat)) + pad)


def _direction(az: NDArray[np.float64]) -> tuple[list[str], list[str]]:
    k = (np.floor((np.asarray(az) + 22.5) / 45.0).astype(int)) % 8
    return [_DIRECTIONS[i] for i in k], [_DIRECTIONS_EN[i] for i in k]


# ---------------------------------------------------------------------------------------------
# the index: layers turned into arrays once


@dataclass(frozen=True)
class _Points:
    """A point layer as lat-sorted coordinate arrays plus its attribute columns (same order)."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    columns: dict[str, NDArray[Any]]

    @classmethod
    def from_gdf(cls, gdf: gpd.GeoDataFrame | None) -> _Points:
        if gdf is None or len(gdf) == 0:
            return cls(np.empty(0), np.empty(0), {})
        geom = gdf.geometry
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            geom = geom.to_crs(4326)
        ok = ~(geom.isna() | geom.is_empty).to_numpy()
        xy = shapely.get_coordinates(shapely.centroid(geom.to_numpy()[ok]))
        order = np.argsort(xy[:, 1], kind="stable")
        rows = np.flatnonzero(ok)[order]
        columns = {
            str(c): gdf[c].to_numpy()[rows] for c in gdf.columns if c != gdf.geometry.name
        }
        return cls(np.ascontiguousarray(xy[order, 0]), np.ascontiguousarray(xy[order, 1]), columns)

    def __len__(self) -> int:
        return int(self.lon.size)

    def in_box(self, box: tuple[float, float, float, float]) -> NDArray[np.intp]:
        lo, hi = np.searchsorted(self.lat, [box[1], box[3]], side="left")
        lons = self.lon[lo:hi]
        return lo + np.flatnonzero((lons >= box[0]) & (lons <= box[2]))


@dataclass(frozen=True)
class _Shapes:
    """A polygon/line layer with its bounds cached."""

    gdf: gpd.GeoDataFrame
    bounds: NDArray[np.float64]
    table: pd.DataFrame
    geoms: NDArray[Any]
    columns: dict[str, NDArray[Any]]
    label_xy: NDArray[np.float64]
    """A point on each shape (``point_on_surface``), for tables and labels."""

    @classmethod
    def from_gdf(cls, gdf: gpd.GeoDataFrame | None) -> _Shapes:
        if gdf is None or len(gdf) == 0:
            empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=4326))
            return cls(empty, np.empty((0, 4)), pd.DataFrame(), np.empty(0, dtype=object), {},
                       np.empty((0, 2)))
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs(4326)
        keep = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
        gdf = gdf[keep].reset_index(drop=True)
        table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        geoms = gdf.geometry.to_numpy()
        columns = {str(c): table[c].to_numpy() for c in table.columns}
        label_xy = shapely.get_coordinates(shapely.point_on_surface(geoms))
        return cls(gdf, shapely.bounds(geoms), table, geoms, columns, label_xy)

    def in_box(self, box: tuple[float, float, float, float]) -> NDArray[np.intp]:
        b = self.bounds
        return np.flatnonzero(
            (b[:, 2] >= box[0]) & (b[:, 0] <= box[2]) & (b[:, 3] >= box[1]) & (b[:, 1] <= box[3])
        )


@dataclass(frozen=True)
class _RoadVertices:
    """Road lines densified to <= 0.002 degrees (~200 m) as flat vertex arrays.

    ``part`` numbers each single line (multi-lines are split) and ``road`` gives its row in the
    roads table; a segment joins vertices ``i`` and ``i + 1`` when their ``part`` is equal.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    part: NDArray[np.intp]
    road: NDArray[np.intp]

    @classmethod
    def from_shapes(cls, shapes: _Shapes) -> _RoadVertices:
        geoms = shapes.gdf.geometry.to_numpy()
        if len(geoms) == 0:
            empty = np.empty(0)
            return cls(empty, empty, empty.astype(np.intp), empty.astype(np.intp))
        parts, owner = shapely.get_parts(geoms, return_index=True)
        dense = shapely.segmentize(parts, 0.002)
        xy, part = shapely.get_coordinates(dense, return_index=True)
        return cls(xy[:, 0].copy(), xy[:, 1].copy(), part, owner[part])


PopulationSource = str | os.PathLike[str] | tuple[NDArray[Any], Any, Any]


@dataclass(frozen=True)
class ExposureIndex:
    """Layers turned into arrays once, so that :func:`exposure` is fast on every click.

    Build it with :meth:`from_layers` when the dataset is loaded; it never changes the layers.
    """

    enterprises: _Points
    grade_code: NDArray[np.int8]
    major_hazard: NDArray[np.bool_]
    shelters: _Points
    waterlogging: _Points
    slopes: _Shapes
    roads: _Shapes
    road_vertices: _RoadVertices
    population: PopulationSource | None = None

    @classmethod
    def from_layers(
        cls,
        layers: Mapping[str, gpd.GeoDataFrame | None],
        *,
        population: PopulationSource | None = None,
    ) -> ExposureIndex:
        """Index ``{"enterprises", "shelters", "slopes", "waterlogging", "roads"}`` (EPSG:4326).

        Any layer may be missing or empty. ``population`` is a GeoTIFF path or an
        ``(array, transform, crs)`` triple (people per cell).
        """
        ent = _Points.from_gdf(layers.get("enterprises"))
        if len(ent) and "grade" in ent.columns:
            cats = pd.Categorical(ent.columns["grade"], categories=[g.value for g in GRADES])
            grade = np.asarray(cats.codes, dtype=np.int8)  # -1 where not a grade code
        else:
            grade = np.full(len(ent), -1, dtype=np.int8)
        if len(ent) and "major_hazard" in ent.columns:
            major = pd.Series(ent.columns["major_hazard"]).fillna(False).astype(bool).to_numpy()
        else:
            major = np.zeros(len(ent), dtype=bool)
        roads = _Shapes.from_gdf(layers.get("roads"))
        return cls(
            enterprises=ent,
            grade_code=grade,
            major_hazard=major,
            shelters=_Points.from_gdf(layers.get("shelters")),
            waterlogging=_Points.from_gdf(layers.get("waterlogging")),
            slopes=_Shapes.from_gdf(layers.get("slopes")),
            roads=roads,
            road_vertices=_RoadVertices.from_shapes(roads),
            population=_cache_raster(population),
        )


@lru_cache(maxsize=8)
def _to_wgs84(crs: pyproj.CRS) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(crs, 4326, always_xy=True)


def _cache_raster(
    source: PopulationSource | None, *, max_cells: int = 25_000_000
) -> PopulationSource | None:
    """A GeoTIFF small enough is read once into ``(array, transform, crs)`` (nodata → 0), which
    saves opening the file on every click; a larger one stays a path (windows read per call)."""
    if source is None or isinstance(source, tuple):
        return source
    import rasterio

    with rasterio.open(source) as src:
        if src.width * src.height > max_cells:
            return source
        data = src.read(1).astype(np.float64)
        if src.nodata is not None:
            data[data == src.nodata] = 0.0
        data[~np.isfinite(data)] = 0.0
        return (data, src.transform, pyproj.CRS.from_user_input(src.crs.to_wkt()))



# ---------------------------------------------------------------------------------------------
# the result


@dataclass
class Exposure:
    """What lies in each zone around one incident. Tables are pandas DataFrames."""

    center: tuple[float, float]
    zones: tuple[Zone, ...]
    enterprises_by_grade: NDArray[np.int64]
    """(zones, 4) counts, columns in :data:`risk.grades.GRADES` order (red … blue)."""
    major_hazard: NDArray[np.int64]
    shelter_counts: NDArray[np.int64]
    shelter_capacity: NDArray[np.int64]
    waterlogging_counts: NDArray[np.int64]
    _priority: Callable[[int | None], pd.DataFrame] = field(repr=False)
    """Builds the priority table's first ``n`` rows (all with ``None``), nearest first."""
    priority_total: int
    _builders: dict[str, Callable[[], pd.DataFrame]] = field(repr=False)
    """Builders of the ``shelters``, ``evacuation_shelters`` and ``waterlogging`` tables."""
    population: NDArray[np.float64] | None
    slopes: pd.DataFrame
    checkpoints: pd.DataFrame
    evacuate_beyond_m: float = 0.0
    downwind: dict[str, Any] | None = field(default=None)
    _rings: gpd.GeoDataFrame | None = field(default=None, repr=False)
    _priority_all: pd.DataFrame | None = field(default=None, repr=False)
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = self._builders[name]()
        return self._tables[name].copy()

    @property
    def shelters(self) -> pd.DataFrame:
        """Shelters inside the rings, nearest first, with ``zone`` and ``distance_m``."""
        return self._table("shelters")

    @property
    def evacuation_shelters(self) -> pd.DataFrame:
        """The nearest shelters outside the control zone (``distance_m >= evacuate_beyond_m``)."""
        return self._table("evacuation_shelters")

    @property
    def waterlogging(self) -> pd.DataFrame:
        """Waterlogging points inside the rings, nearest first."""
        return self._table("waterlogging")

    @property
    def priority_enterprises(self) -> pd.DataFrame:
        """Red/orange enterprises and major hazard sources inside the rings, nearest first
        (built on first use: at 1M enterprises this list can hold tens of thousands of rows)."""
        if self._priority_all is None:
            self._priority_all = self._priority(None)
        return self._priority_all.copy()

    def priority_head(self, n: int) -> pd.DataFrame:
        """The ``n`` nearest priority enterprises, without building the whole table."""
        if self._priority_all is not None:
            return self._priority_all.head(n).copy()
        return self._priority(n)

    @property
    def rings(self) -> gpd.GeoDataFrame:
        """The zones' polygons (:func:`cordon_rings`), built on first use."""
        if self._rings is None:
            names = [(z.name_zh, z.name_en) for z in self.zones]
            self._rings = cordon_rings(self.center, radii_m=self.radii_m, names=names)
        return self._rings.copy()

    @property
    def radii_m(self) -> tuple[float, ...]:
        return tuple(z.outer_m for z in self.zones)

    def zone_table(self) -> pd.DataFrame:
        """One row per zone from the centre out (the panel's summary)."""
        rows = []
        for i, z in enumerate(self.zones):
            row: dict[str, Any] = {
                "zone": z.zone, "name": z.name_zh, "name_en": z.name_en,
                "inner_m": z.inner_m, "outer_m": z.outer_m,
            }
            for j, g in enumerate(GRADES):
                row[g.value] = int(self.enterprises_by_grade[i, j])
            row["major_hazard"] = int(self.major_hazard[i])
            row["shelters"] = int(self.shelter_counts[i])
            row["shelter_capacity"] = int(self.shelter_capacity[i])
            row["population"] = (
                None if self.population is None else int(round(float(self.population[i])))
            )
            row["slopes"] = int((self.slopes["zone"] == z.zone).sum()) if len(self.slopes) else 0
            row["waterlogging"] = int(self.waterlogging_counts[i])
            rows.append(row)
        return pd.DataFrame(rows)

    def to_json(self, *, limit: int | None = None) -> dict[str, Any]:
        """A JSON-ready dict: centre, radii, zones (from the centre out) and the lists.

        ``limit`` caps each list (the ``*_total`` keys keep the full counts).
        """
        zones = []
        for row in self.zone_table().to_dict("records"):
            zones.append({
                "zone": row["zone"], "name": row["name"], "name_en": row["name_en"],
                "inner_m": row["inner_m"], "outer_m": row["outer_m"],
                "enterprises": {g.value: row[g.value] for g in GRADES},
                "major_hazard": row["major_hazard"],
                "shelters": row["shelters"], "shelter_capacity": row["shelter_capacity"],
                "population": row["population"],
                "slopes": row["slopes"], "waterlogging": row["waterlogging"],
            })

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            part = frame if limit is None else frame.head(limit)
            rows = cast("list[dict[str, Any]]", part.to_dict("records"))  # column names are str
            return [{k: _plain(v) for k, v in r.items()} for r in rows]

        out = {
            "center": {"lon": self.center[0], "lat": self.center[1]},
            "radii_m": list(self.radii_m),
            "zones": zones,
            "priority_enterprises": records(
                self.priority_enterprises if limit is None else self.priority_head(limit)
            ),
            "priority_enterprises_total": self.priority_total,
            "evacuation_shelters": records(self.evacuation_shelters),
            "evacuate_beyond_m": self.evacuate_beyond_m,
            "checkpoints": records(self.checkpoints),
        }
        if self.downwind is not None:
            out["downwind"] = {k: _plain(v) for k, v in self.downwind.items() if k != "geometry"}
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables for CSV export, keyed by a file-name-friendly name."""
        return {
            "zones": self.zone_table(),
            "priority_enterprises": self.priority_enterprises.copy(),
            "shelters": self.shelters.copy(),
            "evacuation_shelters": self.evacuation_shelters.copy(),
            "slopes": self.slopes.copy(),
            "waterlogging": self.waterlogging.copy(),
            "checkpoints": self.checkpoints.copy(),
        }


def _plain(value: Any) -> Any:
    """numpy/pandas scalars → JSON-ready Python values (NaN/NA → None)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ---------------------------------------------------------------------------------------------
# exposure


def _point_rows(
    points: _Points,
    pos: NDArray[np.intp],
    zones: tuple[Zone, ...],
    center: tuple[float, float],
    *,
    extra: dict[str, NDArray[Any]] | None = None,
) -> pd.DataFrame:
    """Rows of ``points`` at ``pos`` with ``Geod.inv`` distance, bearing and zone, nearest first.

    ``extra`` columns are aligned with ``pos``.
    """
    exact, az = geodesic_distance(center, points.lon[pos], points.lat[pos])
    order = np.argsort(exact, kind="stable")
    pos, exact, az = pos[order], exact[order], az[order]
    zi = _zone_of(exact, [z.outer_m for z in zones])
    codes = np.array([z.zone for z in zones] + [""], dtype=object)
    names = np.array([z.name_zh for z in zones] + [""], dtype=object)
    k = (np.floor((az + 22.5) / 45.0).astype(np.intp)) % 8
    data: dict[str, Any] = {c: v[pos] for c, v in points.columns.items()}
    for c, v in (extra or {}).items():
        data[c] = np.asarray(v)[order]
    data.update({
        "lon": points.lon[pos], "lat": points.lat[pos],
        "distance_m": np.round(exact, 1), "bearing_deg": np.round(az, 1),
        "direction": np.asarray(_DIRECTIONS, dtype=object)[k],
        "direction_en": np.asarray(_DIRECTIONS_EN, dtype=object)[k],
        "zone": codes[zi], "zone_name": names[zi],
    })
    return pd.DataFrame(data)


def _points_in_zones(
    points: _Points, center: tuple[float, float], radii: Sequence[float],
    box: tuple[float, float, float, float],
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """(positions, zone index, distance) of the points inside the largest ring."""
    pos = points.in_box(box)
    if pos.size == 0:
        return pos, pos, np.empty(0)
    dist = _exact_distances(center, points.lon[pos], points.lat[pos], radii)
    zi = _zone_of(dist, radii)
    inside = zi < len(radii)
    return pos[inside], zi[inside], dist[inside]


def _population(
    source: PopulationSource | None, center: tuple[float, float], radii: Sequence[float],
    box: tuple[float, float, float, float], *, subcells: int | None = None,
) -> NDArray[np.float64] | None:
    if source is None:
        return None
    import rasterio
    from affine import Affine
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    def is_wgs84(crs: Any) -> bool:
        if crs is None:
            return True
        crs = crs if isinstance(crs, pyproj.CRS) else pyproj.CRS.from_user_input(crs)
        return bool(crs.equals("EPSG:4326", ignore_axis_order=True))

    def window_of(transform: Affine, crs: Any, height: int, width: int) -> Window:
        bounds = box if is_wgs84(crs) else (
            transform_bounds("EPSG:4326", crs, *box, densify_pts=21)
        )
        win = from_bounds(*bounds, transform=transform)
        col0 = max(0, math.floor(win.col_off) - 1)
        row0 = max(0, math.floor(win.row_off) - 1)
        col1 = min(width, math.ceil(win.col_off + win.width) + 1)
        row1 = min(height, math.ceil(win.row_off + win.height) + 1)
        return Window(col0, row0, max(0, col1 - col0), max(0, row1 - row0))

    if isinstance(source, tuple):
        array, transform, crs = source
        array = np.asarray(array)
        if array.ndim == 3:
            array = array[0]
        win = window_of(transform, crs, *array.shape)
        data = np.asarray(
            array[win.row_off:win.row_off + win.height, win.col_off:win.col_off + win.width],
            dtype=np.float64,
        )
        nodata = None
    else:
        with rasterio.open(source) as src:
            transform, crs, nodata = src.transform, src.crs, src.nodata
            win = window_of(transform, crs, src.height, src.width)
            data = src.read(1, window=win).astype(np.float64) if win.width and win.height else (
                np.zeros((0, 0))
            )
    totals = np.zeros(len(radii), dtype=np.float64)
    if data.size == 0:
        return totals
    valid = np.isfinite(data)
    if nodata is not None:
        valid &= data != nodata
    valid &= data != 0
    rows, cols = np.nonzero(valid)
    if rows.size == 0:
        return totals
    crs_obj = None if crs is None else (
        crs if isinstance(crs, pyproj.CRS) else pyproj.CRS.from_user_input(crs)
    )
    geographic = crs_obj is None or crs_obj.is_geographic
    to_geo = None if is_wgs84(crs_obj) else _to_wgs84(crs_obj)
    scale = 111_320.0 if geographic else 1.0
    cell_m = max(abs(transform.a) + abs(transform.b), abs(transform.d) + abs(transform.e)) * scale
    if subcells is None:  # sub-cells no larger than 1/16 of the smallest radius, at most 8 x 8
        subcells = int(min(8, max(1, math.ceil(cell_m / (radii[0] / 16)))))
    k = max(1, int(subcells))

    def distances(c: NDArray[np.float64], r: NDArray[np.float64]) -> NDArray[np.float64]:
        xs = transform.a * c + transform.b * r + transform.c
        ys = transform.d * c + transform.e * r + transform.f
        if to_geo is not None:
            xs, ys = to_geo.transform(xs, ys)
        return _exact_distances(center, np.asarray(xs), np.asarray(ys), radii)

    people = data[rows, cols]
    d = distances(cols + (win.col_off + 0.5), rows + (win.row_off + 0.5))
    whole = np.ones(d.shape, dtype=bool)
    if k > 1:  # only cells that a boundary may cross are split (half-diagonal, with margin)
        reach = 0.75 * cell_m
        for r in radii:
            whole &= np.abs(d - r) > reach
    zi = _zone_of(d[whole], radii)
    inside = zi < len(radii)
    totals += np.bincount(zi[inside], weights=people[whole][inside],
                          minlength=len(radii))[: len(radii)]
    split = ~whole
    if split.any():
        offsets = (np.arange(k) + 0.5) / k
        oc, orow = (o.ravel() for o in np.meshgrid(offsets, offsets))
        c = (cols[split][:, None] + win.col_off + oc[None, :]).ravel()
        r = (rows[split][:, None] + win.row_off + orow[None, :]).ravel()
        weight = np.repeat(people[split] / (k * k), k * k)
        zi = _zone_of(distances(c, r), radii)
        inside = zi < len(radii)
        totals += np.bincount(zi[inside], weights=weight[inside],
                              minlength=len(radii))[: len(radii)]
    return totals


def _slopes(
    slopes: _Shapes, center: tuple[float, float], zones: tuple[Zone, ...],
    box: tuple[float, float, float, float],
) -> pd.DataFrame:
    pos = slopes.in_box(box)
    columns = ["id", "name", "district", "height_m", "angle_deg", "monitored"]
    if pos.size == 0:
        return pd.DataFrame(columns=[*columns, "lon", "lat", "distance_m", "zone", "zone_name"])
    to_local = _aeqd(*center)[0]
    local = shapely.transform(slopes.geoms[pos],
                              lambda xy: np.column_stack(to_local.transform(*xy.T)))
    dist = shapely.distance(shapely.Point(0.0, 0.0), local)
    radii = [z.outer_m for z in zones]
    zi = _zone_of(dist, radii)
    keep = np.flatnonzero(zi < len(radii))
    keep = keep[np.argsort(dist[keep], kind="stable")]
    rows = pos[keep]
    data: dict[str, Any] = {c: slopes.columns[c][rows] for c in columns if c in slopes.columns}
    codes = np.array([z.zone for z in zones], dtype=object)
    names = np.array([z.name_zh for z in zones], dtype=object)
    data.update({
        "lon": slopes.label_xy[rows, 0], "lat": slopes.label_xy[rows, 1],
        "distance_m": np.round(dist[keep], 1),
        "zone": codes[zi[keep]], "zone_name": names[zi[keep]],
    })
    return pd.DataFrame(data)


def _checkpoints(
    roads: _Shapes, vertices: _RoadVertices, center: tuple[float, float],
    zones: tuple[Zone, ...], box: tuple[float, float, float, float],
) -> pd.DataFrame:
    """Where roads cross the outer boundary of every zone but the core (管制点/警戒点…).

    Roads are densified to ~200 m segments and projected to the incident's azimuthal-equidistant
    CRS, where distance from the origin is the geodesic distance; each segment whose ends lie on
    either side of a boundary is cut where it meets the circle (solved exactly).
    """
    columns = ["kind", "kind_en", "boundary_m", "road_id", "road_name", "road_class", "lon", "lat",
               "bearing_deg", "direction"]
    rows = roads.in_box(box)
    if rows.size == 0 or len(zones) < 2 or vertices.lon.size == 0:
        return pd.DataFrame(columns=columns)
    wanted = np.zeros(len(roads.table), dtype=bool)
    wanted[rows] = True
    vi = np.flatnonzero(wanted[vertices.road])
    # keep only vertices that can end a segment crossing a boundary (segments are < 320 m)
    approx = _approx_distance(center[0], center[1], vertices.lon[vi], vertices.lat[vi])
    near = np.zeros(vi.size, dtype=bool)
    for zone in zones[1:]:
        near |= np.abs(approx - zone.outer_m) < 500.0
    vi = vi[near]
    lon, lat, part = vertices.lon[vi], vertices.lat[vi], vertices.part[vi]
    to_local, to_geo = _aeqd(*center)
    x, y = to_local.transform(lon, lat)
    x, y = np.asarray(x), np.asarray(y)
    dist = np.hypot(x, y)  # exact geodesic distance in the azimuthal-equidistant CRS
    same = (part[:-1] == part[1:]) & (np.diff(vi) == 1)
    found = []
    for zone in zones[1:]:
        r = zone.outer_m
        side = dist >= r
        seg = np.flatnonzero(same & (side[:-1] != side[1:]))
        if seg.size == 0:
            continue
        # |p0 + t (p1 - p0)| = r on the (short, ~200 m) segment: the root in [0, 1]
        x0, y0 = x[seg], y[seg]
        dx, dy = x[seg + 1] - x0, y[seg + 1] - y0
        a = dx * dx + dy * dy
        b = 2 * (x0 * dx + y0 * dy)
        c = x0 * x0 + y0 * y0 - r * r
        root = np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))
        t1, t2 = (-b - root) / (2 * a), (-b + root) / (2 * a)
        t = np.clip(np.where((t1 >= 0) & (t1 <= 1), t1, t2), 0.0, 1.0)
        px, py = to_geo.transform(x0 + t * dx, y0 + t * dy)
        found.append((zone, np.asarray(px), np.asarray(py), vertices.road[vi[seg]]))
    if not found:
        return pd.DataFrame(columns=columns)
    boundary = np.concatenate([np.full(f[1].size, f[0].outer_m) for f in found])
    kind_zh = np.concatenate([
        np.full(f[1].size, _CHECKPOINT_NAMES.get(f[0].zone, ("外围卡口",))[0], dtype=object)
        for f in found
    ])
    kind_en = np.concatenate([
        np.full(f[1].size, _CHECKPOINT_NAMES.get(f[0].zone, ("", "Outer checkpoint"))[1],
                dtype=object)
        for f in found
    ])
    px = np.concatenate([f[1] for f in found])
    py = np.concatenate([f[2] for f in found])
    road = np.concatenate([f[3] for f in found])
    _, az = geodesic_distance(center, px, py)
    # one checkpoint per road and place (a crossing exactly at a vertex is found twice)
    key = np.column_stack([boundary, road, np.round(px, 7), np.round(py, 7)])
    _, first = np.unique(key, axis=0, return_index=True)
    order = first[np.lexsort((az[first], boundary[first]))]

    def col(name: str) -> NDArray[Any]:
        values = roads.columns.get(name)
        if values is None:
            return np.full(order.size, "", dtype=object)
        return values[road[order]]

    return pd.DataFrame({
        "kind": kind_zh[order], "kind_en": kind_en[order], "boundary_m": boundary[order],
        "road_id": col("id"), "road_name": col("name"), "road_class": col("road_class"),
        "lon": px[order], "lat": py[order], "bearing_deg": np.round(az[order], 1),
        "direction": np.asarray(_DIRECTIONS, dtype=object)[
            (np.floor((az[order] + 22.5) / 45.0).astype(np.intp)) % 8
        ],
    }, columns=columns)


def find_enterprises(
    enterprises: gpd.GeoDataFrame, query: str, *, limit: int = 10
) -> pd.DataFrame:
    """Enterprises whose name contains ``query`` (case- and width-insensitive), to place an
    incident at one: exact matches first, then shorter names; columns ``id``, ``name``,
    ``grade``, ``district``, ``lon``, ``lat``.

    >>> import geopandas as gpd
    >>> ent = gpd.GeoDataFrame({"name": ["华强化工", "华强北仓储", "宝安燃气"]},
    ...                        geometry=gpd.points_from_xy([114.0, 114.1, 113.9], [22.5] * 3))
    >>> list(find_enterprises(ent, "华强")["name"])
    ['华强化工', '华强北仓储']
    """
    import unicodedata

    columns = ["id", "name", "grade", "district", "lon", "lat"]
    text = unicodedata.normalize("NFKC", str(query or "")).strip().lower()
    if not text or len(enterprises) == 0 or "name" not in enterprises:
        return pd.DataFrame(columns=columns)
    names = enterprises["name"].astype(str)
    folded = names.map(lambda v: unicodedata.normalize("NFKC", v).lower())
    hit = np.flatnonzero(folded.str.contains(text, regex=False).to_numpy())
    if hit.size == 0:
        return pd.DataFrame(columns=columns)
    exact = (folded.to_numpy()[hit] == text).astype(int)
    length = names.str.len().to_numpy()[hit]
    hit = hit[np.lexsort((length, -exact))][:limit]
    rows = enterprises.iloc[hit]
    xy = shapely.get_coordinates(shapely.centroid(rows.geometry.to_numpy()))
    out = pd.DataFrame({c: rows[c].to_numpy() if c in rows else "" for c in columns[:4]})
    out["lon"], out["lat"] = xy[:, 0], xy[:, 1]
    return out


def downwind_zone(
    center: tuple[float, float],
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
    """
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
    to_geo = _aeqd(lon, lat)[1]
    geo = shapely.transform(local, lambda xy: np.column_stack(to_geo.transform(*xy.T)))
    return shapely.orient_polygons(geo) if hasattr(shapely, "orient_polygons") else geo


def exposure(
    dataset_layers: Mapping[str, gpd.GeoDataFrame | None] | ExposureIndex,
    center: tuple[float, float],
    *,
    radii_m: Sequence[float] = DEFAULT_RADII_M,
    population: PopulationSource | None = None,
    names: Sequence[tuple[str, str] | str] | None = None,
    evacuate_beyond_m: float | None = None,
    n_evacuation: int = 5,
    region: shapely.Geometry | None = None,
    wind_from_deg: float | None = None,
    downwind_m: float | None = None,
    population_subcells: int | None = None,
) -> Exposure:
    """What lies in each cordon zone around ``center`` = (lon, lat).

    Parameters
    ----------
    dataset_layers
        ``{"enterprises", "shelters", "slopes", "waterlogging", "roads"}`` GeoDataFrames
        (EPSG:4326; any may be missing or empty), or an :class:`ExposureIndex` built once from
        them (fast path: < 50 ms at 1M enterprises).
    radii_m
        Ascending ring radii in metres (default 1, 5, 10 km).
    population
        GeoTIFF path or ``(array, transform, crs)``; overrides the index's raster.
    evacuate_beyond_m
        Evacuation shelters must be at least this far; default the control zone's outer radius
        (the 2nd ring), or the only ring.
    region
        When given, an incident more than 50 km from it is refused.
    population_subcells
        Each raster cell is split into k x k sub-cells carrying 1/k² of its people, each
        assigned by the geodesic distance of its centre (1 = plain cell centres). Default: k
        such that sub-cells are at most 1/16 of the smallest radius (capped at 8).
    wind_from_deg, downwind_m
        Optional downwind protective-action area (see :func:`downwind_zone`), reported under
        ``downwind`` with what lies in it; default length = the largest radius.
    """
    lon, lat, radii = validate_incident(center[0], center[1], radii_m, region=region)
    index = (
        dataset_layers if isinstance(dataset_layers, ExposureIndex)
        else ExposureIndex.from_layers(dataset_layers)
    )
    center = (lon, lat)
    zones = zones_for(radii, names=names)
    nz = len(zones)
    box = _box(center, radii[-1])


    # enterprises
    ent = index.enterprises
    pos, zi, dist = _points_in_zones(ent, center, radii, box)
    grade = index.grade_code[pos]
    ok = grade >= 0
    by_grade = np.bincount(zi[ok] * len(GRADES) + grade[ok].astype(np.intp),
                           minlength=nz * len(GRADES)).reshape(nz, len(GRADES)).astype(np.int64)
    major = np.bincount(zi, weights=index.major_hazard[pos], minlength=nz).astype(np.int64)
    sel = (grade == 0) | (grade == 1) | index.major_hazard[pos]
    psel = np.flatnonzero(sel)
    psel = psel[np.argsort(dist[psel], kind="stable")]
    labels = np.array([g.label_zh for g in GRADES] + [""], dtype=object)

    def priority(n: int | None) -> pd.DataFrame:
        part = psel if n is None else psel[: max(0, int(n))]
        return _point_rows(ent, pos[part], zones, center, extra={"grade_zh": labels[grade[part]]})

    # shelters: inside the rings, and the nearest outside the control zone
    sh = index.shelters
    beyond = float(evacuate_beyond_m) if evacuate_beyond_m is not None else (
        radii[1] if len(radii) >= 2 else radii[-1]
    )
    empty_shelters = pd.DataFrame(columns=["id", "name", "capacity", "distance_m", "zone"])
    builders: dict[str, Callable[[], pd.DataFrame]] = {
        "shelters": empty_shelters.copy, "evacuation_shelters": empty_shelters.copy,
    }
    shelter_counts = np.zeros(nz, dtype=np.int64)
    shelter_capacity = np.zeros(nz, dtype=np.int64)
    if len(sh):
        d_all, _ = geodesic_distance(center, sh.lon, sh.lat)
        every = np.arange(len(sh))
        zi_all = _zone_of(d_all, radii)
        in_rings = every[zi_all < nz]
        shelter_counts = np.bincount(zi_all[in_rings], minlength=nz).astype(np.int64)
        if "capacity" in sh.columns:
            cap = pd.to_numeric(pd.Series(sh.columns["capacity"][in_rings]), errors="coerce")
            shelter_capacity = np.bincount(
                zi_all[in_rings], weights=cap.fillna(0).to_numpy(np.float64), minlength=nz
            ).round().astype(np.int64)
        far = every[d_all >= beyond]
        far = far[np.argsort(d_all[far], kind="stable")[: max(0, int(n_evacuation))]]
        builders["shelters"] = lambda: _point_rows(sh, in_rings, zones, center)
        builders["evacuation_shelters"] = lambda: _point_rows(sh, far, zones, center)

    # waterlogging, slopes, population, checkpoints
    wpos, wzone, _ = _points_in_zones(index.waterlogging, center, radii, box)
    waterlogging_counts = np.bincount(wzone, minlength=nz).astype(np.int64)
    builders["waterlogging"] = (
        (lambda: _point_rows(index.waterlogging, wpos, zones, center)) if wpos.size
        else (lambda: pd.DataFrame(columns=["id", "name", "distance_m", "zone"]))
    )
    slopes = _slopes(index.slopes, center, zones, box)
    people = _population(population if population is not None else index.population,
                         center, radii, box, subcells=population_subcells)
    checkpoints = _checkpoints(index.roads, index.road_vertices, center, zones, box)

    downwind = None
    if wind_from_deg is not None:
        reach = float(downwind_m) if downwind_m is not None else radii[-1]
        area = downwind_zone(center, wind_from_deg=wind_from_deg, distance_m=reach)
        dbox = shapely.bounds(area)
        dpos = ent.in_box(tuple(dbox))
        inside = shapely.contains_xy(area, ent.lon[dpos], ent.lat[dpos])
        dpos = dpos[inside]
        g = index.grade_code[dpos]
        spos = sh.in_box(tuple(dbox))
        spos = spos[shapely.contains_xy(area, sh.lon[spos], sh.lat[spos])]
        downwind = {
            "wind_from_deg": float(wind_from_deg), "distance_m": reach, "geometry": area,
            "enterprises": {gr.value: int(np.sum(g == i)) for i, gr in enumerate(GRADES)},
            "major_hazard": int(index.major_hazard[dpos].sum()),
            "shelters": int(spos.size),
        }
    return Exposure(
        center=center, zones=zones, enterprises_by_grade=by_grade,
        major_hazard=major, shelter_counts=shelter_counts, shelter_capacity=shelter_capacity,
        waterlogging_counts=waterlogging_counts, _builders=builders,
        _priority=priority, priority_total=int(psel.size),
        population=people, slopes=slopes,
        checkpoints=checkpoints, evacuate_beyond_m=beyond, downwind=downwind,
    )
