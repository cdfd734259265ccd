"""Parts of the network print pages (:mod:`layers.print_network`): the portrait page geometry
(A4 sizes times ``s``: 1 on A4, √2 on A3), tables that fit, the map frame (context layers, scale
bar, north arrow), the title block, the legend panel and the greedy colouring of service areas.

Positions are millimetres from the page's top left; every text is literal (``parse_math=False``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from layers.print_briefing_parts import Col, dataset_layer, fit_text, more_row
from layers.print_draw import draw_layers
from layers.print_frames import PrintMapError, _in_bbox, _padded
from layers.print_page import MapView, view_bounds
from layers.print_parts import (
    PAPER_MM,
    Legend,
    PageLayout,
    bilingual,
    crs_label,
    draw_north_arrow,
    draw_panel,
    draw_scale_bar,
    literal_text,
    map_crs,
    scale_bar_for,
    true_north_angle,
    wrap_display,
)
from layers.style import BASEMAP

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "PAPERS", "TEAM_PALETTE", "GAP_COLOR", "FLOW_COLOR", "FONT_PT", "PT_MM", "MAIN_ROADS",
    "NetPage", "fitted_page", "paper_page", "check_lang", "row_height", "draw_net_table",
    "rows_room", "cut_rows", "scaled_cols", "map_axes", "draw_context", "draw_furniture",
    "marker_handle", "draw_header", "info_lines", "finish_page", "new_figure", "district_names_en",
    "greedy_colours",
]

PAPERS = ("A3", "A4")
"""Paper sizes of these pages (portrait)."""
TEAM_PALETTE = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#e377c2",
                "#ff7f0e", "#aec7e8", "#98df8a")
"""Service-area colours; neighbouring areas get different ones (greedy colouring)."""
GAP_COLOR = "#9e9e9e"
FLOW_COLOR = "#6a1b9a"
FONT_PT = 5.8  # table text on A4 (pt); A3 scales by √2
PT_MM = 25.4 / 72
MAIN_ROADS = ("expressway", "trunk", "primary")


@dataclass(frozen=True)
class NetPage:
    """Where things sit, in mm from the page's top left (A4 sizes times ``s``)."""

    w: float
    h: float
    s: float
    map_h: float = 130.0
    """Map frame height on A4 (mm; times ``s``)."""

    @property
    def m(self) -> float:
        return 10.0 * self.s

    @property
    def map_box(self) -> tuple[float, float, float, float]:  # left, top, width, height
        return (self.m, 30.0 * self.s, self.w - 2 * self.m, self.map_h * self.s)

    @property
    def lower_top(self) -> float:
        return (30.0 + self.map_h + 5.0) * self.s

    @property
    def panel_w(self) -> float:
        return 64.0 * self.s

    @property
    def table_x(self) -> float:
        return self.m + self.panel_w + 5.0 * self.s

    @property
    def bottom(self) -> float:
        return self.h - self.m

    def layout(self) -> PageLayout:
        x, top, fw, fh = self.map_box
        panel = (self.m, self.m, self.panel_w, self.h - self.lower_top - self.m)
        return PageLayout((self.w, self.h), (x, self.h - top - fh, fw, fh), panel, 0.0, self.s,
                          False)


def fitted_page(page: NetPage, bbox: tuple[float, float, float, float], *, most: float) -> NetPage:
    """``page`` with the map frame as tall as the extent's shape asks (95 to ``most`` mm)."""
    crs = map_crs(bbox)
    xs, ys = Transformer.from_crs(4326, crs, always_xy=True).transform(
        [bbox[0], bbox[2], bbox[0], bbox[2]], [bbox[1], bbox[1], bbox[3], bbox[3]])
    aspect = (max(ys) - min(ys)) / max(max(xs) - min(xs), 1e-9)
    return NetPage(page.w, page.h, page.s, float(np.clip(190.0 * aspect, 95.0, most)))


def paper_page(paper: str) -> NetPage:
    if paper not in PAPER_MM or paper not in PAPERS:
        raise PrintMapError(f"纸张须为 A3 或 A4 / `paper` must be one of {', '.join(PAPERS)}, "
                            f"got {paper!r}")
    long_mm, short_mm = PAPER_MM[paper]
    return NetPage(short_mm, long_mm, short_mm / 210.0)


def check_lang(lang: str) -> None:
    if lang not in ("zh", "en"):
        raise PrintMapError(f"`lang` must be one of zh, en, got {lang!r}")


# --------------------------------------------------------------------------------------------
# tables


def row_height(font: float) -> float:
    return font * PT_MM * 1.5


def draw_net_table(fig: Figure, page: NetPage, *, x: float, top: float, cols: Sequence[Col],
           rows: Sequence[Sequence[str]], lang: str, caption: str,
           bold_rows: frozenset[int] = frozenset()) -> float:
    """A table (caption, bilingual two-line header, rows) with its top-left corner at (x, top)
    mm; a row of one cell spans the table. Returns its bottom (mm from the top)."""
    from matplotlib.patches import Rectangle

    font = FONT_PT * page.s
    w_mm, h_mm = page.w, page.h
    width = sum(c.width for c in cols)
    fig.text(x / w_mm, 1 - top / h_mm, caption, ha="left", va="top", fontsize=font * 1.3,
             color="#222222", parse_math=False)
    y = top + font * 1.3 * PT_MM * 1.45
    head_h = row_height(font) * 1.75
    fig.add_artist(Rectangle((x / w_mm, 1 - (y + head_h) / h_mm), width / w_mm, head_h / h_mm,
                             transform=fig.transFigure, facecolor="#e8e4da", edgecolor="none"))
    cx = x
    for c in cols:
        first, second = (c.en, c.zh) if lang == "en" else (c.zh, c.en)
        tx = cx + 0.8 * page.s if c.align == "left" else cx + c.width - 0.8 * page.s
        fig.text(tx / w_mm, 1 - (y + 0.5 * page.s) / h_mm,
                 f"{fit_text(first, c.width - 1.2 * page.s, font)}\n"
                 f"{fit_text(second, c.width - 1.2 * page.s, font * 0.85)}",
                 ha=c.align, va="top", fontsize=font * 0.92, linespacing=1.05, color="#222222",
                 parse_math=False)
        cx += c.width
    y += head_h
    rh = row_height(font)
    for i, row in enumerate(rows):
        if i % 2 == 1:
            fig.add_artist(Rectangle((x / w_mm, 1 - (y + rh) / h_mm), width / w_mm, rh / h_mm,
                                     transform=fig.transFigure, facecolor="#f4f2ec",
                                     edgecolor="none"))
        cx = x
        for j, c in enumerate(cols):
            span = len(row) == 1
            room = (width if span else c.width) - 1.2 * page.s
            text = fit_text(str(row[j]) if j < len(row) else "", room, font)
            align = "left" if span else c.align
            tx = cx + 0.8 * page.s if align == "left" else cx + c.width - 0.8 * page.s
            fig.text(tx / w_mm, 1 - (y + rh / 2) / h_mm, text, ha=align, va="center_baseline",
                     fontsize=font, color="#5b0e8a" if i in bold_rows else "#111111",
                     parse_math=False)
            if span:
                break
            cx += c.width
        y += rh
    fig.add_artist(Rectangle((x / w_mm, 1 - y / h_mm), width / w_mm, 0.25 / h_mm,
                             transform=fig.transFigure, facecolor="#999999", edgecolor="none"))
    return y


def rows_room(page: NetPage, top: float, bottom: float) -> int:
    """Rows a table started at ``top`` can hold above ``bottom``."""
    font = FONT_PT * page.s
    used = font * 1.3 * PT_MM * 1.45 + row_height(font) * 1.75
    return max(0, int((bottom - top - used) / row_height(font)))


def cut_rows(rows: list[list[str]], room: int, lang: str) -> list[list[str]]:
    """``rows`` cut to ``room`` rows, the last one saying how many were left out."""
    if len(rows) <= room:
        return rows
    keep = max(room - 1, 0)
    return [*rows[:keep], [more_row(len(rows) - keep, lang)]] if room else []


def scaled_cols(cols: Sequence[Col], s: float) -> list[Col]:
    return [Col(c.zh, c.en, c.width * s, c.align) for c in cols]


# --------------------------------------------------------------------------------------------
# the map frame


def map_axes(fig: Figure, page: NetPage, view: MapView) -> Axes:
    x0, top, fw, fh = page.map_box
    ax = fig.add_axes((x0 / page.w, 1 - (top + fh) / page.h, fw / page.w, fh / page.h))
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


def draw_context(ax: Axes, dataset: Any, view: MapView, legend: Legend, lang: str, *,
             classes: tuple[str, ...] | None) -> None:
    """Districts (land, boundaries) and the roads of ``classes`` (None: every class)."""
    bbox = _padded(view_bounds(view), 0.03)
    x0, x1 = view.xlim
    y0, y1 = view.ylim
    clip = (x0 - (x1 - x0) * 0.05, y0 - (y1 - y0) * 0.05, x1 + (x1 - x0) * 0.05,
            y1 + (y1 - y0) * 0.05)
    frames: dict[str, gpd.GeoDataFrame] = {}
    for name in ("districts", "roads"):
        gdf = dataset_layer(dataset, name)
        if gdf is None:
            continue
        if name == "roads" and classes is not None and "road_class" in gdf:
            gdf = gdf[gdf["road_class"].astype(str).isin(classes)]
        gdf = _in_bbox(gdf, bbox)
        if not len(gdf):
            continue
        proj = gdf.to_crs(view.crs)
        proj = proj.assign(geometry=shapely.clip_by_rect(proj.geometry.values, *clip))
        frames[name] = proj[~proj.geometry.is_empty]
    draw_layers(ax, frames, legend, chosen_districts=[], lang=lang, n_points=0)


def draw_furniture(ax: Axes, page: NetPage, view: MapView, lang: str) -> None:
    """Scale bar (lower left) and north arrow (upper right) on white boxes."""
    from matplotlib.patches import Rectangle

    s = page.s
    _, _, fw, fh = page.map_box
    spec = scale_bar_for(view.crs, view.center, denominator=view.denominator,
                         max_paper_mm=fw * 0.25, min_segment_mm=6.0 * s)
    box = (0.01, 0.012, (spec.paper_length_mm + 14 * s) / fw, 13 * s / fh)
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


def marker_handle(color: str, marker: str, edge: str, size: float, **kw: Any) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker=marker, markersize=size,
                  markerfacecolor=color, markeredgecolor=edge, markeredgewidth=0.6, **kw)


def draw_header(fig: Figure, page: NetPage, kind: tuple[str, str], title: tuple[str, str],
            lines: list[str], lang: str) -> None:
    s = page.s
    first, second = (title[1], title[0]) if lang == "en" else title
    width = page.w - 2 * page.m

    def put(y: float, text: str, size: float, color: str = "#111111") -> None:
        fig.text(page.m / page.w, 1 - y * s / page.h, fit_text(text, width, size * s), ha="left",
                 va="top", fontsize=size * s, color=color, parse_math=False)

    put(7.5, bilingual(*kind, lang), 7.5, "#5b0e8a")
    put(11.5, first, 13.5)
    put(18.0, second, 8.0, "#333333")
    for k, text in enumerate(lines[:2]):
        put(22.3 + 3.2 * k, text, 6.3, "#333333")


def info_lines(dataset: Any, view: MapView, lang: str, extra: Sequence[str], now: str) -> list[str]:
    info = [f"{bilingual('比例尺', 'Scale', lang)} 1:{view.denominator:,}",
            f"{bilingual('生成', 'Generated', lang)} {now[:16].replace('T', ' ')}"]
    info += wrap_display(crs_label(view.crs, lang), 58)
    for line in extra:
        info += wrap_display(line, 58)
    title = getattr(dataset, "title", "")
    if title:
        info += wrap_display(f"{bilingual('数据', 'Data', lang)}：{title}", 58)
    if getattr(dataset, "synthetic", False):
        info += wrap_display("合成样例数据 / synthetic sample data — 非真实登记信息，仅供演示", 58)
    return info


def finish_page(fig: Figure, page: NetPage, legend: Legend, info: list[str], lang: str,
            meta: dict[str, str]) -> bytes:
    from matplotlib.backends.backend_pdf import PdfPages

    layout = page.layout()
    panel = fig.add_axes(layout.frac(layout.panel_mm))
    panel.axis("off")
    draw_panel(panel, legend, layout, info, lang, info_pt=5.0)
    literal_text(fig)
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={**meta, "Creator": "risk-map 安全风险地图"}) as pages:
        pages.savefig(fig)
    return buffer.getvalue()


def new_figure(page: NetPage) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(page.w / 25.4, page.h / 25.4))
    FigureCanvasAgg(fig)
    return fig


def district_names_en(dataset: Any) -> dict[str, str]:
    d = dataset.districts
    if "name_en" not in d:
        return {}
    return {str(a): str(b) for a, b in zip(d["name"], d["name_en"], strict=True) if b}


def greedy_colours(geoms: Sequence[Any], n: int) -> list[int]:
    """A colour index per geometry, neighbours (touching or overlapping) differing when the
    palette of ``n`` allows (largest-degree first).

    >>> row = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 0, 3, 1)]
    >>> greedy_colours(row, 3)
    [1, 0, 1]
    """
    if not len(geoms):
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    neighbours: list[set[int]] = [set() for _ in geoms]
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a != b:
            neighbours[a].add(b)
    colour = [-1] * len(geoms)
    for i in sorted(range(len(geoms)), key=lambda k: -len(neighbours[k])):
        used = {colour[j] for j in neighbours[i]}
        free = [c for c in range(n) if c not in used]
        colour[i] = free[0] if free else i % n
    return colour
