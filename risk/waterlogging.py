"""Waterlogging (内涝): registered ponding points classified by depth, and candidate ponding areas
found in the DEM by filling its sinks.

Depth classes
-------------
:func:`classify_depth` puts each point's ``max_depth_cm`` into the classes bounded by
``thresholds_cm`` (default 15, 30 and 50 cm) and gives each class a grade:

=================  ======  ==============================================================
max depth          grade   why this bound (default; configurable)
=================  ======  ==============================================================
< 15 cm            blue    below the design criterion below
15 – 30 cm         yellow  **15 cm**: GB 50014-2021 室外排水设计标准 (and GB 51222-2017
                           城镇内涝防治技术规范) set, for the 内涝防治 design return period, that
                           "道路中一条车道的积水深度不超过 15 cm" (ponding on at least one traffic
                           lane of a road must not exceed 15 cm). Quoted from memory of the
                           standards' tables; check the current edition.
30 – 50 cm         orange  **30 cm**: common municipal practice (not a GB value): water over
                           kerb height enters ground floors and hides manholes; several cities'
                           内涝风险 maps use 30 cm as their middle bound. Uncertain.
≥ 50 cm            red     **50 cm**: common practice (not a GB value): cars stall and
                           walking becomes dangerous; used by many 内涝 emergency plans as the
                           road-closure depth. Uncertain.
=================  ======  ==============================================================

Ponding areas
-------------
:func:`ponding_areas` fills every depression of the DEM that has no outlet by morphological
reconstruction by erosion (``skimage.morphology.reconstruction``; Soille 2004): the seed is the
DEM's maximum everywhere except on the border and on nodata cells (sea), which are outlets;
reconstruction lowers the seed to the lowest spill level of each depression. ``depth = filled -
dem``; cells at least ``min_depth_m`` deep that connect (8 neighbours) into an area of at least
``min_area_m2`` (measured in a local Lambert azimuthal equal-area CRS) are returned with their
maximum and mean depth, area and stored volume.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.features
import shapely
from scipy import ndimage
from skimage.morphology import reconstruction

from risk.crs import metric_crs
from risk.grades import GRADES
from risk.rasters import check_raster, polygon_from_geojson, read_band

__all__ = ["DEFAULT_THRESHOLDS_CM", "classify_depth", "depth_classes", "ponding_areas"]

DEFAULT_THRESHOLDS_CM: tuple[float, float, float] = (15.0, 30.0, 50.0)
"""Lower bounds of the yellow, orange and red depth classes (see the module docstring)."""


def depth_classes(
    thresholds_cm: Sequence[float] = DEFAULT_THRESHOLDS_CM,
) -> list[tuple[float, float, str, str, str]]:
    """``[(low_cm, high_cm, grade, label_zh, label_en), …]`` from the shallowest class up.

    >>> [c[3] for c in depth_classes((15, 30, 50))]
    ['积水 < 15 cm', '积水 15–30 cm', '积水 30–50 cm', '积水 ≥ 50 cm']
    """
    t = [float(v) for v in thresholds_cm]
    if len(t) != 3 or any(math.isnan(v) or v <= 0 for v in t) or sorted(set(t)) != t:
        msg = ("`thresholds_cm` must be three increasing positive depths in cm, "
               f"got {thresholds_cm!r}")
        raise ValueError(msg)
    bounds = [0.0, *t, math.inf]
    grades = [GRADES[3].value, GRADES[2].value, GRADES[1].value, GRADES[0].value]
    out = []
    for i in range(4):
        lo, hi = bounds[i], bounds[i + 1]
        if i == 0:
            zh, en = f"积水 < {_fmt(hi)} cm", f"Ponding < {_fmt(hi)} cm"
        elif i == 3:
            zh, en = f"积水 ≥ {_fmt(lo)} cm", f"Ponding ≥ {_fmt(lo)} cm"
        else:
            zh, en = f"积水 {_fmt(lo)}–{_fmt(hi)} cm", f"Ponding {_fmt(lo)}–{_fmt(hi)} cm"
        out.append((lo, hi, grades[i], zh, en))
    return out


def _fmt(v: float) -> str:
    return f"{v:g}"


def classify_depth(
    points: gpd.GeoDataFrame,
    *,
    thresholds_cm: Sequence[float] = DEFAULT_THRESHOLDS_CM,
) -> gpd.GeoDataFrame:
    """A copy of ``points`` with ``depth_class`` (0 shallowest … 3), ``grade``, ``class_zh`` and
    ``class_en`` from ``max_depth_cm``; rows without a depth get class -1 and empty labels.

    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame({"max_depth_cm": [10, 15, 49.9, 80]},
    ...                        geometry=[shapely.Point(114, 22.5)] * 4, crs=4326)
    >>> classify_depth(pts)["grade"].tolist()
    ['blue', 'yellow', 'orange', 'red']
    """
    if "max_depth_cm" not in points.columns:
        msg = (f"`points` must have a max_depth_cm column, got columns "
               f"{', '.join(map(str, points.columns))}")
        raise ValueError(msg)
    classes = depth_classes(thresholds_cm)
    depth = pd.to_numeric(points["max_depth_cm"], errors="coerce").to_numpy(float)
    cls = np.searchsorted(np.array([c[1] for c in classes[:3]]), depth, side="right")
    cls = np.where(np.isnan(depth), -1, cls)
    out = points.copy()
    out["depth_class"] = cls.astype(int)
    out["grade"] = [classes[c][2] if c >= 0 else "" for c in cls]
    out["class_zh"] = [classes[c][3] if c >= 0 else "" for c in cls]
    out["class_en"] = [classes[c][4] if c >= 0 else "" for c in cls]
    return out


def fill_depth(dem: np.ndarray) -> np.ndarray:
    """Depth (m) of water each cell of ``dem`` holds once every closed depression is filled.

    NaN cells (nodata, sea) and the border are outlets; their depth is 0 (NaN stays NaN).

    >>> bowl = np.full((5, 5), 10.0); bowl[1:4, 1:4] = 8.0; bowl[2, 2] = 7.0
    >>> d = fill_depth(bowl); float(d[2, 2]), float(d[1, 1])
    (3.0, 2.0)
    """
    nan = np.isnan(dem)
    if nan.all():
        return np.full(dem.shape, np.nan)
    low = float(np.nanmin(dem)) - 1.0
    image = np.where(nan, low, dem).astype(float)
    seed = np.full(image.shape, float(np.nanmax(dem)))
    edge = np.zeros(image.shape, bool)
    edge[0, :] = edge[-1, :] = edge[:, 0] = edge[:, -1] = True
    outlet = edge | nan
    seed[outlet] = image[outlet]
    filled = reconstruction(seed, image, method="erosion")
    depth = filled - image
    depth[nan] = np.nan
    return depth


def ponding_areas(
    dem_path: str | os.PathLike[str],
    *,
    min_depth_m: float = 0.3,
    min_area_m2: float = 5_000.0,
) -> gpd.GeoDataFrame:
    """Candidate ponding areas: filled depressions of the DEM, as EPSG:4326 polygons.

    Columns: ``id, area_m2, max_depth_m, mean_depth_m, volume_m3`` (areas and volume in the
    equal-area CRS of :func:`risk.crs.metric_crs`), largest maximum depth first.
    """
    for name, value in (("min_depth_m", min_depth_m), ("min_area_m2", min_area_m2)):
        if not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
            raise ValueError(f"`{name}` must be a number >= 0, got {value!r}")
    info = check_raster(dem_path, what="DEM")
    depth = fill_depth(read_band(info))
    with np.errstate(invalid="ignore"):
        wet = depth >= max(min_depth_m, 1e-6)
    labels, n = ndimage.label(wet, structure=np.ones((3, 3), bool))
    cols = ["id", "area_m2", "max_depth_m", "mean_depth_m", "volume_m3"]
    if n == 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=4326))
    index = np.arange(1, n + 1)
    max_d = ndimage.maximum(depth, labels, index)
    mean_d = ndimage.mean(depth, labels, index)
    parts: dict[int, list] = {}
    for geom, value in rasterio.features.shapes(labels.astype(np.int32), mask=wet,
                                                connectivity=8, transform=info.transform):
        parts.setdefault(int(value), []).append(polygon_from_geojson(geom))
    geoms = [shapely.union_all(parts[i]) for i in index]
    gdf = gpd.GeoDataFrame(
        {"max_depth_m": max_d, "mean_depth_m": mean_d},
        geometry=gpd.GeoSeries(geoms, crs=info.crs.to_wkt()),
    ).to_crs(4326)
    metric = gdf.to_crs(metric_crs(gdf, equal_area=True))
    gdf["area_m2"] = metric.area.to_numpy()
    gdf["volume_m3"] = gdf["area_m2"] * gdf["mean_depth_m"]
    gdf = gdf[gdf["area_m2"] >= min_area_m2].sort_values("max_depth_m", ascending=False)
    gdf = gdf.reset_index(drop=True)
    gdf["id"] = [f"pond-{i + 1}" for i in range(len(gdf))]
    for c in ("area_m2", "max_depth_m", "mean_depth_m", "volume_m3"):
        gdf[c] = gdf[c].astype(float).round(3)
    return gpd.GeoDataFrame(gdf[cols], geometry=gdf.geometry, crs=4326)
