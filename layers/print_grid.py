"""Print maps: the graticule (经纬网) with degree labels on the frame.

Meridians and parallels are drawn at a round step (:data:`STEPS_DEG`: 1°, 30′, 20′, 15′, 10′,
5′, 2′, 1′, 30″ …) giving at least three lines across the frame; they are curves in the map's
transverse Mercator, densified before projecting. Each line is labelled where it meets the
frame: meridians on the bottom and top edges, parallels on the left and right edges, in degrees
and minutes (``114°10′E``, ``22°30′N``), inside the neat line on a white halo.

>>> format_degrees(114.1666667, "lon"), format_degrees(22.5, "lat")
('114°10′E', '22°30′N')
>>> grid_step(0.9)
0.25
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from layers.print_parts import halo_text, transformer

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["STEPS_DEG", "grid_step", "format_degrees", "draw_graticule"]

STEPS_DEG = (5.0, 2.0, 1.0, 0.5, 1 / 3, 0.25, 1 / 6, 1 / 12, 1 / 30, 1 / 60, 1 / 120, 1 / 240)
"""Graticule steps in degrees, largest first."""


def grid_step(span_deg: float) -> float:
    """The largest step of :data:`STEPS_DEG` giving at least three lines over ``span_deg``."""
    for step in STEPS_DEG:
        if span_deg / step >= 3:
            return step
    return STEPS_DEG[-1]


def format_degrees(value: float, axis: str) -> str:
    """``114°10′E`` / ``22°30′N`` (seconds only when the value has them)."""
    hemi = ("E" if value >= 0 else "W") if axis == "lon" else ("N" if value >= 0 else "S")
    total = round(abs(value) * 3600)
    d, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    text = f"{d}°"
    if m or s:
        text += f"{m:02d}′"
    if s:
        text += f"{s:02d}″"
    return text + hemi


def _frame_ll(crs: Any, xlim: tuple[float, float], ylim: tuple[float, float],
              ) -> tuple[float, float, float, float]:
    inv = transformer(crs, 4326)
    xs = np.concatenate([np.linspace(*xlim, 50), np.full(50, xlim[1]), np.linspace(*xlim, 50),
                         np.full(50, xlim[0])])
    ys = np.concatenate([np.full(50, ylim[0]), np.linspace(*ylim, 50), np.full(50, ylim[1]),
                         np.linspace(*ylim, 50)])
    lon, lat = inv.transform(xs, ys)
    return float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat))


def draw_graticule(ax: Axes, crs: Any, *, xlim: tuple[float, float], ylim: tuple[float, float],
                   fontsize: float) -> list[str]:
    """Draw the graticule on ``ax`` (map units of ``crs``) and label it on the frame.

    Returns the labels drawn (for the tests and the information panel).
    """
    west, south, east, north = _frame_ll(crs, xlim, ylim)
    step = grid_step(min(east - west, north - south))
    fwd = transformer(4326, crs)
    frame = shapely.box(xlim[0], ylim[0], xlim[1], ylim[1])
    edges = {"bottom": shapely.LineString([(xlim[0], ylim[0]), (xlim[1], ylim[0])]),
             "top": shapely.LineString([(xlim[0], ylim[1]), (xlim[1], ylim[1])]),
             "left": shapely.LineString([(xlim[0], ylim[0]), (xlim[0], ylim[1])]),
             "right": shapely.LineString([(xlim[1], ylim[0]), (xlim[1], ylim[1])])}
    pad_x = (xlim[1] - xlim[0]) * 0.004
    pad_y = (ylim[1] - ylim[0]) * 0.004
    labels: list[str] = []
    lines = [("lon", v) for v in np.arange(math.ceil(west / step) * step, east, step)]
    lines += [("lat", v) for v in np.arange(math.ceil(south / step) * step, north, step)]
    for axis, value in lines:
        t = np.linspace(south - step, north + step, 120) if axis == "lon" else \
            np.linspace(west - step, east + step, 120)
        lon, lat = (np.full_like(t, value), t) if axis == "lon" else (t, np.full_like(t, value))
        x, y = fwd.transform(lon, lat)
        line = shapely.LineString(np.column_stack([x, y])).intersection(frame)
        if line.is_empty:
            continue
        for part in getattr(line, "geoms", [line]):
            coords = np.asarray(part.coords)
            ax.plot(coords[:, 0], coords[:, 1], color="#5b6b7a", linewidth=0.45,
                    linestyle=(0, (4, 3)), alpha=0.8, zorder=7)
        text = format_degrees(float(value), axis)
        sides = ("bottom", "top") if axis == "lon" else ("left", "right")
        for side in sides:
            hit = shapely.LineString(np.column_stack([x, y])).intersection(edges[side])
            if hit.is_empty or hit.geom_type != "Point":
                continue
            (hx, hy), = shapely.get_coordinates(hit)
            kwargs: dict[str, Any] = {"fontsize": fontsize, "color": "#2b3a48", "zorder": 24,
                                      "halo": 2.0}
            if side == "bottom":
                halo_text(ax, hx, hy + pad_y, text, ha="center", va="bottom", **kwargs)
            elif side == "top":
                halo_text(ax, hx, hy - pad_y, text, ha="center", va="top", **kwargs)
            elif side == "left":
                halo_text(ax, hx + pad_x, hy, text, ha="center", va="top", rotation=90,
                        rotation_mode="anchor", **kwargs)
            else:
                halo_text(ax, hx - pad_x, hy, text, ha="center", va="bottom", rotation=90,
                        rotation_mode="anchor", **kwargs)
            labels.append(text)
    return labels
