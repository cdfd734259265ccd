"""Coordinates people type (decimal degrees, degrees-minutes-seconds) and the Chinese web-map
coordinate offsets: GCJ-02 (Amap/Gaode, Tencent) and BD-09 (Baidu).

Typed coordinates: :func:`parse_angle` reads one longitude or latitude in any spelling a
commander uses (``114.0579``, ``114°03'28"E``, ``114度03分28秒``, ``东经114.0579``,
``22.5431N``, ``N 22°32.6'``, ``-22.5``); :func:`parse_lonlat` reads a pair, typed in two boxes
or in one (``22.5431N, 114.0579E``: the hemisphere letters decide which is which, else the
longitude comes first). Refusals name what arrived and what is accepted, in Chinese and English.

>>> parse_angle("114°03′28″E")
114.05777777777777
>>> [round(v, 6) for v in parse_lonlat("22°32′35″N 114度03分28秒")]
[114.057778, 22.543056]

GCJ-02 is WGS 84 shifted by a published non-linear offset (several hundred metres in Shenzhen);
BD-09 is GCJ-02 shifted again. The forward formulas are the widely published ones; the inverse
GCJ-02 → WGS 84 is solved by fixed-point iteration until the round trip is below 1e-9 degrees
(about 0.1 mm). Points outside mainland China's rough bounding box are not shifted, as in the
forward formula's convention.

>>> lon, lat = wgs84_to_gcj02(114.0579, 22.5431)
>>> round(float(lon - 114.0579) * 1e4), round(float(lat - 22.5431) * 1e4)  # ~+520 m east, ~-300 m north
(51, -27)
>>> back = gcj02_to_wgs84(lon, lat)
>>> abs(float(back[0]) - 114.0579) < 1e-9 and abs(float(back[1]) - 22.5431) < 1e-9
True
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "parse_angle",
    "parse_lonlat",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "wgs84_to_bd09",
    "bd09_to_wgs84",
]

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the GCJ-02 formula
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0

Pair = tuple[NDArray[np.float64], NDArray[np.float64]]


def _outside_china(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> Pair:
    x = lon - 105.0
    y = lat - 35.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = _outside_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _arrays(lon: ArrayLike, lat: ArrayLike) -> Pair:
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Pair:
    """WGS 84 → GCJ-02 (what Amap/Gaode and Tencent maps show)."""
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, tol: float = 1e-10) -> Pair:
    """GCJ-02 → WGS 84 by fixed-point iteration (converges to < 1e-9° in a few steps)."""
    glon, glat = _arrays(lon, lat)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(30):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon = wlon - elon
        wlat = wlat - elat
        if np.nanmax(np.abs(np.concatenate([np.ravel(elon), np.ravel(elat)])), initial=0.0) < tol:
            break
    return wlon, wlat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Pair:
    """GCJ-02 → BD-09 (Baidu)."""
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike, *, tol: float = 1e-10) -> Pair:
    """BD-09 → GCJ-02, iterated so that the round trip is exact to ``tol`` degrees."""
    blon, blat = _arrays(lon, lat)
    x, y = blon - 0.0065, blat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(10):
        flon, flat = gcj02_to_bd09(glon, glat)
        elon, elat = flon - blon, flat - blat
        glon, glat = glon - elon, glat - elat
        if np.nanmax(np.abs(np.concatenate([np.ravel(elon), np.ravel(elat)])), initial=0.0) < tol:
            break
    return glon, glat


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Pair:
    """WGS 84 → BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Pair:
    """BD-09 → WGS 84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


# ---------------------------------------------------------------------------------------------
# coordinates as people type them

_HEMI = {"N": "lat", "S": "lat", "E": "lon", "W": "lon"}
_HEMI_WORDS = {"北纬": "N", "南纬": "S", "东经": "E", "西经": "W", "北": "N", "南": "S",
               "东": "E", "西": "W"}
_UNITS = str.maketrans({"′": "'", "’": "'", "‘": "'", "´": "'", "″": '"', "”": '"',
                        "“": '"', "º": "°", "˚": "°", "：": ":"})
_NUM = r"\d+(?:\.\d+)?|\.\d+"
_ANGLE = re.compile(
    rf"""^(?P<d>{_NUM})\s*(?:°|度|:|\s)?\s*
    (?:(?P<m>{_NUM})\s*(?:'|分|:|\s)?\s*
       (?:(?P<s>{_NUM})\s*(?:"|''|秒)?)?)?$""",
    re.X,
)
_ACCEPTED = ("十进制度 114.0579、度分秒 114°03'28\" 或 114度03分28秒，可带 E/W/N/S 或 东经/北纬 / "
             "decimal degrees 114.0579, or degrees-minutes-seconds 114°03'28\" or 114度03分28秒, "
             "optionally with E/W/N/S or 东经/北纬")
_AXIS = {"lon": ("经度", "longitude"), "lat": ("纬度", "latitude"), None: ("坐标", "coordinate")}


def _normal(text: object) -> str:
    value = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return value.translate(_UNITS).strip()


def _split_hemisphere(text: str) -> tuple[str, str | None]:
    """``text`` without its hemisphere mark (a leading or trailing N/S/E/W or 北纬/东经 …)."""
    for word, hemi in _HEMI_WORDS.items():
        if text.startswith(word):
            return text[len(word):].strip(), hemi
        if text.endswith(word):
            return text[: -len(word)].strip(), hemi
    if text and text[0].upper() in _HEMI:
        return text[1:].strip(), text[0].upper()
    if text and text[-1].upper() in _HEMI:
        return text[:-1].strip(), text[-1].upper()
    return text, None


def _angle(text: object, axis: str | None) -> tuple[float, str | None]:
    """(degrees, hemisphere letter or None) of one typed angle; ValueError in both languages."""
    raw = "" if text is None else str(text).strip()
    zh, en = _AXIS[axis]
    if not raw:
        raise ValueError(f"{zh}为空 / the {en} is empty; expected {_ACCEPTED}")
    body, hemi = _split_hemisphere(_normal(raw))
    sign = 1.0
    if body[:1] in "+-":
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:].strip()
    if hemi is not None and sign < 0:
        raise ValueError(f"{zh}「{raw}」同时带负号和方位 {hemi} / the {en} “{raw}” has both a "
                         f"minus sign and the hemisphere {hemi}; give one of them")
    m = _ANGLE.match(body)
    if not m:
        raise ValueError(f"{zh}「{raw}」无法识别 / the {en} “{raw}” is not understood; "
                         f"expected {_ACCEPTED}")
    deg, minutes, seconds = (float(v) if v else None for v in m.group("d", "m", "s"))
    assert deg is not None
    if minutes is not None and "." in m.group("d"):
        raise ValueError(f"{zh}「{raw}」的度带小数又带分 / the {en} “{raw}” has decimal degrees "
                         "and minutes; give either 114.0579 or 114°03'28\"")
    if seconds is not None and "." in (m.group("m") or ""):
        raise ValueError(f"{zh}「{raw}」的分带小数又带秒 / the {en} “{raw}” has decimal minutes "
                         "and seconds; give either 114°03.47' or 114°03'28\"")
    for value, part_zh, part_en in ((minutes, "分", "minutes"), (seconds, "秒", "seconds")):
        if value is not None and value >= 60:
            raise ValueError(f"{zh}「{raw}」的{part_zh}须小于 60 / the {en} “{raw}”: {part_en} "
                             f"must be below 60, got {value:g}")
    value = deg + (minutes or 0.0) / 60.0 + (seconds or 0.0) / 3600.0
    if hemi in ("S", "W"):
        sign = -1.0
    return sign * value, hemi


def _check(value: float, axis: str, raw: object) -> float:
    zh, en = _AXIS[axis]
    limit = 180.0 if axis == "lon" else 90.0
    if not -limit <= value <= limit:
        raise ValueError(f"{zh}「{str(raw).strip()}」超出范围 -{limit:g}…{limit:g} / the {en} "
                         f"“{str(raw).strip()}” is outside -{limit:g}…{limit:g}")
    return value


def parse_angle(text: object, *, axis: str | None = None) -> float:
    """One longitude or latitude as typed, in decimal degrees (west and south negative).

    Parameters
    ----------
    text
        Decimal degrees (``114.0579``, ``-22.5``) or degrees, minutes and seconds with
        ``° ' "`` (also ``′ ″``, full-width forms) or ``度 分 秒`` or colons or spaces
        (``114 03 28``); minutes and seconds below 60; optionally a hemisphere, leading or
        trailing: ``E``/``W``/``N``/``S`` or ``东经``/``西经``/``北纬``/``南纬``.
    axis
        ``"lon"`` or ``"lat"``: checks the range (±180 / ±90) and that a hemisphere letter
        fits (``N`` is not a longitude); ``None`` checks neither.

    >>> parse_angle("114度03分28秒"), parse_angle("22.5431N", axis="lat")
    (114.05777777777777, 22.5431)
    >>> parse_angle("S 33°52.2'")
    -33.87
    """
    if axis not in _AXIS:
        raise ValueError(f"`axis` must be 'lon', 'lat' or None, got {axis!r}")
    value, hemi = _angle(text, axis)
    if axis is not None and hemi is not None and _HEMI[hemi] != axis:
        zh, en = _AXIS[axis]
        raise ValueError(f"{zh}「{str(text).strip()}」带了{_AXIS[_HEMI[hemi]][0]}方位 {hemi} / "
                         f"the {en} “{str(text).strip()}” is marked {hemi}, a "
                         f"{_AXIS[_HEMI[hemi]][1]}")
    return _check(value, axis, text) if axis is not None else value


_PAIR_SPLIT = re.compile(r"\s*[,，;；/]\s*")
_AFTER_MARK = re.compile(r"(?<=[NSEWnsew\"秒经纬])\s+|(?<=[\"秒])(?=[^\s])")


def _pair_parts(text: str) -> list[str]:
    parts = [p for p in _PAIR_SPLIT.split(text.strip()) if p]
    if len(parts) == 2:
        return parts
    parts = [p for p in _AFTER_MARK.split(text.strip()) if p]
    if len(parts) == 2:
        return parts
    parts = text.split()
    return parts if len(parts) == 2 else []


def parse_lonlat(lon: object, lat: object = None) -> tuple[float, float]:
    """``(lon, lat)`` in decimal degrees from two typed boxes, or from one text holding both.

    In one text the two are separated by a comma, semicolon, slash or space
    (``114.0579, 22.5431``; ``22°32'35"N 114°03'28"E``); a value marked N/S (北纬/南纬) is the
    latitude, one marked E/W the longitude, and without marks the longitude comes first (as in
    the app's boxes). Each value is read by :func:`parse_angle`.

    >>> parse_lonlat("114.0579", "22.5431")
    (114.0579, 22.5431)
    >>> parse_lonlat("北纬22.5431，东经114.0579")
    (114.0579, 22.5431)
    """
    if lat is None or (isinstance(lat, str) and not lat.strip() and lon and
                       len(_pair_parts(_normal(lon))) == 2):
        text = _normal(lon)
        parts = _pair_parts(text)
        if not parts:
            raise ValueError(f"「{str(lon).strip()}」不是一对经纬度 / “{str(lon).strip()}” is "
                             "not a longitude and latitude pair; give both, e.g. "
                             "114.0579, 22.5431 or 22°32'35\"N 114°03'28\"E")
        hemis = [_split_hemisphere(p)[1] for p in parts]
        if hemis[0] in ("N", "S") or hemis[1] in ("E", "W"):
            parts = parts[::-1]
        lon, lat = parts
    return parse_angle(lon, axis="lon"), parse_angle(lat, axis="lat")
