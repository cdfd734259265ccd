"""PostGISStore: the same frames as the FileStore, versions as tables, the advisory lock, schema
checks and unreachable databases (on the throwaway cluster of tests/pgcluster.py)."""

from __future__ import annotations

import threading
from datetime import datetime

import geopandas as gpd
import numpy as np
import pytest
import sqlalchemy as sa
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import MultiPolygon, Point, box

from data.pgstore import PostGISStore, engine_url, hidden_url
from data.store import KEEP_VERSIONS, FileStore, LayerChange, StoreError, VersionError
from data.sysdb import SchemaError, StoreUnavailable

LAYERS = ("districts", "enterprises", "roads", "shelters", "slopes", "waterlogging")


@pytest.fixture
def pg(pg_url, tmp_path, monkeypatch) -> PostGISStore:
    monkeypatch.setenv("RISKMAP_CACHE", str(tmp_path / "cache"))
    store = PostGISStore(pg_url, check=False)
    store.initialise()
    yield store
    store.close()


def _tables(store: PostGISStore) -> set[str]:
    with store.engine.connect() as conn:
        return set(conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())


@pytest.mark.parametrize("name", LAYERS)
def test_sample_layers_read_back_exactly_as_the_file_store_reads_them(small_sample, pg, name):
    files = FileStore(small_sample)
    pg.write_layer(name, files.read_layer(name))
    assert_geodataframe_equal(pg.read_layer(name), files.read_layer(name))  # dtypes, order too


def _awkward() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["甲", "", None, "丁"],
         "depth": [1.5, np.nan, 3.0, -0.0],
         "count": [1, 2, 3, 2**40],
         "ok": [True, False, True, False],
         "when": [datetime(2024, 5, 1, 8, 30), datetime(2023, 1, 2), datetime(2020, 2, 29),
                  datetime(1999, 12, 31, 23, 59, 59)]},
        geometry=[MultiPolygon([box(114, 22, 114.1, 22.1)]), box(114.2, 22.2, 114.3, 22.3),
                  None, MultiPolygon([box(0, 0, 1, 1), box(2, 2, 3, 3)])], crs=4326)


def test_nulls_empty_text_big_integers_and_dates_match_the_file_store(tmp_path, pg):
    files = FileStore(tmp_path / "f")
    files.root.mkdir()
    files.write_layer("odd", _awkward())
    pg.write_layer("odd", _awkward())
    expected = files.read_layer("odd")
    got = pg.read_layer("odd")
    assert got.loc[1, "name"] == "" and got["name"].isna().tolist() == [False, False, True, False]
    assert got["count"].tolist() == [1, 2, 3, 2**40]
    assert_geodataframe_equal(got, expected, check_dtype=False)
    assert list(got.dtypes.astype(str)) == list(expected.dtypes.astype(str))


def test_empty_layer_keeps_its_columns(pg):
    empty = gpd.GeoDataFrame({"id": [], "name": []}, geometry=gpd.GeoSeries([], crs=4326))
    pg.write_layer("roads", empty)
    back = pg.read_layer("roads")
    assert list(back.columns) == ["id", "name", "geometry"] and len(back) == 0
    assert back.crs.to_epsg() == 4326


def test_layer_table_has_a_primary_key_and_a_gist_index(pg, small_sample):
    pg.write_layer("enterprises", FileStore(small_sample).read_layer("enterprises"))
    pg.write_layer("enterprises", FileStore(small_sample).read_layer("enterprises"))  # again
    with pg.engine.connect() as conn:
        indexes = dict(conn.execute(sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'enterprises'")).all())
        srid = conn.execute(sa.text("SELECT Find_SRID('public', 'enterprises', 'geometry')"))
        assert srid.scalar() == 4326
    assert any("gist (geometry)" in d.lower() for d in indexes.values())
    assert "enterprises_pkey" in indexes
    assert _tables(pg) & {"enterprises", "enterprises__new"} == {"enterprises"}


def test_other_crs_is_stored_as_wgs84(pg):
    metric = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(500_000, 2_500_000)], crs=32650)
    pg.write_layer("shelters", metric)
    back = pg.read_layer("shelters")
    assert back.crs.to_epsg() == 4326
    assert back.geometry.iloc[0].x == pytest.approx(117.0, abs=1e-6)


def test_bad_layer_names_are_refused(pg):
    for bad in ("users", "audit_log", "rasters", "Enterprises", "x; drop table users", "a__v1"):
        with pytest.raises(StoreError, match="layer name"):
            pg.write_layer(bad, _awkward())
    with pytest.raises(StoreError, match="layer 'slopes': no table slopes"):
        pg.read_layer("slopes")


def test_rasters_are_bytes_in_the_database_and_files_in_the_cache(pg, tmp_path, small_sample):
    data = (small_sample / "dem.tif").read_bytes()
    assert pg.raster_path("dem") is None
    with pg.atomic_raster("dem") as tmp:
        tmp.write_bytes(data)
    path = pg.raster_path("dem")
    assert path.parent == tmp_path / "cache" / "rasters" and path.read_bytes() == data
    path.unlink()  # a new worker, an emptied cache: written again from the database
    assert pg.raster_path("dem").read_bytes() == data
    assert pg.raster_bytes("dem") == data
    with pytest.raises(ValueError, match="boom"), pg.atomic_raster("dem") as tmp:
        tmp.write_bytes(b"half")
        raise ValueError("boom")
    assert pg.raster_bytes("dem") == data


def test_meta_and_data_version_seen_by_another_worker(pg, pg_url):
    other = PostGISStore(pg_url)  # a second process's store on the same database
    before = other.data_version()
    pg.write_meta({"title": "深圳", "synthetic": True})
    assert other.read_meta() == {"title": "深圳", "synthetic": True}
    assert other.data_version() != before
    with pytest.raises(TypeError):
        pg.write_meta({"bad": {1, 2}})
    assert other.read_meta() == {"title": "深圳", "synthetic": True}
    other.close()


def _append(row_id: str):
    def build(current):
        extra = gpd.GeoDataFrame({"id": [row_id]}, geometry=[Point(114, 22.5)], crs=4326)
        frame = extra if current is None else gpd.GeoDataFrame(
            [*current.to_dict("records"), *extra.to_dict("records")], geometry="geometry",
            crs=4326)
        return LayerChange(frame=frame, added=1)
    return build


def test_change_layer_keeps_the_layer_as_found_and_restores_any_kept_version(pg):
    pg.write_layer("shelters", gpd.GeoDataFrame({"id": ["s0"]}, geometry=[Point(114, 22)],
                                                crs=4326))
    info = pg.change_layer("shelters", _append("s1"), actor="li", mode="append", file="a.csv")
    assert info.version == 2 and info.rows == 2
    assert [v.mode for v in pg.list_versions("shelters")] == ["append", "baseline"]
    assert pg.read_version("shelters", 1)["id"].tolist() == ["s0"]
    back = pg.restore_version("shelters", 1, actor="wang")
    assert back.version == 3 and back.restored_from == 1
    assert pg.read_layer("shelters")["id"].tolist() == ["s0"]
    actions = [r["action"] for r in pg.db.audit_rows()]
    assert actions == ["layer.baseline", "layer.append", "layer.restore"]
    assert pg.change_layer("shelters", lambda cur: None, actor="li", mode="append") is None


def test_versions_beyond_the_kept_ones_lose_their_tables(pg):
    for i in range(KEEP_VERSIONS + 2):
        pg.change_layer("roads", _append(f"r{i}"), actor="li", mode="append")
    kept = [v.version for v in pg.list_versions("roads") if v.kept]
    assert kept == list(range(KEEP_VERSIONS + 2, 2, -1))
    assert {t for t in _tables(pg) if t.startswith("roads__v")} == {
        f"roads__v{v}" for v in kept}
    with pytest.raises(VersionError, match="no longer kept"):
        pg.read_version("roads", 1)


def test_concurrent_changes_of_one_layer_both_land(pg, pg_url):
    pg.write_layer("shelters", gpd.GeoDataFrame({"id": ["s0"]}, geometry=[Point(114, 22)],
                                                crs=4326))
    entered = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def slow(current):
        entered.set()
        release.wait(10)
        return _append("first")(current)

    def first():
        try:
            pg.change_layer("shelters", slow, actor="a", mode="append")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def second():
        try:
            other = PostGISStore(pg_url)
            other.change_layer("shelters", _append("second"), actor="b", mode="append")
            other.close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    t1 = threading.Thread(target=first)
    t1.start()
    assert entered.wait(10)
    t2 = threading.Thread(target=second)
    t2.start()
    t2.join(0.5)
    assert t2.is_alive()  # waiting for the first change's lock
    release.set()
    t1.join(20)
    t2.join(20)
    assert not errors
    assert pg.read_layer("shelters")["id"].tolist() == ["s0", "first", "second"]
    rows = [(r["actor"], r["action"]) for r in pg.db.audit_rows()]
    assert rows == [("a", "layer.baseline"), ("a", "layer.append"), ("b", "layer.append")]
    assert [v.version for v in pg.list_versions("shelters")] == [3, 2, 1]


def test_a_database_without_tables_is_refused_with_the_command_to_run(pg_url):
    store = PostGISStore(pg_url)
    with pytest.raises(SchemaError, match=r"no risk-map tables: run `riskmap db init --store "):
        store.has_layer("enterprises")
    store.close()


def test_an_older_store_schema_is_refused_then_migrated_by_init(pg, pg_url):
    with pg.engine.begin() as conn:
        conn.execute(sa.text("UPDATE riskmap_settings SET value = '0' "
                             "WHERE key = 'pgstore_schema'"))
        conn.execute(sa.text("DROP TABLE rasters"))
    old = PostGISStore(pg_url)
    with pytest.raises(SchemaError, match=r"version 0, this risk-map needs 1: run `riskmap db "
                                          r"init --store postgresql\+psycopg://postgres@/"):
        old.read_meta()
    assert any("version 1" in line for line in PostGISStore(pg_url, check=False).initialise())
    assert PostGISStore(pg_url).raster_path("dem") is None


def test_unreachable_database_is_store_unavailable_without_the_password(pg_server):
    store = PostGISStore(f"postgresql://li:s3cret@/nodb?host={pg_server.sock}&port=1")
    with pytest.raises(StoreUnavailable, match="cannot reach the database") as err:
        store.check_schema()
    assert "s3cret" not in str(err.value)
    missing = PostGISStore(pg_server.url("no_such_db"))
    with pytest.raises(StoreUnavailable, match='database "no_such_db" does not exist'):
        missing.data_version()


def test_urls_map_to_psycopg_and_hide_the_password():
    assert engine_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert engine_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert engine_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(StoreError, match="not a PostgreSQL URL"):
        engine_url("mysql://u:p@h/db")
    assert PostGISStore("postgresql://u:topsecret@h/db").describe() == "postgresql://u:***@h/db"
    assert "topsecret" not in repr(PostGISStore("postgresql://u:topsecret@h/db"))
    assert hidden_url("postgresql://u@h/db") == "postgresql://u@h/db"


def _backend_pid(store: PostGISStore) -> int:
    with store.db.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar())


def _work_in_child(store: PostGISStore, queue) -> None:
    try:
        pid = _backend_pid(store)
        store.write_meta({"from": "child"})
        queue.put((pid, store.data_version()))
    except BaseException as exc:  # noqa: BLE001 - sent back to the test
        queue.put((0, repr(exc)))


def test_a_forked_worker_opens_its_own_connections(pg):
    import multiprocessing

    before = pg.data_version()
    parent_backend = _backend_pid(pg)  # a pooled connection made before the fork
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_work_in_child, args=(pg, queue))
    child.start()
    child_backend, seen = queue.get(timeout=30)
    child.join(30)
    assert seen == str(int(before) + 1)
    assert child_backend not in (0, parent_backend)  # never the parent's socket
    assert _backend_pid(pg) == parent_backend
    assert pg.data_version() == seen and pg.read_meta() == {"from": "child"}
