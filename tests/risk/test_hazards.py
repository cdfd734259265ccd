"""The closed loop of hidden dangers and the as-of-date masks (risk/hazards.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from risk.hazards import (
    NO_DAY,
    STATUSES,
    HazardArrays,
    TransitionError,
    check_new_hazard,
    check_transition,
    parse_category,
    parse_level,
    parse_source,
    parse_status,
    parse_supervised,
    states_at,
)

TODAY = dt.date(2026, 6, 15)
RECT = {"deadline": "2026-07-01", "responsible_unit": "甲化工", "responsible_person": "王五"}


def _at(status, **more):
    return {"status": status, "found_at": "2026-05-01", **more}


@pytest.mark.parametrize("current", list(STATUSES)[:-1])
def test_each_step_goes_to_the_next_status_only(current):
    order = list(STATUSES)
    nxt = order[order.index(current) + 1]
    given = {"level": "major", **RECT, "reviewed_by": "赵六", "review_result": "已整改合格"}
    assert check_transition(_at(current), nxt, given, today=TODAY)["status"] == nxt
    for other in order:
        if other not in (nxt,) and not (current == "closed"):
            with pytest.raises(TransitionError, match="cannot go|already"):
                check_transition(_at(current), other, given, today=TODAY)


def test_a_skipped_step_names_the_next_one():
    with pytest.raises(TransitionError, match="next step is assessed"):
        check_transition(_at("registered"), "reported", today=TODAY)


def test_assessment_needs_the_level():
    with pytest.raises(TransitionError, match="`level`"):
        check_transition(_at("registered"), "assessed", today=TODAY)
    assert check_transition(_at("registered"), "assessed", {"level": "重大"},
                            today=TODAY)["level"] == "major"


def test_rectifying_names_each_missing_field():
    with pytest.raises(TransitionError) as err:
        check_transition(_at("monitored"), "rectifying", {"deadline": "2026-07-01"}, today=TODAY)
    assert "`responsible_unit`" in str(err.value) and "`responsible_person`" in str(err.value)
    assert "`deadline`" not in str(err.value).split("needs")[1]


def test_a_deadline_before_the_finding_is_refused():
    with pytest.raises(TransitionError, match="before the finding date"):
        check_transition(_at("monitored"), "rectifying", {**RECT, "deadline": "2026-04-30"},
                         today=TODAY)


def test_closing_needs_a_reviewer_other_than_the_responsible_person():
    h = _at("rectifying", **RECT)
    with pytest.raises(TransitionError, match="`reviewed_by`.*`review_result`"):
        check_transition(h, "closed", today=TODAY)
    with pytest.raises(TransitionError, match="reviewer '王五' is the responsible person"):
        check_transition(h, "closed", {"reviewed_by": "王五", "review_result": "合格"},
                         today=TODAY)
    done = check_transition(h, "closed", {"reviewed_by": "赵六", "review_result": "合格"},
                            today=TODAY)
    assert done["closed_at"] == TODAY.isoformat()


def test_a_closing_date_in_the_future_or_before_the_finding_is_refused():
    h = _at("rectifying", **RECT)
    ok = {"reviewed_by": "赵六", "review_result": "合格"}
    with pytest.raises(TransitionError, match="in the future"):
        check_transition(h, "closed", {**ok, "closed_at": "2026-06-16"}, today=TODAY)
    with pytest.raises(TransitionError, match="before the finding date"):
        check_transition(h, "closed", {**ok, "closed_at": "2026-04-01"}, today=TODAY)


def test_reopening_needs_a_reason_and_clears_the_review():
    h = _at("closed", **RECT, reviewed_by="赵六", closed_at="2026-06-01", review_result="合格")
    with pytest.raises(TransitionError, match="`note`"):
        check_transition(h, "rectifying", today=TODAY)
    out = check_transition(h, "rectifying", {"note": "复查发现反弹"}, today=TODAY)
    assert out == {"status": "rectifying", "closed_at": None, "reviewed_by": None,
                   "review_result": None}
    with pytest.raises(TransitionError, match="reopened"):
        check_transition(h, "registered", today=TODAY)


def test_a_new_hazard_collects_every_problem():
    with pytest.raises(TransitionError) as err:
        check_new_hazard({"title": "", "found_at": "2026-07-01", "level": "huge",
                          "deadline": "2026-01-01"}, today=TODAY)
    text = str(err.value)
    assert "`title`" in text and "future" in text and "`level`" in text


@pytest.mark.parametrize("parse, text, code", [
    (parse_status, "整改中", "rectifying"), (parse_level, "重大事故隐患", "major"),
    (parse_category, "危险化学品", "hazchem"), (parse_source, "执法检查", "enforcement"),
    (parse_supervised, "市级挂牌督办", "city")])
def test_usual_spellings_are_understood(parse, text, code):
    assert parse(text) == code


def test_an_unknown_spelling_lists_the_valid_ones():
    with pytest.raises(ValueError, match="重大事故隐患 \\(major\\)"):
        parse_level("大")


def test_states_at_a_date_count_found_closed_open_and_overdue():
    a = HazardArrays(found=np.array([0, 5, 20, 3]), closed=np.array([10, NO_DAY, NO_DAY, 9]),
                     deadline=np.array([8, 7, NO_DAY, 4]),
                     major=np.array([True, False, True, True]))
    day9 = states_at(a, 9)
    assert day9["found"].tolist() == [True, True, False, True]
    assert day9["closed"].tolist() == [False, False, False, True]
    assert day9["overdue"].tolist() == [True, True, False, False]
    assert day9["major_open"].tolist() == [True, False, False, False]
    day10 = states_at(a, 10)
    assert day10["open"].tolist() == [False, True, False, False]
