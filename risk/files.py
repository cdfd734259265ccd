"""Atomic, durable file writes: the one helper every writer of the project uses.

A write goes to a temporary name in the target's own folder (``.<name>.tmp-XXXXXXXX<suffix>``:
the target's suffix is kept so that drivers such as GDAL pick the right format), is
flushed and fsynced, then renamed over the target with :func:`os.replace`, and the folder is
fsynced so that the rename itself survives a power cut. A failure at any point removes the
temporary file and leaves any previous file exactly as it was: readers see the old file or the
new one, never half of one.

Permissions follow one policy: a written file gets ordinary permissions (``0666 & ~umask``, as
``open()`` would give), or ``0600`` with ``private=True`` (uploads, anything only the app may
read).

A writer killed half-way (``kill -9``, a power cut) leaves its temporary file behind (and, for a
GeoPackage, SQLite's ``-journal``/``-wal``/``-shm`` files beside it); :func:`remove_stale_temps`
removes them at the next start.

It lives in ``risk/`` because it is the lowest floor (``ui -> layers -> data -> risk``) and
``risk`` writes rasters too; it imports nothing of ours.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> write_text_atomic(target, "一 two").read_text(encoding="utf-8")
'一 two'
>>> with atomic_path(target) as tmp:
...     _ = tmp.write_text("new", encoding="utf-8")
>>> target.read_text(encoding="utf-8"), sorted(p.name for p in target.parent.iterdir())
('new', ['out.txt'])
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "write_bytes_atomic", "write_text_atomic", "fsync_path", "TMP_MARK",
           "remove_stale_temps", "STALE_AFTER_S"]

TMP_MARK = ".tmp-"
"""Temporary files are named ``.<target name>.tmp-<hex><target suffix>``: a writer killed half-way leaves one
behind, which a later start can recognise and remove."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fsync_path(path: str | os.PathLike[str]) -> None:
    """fsync a file or a folder by path (a folder: its entries, i.e. a rename into it)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if Path(path).is_dir() else os.O_RDONLY
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder; the rename still happened
        if not Path(path).is_dir():
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, private: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` durably.

    The temporary path does not exist yet (so that drivers such as GDAL may create it
    themselves); whatever is written there must be a single file. On an exception the
    temporary file is removed and the exception propagates; ``path`` is untouched.
    """
    target = Path(path)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{target.name}{TMP_MARK}{secrets.token_hex(4)}{target.suffix}"
    try:
        yield tmp
        if not tmp.is_file():
            raise FileNotFoundError(f"nothing was written to the temporary file {tmp}")
        os.chmod(tmp, 0o600 if private else 0o666 & ~_umask())
        fsync_path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_path(folder)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *,
                       private: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically and durably; returns the target path."""
    target = Path(path)
    with atomic_path(target, private=private) as tmp:
        with open(tmp, "xb") as fh:
            fh.write(data)
    return target


def write_text_atomic(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8",
                      private: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically and durably; returns the target path."""
    return write_bytes_atomic(path, text.encode(encoding), private=private)


STALE_AFTER_S = 600.0
"""A temporary file older than this (10 minutes, by its modification time) belongs to a writer
that died: no write of the app takes that long between two writes to its temporary file."""

_TEMP_NAME = re.compile(r"^\..+" + re.escape(TMP_MARK) + r"[0-9a-f]{8}[^/]*$")
_PREVIOUS_NAME = re.compile(r"^\..+\.gpkg\.previous$")
_SQLITE_SIBLINGS = ("-journal", "-wal", "-shm")


def remove_stale_temps(folder: str | os.PathLike[str], *, older_than_s: float = STALE_AFTER_S,
                       recursive: bool = True) -> list[Path]:
    """Remove what killed writes left in ``folder``; returns the paths removed.

    Removed: temporary files of :func:`atomic_path` (``.<name>.tmp-<8 hex><suffix>``) and their
    SQLite ``-journal``/``-wal``/``-shm`` siblings, and the ``.<layer>.gpkg.previous`` backups a
    layer change keeps while it replaces a layer, each when it was last modified more than
    ``older_than_s`` seconds ago (``0``: all of them; pass ``0`` only while holding the store's
    write lock, when no other writer can be half-way). Nothing else is touched: not the
    records database's own journal (``riskmap.sqlite-wal`` …), not files without the marks.
    Subfolders (``versions/<layer>/``) are searched too unless ``recursive=False``; a file that
    vanished meanwhile or cannot be removed is skipped.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in (".a.gpkg.tmp-0123abcd.gpkg", ".a.gpkg.tmp-0123abcd.gpkg-journal", "a.gpkg"):
    ...     _ = (d / n).write_bytes(b"x")
    >>> [p.name for p in remove_stale_temps(d, older_than_s=0)]
    ['.a.gpkg.tmp-0123abcd.gpkg', '.a.gpkg.tmp-0123abcd.gpkg-journal']
    >>> sorted(p.name for p in d.iterdir())
    ['a.gpkg']
    """
    root = Path(folder)
    if not root.is_dir():
        return []
    now = time.time()
    candidates = root.rglob(".*") if recursive else root.glob(".*")
    removed = []
    for path in sorted(candidates):
        name = path.name
        base = name
        for sibling in _SQLITE_SIBLINGS:
            if name.endswith(sibling):
                base = name[: -len(sibling)]
                break
        if not (_TEMP_NAME.match(base) or _PREVIOUS_NAME.match(base)):
            continue
        try:
            if not path.is_file() or now - path.stat().st_mtime < older_than_s:
                continue
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    if removed:
        for parent in {p.parent for p in removed}:
            with contextlib.suppress(OSError):
                fsync_path(parent)
    return removed
