"""Share links and QR codes (data/share.py)."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import segno
from PIL import Image
from werkzeug.datastructures import MultiDict

from data.share import parse_incident_query, qr_data_url, qr_png, qr_svg, share_url


def test_share_url_and_back():
    url = share_url("https://risk.example.gov.cn/app?x=1#top", 12, lang="zh")
    assert url == "https://risk.example.gov.cn/app/?incident=12&lang=zh"
    assert parse_incident_query(url) == 12
    assert parse_incident_query("?incident=12") == 12
    assert parse_incident_query("incident=%2012%20") == 12
    assert parse_incident_query(MultiDict([("incident", "5"), ("lang", "en")])) == 5
    assert parse_incident_query({"incident": "6"}) == 6
    for none in (None, "", "?lang=en", {}, MultiDict()):
        assert parse_incident_query(none) is None


@pytest.mark.parametrize("query, match", [
    ("incident=abc", "事件编号须为正整数 / the incident number must be a positive whole number, got “abc”"),
    ("incident=0", "got “0”"),
    ("incident=-3", "got “-3”"),
    ("incident=", "got “”"),
    ("incident=1.5", "got “1.5”"),
    ("incident=1&incident=2", "the link names 2 incidents"),
])
def test_bad_incident_numbers_are_refused_in_both_languages(query, match):
    with pytest.raises(ValueError, match=match):
        parse_incident_query(query)
    # the same query as Flask's request.args
    with pytest.raises(ValueError, match="incident"):
        parse_incident_query(MultiDict([tuple(p.split("=")) for p in query.split("&")]))


def test_share_url_refuses_bad_input():
    with pytest.raises(ValueError, match="must be an http\\(s\\) address"):
        share_url("risk.example.gov.cn", 1)
    with pytest.raises(ValueError, match="positive whole number"):
        share_url("http://h", 0)
    with pytest.raises(ValueError, match="positive whole number"):
        share_url("http://h", True)
    with pytest.raises(ValueError, match="`lang`"):
        share_url("http://h", 1, lang="fr")


def test_qr_png_holds_the_symbol_of_the_link():
    url = share_url("http://192.168.1.20:8050", 77)
    png = qr_png(url, scale=5)
    img = np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 128
    # one module = 5x5 pixels; sample each module's centre and compare with the QR matrix
    matrix = np.array(segno.make(url, error="m", micro=False).matrix, dtype=bool)
    n = matrix.shape[0]
    border = 4
    assert img.shape == ((n + 2 * border) * 5,) * 2
    centres = img[border * 5 + 2::5, border * 5 + 2::5][:n, :n]
    assert (centres == matrix).all()
    assert not img[: border * 5].any()  # the quiet zone is white


def test_qr_svg_and_data_urls():
    svg = qr_svg("http://h/?incident=1", title="事件 1")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "事件 1" in svg
    url = qr_data_url("http://h/?incident=1")
    assert url.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(url.split(",", 1)[1]).decode("utf-8").startswith("<svg")
    png = qr_data_url("http://h/?incident=1", kind="png")
    assert base64.b64decode(png.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="`kind` must be 'svg' or 'png'"):
        qr_data_url("x", kind="gif")
    with pytest.raises(ValueError, match="二维码内容为空 / nothing to put in the QR code"):
        qr_svg("")
