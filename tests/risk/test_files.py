"""risk/files.py: atomic, durable writes with one permission policy."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from risk import files
from risk.files import TMP_MARK, atomic_path, write_bytes_atomic, write_text_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "layer.txt"
    write_text_atomic(target, "old")
    write_bytes_atomic(target, "新".encode())
    assert target.read_text(encoding="utf-8") == "新"
    assert sorted(p.name for p in target.parent.iterdir()) == ["layer.txt"]


def test_a_failure_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "layer.gpkg"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["layer.gpkg"]


def test_nothing_written_is_an_error_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "a.json"
    target.write_text("{}")
    with pytest.raises(FileNotFoundError, match="nothing was written"), atomic_path(target):
        pass
    assert target.read_text() == "{}"


def test_temporary_is_beside_the_target_with_a_recognisable_name(tmp_path):
    target = tmp_path / "enterprises.gpkg"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and not tmp.exists()
        assert tmp.name.startswith(f".{target.name}{TMP_MARK}")
        assert tmp.suffix == ".gpkg"  # drivers choose the format by suffix
        tmp.write_bytes(b"x")


def test_file_and_folder_are_fsynced_before_and_after_the_rename(tmp_path, monkeypatch):
    calls: list[tuple[str, bool]] = []
    real_replace = os.replace

    def fsync_path(path):
        calls.append(("fsync", Path(path).is_dir()))

    def replace(src, dst):
        calls.append(("replace", False))
        real_replace(src, dst)

    monkeypatch.setattr(files, "fsync_path", fsync_path)
    monkeypatch.setattr(files.os, "replace", replace)
    write_bytes_atomic(tmp_path / "x.bin", b"1")
    assert calls == [("fsync", False), ("replace", False), ("fsync", True)]


def test_one_permission_policy(tmp_path):
    old = os.umask(0o022)
    try:
        public = write_bytes_atomic(tmp_path / "export.csv", b"a")
        private = write_bytes_atomic(tmp_path / "upload.csv", b"a", private=True)
        with atomic_path(tmp_path / "driver.gpkg") as tmp:  # created by a "driver" with 0600
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
    finally:
        os.umask(old)
    assert _mode(public) == 0o644
    assert _mode(private) == 0o600
    assert _mode(tmp_path / "driver.gpkg") == 0o644


def test_fsync_path_accepts_files_and_folders(tmp_path):
    (tmp_path / "f").write_text("x")
    files.fsync_path(tmp_path / "f")
    files.fsync_path(tmp_path)


# -- what killed writes leave behind (issue 12) ---------------------------------------------------

LEFT_BY_KILLED_WRITES = [
    ".enterprises.gpkg.tmp-0a1b2c3d.gpkg", ".enterprises.gpkg.tmp-0a1b2c3d.gpkg-journal",
    ".enterprises.gpkg.tmp-99999999.gpkg-wal", ".enterprises.gpkg.tmp-99999999.gpkg-shm",
    ".dataset.json.tmp-deadbeef.json", ".enterprises.gpkg.previous",
]
KEPT = ["enterprises.gpkg", "riskmap.sqlite", "riskmap.sqlite-wal", "riskmap.sqlite-shm",
        "riskmap.sqlite-journal", "dataset.json", ".hidden-note", "notes.tmp-0a1b2c3d.txt",
        ".enterprises.gpkg.tmp-short.gpkg"]


def _touch(folder: Path, names: list[str], *, age_s: float = 0.0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = folder / name
        path.write_bytes(b"x")
        if age_s:
            old = time.time() - age_s
            os.utime(path, (old, old))


def test_remove_stale_temps_removes_only_what_killed_writes_left(tmp_path):
    _touch(tmp_path, LEFT_BY_KILLED_WRITES + KEPT, age_s=3600)
    _touch(tmp_path / "versions" / "enterprises", [".v00003.gpkg.tmp-00000001.gpkg", "v00002.gpkg"],
           age_s=3600)
    removed = files.remove_stale_temps(tmp_path)
    assert sorted(p.name for p in removed) == sorted(
        [*LEFT_BY_KILLED_WRITES, ".v00003.gpkg.tmp-00000001.gpkg"])
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == sorted(KEPT)
    assert [p.name for p in (tmp_path / "versions" / "enterprises").iterdir()] == ["v00002.gpkg"]


def test_remove_stale_temps_leaves_a_running_writer_alone(tmp_path):
    _touch(tmp_path, LEFT_BY_KILLED_WRITES[:2])  # just written: a writer may be busy with it
    assert files.remove_stale_temps(tmp_path) == []
    assert len(list(tmp_path.iterdir())) == 2
    assert len(files.remove_stale_temps(tmp_path, older_than_s=0)) == 2  # under the write lock


def test_remove_stale_temps_not_recursive_and_missing_folder(tmp_path):
    _touch(tmp_path / "versions", [".v.gpkg.tmp-00000001.gpkg"], age_s=3600)
    assert files.remove_stale_temps(tmp_path, recursive=False) == []
    assert files.remove_stale_temps(tmp_path / "nope") == []


def test_temp_of_a_killed_atomic_write_is_recognised(tmp_path):
    """The name atomic_path really uses is one remove_stale_temps removes."""
    target = tmp_path / "layer.gpkg"
    with pytest.raises(RuntimeError), files.atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        name = tmp.name
        os.link(tmp, tmp_path / "kept")  # what a kill -9 would leave: the file under its name
        raise RuntimeError("killed")
    os.replace(tmp_path / "kept", tmp_path / name)
    assert [p.name for p in files.remove_stale_temps(tmp_path, older_than_s=0)] == [name]
