"""The overdue-inspection filter in headless Chromium: the map gets the rows as a compact bit
mask (``rowmask``, not a row list) and shows exactly the rows the server counts."""

import datetime as dt

import numpy as np
import pytest

from data.table_export import months_before, overdue_mask
from risk.stats import filter_mask

pytestmark = pytest.mark.browser


def _map_frame(page):
    page.wait_for_selector("#map-frame")
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    return page.frame(url=lambda u: "map/analyst.html" in u)


SHOWN_ROWS = ("(() => { const m = riskmap.state.enterprises._mask, out = [];"
              " for (let i = 0; i < m.length; i++) { if (m[i]) { out.push(i); } } return out; })()")


@pytest.mark.parametrize("months", [3, 14])
def test_overdue_filter_shows_exactly_the_rows_the_server_counts(live_app, page, months):
    base, app = live_app
    ents = app.state.dataset.enterprises
    page.goto(base + "/")
    frame = _map_frame(page)
    page.wait_for_function("document.querySelector('#count-value') !== null")
    overdue = overdue_mask(ents, before=months_before(dt.date.today(), months)).to_numpy()
    for untick in ([], ["blue"]):
        for grade in untick:
            page.locator(f"#filter-grades input[value='{grade}']").click()
        box = page.locator("#filter-overdue")
        box.fill(str(months))
        box.press("Enter")
        grades = [g for g in ("red", "orange", "yellow", "blue") if g not in untick]
        keep = overdue & filter_mask(ents, {"grades": grades}).to_numpy()
        expected = int(keep.sum())
        assert 0 < expected < len(ents)
        page.wait_for_function(
            f"document.querySelector('#count-value').dataset.count === '{expected}'")
        frame.locator(f"html[data-enterprises-shown='{expected}']").wait_for(timeout=10_000)
        # the very rows, not only their number; sent as bits, not as a list of row numbers
        assert frame.evaluate(SHOWN_ROWS) == np.flatnonzero(keep).tolist()
        sent = frame.evaluate("riskmap.state.lastFilter")
        assert isinstance(sent["rowmask"], str) and "rows" not in sent
        nbytes = (len(ents) + 7) // 8
        assert len(sent["rowmask"]) == 4 * ((nbytes + 2) // 3)  # base64 of one bit per row
    # clearing the months shows every row of the grades again, with no mask
    page.locator("#filter-overdue").fill("")
    page.locator("#filter-overdue").press("Enter")
    expected = int(filter_mask(ents, {"grades": ["red", "orange", "yellow"]}).sum())
    frame.locator(f"html[data-enterprises-shown='{expected}']").wait_for(timeout=10_000)
    assert "rowmask" not in frame.evaluate("riskmap.state.lastFilter")
    assert page.page_errors == [] and page.external_requests == []
