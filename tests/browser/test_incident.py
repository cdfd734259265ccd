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


def test_an_unsaved_incident_keeps_its_type_and_downwind_across_the_language_switch(
        live_app, page):
    base, _app = live_app
    page.goto(base + "/")
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    page.get_by_text("事件警戒").click()
    page.click("#inc-type")
    page.locator("[role=option]", has_text="火灾爆炸").first.click()
    page.wait_for_function("document.getElementById('inc-type').innerText.includes('火灾爆炸')")
    page.fill("#inc-lon", "114.0579")
    page.fill("#inc-lat", "22.5431")
    page.press("#inc-lat", "Enter")  # Enter places
    page.locator("#inc-zone-table").wait_for(timeout=20_000)
    page.fill("#inc-wind", "90")
    page.press("#inc-wind", "Enter")
    page.locator("#inc-downwind").wait_for(timeout=20_000)
    page.fill("#inc-downwind-km", "4")
    page.press("#inc-downwind-km", "Enter")
    page.wait_for_function("document.getElementById('inc-downwind').textContent.includes('4 km')",
                           timeout=20_000)
    page.click("#lang-switch")
    page.wait_for_url("**lang=en**")
    page.locator("#inc-zone-table").wait_for(timeout=20_000)
    page.wait_for_function("document.getElementById('inc-downwind-km') && "
                           "document.getElementById('inc-downwind-km').value === '4'",
                           timeout=15_000)
    assert page.input_value("#inc-wind") == "90"
    assert float(page.input_value("#inc-lon")) == pytest.approx(114.0579)
    page.wait_for_function("document.getElementById('inc-type').innerText.includes('Fire')",
                           timeout=10_000)
    page.locator("#inc-downwind").wait_for(timeout=10_000)
    assert page.page_errors == []


def test_a_four_ring_legend_says_each_range_once(live_app, page):
    base, _app = live_app
    page.goto(base + "/")
    frame_loc = page.frame_locator("#map-frame")
    frame_loc.locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    page.get_by_text("事件警戒").click()
    page.fill("#inc-lon", "114.0579")
    page.fill("#inc-lat", "22.5431")
    page.fill("#inc-radii", "1,5,10,30")
    page.press("#inc-radii", "Enter")
    frame_loc.locator("html[data-incident]").wait_for(timeout=20_000)
    frame = page.frame(url=lambda u: "map/analyst.html" in u)
    frame.wait_for_function("document.querySelectorAll('.rm-legend .rm-legend-row').length >= 4"
                            " && document.querySelector('.rm-legend').textContent.includes('外围')",
                            timeout=20_000)
    rows = frame.evaluate("Array.from(document.querySelectorAll('.rm-legend .rm-legend-row'))"
                          ".map(e => e.textContent.trim())")
    rings = [r for r in rows if "km" in r]
    assert "外围 10–30 km" in rings, rows
    assert len(rings) >= 4 and all(r.count("km") == 1 for r in rings), rings
    labels = frame.evaluate("Array.from(document.querySelectorAll('.rm-ring-label span'))"
                            ".map(e => e.textContent.trim())")
    assert "外围 10–30 km" in labels and all(t.count("km") == 1 for t in labels), labels
    assert page.page_errors == []


# -- saving, the paged list and its search (a private copy of the sample, ports 8850-8899) ----

@pytest.fixture()
def own_app(private_app, tmp_path):
    """The app on a private copy of the sample (it saves incidents), in local mode."""
    with private_app(tmp_path, ports=range(8850, 8900)) as served:
        yield served.base_url, served.root


def test_save_shows_it_first_in_the_list_and_search_finds_older_ones(own_app, page):
    from data.accounts import LOCAL_USER
    from data.incidents import Incident, IncidentStore

    base, root = own_app
    store = IncidentStore(root)
    store.add_many([Incident(lon=114.05 + i * 1e-3, lat=22.6, note=f"旧事件{i}",
                             created=f"2026-01-01T00:{i % 60:02d}:{i // 60:02d}+08:00")
                    for i in range(120)])
    page.goto(base + "/")
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    page.get_by_text("事件警戒").click()
    page.locator("#inc-saved-count").wait_for(timeout=10_000)
    assert "共 120 条" in page.locator("#inc-saved-count").inner_text()
    page.fill("#inc-lon", "114.05")
    page.fill("#inc-lat", "22.60")
    page.click("#inc-locate")
    page.locator("#inc-zone-table tr[data-zone='warning']").wait_for(timeout=10_000)
    page.fill("#inc-note", "浏览器保存")
    page.click("#inc-save")
    page.locator("#inc-message .ok").wait_for(timeout=10_000)
    assert "已保存事件" in page.locator("#inc-message").inner_text()
    page.locator("#inc-saved-count", has_text="121").wait_for(timeout=10_000)
    newest = store.list(limit=1)[0]
    assert newest.note == "浏览器保存"
    [row] = store.db.audit_rows(action="incident.create", limit=1)
    assert row["actor"] == LOCAL_USER and row["ids"] == [str(newest.id)]
    # an old incident beyond the first page is found by the search on the server
    page.fill("#inc-saved-search", "旧事件3")
    page.press("#inc-saved-search", "Enter")
    page.locator("#inc-saved-count", has_text="找到").wait_for(timeout=10_000)
    count = page.locator("#inc-saved-count").inner_text()
    assert "找到 1" in count  # 旧事件3 only (旧事件30… do not exist: 120 = 0..119)
    assert page.page_errors == []


def test_the_served_layout_does_not_grow_with_20000_incidents(own_app):
    """Issue 12: with 20,000 saved incidents the page layout was 2.25 MB (every incident)."""
    import urllib.request

    from data.sysdb import SystemDB
    from data.sysdb import incidents as table

    base, root = own_app

    def layout_bytes() -> int:
        with urllib.request.urlopen(base + "/_dash-layout", timeout=30) as answer:
            return len(answer.read())

    empty = layout_bytes()
    with SystemDB.for_folder(root).transaction() as conn:
        conn.execute(table.insert(), [
            {"created": f"2026-01-01T00:00:{i % 60:02d}+08:00", "lon": 114.05, "lat": 22.6,
             "radii_m": "[1000.0, 5000.0, 10000.0]", "type": "hazmat",
             "note": f"第{i}号 储罐泄漏，已疏散周边群众"} for i in range(20_000)])
    full = layout_bytes()
    assert full - empty < 12_000  # one page of 50 options, whatever the number kept
