"""Print maps: drawing the layers, graded zones, incident rings and labels with matplotlib.

Colours and labels come from :mod:`layers.style` and :mod:`risk.grades`, the same definitions
the interactive map uses; every function adds what it draws to the :class:`Legend`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.print_frames import PrintMapError
from layers.print_parts import Legend, bilingual, halo_text
from layers.print_symbols import draw_enterprises
from layers.style import (
    BASEMAP,
    DOWNWIND_STYLE,
    INCIDENT_MARKER,
    INCIDENT_TITLE,
    ROAD_STYLES,
    SHELTER_COLORS,
    STYLES,
    WATERLOGGING_CLASSES,
    RingStyle,
    ring_style,
)
from risk.cordon.rings import zone_label
from risk.grades import GRADES, parse_grade

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from shapely.geometry.base import BaseGeometry

__all__ = ["DRAW_ORDER", "draw_layers", "draw_other_points", "draw_zones", "draw_incident",
           "draw_downwind", "downwind_legend_label", "draw_district_labels"]

DRAW_ORDER = ("districts", "slopes", "roads", "waterlogging", "shelters", "enterprises")
"""Layers from the bottom up."""
_PX_TO_PT = 0.75  # layers/style.py sizes are CSS pixels
_SHELTER_LABELS = {
    "central": ("中心避难场所", "Central shelter"),
    "fixed": ("固定避难场所", "Fixed shelter"),
    "emergency": ("紧急避难场所", "Emergency shelter"),
}


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.get_coordinates(gdf.geometry.values)


def _draw_polygons(ax: Axes, gdf: gpd.GeoDataFrame, **kwargs: Any) -> None:
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    patches = []
    for geom in gdf.geometry.values:
        if geom is None or geom.is_empty:
            continue
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            rings = [np.asarray(poly.exterior.coords)] + [np.asarray(r.coords)
                                                          for r in poly.interiors]
            verts = np.concatenate(rings)
            codes = np.concatenate([
                [MplPath.MOVETO] + [MplPath.LINETO] * (len(r) - 2) + [MplPath.CLOSEPOLY]
                for r in rings
            ])
            patches.append(PathPatch(MplPath(verts, codes)))
    if patches:
        ax.add_collection(PatchCollection(patches, **kwargs))


def _draw_lines(ax: Axes, gdf: gpd.GeoDataFrame, **kwargs: Any) -> None:
    from matplotlib.collections import LineCollection

    segs = []
    for geom in gdf.geometry.values:
        if geom is None or geom.is_empty:
            continue
        for line in getattr(geom, "geoms", [geom]):
            segs.append(np.asarray(line.coords)[:, :2])
    if segs:
        ax.add_collection(LineCollection(segs, **kwargs))


def _dash(spec: str | None) -> Any:
    if not spec:
        return "solid"
    return (0, tuple(float(v) for v in spec.split()))


def _point_handle(color: str, marker: str = "o", edge: str = "none", size: float = 6.0) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker=marker, markersize=size,
                  markerfacecolor=color, markeredgecolor=edge, markeredgewidth=0.5)


def draw_layers(ax: Axes, frames: dict[str, gpd.GeoDataFrame], legend: Legend, *,
                 chosen_districts: list[str], lang: str, n_points: int,
                scale: float = 1.0) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    for name in DRAW_ORDER:
        if name == "enterprises":  # layers without a print style of their own, below
            draw_other_points(ax, frames, legend, lang=lang)
        if name not in frames:
            continue
        gdf = frames[name]
        style = STYLES[name]
        title = bilingual(*style.title, lang)
        if name == "districts" and len(gdf):
            _draw_polygons(ax, gdf, facecolor=BASEMAP["land"], edgecolor="none", zorder=1)
            _draw_polygons(ax, gdf, facecolor="none", edgecolor=style.color,
                           linewidth=style.weight * _PX_TO_PT, linestyle=_dash(style.dash),
                           zorder=6)
            if chosen_districts:  # veil the districts around the chosen ones
                _draw_polygons(ax, gdf[~gdf["name"].isin(chosen_districts)], facecolor="white",
                               edgecolor="none", alpha=0.45, zorder=5)
                _draw_polygons(ax, gdf[gdf["name"].isin(chosen_districts)], facecolor="none",
                               edgecolor="#222222", linewidth=1.8, zorder=6)
            legend.add(Patch(facecolor=BASEMAP["land"], edgecolor=style.color,
                             linestyle="--", linewidth=0.8), title)
        elif name == "slopes" and len(gdf):
            _draw_polygons(ax, gdf, facecolor=style.fill, edgecolor=style.color,
                           alpha=style.fill_opacity, linewidth=style.weight * _PX_TO_PT, zorder=3)
            legend.add(Patch(facecolor=style.fill, edgecolor=style.color,
                             alpha=style.fill_opacity), title)
        elif name == "roads" and len(gdf):
            legend.header(title)
            classes = gdf["road_class"].astype(str) if "road_class" in gdf else pd.Series(
                "secondary", index=gdf.index)
            from data.schema import ROAD_CLASSES

            for code in reversed(list(ROAD_STYLES)):
                part = gdf[classes == code]
                if part.empty:
                    continue
                color, width = ROAD_STYLES[code]
                _draw_lines(ax, part, colors=color, linewidths=width * _PX_TO_PT, zorder=4,
                            capstyle="round", joinstyle="round")
            for code, (color, width) in ROAD_STYLES.items():
                if (classes == code).any():
                    legend.add(Line2D([], [], color=color, linewidth=width * _PX_TO_PT * 1.3),
                               bilingual(*ROAD_CLASSES[code], lang))
        elif name == "waterlogging" and len(gdf):
            legend.header(title)
            depth = gdf["max_depth_cm"].astype(float).fillna(0).to_numpy()
            bounds = [c[0] for c in WATERLOGGING_CLASSES] + [np.inf]
            for i, (_, color, pair) in enumerate(WATERLOGGING_CLASSES):
                sel = (depth >= bounds[i]) & (depth < bounds[i + 1])
                if sel.any():
                    xy = _xy(gdf[sel])
                    ax.scatter(xy[:, 0], xy[:, 1], s=(style.radius * _PX_TO_PT * 1.1) ** 2,
                               marker="D", c=color, edgecolors=style.color, linewidths=0.4,
                               zorder=8)
                    legend.add(_point_handle(color, "D", style.color, 5.5),
                               f"{bilingual(*pair, lang)} ({int(sel.sum())})")
        elif name == "shelters" and len(gdf):
            legend.header(title)
            kinds = gdf["shelter_type"].astype(str)
            for code in ("central", "fixed", "emergency"):
                sel = (kinds == code).to_numpy()
                if sel.any():
                    xy = _xy(gdf[sel])
                    color = SHELTER_COLORS[code]
                    ax.scatter(xy[:, 0], xy[:, 1], s=(style.radius * _PX_TO_PT * 1.2) ** 2,
                               marker="s", c=color, edgecolors="white", linewidths=0.4, zorder=9)
                    legend.add(_point_handle(color, "s", "white", 6.0),
                               f"{bilingual(*_SHELTER_LABELS[code], lang)} ({int(sel.sum())})")
        elif name == "enterprises" and len(gdf):
            legend.header(title)
            draw_enterprises(ax, gdf, legend, lang=lang, n_points=n_points, scale=scale)


_OTHER_SYMBOLS = (("#6a3d9a", "p"), ("#1b7837", "h"), ("#b35806", "D"), ("#2166ac", "X"),
                  ("#762a83", "P"))
"""Symbols of point layers without a print style of their own (rescue teams, depots …)."""


def draw_other_points(ax: Axes, frames: dict[str, gpd.GeoDataFrame], legend: Legend, *,
                      lang: str) -> list[str]:
    """Draw the point layers :data:`DRAW_ORDER` does not know (each its own symbol, above the
    shelters, below the enterprises) with a legend entry naming the layer and its count; returns
    their names."""
    from data.schema import LAYERS

    drawn: list[str] = []
    for name, gdf in frames.items():
        if name in DRAW_ORDER or not len(gdf) or gdf.geom_type.iloc[0] != "Point":
            continue
        color, marker = _OTHER_SYMBOLS[len(drawn) % len(_OTHER_SYMBOLS)]
        xy = _xy(gdf)
        ax.scatter(xy[:, 0], xy[:, 1], s=5.0 ** 2, marker=marker, c=color, edgecolors="white",
                   linewidths=0.4, zorder=9.5)
        spec = LAYERS.get(name)
        title = bilingual(spec.label_zh, spec.label_en, lang) if spec else name
        legend.add(_point_handle(color, marker, "white", 6.0), f"{title}：{len(gdf):,}")
        drawn.append(name)
    return drawn


def draw_zones(ax: Axes, zones: gpd.GeoDataFrame, legend: Legend, lang: str) -> None:
    from matplotlib.patches import Patch

    if "grade" not in zones.columns:
        msg = f"`zones` must have a 'grade' column, got columns {list(zones.columns)}"
        raise PrintMapError(msg)
    codes = zones["grade"].map(lambda g: parse_grade(g).value)
    legend.header(bilingual("风险分区", "Risk zones", lang))
    for grade in reversed(GRADES):
        part = zones[codes == grade.value]
        if len(part):
            _draw_polygons(ax, part, facecolor=grade.color, edgecolor=grade.color, alpha=0.28,
                           linewidth=0.5, zorder=2)
    for grade in GRADES:
        if (codes == grade.value).any():
            legend.add(Patch(facecolor=grade.color, alpha=0.35, edgecolor=grade.color),
                       bilingual(grade.label_zh, grade.label_en, lang))


def _ring_dash(style: RingStyle) -> Any:
    """The ring's dash pattern in points, independent of its width as on the map (matplotlib
    multiplies a dash pattern by the line width, so it is divided by it here)."""
    if not style.dash:
        return "solid"
    width = style.weight * _PX_TO_PT
    return (0, tuple(float(v) * _PX_TO_PT / width for v in style.dash.split()))


def draw_incident(ax: Axes, rings: gpd.GeoDataFrame, center_xy: tuple[float, float],
                   legend: Legend, lang: str, fontsize: float) -> None:
    """The cordon rings as the map draws them (:func:`layers.style.ring_style` of each zone:
    colour, weight, dash, over a white halo), labelled with their name and radius, and the
    incident point."""
    from matplotlib.lines import Line2D

    legend.header(bilingual("事故警戒圈", "Incident rings", lang))
    legend.add(incident_point_handle(), bilingual(*INCIDENT_TITLE, lang))
    for _, ring in rings.sort_values("outer_m").iterrows():
        style = ring_style(str(ring.get("zone", "")))
        color, width = style.color, style.weight * _PX_TO_PT
        outer = shapely.get_exterior_ring(ring.geometry) if ring.geometry.geom_type == "Polygon" \
            else ring.geometry.boundary
        line = gpd.GeoDataFrame(geometry=[outer])
        if style.halo_weight > 0:
            _draw_lines(ax, line, colors=style.halo, linewidths=width + style.halo_weight * _PX_TO_PT,
                        linestyles="solid", zorder=13.5, capstyle="round", joinstyle="round")
        _draw_lines(ax, line, colors=color, linewidths=width, linestyles=_ring_dash(style),
                    zorder=14)
        legend.add(Line2D([], [], color=color, linewidth=width, linestyle=_ring_dash(style)),
                   zone_label(str(ring["name_zh"]), str(ring["name_en"]), float(ring["inner_m"]),
                              float(ring["outer_m"]), lang, both=True))
        x, y = center_xy
        top = shapely.get_coordinates(outer)[:, 1].max()
        name = str(ring["name_en"] if lang == "en" else ring["name_zh"])
        # an outer ring's name already ends with its range
        on_ring = name if name.endswith(" km") else f"{name} {ring['outer_m'] / 1000:g} km"
        halo_text(ax, x, top, on_ring, color=color,
                  ha="center", va="bottom", fontsize=fontsize, zorder=15, clip_on=True,
                  halo=2.2)
    draw_incident_point(ax, *center_xy)


_INCIDENT_PT = 11.0
"""The incident point's diameter on paper (points; the map's marker is 22 CSS px)."""


def draw_incident_point(ax: Axes, x: float, y: float, *, scale: float = 1.0,
                        zorder: float = 16) -> None:
    """The incident point as the map draws it (:data:`layers.style.INCIDENT_MARKER`): a red disc
    with a white edge and a black outline, with a white "!", above everything else."""
    m = INCIDENT_MARKER
    d = _INCIDENT_PT * scale
    ax.scatter([x], [y], s=(d + 1.6 * scale) ** 2, marker="o", c=str(m["outline"]),
               linewidths=0, zorder=zorder)
    ax.scatter([x], [y], s=d ** 2, marker="o", c=str(m["fill"]), edgecolors=str(m["edge"]),
               linewidths=2.0 * scale, zorder=zorder + 0.1)
    ax.text(x, y, "!", color="white", fontsize=8 * scale, ha="center",
            va="center_baseline", zorder=zorder + 0.2, parse_math=False)


def incident_point_handle(size: float = 9.0) -> Any:
    """The incident point's legend symbol (a red disc, white edge, black outline)."""
    from matplotlib.lines import Line2D

    m = INCIDENT_MARKER
    return Line2D([], [], linestyle="none", marker="o", markersize=size,
                  markerfacecolor=str(m["fill"]), markeredgecolor=str(m["outline"]),
                  markeredgewidth=1.2)


def downwind_legend_label(wind_from_deg: float, distance_m: float, lang: str) -> str:
    """The legend text of the downwind area: its name, the wind direction and its reach.

    >>> downwind_legend_label(45.0, 10_000.0, "zh")
    '下风向防护区  Downwind area (风向 45°, 10 km)'
    >>> downwind_legend_label(45.0, 8_500.0, "en")
    'Downwind area  下风向防护区 (wind from 45°, 8.5 km)'
    """
    wind = "wind from" if lang == "en" else "风向"
    return (f"{bilingual('下风向防护区', 'Downwind area', lang)} "
            f"({wind} {wind_from_deg:g}°, {distance_m / 1000:g} km)")


def draw_downwind(ax: Axes, area: BaseGeometry, legend: Legend, *, wind_from_deg: float,
                  distance_m: float, lang: str) -> Any:
    """The downwind protective-action area (a polygon in the map's CRS, from
    :func:`risk.cordon.downwind_zone`) as the map draws it (:data:`layers.style.DOWNWIND_STYLE`:
    teal, dashed, lightly filled), below the rings; its legend entry names the wind and reach.
    Returns the outline's patch (its path is the drawn polygon)."""
    from matplotlib.patches import Patch
    from matplotlib.patches import Polygon as MplPolygon

    style = DOWNWIND_STYLE
    width = style.weight * _PX_TO_PT
    dash = _ring_dash(style)
    polys = [p for p in getattr(area, "geoms", [area]) if p.geom_type == "Polygon"]
    outline = None
    for poly in polys:
        xy = np.asarray(poly.exterior.coords)[:, :2]
        ax.add_patch(MplPolygon(xy, closed=True, facecolor=style.color,
                                alpha=style.fill_opacity, edgecolor="none", zorder=12.5))
        outline = ax.add_patch(MplPolygon(xy, closed=True, facecolor="none",
                                          edgecolor=style.color, linewidth=width,
                                          linestyle=dash, zorder=12.6, gid="downwind"))
    legend.add(Patch(facecolor=(*_rgb(style.color), style.fill_opacity * 2),
                     edgecolor=style.color, linewidth=width * 0.6, linestyle=dash),
               downwind_legend_label(wind_from_deg, distance_m, lang))
    return outline


def _rgb(color: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(color)


def draw_district_labels(ax: Axes, districts: gpd.GeoDataFrame, view: BaseGeometry,
                          fontsize: float, lang: str,
                          avoid: list[tuple[float, float, float, float]] | None = None,
                          ) -> list[Any]:
    """Label each district at a point of its visible part far enough inside ``view`` (the
    frame, in map units) that the whole two-line label fits inside the frame and clear of the
    ``avoid`` boxes (axes fraction: the scale bar, north arrow, inset); returns the texts."""

    texts: list[Any] = []
    ax.apply_aspect()
    x0, x1 = ax.get_xlim()
    per_pt = (x1 - x0) / (ax.get_window_extent().width * 72.0 / ax.figure.dpi)  # map units/pt
    for _, row in districts.iterrows():
        zh, en = str(row.get("name", "")), str(row.get("name_en", "") or "")
        text = f"{en}\n{zh}" if lang == "en" and en else (f"{zh}\n{en}" if en else zh)
        cols = max(len(en) * 0.55, len(zh)) if en else len(zh)
        half_w = cols * fontsize * 0.55 * per_pt + 2 * per_pt
        half_h = (2.3 if en else 1.2) * fontsize * 0.5 * per_pt + 2 * per_pt
        vx0, vy0, vx1, vy1 = view.bounds
        if vx1 - vx0 <= 2 * half_w or vy1 - vy0 <= 2 * half_h:
            continue
        inner: BaseGeometry = shapely.box(vx0 + half_w, vy0 + half_h, vx1 - half_w,
                                          vy1 - half_h)
        for fx0, fy0, fx1, fy1 in avoid or ():
            inner = inner.difference(shapely.box(
                vx0 + fx0 * (vx1 - vx0) - half_w, vy0 + fy0 * (vy1 - vy0) - half_h,
                vx0 + fx1 * (vx1 - vx0) + half_w, vy0 + fy1 * (vy1 - vy0) + half_h))
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        whole = geom.intersection(view)
        if whole.is_empty or whole.area < 0.0005 * view.area:
            continue
        visible = geom.intersection(inner)
        if visible.is_empty or visible.area < 0.15 * whole.area:
            continue
        point = visible.representative_point()
        texts.append(halo_text(ax, point.x, point.y, text, ha="center", va="center",
                               fontsize=fontsize, color=BASEMAP["label"], linespacing=1.1,
                               zorder=18, clip_on=True, halo=2.5))
    return texts
