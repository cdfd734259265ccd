"""The hidden-danger ledger in and out (data/hazard_ledger.py)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from data.hazard_ledger import import_ledger, ledger_frame, write_ledger
from data.hazards import HazardStore, Places, stats_at
from data.sysdb import SystemDB

TODAY = dt.date(2026, 6, 15)
HEADER = ["序号", "排查时间", "排查人", "隐患部位", "隐患描述", "隐患等级", "整改措施", "整改期限",
          "责任部门", "责任人", "复查时间", "复查人", "复查结果", "所属区", "经度", "纬度",
          "企业名称", "备注"]
ROWS = [
    # 3 (spreadsheet row): closed, placed by coordinates
    [1, "2026-03-01", "张三", "储罐区", "报警器失效", "重大", "更换", "2026-04-01", "安全部", "王五",
     "2026-03-30", "赵六", "合格", "南山区", "113.93", "22.53", "", "@SUM(A1)"],
    # 4: rectifying, placed by the enterprise name
    [2, "2026-05-02", "张三", "车间", "防护缺失", "一般", "加装", "2026-07-01", "设备部", "孙七",
     "", "", "", "", "", "", "甲化工", ""],
    # 5: no place
    [3, "2026-05-02", "张三", "仓库", "超量储存", "一般", "", "", "", "", "", "", "", "福田区",
     "", "", "不存在的公司", ""],
    # 6: deadline before the finding
    [4, "2026-05-02", "李四", "仓库", "通道堵塞", "一般", "", "2026-04-01", "物业", "周八", "", "",
     "", "福田区", "114.05", "22.54", "", ""],
    # 8: reviewer is the responsible person
    [5, "2026-03-01", "李四", "罐区", "静电接地缺失", "重大", "", "2026-04-01", "安全部", "王五",
     "2026-03-20", "王五", "合格", "南山区", "113.93", "22.53", "", ""],
    # 7: review date in the future
    [6, "2026-03-01", "李四", "罐区", "阀门泄漏", "一般", "", "2026-04-01", "安全部", "王五",
     "2026-07-20", "赵六", "合格", "南山区", "113.93", "22.53", "", ""],
]


@pytest.fixture
def ledger(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某区安全隐患排查治理台账（2026年）"])
    ws.append(HEADER)
    for r in ROWS:
        ws.append(r)
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    return path


@pytest.fixture
def hz(tmp_path):
    places = Places(enterprises={"e1": (114.05, 22.54, "福田区")}, names={"甲化工": "e1"})
    return HazardStore(SystemDB.for_folder(tmp_path), places=places)


def test_a_typical_ledger_imports_with_every_rejected_row_reported(hz, ledger):
    result = import_ledger(hz, ledger, actor="cli:test", today=TODAY)
    assert result.written and result.accepted_count == 2
    assert result.rejected_rows == [5, 6, 7, 8]
    reasons = dict(zip(result.rejected["row"], result.rejected["reason"], strict=False))
    assert "no place" in reasons[5]
    assert "before" in reasons[6] and "deadline" in reasons[6]
    assert "responsible person" in reasons[7]
    assert "in the future" in reasons[8]
    frame = hz.frame().set_index("found_at")
    closed, open_ = frame.loc["2026-03-01"], frame.loc["2026-05-02"]
    assert (closed["status"], closed["level"], closed["closed_at"]) == ("closed", "major",
                                                                       "2026-03-30")
    assert (open_["status"], open_["enterprise_id"], open_["district"]) == ("rectifying", "e1",
                                                                           "福田区")
    assert '"备注": "@SUM(A1)"' in closed["extra"]
    assert [r["action"] for r in hz.db.audit_rows()] == ["hazard.import"]


def test_strict_writes_nothing_when_a_row_is_rejected(hz, ledger):
    result = import_ledger(hz, ledger, actor="cli:test", strict=True, today=TODAY)
    assert result.refused and not result.written and hz.count() == 0


def test_the_export_round_trips_and_its_cells_are_safe(hz, ledger, tmp_path):
    import_ledger(hz, ledger, actor="cli:test", today=TODAY)
    out = write_ledger(hz, tmp_path / "out.csv")
    back = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    for col in ("id", "level", "status", "district", "found_at", "deadline", "closed_at", "lon",
                "lat", "history"):
        assert col in back.columns
    assert back["备注"].dropna().tolist() == ["'@SUM(A1)"]
    (tmp_path / "again").mkdir(exist_ok=True)
    again = HazardStore(SystemDB.for_folder(tmp_path / "again"), places=hz.places)
    result = import_ledger(again, out, actor="t", today=TODAY)
    assert result.accepted_count == 2, result.rejected
    assert stats_at(again.frame(), TODAY)["total"] == stats_at(hz.frame(), TODAY)["total"]
    xlsx = write_ledger(hz, tmp_path / "out.xlsx", fmt="xlsx")
    assert openpyxl.load_workbook(xlsx).sheetnames == ["隐患台账", "处理记录"]
    ledger_rows, history = ledger_frame(hz)
    assert len(history) == 2 and len(ledger_rows) == 2
