"""The incident store: round trip, restart, validation and transactional writes."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest
import shapely

from data.incidents import Incident, IncidentStore, incidents_path, parse_incident_type


@pytest.fixture
def store(tmp_path):
    return IncidentStore(incidents_path(tmp_path))


def test_add_get_list_delete_and_restart(store, tmp_path):
    a = store.add(Incident(lon=114.0579, lat=22.5431, type="危化品泄漏", note="储罐泄漏 <液氨>"))
    b = store.add(Incident(lon=113.9, lat=22.6, radii_m=(500, 2000), type="fire"))
    got = store.get(a)
    assert (got.lon, got.lat, got.type, got.type_zh) == (114.0579, 22.5431, "hazmat", "危化品泄漏")
    assert got.radii_m == (1000.0, 5000.0, 10000.0)
    assert got.note == "储罐泄漏 <液氨>"
    created = datetime.fromisoformat(got.created)
    assert created.utcoffset() == timedelta(hours=8)
    assert [i.id for i in store.list()] == [b, a]  # newest first
    # a new store object on the same file (an app restart) sees the same incidents
    again = IncidentStore(incidents_path(tmp_path))
    assert [i.to_dict() for i in again.list()] == [i.to_dict() for i in store.list()]
    again.delete(a)
    assert [i.id for i in store.list()] == [b]
    with pytest.raises(KeyError, match="no incident"):
        store.get(a)
    with pytest.raises(KeyError, match="no incident"):
        store.delete(a)
    assert len(store) == 1


@pytest.mark.parametrize(
    ("incident", "match"),
    [
        (Incident(lon=22.5, lat=114.0), "swapped"),
        (Incident(lon=114.0, lat=22.5, radii_m=(5000, 1000)), "ascending"),
        (Incident(lon=114.0, lat=22.5, radii_m=(-1,)), "positive"),
        (Incident(lon=114.0, lat=22.5, type="地震?"), "incident `type`"),
    ],
)
def test_bad_incidents_are_refused_and_nothing_is_saved(store, incident, match):
    store.add(Incident(lon=114.0, lat=22.5))
    with pytest.raises(ValueError, match=match):
        store.add(incident)
    assert len(store) == 1


def test_far_from_region_is_refused(store):
    region = shapely.box(113.75, 22.4, 114.65, 22.87)
    with pytest.raises(ValueError, match="region"):
        store.add(Incident(lon=120.0, lat=30.0), region=region)
    assert len(store) == 0


def test_a_failing_write_leaves_the_store_as_it_was(store, monkeypatch):
    first = store.add(Incident(lon=114.0, lat=22.5, note="原有"))
    before = [i.to_dict() for i in store.list()]

    # fault injection: the connection fails on the second INSERT of one transaction
    real_connect = store._connect

    class Failing:
        def __init__(self, conn):
            self.conn, self.inserts = conn, 0

        def execute(self, sql, *args):
            if sql.startswith("INSERT"):
                self.inserts += 1
                if self.inserts == 2:
                    raise sqlite3.OperationalError("disk I/O error (injected)")
            return self.conn.execute(sql, *args)

        def close(self):
            self.conn.close()

    monkeypatch.setattr(store, "_connect", lambda: Failing(real_connect()))
    with pytest.raises(sqlite3.OperationalError, match="injected"):
        store.add_many([Incident(lon=114.1, lat=22.6), Incident(lon=114.2, lat=22.7)])
    monkeypatch.undo()
    assert [i.to_dict() for i in store.list()] == before
    # a failing delete (constraint in the database itself) also leaves everything in place
    with pytest.raises(KeyError):
        store.delete(first + 100)
    assert [i.to_dict() for i in IncidentStore(store.path).list()] == before


def test_database_constraints_back_up_validation(store):
    conn = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO incidents (created, lon, lat, radii_m, type) "
                     "VALUES ('x', 200, 0, '[1000]', 'other')")
    conn.close()
    assert len(store) == 0


def test_incident_type_spellings():
    assert parse_incident_type("火灾") == "fire"
    assert parse_incident_type(" Gas leak ") == "gas"
    assert parse_incident_type(None) == "other"
    with pytest.raises(ValueError, match="危化品泄漏"):
        parse_incident_type("meteor")
