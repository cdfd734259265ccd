"""The graticule: steps, degree labels, and the labels on the page where the lines meet the
frame (pdftotext)."""

from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pytest
from pyproj import Transformer

from layers.print_grid import STEPS_DEG, format_degrees, grid_step
from layers.print_page import fixed_view
from layers.print_parts import page_layout
from layers.printmap import render_map_pdf

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
    pytest.mark.usefixtures("font_cache"),
]


@pytest.mark.parametrize(("value", "axis", "text"), [
    (114.0, "lon", "114°E"), (114.25, "lon", "114°15′E"), (22.5 + 1 / 120, "lat", "22°30′30″N"),
    (-3.5, "lat", "3°30′S"), (-70.0, "lon", "70°W"),
])
def test_format_degrees(value, axis, text):
    assert format_degrees(value, axis) == text


@pytest.mark.parametrize("span", [0.02, 0.1, 0.35, 0.9, 4.0])
def test_grid_step_gives_at_least_three_lines(span):
    step = grid_step(span)
    assert step in STEPS_DEG and span / step >= 3
    bigger = [s for s in STEPS_DEG if s > step]
    assert not bigger or span / min(bigger) < 3  # the largest such step


def test_graticule_labels_on_the_page(small_dataset, tmp_path):
    center = (114.06, 22.56)
    out = tmp_path / "grid.pdf"
    render_map_pdf(small_dataset, out=out, title="经纬网", scale=100_000, center=center,
                   graticule=True)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    view = fixed_view(center, 100_000, page_layout("A4", "landscape", subtitle=False))
    inv = Transformer.from_crs(view.crs, 4326, always_xy=True)
    xs = np.linspace(*view.xlim, 60)
    ys = np.linspace(*view.ylim, 60)
    lon, lat = inv.transform(np.concatenate([xs, xs, np.full(60, view.xlim[0]),
                                             np.full(60, view.xlim[1])]),
                             np.concatenate([np.full(60, view.ylim[0]),
                                             np.full(60, view.ylim[1]), ys, ys]))
    west, east, south, north = lon.min(), lon.max(), lat.min(), lat.max()
    step = grid_step(min(east - west, north - south))
    lons = [k * step for k in range(math.ceil(west / step), math.floor(east / step) + 1)]
    assert len(lons) >= 2
    for lon in lons[1:-1]:  # inner meridians meet the bottom and top edges: labelled twice
        assert text.count(format_degrees(lon, "lon")) >= 2, format_degrees(lon, "lon")
    lats = [k * step for k in range(math.ceil(south / step), math.floor(north / step) + 1)]
    assert lats and all(format_degrees(v, "lat") in text for v in lats)
