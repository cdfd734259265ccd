"""``riskmap users`` (ui/commands/users.py): add, list, passwd, disable, enable, remove, role;
every change audited as cli:<login>; bad input is a CliError, never a traceback."""

from __future__ import annotations

import io
import json

import pytest

from data.accounts import Accounts
from ui.cli import CliError, main

PASSWORD = "secret-pw-1"


@pytest.fixture
def data(districts_store):
    """``--data DIR`` of a dataset holding only the Shenzhen districts."""
    return ["--data", str(districts_store.root)]


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _add(run_cli, monkeypatch, data, *argv: str, password: str = PASSWORD):
    _stdin(monkeypatch, password + "\n")
    return run_cli(["users", "add", *argv, "--password-stdin", *data])


def test_add_and_list(run_cli, monkeypatch, data, districts_store):
    code, out, _ = _add(run_cli, monkeypatch, data, "li", "--role", "指挥员",
                        "--districts", "南山区，福田区")
    assert code == 0 and "li" in out
    _add(run_cli, monkeypatch, data, "wang", "--role", "admin")
    user = Accounts(districts_store.db).authenticate("li", PASSWORD)
    assert (user.role, user.districts) == ("commander", ("南山区", "福田区"))
    _, out, _ = run_cli(["users", "list", "--json", *data])
    listed = {u["name"]: u for u in json.loads(out)}
    assert listed["li"]["districts"] == ["南山区", "福田区"] and listed["wang"]["role"] == "admin"
    assert "password" not in json.dumps(listed)
    _, table, _ = run_cli(["users", "list", *data])
    lines = table.splitlines()
    assert lines[0].split() == ["name", "role", "districts", "status", "created_at"]
    assert lines[1].startswith("li ") and "南山区,福田区" in lines[1]
    assert lines[2].startswith("wang ") and "(all 全部)" in lines[2]


def test_list_without_users_says_how_to_add_one(run_cli, data):
    _, out, _ = run_cli(["users", "list", *data])
    assert "riskmap users add NAME --role admin" in out


def test_changes_are_audited_with_the_cli_actor(run_cli, monkeypatch, data, districts_store):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "ops")
    _add(run_cli, monkeypatch, data, "li", "--role", "analyst")
    _stdin(monkeypatch, "new-password-2\n")
    run_cli(["users", "passwd", "li", "--password-stdin", *data])
    run_cli(["users", "disable", "li", *data])
    run_cli(["users", "enable", "li", *data])
    run_cli(["users", "role", "li", "--role", "planner", "--districts", "罗湖区", *data])
    run_cli(["users", "remove", "li", *data])
    rows = districts_store.db.audit_rows()
    assert [(r["action"], r["actor"], r["target"]) for r in rows] == [
        ("user.add", "cli:ops", "li"), ("user.passwd", "cli:ops", "li"),
        ("user.disable", "cli:ops", "li"), ("user.enable", "cli:ops", "li"),
        ("user.change", "cli:ops", "li"), ("user.remove", "cli:ops", "li")]
    assert Accounts(districts_store.db).find("li") is None


def test_passwd_disable_enable_role(run_cli, monkeypatch, data, districts_store):
    from data.accounts import AuthError

    acc = Accounts(districts_store.db)
    _add(run_cli, monkeypatch, data, "li", "--role", "analyst", "--districts", "南山区")
    _stdin(monkeypatch, "new-password-2\n")
    run_cli(["users", "passwd", "li", "--password-stdin", *data])
    with pytest.raises(AuthError):
        acc.authenticate("li", PASSWORD)
    assert acc.authenticate("li", "new-password-2").name == "li"
    run_cli(["users", "disable", "li", *data])
    with pytest.raises(AuthError, match="停用"):
        acc.authenticate("li", "new-password-2")
    run_cli(["users", "enable", "li", *data])
    run_cli(["users", "role", "li", "--role", "data", *data])
    assert (acc.get("li").role, acc.get("li").districts) == ("data", ("南山区",))
    run_cli(["users", "role", "li", "--districts", "", *data])
    assert acc.get("li").districts == ()


def test_password_asked_twice_on_a_terminal(run_cli, monkeypatch, data, districts_store):
    import getpass

    answers = iter(["typed-pw-123", "typed-pw-123"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    run_cli(["users", "add", "li", "--role", "analyst", *data])
    assert Accounts(districts_store.db).authenticate("li", "typed-pw-123").name == "li"
    answers = iter(["typed-pw-123", "other-pw-456"])
    with pytest.raises(CliError, match="不一致"):
        run_cli(["users", "passwd", "li", *data])


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["add", "li", "--role", "boss", "--password-stdin"], PASSWORD, "valid roles: analyst"),
    (["add", "li", "--role", "admin", "--districts", "火星区", "--password-stdin"], PASSWORD,
     "unknown district 火星区"),
    (["add", "li", "--role", "admin", "--password-stdin"], "short\n", "at least 8"),
    (["add", "li", "--role", "admin", "--password-stdin"], "", "standard input is empty"),
    (["add", "李 四", "--role", "admin", "--password-stdin"], PASSWORD, "bad user name"),
    (["add", "li", "--role", "admin"], PASSWORD, "not a terminal"),
    (["passwd", "nobody", "--password-stdin"], PASSWORD, "no user 'nobody'"),
    (["disable", "nobody"], "", "no user 'nobody'"),
    (["remove", "nobody"], "", "no user 'nobody'"),
    (["role", "nobody", "--role", "admin"], "", "no user 'nobody'"),
    (["role", "li"], "", "--role ROLE and/or --districts"),
])
def test_bad_input_is_a_cli_error(run_cli, monkeypatch, data, argv, stdin, message):
    _stdin(monkeypatch, stdin)
    with pytest.raises(CliError, match=message):
        run_cli(["users", *argv, *data])


def test_existing_user_is_refused_with_exit_2(monkeypatch, data, capsys):
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["users", "add", "li", "--role", "admin", "--password-stdin", *data]) == 0
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["users", "add", "li", "--role", "admin", "--password-stdin", *data]) == 2
    err = capsys.readouterr().err
    assert "riskmap: error:" in err and "already exists" in err and "Traceback" not in err


def test_read_only_dataset_is_a_cli_error(run_cli, monkeypatch, data):
    import os

    real = os.access
    # a folder this process may not write (as root, chmod would not stop it): read-only here
    monkeypatch.setattr("data.sysdb.os.access",
                        lambda path, mode: False if mode == os.W_OK else real(path, mode))
    _stdin(monkeypatch, PASSWORD + "\n")
    with pytest.raises(CliError, match="read-only"):
        run_cli(["users", "add", "li", "--role", "admin", "--password-stdin", *data])


def test_users_on_a_postgis_store(run_cli, monkeypatch, pg_url):
    from data.pgstore import PostGISStore

    store = PostGISStore(pg_url, check=False)
    store.initialise()
    _stdin(monkeypatch, PASSWORD + "\n")
    run_cli(["users", "add", "li", "--role", "commander", "--password-stdin", "--store", pg_url])
    _, out, _ = run_cli(["users", "list", "--json", "--store", pg_url])
    assert [u["name"] for u in json.loads(out)] == ["li"]
    assert Accounts(store.db).authenticate("li", PASSWORD).role == "commander"
    store.close()
