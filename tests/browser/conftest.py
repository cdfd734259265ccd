"""A live app on 127.0.0.1 and a headless Debian Chromium driven by Playwright.

``live_app`` serves the shared (read-only) sample; a test that writes asks ``private_app`` for
the app on its own copy of the sample, on a port of the range its file uses (each file keeps its
own range, so files run in parallel do not collide).
"""

from __future__ import annotations

import functools
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from werkzeug.serving import make_server


class PrivateApp(NamedTuple):
    """A served app: its base URL, the Dash app, and the private copy of the sample it serves
    (and writes to)."""

    base_url: str
    app: Any
    root: Path


def free_port(ports: range) -> int:
    """The first port of ``ports`` free on 127.0.0.1."""
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


@contextmanager
def serving(app: Any, port: int = 0) -> Iterator[str]:
    """``app`` (a Dash app) served on 127.0.0.1:``port`` (0: any free port) in a thread while
    the block runs; yields its base URL."""
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@contextmanager
def _private_app(sample: Path, into: Path, *, ports: range,
                 ignore: tuple[str, ...] = ()) -> Iterator[PrivateApp]:
    from ui.app import create_app
    from ui.auth import ServeConfig

    root = into / "data"
    shutil.copytree(sample, root, ignore=shutil.ignore_patterns(*ignore) if ignore else None)
    port = free_port(ports)
    app = create_app(root, config=ServeConfig(port=port))
    with serving(app, port) as base_url:
        yield PrivateApp(base_url, app, root)


@pytest.fixture(scope="session")
def private_app(small_sample: Path):
    """A factory of apps on private copies of ``small_sample`` (for tests that write)::

        with private_app(tmp_path, ports=range(8800, 8850)) as (base_url, app, root):
            ...

    copies the sample to ``tmp_path / "data"`` (less the files matching the glob patterns
    ``ignore``), serves it on the first free port of ``ports`` (``ServeConfig(port=...)``) and
    stops the server when the block ends. Usable from fixtures of any scope."""
    return functools.partial(_private_app, small_sample)


@pytest.fixture(scope="session")
def live_app(small_sample: Path):
    """Serve ``small_sample`` on a free port; yields (base_url, dash app)."""
    from ui.app import create_app

    app = create_app(small_sample)
    with serving(app) as base_url:
        yield base_url, app


@pytest.fixture()
def page(browser):
    """A fresh page that records every request that does not go to 127.0.0.1."""
    # the CSP itself is checked without bypass in test_login.py; Playwright's wait_for_function
    # evaluates its predicate with eval, which the CSP (rightly) blocks
    context = browser.new_context(viewport={"width": 1400, "height": 850}, bypass_csp=True)
    pg = context.new_page()
    pg.external_requests = []
    pg.page_errors = []

    def on_request(request):
        url = request.url
        if not url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
            pg.external_requests.append(url)

    pg.on("request", on_request)
    pg.on("pageerror", lambda exc: pg.page_errors.append(str(exc)))
    yield pg
    context.close()
