"""The terrain tab: dangerous slopes and ponding areas computed from the DEM, shelter coverage
against the population raster. Each result is drawn in the map as an overlay with its legend."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html

from layers.bridge import OVERLAY, batch, command
from layers.map import overlay_message
from layers.terrain import (
    TITLES,
    ponding_layer,
    ponding_legend,
    registered_slopes_layer,
    registered_slopes_legend,
    slope_zone_legend,
    slope_zones_layer,
    uncovered_layer,
    uncovered_legend,
)
from risk.grades import GRADES
from risk.rasters import RasterError
from ui import ids
from ui.i18n import norm_lang, translator
from ui.state import AppState
from ui.workflows.terrain import (
    ANGLE_RANGE_DEG,
    RELIEF_RANGE_M,
    MissingRasterError,
    check_slope_thresholds,
    dangerous_slopes,
)

T = {
    "how": ("由高程（DEM）计算危险边坡与易积水洼地，按人口栅格评估避难场所覆盖。结果作为图层叠加在地图上。"
            "可在“数据导入”中换用自己的 DEM/人口 GeoTIFF。",
            "Compute dangerous slopes and ponding areas from the DEM, and shelter coverage against "
            "the population raster; each result is drawn on the map. Use your own DEM/population "
            "GeoTIFFs via the Import tab."),
    "slopes": ("计算危险边坡", "Dangerous slopes"),
    "ponding": ("计算易积水洼地", "Ponding areas"),
    "shelters": ("避难场所覆盖", "Shelter coverage"),
    "clear": ("清除图层", "Clear overlays"),
    "angle": ("坡度阈值（°）", "Min angle (°)"), "relief": ("高差阈值（m）", "Min relief (m)"),
    "no_dem": ("数据集没有 DEM（dem.tif）", "The dataset has no DEM (dem.tif)"),
    "no_pop": ("数据集没有人口栅格（population.tif）", "The dataset has no population raster"),
    "zones_n": ("计算得到危险边坡 {n} 处", "{n} dangerous-slope zones computed"),
    "confirmed": ("登记边坡 {c}/{t} 处被计算结果确认", "{c} of {t} registered slopes confirmed"),
    "ponds_n": ("易积水洼地 {n} 处，总面积 {a:.2f} km²", "{n} ponding areas, {a:.2f} km² in all"),
    "cov": ("覆盖人口 {c:,.0f} / {p:,.0f}（{pct:.1f}%），未覆盖 {u:,.0f}",
            "Covered {c:,.0f} of {p:,.0f} people ({pct:.1f}%), uncovered {u:,.0f}"),
    "district": ("所属区", "District"), "population": ("人口", "Population"),
    "covered_pct": ("覆盖率", "Covered"), "capacity": ("容量", "Capacity"),
    "gap": ("容量缺口", "Capacity gap"),
    "bad_angle": ("坡度阈值须为 {lo:g}–{hi:g}°，收到 {v}", "Min angle must be {lo:g}–{hi:g}°, got {v}"),
    "bad_relief": ("高差阈值须为 {lo:g}–{hi:g} 米，收到 {v}",
                   "Min relief must be {lo:g}–{hi:g} m, got {v}"),
    "blank": ("（空）", "(blank)"),
}


tt = translator(T)

OVERLAY_IDS = ("slope-zones", "slopes-checked", "ponding", "uncovered")
"""The map overlays this tab draws (and clears)."""


def layout(state: AppState, lang: str) -> html.Div:
    return html.Div(className="panel", children=[
        html.P(tt("how", lang), className="hint"),
        html.Div(className="row", children=[
            html.Div([html.Label(tt("angle", lang)),
                      dcc.Input(id=ids.TER_ANGLE, type="number", value=25,
                                style={"width": "70px"})]),
            html.Div([html.Label(tt("relief", lang)),
                      dcc.Input(id=ids.TER_RELIEF, type="number", value=10,
                                style={"width": "70px"})]),
        ]),
        html.Div(className="row", children=[
            *[html.Button(tt(w, lang), id={"type": ids.TER_RUN, "what": w},
                          className="btn btn-primary") for w in ("slopes", "ponding", "shelters")],
            html.Button(tt("clear", lang), id=ids.TER_CLEAR, className="btn"),
        ]),
        dcc.Loading(html.Div(id=ids.TER_RESULT, role="status"), type="dot"),
    ])


def _title(key: str, lang: str) -> str:
    zh, en = TITLES[key]
    return en if lang == "en" else zh


def run_slopes(state: AppState, *, angle: float, relief: float, lang: str):
    ds = state.dataset
    key = ("terrain-slopes", float(angle), float(relief))
    try:
        result = state.cached(key, lambda: dangerous_slopes(
            ds, min_angle_deg=float(angle), min_relief_m=float(relief)))
    except MissingRasterError:
        raise RasterError(tt("no_dem", lang)) from None
    zones, compared = result.zones, result.registered
    commands = [overlay_message(slope_zones_layer(zones, lang=lang), overlay_id="slope-zones",
                                title=_title("zones", lang), legend=slope_zone_legend(lang),
                                fill_opacity=0.6)]
    lines = [tt("zones_n", lang).format(n=len(zones))]
    if len(zones):
        counts = zones["grade"].value_counts()
        lines.append(" · ".join(f"{g.label(lang)} {int(counts.get(g.value, 0))}" for g in GRADES))
    if len(compared):
        commands.append(overlay_message(registered_slopes_layer(compared, lang=lang),
                                        overlay_id="slopes-checked",
                                        title=_title("registered", lang),
                                        legend=registered_slopes_legend(lang), fill_opacity=0.25))
        lines.append(tt("confirmed", lang).format(c=int(compared["confirmed"].sum()),
                                                  t=len(compared)))
    return html.Div([html.Div(x) for x in lines], id="ter-slopes"), commands


def run_ponding(state: AppState, *, lang: str):
    from risk.waterlogging import ponding_areas

    dem = state.dataset.raster_path("dem")
    if dem is None:
        raise RasterError(tt("no_dem", lang))
    ponds = state.cached(("terrain-ponding",), lambda: ponding_areas(dem))
    area = float(ponds["area_m2"].sum()) / 1e6 if len(ponds) else 0.0
    cmd = overlay_message(ponding_layer(ponds, lang=lang), overlay_id="ponding",
                          title=_title("ponding", lang), legend=ponding_legend(lang),
                          fill_opacity=0.6)
    return html.Div(tt("ponds_n", lang).format(n=len(ponds), a=area), id="ter-ponding"), [cmd]


def run_shelters(state: AppState, *, lang: str):
    from risk.shelters import coverage

    ds = state.dataset
    pop = ds.raster_path("population")
    if pop is None:
        raise RasterError(tt("no_pop", lang))
    cov = state.cached(("terrain-shelters",),
                       lambda: coverage(ds.layer("shelters"), pop, districts=ds.districts))
    pct = 100.0 * cov.covered / cov.population if cov.population else 0.0
    head = html.Div(tt("cov", lang).format(c=cov.covered, p=cov.population, pct=pct,
                                           u=cov.uncovered_total))
    table = cov.districts
    rows = [html.Tr([html.Td(str(r["district"])), html.Td(f"{r['population']:,.0f}"),
                     html.Td(f"{r['covered_pct']:.1f}%"), html.Td(f"{r['capacity']:,.0f}"),
                     html.Td(f"{r['capacity_gap']:,.0f}")])
            for r in table.to_dict("records")]
    heads = [tt(k, lang) for k in ("district", "population", "covered_pct", "capacity", "gap")]
    view = html.Div([head, html.Table([html.Thead(html.Tr([html.Th(h) for h in heads])),
                                       html.Tbody(rows)], className="stats")], id="ter-shelters")
    cmd = overlay_message(uncovered_layer(cov.hexagons, lang=lang), overlay_id="uncovered",
                          title=_title("uncovered", lang), legend=uncovered_legend(lang),
                          fill_opacity=0.55)
    return view, [cmd]


def _threshold_message(exc: ValueError, angle, relief, lang: str) -> str:
    def shown(v) -> str:
        return tt("blank", lang) if v is None or v == "" else str(v)

    if "min_angle_deg" in str(exc):
        lo, hi = ANGLE_RANGE_DEG
        return tt("bad_angle", lang).format(lo=lo, hi=hi, v=shown(angle))
    lo, hi = RELIEF_RANGE_M
    return tt("bad_relief", lang).format(lo=lo, hi=hi, v=shown(relief))


def run(state: AppState, *, what: str, angle, relief, lang: str):
    """Callback body: (result view, list of map commands)."""
    try:
        if what == "slopes":
            try:
                angle, relief = check_slope_thresholds(angle, relief)
            except ValueError as exc:  # out of range or blank: refused, never a default
                return html.Span(_threshold_message(exc, angle, relief, lang),
                                 className="error"), []
            return run_slopes(state, angle=angle, relief=relief, lang=lang)
        if what == "ponding":
            return run_ponding(state, lang=lang)
        return run_shelters(state, lang=lang)
    except (RasterError, ValueError) as exc:
        return html.Span(str(exc), className="error"), []


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.TER_RESULT, "children"),
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Input({"type": ids.TER_RUN, "what": ALL}, "n_clicks"),
        Input(ids.TER_CLEAR, "n_clicks"),
        State(ids.TER_ANGLE, "value"),
        State(ids.TER_RELIEF, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _run(clicks, _clear, angle, relief, lang):
        lang = norm_lang(lang)
        if ctx.triggered_id == ids.TER_CLEAR:
            return "", batch(*(command(OVERLAY, id=i) for i in OVERLAY_IDS))
        if not any(c for c in (clicks or []) if c):
            return dash.no_update, dash.no_update
        view, commands = run(state, what=ctx.triggered_id["what"], angle=angle, relief=relief,
                             lang=lang)
        if not commands:
            return view, dash.no_update
        return view, batch(*commands)
