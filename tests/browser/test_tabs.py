"""Zones overlay, PDF export and language switch in a real headless Chromium."""

import pytest

pytestmark = pytest.mark.browser


def _ready(page):
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)


def test_zones_are_drawn_in_the_map_with_a_legend(live_app, page):
    base, _ = live_app
    page.goto(base + "/")
    _ready(page)
    page.get_by_text("风险分区").click()
    page.locator("#zon-method input[value='grid']").click()
    page.click("#zon-run")
    page.locator("#zon-summary").wait_for(timeout=20_000)
    frame = page.frame_locator("#map-frame")
    frame.locator("html[data-overlay-zones]").wait_for(timeout=20_000)
    assert "风险网格" in frame.locator("#rm-legend-zones").inner_text()
    assert page.external_requests == [] and page.page_errors == []


def test_print_button_downloads_a_pdf(live_app, page):
    base, _ = live_app
    page.goto(base + "/")
    _ready(page)
    page.get_by_text("打印出图").click()
    page.fill("#pdf-title", "测试出图")
    with page.expect_download(timeout=60_000) as info:
        page.click("#pdf-run")
    path = info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert info.value.suggested_filename.startswith("测试出图")


def test_english_switch(live_app, page):
    base, _ = live_app
    page.goto(base + "/")
    _ready(page)
    page.click("#lang-switch")
    page.wait_for_url("**lang=en")
    _ready(page)
    assert "Risk map" in page.locator("header").inner_text()
    legend = page.frame_locator("#map-frame").locator("#rm-legend").inner_text()
    assert "Major risk (red)" in legend


def test_print_layers_follow_the_map_layer_control(live_app, page):
    base, _ = live_app
    page.goto(base + "/")
    _ready(page)
    page.get_by_text("打印出图").click()
    checked = page.locator("#pdf-layers input[value='roads']")
    checked.wait_for()
    page.wait_for_function(
        "document.querySelector(\"#pdf-layers input[value='roads']\").checked === true")
    # switch roads off in the map's own layer control
    frame = page.frame_locator("#map-frame")
    frame.locator(".leaflet-control-layers label", has_text="道路").locator("input").click()
    page.wait_for_function(
        "document.querySelector(\"#pdf-layers input[value='roads']\").checked === false")
    assert page.locator("#pdf-layers input[value='enterprises']").is_checked()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_tab_label_is_whole_on_the_desktop(live_app, page, lang):
    base, _ = live_app
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(base + f"/?lang={lang}")
    _ready(page)
    tabs = page.locator(".sidebar .tabs .tab")
    tabs.nth(8).wait_for(timeout=20_000)
    clipped = page.evaluate(
        "Array.from(document.querySelectorAll('.sidebar .tabs .tab'))"
        ".filter(t => t.scrollWidth > t.clientWidth + 1 || t.getBoundingClientRect().right >"
        " document.querySelector('.sidebar').getBoundingClientRect().right + 1)"
        ".map(t => t.textContent)")
    assert clipped == []
    assert page.page_errors == []
