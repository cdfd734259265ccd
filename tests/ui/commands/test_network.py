"""``riskmap coverage`` / ``route`` / ``evacuate`` (ui/commands/network.py) on the small sample."""

import json

import geopandas as gpd
import pytest

from ui.cli import CliError, main

CENTER = ["--lon", "114.0579", "--lat", "22.5431"]


def test_coverage_json_and_gpkg(run_cli, small_sample, tmp_path):
    out = tmp_path / "cov.gpkg"
    code, stdout, _ = run_cli(["coverage", "--minutes", "10", "--data", str(small_sample),
                               "--out", str(out)])
    assert code == 0
    body = json.loads(stdout)
    overall = body["overall"]
    assert 0 < overall["population_reached"] <= overall["population"]
    assert set(overall["enterprises"]) >= {"red", "orange", "major_hazard"}
    for reached, total in overall["enterprises"].values():
        assert 0 <= reached <= total
    assert sum(d["population"] for d in body["districts"].values()) <= overall["population"]
    assert body["districts"]["福田区"]["enterprises"]["red"][1] >= 0
    ent = gpd.read_file(out, layer="enterprises")
    assert len(ent) == overall["enterprises"]["red"][1] + overall["enterprises"]["orange"][1] + \
        overall["enterprises"]["yellow"][1] + overall["enterprises"]["blue"][1]
    reached = ent["minutes"].notna()
    assert (ent.loc[reached, "minutes"] <= 10).all()
    assert (ent.loc[reached, "team_id"] != "").all()
    assert gpd.read_file(out, layer="gaps")["people"].gt(0).all()


def test_fewer_minutes_reach_fewer_people(run_cli, small_sample):
    five = json.loads(run_cli(["coverage", "--minutes", "5", "--data", str(small_sample)])[1])
    ten = json.loads(run_cli(["coverage", "--minutes", "10", "--data", str(small_sample)])[1])
    assert five["overall"]["population_reached"] < ten["overall"]["population_reached"]


def test_coverage_bad_input(run_cli, small_sample, tmp_path):
    with pytest.raises(CliError, match="gpkg"):
        run_cli(["coverage", "--data", str(small_sample), "--out", str(tmp_path / "x.shp")])
    with pytest.raises(CliError, match="kinds"):
        run_cli(["coverage", "--data", str(small_sample), "--kinds", "潜水"])
    with pytest.raises(CliError, match="minutes"):
        run_cli(["coverage", "--data", str(small_sample), "--minutes", "0"])
    assert not (tmp_path / "x.shp").exists()


def test_route_nearest_teams_and_depots(run_cli, small_sample):
    code, stdout, _ = run_cli(["route", *CENTER, "--teams", "4", "--item", "吸附棉",
                               "--data", str(small_sample)])
    body = json.loads(stdout)
    minutes = [t["minutes"] for t in body["teams"]]
    assert len(minutes) == 4 and minutes == sorted(minutes)
    assert all(t["route_m"] > 0 for t in body["teams"])
    assert all(d["item"] == "吸附棉" for d in body["depots"])
    code, stdout, _ = run_cli(["route", *CENTER, "--format", "geojson",
                               "--data", str(small_sample)])
    features = json.loads(stdout)["features"]
    assert features and all(f["geometry"]["type"] == "LineString" for f in features)


def test_route_refuses_the_sea_and_unknown_items(run_cli, small_sample, capsys):
    with pytest.raises(CliError, match="2,000"):
        run_cli(["route", "--lon", "114.5", "--lat", "22.0", "--data", str(small_sample)])
    with pytest.raises(CliError, match="no depot stocks"):
        run_cli(["route", *CENTER, "--item", "独角兽", "--data", str(small_sample)])
    assert main(["route", "--lon", "114.5", "--lat", "22.0", "--data", str(small_sample)]) == 2
    assert "riskmap: error:" in capsys.readouterr().err


def test_evacuate_never_exceeds_capacity(run_cli, small_sample, tmp_path):
    code, stdout, _ = run_cli(["evacuate", *CENTER, "--radii-km", "0.5,2",
                               "--data", str(small_sample)])
    body = json.loads(stdout)
    assert body["population"] > 0
    assigned = sum(s["assigned"] for s in body["shelters"])
    assert assigned + body["unplaced"] == body["population"]
    assert all(0 <= s["assigned"] <= s["capacity"] for s in body["shelters"])
    assert {"id", "name", "capacity", "assigned", "minutes_max"} <= set(body["shelters"][0])
    out = tmp_path / "evac.geojson"
    run_cli(["evacuate", *CENTER, "--radii-km", "0.5,2", "--format", "geojson",
             "--out", str(out), "--data", str(small_sample)])
    layers = {f["properties"]["layer"] for f in json.loads(out.read_text())["features"]}
    assert layers == {"shelters", "flows"}
    flows = [f for f in json.loads(out.read_text())["features"]
             if f["properties"]["layer"] == "flows"]
    # along the roads (not one straight segment), with the route length
    assert flows and all(f["geometry"]["type"] == "LineString" for f in flows)
    assert max(len(f["geometry"]["coordinates"]) for f in flows) > 3
    assert all(f["properties"]["route_m"] > 0 for f in flows)


def test_nearest_options_for_cordon(small_dataset):
    import argparse

    from ui.cli import CliError
    from ui.commands.network import add_nearest_arguments, nearest_cordon_json

    parser = argparse.ArgumentParser()
    add_nearest_arguments(parser)
    args = parser.parse_args(["--teams", "2", "--item", "", "--quantity", "0"])
    body = nearest_cordon_json(small_dataset, 114.0579, 22.5431, args)
    assert set(body) == {"teams", "depots"} and len(body["teams"]) == 2
    assert body["teams"][0]["minutes"] <= body["teams"][1]["minutes"]
    for argv, match in ((["--teams", "0"], "--teams"), (["--teams", "1", "--quantity", "3"],
                                                        "--item"),
                        (["--teams", "1", "--item", "没有的"], "no depot stocks")):
        with pytest.raises(CliError, match=match):
            nearest_cordon_json(small_dataset, 114.0579, 22.5431, parser.parse_args(argv))


def test_coverage_and_evacuate_write_a_one_page_pdf(run_cli, small_sample, tmp_path):
    import io

    from pypdf import PdfReader

    cov = tmp_path / "cov.pdf"
    code, stdout, _ = run_cli(["coverage", "--minutes", "10", "--data", str(small_sample),
                               "--pdf", str(cov), "--lang", "en", "--paper", "A4"])
    assert code == 0 and json.loads(stdout)["overall"]["population"] > 0  # JSON unchanged
    assert len(PdfReader(io.BytesIO(cov.read_bytes())).pages) == 1
    evac = tmp_path / "evac.pdf"
    code, stdout, _ = run_cli(["evacuate", *CENTER, "--radii-km", "0.5,2", "--pdf", str(evac),
                               "--data", str(small_sample)])
    assert code == 0 and {"population", "unplaced", "shelters"} <= set(json.loads(stdout))
    assert evac.read_bytes().startswith(b"%PDF") and len(PdfReader(str(evac)).pages) == 1


def test_pdf_bad_paths_are_refused_and_nothing_written(run_cli, small_sample, tmp_path):
    for cmd in (["coverage"], ["evacuate", *CENTER]):
        with pytest.raises(CliError, match=r"\.pdf"):
            run_cli([*cmd, "--data", str(small_sample), "--pdf", str(tmp_path / "x.png")])
        with pytest.raises(CliError, match="does not exist"):
            run_cli([*cmd, "--data", str(small_sample), "--pdf", str(tmp_path / "no" / "x.pdf")])
        (tmp_path / "d.pdf").mkdir(exist_ok=True)
        with pytest.raises(CliError, match="is a folder"):
            run_cli([*cmd, "--data", str(small_sample), "--pdf", str(tmp_path / "d.pdf")])
    with pytest.raises(CliError, match="2,000"):  # a place in the sea: no PDF
        run_cli(["evacuate", "--lon", "114.5", "--lat", "22.0", "--data", str(small_sample),
                 "--pdf", str(tmp_path / "sea.pdf")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.pdf"]
    assert not any((tmp_path / "d.pdf").iterdir())
