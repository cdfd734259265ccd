"""Hidden dangers (事故隐患): their vocabularies, the closed loop as a state machine, and the
state of many hazards as of a date, computed from arrays.

The closed loop (隐患排查治理闭环), one step at a time:

==============  ==========  ================================================================
status          状态        a step into it needs
==============  ==========  ================================================================
``found``       排查发现    (the hazard is recorded: title, place, finding date)
``registered``  登记        —
``assessed``    评估        the level (``major`` 重大事故隐患 / ``general`` 一般事故隐患)
``reported``    报告        —
``monitored``   监控        — (interim measures go in the note or ``measures``)
``rectifying``  治理        deadline (not before the finding date), responsible unit and person
``closed``      核销        reviewer (not the responsible person), review date (not in the
                            future, not before the finding date) and review result
==============  ==========  ================================================================

A closed hazard can be reopened (``closed`` → ``rectifying``, a note saying why is required);
its review fields are then cleared (the history keeps them). Any other jump is refused, naming
the next allowed step. Overdue (逾期) = past its deadline and not closed.

The state as of a date (found, closed, open, overdue) is read from each hazard's history by the
rule of :func:`timeline`: a hazard closed in March and reopened in May is closed as of April and
open as of June; a closing counts from its review date; the first deadline holds from the
finding, a later one from the step that set it. :class:`HazardArrays` and :func:`states_at`
answer it for many hazards at once.

>>> import datetime as dt
>>> h = {"status": "monitored", "found_at": "2026-03-01"}
>>> check_transition(h, "closed", today=dt.date(2026, 4, 1))
Traceback (most recent call last):
...
risk.hazards.TransitionError: 不能从 监控 跳到 核销，下一步应为 治理 / cannot go from monitored to closed: the next step is rectifying
>>> check_transition(h, "rectifying", {"deadline": "2026-05-01", "responsible_unit": "甲公司",
...                  "responsible_person": "王五"}, today=dt.date(2026, 4, 1))["deadline"]
'2026-05-01'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "STATUSES", "LEVELS", "CATEGORIES", "SOURCES", "SUPERVISION", "TransitionError",
    "parse_status", "parse_level", "parse_category", "parse_source", "parse_supervised",
    "parse_date", "next_status", "check_transition", "check_new_hazard", "REQUIRED",
    "day_numbers", "NO_DAY", "HazardArrays", "states_at", "OPEN_STATES", "Step", "timeline",
    "simple_form", "with_timelines", "closed_between",
]

STATUSES: dict[str, tuple[str, str]] = {
    "found": ("排查发现", "found"),
    "registered": ("登记", "registered"),
    "assessed": ("评估", "assessed"),
    "reported": ("报告", "reported"),
    "monitored": ("监控", "monitored"),
    "rectifying": ("治理", "rectifying"),
    "closed": ("核销", "closed"),
}
"""The closed loop, in order, with Chinese and English labels."""
OPEN_STATES = tuple(s for s in STATUSES if s != "closed")

LEVELS: dict[str, tuple[str, str]] = {
    "major": ("重大事故隐患", "major hazard"),
    "general": ("一般事故隐患", "general hazard"),
}
CATEGORIES: dict[str, tuple[str, str]] = {
    "hazchem": ("危化品", "hazardous chemicals"),
    "gas": ("燃气", "gas"),
    "industry": ("工贸", "industry and trade"),
    "construction": ("建筑施工", "construction"),
    "fire": ("消防", "fire safety"),
    "special_equipment": ("特种设备", "special equipment"),
    "confined_space": ("有限空间", "confined spaces"),
    "geological": ("地质灾害", "geological hazards"),
    "flood": ("三防", "flood, drought and wind"),
    "other": ("其他", "other"),
}
SOURCES: dict[str, tuple[str, str]] = {
    "self_check": ("企业自查", "enterprise self-inspection"),
    "enforcement": ("执法检查", "law-enforcement inspection"),
    "grid": ("网格员", "grid inspector"),
    "report": ("举报", "public report"),
    "campaign": ("专项整治", "special campaign"),
}
SUPERVISION: dict[str, tuple[str, str]] = {
    "none": ("未挂牌", "not listed"),
    "district": ("区级挂牌督办", "listed by the district"),
    "city": ("市级挂牌督办", "listed by the city"),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "assessed": ("level",),
    "rectifying": ("deadline", "responsible_unit", "responsible_person"),
    "closed": ("reviewed_by", "closed_at", "review_result"),
}
"""Fields a step into a status needs (already on the hazard, or given with the step)."""

FIELD_LABELS: dict[str, str] = {
    "level": "隐患等级 level", "deadline": "整改期限 deadline",
    "responsible_unit": "责任单位 responsible unit",
    "responsible_person": "责任人 responsible person", "reviewed_by": "复查人 reviewer",
    "closed_at": "复查(核销)日期 review date", "review_result": "复查结果 review result",
    "note": "说明 note",
}


class TransitionError(ValueError):
    """A step of the closed loop that is refused; the message says what is missing or why."""


def _vocabulary(table: dict[str, tuple[str, str]], extra: dict[str, str]) -> dict[str, str]:
    spell = {code: code for code in table}
    spell.update({zh: code for code, (zh, _) in table.items()})
    spell.update({en.lower(): code for code, (_, en) in table.items()})
    spell.update(extra)
    return spell


_STATUS_SPELL = _vocabulary(STATUSES, {"发现": "found", "排查": "found", "核销": "closed",
                                       "已整改": "closed", "已核销": "closed", "整改": "rectifying",
                                       "整改中": "rectifying", "监控": "monitored",
                                       "已登记": "registered", "已评估": "assessed",
                                       "已报告": "reported"})
_LEVEL_SPELL = _vocabulary(LEVELS, {"重大": "major", "重大隐患": "major", "一般": "general",
                                    "一般隐患": "general", "较大": "major"})
_CATEGORY_SPELL = _vocabulary(CATEGORIES, {
    "危险化学品": "hazchem", "危化": "hazchem", "工贸行业": "industry", "建筑": "construction",
    "施工": "construction", "消防安全": "fire", "特种设备安全": "special_equipment",
    "有限空间作业": "confined_space", "地灾": "geological", "防汛": "flood", "三防(防汛防旱防风)":
    "flood", "其它": "other", "": "other"})
_SOURCE_SPELL = _vocabulary(SOURCES, {"自查": "self_check", "执法": "enforcement",
                                      "检查": "enforcement", "网格": "grid", "网格巡查": "grid",
                                      "群众举报": "report", "专项": "campaign",
                                      "": "self_check"})
_SUPERVISED_SPELL = _vocabulary(SUPERVISION, {"": "none", "否": "none", "无": "none",
                                              "区级": "district", "区": "district",
                                              "市级": "city", "市": "city", "是": "district"})


def _parse(value: object, spell: dict[str, str], table: dict[str, tuple[str, str]],
           what: str) -> str:
    key = "" if value is None else str(value).strip().lower()
    if key in spell:
        return spell[key]
    valid = ", ".join(f"{zh} ({code})" for code, (zh, _) in table.items())
    raise ValueError(f"{what}无效 / unknown `{what.split()[-1]}` {value!r}; valid: {valid}")


def parse_status(value: object) -> str:
    """A status code from its code, Chinese or English label.

    >>> parse_status("核销"), parse_status("Rectifying")
    ('closed', 'rectifying')
    """
    return _parse(value, _STATUS_SPELL, STATUSES, "状态 status")


def parse_level(value: object) -> str:
    """``major`` or ``general`` from every usual spelling (重大/一般事故隐患, 重大, major …)."""
    return _parse(value, _LEVEL_SPELL, LEVELS, "隐患等级 level")


def parse_category(value: object) -> str:
    """A category code (危化品/燃气/工贸/建筑施工/消防/特种设备/有限空间/地质灾害/三防/other)."""
    return _parse(value, _CATEGORY_SPELL, CATEGORIES, "隐患类别 category")


def parse_source(value: object) -> str:
    """A source code (企业自查/执法检查/网格员/举报/专项整治)."""
    return _parse(value, _SOURCE_SPELL, SOURCES, "隐患来源 source")


def parse_supervised(value: object) -> str:
    """``none``, ``district`` or ``city`` (挂牌督办)."""
    return _parse(value, _SUPERVISED_SPELL, SUPERVISION, "挂牌督办 supervised")


def parse_date(value: object, what: str = "date") -> dt.date:
    """A calendar date from ``YYYY-MM-DD`` (also ``/`` or ``.``, an ISO time, a ``date``).

    >>> parse_date("2026/6/3")
    datetime.date(2026, 6, 3)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = "" if value is None else str(value).strip()
    for sep in ("/", "."):
        text = text.replace(sep, "-")
    text = text.replace("年", "-").replace("月", "-").replace("日", "")
    head = text[:10] if len(text) >= 10 and text[10:11] in ("T", " ") else text
    try:
        y, m, d = (int(p) for p in head.split("-"))
        return dt.date(y, m, d)
    except (ValueError, TypeError):
        raise ValueError(f"日期无效 / `{what}` must be a date YYYY-MM-DD, got {value!r}") from None


def next_status(status: str) -> str | None:
    """The step after ``status`` (``None`` after ``closed``)."""
    order = list(STATUSES)
    i = order.index(status)
    return order[i + 1] if i + 1 < len(order) else None


def _label(status: str) -> str:
    return STATUSES[status][0]


def _missing(values: Mapping[str, Any], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if values.get(n) in (None, "")]


def check_new_hazard(fields: Mapping[str, Any], *, today: dt.date) -> dict[str, Any]:
    """The normalised fields of a new hazard (refused with every problem named at once).

    Needs ``title`` and ``found_at`` (not in the future); a ``deadline`` is not before
    ``found_at``; level, category, source and supervision are parsed when given.
    """
    out: dict[str, Any] = dict(fields)
    problems: list[str] = []
    if not str(out.get("title") or "").strip():
        problems.append("缺少隐患名称 / `title` is missing")
    else:
        out["title"] = str(out["title"]).strip()
    found = None
    try:
        found = parse_date(out.get("found_at") or today, "found_at")
        if found > today:
            problems.append(f"发现日期在未来 / `found_at` {found} is in the future")
        out["found_at"] = found.isoformat()
    except ValueError as exc:
        problems.append(str(exc))
    for name, parse in (("level", parse_level), ("category", parse_category),
                        ("source", parse_source), ("supervised", parse_supervised)):
        if name == "level" and out.get(name) in (None, ""):
            out[name] = None
            continue
        try:
            out[name] = parse(out.get(name))
        except ValueError as exc:
            problems.append(str(exc))
    if out.get("deadline") not in (None, ""):
        try:
            deadline = parse_date(out["deadline"], "deadline")
            out["deadline"] = deadline.isoformat()
            if found is not None and deadline < found:
                problems.append(f"整改期限早于发现日期 / `deadline` {deadline} is before "
                                f"`found_at` {found}")
        except ValueError as exc:
            problems.append(str(exc))
    status = out.get("status") or "found"
    try:
        out["status"] = parse_status(status)
    except ValueError as exc:
        problems.append(str(exc))
    if problems:
        raise TransitionError("；".join(problems))
    return out


def check_transition(hazard: Mapping[str, Any], to: str, given: Mapping[str, Any] | None = None,
                     *, today: dt.date) -> dict[str, Any]:
    """The fields a step of ``hazard`` to status ``to`` sets, or :class:`TransitionError`.

    Parameters
    ----------
    hazard
        The hazard as it is (``status``, ``found_at`` and the fields of :data:`REQUIRED`).
    to
        The status to move to (any spelling of :func:`parse_status`).
    given
        Fields given with the step (``level``, ``deadline``, ``responsible_unit``,
        ``responsible_person``, ``reviewed_by``, ``closed_at``, ``review_result``,
        ``supervised``, ``measures``, ``note``).
    today
        The date against which "in the future" is judged.

    Returns
    -------
    dict
        ``status`` and every field to write (normalised), ready to save.
    """
    given = {k: v for k, v in (given or {}).items() if v not in (None, "")}
    try:
        target = parse_status(to)
    except ValueError as exc:
        raise TransitionError(str(exc)) from None
    current = str(hazard.get("status") or "found")
    reopen = current == "closed" and target == "rectifying"
    if not reopen and target != next_status(current):
        nxt = next_status(current)
        if current == target:
            raise TransitionError(f"隐患已是 {_label(current)} 状态 / the hazard is already "
                                  f"{current}")
        if nxt is None:
            raise TransitionError(f"已核销的隐患只能重新打开到 治理 / a closed hazard can only be "
                                  f"reopened (--to rectifying), not moved to {target}")
        raise TransitionError(f"不能从 {_label(current)} 跳到 {_label(target)}，下一步应为 "
                              f"{_label(nxt)} / cannot go from {current} to {target}: the next "
                              f"step is {nxt}")
    out: dict[str, Any] = {"status": target}
    problems: list[str] = []
    found = parse_date(hazard.get("found_at") or today, "found_at")
    if reopen:
        if not given.get("note"):
            problems.append("重新打开需说明原因 / reopening a closed hazard needs a `note` "
                            "saying why")
        out.update(closed_at=None, reviewed_by=None, review_result=None)
    for name in ("level", "supervised"):
        if name in given:
            try:
                out[name] = (parse_level if name == "level" else parse_supervised)(given[name])
            except ValueError as exc:
                problems.append(str(exc))
    for name in ("responsible_unit", "responsible_person", "reviewed_by", "review_result",
                 "measures"):
        if name in given:
            out[name] = str(given[name]).strip()
    for name in ("deadline", "closed_at"):
        if name in given:
            try:
                out[name] = parse_date(given[name], name).isoformat()
            except ValueError as exc:
                problems.append(str(exc))
    if target == "closed" and "closed_at" not in given and "closed_at" not in out:
        out["closed_at"] = today.isoformat()  # the review date defaults to today
    merged = {**dict(hazard), **out}
    missing = _missing(merged, REQUIRED.get(target, ()))
    if missing:
        names = "、".join(FIELD_LABELS[n].split()[0] for n in missing)
        codes = ", ".join(f"`{n}`" for n in missing)
        problems.append(f"转为 {_label(target)} 缺少 {names} / moving to {target} needs {codes}")
    if merged.get("deadline") and "deadline" in out:
        deadline = dt.date.fromisoformat(str(merged["deadline"]))
        if deadline < found:
            problems.append(f"整改期限早于发现日期 / `deadline` {deadline} is before the finding "
                            f"date {found}")
    if target == "closed" and merged.get("closed_at"):
        closed = dt.date.fromisoformat(str(merged["closed_at"])[:10])
        if closed > today:
            problems.append(f"核销日期在未来 / the review date `closed_at` {closed} is in the "
                            f"future (today is {today})")
        if closed < found:
            problems.append(f"核销日期早于发现日期 / the review date `closed_at` {closed} is "
                            f"before the finding date {found}")
    reviewer = str(merged.get("reviewed_by") or "").strip()
    person = str(merged.get("responsible_person") or "").strip()
    if target == "closed" and reviewer and reviewer == person:
        problems.append(f"复查人不能是责任人本人 / the reviewer {reviewer!r} is the responsible "
                        f"person: another person must review")
    if problems:
        raise TransitionError("；".join(problems))
    return out


# -- the state of many hazards as of a date, from arrays --------------------------------------

NO_DAY = np.iinfo(np.int32).max
"""Day number of a date that is not set (a hazard not closed, with no deadline)."""
_EPOCH = dt.date(1970, 1, 1)


def day_numbers(values: Any) -> np.ndarray:
    """ISO dates (``YYYY-MM-DD…``; empty/None: :data:`NO_DAY`) as int32 days since 1970-01-01.

    >>> day_numbers(["1970-01-02", None, "2026-06-01T09:00:00+08:00"]).tolist()
    [1, 2147483647, 20605]
    """
    out = np.full(len(values), NO_DAY, dtype=np.int32)
    for i, v in enumerate(values):
        if v is None or v == "" or (isinstance(v, float) and np.isnan(v)):
            continue
        out[i] = (dt.date.fromisoformat(str(v)[:10]) - _EPOCH).days
    return out


@dataclass(frozen=True)
class HazardArrays:
    """Many hazards as compact arrays (one entry per hazard), for answers as of any date.

    Most hazards are described by ``closed`` (closed from that day on) and ``deadline`` (the
    deadline throughout). A hazard whose history does not fit that (reopened after a closing,
    or a deadline changed in a way that matters) is described instead by its *segments*
    (``seg_*``, sorted by hazard then day: from ``seg_day`` on, closed or not, with that
    deadline), which :func:`states_at` reads for it; see :func:`timeline`.
    """

    found: np.ndarray      # int32 day numbers
    closed: np.ndarray     # int32, NO_DAY when not closed
    deadline: np.ndarray   # int32, NO_DAY when none
    major: np.ndarray      # bool
    seg_hazard: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    seg_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    seg_closed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    seg_deadline: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))

    def __len__(self) -> int:
        return len(self.found)


Step = tuple[int, str, "int | None", "int | None"]
"""One history row as :func:`timeline` reads it: (day recorded, status moved to, the deadline
it set or ``None``, the review date it set or ``None``), days as :func:`day_numbers`."""


def timeline(found: int, steps: Sequence[Step], *, deadline: int = NO_DAY,
             closed: int = NO_DAY) -> list[tuple[int, bool, int]]:
    """The states of one hazard over time from its history: ``[(from day, closed, deadline)]``.

    The rule (the state "as of a date" everywhere: map, counts, table, ``hazards stats --at``):

    - the first step (the hazard recorded) counts from the finding date ``found``; when it
      records the hazard straight into ``closed`` (a ledger import), the hazard is open from
      ``found`` and closed from its review date (the step's, else ``closed``, the row's);
    - a step to ``closed`` counts from its review date (``closed_at``, which may be earlier than
      when it was recorded), any other step from the day it was recorded;
    - a step cannot count before an earlier one (no day after a later step's: a backdated review
      pulls back the steps recorded before it) nor before ``found``; steps of one day count in
      the order they were recorded;
    - the first deadline (the first step that set one, else the hazard's own ``deadline``)
      holds from the finding on, as a ledger counts it; a step that sets another deadline
      (an extension) changes it from that step's day on;
    - reopening (``closed`` → ``rectifying``) makes the hazard open again from that step.

    >>> timeline(0, [(0, "found", None, None), (5, "rectifying", 40, None),
    ...              (20, "closed", None, 18), (30, "rectifying", 60, None)])
    [(0, False, 40), (18, True, 40), (30, False, 60)]
    """
    if not steps:
        row = [(found, False, deadline)]
        return row + [(max(closed, found), True, deadline)] if closed != NO_DAY else row
    flat: list[tuple[int, str, int | None]] = []
    first_day, first_to, first_dl, first_cl = steps[0]
    if first_to == "closed":
        flat.append((found, "found", first_dl))
        review = first_cl if first_cl is not None else closed
        flat.append((review if review != NO_DAY else first_day, "closed", None))
    else:
        flat.append((found, first_to, first_dl))
    for day, to, dl, cl in steps[1:]:
        flat.append((cl if to == "closed" and cl is not None else day, to, dl))
    days = [d for d, _, _ in flat]
    for i in range(len(days) - 2, -1, -1):
        days[i] = min(days[i], days[i + 1])
    current = next((dl for _, _, dl in flat if dl is not None), deadline)
    out: list[tuple[int, bool, int]] = []
    for day, (_, to, dl) in zip(days, flat, strict=True):
        if dl is not None:
            current = dl
        seg = (max(day, found), to == "closed", current)
        if out and out[-1][0] == seg[0]:
            out[-1] = seg  # the same day: the later step holds
        else:
            out.append(seg)
        if len(out) > 1 and out[-1][1:] == out[-2][1:]:
            out.pop()
    return out


def simple_form(segments: Sequence[tuple[int, bool, int]]) -> tuple[int, int] | None:
    """``(closed day, deadline)`` that give the same state as ``segments`` on every day, or
    ``None`` when no such pair does (the hazard needs its segments).

    >>> simple_form([(0, False, NO_DAY), (5, False, 40), (18, True, 40)])
    (18, 40)
    >>> simple_form([(0, False, 40), (18, True, 40), (30, False, 60)]) is None
    True
    """
    flags = [c for _, c, _ in segments]
    if any(a and not b for a, b in zip(flags, flags[1:], strict=False)):
        return None  # reopened
    closed = next((d for d, c, _ in segments if c), NO_DAY)
    final = segments[-1][2]
    for k, (start, is_closed, dl) in enumerate(segments):
        if is_closed or dl == final:
            continue
        end = segments[k + 1][0] - 1 if k + 1 < len(segments) else NO_DAY
        # overdue on day D means D > deadline: the same on [start, end] for both deadlines?
        if not (min(dl, final) >= end or max(dl, final) < start):
            return None
    return closed, final


def with_timelines(arrays: HazardArrays, timelines: Mapping[int, Sequence[tuple[int, bool, int]]],
                   ) -> HazardArrays:
    """``arrays`` with the history of the hazards in ``timelines`` (position → segments):
    each written as its :func:`simple_form` when it has one, else as segments."""
    closed, deadline = arrays.closed.copy(), arrays.deadline.copy()
    hz: list[int] = []
    days: list[int] = []
    flags: list[bool] = []
    dls: list[int] = []
    for i in sorted(timelines):
        segs = timelines[i]
        simple = simple_form(segs)
        if simple is not None:
            closed[i], deadline[i] = simple
            continue
        for day, is_closed, dl in segs:
            hz.append(i)
            days.append(day)
            flags.append(is_closed)
            dls.append(dl)
    return HazardArrays(found=arrays.found, closed=closed, deadline=deadline, major=arrays.major,
                        seg_hazard=np.asarray(hz, np.int32), seg_day=np.asarray(days, np.int32),
                        seg_closed=np.asarray(flags, bool),
                        seg_deadline=np.asarray(dls, np.int32))


def _segment_state(arrays: HazardArrays, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hazard positions with segments, closed on ``day``, deadline on ``day``)."""
    hz = arrays.seg_hazard.astype(np.int64)
    keys = (hz << 32) | (arrays.seg_day.astype(np.int64) + 2**31)
    who = np.unique(hz)
    pos = np.searchsorted(keys, (who << 32) | (int(day) + 2**31), side="right") - 1
    ok = pos >= 0
    pos = np.maximum(pos, 0)
    ok &= hz[pos] == who
    return (who, ok & arrays.seg_closed[pos],
            np.where(ok, arrays.seg_deadline[pos], NO_DAY).astype(np.int32))


def states_at(arrays: HazardArrays, day: int | dt.date) -> dict[str, np.ndarray]:
    """Boolean masks of the hazards as of ``day`` (end of that day): ``found`` (found by then),
    ``closed`` (closed by then, and not reopened since), ``open``, ``overdue`` (open and past
    the deadline valid then), ``major_open``. The rule: :func:`timeline`.

    >>> a = HazardArrays(found=np.array([0, 5, 20]), closed=np.array([10, NO_DAY, NO_DAY]),
    ...                  deadline=np.array([8, 7, NO_DAY]), major=np.array([True, True, False]))
    >>> {k: v.tolist() for k, v in states_at(a, 9).items()}["overdue"]
    [True, True, False]
    """
    if isinstance(day, dt.date):
        day = (day - _EPOCH).days
    found = arrays.found <= day
    is_closed = arrays.closed <= day
    deadline = arrays.deadline
    if len(arrays.seg_hazard):
        who, seg_closed, seg_deadline = _segment_state(arrays, day)
        is_closed = is_closed.copy()
        deadline = deadline.copy()
        is_closed[who] = seg_closed
        deadline[who] = seg_deadline
    closed = found & is_closed
    open_ = found & ~closed
    overdue = open_ & (deadline < day)
    return {"found": found, "closed": closed, "open": open_, "overdue": overdue,
            "major_open": open_ & arrays.major}


def closed_between(arrays: HazardArrays, start: int, end: int) -> np.ndarray:
    """The hazards closed (a review, 核销) on a day from ``start`` to ``end`` (inclusive)."""
    out = (arrays.closed >= start) & (arrays.closed <= end)
    if len(arrays.seg_hazard):
        hz, flags = arrays.seg_hazard, arrays.seg_closed
        starts = flags & ~np.concatenate(([False], flags[:-1] & (hz[1:] == hz[:-1])))
        hit = starts & (arrays.seg_day >= start) & (arrays.seg_day <= end)
        out = out.copy()
        out[np.unique(hz)] = False
        out[hz[hit]] = True
    return out
