"""Hazards in the records database of both stores (data/hazards.py), the schema-2 migration."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa

from data.hazards import HazardStore, Places, arrays_of, hazards_in_rings, monthly_stats, stats_at
from data.sysdb import DB_FILE, SCHEMA_VERSION, SystemDB
from risk.cordon import Cordon
from risk.hazards import TransitionError

TODAY = dt.date(2026, 6, 15)
BASE = {"title": "液氨储罐区报警器失效", "lon": 113.93, "lat": 22.53, "district": "南山区",
        "found_at": "2026-05-03", "category": "危化品", "source": "执法检查"}


def _walk_to(hz, hid, target, actor="li"):
    steps = {"registered": {}, "assessed": {"level": "major"}, "reported": {}, "monitored": {},
             "rectifying": {"deadline": "2026-06-01", "responsible_unit": "甲化工",
                            "responsible_person": "王五"},
             "closed": {"reviewed_by": "赵六", "review_result": "合格", "closed_at": "2026-06-10"}}
    for status, given in steps.items():
        hz.transition(hid, status, given, actor=actor, today=TODAY)
        if status == target:
            return


def test_a_hazard_walks_the_whole_loop_with_history_and_audit(any_store):
    hz = HazardStore(any_store.db)
    hid = hz.add(BASE, actor="li", today=TODAY)
    _walk_to(hz, hid, "closed")
    h = hz.get(hid)
    assert (h["status"], h["level"], h["closed_at"], h["reviewed_by"]) == (
        "closed", "major", "2026-06-10", "赵六")
    history = [(e["from_status"], e["to_status"]) for e in hz.events(hid)]
    assert history[0] == (None, "found") and history[-1] == ("rectifying", "closed")
    assert len(history) == 7
    audit = [r["action"] for r in any_store.db.audit_rows()]
    assert audit.count("hazard.transition") == 6 and audit.count("hazard.add") == 1


def test_a_refused_step_writes_nothing(any_store):
    hz = HazardStore(any_store.db)
    hid = hz.add(BASE, actor="li", today=TODAY)
    _walk_to(hz, hid, "monitored")
    before = (hz.get(hid), len(hz.events(hid)), len(any_store.db.audit_rows()))
    with pytest.raises(TransitionError, match="`responsible_person`"):
        hz.transition(hid, "rectifying", {"deadline": "2026-07-01",
                                          "responsible_unit": "甲化工"}, actor="li", today=TODAY)
    with pytest.raises(TransitionError, match="next step is rectifying"):
        hz.transition(hid, "closed", actor="li", today=TODAY)
    assert (hz.get(hid), len(hz.events(hid)), len(any_store.db.audit_rows())) == before


def test_district_limited_users_see_and_touch_only_their_districts(any_store):
    everyone = HazardStore(any_store.db)
    other = everyone.add({**BASE, "district": "福田区"}, actor="admin", today=TODAY)
    own = everyone.add(BASE, actor="admin", today=TODAY)
    limited = HazardStore(any_store.db, scope=["南山区"])
    assert [h["id"] for h in limited.list()] == [own]
    with pytest.raises(KeyError, match="no hazard"):
        limited.transition(other, "registered", actor="li", today=TODAY)
    with pytest.raises(PermissionError, match="outside your districts"):
        limited.add({**BASE, "district": "福田区"}, actor="li", today=TODAY)
    assert everyone.get(other)["status"] == "found"


def test_an_enterprise_places_the_hazard_and_an_unknown_one_is_refused(tmp_path):
    places = Places(enterprises={"e1": (114.05, 22.54, "福田区")})
    hz = HazardStore(SystemDB.for_folder(tmp_path), places=places)
    fields = {k: v for k, v in BASE.items() if k not in ("lon", "lat", "district")}
    h = hz.get(hz.add({**fields, "enterprise_id": "e1"}, actor="li", today=TODAY))
    assert (h["lon"], h["lat"], h["district"]) == (114.05, 22.54, "福田区")
    with pytest.raises(TransitionError, match="unknown `enterprise_id` 'e9'"):
        hz.add({**fields, "enterprise_id": "e9"}, actor="li", today=TODAY)
    with pytest.raises(TransitionError, match="no place"):
        hz.add(fields, actor="li", today=TODAY)
    assert hz.count() == 1


def test_a_schema_1_folder_is_migrated_on_open(tmp_path):
    path = tmp_path / DB_FILE
    db = SystemDB.for_folder(tmp_path)
    with db.transaction() as conn:  # make it look like risk-map before hazards
        conn.exec_driver_sql("DROP TABLE hazard_events")
        conn.exec_driver_sql("DROP TABLE hazards")
        conn.exec_driver_sql("DELETE FROM riskmap_schema WHERE version >= 2")
    db.engine.dispose()
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT max(version) FROM riskmap_schema").fetchone() == (1,)
    again = SystemDB.for_folder(tmp_path)
    assert again.schema_version() == SCHEMA_VERSION >= 2  # every later step runs too
    assert sa.inspect(again.engine).has_table("hazards")
    assert HazardStore(again).add(BASE, actor="li", today=TODAY) == 1


def test_stats_at_a_date_count_from_the_dates():
    frame = pd.DataFrame({
        "id": [1, 2, 3], "district": ["南山区", "南山区", "福田区"],
        "found_at": ["2026-01-05", "2026-02-01", "2026-03-01"],
        "closed_at": ["2026-02-10", None, None], "deadline": ["2026-01-31", "2026-02-15", None],
        "level": ["major", "major", "general"]})
    s = stats_at(frame, dt.date(2026, 2, 20))
    assert s["total"] == {"found": 2, "closed": 1, "open": 1, "overdue": 1, "major_open": 1,
                          "rate": 0.5}
    assert s["districts"]["福田区"]["found"] == 0


def test_open_hazards_in_rings_major_first(tmp_path):
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    hz = HazardStore(SystemDB.for_folder(tmp_path))
    c = (114.0, 22.5)
    for dist, level in [(500, "general"), (800, "major"), (3000, "major"), (20000, "major")]:
        lon, lat, _ = geod.fwd(c[0], c[1], 45.0, dist)
        hz.add({**BASE, "lon": lon, "lat": lat, "level": level}, actor="li", today=TODAY)
    closed = hz.add({**BASE, "lon": c[0], "lat": c[1], "level": "major"}, actor="li",
                    today=TODAY)
    _walk_to(hz, closed, "closed")
    rings = hazards_in_rings(hz, Cordon(c[0], c[1], (1000.0, 5000.0, 10000.0)), at=TODAY)
    assert rings["core"] == {"major_open": 1, "general_open": 1, "ids": [2, 1]}
    assert rings["control"]["major_open"] == 1 and rings["warning"]["major_open"] == 0


def test_riskmap_db_init_migrates_a_schema_1_postgis_database(pg_url):
    from data.pgstore import PostGISStore
    from data.sysdb import SchemaError

    store = PostGISStore(pg_url, check=False)
    store.initialise()
    with store.db.transaction() as conn:  # as risk-map before hazards left it
        conn.exec_driver_sql("DROP TABLE hazard_events")
        conn.exec_driver_sql("DROP TABLE hazards")
        conn.exec_driver_sql("DELETE FROM riskmap_schema WHERE version >= 2")
    with pytest.raises(SchemaError, match="schema version 1.*riskmap db init"):
        store.db.check_schema()
    store.initialise()  # what `riskmap db init` runs
    assert store.db.schema_version() == SCHEMA_VERSION >= 2
    assert HazardStore(store.db).add(BASE, actor="li", today=TODAY) == 1
    store.close()


def test_stats_as_of_a_date_follow_the_history_of_a_reopened_hazard(any_store):
    hz = HazardStore(any_store.db)
    today = dt.date(2026, 7, 1)
    hid = hz.add({**BASE, "found_at": "2026-03-01"}, actor="li", today=today)
    other = hz.add({**BASE, "found_at": "2026-03-05", "district": "福田区", "lon": 114.05},
                   actor="li", today=today)
    steps = [("registered", {}, "2026-03-02"), ("assessed", {"level": "major"}, "2026-03-02"),
             ("reported", {}, "2026-03-03"), ("monitored", {}, "2026-03-03"),
             ("rectifying", {"deadline": "2026-04-30", "responsible_unit": "甲化工",
                             "responsible_person": "王五"}, "2026-03-04"),
             ("closed", {"reviewed_by": "赵六", "review_result": "合格",
                         "closed_at": "2026-03-20"}, "2026-03-21T10:00:00+08:00"),
             ("rectifying", {"deadline": "2026-06-15"}, "2026-05-10T09:00:00+08:00")]
    for to, given, at in steps:
        note = "复查发现反弹 / relapsed" if to == "rectifying" and "responsible_unit" not in given \
            else ""
        hz.transition(hid, to, given, actor="li", at=at, note=note, today=today)
    assert hz.get(hid)["closed_at"] is None  # reopened: the row alone says "never closed"
    frame, events = hz.frame(), hz.all_events()

    def total(day):
        return stats_at(frame, dt.date.fromisoformat(day), events=events)["total"]

    assert total("2026-04-15") == {"found": 2, "closed": 1, "open": 1, "overdue": 0,
                                   "major_open": 0, "rate": 0.5}
    assert total("2026-06-01")["closed"] == 0 and total("2026-06-01")["major_open"] == 1
    assert total("2026-06-01")["overdue"] == 0   # the new deadline, 06-15, holds
    assert total("2026-06-20")["overdue"] == 1
    assert stats_at(frame, dt.date(2026, 4, 15))["total"]["closed"] == 0  # the row alone
    table = monthly_stats(frame, [dt.date(2026, 3, 31), dt.date(2026, 5, 31)], events=events)
    all_ = table[table["district"] == "合计"].set_index("month")
    assert all_.loc["2026-03", "closed"] == 1 and all_.loc["2026-05", "closed"] == 0
    assert all_.loc["2026-03", "open"] == 1 and all_.loc["2026-05", "open"] == 2
    assert other and len(arrays_of(frame, events).seg_hazard)


def test_a_new_hazard_keeps_its_deadline_in_its_first_history_row(any_store):
    hz = HazardStore(any_store.db)
    hid = hz.add({**BASE, "deadline": "2026-05-20", "level": "major"}, actor="li", today=TODAY)
    assert hz.events(hid)[0]["fields"] == {"level": "major", "deadline": "2026-05-20"}
    frame, events = hz.frame(), hz.all_events()
    assert stats_at(frame, dt.date(2026, 5, 25), events=events)["total"]["overdue"] == 1
