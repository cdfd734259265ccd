"""The one-page A4 field briefing of an incident: what a field team needs on one sheet.

An A4 portrait page (vector PDF, text selectable, Noto Sans SC embedded as a subset,
:mod:`layers.fonts`): the incident's own title (type, time, place), its place, radii, wind and
note; a QR code of the share link (:func:`data.share.qr_modules`) in the top right corner; the
map fitted to the outermost ring (and the downwind area when the wind is set), with the rings in
the map's ring styles (:func:`layers.print_draw.draw_incident`), the downwind area
(:data:`layers.style.DOWNWIND_STYLE`), road checkpoints as striped barriers numbered as in the
roster, sensitive sites coloured by kind, the shelters to evacuate to lettered as in their table,
a scale bar and a north arrow true at the centre; a legend; and the tables: exposure by zone
(enterprises by grade, major hazard sources, population, sensitive sites and their people,
shelters), sensitive sites by zone with people (nearest first), the checkpoints roster (kind,
road, lon/lat to 6 decimals) and the shelters to evacuate to (capacity, distance, direction).

Everything fits on the one page: a table too long for its room ends in "… 另 N 条 / N more".
All text is literal (no mathtext: ``$`` and ``\\`` print as typed). The page is drawn by
:func:`render_briefing` (the map frame and QR code by :mod:`layers.print_briefing_parts`, the
tables by :mod:`layers.print_sheet`); :func:`briefing_of` reads a saved
:class:`data.incidents.Incident` (its wind fields when it has them).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data.incidents import INCIDENT_TYPES, parse_incident_type
from data.schema import SITE_KINDS, locate_districts
from layers.print_briefing_parts import (
    LETTERS,
    MAP_MM,
    MARGIN_MM,
    PAGE_MM,
    PANEL_MM,
    dataset_layer,
    draw_briefing_map,
    draw_qr,
)
from layers.print_frames import PrintMapError, _padded
from layers.print_page import MapView, fit_view
from layers.print_parts import (
    PageLayout,
    bilingual,
    crs_label,
    draw_panel,
    literal_text,
    map_crs,
    wrap_display,
)
from layers.print_sheet import FONT_PT, Col, draw_table, fit_text, more_row, rows_fitting
from layers.print_sheet import cut_rows as truncated
from layers.print_sheet import row_height as row_h
from risk.cordon import Cordon, ExposureIndex, exposure, sensitive_in_zones
from risk.grades import GRADES

__all__ = ["Briefing", "briefing_of", "briefing_title", "render_briefing", "PAGE_MM"]

_M, _MAP, _PANEL, _FONT = MARGIN_MM, MAP_MM, PANEL_MM, FONT_PT
_BOTTOM = PAGE_MM[1] - MARGIN_MM
_PT_MM = 25.4 / 72


@dataclass(frozen=True)
class Briefing:
    """What the page is about: a validated ``cordon`` and the incident's fields."""

    cordon: Cordon
    type: str = "other"
    """Incident type code (:data:`data.incidents.INCIDENT_TYPES`)."""
    created: str = ""
    """When it happened or was placed (ISO 8601); empty: the page's time."""
    note: str = ""
    number: int | None = None
    """The saved incident's number (``None``: not saved)."""
    wind_from_deg: float | None = None
    downwind_m: float | None = None
    updated: str = ""


def briefing_of(incident: Any) -> Briefing:
    """The briefing of a saved :class:`data.incidents.Incident` (its place validated once by
    ``incident.cordon``); the wind, downwind distance and last update are read when the
    incident has them."""
    wind = getattr(incident, "wind_from_deg", None)
    reach = getattr(incident, "downwind_m", None)
    updated = getattr(incident, "updated", None)
    return Briefing(cordon=incident.cordon, type=parse_incident_type(incident.type),
                    created=str(incident.created or ""), note=str(incident.note or ""),
                    number=incident.id, wind_from_deg=None if wind is None else float(wind),
                    downwind_m=None if reach is None else float(reach),
                    updated=updated if isinstance(updated, str) else "")


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ")


def _place(dataset: Any, cordon: Cordon) -> tuple[str, str]:
    """The district holding the incident (zh, en), or its coordinates."""
    districts = dataset.districts
    point = gpd.GeoSeries([shapely.Point(cordon.lon, cordon.lat)], crs=4326)
    name = str(locate_districts(point, districts)[0]) if len(districts) else ""
    if not name:
        where = f"{cordon.lon:.4f}°E {cordon.lat:.4f}°N"
        return where, where
    row = districts[districts["name"].astype(str) == name]
    en = str(row["name_en"].iloc[0]) if "name_en" in row and len(row) else ""
    return name, en or name


def briefing_title(dataset: Any, briefing: Briefing, *, now: str = "") -> tuple[str, str]:
    """The incident's own title, (zh, en): type · time · place, e.g.
    ``("危化品泄漏 · 2026-12-01 14:30 · 福田区", "Hazardous-chemical release · … · Futian")``."""
    zh_type, en_type = INCIDENT_TYPES.get(briefing.type, (briefing.type, briefing.type))
    when = _when(briefing.created or now)
    zh_place, en_place = _place(dataset, briefing.cordon)
    return f"{zh_type} · {when} · {zh_place}", f"{en_type} · {when} · {en_place}"


# the page


def render_briefing(dataset: Any, briefing: Briefing, *, lang: str = "zh",
                    link: str | None = None, index: ExposureIndex | None = None,
                    now: str | None = None) -> bytes:
    """The one-page A4 briefing PDF of ``briefing`` in ``dataset`` (a :class:`Dataset`, or a
    user's district view of one, whose layers are what is counted and drawn).

    Parameters
    ----------
    dataset
        A :class:`data.dataset.Dataset`.
    briefing
        The incident (:class:`Briefing`, e.g. :func:`briefing_of` a saved incident).
    lang
        ``"zh"`` (Chinese first, English alongside) or ``"en"``.
    link
        The share link (:func:`data.share.share_url`) printed as a QR code; ``None``: no code.
    index
        A prepared :class:`risk.cordon.ExposureIndex` of the same dataset (a server keeps one).
    now
        The time printed as "generated" (ISO 8601; default: now in China Standard Time).

    Raises
    ------
    PrintMapError
        A bad ``lang``, or a downwind distance the radii rules refuse.
    """
    from data.sysdb import now_iso
    from layers.printmap import _RENDER_LOCK, _print_context

    if lang not in ("zh", "en"):
        raise PrintMapError(f"`lang` must be one of zh, en, got {lang!r}")
    now = now or now_iso()
    cordon = briefing.cordon
    try:
        ex = exposure(index if index is not None else dataset.layers, cordon,
                      population=dataset.raster_path("population"),
                      wind_from_deg=briefing.wind_from_deg, downwind_m=briefing.downwind_m)
    except ValueError as exc:
        raise PrintMapError(f"下风向距离无效 / `downwind_m`: {exc}") from exc
    site_layer = dataset_layer(dataset, "sensitive_sites")
    sites = sensitive_in_zones(site_layer if site_layer is not None else gpd.GeoDataFrame(),
                               cordon)
    evacuation = ex.evacuation_shelters.head(5)
    checkpoints = ex.checkpoints
    bounds = [tuple(ex.rings.total_bounds)]
    if ex.downwind is not None:
        bounds.append(tuple(ex.downwind["geometry"].bounds))
    if len(evacuation):  # the shelters to evacuate to are on the map too
        lon, lat = evacuation["lon"].to_numpy(float), evacuation["lat"].to_numpy(float)
        bounds.append((lon.min(), lat.min(), lon.max(), lat.max()))
    arr = np.array(bounds)
    bbox = _padded((arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max()), 0.03)
    x0, top, fw, fh = _MAP
    layout = PageLayout(PAGE_MM, (x0, PAGE_MM[1] - top - fh, fw, fh), _PANEL, 0.0, 1.0, False)
    view = fit_view(bbox, map_crs(bbox), layout)
    with _RENDER_LOCK, _print_context():
        return _page(dataset, briefing, ex, sites, evacuation, checkpoints, view, layout, lang,
                     link, now)


def _page(dataset: Any, briefing: Briefing, ex: Any, sites: pd.DataFrame,
          evacuation: pd.DataFrame, checkpoints: pd.DataFrame, view: MapView,
          layout: PageLayout, lang: str, link: str | None, now: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    w_mm, h_mm = PAGE_MM
    fig = Figure(figsize=(w_mm / 25.4, h_mm / 25.4))
    FigureCanvasAgg(fig)
    cordon = briefing.cordon
    title_zh, title_en = briefing_title(dataset, briefing, now=now)
    first, second = (title_en, title_zh) if lang == "en" else (title_zh, title_en)
    number = f" · 事件 Incident #{briefing.number}" if briefing.number is not None else ""
    text_w = w_mm - 2 * _M - (27 if link else 0)

    def line(y: float, text: str, size: float, color: str = "#111111") -> None:
        fig.text(_M / w_mm, 1 - y / h_mm, fit_text(text, text_w, size), ha="left", va="top",
                 fontsize=size, color=color, parse_math=False)

    line(8.5, bilingual("现场处置简报", "Field briefing", lang) + number, 7.5, "#5b0e8a")
    line(12.5, first, 13.5)
    line(19.0, second, 8.0, "#333333")
    radii = " / ".join(f"{r / 1000:g}" for r in cordon.radii_m)
    parts = [f"{bilingual('事发点', 'Incident', lang)} {cordon.lon:.6f}°E, {cordon.lat:.6f}°N",
             f"{bilingual('警戒圈', 'Rings', lang)} {radii} km"]
    if ex.downwind is not None:
        parts.append(f"{bilingual('风向（来向）', 'Wind from', lang)} {briefing.wind_from_deg:g}°, "
                     f"{bilingual('下风向', 'downwind', lang)} {ex.downwind['distance_m'] / 1000:g} km")
    line(23.0, " · ".join(parts[:2]), 6.5)
    if len(parts) > 2:
        line(26.2, parts[2], 6.5)
    extra = [f"{bilingual('生成', 'Generated', lang)} {_when(now)}"]
    if briefing.updated:
        extra.append(f"{bilingual('更新', 'Updated', lang)} {_when(briefing.updated)}")
    if briefing.note:
        extra.append(f"{bilingual('备注', 'Note', lang)}：{' '.join(briefing.note.split())}")
    line(29.4 if len(parts) > 2 else 26.4, " · ".join(extra), 6.0, "#444444")
    if link:
        draw_qr(fig, link, lang)

    # tables first (how many checkpoints are listed decides which are numbered on the map)
    rows = ex.zone_rows()
    people = {r["zone"]: (0, 0) for r in rows}
    for zone, part in sites.groupby("zone", sort=False) if len(sites) else ():
        people[str(zone)] = (len(part), int(part["people"].sum()))
    grade_cols = [Col(g.label_zh, g.label_en.split()[0], 11, "right") for g in GRADES]
    zone_cols = [Col("圈层", "Zone", 32), Col("范围", "Range", 13), *grade_cols,
                 Col("重大危险源", "Major hazards", 17, "right"),
                 Col("人口(估)", "Population", 17, "right"),
                 Col("敏感目标", "Sensitive sites", 18, "right"),
                 Col("其中人数", "People in them", 17, "right"),
                 Col("避难场所", "Shelters", 13, "right"),
                 Col("容量(人)", "Capacity", 19, "right")]
    zone_rows = []
    for r in rows:
        n_sites, n_people = people.get(r["zone"], (0, 0))
        zone_rows.append([r["name_en"] if lang == "en" else r["name"],
                          f"{r['inner_m'] / 1000:g}–{r['outer_m'] / 1000:g} km",
                          *(f"{r[g.value]:,}" for g in GRADES), f"{r['major_hazard']:,}",
                          "" if r["population"] is None else f"{r['population']:,}",
                          f"{n_sites:,}", f"{n_people:,}", f"{r['shelters']:,}",
                          f"{r['shelter_capacity']:,}"])
    if ex.downwind is not None:
        dw = ex.downwind
        inside = sites[shapely.contains_xy(dw["geometry"], sites["lon"].to_numpy(float),
                                           sites["lat"].to_numpy(float))] if len(sites) else sites
        zone_rows.append([bilingual("下风向防护区", "Downwind area", lang),
                          f"0–{dw['distance_m'] / 1000:g} km",
                          *(f"{dw['enterprises'][g.value]:,}" for g in GRADES),
                          f"{dw['major_hazard']:,}", "", f"{len(inside):,}",
                          f"{int(inside['people'].sum()) if len(inside) else 0:,}",
                          f"{dw['shelters']:,}", ""])
    y = draw_table(fig, x=_M, top=_PANEL[1] + _PANEL[3] + 3.5, cols=zone_cols, rows=zone_rows,
               lang=lang, caption=bilingual("各区暴露（核心区起）", "Exposure by zone (from the core out)",
                                            lang))
    top2 = y + 3.5
    # left column: the checkpoints roster
    cp_cols = [Col("序号", "No.", 7, "right"), Col("类型", "Kind", 13),
               Col("道路", "Road", 31), Col("经度", "Lon", 15.5, "right"),
               Col("纬度", "Lat", 14, "right"), Col("方位", "Dir.", 12)]
    cp_rows = [[str(i + 1), _checkpoint_kind(r, lang),
                str(r["road_name"] or r["road_id"] or ""), f"{float(r['lon']):.6f}",
                f"{float(r['lat']):.6f}", f"{r['bearing_deg']:.0f}° {_direction(r, lang)}"]
               for i, r in enumerate(checkpoints.to_dict("records"))]
    room = rows_fitting(top2, _BOTTOM)
    shown = truncated(cp_rows, room, lang)
    n_numbered = len(shown) - (1 if len(shown) < len(cp_rows) else 0)
    caption = bilingual("卡口名册（WGS 84 经纬度）", "Checkpoint roster (WGS 84)", lang)
    if cp_rows:
        draw_table(fig, x=_M, top=top2, cols=cp_cols, rows=shown, lang=lang,
               caption=f"{caption}：{len(cp_rows):,}")
    else:
        draw_table(fig, x=_M, top=top2, cols=cp_cols, lang=lang, caption=caption,
               rows=[[bilingual("无道路穿越警戒圈", "no road crosses the rings", lang)]])
    # right column: sensitive sites by zone, then the shelters to evacuate to
    right = _M + sum(c.width for c in cp_cols) + 3.0
    ev_cols = [Col("", "", 5), Col("疏散避难场所", "Shelter", 35),
               Col("容量(人)", "Capacity", 14, "right"), Col("距离", "Distance", 13, "right"),
               Col("方位", "Dir.", 10), Col("下风向", "Downwind", 11)]
    downwind = np.zeros(len(evacuation), dtype=bool)
    if ex.downwind is not None and len(evacuation):  # a shelter to avoid while the wind holds
        downwind = shapely.contains_xy(ex.downwind["geometry"],
                                       evacuation["lon"].to_numpy(float),
                                       evacuation["lat"].to_numpy(float))
    ev_rows = [[LETTERS[i], str(r["name"]), f"{int(r.get('capacity') or 0):,}",
                f"{float(r['distance_m']) / 1000:.2f} km",
                str(r["direction_en"] if lang == "en" else r["direction"]),
                ("yes 是" if lang == "en" else "是 yes") if downwind[i] else ""]
               for i, r in enumerate(evacuation.to_dict("records"))]
    if not ev_rows:
        ev_rows = [[bilingual("控制区外无避难场所", "no shelter outside the control zone", lang)]]
    ev_h = (_FONT * 1.3 * _PT_MM * 1.45 + row_h() * 1.75 + row_h() * len(ev_rows))
    site_cols = [Col("敏感目标", "Sensitive site", 35), Col("类型", "Kind", 16),
                 Col("人数", "People", 12, "right"), Col("距离", "Distance", 12, "right"),
                 Col("方位", "Dir.", 10)]
    site_rows, bold = _site_rows(sites, ex.zones, rows_fitting(top2, _BOTTOM - ev_h - 3.0),
                                 lang)
    draw_table(fig, x=right, top=top2, cols=site_cols, rows=site_rows, lang=lang, bold_rows=bold,
           caption=bilingual("敏感目标（按圈层，由近及远）", "Sensitive sites by zone, nearest first",
                             lang) + f"：{len(sites):,}")
    beyond = ex.evacuate_beyond_m / 1000
    draw_table(fig, x=right, top=_BOTTOM - ev_h, cols=ev_cols, rows=ev_rows, lang=lang,
           caption=bilingual(f"疏散去向（{beyond:g} km 外最近的避难场所）",
                             f"Evacuate to (nearest shelters beyond {beyond:g} km)", lang))

    legend = draw_briefing_map(fig, dataset, view, ex, checkpoints=checkpoints,
                               n_numbered=n_numbered, sites=sites, evacuation=evacuation,
                               lang=lang)
    panel = fig.add_axes(layout.frac((_PANEL[0], h_mm - _PANEL[1] - _PANEL[3], _PANEL[2],
                                      _PANEL[3])))
    panel.axis("off")
    info = [f"{bilingual('比例尺', 'Scale', lang)} 1:{view.denominator:,}"]
    info += wrap_display(crs_label(view.crs, lang), 60)
    title = dataset.title
    if title:
        info += wrap_display(f"{bilingual('数据', 'Data', lang)}：{title}", 60)
    if dataset.synthetic:
        info += wrap_display("合成样例数据 / synthetic sample data — 非真实登记信息，仅供演示", 60)
    draw_panel(panel, legend, layout, info, lang, info_pt=5.2)
    literal_text(fig)
    buffer = io.BytesIO()
    meta = {"Title": f"{title_zh} / {title_en}", "Subject": "现场处置简报 Field briefing",
            "Creator": "risk-map 安全风险地图"}
    with PdfPages(buffer, metadata=meta) as pages:
        pages.savefig(fig)
    return buffer.getvalue()


def _site_rows(sites: pd.DataFrame, zones: Sequence[Any], room: int, lang: str,
               ) -> tuple[list[list[str]], frozenset[int]]:
    """Rows of the sensitive-site table: per zone a summary row (sites, people, by kind) and its
    nearest sites, the room shared out between the zones from the centre out."""
    out: list[list[str]] = []
    bold: set[int] = set()
    groups = [(z, sites[sites["zone"] == z.zone] if len(sites) else sites) for z in zones]
    quota = _shares([len(p) for _, p in groups], room - len(groups))
    for (zone, part), share in zip(groups, quota, strict=True):
        if len(out) >= room:
            break
        kinds: dict[str, list[int]] = {}
        for kind, n in zip(part["kind"].astype(str), part["people"].astype(int), strict=True):
            entry = kinds.setdefault(kind, [0, 0])
            entry[0] += 1
            entry[1] += int(n)
        by_kind = "、".join(f"{_kind(k, lang)} {v[0]}" for k, v in
                           sorted(kinds.items(), key=lambda kv: -kv[1][1]))
        total = int(part["people"].sum()) if len(part) else 0
        head = (f"{zone.name(lang)}：{len(part):,} {'sites' if lang == 'en' else '处'} / "
                f"{total:,} {'people' if lang == 'en' else '人'}"
                + (f"（{by_kind}）" if by_kind else ""))
        bold.add(len(out))
        out.append([head])
        take = len(part) if len(part) <= share else max(share - 1, 0)
        for r in part.head(take).to_dict("records"):
            out.append([str(r["name"]), _kind(str(r["kind"]), lang), f"{int(r['people']):,}",
                        f"{float(r['distance_m']) / 1000:.2f} km",
                        str(r["direction_en"] if lang == "en" else r["direction"])])
        if take < len(part) and share > 0:
            out.append([more_row(len(part) - take, lang)])
    return out, frozenset(bold)


def _shares(sizes: Sequence[int], room: int) -> list[int]:
    """``room`` rows shared between groups of ``sizes`` rows: equal shares, what a small group
    leaves over going to the others (water filling), nearest zones first on a tie.

    >>> _shares([3, 40, 50], 20), _shares([30, 40], 9), _shares([2, 2], 0)
    ([3, 9, 8], [5, 4], [0, 0])
    """
    out = [0] * len(sizes)
    left = max(room, 0)
    open_ = [i for i, n in enumerate(sizes) if n > 0]
    while left > 0 and open_:
        each, extra = divmod(left, len(open_))
        for k, i in enumerate(open_):
            out[i] += each + (1 if k < extra else 0)
        left = 0
        for i in open_:
            if out[i] > sizes[i]:
                left += out[i] - sizes[i]
                out[i] = sizes[i]
        open_ = [i for i in open_ if out[i] < sizes[i]]
    return out


_CHECKPOINT_SHORT = {"管制点": "Control", "警戒点": "Warning", "外围卡口": "Outer"}


def _checkpoint_kind(row: Mapping[Any, Any], lang: str) -> str:
    kind = str(row.get("kind", ""))
    return _CHECKPOINT_SHORT.get(kind, str(row.get("kind_en", kind))) if lang == "en" else kind


def _direction(row: Mapping[Any, Any], lang: str) -> str:
    """The compass sector of a row (Chinese), or its English name for ``lang="en"``."""
    from risk.cordon.geodesy import DIRECTIONS, DIRECTIONS_EN

    zh = str(row.get("direction", ""))
    if lang != "en":
        return zh
    return str(row.get("direction_en") or dict(zip(DIRECTIONS, DIRECTIONS_EN, strict=True))
               .get(zh, zh))


def _kind(code: str, lang: str) -> str:
    zh, en = SITE_KINDS.get(code, (code, code))
    return en if lang == "en" else zh
