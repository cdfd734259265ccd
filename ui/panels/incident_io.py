"""The incident tab's writes and downloads, for :mod:`ui.panels.incident` (which re-exports
them): save, update or delete a saved incident (``incident.write``, checked here again), the
line after a save with the share link, its QR code and the briefing PDF link, the current
incident after a write, and the exports (GeoJSON, KML, CSV zip) of the current incident with its
point, downwind area and open hidden dangers."""

from __future__ import annotations

from typing import Any

import dash
import flask
from dash import dcc, html
from werkzeug.exceptions import HTTPException

from data.accounts import LOCAL_USER
from data.export import export_bytes
from data.incidents import Incident
from data.share import share_url
from risk.cordon import validate_wind
from ui import access, ids
from ui.state import AppState

__all__ = ["save_or_delete", "saved_message", "export_download", "current_after_write"]


def _panel() -> Any:
    from ui.panels import incident

    return incident


def current_after_write(current: dict | None, written: dict | None) -> Any:
    """Callback body after a save, update or delete: the current incident now names the saved
    one (``id``), or none after its deletion; ``no_update`` when nothing changes."""
    written = written or {}
    if not current:
        return dash.no_update
    if "deleted" in written:
        return {**current, "id": None} if current.get("id") == written["deleted"] else (
            dash.no_update)
    number = written.get("saved", written.get("updated"))
    if number is None or current.get("id") == number:
        return dash.no_update
    return {**current, "id": int(number)}


def _writer() -> str:
    """The name the audit log records for this change; refuses (werkzeug ``Unauthorized`` /
    ``Forbidden``) a user who may not write incidents."""
    user = access.require("incident.write")
    return user.name or LOCAL_USER


def save_or_delete(state: AppState, *, trigger, current, kind, note, saved_id, lang):
    """Callback body: save the current incident (``INC_SAVE``), update the chosen one with the
    current place, radii, type and note (``INC_UPDATE``) or delete it (``INC_DELETE``).
    Returns (what was written, for the list to refresh, or ``no_update``; the status line)."""
    p = _panel()
    nothing = dash.no_update
    chosen = trigger in (ids.INC_DELETE, ids.INC_UPDATE)
    if chosen and saved_id is None:
        return nothing, html.Span(p.tt("choose", lang), className="error")
    if trigger != ids.INC_DELETE and not current:
        return nothing, html.Span(p.tt("nothing", lang), className="error")
    try:
        actor = _writer()
    except HTTPException as exc:
        return nothing, html.Span(str(exc.description), className="error")
    store = p._store(state)
    failed = p.tt({ids.INC_DELETE: "not_deleted", ids.INC_UPDATE: "not_updated"}.get(
        trigger, "not_saved"), lang)
    try:
        if chosen and p.district_area(state) is not None:
            old = store.get(int(saved_id))
            p._check_inside(state, old.lon, old.lat, lang)
        if trigger == ids.INC_DELETE:
            store.delete(int(saved_id), actor=actor)
            return ({"deleted": int(saved_id)},
                    html.Span(p.tt("deleted", lang).format(id=saved_id), className="ok"))
        p._check_inside(state, current["lon"], current["lat"], lang)
        fields: dict[str, Any] = {"lon": current["lon"], "lat": current["lat"],
                  "radii_m": tuple(current["radii_m"]), "type": kind or "other",
                  "note": note or "", "wind_from_deg": current.get("wind_from_deg"),
                  "downwind_m": current.get("downwind_m")}
        if trigger == ids.INC_UPDATE:
            store.update(int(saved_id), actor=actor, region=state.dataset.region, **fields)
            return ({"updated": int(saved_id)},
                    html.Span(p.tt("updated", lang).format(id=saved_id), className="ok"))
        new_id = store.add(Incident(**fields), region=state.dataset.region, actor=actor)
    except (ValueError, KeyError, TypeError) as exc:
        return nothing, html.Span(p._text(exc), className="error")
    except OSError as exc:  # read-only, disk full, busy, database down: nothing was written
        return nothing, html.Span(f"{failed}: {exc}", className="error")
    return {"saved": new_id}, saved_message(new_id, lang)


def saved_message(new_id: int, lang: str) -> html.Span | html.Div:
    """The line after a save; inside a request also the share link of the incident
    (:func:`data.share.share_url` on the address the user reached the app at) and its QR code."""
    p = _panel()
    ok = html.Span(p.tt("saved_ok", lang).format(id=new_id), className="ok")
    if not flask.has_request_context():
        return ok
    link = share_url(flask.request.url_root, new_id, lang=lang)
    return html.Div(id="inc-share", children=[
        ok,
        html.Div(p.tt("share", lang), className="hint"),
        html.A(link, href=link, target="_blank", id="inc-share-link"),
        html.Div(html.A(f"{p.T['briefing'][0]} / {p.T['briefing'][1]}",
                        href=f"/share/{new_id}/briefing.pdf?lang={lang}", target="_blank",
                        id="inc-share-briefing")),
        html.Img(src=f"/share/{new_id}/qr.svg?lang={lang}", alt=link, id="inc-share-qr",
                 style={"width": "160px", "height": "160px", "display": "block"}),
    ])


def export_download(state: AppState, *, fmt: str, current, lang: str):
    p = _panel()
    if not current:
        return dash.no_update, html.Span(p.tt("nothing", lang), className="error")
    try:
        cordon = p.validate(state, current["lon"], current["lat"], current["radii_m"])
    except (ValueError, KeyError, TypeError) as exc:
        return dash.no_update, html.Span(str(exc), className="error")
    try:
        wind, reach = validate_wind(current.get("wind_from_deg"), current.get("downwind_m"),
                                    radii_m=cordon.radii_m)
    except ValueError as exc:
        return dash.no_update, html.Span(str(exc), className="error")
    ex = p.compute(state, cordon, wind, reach)
    record = None
    if current.get("id") is not None:
        try:
            saved = p._store(state).get(int(current["id"]))
            record = {**saved.to_dict(), "wind_from_deg": wind, "downwind_m": reach}
        except (KeyError, ValueError, OSError):
            record = None
    data = export_bytes(ex, "zip" if fmt == "csv" else fmt, incident=record,
                        hazards=p.open_hazards_of(state, cordon))
    ext = {"geojson": "geojson", "kml": "kml", "csv": "zip"}[fmt]
    name = f"incident_{current['lon']:.4f}_{current['lat']:.4f}.{ext}"
    return dcc.send_bytes(data, name), ""
