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
    assert roads["name"].iloc[1] == "未命名道路 unnamed road (OSM 11)"  # the schema needs a name
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


def _write_pbf(xml_path, pbf_path) -> None:
    """The same extract as .osm.pbf, written by osmium (pyosmium's SimpleWriter)."""
    import osmium

    writer = osmium.SimpleWriter(str(pbf_path))
    try:
        for obj in osmium.FileProcessor(str(xml_path)):
            if isinstance(obj, osmium.osm.Node):
                writer.add_node(obj)
            elif isinstance(obj, osmium.osm.Way):
                writer.add_way(obj)
    finally:
        writer.close()


@pytest.fixture
def extracts(tmp_path):
    xml = tmp_path / "tiny.osm"
    xml.write_text(OSM, encoding="utf-8")
    pbf = tmp_path / "tiny.osm.pbf"
    _write_pbf(xml, pbf)
    return xml, pbf


def test_pbf_reads_like_the_xml(extracts):
    xml, pbf = extracts
    assert pbf.read_bytes()[:32].find(b"OSMHeader") >= 0
    a, b = read_osm_roads(xml), read_osm_roads(pbf)
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-7).all()


def test_readers_sniff_and_read_osm_for_the_roads_layer_only(extracts):
    from data.readers import ImportFileError, read_source, sniff_format

    xml, pbf = extracts
    for path in (xml, pbf):
        data = path.read_bytes()
        assert sniff_format(data, filename=path.name) == ("osm", [])
        raw = read_source(path, layer="roads")
        assert raw.format == "osm" and len(raw.frame) == 3 and raw.rows.tolist() == [1, 2, 3]
        assert raw.frame.crs.to_epsg() == 4326
    # an .osm that is really a CSV is read by its content, with a warning
    fmt, warnings = sniff_format(b"name,lon,lat\na,114,22\n", filename="x.osm")
    assert fmt == "csv" and "extension '.osm'" in warnings[0]
    with pytest.raises(ImportFileError, match="only be imported into the roads layer"):
        read_source(xml, layer="enterprises")
    bad = xml.with_name("empty.osm")
    bad.write_text("<?xml version='1.0'?><osm version='0.6'></osm>", encoding="utf-8")
    with pytest.raises(ImportFileError, match="empty.osm holds no"):
        read_source(bad, layer="roads")


def test_import_roads_from_osm_end_to_end(extracts, districts_store):
    from data.importer import import_layer

    xml, pbf = extracts
    result = import_layer(districts_store, "roads", pbf, mode="replace")
    assert result.accepted_count == 3 and len(result.rejected) == 0, result.rejected
    assert any("2 roads have no name" in w for w in result.warnings)
    roads = districts_store.read_layer("roads")
    assert sorted(roads["class"]) == ["arterial", "expressway", "local"]
    assert roads["oneway"].astype(bool).tolist().count(True) == 2
    graph, _ = graph_from_roads(roads)
    assert graph.n_edges == 2 + 1 + 1  # two-way primary, one-way residential, one-way motorway


def test_riskmap_import_roads_osm(extracts, districts_store, capsys):
    from ui.cli import main

    xml, _ = extracts
    folder = str(districts_store.root)
    assert main(["import", "--layer", "roads", str(xml), "--data", folder]) == 0
    assert len(districts_store.read_layer("roads")) == 3
    assert main(["import", "--layer", "shelters", str(xml), "--data", folder]) == 2
    assert "only be imported into the roads layer" in capsys.readouterr().err
