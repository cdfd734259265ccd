"""The one-page A4 field briefing (layers/print_briefing.py), read as a person would: its text
(pdftotext), its pages and size (pypdf) and its pixels (the QR code, pdftoppm)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from data.dataset import Dataset
from data.share import qr_modules
from data.store import FileStore
from layers.print_briefing import Briefing, _shares, briefing_of, briefing_title, render_briefing
from layers.print_frames import PrintMapError
from risk.cordon import exposure, sensitive_in_zones, validate_incident

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None,
                       reason="poppler-utils (pdftotext) not installed"),
    pytest.mark.usefixtures("font_cache"),
]
GEOD = pyproj.Geod(ellps="WGS84")
CENTER = (114.0579, 22.5431)
A4_PT = (595.28, 841.89)


def pdf_text(data: bytes, tmp_path: Path, name: str = "b.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def pages(data: bytes) -> list:
    from pypdf import PdfReader

    return list(PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(scope="module")
def wind_page(small_dataset, tmp_path_factory):
    """The Chinese briefing of a hazmat incident in Futian with the wind from the south-west."""
    cordon = validate_incident(*CENTER, (1000, 5000, 10000), region=small_dataset.region)
    briefing = Briefing(cordon=cordon, type="hazmat", created="2026-12-01T14:30:00+08:00",
                        note="储罐泄漏", number=12, wind_from_deg=225.0)
    pdf = render_briefing(small_dataset, briefing, link="http://h.example/?incident=12")
    text = pdf_text(pdf, tmp_path_factory.mktemp("brief"))
    ex = exposure(small_dataset.layers, cordon, wind_from_deg=225.0)
    return SimpleNamespace(pdf=pdf, text=text, ex=ex, cordon=cordon)


def test_one_a4_portrait_page(wind_page):
    found = pages(wind_page.pdf)
    assert len(found) == 1
    box = found[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_PT, abs=0.5)


def test_page_holds_the_title_zones_sites_shelters_and_downwind_area(wind_page, small_dataset):
    text, ex = wind_page.text, wind_page.ex
    assert "危化品泄漏 · 2026-12-01 14:30 · 福田区" in text
    assert "Hazardous-chemical release · 2026-12-01 14:30 · Futian" in text
    for zone in ex.zones:
        assert zone.name_zh in text
    assert "下风向防护区" in text and "225°" in text
    sites = sensitive_in_zones(small_dataset.layer("sensitive_sites"), wind_page.cordon)
    assert len(sites) and str(sites["name"].iloc[0]) in text  # the nearest site
    shelters = ex.evacuation_shelters
    assert len(shelters) and str(shelters["name"].iloc[0]) in text
    assert f"{int(shelters['capacity'].iloc[0]):,}" in text


def test_checkpoint_roster_has_six_decimals_and_counts_what_it_leaves_out(wind_page):
    text, cps = wind_page.text, wind_page.ex.checkpoints
    assert len(cps) > 0
    first = cps.iloc[0]
    assert f"{first['lon']:.6f}" in text and f"{first['lat']:.6f}" in text
    listed = sum(1 for lon, lat in zip(cps["lon"], cps["lat"], strict=True)
                 if f"{lon:.6f}" in text and f"{lat:.6f}" in text)
    # the page's two columns share lines of text: look at every "N more" on the page
    counts = [int(a) for a, b in re.findall(r"… 另 (\d+) 条 / (\d+) more", text) if a == b]
    if listed < len(cps):  # a long roster ends in the count of what is not listed
        assert len(cps) - listed in counts
    assert re.search(rf"卡口名册.*：{len(cps):,}", text)


def test_english_page_puts_english_first(small_dataset, tmp_path):
    cordon = validate_incident(*CENTER, (1000, 5000), region=small_dataset.region)
    pdf = render_briefing(small_dataset, Briefing(cordon=cordon, type="fire"), lang="en",
                          now="2026-12-02T08:05:00+08:00")
    text = pdf_text(pdf, tmp_path)
    assert "Field briefing" in text and "Fire / explosion · 2026-12-02 08:05 · Futian" in text
    assert "Core zone (no entry)" in text and "Traffic-control zone" in text
    assert "Downwind area" not in text  # no wind, no downwind area
    assert "Scan to open" not in text  # no link, no QR code
    assert len(pages(pdf)) == 1


def test_bad_lang_and_downwind_are_refused(small_dataset):
    cordon = validate_incident(*CENTER, region=small_dataset.region)
    with pytest.raises(PrintMapError, match="`lang` must be one of zh, en"):
        render_briefing(small_dataset, Briefing(cordon=cordon), lang="fr")
    with pytest.raises(PrintMapError, match="downwind_m"):
        render_briefing(small_dataset, Briefing(cordon=cordon, wind_from_deg=10.0,
                                                downwind_m=-5.0))


@pytest.fixture
def tiny_dataset(tmp_path):
    """Districts, two enterprises, a road, two shelters and sites whose names need escaping."""
    store = FileStore(tmp_path / "tiny")
    store.write_layer("districts", gpd.GeoDataFrame(
        {"code": ["440304"], "name": ["福田区"], "name_en": ["Futian"]},
        geometry=[shapely.box(113.9, 22.4, 114.2, 22.7)], crs=4326))
    lon, lat, _ = GEOD.fwd([CENTER[0]] * 2, [CENTER[1]] * 2, [0.0, 90.0], [500.0, 3000.0])
    store.write_layer("enterprises", gpd.GeoDataFrame(
        {"id": ["e1", "e2"], "name": ["甲化工", "乙燃气"], "grade": ["red", "blue"],
         "major_hazard": [True, False]}, geometry=gpd.points_from_xy(lon, lat), crs=4326))
    lon, lat, _ = GEOD.fwd([CENTER[0]] * 3, [CENTER[1]] * 3, [10.0, 200.0, 300.0],
                           [300.0, 2500.0, 7000.0])
    store.write_layer("sensitive_sites", gpd.GeoDataFrame(
        {"id": ["s1", "s2", "s3"], "name": ["$\\alpha$小学 <b>&", "人民医院_{x}", "乐龄^养老院"],
         "kind": ["school", "hospital", "care_home"], "people": [1200, 800, 90]},
        geometry=gpd.points_from_xy(lon, lat), crs=4326))
    lon, lat, _ = GEOD.fwd([CENTER[0]] * 2, [CENTER[1]] * 2, [45.0, 180.0], [6000.0, 8000.0])
    store.write_layer("shelters", gpd.GeoDataFrame(
        {"id": ["h1", "h2"], "name": ["莲花山$公园", "中心公园"], "shelter_type": ["fixed"] * 2,
         "capacity": [3000, 1500]}, geometry=gpd.points_from_xy(lon, lat), crs=4326))
    w = GEOD.fwd(CENTER[0], CENTER[1], 270.0, 14000.0)[:2]
    e = GEOD.fwd(CENTER[0], CENTER[1], 90.0, 14000.0)[:2]
    store.write_layer("roads", gpd.GeoDataFrame(
        {"id": ["r1"], "name": ["深南大道"], "road_class": ["trunk"]},
        geometry=[shapely.LineString([w, e])], crs=4326))
    return Dataset.load(store)


def test_names_print_as_written_and_sites_come_by_zone(tiny_dataset, tmp_path):
    cordon = validate_incident(*CENTER, region=tiny_dataset.region)
    briefing = Briefing(cordon=cordon, note="备注 $5 \\n ^_^", type="gas")
    text = pdf_text(render_briefing(tiny_dataset, briefing), tmp_path)
    for name in ("$\\alpha$小学 <b>&", "人民医院_{x}", "乐龄^养老院", "莲花山$公园", "$5 \\n ^_^"):
        assert name in text
    # each zone's line: its sites and people, by kind
    assert "核心区（禁入）：1 处 / 1,200 人（学校 1）" in text
    assert "管制区：1 处 / 800 人（医院 1）" in text
    assert "警戒区：1 处 / 90 人（养老院 1）" in text
    # the road crosses the 5 and 10 km rings twice each: four checkpoints, none left out
    assert "卡口名册（WGS 84 经纬度） Checkpoint roster (WGS 84)：4" in text
    assert "more" not in text.split("卡口名册")[1].split("敏感目标")[0]
    assert "燃气泄漏" in text


def test_qr_code_in_the_corner_is_the_share_link(tiny_dataset, tmp_path):
    from PIL import Image

    link = "https://risk.example.gov.cn/?incident=7&lang=zh"
    cordon = validate_incident(*CENTER, region=tiny_dataset.region)
    path = tmp_path / "qr.pdf"
    path.write_bytes(render_briefing(tiny_dataset, Briefing(cordon=cordon, number=7), link=link))
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(path),
                    str(tmp_path / "qr")], check=True)
    image = np.asarray(Image.open(tmp_path / "qr.png").convert("L"))
    px_per_mm = image.shape[1] / 210.0
    modules = qr_modules(link, border=2)
    n = len(modules)
    side, x0, top = 23.0, 210.0 - 10.0 - 23.0, 7.5  # where the page puts it
    step = side / n
    seen = [[image[int((top + (r + 0.5) * step) * px_per_mm),
                   int((x0 + (c + 0.5) * step) * px_per_mm)] < 128 for c in range(n)]
            for r in range(n)]
    assert seen == modules


def test_briefing_of_a_saved_incident_with_and_without_wind_fields():
    cordon = validate_incident(*CENTER)
    plain = SimpleNamespace(cordon=cordon, type="火灾爆炸", created="2026-12-01T10:00:00+08:00",
                            note="", id=3)
    got = briefing_of(plain)
    assert (got.type, got.number, got.wind_from_deg, got.downwind_m) == ("fire", 3, None, None)
    windy = SimpleNamespace(**vars(plain), wind_from_deg=90, downwind_m=8000,
                            updated="2026-12-01T11:00:00+08:00")
    got = briefing_of(windy)
    assert (got.wind_from_deg, got.downwind_m, got.updated) == (90.0, 8000.0,
                                                                 "2026-12-01T11:00:00+08:00")


def test_title_names_the_district_or_the_coordinates(tiny_dataset):
    inside = Briefing(cordon=validate_incident(*CENTER), type="hazmat", created="2026-12-01T09:15")
    assert briefing_title(tiny_dataset, inside)[0] == "危化品泄漏 · 2026-12-01 09:15 · 福田区"
    outside = Briefing(cordon=validate_incident(114.25, 22.45), type="other")
    zh, en = briefing_title(tiny_dataset, outside, now="2026-12-01T09:20:00+08:00")
    assert zh == "其他 · 2026-12-01 09:20 · 114.2500°E 22.4500°N"
    assert en.startswith("Other · 2026-12-01 09:20 ·")


def test_rows_are_shared_between_zones():
    assert _shares([3, 40, 50], 20) == [3, 9, 8]
    assert sum(_shares([10, 10, 10], 7)) == 7
    assert _shares([1, 0, 2], 10) == [1, 0, 2]  # never more than a zone has


def test_shelters_to_evacuate_to_inside_the_downwind_area_are_flagged(tiny_dataset, tmp_path):
    cordon = validate_incident(*CENTER, region=tiny_dataset.region)
    windy = Briefing(cordon=cordon, wind_from_deg=225.0)  # blows to the north-east
    lines = pdf_text(render_briefing(tiny_dataset, windy), tmp_path).splitlines()
    northeast = next(line for line in lines if "莲花山$公园" in line)  # 6 km NE: downwind
    south = next(line for line in lines if "中心公园" in line)  # 8 km S: not
    assert "是 yes" in northeast and "是 yes" not in south
    calm = pdf_text(render_briefing(tiny_dataset, Briefing(cordon=cordon)), tmp_path)
    assert "是 yes" not in calm
