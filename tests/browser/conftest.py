"""A live app on 127.0.0.1 and a headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server


@pytest.fixture(scope="session")
def live_app(small_sample: Path):
    """Serve ``small_sample`` on a free port; yields (base_url, dash app)."""
    from ui.app import create_app

    app = create_app(small_sample)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()


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
