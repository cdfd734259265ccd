"""The bureau's hidden-danger ledger (隐患台账) in and out.

In: an Excel (.xlsx) or CSV ledger read by :func:`data.readers.read_source` (same encodings,
limits and header search as every import), its headers matched to hazard fields
(:data:`LEDGER_HEADERS`: 排查时间, 排查人, 隐患部位, 隐患名称/隐患描述, 隐患等级, 整改措施,
完成时限/整改期限, 责任部门, 责任人, 复查时间, 复查人, 复查结果, 所属区, 经度, 纬度, 企业名称/编号 …,
and the field codes of an exported ledger). Unmatched columns are kept in the hazard's
``extra``. Each row's status is its 状态 column, else the furthest step its fields support
(a review → closed, a deadline and responsible person → rectifying, a level → assessed, else
registered), and it is checked by walking the closed loop to that status with the row's
fields (:func:`risk.hazards.check_transition`): a row missing a required field, with a deadline
before its finding or a review date in the future, an unknown enterprise or no place is
rejected with its row number and the reason (:class:`data.import_report.ImportResult`). The
accepted rows are written in one transaction with one history row each and one audit row
(``hazard.import``); ``strict``: nothing is written if any row is rejected.

Out: :func:`write_ledger` writes every hazard (in the store's scope) with its history to CSV
(a ``history`` column: ``DATE from→to (by) note`` per step, ``; `` between steps, a closing
dated by its review date with ``[记录 recorded DATE]`` when recorded later) or xlsx (sheets
隐患台账 and 处理记录, the latter one row per step with the fields it set as JSON), text cells
made safe for spreadsheets (:func:`data.export.neutralise_frame`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from data.columns import normalise_header
from data.export import csv_bytes, neutralise_frame
from data.hazards import HAZARD_FIELDS, HazardStore, today_cst
from data.import_report import ImportResult, problem
from data.readers import read_source
from risk.files import write_bytes_atomic
from risk.hazards import (
    LEVELS,
    STATUSES,
    TransitionError,
    check_new_hazard,
    check_transition,
    next_status,
    parse_status,
)

__all__ = ["LEDGER_HEADERS", "guess_ledger_mapping", "import_ledger", "ledger_frame",
           "ledger_bytes", "write_ledger"]

LAYER = "hazards"
LEDGER_HEADERS: dict[str, tuple[str, ...]] = {
    "found_at": ("排查时间", "排查日期", "发现时间", "发现日期", "检查时间", "检查日期"),
    "found_by": ("排查人", "检查人", "发现人", "排查人员"),
    "location": ("隐患部位", "部位", "隐患位置", "具体部位"),
    "title": ("隐患名称", "隐患描述", "隐患内容", "问题描述", "存在问题", "隐患"),
    "level": ("隐患等级", "隐患级别", "等级", "级别"),
    "category": ("隐患类别", "隐患类型", "类别", "行业领域", "行业类别"),
    "source": ("隐患来源", "来源", "发现途径", "检查类型"),
    "measures": ("整改措施", "措施", "治理措施"),
    "deadline": ("完成时限", "整改期限", "整改时限", "限期", "整改完成期限"),
    "responsible_unit": ("责任部门", "责任单位", "整改责任单位", "整改单位"),
    "responsible_person": ("责任人", "整改责任人", "整改负责人"),
    "closed_at": ("复查时间", "复查日期", "销号时间", "核销时间", "核销日期"),
    "reviewed_by": ("复查人", "验收人", "核销人"),
    "review_result": ("复查结果", "验收结果", "复查意见"),
    "district": ("所属区", "所属辖区", "辖区", "区", "行政区", "所在区"),
    "lon": ("经度", "longitude", "lng", "x"),
    "lat": ("纬度", "latitude", "y"),
    "enterprise_id": ("企业编号", "企业id", "单位编号", "统一社会信用代码"),
    "enterprise_name": ("企业名称", "单位名称", "生产经营单位", "企业"),
    "supervised": ("挂牌督办", "督办级别", "督办"),
    "status": ("状态", "整改状态", "隐患状态", "治理状态"),
    "ledger_id": ("编号", "序号", "隐患编号", "id"),
}
"""Ledger headers per hazard field (the field codes themselves match too)."""


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for target, spellings in LEDGER_HEADERS.items():
        for s in (*spellings, target):
            table.setdefault(normalise_header(s), target)
    return table


def guess_ledger_mapping(columns: list[str]) -> dict[str, str]:
    """``{ledger column: field}`` for the recognised headers (first match wins).

    >>> guess_ledger_mapping(["序号", "隐患描述", "整改期限(天)", "经度", "备注"])
    {'序号': 'ledger_id', '隐患描述': 'title', '整改期限(天)': 'deadline', '经度': 'lon'}
    """
    import re

    table = _lookup()
    out: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        key = normalise_header(column)
        target = table.get(key) or table.get(re.sub(r"\([^()]*\)$", "", key))
        if target and target not in used:
            out[str(column)] = target
            used.add(target)
    return out


def _reheader(frame: pd.DataFrame, rows: list[int]) -> tuple[pd.DataFrame, list[int], int]:
    """If a data row among the first ten matches more ledger headers than the header the reader
    chose (which looks for enterprise headers), take it as the header."""
    best, best_score = -1, len(guess_ledger_mapping(list(frame.columns)))
    for i in range(min(10, len(frame))):
        score = len(guess_ledger_mapping([str(c) for c in frame.iloc[i].tolist()]))
        if score > best_score:
            best, best_score = i, score
    if best < 0:
        return frame, rows, 0
    header = [str(c).strip() or f"列{j + 1}" for j, c in enumerate(frame.iloc[best].tolist())]
    out = frame.iloc[best + 1:].copy()
    out.columns = header
    return out.reset_index(drop=True), rows[best + 1:], rows[best]


def _status_of(fields: dict[str, Any]) -> str:
    if fields.get("reviewed_by") or fields.get("closed_at") or fields.get("review_result"):
        return "closed"
    if fields.get("deadline") or fields.get("responsible_person"):
        return "rectifying"
    if fields.get("level"):
        return "assessed"
    return "registered"


def _check_row(fields: dict[str, Any], *, today: dt.date) -> tuple[dict[str, Any], list[str]]:
    """The hazard row a ledger row makes, walking the loop to its status (checks every rule)."""
    target = fields.pop("status", None)
    try:
        target = parse_status(target) if target else _status_of(fields)
    except ValueError as exc:
        return {}, [str(exc)]
    review: dict[str, Any] = {k: fields.pop(k) for k in ("closed_at", "reviewed_by", "review_result")
              if k in fields}
    if target == "closed" and "closed_at" not in review:
        return {}, ["核销需复查时间 / a closed hazard needs its review date (复查时间)"]
    try:
        state = check_new_hazard({**fields, "status": "found"}, today=today)
        status = "found"
        while status != target:
            nxt = next_status(status)
            assert nxt is not None
            step = review if nxt == "closed" else {}
            state.update(check_transition(state, nxt, step, today=today))
            status = nxt
    except TransitionError as exc:
        return {}, str(exc).split("；")
    if target != "closed":  # kept, but a hazard not closed has no review fields
        state["_review"] = review
    return state, []


def import_ledger(hz: HazardStore, source: str | os.PathLike[str] | bytes, *, actor: str,
                  filename: str = "", strict: bool = False, today: dt.date | None = None
                  ) -> ImportResult:
    """Import a ledger file into ``hz`` (see the module docstring); the row-level report."""
    today = today or today_cst()
    raw = read_source(source, filename=filename, layer="enterprises")
    assert raw.frame is not None
    frame, rows, _ = _reheader(raw.frame, [int(r) for r in raw.rows])
    mapping = guess_ledger_mapping([str(c) for c in frame.columns])
    warnings = list(raw.warnings)
    names: dict[str, str] = getattr(hz.places, "names", {}) or {}
    problems: list[dict[str, Any]] = []
    prepared: list[dict[str, Any]] = []
    events: list[list[dict[str, Any]]] = []
    accepted_rows: list[int] = []
    if "title" not in mapping.values():
        problems.append(problem(LAYER, 0, "title", "", "缺少隐患名称/隐患描述列 / the ledger has "
                                                       "no title column (隐患名称 or 隐患描述)"))
    for number, (_, rec) in zip(rows, frame.iterrows(), strict=True) if not problems else ():
        fields: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for column, value in rec.items():
            text = str(value).strip() if value is not None else ""
            target = mapping.get(str(column))
            if target is None:
                if text:
                    extra[str(column)] = text
            elif text:
                fields[target] = text
        if "ledger_id" in fields:
            extra["ledger_id"] = fields.pop("ledger_id")
        ent_name = fields.pop("enterprise_name", None)
        if ent_name is not None:
            extra["enterprise_name"] = ent_name
            if "enterprise_id" not in fields and ent_name in names:
                fields["enterprise_id"] = names[ent_name]
        reasons: list[str] = []
        if ("lon" not in fields or "lat" not in fields) and "enterprise_id" not in fields:
            reasons.append("没有位置：缺少经纬度，企业名称/编号也未匹配 / no place: no lon/lat and "
                           "no known enterprise")
        state, more = _check_row(fields, today=today) if not reasons else ({}, [])
        reasons += more
        if not reasons:
            extra.update({f"ledger_{k}": v for k, v in state.pop("_review", {}).items()})
            state["extra"] = extra
            try:
                row = hz._prepare({k: state.get(k) for k in (*HAZARD_FIELDS, "extra")},
                                  today=today)
            except (TransitionError, ValueError, PermissionError) as exc:
                reasons += str(exc).split("；")
            else:
                row["extra"] = json.loads(row["extra"])
                prepared.append(row)
                events.append([{"at": row["created_at"], "from_status": None,
                                "to_status": row["status"], "by": row["found_by"],
                                "note": "导入台账 / ledger import",
                                "fields": {k: row[k] for k in ("level", "deadline",
                                                               "closed_at", "reviewed_by")
                                           if row.get(k)}}])
                accepted_rows.append(number)
        for reason in reasons:
            problems.append(problem(LAYER, number, "", "", reason.strip()))
    rejected = pd.DataFrame(problems, columns=["layer", "row", "column", "value", "reason"])
    refused = bool(strict and len(rejected))
    written = False
    if prepared and not refused and not (len(rejected) and rejected["row"].eq(0).any()):
        hz.add_history(prepared, events, actor=actor)
        written = True
    return ImportResult(layer=LAYER, total_rows=len(frame), accepted_count=len(prepared)
                        if written else 0, rejected=rejected,
                        mapping_used=mapping, warnings=warnings, accepted_rows=accepted_rows,
                        written=written, refused=refused, format=raw.format,
                        encoding=raw.encoding)


# -- out ---------------------------------------------------------------------------------------

LEDGER_COLUMNS = ("id", "title", "level", "level_zh", "status", "status_zh", "category",
                  "source", "district", "enterprise_id", "location", "found_at", "found_by",
                  "deadline", "responsible_unit", "responsible_person", "supervised",
                  "measures", "closed_at", "reviewed_by", "review_result", "lon", "lat")


def ledger_frame(hz: HazardStore) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(ledger, history)``: one row per hazard (with a ``history`` summary and the ledger's
    own columns), one row per history step."""
    frame = hz.frame()
    history = hz.all_events()
    out = frame.copy()
    out["level_zh"] = out["level"].map(lambda c: LEVELS.get(c, ("", ""))[0])
    out["status_zh"] = out["status"].map(lambda c: STATUSES.get(c, ("", ""))[0])
    steps: dict[int, list[str]] = {}
    events: list[dict[Any, Any]] = history.to_dict("records")
    for e in events:
        recorded = str(e["at"])[:10]
        review = json.loads(e["fields"] or "{}").get("closed_at") if e["to_status"] == "closed" \
            else None
        day = str(review)[:10] if review else recorded  # a closing counts from its review date
        steps.setdefault(int(e["hazard_id"]), []).append(
            f"{day} {e['from_status'] or '—'}→{e['to_status']}"
            + (f" ({e['by']})" if e["by"] else "") + (f" {e['note']}" if e["note"] else "")
            + (f" [记录 recorded {recorded}]" if day != recorded else ""))
    out["history"] = out["id"].map(lambda i: "; ".join(steps.get(int(i), [])))
    extras = [json.loads(x or "{}") for x in out["extra"]] if len(out) else []
    keys = sorted({k for x in extras for k in x if k != "synthetic"})
    columns = [*LEDGER_COLUMNS, "history"]
    ledger = out[columns].copy()
    for k in keys:
        ledger[k] = [x.get(k, "") for x in extras]
    if len(history):
        history = history[["hazard_id", "at", "actor", "by", "from_status", "to_status", "note",
                           "fields"]]
    return ledger, history


def ledger_bytes(hz: HazardStore, *, fmt: str = "csv") -> bytes:
    """The ledger (and history) of ``hz`` as ``csv`` (UTF-8 with BOM) or ``xlsx`` bytes."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"`fmt` must be csv or xlsx, got {fmt!r}")
    ledger, history = ledger_frame(hz)
    if fmt == "csv":
        return csv_bytes(ledger)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        neutralise_frame(ledger).to_excel(xl, sheet_name="隐患台账", index=False)
        neutralise_frame(history).to_excel(xl, sheet_name="处理记录", index=False)
    return buf.getvalue()


def write_ledger(hz: HazardStore, path: str | os.PathLike[str], *, fmt: str = "csv") -> Path:
    """Write the ledger (and history) to ``path`` as ``csv`` or ``xlsx``; returns the path."""
    return write_bytes_atomic(path, ledger_bytes(hz, fmt=fmt))
