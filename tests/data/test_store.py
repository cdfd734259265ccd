"""Stores: round trips, and atomic writes that leave the old data untouched on failure; the
``any_store`` tests run on a folder (FileStore) and on PostGIS (PostGISStore)."""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from geopandas.testing import assert_geodataframe_equal
from rasterio.transform import Affine
from shapely.geometry import Point

from data.store import FileStore, LayerChange, StoreError, VersionError


def _points(n: int = 3) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": [f"E{i}" for i in range(n)], "name": [f"企业<{i}>&" for i in range(n)],
         "grade": ["red", "blue", "yellow"][:n]},
        geometry=[Point(114.0 + i / 100, 22.5) for i in range(n)], crs=4326,
    )


def _leftovers(store: FileStore) -> list[str]:
    return sorted(p.name for p in store.root.iterdir() if p.name.startswith("."))


def test_layer_round_trip(tmp_path):
    store = FileStore(tmp_path / "new")
    assert not store.has_layer("enterprises")
    store.write_layer("enterprises", _points())
    assert store.has_layer("enterprises")
    assert store.layer_location("enterprises") == str(tmp_path / "new" / "enterprises.gpkg")
    back = store.read_layer("enterprises")
    assert_geodataframe_equal(back, _points(), check_dtype=False)


def test_reading_a_missing_or_broken_layer_names_it(tmp_path):
    store = FileStore(tmp_path)
    with pytest.raises(StoreError, match="layer 'slopes': no file .*slopes.gpkg"):
        store.read_layer("slopes")
    (tmp_path / "slopes.gpkg").write_bytes(b"not a geopackage")
    with pytest.raises(StoreError, match="layer 'slopes': cannot read"):
        store.read_layer("slopes")


def test_failed_layer_write_leaves_old_file_byte_identical(tmp_path, monkeypatch):
    store = FileStore(tmp_path)
    store.write_layer("enterprises", _points())
    before = (tmp_path / "enterprises.gpkg").read_bytes()

    def half_write(self, path, *args, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"half a geopackage")
        raise RuntimeError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", half_write)
    with pytest.raises(RuntimeError, match="disk full"):
        store.write_layer("enterprises", _points(2))
    assert (tmp_path / "enterprises.gpkg").read_bytes() == before
    assert _leftovers(store) == []


def test_unserialisable_frame_leaves_old_file_byte_identical(tmp_path):
    store = FileStore(tmp_path)
    store.write_layer("enterprises", _points())
    before = (tmp_path / "enterprises.gpkg").read_bytes()
    bad = _points()
    bad["score"] = np.array([1 + 2j, 3j, 0j])  # GeoPackage has no complex field type
    with pytest.raises(NotImplementedError, match="complex"):
        store.write_layer("enterprises", bad)
    assert (tmp_path / "enterprises.gpkg").read_bytes() == before
    assert _leftovers(store) == []
    assert_geodataframe_equal(store.read_layer("enterprises"), _points(), check_dtype=False)


def test_meta_round_trip_and_failed_write(tmp_path):
    store = FileStore(tmp_path)
    assert store.read_meta() == {}
    store.write_meta({"title": "深圳", "synthetic": True})
    assert store.read_meta() == {"title": "深圳", "synthetic": True}
    before = (tmp_path / "dataset.json").read_bytes()
    with pytest.raises(TypeError):
        store.write_meta({"title": "x", "bad": {1, 2}})  # a set is not JSON
    assert (tmp_path / "dataset.json").read_bytes() == before
    assert _leftovers(store) == []


def _write_tif(path, value: float) -> None:
    with rasterio.open(path, "w", driver="GTiff", width=4, height=3, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(0.1, 0, 114, 0, -0.1, 22.6)) as dst:
        dst.write(np.full((3, 4), value, dtype="float32"), 1)


def test_atomic_raster_replaces_on_success_and_keeps_old_on_failure(tmp_path):
    store = FileStore(tmp_path)
    assert store.raster_path("dem") is None
    with store.atomic_raster("dem") as tmp:
        assert tmp.parent == tmp_path and not tmp.exists()
        _write_tif(tmp, 5.0)
    path = store.raster_path("dem")
    assert path == tmp_path / "dem.tif"
    before = path.read_bytes()
    with pytest.raises(ValueError, match="boom"), store.atomic_raster("dem") as tmp:
        _write_tif(tmp, 9.0)
        raise ValueError("boom")
    assert path.read_bytes() == before
    assert _leftovers(store) == []
    with rasterio.open(path) as src:
        assert (src.read(1) == 5.0).all()


# -- every store: the same behaviour on a folder and on PostGIS (``any_store``) ------------------


def test_any_store_layer_round_trip(any_store):
    assert not any_store.has_layer("enterprises")
    before = any_store.data_version()
    any_store.write_layer("enterprises", _points())
    assert any_store.has_layer("enterprises")
    assert any_store.data_version() != before
    assert "enterprises" in any_store.layer_location("enterprises")
    assert_geodataframe_equal(any_store.read_layer("enterprises"), _points(), check_dtype=False)
    any_store.write_layer("enterprises", _points(2))  # replaced, not appended
    assert any_store.read_layer("enterprises")["id"].tolist() == ["E0", "E1"]


def test_any_store_missing_layer_names_it(any_store):
    with pytest.raises(StoreError, match="layer 'slopes': no "):
        any_store.read_layer("slopes")


def test_any_store_unserialisable_frame_leaves_the_old_layer(any_store):
    any_store.write_layer("enterprises", _points())
    bad = _points()
    bad["score"] = np.array([1 + 2j, 3j, 0j])
    with pytest.raises(NotImplementedError, match="complex"):
        any_store.write_layer("enterprises", bad)
    assert_geodataframe_equal(any_store.read_layer("enterprises"), _points(), check_dtype=False)


def test_any_store_meta_round_trip_and_failed_write(any_store):
    assert any_store.read_meta() == {}
    any_store.write_meta({"title": "深圳", "synthetic": True})
    with pytest.raises(TypeError):
        any_store.write_meta({"title": "x", "bad": {1, 2}})
    assert any_store.read_meta() == {"title": "深圳", "synthetic": True}


def test_any_store_atomic_raster(any_store, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKMAP_CACHE", str(tmp_path / "cache"))
    assert any_store.raster_path("dem") is None
    with any_store.atomic_raster("dem") as tmp:
        _write_tif(tmp, 5.0)
    with pytest.raises(ValueError, match="boom"), any_store.atomic_raster("dem") as tmp:
        _write_tif(tmp, 9.0)
        raise ValueError("boom")
    with rasterio.open(any_store.raster_path("dem")) as src:
        assert (src.read(1) == 5.0).all()


def _add_row(row_id: str, *, wait: threading.Event | None = None,
             entered: threading.Event | None = None):
    def build(current):
        if entered is not None:
            entered.set()
        if wait is not None:
            wait.wait(10)
        rows = [] if current is None else current.to_dict("records")
        rows.append({"id": row_id, "name": row_id, "grade": "red",
                     "geometry": Point(114.1, 22.6)})
        return LayerChange(frame=gpd.GeoDataFrame(rows, geometry="geometry", crs=4326), added=1)
    return build


def test_any_store_change_layer_and_restore(any_store):
    any_store.write_layer("enterprises", _points())
    info = any_store.change_layer("enterprises", _add_row("N1"), actor="li", mode="append",
                                  file="new.csv")
    assert (info.version, info.rows, info.added, info.file) == (2, 4, 1, "new.csv")
    versions = any_store.list_versions("enterprises")
    assert [(v.version, v.mode, v.rows) for v in versions] == [(2, "append", 4),
                                                               (1, "baseline", 3)]
    assert len(any_store.read_version("enterprises", 1)) == 3
    restored = any_store.restore_version("enterprises", 1, actor="wang")
    assert (restored.version, restored.restored_from, restored.mode) == (3, 1, "restore")
    assert any_store.read_layer("enterprises")["id"].tolist() == ["E0", "E1", "E2"]
    assert [r["action"] for r in any_store.db.audit_rows()] == [
        "layer.baseline", "layer.append", "layer.restore"]
    with pytest.raises(VersionError, match="has no version 9"):
        any_store.restore_version("enterprises", 9, actor="wang")


def test_any_store_concurrent_changes_both_land(any_store):
    entered, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def change(build, actor):
        try:
            any_store.change_layer("enterprises", build, actor=actor, mode="append")
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    t1 = threading.Thread(target=change, args=(_add_row("A", wait=release, entered=entered),
                                               "a"))
    t1.start()
    assert entered.wait(10)
    t2 = threading.Thread(target=change, args=(_add_row("B"), "b"))
    t2.start()
    release.set()
    t1.join(20)
    t2.join(20)
    assert not errors
    assert any_store.read_layer("enterprises")["id"].tolist() == ["A", "B"]
    assert [(r["actor"], r["action"]) for r in any_store.db.audit_rows()] == [
        ("a", "layer.append"), ("b", "layer.append")]


def test_sample_loads_as_the_same_dataset_from_every_store(sample_any_store, small_dataset):
    from data.dataset import Dataset

    loaded = Dataset.load(sample_any_store)
    assert set(loaded.layers) == set(small_dataset.layers) and not loaded.errors
    for name, frame in small_dataset.layers.items():
        assert_geodataframe_equal(loaded.layers[name], frame)
    assert loaded.meta == small_dataset.meta
    assert loaded.raster_path("dem").read_bytes() == small_dataset.raster_path("dem").read_bytes()
