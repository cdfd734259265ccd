"""Many saved incidents in one file (``riskmap incidents export --all``): for each, its point
(type, note, times, radii, wind), its cordon rings and, with a wind, its downwind area; no
exposure is computed (about 8 ms and 45-75 KB per incident with its three geodesic rings: 1,000
incidents are about 8 s, 46 MB of KML).

* ``geojson``: features of ``kind`` ``incident`` (Point), ``zone`` and ``downwind`` (Polygons),
  each with the ``incident_id``;
* ``kml``: a folder per incident (its point in the ``incident`` style, its zones, its downwind
  polygon with its description);
* ``csv``: one row per incident (:func:`data.export.csv_bytes`, safe cells);
* ``json``: the incidents' :meth:`data.incidents.Incident.to_dict` (with ``history`` when given).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import shapely

from data.export import KML_NS, _coords, _kml_color, _sub, csv_bytes
from risk.cordon import cordon_rings, downwind_zone, validate_incident

__all__ = ["incidents_bytes", "ALL_FORMATS"]

ALL_FORMATS = ("geojson", "kml", "csv", "json")
"""The formats of :func:`incidents_bytes`."""

_ZONE_COLOURS = {"core": "#5b0e8a", "control": "#c2185b", "warning": "#263238"}
_DOWNWIND, _INCIDENT, _OUTER = "#00838f", "#d50000", "#546e7a"


def _shapes(inc: Mapping[str, Any]) -> tuple[Any, Any]:
    """The rings (GeoDataFrame) and the downwind polygon (or ``None``) of one incident."""
    cordon = validate_incident(inc["lon"], inc["lat"], inc["radii_m"])
    rings = cordon_rings(cordon)
    down = None
    if inc.get("wind_from_deg") is not None:
        down = downwind_zone(cordon, wind_from_deg=float(inc["wind_from_deg"]),
                             distance_m=float(inc.get("downwind_m") or max(cordon.radii_m)))
    return rings, down


def _point_props(inc: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("id", "type", "type_zh", "type_en", "note", "created", "updated", "radii_m",
            "wind_from_deg", "downwind_m")
    return {k: inc.get(k) for k in keep}


def incidents_bytes(incidents: Sequence[Mapping[str, Any]], fmt: str) -> bytes:
    """``incidents`` (:meth:`data.incidents.Incident.to_dict` each) in ``fmt``
    (:data:`ALL_FORMATS`)."""
    if fmt == "json":
        return json.dumps(list(incidents), ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "csv":
        rows = [{**_point_props(i), "lon": i["lon"], "lat": i["lat"],
                 "radii_m": "/".join(f"{r:g}" for r in i["radii_m"])} for i in incidents]
        columns = ["id", "lon", "lat", "type", "type_zh", "type_en", "note", "created",
                   "updated", "radii_m", "wind_from_deg", "downwind_m"]
        return csv_bytes(pd.DataFrame(rows, columns=columns))
    if fmt == "geojson":
        return _geojson(incidents)
    if fmt == "kml":
        return _kml(incidents)
    msg = f"`format` must be one of {', '.join(ALL_FORMATS)}, got {fmt!r}"
    raise ValueError(msg)


def _geojson(incidents: Sequence[Mapping[str, Any]]) -> bytes:
    features: list[dict[str, Any]] = []
    for inc in incidents:
        rings, down = _shapes(inc)
        features.append({"type": "Feature",
                         "geometry": {"type": "Point", "coordinates": [inc["lon"], inc["lat"]]},
                         "properties": {**_point_props(inc), "kind": "incident",
                                        "incident_id": inc.get("id")}})
        for row, geom in zip(rings.drop(columns="geometry").to_dict("records"), rings.geometry,
                             strict=True):
            features.append({"type": "Feature", "geometry": geom.__geo_interface__,
                             "properties": {**row, "kind": "zone",
                                            "incident_id": inc.get("id")}})
        if down is not None:
            features.append({"type": "Feature", "geometry": down.__geo_interface__,
                             "properties": {"kind": "downwind", "incident_id": inc.get("id"),
                                            "wind_from_deg": inc["wind_from_deg"],
                                            "distance_m": inc.get("downwind_m")}})
    doc = {"type": "FeatureCollection", "name": "incidents", "features": features}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _polygon(parent: ET.Element, geom: shapely.Polygon) -> None:
    polygon = _sub(parent, "Polygon")
    _sub(polygon, "tessellate", 1)
    _sub(_sub(_sub(polygon, "outerBoundaryIs"), "LinearRing"), "coordinates",
         _coords(geom.exterior.coords))
    for hole in geom.interiors:
        _sub(_sub(_sub(polygon, "innerBoundaryIs"), "LinearRing"), "coordinates",
             _coords(hole.coords))


def _kml(incidents: Sequence[Mapping[str, Any]]) -> bytes:
    kml = ET.Element("kml", {"xmlns": KML_NS})
    doc = _sub(kml, "Document")
    _sub(doc, "name", f"事件 Incidents ({len(incidents)})")
    for sid, colour, width in [*((f"zone-{z}", c, 3) for z, c in _ZONE_COLOURS.items()),
                               ("zone-outer", _OUTER, 2), ("downwind", _DOWNWIND, 3)]:
        style = _sub(doc, "Style", id=sid)
        line = _sub(style, "LineStyle")
        _sub(line, "color", _kml_color(colour, 0xFF))
        _sub(line, "width", width)
        _sub(_sub(style, "PolyStyle"), "color", _kml_color(colour, 0x30))
    style = _sub(doc, "Style", id="incident")
    icon = _sub(style, "IconStyle")
    _sub(icon, "color", _kml_color(_INCIDENT, 0xFF))
    _sub(_sub(icon, "Icon"), "href", "http://maps.google.com/mapfiles/kml/shapes/star.png")
    for inc in incidents:
        rings, down = _shapes(inc)
        folder = _sub(doc, "Folder")
        kind = " ".join(t for t in (inc.get("type_zh"), inc.get("type_en")) if t)
        _sub(folder, "name", f"#{inc.get('id')} {kind}")
        radii = "/".join(f"{r / 1000:g}" for r in inc["radii_m"])
        wind = ("" if inc.get("wind_from_deg") is None else
                f"；风向（来向）wind from {inc['wind_from_deg']:g}°，下风向 downwind "
                f"{(inc.get('downwind_m') or max(inc['radii_m'])) / 1000:g} km")
        pm = _sub(folder, "Placemark")
        _sub(pm, "name", f"事发点 Incident #{inc.get('id')}")
        _sub(pm, "description", f"{kind}；{inc['lon']:.6f}, {inc['lat']:.6f}；半径 radii "
                                f"{radii} km{wind}；时间 time {inc.get('created', '')}；备注 note "
                                f"{inc.get('note', '')}")
        _sub(pm, "styleUrl", "#incident")
        _sub(_sub(pm, "Point"), "coordinates", f"{inc['lon']:.7f},{inc['lat']:.7f},0")
        for row, geom in zip(rings.to_dict("records"), rings.geometry, strict=True):
            pm = _sub(folder, "Placemark")
            _sub(pm, "name", f"{row['name_zh']} {row['outer_m'] / 1000:g} km")
            zone = row["zone"] if row["zone"] in _ZONE_COLOURS else "outer"
            _sub(pm, "styleUrl", f"#zone-{zone}")
            _polygon(pm, geom)
        if down is not None:
            pm = _sub(folder, "Placemark")
            _sub(pm, "name", "下风向防护区 Downwind")
            _sub(pm, "description", wind.removeprefix("；"))
            _sub(pm, "styleUrl", "#downwind")
            _polygon(pm, down)
    ET.indent(kml)
    return ET.tostring(kml, encoding="utf-8", xml_declaration=True)
