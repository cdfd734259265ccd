"""The sample's road network: a seeded synthetic city network that routes like a city.

Part of the sample generator (:mod:`data.sample`). Built in the districts' metric CRS:

- a jittered street lattice (:data:`SPACING_M` apart) over the land, every
  :data:`ARTERIAL_EVERY`-th street an arterial, every :data:`SECONDARY_EVERY`-th a secondary road,
  the rest local streets (about one in :data:`ONEWAY_ONE_IN` of them one-way, alternating);
- no street on the hills (DEM above :data:`data.sample_terrain.HIGHLAND_M`) or in the sea;
- three synthetic rivers that local and secondary streets do not cross: only arterials do
  (bridges), so two points facing each other across a river are far apart by road;
- expressways linking the district centres, crossing rivers and hills (bridges, tunnels, passes)
  and joining the streets only at interchanges every :data:`INTERCHANGE_M` (elsewhere they pass
  over the streets without a shared vertex).

Every line carries ``class``, ``speed_kmh`` (the class default of
:data:`risk.network_graph.DEFAULT_SPEED_KMH`), ``oneway`` and the older ``road_class``; names
start with "合成" (synthetic). Streets are written as long lines (a lattice row or column between
gaps), so the layer has a few thousand rows and the routable graph about
``2 × segments`` directed edges (see the sample's ``dataset.json`` counts).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from risk.network_graph import DEFAULT_SPEED_KMH

__all__ = ["SPACING_M", "ARTERIAL_EVERY", "SECONDARY_EVERY", "INTERCHANGE_M", "ONEWAY_ONE_IN",
           "make_road_network", "make_rivers"]

SPACING_M = 160.0
ARTERIAL_EVERY = 12
SECONDARY_EVERY = 4
INTERCHANGE_M = 3_000.0
ONEWAY_ONE_IN = 8
_JITTER_M = 25.0
_LEGACY = {"expressway": "expressway", "arterial": "primary", "secondary": "secondary",
           "local": "secondary"}
_LABEL = {"expressway": "合成快速路", "arterial": "合成主干路", "secondary": "合成次干路",
          "local": "合成街道"}


def _wiggly(rng: np.random.Generator, start: NDArray[np.float64], end: NDArray[np.float64], *,
            jitter: float, steps: int) -> NDArray[np.float64]:
    t = np.linspace(0.0, 1.0, steps + 1)[:, None]
    line = start + t * (end - start)
    d = end - start
    normal = np.array([-d[1], d[0]]) / (np.hypot(*d) or 1.0)
    offset = np.cumsum(rng.standard_normal(steps + 1)) * jitter / np.sqrt(steps)
    offset -= offset[0] + t[:, 0] * (offset[-1] - offset[0])
    return np.asarray(line + offset[:, None] * normal)


def make_rivers(rng: np.random.Generator, box: tuple[float, float, float, float]
                ) -> list[shapely.LineString]:
    """Three synthetic rivers (metric lines) across the box: west, centre, east, running
    roughly south–north like the Maozhou, Guanlan and Longgang rivers."""
    x0, y0, x1, y1 = box
    rivers = []
    for share in (0.18, 0.47, 0.78):
        x = x0 + share * (x1 - x0)
        start = np.array([x + rng.uniform(-3000, 3000), y0 + 0.05 * (y1 - y0)])
        end = np.array([x + rng.uniform(-6000, 6000), y1])
        rivers.append(shapely.LineString(_wiggly(rng, start, end, jitter=2500.0, steps=60)))
    return rivers


def _runs(keep: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(first, last) edge index of each run of consecutive True values."""
    padded = np.concatenate([[False], keep, [False]])
    change = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(change[0::2], change[1::2] - 1, strict=True))


def _street_lines(px: NDArray[np.float64], py: NDArray[np.float64], valid: NDArray[np.bool_],
                  rivers: BaseGeometry) -> list[tuple[str, bool, NDArray[np.float64]]]:
    """Lines along the lattice rows and columns between gaps, with (class, oneway, coords)."""
    out: list[tuple[str, bool, NDArray[np.float64]]] = []
    shapely.prepare(rivers)
    for axis in (0, 1):
        xs, ys, ok = (px, py, valid) if axis == 0 else (px.T, py.T, valid.T)
        # edges along each row: (i, j) - (i, j + 1)
        edge_ok = ok[:, :-1] & ok[:, 1:]
        rows = np.flatnonzero(edge_ok.any(axis=1))
        seg = shapely.linestrings(np.stack(
            [np.stack([xs[rows, :-1], ys[rows, :-1]], -1), np.stack([xs[rows, 1:], ys[rows, 1:]], -1)],
            axis=-2).reshape(-1, 2, 2))
        crosses = shapely.intersects(seg, rivers).reshape(rows.size, -1)
        for k, i in enumerate(rows):
            cls = ("arterial" if i % ARTERIAL_EVERY == 0 else
                   "secondary" if i % SECONDARY_EVERY == 0 else "local")
            keep = edge_ok[i] & (~crosses[k] | (cls == "arterial"))
            oneway = cls == "local" and (i // 2) % ONEWAY_ONE_IN == 0
            for a, b in _runs(keep):
                coords = np.column_stack([xs[i, a:b + 2], ys[i, a:b + 2]])
                if oneway and (i // 2) % (2 * ONEWAY_ONE_IN) == 0:
                    coords = coords[::-1]
                out.append((cls, oneway, coords))
    return out


def _expressways(rng: np.random.Generator, centres: NDArray[np.float64],
                 nodes: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """Expressways along the minimum spanning tree of the district centres (plus the five
    shortest other links), with a vertex every ~250 m; every INTERCHANGE_M one vertex is moved
    onto the nearest street node (an interchange), the others are overpasses."""
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial import cKDTree

    dist = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    tree = minimum_spanning_tree(dist).toarray() > 0
    pairs = [tuple(p) for p in np.argwhere(tree)]
    others = sorted((dist[i, j], i, j) for i in range(len(centres)) for j in range(i + 1, len(centres))
                    if not tree[i, j] and not tree[j, i])
    pairs += [(i, j) for _, i, j in others[:5]]
    index = cKDTree(nodes)
    lines = []
    for i, j in pairs:
        steps = max(4, int(dist[i, j] // 250.0))
        line = _wiggly(rng, centres[i], centres[j], jitter=800.0, steps=steps)
        every = max(1, int(INTERCHANGE_M // 250.0))
        at = np.unique(np.r_[np.arange(0, line.shape[0], every), line.shape[0] - 1])
        _, near = index.query(line[at])
        line[at] = nodes[near]
        lines.append(line)
    return lines


def make_road_network(
    rng: np.random.Generator, districts: gpd.GeoDataFrame, land: BaseGeometry,
    highland: BaseGeometry, to_metric: pyproj.Transformer, to_wgs: pyproj.Transformer,
) -> gpd.GeoDataFrame:
    """The ``roads`` layer of the sample (EPSG:4326): streets, arterials, expressways."""
    west, south, east, north = land.bounds
    (x0, x1), (y0, y1) = to_metric.transform([west, east], [south, north])
    x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    gx = np.arange(x0, x1 + SPACING_M, SPACING_M)
    gy = np.arange(y0, y1 + SPACING_M, SPACING_M)
    px, py = np.meshgrid(gx, gy)
    px = px + rng.uniform(-_JITTER_M, _JITTER_M, px.shape)
    py = py + rng.uniform(-_JITTER_M, _JITTER_M, py.shape)
    lon, lat = to_wgs.transform(px.ravel(), py.ravel())
    shapely.prepare(land)
    shapely.prepare(highland)
    on_land = shapely.contains_xy(land, lon, lat)
    on_hill = shapely.contains_xy(highland, lon, lat) if not highland.is_empty else False
    valid = np.asarray(on_land & ~on_hill).reshape(px.shape)
    rivers = shapely.union_all(make_rivers(rng, (x0, y0, x1, y1)))
    streets = _street_lines(px, py, valid, rivers)

    centre = shapely.get_coordinates(districts.geometry.representative_point())
    ce, cn = to_metric.transform(centre[:, 0], centre[:, 1])
    nodes = np.column_stack([px[valid], py[valid]])
    express = [("expressway", False, line)
               for line in _expressways(rng, np.column_stack([ce, cn]), nodes)]
    lines = express + streets
    metric = np.array([shapely.LineString(c) for _, _, c in lines], dtype=object)

    def project(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1]))

    geoms = shapely.transform(metric, project)
    classes = np.array([c for c, _, _ in lines], dtype=object)
    order = np.argsort([list(_LABEL).index(c) for c in classes], kind="stable")
    classes, geoms = classes[order], geoms[order]
    oneway = np.array([o for _, o, _ in lines], dtype=bool)[order]
    number = np.zeros(classes.size, dtype=int)
    for cls in _LABEL:
        mask = classes == cls
        number[mask] = np.arange(1, mask.sum() + 1)
    names = np.array([_LABEL[c] for c in classes], dtype=object) + number.astype(str).astype(object) + "号"
    return gpd.GeoDataFrame(
        {"id": np.char.add("R", np.char.zfill(np.arange(1, classes.size + 1).astype(str), 5)).astype(object),
         "name": names,
         "road_class": np.array([_LEGACY[c] for c in classes], dtype=object),
         "class": classes,
         "speed_kmh": np.array([DEFAULT_SPEED_KMH[c] for c in classes], dtype=float),
         "oneway": oneway},
        geometry=gpd.GeoSeries(geoms, crs=4326),
    )
