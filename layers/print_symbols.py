"""Print maps: enterprise symbols by importance and the labels of the key enterprises.

Symbols: the marker size and the drawing order follow the grade (:data:`GRADE_SIZE`: red
largest and drawn last, on top; blue smallest, underneath); a major hazard source (重大危险源)
is a triangle in its grade's colour with a dark outline, drawn above every circle. The legend
shows the same symbols at the same sizes.

Labels: red (重大风险) and major-hazard enterprises are labelled with their short name
(:func:`short_name`). Placement is greedy in paper space, most important first (red major
hazards, red, other major hazards; each group west to east): four positions beside the point,
then four farther out with a leader line; a label that would overlap an earlier label, a
labelled marker, the map furniture or the frame edge is skipped and counted
(:class:`LabelStats`), and the count is printed in the information panel.

>>> short_name("深圳市明东石油气有限公司", place="深圳市")
'明东石油气'
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from layers.print_parts import Legend, bilingual
from risk.grades import GRADES, Grade

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["GRADE_SIZE", "LabelStats", "marker_size_pt", "short_name", "draw_enterprises",
           "place_labels", "label_candidates"]

GRADE_SIZE: dict[Grade, float] = {Grade("red"): 1.0, Grade("orange"): 0.7,
                                  Grade("yellow"): 0.52, Grade("blue"): 0.4}
"""Marker diameter of each grade as a fraction of the red marker's."""
_RED_PT = 6.0
"""Red marker diameter in points on a sparse map (A4); shrinks to 4.2 pt when dense."""
MAJOR_MARKER = "^"
_CHIP = {"boxstyle": "square,pad=0.08", "facecolor": "white", "alpha": 0.78,
         "edgecolor": "none"}
"""The label background: a translucent white chip (a halo would turn each label into glyph
outlines: 1 MB and a second more for a city sheet)."""
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司")


@dataclass
class LabelStats:
    """What the label placement did: names placed and names skipped as too crowded."""

    placed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    leaders: int = 0

    @property
    def total(self) -> int:
        return len(self.placed) + len(self.skipped)

    def info_line(self, lang: str) -> str:
        """``重点企业标注 Labels: 120 / 134（14 家因拥挤未标注 skipped, crowded）``."""
        head = "Labels 重点企业标注" if lang == "en" else "重点企业标注 Labels"
        line = f"{head}：{len(self.placed):,} / {self.total:,}"
        if self.skipped:
            line += f"（{len(self.skipped):,} 家因拥挤未标注 / skipped, crowded）"
        return line


def marker_size_pt(grade: Grade, n_points: int, scale: float = 1.0) -> float:
    """Marker diameter in points for ``grade`` on a map of ``n_points`` enterprises.

    >>> marker_size_pt(Grade("red"), 100) > marker_size_pt(Grade("blue"), 100)
    True
    """
    dense = float(np.clip(math.sqrt(2000 / max(n_points, 1)), 0.7, 1.0))
    return _RED_PT * scale * dense * GRADE_SIZE[grade]


def short_name(name: str, *, place: str = "") -> str:
    """An enterprise's name for a map label: without the city prefix and the company suffix."""
    text = str(name).strip()
    if place and text.startswith(place) and len(text) > len(place) + 1:
        text = text[len(place):]
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return re.sub(r"[（(].*?[)）]$", "", text) or text


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _point_handle(color: str, marker: str, edge: str, size: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker=marker, markersize=size,
                  markerfacecolor=color, markeredgecolor=edge, markeredgewidth=0.6)


def _zorder(grade: Grade, *, major: bool) -> float:
    """Drawing order: by grade first (every red symbol above every orange one …), a grade's
    major hazards above its circles; labels (22) above all.

    >>> _zorder(Grade("red"), major=False) > _zorder(Grade("orange"), major=True)
    True
    """
    return 10 + 2 * (3 - grade.rank) + (1 if major else 0)


def draw_enterprises(ax: Axes, gdf: gpd.GeoDataFrame, legend: Legend, *, lang: str,
                     n_points: int, scale: float) -> None:
    """Circles by grade (red largest, on top), major hazards as outlined triangles above the
    circles of their grade (a blue major hazard stays under every red enterprise); the legend gets one entry per grade present (count after a colon) and one for major
    hazards, drawn at the sizes used on the map."""
    codes = gdf["grade"].astype(str).to_numpy()
    major = (gdf["major_hazard"].fillna(False).astype(bool).to_numpy()
             if "major_hazard" in gdf.columns else np.zeros(len(gdf), dtype=bool))
    xy = shapely.get_coordinates(gdf.geometry.values)
    for grade in reversed(GRADES):  # blue first, red last (on top)
        sel = (codes == grade.value) & ~major
        if sel.any():
            size = marker_size_pt(grade, n_points, scale)
            edge = "white" if grade.rank <= 1 else "none"
            ax.scatter(xy[sel, 0], xy[sel, 1], s=size ** 2, marker="o", c=grade.color,
                       edgecolors=edge, linewidths=0.35 if edge != "none" else 0,
                       zorder=_zorder(grade, major=False))
    for grade in reversed(GRADES):
        sel = (codes == grade.value) & major
        if sel.any():
            size = max(marker_size_pt(grade, n_points, scale), 3.2 * scale) * 1.25
            ax.scatter(xy[sel, 0], xy[sel, 1], s=size ** 2, marker=MAJOR_MARKER,
                       c=grade.color, edgecolors="#222222", linewidths=0.5,
                       zorder=_zorder(grade, major=True))
    for grade in GRADES:
        count = int((codes == grade.value).sum())
        if count:
            size = marker_size_pt(grade, n_points, scale) / scale
            label = bilingual(grade.label_zh, grade.label_en.split(" (")[0], lang)
            legend.add(_point_handle(grade.color, "o", "none", max(size, 3.5)),
                       f"{label}：{count:,}")
    if major.any():
        legend.add(_point_handle("#ffffff", MAJOR_MARKER, "#222222", 6.0),
                   f"{bilingual('重大危险源（颜色为等级）', 'Major hazard (colour = grade)', lang)}"
                   f"：{int(major.sum()):,}")


def label_candidates(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The enterprises to label, most important first: red major hazards, red, other major
    hazards (each group west to east)."""
    if gdf.empty or "grade" not in gdf.columns:
        return gdf.iloc[:0]
    red = gdf["grade"].astype(str).eq("red")
    major = (gdf["major_hazard"].fillna(False).astype(bool) if "major_hazard" in gdf.columns
             else red & False)
    keep = gdf[red | major]
    rank = np.where(red[keep.index] & major[keep.index], 0, np.where(red[keep.index], 1, 2))
    order = np.lexsort((keep.geometry.x.to_numpy(), rank))
    return keep.iloc[order]


_NEAR = ((1, 0, "left", "center"), (-1, 0, "right", "center"), (0, 1, "center", "bottom"),
         (0, -1, "center", "top"))


def place_labels(ax: Axes, points: gpd.GeoDataFrame, *, fontsize: float, place: str = "",
                 obstacles: Sequence[tuple[float, float, float, float]] = (),
                 marker_pt: float = 6.0) -> LabelStats:
    """Label ``points`` (projected, in map units of ``ax``; from :func:`label_candidates`)
    without overlaps; ``obstacles`` are boxes in axes fraction (x0, y0, x1, y1) to keep clear.

    Works in display units of the axes (its limits and aspect must be final).
    """
    stats = LabelStats()
    if points.empty:
        return stats
    ax.apply_aspect()
    box = ax.get_window_extent()
    to_px = ax.figure.dpi / 72.0
    xy = ax.transData.transform(shapely.get_coordinates(points.geometry.values))
    half_m = marker_pt * to_px / 2
    # every labelled marker is an obstacle, and so is the furniture
    blocked = [np.column_stack([xy[:, 0] - half_m, xy[:, 1] - half_m, xy[:, 0] + half_m,
                                xy[:, 1] + half_m])]
    for x0, y0, x1, y1 in obstacles:
        blocked.append(np.array([[box.x0 + x0 * box.width, box.y0 + y0 * box.height,
                                  box.x0 + x1 * box.width, box.y0 + y1 * box.height]]))
    taken = np.concatenate(blocked)
    inside = np.array([box.x0 + 2, box.y0 + 2, box.x1 - 2, box.y1 - 2])
    h = fontsize * to_px * 1.15
    gap = half_m + 1.0 * to_px
    inv = ax.transData.inverted()
    names = points["name"].astype(str).tolist()
    for i, name in enumerate(names):
        text = short_name(name, place=place)
        w = _columns(text) * fontsize * to_px * 0.52
        px, py = xy[i]
        if not (inside[0] <= px <= inside[2] and inside[1] <= py <= inside[3]):
            stats.skipped.append(name)
            continue
        done = False
        for reach, leader in ((gap, False), (gap + 3.2 * fontsize * to_px, True)):
            for dx, dy, ha, va in _NEAR:
                ax_ = px + dx * reach
                ay_ = py + dy * (reach if dy else 0)
                x0 = ax_ - (w / 2 if ha == "center" else (w if ha == "right" else 0))
                y0 = ay_ - (h / 2 if va == "center" else (h if va == "top" else 0))
                cand = np.array([x0, y0, x0 + w, y0 + h])
                if (cand[0] < inside[0] or cand[1] < inside[1] or cand[2] > inside[2]
                        or cand[3] > inside[3]):
                    continue
                others = np.ones(len(taken), dtype=bool)
                others[i] = False  # its own marker
                hit = ((taken[:, 0] < cand[2]) & (taken[:, 2] > cand[0])
                       & (taken[:, 1] < cand[3]) & (taken[:, 3] > cand[1]) & others)
                if hit.any():
                    continue
                tx, ty = inv.transform((ax_, ay_))
                ax.text(tx, ty, text, ha=ha, va=va, fontsize=fontsize, color="#1a1a1a",
                        zorder=22, clip_on=True, parse_math=False, bbox=_CHIP)
                if leader:
                    mx, my = inv.transform((px + dx * half_m, py + dy * half_m))
                    ax.plot([mx, tx], [my, ty], color="#444444", linewidth=0.4, zorder=21)
                    stats.leaders += 1
                taken = np.vstack([taken, cand])
                stats.placed.append(name)
                done = True
                break
            if done:
                break
        if not done:
            stats.skipped.append(name)
    return stats
