"""Bring your own data in the browser: upload, preview and mapping, replace (confirmed), the map
reloads; then restore the previous version from the versions list (confirmed)."""

import pytest

pytestmark = pytest.mark.browser

CSV = (
    "单位名称,东经,北纬,风险等级,行业类别,所属区\n"
    "上传测试燃气公司,114.05,22.55,红,燃气,福田区\n"
    "上传测试化工厂,113.93,22.53,较大风险,危化品,南山区\n"
    "坏行公司,abc,22.53,一般,工贸,南山区\n"
)


@pytest.fixture()
def own_app(private_app, tmp_path):
    """The app on a copy of the sample (the import writes), ports 8800-8849."""
    with private_app(tmp_path, ports=range(8800, 8850)) as served:
        yield served.base_url, served.app


def test_upload_preview_import_and_the_map_shows_the_new_data(own_app, page, tmp_path):
    base, app = own_app
    csv = tmp_path / "台账.csv"
    csv.write_bytes(CSV.encode("gbk"))
    page.goto(base + "/")
    page.frame_locator("#map-frame").locator("html[data-map-ready='1']").wait_for(timeout=20_000)
    page.get_by_text("数据导入").click()
    page.locator("#imp-upload input[type=file]").set_input_files(str(csv))
    mapping = page.locator("#imp-mapping")
    mapping.wait_for(timeout=20_000)
    text = mapping.inner_text()
    assert "单位名称" in text and "name" in text and "lon" in text
    # the detected coordinate system is shown and preselected in the dropdown
    assert "检测到的坐标系：WGS 84（GPS）" in page.locator("#imp-crs-hint").inner_text()
    assert "WGS 84（GPS）" in page.locator("#imp-crs").inner_text()
    before = len(app.state.dataset.enterprises)
    page.get_by_text("替换（删除现有数据）").click()
    page.click("#imp-run")
    # nothing is written before the confirmation, which states how many rows go
    confirm = page.locator("#imp-confirm-replace")
    confirm.wait_for(state="visible", timeout=20_000)
    assert confirm.inner_text() == f"确认替换 {before:,} 行"
    assert f"替换将删除图层现有的 {before:,} 行" in page.locator("#imp-result").inner_text()
    assert len(app.state.dataset.enterprises) == before
    confirm.click()
    result = page.locator("#imp-result-body")
    result.wait_for(timeout=30_000)
    assert "已导入 2 行，1 行未通过" in result.inner_text()
    # the map reloads with the two imported enterprises, without restarting the app
    page.frame_locator("#map-frame").locator(
        "html[data-enterprises-shown='2']").wait_for(timeout=30_000)
    assert len(app.state.dataset.enterprises) == 2
    with page.expect_download() as info:
        page.click("#imp-report")
    assert info.value.suggested_filename.endswith(".csv")
    # the figures in the sidebar follow the new data too
    page.get_by_text("风险分布").click()
    page.wait_for_function("document.querySelector('#count-value').dataset.count === '2'")

    # the versions list shows the replace; restore the layer as it was, confirmed
    page.get_by_text("数据导入").click()
    table = page.locator("#imp-versions-table")
    table.wait_for(timeout=20_000)
    assert "台账.csv" in table.inner_text() and f"-{before:,}" in table.inner_text()
    page.locator("#imp-versions-table button").first.click()
    confirm = page.locator("#imp-confirm-restore")
    confirm.wait_for(state="visible", timeout=20_000)
    assert confirm.inner_text() == f"确认恢复第 1 版（{before:,} 行）"
    assert len(app.state.dataset.enterprises) == 2
    confirm.click()
    page.locator("#imp-restored").wait_for(timeout=30_000)
    page.frame_locator("#map-frame").locator(
        f"html[data-enterprises-shown='{before}']").wait_for(timeout=30_000)
    assert len(app.state.dataset.enterprises) == before
    assert page.external_requests == []
