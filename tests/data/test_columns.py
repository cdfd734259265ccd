"""Header recognition and remembered mappings (data.columns)."""

from __future__ import annotations

import json

import pytest

from data.columns import (
    MappingError,
    guess_mapping,
    load_remembered,
    normalise_header,
    parse_mapping,
    remember_mapping,
    resolve_mapping,
)


def test_normalise_full_width_whitespace_and_markers():
    assert normalise_header("　企业　名称 ") == "企业名称"
    assert normalise_header("*ＬＯＮ") == "lon"
    assert normalise_header("最大积水深度（ｃｍ）") == "最大积水深度(cm)"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["单位名称", "东经", "北纬", "风险级别", "行业", "区县", "详细地址", "是否重大危险源",
          "检查时间"],
         ["name", "lon", "lat", "grade", "industry", "district", "address", "major_hazard",
          "last_inspection"]),
        (["Name", "Longitude", "Latitude", "Grade", "Industry", "District"],
         ["name", "lon", "lat", "grade", "industry", "district"]),
        (["企 业 名 称", "ｌｎｇ", "ｌａｔ", "风险等级"], ["name", "lon", "lat", "grade"]),
    ],
)
def test_enterprise_headers(headers, expected):
    mapping = guess_mapping(headers, "enterprises")
    assert [mapping[h] for h in headers] == expected


def test_per_layer_headers_and_units():
    water = guess_mapping(["积水点名称", "最大积水深度(cm)", "积水次数", "x", "y"], "waterlogging")
    assert water == {"积水点名称": "name", "最大积水深度(cm)": "max_depth_cm",
                     "积水次数": "occurrences", "x": "lon", "y": "lat"}
    shelters = guess_mapping(["避难场所名称", "避难场所类型", "面积（㎡）", "容纳人数"], "shelters")
    assert set(shelters.values()) == {"name", "shelter_type", "area_m2", "capacity"}
    # the same header means different things in different layers
    assert guess_mapping(["行政区"], "districts") == {"行政区": "name"}
    assert guess_mapping(["行政区"], "enterprises") == {"行政区": "district"}


def test_each_target_used_once_and_unknown_left_out():
    mapping = guess_mapping(["名称", "企业名称", "备注"], "enterprises")
    assert mapping == {"名称": "name"}


def test_user_mapping_overrides_guesses_and_remembered():
    cols = ["单位", "单位名称", "X", "Y"]
    mapping, warnings = resolve_mapping(cols, "enterprises", user={"单位名称": "name", "单位": ""},
                                        remembered={"单位": "name"})
    assert mapping == {"单位名称": "name", "X": "lon", "Y": "lat"}
    assert warnings == []


def test_bad_targets_and_duplicates_raise():
    with pytest.raises(MappingError, match="not a column of layer 'enterprises'.*valid targets"):
        resolve_mapping(["a"], "enterprises", user={"a": "colour"})
    with pytest.raises(MappingError, match="maps both"):
        resolve_mapping(["a", "b"], "enterprises", user={"a": "name", "b": "name"})
    _, warnings = resolve_mapping(["a"], "enterprises", user={"zz": "name"})
    assert "zz" in warnings[0]


def test_parse_mapping_text_file_and_errors(tmp_path):
    assert parse_mapping('{"单位名称": "name", "备注": null}') == {"单位名称": "name", "备注": ""}
    f = tmp_path / "m.json"
    f.write_text(json.dumps({"单位名称": "name"}, ensure_ascii=False), encoding="utf-8-sig")
    assert parse_mapping(str(f)) == {"单位名称": "name"}
    with pytest.raises(MappingError, match="not valid JSON"):
        parse_mapping("{bad")
    with pytest.raises(MappingError, match="no such file"):
        parse_mapping(str(tmp_path / "missing.json"))
    with pytest.raises(MappingError, match="column name or null"):
        parse_mapping('{"a": 3}')


def test_remembered_per_layer(tmp_path):
    assert load_remembered(tmp_path, "enterprises") == {}
    remember_mapping(tmp_path, "enterprises", {"单位 名称": "name"})
    remember_mapping(tmp_path, "shelters", {"场地": "name"})
    remember_mapping(tmp_path, "enterprises", {"坐标Ｘ": "lon"})
    assert load_remembered(tmp_path, "enterprises") == {"单位名称": "name", "坐标x": "lon"}
    assert load_remembered(tmp_path, "shelters") == {"场地": "name"}
    mapping, _ = resolve_mapping(["单位名称", "坐标X", "纬度"], "enterprises",
                                 remembered=load_remembered(tmp_path, "enterprises"))
    assert mapping == {"单位名称": "name", "坐标X": "lon", "纬度": "lat"}
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_remembered_mapping_is_written_atomically(tmp_path, monkeypatch):
    import pytest

    import risk.files

    remember_mapping(tmp_path, "enterprises", {"单位": "name"})
    path = tmp_path / "import_mappings.json"
    before = path.read_bytes()

    def broken(target, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(risk.files.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        remember_mapping(tmp_path, "enterprises", {"地址": "address"})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["import_mappings.json"]


def test_sensitive_site_headers():
    from data.columns import guess_mapping

    assert guess_mapping(["学校名称", "类型", "在校人数", "所属区", "详细地址", "经度", "纬度", "编号"],
                         "sensitive_sites") == {
        "学校名称": "name", "类型": "kind", "在校人数": "people", "所属区": "district",
        "详细地址": "address", "经度": "lon", "纬度": "lat", "编号": "id"}
    assert guess_mapping(["医院名称", "机构类型", "床位数", "X", "Y"], "sensitive_sites") == {
        "医院名称": "name", "机构类型": "kind", "床位数": "people", "X": "lon", "Y": "lat"}
