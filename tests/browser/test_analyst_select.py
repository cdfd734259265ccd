"""Select by area in a real Chromium: draw a polygon with the toolbar, read the counts."""

import pytest
import shapely

pytestmark = pytest.mark.browser


def test_a_drawn_polygon_counts_what_an_independent_count_finds(live_app, page):
    base, app = live_app
    ents = app.state.dataset.enterprises
    page.goto(base + "/")
    page.wait_for_selector("#map-frame")
    frame_loc = page.frame_locator("#map-frame")
    frame_loc.locator("html[data-select-ready='1']").wait_for(timeout=20_000)
    page.wait_for_function("document.querySelector('#count-value') !== null")
    frame = page.frame(url=lambda u: "map/analyst.html" in u)
    # the toolbar speaks Chinese
    titles = frame.evaluate(
        "Array.from(document.querySelectorAll('.leaflet-pm-toolbar [title]')).map(e => e.title)")
    assert any("多边形" in t for t in titles), titles
    assert not any("Draw" in t for t in titles), titles

    box = page.locator("#map-frame").bounding_box()
    frame_loc.locator(".leaflet-pm-icon-polygon").click()
    corners = [(420, 260), (760, 240), (800, 560), (450, 600)]
    for x, y in corners:
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(300)
    page.mouse.click(box["x"] + corners[0][0], box["y"] + corners[0][1])
    frame_loc.locator("html[data-area='polygon']").wait_for(timeout=10_000)
    page.wait_for_selector("#area-result [data-area-count]", timeout=10_000)

    # the polygon as the map holds it, counted independently with shapely
    ring = frame.evaluate(
        "(() => { let c = null; riskmap.state.map.eachLayer(l => { if (l instanceof L.Polygon"
        " && l.pm && l.options.dashArray === '6 4') c = l.getLatLngs()[0]"
        ".map(p => [p.lng, p.lat]); }); return c; })()")
    assert ring and len(ring) >= 3
    poly = shapely.Polygon(ring)
    expected = int(sum(poly.contains(p) for p in ents.geometry))
    assert expected > 0
    shown = page.get_attribute("#area-result [data-area-count]", "data-area-count")
    assert int(shown) == expected
    text = page.inner_text("#area-result")
    assert "人口" in text and "避难场所" in text
    assert not page.locator("#area-export").is_disabled()
    assert page.page_errors == [] and page.external_requests == []
