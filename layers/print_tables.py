"""Print maps: the tables page (enterprises by grade per district; exposure by ring)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.print_parts import bilingual, table_header
from risk.cordon import Cordon, exposure
from risk.grades import GRADES, Grade

__all__ = ["grade_table", "ring_tables"]


def _district_of(points: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> pd.Series:
    out = (points["district"].astype(str) if "district" in points.columns
           else pd.Series("", index=points.index))
    if len(districts) and len(points):
        joined = gpd.sjoin(points[["geometry"]], districts[["name", "geometry"]],
                           how="left", predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]
        spatial = joined["name"].reindex(points.index)
        out = spatial.where(spatial.notna(), out)
    return out.replace("", "区外 Outside").fillna("区外 Outside")


def grade_table(enterprises: gpd.GeoDataFrame, districts: gpd.GeoDataFrame,
                 lang: str) -> tuple[list[str], list[list[str]]]:
    names = _district_of(enterprises, districts)
    header = [table_header("行政区", "District", lang)] + [
        table_header(g.label_zh, g.label_en.split(" (")[0], lang) for g in GRADES] + [
        table_header("合计", "Total", lang)]
    order = [n for n in districts.get("name", pd.Series(dtype=str)) if n in set(names)]
    order += sorted(set(names) - set(order))
    rows, totals = [], np.zeros(5, dtype=int)
    codes = enterprises["grade"].astype(str)
    for name in order:
        sel = names == name
        counts = [int((codes[sel] == g.value).sum()) for g in GRADES]
        counts.append(sum(counts))
        totals += counts
        rows.append([name] + [f"{c:,}" for c in counts])
    rows.append([bilingual("合计", "Total", lang)] + [f"{c:,}" for c in totals])
    return header, rows


def ring_tables(dataset: Any, incident: Cordon, lang: str, *,
                wind_from_deg: float | None = None, downwind_m: float | None = None,
                ) -> list[tuple[str, list[str], list[list[str]]]]:
    """Exposure per ring from :func:`risk.cordon.exposure` (all data, population included), and
    the nearest priority enterprises. With ``wind_from_deg`` (validated by the caller) the zone
    table ends with a row for the downwind area reaching ``downwind_m`` (default: the outer
    radius): its enterprises by grade, major hazards and shelters."""
    grade_cols = [table_header(g.label_zh, g.label_en.split(" (")[0], lang) for g in GRADES]
    ex = exposure(dataset.layers, incident, population=dataset.raster_path("population"),
                  wind_from_deg=wind_from_deg, downwind_m=downwind_m)
    table = ex.zone_table()
    header = [table_header("圈层", "Zone", lang), table_header("范围", "Range", lang),
              *grade_cols, table_header("重大危险源", "Major hazards", lang),
              table_header("避难场所", "Shelters", lang),
              table_header("容量(人)", "Capacity", lang)]
    has_pop = table["population"].notna().any()
    if has_pop:
        header.append(table_header("人口(估)", "Population", lang))
    rows = []
    for r in table.to_dict("records"):
        row = [str(r["name"]), f"{r['inner_m'] / 1000:g}–{r['outer_m'] / 1000:g} km",
               *(f"{int(r[g.value]):,}" for g in GRADES), f"{int(r['major_hazard']):,}",
               f"{int(r['shelters']):,}", f"{int(r['shelter_capacity']):,}"]
        if has_pop:
            row.append("" if r["population"] is None or r["population"] != r["population"]
                       else f"{int(r['population']):,}")
        rows.append(row)
    if ex.downwind is not None:
        dw = ex.downwind
        row = [bilingual("下风向防护区", "Downwind area", lang),
               f"0–{dw['distance_m'] / 1000:g} km",
               *(f"{int(dw['enterprises'][g.value]):,}" for g in GRADES),
               f"{int(dw['major_hazard']):,}", f"{int(dw['shelters']):,}", ""]
        if has_pop:
            row.append("")
        rows.append(row)
    out = [(bilingual("警戒圈暴露统计（全部数据）", "Exposure by ring (all data)", lang),
            header, rows)]
    top = ex.priority_enterprises.head(12)
    if len(top):
        header2 = [table_header(zh, en, lang) for zh, en in (
            ("重点企业", "Priority enterprise"), ("等级", "Grade"),
            ("重大危险源", "Major hazard"), ("距离", "Distance"), ("方位", "Direction"),
            ("圈层", "Zone"))]
        rows2 = [[str(r["name"]), Grade(r["grade"]).label_zh,
                  "是" if r["major_hazard"] else "", f"{r['distance_m'] / 1000:.2f} km",
                  str(r["direction"]), str(r["zone_name"])]
                 for r in top.to_dict("records")]
        out.append((bilingual(f"最近的重点企业（前 {len(top)} 家，共 "
                          f"{len(ex.priority_enterprises)} 家）",
                          "Nearest priority enterprises", lang), header2, rows2))
    return out
