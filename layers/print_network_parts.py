"""Parts of the network print pages (:mod:`layers.print_network`): the portrait page geometry
(A4 sizes times ``s``: 1 on A4, √2 on A3), tables that fit, the map frame (context layers, scale
bar, north arrow), the title block, the legend panel and the greedy colouring of service areas.
The tables, text cut to fit and the map frame's axes and furniture are :mod:`layers.print_sheet`'s
(shared with the field briefing), drawn here at the page's scale.

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

from layers.print_briefing_parts import dataset_layer
from layers.print_draw import draw_layers
from layers.print_frames import PrintMapError, _in_bbox, _padded
from layers.print_page import MapView, view_bounds
from layers.print_parts import (
    PAPER_MM,
    Legend,
    PageLayout,
    bilingual,
    crs_label,
    draw_panel,
    literal_text,
    map_crs,
    wrap_display,
)
from layers.print_sheet import (
    FONT_PT,
    PT_MM,
    Col,
    draw_map_furniture,
    draw_table,
    fit_text,
    map_frame_axes,
    rows_fitting,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "PAPERS", "TEAM_PALETTE", "GAP_COLOR", "FLOW_COLOR", "FONT_PT", "PT_MM", "MAIN_ROADS",
    "NetPage", "fitted_page", "paper_page", "check_lang", "draw_net_table",
    "rows_room", "scaled_cols", "map_axes", "draw_context", "draw_furniture",
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


def draw_net_table(fig: Figure, page: NetPage, *, x: float, top: float, cols: Sequence[Col],
                   rows: Sequence[Sequence[str]], lang: str, caption: str,
                   bold_rows: frozenset[int] = frozenset()) -> float:
    """A table (:func:`layers.print_sheet.draw_table`) at the page's scale, its top-left corner
    at (x, top) mm; returns its bottom (mm from the top)."""
    return draw_table(fig, x, top, cols, rows, caption, lang, FONT_PT * page.s, scale=page.s,
                      bold_rows=bold_rows)


def rows_room(page: NetPage, top: float, bottom: float) -> int:
    """Rows a table started at ``top`` can hold above ``bottom``."""
    return rows_fitting(top, bottom, FONT_PT * page.s)


def scaled_cols(cols: Sequence[Col], s: float) -> list[Col]:
    return [Col(c.zh, c.en, c.width * s, c.align) for c in cols]


# --------------------------------------------------------------------------------------------
# the map frame


def map_axes(fig: Figure, page: NetPage, view: MapView) -> Axes:
    return map_frame_axes(fig, page.map_box, view)


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
    _, _, fw, fh = page.map_box
    draw_map_furniture(ax, view, (fw, fh), lang, scale=page.s)


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
