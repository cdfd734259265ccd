"""Print-quality map PDFs: a GIS-style print layout rendered with matplotlib as vector PDF.

One page holds the title and subtitle, the map frame (neat line) drawn in the extent's metric CRS
(:func:`risk.crs.metric_crs`),
a legend listing exactly the layers and classes drawn, a scale bar and a north arrow true at the
map's centre (:mod:`layers.print_parts`), the date, the coordinate system and the data sources
("合成样例数据" when the dataset is synthetic). An optional second page holds tables: enterprises
by grade per district, and the exposure of each ring when an incident is given.

The work is split by job: :mod:`layers.print_frames` checks the arguments and selects the data,
:mod:`layers.print_draw` draws it, :mod:`layers.print_tables` builds the tables page and
:mod:`layers.print_parts` the map furniture. Colours and labels come from :mod:`layers.style` and
:mod:`risk.grades`, the same definitions the interactive map uses. Text is TrueType (Type 42) in Noto Sans SC from :mod:`layers.fonts`, so
it is selectable and the font is embedded as a subset; no system font is needed.

>>> from data.dataset import Dataset  # doctest: +SKIP
>>> pdf = render_map_pdf(Dataset.load("data/sample"), title="深圳市风险图")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from layers.fonts import print_rc
from layers.print_draw import draw_district_labels, draw_incident, draw_layers, draw_zones
from layers.print_frames import (
    CONTEXT_LAYERS,
    DEFAULT_LAYERS,
    PRINT_LAYERS,
    EmptyMapError,
    PrintMapError,
    _check_choice,
    _check_districts,
    _check_extent,
    _check_grades,
    _check_industries,
    _check_layers,
    _data_frames,
    _in_bbox,
    _padded,
    check_incident,
    resolve_districts,
)
from layers.print_parts import (
    MARGIN_MM,
    PAPER_MM,
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
    page_layout,
    scale_bar_for,
    scale_factor_at,
    tables_figure,
    true_north_angle,
    wrap_display,
)
from layers.print_tables import grade_table, ring_tables
from layers.style import BASEMAP
from risk.cordon import Cordon, cordon_rings
from risk.files import write_bytes_atomic
from risk.grades import Grade

__all__ = [
    "PrintMapError",
    "EmptyMapError",
    "MapView",
    "map_view",
    "render_map_pdf",
    "resolve_districts",
    "incident_rings",
    "DEFAULT_LAYERS",
    "PRINT_LAYERS",
]

_RENDER_LOCK = threading.Lock()
_MAX_SPAN_DEG = 12.0


def incident_rings(lon: float, lat: float, radii_m: Sequence[float]) -> gpd.GeoDataFrame:
    """Rings around an incident (:func:`risk.cordon.cordon_rings`; columns ``zone, name_zh,
    name_en, inner_m, outer_m, geometry``, EPSG:4326); the incident is validated here."""
    return cordon_rings((lon, lat), radii_m=tuple(radii_m))


# --------------------------------------------------------------------------------------------
# layout


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


def map_view(extent: Sequence[float], *, paper: str = "A4", orientation: str = "landscape",
             subtitle: bool = False) -> MapView:
    """The frame :func:`render_map_pdf` draws for lon/lat ``extent`` = (west, south, east, north):
    the smallest round scale showing all of it, centred on it, in its UTM zone."""
    bbox = _check_extent(extent)
    assert bbox is not None  # _check_extent returns None only for extent=None
    paper = _check_choice("paper", paper, PAPER_MM)
    orientation = _check_choice("orientation", orientation, ("landscape", "portrait"))
    return _fit_view(bbox, map_crs(bbox), page_layout(paper, orientation, subtitle=subtitle))


def _fit_view(bbox: tuple[float, float, float, float], crs: Any, layout: PageLayout) -> MapView:
    # densify first: the box's edges are curves in the projection
    dense = gpd.GeoSeries([shapely.segmentize(shapely.box(*bbox), (bbox[2] - bbox[0]) / 200)],
                          crs=4326).to_crs(crs).iloc[0]
    x0, y0, x1, y1 = dense.bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    center = Transformer.from_crs(crs, 4326, always_xy=True).transform(cx, cy)
    k = scale_factor_at(crs, *center)
    fw_m, fh_m = layout.map_mm[2] / 1000, layout.map_mm[3] / 1000
    denominator = nice_denominator(max((x1 - x0) / k / fw_m, (y1 - y0) / k / fh_m))
    half_w, half_h = denominator * fw_m * k / 2, denominator * fh_m * k / 2
    return MapView(crs=crs, center=(float(center[0]), float(center[1])), center_xy=(cx, cy),
                   scale_factor=k, denominator=denominator, xlim=(cx - half_w, cx + half_w),
                   ylim=(cy - half_h, cy + half_h), frame_mm=(layout.map_mm[2], layout.map_mm[3]))



def _info_lines(dataset: Any, crs: Any, date: dt.date, lang: str, width: int) -> list[str]:
    lines = [f"{'Date 制图日期' if lang == 'en' else '制图日期 Date'}：{date.isoformat()}",
             *wrap_display(crs_label(crs, lang), width)]
    sources = list(dataset.sources)
    if sources:
        lines.append("数据来源 Sources：" if lang != "en" else "Sources 数据来源:")
        for src in sources:
            lines += wrap_display(f"· {src}", width)
    if dataset.synthetic:
        lines.append("合成样例数据 / synthetic sample data — 非真实登记信息，仅供演示")
    return lines



# --------------------------------------------------------------------------------------------
# public entry point


def render_map_pdf(
    dataset: Any,
    *,
    out: str | os.PathLike[str] | None = None,
    title: str,
    subtitle: str | None = None,
    paper: str = "A4",
    orientation: str = "landscape",
    layers: Sequence[str] = DEFAULT_LAYERS,
    grades: Iterable[object] | None = None,
    industries: Iterable[str] | None = None,
    districts_filter: Iterable[str] | str | None = None,
    major_only: bool = False,
    extent: Sequence[float] | None = None,
    incident: Cordon | Sequence[Any] | None = None,
    zones: gpd.GeoDataFrame | None = None,
    tables_page: bool = False,
    lang: str = "zh",
    date: dt.date | None = None,
) -> bytes:
    """Render a print-layout map of ``dataset`` as a vector PDF and return its bytes.

    Parameters
    ----------
    dataset
        A :class:`data.dataset.Dataset`.
    out
        Also write the PDF here, atomically and durably (:func:`risk.files.write_bytes_atomic`);
        nothing is left behind when rendering or writing fails. Its folder must exist.
    title, subtitle
        Printed at the top of the page (Chinese).
    paper, orientation
        ``"A4"``/``"A3"``, ``"landscape"``/``"portrait"``.
    layers
        Layers to draw, any of :data:`PRINT_LAYERS`; the legend lists exactly these (and only
        the classes present in the view).
    grades, industries, districts_filter, major_only
        Filters as in the app: grade codes or any spelling :func:`risk.grades.parse_grade`
        accepts; industry names; district names (中文, English or adcode); only major hazards.
        ``districts_filter`` also restricts the points/slopes shown and sets the default extent.
    extent
        ``(west, south, east, north)`` in degrees; default: the chosen districts', else the
        filtered data's (or the incident rings') extent.
    incident
        A :class:`risk.cordon.Cordon` (validated by the caller) or ``(lon, lat, radii_m)``
        (validated here by :func:`risk.cordon.validate_incident`, with the dataset's region):
        draws the incident and its rings.
    zones
        Graded zones (``grade`` column, EPSG:4326) to draw under the points.
    tables_page
        Add a second page: enterprises by grade per district, and ring exposure with an incident.
    lang
        ``"zh"`` (Chinese first, English alongside) or ``"en"``.
    date
        Date printed on the map (default: today).

    Raises
    ------
    PrintMapError
        Unknown layer/district/grade/industry, bad extent/incident; :class:`EmptyMapError`
        (a subclass) when the view has nothing in it.
    OSError
        ``out`` cannot be written (its message names the path).
    """
    if not isinstance(title, str) or not title.strip():
        raise PrintMapError(f"`title` must be a non-empty string, got {title!r}")
    paper = _check_choice("paper", paper, PAPER_MM)
    orientation = _check_choice("orientation", orientation, ("landscape", "portrait"))
    lang = _check_choice("lang", lang, ("zh", "en"))
    layers = _check_layers(layers)
    grade_sel = _check_grades(grades)
    districts = dataset.districts
    chosen = _check_districts(districts_filter, districts)
    ent_all = dataset.layer("enterprises")
    industry_sel = _check_industries(industries, ent_all.get("industry", pd.Series(dtype=str)))
    bbox = _check_extent(extent)
    inc = check_incident(incident, region=dataset.region)  # once; a Cordon passes as it is
    if zones is not None and zones.crs is not None and not zones.crs.equals(4326):
        zones = zones.to_crs(4326)
    area = districts[districts["name"].isin(chosen)].union_all() if chosen else None
    frames = _data_frames(dataset, layers, grades=grade_sel, industries=industry_sel,
                          chosen=chosen, area=area, major_only=major_only)
    rings = cordon_rings(inc) if inc else None

    # the view: explicit extent, else chosen districts / incident rings / filtered data
    if bbox is None:
        parts = []
        if area is not None:
            parts.append(area.bounds)
        if rings is not None:
            parts.append(tuple(rings.total_bounds))
        if not parts:
            for name, gdf in frames.items():
                if len(gdf) and (name not in CONTEXT_LAYERS or name == "districts"):
                    parts.append(tuple(gdf.total_bounds))
        if not parts and zones is not None and len(zones):
            parts.append(tuple(zones.total_bounds))
        if not parts:
            raise EmptyMapError(_nothing_message(layers, grade_sel, industry_sel, chosen,
                                                 major_only, None))
        arr = np.array(parts)
        bbox = _padded((arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max()))
    elif dataset.region is not None:  # a world-wide view from a zoomed-out web map: the region
        w, s_, e, n = _padded(dataset.region.bounds, 0.5)
        clipped = (max(bbox[0], w), max(bbox[1], s_), min(bbox[2], e), min(bbox[3], n))
        if clipped[0] < clipped[2] and clipped[1] < clipped[3]:
            bbox = clipped
    if bbox[2] - bbox[0] > _MAX_SPAN_DEG or bbox[3] - bbox[1] > _MAX_SPAN_DEG:
        msg = (f"`extent` spans {bbox[2] - bbox[0]:.1f}° × {bbox[3] - bbox[1]:.1f}°; a print map "
               f"covers at most {_MAX_SPAN_DEG:g}° (one UTM zone and its neighbours)")
        raise PrintMapError(msg)
    frames = {name: _in_bbox(gdf, bbox) for name, gdf in frames.items()}
    content = [n for n in layers if n not in CONTEXT_LAYERS]
    counted = content or list(layers)
    if not any(len(frames[n]) for n in counted) and rings is None and not (
            zones is not None and len(_in_bbox(zones, bbox))):
        raise EmptyMapError(_nothing_message(layers, grade_sel, industry_sel, chosen, major_only,
                                             extent))

    crs = map_crs(bbox)
    with _RENDER_LOCK, _print_context():  # rcParams are global: one render at a time
        pdf = _render(dataset, frames, bbox=bbox, crs=crs, title=title.strip(),
                      subtitle=subtitle, paper=paper, orientation=orientation, lang=lang,
                      chosen=chosen, rings=rings, incident=inc, zones=zones,
                      tables_page=tables_page, date=date or dt.date.today())
    if out is not None:
        _write_pdf(Path(out), pdf)
    return pdf


def _nothing_message(layers: tuple[str, ...], grades: tuple[Grade, ...] | None,
                     industries: list[str] | None, chosen: list[str], major_only: bool,
                     extent: Sequence[float] | None) -> str:
    what = [f"layers={','.join(layers)}"]
    if grades:
        what.append(f"grades={','.join(g.value for g in grades)}")
    if industries:
        what.append(f"industries={','.join(industries)}")
    if chosen:
        what.append(f"districts={','.join(chosen)}")
    if major_only:
        what.append("major_only")
    where = f"`extent` {tuple(extent)!r}" if extent is not None else "the selection"
    return (f"地图范围内没有要素 / nothing to draw: {where} contains no features of "
            f"{'; '.join(what)}")


class _print_context:
    """matplotlib rc settings for print maps, restored afterwards."""

    def __enter__(self) -> None:
        import matplotlib

        self._ctx = matplotlib.rc_context({**print_rc(), "text.usetex": False})
        self._ctx.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._ctx.__exit__(*exc)



def _write_pdf(path: Path, data: bytes) -> None:
    """Write the PDF with :func:`risk.files.write_bytes_atomic`, refusing a folder or a missing
    folder with a message naming ``out`` (the helper would create missing folders)."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, f"`out` {path}: is a folder; expected a .pdf file "
                                "path")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"`out` {path}: cannot write to folder {folder}: "
                                "it does not exist")
    write_bytes_atomic(path, data)


def _render(dataset: Any, frames: dict[str, gpd.GeoDataFrame], *,
            bbox: tuple[float, float, float, float], crs: Any, title: str,
            subtitle: str | None, paper: str, orientation: str, lang: str,
            chosen: list[str], rings: gpd.GeoDataFrame | None, incident: Cordon | None,
            zones: gpd.GeoDataFrame | None, tables_page: bool, date: dt.date) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    layout = page_layout(paper, orientation, subtitle=bool(subtitle))
    w_mm, h_mm = layout.page_mm
    s = layout.scale
    fig = Figure(figsize=(w_mm / 25.4, h_mm / 25.4))
    FigureCanvasAgg(fig)  # a renderer to measure text with while laying out the legend

    view = _fit_view(bbox, crs, layout)
    (cx, cy), center, k, denominator = view.center_xy, view.center, view.scale_factor, \
        view.denominator
    half_w, half_h = (view.xlim[1] - view.xlim[0]) / 2, (view.ylim[1] - view.ylim[0]) / 2

    ax = fig.add_axes(layout.frac(layout.map_mm))
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(BASEMAP["sea"])
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(1.2)
        spine.set_zorder(30)

    # clip to the whole visible frame (a little wider), project, draw
    frame_ll = gpd.GeoSeries([shapely.box(cx - half_w * 1.05, cy - half_h * 1.05,
                                          cx + half_w * 1.05, cy + half_h * 1.05)],
                             crs=crs).to_crs(4326).iloc[0]
    frame_proj = shapely.box(cx - half_w * 1.05, cy - half_h * 1.05, cx + half_w * 1.05,
                             cy + half_h * 1.05)
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
    draw_layers(ax, shown, legend, chosen_districts=chosen, lang=lang, n_points=n_points)
    if zones is not None and len(zones):
        draw_zones(ax, zones.to_crs(crs), legend, lang)
    if rings is not None and incident is not None:
        ix, iy = Transformer.from_crs(4326, crs, always_xy=True).transform(incident.lon,
                                                                           incident.lat)
        draw_incident(ax, rings.to_crs(crs), (ix, iy), legend, lang, 7.5 * s)
    if "districts" in shown and len(shown["districts"]):
        view_box = shapely.box(cx - half_w * 0.97, cy - half_h * 0.97, cx + half_w * 0.97,
                               cy + half_h * 0.97)
        draw_district_labels(ax, shown["districts"], view_box, 8.5 * s, lang)

    # furniture in the frame: scale bar (lower left), north arrow (upper right)
    bar: ScaleBar = scale_bar_for(crs, center, denominator=denominator,
                                  max_paper_mm=min(layout.map_mm[2] * 0.22, 70 * s),
                                  min_segment_mm=6.0 * s)
    ax.add_patch(Rectangle((0.012, 0.012), (bar.paper_length_mm + 14 * s) / layout.map_mm[2],
                           15 * s / layout.map_mm[3], transform=ax.transAxes, facecolor="white",
                           alpha=0.8, edgecolor="#888888", linewidth=0.4, zorder=19))
    draw_scale_bar(ax, bar, x=cx - half_w + (0.012 * layout.map_mm[2] + 8 * s) / 1000
                   * denominator * k, y=cy - half_h + 7.5 * s / 1000 * denominator * k,
                   fontsize=7 * s, lang=lang)
    arrow_h = 0.07 * layout.map_mm[3]  # mm
    ax.add_patch(Rectangle((1 - (arrow_h * 0.75 + 4 * s) / layout.map_mm[2],
                            1 - (arrow_h * 1.55 + 5 * s) / layout.map_mm[3]),
                           (arrow_h * 0.6 + 2 * s) / layout.map_mm[2],
                           (arrow_h * 1.45 + 3 * s) / layout.map_mm[3], transform=ax.transAxes,
                           facecolor="white", alpha=0.8, edgecolor="#888888", linewidth=0.4,
                           zorder=19))
    draw_north_arrow(ax, true_north_angle(crs, *center),
                     x=1 - (arrow_h * 0.45 + 3 * s) / layout.map_mm[2],
                     y=1 - (arrow_h * 0.95 + 4 * s) / layout.map_mm[3], size=0.07,
                     fontsize=8 * s)

    # title, subtitle, outer neat line
    fig.text(0.5, layout.title_y_mm / h_mm, title, ha="center", va="top", fontsize=17 * s,
             parse_math=False)
    if subtitle:
        fig.text(0.5, (layout.title_y_mm - 9 * s) / h_mm, subtitle, ha="center", va="top",
                 fontsize=10.5 * s, color="#444444", parse_math=False)
    m = MARGIN_MM / 2
    fig.add_artist(Rectangle((m / w_mm, m / h_mm), 1 - 2 * m / w_mm, 1 - 2 * m / h_mm,
                             transform=fig.transFigure, fill=False, linewidth=0.8,
                             edgecolor="#333333"))

    # panel: legend and information
    panel = fig.add_axes(layout.frac(layout.panel_mm))
    panel.axis("off")
    draw_panel(panel, legend, layout, _info_lines(
        dataset, crs, date, lang, width=int(layout.panel_mm[2] * (0.36 if layout.portrait else 1)
                                            / (1.3 * s))), lang)

    buffer = io.BytesIO()
    meta = {"Title": title, "Subject": subtitle or "", "Creator": "risk-map 安全风险地图"}
    with PdfPages(buffer, metadata=meta) as pages:
        pages.savefig(literal_text(fig))
        if tables_page:
            ent = frames.get("enterprises", dataset.enterprises)
            tables = [(bilingual("各区企业风险等级统计（图幅范围内）",
                             "Enterprises by grade per district (in the map view)", lang),
                       *grade_table(ent, dataset.districts, lang))]
            if rings is not None and incident is not None:
                tables += ring_tables(dataset, incident, lang)
            pages.savefig(tables_figure(layout, f"{title} — 附表 Tables", tables))
    return buffer.getvalue()
