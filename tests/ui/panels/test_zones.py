"""The zones tab's callbacks, called directly on the small sample."""

import pytest

from risk.zones import zone_summary
from ui import ids
from ui.panels.zones import params_of, show
from ui.workflows.zones import state_zones

PARAMS = {"method": "grid", "radii_m": {"red": 1000.0, "orange": 500.0, "yellow": 300.0,
                                        "blue": 100.0},
          "cell_m": 2000.0, "shape": "square", "grade_by": "max"}


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
