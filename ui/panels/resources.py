"""The resources tab (应急资源一张图): rescue teams and depots on the map, N-minute coverage on the
road network, the nearest teams and stock to a place, evacuation to shelters.

"导出 PDF / Export PDF" under coverage and evacuation recomputes that result on the server from
the tab's inputs, in the user's district view (``state.dataset``), and sends the one-page print
(:mod:`layers.print_network`); it needs the ``print`` action (:data:`CALLBACK_ACTIONS`, checked
by :mod:`ui.auth` and again inside :func:`export_pdf`).

Every result is drawn in the map as an overlay (``layers.bridge`` ``OVERLAY``, the generic
handler of ``assets/map/riskmap-map-overlays.js``) with its legend; the work is
:mod:`ui.workflows.network`, the road graph is built once per data version (``state.cached``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import dash
import flask
import folium
import geopandas as gpd
import numpy as np
from dash import ALL, Input, Output, State, ctx, dcc, html
from folium.features import GeoJsonTooltip

from layers.bridge import OVERLAY, batch, command, fit
from layers.map import overlay_message
from layers.print_frames import PrintMapError
from risk.cordon import DEFAULT_RADII_M
from risk.network import NetworkError
from ui import access, ids
from ui.i18n import norm_lang, translator
from ui.state import AppState
from ui.workflows.network import cached_network, coverage, evacuate, nearest, stock_status

T = {
    "how": ("按路网通行时间（非直线距离）计算：救援队伍 N 分钟覆盖、最近救援力量与物资、疏散安置。"
            "结果叠加在地图上。",
            "By travel time on the road network (not straight-line distance): N-minute rescue "
            "coverage, the nearest teams and stock, evacuation to shelters. Results are drawn "
            "on the map."),
    "minutes": ("时限（分钟）", "Minutes"), "kinds": ("队伍类型", "Team kinds"),
    "coverage": ("计算覆盖", "Coverage"), "show": ("显示资源", "Show resources"),
    "nearest": ("最近队伍与物资", "Nearest teams & stock"), "evacuate": ("疏散安置", "Evacuate"),
    "clear": ("清除图层", "Clear overlays"),
    "lon": ("经度", "Lon"), "lat": ("纬度", "Lat"), "item": ("物资", "Item"),
    "quantity": ("数量 ≥", "Quantity ≥"), "stock_col": ("库存", "Stock"),
    "cov_line": ("{m:g} 分钟内覆盖人口 {r:,} / {p:,}（{pct:.1f}%）",
                 "{r:,} of {p:,} people ({pct:.1f}%) reached within {m:g} min"),
    "ent_line": ("红色企业 {rr}/{rt}，橙色 {orr}/{ot}，重大危险源 {mr}/{mt}",
                 "red enterprises {rr}/{rt}, orange {orr}/{ot}, major hazards {mr}/{mt}"),
    "suggest": ("建议新增站点：{lon:.4f}, {lat:.4f}（可增加覆盖 {n:,} 人）",
                "Next station here: {lon:.4f}, {lat:.4f} (adds {n:,} people)"),
    "district": ("所属区", "District"), "population": ("人口", "Population"),
    "reached": ("覆盖", "Reached"), "team": ("队伍", "Team"), "minutes_col": ("分钟", "Minutes"),
    "route": ("路程（米）", "Route (m)"), "depot": ("储备库", "Depot"),
    "evac_line": ("疏散区 {r:g} km 内 {p:,} 人，已安置 {a:,}，无法安置 {u:,}（核心区 {c:g} km 道路封闭）",
                  "{p:,} people within {r:g} km, {a:,} placed, {u:,} cannot be placed "
                  "(roads closed within {c:g} km)"),
    "shelter": ("避难场所", "Shelter"), "capacity": ("容量", "Capacity"),
    "assigned": ("安置", "Assigned"),
    "stock": ("库存预警（低于下限或过期）", "Stock alerts (below minimum or expired)"),
    "low": ("低于下限", "below minimum"), "expired": ("已过期", "expired"),
    "no_alert": ("无库存预警", "No stock alerts"),
    "areas": ("救援服务范围", "Rescue service areas"), "gaps": ("未覆盖区域", "Not reached"),
    "teams_t": ("救援队伍", "Rescue teams"), "depots_t": ("物资储备库", "Depots"),
    "routes_t": ("救援路线", "Rescue routes"),
    "evac_t": ("疏散分配（居住格网→避难场所）", "Evacuation assignment (cell → shelter)"),
    "alert": ("库存预警", "Stock alert"), "ok": ("库存正常", "Stock ok"),
    "pdf_coverage": ("导出覆盖 PDF", "Export coverage PDF"),
    "pdf_evacuate": ("导出疏散 PDF", "Export evacuation PDF"),
    "pdf_done": ("已生成 PDF：{name}", "PDF ready: {name}"),
    "pdf_file": ("应急救援覆盖", "rescue_coverage"), "pdf_evac_file": ("疏散安置", "evacuation"),
}
tt = translator(T)

CALLBACK_ACTIONS = {ids.RES_PDF_DOWNLOAD: "print"}
"""The PDF export needs the planner role or higher (enforced by :mod:`ui.auth`)."""

OVERLAY_IDS = ("net-areas", "net-gaps", "net-resources", "net-routes", "net-evac")
"""The map overlays this tab draws (and clears)."""
_PALETTE = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#e377c2",
            "#7f7f7f", "#aec7e8", "#98df8a")


def layout(state: AppState, lang: str) -> html.Div:
    teams = state.dataset.layer("rescue_teams")
    kinds = sorted(set(teams["kind"])) if len(teams) else []
    items = sorted(set(state.dataset.layer("material_depots")["item"]))

    def field(label: str, component: Any) -> html.Div:
        return html.Div([html.Label(label), component])

    return html.Div(className="panel", children=[
        html.P(tt("how", lang), className="hint"),
        html.Div(className="row", children=[
            field(tt("minutes", lang), dcc.Input(id=ids.RES_MINUTES, type="number", value=10,
                                                 min=1, max=240, style={"width": "70px"})),
            field(tt("kinds", lang), dcc.Dropdown(id=ids.RES_KINDS, multi=True, value=[],
                                                  options=[{"label": k, "value": k} for k in kinds],
                                                  style={"minWidth": "180px"})),
        ]),
        html.Div(className="row", children=[
            field(tt("lon", lang), dcc.Input(id=ids.RES_LON, type="number", value=114.0579,
                                             step=0.0001, style={"width": "100px"})),
            field(tt("lat", lang), dcc.Input(id=ids.RES_LAT, type="number", value=22.5431,
                                             step=0.0001, style={"width": "90px"})),
            field(tt("item", lang), dcc.Dropdown(id=ids.RES_ITEM, value=items[0] if items else None,
                                                 options=[{"label": i, "value": i} for i in items],
                                                 style={"minWidth": "120px"})),
            field(tt("quantity", lang), dcc.Input(id=ids.RES_QUANTITY, type="number", value=0,
                                                  min=0, style={"width": "80px"})),
        ]),
        html.Div(className="row", children=[
            *[html.Button(tt(w, lang), id={"type": ids.RES_RUN, "what": w},
                          className="btn btn-primary" if w != "show" else "btn")
              for w in ("coverage", "nearest", "evacuate", "show")],
            html.Button(tt("clear", lang), id=ids.RES_CLEAR, className="btn"),
        ]),
        dcc.Loading(html.Div(id=ids.RES_RESULT, role="status"), type="dot"),
        html.Div(className="row", children=[
            html.Button(tt(f"pdf_{w}", lang), id={"type": ids.RES_PDF, "what": w}, className="btn")
            for w in ("coverage", "evacuate")]),
        dcc.Loading(html.Div(id=ids.RES_PDF_MESSAGE, role="status"), type="dot"),
        dcc.Download(id=ids.RES_PDF_DOWNLOAD),
        html.H4(tt("stock", lang)),
        stock_view(state, lang),
    ])


def stock_view(state: AppState, lang: str) -> html.Div:
    table = stock_status(state.dataset.layer("material_depots"))
    flagged = table[table["low"] | table["expired"]]
    if flagged.empty:
        return html.Div(tt("no_alert", lang), id=ids.RES_STOCK)
    rows = [html.Tr([html.Td(r["depot"]), html.Td(r["item"]),
                     html.Td(f"{r['quantity']:g} / {r['min_level']:g} {r['unit']}"),
                     html.Td(r["expiry"]),
                     html.Td("、".join(tt(k, lang) for k in ("low", "expired") if r[k]),
                             className="error")])
            for r in flagged.head(50).to_dict("records")]
    return html.Div(html.Table(html.Tbody(rows), className="stats"), id=ids.RES_STOCK)


def _layer(gdf: gpd.GeoDataFrame, colours: list[str], fields: list[str],
           aliases: list[str]) -> folium.GeoJson:
    frame = gdf[[*fields, "geometry"]].copy()
    frame["_c"] = colours
    for f in fields:
        if frame[f].dtype.kind == "f":
            frame[f] = frame[f].round(1)
    data = frame.__geo_interface__
    layer = folium.GeoJson(data)
    if fields:
        GeoJsonTooltip(fields=fields, aliases=aliases).add_to(layer)
    return layer


def _dots(points: gpd.GeoSeries, metres: float = 120.0) -> gpd.GeoSeries:
    """Points as small discs (drawn on the canvas overlay pane like every other overlay)."""
    from risk.crs import metric_crs

    if points.empty:
        return points
    crs = metric_crs(points)
    return points.to_crs(crs).buffer(metres, quad_segs=4).to_crs(4326)


def _graph(state: AppState):
    return cached_network(state)


def run_coverage(state: AppState, *, minutes: float, kinds: list[str], lang: str):
    result = state.cached(("network-coverage", float(minutes), tuple(sorted(kinds))),
                          lambda: coverage(state.dataset, minutes=float(minutes),
                                           kinds=tuple(kinds), graph=_graph(state)))
    o = result.summary["overall"]
    pct = 100.0 * o["population_reached"] / o["population"] if o["population"] else 0.0
    e = o["enterprises"]
    lines = [tt("cov_line", lang).format(m=minutes, r=o["population_reached"], p=o["population"],
                                         pct=pct),
             tt("ent_line", lang).format(rr=e["red"][0], rt=e["red"][1], orr=e["orange"][0],
                                         ot=e["orange"][1], mr=e["major_hazard"][0],
                                         mt=e["major_hazard"][1])]
    if result.suggestion:
        s = result.suggestion
        lines.append(tt("suggest", lang).format(lon=s["lon"], lat=s["lat"],
                                                n=s["population_added"]))
    rows = [html.Tr([html.Td(name), html.Td(f"{v['population']:,}"),
                     html.Td(f"{100.0 * v['population_reached'] / v['population']:.1f}%"
                             if v["population"] else "–")])
            for name, v in result.summary.items() if name != "overall"]
    heads = [tt(k, lang) for k in ("district", "population", "reached")]
    view = html.Div([*[html.Div(x) for x in lines] + [*result.notes],
                     html.Table([html.Thead(html.Tr([html.Th(h) for h in heads])),
                                 html.Tbody(rows)], className="stats")], id="res-coverage")
    areas = result.areas
    colours = [_PALETTE[i % len(_PALETTE)] for i in range(len(areas))]
    cmds = [overlay_message(_layer(areas, colours, ["name", "people", "minutes_max"],
                                   [tt("team", lang), tt("population", lang),
                                    tt("minutes_col", lang)]),
                            overlay_id="net-areas", title=tt("areas", lang),
                            legend=[(_PALETTE[0], tt("areas", lang))], fill_opacity=0.25),
            overlay_message(_layer(result.gaps, ["#d62728"] * len(result.gaps), ["people"],
                                   [tt("population", lang)]),
                            overlay_id="net-gaps", title=tt("gaps", lang),
                            legend=[("#d62728", tt("gaps", lang))], fill_opacity=0.45)]
    return view, cmds


def run_show(state: AppState, *, lang: str):
    teams = state.dataset.layer("rescue_teams")
    import pandas as pd

    depots = state.dataset.layer("material_depots")
    expiry = pd.to_datetime(depots["expiry"].where(depots["expiry"] != ""), errors="coerce")
    depots = depots.assign(flag=((depots["quantity"] < depots["min_level"])
                                 | (expiry < pd.Timestamp.today()).fillna(False)).to_numpy(bool))
    alert = depots.groupby("name").agg(flag=("flag", "any"), district=("district", "first"),
                                       geometry=("geometry", "first")).reset_index()
    alert = gpd.GeoDataFrame(alert, geometry="geometry", crs=4326)
    t = gpd.GeoDataFrame({"name": teams["name"], "kind": teams["kind"]},
                         geometry=_dots(teams.geometry), crs=4326)
    d = gpd.GeoDataFrame({"name": alert["name"],
                          "kind": np.where(alert["flag"], tt("alert", lang), tt("ok", lang))},
                         geometry=_dots(alert.geometry, 200.0), crs=4326)
    both = gpd.GeoDataFrame(
        {"name": [*t["name"], *d["name"]], "kind": [*t["kind"], *d["kind"]]},
        geometry=[*t.geometry, *d.geometry], crs=4326)
    colours = ["#1565c0"] * len(t) + ["#d62728" if f else "#2e7d32" for f in alert["flag"]]
    cmd = overlay_message(_layer(both, colours, ["name", "kind"],
                                 [tt("team", lang), tt("kinds", lang)]),
                          overlay_id="net-resources", title=tt("teams_t", lang),
                          legend=[("#1565c0", tt("teams_t", lang)), ("#2e7d32", tt("ok", lang)),
                                  ("#d62728", tt("alert", lang))], fill_opacity=0.8)
    return html.Div(f"{tt('teams_t', lang)} {len(t)} · {tt('depots_t', lang)} {len(d)}"), [cmd]


def run_nearest(state: AppState, *, lon: float, lat: float, item: str | None, quantity: float,
                lang: str):
    result = nearest(state.dataset, float(lon), float(lat), n=5, item=item or "",
                     quantity=float(quantity or 0), graph=_graph(state))
    rows = [html.Tr([html.Td(r["name"]), html.Td(f"{r['minutes']:.1f}"),
                     html.Td(f"{r['route_m']:,.0f}")])
            for r in result.teams.drop(columns="geometry").to_dict("records")]
    drows = [html.Tr([html.Td(r["name"]), html.Td(f"{r['quantity']:g} {r['unit']}"),
                      html.Td(f"{r['minutes']:.1f}")])
             for r in result.depots.drop(columns="geometry").to_dict("records")]
    heads = [tt(k, lang) for k in ("team", "minutes_col", "route")]
    dheads = [tt(k, lang) for k in ("depot", "stock_col", "minutes_col")]
    view = html.Div([
        html.Table([html.Thead(html.Tr([html.Th(h) for h in heads])), html.Tbody(rows)],
                   className="stats"),
        html.Table([html.Thead(html.Tr([html.Th(h) for h in dheads])), html.Tbody(drows)],
                   className="stats") if drows else "",
    ], id="res-nearest")
    lines = gpd.GeoDataFrame(
        {"name": [*result.teams["name"], *result.depots["name"]],
         "minutes": [*result.teams["minutes"], *result.depots["minutes"]]},
        geometry=[*result.teams.geometry, *result.depots.geometry], crs=4326)
    lines = lines[lines.geometry.notna()]
    colours = ["#1565c0"] * int(result.teams.geometry.notna().sum()) + \
        ["#ef6c00"] * int(result.depots.geometry.notna().sum())
    cmd = overlay_message(_layer(lines, colours, ["name", "minutes"],
                                 [tt("team", lang), tt("minutes_col", lang)]),
                          overlay_id="net-routes", title=tt("routes_t", lang),
                          legend=[("#1565c0", tt("teams_t", lang)),
                                  ("#ef6c00", tt("depots_t", lang))])
    cmd["weight"] = 4  # routes drawn heavy (the overlay script reads msg.weight)
    return view, [cmd, *_fit(lines)]


def _fit(gdf: gpd.GeoDataFrame) -> list[dict]:
    """A FIT command to the features (with a small margin), none for an empty frame."""
    if gdf.empty:
        return []
    w, s, e, n = gdf.total_bounds
    pad = 0.1 * max(e - w, n - s, 0.01)
    return [fit((w - pad, s - pad, e + pad, n + pad))]


def run_evacuate(state: AppState, *, lon: float, lat: float, lang: str):
    result = evacuate(state.dataset, float(lon), float(lat), radii_m=DEFAULT_RADII_M,
                      graph=_graph(state))
    s = result.shelters
    assigned = int(s["assigned"].sum())
    head = tt("evac_line", lang).format(r=result.radius_m / 1000, p=result.population,
                                        a=assigned, u=result.unplaced, c=result.core_m / 1000)
    rows = [html.Tr([html.Td(r["name"]), html.Td(f"{r['assigned']:,} / {r['capacity']:,}"),
                     html.Td(f"{r['minutes_max']:.1f}")])
            for r in s[s["assigned"] > 0].to_dict("records")[:30]]
    heads = [tt(k, lang) for k in ("shelter", "assigned", "minutes_col")]
    view = html.Div([html.Div(head), html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in heads])), html.Tbody(rows)],
        className="stats")], id="res-evacuate")
    flows = result.flows
    cmd = overlay_message(_layer(flows, ["#6a1b9a"] * len(flows), ["shelter_id", "people",
                                                                   "minutes"],
                                 [tt("shelter", lang), tt("population", lang),
                                  tt("minutes_col", lang)]),
                          overlay_id="net-evac", title=tt("evac_t", lang),
                          legend=[("#6a1b9a", tt("evac_t", lang))])
    cmd["weight"] = 2
    return view, [cmd, *_fit(flows)]


def run(state: AppState, *, what: str, minutes: Any, kinds: Any, lon: Any, lat: Any,
        item: Any, quantity: Any, lang: str):
    """Callback body: (result view, list of map commands)."""
    try:
        if what == "coverage":
            return run_coverage(state, minutes=float(minutes or 10), kinds=list(kinds or []),
                                lang=lang)
        if what == "show":
            return run_show(state, lang=lang)
        if lon is None or lat is None:
            raise ValueError("请输入经纬度 / enter a longitude and latitude")
        if what == "nearest":
            return run_nearest(state, lon=lon, lat=lat, item=item, quantity=quantity or 0,
                               lang=lang)
        return run_evacuate(state, lon=lon, lat=lat, lang=lang)
    except (NetworkError, ValueError) as exc:
        return html.Span(str(exc), className="error"), []


def export_pdf(state: AppState, *, what: str, minutes: Any, kinds: Any, lon: Any, lat: Any,
               lang: str) -> tuple[Any, Any]:
    """Callback body of the PDF buttons: (``dcc.send_bytes`` download or ``no_update``,
    message). The result is recomputed here from the tab's inputs on the user's district view;
    the ``print`` action is checked again (inside a request)."""
    from layers.print_network import render_coverage_pdf, render_evacuation_pdf

    if flask.has_request_context():
        try:
            access.require("print")
        except (access.Unauthorized, access.Forbidden) as exc:
            return dash.no_update, html.Span(str(exc.description), className="error")
    try:
        if what == "coverage":
            minutes_f, chosen = float(minutes or 10), tuple(sorted(kinds or []))
            result = state.cached(("network-coverage", minutes_f, chosen),
                                  lambda: coverage(state.dataset, minutes=minutes_f,
                                                   kinds=chosen, graph=_graph(state)))
            data = render_coverage_pdf(state.dataset, result, lang=lang, kinds=chosen)
            stem = f"{tt('pdf_file', lang)}_{minutes_f:g}min"
        elif what == "evacuate":
            if lon is None or lat is None:
                raise ValueError("请输入经纬度 / enter a longitude and latitude")
            result = evacuate(state.dataset, float(lon), float(lat), radii_m=DEFAULT_RADII_M,
                              graph=_graph(state))
            data = render_evacuation_pdf(state.dataset, result, lang=lang)
            stem = tt("pdf_evac_file", lang)
        else:
            raise ValueError(f"unknown export {what!r}")
    except (NetworkError, PrintMapError, ValueError) as exc:
        return dash.no_update, html.Span(str(exc), className="error")
    name = f"{re.sub(r'[^0-9A-Za-z_一-鿿.-]+', '_', stem)}_{date.today():%Y%m%d}.pdf"
    return dcc.send_bytes(data, name), html.Span(tt("pdf_done", lang).format(name=name))


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.RES_RESULT, "children"),
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Input({"type": ids.RES_RUN, "what": ALL}, "n_clicks"),
        Input(ids.RES_CLEAR, "n_clicks"),
        State(ids.RES_MINUTES, "value"),
        State(ids.RES_KINDS, "value"),
        State(ids.RES_LON, "value"),
        State(ids.RES_LAT, "value"),
        State(ids.RES_ITEM, "value"),
        State(ids.RES_QUANTITY, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _run(clicks, _clear, minutes, kinds, lon, lat, item, quantity, lang):
        lang = norm_lang(lang)
        if ctx.triggered_id == ids.RES_CLEAR:
            return "", batch(*(command(OVERLAY, id=i) for i in OVERLAY_IDS))
        if not any(c for c in (clicks or []) if c):
            return dash.no_update, dash.no_update
        view, commands = run(state, what=ctx.triggered_id["what"], minutes=minutes, kinds=kinds,
                             lon=lon, lat=lat, item=item, quantity=quantity, lang=lang)
        if not commands:
            return view, dash.no_update
        return view, batch(*commands)

    @app.callback(
        Output(ids.RES_PDF_DOWNLOAD, "data"),
        Output(ids.RES_PDF_MESSAGE, "children"),
        Input({"type": ids.RES_PDF, "what": ALL}, "n_clicks"),
        State(ids.RES_MINUTES, "value"),
        State(ids.RES_KINDS, "value"),
        State(ids.RES_LON, "value"),
        State(ids.RES_LAT, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _pdf(clicks, minutes, kinds, lon, lat, lang):
        if not any(c for c in (clicks or []) if c) or not isinstance(ctx.triggered_id, dict):
            return dash.no_update, dash.no_update
        return export_pdf(state, what=ctx.triggered_id["what"], minutes=minutes, kinds=kinds,
                          lon=lon, lat=lat, lang=norm_lang(lang))
