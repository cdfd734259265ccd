"""The resources tab's callbacks, called directly on the small sample."""

import json

import dash
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


def _pdf_text(data: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def _as(user):
    import flask

    from ui import access

    ctx = flask.Flask(__name__).test_request_context("/")
    ctx.push()
    access.set_current_user(user)
    return ctx


@pytest.mark.usefixtures("font_cache")
def test_pdf_export_needs_print_and_keeps_to_the_users_districts(state, tmp_path):
    import base64
    import io

    from pypdf import PdfReader

    from data.accounts import User
    from ui import ids
    from ui.panels.resources import CALLBACK_ACTIONS, export_pdf

    assert CALLBACK_ACTIONS == {ids.RES_PDF_DOWNLOAD: "print"}
    args = {"minutes": 10, "kinds": [], "lon": 114.0579, "lat": 22.5431, "lang": "zh"}
    ctx = _as(User("ana", "analyst"))
    try:
        download, message = export_pdf(state, what="coverage", **args)
    finally:
        ctx.pop()
    assert download is dash.no_update and "planner" in _text(message)
    from ui import access

    ctx = _as(User("plan", "planner", districts=("南山区",)))
    state.scope = access.scope  # as ui.auth sets it in the app
    try:
        download, message = export_pdf(state, what="coverage", **args)
        evac, _ = export_pdf(state, what="evacuate", **{**args, "lang": "en"})
        sea, why = export_pdf(state, what="evacuate", **{**args, "lon": 114.3, "lat": 22.2})
    finally:
        state.scope = lambda: None
        ctx.pop()
    data = base64.b64decode(download["content"])
    assert download["filename"].endswith(".pdf") and len(PdfReader(io.BytesIO(data)).pages) == 1
    text = _pdf_text(data, tmp_path)
    assert "南山区" in text and "福田区" not in text and "罗湖区" not in text
    etext = _pdf_text(base64.b64decode(evac["content"]), tmp_path)
    assert "Evacuation to shelters" in etext and "Cannot be placed" in etext
    assert sea is dash.no_update and "sea" in _text(why)
