"""The hidden-dangers tab's callbacks, called directly (ui/panels/hazards.py)."""

from __future__ import annotations

import datetime as dt
import shutil

from data.hazards import HazardStore, stats_at, today_cst
from ui import ids
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
    assert panel.CALLBACK_ACTIONS == {ids.HAZ_TR_MESSAGE: "hazards.write"}


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
