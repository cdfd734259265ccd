"""The print-font cache: a per-user cache folder (never the package), written atomically."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers import fonts


@pytest.fixture()
def tiny_charset(monkeypatch):
    """Subset to a handful of characters so that building the cache takes a moment, not 10 s."""
    monkeypatch.setattr(fonts, "_print_charset", lambda: [ord(c) for c in "A1 风险地图"])


def test_cache_goes_to_the_per_user_cache_folder(tmp_path, monkeypatch, tiny_charset):
    monkeypatch.delenv(fonts.CACHE_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "risk-map"
    assert fonts._cache_dirs()[0] == folder
    assert fonts.print_font_path(build=False) is None
    built = fonts.print_font_path()
    assert built is not None and built.parent == folder and built.suffix == ".ttf"
    assert [p.name for p in folder.iterdir()] == [built.name], "no temporary file left behind"
    package = Path(fonts.__file__).resolve().parents[1]
    assert not built.resolve().is_relative_to(package)
    assert fonts.print_font_path(build=False) == built  # found again without rebuilding
    from fontTools.ttLib import TTFont

    font = TTFont(built)
    assert str(font["name"].getDebugName(1)).endswith(fonts.PRINT_FAMILY_SUFFIX)
    assert ord("险") in font.getBestCmap()


def test_riskmap_cache_overrides_and_a_failed_build_leaves_nothing(tmp_path, monkeypatch,
                                                                   tiny_charset):
    monkeypatch.setenv(fonts.CACHE_ENV_VAR, str(tmp_path / "own"))
    assert fonts._cache_dirs() == [tmp_path / "own"]

    def broken_save(self, file, *args, **kwargs):
        Path(file).write_bytes(b"half a font")
        raise OSError("disk full")

    from fontTools.ttLib import TTFont

    monkeypatch.setattr(TTFont, "save", broken_save)
    assert fonts.print_font_path() is None  # callers fall back to the full font
    assert list((tmp_path / "own").iterdir()) == []


def test_missing_font_is_reported_by_name(monkeypatch):
    monkeypatch.setenv("RISKMAP_CJK_FONT", "/nonexistent/font.ttf")
    with pytest.raises(fonts.FontNotFoundError, match=r"RISKMAP_CJK_FONT.*font.ttf"):
        fonts.cjk_font_path()
    monkeypatch.delenv("RISKMAP_CJK_FONT")
    monkeypatch.setattr(fonts, "_zhplot_font", lambda: None)
    with pytest.raises(fonts.FontNotFoundError, match="zhplot"):
        fonts.cjk_font_path()
