"""The incident tab's nearest-teams block (ui/panels/incident_resources.py), called directly."""

from __future__ import annotations

import json

import flask
import pytest
import shapely

from data.accounts import User
from layers.bridge import ROUTES
from ui import access
from ui.panels.incident_resources import ROUTES_ID, layout, nearest_block

PLACE = {"lon": 114.0579, "lat": 22.5431, "radii_m": [1000.0, 5000.0, 10000.0]}


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), ensure_ascii=False, default=lambda c:
                      c.to_plotly_json() if hasattr(c, "to_plotly_json") else str(c))


def _call(state, current=PLACE, **kw):
    args = {"n": 3, "item": None, "quantity": 0, "show": ["show"], "lang": "en", **kw}
    return nearest_block(state, current, **args)


def test_layout_has_the_inputs_in_both_languages(state):
    zh, en = _text(layout(state, "zh")), _text(layout(state, "en"))
    assert "最近救援队伍" in zh and "Nearest rescue teams" in en
    for key in ("inc-res-n", "inc-res-item", "inc-res-quantity", "inc-res-routes",
                "inc-res-result"):
        assert key in zh


def test_teams_table_and_road_routes(state, small_dataset):
    view, cmd = _call(state)
    text = _text(view)
    assert "inc-res-teams" in text and "Minutes" in text and "Route (km)" in text
    assert cmd["type"] == ROUTES and cmd["id"] == ROUTES_ID and cmd["legend"]
    assert len(cmd["routes"]) == 3
    teams = small_dataset.layer("rescue_teams").set_index("name")
    for route in cmd["routes"]:
        path = route["path"]
        assert len(path) > 2  # follows the road, not one straight segment
        start = teams.loc[route["label"]].geometry
        assert shapely.Point(path[0]).distance(start) < 0.02  # from the team (snap slack)
        assert shapely.Point(path[-1]).distance(shapely.Point(114.0579, 22.5431)) < 0.02
        line = shapely.LineString(path)
        assert line.length >= shapely.Point(path[0]).distance(shapely.Point(path[-1]))
    minutes = [float(r["rows"][1][1]) for r in cmd["routes"]]
    assert minutes == sorted(minutes)


def test_depots_with_enough_of_an_item(state, small_dataset):
    depots = small_dataset.layer("material_depots")
    item = depots["item"].value_counts().index[0]
    need = float(depots.loc[depots["item"] == item, "quantity"].median())
    view, cmd = _call(state, item=item, quantity=need)
    assert "inc-res-depots" in _text(view)
    stock = [r for r in cmd["routes"] if r["colour"] == "#ef6c00"]
    assert stock and all(item in r["rows"][0][1] for r in stock)
    huge = _call(state, item=item, quantity=1e12)[0]
    assert "No depot holds enough" in _text(huge)


def test_routes_off_clears_the_map_and_no_incident_asks_for_one(state):
    view, cmd = _call(state, show=[])
    assert "inc-res-teams" in _text(view)
    assert cmd == {"type": ROUTES, "id": ROUTES_ID}
    view, cmd = _call(state, current=None, lang="zh")
    assert "事发点" in _text(view) and cmd == {"type": ROUTES, "id": ROUTES_ID}


@pytest.mark.parametrize(("kw", "match"), [
    ({"n": 0}, "whole number from 1 to 20"), ({"n": 2.5}, "whole number"),
    ({"quantity": -3, "item": "x"}, "Quantity must be"),
    ({"item": "不存在的物资"}, "no depot stocks"),
    ({"current": {"lon": 114.3, "lat": 22.2, "radii_m": [1000.0]}}, "in the sea"),
    ({"current": {"lon": 500, "lat": 22.2, "radii_m": [1000.0]}}, "lon"),
])
def test_bad_input_is_a_message(state, kw, match):
    view, cmd = _call(state, **kw)
    assert match in _text(view) and "Traceback" not in _text(view)
    assert cmd == {"type": ROUTES, "id": ROUTES_ID}


def test_a_district_user_gets_their_districts_teams(state, small_dataset):
    nanshan = small_dataset.districts.set_index("name").geometry["南山区"].representative_point()
    current = {"lon": nanshan.x, "lat": nanshan.y, "radii_m": [1000.0]}
    with flask.Flask(__name__).test_request_context("/"):
        access.set_current_user(User(name="ns", role="analyst", districts=("南山区",)))
        _, cmd = _call(state, current=current, n=5)
    teams = small_dataset.layer("rescue_teams").set_index("name")
    assert cmd["routes"]
    assert {teams.loc[r["label"], "district"] for r in cmd["routes"]} == {"南山区"}
