"""Files uploaded through the web app, kept privately for the short time between preview and import.

Where
    A file store keeps them in ``<dataset folder>/.uploads/``; a database store (or a dataset
    folder this process cannot write) in ``uploads/`` of the per-user cache folder
    (:func:`platformdirs.user_cache_dir`). The folder is made ``0700`` and every file ``0600``
    (:func:`risk.files.write_bytes_atomic` with ``private=True``): only the app's own user can
    read them.
How long
    An upload is removed right after its import (:func:`remove_upload`), and any upload older
    than :data:`MAX_AGE_S` (one hour) is removed at each new upload and when the app starts
    (:func:`clean_uploads`).
How big
    :func:`max_upload_bytes` (``$RISKMAP_MAX_UPLOAD_MB``, default 50 MB) is checked on the real
    size of the posted contents, before they are decoded (:func:`decoded_size`); the server's
    Flask ``MAX_CONTENT_LENGTH`` bounds the request itself.

Nothing here imports Dash or Flask: the import tab and the API both use it.
"""

from __future__ import annotations

import os
import secrets
import stat
import time
from pathlib import Path

import platformdirs

from data import APP_NAME
from data.readers import ImportFileError
from risk.files import write_bytes_atomic

__all__ = ["MAX_AGE_S", "DEFAULT_MAX_UPLOAD_MB", "max_upload_bytes", "decoded_size",
           "uploads_dir", "save_upload", "upload_path", "remove_upload", "clean_uploads",
           "UploadTooLarge"]

MAX_AGE_S = 3600
"""Uploads older than this (seconds) are removed."""
DEFAULT_MAX_UPLOAD_MB = 50.0
"""The upload limit when ``$RISKMAP_MAX_UPLOAD_MB`` is not set (``data.limits.DEFAULTS``)."""
FOLDER = ".uploads"


class UploadTooLarge(ImportFileError):
    """The posted file is over :func:`max_upload_bytes`; nothing was kept."""


def max_upload_bytes() -> int:
    """The upload limit in bytes: ``$RISKMAP_MAX_UPLOAD_MB`` (a positive number of MB), else
    :data:`DEFAULT_MAX_UPLOAD_MB`; an unusable value is refused with the variable's name.
    The one home of the value is :func:`data.limits.current_limits`."""
    from data.limits import current_limits

    return int(current_limits().max_upload_bytes)


def decoded_size(b64: str, *, start: int = 0) -> int:
    """The number of bytes the base64 text ``b64[start:]`` decodes to, without decoding or
    copying it.

    >>> decoded_size("aGVsbG8="), decoded_size("data:text/csv;base64,aGVsbG8=", start=21)
    (5, 5)
    """
    n = len(b64) - start
    return max(0, n * 3 // 4 - b64[-2:].count("=")) if n > 0 else 0


def uploads_dir(store) -> Path:
    """The private uploads folder of ``store`` (created ``0700``; made so if it was not)."""
    root = getattr(store, "root", None)
    if root is not None and Path(root).is_dir() and os.access(root, os.W_OK):
        folder = Path(root) / FOLDER
    else:
        folder = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(folder.stat().st_mode) != 0o700:
        folder.chmod(0o700)
    return folder


def clean_uploads(store, *, max_age_s: float = MAX_AGE_S) -> int:
    """Remove uploads (and temporary files of interrupted ones) older than ``max_age_s``;
    the number removed. Call it at app start; :func:`save_upload` calls it too."""
    folder = uploads_dir(store)
    limit = time.time() - max_age_s
    removed = 0
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker removed it first
            continue
    return removed


def save_upload(store, data: bytes, filename: str) -> str:
    """Keep ``data`` privately (``0600``) under a random token; returns the token.

    Raises :class:`UploadTooLarge` over :func:`max_upload_bytes`."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise UploadTooLarge(too_large_message(len(data), limit))
    clean_uploads(store)
    suffix = "".join(Path(filename).suffixes)[-20:]
    suffix = "".join(ch for ch in suffix if ch.isalnum() or ch == ".")
    token = f"{secrets.token_hex(16)}{suffix}"
    write_bytes_atomic(uploads_dir(store) / token, data, private=True)
    return token


def too_large_message(size: int, limit: int) -> str:
    return (f"文件 {size / 1048576:.1f} MB 超过上传上限 {limit / 1048576:.0f} MB，请用命令行 "
            f"riskmap import / the file is {size / 1048576:.1f} MB, over the upload limit of "
            f"{limit / 1048576:.0f} MB ($RISKMAP_MAX_UPLOAD_MB): use `riskmap import`")


def upload_path(store, token: str) -> Path:
    """The file of ``token`` (never outside the uploads folder); refused when it is gone."""
    path = uploads_dir(store) / Path(str(token)).name
    if not token or not path.is_file():
        raise ImportFileError("上传的文件已失效，请重新上传 / the upload expired, upload again")
    return path


def remove_upload(store, token: str | None) -> None:
    """Remove the file of ``token`` (after its import); nothing if it is already gone."""
    if token:
        (uploads_dir(store) / Path(str(token)).name).unlink(missing_ok=True)
