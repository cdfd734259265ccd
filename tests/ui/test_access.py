"""ui/access.py: who is asking and may they, as a matrix of role x action (no HTTP)."""

from __future__ import annotations

import flask
import pytest

from data.accounts import ACTIONS, ROLES, User
from ui import access

EXPECTED = {
    # role: the actions of issue 11 it may do (roles are cumulative)
    "analyst": {"read"},
    "commander": {"read", "incident.write"},
    "planner": {"read", "incident.write", "print"},
    "data": {"read", "incident.write", "print", "import"},
    "admin": {"read", "incident.write", "print", "import", "users", "audit"},
}
SPEC_ACTIONS = sorted(EXPECTED["admin"])


@pytest.fixture
def request_ctx():
    app = flask.Flask(__name__)
    with app.test_request_context("/"):
        yield


def test_the_matrix_covers_every_role_and_the_issues_actions():
    assert set(EXPECTED) == set(ROLES)
    assert set(SPEC_ACTIONS) <= set(ACTIONS)


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("action", SPEC_ACTIONS)
def test_role_x_action(request_ctx, role, action):
    access.set_current_user(User(name="u", role=role))
    if action in EXPECTED[role]:
        assert access.can(action)
        assert access.require(action).role == role
    else:
        assert not access.can(action)
        with pytest.raises(access.Forbidden) as err:
            access.require(action)
        assert "无权操作" in err.value.description and "not allowed" in err.value.description


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_is_cumulative_from_its_lowest_role(request_ctx, action):
    """Actions added later (beyond the issue's list) follow the same rule."""
    order = list(ROLES)
    lowest = order.index(ACTIONS[action])
    for i, role in enumerate(order):
        access.set_current_user(User(name="u", role=role))
        assert access.can(action) == (i >= lowest), (role, action)


def test_nobody_logged_in_is_401(request_ctx):
    access.set_current_user(None)
    assert access.current_user() is None and not access.can("read")
    with pytest.raises(access.Unauthorized, match="请先登录 / please log in"):
        access.require("read")


def test_a_disabled_user_may_do_nothing(request_ctx):
    access.set_current_user(User(name="u", role="admin", disabled=True))
    assert not any(access.can(a) for a in ACTIONS)


def test_scope_is_the_users_districts(request_ctx):
    access.set_current_user(User(name="u", role="analyst", districts=("南山区",)))
    assert access.scope() == ("南山区",)
    access.set_current_user(User(name="u", role="analyst"))
    assert access.scope() is None


def test_outside_a_request_nobody_is_asking():
    assert access.current_user() is None and access.scope() is None


def test_the_user_does_not_leak_between_requests():
    app = flask.Flask(__name__)
    with app.test_request_context("/"):
        access.set_current_user(User(name="u", role="admin"))
    with app.test_request_context("/"):
        assert access.current_user() is None
