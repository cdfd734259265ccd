"""Copy a whole dataset from one store to another (``riskmap db load`` and ``riskmap db dump``).

Everything a dataset holds goes across: every vector layer, both rasters (bytes unchanged), the
description (``dataset.json`` / ``dataset_meta``), and the records (incidents, users with their
password hashes, the audit log, the layer versions with the data of every version still kept,
and the settings such as the session-signing key). Row ids are kept, so audit rows that name an
incident still name the same one. The copy itself is recorded in the target's audit log
(``db.load`` / ``db.dump``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from data.pgstore import PostGISStore
from data.schema import RASTER_LAYERS
from data.store import FileStore, Store
from data.sysdb import (
    DB_FILE,
    SystemDB,
    audit_log,
    hazard_events,
    hazards,
    incidents,
    layer_versions,
    settings,
    users,
)
from risk.files import atomic_path

__all__ = ["copy_dataset", "CopyReport", "store_is_empty", "clear_store", "layer_names"]

RECORD_TABLES = (users, incidents, layer_versions, audit_log, hazards, hazard_events)
"""Copied row by row with their ids (settings are copied apart)."""
SKIP_SETTINGS = frozenset({"data_version", "pgstore_schema"})
"""Settings that belong to the target itself."""


@dataclass
class CopyReport:
    """What :func:`copy_dataset` copied."""

    layers: dict[str, int] = field(default_factory=dict)
    rasters: dict[str, int] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    versions: int = 0
    meta: bool = False

    def lines(self) -> list[str]:
        out = [f"  图层 / layer {name}: {rows:,} 行/rows" for name, rows in self.layers.items()]
        out += [f"  栅格 / raster {name}: {size / 1e6:.1f} MB" for name, size in
                self.rasters.items()]
        out.append(f"  说明 / description (dataset.json): {'是/yes' if self.meta else '无/none'}")
        out += [f"  记录 / records {name}: {rows:,}" for name, rows in self.records.items()]
        out.append(f"  保留的图层版本数据 / kept layer-version data: {self.versions}")
        return out


def layer_names(store: Store) -> list[str]:
    """The vector layers ``store`` holds, sorted."""
    if isinstance(store, PostGISStore):
        return store.layer_names()
    if isinstance(store, FileStore):
        return sorted(p.stem for p in store.root.glob("*.gpkg") if not p.name.startswith("."))
    raise TypeError(f"cannot list the layers of {store!r}")


def _record_counts(db: SystemDB) -> dict[str, int]:
    with db.connect() as conn:
        return {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0)
                for t in RECORD_TABLES}


def store_is_empty(store: Store) -> bool:
    """No layer, raster, description or record (user, incident, audit row, version)."""
    if layer_names(store) or store.read_meta():
        return False
    if any(store.raster_path(name) is not None for name in RASTER_LAYERS):
        return False
    return not any(_record_counts(store.db).values())


def clear_store(store: Store) -> None:
    """Remove everything :func:`store_is_empty` looks at (``--replace``)."""
    if isinstance(store, PostGISStore):
        for name in store.layer_names():
            store.drop_layer(name)
        for name in RASTER_LAYERS:
            store.delete_raster(name)
        with store.db.transaction() as conn:
            conn.execute(sa.text("DELETE FROM dataset_meta"))
    elif isinstance(store, FileStore):
        root = store.root
        for pattern in ("*.gpkg", "*.tif", FileStore.META):
            for path in root.glob(pattern):
                path.unlink()
        shutil.rmtree(root / "versions", ignore_errors=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            (root / f"{DB_FILE}{suffix}").unlink(missing_ok=True)
        return  # open a new FileStore on the folder: its records database is made anew
    with store.db.transaction() as conn:
        for table in reversed(RECORD_TABLES):
            conn.execute(table.delete())


def _write_version(store: Store, name: str, version: int, frame: Any) -> None:
    if isinstance(store, PostGISStore):
        store.write_version(name, version, frame)
    elif isinstance(store, FileStore):
        with atomic_path(store.version_file(name, version)) as tmp:
            frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    else:
        raise TypeError(f"cannot write versions into {store!r}")


def _copy_records(src: SystemDB, dst: SystemDB, *, actor: str, action: str,
                  source: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with src.connect() as sconn:
        rows = {t.name: [dict(r._mapping) for r in sconn.execute(sa.select(t).order_by(t.c.id))]
                for t in RECORD_TABLES}
        kept = [dict(r._mapping) for r in sconn.execute(sa.select(settings))
                if r.key not in SKIP_SETTINGS]
    with dst.transaction() as conn:
        for table in RECORD_TABLES:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
            counts[table.name] = len(rows[table.name])
            if conn.dialect.name == "postgresql":  # the next id follows the copied ones
                conn.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"))
        for row in kept:
            conn.execute(settings.delete().where(settings.c.key == row["key"]))
            conn.execute(settings.insert().values(**row))
        dst.audit(conn, actor=actor, action=action, target=source, detail=dict(counts))
        dst.bump_data_version(conn)
    return counts


def copy_dataset(src: Store, dst: Store, *, actor: str, action: str = "db.load") -> CopyReport:
    """Copy everything ``src`` holds into ``dst`` (which should be empty: see
    :func:`store_is_empty`); the copy is audited in ``dst`` as ``action``."""
    report = CopyReport()
    root = getattr(src, "root", None)
    if root is not None and not src.db.read_only:  # a folder of before the records database
        from data.incidents import import_legacy_incidents

        import_legacy_incidents(src.db, root)
    for name in layer_names(src):
        frame = src.read_layer(name)
        dst.write_layer(name, frame)
        report.layers[name] = len(frame)
    for name in RASTER_LAYERS:
        path = src.raster_path(name)
        if path is None:
            continue
        data = path.read_bytes()
        with dst.atomic_raster(name) as tmp:  # type: ignore[attr-defined]
            tmp.write_bytes(data)
        report.rasters[name] = len(data)
    meta = src.read_meta()
    if meta:
        dst.write_meta(meta)
        report.meta = True
    for name in sorted({v.layer for v in _all_versions(src.db)}):
        for info in src.list_versions(name):
            if info.kept:
                _write_version(dst, name, info.version, src.read_version(name, info.version))
                report.versions += 1
    report.records = _copy_records(src.db, dst.db, actor=actor, action=action,
                                   source=src.describe())
    return report


def _all_versions(db: SystemDB) -> list[Any]:
    with db.connect() as conn:
        return list(conn.execute(sa.select(layer_versions.c.layer).distinct()))
