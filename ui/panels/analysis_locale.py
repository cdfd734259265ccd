"""Chinese texts for AG Grid (``dashGridOptions.localeText``): no untranslated library text.

The keys are AG Grid Community's own (pagination, filters, column menu, overlays, the aria
labels a screen reader speaks), as the bundled ``dash_ag_grid.min.js`` spells them.
"""

from __future__ import annotations

__all__ = ["LOCALE_ZH", "locale_text"]

LOCALE_ZH: dict[str, str] = {
    # pagination
    "page": "第", "more": "更多", "to": "至", "of": "共", "next": "下一页", "last": "末页",
    "first": "首页", "previous": "上一页", "firstPage": "首页", "lastPage": "末页",
    "nextPage": "下一页", "previousPage": "上一页", "pageLastRowUnknown": "?",
    "pageSizeSelectorLabel": "每页行数：", "ariaPageSizeSelectorLabel": "每页行数",
    # overlays
    "loadingOoo": "加载中…", "loadingError": "错误", "noRowsToShow": "没有符合条件的行",
    # filters
    "applyFilter": "应用", "clearFilter": "清除", "resetFilter": "重置", "cancelFilter": "取消",
    "textFilter": "文本筛选", "numberFilter": "数值筛选", "bigintFilter": "整数筛选",
    "dateFilter": "日期筛选", "setFilter": "集合筛选", "filterOoo": "筛选…", "empty": "请选择",
    "equals": "等于", "notEqual": "不等于", "lessThan": "小于", "greaterThan": "大于",
    "inRange": "介于", "inRangeStart": "从", "inRangeEnd": "到",
    "lessThanOrEqual": "小于等于", "greaterThanOrEqual": "大于等于",
    "contains": "包含", "notContains": "不包含", "startsWith": "开头是", "endsWith": "结尾是",
    "blank": "为空", "notBlank": "不为空", "before": "早于", "after": "晚于",
    "andCondition": "且", "orCondition": "或", "dateFormatOoo": "yyyy-mm-dd",
    "blanks": "（空白）", "invalidDate": "无效日期", "invalidNumber": "无效数字",
    "searchOoo": "搜索…", "selectAll": "（全选）", "selectAllSearchResults": "（全选搜索结果）",
    "addCurrentSelectionToFilter": "将当前选择加入筛选", "noMatches": "无匹配项",
    "filterSummaryInactive": "（全部）", "filterSummaryContains": "包含",
    "filterSummaryNotContains": "不包含", "filterSummaryTextEquals": "等于",
    "filterSummaryTextNotEqual": "不等于", "filterSummaryStartsWith": "开头是",
    "filterSummaryEndsWith": "结尾是", "filterSummaryBlank": "为空",
    "filterSummaryNotBlank": "不为空", "filterSummaryInRange": "介于",
    # column menu and header
    "pinColumn": "固定列", "pinLeft": "固定在左侧", "pinRight": "固定在右侧", "noPin": "不固定",
    "autosizeThiscolumn": "自动调整此列宽度", "autosizeThisColumn": "自动调整此列宽度",
    "autosizeAllColumns": "自动调整所有列宽度", "resetColumns": "重置列",
    "sortAscending": "升序", "sortDescending": "降序", "sortUnSort": "取消排序",
    "columnFilter": "列筛选", "columnChooser": "选择列", "chooseColumns": "选择列",
    "hideColumn": "隐藏列", "columns": "列", "filters": "筛选", "copy": "复制",
    "ariaLabelColumnMenu": "列菜单", "ariaLabelColumnFilter": "列筛选",
    "ariaFilterMenuOpen": "打开筛选菜单", "ariaFilterValue": "筛选值",
    "ariaFilterFromValue": "筛选起始值", "ariaFilterToValue": "筛选结束值",
    "ariaDateFilterInput": "日期筛选输入", "ariaSortableColumn": "按回车键排序",
    "ariaRowSelectAll": "按空格键切换全选", "ariaInputEditor": "输入编辑器",
    "ariaSkeletonCellLoading": "行数据加载中", "ariaSkeletonCellLoadingFailed": "行加载失败",
    "ariaColumnGroupExpansion": "按回车键展开或折叠此列组", "ariaHeaderSelection": "带表头选择的列",
    "thousandSeparator": ",", "decimalSeparator": ".",
}


def locale_text(lang: str) -> dict[str, str]:
    """``localeText`` for the grid: Chinese texts, or ``{}`` (AG Grid's own English)."""
    return {} if lang == "en" else dict(LOCALE_ZH)


DROPDOWN_ZH: dict[str, str] = {
    "select_all": "全选", "deselect_all": "全不选", "selected_count": "已选 {num_selected} 项",
    "search": "搜索", "clear_search": "清除搜索", "clear_selection": "清除选择",
    "no_options_found": "没有匹配的选项",
}
"""Chinese texts for ``dcc.Dropdown(labels=…)`` (Dash's own are English)."""


DROPDOWN_EN: dict[str, str] = {
    "select_all": "Select all", "deselect_all": "Deselect all",
    "selected_count": "{num_selected} selected", "search": "Search",
    "clear_search": "Clear search", "clear_selection": "Clear selection",
    "no_options_found": "No options found",
}


def dropdown_labels(lang: str) -> dict[str, str]:
    """``labels`` for a ``dcc.Dropdown`` in ``lang`` (every key given: Dash takes the dict whole)."""
    return dict(DROPDOWN_EN if lang == "en" else DROPDOWN_ZH)
