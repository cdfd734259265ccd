"""Cordon rings, zones, the radii parser and incident validation (risk/cordon/rings.py),
checked against pyproj.Geod."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import shapely

from risk.cordon import (
    DEFAULT_RADII_M,
    DEFAULT_ZONES,
    MAX_RINGS,
    Cordon,
    cordon_rings,
    exposure,
    format_radii_km,
    parse_radii_km,
    validate_incident,
    zones_for,
)
from risk.cordon import rings as rings_module
from risk.cordon.rings import zone_label
from risk.crs import aeqd_crs

GEOD = pyproj.Geod(ellps="WGS84")
SHENZHEN = (114.0579, 22.5431)


def _random_centres(lat0, n, seed):
    rng = np.random.default_rng(seed)
    return [(float(100 + rng.random() * 20), float(lat0 + rng.random() - 0.5)) for _ in range(n)]


# ---------------------------------------------------------------------------------------------
# rings


@pytest.mark.parametrize("lat0", [22.5, 45.0])
def test_ring_vertices_lie_on_the_geodesic_circle(lat0):
    for center in _random_centres(lat0, 4, seed=int(lat0)):
        rings = cordon_rings(center, radii_m=(1000, 5000, 10000, 25000))
        for poly, inner, outer in zip(rings.geometry, rings["inner_m"], rings["outer_m"],
                                      strict=True):
            boundaries = [(poly.exterior, outer)] + [(h, inner) for h in poly.interiors]
            assert len(boundaries) == (1 if inner == 0 else 2)
            for ring, radius in boundaries:
                xy = np.asarray(ring.coords)
                assert len(xy) >= 257  # at least 256 segments
                _, _, d = GEOD.inv(np.full(len(xy), center[0]), np.full(len(xy), center[1]),
                                   xy[:, 0], xy[:, 1])
                assert np.max(np.abs(d - radius)) / radius < 1e-3  # the 0.1 % requirement
                assert np.max(np.abs(d - radius)) < 0.01  # in fact exact to a centimetre
                # chord sag: midpoints between vertices stay within 0.5 m of the circle
                mid = (xy[:-1] + xy[1:]) / 2
                _, _, dm = GEOD.inv(np.full(len(mid), center[0]), np.full(len(mid), center[1]),
                                    mid[:, 0], mid[:, 1])
                assert np.max(radius - dm) < 0.6


@pytest.mark.parametrize("center", [SHENZHEN, (8.0, 45.0)])
def test_rings_tile_the_disk_without_overlap(center):
    radii = (1000.0, 5000.0, 10000.0)
    rings = cordon_rings(center, radii_m=radii)
    assert list(rings["zone"]) == ["core", "control", "warning"]
    assert rings.crs.to_epsg() == 4326
    metric = rings.to_crs(aeqd_crs(*center))
    areas = metric.area.to_numpy()
    inner = 0.0
    for area, outer in zip(areas, radii, strict=True):
        assert area == pytest.approx(math.pi * (outer**2 - inner**2), rel=1e-3)
        inner = outer
    assert areas.sum() == pytest.approx(math.pi * radii[-1] ** 2, rel=1e-3)
    geoms = list(metric.geometry)
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert geoms[i].intersection(geoms[j]).area < 1e-6 * areas.sum()
    assert shapely.union_all(geoms).area == pytest.approx(areas.sum(), rel=1e-9)
    # the same check in UTM (a CRS chosen independently of ours)
    utm = rings.to_crs(rings.estimate_utm_crs())
    assert utm.area.sum() == pytest.approx(math.pi * radii[-1] ** 2, rel=2e-3)
    assert all(g.is_valid for g in rings.geometry)
    assert all(shapely.is_ccw(g.exterior) for g in rings.geometry)


def test_zone_names_and_extra_rings():
    assert [z.zone for z in DEFAULT_ZONES] == ["core", "control", "warning"]
    assert DEFAULT_ZONES[0].name_zh == "核心区（禁入）"
    zones = zones_for([1000, 5000, 10000, 15000])
    assert zones[3].zone == "outer1"
    assert zones[3].name_zh == "外围 10–15 km"
    assert (zones[3].inner_m, zones[3].outer_m) == (10000.0, 15000.0)
    rings = cordon_rings(SHENZHEN, radii_m=[2000, 3000], names=[("甲", "A"), "乙"])
    assert list(rings["name_zh"]) == ["甲", "乙"]
    assert list(rings["inner_m"]) == [0.0, 2000.0]


def test_a_five_ring_legend_says_each_range_once():
    import re

    zones = zones_for([1000, 5000, 10000, 30000, 50000])
    assert [(z.name_zh, z.name_en) for z in zones[3:]] == [
        ("外围 10–30 km", "Outer 10–30 km"), ("外围 30–50 km", "Outer 30–50 km")]
    for z in zones:
        for text in (z.label("zh"), z.label("en"), z.label("zh", both=True),
                     z.label("en", both=True)):
            # exactly one "a–b km", and it is the zone's own range
            assert re.findall(r"[\d.]+–[\d.]+ km", text) == [
                f"{z.inner_m / 1000:g}–{z.outer_m / 1000:g} km"], text
    assert zones[3].label("zh") == "外围 10–30 km" and zones[3].label("en") == "Outer 10–30 km"
    assert zones[3].label("zh", both=True) == "外围 Outer 10–30 km"
    assert zones[0].label("zh") == "核心区（禁入） 0–1 km"
    assert zones[1].label("en", both=True) == "Traffic-control zone 管制区 1–5 km"
    # names a user gives (without a range) get the range added; the same word twice is said once
    given = zones_for([2000, 3000], names=[("甲", "A"), "乙"])
    assert [z.label("zh", both=True) for z in given] == ["甲 A 0–2 km", "乙 2–3 km"]
    # the map's GeoJSON carries the same texts
    from risk.cordon.rings import cordon_rings_geojson

    doc = cordon_rings_geojson(SHENZHEN, radii_m=[1000, 5000, 10000, 30000, 50000])
    assert [f["properties"]["label_zh"] for f in doc["features"]] == [z.label("zh") for z in zones]
    assert doc["features"][3]["properties"]["label_en"] == "Outer 10–30 km"


# ---------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    ("lon", "lat", "radii", "match"),
    [
        (200.0, 22.5, (1000,), "out of range"),
        (114.0, -95.0, (1000,), "swapped|out of range"),
        (22.5, 114.0, (1000,), "swapped.*lon=114"),
        (float("nan"), 22.5, (1000,), "finite"),
        ("abc", 22.5, (1000,), "must be numbers"),
        (114.0, 22.5, (-1000, 5000), "positive"),
        (114.0, 22.5, (0, 5000), "positive"),
        (114.0, 22.5, (5000, 1000), "ascending"),
        (114.0, 22.5, (1000, 1000, 5000), "duplicate"),
        (114.0, 22.5, tuple(range(1000, 10000, 1000)), "too many rings"),
        (114.0, 22.5, (1000, 150_000), "too large"),
        (114.0, 22.5, (), "at least one"),
    ],
)
def test_bad_input_is_refused(lon, lat, radii, match):
    with pytest.raises(ValueError, match=match):
        validate_incident(lon, lat, radii)


def test_far_from_region_is_refused_with_geodesic_distance():
    region = shapely.box(113.75, 22.4, 114.65, 22.87)
    validate_incident(114.0, 22.5, (1000,), region=region)
    # 0.4 degrees east of the region's edge at 22.5 N is ~41 km: inside the 50 km allowance
    validate_incident(115.05, 22.6, (1000,), region=region)
    with pytest.raises(ValueError, match="from the dataset's region") as info:
        validate_incident(115.3, 22.6, (1000,), region=region)
    _, _, d = GEOD.inv(114.65, 22.6, 115.3, 22.6)
    assert f"{d / 1000:.1f} km" in str(info.value)
    with pytest.raises(ValueError, match="swapped"):
        validate_incident(22.6, 50.0, (1000,), region=shapely.box(49.5, 22.0, 50.5, 23.0))
    with pytest.raises(ValueError):
        exposure({}, (115.3, 22.6), region=region)


# ---------------------------------------------------------------------------------------------
# the radii parser: kilometres typed by a person, the same rules as validate_incident


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,5,10", (1000.0, 5000.0, 10000.0)),
        ("1，5， 10", (1000.0, 5000.0, 10000.0)),  # full-width comma, spaces
        ("1 5 10", (1000.0, 5000.0, 10000.0)),
        ("１，５，１０", (1000.0, 5000.0, 10000.0)),  # full-width digits (NFKC)
        (" 0.5,2,10.001 ", (500.0, 2000.0, 10001.0)),
        ("", DEFAULT_RADII_M),
        (None, DEFAULT_RADII_M),
        ("   ", DEFAULT_RADII_M),
    ],
)
def test_parse_radii_km(text, expected):
    assert parse_radii_km(text) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("one,five", r"kilometres separated by commas, e\.g\. 1,5,10; got 'one,five'"),
        ("5,1,10", r"ascending order .*\[5, 1, 10\] km"),
        ("1,1,5", r"duplicate radii: 1 km"),
        ("-1,5", r"positive kilometres, got -1 in \[-1, 5\]"),
        ("0,5", r"positive kilometres"),
        ("1,150", r"too large: at most 100 km, got 150 km"),
        (",".join(str(i) for i in range(1, MAX_RINGS + 2)), r"too many rings: at most 8, got 9"),
        ("nan", r"positive kilometres"),
    ],
)
def test_parse_radii_km_refuses_in_kilometres(text, match):
    with pytest.raises(ValueError, match=match) as info:
        parse_radii_km(text)
    assert " m " not in f"{info.value} " and not str(info.value).endswith(" m")


@pytest.mark.parametrize("radii_m", [(5000.0, 1000.0), (1000.0, 1000.0), (-1.0,), (200_000.0,),
                                     tuple(range(1000, 10_000, 1000)), ()])
def test_parser_and_validation_refuse_the_same_radii(radii_m):
    """One rule: what validate_incident refuses in metres, the parser refuses in kilometres."""
    with pytest.raises(ValueError):
        validate_incident(114.0, 22.5, radii_m)
    text = format_radii_km(radii_m)
    if text:  # empty text means the default radii
        with pytest.raises(ValueError):
            parse_radii_km(text)


def test_format_radii_km_round_trips():
    assert format_radii_km(DEFAULT_RADII_M) == "1,5,10"
    assert format_radii_km((500.0, 2000.0)) == "0.5,2"
    assert parse_radii_km(format_radii_km((500.0, 2000.0, 12500.0))) == (500.0, 2000.0, 12500.0)


# ---------------------------------------------------------------------------------------------
# the validated value: a Cordon is trusted by inner functions


def test_validate_incident_returns_a_frozen_cordon():
    cordon = validate_incident("114.05", 22.6, [500, 2000])
    assert cordon == Cordon(114.05, 22.6, (500.0, 2000.0))
    assert cordon.center == (114.05, 22.6)
    lon, lat, radii = cordon  # still unpacks as (lon, lat, radii_m)
    assert (lon, lat, radii) == (114.05, 22.6, (500.0, 2000.0))
    with pytest.raises(AttributeError):
        cordon.lon = 0.0  # type: ignore[misc]


def test_a_cordon_is_not_validated_again(monkeypatch):
    calls = []
    real = rings_module._incident_problems

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(rings_module, "_incident_problems", counting)
    cordon = validate_incident(*SHENZHEN, (1000, 5000))
    rings = cordon_rings(cordon)
    result = exposure({}, cordon, wind_from_deg=90.0)
    _ = result.rings, result.to_json()
    assert len(calls) == 1
    assert list(rings["outer_m"]) == [1000.0, 5000.0]
    # a bare (lon, lat) is validated where it arrives
    cordon_rings(SHENZHEN, radii_m=(1000, 5000))
    assert len(calls) == 2


# ---------------------------------------------------------------------------------------------
# rings as GeoJSON, straight from the vertex arrays


def _old_rings_geojson(center, radii):
    """The map's rings as the incident tab built them before: the GeoDataFrame snapped to a
    1e-6 degree grid, then ``to_json`` (the reference for the fast path)."""
    import json

    rings = cordon_rings(center, radii_m=radii)
    rings["geometry"] = rings.geometry.set_precision(1e-6)
    return json.loads(rings.to_json())


@pytest.mark.parametrize("center", [SHENZHEN, (8.3, 45.2), (-70.6, -33.4)])
@pytest.mark.parametrize("radii", [(1000.0, 5000.0, 10000.0), (300.0, 2000.0, 8000.0, 40000.0)])
def test_rings_geojson_equals_the_geodataframe_to_within_1e6(center, radii):
    from risk.cordon.rings import cordon_rings_geojson

    fast = cordon_rings_geojson(center, radii_m=radii)
    old = _old_rings_geojson(center, radii)
    assert fast["type"] == "FeatureCollection"
    assert len(fast["features"]) == len(old["features"]) == len(radii)
    for new_f, old_f in zip(fast["features"], old["features"], strict=True):
        assert new_f["id"] == old_f["id"] and new_f["type"] == "Feature"
        labels = {k: new_f["properties"].pop(k) for k in ("label_zh", "label_en")}
        assert new_f["properties"] == old_f["properties"]
        p = old_f["properties"]
        assert labels == {"label_zh": zone_label(p["name_zh"], p["name_en"], p["inner_m"],
                                                 p["outer_m"], "zh"),
                          "label_en": zone_label(p["name_zh"], p["name_en"], p["inner_m"],
                                                 p["outer_m"], "en")}
        a = shapely.geometry.shape(new_f["geometry"])
        b = shapely.geometry.shape(old_f["geometry"])
        # the same vertices (set_precision may start a ring elsewhere and turn it round)
        assert shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), 1.0001e-6)
        assert a.is_valid and shapely.is_ccw(a.exterior)  # RFC 7946: exteriors anticlockwise
        assert all(not shapely.is_ccw(h) for h in a.interiors)
        for part in new_f["geometry"]["coordinates"]:  # rounded to 6 decimals
            xy = np.asarray(part)
            assert np.abs(xy - np.round(xy, 6)).max() < 1e-12
    # and the same zones as the GeoDataFrame, on the geodesic circle to the rounding
    outer = np.asarray(fast["features"][-1]["geometry"]["coordinates"][0])
    _, _, d = GEOD.inv(np.full(len(outer), center[0]), np.full(len(outer), center[1]),
                       outer[:, 0], outer[:, 1])
    assert np.abs(d - radii[-1]).max() < 0.2  # 1e-6 degree is ~0.11 m


def test_rings_geojson_names_and_a_validated_cordon():
    from risk.cordon.rings import cordon_rings_geojson

    cordon = validate_incident(*SHENZHEN, (500, 2000))
    doc = cordon_rings_geojson(cordon, names=[("内圈", "Inner"), "外圈"])
    assert [f["properties"]["name_zh"] for f in doc["features"]] == ["内圈", "外圈"]
    assert [f["properties"]["name_en"] for f in doc["features"]] == ["Inner", "外圈"]
    with pytest.raises(ValueError, match="ascending"):
        cordon_rings_geojson(SHENZHEN, radii_m=(2000, 500))
