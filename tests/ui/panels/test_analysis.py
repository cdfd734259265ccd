"""The analyst tab's callback, called directly (no browser)."""

import base64

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from data import BOUNDARIES_DIR
from data.store import FileStore
from ui.panels.analysis import update_filters
from ui.state import AppState


@pytest.fixture()
def state(tmp_path):
    store = FileStore(tmp_path)
    districts = gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson")[["code", "name", "name_en",
                                                                    "geometry"]]
    store.write_layer("districts", districts)
    grades = ["red", "orange", "yellow", "blue", "blue", "blue"]
    store.write_layer("enterprises", gpd.GeoDataFrame({
        "id": [f"E{i}" for i in range(6)], "name": [f"企业{i}" for i in range(6)],
        "industry": ["燃气", "危化品", "工贸", "工贸", "燃气", "工贸"],
        "district": ["福田区", "南山区", "福田区", "宝安区", "南山区", "福田区"],
        "address": [""] * 6, "grade": grades,
        "major_hazard": [True, True, False, False, False, False],
        "last_inspection": [""] * 6,
    }, geometry=[Point(114.05, 22.55), Point(113.93, 22.53), Point(114.06, 22.54),
                 Point(113.88, 22.58), Point(113.94, 22.52), Point(114.04, 22.54)], crs=4326))
    return AppState(tmp_path)


def _count(children) -> int:
    return children.children[1].to_plotly_json()["props"]["data-count"]


def test_count_table_and_map_command_follow_the_filters(state):
    count, _chart, table, command, _msg = update_filters(
        state, ["red", "orange", "yellow", "blue"], [], [], False, "zh")
    assert _count(count) == 6
    assert command["type"] == "riskmap:filter" and command["grades"] == ["red", "orange",
                                                                          "yellow", "blue"]
    count, _chart, table, command, _msg = update_filters(state, ["blue"], ["工贸"], [], False, "zh")
    assert _count(count) == 2
    assert command == {"type": "riskmap:filter", "grades": ["blue"], "industries": ["工贸"],
                       "districts": [], "major": False, "fit": False, "others": "show"}
    count, *_ = update_filters(state, ["red", "orange", "yellow", "blue"], [], ["南山区"], True, "zh")
    assert _count(count) == 1
    count, *_ = update_filters(state, [], [], [], False, "zh")
    assert _count(count) == 0


def test_statistics_table_sums_to_the_count(state):
    count, _chart, table, _, _msg = update_filters(state, ["red", "blue"], [], [], False, "en")
    footer = table.children[2].children.children  # Tfoot > Tr > cells
    total = int(footer[-1].children.replace(",", ""))
    assert total == _count(count) == 4
    red = int(footer[1].children)
    assert red == 1


def test_state_reloads_when_files_change(state):
    first = state.version
    assert len(state.dataset.enterprises) == 6
    ents = state.dataset.enterprises.iloc[:3]
    FileStore(state.data_dir).write_layer("enterprises", ents)
    assert state.version != first
    assert len(state.dataset.enterprises) == 3


def test_fit_and_other_layers_travel_with_the_filter(state):
    *_, command, _msg = update_filters(state, ["red"], [], ["南山区"], False, "zh", fit=True,
                                       others="dim")
    assert command["fit"] is True and command["others"] == "dim"
    *_, command, _msg = update_filters(state, ["red"], [], [], False, "zh", others="bogus")
    assert command["others"] == "show"


def test_overdue_filter_keeps_old_and_never_inspected_rows(tmp_path):
    store = FileStore(tmp_path)
    dates = ["2026-11-01", "2026-01-15", "", "2025-12-31"]
    store.write_layer("enterprises", gpd.GeoDataFrame({
        "id": [f"E{i}" for i in range(4)], "name": [f"企业{i}" for i in range(4)],
        "industry": ["工贸"] * 4, "district": ["福田区"] * 4, "address": [""] * 4,
        "grade": ["red", "orange", "yellow", "blue"], "major_hazard": [False] * 4,
        "last_inspection": dates,
    }, geometry=[Point(114.05 + i / 100, 22.55) for i in range(4)], crs=4326))
    st = AppState(tmp_path)
    grades = ["red", "orange", "yellow", "blue"]
    import datetime as dt
    count, _c, _t, command, msg = update_filters(st, grades, [], [], False, "zh", overdue=6,
                                                 today=dt.date(2026, 12, 1))
    # cut-off 2026-06-01: rows 1 (2026-01-15), 2 (never) and 3 (2025-12-31)
    assert _count(count) == 3
    bits = np.unpackbits(np.frombuffer(base64.urlsafe_b64decode(command["rowmask"]), dtype=np.uint8),
                         bitorder="little")
    assert bits[:4].tolist() == [0, 1, 1, 1] and not bits[4:].any()
    # URL-safe: Dash's JSON would write every "/" of plain base64 as six bytes (\u002f)
    assert not set(command["rowmask"]) & {"/", "+"}
    assert "rows" not in command
    assert "2026-06-01" in msg
    count, _c, _t, command, msg = update_filters(st, grades, [], [], False, "zh", overdue="100x")
    assert _count(count) == 4 and "rowmask" not in command
    assert "1–240" in msg.children and "100x" in msg.children
    _, _, _, _, msg = update_filters(st, grades, [], [], False, "zh", overdue=0)
    assert "1–240" in msg.children


def test_a_district_click_filters_to_it_and_a_second_click_clears_it():
    from ui.panels.analysis import pick_district

    assert pick_district([], "南山区") == ["南山区"]
    assert pick_district(["福田区", "南山区"], "南山区") == ["南山区"]
    assert pick_district(["南山区"], "南山区") == []


def test_district_names_in_the_table_and_chart_are_buttons(state):
    _count_, chart, table, _cmd, _msg = update_filters(state, ["red", "blue"], [], [], False, "zh")
    ids_ = [c.children[0].children.id for c in chart.children]
    assert {"type": "stats-district", "name": "南山区", "where": "chart"} in ids_
    first_row = table.children[1].children[0]
    assert first_row.children[0].children.id["where"] == "table"


def test_density_view_travels_with_the_filter(state):
    *_, command, _msg = update_filters(state, ["red"], [], [], False, "zh", density=True)
    assert command["density"] is True
    *_, command, _msg = update_filters(state, ["red"], [], [], False, "zh")
    assert "density" not in command
