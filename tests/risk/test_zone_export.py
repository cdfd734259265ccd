"""Zone summary and export (risk/zone_export.py): per grade, GeoJSON/GeoPackage, atomic."""

from __future__ import annotations

import json
import os

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

import risk.files
from risk.zone_export import write_zones, zone_summary, zones_to_bytes
from risk.zone_grid import grid_zones
from risk.zones import influence_zones

UTM50 = "EPSG:32650"
ORDER = ["red", "orange", "yellow", "blue"]


def test_zone_summary_per_grade(enterprises_at):
    ents = enterprises_at([(0, 0), (5000, 0), (5000, 0), (20_000, 0)],
                          ["red", "blue", "blue", "yellow"])
    zones = influence_zones(ents.to_crs(4326), crs=UTM50)
    summary = zone_summary(zones)
    assert summary["grade"].tolist() == ORDER
    assert summary["enterprises"].tolist() == [1, 0, 1, 2]
    assert summary["zones"].tolist() == [1, 0, 1, 1]
    expected = zones.set_index("grade")["area_km2"]
    assert summary.set_index("grade")["area_km2"].to_dict() == pytest.approx(
        {"red": expected["red"], "orange": 0.0, "yellow": expected["yellow"],
         "blue": expected["blue"]})
    assert summary["label_zh"].tolist() == ["重大风险", "较大风险", "一般风险", "低风险"]


def test_zones_to_bytes_round_trips_both_formats(tmp_path, random_enterprises):
    zones = influence_zones(random_enterprises(100, 3))
    data = json.loads(zones_to_bytes(zones, "geojson"))
    assert [f["properties"]["grade"] for f in data["features"]] == zones["grade"].tolist()
    assert data["features"][0]["properties"]["label_zh"] == "重大风险"
    path = tmp_path / "zones.gpkg"
    path.write_bytes(zones_to_bytes(zones, "gpkg"))
    back = pyogrio.read_dataframe(path)
    assert back.crs.to_epsg() == 4326
    assert back["area_km2"].tolist() == pytest.approx(zones["area_km2"].tolist())
    assert back.to_crs(UTM50).area.tolist() == pytest.approx(zones.to_crs(UTM50).area.tolist())
    with pytest.raises(ValueError, match="`fmt` must be 'geojson' or 'gpkg', got 'shp'"):
        zones_to_bytes(zones, "shp")


def test_write_zones_is_atomic(tmp_path, monkeypatch, random_enterprises):
    zones = grid_zones(random_enterprises(100, 3))
    target = tmp_path / "zones.geojson"
    target.write_text("old")
    with pytest.raises(ValueError, match=r"`path` must end in \.gpkg"):
        write_zones(zones, tmp_path / "zones.shp")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(risk.files.os, "replace", broken_replace)  # the writer zones use
    with pytest.raises(OSError, match="disk full"):
        write_zones(zones, target)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zones.geojson"]
    monkeypatch.undo()
    target.unlink()
    write_zones(zones, target)
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # like any new file, not 0600
    back = gpd.read_file(target)
    assert len(back) == len(zones)
    assert pd.Series(back["n_total"]).sum() == 100
