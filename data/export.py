"""Export an incident's cordon rings and exposure tables: GeoJSON, KML and CSV.

Every function returns ``bytes`` (for Dash ``dcc.send_bytes``); :func:`write_export` writes them
to a path atomically and durably with :func:`risk.files.write_bytes_atomic`.

* GeoJSON (RFC 7946, EPSG:4326): the zone polygons plus points for priority enterprises,
  evacuation shelters and checkpoints, each feature with a ``kind`` property.
* KML 2.2 for Google Earth and field phone apps (Orux, Locus, 两步路…): a styled polygon per zone
  and folders of placemarks. Written with :mod:`xml.etree.ElementTree`, which escapes ``<&>"``.
* CSV: UTF-8 with a byte-order mark so that Excel shows Chinese correctly; one table per file,
  or all tables in a ZIP.

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


def to_geojson(result: Exposure) -> bytes:
    """Zones (polygons) and points (priority enterprises, evacuation shelters, checkpoints)."""
    rings = result.rings
    zone_rows = result.zone_table().set_index("zone")
    features = []
    for row, geom in zip(rings.drop(columns="geometry").to_dict("records"), rings.geometry,
                         strict=True):
        props = {k: _plain(v) for k, v in row.items()}
        summary = zone_rows.loc[row["zone"]]
        props.update({k: _plain(summary[k]) for k in zone_rows.columns if k not in props})
        props.update({"kind": "zone", "color": _zone_color(row["zone"])})
        features.append({"type": "Feature", "geometry": geom.__geo_interface__,
                         "properties": props})
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


def to_kml(result: Exposure, *, title: str | None = None) -> bytes:
    """A KML document: styled zone polygons and folders of placemarks."""
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


def to_csv(result: Exposure, *, table: str = "zones") -> bytes:
    """One of :meth:`Exposure.tables` as CSV, UTF-8 with BOM (opens in Excel), formula-like
    text neutralised (:func:`csv_bytes`)."""
    tables = result.tables()
    if table not in tables:
        msg = f"`table` must be one of {', '.join(tables)}, got {table!r}"
        raise ValueError(msg)
    return csv_bytes(tables[table])


def to_csv_zip(result: Exposure) -> bytes:
    """Every table as ``<name>.csv`` (UTF-8 with BOM, :func:`csv_bytes`) in one ZIP."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, frame in result.tables().items():
            zf.writestr(f"{name}.csv", csv_bytes(frame))
    return buf.getvalue()


def export_bytes(result: Exposure, fmt: str, *, table: str = "zones") -> bytes:
    """``fmt`` is one of :data:`FORMATS` (geojson, kml, csv, zip, json)."""
    if fmt == "geojson":
        return to_geojson(result)
    if fmt == "kml":
        return to_kml(result)
    if fmt == "csv":
        return to_csv(result, table=table)
    if fmt == "zip":
        return to_csv_zip(result)
    if fmt == "json":
        return json.dumps(result.to_json(), ensure_ascii=False, indent=2).encode("utf-8")
    msg = f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}"
    raise ValueError(msg)


def write_export(
    result: Exposure, path: str | os.PathLike[str], *, fmt: str | None = None,
    table: str = "zones",
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
    return write_bytes_atomic(target, export_bytes(result, fmt, table=table))
