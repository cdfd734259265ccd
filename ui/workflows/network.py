"""Road-network workflows on a dataset: coverage, nearest teams and depots, evacuation, stock.

``riskmap coverage`` / ``route`` / ``evacuate`` and the resources tab call these; the analysis is
:mod:`risk.network` (pure). Points enter the network where :func:`risk.network.snap_points` puts
them; a place more than :data:`risk.network.MAX_SNAP_M` from any road is refused
(:class:`risk.network.NetworkError`: in the sea or outside the area). Population comes from the
dataset's ``population`` raster, one point per cell centre (cells of no people skipped).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from risk.crs import aeqd_transformers
from risk.network import (
    MAX_SNAP_M,
    BuildReport,
    NetworkError,
    RoadGraph,
    Snap,
    assign_evacuees,
    assignment_routes,
    closed_graph,
    coverage_times,
    graph_from_roads,
    nearest_sources,
    shelter_times,
    snap_points,
    suggest_station,
    to_lonlat,
    to_metric,
)

if TYPE_CHECKING:
    from data.dataset import Dataset

__all__ = ["GRADES_REACHED", "network_of", "cached_network", "population_cells", "CoverageResult",
           "coverage", "NearestResult", "nearest", "nearest_for_cordon", "nearest_json",
           "EvacuationResult", "evacuate", "stock_status"]

GRADES_REACHED = ("red", "orange", "major_hazard")
"""Enterprise groups whose reach the coverage reports (plus every grade in the GPKG)."""


def network_of(dataset: Dataset) -> tuple[RoadGraph, BuildReport]:
    """The routable graph of the dataset's ``roads`` (a server caches it per data version)."""
    return graph_from_roads(dataset.layer("roads"))


def cached_network(state: Any) -> RoadGraph:
    """The graph of ``state.dataset`` built once per data version and district view
    (``ui.state.AppState.cached``): the resources tab, the incident tab and the API share it."""
    return state.cached(("network-graph",), lambda: network_of(state.dataset)[0])


def population_cells(dataset: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat, people) of every populated cell centre of the dataset's population raster."""
    import rasterio

    path = dataset.raster_path("population")
    if path is None:
        raise NetworkError("数据集没有人口栅格 / the dataset has no population.tif")
    with rasterio.open(path) as src:
        data = src.read(1, masked=True).filled(0).astype(float)
        if src.crs is not None and src.crs.to_epsg() != 4326:
            raise NetworkError("population.tif must be in EPSG:4326 for coverage")
        t = src.transform
    rows, cols = np.nonzero(data > 0)
    lon = t.c + (cols + 0.5) * t.a
    lat = t.f + (rows + 0.5) * t.e
    return lon, lat, data[rows, cols]


def _snap_layer(graph: RoadGraph, gdf: gpd.GeoDataFrame, *, what: tuple[str, str],
                max_m: float | None = MAX_SNAP_M) -> Snap:
    pts = gdf.geometry.representative_point()
    x, y = to_metric(graph, pts.x.to_numpy(), pts.y.to_numpy())
    return snap_points(graph, x, y, max_m=max_m, what=what)


def _district_of(lon: np.ndarray, lat: np.ndarray, districts: gpd.GeoDataFrame) -> np.ndarray:
    out = np.full(lon.size, "", dtype=object)
    for geom, name in zip(districts.geometry, districts["name"], strict=True):
        todo = out == ""
        shapely.prepare(geom)
        hit = shapely.contains_xy(geom, lon[todo], lat[todo])
        out[np.flatnonzero(todo)[hit]] = name
    return out


@dataclass
class CoverageResult:
    """What ``riskmap coverage`` reports: ``summary`` (per district and ``"overall"``),
    ``enterprises`` (every enterprise with ``minutes`` and ``team_id``), ``gaps`` (populated
    cells not reached, as cell squares), ``areas`` (reached cells dissolved by nearest team),
    ``suggestion`` (lon, lat, people added) and the snapping notes."""

    minutes: float
    summary: dict[str, dict[str, Any]]
    enterprises: gpd.GeoDataFrame
    gaps: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    suggestion: dict[str, float] | None
    notes: list[str] = field(default_factory=list)


def _cells(lon: np.ndarray, lat: np.ndarray, half: float) -> np.ndarray:
    # corners on a 1e-7° grid (about 1 cm), so that neighbouring cells share their edges exactly
    # and coverage_union_all merges them (float corners computed per cell differ in the last bits)
    return shapely.set_precision(shapely.box(lon - half, lat - half, lon + half, lat + half), 1e-7)


def coverage(dataset: Dataset, *, minutes: float = 10.0, kinds: tuple[str, ...] = (),
             graph: RoadGraph | None = None, suggest: bool = True) -> CoverageResult:
    """N-minute rescue coverage of the dataset's teams (readiness ``ready_min`` included)."""
    if not (minutes > 0) or minutes > 240:
        raise ValueError(f"`minutes` must be > 0 and <= 240, got {minutes!r}")
    if graph is None:
        graph, report = network_of(dataset)
        notes = report.messages()
    else:
        notes = []
    teams = dataset.layer("rescue_teams")
    if kinds:
        unknown = sorted(set(kinds) - set(teams["kind"]))
        if unknown:
            raise ValueError(f"`kinds` has kinds no team has: {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(set(teams['kind'])))}")
        teams = teams[teams["kind"].isin(kinds)].reset_index(drop=True)
    if teams.empty:
        raise NetworkError("没有救援队伍 / the dataset has no rescue teams (of these kinds)")
    limit = minutes * 60.0
    team_snap = _snap_layer(graph, teams, what=("救援队伍", "team"), max_m=None)
    far = team_snap.dist_m > 200
    if far.any():
        notes.append(f"{int(far.sum())} 支队伍距道路超过 200 米（最远 {team_snap.dist_m.max():.0f} 米），"
                     f"按接驳时间计 / {int(far.sum())} teams are more than 200 m off the network "
                     f"(farthest {team_snap.dist_m.max():.0f} m); the access time is added")
    ready = teams["ready_min"].fillna(0).to_numpy(float) * 60.0
    ent = dataset.layer("enterprises")
    ent_snap = _snap_layer(graph, ent, what=("企业", "enterprise"), max_m=None)
    t_ent, team_ent = coverage_times(graph, team_snap, ent_snap, ready_s=ready, limit_s=limit)
    lon, lat, people = population_cells(dataset)
    cx, cy = to_metric(graph, lon, lat)
    cell_snap = snap_points(graph, cx, cy, max_m=None)
    t_cell, team_cell = coverage_times(graph, team_snap, cell_snap, ready_s=ready, limit_s=limit)
    reached = np.isfinite(t_cell)

    districts = dataset.districts
    cell_district = _district_of(lon, lat, districts)
    ent_district = ent["district"].to_numpy(object)
    summary: dict[str, dict[str, Any]] = {}
    for name in [*districts["name"].tolist(), "overall"]:
        cm = np.ones(lon.size, bool) if name == "overall" else cell_district == name
        em = np.ones(len(ent), bool) if name == "overall" else ent_district == name
        groups = {}
        for grade in ("red", "orange", "yellow", "blue"):
            g = em & (ent["grade"].to_numpy() == grade)
            groups[grade] = [int((g & np.isfinite(t_ent)).sum()), int(g.sum())]
        g = em & ent["major_hazard"].to_numpy(bool)
        groups["major_hazard"] = [int((g & np.isfinite(t_ent)).sum()), int(g.sum())]
        summary[name] = {"population": round(float(people[cm].sum())),
                         "population_reached": round(float(people[cm & reached].sum())),
                         "enterprises": groups}

    team_ids = teams["id"].to_numpy(object)
    out_ent = gpd.GeoDataFrame({
        "id": ent["id"], "name": ent["name"], "grade": ent["grade"],
        "major_hazard": ent["major_hazard"], "district": ent["district"],
        "minutes": np.where(np.isfinite(t_ent), np.round(t_ent / 60.0, 2), np.nan),
        "team_id": np.where(team_ent >= 0, team_ids[np.maximum(team_ent, 0)], ""),
    }, geometry=ent.geometry.representative_point(), crs=4326)
    half = _half_cell(lon, lat)
    gap = ~reached
    gaps = gpd.GeoDataFrame({"people": people[gap], "district": cell_district[gap]},
                            geometry=_cells(lon[gap], lat[gap], half), crs=4326)
    areas = _areas(lon[reached], lat[reached], half, team_cell[reached], people[reached],
                   t_cell[reached], team_ids, teams)
    suggestion = None
    if suggest and gap.any():
        node, gain = suggest_station(graph, cell_snap, people, reached, limit_s=limit)
        if node >= 0:
            slon, slat = to_lonlat(graph, graph.x[node], graph.y[node])
            suggestion = {"lon": round(float(slon), 6), "lat": round(float(slat), 6),
                          "population_added": round(gain)}
    return CoverageResult(minutes=minutes, summary=summary, enterprises=out_ent, gaps=gaps,
                          areas=areas, suggestion=suggestion, notes=notes)


def _half_cell(lon: np.ndarray, lon_or_lat: np.ndarray) -> float:
    """Half the raster cell size in degrees (the spacing of the cell centres)."""
    steps = np.diff(np.unique(np.round(lon, 9)))
    return float(steps.min() / 2) if steps.size else 0.00125


def _areas(lon: np.ndarray, lat: np.ndarray, half: float, team: np.ndarray, people: np.ndarray,
           t: np.ndarray, team_ids: np.ndarray, teams: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Service areas: the reached cells of each team, merged into one shape per team."""
    if lon.size == 0:
        return gpd.GeoDataFrame({"team_id": [], "name": [], "people": [], "minutes_max": []},
                                geometry=[], crs=4326)
    boxes = _cells(lon, lat, half)
    rows = []
    for k in np.unique(team):
        m = team == k
        rows.append({"team_id": team_ids[k], "name": teams["name"].iloc[k],
                     "people": round(float(people[m].sum())),
                     "minutes_max": round(float(t[m].max()) / 60.0, 1),
                     "geometry": shapely.coverage_union_all(boxes[m])})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


@dataclass
class NearestResult:
    """Nearest teams (and depots holding ``item``) to a place, each with minutes, metres and
    the route line (EPSG:4326)."""

    teams: gpd.GeoDataFrame
    depots: gpd.GeoDataFrame
    snap_m: float


def _routes_wgs(graph: RoadGraph, routes: list[np.ndarray]) -> list[Any]:
    """The metric node paths as EPSG:4326 lines (one transform for all; None: no path)."""
    if not routes:
        return []
    xy = np.vstack(routes)
    lon, lat = to_lonlat(graph, xy[:, 0], xy[:, 1])
    cuts = np.cumsum([len(r) for r in routes])[:-1]
    out = []
    for part in np.split(np.column_stack([lon, lat]), cuts):
        out.append(shapely.LineString(part) if len(part) > 1 else None)
    return out


def nearest(dataset: Dataset, lon: float, lat: float, *, n: int = 5, item: str = "",
            quantity: float = 0.0, graph: RoadGraph | None = None) -> NearestResult:
    """The ``n`` teams fastest to reach (lon, lat) (readiness included) and the ``n`` depots
    holding at least ``quantity`` of ``item`` (when an item is given)."""
    if graph is None:
        graph, _ = network_of(dataset)
    x, y = to_metric(graph, [lon], [lat])
    place = snap_points(graph, x, y, what=("事发点", "incident place"))
    teams = dataset.layer("rescue_teams")
    cols = ["id", "name", "kind", "district", "phone", "ready_min", "minutes", "route_m"]
    out_t = gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=4326)
    if len(teams):
        snap = _snap_layer(graph, teams, what=("救援队伍", "team"), max_m=None)
        near = nearest_sources(graph, place, snap, n=n,
                               offset_s=teams["ready_min"].fillna(0).to_numpy(float) * 60.0)
        pick = teams.iloc[near.index]
        out_t = gpd.GeoDataFrame({
            **{c: pick[c].to_numpy() for c in cols[:6]},
            "minutes": np.round(near.time_s / 60.0, 1), "route_m": np.round(near.length_m),
        }, geometry=_routes_wgs(graph, near.routes), crs=4326)
    depots = dataset.layer("material_depots")
    dcols = ["id", "name", "district", "item", "quantity", "unit", "expiry", "minutes", "route_m"]
    out_d = gpd.GeoDataFrame({c: [] for c in dcols}, geometry=[], crs=4326)
    if item:
        if quantity < 0:
            raise ValueError(f"数量须 >= 0 / `quantity` must be >= 0, got {quantity!r}")
        hold = depots[(depots["item"] == item) & (depots["quantity"] >= quantity)]
        if item not in set(depots["item"]):
            raise ValueError(f"没有储备库存有“{item}” / no depot stocks {item!r}; items: "
                             f"{', '.join(sorted(set(depots['item'])))}")
        if len(hold):
            hold = hold.reset_index(drop=True)
            snap = _snap_layer(graph, hold, what=("储备库", "depot"), max_m=None)
            near = nearest_sources(graph, place, snap, n=n)
            pick = hold.iloc[near.index]
            out_d = gpd.GeoDataFrame({
                **{c: pick[c].to_numpy() for c in dcols[:7]},
                "minutes": np.round(near.time_s / 60.0, 1), "route_m": np.round(near.length_m),
            }, geometry=_routes_wgs(graph, near.routes), crs=4326)
    return NearestResult(teams=out_t, depots=out_d, snap_m=float(place.dist_m[0]))


TEAM_KEYS = ("id", "name", "kind", "minutes", "route_m", "ready_min")
"""The keys of each team in :func:`nearest_json` (``riskmap cordon --teams``, the API)."""
DEPOT_KEYS = ("id", "name", "district", "item", "quantity", "unit", "minutes", "route_m")
"""The keys of each depot in :func:`nearest_json`."""


def _plain_rows(frame: gpd.GeoDataFrame, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """JSON-ready rows: numpy scalars as Python numbers, NaN as None."""
    rows = []
    for record in pd.DataFrame(frame[list(keys)]).to_dict(orient="records"):
        row = {}
        for k, v in record.items():
            v = v.item() if hasattr(v, "item") else v
            row[str(k)] = None if isinstance(v, float) and v != v else v
        rows.append(row)
    return rows


def nearest_json(result: NearestResult) -> dict[str, Any]:
    """``{"teams": [{id, name, kind, minutes, route_m, ready_min}…], "depots": [{id, name,
    district, item, quantity, unit, minutes, route_m}…]}`` of a :class:`NearestResult`
    (minutes include the team's readiness; route_m is metres along the road)."""
    return {"teams": _plain_rows(result.teams, TEAM_KEYS),
            "depots": _plain_rows(result.depots, DEPOT_KEYS)}


def nearest_for_cordon(dataset: Dataset, lon: float, lat: float, *, n: int = 5, item: str = "",
                       quantity: float = 0.0, graph: RoadGraph | None = None) -> dict[str, Any]:
    """What ``riskmap cordon --teams N [--item NAME --quantity Q]`` adds to its JSON: the ``n``
    teams fastest to (lon, lat) and the ``n`` depots holding at least ``quantity`` of ``item``
    (:func:`nearest_json`). ``ValueError`` / :class:`risk.network.NetworkError` (a place off the
    network, an item no depot stocks, ``n`` < 1) carry a bilingual message."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"队伍数须为正整数 / `teams` must be a whole number >= 1, got {n!r}")
    if quantity is None or not quantity == quantity or quantity < 0:
        raise ValueError(f"数量须 >= 0 / `quantity` must be >= 0, got {quantity!r}")
    if quantity and not item:
        raise ValueError("给了数量须同时给物资名称 / `quantity` needs an `item`")
    result = nearest(dataset, float(lon), float(lat), n=n, item=item or "",
                     quantity=float(quantity or 0.0), graph=graph)
    return nearest_json(result)


@dataclass
class EvacuationResult:
    """``population`` in the evacuated zone, ``unplaced``, per shelter its load
    (``shelters``: id, name, capacity, assigned, minutes_max) and ``flows`` (one line per
    cell → shelter assignment along the open roads, with people, minutes and route_m)."""

    population: int
    unplaced: int
    shelters: gpd.GeoDataFrame
    flows: gpd.GeoDataFrame
    radius_m: float
    core_m: float
    center: tuple[float, float] | None = None
    """The incident place (lon, lat) the zones are around."""
    radii_m: tuple[float, ...] = ()
    """Every radius asked for (the rings drawn in print)."""

    def as_json(self) -> dict[str, Any]:
        rows = self.shelters.drop(columns="geometry").to_dict(orient="records")
        return {"population": self.population, "unplaced": self.unplaced,
                "radius_m": self.radius_m, "core_closed_m": self.core_m,
                "shelters": [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                             for r in rows]}


def evacuate(dataset: Dataset, lon: float, lat: float, *, radii_m: tuple[float, ...],
             graph: RoadGraph | None = None, max_shelters: int = 60,
             limit_s: float = 7200.0) -> EvacuationResult:
    """Evacuate the people within the second radius (the only one when one is given) of
    (lon, lat) to shelters outside it, by travel time within each shelter's capacity, with every
    road segment inside the first radius (the core) closed."""
    if not radii_m:
        raise ValueError("`radii_m` must hold at least one radius")
    radius = float(radii_m[1] if len(radii_m) > 1 else radii_m[0])
    core = float(radii_m[0]) if len(radii_m) > 1 else 0.0
    if graph is None:
        graph, _ = network_of(dataset)
    fwd, _inv = aeqd_transformers(lon, lat)
    x, y = to_metric(graph, [lon], [lat])
    snap_points(graph, x, y, what=("事发点", "incident place"))  # refuses a place off the network
    glon, glat = to_lonlat(graph, graph.x, graph.y)
    gx, gy = fwd.transform(glon, glat)
    inside = np.hypot(gx, gy) <= core
    closed = inside[graph.seg_u] | inside[graph.seg_v]
    open_graph = closed_graph(graph, closed) if closed.any() else graph
    open_segments = ~closed

    clon, clat, people = population_cells(dataset)
    ex, ny = fwd.transform(clon, clat)
    zone = np.hypot(ex, ny) <= radius
    clon, clat, people = clon[zone], clat[zone], np.round(people[zone]).astype(np.int64)
    shelters = dataset.layer("shelters")
    sp = shelters.geometry
    sx, sy = fwd.transform(sp.x.to_numpy(), sp.y.to_numpy())
    sd = np.hypot(sx, sy)
    eligible = np.flatnonzero((sd > radius) & (shelters["capacity"].fillna(0).to_numpy(float) > 0))
    eligible = eligible[np.argsort(sd[eligible], kind="stable")[:max_shelters]]
    chosen = shelters.iloc[eligible].reset_index(drop=True)
    capacity = chosen["capacity"].fillna(0).to_numpy(float).astype(np.int64)
    # cells and shelters snapped in one pass (one index of the open segments)
    ox, oy = to_metric(open_graph, np.concatenate([clon, chosen.geometry.x.to_numpy()]),
                       np.concatenate([clat, chosen.geometry.y.to_numpy()]))
    snapped = snap_points(open_graph, ox, oy, max_m=None, open_segments=open_segments)
    origins = snapped.take(np.arange(people.size))
    if len(chosen):
        targets = snapped.take(np.arange(people.size, people.size + len(chosen)))
        # each shelter searched only as far as the nearest cells holding the total capacity
        times = shelter_times(open_graph, origins, targets, limit_s=limit_s,
                              people=people.astype(float), need=float(capacity.sum()))
    else:
        times = np.full((people.size, 0), np.inf)
    result = assign_evacuees(times, people, capacity)
    load = result.load()
    with np.errstate(invalid="ignore"):
        tmax = np.where(result.flow > 0, times, -np.inf).max(axis=0, initial=-np.inf)
    out_s = gpd.GeoDataFrame({
        "id": chosen["id"].to_numpy(), "name": chosen["name"].to_numpy(),
        "capacity": capacity, "assigned": load,
        "minutes_max": np.where(np.isfinite(tmax), np.round(tmax / 60.0, 1), 0.0),
    }, geometry=chosen.geometry.to_numpy(), crs=4326)
    gi, sj = np.nonzero(result.flow)
    # each assignment drawn along the roads: cell centre, the fastest open roads, the shelter
    paths = assignment_routes(open_graph, origins, targets, (gi, sj), times) if gi.size else []
    paths = [np.vstack([[[ox[i], oy[i]]], p, [[ox[people.size + j], oy[people.size + j]]]])
             for i, j, p in zip(gi, sj, paths, strict=True)]
    route_m = np.array([float(np.hypot(*np.diff(p, axis=0).T).sum()) for p in paths])
    flows = gpd.GeoDataFrame({
        "shelter_id": chosen["id"].to_numpy()[sj] if gi.size else [],
        "people": result.flow[gi, sj], "minutes": np.round(times[gi, sj] / 60.0, 1),
        "route_m": np.round(route_m),
    }, geometry=_routes_wgs(open_graph, paths), crs=4326)
    return EvacuationResult(population=int(people.sum()), unplaced=int(result.unplaced.sum()),
                            shelters=out_s, flows=flows, radius_m=radius, core_m=core,
                            center=(float(lon), float(lat)),
                            radii_m=tuple(float(r) for r in radii_m))


def stock_status(depots: gpd.GeoDataFrame, *, on: dt.date | None = None) -> pd.DataFrame:
    """Every stock row with ``low`` (quantity below min_level) and ``expired`` (expiry before
    ``on``, default today) flags, flagged rows first."""
    day = pd.Timestamp(on or dt.date.today())
    expiry = pd.to_datetime(depots["expiry"].where(depots["expiry"] != ""), errors="coerce")
    out = pd.DataFrame({
        "depot": depots["name"], "district": depots["district"], "item": depots["item"],
        "quantity": depots["quantity"], "unit": depots["unit"], "min_level": depots["min_level"],
        "expiry": depots["expiry"],
        "low": (depots["quantity"] < depots["min_level"]).to_numpy(),
        "expired": (expiry < day).fillna(False).to_numpy(bool),
    })
    flagged = out["low"] | out["expired"]
    return pd.concat([out[flagged], out[~flagged]]).reset_index(drop=True)
