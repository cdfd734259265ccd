"""Emergency shelters (应急避难场所): capacity, and coverage of the population by service radius.

Shelter classes and their defaults
----------------------------------
The three classes of GB 51143-2015 防灾避难场所设计规范 (紧急/固定/中心避难场所) with a service
radius and an effective area per person. **These are this project's configurable defaults**
(pass ``classes=`` to change them); they follow the standards as far as we know them, from memory,
and should be checked against the edition a bureau uses:

=========  ============  =======  =========  ==============================================
code       中文          radius   m²/person  basis
=========  ============  =======  =========  ==============================================
emergency  紧急避难场所  500 m    1.0        GB 51143-2015: reachable on foot in about
                                             5–10 min, service radius about 0.5 km;
                                             GB 21734-2008 Ⅲ类 (紧急) about 1 m²/person.
                                             (Uncertain: some texts give 0.5–1.0 m².)
fixed      固定避难场所  2 000 m  2.0        GB 51143-2015 固定 (short/medium term):
                                             service radius up to about 2–2.5 km,
                                             2 m²/person for short-term stays; GB 21734
                                             Ⅱ类. (Uncertain.)
central    中心避难场所  5 000 m  3.0        GB 51143-2015 中心避难场所 (city level, long
                                             term, command and medical functions);
                                             ≥ 3 m²/person and a 5 km radius assumed for
                                             the city scale.
=========  ============  =======  =========  ==============================================

Capacity is ``floor(area_m2 / per-capita area)`` unless the register gives a positive
``capacity``. A shelter's own ``service_radius_m`` column, when present and positive, overrides its
class radius.

Coverage
--------
Each populated cell of the population raster counts by its centre: it is *covered* when its
centre lies within the service radius of at least one shelter (distances in
:func:`risk.crs.metric_crs` of the shelters, a transverse Mercator centred on them, scale error below 3e-5 across a city — about 0.15 m on
5 km; checked against ``pyproj.Geod`` in the tests). A covered cell's people are the *demand*
of the nearest shelter that covers it;
``shortfall = max(0, demand - capacity)``. ``people_within`` counts everybody within a shelter's
radius (overlapping shelters each count them).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from pyproj import CRS
from scipy.spatial import cKDTree

from risk.crs import metric_crs
from risk.rasters import check_raster, check_same_crs

__all__ = [
    "ShelterClass",
    "SHELTER_CLASSES",
    "capacity",
    "service_radius",
    "coverage",
    "Coverage",
    "hexagon_totals",
]


@dataclass(frozen=True)
class ShelterClass:
    code: str
    label_zh: str
    label_en: str
    radius_m: float
    per_capita_m2: float


SHELTER_CLASSES: dict[str, ShelterClass] = {
    "emergency": ShelterClass("emergency", "紧急避难场所", "Emergency shelter", 500.0, 1.0),
    "fixed": ShelterClass("fixed", "固定避难场所", "Fixed shelter", 2_000.0, 2.0),
    "central": ShelterClass("central", "中心避难场所", "Central shelter", 5_000.0, 3.0),
}
"""Default classes (see the module docstring for their basis and uncertainty)."""


def _classes_of(shelters: pd.DataFrame, classes: Mapping[str, ShelterClass]) -> pd.Series:
    if "shelter_type" not in shelters.columns:
        raise ValueError(
            "`shelters` must have a shelter_type column "
            "(emergency/fixed/central = 紧急/固定/中心), "
            f"got columns {', '.join(map(str, shelters.columns))}"
        )
    types = shelters["shelter_type"].astype(str)
    bad = ~types.isin(list(classes))
    if bad.any():
        raise ValueError(
            f"`shelters` shelter_type must be one of {', '.join(classes)}, got "
            f"{sorted(set(types[bad]))!r} (rows {', '.join(map(str, types.index[bad][:10]))})"
        )
    return types


def capacity(
    shelters: pd.DataFrame, *, classes: Mapping[str, ShelterClass] = SHELTER_CLASSES
) -> pd.Series:
    """People each shelter holds: the given ``capacity`` if positive, else
    ``floor(area_m2 / per-capita area of its class)`` (0 when neither is known).

    >>> df = pd.DataFrame({"shelter_type": ["emergency", "fixed", "central"],
    ...                    "area_m2": [1500.0, 1500.0, 9000.0], "capacity": [None, 100, None]})
    >>> capacity(df).tolist()
    [1500, 100, 3000]
    """
    types = _classes_of(shelters, classes)
    per = types.map({k: c.per_capita_m2 for k, c in classes.items()}).astype(float)
    area = pd.to_numeric(shelters.get("area_m2", pd.Series(np.nan, index=shelters.index)),
                         errors="coerce")
    derived = np.floor(area.fillna(0).clip(lower=0) / per)
    given = pd.to_numeric(shelters.get("capacity", pd.Series(np.nan, index=shelters.index)),
                          errors="coerce").astype(float)
    out = given.where(given > 0, derived).fillna(0)
    return out.round().astype(int).rename("capacity")


def service_radius(
    shelters: pd.DataFrame, *, classes: Mapping[str, ShelterClass] = SHELTER_CLASSES
) -> pd.Series:
    """Service radius in metres: the row's ``service_radius_m`` if positive, else its class's."""
    types = _classes_of(shelters, classes)
    radius = types.map({k: c.radius_m for k, c in classes.items()}).astype(float)
    if "service_radius_m" in shelters.columns:
        own = pd.to_numeric(shelters["service_radius_m"], errors="coerce")
        radius = own.where(own > 0, radius)
    return radius.rename("radius_m")


@dataclass
class Coverage:
    """Result of :func:`coverage`."""

    shelters: gpd.GeoDataFrame
    """Input shelters + ``capacity, radius_m, people_within, demand, shortfall``."""
    districts: pd.DataFrame
    """By district: ``district, population, covered, uncovered, covered_pct, shelters, capacity,
    capacity_gap`` (gap = population − capacity, at least 0); empty without districts."""
    uncovered: np.ndarray
    """People per cell of the population grid not covered by any shelter (float)."""
    transform: Affine
    crs: CRS
    hexagons: gpd.GeoDataFrame
    """Uncovered people summed into hexagons (EPSG:4326; ``people``), for the map."""
    population: float
    covered: float

    @property
    def uncovered_total(self) -> float:
        return self.population - self.covered


def _read_population(path: str | os.PathLike[str]):
    info = check_raster(path, what="population")
    with rasterio.open(info.path) as src:
        data = src.read(1).astype(float)
    if info.nodata is not None and not math.isnan(info.nodata):
        data[data == info.nodata] = 0.0
    data[~np.isfinite(data) | (data < 0)] = 0.0
    return info, data


def coverage(
    shelters: gpd.GeoDataFrame,
    population_path: str | os.PathLike[str],
    *,
    districts: gpd.GeoDataFrame | None = None,
    classes: Mapping[str, ShelterClass] = SHELTER_CLASSES,
    hex_size_m: float = 1_000.0,
) -> Coverage:
    """Population covered by the shelters' service radii against their capacity.

    Parameters
    ----------
    shelters
        Points with ``shelter_type`` (and ``area_m2``/``capacity``), any CRS.
    population_path
        GeoTIFF of people per cell (nodata, NaN and negative values count as 0).
    districts
        Polygons with ``name``; adds the table by district.
    classes
        Radius and per-capita area per class (default :data:`SHELTER_CLASSES`).
    hex_size_m
        Circumradius of the hexagons that sum the uncovered population for the map.
    """
    if not isinstance(shelters, gpd.GeoDataFrame) or shelters.crs is None:
        raise ValueError("`shelters` must be a GeoDataFrame with a CRS, "
                         f"got {type(shelters).__name__} with crs {getattr(shelters, 'crs', None)}")
    if hex_size_m <= 0:
        raise ValueError(f"`hex_size_m` must be > 0 metres, got {hex_size_m!r}")
    info, pop = _read_population(population_path)
    check_same_crs(info, shelters.crs, layer="shelters layer")
    out = shelters.copy()
    out["capacity"] = capacity(shelters, classes=classes).to_numpy()
    out["radius_m"] = service_radius(shelters, classes=classes).to_numpy()

    rows, cols = np.nonzero(pop > 0)
    people = pop[rows, cols]
    t = info.transform
    cx = t.c + t.a * (cols + 0.5)
    cy = t.f + t.e * (rows + 0.5)
    centres = gpd.GeoSeries(gpd.points_from_xy(cx, cy), crs=info.crs.to_wkt()).to_crs(4326)
    sh4326 = shelters.to_crs(4326)
    metric = metric_crs(sh4326 if len(sh4326) else gpd.GeoSeries(centres.to_numpy(), crs=4326))
    cell_xy = shapely.get_coordinates(centres.to_crs(metric).to_numpy())
    sh_xy = shapely.get_coordinates(shapely.centroid(sh4326.to_crs(metric).geometry.to_numpy()))

    best_d = np.full(len(people), np.inf)
    best_s = np.full(len(people), -1)
    within = np.zeros(len(out))
    if len(people) and len(out):
        tree = cKDTree(cell_xy)
        radii = out["radius_m"].to_numpy(float)
        for s, idx in enumerate(tree.query_ball_point(sh_xy, r=radii)):
            idx = np.asarray(idx, dtype=int)
            if not len(idx):
                continue
            within[s] = people[idx].sum()
            d = np.hypot(*(cell_xy[idx] - sh_xy[s]).T)
            better = d < best_d[idx]
            best_d[idx[better]] = d[better]
            best_s[idx[better]] = s
    covered_mask = best_s >= 0
    demand = np.bincount(best_s[covered_mask], weights=people[covered_mask], minlength=len(out))
    out["people_within"] = within.round(1)
    out["demand"] = demand[: len(out)].round(1)
    out["shortfall"] = np.maximum(0.0, out["demand"] - out["capacity"]).round(1)

    uncovered = np.zeros(pop.shape)
    uncovered[rows[~covered_mask], cols[~covered_mask]] = people[~covered_mask]
    hexes = hexagon_totals(cell_xy[~covered_mask], people[~covered_mask], crs=metric,
                           size_m=hex_size_m)
    table = _district_table(districts, centres, people, covered_mask, sh4326, out["capacity"])
    return Coverage(
        shelters=out, districts=table, uncovered=uncovered, transform=t, crs=info.crs,
        hexagons=hexes, population=float(people.sum()), covered=float(people[covered_mask].sum()),
    )


def _district_table(
    districts: gpd.GeoDataFrame | None,
    centres: gpd.GeoSeries,
    people: np.ndarray,
    covered: np.ndarray,
    shelters: gpd.GeoDataFrame,
    cap: pd.Series,
) -> pd.DataFrame:
    cols = ["district", "population", "covered", "uncovered", "covered_pct", "shelters",
            "capacity", "capacity_gap"]
    if districts is None or len(districts) == 0:
        return pd.DataFrame(columns=cols)
    d4326 = districts.to_crs(4326)
    names = (d4326["name"] if "name" in d4326.columns else pd.Series(d4326.index.astype(str)))
    xy = shapely.get_coordinates(centres.to_numpy())
    sxy = shapely.get_coordinates(shapely.centroid(shelters.geometry.to_numpy()))
    rows = []
    for name, geom in zip(names.tolist(), d4326.geometry.to_numpy(), strict=True):
        inside = shapely.contains_xy(geom, xy[:, 0], xy[:, 1]) if len(xy) else np.zeros(0, bool)
        s_in = shapely.contains_xy(geom, sxy[:, 0], sxy[:, 1]) if len(sxy) else np.zeros(0, bool)
        pop = float(people[inside].sum())
        cov = float(people[inside & covered].sum())
        capacity_ = int(cap.to_numpy()[s_in].sum())
        rows.append({
            "district": str(name), "population": round(pop, 1), "covered": round(cov, 1),
            "uncovered": round(pop - cov, 1),
            "covered_pct": round(100 * cov / pop, 1) if pop > 0 else 0.0,
            "shelters": int(s_in.sum()), "capacity": capacity_,
            "capacity_gap": round(max(0.0, pop - capacity_), 1),
        })
    return pd.DataFrame(rows, columns=cols)


def hexagon_totals(
    xy: np.ndarray, values: np.ndarray, *, crs: object, size_m: float = 1_000.0
) -> gpd.GeoDataFrame:
    """Sum ``values`` at metric points ``xy`` into pointy-top hexagons of circumradius ``size_m``.

    Returns EPSG:4326 hexagons with a ``people`` column (only hexagons with a positive sum).

    >>> h = hexagon_totals(np.array([[0.0, 0.0], [10.0, 0.0], [5000.0, 0.0]]),
    ...                    np.array([1.0, 2.0, 4.0]), crs="EPSG:32650", size_m=1000)
    >>> sorted(h["people"].tolist())
    [3.0, 4.0]
    """
    if len(xy) == 0:
        return gpd.GeoDataFrame({"people": []}, geometry=gpd.GeoSeries([], crs=4326))
    s = float(size_m)
    x, y = xy[:, 0], xy[:, 1]
    q = (math.sqrt(3) / 3 * x - y / 3) / s
    r = (2 / 3 * y) / s
    # cube rounding
    cx, cz = q, r
    cy = -cx - cz
    rx, ry, rz = np.round(cx), np.round(cy), np.round(cz)
    dx, dy, dz = np.abs(rx - cx), np.abs(ry - cy), np.abs(rz - cz)
    fix_x = (dx > dy) & (dx > dz)
    fix_z = ~fix_x & (dz >= dy)
    rx = np.where(fix_x, -ry - rz, rx)
    rz = np.where(fix_z, -rx - ry, rz)
    frame = pd.DataFrame({"q": rx.astype(int), "r": rz.astype(int), "v": values})
    sums = frame.groupby(["q", "r"], as_index=False)["v"].sum()
    sums = sums[sums["v"] > 0]
    hx = s * math.sqrt(3) * (sums["q"] + sums["r"] / 2)
    hy = s * 1.5 * sums["r"]
    angles = np.radians(30 + 60 * np.arange(6))
    rings = np.stack([hx.to_numpy()[:, None] + s * np.cos(angles),
                      hy.to_numpy()[:, None] + s * np.sin(angles)], axis=-1)
    polys = shapely.polygons(np.concatenate([rings, rings[:, :1]], axis=1))
    hexes = gpd.GeoSeries(polys, crs=CRS.from_user_input(crs))
    return gpd.GeoDataFrame({"people": sums["v"].round(1).to_numpy()}, geometry=hexes).to_crs(4326)
