"""Sensitive sites per cordon zone (risk/cordon/sensitive.py), checked against pyproj.Geod."""

from __future__ import annotations

import geopandas as gpd
import pyproj
import pytest
import shapely

from risk.cordon.rings import validate_incident
from risk.cordon.sensitive import SENSITIVE_COLUMNS, sensitive_in_zones, sensitive_summary

GEOD = pyproj.Geod(ellps="WGS84")
CENTER = (114.0579, 22.5431)


def _at(distance_m: float, azimuth: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(CENTER[0], CENTER[1], azimuth, distance_m)
    return lon, lat


def _sites(rows):
    """rows: (id, kind, people, distance_m, azimuth)."""
    xy = [_at(d, az) for _, _, _, d, az in rows]
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "name": [f"site {r[0]}" for r in rows],
         "kind": [r[1] for r in rows], "people": [r[2] for r in rows]},
        geometry=gpd.points_from_xy([p[0] for p in xy], [p[1] for p in xy]), crs=4326)


def test_sites_are_zoned_by_geodesic_distance_nearest_first():
    sites = _sites([
        ("far", "hospital", 500, 9_999.0, 10.0),
        ("edge", "school", 900, 1_000.5, 225.0),   # just beyond 1 km: control zone
        ("in", "kindergarten", 150, 999.5, 90.0),  # just inside 1 km: core
        ("out", "venue", 20_000, 10_000.5, 0.0),   # beyond the outer ring: not listed
        ("mid", "school", 1_100, 4_000.0, 270.0),
    ])
    rows = sensitive_in_zones(sites, validate_incident(*CENTER))
    assert tuple(rows.columns) == SENSITIVE_COLUMNS
    assert list(rows["id"]) == ["in", "edge", "mid", "far"]
    assert list(rows["zone"]) == ["core", "control", "control", "warning"]
    assert rows["distance_m"].tolist() == pytest.approx([999.5, 1000.5, 4000.0, 9999.0], abs=1e-3)
    assert list(rows["direction"]) == ["东", "西南", "西", "北"]
    assert list(rows["direction_en"]) == ["E", "SW", "W", "N"]


def test_summary_counts_people_by_kind_per_zone():
    sites = _sites([
        ("a", "school", 900, 2_000.0, 0.0),
        ("b", "school", 1_100, 3_000.0, 90.0),
        ("c", "hospital", 2_500, 4_500.0, 180.0),
        ("d", "care_home", 80, 6_000.0, 0.0),
    ])
    cordon = validate_incident(*CENTER)
    summary = sensitive_summary(sensitive_in_zones(sites, cordon), cordon, nearest=2)
    assert [z["zone"] for z in summary] == ["core", "control", "warning"]
    core, control, warning = summary
    assert (core["sites"], core["people"], core["by_kind"], core["nearest"]) == (0, 0, {}, [])
    assert (control["sites"], control["people"]) == (3, 4500)
    # most people first
    assert list(control["by_kind"]) == ["hospital", "school"]
    assert control["by_kind"]["school"] == {"sites": 2, "people": 2000}
    assert [s["id"] for s in control["nearest"]] == ["a", "b"]  # at most 2, nearest first
    assert control["nearest"][0]["distance_m"] == 2000
    assert warning["by_kind"] == {"care_home": {"sites": 1, "people": 80}}
    assert warning["outer_m"] == 10_000.0


def test_no_sites_and_odd_rows():
    cordon = validate_incident(*CENTER, (1000, 5000))
    empty = gpd.GeoDataFrame({"id": [], "name": [], "kind": [], "people": []},
                             geometry=gpd.GeoSeries([], crs=4326))
    rows = sensitive_in_zones(empty, cordon)
    assert rows.empty and tuple(rows.columns) == SENSITIVE_COLUMNS
    assert [z["sites"] for z in sensitive_summary(rows, cordon)] == [0, 0]
    # an empty geometry is skipped; a missing head count counts as 0; a polygon is measured
    # at a point on its surface
    lon, lat = _at(500.0, 45.0)
    odd = gpd.GeoDataFrame(
        {"id": ["e", "p", "g"], "name": ["e", "p", "g"], "kind": ["market"] * 3,
         "people": [None, 10, 5]},
        geometry=[shapely.Point(), shapely.Point(lon, lat),
                  shapely.box(lon - 1e-4, lat - 1e-4, lon + 1e-4, lat + 1e-4)], crs=4326)
    rows = sensitive_in_zones(odd, cordon)
    assert sorted(rows["id"]) == ["g", "p"]
    summary = sensitive_summary(rows, cordon)
    assert summary[0]["by_kind"] == {"market": {"sites": 2, "people": 15}}


def test_with_sensitive_sites_adds_an_object_per_zone_to_the_cordon_json():
    import json

    from risk.cordon.rings import zones_for
    from risk.cordon.sensitive import with_sensitive_sites

    cordon = validate_incident(*CENTER)
    doc = {"center": {"lon": CENTER[0], "lat": CENTER[1]},
           "zones": [{"zone": z.zone, "population": 1} for z in zones_for(cordon.radii_m)]}
    sites = _sites([("a", "school", 900, 500.0, 0.0), ("b", "hospital", 300, 7_000.0, 90.0)])
    out = with_sensitive_sites(doc, sites, cordon)
    assert "sensitive_sites" not in doc["zones"][0]  # the input is not changed
    core, control, warning = (z["sensitive_sites"] for z in out["zones"])
    assert core == {"sites": 1, "people": 900, "by_kind": {"school": {"sites": 1, "people": 900}},
                    "nearest": [{"id": "a", "name": "site a", "kind": "school", "people": 900,
                                 "distance_m": 500, "direction": "北"}]}
    assert control["sites"] == 0 and warning["people"] == 300
    assert [s["id"] for s in out["sensitive_sites"]] == ["a", "b"]
    assert out["zones"][0]["population"] == 1
    json.dumps(out)  # JSON-ready
    empty = with_sensitive_sites(doc, None, cordon)
    assert [z["sensitive_sites"]["sites"] for z in empty["zones"]] == [0, 0, 0]
    with pytest.raises(ValueError, match="`doc` zones must be the cordon's zones"):
        with_sensitive_sites({"zones": []}, sites, cordon)


def test_the_package_re_exports_the_sensitive_and_search_functions():
    import risk.cordon as cordon
    from risk.cordon import search, sensitive

    assert cordon.sensitive_in_zones is sensitive.sensitive_in_zones
    assert cordon.sensitive_summary is sensitive.sensitive_summary
    assert cordon.with_sensitive_sites is sensitive.with_sensitive_sites
    assert cordon.search_enterprises is search.search_enterprises
    assert {"sensitive_in_zones", "sensitive_summary", "with_sensitive_sites",
            "search_enterprises"} <= set(cordon.__all__)
