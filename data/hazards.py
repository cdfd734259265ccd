"""Hidden dangers (事故隐患) of a store: the register and its closed-loop history.

Hazards change state often, so they are records (tables ``hazards`` and ``hazard_events`` of
the records database, :mod:`data.sysdb` schema 2), not a GeoPackage layer re-versioned at every
step: both stores (a dataset folder's ``riskmap.sqlite`` and PostGIS) keep them the same way.

Every change is one transaction holding the change, its history row (``hazard_events``: when,
who recorded it, who did it, from, to, note, the fields set) and its audit row
(``hazard.add`` / ``hazard.transition`` / ``hazard.import``): if anything fails nothing is
written. The rules of the closed loop are those of :mod:`risk.hazards`; a refused step raises
:class:`risk.hazards.TransitionError` naming what is missing or why.

A :class:`HazardStore` opened with ``scope`` (the districts of a district-limited user) sees and
touches only the hazards of those districts; others are "not found" (no existence leak), and a
new hazard outside them is refused.

A hazard's place is its ``lon``/``lat``, or else its enterprise's location
(``enterprise_id``, looked up in the dataset's enterprises: an unknown id is refused); its
district is the enterprise's, else the district polygon containing the point
(:class:`Places`).

>>> import tempfile, pathlib, datetime as dt
>>> from data.sysdb import SystemDB
>>> hz = HazardStore(SystemDB.for_folder(pathlib.Path(tempfile.mkdtemp())))
>>> new = hz.add({"title": "储罐区可燃气体报警器失效", "lon": 113.93, "lat": 22.53,
...               "district": "南山区", "found_at": "2026-05-03"}, actor="li",
...              today=dt.date(2026, 6, 1))
>>> hz.transition(new, "registered", actor="li", today=dt.date(2026, 6, 1))["status"]
'registered'
>>> [e["to_status"] for e in hz.events(new)]
['found', 'registered']
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data.sysdb import CST, SystemDB, now_iso
from data.sysdb import hazard_events as events_table
from data.sysdb import hazards as hazards_table
from risk.hazards import (
    HazardArrays,
    Step,
    TransitionError,
    check_new_hazard,
    check_transition,
    closed_between,
    day_numbers,
    parse_status,
    states_at,
    timeline,
    with_timelines,
)

__all__ = ["HazardStore", "Places", "hazards_for", "today_cst", "HAZARD_FIELDS", "arrays_of",
           "stats_at", "monthly_stats", "TransitionError", "hazards_in_rings"]

HAZARD_FIELDS = ("enterprise_id", "title", "category", "level", "source", "district", "found_at",
                 "found_by", "status", "deadline", "responsible_unit", "responsible_person",
                 "supervised", "closed_at", "reviewed_by", "review_result", "location",
                 "measures", "lon", "lat")
"""Columns of a hazard a caller may set (``id``, ``extra`` and the times are the store's)."""
_EPOCH = dt.date(1970, 1, 1)
HISTORY_COLUMNS = ("hazard_id", "at", "to_status", "fields")
"""The history columns :func:`arrays_of` reads."""
_CREATED = ("level", "deadline", "closed_at", "reviewed_by")
"""Fields a new hazard's first history row keeps (the deadline valid from the finding on)."""
_GIVEN = ("level", "deadline", "responsible_unit", "responsible_person", "reviewed_by",
          "closed_at", "review_result", "supervised", "measures")


def today_cst() -> dt.date:
    """Today in China Standard Time."""
    return dt.datetime.now(CST).date()


@dataclass(frozen=True)
class Places:
    """How to place a hazard: the dataset's enterprises (id → lon, lat, district) and districts."""

    enterprises: Mapping[str, tuple[float, float, str]] = field(default_factory=dict)
    districts: Any = None  # GeoDataFrame with ``name``, or None
    names: Mapping[str, str] = field(default_factory=dict)
    """Enterprise name → id (names held by one enterprise only), to place ledger rows."""

    @classmethod
    def from_dataset(cls, dataset: Any) -> Places:
        ent = dataset.enterprises
        table: dict[str, tuple[float, float, str]] = {}
        if len(ent):
            xs, ys = ent.geometry.x.to_numpy(), ent.geometry.y.to_numpy()
            dist = (ent["district"].astype(str).to_numpy() if "district" in ent
                    else np.full(len(ent), ""))
            for key, x, y, d in zip(ent["id"].astype(str), xs, ys, dist, strict=True):
                table[key] = (float(x), float(y), str(d))
        names: dict[str, str] = {}
        if len(ent) and "name" in ent:
            counts = ent["name"].astype(str).value_counts()
            unique = set(counts.index[counts.to_numpy() == 1])
            names = {n: i for n, i in zip(ent["name"].astype(str), ent["id"].astype(str),
                                          strict=True) if n in unique}
        return cls(enterprises=table, districts=dataset.districts, names=names)

    def district_at(self, lon: float, lat: float) -> str:
        """The name of the district containing the point ("" when none does)."""
        if self.districts is None or not len(self.districts) or "name" not in self.districts:
            return ""
        import shapely

        hit = shapely.contains_xy(self.districts.geometry.to_numpy(), lon, lat)
        names = self.districts["name"].astype(str).to_numpy()[hit]
        return str(names[0]) if len(names) else ""


def _clean(value: Any) -> Any:
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class HazardStore:
    """The hazards of one records database (``scope``: only those districts)."""

    def __init__(self, db: SystemDB, *, places: Places | None = None,
                 scope: Sequence[str] | None = None) -> None:
        self.db = db
        self.places = places or Places()
        self.scope = tuple(scope) if scope else None

    # -- reading ------------------------------------------------------------------------------

    def _scoped(self, query: sa.Select) -> sa.Select:
        if self.scope is not None:
            query = query.where(hazards_table.c.district.in_(self.scope))
        return query

    def get(self, hazard_id: int) -> dict[str, Any]:
        """One hazard as a dict (``extra`` parsed); ``KeyError`` when missing or out of scope."""
        with self.db.connect() as conn:
            row = conn.execute(self._scoped(sa.select(hazards_table).where(
                hazards_table.c.id == int(hazard_id)))).first()
        if row is None:
            raise KeyError(f"没有编号为 {hazard_id} 的隐患 / no hazard {hazard_id}")
        out = dict(row._mapping)
        out["extra"] = json.loads(out.get("extra") or "{}")
        return out

    def events(self, hazard_id: int) -> list[dict[str, Any]]:
        """The history of a hazard, oldest first (``fields`` parsed)."""
        self.get(hazard_id)  # scope and existence
        with self.db.connect() as conn:
            rows = conn.execute(sa.select(events_table).where(
                events_table.c.hazard_id == int(hazard_id)).order_by(events_table.c.id)).all()
        out = [dict(r._mapping) for r in rows]
        for e in out:
            e["fields"] = json.loads(e["fields"] or "{}")
        return out

    def count(self) -> int:
        with self.db.connect() as conn:
            return int(conn.execute(self._scoped(
                sa.select(sa.func.count()).select_from(hazards_table))).scalar() or 0)

    def __len__(self) -> int:
        return self.count()

    def frame(self) -> pd.DataFrame:
        """Every hazard in scope as a table (columns of ``hazards``; ``extra`` as JSON text)."""
        with self.db.connect() as conn:
            result = conn.execute(self._scoped(sa.select(hazards_table)).order_by(
                hazards_table.c.id))
            rows = result.all()
            columns = list(result.keys())
        return pd.DataFrame([tuple(r) for r in rows], columns=columns)

    def all_events(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The history of every hazard in scope, oldest first (for the ledger export, and for
        the state as of a date: :func:`arrays_of`); ``columns``: only these."""
        cols = [events_table.c[c] for c in columns] if columns else [events_table]
        query = sa.select(*cols).join(
            hazards_table, hazards_table.c.id == events_table.c.hazard_id).order_by(
            events_table.c.id)
        with self.db.connect() as conn:
            result = conn.execute(self._scoped(query))
            rows = result.all()
            columns = list(result.keys())
        return pd.DataFrame([tuple(r) for r in rows], columns=columns)

    def list(self, *, status: str | None = None, level: str | None = None,
             district: str | None = None, overdue_on: dt.date | None = None,
             search: str | None = None, offset: int = 0,
             limit: int | None = None) -> list[dict[str, Any]]:
        """A page of hazards, newest finding first (``overdue_on``: only those overdue then)."""
        t = hazards_table
        query = self._scoped(sa.select(t))
        if status:
            query = query.where(t.c.status == parse_status(status))
        if level:
            from risk.hazards import parse_level

            query = query.where(t.c.level == parse_level(level))
        if district:
            query = query.where(t.c.district == district)
        if overdue_on is not None:
            query = query.where(t.c.status != "closed", t.c.deadline.is_not(None),
                                t.c.deadline < overdue_on.isoformat())
        if search:
            like = f"%{search}%"
            query = query.where(sa.or_(t.c.title.like(like), t.c.location.like(like),
                                       sa.cast(t.c.id, sa.Text) == search))
        query = query.order_by(t.c.found_at.desc(), t.c.id.desc()).offset(offset)
        if limit:
            query = query.limit(limit)
        with self.db.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    # -- writing ------------------------------------------------------------------------------

    def _prepare(self, fields: Mapping[str, Any], *, today: dt.date) -> dict[str, Any]:
        """A new hazard's row (checked, placed) or :class:`TransitionError` / ``ValueError``."""
        given = {k: _clean(v) for k, v in fields.items()}
        unknown = sorted(set(given) - set(HAZARD_FIELDS) - {"extra"})
        if unknown:
            raise ValueError(f"未知字段 / unknown hazard field(s) {', '.join(unknown)}")
        row = check_new_hazard(given, today=today)
        problems: list[str] = []
        ent = row.get("enterprise_id")
        if ent is not None:
            ent = str(ent)
            row["enterprise_id"] = ent
            if ent not in self.places.enterprises:
                problems.append(f"企业编号不存在 / unknown `enterprise_id` {ent!r} (not in the "
                                f"dataset's enterprises)")
        lon, lat = row.get("lon"), row.get("lat")
        if lon is None or lat is None:
            if ent is not None and ent in self.places.enterprises:
                lon, lat, dist = self.places.enterprises[ent]
                row.setdefault("district", None)
                row["district"] = row["district"] or dist
            elif ent is None:
                problems.append("缺少位置：请给出经纬度或企业编号 / no place: give `lon` and "
                                "`lat`, or an `enterprise_id`")
        if lon is not None and lat is not None:
            try:
                lon, lat = float(lon), float(lat)
            except (TypeError, ValueError):
                problems.append(f"经纬度无效 / `lon`/`lat` must be numbers, got {lon!r}, "
                                f"{lat!r}")
            else:
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    problems.append(f"经纬度超出范围 / `lon`/`lat` out of range: {lon}, {lat}")
        if problems:
            raise TransitionError("；".join(problems))
        row["lon"], row["lat"] = lon, lat
        if not row.get("district"):
            row["district"] = self.places.district_at(float(lon), float(lat))  # type: ignore[arg-type]
        if self.scope is not None and row["district"] not in self.scope:
            raise PermissionError(f"无权登记该区隐患 / hazard in {row['district'] or '(no district)'}"
                                  f" is outside your districts ({'、'.join(self.scope)})")
        extra = row.pop("extra", None) or {}
        row["extra"] = json.dumps(extra, ensure_ascii=False, default=str)
        for key in ("found_by", "location", "measures"):
            row[key] = row.get(key) or ""
        stamp = now_iso()
        row["created_at"] = row["updated_at"] = stamp
        return {k: row.get(k) for k in (*HAZARD_FIELDS, "extra", "created_at", "updated_at")}

    def add(self, fields: Mapping[str, Any], *, actor: str, by: str = "", note: str = "",
            today: dt.date | None = None) -> int:
        """Record a new hazard (status ``found`` unless given); returns its id."""
        return self.add_many([fields], actor=actor, by=by, note=note, today=today)[0]

    def add_many(self, rows: Iterable[Mapping[str, Any]], *, actor: str, by: str = "",
                 note: str = "", today: dt.date | None = None,
                 action: str = "hazard.add") -> builtins.list[int]:
        """Record several new hazards in one transaction (all or none); their ids."""
        today = today or today_cst()
        prepared = [self._prepare(r, today=today) for r in rows]
        if not prepared:
            return []
        with self.db.transaction() as conn:
            ids = _insert(conn, prepared)
            stamp = now_iso()
            conn.execute(events_table.insert(), [
                {"hazard_id": i, "at": stamp, "actor": actor, "by": by or p["found_by"] or "",
                 "from_status": None, "to_status": p["status"], "note": note,
                 "fields": json.dumps({k: p[k] for k in _CREATED if p.get(k)},
                                      ensure_ascii=False)}
                for i, p in zip(ids, prepared, strict=True)])
            self.db.audit(conn, actor=actor, action=action, target="hazards",
                          ids=ids if len(ids) <= 100 else ids[:100],
                          detail={"count": len(ids)})
        return ids

    def transition(self, hazard_id: int, to: str, given: Mapping[str, Any] | None = None, *,
                   actor: str, by: str = "", note: str = "", at: str | None = None,
                   today: dt.date | None = None) -> dict[str, Any]:
        """Move a hazard one step along the closed loop; the hazard as saved.

        ``given``: the fields the step sets (see :func:`risk.hazards.check_transition`);
        ``by``: who took the step (default: ``actor``); ``at``: when (default: now).
        Refused with :class:`TransitionError` (nothing written) when the step is not allowed.
        """
        today = today or today_cst()
        values = {k: v for k, v in (given or {}).items() if k in _GIVEN}
        if note:
            values["note"] = note
        with self.db.transaction() as conn:
            row = conn.execute(self._scoped(sa.select(hazards_table).where(
                hazards_table.c.id == int(hazard_id))).with_for_update()).first()
            if row is None:
                raise KeyError(f"没有编号为 {hazard_id} 的隐患 / no hazard {hazard_id}")
            current = dict(row._mapping)
            changes = check_transition(current, to, values, today=today)
            stamp = now_iso()
            conn.execute(hazards_table.update().where(hazards_table.c.id == int(hazard_id))
                         .values(**changes, updated_at=stamp))
            fields = {k: v for k, v in changes.items() if k != "status"}
            conn.execute(events_table.insert().values(
                hazard_id=int(hazard_id), at=at or stamp, actor=actor, by=by or actor,
                from_status=current["status"], to_status=changes["status"], note=note,
                fields=json.dumps(fields, ensure_ascii=False)))
            self.db.audit(conn, actor=actor, action="hazard.transition", target=str(hazard_id),
                          ids=[hazard_id], detail={"from": current["status"],
                                                   "to": changes["status"], **fields})
        return self.get(hazard_id)

    def add_history(self, hazards: Sequence[Mapping[str, Any]],
                    events: Sequence[Sequence[Mapping[str, Any]]], *, actor: str,
                    replace: bool = False) -> int:
        """Write hazards with their whole history as given (the sample generator): no checks of
        the loop, one transaction, one audit row. ``events[i]``: the events of ``hazards[i]``;
        ``replace``: delete every hazard first (in the same transaction)."""
        stamp = now_iso()
        rows = []
        for h in hazards:
            row = {k: h.get(k) for k in HAZARD_FIELDS}
            for key in ("found_by", "location", "measures"):
                row[key] = row[key] or ""
            row["extra"] = json.dumps(h.get("extra") or {}, ensure_ascii=False)
            row["created_at"] = row["updated_at"] = stamp
            rows.append(row)
        with self.db.transaction() as conn:
            if replace:
                conn.execute(events_table.delete())
                conn.execute(hazards_table.delete())
            ids = _insert(conn, rows) if rows else []
            if not ids:
                return 0
            conn.execute(events_table.insert(), [
                {"hazard_id": i, "at": e["at"], "actor": e.get("actor", actor),
                 "by": e.get("by", ""), "from_status": e.get("from_status"),
                 "to_status": e["to_status"], "note": e.get("note", ""),
                 "fields": json.dumps(e.get("fields") or {}, ensure_ascii=False)}
                for i, evs in zip(ids, events, strict=True) for e in evs])
            self.db.audit(conn, actor=actor, action="hazard.import", target="hazards",
                          detail={"count": len(ids), "history": True})
        return len(ids)


def _insert(conn: sa.Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``hazards``; their new ids (consecutive: the write lock is held)."""
    first = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(hazards_table.c.id), 0)))
                .scalar() or 0) + 1
    ids = list(range(first, first + len(rows)))
    conn.execute(hazards_table.insert(), [{**r, "id": i} for r, i in zip(rows, ids, strict=True)])
    if conn.dialect.name == "postgresql":  # explicit ids: move the serial past them
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('hazards', 'id'), :v)"),
                     {"v": ids[-1]})
    return ids


def hazards_for(store: Any, *, dataset: Any = None, scope: Sequence[str] | None = None
                ) -> HazardStore:
    """The hazards of ``store`` (any :class:`data.store.Store`); ``dataset`` places new ones."""
    places = Places.from_dataset(dataset) if dataset is not None else None
    return HazardStore(store.db, places=places, scope=scope)


# -- as of a date ------------------------------------------------------------------------------


def arrays_of(frame: pd.DataFrame, events: pd.DataFrame | None = None) -> HazardArrays:
    """The compact arrays of a hazards table (:meth:`HazardStore.frame`).

    With ``events`` (:meth:`HazardStore.all_events`: ``hazard_id``, ``at``, ``to_status``,
    ``fields``), the state as of a date follows each hazard's history (closed in March and
    reopened in May: closed as of April, open as of June; the deadline valid then), by the rule
    of :func:`risk.hazards.timeline`; without, it is read from the current ``closed_at`` and
    ``deadline`` alone. A hazard with no history row is read from its row either way.
    """
    arrays = HazardArrays(found=day_numbers(frame["found_at"].tolist()),
                          closed=day_numbers(frame["closed_at"].tolist()),
                          deadline=day_numbers(frame["deadline"].tolist()),
                          major=(frame["level"] == "major").to_numpy(dtype=bool))
    if events is None or not len(events) or not len(frame):
        return arrays
    position = {int(h): i for i, h in enumerate(frame["id"].tolist())}
    steps: dict[int, list[Step]] = {}
    at_days = day_numbers([str(a)[:10] for a in events["at"].tolist()])
    for hid, at, to, fields in zip(events["hazard_id"].tolist(), at_days.tolist(),
                                   events["to_status"].tolist(), events["fields"].tolist(),
                                   strict=True):
        i = position.get(int(hid))
        if i is None:
            continue
        dl = cl = None
        if fields and ("deadline" in fields or "closed_at" in fields):
            given = json.loads(fields) if isinstance(fields, str) else dict(fields)
            if given.get("deadline"):
                dl = (dt.date.fromisoformat(str(given["deadline"])[:10]) - _EPOCH).days
            if given.get("closed_at"):
                cl = (dt.date.fromisoformat(str(given["closed_at"])[:10]) - _EPOCH).days
        steps.setdefault(i, []).append((int(at), str(to), dl, cl))
    timelines = {i: timeline(int(arrays.found[i]), s, deadline=int(arrays.deadline[i]),
                             closed=int(arrays.closed[i])) for i, s in steps.items()}
    return with_timelines(arrays, timelines)


_COUNTS = ("found", "closed", "open", "overdue", "major_open")


def _totals(masks: dict[str, np.ndarray], keep: np.ndarray | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _COUNTS:
        m = masks[name] if keep is None else masks[name] & keep
        out[name] = int(m.sum())
    out["rate"] = round(out["closed"] / out["found"], 4) if out["found"] else None
    return out


def stats_at(frame: pd.DataFrame, at: dt.date, *, arrays: HazardArrays | None = None,
             events: pd.DataFrame | None = None) -> dict[str, Any]:
    """Counts as of the end of day ``at``: ``{"at", "total": {...}, "districts": {name: {found,
    closed, open, overdue, major_open, rate}}}`` (``rate``: 整改率 closed / found), from
    ``arrays`` or else :func:`arrays_of` ``(frame, events)`` (pass the history)."""
    arrays = arrays or arrays_of(frame, events)
    masks = states_at(arrays, at)
    districts = frame["district"].astype(str).to_numpy()
    per: dict[str, Any] = {}
    for name in sorted(set(districts.tolist())):
        per[name] = _totals(masks, districts == name)
    return {"at": at.isoformat(), "total": _totals(masks), "districts": per}


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every month from ``first``'s month to ``last``'s."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append(dt.date(ny, nm, 1) - dt.timedelta(days=1))
        y, m = ny, nm
    return out


def monthly_stats(frame: pd.DataFrame, months: Sequence[dt.date], *,
                  events: pd.DataFrame | None = None,
                  arrays: HazardArrays | None = None) -> pd.DataFrame:
    """District x month: found and closed (reviewed, 核销) in the month, open, overdue and major
    open at its end, the rectification rate to date and the mean age in days of the open major
    hazards; as of each month end by the history (``events``, see :func:`arrays_of`)."""
    arrays = arrays or arrays_of(frame, events)
    districts = frame["district"].astype(str).to_numpy()
    names = sorted(set(districts.tolist()))
    rows = []
    for end in months:
        start = end.replace(day=1)
        s = (start - dt.date(1970, 1, 1)).days
        e = (end - dt.date(1970, 1, 1)).days
        masks = states_at(arrays, end)
        in_month_found = (arrays.found >= s) & (arrays.found <= e)
        in_month_closed = closed_between(arrays, s, e)
        for name in [*names, "合计"]:
            keep = np.ones(len(districts), bool) if name == "合计" else districts == name
            major_open = masks["major_open"] & keep
            ages = e - arrays.found[major_open]
            found_to_date = int((masks["found"] & keep).sum())
            rows.append({
                "month": end.strftime("%Y-%m"), "district": name,
                "found": int((in_month_found & keep).sum()),
                "closed": int((in_month_closed & keep).sum()),
                "open": int((masks["open"] & keep).sum()),
                "overdue": int((masks["overdue"] & keep).sum()),
                "major_open": int(major_open.sum()),
                "major_open_age_days": round(float(ages.mean()), 1) if len(ages) else None,
                "rate": (round(int((masks["closed"] & keep).sum()) / found_to_date, 4)
                         if found_to_date else None),
            })
    return pd.DataFrame(rows)


def hazards_in_rings(source: Any, cordon: Any, *, at: dt.date | None = None) -> dict[str, Any]:
    """The hazards open on ``at`` (default today) inside each ring of ``cordon``.

    ``source``: a :class:`HazardStore`, a store (``store.db``) or a hazards table;
    ``cordon``: a :class:`risk.cordon.Cordon` (``lon``, ``lat``, ``radii_m``). Returns
    ``{zone code: {"major_open": n, "general_open": n, "ids": [major first, nearest first]}}``
    with the zone codes of :func:`risk.cordon.zones_for` (``core``, ``control``, ``warning``,
    ``outer1`` …; a hazard counts in the innermost ring that holds it, a point on a boundary in
    the inner ring), distances geodesic (WGS 84).
    """
    import pyproj

    if isinstance(source, pd.DataFrame):
        frame = source
    elif isinstance(source, HazardStore):
        frame = source.frame()
    else:
        frame = HazardStore(source.db).frame()
    at = at or today_cst()
    from risk.cordon import zones_for

    radii = sorted(float(r) for r in cordon.radii_m)
    labels = [z.zone for z in zones_for(radii)]
    out: dict[str, Any] = {lab: {"major_open": 0, "general_open": 0, "ids": []}
                           for lab in labels}
    if not len(frame):
        return out
    masks = states_at(arrays_of(frame), at)
    open_ = frame[masks["open"]]
    if not len(open_):
        return out
    geod = pyproj.Geod(ellps="WGS84")
    lon = open_["lon"].to_numpy(float)
    lat = open_["lat"].to_numpy(float)
    _, _, dist = geod.inv(np.full(len(lon), cordon.lon), np.full(len(lon), cordon.lat), lon, lat)
    zone = np.searchsorted(np.asarray(radii), dist, side="left")  # dist == r: inside ring r
    major = (open_["level"] == "major").to_numpy()
    for k, lab in enumerate(labels):
        here = zone == k
        out[lab]["major_open"] = int((here & major).sum())
        out[lab]["general_open"] = int((here & ~major).sum())
        order = np.lexsort((dist[here], ~major[here]))
        out[lab]["ids"] = [int(i) for i in open_["id"].to_numpy()[here][order]]
    return out
