"""``riskmap serve``: start the web app (waitress in one process, or gunicorn workers).

Before anything is loaded or printed the port is taken (waitress then serves on that very
socket; gunicorn and the debug server bind it again at once), so a port in use is one line and
exit 2. A store with no users is served only on loopback (单用户模式 / single-user local mode);
on any other address the command refuses and says how to add an admin. With ``--workers N``
each gunicorn worker opens the store and loads the dataset itself after the fork
(:func:`ui.wsgi.create_wsgi_app`): nothing that holds a database connection crosses a fork, and
workers see each other's changes through the store's data version.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import socket
from collections.abc import Callable
from functools import partial
from typing import Any

from data import SAMPLE_DIR
from ui.commands._common import add_data_option, open_cli_store, store_url

LOOPBACK_NAMES = ("localhost",)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="start the web app (default http://127.0.0.1:8050) / 启动网页应用",
        description="Start the risk-map web app. With no --data (and no $RISKMAP_DATA) it "
                    "serves the bundled Shenzhen sample (real district boundaries, synthetic "
                    "registers), generating it on first use in the per-user data folder "
                    f"({SAMPLE_DIR}). Served on loopback with no users it runs in single-user "
                    "local mode (本机单用户模式); on any other address it needs at least one user "
                    "(riskmap users add NAME --role admin).",
    )
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; any other address needs users)")
    p.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="server processes (default 1: waitress in this process; N > 1: gunicorn "
                        "with N workers, Linux/macOS; each loads the dataset itself)")
    p.add_argument("--threads", type=int, default=8,
                   help="threads per process (waitress, or each gunicorn worker) (default 8)")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   dest="allowed_hosts",
                   help="a further Host name the app answers to, e.g. the reverse proxy's "
                        "risk.example.gov.cn (repeatable)")
    p.add_argument("--debug", action="store_true",
                   help="Dash's development server in debug mode (dev tools) instead of waitress")
    p.add_argument("--tiles", metavar="URL", default=None,
                   help="optional online/intranet XYZ tile server drawn under the map, e.g. "
                        "http://tiles.example.gov.cn/{z}/{x}/{y}.png (default: none; the basemap "
                        "is drawn from the bundled boundaries and roads, fully offline)")
    p.add_argument("--tiles-coords", choices=("wgs84", "gcj02"), default="wgs84",
                   help="coordinate system of the tiles: wgs84 (OSM, 天地图) or gcj02 "
                        "(高德/腾讯, shifted onto WGS 84 in the browser) (default wgs84)")
    p.add_argument("--tiles-attribution", default="", metavar="TEXT",
                   help="credit shown for the tiles, e.g. '© 高德地图'")
    add_data_option(p)
    p.set_defaults(func=run)


def is_loopback(host: str) -> bool:
    """Is ``host`` this machine only (127.0.0.0/8, ::1, localhost)?"""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def port_in_use_message(port: int) -> str:
    return f"端口 {port} 已被占用 / port {port} is already in use: choose another with --port"


def bind_listeners(host: str, port: int) -> list[socket.socket]:
    """Listening sockets on ``host:port`` (one per address ``host`` resolves to).

    Raises :class:`ui.cli.CliError` when the port is in use or the address is not this
    machine's, before anything else happens.
    """
    from ui.cli import CliError

    if not 0 < port < 65536:
        raise CliError(f"--port 须在 1–65535 之间 / --port must be 1–65535, got {port}")
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise CliError(f"--host {host}: 无法解析的地址 / cannot resolve this address ({exc})") \
            from None
    sockets: list[socket.socket] = []
    seen = set()
    try:
        for family, kind, proto, _name, addr in infos:
            if (family, addr[:2]) in seen:
                continue
            seen.add((family, addr[:2]))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(addr)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise CliError(port_in_use_message(port)) from None
                if exc.errno == errno.EACCES:
                    raise CliError(f"端口 {port} 需要管理员权限 / port {port} needs privileges: "
                                   f"choose one above 1023 with --port") from None
                raise CliError(f"--host {host}: 无法在此地址监听 / cannot listen on this address "
                               f"({exc.strerror})") from None
            sock.listen(1024)
            sock.setblocking(False)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _needs_gunicorn_message() -> str:
    return ("--workers N 需要 gunicorn（仅 Linux/macOS）/ --workers N needs gunicorn, which runs on "
            "Linux and macOS only (pip install gunicorn); serve with --workers 1 (waitress) here")


def check_users(store: Any, host: str, *, hint: str) -> int:
    """The number of users of ``store``; refuse (CliError) a non-loopback ``host`` with none."""
    from data.accounts import Accounts
    from ui.cli import CliError

    try:
        count = Accounts(store.db).count()
    except OSError as exc:
        raise CliError(f"无法读取用户 / cannot read the users of {store.describe()}: {exc}") \
            from exc
    if count == 0 and not is_loopback(host):
        raise CliError(
            f"尚无用户，不能在 {host} 上提供服务：请先添加管理员 `riskmap users add admin --role admin "
            f"{hint}` / no users yet, so risk-map will not serve on {host} (anyone on the network "
            f"could change the data): add an admin first with `riskmap users add admin --role "
            f"admin {hint}`, or serve on 127.0.0.1")
    return count


def run(args: argparse.Namespace) -> int:
    from layers.map import TileSource
    from ui.auth import ServeConfig
    from ui.cli import CliError

    tiles = None
    if args.tiles:
        try:
            tiles = TileSource(args.tiles, coords=args.tiles_coords,
                               attribution=args.tiles_attribution)
        except ValueError as exc:
            raise CliError(f"--tiles: {exc}") from exc
    if args.workers < 1:
        raise CliError(f"--workers 须为正整数 / --workers must be 1 or more, got {args.workers}")
    if args.threads < 1:
        raise CliError(f"--threads 须为正整数 / --threads must be 1 or more, got {args.threads}")
    if args.workers > 1 and args.debug:
        raise CliError("--debug 只能单进程 / --debug runs one process: drop --workers")
    if args.workers > 1 and not _have_gunicorn():
        raise CliError(_needs_gunicorn_message())

    if args.debug and os.environ.get("WERKZEUG_RUN_MAIN"):
        sockets = []  # the debug reloader's child: its parent holds the port for it
    else:
        sockets = bind_listeners(args.host, args.port)  # first, before anything is printed
    try:
        return _serve(args, sockets, tiles, ServeConfig(
            host=args.host, port=args.port,
            allowed_hosts=tuple(h.strip() for h in args.allowed_hosts if h.strip())))
    finally:
        for sock in sockets:
            sock.close()


def _have_gunicorn() -> bool:
    if os.name == "nt":
        return False
    try:
        import gunicorn.app.base  # noqa: F401
    except ImportError:
        return False
    return True


def _serve(args: argparse.Namespace, sockets: list[socket.socket], tiles: Any,
           config: Any) -> int:
    from data.dataset import Dataset
    from ui.cli import CliError
    from ui.wsgi import create_dash_app, create_wsgi_app

    store = open_cli_store(args.data, args.store)
    url = store_url(args.store)
    hint = f"--store {_shown_url(url)}" if url else f"--data {getattr(store, 'root', 'DIR')}"
    users = check_users(store, args.host, hint=hint)
    if users == 0:
        print("本机单用户模式 / single-user local mode: no users yet, only this machine can open "
              "it (add users with `riskmap users add`)")
    spec: Any = url or getattr(store, "root", None) or store  # re-opened in each worker
    open_url = f"http://{_url_host(args.host)}:{args.port}/"

    if args.workers > 1:
        print(f"数据 / data: {store.describe()} (每个进程自行加载 / loaded by each worker)")
        if tiles is not None:
            print(f"在线底图 / tiles: {tiles.url} ({tiles.coords})")
        dispose = getattr(getattr(store, "db", None), "engine", None)
        if dispose is not None:
            dispose.dispose()  # no connection of this process crosses the fork
        import ui.app  # noqa: F401 - the code (not the data) is shared by the workers

        for sock in sockets:
            sock.close()
        print(f"打开 / open {open_url} ({args.workers} 个进程 / workers, gunicorn)", flush=True)
        return _run_gunicorn(partial(create_wsgi_app, spec, tiles=tiles, config=config),
                             host=args.host, port=args.port, workers=args.workers,
                             threads=args.threads)

    try:
        dataset = Dataset.load(store)
    except OSError as exc:
        raise CliError(f"无法加载数据 / cannot load the data of {store.describe()}: {exc}") \
            from exc
    layers = ", ".join(f"{k} {len(v):,}" for k, v in dataset.layers.items())
    print(f"数据 / data: {store.describe()} ({layers})")
    if dataset.synthetic:
        print("注意：合成样例数据 / note: synthetic sample data")
    app = create_dash_app(store, dataset=dataset, tiles=tiles, config=config)
    if tiles is not None:
        print(f"在线底图 / tiles: {tiles.url} ({tiles.coords})")
    if args.debug:
        for sock in sockets:
            sock.close()
        print(f"打开 / open {open_url}", flush=True)
        app.run(host=args.host, port=args.port, debug=True)
        return 0
    from waitress import serve

    print(f"打开 / open {open_url}", flush=True)
    serve(app.server, sockets=sockets, threads=args.threads, ident="risk-map")
    return 0


def _shown_url(url: str) -> str:
    """``url`` with its password (if any) masked, for messages."""
    import sqlalchemy as sa

    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "URL"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _run_gunicorn(factory: Callable[[], Any], *, host: str, port: int, workers: int,
                  threads: int) -> int:
    """Serve ``factory()`` (called in each worker, after the fork) with gunicorn."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.errors import AppImportError

    from ui.cli import CliError

    class RiskmapGunicorn(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": [f"{_url_host(host)}:{port}"],
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "preload_app": False,
                # a worker loads the whole dataset before it answers: give it time
                "timeout": 180,
                "graceful_timeout": 15,
                "keepalive": 5,
                "proc_name": "risk-map",
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            try:
                return factory()
            except OSError as exc:  # the store went away, a layer cannot be read …
                raise AppImportError(f"riskmap: error: 进程 {os.getpid()} 无法加载数据 / worker "
                                     f"{os.getpid()} cannot load the data: {exc}") from exc

    try:
        RiskmapGunicorn().run()
    except SystemExit as exc:
        if exc.code not in (None, 0):
            raise CliError(f"gunicorn 已停止 / gunicorn stopped (exit {exc.code}): a worker could "
                           f"not start, see the message above") from None
    return 0
