"""Find enterprises to place an incident at one: by part of the name (:func:`find_enterprises`,
what ``riskmap cordon --enterprise`` needs: an unbroken part, exact name first), or tolerantly by
any part of the name, address or id (:func:`search_enterprises`, what a person types in the
incident tab: ``华强北`` finds an address, ``E002241`` an id, ``深圳南达`` finds 深圳市南达…)."""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process

__all__ = ["find_enterprises", "search_enterprises", "SEARCH_FIELDS"]


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



SEARCH_FIELDS = ("name", "address", "id")
"""The columns :func:`search_enterprises` looks in, the first preferred on equal scores."""
_FIELD_WEIGHT = {"name": 1.0, "id": 1.0, "address": 0.97}
_MAX_GAP = 3
"""At most this many characters left out between two typed ones (深圳南达 → 深圳市南达)."""


def _fold(value: object) -> str:
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).strip().lower()


def _field_scores(folded: pd.Series, text: str, *, fuzzy_cutoff: float) -> np.ndarray:
    """0-103 per row: exact 103, prefix 101, contained 100, the typed characters in order with
    short gaps 80-90, else rapidfuzz's partial ratio scaled below those (0 under the cutoff)."""
    values = folded.to_numpy(dtype=object)
    score = np.zeros(len(values))
    contains = folded.str.contains(text, regex=False).to_numpy(dtype=bool)
    score[contains] = 100.0
    score[contains & folded.str.startswith(text).to_numpy(dtype=bool)] = 101.0
    score[values == text] = 103.0
    rest = np.flatnonzero(~contains)
    if len(text) >= 2 and rest.size:
        gapped = re.compile(f".{{0,{_MAX_GAP}}}".join(re.escape(c) for c in text))
        for i in rest:
            m = gapped.search(values[i])
            if m:
                score[i] = max(80.0, 90.0 - (len(m.group(0)) - len(text)))
    rest = np.flatnonzero(score == 0)
    if len(text) >= 3 and rest.size:
        ratio = process.cdist([text], values[rest].tolist(), scorer=fuzz.partial_ratio,
                              score_cutoff=fuzzy_cutoff, workers=1)[0]
        score[rest] = np.where(ratio > 0, ratio * 0.75, 0.0)
    return score


def search_enterprises(
    enterprises: gpd.GeoDataFrame,
    query: str,
    *,
    limit: int = 10,
    near: tuple[float, float] | None = None,
    fuzzy_cutoff: float = 75.0,
) -> pd.DataFrame:
    """Enterprises matching ``query`` anywhere in their name, address or id, tolerant of
    characters left out, best matches first (then nearest to ``near``, then shorter names).

    Parameters
    ----------
    enterprises
        The enterprise layer (EPSG:4326 points; ``name``, ``address``, ``id`` where present).
    query
        What was typed; case, full-width forms and surrounding spaces do not matter.
    limit
        At most this many rows.
    near
        ``(lon, lat)``, e.g. the map's centre: among equal scores the nearer enterprise first.
    fuzzy_cutoff
        The lowest rapidfuzz ``partial_ratio`` (0-100) accepted for a query of three characters
        or more that is neither contained nor spelled out in order with short gaps.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``name``, ``address``, ``grade``, ``district``, ``lon``, ``lat``, ``score``
        (0-103: 103 an exact field, 100 contained, 80-90 in order with gaps, below 75 fuzzy)
        and ``matched`` (the field that matched best).

    >>> import geopandas as gpd
    >>> ent = gpd.GeoDataFrame({"id": ["E1", "E2"], "name": ["深圳市南达化工有限公司", "宝安燃气"],
    ...                         "address": ["南山区科技园", "宝安区华强北路"]},
    ...                        geometry=gpd.points_from_xy([114.0, 113.9], [22.5, 22.6]))
    >>> list(search_enterprises(ent, "深圳南达")["id"]), list(search_enterprises(ent, "华强北")["id"])
    (['E1'], ['E2'])
    """
    columns = ["id", "name", "address", "grade", "district", "lon", "lat", "score", "matched"]
    text = _fold(query)
    if not text or len(enterprises) == 0:
        return pd.DataFrame(columns=columns)
    fields = [f for f in SEARCH_FIELDS if f in enterprises.columns]
    if not fields:
        return pd.DataFrame(columns=columns)
    per_field = np.vstack([
        _field_scores(enterprises[f].map(_fold), text, fuzzy_cutoff=fuzzy_cutoff)
        * _FIELD_WEIGHT[f] for f in fields
    ])
    best_field = per_field.argmax(axis=0)
    score = per_field.max(axis=0)
    hit = np.flatnonzero(score > 0)
    if hit.size == 0:
        return pd.DataFrame(columns=columns)
    xy_all = shapely.get_coordinates(shapely.centroid(enterprises.geometry.to_numpy()[hit]))
    if near is not None:
        lat0 = np.radians(float(near[1]))
        dist = np.hypot((xy_all[:, 0] - float(near[0])) * np.cos(lat0), xy_all[:, 1] - float(near[1]))
    else:
        dist = np.zeros(hit.size)
    names = enterprises["name"].astype(str).to_numpy()[hit] if "name" in enterprises \
        else np.full(hit.size, "")
    length = np.fromiter((len(n) for n in names), dtype=np.int64, count=hit.size)
    order = np.lexsort((length, dist, -np.round(score[hit], 6)))[:limit]
    rows = enterprises.iloc[hit[order]]
    out = pd.DataFrame({c: rows[c].to_numpy() if c in rows else "" for c in columns[:5]})
    out["lon"], out["lat"] = xy_all[order, 0], xy_all[order, 1]
    out["score"] = np.round(score[hit[order]], 1)
    out["matched"] = [fields[i] for i in best_field[hit[order]]]
    return out
