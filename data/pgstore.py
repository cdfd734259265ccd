"""The central store of a bureau: the whole :class:`data.store.Store` protocol on PostgreSQL +
PostGIS (SQLAlchemy Core and psycopg 3).

What lives where, all in one database:

- each vector layer is one table named after the layer (``enterprises`` …): a primary key
  ``fid`` (the row order), the layer's columns, and ``geometry`` (PostGIS, EPSG:4326) with a
  GiST spatial index. :meth:`PostGISStore.read_layer` returns the frame a
  :class:`data.store.FileStore` returns for the same layer (same columns, dtypes, row order;
  the conversions live in :mod:`data.pgtables`);
- every kept version of a layer (:meth:`PostGISStore.change_layer`) is a table
  ``<layer>__v<n>``; versions no longer kept are dropped in the transaction that retires them;
- rasters (``dem``, ``population``) are GeoTIFF bytes in the table ``rasters``;
  :meth:`PostGISStore.raster_path` writes them once into the per-user cache folder
  (``$RISKMAP_CACHE`` or :func:`platformdirs.user_cache_dir`, ``rasters/<sha256>.tif``) and
  returns that file, so rasterio reads a plain file and every worker shares it;
- the dataset description (``dataset.json`` of a folder) is the one row of ``dataset_meta``;
- incidents, users, the audit log and layer versions are the tables of :mod:`data.sysdb`.

Every write is one transaction holding ``pg_advisory_xact_lock`` on the layer, so two changes
of one layer (from any worker or server) run one after the other, the second building on the
first's result; the layer, its version rows, the audit row and the data version commit together
or not at all. A layer is replaced by writing a new table in that transaction, dropping the old
one and renaming the new one: readers see the old layer or the new one, never half of it.

The schema is created by ``riskmap db init --store URL`` (:meth:`PostGISStore.initialise`);
a database without it, or of an older version, is refused with that command
(:class:`data.sysdb.SchemaError`). A database that cannot be reached gives
:class:`data.sysdb.StoreUnavailable` naming the URL without its password.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError

from data.pgtables import quote_name, read_table, write_table
from data.store import (
    LayerBuilder,
    LayerVersion,
    StoreError,
    VersionError,
    baseline_version,
    change_version,
    find_version,
    list_version_rows,
    next_version,
    record_version,
)
from data.sysdb import (
    ReadOnlyStore,
    SchemaError,
    StoreUnavailable,
    SystemDB,
    now_iso,
)
from data.sysdb import metadata as records_metadata
from risk.files import write_bytes_atomic

__all__ = ["PostGISStore", "PG_SCHEMA_VERSION", "engine_url", "hidden_url", "CACHE_ENV_VAR"]

DRIVER = "postgresql+psycopg"
PG_SCHEMA_VERSION = 1
"""Version of the store's own tables (``rasters``, ``dataset_meta``), kept in the setting
``pgstore_schema``; the records tables have :data:`data.sysdb.SCHEMA_VERSION`."""
SCHEMA_KEY = "pgstore_schema"
CACHE_ENV_VAR = "RISKMAP_CACHE"
CONNECT_TIMEOUT_S = 10

store_metadata = sa.MetaData()
rasters = sa.Table(
    "rasters", store_metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("updated", sa.Text, nullable=False),
)
dataset_meta = sa.Table(
    "dataset_meta", store_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("meta", sa.Text, nullable=False),
    sa.Column("updated", sa.Text, nullable=False),
    sa.CheckConstraint("id = 1", name="dataset_meta_one_row"),
)

RESERVED = frozenset({*records_metadata.tables, *store_metadata.tables, "spatial_ref_sys",
                      "geometry_columns", "geography_columns"})
"""Tables that are never layers."""
_LAYER_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,49}$")
_VERSION_TABLE = re.compile(r"^(?P<layer>.+)__v(?P<version>\d+)$")


def engine_url(url: str | sa.URL) -> sa.URL:
    """``url`` with the psycopg 3 driver (``postgresql://`` and ``postgres://`` map to it).

    >>> engine_url("postgresql://li:secret@db.local/bureau").render_as_string(hide_password=True)
    'postgresql+psycopg://li:***@db.local/bureau'
    """
    parsed = sa.make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername=DRIVER)
    raise StoreError(f"--store {parsed.render_as_string(hide_password=True)!r}: not a "
                     f"PostgreSQL URL (postgresql://user@host/db)")


def hidden_url(url: str | sa.URL) -> str:
    """``url`` as shown to people: the password replaced by ``***``.

    >>> hidden_url("postgresql://li:secret@db.local:5433/bureau")
    'postgresql://li:***@db.local:5433/bureau'
    """
    parsed = sa.make_url(url) if isinstance(url, str) else url
    return parsed.render_as_string(hide_password=True)


def _reach_error(where: str, exc: BaseException) -> StoreUnavailable:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    detail = text[0] if text else type(exc).__name__
    return StoreUnavailable(f"无法连接数据库 / cannot reach the database {where}: {detail}")


def _refused(where: str, exc: DBAPIError) -> ReadOnlyStore | None:
    """A "permission denied" from the server as :class:`ReadOnlyStore` (else ``None``)."""
    if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege
        return None
    text = str(exc.orig).strip().splitlines()
    return ReadOnlyStore(f"数据库拒绝了此操作（权限不足）/ the database {where} refused: "
                         f"{text[0] if text else 'permission denied'}")


class _PgSystemDB(SystemDB):
    """The records tables on PostgreSQL: a server that is down, a wrong database or login
    become :class:`StoreUnavailable` with the URL (password hidden); a role without the right
    to do something, :class:`ReadOnlyStore`."""

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        try:
            with super().connect() as conn:
                yield conn
        except (OperationalError, DisconnectionError) as exc:
            raise _reach_error(self.where, exc) from exc
        except DBAPIError as exc:
            if (refused := _refused(self.where, exc)) is not None:
                raise refused from exc
            raise

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        try:
            with super().transaction() as conn:
                yield conn
        except (OperationalError, DisconnectionError) as exc:
            raise _reach_error(self.where, exc) from exc
        except DBAPIError as exc:
            if (refused := _refused(self.where, exc)) is not None:
                raise refused from exc
            raise


def _make_engine(url: sa.URL) -> sa.Engine:
    engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                              connect_args={"connect_timeout": CONNECT_TIMEOUT_S})

    # A pooled connection must not cross a fork (gunicorn workers): the SQLAlchemy recipe.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, record) -> None:
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, proxy) -> None:
        if record.info.get("pid") != os.getpid():
            record.dbapi_connection = proxy.dbapi_connection = None
            raise DisconnectionError("connection made in another process")

    return engine


def _lock_key(name: str) -> int:
    """The advisory-lock key of layer ``name`` (a signed 64-bit number)."""
    digest = hashlib.sha256(f"risk-map layer {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_q = quote_name


def _cache_root() -> Path:
    own = os.environ.get(CACHE_ENV_VAR)
    if own:
        return Path(own)
    import platformdirs

    return Path(platformdirs.user_cache_dir("risk-map", appauthor=False))


# -- the store -----------------------------------------------------------------------------------


class PostGISStore:
    """Layers, rasters, description and records of one dataset in a PostgreSQL database."""

    read_only = False

    def __init__(self, url: str | sa.URL, *, check: bool = True) -> None:
        """``url``: ``postgresql://user[:password]@host[:port]/db`` (or ``postgresql+psycopg://``;
        ``?host=/socket/dir`` for a Unix socket). ``check``: refuse a database without the
        current schema on first use (``riskmap db init`` passes False)."""
        self.url = engine_url(url)
        self.where = hidden_url(url)
        self.engine = _make_engine(self.url)
        self._db = _PgSystemDB(self.engine, where=self.where)
        self._checked = not check

    def __repr__(self) -> str:
        return f"PostGISStore({self.where!r})"

    def describe(self) -> str:
        return self.where

    def close(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()

    # -- schema -------------------------------------------------------------------------------

    @property
    def db(self) -> SystemDB:
        """The records tables (:mod:`data.sysdb`) on the same engine, schema checked on first
        use."""
        if not self._checked:
            self.check_schema()
        return self._db

    def hint(self) -> str:
        return f"riskmap db init --store {self.where}"

    def check_schema(self) -> None:
        """Refuse a database without the current tables (:class:`SchemaError` with the
        command to run)."""
        self._db.check_schema(hint=self.hint())
        have = int(self._db.setting(SCHEMA_KEY) or 0)
        if have < PG_SCHEMA_VERSION:
            raise SchemaError(f"数据库结构版本较旧 / {self.where}: the store tables are at version "
                              f"{have}, this risk-map needs {PG_SCHEMA_VERSION}: run "
                              f"`{self.hint()}`")
        if have > PG_SCHEMA_VERSION:
            raise SchemaError(f"{self.where}: store tables at version {have}, newer than this "
                              f"risk-map ({PG_SCHEMA_VERSION}): upgrade risk-map")
        self._checked = True

    def initialise(self) -> list[str]:
        """Create or migrate every table (``riskmap db init``); what was done, one line each.

        Creates the PostGIS extension when missing (needs a role allowed to), the records
        tables (:meth:`SystemDB.migrate`) and the store's tables. Running it again does nothing.
        """
        done: list[str] = []
        with self._db.transaction() as conn:
            has = conn.execute(sa.text(
                "SELECT extversion FROM pg_extension WHERE extname = 'postgis'")).scalar()
            if has is None:
                try:
                    with conn.begin_nested():
                        conn.exec_driver_sql("CREATE EXTENSION postgis")
                except DBAPIError as exc:
                    raise SchemaError(
                        f"无法创建 PostGIS 扩展 / cannot create the postgis extension in "
                        f"{self.where}: {str(exc.orig).strip().splitlines()[0]} (a superuser can "
                        f"run `CREATE EXTENSION postgis;` in that database)") from exc
                version = conn.execute(sa.text(
                    "SELECT extversion FROM pg_extension WHERE extname = 'postgis'")).scalar()
                done.append(f"已创建 PostGIS 扩展 / created extension postgis {version}")
        for step in self._db.migrate():
            done.append(f"记录表结构 → 第 {step} 版 / records tables migrated to version {step}")
        with self._db.transaction() as conn:
            have = int(SystemDB._setting(conn, SCHEMA_KEY) or 0)
            for step in range(have + 1, PG_SCHEMA_VERSION + 1):
                _PG_MIGRATIONS[step](conn)
                SystemDB._set(conn, SCHEMA_KEY, str(step))
                done.append(f"图层库表结构 → 第 {step} 版 / store tables migrated to version {step}")
            if SystemDB._setting(conn, "data_version") is None:
                SystemDB._set(conn, "data_version", "0")
        self._checked = True
        return done

    # -- layers -------------------------------------------------------------------------------

    @staticmethod
    def _check_name(name: str) -> str:
        if (not isinstance(name, str) or not _LAYER_NAME.match(name) or name in RESERVED
                or "__" in name):
            raise StoreError(f"layer name {name!r}: expected lower-case letters, digits and _ "
                             f"(not a records table, no '__')")
        return name

    def layer_location(self, name: str) -> str:
        return f"{self.where}#{name}"

    @staticmethod
    def _has_table(conn: sa.Connection, table: str) -> bool:
        return conn.execute(sa.text("SELECT to_regclass(:t) IS NOT NULL"),
                            {"t": _q(table)}).scalar() is True

    def has_layer(self, name: str) -> bool:
        self._check_name(name)
        with self.db.connect() as conn:
            return self._has_table(conn, name)

    def layer_names(self) -> list[str]:
        """Every layer the store holds (not the version tables), sorted."""
        with self.db.connect() as conn:
            tables = conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()
            return sorted(t for t in tables if t not in RESERVED and "__" not in t
                          and _LAYER_NAME.match(t))

    def read_layer(self, name: str) -> gpd.GeoDataFrame:
        self._check_name(name)
        with self.db.connect() as conn:
            if not self._has_table(conn, name):
                raise StoreError(f"layer {name!r}: no table {name} in {self.where}")
            return read_table(conn, name)

    def _replace(self, conn: sa.Connection, name: str, gdf: gpd.GeoDataFrame) -> None:
        """Inside ``conn`` (holding the layer's lock): the new table replaces the old one."""
        tmp = f"{name}__new"
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_q(tmp)}")
        write_table(conn, tmp, gdf, index=False)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_q(name)}")
        conn.exec_driver_sql(f"ALTER TABLE {_q(tmp)} RENAME TO {_q(name)}")
        conn.exec_driver_sql(f"ALTER TABLE {_q(name)} ADD PRIMARY KEY (fid)")
        conn.exec_driver_sql(f"CREATE INDEX {_q(name + '_geometry_gist')} ON {_q(name)} "
                             f"USING GIST (geometry)")

    @staticmethod
    def _lock(conn: sa.Connection, name: str) -> None:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(name)})

    def _bump(self, conn: sa.Connection) -> None:
        self._db.bump_data_version(conn)  # it locks the counter row (FOR UPDATE) itself

    def write_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None:
        """Replace layer ``name`` atomically (one transaction; readers never see half)."""
        self._check_name(name)
        with self.db.transaction() as conn:
            self._lock(conn, name)
            self._replace(conn, name, gdf)
            self._bump(conn)

    def drop_layer(self, name: str) -> None:
        """Remove layer ``name`` and its version tables (``riskmap db load --replace``)."""
        self._check_name(name)
        with self.db.transaction() as conn:
            self._lock(conn, name)
            for table in self._version_tables(conn, name):
                conn.exec_driver_sql(f"DROP TABLE {_q(table)}")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_q(name)}")
            self._bump(conn)

    # -- rasters and description --------------------------------------------------------------

    def raster_path(self, name: str) -> Path | None:
        """A local GeoTIFF of raster ``name`` (written into the cache once per content)."""
        with self.db.connect() as conn:
            sha = conn.execute(sa.select(rasters.c.sha256).where(rasters.c.name == name)).scalar()
            if sha is None:
                return None
            path = _cache_root() / "rasters" / f"{sha}.tif"
            if path.is_file():
                return path
            data = conn.execute(sa.select(rasters.c.data).where(rasters.c.name == name)).scalar()
        if data is None:  # replaced in between: ask again
            return self.raster_path(name)
        write_bytes_atomic(path, bytes(data))
        return path

    def raster_bytes(self, name: str) -> bytes | None:
        with self.db.connect() as conn:
            data = conn.execute(sa.select(rasters.c.data).where(rasters.c.name == name)).scalar()
        return None if data is None else bytes(data)

    def write_raster(self, name: str, data: bytes) -> None:
        """Store GeoTIFF ``data`` as raster ``name`` (replacing it)."""
        sha = hashlib.sha256(data).hexdigest()
        with self.db.transaction() as conn:
            self._lock(conn, f"raster {name}")
            conn.execute(rasters.delete().where(rasters.c.name == name))
            conn.execute(rasters.insert().values(name=name, data=data, sha256=sha,
                                                 updated=now_iso()))
            self._bump(conn)
        path = _cache_root() / "rasters" / f"{sha}.tif"
        if not path.is_file():
            try:
                write_bytes_atomic(path, data)
            except OSError:
                pass  # the cache is only a cache: raster_path writes it when it can

    def delete_raster(self, name: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(rasters.delete().where(rasters.c.name == name))
            self._bump(conn)

    @contextmanager
    def atomic_raster(self, name: str) -> Iterator[Path]:
        """Yield a temporary path to write raster ``name`` to; stored in the database when the
        block ends without error (nothing changes otherwise)."""
        with tempfile.TemporaryDirectory(prefix="riskmap-raster-") as tmp:
            path = Path(tmp) / f"{name}.tif"
            yield path
            self.write_raster(name, path.read_bytes())

    def read_meta(self) -> dict[str, Any]:
        with self.db.connect() as conn:
            text = conn.execute(sa.select(dataset_meta.c.meta)
                                .where(dataset_meta.c.id == 1)).scalar()
        return json.loads(text) if text else {}

    def write_meta(self, meta: dict[str, Any]) -> None:
        text = json.dumps(meta, ensure_ascii=False, indent=2)  # refuse bad input before writing
        with self.db.transaction() as conn:
            conn.execute(dataset_meta.delete())
            conn.execute(dataset_meta.insert().values(id=1, meta=text, updated=now_iso()))
            self._bump(conn)

    # -- data version and layer versions ------------------------------------------------------

    def data_version(self) -> str:
        """The records' change counter, read fresh: a change through any worker or server shows
        on the next call."""
        return str(self.db.data_version())

    @staticmethod
    def version_table(name: str, version: int) -> str:
        return f"{name}__v{int(version)}"

    def _version_tables(self, conn: sa.Connection, name: str) -> list[str]:
        tables = conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()
        return [t for t in tables if (m := _VERSION_TABLE.match(t)) and m["layer"] == name]

    def write_version(self, name: str, version: int, frame: gpd.GeoDataFrame) -> None:
        """Store the data of version ``version`` (``riskmap db load``; the row is copied apart)."""
        self._check_name(name)
        table = self.version_table(name, version)
        with self.db.transaction() as conn:
            self._lock(conn, name)
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_q(table)}")
            write_table(conn, table, frame, index=False)

    def change_layer(self, name: str, build: LayerBuilder, *, actor: str, mode: str,
                     file: str = "", note: str = "") -> LayerVersion | None:
        """Change layer ``name`` under its advisory lock and keep the result as a version.

        One transaction: ``pg_advisory_xact_lock`` (a second change of this layer, from any
        process, waits here and then builds on this one's result), the layer as found kept as
        version 1 before its first versioned change, the new table, the version and audit rows,
        the data version, and the tables of versions no longer kept dropped.
        """
        self._check_name(name)
        with self.db.transaction() as conn:
            self._lock(conn, name)
            existing = read_table(conn, name) if self._has_table(conn, name) else None
            change = build(existing)
            if change is None:
                return None
            version = next_version(conn, name)
            if version == 1 and existing is not None:  # keep the layer as found, to undo to
                table = self.version_table(name, 1)
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_q(table)}")
                conn.exec_driver_sql(f"CREATE TABLE {_q(table)} AS TABLE {_q(name)}")
                self._record(conn, baseline_version(name, actor=actor, rows=len(existing)))
                version = 2
            info = change_version(name, version, change, actor=actor, mode=mode, file=file,
                                  note=note)
            self._put(conn, name, version, change.frame, info)
        return info

    def _record(self, conn: sa.Connection, info: LayerVersion) -> None:
        for old in record_version(self._db, conn, info):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_q(self.version_table(info.layer, old))}")

    def _put(self, conn: sa.Connection, name: str, version: int, frame: gpd.GeoDataFrame,
             info: LayerVersion) -> None:
        self._replace(conn, name, frame)
        table = self.version_table(name, version)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_q(table)}")
        conn.exec_driver_sql(f"CREATE TABLE {_q(table)} AS TABLE {_q(name)}")
        self._record(conn, info)

    def list_versions(self, name: str) -> list[LayerVersion]:
        return list_version_rows(self.db, name)

    def read_version(self, name: str, version: int) -> gpd.GeoDataFrame:
        self._check_name(name)
        find_version(self.db, name, version)
        table = self.version_table(name, version)
        with self.db.connect() as conn:
            if not self._has_table(conn, table):
                raise VersionError(f"version {version} of layer {name!r}: no table {table}")
            return read_table(conn, table)

    def restore_version(self, name: str, version: int, *, actor: str) -> LayerVersion:
        """Make version ``version`` the current layer again (itself recorded as a new version)."""
        self._check_name(name)
        with self.db.transaction() as conn:
            self._lock(conn, name)
            old = find_version(self.db, name, version)
            table = self.version_table(name, old.version)
            if not self._has_table(conn, table):
                raise VersionError(f"version {version} of layer {name!r}: no table {table}")
            frame = read_table(conn, table)
            new = next_version(conn, name)
            info = LayerVersion(layer=name, version=new, at=now_iso(), actor=actor,
                                mode="restore", rows=len(frame), file=old.file,
                                restored_from=old.version,
                                note=f"恢复第 {old.version} 版 / restored version {old.version}")
            self._put(conn, name, new, frame, info)
        return info


def _create_store_v1(conn: sa.Connection) -> None:
    store_metadata.create_all(conn)


_PG_MIGRATIONS: dict[int, Any] = {1: _create_store_v1}
"""``{version: step}`` of the store's own tables (see :data:`PG_SCHEMA_VERSION`)."""
