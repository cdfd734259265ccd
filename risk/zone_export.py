"""Zones out: the per-grade summary and the GeoJSON / GeoPackage export of any zone method;
import them from :mod:`risk.zones`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from risk.files import write_bytes_atomic
from risk.grades import GRADES

__all__ = ["EXPORT_FORMATS", "zone_summary", "zones_to_bytes", "write_zones"]

EXPORT_FORMATS = {".gpkg": "gpkg", ".geojson": "geojson", ".json": "geojson"}
"""File extensions :func:`write_zones` understands, and the format each one means."""


def zone_summary(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area and enterprise count per grade, most severe first, for the stats panel and export.

    Works on the output of any of the three methods. ``enterprises`` is, for influence zones, the
    number of enterprises of that grade; for grid cells and units, the number of enterprises lying
    in the cells/units of that grade. Cells or units without a grade are left out.

    Returns
    -------
    pandas.DataFrame
        One row per grade (all four, zeros where absent): ``grade``, ``label_zh``,
        ``label_en``, ``color``, ``zones`` (features), ``area_km2``, ``enterprises``.
    """
    if not isinstance(zones, pd.DataFrame) or not {"grade", "area_km2"} <= set(zones.columns):
        got = list(zones.columns) if isinstance(zones, pd.DataFrame) else type(zones).__name__
        raise ValueError(f"`zones` must be a zones frame with 'grade' and 'area_km2', got {got}")
    count_col = "enterprises" if "enterprises" in zones.columns else "n_total"
    rows = []
    for grade in GRADES:
        part = zones[zones["grade"] == grade.value]
        rows.append({
            "grade": grade.value, "label_zh": grade.label_zh, "label_en": grade.label_en,
            "color": grade.color, "zones": len(part),
            "area_km2": float(part["area_km2"].sum()),
            "enterprises": int(part[count_col].sum()) if count_col in part else 0,
        })
    return pd.DataFrame(rows)


def _export_frame(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(zones, gpd.GeoDataFrame) or zones.crs is None:
        raise ValueError("`zones` must be a GeoDataFrame with a CRS (the output of *_zones)")
    out = zones.to_crs(4326) if zones.crs.to_epsg() != 4326 else zones
    return out.reset_index(drop=True)


def zones_to_bytes(zones: gpd.GeoDataFrame, fmt: str) -> bytes:
    """The zones as a GeoJSON (``fmt="geojson"``) or GeoPackage (``"gpkg"``) file's bytes.

    For the app's download button; GeoPackages go through a temporary file.
    """
    fmt_key = str(fmt).lower().lstrip(".")
    if fmt_key == "json":
        fmt_key = "geojson"
    if fmt_key not in ("geojson", "gpkg"):
        raise ValueError(f"`fmt` must be 'geojson' or 'gpkg', got {fmt!r}")
    frame = _export_frame(zones)
    if fmt_key == "geojson":
        return frame.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="riskmap-zones-") as tmp:
        path = Path(tmp) / "zones.gpkg"
        frame.to_file(path, layer="zones", driver="GPKG", engine="pyogrio")
        return path.read_bytes()


def write_zones(zones: gpd.GeoDataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the zones to ``path`` (.gpkg, .geojson or .json) atomically; return the path.

    Written by :func:`risk.files.write_bytes_atomic` (a temporary file beside the target,
    fsynced, then moved over it), so a failure leaves no half-written file (and any old file
    intact).
    """
    target = Path(path)
    fmt = EXPORT_FORMATS.get(target.suffix.lower())
    if fmt is None:
        msg = (f"`path` must end in {', '.join(EXPORT_FORMATS)}, got {str(target)!r}")
        raise ValueError(msg)
    data = zones_to_bytes(zones, fmt)
    return write_bytes_atomic(target, data)
