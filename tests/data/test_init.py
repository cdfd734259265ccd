"""``data``: the generated sample lives in the per-user data folder, never in the package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import data


def _sample_dir(env: dict[str, str]) -> Path:
    out = subprocess.run([sys.executable, "-c", "import data; print(data.SAMPLE_DIR)"],
                         capture_output=True, text=True, env=env, check=True, timeout=60)
    return Path(out.stdout.strip())


def test_sample_dir_is_the_per_user_data_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "RISKMAP_DATA"}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    if sys.platform.startswith("linux"):
        assert _sample_dir(env) == tmp_path / "xdg" / "risk-map" / "sample"
        env.pop("XDG_DATA_HOME")
        env["HOME"] = str(tmp_path / "home")
        assert _sample_dir(env) == tmp_path / "home" / ".local" / "share" / "risk-map" / "sample"
    assert not data.SAMPLE_DIR.is_relative_to(data.DATA_DIR)
    assert data.SAMPLE_DIR.parent == data.USER_DATA_DIR


def test_boundaries_ship_inside_the_package():
    assert data.BOUNDARIES_DIR.parent == data.DATA_DIR
    assert (data.BOUNDARIES_DIR / "shenzhen.geojson").is_file()
