"""Importing messy registers into a FileStore (data.importer) and `riskmap import`."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyproj
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from data.coordsys import parse_crs
from data.importer import ImportFileError, import_layer, preview
from risk.coords import wgs84_to_bd09, wgs84_to_gcj02

GEOD = pyproj.Geod(ellps="WGS84")
# true WGS 84 positions inside Shenzhen
TRUE = [("福田甲化工", 114.0579, 22.5431), ("南山乙燃气", 113.9300, 22.5330),
        ("龙岗丙仓储", 114.2500, 22.7200), ("罗湖丁建筑", 114.1200, 22.5600)]


def _csv(rows, header=("企业名称", "经度", "纬度", "风险等级", "行业类别", "所属区")) -> str:
    return "\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n"


def _assert_within_5m(districts_store, names=None):
    got = districts_store.read_layer("enterprises").set_index("name")
    for name, lon, lat in TRUE:
        if names is not None and name not in names:
            continue
        p = got.geometry[name]
        assert abs(GEOD.inv(p.x, p.y, lon, lat)[2]) < 5.0, name


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09", "cgcs2000"])
def test_gbk_csv_coordinates_land_within_5m(districts_store, system):
    rows = []
    for name, lon, lat in TRUE:
        x, y = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}.get(
            system, lambda a, b: (a, b))(lon, lat)
        rows.append((name, f"{float(x):.7f}", f"{float(y):.7f}", "较大", "危化品", "福田区"))
    result = import_layer(districts_store, "enterprises", _csv(rows).encode("gbk"),
                          filename="r.csv", crs=parse_crs(system))
    assert (result.accepted_count, result.rejected_count, result.total_rows) == (4, 0, 4)
    assert result.encoding == "GBK/GB18030" and result.written
    _assert_within_5m(districts_store)
    assert set(districts_store.read_layer("enterprises")["grade"]) == {"orange"}


def test_broken_rows_every_row_accounted_for(districts_store):
    text = (
        "XX区企业安全风险台账（2024）,,,,,\n"  # row 1 title
        "企业名称,经度,纬度,风险等级,企业编号,检查日期\n"  # row 2 header
        "福田甲化工,114.0579,22.5431,红,E1,2024-03-01\n"  # 3 ok
        ",114.06,22.54,红,E2,\n"  # 4 empty name
        "乙,22.5330,113.9300,橙,E3,\n"  # 5 swapped
        "丙,11４.1x,22.5,黄,E4,\n"  # 6 non-numeric
        "丁,,,蓝,E5,\n"  # 7 missing
        "\n"  # 8 blank
        "戊,116.40,39.90,蓝,E6,\n"  # 9 outside the region (Beijing)
        "己,114.12,22.56,紫色,E7,\n"  # 10 unknown grade
        "庚,114.12,22.56,蓝,E1,\n"  # 11 duplicate id
        "辛,0,0,蓝,E8,\n"  # 12 outside China
        "壬,114.12,22.56,蓝,E9,2024-13-45\n"  # 13 bad date
        "癸,114.12,22.56,蓝,E10,,extra\n"  # 14 too many cells
        "子,114.1,22.6,黄,E11,\n"  # 15 ok
        "丑,114.2,22.7\n"  # 16 short (with its line end: not a cut-off file): grade missing
    )
    result = import_layer(districts_store, "enterprises", text.encode("utf-8-sig"),
                          filename="r.csv")
    expected = {4: "empty name", 5: "swapped", 6: "not a number", 7: "missing coordinate",
                9: "outside the dataset's region", 10: "unknown risk grade", 11: "duplicate id",
                12: "outside China", 13: "not a date", 14: "cells", 16: "risk grade is empty"}
    assert result.accepted_rows == [3, 15]
    assert result.rejected_rows == sorted(expected)
    assert result.accepted_count + result.rejected_count == result.total_rows == 13
    for row, reason in expected.items():
        reasons = " | ".join(result.rejected.loc[result.rejected["row"] == row, "reason"])
        assert reason in reasons, (row, reasons)
    assert "valid values" in result.rejected.loc[result.rejected["row"] == 10, "reason"].iloc[0]
    assert result.rejected.loc[result.rejected["row"] == 10, "column"].iloc[0] == "风险等级 (grade)"
    assert "已跳过空行：第 8 行 / skipped blank row: row 8" in result.warnings
    assert list(districts_store.read_layer("enterprises")["name"]) == ["福田甲化工", "子"]


def test_swap_xy_swaps_only_the_detected_rows(districts_store):
    rows = [(TRUE[0][0], TRUE[0][1], TRUE[0][2], "红", "", ""),
            (TRUE[1][0], TRUE[1][2], TRUE[1][1], "红", "", "")]
    result = import_layer(districts_store, "enterprises", _csv(rows).encode(), filename="r.csv",
                          swap_xy=True)
    assert result.accepted_count == 2 and any("rows 3" in w for w in result.warnings)
    _assert_within_5m(districts_store, {TRUE[0][0], TRUE[1][0]})


def test_xlsx_with_title_row_and_remembered_mapping(districts_store, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["深圳市重点企业名录"])
    ws.append(["单位全称", "坐标X", "坐标Y", "风险等级", "重大危险源"])
    for name, lon, lat in TRUE:
        ws.append([name, lon, lat, "A", "是"])
    ws.append(["<img src=x onerror=alert(1)>", 114.1, 22.6, "D", "否"])
    buf = io.BytesIO()
    wb.save(buf)
    # "单位全称" is not a known header: the user maps it, and it is remembered
    mapping = json.dumps({"单位全称": "name"}, ensure_ascii=False)
    result = import_layer(districts_store, "enterprises", buf.getvalue(), filename="名录.xlsx",
                          mapping=mapping)
    assert result.accepted_rows == [3, 4, 5, 6, 7]
    assert result.mapping_used["单位全称"] == "name"
    layer = districts_store.read_layer("enterprises")
    assert "<img src=x onerror=alert(1)>" in set(layer["name"])  # stored exactly as given
    assert layer["major_hazard"].tolist() == [True, True, True, True, False]
    _assert_within_5m(districts_store)
    again = preview(buf.getvalue(), filename="名录.xlsx", layer="enterprises",
                    store=districts_store)
    assert again.guessed_mapping["单位全称"] == "name" and again.header_row == 2
    assert again.rows[0]["row"] == 3 and again.total_rows == 5


def test_geojson_gcj02_and_kml(districts_store, tmp_path):
    lon, lat = wgs84_to_gcj02([p[1] for p in TRUE], [p[2] for p in TRUE])
    gdf = gpd.GeoDataFrame({"名称": [p[0] for p in TRUE], "等级": ["黄"] * 4},
                           geometry=shapely.points(lon, lat), crs=4326)
    path = tmp_path / "amap.geojson"
    gdf.to_file(path, driver="GeoJSON")
    result = import_layer(districts_store, "enterprises", path, crs=parse_crs("gcj02"))
    assert result.accepted_count == 4 and result.rejected.empty
    _assert_within_5m(districts_store)

    placemarks = "".join(
        f"<Placemark><name>{n}</name><ExtendedData><Data name='grade'><value>蓝</value></Data>"
        f"</ExtendedData><Point><coordinates>{x},{y},0</coordinates></Point></Placemark>"
        for n, x, y in TRUE
    )
    kml = (f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
           f"<Document>{placemarks}</Document></kml>")
    result = import_layer(districts_store, "enterprises", kml.encode(), filename="points.kml",
                          mode="replace")
    assert result.accepted_count == 4, result.rejected
    _assert_within_5m(districts_store)


def test_zipped_shapefile_gbk_cpg_and_prj_4547(districts_store, tmp_path):
    utm = gpd.GeoDataFrame(
        {"企业名称": [p[0] for p in TRUE], "风险等级": ["重大风险"] * 4},
        geometry=gpd.points_from_xy([p[1] for p in TRUE], [p[2] for p in TRUE]), crs=4326,
    ).to_crs(4547)
    folder = tmp_path / "shp"
    folder.mkdir()
    utm.to_file(folder / "qiye.shp", encoding="GBK", engine="pyogrio")
    assert (folder / "qiye.cpg").read_text().strip().upper() in {"GBK", "CP936", "936"}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f"qiye/{f.name}")
    result = import_layer(districts_store, "enterprises", buf.getvalue(), filename="qiye.zip")
    assert result.accepted_count == 4 and "4547" in result.crs_used
    assert set(districts_store.read_layer("enterprises")["name"]) == {p[0] for p in TRUE}
    _assert_within_5m(districts_store)


def test_gauss_kruger_table_with_surveying_xy(districts_store):
    tr = pyproj.Transformer.from_crs(4326, 4547, always_xy=True)
    rows = []
    for name, lon, lat in TRUE:
        e, n = tr.transform(lon, lat)
        rows.append((name, f"{n:.3f}", f"{e:.3f}", "红"))  # X = northing, as surveyors write it
    text = _csv(rows, header=("企业名称", "X坐标", "Y坐标", "风险等级"))
    hint = preview(text.encode(), filename="gk.csv", layer="enterprises")
    assert hint.detected_crs_hint == "EPSG:4547"  # the 3° zone of Shenzhen, a registry value
    assert parse_crs(hint.detected_crs_hint).crs.to_epsg() == 4547
    result = import_layer(districts_store, "enterprises", text.encode(), filename="gk.csv",
                          crs=parse_crs("EPSG:4547"))
    assert result.accepted_count == 4 and any("northings" in w for w in result.warnings)
    _assert_within_5m(districts_store)


def test_strict_refuses_and_keeps_previous_bytes(districts_store):
    good = _csv([(n, x, y, "红", "", "") for n, x, y in TRUE]).encode()
    import_layer(districts_store, "enterprises", good, filename="a.csv")
    before = districts_store.layer_file("enterprises").read_bytes()
    bad = _csv([("新", 114.1, 22.6, "红", "", ""), ("", 114.1, 22.6, "红", "", "")]).encode()
    result = import_layer(districts_store, "enterprises", bad, filename="b.csv", strict=True)
    assert result.refused and not result.written and result.rejected_rows == [3]
    assert districts_store.layer_file("enterprises").read_bytes() == before


def test_failure_mid_write_leaves_previous_file_identical(districts_store, monkeypatch):
    good = _csv([(n, x, y, "红", "", "") for n, x, y in TRUE]).encode()
    import_layer(districts_store, "enterprises", good, filename="a.csv")
    before = districts_store.layer_file("enterprises").read_bytes()

    def broken(self, path, *args, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"SQLite format 3\x00 half-written")
        raise OSError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", broken)
    with pytest.raises(OSError, match="disk full"):
        import_layer(districts_store, "enterprises", good, filename="a.csv", mode="replace")
    assert districts_store.layer_file("enterprises").read_bytes() == before
    assert sorted(p.name for p in districts_store.root.iterdir()) == [
        "districts.gpkg", "enterprises.gpkg", "riskmap.sqlite", "versions"]
    assert [p.name for p in (districts_store.root / "versions" / "enterprises").iterdir()] == [
        "v00001.gpkg"]  # the failed version left nothing behind, and no version row
    assert [v.version for v in districts_store.list_versions("enterprises")] == [1]


def test_append_rejects_ids_already_in_dataset(districts_store):
    first = _csv([("甲", 114.1, 22.6, "红", "E1")], header=("企业名称", "经度", "纬度", "风险等级",
                                                         "企业编号"))
    import_layer(districts_store, "enterprises", first.encode(), filename="a.csv")
    second = _csv([("乙", 114.1, 22.6, "红", "E1"), ("丙", 114.2, 22.7, "蓝", "E2")],
                  header=("企业名称", "经度", "纬度", "风险等级", "企业编号"))
    result = import_layer(districts_store, "enterprises", second.encode(), filename="b.csv",
                          mode="append")
    assert result.accepted_rows == [3] and result.rejected_rows == [2]
    assert "already in the dataset" in result.rejected["reason"].iloc[0]
    assert list(districts_store.read_layer("enterprises")["id"]) == ["E1", "E2"]
    # appending the same file without ids twice: the generated ids collide, nothing is doubled
    third = _csv([("丁", 114.1, 22.6, "红", "", "")]).encode()
    import_layer(districts_store, "enterprises", third, filename="c.csv", mode="append")
    again = import_layer(districts_store, "enterprises", third, filename="c.csv", mode="append")
    assert again.accepted_count == 0 and len(districts_store.read_layer("enterprises")) == 3


@pytest.mark.parametrize(
    ("data", "match"),
    [(b"", "empty"), (b'{"type": "FeatureCollection", "features": [{"type"', "cannot be read"),
     (b"name,grade\nx,red\n", "no longitude/latitude")],
)
def test_broken_files_write_nothing(districts_store, data, match):
    with pytest.raises(ImportFileError, match=match):
        import_layer(districts_store, "enterprises", data, filename="x.geojson")
    assert not districts_store.has_layer("enterprises")


def test_all_rejected_never_replaces_existing(districts_store):
    import_layer(districts_store, "enterprises",
                 _csv([("甲", 114.1, 22.6, "红", "", "")]).encode(), filename="a.csv")
    before = districts_store.layer_file("enterprises").read_bytes()
    result = import_layer(districts_store, "enterprises", _csv([("甲", "", "", "红", "", "")] * 2
                          + [("乙", "x", "y", "红", "", "")]).encode(), filename="b.csv")
    assert result.accepted_count == 0 and result.rejected_rows == [2, 3, 4]
    assert districts_store.layer_file("enterprises").read_bytes() == before


def test_report_csv_is_utf8_bom(districts_store, tmp_path):
    result = import_layer(districts_store, "enterprises",
                          _csv([("甲", "abc", 22.6, "红", "", "")]).encode(), filename="a.csv")
    path = result.write_report(tmp_path / "report.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["row"].tolist() == [2] and "坐标不是数字" in back["reason"].iloc[0]


def _tif(path, data, crs="EPSG:4547", nodata=-9999.0):
    bands = data if data.ndim == 3 else data[None]
    with rasterio.open(path, "w", driver="GTiff", width=bands.shape[2], height=bands.shape[1],
                       count=bands.shape[0], dtype="float32", crs=crs, nodata=nodata,
                       transform=from_origin(500000, 2500000, 30, 30)) as ds:
        ds.write(bands.astype("float32"))


def test_raster_import_and_rejections(districts_store, tmp_path):
    good = tmp_path / "dem.tif"
    _tif(good, np.arange(100.0).reshape(10, 10))
    result = import_layer(districts_store, "dem", good)
    assert result.written and districts_store.raster_path("dem").read_bytes() == good.read_bytes()
    cases = {"nodata": (np.full((10, 10), -9999.0), "EPSG:4547", "only nodata"),
             "nocrs": (np.ones((10, 10)), None, "no CRS"),
             "bands": (np.ones((2, 10, 10)), "EPSG:4547", "1 band")}
    for name, (arr, crs, match) in cases.items():
        path = tmp_path / f"{name}.tif"
        _tif(path, arr, crs=crs)
        with pytest.raises(ImportFileError, match=match):
            import_layer(districts_store, "dem", path)
    assert districts_store.raster_path("dem").read_bytes() == good.read_bytes()
    with pytest.raises(ImportFileError, match="GeoTIFF"):
        import_layer(districts_store, "population", _csv([]).encode(), filename="p.tif")


def test_import_layer_takes_the_parsed_crs_only(districts_store):
    text = _csv([("甲", 114.1, 22.6, "红", "", "")]).encode()
    with pytest.raises(TypeError, match="parse_crs"):
        import_layer(districts_store, "enterprises", text, filename="a.csv", crs="gcj02")  # type: ignore[arg-type]
    assert not districts_store.has_layer("enterprises")


# -- modes, versions, concurrency ---------------------------------------------------------------

ID_HEADER = ("企业编号", "企业名称", "经度", "纬度", "风险等级")


def _register(rows) -> bytes:
    return _csv(rows, header=ID_HEADER).encode()


@pytest.fixture
def store(any_store):
    """An empty store of each kind (a folder, a PostGIS database) with the Shenzhen districts."""
    from data import BOUNDARIES_DIR

    any_store.write_layer("districts", gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson"))
    return any_store


def _url_or_root(store) -> str:
    root = getattr(store, "root", None)
    return str(root) if root is not None else store.url.render_as_string(hide_password=False)


BASE = [("E1", "甲", 114.10, 22.60, "红"), ("E2", "乙", 114.11, 22.61, "橙"),
        ("E3", "丙", 114.12, 22.62, "黄")]


def test_update_by_key_adds_changes_and_counts_only_real_changes(store):
    first = import_layer(store, "enterprises", _register(BASE), filename="a.csv",
                         actor="li")
    assert (first.mode, first.version, first.added, first.changed) == ("update", 1, 3, 0)
    # E1 unchanged, E2 new grade, E3 moved, E4 new; nothing removed
    second = import_layer(store, "enterprises", _register(
        [BASE[0], ("E2", "乙", 114.11, 22.61, "蓝"), ("E3", "丙", 114.13, 22.62, "黄"),
         ("E4", "丁", 114.14, 22.64, "红")]), filename="b.csv", actor="wang")
    assert (second.added, second.changed, second.unchanged, second.removed) == (1, 2, 1, 0)
    assert second.version == 2 and second.written
    layer = store.read_layer("enterprises")
    assert list(layer["id"]) == ["E1", "E2", "E3", "E4"]  # updated rows keep their place
    assert layer.set_index("id")["grade"].to_dict() == {"E1": "red", "E2": "blue", "E3": "yellow",
                                                        "E4": "red"}
    assert layer.set_index("id").geometry["E3"].x == pytest.approx(114.13, abs=1e-9)
    info = store.list_versions("enterprises")[0]
    assert (info.version, info.actor, info.mode, info.file, info.rows) == (2, "wang", "update",
                                                                           "b.csv", 4)
    assert (info.added, info.changed, info.removed) == (1, 2, 0)
    audit = store.db.audit_rows(action="layer.update")
    assert audit[-1]["actor"] == "wang" and audit[-1]["ids"] == ["enterprises@2"]


def test_update_with_nothing_new_writes_no_version(store):
    import_layer(store, "enterprises", _register(BASE), filename="a.csv")
    again = import_layer(store, "enterprises", _register(BASE), filename="a.csv")
    assert (again.unchanged, again.added, again.changed, again.written) == (3, 0, 0, False)
    assert again.version is None and "nothing changed" in again.warnings[-1]
    assert len(store.list_versions("enterprises")) == 1


def test_update_without_id_column_refuses_on_a_layer_with_rows(store):
    from geopandas.testing import assert_geodataframe_equal

    import_layer(store, "enterprises", _register(BASE), filename="a.csv")
    before = store.read_layer("enterprises")
    no_ids = _csv([("戊", 114.1, 22.6, "红", "", "")]).encode()
    with pytest.raises(ImportFileError, match="no id column.*choose mode append or replace"):
        import_layer(store, "enterprises", no_ids, filename="n.csv")
    assert_geodataframe_equal(store.read_layer("enterprises"), before)
    assert len(store.list_versions("enterprises")) == 1
    # append takes it
    assert import_layer(store, "enterprises", no_ids, filename="n.csv",
                        mode="append").added == 1


def test_replace_counts_what_goes_and_preview_replace(store):
    from data.importer import preview_replace

    assert preview_replace(store, "enterprises") == 0
    import_layer(store, "enterprises", _register(BASE), filename="a.csv")
    assert preview_replace(store, "enterprises") == 3
    result = import_layer(store, "enterprises", _register(
        [("E3", "丙", 114.12, 22.62, "蓝"), ("E9", "癸", 114.19, 22.69, "红")]), filename="r.csv",
        mode="replace")
    assert (result.added, result.changed, result.removed) == (1, 1, 2)
    assert list(store.read_layer("enterprises")["id"]) == ["E3", "E9"]


def test_undo_restores_the_exact_rows(store):
    import_layer(store, "enterprises", _register(BASE), filename="a.csv")
    before = store.read_layer("enterprises")
    import_layer(store, "enterprises", _register([("E9", "癸", 114.19, 22.69, "红")]),
                 filename="r.csv", mode="replace")
    info = store.restore_version("enterprises", 1, actor="li")
    assert (info.version, info.mode, info.restored_from) == (3, "restore", 1)
    from geopandas.testing import assert_geodataframe_equal

    assert_geodataframe_equal(store.read_layer("enterprises"), before)


def test_districts_update_by_code(tmp_path):
    from data import BOUNDARIES_DIR
    from data.store import FileStore

    (tmp_path / "d").mkdir()
    store = FileStore(tmp_path / "d")
    src = gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson")
    path = tmp_path / "districts.geojson"
    src.to_file(path, driver="GeoJSON")
    first = import_layer(store, "districts", path)
    assert first.added == len(src) and first.version == 1
    renamed = src.copy()
    renamed.loc[0, "name"] = "新区名"
    renamed.to_file(path, driver="GeoJSON")
    second = import_layer(store, "districts", path)
    assert (second.added, second.changed, second.unchanged) == (0, 1, len(src) - 1)


def _append_worker(root: str, start, n: int, offset: int) -> None:
    from data.store import open_store

    rows = [(f"P{offset + i}", f"并发{offset + i}", 114.0 + i * 1e-4, 22.6, "蓝") for i in range(n)]
    start.wait()
    import_layer(open_store(root), "enterprises", _register(rows), filename=f"p{offset}.csv",
                 mode="append", actor=f"proc{offset}")


def test_two_processes_appending_at_once_lose_nothing(store):
    import multiprocessing as mp

    import_layer(store, "enterprises", _register(BASE), filename="a.csv")
    ctx = mp.get_context("fork")
    start = ctx.Event()
    procs = [ctx.Process(target=_append_worker, args=(_url_or_root(store), start, 400, off))
             for off in (0, 1000)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    ids = set(store.read_layer("enterprises")["id"])
    assert len(ids) == 3 + 800
    assert {f"P{i}" for i in range(400)} | {f"P{1000 + i}" for i in range(400)} <= ids
    versions = store.list_versions("enterprises")
    assert sorted(v.actor for v in versions[:2]) == ["proc0", "proc1000"]
    assert [v.rows for v in versions][:2] in ([803, 403], [803, 403])
    assert all(v.added == 400 for v in versions[:2])


def test_strict_append_with_an_id_already_there_writes_nothing(districts_store):
    import_layer(districts_store, "enterprises", _register(BASE), filename="a.csv")
    result = import_layer(districts_store, "enterprises", _register(
        [BASE[0], ("E7", "庚", 114.12, 22.56, "红")]), filename="b.csv", mode="append",
        strict=True)
    assert result.refused and not result.written and result.rejected_rows == [2]
    assert result.accepted_count + result.rejected_count <= result.total_rows
    assert sorted(districts_store.read_layer("enterprises")["id"]) == ["E1", "E2", "E3"]
    assert len(districts_store.list_versions("enterprises")) == 1


def test_a_road_network_file_maps_class_speed_and_oneway_by_itself(districts_store, tmp_path):
    import shapely

    roads = gpd.GeoDataFrame(
        {"name": ["合成主干道1号", "合成支路2号"], "class": ["arterial", "local"],
         "speed_kmh": [50.0, None], "oneway": [False, True]},
        geometry=[shapely.LineString([(114.05, 22.54), (114.07, 22.55)]),
                  shapely.LineString([(114.07, 22.55), (114.08, 22.56)])], crs=4326)
    path = tmp_path / "roads.gpkg"
    roads.to_file(path, layer="roads", driver="GPKG")
    result = import_layer(districts_store, "roads", path)
    assert result.accepted_count == 2, result.rejected
    stored = districts_store.read_layer("roads")
    assert list(stored["class"]) == ["arterial", "local"]
    assert list(stored["oneway"].astype(bool)) == [False, True]


def test_a_truncated_csv_writes_nothing_unless_allowed_and_the_preview_says_so(districts_store):
    good = _csv([(n, x, y, "红", "", "") for n, x, y in TRUE]).encode()
    import_layer(districts_store, "enterprises", good, filename="a.csv")
    before = districts_store.layer_file("enterprises").read_bytes()
    cut = _csv([(n, x, y, "橙", "", "") for n, x, y in TRUE[:3]]) + "罗湖丁建筑,114.12"
    pv = preview(cut.encode(), filename="cut.csv", layer="enterprises")
    assert pv.truncated_row == 5
    assert preview(good, filename="a.csv", layer="enterprises").truncated_row is None
    from data.importer import TruncatedFileError

    with pytest.raises(TruncatedFileError, match="row 5") as info:
        import_layer(districts_store, "enterprises", cut.encode(), filename="cut.csv",
                     mode="replace")
    assert info.value.row == 5 and isinstance(info.value, ImportFileError)
    assert districts_store.layer_file("enterprises").read_bytes() == before
    result = import_layer(districts_store, "enterprises", cut.encode(), filename="cut.csv",
                          mode="replace", allow_truncated=True)
    assert result.written and result.accepted_rows == [2, 3, 4] and result.rejected_rows == [5]
    assert len(districts_store.read_layer("enterprises")) == 3


def test_preview_lists_the_extra_columns_and_the_blank_rows(districts_store):
    text = ("序号,企业名称,经度,纬度,风险等级,法人,联系电话\n"
            "SZ00001,甲,114.05,22.55,红,张三,0755-1234\n,,,,,,\n"
            "SZ00002,乙,114.06,22.55,橙,李四,0755-5678\n")
    pv = preview(text.encode(), filename="t.csv", layer="enterprises")
    assert pv.extra_columns == ["序号", "法人", "联系电话"] and pv.blank_rows == [3]
    # a column the user maps to "" is not kept
    pv = preview(text.encode(), filename="t.csv", layer="enterprises", mapping={"法人": ""})
    assert pv.extra_columns == ["序号", "联系电话"]
    result = import_layer(districts_store, "enterprises", text.encode(), filename="t.csv")
    assert "已跳过空行：第 3 行 / skipped blank row: row 3" in result.warnings
    stored = districts_store.read_layer("enterprises").set_index("name")
    assert stored.loc["乙", "法人"] == "李四" and stored.loc["甲", "序号"] == "SZ00001"
