"""The resources tab's callbacks, called directly on the small sample."""

import json

import pytest

from ui.panels.resources import OVERLAY_IDS, layout, run


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), ensure_ascii=False, default=str)


def _call(state, what, **kw):
    args = {"minutes": 10, "kinds": [], "lon": 114.0579, "lat": 22.5431, "item": "吸附棉",
            "quantity": 0, "lang": "en", **kw}
    return run(state, what=what, **args)


@pytest.mark.parametrize("what,overlays", [("coverage", {"net-areas", "net-gaps"}),
                                           ("show", {"net-resources"}),
                                           ("nearest", {"net-routes"}),
                                           ("evacuate", {"net-evac"})])
def test_each_result_becomes_an_overlay_with_legend(state, what, overlays):
    view, commands = _call(state, what)
    drawn = [c for c in commands if c["type"] == "riskmap:overlay"]
    assert {c["id"] for c in drawn} == overlays, _text(view)
    assert overlays <= set(OVERLAY_IDS)
    if what in ("nearest", "evacuate"):  # the map is fitted to the routes
        assert [c["type"] for c in commands if c not in drawn] == ["riskmap:fit"]
    for cmd in drawn:
        assert cmd["type"] == "riskmap:overlay" and cmd["legend"] and cmd["title"]
        assert cmd["geojson"]["features"]
        assert all("_c" in f["properties"] for f in cmd["geojson"]["features"])


def test_coverage_view_reports_people_and_enterprises(state):
    view, _ = _call(state, "coverage", minutes=5)
    text = _text(view)
    assert "people" in text and "reached within 5 min" in text and "major hazards" in text


def test_place_in_the_sea_is_a_message_not_a_traceback(state):
    view, commands = _call(state, "nearest", lon=114.3, lat=22.2)
    assert commands == []
    assert "in the sea" in view.children
    view, commands = _call(state, "evacuate", lon=None, lat=None)
    assert commands == [] and "longitude" in view.children


def test_layout_lists_stock_alerts(state):
    text = _text(layout(state, "zh"))
    assert "库存预警" in text and ("低于下限" in text or "已过期" in text)
