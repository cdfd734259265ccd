"""Print maps: one page composed: the map frame and what is drawn in it, the furniture, the
title, the legend and information panel; saved as PDF (plus the tables page), PNG or SVG.

:func:`fit_view` and :func:`fixed_view` place the frame (a scale that fits the extent, or a
fixed 1:n around a centre); :func:`render_page` draws and saves. The entry point, with the
argument checks, is :func:`layers.printmap.render_map`.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import shapely

from layers.print_draw import (
    draw_district_labels,
    draw_downwind,
    draw_incident,
    draw_layers,
    draw_zones,
)
from layers.print_frames import CONTEXT_LAYERS, _in_bbox
from layers.print_georef import GeoPlacement, add_geo_measure, frame_corners_ll
from layers.print_grid import draw_graticule
from layers.print_inset import draw_inset, inset_box
from layers.print_parts import (
    MARGIN_MM,
    Legend,
    PageLayout,
    ScaleBar,
    bilingual,
    crs_label,
    draw_north_arrow,
    draw_panel,
    draw_scale_bar,
    literal_text,
    map_crs,
    nice_denominator,
    scale_bar_for,
    scale_factor_at,
    tables_figure,
    transformer,
    true_north_angle,
    wrap_display,
)
from layers.print_symbols import LabelStats, label_candidates, marker_size_pt, place_labels
from layers.print_tables import grade_table, ring_tables
from layers.print_template import PrintTemplate, place_of
from layers.style import BASEMAP
from risk.cordon import Cordon, downwind_zone
from risk.grades import Grade

__all__ = ["MapView", "RenderOptions", "PageSink", "fit_view", "fixed_view", "view_bounds",
           "render_page"]


@dataclass(frozen=True)
class MapView:
    """Where the map frame sits: CRS, centre, scale (true at the centre) and limits."""

    crs: Any
    center: tuple[float, float]
    """(lon, lat) of the frame's centre."""
    center_xy: tuple[float, float]
    scale_factor: float
    """Point scale factor of ``crs`` at the centre (projected / ground length)."""
    denominator: int
    """Scale 1:denominator at the centre: ground metres per metre of paper."""
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    frame_mm: tuple[float, float]
    """Width and height of the map frame on paper."""


def fit_view(bbox: tuple[float, float, float, float], crs: Any, layout: PageLayout) -> MapView:
    # densify first: the box's edges are curves in the projection
    dense = gpd.GeoSeries([shapely.segmentize(shapely.box(*bbox), (bbox[2] - bbox[0]) / 200)],
                          crs=4326).to_crs(crs).iloc[0]
    x0, y0, x1, y1 = dense.bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    center = transformer(crs, 4326).transform(cx, cy)
    k = scale_factor_at(crs, *center)
    fw_m, fh_m = layout.map_mm[2] / 1000, layout.map_mm[3] / 1000
    denominator = nice_denominator(max((x1 - x0) / k / fw_m, (y1 - y0) / k / fh_m))
    half_w, half_h = denominator * fw_m * k / 2, denominator * fh_m * k / 2
    return MapView(crs=crs, center=(float(center[0]), float(center[1])), center_xy=(cx, cy),
                   scale_factor=k, denominator=denominator, xlim=(cx - half_w, cx + half_w),
                   ylim=(cy - half_h, cy + half_h), frame_mm=(layout.map_mm[2], layout.map_mm[3]))


def fixed_view(center: tuple[float, float], denominator: int, layout: PageLayout) -> MapView:
    """The frame at 1:``denominator`` centred on (lon, lat) ``center``, in the metric CRS of
    the centre (scale factor 1 there)."""
    crs = map_crs((center[0], center[1], center[0], center[1]))
    cx, cy = transformer(4326, crs).transform(*center)
    k = scale_factor_at(crs, *center)
    fw_m, fh_m = layout.map_mm[2] / 1000, layout.map_mm[3] / 1000
    half_w, half_h = denominator * fw_m * k / 2, denominator * fh_m * k / 2
    return MapView(crs=crs, center=(float(center[0]), float(center[1])), center_xy=(cx, cy),
                   scale_factor=k, denominator=denominator, xlim=(cx - half_w, cx + half_w),
                   ylim=(cy - half_h, cy + half_h), frame_mm=(layout.map_mm[2], layout.map_mm[3]))


def view_bounds(view: MapView) -> tuple[float, float, float, float]:
    frame = shapely.segmentize(shapely.box(view.xlim[0], view.ylim[0], view.xlim[1],
                                           view.ylim[1]), (view.xlim[1] - view.xlim[0]) / 100)
    w, s_, e, n = gpd.GeoSeries([frame], crs=view.crs).to_crs(4326).total_bounds
    return float(w), float(s_), float(e), float(n)


@dataclass(frozen=True)
class RenderOptions:
    graticule: bool
    inset: bool
    template: PrintTemplate
    labels: bool
    fmt: str
    dpi: int
    georef: bool


@dataclass
class PageSink:
    """An open multi-page PDF (:class:`matplotlib.backends.backend_pdf.PdfPages`) that
    :func:`render_page` appends its pages to instead of returning a PDF of their own: the atlas
    writes all its pages into one file, so the font subset is built and embedded once."""

    pages: Any
    count: int = 0
    """Pages written so far."""
    georefs: list[GeoPlacement] = field(default_factory=list)
    """The map frames to georeference once the file is closed (``georef=True``)."""


def info_lines(dataset: Any, crs: Any, date: dt.date, lang: str, width: int,
                template: PrintTemplate, labels: LabelStats | None) -> list[str]:
    lines = [line for text in template.producer_lines(date.isoformat(), lang)
             for line in wrap_display(text, width)]
    lines += wrap_display(crs_label(crs, lang), width)
    if labels is not None and labels.total:
        lines += wrap_display(labels.info_line(lang), width)
    sources = list(dataset.sources)
    if sources:
        lines.append("数据来源 Sources：" if lang != "en" else "Sources 数据来源:")
        for src in sources:
            lines += wrap_display(f"· {src}", width)
    if dataset.synthetic:
        lines.append("合成样例数据 / synthetic sample data — 非真实登记信息，仅供演示")
    return lines


def render_page(dataset: Any, frames: dict[str, gpd.GeoDataFrame], *, view: MapView,
                layout: PageLayout, title: str, subtitle: str | None, lang: str,
                chosen: list[str], rings: gpd.GeoDataFrame | None, incident: Cordon | None,
                zones: gpd.GeoDataFrame | None, tables_page: bool, date: dt.date,
                options: RenderOptions, sink: PageSink | None = None,
                wind: tuple[float, float] | None = None) -> bytes:
    """Draw the page and return it in ``options.fmt`` (call inside the print rc context).

    ``wind``: ``(wind_from_deg, downwind_m)`` of the incident (validated by the caller,
    :func:`risk.cordon.validate_wind`): the downwind area is drawn
    (:func:`layers.print_draw.draw_downwind`) and, with ``tables_page``, counted in the zone
    table.

    With ``sink`` (PDF only) the page, and the tables page, are appended to ``sink.pages``
    and ``b""`` is returned; the frame to georeference is added to ``sink.georefs``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    tpl = options.template
    w_mm, h_mm = layout.page_mm
    s = layout.scale
    fig = Figure(figsize=(w_mm / 25.4, h_mm / 25.4))
    FigureCanvasAgg(fig)  # a renderer to measure text with while laying out the legend
    crs = view.crs
    (cx, cy), center, k, denominator = view.center_xy, view.center, view.scale_factor, \
        view.denominator
    half_w, half_h = (view.xlim[1] - view.xlim[0]) / 2, (view.ylim[1] - view.ylim[0]) / 2

    ax = fig.add_axes(layout.frac(layout.map_mm))
    ax.set_xlim(*view.xlim)
    ax.set_ylim(*view.ylim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(BASEMAP["sea"])
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(1.2)
        spine.set_edgecolor(tpl.colors["frame"])
        spine.set_zorder(30)

    # clip to the whole visible frame (a little wider), project, draw
    frame_proj = shapely.box(cx - half_w * 1.05, cy - half_h * 1.05, cx + half_w * 1.05,
                             cy + half_h * 1.05)
    frame_ll = gpd.GeoSeries([frame_proj], crs=crs).to_crs(4326).iloc[0]
    shown: dict[str, gpd.GeoDataFrame] = {}
    for name, gdf in frames.items():
        source = dataset.layer(name) if name in CONTEXT_LAYERS else gdf
        source = _in_bbox(source, frame_ll.bounds) if len(source) else source
        proj = source.to_crs(crs) if len(source) else source
        if len(proj) and proj.geom_type.iloc[0] != "Point":
            proj = proj.assign(geometry=shapely.clip_by_rect(proj.geometry.values,
                                                             *frame_proj.bounds))
            proj = proj[~proj.geometry.is_empty]
        shown[name] = proj
    n_points = len(shown.get("enterprises", ()))
    legend = Legend([])
    draw_layers(ax, shown, legend, chosen_districts=chosen, lang=lang, n_points=n_points,
                scale=s)
    if zones is not None and len(zones):
        draw_zones(ax, zones.to_crs(crs), legend, lang)
    if rings is not None and incident is not None:
        ix, iy = transformer(4326, crs).transform(incident.lon,
                                                                           incident.lat)
        draw_incident(ax, rings.to_crs(crs), (ix, iy), legend, lang, 7.5 * s)
        if wind is not None:
            area = downwind_zone(incident, wind_from_deg=wind[0], distance_m=wind[1])
            draw_downwind(ax, gpd.GeoSeries([area], crs=4326).to_crs(crs).iloc[0], legend,
                          wind_from_deg=wind[0], distance_m=wind[1], lang=lang)
    if options.graticule:
        draw_graticule(ax, crs, xlim=view.xlim, ylim=view.ylim, fontsize=5.5 * s)

    # furniture in the frame: scale bar (lower left), north arrow (upper right), inset
    fw, fh = layout.map_mm[2], layout.map_mm[3]
    grid_pad = 4.5 * s if options.graticule else 0.0  # room for the graticule labels
    bar: ScaleBar = scale_bar_for(crs, center, denominator=denominator,
                                  max_paper_mm=min(fw * 0.22, 70 * s), min_segment_mm=6.0 * s)
    bar_box = (0.012 + grid_pad / fw, 0.012 + grid_pad / fh,
               (bar.paper_length_mm + 14 * s) / fw, 15 * s / fh)
    ax.add_patch(Rectangle(bar_box[:2], bar_box[2], bar_box[3], transform=ax.transAxes,
                           facecolor="white", alpha=0.8, edgecolor="#888888", linewidth=0.4,
                           zorder=19))
    draw_scale_bar(ax, bar, x=view.xlim[0] + (bar_box[0] * fw + 7 * s) / 1000 * denominator * k,
                   y=view.ylim[0] + (bar_box[1] * fh + 6.5 * s) / 1000 * denominator * k,
                   fontsize=7 * s, lang=lang)
    arrow_h = 0.07 * fh  # mm
    arrow_box = (1 - (arrow_h * 0.75 + 4 * s + grid_pad) / fw,
                 1 - (arrow_h * 1.55 + 5 * s + grid_pad) / fh,
                 (arrow_h * 0.6 + 2 * s) / fw, (arrow_h * 1.45 + 3 * s) / fh)
    ax.add_patch(Rectangle(arrow_box[:2], arrow_box[2], arrow_box[3], transform=ax.transAxes,
                           facecolor="white", alpha=0.8, edgecolor="#888888", linewidth=0.4,
                           zorder=19))
    draw_north_arrow(ax, true_north_angle(crs, *center),
                     x=arrow_box[0] + arrow_box[2] / 2, y=arrow_box[1] + arrow_box[3] * 0.45,
                     size=0.07, fontsize=8 * s)
    obstacles = [(bar_box[0], bar_box[1], bar_box[0] + bar_box[2], bar_box[1] + bar_box[3]),
                 (arrow_box[0], arrow_box[1], arrow_box[0] + arrow_box[2],
                  arrow_box[1] + arrow_box[3])]
    districts = dataset.districts
    if options.inset and len(districts):
        box = inset_box(districts, layout.map_mm)
        box = (box[0] - grid_pad / fw, box[1] + grid_pad / fh, box[2] - grid_pad / fw,
               box[3] + grid_pad / fh)
        obstacles.append(box)
        x0, y0 = layout.map_mm[0] / w_mm, layout.map_mm[1] / h_mm
        draw_inset(fig, (x0 + box[0] * fw / w_mm, y0 + box[1] * fh / h_mm,
                         (box[2] - box[0]) * fw / w_mm, (box[3] - box[1]) * fh / h_mm),
                   districts, gpd.GeoSeries([shapely.box(view.xlim[0], view.ylim[0],
                                                         view.xlim[1], view.ylim[1])],
                                            crs=crs).to_crs(4326).iloc[0],
                   lang=lang, fontsize=5.5 * s)
    district_texts: list[Any] = []
    if "districts" in shown and len(shown["districts"]):
        view_box = shapely.box(view.xlim[0], view.ylim[0], view.xlim[1], view.ylim[1])
        district_texts = draw_district_labels(ax, shown["districts"], view_box, 8.5 * s, lang,
                                              avoid=obstacles)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    to_axes = ax.transAxes.inverted()
    for text in district_texts:  # the enterprise labels keep clear of the district names
        (bx0, by0), (bx1, by1) = to_axes.transform(text.get_window_extent(renderer).get_points())
        obstacles.append((bx0, by0, bx1, by1))
    stats: LabelStats | None = None
    if options.labels and "enterprises" in shown and len(shown["enterprises"]):
        stats = place_labels(ax, label_candidates(shown["enterprises"]),
                             fontsize=tpl.fonts["label_pt"] * s, place=place_of(dataset.meta),
                             obstacles=obstacles,
                             marker_pt=marker_size_pt(Grade("red"), n_points, s))

    # title, subtitle, logo, classification, outer neat line
    fig.text(0.5, layout.title_y_mm / h_mm, title, ha="center", va="top",
             fontsize=tpl.fonts["title_pt"] * s, color=tpl.colors["title"], parse_math=False)
    if subtitle:
        fig.text(0.5, (layout.title_y_mm - 9 * s) / h_mm, subtitle, ha="center", va="top",
                 fontsize=10.5 * s, color="#444444", parse_math=False)
    if tpl.logo_text:
        fig.text((MARGIN_MM + 2 * s) / w_mm, layout.title_y_mm / h_mm, tpl.logo_text,
                 ha="left", va="top", fontsize=9 * s, color="white", fontweight="bold",
                 parse_math=False, bbox={"boxstyle": "round,pad=0.4",
                                         "facecolor": tpl.colors["accent"], "edgecolor": "none"})
    if tpl.classification:
        fig.text(1 - (MARGIN_MM + 2 * s) / w_mm, layout.title_y_mm / h_mm,
                 f"{'Classification 密级' if lang == 'en' else '密级'}：{tpl.classification}",
                 ha="right", va="top", fontsize=10 * s, color=tpl.colors["accent"],
                 parse_math=False, bbox={"boxstyle": "square,pad=0.3", "facecolor": "none",
                                         "edgecolor": tpl.colors["accent"], "linewidth": 0.8})
    m = MARGIN_MM / 2
    fig.add_artist(Rectangle((m / w_mm, m / h_mm), 1 - 2 * m / w_mm, 1 - 2 * m / h_mm,
                             transform=fig.transFigure, fill=False, linewidth=0.8,
                             edgecolor=tpl.colors["frame"]))

    # panel: legend and information
    panel = fig.add_axes(layout.frac(layout.panel_mm))
    panel.axis("off")
    width = int(layout.panel_mm[2] * (0.36 if layout.portrait else 1) / (1.3 * s)
                * 6.5 / tpl.fonts["body_pt"])
    draw_panel(panel, legend, layout, info_lines(dataset, crs, date, lang, width, tpl, stats),
               lang, info_pt=tpl.fonts["body_pt"])
    literal_text(fig)
    meta = {"Title": title, "Subject": subtitle or "", "Creator": "risk-map 安全风险地图"}
    buffer = io.BytesIO()
    if options.fmt == "png":
        fig.savefig(buffer, format="png", dpi=options.dpi,
                    metadata={"Title": title, "Software": "risk-map"})
        return buffer.getvalue()
    if options.fmt == "tiff":  # LZW-compressed, for print shops and image archives
        fig.savefig(buffer, format="tiff", dpi=options.dpi,
                    pil_kwargs={"compression": "tiff_lzw"})
        return buffer.getvalue()
    if options.fmt == "svg":
        fig.savefig(buffer, format="svg", metadata={"Title": title, "Creator": "risk-map"})
        return buffer.getvalue()
    from matplotlib.backends.backend_pdf import PdfPages

    def save_pages(pages: Any) -> int:
        pages.savefig(fig)
        if not tables_page:
            return 1
        ent = frames.get("enterprises", dataset.enterprises)
        tables = [(bilingual("各区企业风险等级统计（图幅范围内）",
                             "Enterprises by grade per district (in the map view)", lang),
                   *grade_table(ent, dataset.districts, lang))]
        if rings is not None and incident is not None:
            tables += ring_tables(dataset, incident, lang,
                                  wind_from_deg=None if wind is None else wind[0],
                                  downwind_m=None if wind is None else wind[1])
        pages.savefig(tables_figure(layout, f"{title} — 附表 Tables", tables))
        return 2

    def placement(page: int) -> GeoPlacement:
        pos = ax.get_position()  # figure fraction, after the aspect is applied
        frame_pt = (pos.x0 * w_mm / 25.4 * 72, pos.y0 * h_mm / 25.4 * 72,
                    pos.x1 * w_mm / 25.4 * 72, pos.y1 * h_mm / 25.4 * 72)
        return GeoPlacement(page, frame_pt, tuple(frame_corners_ll(crs, view.xlim, view.ylim)),
                            crs)

    if sink is not None:
        first = sink.count
        sink.count += save_pages(sink.pages)
        if options.georef:
            sink.georefs.append(placement(first))
        return b""
    with PdfPages(buffer, metadata=meta) as pages:
        save_pages(pages)
    pdf = buffer.getvalue()
    if options.georef:
        where = placement(0)
        pdf = add_geo_measure(pdf, page=0, frame_pt=where.frame_pt, corners_ll=where.corners_ll,
                              crs=crs)
    return pdf
