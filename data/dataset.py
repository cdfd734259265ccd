"""Load a whole dataset once: every layer validated, every rejected row kept with its reason."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import pandas as pd
import shapely

from data import SAMPLE_DIR
from data.schema import LAYERS, LayerError, validate_layer
from data.store import FileStore, Store, StoreError
from risk.crs import metric_crs

__all__ = ["Dataset", "default_data_dir", "REGION_MARGIN_M"]

REGION_MARGIN_M = 2_000.0
"""Points up to this far outside the districts (coast, piers, reclaimed land) still count as in."""


def default_data_dir() -> Path:
    """``$RISKMAP_DATA`` if set, else :data:`data.SAMPLE_DIR` (the per-user sample folder).

    >>> import os
    >>> saved = dict(os.environ)
    >>> os.environ["RISKMAP_DATA"] = "/srv/bureau-data"
    >>> str(default_data_dir())
    '/srv/bureau-data'
    >>> del os.environ["RISKMAP_DATA"]
    >>> default_data_dir() == SAMPLE_DIR
    True
    >>> os.environ.update(saved)
    """
    env = os.environ.get("RISKMAP_DATA")
    return Path(env) if env else SAMPLE_DIR


def region_of(districts: gpd.GeoDataFrame, *, margin_m: float = REGION_MARGIN_M) -> shapely.Geometry:
    """The union of the districts grown by ``margin_m`` metres (in :func:`risk.crs.metric_crs`),
    in EPSG:4326."""
    metric = districts.to_crs(metric_crs(districts))
    grown = shapely.buffer(metric.union_all(), margin_m)
    return gpd.GeoSeries([grown], crs=metric.crs).to_crs(4326).iloc[0]


@dataclass
class Dataset:
    """All layers of one dataset, validated, in EPSG:4326."""

    store: Store
    meta: dict[str, Any]
    layers: dict[str, gpd.GeoDataFrame]
    rejected: pd.DataFrame
    region: shapely.Geometry | None = None
    errors: dict[str, str] = field(default_factory=dict)
    """Layers that could not be used at all, with the reason."""
    scope: tuple[str, ...] | None = None
    """The districts this view is limited to (:meth:`restricted`); ``None``: the whole dataset."""

    @classmethod
    def load(cls, root: str | os.PathLike[str] | Store | None = None) -> Dataset:
        """Read and validate every layer the store holds.

        A layer that cannot be used at all (missing required column …) is left out and its reason
        kept in :attr:`errors`; rows that fail validation are kept in :attr:`rejected`.
        """
        # Duck-typed: anything with ``read_layer`` is taken as a Store (the Protocol is not
        # runtime-checkable, so mypy cannot narrow on hasattr alone).
        store: Store = (cast(Store, root) if hasattr(root, "read_layer")
                        else FileStore(root or default_data_dir()))
        meta = store.read_meta()
        layers: dict[str, gpd.GeoDataFrame] = {}
        errors: dict[str, str] = {}
        reports = []
        region = None
        if store.has_layer("districts"):
            result = validate_layer("districts", store.read_layer("districts"),
                                    source=store.layer_location("districts"))
            layers["districts"] = result.accepted
            reports.append(result.rejected)
            if len(result.accepted):
                region = region_of(result.accepted)
        for name in LAYERS:
            if name == "districts" or not store.has_layer(name):
                continue
            try:
                raw = store.read_layer(name)
                result = validate_layer(name, raw, region=region,
                                        districts=layers.get("districts"),
                                        source=store.layer_location(name))
            except (LayerError, StoreError) as exc:
                errors[name] = str(exc)
                continue
            layers[name] = result.accepted
            reports.append(result.rejected)
        rejected = (
            pd.concat([r for r in reports if len(r)], ignore_index=True)
            if any(len(r) for r in reports)
            else pd.DataFrame(columns=["layer", "row", "column", "value", "reason"])
        )
        return cls(store=store, meta=meta, layers=layers, rejected=rejected, region=region,
                   errors=errors)

    def restricted(self, districts: tuple[str, ...] | list[str]) -> Dataset:
        """This dataset as a user limited to ``districts`` sees it.

        Layers with a ``district`` column keep the rows of those districts; layers without one
        (roads …) keep what lies within those districts grown by :data:`REGION_MARGIN_M`; the
        districts layer keeps those districts; rejected rows keep those of the districts. Rasters
        are not clipped (they hold no records). Counts, statistics, exports and prints made from
        the view count only what it holds.
        """
        wanted = {str(d) for d in districts}
        names = self.districts["name"].astype(str) if "name" in self.districts else None
        own = (self.districts[names.isin(wanted).to_numpy()] if names is not None
               else self.districts.iloc[:0])
        region = region_of(own) if len(own) else None
        layers: dict[str, gpd.GeoDataFrame] = {}
        for name, frame in self.layers.items():
            if name == "districts":
                layers[name] = own.reset_index(drop=True)
            elif "district" in frame.columns:
                keep = frame["district"].astype(str).isin(wanted).to_numpy()
                layers[name] = frame[keep].reset_index(drop=True)
            elif region is not None and len(frame):
                keep = shapely.intersects(frame.geometry.to_numpy(), region)
                layers[name] = frame[keep].reset_index(drop=True)
            else:
                layers[name] = frame.iloc[:0]
        rejected = self.rejected
        if len(rejected) and "district" in rejected.columns:
            rejected = rejected[rejected["district"].astype(str).isin(wanted)]
        else:
            rejected = rejected.iloc[:0]
        return Dataset(store=self.store, meta=self.meta, layers=layers,
                       rejected=rejected.reset_index(drop=True), region=region,
                       errors=dict(self.errors), scope=tuple(sorted(wanted)))

    def layer(self, name: str) -> gpd.GeoDataFrame:
        """Layer ``name``; an empty frame with the schema's columns when the dataset lacks it."""
        if name in self.layers:
            return self.layers[name]
        if name not in LAYERS:
            raise KeyError(f"unknown layer {name!r}; valid layers: {', '.join(LAYERS)}")
        cols = list(LAYERS[name].columns)
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=4326))

    @property
    def enterprises(self) -> gpd.GeoDataFrame:
        return self.layer("enterprises")

    @property
    def districts(self) -> gpd.GeoDataFrame:
        return self.layer("districts")

    def raster_path(self, name: str) -> Path | None:
        return self.store.raster_path(name)

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))

    @property
    def title(self) -> str:
        return str(self.meta.get("title", "")) or str(self.store.describe())

    @property
    def sources(self) -> list[str]:
        return list(self.meta.get("sources", []))
