"""The print area in a real headless Chromium: the Print tab draws the sheet on the map, and
the sheet follows the map when the planner pans it."""

import pytest

pytestmark = pytest.mark.browser

AREA_CENTRE = ("(() => { const g = riskmap.printArea.shown.layer; if (!g) { return null; }"
               " let c = null; g.eachLayer(l => { if (l.getBounds) {"
               " const b = l.getBounds(); c = [(b.getWest() + b.getEast()) / 2,"
               " (b.getSouth() + b.getNorth()) / 2]; } }); return c; })()")


def _map_frame(page):
    page.wait_for_selector("#map-frame")
    frame = page.frame_locator("#map-frame")
    frame.locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    return page.frame(url=lambda u: "map/analyst.html" in u)


def test_print_area_is_drawn_and_follows_the_map(live_app, page):
    base, _ = live_app
    page.goto(base + "/")
    frame = _map_frame(page)
    page.get_by_text("打印出图").click()
    page.locator("#pdf-layout input[value='area']").check()
    frame.wait_for_function(f"{AREA_CENTRE} !== null", timeout=15_000)
    assert "打印范围 A3" in frame.inner_text(".rm-print-label")
    # pan the map: the sheet is recomputed around the new view
    frame.evaluate("void riskmap.state.map.setView([22.60, 113.95], 13, {animate: false})")
    frame.wait_for_function(
        f"(() => {{ const c = {AREA_CENTRE}; return c !== null"
        " && Math.abs(c[0] - 113.95) < 0.01 && Math.abs(c[1] - 22.60) < 0.01; })()",
        timeout=15_000)
    # unticked: removed
    page.locator("#pdf-layout input[value='area']").uncheck()
    frame.wait_for_function(f"{AREA_CENTRE} === null && "
                            "document.querySelector('.rm-print-label') === null", timeout=15_000)
    assert page.page_errors == [] and page.external_requests == []
