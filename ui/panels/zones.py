"""The zones tab: the graded risk-zone map (安全风险空间分布图) by influence, grid or district."""

from __future__ import annotations

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
from ui.workflows.zones import DEFAULT_CELL_M, state_zones

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
                                min=1, max=20_000, value=DEFAULT_BUFFER_M[g.value],
                                style={"width": "70px"})])
            for g in GRADES
        ]),
        html.Div(className="row", children=[
            html.Div([html.Label(tt("cell", lang)),
                      dcc.Input(id=ids.ZON_CELL, type="number", min=50, max=50_000, value=DEFAULT_CELL_M,
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


def params_of(method, radii_values, radii_ids, cell, shape, grade_by) -> dict:
    """The form's values as the plain dict stored in ``ZON_PARAMS`` (checked by the workflow)."""
    radii = {i["grade"]: float(v) for i, v in zip(radii_ids, radii_values, strict=True)
             if v is not None}
    return {"method": method or "influence", "radii_m": radii or dict(DEFAULT_BUFFER_M),
            "cell_m": float(cell or DEFAULT_CELL_M), "shape": shape or "square",
            "grade_by": grade_by or "max"}


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
        return dash.no_update, html.Span(str(exc), className="error"), dash.no_update
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
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _show(_run, _clear, method, radii, radii_ids, cell, shape, grade_by, lang):
        params = params_of(method, radii, radii_ids, cell, shape, grade_by)
        return show(state, trigger=ctx.triggered_id, params=params, lang=norm_lang(lang))

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
