"""``riskmap incidents`` (ui/commands/incidents.py): list, show, export, delete a saved cordon."""

from __future__ import annotations

import json

import pytest

from ui.cli import CliError

CENTER = (114.0579, 22.5431)  # the incident point of the cordon_dataset fixture (conftest.py)


def test_save_list_show_export_delete(parse_cli, run_cli, cordon_dataset, capsys, tmp_path):
    run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]), "--save", "--type",
          "危化品泄漏", "--note", "储罐泄漏", "--data", str(cordon_dataset)])
    code, out, _ = run_cli(["incidents", "list", "--json", "--data", str(cordon_dataset)])
    items = json.loads(out)
    assert len(items) == 1
    assert (items[0]["type_zh"], items[0]["note"]) == ("危化品泄漏", "储罐泄漏")
    new_id = items[0]["id"]
    code, out, _ = run_cli(["incidents", "show", str(new_id), "--data", str(cordon_dataset)])
    assert json.loads(out)["cordon"]["zones"][0]["enterprises"]["red"] == 2
    out_file = tmp_path / "inc.geojson"
    run_cli(["incidents", "export", str(new_id), "--out", str(out_file),
             "--data", str(cordon_dataset)])
    assert json.loads(out_file.read_text(encoding="utf-8"))["type"] == "FeatureCollection"
    run_cli(["incidents", "delete", str(new_id), "--data", str(cordon_dataset)])
    with pytest.raises(CliError, match="no incident"):
        args = parse_cli(["incidents", "show", str(new_id), "--data", str(cordon_dataset)])
        args.func(args)


def _save(run_cli, folder, n: int) -> None:
    from data.incidents import Incident, IncidentStore

    IncidentStore(folder).add_many([Incident(lon=CENTER[0], lat=CENTER[1], note=f"第{i}号",
                                             created=f"2026-01-01T00:{i:02d}:00+08:00")
                                    for i in range(n)])


def test_list_pages_newest_first_and_searches(run_cli, cordon_dataset):
    _save(run_cli, cordon_dataset, 12)
    code, out, _ = run_cli(["incidents", "list", "--json", "--limit", "5", "--offset", "5",
                            "--data", str(cordon_dataset)])
    assert [i["note"] for i in json.loads(out)] == [f"第{i}号" for i in (6, 5, 4, 3, 2)]
    code, out, err = run_cli(["incidents", "list", "--limit", "5", "--data", str(cordon_dataset)])
    assert len(out.splitlines()) == 5 and "第11号" in out.splitlines()[0]
    assert "1–5 of 12" in err and "--offset 5" in err
    code, out, _ = run_cli(["incidents", "list", "--json", "--limit", "0",
                            "--data", str(cordon_dataset)])
    assert len(json.loads(out)) == 12
    code, out, _ = run_cli(["incidents", "list", "--json", "--search", "第7号",
                            "--data", str(cordon_dataset)])
    assert [i["note"] for i in json.loads(out)] == ["第7号"]


def test_limit_must_be_a_count(parse_cli):
    with pytest.raises(SystemExit):
        parse_cli(["incidents", "list", "--limit", "-3"])


def test_changes_are_audited_as_the_cli_user(run_cli, cordon_dataset):
    from data.sysdb import SystemDB
    from ui.commands._common import cli_actor

    run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]), "--save",
             "--data", str(cordon_dataset)])
    run_cli(["incidents", "delete", "1", "--data", str(cordon_dataset)])
    rows = SystemDB.for_folder(cordon_dataset).audit_rows()
    assert [(r["actor"], r["action"], r["ids"]) for r in rows
            if r["action"].startswith("incident")] == [
        (cli_actor(), "incident.create", ["1"]), (cli_actor(), "incident.delete", ["1"])]


def _read_only(monkeypatch):
    import os

    import data.sysdb

    real = os.access
    monkeypatch.setattr(data.sysdb.os, "access",
                        lambda path, mode, **kw: False if mode & os.W_OK else real(path, mode))


def _locked(monkeypatch, folder):
    import sqlite3

    import data.sysdb

    monkeypatch.setattr(data.sysdb, "LOCK_TIMEOUT_S", 0.2)
    other = sqlite3.connect(folder / data.sysdb.DB_FILE, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def _disk_full(monkeypatch):
    import sqlite3

    import sqlalchemy as sa

    real = sa.create_engine

    def engine(*args, **kwargs):
        made = real(*args, **kwargs)

        @sa.event.listens_for(made, "before_cursor_execute")
        def full(conn, cursor, sql, params, context, many):
            if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                raise sqlite3.OperationalError("database or disk is full")

        return made

    monkeypatch.setattr(sa, "create_engine", engine)


@pytest.mark.parametrize(("fault", "needle"), [
    ("read-only", "只读"), ("locked", "busy"), ("disk full", "database or disk is full")])
def test_a_failing_store_is_a_cli_error_and_nothing_is_printed(
        parse_cli, cordon_dataset, capsys, monkeypatch, fault, needle):
    import ui.cli
    from data.incidents import IncidentStore

    _save(None, cordon_dataset, 1)
    other = None
    if fault == "read-only":
        _read_only(monkeypatch)
    elif fault == "locked":
        other = _locked(monkeypatch, cordon_dataset)
    else:
        _disk_full(monkeypatch)
    try:
        for argv in (["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]), "--save"],
                     ["incidents", "delete", "1"]):
            capsys.readouterr()
            code = ui.cli.main([*argv, "--data", str(cordon_dataset)])
            out, err = capsys.readouterr()
            assert code == 2, argv
            assert out == ""  # no cordon printed for an incident that was not saved
            assert err.startswith("riskmap: error:") and needle in err
            assert "Traceback" not in err and "cannot rollback" not in err
        if fault != "locked":  # reading still works (it tracebacked on a read-only folder)
            assert ui.cli.main(["incidents", "list", "--json", "--data", str(cordon_dataset)]) == 0
            assert [i["note"] for i in json.loads(capsys.readouterr().out)] == ["第0号"]
    finally:
        if other is not None:
            other.rollback()
            other.close()
    monkeypatch.undo()
    assert [i.note for i in IncidentStore(cordon_dataset).list()] == ["第0号"]


def _where(store) -> list[str]:
    """``--data DIR`` or ``--store URL`` naming ``store``."""
    root = getattr(store, "root", None)
    if root is not None:
        return ["--data", str(root)]
    return ["--store", store.url.render_as_string(hide_password=False)]


def test_cordon_save_and_incidents_on_either_store(run_cli, sample_any_store, monkeypatch):
    from data.incidents import incidents_for
    from ui.commands._common import cli_actor

    monkeypatch.delenv("RISKMAP_STORE", raising=False)
    where = _where(sample_any_store)
    code, out, err = run_cli(["cordon", "--lon", "114.05", "--lat", "22.60", "--save",
                              "--note", "两处都一样", *where])
    saved = json.loads(err.strip().splitlines()[-1])["saved_incident"]
    assert code == 0 and json.loads(out)["zones"][0]["zone"] == "core"
    code, out, _ = run_cli(["incidents", "list", "--json", *where])
    assert [(i["id"], i["note"]) for i in json.loads(out)] == [(saved, "两处都一样")]
    code, out, _ = run_cli(["incidents", "show", str(saved), *where])
    assert json.loads(out)["incident"]["id"] == saved
    run_cli(["incidents", "delete", str(saved), *where])
    assert len(incidents_for(sample_any_store)) == 0
    actors = {r["actor"] for r in sample_any_store.db.audit_rows()
              if r["action"].startswith("incident.")}
    assert actors == {cli_actor()}


def test_a_wind_incident_shows_its_history_and_exports_its_wind(run_cli, cordon_dataset, tmp_path):
    import xml.etree.ElementTree as ET

    from data.incidents import IncidentStore

    run_cli(["cordon", "--lon", str(CENTER[0]), "--lat", str(CENTER[1]), "--save", "--type",
             "gas", "--wind-from", "270", "--downwind-km", "6", "--data", str(cordon_dataset)])
    (item,) = json.loads(run_cli(["incidents", "list", "--json", "--data",
                                  str(cordon_dataset)])[1])
    assert (item["wind_from_deg"], item["downwind_m"]) == (270.0, 6000.0)
    IncidentStore(cordon_dataset).update(item["id"], actor="li", note="扩大", radii_m=(1000, 8000))
    _, out, _ = run_cli(["incidents", "show", str(item["id"]), "--data", str(cordon_dataset)])
    shown = json.loads(out)
    assert [h["action"] for h in shown["history"]] == ["create", "update"]
    assert shown["history"][1]["changes"]["note"] == {"from": "", "to": "扩大"}
    assert shown["history"][1]["actor"] == "li"
    assert shown["cordon"]["downwind"]["distance_m"] == 6000.0
    assert shown["cordon"]["incident"]["wind_from_deg"] == 270.0
    assert "hazards" in shown["cordon"]["zones"][0]
    _, list_out, _ = run_cli(["incidents", "list", "--data", str(cordon_dataset)])
    assert "270°/6 km" in list_out
    kml = tmp_path / "one.kml"
    run_cli(["incidents", "export", str(item["id"]), "--out", str(kml),
             "--data", str(cordon_dataset)])
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    styles = [p.findtext("k:styleUrl", namespaces=ns)
              for p in ET.parse(kml).getroot().iter(f"{{{ns['k']}}}Placemark")]
    assert styles.count("#incident") == 1 and styles.count("#downwind") == 1
    _, out, _ = run_cli(["incidents", "export", str(item["id"]), "--format", "geojson",
                         "--data", str(cordon_dataset)])
    kinds = [f["properties"]["kind"] for f in json.loads(out)["features"]]
    assert kinds.count("downwind") == 1 and kinds.count("incident") == 1


def test_export_all_writes_every_incident(run_cli, cordon_dataset, tmp_path):
    import xml.etree.ElementTree as ET

    from data.incidents import Incident, IncidentStore

    store = IncidentStore(cordon_dataset)
    a = store.add(Incident(lon=CENTER[0], lat=CENTER[1], wind_from_deg=90, note="<甲>"))
    b = store.add(Incident(lon=CENTER[0] + 0.01, lat=CENTER[1], radii_m=(500, 2000)))
    _, out, _ = run_cli(["incidents", "export", "--all", "--format", "geojson",
                         "--data", str(cordon_dataset)])
    feats = json.loads(out)["features"]
    points = [f for f in feats if f["properties"]["kind"] == "incident"]
    assert sorted(f["properties"]["id"] for f in points) == [a, b]
    assert [f["properties"]["incident_id"] for f in feats
            if f["properties"]["kind"] == "downwind"] == [a]
    assert sum(f["properties"]["kind"] == "zone" for f in feats) == 3 + 2
    kml = tmp_path / "all.kml"
    run_cli(["incidents", "export", "--all", "--out", str(kml), "--data", str(cordon_dataset)])
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.parse(kml).getroot()
    assert len(root.findall("k:Document/k:Folder", ns)) == 2
    _, out, _ = run_cli(["incidents", "export", "--all", "--format", "json",
                         "--data", str(cordon_dataset)])
    assert {i["id"]: len(i["history"]) for i in json.loads(out)} == {a: 1, b: 1}
    with pytest.raises(CliError, match="--all exports"):
        run_cli(["incidents", "export", "--all", "--format", "zip", "--out",
                 str(tmp_path / "x.zip"), "--data", str(cordon_dataset)])
    with pytest.raises(CliError, match="without an ID"):
        run_cli(["incidents", "export", str(a), "--all", "--format", "kml",
                 "--data", str(cordon_dataset)])
