"""``riskmap briefing``: the one-page A4 field briefing PDF, from a saved incident or a place."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from data.incidents import Incident, incidents_for
from data.store import FileStore
from risk.cordon import exposure, validate_incident
from ui.cli import CliError, main

CENTER = (114.0579, 22.5431)  # the incident point of the cordon_dataset fixture (conftest.py)
pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None,
                       reason="poppler-utils (pdftotext) not installed"),
    pytest.mark.usefixtures("font_cache"),
]


def text_of(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def page_count(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_briefing_of_a_place_with_wind(run_cli, cordon_dataset, tmp_path):
    out = tmp_path / "b.pdf"
    code, stdout, _ = run_cli(["briefing", "--data", str(cordon_dataset), "--lon", str(CENTER[0]),
                               "--lat", str(CENTER[1]), "--wind-from", "270", "--downwind-km",
                               "8", "--type", "燃气泄漏", "--out", str(out)])
    assert code == 0 and f"wrote {out}" in stdout
    assert page_count(out) == 1
    text = text_of(out)
    assert "燃气泄漏" in text and "福田区" in text
    assert "下风向防护区" in text and "270°" in text and "8 km" in text
    # the roster: every crossing of 深南大道 with the 5 and 10 km rings, to 6 decimals
    from data.dataset import Dataset

    dataset = Dataset.load(FileStore(cordon_dataset))
    cps = exposure(dataset.layers, validate_incident(*CENTER)).checkpoints
    assert len(cps) == 4
    for lon, lat in zip(cps["lon"], cps["lat"], strict=True):
        assert f"{lon:.6f}" in text and f"{lat:.6f}" in text
    assert "深南大道" in text
    assert "莲花山" in text  # the shelter to evacuate to (7 km, beyond the control zone)


def test_briefing_of_a_saved_incident_with_its_qr_code(run_cli, cordon_dataset, tmp_path):
    store = FileStore(cordon_dataset)
    number = incidents_for(store).add(Incident(lon=CENTER[0], lat=CENTER[1], type="fire",
                                               note="仓库起火", radii_m=(1000.0, 5000.0)))
    out = tmp_path / "saved.pdf"
    code, _, _ = run_cli(["briefing", "--data", str(cordon_dataset), "--incident", str(number),
                          "--lang", "en", "--url", "https://risk.example.gov.cn/",
                          "--out", str(out)])
    assert code == 0
    text = text_of(out)
    assert f"Incident #{number}" in text and "Fire / explosion" in text and "仓库起火" in text
    assert "Scan to open" in text  # the QR code of the share link
    assert "Warning zone" not in text  # the saved radii: 1 and 5 km only


@pytest.mark.parametrize(("argv", "message"), [
    (["--incident", "999"], "no incident 999"),
    (["--incident", "1", "--lon", "114", "--lat", "22.5"], "cannot be combined with --lon/--lat"),
    (["--lon", "114.05"], "give --incident ID, or both --lon and --lat"),
    (["--lon", "114.05", "--lat", "22.54", "--url", "http://h/"], "--url needs --incident"),
    (["--lon", "114.05", "--lat", "22.54", "--downwind-km", "5"], "needs a wind direction"),
    (["--lon", "114.05", "--lat", "22.54", "--type", "地震"], "unknown incident `type`"),
    (["--lon", "150", "--lat", "22.54"], "--lon/--lat/--radii-km/--type"),
])
def test_bad_input_is_refused_in_words_and_writes_nothing(run_cli, cordon_dataset, tmp_path,
                                                          argv, message):
    out = tmp_path / "x.pdf"
    with pytest.raises(CliError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_cli(["briefing", "--data", str(cordon_dataset), *argv, "--out", str(out)])
    assert not out.exists()


def test_out_folder_and_argument_checks(cordon_dataset, tmp_path, capsys):
    base = ["briefing", "--data", str(cordon_dataset), "--lon", str(CENTER[0]), "--lat",
            str(CENTER[1])]
    assert main([*base, "--out", str(tmp_path / "missing" / "b.pdf")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    for bad in (["--wind-from", "400"], ["--wind-from", "x"], ["--downwind-km", "0"],
                ["--incident", "0"]):
        with pytest.raises(SystemExit):
            main([*base, *bad, "--out", str(tmp_path / "b.pdf")])
    err = capsys.readouterr().err
    assert "--wind-from must be 0–360 degrees" in err and "--downwind-km must be" in err
    assert not (tmp_path / "b.pdf").exists()
