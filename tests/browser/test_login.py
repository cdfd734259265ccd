"""Logins in a real headless Chromium with the Content-Security-Policy on (no bypass): the login
page, a wrong password, login, the map paints, a tab switch, a refused callback says why, logout.

Screenshots of the login page and the logged-in header go to ``$RISKMAP_SHOTS`` when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from data.accounts import Accounts

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
PORTS = range(8600, 8650)


@pytest.fixture(scope="module")
def bureau_app(private_app, tmp_path_factory):
    """A live app that needs logins (one planner limited to no district, one analyst), on a
    copy of the sample without its records database (no accounts but these two)."""
    with private_app(tmp_path_factory.mktemp("login"), ports=PORTS,
                     ignore=("riskmap.sqlite*",)) as served:
        acc = Accounts(served.app.state.store.db)  # before the first request
        acc.add("wang", role="planner", password=PASSWORD, actor="test")
        acc.add("li", role="analyst", password=PASSWORD, districts=["南山区"], actor="test")
        yield served.base_url, served.app


def _context(browser, width=1600, height=1000):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.csp_errors = []
    page.page_errors = []

    def on_console(msg):
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            page.csp_errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: page.page_errors.append(str(exc)))
    return context, page


def _shot(page, name: str) -> None:
    folder = os.environ.get("RISKMAP_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name))


def _login(page, base: str, name: str, password: str = PASSWORD) -> None:
    page.goto(base + "/")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#login-submit")


def _map_ready(page):
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=30_000)


def test_login_wrong_password_map_tab_and_logout(bureau_app, browser):
    base, _ = bureau_app
    context, page = _context(browser)
    try:
        page.goto(base + "/")
        assert "/login" in page.url
        assert "登录" in page.title() and page.locator("#username").is_visible()
        _shot(page, "login-1600x1000.png")

        _login(page, base, "wang", "not the password")
        error = page.locator(".login-error")
        assert "用户名或密码错误 / wrong user name or password" in error.inner_text()
        assert page.input_value("#username") == "wang"
        _shot(page, "login-wrong-password-1600x1000.png")

        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_url(base + "/")
        _map_ready(page)
        frame = page.frame_locator("#map-frame")
        assert frame.locator("canvas").count() >= 1  # the enterprises are painted
        user_box = page.locator("#user-box")
        assert "wang" in user_box.inner_text() and "规划制图员" in user_box.inner_text()
        _shot(page, "header-1600x1000.png")

        page.get_by_text("事件警戒").click()
        page.locator("#inc-search").wait_for(state="visible")

        page.click("#logout")
        page.wait_for_url(lambda url: "/login" in url)
        page.goto(base + "/")
        assert "/login" in page.url
        assert page.csp_errors == [] and page.page_errors == []
    finally:
        context.close()


def test_a_refused_callback_says_why(bureau_app, browser):
    base, _ = bureau_app
    context, page = _context(browser)
    try:
        _login(page, base, "li")
        page.wait_for_url(base + "/")
        _map_ready(page)
        page.get_by_text("打印出图").click()
        page.click("#pdf-run")
        toast = page.locator("#riskmap-denied")
        toast.wait_for(state="visible", timeout=10_000)
        assert "无权操作" in toast.inner_text() and "planner" in toast.inner_text()
        assert page.csp_errors == []
    finally:
        context.close()


def test_phone_sized_login_and_header(bureau_app, browser):
    base, _ = bureau_app
    context, page = _context(browser, 390, 844)
    try:
        page.goto(base + "/")
        box = page.locator(".login-box").bounding_box()
        assert box is not None and box["width"] <= 390
        _shot(page, "login-390x844.png")
        _login(page, base, "wang")
        page.wait_for_url(base + "/")
        page.locator("#user-box").wait_for()
        _shot(page, "header-390x844.png")
        assert page.csp_errors == [] and page.page_errors == []
    finally:
        context.close()
