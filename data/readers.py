"""Read the files bureaus send: detect the format from the content, decode, find the header row.

Supported: CSV/TXT (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030; comma, tab, semicolon
or ``|`` separated), Excel ``.xlsx``, GeoJSON, zipped Shapefile (``.cpg`` honoured for the
attribute encoding, ``.prj`` for the CRS), GeoPackage, KML/KMZ, OpenStreetMap extracts (``.osm``
XML or ``.osm.pbf``, roads layer only: :func:`data.osm.read_osm_roads`), and GeoTIFF (returned as
bytes for :func:`data.importer.import_raster`). The format is sniffed from the first bytes; a file whose
extension disagrees is read by its content, with a warning.

Row numbers are those a person sees when opening the file: for CSV and Excel the header is row 1
(or the row it really is on when title rows sit above it) and the first data row is the next one;
Excel rows are the sheet's row numbers. For GeoJSON, Shapefile, GeoPackage and KML the "row" is
the feature number, starting at 1.

Every read is bounded by :mod:`data.limits` (file size; real unpacked size and ratio of zips;
columns; length of a line before decoding and of a cell in the parser; rows; vertices per
geometry): a file over a limit raises :class:`ImportFileError` naming the limit, the value found
and the ``RISKMAP_MAX_*`` variable that raises it. Zip archives are handled in
:mod:`data.read_zip`, vector files in :mod:`data.read_vector` (both import their error and
:class:`RawSource` from here; this module imports them lazily).

Nothing here writes into a dataset; temporary copies go to the system temporary folder and are
removed at once.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from data.limits import Limits, current_limits, format_bytes

__all__ = [
    "ImportFileError",
    "RawSource",
    "DEFAULT_MAX_BYTES",
    "Limits",
    "current_limits",
    "load_bytes",
    "sniff_format",
    "decode_text",
    "read_source",
]

DEFAULT_MAX_BYTES = current_limits().max_file_bytes
"""Largest file accepted (200 MB, ``RISKMAP_MAX_FILE_MB`` when this module is first imported);
what a zip may unpack to is limited separately (:mod:`data.limits`)."""

FORMAT_LABELS = {
    "csv": "CSV", "xlsx": "Excel .xlsx", "geojson": "GeoJSON", "shapefile": "Shapefile (zip)",
    "gpkg": "GeoPackage", "kml": "KML", "geotiff": "GeoTIFF",
    "osm": "OpenStreetMap (.osm/.pbf)",
}
_EXTENSIONS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".geojson": "geojson", ".json": "geojson", ".zip": "shapefile", ".shp": "shapefile",
    ".gpkg": "gpkg", ".kml": "kml", ".kmz": "kml", ".tif": "geotiff", ".tiff": "geotiff",
    ".osm": "osm", ".pbf": "osm",
}
_HEADER_SCAN = 15
_CHUNK = 1024 * 1024


class ImportFileError(ValueError):
    """A file that cannot be imported at all (empty, damaged, unsupported, too large, unsafe)."""


@dataclass
class RawSource:
    """A file as read, before column mapping and validation."""

    format: str
    frame: pd.DataFrame | None = None
    """Tables: every cell as text; vector files: a GeoDataFrame with the file's attributes."""
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Source row number of each frame row (see the module docstring)."""
    crs: object | None = None
    """The file's own CRS (vector files), ``None`` for tables or when the file has none."""
    encoding: str | None = None
    header_row: int | None = None
    blank_rows: list[int] = field(default_factory=list)
    ragged_rows: dict[int, str] = field(default_factory=dict)
    """Rows whose cells do not line up with the header: ``{row: reason}``."""
    warnings: list[str] = field(default_factory=list)
    data: bytes = b""
    """The raw bytes (kept for rasters)."""


# ---------------------------------------------------------------------------------------------
# bytes, size and format


def load_bytes(
    source: str | os.PathLike[str] | bytes, *, filename: str = "", max_bytes: int = DEFAULT_MAX_BYTES
) -> bytes:
    """The file's content, refusing files larger than ``max_bytes`` before reading them."""
    limit = f"{max_bytes / 1024 / 1024:.0f} MB"
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        size = len(data)
    else:
        path = Path(source)
        if not path.is_file():
            raise ImportFileError(f"文件不存在 / file {str(path)!r} does not exist")
        size = path.stat().st_size
        if size > max_bytes:
            raise ImportFileError(
                f"文件过大 / file {filename or path.name!r} is {size / 1024 / 1024:.0f} MB; "
                f"the limit is {limit} (split it, or raise max_bytes / --max-mb)"
            )
        data = path.read_bytes()
    if size > max_bytes:
        raise ImportFileError(
            f"文件过大 / file {filename!r} is {size / 1024 / 1024:.0f} MB; the limit is {limit}"
        )
    if not data or data.isspace():  # no copy of a large file
        raise ImportFileError(f"文件为空 / file {filename!r} is empty")
    return data

def sniff_format(data: bytes, *, filename: str = "") -> tuple[str, list[str]]:
    """``(format, warnings)`` from the content; warns when the extension says otherwise."""
    from data.read_zip import zip_names

    head = data[:4096]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        names = zip_names(data, filename, 1 << 62)  # names only; sizes checked later
        lower = [n.lower() for n in names]
        if "[content_types].xml" in lower and any(n.startswith("xl/") for n in lower):
            fmt = "xlsx"
        elif any(n.endswith(".shp") for n in lower):
            fmt = "shapefile"
        elif any(n.endswith(".kml") for n in lower):
            fmt = "kml"
        elif any(n.endswith(".gpkg") for n in lower):
            fmt = "gpkg"
        elif any(n.endswith((".geojson", ".json")) for n in lower):
            fmt = "geojson"
        elif any(n.endswith((".csv", ".txt")) for n in lower):
            fmt = "csv"
        else:
            raise ImportFileError(
                f"无法识别的压缩包 / zip {filename!r} holds no .shp, .kml, .gpkg, .geojson or .csv "
                f"(members: {', '.join(names[:10]) or 'none'})"
            )
    elif head.startswith(b"SQLite format 3\x00"):
        fmt = "gpkg"
    elif head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        fmt = "geotiff"
    elif b"OSMHeader" in head[:32]:  # a .osm.pbf: length, then the first BlobHeader's type
        fmt = "osm"
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            f"旧版 Excel (.xls) 不支持，请另存为 .xlsx 或 CSV / file {filename!r} is an old Excel "
            f".xls workbook; save it as .xlsx or CSV"
        )
    elif head.startswith(b"%PDF"):
        raise ImportFileError(f"不支持 PDF / file {filename!r} is a PDF, not a table or map layer")
    else:
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n").lower()
        if not text and head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = head.decode("utf-16", errors="ignore").lstrip("\ufeff \t\r\n").lower()
        if text.startswith("{") or text.startswith("["):
            fmt = "geojson"
        elif text.startswith("<") and "<kml" in text:
            fmt = "kml"
        elif text.startswith("<") and "<osm" in text:
            fmt = "osm"
        elif text.startswith("<"):
            raise ImportFileError(
                f"不支持的 XML/HTML 文件 / file {filename!r} is XML or HTML but not KML"
            )
        elif b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ImportFileError(
                f"无法识别的二进制文件 / file {filename!r} is binary and not a supported format "
                f"({', '.join(FORMAT_LABELS.values())})"
            )
        else:
            fmt = "csv"
    warnings = []
    ext = Path(filename).suffix.lower()
    by_ext = _EXTENSIONS.get(ext)
    if ext and by_ext != fmt and not (ext == ".kmz" and fmt == "kml"):
        warnings.append(
            f"扩展名与内容不符，按内容读取为 {FORMAT_LABELS[fmt]} / file {filename!r} has "
            f"extension {ext!r} but its content is {FORMAT_LABELS[fmt]}; read as {fmt}"
        )
    return fmt, warnings


def decode_text(data: bytes, *, filename: str = "") -> tuple[str, str, list[str]]:
    """Decode a text file: BOM, else UTF-8, else GB18030 (a superset of GBK and GB2312).

    Returns ``(text, encoding, warnings)``. A file cut inside its last character is decoded with a
    replacement character there and a warning.
    """
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", data)]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", data)]
    else:
        candidates = [("utf-8", data), ("gb18030", data)]
    for encoding, raw in candidates:
        try:
            return raw.decode(encoding), encoding, []
        except UnicodeDecodeError as exc:
            if exc.start >= len(raw) - 4:  # cut inside the last character: a truncated file
                text = raw.decode(encoding, errors="replace")
                return text, encoding, [
                    f"文件末尾不完整 / file {filename!r} ends inside a character (truncated?); "
                    f"the last row may be incomplete"
                ]
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is None:
        raise ImportFileError(
            f"无法识别文本编码 / file {filename!r}: not UTF-8, GBK/GB18030 or another known "
            f"text encoding"
        )
    return data.decode(best.encoding, errors="replace"), best.encoding, [
        f"文本编码猜测为 {best.encoding} / encoding of {filename!r} guessed as {best.encoding}"
    ]


# ---------------------------------------------------------------------------------------------
# tables


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def _table_from_records(
    records: list[tuple[int, list[str]]], layer: str, *, fmt: str, filename: str
) -> RawSource:
    """Find the header among the first records, then build a text frame of the data rows."""
    from data.columns import guess_mapping

    source = RawSource(format=fmt)
    nonblank = [(n, r) for n, r in records if any(c.strip() for c in r)]
    if not nonblank:
        raise ImportFileError(f"文件没有内容 / file {filename!r} has no rows")
    best_i, best_score = 0, 0
    for i, (_, cells) in enumerate(nonblank[:_HEADER_SCAN]):
        score = len(guess_mapping(cells, layer))
        if score > best_score:
            best_i, best_score = i, score
    header_row, header_cells = nonblank[best_i]
    if best_score == 0:
        source.warnings.append(
            f"未识别出任何列名，以第 {header_row} 行为表头 / no known column header found; "
            f"row {header_row} is taken as the header (pass a mapping)"
        )
    if best_i:
        skipped = [str(n) for n, _ in nonblank[:best_i]]
        source.warnings.append(
            f"表头在第 {header_row} 行，跳过其上方的标题行 {', '.join(skipped)} / header found on "
            f"row {header_row}; title row(s) {', '.join(skipped)} above it skipped"
        )
    header: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(header_cells):
        name = cell.strip() or f"列{i + 1}"
        if name in seen:
            seen[name] += 1
            source.warnings.append(
                f"重复列名 {name!r} / duplicate column header {name!r}; the later one is called "
                f"{name}.{seen[name]}"
            )
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        header.append(name)
    width = len(header)
    rows: list[int] = []
    values: list[list[str]] = []
    for number, cells in records:
        if number <= header_row:
            continue
        if not any(c.strip() for c in cells):
            source.blank_rows.append(number)
            continue
        if len(cells) > width:
            extra = [c for c in cells[width:] if c.strip()]
            if extra:
                source.ragged_rows[number] = (
                    f"该行有 {len(cells)} 个单元格，表头只有 {width} 列 / row has {len(cells)} "
                    f"cells but the header has {width} columns"
                )
            cells = cells[:width]
        elif len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        rows.append(number)
        values.append(cells)
    source.frame = pd.DataFrame(values, columns=header, dtype=object)
    if not values:
        source.frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in header})
    source.rows = np.asarray(rows, dtype=np.int64)
    source.header_row = header_row
    return source


def _delimiter(text: str) -> str:
    lines = [ln for ln in text[:200_000].splitlines()[:30] if ln.strip()]
    best, best_count = ",", 0
    for candidate in (",", "\t", ";", "|"):
        count = sum(ln.count(candidate) for ln in lines)
        if count > best_count:
            best, best_count = candidate, count
    return best


def _check_lines(data: bytes, filename: str, limits: Limits) -> None:
    """Refuse a text file with a line longer than ``limits.max_line_bytes`` or more lines than
    ``limits.max_rows`` (plus room for a header and title rows), scanning the raw bytes in
    chunks before anything is decoded or parsed; stops at the first line over the limit."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        dtype = "<u2" if data.startswith(codecs.BOM_UTF16_LE) else ">u2"
        arr = np.frombuffer(data, dtype=dtype, count=len(data) // 2)
        width = 2
    else:
        arr = np.frombuffer(data, dtype=np.uint8)
        width = 1
    cap = limits.max_line_bytes // width
    max_lines = limits.max_rows + _HEADER_SCAN + 1
    last = -1  # position of the last newline seen
    lines = 0
    step = 8 * _CHUNK
    for off in range(0, len(arr), step):
        part = arr[off:off + step]
        idx = np.flatnonzero(part == 10) + off
        if len(idx):
            gaps = np.diff(idx, prepend=last) - 1
            worst = int(np.argmax(gaps))
            if gaps[worst] > cap:
                _line_too_long(data, filename, limits, lines + worst + 1,
                               int(gaps[worst]) * width, int(idx[worst] - gaps[worst]) * width)
            lines += len(idx)
            last = int(idx[-1])
        if off + len(part) - last - 1 > cap:  # the current line is already too long
            _line_too_long(data, filename, limits, lines + 1, None, (last + 1) * width)
        if lines > max_lines:
            raise ImportFileError(
                f"行数过多 / file {filename!r} has more than {limits.max_rows:,} rows; the limit "
                f"is {limits.max_rows:,} (RISKMAP_MAX_ROWS); split it"
            )


def _line_too_long(data: bytes, filename: str, limits: Limits, line: int, length: int | None,
                   start: int) -> None:
    end = start + length if length is not None else len(data)
    seps = max(data.count(sep, start, min(end, start + 64 * _CHUNK)) for sep in b",\t;|")
    columns = ""
    if seps + 1 > limits.max_columns:
        columns = (f" with {seps + 1:,}+ columns (the limit is {limits.max_columns:,}, "
                   f"RISKMAP_MAX_COLUMNS)")
    size = format_bytes(length) if length is not None else f"more than {format_bytes(end - start)}"
    raise ImportFileError(
        f"行过长 / file {filename!r}: line {line} is {size} long{columns}; the limit for one "
        f"line is {format_bytes(limits.max_line_bytes)} (RISKMAP_MAX_LINE_KB); nothing was "
        f"imported"
    )


_CSV_LOCK = threading.Lock()
"""``csv.field_size_limit`` is process-wide: one bounded parse at a time sets and restores it."""


def _csv_records(text: str, delimiter: str, filename: str,
                 limits: Limits) -> list[tuple[int, list[str]]]:
    """Parse ``text`` into ``(row number, cells)`` with the cell, column and row limits."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    max_records = limits.max_rows + _HEADER_SCAN + 1
    with _CSV_LOCK:
        previous = csv.field_size_limit(limits.max_cell_chars)
        try:
            for i, r in enumerate(reader, start=1):
                if len(r) > limits.max_columns:
                    raise ImportFileError(
                        f"列数过多 / file {filename!r}: row {i} has {len(r):,} columns; the limit "
                        f"is {limits.max_columns:,} (RISKMAP_MAX_COLUMNS); nothing was imported"
                    )
                if i > max_records:
                    raise ImportFileError(
                        f"行数过多 / file {filename!r} has more than {limits.max_rows:,} rows; "
                        f"the limit is {limits.max_rows:,} (RISKMAP_MAX_ROWS); split it"
                    )
                records.append((i, [c.strip() for c in r]))
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise ImportFileError(
                    f"单元格过长 / file {filename!r}: a cell in row {reader.line_num} is longer "
                    f"than {limits.max_cell_chars // 1024} KB; the limit for one cell is "
                    f"{limits.max_cell_chars // 1024} KB (RISKMAP_MAX_CELL_KB); nothing was "
                    f"imported"
                ) from None
            raise ImportFileError(f"CSV 格式错误 / file {filename!r}: {exc}") from exc
        finally:
            csv.field_size_limit(previous)
    return records


def _check_rows(source: RawSource, filename: str, limits: Limits) -> None:
    """The exact row limit, on the data rows below the header (blank rows not counted)."""
    if len(source.rows) > limits.max_rows:
        raise ImportFileError(
            f"行数过多 / file {filename!r} has {len(source.rows):,} rows; the limit is "
            f"{limits.max_rows:,} (RISKMAP_MAX_ROWS); split it"
        )


def _read_csv(data: bytes, layer: str, filename: str, limits: Limits) -> RawSource:
    _check_lines(data, filename, limits)
    text, encoding, warnings = decode_text(data, filename=filename)
    if "\x00" in text:
        raise ImportFileError(f"文件含有二进制内容 / file {filename!r} contains binary data")
    records = _csv_records(text, _delimiter(text), filename, limits)
    del text
    source = _table_from_records(records, layer, fmt="csv", filename=filename)
    _check_rows(source, filename, limits)
    source.encoding = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "gb18030": "GBK/GB18030",
                       "utf-16": "UTF-16"}.get(encoding, encoding)
    source.warnings[:0] = warnings
    return source


def _xlsx_rows(ws, filename: str, limits: Limits) -> list[tuple[int, list[str]]]:
    """The rows of a sheet as text, within the column and row limits."""
    records = []
    max_records = limits.max_rows + _HEADER_SCAN + 1
    for i, row in enumerate(ws.iter_rows(values_only=True, max_col=limits.max_columns + 1),
                            start=1):
        if len(row) > limits.max_columns and row[limits.max_columns] not in (None, ""):
            raise ImportFileError(
                f"列数过多 / file {filename!r}: sheet {ws.title!r} row {i} has more than "
                f"{limits.max_columns:,} columns; the limit is {limits.max_columns:,} "
                f"(RISKMAP_MAX_COLUMNS); nothing was imported"
            )
        if i > max_records:
            raise ImportFileError(
                f"行数过多 / file {filename!r}: sheet {ws.title!r} has more than "
                f"{limits.max_rows:,} rows; the limit is {limits.max_rows:,} (RISKMAP_MAX_ROWS)"
            )
        cells = [_cell_text(v) for v in row[:limits.max_columns]]
        for cell in cells:
            if len(cell) > limits.max_cell_chars:
                raise ImportFileError(
                    f"单元格过长 / file {filename!r}: a cell in sheet {ws.title!r} row {i} is "
                    f"longer than {limits.max_cell_chars // 1024} KB (RISKMAP_MAX_CELL_KB)"
                )
        while cells and cells[-1] == "":
            cells.pop()
        records.append((i, cells))
    return records


def _read_xlsx(data: bytes, layer: str, filename: str, limits: Limits) -> RawSource:
    import openpyxl

    from data.columns import guess_mapping
    from data.read_zip import check_unzipped

    check_unzipped(data, filename, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise ImportFileError(
            f"Excel 文件已损坏或不完整 / file {filename!r} cannot be opened as .xlsx: {exc}"
        ) from exc
    try:
        sheets = [ws for ws in book.worksheets if ws.sheet_state == "visible"] or book.worksheets
        best, best_score = sheets[0], -1
        for ws in sheets:
            head = [[_cell_text(v) for v in row]
                    for row in ws.iter_rows(max_row=_HEADER_SCAN, values_only=True,
                                            max_col=limits.max_columns)]
            score = max((len(guess_mapping(r, layer)) for r in head), default=0)
            if score > best_score:
                best, best_score = ws, score
        records = _xlsx_rows(best, filename, limits)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(
            f"Excel 文件读取失败 / file {filename!r} could not be read: {exc}"
        ) from exc
    finally:
        book.close()
    source = _table_from_records(records, layer, fmt="xlsx", filename=filename)
    _check_rows(source, filename, limits)
    if len(sheets) > 1:
        source.warnings.append(
            f"工作簿有 {len(sheets)} 个工作表，读取“{best.title}” / workbook has {len(sheets)} "
            f"sheets; read sheet {best.title!r}"
        )
    source.encoding = "xlsx"
    return source

def _read_osm(data: bytes, layer: str, filename: str, limits: Limits) -> RawSource:
    """The roads of an OpenStreetMap extract (XML or PBF; :func:`data.osm.read_osm_roads`)."""
    from data.osm import UNNAMED, OsmError, read_osm_roads
    from data.read_vector import _check_vertices

    if layer != "roads":
        raise ImportFileError(
            f"OpenStreetMap 文件只能导入道路图层 / an OpenStreetMap extract ({filename!r}) can "
            f"only be imported into the roads layer, not {layer!r}"
        )
    suffix = ".osm.pbf" if b"OSMHeader" in data[:32] else ".osm"  # osmium reads by suffix
    with tempfile.TemporaryDirectory(prefix="riskmap-import-") as tmpdir:
        path = Path(tmpdir) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            frame = read_osm_roads(path)
        except OsmError as exc:
            raise ImportFileError(str(exc).replace("upload.osm.pbf", filename)
                                  .replace("upload.osm", filename)) from None
    if len(frame) > limits.max_rows:
        raise ImportFileError(
            f"道路过多 / file {filename!r} has {len(frame):,} roads; the limit is "
            f"{limits.max_rows:,} (RISKMAP_MAX_ROWS)"
        )
    _check_vertices(frame, filename, limits)
    warnings = [f"从 OpenStreetMap 读取 {len(frame):,} 条道路（highway=*）/ read {len(frame):,} "
                f"roads (highway=*) from OpenStreetMap"]
    unnamed = int(frame["name"].str.startswith(UNNAMED).sum())
    if unnamed:
        warnings.append(f"{unnamed:,} 条道路无名称，记为“未命名道路 (OSM 编号)” / {unnamed:,} roads "
                        f"have no name, ref or name:zh and are named “{UNNAMED} (OSM id)”")
    return RawSource(format="osm", frame=frame, rows=np.arange(1, len(frame) + 1, dtype=np.int64),
                     crs=frame.crs, encoding="utf-8", warnings=warnings)


def read_source(
    source: str | os.PathLike[str] | bytes,
    *,
    filename: str = "",
    layer: str = "enterprises",
    max_bytes: int = DEFAULT_MAX_BYTES,
    limits: Limits | None = None,
) -> RawSource:
    """Read any supported file into a :class:`RawSource` (no mapping or validation yet).

    ``limits`` (default: :func:`data.limits.current_limits`, i.e. the environment) bound what
    is read: the unpacked size and ratio of zips, columns, line and cell length, rows and
    vertices per geometry; ``max_bytes`` bounds the file itself.

    Raises :class:`ImportFileError` for files that cannot be used at all, including every file
    over a limit (the message names the limit, the value found and the variable to raise it).
    """
    from data.read_vector import read_shapefile_zip, read_vector_file
    from data.read_zip import only_member, zip_names

    lim = current_limits() if limits is None else limits
    if not filename and not isinstance(source, (bytes, bytearray, memoryview)):
        filename = Path(source).name
    data = load_bytes(source, filename=filename, max_bytes=max_bytes)
    fmt, warnings = sniff_format(data, filename=filename)
    if data.startswith(b"PK"):
        zip_names(data, filename, lim.max_unzipped_bytes)
        if fmt in ("csv", "geojson", "gpkg", "kml"):
            member, data = only_member(
                data, {"csv": (".csv", ".txt"), "geojson": (".geojson", ".json"),
                       "gpkg": (".gpkg",), "kml": (".kml",)}[fmt], filename, lim)
            warnings.append(f"从压缩包中读取 {member} / read {member} from the zip")
    if fmt == "csv":
        raw = _read_csv(data, layer, filename, lim)
    elif fmt == "xlsx":
        raw = _read_xlsx(data, layer, filename, lim)
    elif fmt == "geotiff":
        raw = RawSource(format="geotiff", data=data)
    elif fmt == "osm":
        raw = _read_osm(data, layer, filename, lim)
    else:
        with tempfile.TemporaryDirectory(prefix="riskmap-import-") as tmpdir:
            tmp = Path(tmpdir)
            if fmt == "shapefile":
                raw = read_shapefile_zip(tmp, data, layer, filename, lim)
            else:
                suffix = {"geojson": ".geojson", "gpkg": ".gpkg", "kml": ".kml"}[fmt]
                path = tmp / f"upload{suffix}"
                path.write_bytes(data)
                raw = read_vector_file(str(path), layer, fmt, filename, lim)
                raw.encoding = "utf-8" if fmt in ("geojson", "kml") else None
    raw.warnings[:0] = warnings
    raw.data = data
    return raw
