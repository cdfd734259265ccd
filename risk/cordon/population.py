"""People in each cordon zone, from a population raster (people per cell).

Only the raster window around the incident is read. Each cell is split into k x k sub-cells
carrying 1/k² of its people (people assumed uniform within a cell), and each sub-cell goes to
the zone holding its centre by geodesic distance: a sampled fractional coverage. k is chosen so
that sub-cells are at most 1/16 of the smallest radius (≤ 8 x 8; ``population_subcells=1``
gives plain cell centres); only cells that a boundary may cross are split. On a uniform raster
this matches π r² to within 1 % (tested).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pyproj
from numpy.typing import NDArray

from risk.cordon.geodesy import _exact_distances, _zone_of
from risk.cordon.index import PopulationSource

__all__: list[str] = []


_WGS84 = pyproj.CRS.from_epsg(4326)
"""Compared against a raster's CRS on every call (parsing "EPSG:4326" each time costs more)."""


@lru_cache(maxsize=8)
def _to_wgs84(crs: pyproj.CRS) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(crs, 4326, always_xy=True)


def _population(
    source: PopulationSource | None, center: tuple[float, float], radii: Sequence[float],
    box: tuple[float, float, float, float], *, subcells: int | None = None,
) -> NDArray[np.float64] | None:
    if source is None:
        return None
    import rasterio
    from affine import Affine
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    def is_wgs84(crs: Any) -> bool:
        if crs is None:
            return True
        crs = crs if isinstance(crs, pyproj.CRS) else pyproj.CRS.from_user_input(crs)
        return bool(crs.equals(_WGS84, ignore_axis_order=True))

    def window_of(transform: Affine, crs: Any, height: int, width: int) -> Window:
        bounds = box if is_wgs84(crs) else (
            transform_bounds("EPSG:4326", crs, *box, densify_pts=21)
        )
        win = from_bounds(*bounds, transform=transform)
        col0 = max(0, math.floor(win.col_off) - 1)
        row0 = max(0, math.floor(win.row_off) - 1)
        col1 = min(width, math.ceil(win.col_off + win.width) + 1)
        row1 = min(height, math.ceil(win.row_off + win.height) + 1)
        return Window(col0, row0, max(0, col1 - col0), max(0, row1 - row0))

    if isinstance(source, tuple):
        array, transform, crs = source
        array = np.asarray(array)
        if array.ndim == 3:
            array = array[0]
        win = window_of(transform, crs, *array.shape)
        data = np.asarray(
            array[win.row_off:win.row_off + win.height, win.col_off:win.col_off + win.width],
            dtype=np.float64,
        )
        nodata = None
    else:
        with rasterio.open(source) as src:
            transform, crs, nodata = src.transform, src.crs, src.nodata
            win = window_of(transform, crs, src.height, src.width)
            data = src.read(1, window=win).astype(np.float64) if win.width and win.height else (
                np.zeros((0, 0))
            )
    totals = np.zeros(len(radii), dtype=np.float64)
    if data.size == 0:
        return totals
    valid = np.isfinite(data)
    if nodata is not None:
        valid &= data != nodata
    valid &= data != 0
    rows, cols = np.nonzero(valid)
    if rows.size == 0:
        return totals
    crs_obj = None if crs is None else (
        crs if isinstance(crs, pyproj.CRS) else pyproj.CRS.from_user_input(crs)
    )
    geographic = crs_obj is None or crs_obj.is_geographic
    to_geo = None if is_wgs84(crs_obj) else _to_wgs84(crs_obj)
    scale = 111_320.0 if geographic else 1.0
    cell_m = max(abs(transform.a) + abs(transform.b), abs(transform.d) + abs(transform.e)) * scale
    if subcells is None:  # sub-cells no larger than 1/16 of the smallest radius, at most 8 x 8
        subcells = int(min(8, max(1, math.ceil(cell_m / (radii[0] / 16)))))
    k = max(1, int(subcells))

    def distances(c: NDArray[np.float64], r: NDArray[np.float64]) -> NDArray[np.float64]:
        xs = transform.a * c + transform.b * r + transform.c
        ys = transform.d * c + transform.e * r + transform.f
        if to_geo is not None:
            xs, ys = to_geo.transform(xs, ys)
        return _exact_distances(center, np.asarray(xs), np.asarray(ys), radii)

    people = data[rows, cols]
    d = distances(cols + (win.col_off + 0.5), rows + (win.row_off + 0.5))
    whole = np.ones(d.shape, dtype=bool)
    if k > 1:  # only cells that a boundary may cross are split (half-diagonal, with margin)
        reach = 0.75 * cell_m
        for r in radii:
            whole &= np.abs(d - r) > reach
    zi = _zone_of(d[whole], radii)
    inside = zi < len(radii)
    totals += np.bincount(zi[inside], weights=people[whole][inside],
                          minlength=len(radii))[: len(radii)]
    split = ~whole
    if split.any():
        offsets = (np.arange(k) + 0.5) / k
        oc, orow = (o.ravel() for o in np.meshgrid(offsets, offsets))
        c = (cols[split][:, None] + win.col_off + oc[None, :]).ravel()
        r = (rows[split][:, None] + win.row_off + orow[None, :]).ravel()
        weight = np.repeat(people[split] / (k * k), k * k)
        zi = _zone_of(distances(c, r), radii)
        inside = zi < len(radii)
        totals += np.bincount(zi[inside], weights=weight[inside],
                              minlength=len(radii))[: len(radii)]
    return totals

