"""Zones as an analyst uses them, in a real Chromium: small hexagons by relative score,
out-of-range values refused on screen."""

import pytest

pytestmark = pytest.mark.browser


def _zones_tab(live_app, page):
    base, _ = live_app
    page.goto(base + "/")
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    page.get_by_text("风险分区").click()
    page.locator("#zon-method input[value='grid']").click()


def test_200_m_hexagons_by_score_come_out_in_all_four_grades(live_app, page):
    _zones_tab(live_app, page)
    page.fill("#zon-cell", "200")
    page.locator("#zon-shape input[value='hex']").click()
    page.locator("#zon-grade-by input[value='score']").click()
    page.click("#zon-run")
    page.locator("#zon-summary").wait_for(timeout=30_000)
    grades = page.eval_on_selector_all("#zon-summary tbody tr", "rs => rs.map(r => r.dataset.grade)")
    assert set(grades) == {"red", "orange", "yellow", "blue"}
    page.frame_locator("#map-frame").locator("html[data-overlay-zones]").wait_for(timeout=20_000)
    assert page.page_errors == [] and page.external_requests == []


def test_a_cell_size_out_of_range_is_refused_with_a_message(live_app, page):
    _zones_tab(live_app, page)
    page.fill("#zon-cell", "10")
    page.click("#zon-run")
    page.locator("#zon-result .error").wait_for(timeout=10_000)
    assert "网格大小须为 50–50,000 米，收到 10" in page.inner_text("#zon-result")
    assert page.locator("#zon-summary").count() == 0
