"""What the incident tab shows for one cordon: the zone table, the lists of priority
enterprises, evacuation shelters and checkpoints (:func:`result_view`), and the map command that
draws the rings (:func:`map_message`). Split from :mod:`ui.panels.incident`, which re-exports
them."""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_ag_grid as dag
import numpy as np
import shapely
from dash import html

from data.schema import SITE_KINDS
from layers.bridge import INCIDENT, command
from risk.coords import parse_lonlat
from risk.cordon import search_enterprises
from risk.cordon.exposure import column_values
from risk.grades import GRADES
from ui import ids
from ui.i18n import translator
from ui.panels.analysis_locale import locale_text

T = {
    "zones": ("分区统计", "By zone"),
    "zone": ("分区", "Zone"),
    "range": ("范围", "Range"),
    "major": ("重大危险源", "Major hazards"),
    "shelters": ("避难场所（容量）", "Shelters (capacity)"),
    "population": ("人口", "Population"),
    "slopes": ("边坡", "Slopes"),
    "water": ("积水点", "Waterlogging"),
    "priority": ("重点企业（红/橙及重大危险源，由近及远）",
                 "Priority enterprises (red/orange and major hazards, nearest first)"),
    "evac": ("可用于疏散的避难场所（管制区外，最近）",
             "Shelters for evacuation (outside the control zone, nearest)"),
    "checkpoints": ("道路与边界交点（候选管制点/警戒点）",
                    "Where roads cross the boundaries (candidate checkpoints)"),
    "center": ("事故点", "Incident"),
    "rings": ("警戒圈", "Cordon rings"),
    "downwind": ("下风向防护区", "Downwind protective-action area"),
    "downwind_text": ("风自 {w:g}° 吹来，下风向 {d:g} km 内：企业 红{red}/橙{orange}/黄{yellow}/蓝{blue}，"
                      "重大危险源 {major}，避难场所 {shelters}",
                      "Wind from {w:g}°, within {d:g} km downwind: enterprises red {red} / orange "
                      "{orange} / yellow {yellow} / blue {blue}, major hazards {major}, "
                      "shelters {shelters}"),
    "name": ("名称", "Name"),
    "grade": ("等级", "Grade"),
    "distance": ("距离 (m)", "Distance (m)"),
    "direction": ("方位", "Direction"),
    "industry": ("行业", "Industry"),
    "capacity": ("容量", "Capacity"),
    "road": ("道路", "Road"),
    "kind": ("类型", "Kind"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "more": ("仅列出最近的 {n} 家，另有 {more} 家见导出（CSV）",
             "Showing the nearest {n}; {more} more in the export (CSV)"),
    "sensitive": ("敏感目标（学校、医院、养老院等，须优先通知疏散）",
                  "Sensitive sites (schools, hospitals, care homes …: warn and evacuate first)"),
    "sites": ("处数", "Sites"),
    "people": ("人数", "People"),
    "by_kind": ("类别", "By kind"),
    "nearest": ("最近", "Nearest"),
    "hazards": ("未整改隐患（重大在前）", "Open hidden dangers (major first)"),
    "hz_major": ("重大隐患", "Major"),
    "hz_general": ("一般隐患", "General"),
    "downwind_nan": ("下风向距离须为公里数 / the downwind distance must be a number of km, "
                     "got {v!r}",
                     "the downwind distance must be a number of km, got {v!r} / 下风向距离须为"
                     "公里数"),
    "swapped": ("经纬度似乎填反了：经度 {lat}、纬度 {lon}？请交换后再试 / longitude and latitude "
                "look swapped: longitude {lat}, latitude {lon}? swap them",
                "longitude and latitude look swapped: longitude {lat}, latitude {lon}? swap "
                "them / 经纬度似乎填反了：经度 {lat}、纬度 {lon}？请交换后再试"),
}
"""Texts of the result view (Chinese, English)."""

tt = translator(T)


PRIORITY_ROWS = 100
"""Priority enterprises the tab's table holds (the nearest; a line says how many more there are
and the export has them all): the answer of every click stays small."""

_GRADE_LABELS = {lang: {g.value: g.label(lang) for g in GRADES} for lang in ("zh", "en")}


def _fmt_range(inner: float, outer: float) -> str:
    return f"{inner / 1000:g}–{outer / 1000:g} km"


def _zone_table(ex, lang: str) -> html.Table:
    head = [tt("zone", lang), ("红/橙/黄/蓝" if lang == "zh" else "R/O/Y/B"), tt("major", lang),
            tt("shelters", lang), tt("population", lang),
            ("边坡/积水" if lang == "zh" else "Slopes/water")]
    rows = []
    for r in ex.zone_rows():
        pop = "—" if r["population"] is None else f"{r['population']:,}"
        grades: list[str | html.Span] = []
        for g in GRADES:
            if grades:
                grades.append("/")
            grades.append(html.Span(f"{r[g.value]:,}", className=f"g-{g.value}"))
        name = r["name_en"] if lang == "en" else r["name"]
        rows.append(html.Tr([
            html.Td([html.Div(name), html.Div(_fmt_range(r["inner_m"], r["outer_m"]),
                                              className="muted")]),
            html.Td(grades), html.Td(f"{r['major_hazard']:,}"),
            html.Td(f"{r['shelters']:,} ({r['shelter_capacity']:,})"),
            html.Td(pop), html.Td(f"{r['slopes']:,}/{r['waterlogging']:,}"),
        ], **{"data-zone": r["zone"]}))
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                      className="stats zones", id="inc-zone-table")


GRADE_RANK = {g.value: i + 1 for i, g in enumerate(GRADES)}
"""Severity rank of a grade (1 = red 重大 … 4 = blue 低): the priority grid's grade column
holds it and shows the grade's label (``refData``); it sorts by severity
(``riskmapBySeverity`` in ``assets/riskmap-grid.js``): the first click on its header puts
重大 first (descending severity), the next 低 first."""


def _grade_column(lang: str) -> dict[str, Any]:
    """The grade column's definition beyond field and header: the rank as value, its label
    shown (``refData``), sorted by severity, most severe first on the first click."""
    labels = _GRADE_LABELS["en" if lang == "en" else "zh"]
    return {"refData": {str(GRADE_RANK[g.value]): labels[g.value] for g in GRADES},
            "comparator": {"function": "riskmapBySeverity"},
            "sortingOrder": ["desc", "asc", None], "width": 132 if lang == "en" else 84}


_FIXED_6 = {"function": "riskmapFixed(params.value, 6)"}
"""A grid valueFormatter: the number with six decimals (``assets/riskmap-grid.js``; the grid
parses the expression itself, nothing is ``eval``'d: the CSP allows it)."""

_WIDTHS = {"name": 150, "major_label": 92, "zone_label": 80, "distance_m": 84, "capacity": 76,
           "lon": 104, "lat": 92}


def _table(frame, columns: list[tuple[str, str]], *, table_id: str, lang: str,
           page_size: int = 10, extra: dict[str, list[Any]] | None = None,
           column_defs: dict[str, dict[str, Any]] | None = None) -> dag.AgGrid:
    """A read-only, sortable, paged grid (dash-ag-grid) of ``columns`` (id, header) of
    ``frame`` (a DataFrame, or columns as arrays: :meth:`Exposure.table_columns`), plus
    ``extra`` columns (lists aligned with it); ``distance_m`` in whole metres, ``lon``/``lat``
    to 1e-6 degree (shown with six decimals). The rows are built column by column
    (:func:`risk.cordon.exposure.column_values`), not through ``DataFrame.to_dict``; the cells
    are text (the grid does not render HTML). ``column_defs``: more of a column's definition
    (``{column: {...}}``, e.g. :func:`_grade_column`)."""
    extra = extra or {}
    column_defs = column_defs or {}
    shown = [(c, name) for c, name in columns if c in frame or c in extra]
    values = []
    for c, _ in shown:
        if c in extra:
            values.append(list(extra[c]))
        elif c == "distance_m":
            metres = np.round(np.asarray(frame[c], dtype=np.float64)).astype(np.int64)
            values.append(metres.tolist())
        elif c in ("lon", "lat"):  # to 1e-6 degree (~0.1 m), as the map draws them
            values.append(np.round(np.asarray(frame[c], dtype=np.float64), 6).tolist())
        else:
            values.append(column_values(frame[c]))
    keys = [c for c, _ in shown]
    rows = [dict(zip(keys, row, strict=True)) for row in zip(*values, strict=True)]

    def column(col: str, name: str) -> dict[str, Any]:
        spec: dict[str, Any] = {"field": col, "headerName": name, "headerTooltip": name}
        if col in _WIDTHS:
            spec["width"] = _WIDTHS[col]
        if col == "name":
            spec["tooltipField"] = col
        if col in ("lon", "lat"):
            spec.update(valueFormatter=_FIXED_6, type="numericColumn")
        elif col in ("distance_m", "capacity"):
            spec["type"] = "numericColumn"
        spec.update(column_defs.get(col, {}))
        return spec

    return dag.AgGrid(
        id=table_id, rowData=rows,
        columnDefs=[column(col, name) for col, name in shown],
        defaultColDef={"sortable": True, "resizable": True, "filter": False, "width": 90,
                       "minWidth": 56},
        dashGridOptions={"pagination": True, "paginationPageSize": page_size,
                         "paginationPageSizeSelector": False, "domLayout": "autoHeight",
                         "localeText": locale_text(lang), "animateRows": False,
                         "suppressFieldDotNotation": True, "rowHeight": 28,
                         "headerHeight": 30, "tooltipShowDelay": 300},
        style={"height": None, "width": "100%"}, className="ag-theme-alpine inc-grid",
    )


def _sensitive_table(summary: list[dict[str, Any]], lang: str) -> html.Table:
    """One row per zone of :func:`risk.cordon.sensitive_summary`: sites, people, by kind and
    the nearest three (name, distance, direction)."""
    en = lang == "en"
    head = [tt("zone", lang), tt("sites", lang), tt("people", lang), tt("by_kind", lang),
            tt("nearest", lang)]
    rows = []
    for z in summary:
        kinds = "、".join(
            f"{SITE_KINDS.get(k, (k, k))[1 if en else 0]} {v['sites']:,}"
            for k, v in z["by_kind"].items()) or "—"
        near = "；".join(f"{s['name']} {s['distance_m']:,} m {s['direction']}"
                        for s in z["nearest"][:3]) or "—"
        rows.append(html.Tr([
            html.Td(z["name_en"] if en else z["name"]), html.Td(f"{z['sites']:,}"),
            html.Td(f"{z['people']:,}"), html.Td(kinds), html.Td(near, className="muted"),
        ], **{"data-zone": z["zone"]}))
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                      className="stats zones", id="inc-sensitive-table")


def _hazard_table(ex, hazards: dict[str, Any], lang: str) -> html.Table:
    """Per zone: the open hidden dangers, major first (:func:`data.hazards.hazards_in_rings`)."""
    head = [tt("zone", lang), tt("hz_major", lang), tt("hz_general", lang)]
    rows = []
    for z in ex.zones:
        counts = hazards.get(z.zone, {})
        major, general = counts.get("major_open", 0), counts.get("general_open", 0)
        rows.append(html.Tr([
            html.Td(z.name(lang)),
            html.Td(f"{major:,}", className="hz-major" if major else ""),
            html.Td(f"{general:,}"),
        ], **{"data-zone": z.zone}))
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                      className="stats zones", id="inc-hazard-table")


def result_view(ex, lang: str, *, sensitive: list[dict[str, Any]] | None = None,
                hazards: dict[str, Any] | None = None) -> html.Div:
    """The result of one cordon; ``sensitive``: :func:`risk.cordon.sensitive_summary` of it
    (a table per zone), ``hazards``: :func:`data.hazards.hazards_in_rings` of it (open
    hidden dangers per zone); either left out is not shown."""
    en = lang == "en"
    pri = ex.table_columns("priority_enterprises", PRIORITY_ROWS)  # the export has them all
    shown = len(pri["lon"])
    extra = {}
    if shown:
        yes, no = ("yes", "—") if en else ("是", "—")
        zone_names = {z.zone: z.name(lang) for z in ex.zones}  # in the UI's language
        extra = {"grade_rank": [GRADE_RANK.get(v, len(GRADES) + 1) for v in pri["grade"].tolist()],
                 "zone_label": [zone_names.get(z, "") for z in pri["zone"].tolist()],
                 "major_label": [yes if bool(v) else no for v in pri["major_hazard"].tolist()]}
    more = ex.priority_total - shown
    cp = ex.checkpoints
    children = [
        html.H3(f"{tt('center', lang)} {ex.center[0]:.5f}, {ex.center[1]:.5f}"),
        html.H3(tt("zones", lang)), _zone_table(ex, lang),
        *([html.P(tt("downwind_text", lang).format(
            w=ex.downwind["wind_from_deg"], d=ex.downwind["distance_m"] / 1000,
            major=ex.downwind["major_hazard"], shelters=ex.downwind["shelters"],
            **ex.downwind["enterprises"]), id="inc-downwind", className="hint")]
          if ex.downwind else []),
        *([html.H3(f"{tt('sensitive', lang)} · {sum(z['sites'] for z in sensitive):,}"),
           _sensitive_table(sensitive, lang)] if sensitive is not None else []),
        *([html.H3(f"{tt('hazards', lang)} · "
                   f"{sum(v.get('major_open', 0) for v in hazards.values()):,}"
                   f" / {sum(v.get('general_open', 0) for v in hazards.values()):,}"),
           _hazard_table(ex, hazards, lang)] if hazards is not None else []),
        html.H3(f"{tt('priority', lang)} · {ex.priority_total:,}"),
        _table(pri, [("name", tt("name", lang)), ("grade_rank", tt("grade", lang)),
                     ("major_label", tt("major", lang)),
                     ("zone_label", tt("zone", lang)), ("distance_m", tt("distance", lang)),
                     ("direction_en" if en else "direction", tt("direction", lang)),
                     ("industry", tt("industry", lang))],
               table_id=ids.INC_PRIORITY_TABLE, lang=lang, extra=extra,
               column_defs={"grade_rank": _grade_column(lang),
                            **({"zone_label": {"width": 150}} if en else {})}),
        *([html.P(tt("more", lang).format(n=shown, more=more), id="inc-priority-more",
                  className="hint")] if more > 0 else []),
        html.H3(tt("evac", lang)),
        _table(ex.table_columns("evacuation_shelters"),
               [("name", tt("name", lang)), ("capacity", tt("capacity", lang)),
                ("distance_m", tt("distance", lang)),
                ("direction_en" if en else "direction", tt("direction", lang))],
               table_id="inc-evac-table", lang=lang, page_size=5),
        html.H3(f"{tt('checkpoints', lang)} · {len(cp):,}"),
        _table(cp, [("kind_en" if en else "kind", tt("kind", lang)),
                    ("road_name", tt("road", lang)),
                    ("direction", tt("direction", lang)), ("lon", tt("lon", lang)),
                    ("lat", tt("lat", lang))],
               table_id="inc-checkpoint-table", lang=lang, page_size=8),
    ]
    return html.Div(children, id="inc-result-body")


def map_message(ex, lang: str, *, fit: bool) -> dict[str, Any]:
    """The command that makes the map draw this incident's rings and checkpoints (the rings'
    GeoJSON built from the vertex arrays, :meth:`Exposure.rings_geojson`; every coordinate to
    1e-6°, ~0.1 m)."""
    rings_geo = ex.rings_geojson(decimals=6)
    cp = ex.checkpoints
    n = len(cp)

    def column(name: str) -> list[Any]:
        return cp[name].tolist() if name in cp.columns else [""] * n

    kinds = column("kind_en" if lang == "en" else "kind")
    lon, lat = (np.round(cp[c].to_numpy(dtype=np.float64), 6).tolist() for c in ("lon", "lat"))
    cps = [{"type": "Feature", "properties": {"label": f"{kind} · {road}"},
            "geometry": {"type": "Point", "coordinates": [x, y]}}
           for kind, road, x, y in zip(kinds, column("road_name"), lon, lat, strict=True)]
    palette = {"core": "#b2182b", "control": "#e66101", "warning": "#d4a300"}
    legend = [[palette.get(z.zone, "#d7191c"), z.label(lang),
               z.zone != "core"] for z in ex.zones]
    downwind = None
    if ex.downwind:
        downwind = {"type": "Feature", "properties": {"label": tt("downwind", lang)},
                    "geometry": json.loads(shapely.to_geojson(
                        shapely.set_precision(ex.downwind["geometry"], 1e-6)))}
        legend.append(["#2b8cbe", tt("downwind", lang), True])
    return command(
        INCIDENT,
        downwind=downwind,
        legend=legend, legendTitle=tt("rings", lang),
        lon=ex.center[0], lat=ex.center[1],
        rings=rings_geo, checkpoints={"type": "FeatureCollection", "features": cps},
        palette=palette, fit=fit,
        label=f"{tt('center', lang)} {ex.center[0]:.5f}, {ex.center[1]:.5f}",
    )


def search_options(state: Any, text, value) -> list[dict] | object:
    """Dropdown options: enterprises matching ``text`` in any part of the name, address or id
    (:func:`risk.cordon.search_enterprises`, best first), labelled name · address · district."""
    ents = state.dataset.enterprises
    if not text:
        if value is not None:
            hit = ents[ents["id"] == value]
            if len(hit):
                return [{"label": str(hit["name"].iloc[0]), "value": value}]
        return dash.no_update
    found = search_enterprises(ents, str(text), limit=30)
    return [{"label": " · ".join(str(r[c]) for c in ("name", "address", "district")
                                 if str(r[c] or "").strip()),
             "value": r["id"]}
            for r in found.to_dict("records")]


def typed_lonlat(lon_text: str, lat_text: str, lang: str) -> tuple[float, float]:
    """The place typed in the two boxes (:func:`risk.coords.parse_lonlat`: decimal degrees,
    度分秒 / DMS, hemisphere letters; both in the longitude box with the latitude box empty);
    ``ValueError`` in Chinese and English, saying so when the two look swapped."""
    try:
        return parse_lonlat(lon_text, lat_text)
    except ValueError:
        try:
            parse_lonlat(lat_text, lon_text)
        except ValueError:
            pass
        else:
            if lat_text:
                raise ValueError(tt("swapped", lang).format(lon=lon_text, lat=lat_text)) from None
        raise


def parse_downwind_km(text: Any, lang: str = "zh") -> float | None:
    """The downwind distance typed in km → metres (``None`` when left empty: the outer
    radius); the range is checked with the wind (:func:`risk.cordon.validate_wind`)."""
    import unicodedata

    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not raw:
        return None
    try:
        return float(raw.removesuffix("km").strip()) * 1000.0
    except ValueError:
        raise ValueError(tt("downwind_nan", lang).format(v=str(text))) from None
