"""The print area in a real headless Chromium: the Print tab draws the sheet on the map, the
sheet follows the map when the planner pans it, and at a fixed scale it is dragged into place."""

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


def _centre_box(page) -> tuple[float, float] | None:
    text = page.input_value("#pdf-center").strip()
    if not text:
        return None
    lon, lat = (float(v) for v in text.split(","))
    return lon, lat


def test_dragging_the_print_area_moves_the_exported_sheet(live_app, page, tmp_path):
    """At 1:50,000 the sheet is dragged by its centre handle with the mouse: the print centre
    box gets the new centre, the sheet is redrawn around it, and the exported georeferenced PDF
    is centred there (read back from its geospatial measure)."""
    import io
    from pathlib import Path

    from pypdf import PdfReader

    base, _ = live_app
    page.goto(base + "/")
    frame = _map_frame(page)
    page.get_by_text("打印出图").click()
    page.locator("#pdf-scale").click()
    page.get_by_text("1:50,000", exact=True).click()
    page.locator("#pdf-layout input[value='area']").check()
    frame.wait_for_selector(".rm-print-handle", timeout=15_000)
    start = frame.evaluate("riskmap.printArea.shown.center")
    box = frame.locator(".rm-print-handle").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # where the drop lands on the map, by Leaflet's own pixel -> lon/lat
    target = frame.evaluate(
        "(([dx, dy]) => { const m = riskmap.state.map;"
        " const p = m.latLngToContainerPoint(L.latLng(riskmap.printArea.shown.center[1],"
        " riskmap.printArea.shown.center[0])).add([dx, dy]);"
        " const t = m.containerPointToLatLng(p); return [t.lng, t.lat]; })", [150, 90])
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 75, y + 45, steps=6)
    page.mouse.move(x + 150, y + 90, steps=6)
    page.mouse.up()
    page.wait_for_function("document.getElementById('pdf-center').value !== ''",
                           timeout=15_000)
    lon, lat = _centre_box(page)
    assert lon == pytest.approx(target[0], abs=2e-3) and lat == pytest.approx(target[1],
                                                                            abs=2e-3)
    assert lon > start[0] + 0.01 and lat < start[1] - 0.005  # east and south, as dragged
    # the tab answers with the exact sheet around the new centre
    frame.wait_for_function(
        f"(() => {{ const c = {AREA_CENTRE}; return c !== null"
        f" && Math.abs(c[0] - {lon}) < 1e-3 && Math.abs(c[1] - {lat}) < 2e-3; }})()",
        timeout=15_000)
    # export a georeferenced PDF: its frame is centred on the dragged centre
    page.locator("#pdf-options input[value='georef']").check()
    with page.expect_download(timeout=60_000) as download:
        page.locator("#pdf-run").click()
    data = Path(download.value.path()).read_bytes()
    vp = PdfReader(io.BytesIO(data)).pages[0]["/VP"][0].get_object()
    gpts = [float(v) for v in vp["/Measure"].get_object()["/GPTS"]]
    assert sum(gpts[1::2]) / 4 == pytest.approx(lon, abs=1e-4)
    assert sum(gpts[0::2]) / 4 == pytest.approx(lat, abs=1e-3)
    # clearing the box puts the sheet back on the map's centre
    page.fill("#pdf-center", "")
    page.press("#pdf-center", "Enter")
    frame.wait_for_function(
        f"(() => {{ const c = {AREA_CENTRE}; return c !== null"
        f" && Math.abs(c[0] - {start[0]}) < 1e-3; }})()", timeout=15_000)
    assert page.page_errors == [] and page.external_requests == []


def test_the_pdf_of_an_incident_on_screen_carries_its_downwind_area(live_app, page, tmp_path):
    import subprocess
    from pathlib import Path

    base, _ = live_app
    page.goto(base + "/")
    _map_frame(page)
    page.get_by_text("事件警戒").click()
    page.fill("#inc-lon", "114.0579")
    page.fill("#inc-lat", "22.5431")
    page.press("#inc-lat", "Enter")  # Enter places
    page.locator("#inc-zone-table").wait_for(timeout=20_000)
    page.fill("#inc-wind", "45")
    page.press("#inc-wind", "Enter")
    page.locator("#inc-downwind").wait_for(timeout=20_000)
    page.get_by_text("打印出图").click()
    with page.expect_download(timeout=60_000) as download:
        page.locator("#pdf-run").click()
    pdf = tmp_path / "incident.pdf"
    pdf.write_bytes(Path(download.value.path()).read_bytes())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "下风向防护区" in text and "45°" in text
    assert "警戒区" in text  # the rings are there too
    assert page.page_errors == []
