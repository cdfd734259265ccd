"""ui/wsgi.py: /healthz, the worker header, one data-version read per request, and a store that
goes down while serving (503 with a clear message, then back by itself)."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from data.store import FileStore
from data.sysdb import StoreBusy, StoreUnavailable
from ui.auth import ServeConfig
from ui.wsgi import HEALTH_PATH, WORKER_HEADER, create_wsgi_app

BASE = "http://127.0.0.1:8050"


@pytest.fixture
def sample_copy(small_sample, tmp_path):
    return shutil.copytree(small_sample, tmp_path / "ds")


def _down():
    raise StoreUnavailable("无法连接数据库 / cannot reach the database: connection refused")


def test_healthz_names_the_worker_and_the_data_version(sample_copy):
    server = create_wsgi_app(sample_copy, warm=False, config=ServeConfig())
    client = server.test_client()
    resp = client.get(HEALTH_PATH, base_url=BASE)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["ok"] is True and body["pid"] == os.getpid()
    assert body["data_version"] == FileStore(sample_copy).data_version()
    assert resp.headers[WORKER_HEADER] == str(os.getpid())
    assert client.get("/no-such-page", base_url=BASE).headers[WORKER_HEADER] == str(os.getpid())


def test_a_change_by_another_process_is_seen_on_the_next_request(sample_copy):
    server = create_wsgi_app(sample_copy, warm=False, config=ServeConfig())
    client = server.test_client()
    before = client.get(HEALTH_PATH, base_url=BASE).get_json()["data_version"]
    store = FileStore(sample_copy)
    store.write_layer("enterprises", store.read_layer("enterprises").iloc[:10])
    after = client.get(HEALTH_PATH, base_url=BASE).get_json()["data_version"]
    assert after != before and after == store.data_version()
    assert client.get("/api/enterprise/9", base_url=BASE).status_code == 200
    assert client.get("/api/enterprise/10", base_url=BASE).status_code == 404


def test_one_version_read_per_request(sample_copy, monkeypatch):
    server = create_wsgi_app(sample_copy, warm=False, config=ServeConfig())
    state = _state_of(server)
    calls = []
    real = state.store.data_version
    monkeypatch.setattr(state.store, "data_version", lambda: calls.append(1) or real())
    client = server.test_client()
    resp = client.get("/_dash-layout", base_url=BASE)
    assert resp.status_code == 200
    assert len(calls) == 1
    client.get("/map/analyst.html", base_url=BASE)
    assert len(calls) == 2


def _state_of(server):
    return server.extensions["riskmap_state"]


def test_store_down_at_first_request_answers_503_then_recovers(sample_copy, monkeypatch):
    server = create_wsgi_app(sample_copy, warm=False, config=ServeConfig())
    state = _state_of(server)
    real = state.store.data_version
    monkeypatch.setattr(state.store, "data_version", _down)
    client = server.test_client()
    page = client.get("/map/analyst.html", base_url=BASE)
    assert page.status_code == 503 and page.headers["Retry-After"]
    text = page.get_data(as_text=True)
    assert "暂时无法服务" in text and "cannot reach the database" in text
    assert "Traceback" not in text
    health = client.get(HEALTH_PATH, base_url=BASE)
    assert health.status_code == 503 and health.get_json()["ok"] is False
    layout = client.get("/_dash-layout", base_url=BASE)
    assert layout.status_code == 503
    assert "cannot be reached" in layout.get_json()["error"]
    monkeypatch.setattr(state.store, "data_version", real)  # the database is back
    assert client.get("/map/analyst.html", base_url=BASE).status_code == 200
    assert client.get(HEALTH_PATH, base_url=BASE).get_json()["ok"] is True


def test_store_down_while_serving_keeps_the_map_and_says_so_on_health(sample_copy, monkeypatch):
    server = create_wsgi_app(sample_copy, warm=False, config=ServeConfig())
    state = _state_of(server)
    client = server.test_client()
    assert client.get("/map/analyst.html", base_url=BASE).status_code == 200
    monkeypatch.setattr(state.store, "data_version", _down)
    assert client.get("/map/analyst.html", base_url=BASE).status_code == 200  # as loaded
    assert client.get("/api/enterprise/0", base_url=BASE).status_code == 200
    health = client.get(HEALTH_PATH, base_url=BASE)
    assert health.status_code == 503
    assert health.get_json()["data_version"] == state.version  # what it still serves


def test_busy_store_answers_503_with_its_message(sample_copy):
    server = create_wsgi_app(sample_copy, warm=False, config=ServeConfig())

    @server.route("/_test-busy")
    def _busy():
        raise StoreBusy("数据正被另一操作占用 / the database is busy with another change")

    resp = server.test_client().get("/_test-busy", base_url=BASE,
                                    headers={"Accept": "application/json"})
    assert resp.status_code == 503
    assert resp.get_json()["error"].startswith("数据正被另一操作占用")


def test_module_application_for_other_wsgi_servers(sample_copy, monkeypatch):
    """``gunicorn 'ui.wsgi:application'`` serves $RISKMAP_DATA."""
    import ui.wsgi

    monkeypatch.delenv("RISKMAP_STORE", raising=False)
    monkeypatch.setenv("RISKMAP_DATA", str(sample_copy))
    monkeypatch.delitem(vars(ui.wsgi), "application", raising=False)
    try:
        app = ui.wsgi.application
        assert ui.wsgi.application is app  # built once
        body = app.test_client().get(HEALTH_PATH, base_url=BASE).get_json()
        assert body["store"] == str(sample_copy)
    finally:
        vars(ui.wsgi).pop("application", None)
    with pytest.raises(AttributeError):
        ui.wsgi.no_such_name  # noqa: B018


# -- PostGIS going down and coming back, on a cluster of this test's own ------------------------


@pytest.fixture
def own_pg(small_sample):
    """A cluster this test may stop and start (``tests/pgcluster.py``), holding the small
    sample; yields (cluster, url, stop, start)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "pgcluster", Path(__file__).parents[1] / "pgcluster.py")
    if spec is None or spec.loader is None:
        pytest.skip("no tests/pgcluster.py")
    pgcluster = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pgcluster)
    try:
        cluster = pgcluster.start_cluster()
    except pgcluster.PgClusterError as exc:
        pytest.fail(str(exc))
    from data.pgcopy import copy_dataset
    from data.pgstore import PostGISStore

    url = cluster.fresh_url()
    loader = PostGISStore(url, check=False)
    loader.initialise()
    copy_dataset(FileStore(small_sample), loader, actor="test")
    loader.close()
    opts = (f"-k {cluster.sock} -p {cluster.port} -c listen_addresses='' -c fsync=off "
            f"-c synchronous_commit=off")

    def stop() -> None:
        cluster._run("pg_ctl", "-D", str(cluster.data), "-m", "immediate", "-w", "stop")

    def start() -> None:
        cluster._run("pg_ctl", "-D", str(cluster.data), "-o", opts, "-l",
                     str(cluster.root / "log"), "-w", "-t", "30", "start")

    try:
        yield cluster, url, stop, start
    finally:
        cluster.stop()


def test_postgis_down_while_serving_then_back(own_pg):
    from data.pgstore import PostGISStore

    _cluster, url, stop, start = own_pg
    server = create_wsgi_app(PostGISStore(url), warm=False, config=ServeConfig())
    client = server.test_client()
    assert client.get(HEALTH_PATH, base_url=BASE).get_json()["ok"] is True
    assert client.get("/map/analyst.html", base_url=BASE).status_code == 200
    stop()
    health = client.get(HEALTH_PATH, base_url=BASE)
    # 503 from /healthz itself, or from the login check before it (it reads the users)
    assert health.status_code == 503 and not health.get_json().get("ok"), health.data
    page = client.get("/map/analyst.html", base_url=BASE)  # the map as loaded, or a clear 503
    assert page.status_code in (200, 503)
    layout = client.get("/_dash-layout", base_url=BASE)
    assert layout.status_code in (200, 503)
    if layout.status_code == 503:
        error = layout.get_json()["error"]
        assert "数据库" in error and "database" in error
    for resp in (health, page, layout):
        assert b"Traceback" not in resp.data
    start()
    deadline = time.monotonic() + 20
    while client.get(HEALTH_PATH, base_url=BASE).status_code != 200:  # pool_pre_ping: back
        assert time.monotonic() < deadline, "the app did not recover when PostgreSQL came back"
        time.sleep(0.2)
    assert client.get("/_dash-layout", base_url=BASE).status_code == 200
    assert client.get("/map/analyst.html", base_url=BASE).status_code == 200


def test_memory_is_handed_back_after_an_upload_sized_request(sample_copy, monkeypatch):
    import ui.wsgi as wsgi

    calls = []
    monkeypatch.setattr(wsgi, "release_memory", lambda: calls.append(1) or True)
    server = create_wsgi_app(sample_copy, warm=False, config=ServeConfig())
    client = server.test_client()
    client.get(HEALTH_PATH)
    assert calls == []  # an ordinary request: nothing to hand back
    big = b"x" * wsgi.TRIM_AFTER_BYTES
    client.post("/api/v1/import/enterprises", data=big, headers={"Origin": "http://localhost"},
                content_type="application/octet-stream")
    assert calls == [1]


def test_release_memory_works_on_this_system():
    import sys

    import ui.wsgi as wsgi

    assert wsgi.release_memory() is (sys.platform == "linux")
