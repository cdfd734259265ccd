"""Where datasets live. All reading and writing of layers goes through a :class:`Store`.

The embedded default, :class:`FileStore`, is a folder holding one GeoPackage per vector layer
(``enterprises.gpkg`` …, each opens in QGIS), GeoTIFFs for rasters (``dem.tif``,
``population.tif``) and ``dataset.json`` with the dataset's description and sources.
A central PostGIS store for multi-user bureaus would implement the same small protocol.

Every write is atomic and durable (:func:`risk.files.atomic_path`): the new file is written
beside the old one (a layer's GeoPackage by the GDAL driver itself), fsynced and moved over it
with :func:`os.replace`, and the folder is fsynced; a failure half-way leaves the previous data
exactly as it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pyogrio

from risk.files import atomic_path, write_text_atomic

__all__ = ["Store", "FileStore", "StoreError"]


class StoreError(OSError):
    """A layer or raster could not be read or written."""


class Store(Protocol):
    """What the rest of the app needs from a dataset store."""

    def describe(self) -> str: ...
    def has_layer(self, name: str) -> bool: ...
    def layer_location(self, name: str) -> str: ...
    def read_layer(self, name: str) -> gpd.GeoDataFrame: ...
    def write_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None: ...
    def raster_path(self, name: str) -> Path | None: ...
    def read_meta(self) -> dict[str, Any]: ...
    def write_meta(self, meta: dict[str, Any]) -> None: ...


class FileStore:
    """A folder of GeoPackages and GeoTIFFs (the embedded default)."""

    META = "dataset.json"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"FileStore({str(self.root)!r})"

    def describe(self) -> str:
        return str(self.root)

    def layer_file(self, name: str) -> Path:
        return self.root / f"{name}.gpkg"

    def layer_location(self, name: str) -> str:
        return str(self.layer_file(name))

    def has_layer(self, name: str) -> bool:
        return self.layer_file(name).is_file()

    def read_layer(self, name: str) -> gpd.GeoDataFrame:
        path = self.layer_file(name)
        if not path.is_file():
            raise StoreError(f"layer {name!r}: no file {path}")
        try:
            return gpd.read_file(path, engine="pyogrio")
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise StoreError(f"layer {name!r}: cannot read {path}: {exc}") from exc

    def write_layer(self, name: str, gdf: gpd.GeoDataFrame) -> None:
        """Replace layer ``name`` atomically."""
        path = self.layer_file(name)
        with atomic_path(path) as tmp:  # the driver creates the GeoPackage at the temporary path
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")

    def raster_path(self, name: str) -> Path | None:
        path = self.root / f"{name}.tif"
        return path if path.is_file() else None

    @contextmanager
    def atomic_raster(self, name: str) -> Iterator[Path]:
        """Yield a temporary path to write raster ``name`` to; it replaces the old one on success."""
        with atomic_path(self.root / f"{name}.tif") as tmp:
            yield tmp

    def read_meta(self) -> dict[str, Any]:
        path = self.root / self.META
        if not path.is_file():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def write_meta(self, meta: dict[str, Any]) -> None:
        write_text_atomic(self.root / self.META, json.dumps(meta, ensure_ascii=False, indent=2))
