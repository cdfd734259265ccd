"""Select by area: what lies inside a polygon, rectangle or circle drawn on the map.

The map posts the drawing (``layers.bridge.AREA`` → the ``map-area`` store); this module checks
it (it comes from the browser: closed vocabulary, finite coordinates, sizes within bounds),
makes the shape in EPSG:4326 (a circle as a geodesic circle: a polygon in the azimuthal
equidistant CRS around its centre) and sums what it holds, as a cordon's exposure does:
enterprises that pass the filters by grade (and major hazard sources), people (population
raster cells whose centre is inside), shelters and their capacity, dangerous slopes touching it,
waterlogging points. The enterprises inside export to Excel.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import dash
import numpy as np
import pandas as pd
import shapely
from dash import Input, Output, State, dcc, html

from data.table_export import table_bytes
from risk.crs import aeqd_transformers
from risk.grades import GRADES
from ui import ids
from ui.i18n import norm_lang, translator
from ui.state import AppState

TEXT = {
    "title": ("框选统计", "Select by area"),
    "hint": ("在地图左上角工具栏绘制多边形、矩形或圆，统计区域内的企业、人口、避难场所等",
             "Draw a polygon, rectangle or circle with the toolbar at the map's top left to count "
             "what lies inside"),
    "none": ("尚未绘制区域", "No area drawn"),
    "bad": ("区域无效：{e} / invalid area: {e}", "Invalid area: {e} / 区域无效：{e}"),
    "area": ("面积", "Area"),
    "ents": ("企业（符合当前筛选）", "Enterprises (passing the filters)"),
    "major": ("其中重大危险源", "of which major hazard sources"),
    "people": ("人口（估算）", "People (estimate)"),
    "shelters": ("避难场所", "Shelters"),
    "capacity": ("可容纳人数", "Shelter capacity"),
    "slopes": ("危险边坡", "Dangerous slopes"),
    "water": ("内涝积水点", "Waterlogging points"),
    "export": ("导出区域内企业 Excel", "Export the enterprises inside (Excel)"),
    "total": ("合计", "Total"),
}
tt = translator(TEXT)

MAX_VERTICES = 5_000
MAX_RADIUS_M = 100_000.0


@dataclass(frozen=True)
class AreaSummary:
    """What lies inside the area: counts by grade (``red`` … ``blue``), the rest by name."""

    area_km2: float
    grades: dict[str, int]
    major: int
    people: float | None
    shelters: int
    capacity: int
    slopes: int
    waterlogging: int
    inside: np.ndarray  # positions of the enterprises inside (and passing the filter)

    @property
    def enterprises(self) -> int:
        return int(sum(self.grades.values()))


def _point(value: Any) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"a point must be [lon, lat], got {value!r}")
    try:
        lon, lat = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        lon = lat = math.nan  # refused just below, in words
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"a point must be a longitude and latitude in degrees, got {value!r}")
    return lon, lat


def area_shape(area: Any) -> shapely.Polygon:
    """The drawn ``area`` as a valid polygon in EPSG:4326; ValueError (in words) when it is not
    one: ``{"kind": "polygon", "coordinates": [[lon, lat], …]}`` or ``{"kind": "circle",
    "center": [lon, lat], "radius_m": r}`` (0 < r ≤ 100 km)."""
    if not isinstance(area, dict) or area.get("kind") not in ("polygon", "circle"):
        raise ValueError("`kind` must be 'polygon' or 'circle'")
    if area["kind"] == "circle":
        lon, lat = _point(area.get("center"))
        try:
            radius = float(area.get("radius_m"))  # type: ignore[arg-type]  # checked by except
        except (TypeError, ValueError):
            raise ValueError(f"`radius_m` must be a number, got {area.get('radius_m')!r}") from None
        if not (math.isfinite(radius) and 0 < radius <= MAX_RADIUS_M):
            raise ValueError(f"`radius_m` must be more than 0 and at most 100 km, got {radius:g}")
        _, inv = aeqd_transformers(lon, lat)
        angles = np.linspace(0, 2 * np.pi, 129)[:-1]
        x, y = inv.transform(radius * np.cos(angles), radius * np.sin(angles))
        return shapely.Polygon(np.column_stack([x, y]))
    coords = area.get("coordinates")
    if not isinstance(coords, list) or not 3 <= len(coords) <= MAX_VERTICES:
        raise ValueError(f"a polygon needs 3 to {MAX_VERTICES} points")
    shape = shapely.Polygon([_point(p) for p in coords])
    if not shape.is_valid:
        fixed = shapely.make_valid(shape)
        polys = [g for g in getattr(fixed, "geoms", [fixed]) if isinstance(g, shapely.Polygon)]
        if not polys:
            raise ValueError("the polygon has no area")
        shape = max(polys, key=lambda g: g.area)
    if shape.is_empty or shape.area == 0:
        raise ValueError("the polygon has no area")
    return shape


def _area_km2(shape: shapely.Polygon) -> float:
    from pyproj import Geod

    return abs(Geod(ellps="WGS84").geometry_area_perimeter(shape)[0]) / 1e6


def _people(path: Any, shape: shapely.Polygon) -> float | None:
    """Sum of the population cells whose centre lies inside ``shape`` (None without a raster)."""
    if path is None:
        return None
    import rasterio
    from rasterio.windows import Window, from_bounds

    with rasterio.open(path) as src:
        if src.crs is not None and src.crs.to_epsg() != 4326:
            from rasterio.warp import transform_geom

            geom = shapely.geometry.shape(
                transform_geom("EPSG:4326", src.crs, shapely.geometry.mapping(shape)))
        else:
            geom = shape
        win = from_bounds(*geom.bounds, transform=src.transform)
        col0, row0 = max(0, math.floor(win.col_off)), max(0, math.floor(win.row_off))
        col1 = min(src.width, math.ceil(win.col_off + win.width))
        row1 = min(src.height, math.ceil(win.row_off + win.height))
        if col1 <= col0 or row1 <= row0:
            return 0.0
        win = Window(col0, row0, col1 - col0, row1 - row0)
        data = src.read(1, window=win).astype(np.float64)
        transform = src.window_transform(win)
        rows, cols = np.indices(data.shape)
        xs, ys = rasterio.transform.xy(transform, rows.ravel(), cols.ravel())
        inside = shapely.contains_xy(geom, np.asarray(xs), np.asarray(ys)).reshape(data.shape)
        values = data[inside]
        if src.nodata is not None:
            values = values[values != src.nodata]
        return float(np.nansum(values))


def area_summary(state: AppState, shape: shapely.Polygon, mask: pd.Series) -> AreaSummary:
    """What ``shape`` holds; enterprises only those of ``mask`` (the current filter)."""
    ds = state.dataset
    ents = ds.enterprises
    xy = shapely.get_coordinates(ents.geometry.values)
    shapely.prepare(shape)
    hit = shapely.contains_xy(shape, xy[:, 0], xy[:, 1]) & mask.to_numpy() if len(ents) else (
        np.zeros(0, dtype=bool))
    inside = ents[hit]
    grades = {g.value: int((inside["grade"] == g.value).sum()) for g in GRADES}

    def points_in(name: str) -> pd.DataFrame:
        layer = ds.layer(name)
        if not len(layer):
            return layer
        pts = shapely.get_coordinates(layer.geometry.values)
        return layer[shapely.contains_xy(shape, pts[:, 0], pts[:, 1])]

    shelters = points_in("shelters")
    slopes = ds.layer("slopes")
    n_slopes = int(shapely.intersects(slopes.geometry.values, shape).sum()) if len(slopes) else 0
    capacity = int(pd.to_numeric(shelters.get("capacity", pd.Series(dtype=float)),
                                 errors="coerce").fillna(0).sum()) if len(shelters) else 0
    return AreaSummary(
        area_km2=_area_km2(shape), grades=grades,
        major=int(inside["major_hazard"].astype(bool).sum()) if len(inside) else 0,
        people=_people(ds.raster_path("population"), shape),
        shelters=int(len(shelters)), capacity=capacity, slopes=n_slopes,
        waterlogging=int(len(points_in("waterlogging"))),
        inside=np.flatnonzero(hit),
    )


def summary_view(summary: AreaSummary, lang: str) -> html.Div:
    """The summary as a small table (``data-area-count`` = enterprises inside, for tests)."""
    grade_rows = [html.Tr([html.Td(g.label(lang)), html.Td(f"{summary.grades[g.value]:,}")])
                  for g in GRADES]
    rows = [
        html.Tr([html.Th(tt("area", lang)), html.Td(f"{summary.area_km2:,.2f} km²")]),
        html.Tr([html.Th(tt("ents", lang)), html.Td(f"{summary.enterprises:,}")]),
        *grade_rows,
        html.Tr([html.Td(tt("major", lang)), html.Td(f"{summary.major:,}")]),
    ]
    if summary.people is not None:
        rows.append(html.Tr([html.Th(tt("people", lang)), html.Td(f"{round(summary.people):,}")]))
    rows += [
        html.Tr([html.Th(tt("shelters", lang)), html.Td(f"{summary.shelters:,}")]),
        html.Tr([html.Td(tt("capacity", lang)), html.Td(f"{summary.capacity:,}")]),
        html.Tr([html.Th(tt("slopes", lang)), html.Td(f"{summary.slopes:,}")]),
        html.Tr([html.Th(tt("water", lang)), html.Td(f"{summary.waterlogging:,}")]),
    ]
    attrs: dict[str, Any] = {"data-area-count": str(summary.enterprises)}
    return html.Div(html.Table(html.Tbody(rows), className="stats area-summary"), **attrs)


def layout(state: AppState, lang: str) -> html.Div:
    return html.Div(className="area-select", children=[
        html.H3(tt("title", lang)),
        html.Div(tt("hint", lang), className="note"),
        dcc.Store(id=ids.MAP_AREA),
        html.Div(tt("none", lang), id=ids.AREA_RESULT),
        html.Button(tt("export", lang), id=ids.AREA_EXPORT, className="btn", disabled=True),
        dcc.Download(id=ids.AREA_DOWNLOAD),
    ])


def update_area(state: AppState, stored: Any, mask: pd.Series, lang: str):
    """The callback body: (summary or message, export disabled, the summary or None)."""
    area = stored.get("area") if isinstance(stored, dict) else None
    if not area:
        return tt("none", lang), True, None
    try:
        shape = area_shape(area)
    except (ValueError, TypeError) as exc:
        return html.Span(tt("bad", lang).format(e=exc), className="error"), True, None
    summary = area_summary(state, shape, mask)
    return summary_view(summary, lang), summary.enterprises == 0, summary


def register(app: dash.Dash, state: AppState) -> None:
    from ui.panels.analysis import FILTER_STATES, filtered_mask

    def _mask(grades, industries, districts, major, overdue):
        return filtered_mask(state, grades, industries, districts, major, overdue)

    filters = list(FILTER_STATES)

    @app.callback(
        Output(ids.AREA_RESULT, "children"),
        Output(ids.AREA_EXPORT, "disabled"),
        Input(ids.MAP_AREA, "data"),
        Input(ids.COUNT, "children"),  # the filters changed
        *filters,
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _on_area(stored, _count, grades, industries, districts, major, overdue, lang):
        mask = _mask(grades, industries, districts, major, overdue)
        view, disabled, _ = update_area(state, stored, mask, norm_lang(lang))
        return view, disabled

    @app.callback(
        Output(ids.AREA_DOWNLOAD, "data"),
        Input(ids.AREA_EXPORT, "n_clicks"),
        State(ids.MAP_AREA, "data"),
        *filters,
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _on_export(_n, stored, grades, industries, districts, major, overdue, lang):
        mask = _mask(grades, industries, districts, major, overdue)
        _, _, summary = update_area(state, stored, mask, norm_lang(lang))
        if summary is None:
            raise dash.exceptions.PreventUpdate
        data = table_bytes(state.dataset.enterprises, "xlsx", lang=norm_lang(lang),
                           order=summary.inside.tolist())
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        return dcc.send_bytes(data, f"area-enterprises-{stamp}.xlsx")
