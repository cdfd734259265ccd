"""``riskmap zones`` on a tiny hand-made dataset: files written, summary printed, bad input."""

from __future__ import annotations

import json
import os

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data.store import FileStore
from risk.crs import metric_crs
from risk.grades import GRADES
from ui import cli
from ui.cli import CliError

# UTM 50N's grid (false easting 500 km, central meridian 117°E) with scale 1 on the central
# meridian: coordinates are metres on the ground, as in the policy's CRS (risk.crs.metric_crs)
GRID_M = "+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +datum=WGS84 +units=m +no_defs"






@pytest.fixture
def tiny(tmp_path):
    """Two box districts (2 km² and 1 km²) and six enterprises at known places (metres)."""
    store = FileStore(tmp_path / "tiny")
    west = shapely.box(500_000, 2_500_000, 502_000, 2_501_000)
    east = shapely.box(502_000, 2_500_000, 503_000, 2_501_000)
    store.write_layer("districts", gpd.GeoDataFrame(
        {"code": ["440301", "440302"], "name": ["西区", "东区"], "name_en": ["West", "East"]},
        geometry=[west, east], crs=GRID_M).to_crs(4326))
    xy = np.array([(500_500, 2_500_500), (501_500, 2_500_500), (501_500, 2_500_600),
                   (502_500, 2_500_500), (502_600, 2_500_500), (502_700, 2_500_500)], float)
    store.write_layer("enterprises", gpd.GeoDataFrame(
        {"id": [f"e{i}" for i in range(6)], "name": [f"企业{i}" for i in range(6)],
         "grade": ["红", "yellow", "blue", "orange", "blue", "blue"]},
        geometry=gpd.points_from_xy(*xy.T), crs=GRID_M).to_crs(4326))
    store.write_meta({"title": "tiny", "synthetic": True})
    return tmp_path / "tiny"


def test_influence_writes_gpkg_and_prints_summary(run_cli, tiny, tmp_path, capsys):
    out = tmp_path / "zones.gpkg"
    code, text, _ = run_cli(["zones", "--method", "influence", "--radii-m", "red=800,蓝=50",
                       "--data", str(tiny), "--out", str(out)])
    assert code == 0
    back = gpd.read_file(out)
    assert back["grade"].tolist() == ["red", "orange", "yellow", "blue"]
    # the red 800 m disc alone (32-gon); the others lie outside it or are clipped by it
    red_km2 = 0.5 * 32 * 800**2 * np.sin(2 * np.pi / 32) / 1e6
    assert back["area_km2"].iloc[0] == pytest.approx(red_km2, rel=1e-9)
    ents = gpd.read_file(tiny / "enterprises.gpkg")
    assert back.to_crs(metric_crs(ents)).area.iloc[0] / 1e6 == pytest.approx(red_km2, rel=1e-6)
    assert "风险分区（影响范围） Risk zones (influence zones)" in text
    red_line = next(line for line in text.splitlines() if line.startswith("重大风险"))
    assert red_line.split()[-3:] == ["1", f"{red_km2:.3f}", "1"]
    total = next(line for line in text.splitlines() if line.startswith("合计 Total"))
    assert total.split()[-1] == "6"
    assert f"已写出 wrote {out}" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny", "zones.gpkg"]


def test_grid_hex_geojson(run_cli, tiny, tmp_path, capsys):
    out = tmp_path / "grid.geojson"
    code, text, _ = run_cli(["zones", "--method", "grid", "--cell-m", "500", "--shape", "hex",
                       "--data", str(tiny), "--out", str(out)])
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    props = [f["properties"] for f in data["features"]]
    assert sum(p["n_total"] for p in props) == 6
    assert [p["area_km2"] for p in props] == pytest.approx([np.sqrt(3) / 2 * 0.25] * len(props))
    assert "Risk zones (grid)" in text


def test_admin_by_score_counts_by_district(run_cli, tiny, tmp_path, capsys):
    out = tmp_path / "admin.geojson"
    code, text, _ = run_cli(["zones", "--method", "admin", "--grade-by", "score",
                       "--thresholds", "yellow=3,orange=4.9,red=100",
                       "--data", str(tiny), "--out", str(out)])
    assert code == 0
    back = gpd.read_file(out).set_index("name")
    assert back.loc["西区", ["n_red", "n_yellow", "n_blue", "n_total"]].tolist() == [1, 1, 1, 3]
    assert back.loc["西区", "score"] == pytest.approx((4 + 2 + 1) / 2)  # 3.5/km² → yellow
    assert back.loc["西区", "grade"] == "yellow"
    assert back.loc["东区", "score"] == pytest.approx(3 + 1 + 1)  # 5/km² ≥ 4.9 → orange
    assert back.loc["东区", "grade"] == "orange"
    assert back.loc["东区", "name_en"] == "East"
    lines = {line.split()[0]: line.split() for line in text.splitlines()[2:]}
    assert lines["较大风险"][-1] == "3" and lines["一般风险"][-1] == "3"


def test_admin_with_own_units_file(run_cli, tiny, tmp_path, capsys):
    units = tmp_path / "streets.geojson"
    gpd.GeoDataFrame({"name": ["全部"]}, crs=GRID_M,
                     geometry=[shapely.box(499_000, 2_499_000, 504_000, 2_502_000)]
                     ).to_crs(4326).to_file(units)
    out = tmp_path / "streets.gpkg"
    code, *_ = run_cli(["zones", "--method", "admin", "--units", str(units), "--data", str(tiny),
                    "--out", str(out)])
    assert code == 0
    back = gpd.read_file(out)
    assert back["n_total"].tolist() == [6] and back["grade"].tolist() == ["red"]


@pytest.mark.parametrize(("argv", "match"), [
    (["--method", "voronoi"], "--method must be one of influence, grid, admin; got 'voronoi'"),
    (["--method", "grid", "--cell-m", "0"], "--cell-m must be a positive number of metres"),
    (["--method", "grid", "--cell-m", "-5"], "--cell-m must be a positive number"),
    (["--method", "grid", "--cell-m", "abc"], "--cell-m must be a positive number"),
    (["--shape", "circle"], "--shape must be square or hex; got 'circle'"),
    (["--grade-by", "mean"], "--grade-by must be max or score"),
    (["--radii-m", "red=-1"], "--radii-m: red= must be positive"),
    (["--radii-m", "purple=100"], "--radii-m: unknown risk grade 'purple'"),
    (["--radii-m", "1000"], "--radii-m must look like red=1000,orange=500"),
])
def test_bad_options_raise_cli_error_and_write_nothing(parse_cli, tiny, tmp_path, argv, match):
    out = tmp_path / "zones.gpkg"
    args = parse_cli(["zones", *argv, "--data", str(tiny), "--out", str(out)])
    with pytest.raises(CliError, match=match):
        args.func(args)
    assert not out.exists()


def test_bad_output_paths(parse_cli, tiny, tmp_path):
    cases = [
        (tmp_path / "zones.shp", r"must end in \.gpkg or \.geojson \(got '\.shp'\)"),
        (tmp_path / "zones", "must end in .gpkg or .geojson"),
        (tmp_path / "missing" / "zones.gpkg", "does not exist"),
    ]
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    if not os.access(locked, os.W_OK):  # root can write anywhere
        cases.append((locked / "zones.gpkg", "cannot write there"))
    for out, match in cases:
        args = parse_cli(["zones", "--data", str(tiny), "--out", str(out)])
        with pytest.raises(CliError, match=match):
            args.func(args)
        assert not out.exists()
    os.chmod(locked, 0o700)


def test_failed_write_leaves_old_file_and_no_temp_file(parse_cli, tiny, tmp_path, monkeypatch):
    out = tmp_path / "zones.geojson"
    out.write_text("old")
    import risk.files

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(risk.files.os, "replace", broken_replace)  # the writer zones use
    args = parse_cli(["zones", "--data", str(tiny), "--out", str(out)])
    with pytest.raises(CliError, match="cannot write: disk full"):
        args.func(args)
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny", "zones.geojson"]


def test_through_riskmap_main(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, "zones")
                        if "zones" not in cli.COMMANDS else cli.COMMANDS)
    out = tmp_path / "z.geojson"
    assert cli.main(["zones", "--method", "grid", "--data", str(tiny), "--out", str(out)]) == 0
    assert out.exists()
    printed = capsys.readouterr().out
    for grade in GRADES:
        assert f"{grade.label_zh} {grade.label_en}" in printed
    assert cli.main(["zones", "--method", "nope", "--data", str(tiny), "--out", str(out)]) == 2
    assert "riskmap: error: --method must be one of" in capsys.readouterr().err
