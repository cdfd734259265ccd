"""A commander on a phone (390 x 844) or a tablet (768 x 1024): the map fills the width, the
panels are a bottom sheet, a tap in the incident tab places an incident and the map then shows
the whole outer ring, with no popup over it; the desktop layout is unchanged."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}


@pytest.fixture()
def touch_page(browser, request):
    size = getattr(request, "param", PHONE)
    context = browser.new_context(viewport=size, has_touch=True, is_mobile=True,
                                  device_scale_factor=2, bypass_csp=True)
    pg = context.new_page()
    pg.page_errors = []
    pg.on("pageerror", lambda exc: pg.page_errors.append(str(exc)))
    yield pg
    context.close()


def _open(page, base):
    page.goto(base + "/")
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    page.locator("#main-tabs").wait_for()
    return page.frame(url=lambda u: "map/analyst.html" in u)


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("touch_page", [PHONE, TABLET], indirect=True, ids=["phone", "tablet"])
def test_map_fills_the_width_and_the_panels_are_a_bottom_sheet(live_app, touch_page):
    base, _ = live_app
    page = touch_page
    _open(page, base)
    width = page.viewport_size["width"]
    height = page.viewport_size["height"]
    frame = _box(page, "#map-frame")
    assert frame["x"] == 0 and frame["width"] == width
    assert frame["height"] > 0.6 * height  # the sheet starts low: most of the screen is map
    sheet = _box(page, ".sidebar")
    assert sheet["x"] == 0 and sheet["width"] == width
    assert sheet["y"] + sheet["height"] == pytest.approx(height, abs=1)
    assert abs(sheet["y"] - (frame["y"] + frame["height"])) <= 1  # the map ends where it begins
    # the header fits: the title is whole and nothing in it runs off the screen
    title = _box(page, ".topbar h1")
    assert title["x"] >= 0 and title["x"] + title["width"] <= width
    assert _box(page, ".topbar")["height"] <= 50
    # the tab labels in one row, none overlapping the next
    boxes = [page.locator("#main-tabs .tab").nth(i).bounding_box()
             for i in range(page.locator("#main-tabs .tab").count())]
    assert len({round(b["y"]) for b in boxes}) == 1
    assert all(a["x"] + a["width"] <= b["x"] + 0.5 for a, b in zip(boxes, boxes[1:], strict=False))
    assert page.page_errors == []


def test_the_sheet_handle_raises_and_lowers_the_panels(live_app, touch_page):
    base, _ = live_app
    page = touch_page
    _open(page, base)
    states = []
    for _ in range(3):
        page.locator("#sheet-handle").tap()
        page.wait_for_timeout(300)
        states.append(page.locator(".sidebar").get_attribute("data-sheet"))
    assert states == ["half", "full", "peek"]
    # a finger drags the handle up to near the top: the sheet follows, then snaps to full
    handle = _box(page, "#sheet-handle")
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 9):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
            {"x": x, "y": y - (y - 150) * step / 8}]})
    mid = _box(page, ".sidebar")["height"]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(300)
    assert mid > 600  # followed the finger
    assert page.locator(".sidebar").get_attribute("data-sheet") == "full"
    # and back down a little: the nearest height is half
    handle = _box(page, "#sheet-handle")
    y = handle["y"] + handle["height"] / 2
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": 430}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(300)
    assert page.locator(".sidebar").get_attribute("data-sheet") == "half"


def test_a_tap_places_an_incident_and_the_whole_outer_ring_is_shown(live_app, touch_page):
    base, _ = live_app
    page = touch_page
    frame = _open(page, base)
    page.get_by_text("事件警戒").tap()
    frame.wait_for_function("document.documentElement.getAttribute('data-mode') === 'incident'")
    # tap an enterprise: in the incident tab it places the incident there and opens no popup
    point = frame.evaluate(
        "(() => { const l = riskmap.state.enterprises, m = riskmap.state.map;"
        " for (let i = 0; i < l._data.n; i++) { const p = m.latLngToContainerPoint(l.latLngOf(i));"
        " const s = m.getSize(); if (p.x > 40 && p.y > 40 && p.x < s.x - 60 && p.y < s.y - 40)"
        " return [p.x, p.y]; } return null; })()")
    assert point, "no enterprise on screen"
    box = _box(page, "#map-frame")
    page.touchscreen.tap(box["x"] + point[0], box["y"] + point[1])
    page.frame_locator("#map-frame").locator("html[data-incident]").wait_for(timeout=10_000)
    page.locator("#inc-zone-table").wait_for(timeout=10_000)
    page.wait_for_timeout(500)
    assert frame.evaluate("document.querySelectorAll('.leaflet-popup').length") == 0
    # the map zoomed to the rings: the outermost ring lies inside the (smaller) map frame
    inside = frame.evaluate(
        "(() => { const m = riskmap.state.map; let b = null; riskmap.state.incident.eachLayer("
        "l => { if (l.getBounds) { const lb = l.getBounds(); b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast()); } });"
        " const nw = m.latLngToContainerPoint(b.getNorthWest()), se = m.latLngToContainerPoint(b.getSouthEast());"
        " const s = m.getSize(); return [nw.x >= -1 && nw.y >= -1 && se.x <= s.x + 1 && se.y <= s.y + 1,"
        " Math.min(se.x - nw.x, se.y - nw.y) / Math.min(s.x, s.y)]; })()")
    assert inside[0], "the outer ring is cut off"
    assert inside[1] > 0.6, "the rings are too small to read"
    # the sheet rose so that the exposure summary shows, above the form
    assert page.locator(".sidebar").get_attribute("data-sheet") == "half"
    table = _box(page, "#inc-zone-table")
    assert table["y"] < page.viewport_size["height"] - 60
    assert _box(page, "#inc-result")["y"] < _box(page, "#inc-lon")["y"]
    # ring labels carry the zone name and radius
    labels = frame.evaluate("[...document.querySelectorAll('.rm-ring-label span')].map(e => e.textContent)")
    assert any("警戒区" in t and "10 km" in t for t in labels)
    # bad radii: the message shows and the previous result is greyed at once
    assert page.evaluate("getComputedStyle(document.getElementById('inc-result')).opacity") == "1"
    page.fill("#inc-radii", "1,-5,10")
    page.press("#inc-radii", "Enter")
    page.locator("#inc-message .error").wait_for(timeout=10_000)
    assert float(page.evaluate(
        "getComputedStyle(document.getElementById('inc-result')).opacity")) < 0.5
    assert page.page_errors == []


def test_desktop_layout_is_unchanged(live_app, page):
    base, _ = live_app
    page.set_viewport_size({"width": 1600, "height": 1000})
    _open(page, base)
    sidebar = _box(page, ".sidebar")
    frame = _box(page, "#map-frame")
    assert (sidebar["x"], sidebar["width"]) == (0, 440)
    assert (frame["x"], frame["y"], frame["width"]) == (440, 46, 1160)
    assert frame["height"] == 1000 - 46
    assert not page.locator("#sheet-handle").is_visible()


def test_my_location_places_the_incident_where_the_phone_is(live_app, browser):
    base, _ = live_app
    here = {"longitude": 114.0612, "latitude": 22.5437}
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True,
                                  geolocation=here, permissions=["geolocation"], bypass_csp=True)
    page = context.new_page()
    try:
        frame = _open(page, base)
        # only in the incident tab (it places an incident)
        assert page.frame_locator("#map-frame").locator("#rm-locate").count() == 0
        page.get_by_text("事件警戒").tap()
        button = page.frame_locator("#map-frame").locator("#rm-locate")
        button.wait_for(timeout=10_000)
        assert "我的位置" in button.get_attribute("title")
        button.tap()
        page.frame_locator("#map-frame").locator("html[data-incident]").wait_for(timeout=10_000)
        lon, lat = (float(v) for v in
                    frame.evaluate("document.documentElement.getAttribute('data-incident')").split(","))
        assert (lon, lat) == pytest.approx((here["longitude"], here["latitude"]), abs=1e-6)
        page.locator("#inc-zone-table").wait_for(timeout=10_000)
        # leaving the tab removes the button again
        page.get_by_text("风险分布").tap()
        page.frame_locator("#map-frame").locator("#rm-locate").wait_for(state="detached",
                                                                        timeout=5_000)
    finally:
        context.close()


def test_the_language_switch_keeps_the_incident_on_screen(live_app, page):
    base, _ = live_app
    _open(page, base)
    page.get_by_text("事件警戒").click()
    page.fill("#inc-lon", "114.06")
    page.fill("#inc-lat", "22.55")
    page.fill("#inc-radii", "1,3,8")
    page.fill("#inc-wind", "90")
    page.click("#inc-locate")
    page.locator("#inc-zone-table").wait_for(timeout=10_000)
    page.click("#lang-switch")
    page.wait_for_url("**lang=en**")
    page.locator("#inc-zone-table").wait_for(timeout=20_000)
    assert page.input_value("#inc-radii") == "1,3,8"
    assert page.input_value("#inc-wind") == "90"
    assert page.locator("#inc-downwind").count() == 1
    frame = page.frame_locator("#map-frame")
    frame.locator("html[data-incident='114.06,22.55']").wait_for(timeout=10_000)
    # a page opened later (no switch) starts empty
    page.goto(base + "/?lang=en")
    page.locator("#main-tabs").wait_for()
    page.wait_for_timeout(1500)
    assert page.locator("#inc-zone-table").count() == 0
