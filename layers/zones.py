"""The graded risk zones (安全风险空间分布图) as one folium layer, with its legend as data.

One :class:`folium.GeoJson` per call, whatever the number of features: each feature carries only
its grade code and a few numbers for the tooltip, and one JavaScript style function colours it
from the grade (colours from :mod:`risk.grades`, the same as the print maps). No per-feature
Python style function runs, so thousands of grid cells cost no more than four influence zones.

>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> from risk.zones import influence_zones
>>> pts = gpd.GeoDataFrame({"grade": ["red", "blue"]},
...                        geometry=[Point(114.05, 22.55), Point(114.06, 22.55)], crs=4326)
>>> zones = influence_zones(pts)
>>> zones_legend(zones, lang="en")
[('#d7191c', 'Major risk (red)'), ('#2c7bb6', 'Low risk (blue)')]
>>> zones_layer(zones).layer_name
'风险影响区 Risk influence zones'
"""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.utilities import JsCode

from layers.style import GRADE_COLORS, label
from risk.crs import metric_crs
from risk.grades import GRADES

__all__ = ["ZONE_TITLES", "zones_kind", "zones_geojson", "zones_layer", "zones_legend"]

ZONE_TITLES: dict[str, tuple[str, str]] = {
    "influence": ("风险影响区", "Risk influence zones"),
    "grid": ("风险网格", "Risk grid"),
    "admin": ("分区风险等级", "Risk by administrative unit"),
}
"""Layer titles ``(zh, en)`` by method."""

_FIELDS: dict[str, list[tuple[str, tuple[str, str]]]] = {
    "influence": [
        ("label", ("风险等级", "Grade")),
        ("area_km2", ("面积（km²）", "Area (km²)")),
        ("enterprises", ("该等级企业数", "Enterprises of this grade")),
    ],
    "grid": [
        ("label", ("风险等级", "Grade")),
        ("n_total", ("企业数", "Enterprises")),
        ("counts", ("红/橙/黄/蓝", "Red/orange/yellow/blue")),
        ("score", ("加权密度（/km²）", "Weighted density (/km²)")),
        ("area_km2", ("面积（km²）", "Area (km²)")),
    ],
    "admin": [
        ("name", ("单元", "Unit")),
        ("label", ("风险等级", "Grade")),
        ("n_total", ("企业数", "Enterprises")),
        ("counts", ("红/橙/黄/蓝", "Red/orange/yellow/blue")),
        ("score", ("加权密度（/km²）", "Weighted density (/km²)")),
        ("area_km2", ("面积（km²）", "Area (km²)")),
    ],
}


def zones_kind(zones: pd.DataFrame) -> str:
    """Which method made ``zones``: ``"influence"``, ``"grid"`` or ``"admin"``."""
    if not isinstance(zones, pd.DataFrame) or "grade" not in zones.columns:
        got = list(zones.columns) if isinstance(zones, pd.DataFrame) else type(zones).__name__
        raise ValueError(f"`zones` must be the output of risk.zones.*_zones, got {got}")
    if "enterprises" in zones.columns:
        return "influence"
    if "cell_i" in zones.columns:
        return "grid"
    if "name" in zones.columns:
        return "admin"
    raise ValueError(f"`zones` must be the output of risk.zones.*_zones, got {list(zones.columns)}")


def zones_legend(zones: pd.DataFrame | None = None, *, lang: str = "zh") -> list[tuple[str, str]]:
    """``[(colour, label), …]`` for the grades shown by ``zones`` (all four if ``None``)."""
    present = None if zones is None else set(zones["grade"].dropna())
    return [(g.color, g.label(lang)) for g in GRADES if present is None or g.value in present]


def _style_js(*, fill_opacity: float, weight: float) -> JsCode:
    colors = json.dumps(GRADE_COLORS)
    return JsCode(
        "function (feature) {"
        f" var colors = {colors};"
        " var c = colors[feature.properties.grade] || '#9e9e9e';"
        f" return {{color: c, weight: {weight!r}, opacity: 0.9, fillColor: c,"
        f" fillOpacity: {fill_opacity!r}}}; }}"
    )


def _properties(zones: gpd.GeoDataFrame, kind: str, lang: str) -> pd.DataFrame:
    by_code = {g.value: g for g in GRADES}
    props = pd.DataFrame(index=zones.index)
    props["grade"] = zones["grade"].where(zones["grade"].notna(), None)
    props["label"] = zones["grade"].map(
        lambda c: by_code[c].label(lang) if c in by_code else ("无" if lang != "en" else "none"))
    props["area_km2"] = zones["area_km2"].astype(float).round(3)
    if kind == "influence":
        props["enterprises"] = zones["enterprises"].astype(int)
    else:
        props["n_total"] = zones["n_total"].astype(int)
        props["counts"] = (zones["n_red"].astype(str) + "/" + zones["n_orange"].astype(str) + "/"
                           + zones["n_yellow"].astype(str) + "/" + zones["n_blue"].astype(str))
        props["score"] = zones["score"].astype(float).round(2)
    if kind == "admin":
        props["name"] = zones["name"].astype(str)
    return props


def zones_geojson(
    zones: gpd.GeoDataFrame,
    *,
    lang: str = "zh",
    decimals: int = 6,
    simplify_m: float | None = None,
) -> tuple[dict, list[tuple[str, str]]]:
    """``zones`` as a GeoJSON dict (EPSG:4326) with display properties, and its tooltip fields.

    Features without a grade or with an empty geometry are left out. ``simplify_m`` simplifies
    outlines (in the zones' metric CRS when they have one, else in
    :func:`risk.crs.metric_crs` of the zones) for display only; areas and counts in
    the properties are those of the exact zones.
    """
    kind = zones_kind(zones)
    if lang not in ("zh", "en"):
        raise ValueError(f"`lang` must be 'zh' or 'en', got {lang!r}")
    if not isinstance(zones, gpd.GeoDataFrame) or zones.crs is None:
        raise ValueError("`zones` must be a GeoDataFrame with a CRS")
    geoms = zones.geometry.to_numpy()
    keep = zones["grade"].notna().to_numpy() & ~pd.isna(geoms)
    keep[keep] = ~shapely.is_empty(geoms[keep])
    frame = zones[keep]
    if simplify_m and len(frame):
        metric = frame if frame.crs.is_projected else frame.to_crs(metric_crs(frame))
        frame = metric.set_geometry(metric.geometry.simplify(simplify_m, preserve_topology=False))
    frame = frame.to_crs(4326) if frame.crs.to_epsg() != 4326 else frame
    geoms = frame.geometry.to_numpy()
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
    props = _properties(frame, kind, lang)
    data = gpd.GeoDataFrame(props, geometry=geoms, crs=4326)
    geojson = json.loads(data.to_json(drop_id=True, ensure_ascii=False))
    fields = [(f, label(pair, lang)) for f, pair in _FIELDS[kind]]
    return geojson, fields


def zones_layer(
    zones: gpd.GeoDataFrame,
    *,
    name: str | None = None,
    lang: str = "zh",
    fill_opacity: float = 0.45,
    weight: float = 0.8,
    decimals: int = 6,
    tooltip: bool = True,
    show: bool = True,
) -> folium.GeoJson:
    """A folium layer drawing ``zones`` (any :mod:`risk.zones` method) coloured by grade.

    Parameters
    ----------
    zones
        Output of :func:`risk.zones.influence_zones`, :func:`~risk.zones.grid_zones` or
        :func:`~risk.zones.admin_zones` (any CRS; drawn in EPSG:4326).
    name
        Layer name in the layer control; default the method's title in Chinese and English.
    lang
        Language of the tooltip labels, ``"zh"`` or ``"en"``.
    fill_opacity, weight
        Polygon fill opacity and outline width in CSS pixels.
    decimals
        Coordinates are rounded to this many decimal degrees (6 ≈ 0.1 m) to keep the page small.
    tooltip
        Show grade, counts and area on hover.
    show
        Whether the layer starts visible.

    Returns
    -------
    folium.GeoJson
        One layer; features without a grade or with an empty geometry are left out.
    """
    kind = zones_kind(zones)
    geojson, fields = zones_geojson(zones, lang=lang, decimals=decimals)
    tip = None
    if tooltip and geojson["features"]:
        tip = folium.GeoJsonTooltip(fields=[f for f, _ in fields],
                                    aliases=[a for _, a in fields], sticky=True)
    title = name or " ".join(ZONE_TITLES[kind])
    return folium.GeoJson(
        geojson, name=title, show=show, tooltip=tip,
        style=_style_js(fill_opacity=float(fill_opacity), weight=float(weight)),
    )

