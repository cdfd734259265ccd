"""A truncated register in the browser: the preview says so and names the extra columns, the
import is refused until the confirmation is ticked, then the rows before the cut are imported and
their extra column (法人) survives the import and ``riskmap export enterprises``; a column set
to "ignore" in the mapping grid is left out."""

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

CSV = (
    "单位名称,东经,北纬,风险等级,行业类别,所属区,法人,内部备注\n"
    "截断测试燃气公司,114.05,22.55,红,燃气,福田区,张三,甲\n"
    "截断测试化工厂,113.93,22.53,较大风险,危化品,南山区,李四,乙\n"
    "截断测试仓储,114.06,22.54,一般,仓储,福田区,王五,丙\n"
    "截断测试最后一家,114.1"  # the download stopped here: no line end, cells missing
)


@pytest.fixture()
def own_app(private_app, tmp_path):
    """The app on a copy of the sample (the import writes), ports 8640-8649."""
    with private_app(tmp_path, ports=range(8640, 8650)) as served:
        yield served


def test_truncated_upload_is_refused_until_confirmed_and_extra_columns_survive(
        own_app, page, tmp_path):
    base, app, root = own_app
    csv = tmp_path / "截断台账.csv"
    csv.write_bytes(CSV.encode("gbk"))
    before = len(app.state.dataset.enterprises)
    page.goto(base + "/")
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    page.get_by_text("数据导入").click()
    page.locator("#imp-upload input[type=file]").set_input_files(str(csv))
    page.locator("#imp-mapping").wait_for(timeout=20_000)
    # before anything is written: the cut is named, and so is the column kept as an attribute
    assert "最后一行（第 5 行）" in page.locator("#imp-truncated").inner_text()
    assert "法人" in page.locator("#imp-extra-columns").inner_text()
    # the mapping grid: 内部备注 is kept unless the user picks "ignore" for it
    cell = page.locator("#imp-mapping .ag-row", has_text="内部备注").locator("[col-id=target]")
    assert cell.inner_text() == "（保留为附加属性）"
    cell.click()
    cell.locator(".ag-picker-field-wrapper").click()
    page.locator(".ag-list-item", has_text="（忽略，不导入）").first.click()
    page.locator("#imp-mapping .ag-row", has_text="单位名称").locator("[col-id=source]").click()
    assert cell.inner_text() == "（忽略，不导入）"
    box = page.locator("#imp-truncated-box")
    assert box.is_visible() and "仍然导入截断前的行" in box.inner_text()
    page.get_by_text("追加").click()
    page.click("#imp-run")
    refused = page.locator("#imp-result .error")
    refused.wait_for(timeout=20_000)
    assert "未写入任何数据" in refused.inner_text()
    assert len(app.state.dataset.enterprises) == before
    # tick the confirmation: the three rows before the cut are imported, the cut one reported
    box.locator("input[type=checkbox]").check()
    page.click("#imp-run")
    result = page.locator("#imp-result-body")
    result.wait_for(timeout=30_000)
    assert "已导入 3 行，1 行未通过（共 4 行）" in result.inner_text()
    assert "--" not in result.inner_text()  # no command-line option told to a web user
    page.frame_locator("#map-frame").locator(
        f"html[data-enterprises-shown='{before + 3}']").wait_for(timeout=30_000)
    got = app.state.dataset.enterprises.set_index("name")
    assert got.loc["截断测试化工厂", "法人"] == "李四"
    assert "截断测试最后一家" not in got.index and "内部备注" not in got.columns

    import ui.cli

    out = tmp_path / "企业.csv"
    assert ui.cli.main(["export", "enterprises", "--data", str(root), "--district", "福田区",
                        "--out", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert "法人" in table.columns
    assert table.loc[table["名称"] == "截断测试燃气公司", "法人"].tolist() == ["张三"]
    assert page.external_requests == [] and page.page_errors == []
