"""Dangerous-slope zones from a DEM, graded red/orange/yellow/blue, and the registered-slope check.

The rule (angle, relief, minimum area, the GB 50330-style grading matrix, people and
enterprises below) is documented in :mod:`risk.slopes`; import :func:`dangerous_slope_zones`,
:func:`grade_zones` and :func:`compare_registered` from there. Areas are measured in the
equal-area CRS and distances in the CRS of :func:`risk.crs.metric_crs`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import rasterio
import rasterio.features
from affine import Affine
from pyproj import CRS
from rasterio.windows import Window

from risk.crs import metric_crs
from risk.rasters import (
    RasterError,
    RasterInfo,
    cell_size_m,
    check_raster,
    check_same_crs,
    metres_per_degree,
    polygon_from_geojson,
)
from risk.slope_raster import read_blocks, slope_rows, slope_writer

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import shapely

__all__ = ["dangerous_slope_zones", "grade_zones", "compare_registered"]


def dangerous_slope_zones(
    dem_path: str | os.PathLike[str],
    *,
    min_angle_deg: float = 25.0,
    min_relief_m: float = 10.0,
    relief_radius_m: float = 50.0,
    min_area_m2: float = 2_000.0,
    population: str | os.PathLike[str] | None = None,
    enterprises: gpd.GeoDataFrame | None = None,
    buffer_m: float = 100.0,
    block: int = 512,
    slope_path: str | os.PathLike[str] | None = None,
) -> gpd.GeoDataFrame:
    """Zones of steep, high ground computed from the DEM, graded red/orange/yellow/blue.

    See the module docstring for the rule. Returns an EPSG:4326 GeoDataFrame with columns
    ``id, area_m2, height_m, max_angle_deg, mean_angle_deg, mean_elev_m, people_below,
    enterprises_below, grade`` (grade code), sorted most severe first.

    With ``slope_path`` the slope raster (as :func:`write_slope`) is written in the same pass.
    """
    import geopandas as gpd  # lazy: `riskmap slope` needs none of these
    import pandas as pd
    import shapely
    from scipy import ndimage

    from risk.grades import GRADES
    for name, value in (("min_angle_deg", min_angle_deg), ("min_relief_m", min_relief_m),
                        ("min_area_m2", min_area_m2), ("buffer_m", buffer_m),
                        ("relief_radius_m", relief_radius_m)):
        if not isinstance(value, (int, float)) or value < 0 or math.isnan(value):
            raise ValueError(f"`{name}` must be a number >= 0, got {value!r}")
    if not 0 <= min_angle_deg < 90:
        raise ValueError(f"`min_angle_deg` must be in [0, 90), got {min_angle_deg!r}")
    info = check_raster(dem_path, what="DEM", check_data=False)

    cw, ch = cell_size_m(info)
    k = max(1, round(relief_radius_m / min(cw, ch)))
    size = 2 * k + 1
    mask = np.zeros((info.height, info.width), dtype=bool)
    idx_parts: list[np.ndarray] = []
    elev_parts: list[np.ndarray] = []
    slope_parts: list[np.ndarray] = []
    any_data = False
    stack = ExitStack()
    put = (stack.enter_context(slope_writer(info, Path(slope_path)))
           if slope_path is not None else None)
    with stack:
        for r0, r1, lo, win, has_data in read_blocks(info, block, k):
            any_data |= has_data
            _zone_block(info, r0, r1, lo, win, min_angle_deg=min_angle_deg,
                        min_relief_m=min_relief_m, size=size, mask=mask, idx_parts=idx_parts,
                        elev_parts=elev_parts, slope_parts=slope_parts, put=put,
                        has_data=has_data)
    if not any_data:
        raise RasterError(f"DEM {info.path}: every cell is nodata (nodata value {info.nodata}); "
                          "nothing to analyse")
    labels, n = ndimage.label(mask, structure=np.ones((3, 3), bool))
    del mask
    columns = ["id", "area_m2", "height_m", "max_angle_deg", "mean_angle_deg", "mean_elev_m",
               "people_below", "enterprises_below", "grade"]
    empty = gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=4326))
    if n == 0:
        return empty
    # drop specks by pixel count first (largest cell area → smallest count), exact area later
    if info.geographic:
        lats = np.array([info.bounds[1], info.bounds[3]])
        ew, ns = metres_per_degree(lats)
        px_area = float(np.max(ew * ns) * abs(info.transform.a * info.transform.e))
    else:
        px_area = cw * ch
    counts = np.bincount(labels.ravel(), minlength=n + 1)
    keep = counts >= max(1, math.floor(min_area_m2 / px_area * 0.98))
    keep[0] = False
    if not keep.any():
        return empty
    # per-zone statistics, accumulated block by block (no concatenated copies)
    flat_labels = labels.ravel()
    acc = {
        "elev_max": np.full(n + 1, -np.inf, np.float32),
        "elev_min": np.full(n + 1, np.inf, np.float32),
        "angle_max": np.full(n + 1, -np.inf, np.float32),
        "elev_sum": np.zeros(n + 1),
        "angle_sum": np.zeros(n + 1),
    }
    while idx_parts:
        lab = flat_labels[idx_parts.pop(0)]
        elev, slope_v = elev_parts.pop(0), slope_parts.pop(0)
        np.maximum.at(acc["elev_max"], lab, elev)  # same dtype: numpy's fast path
        np.minimum.at(acc["elev_min"], lab, elev)
        np.maximum.at(acc["angle_max"], lab, slope_v)
        acc["elev_sum"] += np.bincount(lab, weights=elev, minlength=n + 1)
        acc["angle_sum"] += np.bincount(lab, weights=slope_v, minlength=n + 1)
    keys = np.flatnonzero(keep)
    stats = pd.DataFrame({
        "elev_max": acc["elev_max"][keys].astype(float),
        "elev_min": acc["elev_min"][keys].astype(float),
        "mean_elev_m": acc["elev_sum"][keys] / counts[keys],
        "max_angle_deg": acc["angle_max"][keys].astype(float),
        "mean_angle_deg": acc["angle_sum"][keys] / counts[keys],
    }, index=keys)
    del acc, flat_labels
    lut = np.where(keep, np.arange(n + 1), 0).astype(np.int32)
    np.take(lut, labels, out=labels, mode="clip")  # in place; "clip" avoids a buffer copy
    geoms: dict[int, list[shapely.Polygon]] = {}
    for geom, value in rasterio.features.shapes(labels, mask=labels > 0, connectivity=8,
                                                transform=info.transform):
        geoms.setdefault(int(value), []).append(polygon_from_geojson(geom))
    del labels
    polys = [shapely.union_all(geoms[key]) if len(geoms[key]) > 1 else geoms[key][0]
             for key in keys.tolist()]
    zones = gpd.GeoDataFrame(stats.loc[keys].reset_index(drop=True),
                             geometry=gpd.GeoSeries(polys, crs=info.crs.to_wkt()))
    zones = zones.to_crs(4326)
    metric = zones.to_crs(metric_crs(zones))
    zones["area_m2"] = zones.to_crs(metric_crs(zones, equal_area=True)).area.to_numpy()
    big = (zones["area_m2"] >= min_area_m2).to_numpy()
    zones = zones[big].reset_index(drop=True)
    metric = metric[big].reset_index(drop=True)
    zones["height_m"] = (zones["elev_max"] - zones["elev_min"]).astype(float)
    people, firms = _exposure(zones, metric, info, population=population,
                              enterprises=enterprises, buffer_m=buffer_m,
                              cell_m=min(cw, ch))
    zones["people_below"] = people
    zones["enterprises_below"] = firms
    zones["grade"] = grade_zones(zones)
    order = zones["grade"].map({g.value: g.rank for g in GRADES})
    zones = zones.assign(_o=order).sort_values(["_o", "height_m"], ascending=[True, False])
    zones = zones.drop(columns=["_o", "elev_max", "elev_min"]).reset_index(drop=True)
    zones["id"] = [f"dsz-{i + 1}" for i in range(len(zones))]
    for col in ("area_m2", "height_m", "max_angle_deg", "mean_angle_deg", "mean_elev_m",
                "people_below"):
        zones[col] = zones[col].astype(float).round(2)
    return gpd.GeoDataFrame(zones[columns], geometry=zones.geometry, crs=4326)


def _zone_block(
    info: RasterInfo, r0: int, r1: int, lo: int, win: np.ndarray, *, min_angle_deg: float,
    min_relief_m: float, size: int, mask: np.ndarray, idx_parts: list, elev_parts: list,
    slope_parts: list, put: Callable[[np.ndarray, int, bool], None] | None, has_data: bool,
) -> None:
    """Mark the steep, high cells of rows ``r0:r1`` in ``mask`` and keep their values."""
    from scipy import ndimage

    slope = slope_rows(info, r0, r1, lo, win)
    hi_src = np.where(np.isnan(win), -np.inf, win)
    lo_src = np.where(np.isnan(win), np.inf, win)
    relief = (ndimage.maximum_filter(hi_src, size=size, mode="nearest")
              - ndimage.minimum_filter(lo_src, size=size, mode="nearest"))
    relief = relief[r0 - lo : r1 - lo]
    with np.errstate(invalid="ignore"):
        hit = (slope >= min_angle_deg) & (relief >= min_relief_m)
    mask[r0:r1] = hit
    flat = np.flatnonzero(hit)
    idx_parts.append(flat + r0 * info.width)
    elev_parts.append(win[r0 - lo : r1 - lo].ravel()[flat])
    slope_parts.append(slope.ravel()[flat])
    if put is not None:
        put(slope, r0, has_data)  # the writer turns NaN into nodata in place: last use



def grade_zones(
    zones: pd.DataFrame,
    *,
    height_m: tuple[float, float] = (15.0, 30.0),
    steep_deg: float = 45.0,
    people: tuple[float, float] = (10.0, 100.0),
    enterprises: tuple[int, int] = (1, 3),
) -> pd.Series:
    """Grade codes for zones with ``height_m, max_angle_deg, people_below, enterprises_below``.

    ``rank = min(3, (2 - height class) + (2 - consequence class))``, see the module docstring.

    >>> import pandas as pd
    >>> z = pd.DataFrame({"height_m": [40, 20, 5], "max_angle_deg": [30, 30, 30],
    ...                   "people_below": [500, 20, 0], "enterprises_below": [0, 0, 0]})
    >>> grade_zones(z).tolist()
    ['red', 'yellow', 'blue']
    """
    import pandas as pd

    from risk.grades import GRADES
    h = (zones["height_m"] >= height_m[0]).astype(int) + (zones["height_m"] >= height_m[1])
    # np.minimum of a Series returns a Series (the stubs say ndarray)
    h = cast("pd.Series[int]", np.minimum(2, h + (zones["max_angle_deg"] >= steep_deg).astype(int)))
    pe, en = zones["people_below"], zones["enterprises_below"]
    c = ((pe >= people[0]) | (en >= enterprises[0])).astype(int) + (
        (pe >= people[1]) | (en >= enterprises[1])
    ).astype(int)
    rank = np.minimum(3, (2 - h) + (2 - c))
    codes = [g.value for g in GRADES]
    return pd.Series([codes[int(r)] for r in rank], index=zones.index, dtype=object)


def _exposure(
    zones: gpd.GeoDataFrame,
    metric: gpd.GeoDataFrame,
    info: RasterInfo,
    *,
    population: str | os.PathLike[str] | None,
    enterprises: gpd.GeoDataFrame | None,
    buffer_m: float,
    cell_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """People and enterprises within ``buffer_m`` of each zone on ground below its mean."""
    import geopandas as gpd
    import shapely
    people = np.zeros(len(zones))
    firms = np.zeros(len(zones), dtype=int)
    if len(zones) == 0:
        return people, firms
    if population is None and (enterprises is None or len(enterprises) == 0):
        return people, firms
    # pixel staircases are simplified (half a cell) before buffering: same area, far faster
    simple = shapely.simplify(metric.geometry.to_numpy(), cell_m / 2)
    rings = gpd.GeoSeries(shapely.buffer(simple, buffer_m, quad_segs=4), crs=metric.crs)
    mean_elev = zones["mean_elev_m"].to_numpy()
    with rasterio.open(info.path) as dem:
        def ground(xy_4326: np.ndarray) -> np.ndarray:
            pts = gpd.GeoSeries(gpd.points_from_xy(*xy_4326.T), crs=4326).to_crs(info.crs.to_wkt())
            vals = np.array([v[0] for v in dem.sample(shapely.get_coordinates(pts))], float)
            if info.nodata is not None:
                vals[vals == info.nodata] = np.nan
            return vals

        if enterprises is not None and len(enterprises):
            pts = shapely.centroid(enterprises.to_crs(metric.crs).geometry.to_numpy())
            pts_4326 = gpd.GeoSeries(pts, crs=metric.crs).to_crs(4326)
            z = ground(shapely.get_coordinates(pts_4326.to_numpy()))
            tree = shapely.STRtree(pts)
            ring_idx, pt_idx = tree.query(rings.to_numpy(), predicate="intersects")
            low = z[pt_idx] < mean_elev[ring_idx]
            np.add.at(firms, ring_idx[low], 1)
        if population is not None:
            pop = check_raster(population, what="population", check_data=False)
            check_same_crs(pop, info.crs if info.geographic else "EPSG:4326", layer="DEM")
            rings_pop = rings.to_crs(pop.crs.to_wkt())
            with rasterio.open(pop.path) as src:
                for i, ring in enumerate(rings_pop):
                    people[i] = _people_in(src, pop, ring, ground, mean_elev[i])
    return people, firms


def _people_in(src, pop: RasterInfo, ring, ground, below: float) -> float:
    """People in population cells, weighted by the fraction of each cell inside ``ring``."""
    import geopandas as gpd
    import shapely
    t0 = pop.transform
    minx, miny, maxx, maxy = ring.bounds
    c0 = max(0, math.floor((minx - t0.c) / t0.a))
    c1 = min(pop.width, math.ceil((maxx - t0.c) / t0.a))
    r0 = max(0, math.floor((maxy - t0.f) / t0.e))
    r1 = min(pop.height, math.ceil((miny - t0.f) / t0.e))
    if c1 <= c0 or r1 <= r0:
        return 0.0
    win = Window(c0, r0, c1 - c0, r1 - r0)
    data = src.read(1, window=win).astype(float)
    if pop.nodata is not None:
        data[data == pop.nodata] = 0
    data[~np.isfinite(data) | (data < 0)] = 0
    rows, cols = np.nonzero(data > 0)
    if len(rows) == 0:
        return 0.0
    t = Affine(t0.a, 0, t0.c + c0 * t0.a, 0, t0.e, t0.f + r0 * t0.e)
    x0 = t.c + t.a * cols
    y0 = t.f + t.e * rows
    cells = shapely.box(x0, y0 + t.e, x0 + t.a, y0)
    frac = shapely.area(shapely.intersection(cells, ring)) / abs(t.a * t.e)
    if not (frac > 0).any():
        return 0.0
    centres = np.column_stack([x0 + t.a / 2, y0 + t.e / 2])
    if not pop.crs.equals(CRS.from_epsg(4326)):
        pts = gpd.GeoSeries(gpd.points_from_xy(*centres.T), crs=pop.crs.to_wkt()).to_crs(4326)
        centres = shapely.get_coordinates(pts)
    low = ground(centres) < below
    return float((data[rows, cols] * frac * low).sum())


def compare_registered(
    computed: gpd.GeoDataFrame,
    registered: gpd.GeoDataFrame,
    *,
    tolerance_m: float = 50.0,
    min_overlap: float = 0.2,
) -> gpd.GeoDataFrame:
    """The registered slopes with ``confirmed`` (bool) and ``overlap`` (0–1) columns.

    A registered slope is *confirmed* when at least ``min_overlap`` of its area lies within
    ``tolerance_m`` of a computed zone (areas measured in :func:`risk.crs.metric_crs`, a local transverse Mercator).
    The input is not changed.
    """
    import pandas as pd
    import shapely
    if not 0 <= min_overlap <= 1:
        raise ValueError(f"`min_overlap` must be between 0 and 1, got {min_overlap!r}")
    out = registered.copy()
    if len(out) == 0:
        out["overlap"] = pd.Series(dtype=float)
        out["confirmed"] = pd.Series(dtype=bool)
        return out
    crs = metric_crs(registered)
    reg = registered.to_crs(crs).geometry
    if len(computed):
        near = shapely.buffer(computed.to_crs(crs).geometry.union_all(), tolerance_m)
        inter = shapely.area(shapely.intersection(reg.to_numpy(), near))
    else:
        inter = np.zeros(len(reg))
    area = shapely.area(reg.to_numpy())
    overlap = np.divide(inter, area, out=np.zeros(len(reg)), where=area > 0)
    out["overlap"] = overlap.round(3)
    out["confirmed"] = overlap >= min_overlap
    return out
