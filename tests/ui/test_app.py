"""The pages and small APIs the Flask server behind Dash serves (no browser)."""

import re

import pytest

from ui.app import create_app


@pytest.fixture(scope="module")
def client(small_sample):
    app = create_app(small_sample)
    return app, app.server.test_client()


def test_parent_page_does_not_load_the_map_files(client):
    _, c = client
    html = c.get("/").get_data(as_text=True)
    assert "leaflet.js" not in html and "riskmap-map" not in html
    assert "/assets/riskmap.js" in html
    assert not re.search(r'(src|href)="https?://', html)


def test_map_page_is_offline_and_compressed(client):
    _, c = client
    resp = c.get("/map/analyst.html?lang=zh", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers.get("Content-Encoding") == "gzip"
    import gzip

    html = gzip.decompress(resp.get_data()).decode()
    assert "riskmap.enterpriseLayer" in html
    assert not re.search(r"https?://", html)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        path = url.replace("../", "/")
        assert c.get(path).status_code == 200, url


def test_enterprise_details_api(client):
    app, c = client
    ents = app.state.dataset.enterprises
    data = c.get(f"/api/enterprise/0?lang=en&v={app.state.version}").get_json()
    assert data["title"] == ents["name"].iloc[0] and data["id"] == ents["id"].iloc[0]
    assert c.get(f"/api/enterprise/{len(ents)}").status_code == 404
    assert c.get("/api/enterprise/0?v=stale").status_code == 409


def test_every_asset_is_served_from_the_checkout_assets_folder(client):
    from pathlib import Path

    from ui.app import assets_dir

    _, c = client
    folder = assets_dir()
    assert folder == Path(__file__).resolve().parents[2] / "assets"  # a source checkout
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.name == "layers.png" for p in files)  # Leaflet's images are served too
    for path in files:
        resp = c.get(f"/assets/{path.relative_to(folder).as_posix()}")
        assert resp.status_code == 200, path
        assert resp.get_data() == path.read_bytes()


def test_a_share_link_opens_the_incident_tab_with_its_number(client):
    import json

    _, http = client

    def layout(referer: str) -> dict:
        resp = http.get("/_dash-layout", headers={"Referer": referer})
        assert resp.status_code == 200
        return json.loads(resp.data)

    def find(node, wanted):
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == wanted:
                return node["props"]
            for v in node.values():
                hit = find(v, wanted)
                if hit is not None:
                    return hit
        elif isinstance(node, list):
            for v in node:
                hit = find(v, wanted)
                if hit is not None:
                    return hit
        return None

    shared = layout("http://127.0.0.1/?incident=42&lang=en")
    assert find(shared, "share-incident")["data"] == 42
    assert find(shared, "main-tabs")["value"] == "incident"
    assert find(shared, "lang-switch")["href"] == "?lang=zh&incident=42"  # kept on switching
    plain = layout("http://127.0.0.1/")
    assert find(plain, "share-incident")["data"] is None
    assert find(plain, "main-tabs")["value"] == "analysis"
    assert find(plain, "share-notice") is None
    bad = layout("http://127.0.0.1/?incident=abc")
    assert "事件编号须为正整数 / the incident number must be a positive whole number" in \
        find(bad, "share-notice")["children"]
    assert find(bad, "main-tabs")["value"] == "analysis"


def test_share_qr_code_is_an_svg_of_the_link(client):
    _, http = client
    resp = http.get("/share/42/qr.svg?lang=en")
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    assert b"<title>http://localhost/?incident=42&amp;lang=en</title>" in resp.data
    assert http.get("/share/0/qr.svg").status_code == 404
