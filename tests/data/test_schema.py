"""validate_layer: what it refuses, and that every input row is either accepted or reported."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from data.schema import LayerError, validate_layer

REGION = box(113.7, 22.3, 114.7, 22.9)  # roughly Shenzhen


def _enterprises(**overrides) -> gpd.GeoDataFrame:
    base = {
        "id": ["E1", "E2", "E3"],
        "name": ["甲有限公司", "乙有限公司", "丙有限公司"],
        "grade": ["red", "较大", "蓝"],
        "geometry": [Point(114.05, 22.54), Point(113.9, 22.55), Point(114.2, 22.7)],
    }
    base.update(overrides)
    return gpd.GeoDataFrame(base, crs=4326)


def test_a_clean_layer_is_accepted_with_codes_and_defaults():
    result = validate_layer("enterprises", _enterprises(), region=REGION)
    assert result.ok
    assert list(result.accepted["grade"]) == ["red", "orange", "blue"]
    assert list(result.accepted["major_hazard"]) == [False, False, False]  # default for a
    assert list(result.accepted["industry"]) == ["", "", ""]                # missing column
    assert result.accepted.crs.to_epsg() == 4326


def test_missing_required_column_names_layer_and_column():
    gdf = _enterprises().drop(columns="grade")
    with pytest.raises(LayerError, match=r"layer 'enterprises' \(ent\.gpkg\).*missing.*grade"):
        validate_layer("enterprises", gdf, source="ent.gpkg")


def test_unknown_layer_and_missing_crs_are_layer_errors():
    with pytest.raises(LayerError, match="unknown layer 'factories'.*enterprises"):
        validate_layer("factories", _enterprises())
    with pytest.raises(LayerError, match="no coordinate reference system"):
        validate_layer("enterprises", _enterprises().set_crs(None, allow_override=True))


def test_unknown_grade_rejects_that_row_with_number_and_valid_values():
    result = validate_layer("enterprises", _enterprises(grade=["red", "紫色", "D"]))
    assert list(result.accepted["id"]) == ["E1", "E3"]
    assert len(result.rejected) == 1
    row = result.rejected.iloc[0]
    assert (row["layer"], row["row"], row["column"], row["value"]) == ("enterprises", 2, "grade",
                                                                       "紫色")
    assert "unknown risk grade '紫色'" in row["reason"]
    assert "valid values" in row["reason"] and "重大" in row["reason"] and "blue" in row["reason"]


def test_row_offset_shifts_reported_row_numbers():
    result = validate_layer("enterprises", _enterprises(grade=["x", "red", "red"]), row_offset=2)
    assert list(result.rejected["row"]) == [2]  # e.g. spreadsheet row 2 after a header row


def test_point_outside_region_is_rejected():
    gdf = _enterprises(geometry=[Point(114.05, 22.54), Point(116.0, 23.0), Point(114.2, 22.7)])
    result = validate_layer("enterprises", gdf, region=REGION)
    assert list(result.rejected["row"]) == [2]
    assert result.rejected["reason"].iloc[0] == "outside the dataset's region"
    assert len(validate_layer("enterprises", gdf).accepted) == 3  # no region, no check


def test_coordinates_out_of_range_are_rejected():
    gdf = _enterprises(geometry=[Point(114.05, 22.54), Point(22.54, 114.05), Point(114.2, 22.7)])
    result = validate_layer("enterprises", gdf)
    assert list(result.rejected["row"]) == [2]
    assert "out of range" in result.rejected["reason"].iloc[0]


def test_empty_missing_invalid_and_wrong_type_geometries():
    bowtie = Polygon([(114.0, 22.5), (114.01, 22.51), (114.01, 22.5), (114.0, 22.51)])
    square = box(114.0, 22.5, 114.001, 22.501)
    gdf = gpd.GeoDataFrame(
        {"id": list("abcde"), "name": ["s1", "s2", "s3", "s4", "s5"]},
        geometry=[square, bowtie, Polygon(), None, LineString([(114, 22.5), (114.1, 22.6)])],
        crs=4326,
    )
    result = validate_layer("slopes", gdf, region=REGION)
    assert list(result.accepted["id"]) == ["a"]
    reasons = dict(zip(result.rejected["row"], result.rejected["reason"], strict=True))
    assert reasons[2] == "invalid geometry"
    assert "Self-intersection" in result.rejected.set_index("row").loc[2, "value"]
    assert reasons[3] == reasons[4] == "missing or empty geometry"
    assert reasons[5] == "geometry must be Polygon/MultiPolygon"


def test_duplicate_id_keeps_the_first():
    result = validate_layer("enterprises", _enterprises(id=["E1", "E2", "E1"]))
    assert list(result.accepted["id"]) == ["E1", "E2"]
    assert result.rejected[["row", "column", "reason"]].values.tolist() == [[3, "id",
                                                                             "duplicate id"]]


def test_non_numeric_depth_is_rejected():
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b", "c"], "max_depth_cm": ["35", "deep", 12.5]},
        geometry=[Point(114.0, 22.55)] * 3, crs=4326,
    )
    result = validate_layer("waterlogging", gdf)
    assert result.accepted["max_depth_cm"].tolist() == [35.0, 12.5]
    assert result.rejected[["row", "column", "value", "reason"]].values.tolist() == [
        [2, "max_depth_cm", "deep", "not a number"]]


def test_blank_ids_are_filled_from_row_numbers():
    result = validate_layer("enterprises", _enterprises(id=["", "E2", None]))
    assert result.ok
    assert list(result.accepted["id"]) == ["ent-1", "E2", "ent-3"]


def test_shelter_type_spellings_and_refusal():
    gdf = gpd.GeoDataFrame(
        {"name": ["a", "b", "c", "d"], "shelter_type": ["紧急", "固定避难场所", "Central", "临时"]},
        geometry=[Point(114.0, 22.55)] * 4, crs=4326,
    )
    result = validate_layer("shelters", gdf)
    assert list(result.accepted["shelter_type"]) == ["emergency", "fixed", "central"]
    assert result.rejected["row"].tolist() == [4]
    assert "紧急/固定/中心" in result.rejected["reason"].iloc[0]


def test_metric_input_is_reprojected_to_wgs84():
    utm = pyproj.CRS("EPSG:32650")
    to_utm = pyproj.Transformer.from_crs(4326, utm, always_xy=True)
    x, y = to_utm.transform(114.05, 22.54)
    gdf = gpd.GeoDataFrame({"name": ["a"], "grade": ["黄"]}, geometry=[Point(x, y)], crs=utm)
    result = validate_layer("enterprises", gdf, region=REGION)
    assert result.ok
    pt = result.accepted.geometry.iloc[0]
    assert (pt.x, pt.y) == pytest.approx((114.05, 22.54), abs=1e-9)


def test_every_row_is_accepted_or_reported():
    bowtie = Polygon([(114.0, 22.5), (114.01, 22.51), (114.01, 22.5), (114.0, 22.51)])
    gdf = gpd.GeoDataFrame(
        {
            "id": ["a", "b", "c", "d", "b", "f", "g", "h"],
            "name": ["n1", "n2", "", "n4", "n5", "n6", "n7", "n8"],
            "grade": ["red", "bad", "blue", "yellow", "orange", "2", "red", "A"],
            "major_hazard": ["是", "否", "maybe", "1", "0", True, "", "no"],
            "last_inspection": ["2025-01-02", "", "2025-13-40", "2024-06-01", "", "", "", ""],
        },
        geometry=[Point(114.0, 22.5), Point(114.0, 22.5), Point(114.0, 22.5), bowtie,
                  Point(114.0, 22.5), Point(120.0, 30.0), None, Point(114.1, 22.6)],
        crs=4326,
    )
    result = validate_layer("enterprises", gdf, region=REGION)
    bad_rows = set(result.rejected["row"])
    assert bad_rows == {2, 3, 4, 5, 6, 7}
    # row 3 has three problems (empty name, bad flag, bad date): all are reported
    assert set(result.rejected.loc[result.rejected["row"] == 3, "column"]) == {
        "name", "major_hazard", "last_inspection"}
    assert len(result.accepted) + len(bad_rows) == len(gdf)
    assert list(result.accepted["id"]) == ["a", "h"]
    assert list(result.accepted["major_hazard"]) == [True, False]
    assert list(result.accepted["last_inspection"]) == ["2025-01-02", ""]


def test_input_frame_is_not_mutated():
    gdf = _enterprises(grade=["红", "x", "蓝"])
    before = gdf.copy()
    validate_layer("enterprises", gdf, region=REGION)
    pd.testing.assert_frame_equal(pd.DataFrame(gdf), pd.DataFrame(before))
    assert shapely.equals(gdf.geometry.values, before.geometry.values).all()


def test_sensitive_sites_kinds_in_every_spelling_and_people_not_negative():
    import geopandas as gpd

    from data.schema import LAYERS, SITE_KINDS, validate_layer

    assert LAYERS["sensitive_sites"].required == ("name", "kind")
    assert {zh for zh, _ in SITE_KINDS.values()} == {"学校", "幼儿园", "医院", "养老院", "商场市场",
                                                      "场馆"}
    kinds = ["学校", "小学", "Kindergarten", "医院", "敬老院", "商场", "体育馆", "care_home", "工厂"]
    n = len(kinds)
    raw = gpd.GeoDataFrame(
        {"name": [f"site {i}" for i in range(n)], "kind": kinds,
         "people": ["1200", "", 80, "300", "-5", "2000", "x", 40, 10]},
        geometry=gpd.points_from_xy([114.05] * n, [22.55] * n), crs=4326)
    result = validate_layer("sensitive_sites", raw)
    assert list(result.accepted["kind"]) == ["school", "school", "kindergarten", "hospital",
                                             "market", "care_home"]
    rejected = result.rejected.set_index("row")
    assert rejected.loc[5, "column"] == "people"            # a negative head count
    assert rejected.loc[7, "column"] == "people"            # not a number
    assert rejected.loc[9, "column"] == "kind"              # 工厂 is not a sensitive site
    assert "学校/幼儿园/医院/养老院/商场市场/场馆" in rejected.loc[9, "reason"]
    assert result.accepted["id"].tolist()[0] == "sen-1"     # ids filled from the row number


def _districts():
    from shapely.geometry import box

    return gpd.GeoDataFrame({"name": ["南山区", "罗湖区"]},
                            geometry=[box(113.9, 22.5, 114.0, 22.6), box(114.1, 22.5, 114.2, 22.6)],
                            crs=4326)


def _register(districts_column, points, **extra):
    n = len(points)
    return gpd.GeoDataFrame({"name": [f"企业{i}" for i in range(n)], "grade": ["red"] * n,
                             "district": districts_column, **extra},
                            geometry=points, crs=4326)


def test_district_is_checked_against_the_coordinates():
    from shapely.geometry import Point

    pts = [Point(113.95, 22.55), Point(113.95, 22.55), Point(114.15, 22.55), Point(113.95, 22.52),
           Point(114.05, 22.55)]
    gdf = _register(["南山区", "罗湖区", "", "南山", "南山区"], pts)
    res = validate_layer("enterprises", gdf, districts=_districts())
    # row 2 (南山 coordinates, says 罗湖区) kept and noted; row 3 blank filled; row 4 completed;
    # row 5 outside every district rejected
    assert res.accepted["district"].tolist() == ["南山区", "罗湖区", "罗湖区", "南山区"]
    notes = res.notes.set_index("row")["reason"]
    assert "罗湖区" in notes[2] and "南山区" in notes[2] and "does not match" in notes[2]
    assert "filled from the coordinates: 罗湖区" in notes[3]
    assert 4 not in notes.index
    assert res.rejected["row"].tolist() == [5]
    assert "outside every district" in res.rejected["reason"].iloc[0]
    strict = validate_layer("enterprises", gdf, districts=_districts(), on_mismatch="reject")
    assert sorted(strict.rejected["row"].tolist()) == [2, 5]


def test_other_layers_outside_every_district_are_kept_and_noted():
    from shapely.geometry import Point

    water = gpd.GeoDataFrame({"name": ["a", "b"], "max_depth_cm": [10, 20], "district": ["", ""]},
                             geometry=[Point(113.95, 22.55), Point(114.05, 22.55)], crs=4326)
    res = validate_layer("waterlogging", water, districts=_districts())
    assert len(res.accepted) == 2 and res.rejected.empty
    assert "outside every district" in res.notes.set_index("row")["reason"][2]


def test_columns_the_schema_does_not_know_are_kept_as_text():
    from shapely.geometry import Point

    gdf = _register(["南山区"], [Point(113.95, 22.55)], 序号=["SZ00001"], 联系电话=[13800000000],
                    法人=[None])
    res = validate_layer("enterprises", gdf)
    row = res.accepted.iloc[0]
    assert row["序号"] == "SZ00001" and row["联系电话"] == "13800000000" and row["法人"] == ""


def test_a_point_just_outside_every_district_gets_the_nearest_one_and_a_note():
    import geopandas as gpd
    from shapely.geometry import Point, box

    from data.dataset import region_of
    from data.schema import validate_layer

    districts = gpd.GeoDataFrame({"name": ["甲区", "乙区"]},
                                 geometry=[box(114.0, 22.5, 114.1, 22.6),
                                           box(114.1, 22.5, 114.2, 22.6)], crs=4326)
    pier = Point(114.15, 22.605)  # about 550 m north of 乙区, inside the 2 km margin
    sea = Point(114.15, 22.7)     # 11 km out: outside the region
    ents = gpd.GeoDataFrame({"id": ["P", "S"], "name": ["码头", "海上"], "grade": ["red", "blue"],
                             "district": ["", ""]}, geometry=[pier, sea], crs=4326)
    result = validate_layer("enterprises", ents, region=region_of(districts), districts=districts)
    assert list(result.accepted["id"]) == ["P"] and list(result.accepted["district"]) == ["乙区"]
    assert any("nearest district: 乙区" in r for r in result.notes["reason"])
    assert list(result.rejected["row"].unique()) == [2]  # the second feature: at sea
