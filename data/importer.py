"""Import registers the way bureaus keep them into a dataset store, with a row-by-row report.

:func:`import_layer` reads a CSV/Excel/GeoJSON/Shapefile/GeoPackage/KML file (see
:mod:`data.readers`), maps its columns (:mod:`data.columns`), converts coordinates to the stored
CRS and validates every row (:mod:`data.import_tables`), writes the rows that pass atomically and
returns every other row with its row number, column and reason (:mod:`data.import_report`).
:func:`import_raster` does the same for DEM and population GeoTIFFs; :func:`preview` shows the
first rows, the guessed mapping and the guessed coordinate system for the upload panel.

Coordinates (``crs``)
    A :class:`data.coordsys.CoordSystem` parsed once at the boundary with
    :func:`data.coordsys.parse_crs` (the registry of ``wgs84``, ``cgcs2000``, ``gcj02``,
    ``bd09``, ``EPSG:n`` …). ``None`` means "the file's own CRS" (``.prj``, GeoPackage,
    GeoJSON/KML = WGS 84), else WGS 84 for tables. Everything is stored in EPSG:4326.

Row numbers and counts
    As a person sees them in the file: header = row 1, first data row = 2 for CSV/Excel (title
    rows above the header keep their numbers); the feature number from 1 for vector files.
    Blank rows are skipped and listed in the warnings; every other row is either accepted or
    rejected, so ``accepted_count + rejected_count == total_rows`` always. The report has one
    line per problem (a row may have several).

Writes
    Through :meth:`data.store.FileStore.write_layer` (:func:`risk.files.atomic_path`: a
    temporary file, fsynced, renamed over the old one): if anything fails, the previous layer
    file stays byte-for-byte as it was. ``mode="append"`` keeps the existing rows and rejects new
    rows whose id already exists. ``strict=True`` writes nothing if any row fails. A file with no
    acceptable row never replaces existing data. Text (names with ``<script>`` …) is stored
    exactly as given; escaping is the display's job.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from data.columns import load_remembered, parse_mapping, remember_mapping, resolve_mapping
from data.coordsys import CHINA_LAT, CHINA_LON, CoordSystem, guess_table_crs, parse_crs
from data.import_report import (
    REPORT_COLUMNS,
    ImportResult,
    Preview,
    problem,
    read_report,
    short_rows,
)
from data.import_tables import parse_numbers, prepare_layer
from data.readers import (
    DEFAULT_MAX_BYTES,
    FORMAT_LABELS,
    ImportFileError,
    RawSource,
    read_source,
)
from data.schema import LAYERS, RASTER_LAYERS, validate_layer

__all__ = [
    "ImportFileError",
    "ImportResult",
    "Preview",
    "CoordSystem",
    "parse_crs",
    "parse_numbers",
    "import_layer",
    "import_raster",
    "preview",
    "read_report",
    "REPORT_COLUMNS",
    "CHINA_LON",
    "CHINA_LAT",
]


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


def import_layer(
    store,
    layer: str,
    source: str | os.PathLike[str] | bytes,
    *,
    filename: str = "",
    crs: CoordSystem | None = None,
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
        The file's coordinates, parsed by :func:`data.coordsys.parse_crs` at the boundary;
        ``None`` = the file's own CRS, else WGS 84.
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
        A bad argument (layer, mode, mapping).
    TypeError
        ``crs`` is not a :class:`data.coordsys.CoordSystem` (a string must be parsed first).
    """
    if layer in RASTER_LAYERS:
        return import_raster(store, layer, source, filename=filename, max_bytes=max_bytes)
    if layer not in LAYERS:
        valid = ", ".join([*LAYERS, *RASTER_LAYERS])
        raise ValueError(f"`layer` must be one of {valid}, got {layer!r}")
    if mode not in ("replace", "append"):
        raise ValueError(f"`mode` must be 'replace' or 'append', got {mode!r}")
    if crs is not None and not isinstance(crs, CoordSystem):
        raise TypeError(f"`crs` must be a CoordSystem from data.coordsys.parse_crs (or None), "
                        f"got {crs!r}")
    user_mapping = parse_mapping(mapping)
    if not filename and not isinstance(source, (bytes, bytearray, memoryview)):
        filename = Path(source).name
    raw = read_source(source, filename=filename, layer=layer, max_bytes=max_bytes)
    if raw.format == "geotiff":
        raise ImportFileError(
            f"文件 {filename!r} 是栅格 GeoTIFF，只能导入 dem 或 population / file {filename!r} is "
            f"a GeoTIFF raster; import it as layer dem or population, not {layer!r}"
        )
    root = getattr(store, "root", None)
    remembered = load_remembered(root, layer) if root is not None else {}
    region = _region(store, layer)
    accepted, rejected, accepted_rows, used, warnings, crs_used = prepare_layer(
        raw, layer, system=crs, mapping=user_mapping, remembered=remembered,
        swap_xy=swap_xy, filename=filename, region=region)
    warnings = raw.warnings + warnings
    if raw.blank_rows:
        warnings.append(f"跳过空行 / blank rows skipped: {short_rows(raw.blank_rows)}")
    if mode == "append" and store.has_layer(layer) and len(accepted):
        existing = store.read_layer(layer)
        if existing.crs is not None and existing.crs.to_epsg() != 4326:
            existing = existing.to_crs(4326)
        old_ids = set(existing["id"].astype(str).str.strip()) if "id" in existing else set()
        clash = accepted["id"].astype(str).isin(old_ids).to_numpy()
        if clash.any():
            extra = [
                problem(layer, accepted_rows[i], "id", accepted["id"].iloc[i],
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


def _crs_hint(
    raw: RawSource, mapping: dict[str, str], *, store, layer: str
) -> tuple[str | None, str]:
    """The registry value the preview suggests for ``crs`` (or ``None``) and why."""
    if raw.format not in ("csv", "xlsx"):
        if raw.crs is None:
            return None, "文件未声明坐标系 / the file declares no CRS"
        crs = pyproj.CRS.from_user_input(raw.crs)
        epsg = crs.to_epsg()
        system = parse_crs(f"EPSG:{epsg}") if epsg else None
        return (system.value if system else None), f"文件声明 / declared: {crs.name}"
    inverse = {t: s for s, t in mapping.items()}
    if "lon" not in inverse or "lat" not in inverse:
        return None, ""
    assert raw.frame is not None  # a table always has a frame
    x = parse_numbers(raw.frame[inverse["lon"]].head(200))
    y = parse_numbers(raw.frame[inverse["lat"]].head(200))
    region = _region(store, layer) if store is not None else None
    region_lon = shapely.centroid(region).x if region is not None else None
    return guess_table_crs(x, y, headers=" ".join(mapping), region_lon=region_lon)


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
    hint, why = _crs_hint(raw, used, store=store, layer=layer)
    if why:
        warnings.append(why)
    return Preview(columns=columns, rows=rows, guessed_mapping=used, encoding=raw.encoding,
                   detected_crs_hint=hint, format=raw.format, header_row=raw.header_row,
                   total_rows=len(raw.rows), warnings=raw.warnings + warnings)


