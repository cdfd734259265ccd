"""ui/state.py: the bounded per-worker cache, reloading on a new data version, one version read
per request, and serving the loaded dataset while the store is down."""

from __future__ import annotations

import shutil

import pytest

from data.store import FileStore
from data.sysdb import StoreUnavailable
from ui.state import CACHE_ITEMS, AppState, BoundedCache, request_scope


@pytest.fixture
def sample_copy(small_sample, tmp_path):
    return shutil.copytree(small_sample, tmp_path / "ds")


def test_cache_keeps_at_most_its_size_and_drops_the_least_recently_used():
    cache = BoundedCache()
    for i in range(100):
        cache.put(("k", i), i)
    assert len(cache) == CACHE_ITEMS
    assert ("k", 99) in cache and ("k", 0) not in cache
    assert cache.get(("k", 1), "gone") == "gone"
    small = BoundedCache(3)
    for i in range(5):
        small.put((i,), i)
    small.get((2,))
    small.put((5,), 5)
    assert [k for k in range(6) if (k,) in small] == [2, 4, 5]


def test_state_cache_bounded_by_100_different_keys(sample_copy):
    state = AppState(sample_copy)
    for i in range(100):
        assert state.cached(("zones", i), lambda i=i: i * 2) == i * 2
    assert len(state.cache) <= CACHE_ITEMS
    assert state.cached(("zones", 99), lambda: "rebuilt") == 198  # recent: still cached
    assert state.cached(("zones", 0), lambda: "rebuilt") == "rebuilt"  # oldest: gone


def test_reloads_when_the_store_changes(sample_copy):
    state = AppState(sample_copy)
    first = state.full_dataset
    version = state.version
    built = []
    state.cached(("x",), lambda: built.append(1) or "page")
    assert state.full_dataset is first  # unchanged store: no reload
    store = FileStore(sample_copy)  # another process or worker would do the same
    ents = store.read_layer("enterprises")
    store.write_layer("enterprises", ents.iloc[:100])
    second = state.full_dataset
    assert second is not first and len(second.enterprises) == 100
    assert state.version != version
    assert len(state.cache) == 0  # what was built from the old data is gone
    state.cached(("x",), lambda: built.append(2) or "page")
    assert built == [1, 2]


def test_one_version_read_per_request(sample_copy, monkeypatch):
    state = AppState(sample_copy)
    state.full_dataset  # noqa: B018
    calls = []
    real = state.store.data_version
    monkeypatch.setattr(state.store, "data_version", lambda: calls.append(1) or real())
    with request_scope():
        for _ in range(5):
            state.full_dataset  # noqa: B018
            state.cached(("k",), lambda: 1)
            state.dataset  # noqa: B018
    assert len(calls) == 1
    with request_scope():
        state.full_dataset  # noqa: B018
    assert len(calls) == 2  # the next request reads it again
    state.full_dataset  # noqa: B018
    state.full_dataset  # noqa: B018
    assert len(calls) == 4  # outside a request: every time


def test_change_inside_a_request_seen_by_the_next_one(sample_copy):
    state = AppState(sample_copy)
    n = len(state.full_dataset.enterprises)
    store = FileStore(sample_copy)
    with request_scope():
        state.full_dataset  # noqa: B018
        store.write_layer("enterprises", store.read_layer("enterprises").iloc[:5])
        assert len(state.full_dataset.enterprises) == n  # one request sees one version
    with request_scope():
        assert len(state.full_dataset.enterprises) == 5


def test_store_down_serves_what_was_loaded_then_recovers(sample_copy, monkeypatch):
    state = AppState(sample_copy)
    loaded = state.full_dataset
    version = state.version
    real = state.store.data_version

    def down():
        raise StoreUnavailable("无法连接数据库 / cannot reach the database: connection refused")

    monkeypatch.setattr(state.store, "data_version", down)
    assert state.full_dataset is loaded
    assert state.version == version
    monkeypatch.setattr(state.store, "data_version", real)
    FileStore(sample_copy).write_layer("enterprises", loaded.enterprises.iloc[:7])
    assert len(state.full_dataset.enterprises) == 7  # back: changes seen again


def test_store_down_before_anything_loaded_raises(sample_copy, monkeypatch):
    state = AppState(sample_copy)

    def down():
        raise StoreUnavailable("cannot reach the database")

    monkeypatch.setattr(state.store, "data_version", down)
    with pytest.raises(StoreUnavailable, match="cannot reach"):
        state.full_dataset  # noqa: B018
