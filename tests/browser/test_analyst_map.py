"""What an analyst sees in a real headless Chromium: map, points, legend, filters, popups."""

import json

import pytest

from layers import bridge
from risk.stats import filter_mask

pytestmark = pytest.mark.browser


def _map_frame(page):
    page.wait_for_selector("#map-frame")
    frame = page.frame_locator("#map-frame")
    frame.locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    return page.frame(url=lambda u: "map/analyst.html" in u)


def _count(page) -> int:
    return int(page.get_attribute("#count-value", "data-count"))


def test_map_shows_points_legend_and_filters_change_the_count(live_app, page, tmp_path):
    base, app = live_app
    ents = app.state.dataset.enterprises
    page.goto(base + "/")
    frame = _map_frame(page)
    assert frame.locator("canvas").count() >= 1, "enterprises are drawn on a canvas"
    legend = frame.locator("#rm-legend").inner_text()
    for text in ("重大风险", "较大风险", "一般风险", "低风险"):
        assert text in legend
    page.wait_for_function("document.querySelector('#count-value') !== null")
    assert _count(page) == len(ents)
    shown = frame.evaluate("document.documentElement.getAttribute('data-enterprises-shown')")
    assert int(shown) == len(ents)

    # untick "low risk": the count on screen and the points on the map follow
    page.locator("#filter-grades input[value='blue']").click()
    expected = int(filter_mask(ents, {"grades": ["red", "orange", "yellow"]}).sum())
    assert 0 < expected < len(ents)
    page.wait_for_function(
        f"document.querySelector('#count-value').dataset.count === '{expected}'")
    frame.locator(f"html[data-enterprises-shown='{expected}']").wait_for(timeout=10_000)
    page.screenshot(path=str(tmp_path / "analyst.png"))
    assert page.page_errors == []
    assert page.external_requests == [], "every request must stay on 127.0.0.1"


def test_popup_shows_hostile_name_as_text(live_app, page):
    base, app = live_app
    ents = app.state.dataset.enterprises
    hostile = ents.index[ents["name"].str.contains("<script>", regex=False)]
    assert len(hostile), "the sample includes a name with markup"
    i = int(hostile[0])
    page.goto(base + "/")
    frame = _map_frame(page)
    # zoom onto the enterprise, then click exactly where the map draws it
    point = ents.geometry.iloc[i]
    frame.evaluate(f"void riskmap.state.map.setView([{point.y}, {point.x}], 17, {{animate: false}})")
    page.wait_for_timeout(300)
    xy = frame.evaluate(
        f"(() => {{ const p = riskmap.state.map.latLngToContainerPoint([{point.y}, {point.x}]);"
        " return [p.x, p.y]; })()")
    box = page.locator("#map-frame").bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    popup = frame.locator(".rm-popup-title")
    popup.wait_for(timeout=10_000)
    assert popup.inner_text() == ents["name"].iloc[i]
    assert page.external_requests == []


def test_parent_page_loads_the_names_not_the_map_code(live_app, page):
    base, _ = live_app
    page.goto(base + "/")
    _map_frame(page)
    names = page.evaluate("Object.isFrozen(window.RISKMAP_MSG) && window.RISKMAP_MSG")
    assert names == {n: getattr(bridge, n) for n in bridge.__all__
                     if isinstance(getattr(bridge, n), str) and n != "PREFIX"}
    assert page.evaluate("typeof window.riskmap") == "undefined"
    scripts = page.evaluate("Array.from(document.scripts).map(s => s.src).filter(Boolean)")
    order = [s.split("?")[0].rsplit("/", 1)[-1] for s in scripts if "/assets/" in s]
    assert order.index("riskmap-messages.js") < order.index("riskmap.js")
    assert not any("riskmap-map" in s or "leaflet" in s for s in scripts)
    assert page.page_errors == []


def test_a_fit_command_from_python_moves_the_map(live_app, page):
    base, _ = live_app
    page.goto(base + "/")
    frame = _map_frame(page)
    page.wait_for_function("document.querySelector('#count-value') !== null")
    west, south, east, north = 114.00, 22.50, 114.10, 22.60
    cmd = bridge.fit([west, south, east, north])
    # the way every command travels: the map-command store, its clientside callback, the iframe
    page.evaluate(f"window.dash_clientside.set_props('map-command', {{data: {json.dumps(cmd)}}})")
    frame.wait_for_function(
        "(() => { const c = riskmap.state.map.getCenter();"
        " return Math.abs(c.lng - 114.05) < 0.01 && Math.abs(c.lat - 22.55) < 0.01; })()",
        timeout=10_000)
    b = frame.evaluate("(() => { const b = riskmap.state.map.getBounds();"
                       " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
    assert b[0] <= west and b[1] <= south and b[2] >= east and b[3] >= north
    assert frame.evaluate("riskmap.state.map.getZoom()") >= 11  # not just the city view
    assert page.page_errors == [] and page.external_requests == []


def test_a_command_that_arrives_before_its_deferred_handler_is_kept(live_app, page):
    base, _ = live_app
    held = []
    page.route("**/map/riskmap-map-overlays.js", lambda route: held.append(route))  # answered later
    page.goto(base + "/", wait_until="commit")
    frame = _map_frame(page)  # the map is drawn and ready: the overlay script is still pending
    page.wait_for_function("document.querySelector('#count-value') !== null")
    square = {"type": "Feature", "properties": {"_c": "#ff0000"}, "geometry": {
        "type": "Polygon",
        "coordinates": [[[114.0, 22.5], [114.1, 22.5], [114.1, 22.6], [114.0, 22.6], [114.0, 22.5]]]}}
    cmd = bridge.command(bridge.OVERLAY, id="early", title="early", legend=[],
                         geojson={"type": "FeatureCollection", "features": [square]})
    page.evaluate(f"window.dash_clientside.set_props('map-command', {{data: {json.dumps(cmd)}}})")
    page.wait_for_timeout(300)
    assert held, "the overlay script is requested"
    assert frame.evaluate("document.documentElement.getAttribute('data-overlay-early')") is None
    held[0].continue_()
    frame.locator("html[data-overlay-early='1']").wait_for(timeout=10_000)
    assert page.page_errors == [] and page.external_requests == []


def test_a_district_click_filters_fits_the_map_and_the_legend_follows(live_app, page):
    base, app = live_app
    ents = app.state.dataset.enterprises
    page.goto(base + "/")
    frame = _map_frame(page)
    page.wait_for_function("document.querySelector('#count-value') !== null")
    page.locator("#stats-table button", has_text="南山区").click()
    expected = int((ents["district"] == "南山区").sum())
    page.wait_for_function(
        f"document.querySelector('#count-value').dataset.count === '{expected}'")
    frame.locator(f"html[data-enterprises-shown='{expected}']").wait_for(timeout=10_000)
    frame.locator("html[data-fit]").wait_for(timeout=10_000)
    inside = ents[ents["district"] == "南山区"].total_bounds
    view = frame.evaluate("(() => { const b = riskmap.state.map.getBounds();"
                          " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
    # the view holds every Nanshan point and is much smaller than the city
    assert view[0] <= inside[0] and view[1] <= inside[1]
    assert view[2] >= inside[2] and view[3] >= inside[3]
    assert frame.evaluate("riskmap.state.map.getZoom()") >= 11
    # a second click clears the district
    page.locator("#stats-table button", has_text="南山区").click()
    page.wait_for_function(
        f"document.querySelector('#count-value').dataset.count === '{len(ents)}'")

    # untick low risk: its legend row goes; switch the waterlogging layer off: its entries go
    page.locator("#filter-grades input[value='blue']").click()
    frame.locator("#rm-legend [data-rm-grade='blue']").wait_for(state="hidden", timeout=10_000)
    assert frame.locator("#rm-legend [data-rm-layer='waterlogging']").is_visible()
    frame.locator(".leaflet-control-layers label", has_text="内涝积水点").locator("input").click()
    frame.locator("#rm-legend [data-rm-layer='waterlogging']").wait_for(state="hidden")
    # other layers hidden on request: the shelters' canvas goes transparent
    page.locator("#filter-others input[value='hide']").click()
    frame.locator("html[data-others='hide']").wait_for(timeout=10_000)
    assert not frame.locator("#rm-legend [data-rm-layer='shelters']").is_visible()
    assert page.page_errors == [] and page.external_requests == []


def test_attribute_table_exports_the_rows_on_screen_in_chinese(live_app, page, tmp_path):
    import io

    from openpyxl import load_workbook

    base, app = live_app
    ents = app.state.dataset.enterprises
    page.goto(base + "/")
    frame = _map_frame(page)
    page.wait_for_function("document.querySelector('#count-value') !== null")
    page.locator("#filter-grades input[value='blue']").click()
    page.locator("#filter-grades input[value='yellow']").click()
    expected = int(filter_mask(ents, {"grades": ["red", "orange"]}).sum())
    page.wait_for_function(
        f"document.querySelector('#count-value').dataset.count === '{expected}'")
    page.locator("#attr-show input").click()
    page.locator("#attr-grid .ag-row").first.wait_for(timeout=15_000)
    grid_text = page.locator("#attr-grid").inner_text()
    for english in ("Page Size", "Page ", " of ", "First Page", "No Rows", "Loading"):
        assert english not in grid_text, english
    assert "每页行数" in grid_text and "风险等级" in grid_text
    # the column menu's filter is Chinese too
    page.locator("#attr-grid .ag-header-cell[col-id='name'] .ag-header-cell-filter-button").click()
    menu = page.locator(".ag-filter, .ag-menu").first
    menu.wait_for(timeout=5_000)
    assert "包含" in menu.inner_text() and "Contains" not in menu.inner_text()
    page.keyboard.press("Escape")

    with page.expect_download() as info:
        page.locator("#attr-xlsx").click()
    path = tmp_path / "table.xlsx"
    info.value.save_as(path)
    ws = load_workbook(io.BytesIO(path.read_bytes())).active
    assert ws.max_row - 1 == expected == _count(page)
    assert ws.cell(1, 1).value == "编号"

    # a click on a row flies the map to it and opens its popup
    row = page.locator("#attr-grid .ag-center-cols-container .ag-row").first
    index = int(row.get_attribute("row-id"))
    row.locator(".ag-cell").first.click()
    frame.locator(f"html[data-focus='{index}']").wait_for(timeout=10_000)
    frame.locator(".rm-popup-title").wait_for(timeout=10_000)
    assert frame.locator(".rm-popup-title").inner_text() == ents["name"].iloc[index]
    page.screenshot(path=str(tmp_path / "table.png"))
    assert page.page_errors == []
    assert page.external_requests == [], "the grid's code is served by the app, no CDN"


def test_density_view_at_city_zoom_turns_into_points_when_zoomed_in(live_app, page, tmp_path):
    base, _ = live_app
    page.goto(base + "/")
    frame = _map_frame(page)
    page.wait_for_function("document.querySelector('#count-value') !== null")
    page.locator("#filter-density input").click()
    frame.locator("html[data-density='1']").wait_for(timeout=10_000)
    assert int(frame.evaluate("document.documentElement.dataset.densityBins")) > 10
    assert "密度" in frame.locator("#rm-legend").inner_text()
    page.screenshot(path=str(tmp_path / "density.png"))
    frame.evaluate("void riskmap.state.map.setZoom(13, {animate: false})")
    frame.locator("html[data-density='0']").wait_for(timeout=10_000)
    assert frame.locator("#rm-legend-density").count() == 0
    assert page.page_errors == [] and page.external_requests == []
