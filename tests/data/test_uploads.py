"""Private, short-lived, bounded uploads (data/uploads.py)."""

from __future__ import annotations

import base64
import os
import stat
import time

import pytest

from data.readers import ImportFileError
from data.store import FileStore
from data.uploads import (
    UploadTooLarge,
    clean_uploads,
    decoded_size,
    max_upload_bytes,
    remove_upload,
    save_upload,
    upload_path,
    uploads_dir,
)


@pytest.fixture
def store(tmp_path):
    (tmp_path / "ds").mkdir()
    return FileStore(tmp_path / "ds")


def test_uploads_are_private_inside_the_dataset_folder(store):
    token = save_upload(store, b"a,b\n1,2\n", "台账.csv")
    path = upload_path(store, token)
    assert path.parent == store.root / ".uploads" and path.suffix == ".csv"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == b"a,b\n1,2\n"
    remove_upload(store, token)
    assert not path.exists()
    with pytest.raises(ImportFileError, match="upload expired"):
        upload_path(store, token)


def test_an_existing_open_folder_is_made_private(store):
    (store.root / ".uploads").mkdir(mode=0o755)
    os.chmod(store.root / ".uploads", 0o755)
    assert stat.S_IMODE(uploads_dir(store).stat().st_mode) == 0o700


def test_tokens_never_leave_the_folder(store, tmp_path):
    (tmp_path / "secret.csv").write_text("x")
    with pytest.raises(ImportFileError):
        upload_path(store, "../../secret.csv")


def test_old_uploads_are_removed_at_each_upload_and_by_clean(store):
    old = save_upload(store, b"old", "a.csv")
    hour_ago = time.time() - 3601
    os.utime(upload_path(store, old), (hour_ago, hour_ago))
    young = save_upload(store, b"new", "b.csv")
    with pytest.raises(ImportFileError):
        upload_path(store, old)
    assert upload_path(store, young).read_bytes() == b"new"
    assert clean_uploads(store) == 0
    assert clean_uploads(store, max_age_s=-1) == 1


def test_database_store_uses_the_per_user_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    class DbStore:  # no folder
        pass

    folder = uploads_dir(DbStore())
    assert folder == tmp_path / "cache" / "risk-map" / "uploads"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_limit_from_the_environment(monkeypatch, store):
    monkeypatch.delenv("RISKMAP_MAX_UPLOAD_MB", raising=False)
    assert max_upload_bytes() == 50 * 1024 * 1024
    monkeypatch.setenv("RISKMAP_MAX_UPLOAD_MB", "0.001")
    assert max_upload_bytes() == 1048
    with pytest.raises(UploadTooLarge, match="over the upload limit"):
        save_upload(store, b"x" * 2000, "a.csv")
    assert list(uploads_dir(store).iterdir()) == []
    monkeypatch.setenv("RISKMAP_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ValueError, match="RISKMAP_MAX_UPLOAD_MB must be a positive number"):
        max_upload_bytes()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 100, 101])
def test_decoded_size_matches_decoding(n):
    b64 = base64.b64encode(b"x" * n).decode()
    assert decoded_size(b64) == len(base64.b64decode(b64)) == n
