"""``riskmap slope|slopes|waterlogging|shelters`` end to end (module not yet in COMMANDS: the
tests add it with monkeypatch)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from affine import Affine

import ui.cli


@pytest.fixture
def riskmap():
    """``riskmap ARGV…`` through :func:`ui.cli.main` (exit code 2 and stderr for CliError)."""
    return ui.cli.main


UTM_GRID = Affine(10, 0, 500_000, 0, -10, 2_500_000)


def write_tif(path: Path, data: np.ndarray, *, crs: str | None = "EPSG:32650",
              transform: Affine = UTM_GRID) -> Path:
    data = data[None] if data.ndim == 2 else data
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1],
                       count=data.shape[0], dtype="float32", crs=crs, transform=transform,
                       nodata=-9999) as dst:
        dst.write(data.astype("float32"))
    return path


def test_all_four_subcommands_are_registered(riskmap) -> None:
    parser = ui.cli.build_parser()
    choices = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"slope", "slopes", "waterlogging", "shelters"} <= set(choices)


def test_slope_writes_the_raster(riskmap, tmp_path: Path, capsys) -> None:
    x = np.arange(12) * 10.0
    dem = np.tile(x * math.tan(math.radians(30)), (12, 1))
    src = write_tif(tmp_path / "dem.tif", dem)
    assert riskmap(["slope", "--dem", str(src), "--out", str(tmp_path / "s.tif")]) == 0
    with rasterio.open(tmp_path / "s.tif") as out:
        slope = out.read(1)
        assert out.nodata == -9999 and out.crs.to_epsg() == 32650
    assert slope[1:-1, 1:-1] == pytest.approx(30.0, abs=1e-3)
    assert (slope[0] == -9999).all()
    assert "slope raster written" in capsys.readouterr().out


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: write_tif(p, np.ones((5, 5)), crs=None), "has no coordinate reference system"),
        (lambda p: write_tif(p, np.ones((2, 5, 5))), r"expected 1 band\(s\), found 2"),
        (lambda p: write_tif(p, np.full((5, 5), -9999.0)), "every cell is nodata"),
    ],
)
def test_bad_dem_is_a_cli_error_naming_the_file(riskmap, tmp_path: Path, capsys, make,
                                                message: str) -> None:
    bad = make(tmp_path / "bad_dem.tif")
    out = tmp_path / "s.tif"
    out.write_bytes(b"previous")
    assert riskmap(["slope", "--dem", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("riskmap: error: DEM ") and "bad_dem.tif" in err
    assert __import__("re").search(message, err)
    assert out.read_bytes() == b"previous"  # atomic: the old file is untouched


def test_missing_files_and_wrong_suffix(riskmap, tmp_path: Path, capsys,
                                        small_sample: Path) -> None:
    assert riskmap(["slope", "--dem", str(tmp_path / "none.tif"), "--out", "x.tif"]) == 2
    assert "--dem" in capsys.readouterr().err
    assert riskmap(["shelters", "--data", str(small_sample), "--out",
                    str(tmp_path / "x.shp")]) == 2
    assert "--out must be a GeoPackage" in capsys.readouterr().err
    assert riskmap(["shelters", "--data", str(small_sample), "--population",
                    str(tmp_path / "none.tif"), "--out", str(tmp_path / "x.gpkg")]) == 2
    assert "--population" in capsys.readouterr().err
    assert riskmap(["waterlogging", "--data", str(small_sample), "--thresholds-cm", "30,15,50",
                    "--out", str(tmp_path / "x.gpkg")]) == 2
    assert "thresholds" in capsys.readouterr().err


def test_slopes_gpkg(riskmap, tmp_path: Path, small_sample: Path) -> None:
    out = tmp_path / "slopes.gpkg"
    assert riskmap(["slopes", "--data", str(small_sample), "--out", str(out), "-q"]) == 0
    names = [name for name, _ in pyogrio.list_layers(out)]
    assert names == ["dangerous_slope_zones", "registered_slopes"]
    zones = gpd.read_file(out, layer="dangerous_slope_zones")
    assert len(zones) > 0 and zones.crs.to_epsg() == 4326
    assert set(zones["grade"]) <= {"red", "orange", "yellow", "blue"}
    assert (zones["max_angle_deg"] >= 25).all() and (zones["area_m2"] >= 2000).all()
    registered = gpd.read_file(out, layer="registered_slopes")
    source = gpd.read_file(small_sample / "slopes.gpkg")
    assert len(registered) == len(source) and registered["confirmed"].dtype == bool


def test_slopes_with_own_dem_and_stricter_angle(riskmap, tmp_path: Path,
                                                small_sample: Path) -> None:
    out = tmp_path / "s.gpkg"
    dem = small_sample / "dem.tif"
    assert riskmap(["slopes", "--data", str(small_sample), "--dem", str(dem), "--min-angle", "32",
                    "--slope-out", str(tmp_path / "slope.tif"), "--out", str(out), "-q"]) == 0
    zones = gpd.read_file(out, layer="dangerous_slope_zones")
    assert (zones["max_angle_deg"] >= 32).all()
    with rasterio.open(tmp_path / "slope.tif") as src:
        slope = src.read(1, masked=True)
    assert slope.max() >= zones["max_angle_deg"].max() - 1e-3


def test_waterlogging_gpkg(riskmap, tmp_path: Path, small_sample: Path) -> None:
    out = tmp_path / "w.gpkg"
    assert riskmap(["waterlogging", "--data", str(small_sample), "--thresholds-cm", "10,20,40",
                    "--out", str(out), "-q"]) == 0
    points = gpd.read_file(out, layer="waterlogging_points")
    deep = points["max_depth_cm"] >= 40
    assert (points.loc[deep, "grade"] == "red").all()
    assert (points.loc[points["max_depth_cm"] < 10, "grade"] == "blue").all()
    ponds = gpd.read_file(out, layer="ponding_areas")
    assert (ponds["max_depth_m"] >= 0.3).all() and (ponds["area_m2"] >= 5000).all()


def test_shelters_gpkg(riskmap, tmp_path: Path, small_sample: Path, capsys) -> None:
    out = tmp_path / "sh.gpkg"
    assert riskmap(["shelters", "--data", str(small_sample), "--out", str(out)]) == 0
    assert "population" in capsys.readouterr().out
    names = [name for name, _ in pyogrio.list_layers(out)]
    assert names == ["shelters", "uncovered_population", "district_coverage"]
    table = gpd.read_file(out, layer="district_coverage")
    assert (table["covered"] + table["uncovered"] - table["population"]).abs().max() < 1
    with rasterio.open(small_sample / "population.tif") as src:
        total = src.read(1, masked=True).filled(0).sum()
    hexes = gpd.read_file(out, layer="uncovered_population")
    covered = gpd.read_file(out, layer="shelters")["demand"].sum()
    assert hexes["people"].sum() + covered == pytest.approx(total, rel=1e-4)
