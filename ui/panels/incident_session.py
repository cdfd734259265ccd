"""The incidents open in this browser tab (several at once; the map shows the chosen one) and
the history of the chosen incident, for :mod:`ui.panels.incident`.

Open incidents
    Every saved incident opened (Open, a share link, a chip) or just saved joins the chips
    (``ids.INC_OPEN_LIST``); choosing a chip opens that incident again (form, rings, tables);
    Close removes the chosen chip (the incident stays saved). The list and the chosen one are
    kept in ``ids.INC_SESSION``, a ``dcc.Store`` with ``storage_type="session"``:
    ``{"open": [{"id": int, "label": str}], "current": int | None}``, so they survive the
    language switch (which reloads the page) and are restored once per page load
    (``ids.INC_RESTORED``): the chosen chip is opened again, which refills every field.

History
    Under the saved-incidents list, who changed the chosen incident, when and what (from → to
    per field): :meth:`data.incidents.IncidentStore.history`.

Everything here needs only ``read``; a user limited to districts sees the history only of the
incidents inside them.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, ctx, html

from data.incidents import Incident, IncidentStore, incidents_for
from risk.cordon import format_radii_km
from ui import ids
from ui.i18n import norm_lang, translator
from ui.state import AppState

__all__ = ["T", "open_label", "track_open", "close_open", "restore_open", "history_view",
           "register", "MAX_OPEN"]

MAX_OPEN = 12
"""Open incidents kept at most (the oldest opened is dropped first)."""

T = {
    "open_list": ("已打开的事件（地图显示所选的一个）", "Open incidents (the map shows the chosen one)"),
    "close_open": ("关闭所选", "Close chosen"),
    "history": ("更新记录", "History of updates"),
    "no_history": ("没有更新记录", "No updates recorded"),
    "created_by": ("创建", "created"),
    "updated_by": ("更新", "updated"),
    "deleted_by": ("删除", "deleted"),
    "f_lon": ("经度", "longitude"),
    "f_lat": ("纬度", "latitude"),
    "f_radii_m": ("半径", "radii"),
    "f_type": ("类型", "type"),
    "f_note": ("备注", "note"),
    "f_wind_from_deg": ("风向", "wind from"),
    "f_downwind_m": ("下风向距离", "downwind distance"),
}
"""Texts (Chinese, English)."""

tt = translator(T)


def open_label(inc: Incident, lang: str) -> str:
    """A chip's text: ``#id type · note`` (short)."""
    kind = inc.type_en if lang == "en" else inc.type_zh
    note = f" · {inc.note[:12]}" if inc.note else ""
    return f"#{inc.id} {kind}{note}"


def _options(session: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"label": item["label"], "value": item["id"]} for item in session.get("open", [])]


def _store(state: AppState) -> IncidentStore:
    return incidents_for(state.store)


def track_open(state: AppState, current: dict | None, session: dict | None, chosen: Any,
               lang: str) -> tuple[Any, Any, Any]:
    """Callback body, when the current incident changes: a saved one joins the open list and
    becomes the chosen chip. Returns (session, chip options, chosen chip)."""
    session = {"open": list((session or {}).get("open", [])),
               "current": (session or {}).get("current")}
    number = (current or {}).get("id")
    if number is None:
        if (session["current"] is None) and chosen is None:
            return dash.no_update, dash.no_update, dash.no_update
        session["current"] = None
        return session, _options(session), None
    number = int(number)
    if all(item["id"] != number for item in session["open"]):
        from ui.panels.incident import _check_inside

        try:
            inc = _store(state).get(number)
        except (KeyError, ValueError, OSError):
            label = f"#{number}"
        else:
            try:  # the store data comes from the browser: never label another district's incident
                _check_inside(state, inc.lon, inc.lat, lang)
            except ValueError:
                return dash.no_update, dash.no_update, dash.no_update
            label = open_label(inc, lang)
        session["open"] = [*session["open"], {"id": number, "label": label}][-MAX_OPEN:]
    session["current"] = number
    return session, _options(session), (dash.no_update if chosen == number else number)


def close_open(session: dict | None, chosen: Any) -> tuple[Any, Any, Any]:
    """Callback body of Close: the chosen chip leaves the list (the incident stays saved).
    Returns (session, chip options, chosen chip: none)."""
    if chosen is None:
        return dash.no_update, dash.no_update, dash.no_update
    kept = [item for item in (session or {}).get("open", []) if item["id"] != chosen]
    new = {"open": kept, "current": None}
    return new, _options(new), None


def restore_open(timestamp: Any, session: dict | None, restored: Any,
                 shared: Any) -> tuple[Any, Any, Any]:
    """Callback body, once per page load when the session store has read the browser's
    session storage: the chips again, and the chosen one chosen (which opens it; not when a
    share link names an incident, which is opened instead). Returns (restored flag, chip
    options, chosen chip)."""
    if restored or timestamp is None or (isinstance(timestamp, (int, float)) and timestamp < 0):
        return dash.no_update, dash.no_update, dash.no_update
    session = session or {}
    chosen = session.get("current")
    return True, _options(session), (chosen if chosen is not None and shared is None
                                     else dash.no_update)


def _value(name: str, value: Any, lang: str) -> str:
    if value is None or value == "":
        return "—"
    if name == "radii_m":
        return f"{format_radii_km(tuple(value))} km"
    if name == "downwind_m":
        return f"{float(value) / 1000:g} km"
    if name == "wind_from_deg":
        return f"{float(value):g}°"
    if name in ("lon", "lat"):
        return f"{float(value):.6f}"
    return str(value)


def history_view(state: AppState, incident_id: Any, lang: str) -> Any:
    """Callback body: the history of incident ``incident_id`` (newest last), one line per
    change: when, who, and each field from → to. ``None`` without an incident."""
    from ui.panels.incident import _check_inside

    if incident_id is None:
        return None
    try:
        store = _store(state)
        inc = store.get(int(incident_id))
        _check_inside(state, inc.lon, inc.lat, lang)
        rows = store.history(int(incident_id))
    except (KeyError, ValueError, OSError):
        return None
    verbs = {"create": "created_by", "update": "updated_by", "delete": "deleted_by"}
    items = []
    for row in rows:
        changes = [f"{tt('f_' + name, lang) if ('f_' + name) in T else name} "
                   f"{_value(name, ch['from'], lang)} → {_value(name, ch['to'], lang)}"
                   for name, ch in row["changes"].items()
                   if row["action"] != "create" or ch["to"] not in (None, "")]
        items.append(html.Li([
            html.Span(f"{row['at'][:19].replace('T', ' ')} {row['actor']} "
                      f"{tt(verbs.get(row['action'], 'updated_by'), lang)}",
                      className="muted"),
            html.Span("：" + "；".join(changes) if changes and row["action"] != "create" else ""),
        ]))
    return html.Div([
        html.H4(f"{tt('history', lang)} · #{int(incident_id)}"),
        html.Ol(items, className="history") if items else html.P(tt("no_history", lang),
                                                                   className="hint"),
    ])


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.INC_SESSION, "data"),
        Output(ids.INC_OPEN_LIST, "options"),
        Output(ids.INC_OPEN_LIST, "value"),
        Input(ids.INC_CURRENT, "data"),
        Input(ids.INC_OPEN_CLOSE, "n_clicks"),
        State(ids.INC_SESSION, "data"),
        State(ids.INC_OPEN_LIST, "value"),
        State("lang", "data"),
        State(ids.INC_RESTORED, "data"),
        prevent_initial_call=True,
    )
    def _track(current, _close, session, chosen, lang, restored):
        if ctx.triggered_id == ids.INC_OPEN_CLOSE:
            return close_open(session, chosen)
        if not restored and (current or {}).get("id") is None:
            # not restored yet (a reloaded page): an unsaved place must not overwrite the
            # session's chosen incident before it is opened again
            return dash.no_update, dash.no_update, dash.no_update
        return track_open(state, current, session, chosen, norm_lang(lang))

    @app.callback(
        Output(ids.INC_RESTORED, "data"),
        Output(ids.INC_OPEN_LIST, "options", allow_duplicate=True),
        Output(ids.INC_OPEN_LIST, "value", allow_duplicate=True),
        Input(ids.INC_SESSION, "modified_timestamp"),
        State(ids.INC_SESSION, "data"),
        State(ids.INC_RESTORED, "data"),
        State(ids.SHARE_INCIDENT, "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _restore(timestamp, session, restored, shared):
        return restore_open(timestamp, session, restored, shared)

    @app.callback(
        Output(ids.INC_HISTORY, "children"),
        Input(ids.INC_CURRENT, "data"),
        Input(ids.INC_WRITTEN, "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _history(current, written, lang):
        written = written or {}
        number = (current or {}).get("id")
        if ctx.triggered_id == ids.INC_WRITTEN:
            number = written.get("saved", written.get("updated", number))
            if "deleted" in written:
                number = written["deleted"]
        return history_view(state, number, norm_lang(lang))
