"""``riskmap serve`` starts a server that answers on 127.0.0.1 (then we stop it)."""

import socket
import subprocess
import sys
import time
import urllib.request


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
    import pytest

    from data import SAMPLE_DIR
    from ui.cli import main

    monkeypatch.setenv("COLUMNS", "1000")  # argparse would break a long path across lines
    for command in ("serve", "sample", "info"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "per-user" in text and str(SAMPLE_DIR) in text, command
