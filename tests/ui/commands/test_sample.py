"""``riskmap sample`` (ui/commands/sample.py): refuses a folder that is not a sample."""

from __future__ import annotations

from ui.cli import main


def test_sample_command_refuses_a_real_dataset_folder(tmp_path, capsys):
    (tmp_path / "dataset.json").write_text('{"title": "台账"}', encoding="utf-8")
    assert main(["sample", "--out", str(tmp_path), "-q"]) == 2
    assert "not marked synthetic" in capsys.readouterr().err
    assert main(["sample", "--out", str(tmp_path / "dataset.json"), "-q"]) == 2
    assert "expected a folder" in capsys.readouterr().err
