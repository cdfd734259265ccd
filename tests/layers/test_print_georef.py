"""Fixed scales and the georeferenced PDF: the frame is true at 1:n by pyproj.Geod, the drawn
scale bar matches, and GDAL reads the frame's georeferencing back within one pixel."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pyproj
import pytest

from layers.print_page import fixed_view
from layers.print_parts import page_layout
from layers.printmap import PrintMapError, render_map, render_map_pdf

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("gdalinfo") is None,
                       reason="poppler-utils or gdalinfo not installed"),
    pytest.mark.usefixtures("font_cache"),
]
GEOD = pyproj.Geod(ellps="WGS84")
CENTER = (114.06, 22.56)


@pytest.fixture(scope="module")
def georef_pdf(small_dataset, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("georef") / "g.pdf"
    render_map_pdf(small_dataset, out=out, title="地理参考", paper="A3", scale=50_000,
                   center=CENTER, georef=True, graticule=True)
    return out


def _view():
    return fixed_view(CENTER, 50_000, page_layout("A3", "landscape", subtitle=False))


def test_frame_is_true_to_scale_at_the_centre_by_geod():
    view = _view()
    inv = pyproj.Transformer.from_crs(view.crs, 4326, always_xy=True)
    cx, cy = view.center_xy
    d = 500.0
    (lon0, lon1), (lat0, lat1) = inv.transform([cx - d, cx + d], [cy, cy])
    ground = GEOD.inv(lon0, lat0, lon1, lat1)[2]
    paper_m = 2 * d / (view.xlim[1] - view.xlim[0]) * view.frame_mm[0] / 1000
    assert ground / paper_m == pytest.approx(50_000, rel=1e-4)
    assert inv.transform(cx, cy) == pytest.approx(CENTER, abs=1e-9)


def test_drawn_scale_bar_is_true_at_1_50000(georef_pdf):
    html = subprocess.run(["pdftotext", "-bbox", str(georef_pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    words = [(float(a), float(b), float(c), w) for a, b, c, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
        html)]
    i = next(i for i, w in enumerate(words) if w[3] == "km" and words[i - 1][3].isdigit())
    end = words[i - 1]
    zero = next(w for w in words if w[3] == "0" and abs(w[1] - end[1]) < 1.0)
    paper_mm = ((end[0] + words[i][2]) / 2 - (zero[0] + zero[2]) / 2) / 72 * 25.4
    assert "1:50,000" in html
    assert paper_mm / 1000 * 50_000 == pytest.approx(float(end[3]) * 1000, rel=0.01)


def test_gdal_reads_the_georeferencing_within_one_pixel(georef_pdf):
    info = json.loads(subprocess.run(["gdalinfo", "-json", str(georef_pdf)],
                                     capture_output=True, text=True, check=True).stdout)
    gt = info["geoTransform"]
    width_px, height_px = info["size"]
    layout = page_layout("A3", "landscape", subtitle=False)
    dpi = width_px / (layout.page_mm[0] / 25.4)
    view = _view()
    assert pyproj.CRS.from_wkt(info["coordinateSystem"]["wkt"]).equals(view.crs)
    left, bottom, fw, fh = layout.map_mm
    h_mm = layout.page_mm[1]
    corners = {  # pixel (col, row) of each frame corner -> expected map coordinates
        (left, h_mm - bottom): (view.xlim[0], view.ylim[0]),
        (left, h_mm - bottom - fh): (view.xlim[0], view.ylim[1]),
        (left + fw, h_mm - bottom - fh): (view.xlim[1], view.ylim[1]),
        (left + fw, h_mm - bottom): (view.xlim[1], view.ylim[0]),
    }
    for (col_mm, row_mm), (ex, ey) in corners.items():
        col, row = col_mm / 25.4 * dpi, row_mm / 25.4 * dpi
        x = gt[0] + col * gt[1] + row * gt[2]
        y = gt[3] + col * gt[4] + row * gt[5]
        assert abs(x - ex) <= abs(gt[1]) and abs(y - ey) <= abs(gt[5]), (col_mm, row_mm)


def test_georef_and_fixed_scale_refusals(small_dataset):
    with pytest.raises(PrintMapError, match=r"`georef` needs format pdf"):
        render_map(small_dataset, title="x", georef=True, format="png")
    with pytest.raises(PrintMapError, match=r"`scale` must be \"fit\" or one of .*50,000"):
        render_map_pdf(small_dataset, title="x", scale=30_000)
    with pytest.raises(PrintMapError, match=r"`center` must be \(lon, lat\)"):
        render_map_pdf(small_dataset, title="x", scale=50_000, center=(114.0, 95.0))
