"""data/limits.py: the documented limits and their environment overrides."""

from __future__ import annotations

import pytest

from data.limits import DEFAULTS, ENV, ZIP_RATIO_FLOOR_BYTES, Limits, current_limits

MB = 1024 * 1024


def test_defaults_are_the_documented_ones():
    assert DEFAULTS == Limits(max_file_bytes=200 * MB, max_upload_bytes=50 * MB,
                              max_unzipped_bytes=200 * MB, max_zip_ratio=100.0, max_columns=500,
                              max_line_bytes=1 * MB, max_cell_chars=32 * 1024,
                              max_rows=2_000_000, max_vertices=100_000)
    assert current_limits({}) == DEFAULTS


def test_every_limit_has_a_variable_named_in_the_module_docstring():
    import data.limits

    assert set(ENV) == set(Limits.__dataclass_fields__)
    for var, _ in ENV.values():
        assert var in data.limits.__doc__


@pytest.mark.parametrize(("var", "text", "field", "value"), [
    ("RISKMAP_MAX_FILE_MB", "10", "max_file_bytes", 10 * MB),
    ("RISKMAP_MAX_UPLOAD_MB", "0.5", "max_upload_bytes", MB // 2),
    ("RISKMAP_MAX_UNZIPPED_MB", "1000", "max_unzipped_bytes", 1000 * MB),
    ("RISKMAP_MAX_ZIP_RATIO", "12.5", "max_zip_ratio", 12.5),
    ("RISKMAP_MAX_COLUMNS", "2000", "max_columns", 2000),
    ("RISKMAP_MAX_LINE_KB", "64", "max_line_bytes", 64 * 1024),
    ("RISKMAP_MAX_CELL_KB", "1", "max_cell_chars", 1024),
    ("RISKMAP_MAX_ROWS", "5e6", "max_rows", 5_000_000),
    ("RISKMAP_MAX_VERTICES", " 7 ", "max_vertices", 7),
])
def test_environment_overrides(var, text, field, value):
    limits = current_limits({var: text})
    assert getattr(limits, field) == value
    others = {f for f in Limits.__dataclass_fields__ if f != field}
    assert all(getattr(limits, f) == getattr(DEFAULTS, f) for f in others)


@pytest.mark.parametrize("text", ["0", "-3", "abc", "nan", "inf"])
def test_a_bad_value_names_the_variable(text):
    with pytest.raises(ValueError, match=f"RISKMAP_MAX_ROWS.*positive.*{text}"):
        current_limits({"RISKMAP_MAX_ROWS": text})


def test_os_environ_is_read_on_each_call(monkeypatch):
    monkeypatch.setenv("RISKMAP_MAX_COLUMNS", "42")
    assert current_limits().max_columns == 42
    monkeypatch.delenv("RISKMAP_MAX_COLUMNS")
    assert current_limits().max_columns == 500


def test_unzip_budget_by_ratio_with_a_floor_and_by_size():
    assert DEFAULTS.unzip_budget(50_000) == (ZIP_RATIO_FLOOR_BYTES, "ratio")
    assert DEFAULTS.unzip_budget(300_000) == (30_000_000, "ratio")
    assert DEFAULTS.unzip_budget(1 * MB) == (100 * MB, "ratio")
    assert DEFAULTS.unzip_budget(5 * MB) == (200 * MB, "size")
    assert Limits(max_unzipped_bytes=MB).unzip_budget(10) == (MB, "size")
