"""Table and vector preparation for an import: parse, convert to WGS 84, map and validate.

:func:`prepare_layer` turns a :class:`data.readers.RawSource` into the rows that pass (a
GeoDataFrame in EPSG:4326 with the layer's schema columns) and the report of every other row;
:mod:`data.importer` orchestrates reading, appending and writing around it. Coordinates are read
in the :class:`data.coordsys.CoordSystem` parsed at the boundary (never from a string here).

Tables (CSV/Excel)
    Point geometry from longitude/latitude columns (or one ``"lon,lat"`` column), cell text
    parsed by :func:`parse_numbers` (decimals, full-width digits, ``°``, DMS). In projected
    tables the X/Y columns are read in whichever order lands in China: Chinese surveying calls
    the northing "X", which is reported as a warning.

Swapped longitude/latitude
    A row whose longitude lies in 3–54 and latitude in 73–135 (impossible in China, where the
    opposite holds) is rejected with the reason "经纬度疑似颠倒 / longitude and latitude look
    swapped"; it is never swapped silently. ``swap_xy=True`` swaps exactly those rows instead
    and lists them in the warnings.

Extra columns
    Columns the mapping does not use (序号, 法人, 联系电话, any column of the bureau's own) are
    kept as extra attributes under their own names and listed in the warnings; a column mapped
    to ``""`` is dropped on purpose.

Truncated files
    A CSV whose last line has fewer cells than the header and no line end (a download cut
    off) raises :class:`data.readers.ImportFileError`: nothing is written, so a ``replace``
    cannot shrink a layer by accident. ``allow_truncated=True`` imports the rows before the
    cut and rejects the last one.

District checks
    With ``districts`` (the dataset's), each row's district is checked against its coordinates
    (:func:`data.schema.validate_layer`): blank filled, a mismatch kept and listed in the
    warnings ("to check"), or rejected with ``on_mismatch="reject"``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from data.columns import resolve_mapping
from data.coordsys import CHINA_LAT, CHINA_LON, WGS84, CoordSystem, in_china
from data.import_report import REPORT_COLUMNS, bilingual, problem, short_rows
from data.readers import ImportFileError, RawSource, decode_text
from data.schema import LAYERS, validate_layer

__all__ = ["parse_numbers", "prepare_layer", "truncated_last_row", "extra_source_columns",
           "TruncatedFileError"]

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



class TruncatedFileError(ImportFileError):
    """A CSV whose last line looks cut off: refused unless the caller allows it.

    ``row`` is that line's row number. The message says what happened and that nothing was
    written; how to import anyway is the caller's to say (``--allow-truncated`` on the command
    line, a confirmation box in the import tab).
    """

    def __init__(self, message: str, *, row: int) -> None:
        super().__init__(message)
        self.row = row


def truncated_last_row(raw: RawSource, *, filename: str = "") -> int | None:
    """The source row number of a CSV's last line when it looks cut off (fewer cells than the
    header and no line end after it), else ``None``."""
    if raw.format != "csv" or raw.frame is None or not len(raw.rows) or not raw.data:
        return None
    tail = raw.data.rstrip(b" \t")
    if tail.endswith((b"\n", b"\r")):
        return None
    import csv

    from data.readers import _delimiter

    text, _, _ = decode_text(raw.data, filename=filename)
    last = text.replace("\r\n", "\n").replace("\r", "\n").rsplit("\n", 1)[-1]
    if not last.strip():
        return None
    cells = next(csv.reader([last], delimiter=_delimiter(text)), [])
    width = len(raw.frame.columns)
    return int(raw.rows[-1]) if len(cells) < width else None


def extra_source_columns(columns: list, mapping: dict[str, str], dropped: set[str] | None = None
                         ) -> list[str]:
    """Source columns the mapping does not use (kept as extra attributes), in file order;
    columns named like a schema target are left out (they would shadow it)."""
    used = set(mapping)
    taken = set(mapping.values())
    reserved = {"fid", "ogc_fid", "geometry", "geom", "wkt"}  # names the stores use themselves
    return [str(c) for c in columns if str(c) not in used and str(c) not in (dropped or set())
            and str(c) not in taken and str(c).strip() and not str(c).startswith("Unnamed")
            and str(c).strip().lower() not in reserved]


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
        problems.append(problem(layer, number, "*", "", reason))
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
            f"{', '.join(map(str, frame.columns))}; map two of them to lon and lat (e.g. X坐标 → "
            f"lon, Y坐标 → lat)"
        )
    x, y = parse_numbers(xs), parse_numbers(ys)
    xt, yt = xs.astype(str).str.strip().to_numpy(), ys.astype(str).str.strip().to_numpy()
    raw_value = np.char.add(np.char.add(xt.astype(str), ", "), yt.astype(str)) if n else xt
    empty = (xt == "") | (yt == "") | (xs.isna().to_numpy()) | (ys.isna().to_numpy())
    nonnum = ~empty & (np.isnan(x) | np.isnan(y))
    ok = ~empty & ~nonnum
    for i in np.flatnonzero(empty):
        problems.append(problem(layer, rows[i], coord_label, raw_value[i],
                                 "缺少坐标 / missing coordinate"))
    for i in np.flatnonzero(nonnum):
        problems.append(problem(layer, rows[i], coord_label, raw_value[i],
                                 "坐标不是数字 / coordinate is not a number"))
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    if system.geographic:
        inside = in_china(x, y)
        swapped = ok & ~inside & in_china(y, x)
        if swap_xy and swapped.any():
            x, y = np.where(swapped, y, x), np.where(swapped, x, y)
            warnings.append(
                f"已交换经纬度的行 / longitude and latitude swapped (--swap-xy) on rows "
                f"{short_rows(rows[swapped].tolist())}"
            )
            inside = in_china(x, y)
        elif swapped.any():
            for i in np.flatnonzero(swapped):
                problems.append(problem(
                    layer, rows[i], coord_label, raw_value[i],
                    "经纬度疑似颠倒，请在文件中对调 / longitude and latitude look swapped "
                    "(longitude must be 73–135, latitude 3–54 in China): swap them in the file"))
            ok &= ~swapped
        outside = ok & ~inside
        if ok.any():
            lon[ok], lat[ok] = system.to_wgs84(x[ok], y[ok])
    else:
        good = ok.copy()
        if good.any():
            lon1, lat1 = system.to_wgs84(x[good], y[good])
            lon2, lat2 = system.to_wgs84(y[good], x[good])
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
        outside = ok & ~in_china(lon, lat)
    for i in np.flatnonzero(outside):
        problems.append(problem(
            layer, rows[i], coord_label, raw_value[i],
            f"坐标不在中国范围内 / outside China (longitude {CHINA_LON[0]:.0f}–{CHINA_LON[1]:.0f}, "
            f"latitude {CHINA_LAT[0]:.0f}–{CHINA_LAT[1]:.0f} after conversion from "
            f"{system.describe()}); wrong coordinate system (crs)?"))
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
                                "CRS; read as WGS 84 longitude/latitude (choose its crs otherwise)")
                system = WGS84
            else:
                raise ImportFileError(
                    f"文件没有坐标系（缺 .prj）且坐标不是经纬度 / file {filename!r} declares no "
                    f"CRS and its coordinates are not longitude/latitude; choose its crs, "
                    f"e.g. EPSG:4547"
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
        shift = system  # bound for the lambda: mypy cannot narrow `system` inside it
        geom = gpd.GeoSeries(
            shapely.transform(geom.to_numpy(),
                              lambda xy: np.column_stack(shift.to_wgs84(xy[:, 0], xy[:, 1]))),
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
        inside = in_china(lon, lat)
        swapped = present & ~inside & in_china(lat, lon)
        if swapped.any() and swap_xy:
            arr = geom.to_numpy().copy()
            arr[swapped] = shapely.transform(arr[swapped], lambda xy: xy[:, ::-1])
            geom = gpd.GeoSeries(arr, crs=4326)
            warnings.append(f"已交换经纬度 / x and y swapped (--swap-xy) on features "
                            f"{short_rows(rows[swapped].tolist())}")
            inside |= swapped
        elif swapped.any():
            for i in np.flatnonzero(swapped):
                problems.append(problem(layer, rows[i], "geometry", f"{lon[i]:.6f}, {lat[i]:.6f}",
                                         "经纬度疑似颠倒，请在文件中对调 / longitude and "
                                         "latitude look swapped: swap them in the file"))
        outside = present & ~inside & ~swapped
        for i in np.flatnonzero(outside):
            problems.append(problem(
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


def prepare_layer(
    raw: RawSource,
    layer: str,
    *,
    system: CoordSystem | None,
    mapping: dict[str, str],
    remembered: dict[str, str],
    swap_xy: bool,
    filename: str,
    region: shapely.Geometry | None,
    districts: gpd.GeoDataFrame | None = None,
    on_mismatch: str = "flag",
    allow_truncated: bool = False,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, list[int], dict[str, str], list[str], str]:
    """Map, convert and validate the rows of ``raw`` for ``layer``.

    Parameters
    ----------
    raw
        The file as read (a table or a vector file, not a raster).
    layer
        A vector layer of :data:`data.schema.LAYERS`.
    system
        The coordinates of the file, parsed once by :func:`data.coordsys.parse_crs`; ``None`` =
        the file's own CRS (tables: WGS 84).
    mapping, remembered
        The user's and the remembered ``{source column: target}`` (see
        :func:`data.columns.resolve_mapping`).
    swap_xy
        Swap the rows detected as having longitude and latitude swapped instead of rejecting them.
    filename
        Name shown in messages.
    region
        Rows outside it are rejected (``None``: no region check beyond China).
    districts, on_mismatch
        The dataset's districts for the district checks (``None``: none) and what a district
        that contradicts the coordinates does: ``"flag"`` (kept, listed) or ``"reject"``.
    allow_truncated
        Import a CSV whose last line is cut off (that row rejected) instead of refusing it.

    Returns
    -------
    tuple
        ``(accepted, rejected, accepted rows, mapping used, warnings, crs description)``.
    """
    data = raw.data
    assert raw.frame is not None  # not a raster, so read_source gave a frame
    cut = truncated_last_row(raw, filename=filename)
    if cut is not None and not allow_truncated:
        raise TruncatedFileError(
            f"文件可能不完整（被截断）：最后一行（第 {cut} 行）缺少单元格且没有换行，未写入任何数据；"
            f"请重新下载，或确认只导入截断前的行 / file {filename!r} looks truncated: its last line "
            f"(row {cut}) has fewer cells than the header and no line end; nothing was written. "
            f"Download it again, or confirm to import only the rows before the cut", row=cut)
    geometry = raw.frame.geometry.name if isinstance(raw.frame, gpd.GeoDataFrame) else None
    columns = [c for c in raw.frame.columns if c != geometry]
    used, warnings = resolve_mapping(columns, layer, user=mapping, remembered=remembered)
    dropped = {s for s, t in {**remembered, **mapping}.items() if t == ""}
    extras = extra_source_columns(columns, used, dropped)
    if raw.format in ("csv", "xlsx"):
        system = system or WGS84
        gdf, problems, pre_bad, more = _table_layer(raw, layer, used, system, swap_xy=swap_xy,
                                                   filename=filename)
        crs_used = system.describe()
    else:
        used = {s: t for s, t in used.items() if t not in ("lon", "lat", "lonlat")}
        gdf, problems, pre_bad, more, crs_used = _vector_layer(
            raw, layer, used, system, swap_xy=swap_xy, filename=filename)
    warnings += more
    rows = raw.rows
    if cut is not None:
        warnings.append(f"文件末行（第 {cut} 行）被截断，已拒绝 / the last line (row {cut}) is cut "
                        f"off and was rejected")
    extras = [c for c in extras if c not in gdf.columns]
    for column in extras:  # kept as extra attributes under their own names
        gdf[column] = raw.frame[column].to_numpy(dtype=object)
    if extras:
        warnings.append(f"未映射的列作为附加属性保留：{'、'.join(extras)} / columns kept as extra "
                        f"attributes: {', '.join(extras)}")
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
    result = validate_layer(layer, gdf, region=region, source=filename, row_offset=0,
                            districts=districts, on_mismatch=on_mismatch)
    for note in result.notes.to_dict("records"):  # kept, to check
        warnings.append(f"第 {rows[int(note['row'])]} 行 / row {rows[int(note['row'])]}: "
                        f"{note['reason']}")
    if cut is not None:
        gdf_cut = np.flatnonzero(rows == cut)
        pre_bad[gdf_cut] = True
        problems.append(problem(layer, cut, "*", "", "文件末行被截断 / the last line is cut off"))
    checked = result.rejected.copy()
    positions = checked["row"].astype(int).to_numpy()
    drop = (pre_bad[positions] & (checked["column"] == "geometry").to_numpy(dtype=bool)
            & (checked["reason"] == "missing or empty geometry").to_numpy(dtype=bool))
    checked = checked[~drop]
    checked["row"] = rows[checked["row"].astype(int).to_numpy()] if len(checked) else []
    inverse = {t: s for s, t in used.items()}
    checked["column"] = checked["column"].map(
        lambda c: f"{inverse[c]} ({c})" if c in inverse and inverse[c] != c else c)
    checked["reason"] = checked["reason"].map(bilingual)
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


