"""The import tab's callbacks, called directly."""

import base64
import shutil

import dash
import pytest

from data.dataset import Dataset
from data.readers import ImportFileError
from ui.panels.data_import import _save_upload, _upload_path, preview_view, run_import
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


def _upload(state, text: str, name: str, encoding: str = "gbk") -> dict:
    b64 = base64.b64encode(text.encode(encoding)).decode()
    return {"token": _save_upload(state, f"data:text/csv;base64,{b64}", name), "filename": name}


def test_preview_guesses_the_chinese_headers(state):
    from pathlib import Path

    from ui.panels.data_import import _upload_path

    up = _upload(state, CSV, "台账.csv")
    view = preview_view(_upload_path(state, up["token"]), filename=up["filename"], layer="enterprises",
                        state=state, lang="zh")
    mapping = next(c for c in view.children if getattr(c, "id", None) == "imp-mapping")
    from ui.panels.data_import import target_of

    guessed = {r["source"]: target_of(r["target"], "enterprises") for r in mapping.rowData}
    assert guessed["企业名称"] == "name" and guessed["风险等级"] == "grade"
    assert guessed["经度"] == "lon" and guessed["纬度"] == "lat"
    assert Path(_upload_path(state, up["token"])).is_file()


def test_import_reports_every_rejected_row_and_the_app_sees_new_data(state):
    before = state.version
    up = _upload(state, CSV, "台账.csv")
    view, report, written, _ = run_import(state, token=up["token"], filename=up["filename"],
                                       layer="enterprises", crs="", mode="replace", confirmed=True, strict=False,
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
    up = _upload(state, CSV, "台账.csv")
    view, _report, written, _ = run_import(state, token=up["token"], filename=up["filename"],
                                        layer="enterprises", crs="", mode="replace", confirmed=True, strict=True,
                                        mapping_rows=None, lang="en")
    assert not written
    assert "nothing imported" in view.children[0].children
    assert (state.data_dir / "enterprises.gpkg").read_bytes() == before


def test_broken_file_gives_a_message(state):
    up = _upload(state, "", "empty.csv")
    view, report, written, _ = run_import(state, token=up["token"], filename=up["filename"],
                                       layer="enterprises", crs="", mode="replace", confirmed=True, strict=False,
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
        token, view, value, options, *_ = on_upload(
            state, contents=f"data:text/csv;base64,{b64}", uploaded=True, layer="enterprises",
            filename="台账.csv", token=None, lang=lang)
        assert value == expected and parse_crs(value).value == expected  # a registry value
        assert expected in [o["value"] for o in options]
        assert _find(view, "imp-crs-hint").children.startswith(shown)
        # changing the layer re-previews the same upload and keeps the detection
        _, _, again, _, *_ = on_upload(state, contents=None, uploaded=False, layer="enterprises",
                                   filename=None, token=token, lang=lang)
        assert again == expected


def test_a_detected_crs_outside_the_named_choices_is_added_to_the_dropdown(state):
    from ui.panels.data_import import on_upload

    zoned = GK_CSV.replace("505903.117", "38505903.117").replace("492671.880", "38492671.880")
    b64 = base64.b64encode(zoned.encode()).decode()
    _, view, value, options, *_ = on_upload(
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
    _, view, value, options, *_ = on_upload(
        state, contents=f"data:text/csv;base64,{b64}", uploaded=True, layer="enterprises",
        filename="x.csv", token=None, lang="zh")
    assert value is dash.no_update and options is dash.no_update
    assert _find(view, "imp-crs-hint") is None


def test_import_with_the_preselected_crs_lands_where_it_should(state):
    import pyproj

    from risk.coords import gcj02_to_wgs84
    from ui.panels.data_import import on_upload

    b64 = base64.b64encode(GCJ_CSV.encode("gbk")).decode()
    token, _view, value, _, *_ = on_upload(
        state, contents=f"data:text/csv;base64,{b64}", uploaded=True, layer="enterprises",
        filename="台账.csv", token=None, lang="zh")
    _view, _report, written, _ = run_import(state, token=token["token"], filename="台账.csv",
                                         layer="enterprises", crs=value, mode="replace", confirmed=True,
                                         strict=False, mapping_rows=None, lang="zh")
    assert written
    got = Dataset.load(state.data_dir).enterprises.set_index("name").geometry["甲燃气有限公司"]
    lon, lat = gcj02_to_wgs84(114.0550, 22.5470)  # read as GCJ-02, shifted back onto WGS 84
    assert pyproj.Geod(ellps="WGS84").inv(got.x, got.y, float(lon), float(lat))[2] < 0.01


def test_a_bad_crs_value_gives_a_message(state):
    up = _upload(state, CSV, "台账.csv")
    view, report, written, _ = run_import(state, token=up["token"], filename=up["filename"],
                                       layer="enterprises", crs="mars", mode="replace", confirmed=True,
                                       strict=False, mapping_rows=None, lang="zh")
    assert not written and report is None
    assert view.className == "error" and "`crs` must be one of" in view.children


def test_uploads_are_private(state):
    import stat

    from ui.panels.data_import import _upload_path

    up = _upload(state, CSV, "台账.csv")
    assert stat.S_IMODE(_upload_path(state, up["token"]).stat().st_mode) == 0o600


def test_a_written_import_reloads_the_map_through_the_bridge(state):
    import dash

    from layers.bridge import RELOAD
    from ui.panels.data_import import on_import

    up = _upload(state, CSV, "台账.csv")
    _view, stored, reload, version, *_ = on_import(
        state, token=up, layer="enterprises", crs="", mode="replace", strict=[],
        mapping_rows=None, lang="en", confirm=True,
        pending={"layer": "enterprises", "token": up["token"]})
    assert reload == {"type": RELOAD, "src": f"map/analyst.html?lang=en&v={state.version}"}
    assert version == state.version and base64.b64decode(stored).startswith(b"\xef\xbb\xbf")
    up = _upload(state, CSV, "台账.csv")  # the first import removed its upload
    _view, _stored, reload, version, *_ = on_import(
        state, token=up, layer="enterprises", crs="", mode="append", strict=["strict"],
        mapping_rows=None, lang="en")
    assert reload is dash.no_update and version is dash.no_update


# -- modes, replace confirmation, versions and restore, limits, access ------------------------

REG = "企业编号,企业名称,经度,纬度,风险等级\n"


def _reg_upload(state, rows, name="reg.csv"):
    return _upload(state, REG + "".join(f"{r}\n" for r in rows), name, encoding="utf-8")


def test_the_default_mode_is_update(state):
    from ui import ids
    from ui.panels.data_import import layout

    radio = _find(layout(state, "zh"), ids.IMP_MODE)
    assert radio.value == "update"
    assert [o["value"] for o in radio.options] == ["update", "append", "replace"]


def test_replace_waits_for_the_confirmation_of_the_same_upload(state):
    from ui.panels.data_import import on_import

    going = len(state.full_dataset.enterprises)
    before = (state.data_dir / "enterprises.gpkg").read_bytes()
    up = _reg_upload(state, ["E1,甲,114.1,22.6,红"])
    args = dict(token=up, layer="enterprises", crs="", mode="replace", strict=[],
                mapping_rows=None, lang="zh")
    view, stored, _reload, _v, label, hidden, pending, _tok = on_import(state, **args)
    assert f"替换将删除图层现有的 {going:,} 行" in view.children
    assert label == f"确认替换 {going:,} 行" and hidden is False and stored is None
    assert pending == {"layer": "enterprises", "token": up["token"], "rows": going}
    assert (state.data_dir / "enterprises.gpkg").read_bytes() == before
    # a confirmation recorded for another upload (or layer) does not count: asked again
    other = on_import(state, **args, confirm=True, pending={**pending, "token": "x.csv"})
    assert other[5] is False and (state.data_dir / "enterprises.gpkg").read_bytes() == before
    # the server refuses a replace without the confirmation flag, whatever the browser sends
    _view, _report, written, waiting = run_import(
        state, token=up["token"], filename="reg.csv", layer="enterprises", crs="",
        mode="replace", strict=False, mapping_rows=None, lang="zh")
    assert not written and waiting == going
    view, stored, reload, version, label, hidden, pending, token = on_import(
        state, **args, confirm=True, pending=pending)
    assert hidden is True and pending is None and token is None
    assert f"删除 {going:,}" in _find(view, "imp-version-made").children
    assert list(Dataset.load(state.data_dir).enterprises["id"]) == ["E1"]
    with pytest.raises(ImportFileError, match="upload expired"):  # removed after the import
        _upload_path(state, up["token"])


def test_update_counts_and_the_versions_list_and_restore(state):
    from layers.bridge import RELOAD
    from ui import ids
    from ui.panels.data_import import on_import, on_restore, versions_view

    first = state.full_dataset.enterprises.copy()
    some = first.iloc[0]
    up = _reg_upload(state, [f"{some['id']},{some['name']},114.1,22.6,红",
                             "NEW1,新企业,114.1,22.6,蓝"])
    view, *_ = on_import(state, token=up, layer="enterprises", crs="", mode="update",
                         strict=[], mapping_rows=None, lang="en")
    made = _find(view, "imp-version-made").children
    assert made == "Version 2: 1 added, 1 changed, 0 removed"  # v1 = the layer as found
    assert len(state.full_dataset.enterprises) == len(first) + 1

    table = versions_view(state, "enterprises", "zh")
    cells = [[getattr(td.children, "children", td.children) for td in tr.children]
             for tr in table.children[1].children]
    assert [c[0] for c in cells] == ["2", "1"]
    assert cells[0][3] == "更新（按编号，默认）" and cells[0][4] == "reg.csv"
    assert cells[0][6] == "+1 / ~1 / -0" and cells[0][7] == "当前"
    assert cells[1][3] == "初始（首次导入前）"  # the baseline version, in words too
    restore = table.children[1].children[1].children[7].children
    assert restore.id == {"type": ids.IMP_RESTORE, "version": 1}

    # a click asks first; the restore happens only from the confirmation
    pending, label, hidden, message, reload, version = on_restore(
        state, trigger=restore.id, clicked=1, pending=None, layer="enterprises", lang="zh")
    assert pending == {"layer": "enterprises", "version": 1} and hidden is False
    assert label == f"确认恢复第 1 版（{len(first):,} 行）"
    assert len(state.full_dataset.enterprises) == len(first) + 1  # nothing restored yet
    redraw = on_restore(state, trigger=restore.id, clicked=None, pending=None,
                        layer="enterprises", lang="zh")
    assert redraw[0] is dash.no_update  # the list was redrawn: no click, nothing asked
    pending, label, hidden, message, reload, version = on_restore(
        state, trigger=ids.IMP_CONFIRM_RESTORE, clicked=1, pending=pending, layer="enterprises",
        lang="zh")
    assert message.children == f"已恢复第 1 版为第 3 版（{len(first):,} 行）"
    assert hidden is True and reload["type"] == RELOAD and version == state.version
    from geopandas.testing import assert_geodataframe_equal

    assert_geodataframe_equal(state.full_dataset.enterprises.reset_index(drop=True),
                              first.reset_index(drop=True))
    table = versions_view(state, "enterprises", "en")
    assert table.children[1].children[0].children[3].children == "restore"
    # confirming with nothing pending does nothing
    assert on_restore(state, trigger=ids.IMP_CONFIRM_RESTORE, clicked=2, pending=None,
                      layer="enterprises", lang="zh")[3] == ""


def test_an_oversize_upload_is_refused_in_the_callback(state, monkeypatch):
    from ui.panels.data_import import on_upload

    monkeypatch.setenv("RISKMAP_MAX_UPLOAD_MB", "0.01")  # 10 KB
    b64 = base64.b64encode(b"x" * 20_000).decode()
    token, view, _value, _options, *_ = on_upload(
        state, contents=f"data:text/csv;base64,{b64}", uploaded=True, layer="enterprises",
        filename="big.csv", token=None, lang="zh")
    assert token is None and view.className == "error"
    assert "超过上传上限 0 MB" in view.children or "over the upload limit" in view.children
    folder = state.data_dir / ".uploads"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_the_preview_of_a_wide_file_stays_bounded(state):
    import json

    import plotly

    from ui.panels.data_import import PREVIEW_CELL, PREVIEW_COLUMNS, PREVIEW_ROWS

    n = 450  # under the readers' column limit (RISKMAP_MAX_COLUMNS, 500)
    header = ["企业名称", "经度", "纬度", "风险等级", *[f"c{i}" for i in range(n)]]
    rows = [["甲" * 1000, "114.1", "22.6", "红", *(["v" * 300] * n)] for _ in range(40)]
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    up = _upload(state, text, "wide.csv", encoding="utf-8")
    view = preview_view(_upload_path(state, up["token"]), filename="wide.csv",
                        layer="enterprises", state=state, lang="en")
    size = len(json.dumps(view.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder))
    assert size < 400_000, size
    preview_table = _find(view, "imp-preview-grid")
    assert len(preview_table.rowData) <= PREVIEW_ROWS
    assert len(preview_table.columnDefs) <= PREVIEW_COLUMNS + 2  # + row number and geometry
    assert max(len(v) for r in preview_table.rowData for v in r.values()) <= PREVIEW_CELL
    assert max(len(c["headerName"]) for c in preview_table.columnDefs) <= PREVIEW_CELL
    assert len(_find(view, "imp-mapping").rowData) <= PREVIEW_COLUMNS
    assert _find(view, "imp-more-columns").children.startswith(f"{n + 4 - PREVIEW_COLUMNS:,} more")


@pytest.mark.parametrize(("user", "message"), [
    (None, "please log in"), ("analyst", "needs the data staff role"),
    ("scoped", "cannot import"),
])
def test_callbacks_refuse_who_may_not_import(state, user, message):
    import flask

    from data.accounts import User
    from ui import access
    from ui.panels.data_import import layout, on_restore, versions_view

    who = {None: None, "analyst": User("zhang", "analyst"),
           "scoped": User("li", "data", districts=("南山区",))}[user]
    up = _reg_upload(state, ["E1,甲,114.1,22.6,红"])
    before = (state.data_dir / "enterprises.gpkg").read_bytes()
    with flask.Flask(__name__).test_request_context("/"):
        access.set_current_user(who)
        view, _r, written, _w = run_import(state, token=up["token"], filename="a.csv",
                                           layer="enterprises", crs="", mode="update",
                                           strict=False, mapping_rows=None, lang="en")
        assert not written and message in view.children
        assert message in on_restore(state, trigger="imp-confirm-restore", clicked=1,
                                     pending={"layer": "enterprises", "version": 1},
                                     layer="enterprises", lang="en")[3].children
        assert versions_view(state, "enterprises", "en") == ""
        assert _find(layout(state, "en"), "imp-run") is None
        access.set_current_user(User("wang", "data"))
        assert _find(layout(state, "en"), "imp-run") is not None
    assert (state.data_dir / "enterprises.gpkg").read_bytes() == before


def test_the_actor_is_the_logged_in_user(state):
    import flask

    from data.accounts import User
    from ui import access

    up = _reg_upload(state, ["NEWX,甲,114.1,22.6,红"])
    with flask.Flask(__name__).test_request_context("/"):
        access.set_current_user(User("wang", "data"))
        _v, _r, written, _w = run_import(state, token=up["token"], filename="a.csv",
                                         layer="enterprises", crs="", mode="update",
                                         strict=False, mapping_rows=None, lang="en")
    assert written and state.store.list_versions("enterprises")[0].actor == "wang"


CUT = ("企业名称,经度,纬度,风险等级,所属区,法人\n"
       "甲燃气有限公司,114.05,22.55,红,福田区,张三\n"
       "乙化工,113.93,22.53,橙,南山区,李四\n"
       "丙公司,114.06,22.5")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_preview_names_a_truncated_file_and_the_extra_columns(state, lang):
    from ui.panels.data_import import on_upload

    b64 = base64.b64encode(CUT.encode("gbk")).decode()
    token, view, _v, _o, box_hidden, ticked = on_upload(
        state, contents=f"data:text/csv;base64,{b64}", uploaded=True, layer="enterprises",
        filename="cut.csv", token=None, lang=lang)
    assert box_hidden is False and ticked == []  # the confirmation shows, unticked
    cut = _find(view, "imp-truncated").children
    assert ("第 4 行" in cut and "不确认则不会写入" in cut) if lang == "zh" else (
        "row 4" in cut and "looks truncated" in cut)
    assert "法人" in _find(view, "imp-extra-columns").children
    whole = base64.b64encode((CUT + "\n").replace("丙公司,114.06,22.5\n", "").encode()).decode()
    _t, view, _v, _o, box_hidden, ticked = on_upload(
        state, contents=f"data:text/csv;base64,{whole}", uploaded=True, layer="enterprises",
        filename="whole.csv", token=token, lang=lang)
    assert box_hidden is True and ticked == [] and _find(view, "imp-truncated") is None


def test_a_truncated_file_is_imported_only_when_the_box_is_ticked(state):
    from ui.panels.data_import import on_import

    before = (state.data_dir / "enterprises.gpkg").read_bytes()
    up = _upload(state, CUT, "cut.csv")
    args = dict(token=up, layer="enterprises", crs="", mode="append", strict=[],
                mapping_rows=None, lang="zh")
    view, stored, reload, _v, *_rest, token = on_import(state, **args)
    assert "文件可能不完整" in view.children and "未写入任何数据" in view.children
    assert stored is None and reload is dash.no_update and token is dash.no_update
    assert (state.data_dir / "enterprises.gpkg").read_bytes() == before  # nothing written
    view, stored, reload, *_ = on_import(state, **args, allow_truncated=["yes"])
    assert "已导入 2 行，1 行未通过" in _find(view, "imp-result-body").children[0].children
    got = state.dataset.enterprises.set_index("name")
    assert got.loc["乙化工", "法人"] == "李四" and "丙公司" not in got.index


def test_an_import_that_changes_nothing_says_so_once(state):
    text = "企业编号,企业名称,经度,纬度,风险等级\nU1,甲,114.05,22.55,红\n"
    for attempt in range(2):
        up = _upload(state, text, "same.csv")
        view, _report, written, _ = run_import(
            state, token=up["token"], filename="same.csv", layer="enterprises", crs="",
            mode="update", strict=False, mapping_rows=None, lang="en")
        assert written == (attempt == 0)
    said = [c.children for c in view.children if isinstance(getattr(c, "children", None), str)]
    assert sum("nothing changed" in t for t in said) == 1, said


def test_an_unmapped_column_defaults_to_kept_and_ignore_drops_it(state):
    from ui.panels.data_import import IGNORE, KEEP, target_of

    text = "企业编号,企业名称,经度,纬度,风险等级,法人,联系电话\nK1,甲,114.05,22.55,红,张三,0755\n"
    up = _upload(state, text, "k.csv")
    view = preview_view(_upload_path(state, up["token"]), filename="k.csv", layer="enterprises",
                        state=state, lang="zh")
    mapping = _find(view, "imp-mapping")
    rows = {r["source"]: r["target"] for r in mapping.rowData}
    # the grid shows and edits words; they name the targets in either language
    assert rows["法人"] == rows["联系电话"] == "（保留为附加属性）" and rows["企业名称"] == "企业名称 name"
    editor = next(c for c in mapping.columnDefs if c["field"] == "target")
    assert editor["editable"] and "（忽略，不导入）" in editor["cellEditorParams"]["values"]
    assert target_of("（保留为附加属性）", "enterprises") == KEEP
    assert target_of("(ignore: not imported)", "enterprises") == IGNORE
    assert target_of("Enterprise name (name)", "enterprises") in (None, "name")
    assert target_of("<script>", "enterprises") is None
    edited = [{**r, "target": "（忽略，不导入）"} if r["source"] == "联系电话" else r
              for r in mapping.rowData]
    _view, _report, written, _ = run_import(
        state, token=up["token"], filename="k.csv", layer="enterprises", crs="",
        mode="update", strict=False, mapping_rows=edited, lang="zh")
    got = state.dataset.enterprises.set_index("id")
    assert written and got.loc["K1", "法人"] == "张三" and "联系电话" not in got.columns
