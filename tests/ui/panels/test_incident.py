"""The incident tab's callbacks, called directly."""

import pytest
from pyproj import Geod

from ui import ids
from ui.panels.incident import parse_radii_km, place, save_or_delete
from ui.state import AppState


@pytest.fixture(scope="module")
def state(small_sample, tmp_path_factory):
    # a private copy so that saving incidents does not touch the shared sample
    import shutil

    root = tmp_path_factory.mktemp("incident_state")
    shutil.copytree(small_sample, root, dirs_exist_ok=True)
    return AppState(root)


def test_parse_radii_km():
    assert parse_radii_km("1,5,10") == (1000.0, 5000.0, 10000.0)
    assert parse_radii_km("1，5， 10") == (1000.0, 5000.0, 10000.0)
    assert parse_radii_km("") == (1000.0, 5000.0, 10000.0)
    with pytest.raises(ValueError, match="1,5,10"):
        parse_radii_km("one,five")


def test_click_outside_the_incident_tab_is_ignored(state):
    out = place(state, trigger=ids.MAP_CLICK, click={"lon": 114.05, "lat": 22.6}, search=None,
                lon_text=None, lat_text=None, radii_text="1,5,10", saved_id=None,
                tab="analysis", lang="zh")
    import dash

    assert all(v is dash.no_update for v in out)


def test_typed_coordinates_make_rings_and_a_map_command(state):
    current, lon, lat, msg, result, command, *_ = place(
        state, trigger=ids.INC_LOCATE, click=None, search=None, lon_text="114.05",
        lat_text="22.60", radii_text="1,5,10", saved_id=None, tab="incident", lang="zh")
    assert msg == ""
    assert current == {"lon": 114.05, "lat": 22.60, "radii_m": [1000.0, 5000.0, 10000.0]}
    assert command["type"] == "riskmap:incident" and command["fit"] is True
    zones = [f["properties"]["zone"] for f in command["rings"]["features"]]
    assert zones == ["core", "control", "warning"]
    geod = Geod(ellps="WGS84")
    outer = command["rings"]["features"][2]["geometry"]["coordinates"][0]
    for lon_v, lat_v in outer[:: max(1, len(outer) // 50)]:
        _, _, d = geod.inv(114.05, 22.60, lon_v, lat_v)
        assert d == pytest.approx(10_000, rel=1e-3)


@pytest.mark.parametrize(
    ("lon", "lat", "radii", "needle"),
    [("22.6", "114.05", "1,5,10", "swap"), ("200", "22", "1,5,10", "range"),
     ("116.4", "39.9", "1,5,10", "region"), ("114.05", "22.6", "5,1,10", "ascending"),
     ("114.05", "22.6", "-1,5", "positive"), ("abc", "22.6", "1,5,10", "number")],
)
def test_bad_input_gives_a_message_and_changes_nothing(state, lon, lat, radii, needle):
    import dash

    current, _, _, msg, result, command, *_ = place(
        state, trigger=ids.INC_LOCATE, click=None, search=None, lon_text=lon, lat_text=lat,
        radii_text=radii, saved_id=None, tab="incident", lang="en")
    assert current is dash.no_update and command is dash.no_update
    assert needle in str(msg.children).lower()


def test_save_and_delete_survive_a_new_state(state):
    current = {"lon": 114.05, "lat": 22.6, "radii_m": [1000.0, 5000.0, 10000.0]}
    options, msg = save_or_delete(state, trigger=ids.INC_SAVE, current=current, kind="fire",
                                  note="测试 <b>", saved_id=None, lang="zh")
    assert "已保存" in msg.children
    new_id = options[-1]["value"]
    reopened = AppState(state.data_dir)  # as after a restart
    _, _, _, _, _, command, *_ = place(
        reopened, trigger=ids.INC_OPEN, click=None, search=None, lon_text=None, lat_text=None,
        radii_text=None, saved_id=new_id, tab="incident", lang="zh")
    assert command["lon"] == pytest.approx(114.05) and command["lat"] == pytest.approx(22.6)
    options, msg = save_or_delete(reopened, trigger=ids.INC_DELETE, current=None, kind=None,
                                  note=None, saved_id=new_id, lang="zh")
    assert new_id not in [o["value"] for o in options]


def test_saving_nothing_is_refused(state):
    import dash

    options, msg = save_or_delete(state, trigger=ids.INC_SAVE, current=None, kind="fire",
                                  note="", saved_id=None, lang="en")
    assert options is dash.no_update and "Place an incident first" in msg.children


def test_search_by_partial_name_then_place_there(state):
    from ui.panels.incident import search_options

    ents = state.dataset.enterprises
    name = ents["name"].iloc[5]
    part = name[3:6]
    options = search_options(state, part, None)
    assert options and any(o["value"] == ents["id"].iloc[5] for o in options)
    assert all(part in o["label"] for o in options)
    current, *_, command, _, _, _ = place(state, trigger=ids.INC_SEARCH, click=None,
                                  search=ents["id"].iloc[5], lon_text=None, lat_text=None,
                                  radii_text="1,5,10", saved_id=None, tab="incident", lang="zh")
    point = ents.geometry.iloc[5]
    assert current["lon"] == pytest.approx(point.x) and current["lat"] == pytest.approx(point.y)


def test_wind_direction_adds_a_downwind_area(state):
    from ui.panels.incident import parse_wind

    assert parse_wind("") is None and parse_wind(" 90 ") == 90.0 and parse_wind("360") == 0.0
    with pytest.raises(ValueError, match="0–360"):
        parse_wind("400")
    current, _, _, msg, result, command, *_ = place(
        state, trigger=ids.INC_LOCATE, click=None, search=None, lon_text="114.05",
        lat_text="22.60", radii_text="1,5,10", saved_id=None, tab="incident", lang="zh",
        wind_text="90")
    assert current["wind_from_deg"] == 90.0
    ring = command["downwind"]["geometry"]["coordinates"][0]
    # wind from the east: the area lies west of the incident
    assert max(lon for lon, _ in ring) <= 114.05 + 1e-6
    assert min(lon for lon, _ in ring) < 114.05 - 0.05
    assert any(getattr(c, "id", None) == "inc-downwind" for c in result.children)


def test_opening_a_saved_incident_shows_its_radii_type_and_note(state):
    """Bug: opening a saved incident drew its radii but left the radii box (and type, note)
    showing the old values, so the next change recomputed with the wrong radii."""
    current = {"lon": 114.05, "lat": 22.6, "radii_m": [500.0, 2000.0]}
    options, _ = save_or_delete(state, trigger=ids.INC_SAVE, current=current, kind="fire",
                                note="储罐泄漏", saved_id=None, lang="zh")
    saved = max(o["value"] for o in options)
    out = place(state, trigger=ids.INC_OPEN, click=None, search=None, lon_text="114.10",
                lat_text="22.55", radii_text="1,5,10", saved_id=saved, tab="incident",
                lang="zh")
    assert out[0]["radii_m"] == [500.0, 2000.0]  # drawn with the saved radii
    assert tuple(out[6:]) == ("0.5,2", "fire", "储罐泄漏")  # and the form shows them
    # the next change (a new wind direction) recomputes with what the form now shows
    again = place(state, trigger=ids.INC_RADII, click=None, search=None, lon_text=out[1],
                  lat_text=out[2], radii_text=out[6], saved_id=saved, tab="incident",
                  lang="zh", wind_text="90")
    assert again[0]["radii_m"] == [500.0, 2000.0]


def test_one_request_validates_the_incident_once(state, monkeypatch):
    from risk.cordon import rings as rings_module
    from ui.panels.incident import export_download

    calls = []
    real = rings_module._incident_problems
    monkeypatch.setattr(rings_module, "_incident_problems",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    current, *_ = place(state, trigger=ids.INC_LOCATE, click=None, search=None,
                        lon_text="114.05", lat_text="22.60", radii_text="1,5,10", saved_id=None,
                        tab="incident", lang="zh", wind_text="45")
    assert current["radii_m"] == [1000.0, 5000.0, 10000.0] and len(calls) == 1
    calls.clear()
    data, _ = export_download(state, fmt="geojson", current=current, lang="zh")
    assert data["content"] and len(calls) == 1
    calls.clear()
    options, _ = save_or_delete(state, trigger=ids.INC_SAVE, current=current, kind="gas",
                                note="", saved_id=None, lang="zh")
    assert len(calls) == 1
    calls.clear()
    place(state, trigger=ids.INC_OPEN, click=None, search=None, lon_text=None, lat_text=None,
          radii_text=None, saved_id=max(o["value"] for o in options), tab="incident", lang="zh")
    assert len(calls) == 1


def test_map_messages_come_from_the_bridge(state):
    from layers.bridge import CLEAR_INCIDENT, INCIDENT

    *_, command, _, _, _ = place(state, trigger=ids.INC_LOCATE, click=None, search=None,
                                 lon_text="114.05", lat_text="22.60", radii_text="1,5",
                                 saved_id=None, tab="incident", lang="en")
    assert command["type"] == INCIDENT and len(command["rings"]["features"]) == 2
    cleared = place(state, trigger=ids.INC_CLEAR, click=None, search=None, lon_text=None,
                    lat_text=None, radii_text=None, saved_id=None, tab="incident", lang="en")
    assert cleared[5] == {"type": CLEAR_INCIDENT}
