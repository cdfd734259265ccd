"""The zones, terrain and print tabs' callbacks, called directly on the small sample."""

import base64
import subprocess

import pytest

from risk.zones import zone_summary
from ui import ids
from ui.panels.printing import export_pdf
from ui.panels.terrain import run
from ui.panels.zones import params_of, show
from ui.state import AppState
from ui.workflows.zones import state_zones

PARAMS = {"method": "grid", "radii_m": {"red": 1000.0, "orange": 500.0, "yellow": 300.0,
                                        "blue": 100.0},
          "cell_m": 2000.0, "shape": "square", "grade_by": "max"}


@pytest.fixture(scope="module")
def state(small_sample):
    return AppState(small_sample)


def test_params_from_the_form():
    p = params_of("influence", [800, None, 300, 100],
                  [{"grade": "red"}, {"grade": "orange"}, {"grade": "yellow"}, {"grade": "blue"}],
                  500, "hex", "score")
    assert p["radii_m"] == {"red": 800.0, "yellow": 300.0, "blue": 100.0}
    assert p["cell_m"] == 500.0 and p["shape"] == "hex" and p["grade_by"] == "score"


@pytest.mark.parametrize("method", ["influence", "grid", "admin"])
def test_zones_summary_and_overlay_agree(state, method):
    params = {**PARAMS, "method": method}
    stored, view, command = show(state, trigger=ids.ZON_RUN, params=params, lang="zh")
    assert stored == params
    zones = state_zones(state, params)
    summary = zone_summary(zones)
    graded = zones[zones["grade"].notna() & ~zones.geometry.is_empty]
    assert command["type"] == "riskmap:overlay" and command["id"] == "zones"
    assert len(command["geojson"]["features"]) == len(graded)
    assert {f["properties"]["grade"] for f in command["geojson"]["features"]} <= {
        "red", "orange", "yellow", "blue"}
    footer = view.children[2].children.children
    assert int(footer[3].children.replace(",", "")) == int(summary["enterprises"].sum())


def test_clearing_zones_removes_the_overlay(state):
    stored, view, command = show(state, trigger=ids.ZON_CLEAR, params=PARAMS, lang="zh")
    assert stored is None and command == {"type": "riskmap:overlay", "id": "zones"}


@pytest.mark.parametrize("what", ["slopes", "ponding", "shelters"])
def test_terrain_results_become_overlays_with_legends(state, what):
    view, commands = run(state, what=what, angle=25, relief=10, lang="en")
    assert commands, view
    for cmd in commands:
        assert cmd["type"] == "riskmap:overlay" and cmd["legend"] and cmd["title"]
        assert all("_c" in f["properties"] for f in cmd["geojson"]["features"])


def test_terrain_without_a_dem_says_so(tmp_path, small_sample):
    import shutil

    shutil.copytree(small_sample, tmp_path, dirs_exist_ok=True)
    (tmp_path / "dem.tif").unlink()
    view, commands = run(AppState(tmp_path), what="slopes", angle=25, relief=10, lang="en")
    assert commands == [] and "no DEM" in view.children


def test_pdf_of_the_current_view(state, tmp_path):
    data, msg = export_pdf(
        state, title="南山区 风险图", subtitle="", paper="A4", orientation="landscape",
        layers=["districts", "enterprises"], options=["view"],
        view={"bounds": [113.85, 22.48, 114.0, 22.6]}, grades=["red", "orange"], industries=[],
        districts=[], major=False, incident={"lon": 113.93, "lat": 22.53,
                                             "radii_m": [1000, 5000, 10000]},
        zone_params=None, lang="zh")
    assert msg.className == "ok"
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(base64.b64decode(data["content"]))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "南山区 风险图" in text and "重大风险" in text and "核心区" in text
    assert "低风险" not in text  # filtered out, so not in the legend


def test_pdf_needs_a_title_and_reports_bad_input(state):
    import dash

    data, msg = export_pdf(state, title="  ", subtitle="", paper="A4", orientation="landscape",
                           layers=["enterprises"], options=[], view=None, grades=None,
                           industries=[], districts=[], major=False, incident=None,
                           zone_params=None, lang="en")
    assert data is dash.no_update and "title" in msg.children
    data, msg = export_pdf(state, title="x", subtitle="", paper="A4", orientation="landscape",
                           layers=["enterprises"], options=["view"],
                           view={"bounds": [100.0, 10.0, 100.1, 10.1]}, grades=None,
                           industries=[], districts=[], major=False, incident=None,
                           zone_params=None, lang="en")
    assert data is dash.no_update and msg.className == "error"


def test_print_layers_follow_the_map():
    from layers.printmap import PRINT_LAYERS
    from ui.panels.printing import follow_map_layers

    got = follow_map_layers(["roads", "enterprises", "districts"], ["shelters"])
    assert got == [n for n in PRINT_LAYERS if n in {"roads", "enterprises", "districts"}]
    assert follow_map_layers(None, ["shelters"]) == ["shelters"]
    assert "labels" not in follow_map_layers(["labels", "enterprises"], [])
