"""The hidden-dangers tab (隐患): the dynamic distribution map with a time slider, counts, a table,
a chart, and the closed-loop step form.

The slider runs by month (the date box takes any day); the map, the counts and the table show
every hazard as it stood at the end of that day (found by then, closed by then, open, overdue),
computed from arrays cached per hazard fingerprint (:func:`hazard_data`), so a slider step is a
few numpy operations, not a query. The state follows each hazard's history (closed in March and
reopened in May: closed as of April, open as of June; the deadline valid then), by the rule of
:func:`risk.hazards.timeline`. The map draws through two bridge commands: ``HAZARDS`` (the
filtered hazards as compact arrays, sent when the filters change) and ``HAZARDS_AT`` (the day,
sent at every slider step) — see ``assets/map/riskmap-map-hazards.js``.

A step of the loop needs ``hazards.write`` (commander or higher; :data:`CALLBACK_ACTIONS`, enforced
by :mod:`ui.auth`), is limited to the user's districts and is audited under the user's name.

The ledger (隐患台账) in and out: the bureau's Excel/CSV ledger is uploaded (kept privately with
the import tab's size limit and lifetime, :mod:`data.uploads`; read with the import limits,
:mod:`data.limits`), its recognised columns shown, and imported with a button
(:func:`data.hazard_ledger.import_ledger`: the row-level report with every rejected row and its
reason; the accepted rows written in one transaction, or none with "strict"). Importing needs
``hazards.write`` — the ledger is the hazard register the commanders keep, not a map layer — and
a district-limited user imports only rows of their districts (the others are rejected, named).
The export (xlsx with the 处理记录 history sheet, or CSV with a history column; cells made safe
for spreadsheets) needs ``read`` and holds only the user's districts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import flask
import numpy as np
import sqlalchemy as sa
from dash import ALL, Input, Output, State, ctx, dcc, html

from data.hazards import HISTORY_COLUMNS, HazardStore, arrays_of, today_cst
from data.sysdb import hazards as hazards_table
from layers.bridge import HAZARDS, HAZARDS_AT, batch, command
from risk.hazards import (
    CATEGORIES,
    LEVELS,
    SOURCES,
    STATUSES,
    SUPERVISION,
    closed_between,
    states_at,
)
from ui import access, ids
from ui.i18n import norm_lang, translator
from ui.state import AppState

CALLBACK_ACTIONS = {ids.HAZ_TR_MESSAGE: "hazards.write", ids.HAZ_LEDGER_RESULT: "hazards.write",
                    ids.HAZ_LEDGER_DOWNLOAD: "read"}
"""Output ids of this tab's callbacks -> the action they need (the gate in :mod:`ui.auth`; the
callbacks that write check again inside)."""
SHOWN_REJECTED = 1000
"""At most this many rejected rows are listed on screen (every one is in the report CSV)."""
_EPOCH = dt.date(1970, 1, 1)
TABLE_ROWS = 20

T = {
    "how": ("隐患动态分布：拖动时间轴查看任一月份（或输入日期）的隐患状态；地图、统计和列表均为该日状态。",
            "Hidden dangers as they stood on a date: drag the slider by month (or type a date); "
            "the map, counts and table show that day."),
    "date": ("日期", "Date"), "play": ("▶ 播放", "▶ Play"), "pause": ("❚❚ 暂停", "❚❚ Pause"),
    "level": ("隐患等级", "Level"), "state": ("状态（当日）", "State on the day"),
    "category": ("类别", "Category"), "district": ("所属区", "District"),
    "source": ("来源", "Source"), "supervised": ("挂牌督办", "Listed supervision"),
    "status": ("当前环节", "Current step"),
    "open": ("未整改", "open"), "overdue": ("逾期", "overdue"), "closed": ("已整改", "closed"),
    "found": ("累计发现", "found"), "major_open": ("重大未整改", "major open"),
    "rate": ("整改率", "rectification rate"), "not_found": ("尚未发现", "not found yet"),
    "as_of": ("截至", "As of"), "id": ("编号", "ID"), "title": ("隐患", "Hazard"),
    "found_at": ("发现日期", "Found"), "deadline": ("整改期限", "Deadline"),
    "closed_at": ("核销日期", "Closed"), "major": ("重大", "major"), "general": ("一般", "general"),
    "chart": ("近12个月 发现/整改", "Last 12 months: found / closed"),
    "step": ("闭环处理", "Closed-loop step"), "to": ("转为", "Move to"),
    "run": ("提交", "Submit"), "responsible_unit": ("责任单位", "Responsible unit"),
    "responsible_person": ("责任人", "Responsible person"), "reviewed_by": ("复查人", "Reviewer"),
    "review_result": ("复查结果", "Review result"), "note": ("说明", "Note"),
    "done": ("已保存", "Saved"), "none": ("无符合条件的隐患", "No hazards match"),
    "synthetic": ("样例隐患为合成数据", "The sample's hazards are synthetic"),
    "legend": ("隐患（当日状态）", "Hidden dangers (on the day)"),
    "density": ("城市级缩放：圆圈为各区未整改数", "City zoom: circles count the open ones per "
                "district"),
    "found_month": ("当月发现", "found in the month"),
    "closed_month": ("当月核销", "closed in the month"),
    "ledger": ("隐患台账导入/导出", "Ledger in and out"),
    "ledger_drop": ("拖入或点击上传隐患台账（Excel .xlsx 或 CSV）",
                    "Drop or click to upload the hazard ledger (Excel .xlsx or CSV)"),
    "ledger_strict": ("有任何行被拒绝时不导入", "Import nothing if any row is rejected"),
    "ledger_run": ("导入台账", "Import the ledger"),
    "ledger_xlsx": ("导出台账 Excel（含处理记录）", "Export the ledger, xlsx (with history)"),
    "ledger_csv": ("导出台账 CSV（含处理记录）", "Export the ledger, CSV (with history)"),
    "ledger_file": ("已上传", "Uploaded"),
    "ledger_columns": ("识别的列", "Columns recognised"),
    "ledger_unmatched": ("其余列保存在附加字段", "other columns are kept as extra fields"),
    "ledger_press": ("点击“导入台账”导入。", "Press \"Import the ledger\" to import it."),
    "ledger_first": ("请先上传台账文件", "Upload a ledger file first"),
    "ledger_done": ("导入 {n} 条，拒绝 {m} 行", "Imported {n} hazards, rejected {m} rows"),
    "ledger_refused": ("有被拒绝的行，按要求未写入任何数据", "Rows were rejected: nothing was "
                       "written (strict)"),
    "ledger_nothing": ("未写入任何数据", "Nothing was written"),
    "ledger_more": ("另有 {k} 条未列出，请用 riskmap hazards import --report 取得完整报告",
                    "{k} more not listed: riskmap hazards import --report gives them all"),
    "row": ("行号", "Row"), "reason": ("原因", "Reason"),
}
tt = translator(T)
_FORM_FIELDS = ("level", "deadline", "responsible_unit", "responsible_person", "reviewed_by",
                "review_result", "note")


# -- data, cached per hazard fingerprint -------------------------------------------------------


def fingerprint(db: Any) -> tuple:
    """Changes whenever a hazard is added or moved (count, last id, last update)."""
    t = hazards_table
    with db.connect() as conn:
        row = conn.execute(sa.select(sa.func.count(), sa.func.max(t.c.id),
                                     sa.func.max(t.c.updated_at))).first()
    return tuple(row) if row is not None else ()


def hazard_data(state: AppState) -> dict[str, Any]:
    """The hazards the current user may see, as a frame plus the arrays every answer uses."""
    db = state.store.db

    def build() -> dict[str, Any]:
        hz = HazardStore(db, scope=state.scope())
        frame = hz.frame()
        arrays = arrays_of(frame, hz.all_events(HISTORY_COLUMNS))
        names = sorted(set(frame["district"].astype(str))) if len(frame) else []
        code = {n: i for i, n in enumerate(names)}
        dist = np.array([code[d] for d in frame["district"].astype(str)], dtype=np.int32)
        return {"frame": frame, "arrays": arrays, "districts": names, "district_code": dist}

    return state.cached(("hazards", fingerprint(db)), build)


def months_of(data: dict[str, Any], today: dt.date) -> list[dt.date]:
    """Month ends from the first finding to this month (the slider's stops; the last: today)."""
    from data.hazards import month_ends

    found = data["frame"]["found_at"]
    first = dt.date.fromisoformat(str(found.min())) if len(found) else today.replace(day=1)
    ends = month_ends(min(first, today), today)
    ends[-1] = today
    return ends


def filter_mask(data: dict[str, Any], *, levels=None, categories=None, districts=None,
                sources=None, supervised=None, statuses=None) -> np.ndarray:
    """The hazards the filters keep (an empty or ``None`` filter keeps all)."""
    frame = data["frame"]
    keep = np.ones(len(frame), dtype=bool)
    for column, wanted in (("level", levels), ("category", categories), ("district", districts),
                           ("source", sources), ("supervised", supervised),
                           ("status", statuses)):
        if wanted:
            keep &= frame[column].astype(str).isin([str(w) for w in wanted]).to_numpy()
    return keep


def counts_at(data: dict[str, Any], day: dt.date, keep: np.ndarray) -> dict[str, Any]:
    """The counts as of the end of ``day`` of the hazards ``keep`` selects."""
    masks = states_at(data["arrays"], day)
    out: dict[str, Any] = {k: int((masks[k] & keep).sum()) for k in (
        "found", "closed", "open", "overdue", "major_open")}
    out["rate"] = round(out["closed"] / out["found"], 4) if out["found"] else None
    return out


def map_payload(data: dict[str, Any], keep: np.ndarray, state: AppState,
                lang: str) -> dict[str, Any]:
    """The compact arrays of ``riskmap-map-hazards.js`` for the hazards ``keep`` selects."""
    frame, arrays = data["frame"], data["arrays"]
    idx = np.flatnonzero(keep)
    lon = frame["lon"].to_numpy(float)[idx]
    lat = frame["lat"].to_numpy(float)[idx]
    lon0 = float(lon.min()) if len(idx) else 0.0
    lat0 = float(lat.min()) if len(idx) else 0.0
    scale = 100_000

    def days(a: np.ndarray) -> list[int]:
        v = a[idx].astype(np.int64)
        return np.where(v >= np.iinfo(np.int32).max, -1, v).tolist()

    centres = []
    full = state.full_dataset.districts
    where = {str(n): g.representative_point() for n, g in
             zip(full["name"], full.geometry, strict=True)} if "name" in full else {}
    for name in data["districts"]:
        p = where.get(name)
        centres.append([name, round(p.x, 5) if p else lon0, round(p.y, 5) if p else lat0])
    labels = {k: tt(k, lang) for k in ("id", "level", "state", "open", "overdue", "closed",
                                       "not_found", "major", "general", "deadline")}
    labels.update(found=tt("found_at", lang), closed=tt("closed_at", lang),
                  title=tt("title", lang), legend=tt("legend", lang),
                  density=tt("density", lang), closed_state=tt("closed", lang))
    # hazards whose history is not "closed from `closed` on, deadline `deadline`" (reopened …):
    # their segments, by position in this payload (see risk.hazards.HazardArrays)
    where_in = np.full(len(frame), -1, dtype=np.int64)
    where_in[idx] = np.arange(len(idx))
    sel = where_in[arrays.seg_hazard] >= 0 if len(arrays.seg_hazard) else np.zeros(0, bool)
    seg_dl = arrays.seg_deadline[sel].astype(np.int64)
    seg = {"i": where_in[arrays.seg_hazard[sel]].tolist(),
           "day": arrays.seg_day[sel].astype(np.int64).tolist(),
           "closed": arrays.seg_closed[sel].astype(np.int8).tolist(),
           "deadline": np.where(seg_dl >= np.iinfo(np.int32).max, -1, seg_dl).tolist()}
    return {"n": int(len(idx)), "lon0": lon0, "lat0": lat0, "scale": scale, "seg": seg,
            "lon": np.round((lon - lon0) * scale).astype(np.int64).tolist(),
            "lat": np.round((lat - lat0) * scale).astype(np.int64).tolist(),
            "found": days(arrays.found), "closed": days(arrays.closed),
            "deadline": days(arrays.deadline),
            "major": arrays.major[idx].astype(np.int8).tolist(),
            "district": data["district_code"][idx].tolist(), "districts": centres,
            "id": frame["id"].to_numpy()[idx].tolist(), "labels": labels}


def day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


# -- views -------------------------------------------------------------------------------------


def counts_view(counts: dict[str, Any], day: dt.date, lang: str) -> html.Div:
    rate = "—" if counts["rate"] is None else f"{counts['rate'] * 100:.1f}%"
    items = [("found", counts["found"]), ("closed", counts["closed"]), ("open", counts["open"]),
             ("overdue", counts["overdue"]), ("major_open", counts["major_open"]),
             ("rate", rate)]
    attrs: dict[str, Any] = {"data-at": day.isoformat(), **{
        f"data-{k}": str(counts[k]) for k in ("found", "closed", "open", "overdue",
                                             "major_open")}}
    return html.Div(className="haz-counts", **attrs, children=[html.Div(f"{tt('as_of', lang)} {day.isoformat()}", className="hint")] + [
            html.Span([html.B(f"{v:,}" if isinstance(v, int) else v), " ", tt(k, lang)],
                      className=f"haz-count haz-{k}",
                      style={"marginRight": "10px", "whiteSpace": "nowrap",
                             "display": "inline-block"})
            for k, v in items])


def table_view(data: dict[str, Any], day: dt.date, keep: np.ndarray, states: list[str] | None,
               lang: str) -> html.Table | html.P:
    masks = states_at(data["arrays"], day)
    show = np.zeros(len(keep), dtype=bool)
    wanted = states or ["open", "overdue"]
    if "open" in wanted:
        show |= masks["open"] & ~masks["overdue"]
    if "overdue" in wanted:
        show |= masks["overdue"]
    if "closed" in wanted:
        show |= masks["closed"]
    show &= keep
    idx = np.flatnonzero(show)
    if not len(idx):
        return html.P(tt("none", lang), className="hint")
    arrays = data["arrays"]
    over_all = masks["overdue"]
    # major first, then overdue, then the oldest finding (only the shown rows are read)
    order = idx[np.lexsort((arrays.found[idx], ~over_all[idx], ~arrays.major[idx]))[:TABLE_ROWS]]
    records = data["frame"].iloc[order][["id", "title", "level", "district", "found_at",
                                         "deadline", "status"]].to_dict("records")
    head = html.Tr([html.Th(tt(k, lang)) for k in ("id", "title", "level", "district",
                                                   "found_at", "deadline", "status")])
    rows = []
    for i, h in zip(order, records, strict=True):
        level = tt(h["level"], lang) if h["level"] in LEVELS else "—"  # 重大 / 一般: short
        status = STATUSES.get(h["status"], (h["status"], h["status"]))[1 if lang == "en" else 0]
        rows.append(html.Tr([html.Td(int(h["id"])), html.Td(h["title"]),
                             html.Td(level, style=_NOWRAP), html.Td(h["district"], style=_NOWRAP),
                             html.Td(h["found_at"], style=_NOWRAP),
                             html.Td(h["deadline"] or "", style=_NOWRAP,
                                     className="error" if over_all[i] else ""),
                             html.Td(status, style=_NOWRAP)]))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="stats")


_NOWRAP = {"whiteSpace": "nowrap"}
_FOUND_COLOUR, _CLOSED_COLOUR = "#fb8c00", "#43a047"


def chart_view(data: dict[str, Any], day: dt.date, keep: np.ndarray, lang: str) -> html.Div:
    """Found and closed per month over the twelve months up to ``day`` (CSS bars)."""
    arrays = data["arrays"]
    months = []
    y, m = day.year, day.month
    for _ in range(12):
        months.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    months.reverse()
    bars = []
    values = []
    for (y, m) in months:
        start = day_number(dt.date(y, m, 1))
        end = day_number(dt.date(y + (m == 12), m % 12 + 1, 1)) - 1
        end = min(end, day_number(day))
        f = int(((arrays.found >= start) & (arrays.found <= end) & keep).sum())
        c = int((closed_between(arrays, start, end) & keep).sum())
        values.append((f"{y}-{m:02d}", f, c))
    top = max([max(f, c) for _, f, c in values] + [1])
    for label, f, c in values:  # per month: found and closed side by side, the month below
        bars.append(html.Div(className="haz-bar", title=f"{label}: {f} / {c}", children=[
            html.Div(style={"display": "flex", "alignItems": "flex-end", "height": "60px",
                            "gap": "1px"}, children=[
                html.Div(style={"height": f"{60 * f / top:.0f}px", "background": _FOUND_COLOUR,
                                "width": "7px"}),
                html.Div(style={"height": f"{60 * c / top:.0f}px",
                                "background": _CLOSED_COLOUR, "width": "7px"})]),
            html.Div(label[5:], style={"fontSize": "10px", "borderTop": "1px solid #999",
                                       "width": "100%", "textAlign": "center"})],
            style={"display": "inline-flex", "flexDirection": "column", "alignItems": "center",
                   "marginRight": "3px", "verticalAlign": "bottom"}))
    key: list[Any] = [html.Span("■", style={"color": _FOUND_COLOUR}),
                      f" {tt('found_month', lang)}  ",
                      html.Span("■", style={"color": _CLOSED_COLOUR}),
                      f" {tt('closed_month', lang)}"]
    return html.Div([html.Div(tt("chart", lang), className="hint"), html.Div(bars),
                     html.Div(key, className="hint", style={"fontSize": "11px"})])


def _options(table: dict[str, tuple[str, str]], lang: str) -> list[dict[str, str]]:
    return [{"label": zh if lang != "en" else en, "value": code}
            for code, (zh, en) in table.items()]


def layout(state: AppState, lang: str) -> html.Div:
    today = today_cst()
    data = hazard_data(state)
    months = months_of(data, today)
    marks = {i: d.strftime("%Y-%m") for i, d in enumerate(months) if d.month in (1, 7)}
    names = data["districts"]
    synthetic = bool(state.full_dataset.synthetic)
    return html.Div(className="panel", children=[
        html.P(tt("how", lang) + ((f" ({tt('synthetic', lang)})" if lang == "en" else
                                   f"（{tt('synthetic', lang)}）") if synthetic else ""),
               className="hint"),
        html.Div(className="row", children=[
            html.Label(tt("date", lang)),
            dcc.Input(id=ids.HAZ_DATE, type="text", value=today.isoformat(), debounce=True,
                      style={"width": "110px"}),
            html.Button(tt("play", lang), id=ids.HAZ_PLAY, n_clicks=0),
        ]),
        dcc.Slider(id=ids.HAZ_SLIDER, min=0, max=len(months) - 1, step=1,
                   value=len(months) - 1, marks=marks, updatemode="mouseup",
                   allow_direct_input=False),  # the date box takes a typed date
        dcc.Interval(id=ids.HAZ_TICK, interval=1200, disabled=True),
        dcc.Store(id=ids.HAZ_WRITTEN),
        html.Div(id=ids.HAZ_COUNTS),
        html.Label(tt("level", lang)),
        dcc.Checklist(id=ids.HAZ_LEVEL, options=_options(LEVELS, lang), value=[], inline=True),
        html.Label(tt("state", lang)),
        dcc.Checklist(id=ids.HAZ_STATE, inline=True, value=["open", "overdue"],
                      options=[{"label": tt(k, lang), "value": k}
                               for k in ("open", "overdue", "closed")]),
        html.Label(tt("status", lang)),
        dcc.Dropdown(id=ids.HAZ_STATUS, options=_options(STATUSES, lang), multi=True),
        html.Label(tt("category", lang)),
        dcc.Dropdown(id=ids.HAZ_CATEGORY, options=_options(CATEGORIES, lang), multi=True),
        html.Label(tt("district", lang)),
        dcc.Dropdown(id=ids.HAZ_DISTRICT, options=[{"label": n, "value": n} for n in names],
                     multi=True),
        html.Label(tt("source", lang)),
        dcc.Dropdown(id=ids.HAZ_SOURCE, options=_options(SOURCES, lang), multi=True),
        html.Label(tt("supervised", lang)),
        dcc.Dropdown(id=ids.HAZ_SUPERVISED, options=_options(SUPERVISION, lang), multi=True),
        html.Div(id=ids.HAZ_CHART),
        html.Div(id=ids.HAZ_TABLE),
        html.H4(tt("step", lang)),
        html.Div(className="row", children=[
            dcc.Input(id=ids.HAZ_TR_ID, type="number", placeholder=tt("id", lang),
                      style={"width": "80px"}),
            dcc.Dropdown(id=ids.HAZ_TR_TO, options=_options(STATUSES, lang),
                         placeholder=tt("to", lang), style={"width": "140px"}),
        ]),
        html.Div([dcc.Input(id={"type": ids.HAZ_TR_FIELDS, "field": f}, type="text",
                            placeholder=tt(f, lang) if f in T else f, style={"width": "48%"})
                  for f in _FORM_FIELDS]),
        html.Button(tt("run", lang), id=ids.HAZ_TR_RUN, n_clicks=0),
        html.Div(id=ids.HAZ_TR_MESSAGE, role="status"),
        *ledger_layout(lang),
    ])


def ledger_layout(lang: str) -> list[Any]:
    """The ledger section: upload and import (``hazards.write``), export xlsx/CSV (``read``)."""
    from data import uploads

    can_write = not flask.has_request_context() or access.can("hazards.write")
    out: list[Any] = [html.H4(tt("ledger", lang))]
    if can_write:
        out += [
            dcc.Upload(id=ids.HAZ_LEDGER_UPLOAD, children=html.Div(tt("ledger_drop", lang)),
                       className="upload", max_size=uploads.max_upload_bytes(), multiple=False),
            dcc.Store(id=ids.HAZ_LEDGER_TOKEN),
            dcc.Checklist(id=ids.HAZ_LEDGER_STRICT, value=[],
                          options=[{"label": tt("ledger_strict", lang), "value": "strict"}]),
            html.Button(tt("ledger_run", lang), id=ids.HAZ_LEDGER_RUN, n_clicks=0),
        ]
    out += [
        html.Div(id=ids.HAZ_LEDGER_RESULT, role="status"),
        html.Div(className="row", children=[
            html.Button(tt("ledger_xlsx", lang), id=ids.HAZ_LEDGER_XLSX, n_clicks=0),
            html.Button(tt("ledger_csv", lang), id=ids.HAZ_LEDGER_CSV, n_clicks=0)]),
        dcc.Download(id=ids.HAZ_LEDGER_DOWNLOAD),
    ]
    return out


# -- callback bodies ---------------------------------------------------------------------------


def parse_day(text: object, *, today: dt.date) -> dt.date | None:
    from risk.hazards import parse_date

    try:
        day = parse_date(text)
    except ValueError:
        return None
    return min(day, today)


def update(state: AppState, *, trigger: Any, slider: int | None, date_text: str | None,
           filters: dict[str, Any], states: list[str] | None, tab: str | None, lang: str):
    """Callback body: (counts, table, chart, date box, slider, map command)."""
    today = today_cst()
    data = hazard_data(state)
    months = months_of(data, today)
    if trigger == ids.HAZ_DATE:
        day = parse_day(date_text, today=today)
        if day is None:
            msg = html.Span(f"日期无效 / not a date (YYYY-MM-DD): {date_text!r}", className="error")
            return msg, dash.no_update, dash.no_update, dash.no_update, dash.no_update, \
                dash.no_update
        slider = next((i for i, d in enumerate(months) if d >= day), len(months) - 1)
    else:
        slider = len(months) - 1 if slider is None else max(0, min(int(slider), len(months) - 1))
        day = months[slider]
    keep = filter_mask(data, **filters)
    counts = counts_at(data, day, keep)
    if tab is not None and tab != "hazards":
        cmd = command(HAZARDS)
    elif trigger in (ids.HAZ_SLIDER, ids.HAZ_DATE, ids.HAZ_TICK):
        cmd = command(HAZARDS_AT, day=day_number(day))
    else:
        codes = {"open": 1, "overdue": 2, "closed": 3}
        drawn = sorted(codes[k] for k in (states or list(codes)) if k in codes)
        cmd = batch(command(HAZARDS, data=map_payload(data, keep, state, lang), states=drawn,
                            day=day_number(day)),
                    command(HAZARDS_AT, day=day_number(day)))
    return (counts_view(counts, day, lang), table_view(data, day, keep, states, lang),
            chart_view(data, day, keep, lang), day.isoformat(), slider, cmd)


def next_month(value: int | None, top: int | None) -> int:
    """The slider's next stop when playing (after the last month: back to the first)."""
    value, top = int(value or 0), int(top or 0)
    return value + 1 if value < top else 0


def transition(state: AppState, *, hazard_id: Any, to: str | None, fields: dict[str, Any],
               lang: str):
    """Callback body of the step form: (message, written signal)."""
    from risk.hazards import TransitionError

    refused = _refusal("hazards.write")
    if refused:
        return _error(refused), dash.no_update
    user = access.current_user()
    if hazard_id in (None, "") or not to:
        return html.Span("请填写隐患编号和目标环节 / give the hazard ID and the step",
                         className="error"), dash.no_update
    given = {k: v for k, v in fields.items() if k != "note" and v not in (None, "")}
    hz = HazardStore(state.store.db, scope=access.scope())
    actor = user.name if user is not None else "local"
    try:
        h = hz.transition(int(hazard_id), to, given, actor=actor, note=fields.get("note") or "")
    except (TransitionError, ValueError) as exc:
        return html.Span(str(exc), className="error"), dash.no_update
    except KeyError as exc:
        return html.Span(str(exc.args[0]), className="error"), dash.no_update
    except OSError as exc:  # read-only, busy, database down
        return html.Span(str(exc), className="error"), dash.no_update
    label = STATUSES[h["status"]][1 if lang == "en" else 0]
    return html.Span(f"{tt('done', lang)}: {h['id']} → {label}"), h["updated_at"]


def _refusal(action: str) -> str | None:
    """Why this request may not do ``action`` (``None``: it may; outside a request: nobody to
    ask). The gate of :mod:`ui.auth` checked already; this is the second look inside."""
    if not flask.has_request_context():
        return None
    try:
        access.require(action)
    except (access.Unauthorized, access.Forbidden) as exc:
        return str(exc.description)
    return None


def _error(text: str) -> html.Span:
    return html.Span(text, className="error")


def ledger_upload(state: AppState, *, contents: str | None, filename: str | None, lang: str):
    """Callback body of a ledger upload: ``(token store, message)``. The file is kept privately
    (:mod:`data.uploads`, its real size checked before it is decoded) and its recognised
    columns are shown; nothing is imported yet."""
    import base64
    import binascii

    from data import uploads
    from data.hazard_ledger import guess_ledger_mapping
    from data.readers import ImportFileError, read_source

    refused = _refusal("hazards.write")
    if refused:
        return None, _error(refused)
    if not contents:
        return None, ""
    name = str(filename or "ledger")
    try:
        limit = uploads.max_upload_bytes()
        start = contents.find(",") + 1  # a data URL: "data:<type>;base64,<data>"
        size = uploads.decoded_size(contents, start=start)
        if size > limit:
            raise uploads.UploadTooLarge(uploads.too_large_message(size, limit))
        try:
            data = base64.b64decode(contents[start:], validate=False)
        except (binascii.Error, ValueError) as exc:
            raise ImportFileError(f"上传内容无法解码 / the upload cannot be decoded: {exc}") \
                from exc
        token = uploads.save_upload(state.store, data, name)
        raw = read_source(uploads.upload_path(state.store, token), filename=name,
                          layer="enterprises")
        assert raw.frame is not None
        columns = [str(c) for c in raw.frame.columns]
        mapping = guess_ledger_mapping(columns)
        if len(mapping) < 2 and len(raw.frame):  # the header may be lower down (a title row)
            first = [str(c) for c in raw.frame.iloc[0].tolist()]
            mapping = max(mapping, guess_ledger_mapping(first), key=len)
    except (ImportFileError, ValueError, OSError) as exc:
        return None, _error(str(exc))
    found = "、".join(f"{col} → {field}" for col, field in mapping.items()) or "—"
    return {"token": token, "filename": name}, html.Div([
        html.Div(f"{tt('ledger_file', lang)}: {name}"),
        html.Div(f"{tt('ledger_columns', lang)}: {found}（{tt('ledger_unmatched', lang)}）",
                 className="hint"),
        html.Div(tt("ledger_press", lang), className="hint")])


def ledger_import(state: AppState, *, token: dict | None, strict: bool, lang: str):
    """Callback body of "import the ledger": ``(report view, written signal, token store)``.

    Every rejected row is listed with its row number and reason (up to :data:`SHOWN_REJECTED`);
    the accepted rows are written in one transaction (none with ``strict`` if any row is
    rejected). The upload is removed afterwards."""
    from data import uploads
    from data.hazard_ledger import import_ledger
    from data.hazards import Places
    from data.readers import ImportFileError

    refused = _refusal("hazards.write")
    if refused:
        return _error(refused), dash.no_update, dash.no_update
    if not token or not token.get("token"):
        return _error(tt("ledger_first", lang)), dash.no_update, dash.no_update
    user = access.current_user()
    hz = HazardStore(state.store.db, places=Places.from_dataset(state.full_dataset),
                     scope=access.scope())
    try:
        path = uploads.upload_path(state.store, token["token"])
        result = import_ledger(hz, path, actor=user.name if user is not None else "local",
                               filename=str(token.get("filename") or path.name),
                               strict=strict)
    except (ImportFileError, ValueError, OSError) as exc:
        return _error(str(exc)), dash.no_update, dash.no_update
    uploads.remove_upload(state.store, token["token"])
    return (ledger_report_view(result, lang),
            now_stamp() if result.written else dash.no_update, None)


def now_stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def ledger_report_view(result: Any, lang: str) -> html.Div:
    """The row-level report of a ledger import: counts, then every rejected row and reason."""
    rejected = result.rejected
    head = tt("ledger_done", lang).format(n=result.accepted_count, m=result.rejected_count)
    parts: list[Any] = [html.B(head, className="error" if result.refused else "")]
    if result.refused:
        parts.append(html.Div(tt("ledger_refused", lang), className="error"))
    elif not result.written:
        parts.append(html.Div(tt("ledger_nothing", lang), className="hint"))
    for w in result.warnings:
        parts.append(html.Div(str(w), className="warning"))
    if len(rejected):
        rows = [html.Tr([html.Td(int(r.row)), html.Td(str(r.reason))])
                for r in rejected.head(SHOWN_REJECTED).itertuples()]
        parts.append(html.Div(html.Table([
            html.Thead(html.Tr([html.Th(tt("row", lang)), html.Th(tt("reason", lang))])),
            html.Tbody(rows)], className="stats haz-ledger-rejected"),
            style={"maxHeight": "260px", "overflowY": "auto"}))
        if len(rejected) > SHOWN_REJECTED:
            parts.append(html.Div(tt("ledger_more", lang).format(
                k=len(rejected) - SHOWN_REJECTED), className="hint"))
    attrs: dict[str, Any] = {"data-imported": str(result.accepted_count),
                             "data-rejected": str(result.rejected_count)}
    return html.Div(parts, className="haz-ledger-report", **attrs)


def ledger_export(state: AppState, *, fmt: str, lang: str):
    """Callback body of the export buttons: the ``dcc.Download`` data of the ledger with its
    history, only the user's districts, cells made safe for spreadsheets."""
    from data.hazard_ledger import ledger_bytes

    if _refusal("read"):
        return dash.no_update
    hz = HazardStore(state.store.db, scope=access.scope())
    data = ledger_bytes(hz, fmt=fmt)
    return dcc.send_bytes(data, f"隐患台账_{today_cst():%Y%m%d}.{fmt}")


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.HAZ_COUNTS, "children"),
        Output(ids.HAZ_TABLE, "children"),
        Output(ids.HAZ_CHART, "children"),
        Output(ids.HAZ_DATE, "value"),
        Output(ids.HAZ_SLIDER, "value"),
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Input(ids.HAZ_SLIDER, "value"),
        Input(ids.HAZ_DATE, "value"),
        Input(ids.HAZ_LEVEL, "value"),
        Input(ids.HAZ_STATE, "value"),
        Input(ids.HAZ_CATEGORY, "value"),
        Input(ids.HAZ_DISTRICT, "value"),
        Input(ids.HAZ_SOURCE, "value"),
        Input(ids.HAZ_SUPERVISED, "value"),
        Input(ids.HAZ_STATUS, "value"),
        Input(ids.HAZ_WRITTEN, "data"),
        Input(ids.TABS, "value"),
        State("lang", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _update(slider, date_text, levels, states, categories, districts, sources, supervised,
                statuses, _written, tab, lang):
        filters = {"levels": levels, "categories": categories, "districts": districts,
                   "sources": sources, "supervised": supervised, "statuses": statuses}
        return update(state, trigger=ctx.triggered_id, slider=slider, date_text=date_text,
                      filters=filters, states=states, tab=tab, lang=norm_lang(lang))

    @app.callback(
        Output(ids.HAZ_TICK, "disabled"),
        Output(ids.HAZ_PLAY, "children"),
        Input(ids.HAZ_PLAY, "n_clicks"),
        State(ids.HAZ_TICK, "disabled"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _play(_n, disabled, lang):
        lang = norm_lang(lang)
        return (not disabled), tt("pause" if disabled else "play", lang)

    @app.callback(
        Output(ids.HAZ_SLIDER, "value", allow_duplicate=True),
        Input(ids.HAZ_TICK, "n_intervals"),
        State(ids.HAZ_SLIDER, "value"),
        State(ids.HAZ_SLIDER, "max"),
        prevent_initial_call=True,
    )
    def _tick(_n, value, top):
        return next_month(value, top)

    @app.callback(
        Output(ids.HAZ_TR_MESSAGE, "children"),
        Output(ids.HAZ_WRITTEN, "data"),
        Input(ids.HAZ_TR_RUN, "n_clicks"),
        State(ids.HAZ_TR_ID, "value"),
        State(ids.HAZ_TR_TO, "value"),
        State({"type": ids.HAZ_TR_FIELDS, "field": ALL}, "value"),
        State({"type": ids.HAZ_TR_FIELDS, "field": ALL}, "id"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _transition(_n, hazard_id, to, values, field_ids, lang):
        fields = {i["field"]: v for i, v in zip(field_ids, values, strict=True)}
        return transition(state, hazard_id=hazard_id, to=to, fields=fields,
                          lang=norm_lang(lang))

    @app.callback(
        Output(ids.HAZ_LEDGER_TOKEN, "data"),
        Output(ids.HAZ_LEDGER_RESULT, "children"),
        Input(ids.HAZ_LEDGER_UPLOAD, "contents"),
        State(ids.HAZ_LEDGER_UPLOAD, "filename"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _ledger_upload(contents, filename, lang):
        return ledger_upload(state, contents=contents, filename=filename, lang=norm_lang(lang))

    @app.callback(
        Output(ids.HAZ_LEDGER_RESULT, "children", allow_duplicate=True),
        Output(ids.HAZ_WRITTEN, "data", allow_duplicate=True),
        Output(ids.HAZ_LEDGER_TOKEN, "data", allow_duplicate=True),
        Input(ids.HAZ_LEDGER_RUN, "n_clicks"),
        State(ids.HAZ_LEDGER_TOKEN, "data"),
        State(ids.HAZ_LEDGER_STRICT, "value"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _ledger_import(_n, token, strict, lang):
        return ledger_import(state, token=token, strict="strict" in (strict or []),
                             lang=norm_lang(lang))

    @app.callback(
        Output(ids.HAZ_LEDGER_DOWNLOAD, "data"),
        Input(ids.HAZ_LEDGER_XLSX, "n_clicks"),
        Input(ids.HAZ_LEDGER_CSV, "n_clicks"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _ledger_export(_x, _c, lang):
        fmt = "csv" if ctx.triggered_id == ids.HAZ_LEDGER_CSV else "xlsx"
        return ledger_export(state, fmt=fmt, lang=norm_lang(lang))


__all__ = ["layout", "register", "update", "transition", "hazard_data", "counts_at",
           "map_payload", "filter_mask", "months_of", "CALLBACK_ACTIONS", "ledger_layout",
           "ledger_upload", "ledger_import", "ledger_export", "ledger_report_view"]
