"""``riskmap audit`` (ui/commands/audit.py): the audit log oldest first, as a table or JSON,
filtered by --since, --action and --limit; bad values are a CliError."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from data.sysdb import audit_log
from ui.cli import CliError, main
from ui.commands.audit import parse_since

ROWS = [  # at, actor, action, target, ids, ok
    ("2026-11-30T23:59:59+08:00", "admin", "user.add", "li", ["li"], True),
    ("2026-12-01T00:00:00+08:00", "li", "login.failed", "li", [], False),
    ("2026-12-01T08:30:00+08:00", "li", "login.ok", "li", [], True),
    ("2026-12-01T09:00:00+08:00", "li", "incident.create", "incident", ["7"], True),
    ("2026-12-02T10:00:00+08:00", "data", "layer.update", "enterprises", ["enterprises@3"],
     True),
]


@pytest.fixture
def data(districts_store):
    """``--data DIR`` of a dataset whose audit log holds :data:`ROWS`."""
    with districts_store.db.transaction() as conn:
        for at, actor, action, target, ids, ok in ROWS:
            conn.execute(audit_log.insert().values(
                at=at, actor=actor, action=action, target=target, ids=json.dumps(ids),
                detail=json.dumps({"source": "test"} if action.startswith("login") else {}),
                ok=ok))
    return ["--data", str(districts_store.root)]


def _json(run_cli, *argv: str) -> list[dict]:
    code, out, _ = run_cli(["audit", "--json", *argv])
    assert code == 0
    return json.loads(out)


def test_json_oldest_first_with_every_column(run_cli, data):
    rows = _json(run_cli, *data)
    assert [r["action"] for r in rows] == [r[2] for r in ROWS]
    assert set(rows[0]) == {"id", "at", "actor", "action", "target", "ids", "ok", "detail"}
    assert rows[1]["ok"] is False and rows[1]["detail"] == {"source": "test"}
    assert rows[3]["ids"] == ["7"]


@pytest.mark.parametrize(("since", "expected"), [
    ("2026-12-01", 4),
    ("2026-12-01T08:30", 3),
    ("2026-12-01T01:00:00Z", 2),   # 09:00 in China Standard Time
    ("2026-12-01T08:29:59+08:00", 3),
    ("2026-12-03", 0),
])
def test_since(run_cli, data, since, expected):
    assert len(_json(run_cli, "--since", since, *data)) == expected


def test_action_and_limit(run_cli, data):
    assert [r["action"] for r in _json(run_cli, "--action", "login.failed", *data)] == [
        "login.failed"]
    last = _json(run_cli, "--limit", "2", *data)
    assert [r["action"] for r in last] == ["incident.create", "layer.update"]  # the last two


def test_table(run_cli, data):
    _, out, _ = run_cli(["audit", *data])
    lines = out.splitlines()
    assert lines[0].split() == ["at", "actor", "action", "target", "ids", "ok", "detail"]
    assert len(lines) == 1 + len(ROWS)
    assert "FAILED 失败" in lines[2] and '{"source": "test"}' in lines[2]
    assert "enterprises@3" in lines[-1]
    # columns line up: every row's action starts where the header's does
    col = lines[0].index("action")
    assert all(line[col:].split()[0] == row[2] for line, row in zip(lines[1:], ROWS,
                                                                     strict=True))


def test_no_rows(run_cli, districts_store):
    _, out, _ = run_cli(["audit", "--data", str(districts_store.root)])
    assert "no audit rows" in out


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-12-01T25:00", ""])
def test_bad_since_is_a_cli_error(run_cli, data, value):
    with pytest.raises(CliError, match="--since"):
        run_cli(["audit", "--since", value, *data])


def test_bad_limit_exits_2(data, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["audit", "--limit", "0", *data])
    assert exc.value.code == 2 and "at least 1" in capsys.readouterr().err


def test_parse_since_keeps_china_time():
    assert parse_since("2026-12-01") == "2026-12-01"
    assert parse_since("2026-12-01 08:00") == "2026-12-01T08:00:00+08:00"
    assert parse_since("2026-12-01T00:00:00+00:00") == "2026-12-01T08:00:00+08:00"


def test_audit_on_a_postgis_store(run_cli, pg_url):
    from data.pgstore import PostGISStore

    store = PostGISStore(pg_url, check=False)
    store.initialise()
    with store.db.transaction() as conn:
        store.db.audit(conn, actor="admin", action="user.add", target="li", ids=["li"])
    rows = _json(run_cli, "--store", pg_url)
    assert [(r["actor"], r["action"], r["ids"]) for r in rows][-1] == ("admin", "user.add",
                                                                       ["li"])
    with store.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar() == len(
            rows)
    store.close()
