"""The JSON API /api/v1 (ui/api.py): tokens, roles x routes, district limits, bad input, the
cordon JSON against ``riskmap cordon``, incidents and imports with their audit rows, OpenAPI."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from pathlib import Path

import pytest
import shapely

from data.accounts import MAX_FAILED_LOGINS, Accounts
from data.store import FileStore
from ui import api

PASSWORD = "secret-pw-1"
ROLES = ("analyst", "commander", "planner", "data", "admin")
NANSHAN = "南山区"


def _users(store) -> None:
    acc = Accounts(store.db)
    for role in ROLES:
        acc.add(role, role=role, password=PASSWORD, actor="test")
    acc.add("ns", role="commander", password=PASSWORD, districts=[NANSHAN], actor="test")


def _client(store):
    from ui.app import create_app

    app = create_app(store, warm=False)
    return app.server.test_client()


def _token(client, name: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/api/v1/token", json={"username": name, "password": password})
    assert r.status_code == 200, r.json
    return {"Authorization": f"Bearer {r.json['access_token']}"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory, small_sample: Path) -> Path:
    """A copy of the small sample with one user per role and a 南山区 commander (``ns``)."""
    root = tmp_path_factory.mktemp("api") / "ds"
    shutil.copytree(small_sample, root)
    _users(FileStore(root))
    return root


@pytest.fixture(scope="module")
def client(folder: Path):
    return _client(FileStore(folder))


@pytest.fixture(scope="module")
def headers(client) -> dict[str, dict[str, str]]:
    """A bearer header per user name."""
    return {name: _token(client, name) for name in (*ROLES, "ns")}


@pytest.fixture(scope="module")
def border(small_dataset):
    """A point on the 南山区 / 福田区 border, one inside 福田区 and one inside 南山区."""
    d = small_dataset.districts.set_index("name").geometry
    line = shapely.intersection(d[NANSHAN].boundary, d["福田区"].boundary)
    on = line.interpolate(0.5, normalized=True)
    futian, nanshan = d["福田区"].representative_point(), d[NANSHAN].representative_point()
    return (on.x, on.y), (futian.x, futian.y), (nanshan.x, nanshan.y)


def _error(r, code: int) -> str:
    assert r.status_code == code, (r.status_code, r.data[:300])
    assert r.is_json and isinstance(r.json["error"], str) and r.json["error"], r.data[:300]
    assert "Traceback" not in r.json["error"]
    return r.json["error"]


# -- tokens -----------------------------------------------------------------------------------


def test_token_answer_and_me(client):
    r = client.post("/api/v1/token", json={"username": "ns", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json
    assert body["token_type"] == "Bearer" and body["role"] == "commander"
    assert body["districts"] == [NANSHAN]
    from datetime import datetime

    left = datetime.fromisoformat(body["expires_at"]).timestamp() - time.time()
    assert left == pytest.approx(api.TOKEN_SECONDS, abs=60)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json["name"] == "ns" and me.json["districts"] == [NANSHAN]
    assert "incident.write" in me.json["actions"] and "import" not in me.json["actions"]


def test_token_expires(client, monkeypatch):
    from itsdangerous.timed import TimestampSigner

    head = _token(client, "analyst")
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: real(self) + api.TOKEN_SECONDS - 60)
    assert client.get("/api/v1/me", headers=head).status_code == 200
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: real(self) + api.TOKEN_SECONDS + 60)
    assert "过期" in _error(client.get("/api/v1/me", headers=head), 401)


def test_forged_and_malformed_tokens_are_401(client, headers):
    token = headers["admin"]["Authorization"].split()[1]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    _error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}), 401)
    _error(client.get("/api/v1/me", headers={"Authorization": "Bearer"}), 401)
    r = client.get("/api/v1/me")
    _error(r, 401)


def test_wrong_password_is_401_and_audited(client, folder):
    r = client.post("/api/v1/token", json={"username": "planner", "password": "nope-nope"})
    assert "密码错误" in _error(r, 401)
    _error(client.post("/api/v1/token", json={"username": "nobody", "password": "x" * 9}), 401)
    rows = FileStore(folder).db.audit_rows(action="login.failed")
    assert rows[-1]["target"] == "nobody" and rows[-1]["detail"]["source"] == "api"
    assert rows[-2]["target"] == "planner" and rows[-2]["ok"] is False


def test_locked_after_repeated_failures(tmp_path, small_sample):
    root = tmp_path / "ds"
    shutil.copytree(small_sample, root)
    Accounts(FileStore(root).db).add("li", role="analyst", password=PASSWORD, actor="t")
    client = _client(FileStore(root))
    for _ in range(MAX_FAILED_LOGINS):
        _error(client.post("/api/v1/token", json={"username": "li", "password": "bad-bad-1"}),
               401)
    message = _error(client.post("/api/v1/token",
                                 json={"username": "li", "password": PASSWORD}), 401)
    assert "锁定" in message and "locked" in message


def test_disabled_user_and_new_password_end_tokens(tmp_path, small_sample):
    root = tmp_path / "ds"
    shutil.copytree(small_sample, root)
    acc = Accounts(FileStore(root).db)
    acc.add("li", role="analyst", password=PASSWORD, actor="t")
    acc.add("wu", role="analyst", password=PASSWORD, actor="t")
    client = _client(FileStore(root))
    li, wu = _token(client, "li"), _token(client, "wu")
    acc.set_disabled("li", True, actor="t")
    _error(client.get("/api/v1/me", headers=li), 401)
    acc.set_disabled("li", False, actor="t")
    _error(client.get("/api/v1/me", headers=li), 401)  # still the old token: refused
    acc.passwd("wu", "another-pw-2", actor="t")
    _error(client.get("/api/v1/me", headers=wu), 401)
    assert client.get("/api/v1/me", headers=_token(client, "wu", "another-pw-2")).status_code == 200


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"username": 5, "password": "x"}',
                                  b'{"username": "admin"}'])
def test_token_bad_body_is_400(client, body):
    _error(client.post("/api/v1/token", data=body, content_type="application/json"), 400)


# -- roles x routes ---------------------------------------------------------------------------


def _matrix_requests(client, headers):
    """``{route: callable(head) -> response}`` for every protected route."""
    made = client.post("/api/v1/incidents", json={"lon": 114.0579, "lat": 22.5431},
                       headers=headers["admin"]).json["id"]

    def delete(head):
        new = client.post("/api/v1/incidents", json={"lon": 114.06, "lat": 22.54},
                          headers=headers["admin"]).json["id"]
        return client.delete(f"/api/v1/incidents/{new}", headers=head)

    return {
        "GET /me": lambda h: client.get("/api/v1/me", headers=h),
        "GET /cordon": lambda h: client.get("/api/v1/cordon?lon=114.0579&lat=22.5431",
                                            headers=h),
        "GET /incidents": lambda h: client.get("/api/v1/incidents", headers=h),
        "POST /incidents": lambda h: client.post("/api/v1/incidents",
                                                 json={"lon": 114.05, "lat": 22.55}, headers=h),
        "GET /incidents/{id}": lambda h: client.get(f"/api/v1/incidents/{made}", headers=h),
        "PATCH /incidents/{id}": lambda h: client.patch(f"/api/v1/incidents/{made}",
                                                        json={"note": "巡查"}, headers=h),
        "DELETE /incidents/{id}": delete,
        # replace without confirm: 409 for those who may import, nothing written
        "POST /import/{layer}": lambda h: client.post(
            "/api/v1/import/shelters", headers=h, content_type="multipart/form-data",
            data={"file": (io.BytesIO(b"name,lon,lat\n"), "s.csv"), "mode": "replace"}),
        "GET /audit": lambda h: client.get("/api/v1/audit", headers=h),
    }


_LOWEST = {"GET /me": "analyst", "GET /cordon": "analyst", "GET /incidents": "analyst",
           "GET /incidents/{id}": "analyst", "POST /incidents": "commander",
           "PATCH /incidents/{id}": "commander", "DELETE /incidents/{id}": "commander",
           "POST /import/{layer}": "data", "GET /audit": "admin"}
_OK = {"POST /incidents": 201, "POST /import/{layer}": 409}


def test_role_route_matrix(client, headers):
    requests = _matrix_requests(client, headers)
    assert set(requests) == set(_LOWEST)
    seen = {}
    for route, call in requests.items():
        for role in ROLES:
            allowed = ROLES.index(role) >= ROLES.index(_LOWEST[route])
            r = call(headers[role])
            seen[route, role] = r.status_code
            if allowed:
                assert r.status_code == _OK.get(route, 200), (route, role, r.json)
            else:
                assert "无权" in _error(r, 403), (route, role)
        # no credentials (a same-site Origin, so that the CSRF check lets it through): 401
        _error(call({"Origin": "http://localhost"}), 401)
    assert len(seen) == len(_LOWEST) * len(ROLES)


# -- districts --------------------------------------------------------------------------------


def test_district_user_cordon_counts_only_their_districts(client, headers, border, small_dataset):
    from risk.cordon import validate_incident
    from ui.commands.cordon import cordon_json

    (lon, lat), _, _ = border
    url = f"/api/v1/cordon?lon={lon}&lat={lat}&radii_km=1,3,6"
    mine, everyone = (client.get(url, headers=headers[n]).json for n in ("ns", "admin"))

    def total(doc):
        return sum(sum(z["enterprises"].values()) for z in doc["zones"])

    assert 0 < total(mine) < total(everyone)
    view = small_dataset.restricted([NANSHAN])
    expected = cordon_json(view, validate_incident(lon, lat, (1000, 3000, 6000),
                                                   region=view.region))
    assert json.loads(json.dumps(expected)) == mine
    assert {e["district"] for e in mine["priority_enterprises"]} <= {NANSHAN}


def test_district_user_incidents(client, headers, border):
    _, (fu_lon, fu_lat), ns = border
    r = client.post("/api/v1/incidents", json={"lon": fu_lon, "lat": fu_lat},
                    headers=headers["ns"])
    assert "不在您负责的区内" in _error(r, 403)
    futian = client.post("/api/v1/incidents", json={"lon": fu_lon, "lat": fu_lat},
                         headers=headers["admin"]).json["id"]
    mine = client.post("/api/v1/incidents", json={"lon": ns[0], "lat": ns[1]},
                       headers=headers["ns"])
    assert mine.status_code == 201
    listed = client.get("/api/v1/incidents?limit=1000", headers=headers["ns"]).json
    ids = {i["id"] for i in listed["incidents"]}
    assert mine.json["id"] in ids and futian not in ids and listed["total"] == len(ids)
    everyone = client.get("/api/v1/incidents?limit=1000", headers=headers["admin"]).json
    assert everyone["total"] > listed["total"]
    _error(client.get(f"/api/v1/incidents/{futian}", headers=headers["ns"]), 403)
    _error(client.delete(f"/api/v1/incidents/{futian}", headers=headers["ns"]), 403)
    moved = client.patch(f"/api/v1/incidents/{mine.json['id']}",
                         json={"lon": fu_lon, "lat": fu_lat}, headers=headers["ns"])
    _error(moved, 403)
    _error(client.post("/api/v1/import/shelters", headers=headers["ns"]), 403)


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "lat=22.5", "lon=114.05", "lon=abc&lat=22.5", "lon=114.05&lat=95",
    "lon=114.05&lat=22.5&radii_km=5,1", "lon=114.05&lat=22.5&radii_km=x",
    "lon=114.05&lat=22.5&wind_from=400", "lon=0&lat=0",
])
def test_cordon_bad_input_is_400(client, headers, query):
    _error(client.get(f"/api/v1/cordon?{query}", headers=headers["analyst"]), 400)


@pytest.mark.parametrize("body", [
    {"lat": 22.5}, {"lon": "x", "lat": 22.5}, {"lon": 114.05, "lat": 22.5, "type": "地震"},
    {"lon": 114.05, "lat": 22.5, "colour": "red"}, {"lon": 114.05, "lat": 22.5, "radii_m": 5},
    {"lon": 114.05, "lat": 22.5, "radii_km": "1,5", "radii_m": [1000]},
    {"lon": 114.05, "lat": 22.5, "note": "x" * 10_001},
])
def test_incident_bad_input_is_400(client, headers, body):
    _error(client.post("/api/v1/incidents", json=body, headers=headers["commander"]), 400)


def test_other_bad_input(client, headers):
    h = headers["admin"]
    _error(client.post("/api/v1/incidents", data="{", content_type="application/json",
                       headers=h), 400)
    _error(client.patch("/api/v1/incidents/1", json={}, headers=h), 400)
    _error(client.get("/api/v1/incidents?limit=5000", headers=h), 400)
    _error(client.get("/api/v1/incidents?offset=-1", headers=h), 400)
    _error(client.get("/api/v1/incidents/999999", headers=h), 404)
    _error(client.get("/api/v1/audit?since=yesterday", headers=h), 400)
    _error(client.get("/api/v1/no-such-route", headers=h), 404)
    assert "PUT" in _error(client.put("/api/v1/incidents", headers=h), 405)
    _error(client.post("/api/v1/import/planets", headers=h), 404)
    _error(client.post("/api/v1/import/shelters", headers=h), 400)  # no file
    _error(client.post("/api/v1/import/shelters", headers=h, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"a"), "a.csv"), "mode": "merge"}), 400)


# -- results ----------------------------------------------------------------------------------


def test_cordon_json_identical_to_cli(client, headers, folder, capsys):
    from ui.cli import main

    assert main(["cordon", "--lon", "114.0579", "--lat", "22.5431", "--radii-km", "1,5,10",
                 "--wind-from", "90", "--data", str(folder)]) == 0
    cli = json.loads(capsys.readouterr().out)
    r = client.get("/api/v1/cordon?lon=114.0579&lat=22.5431&radii_km=1,5,10&wind_from=90",
                   headers=headers["analyst"])
    assert r.status_code == 200
    assert r.json == cli


def test_incident_changes_are_audited(client, headers, folder):
    h = headers["commander"]
    new = client.post("/api/v1/incidents", json={"lon": 114.0579, "lat": 22.5431,
                                                 "radii_km": [1, 3], "type": "危化品泄漏",
                                                 "note": "储罐"}, headers=h)
    assert new.status_code == 201
    item = new.json
    assert item["radii_m"] == [1000.0, 3000.0] and item["type"] == "hazmat"
    changed = client.patch(f"/api/v1/incidents/{item['id']}", json={"note": "已控制",
                                                                    "radii_m": [500, 2000]},
                           headers=h)
    assert changed.json["note"] == "已控制" and changed.json["radii_m"] == [500.0, 2000.0]
    got = client.get(f"/api/v1/incidents/{item['id']}", headers=h).json
    assert [h["action"] for h in got.pop("history")] == ["create", "update"]
    assert got == changed.json
    assert client.delete(f"/api/v1/incidents/{item['id']}", headers=h).json == {
        "deleted": item["id"]}
    _error(client.get(f"/api/v1/incidents/{item['id']}", headers=h), 404)
    rows = [r for r in FileStore(folder).db.audit_rows()
            if r["ids"] == [str(item["id"])] and r["action"].startswith("incident.")]
    assert [(r["action"], r["actor"]) for r in rows] == [
        ("incident.create", "commander"), ("incident.update", "commander"),
        ("incident.delete", "commander")]
    logins = FileStore(folder).db.audit_rows(action="login.ok")
    assert any(r["actor"] == "commander" and r["detail"]["source"] == "api" for r in logins)


def test_incident_wind_and_history(client, headers):
    h = headers["commander"]
    new = client.post("/api/v1/incidents", json={"lon": 114.0579, "lat": 22.5431,
                                                 "radii_km": "1,4", "wind_from_deg": 135},
                      headers=h)
    assert new.status_code == 201
    item = new.json
    assert (item["wind_from_deg"], item["downwind_m"]) == (135.0, 4000.0)  # default: outer
    changed = client.patch(f"/api/v1/incidents/{item['id']}",
                           json={"wind_from_deg": 200, "downwind_m": 2500, "lon": 114.06},
                           headers=h).json
    assert (changed["wind_from_deg"], changed["downwind_m"], changed["id"]) == (
        200.0, 2500.0, item["id"])
    assert changed["updated"]
    got = client.get(f"/api/v1/incidents/{item['id']}", headers=h).json
    update = got["history"][-1]
    assert update["actor"] == "commander" and update["action"] == "update"
    assert update["changes"]["wind_from_deg"] == {"from": 135.0, "to": 200.0}
    assert update["changes"]["lon"] == {"from": 114.0579, "to": 114.06}
    assert "could not" not in _error(client.patch(f"/api/v1/incidents/{item['id']}",
                                                  json={"wind_from_deg": 400}, headers=h), 400)
    assert "needs a wind" in _error(client.post("/api/v1/incidents", json={
        "lon": 114.0579, "lat": 22.5431, "downwind_m": 3000}, headers=h), 400)
    assert "at most 100 km" in _error(client.get(
        "/api/v1/cordon?lon=114.0579&lat=22.5431&wind_from=90&downwind_km=150", headers=h), 400)
    doc = client.get("/api/v1/cordon?lon=114.0579&lat=22.5431&wind_from=90&downwind_km=3",
                     headers=h).json
    assert doc["downwind"]["distance_m"] == 3000.0
    cleared = client.patch(f"/api/v1/incidents/{item['id']}", json={"wind_from_deg": None},
                           headers=h).json
    assert (cleared["wind_from_deg"], cleared["downwind_m"]) == (None, None)
    client.delete(f"/api/v1/incidents/{item['id']}", headers=h)


def test_incident_pages(client, headers):
    h = headers["admin"]
    for k in range(3):
        client.post("/api/v1/incidents", json={"lon": 114.05 + k / 100, "lat": 22.55},
                    headers=h)
    total = client.get("/api/v1/incidents", headers=h).json["total"]
    first = client.get("/api/v1/incidents?limit=2", headers=h).json
    second = client.get("/api/v1/incidents?limit=2&offset=2", headers=h).json
    assert first["total"] == second["total"] == total >= 3
    assert len(first["incidents"]) == 2
    assert not {i["id"] for i in first["incidents"]} & {i["id"] for i in second["incidents"]}
    client.post("/api/v1/incidents", json={"lon": 114.05, "lat": 22.55, "note": "码头储罐起火"},
                headers=h)
    found = client.get("/api/v1/incidents?search=储罐起火", headers=h).json
    assert found["total"] == 1 and found["incidents"][0]["note"] == "码头储罐起火"


def test_import_append_replace_and_audit(tmp_path, small_sample):
    root = tmp_path / "ds"
    shutil.copytree(small_sample, root)
    _users(FileStore(root))
    client = _client(FileStore(root))
    h = _token(client, "data")
    before = len(FileStore(root).read_layer("shelters"))
    csv = ("id,name,shelter_type,lon,lat,capacity\nX1,新避难场所,emergency,114.05,22.55,300\n"
           "X2,坏行,emergency,abc,22.55,10\n").encode()
    r = client.post("/api/v1/import/shelters", headers=h, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(csv), "s.csv"), "mode": "append"})
    assert r.status_code == 200, r.json
    body = r.json
    assert (body["accepted"], body["rejected"], body["written"]) == (1, 1, True)
    assert body["rejected_rows"] and body["rejected_rows"][0]["reason"]
    assert isinstance(body["version"], int)
    assert len(FileStore(root).read_layer("shelters")) == before + 1
    refused = client.post("/api/v1/import/shelters", headers=h,
                          content_type="multipart/form-data",
                          data={"file": (io.BytesIO(csv), "s.csv"), "mode": "replace"})
    assert refused.status_code == 409 and refused.json["rows_to_remove"] == before + 1
    assert str(before + 1) in refused.json["error"]
    assert len(FileStore(root).read_layer("shelters")) == before + 1
    done = client.post("/api/v1/import/shelters", headers=h, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(csv), "s.csv"), "mode": "replace",
                             "confirm": "yes"})
    assert done.status_code == 200 and done.json["version"] > body["version"]
    assert len(FileStore(root).read_layer("shelters")) == 1
    actions = [(r["action"], r["actor"]) for r in FileStore(root).db.audit_rows()
               if r["target"] == "shelters"]
    assert ("layer.append", "data") in actions and ("layer.replace", "data") in actions
    after = client.get("/api/v1/cordon?lon=114.05&lat=22.55&radii_km=1",
                       headers=h).json
    assert sum(z["shelters"] for z in after["zones"]) == 1  # the served dataset was reloaded


def test_audit_route(client, headers):
    rows = client.get("/api/v1/audit?limit=5", headers=headers["admin"]).json
    assert rows["count"] == len(rows["rows"]) <= 5
    ats = [r["at"] for r in rows["rows"]]
    assert ats == sorted(ats)
    only = client.get("/api/v1/audit?action=login.ok&since=2000-01-01",
                      headers=headers["admin"]).json["rows"]
    assert only and {r["action"] for r in only} == {"login.ok"}


# -- OpenAPI ----------------------------------------------------------------------------------


def test_openapi_describes_every_route(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    rules = [r for r in client.application.url_map.iter_rules()
             if r.rule.startswith(api.PREFIX + "/") and r.endpoint != "api_v1.unknown"]
    assert len(rules) >= 9
    for rule in rules:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(api.PREFIX):])
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = doc["paths"][path][method.lower()]
            assert op["summary"] and op["responses"], (path, method)
            assert all(answer["description"] for answer in op["responses"].values())
            declared = {p["name"] for p in [*doc["paths"][path].get("parameters", []),
                                             *op.get("parameters", [])] if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (path, method)
            if op.get("security") != []:
                assert {"401", "403"} <= set(op["responses"]) or path == "/me", (path, method)


# -- both stores ------------------------------------------------------------------------------


def test_incidents_and_cordon_on_every_store(sample_any_store):
    _users(sample_any_store)
    client = _client(sample_any_store)
    h = _token(client, "commander")
    cordon = client.get("/api/v1/cordon?lon=114.0579&lat=22.5431", headers=h)
    assert cordon.status_code == 200 and len(cordon.json["zones"]) == 3
    new = client.post("/api/v1/incidents", json={"lon": 114.0579, "lat": 22.5431},
                      headers=h).json["id"]
    assert client.get("/api/v1/incidents", headers=h).json["total"] == 1
    client.patch(f"/api/v1/incidents/{new}", json={"type": "gas"}, headers=h)
    assert client.get(f"/api/v1/incidents/{new}", headers=h).json["type"] == "gas"
    assert client.delete(f"/api/v1/incidents/{new}", headers=h).status_code == 200
    actions = [r["action"] for r in sample_any_store.db.audit_rows()]
    assert actions[-3:] == ["incident.create", "incident.update", "incident.delete"]
    _error(client.get(f"/api/v1/incidents/{new}", headers=h), 404)


# -- without a token; failures ----------------------------------------------------------------


def test_local_mode_needs_no_token(tmp_path, small_sample):
    """Served on loopback with no accounts, ui.auth's single-user local mode is the user."""
    from data.accounts import LOCAL_USER

    root = tmp_path / "ds"
    shutil.copytree(small_sample, root)
    client = _client(FileStore(root))
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json["name"] == LOCAL_USER
    made = client.post("/api/v1/incidents", json={"lon": 114.0579, "lat": 22.5431},
                       headers={"Origin": "http://localhost"})
    assert made.status_code == 201
    assert FileStore(root).db.audit_rows(action="incident.create")[-1]["actor"] == LOCAL_USER


def test_database_down_is_503_and_a_bug_is_500_without_traceback(client, headers, monkeypatch):
    from data.incidents import IncidentStore
    from data.sysdb import StoreUnavailable

    def down(self, **kw):
        raise StoreUnavailable("无法连接数据库 / cannot reach the database: refused")

    monkeypatch.setattr(IncidentStore, "count", down)
    assert "cannot reach" in _error(client.get("/api/v1/incidents", headers=headers["admin"]),
                                    503)

    def bug(self, **kw):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(IncidentStore, "count", bug)
    message = _error(client.get("/api/v1/incidents", headers=headers["admin"]), 500)
    assert "secret" not in message and "internal error" in message
