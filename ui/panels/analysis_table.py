"""The analyst tab's attribute table: the filtered enterprises in a dash-ag-grid (sort, column
filters, paging), a click on a row flies the map to it, export to Excel (xlsx) and CSV.

The rows are sent only while the table is open (a 100,000-row dataset costs nothing until it is
asked for). The export writes the rows as the grid shows them (after its own sort and column
filters), or, while it is closed, every row the filters keep; cells are neutralised
(:mod:`data.table_export`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, ctx, dcc, html

from data.table_export import TABLE_COLUMNS, table_bytes, table_frame
from layers.bridge import FOCUS, command
from ui import ids
from ui.i18n import norm_lang, translator
from ui.panels.analysis_locale import locale_text
from ui.state import AppState

TEXT = {
    "title": ("属性表", "Attribute table"),
    "show": ("显示筛选结果的属性表（点击一行定位到地图）",
             "Show the attribute table of the filtered enterprises (click a row to find it on the map)"),
    "xlsx": ("导出 Excel", "Export Excel"),
    "csv": ("导出 CSV", "Export CSV"),
    "rows": ("表中 {n} 行", "{n} rows in the table"),
    "closed": ("导出筛选结果的全部 {n} 行", "Exports all {n} rows the filters keep"),
}
tt = translator(TEXT)

PAGE_SIZE = 50


def layout(state: AppState, lang: str) -> html.Div:
    return html.Div(className="attr-table", children=[
        html.H3(tt("title", lang)),
        dcc.Checklist(id=ids.ATTR_SHOW, options=[{"label": tt("show", lang), "value": "show"}],
                      value=[]),
        html.Div(className="inline", children=[
            html.Button(tt("xlsx", lang), id=ids.ATTR_XLSX, className="btn"),
            html.Button(tt("csv", lang), id=ids.ATTR_CSV, className="btn"),
            html.Span(id=ids.ATTR_NOTE, className="note"),
        ]),
        dcc.Download(id=ids.ATTR_DOWNLOAD),
        dag.AgGrid(
            id=ids.ATTR_GRID, rowData=[], columnDefs=column_defs(state, lang),
            defaultColDef={"sortable": True, "filter": True, "resizable": True,
                           "floatingFilter": False, "minWidth": 80},
            dashGridOptions={"pagination": True, "paginationPageSize": PAGE_SIZE,
                             "paginationPageSizeSelector": [20, 50, 100, 500],
                             "localeText": locale_text(lang), "animateRows": False},
            getRowId="params.data.rid",
            style={"height": "420px", "display": "none"},
            className="ag-theme-alpine",
        ),
    ])


def _field(i: int, column: str) -> str:
    # extra columns (any name a bureau uses) get a plain field name; the header keeps the name
    return column if column in TABLE_COLUMNS else f"x{i}"


def column_defs(state: AppState, lang: str) -> list[dict[str, Any]]:
    """The grid's columns: the schema's (Chinese headers) then the dataset's extra columns."""
    frame = table_frame(state.dataset.enterprises.iloc[:0], lang=lang, headers=False)
    pick = 1 if lang == "en" else 0
    defs: list[dict[str, Any]] = []
    for i, col in enumerate(frame.columns):
        head = TABLE_COLUMNS[col][pick] if col in TABLE_COLUMNS else str(col)
        d: dict[str, Any] = {"field": _field(i, col), "headerName": head}
        if col in ("lon", "lat"):
            d["filter"] = "agNumberColumnFilter"
            d["width"] = 110
        if col == "name":
            d["minWidth"] = 200
        defs.append(d)
    return defs


def table_rows(state: AppState, mask, lang: str) -> list[dict[str, Any]]:
    """The grid's rows for the enterprises of ``mask``; ``rid`` is the row's position in the
    dataset (what the map and the detail URL use) as text, the grid's row id."""
    ents = state.dataset.enterprises
    positions = mask.to_numpy().nonzero()[0]
    frame = table_frame(ents.iloc[positions], lang=lang, headers=False)
    frame.columns = [_field(i, c) for i, c in enumerate(frame.columns)]
    frame["rid"] = [str(int(i)) for i in positions]
    return cast("list[dict[str, Any]]", frame.to_dict("records"))


def export_table(state: AppState, mask, fmt: str, lang: str,
                 shown: list[dict] | None = None) -> Any:
    """A ``dcc.send_bytes`` download: the rows of ``shown`` (the grid's rows, in order) when the
    table is open, else every row of ``mask``."""
    ents = state.dataset.enterprises
    if shown is not None:
        order = [int(r["rid"]) for r in shown if isinstance(r, dict) and "rid" in r]
    else:
        order = [int(i) for i in mask.to_numpy().nonzero()[0]]
    data = table_bytes(ents, fmt, lang=lang, order=order)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    return dcc.send_bytes(data, f"enterprises-{stamp}.{fmt}"), len(order)


def register(app: dash.Dash, state: AppState) -> None:
    from ui.panels.analysis import FILTER_STATES, filtered_mask

    def _mask(grades, industries, districts, major, overdue):
        return filtered_mask(state, grades, industries, districts, major, overdue)

    filters = list(FILTER_STATES)

    @app.callback(
        Output(ids.ATTR_GRID, "rowData"),
        Output(ids.ATTR_GRID, "columnDefs"),
        Output(ids.ATTR_GRID, "style"),
        Output(ids.ATTR_NOTE, "children"),
        Input(ids.ATTR_SHOW, "value"),
        Input(ids.COUNT, "children"),  # after every filter change (and new data)
        *filters,
        State(ids.ATTR_GRID, "style"),
        State("lang", "data"),
    )
    def _on_table(show, _count, grades, industries, districts, major, overdue, style, lang):
        lang = norm_lang(lang)
        mask = _mask(grades, industries, districts, major, overdue)
        style = dict(style or {})
        if "show" not in (show or []):
            style["display"] = "none"
            return [], dash.no_update, style, tt("closed", lang).format(n=f"{int(mask.sum()):,}")
        style["display"] = "block"
        rows = table_rows(state, mask, lang)
        return (rows, column_defs(state, lang), style,
                tt("rows", lang).format(n=f"{len(rows):,}"))

    @app.callback(
        Output(ids.ATTR_DOWNLOAD, "data"),
        Input(ids.ATTR_XLSX, "n_clicks"),
        Input(ids.ATTR_CSV, "n_clicks"),
        *filters,
        State(ids.ATTR_SHOW, "value"),
        State(ids.ATTR_GRID, "virtualRowData"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _on_export(_x, _c, grades, industries, districts, major, overdue, show, virtual, lang):
        fmt = "xlsx" if ctx.triggered_id == ids.ATTR_XLSX else "csv"
        mask = _mask(grades, industries, districts, major, overdue)
        shown = virtual if "show" in (show or []) and virtual is not None else None
        return export_table(state, mask, fmt, norm_lang(lang), shown)[0]

    @app.callback(
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Input(ids.ATTR_GRID, "cellClicked"),
        prevent_initial_call=True,
    )
    def _on_row(cell):
        index = focus_index(cell)
        if index is None:
            raise dash.exceptions.PreventUpdate
        return command(FOCUS, index=index)


def focus_index(cell: Any) -> int | None:
    """The dataset row a grid ``cellClicked`` event points at (its ``rowId``), or None."""
    if not isinstance(cell, dict):
        return None
    try:
        return int(str(cell.get("rowId")))
    except (TypeError, ValueError):
        return None
