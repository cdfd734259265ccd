"""The CJK font print maps embed: Noto Sans SC from the project's own dependencies.

PyPI ``zhplot`` (a dependency in ``pyproject.toml``) ships ``NotoSansSC-Regular.ttf`` (SIL Open
Font License) in ``zhplot/fonts/``. That file is a static TrueType font (``glyf`` outlines, not
CFF), so matplotlib's PDF backend embeds it as a subset CID TrueType font with
``pdf.fonttype = 42``: text stays selectable and searchable and no system font is assumed.

The package is located without being imported (importing ``zhplot`` changes matplotlib's global
rcParams); the font is registered once with :meth:`matplotlib.font_manager.FontManager.addfont`.
``$RISKMAP_CJK_FONT`` may name another TrueType (.ttf) file to use instead.

Speed: the full font is 10.5 MB (65,000 glyphs) and matplotlib re-reads it with fontTools to
subset it on every save (about 1.5 s per PDF). :func:`print_font_path` therefore derives, once, a
"print" font holding Latin, punctuation, symbols and all 6,763 GB 2312 hanzi (2.2 MB, family
"Noto Sans SC Print", same PostScript name), cached in ``$RISKMAP_CACHE`` when set, else the
per-user cache folder :func:`platformdirs.user_cache_dir` names (Linux: ``$XDG_CACHE_HOME/risk-map``,
by default ``~/.cache/risk-map``), else a ``risk-map-<uid>`` folder in the temp folder; never in
the installed package. It is written atomically (:func:`risk.files.atomic_path`). Building it takes
about 10 s, ``python -m layers.fonts`` does it ahead of time. Rarer characters fall back glyph by
glyph to the full font, so nothing is ever drawn as a box.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from risk.files import atomic_path

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "FontNotFoundError",
    "cjk_font_path",
    "print_font_path",
    "register_cjk_font",
    "print_rc",
]

FONT_FILE = "NotoSansSC-Regular.ttf"
ENV_VAR = "RISKMAP_CJK_FONT"
CACHE_ENV_VAR = "RISKMAP_CACHE"
PRINT_FAMILY_SUFFIX = " Print"
_PRINT_SUBSET_VERSION = "1"
_PRINT_RANGES = (
    (0x0020, 0x024F),  # Latin
    (0x02C6, 0x02DD), (0x0391, 0x03C9),  # modifier letters, Greek (µ, Δ …)
    (0x2000, 0x206F), (0x2070, 0x20CF),  # punctuation, super/subscripts, currency
    (0x2100, 0x215F), (0x2160, 0x218F), (0x2190, 0x21FF), (0x2200, 0x22FF),  # № ℃ Ⅰ → ≥
    (0x2460, 0x24FF), (0x2500, 0x25FF), (0x2600, 0x26FF),  # ① box drawing ■ ▲ ★
    (0x3000, 0x303F), (0x3200, 0x33FF),  # CJK punctuation, ㈠ ㎡
    (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),  # CJK compatibility forms, full-width forms
)


class FontNotFoundError(FileNotFoundError):
    """No embeddable CJK font could be found."""


def _zhplot_font() -> Path | None:
    spec = importlib.util.find_spec("zhplot")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "fonts" / FONT_FILE
        if path.is_file():
            return path
    return None


def cjk_font_path() -> Path:
    """Path of the TrueType CJK font to embed.

    ``$RISKMAP_CJK_FONT`` when set, else ``NotoSansSC-Regular.ttf`` from the installed ``zhplot``
    package.

    Raises
    ------
    FontNotFoundError
        When neither exists; the message says how to install the font.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        if not path.is_file():
            msg = f"${ENV_VAR} must name a TrueType font file, got {env!r} (no such file)"
            raise FontNotFoundError(msg)
        return path
    bundled = _zhplot_font()
    if bundled is None:
        msg = (
            f"中文字体缺失 / CJK font not found: expected {FONT_FILE} in the installed 'zhplot' "
            "package; run `make install` (or `pip install zhplot`), or set "
            f"${ENV_VAR} to a TrueType (.ttf) font file"
        )
        raise FontNotFoundError(msg)
    return bundled


def _print_charset() -> list[int]:
    codes = {c for lo, hi in _PRINT_RANGES for c in range(lo, hi + 1)}
    for c in range(0x4E00, 0x9FA6):  # GB 2312's 6,763 hanzi
        try:
            chr(c).encode("gb2312")
        except UnicodeEncodeError:
            continue
        codes.add(c)
    return sorted(codes)


def _cache_dirs() -> list[Path]:
    own = os.environ.get(CACHE_ENV_VAR)
    if own:
        return [Path(own)]
    uid = getattr(os, "getuid", lambda: 0)()
    return [Path(platformdirs.user_cache_dir("risk-map", appauthor=False)),
            Path(tempfile.gettempdir()) / f"risk-map-{uid}"]


def _build_print_font(source: Path, target: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source)
    for tag in ("BASE", "STAT", "vhea", "vmtx", "GSUB", "GPOS", "GDEF", "DSIG"):
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_print_charset())
    subsetter.subset(font)
    name_table = font["name"]
    family = str(name_table.getDebugName(1) or "Noto Sans SC") + PRINT_FAMILY_SUFFIX
    for record in name_table.names:
        if record.nameID in (1, 16):
            record.string = family
        elif record.nameID == 4:
            record.string = f"{family} Regular"
    with atomic_path(target) as tmp:
        font.save(str(tmp))


def print_font_path(*, build: bool = True) -> Path | None:
    """The cached "print" subset of :func:`cjk_font_path` (built on first use when ``build``).

    Returns ``None`` when it is not cached and ``build`` is false, or when no cache folder is
    writable; callers then use the full font.
    """
    source = cjk_font_path()
    stat = source.stat()
    key = hashlib.sha1(
        f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{_PRINT_SUBSET_VERSION}".encode()
    ).hexdigest()[:12]
    name = f"{source.stem}-print-{key}.ttf"
    for folder in _cache_dirs():
        if (folder / name).is_file():
            return folder / name
    if not build:
        return None
    for folder in _cache_dirs():
        try:
            _build_print_font(source, folder / name)
        except OSError:
            continue
        return folder / name
    return None


@lru_cache(maxsize=4)
def _register(path: str) -> str:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def register_cjk_font() -> str:
    """Register the CJK font with matplotlib (once) and return its family name.

    >>> register_cjk_font()
    'Noto Sans SC'
    """
    return _register(str(cjk_font_path()))


def print_rc(*, fast: bool = True) -> dict[RcKeyType, object]:
    """rcParams for print maps: the CJK font first, TrueType (Type 42) embedding, vector output.

    With ``fast``, the cached print subset (:func:`print_font_path`) comes first and the full
    font second, as the per-glyph fallback. Use with :func:`matplotlib.rc_context` so
    matplotlib's global settings are left alone.
    """
    families = [register_cjk_font()]
    small = print_font_path() if fast else None
    if small is not None:
        families.insert(0, _register(str(small)))
    return {
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "pdf.compression": 9,
        "font.family": families,  # a list of real families: per-glyph fallback from first to last
        "font.sans-serif": families,
        "axes.unicode_minus": False,
        "svg.fonttype": "none",
    }


if __name__ == "__main__":  # python -m layers.fonts: build the print font cache ahead of time
    print(print_font_path())
