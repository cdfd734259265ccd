"""``riskmap versions list|show|undo`` (ui/commands/versions.py)."""

from __future__ import annotations

import json

import pytest
from geopandas.testing import assert_geodataframe_equal

from ui.cli import CliError

HEADER = "企业编号,企业名称,经度,纬度,风险等级\n"


def where(store) -> list[str]:
    """``--data DIR`` or ``--store URL`` for ``store``."""
    root = getattr(store, "root", None)
    if root is not None:
        return ["--data", str(root)]
    return ["--store", store.url.render_as_string(hide_password=False)]


@pytest.fixture
def versioned(any_store, tmp_path, run_cli, monkeypatch):
    """A store of each kind with two imports into enterprises: v1 (E1, E2), v2 = replace by
    (E9)."""
    import geopandas as gpd

    from data import BOUNDARIES_DIR

    monkeypatch.delenv("RISKMAP_STORE", raising=False)
    any_store.write_layer("districts", gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson"))
    at = where(any_store)
    a = tmp_path / "a.csv"
    a.write_text(HEADER + "E1,甲,114.1,22.6,红\nE2,乙,114.11,22.61,橙\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text(HEADER + "E9,癸,114.19,22.69,蓝\n", encoding="utf-8")
    run_cli(["import", str(a), "--layer", "enterprises", *at])
    first = any_store.read_layer("enterprises")
    run_cli(["import", str(b), "--layer", "enterprises", *at, "--mode", "replace", "--yes"])
    return any_store, first


def test_list_newest_first_json_and_table(versioned, run_cli):
    store, _ = versioned
    at = where(store)
    code, out, _ = run_cli(["versions", "list", "--layer", "enterprises", *at,
                            "--json"])
    rows = json.loads(out)
    assert [(r["version"], r["mode"], r["file"], r["rows"], r["added"], r["removed"])
            for r in rows] == [(2, "replace", "b.csv", 1, 1, 2), (1, "update", "a.csv", 2, 2, 0)]
    assert all(r["actor"].startswith("cli") and r["kept"] for r in rows)
    code, out, _ = run_cli(["versions", "list", "--layer", "enterprises", *at])
    lines = out.splitlines()
    assert lines[0].split() == ["version", "at", "actor", "mode", "file", "rows", "added",
                                "changed", "removed", "kept"]
    assert lines[1].split()[0] == "2" and "replace" in lines[1]
    code, out, _ = run_cli(["versions", "list", "--layer", "shelters", *at])
    assert "no versions yet" in out


def test_show_gives_the_row_and_first_rows(versioned, run_cli):
    store, _ = versioned
    code, out, _ = run_cli(["versions", "show", "--layer", "enterprises", "1", *where(store),
                            "--json"])
    shown = json.loads(out)
    assert shown["version"] == 1 and [r["id"] for r in shown["first_rows"]] == ["E1", "E2"]
    with pytest.raises(CliError, match="has no version 7"):
        run_cli(["versions", "show", "--layer", "enterprises", "7", *where(store)])


def test_undo_restores_the_previous_rows_as_a_new_version(versioned, run_cli):
    store, first = versioned
    at = where(store)
    code, out, _ = run_cli(["versions", "undo", "--layer", "enterprises", *at])
    assert code == 0 and "restored version 1 of enterprises as version 3 (2 rows)" in out
    assert_geodataframe_equal(store.read_layer("enterprises"), first)
    info = store.list_versions("enterprises")[0]
    assert (info.mode, info.restored_from) == ("restore", 1)
    assert store.db.audit_rows(action="layer.restore")[-1]["ids"] == ["enterprises@3"]
    # undo again goes back to version 2 (the replace), --to picks one
    run_cli(["versions", "undo", "--layer", "enterprises", *at, "--to", "2"])
    assert list(store.read_layer("enterprises")["id"]) == ["E9"]
    with pytest.raises(CliError, match="version 4 is the current version"):
        run_cli(["versions", "undo", "--layer", "enterprises", *at, "--to", "4"])
    with pytest.raises(CliError, match="has no version 99"):
        run_cli(["versions", "undo", "--layer", "enterprises", *at, "--to", "99"])


def test_undo_with_nothing_to_undo(districts_store, run_cli):
    with pytest.raises(CliError, match="nothing to undo"):
        run_cli(["versions", "undo", "--layer", "enterprises", "--data",
                 str(districts_store.root)])


def test_undo_of_a_version_no_longer_kept(versioned, run_cli, monkeypatch):
    import data.store

    store, _ = versioned
    monkeypatch.setattr(data.store, "KEEP_VERSIONS", 1)
    run_cli(["versions", "undo", "--layer", "enterprises", *where(store)])
    rows = {v.version: v.kept for v in store.list_versions("enterprises")}
    assert rows == {3: True, 2: False, 1: False}
    with pytest.raises(CliError, match="no longer kept"):
        run_cli(["versions", "undo", "--layer", "enterprises", *where(store),
                 "--to", "1"])
    with pytest.raises(CliError, match="nothing to undo"):
        run_cli(["versions", "undo", "--layer", "enterprises", *where(store)])
