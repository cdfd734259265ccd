"""The synthetic hazard history of the sample (data/sample_hazards.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.hazards import HazardStore
from data.sample_hazards import SAMPLE_ACTOR, make_hazard_history
from data.store import FileStore
from risk.hazards import STATUSES, check_transition


@pytest.fixture(scope="module")
def history(small_dataset):
    return make_hazard_history(np.random.default_rng(3), small_dataset.enterprises,
                               end=dt.date(2026, 11, 1))


def test_the_shares_echo_the_plans(history):
    hazards, _ = history
    frame = pd.DataFrame(hazards)
    per_year = frame["level"].fillna("?").value_counts() / 2
    majors = frame[frame["level"] == "major"]
    assert 80 <= per_year["major"] <= 120 and 400 <= per_year["general"] <= 600
    found = pd.to_datetime(majors["found_at"])
    old = majors[found < pd.Timestamp("2025-11-01")]  # found at least a year ago
    closed = pd.to_datetime(old["closed_at"]) - pd.to_datetime(old["found_at"])
    within_year = (closed <= pd.Timedelta(days=365)).mean()
    assert 0.7 <= within_year <= 0.9
    assert (majors["supervised"] != "none").mean() > 0.2
    open_ = frame[frame["status"] != "closed"]
    assert (pd.to_datetime(open_["deadline"]) < pd.Timestamp("2026-11-01")).sum() > 10
    assert all(h["extra"] == {"synthetic": True} for h in hazards)


def test_every_history_obeys_the_closed_loop(history):
    hazards, events = history
    for hazard, evs in zip(hazards[:300], events[:300], strict=True):
        state = {"status": "found", "found_at": hazard["found_at"]}
        for e in evs[1:]:
            changes = check_transition(state, e["to_status"], e["fields"],
                                       today=dt.date.fromisoformat(e["at"]))
            state.update(changes)
        assert state["status"] == hazard["status"] == evs[-1]["to_status"]
        assert [e["at"] for e in evs] == sorted(e["at"] for e in evs)
    assert {h["status"] for h in hazards} == set(STATUSES)


def test_the_sample_folder_holds_the_history(small_sample):
    hz = HazardStore(FileStore(small_sample).db)
    frame = hz.frame()
    assert 1000 < len(frame) < 1500
    first = int(frame["id"].iloc[0])
    assert hz.events(first)[0]["actor"] == SAMPLE_ACTOR
