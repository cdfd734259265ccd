"""data/read_zip.py: the real unpacked size of a zip, counted as it streams (issue 12)."""

from __future__ import annotations

import io
import zipfile

import pytest

from data.limits import Limits
from data.readers import ImportFileError, read_source

CSV = "企业名称,经度,纬度,风险等级\n甲公司,114.05,22.54,红\n乙公司,114.10,22.60,蓝\n"
ROW = "甲公司,114.05,22.54,红\n"



def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_refused_by_its_real_unpack_ratio():
    data = _zip({"a.csv": (CSV + ROW * 600_000).encode()})  # 14 MB in a few KB
    with pytest.raises(ImportFileError, match=r"解压比.*unpacks to more than 10 MB.*100:1"
                                              r".*RISKMAP_MAX_ZIP_RATIO"):
        read_source(data, filename="b.zip")


def test_zip_refused_by_its_real_unpacked_size_even_when_it_declares_less():
    data = _zip({"a.csv": (CSV + ROW * 20_000).encode()})  # 480 KB unpacked
    limits = Limits(max_unzipped_bytes=100_000)
    with pytest.raises(ImportFileError, match="RISKMAP_MAX_UNZIPPED_MB"):
        read_source(data, filename="b.zip", limits=limits)
    # a zip that lies about its size (declared 10 bytes) is still refused, as damaged or large
    liar = bytearray(data)
    at = liar.rfind(b"PK\x01\x02")
    liar[at + 24:at + 28] = (10).to_bytes(4, "little")  # uncompressed size, central directory
    with pytest.raises(ImportFileError):
        read_source(bytes(liar), filename="b.zip", limits=limits)


def test_zip_under_the_limits_is_read():
    raw = read_source(_zip({"a.csv": (CSV + ROW * 1000).encode()}), filename="b.zip")
    assert len(raw.frame) == 1002
