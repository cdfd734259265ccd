"""GET /api/v1/nearest (ui/api_resources.py): roles, district view, bad input, same rows as
the workflow ``riskmap cordon --teams`` uses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from data.accounts import Accounts
from data.store import FileStore

PASSWORD = "secret-pw-1"
NANSHAN = "南山区"
URL = "/api/v1/nearest?lon=114.0579&lat=22.5431"


@pytest.fixture(scope="module")
def client(tmp_path_factory, small_sample: Path):
    from ui.app import create_app

    root = tmp_path_factory.mktemp("api-res") / "ds"
    shutil.copytree(small_sample, root)
    acc = Accounts(FileStore(root).db)
    acc.add("analyst", role="analyst", password=PASSWORD, actor="test")
    acc.add("ns", role="commander", password=PASSWORD, districts=[NANSHAN], actor="test")
    return create_app(FileStore(root), warm=False).server.test_client()


def _head(client, name: str) -> dict[str, str]:
    r = client.post("/api/v1/token", json={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json['access_token']}"}


def _error(r, code: int) -> str:
    assert r.status_code == code, (r.status_code, r.data[:300])
    assert r.is_json and r.json["error"] and "Traceback" not in r.json["error"]
    return r.json["error"]


def test_nearest_teams_and_depots_as_the_workflow_gives(client, small_dataset):
    from ui.workflows.network import nearest_for_cordon

    depots = small_dataset.layer("material_depots")
    item = depots["item"].value_counts().index[0]
    r = client.get(f"{URL}&n=3&item={item}&quantity=1", headers=_head(client, "analyst"))
    assert r.status_code == 200, r.json
    expected = nearest_for_cordon(small_dataset, 114.0579, 22.5431, n=3, item=item, quantity=1)
    assert r.json["teams"] == json.loads(json.dumps(expected["teams"]))
    assert r.json["depots"] == json.loads(json.dumps(expected["depots"]))
    assert len(r.json["teams"]) == 3 and r.json["depots"]
    assert (r.json["lon"], r.json["lat"]) == (114.0579, 22.5431)


def test_a_district_user_gets_their_districts_teams_only(client, small_dataset):
    lon, lat = small_dataset.districts.set_index("name").geometry[NANSHAN].representative_point().coords[0]
    r = client.get(f"/api/v1/nearest?lon={lon}&lat={lat}&n=10", headers=_head(client, "ns"))
    assert r.status_code == 200, r.json
    teams = small_dataset.layer("rescue_teams").set_index("id")
    assert r.json["teams"]
    assert {teams.loc[t["id"], "district"] for t in r.json["teams"]} == {NANSHAN}


@pytest.mark.parametrize(("query", "match"), [
    ("lat=22.5", "`lon`"), ("lon=abc&lat=22.5", "must be a number"),
    ("lon=114.05&lat=22.54&n=0", "`n`"), ("lon=114.05&lat=22.54&n=51", "`n`"),
    ("lon=114.05&lat=22.54&item=不存在", "no depot stocks"),
    ("lon=114.05&lat=22.54&quantity=-2&item=x", "`quantity`"),
    ("lon=114.3&lat=22.2", "sea"),  # in the sea, off the network
    ("lon=120&lat=30", ""),  # far outside the region
])
def test_bad_input_is_400(client, query, match):
    assert match in _error(client.get(f"/api/v1/nearest?{query}",
                                      headers=_head(client, "analyst")), 400)


def test_needs_credentials(client):
    _error(client.get(URL, headers={"Origin": "http://localhost"}), 401)


def test_described_in_openapi(client):
    doc = client.get("/api/v1/openapi.json").json
    params = {p["name"] for p in doc["paths"]["/nearest"]["get"]["parameters"]}
    assert params == {"lon", "lat", "n", "item", "quantity"}
