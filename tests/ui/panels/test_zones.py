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


IDS = [{"grade": "red"}, {"grade": "orange"}, {"grade": "yellow"}, {"grade": "blue"}]
TH_IDS = [{"grade": "red"}, {"grade": "orange"}, {"grade": "yellow"}]


@pytest.mark.parametrize("args, kwargs, words", [
    (("grid", [None] * 4, IDS, 10, "square", "max"), {}, "网格大小须为 50–50,000 米，收到 10"),
    (("grid", [None] * 4, IDS, None, "square", "max"), {}, "收到 （空）"),
    (("influence", [50_000, None, None, None], IDS, 1000, "square", "max"), {},
     "重大风险影响半径须为 1–20,000 米，收到 50000"),
    (("grid", [None] * 4, IDS, 200, "hex", "score"),
     {"breaks": "quantile", "threshold_values": [100, 80, 50], "threshold_ids": TH_IDS},
     "重大风险阈值须为 0–100 之间的百分位"),
    (("grid", [None] * 4, IDS, 200, "hex", "score"),
     {"breaks": "absolute", "threshold_values": [4, 12, 30], "threshold_ids": TH_IDS},
     "红 ≥ 橙 ≥ 黄"),
])
def test_out_of_range_form_values_are_refused_with_a_message(args, kwargs, words):
    from ui.panels.zones import FormError

    with pytest.raises(FormError, match=words):
        params_of(*args, **kwargs)
    with pytest.raises(FormError):
        params_of(*args, **kwargs, lang="en")


def test_thresholds_from_the_form_grade_200_m_hexagons_in_every_grade(state):
    params = params_of("grid", [None] * 4, IDS, 200, "hex", "score", breaks="quantile",
                       threshold_values=[95, 80, 50], threshold_ids=TH_IDS)
    assert params["breaks"] == "quantile" and params["thresholds"]["red"] == 95.0
    zones = state_zones(state, params)
    assert set(zones["grade"].dropna()) == {"red", "orange", "yellow", "blue"}
    _, view, command = show(state, trigger=ids.ZON_RUN, params=params, lang="zh")
    assert {f["properties"]["grade"] for f in command["geojson"]["features"]} == {
        "red", "orange", "yellow", "blue"}


def test_zones_follow_the_analyst_filter(state):
    from ui.panels.zones import analyst_filter

    flt = analyst_filter(["red"], [], ["南山区"], False, None)
    params = params_of("grid", [None] * 4, IDS, 1000, "square", "max", enterprise_filter=flt)
    zones = state_zones(state, params)
    ents = state.dataset.enterprises
    assert int(zones["n_total"].sum()) == int(((ents["grade"] == "red")
                                               & (ents["district"] == "南山区")).sum())
    import datetime as dt

    late = analyst_filter(None, [], [], False, 6, today=dt.date(2026, 12, 1))
    assert late["inspected_before"] == "2026-06-01"
