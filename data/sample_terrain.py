"""The sample's terrain: the raster grid, the synthetic DEM and population, and the highland mask.

Part of the sample generator (:mod:`data.sample`, which documents the sample); every function
takes its random generator and the EPSG:4326 -> metric transformer (:func:`risk.crs.metric_crs`
of the districts) from :func:`data.sample.generate_sample`.
"""

from __future__ import annotations

import numpy as np
import pyproj
import rasterio
import rasterio.features
import shapely
import shapely.geometry
from rasterio.transform import Affine
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from data.store import FileStore

__all__ = [
    "TOTAL_POPULATION", "DEM_RES", "POP_RES", "NODATA", "HIGHLAND_M", "HILLS", "CENTRES", "Grid",
    "smooth_noise", "make_dem", "slope_degrees", "make_population", "write_raster",
    "urban_weight", "highland",
]

TOTAL_POPULATION = 17_600_000
"""People in ``population.tif`` (Shenzhen's resident population is about 17.6 million)."""
DEM_RES = 0.0005  # degrees, about 50 m
POP_RES = 0.0025  # degrees, about 250 m
NODATA = -9999.0
HIGHLAND_M = 250.0  # grid roads (primary/secondary) stop where the DEM rises above this

HILLS = [  # (name, lon, lat, peak height m, spread km)
    ("梧桐山", 114.20, 22.58, 940.0, 2.6),
    ("七娘山", 114.55, 22.48, 870.0, 2.4),
    ("阳台山", 113.98, 22.66, 590.0, 2.2),
    ("塘朗山", 113.98, 22.58, 430.0, 1.8),
    ("马峦山", 114.33, 22.63, 690.0, 2.6),
    ("排牙山", 114.47, 22.62, 700.0, 2.4),
    ("凤凰山", 113.85, 22.66, 370.0, 1.6),
]
CENTRES = [  # (lon, lat, relative density, spread km): population centres
    (114.055, 22.540, 1.00, 3.0),  # 福田
    (114.120, 22.550, 0.90, 2.5),  # 罗湖
    (113.930, 22.530, 0.80, 3.0),  # 南山
    (113.880, 22.565, 0.70, 3.0),  # 宝安中心
    (113.830, 22.720, 0.45, 3.5),  # 沙井/松岗
    (114.030, 22.650, 0.65, 3.5),  # 龙华
    (114.120, 22.610, 0.55, 3.0),  # 布吉
    (114.250, 22.720, 0.50, 4.0),  # 龙岗中心
    (114.350, 22.700, 0.30, 3.0),  # 坪山
    (113.930, 22.760, 0.30, 3.5),  # 光明
    (114.240, 22.560, 0.20, 2.0),  # 盐田
]


class Grid:
    """A north-up raster grid in EPSG:4326 with cell-centre coordinates and point look-up."""

    def __init__(self, bounds: tuple[float, float, float, float], res: float) -> None:
        west, south, east, north = bounds
        self.res = res
        self.width = int(np.ceil((east - west) / res))
        self.height = int(np.ceil((north - south) / res))
        self.transform: Affine = Affine.translation(west, north) @ Affine.scale(res, -res)
        self.west, self.north = west, north
        self.lon = west + (np.arange(self.width) + 0.5) * res
        self.lat = north - (np.arange(self.height) + 0.5) * res

    def index(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        col = np.clip(((x - self.west) / self.res).astype(int), 0, self.width - 1)
        row = np.clip(((self.north - y) / self.res).astype(int), 0, self.height - 1)
        return row, col

    def mask(self, geom: shapely.Geometry) -> np.ndarray:
        """True for cells whose centre lies inside ``geom``."""
        return rasterio.features.geometry_mask(
            [geom], out_shape=(self.height, self.width), transform=self.transform, invert=True
        )

    def cell_points(
        self, rng: np.random.Generator, weights: np.ndarray, n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` random points in cells drawn with probability proportional to ``weights``."""
        flat = np.clip(weights.ravel().astype(float), 0, None)
        cells = rng.choice(flat.size, size=n, p=flat / flat.sum())
        row, col = np.divmod(cells, self.width)
        x = self.west + (col + rng.random(n)) * self.res
        y = self.north - (row + rng.random(n)) * self.res
        return x, y


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], scale: int) -> np.ndarray:
    """A smooth random field of unit standard deviation with features ``scale`` cells across."""
    h, w = shape
    coarse = rng.standard_normal((h // scale + 4, w // scale + 4))
    field = ndimage.zoom(coarse, scale, order=3, mode="nearest")[:h, :w]
    return (field - field.mean()) / (field.std() or 1.0)



def make_dem(
    rng: np.random.Generator, grid: Grid, land: np.ndarray, to_metric: pyproj.Transformer
) -> np.ndarray:
    """Elevation in metres (float32), NODATA over the sea."""
    shape = (grid.height, grid.width)
    lon, lat = np.meshgrid(grid.lon, grid.lat)
    east, north = to_metric.transform(lon, lat)
    elev = 6.0 + 10.0 * (smooth_noise(rng, shape, 100) + 1.0)  # coastal plain, 0-30 m
    hills = np.zeros(shape)

    land_rows, land_cols = np.nonzero(land)
    picks = rng.integers(0, land_rows.size, 70)
    bumps = [(lon0, lat0, h, s * 1000.0) for _, lon0, lat0, h, s in HILLS]
    bumps += [
        (grid.lon[c], grid.lat[r], float(h), float(s))
        for r, c, h, s in zip(
            land_rows[picks], land_cols[picks],
            rng.lognormal(np.log(90.0), 0.6, picks.size).clip(30.0, 350.0),
            rng.uniform(400.0, 1500.0, picks.size), strict=True,
        )
    ]
    for lon0, lat0, height, sigma in bumps:
        half = 4.0 * sigma / 100_000.0  # a degree is > 100 km here, so this window is generous
        c0, c1 = np.searchsorted(grid.lon, [lon0 - half, lon0 + half])
        r0, r1 = np.searchsorted(-grid.lat, [-(lat0 + half), -(lat0 - half)])
        if c1 <= c0 or r1 <= r0:
            continue
        e0, n0 = to_metric.transform(lon0, lat0)
        d2 = (east[r0:r1, c0:c1] - e0) ** 2 + (north[r0:r1, c0:c1] - n0) ** 2
        hills[r0:r1, c0:c1] += height * np.exp(-d2 / (2.0 * sigma**2))
    detail = smooth_noise(rng, shape, 14) * (2.0 + 0.12 * hills)  # rougher on the hills
    elev = np.clip(elev + hills + detail, 0.5, None)
    out = np.where(land, np.round(elev, 1), NODATA).astype(np.float32)
    return out


def slope_degrees(dem: np.ndarray, grid: Grid) -> np.ndarray:
    """Slope in degrees with cell sizes in metres from the WGS 84 ellipsoid (NaN at the coast)."""
    geod = pyproj.Geod(ellps="WGS84")
    _, _, dx = geod.inv(np.full(grid.height, grid.west), grid.lat,
                        np.full(grid.height, grid.west + grid.res), grid.lat)
    _, _, dy = geod.inv(grid.lon[0], grid.lat[0], grid.lon[0], grid.lat[0] - grid.res)
    z = np.where(dem == NODATA, np.nan, dem.astype(float))
    dz_dy, dz_dx = np.gradient(z)
    return np.degrees(np.arctan(np.hypot(dz_dx / dx[:, None], dz_dy / dy)))


def block_mean(values: np.ndarray, factor: int, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    padded = np.zeros((h * factor, w * factor))
    padded[: values.shape[0], : values.shape[1]] = values
    return padded.reshape(h, factor, w, factor).mean(axis=(1, 3))


def make_population(
    rng: np.random.Generator, grid: Grid, dem: np.ndarray, dem_grid: Grid,
    to_metric: pyproj.Transformer,
) -> np.ndarray:
    """People per cell (float32), 0 outside land, summing to :data:`TOTAL_POPULATION`."""
    factor = round(grid.res / dem_grid.res)
    shape = (grid.height, grid.width)
    land = dem != NODATA
    land_share = block_mean(land.astype(float), factor, shape)
    elev = block_mean(np.where(land, dem, 0.0), factor, shape) / np.maximum(land_share, 1e-9)
    lon, lat = np.meshgrid(grid.lon, grid.lat)
    east, north = to_metric.transform(lon, lat)
    density = np.full(shape, 0.06)
    for lon0, lat0, weight, spread_km in CENTRES:
        e0, n0 = to_metric.transform(lon0, lat0)
        d2 = (east - e0) ** 2 + (north - n0) ** 2
        density += weight * np.exp(-d2 / (2.0 * (spread_km * 1000.0) ** 2))
    density *= np.exp(-elev / 90.0) * np.exp(0.35 * smooth_noise(rng, shape, 6))
    people = density * land_share
    people *= TOTAL_POPULATION / people.sum()
    return people.astype(np.float32)


def write_raster(store: FileStore, name: str, data: np.ndarray, grid: Grid,
                  *, nodata: float | None) -> None:
    profile = {
        "driver": "GTiff", "height": data.shape[0], "width": data.shape[1], "count": 1,
        "dtype": "float32", "crs": "EPSG:4326", "transform": grid.transform,
        "compress": "deflate", "predictor": 3, "zlevel": 9,
        "tiled": True, "blockxsize": 256, "blockysize": 256,
    }
    if nodata is not None:
        profile["nodata"] = nodata
    with store.atomic_raster(name) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(data, 1)


def urban_weight(dem: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Population density mapped onto the DEM grid (the grids share their origin)."""
    factor = int(round(POP_RES / DEM_RES))
    rows = np.minimum(np.arange(dem.shape[0]) // factor, population.shape[0] - 1)
    cols = np.minimum(np.arange(dem.shape[1]) // factor, population.shape[1] - 1)
    return np.where(dem != NODATA, population[np.ix_(rows, cols)], 0.0)



def highland(dem: np.ndarray, grid: Grid, *, above_m: float = HIGHLAND_M) -> BaseGeometry:
    """Polygons (EPSG:4326) where the DEM, max-pooled over 4x4 cells, rises above ``above_m``."""
    f = 4
    h, w = dem.shape[0] // f, dem.shape[1] // f
    high = (dem[: h * f, : w * f].reshape(h, f, w, f).max(axis=(1, 3)) > above_m).astype(np.uint8)
    transform = grid.transform @ Affine.scale(f, f)
    polys = [shapely.geometry.shape(g) for g, v in
             rasterio.features.shapes(high, mask=high.astype(bool), transform=transform) if v]
    return shapely.union_all(polys) if polys else shapely.Polygon()

