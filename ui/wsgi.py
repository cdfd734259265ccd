"""The WSGI application one server process runs: waitress (one process) or a gunicorn worker.

``riskmap serve`` builds it with :func:`create_wsgi_app`; with ``--workers N`` every gunicorn
worker calls it itself after the fork (nothing is loaded before: a worker's SQLite or
PostgreSQL connections and its dataset are its own). On top of :func:`ui.app.create_app` it
adds what serving several processes needs:

- every request reads the store's data version once (:func:`ui.state.request_scope`), so an
  import, undo or incident made through another worker (or the CLI) is seen on the next
  request, at about 0.25 ms per request on a file store;
- ``GET /healthz`` (no login needed): ``{"ok", "pid", "data_version", "store"}``, 503 with
  ``ok: false`` while the store cannot be reached (pages keep serving the dataset as loaded);
- an ``X-Riskmap-Worker: <pid>`` header on every response (which worker answered);
- a store that is down or busy while running answers 503 with a bilingual message (JSON for
  the API and Dash's callbacks, a short page otherwise) instead of a 500; the app recovers by
  itself when the store is back (PostgreSQL connections are checked before use).

For another WSGI server, ``ui.wsgi:application`` serves ``$RISKMAP_STORE`` or
``$RISKMAP_DATA`` (e.g. ``gunicorn 'ui.wsgi:application'``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import html
import os
from pathlib import Path
from typing import Any

import flask

from data.store import Store, open_store
from data.sysdb import StoreBusy, StoreUnavailable
from ui.auth import ServeConfig
from ui.state import request_scope

__all__ = ["create_wsgi_app", "create_dash_app", "HEALTH_PATH", "WORKER_HEADER"]

HEALTH_PATH = "/healthz"
"""Liveness and data version of the answering worker; open without login (for the reverse
proxy's and the tests' checks)."""

WORKER_HEADER = "X-Riskmap-Worker"
"""Response header naming the process (pid) that answered."""

UNAVAILABLE = ("数据库暂时无法访问，请稍后重试 / the database cannot be reached just now; "
               "try again in a moment")


def _wants_json() -> bool:
    path = flask.request.path
    return (path.startswith(("/api/", "/_dash-")) or path == HEALTH_PATH
            or flask.request.accept_mimetypes.best == "application/json")


def _unavailable(exc: BaseException) -> flask.Response:
    busy = isinstance(exc, StoreBusy)
    message = str(exc) if busy else f"{UNAVAILABLE} ({exc})"
    if flask.request.path == HEALTH_PATH:  # refused before the route ran (e.g. the login check)
        resp = flask.jsonify({"ok": False, "pid": os.getpid(), "error": message})
    elif _wants_json():
        resp = flask.jsonify({"error": message, "status": 503})
    else:
        resp = flask.Response(
            '<!doctype html><html lang="zh"><meta charset="utf-8"><title>503 risk-map</title>'
            f"<h1>暂时无法服务 / temporarily unavailable</h1><p>{html.escape(message)}</p>"
            "<p>请稍后刷新 / reload this page in a moment</p></html>", mimetype="text/html")
    resp.status_code = 503
    resp.headers["Retry-After"] = "5"
    return resp


TRIM_AFTER_BYTES = 64 << 10
"""After a request with a body at least this large (an upload), freed memory is handed back."""


def _libc_trim() -> Any:
    """glibc's ``malloc_trim`` (``None`` elsewhere): Python frees the buffers of a refused
    upload, but glibc keeps the pages in its arenas, so a server that refused a few hostile
    files would stay 100+ MB larger; ``malloc_trim(0)`` returns them to the system."""
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None)
    except OSError:
        return None


_TRIM = _libc_trim()


def release_memory() -> bool:
    """Hand freed heap memory back to the system (glibc); ``False`` where that is not possible."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True


def install(server: flask.Flask, state: Any) -> None:
    """Add the per-request data version, ``/healthz``, the worker header and the 503 pages to
    ``server`` (the Flask server of :func:`ui.app.create_app`, whose state is ``state``)."""
    pid = str(os.getpid())

    def _open_scope() -> None:
        scope = request_scope()
        scope.__enter__()
        flask.g.riskmap_version_scope = scope

    # first, so that the login checks installed by ui.auth already share the one version read
    server.before_request_funcs.setdefault(None, []).insert(0, _open_scope)

    @server.teardown_request
    def _close_scope(_exc: BaseException | None) -> None:
        scope = flask.g.pop("riskmap_version_scope", None)
        if scope is not None:
            scope.__exit__(None, None, None)

    @server.after_request
    def _worker_header(resp: flask.Response) -> flask.Response:
        resp.headers[WORKER_HEADER] = pid
        return resp

    @server.teardown_request
    def _trim(_exc: BaseException | None) -> None:
        if (flask.request.content_length or 0) >= TRIM_AFTER_BYTES:
            release_memory()

    server.extensions["riskmap_state"] = state

    @server.route(HEALTH_PATH)
    def _healthz():
        try:
            state.store.data_version()  # reachable now? (the state would serve what it has)
            version = state.version
        except StoreUnavailable as exc:
            resp = flask.jsonify({"ok": False, "pid": os.getpid(), "error": str(exc),
                                  "data_version": state._version or None})
            resp.status_code = 503
            return resp
        resp = flask.jsonify({"ok": True, "pid": os.getpid(), "data_version": version,
                              "store": state.store.describe()})
        resp.headers["Cache-Control"] = "no-store"
        return resp

    server.register_error_handler(StoreUnavailable, _unavailable)
    server.register_error_handler(StoreBusy, _unavailable)


def create_dash_app(store: Store | str | os.PathLike[str], *, tiles: Any = None,
                    config: ServeConfig | None = None, warm: bool = True,
                    dataset: Any = None) -> Any:
    """The :class:`dash.Dash` app of :func:`create_wsgi_app` (for Dash's debug server)."""
    from ui.app import create_app

    opened = store if hasattr(store, "read_layer") else open_store(store)
    app = create_app(opened, warm=warm, dataset=dataset, tiles=tiles,  # type: ignore[arg-type]
                     config=config)
    install(app.server, app.state)
    return app


def create_wsgi_app(store: Store | str | os.PathLike[str], *, tiles: Any = None,
                    config: ServeConfig | None = None, warm: bool = True,
                    dataset: Any = None) -> flask.Flask:
    """The Flask (WSGI) application serving ``store`` (a :class:`data.store.Store`, a
    ``postgresql://`` URL or a dataset folder), as ``riskmap serve`` runs it.

    ``tiles``: optional :class:`layers.map.TileSource`; ``config``: host, port and the reverse
    proxy's names (:class:`ui.auth.ServeConfig`); ``warm``, ``dataset``: as
    :func:`ui.app.create_app`.
    """
    return create_dash_app(store, tiles=tiles, config=config, warm=warm,
                           dataset=dataset).server


def _from_environment() -> flask.Flask:
    spec = os.environ.get("RISKMAP_STORE") or os.environ.get("RISKMAP_DATA")
    if not spec:
        from data.dataset import default_data_dir
        from data.sample import ensure_sample

        root = default_data_dir()
        ensure_sample(root, quiet=True)
        spec = str(root)
    return create_wsgi_app(spec if "://" in spec else Path(spec))


def __getattr__(name: str) -> Any:
    # ``ui.wsgi:application`` for other WSGI servers, built only when asked for
    if name == "application":
        app = _from_environment()
        globals()["application"] = app
        return app
    raise AttributeError(name)
