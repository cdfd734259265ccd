"""The incident tab's tables are dash-ag-grid grids, under the app's real Content-Security-Policy
(no ``bypass_csp``: the grids' formatters and comparator must run without eval): the priority
grid's grade column shows the grade's label and sorts by severity (first click on its header:
重大 first; the next: 低 first), checkpoint coordinates show six decimals, and on a phone the
grids scroll sideways inside themselves, not the page. Screenshots go to $RISKMAP_SHOTS
(when it is set)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1600, "height": 1000}}
SHOTS = Path(os.environ["RISKMAP_SHOTS"]) if os.environ.get("RISKMAP_SHOTS") else None
SEVERITY = ["重大风险", "较大风险", "一般风险", "低风险"]
"""The grade labels, most severe first (risk.grades.GRADES)."""


@pytest.fixture(scope="module")
def grid_app(private_app, tmp_path_factory):
    """The app on its own copy of the sample, ports 8680-8689."""
    with private_app(tmp_path_factory.mktemp("grid"), ports=range(8680, 8690)) as served:
        yield served.base_url


@pytest.fixture(params=list(SIZES))
def csp_page(browser, request):
    """A page that keeps the CSP (only locators, no wait_for_function: that needs eval)."""
    phone = request.param == "phone"
    context = browser.new_context(viewport=SIZES[request.param], has_touch=phone,
                                  is_mobile=phone, device_scale_factor=1)
    pg = context.new_page()
    pg.page_errors = []
    pg.console_errors = []
    pg.on("pageerror", lambda exc: pg.page_errors.append(str(exc)))
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.kind = request.param
    yield pg
    context.close()


def _shot(page, step: str) -> None:
    if SHOTS is None:  # screenshots only when asked for
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{page.kind}-{step}.png"))


def _place(page, base: str, lang: str = "zh") -> None:
    page.goto(base + ("/?lang=en" if lang == "en" else "/"))
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    tab = page.get_by_text("Incident", exact=True) if lang == "en" else page.get_by_text("事件警戒")
    tab.tap() if page.kind == "phone" else tab.click()
    page.fill("#inc-lon", "114.05")
    page.fill("#inc-lat", "22.60")
    page.fill("#inc-radii", "1,5,10")
    page.click("#inc-locate")
    page.locator("#inc-priority-table .ag-row").first.wait_for(timeout=15_000)
    if page.kind == "phone":  # raise the bottom sheet to full height
        for _ in range(3):
            if page.locator(".sidebar").get_attribute("data-sheet") == "full":
                break
            page.locator("#sheet-handle").tap()
            page.wait_for_timeout(300)
        assert page.locator(".sidebar").get_attribute("data-sheet") == "full"


def _column_texts(page, grid: str, col: str) -> list[str]:
    """The texts of column ``col`` on every page of ``grid``, in the grid's order (back on the
    first page afterwards)."""
    texts: list[str] = []
    root = page.locator(f"#{grid}")
    nxt = root.locator(".ag-paging-button").nth(2)  # first, previous, next, last
    while True:
        rows = root.locator(".ag-center-cols-container .ag-row")
        got = sorted((int(r.get_attribute("row-index")),
                      r.locator(f".ag-cell[col-id='{col}']").inner_text().strip())
                     for r in rows.all())
        texts.extend(t for _, t in got)
        if nxt.get_attribute("aria-disabled") == "true":
            break
        first = rows.first.get_attribute("row-index")
        nxt.click()
        root.locator(f".ag-row[row-index='{int(first) + 10}']").first.wait_for(timeout=5_000)
    first_page = root.locator(".ag-paging-button").nth(0)
    if first_page.get_attribute("aria-disabled") != "true":
        first_page.click()
    return texts


def test_the_grade_sorts_by_severity_under_the_csp(grid_app, csp_page):
    page = csp_page
    _place(page, grid_app)
    grid = "inc-priority-table"
    header = page.locator(f"#{grid} .ag-header-cell[col-id='grade_rank']")
    assert header.inner_text().strip() == "等级"
    before = _column_texts(page, grid, "grade_rank")
    assert before and set(before) <= set(SEVERITY)  # the label, not the rank
    assert len(set(before)) >= 2, before  # else sorting shows nothing
    # the first click: most severe first (重大 before 较大 …), every row kept
    header.locator(".ag-header-cell-label").click()
    header.locator(".ag-sort-descending-icon:not(.ag-hidden)").wait_for(timeout=5_000)
    down = _column_texts(page, grid, "grade_rank")
    assert down == sorted(before, key=SEVERITY.index)
    assert down[0] == min(before, key=SEVERITY.index)
    page.locator(f"#{grid}").scroll_into_view_if_needed()
    _shot(page, "1-grade-descending")
    # the next click: least severe first
    header.locator(".ag-header-cell-label").click()
    header.locator(".ag-sort-ascending-icon:not(.ag-hidden)").wait_for(timeout=5_000)
    up = _column_texts(page, grid, "grade_rank")
    assert up == sorted(before, key=SEVERITY.index, reverse=True)
    assert up[0] == max(before, key=SEVERITY.index)
    # the major-hazard column: yellow and blue rows are there only as major hazards
    major = _column_texts(page, grid, "major_label")
    assert set(major) <= {"是", "—"}
    assert all(m == "是" for g, m in zip(up, major, strict=True) if SEVERITY.index(g) >= 2)
    # checkpoint coordinates with six decimals (the formatter ran without eval)
    lon = page.locator("#inc-checkpoint-table .ag-cell[col-id='lon']")
    lon.first.wait_for(timeout=5_000)
    assert all(re.fullmatch(r"1\d\d\.\d{6}", t.strip()) for t in lon.all_inner_texts())
    lat = page.locator("#inc-checkpoint-table .ag-cell[col-id='lat']").all_inner_texts()
    assert lat and all(re.fullmatch(r"2\d\.\d{6}", t.strip()) for t in lat)
    page.locator("#inc-checkpoint-table").scroll_into_view_if_needed()
    _shot(page, "2-checkpoints")
    assert page.page_errors == []
    assert not [m for m in page.console_errors if "Content Security Policy" in m]


def test_on_a_phone_the_grids_scroll_inside_the_sheet(grid_app, csp_page):
    page = csp_page
    if page.kind != "phone":
        pytest.skip("the phone layout")
    _place(page, grid_app)
    grid = page.locator("#inc-priority-table")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5
    # the page itself does not scroll sideways; the grid's own body does
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    body = grid.locator(".ag-center-cols-viewport")
    assert body.evaluate("e => e.scrollWidth > e.clientWidth")
    _shot(page, "3-phone-grid")


def test_in_english_the_grids_say_it_in_english(grid_app, csp_page):
    page = csp_page
    if page.kind != "desktop":
        pytest.skip("one size is enough for the words")
    _place(page, grid_app, lang="en")
    root = page.locator("#inc-priority-table")
    heads = root.locator(".ag-header-cell-text").all_inner_texts()
    assert heads[:3] == ["Name", "Grade", "Major hazards"]
    grades = set(root.locator(".ag-row .ag-cell[col-id='grade_rank']").all_inner_texts())
    assert grades and all(g.endswith(")") and "risk" in g for g in grades)  # "Major risk (red)"
    assert "下一页" not in root.inner_text() and "Page" in root.inner_text()
    page.locator("#inc-priority-table").scroll_into_view_if_needed()
    _shot(page, "4-english")
    assert page.page_errors == []
