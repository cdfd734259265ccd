"""The records database of a dataset: incidents, users, the audit log, layer versions, settings.

One set of tables (SQLAlchemy Core) for both stores:

- the file store keeps them in ``riskmap.sqlite`` in the dataset folder;
- the PostGIS store keeps them in the same PostgreSQL database as the layers.

Every state change runs in one :meth:`SystemDB.transaction`, and its audit row
(:meth:`SystemDB.audit`) is written in that same transaction, so a change and its audit row are
saved together or not at all. On SQLite a transaction starts with ``BEGIN IMMEDIATE``: one
writer at a time across every process (the app's workers and the CLI), the others wait up to
:data:`LOCK_TIMEOUT_S` and are then refused with :class:`StoreBusy`.

The schema is versioned (:data:`SCHEMA_VERSION`, table ``riskmap_schema``). A new file dataset
is created at the current version; ``riskmap db init`` creates or migrates a PostgreSQL one;
a database of an older version is refused with the command to run (:class:`SchemaError`).

>>> import tempfile, pathlib
>>> db = SystemDB.for_folder(pathlib.Path(tempfile.mkdtemp()))
>>> with db.transaction() as conn:
...     db.audit(conn, actor="admin", action="user.add", target="li", ids=["li"])
...     db.bump_data_version(conn)
1
>>> db.data_version(), [row["action"] for row in db.audit_rows()]
(1, ['user.add'])
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError

__all__ = [
    "SystemDB", "SCHEMA_VERSION", "SchemaError", "StoreBusy", "StoreUnavailable", "ReadOnlyStore",
    "CST", "now_iso", "metadata", "users", "audit_log", "layer_versions", "incidents",
    "settings", "DB_FILE", "LOCK_TIMEOUT_S", "hazards", "hazard_events", "incident_events",
]

SCHEMA_VERSION = 3
"""Version of the tables below; bump it and add a step to :data:`_MIGRATIONS` to change them."""
DB_FILE = "riskmap.sqlite"
"""The records database of a file dataset (in its folder)."""
LOCK_TIMEOUT_S = 10.0
"""How long a writer waits for another one before it is refused (:class:`StoreBusy`)."""
CST = timezone(timedelta(hours=8), "CST")
"""China Standard Time (UTC+8), in which times are kept and shown."""


def now_iso() -> str:
    """Now in China Standard Time, ISO 8601 to the second."""
    return datetime.now(CST).isoformat(timespec="seconds")


class SchemaError(RuntimeError):
    """The database's tables are missing or of another version (the message says what to run)."""


class StoreBusy(OSError):
    """Another writer held the database longer than :data:`LOCK_TIMEOUT_S`; nothing was written."""


class StoreUnavailable(OSError):
    """The database cannot be reached (server down, folder missing, disk full …)."""


class ReadOnlyStore(PermissionError):
    """The dataset is read-only here: reading works, every write is refused with this reason."""


metadata = sa.MetaData()

schema_table = sa.Table(
    "riskmap_schema", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.Text, nullable=False),
)
settings = sa.Table(
    "riskmap_settings", metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("districts", sa.Text, nullable=False, server_default="[]"),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.Text, nullable=True),
    sa.Column("session_gen", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.CheckConstraint("role IN ('analyst', 'commander', 'planner', 'data', 'admin')",
                       name="users_role_known"),
)
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Text, nullable=False, index=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False, index=True),
    sa.Column("target", sa.Text, nullable=False, server_default=""),
    sa.Column("ids", sa.Text, nullable=False, server_default="[]"),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    sa.Column("ok", sa.Boolean, nullable=False, server_default=sa.true()),
    sqlite_autoincrement=True,
)
layer_versions = sa.Table(
    "layer_versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("layer", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("mode", sa.Text, nullable=False),
    sa.Column("file", sa.Text, nullable=False, server_default=""),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("added", sa.Integer, nullable=False, server_default="0"),
    sa.Column("changed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("removed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("restored_from", sa.Integer, nullable=True),
    sa.Column("kept", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.UniqueConstraint("layer", "version", name="layer_versions_unique"),
    sqlite_autoincrement=True,
)
incidents = sa.Table(
    "incidents", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created", sa.Text, nullable=False, index=True),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("radii_m", sa.Text, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.Text, nullable=False, server_default=""),
    sa.Column("updated", sa.Text, nullable=False, server_default=""),
    # schema 3: the wind (from, degrees clockwise from north) and the downwind distance (m)
    sa.Column("wind_from_deg", sa.Float, nullable=True),
    sa.Column("downwind_m", sa.Float, nullable=True),
    sa.CheckConstraint("lon BETWEEN -180 AND 180", name="incidents_lon"),
    sa.CheckConstraint("lat BETWEEN -90 AND 90", name="incidents_lat"),
    sqlite_autoincrement=True,
)


# -- schema 2: hidden dangers (隐患) and their closed-loop history (data/hazards.py) ---------------
hazards = sa.Table(
    "hazards", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("enterprise_id", sa.Text, nullable=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("category", sa.Text, nullable=False, server_default="other"),
    sa.Column("level", sa.Text, nullable=True),  # set at the assessment: major | general
    sa.Column("source", sa.Text, nullable=False, server_default="self_check"),
    sa.Column("district", sa.Text, nullable=False, server_default="", index=True),
    sa.Column("found_at", sa.Text, nullable=False, index=True),  # YYYY-MM-DD
    sa.Column("found_by", sa.Text, nullable=False, server_default=""),
    sa.Column("status", sa.Text, nullable=False, server_default="found", index=True),
    sa.Column("deadline", sa.Text, nullable=True),
    sa.Column("responsible_unit", sa.Text, nullable=True),
    sa.Column("responsible_person", sa.Text, nullable=True),
    sa.Column("supervised", sa.Text, nullable=False, server_default="none"),
    sa.Column("closed_at", sa.Text, nullable=True),
    sa.Column("reviewed_by", sa.Text, nullable=True),
    sa.Column("review_result", sa.Text, nullable=True),
    sa.Column("location", sa.Text, nullable=False, server_default=""),  # 隐患部位
    sa.Column("measures", sa.Text, nullable=False, server_default=""),  # 整改/临时措施
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("extra", sa.Text, nullable=False, server_default="{}"),  # the ledger's own columns
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.CheckConstraint("lon BETWEEN -180 AND 180", name="hazards_lon"),
    sa.CheckConstraint("lat BETWEEN -90 AND 90", name="hazards_lat"),
    sa.CheckConstraint("level IS NULL OR level IN ('major', 'general')", name="hazards_level"),
    sa.CheckConstraint("status IN ('found', 'registered', 'assessed', 'reported', 'monitored', "
                       "'rectifying', 'closed')", name="hazards_status"),
    sa.CheckConstraint("supervised IN ('none', 'district', 'city')", name="hazards_supervised"),
    sqlite_autoincrement=True,
)
hazard_events = sa.Table(
    "hazard_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("hazard_id", sa.Integer, sa.ForeignKey("hazards.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("at", sa.Text, nullable=False),  # when the step was taken (ISO date or time)
    sa.Column("actor", sa.Text, nullable=False),  # who recorded it (login, cli:<login>)
    sa.Column("by", sa.Text, nullable=False, server_default=""),  # who took it (--by)
    sa.Column("from_status", sa.Text, nullable=True),  # None: the hazard was registered
    sa.Column("to_status", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("fields", sa.Text, nullable=False, server_default="{}"),  # fields set, as JSON
    sqlite_autoincrement=True,
)


# -- schema 3: the history of an incident's updates (data/incidents.py) -------------------------
incident_events = sa.Table(
    "incident_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("incident_id", sa.Integer, nullable=False, index=True),  # kept after a delete
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),  # create | update | delete
    sa.Column("changes", sa.Text, nullable=False, server_default="{}"),  # {field: [from, to]}
    sqlite_autoincrement=True,
)


_AUDIT_INSERT = audit_log.insert()


def _create_v1(conn: sa.Connection) -> None:
    metadata.create_all(conn)


def _create_v2(conn: sa.Connection) -> None:
    """Schema 2: the hidden-danger tables (a v1 database gets only these)."""
    metadata.create_all(conn, tables=[hazards, hazard_events])


def _create_v3(conn: sa.Connection) -> None:
    """Schema 3: an incident keeps its wind (``wind_from_deg``, ``downwind_m``: new nullable
    columns, NULL for the incidents saved before) and the history of its updates
    (``incident_events``). A v1 database created by :func:`_create_v1` has them already."""
    have = {c["name"] for c in sa.inspect(conn).get_columns(incidents.name)}
    for name in ("wind_from_deg", "downwind_m"):
        if name not in have:  # SQLite and PostgreSQL both: a nullable column, no rewrite
            conn.exec_driver_sql(f"ALTER TABLE incidents ADD COLUMN {name} DOUBLE PRECISION")
    metadata.create_all(conn, tables=[incident_events])


_MIGRATIONS: dict[int, Any] = {1: _create_v1, 2: _create_v2, 3: _create_v3}
"""``{version: step}``: step ``n`` takes the schema from ``n - 1`` to ``n``."""


def _sqlite_url(path: Path, *, read_only: bool) -> str:
    if read_only:
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    return f"sqlite:///{path}"


def _friendly(exc: BaseException, where: str = "") -> OSError | None:
    """The error a user should see for a database exception (``None``: not one of ours)."""
    text = str(getattr(exc, "orig", exc))
    low = text.lower()
    if "database is locked" in low or "could not obtain lock" in low or "lock timeout" in low:
        return StoreBusy(
            f"数据正被另一操作占用，已等待 {LOCK_TIMEOUT_S:.0f} 秒，未写入任何内容，请稍后重试 / the "
            f"database is busy with another change (waited {LOCK_TIMEOUT_S:.0f} s); nothing was "
            f"written, try again")
    if "disk is full" in low or "no space left" in low or "disk full" in low:
        return StoreUnavailable(
            f"磁盘已满，未写入任何内容 / the disk is full; nothing was written ({text})")
    if "readonly" in low or "read-only" in low or "attempt to write a readonly" in low:
        return ReadOnlyStore(f"数据为只读，不能写入 / the dataset is read-only here ({text})")
    if ("connection refused" in low or "could not connect" in low or "unable to open" in low
            or "server closed" in low or "connection failed" in low):
        return StoreUnavailable(f"无法连接数据库 / cannot reach the database {where}: {text}")
    return None


class SystemDB:
    """The records tables of one store, reached through one SQLAlchemy engine."""

    def __init__(self, engine: sa.Engine, *, read_only: bool = False, where: str = "") -> None:
        self.engine = engine
        self.read_only = read_only
        self.where = where or engine.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"SystemDB({self.where!r})"

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def for_folder(cls, root: str | os.PathLike[str]) -> SystemDB:
        """The records database of a file dataset: ``riskmap.sqlite`` in ``root``, created at the
        current schema when missing. A folder this process cannot write gives a read-only
        database (an empty in-memory one if the file does not exist yet)."""
        root = Path(root)
        path = root / DB_FILE
        writable = root.is_dir() and os.access(root, os.W_OK) and (
            not path.exists() or os.access(path, os.W_OK))
        if writable:
            engine = _sqlite_engine(_sqlite_url(path, read_only=False))
            db = cls(engine, where=str(path))
            db.migrate()
            return db
        if path.is_file():
            engine = _sqlite_engine(_sqlite_url(path, read_only=True))
            db = cls(engine, read_only=True, where=str(path))
            db.check_schema()
            return db
        # nothing recorded yet and nowhere to record it: one in-memory database for every
        # thread of this process (StaticPool: the same connection, not one database per thread)
        engine = _sqlite_engine("sqlite://", static=True)
        db = cls(engine, read_only=True, where=str(path))
        with engine.begin() as conn:
            _create_v1(conn)
            conn.execute(schema_table.insert().values(version=SCHEMA_VERSION, applied_at=now_iso()))
        return db

    @classmethod
    def for_url(cls, url: str, **engine_args: Any) -> SystemDB:
        """The records tables in the database at ``url`` (not created: ``riskmap db init``)."""
        engine = sa.create_engine(url, pool_pre_ping=True, **engine_args)
        return cls(engine)

    # -- schema -------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version recorded in the database (0: no tables yet)."""
        with self.connect() as conn:
            if not sa.inspect(conn).has_table(schema_table.name):
                return 0
            value = conn.execute(sa.select(sa.func.max(schema_table.c.version))).scalar()
        return int(value or 0)

    def migrate(self) -> list[int]:
        """Create or upgrade the tables to :data:`SCHEMA_VERSION`; the steps applied."""
        applied: list[int] = []
        if self.schema_version() == SCHEMA_VERSION:  # the usual case: no write lock taken
            return applied
        with self.transaction() as conn:
            have = 0
            if sa.inspect(conn).has_table(schema_table.name):
                have = int(conn.execute(sa.select(sa.func.max(schema_table.c.version))).scalar()
                           or 0)
            if have > SCHEMA_VERSION:
                raise SchemaError(
                    f"数据库结构版本 {have} 比本程序新 ({SCHEMA_VERSION}) / {self.where} has schema "
                    f"version {have}, newer than this risk-map ({SCHEMA_VERSION}): upgrade risk-map")
            for version in range(have + 1, SCHEMA_VERSION + 1):
                _MIGRATIONS[version](conn)
                conn.execute(schema_table.insert().values(version=version, applied_at=now_iso()))
                applied.append(version)
        return applied

    def check_schema(self, *, hint: str = "") -> None:
        """Refuse a database whose schema is not :data:`SCHEMA_VERSION` (``hint``: the command
        that creates or migrates it)."""
        have = self.schema_version()
        if have == SCHEMA_VERSION:
            return
        todo = hint or "riskmap db init"
        if have == 0:
            raise SchemaError(f"数据库尚未初始化 / {self.where} has no risk-map tables: run `{todo}`")
        if have < SCHEMA_VERSION:
            raise SchemaError(f"数据库结构版本 {have} 较旧 / {self.where} has schema version {have}, "
                              f"this risk-map needs {SCHEMA_VERSION}: run `{todo}` to migrate it")
        raise SchemaError(f"{self.where} has schema version {have}, newer than this risk-map "
                          f"({SCHEMA_VERSION}): upgrade risk-map")

    # -- connections and transactions ---------------------------------------------------------

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A connection for reading (errors turned into :class:`StoreUnavailable` …)."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except (OperationalError, DBAPIError, sqlite3.Error) as exc:
            friendly = _friendly(exc, self.where)
            if friendly is not None:
                raise friendly from exc
            raise

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One write transaction: committed when the block ends, rolled back on any error.

        Refused at once with :class:`ReadOnlyStore` when the dataset is read-only here.
        """
        if self.read_only:
            raise ReadOnlyStore(f"数据为只读，不能写入 / the dataset is read-only here: "
                                f"{self.where} cannot be written")
        try:
            with self.engine.connect() as conn:
                # SQLite: BEGIN IMMEDIATE (see _sqlite_engine); ``info`` lives with the pooled
                # DB-API connection, so the flag is cleared before the connection goes back
                conn.info["write"] = True
                try:
                    with conn.begin():
                        yield conn
                finally:
                    conn.info.pop("write", None)
        except (OperationalError, DBAPIError, sqlite3.Error) as exc:
            friendly = _friendly(exc, self.where)
            if friendly is not None:
                raise friendly from exc
            raise

    # -- audit and versions -------------------------------------------------------------------

    def audit(self, conn: sa.Connection, *, actor: str, action: str, target: str = "",
              ids: Sequence[object] = (), detail: dict[str, Any] | None = None,
              ok: bool = True) -> None:
        """Append one audit row inside the caller's transaction ``conn``."""
        conn.execute(_AUDIT_INSERT, {  # one compiled statement, parameters bound per row
            "at": now_iso(), "actor": str(actor), "action": str(action), "target": str(target),
            "ids": json.dumps([str(i) for i in ids], ensure_ascii=False),
            "detail": json.dumps(detail or {}, ensure_ascii=False, default=str), "ok": bool(ok)})

    def audit_rows(self, *, since: str | None = None, limit: int | None = None,
                   action: str | None = None) -> list[dict[str, Any]]:
        """Audit rows, oldest first (``since``: ISO date or time, inclusive)."""
        query = sa.select(audit_log).order_by(audit_log.c.id)
        if since:
            query = query.where(audit_log.c.at >= since)
        if action:
            query = query.where(audit_log.c.action == action)
        if limit:
            query = query.order_by(None).order_by(audit_log.c.id.desc()).limit(limit)
        with self.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        if limit:
            rows.reverse()
        for row in rows:
            row["ids"] = json.loads(row["ids"] or "[]")
            row["detail"] = json.loads(row["detail"] or "{}")
            row["ok"] = bool(row["ok"])
        return rows

    def bump_data_version(self, conn: sa.Connection) -> int:
        """Count one change of the layers (inside ``conn``); every worker sees the new number."""
        # the row is locked first (PostgreSQL: FOR UPDATE; SQLite holds the write lock already)
        current = conn.execute(sa.select(settings.c.value).where(settings.c.key == "data_version")
                               .with_for_update()).scalar()
        value = int(current or 0) + 1
        self._set(conn, "data_version", str(value))
        return value

    def data_version(self) -> int:
        """The number of layer changes recorded so far (read fresh on every call)."""
        with self.connect() as conn:
            return int(self._setting(conn, "data_version") or 0)

    # -- settings -----------------------------------------------------------------------------

    @staticmethod
    def _setting(conn: sa.Connection, key: str) -> str | None:
        return conn.execute(sa.select(settings.c.value).where(settings.c.key == key)).scalar()

    @staticmethod
    def _set(conn: sa.Connection, key: str, value: str) -> None:
        updated = conn.execute(settings.update().where(settings.c.key == key).values(value=value))
        if updated.rowcount == 0:
            conn.execute(settings.insert().values(key=key, value=value))

    def setting(self, key: str) -> str | None:
        with self.connect() as conn:
            return self._setting(conn, key)

    def secret_key(self) -> str:
        """The key that signs session cookies and API tokens: made once, shared by every worker
        and server on this store. A read-only store gets a per-process key (logins then last
        as long as the process)."""
        value = self.setting("secret_key")
        if value:
            return value
        if self.read_only:
            if not hasattr(self, "_volatile_key"):
                self._volatile_key = secrets.token_hex(32)
            return self._volatile_key
        with self.transaction() as conn:
            value = self._setting(conn, "secret_key")
            if not value:
                value = secrets.token_hex(32)
                self._set(conn, "secret_key", value)
        return value


def _sqlite_engine(url: str, *, static: bool = False) -> sa.Engine:
    """A SQLite engine whose transactions start with ``BEGIN IMMEDIATE`` (the SQLAlchemy recipe
    for SQLite's locking), waiting up to :data:`LOCK_TIMEOUT_S` for another writer."""
    extra: dict[str, Any] = {"poolclass": sa.pool.StaticPool} if static else {}
    engine = sa.create_engine(url, connect_args={"timeout": LOCK_TIMEOUT_S,
                                                 "check_same_thread": False}, **extra)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        dbapi_conn.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # writers take the write lock at once; readers start a deferred (shared) transaction
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

    return engine
