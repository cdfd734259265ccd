"""Exports: GeoJSON, KML and CSV of a small known cordon."""

from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from data.export import (
    export_bytes,
    to_csv,
    to_csv_zip,
    to_geojson,
    to_kml,
    write_export,
)
from risk.cordon import exposure
from risk.files import write_bytes_atomic

GEOD = pyproj.Geod(ellps="WGS84")
CENTER = (114.0579, 22.5431)
NS = {"k": "http://www.opengis.net/kml/2.2"}


def _at(dist, az):
    lon, lat, _ = GEOD.fwd(CENTER[0], CENTER[1], az, dist)
    return lon, lat


@pytest.fixture
def result():
    ent = gpd.GeoDataFrame(
        {"id": ["e1", "e2", "e3"], "name": ["华强<危化>&仓储", "宝安\"燃气\"站", "蓝色工厂"],
         "grade": ["red", "orange", "blue"], "major_hazard": [True, False, False],
         "address": ["深南大道 1 号", "", ""]},
        geometry=gpd.points_from_xy(*zip(_at(500, 10), _at(3000, 100), _at(8000, 200),
                                         strict=True)),
        crs=4326,
    )
    shelters = gpd.GeoDataFrame(
        {"id": ["s1"], "name": ["莲花山公园 & 广场"], "capacity": [5000]},
        geometry=gpd.points_from_xy(*zip(_at(6000, 45), strict=True)), crs=4326,
    )
    w, e = _at(12000, 270), _at(12000, 90)
    roads = gpd.GeoDataFrame({"id": ["r1"], "name": ["滨海大道"], "road_class": ["expressway"]},
                             geometry=[shapely.LineString([w, e])], crs=4326)
    return exposure({"enterprises": ent, "shelters": shelters, "roads": roads}, CENTER)


def test_geojson_has_zones_and_points(result):
    doc = json.loads(to_geojson(result).decode("utf-8"))
    assert doc["type"] == "FeatureCollection"
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert kinds.count("zone") == 3
    assert kinds.count("enterprise") == 2 and kinds.count("shelter") == 1
    assert kinds.count("checkpoint") == 4  # the road crosses 5 km and 10 km on both sides
    zones = gpd.GeoDataFrame.from_features(
        [f for f in doc["features"] if f["properties"]["kind"] == "zone"], crs=4326
    )
    assert list(zones["zone"]) == ["core", "control", "warning"]
    assert list(zones["red"]) == [1, 0, 0] and list(zones["shelters"]) == [0, 0, 1]
    ent = [f for f in doc["features"] if f["properties"]["kind"] == "enterprise"]
    assert ent[0]["properties"]["name"] == "华强<危化>&仓储"
    lon, lat = ent[0]["geometry"]["coordinates"]
    assert GEOD.inv(CENTER[0], CENTER[1], lon, lat)[2] == pytest.approx(500, abs=0.01)


def test_kml_parses_and_keeps_escaped_names(result):
    data = to_kml(result)
    text = data.decode("utf-8")
    assert "华强&lt;危化&gt;&amp;仓储" in text
    assert "莲花山公园 &amp; 广场" in text
    root = ET.fromstring(data)
    names = [n.text for n in root.iterfind(".//k:Placemark/k:name", NS)]
    assert "华强<危化>&仓储" in names and "宝安\"燃气\"站" in names
    polygons = root.findall(".//k:Polygon", NS)
    assert len(polygons) == 3
    assert len(polygons[0].findall("k:innerBoundaryIs", NS)) == 0
    assert len(polygons[1].findall("k:innerBoundaryIs", NS)) == 1
    # the outer boundary of the core lies 1 km from the incident
    coords = polygons[0].find("k:outerBoundaryIs/k:LinearRing/k:coordinates", NS).text.split()
    xy = np.array([[float(v) for v in c.split(",")[:2]] for c in coords])
    d = GEOD.inv(np.full(len(xy), CENTER[0]), np.full(len(xy), CENTER[1]), xy[:, 0], xy[:, 1])[2]
    assert np.abs(d - 1000).max() < 0.1
    styles = {s.get("id") for s in root.iterfind(".//k:Style", NS)}
    assert {"zone-core", "zone-control", "zone-warning", "enterprise", "shelter"} <= styles
    core_fill = root.find(".//k:Style[@id='zone-core']/k:PolyStyle/k:color", NS).text
    assert core_fill == "401c19d7"  # aabbggrr of #d7191c at 25 % opacity
    checkpoint_names = [n for n in names if n and n.startswith(("管制点", "警戒点"))]
    assert len(checkpoint_names) == 4


def test_csv_has_bom_and_reads_back_in_chinese(result):
    data = to_csv(result, table="priority_enterprises")
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(frame["name"]) == ["华强<危化>&仓储", "宝安\"燃气\"站"]
    zones = pd.read_csv(io.BytesIO(to_csv(result)), encoding="utf-8-sig")
    assert list(zones["name"]) == ["核心区（禁入）", "管制区", "警戒区"]
    with pytest.raises(ValueError, match="`table` must be one of"):
        to_csv(result, table="nope")
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(result))) as zf:
        assert "checkpoints.csv" in zf.namelist()
        assert zf.read("zones.csv").startswith(b"\xef\xbb\xbf")


def test_atomic_writes(result, tmp_path):
    path = write_export(result, tmp_path / "out" / "cordon.kml")
    ET.parse(path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert write_export(result, tmp_path / "c.geojson").read_bytes() == to_geojson(result)
    with pytest.raises(ValueError, match="cannot tell the export format"):
        write_export(result, tmp_path / "c.txt")
    with pytest.raises(ValueError, match="export format must be one of"):
        export_bytes(result, "shp")
    # a failing write leaves the previous file as it was and no temporary files behind
    target = tmp_path / "keep.csv"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):  # not bytes: fails half-way, after the temporary file exists
        write_bytes_atomic(target, None)  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.geojson", "keep.csv", "out"]


# -- spreadsheet safety (OWASP CSV injection, issue 12) ------------------------------------------

FORMULAS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tTAB", "\rCR", "-"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_gets_a_leading_quote(text):
    from data.export import safe_cell

    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-5", "+86", "-0.25", "1e5", "甲公司", "a=b", "'=x", "", -5,
                                   -5.5, 3, True, None])
def test_numbers_and_plain_text_stay_as_they_are(value):
    from data.export import safe_cell

    assert safe_cell(value) is value or safe_cell(value) == value


def test_neutralise_frame_keeps_numbers_numeric_and_copies():
    from data.export import neutralise_frame

    frame = pd.DataFrame({"name": ["=1+1", "甲"], "n": [-5, 3], "x": [-1.5, 2.0],
                          "=hdr": ["@a", None]})
    out = neutralise_frame(frame)
    assert out["name"].tolist() == ["'=1+1", "甲"] and frame["name"].iloc[0] == "=1+1"
    assert out["n"].tolist() == [-5, 3] and out["n"].dtype == frame["n"].dtype
    assert out["x"].dtype == float
    assert list(out.columns) == ["name", "n", "x", "'=hdr"]
    assert out["'=hdr"].iloc[0] == "'@a" and pd.isna(out["'=hdr"].iloc[1])


@pytest.fixture
def formula_result():
    names = FORMULAS
    pts = [_at(200 + 300 * i, 30 * i) for i in range(len(names))]
    ent = gpd.GeoDataFrame(
        {"id": [f"e{i}" for i in range(len(names))], "name": names,
         "grade": ["red"] * len(names), "major_hazard": [True] * len(names),
         "address": names},
        geometry=gpd.points_from_xy(*zip(*pts, strict=True)), crs=4326)
    return exposure({"enterprises": ent}, CENTER)


def _cells(data: bytes) -> list[str]:
    import csv

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return [c for row in rows for c in row]


def test_every_exported_csv_cell_is_neutral(formula_result):
    from data.export import FORMULA_PREFIXES

    blobs = [to_csv(formula_result, table=t) for t in formula_result.tables()]
    with zipfile.ZipFile(io.BytesIO(to_csv_zip(formula_result))) as zf:
        blobs += [zf.read(n) for n in zf.namelist()]
    cells = [c for b in blobs for c in _cells(b)]
    assert "'=1+1" in cells and "'@SUM(A1:A9)" in cells and "'\tTAB" in cells
    assert "'\rCR" in cells  # quoted: a CR in a name does not break the row
    bad = [c for c in cells if c.startswith(FORMULA_PREFIXES)
           and not _is_number(c)]
    assert bad == []
    # numbers stay numbers: the distances read back as floats
    frame = pd.read_csv(io.BytesIO(to_csv(formula_result, table="priority_enterprises")),
                        encoding="utf-8-sig")
    assert frame["distance_m"].dtype == float


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- the whole incident: its point, the downwind area, open hidden dangers ----------------------

INCIDENT = {"id": 7, "type": "hazmat", "type_zh": "危化品泄漏", "type_en": "Hazardous-chemical release",
            "note": "=储罐<泄漏>", "created": "2026-12-01T08:00:00+08:00", "updated": ""}
HAZARDS = {"core": {"major_open": 2, "general_open": 5, "ids": [1, 2]},
           "warning": {"major_open": 0, "general_open": 1, "ids": [3]}}


def _windy():
    """A cordon with the wind from 280° (blowing towards 100°, where e2 lies 3 km out)."""
    ent = gpd.GeoDataFrame(
        {"id": ["e1", "e2", "e3"], "name": ["甲", "乙", "丙"],
         "grade": ["red", "orange", "blue"], "major_hazard": [False, True, False]},
        geometry=gpd.points_from_xy(*zip(_at(4000, 280), _at(3000, 100), _at(8000, 200),
                                         strict=True)), crs=4326)
    return exposure({"enterprises": ent}, CENTER, wind_from_deg=280, downwind_m=6000)


def test_geojson_has_the_downwind_area_the_incident_point_and_hazards():
    doc = json.loads(to_geojson(_windy(), incident=INCIDENT, hazards=HAZARDS))
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert kinds.count("downwind") == 1 and kinds.count("incident") == 1
    down = next(f for f in doc["features"] if f["properties"]["kind"] == "downwind")
    assert down["geometry"]["type"] == "Polygon"
    props = down["properties"]
    assert (props["wind_from_deg"], props["distance_m"]) == (280.0, 6000.0)
    assert (props["orange"], props["red"], props["blue"], props["major_hazard"]) == (1, 0, 0, 1)
    area = shapely.geometry.shape(down["geometry"])
    assert area.contains(shapely.Point(_at(5000, 100)))  # downwind, inside the 6 km
    assert not area.contains(shapely.Point(_at(4000, 280)))  # upwind
    assert not area.contains(shapely.Point(_at(7000, 100)))  # beyond the 6 km
    point = next(f for f in doc["features"] if f["properties"]["kind"] == "incident")
    assert point["geometry"]["coordinates"] == pytest.approx(list(CENTER))
    assert point["properties"]["type_zh"] == "危化品泄漏" and point["properties"]["id"] == 7
    assert point["properties"]["wind_from_deg"] == 280.0
    zones = {f["properties"]["zone"]: f["properties"] for f in doc["features"]
             if f["properties"]["kind"] == "zone"}
    assert zones["core"]["hazards_major_open"] == 2 and zones["control"]["hazards_general_open"] == 0


def test_no_wind_no_downwind_area_but_the_incident_point(result):
    doc = json.loads(to_geojson(result))
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert "downwind" not in kinds and kinds.count("incident") == 1
    with pytest.raises(ValueError, match="no downwind area"):
        to_csv(result, table="downwind")
    root = ET.fromstring(to_kml(result))
    assert [p.findtext("k:styleUrl", namespaces=NS) for p in root.iter(f"{{{NS['k']}}}Placemark")
            ].count("#downwind") == 0


def test_kml_has_the_incident_placemark_and_the_downwind_polygon():
    root = ET.fromstring(to_kml(_windy(), incident=INCIDENT, hazards=HAZARDS))
    marks = {p.findtext("k:styleUrl", namespaces=NS): p
             for p in root.iter(f"{{{NS['k']}}}Placemark")}
    inc = marks["#incident"]
    lon, lat, _ = map(float, inc.findtext("k:Point/k:coordinates", namespaces=NS).split(","))
    assert (lon, lat) == pytest.approx(CENTER, abs=1e-7)
    assert "危化品泄漏" in inc.findtext("k:description", namespaces=NS)
    assert "=储罐<泄漏>" in inc.findtext("k:description", namespaces=NS)  # escaped, kept
    assert root.find("k:Document/k:Style[@id='incident']", NS) is not None
    down = marks["#downwind"]
    assert "wind from 280°" in down.findtext("k:description", namespaces=NS)
    assert down.find("k:Polygon/k:outerBoundaryIs/k:LinearRing/k:coordinates", NS) is not None
    zone_desc = [p.findtext("k:description", namespaces=NS) for p in marks.values()]
    assert any("重大 major 2, 一般 general 5" in (d or "") for d in zone_desc)


def test_csv_zip_has_incident_downwind_and_zone_hazards():
    data = to_csv_zip(_windy(), incident=INCIDENT, hazards=HAZARDS)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert {"incident.csv", "downwind.csv", "zones.csv"} <= set(zf.namelist())
        zones = pd.read_csv(zf.open("zones.csv"), encoding="utf-8-sig")
        incident = pd.read_csv(zf.open("incident.csv"), encoding="utf-8-sig")
        down = pd.read_csv(zf.open("downwind.csv"), encoding="utf-8-sig")
    assert zones.set_index("zone")["hazards_major_open"].to_dict() == {
        "core": 2, "control": 0, "warning": 0}
    assert incident["note"].iloc[0] == "'=储罐<泄漏>"  # neutralised
    assert incident["wind_from_deg"].iloc[0] == 280 and down["orange"].iloc[0] == 1
    doc = json.loads(export_bytes(_windy(), "json", incident=INCIDENT, hazards=HAZARDS))
    assert doc["zones"][0]["hazards"] == {"major_open": 2, "general_open": 5}
    assert doc["incident"]["id"] == 7 and doc["downwind"]["distance_m"] == 6000.0
