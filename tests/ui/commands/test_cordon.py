"""``riskmap cordon`` and ``riskmap incidents`` on a tiny hand-made dataset and on the sample."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from data.dataset import Dataset
from data.store import FileStore
from ui.cli import CliError

GEOD = pyproj.Geod(ellps="WGS84")
CENTER = (114.0579, 22.5431)






@pytest.fixture
def tiny(tmp_path):
    """Districts (a box), enterprises at known geodesic distances, one shelter, one road."""
    store = FileStore(tmp_path / "tiny")
    box = shapely.box(113.9, 22.4, 114.2, 22.7)
    store.write_layer("districts", gpd.GeoDataFrame(
        {"code": ["440304"], "name": ["福田区"], "name_en": ["Futian"]}, geometry=[box], crs=4326))
    dists = np.array([999.0, 1001.0, 4999.0, 5001.0, 9999.0, 10001.0, 300.0])
    azs = np.array([0.0, 45, 90, 135, 180, 225, 270])
    lon, lat, _ = GEOD.fwd(np.full(7, CENTER[0]), np.full(7, CENTER[1]), azs, dists)
    store.write_layer("enterprises", gpd.GeoDataFrame(
        {"id": [f"e{i}" for i in range(7)],
         "name": ["甲化工", "乙燃气", "丙仓储", "丁工厂", "戊物流", "己建筑", "华强<危化>&仓储"],
         "grade": ["red", "orange", "yellow", "blue", "red", "red", "红"],
         "major_hazard": [True, False, False, False, False, False, True]},
        geometry=gpd.points_from_xy(lon, lat), crs=4326))
    slon, slat, _ = GEOD.fwd(CENTER[0], CENTER[1], 30.0, 7000.0)
    store.write_layer("shelters", gpd.GeoDataFrame(
        {"id": ["s1"], "name": ["莲花山"], "shelter_type": ["固定"], "capacity": [3000]},
        geometry=gpd.points_from_xy([slon], [slat]), crs=4326))
    w = GEOD.fwd(CENTER[0], CENTER[1], 270.0, 14000.0)[:2]
    e = GEOD.fwd(CENTER[0], CENTER[1], 90.0, 14000.0)[:2]
    store.write_layer("roads", gpd.GeoDataFrame(
        {"id": ["r1"], "name": ["深南大道"], "road_class": ["trunk"]},
        geometry=[shapely.LineString([w, e])], crs=4326))
    return store.root


def test_json_summary_on_a_tiny_dataset(run_cli, tiny, capsys):
    code, out, _ = run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]),
                         "--data", str(tiny)])
    assert code == 0
    data = json.loads(out)
    zones = data["zones"]
    assert [z["name"] for z in zones] == ["核心区（禁入）", "管制区", "警戒区"]
    assert [(z["inner_m"], z["outer_m"]) for z in zones] == [(0, 1000), (1000, 5000),
                                                            (5000, 10000)]
    assert [z["enterprises"] for z in zones] == [
        {"red": 2, "orange": 0, "yellow": 0, "blue": 0},
        {"red": 0, "orange": 1, "yellow": 1, "blue": 0},
        {"red": 1, "orange": 0, "yellow": 0, "blue": 1},
    ]
    assert [z["shelters"] for z in zones] == [0, 0, 1]
    assert [z["shelter_capacity"] for z in zones] == [0, 0, 3000]
    assert [z["population"] for z in zones] == [None, None, None]  # no raster in this dataset
    assert [p["name"] for p in data["priority_enterprises"]] == ["华强<危化>&仓储", "甲化工",
                                                                 "乙燃气", "戊物流"]
    assert len(data["checkpoints"]) == 4
    assert data["evacuation_shelters"][0]["name"] == "莲花山"


def test_radii_and_formats(run_cli, tiny, capsys, tmp_path):
    code, out, _ = run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]),
                         "--radii-km", "0.5，2,10.001", "--data", str(tiny)])
    assert [z["outer_m"] for z in json.loads(out)["zones"]] == [500, 2000, 10001]
    assert json.loads(out)["zones"][2]["enterprises"]["red"] == 2  # 9 999 and 10 001 m
    kml = tmp_path / "c.kml"
    run_cli(["cordon", "--enterprise", "甲化工", "--format", "kml", "--out", str(kml),
          "--data", str(tiny)])
    root = ET.parse(kml).getroot()
    assert root.tag.endswith("kml")
    code, out, _ = run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]),
                         "--format", "csv", "--table", "checkpoints", "--data", str(tiny)])
    frame = pd.read_csv(io.StringIO(out))
    assert sorted(frame["kind"]) == ["管制点", "管制点", "警戒点", "警戒点"]
    code, out, _ = run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]),
                         "--format", "geojson", "--data", str(tiny)])
    assert json.loads(out)["type"] == "FeatureCollection"


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--lon", "22.54", "--lat", "114.05"], "swapped"),
        (["--lon", "300", "--lat", "22.5"], "out of range"),
        (["--lon", "121.47", "--lat", "31.23"], "from the dataset's region"),
        (["--lon", "114.05", "--lat", "22.54", "--radii-km", "5,1"], "ascending"),
        (["--lon", "114.05", "--lat", "22.54", "--radii-km", "-1,5"], "positive"),
        (["--lon", "114.05", "--lat", "22.54", "--radii-km", "a,b"], "kilometres"),
        (["--lat", "22.54"], "--lon and --lat"),
        (["--enterprise", "不存在"], "no enterprise"),
        (["--enterprise", "化"], "matches 2 enterprises"),
    ],
)
def test_bad_input_is_a_cli_error_and_nothing_is_saved(parse_cli, tiny, argv, match):
    with pytest.raises((CliError, SystemExit)) as info:
        args = parse_cli(["cordon", *argv, "--save", "--data", str(tiny)])
        args.func(args)
    if info.type is SystemExit:  # argparse refused the value itself (exit 2)
        assert info.value.code == 2
    else:
        assert info.match(match)
    assert not (tiny / "incidents.sqlite").exists()


def test_cli_main_exit_code_and_message(tiny, monkeypatch, capsys):
    import ui.cli

    missing = tuple(c for c in ("cordon", "incidents") if c not in ui.cli.COMMANDS)
    monkeypatch.setattr(ui.cli, "COMMANDS", (*ui.cli.COMMANDS, *missing))
    code = ui.cli.main(["cordon", "--lon", "22.54", "--lat", "114.05", "--data", str(tiny)])
    assert code == 2
    assert "swapped" in capsys.readouterr().err


def test_save_list_show_export_delete(parse_cli, run_cli, tiny, capsys, tmp_path):
    run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]), "--save", "--type",
          "危化品泄漏", "--note", "储罐泄漏", "--data", str(tiny)])
    code, out, _ = run_cli(["incidents", "list", "--json", "--data", str(tiny)])
    items = json.loads(out)
    assert len(items) == 1
    assert (items[0]["type_zh"], items[0]["note"]) == ("危化品泄漏", "储罐泄漏")
    new_id = items[0]["id"]
    code, out, _ = run_cli(["incidents", "show", str(new_id), "--data", str(tiny)])
    assert json.loads(out)["cordon"]["zones"][0]["enterprises"]["red"] == 2
    out_file = tmp_path / "inc.geojson"
    run_cli(["incidents", "export", str(new_id), "--out", str(out_file), "--data", str(tiny)])
    assert json.loads(out_file.read_text(encoding="utf-8"))["type"] == "FeatureCollection"
    run_cli(["incidents", "delete", str(new_id), "--data", str(tiny)])
    with pytest.raises(CliError, match="no incident"):
        args = parse_cli(["incidents", "show", str(new_id), "--data", str(tiny)])
        args.func(args)


def test_zone_counts_on_the_sample_equal_an_independent_geod_count(run_cli, small_sample, capsys):
    dataset = Dataset.load(small_sample)
    ent = dataset.enterprises
    center = (float(ent.geometry.x.median()), float(ent.geometry.y.median()))
    code, out, _ = run_cli(["cordon", "--lon", str(center[0]), "--lat", str(center[1]),
                         "--data", str(small_sample)])
    zones = json.loads(out)["zones"]
    n = len(ent)
    _, _, d = GEOD.inv(np.full(n, center[0]), np.full(n, center[1]),
                       ent.geometry.x.to_numpy(), ent.geometry.y.to_numpy())
    for z in zones:
        inside = (d >= z["inner_m"]) & (d < z["outer_m"])
        for grade, count in z["enterprises"].items():
            assert count == int(np.sum(inside & (ent["grade"] == grade).to_numpy()))
    assert sum(z["population"] for z in zones) > 0


@pytest.mark.parametrize(
    ("radii", "message"),
    [("5,1", r"ascending order .*\[5, 1\] km"), ("1,1,5", r"duplicate radii: 1 km"),
     ("0,5", r"positive kilometres"), ("1,200", r"at most 100 km, got 200 km"),
     ("a,b", r"kilometres separated by commas, e\.g\. 1,5,10")],
)
def test_radii_km_is_the_one_parser_and_speaks_kilometres(parse_cli, tiny, capsys, radii, message):
    """--radii-km is refused by argparse (exit 2) with the parser's message, in kilometres."""
    import re

    with pytest.raises(SystemExit) as info:
        parse_cli(["cordon", "--lon", "114.05", "--lat", "22.54", f"--radii-km={radii}",
                "--data", str(tiny)])
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_enterprise_name_matching_is_find_enterprises(run_cli, tiny, capsys, monkeypatch):
    """--enterprise places the incident with risk.cordon.find_enterprises (width-insensitive)."""
    import risk.cordon

    seen = []
    real = risk.cordon.find_enterprises
    monkeypatch.setattr(risk.cordon, "find_enterprises",
                        lambda *a, **k: seen.append(a[1]) or real(*a, **k))
    code, out, _ = run_cli(["cordon", "--enterprise", "甲化工", "--data", str(tiny)])
    assert code == 0 and seen == ["甲化工"]
    lon, lat = json.loads(out)["center"].values()
    ent = Dataset.load(tiny).enterprises
    point = ent[ent["name"] == "甲化工"].geometry.iloc[0]
    assert (lon, lat) == pytest.approx((point.x, point.y))


def test_one_request_validates_the_incident_once(run_cli, tiny, capsys, monkeypatch):
    from risk.cordon import rings as rings_module

    calls = []
    real = rings_module._incident_problems
    monkeypatch.setattr(rings_module, "_incident_problems",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]), "--format", "kml",
          "--wind-from", "90", "--save", "--type", "fire", "--data", str(tiny)])
    assert len(calls) == 1
