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
    monkeypatch.delenv("RISKMAP_STORE", raising=False)
    assert ui.cli.main(["import", "--layer", "enterprises", str(src)]) == 2  # --data or --store
    assert "--data DIR or --store URL is required" in capsys.readouterr().err


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




REG = "企业编号,企业名称,经度,纬度,风险等级\n"


def _reg(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text(REG + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return str(path)


def test_cli_modes_versions_and_replace_needs_yes(districts_store, tmp_path, run_cli, capsys):
    import ui.cli
    from ui.cli import CliError

    root = str(districts_store.root)
    a = _reg(tmp_path, "a.csv", ["E1,甲,114.1,22.6,红", "E2,乙,114.11,22.61,橙"])
    code, out, _ = run_cli(["import", a, "--layer", "enterprises", "--data", root])
    assert code == 0 and "version 1 (update): 新增 added 2, 修改 changed 0, 删除 removed 0" in out
    b = _reg(tmp_path, "b.csv", ["E1,甲,114.1,22.6,蓝", "E3,丙,114.12,22.62,黄"])
    code, out, _ = run_cli(["import", b, "--layer", "enterprises", "--data", root])
    assert "version 2 (update): 新增 added 1, 修改 changed 1, 删除 removed 0" in out
    code, out, _ = run_cli(["import", b, "--layer", "enterprises", "--data", root,
                            "--mode", "append"])
    assert code == 1 and "already in the dataset" in out  # every row rejected
    # replace of a layer with rows: refused without --yes, nothing written
    with pytest.raises(CliError, match="replace would remove the 3 existing rows of enterprises; "
                                       "add --yes to confirm"):
        run_cli(["import", a, "--layer", "enterprises", "--data", root, "--mode", "replace"])
    assert ui.cli.main(["import", a, "--layer", "enterprises", "--data", root, "--mode",
                        "replace"]) == 2
    assert "替换将删除图层 enterprises 现有的 3 行" in capsys.readouterr().err
    assert len(districts_store.read_layer("enterprises")) == 3
    code, out, _ = run_cli(["import", a, "--layer", "enterprises", "--data", root, "--mode",
                            "replace", "--yes"])
    assert "version 3 (replace): 新增 added 0, 修改 changed 1, 删除 removed 1" in out
    assert sorted(districts_store.read_layer("enterprises")["id"]) == ["E1", "E2"]
    info = districts_store.list_versions("enterprises")[0]
    assert info.actor.startswith("cli") and info.file == "a.csv"


def test_cli_update_without_ids_says_choose_append_or_replace(districts_store, tmp_path,
                                                              run_cli):
    from ui.cli import CliError

    root = str(districts_store.root)
    run_cli(["import", _reg(tmp_path, "a.csv", ["E1,甲,114.1,22.6,红"]), "--layer",
             "enterprises", "--data", root])
    path = tmp_path / "n.csv"
    path.write_text("企业名称,经度,纬度,风险等级\n丁,114.1,22.6,红\n", encoding="utf-8")
    with pytest.raises(CliError, match="no id column.*choose mode append or replace"):
        run_cli(["import", str(path), "--layer", "enterprises", "--data", root])


@pytest.mark.parametrize(("answer", "written"), [("y", True), ("n", False)])
def test_cli_replace_asks_at_a_terminal(districts_store, tmp_path, run_cli, monkeypatch,
                                        answer, written):
    import sys

    from ui.cli import CliError

    root = str(districts_store.root)
    a = _reg(tmp_path, "a.csv", ["E1,甲,114.1,22.6,红", "E2,乙,114.11,22.61,橙"])
    b = _reg(tmp_path, "b.csv", ["E9,癸,114.19,22.69,蓝"])
    run_cli(["import", a, "--layer", "enterprises", "--data", root])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    asked = []
    monkeypatch.setattr("builtins.input", lambda q: asked.append(q) or answer)
    argv = ["import", b, "--layer", "enterprises", "--data", root, "--mode", "replace"]
    if written:
        assert run_cli(argv)[0] == 0
    else:
        with pytest.raises(CliError, match="not replaced; nothing was written"):
            run_cli(argv)
    assert "replace would remove the 2 existing rows of enterprises" in asked[0]
    ids = sorted(districts_store.read_layer("enterprises")["id"])
    assert ids == (["E9"] if written else ["E1", "E2"])


def test_cli_refuses_a_truncated_csv_unless_allow_truncated(districts_store, tmp_path,
                                                          monkeypatch, capsys):
    import ui.cli

    monkeypatch.setattr(ui.cli, "COMMANDS", ("import_cmd",))
    src = tmp_path / "cut.csv"
    src.write_bytes("企业名称,经度,纬度,风险等级\n甲,114.1,22.6,红\n乙,114.2,22.6,橙\n丙,114.1"
                    .encode("gbk"))
    argv = ["import", "--layer", "enterprises", str(src), "--data", str(districts_store.root)]
    assert ui.cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "looks truncated" in err and "--allow-truncated" in err and "row 4" in err
    assert "Traceback" not in err and not districts_store.has_layer("enterprises")
    assert ui.cli.main([*argv, "--allow-truncated"]) == 0
    out = capsys.readouterr().out
    assert "imported 2" in out and "rejected 1" in out
    assert sorted(districts_store.read_layer("enterprises")["name"]) == ["乙", "甲"]
