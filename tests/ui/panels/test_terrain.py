"""The terrain tab's callbacks, called directly on the small sample."""

import pytest

from ui.panels.terrain import run
from ui.state import AppState


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
