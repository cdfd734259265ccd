"""Print maps: the inset (overview) map of the whole dataset with the main map's extent box.

The inset sits in the lower-right corner of the map frame: every district (its own metric CRS,
:func:`risk.crs.metric_crs`), the main frame's outline as a red box (densified, so a frame in
another projection is drawn as the curve it is), and the caption "位置图 Overview".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import shapely

from layers.style import BASEMAP
from risk.crs import metric_crs

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["INSET_FRACTION", "inset_box", "draw_inset"]

INSET_FRACTION = 0.24
"""Inset width as a fraction of the map frame's width (its height follows the data)."""
EXTENT_COLOR = "#d7191c"


def inset_box(districts: gpd.GeoDataFrame, map_mm: tuple[float, float, float, float],
              ) -> tuple[float, float, float, float]:
    """Axes-fraction box ``(x0, y0, x1, y1)`` of the inset inside the map frame."""
    crs = metric_crs(tuple(districts.total_bounds))
    x0, y0, x1, y1 = districts.to_crs(crs).total_bounds
    ratio = (y1 - y0) / max(x1 - x0, 1.0)
    w = INSET_FRACTION
    h = min(w * ratio * map_mm[2] / map_mm[3], 0.38)
    w = h / ratio * map_mm[3] / map_mm[2] if h == 0.38 else w
    margin_x, margin_y = 3.0 / map_mm[2], 3.0 / map_mm[3]
    return (1 - margin_x - w, margin_y, 1 - margin_x, margin_y + h)


def draw_inset(fig: Figure, rect: tuple[float, float, float, float],
               districts: gpd.GeoDataFrame, frame_ll: shapely.Geometry, *, lang: str,
               fontsize: float) -> Any:
    """Draw the inset in figure-fraction ``rect`` = (left, bottom, width, height)."""
    crs = metric_crs(tuple(districts.total_bounds))
    ax = fig.add_axes(rect, zorder=40)
    ax.set_facecolor("white")
    proj = districts.to_crs(crs)
    proj.plot(ax=ax, facecolor=BASEMAP["land"], edgecolor="#7a7a7a", linewidth=0.35)
    box = gpd.GeoSeries([shapely.segmentize(frame_ll, max(shapely.length(frame_ll) / 400, 1e-5))],
                        crs=4326).to_crs(crs)
    box.boundary.plot(ax=ax, color=EXTENT_COLOR, linewidth=1.1)
    x0, y0, x1, y1 = proj.total_bounds
    dx, dy = (x1 - x0) * 0.05, (y1 - y0) * 0.05
    ax.set_xlim(x0 - dx, x1 + dx)
    ax.set_ylim(y0 - dy, y1 + dy)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
        spine.set_edgecolor("#555555")
    ax.text(0.03, 0.97, "Overview 位置图" if lang == "en" else "位置图 Overview",
            transform=ax.transAxes, ha="left", va="top", fontsize=fontsize, color="#333333",
            parse_math=False)
    return ax
