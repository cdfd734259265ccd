"""The documented schema of every dataset layer, and row-by-row validation against it.

All vector layers are stored and returned in EPSG:4326 (WGS 84 longitude/latitude). Distances and
areas are never computed in that CRS: the analysis modules project to a local metric CRS first.

======================  ==============  =====================================================
layer                   geometry        columns (type)
======================  ==============  =====================================================
districts               (Multi)Polygon  code (str, 6-digit adcode), name (str), name_en (str)
enterprises             Point           id, name, industry, district, address (str),
                                        grade (red/orange/yellow/blue; any spelling that
                                        :func:`risk.grades.parse_grade` accepts on input),
                                        major_hazard (bool), last_inspection (ISO date or empty)
slopes                  (Multi)Polygon  id, name, district (str), height_m, angle_deg (float),
                                        monitored (bool)
waterlogging            Point           id, name, district (str), max_depth_cm (float),
                                        occurrences (int)
shelters                Point           id, name, district (str),
                                        shelter_type (emergency/fixed/central = 紧急/固定/中心),
                                        area_m2 (float), capacity (int)
roads                   (Multi)Line     id, name (str), road_class (expressway/trunk/primary/
                                        secondary), class (expressway/arterial/secondary/
                                        local: :data:`risk.network_graph.ROAD_CLASSES`),
                                        speed_kmh (float, empty: the class default),
                                        oneway (bool: the drawn direction only)
rescue_teams            Point           id, name, kind (综合消防/危化/矿山/森林/水域/医疗/电力…),
                                        district, phone (str), members, vehicles (int),
                                        ready_min (minutes before departure, >= 0)
material_depots         Point           one row per depot and item: id (of the row), name (of
                                        the depot), district, item, unit, phone (str),
                                        quantity, min_level (>= 0), expiry (ISO date or empty)
equipment               Point           id, name, kind, owner (team/depot id), district (str),
                                        count (int)
sensitive_sites         Point           id, name (str), kind (school/kindergarten/hospital/
                                        care_home/market/venue = 学校/幼儿园/医院/养老院/商场市场/
                                        场馆: :data:`SITE_KINDS`), people (capacity or people
                                        there, >= 0), district, address (str)
======================  ==============  =====================================================

Rasters: ``dem`` (GeoTIFF, metres above sea level) and ``population`` (GeoTIFF, people per cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from risk.grades import parse_grades

__all__ = [
    "LayerSpec",
    "LAYERS",
    "VECTOR_LAYERS",
    "RASTER_LAYERS",
    "SHELTER_TYPES",
    "ROAD_CLASSES",
    "INDUSTRIES",
    "SITE_KINDS",
    "LayerError",
    "ValidationResult",
    "validate_layer",
    "locate_districts",
    "EXTRA_PREFIX",
]

CRS = "EPSG:4326"

SHELTER_TYPES = {
    "emergency": ("紧急避难场所", "Emergency shelter"),
    "fixed": ("固定避难场所", "Fixed shelter"),
    "central": ("中心避难场所", "Central shelter"),
}
_SHELTER_SPELLINGS = {
    "emergency": "emergency", "紧急": "emergency", "紧急避难场所": "emergency", "i类": "emergency",
    "fixed": "fixed", "固定": "fixed", "固定避难场所": "fixed", "ii类": "fixed",
    "central": "central", "中心": "central", "中心避难场所": "central", "iii类": "central",
}
ROAD_CLASSES = {
    "expressway": ("高速公路", "Expressway"),
    "trunk": ("快速路/国道", "Trunk road"),
    "primary": ("主干道", "Primary road"),
    "secondary": ("次干道", "Secondary road"),
}
INDUSTRIES = {
    "危化品": "Hazardous chemicals",
    "燃气": "Gas",
    "工贸": "Industry & trade",
    "建筑施工": "Construction",
    "仓储物流": "Warehousing & logistics",
    "其他": "Other",
}


SITE_KINDS = {
    "school": ("学校", "School"),
    "kindergarten": ("幼儿园", "Kindergarten"),
    "hospital": ("医院", "Hospital"),
    "care_home": ("养老院", "Care home"),
    "market": ("商场市场", "Market or mall"),
    "venue": ("场馆", "Venue"),
}
"""Kinds of sensitive sites (people to warn or evacuate first), code -> (zh, en)."""
_SITE_SPELLINGS = {
    **{code: code for code in SITE_KINDS},
    **{zh: code for code, (zh, _) in SITE_KINDS.items()},
    **{en.lower(): code for code, (_, en) in SITE_KINDS.items()},
    "中学": "school", "小学": "school", "大学": "school", "高校": "school", "中小学": "school",
    "托儿所": "kindergarten", "幼托": "kindergarten", "nursery": "kindergarten",
    "卫生院": "hospital", "诊所": "hospital", "社区卫生服务中心": "hospital", "clinic": "hospital",
    "养老机构": "care_home", "敬老院": "care_home", "福利院": "care_home", "nursing home": "care_home",
    "care home": "care_home", "商场": "market", "市场": "market", "农贸市场": "market",
    "商场/市场": "market", "mall": "market", "体育馆": "venue", "体育场": "venue",
    "会展中心": "venue", "剧院": "venue", "车站": "venue", "stadium": "venue",
}


class LayerError(ValueError):
    """A whole layer cannot be used (missing file, missing column, wrong geometry type)."""


@dataclass(frozen=True)
class LayerSpec:
    name: str
    label_zh: str
    label_en: str
    geom_types: tuple[str, ...]
    columns: dict[str, str]
    """column -> kind: str, float, int, bool, date, grade, shelter_type, road_class, amount,
    site_kind"""
    required: tuple[str, ...] = ()
    """columns that must be present in the file; others are filled with defaults"""
    check_region: bool = True

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh


LAYERS: dict[str, LayerSpec] = {
    s.name: s
    for s in [
        LayerSpec(
            "districts", "行政区划", "Districts", ("Polygon", "MultiPolygon"),
            {"code": "str", "name": "str", "name_en": "str"}, required=("name",),
            check_region=False,
        ),
        LayerSpec(
            "enterprises", "企业风险点", "Enterprises", ("Point",),
            {
                "id": "str", "name": "str", "industry": "str", "district": "str",
                "address": "str", "grade": "grade", "major_hazard": "bool",
                "last_inspection": "date",
            },
            required=("name", "grade"),
        ),
        LayerSpec(
            "slopes", "危险边坡", "Dangerous slopes", ("Polygon", "MultiPolygon"),
            {
                "id": "str", "name": "str", "district": "str", "height_m": "float",
                "angle_deg": "float", "monitored": "bool",
            },
            required=("name",),
        ),
        LayerSpec(
            "waterlogging", "内涝积水点", "Waterlogging points", ("Point",),
            {
                "id": "str", "name": "str", "district": "str", "max_depth_cm": "float",
                "occurrences": "int",
            },
            required=("name", "max_depth_cm"),
        ),
        LayerSpec(
            "shelters", "应急避难场所", "Emergency shelters", ("Point",),
            {
                "id": "str", "name": "str", "district": "str", "shelter_type": "shelter_type",
                "area_m2": "float", "capacity": "int",
            },
            required=("name", "shelter_type"),
        ),
        LayerSpec(
            "roads", "道路", "Roads", ("LineString", "MultiLineString"),
            {"id": "str", "name": "str", "road_class": "road_class", "class": "str",
             "speed_kmh": "float", "oneway": "bool"},
            required=(),
        ),
        LayerSpec(
            "rescue_teams", "救援队伍", "Rescue teams", ("Point",),
            {
                "id": "str", "name": "str", "kind": "str", "members": "int", "vehicles": "int",
                "ready_min": "amount", "district": "str", "phone": "str",
            },
            required=("name",),
        ),
        LayerSpec(
            "material_depots", "物资储备库", "Material depots", ("Point",),
            {
                "id": "str", "name": "str", "district": "str", "item": "str",
                "quantity": "amount", "unit": "str", "expiry": "date", "min_level": "amount",
                "phone": "str",
            },
            required=("name", "item"),
        ),
        LayerSpec(
            "equipment", "应急装备", "Equipment", ("Point",),
            {
                "id": "str", "name": "str", "kind": "str", "count": "int", "owner": "str",
                "district": "str",
            },
            required=("name",),
        ),
        LayerSpec(
            "sensitive_sites", "敏感目标", "Sensitive sites", ("Point",),
            {
                "id": "str", "name": "str", "kind": "site_kind", "people": "amount",
                "district": "str", "address": "str",
            },
            required=("name", "kind"),
        ),
    ]
}
VECTOR_LAYERS = tuple(LAYERS)
RASTER_LAYERS = {"dem": ("数字高程模型", "Elevation (DEM)"), "population": ("人口分布", "Population")}

_TRUE = {"1", "true", "t", "yes", "y", "是", "有", "√", "✓"}
_FALSE = {"0", "false", "f", "no", "n", "否", "无", "", "none", "nan"}


@dataclass
class ValidationResult:
    """Rows that passed (``accepted``), every row set aside with its reason (``rejected``) and
    rows kept but to check (``notes``: a district filled or contradicted by the coordinates)."""

    layer: str
    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["layer", "row", "column", "value", "reason"])
    )
    notes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["layer", "row", "column", "value", "reason"])
    )

    @property
    def ok(self) -> bool:
        return self.rejected.empty


def _to_bool(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    if series.dtype == bool:
        return series, pd.Series(False, index=series.index)
    text = series.astype(object).map(lambda v: "" if v is None else str(v).strip().lower())
    out = text.isin(_TRUE)
    bad = ~(text.isin(_TRUE) | text.isin(_FALSE))
    return out, bad


def _coerce(kind: str, series: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Return (values, bad-mask, reason) for one column."""
    none = pd.Series(False, index=series.index)
    if kind == "str":
        values = series.astype(object).map(lambda v: "" if v is None or v != v else str(v).strip())
        return values, none, ""
    if kind in ("float", "int"):
        values = pd.to_numeric(series, errors="coerce")
        bad = values.isna() & series.notna() & (series.astype(str).str.strip() != "")
        if kind == "int":
            bad |= values.notna() & (values != values.round())
            return values.round().astype("Int64"), bad, "not a whole number"
        return values.astype(float), bad, "not a number"
    if kind == "bool":
        values, bad = _to_bool(series)
        return values, bad, "not yes/no (是/否, true/false, 1/0)"
    if kind == "date":
        text = series.astype(object).map(lambda v: "" if v is None or v != v else str(v).strip())
        parsed = pd.to_datetime(text.where(text != ""), errors="coerce")
        bad = parsed.isna() & (text != "")
        return parsed.dt.strftime("%Y-%m-%d").fillna(""), bad, "not a date (YYYY-MM-DD)"
    if kind == "grade":
        codes, errors = parse_grades(series)
        return codes, errors.notna(), "unknown risk grade"
    if kind == "shelter_type":
        key = series.astype(object).map(lambda v: "" if v is None else str(v).strip().lower())
        values = key.map(_SHELTER_SPELLINGS)
        return values, values.isna(), "shelter type must be 紧急/固定/中心 (emergency/fixed/central)"
    if kind == "road_class":
        key = series.astype(object).map(lambda v: "" if v is None else str(v).strip().lower())
        bad = ~key.isin(list(ROAD_CLASSES))
        return key.where(~bad, "secondary"), bad & (key != ""), (
            f"road class must be one of {', '.join(ROAD_CLASSES)}"
        )
    if kind == "amount":  # a quantity that cannot be negative (stock, minutes)
        values = pd.to_numeric(series, errors="coerce").astype(float)
        blank = series.isna() | (series.astype(str).str.strip() == "")
        bad = (values.isna() & ~blank) | (values < 0)
        return values, bad, "not a number >= 0 (负数或非数字)"
    if kind == "site_kind":
        key = series.astype(object).map(lambda v: "" if v is None else str(v).strip().lower())
        values = key.map(_SITE_SPELLINGS)
        return values, values.isna(), (
            "site kind must be 学校/幼儿园/医院/养老院/商场市场/场馆 "
            f"({'/'.join(SITE_KINDS)})"
        )
    raise ValueError(f"unknown column kind {kind!r}")


_DEFAULTS = {"str": "", "float": np.nan, "int": pd.NA, "bool": False, "date": "",
             "amount": np.nan}

EXTRA_PREFIX = ""
"""Extra columns (not in the schema: 序号, 法人, 联系电话 …) keep their own names, as text."""
OUTSIDE_REJECTED = frozenset({"enterprises"})
"""Layers whose points must lie in a district (the district counts rest on them); other layers'
points outside every district are kept and noted."""


def locate_districts(geometry: gpd.GeoSeries, districts: gpd.GeoDataFrame) -> np.ndarray:
    """The ``name`` of the district holding each geometry's representative point ("" for none,
    or for an empty geometry); both in EPSG:4326.

    >>> from shapely.geometry import Point, box
    >>> d = gpd.GeoDataFrame({"name": ["甲区", "乙区"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
    ...                      crs=4326)
    >>> locate_districts(gpd.GeoSeries([Point(0.5, 0.5), Point(1.5, 0.2), Point(5, 5)],
    ...                                crs=4326), d).tolist()
    ['甲区', '乙区', '']
    """
    out = np.full(len(geometry), "", dtype=object)
    present = ~(geometry.isna() | geometry.is_empty).to_numpy()
    if not present.any() or not len(districts):
        return out
    polys = districts.to_crs(CRS).geometry.to_numpy() if districts.crs is not None else (
        districts.geometry.to_numpy())
    names = districts["name"].astype(str).to_numpy()
    probe = shapely.get_coordinates(geometry[present].representative_point().to_numpy())
    points = cast("np.ndarray", shapely.points(probe))  # an array in, an array out
    tree = shapely.STRtree(polys)
    pt_idx, poly_idx = tree.query(points, predicate="within")
    found = np.array([""] * len(points), dtype=object)
    first = np.unique(pt_idx, return_index=True)[1]  # the first district of each point
    found[pt_idx[first]] = names[poly_idx[first]]
    out[np.flatnonzero(present)] = found
    return out


def validate_layer(
    name: str,
    gdf: gpd.GeoDataFrame,
    *,
    region: shapely.Geometry | None = None,
    source: str = "",
    row_offset: int = 1,
    districts: gpd.GeoDataFrame | None = None,
    on_mismatch: str = "flag",
) -> ValidationResult:
    """Check a raw layer against its schema; return the rows that pass and every rejected row.

    A problem with the whole layer (unknown layer name, missing required column, no geometry)
    raises :class:`LayerError`. A problem with one row sets that row aside with its row number
    (``row_offset`` + position, so 1-based by default), the column and the reason; nothing is
    dropped silently.

    Parameters
    ----------
    name
        A layer name from :data:`LAYERS`.
    gdf
        The layer as read, in any CRS (it is reprojected to EPSG:4326).
    region
        Points (and the centroids of other shapes) must fall inside this EPSG:4326 geometry.
    source
        File or table name, used in messages.
    districts
        The dataset's districts: each row's ``district`` is checked against the district its
        coordinates fall in. A blank district is filled from the coordinates (noted); a
        different district is kept and noted (``on_mismatch="reject"``: rejected); "南山" for
        南山区 is completed silently. A point outside every district is rejected for the
        enterprises (:data:`OUTSIDE_REJECTED`) when no ``region`` was checked; within the
        region's margin (coast, piers, reclaimed land) it is kept, given the nearest district
        when its own is blank, and noted.

    Columns the schema does not know are kept as text (extra attributes, never dropped).
    """
    if on_mismatch not in ("flag", "reject"):
        raise ValueError(f"`on_mismatch` must be 'flag' or 'reject', got {on_mismatch!r}")
    if name not in LAYERS:
        raise LayerError(f"unknown layer {name!r}; valid layers: {', '.join(LAYERS)}")
    spec = LAYERS[name]
    where = f"layer {name!r}" + (f" ({source})" if source else "")
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise LayerError(f"{where} has no geometry column")
    missing = [c for c in spec.required if c not in gdf.columns]
    if missing:
        raise LayerError(
            f"{where} is missing required column(s) {', '.join(missing)}; "
            f"expected columns: {', '.join(spec.columns)}"
        )
    if gdf.crs is None:
        raise LayerError(f"{where} has no coordinate reference system (CRS)")
    frame = gdf.reset_index(drop=True)
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(CRS)
    rows = pd.Series(np.arange(len(frame)) + row_offset, index=frame.index)
    problems: list[dict] = []

    def reject(mask: pd.Series, column: str, values: pd.Series, reason: str | pd.Series) -> None:
        for idx in np.flatnonzero(mask.to_numpy()):
            why = reason.iloc[idx] if isinstance(reason, pd.Series) else reason
            problems.append(
                {"layer": name, "row": int(rows.iloc[idx]), "column": column,
                 "value": "" if values is None else str(values.iloc[idx]), "reason": why}
            )

    out = {}
    reason: str | pd.Series
    for column, kind in spec.columns.items():
        if column not in frame.columns:
            out[column] = pd.Series([_DEFAULTS.get(kind, "")] * len(frame), index=frame.index)
            continue
        values, bad, reason = _coerce(kind, frame[column])
        if kind == "grade":
            _, errors = parse_grades(frame[column])
            reason = errors
        reject(bad, column, frame[column], reason)
        out[column] = values

    geom = frame.geometry
    empty = geom.isna() | geom.is_empty
    reject(empty, "geometry", geom.astype(object), "missing or empty geometry")
    wrong_type = ~empty & ~geom.geom_type.isin(spec.geom_types)
    reject(
        wrong_type, "geometry", geom.geom_type,
        f"geometry must be {'/'.join(spec.geom_types)}",
    )
    invalid = ~empty & ~wrong_type & ~geom.is_valid
    reject(invalid, "geometry", geom.astype(object).map(lambda g: shapely.is_valid_reason(g)),
           "invalid geometry")
    usable = ~(empty | wrong_type | invalid)
    if usable.any():
        xy = shapely.get_coordinates(geom[usable].representative_point())
        out_of_range = pd.Series(False, index=frame.index)
        out_of_range[usable] = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
        reject(out_of_range, "geometry", geom.astype(object).map(lambda g: g.wkt[:60] if g else ""),
               "coordinates out of range (longitude -180..180, latitude -90..90)")
        usable &= ~out_of_range
        if region is not None and spec.check_region and usable.any():
            probe = geom[usable].representative_point()
            inside = pd.Series(True, index=frame.index)
            # x and y are arrays, so contains_xy gives an array (the stubs pick the scalar overload)
            inside[usable] = cast(
                "np.ndarray", shapely.contains_xy(region, *shapely.get_coordinates(probe).T)
            )
            reject(~inside, "geometry", geom.astype(object).map(lambda g: g.wkt[:60] if g else ""),
                   "outside the dataset's region")
    notes: list[dict] = []
    if districts is not None and len(districts) and "district" in spec.columns and usable.any():
        _check_districts(name, frame, out, usable, districts, rows, on_mismatch, reject, notes,
                         region_checked=region is not None and spec.check_region)
    if "name" in spec.columns and "name" in frame.columns:
        empty_name = out["name"] == ""
        reject(empty_name, "name", frame["name"], "empty name")
    if "id" in frame.columns:
        ids = out["id"]
        dup = (ids != "") & ids.duplicated(keep="first")
        reject(dup, "id", frame["id"], "duplicate id")

    rejected = pd.DataFrame(problems, columns=["layer", "row", "column", "value", "reason"])
    bad_rows = set(rejected["row"].tolist())
    keep = ~rows.isin(bad_rows)
    geom_name = frame.geometry.name
    for column in frame.columns:  # extra attributes: kept under their own names, as text
        if column in out or column == geom_name or not isinstance(column, str):
            continue
        out[EXTRA_PREFIX + column] = frame[column].astype(object).map(
            lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v).strip())
    accepted = gpd.GeoDataFrame(
        {c: v[keep] for c, v in out.items()}, geometry=geom[keep].to_numpy(), crs=CRS
    ).reset_index(drop=True)
    if "id" in spec.columns:
        blank = accepted["id"] == ""
        if blank.any():  # fill missing ids from the row number so every feature can be referred to
            accepted.loc[blank, "id"] = [f"{name[:3]}-{r}" for r in rows[keep][blank.to_numpy()]]
    rejected = rejected.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    noted = pd.DataFrame(notes, columns=["layer", "row", "column", "value", "reason"])
    noted = noted[~noted["row"].isin(bad_rows)].reset_index(drop=True)
    return ValidationResult(layer=name, accepted=accepted, rejected=rejected, notes=noted)


def nearest_districts(geometry: gpd.GeoSeries, districts: gpd.GeoDataFrame) -> np.ndarray:
    """The ``name`` of the district nearest each geometry (for points just outside every one)."""
    out = np.full(len(geometry), "", dtype=object)
    if not len(geometry) or not len(districts):
        return out
    polys = districts.to_crs(CRS).geometry.to_numpy() if districts.crs is not None else (
        districts.geometry.to_numpy())
    names = districts["name"].astype(str).to_numpy()
    tree = shapely.STRtree(polys)
    probe = geometry.representative_point().to_numpy()
    pt_idx, poly_idx = tree.query_nearest(probe, all_matches=False)
    out[pt_idx] = names[poly_idx]
    return out


def _check_districts(name, frame, out, usable, districts, rows, on_mismatch, reject, notes,
                     region_checked: bool = False) -> None:
    """The district checks of :func:`validate_layer` (fills ``out["district"]`` in place)."""
    where = pd.Series("", index=frame.index, dtype=object)
    where[usable] = locate_districts(frame.geometry[usable], districts)
    given = out["district"].astype(object).map(lambda v: "" if v is None else str(v).strip())
    # "南山" for 南山区: the same district, completed
    short = (given != "") & (where != "") & (given != where) & where.map(len).gt(given.map(len))
    short &= pd.Series([w.startswith(g) for g, w in zip(given, where, strict=True)],
                       index=frame.index)
    given = given.where(~short, where)
    blank = usable & (given == "") & (where != "")
    for idx in np.flatnonzero(blank.to_numpy()):
        notes.append({"layer": name, "row": int(rows.iloc[idx]), "column": "district",
                      "value": "", "reason": f"所属区为空，已按坐标填为“{where.iloc[idx]}” / blank "
                      f"district filled from the coordinates: {where.iloc[idx]}"})
    given = given.where(~blank, where)
    mismatch = usable & (given != "") & (where != "") & (given != where)
    reasons = pd.Series([f"所属区“{g}”与坐标所在的“{w}”不符 / district {g} does not match the "
                         f"coordinates, which lie in {w}" for g, w in zip(given, where, strict=True)],
                        index=frame.index)
    if on_mismatch == "reject":
        reject(mismatch, "district", given, reasons)
    else:
        for idx in np.flatnonzero(mismatch.to_numpy()):
            notes.append({"layer": name, "row": int(rows.iloc[idx]), "column": "district",
                          "value": given.iloc[idx], "reason": reasons.iloc[idx]})
    outside = usable & (where == "")
    why = "不在数据集的任何行政区内 / outside every district of the dataset"
    if name in OUTSIDE_REJECTED and not region_checked:
        reject(outside, "geometry", frame.geometry.astype(object).map(
            lambda g: g.wkt[:60] if g else ""), why)
    else:
        # within the region's margin (coast, piers, reclaimed land): the nearest district
        near = nearest_districts(frame.geometry[outside], districts)
        for k, idx in enumerate(np.flatnonzero(outside.to_numpy())):
            district = near[k]
            if given.iloc[idx] == "" and district:
                given.iloc[idx] = district
            notes.append({"layer": name, "row": int(rows.iloc[idx]), "column": "geometry",
                          "value": "", "reason": f"{why}；最近的区为“{district}” / nearest "
                          f"district: {district}"})
    out["district"] = given
