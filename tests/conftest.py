"""Shared fixtures: a small generated sample dataset, made once per test session."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import geopandas as gpd

    from data.dataset import Dataset
    from data.store import FileStore

SMALL_SAMPLE_SEED = 7
SMALL_SAMPLE_ENTERPRISES = 2_000


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete synthetic sample folder (seed 7, 2,000 enterprises); treat it as read-only."""
    from data.sample import generate_sample

    root = tmp_path_factory.mktemp("small_sample")
    return generate_sample(root, seed=SMALL_SAMPLE_SEED, n_enterprises=SMALL_SAMPLE_ENTERPRISES,
                           quiet=True)


def _gpkg_layer(root: Path, name: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.read_file(root / f"{name}.gpkg", engine="pyogrio")


@pytest.fixture(scope="session")
def gpkg_layer():
    """``gpkg_layer(root, name)``: the GeoPackage layer ``root/<name>.gpkg`` as written (not
    validated), e.g. ``gpkg_layer(small_sample, "enterprises")``."""
    return _gpkg_layer


FONT_CACHE = Path(tempfile.gettempdir()) / "risk-map-test-font-cache"
"""The print font subset is built once per machine (about 10 s) and reused by every test run."""


@pytest.fixture(scope="module")
def font_cache() -> Iterator[Path]:
    """Point the embedded-font cache (``$RISKMAP_CACHE``) at one folder shared by print tests:
    ``pytestmark = pytest.mark.usefixtures("font_cache")``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKMAP_CACHE", str(FONT_CACHE))
        yield FONT_CACHE


@pytest.fixture(scope="session")
def small_dataset(small_sample: Path) -> Dataset:
    """``small_sample`` loaded and validated once; treat it as read-only."""
    from data.dataset import Dataset

    return Dataset.load(small_sample)


@pytest.fixture
def districts_store(tmp_path: Path) -> FileStore:
    """A new dataset folder (``tmp_path / "ds"``) holding only the bundled Shenzhen districts."""
    import geopandas as gpd

    from data import BOUNDARIES_DIR
    from data.store import FileStore

    store = FileStore(tmp_path / "ds")
    store.write_layer("districts", gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson"))
    return store


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session (Playwright allows one sync driver)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed: run `make test` (it installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()




# -- PostgreSQL + PostGIS (tests/pgcluster.py) ---------------------------------------------------


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL 15 + PostGIS cluster for the session (about 1.5 s to start);
    fails with what to install when PostgreSQL or PostGIS is missing."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("pgcluster", Path(__file__).with_name(
        "pgcluster.py"))
    assert spec is not None and spec.loader is not None
    pgcluster = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pgcluster)
    PgClusterError, start_cluster = pgcluster.PgClusterError, pgcluster.start_cluster

    try:
        cluster = start_cluster()
    except PgClusterError as exc:
        pytest.fail(str(exc))
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_server) -> Iterator[str]:
    """The URL of a FRESH empty database with PostGIS (no risk-map tables yet), dropped after
    the test."""
    name = pg_server.create_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture(scope="session")
def _sample_pg_template(pg_server, small_sample: Path) -> str:
    """A database holding ``small_sample`` loaded once (copied for each test that needs it)."""
    from data.pgcopy import copy_dataset
    from data.pgstore import PostGISStore
    from data.store import FileStore

    name = pg_server.create_database("riskmap_sample_template")
    store = PostGISStore(pg_server.url(name), check=False)
    store.initialise()
    copy_dataset(FileStore(small_sample), store, actor="test")
    store.close()
    return name


@pytest.fixture(scope="session")
def _init_pg_template(pg_server) -> str:
    """A database after `riskmap db init` and nothing else (copied for each test)."""
    from data.pgstore import PostGISStore

    name = pg_server.create_database("riskmap_init_template")
    store = PostGISStore(pg_server.url(name), check=False)
    store.initialise()
    store.close()
    return name


@pytest.fixture(params=["file", "postgis"])
def any_store(request, tmp_path: Path):
    """An initialised, EMPTY store of each kind: a new folder, and a new PostGIS database."""
    from data.store import FileStore

    if request.param == "file":
        (tmp_path / "ds").mkdir()
        yield FileStore(tmp_path / "ds")
        return
    from data.pgstore import PostGISStore

    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("_init_pg_template")
    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setenv("RISKMAP_CACHE", str(tmp_path / "cache"))
    name = server.create_database(template=template)
    store = PostGISStore(server.url(name))
    yield store
    store.close()
    server.drop_database(name)


@pytest.fixture(params=["file", "postgis"])
def sample_any_store(request, tmp_path: Path, small_sample: Path):
    """``small_sample`` in a store of each kind (a copy: tests may change it)."""
    from data.pgstore import PostGISStore
    from data.store import FileStore

    if request.param == "file":
        shutil.copytree(small_sample, tmp_path / "ds")
        yield FileStore(tmp_path / "ds")
        return
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("_sample_pg_template")
    request.getfixturevalue("monkeypatch").setenv("RISKMAP_CACHE", str(tmp_path / "cache"))
    name = server.create_database(template=template)
    store = PostGISStore(server.url(name))
    yield store
    store.close()
    server.drop_database(name)

