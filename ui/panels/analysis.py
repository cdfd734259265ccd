"""The analyst tab: filters, the matching count, statistics by district × grade."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from data.schema import INDUSTRIES
from layers.bridge import FILTER, command
from risk.grades import GRADES
from risk.stats import counts_by_district_grade, filter_mask
from ui import ids
from ui.i18n import norm_lang, tr
from ui.state import AppState


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
                         options=industry_options,
                         persistence=True, persistence_type="session"),
            html.Label(tr("district", lang)),
            dcc.Dropdown(id=ids.FILTER_DISTRICTS, multi=True, placeholder=tr("all", lang),
                         options=district_options,
                         persistence=True, persistence_type="session"),
            dcc.Checklist(id=ids.FILTER_MAJOR,
                          options=[{"label": tr("major_only", lang), "value": "major"}],
                          value=[], persistence=True, persistence_type="session"),
            html.Button(tr("reset", lang), id=ids.FILTER_RESET, className="btn-link"),
            html.Div(id=ids.COUNT, className="count"),
            html.H3(tr("stats", lang)),
            html.Div(id=ids.STATS_CHART, className="chart"),
            html.Div(id=ids.STATS_TABLE, className="table-wrap"),
        ],
    )


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
            html.Span((names or {}).get(district, str(district)), className="bar-label"),
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
        html.Tr([html.Td((names or {}).get(d, str(d)))] + [html.Td(f"{int(r[c]):,}") for c in codes]
                + [html.Td(f"{int(r['total']):,}")])
        for d, r in table.iterrows()
    ]
    sums = table[codes + ["total"]].sum()
    foot = html.Tr([html.Th(tr("total", lang))] + [html.Th(f"{int(sums[c]):,}") for c in codes]
                   + [html.Th(f"{int(sums['total']):,}")])
    return html.Table([html.Thead(head), html.Tbody(body), html.Tfoot(foot)], className="stats")


def update_filters(state: AppState, grades, industries, districts, major, lang: str):
    """The callback body: count text, chart, table, and the filter command for the map."""
    ds = state.dataset
    ents = ds.enterprises
    flt = {"grades": list(grades or []), "industries": list(industries or []),
           "districts": list(districts or []), "major": bool(major)}
    mask = filter_mask(ents, flt)
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
    return (count, stats_chart(table, lang, names), stats_table(table, lang, names),
            command(FILTER, **flt))


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
        Input(ids.FILTER_GRADES, "value"),
        Input(ids.FILTER_INDUSTRIES, "value"),
        Input(ids.FILTER_DISTRICTS, "value"),
        Input(ids.FILTER_MAJOR, "value"),
        Input(ids.DATA_VERSION, "data"),
        State("lang", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _on_filter(grades, industries, districts, major, _version, lang):
        return update_filters(state, grades, industries, districts, bool(major), norm_lang(lang))

    @app.callback(
        Output(ids.FILTER_GRADES, "value"),
        Output(ids.FILTER_INDUSTRIES, "value"),
        Output(ids.FILTER_DISTRICTS, "value"),
        Output(ids.FILTER_MAJOR, "value"),
        Input(ids.FILTER_RESET, "n_clicks"),
        prevent_initial_call=True,
    )
    def _on_reset(_):
        return [g.value for g in GRADES], [], [], []
