"""What the one-page prints share (the field briefing, :mod:`layers.print_briefing`, and the
coverage / evacuation pages, :mod:`layers.print_network`): text cut to fit, the tables
(caption, bilingual two-line header, zebra rows, "… 另 N 条 / N more" when cut), the map frame's
axes and its furniture (scale bar lower left, north arrow upper right, on white boxes).

Positions are millimetres from the page's top left (as one reads a page), the page being the
figure's own size; ``scale`` multiplies the A4 sizes (1 on A4, √2 on A3). Every text is literal
(``parse_math=False``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from layers.print_parts import draw_north_arrow, draw_scale_bar, scale_bar_for, true_north_angle
from layers.style import BASEMAP

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from layers.print_page import MapView

__all__ = ["FONT_PT", "PT_MM", "Col", "fit_text", "row_height", "rows_fitting", "draw_table",
           "more_row", "cut_rows", "map_frame_axes", "draw_map_furniture"]

FONT_PT = 5.8
"""Table text on A4 (pt)."""
PT_MM = 25.4 / 72
"""Millimetres per point."""
_MORE = ("另 {n} 条", "{n} more")

# --------------------------------------------------------------------------------------------
# text that fits


def _em(ch: str) -> float:
    return 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.56


def fit_text(text: str, width_mm: float, font_pt: float) -> str:
    """``text`` cut (with "…") to fit ``width_mm`` at ``font_pt`` (a wide character is one em,
    any other 0.56 em).

    >>> fit_text("危险化学品泄漏", 10.0, 10.0)
    '危险…'
    >>> fit_text("short", 20.0, 10.0)
    'short'
    """
    room = width_mm / (font_pt * PT_MM)
    if sum(_em(c) for c in text) <= room:
        return text
    out, used = "", _em("…")
    for ch in text:
        if used + _em(ch) > room:
            break
        out, used = out + ch, used + _em(ch)
    return out + "…"


# --------------------------------------------------------------------------------------------
# tables


@dataclass(frozen=True)
class Col:
    """A table column: its header in both languages, its width (mm) and alignment."""

    zh: str
    en: str
    width: float
    align: str = "left"


def row_height(font: float = FONT_PT) -> float:
    """A table row's height (mm) at ``font`` pt."""
    return font * PT_MM * 1.5


def _head_height(font: float) -> float:
    """The caption and the two-line header above a table's first row (mm)."""
    return font * 1.3 * PT_MM * 1.45 + row_height(font) * 1.75


def rows_fitting(top: float, bottom: float, font: float = FONT_PT) -> int:
    """How many rows a table started at ``top`` can hold above ``bottom`` (mm from the top)."""
    return max(0, int((bottom - top - _head_height(font)) / row_height(font)))


def draw_table(fig: Figure, x: float, top: float, cols: Sequence[Col],
               rows: Sequence[Sequence[str]], caption: str, lang: str, font: float = FONT_PT, *,
               scale: float = 1.0, bold_rows: frozenset[int] = frozenset()) -> float:
    """Draw a table (caption, two-line bilingual header in ``lang`` first, rows on alternate
    tinted bands) with its top-left corner at (``x``, ``top``) mm from the page's top left.

    A row of one cell spans the table (left-aligned); rows in ``bold_rows`` print in purple;
    every cell is cut to its width (:func:`fit_text`). ``scale`` multiplies the paddings (the
    page's scale; ``font`` is already scaled). Returns the table's bottom, in mm from the top.
    """
    from matplotlib.patches import Rectangle

    w_mm, h_mm = (float(v) * 25.4 for v in fig.get_size_inches())
    pad, fit_pad = 0.8 * scale, 1.2 * scale
    width = sum(c.width for c in cols)

    def band(y: float, h: float, color: str) -> None:
        fig.add_artist(Rectangle((x / w_mm, 1 - (y + h) / h_mm), width / w_mm, h / h_mm,
                                 transform=fig.transFigure, facecolor=color, edgecolor="none"))

    fig.text(x / w_mm, 1 - top / h_mm, caption, ha="left", va="top", fontsize=font * 1.3,
             color="#222222", parse_math=False)
    y = top + font * 1.3 * PT_MM * 1.45
    head_h = row_height(font) * 1.75
    band(y, head_h, "#e8e4da")
    cx = x
    for c in cols:
        first, second = (c.en, c.zh) if lang == "en" else (c.zh, c.en)
        tx = cx + pad if c.align == "left" else cx + c.width - pad
        fig.text(tx / w_mm, 1 - (y + 0.5 * scale) / h_mm,
                 f"{fit_text(first, c.width - fit_pad, font)}\n"
                 f"{fit_text(second, c.width - fit_pad, font * 0.85)}",
                 ha=c.align, va="top", fontsize=font * 0.92, linespacing=1.05, color="#222222",
                 parse_math=False)
        cx += c.width
    y += head_h
    rh = row_height(font)
    for i, row in enumerate(rows):
        if i % 2 == 1:
            band(y, rh, "#f4f2ec")
        cx = x
        span = len(row) == 1
        for j, c in enumerate(cols):
            room = width - 1.6 * scale if span else c.width - fit_pad
            text = fit_text(str(row[j]) if j < len(row) else "", room, font)
            align = "left" if span else c.align
            tx = cx + pad if align == "left" else cx + c.width - pad
            fig.text(tx / w_mm, 1 - (y + rh / 2) / h_mm, text, ha=align, va="center_baseline",
                     fontsize=font, color="#5b0e8a" if i in bold_rows else "#111111",
                     parse_math=False)
            if span:
                break
            cx += c.width
        y += rh
    band(y - 0.25, 0.25, "#999999")
    return y


def more_row(n: int, lang: str) -> str:
    """The last row of a cut table: ``… 另 N 条 / N more``.

    >>> more_row(1234, "en")
    '… 1,234 more / 另 1,234 条'
    """
    zh, en = (part.format(n=f"{n:,}") for part in _MORE)
    return f"… {en} / {zh}" if lang == "en" else f"… {zh} / {en}"


def cut_rows(rows: list[list[str]], room: int, lang: str) -> list[list[str]]:
    """``rows`` cut to ``room`` rows, the last one saying how many were left out
    (:func:`more_row`); no rows when there is no room."""
    if len(rows) <= room:
        return rows
    keep = max(room - 1, 0)
    return [*rows[:keep], [more_row(len(rows) - keep, lang)]] if room else []


# --------------------------------------------------------------------------------------------
# the map frame


def map_frame_axes(fig: Figure, box_mm: tuple[float, float, float, float],
                   view: MapView) -> Axes:
    """The map's axes at ``box_mm`` (left, top, width, height; mm from the page's top left):
    ``view``'s limits, equal aspect, the sea colour under the land, no ticks, a 1 pt frame."""
    w_mm, h_mm = (float(v) * 25.4 for v in fig.get_size_inches())
    x0, top, fw, fh = box_mm
    ax = fig.add_axes((x0 / w_mm, 1 - (top + fh) / h_mm, fw / w_mm, fh / h_mm))
    ax.set_xlim(*view.xlim)
    ax.set_ylim(*view.ylim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(BASEMAP["sea"])
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(1.0)
        spine.set_zorder(30)
    return ax


def draw_map_furniture(ax: Axes, view: MapView, frame_mm: tuple[float, float], lang: str, *,
                       scale: float = 1.0, bar_share: float = 0.25,
                       bar_left: float = 0.01) -> None:
    """The scale bar (lower left, at most ``bar_share`` of the frame's width, its box
    ``bar_left`` of the width in) and the north arrow true at the centre (upper right), each on
    a white box, in the map frame ``ax`` of ``frame_mm`` (width, height)."""
    from matplotlib.patches import Rectangle

    s = scale
    fw, fh = frame_mm
    spec = scale_bar_for(view.crs, view.center, denominator=view.denominator,
                         max_paper_mm=fw * bar_share, min_segment_mm=6.0 * s)
    box = (bar_left, 0.012, (spec.paper_length_mm + 14 * s) / fw, 13 * s / fh)
    ax.add_patch(Rectangle(box[:2], box[2], box[3], transform=ax.transAxes, facecolor="white",
                           alpha=0.85, edgecolor="#888888", linewidth=0.4, zorder=23))
    ground = view.denominator * view.scale_factor / 1000  # map units per paper mm
    draw_scale_bar(ax, spec, x=view.xlim[0] + (box[0] * fw + 7 * s) * ground,
                   y=view.ylim[0] + (box[1] * fh + 5.5 * s) * ground, fontsize=5.5 * s,
                   lang=lang)
    for artist in ax.patches[-spec.segments:]:
        artist.set_zorder(24)
    for text in ax.texts[-(spec.segments + 2):]:
        text.set_zorder(24)
    arrow_h = 0.08 * fh
    arrow = (1 - (arrow_h * 0.75 + 3 * s) / fw, 1 - (arrow_h * 1.55 + 4 * s) / fh,
             (arrow_h * 0.6 + 2 * s) / fw, (arrow_h * 1.45 + 3 * s) / fh)
    ax.add_patch(Rectangle(arrow[:2], arrow[2], arrow[3], transform=ax.transAxes,
                           facecolor="white", alpha=0.85, edgecolor="#888888", linewidth=0.4,
                           zorder=23))
    draw_north_arrow(ax, true_north_angle(view.crs, *view.center), x=arrow[0] + arrow[2] / 2,
                     y=arrow[1] + arrow[3] * 0.45, size=0.08, fontsize=6.5 * s)
    for artist in ax.patches[-2:]:
        artist.set_zorder(24)
    ax.texts[-1].set_zorder(24)
