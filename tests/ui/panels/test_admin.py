"""The admin tab: its tables, the disable/enable toggle, and the refusal for non-admins."""

from __future__ import annotations

import json
import shutil

import flask
import pytest

from data.accounts import Accounts
from ui import access
from ui.panels import admin
from ui.state import AppState

PASSWORD = "correct horse battery"


@pytest.fixture
def state(small_sample, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(small_sample, root, ignore=shutil.ignore_patterns("riskmap.sqlite*"))
    state = AppState(root)
    acc = Accounts(state.store.db)
    acc.add("boss", role="admin", password=PASSWORD, actor="test")
    acc.add("li", role="analyst", password=PASSWORD, districts=["南山区"], actor="test")
    return state


@pytest.fixture
def as_user(state):
    app = flask.Flask(__name__)
    with app.test_request_context("/"):
        def login(name: str):
            access.set_current_user(Accounts(state.store.db).get(name))
        yield login


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), ensure_ascii=False, default=lambda c:
                      c.to_plotly_json() if hasattr(c, "to_plotly_json") else str(c))


def test_users_table_lists_accounts_with_role_districts_and_state(state):
    text = _text(admin.users_table(state, "zh"))
    assert "boss" in text and "系统管理员" in text
    assert "li" in text and "分析员" in text and "南山区" in text and "正常" in text


def test_a_locked_account_is_shown_locked(state):
    acc = Accounts(state.store.db)
    for _ in range(5):
        with pytest.raises(PermissionError):
            acc.authenticate("li", "wrong password")
    assert "locked until" in _text(admin.users_table(state, "en"))


def test_audit_table_shows_the_latest_rows_newest_first(state):
    acc = Accounts(state.store.db)
    with pytest.raises(PermissionError):
        acc.authenticate("li", "wrong password")
    table = admin.audit_table(state, "en", limit=2)
    rows = table.children[1].children
    assert len(rows) == 2
    first = _text(rows[0])
    assert "login.failed" in first and "failed" in first


def test_layout_refuses_a_non_admin(state, as_user):
    as_user("li")
    text = _text(admin.layout(state, "en"))
    assert "administrators only" in text and "boss" not in text


def test_layout_for_the_admin(state, as_user):
    as_user("boss")
    text = _text(admin.layout(state, "en"))
    assert "boss" in text and "user.add" in text


def test_toggle_disables_and_enables_and_audits(state, as_user):
    as_user("boss")
    msg, _table = admin.toggle_user(state, name="li", lang="en")
    assert "li disabled" in _text(msg)
    assert Accounts(state.store.db).get("li").disabled
    admin.toggle_user(state, name="li", lang="en")
    assert not Accounts(state.store.db).get("li").disabled
    actions = [r["action"] for r in state.store.db.audit_rows(limit=2)]
    assert actions == ["user.disable", "user.enable"]


def test_toggle_refuses_to_disable_yourself(state, as_user):
    as_user("boss")
    msg, _ = admin.toggle_user(state, name="boss", lang="en")
    assert "cannot disable your own account" in _text(msg)
    assert not Accounts(state.store.db).get("boss").disabled


def test_toggle_is_refused_for_a_non_admin_inside_the_callback_too(state, as_user):
    as_user("li")
    with pytest.raises(access.Forbidden):
        admin.toggle_user(state, name="boss", lang="en")
    assert not Accounts(state.store.db).get("boss").disabled


def test_toggle_an_unknown_user_says_so(state, as_user):
    as_user("boss")
    msg, _ = admin.toggle_user(state, name="nobody", lang="en")
    assert "no user 'nobody'" in _text(msg)
