"""``riskmap import`` (ui/commands/import_cmd.py): exit codes, report file, the --crs help."""

from __future__ import annotations

import pandas as pd
import pytest


def test_cli_import(districts_store, tmp_path, monkeypatch, capsys):
    import ui.cli

    monkeypatch.setattr(ui.cli, "COMMANDS", ("import_cmd",))
    src = tmp_path / "r.csv"
    src.write_bytes("企业名称,经度,纬度,风险等级,行业类别,所属区\n甲,114.1,22.6,红,,\n乙,,,红,,\n"
                    .encode("gbk"))
    report = tmp_path / "rep.csv"
    argv = ["import", "--layer", "enterprises", str(src), "--data", str(districts_store.root),
            "--report", str(report)]
    assert ui.cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "imported 1" in out and "rejected 1" in out and "missing coordinate" in out
    assert pd.read_csv(report, encoding="utf-8-sig")["row"].tolist() == [3]
    assert ui.cli.main([*argv, "--strict"]) == 1
    assert ui.cli.main([*argv, "--crs", "mars"]) == 2
    assert "`crs` must be one of" in capsys.readouterr().err
    assert ui.cli.main([*argv, "--mapping", "{bad"]) == 2
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert ui.cli.main(["import", "--layer", "enterprises", str(empty), "--data",
                        str(districts_store.root)]) == 2
    with pytest.raises(SystemExit) as exc:  # --data is required
        ui.cli.main(["import", "--layer", "enterprises", str(src)])
    assert exc.value.code == 2


def test_cli_crs_help_lists_exactly_the_registry_choices(monkeypatch, capsys):
    import re

    import ui.cli
    from data.coordsys import CHOICES, cli_help

    monkeypatch.setattr(ui.cli, "COMMANDS", ("import_cmd",))
    monkeypatch.setenv("COLUMNS", "400")  # one line per option
    with pytest.raises(SystemExit):
        ui.cli.main(["import", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert " ".join(cli_help().split()) in out
    named = re.findall(r"(?:: |\| )(\S+) = ", out.split("--crs CRS")[-1].split("--mapping")[0])
    assert named == [c.value for c in CHOICES]


