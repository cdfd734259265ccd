"""The commander's tab: place an incident, see the 10/5/1 km cordon and what lies in each zone.

An incident is placed by a click on the map (while this tab is open), by picking an enterprise
(partial Chinese name), or by typing coordinates. The rings and checkpoints are posted into the
map iframe, which is not re-rendered (zoom and pan kept).

Placing and viewing rings needs only ``read``; saving, updating and deleting an incident needs
``incident.write`` (commander or higher): declared in :data:`CALLBACK_ACTIONS` for the
callback gate and checked again inside the callback, which records the user in the audit log.
A user limited to some districts sees, opens and changes only incidents inside them.

The saved-incident list is paged on the server: the newest :data:`PAGE_SIZE` (of the user's
districts), or those whose id, note or type matches the search box, so the page layout and
every answer stay small however many incidents are kept.

An incident is its place, radii, type, note and wind (direction it blows from, and how far the
downwind protective-action area reaches: empty = the outer radius). Opening a saved incident
fills every field of the form and draws its rings and downwind area; several can be open at
once, and their history is shown under the list (:mod:`ui.panels.incident_session`).

The current incident (``ids.INC_CURRENT``, read by other panels and the print tab; keep its
shape)::

    {"lon": float, "lat": float, "radii_m": [float, ...],
     "wind_from_deg": float | None, "downwind_m": float | None,
     "id": int | None}

``id`` is the saved incident the view shows (opened, or just saved); it is kept while the
place stays the same (radii, wind or downwind changed, the same place typed again) and is
``None`` for a new place. ``downwind_m`` is the reach in force (the outer radius when the box
is empty) whenever ``wind_from_deg`` is set.
"""

from __future__ import annotations

from typing import Any

import dash
import shapely
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, dcc, html

from data.cordon_hazards import open_hazards
from data.incidents import INCIDENT_TYPES, Incident, IncidentStore, incidents_for
from layers.bridge import CLEAR_INCIDENT, command
from risk.cordon import (
    DEFAULT_RADII_M,
    Cordon,
    ExposureIndex,
    exposure,
    format_radii_km,
    parse_radii_km,
    sensitive_in_zones,
    sensitive_summary,
    validate_incident,
    validate_wind,
)
from ui import ids
from ui.i18n import norm_lang, translator
from ui.panels import incident_session
from ui.panels.incident_view import T as view_texts
from ui.panels.incident_view import map_message, result_view
from ui.state import AppState

try:  # the nearest rescue teams block (another module; optional)
    from ui.panels import incident_resources
except ImportError:  # pragma: no cover - absent in older trees
    incident_resources = None  # type: ignore[assignment]

__all__ = ["T", "CALLBACK_ACTIONS", "PAGE_SIZE", "OUTPUTS", "layout", "register", "place",
           "open_shared", "compute", "validate", "exposure_index", "district_area", "parse_wind",
           "parse_downwind_km", "saved_list", "chosen_after", "typed_lonlat", "sensitive_sites",
           "open_hazards_of", "search_options", "save_or_delete", "saved_message",
           "export_download", "current_after_write"]

PAGE_SIZE = 50
"""Saved incidents the list holds at most (newest first; the search box finds the others)."""

CALLBACK_ACTIONS = {ids.INC_WRITTEN: "incident.write"}
"""The save/update/delete callback (its output ``INC_WRITTEN``) needs ``incident.write``."""

T = {
    "tab": ("事件警戒", "Incident"),
    "how": ("在此标签页点击地图放置事故点，或按企业名称搜索，或输入经纬度。",
            "With this tab open, click the map to place the incident, search an enterprise by "
            "name, or type coordinates."),
    "search": ("搜索企业（名称、地址或编号的任意部分）",
               "Search enterprise (any part of the name, address or id)"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "locate": ("定位", "Place"),
    "radii": ("警戒半径（公里，逗号分隔）", "Radii (km, comma-separated)"),
    "type": ("事件类型", "Incident type"),
    "note": ("备注", "Note"),
    "save": ("保存事件", "Save incident"),
    "clear": ("清除", "Clear"),
    "saved": ("已保存事件", "Saved incidents"),
    "open": ("打开", "Open"),
    "delete": ("删除", "Delete"),
    "export": ("导出", "Export"),
    "saved_ok": ("已保存事件 #{id}", "Saved incident #{id}"),
    "find": ("按编号或备注搜索", "Search by id or note"),
    "shown": ("显示最新 {n} 条，共 {total} 条；其余请搜索",
              "Showing the newest {n} of {total}; search for the others"),
    "shown_all": ("共 {total} 条", "{total} in all"),
    "found": ("找到 {total} 条，显示 {n} 条", "{total} found, {n} shown"),
    "none_saved": ("没有保存的事件", "No saved incidents"),
    "none_found": ("没有匹配的事件", "No matching incidents"),
    "outside": ("该位置不在您负责的区内（{d}） / this place is outside your districts ({d})",
                "this place is outside your districts ({d}) / 该位置不在您负责的区内（{d}）"),
    "read_only": ("数据为只读：可以查看事件，不能保存或删除",
                  "The dataset is read-only here: incidents can be viewed, not saved or deleted"),
    "not_saved": ("事件未保存", "The incident was not saved"),
    "not_deleted": ("事件未删除", "The incident was not deleted"),
    "deleted": ("已删除事件 #{id}", "Deleted incident #{id}"),
    "update": ("更新", "Update"),
    "updated": ("已更新事件 #{id}（位置、半径、类型、备注、风向）",
                "Updated incident #{id} (place, radii, type, note, wind)"),
    "not_updated": ("事件未更新", "The incident was not updated"),
    "choose": ("请先在列表中选择事件", "Choose a saved incident first"),
    "nothing": ("请先放置事故点", "Place an incident first"),
    "share": ("分享链接（现场人员扫码或打开链接即可查看此事件）",
              "Share link (field teams scan the code or open the link to see this incident)"),
    "wind": ("风向（来向，度；可选，用于下风向防护区）",
             "Wind from (degrees; optional, for the downwind protective-action area)"),
    "downwind_km": ("下风向距离（公里；空 = 最大半径）",
                    "Downwind distance (km; empty = the outer radius)"),
    "briefing": ("现场简报 PDF", "Briefing PDF"),
    **view_texts,
    **incident_session.T,
}
"""Texts of the tab (Chinese, English), with those of :mod:`ui.panels.incident_view`."""

tt = translator(T)


def exposure_index(state: AppState) -> ExposureIndex:
    ds = state.dataset
    return state.cached(
        ("exposure-index",),
        lambda: ExposureIndex.from_layers(ds.layers, population=ds.raster_path("population")),
    )


def _store(state: AppState) -> IncidentStore:
    return incidents_for(state.store)


def district_area(state: AppState) -> Any:
    """The current user's districts as one shape (``None``: not limited to districts)."""
    ds = state.dataset
    if not ds.scope:
        return None

    def build() -> Any:
        shapes = ds.districts.geometry.to_numpy()
        return shapely.union_all(shapes) if len(shapes) else shapely.Point()

    return state.cached(("incident-district-area",), build)


def _check_inside(state: AppState, lon: float, lat: float, lang: str) -> None:
    """Refuse (``ValueError``) a place outside the current user's districts."""
    area = district_area(state)
    if area is not None and not shapely.intersects_xy(area, float(lon), float(lat)):
        raise ValueError(tt("outside", lang).format(d="、".join(state.dataset.scope or ())))


def parse_wind(text) -> float | None:
    """Wind direction (from, degrees clockwise from north) or None when left empty."""
    if text is None or not str(text).strip():
        return None
    try:
        value = float(str(text).strip())
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 360:
        msg = f"风向须为 0–360 度 / wind direction must be 0–360 degrees, got {text!r}"
        raise ValueError(msg)
    return value % 360


def _label(inc: Incident, lang: str) -> str:
    kind = inc.type_en if lang == "en" else inc.type_zh
    note = f" · {inc.note[:20]}" if inc.note else ""
    return (f"#{inc.id} {inc.created[:16].replace('T', ' ')} {kind} "
            f"({inc.lon:.4f}, {inc.lat:.4f}){note}")


def saved_list(state: AppState, search: str | None, lang: str) -> tuple[list[dict], str]:
    """Callback body: the list's options (at most :data:`PAGE_SIZE`, newest first, of the
    user's districts, matching ``search``) and the line that says how many there are."""
    store, area = _store(state), district_area(state)
    text = (search or "").strip() or None
    items = store.list(limit=PAGE_SIZE, search=text, within=area)
    total = len(items) if len(items) < PAGE_SIZE else store.count(search=text, within=area)
    options = [{"label": _label(inc, lang), "value": inc.id} for inc in items]
    if text:
        line = (tt("found", lang).format(total=total, n=len(items)) if total
                else tt("none_found", lang))
    elif not total:
        line = tt("none_saved", lang)
    elif total > len(items):
        line = tt("shown", lang).format(n=len(items), total=total)
    else:
        line = tt("shown_all", lang).format(total=total)
    return options, line


def chosen_after(written: dict | None) -> int | None:
    """The saved incident the list selects after a write: the one saved or updated (so that
    Update applies to it), none after a delete."""
    written = written or {}
    return written.get("saved", written.get("updated"))


def layout(state: AppState, lang: str) -> html.Div:
    try:
        options, count_line = saved_list(state, None, lang)
    except OSError as exc:  # the records database cannot be read now: the tab still opens
        options, count_line = [], str(exc)
    read_only = bool(getattr(state.store, "read_only", False))
    return html.Div(className="panel", children=[
        html.P(tt("how", lang), className="hint"),
        html.Label(tt("search", lang)),
        dcc.Dropdown(id=ids.INC_SEARCH, placeholder="…", searchable=True, clearable=True,
                     options=[]),
        html.Div(className="row", children=[
            html.Div([html.Label(tt("lon", lang)),
                      dcc.Input(id=ids.INC_LON, type="text", debounce=True, placeholder="114.05",
                                style={"width": "110px"})]),
            html.Div([html.Label(tt("lat", lang)),
                      dcc.Input(id=ids.INC_LAT, type="text", debounce=True, placeholder="22.55",
                                style={"width": "110px"})]),
            html.Button(tt("locate", lang), id=ids.INC_LOCATE, className="btn"),
        ]),
        html.Label(tt("radii", lang)),
        dcc.Input(id=ids.INC_RADII, type="text", value=format_radii_km(DEFAULT_RADII_M),
                  debounce=True),
        html.Div(className="row", children=[
            html.Div([html.Label(tt("wind", lang)),
                      dcc.Input(id=ids.INC_WIND, type="text", value="", debounce=True,
                                placeholder="—", style={"width": "80px"})]),
            html.Div([html.Label(tt("downwind_km", lang)),
                      dcc.Input(id=ids.INC_DOWNWIND, type="text", value="", debounce=True,
                                placeholder="—", style={"width": "80px"})]),
        ]),
        html.Div(className="row", children=[
            html.Div([html.Label(tt("type", lang)),
                      dcc.Dropdown(id=ids.INC_TYPE, clearable=False, value="hazmat",
                                   options=[{"label": v[1] if lang == "en" else v[0], "value": k}
                                            for k, v in INCIDENT_TYPES.items()])],
                     style={"flex": "1"}),
            html.Div(id=ids.INC_TYPE_SINK, style={"display": "none"}),
        ]),
        html.Label(tt("note", lang)),
        dcc.Textarea(id=ids.INC_NOTE, style={"width": "100%", "height": "40px"}),
        html.Div(className="row", children=[
            html.Button(tt("save", lang), id=ids.INC_SAVE, className="btn btn-primary"),
            html.Button(tt("clear", lang), id=ids.INC_CLEAR, className="btn"),
            html.Span(tt("export", lang) + "：", className="muted"),
            *[html.Button(f.upper(), id={"type": ids.INC_EXPORT, "fmt": f}, className="btn")
              for f in ("geojson", "kml", "csv")],
        ]),
        dcc.Download(id=ids.INC_DOWNLOAD),
        html.Div(id=ids.INC_MESSAGE, className="message", role="status"),
        html.Label(tt("open_list", lang)),
        html.Div(className="row", children=[
            dcc.RadioItems(id=ids.INC_OPEN_LIST, options=[], value=None, inline=True,
                           className="chips", inputStyle={"marginRight": "3px"},
                           labelStyle={"marginRight": "10px"}),
            html.Button(tt("close_open", lang), id=ids.INC_OPEN_CLOSE, className="btn"),
        ]),
        html.Div(id=ids.INC_RESULT),
        *([incident_resources.layout(state, lang)] if incident_resources is not None else []),
        dcc.Store(id=ids.INC_WRITTEN),
        dcc.Store(id=ids.INC_SESSION, storage_type="session"),
        dcc.Store(id=ids.INC_RESTORED),
        html.H3(tt("saved", lang)),
        *([html.P(tt("read_only", lang), className="hint read-only")] if read_only else []),
        dcc.Input(id=ids.INC_SAVED_SEARCH, type="search", debounce=True,
                  placeholder=tt("find", lang), style={"width": "100%"}),
        html.Div(count_line, id=ids.INC_SAVED_COUNT, className="muted"),
        html.Div(className="row", children=[
            dcc.Dropdown(id=ids.INC_SAVED, options=options,
                         style={"flex": "1", "minWidth": "200px"}),
            html.Button(tt("open", lang), id=ids.INC_OPEN, className="btn"),
            html.Button(tt("update", lang), id=ids.INC_UPDATE, className="btn"),
            html.Button(tt("delete", lang), id=ids.INC_DELETE, className="btn"),
        ]),
        html.Div(id=ids.INC_HISTORY),
    ])


def compute(state: AppState, cordon: Cordon, wind: float | None = None,
            downwind_m: float | None = None) -> Any:
    """The exposure around a validated ``cordon`` (see :func:`validate`), with the downwind
    area when ``wind`` is given (reaching ``downwind_m``, default the outer radius)."""
    ds = state.dataset
    return exposure(exposure_index(state), cordon, population=ds.raster_path("population"),
                    wind_from_deg=wind, downwind_m=downwind_m)


def validate(state: AppState, lon: Any, lat: Any, radii_m: Any) -> Cordon:
    """The one validation of an incident arriving from the browser (with the dataset's
    region)."""
    return validate_incident(lon, lat, radii_m, region=state.dataset.region)


OUTPUTS = 11
"""How many values :func:`place` returns."""


SAME_PLACE_DEG = 1e-6
"""Closer than this (the coordinate boxes show six decimals, ~0.1 m) a place typed again is the
current incident's place: it keeps its exact coordinates and its ``id``."""


def _same_place(previous: dict | None, lon: float, lat: float) -> bool:
    if not previous or "lon" not in previous or "lat" not in previous:
        return False
    return (abs(float(previous["lon"]) - lon) < SAME_PLACE_DEG
            and abs(float(previous["lat"]) - lat) < SAME_PLACE_DEG)


def _is_chosen_place(state: AppState, trigger: Any, chip: Any, previous: dict | None,
                     lon_text: Any, lat_text: Any, lang: str) -> bool:
    """A place typed (or restored by the page after the language switch) on a page whose
    chosen chip is a saved incident not yet shown, at that incident's place: it is opened."""
    if chip is None or (previous or {}).get("id") is not None or trigger not in (
            ids.INC_LOCATE, ids.INC_RADII):
        return False
    try:
        inc = _store(state).get(int(chip))
        lon, lat = typed_lonlat(str(lon_text or ""), str(lat_text or ""), lang)
    except (KeyError, ValueError, OSError):
        return False
    return _same_place({"lon": inc.lon, "lat": inc.lat}, lon, lat)


def place(state: AppState, *, trigger: str | None, click, search, lon_text, lat_text,
          radii_text, saved_id, tab: str | None, lang: str, wind_text=None,
          downwind_text=None, previous: dict | None = None, chip=None):
    """Callback body. Returns (current, lon, lat, message, result, map command, radii text,
    type, note, wind text, downwind text): the last five fill the form when a saved incident
    is opened (Open, or its chip ``chip`` chosen: ``trigger`` ``INC_OPEN_LIST``).

    ``previous``: the current incident before this call (its ``id`` is kept while the place
    stays the same)."""
    nothing = dash.no_update
    keep_form = (nothing,) * 5
    if trigger == ids.INC_CLEAR:
        return None, "", "", "", None, command(CLEAR_INCIDENT), *keep_form
    if trigger == ids.INC_OPEN_LIST:
        if chip is None or (previous or {}).get("id") == chip:
            return (nothing,) * OUTPUTS
        trigger, saved_id = ids.INC_OPEN, chip
    elif _is_chosen_place(state, trigger, chip, previous, lon_text, lat_text, lang):
        trigger, saved_id = ids.INC_OPEN, chip  # a reloaded page placing its chosen incident
    fit = True
    form: tuple[Any, ...] = keep_form
    number = None
    try:
        wind = parse_wind(wind_text)
        reach = parse_downwind_km(downwind_text, lang)
        if trigger == ids.INC_OPEN:
            if saved_id is None:
                return (nothing,) * OUTPUTS
            inc = _store(state).get(int(saved_id), region=state.dataset.region)  # validated
            _check_inside(state, inc.lon, inc.lat, lang)
            cordon, number = inc.cordon, inc.id
            wind, reach = inc.wind_from_deg, inc.downwind_m
            form = (format_radii_km(inc.radii_m), inc.type, inc.note,
                    "" if wind is None else f"{wind:g}",
                    "" if reach is None else f"{reach / 1000:g}")
        else:
            radii = parse_radii_km(radii_text)
            if trigger == ids.MAP_CLICK:
                if tab != "incident" or not click:
                    return (nothing,) * OUTPUTS
                lon, lat, fit = float(click["lon"]), float(click["lat"]), False
            elif trigger == ids.INC_SEARCH:
                if search is None:
                    return (nothing,) * OUTPUTS
                ents = state.dataset.enterprises
                hit = ents[ents["id"] == search]
                if not len(hit):
                    raise KeyError(f"no enterprise with id {search!r}")
                lon, lat = hit.geometry.iloc[0].x, hit.geometry.iloc[0].y
            else:  # typed coordinates (Place, Enter) or changed radii
                lon_s, lat_s = str(lon_text or "").strip(), str(lat_text or "").strip()
                if not lon_s or (not lat_s and trigger != ids.INC_LOCATE):
                    return nothing, nothing, nothing, "", nothing, nothing, *keep_form
                lon, lat = typed_lonlat(lon_s, lat_s, lang)
            if _same_place(previous, lon, lat):  # the boxes' six decimals of the same place
                lon, lat = float((previous or {})["lon"]), float((previous or {})["lat"])
                number = (previous or {}).get("id")
            cordon = validate(state, lon, lat, radii)  # the one validation of this request
        wind, reach = validate_wind(wind, reach, radii_m=cordon.radii_m)
        ex = compute(state, cordon, wind, reach)
    except (ValueError, KeyError, IndexError, OSError) as exc:
        return (nothing, nothing, nothing, html.Span(_text(exc), className="error"), nothing,
                nothing, *keep_form)
    current = {"lon": ex.center[0], "lat": ex.center[1], "radii_m": list(ex.radii_m),
               "wind_from_deg": wind, "downwind_m": reach, "id": number}
    view = result_view(ex, lang, sensitive=sensitive_sites(state, cordon),
                       hazards=open_hazards_of(state, cordon))
    return (current, f"{ex.center[0]:.6f}", f"{ex.center[1]:.6f}", "",
            view, map_message(ex, lang, fit=fit), *form)


def sensitive_sites(state: AppState, cordon: Cordon, *, nearest: int = 3) -> list[dict[str, Any]]:
    """:func:`risk.cordon.sensitive_summary` of the current user's sensitive sites (the
    ``nearest`` few per zone, what the table shows)."""
    rows = sensitive_in_zones(state.dataset.layer("sensitive_sites"), cordon)
    return sensitive_summary(rows, cordon, nearest=nearest)


def open_hazards_of(state: AppState, cordon: Cordon) -> dict[str, Any]:
    """The open hidden dangers per zone of the current user's districts
    (:func:`data.cordon_hazards.open_hazards`; ``{}`` when there is no ledger)."""
    return open_hazards(state.dataset, cordon)


def _trigger(triggered: list[Any], chip: Any, previous: dict | None) -> Any:
    """What a call of the place callback answers when several inputs changed at once (a
    restored page sets the form and the chosen chip together): a newly chosen chip wins, a
    chip merely following the current incident never hides the form's change."""
    if ids.INC_OPEN_LIST in triggered and chip is not None and chip != (previous or {}).get("id"):
        return ids.INC_OPEN_LIST
    others = [t for t in triggered if t != ids.INC_OPEN_LIST]
    return others[0] if others else ids.INC_OPEN_LIST


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.INC_CURRENT, "data"),
        Output(ids.INC_LON, "value"),
        Output(ids.INC_LAT, "value"),
        Output(ids.INC_MESSAGE, "children"),
        Output(ids.INC_RESULT, "children"),
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Output(ids.INC_RADII, "value"),
        Output(ids.INC_TYPE, "value"),
        Output(ids.INC_NOTE, "value"),
        Output(ids.INC_WIND, "value"),
        Output(ids.INC_DOWNWIND, "value"),
        Input(ids.MAP_CLICK, "data"),
        Input(ids.INC_SEARCH, "value"),
        Input(ids.INC_LOCATE, "n_clicks"),
        Input(ids.INC_RADII, "value"),
        Input(ids.INC_WIND, "value"),
        Input(ids.INC_DOWNWIND, "value"),
        Input(ids.INC_OPEN, "n_clicks"),
        Input(ids.INC_CLEAR, "n_clicks"),
        Input(ids.INC_LON, "n_submit"),
        Input(ids.INC_LAT, "n_submit"),
        Input(ids.INC_OPEN_LIST, "value"),
        State(ids.INC_LON, "value"),
        State(ids.INC_LAT, "value"),
        State(ids.INC_SAVED, "value"),
        State(ids.TABS, "value"),
        State("lang", "data"),
        State(ids.INC_CURRENT, "data"),
        prevent_initial_call=True,
    )
    def _place(click, search, _locate, radii_text, wind, downwind, _open, _clear, _lon_enter,
               _lat_enter, chip, lon, lat, saved, tab, lang, previous):
        trigger = _trigger(list(ctx.triggered_prop_ids.values()), chip, previous)
        if trigger in (ids.INC_WIND, ids.INC_DOWNWIND):
            trigger = ids.INC_RADII  # a new wind or reach recomputes the current incident
        elif trigger in (ids.INC_LON, ids.INC_LAT):  # Enter in a coordinate box places
            trigger = ids.INC_LOCATE
        return place(state, trigger=trigger, click=click, search=search, lon_text=lon,
                     lat_text=lat, radii_text=radii_text, saved_id=saved, tab=tab,
                     lang=norm_lang(lang), wind_text=wind, downwind_text=downwind,
                     previous=previous, chip=chip)

    @app.callback(
        Output(ids.INC_CURRENT, "data", allow_duplicate=True),
        Output(ids.INC_LON, "value", allow_duplicate=True),
        Output(ids.INC_LAT, "value", allow_duplicate=True),
        Output(ids.INC_MESSAGE, "children", allow_duplicate=True),
        Output(ids.INC_RESULT, "children", allow_duplicate=True),
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Output(ids.INC_RADII, "value", allow_duplicate=True),
        Output(ids.INC_TYPE, "value", allow_duplicate=True),
        Output(ids.INC_NOTE, "value", allow_duplicate=True),
        Output(ids.INC_WIND, "value", allow_duplicate=True),
        Output(ids.INC_DOWNWIND, "value", allow_duplicate=True),
        Input(ids.SHARE_INCIDENT, "data"),
        State("lang", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _shared(number, lang):
        return open_shared(state, number, norm_lang(lang))

    @app.callback(
        Output(ids.INC_SEARCH, "options"),
        Input(ids.INC_SEARCH, "search_value"),
        State(ids.INC_SEARCH, "value"),
        prevent_initial_call=True,
    )
    def _search(text, value):
        return search_options(state, text, value)

    @app.callback(
        Output(ids.INC_WRITTEN, "data"),
        Output(ids.INC_MESSAGE, "children", allow_duplicate=True),
        Input(ids.INC_SAVE, "n_clicks"),
        Input(ids.INC_UPDATE, "n_clicks"),
        Input(ids.INC_DELETE, "n_clicks"),
        State(ids.INC_CURRENT, "data"),
        State(ids.INC_TYPE, "value"),
        State(ids.INC_NOTE, "value"),
        State(ids.INC_SAVED, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _save(_s, _u, _d, current, kind, note, saved, lang):
        return save_or_delete(state, trigger=ctx.triggered_id, current=current, kind=kind,
                              note=note, saved_id=saved, lang=norm_lang(lang))

    @app.callback(
        Output(ids.INC_SAVED, "options"),
        Output(ids.INC_SAVED_COUNT, "children"),
        Output(ids.INC_SAVED, "value"),
        Input(ids.INC_WRITTEN, "data"),
        Input(ids.INC_SAVED_SEARCH, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _saved(written, search, lang):
        chosen = (chosen_after(written) if ctx.triggered_id == ids.INC_WRITTEN
                  else dash.no_update)
        try:
            return (*saved_list(state, search, norm_lang(lang)), chosen)
        except OSError as exc:
            return dash.no_update, html.Span(str(exc), className="error"), dash.no_update

    @app.callback(
        Output(ids.INC_CURRENT, "data", allow_duplicate=True),
        Input(ids.INC_WRITTEN, "data"),
        State(ids.INC_CURRENT, "data"),
        prevent_initial_call=True,
    )
    def _written(written, current):
        return current_after_write(current, written)

    @app.callback(
        Output(ids.INC_DOWNLOAD, "data"),
        Output(ids.INC_MESSAGE, "children", allow_duplicate=True),
        Input({"type": ids.INC_EXPORT, "fmt": ALL}, "n_clicks"),
        State(ids.INC_CURRENT, "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _export(clicks, current, lang):
        if not any(clicks or []):
            return dash.no_update, dash.no_update
        return export_download(state, fmt=ctx.triggered_id["fmt"], current=current,
                               lang=norm_lang(lang))

    # the type (a dropdown) is told to assets/riskmap.js, which keeps it across a language switch
    app.clientside_callback(
        ClientsideFunction(namespace="riskmap", function_name="keepType"),
        Output(ids.INC_TYPE_SINK, "children"),
        Input(ids.INC_TYPE, "value"),
    )
    incident_session.register(app, state)
    if incident_resources is not None:
        incident_resources.register(app, state)


def open_shared(state: AppState, number: int | None, lang: str):
    """Callback body, run when the page loads: a share link (``/?incident=N``, the
    ``SHARE_INCIDENT`` store) opens saved incident N as Open does (the same district check and
    messages); nothing happens without one. Returns what :func:`place` returns."""
    if number is None:
        return (dash.no_update,) * OUTPUTS
    return place(state, trigger=ids.INC_OPEN, click=None, search=None, lon_text=None,
                 lat_text=None, radii_text=None, saved_id=number, tab="incident", lang=lang)


def _text(exc: BaseException) -> str:
    """The message of an error for the status line (a ``KeyError`` without its quotes)."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


# the writes and downloads live in ui/panels/incident_io.py (re-exported here)
from ui.panels.incident_io import (  # noqa: E402
    current_after_write,
    export_download,
    save_or_delete,
    saved_message,
)
from ui.panels.incident_view import (  # noqa: E402
    parse_downwind_km,
    search_options,
    typed_lonlat,
)
