"""A commander clicks the map: rings and the zone table appear, the map keeps its zoom."""

import pytest

pytestmark = pytest.mark.browser


def test_click_places_incident_without_reloading_the_map(live_app, page):
    base, _app = live_app
    page.goto(base + "/")
    frame_loc = page.frame_locator("#map-frame")
    frame_loc.locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    frame = page.frame(url=lambda u: "map/analyst.html" in u)
    # zoom in a little so that the click is meaningful, and mark the page to detect a reload
    frame.evaluate("void riskmap.state.map.setView([22.60, 114.05], 12, {animate: false})")
    frame.evaluate("window.__notReloaded = true")
    page.get_by_text("事件警戒").click()
    box = page.locator("#map-frame").bounding_box()
    # click an empty spot: find a container point far from any enterprise marker
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    frame_loc.locator("html[data-incident]").wait_for(timeout=10_000)
    page.locator("#inc-zone-table tr[data-zone='warning']").wait_for(timeout=10_000)
    assert frame.evaluate("window.__notReloaded === true"), "the map page was reloaded"
    assert frame.evaluate("riskmap.state.map.getZoom()") == 12
    rings = frame.evaluate(
        "(() => { let n = 0; riskmap.state.incident.eachLayer(l => { if (l.getLayers) "
        "n = Math.max(n, l.getLayers().length); }); return n; })()")
    assert rings >= 3
    rows = page.locator("#inc-zone-table tbody tr")
    assert rows.count() == 3
    assert page.external_requests == []
    assert page.page_errors == []


def test_bad_coordinates_give_a_message_and_keep_the_app(live_app, page):
    base, _app = live_app
    page.goto(base + "/")
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    page.get_by_text("事件警戒").click()
    page.fill("#inc-lon", "22.55")
    page.fill("#inc-lat", "114.05")  # swapped
    page.click("#inc-locate")
    err = page.locator("#inc-message .error")
    err.wait_for(timeout=10_000)
    assert "swap" in err.inner_text().lower() or "颠倒" in err.inner_text()
    assert page.frame_locator("#map-frame").locator("html[data-incident]").count() == 0
