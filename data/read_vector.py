"""Vector files sent for import (GeoJSON, Shapefile in a zip, GeoPackage, KML/KMZ) read with
pyogrio into a :class:`data.readers.RawSource`, within the limits of :mod:`data.limits`: columns
and features from the file's index where it has one, vertices per geometry for every feature
(GeoJSON: GDAL itself refuses a feature far over the limit while parsing it)."""

from __future__ import annotations

import codecs
import contextlib
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data.limits import Limits
from data.read_zip import CHUNK, UnzipBudget, unzip_member
from data.readers import FORMAT_LABELS, ImportFileError, RawSource

__all__ = ["read_vector_file", "read_shapefile_zip"]


def _cpg_encoding(text: str) -> str:
    key = text.strip().lower().replace("-", "").replace("_", "")
    aliases = {"936": "gbk", "cp936": "gbk", "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030",
               "utf8": "utf-8", "65001": "utf-8", "ansi1252": "cp1252", "1252": "cp1252"}
    if key in aliases:
        return aliases[key]
    try:
        return codecs.lookup(text.strip()).name
    except LookupError:
        return ""


def _check_vector_info(path: str, name: str, fmt: str, filename: str, limits: Limits) -> None:
    """Refuse a layer with too many fields or features from its own index, before reading."""
    import pyogrio

    try:
        info = pyogrio.read_info(path, layer=name)
    except Exception:  # the read itself reports a damaged file
        return
    fields = len(info.get("fields", ()))
    if fields > limits.max_columns:
        raise ImportFileError(
            f"列数过多 / file {filename!r} has {fields:,} attribute columns; the limit is "
            f"{limits.max_columns:,} (RISKMAP_MAX_COLUMNS)"
        )
    features = int(info.get("features") or 0)
    if features > limits.max_rows:
        raise ImportFileError(
            f"要素过多 / file {filename!r} has {features:,} features; the limit is "
            f"{limits.max_rows:,} (RISKMAP_MAX_ROWS)"
        )


def _check_vertices(frame: gpd.GeoDataFrame, filename: str, limits: Limits) -> None:
    """Refuse a file any of whose geometries has more than ``limits.max_vertices`` vertices,
    naming the features (numbered from 1) and their counts."""
    if not len(frame):
        return
    counts = shapely.get_num_coordinates(np.asarray(frame.geometry.values, dtype=object))
    over = np.flatnonzero(counts > limits.max_vertices)
    if not len(over):
        return
    listed = ", ".join(f"{i + 1} ({int(counts[i]):,})" for i in over[:10])
    more = f" … (+{len(over) - 10})" if len(over) > 10 else ""
    raise ImportFileError(
        f"几何图形顶点过多 / file {filename!r}: {len(over)} feature(s) have more than "
        f"{limits.max_vertices:,} vertices (RISKMAP_MAX_VERTICES): feature (vertices) "
        f"{listed}{more}; simplify them in your GIS (e.g. 1 m tolerance) and import again; "
        f"nothing was imported"
    )


_GDAL_LOCK = threading.Lock()
_GEOJSON_BYTES_PER_VERTEX = 200
"""GDAL's GeoJSON parser accounts about 170 bytes per vertex of a feature (measured: 17 MB for
100,000 vertices); ``OGR_GEOJSON_MAX_OBJ_SIZE`` is set from the vertex limit with this, so a
feature far over the limit is refused while it is parsed (in milliseconds, not seconds and
hundreds of MB)."""


@contextlib.contextmanager
def _geojson_object_limit(limits: Limits) -> Iterator[None]:
    import pyogrio

    size_mb = max(8, -(-limits.max_vertices * _GEOJSON_BYTES_PER_VERTEX // (1024 * 1024)) + 2)
    with _GDAL_LOCK:
        previous = pyogrio.get_gdal_config_option("OGR_GEOJSON_MAX_OBJ_SIZE")
        pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": str(size_mb)})
        try:
            yield
        finally:
            pyogrio.set_gdal_config_options({"OGR_GEOJSON_MAX_OBJ_SIZE": previous})


def _too_complex(exc: Exception, filename: str, limits: Limits) -> ImportFileError | None:
    """GDAL's "GeoJSON object too complex/large" as the vertex limit's message."""
    text = str(exc)
    if "too complex/large" not in text:
        return None
    return ImportFileError(
        f"几何图形顶点过多 / file {filename!r}: a feature has far more than "
        f"{limits.max_vertices:,} vertices (RISKMAP_MAX_VERTICES); simplify it in your GIS "
        f"(e.g. 1 m tolerance) and import again; nothing was imported"
    )


def read_vector_file(path: str, layer: str, fmt: str, filename: str, limits: Limits,
                      **kwargs) -> RawSource:
    if fmt == "geojson":
        with _geojson_object_limit(limits):
            return _read_vector_layers(path, layer, fmt, filename, limits, **kwargs)
    return _read_vector_layers(path, layer, fmt, filename, limits, **kwargs)


def _read_vector_layers(path: str, layer: str, fmt: str, filename: str, limits: Limits,
                        **kwargs) -> RawSource:
    import pyogrio

    try:
        layers = [(str(n), g) for n, g in pyogrio.list_layers(path)]
    except Exception as exc:
        raise _too_complex(exc, filename, limits) or ImportFileError(
            f"{FORMAT_LABELS[fmt]} 文件已损坏或不完整 / file {filename!r} cannot be read as "
            f"{FORMAT_LABELS[fmt]}: {exc}"
        ) from exc
    warnings = []
    if fmt == "gpkg" and len(layers) > 1:
        names = [n for n, _ in layers]
        chosen = [n for n in names if n.lower() == layer] or (
            [n for n, g in layers if g] if len([n for n, g in layers if g]) == 1 else []
        )
        if not chosen:
            raise ImportFileError(
                f"GeoPackage {filename!r} has several layers ({', '.join(names)}) and none is "
                f"called {layer!r}; export the one to import on its own"
            )
        layers = [(chosen[0], None)]
        warnings.append(f"读取图层 {chosen[0]!r} / read layer {chosen[0]!r}")
    if fmt in ("gpkg", "shapefile"):  # an index to ask; GDAL parses GeoJSON/KML whole to count
        for name, _ in layers:
            _check_vector_info(path, name, fmt, filename, limits)
    frames = []
    try:
        for name, _ in layers:
            frames.append(pyogrio.read_dataframe(path, layer=name, **kwargs))
    except Exception as exc:
        raise _too_complex(exc, filename, limits) or ImportFileError(
            f"{FORMAT_LABELS[fmt]} 文件已损坏或不完整 / file {filename!r} cannot be read: {exc}"
        ) from exc
    frames = [f for f in frames if len(f)] or frames[:1]
    crs = frames[0].crs if frames else None
    frame = (
        gpd.GeoDataFrame(pd.concat([f.to_crs(crs) if f.crs != crs else f for f in frames],
                                   ignore_index=True), crs=crs)
        if len(frames) > 1 else frames[0]
    )
    if len(frame) > limits.max_rows:
        raise ImportFileError(
            f"要素过多 / file {filename!r} has {len(frame):,} features; the limit is "
            f"{limits.max_rows:,} (RISKMAP_MAX_ROWS)"
        )
    if len(frame.columns) - 1 > limits.max_columns:
        raise ImportFileError(
            f"列数过多 / file {filename!r} has {len(frame.columns) - 1:,} attribute columns; the "
            f"limit is {limits.max_columns:,} (RISKMAP_MAX_COLUMNS)"
        )
    _check_vertices(frame, filename, limits)
    if len(frames) > 1:
        warnings.append(
            f"合并了 {len(frames)} 个图层/文件夹 / merged {len(frames)} layers or folders; rows are "
            f"numbered through all of them in file order"
        )
    return RawSource(format=fmt, frame=frame, rows=np.arange(1, len(frame) + 1, dtype=np.int64),
                     crs=crs, warnings=warnings)


def read_shapefile_zip(tmp: Path, data: bytes, layer: str, filename: str,
                        limits: Limits) -> RawSource:
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    shps = [n for n in names if n.lower().endswith(".shp")]
    if len(shps) > 1:
        match = [n for n in shps if PurePosixPath(n).stem.lower() == layer]
        if len(match) != 1:
            raise ImportFileError(
                f"压缩包含多个 Shapefile / zip {filename!r} holds several shapefiles "
                f"({', '.join(shps)}); zip one at a time or name it {layer}.shp"
            )
        shps = match
    shp = shps[0]
    stem = shp[:-4]
    siblings = {n.lower(): n for n in names}
    warnings = []
    for ext in (".shx", ".dbf"):
        if stem.lower() + ext not in siblings:
            raise ImportFileError(
                f"Shapefile 不完整 / zip {filename!r}: {shp} has no {ext} file beside it "
                f"(a shapefile needs .shp, .shx and .dbf)"
            )
    budget = UnzipBudget(len(data), limits, filename)
    folder = tmp / "shp"
    folder.mkdir()
    local: dict[str, Path] = {}
    for ext in (".shp", ".shx", ".dbf", ".cpg", ".prj"):
        member = siblings.get(stem.lower() + ext)
        if member is not None:
            local[ext] = folder / f"upload{ext}"
            with open(local[ext], "xb") as sink:
                unzip_member(zf, member, budget, filename, sink)
    encoding = ""
    if ".cpg" in local:
        encoding = _cpg_encoding(local[".cpg"].read_bytes()[:200].decode("ascii", errors="ignore"))
    if not encoding:
        with open(local[".dbf"], "rb") as fh:
            dbf = fh.read(CHUNK)
        try:
            codecs.getincrementaldecoder("utf-8")().decode(dbf[32:], final=False)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "gb18030"
        warnings.append(
            f"Shapefile 没有 .cpg，属性按 {encoding} 读取 / shapefile has no .cpg; attributes "
            f"read as {encoding}"
        )
    if stem.lower() + ".prj" not in siblings:
        warnings.append("Shapefile 没有 .prj（坐标系未知）/ shapefile has no .prj (CRS unknown)")
    source = read_vector_file(str(local[".shp"]), layer, "shapefile", filename, limits,
                               encoding=encoding)
    source.encoding = encoding
    source.warnings[:0] = warnings
    return source


