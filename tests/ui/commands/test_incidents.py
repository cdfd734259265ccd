"""``riskmap incidents`` (ui/commands/incidents.py): list, show, export, delete a saved cordon."""

from __future__ import annotations

import json

import pytest

from ui.cli import CliError

CENTER = (114.0579, 22.5431)  # the incident point of the cordon_dataset fixture (conftest.py)


def test_save_list_show_export_delete(parse_cli, run_cli, cordon_dataset, capsys, tmp_path):
    run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]), "--save", "--type",
          "危化品泄漏", "--note", "储罐泄漏", "--data", str(cordon_dataset)])
    code, out, _ = run_cli(["incidents", "list", "--json", "--data", str(cordon_dataset)])
    items = json.loads(out)
    assert len(items) == 1
    assert (items[0]["type_zh"], items[0]["note"]) == ("危化品泄漏", "储罐泄漏")
    new_id = items[0]["id"]
    code, out, _ = run_cli(["incidents", "show", str(new_id), "--data", str(cordon_dataset)])
    assert json.loads(out)["cordon"]["zones"][0]["enterprises"]["red"] == 2
    out_file = tmp_path / "inc.geojson"
    run_cli(["incidents", "export", str(new_id), "--out", str(out_file),
             "--data", str(cordon_dataset)])
    assert json.loads(out_file.read_text(encoding="utf-8"))["type"] == "FeatureCollection"
    run_cli(["incidents", "delete", str(new_id), "--data", str(cordon_dataset)])
    with pytest.raises(CliError, match="no incident"):
        args = parse_cli(["incidents", "show", str(new_id), "--data", str(cordon_dataset)])
        args.func(args)
