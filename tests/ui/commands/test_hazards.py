"""``riskmap hazards`` (ui/commands/hazards.py)."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from ui.cli import CliError, main


@pytest.fixture
def folder(cordon_dataset):
    return str(cordon_dataset)


def _add(run_cli, folder, **more):
    argv = ["hazards", "add", "--data", folder, "--title", "储罐报警器失效", "--lon", "114.06",
            "--lat", "22.55", "--found-at", "2026-05-01"]
    for k, v in more.items():
        argv += [f"--{k.replace('_', '-')}", v]
    code, out, _ = run_cli(argv)
    assert code == 0
    return int(out.split()[-1])


def test_add_then_walk_the_loop_and_show_the_history(run_cli, folder):
    hid = _add(run_cli, folder)
    steps = [["--to", "registered"], ["--to", "assessed", "--level", "重大"],
             ["--to", "reported"], ["--to", "monitored", "--note", "设置警戒"],
             ["--to", "rectifying", "--deadline", "2026-06-30", "--responsible-unit", "甲化工",
              "--responsible-person", "王五"],
             ["--to", "closed", "--reviewer", "赵六", "--result", "合格",
              "--closed-at", "2026-06-20", "--by", "赵六"]]
    for step in steps:
        assert run_cli(["hazards", "transition", str(hid), "--data", folder, *step])[0] == 0
    _, out, _ = run_cli(["hazards", "show", str(hid), "--data", folder])
    shown = json.loads(out)
    assert shown["hazard"]["status"] == "closed" and shown["hazard"]["district"] == "福田区"
    assert [e["to_status"] for e in shown["history"]][-1] == "closed"
    assert shown["history"][-1]["by"] == "赵六"
    assert shown["history"][-1]["actor"].startswith("cli")


def test_a_refused_transition_exits_2_naming_the_missing_field(run_cli, folder, capsys):
    hid = _add(run_cli, folder)
    for to in ("registered", "assessed --level general", "reported", "monitored"):
        run_cli(["hazards", "transition", str(hid), "--data", folder, "--to", *to.split()])
    code = main(["hazards", "transition", str(hid), "--data", folder, "--to", "rectifying",
                 "--deadline", "2026-06-30", "--responsible-unit", "甲化工"])
    err = capsys.readouterr().err
    assert code == 2 and "`responsible_person`" in err and "责任人" in err
    code = main(["hazards", "transition", str(hid), "--data", folder, "--to", "closed"])
    assert code == 2 and "next step is rectifying" in capsys.readouterr().err
    with pytest.raises(CliError, match="unknown `enterprise_id` 'nope'"):
        run_cli(["hazards", "add", "--data", folder, "--title", "x", "--enterprise", "nope"])


def test_stats_at_dates_match_a_count_from_the_exported_ledger(run_cli, folder, tmp_path):
    a = _add(run_cli, folder)
    _add(run_cli, folder, found_at="2026-05-20")
    for to in ("registered", "assessed --level major", "reported", "monitored",
               "rectifying --deadline 2026-05-10 --responsible-unit 甲 --responsible-person 王五",
               "closed --reviewer 赵六 --result 合格 --closed-at 2026-06-01"):
        run_cli(["hazards", "transition", str(a), "--data", folder, "--to", *to.split()])
    out_csv = tmp_path / "ledger.csv"
    run_cli(["hazards", "export", "--data", folder, "--format", "csv", "--out", str(out_csv)])
    with open(out_csv, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    for at in ("2026-04-30", "2026-05-15", "2026-05-25", "2026-06-10"):
        _, out, _ = run_cli(["hazards", "stats", "--data", folder, "--at", at, "--format",
                             "json"])
        stats = json.loads(out)
        found = [r for r in rows if r["found_at"] <= at]
        closed = [r for r in found if r["closed_at"] and r["closed_at"] <= at]
        overdue = [r for r in found if r not in closed and r["deadline"] and r["deadline"] < at]
        assert stats["at"] == at
        assert stats["total"]["found"] == len(found)
        assert stats["total"]["closed"] == len(closed)
        assert stats["total"]["open"] == len(found) - len(closed)
        assert stats["total"]["overdue"] == len(overdue)
        if found:
            assert stats["districts"]["福田区"]["found"] == len(found)
    assert {"id", "level", "status", "district", "found_at", "deadline", "closed_at", "lon",
            "lat"} <= set(rows[0])


def test_import_reports_rejected_rows(run_cli, folder, tmp_path):
    ledger = tmp_path / "台账.csv"
    ledger.write_text("隐患名称,排查时间,经度,纬度,隐患等级,企业名称\n"
                      "通道堵塞,2026-05-01,114.06,22.55,一般,\n"
                      "超量储存,2026-05-01,,,一般,无名公司\n"
                      "阀门泄漏,2026-05-02,,,重大,甲化工\n", encoding="utf-8")
    report = tmp_path / "rejected.csv"
    code, out, err = run_cli(["hazards", "import", str(ledger), "--data", folder, "--report",
                              str(report)])
    assert code == 0 and "imported 2" in out and "rejected 1" in out
    assert "row 3" in err and "no place" in report.read_text(encoding="utf-8-sig")
    _, listed, _ = run_cli(["hazards", "list", "--data", folder, "--json"])
    assert {h["enterprise_id"] for h in json.loads(listed)} == {None, "e0"}


def test_the_month_argument_is_checked(parse_cli):
    with pytest.raises(SystemExit):
        parse_cli(["hazards", "report", "--month", "2026-13-01"])
    assert parse_cli(["hazards", "report", "--month", "2026-06"]).month == dt.date(2026, 6, 1)


@pytest.mark.usefixtures("font_cache")
def test_stats_by_month_and_the_report_pdf(run_cli, folder, tmp_path):
    import subprocess

    _add(run_cli, folder, found_at="2026-05-03", level="major")
    _add(run_cli, folder, found_at="2026-06-10")
    _, out, _ = run_cli(["hazards", "stats", "--data", folder, "--month", "2026-06",
                         "--format", "json"])
    rows = {r["district"]: r for r in json.loads(out)}
    assert rows["福田区"]["found"] == 1 and rows["福田区"]["open"] == 2
    assert rows["福田区"]["major_open"] == 1 and rows["福田区"]["major_open_age_days"] == 58
    pdf = tmp_path / "月报.pdf"
    code, out, _ = run_cli(["hazards", "report", "--data", folder, "--month", "2026-06",
                            "--out", str(pdf)])
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "2026年6月" in text and "福田区" in text


def test_stats_at_follow_the_history_like_a_count_from_the_exported_ledger(run_cli, folder,
                                                                            tmp_path):
    """Hazards closed and reopened, a deadline extended: ``stats --at`` on several dates against
    a count made here from the exported xlsx ledger and its 处理记录 sheet."""
    import pandas as pd

    from data.hazards import HazardStore
    from data.store import FileStore

    hz = HazardStore(FileStore(folder).db)
    today = dt.date(2026, 9, 1)
    rect = {"responsible_unit": "甲化工", "responsible_person": "王五"}
    review = {"reviewed_by": "赵六", "review_result": "合格"}
    plans = [  # (found, [(to, given, recorded)]) — walked from found to rectifying first
        ("2026-01-10", [("rectifying", {"deadline": "2026-03-01", **rect}, "2026-01-12"),
                        ("closed", {"closed_at": "2026-03-10", **review}, "2026-03-12"),
                        ("rectifying", {"deadline": "2026-06-30"}, "2026-05-05")]),
        ("2026-02-01", [("rectifying", {"deadline": "2026-04-30", **rect}, "2026-02-03"),
                        ("closed", {"closed_at": "2026-04-01", **review}, "2026-04-20")]),
        ("2026-03-15", [("rectifying", {"deadline": "2026-04-15", **rect}, "2026-03-16")]),
        ("2026-06-01", []),
    ]
    for found, steps in plans:
        hid = hz.add({"title": "储罐报警器失效", "lon": 114.06, "lat": 22.55, "found_at": found},
                     actor="t", today=today)
        for to, given, at in [(s, {"level": "major"} if s == "assessed" else {}, found)
                              for s in ("registered", "assessed", "reported", "monitored")
                              ] * bool(steps) + steps:
            hz.transition(hid, to, given, actor="t", at=at, today=today,
                          note="复查不合格 / failed" if to == "rectifying" and "responsible_unit"
                          not in given else "")
    out = tmp_path / "ledger.xlsx"
    assert run_cli(["hazards", "export", "--data", folder, "--out", str(out)])[0] == 0
    ledger = pd.read_excel(out, sheet_name="隐患台账", dtype=str)
    history = pd.read_excel(out, sheet_name="处理记录", dtype=str)

    def count(at):
        n = {"found": 0, "closed": 0, "open": 0, "overdue": 0}
        for h in ledger.itertuples():
            if h.found_at > at:
                continue
            n["found"] += 1
            status, deadline = "found", None
            for e in history[history["hazard_id"] == h.id].itertuples():
                fields = json.loads(e.fields)
                day = fields.get("closed_at") or e.at[:10]
                if e.to_status != "closed" and fields.get("deadline") and deadline is None:
                    deadline = fields["deadline"]  # the first deadline holds from the finding
                if day <= at:
                    status = e.to_status
                    deadline = fields.get("deadline") or deadline
            if status == "closed":
                n["closed"] += 1
            else:
                n["open"] += 1
                n["overdue"] += bool(deadline and deadline < at)
        return n

    for at in ("2026-02-15", "2026-03-05", "2026-03-11", "2026-04-10", "2026-05-01",
               "2026-05-20", "2026-07-15"):
        _, text, _ = run_cli(["hazards", "stats", "--data", folder, "--at", at, "--format",
                              "json"])
        got = json.loads(text)["total"]
        assert {k: got[k] for k in ("found", "closed", "open", "overdue")} == count(at), at
    # the reopened hazard: closed as of April, open (and past its new deadline) in July
    assert count("2026-04-10")["closed"] == 2 and count("2026-07-15")["closed"] == 1


def _snapshot(folder):
    from data.hazards import HazardStore
    from data.store import FileStore

    store = FileStore(folder)
    hz = HazardStore(store.db)
    return hz.frame().to_dict("records"), len(hz.all_events()), len(store.db.audit_rows())


@pytest.mark.parametrize("argv, needle", [
    (["add", "--title", "x", "--lon", "114.06", "--lat", "22.55", "--found-at", "2026-05-01",
      "--deadline", "2026-04-01"], "`deadline` 2026-04-01 is before `found_at` 2026-05-01"),
    (["add", "--title", "x", "--lon", "114.06", "--lat", "22.55", "--found-at", "2099-01-01"],
     "`found_at` 2099-01-01 is in the future"),
    (["add", "--title", "x", "--enterprise", "nope"], "unknown `enterprise_id` 'nope'"),
    (["add", "--found-at", "2026-05-01", "--lon", "114.06", "--lat", "22.55"],
     "`title` is missing"),
    (["add", "--title", "x", "--found-at", "2026-05-01"], "no place"),
    (["transition", "{id}", "--to", "closed"], "next step is rectifying"),
    (["transition", "{id}", "--to", "rectifying", "--deadline", "2026-06-30"],
     "needs `responsible_unit`, `responsible_person`"),
    (["transition", "{id}", "--to", "rectifying", "--deadline", "2026-04-01",
      "--responsible-unit", "甲", "--responsible-person", "王五"], "before the finding date"),
    (["transition", "{id}", "--to", "reported"], "cannot go from monitored to reported"),
    (["transition", "{id}", "--to", "monitored"], "already monitored"),
    (["transition", "{id}", "--to", "fixed"], "unknown `status` 'fixed'"),
    (["transition", "999", "--to", "registered"], "no hazard 999"),
])
def test_bad_input_exits_2_with_a_clear_message_and_writes_nothing(run_cli, folder, capsys,
                                                                   argv, needle):
    hid = _add(run_cli, folder)
    for to in ("registered", "assessed --level general", "reported", "monitored"):
        run_cli(["hazards", "transition", str(hid), "--data", folder, "--to", *to.split()])
    before = _snapshot(folder)
    capsys.readouterr()
    code = main(["hazards", *[a.format(id=hid) for a in argv], "--data", folder])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "Traceback" not in err
    assert _snapshot(folder) == before


def test_closing_in_the_future_or_by_the_responsible_person_is_refused(run_cli, folder, capsys):
    hid = _add(run_cli, folder)
    for to in ("registered", "assessed --level major", "reported", "monitored",
               "rectifying --deadline 2026-06-30 --responsible-unit 甲 --responsible-person 王五"):
        run_cli(["hazards", "transition", str(hid), "--data", folder, "--to", *to.split()])
    before = _snapshot(folder)
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    for extra, needle in ((["--reviewer", "赵六", "--result", "合格", "--closed-at", future],
                           f"`closed_at` {future} is in the future"),
                          (["--reviewer", "王五", "--result", "合格"], "responsible person"),
                          (["--result", "合格"], "needs `reviewed_by`")):
        capsys.readouterr()
        code = main(["hazards", "transition", str(hid), "--data", folder, "--to", "closed",
                     *extra])
        err = capsys.readouterr().err
        assert code == 2 and needle in err, err
    assert _snapshot(folder) == before
