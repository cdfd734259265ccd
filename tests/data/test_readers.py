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


# -- bounded reading (issue 12): every limit refuses with its name, the value and the variable --

from data.limits import Limits  # noqa: E402

ROW = "甲公司,114.05,22.54,红\n"



def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()

def test_xlsx_and_shapefile_members_are_counted_too(tmp_path):
    with pytest.raises(ImportFileError, match="RISKMAP_MAX_UNZIPPED_MB"):
        read_source(_xlsx(), filename="a.xlsx", limits=Limits(max_unzipped_bytes=1000))
    import geopandas as gpd
    import shapely

    gpd.GeoDataFrame({"name": ["甲"]}, geometry=[shapely.Point(114, 22)], crs=4326).to_file(
        tmp_path / "s.shp")
    members = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    data = _zip(members)
    assert len(read_source(data, filename="s.zip").frame) == 1
    with pytest.raises(ImportFileError, match="RISKMAP_MAX_UNZIPPED_MB"):
        read_source(data, filename="s.zip", limits=Limits(max_unzipped_bytes=200))


def test_too_many_columns_in_a_table():
    wide = ",".join(["企业名称", "经度", "纬度", "风险等级", "a", "b"]) + "\n甲,114,22,红,1,2\n"
    with pytest.raises(ImportFileError, match=r"列数过多.*row 1 has 6 columns.*limit is 5"
                                              r".*RISKMAP_MAX_COLUMNS"):
        read_source(wide.encode(), filename="w.csv", limits=Limits(max_columns=5))
    assert read_source(wide.encode(), filename="w.csv", limits=Limits(max_columns=6))
    with pytest.raises(ImportFileError, match="more than 3 columns.*RISKMAP_MAX_COLUMNS"):
        read_source(_xlsx(), filename="a.xlsx", limits=Limits(max_columns=3))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_long_line_is_refused_before_decoding(encoding):
    text = CSV + "乙" * 600 + ",114,22,红\n" + ROW
    with pytest.raises(ImportFileError, match=r"行过长.*line 4 is .*limit for one line is 1 KB"
                                              r".*RISKMAP_MAX_LINE_KB"):
        read_source(text.encode(encoding), filename="l.csv", limits=Limits(max_line_bytes=800))
    # the last line, without a newline at the end
    with pytest.raises(ImportFileError, match="line 4"):
        read_source((CSV + "乙" * 600).encode(encoding), filename="l.csv",
                    limits=Limits(max_line_bytes=800))
    assert read_source(text.encode(encoding), filename="l.csv",
                       limits=Limits(max_line_bytes=2000)).frame.shape[0] == 4


def test_a_long_line_with_many_separators_says_columns():
    line = ",".join(f"c{i}" for i in range(2000))
    with pytest.raises(ImportFileError, match="line 1 .*2,000\\+ columns.*RISKMAP_MAX_COLUMNS"):
        read_source(line.encode(), filename="w.csv", limits=Limits(max_line_bytes=1000))


def test_a_long_cell_is_refused_by_the_parser_even_across_lines():
    cell = '"' + "很长的名称\n" * 400 + '"'  # every physical line is short
    text = CSV + cell + ",114,22,红\n"
    with pytest.raises(ImportFileError, match=r"单元格过长.*row \d+ .*1 KB.*RISKMAP_MAX_CELL_KB"):
        read_source(text.encode(), filename="c.csv", limits=Limits(max_cell_chars=1024))
    import csv as _csv

    assert _csv.field_size_limit() == 131072  # the process-wide setting is restored
    assert len(read_source(text.encode(), filename="c.csv").frame) == 3


def test_too_many_rows_refused_before_parsing():
    text = CSV + ROW * 100
    with pytest.raises(ImportFileError, match=r"行数过多.*more than 50 rows.*RISKMAP_MAX_ROWS"):
        read_source(text.encode(), filename="r.csv", limits=Limits(max_rows=50))
    with pytest.raises(ImportFileError, match="has 102 rows; the limit is 101"):  # exact
        read_source(text.encode(), filename="r.csv", limits=Limits(max_rows=101))
    assert len(read_source(text.encode(), filename="r.csv", limits=Limits(max_rows=102)).rows)


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RISKMAP_MAX_COLUMNS", "3")
    with pytest.raises(ImportFileError, match="limit is 3"):
        read_source(CSV.encode(), filename="a.csv")
