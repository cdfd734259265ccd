"""riskmap export enterprises: the attribute table as xlsx/CSV/GeoJSON from the command line."""

import io
import json

import pytest
from openpyxl import load_workbook

from data.dataset import Dataset
from data.table_export import months_before, overdue_mask
from risk.stats import filter_mask
from ui.cli import CliError


def test_xlsx_with_the_filters_has_the_rows_they_keep(run_cli, small_sample, tmp_path):
    out = tmp_path / "t.xlsx"
    code, text, _ = run_cli(["export", "enterprises", "--grade", "红,橙", "--district", "南山区",
                             "--out", str(out), "--data", str(small_sample)])
    ents = Dataset.load(small_sample).enterprises
    expected = int(filter_mask(ents, {"grades": ["red", "orange"],
                                      "districts": ["南山区"]}).sum())
    assert code == 0 and f"{expected:,}" in text
    ws = load_workbook(io.BytesIO(out.read_bytes())).active
    assert ws.max_row - 1 == expected > 0 and ws.cell(1, 2).value == "名称"


def test_overdue_geojson_and_csv(run_cli, small_sample, tmp_path):
    import datetime as dt

    before = months_before(dt.date(2026, 12, 1), 12)
    out = tmp_path / "late.geojson"
    run_cli(["export", "enterprises", "--inspected-before", before.isoformat(), "--out", str(out),
             "--data", str(small_sample)])
    ents = Dataset.load(small_sample).enterprises
    assert len(json.loads(out.read_bytes())["features"]) == int(
        overdue_mask(ents, before=before).sum())
    csv = tmp_path / "all.csv"
    run_cli(["export", "enterprises", "--major", "--out", str(csv), "--data", str(small_sample)])
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(csv.read_text("utf-8-sig").splitlines()) - 1 == int(ents["major_hazard"].sum())


@pytest.mark.parametrize("argv, words", [
    (["--grade", "purple"], "--grade"),
    (["--district", "火星区"], "no such district"),
    (["--inspected-before", "2026-13-01"], "YYYY-MM-DD"),
])
def test_bad_options_are_cli_errors(run_cli, small_sample, tmp_path, argv, words):
    with pytest.raises(CliError, match=words):
        run_cli(["export", "enterprises", *argv, "--out", str(tmp_path / "x.xlsx"),
                 "--data", str(small_sample)])


def test_unknown_suffix_is_refused(run_cli, small_sample, tmp_path):
    with pytest.raises(CliError, match="unknown suffix .pdf"):
        run_cli(["export", "enterprises", "--out", str(tmp_path / "x.pdf"),
                 "--data", str(small_sample)])
