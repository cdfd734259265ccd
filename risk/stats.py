"""Filtering and counting enterprises: the same rules drive the map, the figures and exports."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from risk.grades import GRADES, parse_grade

__all__ = ["EnterpriseFilter", "filter_mask", "counts_by_district_grade"]


class EnterpriseFilter(dict):
    """``{"grades": [...], "industries": [...], "districts": [...], "major": bool}``.

    An empty or missing list means "all"; ``grades`` accepts any spelling of
    :func:`risk.grades.parse_grade`.
    """

    @classmethod
    def make(
        cls,
        *,
        grades: Iterable[str] | None = None,
        industries: Iterable[str] | None = None,
        districts: Iterable[str] | None = None,
        major: bool = False,
    ) -> EnterpriseFilter:
        return cls(
            grades=None if grades is None else [parse_grade(g).value for g in grades],
            industries=list(industries or []),
            districts=list(districts or []),
            major=bool(major),
        )


def filter_mask(enterprises: gpd.GeoDataFrame, flt: dict | None) -> pd.Series:
    """Boolean Series (aligned to ``enterprises``) of the rows that pass ``flt``.

    ``grades=None`` means every grade, ``grades=[]`` means none; empty ``industries`` or
    ``districts`` mean all.

    >>> import geopandas as gpd
    >>> df = gpd.GeoDataFrame({"grade": ["red", "blue"], "industry": ["燃气", "工贸"],
    ...                        "district": ["南山区", "福田区"], "major_hazard": [True, False]})
    >>> filter_mask(df, {"grades": ["red"]}).tolist()
    [True, False]
    >>> filter_mask(df, {"major": True, "districts": ["福田区"]}).tolist()
    [False, False]
    """
    mask = pd.Series(True, index=enterprises.index)
    if not flt:
        return mask
    grades = flt.get("grades")
    if grades is not None:
        mask &= enterprises["grade"].isin([parse_grade(g).value for g in grades])
    if flt.get("industries"):
        mask &= enterprises["industry"].isin(list(flt["industries"]))
    if flt.get("districts"):
        mask &= enterprises["district"].isin(list(flt["districts"]))
    if flt.get("major"):
        mask &= enterprises["major_hazard"].astype(bool)
    return mask


def counts_by_district_grade(
    enterprises: gpd.GeoDataFrame, *, districts: Iterable[str] | None = None
) -> pd.DataFrame:
    """Enterprise counts: one row per district, one column per grade (red … blue) and ``total``.

    ``districts`` fixes the rows and their order (districts with no enterprise get zeros).
    """
    codes = [g.value for g in GRADES]
    table = pd.crosstab(enterprises["district"], enterprises["grade"]) if len(enterprises) else (
        pd.DataFrame(columns=codes)
    )
    table = table.reindex(columns=codes, fill_value=0)
    if districts is not None:
        table = table.reindex(list(districts), fill_value=0)
    table = table.fillna(0).astype(int)
    table["total"] = table[codes].sum(axis=1)
    table.index.name = "district"
    table.columns.name = None
    return table
