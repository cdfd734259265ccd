"""The incident tab's callbacks, called directly (inside a request of a signed-in user)."""

import json
import shutil

import flask
import plotly.utils
import pytest
from pyproj import Geod

from data.accounts import User
from data.incidents import Incident, IncidentStore
from ui import access, ids
from ui.panels.incident import parse_radii_km, place, save_or_delete, saved_list
from ui.state import AppState

COMMANDER = User(name="wang", role="commander")


@pytest.fixture(scope="module")
def state(small_sample, tmp_path_factory):
    # a private copy so that saving incidents does not touch the shared sample
    root = tmp_path_factory.mktemp("incident_state")
    shutil.copytree(small_sample, root, dirs_exist_ok=True)
    return AppState(root)


@pytest.fixture
def fresh_state(small_sample, tmp_path):
    """A private copy of the sample with no saved incidents."""
    root = tmp_path / "sample"
    shutil.copytree(small_sample, root)
    return AppState(root)


@pytest.fixture
def signed_in():
    """Run the test inside a request whose user is ``signed_in(user)`` (default: a commander)."""
    app = flask.Flask(__name__)
    contexts = []

    def as_user(user=COMMANDER):
        ctx = app.test_request_context("/_dash-update-component", method="POST")
        ctx.push()
        contexts.append(ctx)
        access.set_current_user(user)
        return user

    as_user()
    yield as_user
    for ctx in reversed(contexts):
        ctx.pop()


def _save(state, current, **kw):
    """Save ``current`` through the callback; (new id or None, status text)."""
    written, msg = save_or_delete(state, trigger=ids.INC_SAVE, current=current,
                                  kind=kw.get("kind", "fire"), note=kw.get("note", ""),
                                  saved_id=None, lang=kw.get("lang", "zh"))
    return (None if not isinstance(written, dict) else written["saved"]), str(msg.children)


def _list_ids(state, search=None):
    return [o["value"] for o in saved_list(state, search, "zh")[0]]


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
    assert current == {"lon": 114.05, "lat": 22.60, "radii_m": [1000.0, 5000.0, 10000.0],
                       "wind_from_deg": None, "downwind_m": None, "id": None}
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
    [("22.6", "114.05", "1,5,10", "swap"), ("200", "22", "1,5,10", "outside -180"),
     ("116.4", "39.9", "1,5,10", "region"), ("114.05", "22.6", "5,1,10", "ascending"),
     ("114.05", "22.6", "-1,5", "positive"), ("abc", "22.6", "1,5,10", "not understood"),
     ("114.05", "", "1,5,10", "latitude is empty")],
)
def test_bad_input_gives_a_message_and_changes_nothing(state, lon, lat, radii, needle):
    import dash

    current, _, _, msg, result, command, *_ = place(
        state, trigger=ids.INC_LOCATE, click=None, search=None, lon_text=lon, lat_text=lat,
        radii_text=radii, saved_id=None, tab="incident", lang="en")
    assert current is dash.no_update and command is dash.no_update
    assert needle in str(msg.children).lower()


def test_save_and_delete_survive_a_new_state(state, signed_in):
    current = {"lon": 114.05, "lat": 22.6, "radii_m": [1000.0, 5000.0, 10000.0]}
    new_id, msg = _save(state, current, note="测试 <b>")
    assert "已保存" in msg
    assert _list_ids(state)[0] == new_id  # newest first
    reopened = AppState(state.data_dir)  # as after a restart
    _, _, _, _, _, command, *_ = place(
        reopened, trigger=ids.INC_OPEN, click=None, search=None, lon_text=None, lat_text=None,
        radii_text=None, saved_id=new_id, tab="incident", lang="zh")
    assert command["lon"] == pytest.approx(114.05) and command["lat"] == pytest.approx(22.6)
    written, msg = save_or_delete(reopened, trigger=ids.INC_DELETE, current=None, kind=None,
                                  note=None, saved_id=new_id, lang="zh")
    assert written == {"deleted": new_id} and "已删除" in msg.children
    assert new_id not in _list_ids(reopened)


def test_saving_nothing_is_refused(state, signed_in):
    import dash

    written, msg = save_or_delete(state, trigger=ids.INC_SAVE, current=None, kind="fire",
                                  note="", saved_id=None, lang="en")
    assert written is dash.no_update and "Place an incident first" in msg.children


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


def test_opening_a_saved_incident_shows_its_radii_type_and_note(state, signed_in):
    """Bug: opening a saved incident drew its radii but left the radii box (and type, note)
    showing the old values, so the next change recomputed with the wrong radii."""
    current = {"lon": 114.05, "lat": 22.6, "radii_m": [500.0, 2000.0]}
    saved, _ = _save(state, current, note="储罐泄漏")
    out = place(state, trigger=ids.INC_OPEN, click=None, search=None, lon_text="114.10",
                lat_text="22.55", radii_text="1,5,10", saved_id=saved, tab="incident",
                lang="zh")
    assert out[0]["radii_m"] == [500.0, 2000.0]  # drawn with the saved radii
    assert tuple(out[6:]) == ("0.5,2", "fire", "储罐泄漏", "", "")  # and the form shows them
    # the next change (a new wind direction) recomputes with what the form now shows
    again = place(state, trigger=ids.INC_RADII, click=None, search=None, lon_text=out[1],
                  lat_text=out[2], radii_text=out[6], saved_id=saved, tab="incident",
                  lang="zh", wind_text="90")
    assert again[0]["radii_m"] == [500.0, 2000.0]


def test_one_request_validates_the_incident_once(state, monkeypatch, signed_in):
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
    saved, _ = _save(state, current, kind="gas")
    assert len(calls) == 1
    calls.clear()
    place(state, trigger=ids.INC_OPEN, click=None, search=None, lon_text=None, lat_text=None,
          radii_text=None, saved_id=saved, tab="incident", lang="zh")
    assert len(calls) == 1


def test_map_messages_come_from_the_bridge(state):
    from layers.bridge import CLEAR_INCIDENT, INCIDENT

    _, _, _, _, _, command, *_ = place(state, trigger=ids.INC_LOCATE, click=None, search=None,
                                 lon_text="114.05", lat_text="22.60", radii_text="1,5",
                                 saved_id=None, tab="incident", lang="en")
    assert command["type"] == INCIDENT and len(command["rings"]["features"]) == 2
    cleared = place(state, trigger=ids.INC_CLEAR, click=None, search=None, lon_text=None,
                    lat_text=None, radii_text=None, saved_id=None, tab="incident", lang="en")
    assert cleared[5] == {"type": CLEAR_INCIDENT}


def test_map_rings_equal_the_geodataframe_rings_to_1e6(state):
    """The rings GeoJSON built from the vertex arrays is the one the GeoDataFrame made
    (snapped to 1e-6 degree, to_json): the same features, properties and vertices."""
    import shapely

    _, _, _, _, _, command, *_ = place(state, trigger=ids.INC_LOCATE, click=None, search=None,
                                 lon_text="114.05", lat_text="22.60", radii_text="1,5,10",
                                 saved_id=None, tab="incident", lang="zh")
    from risk.cordon import cordon_rings

    old = cordon_rings((114.05, 22.60))
    old["geometry"] = old.geometry.set_precision(1e-6)
    old_doc = json.loads(old.to_json())
    assert len(command["rings"]["features"]) == 3
    for new_f, old_f in zip(command["rings"]["features"], old_doc["features"], strict=True):
        # the map's features also carry the ring labels (label_zh, label_en)
        shared = {k: new_f["properties"][k] for k in old_f["properties"]}
        assert shared == old_f["properties"] and new_f["id"] == old_f["id"]
        a = shapely.geometry.shape(new_f["geometry"])
        b = shapely.geometry.shape(old_f["geometry"])
        assert shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), 1.0001e-6)
    json.dumps(command)  # plain JSON: no numpy values left
    # checkpoints drawn to 1e-6 degree, where the cordon found them
    from risk.cordon import exposure
    from ui.panels.incident import exposure_index

    cp = exposure(exposure_index(state), (114.05, 22.60)).checkpoints
    drawn = [f["geometry"]["coordinates"] for f in command["checkpoints"]["features"]]
    assert len(drawn) == len(cp) > 0
    for (x, y), want_x, want_y in zip(drawn, cp["lon"], cp["lat"], strict=True):
        assert (x, y) == pytest.approx((want_x, want_y), abs=5.1e-7)
        assert x == pytest.approx(round(x, 6), abs=1e-12)
        assert y == pytest.approx(round(y, 6), abs=1e-12)


def test_the_priority_table_holds_the_nearest_and_says_how_many_more(state, monkeypatch):
    from ui.panels import incident_view

    def answer():
        out = place(state, trigger=ids.INC_LOCATE, click=None, search=None, lon_text="114.05",
                    lat_text="22.60", radii_text="1,5,10", saved_id=None, tab="incident",
                    lang="en")
        return json.loads(json.dumps(out[4], cls=plotly.utils.PlotlyJSONEncoder))

    def find(node, pred):
        if isinstance(node, dict):
            if pred(node):
                return node
            node = list(node.values())
        if isinstance(node, list):
            for child in node:
                hit = find(child, pred)
                if hit is not None:
                    return hit
        return None

    full = answer()
    table = find(full, lambda n: n.get("id") == ids.INC_PRIORITY_TABLE)["rowData"]
    assert len(table) > 3  # the sample has more than three near (114.05, 22.60)
    assert find(full, lambda n: n.get("id") == "inc-priority-more") is None
    distances = [row["distance_m"] for row in table]
    assert distances == sorted(distances) and all(type(d) is int for d in distances)
    assert set(table[0]) == {"name", "grade_rank", "major_label", "zone_label", "distance_m",
                             "direction_en", "industry"}

    monkeypatch.setattr(incident_view, "PRIORITY_ROWS", 3)
    capped = answer()
    rows = find(capped, lambda n: n.get("id") == ids.INC_PRIORITY_TABLE)["rowData"]
    assert rows == table[:3]  # the nearest three, unchanged
    more = find(capped, lambda n: n.get("id") == "inc-priority-more")["children"]
    assert more == f"Showing the nearest 3; {len(table) - 3} more in the export (CSV)"
    heading = find(capped, lambda n: str(n.get("children", "")).startswith("Priority"))
    assert heading["children"].endswith(f"· {len(table):,}")  # the full count


# -- who may write, and where (issue 11) ---------------------------------------------------------

NANSHAN = (113.9458, 22.5508)  # inside 南山区 of the sample
LUOHU = (114.1365, 22.5744)  # inside 罗湖区


def _current(lon, lat):
    return {"lon": lon, "lat": lat, "radii_m": [1000.0, 5000.0, 10000.0]}


def test_save_and_delete_need_incident_write_declared_and_checked(fresh_state, signed_in):
    import dash

    from ui.panels import incident

    # the callback gate knows the save/delete callback by its output, which no other has
    assert incident.CALLBACK_ACTIONS == {ids.INC_WRITTEN: "incident.write"}
    app = dash.Dash(__name__, suppress_callback_exceptions=True)
    incident.register(app, fresh_state)
    writers = [k for k in app.callback_map if ids.INC_WRITTEN in k]
    assert len(writers) == 1
    inputs = {i["id"] for i in app.callback_map[writers[0]]["inputs"]}
    assert inputs == {ids.INC_SAVE, ids.INC_UPDATE, ids.INC_DELETE}
    # and the callback body checks again: an analyst may place rings but not save them
    signed_in(User(name="zhao", role="analyst"))
    new_id, msg = _save(fresh_state, _current(*NANSHAN))
    assert new_id is None and "无权" in msg and "commander" in msg
    signed_in(None)  # nobody signed in
    new_id, msg = _save(fresh_state, _current(*NANSHAN))
    assert new_id is None and "登录" in msg
    kept = IncidentStore(fresh_state.data_dir).add(Incident(lon=NANSHAN[0], lat=NANSHAN[1]))
    signed_in(User(name="zhao", role="analyst"))
    written, msg = save_or_delete(fresh_state, trigger=ids.INC_DELETE, current=None, kind=None,
                                  note=None, saved_id=kept, lang="en")
    assert written is dash.no_update and "not allowed" in msg.children
    assert [i.id for i in IncidentStore(fresh_state.data_dir).list()] == [kept]


def test_update_changes_the_chosen_incident(fresh_state, signed_in):
    import dash

    from ui.panels.incident import chosen_after

    assert chosen_after({"saved": 4}) == 4 and chosen_after({"updated": 5}) == 5
    assert chosen_after({"deleted": 4}) is None

    new_id, _ = _save(fresh_state, _current(*NANSHAN), note="初报")
    moved = {"lon": NANSHAN[0] + 0.01, "lat": NANSHAN[1], "radii_m": [500.0, 3000.0]}
    written, msg = save_or_delete(fresh_state, trigger=ids.INC_UPDATE, current=moved,
                                  kind="gas", note="续报：燃气", saved_id=new_id, lang="zh")
    assert written == {"updated": new_id} and "已更新" in msg.children
    got = IncidentStore(fresh_state.data_dir).get(new_id)
    assert (got.lon, got.radii_m, got.type, got.note) == (
        pytest.approx(NANSHAN[0] + 0.01), (500.0, 3000.0), "gas", "续报：燃气")
    [row] = fresh_state.store.db.audit_rows(action="incident.update")
    assert row["actor"] == "wang" and row["ids"] == [str(new_id)]
    # nothing chosen, bad radii, or an analyst: refused, nothing changes
    written, msg = save_or_delete(fresh_state, trigger=ids.INC_UPDATE, current=moved,
                                  kind="gas", note="", saved_id=None, lang="en")
    assert written is dash.no_update and "Choose a saved incident" in msg.children
    written, msg = save_or_delete(fresh_state, trigger=ids.INC_UPDATE,
                                  current={**moved, "radii_m": [3000.0, 500.0]}, kind="gas",
                                  note="", saved_id=new_id, lang="en")
    assert written is dash.no_update and "ascending" in msg.children
    signed_in(User(name="zhao", role="analyst"))
    written, msg = save_or_delete(fresh_state, trigger=ids.INC_UPDATE, current=moved,
                                  kind="fire", note="", saved_id=new_id, lang="zh")
    assert written is dash.no_update and "无权" in msg.children
    assert IncidentStore(fresh_state.data_dir).get(new_id).note == "续报：燃气"


def test_changes_are_audited_with_the_user(fresh_state, signed_in):
    before = len(fresh_state.store.db.audit_rows())  # the sample's own rows (its import)
    new_id, _ = _save(fresh_state, _current(*NANSHAN))
    save_or_delete(fresh_state, trigger=ids.INC_DELETE, current=None, kind=None, note=None,
                   saved_id=new_id, lang="zh")
    rows = fresh_state.store.db.audit_rows()
    assert len(rows) == before + 2  # nothing else was written
    mine = [(r["actor"], r["action"], r["ids"]) for r in rows
            if r["action"].startswith("incident.")]
    assert mine == [
        ("wang", "incident.create", [str(new_id)]), ("wang", "incident.delete", [str(new_id)])]


def test_a_district_user_sees_and_writes_only_their_districts(fresh_state, signed_in):
    import dash

    store = IncidentStore(fresh_state.data_dir)
    inside, outside = store.add_many([Incident(lon=NANSHAN[0], lat=NANSHAN[1], note="南山"),
                                      Incident(lon=LUOHU[0], lat=LUOHU[1], note="罗湖")])
    assert set(_list_ids(fresh_state)) == {inside, outside}
    signed_in(User(name="li", role="commander", districts=("南山区",)))
    fresh_state.scope = access.scope
    try:
        options, line = saved_list(fresh_state, None, "zh")
        assert [o["value"] for o in options] == [inside] and "共 1 条" in line
        assert _list_ids(fresh_state, "罗湖") == []
        # opening, saving or deleting one outside is refused, and nothing changes
        out = place(fresh_state, trigger=ids.INC_OPEN, click=None, search=None, lon_text=None,
                    lat_text=None, radii_text=None, saved_id=outside, tab="incident",
                    lang="zh")
        assert out[0] is dash.no_update and "南山区" in str(out[3].children)
        new_id, msg = _save(fresh_state, _current(*LUOHU))
        assert new_id is None and "不在您负责的区内" in msg
        written, msg = save_or_delete(fresh_state, trigger=ids.INC_DELETE, current=None,
                                      kind=None, note=None, saved_id=outside, lang="en")
        assert written is dash.no_update and "outside your districts" in msg.children
        written, msg = save_or_delete(fresh_state, trigger=ids.INC_UPDATE,
                                      current=_current(*NANSHAN), kind="fire", note="",
                                      saved_id=outside, lang="en")
        assert written is dash.no_update and "outside your districts" in msg.children
        new_id, _ = _save(fresh_state, _current(*NANSHAN))
        assert new_id is not None and set(_list_ids(fresh_state)) == {inside, new_id}
    finally:
        fresh_state.scope = lambda: None
    assert len(store) == 3


# -- 20,000 saved incidents (issue 12 item 6) -----------------------------------------------------

def _json_bytes(value) -> int:
    return len(json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder).encode("utf-8"))


def _many(state, n):
    """``n`` saved incidents, written straight into the table (the store's own add is tested
    in tests/data/test_incidents.py; here only the size of what the tab sends matters)."""
    from data.sysdb import incidents as table

    rows = [{"created": f"2026-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}+08:00",
             "lon": 113.95 + (i % 100) * 1e-3, "lat": 22.55 + (i // 100) * 1e-4,
             "radii_m": "[1000.0, 5000.0, 10000.0]", "type": "hazmat",
             "note": f"第{i}号 储罐泄漏，已疏散周边群众"} for i in range(n)]
    with state.store.db.transaction() as conn:
        conn.execute(table.insert(), rows)


LAYOUT_BYTES = 20_000
"""Upper bound of the tab's layout with 20,000 saved incidents (it was 2.25 MB)."""
ANSWER_BYTES = 12_000
"""Upper bound of a save answer plus the list refresh it triggers (it was 2.2 MB)."""


def test_the_layout_and_a_save_stay_small_with_20000_incidents(fresh_state, signed_in,
                                                              monkeypatch):
    from ui.panels import incident
    from ui.panels.incident import PAGE_SIZE, layout

    # the nearest-teams block (ui/panels/incident_resources.py) is measured by its own tests
    monkeypatch.setattr(incident, "incident_resources", None)
    _many(fresh_state, 20_000)
    page = layout(fresh_state, "zh")
    assert _json_bytes(page) < LAYOUT_BYTES
    saved = [c for c in _walk(page) if getattr(c, "id", None) == ids.INC_SAVED]
    assert len(saved[0].options) == PAGE_SIZE
    written, msg = save_or_delete(fresh_state, trigger=ids.INC_SAVE,
                                  current=_current(*NANSHAN), kind="gas", note="新",
                                  saved_id=None, lang="zh")
    options, line = saved_list(fresh_state, None, "zh")
    assert _json_bytes([written, msg]) + _json_bytes([options, line]) < ANSWER_BYTES
    assert options[0]["value"] == written["saved"] and "20001" in line
    # the others are found by the search on the server
    [found] = saved_list(fresh_state, "第12345号", "zh")[0]
    assert "第12345号" in found["label"]
    assert _list_ids(fresh_state, "#7") == [7]


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _walk(child)


# -- failing disks and locks (issue 12 item 5) ----------------------------------------------------

def _read_only(monkeypatch):
    import os

    import data.sysdb

    real = os.access
    monkeypatch.setattr(data.sysdb.os, "access",
                        lambda path, mode, **kw: False if mode & os.W_OK else real(path, mode))


def test_a_read_only_dataset_shows_incidents_and_refuses_saving(small_sample, tmp_path,
                                                                 monkeypatch, signed_in):
    from ui.panels.incident import layout

    root = tmp_path / "ro"
    shutil.copytree(small_sample, root)
    kept = IncidentStore(root).add(Incident(lon=NANSHAN[0], lat=NANSHAN[1], note="原有"))
    _read_only(monkeypatch)
    state = AppState(root)
    page = layout(state, "zh")  # the tab opens (it was HTTP 500)
    assert "只读" in json.dumps(page, cls=plotly.utils.PlotlyJSONEncoder, ensure_ascii=False)
    assert _list_ids(state) == [kept]
    new_id, msg = _save(state, _current(*NANSHAN))
    assert new_id is None and "未保存" in msg and "read-only" in msg
    monkeypatch.undo()
    assert _list_ids(AppState(root)) == [kept]


def test_disk_full_is_named_and_nothing_is_written(fresh_state, signed_in):
    import sqlite3

    import sqlalchemy as sa

    engine = fresh_state.store.db.engine

    def full(conn, cursor, sql, params, context, many):
        if sql.lstrip().upper().startswith("INSERT INTO AUDIT_LOG"):
            raise sqlite3.OperationalError("database or disk is full")

    sa.event.listen(engine, "before_cursor_execute", full)
    try:
        new_id, msg = _save(fresh_state, _current(*NANSHAN))
    finally:
        sa.event.remove(engine, "before_cursor_execute", full)
    assert new_id is None and "database or disk is full" in msg and "磁盘已满" in msg
    assert "cannot rollback" not in msg
    assert _list_ids(fresh_state) == []


def test_a_locked_database_is_refused_after_the_bounded_wait(small_sample, tmp_path,
                                                            monkeypatch, signed_in):
    import sqlite3

    import data.sysdb

    monkeypatch.setattr(data.sysdb, "LOCK_TIMEOUT_S", 0.2)
    root = tmp_path / "locked"
    shutil.copytree(small_sample, root)
    state = AppState(root)
    assert _list_ids(state) == []  # the records database is open
    other = sqlite3.connect(root / data.sysdb.DB_FILE, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        new_id, msg = _save(state, _current(*NANSHAN), lang="en")
        assert new_id is None and "busy" in msg and "not saved" in msg
        assert _list_ids(state) == []  # the list still reads
    finally:
        other.rollback()
        other.close()
    new_id, _ = _save(state, _current(*NANSHAN))
    assert _list_ids(state) == [new_id]


def _find(component, wanted):
    for c in _walk(component):
        if getattr(c, "id", None) == wanted:
            return c
    return None


@pytest.mark.parametrize(("lon", "lat"), [("114°03′00″E", "22度36分"), ("东经114.05", "N 22.6"),
                                          ("22.6N, 114.05E", ""), ("114.05 22.6", "")])
def test_typed_dms_and_one_box_pairs_place_the_incident(state, lon, lat):
    current, lon_out, lat_out, msg, *_ = place(
        state, trigger=ids.INC_LOCATE, click=None, search=None, lon_text=lon, lat_text=lat,
        radii_text="1,5,10", saved_id=None, tab="incident", lang="zh")
    assert msg == ""
    assert current["lon"] == pytest.approx(114.05) and current["lat"] == pytest.approx(22.6)
    assert (lon_out, lat_out) == ("114.050000", "22.600000")


def test_a_half_typed_place_waits_unless_place_is_pressed(state):
    import dash

    out = place(state, trigger=ids.INC_RADII, click=None, search=None, lon_text="114.05",
                lat_text="", radii_text="1,5,10", saved_id=None, tab="incident", lang="zh")
    assert out[0] is dash.no_update and out[3] == ""


def test_search_finds_an_address_and_shows_it(state):
    from ui.panels.incident import search_options

    ents = state.dataset.enterprises
    row = ents.iloc[11]
    options = search_options(state, str(row["address"]), None)
    assert options[0]["value"] == row["id"]
    assert str(row["address"]) in options[0]["label"] and str(row["name"]) in options[0]["label"]
    by_id = search_options(state, str(row["id"]), None)
    assert by_id[0]["value"] == row["id"]


def test_the_result_shows_sensitive_sites_and_open_hazards_per_zone(state):
    from risk.cordon import validate_incident
    from ui.commands.cordon import cordon_json

    _, _, _, _, result, *_ = place(
        state, trigger=ids.INC_LOCATE, click=None, search=None, lon_text="114.06",
        lat_text="22.56", radii_text="2,8,20", saved_id=None, tab="incident", lang="zh")
    doc = cordon_json(state.dataset, validate_incident(114.06, 22.56, (2000, 8000, 20000),
                                                       region=state.dataset.region))
    sens, hz = _find(result, "inc-sensitive-table"), _find(result, "inc-hazard-table")
    assert sens is not None and hz is not None
    sens_rows = sens.children[1].children
    hz_rows = hz.children[1].children
    assert [r.children[1].children for r in sens_rows] == [
        f"{z['sensitive_sites']['sites']:,}" for z in doc["zones"]]
    assert [(r.children[1].children, r.children[2].children) for r in hz_rows] == [
        (f"{z['hazards']['major_open']:,}", f"{z['hazards']['general_open']:,}")
        for z in doc["zones"]]
    assert sum(z["hazards"]["general_open"] for z in doc["zones"]) > 0
    assert sum(z["sensitive_sites"]["sites"] for z in doc["zones"]) > 0


def test_a_save_shows_the_share_link_and_its_qr_code(fresh_state, signed_in):
    written, msg = save_or_delete(fresh_state, trigger=ids.INC_SAVE, current=_current(114.05, 22.6),
                                  kind="fire", note="", saved_id=None, lang="en")
    new_id = written["saved"]
    link, qr = _find(msg, "inc-share-link"), _find(msg, "inc-share-qr")
    assert link.href == f"http://localhost/?incident={new_id}&lang=en" == link.children
    assert qr.src == f"/share/{new_id}/qr.svg?lang=en"


def test_enter_in_a_coordinate_box_and_a_share_link_are_wired(small_sample):
    from ui.app import create_app

    app = create_app(small_sample, warm=False)
    inputs = {}
    for cb in app.callback_map.values():
        for i in cb["inputs"]:
            inputs.setdefault(f"{i['id']}.{i['property']}", []).append(cb)
    place_cb = [cb for cb in inputs[f"{ids.INC_LON}.n_submit"]]
    assert place_cb and place_cb == inputs[f"{ids.INC_LAT}.n_submit"]
    assert any(f"{ids.INC_LOCATE}.n_clicks" in [f"{i['id']}.{i['property']}" for i in cb["inputs"]]
               for cb in place_cb)
    shared = inputs[f"{ids.SHARE_INCIDENT}.data"]
    assert len(shared) == 1
    listed = [c for c in app._callback_list
              if c["inputs"] == [{"id": ids.SHARE_INCIDENT, "property": "data"}]]
    assert listed and listed[0]["prevent_initial_call"] is False  # runs when the page loads


def test_a_shared_incident_opens_as_open_does_and_nothing_without_one(fresh_state, signed_in):
    import dash

    from ui.panels.incident import open_shared

    new_id, _ = _save(fresh_state, _current(114.05, 22.6), note="分享")
    out = open_shared(fresh_state, new_id, "zh")
    assert out[0]["lon"] == pytest.approx(114.05) and out[8] == "分享"
    assert out[5]["type"] == "riskmap:incident"
    assert all(v is dash.no_update for v in open_shared(fresh_state, None, "zh"))
    missing = open_shared(fresh_state, new_id + 999, "en")
    assert missing[0] is dash.no_update and str(missing[3].children)
