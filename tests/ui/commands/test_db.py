"""``riskmap db init|load|dump``, and the same answers from ``--data DIR`` and ``--store URL``."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import pytest
import sqlalchemy as sa
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

from data.accounts import Accounts
from data.incidents import Incident, IncidentStore
from data.pgstore import PostGISStore
from data.store import FileStore, LayerChange
from data.sysdb import incidents, layer_versions, users
from ui.cli import CliError, main

LAYERS = ("districts", "enterprises", "roads", "shelters", "slopes", "waterlogging")


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKMAP_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("RISKMAP_STORE", raising=False)


@pytest.fixture
def busy_dataset(tmp_path, small_sample):
    """A copy of the sample with a user, two incidents and a versioned change of shelters."""
    root = tmp_path / "src"
    shutil.copytree(small_sample, root)
    store = FileStore(root)
    Accounts(store.db).add("li", role="commander", password="correct horse 1",
                           districts=["南山区"], actor="cli:test")
    saved = IncidentStore(store.db)
    saved.add(Incident(lon=114.05, lat=22.55, type="fire", note="仓库起火"), actor="li")
    saved.add(Incident(lon=113.95, lat=22.52, type="gas"), actor="li")

    def add_one(current):
        extra = gpd.GeoDataFrame([{**current.iloc[0].to_dict(), "id": "S-NEW"}],
                                 geometry="geometry", crs=4326)
        frame = gpd.GeoDataFrame(
            [*current.to_dict("records"), *extra.to_dict("records")], geometry="geometry",
            crs=4326)
        return LayerChange(frame=frame, added=1)

    store.change_layer("shelters", add_one, actor="cli:test", mode="append", file="s.csv")
    return root


def _init(run_cli, url):
    return run_cli(["db", "init", "--store", url])


def test_init_creates_postgis_and_the_tables_and_is_harmless_again(run_cli, pg_server):
    url = pg_server.url(pg_server.create_database(postgis=False))
    code, out, _ = _init(run_cli, url)
    assert code == 0
    assert "created extension postgis" in out and "records tables migrated to version 1" in out
    code, out, _ = _init(run_cli, url)
    assert code == 0 and "nothing to do" in out
    with sa.create_engine(url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM pg_extension "
                                    "WHERE extname = 'postgis'")).scalar() == 1


def _records(db, table):
    with db.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def test_load_then_dump_gives_back_the_same_dataset(run_cli, pg_url, busy_dataset, tmp_path):
    _init(run_cli, pg_url)
    code, out, _ = run_cli(["db", "load", "--store", pg_url, "--data", str(busy_dataset)])
    assert code == 0 and "enterprises: 2,000" in out and "incidents: 2" in out
    out_dir = tmp_path / "back"
    code, out, _ = run_cli(["db", "dump", "--store", pg_url, "--out", str(out_dir)])
    assert code == 0
    src, back = FileStore(busy_dataset), FileStore(out_dir)
    for name in LAYERS:
        assert_geodataframe_equal(back.read_layer(name), src.read_layer(name))
    assert back.read_meta() == src.read_meta()
    for name in ("dem", "population"):
        assert back.raster_path(name).read_bytes() == src.raster_path(name).read_bytes()
    for table in (users, incidents, layer_versions):
        assert _records(back.db, table) == _records(src.db, table)
    copied = [r for r in back.db.audit_rows() if not r["action"].startswith("db.")]
    assert copied == src.db.audit_rows()
    assert [r["action"] for r in back.db.audit_rows()][-2:] == ["db.load", "db.dump"]
    assert_geodataframe_equal(back.read_version("shelters", 1), src.read_version("shelters", 1))
    assert IncidentStore(back.db).get(1).note == "仓库起火"
    assert Accounts(back.db).authenticate("li", "correct horse 1").districts == ("南山区",)
    # ids go on from the copied ones in the database
    pg = PostGISStore(pg_url)
    assert IncidentStore(pg.db).add(Incident(lon=114.0, lat=22.5), actor="x") == 3
    pg.close()


def _located(info):
    info = dict(info)
    info.pop("data")
    info["layers"] = {k: {**v, "file": ""} for k, v in info["layers"].items()}
    info["rasters"] = {k: {**v, "file": ""} for k, v in info["rasters"].items()}
    return info


def test_info_and_cordon_give_the_same_answers_on_both_stores(run_cli, small_sample, pg_url):
    _init(run_cli, pg_url)
    run_cli(["db", "load", "--store", pg_url, "--data", str(small_sample)])
    on_files = json.loads(run_cli(["info", "--json", "--data", str(small_sample)])[1])
    on_pg = json.loads(run_cli(["info", "--json", "--store", pg_url])[1])
    assert on_pg["layers"]["enterprises"]["file"].endswith("#enterprises")
    assert _located(on_pg) == _located(on_files)
    text_files = run_cli(["info", "--data", str(small_sample)])[1].splitlines()
    text_pg = run_cli(["info", "--store", pg_url])[1].splitlines()
    assert len(text_pg) == len(text_files)
    differ = [(a, b) for a, b in zip(text_files, text_pg, strict=True) if a != b]
    assert differ and all(str(small_sample) in a for a, _ in differ)  # only where it lives
    for lon, lat in ((114.05, 22.55), (113.93, 22.52)):
        where = ["--lon", str(lon), "--lat", str(lat), "--format", "json"]
        files = run_cli(["cordon", *where, "--data", str(small_sample)])[1]
        pg = run_cli(["cordon", *where, "--store", pg_url])[1]
        assert json.loads(pg) == json.loads(files) and json.loads(files)["zones"]


def test_load_refuses_a_store_with_data_unless_replace(run_cli, pg_url, small_sample,
                                                       busy_dataset):
    _init(run_cli, pg_url)
    run_cli(["db", "load", "--store", pg_url, "--data", str(busy_dataset)])
    with pytest.raises(CliError, match="already holds data; nothing was changed"):
        run_cli(["db", "load", "--store", pg_url, "--data", str(small_sample)])
    code, _, _ = run_cli(["db", "load", "--store", pg_url, "--data", str(small_sample),
                          "--replace"])
    assert code == 0
    pg = PostGISStore(pg_url)
    assert len(pg.read_layer("shelters")) == len(FileStore(small_sample).read_layer("shelters"))
    assert pg.list_versions("shelters") == [] and IncidentStore(pg.db).list() == []
    # the replaced store's history is gone: what is left is the sample's own and the load
    source = [r["action"] for r in FileStore(small_sample).db.audit_rows()]
    assert [r["action"] for r in pg.db.audit_rows()] == [*source, "db.load"]
    pg.close()


def test_dump_refuses_a_folder_with_files_unless_replace(run_cli, pg_url, small_sample,
                                                         tmp_path):
    _init(run_cli, pg_url)
    run_cli(["db", "load", "--store", pg_url, "--data", str(small_sample)])
    out = tmp_path / "out"
    out.mkdir()
    (out / "enterprises.gpkg").write_bytes(b"old")
    with pytest.raises(CliError, match="--out .* already holds data"):
        run_cli(["db", "dump", "--store", pg_url, "--out", str(out)])
    assert (out / "enterprises.gpkg").read_bytes() == b"old"
    run_cli(["db", "dump", "--store", pg_url, "--out", str(out), "--replace"])
    assert len(FileStore(out).read_layer("enterprises")) == 2000


def test_riskmap_store_variable_stands_for_store(run_cli, pg_url, monkeypatch):
    monkeypatch.setenv("RISKMAP_STORE", pg_url)
    code, out, _ = run_cli(["db", "init"])
    assert code == 0 and "records tables migrated" in out
    monkeypatch.delenv("RISKMAP_STORE")
    with pytest.raises(CliError, match="give the database with --store URL"):
        run_cli(["db", "init"])
    with pytest.raises(CliError, match="not a database URL"):
        run_cli(["db", "init", "--store", "/srv/data"])


def test_load_into_a_database_without_tables_names_db_init(run_cli, pg_url, small_sample):
    with pytest.raises(CliError, match=r"no risk-map tables: run `riskmap db init --store "):
        run_cli(["db", "load", "--store", pg_url, "--data", str(small_sample)])


def test_unreachable_database_is_one_line_without_traceback_or_password(pg_server, capsys):
    url = f"postgresql://li:s3cret@/riskmap?host={pg_server.sock}&port=1"
    for argv in (["db", "init", "--store", url], ["info", "--store", url],
                 ["db", "dump", "--store", url, "--out", "/tmp/never-written"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("riskmap: error: --store: 无法连接数据库 / cannot reach the database")
        assert "Traceback" not in err and "s3cret" not in err


def test_changes_through_one_store_show_in_another_as_a_new_data_version(run_cli, pg_url):
    _init(run_cli, pg_url)
    a, b = PostGISStore(pg_url), PostGISStore(pg_url)  # two workers
    seen = b.data_version()
    a.write_layer("shelters", gpd.GeoDataFrame({"id": ["s"]}, geometry=[Point(114, 22.5)],
                                               crs=4326))
    assert b.data_version() != seen and b.read_layer("shelters")["id"].tolist() == ["s"]
    a.close()
    b.close()


def test_init_by_a_role_without_rights_says_what_is_missing(run_cli, pg_server):
    name = pg_server.create_database(postgis=False)
    with pg_server.admin() as conn:
        conn.execute("CREATE ROLE clerk LOGIN")
    url = pg_server.url(name).replace("postgres@", "clerk@")
    with pytest.raises(CliError, match="cannot create the postgis extension .*superuser"):
        run_cli(["db", "init", "--store", url])
    with_postgis = pg_server.url(pg_server.create_database()).replace("postgres@", "clerk@")
    with pytest.raises(CliError, match="refused: permission denied for schema public"):
        run_cli(["db", "init", "--store", with_postgis])
    with pg_server.admin() as conn:
        conn.execute("DROP ROLE clerk")
    assert main(["db", "init", "--store", pg_server.fresh_url().replace("postgres@", "nobody@")]
                ) == 2
