"""Folium layers for the computed terrain results: dangerous-slope zones, registered slopes
(confirmed or not), candidate ponding areas and the population shelters do not cover.

Each builder returns **one** ``folium.GeoJson``. Colours are decided in Python once for the
whole frame (vectorised) and stored in each feature's ``_c`` property; a small JavaScript
``onEachFeature`` applies them, so no Python ``style_function`` runs per feature. Legends are data
— ``[(colour, label), …]`` lists — that the app or a print map renders.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.utilities import JsCode

from layers.style import label
from risk.grades import GRADES, Grade

__all__ = [
    "slope_zones_layer",
    "registered_slopes_layer",
    "ponding_layer",
    "uncovered_layer",
    "slope_zone_legend",
    "registered_slopes_legend",
    "ponding_legend",
    "uncovered_legend",
    "PONDING_CLASSES",
    "UNCOVERED_CLASSES",
]

TITLES = {
    "zones": ("计算危险边坡（DEM）", "Computed dangerous slopes (DEM)"),
    "registered": ("登记边坡核对", "Registered slopes checked"),
    "ponding": ("易积水洼地（DEM）", "Candidate ponding areas (DEM)"),
    "uncovered": ("避难场所未覆盖人口", "Population not covered by shelters"),
}
CONFIRMED = {True: ("#1a9641", ("计算结果确认", "Confirmed by computation")),
             False: ("#7b3294", ("计算结果未确认", "Not confirmed by computation"))}

PONDING_CLASSES: tuple[tuple[float, str, tuple[str, str]], ...] = (
    (0.0, "#9ecae1", ("最大深度 < 0.5 m", "Max depth < 0.5 m")),
    (0.5, "#4292c6", ("最大深度 0.5–1 m", "Max depth 0.5–1 m")),
    (1.0, "#08519c", ("最大深度 ≥ 1 m", "Max depth ≥ 1 m")),
)
"""(lower bound of max depth in metres, colour, label)."""

UNCOVERED_CLASSES: tuple[tuple[float, str, tuple[str, str]], ...] = (
    (0.0, "#fee5d9", ("未覆盖 < 100 人", "Uncovered < 100 people")),
    (100.0, "#fcae91", ("未覆盖 100–1 000 人", "Uncovered 100–1,000 people")),
    (1_000.0, "#fb6a4a", ("未覆盖 1 000–5 000 人", "Uncovered 1,000–5,000 people")),
    (5_000.0, "#cb181d", ("未覆盖 ≥ 5 000 人", "Uncovered ≥ 5,000 people")),
)
"""(lower bound of uncovered people per hexagon, colour, label)."""

_APPLY_STYLE = JsCode(
    """function (feature, layer) {
        if (layer.setStyle && feature.properties && feature.properties._c) {
            layer.setStyle({color: feature.properties._c, fillColor: feature.properties._c});
        }
    }"""
)


def slope_zone_legend(lang: str = "zh") -> list[tuple[str, str]]:
    """Grades of computed dangerous-slope zones, most severe first."""
    return [(g.color, f"{label(TITLES['zones'], lang)}: {g.label(lang)}") for g in GRADES]


def registered_slopes_legend(lang: str = "zh") -> list[tuple[str, str]]:
    return [(c, label(text, lang)) for c, text in (CONFIRMED[True], CONFIRMED[False])]


def ponding_legend(lang: str = "zh") -> list[tuple[str, str]]:
    return [(c, label(text, lang)) for _, c, text in PONDING_CLASSES]


def uncovered_legend(lang: str = "zh") -> list[tuple[str, str]]:
    return [(c, label(text, lang)) for _, c, text in UNCOVERED_CLASSES]


def _classes(values: np.ndarray, classes: Sequence[tuple[float, str, Any]]) -> list[str]:
    bounds = np.array([c[0] for c in classes[1:]], dtype=float)
    idx = np.searchsorted(bounds, np.nan_to_num(values.astype(float)), side="right")
    colours = [c[1] for c in classes]
    return [colours[i] for i in idx]


def _geojson(gdf: gpd.GeoDataFrame, columns: Sequence[str], colours: Sequence[str],
             decimals: int = 6) -> dict[str, Any]:
    """Compact GeoJSON: EPSG:4326, coordinates rounded, only ``columns`` plus ``_c``."""
    frame = gdf.to_crs(4326) if gdf.crs is not None else gdf
    geoms = shapely.transform(frame.geometry.to_numpy(), lambda xy: np.round(xy, decimals))
    features = []
    records = frame[list(columns)].astype(object).where(frame[list(columns)].notna(), None)
    for geom, row, colour in zip(geoms, records.to_dict("records"), colours, strict=True):
        props = {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        props["_c"] = colour
        features.append({"type": "Feature", "properties": props,
                         "geometry": json.loads(shapely.to_geojson(geom))})
    return {"type": "FeatureCollection", "features": features}


def _layer(data: dict[str, Any], *, name: str, fields: Sequence[str], aliases: Sequence[str],
           show: bool, fill_opacity: float, weight: float) -> folium.GeoJson:
    tooltip = (folium.GeoJsonTooltip(fields=list(fields), aliases=list(aliases), localize=True)
               if data["features"] else None)
    return folium.GeoJson(
        data, name=name, show=show, tooltip=tooltip, on_each_feature=_APPLY_STYLE,
        style={"weight": weight, "fillOpacity": fill_opacity, "opacity": 0.9},
    )


def slope_zones_layer(zones: gpd.GeoDataFrame, *, lang: str = "zh",
                      show: bool = True) -> folium.GeoJson:
    """Computed dangerous-slope zones (from :func:`risk.slopes.dangerous_slope_zones`),
    coloured by grade."""
    cols = ["id", "grade", "height_m", "max_angle_deg", "area_m2", "people_below",
            "enterprises_below"]
    grades = [Grade(g) for g in zones["grade"]] if len(zones) else []
    frame = zones.assign(grade=[g.label(lang) for g in grades]) if len(zones) else zones
    data = _geojson(frame, cols, [g.color for g in grades])
    pairs = (("编号", "ID"), ("等级", "Grade"), ("高度 (m)", "Height (m)"),
             ("最大坡度 (°)", "Max angle (°)"), ("面积 (m²)", "Area (m²)"),
             ("坡下人口", "People below"), ("坡下企业", "Enterprises below"))
    aliases = [label(p, lang) for p in pairs]
    return _layer(data, name=label(TITLES["zones"], lang), fields=cols, aliases=aliases,
                  show=show, fill_opacity=0.55, weight=1.0)


def registered_slopes_layer(compared: gpd.GeoDataFrame, *, lang: str = "zh",
                            show: bool = True) -> folium.GeoJson:
    """Registered slopes from :func:`risk.slopes.compare_registered`: confirmed green,
    unconfirmed purple."""
    confirmed = compared["confirmed"].astype(bool).tolist() if len(compared) else []
    text = [label(CONFIRMED[c][1], lang) for c in confirmed]
    frame = compared.assign(check=text) if len(compared) else compared.assign(check=[])
    cols = [c for c in ("name", "district", "height_m", "angle_deg") if c in frame.columns]
    cols += ["overlap", "check"]
    data = _geojson(frame, cols, [CONFIRMED[c][0] for c in confirmed])
    names = {"name": ("名称", "Name"), "district": ("所属区", "District"),
             "height_m": ("高度 (m)", "Height (m)"), "angle_deg": ("坡度 (°)", "Angle (°)"),
             "overlap": ("重合比例", "Overlap"), "check": ("核对", "Check")}
    return _layer(data, name=label(TITLES["registered"], lang), fields=cols,
                  aliases=[label(names[c], lang) for c in cols], show=show, fill_opacity=0.25,
                  weight=2.0)


def ponding_layer(ponds: gpd.GeoDataFrame, *, lang: str = "zh",
                  show: bool = True) -> folium.GeoJson:
    """Candidate ponding areas (:func:`risk.waterlogging.ponding_areas`) by maximum depth."""
    cols = ["id", "max_depth_m", "mean_depth_m", "area_m2", "volume_m3"]
    colours = _classes(ponds["max_depth_m"].to_numpy(), PONDING_CLASSES) if len(ponds) else []
    data = _geojson(ponds, cols, colours)
    aliases = [label(p, lang) for p in (("编号", "ID"), ("最大深度 (m)", "Max depth (m)"),
                                         ("平均深度 (m)", "Mean depth (m)"),
                                         ("面积 (m²)", "Area (m²)"), ("容积 (m³)", "Volume (m³)"))]
    return _layer(data, name=label(TITLES["ponding"], lang), fields=cols, aliases=aliases,
                  show=show, fill_opacity=0.6, weight=0.8)


def uncovered_layer(hexagons: gpd.GeoDataFrame, *, lang: str = "zh",
                    show: bool = True) -> folium.GeoJson:
    """Hexagons of population outside every shelter's service radius
    (:attr:`risk.shelters.Coverage.hexagons`)."""
    colours = _classes(hexagons["people"].to_numpy(), UNCOVERED_CLASSES) if len(hexagons) else []
    data = _geojson(hexagons, ["people"], colours)
    return _layer(data, name=label(TITLES["uncovered"], lang), fields=["people"],
                  aliases=[label(("未覆盖人口", "Uncovered people"), lang)], show=show,
                  fill_opacity=0.55, weight=0.5)
