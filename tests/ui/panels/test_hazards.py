"""The hidden-dangers tab's callbacks, called directly (ui/panels/hazards.py)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import shutil

import flask
import pandas as pd
import pytest

from data.accounts import User
from data.hazards import HazardStore, stats_at, today_cst
from ui import access, ids
from ui.panels import hazards as panel
from ui.state import AppState

NO_FILTERS = {"levels": None, "categories": None, "districts": None, "sources": None,
              "supervised": None}


def _update(state, trigger, **more):
    args = {"trigger": trigger, "slider": None, "date_text": None, "filters": NO_FILTERS,
            "states": ["open", "overdue"], "tab": "hazards", "lang": "zh", **more}
    return panel.update(state, **args)


def test_each_slider_month_shows_the_stats_of_that_day(state):
    data = panel.hazard_data(state)
    months = panel.months_of(data, today_cst())
    for i in (0, len(months) // 2, len(months) - 1):
        counts, _, _, date, slider, cmd = _update(state, ids.HAZ_SLIDER, slider=i)
        day = months[i]
        expected = stats_at(data["frame"], day)["total"]
        assert date == day.isoformat() and slider == i
        assert counts.to_plotly_json()["props"]["data-found"] == str(expected["found"])
        assert counts.to_plotly_json()["props"]["data-overdue"] == str(expected["overdue"])
        assert cmd == {"type": "riskmap:hazards-at",
                       "day": (day - dt.date(1970, 1, 1)).days}


def test_the_date_box_moves_the_slider_and_a_bad_date_is_refused(state):
    counts, _, _, date, slider, _ = _update(state, ids.HAZ_DATE, date_text="2025/3/15")
    assert date == "2025-03-15"
    months = panel.months_of(panel.hazard_data(state), today_cst())
    assert months[slider] >= dt.date(2025, 3, 15) > months[slider - 1]
    message, *rest = _update(state, ids.HAZ_DATE, date_text="明天")
    assert "not a date" in str(message.children)


def test_filters_send_the_hazards_again_and_other_tabs_remove_them(state):
    *_, cmd = _update(state, ids.HAZ_LEVEL,
                      filters={**NO_FILTERS, "levels": ["major"]}, slider=5)
    hazards_cmd, at_cmd = cmd["commands"]
    frame = panel.hazard_data(state)["frame"]
    assert hazards_cmd["type"] == "riskmap:hazards"
    assert hazards_cmd["data"]["n"] == int((frame["level"] == "major").sum())
    assert set(hazards_cmd["data"]["major"]) == {1} and hazards_cmd["states"] == [1, 2]
    assert at_cmd["day"] == hazards_cmd["day"]
    *_, cmd = _update(state, ids.TABS, tab="analysis")
    assert cmd == {"type": "riskmap:hazards"}


def test_play_loops_over_the_months():
    assert panel.next_month(3, 10) == 4 and panel.next_month(10, 10) == 0


def test_a_step_from_the_form_is_saved_and_a_refused_one_names_the_reason(small_sample,
                                                                          tmp_path):
    shutil.copytree(small_sample, tmp_path / "ds")
    state = AppState(tmp_path / "ds")
    hz = HazardStore(state.store.db)
    hid = int(hz.frame().query("status == 'monitored'")["id"].iloc[0])
    message, written = panel.transition(state, hazard_id=hid, to="closed", fields={}, lang="zh")
    assert "next step is rectifying" in message.children and written is not None
    fields = {"deadline": today_cst().isoformat(), "responsible_unit": "甲",
              "responsible_person": "王五", "note": "限期整改"}
    message, written = panel.transition(state, hazard_id=hid, to="rectifying", fields=fields,
                                        lang="zh")
    assert "治理" in str(message.children) and written
    assert hz.events(hid)[-1]["note"] == "限期整改"
    before = panel.hazard_data(state)["frame"].set_index("id").loc[hid, "status"]
    assert before == "rectifying"  # the cache follows the change


def test_writing_needs_the_hazards_write_action():
    assert panel.CALLBACK_ACTIONS == {ids.HAZ_TR_MESSAGE: "hazards.write",
                                      ids.HAZ_LEDGER_RESULT: "hazards.write",
                                      ids.HAZ_LEDGER_DOWNLOAD: "read"}


def test_every_filter_narrows_the_counts(state):
    data = panel.hazard_data(state)
    frame = data["frame"]
    day = today_cst()
    everything = panel.counts_at(data, day, panel.filter_mask(data))["found"]
    for name, column, value in [("levels", "level", "major"), ("categories", "category", "gas"),
                                ("districts", "district", "南山区"),
                                ("sources", "source", "grid"),
                                ("supervised", "supervised", "city"),
                                ("statuses", "status", "rectifying")]:
        keep = panel.filter_mask(data, **{name: [value]})
        assert panel.counts_at(data, day, keep)["found"] == int((frame[column] == value).sum())
        assert 0 < keep.sum() < everything


def _data_url(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode("utf-8")).decode()


@pytest.fixture
def writable(small_sample, tmp_path):
    shutil.copytree(small_sample, tmp_path / "ds")
    return AppState(tmp_path / "ds")


def _ledger_csv(state) -> tuple[str, dict[str, int]]:
    ent = state.full_dataset.enterprises.iloc[0]
    future = (today_cst() + dt.timedelta(days=30)).isoformat()
    rows = [  # (row number in the file: header is row 1)
        ("排查时间,隐患描述,隐患等级,整改期限,责任部门,责任人,复查时间,复查人,复查结果,经度,纬度,企业编号,"
         "企业名称"),
        f"2026-03-01,储罐报警器失效,重大,2026-04-01,安全部,王五,,,,,,{ent['id']},",   # 2 ok
        "2026-03-01,通道堵塞,一般,,,,,,,114.05,22.54,,",                                # 3 ok
        "2026-03-01,无位置隐患,一般,,,,,,,,,,不存在的公司",                              # 4 no place
        "2026-05-02,期限早于发现,一般,2026-04-01,物业,周八,,,,114.05,22.54,,",          # 5 deadline
        f"2026-03-01,未来核销,一般,2026-04-01,安全部,王五,{future},赵六,合格,114.05,22.54,,",  # 6
        "2026-03-01,未知企业,一般,,,,,,,,,nope-id,",                                    # 7 enterprise
        "2026-03-01,缺复查人,一般,2026-04-01,安全部,王五,2026-03-20,,,114.05,22.54,,",  # 8 closed?
        ",,,,,,,,,114.05,22.54,,",                                                   # 9 no title
    ]
    return "\n".join(rows) + "\n", {"ok": 2}


def test_a_ledger_upload_then_import_reports_every_rejected_row(writable):
    text, _ = _ledger_csv(writable)
    before = HazardStore(writable.store.db).count()
    token, view = panel.ledger_upload(writable, contents=_data_url(text),
                                      filename="台账.csv", lang="zh")
    assert token and "隐患描述 → title" in str(view)
    assert HazardStore(writable.store.db).count() == before  # nothing imported by the upload
    report, written, cleared = panel.ledger_import(writable, token=token, strict=False,
                                                   lang="zh")
    assert written is not None and cleared is None
    assert report.to_plotly_json()["props"]["data-imported"] == "2"
    shown = str(report)
    for needle in ("no place", "before", "in the future", "unknown `enterprise_id` 'nope-id'",
                   "title"):
        assert needle in shown, needle
    reasons = {int(r.children[0].children): r.children[1].children for r in _rows(report)}
    assert set(reasons) == {4, 5, 6, 7, 8, 9}
    assert "`reviewed_by`" in reasons[8] and "`title`" in reasons[9]
    assert HazardStore(writable.store.db).count() == before + 2
    again = panel.ledger_import(writable, token=token, strict=False, lang="zh")[0]
    assert "error" in str(again) and "过期" not in str(again)  # the upload was removed


def _rows(report):
    """The rows of the rejected-rows table of a report view."""
    box = next(c for c in report.children
               if "haz-ledger-rejected" in str(getattr(getattr(c, "children", None),
                                                       "className", "")))
    return box.children.children[1].children


def test_a_strict_ledger_import_with_a_bad_row_writes_nothing(writable):
    text, _ = _ledger_csv(writable)
    token, _ = panel.ledger_upload(writable, contents=_data_url(text), filename="l.csv",
                                   lang="en")
    before = HazardStore(writable.store.db).count()
    report, written, _ = panel.ledger_import(writable, token=token, strict=True, lang="en")
    assert "nothing was written" in str(report).lower()
    assert written is panel.dash.no_update
    assert HazardStore(writable.store.db).count() == before


def test_a_ledger_over_the_upload_limit_is_refused_before_decoding(writable, monkeypatch):
    monkeypatch.setenv("RISKMAP_MAX_UPLOAD_MB", "0.001")
    token, view = panel.ledger_upload(writable, contents=_data_url("x" * 5000),
                                      filename="big.csv", lang="zh")
    assert token is None and "upload limit" in str(view)


def test_ledger_import_needs_hazards_write_inside_the_callback(writable):
    text, _ = _ledger_csv(writable)
    with flask.Flask(__name__).test_request_context("/"):
        access.set_current_user(User("li", "analyst"))
        token, view = panel.ledger_upload(writable, contents=_data_url(text), filename="l.csv",
                                          lang="zh")
        assert token is None and "not allowed" in str(view)
        report, written, _ = panel.ledger_import(writable, token={"token": "x"}, strict=False,
                                                 lang="zh")
        assert "not allowed" in str(report) and written is panel.dash.no_update
        assert [c.id for c in panel.ledger_layout("zh") if getattr(c, "id", None)] == [
            ids.HAZ_LEDGER_RESULT, ids.HAZ_LEDGER_DOWNLOAD]  # no upload for an analyst


def test_a_district_user_imports_and_exports_only_their_districts(writable):
    text, _ = _ledger_csv(writable)
    district = str(writable.full_dataset.enterprises["district"].iloc[0])  # row 2's place
    with flask.Flask(__name__).test_request_context("/"):
        access.set_current_user(User("li", "commander", districts=(district,)))
        token, _ = panel.ledger_upload(writable, contents=_data_url(text), filename="l.csv",
                                       lang="en")
        report, _, _ = panel.ledger_import(writable, token=token, strict=False, lang="en")
        for fmt in ("csv", "xlsx"):
            sent = panel.ledger_export(writable, fmt=fmt, lang="en")
            data = base64.b64decode(sent["content"])
            frame = (pd.read_csv(io.BytesIO(data), encoding="utf-8-sig") if fmt == "csv"
                     else pd.read_excel(io.BytesIO(data), sheet_name="隐患台账"))
            assert set(frame["district"]) == {district}
            assert len(frame) == int((HazardStore(writable.store.db).frame()["district"]
                                      == district).sum())
            assert "history" in frame.columns and sent["filename"].endswith(fmt)
    assert report.to_plotly_json()["props"]["data-imported"] == "1"  # row 3 is elsewhere
    assert "outside your districts" in str(report)
