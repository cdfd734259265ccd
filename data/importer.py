"""Import registers the way bureaus keep them into a dataset store, with a row-by-row report.

:func:`import_layer` reads a CSV/Excel/GeoJSON/Shapefile/GeoPackage/KML file (see
:mod:`data.readers`), maps its columns (:mod:`data.columns`), converts coordinates to the stored
CRS, validates every row, writes the rows that pass atomically and returns every other row with
its row number, column and reason. :func:`import_raster` does the same for DEM and population
GeoTIFFs; :func:`preview` shows the first rows and the guessed mapping for the upload panel.

Coordinates (``crs``)
    ``wgs84`` (GPS, EPSG:4326), ``cgcs2000`` (EPSG:4490; identical to WGS 84 to well under 1 m
    at map scale, so transformed as a null shift by PROJ), ``gcj02`` (Amap/Gaode, Tencent),
    ``bd09`` (Baidu), or any ``EPSG:n`` such as the CGCS2000 3° Gauss-Kruger zone
    ``EPSG:4547`` (central meridian 114°E, Shenzhen). GCJ-02 and BD-09 are undone with
    :mod:`risk.coords` (exact inverse, < 1 mm). ``None`` means "the file's own CRS"
    (``.prj``, GeoPackage, GeoJSON/KML = WGS 84), else WGS 84 for tables. Everything is stored in
    EPSG:4326. In projected tables the X/Y columns are read in whichever order lands in China:
    Chinese surveying calls the northing "X", which is reported as a warning.

Swapped longitude/latitude
    A row whose longitude lies in 3–54 and latitude in 73–135 (impossible in China, where the
    opposite holds) is rejected with the reason "经纬度疑似颠倒 / longitude and latitude look
    swapped"; it is never swapped silently. ``swap_xy=True`` (``--swap-xy``) swaps exactly those
    rows instead and lists them in the warnings.

Row numbers and counts
    As a person sees them in the file: header = row 1, first data row = 2 for CSV/Excel (title
    rows above the header keep their numbers); the feature number from 1 for vector files.
    Blank rows are skipped and listed in the warnings; every other row is either accepted or
    rejected, so ``accepted_count + rejected_count == total_rows`` always. The report has one
    line per problem (a row may have several).

Writes
    Through :meth:`data.store.FileStore.write_layer` (temporary file + :func:`os.replace`): if
    anything fails, the previous layer file stays byte-for-byte as it was. ``mode="append"``
    keeps the existing rows and rejects new rows whose id already exists. ``strict=True`` writes
    nothing if any row fails. A file with no acceptable row never replaces existing data.
    Text (names with ``<script>`` …) is stored exactly as given; escaping is the display's job.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from data.columns import load_remembered, parse_mapping, remember_mapping, resolve_mapping
from data.readers import (
    DEFAULT_MAX_BYTES,
    FORMAT_LABELS,
    ImportFileError,
    RawSource,
    read_source,
)
from data.schema import LAYERS, RASTER_LAYERS, validate_layer
from risk.coords import bd09_to_wgs84, gcj02_to_wgs84

__all__ = [
    "ImportFileError",
    "ImportResult",
    "Preview",
    "CoordSystem",
    "parse_crs",
    "import_layer",
    "import_raster",
    "preview",
    "REPORT_COLUMNS",
    "CHINA_LON",
    "CHINA_LAT",
]

REPORT_COLUMNS = ["layer", "row", "column", "value", "reason"]
CHINA_LON = (73.0, 135.0)
CHINA_LAT = (3.0, 54.0)
"""Longitude/latitude ranges of China used for the "outside the region" and swap checks."""

_OFFSET_SYSTEMS = {"gcj02": ("GCJ-02（高德/腾讯）", "GCJ-02 (Amap/Gaode, Tencent)"),
                   "bd09": ("BD-09（百度）", "BD-09 (Baidu)")}
_ALIASES = {
    "wgs84": "wgs84", "wgs-84": "wgs84", "wgs_84": "wgs84", "gps": "wgs84", "4326": "wgs84",
    "epsg:4326": "wgs84",
    "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "amap": "gcj02", "gaode": "gcj02",
    "高德": "gcj02", "火星": "gcj02", "腾讯": "gcj02", "tencent": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "bd09ll": "bd09", "baidu": "bd09", "百度": "bd09",
    "cgcs2000": "EPSG:4490", "cgcs-2000": "EPSG:4490", "国家2000": "EPSG:4490",
    "2000": "EPSG:4490",
}
_CRS_HELP = "wgs84, cgcs2000, gcj02, bd09 or EPSG:n (e.g. EPSG:4547 = CGCS2000 3° zone 114°E)"


@dataclass(frozen=True)
class CoordSystem:
    """How to read coordinates: an offset system (``gcj02``/``bd09``) or a pyproj CRS."""

    name: str
    crs: pyproj.CRS

    @property
    def offset(self) -> str | None:
        return self.name if self.name in _OFFSET_SYSTEMS else None

    @property
    def geographic(self) -> bool:
        return self.crs.is_geographic

    def describe(self) -> str:
        if self.offset:
            zh, en = _OFFSET_SYSTEMS[self.name]
            return f"{zh} / {en}"
        epsg = self.crs.to_epsg()
        return f"EPSG:{epsg} ({self.crs.name})" if epsg else self.crs.name


def parse_crs(value: str | None) -> CoordSystem | None:
    """Parse a ``crs`` option; ``None`` stays ``None`` (use the file's own CRS).

    >>> parse_crs("gcj02").describe()
    'GCJ-02（高德/腾讯） / GCJ-02 (Amap/Gaode, Tencent)'
    >>> parse_crs("EPSG:4547").crs.to_epsg()
    4547
    """
    if value is None or str(value).strip() == "":
        return None
    key = unicodedata.normalize("NFKC", str(value)).strip().lower()
    name = _ALIASES.get(key, key)
    if name in _OFFSET_SYSTEMS:
        return CoordSystem(name, pyproj.CRS.from_epsg(4326))
    if name == "wgs84":
        return CoordSystem("wgs84", pyproj.CRS.from_epsg(4326))
    if re.fullmatch(r"\d{4,6}", name):
        name = f"EPSG:{name}"
    try:
        crs = pyproj.CRS.from_user_input(name.upper() if name.startswith("epsg:") else name)
    except pyproj.exceptions.CRSError as exc:
        raise ValueError(f"`crs` must be one of {_CRS_HELP}, got {value!r}") from exc
    return CoordSystem(name.upper() if name.startswith("epsg:") else name, crs)


# ---------------------------------------------------------------------------------------------
# results


@dataclass
class ImportResult:
    """What an import did: counts, every rejected row with its reasons, the mapping used."""

    layer: str
    total_rows: int
    accepted_count: int
    rejected: pd.DataFrame
    """One line per problem: layer, row, column, value, reason (a row may have several)."""
    mapping_used: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    accepted_rows: list[int] = field(default_factory=list)
    written: bool = False
    refused: bool = False
    """``strict=True`` and some row failed: nothing was written."""
    format: str = ""
    encoding: str | None = None
    crs_used: str = ""

    @property
    def rejected_rows(self) -> list[int]:
        return sorted(set(self.rejected["row"].astype(int).tolist()))

    @property
    def rejected_count(self) -> int:
        return len(self.rejected_rows)

    def report_csv(self) -> bytes:
        """The report as CSV in UTF-8 with BOM (opens correctly in Excel)."""
        return self.rejected.to_csv(index=False).encode("utf-8-sig")

    def write_report(self, path: str | os.PathLike[str]) -> Path:
        path = Path(path)
        path.write_bytes(self.report_csv())
        return path


@dataclass
class Preview:
    """The first rows of a file and the mapping that would be used, for the upload panel."""

    columns: list[str]
    rows: list[dict[str, object]]
    guessed_mapping: dict[str, str]
    encoding: str | None
    detected_crs_hint: str | None
    format: str = ""
    header_row: int | None = None
    total_rows: int = 0
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# reasons

_ZH_REASONS = (
    ("empty name", "名称为空"),
    ("duplicate id", "编号重复"),
    ("unknown risk grade", "风险等级无法识别"),
    ("risk grade is empty", "风险等级为空"),
    ("missing or empty geometry", "缺少几何图形"),
    ("geometry must be", "几何类型不符"),
    ("invalid geometry", "几何图形无效"),
    ("outside the dataset's region", "不在数据集区域内"),
    ("coordinates out of range", "坐标超出范围"),
    ("not a number", "不是数字"),
    ("not a whole number", "不是整数"),
    ("not yes/no", "不是“是/否”"),
    ("not a date", "不是日期"),
    ("shelter type must be", "避难场所类型无法识别"),
    ("road class must be", "道路等级无法识别"),
)


def _bilingual(reason: str) -> str:
    if any("\u4e00" <= ch <= "\u9fff" for ch in reason[:12]):
        return reason
    for prefix, zh in _ZH_REASONS:
        if reason.startswith(prefix):
            return f"{zh} / {reason}"
    return reason


def _problem(layer: str, row: int, column: str, value: object, reason: str) -> dict:
    return {"layer": layer, "row": int(row), "column": column, "value": str(value),
            "reason": reason}


# ---------------------------------------------------------------------------------------------
# coordinates

_DMS = re.compile(
    r"^\s*([NSEW东西南北]?)\s*(?:东经|北纬|西经|南纬)?\s*(-?\d+(?:\.\d+)?)\s*[°度:]\s*"
    r"(?:(\d+(?:\.\d+)?)\s*['′’分:]\s*)?(?:(\d+(?:\.\d+)?)\s*(?:\"|″|”|''|秒)?\s*)?"
    r"([NSEW东西南北]?)\s*$",
    re.IGNORECASE,
)


def _parse_one(text: str) -> float:
    t = unicodedata.normalize("NFKC", text).strip()
    t = re.sub(r"^(东经|北纬|经度|纬度|e|n)\s*[:：]?\s*", "", t, flags=re.IGNORECASE)
    t = re.sub(r"\s*(°|度)?\s*[en]?$", "", t, flags=re.IGNORECASE) if re.fullmatch(
        r"-?\d+(\.\d+)?\s*(°|度)?\s*[ENen]?", t) else t
    try:
        return float(t)
    except ValueError:
        pass
    m = _DMS.match(t)
    if m:
        deg, minutes, seconds = (float(m.group(i) or 0) for i in (2, 3, 4))
        value = abs(deg) + minutes / 60 + seconds / 3600
        hemi = (m.group(1) or m.group(5) or "").upper()
        return -value if deg < 0 or hemi in ("S", "W", "西", "南") else value
    return float("nan")


def parse_numbers(values: pd.Series) -> np.ndarray:
    """Numbers from text cells: plain decimals fast, then full-width digits, ``°``, DMS."""
    text = values.astype(object).map(lambda v: "" if v is None or v != v else str(v).strip())
    out = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(dtype=float, copy=True)
    retry = np.flatnonzero(np.isnan(out) & (text != "").to_numpy())
    for i in retry:
        out[i] = _parse_one(text.iloc[i])
    return out


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return ((lon >= CHINA_LON[0]) & (lon <= CHINA_LON[1])
            & (lat >= CHINA_LAT[0]) & (lat <= CHINA_LAT[1]))


def _to_wgs84(x: np.ndarray, y: np.ndarray, system: CoordSystem) -> tuple[np.ndarray, np.ndarray]:
    if system.name == "gcj02":
        return gcj02_to_wgs84(x, y)
    if system.name == "bd09":
        return bd09_to_wgs84(x, y)
    if system.crs.to_epsg() == 4326:
        return x.copy(), y.copy()
    tr = pyproj.Transformer.from_crs(system.crs, 4326, always_xy=True)
    lon, lat = tr.transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _short_rows(rows: list[int], limit: int = 20) -> str:
    text = ", ".join(str(r) for r in rows[:limit])
    return text + (f" … (+{len(rows) - limit})" if len(rows) > limit else "")


# ---------------------------------------------------------------------------------------------
# import


def _region(store, layer: str) -> shapely.Geometry | None:
    if layer == "districts" or not store.has_layer("districts"):
        return None
    from data.dataset import region_of

    try:
        districts = validate_layer("districts", store.read_layer("districts")).accepted
    except Exception:  # an unusable districts layer: fall back to the China bounds
        return None
    return region_of(districts) if len(districts) else None


def _table_layer(
    raw: RawSource, layer: str, mapping: dict[str, str], system: CoordSystem, *, swap_xy: bool,
    filename: str,
) -> tuple[gpd.GeoDataFrame, list[dict], np.ndarray, list[str]]:
    """Schema columns + point geometry from a table; coordinate problems per position."""
    frame = raw.frame
    assert frame is not None  # a table always has a frame
    n = len(frame)
    rows = raw.rows
    inverse = {t: s for s, t in mapping.items()}
    warnings: list[str] = []
    problems: list[dict] = []
    pre_bad = np.zeros(n, dtype=bool)
    for number, reason in raw.ragged_rows.items():
        pos = int(np.searchsorted(rows, number))
        problems.append(_problem(layer, number, "*", "", reason))
        pre_bad[pos] = True
    if LAYERS[layer].geom_types != ("Point",):
        raise ImportFileError(
            f"图层 {layer} 需要面/线几何，表格只能提供点 / layer {layer!r} needs "
            f"{'/'.join(LAYERS[layer].geom_types)} geometry; a table ({filename!r}) only gives "
            f"points: use a Shapefile, GeoPackage, GeoJSON or KML"
        )
    if "lon" in inverse and "lat" in inverse:
        xcol, ycol = inverse["lon"], inverse["lat"]
        xs, ys = frame[xcol], frame[ycol]
        coord_label = f"{xcol}/{ycol}"
    elif "lonlat" in inverse:
        xcol = ycol = inverse["lonlat"]
        parts = frame[xcol].astype(str).str.replace("，", ",").str.split(r"[,;\s/]+", n=1,
                                                                          regex=True)
        xs = parts.map(lambda p: p[0] if len(p) > 0 else "")
        ys = parts.map(lambda p: p[1] if len(p) > 1 else "")
        coord_label = xcol
    else:
        raise ImportFileError(
            f"找不到经纬度列 / file {filename!r}: no longitude/latitude columns recognised among "
            f"{', '.join(map(str, frame.columns))}; map them, e.g. --mapping "
            f"'{{\"X坐标\": \"lon\", \"Y坐标\": \"lat\"}}'"
        )
    x, y = parse_numbers(xs), parse_numbers(ys)
    xt, yt = xs.astype(str).str.strip().to_numpy(), ys.astype(str).str.strip().to_numpy()
    raw_value = np.char.add(np.char.add(xt.astype(str), ", "), yt.astype(str)) if n else xt
    empty = (xt == "") | (yt == "") | (xs.isna().to_numpy()) | (ys.isna().to_numpy())
    nonnum = ~empty & (np.isnan(x) | np.isnan(y))
    ok = ~empty & ~nonnum
    for i in np.flatnonzero(empty):
        problems.append(_problem(layer, rows[i], coord_label, raw_value[i],
                                 "缺少坐标 / missing coordinate"))
    for i in np.flatnonzero(nonnum):
        problems.append(_problem(layer, rows[i], coord_label, raw_value[i],
                                 "坐标不是数字 / coordinate is not a number"))
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if system.geographic:
        inside = _in_china(x, y)
        swapped = ok & ~inside & _in_china(y, x)
        if swap_xy and swapped.any():
            x, y = np.where(swapped, y, x), np.where(swapped, x, y)
            warnings.append(
                f"已交换经纬度的行 / longitude and latitude swapped (--swap-xy) on rows "
                f"{_short_rows(rows[swapped].tolist())}"
            )
            inside = _in_china(x, y)
        elif swapped.any():
            for i in np.flatnonzero(swapped):
                problems.append(_problem(
                    layer, rows[i], coord_label, raw_value[i],
                    "经纬度疑似颠倒 / longitude and latitude look swapped (longitude must be "
                    "73–135, latitude 3–54 in China); fix the file or use --swap-xy"))
            ok &= ~swapped
        outside = ok & ~inside
        if ok.any():
            lon[ok], lat[ok] = _to_wgs84(x[ok], y[ok], system)
    else:
        good = ok.copy()
        if good.any():
            lon1, lat1 = _to_wgs84(x[good], y[good], system)
            lon2, lat2 = _to_wgs84(y[good], x[good], system)
            area = system.crs.area_of_use  # where this CRS is meant to be used, else China
            w, so, e, no = area.bounds if area else (CHINA_LON[0], CHINA_LAT[0], *(
                CHINA_LON[1], CHINA_LAT[1]))

            def hits(lo: np.ndarray, la: np.ndarray) -> int:
                return int(((lo >= w - 1) & (lo <= e + 1) & (la >= so - 1) & (la <= no + 1)).sum())

            hits1, hits2 = hits(lon1, lat1), hits(lon2, lat2)
            if hits2 > hits1:
                warnings.append(
                    f"{xcol} 列为北坐标（测量坐标系惯例 X=北）/ column {xcol!r} holds northings "
                    f"and {ycol!r} eastings (Chinese surveying convention, X = north); read so"
                )
                lon1, lat1 = lon2, lat2
            lon[good], lat[good] = lon1, lat1
        outside = ok & ~_in_china(lon, lat)
    for i in np.flatnonzero(outside):
        problems.append(_problem(
            layer, rows[i], coord_label, raw_value[i],
            f"坐标不在中国范围内 / outside China (longitude {CHINA_LON[0]:.0f}–{CHINA_LON[1]:.0f}, "
            f"latitude {CHINA_LAT[0]:.0f}–{CHINA_LAT[1]:.0f} after conversion from "
            f"{system.describe()}); wrong --crs?"))
    ok &= ~outside
    pre_bad |= ~ok
    geometry = cast(  # arrays in, so an array of points out
        np.ndarray, shapely.points(np.where(pre_bad, np.nan, lon), np.where(pre_bad, np.nan, lat))
    )
    geometry[pre_bad] = None
    columns = {}
    for target in LAYERS[layer].columns:
        if target in inverse:
            columns[target] = frame[inverse[target]].to_numpy(dtype=object)
    if "street" in inverse:
        street = frame[inverse["street"]].astype(str).str.strip()
        address = (pd.Series(columns["address"], dtype=object).astype(str).str.strip()
                   if "address" in columns else pd.Series([""] * n, dtype=object))
        merged = [a if (not s or s in a) else (f"{s} {a}" if a else s)
                  for s, a in zip(street.tolist(), address.tolist(), strict=True)]
        columns["address"] = np.asarray(merged, dtype=object)
        warnings.append(f"“{inverse['street']}”列并入地址 / street column "
                        f"{inverse['street']!r} is put in front of the address")
    gdf = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geometry, crs=4326), crs=4326)
    return gdf, problems, pre_bad, warnings


def _vector_layer(
    raw: RawSource, layer: str, mapping: dict[str, str], system: CoordSystem | None, *,
    swap_xy: bool, filename: str,
) -> tuple[gpd.GeoDataFrame, list[dict], np.ndarray, list[str], str]:
    frame: gpd.GeoDataFrame = raw.frame
    rows = raw.rows
    warnings: list[str] = []
    problems: list[dict] = []
    geom = frame.geometry.copy()
    file_crs = pyproj.CRS.from_user_input(frame.crs) if frame.crs is not None else None
    if system is None:
        if file_crs is None:
            bounds = geom.total_bounds if len(geom) and geom.notna().any() else np.zeros(4)
            if np.all(np.abs(bounds[[0, 2]]) <= 180) and np.all(np.abs(bounds[[1, 3]]) <= 90):
                warnings.append("文件未声明坐标系，按 WGS 84 经纬度读取 / the file declares no "
                                "CRS; read as WGS 84 longitude/latitude (pass --crs otherwise)")
                system = CoordSystem("wgs84", pyproj.CRS.from_epsg(4326))
            else:
                raise ImportFileError(
                    f"文件没有坐标系（缺 .prj）且坐标不是经纬度 / file {filename!r} declares no "
                    f"CRS and its coordinates are not longitude/latitude; pass crs, e.g. "
                    f"--crs EPSG:4547"
                )
        else:
            system = CoordSystem(f"EPSG:{file_crs.to_epsg()}" if file_crs.to_epsg() else "file",
                                 file_crs)
    elif system.offset:
        if file_crs is not None and not file_crs.is_geographic:
            raise ImportFileError(
                f"`crs` {system.name} needs longitude/latitude, but file {filename!r} is in "
                f"projected {file_crs.name}"
            )
    elif file_crs is not None and not file_crs.equals(system.crs):
        warnings.append(
            f"按指定坐标系 {system.describe()} 读取，忽略文件声明的 {file_crs.name} / read as the "
            f"given crs {system.describe()}, overriding the file's own {file_crs.name}"
        )
    if system.offset:
        fn = gcj02_to_wgs84 if system.name == "gcj02" else bd09_to_wgs84
        geom = gpd.GeoSeries(
            shapely.transform(geom.to_numpy(), lambda xy: np.column_stack(fn(xy[:, 0], xy[:, 1]))),
            crs=4326,
        )
    else:
        geom = gpd.GeoSeries(geom.to_numpy(), crs=system.crs).to_crs(4326)
    present = ~(geom.isna() | geom.is_empty).to_numpy()
    pre_bad = np.zeros(len(frame), dtype=bool)
    if present.any():
        probe = shapely.get_coordinates(geom[present].representative_point())
        lon = np.full(len(frame), np.nan)
        lat = np.full(len(frame), np.nan)
        lon[present], lat[present] = probe[:, 0], probe[:, 1]
        inside = _in_china(lon, lat)
        swapped = present & ~inside & _in_china(lat, lon)
        if swapped.any() and swap_xy:
            arr = geom.to_numpy().copy()
            arr[swapped] = shapely.transform(arr[swapped], lambda xy: xy[:, ::-1])
            geom = gpd.GeoSeries(arr, crs=4326)
            warnings.append(f"已交换经纬度 / x and y swapped (--swap-xy) on features "
                            f"{_short_rows(rows[swapped].tolist())}")
            inside |= swapped
        elif swapped.any():
            for i in np.flatnonzero(swapped):
                problems.append(_problem(layer, rows[i], "geometry", f"{lon[i]:.6f}, {lat[i]:.6f}",
                                         "经纬度疑似颠倒 / longitude and latitude look swapped; "
                                         "fix the file or use --swap-xy"))
        outside = present & ~inside & ~swapped
        for i in np.flatnonzero(outside):
            problems.append(_problem(
                layer, rows[i], "geometry", f"{lon[i]:.6f}, {lat[i]:.6f}",
                f"坐标不在中国范围内 / outside China after conversion from {system.describe()}; "
                f"wrong crs?"))
        pre_bad = (swapped & (not swap_xy)) | outside
    inverse = {t: s for s, t in mapping.items()}
    columns = {t: frame[inverse[t]].to_numpy(dtype=object) for t in LAYERS[layer].columns
               if t in inverse}
    arr = geom.to_numpy().copy()
    arr[pre_bad] = None
    gdf = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(arr, crs=4326), crs=4326)
    return gdf, problems, pre_bad, warnings, system.describe()


def _prepare(
    raw: RawSource, layer: str, *, data: bytes, crs: str | None, mapping, remembered,
    swap_xy: bool, filename: str, region,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, list[int], dict[str, str], list[str], str]:
    """Map, convert and validate; returns (accepted, rejected, accepted rows, mapping, warnings,
    crs description)."""
    system = parse_crs(crs)
    assert raw.frame is not None  # not a raster, so read_source gave a frame
    geometry = raw.frame.geometry.name if isinstance(raw.frame, gpd.GeoDataFrame) else None
    columns = [c for c in raw.frame.columns if c != geometry]
    used, warnings = resolve_mapping(columns, layer, user=mapping, remembered=remembered)
    if raw.format in ("csv", "xlsx"):
        system = system or CoordSystem("wgs84", pyproj.CRS.from_epsg(4326))
        gdf, problems, pre_bad, more = _table_layer(raw, layer, used, system, swap_xy=swap_xy,
                                                   filename=filename)
        crs_used = system.describe()
    else:
        used = {s: t for s, t in used.items() if t not in ("lon", "lat", "lonlat")}
        gdf, problems, pre_bad, more, crs_used = _vector_layer(
            raw, layer, used, system, swap_xy=swap_xy, filename=filename)
    warnings += more
    rows = raw.rows
    if "id" in LAYERS[layer].columns:  # ids for rows without one: stable per file content
        digest = hashlib.sha1(data).hexdigest()[:6]
        ids = (pd.Series(gdf["id"], dtype=object).map(
            lambda v: "" if v is None or v != v else str(v).strip())
               if "id" in gdf.columns else pd.Series([""] * len(gdf), dtype=object))
        blank = (ids == "").to_numpy()
        if blank.any():
            # pandas-stubs reject a list as the value of a masked assignment; pandas takes it
            ids[blank] = [f"{layer[:3]}-{digest}-{r}" for r in rows[blank]]  # type: ignore[call-overload]
            if "id" in gdf.columns:
                warnings.append(f"{int(blank.sum())} 行无编号，已自动生成 / {int(blank.sum())} "
                                f"rows had no id; ids like {layer[:3]}-{digest}-<row> were given")
        gdf["id"] = ids.to_numpy()
    missing = [c for c in LAYERS[layer].required if c not in gdf.columns]
    if missing:
        raise ImportFileError(
            f"缺少必需的列 / file {filename!r} has no column for {', '.join(missing)} "
            f"(layer {layer!r}); columns found: {', '.join(map(str, columns))}; "
            f"pass a mapping such as '{{\"<your column>\": \"{missing[0]}\"}}'"
        )
    for column, kind in LAYERS[layer].columns.items():  # blank cells read as empty, not as text
        if kind == "grade" and column in gdf.columns:
            gdf[column] = gdf[column].map(
                lambda v: None if isinstance(v, str) and not v.strip() else v)
    result = validate_layer(layer, gdf, region=region, source=filename, row_offset=0)
    checked = result.rejected.copy()
    positions = checked["row"].astype(int).to_numpy()
    drop = (pre_bad[positions] & (checked["column"] == "geometry").to_numpy(dtype=bool)
            & (checked["reason"] == "missing or empty geometry").to_numpy(dtype=bool))
    checked = checked[~drop]
    checked["row"] = rows[checked["row"].astype(int).to_numpy()] if len(checked) else []
    inverse = {t: s for s, t in used.items()}
    checked["column"] = checked["column"].map(
        lambda c: f"{inverse[c]} ({c})" if c in inverse and inverse[c] != c else c)
    checked["reason"] = checked["reason"].map(_bilingual)
    rejected = pd.concat([pd.DataFrame(problems, columns=REPORT_COLUMNS), checked],
                         ignore_index=True) if problems else checked.reset_index(drop=True)
    rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
    bad = set(rejected["row"].astype(int).tolist())
    accepted_mask = ~np.isin(rows, list(bad))
    accepted = result.accepted
    # validate_layer accepted exactly the positions without any problem; drop those we rejected
    kept_positions = np.setdiff1d(np.arange(len(gdf)),
                                  np.unique(result.rejected["row"].astype(int).to_numpy()))
    keep = accepted_mask[kept_positions]
    accepted = accepted[keep].reset_index(drop=True)
    accepted_rows = rows[kept_positions][keep].tolist()
    return accepted, rejected, accepted_rows, used, warnings, crs_used


def import_layer(
    store,
    layer: str,
    source: str | os.PathLike[str] | bytes,
    *,
    filename: str = "",
    crs: str | None = None,
    mapping: dict[str, str] | str | None = None,
    mode: str = "replace",
    strict: bool = False,
    swap_xy: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    remember: bool = True,
) -> ImportResult:
    """Import a file into ``layer`` of ``store``; write the rows that pass, report the others.

    Parameters
    ----------
    store
        A :class:`data.store.FileStore` (or any store with the same methods).
    layer
        A vector layer of :data:`data.schema.LAYERS`, or ``dem``/``population`` (GeoTIFF).
    source
        Path or bytes of the file.
    filename
        Name shown in messages and used for the extension check (defaults to the path's name).
    crs
        See the module docstring; ``None`` = the file's own CRS, else WGS 84.
    mapping
        ``{source column: target}`` (or JSON text / a JSON file path) overriding the guesses and
        the remembered mapping; ``""`` as target ignores a column.
    mode
        ``"replace"`` the layer or ``"append"`` to it.
    strict
        Write nothing if any row fails.
    swap_xy
        Swap the rows detected as having longitude and latitude swapped instead of rejecting them.
    remember
        Remember the user ``mapping`` for ``layer`` in the store's folder after a write.

    Raises
    ------
    ImportFileError
        The file cannot be used at all; nothing was written.
    ValueError
        A bad argument (layer, mode, crs, mapping).
    """
    if layer in RASTER_LAYERS:
        return import_raster(store, layer, source, filename=filename, max_bytes=max_bytes)
    if layer not in LAYERS:
        valid = ", ".join([*LAYERS, *RASTER_LAYERS])
        raise ValueError(f"`layer` must be one of {valid}, got {layer!r}")
    if mode not in ("replace", "append"):
        raise ValueError(f"`mode` must be 'replace' or 'append', got {mode!r}")
    user_mapping = parse_mapping(mapping)
    parse_crs(crs)  # validate before reading
    if not filename and not isinstance(source, (bytes, bytearray, memoryview)):
        filename = Path(source).name
    raw = read_source(source, filename=filename, layer=layer, max_bytes=max_bytes)
    if raw.format == "geotiff":
        raise ImportFileError(
            f"文件 {filename!r} 是栅格 GeoTIFF，只能导入 dem 或 population / file {filename!r} is "
            f"a GeoTIFF raster; import it as layer dem or population, not {layer!r}"
        )
    data = raw.data
    root = getattr(store, "root", None)
    remembered = load_remembered(root, layer) if root is not None else {}
    region = _region(store, layer)
    accepted, rejected, accepted_rows, used, warnings, crs_used = _prepare(
        raw, layer, data=data, crs=crs, mapping=user_mapping, remembered=remembered,
        swap_xy=swap_xy, filename=filename, region=region)
    warnings = raw.warnings + warnings
    if raw.blank_rows:
        warnings.append(f"跳过空行 / blank rows skipped: {_short_rows(raw.blank_rows)}")
    if mode == "append" and store.has_layer(layer) and len(accepted):
        existing = store.read_layer(layer)
        if existing.crs is not None and existing.crs.to_epsg() != 4326:
            existing = existing.to_crs(4326)
        old_ids = set(existing["id"].astype(str).str.strip()) if "id" in existing else set()
        clash = accepted["id"].astype(str).isin(old_ids).to_numpy()
        if clash.any():
            extra = [
                _problem(layer, accepted_rows[i], "id", accepted["id"].iloc[i],
                         "编号重复：数据集中已有此编号 / duplicate id: already in the dataset")
                for i in np.flatnonzero(clash)
            ]
            rejected = pd.concat([rejected, pd.DataFrame(extra, columns=REPORT_COLUMNS)],
                                 ignore_index=True).sort_values("row", kind="stable")
            rejected = rejected.reset_index(drop=True)
            accepted = accepted[~clash].reset_index(drop=True)
            accepted_rows = [r for r, c in zip(accepted_rows, clash, strict=True) if not c]
        combined = gpd.GeoDataFrame(pd.concat([existing, accepted], ignore_index=True),
                                    geometry=existing.geometry.name, crs=4326)
    else:
        combined = accepted
    result = ImportResult(
        layer=layer, total_rows=len(raw.rows), accepted_count=len(accepted), rejected=rejected,
        mapping_used=used, warnings=warnings, accepted_rows=accepted_rows, format=raw.format,
        encoding=raw.encoding, crs_used=crs_used,
    )
    if result.accepted_count + result.rejected_count != result.total_rows:  # never expected
        raise RuntimeError(f"row accounting failed for {filename!r}: {result.accepted_count} "
                           f"accepted + {result.rejected_count} rejected != {result.total_rows}")
    if strict and len(rejected):
        result.refused = True
        result.accepted_count = 0
        result.accepted_rows = []
        result.warnings.append(
            f"严格模式：{result.rejected_count} 行有问题，未导入任何数据 / strict: "
            f"{result.rejected_count} rows failed, nothing was written"
        )
        return result
    if not len(accepted):
        if result.total_rows:
            result.warnings.append("没有可导入的行，原数据未改动 / no row could be imported; "
                                   "the existing data was left unchanged")
        return result
    store.write_layer(layer, combined)
    result.written = True
    if remember and user_mapping and root is not None:
        remember_mapping(root, layer, {s: t for s, t in user_mapping.items()})
    return result


def import_raster(
    store, name: str, source: str | os.PathLike[str] | bytes, *, filename: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportResult:
    """Validate a one-band GeoTIFF with a CRS and data, and copy it atomically into the store."""
    import rasterio
    from rasterio.io import MemoryFile

    if name not in RASTER_LAYERS:
        raise ValueError(f"`name` must be one of {', '.join(RASTER_LAYERS)}, got {name!r}")
    if not filename and not isinstance(source, (bytes, bytearray, memoryview)):
        filename = Path(source).name
    raw = read_source(source, filename=filename, layer="enterprises", max_bytes=max_bytes)
    if raw.format != "geotiff":
        raise ImportFileError(f"{name} 需要 GeoTIFF / layer {name!r} needs a GeoTIFF, but "
                              f"{filename!r} is {FORMAT_LABELS[raw.format]}")
    warnings = list(raw.warnings)

    def check(ds) -> None:
        if ds.crs is None:
            raise ImportFileError(f"GeoTIFF {filename!r} 没有坐标系 / has no CRS")
        if ds.count != 1:
            raise ImportFileError(f"GeoTIFF {filename!r} must have 1 band, has {ds.count}")
        scale = max(1, int(max(ds.width, ds.height) / 2048))
        sample = ds.read(1, masked=True,
                         out_shape=(max(1, ds.height // scale), max(1, ds.width // scale)))
        if sample.mask.all() or not np.isfinite(sample.compressed()).any():
            raise ImportFileError(f"GeoTIFF {filename!r} 全部为无数据 / holds only nodata")

    try:
        with MemoryFile(raw.data) as mem, mem.open() as ds:
            check(ds)
            crs_used = ds.crs.to_string()
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(f"GeoTIFF 已损坏 / file {filename!r} cannot be read: {exc}") from exc
    with store.atomic_raster(name) as tmp:
        Path(tmp).write_bytes(raw.data)
        with rasterio.open(tmp) as ds:  # what was written reads back the same
            check(ds)
    return ImportResult(layer=name, total_rows=1, accepted_count=1,
                        rejected=pd.DataFrame(columns=REPORT_COLUMNS), mapping_used={},
                        warnings=warnings, accepted_rows=[1], written=True, format="geotiff",
                        crs_used=crs_used)


# ---------------------------------------------------------------------------------------------
# preview


def _crs_hint(raw: RawSource, mapping: dict[str, str]) -> tuple[str | None, str]:
    if raw.format not in ("csv", "xlsx"):
        if raw.crs is None:
            return None, "文件未声明坐标系 / the file declares no CRS"
        crs = pyproj.CRS.from_user_input(raw.crs)
        epsg = crs.to_epsg()
        return (f"EPSG:{epsg}" if epsg else crs.to_string()), f"文件声明 / declared: {crs.name}"
    headers = " ".join(mapping).lower()
    inverse = {t: s for s, t in mapping.items()}
    if "lon" not in inverse or "lat" not in inverse:
        return None, ""
    assert raw.frame is not None  # a table always has a frame
    x = parse_numbers(raw.frame[inverse["lon"]].head(200))
    y = parse_numbers(raw.frame[inverse["lat"]].head(200))
    ok = ~(np.isnan(x) | np.isnan(y))
    if not ok.any():
        return None, ""
    x, y = x[ok], y[ok]
    if _in_china(x, y).mean() > 0.5 or _in_china(y, x).mean() > 0.5:
        if any(k in headers for k in ("百度", "baidu", "bd")):
            return "bd09", "列名提示百度坐标 / headers suggest Baidu BD-09"
        if any(k in headers for k in ("高德", "gcj", "火星", "腾讯", "amap", "gaode")):
            return "gcj02", "列名提示高德/腾讯坐标 / headers suggest GCJ-02"
        return "wgs84", ("经纬度：GPS 选 wgs84，高德/腾讯选 gcj02，百度选 bd09 / longitude-"
                         "latitude: GPS = wgs84, Amap/Tencent = gcj02, Baidu = bd09")
    big = np.maximum(x, y)
    small = np.minimum(x, y)
    prefix = np.floor(small / 1e6)
    if np.all(small > 1e7) or (np.all(prefix >= 13) and np.all(prefix == prefix[0])):
        zone = int(prefix[0])
        if 25 <= zone <= 45:
            return f"EPSG:{4513 + zone - 25}", f"CGCS2000 3° Gauss-Kruger zone {zone}"
        if 13 <= zone <= 23:
            return f"EPSG:{4491 + zone - 13}", f"CGCS2000 6° Gauss-Kruger zone {zone}"
    if np.all((small > 1e5) & (small < 1e6) & (big > 1e6) & (big < 6.5e6)):
        return "EPSG:45xx", ("平面坐标：请选所在 3° 带，深圳为 EPSG:4547 / projected metres: choose "
                             "your CGCS2000 3° zone (Shenzhen 114°E = EPSG:4547)")
    return None, ""


def preview(
    source: str | os.PathLike[str] | bytes,
    *,
    filename: str = "",
    layer: str,
    n: int = 10,
    mapping: dict[str, str] | str | None = None,
    store=None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Preview:
    """The first ``n`` rows and the mapping an import would use (no validation, nothing written)."""
    if not filename and not isinstance(source, (bytes, bytearray, memoryview)):
        filename = Path(source).name
    raw = read_source(source, filename=filename, layer=layer, max_bytes=max_bytes)
    if raw.format == "geotiff":
        return Preview(columns=[], rows=[], guessed_mapping={}, encoding=None,
                       detected_crs_hint=None, format="geotiff", total_rows=1,
                       warnings=raw.warnings)
    frame = raw.frame
    assert frame is not None  # only rasters (returned above) have no frame
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    columns = [str(c) for c in frame.columns if c != geometry]
    root = getattr(store, "root", None) if store is not None else None
    remembered = load_remembered(root, layer) if root is not None else {}
    used, warnings = resolve_mapping(columns, layer, user=parse_mapping(mapping),
                                     remembered=remembered)
    head = frame.head(n)
    rows = []
    for i, (_, rec) in enumerate(head.iterrows()):
        item: dict[str, object] = {"row": int(raw.rows[i])}
        for c in columns:
            v = rec[c]
            item[c] = "" if v is None or (isinstance(v, float) and v != v) else v
        if geometry:
            g = rec[geometry]
            item["geometry"] = "" if g is None else g.wkt[:80]
        rows.append(item)
    hint, why = _crs_hint(raw, used)
    if why:
        warnings.append(why)
    return Preview(columns=columns, rows=rows, guessed_mapping=used, encoding=raw.encoding,
                   detected_crs_hint=hint, format=raw.format, header_row=raw.header_row,
                   total_rows=len(raw.rows), warnings=raw.warnings + warnings)


def read_report(data: bytes) -> pd.DataFrame:
    """Read a report written by :meth:`ImportResult.report_csv` back (for tests and the UI)."""
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"value": str})
