"""Placed incidents, kept in the store's records database (:mod:`data.sysdb`: ``riskmap.sqlite``
in a dataset folder, or the PostGIS database), with an audit row for every change.

Each incident has its creation time (ISO 8601 in China Standard Time, UTC+8), place (lon/lat,
EPSG:4326), cordon radii, type, a note, the wind (``wind_from_deg``: where it blows from,
degrees clockwise from north; ``downwind_m``: how far the downwind protective-action area
reaches, by default the outer radius, filled in when the incident is checked), who saved it and
when it was last updated. Every write (add, update, delete) runs in one transaction with its
audit row (``incident.create`` / ``.update`` / ``.delete``, with the ``actor``) and its history
row (table ``incident_events``: who, when, what changed as ``{field: [from, to]}``, read with
:meth:`IncidentStore.history`): if anything fails half-way it is rolled back and the store is
exactly as it was. Moving an incident or changing its radii, type, note or wind is an update of
the same incident (same id), never a new one. A
store that cannot be written is refused with the reason (:class:`data.sysdb.ReadOnlyStore`,
:class:`~data.sysdb.StoreUnavailable` naming "database or disk is full",
:class:`~data.sysdb.StoreBusy` after the bounded wait for another writer).

The place and radii are checked by the one incident validation,
:func:`risk.cordon.validate_incident`, once: when an incident is made from a validated
:class:`risk.cordon.Cordon` (:meth:`Incident.from_cordon`), when :meth:`Incident.checked` is
called, or when :meth:`IncidentStore.get` loads one (a row may have been edited by hand); a
checked incident is saved without being checked again, and :attr:`Incident.cordon` hands its
cordon to :func:`risk.cordon.exposure` as it is.

Lists are paged (:meth:`IncidentStore.list` with ``offset``/``limit``, newest first) and can be
searched (by id, note or type) and limited to an area (a user's districts), so that a page of
incidents stays small however many are kept.

Get the incidents of a store with :func:`incidents_for`. A dataset folder written by an older
risk-map may still hold its incidents in ``incidents.sqlite``: the first time the folder's
records database is opened for incidents they are copied into it once, with the same ids
(:func:`import_legacy_incidents`; recorded in the setting ``legacy_incidents_imported``), and
the old file is left as it was.

>>> import tempfile, pathlib
>>> store = IncidentStore(pathlib.Path(tempfile.mkdtemp()))
>>> new = store.add(Incident(lon=114.0579, lat=22.5431, type="火灾爆炸", note="仓库起火"))
>>> store.get(new).type, store.get(new).type_zh, store.get(new).radii_m
('fire', '火灾爆炸', (1000.0, 5000.0, 10000.0))
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa

from data.sysdb import CST, SystemDB, now_iso
from data.sysdb import incident_events as events_table
from data.sysdb import incidents as incidents_table
from data.sysdb import settings as settings_table
from risk.cordon import DEFAULT_RADII_M, Cordon, validate_incident, validate_wind

__all__ = ["Incident", "IncidentStore", "INCIDENT_TYPES", "FIELDS", "parse_incident_type", "CST",
           "incidents_path", "incidents_for", "import_legacy_incidents", "LEGACY_FILE",
           "LEGACY_SETTING"]

LEGACY_FILE = "incidents.sqlite"
"""Where risk-map before the records database kept a folder's incidents."""
LEGACY_SETTING = "legacy_incidents_imported"
"""Setting (``riskmap_settings``) recording that the legacy incidents were copied."""

_log = logging.getLogger(__name__)

_COLUMNS = [incidents_table.c[name] for name in
            ("id", "created", "lon", "lat", "radii_m", "type", "note", "wind_from_deg",
             "downwind_m", "updated")]

FIELDS = ("lon", "lat", "radii_m", "type", "note", "wind_from_deg", "downwind_m")
"""The fields of an incident an update may change (each change is kept in its history)."""

INCIDENT_TYPES: dict[str, tuple[str, str]] = {
    "hazmat": ("危化品泄漏", "Hazardous-chemical release"),
    "fire": ("火灾爆炸", "Fire / explosion"),
    "gas": ("燃气泄漏", "Gas leak"),
    "other": ("其他", "Other"),
}
_TYPE_SPELLINGS = {
    **{code: code for code in INCIDENT_TYPES},
    **{zh: code for code, (zh, _) in INCIDENT_TYPES.items()},
    **{en.lower(): code for code, (_, en) in INCIDENT_TYPES.items()},
    "危化品": "hazmat", "泄漏": "hazmat", "火灾": "fire", "爆炸": "fire", "燃气": "gas",
    "": "other",
}



def parse_incident_type(value: object) -> str:
    """An incident type code from any usual spelling (危化品泄漏/火灾爆炸/燃气泄漏/其他, codes)."""
    key = "" if value is None else str(value).strip().lower()
    if key not in _TYPE_SPELLINGS:
        valid = ", ".join(f"{zh} ({code})" for code, (zh, _) in INCIDENT_TYPES.items())
        msg = f"事件类型无效 unknown incident `type` {value!r}; valid: {valid}"
        raise ValueError(msg)
    return _TYPE_SPELLINGS[key]


def incidents_path(data_dir: str | os.PathLike[str]) -> Path:
    """Where a dataset folder keeps its incidents: its records database ``riskmap.sqlite``."""
    from data.sysdb import DB_FILE

    return Path(data_dir) / DB_FILE


@dataclass(frozen=True)
class Incident:
    """One placed incident. ``created`` is set by the store when left empty."""

    lon: float
    lat: float
    radii_m: tuple[float, ...] = DEFAULT_RADII_M
    type: str = "other"
    note: str = ""
    created: str = ""
    id: int | None = field(default=None, compare=False)
    wind_from_deg: float | None = None
    """Where the wind blows from (degrees clockwise from north, 0 ≤ x < 360); ``None``: no
    downwind area."""
    downwind_m: float | None = None
    """How far the downwind area reaches (metres); left ``None`` with a wind it becomes the
    outer radius when the incident is checked. ``None`` without a wind."""
    updated: str = field(default="", compare=False)
    """When it was last updated (ISO 8601, UTC+8; empty: never)."""
    _checked: bool = field(default=False, compare=False, repr=False)
    """Set by :meth:`checked` / :meth:`from_cordon`: the fields are validated and normalised."""

    @classmethod
    def from_cordon(cls, cordon: Cordon, *, type: str = "other", note: str = "",
                    created: str = "", wind_from_deg: object = None,
                    downwind_m: object = None) -> Incident:
        """A checked incident at a validated ``cordon`` (its type, note and wind are checked
        here: :func:`risk.cordon.validate_wind`)."""
        wind, reach = validate_wind(wind_from_deg, downwind_m, radii_m=cordon.radii_m)
        return cls(lon=cordon.lon, lat=cordon.lat, radii_m=cordon.radii_m,
                   type=parse_incident_type(type), note=_check_note(note), created=created,
                   wind_from_deg=wind, downwind_m=reach, _checked=True)

    @property
    def cordon(self) -> Cordon:
        """The place and radii as a :class:`~risk.cordon.Cordon` (validated first if needed)."""
        if self._checked:
            return Cordon(self.lon, self.lat, tuple(self.radii_m))
        return validate_incident(self.lon, self.lat, self.radii_m)

    @property
    def type_zh(self) -> str:
        return INCIDENT_TYPES.get(self.type, (self.type, self.type))[0]

    @property
    def type_en(self) -> str:
        return INCIDENT_TYPES.get(self.type, (self.type, self.type))[1]

    def checked(self, *, region: Any = None) -> Incident:
        """This incident with validated, normalised fields (raises ``ValueError``).

        ``region``: also refuse a place too far from the dataset's region (see
        :func:`risk.cordon.validate_incident`).
        """
        lon, lat, radii = validate_incident(self.lon, self.lat, self.radii_m, region=region)
        wind, reach = validate_wind(self.wind_from_deg, self.downwind_m, radii_m=radii)
        return replace(self, lon=lon, lat=lat, radii_m=radii, type=parse_incident_type(self.type),
                       note=_check_note(self.note), wind_from_deg=wind, downwind_m=reach,
                       _checked=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "created": self.created, "updated": self.updated,
            "lon": self.lon, "lat": self.lat,
            "radii_m": list(self.radii_m), "type": self.type, "type_zh": self.type_zh,
            "type_en": self.type_en, "note": self.note,
            "wind_from_deg": self.wind_from_deg, "downwind_m": self.downwind_m,
        }

    def values(self) -> dict[str, Any]:
        """The fields an update may change (:data:`FIELDS`), JSON-ready (radii as a list)."""
        return {name: (list(self.radii_m) if name == "radii_m" else getattr(self, name))
                for name in FIELDS}


def _check_note(note: object) -> str:
    text = "" if note is None else str(note)
    if len(text) > 10_000:
        raise ValueError(f"备注过长 `note` must be at most 10000 characters, got {len(text)}")
    return text


def _now() -> str:
    return now_iso()


def incidents_for(store: Any) -> IncidentStore:
    """The incidents of ``store`` (any :class:`data.store.Store`: its records database
    ``store.db``). For a dataset folder, its legacy ``incidents.sqlite`` is imported first,
    once (:func:`import_legacy_incidents`)."""
    db = store.db
    root = getattr(store, "root", None)
    if root is not None:
        _import_legacy_quietly(db, Path(root))
    return IncidentStore(db)


_LEGACY_DONE: weakref.WeakSet[SystemDB] = weakref.WeakSet()
"""Records databases already checked for a legacy file in this process."""


def _import_legacy_quietly(db: SystemDB, root: Path) -> None:
    """:func:`import_legacy_incidents`, but a database that cannot be written now (busy, disk
    full, down) is only logged: the import is tried again the next time."""
    if db in _LEGACY_DONE:
        return
    try:
        import_legacy_incidents(db, root)
    except OSError as exc:
        _log.warning("legacy incidents of %s not imported yet: %s", root, exc)
        return
    _LEGACY_DONE.add(db)


def import_legacy_incidents(db: SystemDB, root: str | os.PathLike[str], *,
                            actor: str = "system") -> int:
    """Copy the incidents of ``root/incidents.sqlite`` (risk-map before the records database)
    into ``db``, once; return how many were copied (0 when there is no such file, it was done
    before, or ``db`` is read-only here).

    Ids are kept; an id already taken in ``db`` gets a new one (the audit row lists both). The
    copy, its audit row (``incident.import``) and the setting :data:`LEGACY_SETTING` are one
    transaction; the old file is only read. A file that is not a readable incidents database
    is recorded as skipped, with its reason, and never tried again.
    """
    legacy = Path(root) / LEGACY_FILE
    if not legacy.is_file() or db.read_only or db.setting(LEGACY_SETTING):
        return 0
    try:
        rows = _legacy_rows(legacy)
        problem = ""
    except sqlite3.Error as exc:
        rows, problem = [], f"{type(exc).__name__}: {exc}"
    with db.transaction() as conn:
        if conn.execute(sa.select(settings_table.c.value)
                        .where(settings_table.c.key == LEGACY_SETTING)).scalar():
            return 0  # another process did it meanwhile
        wanted = [int(r["id"]) for r in rows]
        taken: set[int] = set()
        for start in range(0, len(wanted), 500):
            taken.update(conn.execute(sa.select(incidents_table.c.id).where(
                incidents_table.c.id.in_(wanted[start:start + 500]))).scalars())
        keep = [r for r in rows if int(r["id"]) not in taken]
        if keep:
            conn.execute(incidents_table.insert(), keep)
        renumbered = {}
        for row in (r for r in rows if int(r["id"]) in taken):
            old = row.pop("id")
            renumbered[str(old)] = int(conn.execute(
                incidents_table.insert().values(**row).returning(incidents_table.c.id))
                .scalar_one())
        record = {"at": now_iso(), "from": str(legacy), "count": len(rows)}
        if problem:
            record["skipped"] = problem
        db.audit(conn, actor=actor, action="incident.import", target="incident",
                 ids=[r["id"] for r in keep] + list(renumbered.values()),
                 detail={**record, "renumbered": renumbered}, ok=not problem)
        conn.execute(settings_table.insert().values(
            key=LEGACY_SETTING, value=json.dumps(record, ensure_ascii=False)))
    return len(rows)


def _legacy_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a legacy ``incidents.sqlite``, read without writing to it."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cursor = conn.execute("SELECT id, created, lon, lat, radii_m, type, note FROM incidents "
                              "ORDER BY id")
        return [{"id": int(r[0]), "created": str(r[1]), "lon": float(r[2]), "lat": float(r[3]),
                 "radii_m": str(r[4]), "type": str(r[5]), "note": str(r[6] or ""),
                 "created_by": "legacy"} for r in cursor]
    finally:
        conn.close()


_ID_SEARCH = re.compile(r"^#?\s*(\d{1,18})$")


def _search_clause(text: str | None) -> Any:
    """Rows whose id, note or type matches ``text`` (``None``: no condition)."""
    text = (text or "").strip()
    if not text:
        return None
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    terms: list[sa.ColumnElement[bool]] = [incidents_table.c.note.ilike(like, escape="\\")]
    match = _ID_SEARCH.match(text)
    if match:
        terms.append(incidents_table.c.id == int(match.group(1)))
    try:
        terms.append(incidents_table.c.type == parse_incident_type(text))
    except ValueError:
        pass
    return sa.or_(*terms)


class IncidentStore:
    """Incidents in a store's records database (:class:`data.sysdb.SystemDB`). Safe to share
    between threads and processes; every change is one transaction with its audit row."""

    def __init__(self, db: SystemDB | str | os.PathLike[str]) -> None:
        """``db``: the records database, or a dataset folder (its ``riskmap.sqlite``; the
        folder's legacy ``incidents.sqlite`` is imported first, see
        :func:`import_legacy_incidents`)."""
        if not isinstance(db, SystemDB):
            path = Path(db)
            root = path.parent if path.suffix == ".sqlite" else path
            db = SystemDB.for_folder(root)
            _import_legacy_quietly(db, root)
        self.db = db

    def __repr__(self) -> str:
        return f"IncidentStore({self.db.where!r})"

    @property
    def path(self) -> str:
        return self.db.where

    def add(self, incident: Incident, *, region: Any = None, actor: str = "") -> int:
        """Validate (unless already checked and no ``region`` is given) and save ``incident``;
        return its id. Nothing is saved if anything fails."""
        return self.add_many([incident], region=region, actor=actor)[0]

    def add_many(self, incidents: Iterable[Incident], *, region: Any = None,
                 actor: str = "") -> list[int]:
        """Save several incidents in one transaction: all of them or, on any error, none."""
        checked = [i if i._checked and region is None else i.checked(region=region)
                   for i in incidents]
        if not checked:
            return []
        created = _now()
        rows = [{"created": item.created or created, "lon": item.lon, "lat": item.lat,
                 "radii_m": json.dumps(list(item.radii_m)), "type": item.type,
                 "note": item.note, "created_by": actor, "wind_from_deg": item.wind_from_deg,
                 "downwind_m": item.downwind_m} for item in checked]
        with self.db.transaction() as conn:
            # one statement for all of them (RETURNING gives the ids in the rows' order)
            result = conn.execute(incidents_table.insert().returning(
                incidents_table.c.id, sort_by_parameter_order=True), rows)
            ids = [int(new_id) for new_id in result.scalars()]
            for new_id, item in zip(ids, checked, strict=True):
                self.db.audit(conn, actor=actor or "?", action="incident.create",
                              target="incident", ids=[new_id],
                              detail={"lon": item.lon, "lat": item.lat,
                                      "radii_m": list(item.radii_m), "type": item.type,
                                      "wind_from_deg": item.wind_from_deg})
            conn.execute(events_table.insert(), [
                {"incident_id": new_id, "at": created, "actor": actor or "?", "action": "create",
                 "changes": json.dumps({k: [None, v] for k, v in item.values().items()},
                                       ensure_ascii=False)}
                for new_id, item in zip(ids, checked, strict=True)])
        return ids

    def update(self, incident_id: int, *, actor: str = "", region: Any = None,
               **fields: Any) -> Incident:
        """Change some fields (:data:`FIELDS`: ``lon``, ``lat``, ``radii_m``, ``type``,
        ``note``, ``wind_from_deg``, ``downwind_m``) of a saved incident, checked like a new
        one; ``KeyError`` if there is none. The same incident (same id) is changed, never a new
        one made; what changed (from, to) goes into its :meth:`history` and the audit row, in
        the same transaction. Clearing the wind (``wind_from_deg=None``) clears the downwind
        distance too; a change that changes nothing writes nothing."""
        unknown = set(fields) - set(FIELDS)
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} of an incident; "
                             f"fields: {', '.join(FIELDS)}")
        if "wind_from_deg" in fields and fields["wind_from_deg"] in (None, ""):
            fields.setdefault("downwind_m", None)
        with self.db.transaction() as conn:
            row = conn.execute(sa.select(*_COLUMNS).where(incidents_table.c.id == int(incident_id))
                               ).first()
            if row is None:
                raise KeyError(f"没有该事件 no incident with id {incident_id!r} in {self.path}")
            old = self._incident(row)
            if "radii_m" in fields:
                fields["radii_m"] = tuple(fields["radii_m"])
            new = replace(old, **fields).checked(region=region)
            before, after = old.values(), new.values()
            changes = {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}
            if not changes:
                return new
            at = _now()
            conn.execute(incidents_table.update().where(incidents_table.c.id == int(incident_id))
                         .values(lon=new.lon, lat=new.lat, radii_m=json.dumps(list(new.radii_m)),
                                 type=new.type, note=new.note, wind_from_deg=new.wind_from_deg,
                                 downwind_m=new.downwind_m, updated=at))
            self.db.audit(conn, actor=actor or "?", action="incident.update", target="incident",
                          ids=[int(incident_id)], detail=changes)
            conn.execute(events_table.insert().values(
                incident_id=int(incident_id), at=at, actor=actor or "?", action="update",
                changes=json.dumps(changes, ensure_ascii=False)))
        return replace(new, updated=at)

    def history(self, incident_id: int) -> list[dict[str, Any]]:
        """Who changed incident ``incident_id``, when, and what, oldest first: dicts with
        ``at``, ``actor``, ``action`` (``create``, ``update``, ``delete``) and ``changes``
        (``{field: {"from": old, "to": new}}``; a creation has ``from`` ``None``). An
        incident saved before schema 3 starts with its first update. ``[]`` when none."""
        query = (sa.select(events_table.c.at, events_table.c.actor, events_table.c.action,
                           events_table.c.changes)
                 .where(events_table.c.incident_id == int(incident_id))
                 .order_by(events_table.c.id))
        with self.db.connect() as conn:
            rows = conn.execute(query).all()
        return [{"at": str(at), "actor": str(who), "action": str(action),
                 "changes": {k: {"from": v[0], "to": v[1]}
                             for k, v in json.loads(changes or "{}").items()}}
                for at, who, action, changes in rows]

    def _query(self, columns: Sequence[Any], *, search: str | None,
               within: Any) -> sa.Select:
        query = sa.select(*columns)
        clause = _search_clause(search)
        if clause is not None:
            query = query.where(clause)
        if within is not None:
            x0, y0, x1, y1 = shapely.bounds(within)
            query = query.where(incidents_table.c.lon.between(float(x0), float(x1)),
                                incidents_table.c.lat.between(float(y0), float(y1)))
        return query

    def list(self, *, offset: int = 0, limit: int | None = None, search: str | None = None,
             within: Any = None) -> list[Incident]:
        """Incidents, newest first: ``limit`` of them from ``offset`` (one page).

        ``search``: only those whose id, note (part of it, any case) or type matches;
        ``within``: only those inside this (multi)polygon, e.g. a user's districts.
        """
        offset = max(int(offset), 0)
        query = self._query(_COLUMNS, search=search, within=within).order_by(
            incidents_table.c.created.desc(), incidents_table.c.id.desc())
        if within is None:
            if offset:
                query = query.offset(offset)
            if limit is not None:
                query = query.limit(int(limit))
            with self.db.connect() as conn:
                rows = conn.execute(query).fetchall()
            return [self._incident(r) for r in rows]
        within = _prepared(within)
        wanted = None if limit is None else offset + int(limit)
        found: list[Incident] = []
        for chunk in self._chunks(query):
            found.extend(self._incident(r) for r in _inside(within, chunk))
            if wanted is not None and len(found) >= wanted:
                break
        return found[offset:wanted]

    def count(self, *, search: str | None = None, within: Any = None) -> int:
        """How many incidents :meth:`list` would give with no ``limit``."""
        if within is None:
            query = self._query([sa.func.count()], search=search, within=None).select_from(
                incidents_table)
            with self.db.connect() as conn:
                return int(conn.execute(query).scalar() or 0)
        within = _prepared(within)
        query = self._query(_COLUMNS, search=search, within=within).order_by(
            incidents_table.c.id)
        return sum(len(_inside(within, chunk)) for chunk in self._chunks(query))

    def _chunks(self, query: sa.Select, size: int = 5000) -> Iterator[Sequence[Any]]:
        start = 0
        while True:
            with self.db.connect() as conn:
                rows = conn.execute(query.offset(start).limit(size)).fetchall()
            if rows:
                yield rows
            if len(rows) < size:
                return
            start += size

    def get(self, incident_id: int, *, region: Any = None) -> Incident:
        """The incident with ``incident_id``, checked (:meth:`Incident.checked`, with
        ``region``); ``KeyError`` if there is none, ``ValueError`` if its saved place or radii
        are not valid (or it lies too far from ``region``)."""
        with self.db.connect() as conn:
            row = conn.execute(sa.select(*_COLUMNS)
                               .where(incidents_table.c.id == int(incident_id))).first()
        if row is None:
            raise KeyError(f"没有该事件 no incident with id {incident_id!r} in {self.path}")
        return self._incident(row).checked(region=region)

    def delete(self, incident_id: int, *, actor: str = "") -> None:
        """Remove an incident (``KeyError`` if there is none; then nothing changes)."""
        with self.db.transaction() as conn:
            gone = conn.execute(incidents_table.delete()
                                .where(incidents_table.c.id == int(incident_id))).rowcount
            if gone != 1:
                raise KeyError(f"没有该事件 no incident with id {incident_id!r} in {self.path}")
            self.db.audit(conn, actor=actor or "?", action="incident.delete", target="incident",
                          ids=[int(incident_id)])
            conn.execute(events_table.insert().values(
                incident_id=int(incident_id), at=_now(), actor=actor or "?", action="delete",
                changes="{}"))

    def __len__(self) -> int:
        return self.count()

    @staticmethod
    def _incident(row: Sequence[Any]) -> Incident:
        return Incident(
            id=int(row[0]), created=str(row[1]), lon=float(row[2]), lat=float(row[3]),
            radii_m=tuple(float(r) for r in json.loads(row[4])), type=str(row[5]),
            note=str(row[6]), wind_from_deg=None if row[7] is None else float(row[7]),
            downwind_m=None if row[8] is None else float(row[8]), updated=str(row[9] or ""),
        )


def _prepared(area: Any) -> Any:
    """A prepared copy of ``area`` (fast point tests; the caller's geometry is left alone)."""
    copy = shapely.from_wkb(shapely.to_wkb(area))
    shapely.prepare(copy)
    return copy


def _inside(area: Any, rows: Sequence[Any]) -> list[Any]:
    """The ``rows`` (``_COLUMNS``) whose place lies in ``area`` (or on its boundary)."""
    if not rows:
        return []
    lon = np.fromiter((float(r[2]) for r in rows), float, len(rows))
    lat = np.fromiter((float(r[3]) for r in rows), float, len(rows))
    keep = shapely.intersects_xy(area, lon, lat)
    return [r for r, k in zip(rows, keep, strict=True) if k]
