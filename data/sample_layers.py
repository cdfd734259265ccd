"""The sample's vector layers: enterprises, registered slopes, waterlogging points, shelters, roads.

Part of the sample generator (:mod:`data.sample`, which documents the sample). Shapes that need
metres (park clusters, slope polygons, roads) are built in :func:`risk.crs.metric_crs` of the
districts (``to_metric`` / ``to_wgs`` transformers) and projected back to EPSG:4326.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import cast

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from data.sample_terrain import NODATA, Grid, slope_degrees

__all__ = [
    "REFERENCE_DATE", "PER_CAPITA_M2", "GRADE_SHARES", "INDUSTRY_SHARES", "DISTRICT_WEIGHTS",
    "N_SLOPES", "N_WATERLOGGING", "N_SHELTERS", "SCRIPT_NAME", "districts_at",
    "make_enterprises", "make_slopes", "make_waterlogging", "make_shelters",
    "N_SENSITIVE", "SENSITIVE_MIX", "make_sensitive_sites",
]

REFERENCE_DATE = dt.date(2026, 11, 1)
"""Inspection dates fall in the two years before this date (fixed, so output is deterministic)."""
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

MAX_ENTERPRISE_ELEV_M = 150.0
N_PARKS = 48
PARK_SHARE = 0.6
N_SLOPES = 300
N_WATERLOGGING = 400
N_SHELTERS = 600

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


def districts_at(x: np.ndarray, y: np.ndarray, districts: gpd.GeoDataFrame) -> np.ndarray:
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


def make_enterprises(
    rng: np.random.Generator, n: int, districts: gpd.GeoDataFrame, dem: np.ndarray,
    grid: Grid, to_metric: pyproj.Transformer, to_wgs: pyproj.Transformer,
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
        pe, pn = to_metric.transform(px, py)
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
    district = districts_at(x, y, districts)

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


def make_slopes(
    rng: np.random.Generator, districts: gpd.GeoDataFrame, dem: np.ndarray, grid: Grid,
    to_metric: pyproj.Transformer, to_wgs: pyproj.Transformer,
) -> gpd.GeoDataFrame:
    slope = np.nan_to_num(slope_degrees(dem, grid), nan=0.0)
    steep = np.where(slope >= np.quantile(slope[slope > 0], 0.85), slope**2, 0.0)
    x, y = grid.cell_points(rng, steep, N_SLOPES)
    e, m = to_metric.transform(x, y)
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
    district = districts_at(centre[:, 0], centre[:, 1], districts)
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



def make_waterlogging(
    rng: np.random.Generator, districts: gpd.GeoDataFrame, dem: np.ndarray, grid: Grid,
    urban: np.ndarray,
) -> gpd.GeoDataFrame:
    n = N_WATERLOGGING
    low = np.exp(-np.clip(dem, 0, None) / 12.0)
    x, y = grid.cell_points(rng, urban * low * (dem != NODATA), n)
    district = districts_at(x, y, districts)
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


def make_shelters(
    rng: np.random.Generator, districts: gpd.GeoDataFrame, dem: np.ndarray, grid: Grid,
    urban: np.ndarray,
) -> gpd.GeoDataFrame:
    n = N_SHELTERS
    flat = (dem != NODATA) & (dem < 200.0)
    x, y = grid.cell_points(rng, urban * flat, n)
    district = districts_at(x, y, districts)
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


N_SENSITIVE = 900
SENSITIVE_MIX: dict[str, tuple[float, float, float, float, tuple[str, ...]]] = {
    # kind: (share, median people, least, most, name endings)
    "school": (0.38, 1_500.0, 300.0, 4_000.0, ("小学", "中学", "实验学校", "外国语学校")),
    "kindergarten": (0.25, 250.0, 60.0, 600.0, ("幼儿园", "实验幼儿园")),
    "hospital": (0.08, 600.0, 100.0, 3_000.0, ("人民医院", "中医院", "社区健康服务中心")),
    "care_home": (0.10, 120.0, 30.0, 500.0, ("养老院", "颐养院", "长者服务中心")),
    "market": (0.13, 2_000.0, 300.0, 10_000.0, ("农贸市场", "购物广场", "商业中心")),
    "venue": (0.06, 5_000.0, 1_000.0, 40_000.0, ("体育馆", "文化中心", "会展中心")),
}
"""The synthetic sensitive sites: how many of each kind and how many people they hold."""


def make_sensitive_sites(
    rng: np.random.Generator, districts: gpd.GeoDataFrame, grid: Grid, urban: np.ndarray,
    *, n: int = N_SENSITIVE,
) -> gpd.GeoDataFrame:
    """Synthetic schools, kindergartens, hospitals, care homes, markets and venues where people
    live (drawn by ``urban`` weight on ``grid``), each with the people it holds; names say
    "合成" so nobody takes one for a real site."""
    kinds = list(SENSITIVE_MIX)
    share = np.array([SENSITIVE_MIX[k][0] for k in kinds])
    k = rng.choice(len(kinds), size=n, p=share / share.sum())
    x, y = grid.cell_points(rng, urban, n)
    district = districts_at(x, y, districts)
    median, low, high = (np.array([SENSITIVE_MIX[c][i] for c in kinds])[k] for i in (1, 2, 3))
    people = np.clip(median * rng.lognormal(0.0, 0.45, n), low, high).round(-1).astype(np.int64)
    ending = _pick_grouped(rng, [list(SENSITIVE_MIX[c][4]) for c in kinds], k)
    place = _pick(rng, _SYLLABLES, n) + _pick(rng, _SYLLABLES, n)
    sub = np.array([rng.choice(_SUBDISTRICTS.get(d, d[:2]).split()) if d else "" for d in district],
                   dtype=object)
    street = _pick(rng, _SYLLABLES, n) + _pick(rng, _SYLLABLES, n) + _pick(rng, _STREET_SUFFIXES, n)
    number = _numbers(np.minimum(rng.geometric(0.02, n), 999))
    return gpd.GeoDataFrame(
        {
            "id": "S" + _numbers(np.arange(1, n + 1), 4),
            "name": "合成" + place + ending,
            "kind": np.array(kinds, dtype=object)[k],
            "people": people,
            "district": district,
            "address": district + sub + "街道" + street + number + "号",
        },
        geometry=gpd.points_from_xy(x, y, crs=4326),
    )
