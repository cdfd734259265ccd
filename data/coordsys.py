"""The coordinate systems an import accepts: one registry for the import tab, the CLI and the importer.

:data:`CHOICES` lists the systems offered by name (the import tab's dropdown and the
``riskmap import --crs`` help both come from it); :func:`parse_crs` turns anything a user types
(a registry value, an alias such as ``高德`` or ``百度``, or any ``EPSG:n``) into a
:class:`CoordSystem`, once, at the boundary; the importer only ever receives that object.

Systems
    ``wgs84`` (GPS, EPSG:4326), ``cgcs2000`` (EPSG:4490; identical to WGS 84 to well under 1 m
    at map scale, so transformed as a null shift by PROJ), ``gcj02`` (Amap/Gaode, Tencent),
    ``bd09`` (Baidu), or any ``EPSG:n`` such as the CGCS2000 3° Gauss-Kruger zone ``EPSG:4547``
    (central meridian 114°E, Shenzhen). GCJ-02 and BD-09 are undone with :mod:`risk.coords`
    (exact inverse, < 1 mm). :data:`FILE_OWN` (``""``, ``None`` for the importer) means "the
    file's own CRS" (``.prj``, GeoPackage, GeoJSON/KML = WGS 84), else WGS 84 for tables.

:func:`guess_table_crs` is the preview's guess from a table's first coordinates; it always
answers with a value :func:`parse_crs` accepts, or ``None``.

>>> parse_crs("高德").value, parse_crs("EPSG:4326").value, parse_crs("4547").value
('gcj02', 'wgs84', 'EPSG:4547')
>>> [c.value for c in CHOICES]
['wgs84', 'cgcs2000', 'gcj02', 'bd09', 'EPSG:4547']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pyproj

from risk.coords import bd09_to_wgs84, gcj02_to_wgs84

__all__ = [
    "CrsChoice",
    "CHOICES",
    "FILE_OWN",
    "CoordSystem",
    "WGS84",
    "parse_crs",
    "choice_for",
    "cli_help",
    "gauss_kruger_cm",
    "guess_table_crs",
    "in_china",
    "CHINA_LON",
    "CHINA_LAT",
]

CHINA_LON = (73.0, 135.0)
CHINA_LAT = (3.0, 54.0)
"""Longitude/latitude ranges of China used for the "outside the region" and swap checks."""


@dataclass(frozen=True)
class CrsChoice:
    """One coordinate system offered by name: its value, labels and the spellings it accepts."""

    value: str
    """What the dropdown and ``--crs`` take (``"wgs84"``, ``"EPSG:4547"``)."""
    label_zh: str
    label_en: str
    epsg: int
    """The EPSG code of the CRS the numbers are in (4326 for the GCJ-02/BD-09 offsets)."""
    offset: bool = False
    """GCJ-02/BD-09: longitude/latitude shifted by an obfuscation, undone by :mod:`risk.coords`."""
    aliases: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh


CHOICES: tuple[CrsChoice, ...] = (
    CrsChoice("wgs84", "WGS 84（GPS）", "WGS 84 (GPS)", 4326,
              aliases=("wgs-84", "wgs_84", "gps", "4326", "epsg:4326")),
    CrsChoice("cgcs2000", "CGCS2000 经纬度", "CGCS2000 lon/lat", 4490,
              aliases=("cgcs-2000", "国家2000", "2000", "epsg:4490", "4490")),
    CrsChoice("gcj02", "GCJ-02（高德/腾讯拾取）", "GCJ-02 (Amap/Gaode, Tencent)", 4326, offset=True,
              aliases=("gcj-02", "gcj", "amap", "gaode", "高德", "火星", "腾讯", "tencent")),
    CrsChoice("bd09", "BD-09（百度拾取）", "BD-09 (Baidu)", 4326, offset=True,
              aliases=("bd-09", "bd09ll", "baidu", "百度")),
    CrsChoice("EPSG:4547", "CGCS2000 高斯-克吕格 114°E（EPSG:4547）",
              "CGCS2000 Gauss-Kruger 114°E (EPSG:4547)", 4547, aliases=("4547",)),
)
"""The systems offered by name, in the order the dropdown and the CLI help list them."""

FILE_OWN = CrsChoice("", "文件自带 / WGS 84", "As in the file / WGS 84", 4326)
"""The dropdown's "no choice": the file's own CRS, else WGS 84 (``crs=None`` for the importer)."""

_BY_KEY: dict[str, CrsChoice] = {}
for _choice in CHOICES:
    for _key in (_choice.value, *_choice.aliases):
        _BY_KEY[unicodedata.normalize("NFKC", _key).lower()] = _choice
_BY_EPSG = {c.epsg: c for c in reversed(CHOICES) if not c.offset}


def cli_help() -> str:
    """The ``--crs`` help text: every registry value with its label, then ``EPSG:n``.

    >>> cli_help().startswith("wgs84 = WGS 84 (GPS) | cgcs2000 = ")
    True
    """
    named = " | ".join(f"{c.value} = {c.label_en}" for c in CHOICES)
    return f"{named} | or any EPSG:n (e.g. EPSG:4526 = CGCS2000 3° zone 38)"


@dataclass(frozen=True)
class CoordSystem:
    """How to read coordinates: an offset system (``gcj02``/``bd09``) or a pyproj CRS.

    ``name`` is the registry value (``"wgs84"``, ``"cgcs2000"``, ``"EPSG:4526"`` …): what the
    dropdown would show selected and what :func:`parse_crs` turns back into this object.
    """

    name: str
    crs: pyproj.CRS

    @property
    def value(self) -> str:
        return self.name

    @property
    def offset(self) -> str | None:
        choice = _BY_KEY.get(self.name.lower())
        return self.name if choice is not None and choice.offset else None

    @property
    def geographic(self) -> bool:
        return self.crs.is_geographic

    def describe(self) -> str:
        """The system as reports name it, e.g. ``EPSG:4547 (CGCS2000 / 3-degree …)``."""
        if self.offset:
            choice = _BY_KEY[self.name.lower()]
            return f"{choice.label_zh} / {choice.label_en}"
        epsg = self.crs.to_epsg()
        return f"EPSG:{epsg} ({self.crs.name})" if epsg else self.crs.name

    def to_wgs84(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes and latitudes (WGS 84) of the points ``x``, ``y`` given in this system."""
        if self.name == "gcj02":
            return gcj02_to_wgs84(x, y)
        if self.name == "bd09":
            return bd09_to_wgs84(x, y)
        if self.crs.to_epsg() == 4326:
            return x.copy(), y.copy()
        tr = pyproj.Transformer.from_crs(self.crs, 4326, always_xy=True)
        lon, lat = tr.transform(x, y)
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


WGS84 = CoordSystem("wgs84", pyproj.CRS.from_epsg(4326))
"""WGS 84 longitude/latitude: how tables without a ``crs`` are read."""


def parse_crs(value: str | CoordSystem | None) -> CoordSystem | None:
    """Parse a ``crs`` option; ``None`` or ``""`` stays ``None`` (use the file's own CRS).

    A :class:`CoordSystem` is returned as it is. EPSG codes of a registry choice come back as
    that choice (``EPSG:4326`` is ``wgs84``).

    >>> parse_crs("gcj02").describe()
    'GCJ-02（高德/腾讯拾取） / GCJ-02 (Amap/Gaode, Tencent)'
    >>> parse_crs("EPSG:4547").crs.to_epsg(), parse_crs("百度").name, parse_crs("") is None
    (4547, 'bd09', True)
    """
    if isinstance(value, CoordSystem):
        return value
    if value is None or str(value).strip() == "":
        return None
    key = unicodedata.normalize("NFKC", str(value)).strip().lower()
    choice = _BY_KEY.get(key)
    if choice is not None:
        return CoordSystem(choice.value, pyproj.CRS.from_epsg(choice.epsg))
    text = f"EPSG:{key}" if re.fullmatch(r"\d{4,6}", key) else key
    try:
        crs = pyproj.CRS.from_user_input(text.upper() if text.startswith("epsg:") else text)
    except pyproj.exceptions.CRSError as exc:
        valid = ", ".join(c.value for c in CHOICES)
        raise ValueError(
            f"`crs` must be one of {valid} or EPSG:n (e.g. EPSG:4547 = CGCS2000 3° zone 114°E), "
            f"got {value!r}"
        ) from exc
    epsg = crs.to_epsg()
    if epsg in _BY_EPSG and text.startswith("epsg:"):
        return CoordSystem(_BY_EPSG[epsg].value, crs)
    return CoordSystem(text.upper() if text.startswith("epsg:") else text, crs)


def choice_for(value: str) -> CrsChoice:
    """The registry entry of ``value``, or one made for any other CRS :func:`parse_crs` accepts.

    >>> choice_for("EPSG:4526").label_en
    'EPSG:4526 CGCS2000 / 3-degree Gauss-Kruger zone 38'
    >>> choice_for("") is FILE_OWN
    True
    """
    system = parse_crs(value)
    if system is None:
        return FILE_OWN
    known = _BY_KEY.get(system.name.lower())
    if known is not None:
        return known
    epsg = system.crs.to_epsg() or 0
    label = f"{system.name} {system.crs.name}" if system.name.startswith("EPSG:") else (
        system.crs.name)
    return CrsChoice(system.name, label, label, epsg)


def gauss_kruger_cm(lon: float) -> str:
    """The CGCS2000 3° Gauss-Kruger zone (no zone prefix, "CM" codes) whose meridian is nearest.

    >>> gauss_kruger_cm(114.06)
    'EPSG:4547'
    """
    cm = int(min(max(3 * round(lon / 3), 75), 135))
    return f"EPSG:{4534 + (cm - 75) // 3}"


def in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Which points lie inside :data:`CHINA_LON` x :data:`CHINA_LAT`."""
    return ((lon >= CHINA_LON[0]) & (lon <= CHINA_LON[1])
            & (lat >= CHINA_LAT[0]) & (lat <= CHINA_LAT[1]))


def guess_table_crs(
    x: np.ndarray, y: np.ndarray, *, headers: str = "", region_lon: float | None = None
) -> tuple[str | None, str]:
    """Guess the system of a table's coordinates: ``(registry value or None, why)``.

    Longitude/latitude: ``bd09``/``gcj02`` when the column headers say so (百度, 高德, gcj …),
    else ``wgs84``. Projected metres: the CGCS2000 Gauss-Kruger zone named by the zone prefix of
    the eastings, else (no prefix) the 3° zone nearest ``region_lon`` (the dataset's region;
    114°E, Shenzhen, when unknown). ``x``/``y`` may be in either order.

    >>> import numpy as np
    >>> guess_table_crs(np.array([114.05]), np.array([22.55]), headers="经度(高德)")[0]
    'gcj02'
    >>> guess_table_crs(np.array([2_495_000.0]), np.array([505_000.0]))[0]
    'EPSG:4547'
    >>> guess_table_crs(np.array([38_505_000.0]), np.array([2_495_000.0]))[0]
    'EPSG:4526'
    """
    ok = ~(np.isnan(x) | np.isnan(y))
    if not ok.any():
        return None, ""
    x, y = x[ok], y[ok]
    headers = headers.lower()
    if in_china(x, y).mean() > 0.5 or in_china(y, x).mean() > 0.5:
        if any(k in headers for k in ("百度", "baidu", "bd")):
            return "bd09", "列名提示百度坐标 / headers suggest Baidu BD-09"
        if any(k in headers for k in ("高德", "gcj", "火星", "腾讯", "amap", "gaode")):
            return "gcj02", "列名提示高德/腾讯坐标 / headers suggest GCJ-02"
        return "wgs84", ("经纬度：GPS 选 wgs84，高德/腾讯选 gcj02，百度选 bd09 / longitude-"
                         "latitude: GPS = wgs84, Amap/Tencent = gcj02, Baidu = bd09")
    big = np.maximum(x, y)
    small = np.minimum(x, y)
    prefix = np.floor(big / 1e6)  # eastings with the zone number in front: 38 505 000
    if np.all(big > 1e7) and np.all(prefix == prefix[0]):
        zone = int(prefix[0])
        if 25 <= zone <= 45:
            return f"EPSG:{4513 + zone - 25}", f"CGCS2000 3° Gauss-Kruger zone {zone}"
        if 13 <= zone <= 23:
            return f"EPSG:{4491 + zone - 13}", f"CGCS2000 6° Gauss-Kruger zone {zone}"
    if np.all((small > 1e5) & (small < 1e6) & (big > 1e6) & (big < 6.5e6)):
        value = gauss_kruger_cm(114.0 if region_lon is None else region_lon)
        return value, (f"平面坐标：请选所在 3° 带，按数据集区域推测为 {value}（深圳为 EPSG:4547）/ "
                       f"projected metres: choose your CGCS2000 3° zone; the dataset's region "
                       f"suggests {value} (Shenzhen 114°E = EPSG:4547)")
    return None, ""
