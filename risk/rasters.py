"""Opening and checking the GeoTIFFs the analyses read (DEM, population).

Every problem a user can cause with their own raster is reported as a :class:`RasterError`
whose message names the file and says what was expected and what arrived: a file that is not a
raster, no CRS, the wrong number of bands, nothing but nodata, or a CRS the vector layers do not
share. The CLI turns it into ``riskmap: error: …``.

>>> RasterError("dem.tif: has no CRS").args[0]
'dem.tif: has no CRS'
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS, Geod
from rasterio.windows import Window

if TYPE_CHECKING:
    import shapely

__all__ = [
    "RasterError",
    "RasterInfo",
    "check_raster",
    "check_same_crs",
    "metres_per_degree",
    "cell_size_m",
    "read_band",
    "polygon_from_geojson",
]

_GEOD = Geod(ellps="WGS84")


class RasterError(ValueError):
    """A raster file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class RasterInfo:
    """What the analyses need to know about a checked single-band raster."""

    path: Path
    width: int
    height: int
    transform: Affine
    crs: CRS
    nodata: float | None
    dtype: str

    @property
    def geographic(self) -> bool:
        return bool(self.crs.is_geographic)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(left, bottom, right, top)`` in the raster's CRS."""
        t = self.transform
        xs = (t.c, t.c + t.a * self.width)
        ys = (t.f, t.f + t.e * self.height)
        return min(xs), min(ys), max(xs), max(ys)


def check_raster(
    path: str | os.PathLike[str],
    *,
    what: str = "raster",
    bands: int = 1,
    check_data: bool = True,
) -> RasterInfo:
    """Open ``path`` and check it can be analysed; return its :class:`RasterInfo`.

    Parameters
    ----------
    path
        GeoTIFF (or any raster GDAL reads).
    what
        What the raster is for ("DEM", "population"), used in messages.
    bands
        Number of bands expected.
    check_data
        Also scan the data (block by block) and refuse a raster holding nothing but nodata.

    Raises
    ------
    RasterError
        Missing/unreadable file, no CRS, wrong band count, rotated grid, all nodata.
    """
    path = Path(path)
    where = f"{what} {path}"
    if not path.is_file():
        raise RasterError(f"{where}: no such file (expected a GeoTIFF)")
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError(f"{where}: not a readable raster (expected a GeoTIFF): {exc}") from exc
    with src:
        if src.count != bands:
            raise RasterError(
                f"{where}: expected {bands} band(s), found {src.count}"
            )
        if src.crs is None:
            raise RasterError(
                f"{where}: has no coordinate reference system (CRS); expected e.g. EPSG:4326 "
                "or a projected CRS in metres (assign one with gdal_edit.py -a_srs)"
            )
        t = src.transform
        if t.b != 0 or t.d != 0:
            raise RasterError(f"{where}: rotated/sheared grids are not supported (transform {t})")
        if t.a <= 0 or t.e >= 0:
            raise RasterError(
                f"{where}: expected a north-up grid (positive x step, negative y step), "
                f"got x step {t.a}, y step {t.e}"
            )
        if src.width < 3 or src.height < 3:
            raise RasterError(
                f"{where}: expected at least 3x3 cells, got {src.width}x{src.height}"
            )
        crs = CRS.from_user_input(src.crs.to_wkt())
        if not crs.is_geographic:
            unit = crs.axis_info[0].unit_name if crs.axis_info else ""
            if unit not in ("metre", "meter", "m"):
                raise RasterError(
                    f"{where}: projected CRS must be in metres, its unit is {unit!r}"
                )
        info = RasterInfo(
            path=path,
            width=src.width,
            height=src.height,
            transform=t,
            crs=crs,
            nodata=None if src.nodata is None else float(src.nodata),
            dtype=src.dtypes[0],
        )
        if check_data and not _has_data(src):
            raise RasterError(
                f"{where}: every cell is nodata (nodata value {src.nodata}); nothing to analyse"
            )
    return info


def _has_data(src: rasterio.io.DatasetReader, rows: int = 512) -> bool:
    nodata = src.nodata
    for r0 in range(0, src.height, rows):
        block = src.read(1, window=Window(0, r0, src.width, min(rows, src.height - r0)))
        valid = np.ones(block.shape, bool)
        if np.issubdtype(block.dtype, np.floating):
            valid &= ~np.isnan(block)
        if nodata is not None and not math.isnan(nodata):
            valid &= block != nodata
        if valid.any():
            return True
    return False


def check_same_crs(info: RasterInfo, crs: object, *, layer: str = "vector layers") -> None:
    """Refuse a raster whose CRS differs from the vectors' CRS ``crs``.

    Layers are EPSG:4326 between modules, so a raster in another *geographic* CRS (e.g. a
    GCJ-02-shifted grid labelled as something else, or CGCS2000 which is within centimetres of
    WGS 84) is compared by datum name; projected rasters are accepted because the analyses
    transform points into the raster's CRS explicitly.
    """
    other = CRS.from_user_input(crs)
    if info.crs.is_projected:
        return
    if info.crs.equals(other, ignore_axis_order=True):
        return
    info_datum, other_datum = info.crs.datum, other.datum
    # pyproj gives every CRS it builds from EPSG/WKT (geographic, compound, engineering …) a datum
    assert info_datum is not None and other_datum is not None
    same_datum = {info_datum.name, other_datum.name} <= {
        "World Geodetic System 1984",
        "World Geodetic System 1984 ensemble",
        "China 2000",
    }
    if not same_datum:
        raise RasterError(
            f"{info.path}: its CRS {info.crs.to_string()} is not the CRS of the {layer} "
            f"({other.to_string()}); reproject it (gdalwarp -t_srs EPSG:4326) first"
        )


def metres_per_degree(lat_deg: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Metres per degree of longitude and of latitude on the WGS 84 ellipsoid at ``lat_deg``.

    Uses the prime-vertical radius ``N`` and the meridional radius ``M``:
    ``E = N cos(lat) pi/180`` and ``N_m = M pi/180``.

    >>> ew, ns = metres_per_degree(0.0)
    >>> round(float(ew)), round(float(ns))
    (111319, 110574)
    """
    a = _GEOD.a
    e2 = _GEOD.es
    phi = np.radians(np.asarray(lat_deg, dtype=float))
    s2 = np.sin(phi) ** 2
    n = a / np.sqrt(1 - e2 * s2)
    m = a * (1 - e2) / (1 - e2 * s2) ** 1.5
    return n * np.cos(phi) * np.pi / 180, m * np.pi / 180


def cell_size_m(info: RasterInfo, lat_deg: float | None = None) -> tuple[float, float]:
    """Cell width and height in metres (at latitude ``lat_deg``, default the centre row)."""
    t = info.transform
    if not info.geographic:
        return abs(t.a), abs(t.e)
    if lat_deg is None:
        lat_deg = t.f + t.e * info.height / 2
    ew, ns = metres_per_degree(lat_deg)
    return float(abs(t.a) * ew), float(abs(t.e) * ns)


def read_band(info: RasterInfo, *, window: Window | None = None) -> np.ndarray:
    """Band 1 as float32 with nodata (and NaN) turned into NaN."""
    with rasterio.open(info.path) as src:
        data = src.read(1, window=window).astype(np.float32, copy=False)
    if info.nodata is not None and not math.isnan(info.nodata):
        data = np.where(data == np.float32(info.nodata), np.float32(np.nan), data)
    return data


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

