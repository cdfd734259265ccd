"""``riskmap cordon`` on a tiny hand-made dataset (``cordon_dataset``) and on the sample."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pyproj
import pytest

from data.dataset import Dataset
from ui.cli import CliError

GEOD = pyproj.Geod(ellps="WGS84")
CENTER = (114.0579, 22.5431)  # the incident point of the cordon_dataset fixture (conftest.py)


def test_json_summary_on_a_tiny_dataset(run_cli, cordon_dataset, capsys):
    code, out, _ = run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]),
                         "--data", str(cordon_dataset)])
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


def test_radii_and_formats(run_cli, cordon_dataset, capsys, tmp_path):
    code, out, _ = run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]),
                         "--radii-km", "0.5，2,10.001", "--data", str(cordon_dataset)])
    assert [z["outer_m"] for z in json.loads(out)["zones"]] == [500, 2000, 10001]
    assert json.loads(out)["zones"][2]["enterprises"]["red"] == 2  # 9 999 and 10 001 m
    kml = tmp_path / "c.kml"
    run_cli(["cordon", "--enterprise", "甲化工", "--format", "kml", "--out", str(kml),
          "--data", str(cordon_dataset)])
    root = ET.parse(kml).getroot()
    assert root.tag.endswith("kml")
    code, out, _ = run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]),
                         "--format", "csv", "--table", "checkpoints",
                         "--data", str(cordon_dataset)])
    frame = pd.read_csv(io.StringIO(out))
    assert sorted(frame["kind"]) == ["管制点", "管制点", "警戒点", "警戒点"]
    code, out, _ = run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]),
                         "--format", "geojson", "--data", str(cordon_dataset)])
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
def test_bad_input_is_a_cli_error_and_nothing_is_saved(parse_cli, cordon_dataset, argv, match):
    with pytest.raises((CliError, SystemExit)) as info:
        args = parse_cli(["cordon", *argv, "--save", "--data", str(cordon_dataset)])
        args.func(args)
    if info.type is SystemExit:  # argparse refused the value itself (exit 2)
        assert info.value.code == 2
    else:
        assert info.match(match)
    from data.incidents import IncidentStore

    assert len(IncidentStore(cordon_dataset)) == 0


def test_cli_main_exit_code_and_message(cordon_dataset, monkeypatch, capsys):
    import ui.cli

    missing = tuple(c for c in ("cordon", "incidents") if c not in ui.cli.COMMANDS)
    monkeypatch.setattr(ui.cli, "COMMANDS", (*ui.cli.COMMANDS, *missing))
    code = ui.cli.main(["cordon", "--lon", "22.54", "--lat", "114.05",
                        "--data", str(cordon_dataset)])
    assert code == 2
    assert "swapped" in capsys.readouterr().err


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
def test_radii_km_is_the_one_parser_and_speaks_kilometres(parse_cli, cordon_dataset, capsys, radii,
                                                          message):
    """--radii-km is refused by argparse (exit 2) with the parser's message, in kilometres."""
    import re

    with pytest.raises(SystemExit) as info:
        parse_cli(["cordon", "--lon", "114.05", "--lat", "22.54", f"--radii-km={radii}",
                "--data", str(cordon_dataset)])
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_enterprise_name_matching_is_find_enterprises(run_cli, cordon_dataset, capsys, monkeypatch):
    """--enterprise places the incident with risk.cordon.find_enterprises (width-insensitive)."""
    import risk.cordon

    seen = []
    real = risk.cordon.find_enterprises
    monkeypatch.setattr(risk.cordon, "find_enterprises",
                        lambda *a, **k: seen.append(a[1]) or real(*a, **k))
    code, out, _ = run_cli(["cordon", "--enterprise", "甲化工", "--data", str(cordon_dataset)])
    assert code == 0 and seen == ["甲化工"]
    lon, lat = json.loads(out)["center"].values()
    ent = Dataset.load(cordon_dataset).enterprises
    point = ent[ent["name"] == "甲化工"].geometry.iloc[0]
    assert (lon, lat) == pytest.approx((point.x, point.y))


def test_one_request_validates_the_incident_once(run_cli, cordon_dataset, capsys, monkeypatch):
    from risk.cordon import rings as rings_module

    calls = []
    real = rings_module._incident_problems
    monkeypatch.setattr(rings_module, "_incident_problems",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]), "--format", "kml",
          "--wind-from", "90", "--save", "--type", "fire", "--data", str(cordon_dataset)])
    assert len(calls) == 1


def test_cordon_json_is_what_the_cli_prints(run_cli, cordon_dataset):
    from risk.cordon import ExposureIndex, validate_incident
    from ui.commands.cordon import cordon_json

    code, out, _ = run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]),
                            "--wind-from", "90", "--data", str(cordon_dataset)])
    dataset = Dataset.load(cordon_dataset)
    cordon = validate_incident(*CENTER, (1000, 5000, 10000), region=dataset.region)
    doc = cordon_json(dataset, cordon, wind_from_deg=90)
    assert json.loads(json.dumps(doc, ensure_ascii=False)) == json.loads(out)
    assert "downwind" in doc
    index = ExposureIndex.from_layers(dataset.layers)
    assert cordon_json(dataset, cordon, wind_from_deg=90, index=index) == doc


def _independent_open_hazards(dataset, center, zones):
    from data.hazards import HazardStore, arrays_of, states_at, today_cst

    frame = HazardStore(dataset.store.db, scope=dataset.scope).frame()
    open_ = frame[states_at(arrays_of(frame), today_cst())["open"]]
    n = len(open_)
    _, _, d = GEOD.inv(np.full(n, center[0]), np.full(n, center[1]),
                       open_["lon"].to_numpy(float), open_["lat"].to_numpy(float))
    major = (open_["level"] == "major").to_numpy()
    out = {}
    for z in zones:  # a hazard on a boundary counts in the inner ring
        inside = (d > z["inner_m"]) & (d <= z["outer_m"]) if z["inner_m"] else d <= z["outer_m"]
        out[z["zone"]] = {"major_open": int((inside & major).sum()),
                          "general_open": int((inside & ~major).sum())}
    return out, n


def test_json_has_sensitive_sites_and_open_hazards_per_zone(run_cli, small_sample):
    dataset = Dataset.load(small_sample)
    center = (114.06, 22.56)
    code, out, _ = run_cli(["cordon", "--lon", str(center[0]), "--lat", str(center[1]),
                            "--radii-km", "2,8,20", "--data", str(small_sample)])
    doc = json.loads(out)
    sites = dataset.layer("sensitive_sites")
    assert len(sites) > 0
    _, _, d = GEOD.inv(np.full(len(sites), center[0]), np.full(len(sites), center[1]),
                       sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    people = sites["people"].fillna(0).round().astype(int).to_numpy()
    for z in doc["zones"]:
        inside = (d >= z["inner_m"]) & (d < z["outer_m"])
        assert z["sensitive_sites"]["sites"] == int(inside.sum())
        assert z["sensitive_sites"]["people"] == int(people[inside].sum())
    assert len(doc["sensitive_sites"]) == sum(z["sensitive_sites"]["sites"] for z in doc["zones"])
    expected, n_open = _independent_open_hazards(dataset, center, doc["zones"])
    assert n_open > 0
    assert {z["zone"]: z["hazards"] for z in doc["zones"]} == expected
    assert sum(v["major_open"] + v["general_open"] for v in expected.values()) > 0


def test_hazards_of_a_district_view_are_its_own_and_zero_without_a_ledger(small_sample,
                                                                          cordon_dataset):
    from risk.cordon import validate_incident
    from ui.commands.cordon import cordon_json

    dataset = Dataset.load(small_sample)
    center = (114.06, 22.56)
    cordon = validate_incident(*center, (2000, 8000, 20000), region=dataset.region)
    district = "福田区"
    view = dataset.restricted([district])
    doc = cordon_json(view, cordon)
    expected, _ = _independent_open_hazards(view, center, doc["zones"])
    assert {z["zone"]: z["hazards"] for z in doc["zones"]} == expected
    whole = cordon_json(dataset, cordon)
    assert (sum(z["hazards"]["general_open"] for z in doc["zones"])
            < sum(z["hazards"]["general_open"] for z in whole["zones"]))
    tiny = Dataset.load(cordon_dataset)  # a folder whose records database holds no hazards
    doc = cordon_json(tiny, validate_incident(*CENTER, region=tiny.region))
    assert all(z["hazards"] == {"major_open": 0, "general_open": 0} for z in doc["zones"])


def test_wind_and_downwind_in_every_format(run_cli, cordon_dataset, tmp_path):
    where = ["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]),
             "--data", str(cordon_dataset), "--wind-from", "45", "--downwind-km", "8"]
    _, out, _ = run_cli(where)
    doc = json.loads(out)
    assert (doc["downwind"]["wind_from_deg"], doc["downwind"]["distance_m"]) == (45.0, 8000.0)
    assert doc["center"] == {"lon": CENTER[0], "lat": CENTER[1]}  # as GET /api/v1/cordon
    kml = tmp_path / "w.kml"
    run_cli([*where, "--format", "kml", "--out", str(kml)])
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    styles = [p.findtext("k:styleUrl", namespaces=ns)
              for p in ET.parse(kml).getroot().iter(f"{{{ns['k']}}}Placemark")]
    assert styles.count("#incident") == 1 and styles.count("#downwind") == 1
    _, out, _ = run_cli([*where, "--format", "geojson"])
    kinds = [f["properties"]["kind"] for f in json.loads(out)["features"]]
    assert kinds.count("downwind") == 1 and kinds.count("incident") == 1
    _, out, _ = run_cli([*where, "--format", "csv", "--table", "downwind"])
    row = pd.read_csv(io.StringIO(out)).iloc[0]
    assert (row["wind_from_deg"], row["distance_m"]) == (45, 8000)
    _, out, _ = run_cli(where[:-4] + ["--wind-from", "90"])  # reach: the outer radius
    assert json.loads(out)["downwind"]["distance_m"] == 10000.0


@pytest.mark.parametrize(("extra", "match"), [
    (["--downwind-km", "5"], "needs a wind direction"),
    (["--wind-from", "400"], "0–360"),
    (["--wind-from", "90", "--downwind-km", "150"], "at most 100 km, got 150 km"),
    (["--format", "csv", "--table", "downwind"], "no downwind area"),
])
def test_bad_wind_is_refused_in_words(run_cli, cordon_dataset, extra, match):
    with pytest.raises(CliError, match=match):
        run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]),
                 "--data", str(cordon_dataset), *extra])


def test_teams_and_depots_by_road_join_the_json(run_cli, small_sample, capsys):
    from ui.workflows.network import nearest_for_cordon

    argv = ["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]), "--data",
            str(small_sample), "--teams", "3", "--item", "吸附棉", "--quantity", "1"]
    code, out, _ = run_cli(argv)
    assert code == 0
    data = json.loads(out)
    assert len(data["zones"]) == 3  # the cordon JSON is all there
    teams = data["teams"]
    assert 1 <= len(teams) <= 3
    assert set(teams[0]) == {"id", "name", "kind", "minutes", "route_m", "ready_min"}
    assert [t["minutes"] for t in teams] == sorted(t["minutes"] for t in teams)
    assert all(d["item"] == "吸附棉" and d["quantity"] >= 1 for d in data["depots"])
    # the same answer as the workflow gives (what the API and the incident tab show)
    want = nearest_for_cordon(Dataset.load(small_sample), *CENTER, n=3, item="吸附棉",
                              quantity=1)
    assert teams == want["teams"] and data["depots"] == want["depots"]


@pytest.mark.parametrize("extra, match", [
    (["--teams", "2", "--format", "kml"], "--format json"),
    (["--item", "吸附棉", "--format", "csv"], "--format json"),
    (["--teams", "0", "--item", "吸附棉"], "--teams must be >= 1"),
])
def test_teams_refusals(parse_cli, small_sample, extra, match):
    from ui.commands import cordon

    args = parse_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]), "--data",
                      str(small_sample), *extra])
    with pytest.raises(CliError, match=match):
        cordon.run(args)
