"""Layer changes through the store: versions, undo, the lock, and the audit row of each."""

from __future__ import annotations

import shutil
import threading

import geopandas as gpd
import pytest
import shapely

from data.store import KEEP_VERSIONS, FileStore, LayerChange, VersionError


def _frame(ids):
    return gpd.GeoDataFrame({"id": list(ids), "name": [f"企业{i}" for i in ids]},
                            geometry=[shapely.Point(114.0 + i / 1000, 22.5) for i in range(len(ids))],
                            crs=4326)


@pytest.fixture
def store(tmp_path):
    s = FileStore(tmp_path)
    s.write_layer("enterprises", _frame(["a", "b"]))
    return s


def _append(ids):
    def build(existing):
        old = existing if existing is not None else _frame([])
        return LayerChange(gpd.GeoDataFrame(
            __import__("pandas").concat([old, _frame(ids)], ignore_index=True), crs=4326),
            added=len(ids))
    return build


def test_the_first_change_keeps_the_layer_as_found_then_the_new_one(store):
    info = store.change_layer("enterprises", _append(["c"]), actor="li", mode="append",
                              file="新增.csv")
    assert (info.version, info.rows, info.added, info.file) == (2, 3, 1, "新增.csv")
    versions = store.list_versions("enterprises")
    assert [(v.version, v.mode, v.rows) for v in versions] == [(2, "append", 3), (1, "baseline", 2)]
    assert list(store.read_layer("enterprises")["id"]) == ["a", "b", "c"]
    assert list(store.read_version("enterprises", 1)["id"]) == ["a", "b"]
    actions = [(r["action"], r["actor"], r["ids"]) for r in store.db.audit_rows()]
    assert actions == [("layer.baseline", "li", ["enterprises@1"]),
                       ("layer.append", "li", ["enterprises@2"])]


def test_restore_makes_an_old_version_current_as_a_new_version(store):
    store.change_layer("enterprises", lambda ex: LayerChange(_frame(["z"]), removed=2),
                       actor="li", mode="replace")
    info = store.restore_version("enterprises", 1, actor="wang")
    assert (info.version, info.mode, info.restored_from, info.actor) == (3, "restore", 1, "wang")
    assert list(store.read_layer("enterprises")["id"]) == ["a", "b"]
    assert store.db.audit_rows()[-1]["action"] == "layer.restore"


def test_a_builder_that_returns_none_or_raises_writes_nothing(store):
    before = store.layer_file("enterprises").read_bytes()
    version = store.data_version()
    assert store.change_layer("enterprises", lambda ex: None, actor="li", mode="update") is None
    with pytest.raises(ValueError, match="bad"):
        store.change_layer("enterprises", lambda ex: (_ for _ in ()).throw(ValueError("bad")),
                           actor="li", mode="update")
    assert store.layer_file("enterprises").read_bytes() == before
    assert store.list_versions("enterprises") == [] and store.db.audit_rows() == []
    assert store.data_version() == version


def test_a_failed_commit_puts_the_previous_layer_back(store, monkeypatch):
    import data.store as store_module

    def fail(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(store_module, "record_version", fail)
    with pytest.raises(OSError, match="disk gone"):
        store.change_layer("enterprises", _append(["c"]), actor="li", mode="append")
    assert list(store.read_layer("enterprises")["id"]) == ["a", "b"]
    assert store.list_versions("enterprises") == []
    assert not [p for p in store.root.iterdir() if p.name.startswith(".")]


def test_only_the_last_versions_keep_their_data(store):
    for i in range(KEEP_VERSIONS + 2):
        store.change_layer("enterprises", _append([f"n{i}"]), actor="li", mode="append")
    versions = store.list_versions("enterprises")
    kept = [v.version for v in versions if v.kept]
    assert len(kept) == KEEP_VERSIONS and max(kept) == versions[0].version
    gone = min(v.version for v in versions)
    assert not store.version_file("enterprises", gone).exists()
    with pytest.raises(VersionError, match="no longer kept"):
        store.restore_version("enterprises", gone, actor="li")
    with pytest.raises(VersionError, match="no version 999"):
        store.read_version("enterprises", 999)


def test_concurrent_changes_from_two_stores_both_land(store):
    other = FileStore(store.root)  # another process would open its own store and connection
    errors = []

    def run(s, prefix):
        try:
            for i in range(5):
                s.change_layer("enterprises", _append([f"{prefix}{i}"]), actor=prefix,
                               mode="append")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(store, "x")),
               threading.Thread(target=run, args=(other, "y"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = set(store.read_layer("enterprises")["id"])
    assert ids == {"a", "b"} | {f"x{i}" for i in range(5)} | {f"y{i}" for i in range(5)}
    assert len(store.list_versions("enterprises")) == 11  # baseline + 10 changes


def test_the_data_version_changes_with_each_change(store, tmp_path):
    before = store.data_version()
    store.change_layer("enterprises", _append(["c"]), actor="li", mode="append")
    assert store.data_version() != before
    copy = tmp_path / "copy"
    shutil.copytree(store.root, copy)
    assert FileStore(copy).list_versions("enterprises")[0].version == 2
