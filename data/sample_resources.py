"""The sample's emergency resources: rescue teams, material depots (with stock) and equipment.

Part of the sample generator (:mod:`data.sample`); all synthetic ("合成" in every name). Teams and
depots sit beside a street of the sample network (within ~60 m of one of its vertices), in places
drawn by population, so they snap onto the roads the way real stations do; about
:data:`BELOW_MIN_SHARE` of the stock rows are below their minimum level and :data:`EXPIRED_SHARE`
past their expiry date (on :data:`data.sample_layers.REFERENCE_DATE`), so the flags have
something to show.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

__all__ = ["TEAM_KINDS", "DEPOT_ITEMS", "N_TEAMS", "N_DEPOTS", "BELOW_MIN_SHARE",
           "EXPIRED_SHARE", "make_resources"]

TEAM_KINDS = {"综合消防": 0.55, "危化": 0.10, "矿山": 0.03, "森林": 0.08, "水域": 0.08,
              "医疗": 0.10, "电力": 0.06}
"""Kinds of rescue team and their shares in the sample."""
DEPOT_ITEMS = {  # item: (unit, typical quantity, shelf life in days or 0)
    "吸附棉": ("千克", 800, 1825), "防化服": ("套", 120, 1825), "沙袋": ("个", 5000, 0),
    "帐篷": ("顶", 300, 0), "折叠床": ("张", 500, 0), "救生衣": ("件", 400, 1825),
    "发电机": ("台", 20, 0), "应急照明灯": ("盏", 200, 0), "饮用水": ("箱", 2000, 365),
    "方便食品": ("箱", 1500, 270), "灭火器": ("具", 600, 1825), "堵漏器材": ("套", 40, 0),
}
"""Stock items of the sample depots (unit, typical quantity, shelf life)."""
N_TEAMS = 200
N_DEPOTS = 40
BELOW_MIN_SHARE = 0.08
EXPIRED_SHARE = 0.05
_EQUIPMENT = {"综合消防": ["水罐消防车", "抢险救援车", "登高平台车"], "危化": ["防化洗消车", "侦检车"],
              "矿山": ["救护车", "排水设备"], "森林": ["风力灭火机", "森林消防车"],
              "水域": ["冲锋舟", "橡皮艇"], "医疗": ["救护车", "移动医院方舱"],
              "电力": ["应急发电车", "照明车"]}


def _places(rng: np.random.Generator, n: int, population: NDArray[np.float64],
            pop_transform: object, roads: gpd.GeoDataFrame, to_metric: pyproj.Transformer,
            to_wgs: pyproj.Transformer) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """n points beside street vertices, in cells drawn by population."""
    from scipy.spatial import cKDTree

    weights = np.clip(np.nan_to_num(population.ravel()), 0, None)
    cells = rng.choice(weights.size, n, p=weights / weights.sum())
    rows, cols = np.divmod(cells, population.shape[1])
    a = pop_transform  # affine of the population raster (EPSG:4326)
    lon = a.c + (cols + 0.5) * a.a  # type: ignore[attr-defined]
    lat = a.f + (rows + 0.5) * a.e  # type: ignore[attr-defined]
    streets = roads[roads["class"] != "expressway"] if "class" in roads else roads
    vx, vy = to_metric.transform(*shapely.get_coordinates(streets.geometry.to_numpy()).T)
    ex, ny = to_metric.transform(lon, lat)
    _, near = cKDTree(np.column_stack([vx, vy])).query(np.column_stack([ex, ny]))
    angle = rng.uniform(0, 2 * np.pi, n)
    r = rng.uniform(10.0, 60.0, n)
    px, py = vx[near] + r * np.cos(angle), vy[near] + r * np.sin(angle)
    out_lon, out_lat = to_wgs.transform(px, py)
    return np.asarray(out_lon), np.asarray(out_lat)


def make_resources(
    rng: np.random.Generator, districts: gpd.GeoDataFrame, roads: gpd.GeoDataFrame,
    population: NDArray[np.float64], pop_transform: object, to_metric: pyproj.Transformer,
    to_wgs: pyproj.Transformer, *, reference_date: dt.date,
) -> dict[str, gpd.GeoDataFrame]:
    """``{"rescue_teams", "material_depots", "equipment"}`` layers of the sample (EPSG:4326)."""
    from data.sample_layers import districts_at

    lon, lat = _places(rng, N_TEAMS, population, pop_transform, roads, to_metric, to_wgs)
    kinds = rng.choice(list(TEAM_KINDS), N_TEAMS, p=np.array(list(TEAM_KINDS.values())))
    points = gpd.GeoSeries(shapely.points(lon, lat), crs=4326)
    district = districts_at(lon, lat, districts)
    members = np.where(kinds == "综合消防", rng.integers(20, 60, N_TEAMS), rng.integers(8, 30, N_TEAMS))
    number = np.arange(1, N_TEAMS + 1)
    teams = gpd.GeoDataFrame({
        "id": [f"T{i:03d}" for i in number],
        "name": [f"合成{d or '深圳'}{k}救援队{i}号" for d, k, i in zip(district, kinds, number, strict=True)],
        "kind": kinds, "members": members, "vehicles": np.maximum(1, members // 6),
        "ready_min": np.where(kinds == "综合消防", 1.0, rng.choice([2.0, 3.0, 5.0, 10.0], N_TEAMS)),
        "district": district, "phone": [f"0755-8{rng.integers(0, 10**6):06d}" for _ in number],
    }, geometry=points)

    dlon, dlat = _places(rng, N_DEPOTS, population, pop_transform, roads, to_metric, to_wgs)
    dpoints = gpd.GeoSeries(shapely.points(dlon, dlat), crs=4326)
    ddistrict = districts_at(dlon, dlat, districts)
    rows = []
    items = list(DEPOT_ITEMS)
    for k in range(N_DEPOTS):
        chosen = rng.choice(items, int(rng.integers(4, 9)), replace=False)
        if k % 5 == 0:  # every fifth depot keeps hazmat stock
            chosen = np.unique(np.r_[chosen, ["吸附棉", "防化服"]])
        for item in chosen:
            unit, typical, life = DEPOT_ITEMS[str(item)]
            minimum = float(round(typical * rng.uniform(0.3, 0.6)))
            low = rng.random() < BELOW_MIN_SHARE
            quantity = float(round(minimum * (rng.uniform(0.1, 0.9) if low else rng.uniform(1.1, 3.0))))
            if life:
                expired = rng.random() < EXPIRED_SHARE
                days = int(rng.integers(-300, -1)) if expired else int(rng.integers(30, life))
                expiry = (reference_date + dt.timedelta(days=days)).isoformat()
            else:
                expiry = ""
            rows.append({"depot": k, "item": str(item), "quantity": quantity, "unit": unit,
                         "expiry": expiry, "min_level": minimum})
    depot = np.array([r["depot"] for r in rows])
    depots = gpd.GeoDataFrame({
        "id": [f"M{d + 1:02d}-{j:02d}" for j, d in enumerate(depot)],
        "name": [f"合成{ddistrict[d] or '深圳'}应急物资储备库{d + 1}号" for d in depot],
        "district": [ddistrict[d] for d in depot],
        "item": [r["item"] for r in rows], "quantity": [r["quantity"] for r in rows],
        "unit": [r["unit"] for r in rows], "expiry": [r["expiry"] for r in rows],
        "min_level": [r["min_level"] for r in rows],
        "phone": [f"0755-2{d:03d}{d * 7 % 1000:03d}" for d in depot],
    }, geometry=dpoints.iloc[depot].reset_index(drop=True))

    owner = np.repeat(np.arange(N_TEAMS), 2)
    equip_names = [str(rng.choice(_EQUIPMENT[str(kinds[t])])) for t in owner]
    equipment = gpd.GeoDataFrame({
        "id": [f"E{j + 1:04d}" for j in range(owner.size)],
        "name": [f"合成{n}" for n in equip_names], "kind": equip_names,
        "count": rng.integers(1, 5, owner.size), "owner": teams["id"].to_numpy()[owner],
        "district": np.asarray(district, dtype=object)[owner],
    }, geometry=points.iloc[owner].reset_index(drop=True))
    return {"rescue_teams": teams, "material_depots": depots, "equipment": equipment}
