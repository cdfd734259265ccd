"""Recognise the column headers bureaus use in their registers, and remember user corrections.

Registers arrive with Chinese or English headers in many spellings (``企业名称``, ``单位名称``,
``名　称``, ``*经度(°)``, ``Longitude`` …). :func:`guess_mapping` maps each source header to one
column of the layer schema (:data:`data.schema.LAYERS`) or to one of the coordinate fields
:data:`COORD_FIELDS`. A mapping the user passes overrides the guesses; user mappings are remembered
per layer in ``<data dir>/import_mappings.json`` and applied before the guesses next time.

Header normalisation (:func:`normalise_header`): Unicode NFKC (full-width → half-width), all
whitespace removed, lower case, required-field markers ``*`` and trailing colons dropped. A header
that does not match is tried once more without a trailing bracketed unit, so ``最大积水深度（cm）``
matches ``最大积水深度``.

>>> normalise_header(" 企业 名称 ")
'企业名称'
>>> normalise_header("*经度（°）")
'经度(°)'
>>> guess_mapping(["单位名称", "东经", "北纬", "风险等级"], "enterprises")
{'单位名称': 'name', '东经': 'lon', '北纬': 'lat', '风险等级': 'grade'}
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

from data.schema import LAYERS
from risk.files import write_text_atomic

__all__ = [
    "COORD_FIELDS",
    "MAPPINGS_FILE",
    "MappingError",
    "normalise_header",
    "targets_for",
    "guess_mapping",
    "resolve_mapping",
    "parse_mapping",
    "load_remembered",
    "remember_mapping",
]

MAPPINGS_FILE = "import_mappings.json"

COORD_FIELDS = {
    "lon": ("经度/X（东）", "longitude or easting (x)"),
    "lat": ("纬度/Y（北）", "latitude or northing (y)"),
    "lonlat": ("经纬度（一列，“经度,纬度”）", "one column 'lon,lat'"),
}
"""Coordinate fields a table may map columns to, besides the layer's schema columns."""


class MappingError(ValueError):
    """A column mapping the user passed cannot be used."""


# Spellings shared by every layer, then per-layer ones (checked first). Written un-normalised for
# readability; they are normalised once below.
_COMMON: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "编码", "代码", "fid", "objectid", "唯一编号", "标识码"),
    "name": ("name", "名称", "名字", "title"),
    "district": ("district", "所属区", "所属区县", "区县", "区", "行政区", "所在区", "辖区",
                 "所属行政区", "所属辖区", "区域", "所在区县"),
    "lon": ("经度", "东经", "lon", "lng", "long", "longitude", "x", "x坐标", "坐标x", "gps经度",
            "经度坐标", "point_x", "东坐标", "横坐标"),
    "lat": ("纬度", "北纬", "lat", "latitude", "y", "y坐标", "坐标y", "gps纬度", "纬度坐标",
            "point_y", "北坐标", "纵坐标"),
    "lonlat": ("经纬度", "坐标", "经纬度坐标", "lonlat", "lnglat", "location", "位置坐标",
               "coordinates"),
}
_PER_LAYER: dict[str, dict[str, tuple[str, ...]]] = {
    "enterprises": {
        "id": ("企业编号", "单位编号", "风险点编号", "统一社会信用代码", "信用代码", "社会信用代码"),
        "name": ("企业名称", "单位名称", "企业名", "单位", "企业", "企业(单位)名称",
                 "生产经营单位名称", "风险点名称", "company", "enterprise", "enterprise_name"),
        "industry": ("行业类别", "行业", "所属行业", "行业类型", "行业分类", "industry", "sector"),
        "district": ("所属区域",),
        "street": ("街道", "所属街道", "镇街", "街道办", "street"),
        "address": ("地址", "详细地址", "企业地址", "单位地址", "经营地址", "注册地址", "address",
                    "addr"),
        "grade": ("风险等级", "等级", "风险级别", "安全风险等级", "风险分级", "风险类别", "grade",
                  "risk_grade", "risk", "level", "risk_level", "风险等级(红橙黄蓝)"),
        "major_hazard": ("重大危险源", "是否重大危险源", "是否构成重大危险源", "major_hazard",
                         "majorhazard"),
        "last_inspection": ("最近检查日期", "检查时间", "检查日期", "最近检查时间", "上次检查日期",
                            "最后检查日期", "last_inspection", "inspection_date"),
    },
    "slopes": {
        "name": ("边坡名称", "边坡", "隐患点名称", "slope", "slope_name"),
        "height_m": ("坡高", "边坡高度", "高度", "坡高(m)", "height", "height_m"),
        "angle_deg": ("坡度", "坡角", "边坡坡度", "angle", "angle_deg", "slope_deg"),
        "monitored": ("是否监测", "监测", "已监测", "monitored"),
    },
    "waterlogging": {
        "name": ("积水点名称", "易涝点名称", "内涝点名称", "积水点", "易涝点", "位置", "点位名称"),
        "max_depth_cm": ("积水深度", "最大积水深度", "最大水深", "积水深度(cm)",
                         "最大积水深度(cm)", "max_depth_cm", "max_depth", "depth_cm", "depth"),
        "occurrences": ("积水次数", "发生次数", "内涝次数", "次数", "occurrences", "count"),
    },
    "shelters": {
        "name": ("避难场所名称", "场所名称", "避难场所", "shelter", "shelter_name"),
        "shelter_type": ("避难场所类型", "场所类型", "类型", "类别", "级别", "shelter_type", "type"),
        "area_m2": ("面积", "有效面积", "占地面积", "避难面积", "面积(m2)", "面积(㎡)",
                    "面积(平方米)", "area", "area_m2"),
        "capacity": ("容纳人数", "可容纳人数", "容量", "避难人数", "capacity", "persons"),
    },
    "districts": {
        "code": ("行政区划代码", "区划代码", "adcode", "code", "代码", "行政代码"),
        "name": ("区名", "区县名称", "行政区", "行政区名称", "区县", "所属区"),
        "name_en": ("英文名", "英文名称", "name_en", "ename", "english_name"),
    },
    "roads": {
        "name": ("道路名称", "路名"),
        "road_class": ("道路等级", "等级", "road_class", "fclass"),
        "class": ("class", "路网等级", "道路类别"),
        "speed_kmh": ("speed_kmh", "speed", "maxspeed", "车速", "限速", "设计车速"),
        "oneway": ("oneway", "单行", "是否单行", "单向"),
    },
    "sensitive_sites": {
        "name": ("敏感目标名称", "目标名称", "单位名称", "场所名称", "学校名称", "医院名称",
                 "机构名称", "site", "site_name"),
        "kind": ("敏感目标类型", "目标类型", "场所类型", "单位类型", "机构类型", "类型", "类别",
                 "kind", "type", "category"),
        "people": ("人数", "容纳人数", "在校人数", "在园人数", "在校生人数", "师生人数", "床位数",
                   "床位", "日均人流量", "人流量", "最大容纳人数", "人员数量", "capacity",
                   "people", "persons", "population", "beds"),
        "address": ("地址", "详细地址", "单位地址", "address", "addr"),
    },
}

_UNIT_SUFFIX = re.compile(r"\([^()]*\)$")


def normalise_header(header: object) -> str:
    """Normalise a header for matching (NFKC, no whitespace, lower case, no ``*`` markers)."""
    text = unicodedata.normalize("NFKC", str(header))
    text = re.sub(r"\s+", "", text).lower().strip("*:").lstrip("*")
    return text


def _column_label(layer: str, column: str) -> tuple[str, str]:
    """``(zh, en)`` words for a schema column: its first Chinese spelling (the layer's own
    first, then the common ones) and the code in words ("max_depth_cm" → "max depth cm").

    >>> _column_label("enterprises", "name")
    ('企业名称', 'name')
    """
    spellings = (*_PER_LAYER.get(layer, {}).get(column, ()), *_COMMON.get(column, ()))
    zh = next((w for w in spellings if any("\u4e00" <= ch <= "\u9fff" for ch in w)), column)
    return zh, column.replace("_", " ")


def targets_for(layer: str) -> dict[str, tuple[str, str]]:
    """Columns a source column may map to for ``layer``: ``{target: (zh, en)}``.

    Schema columns (and ``street`` for enterprises, folded into the address) plus the
    coordinate fields.
    """
    if layer not in LAYERS:
        raise MappingError(f"`layer` must be one of {', '.join(LAYERS)}, got {layer!r}")
    out: dict[str, tuple[str, str]] = {c: _column_label(layer, c) for c in LAYERS[layer].columns}
    if layer == "enterprises":
        out["street"] = ("街道", "street (prefixed to the address)")
    if LAYERS[layer].geom_types == ("Point",):
        out.update(COORD_FIELDS)
    return out


def _lookup(layer: str) -> dict[str, str]:
    table: dict[str, str] = {}
    valid = targets_for(layer)
    for target, spellings in _PER_LAYER.get(layer, {}).items():
        for s in spellings:
            table.setdefault(normalise_header(s), target)
    for target, spellings in _COMMON.items():
        if target not in valid:
            continue
        for s in spellings:
            table.setdefault(normalise_header(s), target)
    for target in valid:
        table.setdefault(normalise_header(target), target)
    return table


def guess_mapping(columns: Iterable[object], layer: str) -> dict[str, str]:
    """Guess ``{source column: target}`` for the recognised headers of ``columns``.

    Each target is used at most once (the first column that matches wins); unrecognised columns
    are left out.
    """
    table = _lookup(layer)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        key = normalise_header(column)
        target = table.get(key) or table.get(_UNIT_SUFFIX.sub("", key))
        if target and target not in used:
            mapping[str(column)] = target
            used.add(target)
    return mapping


def parse_mapping(value: str | os.PathLike[str] | Mapping[str, object] | None) -> dict[str, str]:
    """Read a user mapping: a dict, a JSON object text, or a path to a JSON file.

    Values are target column names; ``""`` or ``null`` means "ignore this column".
    """
    if value is None:
        return {}
    if isinstance(value, Mapping):
        raw: object = dict(value)
    else:
        text = str(value).strip()
        if not text.startswith("{"):
            path = Path(text)
            if not path.is_file():
                raise MappingError(
                    f"`mapping` must be a JSON object such as '{{\"单位名称\": \"name\"}}' or a "
                    f"path to a JSON file, got {text[:80]!r} (no such file)"
                )
            text = path.read_text(encoding="utf-8-sig")
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MappingError(f"`mapping` is not valid JSON ({exc}): {text[:80]!r}") from exc
    if not isinstance(raw, dict):
        raise MappingError(f"`mapping` must be a JSON object, got {type(raw).__name__}")
    out = {}
    for source, target in raw.items():
        if target is not None and not isinstance(target, str):
            raise MappingError(
                f"`mapping` value for {source!r} must be a column name or null, got {target!r}"
            )
        out[str(source)] = (target or "").strip()
    return out


def resolve_mapping(
    columns: Iterable[object],
    layer: str,
    *,
    user: Mapping[str, str] | None = None,
    remembered: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """The mapping to use: ``user`` over ``remembered`` over the guesses.

    Keys of ``user``/``remembered`` are matched against ``columns`` after normalisation. A
    target of ``""`` drops the column. Returns ``(mapping, warnings)``; a target that is not a
    column of ``layer`` raises :class:`MappingError` listing the valid ones.
    """
    names: list[str] = [str(c) for c in columns]
    valid = targets_for(layer)
    by_key = {normalise_header(c): c for c in reversed(names)}
    warnings: list[str] = []
    chosen: dict[str, str] = {}
    for label, given in (("remembered", remembered or {}), ("user", user or {})):
        for source, target in given.items():
            if target and target not in valid:
                raise MappingError(
                    f"`mapping` target {target!r} for column {source!r} is not a column of layer "
                    f"{layer!r}; valid targets: {', '.join(valid)} (or \"\" to ignore the column)"
                )
            column = by_key.get(normalise_header(source))
            if column is None:
                if label == "user":
                    warnings.append(
                        f"映射中的列 {source!r} 不在文件中 / mapping column {source!r} is not in the "
                        f"file (columns: {', '.join(names)})"
                    )
                continue
            chosen[column] = target
    taken = {t for t in chosen.values() if t}
    for column, target in guess_mapping(names, layer).items():
        if column not in chosen and target not in taken:
            chosen[column] = target
            taken.add(target)
    mapping = {c: chosen[c] for c in names if chosen.get(c)}
    seen: dict[str, str] = {}
    for column, target in mapping.items():
        if target in seen:
            raise MappingError(
                f"`mapping` maps both {seen[target]!r} and {column!r} to {target!r}; "
                f"map each target column once"
            )
        seen[target] = column
    return mapping, warnings


def _path(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir) / MAPPINGS_FILE


def load_remembered(data_dir: str | os.PathLike[str], layer: str) -> dict[str, str]:
    """The mapping remembered for ``layer`` in ``data_dir`` (empty if none or unreadable)."""
    path = _path(data_dir)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entry = stored.get(layer, {}) if isinstance(stored, dict) else {}
    return {str(k): str(v) for k, v in entry.items()} if isinstance(entry, dict) else {}


def remember_mapping(
    data_dir: str | os.PathLike[str], layer: str, mapping: Mapping[str, str]
) -> None:
    """Merge ``mapping`` into the remembered mapping of ``layer`` (atomic write)."""
    if not mapping:
        return
    path = _path(data_dir)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(stored, dict):
            stored = {}
    except (OSError, ValueError):
        stored = {}
    entry = dict(stored.get(layer) or {})
    entry.update({normalise_header(k): v for k, v in mapping.items()})
    stored[layer] = entry
    write_text_atomic(path, json.dumps(stored, ensure_ascii=False, indent=2))
