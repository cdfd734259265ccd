"""Format sniffing, decoding and header detection (data.readers)."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from data.readers import ImportFileError, decode_text, read_source, sniff_format

CSV = "企业名称,经度,纬度,风险等级\n甲公司,114.05,22.54,红\n乙公司,114.10,22.60,蓝\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [(CSV.encode("utf-8"), "utf-8"), (CSV.encode("utf-8-sig"), "utf-8-sig"),
     (CSV.encode("gbk"), "gb18030"), (CSV.encode("utf-16"), "utf-16")],
)
def test_decode_encodings(data, encoding):
    text, used, warnings = decode_text(data)
    assert text.lstrip("\ufeff") == CSV
    assert used == encoding
    assert warnings == []


def test_truncated_inside_last_character_warns():
    data = CSV.encode("utf-8") + "丙".encode()[:2]
    text, used, warnings = decode_text(data, filename="t.csv")
    assert used == "utf-8" and text.startswith(CSV) and "truncated" in warnings[0]


def test_header_found_below_title_rows_and_rows_numbered_as_in_file():
    text = "XX区企业风险台账\n\n" + CSV.replace("\n", "\n\n", 1) + "\n丙公司,114.2,22.7,黄,多余\n"
    raw = read_source(text.encode("gbk"), filename="a.csv", layer="enterprises")
    assert raw.header_row == 3
    assert raw.rows.tolist() == [5, 6, 8]
    assert raw.blank_rows == [4, 7]
    assert list(raw.frame["企业名称"]) == ["甲公司", "乙公司", "丙公司"]
    assert 8 in raw.ragged_rows and "5 cells" in raw.ragged_rows[8]
    assert "title row" in raw.warnings[0]


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_other_separators(sep):
    raw = read_source(CSV.replace(",", sep).encode(), filename="a.txt", layer="enterprises")
    assert list(raw.frame.columns) == ["企业名称", "经度", "纬度", "风险等级"]


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["台账"])
    ws.append(["单位名称", "东经", "北纬", "等级", "检查日期"])
    ws.append(["甲", 114.05, 22.54, 1, None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_by_content_despite_wrong_extension():
    raw = read_source(_xlsx(), filename="register.csv", layer="enterprises")
    assert raw.format == "xlsx"
    assert "extension '.csv'" in raw.warnings[0]
    assert raw.rows.tolist() == [3]
    assert raw.frame.iloc[0].tolist() == ["甲", "114.05", "22.54", "1", ""]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"  \n\r\n", "empty"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, r"\.xls"),
        (b"\x00\x01\x02binary\x00", "binary"),
        (b"<html><body>hi</body></html>", "not KML"),
    ],
)
def test_unusable_files(data, match):
    with pytest.raises(ImportFileError, match=match):
        read_source(data, filename="x.csv", layer="enterprises")


def test_truncated_xlsx_and_size_limit():
    data = _xlsx()
    with pytest.raises(ImportFileError, match="cannot be opened|damaged"):
        read_source(data[: len(data) // 2], filename="a.xlsx", layer="enterprises")
    with pytest.raises(ImportFileError, match="limit is"):
        read_source(CSV.encode() * 100, filename="a.csv", layer="enterprises", max_bytes=1000)


@pytest.mark.parametrize("member", ["../evil.shp", "/etc/evil.shp", "a/../../evil.csv",
                                    "C:/evil.csv"])
def test_zip_with_escaping_paths_refused(member):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, "x")
    with pytest.raises(ImportFileError, match="unsafe member path"):
        read_source(buf.getvalue(), filename="a.zip", layer="enterprises")


def test_sniff_formats():
    assert sniff_format(b'{"type": "FeatureCollection"}', filename="a.geojson")[0] == "geojson"
    assert sniff_format(b"<?xml version='1.0'?><kml>", filename="a.kml")[0] == "kml"
    assert sniff_format(b"SQLite format 3\x00...", filename="a.gpkg")[0] == "gpkg"
    assert sniff_format(b"II*\x00....", filename="a.tif")[0] == "geotiff"
