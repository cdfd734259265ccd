"""``riskmap hazards``: the hidden-danger register (隐患) and its closed loop.

    riskmap hazards list [--status rectifying] [--level major] [--district 南山区] [--overdue]
    riskmap hazards show ID                      # the hazard and its history (JSON)
    riskmap hazards add --title … (--lon X --lat Y | --enterprise ID) [--found-at DATE] …
    riskmap hazards transition ID --to STATUS [--by NAME] [--note …] [--deadline …]
        [--responsible-unit …] [--responsible-person …] [--reviewer …] [--result …]
    riskmap hazards import LEDGER.xlsx [--report rejected.csv] [--strict]
    riskmap hazards export --format csv|xlsx --out FILE
    riskmap hazards stats --at 2026-06-30 [--format json|text]
    riskmap hazards stats --month 2026-06 [--format json|text|csv]   # district x month table
    riskmap hazards report --month 2026-06 --out report.pdf

The hazards live in the store's records database (``riskmap.sqlite`` in a dataset folder, or
the ``--store`` database); every change is kept in the hazard's history and audited as
``cli:<login>``. A refused step exits 2 naming what is missing or why. The state as of a date
(``stats --at``, ``--month``, the report) follows each hazard's history: a hazard closed and
later reopened is closed in between and open after (:func:`risk.hazards.timeline`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from ui.commands._common import add_data_option, cli_actor, open_cli_store

ACTIONS = ("list", "show", "add", "transition", "import", "export", "stats", "report")
LIST_LIMIT = 50


def _date(text: str) -> dt.date:
    from risk.hazards import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _month(text: str) -> dt.date:
    try:
        y, m = (int(p) for p in text.strip().split("-"))
        return dt.date(y, m, 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a month YYYY-MM, got {text!r}") from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "hazards", help="hidden dangers: register, closed loop, ledger, stats / 隐患排查治理",
        description="Hidden dangers (事故隐患) kept with a dataset: list, show, add, move along "
                    "the closed loop (found 排查发现 → registered 登记 → assessed 评估 → reported "
                    "报告 → monitored 监控 → rectifying 治理 → closed 核销), import the bureau's "
                    "ledger, export it, statistics as of a date, the monthly report PDF.",
    )
    p.add_argument("action", choices=ACTIONS, help=", ".join(ACTIONS))
    p.add_argument("target", nargs="?", default=None, metavar="ID|FILE",
                   help="hazard id (show, transition) or ledger file (import)")
    g = p.add_argument_group("transition / add")
    g.add_argument("--to", default=None, metavar="STATUS",
                   help="transition: the next status (found, registered, assessed, reported, "
                        "monitored, rectifying, closed, or 登记/评估/…)")
    g.add_argument("--by", default="", metavar="NAME", help="who took the step / 经办人")
    g.add_argument("--note", default="", help="note (interim measures, why reopened …) / 说明")
    g.add_argument("--level", default=None, help="major 重大 | general 一般")
    g.add_argument("--deadline", default=None, metavar="DATE", help="整改期限 YYYY-MM-DD")
    g.add_argument("--responsible-unit", default=None, metavar="UNIT", help="责任单位")
    g.add_argument("--responsible-person", default=None, metavar="NAME", help="责任人")
    g.add_argument("--reviewer", default=None, metavar="NAME", help="复查人 (closing)")
    g.add_argument("--result", default=None, metavar="TEXT", help="复查结果 (closing)")
    g.add_argument("--closed-at", default=None, metavar="DATE",
                   help="复查/核销日期 (closing; default today)")
    g.add_argument("--supervised", default=None, help="挂牌督办: none | district | city")
    g.add_argument("--measures", default=None, help="整改/临时措施")
    g.add_argument("--title", default=None, help="add: 隐患名称")
    g.add_argument("--lon", type=float, default=None, help="add: longitude (WGS 84)")
    g.add_argument("--lat", type=float, default=None, help="add: latitude (WGS 84)")
    g.add_argument("--enterprise", default=None, metavar="ID",
                   help="add: enterprise id (places the hazard at the enterprise)")
    g.add_argument("--district", default=None, help="add: district; list: only this district")
    g.add_argument("--category", default=None, help="add: 危化品/燃气/工贸/建筑施工/消防/…")
    g.add_argument("--source", default=None, help="add: 企业自查/执法检查/网格员/举报/专项整治")
    g.add_argument("--found-at", default=None, metavar="DATE", help="add: 排查日期 (default today)")
    g.add_argument("--found-by", default=None, metavar="NAME", help="add: 排查人")
    g.add_argument("--location", default=None, help="add: 隐患部位")
    q = p.add_argument_group("list / stats / export / import / report")
    q.add_argument("--status", default=None, help="list: only this status")
    q.add_argument("--overdue", action="store_true", help="list: only overdue hazards / 逾期")
    q.add_argument("--search", default=None, help="list: title or place contains TEXT")
    q.add_argument("--limit", type=int, default=LIST_LIMIT, help="list: at most N (0: all)")
    q.add_argument("--offset", type=int, default=0, help="list: skip N")
    q.add_argument("--json", action="store_true", help="list: as JSON")
    q.add_argument("--at", type=_date, default=None, metavar="DATE",
                   help="stats: as of the end of this day (default today), each hazard as its "
                        "history had it then (a hazard reopened since is counted closed if it "
                        "was; the deadline valid then)")
    q.add_argument("--month", type=_month, default=None, metavar="YYYY-MM",
                   help="report: the month reported (default: last month); stats: the table "
                        "by district for that month (found and closed in it, open, overdue, "
                        "major open and their mean age at its end, rectification rate)")
    q.add_argument("--format", default=None, choices=("json", "text", "csv", "xlsx"),
                   help="stats: json | text (default text), with --month also csv; export: "
                        "csv | xlsx (default from --out)")
    q.add_argument("--out", type=Path, default=None, metavar="FILE", help="export, report: output")
    q.add_argument("--report", type=Path, default=None, metavar="FILE",
                   help="import: write the rejected rows report (CSV) here")
    q.add_argument("--strict", action="store_true",
                   help="import: write nothing if any row is rejected")
    add_data_option(p)
    p.set_defaults(func=run)


def _hazard_id(args: argparse.Namespace) -> int:
    from ui.cli import CliError

    if args.target is None:
        raise CliError(f"hazards {args.action} needs a hazard ID (see: riskmap hazards list)")
    try:
        return int(args.target)
    except ValueError:
        raise CliError(f"hazard ID must be a number, got {args.target!r}") from None


def run(args: argparse.Namespace) -> int:
    from data.hazards import hazards_for
    from risk.hazards import TransitionError
    from ui.cli import CliError

    try:
        store = open_cli_store(args.data, args.store, quiet=True)
        if args.action in ("add", "import", "report"):
            from data.dataset import Dataset

            dataset = Dataset.load(store)
            hz = hazards_for(store, dataset=dataset)
        else:
            dataset = None
            hz = hazards_for(store)
        handler = {"list": _list, "show": _show, "add": _add, "transition": _transition,
                   "import": _import, "export": _export, "stats": _stats,
                   "report": _report}[args.action]
        return handler(hz, args, dataset)
    except TransitionError as exc:
        raise CliError(f"hazards {args.action}: {exc}") from None
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    except (ValueError, PermissionError) as exc:
        raise CliError(f"hazards {args.action}: {exc}") from None
    except OSError as exc:  # read-only, disk full, busy, database down: nothing was changed
        raise CliError(f"hazards {args.action}: {exc}") from None


def _label(table: dict[str, tuple[str, str]], code: Any) -> str:
    return table.get(code, (str(code or "—"), ""))[0]


def _list(hz, args: argparse.Namespace, _dataset) -> int:
    from data.hazards import today_cst
    from risk.hazards import LEVELS, STATUSES

    items = hz.list(status=args.status, level=args.level, district=args.district,
                    overdue_on=today_cst() if args.overdue else None, search=args.search,
                    offset=args.offset, limit=args.limit or None)
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2, default=str))
        return 0
    if not items:
        print("没有符合条件的隐患 no hazards match")
        return 0
    for h in items:
        print(f"{h['id']:>5}  {h['found_at']}  {_label(STATUSES, h['status']):<4} "
              f"{_label(LEVELS, h['level']):<6} {h['district']:<5} {h['title']}"
              + (f"  期限 {h['deadline']}" if h.get("deadline") else ""))
    return 0


def _show(hz, args: argparse.Namespace, _dataset) -> int:
    hid = _hazard_id(args)
    print(json.dumps({"hazard": hz.get(hid), "history": hz.events(hid)}, ensure_ascii=False,
                     indent=2, default=str))
    return 0


def _add(hz, args: argparse.Namespace, _dataset) -> int:
    fields = {"title": args.title, "lon": args.lon, "lat": args.lat,
              "enterprise_id": args.enterprise, "district": args.district,
              "category": args.category, "source": args.source, "level": args.level,
              "found_at": args.found_at, "found_by": args.found_by, "location": args.location,
              "deadline": args.deadline, "supervised": args.supervised,
              "measures": args.measures}
    hid = hz.add({k: v for k, v in fields.items() if v is not None}, actor=cli_actor(),
                 by=args.by, note=args.note)
    print(f"已登记 added hazard {hid}")
    return 0


def _transition(hz, args: argparse.Namespace, _dataset) -> int:
    from ui.cli import CliError

    hid = _hazard_id(args)
    if not args.to:
        raise CliError("hazards transition needs --to STATUS (the next step of the loop)")
    given = {"level": args.level, "deadline": args.deadline,
             "responsible_unit": args.responsible_unit,
             "responsible_person": args.responsible_person, "reviewed_by": args.reviewer,
             "review_result": args.result, "closed_at": args.closed_at,
             "supervised": args.supervised, "measures": args.measures}
    h = hz.transition(hid, args.to, given, actor=cli_actor(), by=args.by, note=args.note)
    print(f"隐患 {hid} → {h['status']} / hazard {hid} is now {h['status']}")
    return 0


def _import(hz, args: argparse.Namespace, dataset) -> int:
    from data.hazard_ledger import import_ledger
    from ui.cli import CliError

    if args.target is None:
        raise CliError("hazards import needs the ledger FILE (.xlsx or .csv)")
    result = import_ledger(hz, Path(args.target), actor=cli_actor(), strict=args.strict)
    if args.report is not None:
        result.write_report(args.report)
    print(f"导入 {result.accepted_count} 条，拒绝 {result.rejected_count} 条 / imported "
          f"{result.accepted_count} hazards, rejected {result.rejected_count} rows"
          + (" (strict: nothing written)" if result.refused else ""))
    for w in result.warnings:
        print(f"  {w}", file=sys.stderr)
    for row in result.rejected.itertuples():
        print(f"  row {row.row}: {row.column} {row.value!r}: {row.reason}", file=sys.stderr)
    return 2 if result.refused else 0


def _export(hz, args: argparse.Namespace, _dataset) -> int:
    from data.hazard_ledger import write_ledger
    from ui.cli import CliError

    if args.out is None:
        raise CliError("hazards export needs --out FILE (.csv or .xlsx)")
    fmt = args.format or args.out.suffix.lstrip(".").lower() or "csv"
    if fmt not in ("csv", "xlsx"):
        raise CliError(f"hazards export: --format must be csv or xlsx, got {fmt!r}")
    path = write_ledger(hz, args.out, fmt=fmt)
    print(f"已写出 wrote {path}")
    return 0


def _stats(hz, args: argparse.Namespace, _dataset) -> int:
    from data.hazards import HISTORY_COLUMNS, stats_at, today_cst

    if args.month is not None and args.at is None:
        return _month_stats(hz, args)
    at = args.at or today_cst()
    result = stats_at(hz.frame(), at, events=hz.all_events(HISTORY_COLUMNS))
    if (args.format or "text") == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    t = result["total"]
    print(f"截至 {at} / as of {at}: 发现 found {t['found']}，已整改 closed {t['closed']}，"
          f"未整改 open {t['open']}，逾期 overdue {t['overdue']}，重大未整改 major open "
          f"{t['major_open']}，整改率 rate {_pct(t['rate'])}")
    for name, d in result["districts"].items():
        print(f"  {name:<6} {d['found']:>6} {d['closed']:>6} {d['open']:>6} {d['overdue']:>6} "
              f"{d['major_open']:>6}  {_pct(d['rate'])}")
    return 0


def _month_stats(hz, args: argparse.Namespace) -> int:
    from data.export import csv_bytes
    from data.hazards import HISTORY_COLUMNS, monthly_stats
    from layers.print_hazards import month_end

    table = monthly_stats(hz.frame(), [month_end(args.month)],
                          events=hz.all_events(HISTORY_COLUMNS))
    fmt = args.format or "text"
    if fmt == "json":
        rows = table.astype(object).where(table.notna(), None).to_dict("records")
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        sys.stdout.write(csv_bytes(table).decode("utf-8-sig"))
    else:
        print(f"{args.month:%Y-%m}  所属区 district / 本月发现 found / 本月核销 closed / 未整改 open / "
              f"逾期 overdue / 重大未整改 major open / 平均天数 age / 整改率 rate")
        for r in table.to_dict("records"):
            age = r["major_open_age_days"]
            age = "—" if age is None or age != age else f"{age:.0f}"  # None or NaN: no majors
            print(f"  {r['district']:<6} {r['found']:>5} {r['closed']:>5} {r['open']:>5} "
                  f"{r['overdue']:>5} {r['major_open']:>5} {age:>5}  {_pct(r['rate'])}")
    return 0


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _report(hz, args: argparse.Namespace, dataset) -> int:
    from data.hazards import HISTORY_COLUMNS, today_cst
    from layers.print_hazards import write_hazard_report
    from ui.cli import CliError

    if args.out is None:
        raise CliError("hazards report needs --out FILE.pdf")
    month = args.month
    if month is None:
        first = today_cst().replace(day=1)
        month = (first - dt.timedelta(days=1)).replace(day=1)
    path = write_hazard_report(hz.frame(), dataset, month=month, out=args.out,
                               events=hz.all_events(HISTORY_COLUMNS))
    print(f"已写出 wrote {path}")
    return 0
