"""The built wheel, installed into a fresh venv, serves the app with every asset.

``make test`` runs the slow part (``pytest -m wheel``): build the wheel from a copy of the
working tree, create a throwaway venv, ``pip install`` the wheel (dependencies from the pip cache
or the index, as a user would get them; no ``--system-site-packages``), then, with
``$RISKMAP_DATA`` unset and ``HOME``/``XDG_*`` pointing into ``tmp_path``: ``riskmap info``
generates the sample in the per-user data folder (not in site-packages), ``riskmap serve``
answers with the pages and every JS/CSS/image they load, and headless Chromium draws the points.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("risk", "layers", "data", "ui")
"""The top-level packages of the source tree (``assets/`` lands in ``ui/assets``)."""
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".pytest_cache",
    ".ruff_cache", ".mypy_cache", "sample", "out",
)


def _source_packages() -> set[str]:
    """Every folder of the source packages that holds Python modules."""
    return {
        ".".join(module.parent.relative_to(ROOT).parts)
        for top in PACKAGES for module in (ROOT / top).rglob("*.py")
        if "__pycache__" not in module.parts
    }


def test_pyproject_lists_every_package_of_the_source_tree():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    listed = set(config["setuptools"]["packages"])
    assert config["setuptools"]["package-dir"] == {"ui.assets": "assets"}
    missing = sorted(_source_packages() - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml"
    assert listed - _source_packages() == {"ui.assets"}


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "RISKMAP_DATA",
                        "RISKMAP_CACHE", "RISKMAP_CJK_FONT"}}
    env.update(extra)
    return env


def _run(cmd: list[str], *, timeout: float, **kw) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a clean copy of the working tree (no stale ``build/``)."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=COPY_IGNORE)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist"),
          str(src)], timeout=600, env=_clean_env())
    (found,) = (base / "dist").glob("risk_map-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel (and its dependencies) installed; returns its bin/."""
    root = tmp_path_factory.mktemp("venv") / "venv"
    started = time.perf_counter()
    _run([sys.executable, "-m", "venv", str(root)], timeout=300)
    bindir = root / ("Scripts" if os.name == "nt" else "bin")
    _run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)], timeout=3_000,
         env=_clean_env())
    print(f"\nwheel installed into a fresh venv in {time.perf_counter() - started:.0f} s")
    return bindir


@pytest.mark.wheel
def test_wheel_holds_every_served_file_and_nothing_else(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"ui/assets/{p.relative_to(ROOT / 'assets').as_posix()}"
                for p in (ROOT / "assets").rglob("*") if p.is_file()}
    expected |= {p.relative_to(ROOT).as_posix() for p in (ROOT / "data" / "boundaries").iterdir()}
    expected |= {p.relative_to(ROOT).as_posix() for top in PACKAGES
                 for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts}
    assert {"ui/assets/riskmap.js", "ui/assets/vendor/leaflet/images/layers.png",
            "data/boundaries/shenzhen.geojson"} <= expected
    assert sorted(expected - names) == []
    tops = {name.split("/")[0] for name in names}
    assert tops == {*PACKAGES, next(t for t in tops if t.endswith(".dist-info"))}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")
                or n.startswith("data/sample/")]


def _package_files(site_packages: Path) -> set[Path]:
    return {p for top in PACKAGES for p in (site_packages / top).rglob("*")
            if "__pycache__" not in p.parts}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, *, timeout: float = 30) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        assert resp.status == 200, url
        return resp.read()


def _local_urls(text: str, base: str) -> set[str]:
    """Absolute URLs of the scripts, styles and images a page or stylesheet loads."""
    found = re.findall(r'(?:src|href)="([^"]+)"', text) + re.findall(r"url\(['\"]?([^'\")]+)", text)
    urls = {urllib.parse.urljoin(base, u) for u in found
            if not u.startswith(("data:", "#", "?", "javascript:"))}
    return {u for u in urls if urllib.parse.urlparse(u).path.endswith(
        (".js", ".css", ".png", ".svg", ".ico", ".woff", ".woff2", ".ttf"))}


@pytest.mark.wheel
@pytest.mark.browser
def test_installed_wheel_generates_the_sample_per_user_and_serves_the_map(
        venv: Path, browser, tmp_path: Path):
    home = tmp_path / "home"
    env = _clean_env(HOME=str(home), XDG_DATA_HOME=str(tmp_path / "xdg-data"),
                     XDG_CACHE_HOME=str(tmp_path / "xdg-cache"),
                     XDG_CONFIG_HOME=str(tmp_path / "xdg-config"))
    site = _run([str(venv / "python"), "-c", "import ui; print(ui.__file__)"], timeout=60,
                env=env, cwd=tmp_path).stdout.strip()
    site_packages = Path(site).parents[1]
    assert site_packages.is_relative_to(venv.parent), f"ui imported from {site}, not the wheel"
    installed_before = _package_files(site_packages)

    info = json.loads(_run([str(venv / "riskmap"), "info", "--json"], timeout=600, env=env,
                           cwd=tmp_path).stdout)
    sample = tmp_path / "xdg-data" / "risk-map" / "sample"
    assert (sample / "dataset.json").is_file()
    assert str(sample) in info["data"]
    assert _package_files(site_packages) == installed_before, "wrote into site-packages"
    assert not list(venv.parent.rglob("dataset.json"))
    n_points = sum(info["enterprises_by_grade"].values())
    assert n_points > 0

    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([str(venv / "riskmap"), "serve", "--port", str(port)], env=env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        deadline = time.monotonic() + 120
        parent = None
        while parent is None:
            try:
                parent = _get(base, timeout=5).decode()
            except (OSError, urllib.error.URLError):
                assert server.poll() is None, f"riskmap serve exited:\n{server.communicate()[0]}"
                assert time.monotonic() < deadline, "riskmap serve did not answer within 120 s"
                time.sleep(0.5)
        assert 'id="map-frame"' in parent and "/assets/riskmap.js" in parent
        map_url = urllib.parse.urljoin(base, "map/analyst.html?lang=zh")
        map_page = _get(map_url).decode()
        urls = _local_urls(parent, base) | _local_urls(map_page, map_url)
        assert any(u.endswith("/assets/vendor/leaflet/leaflet.js") for u in urls)
        assert any("riskmap-map" in u and u.endswith(".js") for u in urls)
        stylesheets = [u for u in urls if u.endswith(".css")]
        for css in stylesheets:  # leaflet.css loads Leaflet's images
            urls |= _local_urls(_get(css).decode(), css)
        assert any(u.endswith("/images/layers.png") for u in urls)
        for url in sorted(urls):
            assert url.startswith(base), url
            _get(url)

        context = browser.new_context(viewport={"width": 1200, "height": 800})
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base)
            frame = page.frame_locator("#map-frame")
            frame.locator("html[data-map-ready='1']").wait_for(timeout=60_000)
            frame.locator(f"html[data-enterprises-shown='{n_points}']").wait_for(timeout=20_000)
            assert frame.locator("canvas").count() >= 1, "enterprises are drawn on a canvas"
            assert errors == []
        finally:
            context.close()
    finally:
        server.terminate()
        try:
            out, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            out, _ = server.communicate()
    assert base in out
