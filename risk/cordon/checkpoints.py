"""Candidate checkpoints: where roads cross the outer boundary of each cordon zone but the core.

A crossing of the control zone's boundary is a 管制点 (traffic-control checkpoint), of the
warning zone's a 警戒点; rings beyond them give 外围卡口 (outer checkpoints).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from risk.cordon.geodesy import DIRECTIONS, _approx_distance, geodesic_distance
from risk.cordon.index import _RoadVertices, _Shapes
from risk.cordon.rings import Zone
from risk.crs import aeqd_transformers

__all__: list[str] = []

_CHECKPOINT_NAMES = {
    "control": ("管制点", "Traffic-control checkpoint"),
    "warning": ("警戒点", "Warning-line checkpoint"),
}


def _checkpoints(
    roads: _Shapes, vertices: _RoadVertices, center: tuple[float, float],
    zones: tuple[Zone, ...], box: tuple[float, float, float, float],
) -> pd.DataFrame:
    """Where roads cross the outer boundary of every zone but the core (管制点/警戒点…).

    Roads are densified to ~200 m segments and projected to the incident's azimuthal-equidistant
    CRS, where distance from the origin is the geodesic distance; each segment whose ends lie on
    either side of a boundary is cut where it meets the circle (solved exactly).
    """
    columns = ["kind", "kind_en", "boundary_m", "road_id", "road_name", "road_class", "lon", "lat",
               "bearing_deg", "direction"]
    rows = roads.in_box(box)
    if rows.size == 0 or len(zones) < 2 or vertices.lon.size == 0:
        return pd.DataFrame(columns=columns)
    wanted = np.zeros(len(roads.table), dtype=bool)
    wanted[rows] = True
    vi = np.flatnonzero(wanted[vertices.road])
    # keep only vertices that can end a segment crossing a boundary (segments are < 320 m)
    approx = _approx_distance(center[0], center[1], vertices.lon[vi], vertices.lat[vi])
    near = np.zeros(vi.size, dtype=bool)
    for zone in zones[1:]:
        near |= np.abs(approx - zone.outer_m) < 500.0
    vi = vi[near]
    lon, lat, part = vertices.lon[vi], vertices.lat[vi], vertices.part[vi]
    to_local, to_geo = aeqd_transformers(*center)
    x, y = to_local.transform(lon, lat)
    x, y = np.asarray(x), np.asarray(y)
    dist = np.hypot(x, y)  # exact geodesic distance in the azimuthal-equidistant CRS
    same = (part[:-1] == part[1:]) & (np.diff(vi) == 1)
    found = []
    for zone in zones[1:]:
        r = zone.outer_m
        side = dist >= r
        seg = np.flatnonzero(same & (side[:-1] != side[1:]))
        if seg.size == 0:
            continue
        # |p0 + t (p1 - p0)| = r on the (short, ~200 m) segment: the root in [0, 1]
        x0, y0 = x[seg], y[seg]
        dx, dy = x[seg + 1] - x0, y[seg + 1] - y0
        a = dx * dx + dy * dy
        b = 2 * (x0 * dx + y0 * dy)
        c = x0 * x0 + y0 * y0 - r * r
        root = np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))
        t1, t2 = (-b - root) / (2 * a), (-b + root) / (2 * a)
        t = np.clip(np.where((t1 >= 0) & (t1 <= 1), t1, t2), 0.0, 1.0)
        px, py = to_geo.transform(x0 + t * dx, y0 + t * dy)
        found.append((zone, np.asarray(px), np.asarray(py), vertices.road[vi[seg]]))
    if not found:
        return pd.DataFrame(columns=columns)
    boundary = np.concatenate([np.full(f[1].size, f[0].outer_m) for f in found])
    kind_zh = np.concatenate([
        np.full(f[1].size, _CHECKPOINT_NAMES.get(f[0].zone, ("外围卡口",))[0], dtype=object)
        for f in found
    ])
    kind_en = np.concatenate([
        np.full(f[1].size, _CHECKPOINT_NAMES.get(f[0].zone, ("", "Outer checkpoint"))[1],
                dtype=object)
        for f in found
    ])
    px = np.concatenate([f[1] for f in found])
    py = np.concatenate([f[2] for f in found])
    road = np.concatenate([f[3] for f in found])
    _, az = geodesic_distance(center, px, py)
    # one checkpoint per road and place (a crossing exactly at a vertex is found twice)
    key = np.column_stack([boundary, road, np.round(px, 7), np.round(py, 7)])
    _, first = np.unique(key, axis=0, return_index=True)
    order = first[np.lexsort((az[first], boundary[first]))]

    def col(name: str) -> NDArray[Any]:
        values = roads.columns.get(name)
        if values is None:
            return np.full(order.size, "", dtype=object)
        return values[road[order]]

    return pd.DataFrame({
        "kind": kind_zh[order], "kind_en": kind_en[order], "boundary_m": boundary[order],
        "road_id": col("id"), "road_name": col("name"), "road_class": col("road_class"),
        "lon": px[order], "lat": py[order], "bearing_deg": np.round(az[order], 1),
        "direction": np.asarray(DIRECTIONS, dtype=object)[
            (np.floor((az[order] + 22.5) / 45.0).astype(np.intp)) % 8
        ],
    }, columns=columns)

