"""The import tab's preview: the first rows, the editable column mapping, and what the import
will do beyond it (columns kept as extra attributes, blank rows skipped, a truncated last line).

The preview sends a bounded answer whatever the file (:data:`PREVIEW_COLUMNS` columns,
:data:`PREVIEW_ROWS` rows, cells cut at :data:`PREVIEW_CELL` characters). The coordinate systems
offered come from the registry :mod:`data.coordsys`; the preview preselects the one it detects.
Used by :mod:`ui.panels.data_import` (which re-exports these names).
"""

from __future__ import annotations

from pathlib import Path

import dash_ag_grid as dag
from dash import html
from dash.development.base_component import Component

from data.columns import targets_for
from data.coordsys import CHOICES, FILE_OWN, choice_for
from data.import_report import short_rows
from data.importer import preview
from data.schema import RASTER_LAYERS
from ui import ids
from ui.i18n import translator
from ui.panels.analysis_locale import locale_text
from ui.state import AppState

IGNORE = "__ignore__"
"""The mapping target "(ignore)": the column is left out of the import (mapped to ``""``)."""
KEEP = "__keep__"
"""The mapping target "(keep as an extra attribute)": the default of a column that maps to no
field (kept under its own name, :func:`data.import_tables.extra_source_columns`)."""
PREVIEW_COLUMNS = 50
"""Most columns the preview and the mapping table show (the mapped ones first)."""
PREVIEW_ROWS = 20
PREVIEW_CELL = 200
"""Characters of one preview cell."""

T = {
    "preview": ("预览（前 {n} 行）", "Preview (first {n} rows)"),
    "more_cols": ("另有 {n} 列未显示（共 {t} 列）", "{n} more columns not shown ({t} in all)"),
    "mapping": ("列对应（可修改）", "Column mapping (editable)"),
    "source_col": ("文件中的列", "Column in file"), "target": ("对应字段", "Maps to"),
    "ignore": ("（忽略，不导入）", "(ignore: not imported)"),
    "keep": ("（保留为附加属性）", "(keep as an extra attribute)"),
    "file_info": ("格式 {f} · 编码 {e} · 共 {n} 行", "Format {f} · encoding {e} · {n} rows"),
    "extra_cols": ("以下 {n} 列未对应字段，将作为附加属性保留：{c}",
                   "{n} columns not mapped to a field will be kept as extra attributes: {c}"),
    "truncated": ("文件可能不完整：最后一行（第 {r} 行）缺少单元格且没有换行（下载被中断？）。"
                  "不确认则不会写入任何数据。",
                  "The file looks truncated: its last line (row {r}) has fewer cells than the "
                  "header and no line end (an interrupted download?). Nothing is written unless "
                  "you confirm."),
    "blank_rows": ("将跳过空行：第 {r} 行", "Blank rows to be skipped: row(s) {r}"),
    "crs_hint": ("检测到的坐标系：{c}（已在“坐标系”中预选，请核对）",
                 "Detected coordinates: {c} (preselected under Coordinates; please check)"),
}

tt = translator(T)


def crs_options(lang: str, *, extra: str | None = None) -> list[dict]:
    """The coordinate-system dropdown: "as in the file", the registry's choices, then ``extra``.

    ``extra`` (a detected system outside the registry's named choices, e.g. ``EPSG:4526``) is
    added so that it can be preselected.
    """
    choices = [FILE_OWN, *CHOICES]
    if extra and all(c.value != extra for c in choices):
        choices.append(choice_for(extra))
    return [{"label": c.label(lang), "value": c.value} for c in choices]

def preview_view(path: Path, *, filename: str, layer: str, state: AppState, lang: str):
    """Preview table and the editable mapping table (raster layers: just the file name)."""
    return preview_with_hint(path, filename=filename, layer=layer, state=state, lang=lang)[0]


def _names(columns: list[str], limit: int = 30) -> str:
    shown = "、".join(c[:40] for c in columns[:limit])
    return shown + (f" …（+{len(columns) - limit}）" if len(columns) > limit else "")


def preview_with_hint(
    path: Path, *, filename: str, layer: str, state: AppState, lang: str
) -> tuple[html.Div, str | None, int | None]:
    """:func:`preview_view`, the detected coordinate system (a registry value or ``None``) and
    the row of a last line that looks cut off (``None``: the file looks whole).

    Above the tables the preview says what the import will do beyond the mapping: the columns
    kept as extra attributes (``#imp-extra-columns``), a truncated last line
    (``#imp-truncated``: nothing is written unless the user ticks the confirmation) and the
    blank rows it skips (``#imp-blank-rows``)."""
    if layer in RASTER_LAYERS:
        return html.Div(f"{filename}", className="muted"), None, None
    pv = preview(path.read_bytes(), filename=filename, layer=layer, n=PREVIEW_ROWS,
                 store=state.store, max_columns=PREVIEW_COLUMNS)
    hint = pv.detected_crs_hint
    words = target_labels(layer, lang)
    labels = list(words.values())
    shown = shown_columns(pv.columns, pv.guessed_mapping)
    extras = set(pv.extra_columns)
    mapping_rows = [{"source": c[:PREVIEW_CELL],
                     "target": words[pv.guessed_mapping.get(c, KEEP if c in extras else IGNORE)]}
                    for c in shown]
    rows = [{k[:PREVIEW_CELL]: ("" if r.get(k) is None else str(r.get(k))[:PREVIEW_CELL])
             for k in ["row", "geometry", *shown] if k in r} for r in pv.rows[:PREVIEW_ROWS]]
    cols = [c[:PREVIEW_CELL] for c in ["row", *shown, "geometry"] if rows and c in pv.rows[0]]
    more = len(pv.columns) - len(shown)
    warnings = pv.warnings[:20] + ([f"… (+{len(pv.warnings) - 20})"] if len(pv.warnings) > 20
                                   else [])
    notes: list[Component] = []
    if pv.truncated_row is not None:
        notes.append(html.Div(tt("truncated", lang).format(r=pv.truncated_row),
                              id="imp-truncated", className="warning"))
    if pv.extra_columns:
        notes.append(html.Div(tt("extra_cols", lang).format(n=len(pv.extra_columns),
                                                            c=_names(pv.extra_columns)),
                              id="imp-extra-columns", className="hint"))
    if pv.blank_rows:
        notes.append(html.Div(tt("blank_rows", lang).format(r=short_rows(pv.blank_rows)),
                              id="imp-blank-rows", className="hint"))
    return html.Div([
        html.Div(tt("file_info", lang).format(f=pv.format, e=pv.encoding or "—",
                                              n=f"{pv.total_rows:,}"), className="muted"),
        *notes,
        *([html.Div(tt("crs_hint", lang).format(c=choice_for(hint).label(lang)),
                    id="imp-crs-hint", className="hint")] if hint else []),
        *[html.Div(str(w)[:500], className="warning") for w in warnings],
        *([html.Div(tt("more_cols", lang).format(n=f"{more:,}", t=f"{len(pv.columns):,}"),
                    id="imp-more-columns", className="hint")] if more > 0 else []),
        html.H3(tt("preview", lang).format(n=len(rows))),
        read_only_grid(cols, rows, lang=lang, id_="imp-preview-grid"),
        html.H3(tt("mapping", lang)),
        dag.AgGrid(
            id=ids.IMP_MAPPING, rowData=mapping_rows,
            columnDefs=[
                {"field": "source", "headerName": tt("source_col", lang), "editable": False},
                {"field": "target", "headerName": tt("target", lang), "editable": True,
                 "cellEditor": "agSelectCellEditor", "singleClickEdit": True,
                 "cellEditorParams": {"values": labels}, "flex": 1.4},
            ],
            defaultColDef={"resizable": True, "sortable": False, "flex": 1},
            dashGridOptions={"domLayout": "autoHeight", "localeText": locale_text(lang),
                             "animateRows": False, "stopEditingWhenCellsLoseFocus": True,
                             "rowHeight": 30, "headerHeight": 32},
            style={"height": None}, className="ag-theme-alpine imp-grid",
        ),
    ]), hint, pv.truncated_row


def target_labels(layer: str, lang: str) -> dict[str, str]:
    """The mapping choices of ``layer``: ``{target: its words}``, keep and ignore first.

    The mapping grid shows and edits the words; :func:`target_of` turns them back."""
    words = {KEEP: tt("keep", lang), IGNORE: tt("ignore", lang)}
    for name, (zh, en) in targets_for(layer).items():
        words[name] = f"{zh} {name}" if lang == "zh" else f"{en} ({name})"
    return words


def target_of(text: object, layer: str) -> str | None:
    """The mapping target a cell of the mapping grid names (its words in either language, or
    the target itself); ``None`` for anything else (a forged value: left to the importer's
    guess, as a column without a choice)."""
    value = str(text or "")
    for lang in ("zh", "en"):
        for target, words in target_labels(layer, lang).items():
            if value in (target, words):
                return target
    return None


def read_only_grid(columns: list[str], rows: list[dict], *, lang: str, id_: str,
                   page_size: int | None = None) -> dag.AgGrid:
    """A small read-only grid of text ``rows`` keyed by ``columns`` (column names of a file
    may hold dots or spaces: the grid's fields are ``c0``, ``c1`` … with the names as
    headers)."""
    fields = {c: f"c{i}" for i, c in enumerate(columns)}
    data = [{fields[c]: r.get(c, "") for c in columns} for r in rows]
    options: dict = {"domLayout": "autoHeight", "localeText": locale_text(lang),
                     "animateRows": False, "suppressFieldDotNotation": True,
                     "rowHeight": 28, "headerHeight": 30}
    if page_size:
        options |= {"pagination": True, "paginationPageSize": page_size,
                    "paginationPageSizeSelector": False}
    return dag.AgGrid(
        id=id_, rowData=data,
        columnDefs=[{"field": fields[c], "headerName": c, "tooltipField": fields[c]}
                    for c in columns],
        defaultColDef={"resizable": True, "sortable": True, "width": 110, "minWidth": 50},
        dashGridOptions=options, style={"height": None}, className="ag-theme-alpine imp-grid",
    )


def shown_columns(columns: list[str], mapping: dict[str, str]) -> list[str]:
    """The columns the preview shows: the mapped ones, then the others, at most
    :data:`PREVIEW_COLUMNS` (all mapped ones are kept even beyond that)."""
    mapped = [c for c in columns if c in mapping]
    rest = [c for c in columns[: PREVIEW_COLUMNS + len(mapped)] if c not in mapping]
    return mapped + rest[: max(0, PREVIEW_COLUMNS - len(mapped))]
