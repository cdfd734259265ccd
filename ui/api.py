"""The JSON API under ``/api/v1`` for the bureau's other systems (指挥平台, 12345, sensors).

Same roles and district limits as the web app (:mod:`data.accounts`, :mod:`ui.access`):

- ``POST /api/v1/token`` with ``{"username", "password"}`` gives a bearer token (signed with the
  store's key, :meth:`data.sysdb.SystemDB.secret_key`, valid :data:`TOKEN_SECONDS`); send it
  back as ``Authorization: Bearer …``. A password change, a role change or disabling the user
  ends every token issued before (the user's ``session_gen``).
- Without a token, a request is served as the browser session's user (or the single-user local
  mode) when :mod:`ui.auth` has set one; else 401.
- 401 no or bad credentials, 403 wrong role or a district outside the user's, 400 bad input,
  404 no such thing, 409 a confirmation is needed; every error is ``{"error": "中文 / English"}``
  JSON, never HTML and never a traceback.

The routes and their parameters are described in :data:`OPENAPI` (served as
``/api/v1/openapi.json``).
"""

from __future__ import annotations

import inspect
import logging
import weakref
from datetime import datetime, timedelta
from typing import Any

import flask
import shapely
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.exceptions import (
    BadRequest,
    Conflict,
    Forbidden,
    HTTPException,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)

from data.accounts import ACTIONS, Accounts, AuthError, User, role_label
from data.incidents import Incident, IncidentStore, incidents_for
from data.sysdb import (
    CST,
    ReadOnlyStore,
    SchemaError,
    StoreBusy,
    StoreUnavailable,
    SystemDB,
)
from risk.cordon import DEFAULT_RADII_M, parse_radii_km, validate_incident, validate_wind
from ui import access
from ui.api_openapi import OPENAPI
from ui.state import AppState

__all__ = ["init_app", "issue_token", "user_from_token", "PREFIX", "TOKEN_SECONDS",
           "TOKEN_SALT", "DEFAULT_LIMIT", "MAX_LIMIT", "MAX_REJECTED", "OPENAPI"]

PREFIX = "/api/v1"
TOKEN_SECONDS = 12 * 3600
"""How long a token is valid (12 h: one shift)."""
TOKEN_SALT = "riskmap-api"
DEFAULT_LIMIT = 100
"""Page size of lists without ``limit``."""
MAX_LIMIT = 1000
"""Largest ``limit`` a list accepts."""
MAX_REJECTED = 1000
"""Rejected rows an import answer lists (all of them are counted)."""
IMPORT_MODES = ("update", "append", "replace")
_PATCH_FIELDS = ("lon", "lat", "radii_km", "radii_m", "type", "note", "wind_from_deg",
                 "downwind_m")

log = logging.getLogger(__name__)


# -- tokens ---------------------------------------------------------------------------------


_SERIALIZERS: weakref.WeakKeyDictionary[SystemDB, URLSafeTimedSerializer] = (
    weakref.WeakKeyDictionary())
"""The token signer of each records database (its key is made once and never changes)."""


def _serializer(state: AppState) -> URLSafeTimedSerializer:
    db = state.store.db
    signer = _SERIALIZERS.get(db)
    if signer is None:
        signer = URLSafeTimedSerializer(db.secret_key(), salt=TOKEN_SALT)
        _SERIALIZERS[db] = signer
    return signer


def issue_token(state: AppState, user: User) -> tuple[str, str]:
    """A bearer token for ``user`` and when it expires (ISO 8601, China Standard Time)."""
    token = _serializer(state).dumps({"u": user.name, "g": user.session_gen})
    expires = datetime.now(CST) + timedelta(seconds=TOKEN_SECONDS)
    return str(token), expires.isoformat(timespec="seconds")


def user_from_token(state: AppState, token: str) -> User:
    """The user a bearer token stands for; :class:`Unauthorized` when it is expired, forged,
    of a removed or disabled user, or older than the user's last password or role change."""
    try:
        data = _serializer(state).loads(token, max_age=TOKEN_SECONDS)
    except SignatureExpired:
        raise Unauthorized("令牌已过期，请重新获取 / the token has expired: ask "
                           "POST /api/v1/token for a new one") from None
    except BadSignature:
        raise Unauthorized("令牌无效 / the token is not valid") from None
    name = data.get("u") if isinstance(data, dict) else None
    user = Accounts(state.store.db).find(str(name)) if name else None
    if user is None or user.session_gen != data.get("g"):
        raise Unauthorized("令牌已失效（用户已更改或删除） / the token is no longer valid: the "
                           "user was changed or removed; ask for a new one")
    if user.disabled:
        raise Unauthorized("账户已停用 / this account is disabled")
    return user


# -- request parsing ------------------------------------------------------------------------


def _json_body() -> dict[str, Any]:
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("请求体须为 JSON 对象 / the request body must be a JSON object "
                         "(Content-Type: application/json)")
    return body


def _number(name: str, value: object, *, required: bool = True) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadRequest(f"缺少参数 {name} / `{name}` is required (a number)")
        return None
    if isinstance(value, bool):
        value = "bool"
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadRequest(f"参数 {name} 须为数字 / `{name}` must be a number, got "
                         f"{value!r}") from None


def _count(name: str, value: str | None, *, default: int, low: int, high: int) -> int:
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise BadRequest(f"参数 {name} 须为 {low}–{high} 的整数 / `{name}` must be a whole "
                         f"number from {low} to {high}, got {value!r}")
    return number


def _radii(body: dict[str, Any] | Any, *, default: tuple[float, ...] | None) -> Any:
    """Radii in metres from ``radii_km`` (text "1,5,10" or a list of km) or ``radii_m``."""
    km, metres = body.get("radii_km"), body.get("radii_m")
    if km is not None and metres is not None:
        raise BadRequest("radii_km 与 radii_m 只能给一个 / give `radii_km` or `radii_m`, not both")
    try:
        if km is not None:
            text = ",".join(str(v) for v in km) if isinstance(km, list) else str(km)
            return parse_radii_km(text)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if metres is not None:
        if not isinstance(metres, list):
            raise BadRequest(f"radii_m 须为数字列表 / `radii_m` must be a list of numbers, got "
                             f"{metres!r}")
        return metres
    return default


def _check_incident(state: AppState, lon: object, lat: object, radii: Any) -> Any:
    """The one incident validation (:func:`risk.cordon.validate_incident`) against the region
    the user sees, as a 400 with its message."""
    try:
        return validate_incident(lon, lat, radii, region=state.dataset.region)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise BadRequest(str(exc)) from None


# -- who is asking --------------------------------------------------------------------------


def _user() -> User:
    user = access.current_user()
    if user is None:
        raise Unauthorized(access.denied_message("read", None))
    return user


def _districts_shape(state: AppState) -> shapely.Geometry | None:
    """The current user's districts as one shape (``None``: not district-limited)."""
    user = _user()
    if not user.scope:
        return None

    def build() -> shapely.Geometry:
        frame = state.dataset.districts
        return shapely.union_all(frame.geometry.to_numpy()) if len(frame) else shapely.Point()

    return state.cached(("api-districts-shape",), build)


def _in_districts(state: AppState, lon: float, lat: float) -> bool:
    shape = _districts_shape(state)
    return shape is None or bool(shapely.covers(shape, shapely.Point(lon, lat)))


def _outside() -> Forbidden:
    user = _user()
    return Forbidden(f"该位置不在您负责的区内（{'、'.join(user.districts)}） / this place is "
                     f"outside your districts ({', '.join(user.districts)})")


def _incidents(state: AppState) -> IncidentStore:
    return incidents_for(state.store)


def _own_incident(state: AppState, incident_id: int) -> Incident:
    try:
        incident = _incidents(state).get(incident_id)
    except KeyError:
        raise NotFound(f"没有该事件 / no incident {incident_id}") from None
    except ValueError as exc:
        raise Conflict(f"保存的事件无效 / the saved incident {incident_id} is not valid: "
                       f"{exc}") from None
    if not _in_districts(state, incident.lon, incident.lat):
        raise _outside()
    return incident


def _incident_json(incident: Incident) -> dict[str, Any]:
    return incident.to_dict()


# -- the blueprint --------------------------------------------------------------------------


def _error(exc: HTTPException) -> tuple[flask.Response, int]:
    code = exc.code or 500
    text = exc.description or ""
    if code == 404 and "not found on the server" in text:
        text = f"没有该接口 / no such API route: {flask.request.method} {flask.request.path}"
    elif code == 405:
        text = (f"该接口不支持 {flask.request.method} / {flask.request.method} is not allowed "
                f"here; allowed: {', '.join(getattr(exc, 'valid_methods', None) or [])}")
    elif code == 413:
        text = "文件过大 / the upload is too large"
    response = flask.jsonify({"error": text})
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="riskmap"'
    return response, code


def _failure(exc: Exception) -> tuple[flask.Response, int]:
    if isinstance(exc, (StoreBusy, StoreUnavailable, SchemaError)):
        return _error(ServiceUnavailable(str(exc)))
    if isinstance(exc, ReadOnlyStore):
        return _error(Conflict(str(exc)))
    log.exception("API %s %s failed", flask.request.method, flask.request.path)
    return flask.jsonify({"error": "服务器内部错误，已记录 / internal error; it was logged"}), 500


def _blueprint(state: AppState) -> flask.Blueprint:
    bp = flask.Blueprint("api_v1", __name__, url_prefix=PREFIX)
    public = {"api_v1.token", "api_v1.openapi"}

    @bp.before_request
    def _authenticate() -> None:
        if flask.request.endpoint in public:
            return
        header = flask.request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("Authorization 须为 “Bearer 令牌” / the Authorization header "
                                   "must be `Bearer <token>` (from POST /api/v1/token)")
            access.set_current_user(user_from_token(state, token.strip()))
        elif access.current_user() is None:
            raise Unauthorized("请先获取令牌 / no credentials: send `Authorization: Bearer "
                               "<token>` (from POST /api/v1/token)")

    @bp.post("/token")
    def token():
        body = _json_body()
        name, password = body.get("username"), body.get("password")
        if not isinstance(name, str) or not isinstance(password, str) or not name:
            raise BadRequest("须提供 username 与 password（字符串） / give `username` and "
                             "`password` as strings")
        try:
            user = Accounts(state.store.db).authenticate(name, password, source="api")
        except AuthError as exc:
            raise Unauthorized(str(exc)) from None
        token, expires = issue_token(state, user)
        return flask.jsonify({"access_token": token, "expires_at": expires,
                              "token_type": "Bearer", "role": user.role,
                              "districts": list(user.districts)})

    @bp.get("/me")
    def me():
        user = _user()
        return flask.jsonify({"name": user.name, "role": user.role,
                              "role_zh": role_label(user.role), "districts": list(user.districts),
                              "actions": sorted(a for a in ACTIONS if user.can(a))})

    @bp.get("/cordon")
    def cordon():
        from ui.commands.cordon import cordon_json
        from ui.panels.incident import exposure_index, parse_wind

        access.require("read")
        args = flask.request.args
        lon, lat = _number("lon", args.get("lon")), _number("lat", args.get("lat"))
        radii = _radii({"radii_km": args.get("radii_km")} if args.get("radii_km") else {},
                       default=DEFAULT_RADII_M)
        try:
            wind = parse_wind(args.get("wind_from"))
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        place = _check_incident(state, lon, lat, radii)
        reach = None
        if args.get("downwind_km"):
            reach = _number("downwind_km", args.get("downwind_km")) * 1000.0
        try:
            wind, reach = validate_wind(wind, reach, radii_m=place.radii_m)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        dataset = state.dataset
        return flask.jsonify(cordon_json(dataset, place, wind_from_deg=wind, downwind_m=reach,
                                         index=exposure_index(state)))

    @bp.get("/incidents")
    def list_incidents():
        access.require("read")
        offset = _count("offset", flask.request.args.get("offset"), default=0, low=0,
                        high=10**9)
        limit = _count("limit", flask.request.args.get("limit"), default=DEFAULT_LIMIT, low=1,
                       high=MAX_LIMIT)
        search = (flask.request.args.get("search") or "").strip() or None
        store, within = _incidents(state), _districts_shape(state)
        total = store.count(search=search, within=within)
        page = store.list(offset=offset, limit=limit, search=search, within=within)
        return flask.jsonify({"total": total, "offset": offset, "limit": limit,
                              "incidents": [_incident_json(i) for i in page]})

    @bp.post("/incidents")
    def create_incident():
        user = access.require("incident.write")
        body = _json_body()
        unknown = sorted(set(body) - set(_PATCH_FIELDS))
        if unknown:
            raise BadRequest(f"未知字段 / unknown fields: {', '.join(unknown)}; fields: "
                             f"{', '.join(_PATCH_FIELDS)}")
        place = _check_incident(state, _number("lon", body.get("lon")),
                                _number("lat", body.get("lat")),
                                _radii(body, default=DEFAULT_RADII_M))
        if not _in_districts(state, place.lon, place.lat):
            raise _outside()
        try:
            incident = Incident.from_cordon(place, type=body.get("type") or "other",
                                            note=body.get("note") or "",
                                            wind_from_deg=body.get("wind_from_deg"),
                                            downwind_m=body.get("downwind_m"))
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        new_id = _incidents(state).add(incident, actor=user.name)
        return flask.jsonify(_incident_json(_incidents(state).get(new_id))), 201

    @bp.get("/incidents/<int:incident_id>")
    def get_incident(incident_id: int):
        access.require("read")
        incident = _own_incident(state, incident_id)
        return flask.jsonify({**_incident_json(incident),
                              "history": _incidents(state).history(incident_id)})

    @bp.patch("/incidents/<int:incident_id>")
    def update_incident(incident_id: int):
        user = access.require("incident.write")
        body = _json_body()
        unknown = sorted(set(body) - set(_PATCH_FIELDS))
        if unknown or not body:
            raise BadRequest(f"可更改的字段 / fields that can be changed: "
                             f"{', '.join(_PATCH_FIELDS)}; got {', '.join(unknown) or 'none'}")
        old = _own_incident(state, incident_id)
        lon = _number("lon", body["lon"]) if "lon" in body else old.lon
        lat = _number("lat", body["lat"]) if "lat" in body else old.lat
        place = _check_incident(state, lon, lat, _radii(body, default=old.radii_m))
        if not _in_districts(state, place.lon, place.lat):
            raise _outside()
        fields: dict[str, Any] = {"lon": place.lon, "lat": place.lat, "radii_m": place.radii_m}
        fields = {k: v for k, v in fields.items() if v != getattr(old, k)}
        for name in ("type", "note"):
            if name in body:
                fields[name] = body[name] if body[name] is not None else ""
        for name in ("wind_from_deg", "downwind_m"):
            if name in body:
                fields[name] = body[name]
        try:
            new = _incidents(state).update(incident_id, actor=user.name, **fields)
        except KeyError:
            raise NotFound(f"没有该事件 / no incident {incident_id}") from None
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        return flask.jsonify(_incident_json(_incidents(state).get(new.id or incident_id)))

    @bp.delete("/incidents/<int:incident_id>")
    def delete_incident(incident_id: int):
        user = access.require("incident.write")
        _own_incident(state, incident_id)
        try:
            _incidents(state).delete(incident_id, actor=user.name)
        except KeyError:
            raise NotFound(f"没有该事件 / no incident {incident_id}") from None
        return flask.jsonify({"deleted": incident_id})

    @bp.post("/import/<layer>")
    def import_file(layer: str):
        return _import(state, layer)

    @bp.get("/audit")
    def audit():
        from ui.commands.audit import parse_since

        access.require("audit")
        args = flask.request.args
        try:
            since = parse_since(args["since"]) if args.get("since") else None
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        limit = _count("limit", args.get("limit"), default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
        rows = state.store.db.audit_rows(since=since, limit=limit,
                                         action=args.get("action") or None)
        return flask.jsonify({"rows": rows, "count": len(rows)})

    @bp.get("/openapi.json")
    def openapi():
        return flask.jsonify(OPENAPI)

    @bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def unknown(rest: str):
        """404 for a path no route has, 405 for a method a route does not take (Dash's
        catch-all page route would otherwise answer 200 with HTML)."""
        adapter = flask.current_app.create_url_adapter(flask.request)
        methods = []
        for method in ("GET", "POST", "PATCH", "DELETE"):
            try:
                endpoint, _ = adapter.match(method=method)  # type: ignore[union-attr]
            except HTTPException:
                continue
            if endpoint != "api_v1.unknown":
                methods.append(method)
        if methods:
            raise MethodNotAllowed(valid_methods=methods)
        raise NotFound()

    bp.register_error_handler(HTTPException, _error)
    bp.register_error_handler(Exception, _failure)
    from ui.api_resources import register as register_resources  # GET /nearest (issue 14)
    register_resources(bp, state)
    return bp


def _import(state: AppState, layer: str) -> Any:
    from data.importer import import_layer, preview_replace
    from data.schema import LAYERS, RASTER_LAYERS

    user = access.require("import")
    if user.scope:
        raise Forbidden("按区限定的用户不能导入（导入会改动全部区的数据） / a user limited to some "
                        "districts cannot import: an import changes every district's records")
    if layer not in LAYERS and layer not in RASTER_LAYERS:
        raise NotFound(f"没有该图层 / no layer {layer!r}; layers: "
                       f"{', '.join([*LAYERS, *RASTER_LAYERS])}")
    upload = flask.request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest("缺少文件 / multipart field `file` (the file to import) is missing")
    mode = (flask.request.form.get("mode") or "update").strip().lower()
    if mode not in IMPORT_MODES:
        raise BadRequest(f"导入方式无效 / `mode` must be one of {', '.join(IMPORT_MODES)}, "
                         f"got {mode!r}")
    if mode == "replace" and layer in LAYERS:
        going = preview_replace(state.store, layer)
        if going and (flask.request.form.get("confirm") or "").strip().lower() != "yes":
            response = flask.jsonify({
                "error": f"替换将删除图层 {layer} 现有的全部 {going} 行；确认请加 confirm=yes / "
                         f"replace removes all {going} rows of {layer} now there: send "
                         f"confirm=yes to go ahead",
                "rows_to_remove": going})
            return response, 409
    data = upload.read()
    options: dict[str, Any] = {"filename": upload.filename, "mode": mode}
    if "actor" in inspect.signature(import_layer).parameters:
        options["actor"] = user.name
    try:
        result = import_layer(state.store, layer, data, **options)
    except (TypeError, ValueError) as exc:  # ImportFileError is a ValueError
        raise BadRequest(str(exc)) from None
    rejected = result.rejected
    return flask.jsonify({
        "layer": layer, "mode": getattr(result, "mode", "") or mode,
        "total_rows": int(result.total_rows), "accepted": int(result.accepted_count),
        "rejected": int(result.rejected_count),
        "rejected_rows": _records(rejected.head(MAX_REJECTED)),
        "rejected_listed": min(len(rejected), MAX_REJECTED), "rejected_problems": len(rejected),
        "written": bool(result.written), "refused": bool(result.refused),
        "added": getattr(result, "added", None), "changed": getattr(result, "changed", None),
        "removed": getattr(result, "removed", None), "version": getattr(result, "version", None),
        "warnings": list(result.warnings),
    })


def _records(frame: Any) -> list[dict[str, Any]]:
    import json

    return json.loads(frame.to_json(orient="records", force_ascii=False, default_handler=str))


def init_app(server: flask.Flask, state: AppState) -> None:
    """Register the ``/api/v1`` routes on ``server``."""
    server.register_blueprint(_blueprint(state))
