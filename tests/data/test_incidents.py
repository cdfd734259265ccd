"""The incident store: round trip, restart, validation, transactional and audited writes,
pages, the legacy incidents.sqlite, failing disks and locks."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timedelta

import pytest
import shapely
import sqlalchemy as sa

from data.incidents import (
    LEGACY_FILE,
    LEGACY_SETTING,
    Incident,
    IncidentStore,
    import_legacy_incidents,
    incidents_for,
    incidents_path,
    parse_incident_type,
)
from data.store import FileStore
from data.sysdb import ReadOnlyStore, StoreBusy, StoreUnavailable, SystemDB


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


def _fail_on(engine, nth: int, message: str, *, statement: str = "INSERT INTO incidents"):
    """Fault injection: the ``nth`` statement starting with ``statement`` raises
    ``sqlite3.OperationalError(message)`` (as the driver would); returns the listener."""
    seen = {"n": 0}

    def before(conn, cursor, sql, params, context, executemany):
        if sql.lstrip().upper().startswith(statement.upper()):
            seen["n"] += 1
            if seen["n"] == nth:
                raise sqlite3.OperationalError(message)

    sa.event.listen(engine, "before_cursor_execute", before)
    return before


def test_a_failing_write_leaves_the_store_as_it_was(store):
    first = store.add(Incident(lon=114.0, lat=22.5, note="原有"))
    before = [i.to_dict() for i in store.list()]
    audit_before = len(store.db.audit_rows())

    # fault injection: the second INSERT of one transaction fails (after the incidents' one)
    listener = _fail_on(store.db.engine, 2, "disk I/O error (injected)", statement="INSERT")
    with pytest.raises(sa.exc.OperationalError, match="injected"):
        store.add_many([Incident(lon=114.1, lat=22.6), Incident(lon=114.2, lat=22.7)])
    sa.event.remove(store.db.engine, "before_cursor_execute", listener)
    assert [i.to_dict() for i in store.list()] == before
    assert len(store.db.audit_rows()) == audit_before  # no audit row for what was not saved
    # a failing delete (no such incident) also leaves everything in place
    with pytest.raises(KeyError):
        store.delete(first + 100, actor="li")
    assert [i.to_dict() for i in IncidentStore(store.path).list()] == before
    assert len(store.db.audit_rows()) == audit_before


def test_update_checks_like_a_new_incident(store):
    new = store.add(Incident(lon=114.0, lat=22.5, note="a"))
    changed = store.update(new, actor="li", note="b", radii_m=(500, 2000), type="燃气")
    assert (changed.note, changed.radii_m, changed.type) == ("b", (500.0, 2000.0), "gas")
    got = store.get(new)
    assert (got.note, got.radii_m, got.type, got.lon) == ("b", (500.0, 2000.0), "gas", 114.0)
    with pytest.raises(ValueError, match="ascending"):
        store.update(new, radii_m=(5000, 1000))
    with pytest.raises(ValueError, match="cannot change created"):
        store.update(new, created="2020-01-01")
    with pytest.raises(KeyError, match="no incident"):
        store.update(new + 1, note="x")
    assert store.get(new).radii_m == (500.0, 2000.0)


def test_every_change_has_its_audit_row_with_the_actor(store):
    a, b = store.add_many([Incident(lon=114.0, lat=22.5), Incident(lon=114.1, lat=22.6)],
                          actor="commander:wang")
    store.update(a, actor="commander:li", note="已处置")
    store.delete(b, actor="admin:zhao")
    rows = [(r["actor"], r["action"], r["ids"], r["ok"]) for r in store.db.audit_rows()]
    assert rows == [
        ("commander:wang", "incident.create", [str(a)], True),
        ("commander:wang", "incident.create", [str(b)], True),
        ("commander:li", "incident.update", [str(a)], True),
        ("admin:zhao", "incident.delete", [str(b)], True),
    ]
    assert store.db.audit_rows(action="incident.update")[0]["detail"] == {"note": ["", "已处置"]}


def test_pages_newest_first_search_and_area(store):
    made = store.add_many([Incident(lon=113.9 + i * 0.01, lat=22.5, note=f"第{i}号 Tank",
                                    type="fire" if i % 2 else "gas",
                                    created=f"2026-01-01T00:{i:02d}:00+08:00")
                           for i in range(25)])
    newest = list(reversed(made))
    assert [i.id for i in store.list(limit=10)] == newest[:10]
    assert [i.id for i in store.list(offset=10, limit=10)] == newest[10:20]
    assert [i.id for i in store.list(offset=20, limit=10)] == newest[20:]
    assert store.list(offset=30, limit=10) == []
    assert store.count() == len(store) == 25
    # search: part of the note in any case, an id, a type
    assert [i.id for i in store.list(search="第3号")] == [made[3]]
    assert store.count(search="tank") == 25
    assert [i.id for i in store.list(search=f"#{made[7]}")] == [made[7]]
    assert store.count(search="燃气") == 13
    assert store.list(search="100%") == [] and store.list(search="_") == []
    # area: only those inside (the first 10: lon 113.90 … 113.99)
    area = shapely.box(113.895, 22.4, 113.995, 22.6)
    assert store.count(within=area) == 10
    assert [i.id for i in store.list(within=area, limit=4)] == newest[15:19]
    assert [i.id for i in store.list(within=area, offset=8, limit=4)] == newest[23:25]
    assert store.count(within=area, search="燃气") == 5
    assert area.equals(shapely.box(113.895, 22.4, 113.995, 22.6))  # not prepared in place


# -- legacy incidents.sqlite -------------------------------------------------------------------

_LEGACY_SCHEMA = """
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    radii_m TEXT NOT NULL,
    type TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
)
"""


def _legacy_file(folder, rows):
    path = folder / LEGACY_FILE
    conn = sqlite3.connect(path)
    conn.execute(_LEGACY_SCHEMA)
    conn.executemany("INSERT INTO incidents VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return path


LEGACY_ROWS = [
    (3, "2025-06-01T10:00:00+08:00", 114.05, 22.55, "[1000.0, 5000.0, 10000.0]", "hazmat",
     "液氨泄漏"),
    (7, "2025-06-02T11:00:00+08:00", 114.1, 22.6, "[500.0, 2000.0]", "fire", ""),
]


def test_legacy_incidents_are_copied_once_with_their_ids(tmp_path):
    old = _legacy_file(tmp_path, LEGACY_ROWS)
    old_bytes = old.read_bytes()
    store = incidents_for(FileStore(tmp_path))
    got = {i.id: i for i in store.list()}
    assert sorted(got) == [3, 7]
    assert (got[3].note, got[3].type, got[7].radii_m) == ("液氨泄漏", "hazmat", (500.0, 2000.0))
    assert json.loads(store.db.setting(LEGACY_SETTING))["count"] == 2
    assert old.read_bytes() == old_bytes  # the old file is left alone
    # opened again (another process, a restart): nothing is copied twice
    assert import_legacy_incidents(SystemDB.for_folder(tmp_path), tmp_path) == 0
    assert len(IncidentStore(tmp_path)) == 2
    new = store.add(Incident(lon=114.0, lat=22.5))
    assert new > 7  # new ids come after the imported ones
    [row] = store.db.audit_rows(action="incident.import")
    assert (row["actor"], sorted(row["ids"])) == ("system", ["3", "7"])


def test_legacy_ids_already_taken_are_renumbered(tmp_path):
    db = SystemDB.for_folder(tmp_path)
    taken = IncidentStore(db).add_many([Incident(lon=113.0, lat=22.0)] * 3)  # ids 1, 2, 3
    assert taken == [1, 2, 3]
    _legacy_file(tmp_path, LEGACY_ROWS)
    assert import_legacy_incidents(db, tmp_path) == 2
    store = IncidentStore(db)
    assert len(store) == 5
    assert store.get(7).type == "fire" and store.get(3).lon == 113.0  # 3 was taken
    [row] = db.audit_rows(action="incident.import")
    moved = row["detail"]["renumbered"]["3"]
    assert store.get(moved).note == "液氨泄漏"


def test_a_broken_legacy_file_is_skipped_with_its_reason(tmp_path):
    (tmp_path / LEGACY_FILE).write_bytes(b"not a database at all" * 100)
    store = IncidentStore(tmp_path)
    assert len(store) == 0
    record = json.loads(store.db.setting(LEGACY_SETTING))
    assert "DatabaseError" in record["skipped"]
    assert store.db.audit_rows(action="incident.import")[0]["ok"] is False


def test_a_read_only_folder_reads_and_does_not_import(tmp_path, monkeypatch):
    IncidentStore(tmp_path)  # the records database exists, without the legacy rows
    _legacy_file(tmp_path, LEGACY_ROWS)
    _read_only(monkeypatch)
    store = incidents_for(FileStore(tmp_path))
    assert store.db.read_only and store.list() == []
    assert store.db.setting(LEGACY_SETTING) is None


# -- failing disks and locks (issue 12) ----------------------------------------------------------

def _read_only(monkeypatch):
    """This process may not write the dataset folder (root ignores chmod, so ask os.access)."""
    import data.sysdb

    real = os.access
    monkeypatch.setattr(data.sysdb.os, "access",
                        lambda path, mode, **kw: False if mode & os.W_OK else real(path, mode))


def test_read_only_dataset_refuses_writes_with_the_reason(tmp_path, monkeypatch):
    IncidentStore(tmp_path).add(Incident(lon=114.0, lat=22.5))
    _read_only(monkeypatch)
    store = IncidentStore(tmp_path)
    assert len(store) == 1  # reading works
    with pytest.raises(ReadOnlyStore, match="只读.*read-only"):
        store.add(Incident(lon=114.1, lat=22.6))
    with pytest.raises(ReadOnlyStore):
        store.delete(1)
    monkeypatch.undo()
    assert len(IncidentStore(tmp_path)) == 1


@pytest.mark.parametrize("statement", ["INSERT INTO incidents", "INSERT INTO audit_log"])
def test_disk_full_names_the_cause_and_writes_nothing(store, statement):
    store.add(Incident(lon=114.0, lat=22.5))
    listener = _fail_on(store.db.engine, 1, "database or disk is full", statement=statement)
    with pytest.raises(StoreUnavailable) as info:
        store.add_many([Incident(lon=114.1, lat=22.6), Incident(lon=114.2, lat=22.7)])
    sa.event.remove(store.db.engine, "before_cursor_execute", listener)
    assert "database or disk is full" in str(info.value) and "磁盘已满" in str(info.value)
    assert "cannot rollback" not in str(info.value)
    assert len(store) == 1 and len(store.db.audit_rows()) == 1


def test_disk_full_at_commit_names_the_cause(store, monkeypatch):
    store.add(Incident(lon=114.0, lat=22.5))
    dialect = store.db.engine.dialect

    def full(dbapi_conn):
        dbapi_conn.rollback()  # SQLite rolls the transaction back itself when the disk is full
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(dialect, "do_commit", full)
    with pytest.raises(StoreUnavailable, match="database or disk is full") as info:
        store.add(Incident(lon=114.1, lat=22.6))
    assert "cannot rollback" not in str(info.value)
    monkeypatch.undo()
    assert len(store) == 1


def test_a_locked_database_is_refused_after_the_bounded_wait(tmp_path, monkeypatch):
    import data.sysdb

    monkeypatch.setattr(data.sysdb, "LOCK_TIMEOUT_S", 0.2)
    store = IncidentStore(tmp_path)
    store.add(Incident(lon=114.0, lat=22.5))
    other = sqlite3.connect(incidents_path(tmp_path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(StoreBusy, match="占用.*busy"):
            store.add(Incident(lon=114.1, lat=22.6))
        assert len(store) == 1  # reading still works while it is locked
    finally:
        other.rollback()
        other.close()
    store.add(Incident(lon=114.1, lat=22.6))
    assert len(store) == 2


# -- the same answers on either store (folder and PostGIS) ---------------------------------------

def test_incidents_on_either_store(any_store):
    store = incidents_for(any_store)
    made = store.add_many([Incident(lon=113.9 + i * 0.01, lat=22.5, note=f"第{i}号 Tank_{i}%",
                                    type="fire" if i % 2 else "gas",
                                    created=f"2026-01-01T00:{i:02d}:00+08:00")
                           for i in range(12)], actor="wang")
    assert made == sorted(made) and len(set(made)) == 12
    newest = list(reversed(made))
    assert [i.id for i in store.list(offset=3, limit=4)] == newest[3:7]
    assert store.count() == 12 and store.count(search="tank") == 12
    assert [i.id for i in store.list(search="第3号")] == [made[3]]
    assert [i.id for i in store.list(search="_1%")] == [made[1]]  # LIKE wildcards are text
    assert [i.id for i in store.list(search=f"#{made[5]}")] == [made[5]]
    assert store.count(search="燃气") == 6
    area = shapely.box(113.895, 22.4, 113.955, 22.6)  # the first six
    assert [i.id for i in store.list(within=area)] == newest[6:]
    store.update(made[0], actor="li", note="改")
    assert store.get(made[0]).note == "改"
    store.delete(made[1], actor="zhao")
    with pytest.raises(KeyError, match="no incident"):
        store.get(made[1])
    actions = [(r["actor"], r["action"]) for r in any_store.db.audit_rows()
               if r["action"].startswith("incident")]
    assert actions == [("wang", "incident.create")] * 12 + [("li", "incident.update"),
                                                            ("zhao", "incident.delete")]
    again = incidents_for(any_store)
    assert [i.to_dict() for i in again.list()] == [i.to_dict() for i in store.list()]


def test_concurrent_saves_all_land_with_their_audit_rows(any_store):
    """Four writers (each with its own connection to the store) save 10 incidents each, one
    at a time: none is lost, no id is given twice, every one has its audit row."""
    import threading

    def writer(n: int) -> None:
        store = (IncidentStore(any_store.root) if hasattr(any_store, "root")
                 else incidents_for(any_store))
        for i in range(10):
            store.add(Incident(lon=114.0 + i * 1e-3, lat=22.5, note=f"w{n}-{i}"), actor=f"w{n}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store = incidents_for(any_store)
    notes = sorted(i.note for i in store.list())
    assert notes == sorted(f"w{n}-{i}" for n in range(4) for i in range(10))
    rows = any_store.db.audit_rows(action="incident.create")
    assert sorted(int(r["ids"][0]) for r in rows) == sorted(i.id for i in store.list())


# -- the wind, the history of updates, schema 3 ---------------------------------------------------

def test_wind_is_kept_and_checked(store):
    a = store.add(Incident(lon=114.0579, lat=22.5431, radii_m=(1000, 4000), wind_from_deg=360))
    got = store.get(a)
    assert (got.wind_from_deg, got.downwind_m) == (0.0, 4000.0)  # 360 is north; default reach
    b = store.add(Incident(lon=114.0, lat=22.5, wind_from_deg=45.5, downwind_m=7500))
    assert store.get(b).to_dict()["wind_from_deg"] == 45.5
    assert store.get(b).to_dict()["downwind_m"] == 7500.0
    assert store.get(store.add(Incident(lon=114.0, lat=22.5))).downwind_m is None
    for bad, match in [({"wind_from_deg": 361}, "0–360"), ({"wind_from_deg": "东"}, "0–360"),
                       ({"downwind_m": 3000}, "needs a wind"),
                       ({"wind_from_deg": 10, "downwind_m": 250_000}, "at most 100 km, got 250 km"),
                       ({"wind_from_deg": 10, "downwind_m": -1000}, "got -1 in")]:
        with pytest.raises(ValueError, match=match):
            store.add(Incident(lon=114.0, lat=22.5, **bad))
    assert len(store) == 3


def test_an_update_is_the_same_incident_with_its_history(store):
    a = store.add(Incident(lon=114.0, lat=22.5, type="gas"), actor="wang")
    moved = store.update(a, actor="li", lon=114.01, radii_m=(500, 2000))
    assert moved.updated and store.get(a).updated == moved.updated
    store.update(a, actor="li", wind_from_deg=90)
    store.update(a, actor="zhao", note="已处置", type="fire")
    store.update(a, actor="zhao", note="已处置")  # nothing changes: nothing written
    assert len(store) == 1 and store.get(a).id == a
    history = store.history(a)
    assert [(h["actor"], h["action"]) for h in history] == [
        ("wang", "create"), ("li", "update"), ("li", "update"), ("zhao", "update")]
    assert history[0]["changes"]["type"] == {"from": None, "to": "gas"}
    assert history[1]["changes"] == {"lon": {"from": 114.0, "to": 114.01},
                                     "radii_m": {"from": [1000.0, 5000.0, 10000.0],
                                                 "to": [500.0, 2000.0]}}
    assert history[2]["changes"] == {"wind_from_deg": {"from": None, "to": 90.0},
                                     "downwind_m": {"from": None, "to": 2000.0}}
    assert set(history[3]["changes"]) == {"note", "type"}
    store.update(a, actor="li", wind_from_deg=None)  # clearing the wind clears its reach
    assert (store.get(a).wind_from_deg, store.get(a).downwind_m) == (None, None)
    with pytest.raises(ValueError, match="0–360"):
        store.update(a, actor="li", wind_from_deg=500)
    assert len(store.history(a)) == 5  # the refused update left no trace
    store.delete(a, actor="zhao")
    assert store.history(a)[-1]["action"] == "delete"
    assert store.history(999) == []


def _make_v2(db: SystemDB) -> None:
    """Turn a current records database into one as risk-map with schema 2 left it."""
    with db.transaction() as conn:
        conn.exec_driver_sql("DROP TABLE incident_events")
        conn.exec_driver_sql("ALTER TABLE incidents DROP COLUMN wind_from_deg")
        conn.exec_driver_sql("ALTER TABLE incidents DROP COLUMN downwind_m")
        conn.exec_driver_sql("DELETE FROM riskmap_schema WHERE version = 3")
        conn.exec_driver_sql(
            "INSERT INTO incidents (created, lon, lat, radii_m, type, note, created_by, updated) "
            "VALUES ('2026-01-01T08:00:00+08:00', 114.0, 22.5, '[1000, 5000]', 'gas', '旧', "
            "'wang', '')")


def _check_migrated(db: SystemDB) -> None:
    from data.sysdb import SCHEMA_VERSION

    assert db.schema_version() == SCHEMA_VERSION == 3
    store = IncidentStore(db)
    old = store.list()[0]
    assert (old.note, old.wind_from_deg, old.downwind_m) == ("旧", None, None)
    assert store.history(old.id or 0) == []  # saved before the history was kept
    store.update(old.id or 0, actor="li", wind_from_deg=200, downwind_m=3000)
    assert (store.get(old.id or 0).wind_from_deg, store.get(old.id or 0).downwind_m) == (200, 3000)
    assert store.history(old.id or 0)[0]["changes"]["wind_from_deg"] == {"from": None, "to": 200}


def test_a_schema_2_folder_is_migrated_on_open(tmp_path):
    db = SystemDB.for_folder(tmp_path)
    _make_v2(db)
    db.engine.dispose()
    with sqlite3.connect(tmp_path / "riskmap.sqlite") as raw:
        assert raw.execute("SELECT max(version) FROM riskmap_schema").fetchone() == (2,)
        assert "wind_from_deg" not in {r[1] for r in raw.execute("PRAGMA table_info(incidents)")}
    _check_migrated(SystemDB.for_folder(tmp_path))


def test_riskmap_db_init_migrates_a_schema_2_postgis_database(pg_url):
    from data.pgstore import PostGISStore
    from data.sysdb import SchemaError

    store = PostGISStore(pg_url, check=False)
    store.initialise()
    _make_v2(store.db)
    with pytest.raises(SchemaError, match="schema version 2.*riskmap db init"):
        store.db.check_schema()
    store.initialise()  # what `riskmap db init` runs
    _check_migrated(store.db)
    store.close()
