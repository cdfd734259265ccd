"""OpenStreetMap road import (data/osm.py) on a hand-written .osm file."""

import numpy as np
import pytest

from data.osm import OsmError, read_osm_roads
from risk.network import graph_from_roads

OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="test">
  <node id="1" lat="22.5400" lon="114.0500"/>
  <node id="2" lat="22.5400" lon="114.0600"/>
  <node id="3" lat="22.5500" lon="114.0600"/>
  <node id="4" lat="22.5450" lon="114.0550"/>
  <node id="5" lat="22.5450" lon="114.0650"/>
  <way id="10"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="primary"/><tag k="name" v="深南大道"/><tag k="maxspeed" v="60"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="-1"/></way>
  <way id="12"><nd ref="4"/><nd ref="5"/><tag k="highway" v="motorway"/>
    <tag k="bridge" v="yes"/><tag k="maxspeed" v="50 mph"/></way>
  <way id="13"><nd ref="1"/><nd ref="3"/><tag k="waterway" v="river"/></way>
</osm>
"""


def test_roads_classes_speeds_oneway_and_shared_nodes(tmp_path):
    path = tmp_path / "tiny.osm"
    path.write_text(OSM, encoding="utf-8")
    roads = read_osm_roads(path)
    assert roads["id"].tolist() == ["osm-10", "osm-11", "osm-12"]  # the river is not a road
    assert roads["class"].tolist() == ["arterial", "local", "expressway"]
    assert roads["name"].iloc[0] == "深南大道"
    assert roads["speed_kmh"].iloc[0] == 60.0
    assert np.isnan(roads["speed_kmh"].iloc[1])
    assert roads["speed_kmh"].iloc[2] == pytest.approx(80.467, abs=0.01)
    assert roads["oneway"].tolist() == [False, True, True]
    # oneway=-1: the line is reversed so that its drawn direction is the allowed one
    assert list(roads.geometry.iloc[1].coords)[0] == pytest.approx((114.06, 22.55))
    graph, report = graph_from_roads(roads)
    assert report.defaulted_speed == 1
    assert report.islands == 2  # the motorway bridge joins nothing


def test_bad_files_are_refused(tmp_path):
    with pytest.raises(OsmError, match="no such file"):
        read_osm_roads(tmp_path / "missing.osm")
    empty = tmp_path / "empty.osm"
    empty.write_text("<?xml version='1.0'?><osm version='0.6'></osm>", encoding="utf-8")
    with pytest.raises(OsmError, match="holds no"):
        read_osm_roads(empty)
    junk = tmp_path / "junk.osm"
    junk.write_text("this is not xml", encoding="utf-8")
    with pytest.raises(OsmError):
        read_osm_roads(junk)
