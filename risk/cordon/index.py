"""The exposure index: a dataset's layers turned into arrays once, so that every click is fast.

Point layers become lat-sorted coordinate arrays (a box query is two binary searches); polygon
and line layers keep their bounds; roads are densified to ~200 m vertex arrays for the
checkpoints; a population GeoTIFF of up to 25M cells is read into memory once (a larger one
is read window by window on each call).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from risk.grades import GRADES

__all__ = ["ExposureIndex", "PopulationSource"]


@dataclass(frozen=True)
class _Points:
    """A point layer as lat-sorted coordinate arrays plus its attribute columns (same order)."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    columns: dict[str, NDArray[Any]]

    @classmethod
    def from_gdf(cls, gdf: gpd.GeoDataFrame | None) -> _Points:
        if gdf is None or len(gdf) == 0:
            return cls(np.empty(0), np.empty(0), {})
        geom = gdf.geometry
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            geom = geom.to_crs(4326)
        ok = ~(geom.isna() | geom.is_empty).to_numpy()
        xy = shapely.get_coordinates(shapely.centroid(geom.to_numpy()[ok]))
        order = np.argsort(xy[:, 1], kind="stable")
        rows = np.flatnonzero(ok)[order]
        columns = {
            str(c): gdf[c].to_numpy()[rows] for c in gdf.columns if c != gdf.geometry.name
        }
        return cls(np.ascontiguousarray(xy[order, 0]), np.ascontiguousarray(xy[order, 1]), columns)

    def __len__(self) -> int:
        return int(self.lon.size)

    def in_box(self, box: tuple[float, float, float, float]) -> NDArray[np.intp]:
        lo, hi = np.searchsorted(self.lat, [box[1], box[3]], side="left")
        lons = self.lon[lo:hi]
        return lo + np.flatnonzero((lons >= box[0]) & (lons <= box[2]))


@dataclass(frozen=True)
class _Shapes:
    """A polygon/line layer with its bounds cached."""

    gdf: gpd.GeoDataFrame
    bounds: NDArray[np.float64]
    table: pd.DataFrame
    geoms: NDArray[Any]
    columns: dict[str, NDArray[Any]]
    label_xy: NDArray[np.float64]
    """A point on each shape (``point_on_surface``), for tables and labels."""

    @classmethod
    def from_gdf(cls, gdf: gpd.GeoDataFrame | None) -> _Shapes:
        if gdf is None or len(gdf) == 0:
            empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=4326))
            return cls(empty, np.empty((0, 4)), pd.DataFrame(), np.empty(0, dtype=object), {},
                       np.empty((0, 2)))
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs(4326)
        keep = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
        gdf = gdf[keep].reset_index(drop=True)
        table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        geoms = gdf.geometry.to_numpy()
        columns = {str(c): table[c].to_numpy() for c in table.columns}
        label_xy = shapely.get_coordinates(shapely.point_on_surface(geoms))
        return cls(gdf, shapely.bounds(geoms), table, geoms, columns, label_xy)

    def in_box(self, box: tuple[float, float, float, float]) -> NDArray[np.intp]:
        b = self.bounds
        return np.flatnonzero(
            (b[:, 2] >= box[0]) & (b[:, 0] <= box[2]) & (b[:, 3] >= box[1]) & (b[:, 1] <= box[3])
        )


@dataclass(frozen=True)
class _RoadVertices:
    """Road lines densified to <= 0.002 degrees (~200 m) as flat vertex arrays.

    ``part`` numbers each single line (multi-lines are split) and ``road`` gives its row in the
    roads table; a segment joins vertices ``i`` and ``i + 1`` when their ``part`` is equal.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    part: NDArray[np.intp]
    road: NDArray[np.intp]

    @classmethod
    def from_shapes(cls, shapes: _Shapes) -> _RoadVertices:
        geoms = shapes.gdf.geometry.to_numpy()
        if len(geoms) == 0:
            empty = np.empty(0)
            return cls(empty, empty, empty.astype(np.intp), empty.astype(np.intp))
        parts, owner = shapely.get_parts(geoms, return_index=True)
        dense = shapely.segmentize(parts, 0.002)
        xy, part = shapely.get_coordinates(dense, return_index=True)
        return cls(xy[:, 0].copy(), xy[:, 1].copy(), part, owner[part])


PopulationSource = str | os.PathLike[str] | tuple[NDArray[Any], Any, Any]


@dataclass(frozen=True)
class ExposureIndex:
    """Layers turned into arrays once, so that :func:`exposure` is fast on every click.

    Build it with :meth:`from_layers` when the dataset is loaded; it never changes the layers.
    """

    enterprises: _Points
    grade_code: NDArray[np.int8]
    major_hazard: NDArray[np.bool_]
    shelters: _Points
    waterlogging: _Points
    slopes: _Shapes
    roads: _Shapes
    road_vertices: _RoadVertices
    population: PopulationSource | None = None
    population_path: str | None = None
    """The GeoTIFF :attr:`population` was read from (``None``: given as an array)."""

    def holds_population(self, source: PopulationSource) -> bool:
        """Whether ``source`` is the GeoTIFF this index already holds (so a caller passing the
        dataset's path again does not make :func:`exposure` re-open the file on every call)."""
        return (self.population_path is not None and not isinstance(source, tuple)
                and os.fspath(source) == self.population_path)

    @classmethod
    def from_layers(
        cls,
        layers: Mapping[str, gpd.GeoDataFrame | None],
        *,
        population: PopulationSource | None = None,
    ) -> ExposureIndex:
        """Index ``{"enterprises", "shelters", "slopes", "waterlogging", "roads"}`` (EPSG:4326).

        Any layer may be missing or empty. ``population`` is a GeoTIFF path or an
        ``(array, transform, crs)`` triple (people per cell).
        """
        ent = _Points.from_gdf(layers.get("enterprises"))
        if len(ent) and "grade" in ent.columns:
            cats = pd.Categorical(ent.columns["grade"], categories=[g.value for g in GRADES])
            grade = np.asarray(cats.codes, dtype=np.int8)  # -1 where not a grade code
        else:
            grade = np.full(len(ent), -1, dtype=np.int8)
        if len(ent) and "major_hazard" in ent.columns:
            major = pd.Series(ent.columns["major_hazard"]).fillna(False).astype(bool).to_numpy()
        else:
            major = np.zeros(len(ent), dtype=bool)
        roads = _Shapes.from_gdf(checkpoint_roads(layers.get("roads")))
        return cls(
            enterprises=ent,
            grade_code=grade,
            major_hazard=major,
            shelters=_Points.from_gdf(layers.get("shelters")),
            waterlogging=_Points.from_gdf(layers.get("waterlogging")),
            slopes=_Shapes.from_gdf(layers.get("slopes")),
            roads=roads,
            road_vertices=_RoadVertices.from_shapes(roads),
            population=_cache_raster(population),
            population_path=(None if population is None or isinstance(population, tuple)
                             else os.fspath(population)),
        )


CHECKPOINT_SKIP_CLASSES = frozenset({"local"})
"""Network classes (the roads' ``class`` column) that get no checkpoint: a cordon is held on
the through roads; the local streets of a city grid would give hundreds of points per ring."""


def checkpoint_roads(roads: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The roads that checkpoints are placed on: all of them, but the local streets of a
    routable network (:data:`CHECKPOINT_SKIP_CLASSES`)."""
    if roads is None or "class" not in roads.columns:
        return roads
    keep = ~roads["class"].astype(str).isin(CHECKPOINT_SKIP_CLASSES).to_numpy()
    return roads[keep]


def _cache_raster(
    source: PopulationSource | None, *, max_cells: int = 25_000_000
) -> PopulationSource | None:
    """A GeoTIFF small enough is read once into ``(array, transform, crs)`` (nodata → 0), which
    saves opening the file on every click; a larger one stays a path (windows read per call)."""
    if source is None or isinstance(source, tuple):
        return source
    import rasterio

    with rasterio.open(source) as src:
        if src.width * src.height > max_cells:
            return source
        data = src.read(1).astype(np.float64)
        if src.nodata is not None:
            data[data == src.nodata] = 0.0
        data[~np.isfinite(data)] = 0.0
        return (data, src.transform, pyproj.CRS.from_user_input(src.crs.to_wkt()))


