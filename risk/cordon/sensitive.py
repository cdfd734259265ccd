"""Sensitive sites in each cordon zone: schools, kindergartens, hospitals, care homes, markets,
venues, counted by kind with the people they hold, nearest first.

What CAMEO/MARPLOT lists for a threat zone: the places where many people, or people who cannot
leave by themselves, must be warned or evacuated first. Pure functions on a GeoDataFrame of
sites (EPSG:4326 points with ``id``, ``name``, ``kind``, ``people``; ``district`` and
``address`` if present) and a validated :class:`~risk.cordon.rings.Cordon`.

Distances are geodesic (``pyproj.Geod.inv``); a site at distance ``d`` is in the zone with
``inner_m <= d < outer_m``, the rule every other cordon count follows.

>>> import geopandas as gpd
>>> from risk.cordon.rings import validate_incident
>>> sites = gpd.GeoDataFrame({"id": ["s1", "s2"], "name": ["一小", "人民医院"],
...                           "kind": ["school", "hospital"], "people": [1200, 800]},
...                          geometry=gpd.points_from_xy([114.0579, 114.0579], [22.5471, 22.6031]),
...                          crs=4326)
>>> rows = sensitive_in_zones(sites, validate_incident(114.0579, 22.5431))
>>> list(rows["name"]), list(rows["zone"])
(['一小', '人民医院'], ['core', 'warning'])
>>> summary = sensitive_summary(rows, validate_incident(114.0579, 22.5431))
>>> summary[0]["sites"], summary[0]["people"], summary[0]["by_kind"]
(1, 1200, {'school': {'sites': 1, 'people': 1200}})
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from risk.cordon.geodesy import DIRECTIONS, DIRECTIONS_EN, _zone_of, geodesic_distance
from risk.cordon.rings import Cordon, Zone, zones_for

__all__ = ["SENSITIVE_COLUMNS", "sensitive_in_zones", "sensitive_summary",
           "with_sensitive_sites"]

SENSITIVE_COLUMNS = ("id", "name", "kind", "people", "district", "address", "zone",
                     "distance_m", "direction", "direction_en", "lon", "lat")
"""The columns of :func:`sensitive_in_zones`, in order."""


def _column(sites: gpd.GeoDataFrame, name: str, default: Any) -> np.ndarray:
    if name in sites.columns:
        return sites[name].to_numpy()
    return np.full(len(sites), default, dtype=object)


def sensitive_in_zones(sites: gpd.GeoDataFrame, cordon: Cordon) -> pd.DataFrame:
    """The sites inside the outermost ring of ``cordon``, nearest first.

    Parameters
    ----------
    sites
        Sensitive sites (EPSG:4326 points; other geometries are measured at a point on
        their surface); ``people`` is the capacity or the people there (missing: 0).
    cordon
        A validated incident (:func:`risk.cordon.rings.validate_incident`).

    Returns
    -------
    pandas.DataFrame
        :data:`SENSITIVE_COLUMNS`: ``zone`` is the zone code (``core``, ``control``,
        ``warning``, ``outer1`` …), ``distance_m`` the geodesic distance from the incident,
        ``direction`` the compass sector of the site seen from the incident.
    """
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in SENSITIVE_COLUMNS})
    if sites is None or len(sites) == 0:
        return empty
    geoms = sites.geometry.to_numpy()
    points = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.point_on_surface(geoms))
    xy = shapely.get_coordinates(points)
    if len(xy) != len(sites):  # an empty geometry: nothing to measure
        keep = ~shapely.is_empty(geoms)
        return sensitive_in_zones(sites[keep], cordon)
    dist, az = geodesic_distance(cordon.center, xy[:, 0], xy[:, 1])
    zone_idx = _zone_of(dist, cordon.radii_m)
    inside = zone_idx < len(cordon.radii_m)
    if not inside.any():
        return empty
    zones = zones_for(cordon.radii_m)
    # only the sites inside are tabulated, nearest first (a stable sort keeps ties in order)
    take = np.flatnonzero(inside)
    take = take[np.argsort(dist[take], kind="stable")]
    sector = (np.floor((az[take] + 22.5) / 45.0).astype(np.intp)) % 8
    people = pd.to_numeric(pd.Series(_column(sites, "people", 0)[take]), errors="coerce")
    return pd.DataFrame({
        "id": _column(sites, "id", "")[take], "name": _column(sites, "name", "")[take],
        "kind": _column(sites, "kind", "")[take],
        "people": people.fillna(0).round().astype(np.int64).to_numpy(),
        "district": _column(sites, "district", "")[take],
        "address": _column(sites, "address", "")[take],
        "zone": np.asarray([z.zone for z in zones] + [""], dtype=object)[zone_idx[take]],
        "distance_m": dist[take], "direction": np.asarray(DIRECTIONS, dtype=object)[sector],
        "direction_en": np.asarray(DIRECTIONS_EN, dtype=object)[sector],
        "lon": xy[take, 0], "lat": xy[take, 1],
    })


def sensitive_summary(rows: pd.DataFrame, cordon: Cordon | Sequence[Zone], *,
                      nearest: int = 10) -> list[dict[str, Any]]:
    """Per zone, from the centre out: the sites and people in it, by kind, and the nearest few.

    ``rows`` is :func:`sensitive_in_zones`; ``cordon`` the same cordon (or its zones). Every
    zone has an entry, an empty one with zero counts. Plain Python values (JSON-ready)::

        {"zone": "core", "name": "核心区（禁入）", "name_en": …, "inner_m": 0.0,
         "outer_m": 1000.0, "sites": 1, "people": 1200,
         "by_kind": {"school": {"sites": 1, "people": 1200}},
         "nearest": [{"id", "name", "kind", "people", "distance_m", "direction"}, …]}

    ``by_kind`` lists the kinds present, most people first; ``nearest`` holds at most
    ``nearest`` sites, nearest first, ``distance_m`` in whole metres.
    """
    zones = zones_for(cordon.radii_m) if isinstance(cordon, Cordon) else tuple(cordon)
    # plain lists, one pass: a few hundred sites at most lie in a cordon (no DataFrame per zone)
    cols = {c: (rows[c].tolist() if len(rows) else [])
            for c in ("zone", "id", "name", "kind", "people", "distance_m", "direction")}
    out = []
    for z in zones:
        idx = [i for i, code in enumerate(cols["zone"]) if code == z.zone]
        counts: dict[str, list[int]] = {}  # kind -> [sites, people], in order of appearance
        total = 0
        for i in idx:
            kind, people = str(cols["kind"][i]), int(cols["people"][i])
            entry = counts.setdefault(kind, [0, 0])
            entry[0] += 1
            entry[1] += people
            total += people
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1][1], -kv[1][0]))  # stable
        out.append({
            "zone": z.zone, "name": z.name_zh, "name_en": z.name_en,
            "inner_m": float(z.inner_m), "outer_m": float(z.outer_m),
            "sites": len(idx), "people": total,
            "by_kind": {k: {"sites": v[0], "people": v[1]} for k, v in ranked},
            "nearest": [
                {"id": str(cols["id"][i]), "name": str(cols["name"][i]),
                 "kind": str(cols["kind"][i]), "people": int(cols["people"][i]),
                 "distance_m": int(round(float(cols["distance_m"][i]))),
                 "direction": str(cols["direction"][i])}
                for i in idx[:nearest]
            ],
        })
    return out


def with_sensitive_sites(doc: dict[str, Any], sites: gpd.GeoDataFrame | None,
                         cordon: Cordon, *, nearest: int = 10) -> dict[str, Any]:
    """A copy of a cordon JSON document (``Exposure.to_json()``) with a ``sensitive_sites``
    object in each zone (``sites``, ``people``, ``by_kind``, ``nearest``, as in
    :func:`sensitive_summary`) and the whole list, nearest first, as ``sensitive_sites``.

    ``doc["zones"]`` must be the zones of ``cordon`` from the centre out (what ``to_json``
    gives); ``sites`` may be ``None`` or empty (every zone then reports zeros).
    """
    rows = sensitive_in_zones(sites if sites is not None else gpd.GeoDataFrame(), cordon)
    summary = sensitive_summary(rows, cordon, nearest=nearest)
    zones = doc.get("zones", [])
    if [z.get("zone") for z in zones] != [s["zone"] for s in summary]:
        msg = ("`doc` zones must be the cordon's zones from the centre out, got "
               f"{[z.get('zone') for z in zones]}")
        raise ValueError(msg)
    keys = ("sites", "people", "by_kind", "nearest")
    out = dict(doc)
    out["zones"] = [{**z, "sensitive_sites": {k: s[k] for k in keys}}
                    for z, s in zip(zones, summary, strict=True)]
    out["sensitive_sites"] = [
        {"id": str(r["id"]), "name": str(r["name"]), "kind": str(r["kind"]),
         "people": int(r["people"]), "zone": str(r["zone"]),
         "distance_m": int(round(float(r["distance_m"]))), "direction": str(r["direction"]),
         "direction_en": str(r["direction_en"]), "district": str(r["district"]),
         "address": str(r["address"]), "lon": float(r["lon"]), "lat": float(r["lat"])}
        for r in rows.to_dict("records")
    ]
    return out
