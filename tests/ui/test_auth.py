"""ui/auth.py through Flask's test client: logins, the local mode, the request checks, the
callback gate (a role x callback matrix), district scope end to end, headers, upload limit."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from data.accounts import ACTIONS, ROLES, Accounts, allowed
from data.incidents import incidents_for
from ui import auth, ids
from ui.app import PANELS, create_app
from ui.auth import ServeConfig
from ui.panels import admin, data_import, incident

ORIGIN = {"Origin": "http://localhost"}
PASSWORD = "correct horse battery"
NANSHAN = "南山区"

INC_WRITE = getattr(ids, "INC_WRITTEN", ids.INC_SAVED)
"""The output that names the incident save/delete callback (ui/panels/incident.py)."""

PROTECTED = {
    INC_WRITE: "incident.write",       # save / delete an incident
    ids.IMP_RESULT: "import",          # import a file
    ids.PDF_DOWNLOAD: "print",         # PDF map
    ids.ADM_USERS: "users",            # admin tab: refresh
    ids.ADM_AUDIT: "audit",
    ids.ADM_MESSAGE: "users",          # admin tab: disable / enable an account
}
"""Callbacks that write or show protected things (by an output id) and the action each needs."""

_PENDING = {
    INC_WRITE: not hasattr(incident, "CALLBACK_ACTIONS"),
    ids.IMP_RESULT: not hasattr(data_import, "CALLBACK_ACTIONS"),
}
"""Outputs whose panel does not declare CALLBACK_ACTIONS yet (another helper adds them)."""


def _pending(output: str):
    return pytest.mark.xfail(_PENDING.get(output, False), strict=True,
                             reason=f"CALLBACK_ACTIONS for {output} not declared yet")


def _copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("riskmap.sqlite*", "versions"))
    return dest


@pytest.fixture(scope="module")
def bureau(small_sample, tmp_path_factory):
    """An app on a copy of the sample with one user per role and a 南山区 analyst."""
    root = _copy(small_sample, tmp_path_factory.mktemp("auth") / "data")
    app = create_app(root, warm=False)
    acc = Accounts(app.state.store.db)
    for role in ROLES:
        acc.add(f"u_{role}", role=role, password=PASSWORD, actor="test")
    acc.add("nanshan", role="commander", password=PASSWORD, districts=[NANSHAN], actor="test")
    return app


@pytest.fixture
def local(small_sample, tmp_path):
    return create_app(_copy(small_sample, tmp_path / "data"), warm=False)


def login(app, name: str, password: str = PASSWORD, *, next_path: str = "/"):
    """A test client logged in as ``name`` (and the login response)."""
    c = app.server.test_client()
    c.get("/login")
    with c.session_transaction() as session:
        token = session["riskmap_csrf"]
    resp = c.post("/login", data={"username": name, "password": password, "csrf": token,
                                  "next": next_path}, headers=ORIGIN)
    return c, resp


def callback_body(app, key: str, values: dict | None = None, changed: str | None = None) -> dict:
    """The JSON Dash's renderer posts to run the callback ``key`` (values by ``id.prop``)."""
    cb = app.callback_map[key]
    values = values or {}

    def entry(dep: dict):
        if dep["id"].startswith("{"):
            return []  # a pattern-matching input with no component on the page
        pid = f"{dep['id']}.{dep['property']}"
        return {"id": dep["id"], "property": dep["property"], "value": values.get(pid)}

    def target(o):  # a pattern-matching output with no component on the page: no outputs
        if isinstance(o.component_id, dict):
            return []
        return {"id": o.component_id, "property": o.component_property}

    out = cb["output"]
    outputs = [target(o) for o in out] if isinstance(out, list) else target(out)
    inputs = [entry(d) for d in cb["inputs"]]
    first = next((d for d in cb["inputs"] if not d["id"].startswith("{")), cb["inputs"][0])
    return {"output": key, "outputs": outputs, "inputs": inputs,
            "state": [entry(d) for d in cb["state"]],
            "changedPropIds": [changed or f"{first['id']}.{first['property']}"]}


def callback_key(app, output: str) -> str:
    """The callback_map key of the callback that writes ``output`` (without allow_duplicate)."""
    for key in app.callback_map:
        names = re.findall(r"(?:^|\.\.\.|\.\.)([\w-]+)\.[\w]+(?=$|\.\.|\.\.\.)", key)
        if output in names:
            return key
    raise AssertionError(f"no callback has the output {output!r}")


def text(resp) -> str:
    """A response's body as text (JSON decoded, so Chinese is readable)."""
    if resp.is_json:
        return json.dumps(resp.get_json(), ensure_ascii=False)
    return resp.get_data(as_text=True)


def run(client, app, key: str, **kw):
    return client.post("/_dash-update-component", json=callback_body(app, key, **kw),
                       headers=ORIGIN)


# -- who must log in -----------------------------------------------------------------------------

def test_loopback_without_users_is_the_single_user_local_mode(local):
    c = local.server.test_client()
    assert c.get("/").status_code == 200
    layout = text(c.get("/_dash-layout"))
    assert "本机单用户模式" in layout and ids.LOCAL_BADGE in layout
    assert ids.ADM_USERS in layout  # the local user has the admin role
    assert c.get("/map/analyst.html").status_code == 200


def test_any_other_host_needs_a_login_even_without_users(small_sample, tmp_path):
    app = create_app(_copy(small_sample, tmp_path / "data"), warm=False,
                     config=ServeConfig(host="0.0.0.0", port=8050))
    c = app.server.test_client()
    resp = c.get("/", headers={"Accept": "text/html"})
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")


def test_once_a_user_exists_the_local_mode_ends(local):
    c = local.server.test_client()
    assert c.get("/").status_code == 200
    Accounts(local.state.store.db).add("first", role="admin", password=PASSWORD, actor="t")
    resp = c.get("/", headers={"Accept": "text/html"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/login?next=/"


@pytest.mark.parametrize("path", ["/_dash-layout", "/_dash-dependencies", "/api/enterprise/0",
                                  "/api/v1/incidents", "/share/1/qr.svg", "/share/1/briefing.pdf"])
def test_xhr_and_api_routes_answer_401_json_without_login(bureau, path):
    resp = bureau.server.test_client().get(path)
    assert resp.status_code == 401
    assert "请先登录" in resp.get_json()["error"]


def test_pages_redirect_to_the_login_page(bureau):
    c = bureau.server.test_client()
    for path in ("/", "/map/analyst.html?lang=en"):
        resp = c.get(path, headers={"Accept": "text/html"})
        assert resp.status_code == 302, path
        assert resp.headers["Location"].startswith("/login?next=/")
    resp = c.post("/_dash-update-component", json={"output": "x.y"}, headers=ORIGIN)
    assert resp.status_code == 401


def test_open_routes_need_no_login(bureau):
    c = bureau.server.test_client()
    assert c.get("/login").status_code == 200
    assert c.get("/assets/riskmap.js").status_code == 200
    deps = re.findall(r'src="(/_dash-component-suites/[^"]+)"',
                      login(bureau, "u_analyst")[0].get("/").get_data(as_text=True))
    assert deps and c.get(deps[0]).status_code == 200


def test_an_allowed_host_with_a_port_must_match_it(small_sample, tmp_path):
    app = create_app(_copy(small_sample, tmp_path / "data"), warm=False,
                     config=ServeConfig("10.0.0.5", 8601, ("proxy.example:8443",)))
    c = app.server.test_client()
    assert c.get("/login", headers={"Host": "proxy.example:8443"}).status_code == 200
    assert c.get("/login", headers={"Host": "proxy.example:9999"}).status_code == 400
    assert c.get("/login", headers={"Host": "10.0.0.5"}).status_code == 200


def test_a_bearer_request_is_left_to_the_api(bureau):
    # no Origin, no cookie: ui/auth.py lets it through and ui/api.py judges the token
    resp = bureau.server.test_client().post(
        "/api/v1/incidents", json={}, headers={"Authorization": "Bearer nonsense"})
    assert resp.status_code != 403 or "跨站" not in resp.get_data(as_text=True)


# -- the login page ------------------------------------------------------------------------------

def test_login_page_is_bilingual_escaped_and_without_inline_script(bureau):
    c = bureau.server.test_client()
    page = c.get("/login?next=/%22%3E%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    for text in ("登录", "Log in", "用户名", "User name", "密码", "Password"):
        assert text in page
    assert "<script" not in page


def test_wrong_password_shows_the_bilingual_reason_and_is_audited(bureau):
    c, resp = login(bureau, "u_analyst", "wrong password!")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 401
    assert "用户名或密码错误 / wrong user name or password" in page
    assert 'value="u_analyst"' in page
    rows = bureau.state.store.db.audit_rows(action="login.failed")
    assert rows and rows[-1]["target"] == "u_analyst"
    assert c.get("/_dash-layout").status_code == 401


def test_a_hostile_user_name_is_escaped(bureau):
    _, resp = login(bureau, '<img src=x onerror=alert(1)>', "whatever1")
    page = resp.get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_login_redirects_only_to_a_same_site_path(bureau):
    _, resp = login(bureau, "u_analyst", next_path="/?lang=en")
    assert resp.status_code == 302 and resp.headers["Location"] == "/?lang=en"
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        _, resp = login(bureau, "u_analyst", next_path=evil)
        assert resp.headers["Location"] == "/", evil


def test_session_cookie_is_httponly_lax_and_expires(bureau):
    _, resp = login(bureau, "u_analyst")
    cookie = next(v for v in resp.headers.getlist("Set-Cookie") if v.startswith("riskmap_session"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert not any(v.startswith("remember_token") for v in resp.headers.getlist("Set-Cookie"))


def test_login_needs_the_form_token(bureau):
    c = bureau.server.test_client()
    resp = c.post("/login", data={"username": "u_analyst", "password": PASSWORD},
                  headers=ORIGIN)
    assert resp.status_code == 400 and c.get("/_dash-layout").status_code == 401


def test_header_shows_user_role_and_logout(bureau):
    c, _ = login(bureau, "nanshan")
    layout = text(c.get("/_dash-layout"))
    assert "nanshan" in layout and "指挥员" in layout and NANSHAN in layout
    assert ids.LOGOUT in layout and "本机单用户模式" not in layout
    assert ids.ADM_USERS not in layout  # no admin tab for a commander


@pytest.mark.parametrize("change", ["passwd", "disable", "role"])
def test_changing_an_account_ends_its_sessions(bureau, change):
    acc = Accounts(bureau.state.store.db)
    name = f"victim_{change}"
    acc.add(name, role="commander", password=PASSWORD, actor="test")
    c, _ = login(bureau, name)
    assert c.get("/_dash-layout").status_code == 200
    if change == "passwd":
        acc.passwd(name, "another password", actor="test")
    elif change == "disable":
        acc.set_disabled(name, True, actor="test")
    else:
        acc.set_role(name, role="analyst", actor="test")
    assert c.get("/_dash-layout").status_code == 401


def test_logout_ends_the_session_and_is_audited(bureau):
    c, _ = login(bureau, "u_planner")
    assert c.get("/_dash-layout").status_code == 200
    with c.session_transaction() as session:
        token = session["riskmap_csrf"]
    assert c.post("/logout", data={}, headers=ORIGIN).status_code == 400  # no form token
    assert c.get("/_dash-layout").status_code == 200
    resp = c.post("/logout", data={"csrf": token}, headers=ORIGIN)
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert c.get("/_dash-layout").status_code == 401
    rows = bureau.state.store.db.audit_rows(action="logout")
    assert rows[-1]["actor"] == "u_planner"


# -- Host and Origin -----------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:8050", "localhost.evil.example",
                                  "127.0.0.1.evil.example", "user@localhost"])
def test_a_foreign_host_is_refused(local, host):
    resp = local.server.test_client().get("/", headers={"Host": host})
    assert resp.status_code == 400 and "bad Host" in resp.get_json()["error"]


def test_served_host_forms_and_the_proxy_name_are_accepted(small_sample, tmp_path):
    app = create_app(_copy(small_sample, tmp_path / "data"), warm=False,
                     config=ServeConfig("127.0.0.1", 8601, ("risk.example.gov.cn",)))
    c = app.server.test_client()
    for host in ("localhost:8601", "127.0.0.1:8601", "[::1]:8601", "risk.example.gov.cn",
                 "localhost:9000"):  # a forwarded port: the name is what matters
        assert c.get("/login", headers={"Host": host}).status_code in (200, 302), host
    assert c.get("/login", headers={"Host": "risk.example.gov.cn.evil"}).status_code == 400


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://evil.example"}, {"Origin": "null"},
                                     {"Referer": "http://evil.example/page"}])
def test_cross_site_state_changes_are_refused(local, headers):
    body = callback_body(local, callback_key(local, ids.ADM_USERS))
    resp = local.server.test_client().post("/_dash-update-component", json=body,
                                           headers=headers)
    assert resp.status_code == 403 and "cross-site" in resp.get_json()["error"]


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://evil.example"}])
def test_a_logged_in_users_cross_site_write_is_refused(bureau, headers):
    client, _ = login(bureau, "u_admin")
    body = callback_body(bureau, callback_key(bureau, ids.ADM_USERS))
    resp = client.post("/_dash-update-component", json=body, headers=headers)
    assert resp.status_code == 403 and "cross-site" in resp.get_json()["error"]


def test_a_write_without_any_credentials_is_told_to_log_in_not_cross_site(bureau):
    # a script of another system that forgot its token: 401, whatever its Origin
    client = bureau.server.test_client()
    for path in ("/api/v1/incidents", "/_dash-update-component"):
        resp = client.post(path, json={"lon": 114.0, "lat": 22.5})
        assert resp.status_code == 401, path


def test_same_site_referer_is_enough(local):
    body = callback_body(local, callback_key(local, ids.ADM_USERS))
    resp = local.server.test_client().post("/_dash-update-component", json=body,
                                           headers={"Referer": "http://localhost/?lang=en"})
    assert resp.status_code == 200


# -- headers and limits --------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/login", "/assets/riskmap.js", "/map/analyst.html",
                                  "/no-such-page"])
def test_security_headers_on_every_response(local, path):
    resp = local.server.test_client().get(path)
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "default-src 'self'" in csp
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src


@pytest.mark.parametrize("path", ["/", "/map/analyst.html?lang=zh"])
def test_csp_allows_exactly_the_inline_scripts_of_the_page(local, path):
    resp = local.server.test_client().get(path)
    page = resp.get_data(as_text=True)
    hashes = auth.script_hashes(page)
    assert hashes  # Dash's renderer start-up, the map's set-up
    csp = resp.headers["Content-Security-Policy"]
    assert all(h in csp for h in hashes)
    assert len(re.findall(r"'sha256-", csp)) == len(hashes)


def test_csp_hashes_survive_compression(local):
    """The hashes are taken before flask-compress gzips the page."""
    import gzip

    resp = local.server.test_client().get("/map/analyst.html?lang=en",
                                          headers={"Accept-Encoding": "gzip"})
    assert resp.headers.get("Content-Encoding") == "gzip"
    hashes = auth.script_hashes(gzip.decompress(resp.get_data()).decode())
    assert hashes and all(h in resp.headers["Content-Security-Policy"] for h in hashes)


def test_tile_server_origin_is_allowed_for_images(small_sample, tmp_path):
    from layers.map import TileSource

    app = create_app(_copy(small_sample, tmp_path / "data"), warm=False,
                     tiles=TileSource(url="https://tiles.example.cn/{z}/{x}/{y}.png"))
    csp = app.server.test_client().get("/login").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://tiles.example.cn" in csp


def test_upload_limit_answers_413_with_a_bilingual_message(small_sample, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKMAP_MAX_UPLOAD_MB", "3")
    app = create_app(_copy(small_sample, tmp_path / "data"), warm=False)
    limit = app.server.config["MAX_CONTENT_LENGTH"]
    assert limit == auth.request_limit_bytes(3 * 1024 * 1024) == 5 * 1024 * 1024
    c = app.server.test_client()
    resp = c.post("/_dash-update-component", data=b"x" * (limit + 1),
                  headers={**ORIGIN, "Content-Type": "application/json"})
    assert resp.status_code == 413
    message = resp.get_json()["error"]
    assert "上传内容过大" in message and "3 MB" in message and "RISKMAP_MAX_UPLOAD_MB" in message
    # just under the limit the request is read (and judged by the callback itself)
    resp = c.post("/_dash-update-component", data=b"x" * limit,
                  headers={**ORIGIN, "Content-Type": "application/json"})
    assert resp.status_code != 413


def test_a_bad_upload_limit_stops_the_app_with_the_variable_name(small_sample, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("RISKMAP_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ValueError, match="RISKMAP_MAX_UPLOAD_MB"):
        create_app(_copy(small_sample, tmp_path / "data"), warm=False)


# -- the callback gate: role x callback ----------------------------------------------------------

def test_every_protected_callback_exists_with_its_output(bureau):
    for output in PROTECTED:
        callback_key(bureau, output)


@pytest.mark.parametrize("output", [pytest.param(o, marks=_pending(o)) for o in PROTECTED])
def test_writing_callbacks_are_covered_by_callback_actions(bureau, output):
    table = auth.callback_actions(module for _, _, module in PANELS)
    key = callback_key(bureau, output)
    # the role that is needed (users and audit are both the admin's)
    assert ACTIONS[auth.callback_action(key, table)] == ACTIONS[PROTECTED[output]], key


def _expected_action(app, key: str) -> str:
    """What the callback ``key`` must need: the strictest of the declared and PROTECTED actions."""
    table = auth.callback_actions(module for _, _, module in PANELS)
    for output, action in PROTECTED.items():
        if not _PENDING.get(output) and output in auth._output_ids(key):
            table.setdefault(output, action)
    return auth.callback_action(key, table)


@pytest.fixture(scope="module")
def clients(bureau):
    return {role: login(bureau, f"u_{role}")[0] for role in ROLES}


@pytest.mark.parametrize("role", list(ROLES))
def test_role_x_callback_matrix(bureau, clients, role):
    """Every callback of the app, called by every role: allowed ones pass the gate, the others
    get 403 with the bilingual reason."""
    client = clients[role]
    for key in bureau.callback_map:
        if key == "map-command-sink.children":
            continue  # clientside: never posted
        action = _expected_action(bureau, key)
        resp = run(client, bureau, key)
        if allowed(role, action):
            assert resp.status_code not in (401, 403), (role, key, resp.get_data(as_text=True))
        else:
            assert resp.status_code == 403, (role, key)
            assert "无权操作" in resp.get_json()["error"], (role, key)


def _save_values(lon=113.93, lat=22.53):
    return {"inc-save.n_clicks": 1, "inc-current.data": {"lon": lon, "lat": lat,
                                                          "radii_m": [1000, 5000]},
            "inc-type.value": "fire", "inc-note.value": "matrix", "lang.data": "zh"}


@pytest.mark.xfail(_PENDING[INC_WRITE], strict=True, reason="incident CALLBACK_ACTIONS")
def test_saving_an_incident_needs_the_commander_role(bureau, clients):
    key = callback_key(bureau, INC_WRITE)
    store = incidents_for(bureau.state.store)
    before = len(store)
    for role in ("analyst",):
        resp = run(clients[role], bureau, key, values=_save_values(), changed="inc-save.n_clicks")
        assert resp.status_code == 403
        assert len(store) == before
    for role in ("commander", "admin"):
        resp = run(clients[role], bureau, key, values=_save_values(), changed="inc-save.n_clicks")
        assert resp.status_code == 200, resp.get_data(as_text=True)
    assert len(store) == before + 2


def test_printing_needs_the_planner_role(bureau, clients):
    key = callback_key(bureau, ids.PDF_DOWNLOAD)
    values = {"pdf-run.n_clicks": 1, "pdf-title.value": "", "lang.data": "en"}
    for role in ("analyst", "commander"):
        assert run(clients[role], bureau, key, values=values).status_code == 403
    resp = run(clients["planner"], bureau, key, values=values)
    assert resp.status_code == 200 and "Please type a title" in resp.get_data(as_text=True)


def test_admin_toggle_is_refused_below_admin_and_changes_nothing(bureau, clients):
    acc = Accounts(bureau.state.store.db)
    acc.add("toggled", role="analyst", password=PASSWORD, actor="test")
    key = callback_key(bureau, ids.ADM_MESSAGE)
    body = callback_body(bureau, key, changed='{"name":"toggled","type":"adm-toggle"}.n_clicks')
    body["inputs"] = [[{"id": {"type": ids.ADM_TOGGLE, "name": "toggled"},
                        "property": "n_clicks", "value": 1}]]
    for role in ("analyst", "commander", "planner", "data"):
        resp = clients[role].post("/_dash-update-component", json=body, headers=ORIGIN)
        assert resp.status_code == 403
        assert not acc.get("toggled").disabled
    resp = clients["admin"].post("/_dash-update-component", json=body, headers=ORIGIN)
    assert resp.status_code == 200 and acc.get("toggled").disabled
    rows = bureau.state.store.db.audit_rows(action="user.disable")
    assert rows[-1]["target"] == "toggled" and rows[-1]["actor"] == "web:u_admin"


def test_a_forged_output_list_does_not_fool_the_gate(bureau, clients):
    """The gate judges the callback Dash will run (``output``), not the ``outputs`` sent."""
    body = callback_body(bureau, callback_key(bureau, ids.ADM_USERS))
    body["outputs"] = [{"id": ids.COUNT, "property": "children"}]
    resp = clients["analyst"].post("/_dash-update-component", json=body, headers=ORIGIN)
    assert resp.status_code == 403


def test_callback_actions_refuse_an_unknown_action():
    import types

    bad = types.ModuleType("bad_panel")
    bad.CALLBACK_ACTIONS = {"x": "launch"}
    with pytest.raises(ValueError, match="unknown action 'launch'"):
        auth.callback_actions([bad])


def test_admin_layout_is_refused_server_side(bureau, clients):
    # the analyst's layout has no admin tab, and the admin panel renders nothing for them
    layout = text(clients["analyst"].get("/_dash-layout"))
    assert ids.ADM_USERS not in layout and ids.ADM_AUDIT not in layout
    with bureau.server.test_request_context("/"):
        from ui import access

        access.set_current_user(Accounts(bureau.state.store.db).get("u_data"))
        panel = json.dumps(admin.layout(bureau.state, "en").to_plotly_json(), default=str)
    assert "administrators only" in panel and "u_admin" not in panel
    layout = text(clients["admin"].get("/_dash-layout"))
    assert ids.ADM_USERS in layout and "u_analyst" in layout


# -- district scope end to end -------------------------------------------------------------------

@pytest.fixture(scope="module")
def nanshan(bureau):
    return login(bureau, "nanshan")[0]


def _nanshan_count(app) -> int:
    ents = app.state.full_dataset.enterprises
    return int((ents["district"] == NANSHAN).sum())


def test_scoped_map_page_has_only_the_districts_enterprises(bureau, nanshan, clients):
    n = _nanshan_count(bureau)
    assert 0 < n < len(bureau.state.full_dataset.enterprises)

    def count(client) -> int:
        page = client.get("/map/analyst.html?lang=zh").get_data(as_text=True)
        return int(re.search(r'"n":(\d+),"scale"', page).group(1))

    assert count(nanshan) == n
    assert count(clients["analyst"]) == len(bureau.state.full_dataset.enterprises)


def test_scoped_statistics_table(bureau, nanshan):
    key = callback_key(bureau, ids.STATS_TABLE)
    values = {"filter-grades.value": ["red", "orange", "yellow", "blue"], "lang.data": "zh"}
    resp = run(nanshan, bureau, key, values=values)
    body = text(resp)
    assert resp.status_code == 200
    assert NANSHAN in body
    others = set(bureau.state.full_dataset.enterprises["district"]) - {NANSHAN}
    assert not [d for d in others if d in body]
    assert f"{_nanshan_count(bureau):,}" in body


def test_scoped_enterprise_detail_route(bureau, nanshan):
    n = _nanshan_count(bureau)
    version = bureau.state.version
    assert nanshan.get(f"/api/enterprise/{n}?v={version}").status_code == 404
    for i in (0, n - 1):
        rows = dict(nanshan.get(f"/api/enterprise/{i}?v={version}").get_json()["rows"])
        assert rows["所属区"] == NANSHAN


def test_scoped_incident_export(bureau, nanshan):
    """An incident export around the 南山/福田 border lists 南山区 enterprises only."""
    import io
    import zipfile

    key = callback_key(bureau, ids.INC_DOWNLOAD)
    body = callback_body(bureau, key, values={
        "inc-current.data": {"lon": 114.0, "lat": 22.54, "radii_m": [10000]},
        "lang.data": "zh"}, changed='{"fmt":"csv","type":"inc-export"}.n_clicks')
    body["inputs"] = [[{"id": {"type": ids.INC_EXPORT, "fmt": "csv"}, "property": "n_clicks",
                        "value": 1}]]
    resp = nanshan.post("/_dash-update-component", json=body, headers=ORIGIN)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    data = resp.get_json()["response"][ids.INC_DOWNLOAD]["data"]
    import base64

    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(data["content"])))
    text = "".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist()
                   if n.endswith(".csv"))
    others = set(bureau.state.full_dataset.enterprises["district"]) - {NANSHAN}
    assert NANSHAN in text
    assert not [d for d in others if f",{d}," in text]


# -- the JSON API beside the browser session ------------------------------------------------------

def test_a_browser_session_works_for_api_gets(bureau):
    c, _ = login(bureau, "u_analyst")
    assert c.get("/api/v1/incidents").status_code == 200
    assert bureau.server.test_client().get("/api/v1/incidents").status_code == 401


def test_token_route_needs_no_origin_and_bearer_requests_pass(bureau):
    c = bureau.server.test_client()
    resp = c.post("/api/v1/token", json={"username": "u_commander", "password": PASSWORD})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    token = resp.get_json()["access_token"]
    resp = c.get("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200


def test_a_cookie_authenticated_api_write_needs_same_origin(bureau):
    c, _ = login(bureau, "u_commander")
    resp = c.post("/api/v1/incidents", json={"lon": 113.93, "lat": 22.53})
    assert resp.status_code == 403 and "cross-site" in resp.get_json()["error"]


# -- failing records database, read-only store ---------------------------------------------------

def test_an_unavailable_records_database_is_a_clear_503(local, monkeypatch):
    from data.sysdb import StoreUnavailable

    def down(self):
        raise StoreUnavailable("数据库无法连接 / cannot reach the database")

    monkeypatch.setattr(Accounts, "count", down)
    resp = local.server.test_client().get("/_dash-layout")
    assert resp.status_code == 503
    assert "数据库不可用 / the records database is unavailable" in resp.get_json()["error"]


def test_a_read_only_store_shows_the_banner(local, monkeypatch):
    monkeypatch.setattr(type(local.state.store), "read_only", property(lambda self: True),
                        raising=False)
    layout = text(local.server.test_client().get("/_dash-layout"))
    assert ids.READ_ONLY_BANNER in layout and "只读模式" in layout


def test_no_banner_when_the_store_is_writable(local):
    assert ids.READ_ONLY_BANNER not in text(local.server.test_client().get("/_dash-layout"))


def test_secure_cookies_behind_https(small_sample, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKMAP_SECURE_COOKIES", "1")
    app = create_app(_copy(small_sample, tmp_path / "data"), warm=False)
    Accounts(app.state.store.db).add("s", role="analyst", password=PASSWORD, actor="t")
    _, resp = login(app, "s")
    cookie = next(v for v in resp.headers.getlist("Set-Cookie") if v.startswith("riskmap_session"))
    assert "Secure" in cookie


def test_repeated_wrong_passwords_lock_the_account_with_a_clear_message(bureau):
    Accounts(bureau.state.store.db).add("clumsy", role="analyst", password=PASSWORD, actor="t")
    for _ in range(5):
        login(bureau, "clumsy", "wrong password")
    c, resp = login(bureau, "clumsy")  # the right password, too late
    assert resp.status_code == 401
    assert "账户已锁定" in text(resp) and "locked for 15 minutes" in text(resp)
    assert c.get("/_dash-layout").status_code == 401


def test_after_login_no_request_rewrites_the_session_cookie(bureau):
    """Concurrent requests of one page must not race to rewrite the cookie (the logout token
    would be lost): the token is made at login, the layout only reads it."""
    c, _ = login(bureau, "u_data")
    for path in ("/_dash-layout", "/map/analyst.html", "/_dash-dependencies"):
        resp = c.get(path)
        assert resp.status_code == 200 and not resp.headers.getlist("Set-Cookie"), path


def test_a_session_expires_on_the_server_too(bureau):
    """The cookie's signature is dated: replayed after its lifetime, it is refused."""
    import time
    from datetime import timedelta

    c, _ = login(bureau, "u_analyst")
    assert c.get("/_dash-layout").status_code == 200
    config = bureau.server.config
    saved = config["PERMANENT_SESSION_LIFETIME"]
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=1)
    try:
        time.sleep(2.1)
        assert c.get("/_dash-layout").status_code == 401
    finally:
        config["PERMANENT_SESSION_LIFETIME"] = saved
    assert saved == timedelta(hours=auth.SESSION_HOURS)
