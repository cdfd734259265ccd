"""The inset (overview) map: its caption on the page and the red extent box in its pixels."""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pytest

from layers.print_inset import inset_box
from layers.print_parts import page_layout
from layers.printmap import render_map, render_map_pdf

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
    pytest.mark.usefixtures("font_cache"),
]


def test_inset_caption_on_the_page(small_dataset, tmp_path):
    out = tmp_path / "inset.pdf"
    render_map_pdf(small_dataset, out=out, title="位置图测试",
                   districts_filter=["福田区"], inset=True)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "位置图 Overview" in text


def test_inset_shows_the_extent_box_of_a_district_map(small_dataset):
    import matplotlib.image as mpimg

    png = render_map(small_dataset, title="位置图", districts_filter=["福田区"], inset=True,
                     format="png", dpi=100, labels=False)
    img = mpimg.imread(io.BytesIO(png))[:, :, :3]
    layout = page_layout("A4", "landscape", subtitle=False)
    x0, y0, x1, y1 = inset_box(small_dataset.districts, layout.map_mm)
    w_mm, h_mm = layout.page_mm
    left, bottom, fw, fh = layout.map_mm
    h, w = img.shape[:2]
    cols = slice(int((left + x0 * fw) / w_mm * w) + 2, int((left + x1 * fw) / w_mm * w) - 2)
    rows = slice(int(h - (bottom + y1 * fh) / h_mm * h) + 2,
                 int(h - (bottom + y0 * fh) / h_mm * h) - 2)
    part = img[rows, cols]
    red = (part[:, :, 0] > 0.75) & (part[:, :, 1] < 0.3) & (part[:, :, 2] < 0.3)
    assert red.sum() > 40  # the extent box (#d7191c) is drawn inside the inset
    # and the box is small: Futian is a fraction of the city
    ys, xs = np.nonzero(red)
    assert (xs.max() - xs.min()) < 0.6 * part.shape[1]
