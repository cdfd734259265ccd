"""The incident tab keeps the whole incident: wind and downwind in the form, reopening restores
every field, several incidents open (chips, kept in the session store), the history of updates,
the priority table's grade order, and the exports of the current incident (callbacks called
directly, as a signed-in commander)."""

import io
import json
import shutil
import zipfile

import dash
import flask
import pytest

from data.accounts import User
from data.incidents import Incident, IncidentStore
from ui import access, ids
from ui.panels.incident import current_after_write, export_download, place, save_or_delete
from ui.panels.incident_session import close_open, history_view, restore_open, track_open
from ui.state import AppState

COMMANDER = User(name="wang", role="commander")
WHERE = {"click": None, "search": None, "saved_id": None, "tab": "incident"}


@pytest.fixture
def fresh_state(small_sample, tmp_path):
    root = tmp_path / "sample"
    shutil.copytree(small_sample, root)
    return AppState(root)


@pytest.fixture
def signed_in():
    app = flask.Flask(__name__)
    ctx = app.test_request_context("/_dash-update-component", method="POST")
    ctx.push()
    access.set_current_user(COMMANDER)
    yield
    ctx.pop()


def _typed(state, lon="114.05", lat="22.60", radii="1,5,10", wind="", downwind="",
           previous=None, trigger=ids.INC_LOCATE, lang="zh"):
    return place(state, trigger=trigger, lon_text=lon, lat_text=lat, radii_text=radii,
                 lang=lang, wind_text=wind, downwind_text=downwind, previous=previous, **WHERE)


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), ensure_ascii=False, default=str)


def test_the_downwind_box_sets_the_area_and_bad_values_are_refused_in_km(fresh_state):
    out = _typed(fresh_state, wind="90", downwind="4")
    current, command = out[0], out[5]
    assert (current["wind_from_deg"], current["downwind_m"]) == (90.0, 4000.0)
    assert command["downwind"]["geometry"]["type"] == "Polygon"
    assert _typed(fresh_state, wind="90")[0]["downwind_m"] == 10000.0  # the outer radius
    for wind, downwind, words in [("90", "150", "at most 100 km, got 150 km"),
                                  ("", "3", "needs a wind direction"),
                                  ("90", "abc", "number of km"), ("400", "", "0–360")]:
        bad = _typed(fresh_state, wind=wind, downwind=downwind)
        assert bad[0] is dash.no_update and bad[4] is dash.no_update  # nothing recomputed
        assert words in str(bad[3].children) and bad[3].className == "error"


def test_a_saved_wind_incident_reopens_with_every_field(fresh_state, signed_in):
    current = _typed(fresh_state, lon="114.06", lat="22.55", radii="0.5,3", wind="225",
                     downwind="6")[0]
    written, _ = save_or_delete(fresh_state, trigger=ids.INC_SAVE, current=current,
                                kind="gas", note="阀门泄漏", saved_id=None, lang="zh")
    new_id = written["saved"]
    saved = IncidentStore(fresh_state.store.db).get(new_id)
    assert (saved.wind_from_deg, saved.downwind_m, saved.type) == (225.0, 6000.0, "gas")
    assert current_after_write(current, written)["id"] == new_id
    # another place on the form, then Open: every field comes back
    reopened = place(fresh_state, trigger=ids.INC_OPEN, click=None, search=None,
                     lon_text="113.9", lat_text="22.5", radii_text="1,5,10", saved_id=new_id,
                     tab="incident", lang="zh", wind_text="", downwind_text="")
    assert reopened[1:3] == ("114.060000", "22.550000")
    assert tuple(reopened[6:]) == ("0.5,3", "gas", "阀门泄漏", "225", "6")
    assert reopened[0] == {"lon": 114.06, "lat": 22.55, "radii_m": [500.0, 3000.0],
                           "wind_from_deg": 225.0, "downwind_m": 6000.0, "id": new_id}
    assert reopened[5]["downwind"] is not None
    # a new wind keeps the id (same place); a new place does not
    again = _typed(fresh_state, lon="114.06", lat="22.55", radii="0.5,3", wind="180",
                   downwind="6", previous=reopened[0], trigger=ids.INC_RADII)
    assert again[0]["id"] == new_id and again[0]["wind_from_deg"] == 180.0
    moved = _typed(fresh_state, lon="114.07", lat="22.55", previous=reopened[0])
    assert moved[0]["id"] is None
    # Update keeps the same incident and records what changed
    written, _ = save_or_delete(fresh_state, trigger=ids.INC_UPDATE, current=again[0],
                                kind="gas", note="阀门泄漏", saved_id=new_id, lang="zh")
    assert written == {"updated": new_id}
    history = IncidentStore(fresh_state.store.db).history(new_id)
    assert history[-1]["changes"] == {"wind_from_deg": {"from": 225.0, "to": 180.0}}
    view = history_view(fresh_state, new_id, "zh")
    assert "风向 225° → 180°" in _text(view) and "wang" in _text(view)
    assert "wind from 225° → 180°" in _text(history_view(fresh_state, new_id, "en"))
    assert history_view(fresh_state, None, "zh") is None


def test_several_incidents_open_as_chips_kept_in_the_session(fresh_state):
    store = IncidentStore(fresh_state.store.db)
    a = store.add(Incident(lon=114.05, lat=22.6, type="fire", note="仓库"))
    b = store.add(Incident(lon=114.06, lat=22.55, type="gas"))
    session, options, chosen = track_open(fresh_state, {"id": a}, None, None, "zh")
    assert [o["value"] for o in options] == [a] and chosen == a
    assert options[0]["label"] == f"#{a} 火灾爆炸 · 仓库"
    session, options, chosen = track_open(fresh_state, {"id": b}, session, a, "zh")
    assert [o["value"] for o in options] == [a, b] and chosen == b
    assert session == {"open": [{"id": a, "label": f"#{a} 火灾爆炸 · 仓库"},
                                {"id": b, "label": f"#{b} 燃气泄漏"}], "current": b}
    # the chosen chip is already the current incident: nothing to change
    assert track_open(fresh_state, {"id": b}, session, b, "zh")[2] is dash.no_update
    # choosing chip a opens incident a (its form and rings)
    out = place(fresh_state, trigger=ids.INC_OPEN_LIST, click=None, search=None,
                lon_text=None, lat_text=None, radii_text=None, saved_id=None, tab="incident",
                lang="zh", previous={"id": b, "lon": 114.06, "lat": 22.55}, chip=a)
    assert out[0]["id"] == a and out[7] == "fire"
    same = place(fresh_state, trigger=ids.INC_OPEN_LIST, click=None, search=None,
                 lon_text=None, lat_text=None, radii_text=None, saved_id=None, tab="incident",
                 lang="zh", previous=out[0], chip=a)
    assert all(v is dash.no_update for v in same)
    # a new, unsaved place keeps the chips and chooses none
    kept, options, chosen = track_open(fresh_state, {"id": None}, session, b, "zh")
    assert len(options) == 2 and chosen is None and kept["current"] is None
    # Close drops the chosen chip only
    closed, options, chosen = close_open(session, b)
    assert [o["value"] for o in options] == [a] and chosen is None
    # after a reload (the language switch) the chips come back and the chosen one is opened,
    # once; a share link's incident wins
    assert restore_open(1700000000000, session, None, None) == (True, options[:0] + [
        {"label": f"#{a} 火灾爆炸 · 仓库", "value": a},
        {"label": f"#{b} 燃气泄漏", "value": b}], b)
    assert all(v is dash.no_update for v in restore_open(1700000000001, session, True, None))
    assert all(v is dash.no_update for v in restore_open(-1, session, None, None))
    assert restore_open(1700000000000, session, None, 99)[2] is dash.no_update


def test_the_priority_table_sorts_grade_by_severity_and_shows_major_hazards(fresh_state):
    import dash_ag_grid as dag

    result = _typed(fresh_state, radii="1,5,10")[4]
    table = next(c for c in _walk(result) if getattr(c, "id", None) == ids.INC_PRIORITY_TABLE)
    assert isinstance(table, dag.AgGrid)
    columns = {c["field"]: c for c in table.columnDefs}
    grade = columns["grade_rank"]
    ranks = {int(v): label for v, label in grade["refData"].items()}  # the rank, its label
    assert ranks == {1: "重大风险", 2: "较大风险", 3: "一般风险", 4: "低风险"}
    assert sorted(ranks, key=ranks.get) != sorted(ranks)  # by text it would not be severity
    # sorted by the severity comparator of assets/riskmap-grid.js, most severe first
    assert grade["comparator"] == {"function": "riskmapBySeverity"}
    assert grade["sortingOrder"][0] == "desc"
    assert {r["grade_rank"] for r in table.rowData} <= set(ranks)
    # yellow and blue rows are there only as major hazard sources
    assert all(row["major_label"] == "是" for row in table.rowData if row["grade_rank"] > 2)
    assert set(row["major_label"] for row in table.rowData) <= {"是", "—"}
    assert [c["headerName"] for c in table.columnDefs][:3] == ["名称", "等级", "重大危险源"]
    # cells are text: no column renders HTML
    assert not any("cellRenderer" in c for c in table.columnDefs)
    assert not getattr(table, "dangerously_allow_code", False)
    assert table.dashGridOptions["localeText"]["nextPage"] == "下一页"
    checkpoints = next(c for c in _walk(result) if getattr(c, "id", None) ==
                       "inc-checkpoint-table")
    lon = next(c for c in checkpoints.columnDefs if c["field"] == "lon")
    assert lon["valueFormatter"] == {"function": "riskmapFixed(params.value, 6)"}
    assert all(r["lon"] == round(r["lon"], 6) for r in checkpoints.rowData)


def test_the_grids_speak_english_in_english(fresh_state):
    result = _typed(fresh_state, radii="1,5,10", lang="en")[4]
    grids = {getattr(c, "id", None): c for c in _walk(result)
             if type(c).__name__ == "AgGrid"}
    assert set(grids) == {ids.INC_PRIORITY_TABLE, "inc-evac-table", "inc-checkpoint-table"}
    pri = grids[ids.INC_PRIORITY_TABLE]
    assert [c["headerName"] for c in pri.columnDefs][:3] == ["Name", "Grade", "Major hazards"]
    assert pri.columnDefs[1]["refData"] == {"1": "Major risk (red)", "2": "High risk (orange)",
                                            "3": "Moderate risk (yellow)", "4": "Low risk (blue)"}
    assert pri.dashGridOptions["localeText"] == {}  # AG Grid's own English
    assert {r["major_label"] for r in pri.rowData} <= {"yes", "—"}
    zones = {r["zone_label"] for r in pri.rowData}  # the zone's English name, not 管制区
    assert zones and zones <= {"Core zone (no entry)", "Traffic-control zone", "Warning zone"}


def test_the_kml_of_the_current_wind_incident_has_its_point_and_downwind_area(fresh_state,
                                                                               signed_in):
    current = _typed(fresh_state, wind="45", downwind="5")[0]
    written, msg = save_or_delete(fresh_state, trigger=ids.INC_SAVE, current=current,
                                  kind="hazmat", note="储罐<泄漏>", saved_id=None, lang="zh")
    briefing = next(c for c in _walk(msg) if getattr(c, "id", None) == "inc-share-briefing")
    assert briefing.href == f"/share/{written['saved']}/briefing.pdf?lang=zh"
    current = current_after_write(current, written)
    sent, _ = export_download(fresh_state, fmt="kml", current=current, lang="zh")
    kml = sent["content"]
    import base64

    text = base64.b64decode(kml).decode("utf-8") if sent.get("base64") else kml
    assert "<styleUrl>#incident</styleUrl>" in text and "<styleUrl>#downwind</styleUrl>" in text
    assert "储罐&lt;泄漏&gt;" in text and "wind from 45°" in text
    sent, _ = export_download(fresh_state, fmt="csv", current=current, lang="zh")
    raw = base64.b64decode(sent["content"])
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert {"downwind.csv", "incident.csv"} <= set(zf.namelist())
        zones = zf.read("zones.csv").decode("utf-8-sig")
    assert "hazards_major_open" in zones


def test_a_district_user_gets_no_chip_for_an_incident_outside_their_districts(fresh_state):
    store = IncidentStore(fresh_state.store.db)
    inside = store.add(Incident(lon=113.93, lat=22.52, type="fire", note="南山仓库"))
    outside = store.add(Incident(lon=114.13, lat=22.55, type="gas", note="罗湖管线"))
    app = flask.Flask(__name__)
    with app.test_request_context("/_dash-update-component", method="POST"):
        access.set_current_user(User(name="li", role="commander", districts=("南山区",)))
        fresh_state.scope = access.scope
        try:
            # the current-incident store is browser data: a forged id outside is not labelled
            refused = track_open(fresh_state, {"id": outside}, None, None, "zh")
            assert all(v is dash.no_update for v in refused)
            session, options, chosen = track_open(fresh_state, {"id": inside}, None, None, "zh")
            assert [o["value"] for o in options] == [inside] and "南山仓库" in options[0]["label"]
        finally:
            fresh_state.scope = lambda: None
