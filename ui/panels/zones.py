"""The zones tab: the graded risk-zone map (安全风险空间分布图) by influence, grid or district.

Zones can follow the analyst tab's filters ("only the filtered enterprises"); score breaks are
relative by default (percentiles of the cells' scores, so they follow the cell size) or
absolute (weighted enterprises per km²), editable here. Every number is checked and an
out-of-range value is refused with a message in both languages (never replaced by a default).
"""

from __future__ import annotations

import datetime as dt
import math

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html

from layers.bridge import OVERLAY, command
from layers.style import GRADE_COLORS
from layers.zones import ZONE_TITLES, zones_geojson, zones_legend
from risk.grades import GRADES
from risk.zones import DEFAULT_BUFFER_M, zone_summary, zones_to_bytes
from ui import ids
from ui.i18n import norm_lang, translator
from ui.state import AppState
from ui.workflows.zones import CELL_RANGE_M, DEFAULT_CELL_M, RADIUS_RANGE_M, state_zones

BREAK_DEFAULTS = {"quantile": {"red": 95.0, "orange": 80.0, "yellow": 50.0},
                  "absolute": {"red": 30.0, "orange": 12.0, "yellow": 4.0}}
"""The threshold boxes' values for each kind of break (percentiles / weighted per km²)."""

T = {
    "how": ("按企业风险等级生成分区分级的风险分布图：影响区（按等级设定影响半径，高等级优先）、"
            "网格（就高或加权密度）、行政区。",
            "Zones coloured by the risk of what lies in them: influence zones (a radius per "
            "grade, higher grade wins), a grid (highest grade or weighted density), or districts."),
    "method": ("方法", "Method"),
    "influence": ("影响区", "Influence zones"), "grid": ("网格", "Grid"),
    "admin": ("行政区", "Districts"),
    "radii": ("影响半径（米）", "Influence radius (m)"),
    "cell": ("网格大小（米）", "Cell size (m)"), "shape": ("网格形状", "Cell shape"),
    "square": ("正方形", "Square"), "hex": ("六边形", "Hexagon"),
    "grade_by": ("定级方式", "Grade by"),
    "max": ("就高（最高等级）", "Highest grade present"),
    "score": ("加权密度", "Weighted density"),
    "run": ("生成并显示", "Compute and show"), "clear": ("清除", "Clear"),
    "grade": ("等级", "Grade"), "count": ("个数", "Zones"), "area": ("面积 km²", "Area km²"),
    "ents": ("企业数", "Enterprises"), "total": ("合计", "Total"),
    "export": ("导出", "Export"),
    "nothing": ("请先生成分区", "Compute zones first"),
    "follow": ("仅用分析页当前筛选的企业", "Only the enterprises passing the analyst tab's filters"),
    "breaks": ("加权密度分级阈值", "Score class breaks"),
    "quantile": ("相对（百分位，随网格大小）", "Relative (percentiles, follow the cell size)"),
    "absolute": ("绝对（加权企业数/km²）", "Absolute (weighted enterprises per km²)"),
    "th_hint_quantile": ("高于该百分位的网格定为该级，例如 95 = 得分最高的 5%",
                         "Cells above this percentile get the grade, e.g. 95 = the top 5 %"),
    "th_hint_absolute": ("得分不低于该值定为该级", "Cells scoring at least this get the grade"),
    "bad_cell": ("网格大小须为 {lo:,.0f}–{hi:,.0f} 米，收到 {v}",
                 "Cell size must be {lo:,.0f}–{hi:,.0f} m, got {v}"),
    "bad_radius": ("{g}影响半径须为 {lo:,.0f}–{hi:,.0f} 米，收到 {v}",
                   "{g} influence radius must be {lo:,.0f}–{hi:,.0f} m, got {v}"),
    "bad_pct": ("{g}阈值须为 0–100 之间的百分位（不含端点），收到 {v}",
                "{g} threshold must be a percentile between 0 and 100 (exclusive), got {v}"),
    "bad_abs": ("{g}阈值须为正数，收到 {v}", "{g} threshold must be a positive number, got {v}"),
    "bad_order": ("阈值须满足 红 ≥ 橙 ≥ 黄，收到 {v}",
                  "Thresholds must satisfy red ≥ orange ≥ yellow, got {v}"),
    "blank": ("（空）", "(blank)"),
}


tt = translator(T)


def layout(state: AppState, lang: str) -> html.Div:
    return html.Div(className="panel", children=[
        html.P(tt("how", lang), className="hint"),
        html.Label(tt("method", lang)),
        dcc.RadioItems(id=ids.ZON_METHOD, value="influence", inline=True,
                       options=[{"label": tt(m, lang), "value": m}
                                for m in ("influence", "grid", "admin")]),
        html.Label(tt("radii", lang)),
        html.Div(className="row", children=[
            html.Div([html.Span(className="sw", style={"background": g.color}),
                      dcc.Input(id={"type": ids.ZON_RADII, "grade": g.value}, type="number",
                                value=DEFAULT_BUFFER_M[g.value], style={"width": "70px"})])
            for g in GRADES
        ]),
        html.Div(className="row", children=[
            html.Div([html.Label(tt("cell", lang)),
                      dcc.Input(id=ids.ZON_CELL, type="number", value=DEFAULT_CELL_M,
                                style={"width": "90px"})]),
            html.Div([html.Label(tt("shape", lang)),
                      dcc.RadioItems(id=ids.ZON_SHAPE, value="square", inline=True,
                                     options=[{"label": tt("square", lang), "value": "square"},
                                              {"label": tt("hex", lang), "value": "hex"}])]),
        ]),
        html.Label(tt("grade_by", lang)),
        dcc.RadioItems(id=ids.ZON_GRADE_BY, value="max", inline=True,
                       options=[{"label": tt("max", lang), "value": "max"},
                                {"label": tt("score", lang), "value": "score"}]),
        html.Label(tt("breaks", lang)),
        dcc.RadioItems(id=ids.ZON_BREAKS, value="quantile", inline=True,
                       options=[{"label": tt(k, lang), "value": k}
                                for k in ("quantile", "absolute")]),
        html.Div(className="row", children=[
            html.Div([html.Span(className="sw", style={"background": g.color}),
                      dcc.Input(id={"type": ids.ZON_THRESHOLD, "grade": g.value}, type="number",
                                value=BREAK_DEFAULTS["quantile"][g.value],
                                style={"width": "70px"})])
            for g in GRADES if g.value != "blue"
        ]),
        html.Div(tt("th_hint_quantile", lang), id="zon-threshold-hint", className="note"),
        dcc.Checklist(id=ids.ZON_FOLLOW, value=[],
                      options=[{"label": tt("follow", lang), "value": "follow"}]),
        html.Div(className="row", children=[
            html.Button(tt("run", lang), id=ids.ZON_RUN, className="btn btn-primary"),
            html.Button(tt("clear", lang), id=ids.ZON_CLEAR, className="btn"),
            html.Span(tt("export", lang) + "：", className="muted"),
            *[html.Button(f.upper(), id={"type": ids.ZON_EXPORT, "fmt": f}, className="btn")
              for f in ("geojson", "gpkg")],
        ]),
        dcc.Download(id=ids.ZON_DOWNLOAD),
        html.Div(id=ids.ZON_RESULT, role="status"),
    ])


class FormError(ValueError):
    """A form value out of range, with its message in both languages."""


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def params_of(method, radii_values, radii_ids, cell, shape, grade_by, *, breaks="quantile",
              threshold_values=None, threshold_ids=None, enterprise_filter=None,
              lang: str = "zh") -> dict:
    """The form's values as the plain dict stored in ``ZON_PARAMS`` (checked again by the
    workflow). A value out of range raises :class:`FormError` with a message in ``lang`` first
    (blank radii keep their defaults; a blank or out-of-range cell size is refused)."""
    names = {g.value: g.label(lang) for g in GRADES}
    shown = lambda v: tt("blank", lang) if v is None or v == "" else str(v)  # noqa: E731
    radii = {}
    for i, v in zip(radii_ids or [], radii_values or [], strict=True):
        if v is None or v == "":
            continue
        number = _number(v)
        lo, hi = RADIUS_RANGE_M
        if number is None or not lo <= number <= hi:
            raise FormError(tt("bad_radius", lang).format(g=names[i["grade"]], lo=lo, hi=hi,
                                                          v=shown(v)))
        radii[i["grade"]] = number
    method = method or "influence"
    cell_m = _number(cell)
    lo, hi = CELL_RANGE_M
    if method == "grid" and (cell_m is None or not lo <= cell_m <= hi):
        raise FormError(tt("bad_cell", lang).format(lo=lo, hi=hi, v=shown(cell)))
    params: dict = {"method": method, "radii_m": radii or dict(DEFAULT_BUFFER_M),
                    "cell_m": cell_m if cell_m is not None and lo <= cell_m <= hi
                    else DEFAULT_CELL_M,
                    "shape": shape or "square", "grade_by": grade_by or "max"}
    if params["grade_by"] == "score" and method in ("grid", "admin"):
        kind = breaks if breaks in BREAK_DEFAULTS else "quantile"
        levels: dict[str, float] = {}
        for i, v in zip(threshold_ids or [], threshold_values or [], strict=True):
            number = _number(v)
            ok = number is not None and (0 < number < 100 if kind == "quantile" else number > 0)
            if number is None or not ok:
                key = "bad_pct" if kind == "quantile" else "bad_abs"
                raise FormError(tt(key, lang).format(g=names[i["grade"]], v=shown(v)))
            levels[i["grade"]] = number
        if levels and not (levels.get("red", 0) >= levels.get("orange", 0)
                           >= levels.get("yellow", 0)):
            raise FormError(tt("bad_order", lang).format(v=levels))
        params["breaks"] = kind
        params["thresholds"] = levels or dict(BREAK_DEFAULTS[kind])
    if enterprise_filter is not None:
        params["enterprise_filter"] = enterprise_filter
    return params


def analyst_filter(grades, industries, districts, major, overdue, *,
                   today: dt.date | None = None) -> dict:
    """The analyst tab's filter as the workflow's ``enterprise_filter`` (overdue → a date)."""
    from data.table_export import months_before
    from ui.panels.analysis import parse_months

    flt: dict = {"grades": list(grades or []), "industries": list(industries or []),
                 "districts": list(districts or []), "major": bool(major)}
    try:
        months = parse_months(overdue)
    except ValueError:
        months = None
    if months is not None:
        flt["inspected_before"] = months_before(today or dt.date.today(), months).isoformat()
    return flt


def summary_table(zones, lang: str) -> html.Table:
    summary = zone_summary(zones)
    rows = [html.Tr([
        html.Td([html.Span(className="sw", style={"background": r["color"]}),
                 r["label_en"] if lang == "en" else r["label_zh"]]),
        html.Td(f"{int(r['zones']):,}"), html.Td(f"{r['area_km2']:,.2f}"),
        html.Td(f"{int(r['enterprises']):,}"),
    ], **{"data-grade": r["grade"]}) for r in summary.to_dict("records")]
    foot = html.Tr([html.Th(tt("total", lang)), html.Th(f"{int(summary['zones'].sum()):,}"),
                    html.Th(f"{summary['area_km2'].sum():,.2f}"),
                    html.Th(f"{int(summary['enterprises'].sum()):,}")])
    head = html.Tr([html.Th(tt(k, lang)) for k in ("grade", "count", "area", "ents")])
    return html.Table([html.Thead(head), html.Tbody(rows), html.Tfoot(foot)],
                      className="stats", id="zon-summary")


def zones_message(zones, params: dict, lang: str) -> dict:
    simplify = 5.0 if params["method"] == "influence" else None
    geojson, fields = zones_geojson(zones, lang=lang, simplify_m=simplify, decimals=5)
    kind = params["method"]
    title = ZONE_TITLES[kind][1 if lang == "en" else 0]
    return command(OVERLAY, id="zones", geojson=geojson, fields=fields, colorBy="grade",
                   colors=GRADE_COLORS, title=title, legend=zones_legend(zones, lang=lang))


def show(state: AppState, *, trigger, params: dict, lang: str):
    """Callback body: (stored params, result view, map command)."""
    if trigger == ids.ZON_CLEAR:
        return None, "", command(OVERLAY, id="zones")
    try:
        zones = state_zones(state, params)
    except ValueError as exc:
        text = f"参数有误 / invalid parameter: {exc}" if lang != "en" else (
            f"Invalid parameter / 参数有误: {exc}")
        return dash.no_update, html.Span(text, className="error"), dash.no_update
    return params, summary_table(zones, lang), zones_message(zones, params, lang)


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.ZON_PARAMS, "data"),
        Output(ids.ZON_RESULT, "children"),
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Input(ids.ZON_RUN, "n_clicks"),
        Input(ids.ZON_CLEAR, "n_clicks"),
        State(ids.ZON_METHOD, "value"),
        State({"type": ids.ZON_RADII, "grade": ALL}, "value"),
        State({"type": ids.ZON_RADII, "grade": ALL}, "id"),
        State(ids.ZON_CELL, "value"),
        State(ids.ZON_SHAPE, "value"),
        State(ids.ZON_GRADE_BY, "value"),
        State(ids.ZON_BREAKS, "value"),
        State({"type": ids.ZON_THRESHOLD, "grade": ALL}, "value"),
        State({"type": ids.ZON_THRESHOLD, "grade": ALL}, "id"),
        State(ids.ZON_FOLLOW, "value"),
        State(ids.FILTER_GRADES, "value"),
        State(ids.FILTER_INDUSTRIES, "value"),
        State(ids.FILTER_DISTRICTS, "value"),
        State(ids.FILTER_MAJOR, "value"),
        State(ids.FILTER_OVERDUE, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _show(_run, _clear, method, radii, radii_ids, cell, shape, grade_by, breaks, th_values,
              th_ids, follow, grades, industries, districts, major, overdue, lang):
        lang = norm_lang(lang)
        flt = (analyst_filter(grades, industries, districts, major, overdue)
               if "follow" in (follow or []) else None)
        try:
            params = params_of(method, radii, radii_ids, cell, shape, grade_by, breaks=breaks,
                               threshold_values=th_values, threshold_ids=th_ids,
                               enterprise_filter=flt, lang=lang)
        except FormError as exc:
            return dash.no_update, html.Span(str(exc), className="error"), dash.no_update
        return show(state, trigger=ctx.triggered_id, params=params, lang=lang)

    @app.callback(
        Output({"type": ids.ZON_THRESHOLD, "grade": ALL}, "value"),
        Output("zon-threshold-hint", "children"),
        Input(ids.ZON_BREAKS, "value"),
        State({"type": ids.ZON_THRESHOLD, "grade": ALL}, "id"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _on_breaks(breaks, th_ids, lang):
        kind = breaks if breaks in BREAK_DEFAULTS else "quantile"
        return ([BREAK_DEFAULTS[kind][i["grade"]] for i in th_ids],
                tt(f"th_hint_{kind}", norm_lang(lang)))

    @app.callback(
        Output(ids.ZON_DOWNLOAD, "data"),
        Input({"type": ids.ZON_EXPORT, "fmt": ALL}, "n_clicks"),
        State(ids.ZON_PARAMS, "data"),
        prevent_initial_call=True,
    )
    def _export(clicks, params):
        if not any(clicks or []) or not params:
            return dash.no_update
        fmt = ctx.triggered_id["fmt"]
        data = zones_to_bytes(state_zones(state, params), fmt)
        return dcc.send_bytes(data, f"risk_zones_{params['method']}.{fmt}")
