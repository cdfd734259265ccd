"""Map furniture for print maps: the map CRS, a scale that is true at the map's centre, the scale
bar and the north arrow.

The print map is drawn in the UTM zone of the data (``estimate_utm_crs()``; EPSG:32650 for
Shenzhen). UTM is conformal but its scale factor ``k`` is not 1 away from the central meridian
(k ≈ 1.0008 at 114°E in zone 50N), so every length on paper is divided by the point scale factor
at the map's centre: a bar labelled "5 km" spans 5 km on the ground there (checked against
:class:`pyproj.Geod` in the tests). The north arrow points to true north at the centre, which
differs from grid north by the meridian convergence (about -1.1° in Shenzhen).

>>> nice_denominator(243_000)
250000
>>> nice_length(3_700)
2000
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pyproj import CRS, Geod, Proj, Transformer

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "PAPER_MM",
    "ScaleBar",
    "map_crs",
    "crs_label",
    "scale_factor_at",
    "true_north_angle",
    "nice_denominator",
    "nice_length",
    "scale_bar_for",
    "draw_scale_bar",
    "draw_north_arrow",
]

PAPER_MM: dict[str, tuple[float, float]] = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}
"""Paper sizes in millimetres, landscape (long side first)."""

_DENOMINATOR_STEPS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 7.5,
                      8.0, 9.0)
_LENGTH_STEPS = (1.0, 2.0, 5.0)
WGS84 = Geod(ellps="WGS84")


def map_crs(bounds: tuple[float, float, float, float]) -> CRS:
    """The UTM CRS (WGS 84) of the centre of lon/lat ``bounds`` ``(west, south, east, north)``.

    >>> map_crs((113.75, 22.4, 114.62, 22.86)).to_epsg()
    32650
    """
    west, south, east, north = bounds
    lon, lat = (west + east) / 2, (south + north) / 2
    zone = int(math.floor((lon + 180) / 6)) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def crs_label(crs: CRS, lang: str = "zh") -> str:
    """``坐标系：WGS 84 / UTM zone 50N (EPSG:32650)`` (Chinese and English)."""
    epsg = crs.to_epsg()
    code = f" (EPSG:{epsg})" if epsg else ""
    if lang == "en":
        return f"Coordinate system 坐标系: {crs.name}{code}"
    return f"坐标系 Coordinate system：{crs.name}{code}"


def scale_factor_at(crs: CRS, lon: float, lat: float) -> float:
    """Point scale factor ``k`` of ``crs`` at (lon, lat): projected length / ground length."""
    factors = Proj(crs).get_factors(lon, lat)
    return float(math.sqrt(factors.meridional_scale * factors.parallel_scale))


def true_north_angle(crs: CRS, lon: float, lat: float) -> float:
    """Direction of true north at (lon, lat) in degrees anticlockwise from the map's +y axis."""
    fwd = Transformer.from_crs(4326, crs, always_xy=True)
    x0, y0 = fwd.transform(lon, lat)
    x1, y1 = fwd.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(-(x1 - x0), y1 - y0))


def nice_denominator(value: float) -> int:
    """The smallest "round" scale denominator (1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, …, 9 × 10ⁿ)
    at least ``value``."""
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"`value` must be a positive finite number, got {value!r}")
    exp = 10 ** math.floor(math.log10(value))
    for step in (*_DENOMINATOR_STEPS, 10.0):
        if step * exp >= value * (1 - 1e-12):
            return int(round(step * exp))
    raise AssertionError("unreachable")


def nice_length(value_m: float) -> int:
    """The largest "round" length (1, 2, 5 × 10ⁿ metres) ≤ ``value_m``."""
    if not value_m >= 1:
        raise ValueError(f"`value_m` must be at least 1 metre, got {value_m!r}")
    exp = 10 ** math.floor(math.log10(value_m))
    best = exp
    for step in _LENGTH_STEPS:
        if step * exp <= value_m * (1 + 1e-12):
            best = step * exp
    return int(round(best))


@dataclass(frozen=True)
class ScaleBar:
    """A scale bar true at the map's centre."""

    length_m: float
    """Ground distance the whole bar stands for, in metres."""
    segments: int
    scale_factor: float
    """Point scale factor of the map CRS at the centre (projected / ground)."""
    denominator: int
    """The map's scale 1:denominator at its centre."""

    @property
    def projected_length(self) -> float:
        """Length of the bar in map-CRS units (metres on the projection plane)."""
        return self.length_m * self.scale_factor

    @property
    def paper_length_mm(self) -> float:
        return self.length_m / self.denominator * 1000.0

    def tick_labels(self) -> list[str]:
        """``["0", "2", "4 km"]``: one label per segment boundary, the unit on the last."""
        km = self.length_m >= 1000
        unit = 1000.0 if km else 1.0
        values = np.linspace(0, self.length_m / unit, self.segments + 1)
        labels = [f"{v:g}" for v in values]
        labels[-1] += " km" if km else " m"
        return labels

    def scale_text(self, lang: str = "zh") -> str:
        """``比例尺 1:250,000``."""
        return f"{'Scale 比例尺' if lang == 'en' else '比例尺 Scale'} 1:{self.denominator:,}"


def scale_bar_for(
    crs: CRS, center: tuple[float, float], *, denominator: int, max_paper_mm: float
) -> ScaleBar:
    """A round-length scale bar no longer than ``max_paper_mm`` on paper.

    Parameters
    ----------
    crs
        The map's projected CRS.
    center
        (lon, lat) of the map's centre, where the bar is true.
    denominator
        The map's scale at its centre (ground metres per paper metre).
    max_paper_mm
        Longest bar allowed on paper.
    """
    if denominator <= 0:
        raise ValueError(f"`denominator` must be positive, got {denominator!r}")
    length = nice_length(denominator * max_paper_mm / 1000.0)
    lead = round(length / 10 ** math.floor(math.log10(length)))
    segments = {1: 5, 2: 4, 5: 5}[lead]
    k = scale_factor_at(crs, *center)
    return ScaleBar(length_m=float(length), segments=segments, scale_factor=k,
                    denominator=denominator)


def ground_length_of_bar(crs: CRS, center: tuple[float, float], projected_length: float) -> float:
    """Geodesic length (pyproj.Geod, WGS 84) of a west–east bar of ``projected_length`` map units
    centred on ``center``; the independent check of :class:`ScaleBar`."""
    fwd = Transformer.from_crs(4326, crs, always_xy=True)
    inv = Transformer.from_crs(crs, 4326, always_xy=True)
    x, y = fwd.transform(*center)
    lon0, lat0 = inv.transform(x - projected_length / 2, y)
    lon1, lat1 = inv.transform(x + projected_length / 2, y)
    return float(WGS84.line_length([lon0, lon1], [lat0, lat1]))


def draw_scale_bar(ax: Axes, bar: ScaleBar, *, x: float, y: float, fontsize: float,
                   lang: str = "zh") -> None:
    """Draw ``bar`` on map axes ``ax`` with its left end at data coordinates (x, y)."""
    from matplotlib.patches import Rectangle

    seg = bar.projected_length / bar.segments
    xlim = ax.get_xlim()
    height = (xlim[1] - xlim[0]) * 0.006
    for i in range(bar.segments):
        ax.add_patch(Rectangle((x + i * seg, y), seg, height, facecolor="black" if i % 2 == 0
                               else "white", edgecolor="black", linewidth=0.6, zorder=20))
    for i, text in enumerate(bar.tick_labels()):
        ax.text(x + i * seg, y + height * 1.8, text, ha="center", va="bottom",
                fontsize=fontsize, zorder=20)
    ax.text(x + bar.projected_length / 2, y - height * 0.9, bar.scale_text(lang), ha="center",
            va="top", fontsize=fontsize, zorder=20)


def draw_north_arrow(ax: Axes, angle_deg: float, *, x: float, y: float, size: float,
                     fontsize: float) -> None:
    """Draw a north arrow pointing ``angle_deg`` anticlockwise from up, centred at axes-fraction
    (x, y), ``size`` long in axes-height fraction."""
    from matplotlib.patches import Polygon

    aspect = ax.bbox.height / ax.bbox.width
    theta = math.radians(angle_deg)

    def rot(dx: float, dy: float) -> tuple[float, float]:
        rx = dx * math.cos(theta) - dy * math.sin(theta)
        ry = dx * math.sin(theta) + dy * math.cos(theta)
        return x + rx * size * aspect, y + ry * size

    tip, left, right, tail = rot(0, 0.5), rot(-0.22, -0.5), rot(0.22, -0.5), rot(0, -0.28)
    tr = ax.transAxes
    ax.add_patch(Polygon([tip, left, tail], closed=True, facecolor="black", edgecolor="black",
                         linewidth=0.6, transform=tr, zorder=20))
    ax.add_patch(Polygon([tip, right, tail], closed=True, facecolor="white", edgecolor="black",
                         linewidth=0.6, transform=tr, zorder=20))
    lx, ly = rot(0, 0.62)
    ax.text(lx, ly, "北 N", ha="center", va="bottom", fontsize=fontsize, transform=tr, zorder=20)
