"""Print-quality maps: a GIS-style print layout rendered with matplotlib (vector PDF, PNG, SVG).

One page holds the title and subtitle, the map frame (neat line) drawn in the extent's metric CRS
(:func:`risk.crs.metric_crs`) at a scale that fits the extent or a fixed standard scale
(:data:`STANDARD_SCALES`) around a centre, a legend listing exactly the layers and classes
drawn, a scale bar and a north arrow true at the map's centre, optionally a graticule with
degree labels and an overview map, the producer block of a template (制图单位, 制图日期, 审图号,
密级), the coordinate system and the data sources ("合成样例数据" when the dataset is
synthetic). An optional second page holds tables: enterprises by grade per district, and the
exposure of each ring when an incident is given.

The work is split by job: :mod:`layers.print_frames` checks the arguments and selects the data,
:mod:`layers.print_page` composes and saves the page, :mod:`layers.print_draw` draws the layers,
:mod:`layers.print_symbols` the enterprises by importance and their labels,
:mod:`layers.print_grid` the graticule, :mod:`layers.print_inset` the overview map,
:mod:`layers.print_template` the template and default title, :mod:`layers.print_georef` the
geospatial PDF dictionary, :mod:`layers.print_atlas` the multi-page atlas,
:mod:`layers.print_tables` the tables page and :mod:`layers.print_parts` the map furniture.
Colours and labels come from :mod:`layers.style` and :mod:`risk.grades`, the same definitions
the interactive map uses. Text is TrueType (Type 42) in Noto Sans SC from :mod:`layers.fonts`,
so it is selectable and the font is embedded as a subset; no system font is needed.

>>> from data.dataset import Dataset  # doctest: +SKIP
>>> pdf = render_map_pdf(Dataset.load("data/sample"), title="深圳市风险图")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.fonts import print_rc
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
from layers.print_page import (
    MapView,
    PageSink,
    RenderOptions,
    fit_view,
    fixed_view,
    render_page,
    view_bounds,
)
from layers.print_parts import PAPER_MM, map_crs, page_layout, transformer
from layers.print_template import PrintTemplate
from risk.cordon import Cordon, cordon_rings, downwind_zone, validate_wind
from risk.files import write_bytes_atomic
from risk.grades import Grade

__all__ = [
    "PrintMapError",
    "EmptyMapError",
    "MapView",
    "map_view",
    "render_map_pdf",
    "render_map",
    "STANDARD_SCALES",
    "FORMATS",
    "print_area",
    "resolve_districts",
    "incident_rings",
    "DEFAULT_LAYERS",
    "PRINT_LAYERS",
]

_RENDER_LOCK = threading.Lock()
_MAX_SPAN_DEG = 12.0
STANDARD_SCALES = (2_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000)
"""Scales a print map can be fixed at (the national basic scale series, plus 1:2,000);
``None`` (CLI and tab: "fit") picks the smallest round scale showing the whole extent."""
FORMATS = ("pdf", "png", "tiff", "svg")
"""Output formats: vector PDF (every page), PNG and TIFF at ``dpi`` and SVG (the map page)."""


def incident_rings(lon: float, lat: float, radii_m: Sequence[float]) -> gpd.GeoDataFrame:
    """Rings around an incident (:func:`risk.cordon.cordon_rings`; columns ``zone, name_zh,
    name_en, inner_m, outer_m, geometry``, EPSG:4326); the incident is validated here."""
    return cordon_rings((lon, lat), radii_m=tuple(radii_m))


# --------------------------------------------------------------------------------------------
# layout


def map_view(extent: Sequence[float], *, paper: str = "A4", orientation: str = "landscape",
             subtitle: bool = False) -> MapView:
    """The frame :func:`render_map_pdf` draws for lon/lat ``extent`` = (west, south, east, north):
    the smallest round scale showing all of it, centred on it, in its UTM zone."""
    bbox = _check_extent(extent)
    assert bbox is not None  # _check_extent returns None only for extent=None
    paper = _check_choice("paper", paper, PAPER_MM)
    orientation = _check_choice("orientation", orientation, ("landscape", "portrait"))
    return fit_view(bbox, map_crs(bbox), page_layout(paper, orientation, subtitle=subtitle))


def print_area(*, paper: str = "A4", orientation: str = "landscape",
               scale: int | str | None = None, center: Sequence[float] | None = None,
               extent: Sequence[float] | None = None, subtitle: bool = False,
               ) -> tuple[MapView, list[list[float]]]:
    """The frame a print would have, and its outline as ``[[lon, lat], …]`` (closed, 8 points
    per edge) for the print area on the interactive map: at 1:``scale`` around ``center``, or
    fitted to ``extent`` (as :func:`render_map` does without a scale)."""
    paper = _check_choice("paper", paper, PAPER_MM)
    orientation = _check_choice("orientation", orientation, ("landscape", "portrait"))
    denominator, centre, bbox = _check_scale(scale), _check_center(center), _check_extent(extent)
    layout = page_layout(paper, orientation, subtitle=subtitle)
    if denominator is not None and centre is None and bbox is not None:
        centre = ((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
    if denominator is not None and centre is not None:
        view = fixed_view(centre, denominator, layout)
    elif bbox is not None:
        view = fit_view(bbox, map_crs(bbox), layout)
    else:
        raise PrintMapError("`print_area` needs `center` (with `scale`) or `extent`")
    (x0, x1), (y0, y1) = view.xlim, view.ylim
    t = np.linspace(0, 1, 8, endpoint=False)
    xs = np.concatenate([x0 + t * (x1 - x0), np.full(8, x1), x1 - t * (x1 - x0), np.full(8, x0)])
    ys = np.concatenate([np.full(8, y0), y0 + t * (y1 - y0), np.full(8, y1), y1 - t * (y1 - y0)])
    lon, lat = transformer(view.crs, 4326).transform(xs, ys)
    return view, [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat,
                                                                            strict=True)]


def _check_scale(scale: int | str | None) -> int | None:
    if scale is None or (isinstance(scale, str) and scale.strip().lower() in ("", "fit")):
        return None
    text = str(scale).strip().replace(",", "").replace("，", "")
    text = text.split(":")[-1]
    try:
        value = int(float(text))
    except ValueError:
        value = -1
    if value not in STANDARD_SCALES:
        msg = (f"`scale` must be \"fit\" or one of the standard series "
               f"{', '.join(f'{v:,}' for v in STANDARD_SCALES)}, got {scale!r}")
        raise PrintMapError(msg)
    return value


def _check_center(center: Sequence[float] | None) -> tuple[float, float] | None:
    if center is None:
        return None
    try:
        lon, lat = (float(v) for v in center)
    except (TypeError, ValueError) as exc:
        raise PrintMapError(f"`center` must be (lon, lat) in degrees, got {center!r}") from exc
    if not (-180 <= lon <= 180 and -85 <= lat <= 85):
        raise PrintMapError(f"`center` must be (lon, lat) with lon -180..180 and lat -85..85, "
                            f"got {center!r}")
    return lon, lat


# --------------------------------------------------------------------------------------------
# public entry point


def render_map_pdf(dataset: Any, **kwargs: Any) -> bytes:
    """:func:`render_map` as a PDF (``format="pdf"``); the same keyword arguments."""
    return render_map(dataset, **{**kwargs, "format": "pdf"})


def render_map(
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
    wind_from_deg: float | None = None,
    downwind_m: float | None = None,
    zones: gpd.GeoDataFrame | None = None,
    tables_page: bool = False,
    lang: str = "zh",
    date: dt.date | None = None,
    scale: int | str | None = None,
    center: Sequence[float] | None = None,
    graticule: bool = False,
    inset: bool = False,
    template: PrintTemplate | None = None,
    labels: bool = True,
    format: str = "pdf",
    dpi: int = 300,
    georef: bool = False,
    sink: PageSink | None = None,
) -> bytes:
    """Render a print-layout map of ``dataset`` (vector PDF, PNG or SVG) and return its bytes.

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
    wind_from_deg, downwind_m
        With ``incident``: where the wind blows from (degrees clockwise from north, 0–360) and
        how far the downwind protective-action area reaches (metres; default the outer radius),
        checked by :func:`risk.cordon.validate_wind`. The area
        (:func:`risk.cordon.downwind_zone`) is drawn in :data:`layers.style.DOWNWIND_STYLE`
        with a legend entry naming the wind and reach, the default extent includes it, and with
        ``tables_page`` the zone table has a downwind row.
    zones
        Graded zones (``grade`` column, EPSG:4326) to draw under the points.
    tables_page
        Add a second page: enterprises by grade per district, and ring exposure with an incident.
    lang
        ``"zh"`` (Chinese first, English alongside) or ``"en"``.
    date
        Date printed on the map (default: today).
    scale
        1:``scale`` at the frame's centre, one of :data:`STANDARD_SCALES`; ``None`` or
        ``"fit"``: the smallest round scale showing the whole extent.
    center
        (lon, lat) of the frame's centre (default: the extent's); with ``scale`` the frame is
        exactly 1:scale around it, and the extent only sets the default centre.
    graticule
        Draw the graticule with degree labels on the frame (:mod:`layers.print_grid`).
    inset
        Draw the overview map with the frame's extent box (:mod:`layers.print_inset`).
    template
        Organisation, 审图号, 密级, logo text, colours, fonts (:mod:`layers.print_template`).
    labels
        Label red and major-hazard enterprises (:mod:`layers.print_symbols`).
    format, dpi
        ``"pdf"`` (every page, vector), ``"png"`` or ``"tiff"`` (the map page at ``dpi``,
        72–600) or
        ``"svg"`` (the map page; text kept as text).
    georef
        PDF only: add the geospatial measure dictionary of the map frame
        (:mod:`layers.print_georef`).
    sink
        PDF only, without ``out``: append the page(s) to this open multi-page PDF
        (:class:`layers.print_page.PageSink`, as the atlas does) and return ``b""``.

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
    fmt = _check_choice("format", format, FORMATS)
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 72 <= dpi <= 600:
        raise PrintMapError(f"`dpi` must be a whole number 72–600, got {dpi!r}")
    if georef and fmt != "pdf":
        raise PrintMapError(f"`georef` needs format pdf, got format {fmt!r}")
    if sink is not None and (fmt != "pdf" or out is not None):
        raise PrintMapError(f"`sink` needs format pdf and no `out`, got format {fmt!r} and "
                            f"out {out!r}")
    if tables_page and fmt != "pdf":
        raise PrintMapError(f"`tables_page` needs format pdf (one page only in {fmt}), got "
                            f"format {fmt!r}")
    denominator = _check_scale(scale)
    centre = _check_center(center)
    layers = _check_layers(layers)
    grade_sel = _check_grades(grades)
    districts = dataset.districts
    chosen = _check_districts(districts_filter, districts)
    ent_all = dataset.layer("enterprises")
    industry_sel = _check_industries(industries, ent_all.get("industry", pd.Series(dtype=str)))
    bbox = _check_extent(extent)
    inc = check_incident(incident, region=dataset.region)  # once; a Cordon passes as it is
    wind = _check_wind(inc, wind_from_deg, downwind_m)
    if zones is not None and zones.crs is not None and not zones.crs.equals(4326):
        zones = zones.to_crs(4326)
    area = districts[districts["name"].isin(chosen)].union_all() if chosen else None
    frames = _data_frames(dataset, layers, grades=grade_sel, industries=industry_sel,
                          chosen=chosen, area=area, major_only=major_only)
    rings = cordon_rings(inc) if inc else None

    # the view: explicit extent, else chosen districts / incident rings / filtered data
    if bbox is None and denominator is not None and centre is not None:
        bbox = _padded((centre[0], centre[1], centre[0], centre[1]))
    if bbox is None:
        parts = []
        if area is not None:
            parts.append(area.bounds)
        if rings is not None:
            parts.append(tuple(rings.total_bounds))
            if wind is not None and inc is not None:
                parts.append(downwind_zone(inc, wind_from_deg=wind[0],
                                           distance_m=wind[1]).bounds)
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
    layout = page_layout(paper, orientation, subtitle=bool(subtitle))
    if denominator is not None:
        view = fixed_view(centre or ((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2),
                           denominator, layout)
    else:
        if centre is not None:  # the extent made symmetric about the centre
            half_x = max(centre[0] - bbox[0], bbox[2] - centre[0])
            half_y = max(centre[1] - bbox[1], bbox[3] - centre[1])
            bbox = (centre[0] - half_x, centre[1] - half_y, centre[0] + half_x,
                    centre[1] + half_y)
        view = fit_view(bbox, map_crs(bbox), layout)
    bbox = view_bounds(view)
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

    with _RENDER_LOCK, _print_context():  # rcParams are global: one render at a time
        data = render_page(dataset, frames, view=view, layout=layout, title=title.strip(),
                       subtitle=subtitle, lang=lang, chosen=chosen, rings=rings, incident=inc,
                       zones=zones, tables_page=tables_page, date=date or dt.date.today(),
                       options=RenderOptions(graticule=bool(graticule), inset=bool(inset),
                                        template=template or PrintTemplate(),
                                        labels=bool(labels), fmt=fmt, dpi=dpi,
                                        georef=bool(georef)), sink=sink, wind=wind)
    if out is not None:
        _write_pdf(Path(out), data)
    return data


def _check_wind(incident: Cordon | None, wind_from_deg: object,
                downwind_m: object) -> tuple[float, float] | None:
    """``(wind_from_deg, downwind_m)`` checked by :func:`risk.cordon.validate_wind` against the
    incident's radii, or ``None`` without a wind; a wind needs an incident."""
    if wind_from_deg is None and downwind_m is None:
        return None
    if incident is None:
        raise PrintMapError("风向与下风向距离需要事发点 / `wind_from_deg` and `downwind_m` need "
                            "an `incident`")
    try:
        wind, reach = validate_wind(wind_from_deg, downwind_m, radii_m=incident.radii_m)
    except ValueError as exc:
        raise PrintMapError(str(exc)) from exc
    if wind is None or reach is None:
        return None
    return wind, reach


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


