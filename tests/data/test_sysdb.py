"""The records database: schema versions, transactions, the audit log, locks and read-only."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from data import sysdb
from data.sysdb import (
    DB_FILE,
    SCHEMA_VERSION,
    ReadOnlyStore,
    SchemaError,
    StoreBusy,
    StoreUnavailable,
    SystemDB,
)


def test_a_new_folder_gets_the_current_schema_once(tmp_path):
    db = SystemDB.for_folder(tmp_path)
    assert (tmp_path / DB_FILE).is_file()
    assert db.schema_version() == SCHEMA_VERSION
    assert db.migrate() == []  # already current: nothing to apply
    assert SystemDB.for_folder(tmp_path).schema_version() == SCHEMA_VERSION


def test_a_change_and_its_audit_row_commit_together_or_not_at_all(tmp_path):
    db = SystemDB.for_folder(tmp_path)
    with pytest.raises(RuntimeError, match="boom"):
        with db.transaction() as conn:
            db.audit(conn, actor="li", action="incident.create", ids=[1])
            db.bump_data_version(conn)
            raise RuntimeError("boom")
    assert db.audit_rows() == []
    assert db.data_version() == 0
    with db.transaction() as conn:
        db.audit(conn, actor="li", action="incident.create", ids=[1], detail={"lon": 114.0})
    (row,) = db.audit_rows()
    assert (row["actor"], row["action"], row["ids"], row["detail"], row["ok"]) == (
        "li", "incident.create", ["1"], {"lon": 114.0}, True)


def test_audit_rows_filter_by_time_action_and_limit(tmp_path):
    db = SystemDB.for_folder(tmp_path)
    with db.transaction() as conn:
        for i in range(5):
            db.audit(conn, actor="a", action="login.ok" if i % 2 else "login.failed", ids=[i])
    assert [r["ids"] for r in db.audit_rows(limit=2)] == [["3"], ["4"]]  # the last two, in order
    assert len(db.audit_rows(action="login.ok")) == 2
    assert db.audit_rows(since="2999-01-01") == []
    assert len(db.audit_rows(since="2000-01-01")) == 5


def test_the_data_version_is_seen_by_another_connection(tmp_path):
    one, two = SystemDB.for_folder(tmp_path), SystemDB.for_folder(tmp_path)
    with one.transaction() as conn:
        one.bump_data_version(conn)
        one.bump_data_version(conn)
    assert two.data_version() == 2


def test_the_secret_key_is_made_once_and_shared(tmp_path):
    key = SystemDB.for_folder(tmp_path).secret_key()
    assert len(key) == 64
    assert SystemDB.for_folder(tmp_path).secret_key() == key


def test_a_second_writer_waits_then_is_refused_with_a_clear_message(tmp_path, monkeypatch):
    db = SystemDB.for_folder(tmp_path)
    monkeypatch.setattr(sysdb, "LOCK_TIMEOUT_S", 0.2)
    busy = SystemDB(sysdb._sqlite_engine(f"sqlite:///{tmp_path / DB_FILE}"), where="busy")
    holder = sqlite3.connect(tmp_path / DB_FILE, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy, match="busy"):
            with busy.transaction() as conn:
                busy.audit(conn, actor="x", action="y")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert db.audit_rows() == []


def test_writers_in_threads_are_serialised_and_none_is_lost(tmp_path):
    db = SystemDB.for_folder(tmp_path)

    def work():
        for _ in range(20):
            with db.transaction() as conn:
                db.bump_data_version(conn)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert db.data_version() == 80


def test_a_read_only_folder_reads_but_refuses_writes(tmp_path, monkeypatch):
    SystemDB.for_folder(tmp_path)  # the file exists
    monkeypatch.setattr(sysdb.os, "access", lambda path, mode: mode != sysdb.os.W_OK)
    db = SystemDB.for_folder(tmp_path)
    assert db.read_only
    assert db.data_version() == 0
    with pytest.raises(ReadOnlyStore, match="read-only"):
        with db.transaction():
            pass
    key = db.secret_key()  # a per-process key: logins still work for this process
    assert key == db.secret_key()


def test_a_read_only_folder_without_a_records_file_gets_an_empty_one_in_memory(tmp_path,
                                                                               monkeypatch):
    monkeypatch.setattr(sysdb.os, "access", lambda path, mode: mode != sysdb.os.W_OK)
    db = SystemDB.for_folder(tmp_path)
    assert db.read_only and not (tmp_path / DB_FILE).exists()
    assert db.audit_rows() == []


def test_an_older_or_missing_schema_is_refused_with_the_command_to_run(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    db = SystemDB(engine)
    with pytest.raises(SchemaError, match="riskmap db init"):
        db.check_schema()
    db.migrate()
    with engine.begin() as conn:
        conn.execute(sysdb.schema_table.delete())
        conn.execute(sysdb.schema_table.insert().values(version=SCHEMA_VERSION + 1,
                                                        applied_at="x"))
    with pytest.raises(SchemaError, match="newer"):
        db.check_schema()
    with pytest.raises(SchemaError, match="upgrade risk-map"):
        db.migrate()


def test_a_full_disk_is_named_not_hidden(tmp_path):
    db = SystemDB.for_folder(tmp_path)

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def _full(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO audit_log"):
            raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(StoreUnavailable, match="disk is full"):
        with db.transaction() as conn:
            db.audit(conn, actor="x", action="y")
