"""Import registers the way bureaus keep them into a dataset store, with a row-by-row report.

:func:`import_layer` reads a CSV/Excel/GeoJSON/Shapefile/GeoPackage/KML file (see
:mod:`data.readers`), maps its columns (:mod:`data.columns`), converts coordinates to the stored
CRS and validates every row (:mod:`data.import_tables`), writes the rows that pass atomically and
returns every other row with its row number, column and reason (:mod:`data.import_report`).
:func:`import_raster` does the same for DEM and population GeoTIFFs; :func:`preview` shows the
first rows, the guessed mapping and the guessed coordinate system for the upload panel, the
columns an import keeps as extra attributes and whether the file looks truncated.

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

Writes and modes
    One :meth:`data.store.Store.change_layer` per import: the combination is built under the
    store's write lock from the layer as it is at that moment (two imports at the same time both
    land), kept as a new version that ``riskmap versions undo`` can restore, audited as
    ``actor``, and written atomically (if anything fails the previous layer stays as it was).
    ``mode="update"`` (the default) matches rows by :func:`key_column` (``id``: a register's
    编号 or 统一社会信用代码): new rows are added, rows that really differ are updated, nothing
    is removed. ``mode="append"`` adds rows and rejects those whose id already exists.
    ``mode="replace"`` makes the file the layer; callers confirm it first with the count
    :func:`preview_replace` gives. ``strict=True`` writes nothing if any row fails. A file with
    no acceptable row never replaces existing data. Text (names with ``<script>`` …) is stored
    exactly as given; escaping is the display's job. Rasters (``dem``, ``population``) are
    replaced atomically, not versioned.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
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
    Preview,
    blank_rows_note,
    problem,
    read_report,
)
from data.import_report import ImportResult as _Result
from data.import_tables import (
    TruncatedFileError,
    extra_source_columns,
    parse_numbers,
    prepare_layer,
    truncated_last_row,
)
from data.readers import (
    DEFAULT_MAX_BYTES,
    FORMAT_LABELS,
    ImportFileError,
    RawSource,
    read_source,
)
from data.schema import LAYERS, RASTER_LAYERS, validate_layer
from data.store import LayerChange

__all__ = [
    "ImportFileError",
    "TruncatedFileError",
    "ImportResult",
    "Preview",
    "CoordSystem",
    "parse_crs",
    "parse_numbers",
    "import_layer",
    "preview_replace",
    "key_column",
    "MODES",
    "import_raster",
    "preview",
    "read_report",
    "REPORT_COLUMNS",
    "CHINA_LON",
    "CHINA_LAT",
]


# ---------------------------------------------------------------------------------------------
# import


def _districts(store, layer: str) -> gpd.GeoDataFrame | None:
    """The store's districts to check a layer's rows against (``None``: none, or unusable)."""
    if layer == "districts" or not store.has_layer("districts"):
        return None
    try:
        districts = validate_layer("districts", store.read_layer("districts")).accepted
    except Exception:  # an unusable districts layer: fall back to the China bounds
        return None
    return districts if len(districts) else None


def _region(store, layer: str) -> shapely.Geometry | None:
    from data.dataset import region_of

    districts = _districts(store, layer)
    return region_of(districts) if districts is not None else None


MODES = ("update", "append", "replace")
"""How an import combines the file with the layer (``update`` is the default)."""


def key_column(layer: str) -> str:
    """The column that identifies a row of ``layer`` across imports (``update`` matches on it):
    ``id`` (a register's 编号 or 统一社会信用代码, see :mod:`data.columns`), ``code`` for
    districts.

    >>> key_column("enterprises"), key_column("districts")
    ('id', 'code')
    """
    return "id" if "id" in LAYERS[layer].columns else "code"


@dataclass
class ImportResult(_Result):
    """:class:`data.import_report.ImportResult` plus what the write did to the layer."""

    mode: str = ""
    version: int | None = None
    """The layer version this import made (``None``: nothing written)."""
    added: int = 0
    changed: int = 0
    """Rows whose key was already in the layer and whose values really changed."""
    removed: int = 0
    unchanged: int = 0
    """Rows of the file identical to the layer's row with their key (``update``)."""


def preview_replace(store, layer: str) -> int:
    """How many rows a ``replace`` of ``layer`` would remove (the rows it holds now)."""
    if layer not in LAYERS or not store.has_layer(layer):
        return 0
    return len(store.read_layer(layer))


def _cell(value: object) -> object:
    """A value normalised for comparing a row of the file with the stored row."""
    if isinstance(value, shapely.Geometry):
        return shapely.to_wkb(value)
    if value is None or (not isinstance(value, (str, bytes)) and pd.api.types.is_scalar(value)
                         and bool(pd.isna(value))):  # type: ignore[call-overload]
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return str(value)


def _keys(frame: gpd.GeoDataFrame, key: str) -> pd.Series:
    if key not in frame.columns:
        return pd.Series([""] * len(frame), dtype=object)
    return frame[key].map(lambda v: "" if _cell(v) is None else str(v).strip()).reset_index(
        drop=True)


def _column_differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise: do the aligned values of ``a`` and ``b`` differ (after :func:`_cell`)?"""
    if isinstance(a, gpd.GeoSeries) or isinstance(b, gpd.GeoSeries):
        wa = shapely.to_wkb(np.asarray(a, dtype=object))
        wb = shapely.to_wkb(np.asarray(b, dtype=object))
        return np.asarray(wa != wb, dtype=bool)
    return np.fromiter((_cell(x) != _cell(y) for x, y in zip(a.tolist(), b.tolist(),
                                                              strict=True)),
                       dtype=bool, count=len(a))


def _diff(current: gpd.GeoDataFrame | None, incoming: gpd.GeoDataFrame, key: str
          ) -> tuple[list[tuple[int, int]], list[int], int, set[str]]:
    """Match ``incoming`` to ``current`` by ``key``: (current, incoming) positions of changed
    rows, incoming positions of new rows, the number unchanged, and current keys not in the
    file."""
    if current is None or not len(current):
        return [], list(range(len(incoming))), 0, set()
    cur_keys = _keys(current, key)
    where: dict[str, int] = {}
    for pos, k in enumerate(cur_keys):
        if k:
            where.setdefault(k, pos)
    inc_keys = _keys(incoming, key)
    found = np.array([where.get(k, -1) if k else -1 for k in inc_keys], dtype=np.int64)
    matched = np.flatnonzero(found >= 0)
    differs = np.zeros(len(matched), dtype=bool)
    columns = [c for c in incoming.columns
               if c in current.columns and c != incoming.geometry.name]
    pairs = [(current[c], incoming[c]) for c in columns]
    pairs.append((current.geometry, incoming.geometry))
    for a, b in pairs:
        differs |= _column_differs(a.iloc[found[matched]].reset_index(drop=True),
                                   b.iloc[matched].reset_index(drop=True))
    changed = [(int(found[i]), int(i)) for i in matched[differs]]
    new = np.flatnonzero(found < 0).tolist()
    gone = set(where) - set(inc_keys)
    return changed, new, int((~differs).sum()), gone


def _as_4326(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        return frame.to_crs(4326)
    return frame


def _merged(current: gpd.GeoDataFrame, incoming: gpd.GeoDataFrame,
            changed: list[tuple[int, int]], new: list[int]) -> gpd.GeoDataFrame:
    """``current`` with its ``changed`` rows replaced by the file's (same place, extra columns
    kept) and the ``new`` rows of the file added at the end."""
    geom = current.geometry.name
    incoming = incoming.rename_geometry(geom) if incoming.geometry.name != geom else incoming
    body = current.reset_index(drop=True)
    parts = [body.drop(index=[p for p, _ in changed])]
    if changed:
        repl = incoming.iloc[[i for _, i in changed]].copy()
        repl.index = pd.Index([p for p, _ in changed])
        for column in body.columns:
            if column not in repl.columns:
                repl[column] = body.loc[repl.index, column].to_numpy()
        parts.append(repl[list(body.columns)])
    merged = pd.concat(parts).sort_index(kind="stable")
    if new:
        merged = pd.concat([merged, incoming.iloc[new]], ignore_index=True)
    return gpd.GeoDataFrame(merged.reset_index(drop=True), geometry=geom, crs=4326)


def _set_aside(result: ImportResult, accepted: gpd.GeoDataFrame, mask: np.ndarray,
               column: str, reason: str) -> gpd.GeoDataFrame:
    """Move the ``mask`` rows of ``accepted`` to the report with ``reason``."""
    if not mask.any():
        return accepted
    extra = [problem(result.layer, result.accepted_rows[i], column, accepted[column].iloc[i]
                     if column in accepted else "", reason) for i in np.flatnonzero(mask)]
    result.rejected = pd.concat([result.rejected, pd.DataFrame(extra, columns=REPORT_COLUMNS)],
                                ignore_index=True).sort_values("row", kind="stable")
    result.rejected = result.rejected.reset_index(drop=True)
    result.accepted_rows = [r for r, m in zip(result.accepted_rows, mask, strict=True) if not m]
    result.accepted_count = len(result.accepted_rows)
    return accepted[~mask].reset_index(drop=True)


def import_layer(
    store,
    layer: str,
    source: str | os.PathLike[str] | bytes,
    *,
    filename: str = "",
    crs: CoordSystem | None = None,
    mapping: dict[str, str] | str | None = None,
    mode: str = "update",
    actor: str = "",
    strict: bool = False,
    swap_xy: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    remember: bool = True,
    allow_truncated: bool = False,
) -> ImportResult:
    """Import a file into ``layer`` of ``store``; write the rows that pass, report the others.

    The write is one :meth:`data.store.Store.change_layer`: versioned (``riskmap versions``),
    audited as ``actor``, and run under the store's write lock with the layer as it is at that
    moment, so two imports at the same time both land, one after the other.

    Parameters
    ----------
    store
        A :class:`data.store.Store` (file folder or PostGIS).
    layer
        A vector layer of :data:`data.schema.LAYERS`, or ``dem``/``population`` (GeoTIFF,
        replaced as today, not versioned).
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
        ``"update"`` (default): rows are matched by :func:`key_column`; new keys are added,
        rows whose values differ are updated, nothing is removed (a file without the key column
        is refused when the layer already has rows). ``"append"``: rows are added, keys already
        in the layer are rejected. ``"replace"``: the file becomes the layer (ask the user
        first: :func:`preview_replace` says how many rows go).
    actor
        Who the version and the audit log record.
    strict
        Write nothing if any row fails.
    swap_xy
        Swap the rows detected as having longitude and latitude swapped instead of rejecting them.
    remember
        Remember the user ``mapping`` for ``layer`` in the store's folder after a write.
    allow_truncated
        Import a CSV whose last line looks cut off (a download stopped mid-row): the rows
        before the cut are imported and the cut row is rejected. Without it such a file raises
        :class:`TruncatedFileError` and nothing is written.

    Raises
    ------
    TruncatedFileError
        The file's last line looks cut off and ``allow_truncated`` is false; nothing was
        written.
    ImportFileError
        The file cannot be used at all (or not in this mode); nothing was written.
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
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {', '.join(MODES)}, got {mode!r}")
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
    districts = _districts(store, layer)
    if districts is not None:
        from data.dataset import region_of

        region = region_of(districts)
    else:
        region = None
    accepted, rejected, accepted_rows, used, warnings, crs_used = prepare_layer(
        raw, layer, system=crs, mapping=user_mapping, remembered=remembered,
        swap_xy=swap_xy, filename=filename, region=region, districts=districts,
        allow_truncated=allow_truncated)
    warnings = raw.warnings + warnings
    if raw.blank_rows:
        warnings.append(blank_rows_note(raw.blank_rows))
    result = ImportResult(
        layer=layer, total_rows=len(raw.rows), accepted_count=len(accepted), rejected=rejected,
        mapping_used=used, warnings=warnings, accepted_rows=accepted_rows, format=raw.format,
        encoding=raw.encoding, crs_used=crs_used, mode=mode,
    )
    key = key_column(layer)
    has_key = key in used.values() and bool(len(accepted)) and not _keys(accepted, key).str.match(
        f"{layer[:3]}-{hashlib.sha1(raw.data).hexdigest()[:6]}-").all()  # all ids made up here
    if mode == "update" and key != "id" and has_key:  # districts: codes must be there, once
        keys = _keys(accepted, key)
        accepted = _set_aside(result, accepted, (keys == "").to_numpy(), key,
                              f"更新模式需要编码 / update mode matches rows by {key}: empty {key}")
        keys = _keys(accepted, key)
        accepted = _set_aside(result, accepted, keys.duplicated().to_numpy(), key,
                              f"编码重复 / duplicate {key}")
    if result.accepted_count + result.rejected_count != result.total_rows:  # never expected
        raise RuntimeError(f"row accounting failed for {filename!r}: {result.accepted_count} "
                           f"accepted + {result.rejected_count} rejected != {result.total_rows}")

    def refuse_strict() -> bool:
        if not (strict and len(result.rejected)):
            return False
        result.refused = True
        result.accepted_count = 0
        result.accepted_rows = []
        result.warnings.append(
            f"严格模式：{result.rejected_count} 行有问题，未导入任何数据 / strict: "
            f"{result.rejected_count} rows failed, nothing was written"
        )
        return True

    if refuse_strict():
        return result
    if not len(accepted):
        if result.total_rows:
            result.warnings.append("没有可导入的行，原数据未改动 / no row could be imported; "
                                   "the existing data was left unchanged")
        return result

    def build(current: gpd.GeoDataFrame | None) -> LayerChange | None:
        incoming = accepted
        current = _as_4326(current) if current is not None else None
        if mode == "update" and current is not None and len(current) and not has_key:
            spec = LAYERS[layer]
            raise ImportFileError(
                f"文件 {filename!r} 没有{'编号（编号/统一社会信用代码）' if key == 'id' else '编码'}"
                f"列，无法按编号更新{spec.label_zh}：请选择“追加”或“替换” / file {filename!r} has "
                f"no {key} column, so update mode cannot match its rows to the {len(current):,} "
                f"rows of layer {layer!r}: choose mode append or replace")
        if mode == "append" and current is not None and len(current):
            clash = _keys(incoming, key).isin(set(_keys(current, key)) - {""}).to_numpy()
            incoming = _set_aside(result, incoming, clash, key,
                                  "编号重复：数据集中已有此编号 / duplicate id: already in the "
                                  "dataset")
            if refuse_strict() or not len(incoming):
                if not result.refused:
                    result.warnings.append("没有可导入的行，原数据未改动 / no row could be "
                                           "imported; the existing data was left unchanged")
                return None
        changed, new, same, gone = _diff(current, incoming, key)
        if mode == "replace":
            result.added, result.changed, result.unchanged = len(new), len(changed), same
            result.removed = (len(gone) + int((_keys(current, key) == "").sum())
                              if current is not None else 0)
            return LayerChange(incoming, added=result.added, changed=result.changed,
                               removed=result.removed)
        if mode == "append" or current is None or not len(current):
            frame = incoming if current is None or not len(current) else gpd.GeoDataFrame(
                pd.concat([current, incoming.rename_geometry(current.geometry.name)
                           if incoming.geometry.name != current.geometry.name else incoming],
                          ignore_index=True), geometry=current.geometry.name, crs=4326)
            result.added = len(incoming)
            return LayerChange(frame, added=result.added)
        result.added, result.changed, result.unchanged = len(new), len(changed), same
        if not changed and not new:
            result.warnings.append(f"数据无变化：{same} 行与现有数据相同，未生成新版本 / nothing "
                                   f"changed: all {same} rows equal the layer's; no new version")
            return None
        return LayerChange(_merged(current, incoming, changed, new), added=len(new),
                           changed=len(changed))

    info = store.change_layer(layer, build, actor=actor or "unknown", mode=mode, file=filename)
    if info is None:
        return result
    result.written = True
    result.version = info.version
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
    max_columns: int | None = None,
) -> Preview:
    """The first ``n`` rows and the mapping an import would use (no validation, nothing written).

    The preview also names the columns an import would keep as extra attributes
    (``extra_columns``), the row of a last line that looks cut off (``truncated_row``: the
    import is then refused unless ``allow_truncated``) and the blank rows it would skip.

    ``max_columns``: the rows hold only the mapped columns and the first ``max_columns`` others
    (``columns`` still names them all), so that a very wide file gives a small preview."""
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
    cell_columns = columns
    if max_columns is not None:
        keep = set(used) | set(columns[:max_columns])
        cell_columns = [c for c in columns if c in keep]
    head = frame.head(n)[[*cell_columns, *([geometry] if geometry else [])]]
    rows = []
    for i, (_, rec) in enumerate(head.iterrows()):
        item: dict[str, object] = {"row": int(raw.rows[i])}
        for c in cell_columns:
            v = rec[c]
            item[c] = "" if v is None or (isinstance(v, float) and v != v) else v
        if geometry:
            g = rec[geometry]
            item["geometry"] = "" if g is None else g.wkt[:80]
        rows.append(item)
    hint, why = _crs_hint(raw, used, store=store, layer=layer)
    if why:
        warnings.append(why)
    dropped = {s for s, t in {**remembered, **parse_mapping(mapping)}.items() if t == ""}
    return Preview(columns=columns, rows=rows, guessed_mapping=used, encoding=raw.encoding,
                   detected_crs_hint=hint, format=raw.format, header_row=raw.header_row,
                   total_rows=len(raw.rows), warnings=raw.warnings + warnings,
                   extra_columns=extra_source_columns(columns, used, dropped),
                   truncated_row=truncated_last_row(raw, filename=filename),
                   blank_rows=list(raw.blank_rows))


