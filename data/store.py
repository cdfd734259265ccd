"""Where datasets live. All reading and writing of layers goes through a :class:`Store`.

The embedded default, :class:`FileStore`, is a folder holding one GeoPackage per vector layer
(``enterprises.gpkg`` …, each opens in QGIS), GeoTIFFs for rasters (``dem.tif``,
``population.tif``) and ``dataset.json`` with the dataset's description and sources.
The central store of a bureau, :class:`data.pgstore.PostGISStore`, implements the same
protocol on PostgreSQL + PostGIS; :func:`open_store` picks one from ``--store URL`` / ``--data``.

Beside the layers, every store has a records database (:attr:`Store.db`, a
:class:`data.sysdb.SystemDB`: incidents, users, the audit log, layer versions). Layer changes
made by people (imports, undo) go through :meth:`Store.change_layer`, which runs the change
under the store's write lock, keeps the result as a new version (the last
:data:`KEEP_VERSIONS` of each layer can be restored) and writes the version row and the audit
row in the same transaction, so two imports at the same time both land, one after the other.

Every write is atomic and durable (:func:`risk.files.atomic_path`): the new file is written
beside the old one (a layer's GeoPackage by the GDAL driver itself), fsynced and moved over it
with :func:`os.replace`, and the folder is fsynced; a failure half-way leaves the previous data
exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pyogrio
import sqlalchemy as sa

from data.sysdb import SystemDB, layer_versions, now_iso
from risk.files import atomic_path, remove_stale_temps, write_text_atomic

__all__ = ["Store", "FileStore", "StoreError", "LayerVersion", "LayerChange", "KEEP_VERSIONS",
           "open_store", "is_store_url", "VersionError"]

KEEP_VERSIONS = 10
"""How many versions of each layer are kept to restore (older ones are listed, not kept)."""


@dataclass(frozen=True)
class LayerVersion:
    """One version of a layer: who made it, when, from which file, and what it changed."""

    layer: str
    version: int
    at: str
    actor: str
    mode: str
    """``baseline`` (the layer as found before its first versioned change), ``update``,
    ``append``, ``replace`` or ``restore``."""
    rows: int
    added: int = 0
    changed: int = 0
    removed: int = 0
    file: str = ""
    note: str = ""
    restored_from: int | None = None
    kept: bool = True
    """Its data can still be restored (the last :data:`KEEP_VERSIONS` are)."""

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class LayerChange:
    """What a :meth:`Store.change_layer` builder returns: the new layer and what changed."""

    frame: gpd.GeoDataFrame
    added: int = 0
    changed: int = 0
    removed: int = 0


LayerBuilder = Callable[[gpd.GeoDataFrame | None], LayerChange | None]
"""Called under the write lock with the current layer (``None``: none yet); returns the new
layer, or ``None`` to write nothing."""


class VersionError(LookupError):
    """No such version, or its data is no longer kept."""


def is_store_url(spec: object) -> bool:
    """Does ``spec`` name a database (``postgresql://…``) rather than a folder?"""
    return isinstance(spec, str) and spec.split(":", 1)[0].lower() in (
        "postgresql", "postgres", "postgresql+psycopg")


def open_store(spec: str | os.PathLike[str]) -> Store:
    """The store ``spec`` names: a ``postgresql://`` URL (PostGIS) or a dataset folder."""
    if is_store_url(spec):
        from data.pgstore import PostGISStore

        return PostGISStore(str(spec))
    return FileStore(spec)


class StoreError(OSError):
    """A layer or raster could not be read or written."""


class Store(Protocol):
    """What the rest of the app needs from a dataset store."""

    def describe(self) -> str: ...
    def has_layer(self, name: str) -> bool: ...
    def layer_location(self, name: str) -> str: ...
    def read_layer(self, name: str) -> gpd.GeoDataFrame: ...
    def write_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None: ...
    def raster_path(self, name: str) -> Path | None: ...
    def read_meta(self) -> dict[str, Any]: ...
    def write_meta(self, meta: dict[str, Any]) -> None: ...
    @property
    def db(self) -> SystemDB: ...
    def data_version(self) -> str: ...
    def change_layer(self, name: str, build: LayerBuilder, *, actor: str, mode: str,
                     file: str = "", note: str = "") -> LayerVersion | None: ...
    def list_versions(self, name: str) -> list[LayerVersion]: ...
    def read_version(self, name: str, version: int) -> gpd.GeoDataFrame: ...
    def restore_version(self, name: str, version: int, *, actor: str) -> LayerVersion: ...


# -- version rows, shared by every store --------------------------------------------------------


def _version_row(row) -> LayerVersion:
    data = dict(row._mapping)
    data.pop("id", None)
    data["kept"] = bool(data["kept"])
    return LayerVersion(**data)


def list_version_rows(db: SystemDB, name: str) -> list[LayerVersion]:
    """The versions of layer ``name``, newest first."""
    with db.connect() as conn:
        rows = conn.execute(sa.select(layer_versions).where(layer_versions.c.layer == name)
                            .order_by(layer_versions.c.version.desc()))
        return [_version_row(r) for r in rows]


def next_version(conn: sa.Connection, name: str) -> int:
    current = conn.execute(sa.select(sa.func.max(layer_versions.c.version))
                           .where(layer_versions.c.layer == name)).scalar()
    return int(current or 0) + 1


def record_version(db: SystemDB, conn: sa.Connection, info: LayerVersion) -> list[int]:
    """Insert ``info``, its audit row and a new data version inside ``conn``; mark versions
    beyond the last :data:`KEEP_VERSIONS` as no longer kept and return their numbers (the caller
    drops their data)."""
    conn.execute(layer_versions.insert().values(**info.to_dict()))
    action = "layer.restore" if info.mode == "restore" else f"layer.{info.mode}"
    db.audit(conn, actor=info.actor, action=action, target=info.layer,
             ids=[f"{info.layer}@{info.version}"],
             detail={"file": info.file, "rows": info.rows, "added": info.added,
                     "changed": info.changed, "removed": info.removed,
                     "restored_from": info.restored_from, "note": info.note})
    db.bump_data_version(conn)
    old = [int(v) for v in conn.execute(
        sa.select(layer_versions.c.version)
        .where(layer_versions.c.layer == info.layer, layer_versions.c.kept == sa.true())
        .order_by(layer_versions.c.version.desc()).offset(KEEP_VERSIONS)).scalars()]
    if old:
        conn.execute(layer_versions.update()
                     .where(layer_versions.c.layer == info.layer,
                            layer_versions.c.version.in_(old)).values(kept=False))
    return old


def baseline_version(name: str, *, actor: str, rows: int) -> LayerVersion:
    """Version 1 of a layer that existed before its first versioned change (to undo to)."""
    return LayerVersion(layer=name, version=1, at=now_iso(), actor=actor, mode="baseline",
                        rows=rows, note="导入前的图层 / the layer before versioned changes")


def change_version(name: str, version: int, change: LayerChange, *, actor: str, mode: str,
                   file: str = "", note: str = "") -> LayerVersion:
    """The version row of ``change`` made by ``actor``."""
    return LayerVersion(layer=name, version=version, at=now_iso(), actor=actor, mode=mode,
                        rows=len(change.frame), added=change.added, changed=change.changed,
                        removed=change.removed, file=file, note=note)


def find_version(db: SystemDB, name: str, version: int) -> LayerVersion:
    for info in list_version_rows(db, name):
        if info.version == int(version):
            if not info.kept:
                raise VersionError(f"图层 {name} 第 {version} 版的数据已不再保留 / version {version} "
                                   f"of layer {name!r} is listed but its data is no longer kept "
                                   f"(the last {KEEP_VERSIONS} are)")
            return info
    raise VersionError(f"图层 {name} 没有第 {version} 版 / layer {name!r} has no version {version}")


class FileStore:
    """A folder of GeoPackages and GeoTIFFs (the embedded default)."""

    META = "dataset.json"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._db: SystemDB | None = None

    def __repr__(self) -> str:
        return f"FileStore({str(self.root)!r})"

    def describe(self) -> str:
        return str(self.root)

    def layer_file(self, name: str) -> Path:
        return self.root / f"{name}.gpkg"

    def layer_location(self, name: str) -> str:
        return str(self.layer_file(name))

    def has_layer(self, name: str) -> bool:
        return self.layer_file(name).is_file()

    def read_layer(self, name: str) -> gpd.GeoDataFrame:
        path = self.layer_file(name)
        if not path.is_file():
            raise StoreError(f"layer {name!r}: no file {path}")
        try:
            return gpd.read_file(path, engine="pyogrio")
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise StoreError(f"layer {name!r}: cannot read {path}: {exc}") from exc

    def write_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None:
        """Replace layer ``name`` atomically."""
        path = self.layer_file(name)
        with atomic_path(path) as tmp:  # the driver creates the GeoPackage at the temporary path
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")

    def raster_path(self, name: str) -> Path | None:
        path = self.root / f"{name}.tif"
        return path if path.is_file() else None

    @contextmanager
    def atomic_raster(self, name: str) -> Iterator[Path]:
        """Yield a temporary path to write raster ``name`` to; it replaces the old one on success."""
        with atomic_path(self.root / f"{name}.tif") as tmp:
            yield tmp

    def read_meta(self) -> dict[str, Any]:
        path = self.root / self.META
        if not path.is_file():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def write_meta(self, meta: dict[str, Any]) -> None:
        write_text_atomic(self.root / self.META, json.dumps(meta, ensure_ascii=False, indent=2))

    # -- records, data version and layer versions ---------------------------------------------

    @property
    def db(self) -> SystemDB:
        """The records database, ``riskmap.sqlite`` in the folder (opened on first use)."""
        if self._db is None:
            if not self.root.exists() and os.access(self.root.parent, os.W_OK):
                self.root.mkdir(parents=True, exist_ok=True)  # a new dataset folder
            self._db = SystemDB.for_folder(self.root)
        return self._db

    @property
    def read_only(self) -> bool:
        return self.db.read_only

    def clean_stale_temps(self) -> list[Path]:
        """Remove the temporary files that killed writes left in the folder (and ``versions/``)
        more than :data:`risk.files.STALE_AFTER_S` ago; called at app start, before a CLI
        command writes, and under the write lock of every layer change."""
        if self.read_only:
            return []
        return remove_stale_temps(self.root)

    def data_version(self) -> str:
        """Changes whenever a layer, raster or the description changes (through this store, the
        CLI or by hand): the records' change counter and the files' sizes and times."""
        parts = [str(self.db.data_version())]
        for path in sorted(self.root.glob("*")):
            if path.suffix in {".gpkg", ".tif", ".json"} and not path.name.startswith("."):
                st = path.stat()
                parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
        return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]

    def version_file(self, name: str, version: int) -> Path:
        return self.root / "versions" / name / f"v{int(version):05d}.gpkg"

    def change_layer(self, name: str, build: LayerBuilder, *, actor: str, mode: str,
                     file: str = "", note: str = "") -> LayerVersion | None:
        """Change layer ``name`` under the store's write lock and keep the result as a version.

        The SQLite transaction (``BEGIN IMMEDIATE``) is the lock: a second change, from any
        process, waits for this one and then builds on its result. The new layer is written as
        the version's GeoPackage, then copied over the layer file (both atomic and fsynced); the
        version and audit rows commit last. Should the commit fail, the previous layer file is
        put back.
        """
        with self.db.transaction() as conn:
            self.clean_stale_temps()
            existing = self.read_layer(name) if self.has_layer(name) else None
            change = build(existing)
            if change is None:
                return None
            version = next_version(conn, name)
            if version == 1 and existing is not None:  # keep the layer as found, to undo to
                snap = self.version_file(name, 1)
                with atomic_path(snap) as tmp:
                    shutil.copyfile(self.layer_file(name), tmp)
                record_version(self.db, conn,
                               baseline_version(name, actor=actor, rows=len(existing)))
                version = 2
            info = change_version(name, version, change, actor=actor, mode=mode, file=file,
                                  note=note)
            self._put(name, version, change.frame, conn, info)
        return info

    def _put(self, name: str, version: int, frame: gpd.GeoDataFrame | None,
             conn: sa.Connection, info: LayerVersion) -> None:
        """Write version ``version`` (``frame``, or already on disk when None) as the layer."""
        snap = self.version_file(name, version)
        if frame is not None:
            with atomic_path(snap) as tmp:
                frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        backup = None
        if self.has_layer(name):
            backup = self.layer_file(name).with_name(f".{name}.gpkg.previous")
            shutil.copyfile(self.layer_file(name), backup)
        try:
            with atomic_path(self.layer_file(name)) as tmp:
                shutil.copyfile(snap, tmp)
            dropped = record_version(self.db, conn, info)
        except BaseException:
            if backup is not None:
                os.replace(backup, self.layer_file(name))
            raise
        finally:
            if backup is not None and backup.exists():
                backup.unlink()
        for old in dropped:
            self.version_file(name, old).unlink(missing_ok=True)

    def list_versions(self, name: str) -> list[LayerVersion]:
        return list_version_rows(self.db, name)

    def read_version(self, name: str, version: int) -> gpd.GeoDataFrame:
        find_version(self.db, name, version)
        path = self.version_file(name, version)
        if not path.is_file():
            raise VersionError(f"version {version} of layer {name!r}: no file {path}")
        return gpd.read_file(path, engine="pyogrio")

    def restore_version(self, name: str, version: int, *, actor: str) -> LayerVersion:
        """Make version ``version`` the current layer again (itself recorded as a new version)."""
        with self.db.transaction() as conn:
            old = find_version(self.db, name, version)
            frame = self.read_version(name, version)
            new = next_version(conn, name)
            info = LayerVersion(layer=name, version=new, at=now_iso(), actor=actor,
                                mode="restore", rows=len(frame), file=old.file,
                                restored_from=old.version,
                                note=f"恢复第 {old.version} 版 / restored version {old.version}")
            self._put(name, new, frame, conn, info)
        return info
