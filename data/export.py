"""Export an incident's cordon rings and exposure tables: GeoJSON, KML and CSV.

Every function returns ``bytes`` (for Dash ``dcc.send_bytes``); :func:`write_export` writes them
to a path atomically and durably with :func:`risk.files.write_bytes_atomic`.

* GeoJSON (RFC 7946, EPSG:4326): the zone polygons, the downwind area (``kind`` ``downwind``,
  with ``wind_from_deg``, ``distance_m`` and what lies in it) when there is a wind, the incident
  point (``kind`` ``incident``: type, note, times, radii, wind) and points for priority
  enterprises, evacuation shelters and checkpoints, each feature with a ``kind`` property.
* KML 2.2 for Google Earth and field phone apps (Orux, Locus, 两步路…): a styled polygon per zone,
  the downwind polygon with its description, the incident point as its own placemark (own
  style), and folders of placemarks. Written with :mod:`xml.etree.ElementTree`, which escapes
  ``<&>"``.
* CSV: UTF-8 with a byte-order mark so that Excel shows Chinese correctly; one table per file,
  or all tables in a ZIP. Besides :meth:`risk.cordon.Exposure.tables`, an ``incident`` table
  (one row: the point, type, note, times, radii, wind) and, with a wind, a ``downwind`` table
  (one row: wind, distance and the counts in the area).

The open hidden dangers per zone (``hazards``: :func:`data.cordon_hazards.open_hazards`) go into
the zone features and rows as ``hazards_major_open`` and ``hazards_general_open`` (the KML zone
descriptions name them); the incident record (``incident``: :meth:`data.incidents.Incident.
to_dict`) gives the incident point its type, note and times. Both are optional keywords of
every writer.

Spreadsheet safety (OWASP "CSV injection")
    Every CSV or XLSX the app writes passes its cells through :func:`neutralise_frame` (one
    cell: :func:`safe_cell`): a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return gets a leading ``'`` so that Excel, WPS and LibreOffice show it as text
    instead of running it as a formula. Numbers stay numbers (a numeric ``-5`` is written as
    ``-5``), and so does text that is a plain decimal number (``"-5"``, ``"+86"``: a spreadsheet
    reads it as that number, which runs nothing). Column names are treated the same way.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from risk.cordon import Exposure
from risk.files import write_bytes_atomic
from risk.grades import GRADES

__all__ = [
    "FORMATS",
    "FORMULA_PREFIXES",
    "safe_cell",
    "neutralise_frame",
    "csv_bytes",
    "to_geojson",
    "to_kml",
    "to_csv",
    "to_csv_zip",
    "export_tables",
    "to_json_doc",
    "incident_properties",
    "export_bytes",
    "write_export",
]

FORMATS = {
    "geojson": ("application/geo+json", ".geojson"),
    "kml": ("application/vnd.google-earth.kml+xml", ".kml"),
    "csv": ("text/csv", ".csv"),
    "zip": ("application/zip", ".zip"),
    "json": ("application/json", ".json"),
}

ZONE_COLORS = {"core": "#d7191c", "control": "#f28e2b", "warning": "#f5d40f"}
"""Zone outline/fill colours (the grade colours: core = red …); outer rings are grey."""
_OUTER_COLOR = "#7f7f7f"
_KIND_COLORS = {"enterprise": "#d7191c", "shelter": "#1a9850", "checkpoint": "#2c7bb6"}
_DOWNWIND_COLOR = "#00838f"
"""The downwind area's teal (as :data:`layers.style.DOWNWIND_STYLE` draws it on the map)."""
_INCIDENT_COLOR = "#d50000"
"""The incident point's red (as :data:`layers.style.INCIDENT_MARKER`)."""
KML_NS = "http://www.opengis.net/kml/2.2"


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these would be a formula in a spreadsheet."""
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet cell that cannot run: formula-like text gets a leading ``'``.

    >>> [safe_cell(v) for v in ["=1+1", "@SUM(A1)", "-2", "-", "甲公司", -5, None]]
    ["'=1+1", "'@SUM(A1)", '-2', "'-", '甲公司', -5, None]
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names pass through :func:`safe_cell`;
    numeric, boolean and date columns are left as they are."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as CSV in UTF-8 with BOM (opens in Excel), neutralised by
    :func:`neutralise_frame`, text cells quoted: the one way the app writes a CSV."""
    # every text cell quoted: a CR or LF inside a name must not start a new row in Excel
    # (pandas leaves a bare CR unquoted); numbers stay unquoted, so they stay numbers
    return neutralise_frame(frame).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode(
        "utf-8-sig")


def _zone_color(zone: str) -> str:
    return ZONE_COLORS.get(zone, _OUTER_COLOR)


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _point_features(frame: pd.DataFrame, kind: str) -> list[dict[str, Any]]:
    feats = []
    for row in frame.to_dict("records"):
        props = {k: _plain(v) for k, v in row.items() if k not in ("lon", "lat")}
        props["kind"] = kind
        feats.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
            "properties": props,
        })
    return feats


def incident_properties(result: Exposure,
                        incident: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the exports say about the incident point: its place and radii (from ``result``),
    and, from the saved ``incident`` (:meth:`data.incidents.Incident.to_dict`), id, type, note
    and times; the wind and downwind distance are those ``result`` was computed with."""
    inc = dict(incident or {})
    down = result.downwind or {}
    return {
        "id": inc.get("id"), "lon": result.center[0], "lat": result.center[1],
        "type": inc.get("type", ""), "type_zh": inc.get("type_zh", ""),
        "type_en": inc.get("type_en", ""), "note": inc.get("note", ""),
        "created": inc.get("created", ""), "updated": inc.get("updated", ""),
        "radii_m": list(result.radii_m),
        "wind_from_deg": _plain(down.get("wind_from_deg")),
        "downwind_m": _plain(down.get("distance_m")),
    }


def _downwind_row(result: Exposure) -> dict[str, Any] | None:
    """The downwind area's numbers (no geometry), or ``None`` without a wind."""
    if not result.downwind:
        return None
    down = result.downwind
    row = {"wind_from_deg": _plain(down["wind_from_deg"]),
           "distance_m": _plain(down["distance_m"])}
    row.update({g.value: int(down["enterprises"].get(g.value, 0)) for g in GRADES})
    row.update({"major_hazard": int(down["major_hazard"]), "shelters": int(down["shelters"])})
    return row


def _zone_hazards(hazards: Mapping[str, Any] | None, zone: str) -> dict[str, int]:
    found = (hazards or {}).get(zone, {})
    return {"hazards_major_open": int(found.get("major_open", 0)),
            "hazards_general_open": int(found.get("general_open", 0))}


def to_geojson(result: Exposure, *, incident: Mapping[str, Any] | None = None,
               hazards: Mapping[str, Any] | None = None) -> bytes:
    """Zones (polygons, with their open hidden dangers), the downwind area (a polygon, with a
    wind), the incident point, and points (priority enterprises, evacuation shelters,
    checkpoints)."""
    rings = result.rings
    zone_rows = result.zone_table().set_index("zone")
    features = []
    for row, geom in zip(rings.drop(columns="geometry").to_dict("records"), rings.geometry,
                         strict=True):
        props = {k: _plain(v) for k, v in row.items()}
        summary = zone_rows.loc[row["zone"]]
        props.update({k: _plain(summary[k]) for k in zone_rows.columns if k not in props})
        props.update(_zone_hazards(hazards, row["zone"]))
        props.update({"kind": "zone", "color": _zone_color(row["zone"])})
        features.append({"type": "Feature", "geometry": geom.__geo_interface__,
                         "properties": props})
    down = _downwind_row(result)
    if down is not None and result.downwind is not None:
        features.append({"type": "Feature",
                         "geometry": result.downwind["geometry"].__geo_interface__,
                         "properties": {**down, "kind": "downwind", "color": _DOWNWIND_COLOR,
                                        "name": "下风向防护区 Downwind protective-action area"}})
    point = incident_properties(result, incident)
    features.append({"type": "Feature",
                     "geometry": {"type": "Point", "coordinates": [point.pop("lon"),
                                                                   point.pop("lat")]},
                     "properties": {**point, "kind": "incident", "color": _INCIDENT_COLOR}})
    features += _point_features(result.priority_enterprises, "enterprise")
    features += _point_features(result.evacuation_shelters, "shelter")
    features += _point_features(result.checkpoints, "checkpoint")
    doc = {
        "type": "FeatureCollection",
        "name": f"cordon {result.center[0]:.5f},{result.center[1]:.5f}",
        "center": {"lon": result.center[0], "lat": result.center[1]},
        "features": features,
    }
    return json.dumps(doc, ensure_ascii=False, default=_plain).encode("utf-8")


def _kml_color(hex_color: str, alpha: int) -> str:
    """``#rrggbb`` → KML ``aabbggrr``."""
    h = hex_color.lstrip("#")
    return f"{alpha:02x}{h[4:6]}{h[2:4]}{h[0:2]}"


def _sub(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = str(text)
    return el


def _coords(xy: Any) -> str:
    return " ".join(f"{x:.7f},{y:.7f},0" for x, y in np.asarray(xy)[:, :2])


def _placemark(folder: ET.Element, name: str, description: str, style: str, lon: float,
               lat: float) -> None:
    pm = _sub(folder, "Placemark")
    _sub(pm, "name", name)
    _sub(pm, "description", description)
    _sub(pm, "styleUrl", f"#{style}")
    point = _sub(pm, "Point")
    _sub(point, "coordinates", f"{lon:.7f},{lat:.7f},0")


def to_kml(result: Exposure, *, title: str | None = None,
           incident: Mapping[str, Any] | None = None,
           hazards: Mapping[str, Any] | None = None) -> bytes:
    """A KML document: the incident point (its own placemark and style), styled zone polygons
    (their descriptions with the open hidden dangers), the downwind polygon with its
    description when there is a wind, and folders of placemarks."""
    kml = ET.Element("kml", {"xmlns": KML_NS})
    doc = _sub(kml, "Document")
    lon0, lat0 = result.center
    _sub(doc, "name", title or f"警戒区 Cordon {lon0:.5f}, {lat0:.5f}")
    radii = "/".join(f"{r / 1000:g}" for r in result.radii_m)
    _sub(doc, "description", f"事发点 incident {lon0:.6f}, {lat0:.6f}; 半径 radii {radii} km")
    for zone in result.zones:
        color = _zone_color(zone.zone)
        style = _sub(doc, "Style", id=f"zone-{zone.zone}")
        line = _sub(style, "LineStyle")
        _sub(line, "color", _kml_color(color, 0xFF))
        _sub(line, "width", 2)
        poly = _sub(style, "PolyStyle")
        _sub(poly, "color", _kml_color(color, 0x40))
    for kind, color in _KIND_COLORS.items():
        style = _sub(doc, "Style", id=kind)
        icon = _sub(style, "IconStyle")
        _sub(icon, "color", _kml_color(color, 0xFF))
        _sub(_sub(icon, "Icon"), "href",
             "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png")
    style = _sub(doc, "Style", id="incident")
    icon = _sub(style, "IconStyle")
    _sub(icon, "color", _kml_color(_INCIDENT_COLOR, 0xFF))
    _sub(icon, "scale", "1.4")
    _sub(_sub(icon, "Icon"), "href", "http://maps.google.com/mapfiles/kml/shapes/star.png")
    style = _sub(doc, "Style", id="downwind")
    line = _sub(style, "LineStyle")
    _sub(line, "color", _kml_color(_DOWNWIND_COLOR, 0xFF))
    _sub(line, "width", 3)
    _sub(_sub(style, "PolyStyle"), "color", _kml_color(_DOWNWIND_COLOR, 0x40))

    point = incident_properties(result, incident)
    kind = " ".join(t for t in (point["type_zh"], point["type_en"]) if t)
    wind = ("" if point["wind_from_deg"] is None else
            f"；风向（来向）wind from {point['wind_from_deg']:g}°，下风向 downwind "
            f"{point['downwind_m'] / 1000:g} km")
    desc = (f"{kind + '；' if kind else ''}{lon0:.6f}, {lat0:.6f}；半径 radii {radii} km{wind}"
            f"{'；时间 time ' + point['created'] if point['created'] else ''}"
            f"{'；更新 updated ' + point['updated'] if point['updated'] else ''}"
            f"{'；备注 note ' + point['note'] if point['note'] else ''}")
    name = "事发点 Incident" + (f" #{point['id']}" if point["id"] is not None else "")
    _placemark(doc, name, desc, "incident", lon0, lat0)

    if result.downwind:
        down = cast("dict[str, Any]", _downwind_row(result))
        counts = " ".join(f"{g.short_zh}{down[g.value]}" for g in GRADES)
        pm = _sub(doc, "Placemark")
        _sub(pm, "name", f"下风向防护区 Downwind {down['distance_m'] / 1000:g} km")
        _sub(pm, "description",
             f"风向（来向）wind from {down['wind_from_deg']:g}°；下风向 downwind "
             f"{down['distance_m'] / 1000:g} km；企业 enterprises {counts}；重大危险源 major "
             f"hazards {down['major_hazard']}；避难场所 shelters {down['shelters']}")
        _sub(pm, "styleUrl", "#downwind")
        area = result.downwind["geometry"]
        polygon = _sub(pm, "Polygon")
        _sub(polygon, "tessellate", 1)
        _sub(_sub(_sub(polygon, "outerBoundaryIs"), "LinearRing"), "coordinates",
             _coords(area.exterior.coords))

    zones_folder = _sub(doc, "Folder")
    _sub(zones_folder, "name", "警戒分区 Cordon zones")
    table = result.zone_table().set_index("zone")
    for zone, geom in zip(result.zones, result.rings.geometry, strict=True):
        # "zone" values are unique, so .loc gives one row (a Series), never a DataFrame
        zone_row = cast("pd.Series", table.loc[zone.zone])
        counts = " ".join(f"{g.short_zh}{int(zone_row[g.value])}" for g in GRADES)
        pop = "—" if zone_row["population"] is None or pd.isna(zone_row["population"]) else (
            f"{int(zone_row['population'])}"
        )
        desc = (
            f"{zone.name_zh} {zone.name_en}: {zone.inner_m / 1000:g}–{zone.outer_m / 1000:g} km; "
            f"企业 enterprises {counts}; 重大危险源 major hazards {int(zone_row['major_hazard'])}; "
            f"避难场所 shelters {int(zone_row['shelters'])} (容量 capacity "
            f"{int(zone_row['shelter_capacity'])}); 人口 population {pop}"
        )
        if hazards is not None:
            hz = _zone_hazards(hazards, zone.zone)
            desc += (f"; 未整改隐患 open hidden dangers: 重大 major {hz['hazards_major_open']}, "
                     f"一般 general {hz['hazards_general_open']}")
        pm = _sub(zones_folder, "Placemark")
        _sub(pm, "name", f"{zone.name_zh} {zone.inner_m / 1000:g}–{zone.outer_m / 1000:g} km")
        _sub(pm, "description", desc)
        _sub(pm, "styleUrl", f"#zone-{zone.zone}")
        polygon = _sub(pm, "Polygon")
        _sub(polygon, "tessellate", 1)
        outer = _sub(_sub(polygon, "outerBoundaryIs"), "LinearRing")
        _sub(outer, "coordinates", _coords(geom.exterior.coords))
        for hole in geom.interiors:
            inner = _sub(_sub(polygon, "innerBoundaryIs"), "LinearRing")
            _sub(inner, "coordinates", _coords(hole.coords))

    folder = _sub(doc, "Folder")
    _sub(folder, "name", "重点企业 Priority enterprises")
    for row in result.priority_enterprises.to_dict("records"):
        major = "；重大危险源 major hazard" if row.get("major_hazard") else ""
        desc = (f"{row.get('grade_zh', '')} {row.get('grade', '')}{major}；"
                f"{row['zone_name']}；距离 {row['distance_m']:.0f} m {row['direction']}；"
                f"{row.get('address', '') or ''}")
        _placemark(folder, str(row.get("name", "")), desc, "enterprise", row["lon"], row["lat"])
    folder = _sub(doc, "Folder")
    _sub(folder, "name", "疏散避难场所 Evacuation shelters")
    for row in result.evacuation_shelters.to_dict("records"):
        cap = _plain(row.get("capacity"))
        desc = (f"容量 capacity {cap if cap is not None else '—'}；距离 distance "
                f"{row['distance_m']:.0f} m {row['direction']}")
        _placemark(folder, str(row.get("name", "")), desc, "shelter", row["lon"], row["lat"])
    folder = _sub(doc, "Folder")
    _sub(folder, "name", "管制点/警戒点 Checkpoints")
    for row in result.checkpoints.to_dict("records"):
        name = f"{row['kind']} {row['road_name'] or row['road_id']}"
        desc = (f"{row['kind_en']}; {row['boundary_m'] / 1000:g} km; "
                f"{row['road_class']}; {row['direction']}")
        _placemark(folder, name, desc, "checkpoint", row["lon"], row["lat"])
    ET.indent(kml)
    return ET.tostring(kml, encoding="utf-8", xml_declaration=True)


def export_tables(result: Exposure, *, incident: Mapping[str, Any] | None = None,
                  hazards: Mapping[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """The CSV tables: :meth:`Exposure.tables` (``zones`` with ``hazards_major_open`` and
    ``hazards_general_open``), then ``incident`` (one row) and, with a wind, ``downwind`` (one
    row)."""
    tables = result.tables()
    zones = tables["zones"]
    hz = pd.DataFrame([_zone_hazards(hazards, z) for z in zones["zone"]],
                      columns=["hazards_major_open", "hazards_general_open"], index=zones.index)
    tables["zones"] = pd.concat([zones, hz], axis=1)
    point = incident_properties(result, incident)
    point["radii_m"] = "/".join(f"{r:g}" for r in point["radii_m"])
    tables["incident"] = pd.DataFrame([point])
    down = _downwind_row(result)
    if down is not None:
        tables["downwind"] = pd.DataFrame([down])
    return tables


def to_csv(result: Exposure, *, table: str = "zones", incident: Mapping[str, Any] | None = None,
           hazards: Mapping[str, Any] | None = None) -> bytes:
    """One of :func:`export_tables` as CSV, UTF-8 with BOM (opens in Excel), formula-like
    text neutralised (:func:`csv_bytes`)."""
    tables = export_tables(result, incident=incident, hazards=hazards)
    if table == "downwind" and table not in tables:
        raise ValueError("没有下风向防护区：请给出风向 / no downwind area: give a wind direction "
                         "(--wind-from DEG)")
    if table not in tables:
        msg = f"`table` must be one of {', '.join(tables)}, got {table!r}"
        raise ValueError(msg)
    return csv_bytes(tables[table])


def to_csv_zip(result: Exposure, *, incident: Mapping[str, Any] | None = None,
               hazards: Mapping[str, Any] | None = None) -> bytes:
    """Every table of :func:`export_tables` as ``<name>.csv`` (UTF-8 with BOM,
    :func:`csv_bytes`) in one ZIP."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, frame in export_tables(result, incident=incident, hazards=hazards).items():
            zf.writestr(f"{name}.csv", csv_bytes(frame))
    return buf.getvalue()


def to_json_doc(result: Exposure, *, incident: Mapping[str, Any] | None = None,
                hazards: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """:meth:`Exposure.to_json` with the incident point (``incident``) and, per zone, its open
    hidden dangers (``hazards``: ``{"major_open", "general_open"}``)."""
    doc = result.to_json()
    doc["incident"] = incident_properties(result, incident)
    doc["zones"] = [{**z, "hazards": {k.removeprefix("hazards_"): v for k, v in
                                      _zone_hazards(hazards, z["zone"]).items()}}
                    for z in doc["zones"]]
    return doc


def export_bytes(result: Exposure, fmt: str, *, table: str = "zones",
                 incident: Mapping[str, Any] | None = None,
                 hazards: Mapping[str, Any] | None = None) -> bytes:
    """``fmt`` is one of :data:`FORMATS` (geojson, kml, csv, zip, json); ``incident`` and
    ``hazards`` as in the module's docstring."""
    if fmt == "geojson":
        return to_geojson(result, incident=incident, hazards=hazards)
    if fmt == "kml":
        return to_kml(result, incident=incident, hazards=hazards)
    if fmt == "csv":
        return to_csv(result, table=table, incident=incident, hazards=hazards)
    if fmt == "zip":
        return to_csv_zip(result, incident=incident, hazards=hazards)
    if fmt == "json":
        return json.dumps(to_json_doc(result, incident=incident, hazards=hazards),
                          ensure_ascii=False, indent=2).encode("utf-8")
    msg = f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}"
    raise ValueError(msg)


def write_export(
    result: Exposure, path: str | os.PathLike[str], *, fmt: str | None = None,
    table: str = "zones", incident: Mapping[str, Any] | None = None,
    hazards: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``result`` to ``path`` in ``fmt`` (default: from the file suffix)."""
    target = Path(path)
    if fmt is None:
        by_suffix = {suffix: name for name, (_, suffix) in FORMATS.items()}
        fmt = by_suffix.get(target.suffix.lower())
        if fmt is None:
            msg = (f"cannot tell the export format from {str(target)!r}; expected a suffix "
                   f"{', '.join(s for _, s in FORMATS.values())}")
            raise ValueError(msg)
    return write_bytes_atomic(target, export_bytes(result, fmt, table=table, incident=incident,
                                                   hazards=hazards))
