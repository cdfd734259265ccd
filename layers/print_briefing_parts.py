"""Parts of the field briefing page (:mod:`layers.print_briefing`): its geometry, the map
frame and the QR code, all drawn on a matplotlib figure of :data:`PAGE_MM`; the tables, text cut
to fit and the map frame's axes and furniture are :mod:`layers.print_sheet`'s (shared with the
network pages).

Positions are millimetres from the page's top left (as one reads a page); every text is
literal (``parse_math=False``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from data.schema import SITE_KINDS
from layers.print_draw import draw_downwind, draw_incident, draw_incident_point, draw_layers
from layers.print_frames import _in_bbox, _padded
from layers.print_page import MapView, view_bounds
from layers.print_parts import Legend, bilingual, halo_text
from layers.print_sheet import draw_map_furniture, map_frame_axes
from layers.style import SENSITIVE_COLORS, SHELTER_COLORS
from risk.grades import GRADES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PAGE_MM", "MARGIN_MM", "MAP_MM", "PANEL_MM", "LETTERS", "dataset_layer",
           "draw_briefing_map", "draw_qr"]

PAGE_MM = (210.0, 297.0)
"""A4 portrait, millimetres."""
MARGIN_MM = 10.0
MAP_MM = (MARGIN_MM, 34.0, 118.0, 118.0)
"""The map frame: left, top (from the page's top), width, height."""
PANEL_MM = (132.0, 34.0, 68.0, 118.0)
"""The legend beside the map."""
LETTERS = "ABCDEFGHIJ"
"""The marks of the shelters to evacuate to, on the map and in their table."""
_M = MARGIN_MM
_MAP = MAP_MM
_LETTERS = LETTERS
_PX_TO_PT = 0.75

# --------------------------------------------------------------------------------------------
# the map


def dataset_layer(dataset: Any, name: str) -> gpd.GeoDataFrame | None:
    try:
        gdf = dataset.layer(name)
    except (KeyError, ValueError):
        return None
    return gdf if gdf is not None and len(gdf) else None


def _barrier_markers() -> tuple[Any, Any]:
    """The checkpoint symbol (:data:`layers.style.CHECKPOINT_SYMBOL`, a striped barrier) as
    two matplotlib marker paths: the bar and its red end stripes."""
    from matplotlib.path import Path as MplPath

    def rect(x0: float, x1: float) -> list[tuple[float, float]]:
        return [(x0, -0.5), (x1, -0.5), (x1, 0.5), (x0, 0.5), (x0, -0.5)]

    codes = [MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO, MplPath.LINETO, MplPath.CLOSEPOLY]
    bar = MplPath(rect(-1, 1), codes)
    stripes = MplPath(rect(-1, -0.6) + rect(-0.2, 0.2) + rect(0.6, 1), codes * 3)
    return bar, stripes


def draw_briefing_map(fig: Figure, dataset: Any, view: MapView, ex: Any, *,
                      checkpoints: pd.DataFrame, n_numbered: int, sites: pd.DataFrame,
                      evacuation: pd.DataFrame, lang: str) -> Legend:
    """The map frame: the dataset's context layers and enterprises, the rings, the downwind
    area of ``ex`` (an :class:`risk.cordon.Exposure`), the sensitive ``sites``, the lettered
    ``evacuation`` shelters, the ``checkpoints`` (the first ``n_numbered`` numbered as in the
    roster), scale bar and north arrow; returns the legend of what it drew."""

    from layers.style import CHECKPOINT_SYMBOL, CHECKPOINT_TITLE

    _, _, fw, fh = _MAP
    ax = map_frame_axes(fig, _MAP, view)
    crs = view.crs
    (cx, cy), half_w, half_h = view.center_xy, (view.xlim[1] - view.xlim[0]) / 2, \
        (view.ylim[1] - view.ylim[0]) / 2
    frame = shapely.box(cx - half_w * 1.05, cy - half_h * 1.05, cx + half_w * 1.05,
                        cy + half_h * 1.05)
    bbox = view_bounds(view)
    frames: dict[str, gpd.GeoDataFrame] = {}
    for name in ("districts", "roads", "enterprises"):  # shelters: only those to evacuate to
        gdf = dataset_layer(dataset, name)
        if gdf is None:
            continue
        gdf = _in_bbox(gdf, _padded(bbox, 0.03))
        if name == "enterprises" and len(gdf):
            gdf = gdf[_priority_mask(gdf)]
        if not len(gdf):
            continue
        proj = gdf.to_crs(crs)
        if proj.geom_type.iloc[0] != "Point":
            proj = proj.assign(geometry=shapely.clip_by_rect(proj.geometry.values,
                                                             *frame.bounds))
            proj = proj[~proj.geometry.is_empty]
        frames[name] = proj
    scratch = Legend([])  # the layers' own long legend is not printed: the briefing has its own
    draw_layers(ax, frames, scratch, chosen_districts=[], lang=lang,
                n_points=len(frames.get("enterprises", ())), scale=0.75)
    legend = Legend([])
    fwd = Transformer.from_crs(4326, crs, always_xy=True)
    ix, iy = fwd.transform(*ex.center)
    draw_incident(ax, ex.rings.to_crs(crs), (ix, iy), legend, lang, 6.0)
    if ex.downwind is not None:  # as the print map draws it (layers/print_draw.py)
        area = gpd.GeoSeries([ex.downwind["geometry"]], crs=4326).to_crs(crs).iloc[0]
        draw_downwind(ax, area, legend, wind_from_deg=float(ex.downwind["wind_from_deg"]),
                      distance_m=float(ex.downwind["distance_m"]), lang=lang)
    draw_incident_point(ax, ix, iy, zorder=22)  # above the sites and shelters drawn below
    # sensitive sites, by kind
    if len(sites):
        sx, sy = fwd.transform(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
        kinds = sites["kind"].astype(str).to_numpy()
        legend.header(bilingual("敏感目标", "Sensitive sites", lang))
        for code, names in SITE_KINDS.items():
            sel = kinds == code
            if sel.any():
                color = SENSITIVE_COLORS[code]
                ax.scatter(np.asarray(sx)[sel], np.asarray(sy)[sel], s=4.2 ** 2, marker="p",
                           c=color, edgecolors="white", linewidths=0.4, zorder=18)
                legend.add(_handle(color, "p", "white", 5.5),
                           f"{bilingual(*names, lang)}：{int(sel.sum()):,}")
    # shelters to evacuate to, lettered as in their table
    legend.header(bilingual("疏散与管控", "Evacuation and control", lang))
    if len(evacuation):
        ex_x, ex_y = fwd.transform(evacuation["lon"].to_numpy(float),
                                   evacuation["lat"].to_numpy(float))
        ax.scatter(ex_x, ex_y, s=6.5 ** 2, marker="s", c=SHELTER_COLORS["central"],
                   edgecolors="black", linewidths=0.8, zorder=19)
        for k, (px, py) in enumerate(zip(np.atleast_1d(ex_x), np.atleast_1d(ex_y),
                                         strict=True)):
            halo_text(ax, px, py, f" {_LETTERS[k]}", ha="left", va="center", fontsize=6.5,
                      color="#1b5e20", zorder=21, clip_on=True, halo=2.0)
        legend.add(_handle(SHELTER_COLORS["central"], "s", "black", 6.0),
                   bilingual("疏散避难场所（A…）", "Shelter to evacuate to (A…)", lang))
    # checkpoints: striped barriers, numbered as in the roster
    if len(checkpoints):
        bar, stripes = _barrier_markers()
        kx, ky = fwd.transform(checkpoints["lon"].to_numpy(float),
                               checkpoints["lat"].to_numpy(float))
        kx, ky = np.atleast_1d(np.asarray(kx)), np.atleast_1d(np.asarray(ky))
        size = 5.5 ** 2
        ax.scatter(kx, ky, s=size, marker=bar, c=str(CHECKPOINT_SYMBOL["ground"]),
                   edgecolors="none", zorder=19)
        ax.scatter(kx, ky, s=size, marker=stripes, c=str(CHECKPOINT_SYMBOL["stripe"]),
                   edgecolors="none", zorder=19.1)
        ax.scatter(kx, ky, s=size, marker=bar, facecolors="none",
                   edgecolors=str(CHECKPOINT_SYMBOL["edge"]), linewidths=0.5, zorder=19.2)
        per_mm = (view.xlim[1] - view.xlim[0]) / fw
        for k in range(min(n_numbered, len(kx))):
            dx, dy = kx[k] - ix, ky[k] - iy
            norm = math.hypot(dx, dy) or 1.0
            px, py = kx[k] + dx / norm * 2.6 * per_mm, ky[k] + dy / norm * 2.6 * per_mm
            halo_text(ax, px, py, str(k + 1), ha="center", va="center", fontsize=4.6,
                      color="#b71c1c", zorder=20, clip_on=True, halo=1.6)
        from matplotlib.lines import Line2D

        legend.add(Line2D([], [], linestyle="none", marker=bar, markersize=7,
                          markerfacecolor=str(CHECKPOINT_SYMBOL["stripe"]),
                          markeredgecolor="black", markeredgewidth=0.5),
                   f"{bilingual(*CHECKPOINT_TITLE, lang)}（1…）：{len(checkpoints):,}")
    ent = frames.get("enterprises")
    if ent is not None and len(ent):
        from layers.print_symbols import MAJOR_MARKER

        legend.header(bilingual("重点企业", "Priority enterprises", lang))
        codes = ent["grade"].astype(str).to_numpy()
        major = _major(ent)
        for grade in GRADES:
            count = int(((codes == grade.value) & ~major).sum())
            if count:
                legend.add(_handle(grade.color, "o", "none", 4.0),
                           f"{bilingual(grade.label_zh, grade.label_en.split(' (')[0], lang)}"
                           f"：{count:,}")
        if major.any():
            legend.add(_handle("#ffffff", MAJOR_MARKER, "#222222", 5.5),
                       f"{bilingual('重大危险源', 'Major hazard', lang)}：{int(major.sum()):,}")
    # scale bar (lower left) and north arrow (upper right), as on the other prints
    draw_map_furniture(ax, view, (fw, fh), lang, bar_share=0.3, bar_left=0.012)
    return legend


def _major(gdf: gpd.GeoDataFrame) -> np.ndarray:
    if "major_hazard" not in gdf.columns:
        return np.zeros(len(gdf), dtype=bool)
    return gdf["major_hazard"].fillna(False).astype(bool).to_numpy()


def _priority_mask(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """The enterprises the briefing's map shows: red and orange grades and major hazard
    sources (the priority list of :func:`risk.cordon.exposure`); the tables count them all."""
    grade = gdf["grade"].astype(str).to_numpy() if "grade" in gdf.columns else np.full(
        len(gdf), "")
    return np.isin(grade, ("red", "orange")) | _major(gdf)


def _handle(color: str, marker: str, edge: str, size: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker=marker, markersize=size,
                  markerfacecolor=color, markeredgecolor=edge, markeredgewidth=0.5)


def draw_qr(fig: Figure, link: str, lang: str) -> None:
    """The share link's QR code, vector squares, in the top right corner, captioned."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    from data.share import qr_modules

    modules = qr_modules(link, border=2)
    n = len(modules)
    w_mm, h_mm = PAGE_MM
    side = 23.0
    x0, top = w_mm - _M - side, 7.5
    ax = fig.add_axes((x0 / w_mm, 1 - (top + side) / h_mm, side / w_mm, side / h_mm))
    ax.set_xlim(0, n)
    ax.set_ylim(n, 0)
    ax.axis("off")
    squares = []
    for r, row in enumerate(modules):  # one rectangle per run of dark modules
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                squares.append(Rectangle((start, r), c - start, 1))
            else:
                c += 1
    ax.add_collection(PatchCollection(squares, facecolor="black", edgecolor="none"))
    fig.text((x0 + side / 2) / w_mm, 1 - (top + side + 0.3) / h_mm,
             bilingual("扫码打开事件", "Scan to open", lang), ha="center", va="top",
             fontsize=5.2, color="#444444", parse_math=False)


# --------------------------------------------------------------------------------------------
