"""Exposure per cordon zone (risk/cordon/exposure.py), checked against independent
pyproj.Geod counts and hand-computed answers."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from risk.cordon import ExposureIndex, exposure
from risk.crs import aeqd_crs

GEOD = pyproj.Geod(ellps="WGS84")
SHENZHEN = (114.0579, 22.5431)
GRADES = ["red", "orange", "yellow", "blue"]


# ---------------------------------------------------------------------------------------------
# exposure: membership exactly by Geod distance


def _independent_zone(center, gdf, radii):
    """Zone index by a per-point Geod.inv loop (n = outside)."""
    out = []
    for x, y in zip(gdf.geometry.x, gdf.geometry.y, strict=True):
        _, _, d = GEOD.inv(center[0], center[1], x, y)
        out.append(sum(d >= r for r in radii))
    return np.asarray(out)


@pytest.mark.parametrize("center", [SHENZHEN, (8.3, 45.2)])
def test_enterprise_counts_equal_independent_geod_count(center, ring_test_points):
    radii = (1000.0, 5000.0, 10000.0)
    ent = ring_test_points(center, radii)
    result = exposure({"enterprises": ent}, center, radii_m=radii)
    zone = _independent_zone(center, ent, radii)
    for i in range(len(radii)):
        for j, g in enumerate(GRADES):
            expected = int(np.sum((zone == i) & (ent["grade"] == g).to_numpy()))
            assert result.enterprises_by_grade[i, j] == expected
        assert result.major_hazard[i] == int(np.sum((zone == i) & ent["major_hazard"].to_numpy()))
    # priority list: every red/orange/major enterprise inside, nearest first, with its zone
    want = ((zone < 3) & (ent["grade"].isin(["red", "orange"]) | ent["major_hazard"])).to_numpy()
    pri = result.priority_enterprises
    assert sorted(pri["id"]) == sorted(ent["id"][want])
    assert (np.diff(pri["distance_m"].to_numpy()) >= 0).all()
    by_id = dict(zip(ent["id"], zone, strict=True))
    codes = ["core", "control", "warning"]
    assert all(codes[by_id[i]] == z for i, z in zip(pri["id"], pri["zone"], strict=True))
    n = len(pri)
    az, _, d = GEOD.inv(np.full(n, center[0]), np.full(n, center[1]), pri["lon"].to_numpy(),
                        pri["lat"].to_numpy())
    assert np.abs(pri["distance_m"].to_numpy() - d).max() <= 0.06  # shown to 0.1 m
    assert np.abs((pri["bearing_deg"].to_numpy() - az % 360 + 180) % 360 - 180).max() < 0.1  # deg
    assert set(pri["grade_zh"]) <= {"重大风险", "较大风险", "一般风险", "低风险"}


def test_index_and_layers_give_the_same_answer_and_inputs_untouched(ring_test_points):
    ent = ring_test_points(SHENZHEN, (1000, 5000, 10000), n_random=500)
    before = ent.copy()
    index = ExposureIndex.from_layers({"enterprises": ent})
    a = exposure(index, SHENZHEN)
    b = exposure({"enterprises": ent}, SHENZHEN)
    assert (a.enterprises_by_grade == b.enterprises_by_grade).all()
    assert ent.equals(before)


def test_empty_and_missing_layers():
    empty = gpd.GeoDataFrame({"name": [], "grade": []}, geometry=gpd.GeoSeries([], crs=4326))
    result = exposure({"enterprises": empty, "shelters": None}, SHENZHEN)
    data = result.to_json()
    assert [z["enterprises"] for z in data["zones"]] == [dict.fromkeys(GRADES, 0)] * 3
    assert data["evacuation_shelters"] == [] and data["checkpoints"] == []
    assert all(z["population"] is None for z in data["zones"])
    json.dumps(data)


# ---------------------------------------------------------------------------------------------
# shelters, slopes, waterlogging, checkpoints


def test_shelters_per_zone_and_evacuation_outside_control_zone(points_at):
    dists = np.array([500.0, 4999.0, 5001.0, 7000.0, 12000.0, 30000.0])
    lon, lat = points_at(SHENZHEN, dists, np.array([10, 100, 200, 300, 45, 90.0]))
    shelters = gpd.GeoDataFrame(
        {"id": list("abcdef"), "name": ["甲", "乙", "丙", "丁", "戊", "己"],
         "capacity": [100, 200, 300, 400, 500, 600], "shelter_type": ["fixed"] * 6},
        geometry=gpd.points_from_xy(lon, lat), crs=4326,
    )
    result = exposure({"shelters": shelters}, SHENZHEN)
    zones = result.to_json()["zones"]
    assert [z["shelters"] for z in zones] == [1, 1, 2]
    assert [z["shelter_capacity"] for z in zones] == [100, 200, 700]
    evac = result.evacuation_shelters
    assert list(evac["id"]) == ["c", "d", "e", "f"]  # >= 5 km, nearest first
    assert evac["distance_m"].to_numpy() == pytest.approx(dists[2:], abs=0.06)
    few = exposure({"shelters": shelters}, SHENZHEN, n_evacuation=2, evacuate_beyond_m=10000)
    assert list(few.evacuation_shelters["id"]) == ["e", "f"]


def test_slopes_by_nearest_point_and_waterlogging_points(points_at):
    to_local = pyproj.Transformer.from_crs(4326, aeqd_crs(*SHENZHEN), always_xy=True)
    to_geo = pyproj.Transformer.from_crs(aeqd_crs(*SHENZHEN), 4326, always_xy=True)

    def local_box(x0, y0, x1, y1):
        poly = shapely.segmentize(shapely.box(x0, y0, x1, y1), 10)
        return shapely.transform(poly, lambda xy: np.column_stack(to_geo.transform(*xy.T)))

    slopes = gpd.GeoDataFrame(
        {"id": ["s1", "s2", "s3"], "name": ["跨核心区边坡", "管制区边坡", "区外边坡"]},
        geometry=[local_box(900, -50, 1500, 50),  # nearest point 900 m: core, centroid 1200 m
                  local_box(-3000, 2000, -2900, 2100),
                  local_box(20000, 0, 20100, 100)],
        crs=4326,
    )
    lon, lat = points_at(SHENZHEN, np.array([999.0, 1001.0, 9999.0, 10001.0]), np.zeros(4))
    water = gpd.GeoDataFrame({"id": list("wxyz"), "name": list("WXYZ"),
                              "max_depth_cm": [10.0] * 4},
                             geometry=gpd.points_from_xy(lon, lat), crs=4326)
    result = exposure({"slopes": slopes, "waterlogging": water}, SHENZHEN)
    zones = result.to_json()["zones"]
    assert [z["slopes"] for z in zones] == [1, 1, 0]
    assert [z["waterlogging"] for z in zones] == [1, 1, 1]
    s1 = result.slopes.set_index("id").loc["s1"]
    assert s1["zone"] == "core" and s1["distance_m"] == pytest.approx(900, abs=1)
    del to_local


def test_to_json_shape_and_tables(ring_test_points):
    ent = ring_test_points(SHENZHEN, (1000, 5000, 10000), n_random=200)
    result = exposure({"enterprises": ent}, SHENZHEN)
    data = json.loads(json.dumps(result.to_json(), ensure_ascii=False))
    assert data["radii_m"] == [1000.0, 5000.0, 10000.0]
    assert [z["name"] for z in data["zones"]] == ["核心区（禁入）", "管制区", "警戒区"]
    for z in data["zones"]:
        assert {"name", "inner_m", "outer_m", "enterprises", "shelters", "shelter_capacity",
                "population", "slopes", "waterlogging", "major_hazard"} <= set(z)
    assert len(result.to_json(limit=3)["priority_enterprises"]) == 3
    tables = result.tables()
    assert set(tables) >= {"zones", "priority_enterprises", "evacuation_shelters", "checkpoints"}
    assert tables["zones"]["red"].sum() == result.enterprises_by_grade[:, 0].sum()


# ---------------------------------------------------------------------------------------------
# JSON built column by column: the same keys and values as through DataFrame.to_dict


def _reference_records(frame):
    """Rows the way to_json built them before: ``to_dict("records")``, then ``_plain``."""
    from risk.cordon.exposure import _plain

    return [{k: _plain(v) for k, v in r.items()} for r in frame.to_dict("records")]


def test_frame_records_equal_to_dict_with_missing_values():
    import pandas as pd

    from risk.cordon.exposure import column_values, frame_records

    frame = pd.DataFrame({
        "name": pd.array(["甲", None, "丙"], dtype="str"),
        "objects": np.array(["a", np.float64(2.5), None], dtype=object),
        "nan_object": np.array([float("nan"), pd.NA, np.int64(3)], dtype=object),
        "float": [1.5, float("nan"), float("inf")],
        "int": np.array([1, 2, 3], dtype=np.int64),
        "uint": np.array([1, 2, 3], dtype=np.uint8),
        "flag": [True, False, True],
        "nullable": pd.array([1, None, 3], dtype="Int64"),  # not numpy: the to_dict path
        "when": pd.to_datetime(["2024-01-01", "2024-01-02", None]),
    })
    got = frame_records(frame)
    assert json.dumps(got, default=str) == json.dumps(_reference_records(frame), default=str)
    assert got[1]["name"] is None and got[1]["float"] is None and got[2]["float"] is None
    assert got[0]["objects"] == "a" and type(got[1]["objects"]) is float
    assert type(got[0]["int"]) is int and type(got[0]["flag"]) is bool
    assert got[1]["nullable"] is None and got[2]["nan_object"] == 3
    numeric = frame[["name", "float", "int"]]
    assert frame_records(numeric) == _reference_records(numeric)
    assert column_values(frame["name"]) == ["甲", None, "丙"]
    assert column_values(frame["nullable"]) == [1, None, 3]
    assert frame_records(frame.iloc[:0]) == [] and frame_records(pd.DataFrame(index=[0, 1])) == [
        {}, {}]


def _reference_to_json(result, limit=None):
    """Exposure.to_json as it was built before (zone table and lists through to_dict)."""
    zones = []
    for row in result.zone_table().to_dict("records"):
        zones.append({
            "zone": row["zone"], "name": row["name"], "name_en": row["name_en"],
            "inner_m": row["inner_m"], "outer_m": row["outer_m"],
            "enterprises": {g: row[g] for g in GRADES}, "major_hazard": row["major_hazard"],
            "shelters": row["shelters"], "shelter_capacity": row["shelter_capacity"],
            "population": row["population"], "slopes": row["slopes"],
            "waterlogging": row["waterlogging"],
        })

    def records(frame):
        return _reference_records(frame if limit is None else frame.head(limit))

    return {
        "center": {"lon": result.center[0], "lat": result.center[1]},
        "radii_m": list(result.radii_m), "zones": zones,
        "priority_enterprises": records(result.priority_enterprises),
        "priority_enterprises_total": result.priority_total,
        "evacuation_shelters": records(result.evacuation_shelters),
        "evacuate_beyond_m": result.evacuate_beyond_m,
        "checkpoints": records(result.checkpoints),
    }


@pytest.mark.parametrize("limit", [None, 5])
def test_to_json_equals_the_to_dict_reference(ring_test_points, points_at, limit):
    ent = ring_test_points(SHENZHEN, (1000, 5000, 10000), n_random=400)
    ent["industry"] = np.where(np.arange(len(ent)) % 7 == 0, None, "化工")
    lon, lat = points_at(SHENZHEN, np.array([800.0, 6000.0, 12000.0]), np.array([0, 90, 180.0]))
    shelters = gpd.GeoDataFrame({"id": ["a", "b", "c"], "name": ["甲", None, "丙"],
                                 "capacity": [10.0, np.nan, 30.0]},
                                geometry=gpd.points_from_xy(lon, lat), crs=4326)
    result = exposure({"enterprises": ent, "shelters": shelters}, SHENZHEN)
    got = result.to_json(limit=limit)
    # identical text: the same keys in the same order, the same values
    assert json.dumps(got, ensure_ascii=False) == json.dumps(
        _reference_to_json(result, limit), ensure_ascii=False)
    assert len(got["priority_enterprises"]) == (result.priority_total if limit is None else 5)
    assert got["evacuation_shelters"][0]["name"] is None  # a missing name is null, not NaN


def test_zone_rows_are_the_zone_table():
    result = exposure({}, SHENZHEN, radii_m=(500, 1000))
    rows = result.zone_rows()
    assert rows == result.zone_table().to_dict("records")
    assert [r["zone"] for r in rows] == ["core", "control"]
    assert all(type(r["red"]) is int and r["population"] is None for r in rows)


def test_the_index_population_is_used_when_its_path_is_given_again(tmp_path, monkeypatch):
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "population.tif"
    with rasterio.open(path, "w", driver="GTiff", height=80, width=80, count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=from_origin(114.02, 22.58, 0.001, 0.001)) as dst:
        dst.write(np.ones((80, 80), dtype="float32"), 1)
    index = ExposureIndex.from_layers({}, population=path)
    expected = exposure(index, SHENZHEN, radii_m=(1000, 2000)).population
    assert expected.sum() > 0

    def refuse(*args, **kwargs):
        raise AssertionError("the GeoTIFF was opened again")

    monkeypatch.setattr(rasterio, "open", refuse)
    for same in (path, str(path)):
        got = exposure(index, SHENZHEN, radii_m=(1000, 2000), population=same).population
        assert got.tolist() == expected.tolist()
    assert index.holds_population(path) and not index.holds_population(tmp_path / "other.tif")
    with pytest.raises(AssertionError, match="opened again"):  # another file is still read
        exposure(index, SHENZHEN, radii_m=(1000, 2000), population=tmp_path / "other.tif")


def test_table_columns_give_the_tables_rows_without_the_tables(ring_test_points, points_at):
    from risk.cordon.exposure import column_records

    ent = ring_test_points(SHENZHEN, (1000, 5000, 10000), n_random=300)
    ent["industry"] = np.where(np.arange(len(ent)) % 5 == 0, None, "化工")
    lon, lat = points_at(SHENZHEN, np.array([6000.0, 12000.0, 20000.0]), np.array([0, 90, 180.0]))
    shelters = gpd.GeoDataFrame({"id": ["a", "b", "c"], "name": ["甲", None, "丙"],
                                 "capacity": [10.0, np.nan, 30.0]},
                                geometry=gpd.points_from_xy(lon, lat), crs=4326)
    for layers in ({"enterprises": ent, "shelters": shelters}, {"enterprises": ent}):
        result = exposure(layers, SHENZHEN)
        pri = result.priority_enterprises
        for n in (None, 0, 4):
            cols = result.table_columns("priority_enterprises", n)
            want = pri if n is None else pri.head(n)
            assert list(cols) == list(want.columns)
            assert column_records(cols) == _reference_records(want)
        evac = result.evacuation_shelters
        assert column_records(result.table_columns("evacuation_shelters")) == (
            _reference_records(evac))
        assert column_records(result.table_columns("evacuation_shelters", 1)) == (
            _reference_records(evac.head(1)))
    with pytest.raises(ValueError, match="priority_enterprises"):
        result.table_columns("slopes")
