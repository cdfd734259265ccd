"""The import tab: upload a register, check the preview and column mapping, import, get a report.

The uploaded file is kept in a private temporary folder under a random token between the preview
and the import, so it crosses the network once. The coordinate systems offered come from the
registry :mod:`data.coordsys`; the preview shows the system it detects and preselects it, and the
choice is parsed once here, in the callback, before the importer gets it. After an import the map
reloads with the new data (the app notices changed files by itself; no restart).
"""

from __future__ import annotations

import base64
import secrets
import tempfile
import time
from pathlib import Path

import dash
from dash import Input, Output, State, ctx, dash_table, dcc, html

from data.columns import targets_for
from data.coordsys import CHOICES, FILE_OWN, choice_for, parse_crs
from data.importer import ImportFileError, import_layer, preview
from data.schema import LAYERS, RASTER_LAYERS
from data.store import FileStore
from layers.bridge import RELOAD, command
from risk.files import write_bytes_atomic
from ui import ids
from ui.i18n import norm_lang, translator
from ui.state import AppState

UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024
_UPLOADS = Path(tempfile.gettempdir()) / "riskmap-uploads"
IGNORE = "__ignore__"

T = {
    "how": ("上传台账或图层文件（CSV/GBK、Excel、GeoJSON、Shapefile zip、GeoPackage、KML、GeoTIFF），"
            "检查预览与列对应后导入。超过 50 MB 的文件请用命令行 riskmap import。",
            "Upload a register or layer (CSV/GBK, Excel, GeoJSON, zipped Shapefile, GeoPackage, "
            "KML, GeoTIFF), check the preview and column mapping, then import. Files over 50 MB: "
            "use `riskmap import`."),
    "drop": ("拖放文件到此处，或点击选择", "Drop a file here, or click to choose"),
    "layer": ("导入到图层", "Import into layer"),
    "crs": ("坐标系", "Coordinates"),
    "mode": ("方式", "Mode"),
    "replace": ("替换现有数据", "Replace existing"), "append": ("追加", "Append"),
    "strict": ("严格：任一行有误则整个文件不导入", "Strict: refuse the whole file if any row fails"),
    "run": ("导入", "Import"),
    "preview": ("预览（前 10 行）", "Preview (first 10 rows)"),
    "mapping": ("列对应（可修改）", "Column mapping (editable)"),
    "source_col": ("文件中的列", "Column in file"), "target": ("对应字段", "Maps to"),
    "ignore": ("（忽略）", "(ignore)"),
    "report": ("下载校验报告 CSV", "Download the report (CSV)"),
    "imported": ("已导入 {a} 行，{r} 行未通过（共 {t} 行）",
                 "Imported {a} rows, {r} rejected (of {t})"),
    "refused": ("严格模式：{r} 行有误，整个文件未导入", "Strict mode: {r} rows failed, nothing imported"),
    "none_written": ("没有可导入的行，现有数据未改动", "No row could be imported; existing data unchanged"),
    "too_big": ("文件超过 50 MB，请用命令行 riskmap import",
                "File over 50 MB: use `riskmap import` on the command line"),
    "no_file": ("请先上传文件", "Upload a file first"),
    "file_info": ("格式 {f} · 编码 {e} · 共 {n} 行", "Format {f} · encoding {e} · {n} rows"),
    "crs_hint": ("检测到的坐标系：{c}（已在“坐标系”中预选，请核对）",
                 "Detected coordinates: {c} (preselected under Coordinates; please check)"),
}


tt = translator(T)


def _layer_options(lang: str) -> list[dict]:
    opts = [{"label": spec.label(lang), "value": name} for name, spec in LAYERS.items()]
    opts += [{"label": (en if lang == "en" else zh), "value": name}
             for name, (zh, en) in RASTER_LAYERS.items()]
    return opts


def crs_options(lang: str, *, extra: str | None = None) -> list[dict]:
    """The coordinate-system dropdown: "as in the file", the registry's choices, then ``extra``.

    ``extra`` (a detected system outside the registry's named choices, e.g. ``EPSG:4526``) is
    added so that it can be preselected.
    """
    choices = [FILE_OWN, *CHOICES]
    if extra and all(c.value != extra for c in choices):
        choices.append(choice_for(extra))
    return [{"label": c.label(lang), "value": c.value} for c in choices]


def layout(state: AppState, lang: str) -> html.Div:
    return html.Div(className="panel", children=[
        html.P(tt("how", lang), className="hint"),
        html.Label(tt("layer", lang)),
        dcc.Dropdown(id=ids.IMP_LAYER, options=_layer_options(lang), value="enterprises",
                     clearable=False),
        html.Label(tt("crs", lang)),
        dcc.Dropdown(id=ids.IMP_CRS, clearable=False, value=FILE_OWN.value,
                     options=crs_options(lang)),
        dcc.Upload(id=ids.IMP_UPLOAD, children=html.Div(tt("drop", lang)), className="upload",
                   max_size=UPLOAD_LIMIT_BYTES, multiple=False),
        dcc.Store(id=ids.IMP_TOKEN),
        html.Div(id=ids.IMP_PREVIEW),
        html.Div(className="row", children=[
            dcc.RadioItems(id=ids.IMP_MODE, value="replace", inline=True,
                           options=[{"label": tt("replace", lang), "value": "replace"},
                                    {"label": tt("append", lang), "value": "append"}]),
        ]),
        dcc.Checklist(id=ids.IMP_STRICT, options=[{"label": tt("strict", lang), "value": "strict"}],
                      value=[]),
        html.Button(tt("run", lang), id=ids.IMP_RUN, className="btn btn-primary"),
        html.Div(id=ids.IMP_RESULT, role="status"),
        dcc.Download(id=ids.IMP_REPORT_DOWNLOAD),
    ])


def _save_upload(contents: str, filename: str) -> str:
    _UPLOADS.mkdir(parents=True, exist_ok=True)
    for old in _UPLOADS.glob("*"):  # tidy uploads older than a day
        if old.stat().st_mtime < time.time() - 86_400:
            old.unlink(missing_ok=True)
    _, _, b64 = contents.partition(",")
    token = secrets.token_hex(16)
    suffix = "".join(Path(filename).suffixes)[-20:]
    write_bytes_atomic(_UPLOADS / f"{token}{suffix}", base64.b64decode(b64), private=True)
    return f"{token}{suffix}"


def _upload_path(token: str) -> Path:
    path = _UPLOADS / Path(token).name  # never leaves the uploads folder
    if not path.is_file():
        raise ImportFileError("上传的文件已失效，请重新上传 / the upload expired, upload again")
    return path


def preview_view(path: Path, *, filename: str, layer: str, state: AppState, lang: str):
    """Preview table and the editable mapping table (raster layers: just the file name)."""
    return preview_with_hint(path, filename=filename, layer=layer, state=state, lang=lang)[0]


def preview_with_hint(
    path: Path, *, filename: str, layer: str, state: AppState, lang: str
) -> tuple[html.Div, str | None]:
    """:func:`preview_view` and the detected coordinate system (a registry value or ``None``)."""
    if layer in RASTER_LAYERS:
        return html.Div(f"{filename}", className="muted"), None
    pv = preview(path.read_bytes(), filename=filename, layer=layer, n=10,
                 store=FileStore(state.data_dir))
    hint = pv.detected_crs_hint
    targets = targets_for(layer)
    options = [{"label": tt("ignore", lang), "value": IGNORE}] + [
        {"label": f"{name} · {(en if lang == 'en' else zh)}", "value": name}
        for name, (zh, en) in targets.items()
    ]
    mapping_rows = [{"source": c, "target": pv.guessed_mapping.get(c, IGNORE)}
                    for c in pv.columns]
    rows = [{k: ("" if v is None else str(v)) for k, v in r.items()} for r in pv.rows]
    cols = ["row", *pv.columns] if rows and "row" in rows[0] else list(pv.columns)
    return html.Div([
        html.Div(tt("file_info", lang).format(f=pv.format, e=pv.encoding or "—",
                                              n=f"{pv.total_rows:,}"), className="muted"),
        *([html.Div(tt("crs_hint", lang).format(c=choice_for(hint).label(lang)),
                    id="imp-crs-hint", className="hint")] if hint else []),
        *[html.Div(w, className="warning") for w in pv.warnings],
        html.H3(tt("preview", lang)),
        # dash/dash_table/__init__.py is wholly '# type: ignore'd: mypy sees no DataTable
        dash_table.DataTable(  # type: ignore[attr-defined]
            columns=[{"name": c, "id": c} for c in cols], data=rows,
            style_table={"overflowX": "auto"},
            style_cell={"fontSize": "11px", "padding": "2px 4px", "maxWidth": "140px",
                        "overflow": "hidden", "textOverflow": "ellipsis"}),
        html.H3(tt("mapping", lang)),
        # dash/dash_table/__init__.py is wholly '# type: ignore'd: mypy sees no DataTable
        dash_table.DataTable(  # type: ignore[attr-defined]
            id=ids.IMP_MAPPING,
            columns=[{"name": tt("source_col", lang), "id": "source"},
                     {"name": tt("target", lang), "id": "target", "presentation": "dropdown",
                      "editable": True}],
            data=mapping_rows, dropdown={"target": {"options": options, "clearable": False}},
            style_cell={"fontSize": "12px", "textAlign": "left"},
            css=[{"selector": ".Select-menu-outer", "rule": "display: block !important"}],
        ),
    ]), hint


def on_upload(state: AppState, *, contents: str | None, uploaded: bool, layer: str,
              filename: str | None, token: dict | None, lang: str):
    """Callback body of an upload or a layer change.

    Returns ``(token, preview view, CRS dropdown value, CRS dropdown options)``; the dropdown
    gets the detected system preselected, or is left as it is when nothing was detected.
    """
    keep = dash.no_update
    try:
        if uploaded and contents:
            token = {"token": _save_upload(contents, filename or "upload"), "filename": filename}
        if not token:
            return keep, "", keep, keep
        view, hint = preview_with_hint(_upload_path(token["token"]), filename=token["filename"],
                                       layer=layer, state=state, lang=lang)
    except (ImportFileError, ValueError) as exc:
        return token, html.Span(str(exc), className="error"), keep, keep
    if hint is None:
        return token, view, keep, keep
    return token, view, hint, crs_options(lang, extra=hint)


def run_import(state: AppState, *, token, filename, layer, crs, mode, strict, mapping_rows,
               lang: str):
    """Callback body: returns (result view, report CSV bytes or None, imported?)."""
    if not token:
        return html.Span(tt("no_file", lang), className="error"), None, False
    mapping = None
    if mapping_rows:
        mapping = {r["source"]: r["target"] for r in mapping_rows
                   if r.get("target") and r["target"] != IGNORE}
    try:
        system = parse_crs(crs)  # parsed once, here; the importer gets the CoordSystem
        result = import_layer(FileStore(state.data_dir), layer, _upload_path(token).read_bytes(),
                              filename=filename or token, crs=system, mapping=mapping,
                              mode=mode or "replace", strict=bool(strict))
    except (ImportFileError, ValueError) as exc:
        return html.Span(str(exc), className="error"), None, False
    if result.refused:
        head = html.Span(tt("refused", lang).format(r=result.rejected_count), className="error")
    elif not result.written:
        head = html.Span(tt("none_written", lang), className="error")
    else:
        head = html.Span(tt("imported", lang).format(a=f"{result.accepted_count:,}",
                                                     r=f"{result.rejected_count:,}",
                                                     t=f"{result.total_rows:,}"),
                         className="ok")
    children = [head, *[html.Div(w, className="warning") for w in result.warnings]]
    if len(result.rejected):
        rej = result.rejected.head(50).astype(str)
        children += [
            # dash/dash_table/__init__.py is wholly '# type: ignore'd: mypy sees no DataTable
            dash_table.DataTable(columns=[{"name": c, "id": c} for c in rej.columns],  # type: ignore[attr-defined]
                                 data=rej.to_dict("records"), page_size=10, sort_action="native",
                                 style_cell={"fontSize": "11px", "textAlign": "left",
                                             "maxWidth": "200px", "whiteSpace": "normal"}),
            html.Button(tt("report", lang), id=ids.IMP_REPORT, className="btn"),
        ]
    return html.Div(children, id="imp-result-body"), result.report_csv(), result.written


def on_import(state: AppState, *, token: dict | None, layer, crs, mode, strict, mapping_rows,
              lang: str):
    """Callback body of the import button.

    Returns ``(result view, report as base64 or None, map command, data version)``; after a
    write the map command is :data:`layers.bridge.RELOAD` with the map page's new address.
    """
    view, report, written = run_import(
        state, token=(token or {}).get("token"), filename=(token or {}).get("filename"),
        layer=layer, crs=crs, mode=mode, strict=bool(strict), mapping_rows=mapping_rows,
        lang=lang)
    reload = (command(RELOAD, src=f"map/analyst.html?lang={lang}&v={state.version}")
              if written else dash.no_update)
    stored = base64.b64encode(report).decode() if report else None
    version = state.version if written else dash.no_update
    return view, stored, reload, version


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.IMP_TOKEN, "data"),
        Output(ids.IMP_PREVIEW, "children"),
        Output(ids.IMP_CRS, "value"),
        Output(ids.IMP_CRS, "options"),
        Input(ids.IMP_UPLOAD, "contents"),
        Input(ids.IMP_LAYER, "value"),
        State(ids.IMP_UPLOAD, "filename"),
        State(ids.IMP_TOKEN, "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _on_upload(contents, layer, filename, token, lang):
        return on_upload(state, contents=contents, uploaded=ctx.triggered_id == ids.IMP_UPLOAD,
                         layer=layer, filename=filename, token=token, lang=norm_lang(lang))

    @app.callback(
        Output(ids.IMP_RESULT, "children"),
        Output(ids.IMP_REPORT_STORE, "data"),
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Output(ids.DATA_VERSION, "data"),
        Input(ids.IMP_RUN, "n_clicks"),
        State(ids.IMP_TOKEN, "data"),
        State(ids.IMP_LAYER, "value"),
        State(ids.IMP_CRS, "value"),
        State(ids.IMP_MODE, "value"),
        State(ids.IMP_STRICT, "value"),
        State(ids.IMP_MAPPING, "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _on_import(_n, token, layer, crs, mode, strict, mapping_rows, lang):
        return on_import(state, token=token, layer=layer, crs=crs, mode=mode, strict=strict,
                         mapping_rows=mapping_rows, lang=norm_lang(lang))

    @app.callback(
        Output(ids.IMP_REPORT_DOWNLOAD, "data"),
        Input(ids.IMP_REPORT, "n_clicks"),
        State(ids.IMP_REPORT_STORE, "data"),
        prevent_initial_call=True,
    )
    def _on_report(n, stored):
        if not n or not stored:
            return dash.no_update
        return dcc.send_bytes(base64.b64decode(stored), "import_report.csv")
