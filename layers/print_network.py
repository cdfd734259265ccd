"""One-page PDFs of the road-network results: N-minute rescue coverage and evacuation.

:func:`render_coverage_pdf` draws a :class:`ui.workflows.network.CoverageResult` (service areas
coloured by their nearest team, the teams, the gap hatched grey, the suggested next station,
the priority enterprises not reached) with the per-district table (population, reached, share,
red / orange / major-hazard enterprises reached of total) and the overall row.
:func:`render_evacuation_pdf` draws an :class:`ui.workflows.network.EvacuationResult` (the
rings in the map's ring styles, every cell → shelter assignment along the open roads with its
width by people, shelters sized by load inside a ring sized by capacity) with the per-shelter
table (capacity, assigned, load, longest time) and the people who cannot be placed.

A portrait page (A3 or A4; vector, literal text, Noto Sans SC embedded, :mod:`layers.fonts`):
title, the map across the page with scale bar and north arrow true at its centre, the legend
with the CRS / data / synthetic note below it on the left, the table on the right; a table too
long for its room ends in "… 另 N 条 / N more". The results are duck-typed (this floor does not
import ``ui``): any object with the attributes named above will do.
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
from layers.print_draw import _draw_lines, _draw_polygons, draw_incident, draw_layers
from layers.print_frames import PrintMapError, _in_bbox, _padded
from layers.print_page import MapView, fit_view, view_bounds
from layers.print_parts import (
    PAPER_MM,
    Legend,
    PageLayout,
    bilingual,
    crs_label,
    draw_north_arrow,
    draw_panel,
    draw_scale_bar,
    halo_text,
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

__all__ = ["render_coverage_pdf", "render_evacuation_pdf", "PAPERS", "TEAM_PALETTE"]

PAPERS = ("A3", "A4")
"""Paper sizes of these pages (portrait)."""
TEAM_PALETTE = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#e377c2",
                "#ff7f0e", "#aec7e8", "#98df8a")
"""Service-area colours; neighbouring areas get different ones (greedy colouring)."""
GAP_COLOR = "#9e9e9e"
FLOW_COLOR = "#6a1b9a"
_FONT = 5.8  # table text on A4 (pt); A3 scales by √2
_PT_MM = 25.4 / 72
_MAIN_ROADS = ("expressway", "trunk", "primary")


@dataclass(frozen=True)
class _Page:
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


def _fitted(page: _Page, bbox: tuple[float, float, float, float], *, most: float) -> _Page:
    """``page`` with the map frame as tall as the extent's shape asks (95 to ``most`` mm)."""
    crs = map_crs(bbox)
    xs, ys = Transformer.from_crs(4326, crs, always_xy=True).transform(
        [bbox[0], bbox[2], bbox[0], bbox[2]], [bbox[1], bbox[1], bbox[3], bbox[3]])
    aspect = (max(ys) - min(ys)) / max(max(xs) - min(xs), 1e-9)
    return _Page(page.w, page.h, page.s, float(np.clip(190.0 * aspect, 95.0, most)))


def _page(paper: str) -> _Page:
    if paper not in PAPER_MM or paper not in PAPERS:
        raise PrintMapError(f"纸张须为 A3 或 A4 / `paper` must be one of {', '.join(PAPERS)}, "
                            f"got {paper!r}")
    long_mm, short_mm = PAPER_MM[paper]
    return _Page(short_mm, long_mm, short_mm / 210.0)


def _check_lang(lang: str) -> None:
    if lang not in ("zh", "en"):
        raise PrintMapError(f"`lang` must be one of zh, en, got {lang!r}")


# --------------------------------------------------------------------------------------------
# tables


def _row_h(font: float) -> float:
    return font * _PT_MM * 1.5


def _table(fig: Figure, page: _Page, *, x: float, top: float, cols: Sequence[Col],
           rows: Sequence[Sequence[str]], lang: str, caption: str,
           bold_rows: frozenset[int] = frozenset()) -> float:
    """A table (caption, bilingual two-line header, rows) with its top-left corner at (x, top)
    mm; a row of one cell spans the table. Returns its bottom (mm from the top)."""
    from matplotlib.patches import Rectangle

    font = _FONT * page.s
    w_mm, h_mm = page.w, page.h
    width = sum(c.width for c in cols)
    fig.text(x / w_mm, 1 - top / h_mm, caption, ha="left", va="top", fontsize=font * 1.3,
             color="#222222", parse_math=False)
    y = top + font * 1.3 * _PT_MM * 1.45
    head_h = _row_h(font) * 1.75
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
    rh = _row_h(font)
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


def _room(page: _Page, top: float, bottom: float) -> int:
    """Rows a table started at ``top`` can hold above ``bottom``."""
    font = _FONT * page.s
    used = font * 1.3 * _PT_MM * 1.45 + _row_h(font) * 1.75
    return max(0, int((bottom - top - used) / _row_h(font)))


def _cut(rows: list[list[str]], room: int, lang: str) -> list[list[str]]:
    """``rows`` cut to ``room`` rows, the last one saying how many were left out."""
    if len(rows) <= room:
        return rows
    keep = max(room - 1, 0)
    return [*rows[:keep], [more_row(len(rows) - keep, lang)]] if room else []


def _scaled(cols: Sequence[Col], s: float) -> list[Col]:
    return [Col(c.zh, c.en, c.width * s, c.align) for c in cols]


# --------------------------------------------------------------------------------------------
# the map frame


def _map_axes(fig: Figure, page: _Page, view: MapView) -> Axes:
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


def _context(ax: Axes, dataset: Any, view: MapView, legend: Legend, lang: str, *,
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


def _furniture(ax: Axes, page: _Page, view: MapView, lang: str) -> None:
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


def _handle(color: str, marker: str, edge: str, size: float, **kw: Any) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker=marker, markersize=size,
                  markerfacecolor=color, markeredgecolor=edge, markeredgewidth=0.6, **kw)


def _header(fig: Figure, page: _Page, kind: tuple[str, str], title: tuple[str, str],
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


def _info(dataset: Any, view: MapView, lang: str, extra: Sequence[str], now: str) -> list[str]:
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


def _finish(fig: Figure, page: _Page, legend: Legend, info: list[str], lang: str,
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


def _figure(page: _Page) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(page.w / 25.4, page.h / 25.4))
    FigureCanvasAgg(fig)
    return fig


def _district_names(dataset: Any) -> dict[str, str]:
    d = dataset.districts
    if "name_en" not in d:
        return {}
    return {str(a): str(b) for a, b in zip(d["name"], d["name_en"], strict=True) if b}


def _greedy_colours(geoms: Sequence[Any], n: int) -> list[int]:
    """A colour index per geometry, neighbours (touching or overlapping) differing when the
    palette of ``n`` allows (largest-degree first)."""
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


# --------------------------------------------------------------------------------------------
# coverage


def render_coverage_pdf(dataset: Any, result: Any, *, lang: str = "zh", title: str | None = None,
                        paper: str = "A3", kinds: Sequence[str] = (),
                        now: str | None = None) -> bytes:
    """The one-page coverage PDF of ``result`` (a ``CoverageResult`` of ``dataset``, or of a
    user's district view of it: what is drawn and counted is that view).

    Parameters
    ----------
    dataset
        The :class:`data.dataset.Dataset` (view) the coverage was computed on.
    result
        ``ui.workflows.network.coverage``'s result (``minutes``, ``summary``, ``areas``,
        ``gaps``, ``enterprises``, ``suggestion``, ``notes``).
    lang
        ``"zh"`` (Chinese first, English alongside) or ``"en"``.
    title
        The page's title (default "N 分钟应急救援覆盖 / N-minute rescue coverage").
    paper
        ``"A3"`` or ``"A4"`` (portrait).
    kinds
        The team kinds the coverage was limited to (printed; empty: every team).
    now
        The time printed as "generated" (ISO 8601; default now, China Standard Time).

    Raises
    ------
    PrintMapError
        A bad ``lang`` or ``paper``.
    """
    from data.sysdb import now_iso
    from layers.printmap import _RENDER_LOCK, _print_context

    _check_lang(lang)
    page = _page(paper)
    now = now or now_iso()
    districts = dataset.districts
    bounds = [tuple(districts.total_bounds)] if len(districts) else []
    for frame in (result.areas, result.gaps):
        if len(frame):
            bounds.append(tuple(frame.total_bounds))
    if not bounds:
        raise PrintMapError("没有可绘制的区域 / nothing to draw: no districts and no coverage")
    arr = np.array(bounds, dtype=float)
    bbox = _padded((arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max()), 0.02)
    page = _fitted(page, bbox, most=150.0)
    view = fit_view(bbox, map_crs(bbox), page.layout())
    with _RENDER_LOCK, _print_context():
        return _coverage_page(dataset, result, page, view, lang, title, tuple(kinds), now)


def _coverage_page(dataset: Any, result: Any, page: _Page, view: MapView, lang: str,
                   title: str | None, kinds: tuple[str, ...], now: str) -> bytes:
    from matplotlib.patches import Patch

    s, m = page.s, result.minutes
    fig = _figure(page)
    o = result.summary["overall"]
    share = 100.0 * o["population_reached"] / o["population"] if o["population"] else 0.0
    zh_title = title or f"{m:g} 分钟应急救援覆盖"
    en_title = title or f"{m:g}-minute rescue coverage"
    which = ("、".join(kinds), ", ".join(kinds)) if kinds else ("全部队伍", "every team")
    lines = [f"{bilingual('队伍', 'Teams', lang)}：{bilingual(*which, lang)} · "
             + bilingual(f"覆盖人口 {o['population_reached']:,} / {o['population']:,}"
                         f"（{share:.1f}%）",
                         f"population reached {o['population_reached']:,} of "
                         f"{o['population']:,} ({share:.1f}%)", lang)]
    if result.suggestion:
        sg = result.suggestion
        lines.append(bilingual(
            f"建议新增站点 {sg['lon']:.5f}°E, {sg['lat']:.5f}°N：可增加覆盖 "
            f"{sg['population_added']:,} 人",
            f"Next station here {sg['lon']:.5f}°E, {sg['lat']:.5f}°N: adds "
            f"{sg['population_added']:,} people", lang))
    _header(fig, page, ("应急救援服务网", "Rescue service network"), (zh_title, en_title),
            lines, lang)

    ax = _map_axes(fig, page, view)
    legend = Legend([])
    _context(ax, dataset, view, legend, lang, classes=_MAIN_ROADS)
    legend.header(bilingual(f"{m:g} 分钟覆盖", f"{m:g}-minute coverage", lang))
    areas = result.areas
    if len(areas):  # cell squares merged exactly (their float edges need not coincide)
        merged = [shapely.union_all(shapely.get_parts(g), grid_size=1e-7) for g in areas.geometry]
        areas = areas.set_geometry(merged, crs=4326).to_crs(view.crs)
    colour_of: dict[str, str] = {}
    if len(areas):
        idx = _greedy_colours(list(areas.geometry.values), len(TEAM_PALETTE))
        colours = [TEAM_PALETTE[i] for i in idx]
        colour_of = {str(t): c for t, c in zip(areas["team_id"], colours, strict=True)}
        for colour in sorted(set(colours)):
            part = areas[[c == colour for c in colours]]
            _draw_polygons(ax, part, facecolor=colour, edgecolor="none", alpha=0.38, zorder=2.5)
        _draw_polygons(ax, areas, facecolor="none", edgecolor="white", linewidth=0.35 * s,
                       zorder=2.6)
        legend.add(Patch(facecolor=TEAM_PALETTE[0], alpha=0.45, edgecolor="white"),
                   bilingual(f"服务范围（按最近队伍）{len(areas):,}",
                             f"Service areas (nearest team) {len(areas):,}", lang))
    if len(result.gaps):
        gap = shapely.union_all(result.gaps.geometry.values, grid_size=1e-7)
        gap_gdf = gpd.GeoDataFrame(geometry=[gap], crs=4326).to_crs(view.crs)
        _draw_polygons(ax, gap_gdf, facecolor=GAP_COLOR, edgecolor="#616161", alpha=0.55,
                       linewidth=0.0, hatch="////", zorder=2.7)
        people = int(round(float(result.gaps["people"].sum())))
        legend.add(Patch(facecolor=GAP_COLOR, edgecolor="#616161", alpha=0.55, hatch="////"),
                   bilingual(f"未覆盖 {people:,} 人", f"Not reached {people:,}", lang))
    fwd = Transformer.from_crs(4326, view.crs, always_xy=True)
    teams = dataset_layer(dataset, "rescue_teams")
    if teams is not None and kinds:
        teams = teams[teams["kind"].isin(kinds)]
    if teams is not None and len(teams):
        pts = teams.geometry.representative_point()
        tx, ty = fwd.transform(pts.x.to_numpy(), pts.y.to_numpy())
        face = [colour_of.get(str(t), "#ffffff") for t in teams["id"]]
        ax.scatter(tx, ty, s=(4.6 * s) ** 2, marker="P", c=face, edgecolors="#111111",
                   linewidths=0.5, zorder=19)
        legend.add(_handle(TEAM_PALETTE[0], "P", "#111111", 6.0 * s),
                   bilingual(f"救援队伍 {len(teams):,}", f"Rescue teams {len(teams):,}", lang))
        if "#ffffff" in face:
            legend.add(_handle("#ffffff", "P", "#111111", 6.0 * s),
                       bilingual("队伍（无独占服务范围）", "Team (no area of its own)", lang))
    ent = result.enterprises
    if len(ent):
        grade = ent["grade"].astype(str).to_numpy()
        miss = ent["minutes"].isna().to_numpy() & (np.isin(grade, ("red", "orange"))
                                                   | ent["major_hazard"].astype(bool).to_numpy())
        if miss.any():
            ex, ey = fwd.transform(ent.geometry.x.to_numpy()[miss], ent.geometry.y.to_numpy()[miss])
            ax.scatter(ex, ey, s=(3.6 * s) ** 2, marker="X", c="#c62828", edgecolors="white",
                       linewidths=0.4, zorder=20)
            legend.add(_handle("#c62828", "X", "white", 5.5 * s),
                       bilingual(f"未覆盖重点企业 {int(miss.sum()):,}",
                                 f"Priority firms not reached {int(miss.sum()):,}", lang))
    if result.suggestion:
        sg = result.suggestion
        sx, sy = fwd.transform(sg["lon"], sg["lat"])
        ax.scatter([sx], [sy], s=(11 * s) ** 2, marker="*", c="#ffd600", edgecolors="#b71c1c",
                   linewidths=1.0, zorder=21)
        halo_text(ax, sx, sy, "  " + bilingual("建议新增站点", "Next station", lang), ha="left",
                  va="center", fontsize=6.5 * s, color="#b71c1c", zorder=22, clip_on=True,
                  halo=2.2)
        legend.add(_handle("#ffd600", "*", "#b71c1c", 10.0 * s),
                   bilingual(f"建议新增站点 +{sg['population_added']:,} 人",
                             f"Next station +{sg['population_added']:,}", lang))
    _furniture(ax, page, view, lang)

    # the table: per district, then overall
    names_en = _district_names(dataset)
    cols = _scaled([Col("区", "District", 27), Col("人口", "Population", 19, "right"),
                    Col("覆盖人口", "Reached", 19, "right"), Col("覆盖率", "Share", 12, "right"),
                    Col("红色企业", "Red", 14, "right"), Col("橙色企业", "Orange", 14, "right"),
                    Col("重大危险源", "Major hazards", 16, "right")], s)

    def row(label: str, v: dict[str, Any]) -> list[str]:
        e = v["enterprises"]
        pct = f"{100.0 * v['population_reached'] / v['population']:.1f}%" if v["population"] \
            else "–"
        return [label, f"{v['population']:,}", f"{v['population_reached']:,}", pct,
                *(f"{e[g][0]:,}/{e[g][1]:,}" for g in ("red", "orange", "major_hazard"))]

    rows = []
    for name, v in result.summary.items():
        if name == "overall":
            continue
        en = names_en.get(name, "")
        label = (f"{en} {name}" if lang == "en" else f"{name} {en}") if en else name
        rows.append(row(label, v))
    top = page.lower_top
    room = _room(page, top, page.bottom - 16 * s)
    shown = _cut(rows, max(room - 1, 1), lang)
    shown.append(row(bilingual("全市合计", "Overall", lang), o))
    caption = bilingual(f"各区 {m:g} 分钟覆盖（企业：覆盖/总数）",
                        f"Coverage within {m:g} min by district (enterprises: reached/total)",
                        lang)
    y = _table(fig, page, x=page.table_x, top=top, cols=cols, rows=shown, lang=lang,
               caption=caption, bold_rows=frozenset({len(shown) - 1}))
    notes = [bilingual("时间为路网通行时间，含队伍出动准备时间（ready_min）；服务范围按人口格网计。",
                       "Times are travel times on the road network, each team's readiness "
                       "(ready_min) included; areas are population cells.", lang),
             *result.notes]
    font = 5.0 * s
    text_w = sum(c.width for c in cols)
    lines_out: list[str] = []
    for note in notes:
        lines_out += wrap_display(note, int(text_w / (font * _PT_MM * 0.56)))
    shown_notes = lines_out[:6]
    fig.text(page.table_x / page.w, 1 - (y + 2.5 * s) / page.h, "\n".join(shown_notes),
             ha="left", va="top", fontsize=font, color="#444444", linespacing=1.3,
             parse_math=False)
    y += 2.5 * s + len(shown_notes) * font * 1.3 * _PT_MM * 1.2 + 5.0 * s
    if len(result.areas) and _room(page, y, page.bottom) >= 3:  # who covers the most people
        team_cols = _scaled([Col("", "", 8, "right"), Col("救援队伍", "Rescue team", 62),
                             Col("服务人口", "People served", 24, "right"),
                             Col("最远(分)", "Minutes max", 20, "right")], s)
        by_people = result.areas.sort_values("people", ascending=False, kind="stable")
        team_rows = [[str(k + 1), str(r["name"]), f"{int(r['people']):,}",
                      f"{float(r['minutes_max']):.1f}"]
                     for k, r in enumerate(by_people.to_dict("records"))]
        _table(fig, page, x=page.table_x, top=y, cols=team_cols, lang=lang,
               rows=_cut(team_rows, _room(page, y, page.bottom), lang),
               caption=bilingual(f"各队伍服务范围（{len(team_rows):,} 支，按服务人口）",
                                 f"Service area per team ({len(team_rows):,}, most people "
                                 "first)", lang))
    info = _info(dataset, view, lang, [], now)
    meta = {"Title": f"{zh_title} / {en_title}", "Subject": "应急救援覆盖 Rescue coverage"}
    return _finish(fig, page, legend, info, lang, meta)


# --------------------------------------------------------------------------------------------
# evacuation


def render_evacuation_pdf(dataset: Any, result: Any, *, lang: str = "zh",
                          title: str | None = None, paper: str = "A3",
                          center: tuple[float, float] | None = None,
                          radii_m: Sequence[float] | None = None, now: str | None = None) -> bytes:
    """The one-page evacuation PDF of ``result`` (an ``EvacuationResult`` of ``dataset``).

    Parameters
    ----------
    dataset
        The :class:`data.dataset.Dataset` (view) the evacuation was computed on.
    result
        ``ui.workflows.network.evacuate``'s result (``population``, ``unplaced``,
        ``shelters``, ``flows``, ``radius_m``, ``core_m``; ``center`` and ``radii_m`` when it
        has them).
    lang
        ``"zh"`` or ``"en"``.
    title
        The page's title (default "疏散安置方案 / Evacuation to shelters").
    paper
        ``"A3"`` or ``"A4"`` (portrait).
    center, radii_m
        The incident place (lon, lat) and its rings; default: the result's own.
    now
        The time printed as "generated" (ISO 8601).

    Raises
    ------
    PrintMapError
        A bad ``lang`` or ``paper``, or no incident place.
    """
    from data.sysdb import now_iso
    from layers.printmap import _RENDER_LOCK, _print_context, incident_rings

    _check_lang(lang)
    page = _page(paper)
    now = now or now_iso()
    center = center if center is not None else getattr(result, "center", None)
    if center is None:
        raise PrintMapError("缺少事发点 / `center` (lon, lat) of the incident is needed")
    radii = tuple(radii_m if radii_m is not None else getattr(result, "radii_m", ()) or
                  tuple(r for r in (result.core_m, result.radius_m) if r > 0))
    try:
        rings = incident_rings(float(center[0]), float(center[1]), radii)
    except ValueError as exc:
        raise PrintMapError(str(exc)) from exc
    zone = rings[rings["outer_m"] <= result.radius_m + 1e-6]
    bounds = [tuple((zone if len(zone) else rings).total_bounds)]
    used = result.shelters[result.shelters["assigned"] > 0]
    for frame in (result.flows, used):
        if len(frame):
            bounds.append(tuple(frame.total_bounds))
    arr = np.array(bounds, dtype=float)
    bbox = _padded((arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max()), 0.04)
    page = _fitted(page, bbox, most=150.0)
    view = fit_view(bbox, map_crs(bbox), page.layout())
    with _RENDER_LOCK, _print_context():
        return _evacuation_page(dataset, result, page, view, rings, (float(center[0]),
                                                                    float(center[1])),
                                lang, title, now)


def _load_colour(load: float) -> str:
    return "#c62828" if load >= 0.999 else ("#f9a825" if load >= 0.8 else "#2e7d32")


def _evacuation_page(dataset: Any, result: Any, page: _Page, view: MapView,
                     rings: gpd.GeoDataFrame, center: tuple[float, float], lang: str,
                     title: str | None, now: str) -> bytes:
    from matplotlib.lines import Line2D

    s = page.s
    fig = _figure(page)
    shelters = result.shelters
    assigned = int(shelters["assigned"].sum())
    r_km, c_km = result.radius_m / 1000, result.core_m / 1000
    zh_title = title or "疏散安置方案"
    en_title = title or "Evacuation to shelters"
    lines = [f"{bilingual('事发点', 'Incident', lang)} {center[0]:.6f}°E, {center[1]:.6f}°N · "
             + bilingual(f"疏散区 {r_km:g} km，核心区 {c_km:g} km 内道路封闭",
                         f"evacuated zone {r_km:g} km, roads closed within {c_km:g} km", lang),
             bilingual(f"疏散人口 {result.population:,}，已安置 {assigned:,}，无法安置 "
                       f"{result.unplaced:,}",
                       f"{result.population:,} people to evacuate, {assigned:,} placed, "
                       f"{result.unplaced:,} cannot be placed", lang)]
    _header(fig, page, ("疏散安置", "Evacuation"), (zh_title, en_title), lines, lang)

    ax = _map_axes(fig, page, view)
    legend = Legend([])
    _context(ax, dataset, view, legend, lang, classes=None)
    fwd = Transformer.from_crs(4326, view.crs, always_xy=True)
    ix, iy = fwd.transform(*center)
    draw_incident(ax, rings.to_crs(view.crs), (ix, iy), legend, lang, 6.0 * s)
    legend.header(bilingual("疏散分配", "Evacuation assignment", lang))
    flows = result.flows
    flows = flows[flows.geometry.notna()] if len(flows) else flows
    pmax = float(flows["people"].max()) if len(flows) else 0.0

    def width(p: Any) -> Any:
        return (0.3 + 2.8 * np.sqrt(np.asarray(p, dtype=float) / pmax)) * s if pmax else 0.5

    if len(flows):
        order = flows.sort_values("people")
        proj = order.to_crs(view.crs)
        _draw_lines(ax, proj, colors=FLOW_COLOR, linewidths=width(order["people"].to_numpy()),
                    alpha=0.55, zorder=11, capstyle="round", joinstyle="round")
        for p in sorted({pmax, round(pmax / 4), round(pmax / 16)}, reverse=True):
            if p > 0:
                legend.add(Line2D([], [], color=FLOW_COLOR, alpha=0.7, linewidth=float(width(p))),
                           bilingual(f"疏散路线 {p:,.0f} 人", f"Route {p:,.0f} people", lang))
    # shelters: a ring sized by capacity around a disc sized by the people assigned
    table = _shelter_order(shelters)
    if len(table):
        pts = table.geometry
        sx, sy = fwd.transform(pts.x.to_numpy(), pts.y.to_numpy())
        cap = table["capacity"].to_numpy(float)
        got = table["assigned"].to_numpy(float)
        top = max(float(cap.max()), 1.0)
        d_cap = 3.0 * s + 11.0 * s * np.sqrt(cap / top)
        d_got = 11.0 * s * np.sqrt(got / top) + 3.0 * s * (got > 0)
        load = np.divide(got, cap, out=np.zeros_like(got), where=cap > 0)
        ax.scatter(sx, sy, s=d_cap ** 2, marker="o", facecolors="white", edgecolors="#1b5e20",
                   linewidths=0.8, alpha=0.9, zorder=17)
        ax.scatter(sx, sy, s=d_got ** 2, marker="o", c=[_load_colour(v) for v in load],
                   edgecolors="none", alpha=0.9, zorder=18)
        n_label = int((got > 0).sum())
        for k in range(min(n_label, 40)):
            halo_text(ax, sx[k], sy[k], str(k + 1), ha="center", va="center",
                      fontsize=5.0 * s, color="#111111", zorder=19, clip_on=True, halo=1.8)
        legend.add(_handle("white", "o", "#1b5e20", 9.0 * s),
                   bilingual("避难场所（圈：容量）", "Shelter (ring: capacity)", lang))
        for colour, zh, en in (("#2e7d32", "安置 < 80%", "load < 80 %"),
                               ("#f9a825", "安置 80–99%", "load 80–99 %"),
                               ("#c62828", "满员", "full")):
            legend.add(_handle(colour, "o", "none", 6.0 * s), bilingual(zh, en, lang))
    if result.unplaced:
        legend.add(_handle("#000000", "none", "none", 1.0),
                   bilingual(f"无法安置 {result.unplaced:,} 人", f"Unplaced {result.unplaced:,}", lang))
    _furniture(ax, page, view, lang)

    cols = _scaled([Col("序号", "No.", 8, "right"), Col("避难场所", "Shelter", 38),
                    Col("容量(人)", "Capacity", 17, "right"),
                    Col("安置(人)", "Assigned", 17, "right"), Col("负荷", "Load", 12, "right"),
                    Col("最长用时(分)", "Minutes max", 17, "right")], s)
    rows = []
    for k, r in enumerate(table.to_dict("records")):
        cap_k, got_k = int(r["capacity"]), int(r["assigned"])
        rows.append([str(k + 1), str(r["name"]), f"{cap_k:,}", f"{got_k:,}",
                     f"{100.0 * got_k / cap_k:.0f}%" if cap_k else "–",
                     f"{float(r['minutes_max']):.1f}" if got_k else "–"])
    top_y = page.lower_top
    room = _room(page, top_y, page.bottom - 10 * s)
    shown = _cut(rows, max(room - 2, 1), lang)
    total_cap = int(shelters["capacity"].sum())
    shown.append(["", bilingual("合计", "Total", lang), f"{total_cap:,}", f"{assigned:,}",
                  f"{100.0 * assigned / total_cap:.0f}%" if total_cap else "–", ""])
    shown.append(["", bilingual("无法安置", "Cannot be placed", lang), "",
                  f"{result.unplaced:,}", "", ""])
    caption = bilingual(f"各避难场所安置（{len(shelters):,} 处，按安置人数）",
                        f"Assignment per shelter ({len(shelters):,}, most people first)", lang)
    y = _table(fig, page, x=page.table_x, top=top_y, cols=cols, rows=shown, lang=lang,
               caption=caption, bold_rows=frozenset({len(shown) - 2, len(shown) - 1}))
    note = bilingual("按通行时间与容量分配（最小费用流）；时间为路网通行时间，核心区道路封闭。",
                     "Assigned by travel time within capacity (min-cost flow); times on the "
                     "road network with the core's roads closed.", lang)
    font = 5.0 * s
    text_w = sum(c.width for c in cols)
    wrapped = wrap_display(note, int(text_w / (font * _PT_MM * 0.56)))
    fig.text(page.table_x / page.w, 1 - (y + 2.5 * s) / page.h, "\n".join(wrapped[:3]),
             ha="left", va="top", fontsize=font, color="#444444", linespacing=1.3,
             parse_math=False)
    info = _info(dataset, view, lang, [], now)
    meta = {"Title": f"{zh_title} / {en_title}", "Subject": "疏散安置 Evacuation"}
    return _finish(fig, page, legend, info, lang, meta)


def _shelter_order(shelters: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shelters with people first (most first), then the others by capacity."""
    if not len(shelters):
        return shelters
    key = shelters.assign(_got=shelters["assigned"].astype(float),
                          _cap=shelters["capacity"].astype(float))
    key = key.sort_values(["_got", "_cap"], ascending=False, kind="stable")
    return key.drop(columns=["_got", "_cap"]).reset_index(drop=True)
