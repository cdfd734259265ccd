"""The print tab: a PDF of the current view (extent, filters, incident, zones) with a typed title."""

from __future__ import annotations

import re
from datetime import date

import dash
from dash import Input, Output, State, dcc, html

from data.schema import LAYERS
from layers.printmap import PRINT_LAYERS, PrintMapError, render_map_pdf
from ui import ids
from ui.i18n import norm_lang, translator
from ui.state import AppState
from ui.workflows.zones import state_zones

T = {
    "how": ("导出当前视图（范围、筛选条件、事故警戒圈、风险分区）为打印质量的 PDF："
            "标题、图例、比例尺、指北针、日期、坐标系与数据来源。",
            "Export the current view (extent, filters, incident rings, risk zones) as a "
            "print-quality PDF with title, legend, scale bar, north arrow, date, CRS and sources."),
    "title": ("标题", "Title"), "subtitle": ("副标题（可选）", "Subtitle (optional)"),
    "paper": ("纸张", "Paper"), "orientation": ("方向", "Orientation"),
    "landscape": ("横向", "Landscape"), "portrait": ("纵向", "Portrait"),
    "layers": ("图层（随地图中开启的图层）", "Layers (follow the layers switched on in the map)"),
    "tables": ("附统计表（第 2 页）", "Add a tables page (page 2)"),
    "view": ("按当前地图范围", "Use the current map extent"),
    "run": ("导出 PDF", "Export PDF"),
    "default_title": ("深圳市安全风险分布图", "Shenzhen safety-risk map"),
    "empty_title": ("请填写标题", "Please type a title"),
    "done": ("已生成 PDF（{kb:,} KB）", "PDF ready ({kb:,} KB)"),
}


tt = translator(T)

CALLBACK_ACTIONS = {ids.PDF_DOWNLOAD: "print"}
"""The PDF export needs the planner role or higher (enforced by :mod:`ui.auth`)."""


def layout(state: AppState, lang: str) -> html.Div:
    present = [n for n in PRINT_LAYERS if n in state.dataset.layers]
    return html.Div(className="panel", children=[
        html.P(tt("how", lang), className="hint"),
        html.Label(tt("title", lang)),
        dcc.Input(id=ids.PDF_TITLE, type="text", value=tt("default_title", lang),
                  style={"width": "100%"}, maxLength=80),
        html.Label(tt("subtitle", lang)),
        dcc.Input(id=ids.PDF_SUBTITLE, type="text", value="", style={"width": "100%"},
                  maxLength=120),
        html.Div(className="row", children=[
            html.Div([html.Label(tt("paper", lang)),
                      dcc.RadioItems(id=ids.PDF_PAPER, value="A3", inline=True,
                                     options=["A4", "A3"])]),
            html.Div([html.Label(tt("orientation", lang)),
                      dcc.RadioItems(id=ids.PDF_ORIENTATION, value="landscape", inline=True,
                                     options=[{"label": tt(o, lang), "value": o}
                                              for o in ("landscape", "portrait")])]),
        ]),
        html.Label(tt("layers", lang)),
        dcc.Checklist(id=ids.PDF_LAYERS, value=[n for n in ("districts", "roads", "enterprises")
                                                if n in present],
                      options=[{"label": LAYERS[n].label(lang), "value": n} for n in present],
                      inline=True),
        dcc.Checklist(id=ids.PDF_OPTIONS, value=["view"],
                      options=[{"label": tt("view", lang), "value": "view"},
                               {"label": tt("tables", lang), "value": "tables"}]),
        html.Button(tt("run", lang), id=ids.PDF_RUN, className="btn btn-primary"),
        dcc.Loading(html.Div(id=ids.PDF_MESSAGE, role="status"), type="dot"),
        dcc.Download(id=ids.PDF_DOWNLOAD),
    ])


def _file_name(title: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", title).strip("_")[:60] or "map"
    return f"{safe}_{date.today():%Y%m%d}.pdf"


def export_pdf(state: AppState, *, title, subtitle, paper, orientation, layers, options, view,
               grades, industries, districts, major, incident, zone_params, lang: str):
    """Callback body: (download data, message)."""
    if not title or not str(title).strip():
        return dash.no_update, html.Span(tt("empty_title", lang), className="error")
    options = options or []
    extent = tuple(view["bounds"]) if view and "view" in options and view.get("bounds") else None
    zones = state_zones(state, zone_params) if zone_params else None
    inc = (incident["lon"], incident["lat"], tuple(incident["radii_m"])) if incident else None
    try:
        pdf = render_map_pdf(
            state.dataset, title=str(title).strip(), subtitle=(subtitle or None), paper=paper,
            orientation=orientation, layers=list(layers or []), grades=grades,
            industries=industries or None, districts_filter=districts or None,
            major_only=bool(major), extent=extent, incident=inc, zones=zones,
            tables_page="tables" in options, lang=lang)
    except PrintMapError as exc:
        return dash.no_update, html.Span(str(exc), className="error")
    msg = html.Span(tt("done", lang).format(kb=len(pdf) // 1024), className="ok")
    return dcc.send_bytes(pdf, _file_name(str(title))), msg


def follow_map_layers(visible, current) -> list[str]:
    """The print layers follow what is switched on in the map (printable layers only)."""
    if visible is None:
        return current
    return [n for n in PRINT_LAYERS if n in visible]


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.PDF_LAYERS, "value"),
        Input(ids.MAP_LAYERS, "data"),
        State(ids.PDF_LAYERS, "value"),
    )
    def _follow(visible, current):
        return follow_map_layers(visible, current)

    @app.callback(
        Output(ids.PDF_DOWNLOAD, "data"),
        Output(ids.PDF_MESSAGE, "children"),
        Input(ids.PDF_RUN, "n_clicks"),
        State(ids.PDF_TITLE, "value"),
        State(ids.PDF_SUBTITLE, "value"),
        State(ids.PDF_PAPER, "value"),
        State(ids.PDF_ORIENTATION, "value"),
        State(ids.PDF_LAYERS, "value"),
        State(ids.PDF_OPTIONS, "value"),
        State(ids.MAP_VIEW, "data"),
        State(ids.FILTER_GRADES, "value"),
        State(ids.FILTER_INDUSTRIES, "value"),
        State(ids.FILTER_DISTRICTS, "value"),
        State(ids.FILTER_MAJOR, "value"),
        State(ids.INC_CURRENT, "data"),
        State(ids.ZON_PARAMS, "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _export(_n, title, subtitle, paper, orientation, layers, options, view, grades,
                industries, districts, major, incident, zone_params, lang):
        return export_pdf(state, title=title, subtitle=subtitle, paper=paper,
                          orientation=orientation, layers=layers, options=options, view=view,
                          grades=grades, industries=industries, districts=districts,
                          major=bool(major), incident=incident, zone_params=zone_params,
                          lang=norm_lang(lang))
