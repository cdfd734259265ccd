"""The slope raster: Horn's method as ``gdaldem slope``, in memory or file to file in row blocks.

The rules (edges, nodata, geographic DEMs, memory) are documented in :mod:`risk.slopes`; import
:func:`slope_degrees`, :func:`write_slope` and :data:`NODATA` from there. The block reader and
the atomic slope writer here are shared with :mod:`risk.slope_zones`, which computes the zones
and the slope raster in one pass.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS
from rasterio.windows import Window

from risk.files import atomic_path
from risk.rasters import RasterError, RasterInfo, check_raster, metres_per_degree

__all__ = ["NODATA", "slope_degrees", "write_slope", "read_blocks", "slope_rows", "slope_writer"]

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


def read_blocks(
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


def slope_rows(info: RasterInfo, r0: int, r1: int, lo: int, win: np.ndarray) -> np.ndarray:
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
def slope_writer(
    info: RasterInfo, out_path: Path, *, compress: str | None = None
) -> Iterator[Callable[[np.ndarray, int, bool], None]]:
    """Yield ``put(rows, r0, has_data)`` that writes slope rows (NaN → -9999) in a background
    thread; the file replaces ``out_path`` atomically (:func:`risk.files.atomic_path`) when the
    block ends without error, and :class:`RasterError` is raised if no block had data."""
    profile = {
        "driver": "GTiff", "width": info.width, "height": info.height, "count": 1,
        "dtype": "float32", "crs": info.crs.to_wkt(), "transform": info.transform,
        "nodata": NODATA,
    }
    if compress:
        profile.update(compress=compress, tiled=True, predictor=3)
    state: dict[str, Any] = {"data": False, "pending": None}

    def write(dst: rasterio.io.DatasetWriter, out: np.ndarray, r0: int) -> None:
        np.copyto(out, np.float32(NODATA), where=np.isnan(out))
        dst.write(out, 1, window=Window(0, r0, info.width, out.shape[0]))

    with atomic_path(out_path) as tmp:
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
    with slope_writer(info, Path(out_path), compress=compress) as put:
        for r0, r1, lo, win, has_data in read_blocks(info, block, 1):
            put(slope_rows(info, r0, r1, lo, win), r0, has_data)
    return Path(out_path)

