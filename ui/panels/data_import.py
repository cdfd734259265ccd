"""The import tab: upload a register, check the preview and mapping, import, undo; get a report.

The uploaded file is kept privately (:mod:`data.uploads`: ``0700``/``0600``, removed after the
import or within an hour) under a random token between the preview and the import, so it crosses
the network once; its real size is checked here, before it is decoded
(``$RISKMAP_MAX_UPLOAD_MB``). The preview (:mod:`ui.panels.data_import_preview`) sends a bounded
answer whatever the file (:data:`PREVIEW_COLUMNS` columns, :data:`PREVIEW_ROWS` rows, cells cut at :data:`PREVIEW_CELL`
characters). The coordinate systems offered come from the registry :mod:`data.coordsys`; the
preview preselects the one it detects, and the choice is parsed once here before the importer
gets it.

Modes: 更新 update (default, by id), 追加 append, 替换 replace. A replace of a layer with rows
is done only from the second button, "确认替换 N 行", which states how many rows go: the callback
refuses a replace that did not come from it (for the same file and layer). Every import makes a
version of the layer; the versions list shows who, when, which file and rows added / changed /
removed, with a 恢复 restore button per kept version, also confirmed by a second button.

The preview says, before anything is written, which columns not mapped to a field will be kept
as extra attributes, which blank rows will be skipped, and whether the last line looks cut off
(a truncated download). A truncated CSV is refused with nothing written unless the user ticks
"文件可能不完整，仍然导入截断前的行" (a callback input, checked on the server, unticked by every
new preview); it then imports the rows before the cut, as ``riskmap import --allow-truncated``.

Every callback here needs the ``import`` action (:data:`CALLBACK_ACTIONS`, enforced by the
callback gate of :mod:`ui.auth`, and checked again in the callbacks themselves); a user limited
to some districts cannot import (an import changes every district's rows). After a change the map
reloads with the new data (no restart).
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

import dash
import flask
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.development.base_component import Component

from data import uploads
from data.coordsys import FILE_OWN, parse_crs
from data.importer import ImportFileError, TruncatedFileError, import_layer, preview_replace
from data.schema import LAYERS, RASTER_LAYERS
from data.store import VersionError
from data.sysdb import ReadOnlyStore, StoreBusy, StoreUnavailable
from layers.bridge import RELOAD, command
from ui import access, ids
from ui.i18n import norm_lang, translator
from ui.panels.analysis_locale import dropdown_labels
from ui.panels.data_import_preview import (
    IGNORE,
    KEEP,
    PREVIEW_CELL,
    PREVIEW_COLUMNS,
    PREVIEW_ROWS,
    crs_options,
    preview_view,
    preview_with_hint,
    read_only_grid,
    shown_columns,
    target_of,
)
from ui.state import AppState

MODES = ("update", "append", "replace")
__all__ = ["IGNORE", "KEEP", "PREVIEW_CELL", "PREVIEW_COLUMNS", "PREVIEW_ROWS", "crs_options",
           "preview_view", "preview_with_hint", "shown_columns", "layout", "register",
           "on_upload", "run_import", "on_import", "versions_view", "on_restore"]

CALLBACK_ACTIONS = {
    ids.IMP_PREVIEW: "import",
    ids.IMP_RESULT: "import",
    ids.IMP_VERSIONS: "import",
    ids.IMP_VERSIONS_MESSAGE: "import",
}
"""Output ids of this tab's callbacks -> the action they need (the gate in :mod:`ui.auth`)."""

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
    "update": ("更新（按编号，默认）", "Update by id (default)"),
    "append": ("追加", "Append"), "replace": ("替换（删除现有数据）", "Replace (removes the rows now there)"),
    "strict": ("严格：任一行有误则整个文件不导入", "Strict: refuse the whole file if any row fails"),
    "run": ("导入", "Import"),
    "report": ("下载校验报告 CSV", "Download the report (CSV)"),
    "imported": ("已导入 {a} 行，{r} 行未通过（共 {t} 行）",
                 "Imported {a} rows, {r} rejected (of {t})"),
    "refused": ("严格模式：{r} 行有误，整个文件未导入", "Strict mode: {r} rows failed, nothing imported"),
    "none_written": ("没有可导入的行，现有数据未改动", "No row could be imported; existing data unchanged"),
    "version_made": ("第 {v} 版：新增 {a}，修改 {c}，删除 {r}",
                     "Version {v}: {a} added, {c} changed, {r} removed"),
    "confirm_replace": ("替换将删除图层现有的 {n} 行，确认后才会写入。",
                        "Replace removes the {n} rows the layer holds now; nothing is written "
                        "until you confirm."),
    "confirm_replace_btn": ("确认替换 {n} 行", "Confirm: replace {n} rows"),
    "versions": ("版本（可恢复最近的版本）", "Versions (recent ones can be restored)"),
    "no_versions": ("此图层还没有版本（每次导入生成一个）",
                    "No versions of this layer yet (every import makes one)"),
    "col_version": ("版本", "Version"), "col_at": ("时间", "When"), "col_actor": ("操作人", "Who"),
    "col_mode": ("方式", "Mode"), "col_file": ("文件", "File"), "col_rows": ("行数", "Rows"),
    "col_changes": ("新增/修改/删除", "Added/changed/removed"),
    "restore": ("恢复", "Restore"), "current": ("当前", "current"),
    "not_kept": ("不再保留", "not kept"),
    "mode_baseline": ("初始（首次导入前）", "baseline (before the first import)"),
    "mode_restore": ("恢复", "restore"),
    "confirm_restore_btn": ("确认恢复第 {v} 版（{n} 行）", "Confirm: restore version {v} ({n} rows)"),
    "restored": ("已恢复第 {v} 版为第 {new} 版（{n} 行）",
                 "Restored version {v} as version {new} ({n} rows)"),
    "scoped": ("按区限定的用户不能导入（导入会改动全部区的数据）",
               "A user limited to some districts cannot import (an import changes every "
               "district's rows)"),
    "no_access": ("导入与版本需要「数据管理」或更高角色", "Import and versions need the data role or higher"),
    "no_file": ("请先上传文件", "Upload a file first"),
    "allow_truncated": ("文件可能不完整，仍然导入截断前的行",
                        "the file looks truncated: import the rows before the cut anyway"),
    "truncated_refused": ("文件可能不完整：最后一行（第 {r} 行）被截断，未写入任何数据。请重新下载，"
                          "或勾选“仍然导入截断前的行”后再导入。",
                          "The file looks truncated: its last line (row {r}) is cut off; nothing "
                          "was written. Download it again, or tick \"import the rows before the "
                          "cut anyway\" and import again."),
}


tt = translator(T)
VERSION_MODES = {"update": "update", "append": "append", "replace": "replace",
                 "baseline": "mode_baseline", "restore": "mode_restore"}
"""How a version was made (``LayerVersion.mode``) -> its words in :data:`T`."""


def _layer_options(lang: str) -> list[dict]:
    opts = [{"label": spec.label(lang), "value": name} for name, spec in LAYERS.items()]
    opts += [{"label": (en if lang == "en" else zh), "value": name}
             for name, (zh, en) in RASTER_LAYERS.items()]
    return opts


def _refusal(lang: str) -> str | None:
    """Why the current request may not import (``None``: it may). Outside a request (tests,
    scripts calling the callback bodies) there is nobody to check."""
    if not flask.has_request_context():
        return None
    try:
        user = access.require("import")
    except (access.Unauthorized, access.Forbidden) as exc:
        return str(exc.description)
    if user.scope:
        return tt("scoped", lang)
    return None


def _actor() -> str:
    user = access.current_user()
    return user.name if user is not None else "web"


def _error(text: str) -> html.Span:
    return html.Span(text, className="error")


def layout(state: AppState, lang: str) -> html.Div:
    if _refusal(lang) is not None:
        return html.Div(className="panel", children=[
            html.P(tt("no_access", lang), className="hint")])
    return html.Div(className="panel", children=[
        html.P(tt("how", lang), className="hint"),
        html.Label(tt("layer", lang)),
        dcc.Dropdown(id=ids.IMP_LAYER, options=_layer_options(lang), value="enterprises",
                     clearable=False, labels=dropdown_labels(lang)),  # type: ignore[arg-type]
        html.Label(tt("crs", lang)),
        dcc.Dropdown(id=ids.IMP_CRS, clearable=False, value=FILE_OWN.value,
                     options=crs_options(lang), labels=dropdown_labels(lang)),  # type: ignore[arg-type]
        dcc.Upload(id=ids.IMP_UPLOAD, children=html.Div(tt("drop", lang)), className="upload",
                   max_size=uploads.max_upload_bytes(), multiple=False),
        dcc.Store(id=ids.IMP_TOKEN),
        html.Div(id=ids.IMP_PREVIEW),
        html.Div(className="row", children=[
            dcc.RadioItems(id=ids.IMP_MODE, value="update", inline=True,
                           options=[{"label": tt(m, lang), "value": m} for m in MODES]),
        ]),
        dcc.Checklist(id=ids.IMP_STRICT, options=[{"label": tt("strict", lang), "value": "strict"}],
                      value=[]),
        html.Div(id=ids.IMP_TRUNCATED_BOX, hidden=True, className="warning", children=[
            dcc.Checklist(id=ids.IMP_ALLOW_TRUNCATED, value=[],
                          options=[{"label": tt("allow_truncated", lang), "value": "yes"}])]),
        html.Button(tt("run", lang), id=ids.IMP_RUN, className="btn btn-primary"),
        html.Button("", id=ids.IMP_CONFIRM_REPLACE, className="btn btn-danger", hidden=True),
        dcc.Store(id=ids.IMP_REPLACE_PENDING),
        html.Div(id=ids.IMP_RESULT, role="status"),
        dcc.Download(id=ids.IMP_REPORT_DOWNLOAD),
        html.H3(tt("versions", lang)),
        html.Div(versions_view(state, "enterprises", lang), id=ids.IMP_VERSIONS),
        html.Button("", id=ids.IMP_CONFIRM_RESTORE, className="btn btn-danger", hidden=True),
        dcc.Store(id=ids.IMP_RESTORE_PENDING),
        html.Div(id=ids.IMP_VERSIONS_MESSAGE, role="status"),
    ])


def _save_upload(state: AppState, contents: str, filename: str) -> str:
    """Keep the posted ``contents`` (a data URL) privately; its real size is checked first."""
    limit = uploads.max_upload_bytes()
    start = contents.find(",") + 1  # a data URL: "data:<type>;base64,<data>"
    size = uploads.decoded_size(contents, start=start)
    if size > limit:  # checked before anything is copied or decoded
        raise uploads.UploadTooLarge(uploads.too_large_message(size, limit))
    try:
        data = base64.b64decode(contents[start:], validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ImportFileError(f"上传内容无法解码 / the upload cannot be decoded: {exc}") from exc
    return uploads.save_upload(state.store, data, filename)


def _upload_path(state: AppState, token: str) -> Path:
    return uploads.upload_path(state.store, token)


def on_upload(state: AppState, *, contents: str | None, uploaded: bool, layer: str,
              filename: str | None, token: dict | None, lang: str):
    """Callback body of an upload or a layer change.

    Returns ``(token, preview view, CRS dropdown value, CRS dropdown options, truncated box
    hidden?, truncated confirmation value)``; the dropdown gets the detected system
    preselected, or is left as it is when nothing was detected. The confirmation "import the
    rows before the cut anyway" is shown only for a file whose last line looks cut off, and is
    unticked again by every new preview (a tick is for the file the user saw).
    """
    keep = dash.no_update
    refused = _refusal(lang)
    if refused:
        return None, _error(refused), keep, keep, True, []
    try:
        if uploaded and contents:
            token = {"token": _save_upload(state, contents, filename or "upload"),
                     "filename": filename}
        if not token:
            return keep, "", keep, keep, True, []
        view, hint, cut = preview_with_hint(_upload_path(state, token["token"]),
                                            filename=token["filename"], layer=layer,
                                            state=state, lang=lang)
    except uploads.UploadTooLarge as exc:
        return None, _error(str(exc)), keep, keep, True, []
    except (ImportFileError, ValueError, OSError) as exc:
        return token, _error(str(exc)), keep, keep, True, []
    box_hidden = cut is None
    if hint is None:
        return token, view, keep, keep, box_hidden, []
    return token, view, hint, crs_options(lang, extra=hint), box_hidden, []


def run_import(state: AppState, *, token, filename, layer, crs, mode, strict, mapping_rows,
               lang: str, confirmed: bool = False, allow_truncated: bool = False):
    """Callback body: returns ``(result view, report CSV bytes or None, written?, rows a replace
    waits to remove)``.

    A replace of a layer with rows is refused unless ``confirmed`` (the second button); the
    last value then says how many rows it would remove. A CSV whose last line looks cut off is
    refused (nothing written, the upload kept) unless ``allow_truncated`` (the box "仍然导入截断
    前的行" ticked): then the rows before the cut are imported. After an import attempt the
    upload is removed.
    """
    refused = _refusal(lang)
    if refused:
        return _error(refused), None, False, 0
    if not token:
        return _error(tt("no_file", lang)), None, False, 0
    mode = mode or "update"
    if mode not in MODES:
        return _error(f"`mode` must be one of {', '.join(MODES)}, got {mode!r}"), None, False, 0
    if mode == "replace" and layer in LAYERS and not confirmed:
        going = preview_replace(state.store, layer)
        if going:
            return (html.Span(tt("confirm_replace", lang).format(n=f"{going:,}"),
                              className="warning", id="imp-confirm-note"), None, False, going)
    mapping = None
    if mapping_rows:
        # a field, or "" for a column ignored on purpose; columns kept as extra attributes
        # are left to the importer (it keeps every column the mapping does not use)
        chosen = {r.get("source"): target_of(r.get("target"), layer) for r in mapping_rows
                  if isinstance(r, dict)}
        mapping = {str(src): ("" if t == IGNORE else t) for src, t in chosen.items()
                   if src and t and t != KEEP}
    try:
        system = parse_crs(crs)  # parsed once, here; the importer gets the CoordSystem
        data = _upload_path(state, token).read_bytes()
        result = import_layer(state.store, layer, data, filename=filename or token, crs=system,
                              mapping=mapping, mode=mode, strict=bool(strict), actor=_actor(),
                              allow_truncated=bool(allow_truncated))
    except TruncatedFileError as exc:
        return (_error(tt("truncated_refused", lang).format(r=exc.row)), None, False, 0)
    except (ImportFileError, ValueError, StoreBusy, StoreUnavailable, ReadOnlyStore) as exc:
        return _error(str(exc)), None, False, 0
    uploads.remove_upload(state.store, token)
    if result.refused:
        head = _error(tt("refused", lang).format(r=result.rejected_count))
    elif not result.written and not result.unchanged:
        head = _error(tt("none_written", lang))
    elif not result.written:
        head = html.Span(result.warnings[-1], className="ok")
    else:
        head = html.Span(tt("imported", lang).format(a=f"{result.accepted_count:,}",
                                                     r=f"{result.rejected_count:,}",
                                                     t=f"{result.total_rows:,}"),
                         className="ok")
    children: list[Component] = [head]
    if result.version is not None:
        children.append(html.Div(tt("version_made", lang).format(
            v=result.version, a=f"{result.added:,}", c=f"{result.changed:,}",
            r=f"{result.removed:,}"), className="muted", id="imp-version-made"))
    said = result.warnings[-1:] if not result.written and result.unchanged else []
    children += [html.Div(str(w)[:500], className="warning")
                 for w in [w for w in result.warnings if w not in said][:20]]
    if len(result.rejected):
        rej = result.rejected.head(50).astype(str)
        children += [
            read_only_grid(list(rej.columns), rej.to_dict("records"), lang=lang,
                           id_="imp-rejected-grid", page_size=10),
            html.Button(tt("report", lang), id=ids.IMP_REPORT, className="btn"),
        ]
    return html.Div(children, id="imp-result-body"), result.report_csv(), result.written, 0


def on_import(state: AppState, *, token: dict | None, layer, crs, mode, strict, mapping_rows,
              lang: str, confirm: bool = False, pending: dict | None = None,
              allow_truncated: list | None = None):
    """Callback body of the import button and of the "确认替换 N 行" button (``confirm``).

    ``allow_truncated`` is the value of the truncated-file confirmation (``["yes"]`` ticked).

    ``pending`` is what the first click of a replace recorded (layer, upload, rows): a
    confirmation counts only for that same layer and upload. Returns ``(result view, report as
    base64 or None, map command, data version, confirm button label, confirm button hidden?,
    pending replace, upload token)``.
    """
    keep = dash.no_update
    token = token or {}
    confirmed = bool(confirm and pending and pending.get("layer") == layer
                     and pending.get("token") == token.get("token"))
    view, report, written, going = run_import(
        state, token=token.get("token"), filename=token.get("filename"), layer=layer, crs=crs,
        mode=mode, strict=bool(strict), mapping_rows=mapping_rows, lang=lang,
        confirmed=confirmed, allow_truncated="yes" in (allow_truncated or []))
    if going:
        return (view, None, keep, keep, tt("confirm_replace_btn", lang).format(n=f"{going:,}"),
                False, {"layer": layer, "token": token.get("token"), "rows": going}, keep)
    reload = (command(RELOAD, src=f"map/analyst.html?lang={lang}&v={state.version}")
              if written else keep)
    stored = base64.b64encode(report).decode() if report else None
    version = state.version if written else keep
    attempted = report is not None  # the importer ran: the upload is gone
    return (view, stored, reload, version, "", True, None,
            None if attempted else keep)


# -- versions ---------------------------------------------------------------------------------


def versions_view(state: AppState, layer: str | None, lang: str):
    """The versions of ``layer``, newest first, with a 恢复 button per kept older version."""
    if _refusal(lang) is not None or layer not in LAYERS:
        return ""
    try:
        versions = state.store.list_versions(layer)
    except (StoreBusy, StoreUnavailable) as exc:
        return _error(str(exc))
    if not versions:
        return html.Div(tt("no_versions", lang), className="muted")
    head = ["col_version", "col_at", "col_actor", "col_mode", "col_file", "col_rows",
            "col_changes", ""]
    body = []
    for i, v in enumerate(versions):
        action: Component
        if i == 0:
            action = html.Span(tt("current", lang), className="muted")
        elif v.kept:
            action = html.Button(tt("restore", lang), className="btn btn-small",
                                 id={"type": ids.IMP_RESTORE, "version": v.version})
        else:
            action = html.Span(tt("not_kept", lang), className="muted")
        mode = tt(VERSION_MODES.get(v.mode, ""), lang) if v.mode in VERSION_MODES else v.mode
        body.append(html.Tr([html.Td(str(v.version)), html.Td(v.at.replace("T", " ")[:19]),
                             html.Td(v.actor), html.Td(mode), html.Td(v.file[:80]),
                             html.Td(f"{v.rows:,}"),
                             html.Td(f"+{v.added:,} / ~{v.changed:,} / -{v.removed:,}"),
                             html.Td(action)]))
    return html.Table([html.Thead(html.Tr([html.Th(tt(h, lang) if h else "") for h in head])),
                       html.Tbody(body)], className="table versions", id="imp-versions-table")


def on_restore(state: AppState, *, trigger, clicked, pending: dict | None, layer: str,
               lang: str):
    """Callback body of a 恢复 button (``trigger`` = its pattern id, ``clicked`` its clicks) and
    of the confirmation button (``trigger`` = :data:`ui.ids.IMP_CONFIRM_RESTORE`).

    A restore happens only from the confirmation, for the version the 恢复 click recorded in
    ``pending``. Returns ``(pending, confirm label, confirm hidden?, message, map command, data
    version)``.
    """
    keep = dash.no_update
    refused = _refusal(lang)
    if refused:
        return None, "", True, _error(refused), keep, keep
    if isinstance(trigger, dict) and trigger.get("type") == ids.IMP_RESTORE:
        if not clicked:  # the list was redrawn, nobody clicked
            return keep, keep, keep, keep, keep, keep
        version = int(trigger["version"])
        rows = next((v.rows for v in state.store.list_versions(layer) if v.version == version), 0)
        return ({"layer": layer, "version": version},
                tt("confirm_restore_btn", lang).format(v=version, n=f"{rows:,}"), False, "",
                keep, keep)
    if trigger != ids.IMP_CONFIRM_RESTORE or not clicked or not pending:
        return None, "", True, "", keep, keep
    try:
        info = state.store.restore_version(pending["layer"], int(pending["version"]),
                                           actor=_actor())
    except (VersionError, StoreBusy, StoreUnavailable, ReadOnlyStore) as exc:
        return None, "", True, _error(str(exc)), keep, keep
    message = html.Span(tt("restored", lang).format(v=pending["version"], new=info.version,
                                                    n=f"{info.rows:,}"), className="ok",
                        id="imp-restored")
    reload = command(RELOAD, src=f"map/analyst.html?lang={lang}&v={state.version}")
    return None, "", True, message, reload, state.version


def register(app: dash.Dash, state: AppState) -> None:
    try:  # at app start: uploads left from an earlier run, older than an hour
        uploads.clean_uploads(state.store)
    except OSError:  # a read-only place: nothing was uploaded there either
        pass

    @app.callback(
        Output(ids.IMP_TOKEN, "data"),
        Output(ids.IMP_PREVIEW, "children"),
        Output(ids.IMP_CRS, "value"),
        Output(ids.IMP_CRS, "options"),
        Output(ids.IMP_TRUNCATED_BOX, "hidden"),
        Output(ids.IMP_ALLOW_TRUNCATED, "value"),
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
        Output(ids.IMP_CONFIRM_REPLACE, "children"),
        Output(ids.IMP_CONFIRM_REPLACE, "hidden"),
        Output(ids.IMP_REPLACE_PENDING, "data"),
        Output(ids.IMP_TOKEN, "data", allow_duplicate=True),
        Input(ids.IMP_RUN, "n_clicks"),
        Input(ids.IMP_CONFIRM_REPLACE, "n_clicks"),
        State(ids.IMP_TOKEN, "data"),
        State(ids.IMP_LAYER, "value"),
        State(ids.IMP_CRS, "value"),
        State(ids.IMP_MODE, "value"),
        State(ids.IMP_STRICT, "value"),
        State(ids.IMP_MAPPING, "rowData"),
        State(ids.IMP_REPLACE_PENDING, "data"),
        State(ids.IMP_ALLOW_TRUNCATED, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _on_import(_n, _confirm, token, layer, crs, mode, strict, mapping_rows, pending,
                   allow_truncated, lang):
        return on_import(state, token=token, layer=layer, crs=crs, mode=mode, strict=strict,
                         mapping_rows=mapping_rows, lang=norm_lang(lang), pending=pending,
                         confirm=ctx.triggered_id == ids.IMP_CONFIRM_REPLACE,
                         allow_truncated=allow_truncated)

    @app.callback(
        Output(ids.IMP_VERSIONS, "children"),
        Input(ids.IMP_LAYER, "value"),
        Input(ids.DATA_VERSION, "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _on_versions(layer, _version, lang):
        return versions_view(state, layer, norm_lang(lang))

    @app.callback(
        Output(ids.IMP_RESTORE_PENDING, "data"),
        Output(ids.IMP_CONFIRM_RESTORE, "children"),
        Output(ids.IMP_CONFIRM_RESTORE, "hidden"),
        Output(ids.IMP_VERSIONS_MESSAGE, "children"),
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Output(ids.DATA_VERSION, "data", allow_duplicate=True),
        Input({"type": ids.IMP_RESTORE, "version": ALL}, "n_clicks"),
        Input(ids.IMP_CONFIRM_RESTORE, "n_clicks"),
        State(ids.IMP_RESTORE_PENDING, "data"),
        State(ids.IMP_LAYER, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _on_restore(_clicks, _confirm, pending, layer, lang):
        clicked = ctx.triggered[0]["value"] if ctx.triggered else None
        return on_restore(state, trigger=ctx.triggered_id, clicked=clicked, pending=pending,
                          layer=layer, lang=norm_lang(lang))

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
