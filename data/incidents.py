"""Placed incidents, kept in one SQLite file beside the dataset (``incidents.sqlite``).

Each incident has its creation time (ISO 8601 in China Standard Time, UTC+8), place (lon/lat,
EPSG:4326), cordon radii, type and a note. Every write runs in one transaction: if anything
fails half-way the transaction is rolled back and the store is exactly as it was. The file
survives restarts; open it again with the same path.

The place and radii are checked by the one incident validation,
:func:`risk.cordon.validate_incident`, once: when an incident is made from a validated
:class:`risk.cordon.Cordon` (:meth:`Incident.from_cordon`), when :meth:`Incident.checked` is
called, or when :meth:`IncidentStore.get` loads one (a row may have been edited by hand); a
checked incident is saved without being checked again, and :attr:`Incident.cordon` hands its
cordon to :func:`risk.cordon.exposure` as it is.

>>> import tempfile, pathlib
>>> store = IncidentStore(pathlib.Path(tempfile.mkdtemp()) / "incidents.sqlite")
>>> new = store.add(Incident(lon=114.0579, lat=22.5431, type="火灾爆炸", note="仓库起火"))
>>> store.get(new).type, store.get(new).type_zh, store.get(new).radii_m
('fire', '火灾爆炸', (1000.0, 5000.0, 10000.0))
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from risk.cordon import DEFAULT_RADII_M, Cordon, validate_incident

__all__ = ["Incident", "IncidentStore", "INCIDENT_TYPES", "parse_incident_type", "CST",
           "incidents_path"]

CST = timezone(timedelta(hours=8), "CST")
"""China Standard Time (UTC+8), in which times are shown."""

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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    radii_m TEXT NOT NULL,
    type TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
)
"""


def parse_incident_type(value: object) -> str:
    """An incident type code from any usual spelling (危化品泄漏/火灾爆炸/燃气泄漏/其他, codes)."""
    key = "" if value is None else str(value).strip().lower()
    if key not in _TYPE_SPELLINGS:
        valid = ", ".join(f"{zh} ({code})" for code, (zh, _) in INCIDENT_TYPES.items())
        msg = f"事件类型无效 unknown incident `type` {value!r}; valid: {valid}"
        raise ValueError(msg)
    return _TYPE_SPELLINGS[key]


def incidents_path(data_dir: str | os.PathLike[str]) -> Path:
    """Where a dataset folder keeps its incidents."""
    return Path(data_dir) / "incidents.sqlite"


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
    _checked: bool = field(default=False, compare=False, repr=False)
    """Set by :meth:`checked` / :meth:`from_cordon`: the fields are validated and normalised."""

    @classmethod
    def from_cordon(cls, cordon: Cordon, *, type: str = "other", note: str = "",
                    created: str = "") -> Incident:
        """A checked incident at a validated ``cordon`` (its type and note are checked here)."""
        return cls(lon=cordon.lon, lat=cordon.lat, radii_m=cordon.radii_m,
                   type=parse_incident_type(type), note=_check_note(note), created=created,
                   _checked=True)

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
        return replace(self, lon=lon, lat=lat, radii_m=radii, type=parse_incident_type(self.type),
                       note=_check_note(self.note), _checked=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "created": self.created, "lon": self.lon, "lat": self.lat,
            "radii_m": list(self.radii_m), "type": self.type, "type_zh": self.type_zh,
            "type_en": self.type_en, "note": self.note,
        }


def _check_note(note: object) -> str:
    text = "" if note is None else str(note)
    if len(text) > 10_000:
        raise ValueError(f"备注过长 `note` must be at most 10000 characters, got {len(text)}")
    return text


def _now() -> str:
    return datetime.now(CST).isoformat(timespec="seconds")


class IncidentStore:
    """Incidents in one SQLite file. Safe to share between the app's threads (one connection
    per operation)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        with self._transaction() as conn:
            conn.execute(_SCHEMA)

    def __repr__(self) -> str:
        return f"IncidentStore({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite3.connect(self.path, timeout=10.0, isolation_level=None)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def add(self, incident: Incident, *, region: Any = None) -> int:
        """Validate (unless already checked and no ``region`` is given) and save ``incident``;
        return its id. Nothing is saved if anything fails."""
        return self.add_many([incident], region=region)[0]

    def add_many(self, incidents: Iterable[Incident], *, region: Any = None) -> list[int]:
        """Save several incidents in one transaction: all of them or, on any error, none."""
        checked = [i if i._checked and region is None else i.checked(region=region)
                   for i in incidents]
        ids = []
        with self._transaction() as conn:
            for item in checked:
                cur = conn.execute(
                    "INSERT INTO incidents (created, lon, lat, radii_m, type, note) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (item.created or _now(), item.lon, item.lat, json.dumps(list(item.radii_m)),
                     item.type, item.note),
                )
                assert cur.lastrowid is not None  # set by the INSERT just executed
                ids.append(int(cur.lastrowid))
        return ids

    def list(self) -> list[Incident]:
        """All incidents, newest first."""
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT id, created, lon, lat, radii_m, type, note FROM incidents "
                "ORDER BY created DESC, id DESC"
            ).fetchall()
        finally:
            conn.close()
        return [self._incident(r) for r in rows]

    def get(self, incident_id: int, *, region: Any = None) -> Incident:
        """The incident with ``incident_id``, checked (:meth:`Incident.checked`, with
        ``region``); ``KeyError`` if there is none, ``ValueError`` if its saved place or radii
        are not valid (or it lies too far from ``region``)."""
        conn = self._connect()
        try:
            row = conn.execute(
                "SELECT id, created, lon, lat, radii_m, type, note FROM incidents WHERE id = ?",
                (int(incident_id),),
            ).fetchone()
        finally:
            conn.close()
        if row is None:
            raise KeyError(f"没有该事件 no incident with id {incident_id!r} in {self.path}")
        return self._incident(row).checked(region=region)

    def delete(self, incident_id: int) -> None:
        """Remove an incident (``KeyError`` if there is none; then nothing changes)."""
        with self._transaction() as conn:
            cur = conn.execute("DELETE FROM incidents WHERE id = ?", (int(incident_id),))
            if cur.rowcount != 1:
                raise KeyError(f"没有该事件 no incident with id {incident_id!r} in {self.path}")

    def __len__(self) -> int:
        conn = self._connect()
        try:
            return int(conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0])
        finally:
            conn.close()

    @staticmethod
    def _incident(row: Sequence[Any]) -> Incident:
        return Incident(
            id=int(row[0]), created=str(row[1]), lon=float(row[2]), lat=float(row[3]),
            radii_m=tuple(float(r) for r in json.loads(row[4])), type=str(row[5]),
            note=str(row[6]),
        )
