"""Accounts and roles: the role ladder, users, passwords, lockout, and the audit of each."""

from __future__ import annotations

import pytest

from data import accounts
from data.accounts import ACTIONS, ROLES, AccountError, Accounts, AuthError, allowed, parse_role
from data.sysdb import SystemDB


@pytest.fixture
def acc(tmp_path):
    return Accounts(SystemDB.for_folder(tmp_path), known_districts=["南山区", "福田区"])


EXPECTED = {  # role -> actions it may do (issue 11: each role adds to the one before it)
    "analyst": {"read"},
    "commander": {"read", "incident.write", "hazards.write"},
    "planner": {"read", "incident.write", "print", "hazards.write"},
    "data": {"read", "incident.write", "print", "import", "hazards.write"},
    "admin": set(ACTIONS),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_may_do_exactly_its_actions(role):
    assert {a for a in ACTIONS if allowed(role, a)} == EXPECTED[role]


def test_unknown_roles_and_actions_may_do_nothing():
    assert not allowed("superuser", "read")
    assert not allowed("admin", "launch")
    assert not allowed(None, "read")


@pytest.mark.parametrize("text, code", [("admin", "admin"), ("指挥员", "commander"),
                                        ("Data staff", "data"), (" analyst ", "analyst")])
def test_roles_are_read_from_code_or_label(text, code):
    assert parse_role(text) == code


def test_a_role_that_does_not_exist_lists_the_valid_ones():
    with pytest.raises(ValueError, match="analyst.*commander.*planner.*data.*admin"):
        parse_role("boss")


def test_add_list_and_authenticate(acc):
    acc.add("li", role="commander", password="longenough", districts="南山区，福田区", actor="root")
    (user,) = acc.list()
    assert (user.name, user.role, user.districts, user.scope) == (
        "li", "commander", ("南山区", "福田区"), ("南山区", "福田区"))
    assert acc.authenticate("li", "longenough").can("incident.write")
    assert not acc.authenticate("li", "longenough").can("print")
    rows = acc.db.audit_rows()
    assert [r["action"] for r in rows] == ["user.add", "login.ok", "login.ok"]
    assert rows[0]["actor"] == "root" and rows[0]["detail"]["role"] == "commander"


def test_the_hash_is_scrypt_never_the_password(acc):
    acc.add("li", role="analyst", password="longenough", actor="root")
    import sqlalchemy as sa

    from data.sysdb import users
    with acc.db.connect() as conn:
        digest = conn.execute(sa.select(users.c.password_hash)).scalar()
    assert digest.startswith("scrypt:") and "longenough" not in digest


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "li", "role": "king", "password": "longenough"}, "unknown role"),
    ({"name": "li", "role": "analyst", "password": "short"}, "at least 8"),
    ({"name": "bad name!", "role": "analyst", "password": "longenough"}, "bad user name"),
    ({"name": "li", "role": "analyst", "password": "longenough", "districts": "火星区"},
     "unknown district 火星区"),
])
def test_bad_account_requests_are_refused_and_nothing_is_written(acc, kwargs, message):
    with pytest.raises(ValueError, match=message):
        acc.add(**kwargs, actor="root")
    assert acc.count() == 0 and acc.db.audit_rows() == []


def test_a_user_name_is_taken_once(acc):
    acc.add("li", role="analyst", password="longenough", actor="root")
    with pytest.raises(AccountError, match="already exists"):
        acc.add("li", role="admin", password="longenough", actor="root")
    assert acc.get("li").role == "analyst"


def test_wrong_password_and_unknown_user_fail_alike_and_are_audited(acc):
    acc.add("li", role="analyst", password="longenough", actor="root")
    with pytest.raises(AuthError) as wrong:
        acc.authenticate("li", "nope")
    with pytest.raises(AuthError) as unknown:
        acc.authenticate("zhang", "nope")
    assert str(wrong.value) == str(unknown.value)
    failed = acc.db.audit_rows(action="login.failed")
    assert [(r["target"], r["ok"], r["detail"]["reason"]) for r in failed] == [
        ("li", False, "wrong password"), ("zhang", False, "unknown user")]


def test_repeated_failures_lock_the_account_even_for_the_right_password(acc):
    acc.add("li", role="analyst", password="longenough", actor="root")
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        with pytest.raises(AuthError, match="wrong"):
            acc.authenticate("li", "nope")
    with pytest.raises(AuthError, match="locked"):
        acc.authenticate("li", "nope")
    with pytest.raises(AuthError, match="locked"):
        acc.authenticate("li", "longenough")
    acc.passwd("li", "newpassword", actor="root")  # an admin's reset unlocks it
    assert acc.authenticate("li", "newpassword").name == "li"


def test_disable_and_password_change_end_old_sessions(acc):
    acc.add("li", role="analyst", password="longenough", actor="root")
    gen = acc.get("li").session_gen
    acc.passwd("li", "anotherpass", actor="root")
    assert acc.get("li").session_gen > gen
    acc.set_disabled("li", True, actor="root")
    with pytest.raises(AuthError, match="disabled"):
        acc.authenticate("li", "anotherpass")
    assert not acc.get("li").can("read")
    acc.set_disabled("li", False, actor="root")
    assert acc.authenticate("li", "anotherpass").can("read")


def test_role_change_and_remove(acc):
    acc.add("li", role="analyst", password="longenough", actor="root")
    assert acc.set_role("li", role="data", districts=["福田区"], actor="root").districts == ("福田区",)
    acc.remove("li", actor="root")
    assert acc.find("li") is None
    with pytest.raises(AccountError, match="no user"):
        acc.remove("li", actor="root")
    assert [r["action"] for r in acc.db.audit_rows()] == ["user.add", "user.change", "user.remove"]
