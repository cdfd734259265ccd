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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "STATUSES", "LEVELS", "CATEGORIES", "SOURCES", "SUPERVISION", "TransitionError",
    "parse_status", "parse_level", "parse_category", "parse_source", "parse_supervised",
    "parse_date", "next_status", "check_transition", "check_new_hazard", "REQUIRED",
    "day_numbers", "NO_DAY", "HazardArrays", "states_at", "OPEN_STATES",
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
    """Many hazards as compact arrays (one entry per hazard), for answers as of any date."""

    found: np.ndarray      # int32 day numbers
    closed: np.ndarray     # int32, NO_DAY when not closed
    deadline: np.ndarray   # int32, NO_DAY when none
    major: np.ndarray      # bool

    def __len__(self) -> int:
        return len(self.found)


def states_at(arrays: HazardArrays, day: int | dt.date) -> dict[str, np.ndarray]:
    """Boolean masks of the hazards as of ``day`` (end of that day): ``found`` (found by then),
    ``closed`` (closed by then), ``open``, ``overdue`` (open and past its deadline),
    ``major_open``.

    >>> a = HazardArrays(found=np.array([0, 5, 20]), closed=np.array([10, NO_DAY, NO_DAY]),
    ...                  deadline=np.array([8, 7, NO_DAY]), major=np.array([True, True, False]))
    >>> {k: v.tolist() for k, v in states_at(a, 9).items()}["overdue"]
    [True, True, False]
    """
    if isinstance(day, dt.date):
        day = (day - _EPOCH).days
    found = arrays.found <= day
    closed = found & (arrays.closed <= day)
    open_ = found & ~closed
    overdue = open_ & (arrays.deadline < day)
    return {"found": found, "closed": closed, "open": open_, "overdue": overdue,
            "major_open": open_ & arrays.major}
