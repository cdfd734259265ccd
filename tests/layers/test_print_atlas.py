"""The atlas PDF: an index page, one page per district with data, bookmarks; checked with
pdfinfo / pdftotext, page by page."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from layers.print_atlas import render_atlas
from layers.printmap import EmptyMapError, PrintMapError

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
    pytest.mark.usefixtures("font_cache"),
]


def _page_text(path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def test_atlas_has_an_index_and_one_page_per_district(small_dataset, tmp_path):
    from pypdf import PdfReader

    names = ["福田区", "罗湖区", "南山区"]
    atlas = render_atlas(small_dataset, title="深圳市安全风险分布图", districts=names,
                         grades=["red", "orange"])
    out = tmp_path / "atlas.pdf"
    out.write_bytes(atlas.pdf)
    reader = PdfReader(io.BytesIO(atlas.pdf))
    assert len(reader.pages) == 1 + len(atlas.pages) and atlas.pages == names
    assert [o.title for o in reader.outline] == names
    index = _page_text(out, 1)
    assert "目录" in index and "Index" in index
    ent = small_dataset.enterprises
    for page, name in enumerate(names, start=2):
        red = int(((ent["district"] == name) & (ent["grade"] == "red")).sum())
        assert name in index
        assert f"{name}安全风险分布图" in _page_text(out, page)
        # the index row: page number, district, red count first
        assert f"{page}\n" in index and str(red) in index
    # the counts are those of the pages (red and orange only): the row's total is theirs
    layout = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(out), "-"],
                            capture_output=True, text=True, check=True).stdout
    for page, name in enumerate(names, start=2):
        row = next(line.split() for line in layout.splitlines()
                   if line.split()[:2] == [str(page), name])
        mine = ent[(ent["district"] == name) & ent["grade"].isin(["red", "orange"])]
        counts = [int(v.replace(",", "")) for v in row[2:]]
        assert counts == [int((mine["grade"] == "red").sum()),
                          int((mine["grade"] == "orange").sum()), 0, 0, len(mine)]


def test_atlas_refusals(small_dataset):
    with pytest.raises(PrintMapError, match="an atlas is a PDF"):
        render_atlas(small_dataset, title="x", format="png")
    with pytest.raises(EmptyMapError, match="no district had anything"):
        render_atlas(small_dataset, title="x", districts=["福田区"], extent=(100, 10, 100.1, 10.1))


def test_atlas_pages_share_one_font_and_number_two_page_districts(small_dataset, tmp_path):
    """One PDF for all pages: one embedded font subset; with the tables page each district
    takes two pages and the index and the bookmarks say so; georef places every map page."""
    from pypdf import PdfReader

    names = ["福田区", "南山区"]
    atlas = render_atlas(small_dataset, title="深圳市安全风险分布图", districts=names,
                         tables_page=True, georef=True)
    assert atlas.page_numbers == [2, 4]
    out = tmp_path / "atlas.pdf"
    out.write_bytes(atlas.pdf)
    reader = PdfReader(io.BytesIO(atlas.pdf))
    assert len(reader.pages) == 5
    assert [reader.get_destination_page_number(o) for o in reader.outline] == [1, 3]
    for page, name in zip(atlas.page_numbers, names, strict=True):
        assert f"{name}安全风险分布图" in _page_text(out, page)
        assert "附表" in _page_text(out, page + 1)
    assert ["/VP" in reader.pages[i] for i in range(5)] == [False, True, False, True, False]
    if shutil.which("gdalinfo"):  # GDAL reads each map page's own georeferencing
        import json

        districts = small_dataset.districts.set_index("name")
        for page, name in zip(atlas.page_numbers, names, strict=True):
            info = json.loads(subprocess.run(["gdalinfo", "-json", f"PDF:{page}:{out}"],
                                             capture_output=True, text=True,
                                             check=True).stdout)
            assert "Transverse Mercator" in info["coordinateSystem"]["wkt"]
            ring = info["wgs84Extent"]["coordinates"][0]
            lon = sum(p[0] for p in ring[:4]) / 4
            lat = sum(p[1] for p in ring[:4]) / 4
            w, s_, e, n = districts.loc[name].geometry.bounds
            assert w < lon < e and s_ < lat < n, (name, lon, lat)  # this page's district
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert len({line.split()[0] for line in fonts}) == 1  # one subset, not one per page


def test_atlas_leaves_the_garbage_collector_as_it_found_it(small_dataset):
    import gc

    gc.unfreeze()
    render_atlas(small_dataset, title="图集", districts=["福田区"])
    assert gc.get_freeze_count() == 0  # frozen during the atlas only
    gc.freeze()  # a server that froze its objects before forking keeps them frozen
    try:
        frozen = gc.get_freeze_count()
        render_atlas(small_dataset, title="图集", districts=["福田区"])
        assert gc.get_freeze_count() > frozen * 0.9  # not unfrozen (a few frozen ones freed)
    finally:
        gc.unfreeze()
