"""Print-quality map PDFs: a GIS-style print layout rendered with matplotlib as vector PDF.

One page holds the title and subtitle, the map frame (neat line) drawn in the data's UTM zone,
a legend listing exactly the layers and classes drawn, a scale bar and a north arrow true at the
map's centre (:mod:`layers.print_parts`), the date, the coordinate system and the data sources
("合成样例数据" when the dataset is synthetic). An optional second page holds tables: enterprises
by grade per district, and the exposure of each ring when an incident is given.

Colours and labels come from :mod:`layers.style` and :mod:`risk.grades`, the same definitions the
interactive map uses. Text is TrueType (Type 42) in Noto Sans SC from :mod:`layers.fonts`, so
it is selectable and the font is embedded as a subset; no system font is needed.

>>> from data.dataset import Dataset  # doctest: +SKIP
>>> pdf = render_map_pdf(Dataset.load("data/sample"), title="深圳市风险图")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from data.schema import VECTOR_LAYERS
from layers.fonts import print_rc
from layers.print_parts import (
    MARGIN_MM,
    PAPER_MM,
    Legend,
    PageLayout,
    ScaleBar,
    crs_label,
    draw_north_arrow,
    draw_panel,
    draw_scale_bar,
    map_crs,
    nice_denominator,
    page_layout,
    scale_bar_for,
    scale_factor_at,
    table_header,
    tables_figure,
    true_north_angle,
    wrap_display,
)
from layers.style import (
    BASEMAP,
    ROAD_STYLES,
    SHELTER_COLORS,
    STYLES,
    WATERLOGGING_CLASSES,
)
from risk.grades import GRADES, Grade, GradeError, parse_grade

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from shapely.geometry.base import BaseGeometry

    from risk.cordon import Exposure

__all__ = [
    "PrintMapError",
    "EmptyMapError",
    "MapView",
    "map_view",
    "render_map_pdf",
    "resolve_districts",
    "DEFAULT_LAYERS",
    "PRINT_LAYERS",
]

DEFAULT_LAYERS: tuple[str, ...] = ("districts", "roads", "enterprises")
PRINT_LAYERS: tuple[str, ...] = tuple(VECTOR_LAYERS)
"""Layers a print map can show (drawn bottom to top in :data:`_DRAW_ORDER`)."""

_DRAW_ORDER = ("districts", "slopes", "roads", "waterlogging", "shelters", "enterprises")
_CONTEXT_LAYERS = {"districts", "roads"}
_RENDER_LOCK = threading.Lock()
_MAX_SPAN_DEG = 12.0
_PX_TO_PT = 0.75  # layers/style.py sizes are CSS pixels
_RING_COLORS = ("#d7191c", "#f28e2b", "#e6b800", "#2c7bb6", "#7b3294")
_FALLBACK_RING_NAMES = (
    ("核心区", "Core zone"), ("警戒区", "Cordon zone"), ("疏散区", "Evacuation zone"),
)
_SHELTER_LABELS = {
    "central": ("中心避难场所", "Central shelter"),
    "fixed": ("固定避难场所", "Fixed shelter"),
    "emergency": ("紧急避难场所", "Emergency shelter"),
}


class PrintMapError(ValueError):
    """A print-map argument that cannot be used; the message names it and lists valid values."""


class EmptyMapError(PrintMapError):
    """The extent and filters leave nothing to draw."""


def _both(zh: str, en: str, lang: str) -> str:
    """Chinese first with English alongside (or the other way round for ``lang="en"``)."""
    return f"{en}  {zh}" if lang == "en" else f"{zh}  {en}"


# --------------------------------------------------------------------------------------------
# validation and selection


@dataclass(frozen=True)
class _Incident:
    lon: float
    lat: float
    radii_m: tuple[float, ...]


def _check_choice(name: str, value: str, valid: Iterable[str]) -> str:
    valid = list(valid)
    for option in valid:
        if str(value).strip().lower() == option.lower():
            return option
    raise PrintMapError(f"`{name}` must be one of {', '.join(valid)}, got {value!r}")


def _check_layers(layers: Sequence[str]) -> tuple[str, ...]:
    if isinstance(layers, str):
        layers = [p for p in layers.split(",") if p.strip()]
    names = [str(n).strip() for n in layers]
    unknown = [n for n in names if n not in PRINT_LAYERS]
    if unknown:
        msg = (f"`layers`: unknown layer(s) {', '.join(map(repr, unknown))}; valid layers: "
               f"{', '.join(PRINT_LAYERS)}")
        raise PrintMapError(msg)
    if not names:
        raise PrintMapError(f"`layers` is empty; choose from {', '.join(PRINT_LAYERS)}")
    return tuple(dict.fromkeys(names))


def _check_grades(grades: Iterable[object] | None) -> tuple[Grade, ...] | None:
    if grades is None:
        return None
    if isinstance(grades, str):
        grades = [p for p in grades.split(",") if p.strip()]
    try:
        parsed = sorted({parse_grade(g) for g in grades})
    except GradeError as exc:
        raise PrintMapError(f"`grades`: {exc}") from exc
    if not parsed:
        raise PrintMapError("`grades` is empty; give at least one of red, orange, yellow, blue")
    return tuple(parsed)


def _check_districts(names: Iterable[str] | str | None, districts: gpd.GeoDataFrame) -> list[str]:
    if names is None:
        return []
    if isinstance(names, str):
        names = [names]
    lookup: dict[str, str] = {}
    for _, row in districts.iterrows():
        for key in (row.get("name", ""), row.get("name_en", ""), row.get("code", "")):
            if key:
                lookup[str(key).strip().lower()] = row["name"]
    chosen, unknown = [], []
    for name in names:
        hit = lookup.get(str(name).strip().lower())
        if hit is None:
            unknown.append(name)
        elif hit not in chosen:
            chosen.append(hit)
    if unknown:
        valid = ", ".join(f"{r['name']} ({r['name_en']})" if r.get("name_en") else r["name"]
                          for _, r in districts.iterrows()) or "none (the dataset has no districts)"
        msg = f"`districts_filter`: unknown district(s) {', '.join(map(repr, unknown))}; " \
              f"valid districts: {valid}"
        raise PrintMapError(msg)
    return chosen


def resolve_districts(dataset: Any, names: Iterable[str] | str) -> list[str]:
    """The dataset's district names (``name`` column) for names given in 中文, English or adcode.

    Raises :class:`PrintMapError` listing the valid districts when one is unknown.
    """
    return _check_districts(names, dataset.districts)


def _check_industries(values: Iterable[str] | str | None, present: pd.Series) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [p for p in values.split(",") if p.strip()]
    from data.schema import INDUSTRIES

    valid = list(dict.fromkeys([*INDUSTRIES, *sorted(set(present.dropna().astype(str)) - {""})]))
    out: list[str] = []
    unknown: list[str] = []
    for value in values:
        text = str(value).strip()
        match = next((v for v in valid if text.lower() in (v.lower(),
                                                            INDUSTRIES.get(v, "").lower())), None)
        (out if match else unknown).append(match or value)
    if unknown:
        raise PrintMapError(f"`industries`: unknown industr(ies) {', '.join(map(repr, unknown))};"
                            f" valid: {', '.join(valid)}")
    return out


def _check_extent(extent: Sequence[float] | None) -> tuple[float, float, float, float] | None:
    if extent is None:
        return None
    try:
        west, south, east, north = (float(v) for v in extent)
    except (TypeError, ValueError) as exc:
        msg = f"`extent` must be (west, south, east, north) in degrees, got {extent!r}"
        raise PrintMapError(msg) from exc
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        msg = (f"`extent` must be (west, south, east, north) with west < east, south < north, "
               f"longitudes -180..180 and latitudes -90..90, got {extent!r}")
        raise PrintMapError(msg)
    return west, south, east, north


def _check_incident(incident: Sequence[Any] | None) -> _Incident | None:
    if incident is None:
        return None
    try:
        lon, lat, radii = incident
        radii_m = tuple(float(r) for r in (radii if isinstance(radii, Iterable) else [radii]))
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        msg = f"`incident` must be (lon, lat, radii_m), e.g. (114.05, 22.54, (1000, 5000)), " \
              f"got {incident!r}"
        raise PrintMapError(msg) from exc
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise PrintMapError(f"`incident`: lon/lat out of range, got ({lon}, {lat})")
    if not radii_m or any(not (r > 0 and math.isfinite(r)) for r in radii_m):
        raise PrintMapError(f"`incident`: radii_m must be positive metres, got {radii!r}")
    return _Incident(lon, lat, tuple(sorted(set(radii_m))))


def _in_bbox(gdf: gpd.GeoDataFrame, bbox: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    if gdf.empty:
        return gdf
    return gdf[gdf.intersects(shapely.box(*bbox))]


def _filter_to_districts(gdf: gpd.GeoDataFrame, chosen: list[str],
                         area: shapely.Geometry | None) -> gpd.GeoDataFrame:
    if not chosen or gdf.empty:
        return gdf
    keep = pd.Series(False, index=gdf.index)
    if "district" in gdf.columns:
        keep |= gdf["district"].astype(str).isin(chosen)
    if area is not None:
        keep |= gdf.intersects(area)
    return gdf[keep]


def incident_rings(lon: float, lat: float, radii_m: Sequence[float]) -> gpd.GeoDataFrame:
    """Rings around an incident: ``risk.cordon.cordon_rings`` when available, else local AEQD
    buffers (columns ``zone, name_zh, name_en, inner_m, outer_m, geometry``, EPSG:4326)."""
    cordon_rings: Callable[..., gpd.GeoDataFrame] | None
    try:
        from risk.cordon import cordon_rings  # another module; optional until it lands
    except ImportError:
        cordon_rings = None
    if cordon_rings is not None:
        return cordon_rings((lon, lat), radii_m=tuple(radii_m))
    aeqd = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs"
    rows, inner = [], 0.0
    for i, outer in enumerate(sorted(radii_m)):
        disc = shapely.Point(0, 0).buffer(outer, quad_segs=64)
        ring = disc.difference(shapely.Point(0, 0).buffer(inner, quad_segs=64)) if inner else disc
        zh, en = (_FALLBACK_RING_NAMES[i] if len(radii_m) <= 3
                  else (f"第{i + 1}圈", f"Ring {i + 1}"))
        rows.append({"zone": f"ring{i + 1}", "name_zh": zh, "name_en": en, "inner_m": inner,
                     "outer_m": float(outer), "geometry": ring})
        inner = float(outer)
    return gpd.GeoDataFrame(rows, crs=aeqd).to_crs(4326)


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


# --------------------------------------------------------------------------------------------
# drawing


def _marker_size_pt(n: int) -> float:
    """Marker diameter in points: the screen size for a few hundred points, smaller when dense."""
    base = 1.5 * STYLES["enterprises"].radius * _PX_TO_PT
    return float(np.clip(base * math.sqrt(500 / max(n, 1)), 1.6, base))


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.get_coordinates(gdf.geometry.values)


def _draw_polygons(ax: Axes, gdf: gpd.GeoDataFrame, **kwargs: Any) -> None:
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    patches = []
    for geom in gdf.geometry.values:
        if geom is None or geom.is_empty:
            continue
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            rings = [np.asarray(poly.exterior.coords)] + [np.asarray(r.coords)
                                                          for r in poly.interiors]
            verts = np.concatenate(rings)
            codes = np.concatenate([
                [MplPath.MOVETO] + [MplPath.LINETO] * (len(r) - 2) + [MplPath.CLOSEPOLY]
                for r in rings
            ])
            patches.append(PathPatch(MplPath(verts, codes)))
    if patches:
        ax.add_collection(PatchCollection(patches, **kwargs))


def _draw_lines(ax: Axes, gdf: gpd.GeoDataFrame, **kwargs: Any) -> None:
    from matplotlib.collections import LineCollection

    segs = []
    for geom in gdf.geometry.values:
        if geom is None or geom.is_empty:
            continue
        for line in getattr(geom, "geoms", [geom]):
            segs.append(np.asarray(line.coords)[:, :2])
    if segs:
        ax.add_collection(LineCollection(segs, **kwargs))


def _dash(spec: str | None) -> Any:
    if not spec:
        return "solid"
    return (0, tuple(float(v) for v in spec.split()))


def _point_handle(color: str, marker: str = "o", edge: str = "none", size: float = 6.0) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker=marker, markersize=size,
                  markerfacecolor=color, markeredgecolor=edge, markeredgewidth=0.5)


def _draw_layers(ax: Axes, frames: dict[str, gpd.GeoDataFrame], legend: Legend, *,
                 chosen_districts: list[str], lang: str, n_points: int) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    for name in _DRAW_ORDER:
        if name not in frames:
            continue
        gdf = frames[name]
        style = STYLES[name]
        title = _both(*style.title, lang)
        if name == "districts" and len(gdf):
            _draw_polygons(ax, gdf, facecolor=BASEMAP["land"], edgecolor="none", zorder=1)
            _draw_polygons(ax, gdf, facecolor="none", edgecolor=style.color,
                           linewidth=style.weight * _PX_TO_PT, linestyle=_dash(style.dash),
                           zorder=6)
            if chosen_districts:  # veil the districts around the chosen ones
                _draw_polygons(ax, gdf[~gdf["name"].isin(chosen_districts)], facecolor="white",
                               edgecolor="none", alpha=0.45, zorder=5)
                _draw_polygons(ax, gdf[gdf["name"].isin(chosen_districts)], facecolor="none",
                               edgecolor="#222222", linewidth=1.8, zorder=6)
            legend.add(Patch(facecolor=BASEMAP["land"], edgecolor=style.color,
                             linestyle="--", linewidth=0.8), title)
        elif name == "slopes" and len(gdf):
            _draw_polygons(ax, gdf, facecolor=style.fill, edgecolor=style.color,
                           alpha=style.fill_opacity, linewidth=style.weight * _PX_TO_PT, zorder=3)
            legend.add(Patch(facecolor=style.fill, edgecolor=style.color,
                             alpha=style.fill_opacity), title)
        elif name == "roads" and len(gdf):
            legend.header(title)
            classes = gdf["road_class"].astype(str) if "road_class" in gdf else pd.Series(
                "secondary", index=gdf.index)
            from data.schema import ROAD_CLASSES

            for code in reversed(list(ROAD_STYLES)):
                part = gdf[classes == code]
                if part.empty:
                    continue
                color, width = ROAD_STYLES[code]
                _draw_lines(ax, part, colors=color, linewidths=width * _PX_TO_PT, zorder=4,
                            capstyle="round", joinstyle="round")
            for code, (color, width) in ROAD_STYLES.items():
                if (classes == code).any():
                    legend.add(Line2D([], [], color=color, linewidth=width * _PX_TO_PT * 1.3),
                               _both(*ROAD_CLASSES[code], lang))
        elif name == "waterlogging" and len(gdf):
            legend.header(title)
            depth = gdf["max_depth_cm"].astype(float).fillna(0).to_numpy()
            bounds = [c[0] for c in WATERLOGGING_CLASSES] + [np.inf]
            for i, (_, color, pair) in enumerate(WATERLOGGING_CLASSES):
                sel = (depth >= bounds[i]) & (depth < bounds[i + 1])
                if sel.any():
                    xy = _xy(gdf[sel])
                    ax.scatter(xy[:, 0], xy[:, 1], s=(style.radius * _PX_TO_PT * 1.1) ** 2,
                               marker="D", c=color, edgecolors=style.color, linewidths=0.4,
                               zorder=8)
                    legend.add(_point_handle(color, "D", style.color, 5.5),
                               f"{_both(*pair, lang)} ({int(sel.sum())})")
        elif name == "shelters" and len(gdf):
            legend.header(title)
            kinds = gdf["shelter_type"].astype(str)
            for code in ("central", "fixed", "emergency"):
                sel = (kinds == code).to_numpy()
                if sel.any():
                    xy = _xy(gdf[sel])
                    color = SHELTER_COLORS[code]
                    ax.scatter(xy[:, 0], xy[:, 1], s=(style.radius * _PX_TO_PT * 1.2) ** 2,
                               marker="s", c=color, edgecolors="white", linewidths=0.4, zorder=9)
                    legend.add(_point_handle(color, "s", "white", 6.0),
                               f"{_both(*_SHELTER_LABELS[code], lang)} ({int(sel.sum())})")
        elif name == "enterprises" and len(gdf):
            legend.header(title)
            size = _marker_size_pt(n_points)
            codes = gdf["grade"].astype(str).to_numpy()
            for grade in reversed(GRADES):  # most severe drawn last, on top
                sel = codes == grade.value
                if sel.any():
                    xy = _xy(gdf[sel])
                    ax.scatter(xy[:, 0], xy[:, 1], s=size**2, marker="o", c=grade.color,
                               linewidths=0, zorder=10 + (3 - grade.rank))
            for grade in GRADES:
                count = int((codes == grade.value).sum())
                if count:
                    legend.add(_point_handle(grade.color, "o", "none", 6.5),
                               f"{_both(grade.label_zh, grade.label_en, lang)} ({count:,})")


def _draw_zones(ax: Axes, zones: gpd.GeoDataFrame, legend: Legend, lang: str) -> None:
    from matplotlib.patches import Patch

    if "grade" not in zones.columns:
        msg = f"`zones` must have a 'grade' column, got columns {list(zones.columns)}"
        raise PrintMapError(msg)
    codes = zones["grade"].map(lambda g: parse_grade(g).value)
    legend.header(_both("风险分区", "Risk zones", lang))
    for grade in reversed(GRADES):
        part = zones[codes == grade.value]
        if len(part):
            _draw_polygons(ax, part, facecolor=grade.color, edgecolor=grade.color, alpha=0.28,
                           linewidth=0.5, zorder=2)
    for grade in GRADES:
        if (codes == grade.value).any():
            legend.add(Patch(facecolor=grade.color, alpha=0.35, edgecolor=grade.color),
                       _both(grade.label_zh, grade.label_en, lang))


def _draw_incident(ax: Axes, rings: gpd.GeoDataFrame, center_xy: tuple[float, float],
                   legend: Legend, lang: str, fontsize: float) -> None:
    import matplotlib.patheffects as pe
    from matplotlib.lines import Line2D

    legend.header(_both("事故警戒圈", "Incident rings", lang))
    legend.add(_point_handle("black", "*", "white", 10), _both("事发点", "Incident", lang))
    for i, (_, ring) in enumerate(rings.sort_values("outer_m").iterrows()):
        color = _RING_COLORS[i % len(_RING_COLORS)]
        outer = shapely.get_exterior_ring(ring.geometry) if ring.geometry.geom_type == "Polygon" \
            else ring.geometry.boundary
        _draw_lines(ax, gpd.GeoDataFrame(geometry=[outer]), colors=color, linewidths=1.6,
                    linestyles="--", zorder=14)
        km = f"{ring['inner_m'] / 1000:g}–{ring['outer_m'] / 1000:g} km"
        legend.add(Line2D([], [], color=color, linewidth=1.6, linestyle="--"),
                   f"{_both(ring['name_zh'], ring['name_en'], lang)} ({km})")
        x, y = center_xy
        top = shapely.get_coordinates(outer)[:, 1].max()
        ax.text(x, top, f"{ring['name_zh']} {ring['outer_m'] / 1000:g} km", color=color,
                ha="center", va="bottom", fontsize=fontsize, zorder=15, clip_on=True,
                path_effects=[pe.withStroke(linewidth=2.2, foreground="white")])
    ax.scatter([center_xy[0]], [center_xy[1]], s=140, marker="*", c="black",
               edgecolors="white", linewidths=0.8, zorder=16)


def _draw_district_labels(ax: Axes, districts: gpd.GeoDataFrame, view: BaseGeometry,
                          fontsize: float, lang: str) -> None:
    import matplotlib.patheffects as pe

    halo = [pe.withStroke(linewidth=2.5, foreground="white")]
    for _, row in districts.iterrows():
        visible = row.geometry.intersection(view)
        if visible.is_empty or visible.area < 0.01 * view.area * 0.05:
            continue
        point = shapely.Polygon(visible).representative_point() if visible.geom_type == \
            "LinearRing" else visible.representative_point()
        zh, en = str(row.get("name", "")), str(row.get("name_en", "") or "")
        text = f"{en}\n{zh}" if lang == "en" and en else (f"{zh}\n{en}" if en else zh)
        ax.text(point.x, point.y, text, ha="center", va="center", fontsize=fontsize,
                color=BASEMAP["label"], linespacing=1.1, zorder=18, clip_on=True,
                path_effects=halo)


def _info_lines(dataset: Any, crs: Any, date: dt.date, lang: str, width: int) -> list[str]:
    lines = [f"{'Date 制图日期' if lang == 'en' else '制图日期 Date'}：{date.isoformat()}",
             crs_label(crs, lang)]
    sources = list(dataset.sources)
    if sources:
        lines.append("数据来源 Sources：" if lang != "en" else "Sources 数据来源:")
        for src in sources:
            lines += wrap_display(f"· {src}", width)
    if dataset.synthetic:
        lines.append("合成样例数据 / synthetic sample data — 非真实登记信息，仅供演示")
    return lines


def _data_frames(dataset: Any, layers: tuple[str, ...], *, grades: tuple[Grade, ...] | None,
                 industries: list[str] | None, chosen: list[str], area: shapely.Geometry | None,
                 major_only: bool) -> dict[str, gpd.GeoDataFrame]:
    frames: dict[str, gpd.GeoDataFrame] = {}
    for name in layers:
        gdf = dataset.layer(name)
        if name == "enterprises" and len(gdf):
            if grades is not None:
                gdf = gdf[gdf["grade"].isin([g.value for g in grades])]
            if industries is not None:
                gdf = gdf[gdf["industry"].astype(str).isin(industries)]
            if major_only:
                gdf = gdf[gdf["major_hazard"].fillna(False).astype(bool)]
        if name not in _CONTEXT_LAYERS:
            gdf = _filter_to_districts(gdf, chosen, area)
        frames[name] = gdf
    return frames


def _padded(bounds: tuple[float, float, float, float], frac: float = 0.05,
            ) -> tuple[float, float, float, float]:
    w, s, e, n = bounds
    dx, dy = max(e - w, 0.005) * frac, max(n - s, 0.005) * frac
    if e - w < 0.005:
        w, e = w - 0.0025, e + 0.0025
    if n - s < 0.005:
        s, n = s - 0.0025, n + 0.0025
    return w - dx, s - dy, e + dx, n + dy


# --------------------------------------------------------------------------------------------
# tables page


def _district_of(points: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> pd.Series:
    out = (points["district"].astype(str) if "district" in points.columns
           else pd.Series("", index=points.index))
    if len(districts) and len(points):
        joined = gpd.sjoin(points[["geometry"]], districts[["name", "geometry"]],
                           how="left", predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]
        spatial = joined["name"].reindex(points.index)
        out = spatial.where(spatial.notna(), out)
    return out.replace("", "区外 Outside").fillna("区外 Outside")


def _grade_table(enterprises: gpd.GeoDataFrame, districts: gpd.GeoDataFrame,
                 lang: str) -> tuple[list[str], list[list[str]]]:
    names = _district_of(enterprises, districts)
    header = [table_header("行政区", "District", lang)] + [
        table_header(g.label_zh, g.label_en.split(" (")[0], lang) for g in GRADES] + [
        table_header("合计", "Total", lang)]
    order = [n for n in districts.get("name", pd.Series(dtype=str)) if n in set(names)]
    order += sorted(set(names) - set(order))
    rows, totals = [], np.zeros(5, dtype=int)
    codes = enterprises["grade"].astype(str)
    for name in order:
        sel = names == name
        counts = [int((codes[sel] == g.value).sum()) for g in GRADES]
        counts.append(sum(counts))
        totals += counts
        rows.append([name] + [f"{c:,}" for c in counts])
    rows.append([_both("合计", "Total", lang)] + [f"{c:,}" for c in totals])
    return header, rows


def _ring_tables(dataset: Any, rings: gpd.GeoDataFrame, incident: _Incident,
                 frames: dict[str, gpd.GeoDataFrame], lang: str,
                 ) -> list[tuple[str, list[str], list[list[str]]]]:
    """Exposure per ring: from :func:`risk.cordon.exposure` (all data, population included) when
    that module is installed, else counted here from the layers shown."""
    exposure: Callable[..., Exposure] | None
    try:
        from risk.cordon import exposure
    except ImportError:
        exposure = None
    grade_cols = [table_header(g.label_zh, g.label_en.split(" (")[0], lang) for g in GRADES]
    if exposure is not None:
        ex = exposure(dataset.layers, (incident.lon, incident.lat), radii_m=incident.radii_m,
                      population=dataset.raster_path("population"))
        table = ex.zone_table()
        header = [table_header("圈层", "Zone", lang), table_header("范围", "Range", lang),
                  *grade_cols, table_header("重大危险源", "Major hazards", lang),
                  table_header("避难场所", "Shelters", lang),
                  table_header("容量(人)", "Capacity", lang)]
        has_pop = table["population"].notna().any()
        if has_pop:
            header.append(table_header("人口(估)", "Population", lang))
        rows = []
        for r in table.to_dict("records"):
            row = [str(r["name"]), f"{r['inner_m'] / 1000:g}–{r['outer_m'] / 1000:g} km",
                   *(f"{int(r[g.value]):,}" for g in GRADES), f"{int(r['major_hazard']):,}",
                   f"{int(r['shelters']):,}", f"{int(r['shelter_capacity']):,}"]
            if has_pop:
                row.append("" if r["population"] is None or r["population"] != r["population"]
                           else f"{int(r['population']):,}")
            rows.append(row)
        out = [(_both("警戒圈暴露统计（全部数据）", "Exposure by ring (all data)", lang),
                header, rows)]
        top = ex.priority_enterprises.head(12)
        if len(top):
            header2 = [table_header(zh, en, lang) for zh, en in (
                ("重点企业", "Priority enterprise"), ("等级", "Grade"),
                ("重大危险源", "Major hazard"), ("距离", "Distance"), ("方位", "Direction"),
                ("圈层", "Zone"))]
            rows2 = [[str(r["name"]), Grade(r["grade"]).label_zh,
                      "是" if r["major_hazard"] else "", f"{r['distance_m'] / 1000:.2f} km",
                      str(r["direction"]), str(r["zone_name"])]
                     for r in top.to_dict("records")]
            out.append((_both(f"最近的重点企业（前 {len(top)} 家，共 "
                              f"{len(ex.priority_enterprises)} 家）",
                              "Nearest priority enterprises", lang), header2, rows2))
        return out
    ent = frames.get("enterprises")
    header = [table_header("圈层", "Zone", lang), table_header("范围", "Range", lang), *grade_cols,
              table_header("企业合计", "Enterprises", lang)]
    rows = []
    for _, ring in rings.sort_values("outer_m").iterrows():
        inside = ent[ent.within(ring.geometry)] if ent is not None and len(ent) else None
        counts = [int((inside["grade"] == g.value).sum()) if inside is not None else 0
                  for g in GRADES]
        rows.append([str(ring["name_zh"]),
                     f"{ring['inner_m'] / 1000:g}–{ring['outer_m'] / 1000:g} km",
                     *(f"{c:,}" for c in counts), f"{sum(counts):,}"])
    return [(_both("警戒圈暴露统计（图上所示要素）", "Exposure by ring (features shown)", lang),
             header, rows)]


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
    incident: Sequence[Any] | None = None,
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
        Also write the PDF here, atomically (temporary file beside it, then :func:`os.replace`);
        nothing is left behind when rendering or writing fails.
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
        ``(lon, lat, radii_m)``: draws the incident and its rings (``risk.cordon`` when present).
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
    inc = _check_incident(incident)
    if zones is not None and zones.crs is not None and not zones.crs.equals(4326):
        zones = zones.to_crs(4326)
    if inc is not None and dataset.region is not None and not shapely.contains_xy(
            dataset.region, inc.lon, inc.lat):
        raise PrintMapError(f"`incident` ({inc.lon}, {inc.lat}) lies outside the dataset's "
                            "region (its districts plus 2 km)")
    area = districts[districts["name"].isin(chosen)].union_all() if chosen else None
    frames = _data_frames(dataset, layers, grades=grade_sel, industries=industry_sel,
                          chosen=chosen, area=area, major_only=major_only)
    rings = incident_rings(inc.lon, inc.lat, inc.radii_m) if inc else None

    # the view: explicit extent, else chosen districts / incident rings / filtered data
    if bbox is None:
        parts = []
        if area is not None:
            parts.append(area.bounds)
        if rings is not None:
            parts.append(tuple(rings.total_bounds))
        if not parts:
            for name, gdf in frames.items():
                if len(gdf) and (name not in _CONTEXT_LAYERS or name == "districts"):
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
    content = [n for n in layers if n not in _CONTEXT_LAYERS]
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
        write_atomic(Path(out), pdf)
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

        self._ctx = matplotlib.rc_context(print_rc())
        self._ctx.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._ctx.__exit__(*exc)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file beside it and :func:`os.replace`."""
    if path.is_dir():
        raise IsADirectoryError(f"`out` {path}: is a folder; expected a .pdf file path")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise type(exc)(exc.errno, f"`out` {path}: cannot write to folder {folder}: "
                        f"{exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _render(dataset: Any, frames: dict[str, gpd.GeoDataFrame], *,
            bbox: tuple[float, float, float, float], crs: Any, title: str,
            subtitle: str | None, paper: str, orientation: str, lang: str,
            chosen: list[str], rings: gpd.GeoDataFrame | None, incident: _Incident | None,
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
        source = dataset.layer(name) if name in _CONTEXT_LAYERS else gdf
        source = _in_bbox(source, frame_ll.bounds) if len(source) else source
        proj = source.to_crs(crs) if len(source) else source
        if len(proj) and proj.geom_type.iloc[0] != "Point":
            proj = proj.assign(geometry=shapely.clip_by_rect(proj.geometry.values,
                                                             *frame_proj.bounds))
            proj = proj[~proj.geometry.is_empty]
        shown[name] = proj
    n_points = len(shown.get("enterprises", ()))
    legend = Legend([])
    _draw_layers(ax, shown, legend, chosen_districts=chosen, lang=lang, n_points=n_points)
    if zones is not None and len(zones):
        _draw_zones(ax, zones.to_crs(crs), legend, lang)
    if rings is not None and incident is not None:
        ix, iy = Transformer.from_crs(4326, crs, always_xy=True).transform(incident.lon,
                                                                           incident.lat)
        _draw_incident(ax, rings.to_crs(crs), (ix, iy), legend, lang, 7.5 * s)
    if "districts" in shown and len(shown["districts"]):
        view_box = shapely.box(cx - half_w * 0.97, cy - half_h * 0.97, cx + half_w * 0.97,
                               cy + half_h * 0.97)
        _draw_district_labels(ax, shown["districts"], view_box, 8.5 * s, lang)

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
    fig.text(0.5, layout.title_y_mm / h_mm, title, ha="center", va="top", fontsize=17 * s)
    if subtitle:
        fig.text(0.5, (layout.title_y_mm - 9 * s) / h_mm, subtitle, ha="center", va="top",
                 fontsize=10.5 * s, color="#444444")
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
        pages.savefig(fig)
        if tables_page:
            ent = frames.get("enterprises", dataset.enterprises)
            tables = [(_both("各区企业风险等级统计（图幅范围内）",
                             "Enterprises by grade per district (in the map view)", lang),
                       *_grade_table(ent, dataset.districts, lang))]
            if rings is not None and incident is not None:
                tables += _ring_tables(dataset, rings, incident, frames, lang)
            pages.savefig(tables_figure(layout, f"{title} — 附表 Tables", tables))
    return buffer.getvalue()
