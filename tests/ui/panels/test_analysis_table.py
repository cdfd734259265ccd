"""The attribute table of the analyst tab, its callbacks' bodies called directly."""

import base64
import io

from openpyxl import load_workbook

from ui.panels.analysis import current_filter
from ui.panels.analysis_locale import LOCALE_ZH, locale_text
from ui.panels.analysis_table import column_defs, export_table, focus_index, table_rows


def test_rows_are_the_filtered_enterprises_with_their_dataset_position(state):
    _, mask, _ = current_filter(state, ["red"], [], ["南山区"], False)
    rows = table_rows(state, mask, "zh")
    assert len(rows) == int(mask.sum()) > 0
    ents = state.dataset.enterprises
    for r in rows[:20]:
        assert ents["id"].iloc[int(r["rid"])] == r["id"] and r["district"] == "南山区"
        assert r["grade"] == "重大风险"


def test_columns_have_chinese_headers(state):
    heads = [d["headerName"] for d in column_defs(state, "zh")]
    assert heads[:3] == ["编号", "名称", "风险等级"] and "最近检查" in heads


def test_export_of_the_closed_table_has_every_filtered_row(state):
    _, mask, _ = current_filter(state, ["red", "orange"], [], [], True)
    download, n = export_table(state, mask, "xlsx", "zh")
    assert n == int(mask.sum())
    ws = load_workbook(io.BytesIO(base64.b64decode(download["content"]))).active
    assert ws.max_row - 1 == n
    assert download["filename"].endswith(".xlsx")


def test_export_of_the_open_table_follows_the_grid_rows(state):
    _, mask, _ = current_filter(state, ["red"], [], [], False)
    shown = table_rows(state, mask, "zh")[:5][::-1]
    download, n = export_table(state, mask, "csv", "zh", shown)
    text = base64.b64decode(download["content"]).decode("utf-8-sig").splitlines()
    assert n == 5 and len(text) == 6
    assert [line.split(",")[0].strip('"') for line in text[1:]] == [r["id"] for r in shown]


def test_a_row_click_names_the_dataset_row():
    assert focus_index({"rowId": "17", "colId": "name"}) == 17
    assert focus_index(None) is None and focus_index({"rowId": "x"}) is None


def test_grid_texts_are_chinese():
    assert locale_text("en") == {}
    zh = locale_text("zh")
    for key in ("page", "of", "nextPage", "filterOoo", "contains", "selectAll", "searchOoo",
                "noRowsToShow", "pageSizeSelectorLabel", "applyFilter", "resetFilter"):
        assert key in zh and not any("a" <= ch.lower() <= "z" for ch in zh[key]), key
    assert zh == LOCALE_ZH and zh is not LOCALE_ZH


def test_dropdown_texts_are_chinese_and_complete():
    from ui.panels.analysis_locale import DROPDOWN_EN, dropdown_labels

    zh, en = dropdown_labels("zh"), dropdown_labels("en")
    assert set(zh) == set(en) == set(DROPDOWN_EN)
    assert zh["select_all"] == "全选" and "{num_selected}" in zh["selected_count"]
    assert not any("a" <= ch.lower() <= "z" for v in zh.values() for ch in v.replace(
        "{num_selected}", ""))
