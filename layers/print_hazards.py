"""The monthly hidden-danger report (隐患排查治理月报) as a PDF: a map of the hazards at the end of
the month and tables per district, in Chinese (English alongside), with the print maps' furniture
(:mod:`layers.print_parts`: metric CRS, a scale bar true at the centre, the north arrow, the
tables page, the embedded CJK font).

Page 1: the districts, the hazards open at the month's end (a diamond: major, a dot: general;
red: overdue, orange: open) and those closed during the month (green), the month's counts.
Page 2: per district, found and closed in the month, open, overdue and major open at its end,
the mean age of the open majors and the rectification rate (整改率) to date; the open major
hazards, overdue and oldest first.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from layers.print_parts import (
    bilingual,
    draw_north_arrow,
    draw_scale_bar,
    map_crs,
    nice_denominator,
    page_layout,
    scale_bar_for,
    table_header,
    tables_figure,
    true_north_angle,
)

__all__ = ["hazard_report_pdf", "write_hazard_report", "month_end"]

_LOCK = threading.Lock()
COLORS = {"open": "#fb8c00", "overdue": "#d32f2f", "closed": "#43a047"}


def month_end(month: dt.date) -> dt.date:
    """The last day of ``month``'s month.

    >>> month_end(dt.date(2026, 2, 10))
    datetime.date(2026, 2, 28)
    """
    first = month.replace(day=1)
    nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _pct(v: Any) -> str:
    return "—" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v * 100:.1f}%"


def hazard_report_pdf(frame: pd.DataFrame, dataset: Any, *, month: dt.date,
                      lang: str = "zh", events: pd.DataFrame | None = None) -> bytes:
    """The report for ``month`` (any day in it) of the hazards ``frame`` as PDF bytes; with
    their history ``events`` the states at the month's end follow it
    (:func:`data.hazards.arrays_of`)."""
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from data.hazards import arrays_of, monthly_stats
    from layers.fonts import print_rc
    from risk.hazards import closed_between, states_at

    end = month_end(month)
    label = f"{end.year}年{end.month}月"
    title = bilingual(f"隐患排查治理月报（{label}）",
                      f"Hidden-danger monthly report ({end:%Y-%m})", lang)
    arrays = arrays_of(frame, events)
    table = monthly_stats(frame, [end], arrays=arrays) if len(frame) else pd.DataFrame()
    districts = dataset.districts
    layout = page_layout("A4", "landscape", subtitle=True)
    w, h = layout.page_mm
    with _LOCK, matplotlib.rc_context({**print_rc(), "text.usetex": False}):
        fig = Figure(figsize=(w / 25.4, h / 25.4))
        fig.text(0.5, layout.title_y_mm / h, title, ha="center", va="top",
                 fontsize=15 * layout.scale, parse_math=False)
        synthetic = " · 样例数据为合成数据 / synthetic sample" if dataset.synthetic else ""
        fig.text(0.5, (layout.title_y_mm - 8) / h, f"截至 {end.isoformat()} / as of "
                 f"{end.isoformat()}{synthetic}", ha="center", va="top", fontsize=9,
                 parse_math=False)
        ax = fig.add_axes(layout.frac(layout.map_mm))
        bounds = tuple(districts.total_bounds) if len(districts) else (
            float(frame["lon"].min()), float(frame["lat"].min()), float(frame["lon"].max()),
            float(frame["lat"].max()))
        crs = map_crs(bounds)
        if len(districts):
            d = districts.to_crs(crs)
            d.plot(ax=ax, facecolor="#f4f1ea", edgecolor="#8a8170", linewidth=0.6)
            if "name" in d:
                for name, geom in zip(d["name"], d.geometry, strict=True):
                    p = geom.representative_point()
                    ax.text(p.x, p.y, str(name), ha="center", va="center", fontsize=7,
                            color="#5d5547", parse_math=False)
        legend = []
        if len(frame):
            from pyproj import Transformer

            masks = states_at(arrays, end)
            start_day = (end.replace(day=1) - dt.date(1970, 1, 1)).days
            end_day = (end - dt.date(1970, 1, 1)).days
            closed_now = masks["closed"] & closed_between(arrays, start_day, end_day)
            to_map = Transformer.from_crs(4326, crs, always_xy=True)
            x, y = to_map.transform(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
            x, y = np.asarray(x), np.asarray(y)
            major = arrays.major
            groups = [("closed", closed_now, "本月核销 closed this month"),
                      ("open", masks["open"] & ~masks["overdue"], "未整改 open"),
                      ("overdue", masks["overdue"], "逾期 overdue")]
            for key, mask, text in groups:
                for is_major, marker, size in ((False, "o", 9), (True, "D", 26)):
                    sel = mask & (major == is_major)
                    if sel.any():
                        ax.scatter(x[sel], y[sel], s=size, marker=marker, c=COLORS[key],
                                   edgecolors="black" if is_major else "white",
                                   linewidths=0.5 if is_major else 0.3, zorder=5,
                                   alpha=0.6 if key == "closed" else 0.95)
                legend.append(Line2D([], [], marker="o", linestyle="", color=COLORS[key],
                                     label=text))
            legend.append(Line2D([], [], marker="D", linestyle="", color="white",
                                 markeredgecolor="black", label="重大事故隐患 major"))
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        if legend:
            ax.legend(handles=legend, loc="lower right", fontsize=7, framealpha=0.9)
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        centre = ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
        width_mm = layout.map_mm[2]
        denominator = nice_denominator((x1 - x0) / (width_mm / 1000.0))
        bar = scale_bar_for(crs, centre, denominator=denominator, max_paper_mm=40,
                            min_segment_mm=8)
        draw_scale_bar(ax, bar, x=x0 + (x1 - x0) * 0.04, y=y0 + (y1 - y0) * 0.05, fontsize=7,
                       lang=lang)
        draw_north_arrow(ax, true_north_angle(crs, *centre), x=0.95, y=0.9, size=0.08,
                         fontsize=8)
        panel = fig.add_axes(layout.frac(layout.panel_mm))
        panel.axis("off")
        if len(table):
            t = table[table["district"] == "合计"].iloc[0]
            lines = [f"本月发现 found this month: {t['found']}",
                     f"本月核销 closed this month: {t['closed']}",
                     f"未整改 open: {t['open']}", f"逾期 overdue: {t['overdue']}",
                     f"重大未整改 major open: {t['major_open']}",
                     f"整改率 rectification rate: {_pct(t['rate'])}"]
        else:
            lines = ["没有隐患记录 / no hazards recorded"]
        for i, line in enumerate(lines):
            panel.text(0.02, 0.95 - i * 0.06, line, fontsize=9, va="top", parse_math=False)
        header = [table_header(zh, en, lang) for zh, en in (
            ("所属区", "District"), ("本月发现", "Found"), ("本月核销", "Closed"),
            ("未整改", "Open"), ("逾期", "Overdue"), ("重大未整改", "Major open"),
            ("重大平均天数", "Major age (d)"), ("整改率", "Rate"))]
        records: list[dict[Any, Any]] = table.to_dict("records") if len(table) else []
        rows = [[str(r["district"]), str(r["found"]), str(r["closed"]), str(r["open"]),
                 str(r["overdue"]), str(r["major_open"]),
                 "—" if r["major_open_age_days"] is None or pd.isna(r["major_open_age_days"])
                 else f"{r['major_open_age_days']:.0f}", _pct(r["rate"])] for r in records]
        tables = [(bilingual(f"各区隐患统计（{label}）", f"Hazards by district ({end:%Y-%m})",
                             lang), header, rows or [["—"] * len(header)])]
        if len(frame):
            open_major = frame[masks["major_open"]].copy()
            open_major["overdue"] = masks["overdue"][masks["major_open"]]
            open_major = open_major.sort_values(["overdue", "found_at"],
                                                ascending=[False, True])
            mh = [table_header(zh, en, lang) for zh, en in (
                ("编号", "ID"), ("隐患", "Hazard"), ("所属区", "District"),
                ("发现日期", "Found"), ("整改期限", "Deadline"), ("挂牌督办", "Listed"),
                ("逾期", "Overdue"))]
            listed = {"none": "—", "district": "区级", "city": "市级"}
            majors: list[dict[Any, Any]] = open_major.to_dict("records")
            mrows = [[str(r["id"]), str(r["title"])[:24], str(r["district"]),
                      str(r["found_at"]), str(r["deadline"] or "—"),
                      listed.get(str(r["supervised"]), "—"), "是" if r["overdue"] else ""]
                     for r in majors]
            caption = bilingual(f"未整改重大事故隐患（共 {len(mrows)} 项，逾期与发现最早的在前）",
                                f"Open major hazards ({len(mrows)}, overdue and oldest first)",
                                lang)
            tables.append((caption, mh, mrows or [["—"] * len(mh)]))
        buffer = io.BytesIO()
        meta = {"Title": title, "Creator": "risk-map 安全风险地图"}
        with PdfPages(buffer, metadata=meta) as pages:
            pages.savefig(fig)
            pages.savefig(tables_figure(layout, f"{title} — 附表 Tables", tables))
    return buffer.getvalue()


def write_hazard_report(frame: pd.DataFrame, dataset: Any, *, month: dt.date,
                        out: str | os.PathLike[str], lang: str = "zh",
                        events: pd.DataFrame | None = None) -> Path:
    """Write :func:`hazard_report_pdf` to ``out`` (atomically); the path."""
    from risk.files import write_bytes_atomic

    return write_bytes_atomic(out, hazard_report_pdf(frame, dataset, month=month, lang=lang,
                                                     events=events))
