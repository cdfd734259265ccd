"""Fixtures shared by the CLI command tests: the real ``riskmap`` parser, every subcommand, and a
tiny hand-made dataset around one incident point."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from data.store import FileStore
from ui.cli import build_parser

GEOD = pyproj.Geod(ellps="WGS84")
CENTER = (114.0579, 22.5431)


@pytest.fixture
def parse_cli() -> Callable[[list[str]], argparse.Namespace]:
    """Parse ``riskmap ARGV…`` with the real parser (argparse errors raise ``SystemExit``)."""
    return lambda argv: build_parser().parse_args(argv)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[[list[str]], tuple[int, str, str]]:
    """Run ``riskmap ARGV…`` and return ``(exit code, stdout, stderr)``.

    Unlike :func:`ui.cli.main`, a :class:`ui.cli.CliError` propagates, so that tests can check
    its message with ``pytest.raises``; use ``ui.cli.main`` to test the exit code 2 path.
    """
    def run(argv: list[str]) -> tuple[int, str, str]:
        args = build_parser().parse_args(argv)
        code = args.func(args)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def cordon_dataset(tmp_path):
    """A dataset folder: districts (a box), enterprises at known geodesic distances from
    ``CENTER = (114.0579, 22.5431)``, one shelter, one road."""
    store = FileStore(tmp_path / "cordon_dataset")
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
