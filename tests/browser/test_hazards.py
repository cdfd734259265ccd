"""The hidden-dangers tab in a real headless Chromium: the time slider moves the counts on screen
and on the map to the statistics of that month."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from data.hazards import HazardStore, stats_at
from data.store import FileStore

pytestmark = pytest.mark.browser


def _ready(page):
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)


def _counts(page):
    box = page.locator("#haz-counts > .haz-counts")
    return {k: int(box.get_attribute(f"data-{k}")) for k in ("found", "closed", "open",
                                                            "overdue")}


def test_the_slider_shows_the_stats_of_the_month(live_app, page, small_sample):
    base, _ = live_app
    frame = HazardStore(FileStore(small_sample).db).frame()
    page.goto(base + "/")
    _ready(page)
    page.locator(".tab", has_text=re.compile(r"^\s*隐患\s*$")).click()
    page.locator("#haz-counts > .haz-counts[data-found]").wait_for(timeout=20_000)
    before = page.locator("#haz-date").input_value()
    rail = page.locator("#haz-slider .dash-slider-track").bounding_box()
    assert rail is not None
    page.mouse.click(rail["x"] + rail["width"] * 0.3, rail["y"] + rail["height"] / 2)
    page.wait_for_function(
        f"document.querySelector('#haz-date').value !== '{before}'", timeout=20_000)
    page.wait_for_function(
        "document.querySelector('#haz-counts > .haz-counts').dataset.at === "
        "document.querySelector('#haz-date').value", timeout=20_000)
    day = dt.date.fromisoformat(page.locator("#haz-date").input_value())
    expected = stats_at(frame, day)["total"]
    assert _counts(page) == {k: expected[k] for k in ("found", "closed", "open", "overdue")}
    assert expected["found"] < len(frame)  # an earlier month than now
    shown = page.frame_locator("#map-frame").locator(
        f"html[data-hazards-day='{(day - dt.date(1970, 1, 1)).days}']")
    shown.wait_for(timeout=20_000)
    assert int(shown.get_attribute("data-hazards-found")) == expected["found"]
    assert int(shown.get_attribute("data-hazards-overdue")) == expected["overdue"]

    page.fill("#haz-date", "2025-12-31")
    page.press("#haz-date", "Enter")
    page.wait_for_function("document.querySelector('#haz-counts > .haz-counts').dataset.at === '2025-12-31'",
                           timeout=20_000)
    expected = stats_at(frame, dt.date(2025, 12, 31))["total"]
    assert _counts(page)["open"] == expected["open"]
    assert page.external_requests == [] and page.page_errors == []
