"""The hidden-dangers tab in a real headless Chromium: the time slider moves the counts on screen
and on the map to the statistics of that month (``riskmap hazards stats --at``); the ledger is
uploaded, imported with its row-level report, and exported as xlsx and CSV."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from data.hazards import HazardStore
from data.store import FileStore

pytestmark = pytest.mark.browser


def _cli_stats(folder, day: dt.date) -> dict:
    """What ``riskmap hazards stats --at DAY --format json`` prints (another process)."""
    out = subprocess.run([sys.executable, "-m", "ui.cli", "hazards", "stats", "--data",
                          str(folder), "--at", day.isoformat(), "--format", "json"],
                         capture_output=True, text=True, check=True, timeout=120)
    return json.loads(out.stdout)


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
    expected = _cli_stats(small_sample, day)["total"]
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
    expected = _cli_stats(small_sample, dt.date(2025, 12, 31))["total"]
    assert _counts(page) == {k: expected[k] for k in ("found", "closed", "open", "overdue")}
    assert page.external_requests == [] and page.page_errors == []


def test_play_runs_through_the_months_and_city_zoom_shows_districts(live_app, page,
                                                                     small_sample):
    base, _ = live_app
    page.goto(base + "/")
    _ready(page)
    page.locator(".tab", has_text=re.compile(r"^\s*隐患\s*$")).click()
    page.locator("#haz-counts > .haz-counts[data-found]").wait_for(timeout=20_000)
    frame = page.frame_locator("#map-frame")
    root = frame.locator("html[data-hazards-view]")
    root.wait_for(timeout=20_000)
    assert root.get_attribute("data-hazards-view") == "density"  # the city at first
    # one circle per district: the circles count the open hazards drawn
    assert int(root.get_attribute("data-hazards-density-total")) == int(
        root.get_attribute("data-hazards-open"))
    for _ in range(3):
        frame.locator(".leaflet-control-zoom-in").click()
    frame.locator("html[data-hazards-view='points']").wait_for(timeout=20_000)

    page.fill("#haz-date", "2025-03-31")
    page.press("#haz-date", "Enter")
    page.wait_for_function("document.querySelector('#haz-counts > .haz-counts').dataset.at "
                           "=== '2025-03-31'", timeout=20_000)
    page.click("#haz-play")
    page.wait_for_function("document.querySelector('#haz-counts > .haz-counts').dataset.at "
                           ">= '2025-05-31'", timeout=20_000)  # two months on, by itself
    page.click("#haz-play")  # pause
    page.wait_for_timeout(1500)
    day = page.locator("#haz-counts > .haz-counts").get_attribute("data-at")
    assert page.locator("#haz-date").input_value() == day
    expected = _cli_stats(small_sample, dt.date.fromisoformat(day))["total"]
    assert _counts(page) == {k: expected[k] for k in ("found", "closed", "open", "overdue")}
    page.wait_for_timeout(2500)  # paused: it stays
    assert page.locator("#haz-counts > .haz-counts").get_attribute("data-at") == day
    assert page.page_errors == []


@pytest.fixture()
def own_app(private_app, tmp_path):
    """The app on a copy of the sample (the ledger import writes), ports 8660-8669."""
    with private_app(tmp_path, ports=range(8660, 8670)) as served:
        yield served.base_url, served.root


LEDGER = (
    "某区安全隐患排查治理台账\n"
    "序号,排查时间,排查人,隐患名称,隐患等级,整改期限,责任部门,责任人,所属区,经度,纬度,备注\n"
    "1,2026-03-01,张三,浏览器测试储罐报警器失效,重大,2026-04-01,安全部,王五,福田区,114.05,22.54,=1+1\n"
    "2,2026-03-02,张三,浏览器测试通道堵塞,一般,,,,南山区,113.93,22.53,\n"
    "3,2026-03-03,李四,没有位置的隐患,一般,,,,南山区,,,\n"
    "4,2026-05-02,李四,期限早于发现,一般,2026-04-01,物业,周八,福田区,114.05,22.54,\n"
)


def test_the_ledger_is_imported_with_its_report_and_exported(own_app, page, tmp_path):
    base, root = own_app
    before = HazardStore(FileStore(root).db).count()
    path = tmp_path / "台账.csv"
    path.write_bytes(LEDGER.encode("gbk"))
    page.goto(base + "/")
    _ready(page)
    page.locator(".tab", has_text=re.compile(r"^\s*隐患\s*$")).click()
    page.locator("#haz-counts > .haz-counts[data-found]").wait_for(timeout=20_000)
    found_before = int(page.locator("#haz-counts > .haz-counts").get_attribute("data-found"))
    page.locator("#haz-ledger-upload input[type=file]").set_input_files(str(path))
    result = page.locator("#haz-ledger-result")
    result.get_by_text("隐患名称 → title", exact=False).wait_for(timeout=20_000)
    assert HazardStore(FileStore(root).db).count() == before  # an upload imports nothing
    page.click("#haz-ledger-run")
    report = page.locator("#haz-ledger-result .haz-ledger-report")
    report.wait_for(timeout=20_000)
    assert report.get_attribute("data-imported") == "2"
    assert report.get_attribute("data-rejected") == "2"
    rows = page.locator(".haz-ledger-rejected tbody tr")
    assert rows.count() == 2
    assert "no place" in rows.nth(0).inner_text() and "before" in rows.nth(1).inner_text()
    assert HazardStore(FileStore(root).db).count() == before + 2
    page.wait_for_function(  # the counts follow the import
        f"document.querySelector('#haz-counts > .haz-counts').dataset.found === "
        f"'{found_before + 2}'", timeout=20_000)

    with page.expect_download() as info:
        page.click("#haz-ledger-xlsx")
    data = open(info.value.path(), "rb").read()
    assert info.value.suggested_filename.endswith(".xlsx")
    ledger = pd.read_excel(io.BytesIO(data), sheet_name="隐患台账", dtype=str)
    history = pd.read_excel(io.BytesIO(data), sheet_name="处理记录", dtype=str)
    assert len(ledger) == before + 2 and set(history["hazard_id"]) == set(ledger["id"])
    mine = ledger[ledger["title"] == "浏览器测试储罐报警器失效"].iloc[0]
    assert mine["备注"] == "'=1+1"  # a formula is made text
    with page.expect_download() as info:
        page.click("#haz-ledger-csv")
    csv = pd.read_csv(info.value.path(), encoding="utf-8-sig", dtype=str)
    assert len(csv) == before + 2 and {"id", "level", "status", "district", "found_at",
                                       "deadline", "closed_at", "lon", "lat",
                                       "history"} <= set(csv.columns)
    assert page.external_requests == [] and page.page_errors == []


def test_enterprises_fade_under_the_hazards_in_their_tab_only(live_app, page):
    base, _ = live_app
    page.goto(base + "/")
    _ready(page)
    frame = page.frame_locator("#map-frame")
    points = frame.locator("canvas.rm-points")

    def opacity() -> float:
        return float(points.evaluate("c => getComputedStyle(c).opacity"))

    assert opacity() == 1.0
    page.locator(".tab", has_text=re.compile(r"^\s*隐患\s*$")).click()
    frame.locator("html[data-mode='hazards']").wait_for(timeout=20_000)
    assert opacity() == pytest.approx(0.3)
    page.locator(".tab", has_text=re.compile(r"^\s*事件警戒\s*$")).click()
    frame.locator("html[data-mode='incident']").wait_for(timeout=20_000)
    assert opacity() == 1.0
    assert page.page_errors == []
