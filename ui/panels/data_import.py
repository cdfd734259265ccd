"""The import tab: upload a register, check the preview and column mapping, import, get a report.

The uploaded file is kept in a private temporary folder under a random token between the preview
and the import, so it crosses the network once. After an import the map reloads with the new data
(the app notices changed files by itself; no restart).
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
from data.importer import ImportFileError, import_layer, preview
from data.schema import LAYERS, RASTER_LAYERS
from data.store import FileStore
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
}
CRS_OPTIONS = [
    ("", ("文件自带 / WGS 84", "As in the file / WGS 84")),
    ("wgs84", ("WGS 84（GPS）", "WGS 84 (GPS)")),
    ("cgcs2000", ("CGCS2000 经纬度", "CGCS2000 lon/lat")),
    ("gcj02", ("GCJ-02（高德/腾讯拾取）", "GCJ-02 (Amap/Tencent)")),
    ("bd09", ("BD-09（百度拾取）", "BD-09 (Baidu)")),
    ("EPSG:4547", ("CGCS2000 高斯-克吕格 114°E（EPSG:4547）", "CGCS2000 Gauss-Kruger 114°E (EPSG:4547)")),
]


tt = translator(T)


def _layer_options(lang: str) -> list[dict]:
    opts = [{"label": spec.label(lang), "value": name} for name, spec in LAYERS.items()]
    opts += [{"label": (en if lang == "en" else zh), "value": name}
             for name, (zh, en) in RASTER_LAYERS.items()]
    return opts


def layout(state: AppState, lang: str) -> html.Div:
    return html.Div(className="panel", children=[
        html.P(tt("how", lang), className="hint"),
        html.Label(tt("layer", lang)),
        dcc.Dropdown(id=ids.IMP_LAYER, options=_layer_options(lang), value="enterprises",
                     clearable=False),
        html.Label(tt("crs", lang)),
        dcc.Dropdown(id=ids.IMP_CRS, clearable=False, value="",
                     options=[{"label": (en if lang == "en" else zh), "value": v}
                              for v, (zh, en) in CRS_OPTIONS]),
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
    (_UPLOADS / f"{token}{suffix}").write_bytes(base64.b64decode(b64))
    return f"{token}{suffix}"


def _upload_path(token: str) -> Path:
    path = _UPLOADS / Path(token).name  # never leaves the uploads folder
    if not path.is_file():
        raise ImportFileError("上传的文件已失效，请重新上传 / the upload expired, upload again")
    return path


def preview_view(path: Path, *, filename: str, layer: str, state: AppState, lang: str):
    """Preview table and the editable mapping table (raster layers: just the file name)."""
    if layer in RASTER_LAYERS:
        return html.Div(f"{filename}", className="muted")
    pv = preview(path.read_bytes(), filename=filename, layer=layer, n=10,
                 store=FileStore(state.data_dir))
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
    ])


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
        result = import_layer(FileStore(state.data_dir), layer, _upload_path(token).read_bytes(),
                              filename=filename or token, crs=crs or None, mapping=mapping,
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


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.IMP_TOKEN, "data"),
        Output(ids.IMP_PREVIEW, "children"),
        Input(ids.IMP_UPLOAD, "contents"),
        Input(ids.IMP_LAYER, "value"),
        State(ids.IMP_UPLOAD, "filename"),
        State(ids.IMP_TOKEN, "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _on_upload(contents, layer, filename, token, lang):
        lang = norm_lang(lang)
        try:
            if ctx.triggered_id == ids.IMP_UPLOAD and contents:
                token = {"token": _save_upload(contents, filename or "upload"),
                         "filename": filename}
            if not token:
                return dash.no_update, ""
            view = preview_view(_upload_path(token["token"]), filename=token["filename"],
                                layer=layer, state=state, lang=lang)
        except (ImportFileError, ValueError) as exc:
            return token, html.Span(str(exc), className="error")
        return token, view

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
        lang = norm_lang(lang)
        view, report, written = run_import(
            state, token=(token or {}).get("token"), filename=(token or {}).get("filename"),
            layer=layer, crs=crs, mode=mode, strict=bool(strict), mapping_rows=mapping_rows,
            lang=lang)
        reload = ({"type": "riskmap:reload", "src": f"map/analyst.html?lang={lang}&v={state.version}"}
                  if written else dash.no_update)
        stored = base64.b64encode(report).decode() if report else None
        version = state.version if written else dash.no_update
        return view, stored, reload, version

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
