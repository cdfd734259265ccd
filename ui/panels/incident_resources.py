"""The incident tab's "nearest rescue teams" block (最近救援队伍): for the incident placed in the
incident tab (the ``ids.INC_CURRENT`` store of :mod:`ui.panels.incident`), the N rescue teams
fastest to it by travel time on the road network (readiness included) with minutes and route
length, and the depots holding enough of an item; the routes drawn on the map along the roads.

Not a tab of its own: the incident tab puts :func:`layout` in its page and :func:`register`
adds the callback. The work is :func:`ui.workflows.network.nearest` on the graph built once per
data version (:func:`ui.workflows.network.cached_network`); the routes go to the map as one
``layers.bridge.ROUTES`` command (``assets/map/riskmap-map-resources.js``). The place in the
store is validated again here (:func:`ui.panels.incident.validate`: the region the user sees),
and a district user's view holds only their districts' teams and depots.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from layers.bridge import ROUTES, command
from risk.network import NetworkError
from ui import ids
from ui.i18n import norm_lang, translator
from ui.state import AppState

__all__ = ["layout", "register", "nearest_block", "routes_command", "MAX_N", "ROUTES_ID",
           "TEAM_COLOUR", "DEPOT_COLOUR"]

T = {
    "title": ("最近救援队伍", "Nearest rescue teams"),
    "how": ("按路网通行时间（含出动准备时间）排序，非直线距离。",
            "By travel time on the road network (readiness included), not straight-line "
            "distance."),
    "n": ("队伍数", "Teams"), "item": ("物资", "Item"), "any_item": ("（不查物资）", "(no item)"),
    "quantity": ("数量 ≥", "Quantity ≥"), "show": ("在地图上显示路线", "Show routes on the map"),
    "place_first": ("请先在上方确定事发点。", "Place an incident above first."),
    "team": ("队伍", "Team"), "kind": ("类型", "Kind"), "minutes": ("分钟", "Minutes"),
    "route_km": ("路程（公里）", "Route (km)"), "depot": ("储备库", "Depot"),
    "stock": ("库存", "Stock"), "no_team": ("1 小时内无可达队伍", "No team within an hour"),
    "no_depot": ("没有储备库存有足量“{item}”", "No depot holds enough {item}"),
    "routes_t": ("救援路线", "Rescue routes"), "teams_t": ("救援队伍", "Rescue teams"),
    "depots_t": ("物资储备库", "Depots"),
    "bad_n": ("队伍数须为 1–{max} 的整数", "Teams must be a whole number from 1 to {max}"),
    "bad_q": ("数量须为不小于 0 的数", "Quantity must be a number >= 0"),
}
tt = translator(T)

MAX_N = 20
"""The most teams the block lists."""
ROUTES_ID = "incident"
"""The id of this block's route set on the map (its ROUTES command replaces the last one)."""
TEAM_COLOUR, DEPOT_COLOUR = "#1565c0", "#ef6c00"


def layout(state: AppState, lang: str) -> html.Div:
    depots = state.dataset.layer("material_depots")
    items = sorted(set(depots["item"])) if len(depots) else []

    def field(label: str, component: Any) -> html.Div:
        return html.Div([html.Label(label), component])

    return html.Div(className="incident-resources", children=[
        html.H4(tt("title", lang)),
        html.P(tt("how", lang), className="hint"),
        html.Div(className="row", children=[
            field(tt("n", lang), dcc.Input(id=ids.INC_RES_N, type="number", value=5, min=1,
                                           max=MAX_N, step=1, style={"width": "60px"})),
            field(tt("item", lang), dcc.Dropdown(
                id=ids.INC_RES_ITEM, value=None, placeholder=tt("any_item", lang),
                options=[{"label": i, "value": i} for i in items], style={"minWidth": "130px"})),
            field(tt("quantity", lang), dcc.Input(id=ids.INC_RES_QUANTITY, type="number",
                                                  value=0, min=0, style={"width": "80px"})),
        ]),
        dcc.Checklist(id=ids.INC_RES_ROUTES, value=["show"],
                      options=[{"label": " " + tt("show", lang), "value": "show"}]),
        dcc.Loading(html.Div(tt("place_first", lang), id=ids.INC_RES_RESULT, role="status",
                             className="hint"), type="dot"),
    ])


def _count(value: Any, lang: str) -> int:
    try:
        n = float(value)
    except (TypeError, ValueError):
        n = 0.0
    if not (1 <= n <= MAX_N) or n != int(n):
        raise ValueError(tt("bad_n", lang).format(max=MAX_N))
    return int(n)


def _quantity(value: Any, lang: str) -> float:
    if value is None or value == "":
        return 0.0
    try:
        q = float(value)
    except (TypeError, ValueError):
        q = -1.0
    if not q >= 0:
        raise ValueError(tt("bad_q", lang))
    return q


def _path(line: Any) -> list[list[float]]:
    if line is None or line.is_empty:
        return []
    return [[round(x, 6), round(y, 6)] for x, y in line.coords]


def routes_command(result: Any, lang: str) -> dict[str, Any]:
    """The ROUTES command of a :class:`ui.workflows.network.NearestResult`: one road-following
    line per team and depot (from it to the place) with its minutes and kilometres."""
    routes = []
    for frame, colour, kind in ((result.teams, TEAM_COLOUR, "team"),
                                (result.depots, DEPOT_COLOUR, "depot")):
        for row in frame.to_dict("records"):
            path = _path(row["geometry"])
            if len(path) < 2:
                continue
            rows = [[tt("minutes", lang), f"{row['minutes']:.1f}"],
                    [tt("route_km", lang), f"{row['route_m'] / 1000:.1f}"]]
            if kind == "team":
                rows.insert(0, [tt("kind", lang), row["kind"]])
            else:
                rows.insert(0, [tt("stock", lang), f"{row['item']} {row['quantity']:g} "
                                                   f"{row['unit']}"])
            routes.append({"path": path, "colour": colour, "label": row["name"], "rows": rows})
    return command(ROUTES, id=ROUTES_ID, title=tt("routes_t", lang), routes=routes,
                   legend=[[TEAM_COLOUR, tt("teams_t", lang)],
                           [DEPOT_COLOUR, tt("depots_t", lang)]])


def _table(heads: list[str], rows: list[list[Any]], table_id: str) -> html.Table:
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in heads])),
                       html.Tbody([html.Tr([html.Td(c) for c in r]) for r in rows])],
                      className="stats", id=table_id)


def nearest_block(state: AppState, current: Any, *, n: Any, item: Any, quantity: Any,
                  show: Any, lang: str) -> tuple[Any, dict[str, Any]]:
    """Callback body: (the tables, the ROUTES command: the routes, or without routes: none)."""
    from ui.panels.incident import validate
    from ui.workflows.network import cached_network, nearest

    clear = command(ROUTES, id=ROUTES_ID)
    if not isinstance(current, dict) or "lon" not in current or "lat" not in current:
        return html.Div(tt("place_first", lang), className="hint"), clear
    try:
        count, amount = _count(n, lang), _quantity(quantity, lang)
        cordon = validate(state, current.get("lon"), current.get("lat"), current.get("radii_m"))
        result = nearest(state.dataset, cordon.lon, cordon.lat, n=count, item=item or "",
                         quantity=amount, graph=cached_network(state))
    except (NetworkError, ValueError, TypeError) as exc:
        return html.Div(str(exc), className="error"), clear
    teams = [[r["name"], r["kind"], f"{r['minutes']:.1f}", f"{r['route_m'] / 1000:.1f}"]
             for r in result.teams.to_dict("records")]
    parts: list[Any] = [
        _table([tt(k, lang) for k in ("team", "kind", "minutes", "route_km")], teams,
               "inc-res-teams") if teams else html.Div(tt("no_team", lang), className="hint")]
    if item:
        depots = [[r["name"], f"{r['quantity']:g} {r['unit']}", f"{r['minutes']:.1f}",
                   f"{r['route_m'] / 1000:.1f}"] for r in result.depots.to_dict("records")]
        parts.append(_table([tt(k, lang) for k in ("depot", "stock", "minutes", "route_km")],
                            depots, "inc-res-depots") if depots
                     else html.Div(tt("no_depot", lang).format(item=item), className="hint"))
    routes = routes_command(result, lang) if show and "show" in show else clear
    return html.Div(parts), routes


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.INC_RES_RESULT, "children"),
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Input(ids.INC_CURRENT, "data"),
        Input(ids.INC_RES_N, "value"),
        Input(ids.INC_RES_ITEM, "value"),
        Input(ids.INC_RES_QUANTITY, "value"),
        Input(ids.INC_RES_ROUTES, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _nearest(current, n, item, quantity, show, lang):
        return nearest_block(state, current, n=n, item=item, quantity=quantity, show=show,
                             lang=norm_lang(lang))
