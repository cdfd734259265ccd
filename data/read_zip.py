"""Zip archives sent for import: safe member names, and the real unpacked size counted as the
members stream out (never the size the archive declares), against the size and ratio limits of
:mod:`data.limits`. Used by :mod:`data.readers` (CSV/GeoJSON/KML/GeoPackage inside a zip, .xlsx
before openpyxl unpacks it) and :mod:`data.read_vector` (zipped Shapefiles)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath

from data.limits import MAX_ZIP_MEMBERS, Limits, format_bytes
from data.readers import ImportFileError

__all__ = ["CHUNK", "UnzipBudget", "zip_names", "unzip_member", "check_unzipped", "only_member"]


def zip_names(data: bytes, filename: str, max_bytes: int) -> list[str]:
    """The members of a zip, refusing unsafe paths, too many members, and archives whose
    *declared* unpacked size is already over ``max_bytes`` (the real size is counted while
    reading, see :func:`unzip_member`)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(
            f"文件已损坏或不完整 / file {filename!r} looks like a zip archive (or .xlsx) but cannot "
            f"be opened: {exc}"
        ) from exc
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ImportFileError(
            f"压缩包文件过多 / zip {filename!r} lists {len(infos):,} files; the limit is "
            f"{MAX_ZIP_MEMBERS:,}"
        )
    total = 0
    names = []
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise ImportFileError(
                f"压缩包含不安全路径 / zip {filename!r} contains an unsafe member path {name!r} "
                f"(absolute or escaping its folder); nothing was imported"
            )
        total += info.file_size
        names.append(name)
    if total > max_bytes:
        raise ImportFileError(
            f"压缩包解压后过大 / zip {filename!r} declares {format_bytes(total)} unpacked; "
            f"the limit is {format_bytes(max_bytes)} (RISKMAP_MAX_UNZIPPED_MB)"
        )
    return names


class UnzipBudget:
    """Decompressed bytes counted across the members of one archive, against the size and
    ratio limits (:meth:`data.limits.Limits.unzip_budget`)."""

    def __init__(self, archive_bytes: int, limits: Limits, filename: str) -> None:
        self.archive_bytes = archive_bytes
        self.limit, self.kind = limits.unzip_budget(archive_bytes)
        self.ratio = limits.max_zip_ratio
        self.filename = filename
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used <= self.limit:
            return
        if self.kind == "ratio":
            raise ImportFileError(
                f"压缩包解压比过大（疑似压缩炸弹） / zip {self.filename!r} of "
                f"{format_bytes(self.archive_bytes)} unpacks to more than "
                f"{format_bytes(self.limit)} (over {self.ratio:g} times its size); the limit is "
                f"{self.ratio:g}:1 (RISKMAP_MAX_ZIP_RATIO); nothing was imported"
            )
        raise ImportFileError(
            f"压缩包解压后过大 / zip {self.filename!r} unpacks to more than "
            f"{format_bytes(self.limit)}; the limit is {format_bytes(self.limit)} "
            f"(RISKMAP_MAX_UNZIPPED_MB); nothing was imported"
        )


CHUNK = 1024 * 1024


def unzip_member(zf: zipfile.ZipFile, name: str, budget: UnzipBudget, filename: str,
           sink: io.RawIOBase | io.BufferedIOBase | None) -> None:
    """Stream member ``name`` out of ``zf`` into ``sink`` (``None``: count and discard),
    counting the real decompressed bytes against ``budget``."""
    try:
        with zf.open(name) as fh:
            while chunk := fh.read(CHUNK):
                budget.take(len(chunk))
                if sink is not None:
                    sink.write(chunk)
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError,
            NotImplementedError) as exc:
        raise ImportFileError(f"压缩包已损坏 / zip {filename!r} is damaged ({name}): {exc}") from exc


def check_unzipped(data: bytes, filename: str, limits: Limits) -> None:
    """Decompress every member once (discarding the output) to check the real unpacked size;
    used before handing an .xlsx to openpyxl, which unpacks as it parses."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    budget = UnzipBudget(len(data), limits, filename)
    for name in zf.namelist():
        unzip_member(zf, name, budget, filename, None)



def only_member(data: bytes, suffixes: tuple[str, ...], filename: str,
                 limits: Limits) -> tuple[str, bytes]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    members = [n for n in zf.namelist() if n.lower().endswith(suffixes)]
    if len(members) != 1:
        raise ImportFileError(
            f"压缩包应只含一个数据文件 / zip {filename!r} must hold exactly one {'/'.join(suffixes)} "
            f"file, found {len(members)}: {', '.join(members)}"
        )
    out = io.BytesIO()
    unzip_member(zf, members[0], UnzipBudget(len(data), limits, filename), filename, out)
    return members[0], out.getvalue()


