"""One-page PDFs of the road-network results: N-minute rescue coverage and evacuation.

:func:`render_coverage_pdf` draws a :class:`ui.workflows.network.CoverageResult` (service areas
coloured by their nearest team, the teams, the gap hatched grey, the suggested next station,
the priority enterprises not reached) with the per-district table (population, reached, share,
red / orange / major-hazard enterprises reached of total) and the overall row.
:func:`render_evacuation_pdf` draws an :class:`ui.workflows.network.EvacuationResult` (the
rings in the map's ring styles, every cell → shelter assignment along the open roads with its
width by people, shelters sized by load inside a ring sized by capacity) with the per-shelter
table (capacity, assigned, load, longest time) and the people who cannot be placed.

A portrait page (A3 or A4; vector, literal text, Noto Sans SC embedded, :mod:`layers.fonts`):
title, the map across the page with scale bar and north arrow true at its centre, the legend
with the CRS / data / synthetic note below it on the left, the table on the right; a table too
long for its room ends in "… 另 N 条 / N more" (page parts: :mod:`layers.print_network_parts`).
The results are duck-typed (this floor does not import ``ui``): any object with the attributes
named above will do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from layers.print_briefing_parts import dataset_layer
from layers.print_draw import _draw_lines, _draw_polygons, draw_incident
from layers.print_frames import PrintMapError, _padded
from layers.print_network_parts import (
    FLOW_COLOR,
    GAP_COLOR,
    MAIN_ROADS,
    PAPERS,
    TEAM_PALETTE,
    NetPage,
    check_lang,
    district_names_en,
    draw_context,
    draw_furniture,
    draw_header,
    draw_net_table,
    finish_page,
    fitted_page,
    greedy_colours,
    info_lines,
    map_axes,
    marker_handle,
    new_figure,
    paper_page,
    rows_room,
    scaled_cols,
)
from layers.print_page import MapView, fit_view
from layers.print_parts import (
    Legend,
    bilingual,
    halo_text,
    map_crs,
    wrap_display,
)
from layers.print_sheet import PT_MM, Col, cut_rows

__all__ = ["render_coverage_pdf", "render_evacuation_pdf", "PAPERS", "TEAM_PALETTE"]


# --------------------------------------------------------------------------------------------
# coverage


def render_coverage_pdf(dataset: Any, result: Any, *, lang: str = "zh", title: str | None = None,
                        paper: str = "A3", kinds: Sequence[str] = (),
                        now: str | None = None) -> bytes:
    """The one-page coverage PDF of ``result`` (a ``CoverageResult`` of ``dataset``, or of a
    user's district view of it: what is drawn and counted is that view).

    Parameters
    ----------
    dataset
        The :class:`data.dataset.Dataset` (view) the coverage was computed on.
    result
        ``ui.workflows.network.coverage``'s result (``minutes``, ``summary``, ``areas``,
        ``gaps``, ``enterprises``, ``suggestion``, ``notes``).
    lang
        ``"zh"`` (Chinese first, English alongside) or ``"en"``.
    title
        The page's title (default "N 分钟应急救援覆盖 / N-minute rescue coverage").
    paper
        ``"A3"`` or ``"A4"`` (portrait).
    kinds
        The team kinds the coverage was limited to (printed; empty: every team).
    now
        The time printed as "generated" (ISO 8601; default now, China Standard Time).

    Raises
    ------
    PrintMapError
        A bad ``lang`` or ``paper``.
    """
    from data.sysdb import now_iso
    from layers.printmap import _RENDER_LOCK, _print_context

    check_lang(lang)
    page = paper_page(paper)
    now = now or now_iso()
    districts = dataset.districts
    bounds = [tuple(districts.total_bounds)] if len(districts) else []
    for frame in (result.areas, result.gaps):
        if len(frame):
            bounds.append(tuple(frame.total_bounds))
    if not bounds:
        raise PrintMapError("没有可绘制的区域 / nothing to draw: no districts and no coverage")
    arr = np.array(bounds, dtype=float)
    bbox = _padded((arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max()), 0.02)
    page = fitted_page(page, bbox, most=150.0)
    view = fit_view(bbox, map_crs(bbox), page.layout())
    with _RENDER_LOCK, _print_context():
        return _coverage_page(dataset, result, page, view, lang, title, tuple(kinds), now)


def _coverage_page(dataset: Any, result: Any, page: NetPage, view: MapView, lang: str,
                   title: str | None, kinds: tuple[str, ...], now: str) -> bytes:
    from matplotlib.patches import Patch

    s, m = page.s, result.minutes
    fig = new_figure(page)
    o = result.summary["overall"]
    share = 100.0 * o["population_reached"] / o["population"] if o["population"] else 0.0
    zh_title = title or f"{m:g} 分钟应急救援覆盖"
    en_title = title or f"{m:g}-minute rescue coverage"
    which = ("、".join(kinds), ", ".join(kinds)) if kinds else ("全部队伍", "every team")
    lines = [f"{bilingual('队伍', 'Teams', lang)}：{bilingual(*which, lang)} · "
             + bilingual(f"覆盖人口 {o['population_reached']:,} / {o['population']:,}"
                         f"（{share:.1f}%）",
                         f"population reached {o['population_reached']:,} of "
                         f"{o['population']:,} ({share:.1f}%)", lang)]
    if result.suggestion:
        sg = result.suggestion
        lines.append(bilingual(
            f"建议新增站点 {sg['lon']:.5f}°E, {sg['lat']:.5f}°N：可增加覆盖 "
            f"{sg['population_added']:,} 人",
            f"Next station here {sg['lon']:.5f}°E, {sg['lat']:.5f}°N: adds "
            f"{sg['population_added']:,} people", lang))
    draw_header(fig, page, ("应急救援服务网", "Rescue service network"), (zh_title, en_title),
            lines, lang)

    ax = map_axes(fig, page, view)
    legend = Legend([])
    draw_context(ax, dataset, view, legend, lang, classes=MAIN_ROADS)
    legend.header(bilingual(f"{m:g} 分钟覆盖", f"{m:g}-minute coverage", lang))
    areas = result.areas
    if len(areas):  # cell squares merged exactly (their float edges need not coincide)
        merged = [shapely.union_all(shapely.get_parts(g), grid_size=1e-7) for g in areas.geometry]
        areas = areas.set_geometry(merged, crs=4326).to_crs(view.crs)
    colour_of: dict[str, str] = {}
    if len(areas):
        idx = greedy_colours(list(areas.geometry.values), len(TEAM_PALETTE))
        colours = [TEAM_PALETTE[i] for i in idx]
        colour_of = {str(t): c for t, c in zip(areas["team_id"], colours, strict=True)}
        for colour in sorted(set(colours)):
            part = areas[[c == colour for c in colours]]
            _draw_polygons(ax, part, facecolor=colour, edgecolor="none", alpha=0.38, zorder=2.5)
        _draw_polygons(ax, areas, facecolor="none", edgecolor="white", linewidth=0.35 * s,
                       zorder=2.6)
        legend.add(Patch(facecolor=TEAM_PALETTE[0], alpha=0.45, edgecolor="white"),
                   bilingual(f"服务范围（按最近队伍）{len(areas):,}",
                             f"Service areas (nearest team) {len(areas):,}", lang))
    if len(result.gaps):
        gap = shapely.union_all(result.gaps.geometry.values, grid_size=1e-7)
        gap_gdf = gpd.GeoDataFrame(geometry=[gap], crs=4326).to_crs(view.crs)
        _draw_polygons(ax, gap_gdf, facecolor=GAP_COLOR, edgecolor="#616161", alpha=0.55,
                       linewidth=0.0, hatch="////", zorder=2.7)
        people = int(round(float(result.gaps["people"].sum())))
        legend.add(Patch(facecolor=GAP_COLOR, edgecolor="#616161", alpha=0.55, hatch="////"),
                   bilingual(f"未覆盖 {people:,} 人", f"Not reached {people:,}", lang))
    fwd = Transformer.from_crs(4326, view.crs, always_xy=True)
    teams = dataset_layer(dataset, "rescue_teams")
    if teams is not None and kinds:
        teams = teams[teams["kind"].isin(kinds)]
    if teams is not None and len(teams):
        pts = teams.geometry.representative_point()
        tx, ty = fwd.transform(pts.x.to_numpy(), pts.y.to_numpy())
        face = [colour_of.get(str(t), "#ffffff") for t in teams["id"]]
        ax.scatter(tx, ty, s=(4.6 * s) ** 2, marker="P", c=face, edgecolors="#111111",
                   linewidths=0.5, zorder=19)
        legend.add(marker_handle(TEAM_PALETTE[0], "P", "#111111", 6.0 * s),
                   bilingual(f"救援队伍 {len(teams):,}", f"Rescue teams {len(teams):,}", lang))
        if "#ffffff" in face:
            legend.add(marker_handle("#ffffff", "P", "#111111", 6.0 * s),
                       bilingual("队伍（无独占服务范围）", "Team (no area of its own)", lang))
    ent = result.enterprises
    if len(ent):
        grade = ent["grade"].astype(str).to_numpy()
        miss = ent["minutes"].isna().to_numpy() & (np.isin(grade, ("red", "orange"))
                                                   | ent["major_hazard"].astype(bool).to_numpy())
        if miss.any():
            ex, ey = fwd.transform(ent.geometry.x.to_numpy()[miss], ent.geometry.y.to_numpy()[miss])
            ax.scatter(ex, ey, s=(3.6 * s) ** 2, marker="X", c="#c62828", edgecolors="white",
                       linewidths=0.4, zorder=20)
            legend.add(marker_handle("#c62828", "X", "white", 5.5 * s),
                       bilingual(f"未覆盖重点企业 {int(miss.sum()):,}",
                                 f"Priority firms not reached {int(miss.sum()):,}", lang))
    if result.suggestion:
        sg = result.suggestion
        sx, sy = fwd.transform(sg["lon"], sg["lat"])
        ax.scatter([sx], [sy], s=(11 * s) ** 2, marker="*", c="#ffd600", edgecolors="#b71c1c",
                   linewidths=1.0, zorder=21)
        halo_text(ax, sx, sy, "  " + bilingual("建议新增站点", "Next station", lang), ha="left",
                  va="center", fontsize=6.5 * s, color="#b71c1c", zorder=22, clip_on=True,
                  halo=2.2)
        legend.add(marker_handle("#ffd600", "*", "#b71c1c", 10.0 * s),
                   bilingual(f"建议新增站点 +{sg['population_added']:,} 人",
                             f"Next station +{sg['population_added']:,}", lang))
    draw_furniture(ax, page, view, lang)

    # the table: per district, then overall
    names_en = district_names_en(dataset)
    cols = scaled_cols([Col("区", "District", 27), Col("人口", "Population", 19, "right"),
                    Col("覆盖人口", "Reached", 19, "right"), Col("覆盖率", "Share", 12, "right"),
                    Col("红色企业", "Red", 14, "right"), Col("橙色企业", "Orange", 14, "right"),
                    Col("重大危险源", "Major hazards", 16, "right")], s)

    def row(label: str, v: dict[str, Any]) -> list[str]:
        e = v["enterprises"]
        pct = f"{100.0 * v['population_reached'] / v['population']:.1f}%" if v["population"] \
            else "–"
        return [label, f"{v['population']:,}", f"{v['population_reached']:,}", pct,
                *(f"{e[g][0]:,}/{e[g][1]:,}" for g in ("red", "orange", "major_hazard"))]

    rows = []
    for name, v in result.summary.items():
        if name == "overall":
            continue
        en = names_en.get(name, "")
        label = (f"{en} {name}" if lang == "en" else f"{name} {en}") if en else name
        rows.append(row(label, v))
    top = page.lower_top
    room = rows_room(page, top, page.bottom - 16 * s)
    shown = cut_rows(rows, max(room - 1, 1), lang)
    shown.append(row(bilingual("全市合计", "Overall", lang), o))
    caption = bilingual(f"各区 {m:g} 分钟覆盖（企业：覆盖/总数）",
                        f"Coverage within {m:g} min by district (enterprises: reached/total)",
                        lang)
    y = draw_net_table(fig, page, x=page.table_x, top=top, cols=cols, rows=shown, lang=lang,
               caption=caption, bold_rows=frozenset({len(shown) - 1}))
    notes = [bilingual("时间为路网通行时间，含队伍出动准备时间（ready_min）；服务范围按人口格网计。",
                       "Times are travel times on the road network, each team's readiness "
                       "(ready_min) included; areas are population cells.", lang),
             *result.notes]
    font = 5.0 * s
    text_w = sum(c.width for c in cols)
    lines_out: list[str] = []
    for note in notes:
        lines_out += wrap_display(note, int(text_w / (font * PT_MM * 0.56)))
    shown_notes = lines_out[:6]
    fig.text(page.table_x / page.w, 1 - (y + 2.5 * s) / page.h, "\n".join(shown_notes),
             ha="left", va="top", fontsize=font, color="#444444", linespacing=1.3,
             parse_math=False)
    y += 2.5 * s + len(shown_notes) * font * 1.3 * PT_MM * 1.2 + 5.0 * s
    if len(result.areas) and rows_room(page, y, page.bottom) >= 3:  # who covers the most people
        team_cols = scaled_cols([Col("", "", 8, "right"), Col("救援队伍", "Rescue team", 62),
                             Col("服务人口", "People served", 24, "right"),
                             Col("最远(分)", "Minutes max", 20, "right")], s)
        by_people = result.areas.sort_values("people", ascending=False, kind="stable")
        team_rows = [[str(k + 1), str(r["name"]), f"{int(r['people']):,}",
                      f"{float(r['minutes_max']):.1f}"]
                     for k, r in enumerate(by_people.to_dict("records"))]
        draw_net_table(fig, page, x=page.table_x, top=y, cols=team_cols, lang=lang,
               rows=cut_rows(team_rows, rows_room(page, y, page.bottom), lang),
               caption=bilingual(f"各队伍服务范围（{len(team_rows):,} 支，按服务人口）",
                                 f"Service area per team ({len(team_rows):,}, most people "
                                 "first)", lang))
    info = info_lines(dataset, view, lang, [], now)
    meta = {"Title": f"{zh_title} / {en_title}", "Subject": "应急救援覆盖 Rescue coverage"}
    return finish_page(fig, page, legend, info, lang, meta)


# --------------------------------------------------------------------------------------------
# evacuation


def render_evacuation_pdf(dataset: Any, result: Any, *, lang: str = "zh",
                          title: str | None = None, paper: str = "A3",
                          center: tuple[float, float] | None = None,
                          radii_m: Sequence[float] | None = None, now: str | None = None) -> bytes:
    """The one-page evacuation PDF of ``result`` (an ``EvacuationResult`` of ``dataset``).

    Parameters
    ----------
    dataset
        The :class:`data.dataset.Dataset` (view) the evacuation was computed on.
    result
        ``ui.workflows.network.evacuate``'s result (``population``, ``unplaced``,
        ``shelters``, ``flows``, ``radius_m``, ``core_m``; ``center`` and ``radii_m`` when it
        has them).
    lang
        ``"zh"`` or ``"en"``.
    title
        The page's title (default "疏散安置方案 / Evacuation to shelters").
    paper
        ``"A3"`` or ``"A4"`` (portrait).
    center, radii_m
        The incident place (lon, lat) and its rings; default: the result's own.
    now
        The time printed as "generated" (ISO 8601).

    Raises
    ------
    PrintMapError
        A bad ``lang`` or ``paper``, or no incident place.
    """
    from data.sysdb import now_iso
    from layers.printmap import _RENDER_LOCK, _print_context, incident_rings

    check_lang(lang)
    page = paper_page(paper)
    now = now or now_iso()
    center = center if center is not None else getattr(result, "center", None)
    if center is None:
        raise PrintMapError("缺少事发点 / `center` (lon, lat) of the incident is needed")
    radii = tuple(radii_m if radii_m is not None else getattr(result, "radii_m", ()) or
                  tuple(r for r in (result.core_m, result.radius_m) if r > 0))
    try:
        rings = incident_rings(float(center[0]), float(center[1]), radii)
    except ValueError as exc:
        raise PrintMapError(str(exc)) from exc
    zone = rings[rings["outer_m"] <= result.radius_m + 1e-6]
    bounds = [tuple((zone if len(zone) else rings).total_bounds)]
    used = result.shelters[result.shelters["assigned"] > 0]
    for frame in (result.flows, used):
        if len(frame):
            bounds.append(tuple(frame.total_bounds))
    arr = np.array(bounds, dtype=float)
    bbox = _padded((arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max()), 0.04)
    page = fitted_page(page, bbox, most=150.0)
    view = fit_view(bbox, map_crs(bbox), page.layout())
    with _RENDER_LOCK, _print_context():
        return _evacuation_page(dataset, result, page, view, rings, (float(center[0]),
                                                                    float(center[1])),
                                lang, title, now)


def _load_colour(load: float) -> str:
    return "#c62828" if load >= 0.999 else ("#f9a825" if load >= 0.8 else "#2e7d32")


def _evacuation_page(dataset: Any, result: Any, page: NetPage, view: MapView,
                     rings: gpd.GeoDataFrame, center: tuple[float, float], lang: str,
                     title: str | None, now: str) -> bytes:
    from matplotlib.lines import Line2D

    s = page.s
    fig = new_figure(page)
    shelters = result.shelters
    assigned = int(shelters["assigned"].sum())
    r_km, c_km = result.radius_m / 1000, result.core_m / 1000
    zh_title = title or "疏散安置方案"
    en_title = title or "Evacuation to shelters"
    lines = [f"{bilingual('事发点', 'Incident', lang)} {center[0]:.6f}°E, {center[1]:.6f}°N · "
             + bilingual(f"疏散区 {r_km:g} km，核心区 {c_km:g} km 内道路封闭",
                         f"evacuated zone {r_km:g} km, roads closed within {c_km:g} km", lang),
             bilingual(f"疏散人口 {result.population:,}，已安置 {assigned:,}，无法安置 "
                       f"{result.unplaced:,}",
                       f"{result.population:,} people to evacuate, {assigned:,} placed, "
                       f"{result.unplaced:,} cannot be placed", lang)]
    draw_header(fig, page, ("疏散安置", "Evacuation"), (zh_title, en_title), lines, lang)

    ax = map_axes(fig, page, view)
    legend = Legend([])
    draw_context(ax, dataset, view, legend, lang, classes=None)
    fwd = Transformer.from_crs(4326, view.crs, always_xy=True)
    ix, iy = fwd.transform(*center)
    draw_incident(ax, rings.to_crs(view.crs), (ix, iy), legend, lang, 6.0 * s)
    legend.header(bilingual("疏散分配", "Evacuation assignment", lang))
    flows = result.flows
    flows = flows[flows.geometry.notna()] if len(flows) else flows
    pmax = float(flows["people"].max()) if len(flows) else 0.0

    def width(p: Any) -> Any:
        return (0.3 + 2.8 * np.sqrt(np.asarray(p, dtype=float) / pmax)) * s if pmax else 0.5

    if len(flows):
        order = flows.sort_values("people")
        proj = order.to_crs(view.crs)
        _draw_lines(ax, proj, colors=FLOW_COLOR, linewidths=width(order["people"].to_numpy()),
                    alpha=0.55, zorder=11, capstyle="round", joinstyle="round")
        for p in sorted({pmax, round(pmax / 4), round(pmax / 16)}, reverse=True):
            if p > 0:
                legend.add(Line2D([], [], color=FLOW_COLOR, alpha=0.7, linewidth=float(width(p))),
                           bilingual(f"疏散路线 {p:,.0f} 人", f"Route {p:,.0f} people", lang))
    # shelters: a ring sized by capacity around a disc sized by the people assigned
    table = _shelter_order(shelters)
    if len(table):
        pts = table.geometry
        sx, sy = fwd.transform(pts.x.to_numpy(), pts.y.to_numpy())
        cap = table["capacity"].to_numpy(float)
        got = table["assigned"].to_numpy(float)
        top = max(float(cap.max()), 1.0)
        d_cap = 3.0 * s + 11.0 * s * np.sqrt(cap / top)
        d_got = 11.0 * s * np.sqrt(got / top) + 3.0 * s * (got > 0)
        load = np.divide(got, cap, out=np.zeros_like(got), where=cap > 0)
        ax.scatter(sx, sy, s=d_cap ** 2, marker="o", facecolors="white", edgecolors="#1b5e20",
                   linewidths=0.8, alpha=0.9, zorder=17)
        ax.scatter(sx, sy, s=d_got ** 2, marker="o", c=[_load_colour(v) for v in load],
                   edgecolors="none", alpha=0.9, zorder=18)
        n_label = int((got > 0).sum())
        for k in range(min(n_label, 40)):
            halo_text(ax, sx[k], sy[k], str(k + 1), ha="center", va="center",
                      fontsize=5.0 * s, color="#111111", zorder=19, clip_on=True, halo=1.8)
        legend.add(marker_handle("white", "o", "#1b5e20", 9.0 * s),
                   bilingual("避难场所（圈：容量）", "Shelter (ring: capacity)", lang))
        for colour, zh, en in (("#2e7d32", "安置 < 80%", "load < 80 %"),
                               ("#f9a825", "安置 80–99%", "load 80–99 %"),
                               ("#c62828", "满员", "full")):
            legend.add(marker_handle(colour, "o", "none", 6.0 * s), bilingual(zh, en, lang))
    if result.unplaced:
        legend.add(marker_handle("#000000", "none", "none", 1.0),
                   bilingual(f"无法安置 {result.unplaced:,} 人", f"Unplaced {result.unplaced:,}", lang))
    draw_furniture(ax, page, view, lang)

    cols = scaled_cols([Col("序号", "No.", 8, "right"), Col("避难场所", "Shelter", 38),
                    Col("容量(人)", "Capacity", 17, "right"),
                    Col("安置(人)", "Assigned", 17, "right"), Col("负荷", "Load", 12, "right"),
                    Col("最长用时(分)", "Minutes max", 17, "right")], s)
    rows = []
    for k, r in enumerate(table.to_dict("records")):
        cap_k, got_k = int(r["capacity"]), int(r["assigned"])
        rows.append([str(k + 1), str(r["name"]), f"{cap_k:,}", f"{got_k:,}",
                     f"{100.0 * got_k / cap_k:.0f}%" if cap_k else "–",
                     f"{float(r['minutes_max']):.1f}" if got_k else "–"])
    top_y = page.lower_top
    room = rows_room(page, top_y, page.bottom - 10 * s)
    shown = cut_rows(rows, max(room - 2, 1), lang)
    total_cap = int(shelters["capacity"].sum())
    shown.append(["", bilingual("合计", "Total", lang), f"{total_cap:,}", f"{assigned:,}",
                  f"{100.0 * assigned / total_cap:.0f}%" if total_cap else "–", ""])
    shown.append(["", bilingual("无法安置", "Cannot be placed", lang), "",
                  f"{result.unplaced:,}", "", ""])
    caption = bilingual(f"各避难场所安置（{len(shelters):,} 处，按安置人数）",
                        f"Assignment per shelter ({len(shelters):,}, most people first)", lang)
    y = draw_net_table(fig, page, x=page.table_x, top=top_y, cols=cols, rows=shown, lang=lang,
               caption=caption, bold_rows=frozenset({len(shown) - 2, len(shown) - 1}))
    note = bilingual("按通行时间与容量分配（最小费用流）；时间为路网通行时间，核心区道路封闭。",
                     "Assigned by travel time within capacity (min-cost flow); times on the "
                     "road network with the core's roads closed.", lang)
    font = 5.0 * s
    text_w = sum(c.width for c in cols)
    wrapped = wrap_display(note, int(text_w / (font * PT_MM * 0.56)))
    fig.text(page.table_x / page.w, 1 - (y + 2.5 * s) / page.h, "\n".join(wrapped[:3]),
             ha="left", va="top", fontsize=font, color="#444444", linespacing=1.3,
             parse_math=False)
    info = info_lines(dataset, view, lang, [], now)
    meta = {"Title": f"{zh_title} / {en_title}", "Subject": "疏散安置 Evacuation"}
    return finish_page(fig, page, legend, info, lang, meta)


def _shelter_order(shelters: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shelters with people first (most first), then the others by capacity."""
    if not len(shelters):
        return shelters
    key = shelters.assign(_got=shelters["assigned"].astype(float),
                          _cap=shelters["capacity"].astype(float))
    key = key.sort_values(["_got", "_cap"], ascending=False, kind="stable")
    return key.drop(columns=["_got", "_cap"]).reset_index(drop=True)
