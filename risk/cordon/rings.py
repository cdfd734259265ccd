"""Cordon rings and their rules: zones, the default radii, the radii parser, incident validation.

The rule in force is "10 公里警戒、5 公里管制、1 公里核心区禁入": a core no-entry disk of 1 km,
a 1–5 km traffic-control ring and a 5–10 km warning ring (:data:`DEFAULT_RADII_M`). Radii are
configurable and extra rings may be added (named "外围 10–15 km" …).

Validation happens once per request, at the boundary (a panel callback, a CLI argument, a row
loaded from the incident store): :func:`validate_incident` returns a :class:`Cordon`, a small
frozen value that every inner function (:func:`cordon_rings`, :func:`risk.cordon.exposure`,
the print map, the exports, the incident store) accepts without validating it again.

Radii typed by a person, in kilometres, go through :func:`parse_radii_km` (the incident tab,
``riskmap cordon --radii-km`` and ``riskmap pdf --radii-km`` all use it); it applies the same
rules as :func:`validate_incident` and words its messages in kilometres.

Geometry
    Rings are built in a local azimuthal-equidistant CRS centred on the incident
    (:func:`risk.crs.aeqd_transformers`), where the distance of any point from the centre *is*
    its geodesic distance, so every boundary vertex lies on the true geodesic circle (to proj's
    precision, ~1e-9 m). The number of vertices is chosen so that the chord sag between
    vertices, ``r * (1 - cos(pi / n))``, stays below ``max_sag_m`` (0.5 m by default): at least
    256 segments; 10 km → 320 segments, sag 0.48 m; 1 km → 256, sag 0.08 m. The circles in
    the local plane are cached per radius; only their projection depends on the incident.
    :func:`cordon_rings_geojson` gives the same rings as GeoJSON straight from the vertex arrays
    (coordinates rounded to 1e-6°), which is what the map draws on every click.

>>> rings = cordon_rings((114.0579, 22.5431))
>>> list(rings["zone"]), list(rings["outer_m"])
(['core', 'control', 'warning'], [1000.0, 5000.0, 10000.0])
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray

from risk.crs import aeqd_transformers

__all__ = [
    "Zone",
    "Cordon",
    "DEFAULT_ZONES",
    "DEFAULT_RADII_M",
    "MAX_RINGS",
    "MAX_RADIUS_M",
    "REGION_LIMIT_M",
    "zones_for",
    "parse_radii_km",
    "format_radii_km",
    "range_km",
    "zone_label",
    "validate_incident",
    "cordon_rings",
    "cordon_rings_geojson",
]

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

    def label(self, lang: str = "zh", *, both: bool = False) -> str:
        """The zone's legend text, its range in km said once (see :func:`zone_label`).

        >>> zones_for([1000, 5000, 10000, 30000])[3].label("zh")
        '外围 10–30 km'
        >>> DEFAULT_ZONES[2].label("en", both=True)
        'Warning zone 警戒区 5–10 km'
        """
        return zone_label(self.name_zh, self.name_en, self.inner_m, self.outer_m, lang,
                          both=both)


DEFAULT_RADII_M: tuple[float, ...] = (1_000.0, 5_000.0, 10_000.0)
"""The cordon radii in force (1 km core, 5 km control, 10 km warning): the one default."""
DEFAULT_ZONES: tuple[Zone, ...] = (
    Zone("core", "核心区（禁入）", "Core zone (no entry)", 0.0, DEFAULT_RADII_M[0]),
    Zone("control", "管制区", "Traffic-control zone", DEFAULT_RADII_M[0], DEFAULT_RADII_M[1]),
    Zone("warning", "警戒区", "Warning zone", DEFAULT_RADII_M[1], DEFAULT_RADII_M[2]),
)


class Cordon(NamedTuple):
    """A validated incident: its centre (EPSG:4326) and ring radii (metres, inner to outer).

    Made by :func:`validate_incident`; a function given a ``Cordon`` trusts it. It is a tuple,
    so ``lon, lat, radii = validate_incident(...)`` and ``cordon[0], cordon[1]`` work.
    """

    lon: float
    lat: float
    radii_m: tuple[float, ...]

    @property
    def center(self) -> tuple[float, float]:
        """``(lon, lat)``."""
        return (self.lon, self.lat)


def _km(value: float) -> str:
    return f"{value / 1000:g}"


def range_km(inner_m: float, outer_m: float) -> str:
    """A zone's range as a legend writes it.

    >>> range_km(10_000, 30_000), range_km(0, 1_000)
    ('10–30 km', '0–1 km')
    """
    return f"{_km(inner_m)}–{_km(outer_m)} km"


def zone_label(name_zh: str, name_en: str, inner_m: float, outer_m: float, lang: str = "zh",
               *, both: bool = False) -> str:
    """Legend text of a zone: its name and its range, the range said once.

    The names of rings beyond the warning zone already end with their range ("外围 10–30 km",
    "Outer 10–30 km"); it is not repeated. ``both=True`` gives the two languages (``lang``'s
    first) and the range once at the end, as a bilingual legend shows them.

    >>> zone_label("外围 10–30 km", "Outer 10–30 km", 10_000, 30_000)
    '外围 10–30 km'
    >>> zone_label("外围 10–30 km", "Outer 10–30 km", 10_000, 30_000, both=True)
    '外围 Outer 10–30 km'
    >>> zone_label("管制区", "Traffic-control zone", 1_000, 5_000, "en")
    'Traffic-control zone 1–5 km'
    """
    span = range_km(inner_m, outer_m)

    def bare(name: str) -> str:
        text = str(name).strip()
        return text[: -len(span)].rstrip() if text.endswith(span) else text

    zh, en = bare(name_zh), bare(name_en)
    if both:
        first, second = (en, zh) if lang == "en" else (zh, en)
        words = first if not second or second == first else f"{first} {second}"
    else:
        words = en if lang == "en" else zh
    return f"{words} {span}" if words else span


def zones_for(
    radii_m: Sequence[float] = DEFAULT_RADII_M,
    *,
    names: Sequence[tuple[str, str] | str] | None = None,
) -> tuple[Zone, ...]:
    """The zones for ``radii_m`` (ascending): core, control, warning, then rings named with
    their range, "外围 a–b km" / "Outer a–b km" (a legend adds no second range: :meth:`Zone.label`).

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
            zh = f"外围 {range_km(inner, outer)}"
            en = f"Outer {range_km(inner, outer)}"
        if names is not None:
            given = names[i]
            zh, en = (given, given) if isinstance(given, str) else (given[0], given[1])
        zones.append(Zone(code, zh, en, inner, outer))
        inner = outer
    return tuple(zones)




# ---------------------------------------------------------------------------------------------
# radii: the one parser and the one set of rules


def format_radii_km(radii_m: Sequence[float]) -> str:
    """Radii in metres as the kilometre list a person types (what :func:`parse_radii_km` reads).

    >>> format_radii_km(DEFAULT_RADII_M)
    '1,5,10'
    """
    return ",".join(_km(r) for r in radii_m)


_SEPARATOR = re.compile(r"[,\s]+")


def _radii_problems(values: Sequence[float], *, unit: str = "m") -> list[str]:
    """Everything wrong with ring radii given in ``unit`` ("m" or "km"), worded in that unit.

    The rules: at least one and at most :data:`MAX_RINGS` radii, each positive, finite and at
    most :data:`MAX_RADIUS_M`, strictly increasing (no duplicates, inner to outer).
    """
    scale = 1000.0 if unit == "km" else 1.0
    what = "kilometres" if unit == "km" else "metres"
    name = "radii (km)" if unit == "km" else "`radii_m`"
    problems: list[str] = []
    shown = ", ".join(f"{r:g}" for r in values)
    show = (lambda r: f"{r:g}") if unit == "km" else str  # metres: as validate_incident always did
    if not values:
        problems.append(f"至少需要一个半径 {name} needs at least one radius, got none")
    if len(values) > MAX_RINGS:
        problems.append(
            f"圈层过多 too many rings: at most {MAX_RINGS}, got {len(values)} ({shown} {unit})"
        )
    bad = [r for r in values if not math.isfinite(r) or r <= 0]
    if bad:
        problems.append(
            f"半径必须为正数 radii must be positive {what}, got {', '.join(map(show, bad))} "
            f"in [{shown}]"
        )
    big = [r for r in values if math.isfinite(r) and r * scale > MAX_RADIUS_M]
    if big:
        problems.append(
            f"半径过大 radius too large: at most {MAX_RADIUS_M / 1000:g} km, got "
            f"{', '.join(_km(r * scale) for r in big)} km"
        )
    dup = sorted({r for r in values if list(values).count(r) > 1})
    if dup:
        problems.append(f"半径重复 duplicate radii: {', '.join(f'{r:g}' for r in dup)} {unit}")
    elif any(b <= a for a, b in zip(values, values[1:], strict=False)):
        problems.append(
            f"半径须由小到大 radii must be in ascending order (inner to outer), got [{shown}] {unit}"
        )
    return problems


def parse_radii_km(text: str | None) -> tuple[float, ...]:
    """Ring radii typed in kilometres → metres, checked: the one parser of a radii list.

    Normalisation: the text is NFKC-normalised (full-width digits and the full-width comma
    ``，`` become ASCII), then split at commas and/or whitespace; empty parts are ignored and
    empty text gives :data:`DEFAULT_RADII_M`. Nothing is sorted or de-duplicated: the radii
    must be typed inner to outer, with the rules of :func:`validate_incident`.

    Raises
    ------
    ValueError
        Naming what was typed, in kilometres.

    >>> parse_radii_km("1，5 10")
    (1000.0, 5000.0, 10000.0)
    >>> parse_radii_km("")
    (1000.0, 5000.0, 10000.0)
    >>> parse_radii_km("5,1")
    Traceback (most recent call last):
    ...
    ValueError: 半径须由小到大 radii must be in ascending order (inner to outer), got [5, 1] km
    """
    if text is None or not str(text).strip():
        return DEFAULT_RADII_M
    parts = [p for p in _SEPARATOR.split(unicodedata.normalize("NFKC", str(text))) if p]
    try:
        km = [float(p) for p in parts]
    except ValueError:
        example = format_radii_km(DEFAULT_RADII_M)
        msg = (f"半径须为逗号分隔的公里数，例如 {example} radii must be kilometres separated by "
               f"commas, e.g. {example}; got {text!r}")
        raise ValueError(msg) from None
    problems = _radii_problems(km, unit="km")
    if problems:
        raise ValueError("; ".join(problems))
    return tuple(v * 1000.0 for v in km)


# ---------------------------------------------------------------------------------------------
# validation


def _region_distance_m(lon: float, lat: float, region: shapely.Geometry) -> float:
    """Geodesic distance (m) from (lon, lat) to ``region`` (EPSG:4326); 0 inside."""
    if shapely.contains_xy(region, lon, lat):
        return 0.0
    to_local = aeqd_transformers(lon, lat)[0]
    local = shapely.transform(region, lambda xy: np.column_stack(to_local.transform(*xy.T)))
    return float(shapely.distance(shapely.Point(0.0, 0.0), local))



def _incident_problems(
    lon: Any, lat: Any, radii_m: Any, region: shapely.Geometry | None, region_limit_m: float,
) -> tuple[list[str], float, float, list[float]]:
    """Every problem with an incident (the body of :func:`validate_incident`)."""
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
                f"the incident (lon={x:g}, lat={y:g}) lies outside the dataset's region: it is "
                f"{far / 1000:.1f} km from the dataset's region, expected within "
                f"{region_limit_m / 1000:g} km{hint}"
            )
    radii: list[float] = []
    try:
        radii = [float(r) for r in radii_m]
    except (TypeError, ValueError):
        problems.append(f"半径必须是数字 `radii_m` must be numbers (metres), got {radii_m!r}")
    if radii or not problems:
        problems += _radii_problems(radii, unit="m")
    return problems, x, y, radii


def validate_incident(
    lon: float,
    lat: float,
    radii_m: Sequence[float] = DEFAULT_RADII_M,
    *,
    region: shapely.Geometry | None = None,
    region_limit_m: float = REGION_LIMIT_M,
) -> Cordon:
    """Check an incident's place and radii (metres); return them as a :class:`Cordon`.

    The one incident validation: call it once per request, where the input arrives, and pass
    the :class:`Cordon` down.

    Raises
    ------
    ValueError
        With every problem found, in Chinese and English: coordinates out of range or not
        numbers, longitude/latitude likely swapped, a point more than ``region_limit_m`` from
        ``region`` (geodesic), radii not positive, not ascending, duplicated, more than
        :data:`MAX_RINGS` rings or larger than :data:`MAX_RADIUS_M`.

    >>> validate_incident(114.0579, 22.5431, [500, 2000])
    Cordon(lon=114.0579, lat=22.5431, radii_m=(500.0, 2000.0))
    """
    problems, x, y, radii = _incident_problems(lon, lat, radii_m, region, region_limit_m)
    if problems:
        raise ValueError("; ".join(problems))
    return Cordon(x, y, tuple(radii))


def _cordon_of(
    center: tuple[float, float] | Cordon,
    radii_m: Sequence[float] | None = None,
    *,
    region: shapely.Geometry | None = None,
) -> Cordon:
    """``center`` itself when it is a :class:`Cordon` and nothing else is asked; otherwise the
    incident validated (once) from ``center`` = (lon, lat) and ``radii_m``."""
    if isinstance(center, Cordon):
        if (radii_m is None or tuple(radii_m) == center.radii_m) and region is None:
            return center
        radii_m = center.radii_m if radii_m is None else radii_m
    return validate_incident(center[0], center[1],
                             DEFAULT_RADII_M if radii_m is None else radii_m, region=region)


# ---------------------------------------------------------------------------------------------
# rings


def _segments(radius: float, max_sag_m: float) -> int:
    n = math.pi / math.acos(max(-1.0, 1.0 - max_sag_m / radius)) if radius > max_sag_m else 4
    return int(max(256, math.ceil(n / 8) * 8))


@lru_cache(maxsize=64)
def _circle(radius: float, max_sag_m: float) -> NDArray[np.float64]:
    """The ring's vertices in the local AEQD plane (counter-clockwise, closed); cached per
    radius (read-only: the same unit shape serves every incident)."""
    n = _segments(radius, max_sag_m)
    t = np.linspace(0.0, 2 * np.pi, n + 1)
    t[-1] = 0.0  # close exactly
    xy = np.column_stack([radius * np.sin(t), radius * np.cos(t)])[::-1]  # counter-clockwise
    xy = np.ascontiguousarray(xy)
    xy.flags.writeable = False
    return xy


def _ring_coords(cordon: Cordon, max_sag_m: float) -> list[NDArray[np.float64]]:
    """Each radius's geodesic circle around the incident as (n, 2) lon/lat vertices."""
    lon, lat, radii = cordon
    _, to_geo = aeqd_transformers(lon, lat)
    circles = []
    for r in radii:
        xy = _circle(float(r), float(max_sag_m))
        glon, glat = to_geo.transform(xy[:, 0], xy[:, 1])
        circles.append(np.column_stack([glon, glat]))
    return circles


def cordon_rings(
    center: tuple[float, float] | Cordon,
    *,
    radii_m: Sequence[float] | None = None,
    names: Sequence[tuple[str, str] | str] | None = None,
    max_sag_m: float = 0.5,
) -> gpd.GeoDataFrame:
    """Non-overlapping geodesic annuli around ``center`` = (lon, lat), in EPSG:4326.

    ``center`` is a :class:`Cordon` (used as it is, with its radii) or ``(lon, lat)`` with
    ``radii_m`` (metres, inner to outer; default :data:`DEFAULT_RADII_M`), then validated.

    Returns
    -------
    GeoDataFrame
        One row per zone from the centre out: ``zone``, ``name_zh``, ``name_en``, ``inner_m``,
        ``outer_m``, geometry (the core disk, then rings with the inner circle as a hole; rings
        share their boundary vertices exactly, exteriors counter-clockwise as in RFC 7946).
    """
    cordon = _cordon_of(center, radii_m)
    zones = zones_for(cordon.radii_m, names=names)
    circles = _ring_coords(cordon, max_sag_m)
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


def cordon_rings_geojson(
    center: tuple[float, float] | Cordon,
    *,
    radii_m: Sequence[float] | None = None,
    names: Sequence[tuple[str, str] | str] | None = None,
    max_sag_m: float = 0.5,
    decimals: int = 6,
) -> dict[str, Any]:
    """The rings of :func:`cordon_rings` as a GeoJSON FeatureCollection (a JSON-ready dict),
    built straight from the vertex arrays, coordinates rounded to ``decimals`` (6: ~0.1 m).

    The same features, properties and vertices as ``cordon_rings(...).to_json()`` (ids ``"0"``,
    ``"1"``, …), without the GeoDataFrame, plus each zone's legend text ``label_zh`` and
    ``label_en`` (:meth:`Zone.label`: name and range, the range once): what the map draws on
    every click. Exteriors are
    counter-clockwise, holes clockwise (RFC 7946).

    >>> doc = cordon_rings_geojson((114.0579, 22.5431), radii_m=(1000, 5000))
    >>> [f["properties"]["zone"] for f in doc["features"]], doc["features"][0]["id"]
    (['core', 'control'], '0')
    >>> [len(part) for part in doc["features"][1]["geometry"]["coordinates"]]
    [257, 257]
    """
    cordon = _cordon_of(center, radii_m)
    zones = zones_for(cordon.radii_m, names=names)
    circles = [np.round(c, decimals).tolist() for c in _ring_coords(cordon, max_sag_m)]
    features = []
    for i, (zone, ring) in enumerate(zip(zones, circles, strict=True)):
        parts = [ring, circles[i - 1][::-1]] if i else [ring]  # the hole clockwise
        features.append({
            "id": str(i), "type": "Feature",
            "properties": {"zone": zone.zone, "name_zh": zone.name_zh, "name_en": zone.name_en,
                           "inner_m": zone.inner_m, "outer_m": zone.outer_m,
                           "label_zh": zone.label("zh"), "label_en": zone.label("en")},
            "geometry": {"type": "Polygon", "coordinates": parts},
        })
    return {"type": "FeatureCollection", "features": features}
