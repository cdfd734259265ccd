"""The analyst tab: filters, the matching count, statistics by district × grade.

Cross-filtering: a filter change fits the map to the enterprises it keeps (unless "keep the
view" is ticked); the context layers (slopes, waterlogging, shelters) can be dimmed or hidden;
a click on a district in the chart or the table filters to it (a second click clears it);
"last inspection older than N months" keeps the overdue enterprises only (never inspected counts
as overdue). The attribute table of the same rows is :mod:`ui.panels.analysis_table`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html

from data.schema import INDUSTRIES
from data.table_export import months_before, overdue_mask
from layers.bridge import FILTER, command
from layers.map import row_mask_b64
from risk.grades import GRADES
from risk.stats import counts_by_district_grade, filter_mask
from ui import ids
from ui.i18n import norm_lang, tr, translator
from ui.panels import analysis_area, analysis_table
from ui.panels.analysis_locale import dropdown_labels
from ui.state import AppState

TEXT = {
    "keep_view": ("保持当前视图（筛选不移动地图）", "Keep the view (filters do not move the map)"),
    "others": ("其他图层", "Other layers"),
    "density": ("城市尺度显示密度（六边形，按等级加权；放大显示企业点）",
                "Density at city zoom (hexagons weighted by grade; zoom in for the points)"),
    "others_show": ("显示", "show"),
    "others_dim": ("淡化", "dim"),
    "others_hide": ("隐藏", "hide"),
    "overdue": ("最近检查早于（个月前）", "Last inspection older than (months)"),
    "overdue_ph": ("不限", "any"),
    "overdue_bad": ("月数须为 1–240 的整数，收到 {v} / months must be a whole number 1–240, got {v}",
                    "Months must be a whole number 1–240, got {v} / 月数须为 1–240 的整数，收到 {v}"),
    "overdue_note": ("检查逾期：最近检查早于 {d} 或从未检查", "Overdue: last inspected before {d} or never"),
    "pick_district": ("点击区名筛选该区（再次点击取消）", "Click a district to filter to it (again to clear)"),
}
tt = translator(TEXT)

MAX_MONTHS = 240
OTHERS = ("show", "dim", "hide")


def parse_months(value: object) -> int | None:
    """The overdue filter's month count: ``None`` for blank; a whole number 1–240, else ValueError.

    >>> parse_months(""), parse_months(6), parse_months("12")
    (None, 6, 12)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(str(value)) from None
    if not number.is_integer() or not 1 <= number <= MAX_MONTHS:
        raise ValueError(str(value))
    return int(number)


def _industry_label(value: str, lang: str) -> str:
    return INDUSTRIES.get(value, value) if lang == "en" else value


def district_label(state: AppState, name: str, lang: str) -> str:
    """"Luohu 罗湖区" in English, "罗湖区" in Chinese (when the dataset has English names)."""
    if lang != "en":
        return name
    d = state.dataset.districts
    if len(d) and "name_en" in d:
        en = dict(zip(d["name"], d["name_en"], strict=False)).get(name)
        if en:
            return f"{en} {name}"
    return name


def layout(state: AppState, lang: str) -> html.Div:
    industry_options, district_options = filter_options(state, lang)
    grade_options = [
        {"label": html.Span([html.Span(className="sw", style={"background": g.color}),
                             g.label(lang)]), "value": g.value}
        for g in GRADES
    ]
    return html.Div(
        className="panel",
        children=[
            html.H3(tr("filters", lang)),
            html.Label(tr("grade", lang)),
            dcc.Checklist(id=ids.FILTER_GRADES, options=grade_options,
                          value=[g.value for g in GRADES], className="grade-list",
                          persistence=True, persistence_type="session"),
            html.Label(tr("industry", lang)),
            dcc.Dropdown(id=ids.FILTER_INDUSTRIES, multi=True, placeholder=tr("all", lang),
                         options=industry_options, labels=dropdown_labels(lang),  # type: ignore[arg-type]
                         persistence=True, persistence_type="session"),
            html.Label(tr("district", lang)),
            dcc.Dropdown(id=ids.FILTER_DISTRICTS, multi=True, placeholder=tr("all", lang),
                         options=district_options, labels=dropdown_labels(lang),  # type: ignore[arg-type]
                         persistence=True, persistence_type="session"),
            dcc.Checklist(id=ids.FILTER_MAJOR,
                          options=[{"label": tr("major_only", lang), "value": "major"}],
                          value=[], persistence=True, persistence_type="session"),
            html.Label(tt("overdue", lang), htmlFor=ids.FILTER_OVERDUE),
            dcc.Input(id=ids.FILTER_OVERDUE, type="number", min=1, max=MAX_MONTHS, step=1,
                      placeholder=tt("overdue_ph", lang), debounce=True, className="num-input",
                      persistence=True, persistence_type="session"),
            html.Div(id=ids.FILTER_MESSAGE, className="note"),
            dcc.Checklist(id=ids.FILTER_DENSITY,
                          options=[{"label": tt("density", lang), "value": "density"}],
                          value=[], persistence=True, persistence_type="session"),
            dcc.Checklist(id=ids.FILTER_KEEP_VIEW,
                          options=[{"label": tt("keep_view", lang), "value": "keep"}],
                          value=[], persistence=True, persistence_type="session"),
            html.Div(className="inline", children=[
                html.Label(tt("others", lang) + " "),
                dcc.RadioItems(id=ids.FILTER_OTHERS, inline=True, value="show",
                               options=[{"label": tt(f"others_{m}", lang), "value": m}
                                        for m in OTHERS],
                               persistence=True, persistence_type="session"),
            ]),
            html.Button(tr("reset", lang), id=ids.FILTER_RESET, className="btn-link"),
            html.Div(id=ids.COUNT, className="count"),
            html.H3(tr("stats", lang)),
            html.Div(tt("pick_district", lang), className="note"),
            html.Div(id=ids.STATS_CHART, className="chart"),
            html.Div(id=ids.STATS_TABLE, className="table-wrap"),
            analysis_area.layout(state, lang),
            analysis_table.layout(state, lang),
        ],
    )


def _district_button(district: str, text: str, where: str) -> html.Button:
    return html.Button(text, id={"type": ids.STATS_DISTRICT, "name": district, "where": where},
                       className="btn-link district-pick", n_clicks=0, title=district,
                       style={"marginTop": 0, "fontSize": "inherit"})


def stats_chart(table, lang: str, names: dict | None = None) -> html.Div:
    """Stacked horizontal bars (plain HTML, no charting library to download)."""
    codes = [g.value for g in GRADES]
    peak = max(int(table["total"].max()), 1) if len(table) else 1
    rows = []
    for district, row in table.iterrows():
        segments = [
            html.Span(className="seg", title=f"{g.label(lang)}: {int(row[g.value])}",
                      style={"width": f"{100 * row[g.value] / peak:.2f}%", "background": g.color})
            for g in GRADES if row[g.value]
        ]
        rows.append(html.Div(className="bar-row", children=[
            html.Span(_district_button(str(district), (names or {}).get(district, str(district)),
                                       "chart"), className="bar-label",
                      # English names (Guangming, Longgang …) need more room than 52 px
                      style={"width": "74px"} if lang == "en" else None),
            html.Span(segments, className="bar"),
            html.Span(f"{int(row[codes].sum()):,}", className="bar-value"),
        ]))
    return html.Div(rows)


def stats_table(table, lang: str, names: dict | None = None) -> html.Table:
    codes = [g.value for g in GRADES]
    head = html.Tr([html.Th(tr("district", lang))]
                   + [html.Th(g.short_zh if lang == "zh" else g.value) for g in GRADES]
                   + [html.Th(tr("total", lang))])
    body = [
        html.Tr([html.Td(_district_button(str(d), (names or {}).get(d, str(d)), "table"))]
                + [html.Td(f"{int(r[c]):,}") for c in codes]
                + [html.Td(f"{int(r['total']):,}")])
        for d, r in table.iterrows()
    ]
    sums = table[codes + ["total"]].sum()
    foot = html.Tr([html.Th(tr("total", lang))] + [html.Th(f"{int(sums[c]):,}") for c in codes]
                   + [html.Th(f"{int(sums['total']):,}")])
    return html.Table([html.Thead(head), html.Tbody(body), html.Tfoot(foot)], className="stats")


def current_filter(state: AppState, grades, industries, districts, major,
                   overdue: int | None = None, *, today: dt.date | None = None):
    """The filter as a dict, its row mask over ``state.dataset.enterprises`` and the overdue
    cut-off date (``None`` without an overdue filter)."""
    ents = state.dataset.enterprises
    flt = {"grades": list(grades or []), "industries": list(industries or []),
           "districts": list(districts or []), "major": bool(major)}
    mask = filter_mask(ents, flt)
    cutoff = None
    if overdue is not None:
        cutoff = months_before(today or dt.date.today(), overdue)
        mask &= overdue_mask(ents, before=cutoff)
    return flt, mask, cutoff


FILTER_STATES = (State(ids.FILTER_GRADES, "value"), State(ids.FILTER_INDUSTRIES, "value"),
                 State(ids.FILTER_DISTRICTS, "value"), State(ids.FILTER_MAJOR, "value"),
                 State(ids.FILTER_OVERDUE, "value"))
"""The analyst filters as callback states, in :func:`filtered_mask`'s order (the attribute
table and the drawn area follow them)."""


def filtered_mask(state: AppState, grades, industries, districts, major, overdue):
    """The row mask of the analyst filters; an overdue value that does not parse is left out
    (the overview tab says why)."""
    try:
        months = parse_months(overdue)
    except ValueError:
        months = None
    return current_filter(state, grades, industries, districts, bool(major), months)[1]


def update_filters(state: AppState, grades, industries, districts, major, lang: str, *,
                   overdue: object = None, fit: bool = False, others: str = "show",
                   density: bool = False, today: dt.date | None = None):
    """The callback body: count text, chart, table, the filter command for the map and a
    message (a refused overdue value; else the overdue cut-off in words, or "").

    ``fit`` asks the map to fit what the filter keeps; ``others`` shows, dims or hides the
    context layers.
    """
    ds = state.dataset
    ents = ds.enterprises
    message: Any = ""
    try:
        months = parse_months(overdue)
    except ValueError as exc:
        months = None
        message = html.Span(tt("overdue_bad", lang).format(v=exc), className="error")
    flt, mask, cutoff = current_filter(state, grades, industries, districts, major, months,
                                       today=today)
    shown = ents[mask]
    order = ds.districts["name"].tolist() if len(ds.districts) else None
    table = counts_by_district_grade(shown, districts=order)
    data_attrs: dict[str, Any] = {"data-count": int(mask.sum())}
    count = html.Span([
        html.Span(tr("count", lang) + " "),
        html.Strong(f"{int(mask.sum()):,}", id="count-value", **data_attrs),
        html.Span(f" {tr('unit', lang)} / {tr('of_total', lang)} {len(ents):,}"),
    ])
    names = {d: district_label(state, d, lang).split(" ")[0] for d in table.index}
    fields: dict[str, Any] = dict(flt, fit=bool(fit), others=others if others in OTHERS else "show")
    if density:
        fields["density"] = True
    if cutoff is not None:
        fields["rowmask"] = row_mask_b64(mask.to_numpy())  # bits, not a row list
        message = tt("overdue_note", lang).format(d=cutoff.isoformat())
    return (count, stats_chart(table, lang, names), stats_table(table, lang, names),
            command(FILTER, **fields), message)


def pick_district(current: list | None, name: str) -> list[str]:
    """The district filter after a click on ``name``: only that district, or none when it was
    already the only one."""
    return [] if list(current or []) == [name] else [name]


def filter_options(state: AppState, lang: str) -> tuple[list[dict], list[dict]]:
    """Industry and district options of the data as it is now (they change after an import)."""
    ds = state.dataset
    ents = ds.enterprises
    industries = sorted(ents["industry"].unique().tolist()) if len(ents) else []
    districts = ds.districts["name"].tolist() if len(ds.districts) else sorted(
        ents["district"].unique().tolist()
    )
    return (
        [{"label": _industry_label(v, lang), "value": v} for v in industries],
        [{"label": district_label(state, d, lang), "value": d} for d in districts],
    )


def register(app: dash.Dash, state: AppState) -> None:
    @app.callback(
        Output(ids.FILTER_INDUSTRIES, "options"),
        Output(ids.FILTER_DISTRICTS, "options"),
        Input(ids.DATA_VERSION, "data"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    def _on_new_data(_version, lang):
        return filter_options(state, norm_lang(lang))

    @app.callback(
        Output(ids.COUNT, "children"),
        Output(ids.STATS_CHART, "children"),
        Output(ids.STATS_TABLE, "children"),
        Output(ids.MAP_COMMAND, "data", allow_duplicate=True),
        Output(ids.FILTER_MESSAGE, "children"),
        Input(ids.FILTER_GRADES, "value"),
        Input(ids.FILTER_INDUSTRIES, "value"),
        Input(ids.FILTER_DISTRICTS, "value"),
        Input(ids.FILTER_MAJOR, "value"),
        Input(ids.FILTER_OVERDUE, "value"),
        Input(ids.FILTER_OTHERS, "value"),
        Input(ids.FILTER_DENSITY, "value"),
        Input(ids.DATA_VERSION, "data"),
        State(ids.FILTER_KEEP_VIEW, "value"),
        State("lang", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _on_filter(grades, industries, districts, major, overdue, others, density, _version,
                   keep, lang):
        # a filter the analyst changed moves the map onto what it keeps; the first call, new
        # data and the other-layers switch do not
        trig = ctx.triggered_id
        fit = trig in (ids.FILTER_GRADES, ids.FILTER_INDUSTRIES, ids.FILTER_DISTRICTS,
                       ids.FILTER_MAJOR, ids.FILTER_OVERDUE) and "keep" not in (keep or [])
        return update_filters(state, grades, industries, districts, bool(major), norm_lang(lang),
                              overdue=overdue, fit=fit, others=others or "show",
                              density="density" in (density or []))

    @app.callback(
        Output(ids.FILTER_DISTRICTS, "value", allow_duplicate=True),
        Input({"type": ids.STATS_DISTRICT, "name": ALL, "where": ALL}, "n_clicks"),
        State(ids.FILTER_DISTRICTS, "value"),
        prevent_initial_call=True,
    )
    def _on_district(clicks, current):
        trig = ctx.triggered_id
        if not trig or not any(clicks or []):
            raise dash.exceptions.PreventUpdate
        return pick_district(current, trig["name"])

    analysis_table.register(app, state)
    analysis_area.register(app, state)

    @app.callback(
        Output(ids.FILTER_GRADES, "value"),
        Output(ids.FILTER_INDUSTRIES, "value"),
        Output(ids.FILTER_DISTRICTS, "value", allow_duplicate=True),
        Output(ids.FILTER_MAJOR, "value"),
        Output(ids.FILTER_OVERDUE, "value"),
        Input(ids.FILTER_RESET, "n_clicks"),
        prevent_initial_call=True,
    )
    def _on_reset(_):
        return [g.value for g in GRADES], [], [], [], None
