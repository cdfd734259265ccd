"""``riskmap serve``: answers on 127.0.0.1 (then we stop it); the port in use, who may be
served without users, a database down at start, and two gunicorn workers that both see an
import made by the CLI."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from data.store import FileStore


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_and_says_where(small_sample):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), "--data", str(small_sample)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                    body = resp.read().decode()
            except OSError:
                time.sleep(0.5)
        assert body is not None, "the server did not answer within 60 s"
        assert 'id="map-frame"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/map/analyst.html", timeout=30) as r:
            assert b"riskmap.bridge" in r.read()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/" in out
    assert "synthetic" in out


def test_serve_refuses_a_missing_folder(tmp_path):
    from ui.cli import main

    assert main(["serve", "--data", str(tmp_path / "nope")]) == 2


def test_help_says_where_the_sample_goes(capsys, monkeypatch):
    from data import SAMPLE_DIR
    from ui.cli import main

    monkeypatch.setenv("COLUMNS", "1000")  # argparse would break a long path across lines
    for command in ("serve", "sample", "info"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "per-user" in text and str(SAMPLE_DIR) in text, command


# -- several workers, the port, who may be served ----------------------------------------------

PORTS = range(8700, 8800)
"""This file's servers listen only here."""

CLI = [sys.executable, "-c", "import sys; from ui.cli import main; sys.exit(main())"]


def _port_in_range() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 8700-8799")


@pytest.fixture
def sample_copy(small_sample, tmp_path) -> Path:
    return Path(shutil.copytree(small_sample, tmp_path / "ds"))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_port_in_use_is_one_line_and_exit_2(sample_copy, capsys, workers):
    from ui.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["serve", "--port", str(port), "--workers", workers,
                     "--data", str(sample_copy)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""  # nothing printed before (no "open" URL)
    assert captured.err.strip() == (f"riskmap: error: 端口 {port} 已被占用 / port {port} is "
                                    f"already in use: choose another with --port")


def test_other_host_with_no_users_refused_with_how_to_add_an_admin(sample_copy, capsys):
    from ui.cli import main

    port = _port_in_range()
    assert main(["serve", "--host", "0.0.0.0", "--port", str(port),
                 "--data", str(sample_copy)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert f"riskmap users add admin --role admin --data {sample_copy}" in err
    assert "尚无用户" in err and "no users yet" in err


def test_users_decide_who_may_be_served(sample_copy):
    from data.accounts import Accounts
    from ui.cli import CliError
    from ui.commands.serve import check_users

    store = FileStore(sample_copy)
    assert check_users(store, "127.0.0.1", hint="--data D") == 0  # local mode
    assert check_users(store, "localhost", hint="--data D") == 0
    with pytest.raises(CliError, match="--data D"):
        check_users(store, "192.168.1.5", hint="--data D")
    Accounts(store.db).add("boss", role="admin", password="s3cret-pass-1", actor="test")
    assert check_users(store, "0.0.0.0", hint="--data D") == 1


def test_loopback_names():
    from ui.commands.serve import is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost",
                                 "LOCALHOST"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.5", "risk.example.gov.cn"]))


def test_bad_workers_threads_and_missing_gunicorn(sample_copy, capsys, monkeypatch):
    from ui.cli import main
    from ui.commands import serve

    data = ["--data", str(sample_copy)]
    assert main(["serve", "--workers", "0", *data]) == 2
    assert "--workers must be 1 or more" in capsys.readouterr().err
    assert main(["serve", "--threads", "0", *data]) == 2
    assert main(["serve", "--workers", "2", "--debug", *data]) == 2
    monkeypatch.setattr(serve, "_have_gunicorn", lambda: False)
    assert main(["serve", "--workers", "2", *data]) == 2
    assert "needs gunicorn" in capsys.readouterr().err


def test_database_down_at_start_is_a_clear_error(capsys):
    from ui.cli import main

    port = _port_in_range()
    # nothing listens on port 1: the connection is refused at once
    code = main(["serve", "--port", str(port), "--store",
                 "postgresql+psycopg://nobody@127.0.0.1:1/riskmap?connect_timeout=3"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("riskmap: error: --store") and "Traceback" not in err


def _get(url: str, timeout: float = 10) -> tuple[dict, dict]:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read()), dict(resp.headers)


def _versions_by_worker(port: int, *, want: int, deadline_s: float, until=None) -> dict:
    """Poll /healthz until ``want`` different workers answered (and ``until(body)`` holds)."""
    seen: dict[int, str] = {}
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            body, headers = _get(f"http://127.0.0.1:{port}/healthz")
        except OSError:
            time.sleep(0.3)
            continue
        assert headers["X-Riskmap-Worker"] == str(body["pid"])
        if until is None or until(body):
            seen[body["pid"]] = body["data_version"]
        if len(seen) >= want:
            break
    return seen


def test_two_workers_see_an_import_made_by_the_cli(sample_copy, tmp_path):
    """``serve --workers 2`` (gunicorn): an import through the CLI is seen by both workers."""
    pytest.importorskip("gunicorn")
    port = _port_in_range()
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen([*CLI, "serve", "--workers", "2", "--threads", "2",
                             "--port", str(port), "--data", str(sample_copy)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        before = _versions_by_worker(port, want=2, deadline_s=90)
        assert len(before) == 2, f"both workers should answer, got {before}"
        assert len(set(before.values())) == 1
        old = next(iter(before.values()))
        n = len(FileStore(sample_copy).read_layer("enterprises"))
        src = tmp_path / "new.csv"
        src.write_text("企业名称,经度,纬度,风险等级\n新企业甲,114.05,22.55,红\n新企业乙,114.06,22.56,橙\n",
                       encoding="utf-8")
        done = subprocess.run([*CLI, "import", "--layer", "enterprises", str(src), "--mode",
                               "append", "--yes", "--data", str(sample_copy)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        after = _versions_by_worker(port, want=2, deadline_s=60,
                                    until=lambda b: b["data_version"] != old)
        assert len(after) == 2, f"both workers should see the import, got {after}"
        assert set(after) == set(before)  # the same two processes, no restart
        for _ in range(6):  # whichever worker answers has the two new rows
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/enterprise/{n + 1}",
                                        timeout=30) as resp:
                assert resp.status == 200
                assert int(resp.headers["X-Riskmap-Worker"]) in after
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "2 个进程 / workers, gunicorn" in out
    assert "本机单用户模式 / single-user local mode" in out
    assert "Traceback" not in out
