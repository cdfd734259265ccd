"""Road lines from an OpenStreetMap extract (``.osm`` XML, ``.osm.pbf``) through pyosmium (BSD).

:func:`read_osm_roads` keeps the ways whose ``highway`` tag is a road for motor vehicles
(:data:`HIGHWAY_CLASS`) and returns a ``roads`` layer in EPSG:4326 with the schema's columns:
``class`` from ``highway`` (motorway/trunk → expressway, primary → arterial, secondary/tertiary →
secondary, the rest → local), ``speed_kmh`` from ``maxspeed`` (km/h or ``mph``; empty when absent,
so the class default of :data:`risk.network_graph.DEFAULT_SPEED_KMH` applies), ``oneway``
(``yes``/``true``/``1``, implied on motorways and roundabouts; ``-1`` reverses the line so that
the drawn direction is the allowed one), ``name`` from ``name:zh``, ``name`` or ``ref`` (else
:data:`UNNAMED` and the way id). Ways that share an OSM node share that vertex, so they
join in the routable graph; bridges and tunnels cross other ways without one, as in OSM.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import shapely

__all__ = ["HIGHWAY_CLASS", "UNNAMED", "OsmError", "read_osm_roads"]

HIGHWAY_CLASS = {
    "motorway": "expressway", "motorway_link": "expressway", "trunk": "expressway",
    "trunk_link": "expressway", "primary": "arterial", "primary_link": "arterial",
    "secondary": "secondary", "secondary_link": "secondary", "tertiary": "secondary",
    "tertiary_link": "secondary", "residential": "local", "unclassified": "local",
    "living_street": "local", "service": "local", "road": "local",
}
"""OSM ``highway`` values read as roads, and their network class."""
UNNAMED = "未命名道路 unnamed road"
"""Name prefix of a way with no ``name:zh``, ``name`` or ``ref`` (the schema needs a name):
``"未命名道路 unnamed road (OSM 123)"``."""
_LEGACY = {"motorway": "expressway", "motorway_link": "expressway", "trunk": "trunk",
           "trunk_link": "trunk", "primary": "primary", "primary_link": "primary"}
_SPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*$", re.IGNORECASE)


class OsmError(ValueError):
    """The file is not a readable OpenStreetMap extract or holds no roads."""


def _speed(text: str | None) -> float:
    m = _SPEED.match(text or "")
    if not m:
        return float("nan")
    value = float(m.group(1))
    return value * 1.609344 if (m.group(2) or "").lower() == "mph" else value


def read_osm_roads(path: str | Path) -> gpd.GeoDataFrame:
    """The roads of an OSM extract as a ``roads`` layer (EPSG:4326); see the module doc."""
    try:
        import osmium
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise OsmError("读取 OSM 需要 osmium（pip install osmium）/ reading OSM needs the "
                       "osmium package") from exc
    path = Path(path)
    if not path.is_file():
        raise OsmError(f"找不到文件 / no such file: {path}")
    rows: list[dict] = []
    try:
        processor = osmium.FileProcessor(str(path)).with_locations()
        for obj in processor:
            if not isinstance(obj, osmium.osm.Way):
                continue
            way = obj
            highway = way.tags.get("highway")
            if highway not in HIGHWAY_CLASS:
                continue
            coords = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
            if len(coords) < 2:
                continue
            oneway_tag = (way.tags.get("oneway") or "").lower()
            reverse = oneway_tag == "-1"
            oneway = (oneway_tag in ("yes", "true", "1") or reverse
                      or (highway == "motorway" and oneway_tag != "no")
                      or way.tags.get("junction") == "roundabout")
            if reverse:
                coords.reverse()
            rows.append({
                "id": f"osm-{way.id}",
                "name": (way.tags.get("name:zh") or way.tags.get("name") or way.tags.get("ref")
                         or f"{UNNAMED} (OSM {way.id})"),
                "road_class": _LEGACY.get(highway, "secondary"),
                "class": HIGHWAY_CLASS[highway],
                "speed_kmh": _speed(way.tags.get("maxspeed")),
                "oneway": bool(oneway),
                "geometry": shapely.LineString(coords),
            })
    except RuntimeError as exc:
        raise OsmError(f"无法读取 OSM 文件 / cannot read {path.name} as OpenStreetMap: {exc}") from None
    if not rows:
        raise OsmError(f"{path.name} 中没有道路 / {path.name} holds no highway=* roads "
                       f"({', '.join(sorted(HIGHWAY_CLASS)[:6])} …)")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
