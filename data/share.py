"""Share an incident: the link that opens the app on it, and that link as a QR code.

The link is the app's own address with ``?incident=N`` (N: the saved incident's number), so a
field team opens the same incident on a phone; :func:`parse_incident_query` reads it back from a
request's query string, refusing a bad value in Chinese and English. QR codes are made offline
with ``segno`` (BSD-3, no network, no image library needed) as an SVG or PNG ``data:`` URL that a
page or a PDF can embed directly.

>>> share_url("https://risk.example.gov.cn/", 42)
'https://risk.example.gov.cn/?incident=42'
>>> parse_incident_query("?incident=42&lang=en")
42
>>> qr_data_url(share_url("http://127.0.0.1:8050", 7))[:26]
'data:image/svg+xml;base64,'
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import segno

__all__ = ["INCIDENT_PARAM", "share_url", "parse_incident_query", "qr_svg", "qr_png",
           "qr_data_url", "qr_modules"]

INCIDENT_PARAM = "incident"
"""The query parameter that names the incident to open."""
_MAX_ID = 2**63 - 1


def share_url(base_url: str, incident_id: int, *, lang: str | None = None) -> str:
    """The link that opens the app at ``base_url`` on saved incident ``incident_id``.

    ``base_url`` is the app's address as the field teams reach it (scheme and host, any path;
    its own query and fragment are dropped); ``lang`` ("zh"/"en") is kept in the link if given.

    >>> share_url("http://10.0.0.5:8050/riskmap", 3, lang="en")
    'http://10.0.0.5:8050/riskmap/?incident=3&lang=en'
    """
    number = _incident_number(incident_id)
    parts = urlsplit(str(base_url).strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        msg = (f"分享地址须以 http:// 或 https:// 开头并含主机名 / `base_url` must be an http(s) "
               f"address with a host, got “{base_url}”")
        raise ValueError(msg)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    query = {INCIDENT_PARAM: str(number)}
    if lang is not None:
        if lang not in ("zh", "en"):
            raise ValueError(f"`lang` must be 'zh' or 'en', got {lang!r}")
        query["lang"] = lang
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def _incident_number(value: object) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 0 < int(text) <= _MAX_ID:
        msg = (f"事件编号须为正整数 / the incident number must be a positive whole number, "
               f"got “{value}”")
        raise ValueError(msg)
    return int(text)


def parse_incident_query(query: str | Mapping[str, object] | None) -> int | None:
    """The incident number of a share link's query (``?incident=N``), or ``None`` without one.

    ``query`` is a query string (with or without ``?``, or a whole URL) or a mapping such as
    Flask's ``request.args``. A present but bad value (``incident=abc``, ``0``, two values)
    raises ``ValueError`` with a message in Chinese and English.

    >>> parse_incident_query("lang=en") is None
    True
    """
    if query is None:
        return None
    if isinstance(query, Mapping):
        values = query.getlist(INCIDENT_PARAM) if hasattr(query, "getlist") else (
            [query[INCIDENT_PARAM]] if INCIDENT_PARAM in query else [])
    else:
        text = str(query)
        if "://" in text:
            text = urlsplit(text).query
        values = parse_qs(text.lstrip("?"), keep_blank_values=True).get(INCIDENT_PARAM, [])
    if not values:
        return None
    if len(values) > 1:
        msg = (f"链接中有 {len(values)} 个事件编号 / the link names {len(values)} incidents; "
               "give one (?incident=N)")
        raise ValueError(msg)
    return _incident_number(values[0])


def _qr(text: str) -> segno.QRCode:
    if not str(text):
        raise ValueError("二维码内容为空 / nothing to put in the QR code")
    return segno.make(str(text), error="m", micro=False)


def qr_svg(text: str, *, scale: int = 4, dark: str = "#000000", title: str | None = None) -> str:
    """``text`` as a QR code in SVG markup (quiet zone of 4 modules, error correction M)."""
    buf = io.BytesIO()
    _qr(text).save(buf, kind="svg", scale=scale, dark=dark, xmldecl=False, svgns=True,
                   title=title or None)
    return buf.getvalue().decode("utf-8")


def qr_png(text: str, *, scale: int = 8) -> bytes:
    """``text`` as a QR code PNG (black on white, ``scale`` pixels per module)."""
    buf = io.BytesIO()
    _qr(text).save(buf, kind="png", scale=scale)
    return buf.getvalue()


def qr_data_url(text: str, *, kind: str = "svg", scale: int = 4) -> str:
    """``text`` as a QR code ``data:`` URL (``kind`` "svg" or "png") for an ``<img src>``."""
    if kind == "svg":
        body, mime = qr_svg(text, scale=scale).encode("utf-8"), "image/svg+xml"
    elif kind == "png":
        body, mime = qr_png(text, scale=scale), "image/png"
    else:
        raise ValueError(f"`kind` must be 'svg' or 'png', got {kind!r}")
    return f"data:{mime};base64,{base64.b64encode(body).decode('ascii')}"


def qr_modules(text: str, *, border: int = 4) -> list[list[bool]]:
    """``text`` as the QR code's modules, rows from the top (``True``: dark), with a quiet zone
    of ``border`` modules: what a print draws as vector squares (the same code as
    :func:`qr_svg`, error correction M).

    >>> rows = qr_modules("http://h/?incident=1")
    >>> len(rows) == len(rows[0]), rows[0][0], rows[4][4]
    (True, False, True)
    """
    return [[bool(v) for v in row] for row in _qr(text).matrix_iter(border=border)]
