"""Slope from a DEM (Horn's method, as ``gdaldem slope``) and dangerous-slope zones.

Slope
-----
:func:`slope_degrees` (in memory) and :func:`write_slope` (file to file, in row blocks) use
Horn's 3x3 kernel exactly as ``gdaldem slope`` (GDAL 3.6, default ``-alg Horn``)::

    dz/dx = ((c + 2f + i) - (a + 2d + g)) / (8 * ew_m)
    dz/dy = ((g + 2h + i) - (a + 2b + c)) / (8 * ns_m)
    slope = atan(sqrt(dz/dx**2 + dz/dy**2))   in degrees

* **Edges**: the first/last row and column are nodata, as ``gdaldem slope`` without
  ``-compute_edges``.
* **Nodata**: a cell is nodata when any of the nine cells of its window (centre included) is
  nodata or NaN, as gdaldem does. Output nodata is -9999 in files, NaN in arrays.
* **Geographic DEMs** (EPSG:4326 …): gdaldem applies one ``-s`` scale to both axes, which is
  right only at the equator. Here every row gets its own spacing in metres from the WGS 84
  ellipsoid at the row's centre latitude: ``ew_m = dlon * N cos(lat) pi/180`` and
  ``ns_m = dlat * M pi/180`` (prime-vertical and meridional radii). Checked in
  ``tests/risk/test_slopes.py`` against an analytic plane built with ``pyproj.Geod`` and against
  ``gdaldem slope -s`` with the exact per-axis scale on DEMs varying along one axis only.
* **Memory**: :func:`write_slope` reads ``block`` rows at a time plus a one-row halo above and
  below, so memory does not grow with the DEM.

Dangerous-slope zones
---------------------
:func:`dangerous_slope_zones` marks cells whose slope is at least ``min_angle_deg`` (default 25°)
*and* whose local relief — highest minus lowest elevation in the square window of
``2k+1`` cells centred on the cell, ``k = max(1, round(relief_radius_m / cell size))`` — is at
least ``min_relief_m`` (default 10 m). Connected cells (8-neighbour) form a zone; zones smaller
than ``min_area_m2`` (default 2 000 m², measured in a local equal-area CRS) are dropped as specks.

Each zone is graded with a matrix in the spirit of GB 50330-2013 建筑边坡工程技术规范 Table 3.2.1
(safety grade from slope height and the consequence of failure). The thresholds below are this
project's configurable defaults, not values quoted from the standard:

* height class ``h``: 2 if the zone's height (highest minus lowest DEM cell in the zone)
  ≥ 30 m, 1 if ≥ 15 m, else 0; one class higher (max 2) if its steepest cell ≥ 45°.
* consequence class ``c``: people and enterprises *below* the zone: within ``buffer_m``
  (default 100 m) of it and on ground lower than the zone's mean elevation (DEM at the
  enterprise, or at the population cell's centre; population cells count by the fraction of
  their area inside the buffer). ``c`` = 2 if people ≥ 100 or enterprises ≥ 3, 1 if people ≥ 10
  or enterprises ≥ 1, else 0.
* grade rank ``min(3, (2 - h) + (2 - c))``: 0 red, 1 orange, 2 yellow, 3 blue — a high slope
  above many people is red, a low slope with nobody below is blue.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import rasterio
import rasterio.features
from affine import Affine
from pyproj import CRS
from rasterio.windows import Window

from risk.rasters import (
    RasterError,
    RasterInfo,
    cell_size_m,
    check_raster,
    check_same_crs,
    local_metric_crs,
    metres_per_degree,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    import shapely

__all__ = [
    "slope_degrees",
    "write_slope",
    "dangerous_slope_zones",
    "compare_registered",
    "NODATA",
]

NODATA = -9999.0
"""Nodata value of slope rasters written by :func:`write_slope` (as gdaldem's)."""


def _row_scales(transform: Affine, crs: CRS, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``1 / (8 ew_m)`` and ``1 / (8 ns_m)`` for each row in ``rows`` (column vectors)."""
    if crs.is_geographic:
        lat = transform.f + transform.e * (rows + 0.5)
        ew, ns = metres_per_degree(lat)
        ew_m = abs(transform.a) * ew
        ns_m = abs(transform.e) * ns
    else:
        ew_m = np.full(rows.shape, abs(transform.a))
        ns_m = np.full(rows.shape, abs(transform.e))
    return (
        (1.0 / (8.0 * ew_m)).astype(np.float32)[:, None],
        (1.0 / (8.0 * ns_m)).astype(np.float32)[:, None],
    )


def _horn(win: np.ndarray, kx: np.ndarray, ky: np.ndarray) -> np.ndarray:
    """Slope in degrees of the interior of ``win`` (float32, NaN = nodata); shape ``(h-2, w-2)``."""
    cd = win[:, 2:] - win[:, :-2]
    dx = cd[:-2] + cd[2:]
    dx += 2 * cd[1:-1]
    del cd
    rd = win[2:, :] - win[:-2, :]
    dy = rd[:, :-2] + rd[:, 2:]
    dy += 2 * rd[:, 1:-1]
    del rd
    dx *= kx
    dy *= ky
    np.multiply(dx, dx, out=dx)
    np.multiply(dy, dy, out=dy)
    dx += dy
    del dy
    np.sqrt(dx, out=dx)
    np.arctan(dx, out=dx)
    dx *= np.float32(180.0 / math.pi)
    centre = win[1:-1, 1:-1]
    if np.isnan(centre).any():  # gdaldem also refuses a nodata centre
        dx[np.isnan(centre)] = np.nan
    return dx


def _as_nan(data: np.ndarray, nodata: float | None) -> np.ndarray:
    out = data.astype(np.float32, copy=False)
    if nodata is not None and not math.isnan(nodata):
        hit = out == np.float32(nodata)
        if hit.any():
            out = np.where(hit, np.float32(np.nan), out)
    return out


def slope_degrees(
    dem: np.ndarray,
    transform: Affine,
    crs: object,
    *,
    nodata: float | None = None,
) -> np.ndarray:
    """Slope in degrees of a DEM array by Horn's method (as ``gdaldem slope``).

    Parameters
    ----------
    dem
        2-D elevations in metres.
    transform
        The DEM's north-up affine transform.
    crs
        The DEM's CRS: projected in metres, or geographic (per-row ellipsoidal spacing).
    nodata
        Elevation value meaning "no data" (NaN is always no data).

    Returns
    -------
    numpy.ndarray
        float32, same shape; NaN on the outer rows/columns and wherever the 3x3 window touches
        nodata.

    >>> from affine import Affine
    >>> dem = np.add.outer(np.zeros(4), np.arange(4.0) * 10)  # +10 m per 10 m cell eastwards
    >>> float(slope_degrees(dem, Affine(10, 0, 0, 0, -10, 40), "EPSG:32650")[1, 1])
    45.0
    """
    if not isinstance(dem, np.ndarray) or dem.ndim != 2:
        msg = f"`dem` must be a 2-D array, got {type(dem).__name__} {getattr(dem, 'shape', '')}"
        raise ValueError(msg)
    if min(dem.shape) < 3:
        raise ValueError(f"`dem` must be at least 3x3 cells, got {dem.shape}")
    crs = CRS.from_user_input(crs)
    win = _as_nan(dem, nodata)
    rows = np.arange(1, dem.shape[0] - 1)
    kx, ky = _row_scales(transform, crs, rows)
    out = np.full(dem.shape, np.nan, dtype=np.float32)
    out[1:-1, 1:-1] = _horn(win, kx, ky)
    return out


def _blocks(
    info: RasterInfo, block: int, halo: int
) -> Iterator[tuple[int, int, int, np.ndarray, bool]]:
    """Yield ``(r0, r1, lo, window, has_data)``: rows ``r0:r1``, read as rows ``lo:…`` with a
    ``halo``; ``has_data`` says whether rows ``r0:r1`` hold any valid cell. The next block is
    read in a background thread while the caller works on the current one (GDAL and numpy
    release the GIL), so reading overlaps computing."""

    def read(src: rasterio.io.DatasetReader, r0: int) -> tuple[int, int, int, np.ndarray, bool]:
        r1 = min(r0 + block, info.height)
        lo, hi = max(r0 - halo, 0), min(r1 + halo, info.height)
        data = _as_nan(src.read(1, window=Window(0, lo, info.width, hi - lo)), info.nodata)
        has_data = not np.isnan(data[r0 - lo : r1 - lo]).all()
        return r0, r1, lo, data, has_data

    starts = list(range(0, info.height, block))
    with rasterio.open(info.path) as src, ThreadPoolExecutor(1) as pool:
        ahead = pool.submit(read, src, starts[0])
        for i in range(len(starts)):
            current = ahead.result()
            if i + 1 < len(starts):
                ahead = pool.submit(read, src, starts[i + 1])
            yield current


def _slope_rows(info: RasterInfo, r0: int, r1: int, lo: int, win: np.ndarray) -> np.ndarray:
    """Slope for rows ``r0:r1`` from ``win`` (rows ``lo:``), NaN where gdaldem gives nodata."""
    out = np.full((r1 - r0, info.width), np.nan, dtype=np.float32)
    first, last = max(r0, 1, lo + 1), min(r1, info.height - 1, lo + win.shape[0] - 1)
    if last > first:
        rows = np.arange(first, last)
        kx, ky = _row_scales(info.transform, info.crs, rows)
        sub = win[first - 1 - lo : last + 1 - lo]
        out[first - r0 : last - r0, 1:-1] = _horn(sub, kx, ky)
    return out


@contextmanager
def _slope_writer(
    info: RasterInfo, out_path: Path, *, compress: str | None = None
) -> Iterator[Callable[[np.ndarray, int, bool], None]]:
    """Yield ``put(rows, r0, has_data)`` that writes slope rows (NaN → -9999) in a background
    thread; the file replaces ``out_path`` atomically when the block ends without error, and
    :class:`RasterError` is raised if no block had data."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff", "width": info.width, "height": info.height, "count": 1,
        "dtype": "float32", "crs": info.crs.to_wkt(), "transform": info.transform,
        "nodata": NODATA,
    }
    if compress:
        profile.update(compress=compress, tiled=True, predictor=3)
    fd, name = tempfile.mkstemp(prefix=f".{out_path.stem}-", suffix=".tif", dir=out_path.parent)
    os.close(fd)
    tmp = Path(name)
    state: dict[str, Any] = {"data": False, "pending": None}

    def write(dst: rasterio.io.DatasetWriter, out: np.ndarray, r0: int) -> None:
        np.copyto(out, np.float32(NODATA), where=np.isnan(out))
        dst.write(out, 1, window=Window(0, r0, info.width, out.shape[0]))

    try:
        with rasterio.open(tmp, "w", **profile) as dst, ThreadPoolExecutor(1) as writer:

            def put(out: np.ndarray, r0: int, has_data: bool) -> None:
                state["data"] = state["data"] or has_data
                if state["pending"] is not None:
                    state["pending"].result()
                state["pending"] = writer.submit(write, dst, out, r0)

            yield put
            if state["pending"] is not None:
                state["pending"].result()
        if not state["data"]:
            raise RasterError(
                f"DEM {info.path}: every cell is nodata (nodata value {info.nodata}); "
                "nothing to analyse"
            )
        os.replace(tmp, out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_slope(
    dem_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    block: int = 512,
    compress: str | None = None,
) -> Path:
    """Write the slope (degrees, float32, nodata -9999) of ``dem_path`` to ``out_path``.

    Reads ``block`` rows at a time with a one-row halo; the output replaces ``out_path``
    atomically (written beside it, then moved). Same grid, CRS and edge/nodata rules as
    ``gdaldem slope`` (see the module docstring).

    Raises
    ------
    risk.rasters.RasterError
        The DEM has no CRS, not one band, only nodata …
    """
    if block < 1:
        raise ValueError(f"`block` must be a positive number of rows, got {block!r}")
    info = check_raster(dem_path, what="DEM", check_data=False)
    with _slope_writer(info, Path(out_path), compress=compress) as put:
        for r0, r1, lo, win, has_data in _blocks(info, block, 1):
            put(_slope_rows(info, r0, r1, lo, win), r0, has_data)
    return Path(out_path)


# --------------------------------------------------------------------------- zones


def _metric(gdf: gpd.GeoDataFrame) -> CRS:
    return local_metric_crs(gdf)


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
    put = (stack.enter_context(_slope_writer(info, Path(slope_path)))
           if slope_path is not None else None)
    with stack:
        for r0, r1, lo, win, has_data in _blocks(info, block, k):
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
    metric = zones.to_crs(_metric(zones))
    zones["area_m2"] = zones.to_crs(local_metric_crs(zones, equal_area=True)).area.to_numpy()
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

    slope = _slope_rows(info, r0, r1, lo, win)
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


def polygon_from_geojson(geom: dict) -> shapely.Polygon:
    """A polygon from a GeoJSON-like mapping, converting each ring with numpy (fast for the
    many-vertex pixel outlines :func:`rasterio.features.shapes` yields)."""
    import shapely
    # the stubs cannot tell scalar from array results: one ring in, an array of one ring out
    rings: np.ndarray | list[shapely.LinearRing] = cast(
        np.ndarray, shapely.linearrings([np.asarray(r, dtype=float) for r in geom["coordinates"]])
    ) if len(geom["coordinates"]) == 1 else \
        [cast(shapely.LinearRing, shapely.linearrings(np.asarray(r, dtype=float)))
         for r in geom["coordinates"]]
    if len(rings) == 1:
        return shapely.Polygon(rings[0])
    holes = np.empty(len(rings) - 1, dtype=object)
    holes[:] = rings[1:]
    return cast(shapely.Polygon, shapely.polygons(rings[0], holes=holes))


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
    ``tolerance_m`` of a computed zone (areas measured in a local transverse Mercator CRS).
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
    crs = _metric(registered)
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
