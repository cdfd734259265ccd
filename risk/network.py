"""Travel time on the road network: graph, snapping, Dijkstra, coverage and evacuation.

The job is split by module and re-exported here:

- :mod:`risk.network_graph`: :func:`build_graph` / :func:`graph_from_roads` (lines → CSR arrays),
  :func:`snap_points`, the road classes and their default speeds;
- :mod:`risk.network_route`: :func:`travel_times` (multi-source Dijkstra with a limit,
  ``scipy.sparse.csgraph``), :func:`times_at`, :func:`route_to`, :func:`closed_graph`;
- :mod:`risk.network_cover`: :func:`nearest_sources` (teams to an incident), :func:`coverage_times`
  (N-minute reach from the teams), :func:`suggest_station` (the next station) and
  :func:`assign_evacuees` (people to shelters within capacity, a min-cost flow solved exactly as
  a transportation linear programme) and :func:`assignment_routes` (their road paths).
"""

from risk.network_cover import (
    Assignment,
    Nearest,
    assign_evacuees,
    assignment_routes,
    coverage_times,
    nearest_sources,
    shelter_times,
    suggest_station,
)
from risk.network_graph import (
    ACCESS_KMH,
    DEFAULT_SPEED_KMH,
    MAX_SNAP_M,
    MERGE_M,
    ROAD_CLASSES,
    BuildReport,
    NetworkError,
    RoadGraph,
    Snap,
    build_graph,
    graph_from_roads,
    parse_road_class,
    snap_points,
    to_lonlat,
    to_metric,
)
from risk.network_route import Reach, closed_graph, route_to, times_at, travel_times

__all__ = [
    "ACCESS_KMH", "DEFAULT_SPEED_KMH", "MAX_SNAP_M", "MERGE_M", "ROAD_CLASSES", "BuildReport",
    "NetworkError", "RoadGraph", "Snap", "build_graph", "graph_from_roads", "parse_road_class",
    "snap_points", "to_lonlat", "to_metric", "Reach", "closed_graph", "route_to", "times_at",
    "travel_times", "Assignment", "Nearest", "assign_evacuees", "assignment_routes", "coverage_times",
    "nearest_sources", "shelter_times", "suggest_station",
]
