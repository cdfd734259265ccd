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


@pytest.mark.parametrize("angle, relief, words", [
    (100, 10, "坡度阈值须为 5–80°，收到 100"),
    (2, 10, "收到 2"),
    (None, 10, "收到 （空）"),
    (25, 0, "高差阈值须为 1–500 米，收到 0"),
    (25, 900, "收到 900"),
])
def test_out_of_range_thresholds_are_refused_not_replaced(state, angle, relief, words):
    view, commands = run(state, what="slopes", angle=angle, relief=relief, lang="zh")
    assert words in view.children and commands == []
    view, _ = run(state, what="slopes", angle=angle, relief=relief, lang="en")
    assert "must be" in view.children
