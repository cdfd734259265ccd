"""Logins for the web app: sessions, the login page, the request checks and the callback gate.

Every request passes through one ``before_request`` hook (:func:`init_app`), in this order:

1. **Host** must be a name this app is served as (:meth:`ServeConfig.host_allowed`): the served
   host, its loopback forms, ``allowed_hosts`` (the reverse proxy's names); else 400 (DNS
   rebinding).
2. **Origin**: a state-changing request (POST, PUT, PATCH, DELETE) that is not authenticated by
   a bearer token must carry an ``Origin`` (or ``Referer``) of this same host; else 403 (CSRF).
3. **Who is asking**: in the single-user local mode (served on loopback and no account exists,
   checked on every request) everyone is the admin-role :data:`data.accounts.LOCAL_USER`;
   otherwise the signed session cookie names a user and its ``session_gen``, and the user is
   re-read from :class:`data.accounts.Accounts` (disabled, password or role changed: the old
   session stops working). :func:`ui.access.set_current_user` records the answer.
4. **Login required** for every route except :data:`OPEN_PREFIXES` (the login page, static
   files, the API's token and OpenAPI routes; ``/api/v1`` requests with ``Authorization: Bearer``
   are left to :mod:`ui.api`). A browser page without a login is sent to ``/login``; anything
   else gets 401 JSON.
5. **Callback gate**: ``POST /_dash-update-component`` is allowed only if the user may do the
   strictest action of the callback's outputs, looked up in the ``CALLBACK_ACTIONS`` dicts of
   the panel modules (see :mod:`ui.access`); refused: 403 JSON with a bilingual message.

Settings: ``$RISKMAP_MAX_UPLOAD_MB`` (the upload limit, see :mod:`data.uploads`),
``$RISKMAP_SECURE_COOKIES=1``
(the session cookie only over HTTPS, behind the bureau's TLS reverse proxy).

Every response gets the security headers (an ``after_request`` hook): a Content-Security-Policy
(:func:`content_security_policy`) without ``'unsafe-inline'`` or ``'unsafe-eval'`` scripts (the
inline scripts of Dash's index page and of the map page are allowed by their sha256 hashes,
computed from the rendered HTML), ``X-Frame-Options``, ``X-Content-Type-Options``,
``Referrer-Policy``. A request too large to carry an upload within
:func:`data.uploads.max_upload_bytes` (``$RISKMAP_MAX_UPLOAD_MB``, the one home of that limit)
is refused with 413 and a bilingual JSON message before it is read (:func:`request_limit_bytes`);
the import tab checks the file itself against the same limit. The login page is plain HTML (no Dash, no script); logout is a POST with
the session's form token (:func:`csrf_token`) and is audited.
"""

from __future__ import annotations

import base64
import hashlib
import html
import ipaddress
import json
import os
import re
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from urllib.parse import quote, urlparse

import dash
import flask
import flask_login
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from data import uploads
from data.accounts import ACTIONS, LOCAL_USER, ROLES, Accounts, AuthError, User
from ui import access
from ui.state import AppState, BoundedCache

__all__ = ["ServeConfig", "init_app", "request_limit_bytes", "SESSION_HOURS",
           "OPEN_PREFIXES", "local_user", "callback_actions", "callback_action", "script_hashes",
           "content_security_policy", "safe_next", "csrf_token"]

SESSION_HOURS = 12
"""A login lasts this long from the moment of logging in (the signed session cookie and the
signature both expire; no "remember me" cookie)."""

REQUEST_OVERHEAD_BYTES = 1024 * 1024
"""Room for the rest of a callback request beside an uploaded file (its JSON, the file name)."""


def request_limit_bytes(file_bytes: int) -> int:
    """Flask's ``MAX_CONTENT_LENGTH`` for uploads of up to ``file_bytes``: the Dash upload posts
    the file base64-encoded (4 bytes for 3) inside the callback's JSON.

    >>> request_limit_bytes(3 * 1024 * 1024) == 5 * 1024 * 1024
    True
    """
    return -(-file_bytes * 4 // 3) + REQUEST_OVERHEAD_BYTES


OPEN_PREFIXES = ("/login", "/assets/", "/_dash-component-suites/", "/_favicon.ico",
                 "/api/v1/token", "/api/v1/openapi.json", "/healthz")
"""Paths served without a login (the login page, static files, the API's token route, the
health check of the reverse proxy, which shows only the worker's pid and data version)."""

_STATIC = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/api/v1/token",
           "/api/v1/openapi.json", "/healthz")
"""Open paths that do not even look up the user (static files, the API's own open routes)."""

_PAGES = ("/", "/map/analyst.html")
"""The HTML pages whose inline scripts the CSP allows by hash."""

_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_WILDCARD = ("", "0.0.0.0", "::")
_STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
_CSRF_KEY = "riskmap_csrf"


@dataclass(frozen=True)
class ServeConfig:
    """How the app is served: what the login and request checks depend on."""

    host: str = "127.0.0.1"
    port: int = 8050
    allowed_hosts: tuple[str, ...] = ()
    """Further Host names the app answers to (the bureau's reverse proxy, e.g. risk.example.gov.cn);
    ``name`` (any port) or ``name:port``."""

    @property
    def loopback(self) -> bool:
        """Served on this machine only (the single-user local mode is possible).

        >>> [ServeConfig(h).loopback for h in ("127.0.0.1", "127.0.1.1", "::1", "0.0.0.0")]
        [True, True, True, False]
        """
        name = self.host.strip("[]").lower()
        if name in _LOOPBACK:
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    def host_allowed(self, host_header: str) -> bool:
        """Is ``host_header`` (the request's ``Host``, maybe with a port) a name of this app?

        The name is what defeats DNS rebinding (the attacker's page has the attacker's name), so
        the port is not compared, except for an ``allowed_hosts`` entry that names one: a
        forwarded port (``ssh -L 9000:localhost:8050``) or a test server keeps working.

        >>> cfg = ServeConfig("127.0.0.1", 8050)
        >>> cfg.host_allowed("localhost:8050"), cfg.host_allowed("127.0.0.1:9000")
        (True, True)
        >>> cfg.host_allowed("evil.example:8050"), cfg.host_allowed("127.0.0.1.nip.io")
        (False, False)
        >>> ServeConfig("0.0.0.0", 80, ("risk.example.gov.cn",)).host_allowed("risk.example.gov.cn")
        True
        """
        name, port = _split_host(host_header)
        if name is None:
            return False
        for entry in self.allowed_hosts:
            want, want_port = _split_host(entry)
            if want == name and (want_port is None or want_port == port):
                return True
        served = self.host.strip("[]").lower()
        names = {served}
        if self.loopback:
            names.update(_LOOPBACK)
        if served in _WILDCARD:
            # any interface: its IP literals (a rebinding attack needs a DNS name) and the
            # machine's own names
            names.update(_LOOPBACK)
            names.update(n.lower() for n in (socket.gethostname(), socket.getfqdn()))
            if _is_ip(name):
                return True
        return name in names


def _split_host(value: str) -> tuple[str | None, int | None]:
    """``("name", port)`` of a Host header or ``host[:port]`` text (``None`` name: malformed)."""
    text = (value or "").strip().lower()
    if not text or any(c in text for c in "/@ \\"):
        return None, None
    try:
        parsed = urlparse(f"//{text}")
        port = parsed.port
    except ValueError:
        return None, None
    return parsed.hostname, port


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def local_user() -> User:
    """The user of the single-user local mode: the admin role, every district."""
    return User(name=LOCAL_USER, role="admin")


# -- the callback gate ---------------------------------------------------------------------------

_RANK = {role: i for i, role in enumerate(ROLES)}


def _strictest(actions: Iterable[str]) -> str:
    return max(actions, key=lambda a: _RANK[ACTIONS[a]], default="read")


def callback_actions(modules: Iterable[ModuleType]) -> dict[str, str]:
    """``{output component id: action}`` from the ``CALLBACK_ACTIONS`` of ``modules`` (where two
    modules name the same output, the stricter action wins)."""
    table: dict[str, str] = {}
    for module in modules:
        for output, action in getattr(module, "CALLBACK_ACTIONS", {}).items():
            if action not in ACTIONS:
                msg = (f"{module.__name__}.CALLBACK_ACTIONS[{output!r}]: unknown action "
                       f"{action!r}; valid: {', '.join(ACTIONS)}")
                raise ValueError(msg)
            table[output] = _strictest([action, table.get(output, "read")])
    return table


def _output_ids(callback_key: str) -> list[str]:
    """The component ids a Dash callback key names (``"a.b"``, ``"..a.b...c.d.."``, pattern ids
    as JSON: their ``type``; an ``@hash`` of ``allow_duplicate`` dropped)."""
    key = callback_key.strip(".")
    parts = key.split("...") if callback_key.startswith("..") else [key]
    found = []
    for part in parts:
        part = part.split("@", 1)[0]
        if part.startswith("{"):
            end = part.rfind("}")
            try:
                pattern = json.loads(part[:end + 1])
            except ValueError:
                found.append(part)
                continue
            found.append(str(pattern.get("type", part)))
        else:
            found.append(part.rsplit(".", 1)[0])
    return found


def callback_action(callback_key: str, table: dict[str, str]) -> str:
    """The action a Dash callback (its ``callback_map`` key) needs: the strictest of its outputs."""
    return _strictest(table[o] for o in _output_ids(callback_key) if o in table)


# -- security headers ----------------------------------------------------------------------------

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.I)
_JS_TYPES = ("", "text/javascript", "application/javascript", "module")


def script_hashes(page: str) -> tuple[str, ...]:
    """The CSP source expressions (``'sha256-…'``) of the inline scripts of ``page`` that a
    browser runs (JSON data blocks and ``src=`` scripts need none).

    >>> script_hashes('<script>alert(1)</script><script type="application/json">{}</script>')
    ("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='",)
    """
    out: list[str] = []
    for attrs, body in _SCRIPT.findall(page):
        kind = _TYPE.search(attrs)
        if re.search(r"\bsrc\s*=", attrs, re.I) or (kind and kind.group(1).lower() not in
                                                    _JS_TYPES):
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        token = f"'sha256-{digest}'"
        if token not in out:
            out.append(token)
    return tuple(out)


def content_security_policy(hashes: Iterable[str] = (), *, tiles_url: str | None = None) -> str:
    """The Content-Security-Policy of a response: scripts from this server (and the inline scripts
    named by ``hashes``), inline styles (Dash and Leaflet set them), images also from the tile
    server of ``tiles_url``; framed by this site only."""
    img = ["'self'", "data:", "blob:"]
    if tiles_url:
        parsed = urlparse(tiles_url.replace("{s}", "*"))
        if parsed.scheme in ("http", "https") and parsed.netloc:
            img.append(f"{parsed.scheme}://{parsed.netloc}")
    return "; ".join([
        "default-src 'self'",
        "script-src " + " ".join(["'self'", *hashes]),
        "style-src 'self' 'unsafe-inline'",
        "img-src " + " ".join(img),
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


# -- the login page ------------------------------------------------------------------------------

_LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 / Log in · 安全风险地图 risk-map</title>
<link rel="stylesheet" href="/assets/riskmap-login.css"></head>
<body class="login-page"><main class="login-box">
<h1>安全风险地图 <span class="en">Risk map</span></h1>
<h2>登录 <span class="en">/ Log in</span></h2>
{error}
<form method="post" action="/login" autocomplete="on">
<input type="hidden" name="next" value="{next}">
<input type="hidden" name="csrf" value="{csrf}">
<label for="username">用户名 <span class="en">/ User name</span></label>
<input id="username" name="username" type="text" value="{username}" maxlength="64" required
 autofocus autocomplete="username">
<label for="password">密码 <span class="en">/ Password</span></label>
<input id="password" name="password" type="password" maxlength="256" required
 autocomplete="current-password">
<button type="submit" id="login-submit">登录 / Log in</button>
</form>
<p class="login-note">账户由系统管理员用 <code>riskmap users add</code> 创建 /
accounts are created by the administrator with <code>riskmap users add</code></p>
</main></body></html>
"""


def safe_next(value: str | None) -> str:
    """A same-site path to go to after logging in (anything else: ``/``).

    >>> safe_next("/?lang=en"), safe_next("//evil.example/"), safe_next("https://evil.example")
    ('/?lang=en', '/', '/')
    >>> safe_next("/\\\\evil.example"), safe_next(None)
    ('/', '/')
    """
    text = (value or "").strip()
    if (not text.startswith("/") or text.startswith("//") or "\\" in text
            or any(ord(c) < 32 for c in text)):
        return "/"
    parsed = urlparse(text)
    if parsed.scheme or parsed.netloc:
        return "/"
    return text


def csrf_token() -> str:
    """This session's token for the forms of the app (login, logout)."""
    token = flask.session.get(_CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(24)
        flask.session[_CSRF_KEY] = token
    return token


def _login_page(*, error: str = "", username: str = "", next_path: str = "/",
                status: int = 200) -> flask.Response:
    body = _LOGIN_PAGE.format(
        error=(f'<p class="login-error" role="alert">{html.escape(error)}</p>' if error else ""),
        next=html.escape(next_path), csrf=html.escape(csrf_token()),
        username=html.escape(username))
    resp = flask.Response(body, status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp


# -- sessions ------------------------------------------------------------------------------------


class _SessionUser(flask_login.UserMixin):
    """What Flask-Login keeps: the user's name and the ``session_gen`` they logged in with."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.session_gen}:{self.user.name}"


def _json_error(message: str, status: int) -> flask.Response:
    resp = flask.jsonify({"error": message, "status": status})
    resp.status_code = status
    return resp


def _wants_page() -> bool:
    """A browser navigating to a page (send it to the login page), not an XHR or an API call."""
    req = flask.request
    if req.method != "GET" or req.path.startswith(("/_dash-", "/api/")):
        return False
    return "text/html" in (req.headers.get("Accept") or "") or req.path in _PAGES


def _bearer() -> bool:
    return (flask.request.headers.get("Authorization") or "").lower().startswith("bearer ")


def _same_origin(req: flask.Request) -> bool:
    source = req.headers.get("Origin") or req.headers.get("Referer") or ""
    if not source or source == "null":
        return False
    try:
        netloc = urlparse(source).netloc.lower()
    except ValueError:
        return False
    return bool(netloc) and netloc == (req.host or "").lower()


def init_app(app: dash.Dash, state: AppState, config: ServeConfig) -> None:
    """Install logins, the request checks, the callback gate and the security headers on ``app``.

    Call it after every panel has registered its callbacks (the gate reads ``app.callback_map``
    and the panels' ``CALLBACK_ACTIONS``)."""
    server = app.server
    db = state.store.db
    file_limit = uploads.max_upload_bytes()  # ValueError naming $RISKMAP_MAX_UPLOAD_MB if bad
    accounts = Accounts(db)
    server.secret_key = db.secret_key()
    server.config.update(
        SESSION_COOKIE_NAME="riskmap_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        SESSION_REFRESH_EACH_REQUEST=False,  # 12 h from the login, however busy (one shift)
        REMEMBER_COOKIE_DURATION=timedelta(seconds=0),
        MAX_CONTENT_LENGTH=request_limit_bytes(file_limit),
        # behind the bureau's HTTPS reverse proxy: send the cookie over HTTPS only
        SESSION_COOKIE_SECURE=os.environ.get("RISKMAP_SECURE_COOKIES", "") in ("1", "true",
                                                                                "yes"),
    )
    manager = flask_login.LoginManager()
    manager.session_protection = "basic"
    manager.init_app(server)

    @manager.user_loader
    def _load(user_id: str) -> _SessionUser | None:
        gen, _, name = user_id.partition(":")
        user = accounts.find(name)
        if user is None or user.disabled or str(user.session_gen) != gen:
            return None
        return _SessionUser(user)

    from ui import app as ui_app  # the panels list; imported here, ui.app imports this module

    modules = [module for _, _, module in ui_app.PANELS]
    gate: dict[str, str] = {}  # callback key -> action, built on the first callback request

    def _gate_action(key: str) -> str:
        if not gate:
            table = callback_actions(modules)
            gate.update({k: callback_action(k, table) for k in app.callback_map})
        return gate.get(key, "read")

    known: dict[str, int] = {}  # the last user count read, kept for when the database is down

    def _local_mode() -> bool:
        if not config.loopback:
            return False
        try:
            known["users"] = accounts.count()
        except OSError:
            if "users" not in known:
                raise
        return known["users"] == 0

    server.config["RISKMAP_LOCAL_MODE"] = _local_mode  # for the header (ui.app)

    @server.before_request
    def _check() -> BaseResponse | None:
        req = flask.request
        if not config.host_allowed(req.host):
            return _json_error("错误的 Host 请求头 / bad Host header: this server does not answer "
                               f"to {req.host!r}", 400)
        bearer = _bearer() and req.path.startswith("/api/v1/")
        if req.path.startswith(_STATIC) or bearer:
            access.set_current_user(None)  # static files need nobody; ui.api judges the token
            return None
        try:
            local = _local_mode()
        except OSError as exc:  # the records database is down or busy
            return _json_error(f"数据库不可用 / the records database is unavailable: {exc}", 503)
        # CSRF: a write that the browser's ambient credentials would authenticate (the session
        # cookie, or being on this machine in local mode) must come from this site; a request
        # with no credentials at all falls through to the 401 below
        ambient = local or server.config["SESSION_COOKIE_NAME"] in req.cookies
        if (req.method in _STATE_CHANGING and ambient and not _same_origin(req)):
            return _json_error("跨站请求被拒绝 / cross-site request refused: the Origin or "
                               "Referer must be this site", 403)
        try:
            if local:
                user: User | None = local_user()
            else:
                who = flask_login.current_user
                user = who.user if who.is_authenticated else None
        except OSError as exc:  # the records database is down or busy
            return _json_error(f"数据库不可用 / the records database is unavailable: {exc}", 503)
        access.set_current_user(user)
        if req.path.startswith(OPEN_PREFIXES):
            return None
        if user is None:
            if _wants_page():
                target = quote(req.full_path.rstrip("?"), safe="/")
                return flask.redirect(f"/login?next={target}")
            return _json_error(access.denied_message("read", None), 401)
        if req.path == "/_dash-update-component" and req.method == "POST":
            body = req.get_json(silent=True) or {}
            try:
                access.require(_gate_action(str(body.get("output", ""))))
            except HTTPException as exc:
                return _json_error(str(exc.description), exc.code or 403)
        return None

    @server.route("/login", methods=["GET", "POST"])
    def _login() -> BaseResponse:
        req = flask.request
        next_path = safe_next(req.values.get("next"))
        if req.method == "GET":
            if access.current_user() is not None:
                return flask.redirect(next_path)
            return _login_page(next_path=next_path)
        name = (req.form.get("username") or "").strip()[:64]
        if not secrets.compare_digest(req.form.get("csrf") or "", csrf_token()):
            return _login_page(error="页面已过期，请重试 / the page expired, please try again",
                               username=name, next_path=next_path, status=400)
        try:
            user = accounts.authenticate(name, req.form.get("password") or "",
                                         source=f"web {req.remote_addr or ''}".strip())
        except AuthError as exc:
            return _login_page(error=str(exc), username=name, next_path=next_path, status=401)
        except OSError as exc:
            return _login_page(error=f"数据库不可用 / the records database is unavailable: {exc}",
                               username=name, next_path=next_path, status=503)
        flask.session.clear()  # a fresh session (no fixation)
        flask.session.permanent = True
        csrf_token()  # made now, so that no later (concurrent) request has to change the cookie
        flask_login.login_user(_SessionUser(user), remember=False)
        return flask.redirect(next_path)

    @server.route("/logout", methods=["POST"])
    def _logout() -> BaseResponse:
        req = flask.request
        if not secrets.compare_digest(req.form.get("csrf") or "", flask.session.get(_CSRF_KEY)
                                      or "-"):
            return _json_error("页面已过期，请重试 / the page expired, please try again", 400)
        user = access.current_user()
        if user is not None and user.name != LOCAL_USER:
            try:
                with db.transaction() as conn:
                    db.audit(conn, actor=user.name, action="logout", target=user.name)
            except OSError:
                pass  # the session ends anyway
        flask_login.logout_user()
        flask.session.clear()
        return flask.redirect("/login")

    @server.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc: RequestEntityTooLarge) -> flask.Response:
        mb = round(file_limit / 1024 / 1024, 1)
        return _json_error(f"上传内容过大：文件上限 {mb:g} MB / upload too large: files may have "
                           f"up to {mb:g} MB ($RISKMAP_MAX_UPLOAD_MB)", 413)

    hashes_cache = BoundedCache(8)
    tiles = getattr(state, "tiles", None)
    tiles_url = getattr(tiles, "url", None)
    plain_csp = content_security_policy(tiles_url=tiles_url)

    @server.after_request
    def _headers(resp: flask.Response) -> flask.Response:
        csp = plain_csp
        if (flask.request.path in _PAGES and resp.mimetype == "text/html"
                and not resp.direct_passthrough and resp.status_code == 200):
            body = resp.get_data()
            key = (hashlib.sha256(body).hexdigest(),)
            found = hashes_cache.get(key)
            if found is None:
                found = script_hashes(body.decode("utf-8", "replace"))
                hashes_cache.put(key, found)
            csp = content_security_policy(found, tiles_url=tiles_url)  # type: ignore[arg-type]
        resp.headers["Content-Security-Policy"] = csp
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        return resp
