"""FileStore: round trips, and atomic writes that leave the old file untouched on failure."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from geopandas.testing import assert_geodataframe_equal
from rasterio.transform import Affine
from shapely.geometry import Point

from data.store import FileStore, StoreError


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
