"""The import tab's callbacks, called directly."""

import base64
import shutil

import pytest

from data.dataset import Dataset
from ui.panels.data_import import _save_upload, preview_view, run_import
from ui.state import AppState

CSV = (
    "企业名称,经度,纬度,风险等级,行业类别,所属区\n"
    "甲燃气有限公司,114.05,22.55,红,燃气,福田区\n"
    "<b>乙</b>公司,113.93,22.53,较大风险,工贸,南山区\n"
    "丙公司,abc,22.53,一般,工贸,南山区\n"
    "丁公司,114.06,22.54,紫色,工贸,福田区\n"
)


@pytest.fixture()
def state(small_sample, tmp_path):
    shutil.copytree(small_sample, tmp_path, dirs_exist_ok=True)
    return AppState(tmp_path)


def _upload(text: str, name: str, encoding: str = "gbk") -> dict:
    b64 = base64.b64encode(text.encode(encoding)).decode()
    return {"token": _save_upload(f"data:text/csv;base64,{b64}", name), "filename": name}


def test_preview_guesses_the_chinese_headers(state):
    from pathlib import Path

    from ui.panels.data_import import _upload_path

    up = _upload(CSV, "台账.csv")
    view = preview_view(_upload_path(up["token"]), filename=up["filename"], layer="enterprises",
                        state=state, lang="zh")
    mapping = next(c for c in view.children if getattr(c, "id", None) == "imp-mapping")
    guessed = {r["source"]: r["target"] for r in mapping.data}
    assert guessed["企业名称"] == "name" and guessed["风险等级"] == "grade"
    assert guessed["经度"] == "lon" and guessed["纬度"] == "lat"
    assert Path(_upload_path(up["token"])).is_file()


def test_import_reports_every_rejected_row_and_the_app_sees_new_data(state):
    before = state.version
    up = _upload(CSV, "台账.csv")
    view, report, written = run_import(state, token=up["token"], filename=up["filename"],
                                       layer="enterprises", crs="", mode="replace", strict=False,
                                       mapping_rows=None, lang="zh")
    assert written
    assert "已导入 2 行，2 行未通过" in view.children[0].children
    import io

    import pandas as pd

    rep = pd.read_csv(io.BytesIO(report), encoding="utf-8-sig")
    assert sorted(set(rep["row"].astype(int))) == [4, 5]  # header is row 1
    ds = Dataset.load(state.data_dir)
    assert sorted(ds.enterprises["name"]) == sorted(["甲燃气有限公司", "<b>乙</b>公司"])
    assert state.version != before and len(state.dataset.enterprises) == 2


def test_strict_import_writes_nothing(state):
    before = (state.data_dir / "enterprises.gpkg").read_bytes()
    up = _upload(CSV, "台账.csv")
    view, _report, written = run_import(state, token=up["token"], filename=up["filename"],
                                        layer="enterprises", crs="", mode="replace", strict=True,
                                        mapping_rows=None, lang="en")
    assert not written
    assert "nothing imported" in view.children[0].children
    assert (state.data_dir / "enterprises.gpkg").read_bytes() == before


def test_broken_file_gives_a_message(state):
    up = _upload("", "empty.csv")
    view, report, written = run_import(state, token=up["token"], filename=up["filename"],
                                       layer="enterprises", crs="", mode="replace", strict=False,
                                       mapping_rows=None, lang="zh")
    assert not written and report is None
    assert view.className == "error"
