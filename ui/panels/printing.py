"""The print tab: the current view (extent, filters, incident, zones) as a print-layout map.

The same options as ``riskmap pdf``: title, paper, orientation, scale ("fit" the current view,
or a standard scale around the print centre), graticule, inset, labels of the key enterprises,
a template (the shipped default or an uploaded JSON or YAML file), format (PDF, PNG at a chosen
dpi, SVG), a georeferenced PDF, a tables page. With "show the print area" ticked the map draws
the sheet's frame (``layers.bridge.PRINT_AREA``). "Fit": recomputed on every move of the map.
A fixed scale: the sheet is centred on the print centre box (``ids.PDF_CENTER``, "lon, lat",
read by :func:`risk.coords.parse_lonlat`), or on the map's centre while the box is empty; the
planner drags the sheet on the map and its new centre comes back into the box
(``layers.bridge.PRINT_CENTER``), so the export is centred where the sheet was placed.
"""

from __future__ import annotations

import base64
import re
from datetime import date
from typing import Any

import dash
from dash import Input, Output, State, ctx, dcc, html

from data.schema import LAYERS
from layers.bridge import PRINT_AREA, command
from layers.print_template import (
    TEMPLATE_SUFFIXES,
    PrintTemplate,
    TemplateError,
    default_title,
    parse_template,
    read_template,
)
from layers.printmap import (
    FORMATS,
    PRINT_LAYERS,
    STANDARD_SCALES,
    PrintMapError,
    print_area,
    render_map,
)
from risk.coords import parse_lonlat
from ui import ids
from ui.i18n import norm_lang, translator
from ui.state import AppState
from ui.workflows.zones import state_zones

T = {
    "how": ("导出当前视图（范围、筛选条件、事故警戒圈、风险分区）为打印版式地图：标题、图例、"
            "比例尺、指北针、经纬网、位置图、制图单位与日期、坐标系与数据来源。",
            "Export the current view (extent, filters, incident rings, risk zones) as a print "
            "layout: title, legend, scale bar, north arrow, graticule, overview map, producer, "
            "date, CRS and sources."),
    "title": ("标题", "Title"), "subtitle": ("副标题（可选）", "Subtitle (optional)"),
    "paper": ("纸张", "Paper"), "orientation": ("方向", "Orientation"),
    "landscape": ("横向", "Landscape"), "portrait": ("纵向", "Portrait"),
    "layers": ("图层（随地图中开启的图层）", "Layers (follow the layers switched on in the map)"),
    "tables": ("附统计表（第 2 页，仅 PDF）", "Add a tables page (page 2, PDF only)"),
    "view": ("按当前地图范围", "Use the current map extent"),
    "scale": ("比例尺（固定比例尺以打印中心为图幅中心）",
              "Scale (a fixed scale is centred on the print centre)"),
    "center": ("打印中心（经度, 纬度；空白则为地图中心；可在地图上拖动打印范围）",
               "Print centre (lon, lat; empty: the map's centre; or drag the print area on "
               "the map)"),
    "center_ph": ("地图中心 map centre", "map centre 地图中心"),
    "center_bad": ("打印中心无法识别 / print centre not understood: {error}",
                   "Print centre not understood: {error}"),
    "handle": ("拖动以移动图幅", "Drag to move the sheet"),
    "fit": ("适应范围", "Fit the extent"),
    "graticule": ("经纬网", "Graticule"), "inset": ("位置图", "Overview map"),
    "labels": ("标注重点企业", "Label key enterprises"),
    "area": ("在地图上显示打印范围（固定比例尺时可拖动）",
             "Show the print area on the map (draggable at a fixed scale)"),
    "format": ("格式", "Format"), "dpi": ("分辨率（PNG、TIFF）", "Resolution (PNG, TIFF)"),
    "georef": ("带地理坐标的 PDF（手机地图可定位）", "Georeferenced PDF (phone map apps)"),
    "template": ("版式模板（JSON 或 YAML：制图单位、审图号、密级、标志文字、颜色、字号）",
                 "Layout template (JSON or YAML: organisation, approval no., classification, "
                 "logo, colours, fonts)"),
    "upload": ("上传模板文件", "Upload a template file"),
    "template_default": ("使用默认模板", "Using the default template"),
    "template_ok": ("已载入模板：{name}", "Template loaded: {name}"),
    "template_bad": ("模板无法使用 / template refused: {error}", "Template refused: {error}"),
    "run": ("导出", "Export"),
    "empty_title": ("请填写标题", "Please type a title"),
    "done": ("已生成 {fmt}（{kb:,} KB）", "{fmt} ready ({kb:,} KB)"),
    "area_label": ("打印范围 {paper} {orientation} 1:{scale:,}", "Print area {paper} "
                   "{orientation} 1:{scale:,}"),
}


tt = translator(T)

CALLBACK_ACTIONS = {ids.PDF_DOWNLOAD: "print", ids.PDF_TEMPLATE: "print"}
"""The export (and a template upload) need the planner role or higher (enforced by
:mod:`ui.auth`)."""
_MAX_TEMPLATE_BYTES = 64 * 1024


def layout(state: AppState, lang: str) -> html.Div:
    present = [n for n in PRINT_LAYERS if n in state.dataset.layers]
    return html.Div(className="panel", children=[
        html.P(tt("how", lang), className="hint"),
        html.Label(tt("title", lang)),
        dcc.Input(id=ids.PDF_TITLE, type="text", value=default_title(state.dataset.meta),
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
        html.Label(tt("scale", lang)),
        dcc.Dropdown(id=ids.PDF_SCALE, value="fit", clearable=False,
                     options=[{"label": tt("fit", lang), "value": "fit"}]
                     + [{"label": f"1:{v:,}", "value": str(v)} for v in STANDARD_SCALES]),
        html.Label(tt("center", lang), htmlFor=ids.PDF_CENTER),
        dcc.Input(id=ids.PDF_CENTER, type="text", value="", debounce=True, maxLength=80,
                  placeholder=tt("center_ph", lang), style={"width": "100%"}),
        dcc.Checklist(id=ids.PDF_LAYOUT, value=["labels", "inset"], inline=True,
                      options=[{"label": tt(k, lang), "value": k}
                               for k in ("graticule", "inset", "labels", "area")]),
        html.Label(tt("layers", lang)),
        dcc.Checklist(id=ids.PDF_LAYERS, value=[n for n in ("districts", "roads", "enterprises")
                                                if n in present],
                      options=[{"label": LAYERS[n].label(lang), "value": n} for n in present],
                      inline=True),
        html.Div(className="row", children=[
            html.Div([html.Label(tt("format", lang)),
                      dcc.RadioItems(id=ids.PDF_FORMAT, value="pdf", inline=True,
                                     options=[{"label": f.upper(), "value": f}
                                              for f in FORMATS])]),
            html.Div([html.Label(tt("dpi", lang)),
                      dcc.Dropdown(id=ids.PDF_DPI, value=300, clearable=False,
                                   options=[{"label": f"{d} dpi", "value": d}
                                            for d in (150, 300, 600)])]),
        ]),
        dcc.Checklist(id=ids.PDF_OPTIONS, value=["view"],
                      options=[{"label": tt("view", lang), "value": "view"},
                               {"label": tt("tables", lang), "value": "tables"},
                               {"label": tt("georef", lang), "value": "georef"}]),
        html.Label(tt("template", lang)),
        dcc.Upload(id=ids.PDF_TEMPLATE_UPLOAD, accept=",".join(TEMPLATE_SUFFIXES),
                   max_size=_MAX_TEMPLATE_BYTES,
                   children=html.Button(tt("upload", lang), className="btn")),
        html.Div(tt("template_default", lang), id=ids.PDF_TEMPLATE_MESSAGE, role="status",
                 className="hint"),
        dcc.Store(id=ids.PDF_TEMPLATE, data=None),
        html.Button(tt("run", lang), id=ids.PDF_RUN, className="btn btn-primary"),
        dcc.Loading(html.Div(id=ids.PDF_MESSAGE, role="status"), type="dot"),
        dcc.Download(id=ids.PDF_DOWNLOAD),
    ])


def _file_name(title: str, fmt: str = "pdf") -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", title).strip("_")[:60] or "map"
    return f"{safe}_{date.today():%Y%m%d}.{fmt}"


def load_uploaded_template(contents: str | None, filename: str | None, lang: str,
                           ) -> tuple[Any, Any]:
    """Callback body of the template upload: (template JSON object or None, message)."""
    if not contents:
        return None, tt("template_default", lang)
    try:
        raw = base64.b64decode(contents.split(",", 1)[-1], validate=False)
        source = f"template {filename or ''}".strip()
        obj = read_template(raw, name=filename or "", source=source)
        parse_template(obj, source=source)
    except (ValueError, TemplateError) as exc:
        return None, html.Span(tt("template_bad", lang).format(error=exc), className="error")
    name = obj.get("organisation") or filename or "template.json"
    return obj, html.Span(tt("template_ok", lang).format(name=name), className="ok")


def parse_print_center(text: Any) -> tuple[float, float] | None:
    """The print centre box: ``None`` when empty (the map's centre is used), else
    ``(lon, lat)`` read by :func:`risk.coords.parse_lonlat` (decimal degrees, 度分秒 / DMS,
    hemisphere letters, as the dragged sheet writes it: ``"114.050000, 22.540000"``).

    >>> parse_print_center(" "), parse_print_center("114.05, 22.54")
    (None, (114.05, 22.54))

    Raises ``ValueError`` (bilingual) for text that is not a longitude and latitude pair.
    """
    if text is None or not str(text).strip():
        return None
    return parse_lonlat(str(text))


def _scale_and_center(scale: Any, view: dict | None, center_text: Any = None,
                      ) -> tuple[int | None, tuple | None]:
    """The scale and the sheet's centre: the print centre box, else the map's centre."""
    if not scale or str(scale) == "fit":
        return None, None
    center = parse_print_center(center_text)
    if center is None:
        center = tuple(view["center"]) if view and view.get("center") else None
    return int(scale), center


def _incident_args(incident: dict | None) -> tuple[tuple | None, Any, Any]:
    """``(lon, lat, radii_m)``, wind and downwind distance of the incident on screen
    (:data:`ui.ids.INC_CURRENT`: ``{lon, lat, radii_m, wind_from_deg, downwind_m, id}``), for
    :func:`layers.printmap.render_map` to check (:func:`risk.cordon.validate_wind`); a wind
    without a downwind distance reaches the outer radius there."""
    if not incident:
        return None, None, None
    place = (incident.get("lon"), incident.get("lat"), tuple(incident.get("radii_m") or ()))
    wind = incident.get("wind_from_deg")
    return place, wind, incident.get("downwind_m") if wind is not None else None


def export_pdf(state: AppState, *, title, subtitle, paper, orientation, layers, options, view,
               grades, industries, districts, major, incident, zone_params, lang: str,
               scale: Any = "fit", layout_opts: list[str] | None = None, fmt: str = "pdf",
               dpi: int = 300, template: dict | None = None, center: Any = None):
    """Callback body: (download data, message). ``center``: the print centre box's text."""
    if not title or not str(title).strip():
        return dash.no_update, html.Span(tt("empty_title", lang), className="error")
    options = options or []
    layout_opts = ["labels", "inset"] if layout_opts is None else layout_opts
    try:
        denominator, center = _scale_and_center(scale, view, center)
    except ValueError as exc:
        return dash.no_update, html.Span(tt("center_bad", lang).format(error=exc),
                                         className="error")
    extent = (tuple(view["bounds"]) if view and "view" in options and view.get("bounds")
              and denominator is None else None)
    zones = state_zones(state, zone_params) if zone_params else None
    inc, wind, reach = _incident_args(incident)
    fmt = fmt if fmt in FORMATS else "pdf"
    try:
        tpl = parse_template(template) if template else PrintTemplate()
        data = render_map(
            state.dataset, title=str(title).strip(), subtitle=(subtitle or None), paper=paper,
            orientation=orientation, layers=list(layers or []), grades=grades,
            industries=industries or None, districts_filter=districts or None,
            major_only=bool(major), extent=extent, incident=inc, wind_from_deg=wind,
            downwind_m=reach, zones=zones,
            tables_page="tables" in options and fmt == "pdf", lang=lang, scale=denominator,
            center=center, graticule="graticule" in layout_opts, inset="inset" in layout_opts,
            labels="labels" in layout_opts, template=tpl, format=fmt, dpi=int(dpi or 300),
            georef="georef" in options and fmt == "pdf")
    except (PrintMapError, TemplateError) as exc:
        return dash.no_update, html.Span(str(exc), className="error")
    msg = html.Span(tt("done", lang).format(fmt=fmt.upper(), kb=len(data) // 1024),
                    className="ok")
    return dcc.send_bytes(data, _file_name(str(title), fmt)), msg


def print_area_command(view: dict | None, *, scale: Any, paper: str, orientation: str,
                       layout_opts: list[str] | None, lang: str,
                       default_bounds: tuple[float, ...] | None = None,
                       center: Any = None) -> dict[str, Any] | None:
    """The PRINT_AREA command for the map: the sheet's frame around the print centre ``center``
    (the box's text; empty or not understood: the map's centre) at a fixed scale, with
    ``center`` and ``movable`` so that the map lets the planner drag it, or fitted to the map's
    bounds ("fit"); without "area" ticked: remove it. Before the map has reported a view,
    ``default_bounds`` (the dataset's extent) stand in; ``None`` when there is neither."""
    if "area" not in (layout_opts or []):
        return command(PRINT_AREA)
    if (not view or not view.get("bounds")) and default_bounds is not None:
        w, s_, e, n = default_bounds
        view = {"bounds": list(default_bounds), "center": [(w + e) / 2, (s_ + n) / 2]}
    if not view or not view.get("bounds"):
        return None
    try:
        denominator, centre = _scale_and_center(scale, view, center)
    except ValueError:  # the export says why; the sheet stays on the map's centre
        denominator, centre = _scale_and_center(scale, view)
    try:
        frame, corners = print_area(paper=paper, orientation=orientation, scale=denominator,
                                    center=centre, extent=None if denominator else
                                    tuple(view["bounds"]))
    except PrintMapError:
        return command(PRINT_AREA)
    label = tt("area_label", lang).format(paper=paper, orientation=tt(orientation, lang),
                                          scale=frame.denominator)
    if denominator is None:
        return command(PRINT_AREA, corners=corners, label=label)
    return command(PRINT_AREA, corners=corners, label=label, movable=True,
                   center=[round(frame.center[0], 6), round(frame.center[1], 6)],
                   handle_title=tt("handle", lang))


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
        Output(ids.PDF_TEMPLATE, "data"),
        Output(ids.PDF_TEMPLATE_MESSAGE, "children"),
        Input(ids.PDF_TEMPLATE_UPLOAD, "contents"),
        State(ids.PDF_TEMPLATE_UPLOAD, "filename"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _template(contents, filename, lang):
        return load_uploaded_template(contents, filename, norm_lang(lang))

    @app.callback(
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Input(ids.MAP_VIEW, "data"),
        Input(ids.PDF_SCALE, "value"),
        Input(ids.PDF_PAPER, "value"),
        Input(ids.PDF_ORIENTATION, "value"),
        Input(ids.PDF_LAYOUT, "value"),
        Input(ids.PDF_CENTER, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _area(view, scale, paper, orientation, layout_opts, center, lang):
        if "area" not in (layout_opts or []) and ctx.triggered_id != ids.PDF_LAYOUT:
            return dash.no_update  # nothing shown: map moves need no command
        districts = state.dataset.districts
        bounds = tuple(float(v) for v in districts.total_bounds) if len(districts) else None
        cmd = print_area_command(view, scale=scale, paper=paper, orientation=orientation,
                                 layout_opts=layout_opts, lang=norm_lang(lang),
                                 default_bounds=bounds, center=center)
        return cmd if cmd is not None else dash.no_update

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
        State(ids.PDF_SCALE, "value"),
        State(ids.PDF_LAYOUT, "value"),
        State(ids.PDF_FORMAT, "value"),
        State(ids.PDF_DPI, "value"),
        State(ids.PDF_TEMPLATE, "data"),
        State(ids.PDF_CENTER, "value"),
        prevent_initial_call=True,
    )
    def _export(_n, title, subtitle, paper, orientation, layers, options, view, grades,
                industries, districts, major, incident, zone_params, lang, scale, layout_opts,
                fmt, dpi, template, center):
        return export_pdf(state, title=title, subtitle=subtitle, paper=paper,
                          orientation=orientation, layers=layers, options=options, view=view,
                          grades=grades, industries=industries, districts=districts,
                          major=bool(major), incident=incident, zone_params=zone_params,
                          lang=norm_lang(lang), scale=scale, layout_opts=layout_opts, fmt=fmt,
                          dpi=dpi, template=template, center=center)
