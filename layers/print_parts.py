"""Map furniture for print maps: the map CRS, a scale that is true at the map's centre, the scale
bar and the north arrow; the page layout, the legend panel and the tables page.

The print map is drawn in the project's metric CRS for the map's extent,
:func:`risk.crs.metric_crs` (the one CRS policy: a transverse Mercator centred on the extent,
scale factor 1 on its central meridian; UTM is avoided because Shenzhen straddles the UTM 49/50
boundary). Away from the central meridian the point scale factor ``k`` is not exactly 1, so
every length on paper is divided by ``k`` at the map's centre: a bar labelled "5 km" spans 5 km
on the ground there (checked against :class:`pyproj.Geod` in the tests). The north arrow points
to true north at the centre, which differs from grid north by the meridian convergence.

>>> nice_denominator(243_000)
250000
>>> nice_length(3_700)
3000
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from pyproj import CRS, Geod, Proj, Transformer

from risk.crs import metric_crs

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg

__all__ = [
    "PAPER_MM",
    "ScaleBar",
    "map_crs",
    "crs_label",
    "epsg_code",
    "bilingual",
    "scale_factor_at",
    "transformer",
    "true_north_angle",
    "nice_denominator",
    "nice_length",
    "scale_bar_for",
    "ground_length_of_bar",
    "draw_scale_bar",
    "draw_north_arrow",
    "MARGIN_MM",
    "PageLayout",
    "page_layout",
    "Legend",
    "pack_legend_columns",
    "literal_text",
    "draw_panel",
    "wrap_display",
    "table_header",
    "tables_figure",
]

PAPER_MM: dict[str, tuple[float, float]] = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}
"""Paper sizes in millimetres, landscape (long side first)."""
MARGIN_MM = 10.0
"""Page margin around the layout."""

_DENOMINATOR_STEPS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 7.5,
                      8.0, 9.0)
_LENGTH_STEPS = (1.0, 2.0, 3.0, 4.0, 5.0)
_SEGMENTS = {1: (5, 2, 1), 2: (4, 2, 1), 3: (3, 1), 4: (4, 2, 1), 5: (5, 2, 1)}
"""Segment counts that give round tick labels, for each leading digit, most preferred first."""
WGS84 = Geod(ellps="WGS84")


def map_crs(bounds: tuple[float, float, float, float]) -> CRS:
    """The print map's CRS for lon/lat ``bounds`` ``(west, south, east, north)``: the metric CRS
    of the extent, :func:`risk.crs.metric_crs`.

    >>> map_crs((113.75, 22.4, 114.62, 22.86)).name
    'WGS 84 / local TM 114.19°E'
    """
    return metric_crs(tuple(bounds))


def crs_label(crs: CRS, lang: str = "zh") -> str:
    """The CRS line of the map's information panel (Chinese and English): the CRS's name and
    its EPSG code, or, for a CRS without one, its projection method.

    >>> crs_label(map_crs((113.75, 22.4, 114.62, 22.86)))
    '坐标系 Coordinate system：WGS 84 / local TM 114.19°E (Transverse Mercator)'
    >>> crs_label(CRS.from_epsg(32650), "en")
    'Coordinate system 坐标系: WGS 84 / UTM zone 50N (EPSG:32650)'
    """
    epsg = epsg_code(crs)
    operation = crs.coordinate_operation
    method = operation.method_name if operation is not None else ""
    code = f" (EPSG:{epsg})" if epsg else (f" ({method})" if method else "")
    if lang == "en":
        return f"Coordinate system 坐标系: {crs.name}{code}"
    return f"坐标系 Coordinate system：{crs.name}{code}"


def epsg_code(crs: CRS) -> int | None:
    """The EPSG code ``crs`` carries (one defined from the EPSG database), else ``None``.

    Not :meth:`pyproj.CRS.to_epsg`: that searches the whole database for an equivalent
    (about 0.1 s for each local transverse Mercator, one per atlas page).

    >>> epsg_code(CRS.from_epsg(32650)), epsg_code(map_crs((113.75, 22.4, 114.62, 22.86)))
    (32650, None)
    """
    ident = crs.to_json_dict().get("id") or {}
    code = ident.get("code") if ident.get("authority") == "EPSG" else None
    return int(code) if code is not None else None


def bilingual(zh: str, en: str, lang: str) -> str:
    """Chinese first with English alongside (or the other way round for ``lang="en"``).

    >>> bilingual("图例", "Legend", "zh"), bilingual("图例", "Legend", "en")
    ('图例  Legend', 'Legend  图例')
    """
    return f"{en}  {zh}" if lang == "en" else f"{zh}  {en}"


@lru_cache(maxsize=64)
def transformer(source: CRS | int, target: CRS | int) -> Transformer:
    """``Transformer.from_crs(source, target, always_xy=True)``, cached: building one searches
    the proj database (about 15 ms), and a page needs the same few several times."""
    return Transformer.from_crs(source, target, always_xy=True)


def scale_factor_at(crs: CRS, lon: float, lat: float) -> float:
    """Point scale factor ``k`` of ``crs`` at (lon, lat): projected length / ground length."""
    factors = Proj(crs).get_factors(lon, lat)
    return float(math.sqrt(factors.meridional_scale * factors.parallel_scale))


def true_north_angle(crs: CRS, lon: float, lat: float) -> float:
    """Direction of true north at (lon, lat) in degrees anticlockwise from the map's +y axis."""
    fwd = transformer(4326, crs)
    x0, y0 = fwd.transform(lon, lat)
    x1, y1 = fwd.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(-(x1 - x0), y1 - y0))


def nice_denominator(value: float) -> int:
    """The smallest "round" scale denominator (1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, …, 9 × 10ⁿ)
    at least ``value``."""
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"`value` must be a positive finite number, got {value!r}")
    exp = 10 ** math.floor(math.log10(value))
    for step in (*_DENOMINATOR_STEPS, 10.0):
        if step * exp >= value * (1 - 1e-12):
            return int(round(step * exp))
    raise AssertionError("unreachable")


def nice_length(value_m: float) -> int:
    """The largest "round" length (1, 2, 3, 4, 5 × 10ⁿ metres) ≤ ``value_m``."""
    if not value_m >= 1:
        raise ValueError(f"`value_m` must be at least 1 metre, got {value_m!r}")
    exp = 10 ** math.floor(math.log10(value_m))
    best = exp
    for step in _LENGTH_STEPS:
        if step * exp <= value_m * (1 + 1e-12):
            best = step * exp
    return int(round(best))


@dataclass(frozen=True)
class ScaleBar:
    """A scale bar true at the map's centre."""

    length_m: float
    """Ground distance the whole bar stands for, in metres."""
    segments: int
    scale_factor: float
    """Point scale factor of the map CRS at the centre (projected / ground)."""
    denominator: int
    """The map's scale 1:denominator at its centre."""

    @property
    def projected_length(self) -> float:
        """Length of the bar in map-CRS units (metres on the projection plane)."""
        return self.length_m * self.scale_factor

    @property
    def paper_length_mm(self) -> float:
        return self.length_m / self.denominator * 1000.0

    def tick_labels(self) -> list[str]:
        """``["0", "2", "4 km"]``: one label per segment boundary, the unit on the last."""
        km = self.length_m >= 1000
        unit = 1000.0 if km else 1.0
        values = np.linspace(0, self.length_m / unit, self.segments + 1)
        labels = [f"{v:g}" for v in values]
        labels[-1] += " km" if km else " m"
        return labels

    def scale_text(self, lang: str = "zh") -> str:
        """``比例尺 1:250,000``."""
        return f"{'Scale 比例尺' if lang == 'en' else '比例尺 Scale'} 1:{self.denominator:,}"


def scale_bar_for(
    crs: CRS, center: tuple[float, float], *, denominator: int, max_paper_mm: float,
    min_segment_mm: float = 0.0,
) -> ScaleBar:
    """A round-length scale bar no longer than ``max_paper_mm`` on paper.

    Parameters
    ----------
    crs
        The map's projected CRS.
    center
        (lon, lat) of the map's centre, where the bar is true.
    denominator
        The map's scale at its centre (ground metres per paper metre).
    max_paper_mm
        Longest bar allowed on paper.
    min_segment_mm
        Shortest segment on paper (room for its tick label); fewer segments when needed.
    """
    if denominator <= 0:
        raise ValueError(f"`denominator` must be positive, got {denominator!r}")
    length = nice_length(denominator * max_paper_mm / 1000.0)
    lead = round(length / 10 ** math.floor(math.log10(length)))
    paper_mm = length / denominator * 1000.0
    choices = _SEGMENTS[lead]
    segments = next((c for c in choices if paper_mm / c >= min_segment_mm), choices[-1])
    k = scale_factor_at(crs, *center)
    return ScaleBar(length_m=float(length), segments=segments, scale_factor=k,
                    denominator=denominator)


def ground_length_of_bar(crs: CRS, center: tuple[float, float], projected_length: float) -> float:
    """Geodesic length (pyproj.Geod, WGS 84) of a west–east bar of ``projected_length`` map units
    centred on ``center``; the independent check of :class:`ScaleBar`."""
    fwd = transformer(4326, crs)
    inv = transformer(crs, 4326)
    x, y = fwd.transform(*center)
    lon0, lat0 = inv.transform(x - projected_length / 2, y)
    lon1, lat1 = inv.transform(x + projected_length / 2, y)
    return float(WGS84.line_length([lon0, lon1], [lat0, lat1]))


def draw_scale_bar(ax: Axes, bar: ScaleBar, *, x: float, y: float, fontsize: float,
                   lang: str = "zh") -> None:
    """Draw ``bar`` on map axes ``ax`` with its left end at data coordinates (x, y)."""
    from matplotlib.patches import Rectangle

    seg = bar.projected_length / bar.segments
    xlim = ax.get_xlim()
    height = (xlim[1] - xlim[0]) * 0.006
    for i in range(bar.segments):
        ax.add_patch(Rectangle((x + i * seg, y), seg, height, facecolor="black" if i % 2 == 0
                               else "white", edgecolor="black", linewidth=0.6, zorder=20))
    for i, text in enumerate(bar.tick_labels()):
        ax.text(x + i * seg, y + height * 1.8, text, ha="center", va="bottom",
                fontsize=fontsize, zorder=20, parse_math=False)
    ax.text(x + bar.projected_length / 2, y - height * 0.9, bar.scale_text(lang), ha="center",
            va="top", fontsize=fontsize, zorder=20, parse_math=False)


def draw_north_arrow(ax: Axes, angle_deg: float, *, x: float, y: float, size: float,
                     fontsize: float) -> None:
    """Draw a north arrow pointing ``angle_deg`` anticlockwise from up, centred at axes-fraction
    (x, y), ``size`` long in axes-height fraction."""
    from matplotlib.patches import Polygon

    aspect = ax.bbox.height / ax.bbox.width
    theta = math.radians(angle_deg)

    def rot(dx: float, dy: float) -> tuple[float, float]:
        rx = dx * math.cos(theta) - dy * math.sin(theta)
        ry = dx * math.sin(theta) + dy * math.cos(theta)
        return x + rx * size * aspect, y + ry * size

    tip, left, right, tail = rot(0, 0.5), rot(-0.22, -0.5), rot(0.22, -0.5), rot(0, -0.28)
    tr = ax.transAxes
    ax.add_patch(Polygon([tip, left, tail], closed=True, facecolor="black", edgecolor="black",
                         linewidth=0.6, transform=tr, zorder=20))
    ax.add_patch(Polygon([tip, right, tail], closed=True, facecolor="white", edgecolor="black",
                         linewidth=0.6, transform=tr, zorder=20))
    lx, ly = rot(0, 0.62)
    ax.text(lx, ly, "北 N", ha="center", va="bottom", fontsize=fontsize, transform=tr, zorder=20,
            parse_math=False)


# ---------------------------------------------------------------------------------------------
# page layout, legend panel, tables page


@dataclass(frozen=True)
class PageLayout:
    page_mm: tuple[float, float]
    map_mm: tuple[float, float, float, float]  # left, bottom, width, height from lower left
    panel_mm: tuple[float, float, float, float]
    title_y_mm: float
    scale: float  # font scale: 1 for A4, √2 for A3
    portrait: bool

    def frac(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        w, h = self.page_mm
        return (box[0] / w, box[1] / h, box[2] / w, box[3] / h)


def page_layout(paper: str, orientation: str, *, subtitle: bool) -> PageLayout:
    long_mm, short_mm = PAPER_MM[paper]
    portrait = orientation == "portrait"
    w, h = (short_mm, long_mm) if portrait else (long_mm, short_mm)
    s = short_mm / 210.0
    m = MARGIN_MM
    title_h = (17.0 if subtitle else 12.0) * s
    top = h - m - title_h
    if portrait:
        panel_h = 62.0 * s
        panel = (m, m, w - 2 * m, panel_h)
        map_box = (m, m + panel_h + 4 * s, w - 2 * m, top - (m + panel_h + 4 * s))
    else:
        panel_w = 72.0 * s
        map_box = (m, m, w - 2 * m - panel_w - 4 * s, top - m)
        panel = (w - m - panel_w, m, panel_w, top - m)
    return PageLayout((w, h), map_box, panel, h - m - 2.0 * s, s, portrait)


@dataclass
class Legend:
    entries: list[tuple[Any, str, bool]]  # (handle, label, is_header)

    def header(self, text: str) -> None:
        from matplotlib.patches import Patch

        self.entries.append((Patch(facecolor="none", edgecolor="none"), text, True))

    def add(self, handle: Any, text: str) -> None:
        self.entries.append((handle, text, False))


_NO_LINE_START = set("，。、：；！？）》」』】〕…,.;:!?)]}")
_NO_LINE_END = set("（《「『【〔([{")


def wrap_display(text: str, width: int) -> list[str]:
    """Wrap ``text`` to ``width`` display columns (CJK characters count two), breaking Latin text
    at spaces and CJK text anywhere.

    >>> wrap_display("数据来源 data source", 10)
    ['数据来源', 'data', 'source']
    """
    lines: list[str] = []
    line, used = "", 0
    for token in re.findall(r"[\u2e80-\uffef]|[^\s\u2e80-\uffef]+|\s+", text):
        size = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in token)
        if token.isspace():
            if line and used + 1 <= width:
                line, used = line + " ", used + 1
            continue
        if used + size > width and line.strip() and token not in _NO_LINE_START:
            carry = ""
            while line and line[-1] in _NO_LINE_END and line[:-1].strip():
                carry, line = line[-1] + carry, line[:-1]
            lines.append(line.rstrip())
            line, used = carry, sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
                                    for c in carry)
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


def literal_text(artist: Any) -> Any:
    """Make every text of ``artist`` (a figure, legend, table …) render exactly as written: no
    mathtext, so ``$``, ``\\``, ``^``, ``_`` and ``{}`` in a title, an enterprise name or a
    label are printed as they are (and cannot crash the renderer). Returns ``artist``."""
    from matplotlib.table import Table
    from matplotlib.text import Text

    for text in artist.findobj(Text):
        text.set_parse_math(False)
    for table in artist.findobj(Table):  # a table's cells do not list their text as children
        for cell in table.get_celld().values():
            cell.get_text().set_parse_math(False)
    return artist


def table_header(zh: str, en: str, lang: str) -> str:
    return f"{en}\n{zh}" if lang == "en" else f"{zh}\n{en}"


def tables_figure(layout: PageLayout, title: str, tables: list[tuple[str, list[str],
                                                                  list[list[str]]]]) -> Any:
    from matplotlib.figure import Figure

    w, h = layout.page_mm
    fig = Figure(figsize=(w / 25.4, h / 25.4))
    s = layout.scale
    fig.text(0.5, layout.title_y_mm / h, title, ha="center", va="top", fontsize=15 * s,
             parse_math=False)
    top = (layout.title_y_mm - 14 * s) / h
    left, width = MARGIN_MM / w, 1 - 2 * MARGIN_MM / w
    row_h = 5.2 * s / h
    for caption, header, rows in tables:
        room = int((top - 6 * s / h - MARGIN_MM / h) / row_h) - 2
        if room < 2:
            break  # no room left on the page
        if len(rows) > room:
            rows = rows[: room - 1] + [["…"] * len(header)]
        height = row_h * (len(rows) + 2)
        fig.text(left, top, caption, ha="left", va="top", fontsize=10.5 * s, parse_math=False)
        ax = fig.add_axes((left, top - 6 * s / h - height, width, height))
        ax.axis("off")
        # Table documents bbox as "Bbox or [xmin, ymin, width, height]"; the stub has Bbox only
        table = ax.table(cellText=rows, colLabels=header, loc="upper center", cellLoc="center",
                         bbox=[0, 0, 1, 1])  # type: ignore[arg-type]
        literal_text(table)
        table.auto_set_font_size(False)
        table.set_fontsize(7.5 * s)
        table.auto_set_column_width(list(range(len(header))))
        for (r, _c), cell in table.get_celld().items():
            cell.set_linewidth(0.4)
            cell.set_height(2.0 if r == 0 else 1.0)
            if r == 0:
                cell.set_facecolor("#e8e4da")
        top -= height + 6 * s / h + 9 * s / h
    return literal_text(fig)


def pack_legend_columns(entries: list[tuple[Any, str, bool]], ncol: int,
                        ) -> list[tuple[Any, str, bool]]:
    """Order legend entries for a column-major legend of ``ncol`` columns so that no section
    (a header and its classes) is split across columns; blank entries pad the columns."""
    if ncol <= 1:
        return list(entries)
    from matplotlib.patches import Patch

    sections: list[list[tuple[Any, str, bool]]] = []
    for entry in entries:
        if entry[2] or not sections:
            sections.append([])
        sections[-1].append(entry)
    rows = max(math.ceil(len(entries) / ncol), max(len(sec) for sec in sections))
    while True:
        columns: list[list[tuple[Any, str, bool]]] = [[]]
        for sec in sections:
            if columns[-1] and len(columns[-1]) + len(sec) > rows:
                columns.append([])
            columns[-1].extend(sec)
        if len(columns) <= ncol:
            break
        rows += 1
    blank = (Patch(facecolor="none", edgecolor="none"), "", True)
    columns += [[] for _ in range(ncol - len(columns))]
    return [e for col in columns for e in col + [blank] * (rows - len(col))]


def draw_panel(panel: Axes, legend: Legend, layout: PageLayout, info: list[str],
               lang: str, *, info_pt: float = 6.5) -> None:
    """The legend (top) and the information block (date, CRS, sources) in the panel axes.

    Landscape: one legend column above the information. Portrait: legend columns on the left,
    information on the right. The legend's font shrinks until it fits beside the information
    (measured with the figure's renderer, so nothing overlaps).
    """
    s = layout.scale
    x = 0.0 if not layout.portrait else 0.64
    info_text = panel.text(x, 0.0, "\n".join(info), ha="left", va="bottom", fontsize=info_pt * s,
                           color="#333333", linespacing=1.35, transform=panel.transAxes,
                           parse_math=False)
    if not legend.entries:
        return
    # the figure has an Agg canvas (render_map_pdf attaches one to measure text with)
    renderer = cast("FigureCanvasAgg", panel.figure.canvas).get_renderer()
    box = panel.get_window_extent(renderer)
    info_box = info_text.get_window_extent(renderer)
    if layout.portrait:
        room_w, room_h = box.width * 0.62, box.height
    else:
        room_w, room_h = box.width, box.height - info_box.height - 4 * s / 25.4 * panel.figure.dpi
    n = len(legend.entries)
    ncol = 1 if not layout.portrait else max(1, min(3, math.ceil(n / 8)))
    fontsize, attempt, last = 7.5 * s, 0, 11
    while True:  # shrink by steps of 0.92, at most 11 steps
        leg = _legend(panel, legend, ncol, fontsize, lang)
        found = leg.get_window_extent(renderer)
        if (found.width <= room_w and found.height <= room_h) or attempt == last:
            break
        leg.remove()
        # skip steps that cannot fit: the legend shrinks about as fast as its font (one step
        # less than that estimate, since pixel rounding makes it shrink a little faster)
        ratio = min(room_w / found.width, room_h / found.height) if found.width > 0 and \
            found.height > 0 else 0.0
        steps = (math.ceil(math.log(ratio) / math.log(0.92) - 1e-9) - 1 if 0 < ratio < 1
                 else last - attempt)
        steps = min(max(steps, 1), last - attempt)
        attempt += steps
        fontsize *= 0.92 ** steps


def _legend(panel: Axes, legend: Legend, ncol: int, fontsize: float, lang: str) -> Any:
    entries = pack_legend_columns(legend.entries, ncol)
    leg = panel.legend([e[0] for e in entries], [e[1] for e in entries], loc="upper left",
                       bbox_to_anchor=(0, 1), ncol=ncol, frameon=False, fontsize=fontsize,
                       title="Legend 图例" if lang == "en" else "图例 Legend",
                       title_fontsize=fontsize * 1.25, alignment="left", handlelength=1.8,
                       handletextpad=0.6, borderaxespad=0, labelspacing=0.45, columnspacing=1.0)
    literal_text(leg)
    for (_, _, is_header), text in zip(entries, leg.get_texts(), strict=True):
        if is_header:
            text.set_color("#222222")
            text.set_fontsize(fontsize * 1.08)
    for (_, _, is_header), handle in zip(entries, leg.legend_handles, strict=True):
        if is_header and handle is not None:
            handle.set_visible(False)
    return leg


def halo_text(ax: Axes, x: float, y: float, text: str, *, halo: float = 2.0,
              **kwargs: Any) -> Any:
    """``ax.text`` on a white halo that stays real, selectable text in the PDF.

    matplotlib draws text with path effects as outlines (not text), so the halo is a second,
    white copy underneath, stroked; the text itself is plain. Returns the text artist.
    """
    import matplotlib.patheffects as pe

    kwargs.setdefault("parse_math", False)
    zorder = kwargs.pop("zorder", 18)
    under = {k: v for k, v in kwargs.items() if k != "color"}
    ax.text(x, y, text, color="white", zorder=zorder - 0.01,
            path_effects=[pe.Stroke(linewidth=halo, foreground="white")], **under)
    return ax.text(x, y, text, zorder=zorder, **kwargs)
