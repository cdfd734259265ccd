"""Find enterprises by name, to place an incident at one."""

from __future__ import annotations

import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["find_enterprises"]


def find_enterprises(
    enterprises: gpd.GeoDataFrame, query: str, *, limit: int = 10
) -> pd.DataFrame:
    """Enterprises whose name contains ``query`` (case- and width-insensitive), to place an
    incident at one: exact matches first, then shorter names; columns ``id``, ``name``,
    ``grade``, ``district``, ``lon``, ``lat``.

    >>> import geopandas as gpd
    >>> ent = gpd.GeoDataFrame({"name": ["华强化工", "华强北仓储", "宝安燃气"]},
    ...                        geometry=gpd.points_from_xy([114.0, 114.1, 113.9], [22.5] * 3))
    >>> list(find_enterprises(ent, "华强")["name"])
    ['华强化工', '华强北仓储']
    """

    columns = ["id", "name", "grade", "district", "lon", "lat"]
    text = unicodedata.normalize("NFKC", str(query or "")).strip().lower()
    if not text or len(enterprises) == 0 or "name" not in enterprises:
        return pd.DataFrame(columns=columns)
    names = enterprises["name"].astype(str)
    folded = names.map(lambda v: unicodedata.normalize("NFKC", v).lower())
    hit = np.flatnonzero(folded.str.contains(text, regex=False).to_numpy())
    if hit.size == 0:
        return pd.DataFrame(columns=columns)
    exact = (folded.to_numpy()[hit] == text).astype(int)
    length = names.str.len().to_numpy()[hit]
    hit = hit[np.lexsort((length, -exact))][:limit]
    rows = enterprises.iloc[hit]
    xy = shapely.get_coordinates(shapely.centroid(rows.geometry.to_numpy()))
    out = pd.DataFrame({c: rows[c].to_numpy() if c in rows else "" for c in columns[:4]})
    out["lon"], out["lat"] = xy[:, 0], xy[:, 1]
    return out

