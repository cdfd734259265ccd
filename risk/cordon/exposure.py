"""What lies in each cordon zone around an incident: :func:`exposure` and its result.

Enterprises (by grade, major hazard sources, the priority list), shelters (inside the rings and
the nearest outside the control zone), waterlogging points, dangerous slopes, population and
road checkpoints, counted by exact geodesic distance (:mod:`risk.cordon.geodesy`).

Dangerous slopes
    A slope polygon is counted in the zone of its nearest point to the incident (measured in the
    incident's azimuthal-equidistant CRS), so a slope reaching into the core counts as core.

JSON
    :meth:`Exposure.to_json` (the API's and ``riskmap cordon --format json``'s answer) and the
    incident tab's tables are built column by column (:func:`frame_records`,
    :func:`column_values`): the keys and values of ``DataFrame.to_dict("records")`` with NaN/NA
    as ``None``, several times faster, since every click and API call builds them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from risk.cordon.checkpoints import _checkpoints
from risk.cordon.downwind import _downwind_exposure
from risk.cordon.geodesy import (
    DIRECTIONS,
    DIRECTIONS_EN,
    _box,
    _exact_distances,
    _zone_of,
    geodesic_distance,
)
from risk.cordon.index import ExposureIndex, PopulationSource, _Points, _Shapes
from risk.cordon.population import _population
from risk.cordon.rings import (
    Cordon,
    Zone,
    _cordon_of,
    cordon_rings,
    cordon_rings_geojson,
    zones_for,
)
from risk.crs import aeqd_transformers
from risk.grades import GRADES

__all__ = ["Exposure", "exposure", "frame_records", "column_records", "column_values"]


@dataclass
class Exposure:
    """What lies in each zone around one incident. Tables are pandas DataFrames."""

    center: tuple[float, float]
    zones: tuple[Zone, ...]
    enterprises_by_grade: NDArray[np.int64]
    """(zones, 4) counts, columns in :data:`risk.grades.GRADES` order (red … blue)."""
    major_hazard: NDArray[np.int64]
    shelter_counts: NDArray[np.int64]
    shelter_capacity: NDArray[np.int64]
    waterlogging_counts: NDArray[np.int64]
    _priority: Callable[[int | None], pd.DataFrame] = field(repr=False)
    """Builds the priority table's first ``n`` rows (all with ``None``), nearest first."""
    priority_total: int
    _builders: dict[str, Callable[[], pd.DataFrame]] = field(repr=False)
    """Builders of the ``shelters``, ``evacuation_shelters`` and ``waterlogging`` tables."""
    population: NDArray[np.float64] | None
    slopes: pd.DataFrame
    checkpoints: pd.DataFrame
    evacuate_beyond_m: float = 0.0
    downwind: dict[str, Any] | None = field(default=None)
    _rings: gpd.GeoDataFrame | None = field(default=None, repr=False)
    _columns: dict[str, Callable[[int | None], dict[str, Any]]] = field(
        default_factory=dict, repr=False)
    """Column builders (numpy arrays, no table) of ``priority_enterprises`` (the ``n`` nearest)
    and ``evacuation_shelters``: see :meth:`table_columns`."""
    _priority_all: pd.DataFrame | None = field(default=None, repr=False)
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def _table(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = self._builders[name]()
        return self._tables[name].copy()

    @property
    def shelters(self) -> pd.DataFrame:
        """Shelters inside the rings, nearest first, with ``zone`` and ``distance_m``."""
        return self._table("shelters")

    @property
    def evacuation_shelters(self) -> pd.DataFrame:
        """The nearest shelters outside the control zone (``distance_m >= evacuate_beyond_m``)."""
        return self._table("evacuation_shelters")

    @property
    def waterlogging(self) -> pd.DataFrame:
        """Waterlogging points inside the rings, nearest first."""
        return self._table("waterlogging")

    @property
    def priority_enterprises(self) -> pd.DataFrame:
        """Red/orange enterprises and major hazard sources inside the rings, nearest first
        (built on first use: at 1M enterprises this list can hold tens of thousands of rows)."""
        if self._priority_all is None:
            self._priority_all = self._priority(None)
        return self._priority_all.copy()

    def priority_head(self, n: int) -> pd.DataFrame:
        """The ``n`` nearest priority enterprises, without building the whole table."""
        if self._priority_all is not None:
            return self._priority_all.head(n).copy()
        return self._priority(n)

    def table_columns(self, name: str, n: int | None = None) -> dict[str, NDArray[Any]]:
        """The columns of the ``priority_enterprises`` or ``evacuation_shelters`` table (its
        first ``n`` rows; all with ``None``) as arrays, without building the table: what every
        click and API answer needs (:func:`column_records` turns them into rows)."""
        if name in self._columns:
            return self._columns[name](n)
        if name == "priority_enterprises":
            frame = self.priority_enterprises if n is None else self.priority_head(n)
        elif name == "evacuation_shelters":
            frame = self._table_ro(name) if n is None else self._table_ro(name).head(n)
        else:
            msg = (f"`name` must be 'priority_enterprises' or 'evacuation_shelters', "
                   f"got {name!r}")
            raise ValueError(msg)
        return {str(c): frame[c].to_numpy() for c in frame.columns}

    @property
    def rings(self) -> gpd.GeoDataFrame:
        """The zones' polygons (:func:`cordon_rings`), built on first use."""
        if self._rings is None:
            names = [(z.name_zh, z.name_en) for z in self.zones]
            self._rings = cordon_rings(self.cordon, names=names)
        return self._rings.copy()

    @property
    def radii_m(self) -> tuple[float, ...]:
        return tuple(z.outer_m for z in self.zones)

    @property
    def cordon(self) -> Cordon:
        """The validated incident this exposure was computed for."""
        return Cordon(self.center[0], self.center[1], self.radii_m)

    def rings_geojson(self, *, decimals: int = 6) -> dict[str, Any]:
        """The zones' polygons as a GeoJSON FeatureCollection (coordinates rounded to
        ``decimals``), built from the vertex arrays (:func:`cordon_rings_geojson`): what the
        map draws, without a GeoDataFrame."""
        names = [(z.name_zh, z.name_en) for z in self.zones]
        return cordon_rings_geojson(self.cordon, names=names, decimals=decimals)

    def zone_rows(self) -> list[dict[str, Any]]:
        """The rows of :meth:`zone_table` as plain dicts (Python ints and floats), from the
        centre out."""
        nz = len(self.zones)
        if len(self.slopes):
            codes = {z.zone: i for i, z in enumerate(self.zones)}
            slope_zone = [codes.get(v, nz) for v in self.slopes["zone"].tolist()]
            slopes = np.bincount(np.asarray(slope_zone, dtype=np.intp), minlength=nz + 1)[:nz]
        else:
            slopes = np.zeros(nz, dtype=np.int64)
        by_grade = self.enterprises_by_grade.tolist()
        major = self.major_hazard.tolist()
        shelters, capacity = self.shelter_counts.tolist(), self.shelter_capacity.tolist()
        water = self.waterlogging_counts.tolist()
        people = None if self.population is None else self.population.tolist()
        rows = []
        for i, z in enumerate(self.zones):
            row: dict[str, Any] = {
                "zone": z.zone, "name": z.name_zh, "name_en": z.name_en,
                "inner_m": float(z.inner_m), "outer_m": float(z.outer_m),
            }
            for j, g in enumerate(GRADES):
                row[g.value] = int(by_grade[i][j])
            row["major_hazard"] = int(major[i])
            row["shelters"] = int(shelters[i])
            row["shelter_capacity"] = int(capacity[i])
            row["population"] = None if people is None else int(round(float(people[i])))
            row["slopes"] = int(slopes[i])
            row["waterlogging"] = int(water[i])
            rows.append(row)
        return rows

    def zone_table(self) -> pd.DataFrame:
        """One row per zone from the centre out (the panel's summary)."""
        return pd.DataFrame(self.zone_rows())

    def to_json(self, *, limit: int | None = None) -> dict[str, Any]:
        """A JSON-ready dict: centre, radii, zones (from the centre out) and the lists.

        ``limit`` caps each list (the ``*_total`` keys keep the full counts).
        """
        zones = []
        for row in self.zone_rows():
            zones.append({
                "zone": row["zone"], "name": row["name"], "name_en": row["name_en"],
                "inner_m": row["inner_m"], "outer_m": row["outer_m"],
                "enterprises": {g.value: row[g.value] for g in GRADES},
                "major_hazard": row["major_hazard"],
                "shelters": row["shelters"], "shelter_capacity": row["shelter_capacity"],
                "population": row["population"],
                "slopes": row["slopes"], "waterlogging": row["waterlogging"],
            })

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return frame_records(frame if limit is None else frame.head(limit))

        def listed(name: str) -> list[dict[str, Any]]:
            built = (self._priority_all if name == "priority_enterprises"
                     else self._tables.get(name))
            if built is not None:  # already a table: read it
                return records(built)
            return column_records(self.table_columns(name, limit))

        out = {
            "center": {"lon": self.center[0], "lat": self.center[1]},
            "radii_m": list(self.radii_m),
            "zones": zones,
            "priority_enterprises": listed("priority_enterprises"),
            "priority_enterprises_total": self.priority_total,
            "evacuation_shelters": listed("evacuation_shelters"),
            "evacuate_beyond_m": self.evacuate_beyond_m,
            "checkpoints": records(self.checkpoints),
        }
        if self.downwind is not None:
            out["downwind"] = {k: _plain(v) for k, v in self.downwind.items() if k != "geometry"}
        return out

    def _table_ro(self, name: str) -> pd.DataFrame:
        """The built table itself (not a copy): for readers that do not change it."""
        if name not in self._tables:
            self._tables[name] = self._builders[name]()
        return self._tables[name]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables for CSV export, keyed by a file-name-friendly name."""
        return {
            "zones": self.zone_table(),
            "priority_enterprises": self.priority_enterprises.copy(),
            "shelters": self.shelters.copy(),
            "evacuation_shelters": self.evacuation_shelters.copy(),
            "slopes": self.slopes.copy(),
            "waterlogging": self.waterlogging.copy(),
            "checkpoints": self.checkpoints.copy(),
        }


def _plain(value: Any) -> Any:
    """numpy/pandas scalars → JSON-ready Python values (NaN/NA → None)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value



def _plain_list(values: NDArray[Any]) -> list[Any]:
    """A numpy column as JSON-ready Python values, as :func:`_plain` gives them one by one."""
    kind = values.dtype.kind
    if kind in "iub":
        return cast("list[Any]", values.tolist())
    if kind == "f":
        out = cast("list[Any]", values.tolist())
        if not np.isfinite(values).all():
            out = [v if math.isfinite(v) else None for v in out]
        return out
    out = cast("list[Any]", values.tolist())
    if set(map(type, out)) <= {str}:  # only text: nothing to convert
        return out
    return [_plain(v) for v in out]


def _fast_dtype(dtype: Any) -> bool:
    """A column :func:`frame_records` converts itself: numpy numbers, bools and objects, and
    pandas strings (their missing values are NaN, which become ``None``)."""
    if isinstance(dtype, np.dtype):
        return dtype.kind in "iubfO"
    return isinstance(dtype, pd.StringDtype)


def column_values(series: pd.Series | NDArray[Any]) -> list[Any]:
    """One column (a Series or an array) as JSON-ready Python values (what :func:`_plain`
    makes of each value)."""
    if isinstance(series, np.ndarray):
        return _plain_list(series) if _fast_dtype(series.dtype) else [
            _plain(v) for v in series.tolist()]
    if _fast_dtype(series.dtype):
        return _plain_list(series.to_numpy())
    return [_plain(v) for v in series.tolist()]


def column_records(columns: Mapping[str, NDArray[Any]]) -> list[dict[str, Any]]:
    """Rows from columns of equal length (:meth:`Exposure.table_columns`), JSON-ready: the
    rows :func:`frame_records` gives for the table built from them."""
    keys = list(columns)
    values = [column_values(np.asarray(columns[k])) for k in keys]
    return [dict(zip(keys, row, strict=True)) for row in zip(*values, strict=True)]


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame``'s rows as JSON-ready dicts (numpy/pandas scalars → Python, NaN/NA → None):
    the values and key order of ``{k: _plain(v)}`` over ``frame.to_dict("records")``, built
    column by column (several times faster; the answer of every click and API call)."""
    if not frame.columns.is_unique or not all(_fast_dtype(t) for t in frame.dtypes):
        rows = cast("list[dict[str, Any]]", frame.to_dict("records"))
        return [{k: _plain(v) for k, v in r.items()} for r in rows]
    keys = [str(c) for c in frame.columns]
    if not keys:
        return [{} for _ in range(len(frame))]
    columns = [_plain_list(series.to_numpy()) for _, series in frame.items()]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _point_rows(
    points: _Points,
    pos: NDArray[np.intp],
    zones: tuple[Zone, ...],
    center: tuple[float, float],
    *,
    extra: dict[str, NDArray[Any]] | None = None,
) -> pd.DataFrame:
    """Rows of ``points`` at ``pos`` with ``Geod.inv`` distance, bearing and zone, nearest first.

    ``extra`` columns are aligned with ``pos``.
    """
    return pd.DataFrame(_point_columns(points, pos, zones, center, extra=extra))


def _point_columns(
    points: _Points,
    pos: NDArray[np.intp],
    zones: tuple[Zone, ...],
    center: tuple[float, float],
    *,
    extra: dict[str, NDArray[Any]] | None = None,
) -> dict[str, Any]:
    """The columns of :func:`_point_rows` (numpy arrays), without the table."""
    exact, az = geodesic_distance(center, points.lon[pos], points.lat[pos])
    order = np.argsort(exact, kind="stable")
    pos, exact, az = pos[order], exact[order], az[order]
    zi = _zone_of(exact, [z.outer_m for z in zones])
    codes = np.array([z.zone for z in zones] + [""], dtype=object)
    names = np.array([z.name_zh for z in zones] + [""], dtype=object)
    k = (np.floor((az + 22.5) / 45.0).astype(np.intp)) % 8
    data: dict[str, Any] = {c: v[pos] for c, v in points.columns.items()}
    for c, v in (extra or {}).items():
        data[c] = np.asarray(v)[order]
    data.update({
        "lon": points.lon[pos], "lat": points.lat[pos],
        "distance_m": np.round(exact, 1), "bearing_deg": np.round(az, 1),
        "direction": np.asarray(DIRECTIONS, dtype=object)[k],
        "direction_en": np.asarray(DIRECTIONS_EN, dtype=object)[k],
        "zone": codes[zi], "zone_name": names[zi],
    })
    return data


def _points_in_zones(
    points: _Points, center: tuple[float, float], radii: Sequence[float],
    box: tuple[float, float, float, float],
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """(positions, zone index, distance) of the points inside the largest ring."""
    pos = points.in_box(box)
    if pos.size == 0:
        return pos, pos, np.empty(0)
    dist = _exact_distances(center, points.lon[pos], points.lat[pos], radii)
    zi = _zone_of(dist, radii)
    inside = zi < len(radii)
    return pos[inside], zi[inside], dist[inside]



def _slopes(
    slopes: _Shapes, center: tuple[float, float], zones: tuple[Zone, ...],
    box: tuple[float, float, float, float],
) -> pd.DataFrame:
    pos = slopes.in_box(box)
    columns = ["id", "name", "district", "height_m", "angle_deg", "monitored"]
    if pos.size == 0:
        return pd.DataFrame(columns=[*columns, "lon", "lat", "distance_m", "zone", "zone_name"])
    to_local = aeqd_transformers(*center)[0]
    local = shapely.transform(slopes.geoms[pos],
                              lambda xy: np.column_stack(to_local.transform(*xy.T)))
    dist = shapely.distance(shapely.Point(0.0, 0.0), local)
    radii = [z.outer_m for z in zones]
    zi = _zone_of(dist, radii)
    keep = np.flatnonzero(zi < len(radii))
    keep = keep[np.argsort(dist[keep], kind="stable")]
    rows = pos[keep]
    data: dict[str, Any] = {c: slopes.columns[c][rows] for c in columns if c in slopes.columns}
    codes = np.array([z.zone for z in zones], dtype=object)
    names = np.array([z.name_zh for z in zones], dtype=object)
    data.update({
        "lon": slopes.label_xy[rows, 0], "lat": slopes.label_xy[rows, 1],
        "distance_m": np.round(dist[keep], 1),
        "zone": codes[zi[keep]], "zone_name": names[zi[keep]],
    })
    return pd.DataFrame(data)



def exposure(
    dataset_layers: Mapping[str, gpd.GeoDataFrame | None] | ExposureIndex,
    center: tuple[float, float] | Cordon,
    *,
    radii_m: Sequence[float] | None = None,
    population: PopulationSource | None = None,
    names: Sequence[tuple[str, str] | str] | None = None,
    evacuate_beyond_m: float | None = None,
    n_evacuation: int = 5,
    region: shapely.Geometry | None = None,
    wind_from_deg: float | None = None,
    downwind_m: float | None = None,
    population_subcells: int | None = None,
) -> Exposure:
    """What lies in each cordon zone around ``center`` = (lon, lat).

    Parameters
    ----------
    dataset_layers
        ``{"enterprises", "shelters", "slopes", "waterlogging", "roads"}`` GeoDataFrames
        (EPSG:4326; any may be missing or empty), or an :class:`ExposureIndex` built once from
        them (fast path: < 50 ms at 1M enterprises).
    center
        A :class:`~risk.cordon.rings.Cordon` (validated once by the caller; used as it is), or
        ``(lon, lat)`` in EPSG:4326, validated here with ``radii_m`` and ``region``.
    radii_m
        Ascending ring radii in metres (default :data:`~risk.cordon.rings.DEFAULT_RADII_M`,
        or the cordon's).
    population
        GeoTIFF path or ``(array, transform, crs)``; overrides the index's raster.
    evacuate_beyond_m
        Evacuation shelters must be at least this far; default the control zone's outer radius
        (the 2nd ring), or the only ring.
    region
        When given, an incident more than 50 km from it is refused.
    population_subcells
        Each raster cell is split into k x k sub-cells carrying 1/k² of its people, each
        assigned by the geodesic distance of its centre (1 = plain cell centres). Default: k
        such that sub-cells are at most 1/16 of the smallest radius (capped at 8).
    wind_from_deg, downwind_m
        Optional downwind protective-action area (see :func:`downwind_zone`), reported under
        ``downwind`` with what lies in it; default length = the largest radius.
    """
    cordon = _cordon_of(center, radii_m, region=region)
    lon, lat, radii = cordon
    index = (
        dataset_layers if isinstance(dataset_layers, ExposureIndex)
        else ExposureIndex.from_layers(dataset_layers)
    )
    center = (lon, lat)
    zones = zones_for(radii, names=names)
    nz = len(zones)
    box = _box(center, radii[-1])


    # enterprises
    ent = index.enterprises
    pos, zi, dist = _points_in_zones(ent, center, radii, box)
    grade = index.grade_code[pos]
    ok = grade >= 0
    by_grade = np.bincount(zi[ok] * len(GRADES) + grade[ok].astype(np.intp),
                           minlength=nz * len(GRADES)).reshape(nz, len(GRADES)).astype(np.int64)
    major = np.bincount(zi, weights=index.major_hazard[pos], minlength=nz).astype(np.int64)
    sel = (grade == 0) | (grade == 1) | index.major_hazard[pos]
    psel = np.flatnonzero(sel)
    psel = psel[np.argsort(dist[psel], kind="stable")]
    labels = np.array([g.label_zh for g in GRADES] + [""], dtype=object)

    def priority_columns(n: int | None) -> dict[str, Any]:
        part = psel if n is None else psel[: max(0, int(n))]
        return _point_columns(ent, pos[part], zones, center,
                              extra={"grade_zh": labels[grade[part]]})

    def priority(n: int | None) -> pd.DataFrame:
        return pd.DataFrame(priority_columns(n))

    # shelters: inside the rings, and the nearest outside the control zone
    sh = index.shelters
    beyond = float(evacuate_beyond_m) if evacuate_beyond_m is not None else (
        radii[1] if len(radii) >= 2 else radii[-1]
    )
    empty_shelters = pd.DataFrame(columns=["id", "name", "capacity", "distance_m", "zone"])
    builders: dict[str, Callable[[], pd.DataFrame]] = {
        "shelters": empty_shelters.copy, "evacuation_shelters": empty_shelters.copy,
    }
    no_shelters = {str(c): empty_shelters[c].to_numpy() for c in empty_shelters.columns}
    columns: dict[str, Callable[[int | None], dict[str, Any]]] = {
        "priority_enterprises": priority_columns,
        "evacuation_shelters": lambda n: dict(no_shelters),
    }
    shelter_counts = np.zeros(nz, dtype=np.int64)
    shelter_capacity = np.zeros(nz, dtype=np.int64)
    if len(sh):
        d_all, _ = geodesic_distance(center, sh.lon, sh.lat)
        every = np.arange(len(sh))
        zi_all = _zone_of(d_all, radii)
        in_rings = every[zi_all < nz]
        shelter_counts = np.bincount(zi_all[in_rings], minlength=nz).astype(np.int64)
        if "capacity" in sh.columns:
            cap = pd.to_numeric(pd.Series(sh.columns["capacity"][in_rings]), errors="coerce")
            shelter_capacity = np.bincount(
                zi_all[in_rings], weights=cap.fillna(0).to_numpy(np.float64), minlength=nz
            ).round().astype(np.int64)
        far = every[d_all >= beyond]
        far = far[np.argsort(d_all[far], kind="stable")[: max(0, int(n_evacuation))]]
        builders["shelters"] = lambda: _point_rows(sh, in_rings, zones, center)
        builders["evacuation_shelters"] = lambda: _point_rows(sh, far, zones, center)
        columns["evacuation_shelters"] = lambda n: _point_columns(
            sh, far if n is None else far[: max(0, int(n))], zones, center)

    # waterlogging, slopes, population, checkpoints
    wpos, wzone, _ = _points_in_zones(index.waterlogging, center, radii, box)
    waterlogging_counts = np.bincount(wzone, minlength=nz).astype(np.int64)
    builders["waterlogging"] = (
        (lambda: _point_rows(index.waterlogging, wpos, zones, center)) if wpos.size
        else (lambda: pd.DataFrame(columns=["id", "name", "distance_m", "zone"]))
    )
    slopes = _slopes(index.slopes, center, zones, box)
    people = _population(
        index.population if population is None or index.holds_population(population)
        else population,
        center, radii, box, subcells=population_subcells,
    )
    checkpoints = _checkpoints(index.roads, index.road_vertices, center, zones, box)

    downwind = None
    if wind_from_deg is not None:
        reach = float(downwind_m) if downwind_m is not None else radii[-1]
        downwind = _downwind_exposure(index, cordon, wind_from_deg=wind_from_deg,
                                      distance_m=reach)
    return Exposure(
        center=center, zones=zones, enterprises_by_grade=by_grade,
        major_hazard=major, shelter_counts=shelter_counts, shelter_capacity=shelter_capacity,
        waterlogging_counts=waterlogging_counts, _builders=builders,
        _priority=priority, priority_total=int(psel.size), _columns=columns,
        population=people, slopes=slopes,
        checkpoints=checkpoints, evacuate_beyond_m=beyond, downwind=downwind,
    )
