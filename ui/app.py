"""The Dash app: a sidebar of tabs beside the folium map, which lives in an iframe.

The map page is built once per data version and language and served at ``/map/analyst.html``;
the parent page and the map talk by ``postMessage`` (``assets/riskmap.js`` on this side,
``assets/map/riskmap-map-*.js`` inside the map, message names in ``layers/bridge.py`` and
``assets/riskmap-messages.js``), so filtering or placing an incident never reloads
the map. Every file the browser loads comes from this server (no CDN, no web tile).
"""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import dash
import flask
from dash import ClientsideFunction, Input, Output, dcc, html
from dash.development.base_component import Component

from data.accounts import role_label
from data.share import INCIDENT_PARAM, parse_incident_query, qr_svg, share_url
from data.store import Store
from layers.map import TileSource, build_analyst_map, enterprise_detail
from ui import access, api, auth, ids
from ui.auth import ServeConfig
from ui.i18n import norm_lang, tr
from ui.panels import (
    admin,
    analysis,
    data_import,
    hazards,
    incident,
    printing,
    resources,
    terrain,
    zones,
)
from ui.state import AppState


def assets_dir() -> Path:
    """The folder of the files the app serves (parent-page JS/CSS, the map's scripts, Leaflet).

    ``ui/assets/`` inside an installed wheel (``pyproject.toml`` maps the top-level ``assets/``
    there), else ``assets/`` at the top of the source checkout (also in an editable install).
    """
    here = Path(__file__).resolve().parent
    for folder in (here / "assets", here.parent / "assets"):
        if (folder / "riskmap.js").is_file():
            return folder
    msg = (f"the app's assets are missing: no riskmap.js in {here / 'assets'} "
           f"or {here.parent / 'assets'}")
    raise FileNotFoundError(msg)


ASSETS = assets_dir()
PANELS = [
    ("analysis", "tab_analysis", analysis),
    ("incident", "tab_incident", incident),
    ("zones", "tab_zones", zones),
    ("terrain", "tab_terrain", terrain),
    ("print", "tab_print", printing),
    ("import", "tab_import", data_import),
    ("admin", "tab_admin", admin),
    ("hazards", "tab_hazards", hazards),
    ("resources", "tab_resources", resources),
]
"""(tab value, i18n key of its label, module with ``layout`` and ``register``).

A module's ``TAB_ACTION`` (default ``"read"``) is the action a user needs to see its tab; its
``CALLBACK_ACTIONS`` name what its callbacks need (enforced by :mod:`ui.auth`)."""


def _header(state: AppState, lang: str, incident: int | None = None) -> html.Header:
    ds = state.dataset
    other = "en" if lang == "zh" else "zh"
    # a shared incident stays open across the language switch
    switch = f"?lang={other}" + (f"&{INCIDENT_PARAM}={incident}" if incident else "")
    title = ds.meta.get("title_en" if lang == "en" else "title") or ds.title
    children: list[Component] = [
        html.Div([html.H1(tr("app_title", lang)), html.Span(tr("app_subtitle", lang),
                                                           className="subtitle")]),
        html.Div(str(title), className="dataset-title"),
    ]
    if ds.synthetic:
        children.append(html.Span(tr("synthetic_badge", lang), className="badge-synthetic",
                                  title=tr("synthetic_note", lang), id="synthetic-badge"))
    children.append(html.A(tr("lang_switch", lang), href=switch, className="lang",
                           id="lang-switch"))
    children.extend(_user_box(state, lang))
    return html.Header(children, className="topbar")


def _local_mode() -> bool:
    """Is this request served in the single-user local mode (see :mod:`ui.auth`)?"""
    if not flask.has_request_context():
        return False
    check = flask.current_app.config.get("RISKMAP_LOCAL_MODE")
    return bool(check and check())


def _user_box(state: AppState, lang: str) -> list[Component]:
    """Who is logged in, their role and a logout button; or the local-mode badge."""
    user = access.current_user()
    if user is None:
        return []
    if _local_mode():
        return [html.Span(tr("local_mode", lang), className="badge-local", id=ids.LOCAL_BADGE,
                          title=tr("local_mode_note", lang))]
    areas = "、".join(user.districts) if user.districts else tr("all_districts", lang)
    return [
        html.Span([html.Strong(user.name), " · ", role_label(user.role, lang), " · ", areas],
                  className="user-box", id=ids.USER_BOX),
        html.Form(action="/logout", method="POST", className="logout-form", children=[
            dcc.Input(type="hidden", name="csrf", value=auth.csrf_token()),
            html.Button(tr("logout", lang), type="submit", id=ids.LOGOUT, className="btn-logout"),
        ]),
    ]


def _banner(state: AppState, lang: str) -> html.Div | None:
    """A banner over the page when the store is read-only (writes are refused with that reason)."""
    if not getattr(state.store, "read_only", False):
        return None
    return html.Div(tr("read_only_banner", lang), id=ids.READ_ONLY_BANNER,
                    className="banner-read-only", role="status")


def _notice(state: AppState, lang: str) -> html.Div | None:
    ds = state.dataset
    notes = []
    if len(ds.rejected):
        notes.append(f"{len(ds.rejected):,} {tr('rejected', lang)}")
    notes.extend(f"{name}: {msg}" for name, msg in ds.errors.items())
    return html.Div(notes, id=ids.DATA_NOTICE, className="notice") if notes else None


def build_layout(state: AppState, lang: str, *, incident: int | None = None,
                 share_error: str | None = None) -> html.Div:
    """The page: header, the tabs in the sidebar (a bottom sheet on a phone), the stores.

    ``incident``: the saved incident a share link (``/?incident=N``) names; the page opens on
    the incident tab with it in the ``SHARE_INCIDENT`` store (the incident tab opens it).
    ``share_error``: why the link's incident number was refused, shown above the tabs.
    """
    tabs = [
        dcc.Tab(label=tr(key, lang), value=value, children=module.layout(state, lang))
        for value, key, module in PANELS
        if access.can(getattr(module, "TAB_ACTION", "read")) or not flask.has_request_context()
    ]
    footer = html.Footer([
        html.Span(tr("sources", lang) + "："),
        html.Span(" · ".join(state.dataset.sources) or state.store.describe()),
    ], className="sources")
    return html.Div(
        className="page",
        children=[
            dcc.Store(id="lang", data=lang),
            dcc.Store(id=ids.MAP_CLICK),
            dcc.Store(id=ids.MAP_VIEW),
            dcc.Store(id=ids.MAP_LAYERS),
            dcc.Store(id=ids.DATA_VERSION),
            dcc.Store(id=ids.MAP_COMMAND),
            dcc.Store(id=ids.INC_CURRENT),
            dcc.Store(id=ids.IMP_REPORT_STORE),
            dcc.Store(id=ids.ZON_PARAMS),
            dcc.Store(id=ids.SHARE_INCIDENT, data=incident),
            html.Div(id=ids.MAP_COMMAND_SINK, style={"display": "none"}),
            html.Div(id=ids.MAP_MODE_SINK, style={"display": "none"}),
            _header(state, lang, incident),
            _banner(state, lang),
            html.Div(className="main", children=[
                html.Aside(className="sidebar", children=[
                    # a phone's bottom sheet is pulled up and down by this grip (hidden on desktop;
                    # assets/riskmap.js sets the sheet's height as data-sheet on the sidebar)
                    html.Div(html.Span(className="sheet-grip"), id=ids.SHEET_HANDLE,
                             className="sheet-handle", role="button", tabIndex="0",
                             title=tr("sheet_handle", lang)),
                    _notice(state, lang),
                    *([html.Div(share_error, id=ids.SHARE_NOTICE, className="notice",
                                role="alert")] if share_error else []),
                    dcc.Tabs(id=ids.TABS, value="incident" if incident else PANELS[0][0],
                             children=tabs, className="tabs"),
                    footer,
                ]),
                # the map iframe itself is in the page's HTML (see RiskDash.interpolate_index),
                # so that it loads while Dash is still starting; this keeps its place
                html.Div(className="map-space"),
            ]),
        ],
    )


def _request_lang() -> str:
    """``?lang=`` of the page; Dash fetches the layout by XHR, so look at the referrer too."""
    if not flask.has_request_context():
        return "zh"
    value = flask.request.args.get("lang")
    if value is None and flask.request.referrer:
        query = parse_qs(urlparse(flask.request.referrer).query)
        langs = query.get("lang")
        value = langs[0] if langs else None
    return norm_lang(value)


def _request_share() -> tuple[int | None, str | None]:
    """``?incident=N`` of the page (or of the layout XHR's referrer): (N, None), (None, None)
    without one, or (None, the bilingual reason) for a bad number (:mod:`data.share`)."""
    if not flask.has_request_context():
        return None, None
    query: object = flask.request.args
    if INCIDENT_PARAM not in flask.request.args and flask.request.referrer:
        query = urlparse(flask.request.referrer).query
    try:
        return parse_incident_query(query), None  # type: ignore[arg-type]
    except ValueError as exc:
        return None, str(exc)


class RiskDash(dash.Dash):
    """Dash with the map iframe written into the page's HTML, outside React.

    The browser starts loading the map at once, in parallel with Dash's own scripts, instead of
    after Dash has rendered the layout: first paint comes about a second earlier.
    """

    state: AppState
    """Set by :func:`create_app` (for tests and the CLI)."""

    def interpolate_index(self, **kwargs):
        lang = _request_lang()
        frame = (f'<iframe id="{ids.MAP_FRAME}" class="map-frame" '
                 f'src="map/analyst.html?lang={lang}" title="{tr("app_title", lang)}"></iframe>')
        kwargs["app_entry"] = kwargs["app_entry"] + frame
        return super().interpolate_index(**kwargs)


def map_page(state: AppState, lang: str) -> str:
    """The map page's HTML for the current data version (built once, then cached)."""
    version = state.version

    def build() -> str:
        fmap = build_analyst_map(
            state.dataset, lang=lang, asset_base="../assets",
            detail_url=f"../api/enterprise/{{i}}?lang={lang}&v={version}", tiles=state.tiles,
        )
        return fmap.get_root().render()

    return state.cached(("map", lang), build)


def create_app(data_dir: Path | Store, *, warm: bool = True, dataset=None,
               tiles: TileSource | None = None, config: ServeConfig | None = None) -> dash.Dash:
    """The Dash app serving the dataset in ``data_dir`` (a folder or any store).

    ``config``: how it is served (host, port, the reverse proxy's names), which decides whether
    logins are required (see :mod:`ui.auth`); default: loopback on port 8050.

    With ``warm`` the dataset is loaded now and the Chinese map page and the cordon index are
    built in a background thread, so the first visitor does not wait for them.
    """
    state = AppState(data_dir, dataset=dataset)
    state.tiles = tiles
    state.scope = access.scope
    if warm:
        state.dataset  # noqa: B018 - load (and validate) now, not on the first request

        def _warm() -> None:
            map_page(state, "zh")
            incident.exposure_index(state)

        threading.Thread(target=_warm, name="riskmap-warm", daemon=True).start()
    app = RiskDash(
        __name__,
        title="安全风险地图 risk-map",
        assets_folder=str(ASSETS),
        # Dash matches this against file names only: keep the map's own files (and vendored
        # Leaflet) out of the parent page; they are still served to the map iframe
        assets_ignore=r"^(leaflet(-src)?\.(js|css)|riskmap-map(-[a-z]+)?\.(js|css))$",
        serve_locally=True,
        compress=True,
        suppress_callback_exceptions=True,
        # Dash documents None as "don't update the title"; its annotation says str only
        update_title=None,  # type: ignore[arg-type]
    )
    app.state = state  # for tests and the CLI
    app.server.json.ensure_ascii = False  # Chinese as text in the JSON answers (API, routes)

    def serve_layout():
        incident, share_error = _request_share()
        return build_layout(state, _request_lang(), incident=incident, share_error=share_error)

    app.layout = serve_layout
    server = app.server

    @server.route("/map/analyst.html")
    def _map_page():
        lang = norm_lang(flask.request.args.get("lang"))
        resp = flask.Response(map_page(state, lang), mimetype="text/html")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @server.route("/share/<int:number>/qr.svg")
    def _share_qr(number: int):
        """The QR code of the link that opens this app on saved incident ``number``."""
        try:
            link = share_url(flask.request.url_root, number,
                             lang=norm_lang(flask.request.args.get("lang")))
        except ValueError as exc:
            return flask.jsonify({"error": str(exc)}), 404
        resp = flask.Response(qr_svg(link, title=link), mimetype="image/svg+xml")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @server.route("/share/<int:number>/briefing.pdf")
    def _share_briefing(number: int):
        """The one-page A4 field briefing of saved incident ``number`` (``?lang=zh|en``), with
        the QR code of its share link: a logged-in user (login as for the QR code); a user
        limited to districts gets 403 for an incident outside them; unknown: 404."""
        import shapely

        from data.incidents import incidents_for
        from layers.print_briefing import briefing_of, render_briefing
        from layers.print_frames import PrintMapError

        access.require("read")
        lang = norm_lang(flask.request.args.get("lang"))
        try:
            link = share_url(flask.request.url_root, number, lang=lang)
            saved = incidents_for(state.store).get(number, region=state.dataset.region)
        except KeyError:
            return flask.jsonify({"error": f"没有该事件 / no incident {number}"}), 404
        except ValueError as exc:  # a bad number, or a saved row that is no longer valid
            return flask.jsonify({"error": str(exc)}), 404
        except OSError as exc:  # the records database is busy or down
            return flask.jsonify({"error": f"数据库不可用 / the records database is "
                                           f"unavailable: {exc}"}), 503
        area = incident.district_area(state)
        if area is not None and not shapely.intersects_xy(area, saved.lon, saved.lat):
            scope = "、".join(state.dataset.scope or ())
            return flask.jsonify({"error": f"该事件不在您负责的区内（{scope}） / this incident is "
                                           f"outside your districts"}), 403
        try:
            pdf = render_briefing(state.dataset, briefing_of(saved), lang=lang, link=link,
                                  index=incident.exposure_index(state))
        except PrintMapError as exc:
            return flask.jsonify({"error": str(exc)}), 400
        resp = flask.Response(pdf, mimetype="application/pdf")
        resp.headers["Content-Disposition"] = f'inline; filename="briefing-{number}-{lang}.pdf"'
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @server.route("/api/enterprise/<int:index>")
    def _enterprise(index: int):
        lang = norm_lang(flask.request.args.get("lang"))
        if flask.request.args.get("v") not in (None, state.version):
            return flask.jsonify({"error": "data changed; reload the map"}), 409
        ents = state.dataset.enterprises
        if not 0 <= index < len(ents):
            return flask.jsonify({"error": f"no enterprise {index}"}), 404
        return flask.jsonify(enterprise_detail(ents, index, lang=lang))

    app.clientside_callback(
        ClientsideFunction(namespace="riskmap", function_name="post"),
        Output(ids.MAP_COMMAND_SINK, "children"),
        Input(ids.MAP_COMMAND, "data"),
    )
    # the open tab decides what a tap on the map does (MODE; assets/riskmap.js)
    app.clientside_callback(
        ClientsideFunction(namespace="riskmap", function_name="mode"),
        Output(ids.MAP_MODE_SINK, "children"),
        Input(ids.TABS, "value"),
    )
    for _, _, module in PANELS:
        module.register(app, state)
    auth.init_app(app, state, config or ServeConfig())
    api.init_app(server, state)
    return app
