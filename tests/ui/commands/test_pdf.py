"""``riskmap pdf`` on a tiny hand-made dataset and on the small generated sample."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest

from data import BOUNDARIES_DIR
from data.store import FileStore
from ui import cli
from ui.cli import CliError

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None,
                       reason="poppler-utils (pdftotext) not installed"),
    pytest.mark.usefixtures("font_cache"),
]
# enterprises in three districts only: the other six have nothing to draw
POINTS = [("福田区", "red", 114.055, 22.541), ("福田区", "blue", 114.06, 22.55),
          ("南山区", "orange", 113.93, 22.53), ("罗湖区", "yellow", 114.13, 22.55)]



@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pdf_cli_data")
    store = FileStore(root)
    districts = gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson")
    store.write_layer("districts", districts)
    store.write_layer("enterprises", gpd.GeoDataFrame(
        {"id": [f"E{i}" for i in range(len(POINTS))],
         "name": [f"企业{i}" for i in range(len(POINTS))],
         "district": [p[0] for p in POINTS], "grade": [p[1] for p in POINTS]},
        geometry=gpd.points_from_xy([p[2] for p in POINTS], [p[3] for p in POINTS]), crs=4326))
    store.write_meta({"title": "命令行测试数据", "synthetic": True, "sources": ["测试 / test"]})
    return root




def _text(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_one_district_map(run_cli, data_dir, tmp_path, capsys):
    out = tmp_path / "futian.pdf"
    code, stdout, _ = run_cli(["pdf", "--data", str(data_dir), "--out", str(out), "--district",
                            "Futian", "--grades", "红,蓝", "--tables"])
    assert code == 0 and str(out) in stdout
    page1 = _text(out, "-l", "1")
    assert "福田区安全风险分布图" in page1  # default title names the district
    assert "重大风险" in page1 and "低风险" in page1 and "较大风险" not in page1
    assert "比例尺" in page1
    page2 = _text(out, "-f", "2")
    assert "各区企业风险等级统计" in page2 and "南山区" not in page2


def test_incident_options(run_cli, data_dir, tmp_path, capsys):
    out = tmp_path / "fire.pdf"
    run_cli(["pdf", "--data", str(data_dir), "--out", str(out), "--title", "火灾事故",
          "--lon", "114.055", "--lat", "22.541", "--radii-km", "0.5,2", "--paper", "a3"])
    text = _text(out)
    assert "火灾事故" in text and "0–0.5 km" in text and "0.5–2 km" in text


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--layers", "enterprises,rivers"], r"'rivers'.*valid layers: districts, enterprises"),
        (["--district", "浦东新区"], r"浦东新区.*valid districts: .*福田区"),
        (["--extent", "113.0,21.0,113.1,21.1"], r"nothing to draw"),
        (["--lon", "114.05"], r"both --lon and --lat"),
        (["--grades", "紫"], r"unknown risk grade"),
    ],
)
def test_bad_input_is_a_cli_error_and_writes_nothing(run_cli, data_dir, tmp_path, capsys, argv, match):
    out = tmp_path / "map.pdf"
    with pytest.raises(CliError, match=match):
        run_cli(["pdf", "--data", str(data_dir), "--out", str(out), *argv])
    assert list(tmp_path.iterdir()) == []


def test_unwritable_out(run_cli, data_dir, tmp_path, capsys):
    with pytest.raises(CliError, match=r"--out .*does not exist"):
        run_cli(["pdf", "--data", str(data_dir), "--out", str(tmp_path / "no" / "m.pdf")])
    with pytest.raises(CliError, match=r"--out .*is a folder"):
        run_cli(["pdf", "--data", str(data_dir), "--out", str(tmp_path)])
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        if not _writable(locked):  # root ignores permissions
            with pytest.raises(CliError, match=r"--out .*cannot write"):
                run_cli(["pdf", "--data", str(data_dir), "--out", str(locked / "m.pdf")])
            assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def _writable(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.write_bytes(b"")
    except OSError:
        return False
    probe.unlink()
    return True


def test_each_district_writes_one_pdf_per_district_with_data(run_cli, data_dir, tmp_path, capsys):
    out_dir = tmp_path / "maps"
    code, stdout, stderr = run_cli(["pdf", "--data", str(data_dir), "--each-district",
                                 "--out-dir", str(out_dir)])
    assert code == 0
    written = sorted(p.name for p in out_dir.iterdir())
    assert written == ["440303_罗湖区.pdf", "440304_福田区.pdf", "440305_南山区.pdf"]
    assert "罗湖区安全风险分布图" in _text(out_dir / "440303_罗湖区.pdf")
    assert stderr.count("skipped") == 6 and "3 个文件 / files" in stdout


def test_each_district_option_clashes(run_cli, data_dir, tmp_path, capsys):
    with pytest.raises(CliError, match="--out-dir"):
        run_cli(["pdf", "--data", str(data_dir), "--each-district"])
    with pytest.raises(CliError, match="cannot be combined"):
        run_cli(["pdf", "--data", str(data_dir), "--each-district", "--out-dir", str(tmp_path),
              "--district", "福田区"])
    with pytest.raises(CliError, match="give --out"):
        run_cli(["pdf", "--data", str(data_dir)])


def test_main_entry_point_on_the_sample(small_sample, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMANDS", ("pdf",))
    out = tmp_path / "city.pdf"
    code = cli.main(["pdf", "--data", str(small_sample), "--out", str(out), "--paper", "A3",
                     "--layers", "districts,roads,enterprises,shelters,waterlogging,slopes"])
    assert code == 0
    text = _text(out)
    assert "安全风险分布图" in text and "合成样例数据" in text and "危险边坡" in text
    code = cli.main(["pdf", "--data", str(small_sample), "--out", str(tmp_path / "x.pdf"),
                     "--district", "Atlantis"])
    assert code == 2 and "Atlantis" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_radii_km_follow_the_incident_tab_rules(run_cli, data_dir, tmp_path, capsys):
    """The one radii parser: unsorted radii are refused (not sorted silently), in kilometres."""
    with pytest.raises(SystemExit) as info:
        run_cli(["pdf", "--data", str(data_dir), "--out", str(tmp_path / "x.pdf"), "--lon",
              "114.055", "--lat", "22.541", "--radii-km", "2,0.5"])
    assert info.value.code == 2
    assert "ascending order" in capsys.readouterr().err and not (tmp_path / "x.pdf").exists()


def test_one_pdf_request_validates_the_incident_once(run_cli, data_dir, tmp_path, capsys, monkeypatch):
    from risk.cordon import rings as rings_module

    calls = []
    real = rings_module._incident_problems
    monkeypatch.setattr(rings_module, "_incident_problems",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    run_cli(["pdf", "--data", str(data_dir), "--out", str(tmp_path / "i.pdf"), "--lon", "114.055",
          "--lat", "22.541", "--tables"])
    assert len(calls) == 1 and (tmp_path / "i.pdf").exists()


# ---------------------------------------------------------------------------------------------
# issue 16: layout options, formats, georef, atlas


def test_layout_options_template_and_georef(run_cli, data_dir, tmp_path, capsys):
    template = tmp_path / "bureau.json"
    template.write_text('{"organisation": "测试应急管理局", "classification": "内部", '
                        '"approval_no": "粤S(2026)001号"}', encoding="utf-8")
    out = tmp_path / "futian.pdf"
    code, stdout, _ = run_cli(["pdf", "--data", str(data_dir), "--out", str(out), "--scale",
                               "1:25,000", "--center", "114.055,22.541", "--graticule",
                               "--inset", "--template", str(template), "--georef"])
    assert code == 0
    text = _text(out)
    assert "1:25,000" in text and "位置图 Overview" in text and "°" in text
    assert "测试应急管理局" in text and "密级：内部" in text and "粤S(2026)001号" in text
    assert "命令行测试" not in text.splitlines()[0]  # the title: no place in this dataset's title
    info = subprocess.run(["gdalinfo", str(out)], capture_output=True, text=True, check=True)
    assert "Transverse Mercator" in info.stdout and "Origin =" in info.stdout  # georeferenced


def test_a_yaml_template_and_a_bad_one(run_cli, data_dir, tmp_path, capsys):
    template = tmp_path / "bureau.yaml"
    template.write_text("organisation: 测试应急管理局  # 制图单位\nclassification: 内部\n",
                        encoding="utf-8")
    out = tmp_path / "m.pdf"
    code, _, _ = run_cli(["pdf", "--data", str(data_dir), "--out", str(out), "--template",
                          str(template)])
    assert code == 0
    text = _text(out)
    assert "测试应急管理局" in text and "密级：内部" in text
    bad = tmp_path / "bad.yml"
    bad.write_text("organisation: 某局\nfonts: [1\n", encoding="utf-8")
    with pytest.raises(CliError, match=r"--template: template .*bad.yml: not valid YAML "
                                       r"\(line 3, column 1"):
        run_cli(["pdf", "--data", str(data_dir), "--out", str(tmp_path / "n.pdf"),
                 "--template", str(bad)])
    assert not (tmp_path / "n.pdf").exists()


@pytest.mark.parametrize(("name", "argv", "magic"), [
    ("map.png", ["--dpi", "100"], b"\x89PNG"),
    ("map.svg", [], b"<?xml"),
    ("slide", ["--format", "png", "--dpi", "72"], b"\x89PNG"),
    ("map.tif", ["--dpi", "72"], b"II*\x00"),
])
def test_png_and_svg_from_the_suffix_or_format(run_cli, data_dir, tmp_path, capsys, name, argv,
                                               magic):
    out = tmp_path / name
    code, _, _ = run_cli(["pdf", "--data", str(data_dir), "--out", str(out), *argv])
    assert code == 0 and out.read_bytes()[:len(magic)] == magic


@pytest.mark.parametrize(("argv", "match"), [
    (["--out", "m.png", "--georef"], r"--georef needs --format pdf"),
    (["--out", "m.png", "--format", "svg"], r"suffix .png does not match --format svg"),
    (["--out", "m.pdf", "--scale", "30000"], r"standard series"),
    (["--out", "m.pdf", "--center", "114"], r"--center must be LON,LAT"),
    (["--out", "m.pdf", "--dpi", "9000"], r"--dpi must be"),
    (["--out", "m.pdf", "--template", "missing.json"], r"--template: .*cannot read"),
    (["--out", "m.pdf", "--atlas", "a.pdf"], r"cannot be combined"),
])
def test_new_option_errors(run_cli, data_dir, tmp_path, capsys, monkeypatch, argv, match):
    monkeypatch.chdir(tmp_path)
    with pytest.raises((CliError, SystemExit)) as info:
        run_cli(["pdf", "--data", str(data_dir), *argv])
    message = str(info.value) if isinstance(info.value, CliError) else capsys.readouterr().err
    assert re.search(match, message), message
    assert list(tmp_path.iterdir()) == []


def test_atlas_pdf(run_cli, data_dir, tmp_path, capsys):
    out = tmp_path / "atlas.pdf"
    code, stdout, _ = run_cli(["pdf", "--data", str(data_dir), "--atlas", str(out)])
    assert code == 0 and "3 幅分区图" in stdout and "6 skipped" in stdout
    pages = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True,
                           check=True).stdout
    assert re.search(r"Pages:\s+4\b", pages)
    index = _text(out, "-l", "1")
    assert "目录" in index and "福田区" in index and "无内容" in index
    assert "罗湖区安全风险分布图" in _text(out, "-f", "2", "-l", "2")


# ---------------------------------------------------------------------------------------------
# issue 13: the downwind area of an incident


def test_wind_incident_pdf_has_the_downwind_area_and_row(run_cli, data_dir, tmp_path, capsys):
    out = tmp_path / "leak.pdf"
    code, stdout, _ = run_cli(["pdf", "--data", str(data_dir), "--out", str(out), "--lon",
                               "114.055", "--lat", "22.541", "--radii-km", "1,2",
                               "--wind-from", "45", "--downwind-km", "3", "--tables"])
    assert code == 0 and out.exists()
    page1 = " ".join(_text(out, "-l", "1").split())
    assert "下风向防护区 Downwind area (风向 45°, 3 km)" in page1
    assert "风向 45°" in page1.split("下风向防护区")[0]  # the subtitle says the wind too
    page2 = " ".join(_text(out, "-f", "2").split())
    assert "下风向防护区 Downwind area 0–3 km" in page2
    plain = tmp_path / "plain.pdf"
    run_cli(["pdf", "--data", str(data_dir), "--out", str(plain), "--lon", "114.055",
             "--lat", "22.541", "--radii-km", "1,2", "--tables"])
    assert "下风向" not in _text(plain)


def test_downwind_defaults_to_the_outer_radius(run_cli, data_dir, tmp_path, capsys):
    out = tmp_path / "w.pdf"
    run_cli(["pdf", "--data", str(data_dir), "--out", str(out), "--lon", "114.055", "--lat",
             "22.541", "--radii-km", "0.5,2", "--wind-from", "360"])
    assert "(风向 0°, 2 km)" in " ".join(_text(out).split())


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--lon", "114.055", "--lat", "22.541", "--downwind-km", "3"], r"needs a wind direction"),
        (["--wind-from", "45"], r"--wind-from 需要事发点 / --wind-from needs an incident"),
        (["--downwind-km", "3"], r"--downwind-km needs an incident"),
        (["--lon", "114.055", "--lat", "22.541", "--wind-from", "400"], r"0–360"),
        (["--lon", "114.055", "--lat", "22.541", "--wind-from", "90", "--downwind-km", "-2"],
         r"downwind distance.*kilometres, got -2"),
        (["--lon", "114.055", "--lat", "22.541", "--wind-from", "90", "--downwind-km", "500"],
         r"downwind distance.*km"),
        (["--incident", "99"], r"no incident 99"),
        (["--incident", "1", "--lon", "114.055", "--lat", "22.541"], r"cannot be combined"),
        (["--incident", "1", "--radii-km", "1,2"], r"cannot be combined with --radii-km"),
    ],
)
def test_bad_wind_is_a_cli_error_and_writes_nothing(run_cli, data_dir, tmp_path, capsys, argv,
                                                    match):
    out = tmp_path / "map.pdf"
    with pytest.raises(CliError, match=match):
        run_cli(["pdf", "--data", str(data_dir), "--out", str(out), *argv])
    assert list(tmp_path.iterdir()) == []


def test_saved_incident_prints_with_its_place_radii_and_wind(run_cli, data_dir, tmp_path,
                                                            capsys):
    from data.incidents import Incident, incidents_for

    root = tmp_path / "data"
    shutil.copytree(data_dir, root)
    number = incidents_for(FileStore(root)).add(Incident(
        lon=114.06, lat=22.545, radii_m=(800.0, 2500.0), type="hazmat",
        wind_from_deg=225.0, downwind_m=4000.0))
    out = tmp_path / "saved.pdf"
    run_cli(["pdf", "--data", str(root), "--out", str(out), "--incident", str(number),
             "--tables"])
    page1 = " ".join(_text(out, "-l", "1").split())
    assert "(风向 225°, 4 km)" in page1 and "0.8–2.5 km" in page1
    assert f"事件 {number} 事发点 114.0600°E, 22.5450°N" in page1
    assert "下风向防护区 Downwind area 0–4 km" in " ".join(_text(out, "-f", "2").split())
    # --wind-from replaces the saved wind, the saved reach is kept
    again = tmp_path / "again.pdf"
    run_cli(["pdf", "--data", str(root), "--out", str(again), "--incident", str(number),
             "--wind-from", "90"])
    assert "(风向 90°, 4 km)" in " ".join(_text(again).split())
    with pytest.raises(SystemExit):
        run_cli(["pdf", "--data", str(root), "--out", str(again), "--incident", "0"])
