"""The CJK font print maps embed: Noto Sans SC from the project's own dependencies.

PyPI ``zhplot`` (a dependency in ``pyproject.toml``) ships ``NotoSansSC-Regular.ttf`` (SIL Open
Font License) in ``zhplot/fonts/``. That file is a static TrueType font (``glyf`` outlines, not
CFF), so matplotlib's PDF backend embeds it as a subset CID TrueType font with
``pdf.fonttype = 42``: text stays selectable and searchable and no system font is assumed.

The package is located without being imported (importing ``zhplot`` changes matplotlib's global
rcParams); the font is registered once with :meth:`matplotlib.font_manager.FontManager.addfont`.
``$RISKMAP_CJK_FONT`` may name another TrueType (.ttf/.ttc) file to use instead.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

__all__ = ["FontNotFoundError", "cjk_font_path", "register_cjk_font", "print_rc"]

FONT_FILE = "NotoSansSC-Regular.ttf"
ENV_VAR = "RISKMAP_CJK_FONT"


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
    path = _zhplot_font()
    if path is None:
        msg = (
            f"中文字体缺失 / CJK font not found: expected {FONT_FILE} in the installed 'zhplot' "
            "package; run `make install` (or `pip install zhplot`), or set "
            f"${ENV_VAR} to a TrueType (.ttf) font file"
        )
        raise FontNotFoundError(msg)
    return path


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


def print_rc() -> dict[str, object]:
    """rcParams for print maps: the CJK font first, TrueType (Type 42) embedding, vector output.

    Use with :func:`matplotlib.rc_context` so matplotlib's global settings are left alone.
    """
    family = register_cjk_font()
    return {
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "pdf.compression": 9,
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.fonttype": "none",
    }
