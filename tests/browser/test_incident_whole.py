"""The whole incident in a real browser, on a phone (390 x 844) and a desktop (1600 x 1000): a
tap places an incident (rings and the exposure summary on screen), a wind incident is saved,
reopened with every field, kept across the language switch, and its KML holds the incident
placemark and the downwind polygon. Screenshots of each step go to $RISKMAP_SHOTS when it is
set."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1600, "height": 1000}}
SHOTS = Path(os.environ["RISKMAP_SHOTS"]) if os.environ.get("RISKMAP_SHOTS") else None
KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture()
def own_app(private_app, tmp_path):
    """The app on a copy of the sample (saving incidents writes), ports 8610-8619."""
    with private_app(tmp_path, ports=range(8610, 8620)) as served:
        yield served.base_url, served.root


@pytest.fixture(params=list(SIZES))
def sized_page(browser, request):
    phone = request.param == "phone"
    context = browser.new_context(viewport=SIZES[request.param], has_touch=phone,
                                  is_mobile=phone, device_scale_factor=1, bypass_csp=True,
                                  accept_downloads=True)
    pg = context.new_page()
    pg.page_errors = []
    pg.on("pageerror", lambda exc: pg.page_errors.append(str(exc)))
    pg.kind = request.param
    yield pg
    context.close()


def _shot(page, step: str) -> None:
    if SHOTS is None:  # screenshots only when asked for
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{page.kind}-{step}.png"))


def _choose(page, dropdown: str, text: str) -> None:
    """Pick the option containing ``text`` in a dcc.Dropdown (its menu opens in a portal)."""
    page.click(f"#{dropdown}")
    option = page.locator("[role=option]", has_text=text).first
    option.wait_for(timeout=5_000)
    option.click()
    page.wait_for_timeout(200)


def test_a_wind_incident_is_kept_whole(own_app, sized_page):
    base, _ = own_app
    page = sized_page
    page.goto(base + "/")
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    frame = page.frame(url=lambda u: "map/analyst.html" in u)
    tab = page.get_by_text("事件警戒")
    tab.tap() if page.kind == "phone" else tab.click()
    frame.wait_for_function("document.documentElement.getAttribute('data-mode') === 'incident'")
    # 1. a tap (a click on the desktop) on the map places the incident
    point = frame.evaluate(  # an enterprise on screen: on land, among things to count
        "(() => { const l = riskmap.state.enterprises, m = riskmap.state.map, s = m.getSize();"
        " let best = null, d = 1e9; for (let i = 0; i < l._data.n; i++) {"
        " const p = m.latLngToContainerPoint(l.latLngOf(i));"
        " if (p.x > 60 && p.y > 60 && p.x < s.x - 60 && p.y < s.y - 60) {"
        " const e = Math.hypot(p.x - s.x / 2, p.y - s.y / 3); if (e < d) { d = e; best = [p.x, p.y]; } } }"
        " return best; })()")
    assert point, "no enterprise on screen"
    box = page.locator("#map-frame").bounding_box()
    x, y = box["x"] + point[0], box["y"] + point[1]
    page.touchscreen.tap(x, y) if page.kind == "phone" else page.mouse.click(x, y)
    page.frame_locator("#map-frame").locator("html[data-incident]").wait_for(timeout=10_000)
    page.locator("#inc-zone-table").wait_for(timeout=10_000)
    assert page.locator("#inc-zone-table tbody tr").count() == 3
    assert frame.evaluate("document.querySelectorAll('.leaflet-popup').length") == 0
    assert frame.evaluate("document.querySelectorAll('.rm-ring-label span').length") >= 3
    _shot(page, "1-placed")
    # 2. the wind and its reach: the downwind area on the map and in the summary; saved
    page.fill("#inc-wind", "135")
    page.press("#inc-wind", "Enter")
    page.wait_for_function("(document.getElementById('inc-downwind') || {}).textContent"
                           " && document.getElementById('inc-downwind').textContent"
                           ".includes('下风向 10 km')", timeout=10_000)  # reach: outer radius
    page.fill("#inc-downwind-km", "6")
    page.press("#inc-downwind-km", "Enter")
    page.wait_for_function("(document.getElementById('inc-downwind') || {}).textContent"
                           " && document.getElementById('inc-downwind').textContent"
                           ".includes('下风向 6 km')", timeout=10_000)
    assert frame.evaluate("document.documentElement.getAttribute('data-incident')")
    _choose(page, "inc-type", "燃气泄漏")
    page.fill("#inc-note", "阀门井泄漏 <测试>")
    lon, lat = page.input_value("#inc-lon"), page.input_value("#inc-lat")
    page.click("#inc-save")
    page.locator("#inc-share-briefing").wait_for(timeout=10_000)
    assert page.get_attribute("#inc-share-briefing", "href").endswith("/briefing.pdf?lang=zh")
    page.locator("#inc-open-list input").first.wait_for(state="attached", timeout=10_000)
    _shot(page, "2-saved")
    # 3. cleared, then reopened from the saved list: every field comes back
    page.click("#inc-clear")
    page.wait_for_function("document.getElementById('inc-lon').value === ''")
    for box_id, value in (("inc-wind", ""), ("inc-downwind-km", ""), ("inc-radii", "2,4"),
                          ("inc-note", "")):
        page.fill(f"#{box_id}", value)
    _choose(page, "inc-type", "火灾爆炸")
    _choose(page, "inc-saved", "阀门井泄漏")
    page.click("#inc-open")
    page.wait_for_function("document.getElementById('inc-wind').value === '135'")
    assert (page.input_value("#inc-lon"), page.input_value("#inc-lat")) == (lon, lat)
    assert page.input_value("#inc-radii") == "1,5,10"
    assert page.input_value("#inc-downwind-km") == "6"
    assert page.input_value("#inc-note") == "阀门井泄漏 <测试>"
    assert "燃气泄漏" in page.inner_text("#inc-type")
    page.locator("#inc-downwind").wait_for(timeout=10_000)
    page.locator("#inc-history li").first.wait_for(timeout=10_000)
    _shot(page, "3-reopened")
    page.locator("#inc-wind").scroll_into_view_if_needed()
    _shot(page, "3b-form")
    grades = page.locator("#inc-priority-table .ag-row .ag-cell[col-id='grade_rank']")
    if grades.count():  # the grade column (a grid) shows the label, its value is the rank
        grades.first.scroll_into_view_if_needed()
        assert grades.first.inner_text().strip() in ("重大风险", "较大风险", "一般风险", "低风险")
        _shot(page, "3c-priority")
    # 4. the KML of this wind incident: its placemark and the downwind polygon
    with page.expect_download() as info:
        page.click("button:has-text('KML')")
    root = ET.parse(info.value.path()).getroot()
    styles = [p.findtext(f"{KML}styleUrl") for p in root.iter(f"{KML}Placemark")]
    assert styles.count("#incident") == 1 and styles.count("#downwind") == 1
    downwind = next(p for p in root.iter(f"{KML}Placemark")
                    if p.findtext(f"{KML}styleUrl") == "#downwind")
    assert downwind.find(f"{KML}Polygon") is not None
    assert "wind from 135°" in downwind.findtext(f"{KML}description")
    # 5. the language switch reloads the page: the incident and the open chips stay
    page.click("#lang-switch")
    page.wait_for_url("**lang=en**")
    page.locator("#inc-zone-table").wait_for(timeout=20_000)
    page.wait_for_function("document.getElementById('inc-downwind-km') && "
                           "document.getElementById('inc-downwind-km').value === '6'",
                           timeout=15_000)
    assert page.input_value("#inc-wind") == "135"
    assert page.locator("#inc-open-list input").count() == 1
    assert page.locator("#inc-open-list input").first.is_checked()
    assert "Gas leak" in page.inner_text("#inc-type")
    page.frame_locator("#map-frame").locator("html[data-incident]").wait_for(timeout=10_000)
    page.locator("#inc-downwind").wait_for(timeout=10_000)
    _shot(page, "4-english")
    assert page.page_errors == []
