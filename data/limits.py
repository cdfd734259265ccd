"""The limits on what an import reads: one home, documented, configurable by environment.

Every limit is checked *while* reading, on the real content, never on what a file declares:

============================  =========  ===========================  ==========================
limit                         default    environment override         checked
============================  =========  ===========================  ==========================
file size (CLI, API)          200 MB     ``RISKMAP_MAX_FILE_MB``      before the file is read
upload size (web server)      50 MB      ``RISKMAP_MAX_UPLOAD_MB``    Flask and the callback
unpacked size of a zip        200 MB     ``RISKMAP_MAX_UNZIPPED_MB``  decompressed bytes counted
                                                                      as they stream
unpack ratio of a zip         100 : 1    ``RISKMAP_MAX_ZIP_RATIO``    same (archives unpacking
                                                                      to under 10 MB are never
                                                                      refused for their ratio)
columns of a table            500        ``RISKMAP_MAX_COLUMNS``      header and every row,
                                                                      before the frame is built
length of one line (text)     1 MB       ``RISKMAP_MAX_LINE_KB``      raw bytes, before decoding
length of one cell            32 KB      ``RISKMAP_MAX_CELL_KB``      by the CSV parser itself
rows (table lines, features)  2,000,000  ``RISKMAP_MAX_ROWS``         lines counted before
                                                                      parsing; features from
                                                                      the file's index
vertices of one geometry      100,000    ``RISKMAP_MAX_VERTICES``     every feature after reading
============================  =========  ===========================  ==========================

A file over a limit is refused as a whole (:class:`data.readers.ImportFileError`, a bilingual
message naming the limit, the value found, the row or line, and the variable that raises it);
nothing is written. A geometry over the vertex limit is not simplified behind the user's back:
the file is refused with the feature numbers and their vertex counts, so the person who sent it
can simplify it in their GIS with a tolerance they choose.

Environment values are read each time :func:`current_limits` is called (so a server picks up
the values it was started with, and tests may set them); a value that is not a positive number
is refused with a message naming the variable.

>>> lim = current_limits({"RISKMAP_MAX_COLUMNS": "50"})
>>> lim.max_columns, lim.max_rows
(50, 2000000)
>>> format_bytes(304_000), format_bytes(8_300_000), format_bytes(2 * 1024 ** 3)
('297 KB', '7.9 MB', '2048 MB')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Limits", "DEFAULTS", "ENV", "ZIP_RATIO_FLOOR_BYTES", "MAX_ZIP_MEMBERS",
           "current_limits", "format_bytes"]

_MB = 1024 * 1024

ZIP_RATIO_FLOOR_BYTES = 10 * _MB
"""An archive that unpacks to less than this is never refused for its ratio (small, very
repetitive tables compress far better than 100 : 1 and are harmless)."""

MAX_ZIP_MEMBERS = 1000
"""Most files one zip may list (a shapefile has 3 to 8)."""


@dataclass(frozen=True)
class Limits:
    """The limits in force for one read (see the module docstring for each one)."""

    max_file_bytes: int = 200 * _MB
    max_upload_bytes: int = 50 * _MB
    max_unzipped_bytes: int = 200 * _MB
    max_zip_ratio: float = 100.0
    max_columns: int = 500
    max_line_bytes: int = 1 * _MB
    max_cell_chars: int = 32 * 1024
    max_rows: int = 2_000_000
    max_vertices: int = 100_000

    def unzip_budget(self, archive_bytes: int) -> tuple[int, str]:
        """The most an archive of ``archive_bytes`` may unpack to, and which limit that is
        (``"size"`` or ``"ratio"``)."""
        by_ratio = max(int(self.max_zip_ratio * archive_bytes), ZIP_RATIO_FLOOR_BYTES)
        if by_ratio < self.max_unzipped_bytes:
            return by_ratio, "ratio"
        return self.max_unzipped_bytes, "size"


DEFAULTS = Limits()

ENV: dict[str, tuple[str, float]] = {
    "max_file_bytes": ("RISKMAP_MAX_FILE_MB", _MB),
    "max_upload_bytes": ("RISKMAP_MAX_UPLOAD_MB", _MB),
    "max_unzipped_bytes": ("RISKMAP_MAX_UNZIPPED_MB", _MB),
    "max_zip_ratio": ("RISKMAP_MAX_ZIP_RATIO", 1),
    "max_columns": ("RISKMAP_MAX_COLUMNS", 1),
    "max_line_bytes": ("RISKMAP_MAX_LINE_KB", 1024),
    "max_cell_chars": ("RISKMAP_MAX_CELL_KB", 1024),
    "max_rows": ("RISKMAP_MAX_ROWS", 1),
    "max_vertices": ("RISKMAP_MAX_VERTICES", 1),
}
"""``{field: (environment variable, unit in bytes or 1)}``."""


def current_limits(environ: Mapping[str, str] | None = None) -> Limits:
    """The limits from the environment (``os.environ`` by default), else :data:`DEFAULTS`.

    Raises
    ------
    ValueError
        A variable is set to something that is not a positive number.
    """
    env = os.environ if environ is None else environ
    values: dict[str, float | int] = {}
    for name, (var, unit) in ENV.items():
        text = env.get(var, "").strip()
        if not text:
            continue
        try:
            number = float(text)
        except ValueError:
            number = -1.0
        if not number > 0 or number != number or number == float("inf"):
            raise ValueError(f"环境变量 {var} 应为正数 / environment variable {var} must be a "
                             f"positive number, got {text!r}")
        values[name] = number if name == "max_zip_ratio" else max(1, int(number * unit))
    return Limits(**values)  # type: ignore[arg-type]


def format_bytes(n: float) -> str:
    """A size for messages: KB under 1 MB, else MB with one decimal under 10 MB."""
    if n < _MB:
        return f"{n / 1024:.0f} KB"
    if n < 10 * _MB:
        return f"{n / _MB:.1f} MB"
    return f"{n / _MB:.0f} MB"
