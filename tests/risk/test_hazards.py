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
    closed_between,
    parse_category,
    parse_level,
    parse_source,
    parse_status,
    parse_supervised,
    simple_form,
    states_at,
    timeline,
    with_timelines,
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


def _d(text):
    return (dt.date.fromisoformat(text) - dt.date(1970, 1, 1)).days


def _one(steps, *, found="2026-03-01", deadline=NO_DAY, closed=NO_DAY, major=True):
    """Arrays of one hazard with its history (steps with ISO dates)."""
    conv = [(_d(at), to, None if dl is None else _d(dl), None if cl is None else _d(cl))
            for at, to, dl, cl in steps]
    base = HazardArrays(found=np.array([_d(found)], np.int32),
                        closed=np.array([closed], np.int32),
                        deadline=np.array([deadline], np.int32), major=np.array([major]))
    return with_timelines(base, {0: timeline(_d(found), conv, deadline=deadline,
                                             closed=closed)})


def _state(arrays, day):
    m = states_at(arrays, dt.date.fromisoformat(day))
    for name in ("overdue", "closed", "open"):
        if m[name][0]:
            return name
    return "not found"


LOOP = [("2026-03-01", "found", None, None), ("2026-03-02", "registered", None, None),
        ("2026-03-03", "assessed", None, None), ("2026-03-04", "reported", None, None),
        ("2026-03-05", "monitored", None, None),
        ("2026-03-06", "rectifying", "2026-04-30", None)]


def test_closed_in_march_and_reopened_in_may_is_closed_in_april_and_open_in_june():
    a = _one([*LOOP, ("2026-03-20", "closed", None, "2026-03-20"),
              ("2026-05-10", "rectifying", "2026-07-31", None)])
    assert [_state(a, d) for d in ("2026-02-28", "2026-03-10", "2026-04-15", "2026-05-09",
                                   "2026-06-01", "2026-08-01")] == [
        "not found", "open", "closed", "closed", "open", "overdue"]
    assert len(a.seg_hazard)  # the history needs its segments
    march, may = (_d("2026-03-01"), _d("2026-03-31")), (_d("2026-05-01"), _d("2026-05-31"))
    assert closed_between(a, *march).tolist() == [True]
    assert closed_between(a, *may).tolist() == [False]


def test_overdue_uses_the_deadline_valid_on_the_day():
    extended_in_time = _one([*LOOP, ("2026-04-20", "rectifying", "2026-05-31", None)])
    # a deadline extension recorded as a step (what the rule reads is the deadline it sets)
    assert _state(extended_in_time, "2026-05-15") == "open"
    late = _one([*LOOP, ("2026-05-20", "closed", None, "2026-05-20"),
                 ("2026-05-25", "rectifying", "2026-06-30", None)])
    assert _state(late, "2026-05-10") == "overdue"   # past 04-30, not closed yet
    assert _state(late, "2026-05-22") == "closed"
    assert _state(late, "2026-06-15") == "open"      # reopened with a new deadline
    assert _state(late, "2026-07-01") == "overdue"


def test_the_first_deadline_holds_from_the_finding_as_a_ledger_counts_it():
    a = _one([("2026-03-01", "found", None, None),
              ("2026-06-01", "rectifying", "2026-04-30", None)])
    assert _state(a, "2026-05-10") == "overdue"
    assert not len(a.seg_hazard)  # one closing, one deadline: the two per-hazard numbers


def test_a_backdated_review_counts_from_its_review_date():
    a = _one([*LOOP[:5], ("2026-03-15", "rectifying", "2026-04-30", None),
              ("2026-03-16", "closed", None, "2026-03-10")])
    assert _state(a, "2026-03-09") == "open"
    assert _state(a, "2026-03-12") == "closed"


def test_a_ledger_row_recorded_straight_as_closed_is_open_until_its_review():
    a = _one([("2026-11-30", "closed", "2026-04-30", "2026-05-10")])
    assert [_state(a, d) for d in ("2026-04-01", "2026-05-05", "2026-05-10")] == [
        "open", "overdue", "closed"]


def test_without_history_the_row_is_read():
    assert timeline(3, [], deadline=9, closed=12) == [(3, False, 9), (12, True, 9)]
    assert simple_form(timeline(3, [], deadline=9, closed=12)) == (12, 9)


def test_arrays_with_random_histories_give_the_state_of_their_segments():
    """Compact arrays (simple form or segments) against reading each hazard's segments."""
    rng = np.random.default_rng(3)
    found = rng.integers(0, 200, 300)
    timelines = {}
    for i, f in enumerate(found):
        day, segs, closed = int(f), [], False
        for _ in range(int(rng.integers(1, 6))):
            closed = (not closed) if segs and rng.random() < 0.6 else closed
            dl = int(rng.integers(f, f + 120)) if rng.random() < 0.7 else NO_DAY
            if segs and segs[-1][1:] == (closed, dl):
                continue
            segs.append((day, closed, dl))
            day += int(rng.integers(1, 60))
        timelines[i] = segs
    base = HazardArrays(found=found.astype(np.int32), closed=np.full(300, NO_DAY, np.int32),
                        deadline=np.full(300, NO_DAY, np.int32), major=rng.random(300) < 0.3)
    arrays = with_timelines(base, timelines)
    assert 0 < len(set(arrays.seg_hazard.tolist())) < 300  # both forms are exercised
    for day in range(0, 500, 7):
        masks = states_at(arrays, day)
        for i, segs in timelines.items():
            now = [s for s in segs if s[0] <= day]
            closed = bool(now) and now[-1][1]
            overdue = bool(now) and not closed and now[-1][2] < day
            assert masks["found"][i] == (found[i] <= day)
            assert masks["closed"][i] == closed, (i, day, segs)
            assert masks["overdue"][i] == overdue, (i, day, segs)
