"""ui/wsgi.py: /healthz, the worker header, one data-version read per request, and a store that
goes down while serving (503 with a clear message, then back by itself)."""

from __future__ import annotations

import os
import shutil

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
