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


def _find(component, id_):
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = _find(child, id_)
            if found is not None:
                return found
    return None


GCJ_CSV = (
    "企业名称,经度(高德),纬度(高德),风险等级\n"
    "甲燃气有限公司,114.0550,22.5470,红\n"
    "乙公司,113.9350,22.5300,蓝\n"
)
# CGCS2000 3° Gauss-Kruger (CM 114°E) metres, X = northing as surveyors write it
GK_CSV = (
    "企业名称,X坐标,Y坐标,风险等级\n"
    "甲燃气有限公司,2495410.512,505903.117,红\n"
    "乙公司,2494310.004,492671.880,蓝\n"
)


def test_the_crs_dropdown_comes_from_the_registry(state):
    from data.coordsys import CHOICES, FILE_OWN
    from ui import ids
    from ui.panels.data_import import layout

    for lang in ("zh", "en"):
        dropdown = _find(layout(state, lang), ids.IMP_CRS)
        assert [o["value"] for o in dropdown.options] == [FILE_OWN.value,
                                                           *[c.value for c in CHOICES]]
        assert [o["label"] for o in dropdown.options][1:] == [c.label(lang) for c in CHOICES]
        assert dropdown.value == FILE_OWN.value


@pytest.mark.parametrize(("text", "expected", "zh", "en"), [
    (GCJ_CSV, "gcj02", "检测到的坐标系：GCJ-02（高德/腾讯拾取）",
     "Detected coordinates: GCJ-02 (Amap/Gaode, Tencent)"),
    (GK_CSV, "EPSG:4547", "检测到的坐标系：CGCS2000 高斯-克吕格 114°E",
     "Detected coordinates: CGCS2000 Gauss-Kruger 114°E"),
])
def test_upload_shows_and_preselects_the_detected_crs(state, text, expected, zh, en):
    from data.coordsys import parse_crs
    from ui.panels.data_import import on_upload

    b64 = base64.b64encode(text.encode("gbk")).decode()
    for lang, shown in (("zh", zh), ("en", en)):
        token, view, value, options = on_upload(
            state, contents=f"data:text/csv;base64,{b64}", uploaded=True, layer="enterprises",
            filename="台账.csv", token=None, lang=lang)
        assert value == expected and parse_crs(value).value == expected  # a registry value
        assert expected in [o["value"] for o in options]
        assert _find(view, "imp-crs-hint").children.startswith(shown)
        # changing the layer re-previews the same upload and keeps the detection
        _, _, again, _ = on_upload(state, contents=None, uploaded=False, layer="enterprises",
                                   filename=None, token=token, lang=lang)
        assert again == expected


def test_a_detected_crs_outside_the_named_choices_is_added_to_the_dropdown(state):
    from ui.panels.data_import import on_upload

    zoned = GK_CSV.replace("505903.117", "38505903.117").replace("492671.880", "38492671.880")
    b64 = base64.b64encode(zoned.encode()).decode()
    _, view, value, options = on_upload(
        state, contents=f"data:text/csv;base64,{b64}", uploaded=True, layer="enterprises",
        filename="gk.csv", token=None, lang="en")
    assert value == "EPSG:4526"
    assert options[-1] == {"value": "EPSG:4526",
                           "label": "EPSG:4526 CGCS2000 / 3-degree Gauss-Kruger zone 38"}
    assert "zone 38" in _find(view, "imp-crs-hint").children


def test_no_detection_leaves_the_dropdown_alone(state):
    import dash

    from ui.panels.data_import import on_upload

    b64 = base64.b64encode(b"name,grade\nx,red\n").decode()
    _, view, value, options = on_upload(
        state, contents=f"data:text/csv;base64,{b64}", uploaded=True, layer="enterprises",
        filename="x.csv", token=None, lang="zh")
    assert value is dash.no_update and options is dash.no_update
    assert _find(view, "imp-crs-hint") is None


def test_import_with_the_preselected_crs_lands_where_it_should(state):
    import pyproj

    from risk.coords import gcj02_to_wgs84
    from ui.panels.data_import import on_upload

    b64 = base64.b64encode(GCJ_CSV.encode("gbk")).decode()
    token, _view, value, _ = on_upload(
        state, contents=f"data:text/csv;base64,{b64}", uploaded=True, layer="enterprises",
        filename="台账.csv", token=None, lang="zh")
    _view, _report, written = run_import(state, token=token["token"], filename="台账.csv",
                                         layer="enterprises", crs=value, mode="replace",
                                         strict=False, mapping_rows=None, lang="zh")
    assert written
    got = Dataset.load(state.data_dir).enterprises.set_index("name").geometry["甲燃气有限公司"]
    lon, lat = gcj02_to_wgs84(114.0550, 22.5470)  # read as GCJ-02, shifted back onto WGS 84
    assert pyproj.Geod(ellps="WGS84").inv(got.x, got.y, float(lon), float(lat))[2] < 0.01


def test_a_bad_crs_value_gives_a_message(state):
    up = _upload(CSV, "台账.csv")
    view, report, written = run_import(state, token=up["token"], filename=up["filename"],
                                       layer="enterprises", crs="mars", mode="replace",
                                       strict=False, mapping_rows=None, lang="zh")
    assert not written and report is None
    assert view.className == "error" and "`crs` must be one of" in view.children


def test_uploads_are_private(state):
    import stat

    from ui.panels.data_import import _upload_path

    up = _upload(CSV, "台账.csv")
    assert stat.S_IMODE(_upload_path(up["token"]).stat().st_mode) == 0o600


def test_a_written_import_reloads_the_map_through_the_bridge(state):
    import dash

    from layers.bridge import RELOAD
    from ui.panels.data_import import on_import

    up = _upload(CSV, "台账.csv")
    _view, stored, reload, version = on_import(
        state, token=up, layer="enterprises", crs="", mode="replace", strict=[],
        mapping_rows=None, lang="en")
    assert reload == {"type": RELOAD, "src": f"map/analyst.html?lang=en&v={state.version}"}
    assert version == state.version and base64.b64decode(stored).startswith(b"\xef\xbb\xbf")
    _view, _stored, reload, version = on_import(
        state, token=up, layer="enterprises", crs="", mode="replace", strict=["strict"],
        mapping_rows=None, lang="en")
    assert reload is dash.no_update and version is dash.no_update
